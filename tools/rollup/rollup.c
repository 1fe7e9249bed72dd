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

static struct cli c;
static const char *time_text, *tz;
static struct jqx *time_expr;
static enum tm_unit unit;
static int have_unit, approx, hll_out, have_hll_params, partial, merge,
    sorted;
static struct hll_params hll_params = { 11, 5, -1, 1 };
static struct { char *name; char *expr_text; struct jqx *expr; } by[MAX_BY];
static int nby;
static struct agg_spec agg[MAX_AGG];
static int nagg;

/* The groups: open-addressed by hash of (bucket, key). */
static struct group **tab;
static size_t tab_n, tab_cap;
static int have_open;
static int64_t open_bucket;
static int64_t *n_groups, *peak_groups;
static int have_spec;		/* --merge: spec taken from the first line */

static struct js_doc doc;
static struct buf key, out, cval[MAX_AGG];
static struct agg_in in[MAX_AGG];

static void	 add_by(const char *);
static void	 add_agg(enum agg_op, const char *);
static void	 check_names(void);
static void	 add_record(void);
static void	 merge_record(void);
static int	 partial_bucket(struct buf *, enum tm_unit *, int64_t *);
static int	 partial_groups(struct buf *, int *);
static int	 partial_aggs(struct buf *, int, int *);
static int	 bucket_open(int64_t);
static struct group *group_get(int64_t, const char *, size_t);
static void	 emit_all(void);
static int	 split_named(const char *, char **, char **);
static char	*path_name(const char *);
static struct jqx *compile(const char *, const char *);

int
main(int argc, char *argv[])
{
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
			time_text = optarg;
			break;
		case OPT_PERIOD:
			if (tm_unit_parse(optarg, &unit) == -1)
				cli_usage(&c, "--period: '%s' is not minute, "
				    "hour, day, week, month, quarter or year",
				    optarg);
			have_unit = 1;
			break;
		case OPT_TZ:
			tz = optarg;
			break;
		case OPT_BY:
			add_by(optarg);
			break;
		case OPT_COUNT:    add_agg(AGG_COUNT, optarg); break;
		case OPT_DISTINCT: add_agg(AGG_DISTINCT, optarg); break;
		case OPT_SUM:      add_agg(AGG_SUM, optarg); break;
		case OPT_MIN:      add_agg(AGG_MIN, optarg); break;
		case OPT_MAX:      add_agg(AGG_MAX, optarg); break;
		case OPT_AVG:      add_agg(AGG_AVG, optarg); break;
		case OPT_COUNT_BY: add_agg(AGG_COUNT_BY, optarg); break;
		case OPT_FIRST:    add_agg(AGG_FIRST, optarg); break;
		case OPT_LAST:     add_agg(AGG_LAST, optarg); break;
		case OPT_APPROX:
			approx = 1;
			break;
		case OPT_HLL:
			hll_out = 1;
			break;
		case OPT_HLL_LOG2M:
			hll_params.log2m = (int)cli_num(&c, "--hll-log2m",
			    optarg, 4, 17);
			have_hll_params = 1;
			break;
		case OPT_HLL_REGWIDTH:
			hll_params.regwidth = (int)cli_num(&c,
			    "--hll-regwidth", optarg, 1, 7);
			have_hll_params = 1;
			break;
		case OPT_HLL_EXPTHRESH:
			hll_params.expthresh = cli_num(&c, "--hll-expthresh",
			    optarg, -1, 8192);
			if (hll_params_check(&hll_params, &bad) == -1)
				cli_usage(&c, "--hll-expthresh: %s", bad);
			have_hll_params = 1;
			break;
		case OPT_HLL_SPARSE:
			hll_params.sparse = (int)cli_num(&c, "--hll-sparse",
			    optarg, 0, 1);
			have_hll_params = 1;
			break;
		case OPT_PARTIAL:
			partial = 1;
			break;
		case OPT_MERGE:
			merge = 1;
			break;
		case OPT_SORTED:
			sorted = 1;
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	if (merge) {
		if (time_text || have_unit || tz || nby || nagg || approx ||
		    have_hll_params)
			cli_usage(&c, "--merge takes the period, groups, "
			    "aggregates and hll parameters from its partial "
			    "input");
	} else {
		approx |= hll_out;
		if (have_hll_params && !approx)
			cli_usage(&c, "the --hll-* parameters need --approx "
			    "or --hll");
		for (i = 0; i < nagg; i++) {
			agg[i].hll = hll_params;
			agg[i].hll_out = hll_out;
		}
		if (time_text == NULL || !have_unit)
			cli_usage(&c, "--time and --period are required");
		time_expr = compile("--time", time_text);
		if (tm_trunc(0, unit, tz, &open_bucket) == -1)
			cli_usage(&c, "--tz: unknown time zone '%s'", tz);
		check_names();
	}
	c.passed_name = "aggregated";
	buf_grow(&key, 256);
	cli_start(&c, argc - optind, argv + optind);
	n_groups = cli_counter(&c, "groups");
	peak_groups = cli_counter(&c, "peak_groups");
	while (cli_next(&c)) {
		if (js_scan(&doc, c.in.line, c.in.len, &e) == -1) {
			cli_rejectf(&c, 0, "%s", js_strerror(&e, why,
			    sizeof(why)));
			continue;
		}
		if (merge)
			merge_record();
		else
			add_record();
	}
	/*
	 * Partials of no events at all: every upstream --partial job failed
	 * (or was never run). Merging them into nothing is not a result.
	 */
	if (merge && c.processed == 0)
		cli_fail(&c, EX_DATAERR, "--merge: no partial records in the "
		    "input: did every rollup --partial before it fail?");
	emit_all();
	return cli_finish(&c);
}

