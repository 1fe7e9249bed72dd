/* jqx: jq expressions, on the scanner's index when possible, else libjq. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "buf.h"
#include "dec.h"
#include "js.h"
#include "jqx.h"
#include "tm.h"

/*
 * A fast-path expression is an alternation (`a // b // c`) of terms; a
 * term is a path from the record's root, a JSON literal, or an array
 * whose elements are alternations.
 */
enum term_kind { TERM_PATH, TERM_LIT, TERM_ARRAY };

struct step {
	char		*key;	/* decoded key, or NULL for an index */
	size_t		 klen;
	long		 idx;
};

struct alt;

struct term {
	enum term_kind	 kind;
	struct step	*step;		/* TERM_PATH */
	size_t		 nstep;
	int		 type;		/* TERM_LIT: enum js_type */
	char		*text;		/* TERM_LIT: JSON text */
	size_t		 len;
	char		*str;		/* TERM_LIT string: decoded contents */
	size_t		 slen;
	struct alt	*elem;		/* TERM_ARRAY */
	size_t		 nelem;
};

struct alt {
	struct term	*term;
	size_t		 nterm;
};

struct jqx {
	int		 fast;
	struct alt	 top;		/* fast path */
	jq_state	*jq;		/* libjq path */
	struct buf	 text;		/* result text */
	struct buf	 str;		/* result string, decoded */
	struct buf	 line;		/* NUL-terminated copy for libjq */
	char		*jq_err;	/* first compile message from libjq */
};

/* What a fast-path evaluation found. */
enum ref_kind { REF_DOC, REF_NULL, REF_LIT, REF_BUILT };

struct ref {
	enum ref_kind		 kind;
	int			 i;	/* REF_DOC: value index */
	const struct term	*lit;	/* REF_LIT */
	size_t			 off;	/* REF_BUILT: start in x->text */
};

/* The fast-path parser: a cursor over the expression. */
struct parser {
	const char	*p;
};

static int	 dump_exact(struct buf *, const struct js_doc *, jv, char *,
		    size_t);
static int	 parse_alt(struct parser *, struct alt *);
static int	 parse_term(struct parser *, struct term *);
static int	 parse_path(struct parser *, struct term *);
static int	 parse_name(struct parser *, struct term *);
static int	 parse_literal(struct parser *, struct term *);
static int	 parse_array(struct parser *, struct term *);
static int	 decode_string(const char *, size_t, char **, size_t *);
static void	 free_alt(struct alt *);
static int	 compile_jq(struct jqx *, const char *, char *, size_t);
static void	 on_jq_error(void *, jv);
static int	 eval_alt(struct jqx *, const struct alt *,
		    const struct js_doc *, struct ref *, char *, size_t);
static int	 eval_term(struct jqx *, const struct term *,
		    const struct js_doc *, struct ref *, char *, size_t);
static int	 eval_jq(struct jqx *, const struct js_doc *,
		    struct jqx_val *, char *, size_t);
static void	 seterr(char *, size_t, const char *);
static void	 skip_ws(struct parser *);

struct jqx *
jqx_compile(const char *expr, char *err, size_t errlen)
{
	struct jqx *x = xcalloc(1, sizeof(*x));
	struct parser ps = { expr };

	if (parse_alt(&ps, &x->top) == 0) {
		skip_ws(&ps);
		if (*ps.p == '\0') {
			x->fast = 1;
			return x;
		}
	}
	free_alt(&x->top);
	memset(&x->top, 0, sizeof(x->top));
	if (compile_jq(x, expr, err, errlen) == -1) {
		jqx_free(x);
		return NULL;
	}
	return x;
}

struct jqx *
jqx_compile_slow(const char *expr, char *err, size_t errlen)
{
	struct jqx *x = xcalloc(1, sizeof(*x));

	if (compile_jq(x, expr, err, errlen) == -1) {
		jqx_free(x);
		return NULL;
	}
	return x;
}

int
jqx_is_fast(const struct jqx *x)
{
	return x->fast;
}

int
jqx_truthy(const struct jqx_val *v)
{
	return v->type != JS_NULL && v->type != JS_FALSE;
}

void
jqx_free(struct jqx *x)
{
	if (x == NULL)
		return;
	free_alt(&x->top);
	if (x->jq != NULL)
		jq_teardown(&x->jq);
	buf_free(&x->text);
	buf_free(&x->str);
	buf_free(&x->line);
	free(x->jq_err);
	free(x);
}

