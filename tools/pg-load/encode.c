/*
 * encode: a JSON record to one COPY tuple for the target's writable
 * columns, in PostgreSQL's binary COPY format when every value has an
 * exact binary form, else as a line of COPY text.
 *
 * Text: strings are decoded (and a NUL, which PostgreSQL text cannot
 * hold, is a reject), numbers go as their source text, booleans as t/f
 * into bool columns, objects and arrays as their exact source text into
 * json/jsonb, arrays as array literals into array columns, null as \N.
 *
 * Binary is used only where it means exactly what the server's text
 * input would make of the text form, so that a load gives the same rows,
 * rejects and messages either way; the server then skips the parsing
 * (for timestamptz, most of a COPY's cost). A table qualifies when every
 * column the COPY sends is text, varchar (the server checks a typmod's
 * length the same way), int2/int4/int8, bool, timestamptz, json, jsonb or
 * uuid, the database is UTF8 and has integer timestamps. Any other type
 * (numeric, float, date, timestamp, arrays, enums, domains, ...) makes
 * the table load in text: their text input has rules (rounding, session
 * settings, literal syntax) a binary encoder would have to copy. A value
 * goes in binary when it is null, or for
 *	text, varchar	a string (decoded), or the source text of anything
 *	json, jsonb	the source text (jsonb: version byte 1 first)
 *	int2/4/8	a JSON integer (-?digits) within the column's range
 *	bool		true or false
 *	uuid		a string in the canonical 8-4-4-4-12 hex form
 *	timestamptz	a string YYYY-MM-DD{T| }HH:MM:SS[.f{1,6}]{Z|+hh:mm}
 *			(years 0001-9999 within tm's range, no second 60, an
 *			offset within PostgreSQL's +-15:59), or without an
 *			offset when --tz is UTC: microseconds since
 *			2000-01-01 UTC. Other forms go as text, which the
 *			server reads in the session's TimeZone, set to --tz.
 *
 * Into a timestamp (without time zone) column, a time with an offset
 * is written as its wall-clock time in --tz (UTC by default); the server
 * would otherwise drop the offset. A time without one goes as written.
 * Anything else (a bare date, "yesterday", 1.0 into an integer, ...)
 * turns the batch to text, where the server decides as it always did.
 *
 * A column with a default whose key is absent is left out of the tuple
 * and marked in the row's signature so the COPY leaves it to the server
 * (upsert marks every column, so an update writes only what a record
 * carries). Keys that match no column are counted by name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg-load.h"
#include "tm.h"
#include "utf8.h"

/* Binary encoders, by column. */
enum bin_type {
	B_NONE, B_TEXT, B_INT2, B_INT4, B_INT8, B_BOOL, B_TSTZ, B_JSON,
	B_JSONB, B_UUID
};

/* Where a column's value comes from in the current record. */
enum { V_ERROR = -1, V_ABSENT, V_NULL, V_EXTRA, V_VALUE };

/* encode_binary: the record has a value binary cannot carry exactly. */
#define NEED_TEXT	1

/* Keys whose column is remembered by position (records repeat them). */
#define KCACHE		32

/* Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
#define PG_EPOCH_US	INT64_C(946684800000000)

struct encoder {
	struct plan	*p;
	struct js_doc	 doc, mapdoc;
	int		*val;		/* value index per column, -1 absent */
	int		*mapped;	/* map index per column, -1 none */
	struct jqx_val	*mv;
	int		*mok;
	int		 nextra;	/* keys gathered for --extra-column */
	unsigned char	*bin;		/* enum bin_type per column */
	int		 kcol[KCACHE];	/* column the last record's k-th key named */
	int		 binary;	/* every column sent has a binary form */
	int		 utc;		/* --tz is UTC */
	struct buf	 tmp, lit, extra;
	struct enc_unmatched *um;	/* keys that matched no column */
	size_t		 num;
};

/* Distinct unmatched keys kept by name; the rest are counted together. */
#define UNMATCHED_MAX	64

static int	 parse(struct encoder *, const char *, size_t, int64_t,
		    struct enc_err *);
static int	 encode_text(struct encoder *, struct buf *, int64_t,
		    uint64_t *, struct enc_err *);
static int	 encode_binary(struct encoder *, struct buf *, int64_t,
		    uint64_t *, struct enc_err *);
