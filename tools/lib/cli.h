/*
 * cli: what every tool's main shares. The common options, messages and
 * exit codes, the stdout writer, the rejects side file and the error
 * budget, the summary line, --stats JSON and tty progress, and the
 * handling of SIGINT/SIGTERM/SIGPIPE.
 *
 * This is the tools' voice: unlike the rest of tools/lib, its functions
 * print to stderr and end the process with the exit codes of sluice(7).
 *
 * A tool's loop:
 *
 *	cli_init(&c, "jsonl-validate", usage, argv);
 *	while ((ch = getopt_long(argc, argv, "hqr:s:", opts, NULL)) != -1)
 *		if (!cli_option(&c, ch, optarg))
 *			switch (ch) { ... default: cli_usage(&c, NULL); }
 *	cli_start(&c, argc - optind, argv + optind);
 *	while (cli_next(&c)) {
 *		... cli_reject(&c, row, line, len, is_object, msg, ptr) or
 *		    cli_pass(&c, line, len) ...
 *	}
 *	return cli_finish(&c);
 */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <sysexits.h>

#include "buf.h"
#include "rec.h"

/* Long-option values of the common options. */
enum {
	CLI_VERSION = 0x1000, CLI_PROGRESS, CLI_STATS, CLI_MAX_ERRORS,
	CLI_MAX_ERROR_RATE, CLI_MAX_LINE, CLI_STATS_INTERVAL,
	CLI_TOOL_BASE = 0x1100
};

#define CLI_SHORTOPTS	"hqr:"
#define CLI_LONGOPTS \
	{ "help",		no_argument,		NULL, 'h' }, \
	{ "quiet",		no_argument,		NULL, 'q' }, \
	{ "rejects",		required_argument,	NULL, 'r' }, \
	{ "version",		no_argument,		NULL, CLI_VERSION }, \
	{ "progress",		optional_argument,	NULL, CLI_PROGRESS }, \
	{ "stats",		required_argument,	NULL, CLI_STATS }, \
	{ "stats-interval",	required_argument,	NULL, CLI_STATS_INTERVAL }, \
	{ "max-errors",		required_argument,	NULL, CLI_MAX_ERRORS }, \
	{ "max-error-rate",	required_argument,	NULL, CLI_MAX_ERROR_RATE }, \
	{ "max-line",		required_argument,	NULL, CLI_MAX_LINE }

/* The common options as --help shows them (tools append it). */
extern const char cli_common_help[];

#define CLI_MAX_COUNTERS	16
#define CLI_MAX_REASONS		64
#define CLI_MAX_SIDE		4

/* A FILE operand and what was read from it. */
struct cli_file {
	const char	*name;		/* as given; "-" is stdin */
	int64_t		 processed;
	int64_t		 rejected;
};

struct cli_counter {
	const char	*name;
	int64_t		 v;
	int		 is_real;	/* made by cli_real: d is the value */
	int		 diverted;	/* made by cli_diverted */
	double		 d;
};

struct cli {
	const char	*prog;
	const char	*usage;		/* full --help text */

	/* Common options. */
	int		 quiet;
	int		 progress;	/* -1 auto (tty), 0 off, 1 on */
	int64_t		 progress_every;	/* --progress=N: a line each N */
	const char	*rejects_path;
	const char	*stats_path;
	double		 stats_every;	/* --stats-interval, seconds */
	pthread_mutex_t	*stats_lock;	/* held to read the counters, if set */
	int64_t		 max_errors;	/* -1: no limit */
	double		 max_error_rate;	/* percent, -1: no limit */
	size_t		 max_line;

	/* Streams. */
	struct rec_in	 in;		/* the input being read */
	struct cli_file	*file;		/* the FILE operands, in order */
	int		 nfile;		/* 0: stdin, no operand */
	int		 cur;		/* the operand in is reading */
	char		*at;		/* "FILE: " of cur (several), or "" */
	int64_t		 cur_start;	/* processed when it was opened */
	off_t		 insize;	/* their total size, -1 if not all files */
	uint64_t	 indone;	/* bytes of the operands before cur */
	int64_t		 blank;		/* blank lines of those operands */
	struct rec_out	 out;
	struct rec_out	 rejects;
	int		 has_rejects;
	struct rec_out	 stats;
	int		 has_stats;
	struct rec_out	*side[CLI_MAX_SIDE];	/* cli_open_out's, flushed
						   on every exit */
	int		 nside;
	struct buf	 scratch;

	/* Counters: what the summary and --stats report. */
	const char	*unit;		/* "lines" (default), "rows", ... */
	const char	*loc;		/* if set: where, in fatal reject messages */
	const char	*passed_name;	/* "passed" (default) */
	int64_t		 processed;
	int64_t		 passed;
	int64_t		 rejected;
	struct cli_counter extra[CLI_MAX_COUNTERS];
	int		 nextra;
	struct { char *msg; int64_t n; } reason[CLI_MAX_REASONS];
	int		 nreason;
	int64_t		 reason_other;

	/*
	 * Set by a tool: called once when cli_fail or cli_usage ends the
	 * process, before it exits (temp files to remove, memory to free).
	 */
	void		(*cleanup)(void *);
	void		*cleanup_arg;
	/* Set by a tool before cli_start: the release hook of every in. */
	void		(*release)(void *);
	void		*release_arg;

	double		 t0;
	double		 last_progress;
	double		 last_stats;
	unsigned	 ticks;
};

/* argv[0] becomes prog, so getopt's own messages name the tool. */
void	 cli_init(struct cli *, const char *prog, const char *usage,
	    char **argv);
