/*
 * The statement --create runs, however its columns were found (a JSON
 * Schema in create.c, a sample of the records in infer.c): identifiers
 * quoted and never cut, the enum types a column needs before the table,
 * the primary key; then running it, and --check-schema's comparison with
 * a table that exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg-load.h"

#define PG_NAMEDATALEN	63	/* bytes PostgreSQL keeps of a name */

static char	*type_name(const char *);
static int	 same_type(const char *, const char *);

/* Start the statement for table (as -t gives it); what names the source. */
void
ddl_begin(struct ddl *x, struct cli *c, struct create_opts *o,
    const char *table, const char *what)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->c = c;
	x->o = o;
	x->what = what;
	o->what = what;
	pg_split_name(table, &x->schema, &x->name);
	buf_adds(&x->out, "CREATE TABLE IF NOT EXISTS ");
	i = x->out.len;
	if (x->schema != NULL) {
		ddl_ident(x, &x->out, x->schema, strlen(x->schema),
		    "schema name");
		buf_addc(&x->out, '.');
	}
	ddl_ident(x, &x->out, x->name, strlen(x->name), "table name");
	o->qtable = xmalloc(x->out.len - i + 1);
	memcpy(o->qtable, x->out.p + i, x->out.len - i);
	o->qtable[x->out.len - i] = '\0';
	buf_adds(&x->out, " (\n");
}

/* Append name to out quoted, refusing what PostgreSQL would cut. */
void
ddl_ident(struct ddl *x, struct buf *out, const char *name, size_t n,
    const char *what)
{
	size_t i;

	if (n == 0)
		cli_fail(x->c, EX_DATAERR, "%s: an empty %s", x->what, what);
	if (memchr(name, '\0', n) != NULL)
		cli_fail(x->c, EX_DATAERR, "%s: %s \"%.*s\" holds a NUL byte",
		    x->what, what, (int)strlen(name), name);
	if (n > PG_NAMEDATALEN)
		cli_fail(x->c, EX_DATAERR, "%s: %s \"%.*s\" is %zu bytes; "
		    "PostgreSQL keeps %d", x->what, what, (int)n, name, n,
		    PG_NAMEDATALEN);
	buf_addc(out, '"');
	for (i = 0; i < n; i++) {
		if (name[i] == '"')
			buf_addc(out, '"');
		buf_addc(out, name[i]);
	}
	buf_addc(out, '"');
}

/*
 * Append to path the jq step to member key: .key for a plain name, else
 * ."key" as a JSON string.
 */
void
ddl_path_step(struct buf *path, const char *key, size_t n)
{
	size_t i, plain = n > 0 && !(key[0] >= '0' && key[0] <= '9');

	for (i = 0; i < n && plain; i++)
		plain = (key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '_';
	buf_addc(path, '.');
	if (plain) {
		buf_add(path, key, n);
		return;
	}
	buf_addc(path, '"');
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)key[i];

		if (ch == '"' || ch == '\\') {
			buf_addc(path, '\\');
			buf_addc(path, (char)ch);
		} else if (ch < 0x20)
			buf_addf(path, "\\u%04x", ch);
		else
			buf_addc(path, (char)ch);
	}
	buf_addc(path, '"');
}

/*
 * Begin "CREATE TYPE T" for column col's enum type, T the table's name,
 * '_' and col's, in the table's schema; the caller adds " AS ENUM
 * (...);". Returns T quoted, for the column's type (valid until the next
 * call).
 */
const char *
ddl_enum_type(struct ddl *x, const char *col, size_t n)
{
	struct buf name = BUF_INIT;

	buf_adds(&name, x->name);
	buf_addc(&name, '_');
	buf_add(&name, col, n);
	buf_reset(&x->type);
	if (x->schema != NULL) {
		ddl_ident(x, &x->type, x->schema, strlen(x->schema),
		    "schema name");
		buf_addc(&x->type, '.');
	}
	ddl_ident(x, &x->type, name.p, name.len, "enum type name");
	buf_adds(&x->pre, "CREATE TYPE ");
	buf_add(&x->pre, x->type.p, x->type.len);
	buf_free(&name);
	return buf_cstr(&x->type);
}

/*
 * A column: col, of type (as SQL spells it), NOT NULL if notnull. path:
 * the jq path of its value when that is not the member named col (a
 * flattened member), else NULL. Two columns of one name are refused.
 */
void
ddl_column(struct ddl *x, const char *col, size_t n, const char *type,
    int notnull, const char *path, size_t pathlen)
{
	struct create_opts *o = x->o;
	struct create_col *cc;
	size_t i;

	for (i = 0; i < o->ncol; i++)
		if (strlen(o->col[i].name) == n &&
		    memcmp(o->col[i].name, col, n) == 0)
			cli_fail(x->c, EX_DATAERR, "%s: two members make the "
			    "column \"%.*s\"", x->what, (int)n, col);
	if (o->ncol > 0)
		buf_adds(&x->out, ",\n");
	buf_adds(&x->out, "  ");
	ddl_ident(x, &x->out, col, n, "column name");
	buf_addf(&x->out, " %s%s", type, notnull ? " NOT NULL" : "");
	o->col = xrealloc(o->col, (o->ncol + 1) * sizeof(*o->col));
	cc = &o->col[o->ncol++];
	cc->name = xmalloc(n + 1);
	memcpy(cc->name, col, n);
	cc->name[n] = '\0';
	cc->path = NULL;
	if (path != NULL) {
		cc->path = xmalloc(pathlen + 1);
		memcpy(cc->path, path, pathlen);
		cc->path[pathlen] = '\0';
	}
	cc->type = type_name(type);
}

