/*
 * rollup: turn events into time-bucketed aggregates, one JSON object per
 * bucket and group, or into partial states that rollup --merge combines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "cli.h"
#include "js.h"
#include "jqx.h"
#include "tm.h"
#include "rollup.h"

#define MAX_BY		16
#define MAX_AGG		64

enum {
	OPT_TIME = CLI_TOOL_BASE, OPT_PERIOD, OPT_TZ, OPT_BY, OPT_COUNT,
	OPT_DISTINCT, OPT_SUM, OPT_MIN, OPT_MAX, OPT_AVG, OPT_COUNT_BY,
	OPT_FIRST, OPT_LAST, OPT_APPROX, OPT_HLL, OPT_HLL_LOG2M,
	OPT_HLL_REGWIDTH, OPT_HLL_EXPTHRESH, OPT_HLL_SPARSE, OPT_PARTIAL,
	OPT_MERGE, OPT_SORTED
};

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "time",	required_argument,	NULL, OPT_TIME },
	{ "period",	required_argument,	NULL, OPT_PERIOD },
	{ "tz",		required_argument,	NULL, OPT_TZ },
	{ "by",		required_argument,	NULL, OPT_BY },
	{ "count",	required_argument,	NULL, OPT_COUNT },
	{ "distinct",	required_argument,	NULL, OPT_DISTINCT },
	{ "sum",	required_argument,	NULL, OPT_SUM },
	{ "min",	required_argument,	NULL, OPT_MIN },
	{ "max",	required_argument,	NULL, OPT_MAX },
	{ "avg",	required_argument,	NULL, OPT_AVG },
	{ "count-by",	required_argument,	NULL, OPT_COUNT_BY },
	{ "first",	required_argument,	NULL, OPT_FIRST },
	{ "last",	required_argument,	NULL, OPT_LAST },
	{ "approx",	no_argument,		NULL, OPT_APPROX },
	{ "hll",	no_argument,		NULL, OPT_HLL },
	{ "hll-log2m",	required_argument,	NULL, OPT_HLL_LOG2M },
	{ "hll-regwidth", required_argument,	NULL, OPT_HLL_REGWIDTH },
	{ "hll-expthresh", required_argument,	NULL, OPT_HLL_EXPTHRESH },
	{ "hll-sparse",	required_argument,	NULL, OPT_HLL_SPARSE },
	{ "partial",	no_argument,		NULL, OPT_PARTIAL },
	{ "merge",	no_argument,		NULL, OPT_MERGE },
	{ "sorted",	no_argument,		NULL, OPT_SORTED },
	{ NULL, 0, NULL, 0 }
};

static const char usage_text[] =
"usage: rollup --time EXPR --period P [--tz ZONE] [--by [NAME=]EXPR]...\n"
"              AGGREGATE... [--approx | --hll] [--hll-log2m N]\n"
"              [--hll-regwidth N] [--hll-expthresh N] [--hll-sparse 0|1]\n"
"              [--partial] [--sorted] [FILE ...]\n"
"       rollup --merge [--hll] [--partial] [--sorted] [FILE ...]\n"
"Roll JSON Lines events up into one object per time bucket and group.\n"
"  --time EXPR          jq expression giving the event's timestamp\n"
"  --period P           the bucket: minute, hour, day, week (ISO, Monday),\n"
"                       month, quarter or year\n"
"  --tz ZONE            bucket in this time zone and read times without an\n"
"                       offset in it (default UTC)\n"
"  --by [NAME=]EXPR     group by this value too (repeatable); NAME may be\n"
"                       left out when EXPR is a plain path (.a.b -> b)\n"
"Aggregates, written in the order given:\n"
"  --count NAME         number of events\n"
"  --distinct NAME=EXPR number of distinct non-null values (exact)\n"
"  --sum NAME=EXPR      sum of the numbers (integers exactly)\n"
"  --min NAME=EXPR      smallest value (jq order), --max largest\n"
"  --avg NAME=EXPR      mean of the numbers\n"
"  --count-by NAME=EXPR {value: count} of the non-null values\n"
"  --first NAME=EXPR    first non-null value in input order, --last last\n"
"Modes:\n"
"  --approx             --distinct with HyperLogLog, in postgresql-hll's\n"
"                       format (about 2.3% error with the defaults)\n"
"  --hll                --approx, and write each --distinct as the hll\n"
"                       value itself (\\x and hexadecimal) instead of the\n"
"                       estimate\n"
"  --hll-log2m N        log2 of the number of registers, 4-17 (default 11)\n"
"  --hll-regwidth N     bits per register, 1-7 (default 5)\n"
"  --hll-expthresh N    hashes kept exactly before registers: -1 (auto,\n"
"                       the default), 0 or a power of 2 up to 8192\n"
"  --hll-sparse 0|1     write few registers sparsely (default 1)\n"
"  --partial            write mergeable partial states instead\n"
"  --merge              read partial states and combine them\n"
"  --sorted             input is sorted by time: write each bucket as\n"
"                       soon as a later one starts\n";

/* What to roll up: the options, or in --merge the first partial's. */
struct spec {
	const char	*time_text;
	const char	*tz;
	struct jqx	*time_expr;
	enum tm_unit	 unit;
	int		 have_unit;
	int		 approx;
	int		 hll_out;
	int		 have_hll_params;
	int		 partial;
	int		 merge;
	int		 sorted;
	struct hll_params hll_params;
	struct {
		char		*name;
		char		*expr_text;
		struct jqx	*expr;
	}		 by[MAX_BY];
	int		 nby;
	struct agg_spec	 agg[MAX_AGG];
	int		 nagg;
};

