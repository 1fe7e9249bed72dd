/*
 * dedupe: keep the first (or last) record of each key of a JSON Lines
 * stream, in input order; send the others to --dupes FILE or drop them.
 * Exact by default (a table of key hashes, spilling past --memory);
 * --approx uses a fixed-size Bloom filter instead (bloom.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "bloom.h"
#include "buf.h"
#include "cli.h"
#include "jqx.h"
#include "js.h"
#include "keytab.h"
#include "rec.h"
#include "spill.h"

#define MAX_KEYS	16
/* A row number takes the low bits of a position, its operand the rest. */
#define POS_ROW_BITS	40

enum { NULL_REJECT, NULL_KEEP, NULL_DROP };
enum { OPT_DUPES = CLI_TOOL_BASE, OPT_DROP, OPT_KEEP, OPT_NULL_KEY,
    OPT_MEMORY, OPT_SEEN, OPT_TMPDIR, OPT_APPROX, OPT_EXPECT, OPT_FP_RATE };

/* How a record's key came out. */
enum { KEY_OK, KEY_NULL, KEY_ERROR };

/* The options, as parsed and checked. */
struct opts {
	const char	*key_src[MAX_KEYS];
	int		 nkeys;
	const char	*dupes_path;
	int		 drop;
	int		 keep_last;
	int		 null_key;
	const char	*seen_path;
	const char	*tmpdir;
	size_t		 memory;	/* table limit or filter size */
	int		 approx;
	int64_t		 expect;
	double		 fp_rate;	/* percent; -1: not given */
};

/* A run's state: the keys seen, the outputs and the summary's counters. */
struct run {
	struct cli		*c;
	const struct opts	*o;
	struct jqx		*key_expr[MAX_KEYS];
	struct keytab		 tab;
	struct bloom		 bf;		/* --approx */
	struct spill		 sp;		/* once the table is full */
	int			 spilling;
	struct rec_out		 dupes;
	int			 has_dupes;
	struct js_doc		 doc;
	struct buf		 keybuf;
	struct buf		 scratch;
	int64_t			*n_dupes, *n_distinct, *n_null, *n_peak;
	int64_t			*n_seen;
	double			*r_fill, *r_fp;
};

static void	 parse_options(struct cli *, struct opts *, int, char **);
static void	 check_approx(struct cli *, struct opts *);
static void	 run_setup(struct run *, struct cli *, const struct opts *);
static void	 load_seen(struct run *, const char *);
static void	 dedupe_first(struct run *);
static void	 dedupe_approx(struct run *);
static void	 spill_start(struct run *);
static void	 spill_output(struct run *);
static void	 spill_cleanup(void *);
static void	 dedupe_last(struct run *);
static void	 run_finish(struct run *);
static int	 classify(struct run *, int64_t, const char *, size_t,
		    XXH128_hash_t *, int *);
static int	 record_key(struct run *, const char *, size_t,
		    XXH128_hash_t *, char *, size_t);
static void	 add_key_value(struct buf *, const struct jqx_val *);
static struct keyslot *table_put(struct run *, XXH128_hash_t, int64_t,
		    int *);
static int	 filter_put(struct run *, XXH128_hash_t);
static void	 filter_report(struct run *);
static int64_t	 position(const struct cli *);
static void	 write_dupe(struct run *, const char *, size_t, int, int64_t);

