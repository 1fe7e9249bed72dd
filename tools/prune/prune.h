/*
 * prune: what prune.c (options, stream mode) hands to table.c (table
 * mode). Times are UTC nanoseconds; the window is lo <= t < hi (or
 * t <= hi with hi_incl, from --until), with either bound optional.
 */
#ifndef PRUNE_H
#define PRUNE_H

#include <stdint.h>

#include "cli.h"

struct prune_opts {
	const char	*table;
	const char	*column;
	const char	*dsn;
	const char	*archive;
	const char	*tz;		/* a naive timestamp column's zone */
	int		 dry_run;
	int64_t		 batch;
	double		 sleep;		/* seconds between batches */
	int64_t		 lo, hi;
	int		 has_lo, has_hi;
	int		 hi_incl;	/* --until: t <= hi */
};

/* Table mode: returns the exit status. */
int	 prune_table(struct cli *, const struct prune_opts *);

#endif
