/*
 * prune's table mode: count (--dry-run) or delete the rows of a table
 * whose time column falls in the window, in primary-key ranges of
 * --batch rows (by ctid in a table without a primary key), one
 * transaction each. With --archive every deleted row
 * is appended as row_to_json and synced before its batch commits, so a
 * kill loses nothing: re-running continues with the same predicate.
 *
 * A partitioned table first loses the partitions that hold nothing but
 * rows of the window, whole: detached and dropped, one transaction each
 * (archived first). Which ones the server itself says: a partition its
 * planner prunes from a scan of the rows outside the window (or NULL)
 * can hold none of them. Only the partitions across a bound are left to
 * the batches.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pg.h"
#include "tm.h"
#include "prune.h"

struct plan {
	PGconn		*conn;
	struct pg_table	 t;
	struct buf	 col;		/* d."column" */
	struct buf	 where;		/* the window predicate, on alias d */
	struct buf	 keys;		/* "d.pk1, d.pk2" */
	struct buf	 sel_first;	/* first batch of keys */
	struct buf	 sel_next;	/* keys after the last batch */
	struct buf	 del;		/* delete one key range */
	const char	*param[64];
	int		 nparam;	/* window parameters */
	int		 npk;
	char		 lo[64], hi[64];
	PGresult	*drops;		/* partitions to drop: name, parent,
					   their leaves' oids */
	char		*dropped;	/* the leaves' oids, "{...}" */
};

static void	 plan_build(struct cli *, const struct prune_opts *,
		    struct plan *);
static int	 dry_run(struct cli *, struct plan *);
static int	 delete_batches(struct cli *, const struct prune_opts *,
		    struct plan *);
static int64_t	 archive_rows(struct cli *, struct rec_out *, PGresult *);
static off_t	 archive_mark(struct cli *, const struct prune_opts *,
		    struct rec_out *);
static void	 archive_undo(struct cli *, const struct prune_opts *,
		    struct rec_out *, off_t);
static void	 archive_sync(struct cli *, const struct prune_opts *,
		    struct rec_out *);
static int64_t	 archive_cursor(struct cli *, const struct prune_opts *,
		    struct plan *, struct rec_out *, struct pg_err *);
static int64_t	 archive(struct cli *, const struct prune_opts *,
		    struct rec_out *, PGresult *);
static int	 report(struct cli *, const struct prune_opts *, int64_t,
		    int64_t, int64_t, double);
static void	 plan_free(struct plan *);
static void	 find_drops(struct cli *, const struct prune_opts *,
		    struct plan *);
static int64_t	 drop_partitions(struct cli *, const struct prune_opts *,
		    struct plan *, struct rec_out *, int64_t *);
static int	 retry(struct plan *, const struct pg_err *, int *);
static void	 db_fail(struct cli *, struct plan *, const struct pg_err *,
		    const char *);
static void	 write_stats(struct cli *, int64_t, int64_t, int64_t, double);

int
prune_table(struct cli *c, const struct prune_opts *o)
{
	struct plan p;
	struct pg_err e;
	char *schema, *name;
	int r;

	memset(&p, 0, sizeof(p));
	rec_out_fd(&c->out, 1, "stdout");
	if (c->progress == -1)
		c->progress = isatty(2);
	if ((p.conn = pg_connect(o->dsn, "prune", &e)) == NULL)
		cli_fail(c, EX_UNAVAILABLE, "cannot connect: %s", e.msg);
	/* A timestamp without time zone holds times of --tz. */
	if (pg_set_time_zone(p.conn, o->tz, &e) == -1)
		db_fail(c, &p, &e, "--tz");
	pg_split_name(o->table, &schema, &name);
	if (pg_table_load(p.conn, schema, name, &p.t, &e) == -1) {
		if (strcmp(e.sqlstate, "42P01") == 0)
			cli_fail(c, EX_NOINPUT, "%s", e.msg);
		db_fail(c, &p, &e, o->table);
	}
	free(schema);
	free(name);
	plan_build(c, o, &p);
	if (p.t.relkind == 'p')
		find_drops(c, o, &p);
	r = o->dry_run ? dry_run(c, &p) : delete_batches(c, o, &p);
	plan_free(&p);
	return r;
}

