/*
 * prune: retention. In a stream, records whose time falls in the selected
 * window are pruned (to --pruned FILE, or counted and dropped with
 * --drop) and the others pass byte for byte; with -t TABLE the selected
 * rows are deleted from PostgreSQL in batches (see table.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "js.h"
#include "jqx.h"
#include "tm.h"
#include "prune.h"

enum {
	OPT_TIME = CLI_TOOL_BASE, OPT_OLDER_THAN, OPT_NOW, OPT_BEFORE,
	OPT_AFTER, OPT_UNTIL, OPT_BETWEEN, OPT_PRUNED, OPT_DROP, OPT_COLUMN,
	OPT_DRY_RUN, OPT_SLEEP, OPT_ARCHIVE, OPT_DSN, OPT_TZ
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "time",	required_argument,	NULL, OPT_TIME },
	{ "older-than",	required_argument,	NULL, OPT_OLDER_THAN },
	{ "now",	required_argument,	NULL, OPT_NOW },
	{ "before",	required_argument,	NULL, OPT_BEFORE },
	{ "after",	required_argument,	NULL, OPT_AFTER },
	{ "until",	required_argument,	NULL, OPT_UNTIL },
	{ "between",	required_argument,	NULL, OPT_BETWEEN },
	{ "pruned",	required_argument,	NULL, OPT_PRUNED },
	{ "drop",	no_argument,		NULL, OPT_DROP },
	{ "table",	required_argument,	NULL, 't' },
	{ "column",	required_argument,	NULL, OPT_COLUMN },
	{ "dry-run",	no_argument,		NULL, OPT_DRY_RUN },
	{ "batch",	required_argument,	NULL, 'b' },
	{ "sleep",	required_argument,	NULL, OPT_SLEEP },
	{ "archive",	required_argument,	NULL, OPT_ARCHIVE },
	{ "dsn",	required_argument,	NULL, OPT_DSN },
	{ "tz",		required_argument,	NULL, OPT_TZ },
	{ NULL, 0, NULL, 0 }
};

static const char usage_text[] =
"usage: prune --time EXPR WINDOW (--pruned FILE | --drop) [FILE ...]\n"
"       prune -t TABLE --column COLUMN WINDOW [--dry-run] [-b N]\n"
"             [--sleep SECONDS] [--archive FILE] [--dsn DSN]\n"
"Remove the records or rows whose time falls in WINDOW.\n"
"WINDOW (what is pruned; bounds may be combined):\n"
"  --older-than DUR     older than DUR before --now (30d, 36h, 2w)\n"
"  --now TIME           the current time for --older-than (default: now)\n"
"  --before TIME        earlier than TIME\n"
"  --after TIME         at or after TIME\n"
"  --until TIME         at or before TIME (e.g. a watermark already loaded)\n"
"  --between A B        at or after A and earlier than B\n"
"Stream mode (JSON Lines in, the kept records out, byte for byte):\n"
"  --time EXPR          jq expression giving each record's timestamp\n"
"  --pruned FILE        write pruned records to FILE, byte for byte\n"
"  --drop               count pruned records and drop them\n"
"Table mode (PostgreSQL):\n"
"  -t, --table TABLE    delete from TABLE\n"
"      --column COLUMN  the timestamp column\n"
"      --dry-run        print per-month counts of what would be deleted\n"
"  -b, --batch N        rows per batch and transaction (default 10000)\n"
"      --sleep SECONDS  pause between batches (default 0)\n"
"      --archive FILE   append each deleted row as JSON (row_to_json) to\n"
"                       FILE, synced before its batch commits\n"
"      --dsn DSN        connection string (default DATABASE_URL, PG*)\n"
"  --tz ZONE            times without an offset, in the records and the\n"
"                       options, are in ZONE (default UTC)\n";

static struct cli c;
static struct prune_opts o = { .batch = 10000 };
static const char *time_text, *pruned_path, *now_text, *older_text, *tz;
/* The window's bounds in the order given: read once --tz is known. */
static struct bound { int opt; const char *a, *b; } bounds[4];
static int nbounds;
static int drop;
static struct rec_out pruned;

static void	 parse_options(int, char **);
static void	 set_window(void);
static int64_t	 parse_time(const char *, const char *);
static void	 add_bound(const struct bound *);
static void	 set_bound(int64_t *, int *, int64_t, const char *);
static double	 seconds(const char *, const char *);
static void	 prune_stream(int, char **);

int
main(int argc, char *argv[])
{
	cli_init(&c, "prune", usage_text, argv);
	parse_options(argc, argv);
	set_window();
	if (o.table != NULL) {
		if (time_text || pruned_path || drop)
			cli_usage(&c, "--time, --pruned and --drop are for "
			    "streams, not -t");
		if (o.column == NULL)
			cli_usage(&c, "-t needs --column");
		if (argc > optind)
			cli_usage(&c, "extra operand '%s'", argv[optind]);
		o.tz = tz != NULL ? tz : "UTC";
		return prune_table(&c, &o);
	}
	if (o.column || o.dry_run || o.archive || o.dsn || o.sleep > 0)
		cli_usage(&c, "--column, --dry-run, --batch, --sleep, "
		    "--archive and --dsn need -t TABLE");
	if (time_text == NULL)
		cli_usage(&c, "--time is required (or -t TABLE)");
	if ((pruned_path == NULL) == !drop)
		cli_usage(&c, "say where pruned records go: --pruned FILE "
		    "or --drop (one of them)");
	prune_stream(argc - optind, argv + optind);
	return cli_finish(&c);
}

