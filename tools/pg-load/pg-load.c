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
 * k*B+1..(k+1)*B, except around the ranges a resumed run's ledger says
 * committed, which are skipped once their bytes are checked (ledger.c).
 */
#include <ctype.h>
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
	O_EXTRA, O_STRICT, O_ROW_FIELD, O_MODE, O_PARTITION, O_VALID_FROM,
	O_VALID_TO, O_CURRENT, O_AS_OF, O_COMPARE, O_LEDGER, O_RUN_ID, O_FORCE,
	O_STATUS, O_RETRIES, O_WATERMARK, O_LAST_WATERMARK, O_WAIT, O_TZ,
	O_OVERRIDING, O_KEY_COLUMNS, O_CREATE, O_PRINT_DDL, O_FLOAT,
	O_CHECK_SCHEMA, O_INFER, O_FLATTEN, O_ENUM_TYPE, O_VARCHAR, O_DEFER,
	O_FREEZE
};

/* The options as given; the plan (struct plan) is what they resolve to. */
struct opts {
	const char	*table, *keys, *compare, *vf, *vt, *cur, *as_of, *extra;
	const char	*on_error, *watermark;
	char		**map;
	size_t		 nmap;
	struct ledger_opts ledger;
	struct create_opts create;
	int		 use_ledger, use_create, status, last_wm;
	int64_t		 limit;
};

/* The read loop's place among the ranges a resumed run committed. */
struct resume {
	size_t		 at;		/* first range not yet behind us */
	size_t		 cur;		/* the range the batch being read skips */
};

static void	 parse_options(int, char **, struct plan *, struct opts *);
static void	 check_options(struct plan *, struct opts *);
static PGconn	*connect_or_die(struct plan *);
static void	 set_time_zone(struct plan *, PGconn *);
static void	 setup_columns(struct plan *, const struct opts *, PGconn *);
static void	 setup_modes(struct plan *, const struct opts *, PGconn *,
		    size_t);
static int	 column_arg(struct plan *, const char *, const char *, size_t);
static void	 add_map(struct plan *, int, const char *, const char *);
static int	 can_copy_direct(struct plan *, PGconn *);
static void	 read_batches(struct plan *, const struct opts *,
		    struct encoder *);
static struct cli_file *operand(struct cli *);
static void	 open_run(struct plan *, const struct opts *, PGconn *);
static void	 close_run(struct plan *, int eof);
static void	 end_operand(struct plan *, const struct opts *,
		    struct batch *, XXH64_state_t *, int, struct resume *,
		    int64_t);
static int	 in_committed(const struct ledger *, struct resume *, int64_t,
		    int64_t *);
static void	 flush_batch(struct plan *, struct batch *, int skipping,
		    size_t range);
static void	 encoder_reject(struct plan *, struct batch *, const char *,
		    size_t, const struct enc_err *);
static void	 watermark_record(struct plan *, struct encoder *,
		    struct batch *, const char *, size_t, int64_t);
static void	 report_unmatched(struct plan *, struct encoder *);
static int	 used_by_map(const struct plan *, const char *);
static void	 check_create(struct cli *, const struct opts *);
static int	 print_ddl(struct cli *, const struct create_opts *);

static const char usage[] =
"usage: pg-load -t [SCHEMA.]TABLE [options] [FILE ...]\n"
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
"      --key-columns COL[,COL]\n"
"                          key columns (upsert, skip-existing, scd2)\n"
"      --partition SQL     replace: the partition of a row (SQL expression)\n"
"      --valid-from COL    scd2: start of a version\n"
"      --valid-to COL      scd2: end of a version (NULL while current)\n"
"      --current COL       scd2: boolean column true for the current version\n"
"      --as-of TIME        scd2: the time of the change (default: now)\n"
"      --compare COL[,COL] scd2: the columns that make a new version\n"
"      --ledger[=TABLE]    exactly-once ledger (default sluice_ledger)\n"
"      --run-id ID         the run's identity (needs --ledger; needed for\n"
"                          a pipe)\n"
"      --wait              wait while another process holds the run\n"
"      --force             forget what the run committed and load its\n"
"                          input again (append adds those rows twice)\n"
"      --tz ZONE           times without an offset are in ZONE (default\n"
"                          UTC), whatever the server's time zone\n"
"      --create            create the table from --schema or --infer when\n"
"                          it does not exist (never alters one that does)\n"
"  -s, --schema FILE       the JSON Schema --create makes the table from\n"
"      --infer[=N]         make it from the first N records (10000)\n"
"      --float             a JSON number is double precision (else numeric)\n"
"      --flatten           a nested object's members become columns\n"
"      --enum-type         a string enum becomes an enum type (else CHECK)\n"
"      --varchar           a string's maxLength becomes varchar(n)\n"
"      --print-ddl         print the statements --create would run, exit\n"
"      --check-schema      tell how the table differs from --schema or\n"
"                          --infer, exit 65 if it does, else 0\n"
"      --overriding-system-value\n"
"                          write records' values into GENERATED ALWAYS\n"
"                          identity columns (else the server fills them)\n"
"      --watermark EXPR    keep in the ledger the greatest value of EXPR (jq:\n"
"                          a time string or a number) among loaded records\n"
"      --status            print the ledger's runs and exit\n"
"      --last-watermark    print the greatest watermark of the finished runs\n"
"                          into -t TABLE; exit 1 if there is none\n"
"      --defer-indexes     append into an empty table in one transaction,\n"
"                          its secondary indexes built after the rows\n"
"      --freeze            append into an empty table in one transaction,\n"
"                          the rows written frozen (COPY FREEZE)\n"
"      --retries N         retries of a transient failure (5)\n"
"  -j, --jobs N            parallel connections\n";

