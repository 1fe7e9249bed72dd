/*
 * agg: the aggregate states of one group. Each state is updated from a
 * record's value, merged from a partial, and written either as the final
 * value or as a partial that --merge reads back. Merging partials gives
 * the same state as one pass over the same records (float sums aside:
 * IEEE addition is not associative, see rollup(1)).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "rollup.h"

static void	 hset_add(struct hset *, uint64_t, uint64_t);
static uint64_t	 hash_value(const struct agg_in *);
static void	 sum_add(struct sum_state *, const struct agg_in *);
static void	 sum_add_parts(struct sum_state *, __int128, double, int,
		    int64_t);
static void	 kept_set(struct kept *, const char *, size_t, int64_t);
static void	 cmap_add(struct cmap *, uint32_t, int64_t);
static void	 add_hex(struct buf *, uint64_t);
static void	 add_hll(struct buf *, const struct hll *);
static void	 add_estimate(struct buf *, double);
static int	 hex_u64(const char *, uint64_t *);

/* A count-by entry on its way out: its key and count. */
struct cmap_out {
	const char	*key;
	size_t		 len;
	int64_t		 n;
};

static const char *const op_names[] = {
	"count", "distinct", "sum", "min", "max", "avg", "count-by",
	"first", "last"
};

const char *
agg_op_name(enum agg_op op, int approx)
{
	if (op == AGG_DISTINCT && approx)
		return "hll";
	return op_names[op];
}

/* The op of a partial ("hll" is an approximate distinct): 0 or -1. */
int
agg_op_parse(const char *s, size_t n, enum agg_op *op, int *approx)
{
	size_t i;

	*approx = 0;
	if (n == 3 && memcmp(s, "hll", 3) == 0) {
		*op = AGG_DISTINCT;
		*approx = 1;
		return 0;
	}
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strlen(op_names[i]) == n && memcmp(op_names[i], s, n) == 0) {
			*op = (enum agg_op)i;
			return 0;
		}
	return -1;
}

void
agg_init(const struct agg_spec *a, union agg_state *st, int approx)
{
	memset(st, 0, sizeof(*st));
	if (a->op == AGG_DISTINCT && approx)
		hll_init(&st->hll, &a->hll);
}

void
agg_free(const struct agg_spec *a, union agg_state *st, int approx)
{
	switch (a->op) {
	case AGG_DISTINCT:
		if (approx)
			hll_free(&st->hll);
		else
			free(st->set.slot);
		break;
	case AGG_MIN: case AGG_MAX: case AGG_FIRST: case AGG_LAST:
		free(st->kept.text);
		break;
	case AGG_COUNT_BY:
		free(st->map.e);
		break;
	default:
		break;
	}
}

void
agg_update(const struct agg_spec *a, union agg_state *st,
    const struct agg_in *in, int approx, int64_t row)
{
	XXH128_hash_t h;

	if (a->op == AGG_COUNT) {
		st->count++;
		return;
	}
	if (!in->present)
		return;
	switch (a->op) {
	case AGG_DISTINCT:
		if (approx) {
			hll_add(&st->hll, hash_value(in));
			break;
		}
		if (in->type == JS_STRING)
			h = XXH3_128bits_withSeed(in->str, in->slen, 0);
		else
			h = XXH3_128bits_withSeed(in->text, in->len,
			    (XXH64_hash_t)in->type);
		hset_add(&st->set, h.low64, h.high64);
		break;
	case AGG_SUM:
	case AGG_AVG:
		sum_add(&st->sum, in);
		break;
	case AGG_MIN:
		if (st->kept.text == NULL || val_cmp(in->text, in->len,
		    st->kept.text, st->kept.len) < 0)
			kept_set(&st->kept, in->text, in->len, row);
		break;
	case AGG_MAX:
		if (st->kept.text == NULL || val_cmp(in->text, in->len,
		    st->kept.text, st->kept.len) > 0)
			kept_set(&st->kept, in->text, in->len, row);
		break;
	case AGG_COUNT_BY:
		if (in->type == JS_STRING)
			cmap_add(&st->map, intern(a->keys, in->str, in->slen),
			    1);
		else
			cmap_add(&st->map, intern(a->keys, in->text, in->len),
			    1);
		break;
	case AGG_FIRST:
		if (st->kept.text == NULL)
			kept_set(&st->kept, in->text, in->len, row);
		break;
	case AGG_LAST:
		kept_set(&st->kept, in->text, in->len, row);
		break;
	default:
		break;
	}
}