/* The options; the bounds are read once all are known (--tz). */
static void
parse_options(int argc, char **argv)
{
	int64_t day;
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "t:b:", longopts,
	    NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_TIME:
			time_text = optarg;
			break;
		case OPT_OLDER_THAN:
			older_text = optarg;
			break;
		case OPT_NOW:
			now_text = optarg;
			break;
		case OPT_BEFORE:
		case OPT_AFTER:
		case OPT_UNTIL:
		case OPT_BETWEEN:
			if (ch == OPT_BETWEEN && optind >= argc)
				cli_usage(&c, "--between needs two times");
			if (nbounds == 4)
				cli_usage(&c, "too many bounds");
			bounds[nbounds++] = (struct bound){ ch, optarg,
			    ch == OPT_BETWEEN ? argv[optind++] : NULL };
			break;
		case OPT_TZ:
			tz = optarg;
			if (tm_trunc(0, TM_DAY, tz, &day) == -1)
				cli_usage(&c, "--tz: unknown time zone '%s'",
				    tz);
			break;
		case OPT_PRUNED:
			pruned_path = optarg;
			break;
		case OPT_DROP:
			drop = 1;
			break;
		case 't':
			o.table = optarg;
			break;
		case OPT_COLUMN:
			o.column = optarg;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case 'b':
			o.batch = cli_num(&c, "--batch", optarg, 1, 100000000);
			break;
		case OPT_SLEEP:
			o.sleep = seconds("--sleep", optarg);
			break;
		case OPT_ARCHIVE:
			o.archive = optarg;
			break;
		case OPT_DSN:
			o.dsn = optarg;
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
}

/* The window of o from the bounds, in the order given. */
static void
set_window(void)
{
	const char *why;
	int64_t now, dur;
	struct timespec ts;
	int i;

	for (i = 0; i < nbounds; i++)
		add_bound(&bounds[i]);
	if (older_text != NULL) {
		if (tm_duration(older_text, &dur, &why) == -1)
			cli_usage(&c, "--older-than: '%s': %s", older_text,
			    why);
		if (now_text != NULL)
			now = parse_time("--now", now_text);
		else {
			clock_gettime(CLOCK_REALTIME, &ts);
			now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
		set_bound(&o.hi, &o.has_hi, now - dur, "--older-than");
	} else if (now_text != NULL)
		cli_usage(&c, "--now goes with --older-than");
	if (!o.has_lo && !o.has_hi)
		cli_usage(&c, "say what to prune: --older-than, --before, "
		    "--after, --until or --between");
	if (o.has_lo && o.has_hi && (o.lo > o.hi || (o.lo == o.hi &&
	    !o.hi_incl)))
		cli_usage(&c, "the window is empty: its start is not before "
		    "its end");
}

/* A bound of the window, as its option says, --tz known. */
static void
add_bound(const struct bound *b)
{
	switch (b->opt) {
	case OPT_BEFORE:
		set_bound(&o.hi, &o.has_hi, parse_time("--before", b->a),
		    "--before");
		break;
	case OPT_AFTER:
		set_bound(&o.lo, &o.has_lo, parse_time("--after", b->a),
		    "--after");
		break;
	case OPT_UNTIL:
		set_bound(&o.hi, &o.has_hi, parse_time("--until", b->a),
		    "--until");
		o.hi_incl = 1;
		break;
	default:
		set_bound(&o.lo, &o.has_lo, parse_time("--between", b->a),
		    "--between");
		set_bound(&o.hi, &o.has_hi, parse_time("--between", b->b),
		    "--between");
	}
}

static int64_t
parse_time(const char *flag, const char *s)
{
	const char *why;
	int64_t ns;

	if (tm_parse_tz(s, strlen(s), tz, &ns, &why) == -1)
		cli_usage(&c, "%s: '%s' is not a time: %s", flag, s, why);
	return ns;
}

/* A non-negative number of seconds, fractions allowed. */
static double
seconds(const char *flag, const char *s)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= 0) || v > 86400)
		cli_usage(&c, "%s: '%s' is not a number of seconds", flag, s);
	return v;
}

static void
set_bound(int64_t *bound, int *has, int64_t v, const char *flag)
{
	if (*has)
		cli_usage(&c, "%s: the window already has that bound", flag);
	*bound = v;
	*has = 1;
}

/* The stream loop: kept to stdout, pruned to the side file or counted. */
static void
prune_stream(int argc, char **argv)
{
	static struct js_doc doc;
	struct js_err e;
	struct jqx *x;
	char err[256];
	int64_t ns, *n_pruned;
	int obj;

	if ((x = jqx_compile(time_text, err, sizeof(err))) == NULL)
		cli_usage(&c, "--time '%s': %s", time_text, err);
	c.passed_name = "kept";
	cli_start(&c, argc, argv);
	if (pruned_path != NULL)
		cli_open_out(&c, &pruned, "--pruned", pruned_path);
	n_pruned = cli_diverted(&c, drop ? "dropped" : "pruned");
	while (cli_next(&c)) {
		if (js_scan(&doc, c.in.line, c.in.len, &e) == -1) {
			cli_rejectf(&c, 0, "%s", js_strerror(&e, err,
			    sizeof(err)));
			continue;
		}
		obj = doc.v[0].type == JS_OBJECT;
		if (jqx_time(x, &doc, tz, &ns, err, sizeof(err)) == -1) {
			cli_rejectf(&c, obj, "--time: %s", err);
			continue;
		}
		if ((o.has_lo && ns < o.lo) || (o.has_hi && (o.hi_incl ?
		    ns > o.hi : ns >= o.hi))) {
			cli_pass(&c, c.in.line, c.in.len);
			continue;
		}
		if (!drop) {
			cli_put(&c, &pruned, c.in.line, c.in.len);
			cli_put(&c, &pruned, "\n", 1);
		}
		(*n_pruned)++;
	}
	if (pruned_path != NULL)
		cli_close_out(&c, &pruned);
	jqx_free(x);
}