/* Handle a common option; 1 if it was one. */
int	 cli_option(struct cli *, int ch, const char *arg);
/*
 * Check the FILE operands (none, or "-": stdin) and open the first, then
 * stdout and the side files; start the clock. Exits 64/66/73 on failure.
 */
void	 cli_start(struct cli *, int argc, char **argv);
/*
 * Next non-blank input line into c->in (counts processed), from the next
 * operand when one ends; 0 at the end of the last.
 */
int	 cli_next(struct cli *);
/*
 * For tools with their own framing: at the end of an operand, open the
 * next one in c->in (1), or 0 after the last.
 */
int	 cli_next_file(struct cli *);
/*
 * For tools that read their input twice: open the first operand again
 * (every operand must be a regular file) and forget the first reading.
 */
void	 cli_rewind(struct cli *);
/*
 * The operand being read, for messages and rejects: its name when there
 * are several (as grep(1) names them), else NULL.
 */
const char *cli_file_name(const struct cli *);
/*
 * A tool's own read of the input: next(src) is called (rec_next,
 * csv_next and the like, through a wrapper) until it returns anything
 * but -1 with EINTR. Before each call a pending SIGINT or SIGTERM ends
 * the process (130 or 143, "interrupted by SIGINT"); any other -1 ends
 * it with 74 ("FILE: read error: ...") or, for a corrupt or truncated
 * compressed stream, 65 naming the compressed offset. Returns what next
 * returned.
 */
int	 cli_read(struct cli *, int (*next)(void *), void *src);
/* Count one record read by a tool's own framing; show progress. */
void	 cli_tick(struct cli *);
/* Write a passing record (and a newline) to stdout; count it. */
void	 cli_pass(struct cli *, const char *rec, size_t len);
/* Write bytes to stdout (for tools that build records themselves). */
void	 cli_write(struct cli *, const void *, size_t);
/* What is wrong with a rejected record, and where. */
struct cli_err {
	int64_t			 row;
	const char		*msg;
	const char		*path;		/* _error_path, or NULL */
	const struct rec_field	*extra;		/* more members */
	size_t			 nextra;
	int			 is_object;	/* the record is an object */
	struct cli_file		*file;		/* NULL: the one being read */
};

/*
 * Divert a bad record: to the rejects file with _error_row, _error_message,
 * _error_path (when path is not NULL), the extra members, _error_file
 * (with several FILE operands) and _error_tool, or, without
 * --rejects, stop with exit 65 and "PROG: [FILE: ]line ROW: MSG" (or
 * "PROG: [FILE: ]LOC: MSG" when c->loc is set, e.g. "row 7 (line 9)").
 * Also stops with 65 when the error budget is exceeded.
 */
void	 cli_reject_err(struct cli *, const char *line, size_t len,
	    const struct cli_err *);
/* cli_reject_err without extra members. */
void	 cli_reject(struct cli *, int64_t row, const char *line, size_t len,
	    int is_object, const char *msg, const char *path);
/* cli_reject of the current input line (c->in), the message printf-style. */
void	 cli_rejectf(struct cli *, int is_object, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Count one more reject of operand f (NULL: the one being read) for the
 * budget, the reasons table and the operand's count only.
 */
void	 cli_count_reject(struct cli *, struct cli_file *f, const char *msg);
/* A named counter shown after the standard ones; registration order. */
int64_t	*cli_counter(struct cli *, const char *name);
/*
 * A counter of records sent to a side file or dropped by request (kind:
 * "duplicates", "pruned", ...): --stats lists it under "diverted", and
 * processed = passed + rejected + the diverted counts.
 */
int64_t	*cli_diverted(struct cli *, const char *kind);
/*
 * A real-valued counter (a rate, a ratio) in the same list: the summary
 * shows it with %.3g, --stats with %.6g (null when not finite).
 */
double	*cli_real(struct cli *, const char *name);
/* Flush, print the summary, write --stats; return the exit status. */
int	 cli_finish(struct cli *);

/* Messages. */
void	 cli_warn(struct cli *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Print "PROG: msg", flush complete output, summary, exit with code. */
void	 cli_fail(struct cli *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4), noreturn));
/* Usage error: "PROG: msg" and "Try 'PROG --help'", exit 64. */
void	 cli_usage(struct cli *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/*
 * Open an output file the user named for writing: created (mode 0666 less
 * the umask), then truncated or, with append, appended to. A symlink is
 * followed only when the effective user or root owns it (/dev/stderr,
 * /dev/fd/N): one that someone else planted in a shared directory is
 * refused. Exits 73 naming the flag on failure.
 */
int	 cli_create(struct cli *, const char *flag, const char *path,
	    int append);
/* Exit 73 naming the flag if path is a symlink cli_create would refuse. */
void	 cli_check_link(struct cli *, const char *flag, const char *path);
/*
 * Open a side file with cli_create; exits 73 naming the flag on failure. What
 * was written to it is flushed on every exit, a fatal one included.
 */
void	 cli_open_out(struct cli *, struct rec_out *, const char *flag,
	    const char *path);
/* Close a side file; exits 74 on a write error. */
void	 cli_close_out(struct cli *, struct rec_out *);
/* Write to a side file; exits 74 on a write error. */
void	 cli_put(struct cli *, struct rec_out *, const void *, size_t);

/* Checked conversions of option values; exit 64 naming the flag. */
int64_t	 cli_num(struct cli *, const char *flag, const char *arg,
	    int64_t min, int64_t max);
uint64_t cli_size(struct cli *, const char *flag, const char *arg);
double	 cli_percent(struct cli *, const char *flag, const char *arg);

/* Seconds since the epoch, as a double (for timing). */
double	 cli_now(void);
/* Nonzero once SIGINT or SIGTERM arrived: the signal number. */
extern volatile int cli_signal;

#endif
