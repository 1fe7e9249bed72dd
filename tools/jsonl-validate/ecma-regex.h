/*
 * ecma-regex: an ECMA-262 regular expression, read with the "u" flag as
 * JSON Schema says, rewritten as a PCRE2 pattern with the same meaning.
 * What ECMA-262 refuses is refused here, with the byte offset in the
 * source; the caller owns the output buffer.
 */
#ifndef JSONL_VALIDATE_ECMA_REGEX_H
#define JSONL_VALIDATE_ECMA_REGEX_H

#include <stddef.h>

#include "buf.h"

/* The pcre2_compile options the translated pattern is meant for. */
#define ECMA_REGEX_PCRE2_OPTIONS	(PCRE2_UTF | PCRE2_MATCH_UNSET_BACKREF)

/*
 * Translate src[0..n) (UTF-8) into out. 0, or -1 with a message in
 * err[0..errlen) and the offending byte offset in *off.
 */
int	 ecma_regex_translate(const char *src, size_t n, struct buf *out,
	    char *err, size_t errlen, size_t *off);

#endif