/* A run: the groups, open-addressed by hash of (bucket, key). */
struct run {
	struct cli	*c;
	struct spec	*s;
	struct group	**tab;
	size_t		 tab_n;
	size_t		 tab_cap;
	int		 have_open;
	int64_t		 open_bucket;
	int64_t		*n_groups;
	int64_t		*peak_groups;
	int		 have_spec;	/* --merge: from the first line */
	int		 seen_distinct;	/* --merge: the first line has one */
	struct js_doc	 doc;
	struct buf	 key;
	struct buf	 out;
	struct buf	 name;
	struct buf	 cval[MAX_AGG];
	struct agg_in	 in[MAX_AGG];
	struct strtab	 keys;		/* --count-by keys, for the whole run */
	struct scratch	 scratch;
};
static void	 add_by(struct cli *, struct spec *, const char *);
static void	 add_agg(struct cli *, struct spec *, enum agg_op,
		    const char *);
static void	 check_names(struct cli *, const struct spec *);
static void	 add_record(struct run *);
static void	 merge_record(struct run *);
static int	 partial_bucket(struct run *, enum tm_unit *, int64_t *);
static int	 partial_groups(struct run *, int *);
static int	 partial_aggs(struct run *, int, int *);
static int	 bucket_open(struct run *, int64_t);
static struct group *group_get(struct run *, int64_t, const char *, size_t);
static void	 emit_all(struct run *);
static int	 split_named(const char *, char **, char **);
static char	*path_name(const char *);
static struct jqx *compile(struct cli *, const char *, const char *);

