/*
 * schema-compile: JSON Schema 2020-12 text to a tree of nodes. The text
 * is scanned once with js_scan; each subschema becomes a node (indexed
 * by its place in the scan, so a local $ref resolves to one), bounds are
 * kept as exact decimals pointing into the text, patterns are read as
 * ECMA-262 and compiled with PCRE2 (ecma-regex.c).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ecma-regex.h"
#include "js.h"
#include "schema.h"
#include "schema-node.h"

struct node node_true = { .kind = 1 };
struct node node_false = { .kind = 2 };

static struct node *compile(struct schema *, int);
static int	 dialect(struct schema *, struct sdoc *);

/*
 * A message names schema locations by keys, which may hold control
 * characters: show them as '?' so a message stays one line.
 */
static void
one_line(char *m, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if ((unsigned char)m[k] < 0x20 || m[k] == 0x7f)
			m[k] = '?';
}

static int
cerr(struct schema *s, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cerr(struct schema *s, int at, const char *fmt, ...)
{
	struct buf p = BUF_INIT, t = BUF_INIT;
	char m[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	path_of(&s->cur->doc, at, &p, &t);
	snprintf(s->err, s->errlen, "%s%s%s%s%s", s->cur == s->docs[0] ? "" :
	    s->cur->name, s->cur == s->docs[0] ? "" : ": ", p.p,
	    *p.p ? ": " : "", m);
	one_line(s->err, strlen(s->err));
	buf_free(&p);
	buf_free(&t);
	return -1;
}

static void
cwarn(struct schema *s, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cwarn(struct schema *s, int at, const char *fmt, ...)
{
	struct buf p = BUF_INIT, t = BUF_INIT;
	char m[200];
	size_t start;
	va_list ap;

	path_of(&s->cur->doc, at, &p, &t);
	start = s->warnings.len;
	if (s->cur != s->docs[0])
		buf_addf(&s->warnings, "%s: ", s->cur->name);
	if (*p.p)
		buf_addf(&s->warnings, "%s: ", p.p);
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	buf_adds(&s->warnings, m);
	one_line(s->warnings.p + start, s->warnings.len - start);
	buf_addc(&s->warnings, '\n');
	buf_free(&p);
	buf_free(&t);
}

static char *
dup_str(const struct js_doc *d, int i, size_t *n)
{
	struct buf b = BUF_INIT;

	js_str(d, i, &b);
	*n = b.len;
	buf_addc(&b, '\0');
	return b.p;
}

static int
get_count(struct schema *s, int i, int64_t *out)
{
	struct dec x;
	uint64_t v = 0;
	size_t k;

	if (s->cur->doc.v[i].type != JS_NUMBER)
		return cerr(s, i, "must be a non-negative integer");
	num_of(&s->cur->doc, i, &x);
	if (x.neg || !dec_is_integer(&x))
		return cerr(s, i, "must be a non-negative integer");
	if (x.zero) {
		*out = 0;
		return 0;
	}
	if (x.pos > 18) {
		*out = INT64_MAX;
		return 0;
	}
	for (k = 0; k < (size_t)x.pos; k++)
		v = v * 10 + (k < x.ndig ? (uint64_t)dec_digit(&x, k) : 0);
	*out = (int64_t)v;
	return 0;
}

static int
get_number(struct schema *s, int i, struct dec *x)
{
	if (s->cur->doc.v[i].type != JS_NUMBER)
		return cerr(s, i, "must be a number");
	num_of(&s->cur->doc, i, x);
	return 0;
}

static int
sub(struct schema *s, int i, struct node **out)
{
	return (*out = compile(s, i)) == NULL ? -1 : 0;
}

static int
sub_array(struct schema *s, int i, struct node ***out, size_t *n,
    int nonempty)
{
	const struct js_val *v = &s->cur->doc.v[i];
	int k;

	if (v->type != JS_ARRAY || (nonempty && v->n == 0))
		return cerr(s, i, "must be a%s array of schemas",
		    nonempty ? " non-empty" : "n");
	*out = xcalloc(v->n ? v->n : 1, sizeof(**out));
	*n = 0;
	for (k = i + 1; k < (int)v->end; k = s->cur->doc.v[k].end)
		if (sub(s, k, &(*out)[(*n)++]) == -1)
			return -1;
	return 0;
}

static pcre2_code *
regex(struct schema *s, int i, const char *src, size_t n)
{
	pcre2_code *re;
	int ec;
	PCRE2_SIZE off;
	PCRE2_UCHAR m[120];
	struct buf b = BUF_INIT;
	size_t at;

	if (ecma_regex_translate(src, n, &b, (char *)m, sizeof(m), &at)) {
		buf_free(&b);
		cerr(s, i, "invalid pattern at offset %zu: %s", at, (char *)m);
		return NULL;
	}
	re = pcre2_compile((PCRE2_SPTR)(b.p ? b.p : ""), b.len,
	    ECMA_REGEX_PCRE2_OPTIONS, &ec, &off, NULL);
	buf_free(&b);
	if (re == NULL) {
		pcre2_get_error_message(ec, m, sizeof(m));
		cerr(s, i, "pattern not supported: %s", (char *)m);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static int
add_prop(struct node *nd, const char *name, size_t len, struct node *sub)
{
	size_t j;

	for (j = 0; j < nd->nprops; j++)
		if (nd->props[j].len == len &&
		    memcmp(nd->props[j].name, name, len) == 0) {
			if (sub != NULL)
				nd->props[j].sub = sub;
			return (int)j;
		}
	nd->props = xrealloc(nd->props, (nd->nprops + 1) *
	    sizeof(*nd->props));
	nd->props[nd->nprops] = (struct prop){ xstrdup(name), len, sub };
	if (memchr(name, '\0', len) != NULL) {
		char *p = xmalloc(len + 1);

		memcpy(p, name, len);
		p[len] = '\0';
		free((char *)nd->props[nd->nprops].name);
		nd->props[nd->nprops].name = p;
	}
	return (int)nd->nprops++;
}

/*
 * The value JSON pointer ptr[0..n) (decoded, "" or starting with "/")
 * names from value `from' of document d, or -1.
 */
static int
pointer(const struct js_doc *d, int from, const char *ptr, size_t n)
{
	struct buf tok = BUF_INIT;
	const char *p = ptr, *e = ptr + n, *q;
	size_t k;
	int cur = from;

	while (cur >= 0 && p < e) {
		if ((q = memchr(p + 1, '/', (size_t)(e - p - 1))) == NULL)
			q = e;
		buf_reset(&tok);
		for (p++; p < q; p++)
			if (*p == '~' && p + 1 < q && (p[1] == '0' ||
			    p[1] == '1')) {
				buf_addc(&tok, p[1] == '0' ? '~' : '/');
				p++;
			} else
				buf_addc(&tok, *p);
		if (d->v[cur].type == JS_OBJECT)
			cur = js_get(d, cur, tok.p ? tok.p : "", tok.len);
		else if (d->v[cur].type == JS_ARRAY) {
			long idx = 0;

			for (k = 0; k < tok.len && tok.p[k] >= '0' &&
			    tok.p[k] <= '9' && idx < 1L << 30; k++)
				idx = idx * 10 + (tok.p[k] - '0');
			cur = tok.len == 0 || k != tok.len || (tok.len > 1 &&
			    tok.p[0] == '0') ? -1 : js_index(d, cur, idx);
		} else
			cur = -1;
	}
	buf_free(&tok);
	return cur;
}

/*
 * Resolve reference ref[0..n), written at value i of the current
 * document, against its base URI: *sd and *t are the document and value
 * it names, *a the anchor when it names one. -1 with a message.
 */
static int
resolve_ref(struct schema *s, int i, const char *ref, size_t n,
    struct sdoc **sd, int *t, const struct anchor **a)
{
	struct buf u = BUF_INIT, frag = BUF_INIT;
	char why[512];
	const char *h;
	int r, rc = -1;

	*a = NULL;
	uri_resolve(s->res[s->cur->res[i]].uri, ref, n, &u);
	if ((h = strchr(u.p, '#')) != NULL) {
		uri_unescape(h + 1, u.len - (size_t)(h - u.p) - 1, &frag);
		u.len = (size_t)(h - u.p);
		u.p[u.len] = '\0';
	}
	if ((r = res_fetch(s, u.p, why, sizeof(why))) < 0) {
		cerr(s, i, "$ref \"%.*s\": %s", (int)(n > 60 ? 60 : n), ref,
		    why);
		goto out;
	}
	*sd = s->res[r].sd;
	if (frag.len == 0)
		*t = s->res[r].at;
	else if (frag.p[0] == '/')
		*t = pointer(&(*sd)->doc, s->res[r].at, frag.p, frag.len);
	else if ((*a = res_anchor(s, r, frag.p, frag.len)) != NULL)
		*t = (*a)->at;
	else {
		cerr(s, i, "$ref \"%.*s\": no anchor \"%.*s\" in %s",
		    (int)(n > 60 ? 60 : n), ref, (int)(frag.len > 60 ? 60 :
		    frag.len), frag.p, s->res[r].uri);
		goto out;
	}
	if (*t < 0)
		cerr(s, i, "$ref \"%.*s\": no such location in the schema",
		    (int)(n > 60 ? 60 : n), ref);
	else
		rc = 0;
out:
	buf_free(&u);
	buf_free(&frag);
	return rc;
}

/*
 * Compile value t of document sd, which a reference names: a document
 * met for the first time is checked against the metaschema first.
 */
static int
sub_in(struct schema *s, struct sdoc *sd, int t, struct node **out)
{
	struct sdoc *cur = s->cur;
	char m[200];
	int at, r;

	if (!sd->checked) {
		if (meta_check(&sd->doc, &at, m, sizeof(m)) == -1) {
			s->cur = sd;
			cerr(s, at, "%s", m);
			s->cur = cur;
			return -1;
		}
		sd->checked = 1;
		if (dialect(s, sd) == -1)
			return -1;
	}
	s->cur = sd;
	r = sub(s, t, out);
	s->cur = cur;
	return r;
}

static int
is_key(const char *k, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(k, w, n) == 0;
}

static const char *const ignored_keywords[] = {
	"$schema", "$id", "$comment", "$anchor", "$dynamicAnchor",
	"$vocabulary", "title",
	"description", "default", "examples", "deprecated", "readOnly",
	"writeOnly", "contentMediaType", "contentEncoding", "contentSchema",
	"$defs", "definitions", "x-sluice-enum-ci", NULL
};

static const char *const unsupported_keywords[] = {
	"$recursiveRef", "$recursiveAnchor", "dependencies", NULL
};

static int keyword(struct schema *, struct node *, const char *, size_t,
    int);

/*
 * The vocabularies of 2020-12, by the bit a document's metaschema may
 * leave out, and the keywords each one gives meaning to.
 */
#define VOCAB	"https://json-schema.org/draft/2020-12/vocab/"
static const struct {
	const char	*uri;
	const char	*keywords;	/* space-separated */
} vocabularies[] = {
	{ VOCAB "core", NULL },
	{ VOCAB "applicator", " prefixItems items contains additionalProperties"
	    " properties patternProperties dependentSchemas propertyNames if"
	    " then else allOf anyOf oneOf not " },
	{ VOCAB "unevaluated", " unevaluatedItems unevaluatedProperties " },
	{ VOCAB "validation", " type const enum multipleOf maximum"
	    " exclusiveMaximum minimum exclusiveMinimum maxLength minLength"
	    " pattern maxItems minItems uniqueItems maxContains minContains"
	    " maxProperties minProperties required dependentRequired " },
	{ VOCAB "meta-data", NULL },
	{ VOCAB "format-annotation", " format " },
	{ VOCAB "format-assertion", " format " },
	{ VOCAB "content", NULL },
	{ NULL, NULL }
};

/* 1 if vocabulary j gives meaning to keyword w[0..n). */
static int
in_vocabulary(int j, const char *w, size_t n)
{
	const char *p = vocabularies[j].keywords;

	for (; p != NULL && (p = strchr(p, ' ')) != NULL && p[1] != '\0'; p++)
		if (strncmp(p + 1, w, n) == 0 && p[n + 1] == ' ')
			return 1;
	return 0;
}

/*
 * 1 if keyword w[0..n) belongs to vocabularies the document's metaschema
 * leaves out, and to none it keeps.
 */
static int
left_out(const struct sdoc *sd, const char *w, size_t n)
{
	int j, out = 0;

	for (j = 0; sd->vocab_off != 0 && vocabularies[j].uri != NULL; j++)
		if (in_vocabulary(j, w, n)) {
			if (!(sd->vocab_off >> j & 1))
				return 0;
			out = 1;
		}
	return out;
}

/*
 * The vocabularies of document sd, from the "$vocabulary" of the
 * metaschema its "$schema" names when that is not 2020-12's own: those
 * it leaves out lose their keywords, and one it requires that
 * jsonl-validate does not know makes the schema invalid.
 */
static int
dialect(struct schema *s, struct sdoc *sd)
{
	const struct js_doc *d = &sd->doc, *md;
	struct buf b = BUF_INIT;
	struct sdoc *cur = s->cur;
	char why[512];
	int i, r, v, k, j, rc = -1;

	s->cur = sd;
	if (d->v[0].type != JS_OBJECT || (i = js_get(d, 0, "$schema", 7)) < 0 ||
	    js_str_eq(d, i, "https://json-schema.org/draft/2020-12/schema",
	    44) || js_str_eq(d, i, "https://json-schema.org/draft/2020-12/"
	    "schema#", 45)) {
		s->cur = cur;
		return 0;
	}
	js_str(d, i, &b);
	if ((r = res_fetch(s, buf_cstr(&b), why, sizeof(why))) < 0) {
		cerr(s, i, "metaschema: %s", why);
		goto out;
	}
	md = &s->res[r].sd->doc;
	v = js_get(md, s->res[r].at, "$vocabulary", 11);
	if (v < 0 || md->v[v].type != JS_OBJECT) {
		cerr(s, i, "the metaschema has no $vocabulary");
		goto out;
	}
	sd->vocab_off = ~0u;
	for (k = v + 1; k < (int)md->v[v].end; k = md->v[k + 1].end) {
		for (j = 0; vocabularies[j].uri != NULL; j++)
			if (js_str_eq(md, k, vocabularies[j].uri,
			    strlen(vocabularies[j].uri)))
				break;
		if (vocabularies[j].uri != NULL)
			sd->vocab_off &= ~(1u << j);
		else if (md->v[k + 1].type == JS_TRUE) {
			buf_reset(&b);
			js_str(md, k, &b);
			cerr(s, i, "the metaschema requires the vocabulary "
			    "%.100s, which jsonl-validate does not implement",
			    buf_cstr(&b));
			goto out;
		}
	}
	rc = 0;
out:
	s->cur = cur;
	buf_free(&b);
	return rc;
}

/*
 * The keywords that set something in a node. One given twice in the same
 * schema object is refused: JSON leaves the meaning of a repeated key
 * open, and a second "type" or "required" would otherwise merge with or
 * silently replace the first.
 */
static const char *const node_keywords[] = {
	"type", "enum", "const", "required", "properties",
	"patternProperties", "additionalProperties", "propertyNames",
	"dependentRequired", "minProperties", "maxProperties", "items",
	"prefixItems", "contains", "minContains", "maxContains", "minItems",
	"maxItems", "uniqueItems", "minLength", "maxLength", "pattern",
	"format", "minimum", "maximum", "exclusiveMinimum",
	"exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not",
	"if", "then", "else", "$ref", "$dynamicRef", "$defs", "definitions",
	"unevaluatedProperties", "unevaluatedItems", "x-sluice-enum-ci", NULL
};

/* 1 if keyword w[0..n) was already seen in this object (bits in *seen). */
static int
repeated(const char *w, size_t n, uint64_t *seen)
{
	int j;

	for (j = 0; node_keywords[j] != NULL; j++)
		if (is_key(w, n, node_keywords[j])) {
			if (*seen >> j & 1)
				return 1;
			*seen |= (uint64_t)1 << j;
			return 0;
		}
	return 0;
}

/*
 * Compile the subschema at index i. The metaschema (schema-meta.c) has
 * already checked every subschema in its place, but a $ref may point
 * anywhere in the document (into "const", "enum" or an unknown keyword),
 * so the type checks here and in the kw_ functions are still reachable.
 */
static struct node *
compile(struct schema *s, int i)
{
	const struct js_val *v = &s->cur->doc.v[i];
	struct node *nd;
	struct buf kb = BUF_INIT;
	uint64_t seen = 0;
	int k, ci;

	if (s->cur->nodes[i] != NULL)
		return s->cur->nodes[i];
	if (v->type == JS_TRUE)
		return s->cur->nodes[i] = &node_true;
	if (v->type == JS_FALSE)
		return s->cur->nodes[i] = &node_false;
	if (v->type != JS_OBJECT) {
		cerr(s, i, "a schema must be an object or a boolean, not %s",
		    js_type_name(v->type));
		return NULL;
	}
	nd = xcalloc(1, sizeof(*nd));
	s->cur->nodes[i] = nd;
	nd->at = i;
	nd->doc = &s->cur->doc;
	nd->res = s->cur->res[i];
	nd->enum_i = nd->const_i = -1;
	nd->minprops = nd->minitems = nd->minlen = -1;
	nd->maxprops = nd->maxitems = nd->maxlen = -1;
	nd->mincontains = -1;
	nd->maxcontains = -1;
	ci = js_get(&s->cur->doc, i, "x-sluice-enum-ci", 16);
	if (ci >= 0) {
		if (s->cur->doc.v[ci].type != JS_TRUE &&
		    s->cur->doc.v[ci].type != JS_FALSE) {
			cerr(s, ci, "must be a boolean");
			return NULL;
		}
		nd->enum_ci = s->cur->doc.v[ci].type == JS_TRUE;
	}
	if (s->flags & SCHEMA_ENUM_CI)
		nd->enum_ci = 1;
	for (k = i + 1; k < (int)v->end; k = s->cur->doc.v[k + 1].end) {
		buf_reset(&kb);
		js_str(&s->cur->doc, k, &kb);
		if (repeated(kb.p ? kb.p : "", kb.len, &seen)) {
			cerr(s, k, "duplicate keyword \"%.*s\"", (int)kb.len,
			    kb.p);
			buf_free(&kb);
			return NULL;
		}
		if (keyword(s, nd, kb.p ? kb.p : "", kb.len, k) == -1) {
			buf_free(&kb);
			return NULL;
		}
	}
	buf_free(&kb);
	if (nd->mincontains >= 0 && nd->contains == NULL)
		nd->mincontains = -1;
	nd->late = nd->dynref != NULL || nd->uneval_props != NULL ||
	    nd->uneval_items != NULL;
	return nd;
}

static int
type_bit(const char *t, size_t n)
{
	static const char *const names[] = { "null", "boolean", "object",
	    "array", "number", "string", "integer", NULL };
	int j;

	for (j = 0; names[j] != NULL; j++)
		if (is_key(t, n, names[j]))
			return 1 << j;
	return 0;
}

static int
kw_type(struct schema *s, struct node *nd, int i)
{
	const struct js_doc *d = &s->cur->doc;
	struct buf b = BUF_INIT;
	int k, bit;

	if (d->v[i].type == JS_STRING) {
		js_str(d, i, &b);
		bit = type_bit(b.p ? b.p : "", b.len);
		buf_free(&b);
		if (bit == 0)
			return cerr(s, i, "unknown type");
		nd->types |= bit;
		return 0;
	}
	if (d->v[i].type != JS_ARRAY)
		return cerr(s, i, "must be a type name or an array of them");
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k].end) {
		if (d->v[k].type != JS_STRING)
			return cerr(s, k, "must be a type name");
		buf_reset(&b);
		js_str(d, k, &b);
		bit = type_bit(b.p ? b.p : "", b.len);
		if (bit == 0) {
			buf_free(&b);
			return cerr(s, k, "unknown type");
		}
		nd->types |= bit;
	}
	buf_free(&b);
	if (nd->types == 0)
		nd->types = 0x80;	/* "type": [] allows nothing */
	return 0;
}

static int
kw_required(struct schema *s, struct node *nd, int i)
{
	const struct js_doc *d = &s->cur->doc;
	char *name;
	size_t n;
	int k;

	if (d->v[i].type != JS_ARRAY)
		return cerr(s, i, "must be an array of strings");
	nd->required = xcalloc(d->v[i].n + 1, sizeof(*nd->required));
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k].end) {
		if (d->v[k].type != JS_STRING)
			return cerr(s, k, "must be a string");
		name = dup_str(d, k, &n);
		nd->required[nd->nrequired++] = (size_t)add_prop(nd, name, n,
		    NULL);
		free(name);
	}
	return 0;
}

static int
kw_properties(struct schema *s, struct node *nd, int i, int patterns)
{
	const struct js_doc *d = &s->cur->doc;
	struct node *sn;
	char *name;
	size_t n;
	int k;

	if (d->v[i].type != JS_OBJECT)
		return cerr(s, i, "must be an object of schemas");
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end) {
		if (sub(s, k + 1, &sn) == -1)
			return -1;
		name = dup_str(d, k, &n);
		if (patterns) {
			pcre2_code *re = regex(s, k, name, n);

			if (re == NULL) {
				free(name);
				return -1;
			}
			nd->pats = xrealloc(nd->pats, (nd->npats + 1) *
			    sizeof(*nd->pats));
			nd->pats[nd->npats++] = (struct pat){ re, name, sn };
			if (nd->npats > 64)
				return cerr(s, k, "more than 64 "
				    "patternProperties");
			continue;
		}
		add_prop(nd, name, n, sn);
		free(name);
	}
	return 0;
}

