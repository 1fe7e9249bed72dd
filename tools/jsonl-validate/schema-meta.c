/*
 * schema-meta: the schema text against the JSON Schema 2020-12
 * metaschema, before anything is compiled: every subschema is an object
 * or a boolean, and each keyword the metaschema describes has a value of
 * the kind it says (types, bounds, unique names, URI references, anchor
 * names). A "$schema" must name 2020-12, the only dialect implemented.
 * Keywords the metaschema does not know are left alone, as it does.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "dec.h"
#include "js.h"
#include "schema-node.h"

#define DIALECT	"https://json-schema.org/draft/2020-12/schema"

struct meta {
	const struct js_doc	*d;
	int			*at;
	char			*msg;
	size_t			 msglen;
	struct buf		 b, t;
};

/* How a keyword's value is checked. */
enum { V_ANY, V_SCHEMA, V_SCHEMAS, V_SCHEMA_ARRAY, V_STRING, V_BOOLEAN,
    V_NUMBER, V_POSITIVE, V_COUNT, V_ARRAY, V_STRINGS, V_STRING_ARRAYS,
    V_TYPE, V_URI_REF, V_ID, V_ANCHOR, V_DIALECT, V_VOCABULARY,
    V_DEPENDENCIES };

static const struct {
	const char	*name;
	int		 kind;
} keywords[] = {
	{ "$schema", V_DIALECT }, { "$id", V_ID }, { "$ref", V_URI_REF },
	{ "$dynamicRef", V_URI_REF }, { "$recursiveRef", V_URI_REF },
	{ "$anchor", V_ANCHOR }, { "$dynamicAnchor", V_ANCHOR },
	{ "$vocabulary", V_VOCABULARY }, { "$comment", V_STRING },
	{ "$defs", V_SCHEMAS }, { "definitions", V_SCHEMAS },
	{ "dependencies", V_DEPENDENCIES },
	{ "prefixItems", V_SCHEMA_ARRAY }, { "items", V_SCHEMA },
	{ "contains", V_SCHEMA }, { "additionalProperties", V_SCHEMA },
	{ "properties", V_SCHEMAS }, { "patternProperties", V_SCHEMAS },
	{ "dependentSchemas", V_SCHEMAS }, { "propertyNames", V_SCHEMA },
	{ "if", V_SCHEMA }, { "then", V_SCHEMA }, { "else", V_SCHEMA },
	{ "allOf", V_SCHEMA_ARRAY }, { "anyOf", V_SCHEMA_ARRAY },
	{ "oneOf", V_SCHEMA_ARRAY }, { "not", V_SCHEMA },
	{ "unevaluatedItems", V_SCHEMA },
	{ "unevaluatedProperties", V_SCHEMA }, { "type", V_TYPE },
	{ "const", V_ANY }, { "enum", V_ARRAY }, { "multipleOf", V_POSITIVE },
	{ "maximum", V_NUMBER }, { "exclusiveMaximum", V_NUMBER },
	{ "minimum", V_NUMBER }, { "exclusiveMinimum", V_NUMBER },
	{ "maxLength", V_COUNT }, { "minLength", V_COUNT },
	{ "pattern", V_STRING }, { "maxItems", V_COUNT },
	{ "minItems", V_COUNT }, { "uniqueItems", V_BOOLEAN },
	{ "maxContains", V_COUNT }, { "minContains", V_COUNT },
	{ "maxProperties", V_COUNT }, { "minProperties", V_COUNT },
	{ "required", V_STRINGS }, { "dependentRequired", V_STRING_ARRAYS },
	{ "title", V_STRING }, { "description", V_STRING },
	{ "default", V_ANY }, { "deprecated", V_BOOLEAN },
	{ "readOnly", V_BOOLEAN }, { "writeOnly", V_BOOLEAN },
	{ "examples", V_ARRAY }, { "format", V_STRING },
	{ "contentEncoding", V_STRING }, { "contentMediaType", V_STRING },
	{ "contentSchema", V_SCHEMA }, { NULL, 0 }
};

static const char *const simple_types[] = { "array", "boolean", "integer",
    "null", "number", "object", "string", NULL };

static int	 schema_value(struct meta *, int);

static int
refuse(struct meta *m, int at, const char *msg)
{
	*m->at = at;
	snprintf(m->msg, m->msglen, "%s", msg);
	return -1;
}