int
main(int argc, char *argv[])
{
	static struct plan p;
	static struct ledger lg;
	static struct opts o = { .limit = -1 };	/* reachable at exit */
	static struct cli c;
	struct encoder *enc;
	PGconn *conn;
	int eof;

	cli_init(&c, "pg-load", usage, argv);
	p.c = &c;
	parse_options(argc, argv, &p, &o);
	if (o.status || o.last_wm) {
		int rc;

		conn = connect_or_die(&p);
		rc = o.status ? ledger_status(&c, conn, o.ledger.name,
		    o.ledger.run_id) : ledger_last_watermark(&c, conn,
		    o.ledger.name, o.table, o.ledger.run_id);
		PQfinish(conn);
		return rc;
	}
	check_options(&p, &o);
	if (o.create.schema != NULL) {
		create_prepare(&c, &o.create, o.table, o.keys);
		if (o.create.print_ddl)
			return print_ddl(&c, &o.create);
	}
	cli_start(&c, argc - optind, argv + optind);
	if (o.create.infer > 0) {
		create_infer(&c, &o.create, o.table, o.keys);
		if (o.create.print_ddl)
			return print_ddl(&c, &o.create);
	}
	if (o.use_ledger && o.ledger.run_id == NULL && c.insize < 0)
		cli_usage(&c, "--ledger needs --run-id when the input is not a "
		    "regular file (a pipe has no identity to resume by)");
	if (o.use_ledger && o.ledger.run_id == NULL && c.nfile > 1 &&
	    !run_per_file(&p))
		cli_usage(&c, "%s loads several files as one run: name it "
		    "with --run-id", p.onetx != NULL ? p.onetx :
		    "--mode replace");

	conn = connect_or_die(&p);
	set_time_zone(&p, conn);
	if (o.create.check) {
		int rc = create_check(&c, &o.create, conn);

		PQfinish(conn);
		return rc;
	}
	if (o.use_create)
		create_table(&c, &o.create, conn);
	setup_columns(&p, &o, conn);
	free(o.map);	/* the strings are argv's; p.map keeps what it needs */
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
	if (o.use_ledger && !p.dry_run && !p.check) {
		p.lg = &lg;
		p.n_done_before = cli_counter(&c, "loaded before");
		open_run(&p, &o, conn);
	}
	PQfinish(conn);

	enc = enc_new(&p);
	if (!p.dry_run && load_start(&p) == -1)
		cli_fail(&c, EX_OSERR, "cannot start the workers");
	read_batches(&p, &o, enc);
	if (!p.dry_run)
		load_finish(&p);
	report_unmatched(&p, enc);
	enc_free(enc);
	if (p.fatal_code != 0) {
		if (p.lg != NULL)
			ledger_finish(p.lg, &p, -1);
		cli_fail(&c, p.fatal_code, "%s", p.fatal_msg);
	}
	eof = o.limit < 0 || c.in.eof;
	if (p.lg != NULL)
		close_run(&p, eof);
	return cli_finish(&c);
}

/* --print-ddl: the statements on the standard output; exits 0. */
static int
print_ddl(struct cli *c, const struct create_opts *o)
{
	if (fputs(o->ddl, stdout) == EOF || fflush(stdout) == EOF)
		cli_fail(c, EX_IOERR, "stdout: %s", strerror(errno));
	return 0;
}