int
main(int argc, char *argv[])
{
	static struct cli c;
	static struct spec s = { .hll_params = { 11, 5, -1, 1 } };
	static struct run r = { .c = &c, .s = &s };
	struct js_err e;
	const char *bad;
	char why[160];
	int ch, i;

	cli_init(&c, "rollup", usage_text, argv);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case OPT_TIME:
			s.time_text = optarg;
			break;
		case OPT_PERIOD:
			if (tm_unit_parse(optarg, &s.unit) == -1)
				cli_usage(&c, "--period: '%s' is not minute, "
				    "hour, day, week, month, quarter or year",
				    optarg);
			s.have_unit = 1;
			break;
		case OPT_TZ:
			s.tz = optarg;
			break;
		case OPT_BY:
			add_by(&c, &s, optarg);
			break;
		case OPT_COUNT:    add_agg(&c, &s, AGG_COUNT, optarg); break;
		case OPT_DISTINCT: add_agg(&c, &s, AGG_DISTINCT, optarg); break;
		case OPT_SUM:      add_agg(&c, &s, AGG_SUM, optarg); break;
		case OPT_MIN:      add_agg(&c, &s, AGG_MIN, optarg); break;
		case OPT_MAX:      add_agg(&c, &s, AGG_MAX, optarg); break;
		case OPT_AVG:      add_agg(&c, &s, AGG_AVG, optarg); break;
		case OPT_COUNT_BY: add_agg(&c, &s, AGG_COUNT_BY, optarg); break;
		case OPT_FIRST:    add_agg(&c, &s, AGG_FIRST, optarg); break;
		case OPT_LAST:     add_agg(&c, &s, AGG_LAST, optarg); break;
		case OPT_APPROX:
			s.approx = 1;
			break;
		case OPT_HLL:
			s.hll_out = 1;
			break;
		case OPT_HLL_LOG2M:
			s.hll_params.log2m = (int)cli_num(&c, "--hll-log2m",
			    optarg, 4, 17);
			s.have_hll_params = 1;
			break;
		case OPT_HLL_REGWIDTH:
			s.hll_params.regwidth = (int)cli_num(&c,
			    "--hll-regwidth", optarg, 1, 7);
			s.have_hll_params = 1;
			break;
		case OPT_HLL_EXPTHRESH:
			s.hll_params.expthresh = cli_num(&c, "--hll-expthresh",
			    optarg, -1, 8192);
			if (hll_params_check(&s.hll_params, &bad) == -1)
				cli_usage(&c, "--hll-expthresh: %s", bad);
			s.have_hll_params = 1;
			break;
		case OPT_HLL_SPARSE:
			s.hll_params.sparse = (int)cli_num(&c, "--hll-sparse",
			    optarg, 0, 1);
			s.have_hll_params = 1;
			break;
		case OPT_PARTIAL:
			s.partial = 1;
			break;
		case OPT_MERGE:
			s.merge = 1;
			break;
		case OPT_SORTED:
			s.sorted = 1;
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	if (s.merge) {
		if (s.time_text || s.have_unit || s.tz || s.nby || s.nagg ||
		    s.approx || s.have_hll_params)
			cli_usage(&c, "--merge takes the period, groups, "
			    "aggregates and hll parameters from its partial "
			    "input");
	} else {
		s.approx |= s.hll_out;
		if (s.have_hll_params && !s.approx)
			cli_usage(&c, "the --hll-* parameters need --approx "
			    "or --hll");
		for (i = 0; i < s.nagg; i++) {
			s.agg[i].hll = s.hll_params;
			s.agg[i].hll_out = s.hll_out;
			s.agg[i].keys = &r.keys;
		}
		if (s.time_text == NULL || !s.have_unit)
			cli_usage(&c, "--time and --period are required");
		s.time_expr = compile(&c, "--time", s.time_text);
		if (tm_trunc(0, s.unit, s.tz, &r.open_bucket) == -1)
			cli_usage(&c, "--tz: unknown time zone '%s'", s.tz);
		check_names(&c, &s);
	}
	c.passed_name = "aggregated";
	buf_grow(&r.key, 256);
	cli_start(&c, argc - optind, argv + optind);
	r.n_groups = cli_counter(&c, "groups");
	r.peak_groups = cli_counter(&c, "peak_groups");
	while (cli_next(&c)) {
		if (js_scan(&r.doc, c.in.line, c.in.len, &e) == -1) {
			cli_rejectf(&c, 0, "%s", js_strerror(&e, why,
			    sizeof(why)));
			continue;
		}
		if (s.merge)
			merge_record(&r);
		else
			add_record(&r);
	}
	/*
	 * Partials of no events at all: every upstream --partial job failed
	 * (or was never run). Merging them into nothing is not a result.
	 */
	if (s.merge && c.processed == 0)
		cli_fail(&c, EX_DATAERR, "--merge: no partial records in the "
		    "input: did every rollup --partial before it fail?");
	emit_all(&r);
	return cli_finish(&c);
}

