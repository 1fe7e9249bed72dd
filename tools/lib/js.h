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
 * v[k + 1].end.
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

/* Validate and index s[0..n). 0 on success; -1 with *e filled. */
int	 js_scan(struct js_doc *, const char *, size_t, struct js_err *);
void	 js_free(struct js_doc *);

/* Member `key' (UTF-8, n bytes) of object o: its value index, or -1. */
int	 js_get(const struct js_doc *, int o, const char *key, size_t n);
/* Element i of array a (negative counts from the end, as jq), or -1. */
int	 js_index(const struct js_doc *, int a, long i);
/* Append the decoded UTF-8 contents of string value i to b. */
void	 js_str(const struct js_doc *, int i, struct buf *b);
/* Source text of value i. */
static inline const char *
js_text(const struct js_doc *d, int i)
{
	return d->src + d->v[i].off;
}

const char *js_type_name(int type);	/* "string", "number", ... */

#endif