/* The column's type as format_type() names it, for --check-schema. */
static char *
type_name(const char *type)
{
	struct buf b = BUF_INIT;
	const char *s;

	if (strcmp(type, "timestamptz") == 0)
		type = "timestamp with time zone";
	if (strncmp(type, "varchar(", 8) == 0) {
		buf_adds(&b, "character varying");
		buf_adds(&b, type + 7);
	} else if (type[0] == '"') {
		/* An enum type: its name, unquoted, without its schema. */
		if ((s = strstr(type, "\".\"")) != NULL)
			type = s + 2;
		for (s = type + 1; *s != '\0'; s++)
			if (*s != '"' || *++s == '"')
				buf_addc(&b, *s);
			else
				break;
	} else
		buf_adds(&b, type);
	return buf_cstr(&b);
}

/* Close the statement, with keys (--key-columns, or NULL) as primary key. */
void
ddl_end(struct ddl *x, const char *keys)
{
	struct create_opts *o = x->o;
	const char *s = keys, *e;
	size_t i;

	if (keys != NULL) {
		buf_adds(&x->out, ",\n  PRIMARY KEY (");
		for (;;) {
			e = strchr(s, ',');
			if (e == NULL)
				e = s + strlen(s);
			for (i = 0; i < o->ncol; i++)
				if (strlen(o->col[i].name) == (size_t)(e - s) &&
				    memcmp(o->col[i].name, s, (size_t)(e - s))
				    == 0)
					break;
			if (i == o->ncol)
				cli_fail(x->c, EX_DATAERR, "--key-columns: %.*s "
				    "is not a column %s makes", (int)(e - s), s,
				    x->what);
			ddl_ident(x, &x->out, s, (size_t)(e - s),
			    "column name");
			if (*e == '\0')
				break;
			buf_adds(&x->out, ", ");
			s = e + 1;
		}
		buf_addc(&x->out, ')');
	}
	buf_adds(&x->out, "\n);\n");
	buf_add(&x->pre, x->out.p, x->out.len);
	o->ddl = buf_cstr(&x->pre);
	buf_free(&x->out);
	buf_free(&x->type);
	free(x->schema);
	free(x->name);
}

/*
 * Run o->ddl in a transaction of its own under the advisory lock every
 * --create takes, so that racing runs create the table once and each
 * then finds it, whatever schema or spelling of the name each was given.
 * A table that exists is left as it is, and so are the enum types.
 * Exits 69, 75 or 65 (the server refused the statement).
 */
void
create_table(struct cli *c, const struct create_opts *o, PGconn *conn)
{
	const char *param[1] = { o->qtable };
	struct pg_err e;
	PGresult *r;
	int exists;

	if (pg_run(conn, "BEGIN", &e) == -1 ||
	    pg_run(conn, "SET LOCAL client_min_messages = warning", &e) == -1 ||
	    pg_run(conn, "SET LOCAL standard_conforming_strings = on", &e) ==
	    -1)
		cli_fail(c, EX_UNAVAILABLE, "--create: %s", e.msg);
	if (pg_run(conn, "SELECT pg_advisory_xact_lock("
	    "hashtextextended('pg-load --create', 0))", &e) == -1)
		cli_fail(c, EX_UNAVAILABLE, "--create: %s", e.msg);
	if ((r = pg_exec(conn, "SELECT to_regclass($1) IS NOT NULL", 1,
	    param, &e)) == NULL)
		cli_fail(c, EX_UNAVAILABLE, "--create: %s", e.msg);
	exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!exists && pg_run(conn, o->ddl, &e) == -1)
		cli_fail(c, pg_sqlstate_transient(e.sqlstate) ? EX_TEMPFAIL :
		    e.sqlstate[0] == '0' && e.sqlstate[1] == '8' ?
		    EX_UNAVAILABLE : EX_DATAERR, "--create: %s", e.msg);
	if (pg_run(conn, "COMMIT", &e) == -1)
		cli_fail(c, pg_sqlstate_transient(e.sqlstate) ? EX_TEMPFAIL :
		    EX_UNAVAILABLE, "--create: %s", e.msg);
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
			    o->what, o->col[i].name, o->col[i].type,
			    o->qtable);
		else if (!same_type(PQgetvalue(r, j, 1), o->col[i].type))
			cli_warn(c, "%s: column \"%s\" is %s in %s, %s in the "
			    "schema", o->what, o->col[i].name,
			    PQgetvalue(r, j, 1), o->qtable, o->col[i].type);
		else
			continue;
		bad++;
	}
	PQclear(r);
	if (bad > 0)
		cli_warn(c, "%s differs from %s in %d column%s", o->qtable,
		    o->what, bad, bad == 1 ? "" : "s");
	return bad > 0 ? EX_DATAERR : 0;
}

/* 1 if format_type()'s name is type, or type in some schema. */
static int
same_type(const char *name, const char *type)
{
	size_t n = strlen(name), k = strlen(type);

	return strcmp(name, type) == 0 || (n > k + 1 &&
	    strcmp(name + n - k, type) == 0 && name[n - k - 1] == '.');
}