static void
hset_add(struct hset *s, uint64_t lo, uint64_t hi)
{
	size_t i, mask, k;
	uint64_t *old;
	size_t oldcap;

	if ((lo | hi) == 0)
		lo = 1;		/* (0, 0) marks an empty slot */
	if ((s->n + 1) * 2 > s->cap) {
		old = s->slot;
		oldcap = s->cap;
		s->cap = s->cap ? s->cap * 2 : 8;
		s->slot = xcalloc(s->cap * 2, sizeof(uint64_t));
		s->n = 0;
		for (k = 0; k < oldcap; k++)
			if ((old[2 * k] | old[2 * k + 1]) != 0)
				hset_add(s, old[2 * k], old[2 * k + 1]);
		free(old);
	}
	mask = s->cap - 1;
	for (i = (size_t)lo & mask;; i = (i + 1) & mask) {
		if (s->slot[2 * i] == lo && s->slot[2 * i + 1] == hi)
			return;
		if ((s->slot[2 * i] | s->slot[2 * i + 1]) == 0)
			break;
	}
	s->slot[2 * i] = lo;
	s->slot[2 * i + 1] = hi;
	s->n++;
}

/*
 * The hash --approx adds for a value, as the extension's functions give
 * it: a string is hll_hash_text of its text, an integer within 64 bits
 * hll_hash_bigint, anything else hll_hash_text of its jq -c text.
 */
static uint64_t
hash_value(const struct agg_in *in)
{
	uint8_t le[8];
	uint64_t u;
	int k;

	if (in->type == JS_STRING)
		return hll_hash(in->str, in->slen);
	if (in->is_int && in->ival >= INT64_MIN && in->ival <= INT64_MAX) {
		u = (uint64_t)(int64_t)in->ival;
		for (k = 0; k < 8; k++, u >>= 8)
			le[k] = (uint8_t)u;
		return hll_hash(le, sizeof(le));
	}
	return hll_hash(in->text, in->len);
}

static void
sum_add(struct sum_state *s, const struct agg_in *in)
{
	if (in->is_int)
		sum_add_parts(s, in->ival, 0, 0, 1);
	else
		sum_add_parts(s, 0, in->dval, 1, 1);
}

/* Integers stay exact in 128 bits; past that the sum goes to the double. */
static void
sum_add_parts(struct sum_state *s, __int128 i, double f, int has_f,
    int64_t n)
{
	__int128 r;

	if (__builtin_add_overflow(s->i, i, &r)) {
		s->f += (double)i;
		s->has_f = 1;
	} else
		s->i = r;
	if (has_f) {
		s->f += f;
		s->has_f = 1;
	}
	s->n += n;
}

static void
kept_set(struct kept *k, const char *text, size_t len, int64_t row)
{
	if (len > k->cap || k->text == NULL) {
		k->cap = len > 16 ? len : 16;
		k->text = xrealloc(k->text, k->cap);
	}
	memcpy(k->text, text, len);
	k->len = len;
	k->row = row;
}

uint32_t
intern(struct strtab *keys, const char *s, size_t n)
{
	uint64_t h;
	size_t i, mask, k;

	if ((keys->n + 1) * 2 > keys->cap) {
		size_t ncap = keys->cap ? keys->cap * 2 : 64;

		free(keys->slot);
		keys->slot = xcalloc(ncap, sizeof(uint32_t));
		keys->off = xrealloc(keys->off, ncap * sizeof(size_t));
		keys->len = xrealloc(keys->len, ncap * sizeof(uint32_t));
		keys->cap = ncap;
		for (k = 0; k < keys->n; k++) {
			h = XXH3_64bits(keys->bytes.p + keys->off[k],
			    keys->len[k]);
			for (i = h & (ncap - 1); keys->slot[i] != 0;
			    i = (i + 1) & (ncap - 1))
				;
			keys->slot[i] = (uint32_t)k + 1;
		}
	}
	mask = keys->cap - 1;
	h = XXH3_64bits(s, n);
	for (i = h & mask; keys->slot[i] != 0; i = (i + 1) & mask) {
		k = keys->slot[i] - 1;
		if (keys->len[k] == n &&
		    memcmp(keys->bytes.p + keys->off[k], s, n) == 0)
			return (uint32_t)k;
	}
	keys->off[keys->n] = keys->bytes.len;
	keys->len[keys->n] = (uint32_t)n;
	buf_add(&keys->bytes, s, n);
	keys->slot[i] = (uint32_t)keys->n + 1;
	return (uint32_t)keys->n++;
}