static void
plan_free(struct plan *p)
{
	pg_table_free(&p->t);
	buf_free(&p->col);
	buf_free(&p->where);
	buf_free(&p->keys);
	buf_free(&p->sel_first);
	buf_free(&p->sel_next);
	buf_free(&p->del);
	PQclear(p->drops);
	free(p->dropped);
}

/*
 * The partitions whose rows all fall in the window: those the planner
 * prunes from a scan of the rows outside it. Of these the largest
 * subtrees are dropped whole; a foreign table is never dropped (its rows
 * live elsewhere), its rows are deleted in batches instead.
 */
static void
find_drops(struct cli *c, const struct prune_opts *o, struct plan *p)
{
	struct buf q = BUF_INIT;
	struct pg_err e;
	PGresult *r;
	const char *prm[2];
	char *lit;
	int i;

	buf_addf(&q, "EXPLAIN (FORMAT JSON, VERBOSE) SELECT 1 FROM %s AS d "
	    "WHERE %s IS NULL", p->t.qname, p->col.p);
	/* The window's bounds as literals: the planner prunes on constants. */
	for (i = 0; i < p->nparam; i++) {
		if ((lit = PQescapeLiteral(p->conn, p->param[i],
		    strlen(p->param[i]))) == NULL)
			cli_fail(c, EX_SOFTWARE, "quoting a bound: %s",
			    PQerrorMessage(p->conn));
		buf_addf(&q, " OR %s %s %s::timestamptz", p->col.p,
		    p->param[i] == p->lo ? "<" : o->hi_incl ? ">" : ">=", lit);
		PQfreemem(lit);
	}
	buf_addc(&q, '\0');
	if ((r = pg_exec(p->conn, q.p, 0, NULL, &e)) == NULL)
		db_fail(c, p, &e, "planning the partitions to drop");
	prm[0] = p->t.qname;
	prm[1] = PQgetvalue(r, 0, 0);
	p->drops = pg_exec(p->conn,
	    "WITH kept AS (SELECT c.oid FROM jsonb_path_query($2::jsonb, "
	    "'strict $.**') AS x(v) JOIN pg_namespace n ON n.nspname = "
	    "v->>'Schema' JOIN pg_class c ON c.relnamespace = n.oid AND "
	    "c.relname = v->>'Relation Name' WHERE jsonb_typeof(v) = 'object'),"
	    " t AS (SELECT t.relid, t.parentrelid FROM "
	    "pg_partition_tree($1::regclass) t WHERE t.level > 0 AND "
	    "EXISTS (SELECT FROM pg_partition_tree(t.relid) s WHERE s.isleaf) "
	    "AND NOT EXISTS (SELECT FROM pg_partition_tree(t.relid) s JOIN "
	    "pg_class k ON k.oid = s.relid WHERE s.isleaf AND (k.relkind = "
	    "'f' OR s.relid IN (SELECT oid FROM kept)))) "
	    "SELECT t.relid::regclass::text, t.parentrelid::regclass::text, "
	    "(SELECT array_agg(s.relid::oid)::text FROM "
	    "pg_partition_tree(t.relid) s WHERE s.isleaf) FROM t "
	    "WHERE t.parentrelid NOT IN (SELECT relid FROM t) ORDER BY 1",
	    2, prm, &e);
	PQclear(r);
	buf_free(&q);
	if (p->drops == NULL)
		db_fail(c, p, &e, "finding the partitions to drop");
	/* Every dropped leaf, to keep them out of the batches' counts. */
	buf_addc(&q, '{');
	for (i = 0; i < PQntuples(p->drops); i++) {
		lit = PQgetvalue(p->drops, i, 2);
		buf_addf(&q, "%s%.*s", i ? "," : "", (int)strlen(lit) - 2,
		    lit + 1);
	}
	buf_adds(&q, "}");
	p->dropped = buf_cstr(&q);
}