/* The option table, then one case per option: long, but flat. */
static void
parse_options(int argc, char **argv, struct plan *p, struct opts *o)
{
	static const struct option opts[] = {
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
		{ "key-columns", required_argument,	NULL, O_KEY_COLUMNS },
		{ "partition",	required_argument,	NULL, O_PARTITION },
		{ "valid-from",	required_argument,	NULL, O_VALID_FROM },
		{ "valid-to",	required_argument,	NULL, O_VALID_TO },
		{ "current",	required_argument,	NULL, O_CURRENT },
		{ "as-of",	required_argument,	NULL, O_AS_OF },
		{ "compare",	required_argument,	NULL, O_COMPARE },
		{ "ledger",	optional_argument,	NULL, O_LEDGER },
		{ "run-id",	required_argument,	NULL, O_RUN_ID },
		{ "wait",	no_argument,		NULL, O_WAIT },
		{ "force",	no_argument,		NULL, O_FORCE },
		{ "status",	no_argument,		NULL, O_STATUS },
		{ "retries",	required_argument,	NULL, O_RETRIES },
		{ "watermark",	required_argument,	NULL, O_WATERMARK },
		{ "last-watermark", no_argument,	NULL, O_LAST_WATERMARK },
		{ "tz",		required_argument,	NULL, O_TZ },
		{ "overriding-system-value", no_argument, NULL, O_OVERRIDING },
		{ "jobs",	required_argument,	NULL, 'j' },
		{ "create",	no_argument,		NULL, O_CREATE },
		{ "schema",	required_argument,	NULL, 's' },
		{ "float",	no_argument,		NULL, O_FLOAT },
		{ "print-ddl",	no_argument,		NULL, O_PRINT_DDL },
		{ "check-schema", no_argument,		NULL, O_CHECK_SCHEMA },
		{ "infer",	optional_argument,	NULL, O_INFER },
		{ "flatten",	no_argument,		NULL, O_FLATTEN },
		{ "enum-type",	no_argument,		NULL, O_ENUM_TYPE },
		{ "varchar",	no_argument,		NULL, O_VARCHAR },
		{ "defer-indexes", no_argument,		NULL, O_DEFER },
		{ "freeze",	no_argument,		NULL, O_FREEZE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const modes[] = { "append", "upsert", "skip-existing",
	    "replace", "scd2" };
	struct cli *c = p->c;
	int ch;
	size_t i;

	c->unit = "rows";
	c->passed_name = "imported";
	p->batch = 10000;
	p->retries = 5;
	p->jobs = 1;
	p->mode_name = "append";
	p->tz = "UTC";
	o->create.number_type = "numeric";
	p->vf = p->vt = p->cur = p->extra_ci = -1;
	o->ledger.name = "sluice_ledger";
	pthread_mutex_init(&p->lock, NULL);
	c->stats_lock = &p->lock;	/* the workers count under it */
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "t:b:j:s:", opts,
	    NULL)) != -1) {
		if (cli_option(c, ch, optarg))
			continue;
		switch (ch) {
		case 't': o->table = optarg; break;
		case O_DSN: p->dsn = optarg; break;
		case 'b':
			p->batch = cli_num(c, "--batch", optarg, 1, INT32_MAX);
			break;
		case O_LIMIT:
			o->limit = cli_num(c, "--limit", optarg, 0, INT64_MAX);
			break;
		case O_DRY_RUN: p->dry_run = 1; break;
		case O_CHECK: p->check = 1; break;
		case O_ON_ERROR:
			o->on_error = optarg;
			if (strcmp(optarg, "stop") == 0)
				p->reject_mode = 0;
			else if (strcmp(optarg, "reject") == 0)
				p->reject_mode = 1;
			else
				cli_usage(c, "--on-error: '%s' is not stop or "
				    "reject", optarg);
			break;
		case O_MAP:
			o->map = xrealloc(o->map, (o->nmap + 1) *
			    sizeof(*o->map));
			o->map[o->nmap++] = optarg;
			break;
		case O_EXTRA: o->extra = optarg; break;
		case O_STRICT: p->strict = 1; break;
		case O_ROW_FIELD: p->row_field = optarg; break;
		case O_MODE:
			for (i = 0; i < sizeof(modes) / sizeof(*modes); i++)
				if (strcmp(optarg, modes[i]) == 0)
					break;
			if (i == sizeof(modes) / sizeof(*modes))
				cli_usage(c, "--mode: '%s' is not append, "
				    "upsert, skip-existing, replace or scd2",
				    optarg);
			p->mode = (enum mode)i;
			p->mode_name = modes[i];
			break;
		case O_KEY_COLUMNS: o->keys = optarg; break;
		case O_PARTITION: p->partition = optarg; break;
		case O_VALID_FROM: o->vf = optarg; break;
		case O_VALID_TO: o->vt = optarg; break;
		case O_CURRENT: o->cur = optarg; break;
		case O_AS_OF: o->as_of = optarg; break;
		case O_COMPARE: o->compare = optarg; break;
		case O_LEDGER:
			o->use_ledger = 1;
			if (optarg != NULL && *optarg != '\0')
				o->ledger.name = optarg;
			break;
		case O_RUN_ID:
			if (*optarg == '\0')
				cli_usage(c, "--run-id: empty");
			o->ledger.run_id = optarg;
			break;
		case O_WAIT: o->ledger.wait = 1; break;
		case O_FORCE: o->ledger.force = 1; break;
		case O_STATUS: o->status = 1; break;
		case O_WATERMARK: o->watermark = optarg; break;
		case O_LAST_WATERMARK: o->last_wm = 1; break;
		case O_TZ:
			if (*optarg == '\0')
				cli_usage(c, "--tz: empty");
			p->tz = optarg;
			break;
		case O_OVERRIDING: p->overriding = 1; break;
		case O_DEFER: p->defer = 1; break;
		case O_FREEZE: p->freeze = 1; break;
		case O_CREATE: o->use_create = 1; break;
		case 's': o->create.schema = optarg; break;
		case O_FLOAT: o->create.number_type = "double precision"; break;
		case O_PRINT_DDL: o->create.print_ddl = 1; break;
		case O_CHECK_SCHEMA: o->create.check = 1; break;
		case O_INFER:
			o->create.infer = optarg == NULL ? 10000 :
			    cli_num(c, "--infer", optarg, 1, INT64_MAX);
			break;
		case O_FLATTEN: o->create.flatten = 1; break;
		case O_ENUM_TYPE: o->create.enum_type = 1; break;
		case O_VARCHAR: o->create.varchar = 1; break;
		case O_RETRIES:
			p->retries = (int)cli_num(c, "--retries", optarg, 0, 100);
			break;
		case 'j':
			p->jobs = (int)cli_num(c, "--jobs", optarg, 1, 64);
			break;
		default:
			cli_usage(c, NULL);
		}
	}
	if (o->status && o->last_wm)
		cli_usage(c, "--status and --last-watermark exclude each other");
	if (o->last_wm && (o->table == NULL || *o->table == '\0'))
		cli_usage(c, "--last-watermark needs -t TABLE");
}

