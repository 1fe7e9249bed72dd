/* pg: connect, quote, exec, introspect, COPY, classify errors. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg.h"

#define OID_JSON	114
#define OID_JSONB	3802
#define OID_BOOL	16

static void	 set_msg(struct pg_err *, const char *);
static void	 no_notice(void *, const char *);
static void	 mask_one(char *, size_t, const char *, size_t);
static int	 load_relation(PGconn *, struct pg_table *, struct pg_err *);
static int	 load_columns(PGconn *, const char *, struct pg_table *,
		    struct pg_err *);
static int	 load_uniques(PGconn *, const char *, struct pg_table *,
		    struct pg_err *);

/*
 * libpq gives precedence to later keywords, and expands a DSN given as
 * dbname in place: defaults go first so the DSN overrides them.
 */
PGconn *
pg_connect(const char *dsn, const char *app, struct pg_err *e)
{
	const char *kw[] = { "connect_timeout", "application_name",
	    "fallback_application_name", "dbname", NULL };
	const char *val[5];
	PGconn *conn;

	memset(e, 0, sizeof(*e));
	if (dsn == NULL || *dsn == '\0')
		dsn = getenv("DATABASE_URL");
	if (dsn == NULL)
		dsn = "";
	val[0] = getenv("PGCONNECT_TIMEOUT") ? NULL : "10";
	val[1] = NULL;
	val[2] = app;
	val[3] = dsn;
	val[4] = NULL;
	if (val[0] == NULL) {
		kw[0] = "fallback_application_name";
		val[0] = app;
	}
	conn = PQconnectdbParams(kw, val, 1);
	if (conn == NULL) {
		set_msg(e, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		set_msg(e, PQerrorMessage(conn));
		pg_mask(e->msg, sizeof(e->msg), dsn);
		/* A refused or lost server may come back; bad options not. */
		e->transient = strstr(e->msg, "invalid") == NULL &&
		    strstr(e->msg, "authentication") == NULL &&
		    strstr(e->msg, "does not exist") == NULL;
		memcpy(e->sqlstate, "08006", 6);
		PQfinish(conn);
		return NULL;
	}
	/* NOTICEs ("already exists, skipping") are not the user's business. */
	PQsetNoticeProcessor(conn, no_notice, NULL);
	if (PQsetClientEncoding(conn, "UTF8") != 0) {
		set_msg(e, PQerrorMessage(conn));
		pg_mask(e->msg, sizeof(e->msg), dsn);
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static void
no_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Copy a libpq message, keeping its first line only. */
static void
set_msg(struct pg_err *e, const char *m)
{
	size_t n;

	if (m == NULL)
		m = "";
	while (*m == ' ' || *m == '\n')
		m++;
	n = strcspn(m, "\n");
	/* libpq prefixes connection failures; keep the reason after it. */
	if (n >= sizeof(e->msg))
		n = sizeof(e->msg) - 1;
	memcpy(e->msg, m, n);
	e->msg[n] = '\0';
	if (n > 0 && e->msg[n - 1] == '\r')
		e->msg[n - 1] = '\0';
}

static void
mask_one(char *s, size_t size, const char *secret, size_t n)
{
	char *p = s;
	size_t len;

	(void)size;
	if (n == 0)
		return;
	for (; (p = strchr(p, secret[0])) != NULL; p++) {
		if (strncmp(p, secret, n) != 0)
			continue;
		if (n < 3) {
			/* Shorter than the mask: blank it in place. */
			memset(p, '*', n);
			p += n - 1;
			continue;
		}
		len = strlen(p + n);
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, len + 1);
		p += 2;
	}
}

static void	 mask_pieces(char *, size_t, const char *);

/* The password of a URI DSN (user:password@), percent-decoded or not. */
static void
mask_uri_password(char *s, size_t size, const char *dsn)
{
	const char *p, *at, *colon;
	char raw[256], dec[256];
	size_t n, i, o;

	if ((p = strstr(dsn, "://")) == NULL)
		return;
	p += 3;
	at = strchr(p, '@');
	if (at == NULL)
		return;
	/* The authority ends at the first '/', '?' after the last '@'. */
	colon = memchr(p, ':', (size_t)(at - p));
	if (colon == NULL)
		return;
	n = (size_t)(at - colon - 1);
	if (n == 0 || n >= sizeof(raw))
		return;
	memcpy(raw, colon + 1, n);
	raw[n] = '\0';
	for (i = o = 0; i < n; i++) {
		if (raw[i] == '%' && i + 2 < n + 1 && isxdigit((unsigned char)
		    raw[i + 1]) && isxdigit((unsigned char)raw[i + 2])) {
			char hex[3] = { raw[i + 1], raw[i + 2], 0 };

			dec[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else
			dec[o++] = raw[i];
	}
	dec[o] = '\0';
	mask_one(s, size, raw, n);
	mask_one(s, size, dec, o);
	mask_pieces(s, size, raw);
}

/*
 * The pieces of a password at the characters that end a URI's parts
 * ('/', '?', '#', ':', '@'): libpq, reading a URI whose password holds
 * one, reports a piece of it as a host, port or database name.
 */
static void
mask_pieces(char *s, size_t size, const char *pw)
{
	size_t n;

	while (*pw != '\0') {
		n = strcspn(pw, "/?#:@");
		if (n > 0)
			mask_one(s, size, pw, n);
		pw += n;
		if (*pw != '\0')
			pw++;
	}
}

/*
 * Every "password=" value of the DSN's text, up to '&', a space or the
 * end, as written: what PQconninfoParse cannot parse (a bad percent
 * escape) it cannot report, but libpq's message may quote it.
 */
static void
mask_password_params(char *s, size_t size, const char *dsn)
{
	const char *p = dsn, *v;
	size_t n;

	while ((p = strstr(p, "password=")) != NULL) {
		v = p + 9;
		if (*v == '\'')
			n = strcspn(++v, "'");
		else
			n = strcspn(v, "& \t");
		if (n > 0) {
			mask_one(s, size, v, n);
			mask_pieces(s, size, v);
		}
		p = v;
	}
}

void
pg_mask(char *s, size_t size, const char *dsn)
{
	PQconninfoOption *opts, *o;
	const char *pw;

	if (dsn != NULL && *dsn != '\0') {
		mask_one(s, size, dsn, strlen(dsn));
		mask_uri_password(s, size, dsn);
		if ((opts = PQconninfoParse(dsn, NULL)) != NULL) {
			for (o = opts; o->keyword != NULL; o++)
				if (strcmp(o->keyword, "password") == 0 &&
				    o->val != NULL)
					mask_one(s, size, o->val, strlen(o->val));
			PQconninfoFree(opts);
		}
		mask_password_params(s, size, dsn);
	}
	if ((pw = getenv("PGPASSWORD")) != NULL)
		mask_one(s, size, pw, strlen(pw));
}

int
pg_quote_ident(PGconn *conn, struct buf *b, const char *name, size_t n)
{
	char *q;

	if ((q = PQescapeIdentifier(conn, name, n)) == NULL)
		return -1;
	buf_adds(b, q);
	PQfreemem(q);
	return 0;
}

void
pg_split_name(const char *qualified, char **schema, char **table)
{
	const char *dot = strchr(qualified, '.');

	if (dot == NULL) {
		*schema = NULL;
		*table = xstrdup(qualified);
		return;
	}
	*schema = xmalloc((size_t)(dot - qualified) + 1);
	memcpy(*schema, qualified, (size_t)(dot - qualified));
	(*schema)[dot - qualified] = '\0';
	*table = xstrdup(dot + 1);
}

PGresult *
pg_exec(PGconn *conn, const char *sql, int n, const char *const *params,
    struct pg_err *e)
{
	PGresult *r;
	ExecStatusType st;

	if (n == 0)
		r = PQexec(conn, sql);
	else
		r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	pg_err_set(e, conn, r);
	PQclear(r);
	return NULL;
}

int
pg_run(PGconn *conn, const char *sql, struct pg_err *e)
{
	PGresult *r = pg_exec(conn, sql, 0, NULL, e);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

void
pg_err_set(struct pg_err *e, PGconn *conn, const PGresult *r)
{
	const char *s;

	memset(e, 0, sizeof(*e));
	if (r != NULL && (s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) != NULL)
		snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", s);
	if (r != NULL && (s = PQresultErrorField(r,
	    PG_DIAG_MESSAGE_PRIMARY)) != NULL)
		set_msg(e, s);
	else if (r != NULL && *PQresultErrorMessage(r) != '\0')
		set_msg(e, PQresultErrorMessage(r));
	else
		set_msg(e, PQerrorMessage(conn));
	if (r != NULL && (s = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)))
		snprintf(e->detail, sizeof(e->detail), "%s", s);
	if (r != NULL && (s = PQresultErrorField(r, PG_DIAG_CONTEXT)))
		snprintf(e->context, sizeof(e->context), "%s", s);
	if (e->sqlstate[0] == '\0' && PQstatus(conn) == CONNECTION_BAD)
		memcpy(e->sqlstate, "08006", 6);
	if (e->msg[0] == '\0')
		set_msg(e, "unknown error");
	e->transient = pg_sqlstate_transient(e->sqlstate) ||
	    PQstatus(conn) == CONNECTION_BAD;
}

int
pg_sqlstate_transient(const char *s)
{
	static const char *const list[] = { "40001", "40P01", "53300",
	    "57P01", "57P02", "57P03", NULL };
	int i;

	if (s == NULL || strlen(s) != 5)
		return 0;
	if (s[0] == '0' && s[1] == '8')
		return 1;
	for (i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int
pg_sqlstate_data(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return 0;
	return strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0 ||
	    strncmp(s, "54", 2) == 0 || strncmp(s, "P0", 2) == 0 ||
	    strncmp(s, "2F", 2) == 0 || strcmp(s, "21000") == 0 ||
	    strcmp(s, "42804") == 0;
}

double
pg_backoff(int attempt)
{
	double d = 0.2;

	while (attempt-- > 0 && d < 10)
		d *= 2;
	return d > 10 ? 10 : d;
}

void
pg_sleep(double s, volatile int *stop)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR &&
	    (stop == NULL || !*stop))
		ts = rem;
}

static enum pg_kind
kind_of(unsigned oid, const char *category)
{
	if (oid == OID_JSON || oid == OID_JSONB)
		return PG_K_JSON;
	if (oid == OID_BOOL)
		return PG_K_BOOL;
	if (category != NULL && category[0] == 'A')
		return PG_K_ARRAY;
	return PG_K_TEXT;
}

int
pg_table_load(PGconn *conn, const char *schema, const char *table,
    struct pg_table *t, struct pg_err *e)
{
	struct buf q = BUF_INIT;
	char oid[16];

	memset(t, 0, sizeof(*t));
	if ((schema != NULL && pg_quote_ident(conn, &q, schema,
	    strlen(schema)) == -1) || (schema != NULL && (buf_addc(&q, '.'),
	    0)) || pg_quote_ident(conn, &q, table, strlen(table)) == -1) {
		pg_err_set(e, conn, NULL);
		buf_free(&q);
		return -1;
	}
	t->qname = buf_cstr(&q);
	if (load_relation(conn, t, e) == -1)
		goto fail;
	snprintf(oid, sizeof(oid), "%u", t->oid);
	if (load_columns(conn, oid, t, e) == -1 ||
	    load_uniques(conn, oid, t, e) == -1)
		goto fail;
	return 0;
fail:
	pg_table_free(t);
	return -1;
}

/* The relation named t->qname: its oid, names, kind, binary COPY. */
static int
load_relation(PGconn *conn, struct pg_table *t, struct pg_err *e)
{
	const char *p[1] = { t->qname };
	PGresult *r;

	r = pg_exec(conn, "SELECT c.oid, n.nspname, c.relname, "
	    "current_setting('server_encoding') = 'UTF8' AND "
	    "current_setting('integer_datetimes') = 'on', c.relkind "
	    "FROM pg_class c "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.oid = to_regclass($1) AND c.relkind IN ('r','p','f','v')",
	    1, p, e);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		memset(e, 0, sizeof(*e));
		memcpy(e->sqlstate, "42P01", 6);
		snprintf(e->msg, sizeof(e->msg), "table %s does not exist",
		    t->qname);
		return -1;
	}
	t->oid = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	t->schema = xstrdup(PQgetvalue(r, 0, 1));
	t->name = xstrdup(PQgetvalue(r, 0, 2));
	t->binary_ok = PQgetvalue(r, 0, 3)[0] == 't';
	t->relkind = PQgetvalue(r, 0, 4)[0];
	PQclear(r);
	return 0;
}

/* The columns of relation oid, in order. */
static int
load_columns(PGconn *conn, const char *oid, struct pg_table *t,
    struct pg_err *e)
{
	const char *p[1] = { oid };
	PGresult *r;
	int i, n;

	r = pg_exec(conn, "SELECT a.attname, format_type(a.atttypid, "
	    "a.atttypmod), a.attnum, "
	    "CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END, "
	    "coalesce(b.typcategory, t.typcategory), "
	    "a.atthasdef OR a.attidentity <> '', a.attidentity, "
	    "a.attgenerated <> '', a.attnotnull, a.atttypid "
	    "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
	    "LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype "
	    "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND "
	    "NOT a.attisdropped ORDER BY a.attnum", 1, p, e);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	t->col = xcalloc((size_t)n + 1, sizeof(*t->col));
	for (i = 0; i < n; i++) {
		struct pg_column *c = &t->col[i];

		c->name = xstrdup(PQgetvalue(r, i, 0));
		c->namelen = strlen(c->name);
		c->type = xstrdup(PQgetvalue(r, i, 1));
		c->attnum = atoi(PQgetvalue(r, i, 2));
		c->kind = kind_of((unsigned)strtoul(PQgetvalue(r, i, 3), NULL,
		    10), PQgetvalue(r, i, 4));
		c->has_default = PQgetvalue(r, i, 5)[0] == 't';
		c->identity = PQgetvalue(r, i, 6)[0];
		c->generated = PQgetvalue(r, i, 7)[0] == 't';
		c->notnull = PQgetvalue(r, i, 8)[0] == 't';
		c->typoid = (unsigned)strtoul(PQgetvalue(r, i, 9), NULL, 10);
	}
	t->ncol = (size_t)n;
	PQclear(r);
	return 0;
}

/* Unique indexes of relation oid on plain columns, by column index. */
static int
load_uniques(PGconn *conn, const char *oid, struct pg_table *t,
    struct pg_err *e)
{
	const char *p[1] = { oid };
	PGresult *r;
	int i, n;

	r = pg_exec(conn, "SELECT i.indkey::text, i.indisprimary "
	    "FROM pg_index i WHERE i.indrelid = $1::oid AND i.indisunique "
	    "AND i.indpred IS NULL AND i.indexprs IS NULL", 1, p, e);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	t->uniq = xcalloc((size_t)n + 1, sizeof(*t->uniq));
	for (i = 0; i < n; i++) {
		struct pg_unique *u = &t->uniq[t->nuniq];
		char *s = PQgetvalue(r, i, 0), *end;
		size_t k;
		long a;

		u->cols = xcalloc(strlen(s) / 2 + 2, sizeof(int));
		u->primary = PQgetvalue(r, i, 1)[0] == 't';
		while ((a = strtol(s, &end, 10)), end != s) {
			for (k = 0; k < t->ncol; k++)
				if (t->col[k].attnum == a)
					break;
			u->cols[u->n++] = k < t->ncol ? (int)k : -1;
			s = end;
		}
		t->nuniq++;
	}
	PQclear(r);
	return 0;
}

void
pg_table_free(struct pg_table *t)
{
	size_t i;

	for (i = 0; i < t->ncol; i++) {
		free(t->col[i].name);
		free(t->col[i].type);
	}
	for (i = 0; i < t->nuniq; i++)
		free(t->uniq[i].cols);
	free(t->col);
	free(t->uniq);
	free(t->schema);
	free(t->name);
	free(t->qname);
	memset(t, 0, sizeof(*t));
}

int
pg_table_column(const struct pg_table *t, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < t->ncol; i++)
		if (t->col[i].namelen == n &&
		    memcmp(t->col[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

int
pg_table_has_unique(const struct pg_table *t, const int *cols, size_t n)
{
	size_t i, j, k;

	for (i = 0; i < t->nuniq; i++) {
		const struct pg_unique *u = &t->uniq[i];

		if (u->n != n)
			continue;
		for (j = 0; j < n; j++) {
			for (k = 0; k < n; k++)
				if (u->cols[k] == cols[j])
					break;
			if (k == n)
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

int
pg_copy_begin(PGconn *conn, const char *sql, struct pg_err *e)
{
	PGresult *r = PQexec(conn, sql);

	if (r != NULL && PQresultStatus(r) == PGRES_COPY_IN) {
		PQclear(r);
		return 0;
	}
	pg_err_set(e, conn, r);
	PQclear(r);
	/* A COPY that did start (COPY OUT?) must be drained. */
	while ((r = PQgetResult(conn)) != NULL)
		PQclear(r);
	return -1;
}

int
pg_copy_put(PGconn *conn, const char *p, size_t n, struct pg_err *e)
{
	while (n > 0) {
		/* Pieces of 1 MiB: libpq copies each into its buffer. */
		int chunk = n > (1u << 20) ? (1 << 20) : (int)n;

		if (PQputCopyData(conn, p, chunk) <= 0) {
			pg_err_set(e, conn, NULL);
			return -1;
		}
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

int
pg_copy_end(PGconn *conn, const char *abort_msg, int64_t *rows,
    struct pg_err *e)
{
	PGresult *r;
	int failed = 0;

	if (PQputCopyEnd(conn, abort_msg) <= 0) {
		pg_err_set(e, conn, NULL);
		failed = 1;
	}
	/* Drain every result; the first failure is the one reported. */
	while ((r = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		if (st == PGRES_COPY_IN) {
			/* Still in COPY after a failed end: abort it. */
			PQclear(r);
			if (PQputCopyEnd(conn, "aborted") <= 0)
				break;
			continue;
		}
		if (st != PGRES_COMMAND_OK && !failed) {
			pg_err_set(e, conn, r);
			failed = 1;
		} else if (st == PGRES_COMMAND_OK && rows != NULL)
			*rows = strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
		if (PQstatus(conn) == CONNECTION_BAD)
			break;
	}
	if (failed && PQstatus(conn) == CONNECTION_BAD)
		e->transient = 1;
	return failed ? -1 : 0;
}

int64_t
pg_copy_line(const struct pg_err *e, const char *rel)
{
	const char *p = e->context;
	size_t n = strlen(rel);

	/* "COPY rel, line N" possibly after other context lines. */
	while ((p = strstr(p, "COPY ")) != NULL) {
		p += 5;
		if (strncmp(p, rel, n) == 0 && strncmp(p + n, ", line ", 7)
		    == 0 && isdigit((unsigned char)p[n + 7]))
			return strtoll(p + n + 7, NULL, 10);
	}
	return 0;
}

int
pg_copy_column(const struct pg_err *e, const char *rel, char *buf,
    size_t size)
{
	const char *p = e->context, *c, *end;
	size_t n = strlen(rel);

	while ((p = strstr(p, "COPY ")) != NULL) {
		p += 5;
		if (strncmp(p, rel, n) != 0 || strncmp(p + n, ", line ", 7) != 0)
			continue;
		for (c = p + n + 7; isdigit((unsigned char)*c); c++)
			;
		if (strncmp(c, ", column ", 9) != 0)
			return 0;
		c += 9;
		if ((end = strstr(c, ": ")) == NULL)
			end = c + strcspn(c, "\n");
		if ((size_t)(end - c) >= size || end == c)
			return 0;
		memcpy(buf, c, (size_t)(end - c));
		buf[end - c] = '\0';
		return 1;
	}
	return 0;
}

int
pg_set_time_zone(PGconn *conn, const char *tz, struct pg_err *e)
{
	const char *params[1] = { tz };
	PGresult *r = pg_exec(conn, "SELECT set_config('TimeZone', $1, false)",
	    1, params, e);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}
