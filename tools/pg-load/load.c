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

static void	*worker_main(void *);
static void	 end_load(struct worker *);
static int	 batch_begin(struct worker *);
static int	 batch_end(struct worker *);
static void	 stop_at(struct worker *, struct batch *, size_t, size_t,
		    int64_t);
static int	 classify(struct worker *);
static void	 run_batch(struct worker *, struct batch *);
static int	 attempt(struct worker *, struct batch *);
static int	 apply_bisecting(struct worker *, struct batch *, size_t,
		    size_t);
static void	 copy_columns(struct plan *, struct buf *, uint64_t, int);
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
	struct queue *q = &p->q;
	int i;

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->free, NULL);
	pthread_cond_init(&q->turn_done, NULL);
	q->workers = xcalloc((size_t)p->jobs, sizeof(*q->workers));
	for (i = 0; i < p->jobs; i++) {
		q->workers[i].p = p;
		if (pthread_create(&q->workers[i].th, NULL, worker_main,
		    &q->workers[i]) != 0)
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
	struct queue *q = &p->q;
	struct batch *b;

	pthread_mutex_lock(&q->lock);
	while (q->spent == NULL && q->nbatches >= 2 * p->jobs)
		pthread_cond_wait(&q->free, &q->lock);
	if ((b = q->spent) != NULL)
		q->spent = b->next;
	else {
		b = xcalloc(1, sizeof(*b));
		q->nbatches++;
	}
	pthread_mutex_unlock(&q->lock);
	b->next = NULL;
	return b;
}

void
load_submit(struct plan *p, struct batch *b)
{
	struct queue *q = &p->q;

	pthread_mutex_lock(&q->lock);
	b->next = NULL;
	b->seq = q->next_seq++;
	if (q->tail != NULL)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

/*
 * Wait until every batch submitted so far is spent: loaded, refused or
 * passed over after a fatal error. The reader must hold none.
 */
void
load_drain(struct plan *p)
{
	struct queue *q = &p->q;
	struct batch *b;
	int n;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		for (n = 0, b = q->spent; b != NULL; b = b->next)
			n++;
		if (n == q->nbatches)
			break;
		pthread_cond_wait(&q->free, &q->lock);
	}
	pthread_mutex_unlock(&q->lock);
}

/* Hand back a batch that was not submitted (nothing in it to load). */
void
load_submit_free(struct plan *p, struct batch *b)
{
	struct queue *q = &p->q;

	pthread_mutex_lock(&q->lock);
	b->next = q->spent;
	q->spent = b;
	pthread_cond_signal(&q->free);
	pthread_mutex_unlock(&q->lock);
}

void
load_finish(struct plan *p)
{
	struct queue *q = &p->q;
	struct worker *w;
	int i;

	pthread_mutex_lock(&q->lock);
	q->closing = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < p->jobs; i++) {
		w = &q->workers[i];
		pthread_join(w->th, NULL);
		if (w->conn != NULL)
			PQfinish(w->conn);
		buf_free(&w->sql);
		buf_free(&w->cols);
		buf_free(&w->strip);
		buf_free(&w->rejtext);
		buf_free(&w->deferred);
		while (w->capgroup > 0)
			buf_free(&w->group[--w->capgroup].rows);
		free(w->group);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct queue *q = &w->p->q;
	struct batch *b;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->head == NULL && !q->closing)
			pthread_cond_wait(&q->work, &q->lock);
		if ((b = q->head) == NULL) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		if ((q->head = b->next) == NULL)
			q->tail = NULL;
		pthread_mutex_unlock(&q->lock);

		if (!w->p->stop)
			run_batch(w, b);

		pthread_mutex_lock(&q->lock);
		/* A batch that finished early (no rows) passes in order. */
		(void)await_turn(w->p, b->seq);
		if (q->turn <= b->seq) {
			q->turn = b->seq + 1;
			pthread_cond_broadcast(&q->turn_done);
		}
		b->next = q->spent;
		q->spent = b;
		pthread_cond_signal(&q->free);
		pthread_mutex_unlock(&q->lock);
	}
	if (w->in_load)
		end_load(w);
	return NULL;
}

/*
 * A load in one transaction, every batch loaded: build the deferred
 * indexes and commit, or roll the whole load back when it stopped; then
 * nothing was imported.
 */