static void
add_by(const char *arg)
{
	char *name, *expr;

	if (nby == MAX_BY)
		cli_usage(&c, "--by: at most %d", MAX_BY);
	if (split_named(arg, &name, &expr) == -1 &&
	    (name = path_name(arg)) == NULL)
		cli_usage(&c, "--by: '%s' needs a name: --by NAME=EXPR", arg);
	by[nby].name = name;
	by[nby].expr_text = expr;
	by[nby].expr = compile("--by", expr);
	nby++;
}

static void
add_agg(enum agg_op op, const char *arg)
{
	struct agg_spec *a;
	char *name, *expr;

	if (nagg == MAX_AGG)
		cli_usage(&c, "at most %d aggregates", MAX_AGG);
	a = &agg[nagg];
	a->op = op;
	if (op == AGG_COUNT) {
		if (*arg == '\0')
			cli_usage(&c, "--count: empty name");
		a->name = xstrdup(arg);
	} else {
		if (split_named(arg, &name, &expr) == -1)
			cli_usage(&c, "--%s: '%s' is not NAME=EXPR",
			    agg_op_name(op, 0), arg);
		a->name = name;
		a->expr_text = expr;
		a->expr = compile(agg_op_name(op, 0), expr);
	}
	nagg++;
}

/* Output keys must be unique: the bucket, the groups, the aggregates. */
static void
check_names(void)
{
	const char *names[1 + MAX_BY + MAX_AGG];
	int n = 0, i, j;

	names[n++] = tm_unit_name(unit);
	for (i = 0; i < nby; i++)
		names[n++] = by[i].name;
	for (i = 0; i < nagg; i++)
		names[n++] = agg[i].name;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "_partial") == 0)
			cli_usage(&c, "'_partial' is a reserved name");
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				cli_usage(&c, "output key '%s' is used twice",
				    names[i]);
	}
}

