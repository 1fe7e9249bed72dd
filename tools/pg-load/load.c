/*
 * load: the workers. Each owns one connection and runs whole batches:
 *
 *	BEGIN; [SAVEPOINT; the mode's statements for a range of rows;
 *	RELEASE]...; INSERT the ledger's batch row; COMMIT
 *
 * A range that fails with a data error (SQLSTATE classes 22, 23, ...) is
 * rolled back to its savepoint and split: at the row the COPY context
 * names when there is one ("COPY t, line 37"), else in halves, until
 * only the bad rows are left; they become rejects, written once the
 * batch has committed. A transient failure (connection lost, 40001,
 * 57P01, ...) drops the connection and replays the batch after a backoff,
 * first asking the ledger whether its COMMIT did land.
 *
 * With several workers, the modes where the last record of a key must win
 * (upsert, skip-existing, scd2) take turns: a batch's COPY into its
 * staging table runs at once, its statement on the table waits until the
 * batch before it has committed, so batches apply in input order while
 * the next one's COPY overlaps them.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg-load.h"

enum { R_OK, R_TRANSIENT, R_FATAL };

struct counts {
	int64_t	loaded, inserted, updated, skipped, replaced, unchanged;
};

struct worker {
	struct plan	*p;
	pthread_t	 th;
	PGconn		*conn;
	int		 stage_ready;
	int		 first_op;
	int		 in_commit;	/* the failure came at COMMIT */
	struct buf	 sql, cols, strip, rejtext;
	struct group { uint64_t sig; struct buf rows; } *group;
	size_t		 ngroup, capgroup;	/* sig_groups' */
	struct pg_err	 err;
	struct counts	 n;		/* this attempt */
};

static pthread_mutex_t	 qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 qwork = PTHREAD_COND_INITIALIZER;
static pthread_cond_t	 qfree = PTHREAD_COND_INITIALIZER;
static pthread_cond_t	 qturn = PTHREAD_COND_INITIALIZER;
static struct batch	*work_head, *work_tail, *free_list;
static int		 nbatches, closing;
static int64_t		 next_seq, turn;	/* the batch whose turn it is */
static struct worker	*workers;

static void	*worker_main(void *);
static void	 run_batch(struct worker *, struct batch *);
static int	 attempt(struct worker *, struct batch *);
static int	 process(struct worker *, struct batch *, size_t, size_t);
static int	 op(struct worker *, struct batch *, size_t, size_t,
		    struct counts *, int64_t *);
static int	 prepare_conn(struct worker *);
static int	 await_turn(struct plan *, int64_t);
static void	 add_rej(struct plan *, struct batch *, size_t,
		    const struct pg_err *);
static void	 publish(struct worker *, struct batch *, const struct counts *,
		    int64_t loaded);

void
plan_fatal(struct plan *p, int code, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&p->lock);
	if (p->fatal_code == 0) {
		p->fatal_code = code;
		va_start(ap, fmt);
		vsnprintf(p->fatal_msg, sizeof(p->fatal_msg), fmt, ap);
		va_end(ap);
	}
	p->stop = 1;
	pthread_mutex_unlock(&p->lock);
}

int
load_start(struct plan *p)
{
	int i;

	workers = xcalloc((size_t)p->jobs, sizeof(*workers));
	for (i = 0; i < p->jobs; i++) {
		workers[i].p = p;
		if (pthread_create(&workers[i].th, NULL, worker_main,
		    &workers[i]) != 0)
			return -1;
	}
	return 0;
}

void
batch_reset(struct batch *b, int64_t no)
{
	size_t i;

	for (i = 0; i < b->nrej; i++) {
		free(b->rej[i].msg);
		free(b->rej[i].path);
	}
	b->nrej = b->nrej_enc = 0;
	b->no = no;
	b->first_row = b->last_row = 0;
	b->records = 0;
	b->end_offset = 0;
	b->checksum = 0;
	buf_reset(&b->lines);
	buf_reset(&b->copy);
	buf_reset(&b->wmtext);
	b->binary = 1;		/* until a record needs text */
	b->nrow = 0;
}

struct batch *
load_get(struct plan *p)
{
	struct batch *b;

	pthread_mutex_lock(&qlock);
	while (free_list == NULL && nbatches >= 2 * p->jobs)
		pthread_cond_wait(&qfree, &qlock);
	if ((b = free_list) != NULL)
		free_list = b->next;
	else {
		b = xcalloc(1, sizeof(*b));
		nbatches++;
	}
	pthread_mutex_unlock(&qlock);
	b->next = NULL;
	return b;
}

void
load_submit(struct plan *p, struct batch *b)
{
	(void)p;
	pthread_mutex_lock(&qlock);
	b->next = NULL;
	b->seq = next_seq++;
	if (work_tail != NULL)
		work_tail->next = b;
	else
		work_head = b;
	work_tail = b;
	pthread_cond_signal(&qwork);
	pthread_mutex_unlock(&qlock);
}

void
load_submit_free(struct plan *p, struct batch *b)
{
	(void)p;
	pthread_mutex_lock(&qlock);
	b->next = free_list;
	free_list = b;
	pthread_cond_signal(&qfree);
	pthread_mutex_unlock(&qlock);
}