static int	 to_text(struct encoder *, struct batch *);
static void	 copy_escape(struct buf *, const char *, size_t);
static int	 wall_time(struct encoder *, const char *, size_t,
		    struct buf *);
static int	 encode_value(struct encoder *, struct buf *,
		    const struct pg_column *, const struct js_doc *, int, char *,
		    size_t);
static int	 array_literal(struct encoder *, const struct js_doc *, int,
		    struct buf *);
static const char *contents(struct encoder *, const struct js_doc *, int,
		    size_t *, char *, size_t);
static int	 binary_value(struct encoder *, struct buf *, enum bin_type,
		    const struct js_doc *, int, char *, size_t);
static int	 tstz_strict(const char *, size_t, int, int64_t *);
static int	 extra_merge(struct encoder *, struct enc_err *);
static int	 null_key(struct encoder *, struct enc_err *);
static int	 uuid_canonical(const char *, size_t, unsigned char *);

struct encoder *
enc_new(struct plan *p)
{
	struct encoder *e = xcalloc(1, sizeof(*e));
	size_t i;

	e->p = p;
	e->val = xcalloc(p->t.ncol + 1, sizeof(int));
	e->mapped = xcalloc(p->t.ncol + 1, sizeof(int));
	for (i = 0; i < p->t.ncol; i++)
		e->mapped[i] = -1;
	for (i = 0; i < p->nmap; i++)
		e->mapped[p->map[i].ci] = (int)i;
	e->mv = xcalloc(p->nmap + 1, sizeof(*e->mv));
	e->mok = xcalloc(p->nmap + 1, sizeof(int));
	e->bin = xcalloc(p->t.ncol + 1, 1);
	for (i = 0; i < KCACHE; i++)
		e->kcol[i] = -1;
	/*
	 * Binary text values are converted from the client's encoding one
	 * value at a time, so on a server that is not UTF8 a conversion
	 * error would name a column that text COPY does not name.
	 */
	e->utc = strcmp(p->tz, "UTC") == 0;
	e->binary = p->t.binary_ok;
	for (i = 0; e->binary && i < p->t.ncol; i++) {
		switch (p->t.col[i].typoid) {	/* pg_type.h's OIDs */
		case 25:	/* text */
		case 1043:	/* varchar */
			e->bin[i] = B_TEXT;
			break;
		case 21: e->bin[i] = B_INT2; break;
		case 23: e->bin[i] = B_INT4; break;
		case 20: e->bin[i] = B_INT8; break;
		case 16: e->bin[i] = B_BOOL; break;
		case 1184: e->bin[i] = B_TSTZ; break;
		case 114: e->bin[i] = B_JSON; break;
		case 3802: e->bin[i] = B_JSONB; break;
		case 2950: e->bin[i] = B_UUID; break;
		default: e->bin[i] = B_NONE; break;
		}
		if (p->writable[i] && e->bin[i] == B_NONE)
			e->binary = 0;
	}
	return e;
}

void
enc_free(struct encoder *e)
{
	js_free(&e->doc);
	js_free(&e->mapdoc);
	free(e->val);
	free(e->mapped);
	free(e->mv);
	free(e->mok);
	free(e->bin);
	buf_free(&e->tmp);
	buf_free(&e->lit);
	buf_free(&e->extra);
	while (e->num > 0)
		free(e->um[--e->num].key);
	free(e->um);
	free(e);
}

const struct enc_unmatched *
enc_unmatched(const struct encoder *e, size_t *n)
{
	*n = e->num;
	return e->um;
}

/* Count a key that matched no writable column (ci: its column, or -1). */
static void
unmatched(struct encoder *e, const char *k, size_t n, int ci)
{
	const struct pg_column *col = ci >= 0 ? &e->p->t.col[ci] : NULL;
	size_t i;

	for (i = 0; i < e->num; i++)
		if (strlen(e->um[i].key) == n && memcmp(e->um[i].key, k, n) == 0)
			break;
	if (i == e->num) {
		if (e->num == UNMATCHED_MAX) {
			i = e->num - 1;
			goto count;
		}
		e->um = xrealloc(e->um, (e->num + 1) * sizeof(*e->um));
		if (e->num == UNMATCHED_MAX - 1)
			e->um[i].key = xstrdup("(other keys)");
		else {
			e->um[i].key = xmalloc(n + 1);
			memcpy(e->um[i].key, k, n);
			e->um[i].key[n] = '\0';
		}
		e->um[i].count = 0;
		e->um[i].why = col != NULL && col->generated ?
		    " (a generated column)" : col != NULL ?
		    " (GENERATED ALWAYS AS IDENTITY: the server fills it; "
		    "--overriding-system-value writes it)" : n > 63 ?
		    " (longer than 63 bytes, PostgreSQL's limit for a "
		    "column name)" : "";
		e->num++;
	}
count:
	e->um[i].count++;
}

