/*
 * --exec: run a command for each completed chunk, at most max_jobs at a
 * time. The command is split into words here (no shell), {} in any word
 * is replaced by the chunk's path (appended as the last word when no word
 * holds {}), and it runs with stdin from /dev/null and chunk's stdout and
 * stderr. A failing command is reported with its chunk and status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chunk.h"

extern char **environ;

static void	 add_word(struct runner *, struct buf *);
static int	 reap(struct runner *, int block, int sig);
static void	 report(struct runner *, struct job *, int status);

/*
 * Words are separated by blanks; '...' is literal; in "..." a backslash
 * escapes " and \; elsewhere a backslash escapes the next character.
 */
int
exec_parse(struct runner *r, const char *cmd, const char **why)
{
	struct buf w = BUF_INIT;
	const char *p;
	int inword = 0;

	r->words = xcalloc(1, sizeof(*r->words));
	r->nwords = 0;
	for (p = cmd; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n') {
			if (inword)
				add_word(r, &w);
			inword = 0;
			continue;
		}
		inword = 1;
		if (*p == '\'') {
			for (p++; *p != '\'' && *p != '\0'; p++)
				buf_addc(&w, *p);
		} else if (*p == '"') {
			for (p++; *p != '"' && *p != '\0'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				buf_addc(&w, *p);
			}
		} else if (*p == '\\' && p[1] != '\0') {
			buf_addc(&w, *++p);
			continue;
		} else {
			buf_addc(&w, *p);
			continue;
		}
		if (*p == '\0') {
			*why = "unterminated quote";
			buf_free(&w);
			return -1;
		}
	}
	if (inword)
		add_word(r, &w);
	buf_free(&w);
	if (r->nwords == 0) {
		*why = "empty command";
		return -1;
	}
	return 0;
}

static void
add_word(struct runner *r, struct buf *w)
{
	r->words = xrealloc(r->words, (r->nwords + 2) * sizeof(*r->words));
	r->words[r->nwords++] = xstrdup(buf_cstr(w));
	r->words[r->nwords] = NULL;
	if (strstr(r->words[r->nwords - 1], "{}") != NULL)
		r->has_braces = 1;
	buf_reset(w);
}

void
exec_start(struct runner *r, char *path)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t def;
	struct buf w = BUF_INIT;
	char **argv;
	const char *p, *q;
	int i, err;
	pid_t pid;

	if (r->jobs == NULL)
		r->jobs = xcalloc((size_t)r->max_jobs, sizeof(*r->jobs));
	while (reap(r, 0, 0) > 0)
		;
	while (r->running == r->max_jobs)
		reap(r, 1, 0);
	if (cli_signal) {
		/* Interrupted while waiting: start nothing new. */
		free(path);
		return;
	}

	argv = xcalloc((size_t)r->nwords + 2, sizeof(*argv));
	for (i = 0; i < r->nwords; i++) {
		buf_reset(&w);
		for (p = r->words[i]; (q = strstr(p, "{}")) != NULL; p = q + 2) {
			buf_add(&w, p, (size_t)(q - p));
			buf_adds(&w, path);
		}
		buf_adds(&w, p);
		argv[i] = xstrdup(buf_cstr(&w));
	}
	if (!r->has_braces)
		argv[i++] = xstrdup(path);
	argv[i] = NULL;
	buf_free(&w);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&sa);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_setsigdefault(&sa, &def);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGDEF);
	err = posix_spawnp(&pid, argv[0], &fa, &sa, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	if (err != 0) {
		free(path);
		cli_fail(r->cli, EX_UNAVAILABLE, "--exec: cannot run %s: %s",
		    r->words[0], strerror(err));
	}
	for (i = 0; r->jobs[i].pid != 0; i++)
		;
	r->jobs[i].pid = pid;
	r->jobs[i].path = path;
	r->running++;
	(*r->started)++;
}

/*
 * Collect one finished command (block: wait for one). On a signal,
 * forward it to the running commands once and keep waiting.
 */
static int
reap(struct runner *r, int block, int sig)
{
	int status, i;
	pid_t pid;

	if (r->running == 0)
		return 0;
	for (;;) {
		if (!r->forwarded && (sig || cli_signal)) {
			for (i = 0; i < r->max_jobs; i++)
				if (r->jobs[i].pid > 0)
					kill(r->jobs[i].pid, sig ? sig : cli_signal);
			r->forwarded = 1;
		}
		pid = waitpid(-1, &status, block ? 0 : WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			return 0;
		for (i = 0; i < r->max_jobs; i++)
			if (r->jobs[i].pid == pid) {
				report(r, &r->jobs[i], status);
				return 1;
			}
	}
}

static void
report(struct runner *r, struct job *j, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		cli_warn(r->cli, "%s: --exec: exited with status %d", j->path,
		    WEXITSTATUS(status));
		(*r->failed)++;
	} else if (WIFSIGNALED(status)) {
		cli_warn(r->cli, "%s: --exec: killed by signal %d (%s)",
		    j->path, WTERMSIG(status), strsignal(WTERMSIG(status)));
		(*r->failed)++;
	}
	free(j->path);
	j->path = NULL;
	j->pid = 0;
	r->running--;
}

void
exec_wait_all(struct runner *r, int sig)
{
	while (r->running > 0)
		reap(r, 1, sig);
}

void
exec_free(struct runner *r)
{
	int i;

	for (i = 0; i < r->nwords; i++)
		free(r->words[i]);
	free(r->words);
	free(r->jobs);
	r->words = NULL;
	r->jobs = NULL;
	r->nwords = 0;
}
