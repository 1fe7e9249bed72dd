/*
 * ledger: pg-load's exactly-once record of runs, in four tables beside
 * the data (NAME, NAME_batches, NAME_rejects, NAME_parts).
 *
 * A run is bound to its target table and mode. Its identity is --run-id,
 * or for a regular file the file's device and inode with the table and
 * the mode; a run id used again for another table or mode is refused.
 * Each of several FILE operands is a run of its own (except in replace):
 * the file's identity, or --run-id, a colon and the operand.
 * Every batch commits its ledger row (its first record, record count and
 * checksum of the records' bytes) and, with --rejects, its rejects' lines,
 * in the transaction of its data. A re-run reads the input again: the
 * committed ranges must match it byte for byte (else exit 65, naming the
 * records), records past them are loaded, so an identical input is
 * nothing to do and an input that extends the committed one loads only
 * the rest, whatever -b and -j the runs used.
 *
 * One process at a time: the run is claimed under a session advisory
 * lock (a second process exits 75, or waits with --wait) and by an owner
 * token in the run's row that every batch checks in its own transaction,
 * so a process whose lock died with its connection cannot commit after
 * another took the run over.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "pg-load.h"

static PGresult	*must(struct cli *, PGconn *, const char *, int,
		    const char *const *);
static void	 create_tables(struct ledger *, struct cli *, PGconn *);
static void	 take_lock(struct ledger *, struct plan *, int wait);
static void	 claim(struct ledger *, struct plan *, PGconn *, int force);
static void	 read_ranges(struct ledger *, struct cli *, PGconn *);
static void	 check_batches(struct ledger *, struct plan *, PGconn *);

/* Quote [schema.]name + suffix. */
static char *
quote_name(struct cli *c, PGconn *conn, const char *qualified,
    const char *suffix)
{
	struct buf b = BUF_INIT, n = BUF_INIT;
	char *schema, *table;

	pg_split_name(qualified, &schema, &table);
	if (schema != NULL) {
		if (pg_quote_ident(conn, &b, schema, strlen(schema)) == -1)
			cli_fail(c, EX_USAGE, "--ledger: bad name");
		buf_addc(&b, '.');
	}
	buf_adds(&n, table);
	buf_adds(&n, suffix);
	if (pg_quote_ident(conn, &b, n.p, n.len) == -1)
		cli_fail(c, EX_USAGE, "--ledger: bad name");
	free(schema);
	free(table);
	buf_free(&n);
	return buf_cstr(&b);
}

void
ledger_names(struct ledger *l, struct cli *c, PGconn *conn, const char *name)
{
	l->q_runs = quote_name(c, conn, name, "");
	l->q_batches = quote_name(c, conn, name, "_batches");
	l->q_rejects = quote_name(c, conn, name, "_rejects");
	l->q_parts = quote_name(c, conn, name, "_parts");
}

/* The ledger's statements outside a batch: failures end the run. */
static PGresult *
must(struct cli *c, PGconn *conn, const char *sql, int n,
    const char *const *params)
{
	struct pg_err e;
	PGresult *r = pg_exec(conn, sql, n, params, &e);

	if (r == NULL)
		cli_fail(c, e.transient ? EX_TEMPFAIL : EX_SOFTWARE,
		    "ledger: %s%s%s", e.sqlstate, e.sqlstate[0] ? ": " : "",
		    e.msg);
	return r;
}

/*
 * The run's identity when no --run-id names it: the input file (device
 * and inode, so a file that grows keeps its run), the target table and
 * the mode.
 */
static char *
default_run_id(struct cli *c, const struct plan *p)
{
	struct stat st;
	XXH64_state_t *h;
	uint64_t v[3];
	char id[40];

	if (fstat(c->in.fd, &st) == -1)
		cli_fail(c, EX_NOINPUT, "%s: %s", c->in.name, strerror(errno));
	v[0] = (uint64_t)st.st_dev;
	v[1] = (uint64_t)st.st_ino;
	v[2] = p->t.oid;
	h = XXH64_createState();
	XXH64_reset(h, 0);
	XXH64_update(h, v, sizeof(v));
	XXH64_update(h, p->mode_name, strlen(p->mode_name) + 1);
	snprintf(id, sizeof(id), "file-%016" PRIx64, (uint64_t)XXH64_digest(h));
	XXH64_freeState(h);
	return xstrdup(id);
}

