/*
 * rec: record input and output.
 *
 * struct rec_in reads a file or stdin with large read(2) calls (through
 * gzip or zstd when the stream starts with their magic) and hands
 * out lines (LF or CRLF, a final line without LF is a line) as pointers
 * into its buffer, valid until the next call. A UTF-8 BOM at the start of
 * the stream is skipped. A line longer than max_line is returned
 * truncated with too_long set, and the rest of it is skipped.
 *
 * struct rec_out is one buffered writer per output stream. Its functions
 * return -1 with errno set on failure; the caller decides what that means
 * (cli_ turns it into exit 74, or exit 0 for EPIPE).
 *
 * rec_annotate builds a side record (reject, duplicate, pruned): the
 * original object with extra members, or a wrapper around a line that is
 * not an object, always valid UTF-8 JSON.
 *
 * The caller owns every struct and releases it with rec_close /
 * rec_out_close.
 */
#ifndef SLUICE_REC_H
#define SLUICE_REC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define REC_BUFSIZE	(256 * 1024)
#define REC_MAX_LINE	(64 * 1024 * 1024)	/* default --max-line */

enum rec_codec { REC_PLAIN, REC_GZIP, REC_ZSTD };

struct rec_in {
	int		 fd;
	const char	*name;		/* for messages: the path or "stdin" */
	char		*buf;
	size_t		 cap;
	size_t		 pos;		/* first unread byte */
	size_t		 end;		/* end of data in buf */
	size_t		 max_line;
	int		 eof;
	int		 skipping;	/* discarding the tail of a long line */
	int		 bom_checked;
	uint64_t	 base;		/* stream offset of buf[0] */
	off_t		 size;		/* size of a regular file, else -1 */

	/* Compressed input (zin.c): offsets above are decompressed ones. */
	enum rec_codec	 codec;		/* known after the first read */
	void		*z;
	uint64_t	 zread;		/* compressed bytes consumed */
	char		 zerr[160];	/* why a stream is bad (errno EBADMSG) */

	/* The current line. */
	const char	*line;
	size_t		 len;		/* without LF or CRLF */
	int64_t		 lineno;	/* 1-based physical line number */
	uint64_t	 offset;	/* stream offset of its first byte */
	int		 too_long;
	int64_t		 blank;		/* whitespace-only lines skipped */

	/*
	 * Set by the caller after opening: called before rec_fill moves or
	 * frees bytes of buf, and by rec_close, so a caller still pointing
	 * at lines already returned can use them first.
	 */
	void		(*release)(void *);
	void		*release_arg;

	/* rec_hold: the input from hold_at on stays in buf. */
	int		 held;
	uint64_t	 hold_at;	/* stream offset */
	int64_t		 hold_lineno, hold_blank;
};

/* Open path ("-" or NULL: stdin). 0, or -1 with errno set. */
int	 rec_open(struct rec_in *, const char *path, size_t max_line);
/* Read the open descriptor fd, known as name; rec_close closes it. */
void	 rec_fdopen(struct rec_in *, int fd, const char *name,
	    size_t max_line);
/* Next physical line. 1: a line; 0: end of input; -1: error (errno). */
int	 rec_getline(struct rec_in *);
/* Next line that is not blank (blank lines are counted in ->blank). */
int	 rec_next(struct rec_in *);
/*
 * Low level, for readers with their own framing (CSV): keep
 * buf[pos..end), read more after it. Returns bytes added, 0 at end of
 * input, -1 on error, or -2 when the buffer cannot grow past
 * max_line + REC_BUFSIZE.
 */
ssize_t	 rec_fill(struct rec_in *);
/*
 * Read ahead and come back: after rec_hold, the lines read stay in the
 * buffer (it grows to hold them), and rec_rewind returns to where
 * rec_hold was called, the lines numbered again as they were. For a
 * sample of a stream that cannot be read twice (a pipe).
 */
void	 rec_hold(struct rec_in *);
void	 rec_rewind(struct rec_in *);
void	 rec_close(struct rec_in *);
/*
 * Low level (zin.c): read up to n decompressed bytes, as read(2) does;
 * -1 with errno EBADMSG and in->zerr set for a bad or truncated stream.
 */
ssize_t	 zin_read(struct rec_in *, char *, size_t);
void	 zin_free(struct rec_in *);
/*
 * zout.c: p[0..n) as one complete gzip member or zstd frame in out
 * (replacing what it held). 0, or -1.
 */
int	 rec_compress(enum rec_codec, const void *p, size_t n, struct buf *out);
/* Why the last read failed: in->zerr or strerror(errno). */
const char *rec_strerror(const struct rec_in *, int err);

struct rec_out {
	int		 fd;
	const char	*name;
	char		*buf;
	size_t		 len;
	size_t		 cap;
	uint64_t	 bytes;		/* bytes accepted so far */
};

/*
 * When set and *rec_stop is nonzero, a write that a signal cut short
 * fails with EINTR instead of being retried, so a writer blocked on a
 * stalled reader can still act on SIGTERM.
 */
extern volatile int *rec_stop;

void	 rec_out_fd(struct rec_out *, int fd, const char *name);
int	 rec_put(struct rec_out *, const void *, size_t);
/* Write p[0..n) and a newline. */
int	 rec_putline(struct rec_out *, const void *, size_t);
int	 rec_flush(struct rec_out *);
/*
 * For writers that format in place: a pointer to at least n free bytes
 * of o's buffer, or NULL when it has less room (then flush or use
 * rec_put). rec_commit(o, n) accounts for the n bytes written there.
 */
char	*rec_reserve(struct rec_out *, size_t n);
void	 rec_commit(struct rec_out *, size_t n);
/* Flush, close the descriptor, free the buffer. */
int	 rec_out_close(struct rec_out *);

enum rec_kind { REC_STR, REC_INT, REC_JSON };

/* One member added by rec_annotate. */
struct rec_field {
	const char	*key;
	enum rec_kind	 kind;
	const char	*s;	/* REC_STR: UTF-8 text; REC_JSON: JSON text */
	size_t		 n;
	int64_t		 i;	/* REC_INT */
};

/*
 * Append to b (no newline) the side record for line[0..len):
 * - is_object: the object with the fields appended as its last members;
 * - otherwise {fields..., "_raw": line}, where invalid UTF-8 bytes show
 *   as U+FFFD in _raw and "_raw_base64" carries the exact bytes.
 */
void	 rec_annotate(struct buf *b, const char *line, size_t len,
	    int is_object, const struct rec_field *, size_t nfields);

#endif