/* dependentSchemas: name -> schema, applied to the whole object. */
static int
kw_dependent_schemas(struct schema *s, struct node *nd, int i)
{
	const struct js_doc *d = &s->cur->doc;
	struct dep *dp;
	int k;

	if (d->v[i].type != JS_OBJECT)
		return cerr(s, i, "must be an object of schemas");
	nd->deps = xrealloc(nd->deps, (nd->ndeps + d->v[i].n + 1) *
	    sizeof(*nd->deps));
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end) {
		dp = &nd->deps[nd->ndeps++];
		dp->name = dup_str(d, k, &dp->len);
		dp->list = -1;
		dp->sub = NULL;
		if (sub(s, k + 1, &dp->sub) == -1)
			return -1;
	}
	return 0;
}

static int
kw_dependent_required(struct schema *s, struct node *nd, int i)
{
	const struct js_doc *d = &s->cur->doc;
	int k, j;

	if (d->v[i].type != JS_OBJECT)
		return cerr(s, i, "must be an object of string arrays");
	nd->deps = xrealloc(nd->deps, (nd->ndeps + d->v[i].n + 1) *
	    sizeof(*nd->deps));
	for (k = i + 1; k < (int)d->v[i].end; k = d->v[k + 1].end) {
		nd->deps[nd->ndeps].sub = NULL;
		if (d->v[k + 1].type != JS_ARRAY)
			return cerr(s, k + 1, "must be an array of strings");
		for (j = k + 2; j < (int)d->v[k + 1].end; j = d->v[j].end)
			if (d->v[j].type != JS_STRING)
				return cerr(s, j, "must be a string");
		nd->deps[nd->ndeps].name = dup_str(d, k,
		    &nd->deps[nd->ndeps].len);
		nd->deps[nd->ndeps++].list = k + 1;
	}
	return 0;
}