/*
 * Find or create the run, claim it for this process and read what it
 * committed before. Exits 65 when the run is bound to another table or
 * mode, 75 when another process holds it.
 */
void
ledger_open(struct ledger *l, struct plan *p, PGconn *conn,
    const struct ledger_opts *o)
{
	struct cli *c = p->c;
	unsigned seed;
	int fd;

	ledger_names(l, c, conn, o->name);
	if (o->run_id == NULL)
		l->run_id = default_run_id(c, p);
	else if (run_per_file(p)) {
		struct buf id = BUF_INIT;

		buf_addf(&id, "%s:%s", o->run_id, cli_file_name(c));
		l->run_id = buf_cstr(&id);
	} else
		l->run_id = xstrdup(o->run_id);
	l->batches_before = *p->n_batches;
	seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, &seed, sizeof(seed)) != sizeof(seed))
			seed ^= (unsigned)clock();
		close(fd);
	}
	snprintf(l->owner, sizeof(l->owner), "%d-%08x", (int)getpid(), seed);
	create_tables(l, c, conn);
	take_lock(l, p, o->wait);
	claim(l, p, conn, o->force);
	read_ranges(l, c, conn);
}

/*
 * The tables, under an advisory lock (CREATE TABLE IF NOT EXISTS itself
 * races when parallel chunks start at once). A ledger made by an older
 * pg-load gets the columns and tables it lacks.
 */
static void
create_tables(struct ledger *l, struct cli *c, PGconn *conn)
{
	struct buf q = BUF_INIT;

	PQclear(must(c, conn, "BEGIN", 0, NULL));
	buf_addf(&q, "SELECT pg_advisory_xact_lock(hashtext('sluice ledger')); "
	    "CREATE TABLE IF NOT EXISTS %s (run_id text PRIMARY KEY, "
	    "target text NOT NULL, mode text NOT NULL, input text, "
	    "input_bytes bigint, batch_size bigint NOT NULL, state text NOT "
	    "NULL, started_at timestamptz NOT NULL DEFAULT now(), "
	    "finished_at timestamptz, rows bigint, rejected bigint, "
	    "watermark text, owner text); "
	    "ALTER TABLE %s ADD COLUMN IF NOT EXISTS watermark text, "
	    "ADD COLUMN IF NOT EXISTS owner text; "
	    "CREATE TABLE IF NOT EXISTS %s (run_id text NOT NULL, "
	    "first_record bigint NOT NULL, first_row bigint, last_row bigint, "
	    "records bigint, loaded bigint, rejected bigint, end_offset "
	    "bigint, checksum text, committed_at timestamptz NOT NULL DEFAULT "
	    "clock_timestamp(), PRIMARY KEY (run_id, first_record)); "
	    "CREATE TABLE IF NOT EXISTS %s (run_id text NOT NULL, "
	    "first_record bigint NOT NULL, lines text NOT NULL, "
	    "PRIMARY KEY (run_id, first_record)); "
	    "CREATE TABLE IF NOT EXISTS %s (run_id text NOT NULL, part text "
	    "NOT NULL, PRIMARY KEY (run_id, part))",
	    l->q_runs, l->q_runs, l->q_batches, l->q_rejects, l->q_parts);
	PQclear(must(c, conn, buf_cstr(&q), 0, NULL));
	PQclear(must(c, conn, "COMMIT", 0, NULL));
	buf_free(&q);
}

/*
 * The run's session advisory lock, on a connection of its own that
 * lives as long as the run: a second process on the same run id exits
 * 75, or with --wait waits for the first to end.
 */
