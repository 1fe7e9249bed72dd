/* buf: growable byte buffer and checked allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"

static void
oom(void)
{
	static const char msg[] = "sluice: out of memory\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(EX_SOFTWARE);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

void
buf_enlarge(struct buf *b, size_t n)
{
	size_t cap;

	cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n) {
		if (cap > SIZE_MAX / 2)
			oom();
		cap *= 2;
	}
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_add_i64(struct buf *b, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *p = e;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(e - p));
}

#define ONES		0x0101010101010101ULL
#define HIGHS		0x8080808080808080ULL
#define ZERO_BYTES(v)	(((v) - ONES) & ~(v) & HIGHS)

/*
 * Length of the longest prefix of s without a control byte, '\\', DEL
 * or (unless quotes) '"'. Eight bytes at a time.
 */
static inline size_t
plain_span(const char *s, size_t n, int quotes)
{
	uint64_t w;
	size_t i = 0;
	unsigned char ch;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if ((((w - ONES * 0x20) & ~w & HIGHS) |
		    (quotes ? 0 : ZERO_BYTES(w ^ (ONES * '"'))) |
		    ZERO_BYTES(w ^ (ONES * '\\')) |
		    ZERO_BYTES(w ^ (ONES * 0x7f))) != 0)
			break;
	}
	for (; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch < 0x20 || (ch == '"' && !quotes) || ch == '\\' ||
		    ch == 0x7f)
			break;
	}
	return i;
}

size_t
buf_jstr_plain(const char *s, size_t n)
{
	return plain_span(s, n, 0);
}

size_t
buf_jstr_plain_quotes(const char *s, size_t n)
{
	return plain_span(s, n, 1);
}

/*
 * Append s as a JSON string in jq -c style: quotes, backslash and the
 * short escapes \b \f \n \r \t; other C0 controls and DEL as \u00XX;
 * everything else (UTF-8 included) as is. The caller guarantees valid
 * UTF-8.
 */
void
buf_add_jstr(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	const unsigned char *run;

	buf_grow(b, n + 2);
	b->p[b->len++] = '"';
	while (p < e) {
		run = p;
		p += buf_jstr_plain((const char *)p, (size_t)(e - p));
		buf_add(b, run, (size_t)(p - run));
		if (p == e)
			break;
		buf_grow(b, 6);
		b->p[b->len++] = '\\';
		switch (*p) {
		case '"':  b->p[b->len++] = '"'; break;
		case '\\': b->p[b->len++] = '\\'; break;
		case '\b': b->p[b->len++] = 'b'; break;
		case '\f': b->p[b->len++] = 'f'; break;
		case '\n': b->p[b->len++] = 'n'; break;
		case '\r': b->p[b->len++] = 'r'; break;
		case '\t': b->p[b->len++] = 't'; break;
		default:
			b->p[b->len++] = 'u';
			b->p[b->len++] = '0';
			b->p[b->len++] = '0';
			b->p[b->len++] = hex[*p >> 4];
			b->p[b->len++] = hex[*p & 15];
		}
		p++;
	}
	buf_addc(b, '"');
}

/* Append the standard base64 (RFC 4648, padded) of p. */
void
buf_add_b64(struct buf *b, const void *v, size_t n)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = v;
	size_t i;
	uint32_t w;

	buf_grow(b, (n + 2) / 3 * 4);
	for (i = 0; i + 2 < n; i += 3) {
		w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		b->p[b->len++] = al[w >> 18];
		b->p[b->len++] = al[w >> 12 & 63];
		b->p[b->len++] = al[w >> 6 & 63];
		b->p[b->len++] = al[w & 63];
	}
	if (i < n) {
		w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		b->p[b->len++] = al[w >> 18];
		b->p[b->len++] = al[w >> 12 & 63];
		b->p[b->len++] = i + 1 < n ? al[w >> 6 & 63] : '=';
		b->p[b->len++] = '=';
	}
}

/* NUL-terminate the contents (not counted in len) and return them. */
char *
buf_cstr(struct buf *b)
{
	buf_grow(b, 1);
	b->p[b->len] = '\0';
	return b->p;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
