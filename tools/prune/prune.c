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

/* A bound of the window as given: read once --tz is known. */
struct bound {
	int		 opt;
	const char	*a, *b;
};

/*
 * The options. t is what table mode is given; set_window puts the window
 * in it once the bounds can be read.
 */
struct opts {
	struct prune_opts t;
	const char	*time_text;
	const char	*pruned_path;
	const char	*now_text;
	const char	*older_text;
	const char	*tz;
	struct bound	 bounds[4];	/* in the order given */
	int		 nbounds;
	int		 drop;
};

/* Stream mode's state: the record scanned and the pruned side file. */
struct run {
	struct cli		*c;
	const struct opts	*o;
	struct js_doc		 doc;
	struct rec_out		 pruned;
};

static void	 parse_options(struct cli *, struct opts *, int, char **);
static void	 set_window(struct cli *, struct opts *);
static int64_t	 parse_time(struct cli *, const struct opts *, const char *,
		    const char *);
static void	 add_bound(struct cli *, struct opts *, const struct bound *);
static void	 set_bound(struct cli *, int64_t *, int *, int64_t,
		    const char *);
static double	 seconds(struct cli *, const char *, const char *);
static void	 prune_stream(struct run *, int, char **);

int
main(int argc, char *argv[])
{
	/* Static: what they hold lives until the process exits. */
	static struct cli c;
	static struct opts o = { .t.batch = 10000 };
	static struct run r = { .c = &c, .o = &o };

	cli_init(&c, "prune", usage_text, argv);
	parse_options(&c, &o, argc, argv);
	set_window(&c, &o);
	if (o.t.table != NULL) {
		if (o.time_text || o.pruned_path || o.drop)
			cli_usage(&c, "--time, --pruned and --drop are for "
			    "streams, not -t");
		if (o.t.column == NULL)
			cli_usage(&c, "-t needs --column");
		if (argc > optind)
			cli_usage(&c, "extra operand '%s'", argv[optind]);
		o.t.tz = o.tz != NULL ? o.tz : "UTC";
		return prune_table(&c, &o.t);
	}
	if (o.t.column || o.t.dry_run || o.t.archive || o.t.dsn ||
	    o.t.sleep > 0)
		cli_usage(&c, "--column, --dry-run, --batch, --sleep, "
		    "--archive and --dsn need -t TABLE");
	if (o.time_text == NULL)
		cli_usage(&c, "--time is required (or -t TABLE)");
	if ((o.pruned_path == NULL) == !o.drop)
		cli_usage(&c, "say where pruned records go: --pruned FILE "
		    "or --drop (one of them)");
	prune_stream(&r, argc - optind, argv + optind);
	return cli_finish(&c);
}

/* The options; the bounds are read once all are known (--tz). */
static void
parse_options(struct cli *c, struct opts *o, int argc, char **argv)
{
	int64_t day;
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "t:b:", longopts,
	    NULL)) != -1) {
		if (cli_option(c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_TIME:
			o->time_text = optarg;
			break;
		case OPT_OLDER_THAN:
			o->older_text = optarg;
			break;
		case OPT_NOW:
			o->now_text = optarg;
			break;
		case OPT_BEFORE:
		case OPT_AFTER:
		case OPT_UNTIL:
		case OPT_BETWEEN:
			if (ch == OPT_BETWEEN && optind >= argc)
				cli_usage(c, "--between needs two times");
			if (o->nbounds == 4)
				cli_usage(c, "too many bounds");
			o->bounds[o->nbounds++] = (struct bound){ ch, optarg,
			    ch == OPT_BETWEEN ? argv[optind++] : NULL };
			break;
		case OPT_TZ:
			o->tz = optarg;
			if (tm_trunc(0, TM_DAY, o->tz, &day) == -1)
				cli_usage(c, "--tz: unknown time zone '%s'",
				    o->tz);
			break;
		case OPT_PRUNED:
			o->pruned_path = optarg;
			break;
		case OPT_DROP:
			o->drop = 1;
			break;
		case 't':
			o->t.table = optarg;
			break;
		case OPT_COLUMN:
			o->t.column = optarg;
			break;
		case OPT_DRY_RUN:
			o->t.dry_run = 1;
			break;
		case 'b':
			o->t.batch = cli_num(c, "--batch", optarg, 1,
			    100000000);
			break;
		case OPT_SLEEP:
			o->t.sleep = seconds(c, "--sleep", optarg);
			break;
		case OPT_ARCHIVE:
			o->t.archive = optarg;
			break;
		case OPT_DSN:
			o->t.dsn = optarg;
			break;
		default:
			cli_usage(c, NULL);
		}
	}
}