void
load_finish(struct plan *p)
{
	int i;

	pthread_mutex_lock(&qlock);
	closing = 1;
	pthread_cond_broadcast(&qwork);
	pthread_mutex_unlock(&qlock);
	for (i = 0; i < p->jobs; i++) {
		pthread_join(workers[i].th, NULL);
		if (workers[i].conn != NULL)
			PQfinish(workers[i].conn);
		buf_free(&workers[i].sql);
		buf_free(&workers[i].cols);
		buf_free(&workers[i].strip);
		buf_free(&workers[i].rejtext);
		while (workers[i].capgroup > 0)
			buf_free(&workers[i].group[--workers[i].capgroup].rows);
		free(workers[i].group);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct batch *b;

	for (;;) {
		pthread_mutex_lock(&qlock);
		while (work_head == NULL && !closing)
			pthread_cond_wait(&qwork, &qlock);
		if ((b = work_head) == NULL) {
			pthread_mutex_unlock(&qlock);
			break;
		}
		if ((work_head = b->next) == NULL)
			work_tail = NULL;
		pthread_mutex_unlock(&qlock);

		if (!w->p->stop)
			run_batch(w, b);

		pthread_mutex_lock(&qlock);
		/* A batch that finished early (no rows) passes in order. */
		(void)await_turn(w->p, b->seq);
		if (turn <= b->seq) {
			turn = b->seq + 1;
			pthread_cond_broadcast(&qturn);
		}
		b->next = free_list;
		free_list = b;
		pthread_cond_signal(&qfree);
		pthread_mutex_unlock(&qlock);
	}
	return NULL;
}

static void
drop_conn(struct worker *w)
{
	if (w->conn != NULL)
		PQfinish(w->conn);
	w->conn = NULL;
	w->stage_ready = 0;
}

static void
run_batch(struct worker *w, struct batch *b)
{
	struct plan *p = w->p;
	int tries, r, lost = 0;
	int64_t loaded;

	for (tries = 0; tries <= p->retries; tries++) {
		if (tries > 0) {
			pg_sleep(pg_backoff(tries - 1), &cli_signal);
			if (cli_signal || p->stop)
				return;
		}
		if (w->conn == NULL) {
			w->conn = pg_connect(p->dsn, "pg-load", &w->err);
			if (w->conn == NULL) {
				if (!w->err.transient) {
					plan_fatal(p, EX_UNAVAILABLE, "%s",
					    w->err.msg);
					return;
				}
				continue;
			}
			if (pg_set_time_zone(w->conn, p->tz, &w->err) == -1) {
				drop_conn(w);
				continue;
			}
		}
		/* Did the COMMIT of the attempt that lost its reply land? */
		if (lost && p->lg != NULL && !p->check) {
			r = ledger_committed(p->lg, w->conn, b, &loaded,
			    &w->err);
			if (r == 1) {
				struct counts none = { 0 };

				publish(w, b, &none, loaded);
				return;
			}
			if (r == -1) {
				drop_conn(w);
				continue;
			}
		}
		r = attempt(w, b);
		if (r == R_OK)
			return;
		if (r == R_FATAL)
			return;
		lost = 1;
		drop_conn(w);
		/*
		 * Without a ledger nobody can tell whether a COMMIT whose
		 * reply was lost landed, nor (replace) which partitions the
		 * lost session claimed: stop rather than guess.
		 */
		if (p->lg == NULL && !p->check && (w->in_commit ||
		    (p->mode == M_REPLACE && *p->n_batches > 0))) {
			plan_fatal(p, EX_TEMPFAIL, "connection lost %s without "
			    "--ledger: %s; re-run (with --ledger to resume "
			    "exactly once)", w->in_commit ? "at COMMIT" :
			    "during a replace", w->err.msg);
			return;
		}
	}
	plan_fatal(p, EX_TEMPFAIL, "giving up after %d retries: %s%s%s",
	    p->retries, w->err.sqlstate[0] ? w->err.sqlstate : "",
	    w->err.sqlstate[0] ? ": " : "", w->err.msg);
}

/*
 * Counters and the summary for a batch that committed, then its rejects'
 * lines (w->rejtext) into the rejects file: a full disk there (exit 74)
 * leaves counts that agree with the ledger, and the re-run writes the
 * rejects again from it.
 */
static void
publish(struct worker *w, struct batch *b, const struct counts *n,
    int64_t loaded)
{
	struct plan *p = w->p;
	struct cli *c = p->c;
	size_t i;

	pthread_mutex_lock(&p->lock);
	c->passed += loaded;
	*p->n_batches += 1;
	*p->n_skipped += n->skipped + n->unchanged;
	if (p->mode == M_UPSERT || p->mode == M_SCD2) {
		*p->n_inserted += n->inserted;
		*p->n_updated += n->updated;
	} else if (p->mode == M_REPLACE)
		*p->n_replaced += n->replaced;
	if (w->rejtext.len > 0)
		cli_put(c, &c->rejects, w->rejtext.p, w->rejtext.len);
	for (i = 0; i < b->nrej; i++) {
		char reason[512];

		/* Counted without the DETAIL, which names each row's key. */
		snprintf(reason, sizeof(reason), "%.*s",
		    (int)b->rej[i].primary, b->rej[i].msg);
		cli_count_reject(c, reason);
	}
	pthread_mutex_unlock(&p->lock);
}

/* One reject's line: the record with its _error_ members. */
static void
format_reject(const struct batch *b, const struct rej *r, struct buf *out)
{
	struct rec_field f[6];
	size_t nf = 0;

	f[nf++] = (struct rec_field){ "_error_row", REC_INT, NULL, 0,
	    r->src_row };
	f[nf++] = (struct rec_field){ "_error_message", REC_STR, r->msg,
	    strlen(r->msg), 0 };
	if (r->path != NULL)
		f[nf++] = (struct rec_field){ "_error_path", REC_STR, r->path,
		    strlen(r->path), 0 };
	if (r->sqlstate[0] != '\0')
		f[nf++] = (struct rec_field){ "_error_sqlstate", REC_STR,
		    r->sqlstate, strlen(r->sqlstate), 0 };
	f[nf++] = (struct rec_field){ "_error_tool", REC_STR, "pg-load", 7, 0 };
	rec_annotate(out, b->lines.p + r->line_off, r->line_len, r->is_object,
	    f, nf);
	buf_addc(out, '\n');
}

/*
 * The lines of b's rejects in input order (the encoder's and the
 * server's are each in order; merged by their place in b->lines).
 */
void
batch_rejects(const struct batch *b, struct buf *out)
{
	size_t i = 0, j = b->nrej_enc;

	buf_reset(out);
	while (i < b->nrej_enc || j < b->nrej) {
		if (j == b->nrej || (i < b->nrej_enc &&
		    b->rej[i].line_off < b->rej[j].line_off))
			format_reject(b, &b->rej[i++], out);
		else
			format_reject(b, &b->rej[j++], out);
	}
}

static int
classify(struct worker *w)
{
	return w->err.transient || PQstatus(w->conn) == CONNECTION_BAD ?
	    R_TRANSIENT : R_FATAL;
}

static int
attempt(struct worker *w, struct batch *b)
{
	struct plan *p = w->p;
	struct counts total = { 0 };
	size_t i;
	int r;

	for (i = b->nrej_enc; i < b->nrej; i++) {
		free(b->rej[i].msg);
		free(b->rej[i].path);
	}
	b->nrej = b->nrej_enc;
	w->in_commit = 0;
	memset(&w->n, 0, sizeof(w->n));
	if (prepare_conn(w) == -1)
		goto failed;
	if (pg_run(w->conn, "BEGIN", &w->err) == -1)
		goto failed;
	w->first_op = 1;
	/*
	 * The whole batch first, without a savepoint (subtransactions cost);
	 * only a batch that fails is replayed row range by row range.
	 */
	if (b->nrow > 0) {
		struct counts n = { 0 };
		int64_t bad = -1;

		if (op(w, b, 0, b->nrow, &n, &bad) == 0) {
			w->n = n;
			goto loaded;
		}
		if (w->err.transient || PQstatus(w->conn) == CONNECTION_BAD)
			return R_TRANSIENT;
		if (p->stop || cli_signal) {
			PQclear(PQexec(w->conn, "ROLLBACK"));
			return R_FATAL;
		}
		if (pg_run(w->conn, "ROLLBACK", &w->err) == -1 ||
		    pg_run(w->conn, "BEGIN", &w->err) == -1)
			goto failed;
		w->first_op = 1;
	}
	if ((r = process(w, b, 0, b->nrow)) != R_OK) {
		if (PQstatus(w->conn) == CONNECTION_OK)
			PQclear(PQexec(w->conn, "ROLLBACK"));
		return r;
	}
loaded:
	total = w->n;
	batch_rejects(b, &w->rejtext);
	if (p->lg != NULL && !p->check) {
		if ((r = ledger_commit_batch(p->lg, w->conn, b, total.loaded,
		    &w->rejtext, &w->err)) != 0) {
			if (r == -2)
				plan_fatal(p, EX_TEMPFAIL, "%s", w->err.msg);
			else if (classify(w) == R_FATAL)
				plan_fatal(p, EX_SOFTWARE, "ledger: %s",
				    w->err.msg);
			goto failed_open;
		}
		if (p->wm != NULL && (r = wm_commit(p, w->conn, b,
		    &w->err)) != 0) {
			if (r == -2 || classify(w) == R_FATAL)
				plan_fatal(p, r == -2 ? EX_DATAERR :
				    EX_SOFTWARE, "ledger: %s", w->err.msg);
			goto failed_open;
		}
	}
	w->in_commit = 1;
	if (pg_run(w->conn, p->check ? "ROLLBACK" : "COMMIT", &w->err) == -1) {
		if (classify(w) == R_FATAL)
			plan_fatal(p, EX_DATAERR, "rows %" PRId64 "-%" PRId64
			    ": failed at commit: %s: %s", b->first_row, b->last_row,
			    w->err.sqlstate, w->err.msg);
		return classify(w);
	}
	publish(w, b, &total, total.loaded);
	return R_OK;
failed_open:
	if (PQstatus(w->conn) == CONNECTION_OK)
		PQclear(PQexec(w->conn, "ROLLBACK"));
failed:
	if (classify(w) == R_FATAL && !p->stop)
		plan_fatal(p, EX_DATAERR, "%s%s%s", w->err.sqlstate,
		    w->err.sqlstate[0] ? ": " : "", w->err.msg);
	return classify(w);
}

/*
 * Load rows [lo, hi) under a savepoint; on a data error, find the bad
 * rows and load the others.
 */
static int
process(struct worker *w, struct batch *b, size_t lo, size_t hi)
{
	struct plan *p = w->p;
	struct counts n = { 0 };
	int64_t bad = -1;
	size_t mid;
	int r;

	if (lo >= hi)
		return R_OK;
	if (cli_signal)
		return R_FATAL;
	if (pg_run(w->conn, "SAVEPOINT sluice", &w->err) == -1)
		return classify(w);
	if (op(w, b, lo, hi, &n, &bad) == 0) {
		if (pg_run(w->conn, "RELEASE SAVEPOINT sluice", &w->err) == -1)
			return classify(w);
		w->n.loaded += n.loaded;
		w->n.inserted += n.inserted;
		w->n.updated += n.updated;
		w->n.skipped += n.skipped;
		w->n.replaced += n.replaced;
		w->n.unchanged += n.unchanged;
		return R_OK;
	}
	if (w->err.transient || PQstatus(w->conn) == CONNECTION_BAD)
		return R_TRANSIENT;
	{
		struct pg_err keep = w->err;

		if (pg_run(w->conn, "ROLLBACK TO SAVEPOINT sluice", &w->err)
		    == -1)
			return classify(w);
		w->err = keep;
	}
	if (!pg_sqlstate_data(w->err.sqlstate)) {
		plan_fatal(p, EX_DATAERR, "rows %" PRId64 "-%" PRId64 ": %s: "
		    "%s", b->row[lo].src_row, b->row[hi - 1].src_row,
		    w->err.sqlstate, w->err.msg);
		return R_FATAL;
	}
	if (bad < 0 && hi - lo == 1)
		bad = (int64_t)lo;
	if (bad >= 0) {
		if (!p->reject_mode) {
			plan_fatal(p, EX_DATAERR, "row %" PRId64 ": %s: %s%s%s",
			    b->row[bad].src_row, w->err.sqlstate, w->err.msg,
			    w->err.detail[0] ? ": " : "", w->err.detail);
			return R_FATAL;
		}
		add_rej(p, b, (size_t)bad, &w->err);
		if ((r = process(w, b, lo, (size_t)bad)) != R_OK)
			return r;
		return process(w, b, (size_t)bad + 1, hi);
	}
	mid = lo + (hi - lo) / 2;
	if ((r = process(w, b, lo, mid)) != R_OK)
		return r;
	return process(w, b, mid, hi);
}

static void
add_rej(struct plan *p, struct batch *b, size_t row, const struct pg_err *e)
{
	struct buf m = BUF_INIT, path = BUF_INIT;
	char col[256];
	size_t i;

	if (b->nrej == b->caprej) {
		b->caprej = b->caprej ? b->caprej * 2 : 16;
		b->rej = xrealloc(b->rej, b->caprej * sizeof(*b->rej));
	}
	buf_adds(&m, e->msg);
	b->rej[b->nrej].primary = m.len;
	if (e->detail[0]) {
		buf_adds(&m, ": ");
		buf_adds(&m, e->detail);
	}
	b->rej[b->nrej].row = row;
	b->rej[b->nrej].line_off = b->row[row].line_off;
	b->rej[b->nrej].line_len = b->row[row].line_len;
	b->rej[b->nrej].src_row = b->row[row].src_row;
	b->rej[b->nrej].is_object = 1;
	memcpy(b->rej[b->nrej].sqlstate, e->sqlstate, 6);
	b->rej[b->nrej].msg = buf_cstr(&m);
	b->rej[b->nrej].path = NULL;
	if (pg_copy_column(e, p->mode == M_APPEND ? p->t.name : STAGE_NAME,
	    col, sizeof(col))) {
		/* A JSON pointer: ~ and / escaped. */
		buf_addc(&path, '/');
		for (i = 0; col[i] != '\0'; i++)
			if (col[i] == '~')
				buf_adds(&path, "~0");
			else if (col[i] == '/')
				buf_adds(&path, "~1");
			else
				buf_addc(&path, col[i]);
		b->rej[b->nrej].path = buf_cstr(&path);
	}
	b->nrej++;
}

/* Quoted column list for a COPY of rows with signature sig. */
void
plan_columns(struct plan *p, PGconn *conn, struct buf *b, uint64_t sig,
    int staging)
{
	size_t i;
	int first = 1;

	(void)conn;
	if (staging) {
		buf_adds(b, STAGE_ROW);
		first = 0;
	}
	for (i = 0; i < p->t.ncol; i++) {
		if (!p->writable[i])
			continue;
		if (p->defbit[i] >= 0 && (sig >> p->defbit[i]) & 1)
			continue;
		if (!first)
			buf_adds(b, ", ");
		first = 0;
		buf_adds(b, p->qcol[i]);
	}
}

/* The temp staging table (and partition claims) of this connection. */
static int
prepare_conn(struct worker *w)
{
	struct plan *p = w->p;
	struct buf *q = &w->sql;
	size_t i;
	int any = 0;

	if (w->stage_ready || p->mode == M_APPEND)
		return 0;
	buf_reset(q);
	buf_addf(q, "CREATE TEMP TABLE IF NOT EXISTS " STAGE_NAME " (LIKE %s "
	    "INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", p->t.qname);
	if (pg_run(w->conn, buf_cstr(q), &w->err) == -1)
		return -1;
	buf_reset(q);
	buf_adds(q, "ALTER TABLE pg_temp." STAGE_NAME " ADD COLUMN "
	    STAGE_ROW " bigint");
	for (i = 0; i < p->t.ncol; i++)
		if (p->t.col[i].notnull) {
			buf_addf(q, ", ALTER COLUMN %s DROP NOT NULL",
			    p->qcol[i]);
			any = 1;
		}
	(void)any;
	if (pg_run(w->conn, buf_cstr(q), &w->err) == -1)
		return -1;
	if (p->mode == M_REPLACE && p->lg == NULL && pg_run(w->conn,
	    "CREATE TEMP TABLE IF NOT EXISTS sluice_parts (run_id text, "
	    "part text, PRIMARY KEY (run_id, part))", &w->err) == -1)
		return -1;
	w->stage_ready = 1;
	return 0;
}

/*
 * The tuple of row r without its leading row number (the staging
 * table's), into out: binary, the field count less one and the fields
 * after the number's 4-byte length and 8 bytes; text, what follows the
 * first tab.
 */
static void
strip_row(const struct batch *b, const struct row *r, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)b->copy.p +
	    r->copy_off;
	const char *t;
	unsigned nf;

	if (b->binary) {
		nf = ((unsigned)s[0] << 8 | s[1]) - 1;
		buf_addc(out, (int)(nf >> 8));
		buf_addc(out, (int)(nf & 0xff));
		buf_add(out, s + 14, r->copy_len - 14);
	} else if ((t = memchr(s, '\t', r->copy_len)) != NULL) {
		t++;
		buf_add(out, t, r->copy_len - (size_t)(t - (const char *)s));
	}
}