static const char usage_text[] =
"usage: dedupe [-k EXPR]... (--dupes FILE | --drop) [--keep first|last]\n"
"              [--null-key reject|keep|drop] [--seen FILE] [--memory SIZE]\n"
"              [--tmpdir DIR] [common options] [FILE ...]\n"
"       dedupe --approx --expect N [--memory SIZE | --fp-rate P%] [-k EXPR]...\n"
"              (--dupes FILE | --drop) [--null-key ...] [--seen FILE]\n"
"              [common options] [FILE ...]\n"
"Keep the first record of each key of a JSON Lines stream, in input order.\n"
"  -k, --key EXPR          a jq expression; repeat for a composite key\n"
"                          (default: the whole line, byte for byte)\n"
"      --dupes FILE        write the other records to FILE, with _dupe_of_row\n"
"      --drop              count the other records and drop them\n"
"      --keep first|last   which record of a key to keep (default first)\n"
"      --null-key reject|keep|drop\n"
"                          a key that is null or missing: reject the record\n"
"                          (default), keep it always, or count and drop it\n"
"      --seen FILE         keys already loaded, one JSON value per line\n"
"                          (needs exactly one -k)\n"
"      --memory SIZE       keep the key table under SIZE (e.g. 2G); past it,\n"
"                          spill sorted runs to --tmpdir (--keep first)\n"
"      --tmpdir DIR        where spills and --keep last go (default\n"
"                          $TMPDIR or /tmp)\n"
"      --approx            one pass in fixed memory with a Bloom filter: a\n"
"                          new key may be taken for a duplicate (a false\n"
"                          positive), a duplicate is never missed; its\n"
"                          duplicates carry \"_dupe_of_row\":null\n"
"      --expect N          (--approx) distinct keys expected, to size it\n"
"      --memory SIZE       (--approx) the filter's size\n"
"      --fp-rate P%        (--approx) size it for this false-positive rate\n"
"                          at N keys instead (default 0.1%)\n";

int
main(int argc, char *argv[])
{
	/* Static: what they hold lives until the process exits. */
	static struct cli c;
	static struct opts o;
	static struct run r;

	parse_options(&c, &o, argc, argv);
	run_setup(&r, &c, &o);
	cli_start(&c, argc - optind, argv + optind);
	if (o.dupes_path != NULL) {
		cli_open_out(&c, &r.dupes, "--dupes", o.dupes_path);
		r.has_dupes = 1;
	}
	if (o.seen_path != NULL)
		load_seen(&r, o.seen_path);

	if (o.approx)
		dedupe_approx(&r);
	else if (o.keep_last)
		dedupe_last(&r);
	else
		dedupe_first(&r);

	run_finish(&r);
	return cli_finish(&c);
}

static void
parse_options(struct cli *c, struct opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_LONGOPTS,
		{ "key",	required_argument,	NULL, 'k' },
		{ "dupes",	required_argument,	NULL, OPT_DUPES },
		{ "drop",	no_argument,		NULL, OPT_DROP },
		{ "keep",	required_argument,	NULL, OPT_KEEP },
		{ "null-key",	required_argument,	NULL, OPT_NULL_KEY },
		{ "memory",	required_argument,	NULL, OPT_MEMORY },
		{ "seen",	required_argument,	NULL, OPT_SEEN },
		{ "tmpdir",	required_argument,	NULL, OPT_TMPDIR },
		{ "approx",	no_argument,		NULL, OPT_APPROX },
		{ "expect",	required_argument,	NULL, OPT_EXPECT },
		{ "fp-rate",	required_argument,	NULL, OPT_FP_RATE },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->null_key = NULL_REJECT;
	o->fp_rate = -1;
	cli_init(c, "dedupe", usage_text, argv);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "k:", opts,
	    NULL)) != -1) {
		if (cli_option(c, ch, optarg))
			continue;
		switch (ch) {
		case 'k':
			if (o->nkeys == MAX_KEYS)
				cli_usage(c, "-k: at most %d keys", MAX_KEYS);
			o->key_src[o->nkeys++] = optarg;
			break;
		case OPT_DUPES:
			o->dupes_path = optarg;
			break;
		case OPT_DROP:
			o->drop = 1;
			break;
		case OPT_KEEP:
			if (strcmp(optarg, "first") == 0)
				o->keep_last = 0;
			else if (strcmp(optarg, "last") == 0)
				o->keep_last = 1;
			else
				cli_usage(c, "--keep: '%s' is not first or "
				    "last", optarg);
			break;
		case OPT_NULL_KEY:
			if (strcmp(optarg, "reject") == 0)
				o->null_key = NULL_REJECT;
			else if (strcmp(optarg, "keep") == 0)
				o->null_key = NULL_KEEP;
			else if (strcmp(optarg, "drop") == 0)
				o->null_key = NULL_DROP;
			else
				cli_usage(c, "--null-key: '%s' is not reject, "
				    "keep or drop", optarg);
			break;
		case OPT_MEMORY:
			o->memory = (size_t)cli_size(c, "--memory", optarg);
			if (o->memory == 0)
				cli_usage(c, "--memory: must be more than 0");
			break;
		case OPT_SEEN:
			o->seen_path = optarg;
			break;
		case OPT_TMPDIR:
			o->tmpdir = optarg;
			break;
		case OPT_APPROX:
			o->approx = 1;
			break;
		case OPT_EXPECT:
			o->expect = cli_num(c, "--expect", optarg, 1,
			    INT64_MAX);
			break;
		case OPT_FP_RATE:
			o->fp_rate = cli_percent(c, "--fp-rate", optarg);
			if (o->fp_rate == 0 || o->fp_rate >= 100)
				cli_usage(c, "--fp-rate: '%s' must be more "
				    "than 0%% and less than 100%%", optarg);
			break;
		default:
			cli_usage(c, NULL);
		}
	}
	if (o->dupes_path == NULL && !o->drop)
		cli_usage(c, "say where duplicates go: --dupes FILE or --drop");
	if (o->dupes_path != NULL && o->drop)
		cli_usage(c, "--dupes and --drop exclude each other");
	if (o->seen_path != NULL && o->nkeys != 1)
		cli_usage(c, "--seen needs exactly one -k");
	if (o->null_key != NULL_REJECT && o->nkeys == 0)
		cli_usage(c, "--null-key needs -k");
	check_approx(c, o);
	if (o->tmpdir == NULL && (o->tmpdir = getenv("TMPDIR")) == NULL)
		o->tmpdir = "/tmp";
}