/* The decoded string value i, in m->b. */
static const char *
text(struct meta *m, int i, size_t *n)
{
	buf_reset(&m->b);
	js_str(m->d, i, &m->b);
	*n = m->b.len;
	return buf_cstr(&m->b);
}

static int
is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* An array of distinct strings (stringArray); `what' names the items. */
static int
string_array(struct meta *m, int i, const char *msg)
{
	const struct js_doc *d = m->d;
	int k, j;

	if (d->v[i].type != JS_ARRAY)
		return refuse(m, i, msg);
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k].end) {
		if (d->v[k].type != JS_STRING)
			return refuse(m, k, "must be a string");
		buf_reset(&m->t);
		js_str(d, k, &m->t);
		for (j = i + 1; j < k; j = d->v[j].end) {
			buf_reset(&m->b);
			js_str(d, j, &m->b);
			if (m->b.len == m->t.len && (m->b.len == 0 ||
			    memcmp(m->b.p, m->t.p, m->b.len) == 0))
				return refuse(m, k, "a name given twice");
		}
	}
	return 0;
}

/* One type name at k, not already in *seen. */
static int
type_name(struct meta *m, int k, unsigned *seen)
{
	const char *s;
	size_t n;
	int j;

	if (m->d->v[k].type != JS_STRING)
		return refuse(m, k, "must be a type name");
	s = text(m, k, &n);
	for (j = 0; simple_types[j] != NULL; j++)
		if (is(s, n, simple_types[j]))
			break;
	if (simple_types[j] == NULL)
		return refuse(m, k, "unknown type");
	if (*seen >> j & 1)
		return refuse(m, k, "a type given twice");
	*seen |= 1u << j;
	return 0;
}

static int
type_value(struct meta *m, int i)
{
	const struct js_doc *d = m->d;
	unsigned seen = 0;
	int k;

	if (d->v[i].type == JS_STRING)
		return type_name(m, i, &seen);
	if (d->v[i].type != JS_ARRAY || d->v[i].n == 0)
		return refuse(m, i, "must be a type name or a non-empty array "
		    "of distinct type names");
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k].end)
		if (type_name(m, k, &seen) == -1)
			return -1;
	return 0;
}

static int
anchor_ok(const char *s, size_t n)
{
	size_t k;

	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' &&
	    s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (k = 1; k < n; k++)
		if (!((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' &&
		    s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') ||
		    s[k] == '-' || s[k] == '.' || s[k] == '_'))
			return 0;
	return 1;
}

static int
count_ok(const struct js_doc *d, int i)
{
	struct dec x;

	if (d->v[i].type != JS_NUMBER)
		return 0;
	num_of(d, i, &x);
	return (x.zero || !x.neg) && dec_is_integer(&x);
}

static int
keyword_value(struct meta *m, int kind, int i)
{
	const struct js_doc *d = m->d;
	const char *s;
	size_t n;
	struct dec x;
	int k, t = d->v[i].type;

	switch (kind) {
	case V_SCHEMA:
		return schema_value(m, i);
	case V_SCHEMAS:
		if (t != JS_OBJECT)
			return refuse(m, i, "must be an object of schemas");
		for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end)
			if (schema_value(m, k + 1) == -1)
				return -1;
		return 0;
	case V_SCHEMA_ARRAY:
		if (t != JS_ARRAY || d->v[i].n == 0)
			return refuse(m, i, "must be a non-empty array of "
			    "schemas");
		for (k = i + 1; k < (int)d->v[i].end; k = d->v[k].end)
			if (schema_value(m, k) == -1)
				return -1;
		return 0;
	case V_STRING:
		return t == JS_STRING ? 0 : refuse(m, i, "must be a string");
	case V_BOOLEAN:
		return t == JS_TRUE || t == JS_FALSE ? 0 :
		    refuse(m, i, "must be a boolean");
	case V_NUMBER:
		return t == JS_NUMBER ? 0 : refuse(m, i, "must be a number");
	case V_POSITIVE:
		if (t != JS_NUMBER)
			return refuse(m, i, "must be a number");
		num_of(d, i, &x);
		return !x.zero && !x.neg ? 0 :
		    refuse(m, i, "must be greater than 0");
	case V_COUNT:
		return count_ok(d, i) ? 0 :
		    refuse(m, i, "must be a non-negative integer");
	case V_ARRAY:
		return t == JS_ARRAY ? 0 : refuse(m, i, "must be an array");
	case V_STRINGS:
		return string_array(m, i, "must be an array of strings");
	case V_STRING_ARRAYS:
		if (t != JS_OBJECT)
			return refuse(m, i, "must be an object of string "
			    "arrays");
		for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end)
			if (string_array(m, k + 1, "must be an array of "
			    "strings") == -1)
				return -1;
		return 0;
	case V_DEPENDENCIES:
		if (t != JS_OBJECT)
			return refuse(m, i, "must be an object");
		for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end)
			if ((d->v[k + 1].type == JS_ARRAY ?
			    string_array(m, k + 1, "") :
			    schema_value(m, k + 1)) == -1)
				return -1;
		return 0;
	case V_TYPE:
		return type_value(m, i);
	case V_VOCABULARY:
		if (t != JS_OBJECT)
			return refuse(m, i, "must be an object");
		for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end) {
			s = text(m, k, &n);
			if (!format_ok(F_URI, s, n))
				return refuse(m, k + 1, "a vocabulary must be "
				    "named by a URI");
			if (d->v[k + 1].type != JS_TRUE &&
			    d->v[k + 1].type != JS_FALSE)
				return refuse(m, k + 1, "must be a boolean");
		}
		return 0;
	}
	if (t != JS_STRING)
		return kind == V_ANY ? 0 : refuse(m, i, "must be a string");
	s = text(m, i, &n);
	switch (kind) {
	case V_URI_REF:
		return uri_reference_ok(s, n) ? 0 :
		    refuse(m, i, "must be a URI reference");
	case V_ID:
		if (!uri_reference_ok(s, n))
			return refuse(m, i, "must be a URI reference");
		return memchr(s, '#', n) == NULL || s[n - 1] == '#' ?
		    0 : refuse(m, i, "must not have a fragment");
	case V_ANCHOR:
		return anchor_ok(s, n) ? 0 : refuse(m, i, "must be a letter "
		    "or _ then letters, digits, -, . or _");
	case V_DIALECT:
		/*
		 * 2020-12, or a metaschema of one's own (its vocabularies
		 * are read when the schema is compiled); never another
		 * draft of json-schema.org.
		 */
		if (is(s, n, DIALECT) || is(s, n, DIALECT "#") ||
		    (format_ok(F_URI, s, n) &&
		    strstr(s, "//json-schema.org/") == NULL))
			return 0;
		snprintf(m->msg, m->msglen, "\"%.*s\": jsonl-validate "
		    "implements JSON Schema 2020-12 (" DIALECT ") only",
		    (int)(n > 60 ? 60 : n), s);
		*m->at = i;
		return -1;
	}
	return 0;
}

/* Value i, which must be a schema. */
static int
schema_value(struct meta *m, int i)
{
	const struct js_doc *d = m->d;
	const char *w;
	size_t n;
	int k, j;

	if (d->v[i].type == JS_TRUE || d->v[i].type == JS_FALSE)
		return 0;
	if (d->v[i].type != JS_OBJECT) {
		snprintf(m->msg, m->msglen, "a schema must be an object or a "
		    "boolean, not %s", js_type_name(d->v[i].type));
		*m->at = i;
		return -1;
	}
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end) {
		w = text(m, k, &n);
		for (j = 0; keywords[j].name != NULL; j++)
			if (is(w, n, keywords[j].name))
				break;
		if (keywords[j].name != NULL &&
		    keyword_value(m, keywords[j].kind, k + 1) == -1)
			return -1;
	}
	return 0;
}

int
meta_subschemas(const char *w, size_t n)
{
	int j;

	for (j = 0; keywords[j].name != NULL; j++)
		if (is(w, n, keywords[j].name))
			return keywords[j].kind == V_SCHEMA ? SUB_ONE :
			    keywords[j].kind == V_SCHEMAS ? SUB_MAP :
			    keywords[j].kind == V_SCHEMA_ARRAY ? SUB_LIST :
			    SUB_NONE;
	return SUB_NONE;
}

int
meta_check(const struct js_doc *d, int *at, char *msg, size_t msglen)
{
	struct meta m = { d, at, msg, msglen, BUF_INIT, BUF_INIT };
	int r;

	r = schema_value(&m, 0);
	buf_free(&m.b);
	buf_free(&m.t);
	return r;
}
