/* js: strict, zero-copy JSON scanner (RFC 8259) with a flat value index. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "js.h"
#include "utf8.h"

static void	 grow_tape(struct js_doc *);
static int	 fail(struct js_err *, const unsigned char *, const unsigned char *,
		    const char *);
static int	 hex4(const unsigned char *, unsigned *);
static const unsigned char *scan_string(const unsigned char *,
		    const unsigned char *, int *, const unsigned char **,
		    const char **);
static const unsigned char *scan_number(const unsigned char *,
		    const unsigned char *, const unsigned char **,
		    const char **);
static size_t	 decode_escape(const unsigned char *, char out[4], size_t *);

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Skip JSON whitespace: space, tab, LF, CR. */
#define SKIP_WS(p, end) do {						\
	while ((p) < (end) && *(p) <= ' ' &&				\
	    (*(p) == ' ' || *(p) == '\n' || *(p) == '\r' || *(p) == '\t')) \
		(p)++;							\
} while (0)

/*
 * The scanner is one loop over a state held in program position (gotos)
 * and an explicit stack of open containers, so nesting costs no
 * recursion and 100 000 '[' fail at the depth limit after 257 bytes.
 * It is long on purpose: its states are labels of one function, and
 * split into functions they would have to pass the stack around.
 */
int
js_scan(struct js_doc *d, const char *s, size_t n, struct js_err *e)
{
	const unsigned char *base = (const unsigned char *)s;
	const unsigned char *p = base, *end = base + n, *q, *ep;
	uint32_t stack[JS_MAX_DEPTH];
	int depth = 0, escaped;
	size_t nv = 0;
	struct js_val *v, *cur;
	const char *why;

	d->src = s;
	d->srclen = n;
	d->n = 0;
	if (n >= UINT32_MAX) {
		e->col = 1;
		snprintf(e->msg, sizeof(e->msg), "text longer than 4 GiB");
		return -1;
	}
	if (d->cap < 16)
		grow_tape(d);
	v = d->v;

value:
	SKIP_WS(p, end);
	if (p == end) {
		if (depth == 0)
			return fail(e, base, p, nv == 0 ? "empty input" :
			    "unexpected end of input");
		return fail(e, base, p, v[stack[depth - 1]].type == JS_ARRAY ?
		    "unterminated array" : "unterminated object");
	}
	if (nv == d->cap) {
		grow_tape(d);
		v = d->v;
	}
	cur = &v[nv];
	cur->off = (uint32_t)(p - base);
	switch (*p) {
	case '"':
		if ((q = scan_string(p, end, &escaped, &ep, &why)) == NULL)
			goto bad;
		cur->type = JS_STRING;
		cur->n = (uint32_t)escaped;
		cur->len = (uint32_t)(q - p);
		cur->end = (uint32_t)++nv;
		p = q;
		goto after;
	case '{':
	case '[':
		if (depth == JS_MAX_DEPTH)
			return fail(e, base, p, "nesting deeper than 256");
		cur->type = *p == '{' ? JS_OBJECT : JS_ARRAY;
		cur->n = 0;
		stack[depth++] = (uint32_t)nv++;
		p++;
		SKIP_WS(p, end);
		if (p < end && *p == (cur->type == JS_OBJECT ? '}' : ']')) {
			p++;
			goto close;
		}
		if (cur->type == JS_OBJECT)
			goto key;
		goto value;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if ((q = scan_number(p, end, &ep, &why)) == NULL)
			goto bad;
		cur->type = JS_NUMBER;
		break;
	case 't':
		if (end - p < 4 || memcmp(p, "true", 4) != 0)
			return fail(e, base, p, "invalid literal");
		cur->type = JS_TRUE;
		q = p + 4;
		break;
	case 'f':
		if (end - p < 5 || memcmp(p, "false", 5) != 0)
			return fail(e, base, p, "invalid literal");
		cur->type = JS_FALSE;
		q = p + 5;
		break;
	case 'n':
		if (end - p < 4 || memcmp(p, "null", 4) != 0)
			return fail(e, base, p, "invalid literal");
		cur->type = JS_NULL;
		q = p + 4;
		break;
	default:
		if (p == base && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			return fail(e, base, p, "byte order mark not allowed here");
		return fail(e, base, p, "expected a value");
	}
	cur->n = 0;
	cur->len = (uint32_t)(q - p);
	cur->end = (uint32_t)++nv;
	p = q;
	goto after;

key:
	/* p is at the first non-blank byte where a member must start. */
	if (p == end)
		return fail(e, base, p, "unterminated object");
	if (*p != '"')
		return fail(e, base, p, "expected '\"' to start a member name");
	if (nv == d->cap) {
		grow_tape(d);
		v = d->v;
	}
	if ((q = scan_string(p, end, &escaped, &ep, &why)) == NULL)
		goto bad;
	cur = &v[nv];
	cur->off = (uint32_t)(p - base);
	cur->type = JS_STRING;
	cur->n = (uint32_t)escaped;
	cur->len = (uint32_t)(q - p);
	cur->end = (uint32_t)++nv;
	p = q;
	SKIP_WS(p, end);
	if (p == end)
		return fail(e, base, p, "unterminated object");
	if (*p != ':')
		return fail(e, base, p, "expected ':'");
	p++;
	goto value;

close:
	/* p is just past the closing bracket of the innermost container. */
	cur = &v[stack[--depth]];
	cur->len = (uint32_t)(p - base) - cur->off;
	cur->end = (uint32_t)nv;

after:
	/* A value ended at p: what may follow depends on the container. */
	SKIP_WS(p, end);
	if (depth == 0) {
		if (p != end)
			return fail(e, base, p,
			    "trailing characters after the value");
		d->n = nv;
		return 0;
	}
	cur = &v[stack[depth - 1]];
	cur->n++;
	if (cur->type == JS_ARRAY) {
		if (p == end)
			return fail(e, base, p, "unterminated array");
		if (*p == ',') {
			p++;
			goto value;
		}
		if (*p == ']') {
			p++;
			goto close;
		}
		return fail(e, base, p, "expected ',' or ']'");
	}
	if (p == end)
		return fail(e, base, p, "unterminated object");
	if (*p == ',') {
		p++;
		SKIP_WS(p, end);
		goto key;
	}
	if (*p == '}') {
		p++;
		goto close;
	}
	return fail(e, base, p, "expected ',' or '}'");

bad:
	return fail(e, base, ep, why);
}

/* Double the index (fatal on out of memory, like every xrealloc). */
static void
grow_tape(struct js_doc *d)
{
	size_t cap = d->cap ? d->cap * 2 : 64;

	d->v = xrealloc(d->v, cap * sizeof(*d->v));
	d->cap = cap;
}

static int
fail(struct js_err *e, const unsigned char *base, const unsigned char *at,
    const char *why)
{
	e->col = (size_t)(at - base) + 1;
	snprintf(e->msg, sizeof(e->msg), "%s", why);
	return -1;
}

/* Four hex digits at p into *cp; -1 if one is not a hex digit. */
static int
hex4(const unsigned char *p, unsigned *cp)
{
	unsigned v = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		if ((c = hexval(p[i])) == -1)
			return -1;
		v = v << 4 | (unsigned)c;
	}
	*cp = v;
	return 0;
}