/*
 * --approx takes none of the options of the exact table's spill and
 * second pass; --expect and --fp-rate belong to it. Size the filter:
 * --memory bytes, or the fewest for --fp-rate (default 0.1%) at N keys.
 */
static void
check_approx(struct cli *c, struct opts *o)
{
	int given = o->memory != 0;

	if (!o->approx) {
		if (o->expect != 0)
			cli_usage(c, "--expect needs --approx");
		if (o->fp_rate >= 0)
			cli_usage(c, "--fp-rate needs --approx");
		return;
	}
	if (o->keep_last)
		cli_usage(c, "--approx and --keep last exclude each other: "
		    "a filter cannot tell which record of a key is the last");
	if (o->tmpdir != NULL)
		cli_usage(c, "--approx and --tmpdir exclude each other: "
		    "the filter never spills");
	if (o->expect == 0)
		cli_usage(c, "--approx needs --expect N, the number of "
		    "distinct keys expected");
	if (given && o->fp_rate >= 0)
		cli_usage(c, "--memory and --fp-rate exclude each other: "
		    "both size the --approx filter");
	if (given && o->memory < BLOOM_BLOCK_BYTES)
		cli_usage(c, "--memory: --approx needs at least %d bytes",
		    BLOOM_BLOCK_BYTES);
	if (!given && (o->memory = bloom_bytes_for((double)o->expect,
	    (o->fp_rate >= 0 ? o->fp_rate : 0.1) / 100)) == 0)
		cli_usage(c, "--fp-rate: no filter is small enough for %"
		    PRId64 " keys at that rate", o->expect);
	if ((double)o->memory > (double)sysconf(_SC_PHYS_PAGES) *
	    (double)sysconf(_SC_PAGESIZE))
		cli_usage(c, given ? "--memory: %.1f GB is more than this "
		    "machine has" : "--approx: the filter would need %.1f GB, "
		    "more than this machine has (a larger --fp-rate or a "
		    "smaller --expect)", (double)o->memory / 1e9);
}

/*
 * Compile the keys (a bad one is misuse), default --tmpdir, make the
 * summary's counters and the --approx filter or the table's limit.
 */
