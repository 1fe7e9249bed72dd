/*
 * --create: the target table from a JSON Schema, when it does not exist.
 *
 * The schema is the one jsonl-validate reads. Each member of the root's
 * "properties" becomes a column, in the schema's order, typed by its
 * "type", "format" and "enum" (the mapping is in pg-load(1)); "required"
 * members that cannot be null are NOT NULL, and --key-columns is the
 * primary key. Local references ("#/$defs/NAME", "#/definitions/NAME")
 * are followed. The statement is CREATE TABLE IF NOT EXISTS, run in its
 * own transaction under an advisory lock on the table's name before any
 * worker starts, so concurrent runs all see one table, and an existing
 * table is never altered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg-load.h"

#define PG_NAMEDATALEN	63	/* bytes PostgreSQL keeps of a name */

/* What the DDL is built from; c reports the errors. */
struct ddl {
	struct cli	*c;
	const char	*path;		/* the schema file, for messages */
	struct js_doc	 d;
	struct buf	 out;		/* the statement */
	struct buf	 name;		/* scratch: a decoded string */
	char		**cols;		/* column names seen, for collisions */
	size_t		 ncols;
};

static void	 read_schema(struct ddl *, struct buf *);
static int	 follow_ref(struct ddl *, int);
static void	 add_ident(struct ddl *, const char *, size_t, const char *);
static void	 add_column(struct ddl *, int key, int val, int required,
		    struct create_opts *);
static const char *string_type(struct ddl *, int);
static void	 add_enum_check(struct ddl *, int, const char *, size_t);
static int	 is_required(struct ddl *, int root, int key);

/*
 * Build o->ddl, the CREATE TABLE for table (as -t gives it) from
 * o->schema, with keys (--key-columns, or NULL) as its primary key.
 * Exits 66 if the schema cannot be read, 65 if it cannot make a table.
 */
void
create_prepare(struct cli *c, struct create_opts *o, const char *table,
    const char *keys)
{
	struct ddl x = { .c = c, .path = o->schema };
	struct buf text = BUF_INIT;
	char *schema, *name;
	int root, props, k;
	size_t i, ncol = 0;

	read_schema(&x, &text);
	root = follow_ref(&x, 0);
	if (x.d.v[root].type != JS_OBJECT)
		cli_fail(c, EX_DATAERR, "%s: the schema is not an object",
		    x.path);
	props = js_get(&x.d, root, "properties", 10);
	if (props == -1 || x.d.v[props].type != JS_OBJECT ||
	    x.d.v[props].n == 0)
		cli_fail(c, EX_DATAERR, "%s: the schema has no \"properties\" "
		    "to make columns of", x.path);

	pg_split_name(table, &schema, &name);
	buf_adds(&x.out, "CREATE TABLE IF NOT EXISTS ");
	if (schema != NULL) {
		add_ident(&x, schema, strlen(schema), "schema name");
		buf_addc(&x.out, '.');
	}
	add_ident(&x, name, strlen(name), "table name");
	i = strlen("CREATE TABLE IF NOT EXISTS ");
	o->qtable = xmalloc(x.out.len - i + 1);
	memcpy(o->qtable, x.out.p + i, x.out.len - i);
	o->qtable[x.out.len - i] = '\0';
	buf_adds(&x.out, " (\n");
	free(schema);
	free(name);
	for (k = props + 1; k < (int)x.d.v[props].end; k = (int)x.d.v[k + 1].end) {
		if (ncol++ > 0)
			buf_adds(&x.out, ",\n");
		add_column(&x, k, follow_ref(&x, k + 1), is_required(&x, root,
		    k), o);
	}
	if (keys != NULL) {
		const char *s = keys, *e;

		buf_adds(&x.out, ",\n  PRIMARY KEY (");
		for (;;) {
			e = strchr(s, ',');
			if (e == NULL)
				e = s + strlen(s);
			for (i = 0; i < x.ncols; i++)
				if (strlen(x.cols[i]) == (size_t)(e - s) &&
				    memcmp(x.cols[i], s, (size_t)(e - s)) == 0)
					break;
			if (i == x.ncols)
				cli_fail(c, EX_DATAERR, "--key-columns: %.*s "
				    "is not a property of %s", (int)(e - s), s,
				    x.path);
			add_ident(&x, s, (size_t)(e - s), "column name");
			if (*e == '\0')
				break;
			buf_adds(&x.out, ", ");
			s = e + 1;
		}
		buf_addc(&x.out, ')');
	}
	buf_adds(&x.out, "\n);\n");
	o->ddl = buf_cstr(&x.out);
	for (i = 0; i < x.ncols; i++)
		free(x.cols[i]);
	free(x.cols);
	buf_free(&x.name);
	js_free(&x.d);
	buf_free(&text);
}

