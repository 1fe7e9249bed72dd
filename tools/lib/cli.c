/* cli: common options, messages, summary, side files, error budget. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Rate limits are judged only once this many records were seen. */
#define RATE_MIN_RECORDS	1000

volatile int cli_signal;

const char cli_common_help[] =
"Common options:\n"
"  -r, --rejects FILE      divert bad records to FILE (JSONL, with _error_row\n"
"                          and _error_message); without it the first bad\n"
"                          record stops the run with exit 65\n"
"      --max-errors N      with --rejects: stop once more than N are rejected\n"
"      --max-error-rate P% with --rejects: stop once more than P% are rejected\n"
"                          (judged after 1000 records and at the end)\n"
"      --max-line SIZE     longest input line (default 64M); longer is a reject\n"
"      --stats FILE        write the summary as JSON to FILE\n"
"      --stats-interval S  with --stats: also every S seconds, a JSON object\n"
"                          a line, \"final\":false until the last\n"
"      --progress[=N]      show progress on stderr (default: when a terminal);\n"
"                          with N, a line every N records (for logs)\n"
"  -q, --quiet             print nothing but errors\n"
"  -h, --help              show this help\n"
"      --version           show the version\n";

static void	 on_signal(int);
static void	 summary(struct cli *, FILE *);
static int	 write_stats(struct cli *);
static void	 stats_json(struct cli *, struct buf *, int);
static void	 stats_snapshot(struct cli *);
static void	 out_failed(struct cli *, struct rec_out *);
static void	 progress(struct cli *);
static void	 release(struct cli *);
static void	 interrupted(struct cli *);
static void	 read_failed(struct cli *);
static int	 next_line(void *);
static int	 flush_sides(struct cli *);

