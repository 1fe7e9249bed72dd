/*
 * schema: a JSON Schema 2020-12 subset, compiled once and checked against
 * records on the scanner's index (no tree, no libjq).
 *
 * schema_compile parses the schema text with js_scan, resolves local
 * $refs and compiles every pattern with PCRE2. The returned struct schema
 * owns a copy of the text, the compiled nodes and the regexes; free it
 * with schema_free. Compile-time warnings (unknown keywords, unknown
 * formats) are collected as lines in schema_warnings().
 *
 * schema_check validates one scanned record. On failure it returns 0 and
 * points *msg and *path at buffers owned by the schema (valid until the
 * next schema_check): a short reason ("expected string, got number") and
 * the JSON pointer of the failing instance location ("" for the root).
 */
#ifndef JSONL_VALIDATE_SCHEMA_H
#define JSONL_VALIDATE_SCHEMA_H

#include <stddef.h>

#include "js.h"

/* schema_compile flags */
#define SCHEMA_ENUM_CI	0x1	/* every enum matches strings ASCII-case-blind */

struct schema;

/*
 * Compile text[0..n). NULL on failure, with a message ("/properties/a:
 * $dynamicRef is not supported") in err.
 */
struct schema	*schema_compile(const char *text, size_t n, int flags,
		    char *err, size_t errlen);
/* Warnings, one per line ("" when none). */
const char	*schema_warnings(const struct schema *);
/* 1: valid; 0: invalid, with *msg and *path set. */
int		 schema_check(struct schema *, const struct js_doc *,
		    const char **msg, const char **path);
void		 schema_free(struct schema *);

#endif
