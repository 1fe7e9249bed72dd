/*
 * modes: what each mode does with a batch's rows in the worker's open
 * transaction, and the SQL it takes.
 *
 *	append		COPY straight into the table (load.c's load_copy).
 *	upsert		COPY into the staging table, then INSERT ... ON
 *	skip-existing	CONFLICT of the k-th record of every key in round k,
 *			one statement per signature: as if each record were
 *			applied alone in input order. While no key exists,
 *			COPY straight in.
 *	replace		claim the partitions the rows fall in (once per run,
 *			in the ledger), delete the table's rows there, insert.
 *	scd2		close what changed, begin new versions, within one
 *			--as-of the last record of a key deciding.
 *
 * The staging table is a temporary copy of the target's columns (with
 * their defaults, without NOT NULL) plus the record's row number, made
 * once per connection by mode_prepare.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg-load.h"

/* What the statements of one scd2 round share. */
struct scd2_ctx {
	const char	*params[2];	/* --as-of, the round's number */
	const char	*vf, *vt;	/* quoted valid-from and valid-to */
	char		 vft[160], vtt[160];	/* $1 cast to their types */
	uint64_t	 absent_all;
};

static void	 key_list(struct plan *, struct buf *, const char *);
static int	 inserted_col(struct plan *, size_t, uint64_t);
static void	 col_list(struct plan *, struct buf *, const char *, uint64_t,
		    int);
static void	 cmp_list(struct plan *, struct buf *, const char *, uint64_t);
static int64_t	 count_at(PGresult *, int);
static int	 insert_groups(struct worker *, struct batch *, size_t, size_t,
		    struct counts *);
static int	 upsert(struct worker *, struct batch *, size_t, size_t,
		    int64_t, struct counts *);
static int	 scd2(struct worker *, struct batch *, size_t, size_t, int64_t,
		    uint64_t, struct counts *, int64_t *);
static int	 scd2_apply(struct worker *, struct batch *, size_t, size_t,
		    const char *, uint64_t, struct counts *, int64_t *);
static int	 scd2_check_as_of(struct worker *, const struct scd2_ctx *,
		    struct batch *, size_t, size_t, int64_t *);
static int64_t	 scd2_reopen(struct worker *, const struct scd2_ctx *);
static int64_t	 scd2_in_place(struct worker *, const struct scd2_ctx *);
static int64_t	 scd2_exec_count(struct worker *, const struct scd2_ctx *);
static int	 scd2_close_insert(struct worker *, const struct scd2_ctx *,
		    int64_t, struct counts *);

/* The temp staging table (and partition claims) of this connection. */
int
mode_prepare(struct worker *w)
{
	struct plan *p = w->p;
	struct buf *q = &w->sql;
	size_t i;

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
		if (p->t.col[i].notnull)
			buf_addf(q, ", ALTER COLUMN %s DROP NOT NULL",
			    p->qcol[i]);
	if (pg_run(w->conn, buf_cstr(q), &w->err) == -1)
		return -1;
	if (p->mode == M_REPLACE && p->lg == NULL && pg_run(w->conn,
	    "CREATE TEMP TABLE IF NOT EXISTS sluice_parts (run_id text, "
	    "part text, PRIMARY KEY (run_id, part))", &w->err) == -1)
		return -1;
	w->stage_ready = 1;
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
 * updates only the columns its records carry. In skip-existing the
 * first record of a key wins; the later ones still go through their
 * INSERT, so that one the server refuses (a NOT NULL column it lacks) is
 * a reject, as it would be alone. Inserted rows are
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

/* The k-th staged record of each key, k in $2: "WITH s AS (...)". */
static void
scd2_round(struct plan *p, struct buf *q)
{
	buf_adds(q, "WITH s AS (SELECT * FROM (SELECT *, row_number() OVER "
	    "(PARTITION BY ");
	key_list(p, q, "");
	buf_adds(q, " ORDER BY " STAGE_ROW ") AS _sluice_n FROM pg_temp."
	    STAGE_NAME ") x WHERE _sluice_n = $2::bigint)");
}

/*
 * scd2 for the rows [lo, hi), their records applied in input order in
 * rounds (the k-th record of every key in round k), so that each meets
 * the table as it would alone and the result is the same for every -b:
 * within one --as-of the last record of a key decides. A key whose
 * current version began at --as-of (made earlier in this run, or an
 * earlier run with the same --as-of) is changed in place, or, when the
 * record equals the version that was closed at --as-of, that one is
 * current again; any other current version that differs is closed at
 * --as-of and a new one begins. A record whose key's current version
 * begins after --as-of is a reject (its valid_to would precede its
 * valid_from).
 */
static int
scd2(struct worker *w, struct batch *b, size_t lo, size_t hi, int64_t staged,
    uint64_t absent_all, struct counts *n, int64_t *bad)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;
	char rno[24];
	int64_t round, rounds;
	PGresult *r;

	buf_reset(q);
	buf_adds(q, "SELECT coalesce(max(c), 0) FROM (SELECT count(*) AS c FROM "
	    "pg_temp." STAGE_NAME " GROUP BY ");
	key_list(p, q, "");
	buf_adds(q, ") x");
	if ((r = pg_exec(w->conn, buf_cstr(q), 0, NULL, &w->err)) == NULL)
		return -1;
	rounds = count_at(r, 0);
	PQclear(r);
	memset(n, 0, sizeof(*n));
	for (round = 1; round <= rounds; round++) {
		snprintf(rno, sizeof(rno), "%" PRId64, round);
		if (scd2_apply(w, b, lo, hi, rno, absent_all, n, bad) == -1)
			return -1;
	}
	n->skipped = staged - (n->loaded + n->unchanged);
	return 0;
}

