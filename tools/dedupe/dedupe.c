/*
 * dedupe: keep the first (or last) record of each key of a JSON Lines
 * stream, in input order; send the others to --dupes FILE or drop them.
 * Exact by default (a table of key hashes, spilling past --memory);
 * --approx uses a fixed-size Bloom filter instead (bloom.h).
 */
#include <errno.h>
#include <fcntl.h>
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
#define SPOOL_BUFSIZE	(1024 * 1024)

enum { NULL_REJECT, NULL_KEEP, NULL_DROP };
enum { OPT_DUPES = CLI_TOOL_BASE, OPT_DROP, OPT_KEEP, OPT_NULL_KEY,
    OPT_MEMORY, OPT_SEEN, OPT_TMPDIR, OPT_APPROX, OPT_EXPECT, OPT_FP_RATE };

/* How a record's key came out. */
enum { KEY_OK, KEY_NULL, KEY_ERROR };

/* Spooled record flags (--keep last). */
#define SP_OBJECT	0x1	/* the record is a JSON object */
#define SP_PASS		0x2	/* kept whatever its key (--null-key keep) */

struct spool_hdr {
	int64_t		row;
	uint64_t	lo, hi;
	uint32_t	len;
	uint32_t	flags;
};

static struct cli	 c;
static const char	*key_src[MAX_KEYS];
static struct jqx	*key_expr[MAX_KEYS];
static int		 nkeys;
static const char	*dupes_path;
static int		 drop;
static int		 keep_last;
static int		 null_key = NULL_REJECT;
static const char	*seen_path;
static const char	*tmpdir;
static size_t		 memory;
static int		 approx;
static int64_t		 expect;
static double		 fp_rate = -1;	/* percent; -1: not given */
static struct bloom	 bf;
static struct keytab	 tab;
static struct rec_out	 dupes;
static int		 has_dupes;
static struct js_doc	 doc;
static struct buf	 keybuf = BUF_INIT;
static struct buf	 scratch = BUF_INIT;
static struct buf	 spooled = BUF_INIT;	/* a record read back */
static int64_t		*n_dupes, *n_distinct, *n_null, *n_peak, *n_seen;
static int64_t		*n_fbytes, *n_fhashes;
static double		*r_fill, *r_fp;
static struct spill	 sp;
static int		 spilling;

static void	 check_approx(void);
static void	 compile_keys(void);
static void	 load_seen(const char *);
static void	 dedupe_first(void);
static void	 dedupe_approx(void);
static void	 spill_start(void);
static void	 spill_output(void);
static void	 dedupe_last(void);
static int	 classify(int64_t, const char *, size_t, XXH128_hash_t *,
		    int *);
static int	 record_key(const char *, size_t, XXH128_hash_t *, char *,
		    size_t);
static void	 add_key_value(struct buf *, const struct jqx_val *);
static struct keyslot *table_put(XXH128_hash_t, int64_t, int *);
static int	 filter_put(XXH128_hash_t);
static void	 filter_report(void);
static void	 write_dupe(const char *, size_t, int, int64_t);
static int	 spool_open(void);
static void	 spool_read(FILE *, void *, size_t);
static void	 usage(void) __attribute__((noreturn));