/* A JSON pointer for a key: "/" and the key with ~ and / escaped. */
static void
key_path(char *path, size_t size, const char *k, size_t n)
{
	size_t o = 0, i;

	if (size < 2)
		return;
	path[o++] = '/';
	for (i = 0; i < n && o + 3 < size; i++) {
		if (k[i] == '~' || k[i] == '/') {
			path[o++] = '~';
			path[o++] = k[i] == '~' ? '0' : '1';
		} else
			path[o++] = k[i];
	}
	path[o] = '\0';
}

int
enc_record(struct encoder *e, struct batch *b, const char *line, size_t len,
    int64_t lineno, struct enc_err *err)
{
	struct row *r;
	size_t start;
	uint64_t sig = 0;
	int st = NEED_TEXT;

	if (parse(e, line, len, lineno, err) == -1)
		return -1;
	if (b->nrow == b->caprow) {
		b->caprow = b->caprow ? b->caprow * 2 : 1024;
		b->row = xrealloc(b->row, b->caprow * sizeof(*b->row));
	}
	if (b->nrow == 0)
		b->binary = b->binary && e->binary;
	start = b->copy.len;
	if (b->binary) {
		st = encode_binary(e, &b->copy, lineno, &sig, err);
		if (st == NEED_TEXT) {
			b->copy.len = start;
			sig = 0;
			/* The rows before, then this one again, in text. */
			if (to_text(e, b) == -1) {
				snprintf(err->msg, sizeof(err->msg),
				    "batch not re-encoded");
				return -1;
			}
			if (parse(e, line, len, lineno, err) == -1)
				return -1;
			start = b->copy.len;
		}
	}
	if (st == NEED_TEXT)
		st = encode_text(e, &b->copy, lineno, &sig, err);
	if (st == -1) {
		b->copy.len = start;
		return -1;
	}
	r = &b->row[b->nrow];
	r->copy_off = start;
	r->copy_len = b->copy.len - start;
	r->line_off = b->lines.len;
	r->line_len = len;
	buf_add(&b->lines, line, len);
	r->lineno = lineno;
	r->src_row = err->src_row;
	r->sig = sig;
	b->nrow++;
	return 0;
}

const struct js_doc *
enc_doc(const struct encoder *e)
{
	return &e->doc;
}

void
enc_unrecord(struct batch *b)
{
	const struct row *r = &b->row[--b->nrow];

	b->copy.len = r->copy_off;
	b->lines.len = r->line_off;
}

/*
 * Turn batch b to text: every row in it encoded again from its line.
 * Encoding is deterministic, so what encoded once encodes again (a
 * --map expression that fails at random would be the exception: it
 * stops the load with the reason).
 */
static int
to_text(struct encoder *e, struct batch *b)
{
	struct enc_err err;
	size_t k;

	b->binary = 0;
	buf_reset(&b->copy);
	for (k = 0; k < b->nrow; k++) {
		struct row *r = &b->row[k];
		uint64_t sig = 0;

		r->copy_off = b->copy.len;
		if (parse(e, b->lines.p + r->line_off, r->line_len, r->lineno,
		    &err) == -1 ||
		    encode_text(e, &b->copy, r->lineno, &sig, &err) == -1) {
			plan_fatal(e->p, EX_SOFTWARE, "line %" PRId64 ": encoded "
			    "once, then failed: %s", r->lineno, err.msg);
			return -1;
		}
		r->copy_len = b->copy.len - r->copy_off;
	}
	return 0;
}

/*
 * Close the --extra-column object. A record's own key of that name is
 * kept, not replaced: an object's members come first, then the gathered
 * keys; anything else cannot take keys and is a reject.
 */