static void
cmap_add(struct cmap *m, uint32_t id, int64_t n)
{
	struct cmap_ent *old;
	size_t i, k, oldcap, mask;

	if ((m->n + 1) * 2 > m->cap) {
		old = m->e;
		oldcap = m->cap;
		m->cap = m->cap ? m->cap * 2 : 8;
		m->e = xcalloc(m->cap, sizeof(*m->e));
		m->n = 0;
		for (k = 0; k < oldcap; k++)
			if (old[k].id != 0)
				cmap_add(m, old[k].id - 1, old[k].n);
		free(old);
	}
	mask = m->cap - 1;
	for (i = (id * 2654435761u) & mask; m->e[i].id != 0;
	    i = (i + 1) & mask)
		if (m->e[i].id == id + 1) {
			m->e[i].n += n;
			return;
		}
	m->e[i].id = id + 1;
	m->e[i].n = n;
	m->n++;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct cmap_out *x = a, *y = b;
	int r = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	if (r != 0)
		return r;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* {"key":count,...} with the keys in byte (code point) order. */
static void
add_cmap(struct buf *b, const struct strtab *keys, const struct cmap *m)
{
	struct cmap_out *o = NULL;
	size_t i, n = 0;
	uint32_t id;

	if (m->n > 0) {
		o = xmalloc(m->n * sizeof(*o));
		for (i = 0; i < m->cap; i++) {
			if (m->e[i].id == 0)
				continue;
			id = m->e[i].id - 1;
			o[n].key = keys->bytes.p + keys->off[id];
			o[n].len = keys->len[id];
			o[n++].n = m->e[i].n;
		}
		qsort(o, n, sizeof(*o), cmp_entry);
	}
	buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_add_jstr(b, o[i].key, o[i].len);
		buf_addc(b, ':');
		buf_add_i64(b, o[i].n);
	}
	buf_addc(b, '}');
	free(o);
}

/*
 * An estimate rounded as PostgreSQL's round(double precision) does (to
 * even); null where the extension gives NaN or infinity (registers too
 * narrow for the count).
 */
static void
add_estimate(struct buf *b, double e)
{
	if (isfinite(e) && fabs(e) < 9e18)
		buf_add_i64(b, (int64_t)rint(e));
	else
		buf_adds(b, "null");
}

/* The extension's text form, \x and hexadecimal, as a JSON string. */
static void
add_hll(struct buf *b, const struct hll *h)
{
	buf_adds(b, "\"\\\\x");
	hll_add_hex(b, h);
	buf_addc(b, '"');
}

static void
add_kept(struct buf *b, const struct kept *k)
{
	if (k->text == NULL)
		buf_adds(b, "null");
	else
		buf_add(b, k->text, k->len);
}

static void
add_sum(struct buf *b, const struct sum_state *s)
{
	if (s->has_f)
		val_add_double(b, (double)s->i + s->f);
	else
		val_add_i128(b, s->i);
}

void
agg_final(const struct agg_spec *a, const union agg_state *st, int approx,
    struct buf *b)
{
	switch (a->op) {
	case AGG_COUNT:
		buf_add_i64(b, st->count);
		break;
	case AGG_DISTINCT:
		if (approx && a->hll_out)
			add_hll(b, &st->hll);
		else if (approx)
			add_estimate(b, hll_cardinality(&st->hll));
		else
			buf_add_i64(b, (int64_t)st->set.n);
		break;
	case AGG_SUM:
		add_sum(b, &st->sum);
		break;
	case AGG_AVG:
		if (st->sum.n == 0)
			buf_adds(b, "null");
		else
			val_add_double(b, ((double)st->sum.i + st->sum.f) /
			    (double)st->sum.n);
		break;
	case AGG_COUNT_BY:
		add_cmap(b, a->keys, &st->map);
		break;
	default:
		add_kept(b, &st->kept);
	}
}

static void
add_hex(struct buf *b, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char s[16];
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		s[i] = hex[v & 15];
	buf_add(b, s, 16);
}