/* Send n bytes of COPY data in pieces of at most 1 MB. */
static int
put_all(struct worker *w, const char *s, size_t n)
{
	size_t off, k;

	for (off = 0; off < n; off += k) {
		k = n - off < (1 << 20) ? n - off : (1 << 20);
		if (pg_copy_put(w->conn, s + off, k, &w->err) == -1)
			return -1;
	}
	return 0;
}

/*
 * Send rows [lo, hi) with one COPY per run of equal signatures, in the
 * batch's format: text, or binary (header, the rows' tuples, trailer).
 * Either way an error's context names the row as "line N" of the COPY
 * and, for a value the server could not take, its column. Into the
 * staging table, or else the table itself (without the row numbers the
 * staged modes' tuples start with).
 */
static int
copy_rows(struct worker *w, struct batch *b, size_t lo, size_t hi,
    int staging, int64_t *bad, int64_t *loaded)
{
	struct plan *p = w->p;
	const char *rel = staging ? STAGE_NAME : p->t.name;
	int strip = !staging && p->mode != M_APPEND;
	size_t i = lo, j, k;

	while (i < hi) {
		const char *s;
		size_t n;
		int64_t rows = 0, line;
		int ok = 1;

		for (j = i + 1; j < hi && b->row[j].sig == b->row[i].sig; j++)
			;
		buf_reset(&w->sql);
		buf_addf(&w->sql, "COPY %s (", staging ? "pg_temp." STAGE_NAME :
		    p->t.qname);
		plan_columns(p, w->conn, &w->sql, b->row[i].sig, staging);
		buf_adds(&w->sql, b->binary ? ") FROM STDIN (FORMAT binary)" :
		    ") FROM STDIN");
		if (pg_copy_begin(w->conn, buf_cstr(&w->sql), &w->err) == -1)
			return -1;
		if (b->binary)
			ok = pg_copy_put(w->conn, COPY_BIN_HEADER,
			    COPY_BIN_HEADER_LEN, &w->err) == 0;
		s = b->copy.p + b->row[i].copy_off;
		n = b->row[j - 1].copy_off + b->row[j - 1].copy_len -
		    b->row[i].copy_off;
		if (strip) {
			buf_reset(&w->strip);
			for (k = i; k < j; k++)
				strip_row(b, &b->row[k], &w->strip);
			s = w->strip.p;
			n = w->strip.len;
		}
		ok = ok && put_all(w, s, n) == 0;
		if (ok && b->binary)
			(void)pg_copy_put(w->conn, COPY_BIN_TRAILER,
			    COPY_BIN_TRAILER_LEN, &w->err);
		if (pg_copy_end(w->conn, NULL, &rows, &w->err) == -1) {
			line = pg_copy_line(&w->err, rel);
			if (line > 0 && (size_t)line <= j - i)
				*bad = (int64_t)i + line - 1;
			return -1;
		}
		*loaded += rows;
		i = j;
	}
	return 0;
}