static void
take_lock(struct ledger *l, struct plan *p, int wait)
{
	struct cli *c = p->c;
	struct pg_err e;
	const char *params[2] = { l->q_runs, l->run_id };
	PGresult *r;
	int got, said = 0;

	if ((l->lock = pg_connect(p->dsn, "pg-load", &e)) == NULL)
		cli_fail(c, e.transient ? EX_TEMPFAIL : EX_UNAVAILABLE,
		    "cannot connect: %s", e.msg);
	for (;;) {
		r = must(c, l->lock, "SELECT pg_try_advisory_lock("
		    "hashtext($1), hashtext($2))", 2, params);
		got = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		if (got)
			return;
		if (!wait)
			cli_fail(c, EX_TEMPFAIL, "run %s is in progress in "
			    "another process (--wait waits for it)",
			    l->run_id);
		if (!said && !c->quiet)
			cli_warn(c, "run %s is in progress in another "
			    "process; waiting", l->run_id);
		said = 1;
		pg_sleep(0.5, &cli_signal);
		if (cli_signal)
			cli_fail(c, EX_TEMPFAIL, "interrupted while waiting "
			    "for run %s", l->run_id);
	}
}

/*
 * Bind the run to this table and mode (a run bound to others is
 * refused) and make this process its owner. --force forgets what the
 * run committed: its input is loaded again.
 */
static void
claim(struct ledger *l, struct plan *p, PGconn *conn, int force)
{
	struct cli *c = p->c;
	struct buf q = BUF_INIT;
	char bs[24], size[24];
	const char *params[6];
	PGresult *r;
	int same_target;

	snprintf(bs, sizeof(bs), "%" PRId64, p->batch);
	snprintf(size, sizeof(size), "%lld", (long long)c->in.size);
	params[0] = l->run_id;
	params[1] = p->t.qname;
	params[2] = p->mode_name;
	params[3] = c->in.name;
	params[4] = c->in.size >= 0 ? size : NULL;
	params[5] = bs;
	PQclear(must(c, conn, "BEGIN", 0, NULL));
	buf_addf(&q, "INSERT INTO %s (run_id, target, mode, input, "
	    "input_bytes, batch_size, state) VALUES ($1, $2, $3, $4, $5, $6, "
	    "'new') ON CONFLICT (run_id) DO NOTHING", l->q_runs);
	PQclear(must(c, conn, buf_cstr(&q), 6, params));
	buf_reset(&q);
	buf_addf(&q, "SELECT state, target, mode, coalesce(rows, 0), "
	    "coalesce(to_char(finished_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), watermark, target = $2 OR "
	    "to_regclass(target) IS NOT DISTINCT FROM to_regclass($2) FROM "
	    "%s WHERE run_id = $1 FOR UPDATE", l->q_runs);
	r = must(c, conn, buf_cstr(&q), 2, params);
	same_target = PQgetvalue(r, 0, 6)[0] == 't';
	if (!force && (!same_target || strcmp(PQgetvalue(r, 0, 2),
	    p->mode_name) != 0))
		cli_fail(c, EX_DATAERR, "run %s loaded %s in mode %s, not %s "
		    "in mode %s: a run is bound to its table and mode; use "
		    "another --run-id", l->run_id, PQgetvalue(r, 0, 1),
		    PQgetvalue(r, 0, 2), p->t.qname, p->mode_name);
	l->was_done = strcmp(PQgetvalue(r, 0, 0), "done") == 0;
	snprintf(l->finished_at, sizeof(l->finished_at), "%s",
	    PQgetvalue(r, 0, 4));
	if (force) {
		int64_t rows = strtoll(PQgetvalue(r, 0, 3), NULL, 10);

		if (rows > 0 && p->mode == M_APPEND)
			fprintf(stderr, "pg-load: --force: run %s committed "
			    "%" PRId64 " rows before; they are loaded again, "
			    "and append adds them a second time\n", l->run_id,
			    rows);
		buf_reset(&q);
		buf_addf(&q, "DELETE FROM %s WHERE run_id = $1; ",
		    l->q_batches);
		PQclear(must(c, conn, buf_cstr(&q), 1, params));
		buf_reset(&q);
		buf_addf(&q, "DELETE FROM %s WHERE run_id = $1", l->q_rejects);
		PQclear(must(c, conn, buf_cstr(&q), 1, params));
		buf_reset(&q);
		buf_addf(&q, "DELETE FROM %s WHERE run_id = $1", l->q_parts);
		PQclear(must(c, conn, buf_cstr(&q), 1, params));
		buf_reset(&q);
		buf_addf(&q, "UPDATE %s SET target = $2, mode = $3, batch_size "
		    "= $4, started_at = now(), finished_at = NULL, rows = NULL, "
		    "rejected = NULL, watermark = NULL WHERE run_id = $1",
		    l->q_runs);
		params[3] = bs;
		PQclear(must(c, conn, buf_cstr(&q), 4, params));
		l->was_done = 0;
	} else if (p->wm != NULL && !PQgetisnull(r, 0, 5)) {
		/* A resumed run: its values so far decide the kind. */
		int64_t ns;
		int k = wm_classify(PQgetvalue(r, 0, 5),
		    (size_t)PQgetlength(r, 0, 5), &ns);

		if (k == -1)
			cli_fail(c, EX_DATAERR, "run %s: the ledger's "
			    "watermark '%s' is not a time or a number",
			    l->run_id, PQgetvalue(r, 0, 5));
		p->wm_kind = k;
	}
	PQclear(r);
	params[1] = l->owner;
	buf_reset(&q);
	buf_addf(&q, "UPDATE %s SET state = 'running', owner = $2 WHERE "
	    "run_id = $1", l->q_runs);
	PQclear(must(c, conn, buf_cstr(&q), 2, params));
	PQclear(must(c, conn, "COMMIT", 0, NULL));
	buf_free(&q);
}