/* The checks that need no database. */
static void
check_options(struct plan *p, struct opts *o)
{
	struct cli *c = p->c;
	char err[256];

	if (o->table == NULL || *o->table == '\0')
		cli_usage(c, "-t/--table is required");
	if (p->reject_mode && c->rejects_path == NULL)
		cli_usage(c, "--on-error reject needs --rejects FILE");
	if (c->rejects_path != NULL && o->on_error == NULL)
		p->reject_mode = 1;
	if ((p->mode == M_UPSERT || p->mode == M_SKIP || p->mode == M_SCD2) &&
	    o->keys == NULL)
		cli_usage(c, "--mode %s needs --key-columns", p->mode_name);
	if (p->mode == M_REPLACE && p->partition == NULL)
		cli_usage(c, "--mode replace needs --partition");
	if (p->mode == M_SCD2 && (o->vf == NULL || o->vt == NULL))
		cli_usage(c, "--mode scd2 needs --valid-from and --valid-to");
	if (!o->use_ledger && (o->ledger.run_id != NULL || o->ledger.force ||
	    o->ledger.wait))
		cli_usage(c, "%s needs --ledger (without it nothing records "
		    "the run)", o->ledger.run_id != NULL ? "--run-id" :
		    o->ledger.force ? "--force" : "--wait");
	if (p->jobs > 1 && p->mode == M_REPLACE && !o->use_ledger)
		cli_usage(c, "--jobs with --mode replace needs --ledger "
		    "(partitions are claimed in it)");
	if (p->dry_run && p->check)
		cli_usage(c, "--dry-run and --check exclude each other");
	p->onetx = p->freeze ? "--freeze" : p->defer ? "--defer-indexes" :
	    NULL;
	if (p->onetx != NULL && (p->mode != M_APPEND || p->jobs > 1 ||
	    p->check))
		cli_usage(c, "%s loads in one transaction on one connection, "
		    "into an empty table: %s", p->onetx, p->mode != M_APPEND ?
		    "--mode append only" : p->jobs > 1 ? "not with -j" :
		    "not with --check");
	if (p->freeze && p->reject_mode)
		cli_usage(c, "--freeze cannot divert rejects: finding them "
		    "takes savepoints, and rows under a savepoint cannot be "
		    "frozen (the first bad row stops the load)");
	if (o->watermark != NULL) {
		if (!o->use_ledger)
			cli_usage(c, "--watermark needs --ledger (the "
			    "watermark is kept in the ledger's run)");
		if ((p->wm = jqx_compile(o->watermark, err, sizeof(err))) ==
		    NULL)
			cli_usage(c, "--watermark '%s': %s", o->watermark, err);
	}
	check_create(c, o);
	if (p->dry_run)
		c->passed_name = "encoded";
	if (p->check)
		c->passed_name = "checked";
}

/* --create and its companions: what each needs, and what excludes what. */
static void
check_create(struct cli *c, const struct opts *o)
{
	const struct create_opts *k = &o->create;
	const char *from = k->schema != NULL ? "-s/--schema" : "--infer";

	if ((o->use_create || k->print_ddl || k->check) && k->schema == NULL &&
	    k->infer == 0)
		cli_usage(c, "%s needs -s/--schema FILE or --infer",
		    o->use_create ? "--create" : k->print_ddl ?
		    "--print-ddl" : "--check-schema");
	if (k->schema != NULL && k->infer > 0)
		cli_usage(c, "-s/--schema and --infer exclude each other");
	if ((k->schema != NULL || k->infer > 0) && !o->use_create &&
	    !k->print_ddl && !k->check)
		cli_usage(c, "%s needs --create, --print-ddl or "
		    "--check-schema", from);
	if ((k->flatten || k->enum_type || k->varchar || strcmp(
	    k->number_type, "numeric") != 0) && k->schema == NULL &&
	    k->infer == 0)
		cli_usage(c, "%s needs -s/--schema FILE or --infer",
		    k->flatten ? "--flatten" : k->enum_type ? "--enum-type" :
		    k->varchar ? "--varchar" : "--float");
	if ((k->enum_type || k->varchar) && k->infer > 0)
		cli_usage(c, "%s needs -s/--schema FILE: the records have no "
		    "%s", k->enum_type ? "--enum-type" : "--varchar",
		    k->enum_type ? "enum" : "maxLength");
}

/*
 * One time rule for the toolkit: a time without an offset is in --tz
 * (UTC by default), whatever the server's or the session's TimeZone.
 * Every connection of the load sets it.
 */
static void
set_time_zone(struct plan *p, PGconn *conn)
{
	struct pg_err e;

	if (pg_set_time_zone(conn, p->tz, &e) == -1)
		cli_fail(p->c, e.sqlstate[0] == '2' ? EX_USAGE : EX_UNAVAILABLE,
		    "--tz %s: %s", p->tz, e.msg);
}

/*
 * With --ledger, the run of the operand being read (each is a run of its
 * own): found or made, claimed, what it committed before read, and its
 * rejects written again.
 */
