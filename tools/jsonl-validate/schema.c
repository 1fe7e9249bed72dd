/*
 * schema: compile a JSON Schema 2020-12 subset and validate scanned
 * records against it. Numbers are compared as exact decimals taken from
 * the source text; strings are compared decoded; patterns are PCRE2
 * (UTF, UCP, $ at the very end only, as in ECMA-262).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "js.h"
#include "schema.h"

/* Validation recursion deeper than this is a $ref loop. */
#define MAX_CHECK_DEPTH	2048

enum { T_NULL = 1, T_BOOL = 2, T_OBJECT = 4, T_ARRAY = 8, T_NUMBER = 16,
    T_STRING = 32, T_INTEGER = 64 };

enum { F_NONE, F_DATE_TIME, F_DATE, F_TIME, F_EMAIL, F_UUID, F_IPV4,
    F_IPV6, F_URI, F_DURATION };

static const char *const format_names[] = { "", "date-time", "date",
    "time", "email", "uuid", "ipv4", "ipv6", "uri", "duration" };

/* A number as an exact decimal: 0.DIGITS x 10^pos, digits in two runs. */
struct dec {
	const char	*a, *b;
	size_t		 an, bn;
	int64_t		 pos;
	int		 neg;
	int		 zero;
};

struct prop {
	const char	*name;		/* decoded, owned */
	size_t		 len;
	struct node	*sub;		/* NULL: only named by required */
};

struct pat {
	pcre2_code	*re;
	struct node	*sub;
};

struct dep {
	const char	*name;
	size_t		 len;
	int		 list;		/* schema index of the array of names */
};

struct node {
	int		 kind;		/* 0 object, 1 true, 2 false */
	int		 at;		/* schema index, for messages */
	unsigned	 types;
	int		 enum_i, const_i, enum_ci;

	struct prop	*props;
	size_t		 nprops;
	size_t		*required;	/* indexes into props */
	size_t		 nrequired;
	struct pat	*pats;
	size_t		 npats;
	struct node	*additional, *propnames;
	int64_t		 minprops, maxprops;
	struct dep	*deps;
	size_t		 ndeps;

	struct node	**prefix;
	size_t		 nprefix;
	struct node	*items, *contains;
	int64_t		 minitems, maxitems, mincontains, maxcontains;
	int		 unique;

	int64_t		 minlen, maxlen;
	pcre2_code	*pattern;
	const char	*pattern_src;
	int		 format;

	struct dec	 min, max, xmin, xmax, mult;
	/* Schema index of each bound, 0 when absent. */
	int		 has_min, has_max, has_xmin, has_xmax, has_mult;

	struct node	**allof, **anyof, **oneof;
	size_t		 nallof, nanyof, noneof;
	struct node	*not, *if_, *then_, *else_, *ref;
};

struct schema {
	char		*text;
	struct js_doc	 doc;
	struct node	**nodes;	/* by schema index */
	int		 flags;
	struct buf	 warnings;
	char		*err;		/* compile: where messages go */
	size_t		 errlen;

	/* Validation state. */
	const struct js_doc *d;
	pcre2_match_data *md;
	int		 report;	/* record the first failure */
	int		 failed;
	int		 fail_at;
	int		 depth;
	char		 msg[256];
	struct buf	 path;
	struct buf	 sbuf, kbuf, tbuf, ubuf;
};

static struct node node_true = { .kind = 1 };
static struct node node_false = { .kind = 2 };

static struct node *compile(struct schema *, int);
static int	 hexdig(int);
static int	 is_key(const char *, size_t, const char *);
static int	 hexval(int);
static int	 check(struct schema *, const struct node *, int);

/* ---- numbers ---- */

static void
dec_parse(const char *s, size_t n, struct dec *x)
{
	const char *p = s, *e = s + n, *ip, *fp = NULL;
	size_t in, fn = 0, z;
	int64_t ex = 0;
	int eneg = 0;

	memset(x, 0, sizeof(*x));
	if (p < e && *p == '-') {
		x->neg = 1;
		p++;
	}
	ip = p;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	in = (size_t)(p - ip);
	if (p < e && *p == '.') {
		fp = ++p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		fn = (size_t)(p - fp);
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < e && *p >= '0' && *p <= '9'; p++)
			if (ex < (int64_t)1 << 50)
				ex = ex * 10 + (*p - '0');
		if (eneg)
			ex = -ex;
	}
	while (in > 0 && *ip == '0') {
		ip++;
		in--;
	}
	if (in > 0) {
		x->a = ip;
		x->an = in;
		x->b = fp;
		x->bn = fn;
		x->pos = (int64_t)in + ex;
	} else if (fp == NULL) {
		x->a = ip;	/* "0" or "-0": no digits at all */
	} else {
		for (z = 0; z < fn && fp[z] == '0'; z++)
			;
		x->a = fp + z;
		x->an = fn - z;
		x->pos = ex - (int64_t)z;
	}
	while (x->bn > 0 && x->b[x->bn - 1] == '0')
		x->bn--;
	if (x->bn == 0)
		while (x->an > 0 && x->a[x->an - 1] == '0')
			x->an--;
	if (x->an + x->bn == 0) {
		x->zero = 1;
		x->neg = 0;
		x->pos = 0;
	}
}

static inline int
dec_digit(const struct dec *x, size_t k)
{
	return k < x->an ? x->a[k] : x->b[k - x->an];
}

static int
dec_cmp(const struct dec *x, const struct dec *y)
{
	size_t k, nx, ny;
	int r;

	if (x->zero || y->zero) {
		if (x->zero && y->zero)
			return 0;
		if (x->zero)
			return y->neg ? 1 : -1;
		return x->neg ? -1 : 1;
	}
	if (x->neg != y->neg)
		return x->neg ? -1 : 1;
	r = 0;
	if (x->pos != y->pos)
		r = x->pos < y->pos ? -1 : 1;
	else {
		nx = x->an + x->bn;
		ny = y->an + y->bn;
		for (k = 0; k < nx && k < ny && r == 0; k++)
			if (dec_digit(x, k) != dec_digit(y, k))
				r = dec_digit(x, k) < dec_digit(y, k) ? -1 : 1;
		if (r == 0 && nx != ny)
			r = nx < ny ? -1 : 1;
	}
	return x->neg ? -r : r;
}

static int
dec_is_integer(const struct dec *x)
{
	return x->zero || (int64_t)(x->an + x->bn) <= x->pos;
}

/* The digits of m as an integer (at most 19 of them). */
static uint64_t
dec_mantissa(const struct dec *m)
{
	uint64_t v = 0;
	size_t k;

	for (k = 0; k < m->an + m->bn; k++)
		v = v * 10 + (uint64_t)(dec_digit(m, k) - '0');
	return v;
}

