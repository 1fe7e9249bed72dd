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

static struct cli	 c;
static struct chunks	 set;
static struct runner	 run;

static enum mode	 mode;
static int64_t		 lines_per;	/* -l */
static uint64_t		 bytes_per;	/* --bytes */
static int64_t		 nround;	/* -n */
static int64_t		 nshards;	/* --shards */
static const char	*by_expr;	/* --by, or --time with --period */
static const char	*key_expr;	/* --key */
static const char	*period;	/* --period */
static const char	*tz;		/* --tz */
static int		 list_closed;	/* stdout gone: chunks go on */
static enum tm_unit	 unit;
static const char	*prefix;
static const char	*suffix;
/* The default --suffix, by --csv and then by enum rec_codec. */
static const char *const suffixes[2][3] = {
	{ ".jsonl", ".jsonl.gz", ".jsonl.zst" },
	{ ".csv", ".csv.gz", ".csv.zst" }
};
static int		 csv_mode;	/* --csv */
static int		 header;	/* --csv without --no-header */
static int		 delim = ',';	/* -d */
static const char	*delim_arg;
static int		 digits = 5;
static const char	*exec_cmd;
static int64_t		 jobs;
static char		 sep = '\n';
static const char	*out_dir;
static size_t		 max_open = 64;
static int		 sync_chunks;
static enum rec_codec	 codec;		/* --compress */

static struct out	*cur;		/* -l, --bytes: the chunk being filled */
static struct out	**slots;	/* -n, --shards: the K chunks */
static int64_t		 nslots;
static int64_t		 seq;		/* chunks started / records dealt */
static struct jqx	*expr;		/* --by or --key, compiled */
static struct js_doc	 doc;
static struct buf	 name;
static int64_t		 last_start = INT64_MIN;	/* --period cache */
static struct out	*last_out;
static struct csv	 csv;

/* Options that only parse_options and check_options need. */
struct args {
	const char	*dir;		/* -o */
	const char	*time_expr;	/* --time */
	int		 no_header;	/* --no-header */
};

static void		 parse_options(int, char **);
static void		 check_options(const struct args *);
static int		 next_record(const char **, size_t *, const char **);
static int		 next_csv(const char **, size_t *, const char **);
static void		 keep_header(const char *);
static struct out	*route(const char *, size_t);
static struct out	*route_key(const char *, size_t);
static struct out	*slot(int64_t);
static void		 period_name(struct buf *, int64_t);
static char		*numbered(int64_t);
static void		 done(char *);
static void		 at_exit(void);

int
main(int argc, char *argv[])
{
	const char *rec, *eol;
	size_t raw;
	struct out *o;
	int r;

	cli_init(&c, "chunk", usage, argv);
	c.unit = "records";
	c.passed_name = "written";
	parse_options(argc, argv);
	cli_start(&c, argc - optind, argv + optind);
	chunks_init(&set, &c, out_dir);
	set.max_open = max_open;
	set.sync = sync_chunks;
	set.codec = codec;
	if (exec_cmd != NULL) {
		run.started = cli_counter(&c, "commands run");
		run.failed = cli_counter(&c, "commands failed");
	}
	set.lookup = mode == M_PERIOD || mode == M_VALUE;
	if (nslots > 0)
		slots = xcalloc((size_t)nslots, sizeof(*slots));
	if (csv_mode) {
		csv_init(&csv, &c.in, delim);
		c.unit = "rows";
	}
	atexit(at_exit);

	while (next_record(&rec, &raw, &eol)) {
		if ((o = route(rec, raw + strlen(eol))) == NULL)
			continue;
		chunk_put(&set, o, rec, raw, eol);
		c.passed++;
		if (o == cur && ((lines_per && o->records >= lines_per) ||
		    (bytes_per && o->bytes >= bytes_per))) {
			done(chunk_finish(&set, cur));
			cur = NULL;
		}
	}
	if (cur != NULL)
		done(chunk_finish(&set, cur));
	cur = NULL;
	chunks_finish_all(&set, done);
	if (exec_cmd != NULL)
		exec_wait_all(&run, 0);
	r = cli_finish(&c);
	if (r == 0 && run.failed != NULL && *run.failed > 0)
		r = 1;
	return r;
}