/* One event: its bucket, its group, then every aggregate's value. */
static void
add_record(void)
{
	struct jqx_val v;
	struct group *g;
	char err[256];
	int64_t ns, bucket;
	int r, i, obj = doc.v[0].type == JS_OBJECT;

	if (jqx_time(time_expr, &doc, tz, &ns, err, sizeof(err)) == -1) {
		cli_rejectf(&c, obj, "--time: %s", err);
		return;
	}
	if (tm_trunc(ns, unit, tz, &bucket) == -1) {
		cli_rejectf(&c, obj, "--time: out of range for the bucket");
		return;
	}

	buf_reset(&key);
	for (i = 0; i < nby; i++) {
		r = jqx_eval(by[i].expr, &doc, &v, err, sizeof(err));
		if (r == JQX_ERROR) {
			cli_rejectf(&c, obj, "--by %s: %s", by[i].name, err);
			return;
		}
		if (r == JQX_EMPTY)
			buf_adds(&key, "null");
		else
			val_canon_text(&key, v.type, v.text, v.len, v.str,
			    v.slen);
		buf_addc(&key, '\n');
	}

	for (i = 0; i < nagg; i++) {
		struct agg_in *a = &in[i];

		a->present = 0;
		if (agg[i].expr == NULL)
			continue;
		r = jqx_eval(agg[i].expr, &doc, &v, err, sizeof(err));
		if (r == JQX_ERROR) {
			cli_rejectf(&c, obj, "--%s %s: %s",
			    agg_op_name(agg[i].op, 0), agg[i].name, err);
			return;
		}
		if (r == JQX_EMPTY || v.type == JS_NULL)
			continue;
		if ((agg[i].op == AGG_SUM || agg[i].op == AGG_AVG) &&
		    v.type != JS_NUMBER) {
			cli_rejectf(&c, obj, "--%s %s: expected a number, "
			    "got %s", agg_op_name(agg[i].op, 0), agg[i].name,
			    js_type_name(v.type));
			return;
		}
		a->present = 1;
		a->type = v.type;
		a->str = v.str;
		a->slen = v.slen;
		buf_reset(&cval[i]);
		if (v.type == JS_STRING && agg[i].op != AGG_MIN &&
		    agg[i].op != AGG_MAX && agg[i].op != AGG_FIRST &&
		    agg[i].op != AGG_LAST) {
			a->text = NULL;		/* the decoded form is used */
			a->len = 0;
			continue;
		}
		val_canon_text(&cval[i], v.type, v.text, v.len, v.str, v.slen);
		a->text = cval[i].p;
		a->len = cval[i].len;
		if (v.type == JS_NUMBER) {
			a->is_int = val_parse_int(a->text, a->len,
			    &a->ival) == 0;
			buf_addc(&cval[i], '\0');
			a->dval = strtod(cval[i].p, NULL);
		}
	}

	if (bucket_open(bucket) == -1) {
		cli_rejectf(&c, obj, "--sorted: input goes back in time to "
		    "a bucket already written");
		return;
	}
	g = group_get(bucket, key.p, key.len);
	for (i = 0; i < nagg; i++)
		agg_update(&agg[i], &g->st[i], &in[i], approx, c.in.lineno);
	c.passed++;
}

/*
 * --sorted: a later bucket closes the open one (its groups are written);
 * an earlier one is an error. 0, or -1 when the input went back in time.
 */
static int
bucket_open(int64_t bucket)
{
	if (!sorted)
		return 0;
	if (have_open && bucket < open_bucket)
		return -1;
	if (have_open && bucket > open_bucket)
		emit_all();
	have_open = 1;
	open_bucket = bucket;
	return 0;
}

/*
 * One partial line: {"UNIT":"start", group keys..., "_partial":{NAME:
 * {OP:state}, ...}}. The first line fixes the unit, the group names and
 * the aggregates; every later line must have the same.
 */
static void
merge_record(void)
{
	static struct buf name;
	struct group *g;
	const char *why;
	enum tm_unit u;
	int64_t bucket;
	int k, p, i, n;

	if (doc.v[0].type != JS_OBJECT || doc.v[0].n < 2) {
		cli_rejectf(&c, doc.v[0].type == JS_OBJECT,
		    "not a rollup partial");
		return;
	}
	if (partial_bucket(&name, &u, &bucket) == -1 ||
	    (p = partial_groups(&name, &n)) == -1)
		return;
	if (partial_aggs(&name, p, &i) == -1) {
		cli_rejectf(&c, 1, "partial: aggregates differ from the first "
		    "partial's");
		return;
	}
	if (!have_spec) {
		unit = u;
		nby = n;
		nagg = i;
		have_spec = 1;
	}

	if (bucket_open(bucket) == -1) {
		cli_rejectf(&c, 1, "--sorted: input goes back in time to a "
		    "bucket already written");
		return;
	}
	g = group_get(bucket, key.p, key.len);
	i = 0;
	for (k = p + 1; k < (int)doc.v[p].end; k = (int)doc.v[k + 1].end) {
		if (agg_merge(&agg[i], &g->st[i], approx, &doc, k + 1,
		    &why) == -1) {
			/* Earlier aggregates of this line are merged. */
			cli_fail(&c, EX_DATAERR, "line %lld: partial %s: %s",
			    (long long)c.in.lineno, agg[i].name, why);
		}
		i++;
	}
	c.passed++;
}