/*
 * Drop the partitions of find_drops, one transaction each: DETACH first
 * (its lock on the table, taken before the partition's as writers take
 * them, waits for writes in flight and keeps new ones out), then archive
 * or count the rows (synced), then DROP. Readers of the table wait while
 * a partition is archived. Rows dropped, with *n the partitions.
 */
static int64_t
drop_partitions(struct cli *c, const struct prune_opts *o, struct plan *p,
    struct rec_out *arch, int64_t *n)
{
	struct buf q = BUF_INIT;
	struct pg_err e;
	PGresult *r;
	int64_t rows = 0, got = 0;
	off_t mark = 0;
	int i, tries = 0;

	for (i = 0; p->drops != NULL && i < PQntuples(p->drops) &&
	    !cli_signal; ) {
		const char *part = PQgetvalue(p->drops, i, 0);

		if (tries > 0) {
			pg_sleep(pg_backoff(tries - 1), &cli_signal);
			archive_undo(c, o, arch, mark);	/* rolled back */
		}
		mark = archive_mark(c, o, arch);
		buf_reset(&q);
		buf_addf(&q, "ALTER TABLE %s DETACH PARTITION %s; ",
		    PQgetvalue(p->drops, i, 1), part);
		buf_addf(&q, o->archive ? "DECLARE sluice_arch NO SCROLL CURSOR "
		    "FOR SELECT row_to_json(d)::text FROM %s AS d" :
		    "SELECT count(*) FROM %s", part);
		buf_addc(&q, '\0');
		if (pg_run(p->conn, "BEGIN", &e) == -1)
			db_fail(c, p, &e, "BEGIN");
		if ((r = pg_exec(p->conn, q.p, 0, NULL, &e)) == NULL ||
		    (o->archive && (got = archive_cursor(c, o, p, arch, &e)) < 0)) {
			if (retry(p, &e, &tries))
				continue;
			db_fail(c, p, &e, part);
		}
		rows += o->archive ? got : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		if (o->archive)
			archive_sync(c, o, arch);
		buf_reset(&q);
		buf_addf(&q, "%sDROP TABLE %s", o->archive ? "CLOSE sluice_arch; " :
		    "", part);
		buf_addc(&q, '\0');
		if (pg_run(p->conn, q.p, &e) == -1 ||
		    pg_run(p->conn, "COMMIT", &e) == -1) {
			if (retry(p, &e, &tries))
				continue;
			db_fail(c, p, &e, part);
		}
		tries = 0;
		(*n)++;
		i++;
		if (c->progress)
			fprintf(stderr, "%sprune: %" PRId64 " partitions "
			    "dropped%s", c->progress_every ? "" : "\r\033[K",
			    *n, c->progress_every ? "\n" : "");
	}
	buf_free(&q);
	return rows;
}

/*
 * The rows of the open cursor sluice_arch into the archive, --batch at a
 * time, so a partition of any size streams through: their number, or -1
 * with e filled.
 */
static int64_t
archive_cursor(struct cli *c, const struct prune_opts *o, struct plan *p,
    struct rec_out *arch, struct pg_err *e)
{
	char sql[64];
	PGresult *r;
	int64_t n = 0, got;

	snprintf(sql, sizeof(sql), "FETCH %" PRId64 " FROM sluice_arch",
	    o->batch);
	do {
		if ((r = pg_exec(p->conn, sql, 0, NULL, e)) == NULL)
			return -1;
		n += got = archive_rows(c, arch, r);
		PQclear(r);
	} while (got > 0);
	return n;
}

/*
 * The statements. A batch selects the next --batch primary keys in the
 * window after the last batch, then deletes the window's rows in that key
 * range. Values travel as parameters: $1.. the window, then the keys.
 */