static int
kw_format(struct schema *s, struct node *nd, int i)
{
	struct buf b = BUF_INIT;
	int f;

	if (s->cur->doc.v[i].type != JS_STRING)
		return cerr(s, i, "must be a string");
	js_str(&s->cur->doc, i, &b);
	for (f = F_DATE_TIME; f <= F_DURATION; f++)
		if (is_key(b.p ? b.p : "", b.len, format_names[f]))
			nd->format = f;
	if (nd->format == F_NONE)
		cwarn(s, i, "format \"%.*s\" is not checked", (int)(b.len >
		    40 ? 40 : b.len), b.p ? b.p : "");
	buf_free(&b);
	return 0;
}

/* $ref, or $dynamicRef when dynamic: see struct node. */
static int
kw_ref(struct schema *s, struct node *nd, int i, int dynamic)
{
	const struct anchor *a;
	struct sdoc *sd;
	struct buf b = BUF_INIT;
	int t, r;

	if (s->cur->doc.v[i].type != JS_STRING)
		return cerr(s, i, "must be a string");
	js_str(&s->cur->doc, i, &b);
	r = resolve_ref(s, i, b.p ? b.p : "", b.len, &sd, &t, &a);
	buf_free(&b);
	if (r == -1)
		return -1;
	if (!dynamic)
		return sub_in(s, sd, t, &nd->ref);
	if (a != NULL && a->dynamic) {
		nd->dynname = xstrdup(a->name);
		s->dynamic = 1;
	}
	return sub_in(s, sd, t, &nd->dynref);
}