static const char usage_text[] =
"usage: dedupe [-k EXPR]... (--dupes FILE | --drop) [--keep first|last]\n"
"              [--null-key reject|keep|drop] [--seen FILE] [--memory SIZE]\n"
"              [--tmpdir DIR] [common options] [FILE]\n"
"       dedupe --approx --expect N [--memory SIZE | --fp-rate P%] [-k EXPR]...\n"
"              (--dupes FILE | --drop) [--null-key ...] [--seen FILE]\n"
"              [common options] [FILE]\n"
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

	cli_init(&c, "dedupe", usage_text, argv);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "k:", opts,
	    NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'k':
			if (nkeys == MAX_KEYS)
				cli_usage(&c, "-k: at most %d keys", MAX_KEYS);
			key_src[nkeys++] = optarg;
			break;
		case OPT_DUPES:
			dupes_path = optarg;
			break;
		case OPT_DROP:
			drop = 1;
			break;
		case OPT_KEEP:
			if (strcmp(optarg, "first") == 0)
				keep_last = 0;
			else if (strcmp(optarg, "last") == 0)
				keep_last = 1;
			else
				cli_usage(&c, "--keep: '%s' is not first or "
				    "last", optarg);
			break;
		case OPT_NULL_KEY:
			if (strcmp(optarg, "reject") == 0)
				null_key = NULL_REJECT;
			else if (strcmp(optarg, "keep") == 0)
				null_key = NULL_KEEP;
			else if (strcmp(optarg, "drop") == 0)
				null_key = NULL_DROP;
			else
				cli_usage(&c, "--null-key: '%s' is not reject, "
				    "keep or drop", optarg);
			break;
		case OPT_MEMORY:
			memory = (size_t)cli_size(&c, "--memory", optarg);
			if (memory == 0)
				cli_usage(&c, "--memory: must be more than 0");
			break;
		case OPT_SEEN:
			seen_path = optarg;
			break;
		case OPT_TMPDIR:
			tmpdir = optarg;
			break;
		case OPT_APPROX:
			approx = 1;
			break;
		case OPT_EXPECT:
			expect = cli_num(&c, "--expect", optarg, 1, INT64_MAX);
			break;
		case OPT_FP_RATE:
			fp_rate = cli_percent(&c, "--fp-rate", optarg);
			if (fp_rate == 0 || fp_rate >= 100)
				cli_usage(&c, "--fp-rate: '%s' must be more "
				    "than 0%% and less than 100%%", optarg);
			break;
		default:
			usage();
		}
	}
	if (dupes_path == NULL && !drop)
		cli_usage(&c, "say where duplicates go: --dupes FILE or --drop");
	if (dupes_path != NULL && drop)
		cli_usage(&c, "--dupes and --drop exclude each other");
	if (seen_path != NULL && nkeys != 1)
		cli_usage(&c, "--seen needs exactly one -k");
	if (null_key != NULL_REJECT && nkeys == 0)
		cli_usage(&c, "--null-key needs -k");
	check_approx();
	compile_keys();
	if (tmpdir == NULL && (tmpdir = getenv("TMPDIR")) == NULL)
		tmpdir = "/tmp";

	c.passed_name = "kept";
	n_dupes = cli_diverted(&c, "duplicates");
	n_distinct = cli_counter(&c, "distinct keys");
	if (null_key == NULL_DROP)
		n_null = cli_diverted(&c, "null keys dropped");
	if (seen_path != NULL)
		n_seen = cli_counter(&c, "seen keys");
	if (approx) {
		n_fbytes = cli_counter(&c, "filter bytes");
		n_fhashes = cli_counter(&c, "filter hashes");
		r_fill = cli_real(&c, "filter fill");
		r_fp = cli_real(&c, "estimated fp rate");
		bloom_init(&bf, memory, bloom_best_k(memory, (double)expect));
		*n_fbytes = (int64_t)bf.bytes;
		*n_fhashes = bf.k;
	} else
		n_peak = cli_counter(&c, "peak table bytes");
	cli_start(&c, argc - optind, argv + optind);
	if (dupes_path != NULL) {
		cli_open_out(&c, &dupes, "--dupes", dupes_path);
		has_dupes = 1;
	}
	if (seen_path != NULL)
		load_seen(seen_path);

	if (approx)
		dedupe_approx();
	else if (keep_last)
		dedupe_last();
	else
		dedupe_first();

	if (has_dupes) {
		has_dupes = 0;
		cli_close_out(&c, &dupes);
	}
	keytab_free(&tab);
	if (approx) {
		filter_report();
		bloom_free(&bf);
	}
	return cli_finish(&c);
}

