/* spill: sorted runs of key hashes, merged, for dedupe past --memory. */
#define _GNU_SOURCE	/* fopencookie */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "buf.h"
#include "rec.h"
#include "spill.h"

#define SPILL_MIN	(1024 * 1024)
#define RUN_BUFSIZE	(64 * 1024)
#define SPOOL_BUFSIZE	(1024 * 1024)
#define ZSPOOL_BUFSIZE	(128 * 1024)
#define ZSPOOL_LEVEL	(-3)	/* zstd's fast levels: 5x smaller JSON */

/* A spilled record's header. */
struct spill_hdr {
	int64_t		row;
	int64_t		of;
	uint32_t	len;
	uint32_t	flags;	/* decision | is_object << 4 */
};

static int	 temp_fd(const char *);
static FILE	*temp_file(const char *, size_t);
static FILE	*zspool_file(const char *);
static int	 read_body(FILE *, struct buf *, size_t);
static int	 cmp_key(const void *, const void *);
static int	 cmp_pair(const void *, const void *);
static int	 write_run(const char *, void *, size_t *, size_t,
		    int (*)(const void *, const void *), FILE ***, size_t *);
static int	 add_pair(struct spill *, int64_t, int64_t);
static int	 next_pair(struct spill *, int64_t *, int64_t *);

int
spill_init(struct spill *s, const char *dir, size_t bytes)
{
	memset(s, 0, sizeof(*s));
	s->dir = dir;
	if (bytes < SPILL_MIN)
		bytes = SPILL_MIN;
	s->capkeys = bytes / sizeof(struct spill_key);
	s->cappairs = bytes / sizeof(struct spill_pair);
	s->keys = xmalloc(s->capkeys * sizeof(*s->keys));
	if ((s->spool = zspool_file(dir)) == NULL)
		return -1;
	return 0;
}

/* A temporary file in dir, mode 0600, already unlinked; -1 with errno. */
static int
temp_fd(const char *dir)
{
	struct buf path = BUF_INIT;
	int fd;

	buf_adds(&path, dir);
	buf_adds(&path, "/dedupe.XXXXXX");
	if ((fd = mkstemp(buf_cstr(&path))) != -1)
		unlink(path.p);
	buf_free(&path);
	return fd;
}