static void
end_load(struct worker *w)
{
	struct plan *p = w->p;

	w->in_load = 0;
	if (p->stop || cli_signal)
		PQclear(PQexec(w->conn, "ROLLBACK"));
	else if (onetx_end(w) == -1)
		plan_fatal(p, classify(w) == R_TRANSIENT ? EX_TEMPFAIL :
		    EX_DATAERR, "%s: %s%s%s; nothing was loaded", p->onetx,
		    w->err.sqlstate, w->err.sqlstate[0] ? ": " : "",
		    w->err.msg);
	else
		return;
	pthread_mutex_lock(&p->lock);
	p->c->passed = 0;
	*p->n_batches = 0;
	pthread_mutex_unlock(&p->lock);
}

/*
 * A batch's transaction; in a load that is one transaction, a savepoint
 * in it (none with --freeze: a row under one cannot be frozen).
 */
static int
batch_begin(struct worker *w)
{
	struct plan *p = w->p;

	if (p->onetx == NULL)
		return pg_run(w->conn, "BEGIN", &w->err);
	if (!w->in_load && onetx_begin(w) == -1)
		return -1;
	return p->freeze ? 0 : pg_run(w->conn, "SAVEPOINT sluice_batch",
	    &w->err);
}

/* A batch's COMMIT (ROLLBACK with --check), or its savepoint's RELEASE. */
static int
batch_end(struct worker *w)
{
	struct plan *p = w->p;

	if (p->freeze)
		return 0;
	return pg_run(w->conn, p->check ? "ROLLBACK" : p->onetx != NULL ?
	    "RELEASE SAVEPOINT sluice_batch" : "COMMIT", &w->err);
}

static void
drop_conn(struct worker *w)
{
	if (w->conn != NULL)
		PQfinish(w->conn);
	w->conn = NULL;
	w->stage_ready = 0;
	w->in_load = 0;
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
		if (p->onetx != NULL && w->in_load) {
			plan_fatal(p, EX_TEMPFAIL, "%s; %s loads in one "
			    "transaction, and it is lost: nothing was loaded, "
			    "run again", w->err.msg, p->onetx);
			return;
		}
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
		cli_count_reject(c, b->file, reason);
	}
	pthread_mutex_unlock(&p->lock);
}