/*
 * One keyword k (name w[0..n)) of node nd; its value is k + 1. One case
 * per keyword: long, but flat.
 */
static int
keyword(struct schema *s, struct node *nd, const char *w, size_t n, int k)
{
	const struct js_doc *d = &s->cur->doc;
	int i = k + 1, t, j;

#define KW(name)	is_key(w, n, name)
	if (left_out(s->cur, w, n))
		return 0;
	if (KW("type"))
		return kw_type(s, nd, i);
	if (KW("enum")) {
		if (d->v[i].type != JS_ARRAY)
			return cerr(s, i, "must be an array");
		nd->enum_i = i;
		return 0;
	}
	if (KW("const")) {
		nd->const_i = i;
		return 0;
	}
	if (KW("required"))
		return kw_required(s, nd, i);
	if (KW("properties"))
		return kw_properties(s, nd, i, 0);
	if (KW("patternProperties"))
		return kw_properties(s, nd, i, 1);
	if (KW("additionalProperties"))
		return sub(s, i, &nd->additional);
	if (KW("propertyNames"))
		return sub(s, i, &nd->propnames);
	if (KW("dependentRequired"))
		return kw_dependent_required(s, nd, i);
	if (KW("dependentSchemas"))
		return kw_dependent_schemas(s, nd, i);
	if (KW("minProperties"))
		return get_count(s, i, &nd->minprops);
	if (KW("maxProperties"))
		return get_count(s, i, &nd->maxprops);
	if (KW("items")) {
		if (d->v[i].type == JS_ARRAY)
			return cerr(s, i, "an array of schemas is "
			    "prefixItems in 2020-12");
		return sub(s, i, &nd->items);
	}
	if (KW("prefixItems"))
		return sub_array(s, i, &nd->prefix, &nd->nprefix, 1);
	if (KW("contains"))
		return sub(s, i, &nd->contains);
	if (KW("minContains"))
		return get_count(s, i, &nd->mincontains);
	if (KW("maxContains"))
		return get_count(s, i, &nd->maxcontains);
	if (KW("minItems"))
		return get_count(s, i, &nd->minitems);
	if (KW("maxItems"))
		return get_count(s, i, &nd->maxitems);
	if (KW("uniqueItems")) {
		if (d->v[i].type != JS_TRUE && d->v[i].type != JS_FALSE)
			return cerr(s, i, "must be a boolean");
		nd->unique = d->v[i].type == JS_TRUE;
		return 0;
	}
	if (KW("minLength"))
		return get_count(s, i, &nd->minlen);
	if (KW("maxLength"))
		return get_count(s, i, &nd->maxlen);
	if (KW("pattern")) {
		char *src;
		size_t len;

		if (d->v[i].type != JS_STRING)
			return cerr(s, i, "must be a string");
		src = dup_str(d, i, &len);
		nd->pattern = regex(s, i, src, len);
		nd->pattern_src = src;
		return nd->pattern == NULL ? -1 : 0;
	}
	if (KW("format"))
		return s->flags & SCHEMA_NO_FORMAT ? 0 : kw_format(s, nd, i);
	if (KW("minimum")) {
		nd->has_min = i;
		return get_number(s, i, &nd->min);
	}
	if (KW("maximum")) {
		nd->has_max = i;
		return get_number(s, i, &nd->max);
	}
	if (KW("exclusiveMinimum")) {
		nd->has_xmin = i;
		return get_number(s, i, &nd->xmin);
	}
	if (KW("exclusiveMaximum")) {
		nd->has_xmax = i;
		return get_number(s, i, &nd->xmax);
	}
	if (KW("multipleOf")) {
		nd->has_mult = i;
		if (get_number(s, i, &nd->mult) == -1)
			return -1;
		if (nd->mult.zero || nd->mult.neg)
			return cerr(s, i, "must be greater than 0");
		if (nd->mult.ndig > 19)
			return cerr(s, i, "more than 19 significant digits "
			    "are not supported");
		return 0;
	}
	if (KW("allOf"))
		return sub_array(s, i, &nd->allof, &nd->nallof, 1);
	if (KW("anyOf"))
		return sub_array(s, i, &nd->anyof, &nd->nanyof, 1);
	if (KW("oneOf"))
		return sub_array(s, i, &nd->oneof, &nd->noneof, 1);
	if (KW("not"))
		return sub(s, i, &nd->not);
	if (KW("if"))
		return sub(s, i, &nd->if_);
	if (KW("then"))
		return sub(s, i, &nd->then_);
	if (KW("else"))
		return sub(s, i, &nd->else_);
	if (KW("$ref"))
		return kw_ref(s, nd, i, 0);
	if (KW("$dynamicRef"))
		return kw_ref(s, nd, i, 1);
	if (KW("unevaluatedProperties"))
		return sub(s, i, &nd->uneval_props);
	if (KW("unevaluatedItems"))
		return sub(s, i, &nd->uneval_items);
	if (KW("$defs") || KW("definitions")) {
		struct node *unused;

		if (d->v[i].type != JS_OBJECT)
			return cerr(s, i, "must be an object of schemas");
		for (t = i + 1; t < (int)d->v[i].end; t = d->v[t + 1].end)
			if (sub(s, t + 1, &unused) == -1)
				return -1;
		return 0;
	}
	for (j = 0; unsupported_keywords[j] != NULL; j++)
		if (KW(unsupported_keywords[j]))
			return cerr(s, i, "%s is not supported",
			    unsupported_keywords[j]);
	for (j = 0; ignored_keywords[j] != NULL; j++)
		if (KW(ignored_keywords[j]))
			return 0;
#undef KW
	cwarn(s, i, "unknown keyword \"%.*s\" ignored", (int)(n > 40 ? 40 : n),
	    w);
	return 0;
}