/* Append to q the quoted key columns with a prefix: "s.a, s.b". */
static void
key_list(struct plan *p, struct buf *q, const char *pre)
{
	size_t i;

	for (i = 0; i < p->nkey; i++)
		buf_addf(q, "%s%s%s", i ? ", " : "", pre, p->qcol[p->key[i]]);
}

/* The columns INSERT writes: writable, not absent from every row. */
static int
inserted_col(struct plan *p, size_t i, uint64_t absent_all)
{
	if (!p->writable[i])
		return 0;
	if (p->defbit[i] >= 0 && (absent_all >> p->defbit[i]) & 1)
		return 0;
	return 1;
}

static void
col_list(struct plan *p, struct buf *q, const char *pre, uint64_t absent_all,
    int scd2)
{
	size_t i;
	int first = 1;

	for (i = 0; i < p->t.ncol; i++) {
		if (!inserted_col(p, i, absent_all))
			continue;
		if (scd2 && ((int)i == p->vf || (int)i == p->vt ||
		    (int)i == p->cur))
			continue;
		buf_addf(q, "%s%s%s", first ? "" : ", ", pre, p->qcol[i]);
		first = 0;
	}
}

static void
cmp_list(struct plan *p, struct buf *q, const char *pre, uint64_t absent_all)
{
	size_t i;
	int first = 1;

	for (i = 0; i < p->ncmp; i++) {
		if (!inserted_col(p, (size_t)p->cmp[i], absent_all))
			continue;
		buf_addf(q, "%s%s%s", first ? "" : ", ", pre,
		    p->qcol[p->cmp[i]]);
		first = 0;
	}
	if (first)
		buf_adds(q, "NULL");
}

