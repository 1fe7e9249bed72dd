/*
 * zin: the bytes under struct rec_in, decompressed when they are gzip or
 * zstd. The kind is told by the first bytes of the stream (magic numbers
 * 1f 8b and 28 b5 2f fd), on files and pipes alike, never by a name.
 * Concatenated gzip members and zstd frames are read one after another,
 * as gzip -d and zstd -d do. A stream that stops inside a member or frame
 * is an error, never a short read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "rec.h"

#define ZIN_BUFSIZE	(128 * 1024)

struct zin {
	enum rec_codec	 codec;
	char		*buf;		/* compressed bytes read ahead */
	size_t		 pos, end;
	int		 raw_eof;
	int		 in_frame;	/* inside a member or frame */
	z_stream	 gz;
	ZSTD_DCtx	*zd;
};

static ssize_t	 raw_more(struct rec_in *, struct zin *);
static ssize_t	 gunzip(struct rec_in *, struct zin *, char *, size_t);
static ssize_t	 unzstd(struct rec_in *, struct zin *, char *, size_t);
static ssize_t	 zin_fail(struct rec_in *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Read the first bytes and choose the codec. 0, or -1 with errno. */
static int
sniff(struct rec_in *in)
{
	struct zin *z = xcalloc(1, sizeof(*z));
	const unsigned char *b;
	ssize_t r;

	z->buf = xmalloc(ZIN_BUFSIZE);
	in->z = z;
	while (z->end < 4 && !z->raw_eof)
		if ((r = raw_more(in, z)) == -1)
			return -1;
	b = (const unsigned char *)z->buf;
	if (z->end >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		z->codec = REC_GZIP;
		if (inflateInit2(&z->gz, 15 + 16) != Z_OK) {
			errno = ENOMEM;
			return -1;
		}
	} else if (z->end >= 4 && b[0] == 0x28 && b[1] == 0xb5 &&
	    b[2] == 0x2f && b[3] == 0xfd) {
		z->codec = REC_ZSTD;
		if ((z->zd = ZSTD_createDCtx()) == NULL) {
			errno = ENOMEM;
			return -1;
		}
	}
	in->codec = z->codec;
	return 0;
}

/* Append what read(2) gives to the read-ahead: bytes added, 0 at EOF. */
static ssize_t
raw_more(struct rec_in *in, struct zin *z)
{
	ssize_t r;

	if (z->pos > 0) {
		memmove(z->buf, z->buf + z->pos, z->end - z->pos);
		z->end -= z->pos;
		z->pos = 0;
	}
	r = read(in->fd, z->buf + z->end, ZIN_BUFSIZE - z->end);
	if (r == 0)
		z->raw_eof = 1;
	if (r > 0)
		z->end += (size_t)r;
	return r;
}

ssize_t
zin_read(struct rec_in *in, char *dst, size_t n)
{
	struct zin *z = in->z;
	size_t k;

	if (z == NULL) {
		if (sniff(in) == -1)
			return -1;
		z = in->z;
	}
	switch (z->codec) {
	case REC_GZIP:
		return gunzip(in, z, dst, n);
	case REC_ZSTD:
		return unzstd(in, z, dst, n);
	default:
		if (z->pos < z->end) {	/* the sniffed bytes first */
			k = z->end - z->pos < n ? z->end - z->pos : n;
			memcpy(dst, z->buf + z->pos, k);
			z->pos += k;
			return (ssize_t)k;
		}
		return z->raw_eof ? 0 : read(in->fd, dst, n);
	}
}

/*
 * Compressed bytes for the decoder: 1 when some are read ahead, 0 at the
 * end of a stream that ended cleanly, -1 (truncated, or read error).
 */
static int
more_input(struct rec_in *in, struct zin *z, const char *kind)
{
	if (z->pos == z->end && !z->raw_eof && raw_more(in, z) == -1)
		return -1;
	if (z->pos == z->end && z->raw_eof)
		return z->in_frame ? (int)zin_fail(in, "at", "truncated %s data",
		    kind) : 0;
	return 1;
}

static ssize_t
gunzip(struct rec_in *in, struct zin *z, char *dst, size_t n)
{
	ssize_t k;
	int rc;

	for (;;) {
		if ((k = more_input(in, z, "gzip")) <= 0)
			return k;
		if (!z->in_frame) {	/* a member starts (again) */
			if (inflateReset(&z->gz) != Z_OK)
				return zin_fail(in, "at", "gzip: cannot reset");
			z->in_frame = 1;
		}
		z->gz.next_in = (unsigned char *)z->buf + z->pos;
		z->gz.avail_in = (unsigned)(z->end - z->pos);
		z->gz.next_out = (unsigned char *)dst;
		z->gz.avail_out = (unsigned)(n < UINT32_MAX ? n : UINT32_MAX);
		rc = inflate(&z->gz, Z_NO_FLUSH);
		in->zread += (z->end - z->pos) - z->gz.avail_in;
		z->pos = z->end - z->gz.avail_in;
		if (rc == Z_STREAM_END)
			z->in_frame = 0;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return zin_fail(in, "at", "corrupt gzip data: %s",
			    z->gz.msg ? z->gz.msg : "inflate failed");
		if ((char *)z->gz.next_out > dst)
			return (char *)z->gz.next_out - dst;
	}
}

static ssize_t
unzstd(struct rec_in *in, struct zin *z, char *dst, size_t n)
{
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;
	ssize_t k;
	size_t rc;

	for (;;) {
		if ((k = more_input(in, z, "zstd")) <= 0)
			return k;
		ib.src = z->buf + z->pos;
		ib.size = z->end - z->pos;
		ib.pos = 0;
		ob.dst = dst;
		ob.size = n;
		ob.pos = 0;
		rc = ZSTD_decompressStream(z->zd, &ob, &ib);
		in->zread += ib.pos;
		z->pos += ib.pos;
		if (ZSTD_isError(rc))
			return zin_fail(in, "after", "corrupt zstd data: %s",
			    ZSTD_getErrorName(rc));
		z->in_frame = rc != 0;
		if (ob.pos > 0)
			return (ssize_t)ob.pos;
	}
}

/*
 * A bad stream: the message in in->zerr with where it went wrong ("at"
 * the compressed offset, or "after" it for zstd, which fails a block at
 * a time); -1 with errno EBADMSG.
 */
static ssize_t
zin_fail(struct rec_in *in, const char *where, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(in->zerr, sizeof(in->zerr), fmt, ap);
	va_end(ap);
	if (k > 0 && (size_t)k < sizeof(in->zerr))
		snprintf(in->zerr + k, sizeof(in->zerr) - (size_t)k,
		    " %s compressed byte %llu", where,
		    (unsigned long long)in->zread);
	errno = EBADMSG;
	return -1;
}

void
zin_free(struct rec_in *in)
{
	struct zin *z = in->z;

	if (z == NULL)
		return;
	if (z->codec == REC_GZIP)
		inflateEnd(&z->gz);
	ZSTD_freeDCtx(z->zd);
	free(z->buf);
	free(z);
	in->z = NULL;
}
