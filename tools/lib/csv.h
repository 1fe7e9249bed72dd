/*
 * csv: an RFC 4180 record parser over a struct rec_in, and the matching
 * field writer.
 *
 * csv_next hands out one record at a time: its fields, its physical text
 * (byte-exact, for rejects' _raw and for tools that copy records), its
 * record number and the physical line where it starts. Line ends are
 * LF, CRLF or a lone CR; inside a quoted field they are data. The
 * delimiter is any single byte but '"', CR, LF and NUL.
 *
 * Fields are zero-copy: a field without "" escapes points into the
 * input buffer; one with escapes points into the parser's own buffer,
 * unescaped, with at least 8 readable bytes after it. Everything a
 * record holds stays valid until the next csv_next. The struct csv and
 * the struct rec_in belong to the caller; csv_free releases what the
 * parser allocated (not the rec_in).
 *
 * A malformed record is still returned, with error set to the first
 * problem found (its fields are then not reliable, its raw text is):
 *  - CSV_EOPEN: a quoted field still open at the end of input; the
 *    record is the rest of the input;
 *  - CSV_ESTRAY: a '"' inside an unquoted field, and
 *  - CSV_EJUNK: text after a closing quote other than a delimiter or a
 *    line end; for both the record ends at the end of that physical line;
 *  - CSV_ENUL: a NUL byte anywhere in the record.
 *
 * An empty line is a record with one empty field and blank set; the
 * caller decides whether it counts.
 */
#ifndef SLUICE_CSV_H
#define SLUICE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rec.h"

enum csv_error { CSV_OK = 0, CSV_EOPEN, CSV_ESTRAY, CSV_EJUNK, CSV_ENUL };

/* Field flags. */
#define CSV_QUOTED	1	/* written between quotes */
#define CSV_ESCAPED	2	/* held "" (p is then in the parser's buffer) */

struct csv_field {
	const char	*p;
	size_t		 n;
	unsigned	 flags;
};

struct csv_span;

struct csv {
	struct rec_in	*in;
	int		 delim;

	/* The current record. */
	struct csv_field *f;
	size_t		 nf;
	const char	*raw;		/* its physical text */
	size_t		 rawlen;	/* without the final line end */
	size_t		 endlen;	/* bytes of that line end: 0, 1 or 2 */
	uint64_t	 offset;	/* stream offset of raw[0] */
	int64_t		 row;		/* 1-based record number (blank lines count) */
	int64_t		 line;		/* 1-based physical line where it starts */
	int64_t		 lines;		/* physical lines it spans */
	int		 blank;		/* an empty line */
	int		 error;		/* enum csv_error */
	size_t		 errfield;	/* 1-based field of the error */
	int64_t		 errline;	/* physical line of the error */

	/* Private. */
	struct csv_span	*span;
	size_t		 cap;
	struct buf	 esc;
	int64_t		 nextline;
	unsigned char	 special[256];
};

/* Prepare to read records from in (opened by the caller). */
void	 csv_init(struct csv *, struct rec_in *, int delim);
/*
 * Next record. 1: a record (check ->error); 0: end of input; -1: read
 * error (errno; EINTR may be retried); -2: a record longer than the
 * input's max_line.
 */
int	 csv_next(struct csv *);
/* csv_next of the struct csv at p, as cli_read calls it. */
int	 csv_read(void *p);
/* Short text for an enum csv_error: "quote inside an unquoted field". */
const char *csv_strerror(int);
void	 csv_free(struct csv *);

/*
 * A delimiter as the user writes it: one ASCII character but '"', CR,
 * LF and NUL, or "tab" or "\t" for a tab. The byte, or -1.
 */
int	 csv_delimiter(const char *);

/*
 * Append s[0..n) as one CSV field: quoted (with "" for '"') only when it
 * holds the delimiter, a quote, CR or LF.
 */
void	 csv_add_field(struct buf *, const char *s, size_t n, int delim);

#endif
