/* rec: record input (lines) and buffered output, side-record annotation. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec.h"
#include "utf8.h"

int
rec_open(struct rec_in *in, const char *path, size_t max_line)
{
	struct stat st;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		rec_fdopen(in, 0, "stdin", max_line);
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	rec_fdopen(in, fd, path, max_line);
	return 0;
}

void
rec_fdopen(struct rec_in *in, int fd, const char *name, size_t max_line)
{
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->name = name;
	in->size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ?
	    st.st_size : -1;
	in->max_line = max_line ? max_line : REC_MAX_LINE;
	in->cap = REC_BUFSIZE;
	in->buf = xmalloc(in->cap);
}

ssize_t
rec_fill(struct rec_in *in)
{
	ssize_t r;
	size_t from = in->held ? (size_t)(in->hold_at - in->base) : in->pos;
	size_t keep = in->end - from;

	if (in->eof)
		return 0;
	if (in->release != NULL && (in->end == in->cap ||
	    (from > 0 && keep == 0)))
		in->release(in->release_arg);
	if (from > 0 && (keep == 0 || in->end == in->cap)) {
		memmove(in->buf, in->buf + from, keep);
		in->base += from;
		in->pos -= from;
		in->end = keep;
		from = 0;
	}
	if (in->end == in->cap) {
		if (in->cap >= in->max_line + REC_BUFSIZE + (in->pos - from))
			return -2;
		in->cap *= 2;
		in->buf = xrealloc(in->buf, in->cap);
	}
	/* EINTR is returned: the caller may have a signal to act on. */
	r = zin_read(in, in->buf + in->end, in->cap - in->end);
	if (r == -1)
		return -1;
	if (r == 0) {
		in->eof = 1;
		return 0;
	}
	in->end += (size_t)r;
	/* A BOM is skipped at the start of the stream only. */
	if (!in->bom_checked && in->base == 0 && in->pos == 0) {
		if (in->end < 3 && memcmp(in->buf, "\xef\xbb\xbf", in->end) == 0)
			return rec_fill(in);	/* maybe a BOM: read on */
		in->bom_checked = 1;
		if (memcmp(in->buf, "\xef\xbb\xbf", 3) == 0)
			in->pos = 3;
	}
	return r;
}

/* Discard input up to and including the next LF. */
static int
skip_rest(struct rec_in *in)
{
	char *nl;
	ssize_t r;

	for (;;) {
		nl = memchr(in->buf + in->pos, '\n', in->end - in->pos);
		if (nl != NULL) {
			in->pos = (size_t)(nl - in->buf) + 1;
			in->skipping = 0;
			return 0;
		}
		in->pos = in->end;
		if ((r = rec_fill(in)) <= 0)
			return r == 0 ? (in->skipping = 0) : -1;
	}
}

int
rec_getline(struct rec_in *in)
{
	size_t scanned = 0, n;
	char *nl;
	ssize_t r;

	if (in->skipping && skip_rest(in) == -1)
		return -1;
	for (;;) {
		nl = memchr(in->buf + in->pos + scanned, '\n',
		    in->end - in->pos - scanned);
		if (nl != NULL)
			break;
		scanned = in->end - in->pos;
		if (scanned > in->max_line) {
			in->line = in->buf + in->pos;
			in->len = in->max_line;
			in->offset = in->base + in->pos;
			in->lineno++;
			in->too_long = 1;
			in->skipping = 1;
			in->pos += scanned;
			return 1;
		}
		r = rec_fill(in);
		if (r == -1)
			return -1;
		if (r == -2) {
			errno = ENOMEM;
			return -1;
		}
		if (r == 0) {
			if (in->pos == in->end)
				return 0;
			nl = NULL;
			break;
		}
	}
	in->line = in->buf + in->pos;
	in->offset = in->base + in->pos;
	n = nl != NULL ? (size_t)(nl - in->line) : in->end - in->pos;
	in->pos += n + (nl != NULL);
	if (n > 0 && in->line[n - 1] == '\r')
		n--;
	in->len = n;
	in->lineno++;
	in->too_long = n > in->max_line;
	if (in->too_long)
		in->len = in->max_line;
	return 1;
}

void
rec_hold(struct rec_in *in)
{
	if (in->base == 0 && in->pos == 0 && in->end == 0)
		(void)rec_fill(in);	/* past a BOM; an error shows again */
	in->held = 1;
	in->hold_at = in->base + in->pos;
	in->hold_lineno = in->lineno;
	in->hold_blank = in->blank;
}

void
rec_rewind(struct rec_in *in)
{
	in->pos = (size_t)(in->hold_at - in->base);
	in->lineno = in->hold_lineno;
	in->blank = in->hold_blank;
	in->skipping = 0;
	in->held = 0;
}

