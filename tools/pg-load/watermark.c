/*
 * watermark: pg-load --watermark EXPR. The main loop evaluates EXPR on
 * each record (wm_eval) and keeps the value with the row it encoded; a
 * worker, in the transaction of a batch, raises the run's watermark in
 * the ledger to the greatest value of the rows that batch committed
 * (wm_commit). --last-watermark compares finished runs' values with
 * wm_text_cmp.
 *
 * A value is a time string (anything tm_parse reads; compared as the
 * instant) or a JSON number (compared exactly as a decimal, digits past
 * 2^53 included). The first value of a run decides its kind; a value of
 * the other kind, or of any other type, is an error. The ledger keeps the
 * value's text as it appeared: a string's contents, a number's digits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "pg-load.h"
#include "tm.h"

const char *
wm_kind_name(int kind)
{
	return kind == WM_TIME ? "a time" : kind == WM_NUMBER ? "a number" :
	    "nothing";
}

/*
 * Evaluate the watermark on the scanned record d. 0 with *v filled (its
 * text in the jqx's storage until the next evaluation), or -1 with msg.
 * The run's kind is set by its first value.
 */
int
wm_eval(struct plan *p, const struct js_doc *d, struct wm_val *v, char *msg,
    size_t msglen)
{
	struct jqx_val x;
	const char *why;
	char err[256];
	int kind, r;

	r = jqx_eval(p->wm, d, &x, err, sizeof(err));
	if (r == JQX_ERROR) {
		snprintf(msg, msglen, "--watermark: %s", err);
		return -1;
	}
	if (r == JQX_EMPTY) {
		snprintf(msg, msglen, "--watermark: no value");
		return -1;
	}
	if (x.type == JS_STRING) {
		if (tm_parse(x.str, x.slen, &v->ns, &why) == -1) {
			snprintf(msg, msglen, "--watermark: '%.*s' is not a "
			    "time: %s", (int)(x.slen > 64 ? 64 : x.slen),
			    x.str, why);
			return -1;
		}
		kind = WM_TIME;
		v->text = x.str;
		v->len = x.slen;
	} else if (x.type == JS_NUMBER) {
		kind = WM_NUMBER;
		v->ns = 0;
		v->text = x.text;
		v->len = x.len;
	} else {
		snprintf(msg, msglen, "--watermark: expected a time string or "
		    "a number, got %s", js_type_name(x.type));
		return -1;
	}
	if (p->wm_kind == WM_NONE)
		p->wm_kind = kind;
	else if (kind != p->wm_kind) {
		snprintf(msg, msglen, "--watermark: got %s, but the run's "
		    "watermark is %s", wm_kind_name(kind),
		    wm_kind_name(p->wm_kind));
		return -1;
	}
	return 0;
}

/* Keep the value of row b->nrow - 1 (the record just encoded). */
void
wm_keep(struct batch *b, const struct wm_val *v)
{
	size_t i = b->nrow - 1;

	if (b->nrow > b->capwm) {
		b->capwm = b->caprow > b->nrow ? b->caprow : b->nrow;
		b->wm = xrealloc(b->wm, b->capwm * sizeof(*b->wm));
	}
	b->wm[i].off = b->wmtext.len;
	b->wm[i].len = v->len;
	b->wm[i].ns = v->ns;
	buf_add(&b->wmtext, v->text, v->len);
}

/* Classify a stored text: WM_NUMBER, WM_TIME, or -1. */
int
wm_classify(const char *s, size_t n, int64_t *ns)
{
	struct dec d;
	const char *why;

	if (dec_parse(s, n, &d) == 0)
		return WM_NUMBER;
	if (tm_parse(s, n, ns, &why) == 0)
		return WM_TIME;
	return -1;
}

/*
 * Compare two stored watermarks: 0 with *cmp (<0, 0, >0), or -1 when
 * they are of different kinds or one is unreadable.
 */
int
wm_text_cmp(const char *a, size_t an, const char *b, size_t bn, int *cmp)
{
	struct dec da, db;
	int64_t na = 0, nb = 0;
	int ka = wm_classify(a, an, &na), kb = wm_classify(b, bn, &nb);

	if (ka == -1 || kb == -1 || ka != kb)
		return -1;
	if (ka == WM_TIME)
		*cmp = (na > nb) - (na < nb);
	else {
		dec_parse(a, an, &da);
		dec_parse(b, bn, &db);
		*cmp = dec_cmp(&da, &db);
	}
	return 0;
}

/* Row i against row j of a batch, in the run's kind. */
static int
row_cmp(const struct plan *p, const struct batch *b, size_t i, size_t j)
{
	struct dec da, db;

	if (p->wm_kind == WM_TIME)
		return (b->wm[i].ns > b->wm[j].ns) - (b->wm[i].ns < b->wm[j].ns);
	dec_parse(b->wmtext.p + b->wm[i].off, b->wm[i].len, &da);
	dec_parse(b->wmtext.p + b->wm[j].off, b->wm[j].len, &db);
	return dec_cmp(&da, &db);
}

/*
 * In the open transaction of batch b: raise the run's watermark to the
 * greatest value among the rows the batch loads (not its rejects). The
 * run's ledger row is locked (FOR UPDATE) until COMMIT, so concurrent
 * workers raise it one after the other and the greatest value wins.
 * 0; -1 with e filled (a database error); -2 on values of another kind
 * than the stored one (e->msg says so).
 */
int
wm_commit(struct plan *p, PGconn *conn, struct batch *b, struct pg_err *e)
{
	struct buf q = BUF_INIT;
	char *bad = NULL;
	const char *params[2];
	PGresult *r;
	size_t i, best = (size_t)-1;
	int cmp = 1, rc = 0;

	if (b->nrej > b->nrej_enc) {
		bad = xcalloc(b->nrow, 1);
		for (i = b->nrej_enc; i < b->nrej; i++)
			bad[b->rej[i].row] = 1;
	}
	for (i = 0; i < b->nrow; i++)
		if ((bad == NULL || !bad[i]) && (best == (size_t)-1 ||
		    row_cmp(p, b, i, best) > 0))
			best = i;
	free(bad);
	if (best == (size_t)-1)
		return 0;
	params[0] = p->lg->run_id;
	buf_addf(&q, "SELECT watermark FROM %s WHERE run_id = $1 FOR UPDATE",
	    p->lg->q_runs);
	if ((r = pg_exec(conn, buf_cstr(&q), 1, params, e)) == NULL) {
		buf_free(&q);
		return -1;
	}
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) &&
	    wm_text_cmp(b->wmtext.p + b->wm[best].off, b->wm[best].len,
	    PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), &cmp) == -1) {
		memset(e, 0, sizeof(*e));
		snprintf(e->msg, sizeof(e->msg), "--watermark: '%.*s' and the "
		    "run's watermark '%s' are not of one kind (times or "
		    "numbers)", (int)b->wm[best].len, b->wmtext.p +
		    b->wm[best].off, PQgetvalue(r, 0, 0));
		rc = -2;
	}
	PQclear(r);
	if (rc == 0 && cmp > 0) {
		struct buf v = BUF_INIT;

		buf_add(&v, b->wmtext.p + b->wm[best].off, b->wm[best].len);
		params[1] = buf_cstr(&v);
		buf_reset(&q);
		buf_addf(&q, "UPDATE %s SET watermark = $2 WHERE run_id = $1",
		    p->lg->q_runs);
		if ((r = pg_exec(conn, buf_cstr(&q), 2, params, e)) == NULL)
			rc = -1;
		PQclear(r);
		buf_free(&v);
	}
	buf_free(&q);
	return rc;
}
