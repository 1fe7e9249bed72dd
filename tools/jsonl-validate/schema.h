/*
 * schema: JSON Schema 2020-12, compiled once and checked against records
 * on the scanner's index (no tree, no libjq).
 *
 * schema_compile parses the schema text with js_scan, resolves its
 * references (to other files too: schema-res.c) and compiles every
 * pattern with PCRE2. The returned struct schema owns a copy of the
 * text, the documents, the compiled nodes and the regexes; free it with
 * schema_free. Compile-time warnings (unknown keywords, unknown
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
#define SCHEMA_NO_FORMAT 0x2	/* "format" is an annotation only */

struct schema;

/*
 * Compile text[0..n), read from file (NULL: given as text, so no other
 * file can be reached). A reference to another schema is the file its
 * file: URI names, or is looked for by "$id" in the *.json files under
 * the directories dirs[0..ndirs); "PREFIX=DIR" names the files of DIR
 * without an "$id" by PREFIX and their path under DIR.
 * NULL on failure, with a message ("/properties/a: must be a string")
 * in err.
 */
struct schema	*schema_compile(const char *text, size_t n, const char *file,
		    const char *const *dirs, size_t ndirs, int flags, char *err,
		    size_t errlen);
/*
 * The contents of the file at path (a leading UTF-8 BOM dropped),
 * NUL-terminated, its length in *n; NULL with errno set.
 */
char		*schema_read(const char *path, size_t *n);
/* Warnings, one per line ("" when none). */
const char	*schema_warnings(const struct schema *);
/*
 * 1: valid; 0: invalid, with *msg and *path set, and *spath to the
 * keyword that failed ("/properties/a/$ref/type").
 */
int		 schema_check(struct schema *, const struct js_doc *,
		    const char **msg, const char **path, const char **spath);
void		 schema_free(struct schema *);

#endif
