/*
 * keytab: dedupe's table of keys, an open-addressing hash table of
 * 128-bit key hashes (XXH3) and, for each, the row that holds it.
 *
 * A slot is 24 bytes (two 64-bit halves of the hash and a row). The
 * table grows by half once three quarters are in use, so it holds
 * between 32 and 48 bytes per distinct key (while it grows, the old and
 * the new array exist together for a moment). Row 0 marks an empty
 * slot; rows from a --seen file are stored as negative line numbers.
 */
#ifndef DEDUPE_KEYTAB_H
#define DEDUPE_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

struct keyslot {
	uint64_t	lo;
	uint64_t	hi;
	int64_t		row;
};

struct keytab {
	struct keyslot	*slot;
	size_t		 cap;		/* slots */
	size_t		 n;		/* keys held */
	size_t		 limit;		/* bytes the array may use; 0: none */
	size_t		 peak;		/* largest array, bytes */
};

/*
 * Find the key (lo, hi); when it is new, insert it with row. Returns the
 * slot (its row is the one stored before, or row when new, with *isnew
 * set), or NULL when growing would pass the limit.
 */
struct keyslot	*keytab_put(struct keytab *, uint64_t lo, uint64_t hi,
		    int64_t row, int *isnew);
/* The slot of key (lo, hi), or NULL. */
struct keyslot	*keytab_get(const struct keytab *, uint64_t lo, uint64_t hi);
void		 keytab_free(struct keytab *);

#endif