/* temp_fd as a stream with a buffer of bufsize bytes. */
static FILE *
temp_file(const char *dir, size_t bufsize)
{
	FILE *f;
	int fd, e;

	if ((fd = temp_fd(dir)) == -1)
		return NULL;
	if ((f = fdopen(fd, "w+b")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, bufsize);
	return f;
}

/*
 * The spill spool is written once and read once, and past --memory it is
 * most of the input: a temporary file compressed with zstd's fast levels,
 * as a stdio stream (fopencookie) that writes until the one seek back to
 * its start, then reads. Five times less to write and read back, for
 * about a second of CPU per 700 MB.
 */
struct zspool {
	int		 fd;
	ZSTD_CCtx	*cc;
	ZSTD_DCtx	*dc;	/* once it reads */
	char		*buf;	/* compressed bytes */
	size_t		 pos, end;
};

static int
zspool_put(struct zspool *z, ZSTD_inBuffer *in, ZSTD_EndDirective end)
{
	ZSTD_outBuffer out;
	size_t left, done;
	ssize_t n;

	do {
		out.dst = z->buf;
		out.size = ZSPOOL_BUFSIZE;
		out.pos = 0;
		left = ZSTD_compressStream2(z->cc, &out, in, end);
		if (ZSTD_isError(left)) {
			errno = EIO;
			return -1;
		}
		for (done = 0; done < out.pos; done += (size_t)n)
			if ((n = write(z->fd, z->buf + done, out.pos - done)) ==
			    -1)
				return -1;
	} while (in->pos < in->size || (end == ZSTD_e_end && left > 0));
	return 0;
}

static ssize_t
zspool_write(void *cookie, const char *p, size_t len)
{
	ZSTD_inBuffer in = { p, len, 0 };

	return zspool_put(cookie, &in, ZSTD_e_continue) == -1 ? 0 :
	    (ssize_t)len;
}

/* Only back to the start, once: end the frame and read from there. */
static int
zspool_seek(void *cookie, off64_t *off, int whence)
{
	struct zspool *z = cookie;
	ZSTD_inBuffer in = { NULL, 0, 0 };

	if (*off != 0 || whence != SEEK_SET || z->dc != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (zspool_put(z, &in, ZSTD_e_end) == -1 ||
	    lseek(z->fd, 0, SEEK_SET) == -1)
		return -1;
	if ((z->dc = ZSTD_createDCtx()) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static ssize_t
zspool_read(void *cookie, char *p, size_t len)
{
	struct zspool *z = cookie;
	ZSTD_outBuffer out = { p, len, 0 };
	ZSTD_inBuffer in;
	ssize_t n;
	size_t r;

	while (out.pos == 0) {
		if (z->pos == z->end) {
			if ((n = read(z->fd, z->buf, ZSPOOL_BUFSIZE)) <= 0)
				return n;
			z->pos = 0;
			z->end = (size_t)n;
		}
		in.src = z->buf;
		in.size = z->end;
		in.pos = z->pos;
		r = ZSTD_decompressStream(z->dc, &out, &in);
		if (ZSTD_isError(r)) {
			errno = EIO;
			return -1;
		}
		z->pos = in.pos;
	}
	return (ssize_t)out.pos;
}

static int
zspool_close(void *cookie)
{
	struct zspool *z = cookie;

	ZSTD_freeCCtx(z->cc);
	ZSTD_freeDCtx(z->dc);
	close(z->fd);
	free(z->buf);
	free(z);
	return 0;
}

/* A compressed spool in dir (temp_fd); NULL with errno. */
static FILE *
zspool_file(const char *dir)
{
	cookie_io_functions_t io = { zspool_read, zspool_write, zspool_seek,
	    zspool_close };
	struct zspool *z = xcalloc(1, sizeof(*z));
	FILE *f;

	z->buf = xmalloc(ZSPOOL_BUFSIZE);
	if ((z->cc = ZSTD_createCCtx()) == NULL ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->cc,
	    ZSTD_c_compressionLevel, ZSPOOL_LEVEL)))
		errno = ENOMEM;
	else if ((z->fd = temp_fd(dir)) != -1 &&
	    (f = fopencookie(z, "w+", io)) != NULL) {
		setvbuf(f, NULL, _IOFBF, RUN_BUFSIZE);
		return f;
	} else if (z->fd != -1)
		close(z->fd);
	ZSTD_freeCCtx(z->cc);
	free(z->buf);
	free(z);
	return NULL;
}

/* Read a record's len bytes into b; a short spool is EIO. */
static int
read_body(FILE *f, struct buf *b, size_t len)
{
	buf_reset(b);
	buf_grow(b, len);
	if (len > 0 && fread(b->p, len, 1, f) != 1) {
		if (!ferror(f))
			errno = EIO;
		return -1;
	}
	return 0;
}

int
spill_record(struct spill *s, int64_t row, int decision, int64_t of,
    int is_object, const char *line, size_t len)
{
	struct spill_hdr h;

	memset(&h, 0, sizeof(h));
	h.row = row;
	h.of = of;
	h.len = (uint32_t)len;
	h.flags = (uint32_t)decision | (is_object ? 0x10 : 0);
	if (fwrite(&h, sizeof(h), 1, s->spool) != 1 ||
	    (len > 0 && fwrite(line, len, 1, s->spool) != 1))
		return -1;
	return 0;
}

int
spill_key(struct spill *s, uint64_t hi, uint64_t lo, int64_t row)
{
	if (s->nkeys == s->capkeys && write_run(s->dir, s->keys, &s->nkeys,
	    sizeof(*s->keys), cmp_key, &s->runs, &s->nruns) == -1)
		return -1;
	s->keys[s->nkeys].hi = hi;
	s->keys[s->nkeys].lo = lo;
	s->keys[s->nkeys].row = row;
	s->nkeys++;
	return 0;
}

static int
cmp_key(const void *a, const void *b)
{
	const struct spill_key *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static int
cmp_pair(const void *a, const void *b)
{
	const struct spill_pair *x = a, *y = b;

	return (x->row > y->row) - (x->row < y->row);
}

/*
 * Sort the *n items of size bytes at v, write them to a new temporary
 * file and add it to the *nruns files at *runs; *n is then 0.
 */
static int
write_run(const char *dir, void *v, size_t *n, size_t size,
    int (*cmp)(const void *, const void *), FILE ***runs, size_t *nruns)
{
	FILE *f;

	if (*n == 0)
		return 0;
	qsort(v, *n, size, cmp);
	if ((f = temp_file(dir, RUN_BUFSIZE)) == NULL)
		return -1;
	*runs = xrealloc(*runs, (*nruns + 1) * sizeof(**runs));
	(*runs)[(*nruns)++] = f;
	if (fwrite(v, size, *n, f) != *n || fflush(f) == EOF)
		return -1;
	*n = 0;
	return 0;
}

static int
add_pair(struct spill *s, int64_t row, int64_t of)
{
	if (s->npairs == s->cappairs && write_run(s->dir, s->pairs,
	    &s->npairs, sizeof(*s->pairs), cmp_pair, &s->pruns,
	    &s->npruns) == -1)
		return -1;
	s->pairs[s->npairs].row = row;
	s->pairs[s->npairs].of = of;
	s->npairs++;
	return 0;
}

/*
 * Merge the key runs by (hash, row); the first row of each hash is kept,
 * the others become (row, kept row) pairs, sorted into runs by row.
 */
int
spill_finish(struct spill *s)
{
	struct spill_key *head, prev;
	size_t i, best;
	int *live, have = 0;

	if (write_run(s->dir, s->keys, &s->nkeys, sizeof(*s->keys), cmp_key,
	    &s->runs, &s->nruns) == -1)
		return -1;
	free(s->keys);
	s->keys = NULL;
	s->pairs = xmalloc(s->cappairs * sizeof(*s->pairs));
	head = xcalloc(s->nruns ? s->nruns : 1, sizeof(*head));
	live = xcalloc(s->nruns ? s->nruns : 1, sizeof(*live));
	for (i = 0; i < s->nruns; i++) {
		if (fseek(s->runs[i], 0, SEEK_SET) == -1)
			goto fail;
		live[i] = fread(&head[i], sizeof(head[i]), 1, s->runs[i]) == 1;
	}
	memset(&prev, 0, sizeof(prev));
	for (;;) {
		best = s->nruns;
		for (i = 0; i < s->nruns; i++)
			if (live[i] && (best == s->nruns ||
			    cmp_key(&head[i], &head[best]) < 0))
				best = i;
		if (best == s->nruns)
			break;
		if (have && head[best].hi == prev.hi &&
		    head[best].lo == prev.lo) {
			if (add_pair(s, head[best].row, prev.row) == -1)
				goto fail;
		} else {
			prev = head[best];
			have = 1;
			s->groups++;
		}
		live[best] = fread(&head[best], sizeof(head[best]), 1,
		    s->runs[best]) == 1;
		if (!live[best] && ferror(s->runs[best]))
			goto fail;
	}
	free(head);
	free(live);
	for (i = 0; i < s->nruns; i++)
		fclose(s->runs[i]);
	s->nruns = 0;
	if (write_run(s->dir, s->pairs, &s->npairs, sizeof(*s->pairs),
	    cmp_pair, &s->pruns, &s->npruns) == -1)
		return -1;
	free(s->pairs);
	s->pairs = NULL;
	s->heads = xcalloc(s->npruns ? s->npruns : 1, sizeof(*s->heads));
	s->live = xcalloc(s->npruns ? s->npruns : 1, sizeof(*s->live));
	for (i = 0; i < s->npruns; i++) {
		if (fseek(s->pruns[i], 0, SEEK_SET) == -1)
			return -1;
		s->live[i] = fread(&s->heads[i], sizeof(s->heads[i]), 1,
		    s->pruns[i]) == 1;
	}
	if (fflush(s->spool) == EOF || fseek(s->spool, 0, SEEK_SET) == -1)
		return -1;
	return 0;
fail:
	free(head);
	free(live);
	return -1;
}

/* The pair with the smallest row not yet taken; 0 when none is left. */
static int
next_pair(struct spill *s, int64_t *row, int64_t *of)
{
	size_t i, best = s->npruns;

	for (i = 0; i < s->npruns; i++)
		if (s->live[i] && (best == s->npruns ||
		    s->heads[i].row < s->heads[best].row))
			best = i;
	if (best == s->npruns)
		return 0;
	*row = s->heads[best].row;
	*of = s->heads[best].of;
	s->live[best] = fread(&s->heads[best], sizeof(s->heads[best]), 1,
	    s->pruns[best]) == 1;
	if (!s->live[best] && ferror(s->pruns[best]))
		return -1;
	return 1;
}

int
spill_next(struct spill *s, const char **line, size_t *len, int *obj,
    int64_t *of)
{
	struct spill_hdr h;
	int64_t prow = 0, pof = 0;
	int r;

	if (fread(&h, sizeof(h), 1, s->spool) != 1)
		return ferror(s->spool) ? -1 : 0;
	if (read_body(s->spool, &s->rec, h.len) == -1)
		return -1;
	*line = s->rec.p;
	*len = h.len;
	*obj = (h.flags & 0x10) != 0;
	*of = 0;
	switch (h.flags & 0xf) {
	case SPILL_DUPE:
		*of = h.of;
		break;
	case SPILL_OPEN:
		/* Pairs come in row order, and only for open records. */
		if (s->havepending == 0) {
			if ((r = next_pair(s, &prow, &pof)) == -1)
				return -1;
			s->havepending = r;
			s->prow = prow;
			s->pof = pof;
		}
		if (s->havepending && s->prow == h.row) {
			*of = s->pof;
			s->havepending = 0;
		}
		break;
	}
	return 1;
}

void
spill_free(struct spill *s)
{
	size_t i;

	for (i = 0; i < s->nruns; i++)
		fclose(s->runs[i]);
	for (i = 0; i < s->npruns; i++)
		fclose(s->pruns[i]);
	if (s->spool != NULL)
		fclose(s->spool);
	free(s->runs);
	free(s->pruns);
	free(s->keys);
	free(s->pairs);
	free(s->heads);
	free(s->live);
	buf_free(&s->rec);
	memset(s, 0, sizeof(*s));
}

int
spool_open(struct spool *sp, const char *dir)
{
	memset(sp, 0, sizeof(*sp));
	if ((sp->fd = temp_fd(dir)) == -1)
		return -1;
	rec_out_fd(&sp->out, sp->fd, "spool");
	return 0;
}

int
spool_write(struct spool *sp, const struct spool_rec *h, const char *line)
{
	if (rec_put(&sp->out, h, sizeof(*h)) == -1 ||
	    rec_put(&sp->out, line, h->len) == -1)
		return -1;
	return 0;
}

int
spool_rewind(struct spool *sp)
{
	if (rec_flush(&sp->out) == -1 || lseek(sp->fd, 0, SEEK_SET) == -1)
		return -1;
	free(sp->out.buf);
	sp->out.buf = NULL;
	if ((sp->f = fdopen(sp->fd, "rb")) == NULL)
		return -1;
	setvbuf(sp->f, NULL, _IOFBF, SPOOL_BUFSIZE);
	return 0;
}

int
spool_read(struct spool *sp, struct spool_rec *h, const char **line)
{
	if (fread(h, sizeof(*h), 1, sp->f) != 1)
		return ferror(sp->f) ? -1 : 0;
	if (read_body(sp->f, &sp->rec, h->len) == -1)
		return -1;
	*line = sp->rec.p;
	return 1;
}

/* Close the spool, whichever pass it is in. */
void
spool_close(struct spool *sp)
{
	if (sp->f != NULL)
		fclose(sp->f);
	else if (sp->fd != -1)
		close(sp->fd);
	free(sp->out.buf);
	buf_free(&sp->rec);
	memset(sp, 0, sizeof(*sp));
}