/*
 * Is x an integer multiple of m (m > 0, at most 19 digits)? With
 * x = X * 10^ex and m = M * 10^em, x/m = X * 10^(ex-em) / M, computed
 * modulo M: exact for any exponent, never overflows.
 */
static int
dec_multiple(const struct dec *x, const struct dec *m)
{
	unsigned __int128 r = 0, base = 10, pw = 1;
	uint64_t mm = dec_mantissa(m);
	int64_t ex, em, k;
	size_t i, nx = x->an + x->bn;

	if (x->zero)
		return 1;
	ex = x->pos - (int64_t)nx;
	em = m->pos - (int64_t)(m->an + m->bn);
	k = ex - em;
	if (k < 0)
		return 0;	/* X has no trailing zeros to absorb 10^-k */
	for (i = 0; i < nx; i++)
		r = (r * 10 + (unsigned)(dec_digit(x, i) - '0')) % mm;
	for (base %= mm; k > 0; k >>= 1) {
		if (k & 1)
			pw = pw * base % mm;
		base = base * base % mm;
	}
	return r * pw % mm == 0;
}

static void
num_of(const struct js_doc *d, int i, struct dec *x)
{
	dec_parse(js_text(d, i), d->v[i].len, x);
}

/* ---- strings ---- */

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

/* ---- equality by value (enum, const, uniqueItems) ---- */

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

/* ---- JSON pointers ---- */

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
static const char *
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

/* ---- compile ---- */

/*
 * A message names schema locations by keys, which may hold control
 * characters: show them as '?' so a message stays one line.
 */
static void
one_line(char *m, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if ((unsigned char)m[k] < 0x20 || m[k] == 0x7f)
			m[k] = '?';
}

