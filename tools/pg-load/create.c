/*
 * --create -s: the target table's columns from a JSON Schema.
 *
 * The schema is the one jsonl-validate reads. Each member of the root's
 * "properties" becomes a column, in the schema's order, typed by its
 * "type", "format" and "enum" (the mapping is in pg-load(1)); "required"
 * members that cannot be null are NOT NULL. With --flatten, a member
 * whose schema is an object with properties gives a column per property
 * instead, named parent_child, down to any depth. Local references
 * ("#/$defs/NAME", "#/definitions/NAME") are followed. ddl.c writes and
 * runs the statement.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg-load.h"

/* The schema being read; x holds the statement and reports the errors. */
struct from_schema {
	struct ddl	*x;
	const char	*path;		/* the schema file, for messages */
	struct js_doc	 d;
	struct buf	 name;		/* scratch: a decoded string */
	int		 depth;		/* of the properties being read */
};

static void	 read_schema(struct from_schema *, struct buf *);
static int	 follow_ref(struct from_schema *, int);
static void	 add_props(struct from_schema *, int obj, int required,
		    struct buf *prefix, struct buf *path);
static void	 add_column(struct from_schema *, int s, int required,
		    struct buf *col, struct buf *path);
static const char *string_type(struct from_schema *, int, char *, size_t);
static void	 add_enum(struct from_schema *, int, const char *, size_t);
static long	 enum_strings(struct from_schema *, int);
static int	 is_required(struct from_schema *, int obj, int key);

/*
 * Build o->ddl, the CREATE TABLE for table (as -t gives it) from
 * o->schema, with keys (--key-columns, or NULL) as its primary key.
 * Exits 66 if the schema cannot be read, 65 if it cannot make a table.
 */
void
create_prepare(struct cli *c, struct create_opts *o, const char *table,
    const char *keys)
{
	struct ddl x;
	struct from_schema f = { .x = &x, .path = o->schema };
	struct buf text = BUF_INIT, prefix = BUF_INIT, path = BUF_INIT;
	int root;

	ddl_begin(&x, c, o, table, o->schema);
	read_schema(&f, &text);
	root = follow_ref(&f, 0);
	if (f.d.v[root].type != JS_OBJECT)
		cli_fail(c, EX_DATAERR, "%s: the schema is not an object",
		    f.path);
	add_props(&f, root, 1, &prefix, &path);
	if (o->ncol == 0)
		cli_fail(c, EX_DATAERR, "%s: the schema has no \"properties\" "
		    "to make columns of", f.path);
	ddl_end(&x, keys);
	buf_free(&prefix);
	buf_free(&path);
	buf_free(&f.name);
	js_free(&f.d);
	buf_free(&text);
}

/*
 * The columns of the properties of object schema obj, each named
 * prefix + its key; required: whether obj itself is always there.
 */
static void
add_props(struct from_schema *f, int obj, int required, struct buf *prefix,
    struct buf *path)
{
	int props = js_get(&f->d, obj, "properties", 10), k;
	size_t plen = prefix->len, qlen = path->len;

	if (props == -1 || f->d.v[props].type != JS_OBJECT)
		return;
	f->depth++;
	for (k = props + 1; k < (int)f->d.v[props].end;
	    k = (int)f->d.v[k + 1].end) {
		buf_reset(&f->name);
		js_str(&f->d, k, &f->name);
		buf_add(prefix, f->name.p, f->name.len);
		ddl_path_step(path, f->name.p, f->name.len);
		add_column(f, follow_ref(f, k + 1), required &&
		    is_required(f, obj, k), prefix, path);
		prefix->len = plen;
		path->len = qlen;
	}
	f->depth--;
}

/* Read and scan the schema file into f->d (text keeps its bytes). */
static void
read_schema(struct from_schema *f, struct buf *text)
{
	struct cli *c = f->x->c;
	char chunk[65536], msg[160];
	struct js_err je;
	ssize_t r;
	int fd;

	if ((fd = open(f->path, O_RDONLY)) == -1)
		cli_fail(c, EX_NOINPUT, "%s: %s", f->path, strerror(errno));
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			cli_fail(c, EX_NOINPUT, "%s: %s", f->path,
			    strerror(errno));
		}
		buf_add(text, chunk, (size_t)r);
	}
	close(fd);
	if (text->len >= 3 && memcmp(text->p, "\xef\xbb\xbf", 3) == 0)
		memmove(text->p, text->p + 3, text->len -= 3);
	if (js_scan(&f->d, text->p ? text->p : "", text->len, &je) == -1)
		cli_fail(c, EX_DATAERR, "%s: %s", f->path,
		    js_strerror(&je, msg, sizeof(msg)));
}

