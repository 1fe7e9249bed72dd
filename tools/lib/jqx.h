/*
 * jqx: jq expressions evaluated on scanned records.
 *
 * jqx_compile takes an expression once. Plain paths (.a.b, .["odd key"],
 * .[0], .a[-1]), `//` chains of them, arrays of those ([.x, .y]) and JSON
 * literals are evaluated directly on the scanner's index (the fast path,
 * no allocation per record). Anything else is compiled with libjq (one
 * jq_state, compiled once) and run per record on a jv built from the
 * already validated line.
 *
 * The result of an evaluation is the FIRST value the expression yields,
 * as jq would print it; an expression that yields nothing gives
 * JQX_EMPTY; a jq error (e.g. "Cannot index number with \"a\"") gives
 * JQX_ERROR with the message. A missing key is null, as in jq. With
 * JQX_EMPTY or JQX_ERROR the value has type 0 and empty text.
 *
 * The strings in a struct jqx_val belong to the struct jqx and stay valid
 * until its next jqx_eval. Free with jqx_free.
 *
 * Fast-path semantics are jq 1.6's: `.a` on null is null, `.a` on a
 * number, string, boolean or array is an error ("Cannot index number
 * with string \"a\""), `.[0]` on an object is an error ("Cannot index
 * object with number"); `A // B` gives the first alternative that is
 * neither null nor false, else the last one's value, and an error in an
 * alternative that is reached is the result (jq 1.6 does not catch it).
 * An array [x, y] is built as compact JSON from its elements' text.
 *
 * libjq path: the record is parsed again by libjq (a NUL-terminated copy
 * of the line), where numbers are doubles. A number in the result is
 * never a silently different one: one whose value is exactly a number of
 * the record is written with the record's text (1.50 stays 1.50); one
 * that is only the rounded double of a record's number (9007199254740993
 * read as 9007199254740992), or any other integer past 2^53, is a
 * JQX_ERROR saying so. Only the first output is taken (the jq_state is
 * reset by the next jqx_eval and released by jqx_free). Each compiled
 * expression owns one jq_state, created once by jqx_compile.
 */
#ifndef SLUICE_JQX_H
#define SLUICE_JQX_H

#include <stddef.h>
#include <stdint.h>

#include "js.h"

enum jqx_status { JQX_OK = 0, JQX_EMPTY = 1, JQX_ERROR = -1 };

struct jqx_val {
	int		 type;	/* enum js_type */
	/*
	 * The value as JSON text. Fast path: the record's own source bytes
	 * (numbers keep every digit; strings keep their escapes). libjq
	 * path: jq -c formatting.
	 */
	const char	*text;
	size_t		 len;
	/* JS_STRING: the decoded UTF-8 contents (no quotes, no escapes). */
	const char	*str;
	size_t		 slen;
};

struct jqx;

/* Compile expr; NULL with a message in err on a syntax error. */
struct jqx	*jqx_compile(const char *expr, char *err, size_t errlen);
/*
 * Like jqx_compile, but always through libjq, never the fast path: for
 * the differential tests, and for callers that want jq's own formatting.
 */
struct jqx	*jqx_compile_slow(const char *expr, char *err, size_t errlen);
/* Evaluate on the scanned record d (d->src is its text). */
int		 jqx_eval(struct jqx *, const struct js_doc *d,
		    struct jqx_val *, char *err, size_t errlen);
/*
 * Evaluate as a timestamp: the value must be a string tm_parse reads; a
 * time without an offset is in zone tz (NULL: UTC), as tm_parse_tz says.
 * 0 with *ns set; -1 with a short reason in err ("no timestamp",
 * "expected a string, got number", "cannot parse 'x': ...").
 */
int		 jqx_time(struct jqx *, const struct js_doc *d, const char *tz,
		    int64_t *ns, char *err, size_t errlen);
/* 1 when the expression runs on the fast path. */
int		 jqx_is_fast(const struct jqx *);
/* jq truthiness: everything but false and null. */
int		 jqx_truthy(const struct jqx_val *);
void		 jqx_free(struct jqx *);

#endif
