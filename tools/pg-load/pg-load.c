/*
 * pg-load: load JSON Lines into a PostgreSQL table with COPY, a
 * transaction per batch, rejects from the database, upsert, partition
 * replace, SCD2, and an exactly-once ledger to resume by.
 *
 * This file is the plan: options, the table's columns, the ledger's run,
 * and the read loop that cuts the input into batches of -b records and
 * hands them to the workers (load.c), after encoding each record into a
 * COPY line (encode.c) and, with --watermark, keeping the record's
 * watermark value (watermark.c). Batch k always holds input records
 * k*B+1..(k+1)*B, so a resumed run skips exactly the batches its ledger
 * says committed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "pg-load.h"

enum {
	O_DSN = CLI_TOOL_BASE, O_LIMIT, O_DRY_RUN, O_CHECK, O_ON_ERROR, O_MAP,
	O_EXTRA, O_STRICT, O_ROW_FIELD, O_MODE, O_PARTITION, O_VALID_FROM, O_VALID_TO,
	O_CURRENT, O_AS_OF, O_COMPARE, O_LEDGER, O_RUN_ID, O_FORCE, O_STATUS,
	O_RETRIES, O_WATERMARK, O_LAST_WATERMARK
};

static struct plan	 p;
static const char	*table_arg, *dsn_arg, *keys_arg, *compare_arg,
			*vf_arg, *vt_arg, *cur_arg, *as_of_arg, *extra_arg,
			*ledger_arg = "sluice_ledger", *run_id_arg,
			*watermark_arg;
static const char	*on_error;
static int64_t		 limit = -1;
static int		 force, status_only, last_wm_only;
/* Ranges of records committed before, by first record (0-based). */
static struct { int64_t start, n; uint64_t sum; } *done;
static size_t		 ndone, done_at, skip_idx;

static void	 setup_columns(struct cli *, PGconn *, char **, size_t);
static int	 column_arg(struct cli *, const char *flag, const char *name,
		    size_t n);
static void	 setup_ledger(struct cli *, PGconn *);
static int	 can_copy_direct(struct cli *, PGconn *);
static void	 finish_ledger(struct cli *, int eof);
static int	 record_done_before(int64_t r, int64_t *start);
static void	 flush_batch(struct cli *, struct batch *, int skipping);
static void	 watermark_record(struct cli *, struct encoder *,
		    struct batch *, const char *, size_t, int64_t);
static int	 show_status(struct cli *);
static int	 last_watermark(struct cli *);
static PGconn	*connect_or_die(struct cli *);

static const char usage[] =
"usage: pg-load -t [SCHEMA.]TABLE [options] [FILE]\n"
"       pg-load --status [--run-id ID] [--ledger=TABLE] [--dsn DSN]\n"
"       pg-load --last-watermark -t TABLE [--run-id ID] [--ledger=TABLE]\n"
"               [--dsn DSN]\n"
"Load JSON Lines into a PostgreSQL table with COPY, a transaction per\n"
"batch.\n\n"
"  -t, --table NAME        the target table ([schema.]table)\n"
"      --dsn DSN           connection string or URI (else DATABASE_URL,\n"
"                          else the PG* variables)\n"
"  -b, --batch N           records per batch and transaction (10000)\n"
"      --limit N           stop after N records\n"
"      --dry-run           connect, check and encode everything, load nothing\n"
"      --check             load each batch, then roll it back\n"
"      --on-error MODE     stop (default) or reject (needs --rejects)\n"
"      --map COL=EXPR      fill COL with a jq expression (repeatable)\n"
"      --extra-column COL  gather keys without a column into jsonb COL\n"
"      --strict-columns    a key without a column is a reject\n"
"      --row-field NAME    rejects report the row in member NAME (e.g.\n"
"                          csv2jsonl --row-field), not the line number\n"
"      --mode MODE         append (default), upsert, skip-existing,\n"
"                          replace, scd2\n"
"  -k, --key COL[,COL]     key columns (upsert, skip-existing, scd2)\n"
"      --partition SQL     replace: the partition of a row (SQL expression)\n"
"      --valid-from COL    scd2: start of a version\n"
"      --valid-to COL      scd2: end of a version (NULL while current)\n"
"      --current COL       scd2: boolean column true for the current version\n"
"      --as-of TIME        scd2: the time of the change (default: now)\n"
"      --compare COL[,COL] scd2: the columns that make a new version\n"
"      --ledger[=TABLE]    exactly-once ledger (default sluice_ledger)\n"
"      --run-id ID         the run's identity (needed for a pipe)\n"
"      --force             load again a run the ledger says is finished\n"
"      --watermark EXPR    keep in the ledger the greatest value of EXPR (jq:\n"
"                          a time string or a number) among loaded records\n"
"      --status            print the ledger's runs and exit\n"
"      --last-watermark    print the greatest watermark of the finished runs\n"
"                          into -t TABLE; exit 1 if there is none\n"
"      --retries N         retries of a transient failure (5)\n"
"  -j, --jobs N            parallel connections\n";