static int
cerr(struct schema *s, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cerr(struct schema *s, int at, const char *fmt, ...)
{
	struct buf p = BUF_INIT, t = BUF_INIT;
	char m[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	path_of(&s->doc, at, &p, &t);
	snprintf(s->err, s->errlen, "%s%s%s", p.p, *p.p ? ": " : "", m);
	one_line(s->err, strlen(s->err));
	buf_free(&p);
	buf_free(&t);
	return -1;
}

static void
cwarn(struct schema *s, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cwarn(struct schema *s, int at, const char *fmt, ...)
{
	struct buf p = BUF_INIT, t = BUF_INIT;
	char m[200];
	size_t start;
	va_list ap;

	path_of(&s->doc, at, &p, &t);
	start = s->warnings.len;
	if (*p.p)
		buf_addf(&s->warnings, "%s: ", p.p);
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	buf_adds(&s->warnings, m);
	one_line(s->warnings.p + start, s->warnings.len - start);
	buf_addc(&s->warnings, '\n');
	buf_free(&p);
	buf_free(&t);
}

static char *
dup_str(const struct js_doc *d, int i, size_t *n)
{
	struct buf b = BUF_INIT;

	js_str(d, i, &b);
	*n = b.len;
	buf_addc(&b, '\0');
	return b.p;
}

static int
get_count(struct schema *s, int i, int64_t *out)
{
	struct dec x;
	uint64_t v = 0;
	size_t k;

	if (s->doc.v[i].type != JS_NUMBER)
		return cerr(s, i, "must be a non-negative integer");
	num_of(&s->doc, i, &x);
	if (x.neg || !dec_is_integer(&x))
		return cerr(s, i, "must be a non-negative integer");
	if (x.zero) {
		*out = 0;
		return 0;
	}
	if (x.pos > 18) {
		*out = INT64_MAX;
		return 0;
	}
	for (k = 0; k < (size_t)x.pos; k++)
		v = v * 10 + (k < x.an + x.bn ? (uint64_t)(dec_digit(&x, k) -
		    '0') : 0);
	*out = (int64_t)v;
	return 0;
}

static int
get_number(struct schema *s, int i, struct dec *x)
{
	if (s->doc.v[i].type != JS_NUMBER)
		return cerr(s, i, "must be a number");
	num_of(&s->doc, i, x);
	return 0;
}

static int
sub(struct schema *s, int i, struct node **out)
{
	return (*out = compile(s, i)) == NULL ? -1 : 0;
}

static int
sub_array(struct schema *s, int i, struct node ***out, size_t *n,
    int nonempty)
{
	const struct js_val *v = &s->doc.v[i];
	int k;

	if (v->type != JS_ARRAY || (nonempty && v->n == 0))
		return cerr(s, i, "must be a%s array of schemas",
		    nonempty ? " non-empty" : "n");
	*out = xcalloc(v->n ? v->n : 1, sizeof(**out));
	*n = 0;
	for (k = i + 1; k < (int)v->end; k = s->doc.v[k].end)
		if (sub(s, k, &(*out)[(*n)++]) == -1)
			return -1;
	return 0;
}

/* ECMA-262 long General_Category names that PCRE2 knows only short. */
static const char *const gc_names[][2] = {
	{ "Letter", "L" }, { "Cased_Letter", "L&" },
	{ "Uppercase_Letter", "Lu" }, { "Lowercase_Letter", "Ll" },
	{ "Titlecase_Letter", "Lt" }, { "Modifier_Letter", "Lm" },
	{ "Other_Letter", "Lo" }, { "Mark", "M" }, { "Combining_Mark", "M" },
	{ "Nonspacing_Mark", "Mn" }, { "Spacing_Mark", "Mc" },
	{ "Enclosing_Mark", "Me" }, { "Number", "N" },
	{ "Decimal_Number", "Nd" }, { "digit", "Nd" },
	{ "Letter_Number", "Nl" }, { "Other_Number", "No" },
	{ "Punctuation", "P" }, { "punct", "P" },
	{ "Connector_Punctuation", "Pc" }, { "Dash_Punctuation", "Pd" },
	{ "Open_Punctuation", "Ps" }, { "Close_Punctuation", "Pe" },
	{ "Initial_Punctuation", "Pi" }, { "Final_Punctuation", "Pf" },
	{ "Other_Punctuation", "Po" }, { "Symbol", "S" },
	{ "Math_Symbol", "Sm" }, { "Currency_Symbol", "Sc" },
	{ "Modifier_Symbol", "Sk" }, { "Other_Symbol", "So" },
	{ "Separator", "Z" }, { "Space_Separator", "Zs" },
	{ "Line_Separator", "Zl" }, { "Paragraph_Separator", "Zp" },
	{ "Other", "C" }, { "Control", "Cc" }, { "cntrl", "Cc" },
	{ "Format", "Cf" }, { "Surrogate", "Cs" }, { "Private_Use", "Co" },
	{ "Unassigned", "Cn" }, { NULL, NULL }
};

/*
 * Rewrite ECMA-262 \p{...} forms for PCRE2: long category names become
 * short ones, and the "General_Category=", "gc=", "Script=", "sc="
 * prefixes are dropped.
 */
static void
ecma_to_pcre(const char *src, size_t n, struct buf *b)
{
	static const char *const prefixes[] = { "General_Category=", "gc=",
	    "Script_Extensions=", "scx=", "Script=", "sc=", NULL };
	size_t k, e, len;
	const char *name;
	int j;

	for (k = 0; k < n; k++) {
		if (src[k] != '\\' || k + 1 >= n) {
			buf_addc(b, src[k]);
			continue;
		}
		if ((src[k + 1] != 'p' && src[k + 1] != 'P') || k + 2 >= n ||
		    src[k + 2] != '{' || (name = memchr(src + k + 3, '}',
		    n - k - 3)) == NULL) {
			buf_add(b, src + k, 2);
			k++;
			continue;
		}
		e = (size_t)(name - src);
		name = src + k + 3;
		len = e - k - 3;
		for (j = 0; prefixes[j] != NULL; j++)
			if (len > strlen(prefixes[j]) && memcmp(name,
			    prefixes[j], strlen(prefixes[j])) == 0) {
				name += strlen(prefixes[j]);
				len -= strlen(prefixes[j]);
				break;
			}
		for (j = 0; gc_names[j][0] != NULL; j++)
			if (is_key(name, len, gc_names[j][0])) {
				name = gc_names[j][1];
				len = strlen(name);
				break;
			}
		buf_add(b, src + k, 3);
		buf_add(b, name, len);
		buf_addc(b, '}');
		k = e;
	}
}

static pcre2_code *
regex(struct schema *s, int i, const char *src, size_t n)
{
	pcre2_code *re;
	int ec;
	PCRE2_SIZE off;
	PCRE2_UCHAR m[120];
	struct buf b = BUF_INIT;

	ecma_to_pcre(src, n, &b);
	re = pcre2_compile((PCRE2_SPTR)(b.p ? b.p : ""), b.len, PCRE2_UTF |
	    PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &ec, &off, NULL);
	buf_free(&b);
	if (re == NULL) {
		pcre2_get_error_message(ec, m, sizeof(m));
		cerr(s, i, "invalid pattern at offset %zu: %s", (size_t)off,
		    (char *)m);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static int
add_prop(struct node *nd, const char *name, size_t len, struct node *sub)
{
	size_t j;

	for (j = 0; j < nd->nprops; j++)
		if (nd->props[j].len == len &&
		    memcmp(nd->props[j].name, name, len) == 0) {
			if (sub != NULL)
				nd->props[j].sub = sub;
			return (int)j;
		}
	nd->props = xrealloc(nd->props, (nd->nprops + 1) *
	    sizeof(*nd->props));
	nd->props[nd->nprops] = (struct prop){ xstrdup(name), len, sub };
	if (memchr(name, '\0', len) != NULL) {
		char *p = xmalloc(len + 1);

		memcpy(p, name, len);
		p[len] = '\0';
		free((char *)nd->props[nd->nprops].name);
		nd->props[nd->nprops].name = p;
	}
	return (int)nd->nprops++;
}

/* Resolve a local "#..." reference to a schema index. */
static int
resolve_ref(struct schema *s, int at, const char *ref, size_t n)
{
	struct buf frag = BUF_INIT, tok = BUF_INIT;
	size_t k;
	int cur = 0, hex, r = -1;
	const char *p, *e;

	if (n == 0 || ref[0] != '#') {
		cerr(s, at, "$ref \"%.*s\": only local references (#...) are "
		    "supported", (int)(n > 60 ? 60 : n), ref);
		goto out;
	}
	for (k = 1; k < n; k++) {
		if (ref[k] == '%' && k + 2 < n && hexdig(ref[k + 1]) &&
		    hexdig(ref[k + 2])) {
			hex = hexval(ref[k + 1]) * 16 + hexval(ref[k + 2]);
			buf_addc(&frag, hex);
			k += 2;
		} else
			buf_addc(&frag, ref[k]);
	}
	if (frag.len > 0 && frag.p[0] != '/') {
		cerr(s, at, "$ref \"%.*s\": anchors are not supported (use a "
		    "JSON pointer such as #/$defs/name)", (int)(n > 60 ? 60 :
		    n), ref);
		goto out;
	}
	/* "#" alone is the root: frag is then empty, and frag.p NULL. */
	p = frag.p;
	e = frag.len > 0 ? frag.p + frag.len : p;
	while (p != NULL && p < e) {
		const char *q = memchr(p + 1, '/', (size_t)(e - p - 1));

		if (q == NULL)
			q = e;
		buf_reset(&tok);
		for (p++; p < q; p++)
			if (*p == '~' && p + 1 < q && (p[1] == '0' ||
			    p[1] == '1')) {
				buf_addc(&tok, p[1] == '0' ? '~' : '/');
				p++;
			} else
				buf_addc(&tok, *p);
		if (s->doc.v[cur].type == JS_OBJECT)
			cur = js_get(&s->doc, cur, tok.p ? tok.p : "", tok.len);
		else if (s->doc.v[cur].type == JS_ARRAY) {
			long idx = 0;

			for (k = 0; k < tok.len && tok.p[k] >= '0' &&
			    tok.p[k] <= '9' && idx < 1L << 30; k++)
				idx = idx * 10 + (tok.p[k] - '0');
			cur = tok.len == 0 || k != tok.len || (tok.len > 1 &&
			    tok.p[0] == '0') ? -1 : js_index(&s->doc, cur, idx);
		} else
			cur = -1;
		if (cur < 0) {
			cerr(s, at, "$ref \"%.*s\": no such location in the "
			    "schema", (int)(n > 60 ? 60 : n), ref);
			goto out;
		}
		p = q;
	}
	r = cur;
out:
	buf_free(&frag);
	buf_free(&tok);
	return r;
}

static int
is_key(const char *k, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(k, w, n) == 0;
}

static const char *const ignored_keywords[] = {
	"$schema", "$id", "$comment", "$anchor", "$vocabulary", "title",
	"description", "default", "examples", "deprecated", "readOnly",
	"writeOnly", "contentMediaType", "contentEncoding", "contentSchema",
	"$defs", "definitions", "x-sluice-enum-ci", NULL
};

static const char *const unsupported_keywords[] = {
	"$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor",
	"unevaluatedProperties", "unevaluatedItems", "dependentSchemas",
	"dependencies", NULL
};

static int keyword(struct schema *, struct node *, const char *, size_t,
    int);

/*
 * The keywords that set something in a node. One given twice in the same
 * schema object is refused: JSON leaves the meaning of a repeated key
 * open, and a second "type" or "required" would otherwise merge with or
 * silently replace the first.
 */
static const char *const node_keywords[] = {
	"type", "enum", "const", "required", "properties",
	"patternProperties", "additionalProperties", "propertyNames",
	"dependentRequired", "minProperties", "maxProperties", "items",
	"prefixItems", "contains", "minContains", "maxContains", "minItems",
	"maxItems", "uniqueItems", "minLength", "maxLength", "pattern",
	"format", "minimum", "maximum", "exclusiveMinimum",
	"exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not",
	"if", "then", "else", "$ref", "$defs", "definitions",
	"x-sluice-enum-ci", NULL
};

/* 1 if keyword w[0..n) was already seen in this object (bits in *seen). */
static int
repeated(const char *w, size_t n, uint64_t *seen)
{
	int j;

	for (j = 0; node_keywords[j] != NULL; j++)
		if (is_key(w, n, node_keywords[j])) {
			if (*seen >> j & 1)
				return 1;
			*seen |= (uint64_t)1 << j;
			return 0;
		}
	return 0;
}

static struct node *
compile(struct schema *s, int i)
{
	const struct js_val *v = &s->doc.v[i];
	struct node *nd;
	struct buf kb = BUF_INIT;
	uint64_t seen = 0;
	int k, ci;

	if (s->nodes[i] != NULL)
		return s->nodes[i];
	if (v->type == JS_TRUE)
		return s->nodes[i] = &node_true;
	if (v->type == JS_FALSE)
		return s->nodes[i] = &node_false;
	if (v->type != JS_OBJECT) {
		cerr(s, i, "a schema must be an object or a boolean, not %s",
		    js_type_name(v->type));
		return NULL;
	}
	nd = xcalloc(1, sizeof(*nd));
	s->nodes[i] = nd;
	nd->at = i;
	nd->enum_i = nd->const_i = -1;
	nd->minprops = nd->minitems = nd->minlen = -1;
	nd->maxprops = nd->maxitems = nd->maxlen = -1;
	nd->mincontains = -1;
	nd->maxcontains = -1;
	ci = js_get(&s->doc, i, "x-sluice-enum-ci", 16);
	if (ci >= 0) {
		if (s->doc.v[ci].type != JS_TRUE &&
		    s->doc.v[ci].type != JS_FALSE) {
			cerr(s, ci, "must be a boolean");
			return NULL;
		}
		nd->enum_ci = s->doc.v[ci].type == JS_TRUE;
	}
	if (s->flags & SCHEMA_ENUM_CI)
		nd->enum_ci = 1;
	for (k = i + 1; k < (int)v->end; k = s->doc.v[k + 1].end) {
		buf_reset(&kb);
		js_str(&s->doc, k, &kb);
		if (repeated(kb.p ? kb.p : "", kb.len, &seen)) {
			cerr(s, k, "duplicate keyword \"%.*s\"", (int)kb.len,
			    kb.p);
			buf_free(&kb);
			return NULL;
		}
		if (keyword(s, nd, kb.p ? kb.p : "", kb.len, k) == -1) {
			buf_free(&kb);
			return NULL;
		}
	}
	buf_free(&kb);
	if (nd->mincontains >= 0 && nd->contains == NULL)
		nd->mincontains = -1;
	return nd;
}

static int
type_bit(const char *t, size_t n)
{
	static const char *const names[] = { "null", "boolean", "object",
	    "array", "number", "string", "integer", NULL };
	int j;

	for (j = 0; names[j] != NULL; j++)
		if (is_key(t, n, names[j]))
			return 1 << j;
	return 0;
}

static int
kw_type(struct schema *s, struct node *nd, int i)
{
	const struct js_doc *d = &s->doc;
	struct buf b = BUF_INIT;
	int k, bit;

	if (d->v[i].type == JS_STRING) {
		js_str(d, i, &b);
		bit = type_bit(b.p ? b.p : "", b.len);
		buf_free(&b);
		if (bit == 0)
			return cerr(s, i, "unknown type");
		nd->types |= bit;
		return 0;
	}
	if (d->v[i].type != JS_ARRAY)
		return cerr(s, i, "must be a type name or an array of them");
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k].end) {
		if (d->v[k].type != JS_STRING)
			return cerr(s, k, "must be a type name");
		buf_reset(&b);
		js_str(d, k, &b);
		bit = type_bit(b.p ? b.p : "", b.len);
		if (bit == 0) {
			buf_free(&b);
			return cerr(s, k, "unknown type");
		}
		nd->types |= bit;
	}
	buf_free(&b);
	if (nd->types == 0)
		nd->types = 0x80;	/* "type": [] allows nothing */
	return 0;
}

static int
kw_required(struct schema *s, struct node *nd, int i)
{
	const struct js_doc *d = &s->doc;
	char *name;
	size_t n;
	int k;

	if (d->v[i].type != JS_ARRAY)
		return cerr(s, i, "must be an array of strings");
	nd->required = xcalloc(d->v[i].n + 1, sizeof(*nd->required));
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k].end) {
		if (d->v[k].type != JS_STRING)
			return cerr(s, k, "must be a string");
		name = dup_str(d, k, &n);
		nd->required[nd->nrequired++] = (size_t)add_prop(nd, name, n,
		    NULL);
		free(name);
	}
	return 0;
}

static int
kw_properties(struct schema *s, struct node *nd, int i, int patterns)
{
	const struct js_doc *d = &s->doc;
	struct node *sn;
	char *name;
	size_t n;
	int k;

	if (d->v[i].type != JS_OBJECT)
		return cerr(s, i, "must be an object of schemas");
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end) {
		if (sub(s, k + 1, &sn) == -1)
			return -1;
		name = dup_str(d, k, &n);
		if (patterns) {
			pcre2_code *re = regex(s, k, name, n);

			free(name);
			if (re == NULL)
				return -1;
			nd->pats = xrealloc(nd->pats, (nd->npats + 1) *
			    sizeof(*nd->pats));
			nd->pats[nd->npats++] = (struct pat){ re, sn };
			if (nd->npats > 64)
				return cerr(s, k, "more than 64 "
				    "patternProperties");
			continue;
		}
		add_prop(nd, name, n, sn);
		free(name);
	}
	return 0;
}