/*
 * --as-of ($1) as a value of column ci. Into a timestamp or a date it
 * goes through timestamptz, so that the session's TimeZone (--tz) makes
 * a time with an offset the wall-clock time the time rule says.
 */
static void
as_of_cast(const struct plan *p, int ci, char *out, size_t size)
{
	unsigned t = p->t.col[ci].typoid;

	if (t == 1114 || t == 1082)	/* timestamp, date */
		snprintf(out, size, "CAST(CAST($1 AS timestamptz) AS %s)",
		    p->t.col[ci].type);
	else
		snprintf(out, size, "CAST($1 AS %s)", p->t.col[ci].type);
}

/* One round of scd2 (rno: its number), its counts added to n. */
static int
scd2_apply(struct worker *w, struct batch *b, size_t lo, size_t hi,
    const char *rno, uint64_t absent_all, struct counts *n, int64_t *bad)
{
	struct plan *p = w->p;
	struct scd2_ctx x = { { p->as_of, rno }, p->qcol[p->vf],
	    p->qcol[p->vt], "", "", absent_all };
	int64_t in_place, more;

	as_of_cast(p, p->vf, x.vft, sizeof(x.vft));
	as_of_cast(p, p->vt, x.vtt, sizeof(x.vtt));
	if (scd2_check_as_of(w, &x, b, lo, hi, bad) == -1 ||
	    (in_place = scd2_reopen(w, &x)) == -1 ||
	    (more = scd2_in_place(w, &x)) == -1)
		return -1;
	return scd2_close_insert(w, &x, in_place + more, n);
}

/*
 * --as-of before a current version's start is refused: -1 with w->err
 * and *bad, the row of the first record it concerns.
 */
static int
scd2_check_as_of(struct worker *w, const struct scd2_ctx *x,
    struct batch *b, size_t lo, size_t hi, int64_t *bad)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;
	int64_t row;
	size_t i;
	PGresult *r;

	buf_reset(q);
	scd2_round(p, q);
	buf_addf(q, " SELECT s." STAGE_ROW ", d.%s::text FROM s JOIN %s AS d "
	    "ON ", x->vf, p->t.qname);
	scd2_match(p, q, "d", "s");
	buf_addf(q, " WHERE d.%s > %s ORDER BY 1 LIMIT 1", x->vf, x->vft);
	if ((r = pg_exec(w->conn, buf_cstr(q), 2, x->params, &w->err)) ==
	    NULL)
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
	return 0;
}

/*
 * A change back to the version closed at --as-of reopens it: the rows
 * changed, or -1.
 */
static int64_t
scd2_reopen(struct worker *w, const struct scd2_ctx *x)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;

	buf_reset(q);
	scd2_round(p, q);
	buf_addf(q, ", v AS (DELETE FROM %s AS d USING s WHERE ", p->t.qname);
	scd2_match(p, q, "d", "s");
	buf_addf(q, " AND d.%s = %s AND EXISTS (SELECT 1 FROM %s "
	    "AS o WHERE (", x->vf, x->vft, p->t.qname);
	key_list(p, q, "o.");
	buf_adds(q, ") = (");
	key_list(p, q, "s.");
	buf_addf(q, ") AND o.%s = %s AND ROW(", x->vt, x->vtt);
	cmp_list(p, q, "o.", x->absent_all);
	buf_adds(q, ") IS NOT DISTINCT FROM ROW(");
	cmp_list(p, q, "s.", x->absent_all);
	buf_adds(q, ")) RETURNING ");
	key_list(p, q, "d.");
	buf_addf(q, ") UPDATE %s AS o SET %s = NULL", p->t.qname, x->vt);
	if (p->cur >= 0)
		buf_addf(q, ", %s = true", p->qcol[p->cur]);
	buf_adds(q, " FROM v WHERE (");
	key_list(p, q, "o.");
	buf_adds(q, ") = (");
	key_list(p, q, "v.");
	buf_addf(q, ") AND o.%s = %s", x->vt, x->vtt);
	return scd2_exec_count(w, x);
}