static int
extra_merge(struct encoder *e, struct enc_err *err)
{
	struct js_doc *d = &e->doc;
	int v = e->val[e->p->extra_ci];
	const struct js_val *own;

	buf_addc(&e->extra, '}');
	if (v < 0 || d->v[v].type == JS_NULL)
		return 0;
	own = &d->v[v];
	if (own->type != JS_OBJECT) {
		key_path(err->path, sizeof(err->path),
		    e->p->t.col[e->p->extra_ci].name,
		    strlen(e->p->t.col[e->p->extra_ci].name));
		snprintf(err->msg, sizeof(err->msg), "the --extra-column's own "
		    "key is %s, not an object: the other keys cannot be "
		    "gathered into it", js_type_name(own->type));
		return -1;
	}
	if (own->len > 2) {	/* {own members, gathered members} */
		buf_reset(&e->tmp);
		buf_add(&e->tmp, js_text(d, v), own->len - 1);
		buf_addc(&e->tmp, ',');
		buf_add(&e->tmp, e->extra.p + 1, e->extra.len - 1);
		buf_reset(&e->extra);
		buf_add(&e->extra, e->tmp.p, e->tmp.len);
	}
	return 0;
}

/* scd2: a record without its key cannot name a version. 1 if so. */
static int
null_key(struct encoder *e, struct enc_err *err)
{
	const struct plan *p = e->p;
	size_t k;

	for (k = 0; k < p->nkey; k++) {
		int ci = p->key[k], mi = e->mapped[ci];
		int absent = mi >= 0 ? !e->mok[mi] || (e->mv[mi].type ==
		    JS_NULL) : e->val[ci] < 0 || e->doc.v[e->val[ci]].type ==
		    JS_NULL;

		if (absent) {
			key_path(err->path, sizeof(err->path),
			    p->t.col[ci].name, strlen(p->t.col[ci].name));
			snprintf(err->msg, sizeof(err->msg), "key column "
			    "\"%s\" is %s: scd2 cannot tell which version it "
			    "changes",
			    p->t.col[ci].name, mi < 0 && e->val[ci] < 0 ?
			    "missing" : "null");
			return 1;
		}
	}
	return 0;
}

/*
 * Scan the record, find its columns' values and evaluate the --map
 * expressions: 0, or -1 with msg (and path) for a reject.
 */
static int
parse(struct encoder *e, const char *line, size_t len, int64_t lineno,
    struct enc_err *err)
{
	struct plan *p = e->p;
	struct js_doc *d = &e->doc;
	struct js_err je;
	size_t i, pos;
	int k;

	err->is_object = 0;
	err->src_row = lineno;
	err->path[0] = '\0';
	if (js_scan(d, line, len, &je) == -1) {
		js_strerror(&je, err->msg, sizeof(err->msg));
		return -1;
	}
	if (d->v[0].type != JS_OBJECT) {
		snprintf(err->msg, sizeof(err->msg), "expected an object, got "
		    "%s", js_type_name(d->v[0].type));
		return -1;
	}
	err->is_object = 1;
	if (p->row_field != NULL && (k = js_get(d, 0, p->row_field,
	    strlen(p->row_field))) >= 0)
		(void)js_int64(d, k, &err->src_row);
	for (i = 0; i < p->t.ncol; i++)
		e->val[i] = -1;
	buf_reset(&e->extra);
	e->nextra = 0;

	/* Keys to columns; the last of duplicate keys wins, as in jq. */
	for (k = 1, pos = 0; k < (int)d->n && k < (int)d->v[0].end;
	    k = (int)d->v[k + 1].end, pos++) {
		const char *kp = js_text(d, k) + 1;
		size_t kn = d->v[k].len - 2;
		int ci = pos < KCACHE ? e->kcol[pos] : -1;

		if (d->v[k].n) {	/* escaped: decode */
			buf_reset(&e->tmp);
			js_str(d, k, &e->tmp);
			kp = e->tmp.p;
			kn = e->tmp.len;
		}
		if (ci < 0 || p->t.col[ci].namelen != kn ||
		    memcmp(p->t.col[ci].name, kp, kn) != 0) {
			ci = pg_table_column(&p->t, kp, kn);
			if (pos < KCACHE && ci >= 0)
				e->kcol[pos] = ci;
		}
		if (ci >= 0 && p->writable[ci] && ci != p->extra_ci) {
			e->val[ci] = k + 1;
			continue;
		}
		if (ci >= 0 && ci == p->extra_ci) {
			e->val[ci] = k + 1;
			continue;
		}
		if (p->strict) {
			key_path(err->path, sizeof(err->path), kp, kn);
			snprintf(err->msg, sizeof(err->msg),
			    "key has no column in %s", p->t.qname);
			return -1;
		}
		if (p->extra_ci >= 0) {
			buf_addc(&e->extra, e->nextra++ ? ',' : '{');
			buf_add(&e->extra, js_text(d, k), d->v[k].len);
			buf_addc(&e->extra, ':');
			buf_add(&e->extra, js_text(d, k + 1), d->v[k + 1].len);
		} else
			unmatched(e, kp, kn, ci);
	}
	if (e->nextra && extra_merge(e, err) == -1)
		return -1;
	if (p->mode == M_SCD2 && null_key(e, err))
		return -1;