int
rec_next(struct rec_in *in)
{
	size_t i;
	int r;

	while ((r = rec_getline(in)) == 1) {
		for (i = 0; i < in->len; i++)
			if (in->line[i] != ' ' && in->line[i] != '\t' &&
			    in->line[i] != '\r')
				return 1;
		in->blank++;
	}
	return r;
}

const char *
rec_strerror(const struct rec_in *in, int err)
{
	return err == EBADMSG && in->zerr[0] ? in->zerr : strerror(err);
}

void
rec_close(struct rec_in *in)
{
	if (in->release != NULL && in->buf != NULL)
		in->release(in->release_arg);
	zin_free(in);
	if (in->fd > 0)
		close(in->fd);
	free(in->buf);
	in->buf = NULL;
}

void
rec_out_fd(struct rec_out *o, int fd, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->name = name;
	o->cap = REC_BUFSIZE;
	o->buf = xmalloc(o->cap);
}

volatile int *rec_stop;

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (rec_stop != NULL && *rec_stop && (w == -1 ||
		    (size_t)w < n)) {
			errno = EINTR;		/* a signal cut the write short */
			return -1;
		}
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
rec_flush(struct rec_out *o)
{
	size_t n = o->len;

	o->len = 0;
	return n ? write_all(o->fd, o->buf, n) : 0;
}

int
rec_put(struct rec_out *o, const void *p, size_t n)
{
	o->bytes += n;
	if (o->len + n <= o->cap) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		return 0;
	}
	if (rec_flush(o) == -1)
		return -1;
	if (n >= o->cap)
		return write_all(o->fd, p, n);
	memcpy(o->buf, p, n);
	o->len = n;
	return 0;
}

int
rec_putline(struct rec_out *o, const void *p, size_t n)
{
	if (o->len + n + 1 <= o->cap) {
		memcpy(o->buf + o->len, p, n);
		o->buf[o->len + n] = '\n';
		o->len += n + 1;
		o->bytes += n + 1;
		return 0;
	}
	if (rec_put(o, p, n) == -1)
		return -1;
	return rec_put(o, "\n", 1);
}

char *
rec_reserve(struct rec_out *o, size_t n)
{
	return o->cap - o->len >= n ? o->buf + o->len : NULL;
}

void
rec_commit(struct rec_out *o, size_t n)
{
	o->len += n;
	o->bytes += n;
}

int
rec_out_close(struct rec_out *o)
{
	int r = 0, saved;

	if (o->buf == NULL)
		return 0;
	if (rec_flush(o) == -1)
		r = -1;
	saved = errno;
	if (close(o->fd) == -1 && r == 0)
		r = -1;
	else
		errno = saved;
	free(o->buf);
	o->buf = NULL;
	return r;
}

static void
add_field(struct buf *b, const struct rec_field *f)
{
	buf_add_jstr(b, f->key, strlen(f->key));
	buf_addc(b, ':');
	switch (f->kind) {
	case REC_INT:
		buf_add_i64(b, f->i);
		break;
	case REC_STR:
		buf_add_jstr(b, f->s, f->n);
		break;
	case REC_JSON:
		buf_add(b, f->s, f->n);
		break;
	}
}

void
rec_annotate(struct buf *b, const char *line, size_t len, int is_object,
    const struct rec_field *f, size_t nf)
{
	size_t i, close_at, k;
	int empty;

	if (is_object) {
		close_at = len;
		while (close_at > 0 && line[close_at - 1] != '}')
			close_at--;
		if (close_at > 0) {
			close_at--;
			k = close_at;
			while (k > 0 && (line[k - 1] == ' ' ||
			    line[k - 1] == '\t' || line[k - 1] == '\r' ||
			    line[k - 1] == '\n'))
				k--;
			empty = k > 0 && line[k - 1] == '{';
			buf_add(b, line, k);
			for (i = 0; i < nf; i++) {
				if (i > 0 || !empty)
					buf_addc(b, ',');
				add_field(b, &f[i]);
			}
			buf_addc(b, '}');
			return;
		}
	}
	buf_addc(b, '{');
	for (i = 0; i < nf; i++) {
		add_field(b, &f[i]);
		buf_addc(b, ',');
	}
	buf_adds(b, "\"_raw\":");
	if (utf8_valid(line, len) == len) {
		buf_add_jstr(b, line, len);
	} else {
		struct buf tmp = BUF_INIT;

		utf8_add_lossy(&tmp, line, len);
		buf_add_jstr(b, tmp.p, tmp.len);
		buf_free(&tmp);
		buf_adds(b, ",\"_raw_base64\":\"");
		buf_add_b64(b, line, len);
		buf_addc(b, '"');
	}
	buf_addc(b, '}');
}