static void
open_run(struct plan *p, const struct opts *o, PGconn *conn)
{
	ledger_open(p->lg, p, conn, &o->ledger);
	if (p->c->has_rejects)
		ledger_replay_rejects(p->lg, p->c, conn);
}

/* The run's end: done when its input was read to the end (eof). */
static void
close_run(struct plan *p, int eof)
{
	struct ledger *l = p->lg;

	if (eof && l->was_done && *p->n_batches == l->batches_before &&
	    !p->c->quiet)
		cli_warn(p->c, "run %s finished at %s and its input is "
		    "unchanged; nothing to do", l->run_id, l->finished_at);
	ledger_finish(l, p, eof);
	ledger_free(l);
}

/*
 * Cut the input into batches and hand them to the workers. A batch is
 * the records of one block of -b, or a range the run committed before
 * (skipped once its bytes match), or what is left of a block around one.
 * A batch holds records of one operand; with --ledger an operand's run
 * ends (its batches loaded) before the next one's begins.
 */
static void
read_batches(struct plan *p, const struct opts *o, struct encoder *enc)
{
	struct cli *c = p->c;
	struct resume rs = { 0, 0 };
	struct batch *cur;
	/* --dry-run's one batch: static, so an early exit leaks nothing. */
	static struct batch dry;
	XXH64_state_t *xs = XXH64_createState();
	struct enc_err err;
	int skipping = 0;
	int64_t seg = -1, n = 0;	/* records of this operand */

	XXH64_reset(xs, 0);
	cur = p->dry_run ? &dry : load_get(p);
	batch_reset(cur, 0);
	cur->file = operand(c);
	while ((o->limit < 0 || c->processed < o->limit) && !p->stop &&
	    cli_next(c)) {
		int64_t r = n++, s;
		const char *line = c->in.line;
		size_t len = c->in.len;
		int in_done;

		if (cur->file != operand(c) && !run_per_file(p))
			seg = -1;	/* a batch holds one file's records */
		else if (cur->file != operand(c)) {
			end_operand(p, o, cur, xs, skipping, &rs, r);
			cur = p->dry_run ? cur : load_get(p);
			batch_reset(cur, 0);
			cur->file = operand(c);
			rs = (struct resume){ 0, 0 };
			seg = -1;
			skipping = 0;
			r = 0;
			n = 1;
		}
		if (!(in_done = in_committed(p->lg, &rs, r, &s)))
			s = r / p->batch;
		if (s != seg || in_done != skipping) {
			if (cur->records > 0) {
				cur->checksum = XXH64_digest(xs);
				flush_batch(p, cur, skipping, rs.cur);
				cur = p->dry_run ? cur : load_get(p);
			}
			XXH64_reset(xs, 0);
			batch_reset(cur, r);
			cur->file = operand(c);
			rs.cur = rs.at;
			seg = s;
			skipping = in_done;
		}
		if (p->lg != NULL) {	/* the batch's identity in the ledger */
			XXH64_update(xs, line, len);
			XXH64_update(xs, "\n", 1);
		}
		if (cur->records++ == 0)
			cur->first_row = c->in.lineno;
		cur->last_row = c->in.lineno;
		cur->end_offset = c->in.offset + len;
		if (skipping)
			continue;
		if (enc_record(enc, cur, line, len, c->in.lineno, &err) == -1)
			encoder_reject(p, cur, line, len, &err);
		else if (p->wm != NULL)
			watermark_record(p, enc, cur, line, len, err.src_row);
	}
	if (p->stop) {
		if (!p->dry_run)
			load_submit_free(p, cur);	/* a re-run loads it */
	} else if (o->limit < 0 || c->in.eof)
		end_operand(p, o, cur, xs, skipping, &rs, n);
	else {
		cur->checksum = XXH64_digest(xs);
		flush_batch(p, cur, skipping, rs.cur);
	}
	XXH64_freeState(xs);
}

/*
 * An operand read to its end, after n records: its last batch, and an
 * input shorter than the run committed is refused. When the next operand
 * begins (more), the run ends once its batches are loaded and the next
 * one's run opens.
 */
static void
end_operand(struct plan *p, const struct opts *o, struct batch *cur,
    XXH64_state_t *xs, int skipping, struct resume *rs, int64_t n)
{
	const struct ledger *l = p->lg;
	struct cli *c = p->c;
	const char *file = cur->file != NULL ? cur->file->name : NULL;
	int64_t seg;
	PGconn *conn;

	cur->checksum = XXH64_digest(xs);
	flush_batch(p, cur, skipping, rs->cur);
	(void)in_committed(l, rs, n, &seg);
	if (l != NULL && rs->at < l->ndone)
		plan_fatal(p, EX_DATAERR, "%s%sinput differs from run %s: it "
		    "ends at record %" PRId64 ", and the run committed records "
		    "%" PRId64 "-%" PRId64 "; use another --run-id", file ?
		    file : "", file ? ": " : "", l->run_id, n,
		    l->done[rs->at].start + 1, l->done[rs->at].start +
		    l->done[rs->at].n);
	if (l == NULL || cur->file == operand(c) || !run_per_file(p))
		return;
	load_drain(p);
	if (p->stop)
		return;
	close_run(p, 1);
	conn = connect_or_die(p);
	open_run(p, o, conn);
	PQfinish(conn);
}