static int64_t
count_at(PGresult *r, int col)
{
	return strtoll(PQgetvalue(r, 0, col), NULL, 10);
}

/*
 * In the ordered modes with several workers, wait (holding qlock) until
 * every batch submitted before seq has finished: 1, or 0 when the load
 * stops meanwhile. Other modes never wait.
 */
static int
await_turn(struct plan *p, int64_t seq)
{
	struct timespec ts;

	if (p->jobs == 1 || p->mode == M_APPEND || p->mode == M_REPLACE)
		return 1;
	while (turn < seq && !p->stop && !cli_signal) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;	/* a signal sets only a flag */
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&qturn, &qlock, &ts);
	}
	return !p->stop && !cli_signal;
}

/* Before b's statement on the table: 0, or -1 when the load stopped. */
static int
wait_turn(struct worker *w, struct batch *b)
{
	int ok;

	pthread_mutex_lock(&qlock);
	ok = await_turn(w->p, b->seq);
	pthread_mutex_unlock(&qlock);
	if (!ok) {
		memset(&w->err, 0, sizeof(w->err));
		snprintf(w->err.msg, sizeof(w->err.msg), "load stopped");
		return -1;
	}
	return 0;
}

/*
 * The rows of [lo, hi) by signature (which columns they carry), each
 * group's row numbers as an array literal for "_sluice_row = ANY($n)";
 * one group needs no filter. Returns the number of groups.
 */
