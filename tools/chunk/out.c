/*
 * The chunk files of one run. Each chunk buffers its bytes and writes them
 * to a temp file ".NAME.XXXXXX" in the output directory, renamed to NAME
 * once complete, so a crash never leaves a partial chunk under a final
 * name. With many chunks open at once (--by, --shards, -n) at most
 * max_open hold a descriptor (the least recently used one is closed and
 * reopened for append later), and when the buffers of all chunks together
 * pass mem_limit they are written out and released.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "chunk.h"

/* Longest file name built from data, before the suffix. */
#define NAME_MAX_BYTES	160
/* direct: runs of records written by one writev (at most IOV_MAX). */
#define NREF		1024

static void	 make_dirs(struct chunks *, const char *);
static void	 flush(struct chunks *, struct out *);
static void	 release_all(struct chunks *);
static void	 take_fd(struct chunks *, struct out *);
static void	 drop_fd(struct chunks *, struct out *);
static void	 write_all(struct chunks *, struct out *, const char *, size_t);
static void	 add_ref(struct chunks *, struct out *, const char *, size_t);
static void	 write_refs(struct chunks *);
static int	 by_name(const void *, const void *);
static void	 map_add(struct chunks *, struct out *);

void
chunks_init(struct chunks *s, struct cli *c, const char *dir)
{
	mode_t m = umask(0);

	umask(m);
	memset(s, 0, sizeof(*s));
	s->cli = c;
	s->dir = dir != NULL ? dir : "";
	s->mode = 0666 & ~m;
	s->flush_at = 256 * 1024;
	s->mem_limit = 64 * 1024 * 1024;
	s->max_open = 64;
	s->nchunks = cli_counter(c, "chunks");
	s->nbytes = cli_counter(c, "bytes");
	if (*s->dir != '\0')
		make_dirs(s, s->dir);
}

/*
 * mkdir -p: create dir and its missing parents. dir itself may be a
 * symlink only as cli_create allows.
 */
static void
make_dirs(struct chunks *s, const char *dir)
{
	struct stat st;
	char *p = xstrdup(dir), *q, end;

	cli_check_link(s->cli, "--output-dir", dir);
	for (q = p + 1; ; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		if (*q == '/' && q[-1] == '/')
			continue;
		end = *q;
		*q = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			cli_fail(s->cli, EX_CANTCREAT, "--output-dir %s: %s", p,
			    strerror(errno));
		*q = end;
		if (end == '\0')
			break;
	}
	if (stat(dir, &st) == -1)
		cli_fail(s->cli, EX_CANTCREAT, "--output-dir %s: %s", dir,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		cli_fail(s->cli, EX_CANTCREAT, "--output-dir %s: %s", dir,
		    strerror(ENOTDIR));
	free(p);
}

struct out *
chunk_new(struct chunks *s, const char *name)
{
	struct out *o = xcalloc(1, sizeof(*o));
	struct buf b = BUF_INIT;

	o->name = xstrdup(name);
	if (*s->dir != '\0') {
		buf_adds(&b, s->dir);
		buf_addc(&b, '/');
	}
	buf_adds(&b, name);
	o->path = xstrdup(buf_cstr(&b));
	buf_free(&b);
	o->fd = -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	o->slot = s->n;
	s->v[s->n++] = o;
	if (s->lookup)
		map_add(s, o);
	if (s->direct && s->header_len > 0) {
		add_ref(s, o, s->header, s->header_len);
		o->bytes = s->header_len;
	} else if (s->header_len > 0) {
		buf_add(&o->pend, s->header, s->header_len);
		o->bytes = s->header_len;
		s->held += o->pend.cap;
	}
	return o;
}

/* Names to chunks: linear probing, at most half full. */
struct out *
chunk_find(struct chunks *s, const char *name, size_t n)
{
	uint64_t h = XXH3_64bits(name, n);
	size_t i;
	struct out *o;

	if (s->mapcap == 0)
		return NULL;
	for (i = h & (s->mapcap - 1); (o = s->map[i]) != NULL;
	    i = (i + 1) & (s->mapcap - 1))
		if (o->hash == h && strncmp(o->name, name, n) == 0 &&
		    o->name[n] == '\0')
			return o;
	return NULL;
}

static void
map_add(struct chunks *s, struct out *o)
{
	struct out **old = s->map;
	size_t oldcap = s->mapcap, i, j;

	o->hash = XXH3_64bits(o->name, strlen(o->name));
	if (2 * (s->mapn + 1) > s->mapcap) {
		s->mapcap = s->mapcap ? s->mapcap * 2 : 64;
		s->map = xcalloc(s->mapcap, sizeof(*s->map));
		for (i = 0; i < oldcap; i++) {
			if (old[i] == NULL)
				continue;
			for (j = old[i]->hash & (s->mapcap - 1);
			    s->map[j] != NULL; j = (j + 1) & (s->mapcap - 1))
				;
			s->map[j] = old[i];
		}
		free(old);
	}
	for (j = o->hash & (s->mapcap - 1); s->map[j] != NULL;
	    j = (j + 1) & (s->mapcap - 1))
		;
	s->map[j] = o;
	s->mapn++;
}

void
chunk_add(struct chunks *s, struct out *o, const char *p, size_t n,
    const char *eol)
{
	size_t cap = o->pend.cap, k = *eol == '\0' ? 0 : strlen(eol);

	if (s->direct) {
		add_ref(s, o, p, n);
		if (k > 0)
			add_ref(s, o, eol, k);
		o->bytes += n + k;
		o->records++;
		return;
	}

	buf_add(&o->pend, p, n);
	buf_add(&o->pend, eol, k);
	o->bytes += n + k;
	o->records++;
	o->used = ++s->tick;
	s->held += o->pend.cap - cap;
	if (o->pend.len >= s->flush_at)
		flush(s, o);
	if (s->held > s->mem_limit)
		release_all(s);
}

/* direct: p[0..n) goes to o next, after the runs not yet written. */
static void
add_ref(struct chunks *s, struct out *o, const char *p, size_t n)
{
	if (chunk_extend(s, o, p, n))
		return;
	if (s->nref == NREF || (s->nref > 0 && s->ref_out != o))
		write_refs(s);
	if (s->ref == NULL)
		s->ref = xcalloc(NREF, sizeof(*s->ref));
	s->ref_out = o;
	s->ref[s->nref].iov_base = (void *)p;
	s->ref[s->nref++].iov_len = n;
}

/* direct: write the runs of ref_out, in as few writev calls as it takes. */
static void
write_refs(struct chunks *s)
{
	struct out *o = s->ref_out;
	struct iovec *v = s->ref;
	int n = s->nref;
	ssize_t w;
	size_t left;

	if (n == 0)
		return;
	take_fd(s, o);
	while (n > 0) {
		if ((w = writev(o->fd, v, n)) == -1) {
			if (errno == EINTR)
				continue;
			cli_fail(s->cli, EX_IOERR, "%s: write error: %s",
			    o->path, strerror(errno));
		}
		for (left = (size_t)w; n > 0 && left >= v->iov_len; v++, n--)
			left -= v->iov_len;
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + left;
			v->iov_len -= left;
		}
	}
	s->nref = 0;
	s->ref_out = NULL;
}