/*
 * Run o->ddl in a transaction of its own under the advisory lock every
 * --create takes, so that racing runs create the table once and each
 * then finds it, whatever schema or spelling of the name each was given.
 * Exits 69, 75 or 65 (the server refused the statement).
 */
void
create_table(struct cli *c, const struct create_opts *o, PGconn *conn)
{
	struct pg_err e;

	if (pg_run(conn, "BEGIN", &e) == -1 ||
	    pg_run(conn, "SET LOCAL client_min_messages = warning", &e) == -1 ||
	    pg_run(conn, "SET LOCAL standard_conforming_strings = on", &e) ==
	    -1)
		cli_fail(c, EX_UNAVAILABLE, "--create: %s", e.msg);
	if (pg_run(conn, "SELECT pg_advisory_xact_lock("
	    "hashtextextended('pg-load --create', 0))", &e) == -1)
		cli_fail(c, EX_UNAVAILABLE, "--create: %s", e.msg);
	if (pg_run(conn, o->ddl, &e) == -1)
		cli_fail(c, pg_sqlstate_transient(e.sqlstate) ? EX_TEMPFAIL :
		    e.sqlstate[0] == '0' && e.sqlstate[1] == '8' ?
		    EX_UNAVAILABLE : EX_DATAERR, "--create: %s", e.msg);
	if (pg_run(conn, "COMMIT", &e) == -1)
		cli_fail(c, pg_sqlstate_transient(e.sqlstate) ? EX_TEMPFAIL :
		    EX_UNAVAILABLE, "--create: %s", e.msg);
}

/* Read and scan the schema file into x->d (text keeps its bytes). */
static void
read_schema(struct ddl *x, struct buf *text)
{
	char chunk[65536], msg[160];
	struct js_err je;
	ssize_t r;
	int fd;

	if ((fd = open(x->path, O_RDONLY)) == -1)
		cli_fail(x->c, EX_NOINPUT, "%s: %s", x->path, strerror(errno));
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			cli_fail(x->c, EX_NOINPUT, "%s: %s", x->path,
			    strerror(errno));
		}
		buf_add(text, chunk, (size_t)r);
	}
	close(fd);
	if (text->len >= 3 && memcmp(text->p, "\xef\xbb\xbf", 3) == 0)
		memmove(text->p, text->p + 3, text->len -= 3);
	if (js_scan(&x->d, text->p ? text->p : "", text->len, &je) == -1)
		cli_fail(x->c, EX_DATAERR, "%s: %s", x->path,
		    js_strerror(&je, msg, sizeof(msg)));
}

/* The schema at i, or the one its "$ref" names, followed to the end. */
static int
follow_ref(struct ddl *x, int i)
{
	int hops, ref, at;
	const char *s, *e;

	for (hops = 0; x->d.v[i].type == JS_OBJECT; hops++) {
		if ((ref = js_get(&x->d, i, "$ref", 4)) == -1)
			break;
		if (hops == 32)
			cli_fail(x->c, EX_DATAERR, "%s: \"$ref\" loops",
			    x->path);
		buf_reset(&x->name);
		js_str(&x->d, ref, &x->name);
		buf_addc(&x->name, '\0');
		s = x->name.p;
		if (strncmp(s, "#/", 2) != 0)
			cli_fail(x->c, EX_DATAERR, "%s: \"$ref\": %s: only "
			    "references inside the file (#/...) are followed",
			    x->path, s);
		/* Walk the pointer's segments (names without ~ escapes). */
		at = 0;
		for (s += 2; at != -1 && *s != '\0'; s = *e ? e + 1 : e) {
			e = strchr(s, '/');
			if (e == NULL)
				e = s + strlen(s);
			at = x->d.v[at].type == JS_OBJECT ? js_get(&x->d, at, s,
			    (size_t)(e - s)) : -1;
		}
		if (at == -1)
			cli_fail(x->c, EX_DATAERR, "%s: \"$ref\": %s: no such "
			    "definition", x->path, x->name.p);
		i = at;
	}
	return i;
}

/* Append name quoted as an identifier, refusing what PostgreSQL would cut. */
static void
add_ident(struct ddl *x, const char *name, size_t n, const char *what)
{
	size_t i;

	if (n == 0)
		cli_fail(x->c, EX_DATAERR, "%s: an empty %s", x->path, what);
	if (memchr(name, '\0', n) != NULL)
		cli_fail(x->c, EX_DATAERR, "%s: %s \"%.*s\" holds a NUL byte",
		    x->path, what, (int)strlen(name), name);
	if (n > PG_NAMEDATALEN)
		cli_fail(x->c, EX_DATAERR, "%s: %s \"%.*s\" is %zu bytes; "
		    "PostgreSQL keeps %d", x->path, what, (int)n, name, n,
		    PG_NAMEDATALEN);
	buf_addc(&x->out, '"');
	for (i = 0; i < n; i++) {
		if (name[i] == '"')
			buf_addc(&x->out, '"');
		buf_addc(&x->out, name[i]);
	}
	buf_addc(&x->out, '"');
}