/* The option table, then one case per option and the checks: flat. */
static void
parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
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
	struct args a = { NULL, NULL, 0 };
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "l:n:o:j:0k:d:",
	    opts, NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'l':
			lines_per = cli_num(&c, "-l", optarg, 1, INT64_MAX);
			break;
		case OPT_BYTES:
			bytes_per = cli_size(&c, "--bytes", optarg);
			if (bytes_per == 0)
				cli_usage(&c, "--bytes: must be at least 1 byte");
			break;
		case 'n':
			nround = cli_num(&c, "-n", optarg, 1, 1000000);
			break;
		case 'o':
			a.dir = optarg;
			break;
		case OPT_PREFIX:
			prefix = optarg;
			break;
		case OPT_SUFFIX:
			suffix = optarg;
			break;
		case OPT_DIGITS:
			digits = (int)cli_num(&c, "--digits", optarg, 1, 18);
			break;
		case OPT_EXEC:
			exec_cmd = optarg;
			break;
		case 'j':
			jobs = cli_num(&c, "-j", optarg, 1, 1024);
			break;
		case '0':
			sep = '\0';
			break;
		case OPT_MAX_OPEN:
			max_open = (size_t)cli_num(&c, "--max-open", optarg, 1,
			    65536);
			break;
		case OPT_FSYNC:
			sync_chunks = 1;
			break;
		case OPT_BY:
			by_expr = optarg;
			break;
		case OPT_TIME:
			a.time_expr = optarg;
			break;
		case OPT_PERIOD:
			period = optarg;
			break;
		case OPT_TZ:
			tz = optarg;
			break;
		case OPT_SHARDS:
			nshards = cli_num(&c, "--shards", optarg, 1, 1000000);
			break;
		case 'k':
			key_expr = optarg;
			break;
		case OPT_CSV:
			csv_mode = 1;
			break;
		case OPT_NO_HEADER:
			a.no_header = 1;
			break;
		case OPT_COMPRESS:
			if (strcmp(optarg, "zstd") == 0)
				codec = REC_ZSTD;
			else if (strcmp(optarg, "gzip") == 0)
				codec = REC_GZIP;
			else
				cli_usage(&c, "--compress: '%s' is not zstd or "
				    "gzip", optarg);
			break;
		case 'd':
			delim_arg = optarg;
			if ((delim = csv_delimiter(optarg)) == -1)
				cli_usage(&c, "--delimiter: '%s' is not one ASCII "
				    "character other than a quote or a line end",
				    optarg);
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	check_options(&a);
}