/* A partial's bucket, its first member: 0, or -1 once rejected. */
static int
partial_bucket(struct buf *name, enum tm_unit *u, int64_t *bucket)
{
	const char *why;

	buf_reset(name);
	js_str(&doc, 1, name);
	buf_addc(name, '\0');
	if (tm_unit_parse(name->p, u) == -1 || doc.v[2].type != JS_STRING ||
	    (have_spec && *u != unit)) {
		cli_rejectf(&c, 1, "partial: first member is not the bucket "
		    "of the first partial");
		return -1;
	}
	buf_reset(name);
	js_str(&doc, 2, name);
	if (tm_parse(name->p, name->len, bucket, &why) == -1) {
		cli_rejectf(&c, 1, "partial: bad bucket start: %s", why);
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
partial_groups(struct buf *name, int *np)
{
	int k, p = -1, n = 0;

	buf_reset(&key);
	for (k = (int)doc.v[2].end; k < (int)doc.v[0].end;
	    k = (int)doc.v[k + 1].end) {
		buf_reset(name);
		js_str(&doc, k, name);
		if (name->len == 8 && memcmp(name->p, "_partial", 8) == 0) {
			p = k + 1;
			break;
		}
		if (have_spec ? n >= nby || strlen(by[n].name) != name->len ||
		    memcmp(by[n].name, name->p, name->len) != 0 : n == MAX_BY) {
			cli_rejectf(&c, 1, "partial: group keys differ from "
			    "the first partial's");
			return -1;
		}
		if (!have_spec) {
			buf_addc(name, '\0');
			by[n].name = xstrdup(name->p);
		}
		val_canon(&key, &doc, k + 1);
		buf_addc(&key, '\n');
		n++;
	}
	if (p < 0 || doc.v[p].type != JS_OBJECT || (have_spec && n != nby)) {
		cli_rejectf(&c, 1, "partial: no _partial member, or "
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
partial_aggs(struct buf *name, int p, int *ni)
{
	static int seen_distinct;
	enum agg_op op;
	int k, i = 0, ap;

	for (k = p + 1; k < (int)doc.v[p].end; k = (int)doc.v[k + 1].end) {
		if (doc.v[k + 1].type != JS_OBJECT || doc.v[k + 1].n < 1 ||
		    agg_op_parse(js_text(&doc, k + 2) + 1,
		    doc.v[k + 2].len - 2, &op, &ap) == -1)
			return -1;
		buf_reset(name);
		js_str(&doc, k, name);
		if (have_spec) {
			if (i >= nagg || agg[i].op != op ||
			    (op == AGG_DISTINCT && ap != approx) ||
			    strlen(agg[i].name) != name->len ||
			    memcmp(agg[i].name, name->p, name->len) != 0)
				return -1;
		} else {
			if (i == MAX_AGG || (op == AGG_DISTINCT &&
			    seen_distinct && approx != ap))
				return -1;
			buf_addc(name, '\0');
			agg[i].name = xstrdup(name->p);
			agg[i].op = op;
			if (op == AGG_DISTINCT) {
				approx = ap;
				seen_distinct = 1;
				if (hll_out && !ap)
					cli_fail(&c, EX_DATAERR, "--hll: "
					    "--distinct %s is exact in the "
					    "partials, not an hll", agg[i].name);
				agg[i].hll_out = hll_out;
			}
		}
		i++;
	}
	if (have_spec && i != nagg)
		return -1;
	*ni = i;
	return 0;
}

static struct group *
group_get(int64_t bucket, const char *k, size_t klen)
{
	struct group *g, **old;
	uint64_t h = XXH3_64bits_withSeed(k, klen, (uint64_t)bucket);
	size_t i, j, mask, oldcap;

	if ((tab_n + 1) * 10 > tab_cap * 7) {
		old = tab;
		oldcap = tab_cap;
		tab_cap = tab_cap ? tab_cap * 2 : 1024;
		tab = xcalloc(tab_cap, sizeof(*tab));
		for (j = 0; j < oldcap; j++) {
			if (old[j] == NULL)
				continue;
			for (i = old[j]->hash & (tab_cap - 1); tab[i] != NULL;
			    i = (i + 1) & (tab_cap - 1))
				;
			tab[i] = old[j];
		}
		free(old);
	}
	mask = tab_cap - 1;
	for (i = h & mask; (g = tab[i]) != NULL; i = (i + 1) & mask)
		if (g->hash == h && g->bucket == bucket && g->keylen == klen &&
		    memcmp(g->key, k, klen) == 0)
			return g;
	g = xmalloc(sizeof(*g) + (size_t)nagg * sizeof(union agg_state) +
	    klen);
	g->hash = h;
	g->bucket = bucket;
	g->key = (char *)&g->st[nagg];
	g->keylen = klen;
	memcpy(g->key, k, klen);
	for (j = 0; j < (size_t)nagg; j++)
		agg_init(&agg[j], &g->st[j], approx);
	tab[i] = g;
	if ((int64_t)++tab_n > *peak_groups)
		*peak_groups = (int64_t)tab_n;
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
emit_all(void)
{
	char ts[64];
	const char *p, *pe;
	struct group *g;
	size_t i, n = 0;
	int k;

	if (tab_n == 0)
		return;
	for (i = 0; i < tab_cap; i++)
		if (tab[i] != NULL)
			tab[n++] = tab[i];
	qsort(tab, n, sizeof(*tab), cmp_group);
	for (i = 0; i < n; i++) {
		g = tab[i];
		buf_reset(&out);
		buf_adds(&out, "{");
		buf_add_jstr(&out, tm_unit_name(unit),
		    strlen(tm_unit_name(unit)));
		buf_addc(&out, ':');
		buf_add_jstr(&out, ts, tm_format(g->bucket, ts, sizeof(ts)));
		p = g->key;
		for (k = 0; k < nby; k++) {
			pe = memchr(p, '\n', (size_t)(g->key + g->keylen - p));
			buf_addc(&out, ',');
			buf_add_jstr(&out, by[k].name, strlen(by[k].name));
			buf_addc(&out, ':');
			buf_add(&out, p, (size_t)(pe - p));
			p = pe + 1;
		}
		if (partial)
			buf_adds(&out, ",\"_partial\":{");
		for (k = 0; k < nagg; k++) {
			if (k > 0 || !partial)
				buf_addc(&out, ',');
			buf_add_jstr(&out, agg[k].name, strlen(agg[k].name));
			buf_addc(&out, ':');
			if (partial)
				agg_partial(&agg[k], &g->st[k], approx, &out);
			else
				agg_final(&agg[k], &g->st[k], approx, &out);
			agg_free(&agg[k], &g->st[k], approx);
		}
		buf_adds(&out, partial ? "}}\n" : "}\n");
		cli_write(&c, out.p, out.len);
		free(g);
	}
	memset(tab, 0, tab_cap * sizeof(*tab));
	*n_groups += (int64_t)n;
	tab_n = 0;
	/* --sorted: a closed bucket is visible downstream right away. */
	if (sorted && rec_flush(&c.out) == -1) {
		if (errno == EPIPE)
			_exit(0);
		cli_fail(&c, EX_IOERR, "stdout: write error: %s",
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
compile(const char *flag, const char *expr)
{
	struct jqx *x;
	char err[256];

	if ((x = jqx_compile(expr, err, sizeof(err))) == NULL)
		cli_usage(&c, "%s '%s': %s", flag, expr, err);
	return x;
}
