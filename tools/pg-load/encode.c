/*
 * encode: a JSON record to one line of COPY text format for the target's
 * writable columns. Strings are decoded (and a NUL, which PostgreSQL text
 * cannot hold, is a reject), numbers go as their source text, booleans as
 * t/f into bool columns, objects and arrays as their exact source text
 * into json/jsonb, arrays as array literals into array columns, null as
 * \N. A column with a default whose key is absent is left out of the
 * line and marked in the row's signature so the COPY leaves it to the
 * server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg-load.h"

struct encoder {
	struct plan	*p;
	struct js_doc	 doc, mapdoc;
	int		*val;		/* value index per column, -1 absent */
	int		*mapped;	/* map index per column, -1 none */
	struct jqx_val	*mv;
	int		*mok;
	struct buf	 tmp, lit, extra;
};

static void	 copy_escape(struct buf *, const char *, size_t);
static int	 encode_value(struct encoder *, struct buf *,
		    const struct pg_column *, const struct js_doc *, int, char *,
		    size_t);
static int	 array_literal(struct encoder *, const struct js_doc *, int,
		    struct buf *);

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
	buf_free(&e->tmp);
	buf_free(&e->lit);
	buf_free(&e->extra);
	free(e);
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
    int64_t lineno, int64_t *src_row, char *msg, size_t msglen, char *path,
    size_t pathlen, int *is_object)
{
	struct plan *p = e->p;
	struct js_doc *d = &e->doc;
	struct js_err je;
	struct row *r;
	size_t i, start;
	int k, first, nextra = 0;
	uint64_t sig = 0;

	*is_object = 0;
	*src_row = lineno;
	path[0] = '\0';
	if (js_scan(d, line, len, &je) == -1) {
		snprintf(msg, msglen, "invalid JSON at col %zu: %s", je.col,
		    je.msg);
		return -1;
	}
	if (d->v[0].type != JS_OBJECT) {
		snprintf(msg, msglen, "expected an object, got %s",
		    js_type_name(d->v[0].type));
		return -1;
	}
	*is_object = 1;
	if (p->row_field != NULL && (k = js_get(d, 0, p->row_field,
	    strlen(p->row_field))) >= 0)
		(void)js_int64(d, k, src_row);
	for (i = 0; i < p->t.ncol; i++)
		e->val[i] = -1;
	buf_reset(&e->extra);

	/* Keys to columns; the last of duplicate keys wins, as in jq. */
	for (k = 1; k < (int)d->n && k < (int)d->v[0].end;
	    k = (int)d->v[k + 1].end) {
		const char *kp = js_text(d, k) + 1;
		size_t kn = d->v[k].len - 2;
		int ci;

		if (d->v[k].n) {	/* escaped: decode */
			buf_reset(&e->tmp);
			js_str(d, k, &e->tmp);
			kp = e->tmp.p;
			kn = e->tmp.len;
		}
		ci = pg_table_column(&p->t, kp, kn);
		if (ci >= 0 && p->writable[ci] && ci != p->extra_ci) {
			e->val[ci] = k + 1;
			continue;
		}
		if (ci >= 0 && ci == p->extra_ci) {
			e->val[ci] = k + 1;
			continue;
		}
		if (p->strict) {
			key_path(path, pathlen, kp, kn);
			snprintf(msg, msglen, "key has no column in %s",
			    p->t.qname);
			return -1;
		}
		if (p->extra_ci >= 0) {
			buf_addc(&e->extra, nextra++ ? ',' : '{');
			buf_add(&e->extra, js_text(d, k), d->v[k].len);
			buf_addc(&e->extra, ':');
			buf_add(&e->extra, js_text(d, k + 1), d->v[k + 1].len);
		}
	}
	if (nextra)
		buf_addc(&e->extra, '}');

	/* --map expressions. */
	for (i = 0; i < p->nmap; i++) {
		char err[256];
		int st = jqx_eval(p->map[i].jq, d, &e->mv[i], err,
		    sizeof(err));

		if (st == JQX_ERROR) {
			snprintf(msg, msglen, "--map %s: %s", p->map[i].col,
			    err);
			return -1;
		}
		e->mok[i] = st == JQX_OK;
	}

	if (b->nrow == b->caprow) {
		b->caprow = b->caprow ? b->caprow * 2 : 1024;
		b->row = xrealloc(b->row, b->caprow * sizeof(*b->row));
	}
	r = &b->row[b->nrow];
	start = b->copy.len;
	if (p->mode != M_APPEND)
		buf_add_i64(&b->copy, lineno);
	first = p->mode == M_APPEND;
	for (i = 0; i < p->t.ncol; i++) {
		const struct pg_column *col = &p->t.col[i];
		int mi = e->mapped[i], present;

		if (!p->writable[i])
			continue;
		if (mi >= 0)
			present = e->mok[mi];
		else if ((int)i == p->extra_ci)
			present = nextra > 0 || e->val[i] >= 0;
		else
			present = e->val[i] >= 0;
		if (!present && p->defbit[i] >= 0) {
			sig |= (uint64_t)1 << p->defbit[i];
			continue;
		}
		if (!first)
			buf_addc(&b->copy, '\t');
		first = 0;
		if (!present) {
			buf_add(&b->copy, "\\N", 2);
			continue;
		}
		if (mi >= 0) {
			struct js_doc *md = &e->mapdoc;
			struct js_err me;

			if (js_scan(md, e->mv[mi].text, e->mv[mi].len, &me)
			    == -1) {
				snprintf(msg, msglen, "--map %s: bad value",
				    p->map[mi].col);
				goto rejected;
			}
			if (encode_value(e, &b->copy, col, md, 0, msg, msglen) == -1) {
				key_path(path, pathlen, col->name,
				    strlen(col->name));
				goto rejected;
			}
			continue;
		}
		if ((int)i == p->extra_ci && nextra > 0) {
			/* Gathered keys win over a key of the column's name. */
			copy_escape(&b->copy, e->extra.p, e->extra.len);
			continue;
		}
		if (encode_value(e, &b->copy, col, d, e->val[i], msg, msglen) == -1) {
			int kk = e->val[i] - 1;

			buf_reset(&e->tmp);
			js_str(d, kk, &e->tmp);
			key_path(path, pathlen, e->tmp.p, e->tmp.len);
			goto rejected;
		}
	}
	buf_addc(&b->copy, '\n');
	r->copy_off = start;
	r->copy_len = b->copy.len - start;
	r->line_off = b->lines.len;
	r->line_len = len;
	buf_add(&b->lines, line, len);
	r->lineno = lineno;
	r->src_row = *src_row;
	r->sig = sig;
	b->nrow++;
	return 0;
rejected:
	b->copy.len = start;
	return -1;
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

/* Append to out the value i of d, encoded for column col. */
static int
encode_value(struct encoder *e, struct buf *out, const struct pg_column *col,
    const struct js_doc *d, int i, char *msg, size_t msglen)
{
	const struct js_val *v = &d->v[i];
	const char *s = js_text(d, i);

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
		if (!v->n) {
			/* No escapes: no backslash, no control characters. */
			buf_add(out, s + 1, v->len - 2);
			return 0;
		}
		buf_reset(&e->tmp);
		js_str(d, i, &e->tmp);
		if (memchr(e->tmp.p, '\0', e->tmp.len) != NULL) {
			snprintf(msg, msglen, "string contains \\u0000, which "
			    "PostgreSQL text cannot hold");
			return -1;
		}
		copy_escape(out, e->tmp.p, e->tmp.len);
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
