/*
 * chunk: split a record stream into files for parallel loading, never
 * cutting a record. By count (-l), size (--bytes), round-robin (-n), time
 * period (--time --period), value (--by) or key hash (--shards --key).
 * Each completed chunk is renamed from a temp name and its path printed,
 * or handed to --exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "chunk.h"
#include "cli.h"
#include "csv.h"
#include "jqx.h"
#include "js.h"
#include "tm.h"

/* By size (-l, --bytes), round-robin (-n), key hash, time period, value. */
enum mode { M_SIZE, M_ROUND, M_SHARDS, M_PERIOD, M_VALUE };

enum {
	OPT_PREFIX = CLI_TOOL_BASE, OPT_SUFFIX, OPT_DIGITS, OPT_EXEC,
	OPT_MAX_OPEN, OPT_FSYNC, OPT_BY, OPT_TIME, OPT_PERIOD, OPT_TZ, OPT_SHARDS,
	OPT_CSV, OPT_NO_HEADER, OPT_BYTES, OPT_COMPRESS
};

static const char usage[] =
"usage: chunk -l N | --bytes SIZE | -n K | --by EXPR | --time EXPR --period P\n"
"             | --shards K -k EXPR [-o DIR] [--prefix STR] [--suffix STR]\n"
"             [--csv [--no-header]] [--compress zstd|gzip] [--exec CMD [-j N]]\n"
"             [-0] [options] [FILE ...]\n"
"Split JSON Lines (or CSV) into files, never cutting a record; print each\n"
"completed file's path on stdout.\n"
"  -l, --lines N           N records per chunk\n"
"      --bytes SIZE        at most SIZE bytes per chunk (64K, 16M, 1G), cut\n"
"                          at record boundaries; with -l, whichever is first\n"
"  -n, --number K          K chunks, records dealt round-robin\n"
"      --by EXPR           one chunk per value of the jq expression EXPR\n"
"      --time EXPR         with --period: the jq expression of a record's\n"
"                          time\n"
"      --period P          one chunk per minute, hour, day, week (ISO),\n"
"                          month, quarter or year of --time\n"
"      --tz ZONE           with --period: periods of this time zone, and\n"
"                          times without an offset read in it\n"
"                          (default UTC)\n"
"      --shards K          K chunks by the xxh3 hash of the --key value\n"
"  -k, --key EXPR          the jq expression --shards hashes\n"
"  -o, --output-dir DIR    write chunks in DIR (created if missing)\n"
"      --prefix STR        name prefix (default \"part-\", none with --by\n"
"                          or --period)\n"
"      --suffix STR        name suffix (default \".jsonl\", \".csv\" with --csv)\n"
"      --digits N          digits of the chunk number (default 5)\n"
"      --compress zstd|gzip\n"
"                          write compressed chunks (suffix .jsonl.zst,\n"
"                          .csv.gz, ...); -l and --bytes count the records'\n"
"                          own bytes\n"
"      --csv               the input is CSV (RFC 4180) whose first row is a\n"
"                          header, written at the top of every chunk; with\n"
"                          -l, --bytes and -n only\n"
"      --no-header         with --csv: the first row is data\n"
"  -d, --delimiter DELIM   with --csv: field delimiter (default ,; tab or \\t)\n"
"      --exec CMD          run CMD for each completed chunk, {} = its path\n"
"                          (split into words, no shell); nothing on stdout\n"
"  -j, --jobs N            with --exec: N commands at once (default: CPUs)\n"
"  -0, --null              end each printed path with NUL, not newline\n"
"      --max-open N        chunk files held open at once (default 64)\n"
"      --fsync             fsync each chunk before renaming it\n";

/* The default --suffix, by --csv and then by enum rec_codec. */
static const char *const suffixes[2][3] = {
	{ ".jsonl", ".jsonl.gz", ".jsonl.zst" },
	{ ".csv", ".csv.gz", ".csv.zst" }
};

