/*
 * libFuzzer harness for jq expressions. Input: an expression, a newline,
 * a record. When the scanner accepts the record and the expression takes
 * the fast path, libjq must give the same answer: the same status and
 * type, the same string, the same number by value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jqx.h"

/* The value of a number's text, which need not be NUL-terminated. */
static double
number(const char *p, size_t n)
{
	char tmp[512];

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return strtod(tmp, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct js_doc d;
	const char *nl = memchr(data, '\n', size);
	struct js_err je;
	struct jqx *fast, *slow;
	struct jqx_val a, b;
	char expr[256], err[256], err2[256];
	size_t elen;
	int ra, rb;
	double x, y;

	if (nl == NULL || (elen = (size_t)(nl - (const char *)data)) >=
	    sizeof(expr) || memchr(data, '\0', elen) != NULL)
		return 0;
	memcpy(expr, data, elen);
	expr[elen] = '\0';
	if (js_scan(&d, nl + 1, size - elen - 1, &je) == -1)
		return 0;
	if ((fast = jqx_compile(expr, err, sizeof(err))) == NULL)
		return 0;
	if (!jqx_is_fast(fast) ||
	    (slow = jqx_compile_slow(expr, err, sizeof(err))) == NULL) {
		jqx_free(fast);
		return 0;
	}
	ra = jqx_eval(fast, &d, &a, err, sizeof(err));
	rb = jqx_eval(slow, &d, &b, err2, sizeof(err2));
	if (ra != rb)
		abort();
	if (ra == JQX_OK) {
		if (a.type != b.type)
			abort();
		if (a.type == JS_STRING && (a.slen != b.slen ||
		    memcmp(a.str, b.str, a.slen) != 0))
			abort();
		if (a.type == JS_NUMBER) {
			x = number(a.text, a.len);
			y = number(b.text, b.len);
			if (x != y && !(x != x && y != y))
				abort();
		}
	}
	jqx_free(fast);
	jqx_free(slow);
	return 0;
}
