/*
 * val: canonical JSON values for rollup. A value is kept as its jq -c
 * text: strings re-escaped the way buf_add_jstr does, integers with
 * every digit, other numbers in their shortest round-trip form. Values
 * are ordered as jq sorts them (null < false < true < numbers < strings
 * < arrays < objects); arrays and objects compare by their text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollup.h"

static int	 is_int_literal(const char *, size_t);
static int	 rank(const char *, size_t);
static int	 str_next(const char **, const char *);

/* Append the canonical text of value i of a scanned document. */
void
val_canon(struct buf *b, const struct js_doc *d, int i, struct scratch *sc)
{
	const struct js_val *v = &d->v[i];
	int j;

	switch (v->type) {
	case JS_STRING:
		if (v->n == 0 && memchr(js_text(d, i), 0x7f, v->len) == NULL) {
			buf_add(b, js_text(d, i), v->len);
			break;
		}
		buf_reset(&sc->str);
		js_str(d, i, &sc->str);
		buf_add_jstr(b, sc->str.p, sc->str.len);
		break;
	case JS_NUMBER:
		val_num_canon(b, js_text(d, i), v->len);
		break;
	case JS_ARRAY:
		buf_addc(b, '[');
		for (j = i + 1; j < (int)v->end; j = (int)d->v[j].end) {
			if (j > i + 1)
				buf_addc(b, ',');
			val_canon(b, d, j, sc);
		}
		buf_addc(b, ']');
		break;
	case JS_OBJECT:
		buf_addc(b, '{');
		for (j = i + 1; j < (int)v->end; j = (int)d->v[j + 1].end) {
			if (j > i + 1)
				buf_addc(b, ',');
			val_canon(b, d, j, sc);
			buf_addc(b, ':');
			val_canon(b, d, j + 1, sc);
		}
		buf_addc(b, '}');
		break;
	default:
		buf_add(b, js_text(d, i), v->len);
	}
}

/*
 * Append the canonical text of a value given as JSON text (and, for a
 * string, its decoded contents). 0, or -1 if the text is not JSON.
 */
int
val_canon_text(struct buf *b, int type, const char *text, size_t len,
    const char *str, size_t slen, struct scratch *sc)
{
	struct js_err e;

	switch (type) {
	case JS_STRING:
		buf_add_jstr(b, str, slen);
		return 0;
	case JS_NUMBER:
		val_num_canon(b, text, len);
		return 0;
	case JS_ARRAY:
	case JS_OBJECT:
		if (js_scan(&sc->doc, text, len, &e) == -1)
			return -1;
		val_canon(b, &sc->doc, 0, sc);
		return 0;
	default:
		buf_add(b, text, len);
		return 0;
	}
}

static int
is_int_literal(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 0 && s[0] == '-')
		i++;
	if (i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Integers keep their digits; 1.50 becomes 1.5 and 1e2 becomes 100. */
void
val_num_canon(struct buf *b, const char *s, size_t n)
{
	char tmp[512];

	if (is_int_literal(s, n) || n >= sizeof(tmp)) {
		buf_add(b, s, n);
		return;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	val_add_double(b, strtod(tmp, NULL));
}

/* An integer literal of at most 38 digits: 0 and *out; else -1. */
int
val_parse_int(const char *s, size_t n, __int128 *out)
{
	__int128 v = 0;
	size_t i = 0;
	int neg = 0;

	if (!is_int_literal(s, n))
		return -1;
	if (s[0] == '-') {
		neg = 1;
		i++;
	}
	if (n - i > 38)
		return -1;
	for (; i < n; i++)
		v = v * 10 + (s[i] - '0');
	*out = neg ? -v : v;
	return 0;
}

void
val_add_i128(struct buf *b, __int128 v)
{
	char d[48];
	size_t i = sizeof(d);
	unsigned __int128 u = v < 0 ? -(unsigned __int128)v :
	    (unsigned __int128)v;

	do {
		d[--i] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u != 0);
	if (v < 0)
		d[--i] = '-';
	buf_add(b, d + i, sizeof(d) - i);
}

/*
 * A double as jq -c prints it: integral values below 1e17 as integers,
 * others in the shortest %g form that reads back to the same double.
 * Infinities and NaN have no JSON form and print as null.
 */
void
val_add_double(struct buf *b, double x)
{
	char s[40];
	int p;

	if (!isfinite(x)) {
		buf_adds(b, "null");
		return;
	}
	if (x == floor(x) && fabs(x) < 1e17) {
		snprintf(s, sizeof(s), "%.0f", x);
		buf_adds(b, s);
		return;
	}
	for (p = 15; p < 17; p++) {
		snprintf(s, sizeof(s), "%.*g", p, x);
		if (strtod(s, NULL) == x)
			break;
	}
	if (p == 17)
		snprintf(s, sizeof(s), "%.17g", x);
	buf_adds(b, s);
}

static int
rank(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	switch (s[0]) {
	case 'n': return 0;
	case 'f': return 1;
	case 't': return 2;
	case '"': return 4;
	case '[': return 5;
	case '{': return 6;
	default: return 3;
	}
}

/* Compare two canonical values in jq's order. */
int
val_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	__int128 ia, ib;
	char ta[512], tb[512];
	double da, db;
	int ra = rank(a, an), rb = rank(b, bn), r;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (ra) {
	case 3:
		if (val_parse_int(a, an, &ia) == 0 &&
		    val_parse_int(b, bn, &ib) == 0)
			return ia < ib ? -1 : ia > ib;
		if (an >= sizeof(ta) || bn >= sizeof(tb))
			break;
		memcpy(ta, a, an);
		ta[an] = '\0';
		memcpy(tb, b, bn);
		tb[bn] = '\0';
		da = strtod(ta, NULL);
		db = strtod(tb, NULL);
		return da < db ? -1 : da > db;
	case 4:
		return val_cmp_str(a, an, b, bn);
	}
	r = memcmp(a, b, an < bn ? an : bn);
	if (r != 0)
		return r < 0 ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

/* Next decoded byte of a canonical string body; -1 at its end. */
static int
str_next(const char **pp, const char *e)
{
	const char *p = *pp;
	int c;

	if (p >= e)
		return -1;
	if (*p != '\\') {
		*pp = p + 1;
		return (unsigned char)*p;
	}
	switch (p[1]) {
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'n': c = '\n'; break;
	case 'r': c = '\r'; break;
	case 't': c = '\t'; break;
	case 'u':
		c = (int)strtol((char[]){ p[2], p[3], p[4], p[5], 0 }, NULL,
		    16);
		*pp = p + 6;
		return c & 0xff;
	default: c = (unsigned char)p[1];
	}
	*pp = p + 2;
	return c;
}

/* Compare two canonical strings (with quotes) by their decoded bytes. */
int
val_cmp_str(const char *a, size_t an, const char *b, size_t bn)
{
	const char *ae = a + an - 1, *be = b + bn - 1;
	int ca, cb;

	a++;
	b++;
	for (;;) {
		ca = str_next(&a, ae);
		cb = str_next(&b, be);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca == -1)
			return 0;
	}
}