/* The command line, checked. */
struct opts {
	enum mode	 mode;
	int64_t		 lines_per;	/* -l */
	uint64_t	 bytes_per;	/* --bytes */
	int64_t		 nround;	/* -n */
	int64_t		 nshards;	/* --shards */
	int64_t		 nslots;	/* -n or --shards: K */
	const char	*by_expr;	/* --by, or --time with --period */
	const char	*time_expr;	/* --time */
	const char	*key_expr;	/* --key */
	const char	*period;	/* --period */
	enum tm_unit	 unit;		/* of --period */
	const char	*tz;		/* --tz; NULL for UTC */
	const char	*prefix;
	const char	*suffix;
	int		 digits;
	int		 csv;		/* --csv */
	int		 no_header;	/* --no-header */
	int		 header;	/* --csv without --no-header */
	int		 delim;		/* -d */
	const char	*delim_arg;
	const char	*exec_cmd;
	int64_t		 jobs;		/* -j */
	char		 sep;		/* -0: NUL, else newline */
	const char	*dir;		/* -o as given */
	size_t		 max_open;
	int		 sync;		/* --fsync */
	enum rec_codec	 codec;		/* --compress */
};

/* One run: the options, the input, the chunks, the --exec commands. */
struct state {
	struct cli	 c;
	struct opts	 o;
	char		*out_dir;	/* -o without trailing slashes */
	struct chunks	 set;
	struct runner	 run;
	struct jqx	*expr;		/* --by, --time or --key, compiled */
	struct js_doc	 doc;
	struct buf	 name;		/* the chunk name being built */
	struct out	*cur;		/* -l, --bytes: the chunk being filled */
	struct out	**slots;	/* -n, --shards: the K chunks */
	int64_t		 seq;		/* chunks started / records dealt */
	int64_t		 last_start;	/* --period: the last record's period */
	struct out	*last_out;	/* and its chunk */
	struct csv	 csv;
	const char	*last_eol;	/* --csv: the last line end read */
	int		 header_read;	/* of the operand being read */
	int		 warned;	/* about --digits */
	int		 list_closed;	/* stdout gone: chunks go on */
};

static void		 parse_options(struct state *, int, char **);
static void		 check_options(struct state *);
static void		 setup(struct state *);
static int		 next_record(struct state *, const char **, size_t *,
			    const char **);
static int		 next_csv(struct state *, const char **, size_t *,
			    const char **);
static void		 keep_header(struct state *, const char *);
static struct out	*route(struct state *, const char *, size_t);
static struct out	*route_key(struct state *, const char *, size_t);
static struct out	*slot(struct state *, int64_t);
static void		 period_name(const struct opts *, struct buf *, int64_t);
static char		*numbered(struct state *, int64_t);
static void		 done(void *, char *);
static void		 cleanup(void *);

int
main(int argc, char *argv[])
{
	struct state s;
	const struct opts *o = &s.o;
	const char *rec, *eol;
	size_t raw;
	struct out *out;
	int r;

	memset(&s, 0, sizeof(s));
	cli_init(&s.c, "chunk", usage, argv);
	s.c.unit = "records";
	s.c.passed_name = "written";
	s.c.cleanup = cleanup;
	s.c.cleanup_arg = &s;
	s.c.release = chunks_release;
	s.c.release_arg = &s.set;
	parse_options(&s, argc, argv);
	check_options(&s);
	cli_start(&s.c, argc - optind, argv + optind);
	setup(&s);

	while (next_record(&s, &rec, &raw, &eol)) {
		if ((out = route(&s, rec, raw + strlen(eol))) == NULL)
			continue;
		chunk_put(&s.set, out, rec, raw, eol);
		s.c.passed++;
		if (out == s.cur && ((o->lines_per &&
		    out->records >= o->lines_per) || (o->bytes_per &&
		    out->bytes >= o->bytes_per))) {
			done(&s, chunk_finish(&s.set, s.cur));
			s.cur = NULL;
		}
	}
	if (s.cur != NULL)
		done(&s, chunk_finish(&s.set, s.cur));
	s.cur = NULL;
	chunks_finish_all(&s.set, done, &s);
	if (o->exec_cmd != NULL)
		exec_wait_all(&s.run, 0);
	r = cli_finish(&s.c);
	if (r == 0 && s.run.failed != NULL && *s.run.failed > 0)
		r = 1;
	cleanup(&s);
	return r;
}

