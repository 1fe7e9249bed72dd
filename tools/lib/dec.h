/*
 * dec: JSON numbers compared exactly, as decimals. A number's text is
 * split into its significant digits and the place of its point, so
 * 9007199254740993 and 9007199254740992 differ and 1.50, 15e-1 and 1.5
 * are equal, whatever a double would make of them. Nothing is
 * allocated: a struct dec points into the text it was parsed from.
 */
#ifndef SLUICE_DEC_H
#define SLUICE_DEC_H

#include <stddef.h>
#include <stdint.h>

struct dec {
	int		 neg, zero;
	const char	*ip, *fp;	/* integer and fraction digits */
	size_t		 il, fl;
	size_t		 lead;		/* leading zeros of ip then fp */
	size_t		 ndig;		/* significant digits, trailing 0s cut */
	int64_t		 pos;		/* value = 0.d1d2... x 10^pos */
};

/*
 * Parse s[0..n), a JSON number (RFC 8259 grammar): 0, or -1 if it is
 * not one. Exponents beyond +-10^15 are clamped.
 */
int	 dec_parse(const char *s, size_t n, struct dec *);
/* <0, 0, >0 as a is less than, equal to, greater than b. */
int	 dec_cmp(const struct dec *a, const struct dec *b);
/* Is the number an integer (1.0 and 1e3 are)? */
int	 dec_is_integer(const struct dec *);
/* Is x an integer multiple of m (m > 0 with at most 19 digits)? */
int	 dec_multiple(const struct dec *x, const struct dec *m);

/* Significant digit k (0 .. ndig - 1), as a number 0-9. */
static inline int
dec_digit(const struct dec *d, size_t k)
{
	size_t i = d->lead + k;

	return i < d->il ? d->ip[i] - '0' : d->fp[i - d->il] - '0';
}

#endif