/*
 * Any other change to a version that began at --as-of is made in place:
 * the rows changed, or -1.
 */
static int64_t
scd2_in_place(struct worker *w, const struct scd2_ctx *x)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;

	buf_reset(q);
	scd2_round(p, q);
	buf_addf(q, " UPDATE %s AS d SET (", p->t.qname);
	col_list(p, q, "", x->absent_all, 1);
	buf_adds(q, ") = ROW(");
	col_list(p, q, "s.", x->absent_all, 1);
	buf_adds(q, ") FROM s WHERE ");
	scd2_match(p, q, "d", "s");
	buf_addf(q, " AND d.%s = %s AND ROW(", x->vf, x->vft);
	col_list(p, q, "d.", x->absent_all, 1);
	buf_adds(q, ") IS DISTINCT FROM ROW(");
	col_list(p, q, "s.", x->absent_all, 1);
	buf_adds(q, ")");
	return scd2_exec_count(w, x);
}

/* Run the statement built in w->cols: the rows it changed, or -1. */
static int64_t
scd2_exec_count(struct worker *w, const struct scd2_ctx *x)
{
	int64_t n;
	PGresult *r;

	if ((r = pg_exec(w->conn, buf_cstr(&w->cols), 2, x->params,
	    &w->err)) == NULL)
		return -1;
	n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return n;
}

/*
 * Close what differs and begin the new versions; add the round's counts
 * (in_place: the rows the two statements before changed) to n.
 */
static int
scd2_close_insert(struct worker *w, const struct scd2_ctx *x,
    int64_t in_place, struct counts *n)
{
	struct plan *p = w->p;
	struct buf *q = &w->cols;
	PGresult *r;

	buf_reset(q);
	scd2_round(p, q);
	buf_addf(q, ", x AS (UPDATE %s AS d SET %s = %s",
	    p->t.qname, x->vt, x->vtt);
	if (p->cur >= 0)
		buf_addf(q, ", %s = false", p->qcol[p->cur]);
	buf_adds(q, " FROM s WHERE ");
	scd2_match(p, q, "d", "s");
	buf_addf(q, " AND d.%s IS DISTINCT FROM %s AND ROW(", x->vf,
	    x->vft);
	/* Compare the columns the records carry (not defaults). */
	cmp_list(p, q, "d.", x->absent_all);
	buf_adds(q, ") IS DISTINCT FROM ROW(");
	cmp_list(p, q, "s.", x->absent_all);
	buf_adds(q, ") RETURNING ");
	key_list(p, q, "d.");
	buf_addf(q, "), i AS (INSERT INTO %s (", p->t.qname);
	col_list(p, q, "", x->absent_all, 1);
	buf_addf(q, ", %s", x->vf);
	if (p->cur >= 0)
		buf_addf(q, ", %s", p->qcol[p->cur]);
	buf_adds(q, ") SELECT ");
	col_list(p, q, "s.", x->absent_all, 1);
	buf_addf(q, ", %s", x->vft);
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
	if ((r = pg_exec(w->conn, buf_cstr(q), 2, x->params, &w->err)) ==
	    NULL)
		return -1;
	n->updated += count_at(r, 0) + in_place;	/* changed */
	n->inserted += count_at(r, 1) - count_at(r, 0);	/* new keys */
	n->loaded += count_at(r, 1) + in_place;
	n->unchanged += count_at(r, 2) - count_at(r, 1) - in_place;
	PQclear(r);
	return 0;
}

/*
 * Apply the mode to rows [lo, hi) of b, in the worker's open transaction:
 * 0, or -1 with w->err (and *bad, the row a COPY error names).
 */
int
mode_apply(struct worker *w, struct batch *b, size_t lo, size_t hi,
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
		return load_copy(w, b, lo, hi, 0, bad, &n->loaded);
	/*
	 * upsert, skip-existing: while no batch has met a key that exists,
	 * COPY the whole batch straight into the table. The first failure
	 * (a key exists, or any other) ends that for the run; the caller
	 * rolls back and loads the batch through the staging table.
	 */
	if (p->direct && lo == 0 && hi == b->nrow) {
		if (load_wait_turn(w, b) == -1)
			return -1;
		if (load_copy(w, b, lo, hi, 0, bad, &n->loaded) == 0) {
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
	if (load_copy(w, b, lo, hi, 1, bad, &staged) == -1 ||
	    load_wait_turn(w, b) == -1)
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