int
main(int argc, char *argv[])
{
	static struct option opts[] = {
		CLI_LONGOPTS,
		{ "table",	required_argument,	NULL, 't' },
		{ "dsn",	required_argument,	NULL, O_DSN },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "chunk",	required_argument,	NULL, 'b' },
		{ "limit",	required_argument,	NULL, O_LIMIT },
		{ "dry-run",	no_argument,		NULL, O_DRY_RUN },
		{ "check",	no_argument,		NULL, O_CHECK },
		{ "on-error",	required_argument,	NULL, O_ON_ERROR },
		{ "map",	required_argument,	NULL, O_MAP },
		{ "extra-column", required_argument,	NULL, O_EXTRA },
		{ "strict-columns", no_argument,	NULL, O_STRICT },
		{ "row-field",	required_argument,	NULL, O_ROW_FIELD },
		{ "mode",	required_argument,	NULL, O_MODE },
		{ "key",	required_argument,	NULL, 'k' },
		{ "partition",	required_argument,	NULL, O_PARTITION },
		{ "valid-from",	required_argument,	NULL, O_VALID_FROM },
		{ "valid-to",	required_argument,	NULL, O_VALID_TO },
		{ "current",	required_argument,	NULL, O_CURRENT },
		{ "as-of",	required_argument,	NULL, O_AS_OF },
		{ "compare",	required_argument,	NULL, O_COMPARE },
		{ "ledger",	optional_argument,	NULL, O_LEDGER },
		{ "run-id",	required_argument,	NULL, O_RUN_ID },
		{ "force",	no_argument,		NULL, O_FORCE },
		{ "status",	no_argument,		NULL, O_STATUS },
		{ "retries",	required_argument,	NULL, O_RETRIES },
		{ "watermark",	required_argument,	NULL, O_WATERMARK },
		{ "last-watermark", no_argument,	NULL, O_LAST_WATERMARK },
		{ "jobs",	required_argument,	NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli c;
	char **maps = NULL, msg[512], path[256];
	size_t nmaps = 0;
	struct encoder *enc;
	/* --dry-run's one batch: static, so an early exit leaks nothing. */
	static struct batch dry;
	struct batch *cur;
	PGconn *conn;
	XXH64_state_t *xs;
	int ch, skipping, is_object;
	int64_t seg, src_row;

	cli_init(&c, "pg-load", usage, argv);
	c.unit = "rows";
	c.passed_name = "imported";
	p.c = &c;
	p.batch = 10000;
	p.retries = 5;
	p.jobs = 1;
	p.mode_name = "append";
	p.vf = p.vt = p.cur = p.extra_ci = -1;
	pthread_mutex_init(&p.lock, NULL);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "t:b:k:j:", opts,
	    NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 't': table_arg = optarg; break;
		case O_DSN: dsn_arg = optarg; break;
		case 'b':
			p.batch = cli_num(&c, "--batch", optarg, 1, INT32_MAX);
			break;
		case O_LIMIT:
			limit = cli_num(&c, "--limit", optarg, 0, INT64_MAX);
			break;
		case O_DRY_RUN: p.dry_run = 1; break;
		case O_CHECK: p.check = 1; break;
		case O_ON_ERROR:
			on_error = optarg;
			if (strcmp(optarg, "stop") == 0)
				p.reject_mode = 0;
			else if (strcmp(optarg, "reject") == 0)
				p.reject_mode = 1;
			else
				cli_usage(&c, "--on-error: '%s' is not stop or "
				    "reject", optarg);
			break;
		case O_MAP:
			maps = xrealloc(maps, (nmaps + 1) * sizeof(*maps));
			maps[nmaps++] = optarg;
			break;
		case O_EXTRA: extra_arg = optarg; break;
		case O_STRICT: p.strict = 1; break;
		case O_ROW_FIELD: p.row_field = optarg; break;
		case O_MODE:
			p.mode_name = optarg;
			if (strcmp(optarg, "append") == 0)
				p.mode = M_APPEND;
			else if (strcmp(optarg, "upsert") == 0)
				p.mode = M_UPSERT;
			else if (strcmp(optarg, "skip-existing") == 0)
				p.mode = M_SKIP;
			else if (strcmp(optarg, "replace") == 0)
				p.mode = M_REPLACE;
			else if (strcmp(optarg, "scd2") == 0)
				p.mode = M_SCD2;
			else
				cli_usage(&c, "--mode: '%s' is not append, "
				    "upsert, skip-existing, replace or scd2",
				    optarg);
			break;
		case 'k': keys_arg = optarg; break;
		case O_PARTITION: p.partition = optarg; break;
		case O_VALID_FROM: vf_arg = optarg; break;
		case O_VALID_TO: vt_arg = optarg; break;
		case O_CURRENT: cur_arg = optarg; break;
		case O_AS_OF: as_of_arg = optarg; break;
		case O_COMPARE: compare_arg = optarg; break;
		case O_LEDGER:
			p.ledger = 1;
			if (optarg != NULL && *optarg != '\0')
				ledger_arg = optarg;
			break;
		case O_RUN_ID:
			if (*optarg == '\0')
				cli_usage(&c, "--run-id: empty");
			run_id_arg = optarg;
			break;
		case O_FORCE: force = 1; break;
		case O_STATUS: status_only = 1; break;
		case O_WATERMARK: watermark_arg = optarg; break;
		case O_LAST_WATERMARK: last_wm_only = 1; break;
		case O_RETRIES:
			p.retries = (int)cli_num(&c, "--retries", optarg, 0, 100);
			break;
		case 'j':
			p.jobs = (int)cli_num(&c, "--jobs", optarg, 1, 64);
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	p.dsn = dsn_arg;
	if (status_only && last_wm_only)
		cli_usage(&c, "--status and --last-watermark exclude each other");
	if (status_only)
		return show_status(&c);
	if (last_wm_only) {
		if (table_arg == NULL || *table_arg == '\0')
			cli_usage(&c, "--last-watermark needs -t TABLE");
		return last_watermark(&c);
	}

	/* Checks that need no database. */
	if (table_arg == NULL || *table_arg == '\0')
		cli_usage(&c, "-t/--table is required");
	if (p.reject_mode && c.rejects_path == NULL)
		cli_usage(&c, "--on-error reject needs --rejects FILE");
	if (c.rejects_path != NULL && on_error == NULL)
		p.reject_mode = 1;
	if ((p.mode == M_UPSERT || p.mode == M_SKIP || p.mode == M_SCD2) &&
	    keys_arg == NULL)
		cli_usage(&c, "--mode %s needs --key", p.mode_name);
	if (p.mode == M_REPLACE && p.partition == NULL)
		cli_usage(&c, "--mode replace needs --partition");
	if (p.mode == M_SCD2 && (vf_arg == NULL || vt_arg == NULL))
		cli_usage(&c, "--mode scd2 needs --valid-from and --valid-to");
	if (p.jobs > 1 && p.mode == M_REPLACE && !p.ledger)
		cli_usage(&c, "--jobs with --mode replace needs --ledger "
		    "(partitions are claimed in it)");
	if (p.dry_run && p.check)
		cli_usage(&c, "--dry-run and --check exclude each other");
	if (watermark_arg != NULL) {
		char err[256];

		if (!p.ledger)
			cli_usage(&c, "--watermark needs --ledger (the "
			    "watermark is kept in the ledger's run)");
		if ((p.wm = jqx_compile(watermark_arg, err, sizeof(err))) ==
		    NULL)
			cli_usage(&c, "--watermark '%s': %s", watermark_arg,
			    err);
	}
	cli_start(&c, argc - optind, argv + optind);
	if (p.ledger && run_id_arg == NULL && c.in.size < 0)
		cli_usage(&c, "--ledger needs --run-id when the input is not a "
		    "regular file (a pipe has no identity to resume by)");

	conn = connect_or_die(&c);
	setup_columns(&c, conn, maps, nmaps);
	free(maps);	/* the strings are argv's; p.map keeps what it needs */
	p.n_skipped = cli_counter(&c, "skipped");
	p.n_batches = cli_counter(&c, "batches");
	if (p.mode == M_UPSERT) {
		p.n_inserted = cli_counter(&c, "inserted");
		p.n_updated = cli_counter(&c, "updated");
	} else if (p.mode == M_SCD2) {
		p.n_inserted = cli_counter(&c, "new");
		p.n_updated = cli_counter(&c, "changed");
	} else if (p.mode == M_REPLACE)
		p.n_replaced = cli_counter(&c, "replaced");
	if (p.dry_run) {
		c.passed_name = "encoded";
		p.ledger = 0;
	}
	if (p.check) {
		c.passed_name = "checked";
		p.ledger = 0;
	}
	if (p.ledger)
		setup_ledger(&c, conn);
	PQfinish(conn);

	enc = enc_new(&p);
	xs = XXH64_createState();
	XXH64_reset(xs, 0);
	if (!p.dry_run && load_start(&p) == -1)
		cli_fail(&c, EX_OSERR, "cannot start the workers");
	cur = p.dry_run ? &dry : load_get(&p);
	batch_reset(cur, 0);
	skipping = 0;
	seg = -1;
	while ((limit < 0 || c.processed < limit) && !p.stop && cli_next(&c)) {
		int64_t r = c.processed - 1, s;
		const char *line = c.in.line;
		size_t len = c.in.len;
		int in_done = record_done_before(r, &s);

		/*
		 * A batch is B records of a block of B, or a range committed
		 * before (skipped), or what is left of a block around it.
		 */
		if (!in_done)
			s = r / p.batch;
		if (s != seg || in_done != skipping) {
			if (cur->records > 0) {
				cur->checksum = XXH64_digest(xs);
				flush_batch(&c, cur, skipping);
				cur = p.dry_run ? cur : load_get(&p);
			}
			XXH64_reset(xs, 0);
			batch_reset(cur, r);
			skip_idx = done_at;
			seg = s;
			skipping = in_done;
		}
		if (p.ledger) {		/* the batch's identity in the ledger */
			XXH64_update(xs, line, len);
			XXH64_update(xs, "\n", 1);
		}
		if (cur->records++ == 0)
			cur->first_row = c.in.lineno;
		cur->last_row = c.in.lineno;
		cur->end_offset = c.in.offset + len;
		if (skipping)
			continue;
		if (enc_record(enc, cur, line, len, c.in.lineno, &src_row,
		    msg, sizeof(msg), path, sizeof(path), &is_object) == -1) {
			cur->enc_rejected++;
			pthread_mutex_lock(&p.lock);
			cli_reject(&c, src_row, line, len, is_object, msg,
			    path[0] ? path : NULL);
			pthread_mutex_unlock(&p.lock);
		} else if (p.wm != NULL)
			watermark_record(&c, enc, cur, line, len, src_row);

	}
	if (!p.stop) {
		cur->checksum = XXH64_digest(xs);
		flush_batch(&c, cur, skipping);
	} else if (!p.dry_run)
		load_submit_free(&p, cur);	/* not loaded; a re-run will */
	if (!p.dry_run)
		load_finish(&p);
	if (p.fatal_code != 0) {
		if (p.ledger)
			finish_ledger(&c, -1);
		cli_fail(&c, p.fatal_code, "%s", p.fatal_msg);
	}
	if (p.ledger)
		finish_ledger(&c, limit < 0 || c.in.eof);
	enc_free(enc);
	XXH64_freeState(xs);
	return cli_finish(&c);
}

/*
 * --watermark: evaluate it on the record just encoded and keep its value
 * with the row. A record it cannot read (no value, not a time or a
 * number, of the other kind) is taken back out of the batch: a reject.
 */
static void
watermark_record(struct cli *c, struct encoder *enc, struct batch *b,
    const char *line, size_t len, int64_t row)
{
	struct wm_val v;
	char msg[512];

	if (wm_eval(&p, enc_doc(enc), &v, msg, sizeof(msg)) == 0) {
		wm_keep(b, &v);
		return;
	}
	enc_unrecord(b);
	b->enc_rejected++;
	pthread_mutex_lock(&p.lock);
	cli_reject(c, row, line, len, 1, msg, NULL);
	pthread_mutex_unlock(&p.lock);
}

/* Hand a full batch over (or account for a batch committed before). */
static void
flush_batch(struct cli *c, struct batch *b, int skipping)
{
	if (skipping) {
		if (b->checksum != done[skip_idx].sum ||
		    b->records != done[skip_idx].n)
			cli_fail(c, EX_DATAERR, "input differs from run %s: "
			    "records %" PRId64 "-%" PRId64 " (lines %" PRId64
			    "-%" PRId64 ") were committed with other contents; "
			    "use another --run-id, or --force", p.run_id,
			    b->no + 1, b->no + b->records, b->first_row,
			    b->last_row);
		*p.n_done_before += b->records;
		if (!p.dry_run)
			load_submit_free(&p, b);
		return;
	}
	if (p.dry_run) {
		c->passed += (int64_t)b->nrow;
		if (b->records > 0)
			*p.n_batches += 1;
		return;
	}
	if (b->records == 0 || (b->nrow == 0 && !p.ledger)) {
		load_submit_free(&p, b);
		return;
	}
	load_submit(&p, b);
}

static PGconn *
connect_or_die(struct cli *c)
{
	struct pg_err e;
	PGconn *conn;
	int i;

	for (i = 0; ; i++) {
		if ((conn = pg_connect(p.dsn, "pg-load", &e)) != NULL)
			return conn;
		/* A server starting up (57P03) is worth a short wait. */
		if (!e.transient || i >= p.retries || strstr(e.msg,
		    "starting up") == NULL)
			break;
		pg_sleep(pg_backoff(i), &cli_signal);
	}
	cli_fail(c, EX_UNAVAILABLE, "cannot connect: %s", e.msg);
}

/* Split "a,b,c" into column indexes. */
static int *
column_list(struct cli *c, const char *flag, const char *s, size_t *n)
{
	int *v = NULL;
	const char *e;

	*n = 0;
	for (;;) {
		e = strchr(s, ',');
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = column_arg(c, flag, s, e ? (size_t)(e - s) :
		    strlen(s));
		if (e == NULL)
			break;
		s = e + 1;
	}
	return v;
}

static int
column_arg(struct cli *c, const char *flag, const char *name, size_t n)
{
	int ci = pg_table_column(&p.t, name, n);

	if (ci < 0)
		cli_fail(c, EX_USAGE, "%s: table %s has no column \"%.*s\"",
		    flag, p.t.qname, (int)n, name);
	return ci;
}

static void
setup_columns(struct cli *c, PGconn *conn, char **maps, size_t nmaps)
{
	struct pg_err e;
	struct buf q = BUF_INIT;
	char *schema, *table;
	size_t i, nbits = 0;

	pg_split_name(table_arg, &schema, &table);
	if (pg_table_load(conn, schema, table, &p.t, &e) == -1)
		cli_fail(c, e.sqlstate[0] && strcmp(e.sqlstate, "42P01") != 0 ?
		    EX_UNAVAILABLE : EX_DATAERR, "%s", e.msg);
	free(schema);
	free(table);
	p.qcol = xcalloc(p.t.ncol + 1, sizeof(char *));
	p.writable = xcalloc(p.t.ncol + 1, sizeof(int));
	p.defbit = xcalloc(p.t.ncol + 1, sizeof(int));
	for (i = 0; i < p.t.ncol; i++) {
		buf_reset(&q);
		if (pg_quote_ident(conn, &q, p.t.col[i].name,
		    strlen(p.t.col[i].name)) == -1)
			cli_fail(c, EX_DATAERR, "cannot quote a column name");
		p.qcol[i] = xstrdup(buf_cstr(&q));
		p.writable[i] = !p.t.col[i].generated;
		p.defbit[i] = -1;
		if (p.t.col[i].has_default && nbits < 64)
			p.defbit[i] = (int)nbits++;
	}
	buf_free(&q);
	p.map = xcalloc(nmaps + 1, sizeof(*p.map));
	for (i = 0; i < nmaps; i++) {
		char *eq = strchr(maps[i], '='), err[256];

		if (eq == NULL || eq == maps[i])
			cli_usage(c, "--map: '%s' is not COL=EXPR", maps[i]);
		p.map[i].ci = column_arg(c, "--map", maps[i],
		    (size_t)(eq - maps[i]));
		p.map[i].col = p.t.col[p.map[i].ci].name;
		p.map[i].expr = eq + 1;
		if ((p.map[i].jq = jqx_compile(eq + 1, err, sizeof(err))) ==
		    NULL)
			cli_usage(c, "--map %s: %s", p.map[i].col, err);
	}
	p.nmap = nmaps;
	if (extra_arg != NULL) {
		p.extra_ci = column_arg(c, "--extra-column", extra_arg,
		    strlen(extra_arg));
		if (p.t.col[p.extra_ci].kind != PG_K_JSON)
			cli_fail(c, EX_USAGE, "--extra-column: column \"%s\" "
			    "is %s, not json or jsonb", extra_arg,
			    p.t.col[p.extra_ci].type);
	}
	if (keys_arg != NULL) {
		p.key = column_list(c, "--key", keys_arg, &p.nkey);
		if ((p.mode == M_UPSERT || p.mode == M_SKIP) &&
		    !pg_table_has_unique(&p.t, p.key, p.nkey))
			cli_fail(c, EX_USAGE, "--mode %s: table %s has no "
			    "unique index or primary key on exactly (%s); "
			    "ON CONFLICT needs one", p.mode_name, p.t.qname,
			    keys_arg);
		if (p.mode == M_UPSERT || p.mode == M_SKIP)
			p.direct = can_copy_direct(c, conn);
	}
	if (p.mode == M_SCD2) {
		p.vf = column_arg(c, "--valid-from", vf_arg, strlen(vf_arg));
		p.vt = column_arg(c, "--valid-to", vt_arg, strlen(vt_arg));
		if (cur_arg != NULL)
			p.cur = column_arg(c, "--current", cur_arg,
			    strlen(cur_arg));
		if (compare_arg != NULL)
			p.cmp = column_list(c, "--compare", compare_arg,
			    &p.ncmp);
		else {
			/* Every written column but the key and the validity. */
			p.cmp = xcalloc(p.t.ncol + 1, sizeof(int));
			for (i = 0; i < p.t.ncol; i++) {
				size_t k;
				int skip = !p.writable[i] || (int)i == p.vf ||
				    (int)i == p.vt || (int)i == p.cur ||
				    p.t.col[i].identity;

				for (k = 0; k < p.nkey; k++)
					skip |= p.key[k] == (int)i;
				if (!skip)
					p.cmp[p.ncmp++] = (int)i;
			}
		}
		if (as_of_arg != NULL)
			p.as_of = xstrdup(as_of_arg);
		else {
			PGresult *r = pg_exec(conn, "SELECT now()::text", 0,
			    NULL, &e);

			if (r == NULL)
				cli_fail(c, EX_UNAVAILABLE, "%s", e.msg);
			p.as_of = xstrdup(PQgetvalue(r, 0, 0));
			PQclear(r);
		}
	}
}

/*
 * May upsert and skip-existing COPY a batch straight into the table while
 * none of its keys exists? Only where that is exactly what the INSERT ...
 * ON CONFLICT would do: key columns NOT NULL (a null key never conflicts,
 * but the staging's DISTINCT ON keeps one), a plain table without rules,
 * user triggers (COPY fires no UPDATE statement triggers) or row security.
 */
static int
can_copy_direct(struct cli *c, PGconn *conn)
{
	struct pg_err e;
	PGresult *r;
	const char *param[1];
	char oid[16];
	size_t i;
	int ok;

	for (i = 0; i < p.nkey; i++)
		if (!p.t.col[p.key[i]].notnull)
			return 0;
	snprintf(oid, sizeof(oid), "%u", p.t.oid);
	param[0] = oid;
	if ((r = pg_exec(conn, "SELECT relkind = 'r' AND NOT relhasrules AND "
	    "NOT relrowsecurity AND NOT EXISTS (SELECT 1 FROM pg_trigger "
	    "WHERE tgrelid = c.oid AND NOT tgisinternal) FROM pg_class c "
	    "WHERE oid = $1::oid", 1, param, &e)) == NULL)
		cli_fail(c, EX_UNAVAILABLE, "%s", e.msg);
	ok = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return ok;
}

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

static void
ledger_names(struct cli *c, PGconn *conn)
{
	p.q_runs = quote_name(c, conn, ledger_arg, "");
	p.q_batches = quote_name(c, conn, ledger_arg, "_batches");
	p.q_parts = quote_name(c, conn, ledger_arg, "_parts");
}

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

static void
ddl(struct cli *c, PGconn *conn)
{
	struct buf q = BUF_INIT;

	PGresult *r;
	const char *params[1] = { p.q_runs };

	/*
	 * One transaction; the advisory lock makes concurrent loads (chunks
	 * under parallel) create the ledger one at a time, since CREATE
	 * TABLE IF NOT EXISTS itself races. A ledger made before
	 * --watermark existed gets the column, under the same lock; the
	 * ALTER (an exclusive lock) only runs when the column is missing.
	 */
	PQclear(must(c, conn, "BEGIN", 0, NULL));
	buf_addf(&q, "SELECT pg_advisory_xact_lock(hashtext('sluice ledger')); "
	    "CREATE TABLE IF NOT EXISTS %s (run_id text PRIMARY KEY, "
	    "target text NOT NULL, mode text NOT NULL, input text, "
	    "input_bytes bigint, batch_size bigint NOT NULL, state text NOT "
	    "NULL, started_at timestamptz NOT NULL DEFAULT now(), "
	    "finished_at timestamptz, rows bigint, rejected bigint, "
	    "watermark text); "
	    "CREATE TABLE IF NOT EXISTS %s (run_id text NOT NULL, "
	    "first_record bigint NOT NULL, first_row bigint, last_row bigint, records "
	    "bigint, loaded bigint, rejected bigint, end_offset bigint, "
	    "checksum text, committed_at timestamptz NOT NULL DEFAULT "
	    "clock_timestamp(), PRIMARY KEY (run_id, first_record)); "
	    "CREATE TABLE IF NOT EXISTS %s (run_id text NOT NULL, part text "
	    "NOT NULL, PRIMARY KEY (run_id, part))",
	    p.q_runs, p.q_batches, p.q_parts);
	PQclear(must(c, conn, buf_cstr(&q), 0, NULL));
	r = must(c, conn, "SELECT count(*) FROM pg_attribute WHERE attrelid = "
	    "to_regclass($1) AND attname = 'watermark' AND NOT attisdropped",
	    1, params);
	if (strcmp(PQgetvalue(r, 0, 0), "0") == 0) {
		buf_reset(&q);
		buf_addf(&q, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS "
		    "watermark text", p.q_runs);
		PQclear(must(c, conn, buf_cstr(&q), 0, NULL));
	}
	PQclear(r);
	PQclear(must(c, conn, "COMMIT", 0, NULL));
	buf_free(&q);
}

/*
 * The run: its identity, its row in the ledger (created, or found
 * finished, or resumed), and the batches it committed before.
 */
static void
setup_ledger(struct cli *c, PGconn *conn)
{
	struct buf q = BUF_INIT;
	char id[96], bs[24], size[24];
	const char *params[6];
	PGresult *r;
	int i, n;

	ledger_names(c, conn);
	if (run_id_arg != NULL)
		p.run_id = xstrdup(run_id_arg);
	else {
		struct stat st;
		uint64_t h[4];

		if (fstat(c->in.fd, &st) == -1)
			cli_fail(c, EX_NOINPUT, "%s: %s", c->in.name,
			    strerror(errno));
		h[0] = (uint64_t)st.st_dev;
		h[1] = (uint64_t)st.st_ino;
		h[2] = (uint64_t)st.st_size;
		h[3] = (uint64_t)st.st_mtim.tv_sec * 1000000000u +
		    (uint64_t)st.st_mtim.tv_nsec;
		snprintf(id, sizeof(id), "file-%016" PRIx64,
		    (uint64_t)XXH64(h, sizeof(h), 0));
		p.run_id = xstrdup(id);
	}
	ddl(c, conn);
	snprintf(bs, sizeof(bs), "%" PRId64, p.batch);
	snprintf(size, sizeof(size), "%lld", (long long)c->in.size);
	params[0] = p.run_id;
	params[1] = p.t.qname;
	params[2] = p.mode_name;
	params[3] = c->in.name;
	params[4] = c->in.size >= 0 ? size : NULL;
	params[5] = bs;
	buf_addf(&q, "INSERT INTO %s (run_id, target, mode, input, "
	    "input_bytes, batch_size, state) VALUES ($1, $2, $3, $4, $5, $6, "
	    "'running') ON CONFLICT (run_id) DO NOTHING", p.q_runs);
	PQclear(must(c, conn, buf_cstr(&q), 6, params));
	buf_reset(&q);
	buf_addf(&q, "SELECT state, batch_size, coalesce(rows, 0), "
	    "finished_at, watermark FROM %s WHERE run_id = $1", p.q_runs);
	r = must(c, conn, buf_cstr(&q), 1, params);
	if (strcmp(PQgetvalue(r, 0, 0), "done") == 0) {
		if (!force) {
			if (!c->quiet)
				fprintf(stderr, "pg-load: run %s already "
				    "finished at %s (%s rows); nothing to do "
				    "(--force loads it again)\n", p.run_id,
				    PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 2));
			exit(0);
		}
	}
	if (force) {
		buf_reset(&q);
		buf_addf(&q, "DELETE FROM %s WHERE run_id = $1", p.q_batches);
		PQclear(must(c, conn, buf_cstr(&q), 1, params));
		buf_reset(&q);
		buf_addf(&q, "DELETE FROM %s WHERE run_id = $1", p.q_parts);
		PQclear(must(c, conn, buf_cstr(&q), 1, params));
		buf_reset(&q);
		buf_addf(&q, "UPDATE %s SET batch_size = $2, started_at = "
		    "now(), finished_at = NULL, watermark = NULL WHERE run_id "
		    "= $1", p.q_runs);
		params[1] = bs;
		PQclear(must(c, conn, buf_cstr(&q), 2, params));
	} else if (p.wm != NULL && !PQgetisnull(r, 0, 4)) {
		/* A resumed run: its values so far decide the kind. */
		int64_t ns;
		int k = wm_classify(PQgetvalue(r, 0, 4),
		    (size_t)PQgetlength(r, 0, 4), &ns);

		if (k == -1)
			cli_fail(c, EX_DATAERR, "run %s: the ledger's "
			    "watermark '%s' is not a time or a number",
			    p.run_id, PQgetvalue(r, 0, 4));
		p.wm_kind = k;
	}
	PQclear(r);
	buf_reset(&q);
	buf_addf(&q, "UPDATE %s SET state = 'running' WHERE run_id = $1",
	    p.q_runs);
	PQclear(must(c, conn, buf_cstr(&q), 1, params));

	buf_reset(&q);
	buf_addf(&q, "SELECT first_record - 1, records, checksum FROM %s "
	    "WHERE run_id = $1 ORDER BY first_record", p.q_batches);
	r = must(c, conn, buf_cstr(&q), 1, params);
	n = PQntuples(r);
	done = xcalloc((size_t)n + 1, sizeof(*done));
	for (i = 0; i < n; i++) {
		done[i].start = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		done[i].n = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		done[i].sum = strtoull(PQgetvalue(r, i, 2), NULL, 16);
	}
	ndone = (size_t)n;
	PQclear(r);
	p.n_done_before = cli_counter(c, "loaded before");
	if (ndone > 0 && !c->quiet)
		cli_warn(c, "resuming run %s: %zu batches committed before",
		    p.run_id, ndone);
	buf_free(&q);
}