/*
 * Scan the string whose opening quote is at p; return the position just
 * past its closing quote, or NULL with *ep and *why set. *escaped tells
 * whether it holds a backslash escape. Runs of plain ASCII (no quote,
 * backslash, control character or high bit) are skipped eight bytes at
 * a time: the lowest flagged byte of a word is always a real special
 * byte, since a borrow only starts at one.
 */
static const unsigned char *
scan_string(const unsigned char *p, const unsigned char *end, int *escaped,
    const unsigned char **ep, const char **why)
{
	const unsigned char *q = p + 1;
	unsigned cp, lo, c;
	size_t k;

	*escaped = 0;
	for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		uint64_t w, m;

		while (end - q >= 8) {
			memcpy(&w, q, 8);
			m = (w - ONES * 0x20) | ((w ^ (ONES * '"')) - ONES) |
			    ((w ^ (ONES * '\\')) - ONES) | w;
			if ((m &= HIGHS) != 0) {
				q += __builtin_ctzll(m) >> 3;
				goto special;
			}
			q += 8;
		}
#endif
		while (q < end && *q >= 0x20 && *q < 0x80 && *q != '"' &&
		    *q != '\\')
			q++;
		if (q == end) {
			*ep = p;
			*why = "unterminated string";
			return NULL;
		}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
special:
#endif
		c = *q;
		if (c == '"')
			return q + 1;
		if (c >= 0x80) {
			if ((k = utf8_seqlen(q, (size_t)(end - q))) == 0) {
				*ep = q;
				*why = "invalid UTF-8";
				return NULL;
			}
			q += k;
			continue;
		}
		if (c < 0x20) {
			*ep = q;
			*why = "unescaped control character in string";
			return NULL;
		}
		/* A backslash escape. */
		*escaped = 1;
		if (end - q < 2) {
			*ep = p;
			*why = "unterminated string";
			return NULL;
		}
		switch (q[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			q += 2;
			continue;
		case 'u':
			break;
		default:
			*ep = q;
			*why = "invalid escape";
			return NULL;
		}
		if (end - q < 6 || hex4(q + 2, &cp) == -1) {
			*ep = q;
			*why = "invalid \\u escape";
			return NULL;
		}
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			*ep = q;
			*why = "lone low surrogate escape";
			return NULL;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - q < 12 || q[6] != '\\' || q[7] != 'u' ||
			    hex4(q + 8, &lo) == -1 || lo < 0xdc00 ||
			    lo > 0xdfff) {
				*ep = q;
				*why = "high surrogate escape without a low "
				    "surrogate escape";
				return NULL;
			}
			q += 12;
		} else
			q += 6;
	}
}