/*
 * --approx takes none of the options of the exact table's spill and
 * second pass; --expect and --fp-rate belong to it. Size the filter:
 * --memory bytes, or the fewest for --fp-rate (default 0.1%) at N keys.
 */
static void
check_approx(void)
{
	int given = memory != 0;

	if (!approx) {
		if (expect != 0)
			cli_usage(&c, "--expect needs --approx");
		if (fp_rate >= 0)
			cli_usage(&c, "--fp-rate needs --approx");
		tab.limit = memory;
		return;
	}
	if (keep_last)
		cli_usage(&c, "--approx and --keep last exclude each other: "
		    "a filter cannot tell which record of a key is the last");
	if (tmpdir != NULL)
		cli_usage(&c, "--approx and --tmpdir exclude each other: "
		    "the filter never spills");
	if (expect == 0)
		cli_usage(&c, "--approx needs --expect N, the number of "
		    "distinct keys expected");
	if (given && fp_rate >= 0)
		cli_usage(&c, "--memory and --fp-rate exclude each other: "
		    "both size the --approx filter");
	if (given && memory < BLOOM_BLOCK_BYTES)
		cli_usage(&c, "--memory: --approx needs at least %d bytes",
		    BLOOM_BLOCK_BYTES);
	if (!given && (memory = bloom_bytes_for((double)expect,
	    (fp_rate >= 0 ? fp_rate : 0.1) / 100)) == 0)
		cli_usage(&c, "--fp-rate: no filter is small enough for %"
		    PRId64 " keys at that rate", expect);
	if ((double)memory > (double)sysconf(_SC_PHYS_PAGES) *
	    (double)sysconf(_SC_PAGESIZE))
		cli_usage(&c, given ? "--memory: %.1f GB is more than this "
		    "machine has" : "--approx: the filter would need %.1f GB, "
		    "more than this machine has (a larger --fp-rate or a "
		    "smaller --expect)", (double)memory / 1e9);
}

static void
compile_keys(void)
{
	char err[512];
	int i;

	for (i = 0; i < nkeys; i++)
		if ((key_expr[i] = jqx_compile(key_src[i], err,
		    sizeof(err))) == NULL)
			cli_usage(&c, "-k %s: %s", key_src[i], err);
}

/*
 * --seen FILE: each line is a key as one JSON value, hashed as the value
 * of the single -k would be. Its slot row is minus the line number.
 */
static void
load_seen(const char *path)
{
	struct rec_in in;
	struct js_err e;
	struct jqx_val v;
	XXH128_hash_t h;
	int isnew, r;

	if (rec_open(&in, path, c.max_line) == -1) {
		fprintf(stderr, "dedupe: --seen %s: %s\n", path,
		    strerror(errno));
		exit(EX_NOINPUT);
	}
	while ((r = rec_next(&in)) == 1) {
		if (in.too_long)
			cli_fail(&c, EX_DATAERR, "--seen %s: line %" PRId64
			    ": longer than --max-line", path, in.lineno);
		if (js_scan(&doc, in.line, in.len, &e) == -1)
			cli_fail(&c, EX_DATAERR, "--seen %s: line %" PRId64
			    ": invalid JSON: col %zu: %s", path, in.lineno,
			    e.col, e.msg);
		memset(&v, 0, sizeof(v));
		v.type = doc.v[0].type;
		if (v.type == JS_NULL)
			cli_fail(&c, EX_DATAERR, "--seen %s: line %" PRId64
			    ": null is not a key", path, in.lineno);
		v.text = js_text(&doc, 0);
		v.len = doc.v[0].len;
		buf_reset(&scratch);
		if (v.type == JS_STRING) {
			js_str(&doc, 0, &scratch);
			v.str = scratch.p != NULL ? scratch.p : "";
			v.slen = scratch.len;
		}
		buf_reset(&keybuf);
		add_key_value(&keybuf, &v);
		h = XXH3_128bits(keybuf.p, keybuf.len);
		if (approx)
			isnew = filter_put(h);
		else
			table_put(h, -in.lineno, &isnew);
		*n_seen += isnew;
	}
	if (r == -1)
		cli_fail(&c, EX_IOERR, "--seen %s: read error: %s", path,
		    strerror(errno));
	rec_close(&in);
}