static int
cmp_hash(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	if (x[1] != y[1])
		return x[1] < y[1] ? -1 : 1;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The state as {"op":value} (plus "row" for first/last). */
void
agg_partial(const struct agg_spec *a, const union agg_state *st, int approx,
    struct buf *b)
{
	uint64_t *h;
	size_t i, n = 0;

	buf_addf(b, "{\"%s\":", agg_op_name(a->op, approx));
	switch (a->op) {
	case AGG_DISTINCT:
		if (approx) {
			add_hll(b, &st->hll);
			break;
		}
		h = xmalloc((st->set.n + 1) * 2 * sizeof(*h));
		for (i = 0; i < st->set.cap; i++)
			if ((st->set.slot[2 * i] | st->set.slot[2 * i + 1])) {
				h[2 * n] = st->set.slot[2 * i];
				h[2 * n++ + 1] = st->set.slot[2 * i + 1];
			}
		qsort(h, n, 2 * sizeof(*h), cmp_hash);
		buf_addc(b, '[');
		for (i = 0; i < n; i++) {
			buf_adds(b, i > 0 ? ",\"" : "\"");
			add_hex(b, h[2 * i + 1]);
			add_hex(b, h[2 * i]);
			buf_addc(b, '"');
		}
		buf_addc(b, ']');
		free(h);
		break;
	case AGG_SUM:
	case AGG_AVG:
		buf_adds(b, "{\"int\":");
		val_add_i128(b, st->sum.i);
		if (st->sum.has_f) {
			buf_adds(b, ",\"float\":");
			val_add_double(b, st->sum.f);
		}
		buf_addf(b, ",\"n\":%lld}", (long long)st->sum.n);
		break;
	case AGG_FIRST:
	case AGG_LAST:
		add_kept(b, &st->kept);
		if (st->kept.text != NULL)
			buf_addf(b, ",\"row\":%lld", (long long)st->kept.row);
		break;
	default:
		agg_final(a, st, approx, b);
	}
	buf_addc(b, '}');
}

static int
hex_u64(const char *s, uint64_t *v)
{
	int i, c;

	*v = 0;
	for (i = 0; i < 16; i++) {
		c = s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else
			return -1;
		*v = *v << 4 | (uint64_t)c;
	}
	return 0;
}

static int
get_int(const struct js_doc *d, int i, __int128 *v)
{
	return i < 0 || d->v[i].type != JS_NUMBER ||
	    val_parse_int(js_text(d, i), d->v[i].len, v) == -1 ? -1 : 0;
}

/*
 * Merge a partial {"op":value,...} at index o into the state. The caller
 * checked that the op matches.
 */
int
agg_merge(const struct agg_spec *a, union agg_state *st, int approx,
    const struct js_doc *d, int o, struct scratch *sc, const char **why)
{
	struct buf *s = &sc->val;
	const char *t;
	__int128 iv, nv;
	uint64_t lo, hi;
	int v = o + 2, j;
	char tmp[64];
	double f = 0;

	*why = "malformed partial state";
	switch (a->op) {
	case AGG_COUNT:
		if (get_int(d, v, &iv) == -1)
			return -1;
		st->count += (int64_t)iv;
		return 0;
	case AGG_DISTINCT:
		if (approx) {
			if (d->v[v].type != JS_STRING)
				return -1;
			buf_reset(s);
			js_str(d, v, s);
			return hll_union_text(&st->hll, s->p, s->len, why);
		}
		if (d->v[v].type != JS_ARRAY)
			return -1;
		for (j = v + 1; j < (int)d->v[v].end; j = (int)d->v[j].end) {
			t = js_text(d, j);
			if (d->v[j].type != JS_STRING || d->v[j].len != 34 ||
			    hex_u64(t + 1, &hi) == -1 ||
			    hex_u64(t + 17, &lo) == -1)
				return -1;
			hset_add(&st->set, lo, hi);
		}
		return 0;
	case AGG_SUM:
	case AGG_AVG:
		if (d->v[v].type != JS_OBJECT ||
		    get_int(d, js_get(d, v, "int", 3), &iv) == -1 ||
		    get_int(d, js_get(d, v, "n", 1), &nv) == -1)
			return -1;
		if ((j = js_get(d, v, "float", 5)) >= 0) {
			if (d->v[j].type != JS_NUMBER ||
			    d->v[j].len >= sizeof(tmp))
				return -1;
			memcpy(tmp, js_text(d, j), d->v[j].len);
			tmp[d->v[j].len] = '\0';
			f = strtod(tmp, NULL);
		}
		sum_add_parts(&st->sum, iv, f, j >= 0, (int64_t)nv);
		return 0;
	case AGG_COUNT_BY:
		if (d->v[v].type != JS_OBJECT)
			return -1;
		for (j = v + 1; j < (int)d->v[v].end;
		    j = (int)d->v[j + 1].end) {
			if (get_int(d, j + 1, &iv) == -1)
				return -1;
			buf_reset(s);
			js_str(d, j, s);
			cmap_add(&st->map, intern(a->keys, s->p, s->len),
			    (int64_t)iv);
		}
		return 0;
	default:
		break;
	}
	/* min, max, first, last: a value or null. */
	if (d->v[v].type == JS_NULL)
		return 0;
	buf_reset(s);
	val_canon(s, d, v, sc);
	switch (a->op) {
	case AGG_MIN:
		if (st->kept.text == NULL ||
		    val_cmp(s->p, s->len, st->kept.text, st->kept.len) < 0)
			kept_set(&st->kept, s->p, s->len, 0);
		break;
	case AGG_MAX:
		if (st->kept.text == NULL ||
		    val_cmp(s->p, s->len, st->kept.text, st->kept.len) > 0)
			kept_set(&st->kept, s->p, s->len, 0);
		break;
	default:
		if (get_int(d, js_get(d, o, "row", 3), &iv) == -1)
			return -1;
		if (a->op == AGG_LAST || st->kept.text == NULL)
			kept_set(&st->kept, s->p, s->len, (int64_t)iv);
	}
	return 0;
}