/* The option table, then one case per option and the checks: flat. */
static void
parse_options(struct state *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "lines",	required_argument,	NULL, 'l' },
		{ "bytes",	required_argument,	NULL, OPT_BYTES },
		{ "number",	required_argument,	NULL, 'n' },
		{ "output-dir",	required_argument,	NULL, 'o' },
		{ "prefix",	required_argument,	NULL, OPT_PREFIX },
		{ "suffix",	required_argument,	NULL, OPT_SUFFIX },
		{ "digits",	required_argument,	NULL, OPT_DIGITS },
		{ "exec",	required_argument,	NULL, OPT_EXEC },
		{ "jobs",	required_argument,	NULL, 'j' },
		{ "null",	no_argument,		NULL, '0' },
		{ "max-open",	required_argument,	NULL, OPT_MAX_OPEN },
		{ "fsync",	no_argument,		NULL, OPT_FSYNC },
		{ "by",		required_argument,	NULL, OPT_BY },
		{ "time",	required_argument,	NULL, OPT_TIME },
		{ "period",	required_argument,	NULL, OPT_PERIOD },
		{ "tz",		required_argument,	NULL, OPT_TZ },
		{ "shards",	required_argument,	NULL, OPT_SHARDS },
		{ "key",	required_argument,	NULL, 'k' },
		{ "csv",	no_argument,		NULL, OPT_CSV },
		{ "no-header",	no_argument,		NULL, OPT_NO_HEADER },
		{ "compress",	required_argument,	NULL, OPT_COMPRESS },
		{ "delimiter",	required_argument,	NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts *o = &s->o;
	struct cli *c = &s->c;
	int ch;

	o->delim = ',';
	o->digits = 5;
	o->sep = '\n';
	o->max_open = 64;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "l:n:o:j:0k:d:",
	    longopts, NULL)) != -1) {
		if (cli_option(c, ch, optarg))
			continue;
		switch (ch) {
		case 'l':
			o->lines_per = cli_num(c, "-l", optarg, 1, INT64_MAX);
			break;
		case OPT_BYTES:
			o->bytes_per = cli_size(c, "--bytes", optarg);
			if (o->bytes_per == 0)
				cli_usage(c, "--bytes: must be at least 1 byte");
			break;
		case 'n':
			o->nround = cli_num(c, "-n", optarg, 1, 1000000);
			break;
		case 'o':
			o->dir = optarg;
			break;
		case OPT_PREFIX:
			o->prefix = optarg;
			break;
		case OPT_SUFFIX:
			o->suffix = optarg;
			break;
		case OPT_DIGITS:
			o->digits = (int)cli_num(c, "--digits", optarg, 1, 18);
			break;
		case OPT_EXEC:
			o->exec_cmd = optarg;
			break;
		case 'j':
			o->jobs = cli_num(c, "-j", optarg, 1, 1024);
			break;
		case '0':
			o->sep = '\0';
			break;
		case OPT_MAX_OPEN:
			o->max_open = (size_t)cli_num(c, "--max-open", optarg, 1,
			    65536);
			break;
		case OPT_FSYNC:
			o->sync = 1;
			break;
		case OPT_BY:
			o->by_expr = optarg;
			break;
		case OPT_TIME:
			o->time_expr = optarg;
			break;
		case OPT_PERIOD:
			o->period = optarg;
			break;
		case OPT_TZ:
			o->tz = optarg;
			break;
		case OPT_SHARDS:
			o->nshards = cli_num(c, "--shards", optarg, 1, 1000000);
			break;
		case 'k':
			o->key_expr = optarg;
			break;
		case OPT_CSV:
			o->csv = 1;
			break;
		case OPT_NO_HEADER:
			o->no_header = 1;
			break;
		case OPT_COMPRESS:
			if (strcmp(optarg, "zstd") == 0)
				o->codec = REC_ZSTD;
			else if (strcmp(optarg, "gzip") == 0)
				o->codec = REC_GZIP;
			else
				cli_usage(c, "--compress: '%s' is not zstd or "
				    "gzip", optarg);
			break;
		case 'd':
			o->delim_arg = optarg;
			if ((o->delim = csv_delimiter(optarg)) == -1)
				cli_usage(c, "--delimiter: '%s' is not one ASCII "
				    "character other than a quote or a line end",
				    optarg);
			break;
		default:
			cli_usage(c, NULL);
		}
	}
}

