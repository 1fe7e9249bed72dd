/*
 * chunk: split a record stream into files for parallel loading, never
 * cutting a record. By count (-l), size (-b), round-robin (-n), time
 * period (--by --period), value (--by) or key hash (--shards --key).
 * Each completed chunk is renamed from a temp name and its path printed,
 * or handed to --exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunk.h"
#include "cli.h"

enum mode { M_NONE, M_SIZE, M_ROUND };

enum {
	OPT_PREFIX = CLI_TOOL_BASE, OPT_SUFFIX, OPT_DIGITS, OPT_EXEC,
	OPT_MAX_OPEN, OPT_FSYNC
};

static const char usage[] =
"usage: chunk -l N | -b SIZE | -n K [-o DIR] [--prefix STR] [--suffix STR]\n"
"             [--exec CMD [-j N]] [-0] [options] [FILE]\n"
"Split JSON Lines into files, never cutting a record; print each\n"
"completed file's path on stdout.\n"
"  -l, --lines N           N records per chunk\n"
"  -b, --bytes SIZE        at most SIZE bytes per chunk (64K, 16M, 1G), cut\n"
"                          at record boundaries; with -l, whichever is first\n"
"  -n, --number K          K chunks, records dealt round-robin\n"
"  -o, --output-dir DIR    write chunks in DIR (created if missing)\n"
"      --prefix STR        name prefix (default \"part-\")\n"
"      --suffix STR        name suffix (default \".jsonl\")\n"
"      --digits N          digits of the chunk number (default 5)\n"
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
static uint64_t		 bytes_per;	/* -b */
static int64_t		 nround;	/* -n */
static const char	*prefix = "part-";
static const char	*suffix = ".jsonl";
static int		 digits = 5;
static const char	*exec_cmd;
static int64_t		 jobs;
static char		 sep = '\n';
static const char	*out_dir;
static size_t		 max_open = 64;
static int		 sync_chunks;

static struct out	*cur;		/* -l, -b: the chunk being filled */
static struct out	**slots;	/* -n: the K chunks */
static int64_t		 seq;		/* chunks started / records dealt */

static void		 parse_options(int, char **);
static struct out	*route(const char *, size_t);
static char		*numbered(int64_t);
static void		 done(char *);
static void		 at_exit(void);

int
main(int argc, char *argv[])
{
	const char *rec;
	size_t raw;
	struct out *o;
	int r;

	cli_init(&c, "chunk", usage);
	c.unit = "records";
	c.passed_name = "written";
	parse_options(argc, argv);
	cli_start(&c, argc - optind, argv + optind);
	if (c.in.fd > 2)
		(void)fcntl(c.in.fd, F_SETFD, FD_CLOEXEC);
	chunks_init(&set, &c, out_dir);
	set.max_open = max_open;
	set.sync = sync_chunks;
	if (exec_cmd != NULL) {
		run.started = cli_counter(&c, "commands run");
		run.failed = cli_counter(&c, "commands failed");
	}
	if (mode == M_ROUND)
		slots = xcalloc((size_t)nround, sizeof(*slots));
	atexit(at_exit);

	while (cli_next(&c)) {
		/* The record with its own line end (LF, CRLF or none). */
		rec = c.in.line;
		raw = (size_t)(c.in.buf + c.in.pos - rec);
		if ((o = route(rec, raw)) == NULL)
			continue;
		chunk_put(&set, o, rec, raw);
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

static void
parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_LONGOPTS,
		{ "lines",	required_argument,	NULL, 'l' },
		{ "bytes",	required_argument,	NULL, 'b' },
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
		{ NULL, 0, NULL, 0 }
	};
	const char *why, *dir = NULL;
	size_t n;
	int ch, nmodes;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "l:b:n:o:j:0",
	    opts, NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'l':
			lines_per = cli_num(&c, "-l", optarg, 1, INT64_MAX);
			break;
		case 'b':
			bytes_per = cli_size(&c, "-b", optarg);
			if (bytes_per == 0)
				cli_usage(&c, "-b: must be at least 1 byte");
			break;
		case 'n':
			nround = cli_num(&c, "-n", optarg, 1, 1000000);
			break;
		case 'o':
			dir = optarg;
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
		default:
			cli_usage(&c, NULL);
		}
	}

	nmodes = (lines_per || bytes_per) + (nround > 0);
	if (nmodes == 0)
		cli_usage(&c, "say how to split: -l, -b or -n");
	if (nmodes > 1)
		cli_usage(&c, "-n cannot be combined with -l or -b");
	mode = nround > 0 ? M_ROUND : M_SIZE;
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
	if (dir != NULL) {
		/* "out/" and "out" name the same files. */
		n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		out_dir = strndup(dir, n);
		if (*out_dir == '\0')
			cli_usage(&c, "-o: empty directory name");
	}
}

/* The chunk a record goes to; NULL when it was rejected. */
static struct out *
route(const char *rec, size_t raw)
{
	struct out *o;
	char *name;
	size_t need = raw + (rec[raw - 1] != '\n');
	int64_t i;

	switch (mode) {
	case M_SIZE:
		if (cur != NULL && bytes_per && cur->bytes + need > bytes_per &&
		    cur->records > 0) {
			done(chunk_finish(&set, cur));
			cur = NULL;
		}
		if (cur == NULL) {
			name = numbered(++seq);
			cur = chunk_new(&set, name);
			free(name);
		}
		return cur;
	case M_ROUND:
		i = seq++ % nround;
		if ((o = slots[i]) == NULL) {
			name = numbered(i + 1);
			o = slots[i] = chunk_new(&set, name);
			free(name);
		}
		return o;
	default:
		abort();
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

	if (mode == M_ROUND)
		for (k = nround, width = 0; k > 0; k /= 10)
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
	cli_write(&c, path, strlen(path));
	cli_write(&c, &sep, 1);
	free(path);
	if (rec_flush(&c.out) == -1) {
		if (errno == EPIPE)
			exit(0);
		cli_fail(&c, EX_IOERR, "stdout: write error: %s",
		    strerror(errno));
	}
}

/* However chunk ends: no temp file stays, no command is left running. */
static void
at_exit(void)
{
	chunks_abandon(&set);
	if (exec_cmd != NULL)
		exec_wait_all(&run, cli_signal);
}
