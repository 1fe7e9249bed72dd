/*
 * utf8: UTF-8 validation and lossy display. Strict: no overlong forms,
 * no surrogates (U+D800..DFFF), nothing above U+10FFFF. Also the value
 * of a hex digit, for the escapes of JSON, URIs and bytea.
 */
#ifndef SLUICE_UTF8_H
#define SLUICE_UTF8_H

#include <stddef.h>

#include "buf.h"

/* Length of the longest valid UTF-8 prefix of s (== n when all valid). */
size_t	 utf8_valid(const char *s, size_t n);
/* Append s to b with each invalid byte replaced by U+FFFD. */
void	 utf8_add_lossy(struct buf *b, const char *s, size_t n);
/* Length in bytes of the valid sequence at s (1..4), or 0 if invalid. */
size_t	 utf8_seqlen(const unsigned char *s, size_t n);
/* The value of hex digit c (either case), or -1 if it is not one. */
int	 hexval(int c);

#endif