static size_t
sig_groups(struct worker *w, const struct batch *b, size_t lo, size_t hi)
{
	size_t i, g;

	w->ngroup = 0;
	for (i = lo; i < hi; i++) {
		for (g = 0; g < w->ngroup; g++)
			if (w->group[g].sig == b->row[i].sig)
				break;
		if (g == w->ngroup) {
			if (w->ngroup == w->capgroup) {
				w->capgroup = w->capgroup ? 2 * w->capgroup : 4;
				w->group = xrealloc(w->group, w->capgroup *
				    sizeof(*w->group));
				memset(w->group + w->ngroup, 0, (w->capgroup -
				    w->ngroup) * sizeof(*w->group));
			}
			w->group[g].sig = b->row[i].sig;
			buf_reset(&w->group[g].rows);
			w->ngroup++;
		}
		buf_addc(&w->group[g].rows, w->group[g].rows.len ? ',' : '{');
		buf_add_i64(&w->group[g].rows, b->row[i].lineno);
	}
	for (g = 0; g < w->ngroup; g++)
		buf_addc(&w->group[g].rows, '}');
	return w->ngroup;
}

/*
 * INSERT ... SELECT of the rows of signature sig from the staging table
 * (or a query over it); filter: the parameter holding the group's rows.
 */
static void
insert_select(struct worker *w, struct buf *q, uint64_t sig,
    const char *filter, const char *from, const char *where)
{
	struct plan *p = w->p;

	buf_addf(q, "INSERT INTO %s AS d (", p->t.qname);
	col_list(p, q, "", sig, 0);
	buf_addf(q, ")%s SELECT ", p->overriding ?
	    " OVERRIDING SYSTEM VALUE" : "");
	col_list(p, q, "", sig, 0);
	buf_addf(q, " FROM %s WHERE %s", from, where);
	if (filter != NULL)
		buf_addf(q, " AND " STAGE_ROW " = ANY(%s::bigint[])", filter);
}

/* replace: insert the staged rows, one statement per signature. */
static int
insert_groups(struct worker *w, struct batch *b, size_t lo, size_t hi,
    struct counts *n)
{
	struct buf *q = &w->cols;
	size_t g, ng = sig_groups(w, b, lo, hi);
	const char *params[1];
	PGresult *r;

	for (g = 0; g < ng; g++) {
		buf_reset(q);
		insert_select(w, q, w->group[g].sig, ng > 1 ? "$1" : NULL,
		    "pg_temp." STAGE_NAME, "true");
		params[0] = buf_cstr(&w->group[g].rows);
		if ((r = pg_exec(w->conn, buf_cstr(q), ng > 1, params,
		    &w->err)) == NULL)
			return -1;
		n->loaded += strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
	}
	return 0;
}

/*
 * upsert and skip-existing, as if each record were applied alone in input
 * order: INSERT ... ON CONFLICT of the k-th record of every key in round
 * k (keys are numbered by the server's own equality, so different
 * spellings of one key are one key), one statement per signature, which
 * updates only the columns its records carry. skip-existing runs only
 * the first round: the first record of a key wins. Inserted rows are
 * told by xmax = 0, or on a partitioned table, which cannot return
 * system columns, by the key's absence before the statement.
 */
static int
upsert(struct worker *w, struct batch *b, size_t lo, size_t hi,
    int64_t staged, struct counts *n)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;
	size_t g, i, k, ng = sig_groups(w, b, lo, hi);
	int64_t round, rounds = 1;
	int partitioned = p->t.relkind == 'p', any;
	char rno[24];
	const char *params[2] = { rno, NULL };
	PGresult *r;

	for (round = 1; round <= rounds; round++) {
		snprintf(rno, sizeof(rno), "%" PRId64, round);
		for (g = 0; g < ng; g++) {
			uint64_t sig = w->group[g].sig;

			buf_reset(q);
			buf_adds(q, "WITH s AS (SELECT *, row_number() OVER "
			    "(PARTITION BY ");
			key_list(p, q, "");
			buf_adds(q, " ORDER BY " STAGE_ROW ") AS _sluice_n FROM "
			    "pg_temp." STAGE_NAME "), i AS (");
			insert_select(w, q, sig, ng > 1 ? "$2" : NULL, "s",
			    "_sluice_n = $1::bigint");
			buf_adds(q, " ON CONFLICT (");
			key_list(p, q, "");
			buf_adds(q, ") DO ");
			for (i = 0, any = 0; p->mode == M_UPSERT &&
			    i < p->t.ncol; i++) {
				int is_key = 0;

				for (k = 0; k < p->nkey; k++)
					is_key |= p->key[k] == (int)i;
				if (is_key || !inserted_col(p, i, sig))
					continue;
				buf_addf(q, "%s%s = EXCLUDED.%s", any ? ", " :
				    "UPDATE SET ", p->qcol[i], p->qcol[i]);
				any = 1;
			}
			if (!any)
				buf_adds(q, "NOTHING");
			buf_addf(q, " RETURNING %s AS ins) SELECT ",
			    partitioned ? "true" : "(xmax = 0)");
			if (partitioned) {
				buf_addf(q, "(SELECT count(*) FROM s WHERE "
				    "_sluice_n = $1::bigint%s AND NOT EXISTS "
				    "(SELECT 1 FROM %s AS d WHERE (", ng > 1 ?
				    " AND " STAGE_ROW " = ANY($2::bigint[])" :
				    "", p->t.qname);
				key_list(p, q, "d.");
				buf_adds(q, ") = (");
				key_list(p, q, "s.");
				buf_adds(q, ")))");
			} else
				buf_adds(q, "(SELECT count(*) FROM i WHERE ins)");
			buf_adds(q, ", (SELECT count(*) FROM i), (SELECT "
			    "max(_sluice_n) FROM s)");
			params[1] = buf_cstr(&w->group[g].rows);
			if ((r = pg_exec(w->conn, buf_cstr(q), ng > 1 ? 2 : 1,
			    params, &w->err)) == NULL)
				return -1;
			n->inserted += count_at(r, 0);
			n->updated += count_at(r, 1) - count_at(r, 0);
			n->loaded += count_at(r, 1);
			if (p->mode == M_UPSERT)
				rounds = count_at(r, 2);
			PQclear(r);
		}
	}
	n->skipped = staged - n->loaded;
	return 0;
}