void
chunks_release(void *arg)
{
	write_refs(arg);
}

/* Write the pending bytes of o to its temp file. */
static void
flush(struct chunks *s, struct out *o)
{
	if (o->pend.len == 0)
		return;
	take_fd(s, o);
	if (s->codec == REC_PLAIN)
		write_all(s, o, o->pend.p, o->pend.len);
	else {
		if (rec_compress(s->codec, o->pend.p, o->pend.len,
		    &s->frame) == -1)
			cli_fail(s->cli, EX_SOFTWARE, "%s: cannot compress",
			    o->path);
		write_all(s, o, s->frame.p, s->frame.len);
	}
	o->pend.len = 0;
}

/* Write out every chunk's buffer and free them all. */
static void
release_all(struct chunks *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		flush(s, s->v[i]);
		buf_free(&s->v[i]->pend);
	}
	s->held = 0;
}

/* Give o a descriptor: create its temp file or reopen it for append. */
static void
take_fd(struct chunks *s, struct out *o)
{
	struct buf b = BUF_INIT;
	struct rlimit rl;
	size_t i, lru;

	if (o->fd != -1)
		return;
	if (s->nopen == s->max_open) {
		for (lru = 0, i = 1; i < s->nopen; i++)
			if (s->open[i]->used < s->open[lru]->used)
				lru = i;
		drop_fd(s, s->open[lru]);
	}
	if (o->tmp == NULL) {
		if (*s->dir != '\0') {
			buf_adds(&b, s->dir);
			buf_addc(&b, '/');
		}
		buf_addf(&b, ".%s.XXXXXX", o->name);
		o->tmp = xstrdup(buf_cstr(&b));
		buf_free(&b);
		if ((o->fd = mkstemp(o->tmp)) == -1) {
			free(o->tmp);
			o->tmp = NULL;
			cli_fail(s->cli, EX_CANTCREAT, "%s: cannot create: %s",
			    o->path, strerror(errno));
		}
		if (fcntl(o->fd, F_SETFD, FD_CLOEXEC) == -1 ||
		    fchmod(o->fd, s->mode) == -1)
			cli_fail(s->cli, EX_CANTCREAT, "%s: %s", o->tmp,
			    strerror(errno));
	} else if ((o->fd = open(o->tmp, O_WRONLY | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		cli_fail(s->cli, EX_IOERR, "%s: cannot reopen: %s", o->tmp,
		    strerror(errno));
	if (s->open == NULL) {
		/* Leave descriptors for stdio, rejects, --exec and libjq. */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 32 + s->max_open)
			s->max_open = rl.rlim_cur > 33 ? rl.rlim_cur - 32 : 1;
		s->open = xcalloc(s->max_open, sizeof(*s->open));
	}
	s->open[s->nopen++] = o;
}

/* Close o's descriptor (its buffer stays). */
static void
drop_fd(struct chunks *s, struct out *o)
{
	size_t i;
	int fd = o->fd;

	if (fd == -1)
		return;
	for (i = 0; i < s->nopen; i++)
		if (s->open[i] == o) {
			s->open[i] = s->open[--s->nopen];
			break;
		}
	o->fd = -1;
	if (close(fd) == -1)
		cli_fail(s->cli, EX_IOERR, "%s: write error: %s", o->path,
		    strerror(errno));
}

static void
write_all(struct chunks *s, struct out *o, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(o->fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			cli_fail(s->cli, EX_IOERR, "%s: write error: %s",
			    o->path, strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

char *
chunk_finish(struct chunks *s, struct out *o)
{
	char *path;

	take_fd(s, o);
	if (s->ref_out == o)
		write_refs(s);
	flush(s, o);
	if (s->sync && fsync(o->fd) == -1)
		cli_fail(s->cli, EX_IOERR, "%s: fsync: %s", o->path,
		    strerror(errno));
	drop_fd(s, o);
	if (rename(o->tmp, o->path) == -1)
		cli_fail(s->cli, EX_CANTCREAT, "%s: cannot rename %s: %s",
		    o->path, o->tmp, strerror(errno));
	(*s->nchunks)++;
	*s->nbytes += (int64_t)o->bytes;
	s->held -= o->pend.cap;
	s->v[o->slot] = s->v[--s->n];
	s->v[o->slot]->slot = o->slot;
	path = o->path;
	buf_free(&o->pend);
	free(o->tmp);
	free(o->name);
	free(o);
	return path;
}

void
chunks_finish_all(struct chunks *s, void (*done)(void *, char *), void *arg)
{
	struct out **sorted;
	size_t i, n = s->n;

	if (n == 0)
		return;
	sorted = xmalloc(n * sizeof(*sorted));
	memcpy(sorted, s->v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_name);
	for (i = 0; i < n && !cli_signal; i++)
		done(arg, chunk_finish(s, sorted[i]));
	free(sorted);
	buf_free(&s->frame);
}

static int
by_name(const void *a, const void *b)
{
	const struct out *x = *(struct out *const *)a;
	const struct out *y = *(struct out *const *)b;

	return strcmp(x->name, y->name);
}

void
chunks_abandon(struct chunks *s)
{
	size_t i;
	struct out *o;

	for (i = 0; i < s->n; i++) {
		o = s->v[i];
		if (o->fd != -1)
			close(o->fd);
		if (o->tmp != NULL)
			unlink(o->tmp);
		buf_free(&o->pend);
		free(o->tmp);
		free(o->path);
		free(o->name);
		free(o);
	}
	s->n = 0;
	s->nopen = 0;
	s->nref = 0;
	s->ref_out = NULL;
	free(s->ref);
	free(s->v);
	free(s->open);
	free(s->map);
	free(s->header);
	buf_free(&s->frame);
	s->v = s->open = s->map = NULL;
	s->ref = NULL;
	s->header = NULL;
}

/*
 * A file name from data: bytes outside [A-Za-z0-9._+,=@-] and UTF-8 are
 * written %XX, as is a leading '.' or '-', so no value can name a
 * directory, a hidden file, "..", or read as an option, or hold '/',
 * spaces or control characters. The
 * encoding is one-to-one; a name past NAME_MAX_BYTES is cut and ends with
 * '~' and 16 hex digits of the value's xxh3 hash instead.
 */
void
name_from_value(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, start = b->len, cut = 0;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (b->len - start <= NAME_MAX_BYTES &&
		    (ch & 0xC0) != 0x80)
			cut = b->len;	/* a boundary we may cut at */
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch >= 0x80 ||
		    (ch != '\0' && strchr("_+,=@", ch) != NULL) ||
		    ((ch == '.' || ch == '-') && i > 0)) {
			buf_addc(b, ch);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[ch >> 4]);
			buf_addc(b, hex[ch & 15]);
		}
	}
	if (b->len - start > NAME_MAX_BYTES) {
		b->len = cut;
		buf_addf(b, "~%016llx",
		    (unsigned long long)XXH3_64bits(s, n));
	}
}