/* One reject's line: the record with its _error_ members. */
static void
format_reject(const struct batch *b, const struct rej *r, struct buf *out)
{
	struct rec_field f[7];
	size_t nf = 0;

	if (b->file != NULL)
		f[nf++] = (struct rec_field){ "_error_file", REC_STR,
		    b->file->name, strlen(b->file->name), 0 };
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

static int
by_line(const void *a, const void *b)
{
	const struct rej *x = a, *y = b;

	return (x->line_off > y->line_off) - (x->line_off < y->line_off);
}

/*
 * The lines of b's rejects in input order. The encoder's are in order;
 * the server's are in the order it found them, which is not the input's
 * (COPY refuses a value as it parses a row, a duplicate key only when it
 * inserts the rows it has buffered), so they are sorted first; the two
 * are merged by their place in b->lines.
 */
void
batch_rejects(struct batch *b, struct buf *out)
{
	size_t i = 0, j = b->nrej_enc;

	if (b->nrej - j > 1)
		qsort(b->rej + j, b->nrej - j, sizeof(*b->rej), by_line);
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
	if (mode_prepare(w) == -1)
		goto failed;
	if (batch_begin(w) == -1)
		goto failed;
	w->first_op = 1;
	/*
	 * The whole batch first, without a savepoint (subtransactions cost);
	 * only a batch that fails is replayed row range by row range.
	 */
	if (b->nrow > 0) {
		struct counts n = { 0 };
		int64_t bad = -1;

		if (mode_apply(w, b, 0, b->nrow, &n, &bad) == 0) {
			w->n = n;
			goto loaded;
		}
		if (w->err.transient || PQstatus(w->conn) == CONNECTION_BAD)
			return R_TRANSIENT;
		if (p->stop || cli_signal) {
			PQclear(PQexec(w->conn, "ROLLBACK"));
			return R_FATAL;
		}
		if (p->freeze) {	/* no savepoint to go back to */
			stop_at(w, b, 0, b->nrow, bad);
			return R_FATAL;
		}
		if (p->onetx != NULL ? pg_run(w->conn, "ROLLBACK TO SAVEPOINT "
		    "sluice_batch", &w->err) == -1 : (pg_run(w->conn,
		    "ROLLBACK", &w->err) == -1 || pg_run(w->conn, "BEGIN",
		    &w->err) == -1))
			goto failed;
		w->first_op = 1;
	}
	if ((r = apply_bisecting(w, b, 0, b->nrow)) != R_OK) {
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
	if (batch_end(w) == -1) {
		if (classify(w) == R_FATAL)
			plan_fatal(p, EX_DATAERR, "%s%srows %" PRId64 "-%" PRId64
			    ": failed at commit: %s: %s", BATCH_FILE(b),
			    b->first_row, b->last_row, w->err.sqlstate,
			    w->err.msg);
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
apply_bisecting(struct worker *w, struct batch *b, size_t lo, size_t hi)
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
	if (mode_apply(w, b, lo, hi, &n, &bad) == 0) {
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
		stop_at(w, b, lo, hi, -1);
		return R_FATAL;
	}
	if (bad < 0 && hi - lo == 1)
		bad = (int64_t)lo;
	if (bad >= 0) {
		if (!p->reject_mode) {
			stop_at(w, b, lo, hi, bad);
			return R_FATAL;
		}
		add_rej(p, b, (size_t)bad, &w->err);
		if ((r = apply_bisecting(w, b, lo, (size_t)bad)) != R_OK)
			return r;
		return apply_bisecting(w, b, (size_t)bad + 1, hi);
	}
	mid = lo + (hi - lo) / 2;
	if ((r = apply_bisecting(w, b, lo, mid)) != R_OK)
		return r;
	return apply_bisecting(w, b, mid, hi);
}

/* Stop the load on w->err, at row bad of b when known, else rows [lo, hi). */
static void
stop_at(struct worker *w, struct batch *b, size_t lo, size_t hi, int64_t bad)
{
	if (bad >= 0)
		plan_fatal(w->p, EX_DATAERR, "%s%srow %" PRId64 ": %s: %s%s%s",
		    BATCH_FILE(b), b->row[bad].src_row, w->err.sqlstate,
		    w->err.msg, w->err.detail[0] ? ": " : "", w->err.detail);
	else
		plan_fatal(w->p, EX_DATAERR, "%s%srows %" PRId64 "-%" PRId64
		    ": %s: %s", BATCH_FILE(b), b->row[lo].src_row,
		    b->row[hi - 1].src_row, w->err.sqlstate, w->err.msg);
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
static void
copy_columns(struct plan *p, struct buf *b, uint64_t sig, int staging)
{
	size_t i;
	int first = 1;

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

/*
 * Send rows [lo, hi) with one COPY per run of equal signatures, in the
 * batch's format: text, or binary (header, the rows' tuples, trailer).
 * Either way an error's context names the row as "line N" of the COPY
 * and, for a value the server could not take, its column. Into the
 * staging table, or else the table itself (without the row numbers the
 * staged modes' tuples start with).
 */
int
load_copy(struct worker *w, struct batch *b, size_t lo, size_t hi,
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
		copy_columns(p, &w->sql, b->row[i].sig, staging);
		buf_adds(&w->sql, ") FROM STDIN");
		if (b->binary || p->freeze)
			buf_addf(&w->sql, " (%s%s%s)", b->binary ?
			    "FORMAT binary" : "", b->binary && p->freeze ?
			    ", " : "", p->freeze ? "FREEZE" : "");
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
		ok = ok && pg_copy_put(w->conn, s, n, &w->err) == 0;
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

/*
 * In the ordered modes with several workers, wait (holding q.lock) until
 * every batch submitted before seq has finished: 1, or 0 when the load
 * stops meanwhile. Other modes never wait.
 */
static int
await_turn(struct plan *p, int64_t seq)
{
	struct timespec ts;

	if (p->jobs == 1 || p->mode == M_APPEND || p->mode == M_REPLACE)
		return 1;
	while (p->q.turn < seq && !p->stop && !cli_signal) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;	/* a signal sets only a flag */
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->q.turn_done, &p->q.lock, &ts);
	}
	return !p->stop && !cli_signal;
}

/* Before b's statement on the table: 0, or -1 when the load stopped. */
int
load_wait_turn(struct worker *w, struct batch *b)
{
	int ok;

	pthread_mutex_lock(&w->p->q.lock);
	ok = await_turn(w->p, b->seq);
	pthread_mutex_unlock(&w->p->q.lock);
	if (!ok) {
		memset(&w->err, 0, sizeof(w->err));
		snprintf(w->err.msg, sizeof(w->err.msg), "load stopped");
		return -1;
	}
	return 0;
}