	/* --map expressions. */
	for (i = 0; i < p->nmap; i++) {
		char why[256];
		int st = jqx_eval(p->map[i].jq, d, &e->mv[i], why,
		    sizeof(why));

		if (st == JQX_ERROR) {
			snprintf(err->msg, sizeof(err->msg), "%s %s: %s",
			    p->map[i].opt, p->map[i].col, why);
			return -1;
		}
		e->mok[i] = st == JQX_OK;
	}
	return 0;
}

/*
 * Where column i's value is: V_ABSENT (left to its default), V_NULL,
 * V_EXTRA (the gathered keys), V_VALUE (value *vi of *d), or V_ERROR
 * with msg for a --map result that is not JSON.
 */
static int
column_value(struct encoder *e, size_t i, const struct js_doc **d, int *vi,
    char *msg, size_t msglen)
{
	struct plan *p = e->p;
	int mi = e->mapped[i], present;

	if (mi >= 0)
		present = e->mok[mi];
	else if ((int)i == p->extra_ci)
		present = e->nextra > 0 || e->val[i] >= 0;
	else
		present = e->val[i] >= 0;
	if (!present)
		return p->defbit[i] >= 0 ? V_ABSENT : V_NULL;
	if (mi >= 0) {
		struct js_err me;

		if (js_scan(&e->mapdoc, e->mv[mi].text, e->mv[mi].len, &me)
		    == -1) {
			snprintf(msg, msglen, "%s %s: bad value",
			    p->map[mi].opt, p->map[mi].col);
			return V_ERROR;
		}
		*d = &e->mapdoc;
		*vi = 0;
		return V_VALUE;
	}
	/* Gathered keys win over a key of the column's name. */
	if ((int)i == p->extra_ci && e->nextra > 0)
		return V_EXTRA;
	*d = &e->doc;
	*vi = e->val[i];
	return V_VALUE;
}

/* The reject's path for a value of column i that cannot be encoded. */
static void
value_path(struct encoder *e, size_t i, char *path, size_t pathlen)
{
	const struct pg_column *col = &e->p->t.col[i];

	if (e->mapped[i] >= 0) {
		key_path(path, pathlen, col->name, strlen(col->name));
		return;
	}
	buf_reset(&e->tmp);
	js_str(&e->doc, e->val[i] - 1, &e->tmp);
	key_path(path, pathlen, e->tmp.p, e->tmp.len);
}

/* The record as a line of COPY text: 0, or -1 with msg and path. */
static int
encode_text(struct encoder *e, struct buf *out, int64_t lineno,
    uint64_t *sig, struct enc_err *err)
{
	struct plan *p = e->p;
	const struct js_doc *d = NULL;
	size_t i;
	int first = 1, vi = 0;

	if (p->mode != M_APPEND) {
		buf_add_i64(out, lineno);
		first = 0;
	}
	for (i = 0; i < p->t.ncol; i++) {
		int src;

		if (!p->writable[i])
			continue;
		src = column_value(e, i, &d, &vi, err->msg,
		    sizeof(err->msg));
		if (src == V_ERROR)
			return -1;
		if (src == V_ABSENT) {
			*sig |= (uint64_t)1 << p->defbit[i];
			continue;
		}
		if (!first)
			buf_addc(out, '\t');
		first = 0;
		if (src == V_NULL)
			buf_add(out, "\\N", 2);
		else if (src == V_EXTRA)
			copy_escape(out, e->extra.p, e->extra.len);
		else if (encode_value(e, out, &p->t.col[i], d, vi, err->msg,
		    sizeof(err->msg)) == -1) {
			value_path(e, i, err->path, sizeof(err->path));
			return -1;
		}
	}
	buf_addc(out, '\n');
	return 0;
}