static void
add_by(struct cli *c, struct spec *s, const char *arg)
{
	char *name, *expr;

	if (s->nby == MAX_BY)
		cli_usage(c, "--by: at most %d", MAX_BY);
	if (split_named(arg, &name, &expr) == -1 &&
	    (name = path_name(arg)) == NULL)
		cli_usage(c, "--by: '%s' needs a name: --by NAME=EXPR", arg);
	s->by[s->nby].name = name;
	s->by[s->nby].expr_text = expr;
	s->by[s->nby].expr = compile(c, "--by", expr);
	s->nby++;
}

static void
add_agg(struct cli *c, struct spec *s, enum agg_op op, const char *arg)
{
	struct agg_spec *a;
	char *name, *expr;

	if (s->nagg == MAX_AGG)
		cli_usage(c, "at most %d aggregates", MAX_AGG);
	a = &s->agg[s->nagg];
	a->op = op;
	if (op == AGG_COUNT) {
		if (*arg == '\0')
			cli_usage(c, "--count: empty name");
		a->name = xstrdup(arg);
	} else {
		if (split_named(arg, &name, &expr) == -1)
			cli_usage(c, "--%s: '%s' is not NAME=EXPR",
			    agg_op_name(op, 0), arg);
		a->name = name;
		a->expr_text = expr;
		a->expr = compile(c, agg_op_name(op, 0), expr);
	}
	s->nagg++;
}

/* Output keys must be unique: the bucket, the groups, the aggregates. */
static void
check_names(struct cli *c, const struct spec *s)
{
	const char *names[1 + MAX_BY + MAX_AGG];
	int n = 0, i, j;

	names[n++] = tm_unit_name(s->unit);
	for (i = 0; i < s->nby; i++)
		names[n++] = s->by[i].name;
	for (i = 0; i < s->nagg; i++)
		names[n++] = s->agg[i].name;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "_partial") == 0)
			cli_usage(c, "'_partial' is a reserved name");
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				cli_usage(c, "output key '%s' is used twice",
				    names[i]);
	}
}