/*
 * With --ledger each of several operands is a run of its own, except in
 * replace: its runs remember the partitions they replaced, so that the
 * rows of one partition in two files are all kept, and all the operands
 * are one run. So they are with --defer-indexes or --freeze, whose one
 * transaction holds them all.
 */
int
run_per_file(const struct plan *p)
{
	return p->c->nfile > 1 && p->mode != M_REPLACE && p->onetx == NULL;
}

/* The operand being read, when there are several (else NULL). */
static struct cli_file *
operand(struct cli *c)
{
	return c->nfile > 1 ? &c->file[c->cur] : NULL;
}

/* 1 if record r (0-based) is in a range committed before: its start. */
static int
in_committed(const struct ledger *l, struct resume *rs, int64_t r,
    int64_t *start)
{
	if (l == NULL)
		return 0;
	while (rs->at < l->ndone && l->done[rs->at].start + l->done[rs->at].n
	    <= r)
		rs->at++;
	if (rs->at < l->ndone && l->done[rs->at].start <= r) {
		*start = l->done[rs->at].start;
		return 1;
	}
	return 0;
}

/*
 * A record the encoder refused: without --rejects the load stops; with
 * it the record waits in its batch, to be written with the batch's other
 * rejects once it commits (and kept in the ledger with it).
 */
static void
encoder_reject(struct plan *p, struct batch *b, const char *line, size_t len,
    const struct enc_err *err)
{
	const char *path = err->path[0] != '\0' ? err->path : NULL;
	struct rej *r;

	if (!p->c->has_rejects)
		cli_reject(p->c, err->src_row, line, len, err->is_object,
		    err->msg, path);
	if (b->nrej == b->caprej) {
		b->caprej = b->caprej ? b->caprej * 2 : 16;
		b->rej = xrealloc(b->rej, b->caprej * sizeof(*b->rej));
	}
	r = &b->rej[b->nrej++];
	b->nrej_enc++;
	memset(r, 0, sizeof(*r));
	r->row = NO_ROW;
	r->line_off = b->lines.len;
	r->line_len = len;
	buf_add(&b->lines, line, len);
	r->src_row = err->src_row;
	r->is_object = err->is_object;
	r->msg = xstrdup(err->msg);
	r->primary = strlen(err->msg);
	r->path = path != NULL ? xstrdup(path) : NULL;
}

/*
 * --watermark: evaluate it on the record just encoded and keep its value
 * with the row. A record it cannot read (no value, not a time or a
 * number, of the other kind) is taken back out of the batch: a reject.
 */
static void
watermark_record(struct plan *p, struct encoder *enc, struct batch *b,
    const char *line, size_t len, int64_t row)
{
	struct enc_err err = { .src_row = row, .is_object = 1 };
	struct wm_val v;

	if (wm_eval(p, enc_doc(enc), &v, err.msg, sizeof(err.msg)) == 0) {
		wm_keep(b, &v);
		return;
	}
	enc_unrecord(b);
	encoder_reject(p, b, line, len, &err);
}

/* Hand a full batch over (or account for a range committed before). */
static void
flush_batch(struct plan *p, struct batch *b, int skipping, size_t range)
{
	struct cli *c = p->c;
	struct buf text = BUF_INIT;
	size_t i;

	if (skipping) {
		const struct ledger *l = p->lg;

		if (b->records < l->done[range].n)
			plan_fatal(p, EX_DATAERR, "%s%sinput differs from run "
			    "%s: it ends at record %" PRId64 ", inside records %"
			    PRId64 "-%" PRId64 " that the run committed; use "
			    "another --run-id", BATCH_FILE(b), l->run_id,
			    b->no + b->records,
			    l->done[range].start + 1, l->done[range].start +
			    l->done[range].n);
		else if (b->checksum != l->done[range].sum)
			plan_fatal(p, EX_DATAERR, "%s%sinput differs from run "
			    "%s: records %" PRId64 "-%" PRId64 " (lines %" PRId64
			    "-%" PRId64 ") were committed with other contents; "
			    "use another --run-id", BATCH_FILE(b), l->run_id,
			    l->done[range].start + 1, l->done[range].start +
			    l->done[range].n, b->first_row, b->last_row);
		else
			*p->n_done_before += b->records;
		if (!p->dry_run)
			load_submit_free(p, b);
		return;
	}
	if (p->dry_run) {
		c->passed += (int64_t)b->nrow;
		if (b->records > 0)
			*p->n_batches += 1;
		batch_rejects(b, &text);
		if (text.len > 0)
			cli_put(c, &c->rejects, text.p, text.len);
		for (i = 0; i < b->nrej; i++)
			cli_count_reject(c, b->file, b->rej[i].msg);
		buf_free(&text);
		return;
	}
	if (b->records == 0 || (b->nrow == 0 && b->nrej == 0 && p->lg == NULL))
		load_submit_free(p, b);
	else
		load_submit(p, b);
}

/*
 * 1 if key was used though it has no column: --row-field's, or named as
 * a path (.key or ."key") by a --map expression.
 */
static int
used_by_map(const struct plan *p, const char *key)
{
	size_t i, n = strlen(key);
	const char *e;

	if (p->row_field != NULL && strcmp(p->row_field, key) == 0)
		return 1;
	for (i = 0; i < p->nmap; i++)
		for (e = p->map[i].expr; (e = strchr(e, '.')) != NULL; e++)
			if ((strncmp(e + 1, key, n) == 0 && !(isalnum(
			    (unsigned char)e[n + 1]) || e[n + 1] == '_')) ||
			    (e[1] == '"' && strncmp(e + 2, key, n) == 0 &&
			    e[n + 2] == '"'))
				return 1;
	return 0;
}