static void
run_setup(struct run *r, struct cli *c, const struct opts *o)
{
	char err[512];
	int i;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->o = o;
	for (i = 0; i < o->nkeys; i++)
		if ((r->key_expr[i] = jqx_compile(o->key_src[i], err,
		    sizeof(err))) == NULL)
			cli_usage(c, "-k %s: %s", o->key_src[i], err);
	c->passed_name = "kept";
	r->n_dupes = cli_diverted(c, "duplicates");
	r->n_distinct = cli_counter(c, "distinct keys");
	if (o->null_key == NULL_DROP)
		r->n_null = cli_diverted(c, "null keys dropped");
	if (o->seen_path != NULL)
		r->n_seen = cli_counter(c, "seen keys");
	if (o->approx) {
		bloom_init(&r->bf, o->memory, bloom_best_k(o->memory,
		    (double)o->expect));
		*cli_counter(c, "filter bytes") = (int64_t)r->bf.bytes;
		*cli_counter(c, "filter hashes") = r->bf.k;
		r->r_fill = cli_real(c, "filter fill");
		r->r_fp = cli_real(c, "estimated fp rate");
	} else {
		r->tab.limit = o->memory;
		r->n_peak = cli_counter(c, "peak table bytes");
	}
}

/*
 * --seen FILE: each line is a key as one JSON value, hashed as the value
 * of the single -k would be. Its slot row is minus the line number.
 */
static void
load_seen(struct run *r, const char *path)
{
	struct rec_in in;
	struct js_err e;
	struct jqx_val v;
	XXH128_hash_t h;
	char msg[160];
	int isnew, rc;

	if (rec_open(&in, path, r->c->max_line) == -1) {
		fprintf(stderr, "dedupe: --seen %s: %s\n", path,
		    strerror(errno));
		exit(EX_NOINPUT);
	}
	while ((rc = rec_next(&in)) == 1) {
		if (in.too_long)
			cli_fail(r->c, EX_DATAERR, "--seen %s: line %" PRId64
			    ": longer than --max-line", path, in.lineno);
		if (js_scan(&r->doc, in.line, in.len, &e) == -1)
			cli_fail(r->c, EX_DATAERR, "--seen %s: line %" PRId64
			    ": %s", path, in.lineno, js_strerror(&e, msg,
			    sizeof(msg)));
		memset(&v, 0, sizeof(v));
		v.type = r->doc.v[0].type;
		if (v.type == JS_NULL)
			cli_fail(r->c, EX_DATAERR, "--seen %s: line %" PRId64
			    ": null is not a key", path, in.lineno);
		v.text = js_text(&r->doc, 0);
		v.len = r->doc.v[0].len;
		buf_reset(&r->scratch);
		if (v.type == JS_STRING) {
			js_str(&r->doc, 0, &r->scratch);
			v.str = r->scratch.p != NULL ? r->scratch.p : "";
			v.slen = r->scratch.len;
		}
		buf_reset(&r->keybuf);
		add_key_value(&r->keybuf, &v);
		h = XXH3_128bits(r->keybuf.p, r->keybuf.len);
		if (r->o->approx)
			isnew = filter_put(r, h);
		else
			table_put(r, h, -in.lineno, &isnew);
		*r->n_seen += isnew;
	}
	if (rc == -1)
		cli_fail(r->c, EX_IOERR, "--seen %s: read error: %s", path,
		    strerror(errno));
	rec_close(&in);
}

/*
 * One pass: the first record of a key is kept, later ones are dupes.
 * Past --memory, the table is frozen and the rest goes through spill.
 */
static void
dedupe_first(struct run *r)
{
	struct rec_in *in = &r->c->in;
	struct keyslot *s;
	XXH128_hash_t h;
	int64_t at;		/* the record's position */
	int isnew, obj, k, rc;

	while (cli_next(r->c)) {
		at = position(r->c);
		k = classify(r, in->lineno, in->line, in->len, &h, &obj);
		if (k == KEY_ERROR ||
		    (k == KEY_NULL && r->o->null_key != NULL_KEEP))
			continue;
		if (!r->spilling) {
			if (k == KEY_NULL) {
				cli_pass(r->c, in->line, in->len);
				continue;
			}
			s = keytab_put(&r->tab, h.low64, h.high64, at, &isnew);
			if (s != NULL) {
				*r->n_peak = (int64_t)r->tab.peak;
				*r->n_distinct += isnew;
				if (isnew)
					cli_pass(r->c, in->line, in->len);
				else
					write_dupe(r, in->line, in->len, obj,
					    s->row);
				continue;
			}
			spill_start(r);
		}
		if (k == KEY_NULL)
			rc = spill_record(&r->sp, at, SPILL_PASS, 0, obj,
			    in->line, in->len);
		else if ((s = keytab_get(&r->tab, h.low64, h.high64)) != NULL)
			rc = spill_record(&r->sp, at, SPILL_DUPE, s->row, obj,
			    in->line, in->len);
		else
			rc = spill_record(&r->sp, at, SPILL_OPEN, 0, obj,
			    in->line, in->len) == -1 ? -1 :
			    spill_key(&r->sp, h.high64, h.low64, at);
		if (rc == -1)
			cli_fail(r->c, EX_IOERR, "spill to %s: %s",
			    r->o->tmpdir, strerror(errno));
	}
	if (r->spilling)
		spill_output(r);
}