/* 1 if record r (0-based) is in a range committed before: its start. */
static int
record_done_before(int64_t r, int64_t *start)
{
	while (done_at < ndone && done[done_at].start + done[done_at].n <= r)
		done_at++;
	if (done_at < ndone && done[done_at].start <= r) {
		*start = done[done_at].start;
		return 1;
	}
	return 0;
}

/* Mark the run done (eof 1), left to resume (0) or failed (-1). */
static void
finish_ledger(struct cli *c, int eof)
{
	struct buf q = BUF_INIT;
	const char *params[2] = { p.run_id, eof == 1 ? "done" :
	    eof == 0 ? "running" : "failed" };
	struct pg_err e;
	PGconn *conn = NULL;
	PGresult *r;
	int i;

	for (i = 0; i <= p.retries && conn == NULL; i++) {
		if ((conn = pg_connect(p.dsn, "pg-load", &e)) == NULL) {
			if (eof == -1)
				return;		/* already failing */
			pg_sleep(pg_backoff(i), &cli_signal);
		}
	}
	if (conn == NULL)
		cli_fail(c, EX_TEMPFAIL, "ledger: %s", e.msg);
	buf_addf(&q, "UPDATE %s SET state = $2, finished_at = CASE WHEN $2 = "
	    "'done' THEN now() END, rows = (SELECT sum(loaded) FROM %s WHERE "
	    "run_id = $1), rejected = (SELECT sum(rejected) FROM %s WHERE "
	    "run_id = $1) WHERE run_id = $1", p.q_runs, p.q_batches,
	    p.q_batches);
	r = pg_exec(conn, buf_cstr(&q), 2, params, &e);
	if (r == NULL && eof != -1)
		cli_fail(c, EX_TEMPFAIL, "ledger: %s", e.msg);
	PQclear(r);
	PQfinish(conn);
	buf_free(&q);
}

