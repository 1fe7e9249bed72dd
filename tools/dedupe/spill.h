/*
 * spill: dedupe past --memory, exactly, keeping input order.
 *
 * Once the key table is full it is frozen. Every later record is spooled
 * (row, a decision or none, its bytes) to a temporary file compressed with
 * zstd; a record whose key is not in the frozen table also adds (key hash,
 * row) to a buffer that is sorted and written as a run file when full. At the end the runs
 * are merged by (hash, row): in each group of equal hashes the first row
 * is the one kept and every other row is a duplicate of it. Those
 * (row, kept row) pairs are sorted by row in runs of their own, and a last
 * pass reads the spool in input order beside the merged pairs, so the
 * output is the same as with an unbounded table.
 *
 * --keep last has a spool of its own (struct spool): every record with
 * its row and key hash, written once and read back once in input order.
 *
 * Every temporary file is created with mkstemp in the given directory
 * (mode 0600) and unlinked at once. Functions return -1 with errno set on
 * an I/O error; the caller owns the struct and frees it with spill_free
 * (spool_close for a spool).
 */
#ifndef DEDUPE_SPILL_H
#define DEDUPE_SPILL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "rec.h"

/* What the caller decided for a spooled record before the merge. */
enum { SPILL_OPEN = 0, SPILL_PASS = 1, SPILL_DUPE = 2 };

struct spill_key {
	uint64_t	hi, lo;
	int64_t		row;
};

struct spill_pair {
	int64_t		row;	/* a duplicate */
	int64_t		of;	/* the row kept */
};

struct spill {
	const char		*dir;
	FILE			*spool;
	struct spill_key	*keys;	/* the run being filled */
	size_t			 nkeys, capkeys;
	FILE			**runs;
	size_t			 nruns;
	struct spill_pair	*pairs;
	size_t			 npairs, cappairs;
	FILE			**pruns;
	size_t			 npruns;
	int64_t			 groups;	/* distinct keys found by the merge */
	/* Reading back. */
	struct spill_pair	*heads;
	int			*live;
	int			 havepending;	/* prow, pof hold the next pair */
	int64_t			 prow, pof;
	struct buf		 rec;
};

/* bytes: memory for the sort buffers (at least 1 MB is used). */
int	 spill_init(struct spill *, const char *dir, size_t bytes);
/* Spool one record with its decision (of: the row kept, for a dupe). */
int	 spill_record(struct spill *, int64_t row, int decision, int64_t of,
	    int is_object, const char *line, size_t len);
/* Note the key of the last SPILL_OPEN record spooled. */
int	 spill_key(struct spill *, uint64_t hi, uint64_t lo, int64_t row);
/* Merge the runs; then read the records back with spill_next. */
int	 spill_finish(struct spill *);
/*
 * The next spooled record, in input order: 1 with *line, *len, *obj and
 * *of (0: kept; > 0: duplicate of that row; < 0: of --seen line -of);
 * 0 at the end; -1 on error.
 */
int	 spill_next(struct spill *, const char **line, size_t *len, int *obj,
	    int64_t *of);
void	 spill_free(struct spill *);

/* A --keep last record's header in the spool. */
#define SPOOL_OBJECT	0x1	/* the record is a JSON object */
#define SPOOL_PASS	0x2	/* kept whatever its key (--null-key keep) */

struct spool_rec {
	int64_t		row;
	uint64_t	lo, hi;		/* the key hash */
	uint32_t	len;		/* bytes of the record that follows */
	uint32_t	flags;
};

struct spool {
	int		 fd;
	struct rec_out	 out;		/* the first pass writes */
	FILE		*f;		/* the second reads */
	struct buf	 rec;		/* a record read back */
};

int	 spool_open(struct spool *, const char *dir);
int	 spool_write(struct spool *, const struct spool_rec *,
	    const char *line);
/* Flush what was written and read it from its start. */
int	 spool_rewind(struct spool *);
/* The next record: 1 with *h and *line; 0 at the end; -1 on error. */
int	 spool_read(struct spool *, struct spool_rec *h, const char **line);
void	 spool_close(struct spool *);

#endif
