/*
 * schema-check: a scanned record against the compiled nodes. Numbers
 * are compared as exact decimals taken from the source text; strings are
 * compared decoded. The first failure is recorded with its message and
 * the JSON pointer of the failing value.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "dec.h"
#include "js.h"
#include "schema.h"
#include "schema-node.h"

static int	 check(struct schema *, const struct node *, int);
static int	 evaluated(struct schema *, const struct node *, int,
		    uint64_t *);
static int	 enter(struct schema *, const struct node *, int, uint64_t *);

/* Decoded contents of string value i; b is used when it has escapes. */
static const char *
str_of(const struct js_doc *d, int i, struct buf *b, size_t *n)
{
	if (d->v[i].n == 0) {
		*n = d->v[i].len - 2;
		return js_text(d, i) + 1;
	}
	buf_reset(b);
	js_str(d, i, b);
	*n = b->len;
	return b->p;
}

static size_t
codepoints(const char *s, size_t n)
{
	size_t k, c = 0;

	for (k = 0; k < n; k++)
		c += ((unsigned char)s[k] & 0xc0) != 0x80;
	return c;
}

static int
ascii_ci_eq(const char *a, const char *b, size_t n)
{
	size_t k;
	unsigned char x, y;

	for (k = 0; k < n; k++) {
		x = (unsigned char)a[k];
		y = (unsigned char)b[k];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

/* Equality by value (enum, const, uniqueItems). */
static int
json_eq(const struct js_doc *da, int ia, const struct js_doc *db, int ib,
    int ci)
{
	const struct js_val *va = &da->v[ia], *vb = &db->v[ib];
	struct buf x = BUF_INIT, y = BUF_INIT;
	struct dec p, q;
	const char *s, *t;
	size_t sn, tn;
	int ka, kb, r;

	if (va->type != vb->type)
		return 0;
	switch (va->type) {
	case JS_NUMBER:
		num_of(da, ia, &p);
		num_of(db, ib, &q);
		return dec_cmp(&p, &q) == 0;
	case JS_STRING:
		if (va->n == 0 && vb->n == 0 && !ci)
			return va->len == vb->len && memcmp(js_text(da, ia),
			    js_text(db, ib), va->len) == 0;
		s = str_of(da, ia, &x, &sn);
		t = str_of(db, ib, &y, &tn);
		r = sn == tn && (ci ? ascii_ci_eq(s, t, sn) :
		    memcmp(s, t, sn) == 0);
		buf_free(&x);
		buf_free(&y);
		return r;
	case JS_ARRAY:
		if (va->n != vb->n)
			return 0;
		for (ka = ia + 1, kb = ib + 1; ka < (int)va->end;
		    ka = da->v[ka].end, kb = db->v[kb].end)
			if (!json_eq(da, ka, db, kb, ci))
				return 0;
		return 1;
	case JS_OBJECT:
		if (va->n != vb->n)
			return 0;
		r = 1;
		for (ka = ia + 1; r && ka < (int)va->end;
		    ka = da->v[ka + 1].end) {
			buf_reset(&x);
			js_str(da, ka, &x);
			kb = js_get(db, ib, x.p ? x.p : "", x.len);
			r = kb >= 0 && json_eq(da, ka + 1, db, kb, ci);
		}
		buf_free(&x);
		return r;
	default:
		return 1;
	}
}

/* Append "/" and token t, escaped as a JSON pointer token. */
static void
ptr_add(struct buf *b, const char *t, size_t n)
{
	size_t k;

	buf_addc(b, '/');
	for (k = 0; k < n; k++)
		if (t[k] == '~')
			buf_add(b, "~0", 2);
		else if (t[k] == '/')
			buf_add(b, "~1", 2);
		else
			buf_addc(b, t[k]);
}

/* The JSON pointer of value `target' in d, into b (NUL-terminated). */
const char *
path_of(const struct js_doc *d, int target, struct buf *b, struct buf *tmp)
{
	int cur = 0, k, idx;

	buf_reset(b);
	while (cur != target) {
		const struct js_val *v = &d->v[cur];

		if (v->type == JS_OBJECT) {
			for (k = cur + 1; k < (int)v->end; k = d->v[k + 1].end)
				if (target >= k + 1 &&
				    target < (int)d->v[k + 1].end)
					break;
			if (k >= (int)v->end || target == k)
				break;
			buf_reset(tmp);
			js_str(d, k, tmp);
			ptr_add(b, tmp->p, tmp->len);
			cur = k + 1;
		} else if (v->type == JS_ARRAY) {
			for (k = cur + 1, idx = 0; k < (int)v->end;
			    k = d->v[k].end, idx++)
				if (target >= k && target < (int)d->v[k].end)
					break;
			if (k >= (int)v->end)
				break;
			buf_addf(b, "/%d", idx);
			cur = k;
		} else
			break;
	}
	return buf_cstr(b);
}

/*
 * Append to b the keywords that lead from node p to node c, one of the
 * subschemas p applies: "/properties/a", "/allOf/1", "/$ref".
 */
static void
step(const struct node *p, const struct node *c, struct buf *b)
{
	const struct node *one[] = { p->ref, p->dynref, p->additional,
	    p->propnames, p->items, p->contains, p->not, p->if_, p->then_,
	    p->else_, p->uneval_props, p->uneval_items };
	static const char *const one_kw[] = { "$ref", "$dynamicRef",
	    "additionalProperties", "propertyNames", "items", "contains",
	    "not", "if", "then", "else", "unevaluatedProperties",
	    "unevaluatedItems" };
	struct node *const *list[] = { p->allof, p->anyof, p->oneof,
	    p->prefix };
	const size_t nlist[] = { p->nallof, p->nanyof, p->noneof,
	    p->nprefix };
	static const char *const list_kw[] = { "allOf", "anyOf", "oneOf",
	    "prefixItems" };
	size_t j, k;

	for (j = 0; j < sizeof(one) / sizeof(one[0]); j++)
		if (one[j] == c) {
			buf_addf(b, "/%s", one_kw[j]);
			return;
		}
	for (j = 0; j < sizeof(list) / sizeof(list[0]); j++)
		for (k = 0; k < nlist[j]; k++)
			if (list[j][k] == c) {
				buf_addf(b, "/%s/%zu", list_kw[j], k);
				return;
			}
	for (k = 0; k < p->nprops; k++)
		if (p->props[k].sub == c) {
			buf_adds(b, "/properties");
			ptr_add(b, p->props[k].name, p->props[k].len);
			return;
		}
	for (k = 0; k < p->npats; k++)
		if (p->pats[k].sub == c) {
			buf_adds(b, "/patternProperties");
			ptr_add(b, p->pats[k].src, strlen(p->pats[k].src));
			return;
		}
	for (k = 0; k < p->ndeps; k++)
		if (p->deps[k].sub == c) {
			buf_adds(b, "/dependentSchemas");
			ptr_add(b, p->deps[k].name, p->deps[k].len);
			return;
		}
	/* Only a $dynamicRef lands on a node none of p's keywords hold. */
	if (p->dynref != NULL)
		buf_adds(b, "/$dynamicRef");
}

/*
 * The schema location of a failure of keyword kw ("" for a false
 * schema) in the innermost node checked: the keywords from the root
 * through every subschema applied on the way, as the standard output
 * formats' keywordLocation.
 */
static void
schema_path(struct schema *s, const char *kw)
{
	int k;

	buf_reset(&s->spath);
	for (k = 1; k < s->depth; k++)
		step(s->stack[k - 1], s->stack[k], &s->spath);
	if (*kw != '\0')
		buf_addf(&s->spath, "/%s", kw);
	buf_cstr(&s->spath);
}

static int
fail(struct schema *s, const char *kw, int at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record the first failure (when reporting); always returns 0. */
static int
fail(struct schema *s, const char *kw, int at, const char *fmt, ...)
{
	va_list ap;

	if (!s->report || s->failed)
		return 0;
	s->failed = 1;
	s->fail_at = at;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	schema_path(s, kw);
	return 0;
}

/* A value for a message: its text, cut at 40 bytes, controls as '?'. */
static const char *
shown(struct schema *s, const char *t, size_t n)
{
	size_t k, cut = n;

	if (cut > 40) {
		cut = 40;
		while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
			cut--;
	}
	buf_reset(&s->tbuf);
	for (k = 0; k < cut; k++)
		buf_addc(&s->tbuf, (unsigned char)t[k] < 0x20 ? '?' : t[k]);
	if (cut < n)
		buf_adds(&s->tbuf, "...");
	return buf_cstr(&s->tbuf);
}

static void
type_names(unsigned types, char *out, size_t cap)
{
	static const char *const names[] = { "null", "boolean", "object",
	    "array", "number", "string", "integer" };
	size_t len = 0;
	int j, first = 1;

	out[0] = '\0';
	for (j = 0; j < 7; j++)
		if (types & (1u << j)) {
			len += (size_t)snprintf(out + len, cap - len, "%s%s",
			    first ? "" : " or ", names[j]);
			if (len >= cap)
				return;
			first = 0;
		}
	if (first)
		snprintf(out, cap, "nothing");
}

/* 1 if the number t[0..n) is written without a fraction or exponent. */
static int
plain_integer(const char *t, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (t[k] == '.' || t[k] == 'e' || t[k] == 'E')
			return 0;
	return 1;
}

static int
check_type(struct schema *s, const struct node *nd, int i)
{
	int t = s->d->v[i].type;
	unsigned bit;
	struct dec x;
	char want[80];

	switch (t) {
	case JS_NULL:	bit = T_NULL; break;
	case JS_TRUE:
	case JS_FALSE:	bit = T_BOOL; break;
	case JS_OBJECT:	bit = T_OBJECT; break;
	case JS_ARRAY:	bit = T_ARRAY; break;
	case JS_STRING:	bit = T_STRING; break;
	default:
		bit = T_NUMBER;
		/* Digits alone are an integer; 1.0 and 1e2 are read. */
		if ((nd->types & T_INTEGER) && !(nd->types & T_NUMBER)) {
			if (plain_integer(js_text(s->d, i), s->d->v[i].len))
				bit = T_INTEGER;
			else {
				num_of(s->d, i, &x);
				if (dec_is_integer(&x))
					bit = T_INTEGER;
			}
		}
	}
	if (nd->types & bit)
		return 1;
	if (!s->report)
		return 0;
	type_names(nd->types, want, sizeof(want));
	return fail(s, "type", i, "expected %s, got %s", want, js_type_name(t));
}

static int
check_enum(struct schema *s, const struct node *nd, int i)
{
	const struct js_doc *sd = nd->doc;
	const struct js_val *v = &s->d->v[i], *e;
	int k;

	/* A string without escapes meets those of the enum as written. */
	if (v->type == JS_STRING && v->n == 0 && !nd->enum_ci) {
		for (k = nd->enum_i + 1; k < (int)sd->v[nd->enum_i].end;
		    k = sd->v[k].end) {
			e = &sd->v[k];
			if (e->type == JS_STRING && e->n == 0 ?
			    e->len == v->len && memcmp(js_text(sd, k),
			    js_text(s->d, i), v->len) == 0 :
			    json_eq(s->d, i, sd, k, 0))
				return 1;
		}
	} else
		for (k = nd->enum_i + 1; k < (int)sd->v[nd->enum_i].end;
		    k = sd->v[k].end)
			if (json_eq(s->d, i, sd, k, nd->enum_ci))
				return 1;
	if (!s->report)
		return 0;
	return fail(s, "enum", i, "%s is not one of the allowed values",
	    shown(s, js_text(s->d, i), s->d->v[i].len));
}

/* "must be >= 5": the bound as written in the schema. */
static int
fail_bound(struct schema *s, const struct node *nd, const char *kw, int i,
    const char *op, int at)
{
	if (!s->report)
		return 0;
	return fail(s, kw, i, "must be %s %s", op, shown(s,
	    js_text(nd->doc, at), nd->doc->v[at].len));
}

static int
check_number(struct schema *s, const struct node *nd, int i)
{
	struct dec x;

	num_of(s->d, i, &x);
	if (nd->has_min && dec_cmp(&x, &nd->min) < 0)
		return fail_bound(s, nd, "minimum", i, ">=", nd->has_min);
	if (nd->has_max && dec_cmp(&x, &nd->max) > 0)
		return fail_bound(s, nd, "maximum", i, "<=", nd->has_max);
	if (nd->has_xmin && dec_cmp(&x, &nd->xmin) <= 0)
		return fail_bound(s, nd, "exclusiveMinimum", i, ">", nd->has_xmin);
	if (nd->has_xmax && dec_cmp(&x, &nd->xmax) >= 0)
		return fail_bound(s, nd, "exclusiveMaximum", i, "<", nd->has_xmax);
	if (nd->has_mult && !dec_multiple(&x, &nd->mult))
		return fail_bound(s, nd, "multipleOf", i, "a multiple of", nd->has_mult);
	return 1;
}

static int
check_string(struct schema *s, const struct node *nd, int i)
{
	const char *p;
	size_t n, cp;
	int rc;

	p = str_of(s->d, i, &s->sbuf, &n);
	/*
	 * A code point is 1 to 4 bytes: count them only when the length in
	 * bytes leaves the bounds open.
	 */
	if ((nd->minlen >= 0 && n / 4 < (uint64_t)nd->minlen) ||
	    (nd->maxlen >= 0 && n > (uint64_t)nd->maxlen)) {
		cp = codepoints(p, n);
		if (nd->minlen >= 0 && cp < (uint64_t)nd->minlen)
			return fail(s, "minLength", i, "shorter than %lld "
			    "characters", (long long)nd->minlen);
		if (nd->maxlen >= 0 && cp > (uint64_t)nd->maxlen)
			return fail(s, "maxLength", i, "longer than %lld "
			    "characters", (long long)nd->maxlen);
	}
	if (nd->pattern != NULL) {
		rc = pcre2_match(nd->pattern, (PCRE2_SPTR)(p ? p : ""), n, 0,
		    PCRE2_NO_UTF_CHECK, s->md, NULL);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			return fail(s, "pattern", i, "pattern %s: match error %d",
			    shown(s, nd->pattern_src, strlen(nd->pattern_src)),
			    rc);
		if (rc < 0)
			return fail(s, "pattern", i, "does not match pattern %s",
			    shown(s, nd->pattern_src, strlen(nd->pattern_src)));
	}
	if (nd->format != F_NONE && !format_ok(nd->format, p ? p : "", n))
		return fail(s, "format", i, "not a valid %s", format_names[nd->format]);
	return 1;
}

/* Run a subschema without recording its failure; 1 if it passes. */
static int
quietly(struct schema *s, const struct node *nd, int i)
{
	int report = s->report, r;

	s->report = 0;
	r = check(s, nd, i);
	s->report = report;
	return r;
}

/* A hash that agrees with json_eq (ci = 0): equal values, equal hashes. */
static uint64_t
json_hash(const struct js_doc *d, int i, struct buf *b)
{
	const struct js_val *v = &d->v[i];
	uint64_t h = 1469598103934665603ull * (v->type + 1), sum = 0;
	struct dec x;
	const char *p;
	size_t k, n;
	int e;

#define MIX(c)	(h = (h ^ (uint64_t)(unsigned char)(c)) * 1099511628211ull)
	switch (v->type) {
	case JS_NUMBER:
		num_of(d, i, &x);
		for (k = 0; k < x.ndig; k++)
			MIX(dec_digit(&x, k) + '0');
		for (k = 0; k < 8; k++)
			MIX((uint64_t)x.pos >> (8 * k));
		MIX(x.neg);
		break;
	case JS_STRING:
		p = str_of(d, i, b, &n);
		for (k = 0; k < n; k++)
			MIX(p[k]);
		break;
	case JS_ARRAY:
		for (e = i + 1; e < (int)v->end; e = d->v[e].end) {
			uint64_t c = json_hash(d, e, b);

			for (k = 0; k < 8; k++)
				MIX(c >> (8 * k));
		}
		break;
	case JS_OBJECT:
		for (e = i + 1; e < (int)v->end; e = d->v[e + 1].end)
			sum += json_hash(d, e, b) * 31 + json_hash(d, e + 1, b);
		for (k = 0; k < 8; k++)
			MIX(sum >> (8 * k));
		break;
	}
#undef MIX
	return h;
}

struct hashed {
	uint64_t	 h;
	int		 at, idx;
};

static int
hashed_cmp(const void *p, const void *q)
{
	const struct hashed *x = p, *y = q;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->idx - y->idx;
}

/* uniqueItems on a long array: sort by hash, compare equal hashes only. */
static int
check_unique_hashed(struct schema *s, int a)
{
	const struct js_doc *d = s->d;
	struct hashed *t = xmalloc(d->v[a].n * sizeof(*t));
	size_t n = 0, j, k;
	int e, r = 1, fi = 0, fj = 0;

	for (e = a + 1; e < (int)d->v[a].end; e = d->v[e].end, n++)
		t[n] = (struct hashed){ json_hash(d, e, &s->ubuf), e, (int)n };
	qsort(t, n, sizeof(*t), hashed_cmp);
	for (j = 0; j < n && r; j++)
		for (k = j + 1; k < n && t[k].h == t[j].h && r; k++)
			if (json_eq(d, t[j].at, d, t[k].at, 0)) {
				r = 0;
				fi = t[j].idx;
				fj = t[k].idx;
			}
	free(t);
	return r ? 1 : fail(s, "uniqueItems", a, "items %d and %d are equal", fi, fj);
}

static int
check_array(struct schema *s, const struct node *nd, int a)
{
	const struct js_doc *d = s->d;
	int64_t n = d->v[a].n, idx, hits = 0;
	int e, f, fi;

	if (nd->minitems >= 0 && n < nd->minitems)
		return fail(s, "minItems", a, "expected at least %lld items, got %lld",
		    (long long)nd->minitems, (long long)n);
	if (nd->maxitems >= 0 && n > nd->maxitems)
		return fail(s, "maxItems", a, "expected at most %lld items, got %lld",
		    (long long)nd->maxitems, (long long)n);
	for (e = a + 1, idx = 0; e < (int)d->v[a].end; e = d->v[e].end,
	    idx++) {
		if ((size_t)idx < nd->nprefix) {
			if (!check(s, nd->prefix[idx], e))
				return 0;
		} else if (nd->items != NULL && !check(s, nd->items, e))
			return 0;
		if (nd->contains != NULL && quietly(s, nd->contains, e))
			hits++;
	}
	if (nd->contains != NULL) {
		int64_t min = nd->mincontains >= 0 ? nd->mincontains : 1;

		if (hits < min)
			return min == 1 ? fail(s, "contains", a, "no item matches "
			    "contains") : fail(s, "minContains", a, "expected at least %lld "
			    "items matching contains, got %lld",
			    (long long)min, (long long)hits);
		if (nd->maxcontains >= 0 && hits > nd->maxcontains)
			return fail(s, "maxContains", a, "expected at most %lld items "
			    "matching contains, got %lld",
			    (long long)nd->maxcontains, (long long)hits);
	}
	if (nd->unique && n > 32)
		return check_unique_hashed(s, a);
	if (nd->unique)
		for (e = a + 1, idx = 0; e < (int)d->v[a].end;
		    e = d->v[e].end, idx++)
			for (f = d->v[e].end, fi = (int)idx + 1;
			    f < (int)d->v[a].end; f = d->v[f].end, fi++)
				if (json_eq(d, e, d, f, 0))
					return fail(s, "uniqueItems", a, "items %lld and %d "
					    "are equal", (long long)idx, fi);
	return 1;
}

static int
has_member(const struct js_doc *d, int o, const char *name, size_t n)
{
	return js_get(d, o, name, n) >= 0;
}

/*
 * The property named kp[0..kn), or nd->nprops. Records mostly list their
 * members in the schema's order, so the search starts after the last hit.
 */
static inline size_t
prop_find(const struct node *nd, const char *kp, size_t kn, size_t *hint)
{
	size_t j, c, np = nd->nprops;

	for (c = 0, j = *hint; c < np; c++, j = j + 1 == np ? 0 : j + 1)
		if (nd->props[j].len == kn && (kn == 0 ||
		    (nd->props[j].name[0] == kp[0] &&
		    memcmp(nd->props[j].name, kp, kn) == 0))) {
			*hint = j + 1 == np ? 0 : j + 1;
			return j;
		}
	return np;
}

static int
check_object(struct schema *s, const struct node *nd, int o)
{
	const struct js_doc *d = s->d;
	int64_t n = d->v[o].n;
	uint64_t seen = 0, pm;
	const char *kp;
	size_t kn, j, r, hint = 0;
	int k, l, matched;

	if (nd->minprops >= 0 && n < nd->minprops)
		return fail(s, "minProperties", o, "expected at least %lld properties, got %lld",
		    (long long)nd->minprops, (long long)n);
	if (nd->maxprops >= 0 && n > nd->maxprops)
		return fail(s, "maxProperties", o, "expected at most %lld properties, got %lld",
		    (long long)nd->maxprops, (long long)n);
	if (nd->nprops > 0 || nd->npats > 0 || nd->additional != NULL ||
	    nd->propnames != NULL)
		for (k = o + 1; k < (int)d->v[o].end; k = d->v[k + 1].end) {
			kp = str_of(d, k, &s->kbuf, &kn);
			if (kp == NULL)
				kp = "";
			matched = 0;
			j = prop_find(nd, kp, kn, &hint);
			if (j < nd->nprops) {
				if (j < 64)
					seen |= (uint64_t)1 << j;
				matched = nd->props[j].sub != NULL;
			}
			pm = 0;
			for (l = 0; l < (int)nd->npats; l++)
				if (pcre2_match(nd->pats[l].re, (PCRE2_SPTR)kp,
				    kn, 0, PCRE2_NO_UTF_CHECK, s->md,
				    NULL) >= 0)
					pm |= (uint64_t)1 << l;
			if (nd->propnames != NULL &&
			    !quietly(s, nd->propnames, k))
				return fail(s, "propertyNames", o, "invalid property name %s",
				    shown(s, js_text(d, k), d->v[k].len));
			if (nd->additional == &node_false && !matched &&
			    pm == 0)
				return fail(s, "additionalProperties", o, "property %s is not allowed",
				    shown(s, js_text(d, k), d->v[k].len));
			if (matched && !check(s, nd->props[j].sub, k + 1))
				return 0;
			for (l = 0; l < (int)nd->npats; l++)
				if ((pm >> l & 1) &&
				    !check(s, nd->pats[l].sub, k + 1))
					return 0;
			if (!matched && pm == 0 && nd->additional != NULL &&
			    !check(s, nd->additional, k + 1))
				return 0;
		}
	for (r = 0; r < nd->nrequired; r++) {
		j = nd->required[r];
		if (j < 64 && (nd->nprops > 0 || nd->npats > 0 ||
		    nd->additional != NULL || nd->propnames != NULL) ?
		    !(seen >> j & 1) :
		    !has_member(d, o, nd->props[j].name, nd->props[j].len))
			return fail(s, "required", o, "missing required property \"%s\"",
			    shown(s, nd->props[j].name, nd->props[j].len));
	}
	for (r = 0; r < nd->ndeps; r++) {
		const struct js_doc *sd = nd->doc;
		int li = nd->deps[r].list, e;

		if (!has_member(d, o, nd->deps[r].name, nd->deps[r].len))
			continue;
		if (nd->deps[r].sub != NULL) {
			if (!check(s, nd->deps[r].sub, o))
				return 0;
			continue;
		}
		for (e = li + 1; e < (int)sd->v[li].end; e = sd->v[e].end) {
			kp = str_of(sd, e, &s->ubuf, &kn);
			if (!has_member(d, o, kp ? kp : "", kn))
				return fail(s, "dependentRequired", o, "property %s is required "
				    "when \"%s\" is present", shown(s,
				    js_text(sd, e), sd->v[e].len),
				    nd->deps[r].name);
		}
	}
	return 1;
}

/*
 * Where $dynamicRef nd lands: the $dynamicAnchor of its name in the
 * outermost resource of the dynamic scope that has one, else its static
 * target.
 */
static const struct node *
dynamic_target(const struct schema *s, const struct node *nd)
{
	const struct anchor *a;
	size_t k;

	if (nd->dynname == NULL)
		return nd->dynref;
	for (k = 0; k < s->nscope; k++)
		for (a = s->anchors; a < s->anchors + s->nanchors; a++)
			if (a->res == s->scope[k] && a->dynamic &&
			    strcmp(a->name, nd->dynname) == 0)
				return s->res[a->res].sd->nodes[a->at];
	return nd->dynref;
}

/* Mark member or item k of the bit set. */
#define SET(bits, k)	((bits)[(k) >> 6] |= (uint64_t)1 << ((k) & 63))
#define ISSET(bits, k)	((bits)[(k) >> 6] >> ((k) & 63) & 1)

/*
 * The members of object o (by position) that node nd, having passed,
 * evaluated: those its properties, patternProperties,
 * additionalProperties and unevaluatedProperties applied to, and those
 * of the subschemas it applied in place and that passed too.
 */
static void
evaluated_props(struct schema *s, const struct node *nd, int o,
    uint64_t *bits)
{
	const struct js_doc *d = s->d;
	const char *kp;
	size_t kn, j, hint = 0;
	int k, l, m;

	if (nd->uneval_props != NULL || nd->additional != NULL) {
		for (m = 0; m < (int)d->v[o].n; m++)
			SET(bits, m);
		return;
	}
	if (nd->nprops == 0 && nd->npats == 0)
		return;
	for (k = o + 1, m = 0; k < (int)d->v[o].end; k = d->v[k + 1].end,
	    m++) {
		kp = str_of(d, k, &s->kbuf, &kn);
		if (kp == NULL)
			kp = "";
		j = prop_find(nd, kp, kn, &hint);
		if (j < nd->nprops && nd->props[j].sub != NULL) {
			SET(bits, m);
			continue;
		}
		for (l = 0; l < (int)nd->npats; l++)
			if (pcre2_match(nd->pats[l].re, (PCRE2_SPTR)kp, kn, 0,
			    PCRE2_NO_UTF_CHECK, s->md, NULL) >= 0) {
				SET(bits, m);
				break;
			}
	}
}

/*
 * The items of array a that node nd, having passed, evaluated:
 * prefixItems' leading ones, all for items or unevaluatedItems, and
 * those contains matched.
 */
static void
evaluated_items(struct schema *s, const struct node *nd, int a,
    uint64_t *bits)
{
	const struct js_doc *d = s->d;
	int e, m;

	for (e = a + 1, m = 0; e < (int)d->v[a].end; e = d->v[e].end, m++)
		if ((size_t)m < nd->nprefix || nd->items != NULL ||
		    nd->uneval_items != NULL || (nd->contains != NULL &&
		    quietly(s, nd->contains, e)))
			SET(bits, m);
}

/*
 * Add to bits what node nd, which passed at value i, and the subschemas
 * it applied in place and that passed, evaluated of i: the annotations
 * unevaluatedProperties and unevaluatedItems look at. 0 when a check
 * was cut short (a loop or a signal).
 */
static int
evaluated(struct schema *s, const struct node *nd, int i, uint64_t *bits)
{
	const struct node *sub[4];
	size_t j, nsub = 0;
	int r = 1;

	if (nd->kind != 0 || s->hard)
		return !s->hard;
	if (s->depth >= MAX_CHECK_DEPTH)
		return check(s, nd, i);
	s->stack[s->depth++] = nd;
	if (s->d->v[i].type == JS_OBJECT)
		evaluated_props(s, nd, i, bits);
	else
		evaluated_items(s, nd, i, bits);
	if (nd->ref != NULL)
		sub[nsub++] = nd->ref;
	if (nd->dynref != NULL)
		sub[nsub++] = dynamic_target(s, nd);
	if (nd->if_ != NULL && quietly(s, nd->if_, i)) {
		sub[nsub++] = nd->if_;
		if (nd->then_ != NULL)
			sub[nsub++] = nd->then_;
	} else if (nd->if_ != NULL && nd->else_ != NULL)
		sub[nsub++] = nd->else_;
	for (j = 0; r && j < nsub; j++)
		r = enter(s, sub[j], i, bits);
	for (j = 0; r && j < nd->nallof; j++)
		r = enter(s, nd->allof[j], i, bits);
	for (j = 0; r && j < nd->nanyof; j++)
		if (quietly(s, nd->anyof[j], i))
			r = enter(s, nd->anyof[j], i, bits);
	for (j = 0; r && j < nd->noneof; j++)
		if (quietly(s, nd->oneof[j], i))
			r = enter(s, nd->oneof[j], i, bits);
	for (j = 0; r && j < nd->ndeps; j++)
		if (nd->deps[j].sub != NULL && has_member(s->d, i,
		    nd->deps[j].name, nd->deps[j].len))
			r = enter(s, nd->deps[j].sub, i, bits);
	s->depth--;
	return r && !s->hard;
}

/*
 * unevaluatedProperties and unevaluatedItems of nd, whose other keywords
 * passed at value i: each member or item nothing else evaluated must
 * pass them.
 */
static int
check_unevaluated(struct schema *s, const struct node *nd, int i)
{
	const struct js_doc *d = s->d;
	uint64_t small[4], *bits = small;
	size_t words = (d->v[i].n + 63) / 64;
	int k, m, r = 1, obj = d->v[i].type == JS_OBJECT;
	const struct node *un = obj ? nd->uneval_props : nd->uneval_items;
	struct node copy = *nd;

	if (words > 4)
		bits = xcalloc(words, sizeof(*bits));
	else
		memset(small, 0, sizeof(small));
	/* What nd evaluates, leaving out the keyword being checked. */
	if (obj)
		copy.uneval_props = NULL;
	else
		copy.uneval_items = NULL;
	if (!evaluated(s, &copy, i, bits))
		r = 0;
	for (k = i + 1, m = 0; r && k < (int)d->v[i].end; m++) {
		if (!ISSET(bits, m)) {
			if (un == &node_false && obj)
				r = fail(s, "unevaluatedProperties", i, "property %s is not allowed "
				    "(unevaluated)", shown(s, js_text(d, k),
				    d->v[k].len));
			else if (un == &node_false)
				r = fail(s, "unevaluatedItems", i, "item %d is not allowed "
				    "(unevaluated)", m);
			else
				r = check(s, un, obj ? k + 1 : k);
		}
		k = obj ? (int)d->v[k + 1].end : (int)d->v[k].end;
	}
	if (bits != small)
		free(bits);
	return r;
}

static int
check_node(struct schema *s, const struct node *nd, int i)
{
	const struct js_val *v = &s->d->v[i];
	size_t j, hits;

	if (nd->kind == 1)
		return 1;
	if (nd->kind == 2)
		return fail(s, "", i, "no value is allowed here");
	if (nd->types && !check_type(s, nd, i))
		return 0;
	if (nd->enum_i >= 0 && !check_enum(s, nd, i))
		return 0;
	if (nd->const_i >= 0 && !json_eq(s->d, i, nd->doc, nd->const_i, 0))
		return s->report ? fail(s, "const", i, "must equal %s", shown(s,
		    js_text(nd->doc, nd->const_i),
		    nd->doc->v[nd->const_i].len)) : 0;
	switch (v->type) {
	case JS_NUMBER:
		if ((nd->has_min | nd->has_max | nd->has_xmin | nd->has_xmax |
		    nd->has_mult) && !check_number(s, nd, i))
			return 0;
		break;
	case JS_STRING:
		if ((nd->minlen >= 0 || nd->maxlen >= 0 || nd->pattern ||
		    nd->format) && !check_string(s, nd, i))
			return 0;
		break;
	case JS_ARRAY:
		if (!check_array(s, nd, i))
			return 0;
		break;
	case JS_OBJECT:
		if (!check_object(s, nd, i))
			return 0;
		break;
	}
	if (nd->ref != NULL && !check(s, nd->ref, i))
		return 0;
	for (j = 0; j < nd->nallof; j++)
		if (!check(s, nd->allof[j], i))
			return 0;
	if (nd->nanyof > 0) {
		for (j = 0; j < nd->nanyof; j++)
			if (quietly(s, nd->anyof[j], i))
				break;
		if (j == nd->nanyof)
			return fail(s, "anyOf", i, "does not match any schema of anyOf");
	}
	if (nd->noneof > 0) {
		for (j = 0, hits = 0; j < nd->noneof && hits < 2; j++)
			hits += (size_t)quietly(s, nd->oneof[j], i);
		if (hits != 1)
			return fail(s, "oneOf", i, hits ? "matches more than one schema "
			    "of oneOf" : "does not match any schema of oneOf");
	}
	if (nd->not != NULL && quietly(s, nd->not, i))
		return fail(s, "not", i, "matches the schema of not");
	if (nd->if_ != NULL) {
		if (quietly(s, nd->if_, i)) {
			if (nd->then_ != NULL && !check(s, nd->then_, i))
				return 0;
		} else if (nd->else_ != NULL && !check(s, nd->else_, i))
			return 0;
	}
	if (!nd->late)
		return 1;
	if (nd->dynref != NULL && !check(s, dynamic_target(s, nd), i))
		return 0;
	if ((nd->uneval_props != NULL && v->type == JS_OBJECT) ||
	    (nd->uneval_items != NULL && v->type == JS_ARRAY))
		return check_unevaluated(s, nd, i);
	return 1;
}

/*
 * A $ref loop or a signal: a rejection that no enclosing anyOf, oneOf,
 * not or if can turn into a pass. The message replaces any earlier one.
 */
static int
hard_fail(struct schema *s, int i, const char *why)
{
	s->hard = 1;
	s->failed = 1;
	s->fail_at = i;
	snprintf(s->msg, sizeof(s->msg), "%s", why);
	schema_path(s, "");
	return 0;
}

/*
 * Push nd's resource on the dynamic scope when it differs from the
 * innermost one: 1 if pushed. Only schemas with a $dynamicRef that can
 * land late keep the scope (callers test s->dynamic).
 */
static int
scope_push(struct schema *s, const struct node *nd)
{
	if (nd->kind != 0 || (s->nscope > 0 &&
	    s->scope[s->nscope - 1] == nd->res))
		return 0;
	if (s->nscope == s->scopecap) {
		s->scopecap = s->scopecap ? 2 * s->scopecap : 16;
		s->scope = xrealloc(s->scope, s->scopecap * sizeof(*s->scope));
	}
	s->scope[s->nscope++] = nd->res;
	return 1;
}

/* evaluated() of a subschema nd applies in place, in nd's resource. */
static int
enter(struct schema *s, const struct node *nd, int i, uint64_t *bits)
{
	int pushed = s->dynamic && scope_push(s, nd), r;

	r = evaluated(s, nd, i, bits);
	s->nscope -= (size_t)pushed;
	return r;
}

static int
check(struct schema *s, const struct node *nd, int i)
{
	char why[64];
	int r, pushed;

	if (s->hard)
		return 0;
	if ((++s->calls & 4095) == 0 && cli_signal)
		return hard_fail(s, i, "interrupted");
	if (nd->loop || s->depth >= MAX_CHECK_DEPTH) {
		snprintf(why, sizeof(why), "schema recursion deeper than %d "
		    "($ref loop)", MAX_CHECK_DEPTH);
		return hard_fail(s, i, why);
	}
	s->stack[s->depth++] = nd;
	pushed = s->dynamic && scope_push(s, nd);
	r = check_node(s, nd, i);
	s->nscope -= (size_t)pushed;
	s->depth--;
	return s->hard ? 0 : r;
}

int
schema_check(struct schema *s, const struct js_doc *d, const char **msg,
    const char **path, const char **spath)
{
	s->d = d;
	s->report = 1;
	s->failed = 0;
	s->depth = 0;
	s->hard = 0;
	s->nscope = 0;
	if (check(s, s->docs[0]->nodes[0], 0))
		return 1;
	if (!s->failed) {
		s->fail_at = 0;
		snprintf(s->msg, sizeof(s->msg), "invalid");
		buf_reset(&s->spath);
		buf_cstr(&s->spath);
	}
	*msg = s->msg;
	*spath = s->spath.p;
	*path = path_of(d, s->fail_at, &s->path, &s->ubuf);
	return 0;
}