#define IS_DIGIT(c)	((unsigned)(c) - '0' < 10)

/* Scan the number at p (RFC 8259 §6); the byte after it, or NULL. */
static const unsigned char *
scan_number(const unsigned char *p, const unsigned char *end,
    const unsigned char **ep, const char **why)
{
	const unsigned char *q = p;

	if (*q == '-')
		q++;
	if (q == end || !IS_DIGIT(*q)) {
		*ep = q;
		*why = "invalid number";
		return NULL;
	}
	if (*q == '0') {
		q++;
		if (q < end && IS_DIGIT(*q)) {
			*ep = p;
			*why = "leading zero in number";
			return NULL;
		}
	} else
		while (q < end && IS_DIGIT(*q))
			q++;
	if (q < end && *q == '.') {
		q++;
		if (q == end || !IS_DIGIT(*q)) {
			*ep = q;
			*why = "expected a digit after '.'";
			return NULL;
		}
		while (q < end && IS_DIGIT(*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q == end || !IS_DIGIT(*q)) {
			*ep = q;
			*why = "expected a digit in the exponent";
			return NULL;
		}
		while (q < end && IS_DIGIT(*q))
			q++;
	}
	return q;
}

void
js_free(struct js_doc *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

/*
 * Decode the escape at p (a backslash, already validated) into out;
 * return the bytes written (1..4) and set *used to the bytes consumed.
 */
static size_t
decode_escape(const unsigned char *p, char out[4], size_t *used)
{
	unsigned cp = 0, lo = 0xdc00;

	*used = 2;
	switch (p[1]) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = (char)p[1]; return 1;
	}
	hex4(p + 2, &cp);
	*used = 6;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		hex4(p + 8, &lo);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		*used = 12;
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int
js_str_eq(const struct js_doc *d, int i, const char *s, size_t n)
{
	const struct js_val *v = &d->v[i];
	const unsigned char *p, *e, *bs;
	char out[4];
	size_t j = 0, k, used, r;

	if (v->type != JS_STRING)
		return 0;
	p = (const unsigned char *)d->src + v->off + 1;
	e = p + v->len - 2;
	if (!v->n)
		return (size_t)(e - p) == n && memcmp(p, s, n) == 0;
	while (p < e) {
		if (*p == '\\') {
			k = decode_escape(p, out, &used);
			if (n - j < k || memcmp(s + j, out, k) != 0)
				return 0;
			j += k;
			p += used;
			continue;
		}
		bs = memchr(p, '\\', (size_t)(e - p));
		r = (size_t)((bs ? bs : e) - p);
		if (n - j < r || memcmp(s + j, p, r) != 0)
			return 0;
		j += r;
		p += r;
	}
	return j == n;
}

int
js_get(const struct js_doc *d, int o, const char *key, size_t n)
{
	const struct js_val *v = d->v;
	const char *src = d->src;
	uint32_t k, m, cnt;
	int found = -1;

	if (o < 0 || (size_t)o >= d->n || v[o].type != JS_OBJECT)
		return -1;
	cnt = v[o].n;
	k = (uint32_t)o + 1;
	for (m = 0; m < cnt; m++) {
		if (v[k].n == 0) {
			if (v[k].len - 2 == n &&
			    memcmp(src + v[k].off + 1, key, n) == 0)
				found = (int)k + 1;
		} else if (js_str_eq(d, (int)k, key, n))
			found = (int)k + 1;
		k = v[k + 1].end;
	}
	return found;
}

int
js_index(const struct js_doc *d, int a, long i)
{
	const struct js_val *v = d->v;
	uint32_t k;

	if (a < 0 || (size_t)a >= d->n || v[a].type != JS_ARRAY)
		return -1;
	if (i < 0)
		i += (long)v[a].n;
	if (i < 0 || i >= (long)v[a].n)
		return -1;
	for (k = (uint32_t)a + 1; i > 0; i--)
		k = v[k].end;
	return (int)k;
}

void
js_str(const struct js_doc *d, int i, struct buf *b)
{
	const struct js_val *v = &d->v[i];
	const unsigned char *p, *e, *bs;
	char out[4];
	size_t k, used;

	if (v->type != JS_STRING) {
		buf_add(b, d->src + v->off, v->len);
		return;
	}
	p = (const unsigned char *)d->src + v->off + 1;
	e = p + v->len - 2;
	if (!v->n) {
		buf_add(b, p, (size_t)(e - p));
		return;
	}
	while (p < e) {
		if (*p == '\\') {
			k = decode_escape(p, out, &used);
			buf_add(b, out, k);
			p += used;
			continue;
		}
		bs = memchr(p, '\\', (size_t)(e - p));
		if (bs == NULL)
			bs = e;
		buf_add(b, p, (size_t)(bs - p));
		p = bs;
	}
}

int
js_num(const struct js_doc *d, int i, double *out)
{
	const struct js_val *v = &d->v[i];
	char tmp[64], *s, *endp;
	int rc;

	if (v->type != JS_NUMBER)
		return -1;
	s = v->len < sizeof(tmp) ? tmp : xmalloc((size_t)v->len + 1);
	memcpy(s, d->src + v->off, v->len);
	s[v->len] = '\0';
	errno = 0;
	*out = strtod(s, &endp);
	rc = errno == ERANGE ? 1 : 0;
	if (s != tmp)
		free(s);
	return rc;
}

int
js_int64(const struct js_doc *d, int i, int64_t *out)
{
	const struct js_val *v = &d->v[i];
	const unsigned char *p, *e;
	uint64_t u = 0, lim;
	int neg;

	if (v->type != JS_NUMBER)
		return -1;
	p = (const unsigned char *)d->src + v->off;
	e = p + v->len;
	neg = *p == '-';
	p += neg;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		if (!IS_DIGIT(*p))
			return -1;
		if (u > (lim - (*p - '0')) / 10)
			return -1;
		u = u * 10 + (*p - '0');
	}
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

const char *
js_type_name(int type)
{
	switch (type) {
	case JS_NULL:	return "null";
	case JS_FALSE:
	case JS_TRUE:	return "boolean";
	case JS_NUMBER:	return "number";
	case JS_STRING:	return "string";
	case JS_ARRAY:	return "array";
	case JS_OBJECT:	return "object";
	}
	return "invalid";
}

const char *
js_strerror(const struct js_err *e, char *buf, size_t n)
{
	snprintf(buf, n, "invalid JSON at column %zu: %s", e->col, e->msg);
	return buf;
}