/* The options together: one split mode, and what each needs. */
static void
check_options(const struct args *a)
{
	const char *why, *time_expr = a->time_expr;
	char err[256];
	size_t n;
	int nmodes;

	if (period != NULL && by_expr != NULL)
		cli_usage(&c, "--period splits by --time EXPR, not --by");
	if ((period != NULL) != (time_expr != NULL))
		cli_usage(&c, "--time and --period go together");
	if (time_expr != NULL)
		by_expr = time_expr;
	if ((nshards > 0) != (key_expr != NULL))
		cli_usage(&c, "--shards and --key go together");
	if (period != NULL && tm_unit_parse(period, &unit) == -1)
		cli_usage(&c, "--period: '%s' is not minute, hour, day, week, "
		    "month, quarter or year", period);
	if (tz != NULL && period == NULL)
		cli_usage(&c, "--tz needs --period");
	if (tz != NULL && tm_trunc(0, TM_DAY, tz, &last_start) == -1)
		cli_usage(&c, "--tz: unknown time zone '%s'", tz);
	last_start = INT64_MIN;
	if (tz != NULL && (*tz == '\0' || strcmp(tz, "UTC") == 0))
		tz = NULL;
	nmodes = (lines_per || bytes_per) + (nround > 0) + (by_expr != NULL) +
	    (nshards > 0);
	if (nmodes == 0)
		cli_usage(&c, "say how to split: -l, --bytes, -n, --by, --period or "
		    "--shards");
	if (nmodes > 1)
		cli_usage(&c, "choose one of -l/--bytes, -n, --by, --period and "
		    "--shards");
	if (by_expr != NULL || key_expr != NULL) {
		expr = jqx_compile(by_expr ? by_expr : key_expr, err,
		    sizeof(err));
		if (expr == NULL)
			cli_usage(&c, "%s: %s", time_expr ? "--time" :
			    by_expr ? "--by" : "--key", err);
	}
	if (nround > 0)
		mode = M_ROUND, nslots = nround;
	else if (nshards > 0)
		mode = M_SHARDS, nslots = nshards;
	else if (by_expr != NULL)
		mode = period != NULL ? M_PERIOD : M_VALUE;
	else
		mode = M_SIZE;
	if (a->no_header && !csv_mode)
		cli_usage(&c, "--no-header needs --csv");
	header = csv_mode && !a->no_header;
	if (delim_arg != NULL && !csv_mode)
		cli_usage(&c, "--delimiter needs --csv");
	if (csv_mode && (mode == M_SHARDS || mode == M_PERIOD ||
	    mode == M_VALUE))
		cli_usage(&c, "--csv works with -l, --bytes and -n only");
	if (prefix == NULL)
		prefix = by_expr != NULL ? "" : "part-";
	if (suffix == NULL)
		suffix = suffixes[csv_mode != 0][codec];
	if (strchr(prefix, '/') != NULL || strchr(suffix, '/') != NULL)
		cli_usage(&c, "--prefix and --suffix cannot hold '/'");
	if (jobs && exec_cmd == NULL)
		cli_usage(&c, "-j needs --exec");
	if (exec_cmd != NULL) {
		run.cli = &c;
		if (exec_parse(&run, exec_cmd, &why) == -1)
			cli_usage(&c, "--exec: %s", why);
		if (jobs == 0 && (jobs = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
			jobs = 1;
		run.max_jobs = (int)jobs;
	}
	if (a->dir != NULL) {
		/* "out/" and "out" name the same files. */
		n = strlen(a->dir);
		while (n > 1 && a->dir[n - 1] == '/')
			n--;
		out_dir = strndup(a->dir, n);
		if (*out_dir == '\0')
			cli_usage(&c, "-o: empty directory name");
	}
}

/*
 * The next record, rec[0..raw) with its own line end; *eol is the line
 * end to add when it has none (the last line of the input). 0 at the end.
 */
static int
next_record(const char **rec, size_t *raw, const char **eol)
{
	if (csv_mode)
		return next_csv(rec, raw, eol);
	if (!cli_next(&c))
		return 0;
	*rec = c.in.line;
	*raw = (size_t)(c.in.buf + c.in.pos - *rec);
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
next_csv(const char **rec, size_t *raw, const char **eol)
{
	static char last_eol[3] = "\n";
	static int header_read;		/* of the operand being read */
	const char *e;
	int r;

	for (;;) {
		if ((r = cli_read(&c, csv_read, &csv)) == 0) {
			if (!cli_next_file(&c))
				return 0;
			csv_free(&csv);
			csv_init(&csv, &c.in, delim);
			header_read = 0;
			continue;
		}
		if (r == -2)
			cli_fail(&c, EX_DATAERR, "%srow %" PRId64 ": longer "
			    "than --max-line (%zu bytes)", c.at, csv.row + 1,
			    c.in.max_line);
		if (csv.blank) {
			c.in.blank++;
			continue;
		}
		e = csv.raw + csv.rawlen;
		if (csv.endlen > 0) {
			memcpy(last_eol, e, csv.endlen);
			last_eol[csv.endlen] = '\0';
		}
		if (header && !header_read) {
			keep_header(last_eol);
			header_read = 1;
			continue;
		}
		cli_tick(&c);
		if (csv.error != CSV_OK) {
			cli_reject(&c, csv.row, csv.raw, csv.rawlen, 0,
			    csv_strerror(csv.error), NULL);
			continue;
		}
		*rec = csv.raw;
		*raw = csv.rawlen + csv.endlen;
		*eol = csv.endlen > 0 ? "" : last_eol;
		return 1;
	}
}

/*
 * The header row just read: the first operand's goes at the top of every
 * chunk, and each later operand must have the same one.
 */
static void
keep_header(const char *eol)
{
	char *h;

	if (csv.error != CSV_OK)
		cli_fail(&c, EX_DATAERR, "%srow %" PRId64 ": header: %s", c.at,
		    csv.row, csv_strerror(csv.error));
	if (set.header != NULL) {
		if (set.header_len - set.header_eol != csv.rawlen ||
		    memcmp(set.header, csv.raw, csv.rawlen) != 0)
			cli_fail(&c, EX_DATAERR, "%sheader differs from the "
			    "header of %s", c.at, c.file[0].name);
		return;
	}
	set.header_eol = strlen(eol);
	set.header_len = csv.rawlen + set.header_eol;
	h = xmalloc(set.header_len);
	memcpy(h, csv.raw, csv.rawlen);
	memcpy(h + csv.rawlen, eol, set.header_eol);
	set.header = h;
}

/* The chunk a record of need bytes goes to; NULL when it was rejected. */
static struct out *
route(const char *rec, size_t need)
{
	char *s;

	switch (mode) {
	case M_SIZE:
		if (cur != NULL && bytes_per && cur->bytes + need > bytes_per &&
		    cur->records > 0) {
			done(chunk_finish(&set, cur));
			cur = NULL;
		}
		if (cur == NULL) {
			s = numbered(++seq);
			cur = chunk_new(&set, s);
			free(s);
		}
		return cur;
	case M_ROUND:
		return slot(seq++ % nround);
	default:
		return route_key(rec, c.in.len);
	}
}

/*
 * --by and --shards: scan the record, evaluate the expression, find the
 * chunk of its value. A record that is not JSON, or whose value is
 * missing or unusable, is rejected.
 */
static struct out *
route_key(const char *rec, size_t len)
{
	const char *flag = mode == M_SHARDS ? "--key" :
	    mode == M_PERIOD ? "--time" : "--by";
	const char *k, *why;
	struct js_err e;
	struct jqx_val v;
	char msg[320];
	size_t klen;
	int64_t ns, start;
	struct out *o;

	if (js_scan(&doc, rec, len, &e) == -1) {
		cli_reject(&c, c.in.lineno, rec, len, 0, js_strerror(&e, msg,
		    sizeof(msg)), NULL);
		return NULL;
	}
	switch (jqx_eval(expr, &doc, &v, msg, sizeof(msg))) {
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

	switch (mode) {
	case M_SHARDS:
		return slot((int64_t)(XXH3_64bits(k, klen) % (uint64_t)nshards));
	case M_PERIOD:
		if (v.type != JS_STRING) {
			snprintf(msg, sizeof(msg), "--time: expected a timestamp "
			    "string, got %s", js_type_name(v.type));
			goto reject;
		}
		if (tm_parse_tz(k, klen, tz, &ns, &why) == -1 ||
		    tm_trunc(ns, unit == TM_WEEK ? TM_DAY : unit, tz,
		    &start) == -1) {
			snprintf(msg, sizeof(msg), "--time: not a timestamp: %s",
			    why);
			goto reject;
		}
		if (start == last_start)
			return last_out;
		buf_reset(&name);
		buf_adds(&name, prefix);
		period_name(&name, start);
		break;
	default:
		if (klen == 0) {
			snprintf(msg, sizeof(msg), "--by: value is empty");
			goto reject;
		}
		buf_reset(&name);
		buf_adds(&name, prefix);
		name_from_value(&name, k, klen);
		break;
	}
	buf_adds(&name, suffix);
	if ((o = chunk_find(&set, name.p, name.len)) == NULL)
		o = chunk_new(&set, buf_cstr(&name));
	if (mode == M_PERIOD) {
		last_start = start;
		last_out = o;
	}
	return o;
reject:
	cli_reject(&c, c.in.lineno, rec, len,
	    doc.v[0].type == JS_OBJECT, msg, NULL);
	return NULL;
}

/* Chunk i of -n or --shards, created on its first record. */
static struct out *
slot(int64_t i)
{
	char *s;

	if (slots[i] == NULL) {
		s = numbered(i + 1);
		slots[i] = chunk_new(&set, s);
		free(s);
	}
	return slots[i];
}

/*
 * The name of the period starting at start, on the clock of --tz (UTC
 * by default): 2024, 2024-Q1, 2024-03, 2024-03-05, 2024-03-05T14,
 * 2024-03-05T14:07, or the ISO week 2024-W09 (the week of the day
 * start, in the year that holds its Thursday).
 */
static void
period_name(struct buf *b, int64_t start)
{
	int64_t sec = start / 1000000000 - (start % 1000000000 < 0);
	time_t t = (time_t)sec;
	struct tm tm;
	int wd;

	/* tm_trunc has set TZ to the --tz zone. */
	if (tz != NULL)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	switch (unit) {
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
		if (tz != NULL)
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
numbered(int64_t i)
{
	static int warned;
	struct buf b = BUF_INIT;
	int width = digits;

	int64_t k;

	if (nslots > 0)
		for (k = nslots, width = 0; k > 0; k /= 10)
			width++;
	if (width < digits)
		width = digits;
	buf_adds(&b, prefix);
	buf_addf(&b, "%0*" PRId64, width, i);
	if (!warned && (int)b.len - (int)strlen(prefix) > width) {
		cli_warn(&c, "more chunks than --digits %d allows: names past "
		    "this one do not sort in order", digits);
		warned = 1;
	}
	buf_adds(&b, suffix);
	return buf_cstr(&b);
}

/* A chunk is complete under its final name: print it or run --exec. */
static void
done(char *path)
{
	if (exec_cmd != NULL) {
		exec_start(&run, path);
		return;
	}
	if (list_closed) {
		free(path);
		return;
	}
	if (rec_put(&c.out, path, strlen(path)) == -1 ||
	    rec_put(&c.out, &sep, 1) == -1 || rec_flush(&c.out) == -1) {
		free(path);
		if (errno != EPIPE)
			cli_fail(&c, EX_IOERR, "stdout: write error: %s",
			    strerror(errno));
		/*
		 * The reader of the list went away (| head -1): the chunk
		 * files are the output, so keep writing every one of them.
		 */
		list_closed = 1;
		c.out.len = 0;
		c.out.fd = -1;
		return;
	}
	free(path);
}

/* However chunk ends: no temp file stays, no command is left running. */
static void
at_exit(void)
{
	chunks_abandon(&set);
	if (exec_cmd != NULL)
		exec_wait_all(&run, cli_signal);
}