/* One event: its bucket, its group, then every aggregate's value. */
static void
add_record(struct run *r)
{
	struct cli *c = r->c;
	struct spec *s = r->s;
	struct jqx_val v;
	struct group *g;
	char err[256];
	int64_t ns, bucket;
	int rv, i, obj = r->doc.v[0].type == JS_OBJECT;

	if (jqx_time(s->time_expr, &r->doc, s->tz, &ns, err,
	    sizeof(err)) == -1) {
		cli_rejectf(c, obj, "--time: %s", err);
		return;
	}
	if (tm_trunc(ns, s->unit, s->tz, &bucket) == -1) {
		cli_rejectf(c, obj, "--time: out of range for the bucket");
		return;
	}

	buf_reset(&r->key);
	for (i = 0; i < s->nby; i++) {
		rv = jqx_eval(s->by[i].expr, &r->doc, &v, err, sizeof(err));
		if (rv == JQX_ERROR) {
			cli_rejectf(c, obj, "--by %s: %s", s->by[i].name, err);
			return;
		}
		if (rv == JQX_EMPTY)
			buf_adds(&r->key, "null");
		else
			val_canon_text(&r->key, v.type, v.text, v.len, v.str,
			    v.slen, &r->scratch);
		buf_addc(&r->key, '\n');
	}

	for (i = 0; i < s->nagg; i++) {
		struct agg_in *a = &r->in[i];

		a->present = 0;
		if (s->agg[i].expr == NULL)
			continue;
		rv = jqx_eval(s->agg[i].expr, &r->doc, &v, err, sizeof(err));
		if (rv == JQX_ERROR) {
			cli_rejectf(c, obj, "--%s %s: %s",
			    agg_op_name(s->agg[i].op, 0), s->agg[i].name, err);
			return;
		}
		if (rv == JQX_EMPTY || v.type == JS_NULL)
			continue;
		if ((s->agg[i].op == AGG_SUM || s->agg[i].op == AGG_AVG) &&
		    v.type != JS_NUMBER) {
			cli_rejectf(c, obj, "--%s %s: expected a number, "
			    "got %s", agg_op_name(s->agg[i].op, 0),
			    s->agg[i].name, js_type_name(v.type));
			return;
		}
		a->present = 1;
		a->type = v.type;
		a->str = v.str;
		a->slen = v.slen;
		buf_reset(&r->cval[i]);
		if (v.type == JS_STRING && s->agg[i].op != AGG_MIN &&
		    s->agg[i].op != AGG_MAX && s->agg[i].op != AGG_FIRST &&
		    s->agg[i].op != AGG_LAST) {
			a->text = NULL;		/* the decoded form is used */
			a->len = 0;
			continue;
		}
		val_canon_text(&r->cval[i], v.type, v.text, v.len, v.str,
		    v.slen, &r->scratch);
		a->text = r->cval[i].p;
		a->len = r->cval[i].len;
		if (v.type == JS_NUMBER) {
			a->is_int = val_parse_int(a->text, a->len,
			    &a->ival) == 0;
			buf_addc(&r->cval[i], '\0');
			a->dval = strtod(r->cval[i].p, NULL);
		}
	}

	if (bucket_open(r, bucket) == -1) {
		cli_rejectf(c, obj, "--sorted: input goes back in time to "
		    "a bucket already written");
		return;
	}
	g = group_get(r, bucket, r->key.p, r->key.len);
	for (i = 0; i < s->nagg; i++)
		agg_update(&s->agg[i], &g->st[i], &r->in[i], s->approx,
		    c->in.lineno);
	c->passed++;
}

/*
 * --sorted: a later bucket closes the open one (its groups are written);
 * an earlier one is an error. 0, or -1 when the input went back in time.
 */
static int
bucket_open(struct run *r, int64_t bucket)
{
	const struct spec *s = r->s;

	if (!s->sorted)
		return 0;
	if (r->have_open && bucket < r->open_bucket)
		return -1;
	if (r->have_open && bucket > r->open_bucket)
		emit_all(r);
	r->have_open = 1;
	r->open_bucket = bucket;
	return 0;
}

/*
 * One partial line: {"UNIT":"start", group keys..., "_partial":{NAME:
 * {OP:state}, ...}}. The first line fixes the unit, the group names and
 * the aggregates; every later line must have the same.
 */