double
cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
cli_init(struct cli *c, const char *prog, const char *usage, char **argv)
{
	struct sigaction sa;

	argv[0] = (char *)prog;
	rec_stop = &cli_signal;
	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->usage = usage;
	c->progress = -1;
	c->max_errors = -1;
	c->max_error_rate = -1;
	c->unit = "lines";
	c->passed_name = "passed";
	c->t0 = cli_now();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;	/* no SA_RESTART: reads return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void
on_signal(int sig)
{
	cli_signal = sig;
}

int
cli_option(struct cli *c, int ch, const char *arg)
{
	switch (ch) {
	case 'h':
		fputs(c->usage, stdout);
		fputs(cli_common_help, stdout);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CLI_VERSION:
		printf("%s (sluice) %s\n", c->prog, SLUICE_VERSION);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	case 'q':
		c->quiet = 1;
		c->progress = 0;
		return 1;
	case 'r':
		c->rejects_path = arg;
		return 1;
	case CLI_PROGRESS:
		c->progress = 1;
		if (arg != NULL)
			c->progress_every = cli_num(c, "--progress", arg, 1,
			    INT64_MAX);
		return 1;
	case CLI_STATS:
		c->stats_path = arg;
		return 1;
	case CLI_STATS_INTERVAL: {
		char *end;

		errno = 0;
		c->stats_every = strtod(arg, &end);
		if (end == arg || *end != '\0' || errno != 0 ||
		    !(c->stats_every >= 0.001 && c->stats_every <= 1e6))
			cli_usage(c, "--stats-interval: '%s' is not a number of "
			    "seconds (0.001 to 1000000)", arg);
		return 1;
	}
	case CLI_MAX_ERRORS:
		c->max_errors = cli_num(c, "--max-errors", arg, 0, INT64_MAX);
		return 1;
	case CLI_MAX_ERROR_RATE:
		c->max_error_rate = cli_percent(c, "--max-error-rate", arg);
		return 1;
	case CLI_MAX_LINE:
		c->max_line = (size_t)cli_size(c, "--max-line", arg);
		if (c->max_line == 0)
			cli_usage(c, "--max-line: must be at least 1 byte");
		return 1;
	}
	return 0;
}

/*
 * Every operand must be readable before the first is read: a typo in the
 * tenth of ten parts stops the run before anything is written.
 */
static void
check_operands(struct cli *c, int argc, char **argv)
{
	struct stat st;
	int i, fd, seen_stdin = 0;

	c->file = xcalloc((size_t)argc, sizeof(*c->file));
	c->nfile = argc;
	c->insize = 0;
	for (i = 0; i < argc; i++) {
		c->file[i].name = argv[i];
		if (strcmp(argv[i], "-") == 0) {
			if (seen_stdin++)
				cli_usage(c, "stdin ('-') can be read only once");
			fd = 0;
		} else if ((fd = open(argv[i], O_RDONLY | O_CLOEXEC)) == -1)
			cli_fail(c, EX_NOINPUT, "%s: %s", argv[i],
			    strerror(errno));
		if (fstat(fd, &st) == -1 || S_ISDIR(st.st_mode))
			cli_fail(c, EX_NOINPUT, "%s: %s", argv[i],
			    strerror(S_ISDIR(st.st_mode) ? EISDIR : errno));
		c->insize = S_ISREG(st.st_mode) && c->insize >= 0 ?
		    c->insize + st.st_size : -1;
		if (fd != 0)
			close(fd);
	}
}

/* Open operand c->cur (or stdin, without operands) in c->in. */
static void
open_input(struct cli *c)
{
	const char *name = c->nfile > 0 ? c->file[c->cur].name : "-";

	if (rec_open(&c->in, strcmp(name, "-") == 0 ? NULL : name,
	    c->max_line) == -1)
		cli_fail(c, EX_NOINPUT, "%s: %s", name, strerror(errno));
	c->in.release = c->release;
	c->in.release_arg = c->release_arg;
	c->cur_start = c->processed;
	free(c->at);
	c->at = xstrdup("");
	if (c->nfile > 1) {
		struct buf b = BUF_INIT;

		buf_addf(&b, "%s: ", name);
		free(c->at);
		c->at = buf_cstr(&b);
	}
}

void
cli_start(struct cli *c, int argc, char **argv)
{
	if ((c->max_errors >= 0 || c->max_error_rate >= 0) &&
	    c->rejects_path == NULL)
		cli_usage(c, "--max-errors and --max-error-rate need --rejects");
	if (c->stats_every > 0 && c->stats_path == NULL)
		cli_usage(c, "--stats-interval needs --stats");
	check_operands(c, argc, argv);
	open_input(c);
	if (c->nfile == 0)
		c->insize = c->in.size;
	rec_out_fd(&c->out, 1, "stdout");
	if (c->rejects_path != NULL) {
		cli_open_out(c, &c->rejects, "--rejects", c->rejects_path);
		c->has_rejects = 1;
	}
	if (c->stats_path != NULL) {
		cli_open_out(c, &c->stats, "--stats", c->stats_path);
		c->has_stats = 1;
	}
	/*
	 * By default one stage of a pipeline shows progress on a terminal:
	 * the one that reads regular files, whose size gives a percentage
	 * and an estimate of the time left. The others would overwrite its
	 * line; --progress makes any stage show it.
	 */
	if (c->progress == -1)
		c->progress = isatty(2) && c->insize >= 0;
	c->t0 = c->last_progress = c->last_stats = cli_now();
}

int
cli_next_file(struct cli *c)
{
	if (c->cur + 1 >= c->nfile)
		return 0;
	c->file[c->cur].processed = c->processed - c->cur_start;
	c->blank += c->in.blank;
	c->indone += c->in.size > 0 ? (uint64_t)c->in.size : 0;
	rec_close(&c->in);
	c->cur++;
	open_input(c);
	return 1;
}

void
cli_rewind(struct cli *c)
{
	rec_close(&c->in);
	c->cur = 0;
	c->indone = 0;
	c->blank = 0;
	open_input(c);
}

const char *
cli_file_name(const struct cli *c)
{
	return c->nfile > 1 ? c->file[c->cur].name : NULL;
}

static void __attribute__((noreturn))
interrupted(struct cli *c)
{
	int sig = cli_signal;

	rec_stop = NULL;	/* the final flush of complete output waits */
	cli_fail(c, 128 + sig, "interrupted by %s",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/* The input failed to read: 65 for a bad compressed stream, else 74. */
static void __attribute__((noreturn))
read_failed(struct cli *c)
{
	if (errno == EBADMSG)
		cli_fail(c, EX_DATAERR, "%s: %s", c->in.name,
		    rec_strerror(&c->in, errno));
	cli_fail(c, EX_IOERR, "%s: read error: %s", c->in.name,
	    strerror(errno));
}

int
cli_read(struct cli *c, int (*next)(void *), void *src)
{
	int r;

	for (;;) {
		if (cli_signal)
			interrupted(c);
		if ((r = next(src)) != -1)
			return r;
		if (errno != EINTR)
			read_failed(c);
	}
}

static int
next_line(void *in)
{
	return rec_next(in);
}

int
cli_next(struct cli *c)
{
	while (cli_read(c, next_line, &c->in) == 0)
		if (!cli_next_file(c))
			return 0;
	cli_tick(c);
	if (c->in.too_long) {
		char msg[96];

		snprintf(msg, sizeof(msg), "line longer than --max-line "
		    "(%zu bytes); _raw holds its start", c->in.max_line);
		cli_reject(c, c->in.lineno, c->in.line, c->in.len, 0, msg, NULL);
		return cli_next(c);
	}
	return 1;
}

void
cli_tick(struct cli *c)
{
	c->processed++;
	if (c->progress_every > 0) {
		if (c->processed % c->progress_every == 0)
			progress(c);
	} else if (c->progress && (++c->ticks & 4095) == 0)
		progress(c);
	if (c->stats_every > 0 && (c->processed & 1023) == 0)
		stats_snapshot(c);
}

void
cli_write(struct cli *c, const void *p, size_t n)
{
	if (rec_put(&c->out, p, n) == -1)
		out_failed(c, &c->out);
}

void
cli_pass(struct cli *c, const char *rec, size_t len)
{
	c->passed++;	/* first: a failed write still accounts for it */
	if (rec_putline(&c->out, rec, len) == -1)
		out_failed(c, &c->out);
}

void
cli_put(struct cli *c, struct rec_out *o, const void *p, size_t n)
{
	if (rec_put(o, p, n) == -1)
		out_failed(c, o);
}

/*
 * stdout closed by the reader (| head): stop quietly with 0, after the
 * side files are complete.
 */
static void
epipe(struct cli *c)
{
	int bad = flush_sides(c);

	c->out.len = 0;
	c->out.fd = -1;
	if (c->has_rejects && rec_out_close(&c->rejects) == 0)
		c->has_rejects = 0;
	write_stats(c);
	_exit(c->has_rejects || bad ? EX_IOERR : 0);
}

static void
out_failed(struct cli *c, struct rec_out *o)
{
	if (errno == EPIPE && o == &c->out)
		epipe(c);
	if (errno == EINTR && cli_signal) {
		o->len = 0;	/* the reader stalled: do not wait for it */
		if (o == &c->out)
			c->out.fd = -1;
		interrupted(c);
	}
	fprintf(stderr, "%s: %s: write error: %s\n", c->prog, o->name,
	    strerror(errno));
	o->len = 0;
	if (o == &c->out)
		c->out.fd = -1;
	cli_fail(c, EX_IOERR, "stopped after a write error");
}

static void
count_reason(struct cli *c, const char *msg)
{
	int i;

	for (i = 0; i < c->nreason; i++)
		if (strcmp(c->reason[i].msg, msg) == 0) {
			c->reason[i].n++;
			return;
		}
	if (c->nreason == CLI_MAX_REASONS) {
		c->reason_other++;
		return;
	}
	c->reason[c->nreason].msg = xstrdup(msg);
	c->reason[c->nreason++].n = 1;
}

static int
rate_exceeded(struct cli *c)
{
	return c->max_error_rate >= 0 && c->processed > 0 &&
	    (double)c->rejected * 100.0 >
	    c->max_error_rate * (double)c->processed;
}

void
cli_count_reject(struct cli *c, struct cli_file *f, const char *msg)
{
	c->rejected++;
	if (f == NULL && c->nfile > 0)
		f = &c->file[c->cur];
	if (f != NULL)
		f->rejected++;
	count_reason(c, msg);
	if (c->max_errors >= 0 && c->rejected > c->max_errors)
		cli_fail(c, EX_DATAERR, "error budget exceeded: more than "
		    "%" PRId64 " rejected (--max-errors)", c->max_errors);
	if (c->processed >= RATE_MIN_RECORDS && rate_exceeded(c))
		cli_fail(c, EX_DATAERR, "error budget exceeded: %" PRId64
		    " of %" PRId64 " rejected, more than %g%% "
		    "(--max-error-rate)", c->rejected, c->processed,
		    c->max_error_rate);
}

void
cli_reject(struct cli *c, int64_t row, const char *line, size_t len,
    int is_object, const char *msg, const char *path)
{
	struct cli_err e = { .row = row, .msg = msg, .path = path,
	    .is_object = is_object };

	cli_reject_err(c, line, len, &e);
}

void
cli_rejectf(struct cli *c, int is_object, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_reject(c, c->in.lineno, c->in.line, c->in.len, is_object, msg,
	    NULL);
}

void
cli_reject_err(struct cli *c, const char *line, size_t len,
    const struct cli_err *e)
{
	const char *path = e->path != NULL && *e->path ? e->path : NULL;
	const char *unit = strcmp(c->unit, "rows") == 0 ? "row" : "line";
	const char *file = e->file != NULL ? e->file->name :
	    cli_file_name(c);
	struct rec_field f[16];
	size_t nf = 0, i;

	if (!c->has_rejects) {
		char where[96];

		c->rejected++;
		if (c->loc != NULL)
			snprintf(where, sizeof(where), "%s", c->loc);
		else
			snprintf(where, sizeof(where), "%s %" PRId64, unit,
			    e->row);
		cli_fail(c, EX_DATAERR, "%s%s%s: %s%s%s", file ? file : "",
		    file ? ": " : "", where, path != NULL ? path : "",
		    path != NULL ? ": " : "", e->msg);
	}
	if (file != NULL)
		f[nf++] = (struct rec_field){ "_error_file", REC_STR, file,
		    strlen(file), 0 };
	f[nf++] = (struct rec_field){ "_error_row", REC_INT, NULL, 0, e->row };
	f[nf++] = (struct rec_field){ "_error_message", REC_STR, e->msg,
	    strlen(e->msg), 0 };
	if (e->path != NULL)
		f[nf++] = (struct rec_field){ "_error_path", REC_STR, e->path,
		    strlen(e->path), 0 };
	for (i = 0; i < e->nextra && nf < 15; i++)
		f[nf++] = e->extra[i];
	f[nf++] = (struct rec_field){ "_error_tool", REC_STR, c->prog,
	    strlen(c->prog), 0 };
	buf_reset(&c->scratch);
	rec_annotate(&c->scratch, line, len, e->is_object, f, nf);
	buf_addc(&c->scratch, '\n');
	cli_put(c, &c->rejects, c->scratch.p, c->scratch.len);
	cli_count_reject(c, e->file, e->msg);
}

/* The counter named name, registered on first use. */
static struct cli_counter *
counter(struct cli *c, const char *name)
{
	int i;

	for (i = 0; i < c->nextra; i++)
		if (strcmp(c->extra[i].name, name) == 0)
			return &c->extra[i];
	if (c->nextra == CLI_MAX_COUNTERS)
		abort();
	memset(&c->extra[c->nextra], 0, sizeof(c->extra[0]));
	c->extra[c->nextra].name = name;
	return &c->extra[c->nextra++];
}

int64_t *
cli_counter(struct cli *c, const char *name)
{
	return &counter(c, name)->v;
}

int64_t *
cli_diverted(struct cli *c, const char *kind)
{
	struct cli_counter *k = counter(c, kind);

	k->diverted = 1;
	return &k->v;
}

double *
cli_real(struct cli *c, const char *name)
{
	struct cli_counter *k = counter(c, name);

	k->is_real = 1;
	k->d = 0;
	return &k->d;
}

void
cli_check_link(struct cli *c, const char *flag, const char *path)
{
	struct stat st;

	/*
	 * In a shared directory like /tmp anyone can plant a link where a
	 * file will be written: only the user's own links and root's
	 * (/dev/stderr, /dev/fd/N) are followed.
	 */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    st.st_uid != geteuid() && st.st_uid != 0)
		cli_fail(c, EX_CANTCREAT, "%s %s: a symlink owned by uid %lu, "
		    "not followed", flag, path, (unsigned long)st.st_uid);
}

int
cli_create(struct cli *c, const char *flag, const char *path, int append)
{
	int fd, flags;

	flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
	fd = open(path, flags | O_NOFOLLOW, 0666);
	if (fd == -1 && (errno == ELOOP || errno == EACCES)) {
		cli_check_link(c, flag, path);
		fd = open(path, flags, 0666);
	}
	if (fd == -1)
		cli_fail(c, EX_CANTCREAT, "%s %s: %s", flag, path,
		    strerror(errno));
	return fd;
}

/* 1 if path is one of the inputs: truncating it would lose its records. */
static int
is_input(const struct cli *c, const char *path)
{
	struct stat in, st;
	int i, n = c->nfile > 0 ? c->nfile : 1;

	if (c->in.buf == NULL || stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	for (i = 0; i < n; i++) {
		const char *name = c->nfile > 0 ? c->file[i].name : "-";

		if ((strcmp(name, "-") == 0 ? fstat(0, &in) :
		    stat(name, &in)) == 0 && in.st_dev == st.st_dev &&
		    in.st_ino == st.st_ino)
			return 1;
	}
	return 0;
}

void
cli_open_out(struct cli *c, struct rec_out *o, const char *flag,
    const char *path)
{
	if (is_input(c, path))
		cli_usage(c, "%s %s: that is the input", flag, path);
	rec_out_fd(o, cli_create(c, flag, path, 0), path);
	if (o != &c->rejects && o != &c->stats) {
		if (c->nside == CLI_MAX_SIDE)
			abort();
		c->side[c->nside++] = o;
	}
}

/* Flush the side files still open; 0, or -1 naming the one that failed. */
static int
flush_sides(struct cli *c)
{
	int i, r = 0;

	for (i = 0; i < c->nside; i++)
		if (c->side[i]->buf != NULL && rec_flush(c->side[i]) == -1) {
			fprintf(stderr, "%s: %s: write error: %s\n", c->prog,
			    c->side[i]->name, strerror(errno));
			r = -1;
		}
	return r;
}

void
cli_close_out(struct cli *c, struct rec_out *o)
{
	if (o->buf != NULL && rec_out_close(o) == -1) {
		fprintf(stderr, "%s: %s: write error: %s\n", c->prog, o->name,
		    strerror(errno));
		exit(EX_IOERR);
	}
}

/* Flush and close what is open; 0 or EX_IOERR. */
static int
close_all(struct cli *c)
{
	int r = 0;

	if (c->out.buf != NULL && c->out.fd != -1 && rec_flush(&c->out) == -1) {
		if (errno == EPIPE)
			epipe(c);
		fprintf(stderr, "%s: stdout: write error: %s\n", c->prog,
		    strerror(errno));
		r = EX_IOERR;
	}
	if (c->out.fd != -1 && c->out.buf != NULL && close(1) == -1 &&
	    errno != EBADF && r == 0) {
		fprintf(stderr, "%s: stdout: write error: %s\n", c->prog,
		    strerror(errno));
		r = EX_IOERR;
	}
	if (c->has_rejects && rec_out_close(&c->rejects) == -1) {
		fprintf(stderr, "%s: %s: write error: %s\n", c->prog,
		    c->rejects.name, strerror(errno));
		r = EX_IOERR;
	}
	if (flush_sides(c) == -1)
		r = EX_IOERR;
	c->has_rejects = 0;
	c->out.fd = -1;
	return r;
}

int
cli_finish(struct cli *c)
{
	int r;

	if (cli_signal)
		interrupted(c);
	if (c->has_rejects && rate_exceeded(c))
		cli_fail(c, EX_DATAERR, "error budget exceeded: %" PRId64
		    " of %" PRId64 " rejected, more than %g%% "
		    "(--max-error-rate)", c->rejected, c->processed,
		    c->max_error_rate);
	r = close_all(c);
	if (!c->quiet)
		summary(c, stderr);
	if (write_stats(c) != 0 && r == 0)
		r = EX_IOERR;
	release(c);
	return r;
}

/* Free what cli_start and the run allocated. */
static void
release(struct cli *c)
{
	int i;

	rec_close(&c->in);
	free(c->file);
	free(c->at);
	c->file = NULL;
	c->at = NULL;
	c->nfile = 0;
	free(c->out.buf);
	c->out.buf = NULL;
	buf_free(&c->scratch);
	for (i = 0; i < c->nreason; i++)
		free(c->reason[i].msg);
	c->nreason = 0;
}

/* The tool's cleanup, once. */
static void
run_cleanup(struct cli *c)
{
	void (*f)(void *) = c->cleanup;

	c->cleanup = NULL;
	if (f != NULL)
		f(c->cleanup_arg);
}

void
cli_fail(struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;
	static int failing;

	if (c->progress == 1 && c->progress_every == 0 && !failing)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!failing) {
		failing = 1;
		close_all(c);
		if (!c->quiet && c->processed > 0)
			summary(c, stderr);
		if (write_stats(c) != 0 && code == 0)
			code = EX_IOERR;
	}
	run_cleanup(c);
	exit(code);
}

void
cli_warn(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_usage(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", c->prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", c->prog);
	run_cleanup(c);
	exit(EX_USAGE);
}

int64_t
cli_num(struct cli *c, const char *flag, const char *arg, int64_t min,
    int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (end == arg || *end != '\0' || errno == ERANGE)
		cli_usage(c, "%s: '%s' is not a number", flag, arg);
	if (v < min)
		cli_usage(c, "%s: '%s' is too small (minimum %" PRId64 ")",
		    flag, arg, min);
	if (v > max)
		cli_usage(c, "%s: '%s' is too large (maximum %" PRId64 ")",
		    flag, arg, max);
	return v;
}

/* "4096", "64K", "16M", "2G", "1T" (powers of 1024; "KiB"/"KB" too). */
uint64_t
cli_size(struct cli *c, const char *flag, const char *arg)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end == arg || errno == ERANGE || *arg == '-')
		cli_usage(c, "%s: '%s' is not a size", flag, arg);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	else if (!shift && (strcmp(end, "B") == 0))
		end++;
	if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
		cli_usage(c, "%s: '%s' is not a size", flag, arg);
	return (uint64_t)v << shift;
}