/* 1 if the root's "required" names key k. */
static int
is_required(struct ddl *x, int root, int k)
{
	int req = js_get(&x->d, root, "required", 8), i;
	long j;

	if (req == -1 || x->d.v[req].type != JS_ARRAY)
		return 0;
	buf_reset(&x->name);
	js_str(&x->d, k, &x->name);
	for (j = 0; (i = js_index(&x->d, req, j)) != -1; j++)
		if (js_str_eq(&x->d, i, x->name.p ? x->name.p : "",
		    x->name.len))
			return 1;
	return 0;
}

/* One column: key k's name, the type of schema s, NOT NULL, CHECK. */
static void
add_column(struct ddl *x, int k, int s, int required,
    struct create_opts *o)
{
	const char *type = "jsonb";
	char *col;
	size_t n, i;
	int t, en, nullable = 1, ntypes = 0, checked = 0, frac = 0;
	long j;
	unsigned seen = 0;	/* bit per enum js_type; frac: not integers */

	buf_reset(&x->name);
	js_str(&x->d, k, &x->name);
	n = x->name.len;
	col = xmalloc(n + 1);
	memcpy(col, x->name.p ? x->name.p : "", n);
	col[n] = '\0';
	for (i = 0; i < x->ncols; i++)
		if (strlen(x->cols[i]) == n && memcmp(x->cols[i], col, n) == 0)
			cli_fail(x->c, EX_DATAERR, "%s: property \"%s\" "
			    "appears twice: two keys for one column", x->path,
			    col);
	x->cols = xrealloc(x->cols, (x->ncols + 1) * sizeof(*x->cols));
	x->cols[x->ncols++] = col;
	buf_adds(&x->out, "  ");
	add_ident(x, col, n, "column name");

	/* The types the schema allows, "null" apart. */
	if (x->d.v[s].type == JS_OBJECT &&
	    (t = js_get(&x->d, s, "type", 4)) != -1) {
		nullable = 0;
		for (j = 0; ; j++) {
			int e = x->d.v[t].type == JS_ARRAY ? js_index(&x->d, t,
			    j) : j == 0 ? t : -1;

			if (e == -1)
				break;
			if (js_str_eq(&x->d, e, "null", 4))
				nullable = 1;
			else if (js_str_eq(&x->d, e, "integer", 7))
				seen |= 1u << JS_NUMBER;
			else if (js_str_eq(&x->d, e, "number", 6)) {
				seen |= 1u << JS_NUMBER;
				frac = 1;
			}
			else if (js_str_eq(&x->d, e, "string", 6))
				seen |= 1u << JS_STRING;
			else if (js_str_eq(&x->d, e, "boolean", 7))
				seen |= 1u << JS_TRUE;
			else
				seen |= 1u << JS_OBJECT;
		}
	} else if (x->d.v[s].type == JS_OBJECT &&
	    (en = js_get(&x->d, s, "enum", 4)) != -1 &&
	    x->d.v[en].type == JS_ARRAY) {
		/* An enum without "type": the types of its members. */
		nullable = 0;
		for (j = 0; (t = js_index(&x->d, en, j)) != -1; j++) {
			int64_t v;

			if (x->d.v[t].type == JS_NULL)
				nullable = 1;
			else if (x->d.v[t].type == JS_NUMBER) {
				seen |= 1u << JS_NUMBER;
				frac |= js_int64(&x->d, t, &v) == -1;
			}
			else if (x->d.v[t].type == JS_FALSE)
				seen |= 1u << JS_TRUE;
			else
				seen |= 1u << x->d.v[t].type;
		}
	}
	for (i = 0; i < 8; i++)
		ntypes += (seen >> i) & 1;
	if (ntypes == 1 && (seen & 1u << JS_NUMBER))
		type = frac ? o->number_type : "bigint";
	else if (ntypes == 1 && (seen & 1u << JS_TRUE))
		type = "boolean";
	else if (ntypes == 1 && (seen & 1u << JS_STRING)) {
		type = string_type(x, s);
		checked = strcmp(type, "text") == 0;
	}
	buf_addf(&x->out, " %s", type);
	o->col = xrealloc(o->col, (o->ncol + 1) * sizeof(*o->col));
	o->col[o->ncol].name = xstrdup(col);
	o->col[o->ncol++].type = strcmp(type, "timestamptz") == 0 ?
	    "timestamp with time zone" : type;
	if (required && !nullable)
		buf_adds(&x->out, " NOT NULL");
	if (checked)
		add_enum_check(x, s, col, n);
}