static void
merge_record(struct run *r)
{
	struct cli *c = r->c;
	struct spec *s = r->s;
	struct group *g;
	const char *why;
	enum tm_unit u;
	int64_t bucket;
	int k, p, i, n;

	if (r->doc.v[0].type != JS_OBJECT || r->doc.v[0].n < 2) {
		cli_rejectf(c, r->doc.v[0].type == JS_OBJECT,
		    "not a rollup partial");
		return;
	}
	if (partial_bucket(r, &u, &bucket) == -1 ||
	    (p = partial_groups(r, &n)) == -1)
		return;
	if (partial_aggs(r, p, &i) == -1) {
		cli_rejectf(c, 1, "partial: aggregates differ from the first "
		    "partial's");
		return;
	}
	if (!r->have_spec) {
		s->unit = u;
		s->nby = n;
		s->nagg = i;
		r->have_spec = 1;
	}

	if (bucket_open(r, bucket) == -1) {
		cli_rejectf(c, 1, "--sorted: input goes back in time to a "
		    "bucket already written");
		return;
	}
	g = group_get(r, bucket, r->key.p, r->key.len);
	i = 0;
	for (k = p + 1; k < (int)r->doc.v[p].end;
	    k = (int)r->doc.v[k + 1].end) {
		if (agg_merge(&s->agg[i], &g->st[i], s->approx, &r->doc, k + 1,
		    &r->scratch, &why) == -1) {
			/* Earlier aggregates of this line are merged. */
			cli_fail(c, EX_DATAERR, "line %lld: partial %s: %s",
			    (long long)c->in.lineno, s->agg[i].name, why);
		}
		i++;
	}
	c->passed++;
}

/* A partial's bucket, its first member: 0, or -1 once rejected. */
static int
partial_bucket(struct run *r, enum tm_unit *u, int64_t *bucket)
{
	struct cli *c = r->c;
	const struct spec *s = r->s;
	struct buf *name = &r->name;
	const char *why;

	buf_reset(name);
	js_str(&r->doc, 1, name);
	buf_addc(name, '\0');
	if (tm_unit_parse(name->p, u) == -1 || r->doc.v[2].type != JS_STRING ||
	    (r->have_spec && *u != s->unit)) {
		cli_rejectf(c, 1, "partial: first member is not the bucket "
		    "of the first partial");
		return -1;
	}
	buf_reset(name);
	js_str(&r->doc, 2, name);
	if (tm_parse(name->p, name->len, bucket, &why) == -1) {
		cli_rejectf(c, 1, "partial: bad bucket start: %s", why);
		return -1;
	}
	return 0;
}

/*
 * A partial's group keys, up to _partial, into key (the first partial
 * names them in by[]): the index of the _partial object, with *n keys;
 * -1 once rejected.
 */
static int
partial_groups(struct run *r, int *np)
{
	struct cli *c = r->c;
	struct spec *s = r->s;
	struct buf *name = &r->name;
	int k, p = -1, n = 0;

	buf_reset(&r->key);
	for (k = (int)r->doc.v[2].end; k < (int)r->doc.v[0].end;
	    k = (int)r->doc.v[k + 1].end) {
		buf_reset(name);
		js_str(&r->doc, k, name);
		if (name->len == 8 && memcmp(name->p, "_partial", 8) == 0) {
			p = k + 1;
			break;
		}
		if (r->have_spec ? n >= s->nby ||
		    strlen(s->by[n].name) != name->len ||
		    memcmp(s->by[n].name, name->p, name->len) != 0 :
		    n == MAX_BY) {
			cli_rejectf(c, 1, "partial: group keys differ from "
			    "the first partial's");
			return -1;
		}
		if (!r->have_spec) {
			buf_addc(name, '\0');
			s->by[n].name = xstrdup(name->p);
		}
		val_canon(&r->key, &r->doc, k + 1, &r->scratch);
		buf_addc(&r->key, '\n');
		n++;
	}
	if (p < 0 || r->doc.v[p].type != JS_OBJECT ||
	    (r->have_spec && n != s->nby)) {
		cli_rejectf(c, 1, "partial: no _partial member, or "
		    "different groups");
		return -1;
	}
	*np = n;
	return p;
}

/*
 * The aggregates of the _partial object at p: the first line defines
 * them, every later one must match. 0 with *ni of them, or -1.
 */