/*
 * The ledger of --status and --last-watermark, which only read it: 1 if
 * its tables exist (*has_wm: its runs have a watermark column), else 0.
 */
static int
ledger_exists(struct cli *c, PGconn *conn, int *has_wm)
{
	const char *pp[2];
	PGresult *r;
	int yes;

	ledger_names(c, conn);
	pp[0] = p.q_runs;
	pp[1] = p.q_batches;
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
static int
show_status(struct cli *c)
{
	struct buf q = BUF_INIT;
	const char *params[1] = { run_id_arg };
	PGconn *conn = connect_or_die(c);
	PGresult *r;
	int i, j, n, has_wm, ncol = 9;

	if (!ledger_exists(c, conn, &has_wm))
		cli_fail(c, EX_DATAERR, "no ledger %s in this database",
		    p.q_runs);
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
	    "= r.run_id WHERE $1::text IS NULL OR r.run_id = $1 ORDER BY "
	    "r.started_at, r.run_id", has_wm ? "r.watermark" : "NULL::text",
	    p.q_runs, p.q_batches);
	r = must(c, conn, buf_cstr(&q), 1, params);
	n = PQntuples(r);
	if (n == 0 && run_id_arg != NULL)
		cli_fail(c, EX_DATAERR, "no run %s in %s", run_id_arg,
		    p.q_runs);
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
	PQfinish(conn);
	buf_free(&q);
	if (fflush(stdout) == EOF)
		return EX_IOERR;
	return 0;
}