/* The ranges of records the run committed before, in input order. */
static void
read_ranges(struct ledger *l, struct cli *c, PGconn *conn)
{
	struct buf q = BUF_INIT;
	const char *params[1] = { l->run_id };
	PGresult *r;
	int i, n;

	buf_addf(&q, "SELECT first_record - 1, records, checksum FROM %s "
	    "WHERE run_id = $1 ORDER BY first_record", l->q_batches);
	r = must(c, conn, buf_cstr(&q), 1, params);
	n = PQntuples(r);
	l->done = xcalloc((size_t)n + 1, sizeof(*l->done));
	for (i = 0; i < n; i++) {
		l->done[i].start = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		l->done[i].n = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		l->done[i].sum = strtoull(PQgetvalue(r, i, 2), NULL, 16);
	}
	l->ndone = (size_t)n;
	PQclear(r);
	buf_free(&q);
	if (l->ndone > 0 && !c->quiet && !l->was_done)
		cli_warn(c, "resuming run %s: %zu batches committed before",
		    l->run_id, l->ndone);
}

/*
 * The rejects of the batches the run committed before, written again to
 * the rejects file (which was opened afresh), so that after any
 * interruption it holds every rejected record of the run exactly once.
 */
void
ledger_replay_rejects(const struct ledger *l, struct cli *c, PGconn *conn)
{
	struct buf q = BUF_INIT;
	const char *params[1] = { l->run_id };
	PGresult *r;
	int i, n;

	/* A batch's rejects count only with the batch's own row. */
	buf_addf(&q, "SELECT r.lines FROM %s r JOIN %s b USING (run_id, "
	    "first_record) WHERE r.run_id = $1 ORDER BY r.first_record",
	    l->q_rejects, l->q_batches);
	r = must(c, conn, buf_cstr(&q), 1, params);
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		cli_put(c, &c->rejects, PQgetvalue(r, i, 0),
		    (size_t)PQgetlength(r, i, 0));
	PQclear(r);
	buf_free(&q);
}

/*
 * In batch b's open transaction: its ledger row and its rejects' lines,
 * if this process still owns the run. 0; -1 with e filled; -2 when
 * another process has taken the run over.
 */
int
ledger_commit_batch(const struct ledger *l, PGconn *conn,
    const struct batch *b, int64_t loaded, const struct buf *rejects,
    struct pg_err *e)
{
	char sql[768], no[24], f[24], lr[24], recs[24], ld[24], rj[24],
	    off[24], sum[24];
	const char *params[10] = { l->run_id, no, f, lr, recs, ld, rj, off,
	    sum, l->owner };
	PGresult *r;
	int took;