/* "50", "50%", "0.5%": 0..100. */
double
cli_percent(struct cli *c, const char *flag, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (*end == '%')
		end++;
	if (end == arg || *end != '\0' || errno == ERANGE || !(v >= 0) ||
	    v > 100)
		cli_usage(c, "%s: '%s' is not a percentage (0-100)", flag, arg);
	return v;
}

/* Format n with a space between thousands: 243 901. */
static const char *
grouped(double v, char *b, size_t size)
{
	char raw[32];
	size_t n, i, o = 0;

	snprintf(raw, sizeof(raw), "%.0f", v);
	n = strlen(raw);
	for (i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			b[o++] = ' ';
		b[o++] = raw[i];
	}
	b[o] = '\0';
	return b;
}

static void
progress(struct cli *c)
{
	double now = cli_now(), dt = now - c->t0;
	char rate[32];

	if (c->progress_every == 0) {	/* a terminal line, redrawn */
		if (now - c->last_progress < 1.0)
			return;
		fputs("\r\033[K", stderr);
	}
	c->last_progress = now;
	fprintf(stderr, "%s: %" PRId64 " %s, %s %s/s", c->prog,
	    c->processed, c->unit, grouped(dt > 0 ? c->processed / dt : 0,
	    rate, sizeof(rate)), c->unit);
	if (c->insize > 0) {
		/* Of a compressed file, the compressed bytes read so far. */
		uint64_t done = c->indone + (c->in.codec != REC_PLAIN ?
		    c->in.zread : c->in.base + c->in.pos);
		double left = done > 0 && dt > 0 ? dt * ((double)c->insize -
		    (double)done) / (double)done : -1;

		fprintf(stderr, ", %d%%", (int)(done * 100 /
		    (uint64_t)c->insize));
		if (left >= 0)
			fprintf(stderr, ", ETA %d:%02d:%02d", (int)left / 3600,
			    (int)left / 60 % 60, (int)left % 60);
	}
	if (c->progress_every > 0)
		fputc('\n', stderr);
}

