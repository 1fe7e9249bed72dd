/*
 * schema-node: the compiled schema shared by schema-compile.c (schema
 * text to a tree of nodes, one per subschema), schema-check.c (a record
 * against the nodes) and schema-format.c (the "format" checks). Not for
 * use outside jsonl-validate: schema.h is the interface.
 */
#ifndef JSONL_VALIDATE_SCHEMA_NODE_H
#define JSONL_VALIDATE_SCHEMA_NODE_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdint.h>

#include "buf.h"
#include "dec.h"
#include "js.h"

/* Type bits of a node's "type". */
enum { T_NULL = 1, T_BOOL = 2, T_OBJECT = 4, T_ARRAY = 8, T_NUMBER = 16,
    T_STRING = 32, T_INTEGER = 64 };

/* The formats checked; format_names[F_...] is each one's name. */
enum { F_NONE, F_DATE_TIME, F_DATE, F_TIME, F_EMAIL, F_UUID, F_IPV4,
    F_IPV6, F_URI, F_DURATION };

extern const char *const format_names[];

struct prop {
	const char	*name;		/* decoded, owned */
	size_t		 len;
	struct node	*sub;		/* NULL: only named by required */
};

struct pat {
	pcre2_code	*re;
	struct node	*sub;
};

struct dep {
	const char	*name;
	size_t		 len;
	int		 list;		/* schema index of the array of names */
	struct node	*sub;		/* dependentSchemas: NULL for a list */
};

struct node {
	int		 kind;		/* 0 object, 1 true, 2 false */
	int		 at;		/* schema index, for messages */
	unsigned	 types;
	int		 enum_i, const_i, enum_ci;

	struct prop	*props;
	size_t		 nprops;
	size_t		*required;	/* indexes into props */
	size_t		 nrequired;
	struct pat	*pats;
	size_t		 npats;
	struct node	*additional, *propnames;
	int64_t		 minprops, maxprops;
	struct dep	*deps;
	size_t		 ndeps;

	struct node	**prefix;
	size_t		 nprefix;
	struct node	*items, *contains;
	int64_t		 minitems, maxitems, mincontains, maxcontains;
	int		 unique;

	int64_t		 minlen, maxlen;
	pcre2_code	*pattern;
	const char	*pattern_src;
	int		 format;

	struct dec	 min, max, xmin, xmax, mult;
	/* Schema index of each bound, 0 when absent. */
	int		 has_min, has_max, has_xmin, has_xmax, has_mult;

	struct node	**allof, **anyof, **oneof;
	size_t		 nallof, nanyof, noneof;
	struct node	*not, *if_, *then_, *else_, *ref;

	/*
	 * Set at compile time when the subschemas applied at the same
	 * instance location ($ref, allOf, anyOf, oneOf, not, if, then,
	 * else) lead back to this node or to such a loop: checking it
	 * would never consume input.
	 */
	int		 loop;
	int		 mark;		/* DFS state while looking for loops */
};

struct schema {
	char		*text;
	struct js_doc	 doc;
	struct node	**nodes;	/* by schema index */
	int		 flags;
	struct buf	 warnings;
	char		*err;		/* compile: where messages go */
	size_t		 errlen;

	/* Validation state. */
	const struct js_doc *d;
	pcre2_match_data *md;
	int		 report;	/* record the first failure */
	int		 failed;
	int		 fail_at;
	int		 depth;
	int		 hard;		/* a $ref loop or a signal: stop, reject */
	unsigned	 calls;		/* checks since the last signal poll */
	char		 msg[256];
	struct buf	 path;
	struct buf	 sbuf, kbuf, tbuf, ubuf;
};

/* The schemas true and false. */
extern struct node node_true, node_false;

/* Number value i of d as an exact decimal (the scanner checked it). */
static inline void
num_of(const struct js_doc *d, int i, struct dec *x)
{
	dec_parse(js_text(d, i), d->v[i].len, x);
}

/* The JSON pointer of value `target' in d, into b (NUL-terminated). */
const char	*path_of(const struct js_doc *d, int target, struct buf *b,
		    struct buf *tmp);
/* Is s[0..n) a valid value of format f (F_...)? */
int		 format_ok(int f, const char *s, size_t n);
/* Is s[0..n) an RFC 3986 URI-reference (a URI or a relative reference)? */
int		 uri_reference_ok(const char *s, size_t n);
/*
 * Is the schema d valid against the 2020-12 metaschema (schema-meta.c)?
 * 0, or -1 with the offending value's index in *at and why in msg.
 */
int		 meta_check(const struct js_doc *d, int *at, char *msg,
		    size_t msglen);

#endif