/* The schema at i, or the one its "$ref" names, followed to the end. */
static int
follow_ref(struct from_schema *f, int i)
{
	struct cli *c = f->x->c;
	int hops, ref, at;
	const char *s, *e;

	for (hops = 0; f->d.v[i].type == JS_OBJECT; hops++) {
		if ((ref = js_get(&f->d, i, "$ref", 4)) == -1)
			break;
		if (hops == 32)
			cli_fail(c, EX_DATAERR, "%s: \"$ref\" loops", f->path);
		buf_reset(&f->name);
		js_str(&f->d, ref, &f->name);
		buf_addc(&f->name, '\0');
		s = f->name.p;
		if (strncmp(s, "#/", 2) != 0)
			cli_fail(c, EX_DATAERR, "%s: \"$ref\": %s: only "
			    "references inside the file (#/...) are followed",
			    f->path, s);
		/* Walk the pointer's segments (names without ~ escapes). */
		at = 0;
		for (s += 2; at != -1 && *s != '\0'; s = *e ? e + 1 : e) {
			e = strchr(s, '/');
			if (e == NULL)
				e = s + strlen(s);
			at = f->d.v[at].type == JS_OBJECT ? js_get(&f->d, at, s,
			    (size_t)(e - s)) : -1;
		}
		if (at == -1)
			cli_fail(c, EX_DATAERR, "%s: \"$ref\": %s: no such "
			    "definition", f->path, f->name.p);
		i = at;
	}
	return i;
}

/* 1 if object schema obj's "required" names key k. */
static int
is_required(struct from_schema *f, int obj, int k)
{
	int req = js_get(&f->d, obj, "required", 8), i;
	long j;

	if (req == -1 || f->d.v[req].type != JS_ARRAY)
		return 0;
	buf_reset(&f->name);
	js_str(&f->d, k, &f->name);
	for (j = 0; (i = js_index(&f->d, req, j)) != -1; j++)
		if (js_str_eq(&f->d, i, f->name.p ? f->name.p : "",
		    f->name.len))
			return 1;
	return 0;
}

/*
 * The column col of schema s: its type, NOT NULL, CHECK; or, with
 * --flatten and s an object schema with properties, its properties'
 * columns. path: the jq path of its value in a record.
 */
static void
add_column(struct from_schema *f, int s, int required, struct buf *col,
    struct buf *path)
{
	struct create_opts *o = f->x->o;
	const char *type = "jsonb";
	char tbuf[64];
	size_t i;
	int t, en, nullable = 1, ntypes = 0, checked = 0, frac = 0;
	long j;
	unsigned seen = 0;	/* bit per enum js_type; frac: not integers */

	/* The types the schema allows, "null" apart. */
	if (f->d.v[s].type == JS_OBJECT &&
	    (t = js_get(&f->d, s, "type", 4)) != -1) {
		nullable = 0;
		for (j = 0; ; j++) {
			int e = f->d.v[t].type == JS_ARRAY ? js_index(&f->d, t,
			    j) : j == 0 ? t : -1;

			if (e == -1)
				break;
			if (js_str_eq(&f->d, e, "null", 4))
				nullable = 1;
			else if (js_str_eq(&f->d, e, "integer", 7))
				seen |= 1u << JS_NUMBER;
			else if (js_str_eq(&f->d, e, "number", 6)) {
				seen |= 1u << JS_NUMBER;
				frac = 1;
			}
			else if (js_str_eq(&f->d, e, "string", 6))
				seen |= 1u << JS_STRING;
			else if (js_str_eq(&f->d, e, "boolean", 7))
				seen |= 1u << JS_TRUE;
			else if (js_str_eq(&f->d, e, "object", 6))
				seen |= 1u << JS_OBJECT;
			else
				seen |= 1u << JS_ARRAY;
		}
	} else if (f->d.v[s].type == JS_OBJECT &&
	    (en = js_get(&f->d, s, "enum", 4)) != -1 &&
	    f->d.v[en].type == JS_ARRAY) {
		/* An enum without "type": the types of its members. */
		nullable = 0;
		for (j = 0; (t = js_index(&f->d, en, j)) != -1; j++) {
			int64_t v;

			if (f->d.v[t].type == JS_NULL)
				nullable = 1;
			else if (f->d.v[t].type == JS_NUMBER) {
				seen |= 1u << JS_NUMBER;
				frac |= js_int64(&f->d, t, &v) == -1;
			}
			else if (f->d.v[t].type == JS_FALSE)
				seen |= 1u << JS_TRUE;
			else
				seen |= 1u << f->d.v[t].type;
		}
	}
	if (o->flatten && seen == 1u << JS_OBJECT &&
	    (t = js_get(&f->d, s, "properties", 10)) != -1 &&
	    f->d.v[t].type == JS_OBJECT && f->d.v[t].n > 0) {
		buf_addc(col, '_');
		add_props(f, s, required && !nullable, col, path);
		return;
	}
	for (i = 0; i < 8; i++)
		ntypes += (seen >> i) & 1;
	if (ntypes == 1 && (seen & 1u << JS_NUMBER))
		type = frac ? o->number_type : "bigint";
	else if (ntypes == 1 && (seen & 1u << JS_TRUE))
		type = "boolean";
	else if (ntypes == 1 && (seen & 1u << JS_STRING)) {
		type = string_type(f, s, tbuf, sizeof(tbuf));
		checked = strcmp(type, "text") == 0;
	}
	if (checked && o->enum_type && enum_strings(f, s) > 0)
		type = ddl_enum_type(f->x, col->p, col->len);
	ddl_column(f->x, col->p, col->len, type, required && !nullable,
	    f->depth > 1 ? path->p : NULL, path->len);
	if (checked)
		add_enum(f, s, col->p, col->len);
}