static void
summary(struct cli *c, FILE *f)
{
	double dt = cli_now() - c->t0;
	char rate[32];
	int i, j, top[5], ntop = 0;

	if (c->progress == 1 && c->progress_every == 0)
		fputs("\r\033[K", f);
	fprintf(f, "%s: %" PRId64 " %s, %" PRId64 " %s, %" PRId64 " rejected",
	    c->prog, c->processed, c->unit, c->passed, c->passed_name,
	    c->rejected);
	for (i = 0; i < c->nextra; i++)
		if (c->extra[i].is_real)
			fprintf(f, ", %.3g %s", c->extra[i].d,
			    c->extra[i].name);
		else
			fprintf(f, ", %" PRId64 " %s", c->extra[i].v,
			    c->extra[i].name);
	if (c->blank + c->in.blank > 0)
		fprintf(f, ", %" PRId64 " blank", c->blank + c->in.blank);
	fprintf(f, ", %.1f s, %s %s/s\n", dt, grouped(dt > 0 ?
	    c->processed / dt : 0, rate, sizeof(rate)), c->unit);
	/* The five most frequent reasons. */
	for (j = 0; j < 5; j++) {
		int best = -1;

		for (i = 0; i < c->nreason; i++) {
			int k, used = 0;

			for (k = 0; k < ntop; k++)
				used |= top[k] == i;
			if (!used && (best < 0 || c->reason[i].n >
			    c->reason[best].n))
				best = i;
		}
		if (best < 0)
			break;
		top[ntop++] = best;
		fprintf(f, "%s:   %" PRId64 " x %s\n", c->prog,
		    c->reason[best].n, c->reason[best].msg);
	}
}

