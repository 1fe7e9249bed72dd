/*
 * chunk's own modules: the set of chunk files being written (out.c) and
 * the --exec runner (exec.c). Both report failures through cli_fail: they
 * are part of the tool, not of tools/lib.
 */
#ifndef CHUNK_H
#define CHUNK_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "buf.h"
#include "cli.h"

/* One chunk file: buffered bytes, a temp file, then its final name. */
struct out {
	char		*name;		/* file name inside the directory */
	char		*path;		/* dir/name, as printed */
	char		*tmp;		/* temp path, NULL until created */
	struct buf	 pend;		/* bytes not yet written */
	int		 fd;		/* -1 when closed (LRU) */
	int64_t		 records;
	uint64_t	 bytes;		/* bytes written or pending */
	uint64_t	 used;		/* tick of the last write, for the LRU */
	size_t		 slot;		/* index in the set */
	uint64_t	 hash;		/* of name, for chunk_find */
};

/* Every chunk file not yet renamed, and the limits that bound them. */
struct chunks {
	struct cli	*cli;
	const char	*dir;		/* "" for the current directory */
	char		*header;	/* written first in every chunk */
	size_t		 header_len;
	size_t		 header_eol;	/* the line end at its end */
	size_t		 flush_at;	/* per chunk buffer size */
	size_t		 mem_limit;	/* all buffers together */
	size_t		 max_open;	/* descriptors held at once */
	int		 sync;		/* fsync before the rename */
	enum rec_codec	 codec;		/* --compress: each flush a frame */
	struct buf	 frame;		/* the compressed flush */
	mode_t		 mode;		/* 0666 & ~umask */

	struct out	**v;
	size_t		 n, cap;
	struct out	**open;		/* the chunks holding a descriptor */
	size_t		 nopen;
	size_t		 held;		/* buffer capacity over all chunks */
	uint64_t	 tick;
	int		 lookup;	/* keep the map: chunk_find is used */
	struct out	**map;		/* by name, until finish_all */
	size_t		 mapcap, mapn;

	int64_t		*nchunks;	/* summary counters */
	int64_t		*nbytes;

	/*
	 * direct: records are not copied but written from where the caller
	 * holds them (the input buffer), as runs of adjacent bytes, when
	 * chunks_release is called, when ref is full and when the chunk is
	 * finished. For one chunk at a time: no LRU, no buffer.
	 */
	int		 direct;
	struct out	*ref_out;	/* the chunk the runs belong to */
	struct iovec	*ref;
	int		 nref;
};

void		 chunks_init(struct chunks *, struct cli *, const char *dir);
/* A new chunk called name (the header already pending). */
struct out	*chunk_new(struct chunks *, const char *name);
/* The unfinished chunk called name, or NULL. */
struct out	*chunk_find(struct chunks *, const char *name, size_t n);
/* chunk_put's general case. */
void		 chunk_add(struct chunks *, struct out *, const char *, size_t,
		    const char *eol);
/* direct: write the records not yet written (their bytes are to go). */
void		 chunks_release(void *chunks);
/* Write, close and rename; returns its path (owned by the caller). */
char		*chunk_finish(struct chunks *, struct out *);
/* Finish every chunk in name order, calling done(arg, path) for each. */
void		 chunks_finish_all(struct chunks *, void (*done)(void *, char *),
		    void *arg);
/* Remove the temp files of unfinished chunks and free the set (at exit). */
void		 chunks_abandon(struct chunks *);

/* direct: extend o's last run by p[0..n) if p is where it ends. */
static inline int
chunk_extend(struct chunks *s, struct out *o, const char *p, size_t n)
{
	struct iovec *v;

	if (s->nref == 0 || s->ref_out != o)
		return 0;
	v = &s->ref[s->nref - 1];
	if ((const char *)v->iov_base + v->iov_len != p)
		return 0;
	v->iov_len += n;
	return 1;
}

/*
 * Append a record and eol (the line end it lacks, or ""). With direct,
 * both must stay valid until chunks_release or chunk_finish. Inline for
 * the common case: a record right after the last one.
 */
static inline void
chunk_put(struct chunks *s, struct out *o, const char *p, size_t n,
    const char *eol)
{
	if (s->direct && *eol == '\0' && chunk_extend(s, o, p, n)) {
		o->bytes += n;
		o->records++;
		return;
	}
	chunk_add(s, o, p, n, eol);
}

/* Percent-encode data into a file name that is safe in any directory. */
void		 name_from_value(struct buf *, const char *, size_t);

/* --exec: one command template run per completed chunk. */
struct job {
	pid_t		 pid;
	char		*path;
};

struct runner {
	struct cli	*cli;
	char		**words;	/* the template, NULL-terminated */
	int		 nwords;
	int		 has_braces;	/* some word holds {} */
	struct job	*jobs;
	int		 max_jobs;
	int		 running;
	int		 forwarded;	/* a signal was passed on */
	int64_t		*started;
	int64_t		*failed;
};

/* Split cmd into words (quotes and backslashes as sh); -1 on a bad quote. */
int		 exec_parse(struct runner *, const char *cmd, const char **why);
/* Run the command for path once a slot is free; takes path. */
void		 exec_start(struct runner *, char *path);
/* Wait for every running command; forward sig first when nonzero. */
void		 exec_wait_all(struct runner *, int sig);
/* Free the template and the job table (no command running). */
void		 exec_free(struct runner *);

#endif