/* "d.k = s.k AND d is the current version", d and s given. */
static void
scd2_match(struct plan *p, struct buf *q, const char *d, const char *s)
{
	char dp[8], sp[8];

	snprintf(dp, sizeof(dp), "%s.", d);
	snprintf(sp, sizeof(sp), "%s.", s);
	buf_adds(q, "(");
	key_list(p, q, dp);
	buf_adds(q, ") = (");
	key_list(p, q, sp);
	if (p->cur >= 0)
		buf_addf(q, ") AND %s.%s", d, p->qcol[p->cur]);
	else
		buf_addf(q, ") AND %s.%s IS NULL", d, p->qcol[p->vt]);
}

/* The last staged record of each key: "WITH s AS (...)". */
static void
scd2_last(struct plan *p, struct buf *q)
{
	buf_adds(q, "WITH s AS (SELECT DISTINCT ON (");
	key_list(p, q, "");
	buf_adds(q, ") * FROM pg_temp." STAGE_NAME " ORDER BY ");
	key_list(p, q, "");
	buf_adds(q, ", " STAGE_ROW " DESC)");
}

/*
 * scd2 for the rows [lo, hi): within one --as-of the last record of a
 * key decides, whatever the batches. A key whose current version began
 * at --as-of (made earlier in this run, or an earlier run with the same
 * --as-of) is changed in place, or, when the record equals the version
 * that was closed at --as-of, that one is current again; any other
 * current version that differs is closed at --as-of and a new one
 * begins. A record whose key's current version begins after --as-of is
 * a reject (its valid_to would precede its valid_from).
 */
static int
scd2(struct worker *w, struct batch *b, size_t lo, size_t hi, int64_t staged,
    uint64_t absent_all, struct counts *n, int64_t *bad)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;
	const char *params[1] = { p->as_of };
	const char *vf = p->qcol[p->vf], *vt = p->qcol[p->vt];
	const char *vft = p->t.col[p->vf].type, *vtt = p->t.col[p->vt].type;
	int64_t in_place, row;
	size_t i;
	PGresult *r;

	buf_reset(q);
	scd2_last(p, q);
	buf_addf(q, " SELECT s." STAGE_ROW ", d.%s::text FROM s JOIN %s AS d "
	    "ON ", vf, p->t.qname);
	scd2_match(p, q, "d", "s");
	buf_addf(q, " WHERE d.%s > CAST($1 AS %s) ORDER BY 1 LIMIT 1", vf, vft);
	if ((r = pg_exec(w->conn, buf_cstr(q), 1, params, &w->err)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		row = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		memset(&w->err, 0, sizeof(w->err));
		memcpy(w->err.sqlstate, "22008", 6);
		snprintf(w->err.msg, sizeof(w->err.msg), "--as-of %s is before "
		    "the current version's %s (%s)", p->as_of,
		    p->t.col[p->vf].name, PQgetvalue(r, 0, 1));
		PQclear(r);
		for (i = lo; i < hi; i++)
			if (b->row[i].lineno == row)
				*bad = (int64_t)i;
		return -1;
	}
	PQclear(r);

	/* A change back to the version closed at --as-of reopens it. */
	buf_reset(q);
	scd2_last(p, q);
	buf_addf(q, ", v AS (DELETE FROM %s AS d USING s WHERE ", p->t.qname);
	scd2_match(p, q, "d", "s");
	buf_addf(q, " AND d.%s = CAST($1 AS %s) AND EXISTS (SELECT 1 FROM %s "
	    "AS o WHERE (", vf, vft, p->t.qname);
	key_list(p, q, "o.");
	buf_adds(q, ") = (");
	key_list(p, q, "s.");
	buf_addf(q, ") AND o.%s = CAST($1 AS %s) AND ROW(", vt, vtt);
	cmp_list(p, q, "o.", absent_all);
	buf_adds(q, ") IS NOT DISTINCT FROM ROW(");
	cmp_list(p, q, "s.", absent_all);
	buf_adds(q, ")) RETURNING ");
	key_list(p, q, "d.");
	buf_addf(q, ") UPDATE %s AS o SET %s = NULL", p->t.qname, vt);
	if (p->cur >= 0)
		buf_addf(q, ", %s = true", p->qcol[p->cur]);
	buf_adds(q, " FROM v WHERE (");
	key_list(p, q, "o.");
	buf_adds(q, ") = (");
	key_list(p, q, "v.");
	buf_addf(q, ") AND o.%s = CAST($1 AS %s)", vt, vtt);
	if ((r = pg_exec(w->conn, buf_cstr(q), 1, params, &w->err)) == NULL)
		return -1;
	in_place = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);

	/* Any other change to a version that began at --as-of: in place. */
	buf_reset(q);
	scd2_last(p, q);
	buf_addf(q, " UPDATE %s AS d SET (", p->t.qname);
	col_list(p, q, "", absent_all, 1);
	buf_adds(q, ") = ROW(");
	col_list(p, q, "s.", absent_all, 1);
	buf_adds(q, ") FROM s WHERE ");
	scd2_match(p, q, "d", "s");
	buf_addf(q, " AND d.%s = CAST($1 AS %s) AND ROW(", vf, vft);
	col_list(p, q, "d.", absent_all, 1);
	buf_adds(q, ") IS DISTINCT FROM ROW(");
	col_list(p, q, "s.", absent_all, 1);
	buf_adds(q, ")");
	if ((r = pg_exec(w->conn, buf_cstr(q), 1, params, &w->err)) == NULL)
		return -1;
	in_place += strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);

	/* Close what differs and begin the new versions. */
	buf_reset(q);
	scd2_last(p, q);
	buf_addf(q, ", x AS (UPDATE %s AS d SET %s = CAST($1 AS %s)",
	    p->t.qname, vt, vtt);
	if (p->cur >= 0)
		buf_addf(q, ", %s = false", p->qcol[p->cur]);
	buf_adds(q, " FROM s WHERE ");
	scd2_match(p, q, "d", "s");
	buf_addf(q, " AND d.%s IS DISTINCT FROM CAST($1 AS %s) AND ROW(", vf,
	    vft);
	/* Compare the columns the records carry (not defaults). */
	cmp_list(p, q, "d.", absent_all);
	buf_adds(q, ") IS DISTINCT FROM ROW(");
	cmp_list(p, q, "s.", absent_all);
	buf_adds(q, ") RETURNING ");
	key_list(p, q, "d.");
	buf_addf(q, "), i AS (INSERT INTO %s (", p->t.qname);
	col_list(p, q, "", absent_all, 1);
	buf_addf(q, ", %s", vf);
	if (p->cur >= 0)
		buf_addf(q, ", %s", p->qcol[p->cur]);
	buf_adds(q, ") SELECT ");
	col_list(p, q, "s.", absent_all, 1);
	buf_addf(q, ", CAST($1 AS %s)", vft);
	if (p->cur >= 0)
		buf_adds(q, ", true");
	buf_addf(q, " FROM s WHERE NOT EXISTS (SELECT 1 FROM %s AS d WHERE ",
	    p->t.qname);
	scd2_match(p, q, "d", "s");
	buf_adds(q, ") OR (");
	key_list(p, q, "s.");
	buf_adds(q, ") IN (SELECT * FROM x) RETURNING 1) SELECT (SELECT "
	    "count(*) FROM x), (SELECT count(*) FROM i), (SELECT "
	    "count(*) FROM s)");
	if ((r = pg_exec(w->conn, buf_cstr(q), 1, params, &w->err)) == NULL)
		return -1;
	n->updated = count_at(r, 0) + in_place;		/* changed */
	n->inserted = count_at(r, 1) - count_at(r, 0);	/* new keys */
	n->loaded = n->inserted + n->updated;
	n->unchanged = count_at(r, 2) - n->loaded;
	n->skipped = staged - count_at(r, 2);
	PQclear(r);
	return 0;
}

