/*
 * zout: one gzip member or zstd frame per call. Frames written one after
 * another make a file that gzip -d, zstd -d and every sluice tool read
 * whole, so a writer can compress each flush of its buffer on its own
 * and append, as chunk does when it reopens a chunk.
 */
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "rec.h"

int
rec_compress(enum rec_codec codec, const void *p, size_t n, struct buf *out)
{
	z_stream gz;
	size_t bound, r;
	int rc;

	buf_reset(out);
	if (codec == REC_ZSTD) {
		bound = ZSTD_compressBound(n);
		buf_grow(out, bound);
		r = ZSTD_compress(out->p, bound, p, n, 3);
		if (ZSTD_isError(r))
			return -1;
		out->len = r;
		return 0;
	}
	if (n > UINT32_MAX / 2)
		return -1;
	memset(&gz, 0, sizeof(gz));
	if (deflateInit2(&gz, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&gz, (uLong)n);
	buf_grow(out, bound);
	gz.next_in = (unsigned char *)(uintptr_t)p;
	gz.avail_in = (uInt)n;
	gz.next_out = (unsigned char *)out->p;
	gz.avail_out = (uInt)bound;
	rc = deflate(&gz, Z_FINISH);
	out->len = bound - gz.avail_out;
	deflateEnd(&gz);
	return rc == Z_STREAM_END ? 0 : -1;
}