static int
kw_dependent_required(struct schema *s, struct node *nd, int i)
{
	const struct js_doc *d = &s->doc;
	int k, j;

	if (d->v[i].type != JS_OBJECT)
		return cerr(s, i, "must be an object of string arrays");
	nd->deps = xcalloc(d->v[i].n + 1, sizeof(*nd->deps));
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end) {
		if (d->v[k + 1].type != JS_ARRAY)
			return cerr(s, k + 1, "must be an array of strings");
		for (j = k + 2; j < (int)d->v[k + 1].end; j = d->v[j].end)
			if (d->v[j].type != JS_STRING)
				return cerr(s, j, "must be a string");
		nd->deps[nd->ndeps].name = dup_str(d, k,
		    &nd->deps[nd->ndeps].len);
		nd->deps[nd->ndeps++].list = k + 1;
	}
	return 0;
}

static int
kw_format(struct schema *s, struct node *nd, int i)
{
	struct buf b = BUF_INIT;
	int f;

	if (s->doc.v[i].type != JS_STRING)
		return cerr(s, i, "must be a string");
	js_str(&s->doc, i, &b);
	for (f = F_DATE_TIME; f <= F_DURATION; f++)
		if (is_key(b.p ? b.p : "", b.len, format_names[f]))
			nd->format = f;
	if (nd->format == F_NONE)
		cwarn(s, i, "format \"%.*s\" is not checked", (int)(b.len >
		    40 ? 40 : b.len), b.p ? b.p : "");
	buf_free(&b);
	return 0;
}