static void
skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	    *ps->p == '\r')
		ps->p++;
}

/*
 * Parsing returns 0 when the text is in the fast grammar, -1 when it is
 * not (then libjq decides what it means, or that it is an error). The
 * grammar is a strict subset of jq's: anything unusual goes to libjq.
 */
static int
parse_alt(struct parser *ps, struct alt *a)
{
	size_t cap = 0;

	for (;;) {
		skip_ws(ps);
		if (a->nterm == cap) {
			cap = cap ? cap * 2 : 2;
			a->term = xrealloc(a->term, cap * sizeof(*a->term));
		}
		memset(&a->term[a->nterm], 0, sizeof(a->term[0]));
		a->nterm++;
		if (parse_term(ps, &a->term[a->nterm - 1]) == -1)
			return -1;
		skip_ws(ps);
		if (ps->p[0] != '/' || ps->p[1] != '/' || ps->p[2] == '=')
			return 0;
		ps->p += 2;
	}
}

static int
parse_term(struct parser *ps, struct term *t)
{
	switch (*ps->p) {
	case '.':
		return parse_path(ps, t);
	case '[':
		return parse_array(ps, t);
	default:
		return parse_literal(ps, t);
	}
}

static int
is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* The extent of a jq string literal starting at s (a quote); 0 if none. */
static size_t
string_extent(const char *s)
{
	size_t i = 1;

	for (;;) {
		if (s[i] == '\0')
			return 0;
		if (s[i] == '\\') {
			if (s[i + 1] == '\0' || s[i + 1] == '(')
				return 0;	/* interpolation: libjq */
			i += 2;
			continue;
		}
		if (s[i] == '"')
			return i + 1;
		i++;
	}
}

static struct step *
add_step(struct term *t)
{
	t->step = xrealloc(t->step, (t->nstep + 1) * sizeof(*t->step));
	memset(&t->step[t->nstep], 0, sizeof(t->step[0]));
	return &t->step[t->nstep++];
}

/* A bracket suffix: ["key"] or [N] with N a plain integer. */
static int
parse_bracket(struct parser *ps, struct term *t)
{
	const char *p = ps->p + 1, *q;
	struct step *st;
	size_t n;
	long v = 0;
	int neg = 0;

	if (*p == '"') {
		if ((n = string_extent(p)) == 0 || p[n] != ']')
			return -1;
		st = add_step(t);
		if (decode_string(p, n, &st->key, &st->klen) == -1)
			return -1;
		ps->p = p + n + 1;
		return 0;
	}
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (q = p; *q >= '0' && *q <= '9'; q++)
		if (q - p >= 9)
			return -1;
	if (q == p || *q != ']' || (*p == '0' && q - p > 1))
		return -1;
	for (; p < q; p++)
		v = v * 10 + (*p - '0');
	st = add_step(t);
	st->idx = neg ? -v : v;
	ps->p = q + 1;
	return 0;
}

/* A name step: an identifier or a jq string literal. */
static int
parse_name(struct parser *ps, struct term *t)
{
	const char *p = ps->p;
	struct step *st;
	size_t n;

	if (*p == '"') {
		if ((n = string_extent(p)) == 0)
			return -1;
		st = add_step(t);
		if (decode_string(p, n, &st->key, &st->klen) == -1)
			return -1;
		ps->p = p + n;
		return 0;
	}
	while (is_ident(*p))
		p++;
	st = add_step(t);
	st->klen = (size_t)(p - ps->p);
	st->key = xmalloc(st->klen + 1);
	memcpy(st->key, ps->p, st->klen);
	st->key[st->klen] = '\0';
	ps->p = p;
	return 0;
}

/*
 * A path: `.`, then steps `.name`, `."str"`, `[...]`, with `.[...]` only
 * as the first step (jq 1.6 has no `.a.[0]`).
 */
static int
parse_path(struct parser *ps, struct term *t)
{
	t->kind = TERM_PATH;
	ps->p++;
	if (*ps->p == '[') {
		if (parse_bracket(ps, t) == -1)
			return -1;
	} else if (is_ident_start(*ps->p) || *ps->p == '"') {
		if (parse_name(ps, t) == -1)
			return -1;
	} else
		goto follow;		/* `.` alone; `..` is not a path */
	for (;;) {
		if (*ps->p == '[') {
			if (parse_bracket(ps, t) == -1)
				return -1;
		} else if (ps->p[0] == '.' && (is_ident_start(ps->p[1]) ||
		    ps->p[1] == '"')) {
			ps->p++;
			if (parse_name(ps, t) == -1)
				return -1;
		} else
			break;
	}
follow:
	/* What may follow a path here: the end, `//`, `,`, `]`, space. */
	switch (*ps->p) {
	case '\0': case ' ': case '\t': case '\n': case '\r': case ',':
	case ']': case '/':
		return 0;
	}
	return -1;
}