	snprintf(no, sizeof(no), "%" PRId64, b->no + 1);
	snprintf(f, sizeof(f), "%" PRId64, b->first_row);
	snprintf(lr, sizeof(lr), "%" PRId64, b->last_row);
	snprintf(recs, sizeof(recs), "%" PRId64, b->records);
	snprintf(ld, sizeof(ld), "%" PRId64, loaded);
	snprintf(rj, sizeof(rj), "%zu", b->nrej);
	snprintf(off, sizeof(off), "%" PRIu64, b->end_offset);
	snprintf(sum, sizeof(sum), "%016" PRIx64, b->checksum);
	/* The run's row, locked for share, proves the claim until COMMIT. */
	snprintf(sql, sizeof(sql), "INSERT INTO %s (run_id, first_record, "
	    "first_row, last_row, records, loaded, rejected, end_offset, "
	    "checksum) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM %s "
	    "WHERE run_id = $1 AND owner = $10 FOR SHARE", l->q_batches,
	    l->q_runs);
	if ((r = pg_exec(conn, sql, 10, params, e)) == NULL)
		return -1;
	took = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	if (!took) {
		memset(e, 0, sizeof(*e));
		snprintf(e->msg, sizeof(e->msg), "run %s was taken over by "
		    "another process; this one stops", l->run_id);
		return -2;
	}
	if (rejects->len == 0)
		return 0;
	params[2] = buf_cstr((struct buf *)rejects);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (run_id, first_record, "
	    "lines) VALUES ($1, $2, $3) ON CONFLICT (run_id, first_record) "
	    "DO UPDATE SET lines = EXCLUDED.lines", l->q_rejects);
	if ((r = pg_exec(conn, sql, 3, params, e)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* The ledger's word on whether batch b committed: 1 yes, 0 no, -1 error. */
int
ledger_committed(const struct ledger *l, PGconn *conn, const struct batch *b,
    int64_t *loaded, struct pg_err *e)
{
	char no[24], sql[512];
	const char *params[2] = { l->run_id, no };
	PGresult *r;
	int yes;

	snprintf(no, sizeof(no), "%" PRId64, b->no + 1);
	snprintf(sql, sizeof(sql), "SELECT loaded FROM %s WHERE run_id = $1 "
	    "AND first_record = $2", l->q_batches);
	if ((r = pg_exec(conn, sql, 2, params, e)) == NULL)
		return -1;
	yes = PQntuples(r) == 1;
	if (yes)
		*loaded = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return yes;
}

/*
 * Mark the run done (state 1: the input was read to its end), left to
 * resume (0) or failed (-1), with its totals. A finished run that this
 * process loaded nothing into stays as it was (a refused or empty
 * re-run changes neither its state nor its time).
 */
void
ledger_finish(struct ledger *l, struct plan *p, int state)
{
	struct cli *c = p->c;
	struct buf q = BUF_INIT;
	const char *params[3] = { l->run_id, NULL, l->owner };
	struct pg_err e = { .msg = "no connection" };
	PGconn *conn = l->lock;
	PGresult *r = NULL;
	int i;

	if (l->was_done && *p->n_batches == l->batches_before)
		state = 1;
	params[1] = state == 1 ? "done" : state == 0 ? "running" : "failed";

	if (state == 1 && l->was_done && *p->n_batches == l->batches_before)
		buf_addf(&q, "UPDATE %s SET state = $2 WHERE run_id = $1 AND "
		    "owner = $3", l->q_runs);	/* as it was */
	else
		buf_addf(&q, "UPDATE %s SET state = $2, finished_at = CASE "
		    "WHEN $2 = 'done' THEN now() END, rows = (SELECT "
		    "sum(loaded) FROM %s WHERE run_id = $1), rejected = (SELECT "
		    "sum(rejected) FROM %s WHERE run_id = $1) WHERE run_id = $1 "
		    "AND owner = $3", l->q_runs, l->q_batches, l->q_batches);
	/* The lock's connection, or a new one if the server dropped it. */
	for (i = 0; i <= p->retries && r == NULL; i++) {
		if (i > 0)
			pg_sleep(pg_backoff(i - 1), &cli_signal);
		if (conn == NULL &&
		    (conn = pg_connect(p->dsn, "pg-load", &e)) == NULL)
			continue;
		if ((r = pg_exec(conn, buf_cstr(&q), 3, params, &e)) == NULL) {
			PQfinish(conn);
			conn = NULL;
			if (!e.transient)
				break;
		}
	}
	l->lock = conn;
	if (r == NULL && state != -1)
		cli_fail(c, EX_TEMPFAIL, "ledger: %s", e.msg);
	PQclear(r);
	buf_free(&q);
	if (state == 1 && conn != NULL)
		check_batches(l, p, conn);
}

/*
 * A server that crashed without synchronous commit can lose batches whose
 * COMMIT it had acknowledged: their rows and ledger rows alike. A run
 * that finds fewer batches than it committed is left to run again, which
 * loads them, rather than marked done without them.
 */
static void
check_batches(struct ledger *l, struct plan *p, PGconn *conn)
{
	char sql[256];
	const char *params[2] = { l->run_id, l->owner };
	int64_t have, want = (int64_t)l->ndone + *p->n_batches -
	    l->batches_before;
	PGresult *r;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = $1",
	    l->q_batches);
	r = must(p->c, conn, sql, 1, params);
	have = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (have >= want)
		return;
	snprintf(sql, sizeof(sql), "UPDATE %s SET state = 'running', "
	    "finished_at = NULL WHERE run_id = $1 AND owner = $2", l->q_runs);
	PQclear(must(p->c, conn, sql, 2, params));
	cli_fail(p->c, EX_TEMPFAIL, "run %s: the server has %" PRId64 " of the "
	    "%" PRId64 " batches it acknowledged (a crash without synchronous "
	    "commit loses some); run again to load the rest", l->run_id, have,
	    want);
}

/*
 * The ledger of --status and --last-watermark, which only read it: 1 if
 * its tables exist (*has_wm: its runs have a watermark column), else 0.
 */
static int
ledger_exists(struct ledger *l, struct cli *c, PGconn *conn, const char *name,
    int *has_wm)
{
	const char *pp[2];
	PGresult *r;
	int yes;

	ledger_names(l, c, conn, name);
	pp[0] = l->q_runs;
	pp[1] = l->q_batches;
	r = must(c, conn, "SELECT to_regclass($1) IS NOT NULL AND "
	    "to_regclass($2) IS NOT NULL, EXISTS (SELECT 1 FROM pg_attribute "
	    "WHERE attrelid = to_regclass($1) AND attname = 'watermark' AND "
	    "NOT attisdropped)", 2, pp);
	yes = PQgetvalue(r, 0, 0)[0] == 't';
	*has_wm = PQgetvalue(r, 0, 1)[0] == 't';
	PQclear(r);
	return yes;
}

/*
 * pg-load --status: the ledger's runs, one a line, tab-separated, with
 * a header line. A last column, watermark, is shown when a listed run
 * recorded one.
 */
int
ledger_status(struct cli *c, PGconn *conn, const char *name,
    const char *run_id)
{
	struct ledger l = { 0 };
	struct buf q = BUF_INIT;
	const char *params[1] = { run_id };
	PGresult *r;
	int i, j, n, has_wm, ncol = 9;

	if (!ledger_exists(&l, c, conn, name, &has_wm))
		cli_fail(c, EX_DATAERR, "no ledger %s in this database",
		    l.q_runs);
	buf_addf(&q, "SELECT r.run_id, r.state, r.target, r.mode, "
	    "coalesce(b.loaded, 0), coalesce(b.rejected, 0), "
	    "CASE WHEN r.state = 'done' THEN '100' WHEN r.input_bytes > 0 "
	    "THEN (coalesce(b.off, 0) * 100 / r.input_bytes)::text ELSE '' "
	    "END, to_char(r.started_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(to_char("
	    "r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS"
	    "\"Z\"'), ''), %s FROM %s r LEFT JOIN (SELECT run_id, "
	    "sum(loaded) AS loaded, sum(rejected) AS rejected, "
	    "max(end_offset) AS off FROM %s GROUP BY run_id) b ON b.run_id "
	    "= r.run_id WHERE $1::text IS NULL OR r.run_id = $1 OR "
	    "starts_with(r.run_id, $1 || ':') ORDER BY r.started_at, r.run_id", has_wm ? "r.watermark" : "NULL::text",
	    l.q_runs, l.q_batches);
	r = must(c, conn, buf_cstr(&q), 1, params);
	n = PQntuples(r);
	if (n == 0 && run_id != NULL)
		cli_fail(c, EX_DATAERR, "no run %s in %s", run_id, l.q_runs);
	for (i = 0; i < n; i++)
		if (!PQgetisnull(r, i, 9))
			ncol = 10;
	printf("run_id\tstate\ttable\tmode\trows\trejected\tpercent\t"
	    "started\tfinished%s\n", ncol == 10 ? "\twatermark" : "");
	for (i = 0; i < n; i++)
		for (j = 0; j < ncol; j++)
			printf("%s%c", PQgetvalue(r, i, j), j < ncol - 1 ?
			    '\t' : '\n');
	PQclear(r);
	buf_free(&q);
	ledger_free(&l);
	if (fflush(stdout) == EOF)
		return EX_IOERR;
	return 0;
}

/*
 * pg-load --last-watermark -t TABLE: the greatest watermark of the
 * finished runs that loaded TABLE (or run --run-id), printed as it was
 * recorded. Exit 1 when there is none, as grep does when nothing matches.
 */
int
ledger_last_watermark(struct cli *c, PGconn *conn, const char *name,
    const char *table, const char *run_id)
{
	struct ledger l = { 0 };
	struct buf q = BUF_INIT;
	const char *params[2] = { NULL, run_id }, *best = NULL;
	PGresult *r;
	char *qname;
	int i, n, cmp, has_wm, exists, rc = 0;

	if (!(exists = ledger_exists(&l, c, conn, name, &has_wm)) || !has_wm) {
		if (!c->quiet)
			fprintf(stderr, "pg-load: %s: no watermark: %s %s\n",
			    table, exists ? "no watermark column in" :
			    "no ledger", l.q_runs);
		ledger_free(&l);
		return 1;
	}
	qname = quote_name(c, conn, table, "");
	params[0] = qname;
	/* The target as recorded, or any spelling of the same table. */
	buf_addf(&q, "SELECT watermark FROM %s WHERE state = 'done' AND "
	    "watermark IS NOT NULL AND (target = $1 OR to_regclass(target) = "
	    "to_regclass($1)) AND ($2::text IS NULL OR run_id = $2 OR "
	    "starts_with(run_id, $2 || ':')) ORDER BY finished_at, run_id", l.q_runs);
	r = must(c, conn, buf_cstr(&q), 2, params);
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		const char *v = PQgetvalue(r, i, 0);

		if (best != NULL && wm_text_cmp(v, strlen(v), best,
		    strlen(best), &cmp) == -1)
			cli_fail(c, EX_DATAERR, "%s: the finished runs "
			    "recorded watermarks of different kinds ('%s' and "
			    "'%s'); choose one with --run-id", table, best, v);
		if (best == NULL || cmp > 0)
			best = v;
	}
	if (best == NULL) {
		if (!c->quiet)
			fprintf(stderr, "pg-load: %s: no watermark: no "
			    "finished run %s%srecorded one in %s\n", table,
			    run_id ? run_id : "", run_id ? " " : "", l.q_runs);
		rc = 1;
	} else {
		printf("%s\n", best);
		if (fflush(stdout) == EOF)
			rc = EX_IOERR;
	}
	PQclear(r);
	free(qname);
	buf_free(&q);
	ledger_free(&l);
	return rc;
}

void
ledger_free(struct ledger *l)
{
	if (l->lock != NULL)
		PQfinish(l->lock);
	free(l->q_runs);
	free(l->q_batches);
	free(l->q_rejects);
	free(l->q_parts);
	free(l->run_id);
	free(l->done);
	memset(l, 0, sizeof(*l));
}
