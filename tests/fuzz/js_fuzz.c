/*
 * libFuzzer harness for the JSON scanner. Differential: js_scan must
 * accept exactly what ref_valid, a plain recursive-descent validator
 * written independently for this test, accepts; on acceptance the tape
 * must be well formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "js.h"
#include "utf8.h"

struct ref {
	const unsigned char *p, *e;
	int depth;
};

static int ref_value(struct ref *);

static void
ref_ws(struct ref *r)
{
	while (r->p < r->e && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(const unsigned char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return 0;
		*v = *v << 4 | d;
	}
	return 1;
}

static int
ref_string(struct ref *r)
{
	unsigned u, lo;
	size_t k;

	r->p++;
	while (r->p < r->e) {
		if (*r->p == '"') {
			r->p++;
			return 1;
		}
		if (*r->p < 0x20)
			return 0;
		if (*r->p == '\\') {
			if (r->e - r->p < 2)
				return 0;
			switch (r->p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				r->p += 2;
				continue;
			case 'u':
				if (r->e - r->p < 6 || !hex4(r->p + 2, &u))
					return 0;
				r->p += 6;
				if (u >= 0xdc00 && u <= 0xdfff)
					return 0;
				if (u >= 0xd800 && u <= 0xdbff) {
					if (r->e - r->p < 6 || r->p[0] != '\\' ||
					    r->p[1] != 'u' || !hex4(r->p + 2, &lo) ||
					    lo < 0xdc00 || lo > 0xdfff)
						return 0;
					r->p += 6;
				}
				continue;
			default:
				return 0;
			}
		}
		if ((k = utf8_seqlen(r->p, (size_t)(r->e - r->p))) == 0)
			return 0;
		r->p += k;
	}
	return 0;
}

static int
digits(struct ref *r)
{
	const unsigned char *s = r->p;

	while (r->p < r->e && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s;
}

static int
ref_number(struct ref *r)
{
	if (*r->p == '-')
		r->p++;
	if (r->p >= r->e)
		return 0;
	if (*r->p == '0')
		r->p++;
	else if (!digits(r))
		return 0;
	if (r->p < r->e && *r->p == '.') {
		r->p++;
		if (!digits(r))
			return 0;
	}
	if (r->p < r->e && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->e && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!digits(r))
			return 0;
	}
	return 1;
}

static int
lit(struct ref *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->e - r->p) < n || memcmp(r->p, w, n) != 0)
		return 0;
	r->p += n;
	return 1;
}

static int
ref_container(struct ref *r, int obj)
{
	unsigned char close = obj ? '}' : ']';

	if (++r->depth > JS_MAX_DEPTH)
		return 0;
	r->p++;
	ref_ws(r);
	if (r->p < r->e && *r->p == close) {
		r->p++;
		r->depth--;
		return 1;
	}
	for (;;) {
		if (obj) {
			ref_ws(r);
			if (r->p >= r->e || *r->p != '"' || !ref_string(r))
				return 0;
			ref_ws(r);
			if (r->p >= r->e || *r->p++ != ':')
				return 0;
		}
		if (!ref_value(r))
			return 0;
		if (r->p >= r->e)
			return 0;
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == close) {
			r->p++;
			r->depth--;
			return 1;
		}
		return 0;
	}
}

static int
ref_value(struct ref *r)
{
	int ok;

	ref_ws(r);
	if (r->p >= r->e)
		return 0;
	switch (*r->p) {
	case '{': ok = ref_container(r, 1); break;
	case '[': ok = ref_container(r, 0); break;
	case '"': ok = ref_string(r); break;
	case 't': ok = lit(r, "true"); break;
	case 'f': ok = lit(r, "false"); break;
	case 'n': ok = lit(r, "null"); break;
	default: ok = (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) &&
	    ref_number(r);
	}
	ref_ws(r);
	return ok;
}

static int
ref_valid(const uint8_t *p, size_t n)
{
	struct ref r = { p, p + n, 0 };

	return ref_value(&r) && r.p == r.e;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct js_doc d;
	struct js_err e;
	int ours, theirs;
	size_t i;

	ours = js_scan(&d, (const char *)data, size, &e) == 0;
	theirs = ref_valid(data, size);
	if (ours != theirs)
		abort();
	if (!ours)
		return 0;
	for (i = 0; i < d.n; i++)
		if (d.v[i].end <= i || d.v[i].end > d.n ||
		    (size_t)d.v[i].off + d.v[i].len > size)
			abort();
	return 0;
}