/* How many members of schema s's "enum" are strings. */
static long
enum_strings(struct from_schema *f, int s)
{
	int en = js_get(&f->d, s, "enum", 4), t;
	long j, n = 0;

	if (en == -1 || f->d.v[en].type != JS_ARRAY)
		return 0;
	for (j = 0; (t = js_index(&f->d, en, j)) != -1; j++)
		n += f->d.v[t].type == JS_STRING;
	return n;
}

/*
 * The type of a string schema s: its "format" decides, and with
 * --varchar its "maxLength" (written into tbuf).
 */
static const char *
string_type(struct from_schema *f, int s, char *tbuf, size_t size)
{
	static const char *const fmt[][2] = {
		{ "date-time", "timestamptz" }, { "date", "date" },
		{ "uuid", "uuid" },
	};
	int k = js_get(&f->d, s, "format", 6);
	int64_t n;
	size_t i;

	if (k != -1)
		for (i = 0; i < sizeof(fmt) / sizeof(*fmt); i++)
			if (js_str_eq(&f->d, k, fmt[i][0], strlen(fmt[i][0])))
				return fmt[i][1];
	if (f->x->o->varchar && (k = js_get(&f->d, s, "maxLength", 9)) !=
	    -1 && js_int64(&f->d, k, &n) == 0 && n >= 1 && n <= 10485760) {
		snprintf(tbuf, size, "varchar(%lld)", (long long)n);
		return tbuf;
	}
	return "text";
}

/*
 * An "enum" of strings: with --enum-type, column col of an enum type of
 * its members; else a CHECK (col IN (...)) on the text column, on
 * lower(col) with the members lowered when the schema says
 * "x-sluice-enum-ci" as jsonl-validate reads it.
 */
static void
add_enum(struct from_schema *f, int s, const char *col, size_t n)
{
	struct buf *out = f->x->o->enum_type ? &f->x->pre : &f->x->out;
	int en = js_get(&f->d, s, "enum", 4), ci, t;
	size_t i;
	long j, nstr = 0;

	if (enum_strings(f, s) == 0)
		return;
	ci = (t = js_get(&f->d, s, "x-sluice-enum-ci", 16)) != -1 &&
	    f->d.v[t].type == JS_TRUE;
	if (f->x->o->enum_type) {
		if (ci)
			cli_fail(f->x->c, EX_DATAERR, "%s: property \"%.*s\": "
			    "--enum-type: an enum type is case-sensitive, the "
			    "schema's enum is not (x-sluice-enum-ci)", f->path,
			    (int)n, col);
		buf_adds(out, " AS ENUM (");
	} else {
		buf_adds(out, " CHECK (");
		if (ci)
			buf_adds(out, "lower(");
		ddl_ident(f->x, out, col, n, "column name");
		buf_adds(out, ci ? ") IN (" : " IN (");
	}
	for (j = 0; (t = js_index(&f->d, en, j)) != -1; j++) {
		if (f->d.v[t].type != JS_STRING)
			continue;
		buf_reset(&f->name);
		js_str(&f->d, t, &f->name);
		if (memchr(f->name.p ? f->name.p : "", '\0', f->name.len))
			cli_fail(f->x->c, EX_DATAERR, "%s: property \"%.*s\": "
			    "an enum member holds a NUL byte", f->path, (int)n,
			    col);
		buf_adds(out, nstr++ > 0 ? ", '" : "'");
		for (i = 0; i < f->name.len; i++) {
			char ch = f->name.p[i];

			if (ci && ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			if (ch == '\'')
				buf_addc(out, '\'');
			buf_addc(out, ch);
		}
		buf_addc(out, '\'');
	}
	buf_adds(out, f->x->o->enum_type ? ");\n" : "))");
}