static int
kw_ref(struct schema *s, struct node *nd, int i)
{
	struct buf b = BUF_INIT;
	int t;

	if (s->doc.v[i].type != JS_STRING)
		return cerr(s, i, "must be a string");
	js_str(&s->doc, i, &b);
	t = resolve_ref(s, i, b.p ? b.p : "", b.len);
	buf_free(&b);
	if (t < 0)
		return -1;
	return sub(s, t, &nd->ref);
}

/* One keyword k (name w[0..n)) of node nd; its value is k + 1. */
static int
keyword(struct schema *s, struct node *nd, const char *w, size_t n, int k)
{
	const struct js_doc *d = &s->doc;
	int i = k + 1, t, j;

#define KW(name)	is_key(w, n, name)
	if (KW("type"))
		return kw_type(s, nd, i);
	if (KW("enum")) {
		if (d->v[i].type != JS_ARRAY)
			return cerr(s, i, "must be an array");
		nd->enum_i = i;
		return 0;
	}
	if (KW("const")) {
		nd->const_i = i;
		return 0;
	}
	if (KW("required"))
		return kw_required(s, nd, i);
	if (KW("properties"))
		return kw_properties(s, nd, i, 0);
	if (KW("patternProperties"))
		return kw_properties(s, nd, i, 1);
	if (KW("additionalProperties"))
		return sub(s, i, &nd->additional);
	if (KW("propertyNames"))
		return sub(s, i, &nd->propnames);
	if (KW("dependentRequired"))
		return kw_dependent_required(s, nd, i);
	if (KW("minProperties"))
		return get_count(s, i, &nd->minprops);
	if (KW("maxProperties"))
		return get_count(s, i, &nd->maxprops);
	if (KW("items")) {
		if (d->v[i].type == JS_ARRAY)
			return cerr(s, i, "an array of schemas is "
			    "prefixItems in 2020-12");
		return sub(s, i, &nd->items);
	}
	if (KW("prefixItems"))
		return sub_array(s, i, &nd->prefix, &nd->nprefix, 1);
	if (KW("contains"))
		return sub(s, i, &nd->contains);
	if (KW("minContains"))
		return get_count(s, i, &nd->mincontains);
	if (KW("maxContains"))
		return get_count(s, i, &nd->maxcontains);
	if (KW("minItems"))
		return get_count(s, i, &nd->minitems);
	if (KW("maxItems"))
		return get_count(s, i, &nd->maxitems);
	if (KW("uniqueItems")) {
		if (d->v[i].type != JS_TRUE && d->v[i].type != JS_FALSE)
			return cerr(s, i, "must be a boolean");
		nd->unique = d->v[i].type == JS_TRUE;
		return 0;
	}
	if (KW("minLength"))
		return get_count(s, i, &nd->minlen);
	if (KW("maxLength"))
		return get_count(s, i, &nd->maxlen);
	if (KW("pattern")) {
		char *src;
		size_t len;

		if (d->v[i].type != JS_STRING)
			return cerr(s, i, "must be a string");
		src = dup_str(d, i, &len);
		nd->pattern = regex(s, i, src, len);
		nd->pattern_src = src;
		return nd->pattern == NULL ? -1 : 0;
	}
	if (KW("format"))
		return kw_format(s, nd, i);
	if (KW("minimum")) {
		nd->has_min = i;
		return get_number(s, i, &nd->min);
	}
	if (KW("maximum")) {
		nd->has_max = i;
		return get_number(s, i, &nd->max);
	}
	if (KW("exclusiveMinimum")) {
		nd->has_xmin = i;
		return get_number(s, i, &nd->xmin);
	}
	if (KW("exclusiveMaximum")) {
		nd->has_xmax = i;
		return get_number(s, i, &nd->xmax);
	}
	if (KW("multipleOf")) {
		nd->has_mult = i;
		if (get_number(s, i, &nd->mult) == -1)
			return -1;
		if (nd->mult.zero || nd->mult.neg)
			return cerr(s, i, "must be greater than 0");
		if (nd->mult.an + nd->mult.bn > 19)
			return cerr(s, i, "more than 19 significant digits "
			    "are not supported");
		return 0;
	}
	if (KW("allOf"))
		return sub_array(s, i, &nd->allof, &nd->nallof, 1);
	if (KW("anyOf"))
		return sub_array(s, i, &nd->anyof, &nd->nanyof, 1);
	if (KW("oneOf"))
		return sub_array(s, i, &nd->oneof, &nd->noneof, 1);
	if (KW("not"))
		return sub(s, i, &nd->not);
	if (KW("if"))
		return sub(s, i, &nd->if_);
	if (KW("then"))
		return sub(s, i, &nd->then_);
	if (KW("else"))
		return sub(s, i, &nd->else_);
	if (KW("$ref"))
		return kw_ref(s, nd, i);
	if (KW("$defs") || KW("definitions")) {
		struct node *unused;

		if (d->v[i].type != JS_OBJECT)
			return cerr(s, i, "must be an object of schemas");
		for (t = i + 1; t < (int)d->v[i].end; t = d->v[t + 1].end)
			if (sub(s, t + 1, &unused) == -1)
				return -1;
		return 0;
	}
	if (KW("$id") && nd->at != 0)
		return cerr(s, i, "$id inside a schema (an embedded resource) "
		    "is not supported");
	for (j = 0; unsupported_keywords[j] != NULL; j++)
		if (KW(unsupported_keywords[j]))
			return cerr(s, i, "%s is not supported",
			    unsupported_keywords[j]);
	for (j = 0; ignored_keywords[j] != NULL; j++)
		if (KW(ignored_keywords[j]))
			return 0;
#undef KW
	cwarn(s, i, "unknown keyword \"%.*s\" ignored", (int)(n > 40 ? 40 : n),
	    w);
	return 0;
}