/* A counter's name as a --stats key: snake_case ("loaded before"). */
static void
stats_key(struct buf *b, const char *name)
{
	size_t i, start;

	buf_addc(b, '"');
	start = b->len;
	buf_adds(b, name);
	for (i = start; i < b->len; i++)
		if (b->p[i] == ' ' || b->p[i] == '-')
			b->p[i] = '_';
	buf_addc(b, '"');
}

/* The --stats object: final, or a snapshot of a run still going. */
static void
stats_json(struct cli *c, struct buf *b, int final)
{
	double dt = cli_now() - c->t0;
	int i, n;

	buf_adds(b, "{\"tool\":");
	buf_add_jstr(b, c->prog, strlen(c->prog));
	buf_adds(b, ",\"unit\":");
	buf_add_jstr(b, c->unit, strlen(c->unit));
	buf_addf(b, ",\"final\":%s", final ? "true" : "false");
	buf_addf(b, ",\"processed\":%" PRId64 ",\"passed\":%" PRId64
	    ",\"rejected\":%" PRId64 ",\"diverted\":{", c->processed,
	    c->passed, c->rejected);
	for (i = 0, n = 0; i < c->nextra; i++)
		if (c->extra[i].diverted) {
			if (n++ > 0)
				buf_addc(b, ',');
			stats_key(b, c->extra[i].name);
			buf_addf(b, ":%" PRId64, c->extra[i].v);
		}
	buf_addc(b, '}');
	for (i = 0; i < c->nextra; i++) {
		if (c->extra[i].diverted)
			continue;
		buf_addc(b, ',');
		stats_key(b, c->extra[i].name);
		if (!c->extra[i].is_real)
			buf_addf(b, ":%" PRId64, c->extra[i].v);
		else if (isfinite(c->extra[i].d))
			buf_addf(b, ":%.6g", c->extra[i].d);
		else
			buf_adds(b, ":null");
	}
	if (c->nfile > 1) {
		c->file[c->cur].processed = c->processed - c->cur_start;
		buf_adds(b, ",\"files\":[");
		for (i = 0; i < c->nfile; i++) {
			buf_adds(b, i ? ",{\"file\":" : "{\"file\":");
			buf_add_jstr(b, c->file[i].name,
			    strlen(c->file[i].name));
			buf_addf(b, ",\"processed\":%" PRId64 ",\"rejected\":%"
			    PRId64 "}", c->file[i].processed,
			    c->file[i].rejected);
		}
		buf_addc(b, ']');
	}
	buf_addf(b, ",\"blank\":%" PRId64 ",\"seconds\":%.3f,"
	    "\"rows_per_second\":%.0f,\"reasons\":[", c->blank + c->in.blank, dt,
	    dt > 0 ? c->processed / dt : 0);
	for (i = 0; i < c->nreason; i++) {
		buf_adds(b, i ? ",{\"message\":" : "{\"message\":");
		buf_add_jstr(b, c->reason[i].msg, strlen(c->reason[i].msg));
		buf_addf(b, ",\"count\":%" PRId64 "}", c->reason[i].n);
	}
	if (c->reason_other > 0)
		buf_addf(b, "%s{\"message\":\"(other)\",\"count\":%" PRId64 "}",
		    c->nreason ? "," : "", c->reason_other);
	buf_adds(b, "]}\n");
}