static void
plan_build(struct cli *c, const struct prune_opts *o, struct plan *p)
{
	struct buf rng = BUF_INIT;
	const struct pg_unique *pk = NULL;
	size_t i;
	int ci, k;

	if ((ci = pg_table_column(&p->t, o->column, strlen(o->column))) < 0)
		cli_fail(c, EX_USAGE, "--column: %s has no column \"%s\"",
		    o->table, o->column);
	buf_adds(&p->col, "d.");
	pg_quote_ident(p->conn, &p->col, o->column, strlen(o->column));
	buf_addc(&p->col, '\0');
	if (o->has_lo) {
		tm_format(o->lo, p->lo, sizeof(p->lo));
		p->param[p->nparam++] = p->lo;
		buf_addf(&p->where, "%s >= $%d::timestamptz", p->col.p,
		    p->nparam);
	}
	if (o->has_hi) {
		tm_format(o->hi, p->hi, sizeof(p->hi));
		p->param[p->nparam++] = p->hi;
		buf_addf(&p->where, "%s%s %s $%d::timestamptz",
		    o->has_lo ? " AND " : "", p->col.p, o->hi_incl ? "<=" : "<",
		    p->nparam);
	}
	buf_addc(&p->where, '\0');

	for (i = 0; i < p->t.nuniq; i++)
		if (p->t.uniq[i].primary)
			pk = &p->t.uniq[i];
	if (pk == NULL) {
		/*
		 * No primary key: each batch deletes up to --batch rows of
		 * the window by their physical address (ctid), picked in the
		 * same statement. The window is checked again on the rows
		 * themselves, so a row updated meanwhile is judged anew.
		 */
		buf_addf(&p->del, "DELETE FROM %s AS d WHERE %s AND d.ctid = "
		    "ANY(ARRAY(SELECT d.ctid FROM %s AS d WHERE %s LIMIT %"
		    PRId64 "))%s", p->t.qname, p->where.p, p->t.qname,
		    p->where.p, o->batch,
		    o->archive ? " RETURNING row_to_json(d)::text" : "");
		buf_addc(&p->del, '\0');
		return;
	}
	if (pk->n > 16)
		cli_fail(c, EX_USAGE, "%s: primary key of more than 16 "
		    "columns", o->table);
	p->npk = (int)pk->n;
	for (i = 0; i < pk->n; i++) {
		if (i > 0)
			buf_adds(&p->keys, ", ");
		buf_adds(&p->keys, "d.");
		pg_quote_ident(p->conn, &p->keys, p->t.col[pk->cols[i]].name,
		    strlen(p->t.col[pk->cols[i]].name));
	}
	buf_addc(&p->keys, '\0');

	/* (keys) > ($n+1, ...) continues after the last batch. */
	for (k = 0; k < p->npk; k++)
		buf_addf(&rng, "%s$%d", k ? ", " : "", p->nparam + k + 1);
	buf_addc(&rng, '\0');
	buf_addf(&p->sel_first, "SELECT %s FROM %s AS d WHERE %s ORDER BY %s "
	    "LIMIT %" PRId64, p->keys.p, p->t.qname, p->where.p, p->keys.p,
	    o->batch);
	buf_addc(&p->sel_first, '\0');
	buf_addf(&p->sel_next, "SELECT %s FROM %s AS d WHERE %s AND (%s) > "
	    "(%s) ORDER BY %s LIMIT %" PRId64, p->keys.p, p->t.qname,
	    p->where.p, p->keys.p, rng.p, p->keys.p, o->batch);
	buf_addc(&p->sel_next, '\0');
	/* Delete the range [first key, last key] of the batch. */
	buf_addf(&p->del, "DELETE FROM %s AS d WHERE %s AND (%s) >= (",
	    p->t.qname, p->where.p, p->keys.p);
	for (k = 0; k < p->npk; k++)
		buf_addf(&p->del, "%s$%d", k ? ", " : "", p->nparam + k + 1);
	buf_addf(&p->del, ") AND (%s) <= (", p->keys.p);
	for (k = 0; k < p->npk; k++)
		buf_addf(&p->del, "%s$%d", k ? ", " : "",
		    p->nparam + p->npk + k + 1);
	buf_adds(&p->del, o->archive ? ") RETURNING row_to_json(d)::text" :
	    ")");
	buf_addc(&p->del, '\0');
	buf_free(&rng);
}