static int
partial_aggs(struct run *r, int p, int *ni)
{
	struct cli *c = r->c;
	struct spec *s = r->s;
	struct buf *name = &r->name;
	enum agg_op op;
	int k, i = 0, ap;

	for (k = p + 1; k < (int)r->doc.v[p].end;
	    k = (int)r->doc.v[k + 1].end) {
		if (r->doc.v[k + 1].type != JS_OBJECT ||
		    r->doc.v[k + 1].n < 1 ||
		    agg_op_parse(js_text(&r->doc, k + 2) + 1,
		    r->doc.v[k + 2].len - 2, &op, &ap) == -1)
			return -1;
		buf_reset(name);
		js_str(&r->doc, k, name);
		if (r->have_spec) {
			if (i >= s->nagg || s->agg[i].op != op ||
			    (op == AGG_DISTINCT && ap != s->approx) ||
			    strlen(s->agg[i].name) != name->len ||
			    memcmp(s->agg[i].name, name->p, name->len) != 0)
				return -1;
		} else {
			if (i == MAX_AGG || (op == AGG_DISTINCT &&
			    r->seen_distinct && s->approx != ap))
				return -1;
			buf_addc(name, '\0');
			s->agg[i].name = xstrdup(name->p);
			s->agg[i].op = op;
			s->agg[i].keys = &r->keys;
			if (op == AGG_DISTINCT) {
				s->approx = ap;
				r->seen_distinct = 1;
				if (s->hll_out && !ap)
					cli_fail(c, EX_DATAERR, "--hll: "
					    "--distinct %s is exact in the "
					    "partials, not an hll",
					    s->agg[i].name);
				s->agg[i].hll_out = s->hll_out;
			}
		}
		i++;
	}
	if (r->have_spec && i != s->nagg)
		return -1;
	*ni = i;
	return 0;
}

static struct group *
group_get(struct run *r, int64_t bucket, const char *k, size_t klen)
{
	const struct spec *s = r->s;
	struct group *g, **old;
	uint64_t h = XXH3_64bits_withSeed(k, klen, (uint64_t)bucket);
	size_t i, j, mask, oldcap;

	if ((r->tab_n + 1) * 10 > r->tab_cap * 7) {
		old = r->tab;
		oldcap = r->tab_cap;
		r->tab_cap = r->tab_cap ? r->tab_cap * 2 : 1024;
		r->tab = xcalloc(r->tab_cap, sizeof(*r->tab));
		for (j = 0; j < oldcap; j++) {
			if (old[j] == NULL)
				continue;
			for (i = old[j]->hash & (r->tab_cap - 1);
			    r->tab[i] != NULL; i = (i + 1) & (r->tab_cap - 1))
				;
			r->tab[i] = old[j];
		}
		free(old);
	}
	mask = r->tab_cap - 1;
	for (i = h & mask; (g = r->tab[i]) != NULL; i = (i + 1) & mask)
		if (g->hash == h && g->bucket == bucket && g->keylen == klen &&
		    memcmp(g->key, k, klen) == 0)
			return g;
	g = xmalloc(sizeof(*g) + (size_t)s->nagg * sizeof(union agg_state) +
	    klen);
	g->hash = h;
	g->bucket = bucket;
	g->key = (char *)&g->st[s->nagg];
	g->keylen = klen;
	memcpy(g->key, k, klen);
	for (j = 0; j < (size_t)s->nagg; j++)
		agg_init(&s->agg[j], &g->st[j], s->approx);
	r->tab[i] = g;
	if ((int64_t)++r->tab_n > *r->peak_groups)
		*r->peak_groups = (int64_t)r->tab_n;
	return g;
}

/* Order: bucket, then each group value in jq's order. */
static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = *(struct group * const *)a;
	const struct group *y = *(struct group * const *)b;
	const char *p = x->key, *q = y->key, *pe, *qe;
	int r;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	while (p < x->key + x->keylen && q < y->key + y->keylen) {
		pe = memchr(p, '\n', (size_t)(x->key + x->keylen - p));
		qe = memchr(q, '\n', (size_t)(y->key + y->keylen - q));
		if ((r = val_cmp(p, (size_t)(pe - p), q, (size_t)(qe - q))))
			return r;
		p = pe + 1;
		q = qe + 1;
	}
	return 0;
}