/* A JSON scalar, validated by the scanner itself. */
static int
parse_literal(struct parser *ps, struct term *t)
{
	struct js_doc d = { 0 };
	struct js_err e;
	const char *p = ps->p;
	size_t n;
	int rc = -1;

	if (*p == '"') {
		if ((n = string_extent(p)) == 0)
			return -1;
	} else {
		for (n = 0; is_ident(p[n]) || p[n] == '-' || p[n] == '+' ||
		    p[n] == '.'; n++)
			;
		if (n == 0 || p[0] == '+' || p[0] == '.')
			return -1;
	}
	if (js_scan(&d, p, n, &e) == 0 && d.v[0].type != JS_ARRAY &&
	    d.v[0].type != JS_OBJECT) {
		t->kind = TERM_LIT;
		t->type = d.v[0].type;
		t->len = n;
		t->text = xmalloc(n + 1);
		memcpy(t->text, p, n);
		t->text[n] = '\0';
		if (t->type == JS_STRING &&
		    decode_string(p, n, &t->str, &t->slen) == -1)
			goto out;
		ps->p += n;
		rc = 0;
	}
out:
	js_free(&d);
	return rc;
}

static int
parse_array(struct parser *ps, struct term *t)
{
	size_t cap = 0;

	t->kind = TERM_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (t->nelem == cap) {
			cap = cap ? cap * 2 : 4;
			t->elem = xrealloc(t->elem, cap * sizeof(*t->elem));
		}
		memset(&t->elem[t->nelem], 0, sizeof(t->elem[0]));
		if (parse_alt(ps, &t->elem[t->nelem++]) == -1)
			return -1;
		skip_ws(ps);
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return -1;
		ps->p++;
	}
}

/* Decode the JSON string s[0..n) (with its quotes) into a new buffer. */
static int
decode_string(const char *s, size_t n, char **out, size_t *outlen)
{
	struct js_doc d = { 0 };
	struct js_err e;
	struct buf b = BUF_INIT;
	int rc = -1;

	if (js_scan(&d, s, n, &e) == 0 && d.v[0].type == JS_STRING) {
		js_str(&d, 0, &b);
		buf_addc(&b, '\0');
		*out = b.p;
		*outlen = b.len - 1;
		rc = 0;
	} else
		buf_free(&b);
	js_free(&d);
	return rc;
}

static void
free_term(struct term *t)
{
	size_t i;

	for (i = 0; i < t->nstep; i++)
		free(t->step[i].key);
	free(t->step);
	free(t->text);
	free(t->str);
	for (i = 0; i < t->nelem; i++)
		free_alt(&t->elem[i]);
	free(t->elem);
}

static void
free_alt(struct alt *a)
{
	size_t i;

	for (i = 0; i < a->nterm; i++)
		free_term(&a->term[i]);
	free(a->term);
}

/*
 * libjq 1.6 leaks a few strings of a program that fails to compile (in
 * jq_parse's error path), which would turn a usage error into exit 23
 * under SANITIZE=1. libjq is built without frame pointers, so the
 * sanitizer's stacks stop at jv_mem_alloc and only the library as a
 * whole can be named. Our own jv handling was checked without this
 * (ASAN_OPTIONS=fast_unwind_on_malloc=0 shows the full stacks). Never
 * called without the sanitizer.
 */
const char	*__lsan_default_suppressions(void);
const char	*__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libjq.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

/* One jq_state per expression, compiled once. */
static int
compile_jq(struct jqx *x, const char *expr, char *err, size_t errlen)
{
	if ((x->jq = jq_init()) == NULL) {
		seterr(err, errlen, "cannot initialise libjq");
		return -1;
	}
	jq_set_error_cb(x->jq, on_jq_error, x);
	if (!jq_compile(x->jq, expr)) {
		seterr(err, errlen, x->jq_err != NULL ? x->jq_err :
		    "jq compile error");
		return -1;
	}
	return 0;
}