/*
 * "drop  PARTITION  N" for each partition that would be dropped, then
 * "2024-01  1234" per month of the rows the batches would delete, then
 * "total  N", every row of the window.
 */
static int
dry_run(struct cli *c, struct plan *p)
{
	struct pg_err e;
	struct buf sql = BUF_INIT;
	PGresult *r;
	int64_t total = 0;
	int i;

	for (i = 0; p->drops != NULL && i < PQntuples(p->drops); i++) {
		buf_reset(&sql);
		buf_addf(&sql, "SELECT count(*) FROM %s",
		    PQgetvalue(p->drops, i, 0));
		buf_addc(&sql, '\0');
		if ((r = pg_exec(p->conn, sql.p, 0, NULL, &e)) == NULL)
			db_fail(c, p, &e, "counting");
		total += strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		buf_reset(&sql);
		buf_addf(&sql, "drop  %s  %s\n", PQgetvalue(p->drops, i, 0),
		    PQgetvalue(r, 0, 0));
		cli_write(c, sql.p, sql.len);
		PQclear(r);
	}
	buf_reset(&sql);
	/* The oids are digits and commas: written into the statement. */
	buf_addf(&sql, "SELECT to_char(date_trunc('month', %s), 'YYYY-MM'), "
	    "count(*) FROM %s AS d WHERE %s AND d.tableoid <> ALL('%s'::oid[]) "
	    "GROUP BY 1 ORDER BY 1", p->col.p, p->t.qname, p->where.p,
	    p->dropped ? p->dropped : "{}");
	buf_addc(&sql, '\0');
	if ((r = pg_exec(p->conn, sql.p, p->nparam, p->param, &e)) == NULL)
		db_fail(c, p, &e, "counting");
	for (i = 0; i < PQntuples(r); i++) {
		buf_reset(&sql);
		buf_addf(&sql, "%s  %s\n", PQgetisnull(r, i, 0) ? "null" :
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		cli_write(c, sql.p, sql.len);
		total += strtoll(PQgetvalue(r, i, 1), NULL, 10);
	}
	buf_reset(&sql);
	buf_addf(&sql, "total  %" PRId64 "\n", total);
	cli_write(c, sql.p, sql.len);
	PQclear(r);
	buf_free(&sql);
	PQfinish(p->conn);
	if (rec_flush(&c->out) == -1)
		cli_fail(c, EX_IOERR, "stdout: write error: %s",
		    strerror(errno));
	return 0;
}

/*
 * Delete batch after batch until a batch comes back short. Each batch is
 * one transaction: select the next keys, delete the window's rows in
 * their range, append the deleted rows to the archive and sync it, commit.
 */
static int
delete_batches(struct cli *c, const struct prune_opts *o, struct plan *p)
{
	struct rec_out arch;
	struct pg_err e;
	PGresult *keys, *del;
	const char *prm[64 + 32];
	char *last[16] = { NULL };
	int64_t deleted, batches = 0, parts = 0, n;
	double t0 = cli_now();
	int i, k, nk, have_last = 0, tries = 0;

	if (o->archive != NULL) {
		rec_out_fd(&arch, cli_create(c, "--archive", o->archive, 1),
		    o->archive);
	}
	deleted = drop_partitions(c, o, p, &arch, &parts);
	for (i = 0; i < p->nparam; i++)
		prm[i] = p->param[i];
	while (!cli_signal) {
		if (tries > 0)
			pg_sleep(pg_backoff(tries - 1), &cli_signal);
		if (pg_run(p->conn, "BEGIN", &e) == -1)
			db_fail(c, p, &e, "BEGIN");
		if (p->npk == 0) {
			/* By ctid: the DELETE picks its own batch. */
			keys = NULL;
			nk = 0;
			goto delete;
		}
		for (k = 0; k < p->npk; k++)
			prm[p->nparam + k] = last[k];
		keys = pg_exec(p->conn, have_last ? p->sel_next.p :
		    p->sel_first.p, p->nparam + (have_last ? p->npk : 0), prm,
		    &e);
		if (keys == NULL) {
			if (retry(p, &e, &tries))
				continue;
			db_fail(c, p, &e, "selecting the next batch");
		}
		if ((nk = PQntuples(keys)) == 0) {
			PQclear(keys);
			if (pg_run(p->conn, "COMMIT", &e) == -1)
				db_fail(c, p, &e, "COMMIT");
			break;
		}
		for (k = 0; k < p->npk; k++) {
			prm[p->nparam + k] = PQgetvalue(keys, 0, k);
			prm[p->nparam + p->npk + k] = PQgetvalue(keys, nk - 1, k);
		}
delete:
		if ((del = pg_exec(p->conn, p->del.p, p->nparam + 2 * p->npk,
		    prm, &e)) == NULL) {
			PQclear(keys);
			if (retry(p, &e, &tries))
				continue;
			db_fail(c, p, &e, "DELETE");
		}
		tries = 0;
		n = o->archive != NULL ? archive(c, o, &arch, del) :
		    strtoll(PQcmdTuples(del), NULL, 10);
		PQclear(del);
		if (pg_run(p->conn, "COMMIT", &e) == -1)
			db_fail(c, p, &e, "COMMIT");
		if (p->npk == 0 && n == 0)
			break;
		deleted += n;
		batches++;
		if (p->npk == 0)
			nk = (int)n;	/* a short batch was the last */
		for (k = 0; k < p->npk; k++) {
			free(last[k]);
			last[k] = xstrdup(PQgetvalue(keys, nk - 1, k));
		}
		have_last = 1;
		PQclear(keys);
		if (c->progress)
			fprintf(stderr, "%sprune: %" PRId64 " deleted, %"
			    PRId64 " batches%s", c->progress_every ? "" :
			    "\r\033[K", deleted, batches,
			    c->progress_every ? "\n" : "");
		if (nk < o->batch)
			break;
		if (o->sleep > 0)
			pg_sleep(o->sleep, &cli_signal);
	}
	for (k = 0; k < p->npk; k++)
		free(last[k]);
	PQfinish(p->conn);
	if (o->archive != NULL)
		cli_close_out(c, &arch);
	return report(c, o, deleted, batches, parts, cli_now() - t0);
}

/*
 * The deleted rows of a batch (RETURNING row_to_json) appended to the
 * archive and synced, before the batch commits: their number.
 */
static int64_t
archive(struct cli *c, const struct prune_opts *o, struct rec_out *arch,
    PGresult *del)
{
	int64_t n = archive_rows(c, arch, del);

	archive_sync(c, o, arch);
	return n;
}

/*
 * Where the archive ends before a partition is archived, and a retry's
 * return to it (what a rolled-back transaction archived goes away).
 */
static off_t
archive_mark(struct cli *c, const struct prune_opts *o, struct rec_out *arch)
{
	off_t at;

	if (o->archive == NULL)
		return 0;
	if (rec_flush(arch) == -1 || (at = lseek(arch->fd, 0, SEEK_END)) == -1)
		cli_fail(c, EX_IOERR, "--archive %s: %s", o->archive,
		    strerror(errno));
	return at;
}

static void
archive_undo(struct cli *c, const struct prune_opts *o, struct rec_out *arch,
    off_t at)
{
	if (o->archive == NULL)
		return;
	arch->len = 0;
	if (ftruncate(arch->fd, at) == -1)
		cli_fail(c, EX_IOERR, "--archive %s: %s", o->archive,
		    strerror(errno));
}

/* Append the rows of r to the archive (not yet synced): their number. */
static int64_t
archive_rows(struct cli *c, struct rec_out *arch, PGresult *r)
{
	int64_t i, n = PQntuples(r);

	for (i = 0; i < n; i++) {
		cli_put(c, arch, PQgetvalue(r, (int)i, 0),
		    (size_t)PQgetlength(r, (int)i, 0));
		cli_put(c, arch, "\n", 1);
	}
	return n;
}

/* The archive on disk, before the transaction that deleted them commits. */
static void
archive_sync(struct cli *c, const struct prune_opts *o, struct rec_out *arch)
{
	if (rec_flush(arch) == -1 || (fsync(arch->fd) == -1 &&
	    errno != EINVAL && errno != ENOTSUP))
		cli_fail(c, EX_IOERR, "--archive %s: %s (the batch was rolled "
		    "back)", o->archive, strerror(errno));
}

/* The summary line and --stats of a table run; exit 128+N if signalled. */
static int
report(struct cli *c, const struct prune_opts *o, int64_t deleted,
    int64_t batches, int64_t parts, double seconds)
{
	char dropped[64] = "";

	if (c->progress && c->progress_every == 0)
		fputs("\r\033[K", stderr);
	if (parts > 0)
		snprintf(dropped, sizeof(dropped), ", %" PRId64 " partitions "
		    "dropped", parts);
	if (!c->quiet || cli_signal)
		fprintf(stderr, "prune: %s: %" PRId64 " deleted%s, %" PRId64
		    " batches, %.1f s\n", o->table, deleted, dropped, batches,
		    seconds);
	write_stats(c, deleted, batches, parts, seconds);
	if (cli_signal)
		cli_fail(c, 128 + cli_signal, "interrupted after a committed "
		    "batch; run again to continue");
	return 0;
}

/*
 * A batch that met a deadlock (40P01) or a serialization failure beside
 * concurrent writers, before anything of it was archived: roll it back
 * and try it again, up to 5 times with backoff. 1 to retry.
 */
static int
retry(struct plan *p, const struct pg_err *e, int *tries)
{
	if (!e->transient || PQstatus(p->conn) != CONNECTION_OK ||
	    *tries >= 5)
		return 0;
	PQclear(PQexec(p->conn, "ROLLBACK"));
	(*tries)++;
	return 1;
}

/* A failed statement: 75 when a retry may work, else 69 or 65. */
static void
db_fail(struct cli *c, struct plan *p, const struct pg_err *e,
    const char *what)
{
	int code = e->transient ? EX_TEMPFAIL :
	    PQstatus(p->conn) == CONNECTION_BAD ? EX_UNAVAILABLE : EX_DATAERR;

	PQfinish(p->conn);
	cli_fail(c, code, "%s: %s%s%s", what, e->msg,
	    e->sqlstate[0] ? " SQLSTATE " : "", e->sqlstate);
}

/* The --stats object of a table run, in the form every tool writes. */
static void
write_stats(struct cli *c, int64_t deleted, int64_t batches, int64_t parts,
    double secs)
{
	struct rec_out s;
	struct buf b = BUF_INIT;

	if (c->stats_path == NULL)
		return;
	buf_addf(&b, "{\"tool\":\"prune\",\"unit\":\"rows\",\"final\":true,"
	    "\"processed\":%" PRId64 ",\"passed\":0,\"rejected\":0,"
	    "\"diverted\":{\"pruned\":%" PRId64 "}", deleted, deleted);
	buf_addf(&b, ",\"deleted\":%" PRId64 ",\"batches\":%" PRId64
	    ",\"dropped_partitions\":%" PRId64 ",\"blank\":0,"
	    "\"seconds\":%.3f,\"rows_per_second\":%.0f,\"reasons\":[]}\n",
	    deleted, batches, parts, secs, secs > 0 ? deleted / secs : 0);
	cli_open_out(c, &s, "--stats", c->stats_path);
	cli_put(c, &s, b.p, b.len);
	cli_close_out(c, &s);
	buf_free(&b);
}