static void
put16(struct buf *b, unsigned v)
{
	unsigned char x[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	buf_add(b, x, 2);
}

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	buf_add(b, x, 4);
}

static void
put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b, (uint32_t)v);
}

/* A field of n bytes: its length, then the bytes. */
static void
put_field(struct buf *b, const char *s, size_t n)
{
	put32(b, (uint32_t)n);
	buf_add(b, s, n);
}

/*
 * The record as a binary COPY tuple: a 16-bit field count, then per
 * field a 32-bit length (-1: NULL) and the bytes. 0; -1 with msg and
 * path (a reject either way); NEED_TEXT when a value has no exact
 * binary form.
 */
static int
encode_binary(struct encoder *e, struct buf *out, int64_t lineno,
    uint64_t *sig, struct enc_err *err)
{
	struct plan *p = e->p;
	const struct js_doc *d = NULL;
	size_t i, count_at = out->len;
	unsigned nfield = 0;
	int vi = 0, st;

	put16(out, 0);
	if (p->mode != M_APPEND) {
		put32(out, 8);
		put64(out, (uint64_t)lineno);
		nfield++;
	}
	for (i = 0; i < p->t.ncol; i++) {
		int src;

		if (!p->writable[i])
			continue;
		src = column_value(e, i, &d, &vi, err->msg,
		    sizeof(err->msg));
		if (src == V_ERROR)
			return -1;
		if (src == V_ABSENT) {
			*sig |= (uint64_t)1 << p->defbit[i];
			continue;
		}
		nfield++;
		if (src == V_NULL)
			put32(out, UINT32_MAX);
		else if (src == V_EXTRA) {
			if (e->bin[i] == B_JSONB) {
				put32(out, (uint32_t)e->extra.len + 1);
				buf_addc(out, 1);
				buf_add(out, e->extra.p, e->extra.len);
			} else
				put_field(out, e->extra.p, e->extra.len);
		} else if ((st = binary_value(e, out, (enum bin_type)e->bin[i],
		    d, vi, err->msg, sizeof(err->msg))) != 0) {
			if (st == -1)
				value_path(e, i, err->path, sizeof(err->path));
			return st;
		}
	}
	out->p[count_at] = (char)(nfield >> 8);
	out->p[count_at + 1] = (char)nfield;
	return 0;
}

/*
 * The contents of string value i of d: in place when it has no escapes,
 * else decoded into e->tmp. NULL with msg when it holds a NUL, which
 * PostgreSQL text cannot.
 */
static const char *
contents(struct encoder *e, const struct js_doc *d, int i, size_t *len,
    char *msg, size_t msglen)
{
	if (!d->v[i].n) {
		*len = d->v[i].len - 2;
		return js_text(d, i) + 1;
	}
	buf_reset(&e->tmp);
	js_str(d, i, &e->tmp);
	if (memchr(e->tmp.p, '\0', e->tmp.len) != NULL) {
		snprintf(msg, msglen, "string contains \\u0000, which "
		    "PostgreSQL text cannot hold");
		return NULL;
	}
	*len = e->tmp.len;
	return e->tmp.p;
}

/*
 * Value i of d as a binary field of type t, when that is exactly what the
 * text path's form of it would give: 0; NEED_TEXT; -1 with msg (the
 * rejects of the text path).
 */