static void find_loops(const struct schema *, struct node *);

static void
loop_edge(const struct schema *s, struct node *nd, struct node *to)
{
	if (to == NULL)
		return;
	if (to->mark == 0)
		find_loops(s, to);
	if (to->mark == 1 || to->loop)
		nd->loop = 1;
}

/*
 * Mark the nodes whose same-location subschemas ($ref, $dynamicRef and
 * every $dynamicAnchor it may reach, allOf, anyOf, oneOf, not, if,
 * then, else, dependentSchemas) lead back to themselves or to such a
 * loop: a depth-first walk, a grey node met again closing a loop.
 */
static void
find_loops(const struct schema *s, struct node *nd)
{
	const struct anchor *a;
	size_t j;

	nd->mark = 1;
	loop_edge(s, nd, nd->ref);
	loop_edge(s, nd, nd->dynref);
	if (nd->dynname != NULL)
		for (a = s->anchors; a < s->anchors + s->nanchors; a++)
			if (a->dynamic && strcmp(a->name, nd->dynname) == 0)
				loop_edge(s, nd, s->res[a->res].sd->nodes[a->at]);
	for (j = 0; j < nd->nallof; j++)
		loop_edge(s, nd, nd->allof[j]);
	for (j = 0; j < nd->nanyof; j++)
		loop_edge(s, nd, nd->anyof[j]);
	for (j = 0; j < nd->noneof; j++)
		loop_edge(s, nd, nd->oneof[j]);
	loop_edge(s, nd, nd->not);
	loop_edge(s, nd, nd->if_);
	loop_edge(s, nd, nd->then_);
	loop_edge(s, nd, nd->else_);
	for (j = 0; j < nd->ndeps; j++)
		loop_edge(s, nd, nd->deps[j].sub);
	nd->mark = 2;
}