/*
 * --approx: one pass. A key whose bits are all set already is taken for
 * a duplicate (of a row unknown: _dupe_of_row is null); others are kept
 * and their bits set.
 */
static void
dedupe_approx(struct run *r)
{
	struct rec_in *in = &r->c->in;
	XXH128_hash_t h;
	int obj, k;

	while (cli_next(r->c)) {
		k = classify(r, in->lineno, in->line, in->len, &h, &obj);
		if (k == KEY_ERROR ||
		    (k == KEY_NULL && r->o->null_key != NULL_KEEP))
			continue;
		if (k == KEY_NULL)
			cli_pass(r->c, in->line, in->len);
		else if (filter_put(r, h)) {
			(*r->n_distinct)++;
			cli_pass(r->c, in->line, in->len);
		} else
			write_dupe(r, in->line, in->len, obj, 0);
	}
}

/* The table is full: freeze it and spill the rest of the input. */
static void
spill_start(struct run *r)
{
	if (spill_init(&r->sp, r->o->tmpdir, r->tab.limit / 4) == -1)
		cli_fail(r->c, EX_CANTCREAT, "--tmpdir %s: %s", r->o->tmpdir,
		    strerror(errno));
	r->spilling = 1;
	r->c->cleanup = spill_cleanup;
	r->c->cleanup_arg = &r->sp;
	if (!r->c->quiet)
		cli_warn(r->c, "%sline %" PRId64 ": key table full at --memory "
		    "%zu bytes (%zu keys); spilling to %s", r->c->at,
		    r->c->in.lineno,
		    r->tab.limit, r->tab.n, r->o->tmpdir);
}

/*
 * On a failure or a signal: close the spill's files, the compressed spool
 * with its zstd contexts among them.
 */
static void
spill_cleanup(void *sp)
{
	spill_free(sp);
}

/* Merge the runs, then write the spilled records in input order. */
static void
spill_output(struct run *r)
{
	const char *line;
	size_t len;
	int64_t of;
	int obj, rc;

	if (spill_finish(&r->sp) == -1)
		cli_fail(r->c, EX_IOERR, "spill in %s: %s", r->o->tmpdir,
		    strerror(errno));
	*r->n_distinct += r->sp.groups;
	while ((rc = spill_next(&r->sp, &line, &len, &obj, &of)) == 1) {
		if (of == 0)
			cli_pass(r->c, line, len);
		else
			write_dupe(r, line, len, obj, of);
	}
	if (rc == -1)
		cli_fail(r->c, EX_IOERR, "spill in %s: read error: %s",
		    r->o->tmpdir, strerror(errno));
	spill_free(&r->sp);
}

/*
 * --keep last, two passes. The first reads the input, handles rejects,
 * records in the table the last row of each key and spools each record
 * with its row and key hash (spill.h). The second reads the spool back
 * in input order: a record is kept when it is the last of its key, else
 * it is a duplicate of that last row.
 */