static int
binary_value(struct encoder *e, struct buf *out, enum bin_type t,
    const struct js_doc *d, int i, char *msg, size_t msglen)
{
	const struct js_val *v = &d->v[i];
	const char *s = js_text(d, i), *str;
	unsigned char u[16];
	size_t len;
	int64_t n;

	if (v->type == JS_NULL) {
		put32(out, UINT32_MAX);
		return 0;
	}
	switch (t) {
	case B_TEXT:
		if (v->type != JS_STRING) {
			put_field(out, s, v->len);	/* source text */
			return 0;
		}
		if ((str = contents(e, d, i, &len, msg, msglen)) == NULL)
			return -1;
		put_field(out, str, len);
		return 0;
	case B_JSON:
		put_field(out, s, v->len);
		return 0;
	case B_JSONB:
		put32(out, v->len + 1);
		buf_addc(out, 1);
		buf_add(out, s, v->len);
		return 0;
	case B_INT2:
	case B_INT4:
	case B_INT8:
		if (js_int64(d, i, &n) == -1)
			return NEED_TEXT;
		if (t == B_INT2 && n >= INT16_MIN && n <= INT16_MAX) {
			put32(out, 2);
			put16(out, (unsigned)(uint16_t)n);
		} else if (t == B_INT4 && n >= INT32_MIN && n <= INT32_MAX) {
			put32(out, 4);
			put32(out, (uint32_t)n);
		} else if (t == B_INT8) {
			put32(out, 8);
			put64(out, (uint64_t)n);
		} else
			return NEED_TEXT;
		return 0;
	case B_BOOL:
		if (v->type != JS_TRUE && v->type != JS_FALSE)
			return NEED_TEXT;
		put32(out, 1);
		buf_addc(out, v->type == JS_TRUE);
		return 0;
	case B_TSTZ:
		if (v->type != JS_STRING || v->n ||
		    tstz_strict(s + 1, v->len - 2, e->utc, &n) == -1)
			return NEED_TEXT;
		put32(out, 8);
		put64(out, (uint64_t)n);
		return 0;
	case B_UUID:
		if (v->type != JS_STRING || v->n ||
		    uuid_canonical(s + 1, v->len - 2, u) == -1)
			return NEED_TEXT;
		put_field(out, (const char *)u, 16);
		return 0;
	default:
		return NEED_TEXT;
	}
}

static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/*
 * A strict RFC 3339 timestamp, YYYY-MM-DD{T| }HH:MM:SS[.f{1,6}]{Z|+hh:mm}
 * (or, with no_offset_utc, without the offset, meaning UTC), as
 * microseconds since 2000-01-01 UTC: 0, or -1 for anything else.
 * tm_parse checks the date and the range; the fraction has at most six
 * digits so that nothing is rounded, and the offset stays within the
 * +-15:59 PostgreSQL accepts.
 */
static int
tstz_strict(const char *s, size_t n, int no_offset_utc, int64_t *us)
{
	const char *why;
	int64_t ns;
	size_t i = 19, f;

	if (n < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || (s[10] != 'T' &&
	    s[10] != ' ') || !digits(s + 11, 2) || s[13] != ':' ||
	    !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2) ||
	    two(s + 11) > 23 || two(s + 14) > 59 || two(s + 17) > 59)
		return -1;
	if (s[i] == '.') {
		for (f = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == f || i - f > 6)
			return -1;
	}
	if (i + 1 == n && s[i] == 'Z')
		;
	else if (i == n && no_offset_utc)
		;
	else if (i + 6 == n && (s[i] == '+' || s[i] == '-') &&
	    digits(s + i + 1, 2) && s[i + 3] == ':' && digits(s + i + 4, 2) &&
	    two(s + i + 1) <= 15 && two(s + i + 4) <= 59)
		;
	else
		return -1;
	if (tm_parse(s, n, &ns, &why) == -1)
		return -1;
	*us = ns / 1000 - PG_EPOCH_US;
	return 0;
}

/* A uuid in the canonical 8-4-4-4-12 hex form, either case: 0 or -1. */
static int
uuid_canonical(const char *s, size_t n, unsigned char *u)
{
	size_t i, k = 0;
	int hi, lo;

	if (n != 36)
		return -1;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if ((hi = hexval((unsigned char)s[i])) < 0 ||
		    (lo = hexval((unsigned char)s[i + 1])) < 0)
			return -1;
		u[k++] = (unsigned char)(hi << 4 | lo);
		i++;
	}
	return 0;
}

/* COPY text format: backslash, tab, newline and return are escaped. */
static void
copy_escape(struct buf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	buf_grow(b, n + 16);
	for (i = 0; i < n; i++) {
		char c = s[i], esc;

		switch (c) {
		case '\\': esc = '\\'; break;
		case '\t': esc = 't'; break;
		case '\n': esc = 'n'; break;
		case '\r': esc = 'r'; break;
		default: continue;
		}
		buf_add(b, s + run, i - run);
		buf_addc(b, '\\');
		buf_addc(b, esc);
		run = i + 1;
	}
	buf_add(b, s + run, n - run);
}