/*
 * --stats-interval: a snapshot line once the interval has passed. A
 * write error here is reported once, at the end, by write_stats.
 */
static void
stats_snapshot(struct cli *c)
{
	struct buf b = BUF_INIT;
	double now = cli_now();

	if (!c->has_stats || now - c->last_stats < c->stats_every)
		return;
	c->last_stats = now;
	if (c->stats_lock != NULL)
		pthread_mutex_lock(c->stats_lock);
	stats_json(c, &b, 0);
	if (c->stats_lock != NULL)
		pthread_mutex_unlock(c->stats_lock);
	if (rec_put(&c->stats, b.p, b.len) == 0)
		rec_flush(&c->stats);
	buf_free(&b);
}

static int
write_stats(struct cli *c)
{
	struct buf b = BUF_INIT;

	if (!c->has_stats)
		return 0;
	stats_json(c, &b, 1);
	c->has_stats = 0;	/* once, even if writing fails */
	if (rec_put(&c->stats, b.p, b.len) == -1 ||
	    rec_out_close(&c->stats) == -1) {
		fprintf(stderr, "%s: %s: write error: %s\n", c->prog,
		    c->stats.name, strerror(errno));
		buf_free(&b);
		return EX_IOERR;
	}
	buf_free(&b);
	return 0;
}