struct schema *
schema_compile(const char *text, size_t n, int flags, char *err,
    size_t errlen)
{
	struct schema *s = xcalloc(1, sizeof(*s));
	struct js_err je;

	s->text = xmalloc(n + 1);
	memcpy(s->text, text, n);
	s->text[n] = '\0';
	s->flags = flags;
	s->err = err;
	s->errlen = errlen;
	buf_addc(&s->warnings, '\0');
	s->warnings.len = 0;
	if (js_scan(&s->doc, s->text, n, &je) == -1) {
		snprintf(err, errlen, "col %zu: %s", je.col, je.msg);
		schema_free(s);
		return NULL;
	}
	s->nodes = xcalloc(s->doc.n, sizeof(*s->nodes));
	if (compile(s, 0) == NULL) {
		schema_free(s);
		return NULL;
	}
	s->md = pcre2_match_data_create(1, NULL);
	if (s->md == NULL) {
		snprintf(err, errlen, "out of memory");
		schema_free(s);
		return NULL;
	}
	buf_cstr(&s->warnings);
	return s;
}

const char *
schema_warnings(const struct schema *s)
{
	return s->warnings.p != NULL ? s->warnings.p : "";
}

static void
node_free(struct node *nd)
{
	size_t j;

	if (nd->kind != 0)
		return;
	for (j = 0; j < nd->nprops; j++)
		free((char *)nd->props[j].name);
	free(nd->props);
	free(nd->required);
	for (j = 0; j < nd->npats; j++)
		pcre2_code_free(nd->pats[j].re);
	free(nd->pats);
	for (j = 0; j < nd->ndeps; j++)
		free((char *)nd->deps[j].name);
	free(nd->deps);
	free(nd->prefix);
	pcre2_code_free(nd->pattern);
	free((char *)nd->pattern_src);
	free(nd->allof);
	free(nd->anyof);
	free(nd->oneof);
	free(nd);
}

void
schema_free(struct schema *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->nodes != NULL)
		for (i = 0; i < s->doc.n; i++)
			if (s->nodes[i] != NULL)
				node_free(s->nodes[i]);
	free(s->nodes);
	js_free(&s->doc);
	free(s->text);
	pcre2_match_data_free(s->md);
	buf_free(&s->warnings);
	buf_free(&s->path);
	buf_free(&s->sbuf);
	buf_free(&s->kbuf);
	buf_free(&s->tbuf);
	buf_free(&s->ubuf);
	free(s);
}

/* ---- formats ---- */

static int
digits(const char *s, size_t n, int *v)
{
	size_t k;

	*v = 0;
	for (k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return 0;
		*v = *v * 10 + (s[k] - '0');
	}
	return 1;
}

static int
days_in(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int
fmt_date(const char *s, size_t n)
{
	int y, m, d;

	return n == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4, &y) &&
	    digits(s + 5, 2, &m) && digits(s + 8, 2, &d) && m >= 1 &&
	    m <= 12 && d >= 1 && d <= days_in(y, m);
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static int
fmt_time(const char *s, size_t n)
{
	int h, m, sec, oh = 0, om = 0, sign = 0, utc;
	size_t k = 8;

	if (n < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 2, &h) ||
	    !digits(s + 3, 2, &m) || !digits(s + 6, 2, &sec) || h > 23 ||
	    m > 59 || sec > 60)
		return 0;
	if (s[k] == '.') {
		for (k++; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == 9)
			return 0;
	}
	if (k + 1 == n && (s[k] == 'Z' || s[k] == 'z'))
		sign = 0;
	else if (k + 6 == n && (s[k] == '+' || s[k] == '-') &&
	    s[k + 3] == ':' && digits(s + k + 1, 2, &oh) &&
	    digits(s + k + 4, 2, &om) && oh <= 23 && om <= 59)
		sign = s[k] == '+' ? 1 : -1;
	else
		return 0;
	if (sec == 60) {
		utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) %
		    1440;
		if (utc != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int
fmt_date_time(const char *s, size_t n)
{
	return n > 11 && (s[10] == 'T' || s[10] == 't') &&
	    fmt_date(s, 10) && fmt_time(s + 11, n - 11);
}

/* RFC 3339 appendix A duration. */
static int
fmt_duration(const char *s, size_t n)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	size_t k = 1, d;
	int last = -1, in_time = 0, any = 0, any_time = 0;
	const char *units, *u;

	if (n < 2 || s[0] != 'P')
		return 0;
	if (n >= 3 && s[n - 1] == 'W') {
		for (d = 1; d < n - 1; d++)
			if (s[d] < '0' || s[d] > '9')
				return 0;
		return 1;
	}
	while (k < n) {
		if (s[k] == 'T') {
			if (in_time)
				return 0;
			in_time = 1;
			last = -1;
			k++;
			continue;
		}
		for (d = k; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == d || k == n)
			return 0;
		units = in_time ? time_units : date_units;
		if ((u = memchr(units, s[k], 3)) == NULL)
			return 0;
		/* In order and without gaps: Y[M[D]], M[D], D; likewise HMS. */
		if ((int)(u - units) <= last ||
		    (last >= 0 && (int)(u - units) != last + 1))
			return 0;
		last = (int)(u - units);
		any = 1;
		any_time |= in_time;
		k++;
	}
	return any && (!in_time || any_time);
}

static int
fmt_ipv4(const char *s, size_t n)
{
	size_t k = 0, start;
	int part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (k >= n || s[k] != '.')
				return 0;
			k++;
		}
		for (start = k; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == start || k - start > 3 ||
		    (k - start > 1 && s[start] == '0'))
			return 0;
		digits(s + start, k - start, &v);
		if (v > 255)
			return 0;
	}
	return k == n;
}

static int
hexdig(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int
fmt_ipv6(const char *s, size_t n)
{
	size_t k = 0, h;
	int groups = 0, dc = -1;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		dc = 0;
		k = 2;
	} else if (n > 0 && s[0] == ':')
		return 0;
	while (k < n) {
		if (memchr(s + k, ':', n - k) == NULL &&
		    memchr(s + k, '.', n - k) != NULL) {
			if (!fmt_ipv4(s + k, n - k))
				return 0;
			groups += 2;
			k = n;
			break;
		}
		for (h = k; k < n && hexdig(s[k]); k++)
			;
		if (k == h || k - h > 4)
			return 0;
		groups++;
		if (k == n)
			break;
		if (s[k] != ':' || ++k == n)
			return 0;
		if (s[k] == ':') {
			if (dc >= 0)
				return 0;
			dc = groups;
			k++;
		}
	}
	return dc < 0 ? groups == 8 : groups <= 7;
}

static int
fmt_uuid(const char *s, size_t n)
{
	size_t k;

	if (n != 36)
		return 0;
	for (k = 0; k < n; k++)
		if (k == 8 || k == 13 || k == 18 || k == 23 ? s[k] != '-' :
		    !hexdig(s[k]))
			return 0;
	return 1;
}