/*
 * One pass: the first record of a key is kept, later ones are dupes.
 * Past --memory, the table is frozen and the rest goes through spill.
 */
static void
dedupe_first(void)
{
	struct keyslot *s;
	XXH128_hash_t h;
	int64_t row;
	int isnew, obj, k, rc;

	while (cli_next(&c)) {
		row = c.in.lineno;
		k = classify(row, c.in.line, c.in.len, &h, &obj);
		if (k == KEY_ERROR || (k == KEY_NULL && null_key != NULL_KEEP))
			continue;
		if (!spilling) {
			if (k == KEY_NULL) {
				cli_pass(&c, c.in.line, c.in.len);
				continue;
			}
			s = keytab_put(&tab, h.low64, h.high64, row, &isnew);
			if (s != NULL) {
				*n_peak = (int64_t)tab.peak;
				*n_distinct += isnew;
				if (isnew)
					cli_pass(&c, c.in.line, c.in.len);
				else
					write_dupe(c.in.line, c.in.len, obj,
					    s->row);
				continue;
			}
			spill_start();
		}
		if (k == KEY_NULL)
			rc = spill_record(&sp, row, SPILL_PASS, 0, obj,
			    c.in.line, c.in.len);
		else if ((s = keytab_get(&tab, h.low64, h.high64)) != NULL)
			rc = spill_record(&sp, row, SPILL_DUPE, s->row, obj,
			    c.in.line, c.in.len);
		else
			rc = spill_record(&sp, row, SPILL_OPEN, 0, obj,
			    c.in.line, c.in.len) == -1 ? -1 :
			    spill_key(&sp, h.high64, h.low64, row);
		if (rc == -1)
			cli_fail(&c, EX_IOERR, "spill to %s: %s", tmpdir,
			    strerror(errno));
	}
	if (spilling)
		spill_output();
}

/*
 * --approx: one pass. A key whose bits are all set already is taken for
 * a duplicate (of a row unknown: _dupe_of_row is null); others are kept
 * and their bits set.
 */
static void
dedupe_approx(void)
{
	XXH128_hash_t h;
	int obj, k;

	while (cli_next(&c)) {
		k = classify(c.in.lineno, c.in.line, c.in.len, &h, &obj);
		if (k == KEY_ERROR || (k == KEY_NULL && null_key != NULL_KEEP))
			continue;
		if (k == KEY_NULL)
			cli_pass(&c, c.in.line, c.in.len);
		else if (filter_put(h)) {
			(*n_distinct)++;
			cli_pass(&c, c.in.line, c.in.len);
		} else
			write_dupe(c.in.line, c.in.len, obj, 0);
	}
}

/* The table is full: freeze it and spill the rest of the input. */
static void
spill_start(void)
{
	if (spill_init(&sp, tmpdir, tab.limit / 4) == -1)
		cli_fail(&c, EX_CANTCREAT, "--tmpdir %s: %s", tmpdir,
		    strerror(errno));
	spilling = 1;
	if (!c.quiet)
		cli_warn(&c, "line %" PRId64 ": key table full at --memory "
		    "%zu bytes (%zu keys); spilling to %s", c.in.lineno,
		    tab.limit, tab.n, tmpdir);
}

/* Merge the runs, then write the spilled records in input order. */
static void
spill_output(void)
{
	const char *line;
	size_t len;
	int64_t of;
	int obj, r;

	if (spill_finish(&sp) == -1)
		cli_fail(&c, EX_IOERR, "spill in %s: %s", tmpdir,
		    strerror(errno));
	*n_distinct += sp.groups;
	while ((r = spill_next(&sp, &line, &len, &obj, &of)) == 1) {
		if (of == 0)
			cli_pass(&c, line, len);
		else
			write_dupe(line, len, obj, of);
	}
	if (r == -1)
		cli_fail(&c, EX_IOERR, "spill in %s: read error: %s", tmpdir,
		    strerror(errno));
	spill_free(&sp);
}

