/*
 * libFuzzer harness for the CSV reader. Invariants: no crash; the
 * records' physical text and line ends tile the input exactly (what
 * chunk relies on to copy records byte for byte); a record parsed without
 * error, written back with csv_add_field and parsed again, gives the same
 * fields.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csv.h"
#include "rec.h"

static int
open_mem(const uint8_t *p, size_t n)
{
	int fd = memfd_create("csv", 0);

	if (fd == -1 || write(fd, p, n) != (ssize_t)n)
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Parse p and append each record's fields, NUL-separated, to out. */
static void
fields_of(const uint8_t *p, size_t n, struct buf *out, struct buf *again)
{
	static struct rec_in in;
	struct csv c;
	uint64_t pos = 0;
	size_t i;
	int r;

	/* One reader, reset per input: its buffer is allocated once. */
	if (in.buf == NULL && rec_open(&in, NULL, 1 << 20) == -1)
		abort();
	in.pos = in.end = in.base = 0;
	in.eof = in.skipping = 0;
	in.lineno = 0;
	in.fd = open_mem(p, n);
	csv_init(&c, &in, ',');
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while ((r = csv_next(&c)) == 1) {
		if (c.offset != pos)
			abort();
		pos += c.rawlen + c.endlen;
		if (c.error != CSV_OK)
			continue;
		for (i = 0; i < c.nf; i++) {
			buf_add(out, c.f[i].p, c.f[i].n);
			buf_addc(out, 0);
			if (again != NULL) {
				if (i > 0)
					buf_addc(again, ',');
				csv_add_field(again, c.f[i].p, c.f[i].n, ',');
			}
		}
		buf_addc(out, '\n');
		if (again != NULL)
			buf_add(again, "\r\n", 2);
	}
	if (r == -2)
		pos = n;		/* a record over the limit: stop there */
	else if (r != 0 || pos != n)
		abort();
	csv_free(&c);
	close(in.fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf first = BUF_INIT, again = BUF_INIT, second = BUF_INIT;

	/* A first record, so a BOM-like field never starts the rewrite. */
	buf_add(&first, "s\0\n", 3);
	buf_add(&again, "s\r\n", 3);
	fields_of(data, size, &first, &again);
	fields_of((const uint8_t *)again.p, again.len, &second, NULL);
	if (first.len != second.len ||
	    (first.len && memcmp(first.p, second.p, first.len) != 0))
		abort();
	buf_free(&first);
	buf_free(&again);
	buf_free(&second);
	return 0;
}
