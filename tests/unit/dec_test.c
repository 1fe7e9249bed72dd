/*
 * dec_test: exact decimals on a table of number pairs: the sign of
 * dec_cmp, whether the first is an integer and whether it is a multiple
 * of the second. The expected answers are written down by hand.
 */
#include <stdio.h>
#include <string.h>

#include "dec.h"

struct tcase {
	const char	*a, *b;
	int		 cmp;		/* sign of dec_cmp(a, b) */
	int		 integer;	/* dec_is_integer(a) */
	int		 multiple;	/* dec_multiple(a, b); -1: b not > 0 */
};

static const struct tcase cases[] = {
	{ "0", "-0", 0, 1, -1 },
	{ "1.50", "15e-1", 0, 0, 1 },
	{ "1.5", "1.25", 1, 0, 0 },
	{ "9007199254740993", "9007199254740992", 1, 1, 0 },
	{ "-2", "-10", 1, 1, -1 },
	{ "-0.001", "0", -1, 0, -1 },
	{ "100", "1e2", 0, 1, 1 },
	{ "1e3", "0.5", 1, 1, 1 },
	{ "1E+3", "7", 1, 1, 0 },
	{ "0.3", "0.1", 1, 0, 1 },
	{ "0.35", "0.1", 1, 0, 0 },
	{ "4.0e-1", "0.01", 1, 0, 1 },
	{ "12.30", "0.01", 1, 0, 1 },
	{ "12.301", "0.01", 1, 0, 0 },
	{ "1e400", "3", 1, 1, 0 },
	{ "3e400", "3", 1, 1, 1 },
	{ "123456789012345678901234567890", "3", 1, 1, 1 },
	{ "1e-400", "1e-401", 1, 0, 1 },
	{ "1e-401", "1e-400", -1, 0, 0 },
	{ "0.000", "0.7", -1, 1, 1 },
	{ "-7.7", "1.1", -1, 0, 1 },
};

int
main(void)
{
	const struct tcase *t;
	struct dec a, b;
	size_t i;
	int fails = 0, c, m;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = &cases[i];
		if (dec_parse(t->a, strlen(t->a), &a) == -1 ||
		    dec_parse(t->b, strlen(t->b), &b) == -1) {
			fprintf(stderr, "%s, %s: not parsed\n", t->a, t->b);
			fails++;
			continue;
		}
		c = dec_cmp(&a, &b);
		c = (c > 0) - (c < 0);
		m = b.zero || b.neg ? -1 : dec_multiple(&a, &b);
		if (c != t->cmp || dec_is_integer(&a) != t->integer ||
		    m != t->multiple) {
			fprintf(stderr, "%s, %s: cmp %d integer %d multiple "
			    "%d\n", t->a, t->b, c, dec_is_integer(&a), m);
			fails++;
		}
	}
	if (fails)
		fprintf(stderr, "dec_test: %d failed\n", fails);
	return fails != 0;
}