/* Keep the first line of the first message libjq reports. */
static void
on_jq_error(void *arg, jv msg)
{
	struct jqx *x = arg;
	const char *s, *nl;

	if (x->jq_err == NULL && jv_get_kind(msg) == JV_KIND_STRING) {
		s = jv_string_value(msg);
		if (strncmp(s, "jq: error: ", 11) == 0)
			s += 11;
		nl = strchr(s, '\n');
		x->jq_err = strndup(s, nl != NULL ? (size_t)(nl - s) :
		    strlen(s));
	}
	jv_free(msg);
}

static void
seterr(char *err, size_t errlen, const char *msg)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

int
jqx_eval(struct jqx *x, const struct js_doc *d, struct jqx_val *val,
    char *err, size_t errlen)
{
	struct ref r;
	const struct js_val *v;

	memset(val, 0, sizeof(*val));
	buf_reset(&x->text);
	buf_reset(&x->str);
	if (!x->fast)
		return eval_jq(x, d, val, err, errlen);
	if (eval_alt(x, &x->top, d, &r, err, errlen) == -1) {
		val->text = "";
		return JQX_ERROR;
	}
	switch (r.kind) {
	case REF_DOC:
		v = &d->v[r.i];
		val->type = v->type;
		val->text = js_text(d, r.i);
		val->len = v->len;
		if (v->type != JS_STRING)
			break;
		if (v->n == 0) {
			val->str = val->text + 1;
			val->slen = val->len - 2;
		} else {
			js_str(d, r.i, &x->str);
			val->str = x->str.p != NULL ? x->str.p : "";
			val->slen = x->str.len;
		}
		break;
	case REF_NULL:
		val->type = JS_NULL;
		val->text = "null";
		val->len = 4;
		break;
	case REF_LIT:
		val->type = r.lit->type;
		val->text = r.lit->text;
		val->len = r.lit->len;
		val->str = r.lit->str;
		val->slen = r.lit->slen;
		break;
	case REF_BUILT:
		val->type = JS_ARRAY;
		val->text = x->text.p + r.off;
		val->len = x->text.len - r.off;
		break;
	}
	return JQX_OK;
}

static int
ref_truthy(const struct js_doc *d, const struct ref *r)
{
	int type;

	switch (r->kind) {
	case REF_DOC:
		type = d->v[r->i].type;
		break;
	case REF_NULL:
		return 0;
	case REF_LIT:
		type = r->lit->type;
		break;
	default:
		return 1;
	}
	return type != JS_NULL && type != JS_FALSE;
}

/* jq 1.6: the first truthy alternative, else the last; errors stop it. */
static int
eval_alt(struct jqx *x, const struct alt *a, const struct js_doc *d,
    struct ref *r, char *err, size_t errlen)
{
	size_t k;

	for (k = 0; k < a->nterm; k++) {
		if (eval_term(x, &a->term[k], d, r, err, errlen) == -1)
			return -1;
		if (ref_truthy(d, r))
			return 0;
	}
	return 0;
}

static int
eval_path(const struct term *t, const struct js_doc *d, struct ref *r,
    char *err, size_t errlen)
{
	const struct step *st;
	size_t k;
	int i = 0, type;

	for (k = 0; k < t->nstep; k++) {
		st = &t->step[k];
		if (i < 0)
			continue;	/* null indexed by anything is null */
		type = d->v[i].type;
		if (type == JS_NULL) {
			i = -1;
		} else if (st->key != NULL) {
			if (type != JS_OBJECT) {
				if (errlen > 0)
					snprintf(err, errlen, "Cannot index "
					    "%s with string \"%.*s\"",
					    js_type_name(type),
					    (int)strnlen(st->key, st->klen),
					    st->key);
				return -1;
			}
			i = js_get(d, i, st->key, st->klen);
		} else {
			if (type != JS_ARRAY) {
				if (errlen > 0)
					snprintf(err, errlen, "Cannot index "
					    "%s with number",
					    js_type_name(type));
				return -1;
			}
			i = js_index(d, i, st->idx);
		}
	}
	r->kind = i < 0 ? REF_NULL : REF_DOC;
	r->i = i;
	return 0;
}

/* Append what r refers to (an array element) to x->text. */
static void
add_ref(struct jqx *x, const struct js_doc *d, const struct ref *r)
{
	switch (r->kind) {
	case REF_DOC:
		buf_add(&x->text, js_text(d, r->i), d->v[r->i].len);
		break;
	case REF_NULL:
		buf_add(&x->text, "null", 4);
		break;
	case REF_LIT:
		buf_add(&x->text, r->lit->text, r->lit->len);
		break;
	case REF_BUILT:
		break;		/* already written in place */
	}
}