/*
 * A time with an offset, for a timestamp (without time zone) column: its
 * wall-clock time in --tz. 0 when written, -1 to send the text as it is
 * (no offset, or not a time tm reads: the server decides).
 */
static int
wall_time(struct encoder *e, const char *s, size_t n, struct buf *out)
{
	char t[TM_FORMAT_MAX];
	const char *why;
	int64_t ns;
	long off;
	size_t k;

	if (!tm_has_offset(s, n) || tm_parse(s, n, &ns, &why) == -1 ||
	    tm_offset(ns, e->p->tz, &off) == -1)
		return -1;
	k = tm_format(ns + (int64_t)off * TM_NS_PER_SEC, t, sizeof(t));
	buf_add(out, t, k - 1);		/* without the Z */
	return 0;
}

/* Append to out the value i of d, encoded for column col. */
static int
encode_value(struct encoder *e, struct buf *out, const struct pg_column *col,
    const struct js_doc *d, int i, char *msg, size_t msglen)
{
	const struct js_val *v = &d->v[i];
	const char *s = js_text(d, i), *str;
	size_t len;

	switch (v->type) {
	case JS_NULL:
		buf_add(out, "\\N", 2);
		return 0;
	case JS_TRUE:
	case JS_FALSE:
		if (col->kind == PG_K_BOOL)
			buf_addc(out, v->type == JS_TRUE ? 't' : 'f');
		else
			buf_add(out, s, v->len);
		return 0;
	case JS_NUMBER:
		buf_add(out, s, v->len);
		return 0;
	case JS_STRING:
		if (col->kind == PG_K_JSON) {
			copy_escape(out, s, v->len);
			return 0;
		}
		if ((str = contents(e, d, i, &len, msg, msglen)) == NULL)
			return -1;
		if (col->typoid == 1114 && wall_time(e, str, len, out) == 0)
			return 0;
		if (v->n)
			copy_escape(out, str, len);
		else	/* no escapes: no backslash, no control characters */
			buf_add(out, str, len);
		return 0;
	case JS_ARRAY:
		if (col->kind == PG_K_ARRAY) {
			buf_reset(&e->lit);
			if (array_literal(e, d, i, &e->lit) == -1) {
				snprintf(msg, msglen, "string contains "
				    "\\u0000, which PostgreSQL text cannot "
				    "hold");
				return -1;
			}
			copy_escape(out, e->lit.p, e->lit.len);
			return 0;
		}
		/* FALLTHROUGH */
	default:
		copy_escape(out, s, v->len);
		return 0;
	}
}

/*
 * A JSON array as a PostgreSQL array literal: {1,"a b",NULL,{2,3}}.
 * Strings and objects are double-quoted with " and \ escaped.
 */
static int
array_literal(struct encoder *e, const struct js_doc *d, int a, struct buf *b)
{
	int i;
	size_t n;

	buf_addc(b, '{');
	for (i = a + 1; i < (int)d->v[a].end; i = (int)d->v[i].end) {
		const struct js_val *v = &d->v[i];
		const char *s;
		size_t k, start;

		if (i > a + 1)
			buf_addc(b, ',');
		switch (v->type) {
		case JS_NULL:
			buf_adds(b, "NULL");
			continue;
		case JS_ARRAY:
			if (array_literal(e, d, i, b) == -1)
				return -1;
			continue;
		case JS_STRING:
			start = b->len;
			js_str(d, i, b);
			n = b->len - start;
			if (memchr(b->p + start, '\0', n) != NULL)
				return -1;
			/* Quote in place: move the text into tmp first. */
			buf_reset(&e->tmp);
			buf_add(&e->tmp, b->p + start, n);
			b->len = start;
			s = e->tmp.p;
			break;
		case JS_OBJECT:
			s = js_text(d, i);
			n = v->len;
			buf_reset(&e->tmp);
			buf_add(&e->tmp, s, n);
			s = e->tmp.p;
			break;
		default:
			buf_add(b, js_text(d, i), v->len);
			continue;
		}
		buf_addc(b, '"');
		for (k = 0; k < n; k++) {
			if (s[k] == '"' || s[k] == '\\')
				buf_addc(b, '\\');
			buf_addc(b, s[k]);
		}
		buf_addc(b, '"');
	}
	buf_addc(b, '}');
	return 0;
}
