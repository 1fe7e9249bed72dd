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
	char		*src;		/* the pattern as written */
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
	int		 at;		/* value index in doc, for messages */
	const struct js_doc *doc;	/* the document it is in */
	int		 res;		/* its resource: the dynamic scope */
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
	struct node	*uneval_props, *uneval_items;
	/*
	 * $dynamicRef: dynref is where it resolves statically; dynname
	 * is set when that target is a $dynamicAnchor of the name, and the
	 * outermost resource of the dynamic scope with such an anchor wins.
	 */
	struct node	*dynref;
	char		*dynname;
	int		 late;		/* has $dynamicRef or unevaluated* */

	/*
	 * Set at compile time when the subschemas applied at the same
	 * instance location ($ref, allOf, anyOf, oneOf, not, if, then,
	 * else) lead back to this node or to such a loop: checking it
	 * would never consume input.
	 */
	int		 loop;
	int		 mark;		/* DFS state while looking for loops */
};

/* One schema document: the main schema or a file a $ref named. */
struct sdoc {
	char		*text;
	struct js_doc	 doc;
	struct node	**nodes;	/* by value index */
	int		*res;		/* by value index: its resource */
	char		*name;		/* the file, for messages */
	char		*real;		/* its real path, NULL for none */
	int		 checked;	/* passed the metaschema */
	unsigned	 vocab_off;	/* vocabularies its metaschema omits */
};

/* A directory of schemas, named by prefix (or by their file: URIs). */
struct sdir {
	char		*path;
	char		*prefix;
};

/* A schema resource: a document's root or a subschema with "$id". */
struct res {
	char		*uri;		/* absolute, without a fragment */
	struct sdoc	*sd;
	int		 at;
};

/* An "$anchor" or a "$dynamicAnchor" of resource res. */
struct anchor {
	int		 res;
	char		*name;
	int		 at;
	int		 dynamic;
};

struct schema {
	struct sdoc	**docs;		/* docs[0] is the main schema */
	size_t		 ndocs;
	struct res	*res;
	size_t		 nres;
	struct anchor	*anchors;
	size_t		 nanchors;
	struct sdir	*dirs;		/* where other schemas are looked for */
	size_t		 ndirs;
	int		 dirs_read;
	struct sdoc	*cur;		/* compile: the document compiled */
	int		 dynamic;	/* some $dynamicRef resolves late */
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
	const struct node **stack;	/* the nodes checked, root first */
	struct buf	 spath;		/* the failure's schema location */
	int		*scope;		/* resources entered, outermost first */
	size_t		 nscope, scopecap;
	char		 msg[256];
	struct buf	 path;
	struct buf	 sbuf, kbuf, tbuf, ubuf;
};

/* Validation recursion deeper than this is a $ref loop. */
#define MAX_CHECK_DEPTH	2048

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
/* How keyword w[0..n) holds subschemas: one, a map or a list of them. */
enum { SUB_NONE, SUB_ONE, SUB_MAP, SUB_LIST };
int		 meta_subschemas(const char *w, size_t n);

/* schema-uri.c: reference r[0..rn) resolved against base, into out. */
void		 uri_resolve(const char *base, const char *r, size_t rn,
		    struct buf *out);
/* Append s[0..n) to out, percent escapes decoded. */
void		 uri_unescape(const char *s, size_t n, struct buf *out);

/* schema-res.c: the documents, resources and anchors of a schema. */
struct sdoc	*res_add_doc(struct schema *, char *text, size_t n,
		    const char *uri, const char *name, char *why, size_t len);
struct sdoc	*res_read_file(struct schema *, const char *path,
		    const char *uri, char *why, size_t len);
int		 res_find(const struct schema *, const char *uri);
void		 res_file_uri(const char *path, struct buf *out);
int		 res_fetch(struct schema *, const char *uri, char *why,
		    size_t len);
const struct anchor *res_anchor(const struct schema *, int res,
		    const char *name, size_t n);
void		 res_dirs(struct schema *, const char *const *dirs,
		    size_t ndirs);
void		 res_free(struct schema *);

#endif