/* The options together: one split mode, and what each needs. */
static void
check_options(struct state *s)
{
	struct opts *o = &s->o;
	struct cli *c = &s->c;
	const char *why;
	char err[256];
	int64_t start;
	size_t n;
	int nmodes;

	if (o->period != NULL && o->by_expr != NULL)
		cli_usage(c, "--period splits by --time EXPR, not --by");
	if ((o->period != NULL) != (o->time_expr != NULL))
		cli_usage(c, "--time and --period go together");
	if (o->time_expr != NULL)
		o->by_expr = o->time_expr;
	if ((o->nshards > 0) != (o->key_expr != NULL))
		cli_usage(c, "--shards and --key go together");
	if (o->period != NULL && tm_unit_parse(o->period, &o->unit) == -1)
		cli_usage(c, "--period: '%s' is not minute, hour, day, week, "
		    "month, quarter or year", o->period);
	if (o->tz != NULL && o->period == NULL)
		cli_usage(c, "--tz needs --period");
	if (o->tz != NULL && tm_trunc(0, TM_DAY, o->tz, &start) == -1)
		cli_usage(c, "--tz: unknown time zone '%s'", o->tz);
	if (o->tz != NULL && (*o->tz == '\0' || strcmp(o->tz, "UTC") == 0))
		o->tz = NULL;
	nmodes = (o->lines_per || o->bytes_per) + (o->nround > 0) +
	    (o->by_expr != NULL) + (o->nshards > 0);
	if (nmodes == 0)
		cli_usage(c, "say how to split: -l, --bytes, -n, --by, --period or "
		    "--shards");
	if (nmodes > 1)
		cli_usage(c, "choose one of -l/--bytes, -n, --by, --period and "
		    "--shards");
	if (o->by_expr != NULL || o->key_expr != NULL) {
		s->expr = jqx_compile(o->by_expr ? o->by_expr : o->key_expr,
		    err, sizeof(err));
		if (s->expr == NULL)
			cli_usage(c, "%s: %s", o->time_expr ? "--time" :
			    o->by_expr ? "--by" : "--key", err);
	}
	if (o->nround > 0)
		o->mode = M_ROUND, o->nslots = o->nround;
	else if (o->nshards > 0)
		o->mode = M_SHARDS, o->nslots = o->nshards;
	else if (o->by_expr != NULL)
		o->mode = o->period != NULL ? M_PERIOD : M_VALUE;
	else
		o->mode = M_SIZE;
	if (o->no_header && !o->csv)
		cli_usage(c, "--no-header needs --csv");
	o->header = o->csv && !o->no_header;
	if (o->delim_arg != NULL && !o->csv)
		cli_usage(c, "--delimiter needs --csv");
	if (o->csv && (o->mode == M_SHARDS || o->mode == M_PERIOD ||
	    o->mode == M_VALUE))
		cli_usage(c, "--csv works with -l, --bytes and -n only");
	if (o->prefix == NULL)
		o->prefix = o->by_expr != NULL ? "" : "part-";
	if (o->suffix == NULL)
		o->suffix = suffixes[o->csv != 0][o->codec];
	if (strchr(o->prefix, '/') != NULL || strchr(o->suffix, '/') != NULL)
		cli_usage(c, "--prefix and --suffix cannot hold '/'");
	if (o->jobs && o->exec_cmd == NULL)
		cli_usage(c, "-j needs --exec");
	if (o->exec_cmd != NULL) {
		s->run.cli = c;
		if (exec_parse(&s->run, o->exec_cmd, &why) == -1)
			cli_usage(c, "--exec: %s", why);
		if (o->jobs == 0 &&
		    (o->jobs = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
			o->jobs = 1;
		s->run.max_jobs = (int)o->jobs;
	}
	if (o->dir != NULL) {
		/* "out/" and "out" name the same files. */
		n = strlen(o->dir);
		while (n > 1 && o->dir[n - 1] == '/')
			n--;
		s->out_dir = strndup(o->dir, n);
		if (*s->out_dir == '\0')
			cli_usage(c, "-o: empty directory name");
	}
}

/* What the run needs once the input is open. */
static void
setup(struct state *s)
{
	const struct opts *o = &s->o;

	chunks_init(&s->set, &s->c, s->out_dir);
	s->set.max_open = o->max_open;
	s->set.sync = o->sync;
	s->set.codec = o->codec;
	s->set.lookup = o->mode == M_PERIOD || o->mode == M_VALUE;
	/* One chunk at a time: its records go from the input buffer. */
	s->set.direct = o->mode == M_SIZE && o->codec == REC_PLAIN;
	if (o->exec_cmd != NULL) {
		s->run.started = cli_counter(&s->c, "commands run");
		s->run.failed = cli_counter(&s->c, "commands failed");
	}
	if (o->nslots > 0)
		s->slots = xcalloc((size_t)o->nslots, sizeof(*s->slots));
	if (o->csv) {
		csv_init(&s->csv, &s->c.in, o->delim);
		s->c.unit = "rows";
	}
	s->last_start = INT64_MIN;
	s->last_eol = "\n";
}

/*
 * The next record, rec[0..raw) with its own line end; *eol is the line
 * end to add when it has none (the last line of the input). 0 at the end.
 */
static int
next_record(struct state *s, const char **rec, size_t *raw,
    const char **eol)
{
	struct rec_in *in = &s->c.in;

	if (s->o.csv)
		return next_csv(s, rec, raw, eol);
	if (!cli_next(&s->c))
		return 0;
	*rec = in->line;
	*raw = (size_t)(in->buf + in->pos - *rec);
	*eol = (*rec)[*raw - 1] == '\n' ? "" : "\n";
	return 1;
}

/*
 * --csv: records as the csv module frames them, so a quoted field's
 * newlines stay inside its record. Blank lines are skipped and counted,
 * the --header row is kept aside, a malformed row is a reject (its row
 * number is the spreadsheet's: the header is row 1).
 */
static int
next_csv(struct state *s, const char **rec, size_t *raw, const char **eol)
{
	struct cli *c = &s->c;
	struct csv *csv = &s->csv;
	const char *e;
	int r;

	for (;;) {
		if ((r = cli_read(c, csv_read, csv)) == 0) {
			if (!cli_next_file(c))
				return 0;
			csv_free(csv);
			csv_init(csv, &c->in, s->o.delim);
			s->header_read = 0;
			continue;
		}
		if (r == -2)
			cli_fail(c, EX_DATAERR, "%srow %" PRId64 ": longer "
			    "than --max-line (%zu bytes)", c->at, csv->row + 1,
			    c->in.max_line);
		if (csv->blank) {
			c->in.blank++;
			continue;
		}
		e = csv->raw + csv->rawlen;
		if (csv->endlen > 0)
			s->last_eol = *e == '\n' ? "\n" : csv->endlen == 2 ?
			    "\r\n" : "\r";
		if (s->o.header && !s->header_read) {
			keep_header(s, s->last_eol);
			s->header_read = 1;
			continue;
		}
		cli_tick(c);
		if (csv->error != CSV_OK) {
			cli_reject(c, csv->row, csv->raw, csv->rawlen, 0,
			    csv_strerror(csv->error), NULL);
			continue;
		}
		*rec = csv->raw;
		*raw = csv->rawlen + csv->endlen;
		*eol = csv->endlen > 0 ? "" : s->last_eol;
		return 1;
	}
}

/*
 * The header row just read: the first operand's goes at the top of every
 * chunk, and each later operand must have the same one.
 */
static void
keep_header(struct state *s, const char *eol)
{
	struct cli *c = &s->c;
	const struct csv *csv = &s->csv;
	struct chunks *set = &s->set;
	char *h;

	if (csv->error != CSV_OK)
		cli_fail(c, EX_DATAERR, "%srow %" PRId64 ": header: %s", c->at,
		    csv->row, csv_strerror(csv->error));
	if (set->header != NULL) {
		if (set->header_len - set->header_eol != csv->rawlen ||
		    memcmp(set->header, csv->raw, csv->rawlen) != 0)
			cli_fail(c, EX_DATAERR, "%sheader differs from the "
			    "header of %s", c->at, c->file[0].name);
		return;
	}
	set->header_eol = strlen(eol);
	set->header_len = csv->rawlen + set->header_eol;
	h = xmalloc(set->header_len);
	memcpy(h, csv->raw, csv->rawlen);
	memcpy(h + csv->rawlen, eol, set->header_eol);
	set->header = h;
}

/* The chunk a record of need bytes goes to; NULL when it was rejected. */
static struct out *
route(struct state *s, const char *rec, size_t need)
{
	const struct opts *o = &s->o;
	char *name;

	switch (o->mode) {
	case M_SIZE:
		if (s->cur != NULL && o->bytes_per &&
		    s->cur->bytes + need > o->bytes_per && s->cur->records > 0) {
			done(s, chunk_finish(&s->set, s->cur));
			s->cur = NULL;
		}
		if (s->cur == NULL) {
			name = numbered(s, ++s->seq);
			s->cur = chunk_new(&s->set, name);
			free(name);
		}
		return s->cur;
	case M_ROUND:
		return slot(s, s->seq++ % o->nround);
	default:
		return route_key(s, rec, s->c.in.len);
	}
}

/*
 * --by and --shards: scan the record, evaluate the expression, find the
 * chunk of its value. A record that is not JSON, or whose value is
 * missing or unusable, is rejected.
 */
static struct out *
route_key(struct state *s, const char *rec, size_t len)
{
	const struct opts *o = &s->o;
	struct cli *c = &s->c;
	struct buf *name = &s->name;
	const char *flag = o->mode == M_SHARDS ? "--key" :
	    o->mode == M_PERIOD ? "--time" : "--by";
	const char *k, *why;
	struct js_err e;
	struct jqx_val v;
	char msg[320];
	size_t klen;
	int64_t ns, start;
	struct out *out;

	if (js_scan(&s->doc, rec, len, &e) == -1) {
		cli_reject(c, c->in.lineno, rec, len, 0, js_strerror(&e, msg,
		    sizeof(msg)), NULL);
		return NULL;
	}
	switch (jqx_eval(s->expr, &s->doc, &v, msg, sizeof(msg))) {
	case JQX_ERROR:
		goto reject;
	case JQX_EMPTY:
		snprintf(msg, sizeof(msg), "%s: no value", flag);
		goto reject;
	}
	if (v.type == JS_NULL) {
		snprintf(msg, sizeof(msg), "%s: value is null or missing", flag);
		goto reject;
	}
	/* Strings by their decoded contents, other values by their text. */
	k = v.type == JS_STRING ? v.str : v.text;
	klen = v.type == JS_STRING ? v.slen : v.len;

	switch (o->mode) {
	case M_SHARDS:
		return slot(s, (int64_t)(XXH3_64bits(k, klen) %
		    (uint64_t)o->nshards));
	case M_PERIOD:
		if (v.type != JS_STRING) {
			snprintf(msg, sizeof(msg), "--time: expected a timestamp "
			    "string, got %s", js_type_name(v.type));
			goto reject;
		}
		if (tm_parse_tz(k, klen, o->tz, &ns, &why) == -1 ||
		    tm_trunc(ns, o->unit == TM_WEEK ? TM_DAY : o->unit, o->tz,
		    &start) == -1) {
			snprintf(msg, sizeof(msg), "--time: not a timestamp: %s",
			    why);
			goto reject;
		}
		if (start == s->last_start)
			return s->last_out;
		buf_reset(name);
		buf_adds(name, o->prefix);
		period_name(o, name, start);
		break;
	default:
		if (klen == 0) {
			snprintf(msg, sizeof(msg), "--by: value is empty");
			goto reject;
		}
		buf_reset(name);
		buf_adds(name, o->prefix);
		name_from_value(name, k, klen);
		break;
	}
	buf_adds(name, o->suffix);
	if ((out = chunk_find(&s->set, name->p, name->len)) == NULL)
		out = chunk_new(&s->set, buf_cstr(name));
	if (o->mode == M_PERIOD) {
		s->last_start = start;
		s->last_out = out;
	}
	return out;
reject:
	cli_reject(c, c->in.lineno, rec, len,
	    s->doc.v[0].type == JS_OBJECT, msg, NULL);
	return NULL;
}

/* Chunk i of -n or --shards, created on its first record. */
static struct out *
slot(struct state *s, int64_t i)
{
	char *name;

	if (s->slots[i] == NULL) {
		name = numbered(s, i + 1);
		s->slots[i] = chunk_new(&s->set, name);
		free(name);
	}
	return s->slots[i];
}

/*
 * The name of the period starting at start, on the clock of --tz (UTC
 * by default): 2024, 2024-Q1, 2024-03, 2024-03-05, 2024-03-05T14,
 * 2024-03-05T14:07, or the ISO week 2024-W09 (the week of the day
 * start, in the year that holds its Thursday).
 */
static void
period_name(const struct opts *o, struct buf *b, int64_t start)
{
	int64_t sec = start / 1000000000 - (start % 1000000000 < 0);
	time_t t = (time_t)sec;
	struct tm tm;
	int wd;

	/* tm_trunc has set TZ to the --tz zone. */
	if (o->tz != NULL)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	switch (o->unit) {
	case TM_YEAR:
		buf_addf(b, "%04d", tm.tm_year + 1900);
		break;
	case TM_QUARTER:
		buf_addf(b, "%04d-Q%d", tm.tm_year + 1900, tm.tm_mon / 3 + 1);
		break;
	case TM_MONTH:
		buf_addf(b, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
		break;
	case TM_WEEK:
		wd = (tm.tm_wday + 6) % 7;	/* Monday = 0 */
		/* noon, so a 23- or 25-hour day does not move the date */
		t += (time_t)(3 - wd) * 86400 + 12 * 3600;
		if (o->tz != NULL)
			localtime_r(&t, &tm);
		else
			gmtime_r(&t, &tm);
		buf_addf(b, "%04d-W%02d", tm.tm_year + 1900, tm.tm_yday / 7 + 1);
		break;
	case TM_HOUR:
		buf_addf(b, "%04d-%02d-%02dT%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
		break;
	case TM_MINUTE:
		buf_addf(b, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
		break;
	default:
		buf_addf(b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday);
		break;
	}
}

/* prefix, the number in at least --digits digits, suffix. */
static char *
numbered(struct state *s, int64_t i)
{
	const struct opts *o = &s->o;
	struct buf b = BUF_INIT;
	int width = o->digits;
	int64_t k;

	if (o->nslots > 0)
		for (k = o->nslots, width = 0; k > 0; k /= 10)
			width++;
	if (width < o->digits)
		width = o->digits;
	buf_adds(&b, o->prefix);
	buf_addf(&b, "%0*" PRId64, width, i);
	if (!s->warned && (int)b.len - (int)strlen(o->prefix) > width) {
		cli_warn(&s->c, "more chunks than --digits %d allows: names "
		    "past this one do not sort in order", o->digits);
		s->warned = 1;
	}
	buf_adds(&b, o->suffix);
	return buf_cstr(&b);
}

/* A chunk is complete under its final name: print it or run --exec. */
static void
done(void *arg, char *path)
{
	struct state *s = arg;
	struct rec_out *out = &s->c.out;

	if (s->o.exec_cmd != NULL) {
		exec_start(&s->run, path);
		return;
	}
	if (s->list_closed) {
		free(path);
		return;
	}
	if (rec_put(out, path, strlen(path)) == -1 ||
	    rec_put(out, &s->o.sep, 1) == -1 || rec_flush(out) == -1) {
		free(path);
		if (errno != EPIPE)
			cli_fail(&s->c, EX_IOERR, "stdout: write error: %s",
			    strerror(errno));
		/*
		 * The reader of the list went away (| head -1): the chunk
		 * files are the output, so keep writing every one of them.
		 */
		s->list_closed = 1;
		out->len = 0;
		out->fd = -1;
		return;
	}
	free(path);
}

/*
 * However chunk ends, at the end of main or through cli_fail or
 * cli_usage: no temp file stays, no command is left running, and what
 * the run allocated is freed. Once only.
 */
static void
cleanup(void *arg)
{
	struct state *s = arg;

	s->c.cleanup = NULL;
	chunks_abandon(&s->set);
	if (s->o.exec_cmd != NULL)
		exec_wait_all(&s->run, cli_signal);
	exec_free(&s->run);
	free(s->slots);
	free(s->out_dir);
	jqx_free(s->expr);
	js_free(&s->doc);
	buf_free(&s->name);
	csv_free(&s->csv);
}