/*
 * Keys that matched no column were not loaded: say which (the first few,
 * with counts), so a misspelt or overlong header cannot lose a column
 * without a word.
 */
static void
report_unmatched(struct plan *p, struct encoder *enc)
{
	const struct enc_unmatched *u;
	size_t i, n, shown = 0, more = 0;
	int64_t *total = NULL;

	u = enc_unmatched(enc, &n);
	for (i = 0; i < n; i++) {
		if (used_by_map(p, u[i].key))
			continue;
		if (total == NULL)
			total = cli_counter(p->c, "unmatched_keys");
		*total += u[i].count;
		if (p->c->quiet)
			continue;
		if (shown++ >= 5) {
			more++;
			continue;
		}
		cli_warn(p->c, "key \"%s\" matched no column of %s and was "
		    "not loaded (in %" PRId64 " record%s)%s", u[i].key,
		    p->t.qname, u[i].count, u[i].count == 1 ? "" : "s",
		    u[i].why);
	}
	if (more > 0)
		cli_warn(p->c, "%zu more keys matched no column", more);
}

static PGconn *
connect_or_die(struct plan *p)
{
	struct pg_err e;
	PGconn *conn;
	int i;

	for (i = 0; ; i++) {
		if ((conn = pg_connect(p->dsn, "pg-load", &e)) != NULL)
			return conn;
		/* A server starting up (57P03) is worth a short wait. */
		if (!e.transient || i >= p->retries || strstr(e.msg,
		    "starting up") == NULL)
			break;
		pg_sleep(pg_backoff(i), &cli_signal);
	}
	cli_fail(p->c, EX_UNAVAILABLE, "cannot connect: %s", e.msg);
}

/* Split "a,b,c" into column indexes. */
static int *
column_list(struct plan *p, const char *flag, const char *s, size_t *n)
{
	int *v = NULL;
	const char *e;

	*n = 0;
	for (;;) {
		e = strchr(s, ',');
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = column_arg(p, flag, s, e ? (size_t)(e - s) :
		    strlen(s));
		if (e == NULL)
			break;
		s = e + 1;
	}
	return v;
}

static int
column_arg(struct plan *p, const char *flag, const char *name, size_t n)
{
	int ci = pg_table_column(&p->t, name, n);

	if (ci < 0)
		cli_fail(p->c, EX_USAGE, "%s: table %s has no column \"%.*s\"",
		    flag, p->t.qname, (int)n, name);
	return ci;
}

/* Fill column ci with jq expression expr, given by option opt. */
static void
add_map(struct plan *p, int ci, const char *expr, const char *opt)
{
	struct map *m = &p->map[p->nmap++];
	char err[256];

	m->ci = ci;
	m->col = p->t.col[ci].name;
	m->expr = expr;
	m->opt = opt;
	if ((m->jq = jqx_compile(expr, err, sizeof(err))) == NULL)
		cli_usage(p->c, "%s %s: %s", opt, m->col, err);
}

static void
setup_columns(struct plan *p, const struct opts *o, PGconn *conn)
{
	struct cli *c = p->c;
	struct pg_err e;
	struct buf q = BUF_INIT;
	char *schema, *table;
	size_t i, nbits = 0;

	pg_split_name(o->table, &schema, &table);
	if (pg_table_load(conn, schema, table, &p->t, &e) == -1)
		cli_fail(c, e.sqlstate[0] && strcmp(e.sqlstate, "42P01") != 0 ?
		    EX_UNAVAILABLE : EX_DATAERR, "%s", e.msg);
	free(schema);
	free(table);
	p->qcol = xcalloc(p->t.ncol + 1, sizeof(char *));
	p->writable = xcalloc(p->t.ncol + 1, sizeof(int));
	p->defbit = xcalloc(p->t.ncol + 1, sizeof(int));
	for (i = 0; i < p->t.ncol; i++) {
		buf_reset(&q);
		if (pg_quote_ident(conn, &q, p->t.col[i].name,
		    strlen(p->t.col[i].name)) == -1)
			cli_fail(c, EX_DATAERR, "cannot quote a column name");
		p->qcol[i] = xstrdup(buf_cstr(&q));
		/* GENERATED ALWAYS identity: the server's, unless asked. */
		p->writable[i] = !p->t.col[i].generated &&
		    (p->t.col[i].identity != 'a' || p->overriding);
		p->defbit[i] = -1;
		if (p->t.col[i].has_default && nbits < 64)
			p->defbit[i] = (int)nbits++;
	}
	buf_free(&q);
	p->map = xcalloc(o->nmap + o->create.ncol + 1, sizeof(*p->map));
	for (i = 0; i < o->nmap; i++) {
		char *eq = strchr(o->map[i], '=');

		if (eq == NULL || eq == o->map[i])
			cli_usage(c, "--map: '%s' is not COL=EXPR", o->map[i]);
		add_map(p, column_arg(p, "--map", o->map[i],
		    (size_t)(eq - o->map[i])), eq + 1, "--map");
	}
	/* --flatten's columns take their members' paths, unless mapped. */
	for (i = 0; i < o->create.ncol; i++) {
		const struct create_col *cc = &o->create.col[i];
		int ci = pg_table_column(&p->t, cc->name, strlen(cc->name));
		size_t j;

		for (j = 0; j < p->nmap && ci >= 0; j++)
			if (p->map[j].ci == ci)
				ci = -1;
		if (cc->path != NULL && ci >= 0)
			add_map(p, ci, cc->path, "--flatten");
	}
	if (o->extra != NULL) {
		p->extra_ci = column_arg(p, "--extra-column", o->extra,
		    strlen(o->extra));
		if (p->t.col[p->extra_ci].kind != PG_K_JSON)
			cli_fail(c, EX_USAGE, "--extra-column: column \"%s\" "
			    "is %s, not json or jsonb", o->extra,
			    p->t.col[p->extra_ci].type);
	}
	setup_modes(p, o, conn, nbits);
}