/*
 * A $dynamicRef may land on any $dynamicAnchor of its name in a resource
 * of the dynamic scope, which only holds documents the schema reaches:
 * compile those anchors, until they reach no new document.
 */
static int
compile_dynamic(struct schema *s)
{
	const struct anchor *a;
	struct sdoc *sd;
	struct node *unused;
	size_t k, again = 1;

	while (again)
		for (again = 0, k = 0; k < s->nanchors; k++) {
			a = &s->anchors[k];
			sd = s->res[a->res].sd;
			if (!a->dynamic || !sd->checked ||
			    sd->nodes[a->at] != NULL)
				continue;
			if (sub_in(s, sd, a->at, &unused) == -1)
				return -1;
			again = 1;
		}
	return 0;
}

struct schema *
schema_compile(const char *text, size_t n, const char *file,
    const char *const *dirs, size_t ndirs, int flags, char *err,
    size_t errlen)
{
	struct schema *s = xcalloc(1, sizeof(*s));
	struct buf uri = BUF_INIT;
	char m[200], *copy;
	size_t k;
	int at;

	s->flags = flags;
	s->err = err;
	s->errlen = errlen;
	buf_addc(&s->warnings, '\0');
	s->warnings.len = 0;
	res_dirs(s, dirs, ndirs);
	copy = xmalloc(n + 1);
	memcpy(copy, text, n);
	copy[n] = '\0';
	if (file != NULL && realpath(file, m) != NULL)
		res_file_uri(m, &uri);
	else
		buf_adds(&uri, "urn:x-sluice:schema");
	s->cur = res_add_doc(s, copy, n, buf_cstr(&uri), file != NULL ? file :
	    "schema", m, sizeof(m));
	buf_free(&uri);
	if (s->cur == NULL) {
		snprintf(err, errlen, "%s", strchr(m, ':') + 2);
		schema_free(s);
		return NULL;
	}
	if (file != NULL && realpath(file, m) != NULL)
		s->cur->real = xstrdup(m);
	if (meta_check(&s->cur->doc, &at, m, sizeof(m)) == -1) {
		cerr(s, at, "%s", m);
		schema_free(s);
		return NULL;
	}
	s->cur->checked = 1;
	if (dialect(s, s->cur) == -1 || compile(s, 0) == NULL || (s->dynamic && compile_dynamic(s) == -1)) {
		schema_free(s);
		return NULL;
	}
	for (k = 0; k < s->ndocs; k++)
		for (at = 0; (size_t)at < s->docs[k]->doc.n; at++)
			if (s->docs[k]->nodes[at] != NULL &&
			    s->docs[k]->nodes[at]->kind == 0 &&
			    s->docs[k]->nodes[at]->mark == 0)
				find_loops(s, s->docs[k]->nodes[at]);
	s->md = pcre2_match_data_create(1, NULL);
	if (s->md == NULL) {
		snprintf(err, errlen, "out of memory");
		schema_free(s);
		return NULL;
	}
	s->stack = xcalloc(MAX_CHECK_DEPTH + 1, sizeof(*s->stack));
	buf_cstr(&s->warnings);
	return s;
}