/*
 * pg-load --last-watermark -t TABLE: the greatest watermark of the
 * finished runs that loaded TABLE (or run --run-id), printed as it was
 * recorded. Exit 1 when there is none, as grep does when nothing matches.
 */
static int
last_watermark(struct cli *c)
{
	struct buf q = BUF_INIT;
	const char *params[2] = { NULL, run_id_arg }, *best = NULL;
	PGconn *conn = connect_or_die(c);
	PGresult *r;
	char *qname;
	int i, n, cmp, has_wm, exists;

	if (!(exists = ledger_exists(c, conn, &has_wm)) || !has_wm) {
		if (!c->quiet)
			fprintf(stderr, "pg-load: %s: no watermark: %s %s\n",
			    table_arg, exists ? "no watermark column in" :
			    "no ledger", p.q_runs);
		PQfinish(conn);
		return 1;
	}
	qname = quote_name(c, conn, table_arg, "");
	params[0] = qname;
	/* The target as recorded, or any spelling of the same table. */
	buf_addf(&q, "SELECT watermark FROM %s WHERE state = 'done' AND "
	    "watermark IS NOT NULL AND (target = $1 OR to_regclass(target) = "
	    "to_regclass($1)) AND ($2::text IS NULL OR run_id = $2) ORDER BY "
	    "finished_at, run_id", p.q_runs);
	r = must(c, conn, buf_cstr(&q), 2, params);
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		const char *v = PQgetvalue(r, i, 0);

		if (best != NULL && wm_text_cmp(v, strlen(v), best,
		    strlen(best), &cmp) == -1)
			cli_fail(c, EX_DATAERR, "%s: the finished runs "
			    "recorded watermarks of different kinds ('%s' and "
			    "'%s'); choose one with --run-id", table_arg, best,
			    v);
		if (best == NULL || cmp > 0)
			best = v;
	}
	if (best == NULL) {
		if (!c->quiet)
			fprintf(stderr, "pg-load: %s: no watermark: no "
			    "finished run %s%srecorded one in %s\n", table_arg,
			    run_id_arg ? run_id_arg : "",
			    run_id_arg ? " " : "", p.q_runs);
		PQclear(r);
		PQfinish(conn);
		free(qname);
		buf_free(&q);
		return 1;
	}
	printf("%s\n", best);
	PQclear(r);
	PQfinish(conn);
	free(qname);
	buf_free(&q);
	if (fflush(stdout) == EOF)
		return EX_IOERR;
	return 0;
}