/* The type of a string schema s: its "format" decides. */
static const char *
string_type(struct ddl *x, int s)
{
	static const char *const fmt[][2] = {
		{ "date-time", "timestamptz" }, { "date", "date" },
		{ "uuid", "uuid" },
	};
	int f = js_get(&x->d, s, "format", 6);
	size_t i;

	if (f == -1)
		return "text";
	for (i = 0; i < sizeof(fmt) / sizeof(*fmt); i++)
		if (js_str_eq(&x->d, f, fmt[i][0], strlen(fmt[i][0])))
			return fmt[i][1];
	return "text";
}

/*
 * An "enum" of strings: CHECK (col IN (...)), on lower(col) with the
 * members lowered when the schema says "x-sluice-enum-ci" as
 * jsonl-validate reads it.
 */
static void
add_enum_check(struct ddl *x, int s, const char *col, size_t n)
{
	int en = js_get(&x->d, s, "enum", 4), ci, t;
	size_t i;
	long j, nstr = 0;

	if (en == -1 || x->d.v[en].type != JS_ARRAY)
		return;
	for (j = 0; (t = js_index(&x->d, en, j)) != -1; j++)
		nstr += x->d.v[t].type == JS_STRING;
	if (nstr == 0)
		return;
	nstr = 0;
	ci = (t = js_get(&x->d, s, "x-sluice-enum-ci", 16)) != -1 &&
	    x->d.v[t].type == JS_TRUE;
	buf_adds(&x->out, " CHECK (");
	if (ci)
		buf_adds(&x->out, "lower(");
	add_ident(x, col, n, "column name");
	buf_adds(&x->out, ci ? ") IN (" : " IN (");
	for (j = 0; (t = js_index(&x->d, en, j)) != -1; j++) {
		if (x->d.v[t].type != JS_STRING)
			continue;
		buf_reset(&x->name);
		js_str(&x->d, t, &x->name);
		if (memchr(x->name.p ? x->name.p : "", '\0', x->name.len))
			cli_fail(x->c, EX_DATAERR, "%s: property \"%s\": an "
			    "enum member holds a NUL byte", x->path, col);
		buf_adds(&x->out, nstr++ > 0 ? ", '" : "'");
		for (i = 0; i < x->name.len; i++) {
			char ch = x->name.p[i];

			if (ci && ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			if (ch == '\'')
				buf_addc(&x->out, '\'');
			buf_addc(&x->out, ch);
		}
		buf_addc(&x->out, '\'');
	}
	buf_adds(&x->out, "))");
}

/*
 * --check-schema: tell each column of the schema that the existing table
 * lacks or holds with another type. 0 if none, else 65 (exits 65 if the
 * table does not exist, 69 if the query fails).
 */
int
create_check(struct cli *c, const struct create_opts *o, PGconn *conn)
{
	const char *param[1] = { o->qtable };
	struct pg_err e;
	PGresult *r;
	size_t i;
	int j, n, bad = 0;

	if ((r = pg_exec(conn, "SELECT attname, format_type(atttypid, "
	    "atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND "
	    "attnum > 0 AND NOT attisdropped", 1, param, &e)) == NULL)
		cli_fail(c, strcmp(e.sqlstate, "42P01") == 0 ? EX_DATAERR :
		    EX_UNAVAILABLE, "--check-schema: %s", e.msg);
	n = PQntuples(r);
	for (i = 0; i < o->ncol; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(PQgetvalue(r, j, 0), o->col[i].name) == 0)
				break;
		if (j == n)
			cli_warn(c, "%s: column \"%s\" (%s) is missing from %s",
			    o->schema, o->col[i].name, o->col[i].type,
			    o->qtable);
		else if (strcmp(PQgetvalue(r, j, 1), o->col[i].type) != 0)
			cli_warn(c, "%s: column \"%s\" is %s in %s, %s in the "
			    "schema", o->schema, o->col[i].name,
			    PQgetvalue(r, j, 1), o->qtable, o->col[i].type);
		else
			continue;
		bad++;
	}
	PQclear(r);
	if (bad > 0)
		cli_warn(c, "%s differs from %s in %d column%s", o->qtable,
		    o->schema, bad, bad == 1 ? "" : "s");
	return bad > 0 ? EX_DATAERR : 0;
}