/* Run the mode on rows [lo, hi): 0, or -1 with w->err (and *bad). */
static int
op(struct worker *w, struct batch *b, size_t lo, size_t hi,
    struct counts *n, int64_t *bad)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;
	uint64_t absent_all = ~(uint64_t)0;
	int64_t staged = 0;
	PGresult *r;
	const char *params[2];
	size_t i;

	if (p->mode == M_APPEND)
		return copy_rows(w, b, lo, hi, 0, bad, &n->loaded);
	/*
	 * upsert, skip-existing: while no batch has met a key that exists,
	 * COPY the whole batch straight into the table. The first failure
	 * (a key exists, or any other) ends that for the run; the caller
	 * rolls back and loads the batch through the staging table.
	 */
	if (p->direct && lo == 0 && hi == b->nrow) {
		if (wait_turn(w, b) == -1)
			return -1;
		if (copy_rows(w, b, lo, hi, 0, bad, &n->loaded) == 0) {
			n->inserted = n->loaded;
			return 0;
		}
		p->direct = 0;
		*bad = -1;
		return -1;
	}
	if (!w->first_op && pg_run(w->conn, "TRUNCATE pg_temp." STAGE_NAME,
	    &w->err) == -1)
		return -1;
	w->first_op = 0;
	if (copy_rows(w, b, lo, hi, 1, bad, &staged) == -1 ||
	    wait_turn(w, b) == -1)
		return -1;
	for (i = lo; i < hi; i++)
		absent_all &= b->row[i].sig;
	buf_reset(q);
	switch (p->mode) {
	case M_UPSERT:
	case M_SKIP:
		return upsert(w, b, lo, hi, staged, n);
	case M_REPLACE:
		params[0] = p->lg != NULL ? p->lg->run_id : "";
		buf_addf(q, "WITH p AS (SELECT DISTINCT coalesce('v' || (%s)::"
		    "text, 'n') AS part FROM pg_temp." STAGE_NAME "), c AS "
		    "(INSERT INTO %s (run_id, part) SELECT $1, part FROM p "
		    "ON CONFLICT DO NOTHING RETURNING part) DELETE FROM %s "
		    "WHERE coalesce('v' || (%s)::text, 'n') IN (SELECT part "
		    "FROM c)", p->partition, p->lg != NULL ? p->lg->q_parts :
		    "pg_temp.sluice_parts", p->t.qname, p->partition);
		if ((r = pg_exec(w->conn, buf_cstr(q), 1, params, &w->err)) ==
		    NULL)
			return -1;
		n->replaced = strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
		return insert_groups(w, b, lo, hi, n);
	case M_SCD2:
		return scd2(w, b, lo, hi, staged, absent_all, n, bad);
	default:
		break;
	}
	return 0;
}