static int
hostname(const char *s, size_t n)
{
	size_t k, label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (k = 0; k < n; k++) {
		char c = s[k];

		if (c == '.') {
			if (label == 0 || s[k - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-') {
			if (label == 0 && c == '-')
				return 0;
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

static int
fmt_email(const char *s, size_t n)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	size_t k, at;
	const char *dom;
	size_t dn;

	if (n == 0)
		return 0;
	if (s[0] == '"') {
		for (k = 1; k < n && s[k] != '"'; k++) {
			if (s[k] == '\\')
				k++;
			if (k >= n || (unsigned char)s[k] < 0x20 ||
			    (unsigned char)s[k] > 0x7e)
				return 0;
		}
		if (k >= n || k + 1 >= n || s[k + 1] != '@')
			return 0;
		at = k + 1;
	} else {
		const char *p = memchr(s, '@', n);

		if (p == NULL)
			return 0;
		at = (size_t)(p - s);
		if (at == 0 || s[0] == '.' || s[at - 1] == '.')
			return 0;
		for (k = 0; k < at; k++) {
			char c = s[k];

			if (c == '.') {
				if (s[k + 1] == '.')
					return 0;
			} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' &&
			    c <= 'Z') || (c >= '0' && c <= '9') ||
			    (c != '\0' && strchr(atext, c) != NULL)))
				return 0;
		}
	}
	dom = s + at + 1;
	dn = n - at - 1;
	if (dn >= 2 && dom[0] == '[' && dom[dn - 1] == ']') {
		if (dn > 7 && memcmp(dom + 1, "IPv6:", 5) == 0)
			return fmt_ipv6(dom + 6, dn - 7);
		return fmt_ipv4(dom + 1, dn - 2);
	}
	return hostname(dom, dn);
}

/* RFC 3986 character classes. */
static int
unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* s[0..n) made of unreserved, pct-encoded, sub-delims and `extra'. */
static int
uri_chars(const char *s, size_t n, const char *extra)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (s[k] == '%') {
			if (k + 2 >= n + 0 || !hexdig(s[k + 1]) ||
			    !hexdig(s[k + 2]))
				return 0;
			k += 2;
		} else if (!unreserved(s[k]) && !subdelim(s[k]) &&
		    (s[k] == '\0' || strchr(extra, s[k]) == NULL))
			return 0;
	}
	return 1;
}

static int
fmt_uri(const char *s, size_t n)
{
	size_t k, e, a, h;
	const char *q;

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' &&
	    s[0] <= 'Z')))
		return 0;
	for (k = 1; k < n && s[k] != ':'; k++)
		if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' &&
		    s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') ||
		    s[k] == '+' || s[k] == '-' || s[k] == '.'))
			return 0;
	if (k == n)
		return 0;
	k++;
	/* The end of hier-part: the first ? or #. */
	for (e = k; e < n && s[e] != '?' && s[e] != '#'; e++)
		;
	if (e - k >= 2 && s[k] == '/' && s[k + 1] == '/') {
		k += 2;
		for (a = k; a < e && s[a] != '/'; a++)
			;
		/* authority = s[k..a) */
		q = NULL;
		for (h = k; h < a; h++)
			if (s[h] == '@')
				q = s + h;
		if (q != NULL) {
			if (!uri_chars(s + k, (size_t)(q - s) - k, ":"))
				return 0;
			k = (size_t)(q - s) + 1;
		}
		if (k < a && s[k] == '[') {
			const char *rb = memchr(s + k, ']', a - k);

			if (rb == NULL)
				return 0;
			h = (size_t)(rb - s);
			if (h > k + 1 && (s[k + 1] == 'v' || s[k + 1] == 'V') ?
			    !uri_chars(s + k + 1, h - k - 1, ":") :
			    !fmt_ipv6(s + k + 1, h - k - 1))
				return 0;
			h++;
		} else {
			for (h = k; h < a && s[h] != ':'; h++)
				;
			if (!uri_chars(s + k, h - k, ""))
				return 0;
		}
		if (h < a) {
			if (s[h] != ':')
				return 0;
			for (h++; h < a; h++)
				if (s[h] < '0' || s[h] > '9')
					return 0;
		}
		k = a;
	}
	if (!uri_chars(s + k, e - k, ":@/"))
		return 0;
	if (e < n && s[e] == '?') {
		for (k = ++e; e < n && s[e] != '#'; e++)
			;
		if (!uri_chars(s + k, e - k, ":@/?"))
			return 0;
	}
	if (e < n && !uri_chars(s + e + 1, n - e - 1, ":@/?"))
		return 0;
	return 1;
}

static int
format_ok(int f, const char *s, size_t n)
{
	switch (f) {
	case F_DATE_TIME:	return fmt_date_time(s, n);
	case F_DATE:		return fmt_date(s, n);
	case F_TIME:		return fmt_time(s, n);
	case F_EMAIL:		return fmt_email(s, n);
	case F_UUID:		return fmt_uuid(s, n);
	case F_IPV4:		return fmt_ipv4(s, n);
	case F_IPV6:		return fmt_ipv6(s, n);
	case F_URI:		return fmt_uri(s, n);
	case F_DURATION:	return fmt_duration(s, n);
	}
	return 1;
}

/* ---- validation ---- */

static int
fail(struct schema *s, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first failure (when reporting); always returns 0. */
static int
fail(struct schema *s, int at, const char *fmt, ...)
{
	va_list ap;

	if (!s->report || s->failed)
		return 0;
	s->failed = 1;
	s->fail_at = at;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
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
		if ((nd->types & T_INTEGER) && !(nd->types & T_NUMBER)) {
			num_of(s->d, i, &x);
			if (dec_is_integer(&x))
				bit = T_INTEGER;
		}
	}
	if (nd->types & bit)
		return 1;
	if (!s->report)
		return 0;
	type_names(nd->types, want, sizeof(want));
	return fail(s, i, "expected %s, got %s", want, js_type_name(t));
}

static int
check_enum(struct schema *s, const struct node *nd, int i)
{
	const struct js_doc *sd = &s->doc;
	int k;

	for (k = nd->enum_i + 1; k < (int)sd->v[nd->enum_i].end;
	    k = sd->v[k].end)
		if (json_eq(s->d, i, sd, k, nd->enum_ci))
			return 1;
	if (!s->report)
		return 0;
	return fail(s, i, "%s is not one of the allowed values",
	    shown(s, js_text(s->d, i), s->d->v[i].len));
}

/* "must be >= 5": the bound as written in the schema. */
static int
fail_bound(struct schema *s, int i, const char *op, int at)
{
	if (!s->report)
		return 0;
	return fail(s, i, "must be %s %s", op, shown(s, js_text(&s->doc, at),
	    s->doc.v[at].len));
}

static int
check_number(struct schema *s, const struct node *nd, int i)
{
	struct dec x;

	num_of(s->d, i, &x);
	if (nd->has_min && dec_cmp(&x, &nd->min) < 0)
		return fail_bound(s, i, ">=", nd->has_min);
	if (nd->has_max && dec_cmp(&x, &nd->max) > 0)
		return fail_bound(s, i, "<=", nd->has_max);
	if (nd->has_xmin && dec_cmp(&x, &nd->xmin) <= 0)
		return fail_bound(s, i, ">", nd->has_xmin);
	if (nd->has_xmax && dec_cmp(&x, &nd->xmax) >= 0)
		return fail_bound(s, i, "<", nd->has_xmax);
	if (nd->has_mult && !dec_multiple(&x, &nd->mult))
		return fail_bound(s, i, "a multiple of", nd->has_mult);
	return 1;
}

static int
check_string(struct schema *s, const struct node *nd, int i)
{
	const char *p;
	size_t n, cp;
	int rc;

	p = str_of(s->d, i, &s->sbuf, &n);
	if (nd->minlen >= 0 || nd->maxlen >= 0) {
		cp = codepoints(p, n);
		if (nd->minlen >= 0 && cp < (uint64_t)nd->minlen)
			return fail(s, i, "shorter than %lld characters",
			    (long long)nd->minlen);
		if (nd->maxlen >= 0 && cp > (uint64_t)nd->maxlen)
			return fail(s, i, "longer than %lld characters",
			    (long long)nd->maxlen);
	}
	if (nd->pattern != NULL) {
		rc = pcre2_match(nd->pattern, (PCRE2_SPTR)(p ? p : ""), n, 0,
		    PCRE2_NO_UTF_CHECK, s->md, NULL);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			return fail(s, i, "pattern %s: match error %d",
			    shown(s, nd->pattern_src, strlen(nd->pattern_src)),
			    rc);
		if (rc < 0)
			return fail(s, i, "does not match pattern %s",
			    shown(s, nd->pattern_src, strlen(nd->pattern_src)));
	}
	if (nd->format != F_NONE && !format_ok(nd->format, p ? p : "", n))
		return fail(s, i, "not a valid %s", format_names[nd->format]);
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
		for (k = 0; k < x.an + x.bn; k++)
			MIX(dec_digit(&x, k));
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
	return r ? 1 : fail(s, a, "items %d and %d are equal", fi, fj);
}

static int
check_array(struct schema *s, const struct node *nd, int a)
{
	const struct js_doc *d = s->d;
	int64_t n = d->v[a].n, idx, hits = 0;
	int e, f, fi;

	if (nd->minitems >= 0 && n < nd->minitems)
		return fail(s, a, "expected at least %lld items, got %lld",
		    (long long)nd->minitems, (long long)n);
	if (nd->maxitems >= 0 && n > nd->maxitems)
		return fail(s, a, "expected at most %lld items, got %lld",
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
			return min == 1 ? fail(s, a, "no item matches "
			    "contains") : fail(s, a, "expected at least %lld "
			    "items matching contains, got %lld",
			    (long long)min, (long long)hits);
		if (nd->maxcontains >= 0 && hits > nd->maxcontains)
			return fail(s, a, "expected at most %lld items "
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
					return fail(s, a, "items %lld and %d "
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
static size_t
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
		return fail(s, o, "expected at least %lld properties, got %lld",
		    (long long)nd->minprops, (long long)n);
	if (nd->maxprops >= 0 && n > nd->maxprops)
		return fail(s, o, "expected at most %lld properties, got %lld",
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
				return fail(s, o, "invalid property name %s",
				    shown(s, js_text(d, k), d->v[k].len));
			if (nd->additional == &node_false && !matched &&
			    pm == 0)
				return fail(s, o, "property %s is not allowed",
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
			return fail(s, o, "missing required property \"%s\"",
			    shown(s, nd->props[j].name, nd->props[j].len));
	}
	for (r = 0; r < nd->ndeps; r++) {
		const struct js_doc *sd = &s->doc;
		int li = nd->deps[r].list, e;

		if (!has_member(d, o, nd->deps[r].name, nd->deps[r].len))
			continue;
		for (e = li + 1; e < (int)sd->v[li].end; e = sd->v[e].end) {
			kp = str_of(sd, e, &s->ubuf, &kn);
			if (!has_member(d, o, kp ? kp : "", kn))
				return fail(s, o, "property %s is required "
				    "when \"%s\" is present", shown(s,
				    js_text(sd, e), sd->v[e].len),
				    nd->deps[r].name);
		}
	}
	return 1;
}

static int
check_node(struct schema *s, const struct node *nd, int i)
{
	const struct js_val *v = &s->d->v[i];
	size_t j, hits;

	if (nd->kind == 1)
		return 1;
	if (nd->kind == 2)
		return fail(s, i, "no value is allowed here");
	if (nd->types && !check_type(s, nd, i))
		return 0;
	if (nd->enum_i >= 0 && !check_enum(s, nd, i))
		return 0;
	if (nd->const_i >= 0 && !json_eq(s->d, i, &s->doc, nd->const_i, 0))
		return s->report ? fail(s, i, "must equal %s", shown(s,
		    js_text(&s->doc, nd->const_i), s->doc.v[nd->const_i].len)) :
		    0;
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
			return fail(s, i, "does not match any schema of anyOf");
	}
	if (nd->noneof > 0) {
		for (j = 0, hits = 0; j < nd->noneof && hits < 2; j++)
			hits += (size_t)quietly(s, nd->oneof[j], i);
		if (hits != 1)
			return fail(s, i, hits ? "matches more than one schema "
			    "of oneOf" : "does not match any schema of oneOf");
	}
	if (nd->not != NULL && quietly(s, nd->not, i))
		return fail(s, i, "matches the schema of not");
	if (nd->if_ != NULL) {
		if (quietly(s, nd->if_, i)) {
			if (nd->then_ != NULL && !check(s, nd->then_, i))
				return 0;
		} else if (nd->else_ != NULL && !check(s, nd->else_, i))
			return 0;
	}
	return 1;
}

static int
check(struct schema *s, const struct node *nd, int i)
{
	int r;

	if (++s->depth > MAX_CHECK_DEPTH) {
		s->depth--;
		return fail(s, i, "schema recursion deeper than %d ($ref loop)",
		    MAX_CHECK_DEPTH);
	}
	r = check_node(s, nd, i);
	s->depth--;
	return r;
}

int
schema_check(struct schema *s, const struct js_doc *d, const char **msg,
    const char **path)
{
	s->d = d;
	s->report = 1;
	s->failed = 0;
	s->depth = 0;
	if (check(s, s->nodes[0], 0))
		return 1;
	if (!s->failed) {
		s->fail_at = 0;
		snprintf(s->msg, sizeof(s->msg), "invalid");
	}
	*msg = s->msg;
	*path = path_of(d, s->fail_at, &s->path, &s->ubuf);
	return 0;
}