/*
 * The columns the modes name: --key-columns (and, for upsert, a bit for every
 * column a record may leave out, after the nbits defaults took theirs),
 * and scd2's validity columns, compared columns and --as-of.
 */
static void
setup_modes(struct plan *p, const struct opts *o, PGconn *conn, size_t nbits)
{
	struct cli *c = p->c;
	struct pg_err e;
	size_t i;

	if (o->keys != NULL) {
		p->key = column_list(p, "--key-columns", o->keys, &p->nkey);
		if ((p->mode == M_UPSERT || p->mode == M_SKIP) &&
		    !pg_table_has_unique(&p->t, p->key, p->nkey))
			cli_fail(c, EX_USAGE, "--mode %s: table %s has no "
			    "unique index or primary key on exactly (%s); "
			    "ON CONFLICT needs one", p->mode_name, p->t.qname,
			    o->keys);
		for (i = 0; i < p->nkey; i++)
			if (p->t.col[p->key[i]].identity == 'a' &&
			    !p->overriding)
				cli_fail(c, EX_USAGE, "--key-columns: column "
				    "\"%s\" is GENERATED ALWAYS AS IDENTITY: the server "
				    "fills it (--overriding-system-value writes "
				    "the records' values)", p->t.col[p->key[i]].name);
		if (p->mode == M_UPSERT || p->mode == M_SKIP)
			p->direct = can_copy_direct(p, conn);
	}
	/*
	 * upsert updates only the columns a record carries: every other
	 * column gets a bit, so the record's absent columns are known.
	 */
	for (i = 0; p->mode == M_UPSERT && i < p->t.ncol; i++) {
		size_t k;
		int is_key = 0;

		for (k = 0; k < p->nkey; k++)
			is_key |= p->key[k] == (int)i;
		if (!p->writable[i] || is_key || p->defbit[i] >= 0)
			continue;
		if (nbits == 64)
			cli_fail(c, EX_USAGE, "--mode upsert: table %s has more "
			    "than 64 columns a record may leave out; upsert "
			    "tracks 64", p->t.qname);
		p->defbit[i] = (int)nbits++;
	}
	if (p->mode == M_SCD2) {
		p->vf = column_arg(p, "--valid-from", o->vf, strlen(o->vf));
		p->vt = column_arg(p, "--valid-to", o->vt, strlen(o->vt));
		if (o->cur != NULL)
			p->cur = column_arg(p, "--current", o->cur,
			    strlen(o->cur));
		if (o->compare != NULL)
			p->cmp = column_list(p, "--compare", o->compare,
			    &p->ncmp);
		else {
			/* Every written column but the key and the validity. */
			p->cmp = xcalloc(p->t.ncol + 1, sizeof(int));
			for (i = 0; i < p->t.ncol; i++) {
				size_t k;
				int skip = !p->writable[i] || (int)i == p->vf ||
				    (int)i == p->vt || (int)i == p->cur ||
				    p->t.col[i].identity;

				for (k = 0; k < p->nkey; k++)
					skip |= p->key[k] == (int)i;
				if (!skip)
					p->cmp[p->ncmp++] = (int)i;
			}
		}
		if (o->as_of != NULL)
			p->as_of = xstrdup(o->as_of);
		else {
			PGresult *r = pg_exec(conn, "SELECT now()::text", 0,
			    NULL, &e);

			if (r == NULL)
				cli_fail(c, EX_UNAVAILABLE, "%s", e.msg);
			p->as_of = xstrdup(PQgetvalue(r, 0, 0));
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
can_copy_direct(struct plan *p, PGconn *conn)
{
	struct pg_err e;
	PGresult *r;
	const char *param[1];
	char oid[16];
	size_t i;
	int ok;

	for (i = 0; i < p->nkey; i++)
		if (!p->t.col[p->key[i]].notnull)
			return 0;
	snprintf(oid, sizeof(oid), "%u", p->t.oid);
	param[0] = oid;
	if ((r = pg_exec(conn, "SELECT relkind = 'r' AND NOT relhasrules AND "
	    "NOT relrowsecurity AND NOT EXISTS (SELECT 1 FROM pg_trigger "
	    "WHERE tgrelid = c.oid AND NOT tgisinternal) FROM pg_class c "
	    "WHERE oid = $1::oid", 1, param, &e)) == NULL)
		cli_fail(p->c, EX_UNAVAILABLE, "%s", e.msg);
	ok = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return ok;
}