/*
 * --keep last, two passes. The first reads the input, handles rejects,
 * records in the table the last row of each key and spools each record
 * with its row and key hash to an unlinked 0600 temporary file in
 * --tmpdir. The second reads the spool back in input order: a record is
 * kept when it is the last of its key, else it is a duplicate of that
 * last row.
 */
static void
dedupe_last(void)
{
	struct spool_hdr sh;
	struct rec_out sp;
	struct keyslot *s;
	XXH128_hash_t h;
	FILE *f;
	int fd, isnew, obj, k;

	fd = spool_open();
	rec_out_fd(&sp, fd, "spool");
	while (cli_next(&c)) {
		memset(&sh, 0, sizeof(sh));
		sh.row = c.in.lineno;
		k = classify(sh.row, c.in.line, c.in.len, &h, &obj);
		if (k == KEY_ERROR || (k == KEY_NULL && null_key != NULL_KEEP))
			continue;
		if (k == KEY_OK) {
			s = table_put(h, sh.row, &isnew);
			*n_distinct += isnew;
			if (s->row > 0)
				s->row = sh.row;	/* seen keys stay < 0 */
			sh.lo = h.low64;
			sh.hi = h.high64;
		} else
			sh.flags |= SP_PASS;
		sh.flags |= obj ? SP_OBJECT : 0;
		sh.len = (uint32_t)c.in.len;
		if (rec_put(&sp, &sh, sizeof(sh)) == -1 ||
		    rec_put(&sp, c.in.line, c.in.len) == -1)
			cli_fail(&c, EX_IOERR, "spool in %s: write error: %s",
			    tmpdir, strerror(errno));
	}
	if (rec_flush(&sp) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		cli_fail(&c, EX_IOERR, "spool in %s: %s", tmpdir,
		    strerror(errno));
	free(sp.buf);
	if ((f = fdopen(fd, "rb")) == NULL)
		cli_fail(&c, EX_IOERR, "spool: %s", strerror(errno));
	setvbuf(f, NULL, _IOFBF, SPOOL_BUFSIZE);
	while (fread(&sh, sizeof(sh), 1, f) == 1) {
		buf_reset(&spooled);
		buf_grow(&spooled, sh.len);
		spool_read(f, spooled.p, sh.len);
		if (sh.flags & SP_PASS) {
			cli_pass(&c, spooled.p, sh.len);
			continue;
		}
		s = keytab_get(&tab, sh.lo, sh.hi);
		if (s->row == sh.row)
			cli_pass(&c, spooled.p, sh.len);
		else
			write_dupe(spooled.p, sh.len, sh.flags & SP_OBJECT,
			    s->row);
	}
	if (ferror(f))
		cli_fail(&c, EX_IOERR, "spool: read error: %s",
		    strerror(errno));
	fclose(f);
}

/*
 * Validate the record and compute its key. KEY_ERROR: the record went
 * to the rejects (or was dropped for --null-key drop).
 */
static int
classify(int64_t row, const char *line, size_t len, XXH128_hash_t *h,
    int *obj)
{
	struct js_err e;
	char msg[640];
	int k;

	*obj = 0;
	if (js_scan(&doc, line, len, &e) == -1) {
		snprintf(msg, sizeof(msg), "invalid JSON: col %zu: %s", e.col,
		    e.msg);
		cli_reject(&c, row, line, len, 0, msg, NULL);
		return KEY_ERROR;
	}
	*obj = doc.v[0].type == JS_OBJECT;
	k = record_key(line, len, h, msg, sizeof(msg));
	if (k == KEY_ERROR) {
		cli_reject(&c, row, line, len, *obj, msg, NULL);
		return KEY_ERROR;
	}
	if (k == KEY_NULL) {
		if (null_key == NULL_REJECT) {
			cli_reject(&c, row, line, len, *obj, msg, NULL);
			return KEY_ERROR;
		}
		if (null_key == NULL_DROP) {
			(*n_null)++;
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
record_key(const char *line, size_t len, XXH128_hash_t *h, char *msg,
    size_t msglen)
{
	struct jqx_val v;
	char err[512];
	int i, st;

	if (nkeys == 0) {
		*h = XXH3_128bits(line, len);
		return KEY_OK;
	}
	buf_reset(&keybuf);
	for (i = 0; i < nkeys; i++) {
		st = jqx_eval(key_expr[i], &doc, &v, err, sizeof(err));
		if (st == JQX_ERROR) {
			snprintf(msg, msglen, "key %s: %s", key_src[i], err);
			return KEY_ERROR;
		}
		if (st == JQX_EMPTY || v.type == JS_NULL) {
			snprintf(msg, msglen, "key %s is %s", key_src[i],
			    st == JQX_EMPTY ? "empty" : "null");
			return KEY_NULL;
		}
		add_key_value(&keybuf, &v);
	}
	*h = XXH3_128bits(keybuf.p, keybuf.len);
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
table_put(XXH128_hash_t h, int64_t row, int *isnew)
{
	struct keyslot *s;

	if ((s = keytab_put(&tab, h.low64, h.high64, row, isnew)) == NULL)
		cli_fail(&c, EX_SOFTWARE, "key table would pass --memory %zu "
		    "bytes at %zu distinct keys (%s cannot spill); raise "
		    "--memory or split the input with chunk --shards K --key "
		    "EXPR", tab.limit, tab.n, keep_last ? "--keep last" :
		    "--seen");
	*n_peak = (int64_t)tab.peak;
	return s;
}

/* Add a key to the --approx filter: 1 when it is new (a bit was unset). */
static int
filter_put(XXH128_hash_t h)
{
	return !bloom_add(&bf, h.low64, h.high64);
}

/* The filter's fill and estimated false-positive rate, for the summary. */
static void
filter_report(void)
{
	int64_t n = *n_distinct + (n_seen != NULL ? *n_seen : 0);

	*r_fill = bloom_fill(&bf);
	*r_fp = bloom_fp_now(&bf);
	if (!c.quiet && n > expect)
		cli_warn(&c, "%" PRId64 " distinct keys, more than --expect %"
		    PRId64 ": the estimated false-positive rate is now %.3g%%",
		    n, expect, *r_fp * 100);
}

/*
 * A duplicate: to --dupes with _dupe_of_row (or _dupe_of_seen), or drop.
 * of == 0 (--approx): "_dupe_of_row":null, the row kept is not known.
 */
static void
write_dupe(const char *line, size_t len, int obj, int64_t of)
{
	struct rec_field f;

	(*n_dupes)++;
	if (!has_dupes)
		return;
	if (of == 0)
		f = (struct rec_field){ "_dupe_of_row", REC_JSON, "null", 4, 0 };
	else if (of > 0)
		f = (struct rec_field){ "_dupe_of_row", REC_INT, NULL, 0, of };
	else
		f = (struct rec_field){ "_dupe_of_seen", REC_INT, NULL, 0, -of };
	buf_reset(&scratch);
	rec_annotate(&scratch, line, len, obj, &f, 1);
	buf_addc(&scratch, '\n');
	cli_put(&c, &dupes, scratch.p, scratch.len);
}

static int
spool_open(void)
{
	int fd;

	if ((fd = spill_tempfd(tmpdir)) == -1)
		cli_fail(&c, EX_CANTCREAT, "--tmpdir %s: %s", tmpdir,
		    strerror(errno));
	return fd;
}

static void
spool_read(FILE *f, void *p, size_t n)
{
	if (n > 0 && fread(p, n, 1, f) != 1)
		cli_fail(&c, EX_IOERR, "spool: short read");
}

static void
usage(void)
{
	cli_usage(&c, NULL);
}