static int
eval_term(struct jqx *x, const struct term *t, const struct js_doc *d,
    struct ref *r, char *err, size_t errlen)
{
	struct ref er;
	size_t k, off;

	switch (t->kind) {
	case TERM_PATH:
		return eval_path(t, d, r, err, errlen);
	case TERM_LIT:
		r->kind = REF_LIT;
		r->lit = t;
		return 0;
	case TERM_ARRAY:
		off = x->text.len;
		buf_addc(&x->text, '[');
		for (k = 0; k < t->nelem; k++) {
			if (k > 0)
				buf_addc(&x->text, ',');
			if (eval_alt(x, &t->elem[k], d, &er, err, errlen) == -1)
				return -1;
			add_ref(x, d, &er);
		}
		buf_addc(&x->text, ']');
		r->kind = REF_BUILT;
		r->off = off;
		return 0;
	}
	return -1;
}

static int
kind_type(jv_kind k)
{
	switch (k) {
	case JV_KIND_NULL:	return JS_NULL;
	case JV_KIND_FALSE:	return JS_FALSE;
	case JV_KIND_TRUE:	return JS_TRUE;
	case JV_KIND_NUMBER:	return JS_NUMBER;
	case JV_KIND_STRING:	return JS_STRING;
	case JV_KIND_ARRAY:	return JS_ARRAY;
	case JV_KIND_OBJECT:	return JS_OBJECT;
	default:		return 0;
	}
}

/* Copy a libjq message (a string, or any value dumped) into err. */
static void
jv_err(jv msg, char *err, size_t errlen)
{
	jv s;

	if (jv_get_kind(msg) == JV_KIND_STRING) {
		seterr(err, errlen, jv_string_value(msg));
		jv_free(msg);
		return;
	}
	s = jv_dump_string(msg, 0);
	if (errlen > 0)
		snprintf(err, errlen, "(not a string): %s", jv_string_value(s));
	jv_free(s);
}

/*
 * The libjq path: parse a NUL-terminated copy of the (already validated)
 * line, run, take the first output. The next jq_start resets the state.
 */
static int
eval_jq(struct jqx *x, const struct js_doc *d, struct jqx_val *val,
    char *err, size_t errlen)
{
	jv in, out;

	val->text = "";
	if (d->srclen > INT_MAX) {
		seterr(err, errlen, "record too long for libjq (2 GiB)");
		return JQX_ERROR;
	}
	buf_reset(&x->line);
	buf_add(&x->line, d->src, d->srclen);
	buf_addc(&x->line, '\0');
	in = jv_parse_sized(x->line.p, (int)d->srclen);
	if (!jv_is_valid(in)) {
		jv_err(jv_invalid_get_msg(in), err, errlen);
		return JQX_ERROR;
	}
	jq_start(x->jq, in, 0);
	out = jq_next(x->jq);
	if (!jv_is_valid(out)) {
		jv msg = jv_invalid_get_msg(out);

		if (jv_get_kind(msg) == JV_KIND_NULL) {
			jv_free(msg);
			return JQX_EMPTY;
		}
		jv_err(msg, err, errlen);
		return JQX_ERROR;
	}
	val->type = kind_type(jv_get_kind(out));
	if (val->type == JS_STRING) {
		buf_add(&x->str, jv_string_value(out),
		    (size_t)jv_string_length_bytes(jv_copy(out)));
		val->str = x->str.p != NULL ? x->str.p : "";
		val->slen = x->str.len;
	}
	if (dump_exact(&x->text, d, out, err, errlen) == -1)
		return JQX_ERROR;
	val->text = x->text.p;
	val->len = x->text.len;
	return JQX_OK;
}

/*
 * The text of number n of a libjq result. libjq holds numbers as
 * doubles, so the result is checked against the record's own numbers. A
 * source number a double holds faithfully (its value is the double's
 * shortest decimal form, as 0.1 or 1.5e-7, or the double's exact value,
 * as -9223372036854775808) gives its own text (1.50 stays 1.50). One a
 * double cannot hold (9007199254740993 is read as 9007199254740992)
 * makes the result untrustworthy, whether it is that number passed
 * through or a computation that landed on the same double: an error, as
 * is any other integer past 2^53. A different number must never pass
 * for the result. 0 with *text NULL: jq's own text is exact.
 */