static void
dedupe_last(struct run *r)
{
	struct rec_in *in = &r->c->in;
	struct spool sp;
	struct spool_rec sh;
	struct keyslot *s;
	XXH128_hash_t h;
	const char *line;
	int isnew, obj, k, rc;

	if (spool_open(&sp, r->o->tmpdir) == -1)
		cli_fail(r->c, EX_CANTCREAT, "--tmpdir %s: %s", r->o->tmpdir,
		    strerror(errno));
	while (cli_next(r->c)) {
		memset(&sh, 0, sizeof(sh));
		sh.row = position(r->c);
		k = classify(r, in->lineno, in->line, in->len, &h, &obj);
		if (k == KEY_ERROR ||
		    (k == KEY_NULL && r->o->null_key != NULL_KEEP))
			continue;
		if (k == KEY_OK) {
			s = table_put(r, h, sh.row, &isnew);
			*r->n_distinct += isnew;
			if (s->row > 0)
				s->row = sh.row;	/* seen keys stay < 0 */
			sh.lo = h.low64;
			sh.hi = h.high64;
		} else
			sh.flags |= SPOOL_PASS;
		sh.flags |= obj ? SPOOL_OBJECT : 0;
		sh.len = (uint32_t)in->len;
		if (spool_write(&sp, &sh, in->line) == -1)
			cli_fail(r->c, EX_IOERR, "spool in %s: write error: %s",
			    r->o->tmpdir, strerror(errno));
	}
	if (spool_rewind(&sp) == -1)
		cli_fail(r->c, EX_IOERR, "spool in %s: %s", r->o->tmpdir,
		    strerror(errno));
	while ((rc = spool_read(&sp, &sh, &line)) == 1) {
		if (sh.flags & SPOOL_PASS) {
			cli_pass(r->c, line, sh.len);
			continue;
		}
		s = keytab_get(&r->tab, sh.lo, sh.hi);
		if (s->row == sh.row)
			cli_pass(r->c, line, sh.len);
		else
			write_dupe(r, line, sh.len, sh.flags & SPOOL_OBJECT,
			    s->row);
	}
	if (rc == -1)
		cli_fail(r->c, EX_IOERR, "spool: read error: %s",
		    strerror(errno));
	spool_close(&sp);
}

/* Close --dupes, free the table, report the filter. */
static void
run_finish(struct run *r)
{
	if (r->has_dupes) {
		r->has_dupes = 0;
		cli_close_out(r->c, &r->dupes);
	}
	keytab_free(&r->tab);
	if (r->o->approx) {
		filter_report(r);
		bloom_free(&r->bf);
	}
}

/*
 * Validate the record and compute its key. KEY_ERROR: the record went
 * to the rejects (or was dropped for --null-key drop).
 */
static int
classify(struct run *r, int64_t row, const char *line, size_t len,
    XXH128_hash_t *h, int *obj)
{
	struct js_err e;
	char msg[640];
	int k;

	*obj = 0;
	if (js_scan(&r->doc, line, len, &e) == -1) {
		cli_reject(r->c, row, line, len, 0, js_strerror(&e, msg,
		    sizeof(msg)), NULL);
		return KEY_ERROR;
	}
	*obj = r->doc.v[0].type == JS_OBJECT;
	k = record_key(r, line, len, h, msg, sizeof(msg));
	if (k == KEY_ERROR) {
		cli_reject(r->c, row, line, len, *obj, msg, NULL);
		return KEY_ERROR;
	}
	if (k == KEY_NULL) {
		if (r->o->null_key == NULL_REJECT) {
			cli_reject(r->c, row, line, len, *obj, msg, NULL);
			return KEY_ERROR;
		}
		if (r->o->null_key == NULL_DROP) {
			(*r->n_null)++;
			return KEY_ERROR;
		}
	}
	return k;
}

/*
 * The key of the scanned record: without -k the line's bytes; with -k,
 * each value as a type byte, a 64-bit length and its bytes (a string's
 * decoded contents, any other value's JSON text), so that composite keys
 * cannot run into each other.
 */
