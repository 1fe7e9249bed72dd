/*
 * onetx: --defer-indexes and --freeze. The whole load is one transaction
 * on the one worker's connection:
 *
 *	BEGIN; LOCK TABLE; (the table must be empty) [TRUNCATE]
 *	[DROP INDEX ...]; [SAVEPOINT; a batch; ledger; RELEASE]...;
 *	[CREATE INDEX ...]; COMMIT
 *
 * so that a load that dies anywhere leaves the table, its indexes and
 * the ledger as they were before it began.
 *
 * --defer-indexes: the server builds each secondary index once, sorted,
 * instead of inserting every row into it. Deferred are the indexes a
 * CREATE INDEX from pg_get_indexdef rebuilds exactly: valid, not unique
 * (a unique index refuses a duplicate row by row, as a reject), backing
 * no constraint, nothing depending on them, not clustered, without a
 * comment, a tablespace of their own or a column statistics target. The
 * others stay and are kept row by row.
 *
 * --freeze: COPY ... FREEZE writes the rows frozen and their pages
 * all-visible, so no VACUUM has to visit them again. The server allows
 * it only into a table created or truncated in the same subtransaction:
 * the (empty) table is truncated, and batches run without a savepoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg-load.h"

/* The table's indexes to defer: name (quoted) and definition. */
static const char defer_query[] =
    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
    "pg_get_indexdef(i.indexrelid) "
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE i.indrelid = $1::oid AND i.indisvalid AND i.indisready "
    "AND NOT i.indisunique AND NOT i.indisclustered "
    "AND c.reltablespace = 0 "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint "
    "WHERE conindid = i.indexrelid) "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend WHERE refclassid = "
    "'pg_class'::regclass AND refobjid = i.indexrelid) "
    "AND NOT EXISTS (SELECT 1 FROM pg_description WHERE classoid = "
    "'pg_class'::regclass AND objoid = i.indexrelid) "
    "AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
    "i.indexrelid AND attstattarget >= 0) "
    "ORDER BY c.relname";

/*
 * Open the load's transaction: lock the table, refuse one that is not
 * empty or is partitioned (plan_fatal, 64), truncate it for --freeze,
 * keep the deferred indexes' definitions in w->deferred (one statement
 * a line) and drop them. 0, or -1 with w->err (or the plan stopped).
 */
int
onetx_begin(struct worker *w)
{
	struct plan *p = w->p;
	struct buf *q = &w->sql;
	char oid[16];
	const char *params[1] = { oid };
	PGresult *r;
	int i, n;

	snprintf(oid, sizeof(oid), "%u", p->t.oid);
	buf_reset(q);
	buf_addf(q, "LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", p->t.qname);
	if (pg_run(w->conn, "BEGIN", &w->err) == -1 ||
	    pg_run(w->conn, buf_cstr(q), &w->err) == -1)
		return -1;
	w->in_load = 1;
	buf_reset(q);
	buf_addf(q, "SELECT relkind = 'p' OR relispartition, EXISTS (SELECT "
	    "FROM ONLY %s) FROM pg_class WHERE oid = $1::oid", p->t.qname);
	if ((r = pg_exec(w->conn, buf_cstr(q), 1, params, &w->err)) == NULL)
		return -1;
	if (PQgetvalue(r, 0, 0)[0] == 't' || PQgetvalue(r, 0, 1)[0] == 't') {
		memset(&w->err, 0, sizeof(w->err));
		plan_fatal(p, EX_USAGE, "%s: table %s %s", p->onetx,
		    p->t.qname, PQgetvalue(r, 0, 0)[0] == 't' ? "is "
		    "partitioned or a partition: a load in one transaction "
		    "goes only into a plain table (a partitioned table's "
		    "indexes are its partitions' too)" : "is not empty: a "
		    "load in one transaction goes only into an empty table");
		PQclear(r);
		return -1;
	}
	PQclear(r);
	buf_reset(q);
	buf_addf(q, "TRUNCATE %s", p->t.qname);
	if (p->freeze && pg_run(w->conn, buf_cstr(q), &w->err) == -1)
		return -1;
	buf_reset(&w->deferred);
	if (!p->defer)
		return 0;
	if ((r = pg_exec(w->conn, defer_query, 1, params, &w->err)) == NULL)
		return -1;
	buf_reset(q);
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		buf_addf(&w->deferred, "%s\n", PQgetvalue(r, i, 1));
		buf_addf(q, "%s%s", i ? ", " : "DROP INDEX ",
		    PQgetvalue(r, i, 0));
	}
	PQclear(r);
	return n > 0 ? pg_run(w->conn, buf_cstr(q), &w->err) : 0;
}

/*
 * Build the deferred indexes again and commit the load: 0, or -1 with
 * w->err, its message naming the statement that failed.
 */
int
onetx_end(struct worker *w)
{
	char *s, *e, msg[sizeof(w->err.msg)];

	for (s = w->deferred.p; s != NULL && s < w->deferred.p +
	    w->deferred.len; s = e + 1) {
		e = strchr(s, '\n');
		*e = '\0';
		if (pg_run(w->conn, s, &w->err) == -1) {
			snprintf(msg, sizeof(msg), "%.250s: %.250s", s,
			    w->err.msg);
			memcpy(w->err.msg, msg, sizeof(msg));
			return -1;
		}
	}
	return pg_run(w->conn, "COMMIT", &w->err);
}