static int
source_number(const struct js_doc *d, double n, const char **text,
    size_t *len, char *err, size_t errlen)
{
	struct dec shortest, exact, src;
	size_t i;
	int k, p, integral = n == floor(n) && fabs(n) < 1e300;
	char num[32], whole[320];

	*text = NULL;
	for (p = 15; p <= 17; p++) {
		k = snprintf(num, sizeof(num), "%.*g", p, n);
		if (strtod(num, NULL) == n)
			break;
	}
	if (dec_parse(num, strlen(num), &shortest) == -1)
		return 0;	/* inf or nan: jq prints its own */
	if (integral) {
		k = snprintf(whole, sizeof(whole), "%.0f", n);
		if (k < 0 || (size_t)k >= sizeof(whole) ||
		    dec_parse(whole, (size_t)k, &exact) == -1)
			integral = 0;
	}
	for (i = 0; i < d->n; i++) {
		const char *s = js_text(d, (int)i);

		if (d->v[i].type != JS_NUMBER || strtod(s, NULL) != n ||
		    dec_parse(s, d->v[i].len, &src) == -1)
			continue;
		if (dec_cmp(&src, &shortest) != 0 && (!integral ||
		    dec_cmp(&src, &exact) != 0)) {
			snprintf(err, errlen, "the result may have been "
			    "rounded: libjq reads %.*s as %s (its numbers are "
			    "doubles); a plain path such as .id keeps every "
			    "digit", (int)(d->v[i].len > 40 ? 40 :
			    d->v[i].len), s, num);
			return -1;
		}
		if (*text == NULL) {
			*text = s;
			*len = d->v[i].len;
		}
	}
	if (*text == NULL && integral && fabs(n) >= 9007199254740992.0) {
		snprintf(err, errlen, "the result %s is an integer past 2^53, "
		    "which libjq's doubles may have rounded", whole);
		return -1;
	}
	return 0;
}

/* Append v to out as jq -c prints it, numbers exact (source_number). */
static int
dump_exact(struct buf *out, const struct js_doc *d, jv v, char *err,
    size_t errlen)
{
	const char *text;
	size_t len;
	int r = 0, first = 1, i, n;
	jv s;

	switch (jv_get_kind(v)) {
	case JV_KIND_NUMBER:
		if (source_number(d, jv_number_value(v), &text, &len, err,
		    errlen) == -1) {
			jv_free(v);
			return -1;
		}
		if (text != NULL) {
			buf_add(out, text, len);
			jv_free(v);
			return 0;
		}
		break;
	case JV_KIND_ARRAY:
		buf_addc(out, '[');
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n && r == 0; i++) {
			if (i > 0)
				buf_addc(out, ',');
			r = dump_exact(out, d, jv_array_get(jv_copy(v), i), err,
			    errlen);
		}
		buf_addc(out, ']');
		jv_free(v);
		return r;
	case JV_KIND_OBJECT:
		buf_addc(out, '{');
		jv_object_foreach(v, k, e) {
			if (r == 0) {
				if (!first)
					buf_addc(out, ',');
				first = 0;
				s = jv_dump_string(k, 0);
				buf_add(out, jv_string_value(s),
				    (size_t)jv_string_length_bytes(jv_copy(s)));
				jv_free(s);
				buf_addc(out, ':');
				r = dump_exact(out, d, e, err, errlen);
			} else {
				jv_free(k);
				jv_free(e);
			}
		}
		buf_addc(out, '}');
		jv_free(v);
		return r;
	default:
		break;
	}
	s = jv_dump_string(v, 0);
	buf_add(out, jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
	jv_free(s);
	return 0;
}

int
jqx_time(struct jqx *x, const struct js_doc *d, const char *tz, int64_t *ns,
    char *err, size_t errlen)
{
	struct jqx_val v;
	const char *why;
	int r;

	r = jqx_eval(x, d, &v, err, errlen);
	if (r == JQX_ERROR)
		return -1;
	if (r == JQX_EMPTY || v.type == JS_NULL) {
		snprintf(err, errlen, "no timestamp");
		return -1;
	}
	if (v.type != JS_STRING) {
		snprintf(err, errlen, "expected a string, got %s",
		    js_type_name(v.type));
		return -1;
	}
	if (tm_parse_tz(v.str, v.slen, tz, ns, &why) == -1) {
		snprintf(err, errlen, "cannot parse '%.*s': %s",
		    (int)(v.slen > 64 ? 64 : v.slen), v.str, why);
		return -1;
	}
	return 0;
}
