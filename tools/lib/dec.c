/*
 * dec: JSON numbers compared exactly (see dec.h).
 */
#include <string.h>

#include "dec.h"

static uint64_t	 dec_mantissa(const struct dec *);

/*
 * A JSON number (RFC 8259 grammar): 0, or -1 if s is not one. Exponents
 * beyond +-10^15 are clamped: no such number can be told apart by a
 * watermark anyway.
 */
int
dec_parse(const char *s, size_t n, struct dec *d)
{
	const char *e = s + n;
	int64_t x = 0;
	int xneg = 0;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (s < e && *s == '-') {
		d->neg = 1;
		s++;
	}
	d->ip = s;
	while (s < e && *s >= '0' && *s <= '9')
		s++;
	d->il = (size_t)(s - d->ip);
	if (d->il == 0 || (d->il > 1 && d->ip[0] == '0'))
		return -1;
	if (s < e && *s == '.') {
		d->fp = ++s;
		while (s < e && *s >= '0' && *s <= '9')
			s++;
		d->fl = (size_t)(s - d->fp);
		if (d->fl == 0)
			return -1;
	}
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < e && (*s == '+' || *s == '-'))
			xneg = *s++ == '-';
		if (s == e)
			return -1;
		while (s < e && *s >= '0' && *s <= '9') {
			if (x < INT64_C(1000000000000000))
				x = x * 10 + (*s - '0');
			s++;
		}
		if (s[-1] < '0' || s[-1] > '9')
			return -1;
	}
	if (s != e)
		return -1;
	/* Significant digits: skip leading zeros, cut trailing ones. */
	d->ndig = d->il + d->fl;
	while (d->lead < d->ndig && dec_digit(d, 0) == 0)
		d->lead++;
	d->ndig -= d->lead;
	while (d->ndig > 0 && dec_digit(d, d->ndig - 1) == 0)
		d->ndig--;
	if (d->ndig == 0) {
		d->zero = 1;
		d->neg = 0;
		return 0;
	}
	i = d->lead;
	d->pos = (int64_t)d->il - (int64_t)i + (xneg ? -x : x);
	return 0;
}

int
dec_cmp(const struct dec *a, const struct dec *b)
{
	int sa = a->zero ? 0 : a->neg ? -1 : 1;
	int sb = b->zero ? 0 : b->neg ? -1 : 1;
	size_t k;
	int m = 0;

	if (sa != sb)
		return (sa > sb) - (sa < sb);
	if (sa == 0)
		return 0;
	if (a->pos != b->pos)
		m = a->pos > b->pos ? 1 : -1;
	else {
		for (k = 0; k < a->ndig && k < b->ndig && m == 0; k++)
			m = dec_digit(a, k) - dec_digit(b, k);
		if (m == 0)
			m = (a->ndig > b->ndig) - (a->ndig < b->ndig);
		m = (m > 0) - (m < 0);
	}
	return sa < 0 ? -m : m;
}

int
dec_is_integer(const struct dec *d)
{
	return d->zero || (int64_t)d->ndig <= d->pos;
}

/* The significant digits of m as an integer (at most 19 of them). */
static uint64_t
dec_mantissa(const struct dec *m)
{
	uint64_t v = 0;
	size_t k;

	for (k = 0; k < m->ndig; k++)
		v = v * 10 + (uint64_t)dec_digit(m, k);
	return v;
}

/*
 * With x = X * 10^ex and m = M * 10^em, x/m = X * 10^(ex-em) / M,
 * computed modulo M: exact for any exponent, never overflows.
 */
int
dec_multiple(const struct dec *x, const struct dec *m)
{
	unsigned __int128 r = 0, base = 10, pw = 1;
	uint64_t mm = dec_mantissa(m);
	int64_t ex, em, k;
	size_t i;

	if (x->zero)
		return 1;
	ex = x->pos - (int64_t)x->ndig;
	em = m->pos - (int64_t)m->ndig;
	k = ex - em;
	if (k < 0)
		return 0;	/* X has no trailing zeros to absorb 10^-k */
	for (i = 0; i < x->ndig; i++)
		r = (r * 10 + (unsigned)dec_digit(x, i)) % mm;
	for (base %= mm; k > 0; k >>= 1) {
		if (k & 1)
			pw = pw * base % mm;
		base = base * base % mm;
	}
	return r * pw % mm == 0;
}