static int
record_key(struct run *r, const char *line, size_t len, XXH128_hash_t *h,
    char *msg, size_t msglen)
{
	struct jqx_val v;
	char err[512];
	int i, st;

	if (r->o->nkeys == 0) {
		*h = XXH3_128bits(line, len);
		return KEY_OK;
	}
	buf_reset(&r->keybuf);
	for (i = 0; i < r->o->nkeys; i++) {
		st = jqx_eval(r->key_expr[i], &r->doc, &v, err, sizeof(err));
		if (st == JQX_ERROR) {
			snprintf(msg, msglen, "key %s: %s", r->o->key_src[i],
			    err);
			return KEY_ERROR;
		}
		if (st == JQX_EMPTY || v.type == JS_NULL) {
			snprintf(msg, msglen, "key %s is %s", r->o->key_src[i],
			    st == JQX_EMPTY ? "empty" : "null");
			return KEY_NULL;
		}
		add_key_value(&r->keybuf, &v);
	}
	*h = XXH3_128bits(r->keybuf.p, r->keybuf.len);
	return KEY_OK;
}

static void
add_key_value(struct buf *b, const struct jqx_val *v)
{
	uint64_t n = v->type == JS_STRING ? v->slen : v->len;

	buf_addc(b, v->type);
	buf_add(b, &n, sizeof(n));
	if (v->type == JS_STRING)
		buf_add(b, v->str, v->slen);
	else
		buf_add(b, v->text, v->len);
}

/* keytab_put, or stop when the table would pass --memory. */
static struct keyslot *
table_put(struct run *r, XXH128_hash_t h, int64_t row, int *isnew)
{
	struct keyslot *s;

	if ((s = keytab_put(&r->tab, h.low64, h.high64, row, isnew)) == NULL)
		cli_fail(r->c, EX_SOFTWARE, "key table would pass --memory %zu "
		    "bytes at %zu distinct keys (%s cannot spill); raise "
		    "--memory or split the input with chunk --shards K --key "
		    "EXPR", r->tab.limit, r->tab.n, r->o->keep_last ?
		    "--keep last" : "--seen");
	*r->n_peak = (int64_t)r->tab.peak;
	return s;
}

/* Add a key to the --approx filter: 1 when it is new (a bit was unset). */
static int
filter_put(struct run *r, XXH128_hash_t h)
{
	return !bloom_add(&r->bf, h.low64, h.high64);
}

/* The filter's fill and estimated false-positive rate, for the summary. */
static void
filter_report(struct run *r)
{
	int64_t n = *r->n_distinct + (r->n_seen != NULL ? *r->n_seen : 0);

	*r->r_fill = bloom_fill(&r->bf);
	*r->r_fp = bloom_fp_now(&r->bf);
	if (!r->c->quiet && n > r->o->expect)
		cli_warn(r->c, "%" PRId64 " distinct keys, more than --expect %"
		    PRId64 ": the estimated false-positive rate is now %.3g%%",
		    n, r->o->expect, *r->r_fp * 100);
}

/*
 * A duplicate: to --dupes with _dupe_of_row (or _dupe_of_seen), or drop.
 * of == 0 (--approx): "_dupe_of_row":null, the row kept is not known.
 */
/*
 * Where the current record is, as the table keeps it: its row, and in
 * the bits above POS_ROW_BITS its operand (so the order is input order
 * across operands).
 */
static int64_t
position(const struct cli *c)
{
	return (int64_t)c->cur << POS_ROW_BITS | c->in.lineno;
}

static void
write_dupe(struct run *r, const char *line, size_t len, int obj, int64_t of)
{
	struct rec_field f[2];
	const char *file;
	size_t nf = 1;

	(*r->n_dupes)++;
	if (!r->has_dupes)
		return;
	if (of == 0)
		f[0] = (struct rec_field){ "_dupe_of_row", REC_JSON, "null", 4,
		    0 };
	else if (of > 0) {
		f[0] = (struct rec_field){ "_dupe_of_row", REC_INT, NULL, 0,
		    of & (((int64_t)1 << POS_ROW_BITS) - 1) };
		if (r->c->nfile > 1) {
			file = r->c->file[of >> POS_ROW_BITS].name;
			f[nf++] = (struct rec_field){ "_dupe_of_file", REC_STR,
			    file, strlen(file), 0 };
		}
	} else
		f[0] = (struct rec_field){ "_dupe_of_seen", REC_INT, NULL, 0,
		    -of };
	buf_reset(&r->scratch);
	rec_annotate(&r->scratch, line, len, obj, f, nf);
	buf_addc(&r->scratch, '\n');
	cli_put(r->c, &r->dupes, r->scratch.p, r->scratch.len);
}