const char *
schema_warnings(const struct schema *s)
{
	return s->warnings.p != NULL ? s->warnings.p : "";
}

static void
node_free(struct node *nd)
{
	size_t j;

	if (nd->kind != 0)
		return;
	for (j = 0; j < nd->nprops; j++)
		free((char *)nd->props[j].name);
	free(nd->props);
	free(nd->required);
	for (j = 0; j < nd->npats; j++) {
		pcre2_code_free(nd->pats[j].re);
		free(nd->pats[j].src);
	}
	free(nd->pats);
	for (j = 0; j < nd->ndeps; j++)
		free((char *)nd->deps[j].name);
	free(nd->deps);
	free(nd->prefix);
	pcre2_code_free(nd->pattern);
	free((char *)nd->pattern_src);
	free(nd->allof);
	free(nd->anyof);
	free(nd->oneof);
	free(nd->dynname);
	free(nd);
}

void
schema_free(struct schema *s)
{
	size_t i, k;

	if (s == NULL)
		return;
	for (k = 0; k < s->ndocs; k++)
		for (i = 0; s->docs[k]->nodes != NULL &&
		    i < s->docs[k]->doc.n; i++)
			if (s->docs[k]->nodes[i] != NULL)
				node_free(s->docs[k]->nodes[i]);
	res_free(s);
	free(s->scope);
	free(s->stack);
	buf_free(&s->spath);
	pcre2_match_data_free(s->md);
	buf_free(&s->warnings);
	buf_free(&s->path);
	buf_free(&s->sbuf);
	buf_free(&s->kbuf);
	buf_free(&s->tbuf);
	buf_free(&s->ubuf);
	free(s);
}