/* Write every group in order, then forget them all. */
static void
emit_all(struct run *r)
{
	struct cli *c = r->c;
	const struct spec *s = r->s;
	struct buf *out = &r->out;
	char ts[64];
	const char *p, *pe;
	struct group *g;
	size_t i, n = 0;
	int k;

	if (r->tab_n == 0)
		return;
	for (i = 0; i < r->tab_cap; i++)
		if (r->tab[i] != NULL)
			r->tab[n++] = r->tab[i];
	qsort(r->tab, n, sizeof(*r->tab), cmp_group);
	for (i = 0; i < n; i++) {
		g = r->tab[i];
		buf_reset(out);
		buf_adds(out, "{");
		buf_add_jstr(out, tm_unit_name(s->unit),
		    strlen(tm_unit_name(s->unit)));
		buf_addc(out, ':');
		buf_add_jstr(out, ts, tm_format(g->bucket, ts, sizeof(ts)));
		p = g->key;
		for (k = 0; k < s->nby; k++) {
			pe = memchr(p, '\n', (size_t)(g->key + g->keylen - p));
			buf_addc(out, ',');
			buf_add_jstr(out, s->by[k].name, strlen(s->by[k].name));
			buf_addc(out, ':');
			buf_add(out, p, (size_t)(pe - p));
			p = pe + 1;
		}
		if (s->partial)
			buf_adds(out, ",\"_partial\":{");
		for (k = 0; k < s->nagg; k++) {
			if (k > 0 || !s->partial)
				buf_addc(out, ',');
			buf_add_jstr(out, s->agg[k].name,
			    strlen(s->agg[k].name));
			buf_addc(out, ':');
			if (s->partial)
				agg_partial(&s->agg[k], &g->st[k], s->approx,
				    out);
			else
				agg_final(&s->agg[k], &g->st[k], s->approx,
				    out);
			agg_free(&s->agg[k], &g->st[k], s->approx);
		}
		buf_adds(out, s->partial ? "}}\n" : "}\n");
		cli_write(c, out->p, out->len);
		free(g);
	}
	memset(r->tab, 0, r->tab_cap * sizeof(*r->tab));
	*r->n_groups += (int64_t)n;
	r->tab_n = 0;
	/* --sorted: a closed bucket is visible downstream right away. */
	if (s->sorted && rec_flush(&c->out) == -1) {
		if (errno == EPIPE)
			_exit(0);
		cli_fail(c, EX_IOERR, "stdout: write error: %s",
		    strerror(errno));
	}
}

/*
 * "NAME=EXPR": NAME is letters, digits, '_' and '-', then a single '='.
 * 0 with both parts allocated, or -1 (and *expr the whole argument).
 */
static int
split_named(const char *arg, char **name, char **expr)
{
	size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	*expr = xstrdup(arg);
	if (n == 0 || arg[n] != '=' || arg[n + 1] == '=' || arg[n + 1] == '\0')
		return -1;
	free(*expr);
	*name = xstrdup(arg);
	(*name)[n] = '\0';
	*expr = xstrdup(arg + n + 1);
	return 0;
}

/* The name of a plain path's last member (.properties.tool -> tool). */
static char *
path_name(const char *expr)
{
	const char *p = expr, *last = NULL;
	size_t n;

	while (*p == '.') {
		p++;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (n == 0 || (*p >= '0' && *p <= '9'))
			return NULL;
		last = p;
		p += n;
	}
	if (*p != '\0' || last == NULL)
		return NULL;
	return xstrdup(last);
}

static struct jqx *
compile(struct cli *c, const char *flag, const char *expr)
{
	struct jqx *x;
	char err[256];

	if ((x = jqx_compile(expr, err, sizeof(err))) == NULL)
		cli_usage(c, "%s '%s': %s", flag, expr, err);
	return x;
}
