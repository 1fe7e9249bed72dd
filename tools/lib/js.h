/*
 * js: the strict, zero-copy JSON scanner.
 *
 * js_scan validates one JSON text (RFC 8259: strict grammar, strict UTF-8,
 * no NaN/Infinity, no leading zeros, no raw control characters, no lone
 * surrogate escapes, depth <= JS_MAX_DEPTH) and fills a flat index of its
 * values ("tape") in a caller-owned struct js_doc. Nothing is copied: each
 * value records its byte span in the caller's text, which must outlive
 * the doc's use. A doc is reused from record to record; its storage grows
 * once and is released by js_free.
 *
 * Layout: values are numbered in document order. Value 0 is the root. A
 * container at index i is followed by its contents; v[i].end is the index
 * just past its last descendant (so the next sibling of i is v[i].end).
 * Object contents alternate key (a JS_STRING) and value: the first key of
 * object o is o + 1, the value of key k is k + 1, and the next key is
 * v[k + 1].end. Keys stay in source order; duplicates are all kept (js_get
 * returns the last, as jq does).
 *
 * The text is bytes with a length: NUL bytes are data (and rejected as
 * JSON). Whitespace (space, tab, LF, CR) may surround the value. A UTF-8
 * byte order mark is rejected ("byte order mark not allowed here"):
 * skipping one at the start of a stream is the stream reader's job
 * (rec_in does it), never the scanner's. Texts of 4 GiB or more are
 * refused (offsets are 32 bits).
 *
 * Errors: col is the 1-based byte offset of the offending byte (for an
 * unterminated string, its opening quote; at the end of the text, n + 1);
 * msg is the reason alone, e.g. "unterminated string", "invalid UTF-8",
 * "nesting deeper than 256", "expected ',' or '}'", "trailing characters
 * after the value". The caller adds the line: "line 12 col 31: ...".
 */
#ifndef SLUICE_JS_H
#define SLUICE_JS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JS_MAX_DEPTH	256

enum js_type {
	JS_NULL = 1, JS_FALSE, JS_TRUE, JS_NUMBER, JS_STRING, JS_ARRAY,
	JS_OBJECT
};

struct js_val {
	uint32_t	off;	/* byte offset of the value's first byte */
	uint32_t	len;	/* bytes of source text (strings incl. quotes) */
	uint32_t	end;	/* index just past this value and its contents */
	uint32_t	n;	/* containers: members/elements; strings: 1 if escaped */
	uint8_t		type;	/* enum js_type */
};

struct js_doc {
	const char	*src;
	size_t		 srclen;
	struct js_val	*v;
	size_t		 n;
	size_t		 cap;
};

struct js_err {
	size_t	col;		/* 1-based byte column of the error */
	char	msg[96];	/* short reason: "unterminated string" */
};

/*
 * Validate and index s[0..n). 0 on success (d->n values, root at 0); -1
 * with *e filled (d->n is then 0). No allocation once d->v has grown.
 */
int	 js_scan(struct js_doc *, const char *, size_t, struct js_err *);
/*
 * The reject message of a line js_scan refused, into buf[0..n):
 * "invalid JSON at column 12: unterminated string". Returns buf.
 */
const char *js_strerror(const struct js_err *, char *buf, size_t n);
void	 js_free(struct js_doc *);

/* Member `key' (UTF-8, n bytes) of object o: its value index, or -1. */
int	 js_get(const struct js_doc *, int o, const char *key, size_t n);
/* Element i of array a (negative counts from the end, as jq), or -1. */
int	 js_index(const struct js_doc *, int a, long i);
/*
 * Append the decoded UTF-8 contents of string value i to b (escapes and
 * surrogate pairs decoded; \u0000 gives a NUL byte). For any other type
 * the source text is appended.
 */
void	 js_str(const struct js_doc *, int i, struct buf *b);
/* 1 if value i is a string whose decoded contents are s[0..n), else 0. */
int	 js_str_eq(const struct js_doc *, int i, const char *s, size_t n);
/*
 * Number value i as a double (strtod of the text; assumes LC_NUMERIC "C").
 * 0: ok; 1: out of the range of a double (*out is +-HUGE_VAL, or 0 or a
 * subnormal for an underflow); -1: i is not a number.
 */
int	 js_num(const struct js_doc *, int i, double *out);
/*
 * Number value i as an exact int64_t: 0 when its text is an integer
 * (no fraction, no exponent) within int64_t; -1 otherwise (then use
 * js_num or the text itself). Never rounds.
 */
int	 js_int64(const struct js_doc *, int i, int64_t *out);
/* Source text of value i. */
static inline const char *
js_text(const struct js_doc *d, int i)
{
	return d->src + d->v[i].off;
}

/* jq's name of a type: "null", "boolean", "number", "string", ... */
const char *js_type_name(int type);

#endif