/* The window of o->t from the bounds, in the order given. */
static void
set_window(struct cli *c, struct opts *o)
{
	struct prune_opts *t = &o->t;
	const char *why;
	int64_t now, dur;
	struct timespec ts;
	int i;

	for (i = 0; i < o->nbounds; i++)
		add_bound(c, o, &o->bounds[i]);
	if (o->older_text != NULL) {
		if (tm_duration(o->older_text, &dur, &why) == -1)
			cli_usage(c, "--older-than: '%s': %s", o->older_text,
			    why);
		if (o->now_text != NULL)
			now = parse_time(c, o, "--now", o->now_text);
		else {
			clock_gettime(CLOCK_REALTIME, &ts);
			now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
		set_bound(c, &t->hi, &t->has_hi, now - dur, "--older-than");
	} else if (o->now_text != NULL)
		cli_usage(c, "--now goes with --older-than");
	if (!t->has_lo && !t->has_hi)
		cli_usage(c, "say what to prune: --older-than, --before, "
		    "--after, --until or --between");
	if (t->has_lo && t->has_hi && (t->lo > t->hi || (t->lo == t->hi &&
	    !t->hi_incl)))
		cli_usage(c, "the window is empty: its start is not before "
		    "its end");
}

/* A bound of the window, as its option says, --tz known. */
static void
add_bound(struct cli *c, struct opts *o, const struct bound *b)
{
	struct prune_opts *t = &o->t;

	switch (b->opt) {
	case OPT_BEFORE:
		set_bound(c, &t->hi, &t->has_hi,
		    parse_time(c, o, "--before", b->a), "--before");
		break;
	case OPT_AFTER:
		set_bound(c, &t->lo, &t->has_lo,
		    parse_time(c, o, "--after", b->a), "--after");
		break;
	case OPT_UNTIL:
		set_bound(c, &t->hi, &t->has_hi,
		    parse_time(c, o, "--until", b->a), "--until");
		t->hi_incl = 1;
		break;
	default:
		set_bound(c, &t->lo, &t->has_lo,
		    parse_time(c, o, "--between", b->a), "--between");
		set_bound(c, &t->hi, &t->has_hi,
		    parse_time(c, o, "--between", b->b), "--between");
	}
}

/* A time option's value, in --tz when it has no offset. */
static int64_t
parse_time(struct cli *c, const struct opts *o, const char *flag,
    const char *s)
{
	const char *why;
	int64_t ns;

	if (tm_parse_tz(s, strlen(s), o->tz, &ns, &why) == -1)
		cli_usage(c, "%s: '%s' is not a time: %s", flag, s, why);
	return ns;
}

/* A non-negative number of seconds, fractions allowed. */
static double
seconds(struct cli *c, const char *flag, const char *s)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= 0) || v > 86400)
		cli_usage(c, "%s: '%s' is not a number of seconds", flag, s);
	return v;
}

static void
set_bound(struct cli *c, int64_t *bound, int *has, int64_t v,
    const char *flag)
{
	if (*has)
		cli_usage(c, "%s: the window already has that bound", flag);
	*bound = v;
	*has = 1;
}

/* The stream loop: kept to stdout, pruned to the side file or counted. */
static void
prune_stream(struct run *r, int argc, char **argv)
{
	struct cli *c = r->c;
	const struct opts *o = r->o;
	const struct prune_opts *t = &o->t;
	struct js_doc *d = &r->doc;
	struct js_err e;
	struct jqx *x;
	char err[256];
	int64_t ns, *n_pruned;
	int obj;

	if ((x = jqx_compile(o->time_text, err, sizeof(err))) == NULL)
		cli_usage(c, "--time '%s': %s", o->time_text, err);
	c->passed_name = "kept";
	cli_start(c, argc, argv);
	if (o->pruned_path != NULL)
		cli_open_out(c, &r->pruned, "--pruned", o->pruned_path);
	n_pruned = cli_diverted(c, o->drop ? "dropped" : "pruned");
	while (cli_next(c)) {
		if (js_scan(d, c->in.line, c->in.len, &e) == -1) {
			cli_rejectf(c, 0, "%s", js_strerror(&e, err,
			    sizeof(err)));
			continue;
		}
		obj = d->v[0].type == JS_OBJECT;
		if (jqx_time(x, d, o->tz, &ns, err, sizeof(err)) == -1) {
			cli_rejectf(c, obj, "--time: %s", err);
			continue;
		}
		if ((t->has_lo && ns < t->lo) || (t->has_hi && (t->hi_incl ?
		    ns > t->hi : ns >= t->hi))) {
			cli_pass(c, c->in.line, c->in.len);
			continue;
		}
		if (!o->drop) {
			cli_put(c, &r->pruned, c->in.line, c->in.len);
			cli_put(c, &r->pruned, "\n", 1);
		}
		(*n_pruned)++;
	}
	if (o->pruned_path != NULL)
		cli_close_out(c, &r->pruned);
	jqx_free(x);
}
