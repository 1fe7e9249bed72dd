/*
 * rollup: the parts shared by rollup.c (options, stream loop, groups),
 * agg.c (aggregate states: update, merge, final and partial output),
 * hll.c (HyperLogLog states in postgresql-hll's storage format) and
 * val.c (canonical JSON values, ordering, number formatting).
 *
 * A group owns its key text and its aggregate states; group_free
 * releases both. Interned count-by keys live for the whole run.
 */
#ifndef ROLLUP_H
#define ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "js.h"
#include "jqx.h"

enum agg_op {
	AGG_COUNT, AGG_DISTINCT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG,
	AGG_COUNT_BY, AGG_FIRST, AGG_LAST
};

/* The parameters of postgresql-hll's hll type (hll_add_agg's). */
struct hll_params {
	int		 log2m;		/* 4..17; 0: taken from the first value */
	int		 regwidth;	/* 1..7 */
	int64_t		 expthresh;	/* -1 (auto), 0 or a power of 2 */
	int		 sparse;	/* 0 or 1 */
};

/* An hll state: EMPTY, EXPLICIT (sorted hashes) or FULL (registers). */
struct hll {
	struct hll_params p;
	int		 type;
	int64_t		*elem;		/* EXPLICIT: ascending, unique */
	size_t		 n;
	size_t		 cap;
	uint8_t		*reg;		/* FULL: 2^log2m registers */
};

/* Interned count-by keys: id -> bytes, for the whole run. */
struct strtab {
	struct buf	 bytes;
	size_t		*off;
	uint32_t	*len;
	uint32_t	*slot;		/* id + 1, open-addressed by hash */
	size_t		 n;
	size_t		 cap;
};

struct agg_spec {
	enum agg_op	 op;
	char		*name;
	char		*expr_text;
	struct jqx	*expr;		/* NULL for --count and in --merge */
	struct hll_params hll;		/* --approx distinct: a new state's */
	int		 hll_out;	/* --hll: the final value is the state */
	struct strtab	*keys;		/* --count-by: the run's keys */
};

/* A sum: integers exactly in 128 bits, other numbers in a double. */
struct sum_state {
	__int128	 i;
	double		 f;
	int64_t		 n;		/* numbers added (for --avg) */
	unsigned char	 has_f;
};

/* A JSON value kept by min/max/first/last: canonical text. */
struct kept {
	char		*text;		/* NULL: no value yet */
	size_t		 len;
	size_t		 cap;
	int64_t		 row;		/* first/last: input row */
};

/* Exact distinct: open-addressed set of 128-bit hashes (lo, hi pairs). */
struct hset {
	uint64_t	*slot;
	size_t		 n;
	size_t		 cap;		/* slots, a power of two */
};

/* count-by: interned key id -> count, open-addressed. */
struct cmap_ent {
	uint32_t	 id;		/* intern id + 1; 0 = empty */
	int64_t		 n;
};
struct cmap {
	struct cmap_ent	*e;
	size_t		 n;
	size_t		 cap;
};

union agg_state {
	int64_t		 count;
	struct sum_state sum;
	struct hset	 set;
	struct hll	 hll;
	struct kept	 kept;
	struct cmap	 map;
};

struct group {
	uint64_t	 hash;
	int64_t		 bucket;	/* UTC ns of the bucket start */
	char		*key;		/* canonical group values, each + '\n' */
	size_t		 keylen;
	union agg_state	 st[];
};

/*
 * The buffers val_canon, val_canon_text and agg_merge reuse from call to
 * call. A run owns one and passes it down.
 */
struct scratch {
	struct buf	 str;		/* val_canon: a string, decoded */
	struct js_doc	 doc;		/* val_canon_text: a value, scanned */
	struct buf	 val;		/* agg_merge: a value being merged */
};

/* A value of the current record for one aggregate. */
struct agg_in {
	int		 present;	/* 0: missing or null */
	int		 type;		/* enum js_type */
	const char	*text;		/* canonical JSON text */
	size_t		 len;
	const char	*str;		/* strings: decoded contents */
	size_t		 slen;
	__int128	 ival;		/* numbers: integer value if is_int */
	int		 is_int;
	double		 dval;
};

/* agg.c */
void	 agg_init(const struct agg_spec *, union agg_state *, int approx);
void	 agg_update(const struct agg_spec *, union agg_state *,
	    const struct agg_in *, int approx, int64_t row);
void	 agg_free(const struct agg_spec *, union agg_state *, int approx);
void	 agg_final(const struct agg_spec *, const union agg_state *,
	    int approx, struct buf *);
void	 agg_partial(const struct agg_spec *, const union agg_state *,
	    int approx, struct buf *);
/* Merge the partial value at doc index i; -1 with a message in why. */
int	 agg_merge(const struct agg_spec *, union agg_state *, int approx,
	    const struct js_doc *, int i, struct scratch *, const char **why);
const char *agg_op_name(enum agg_op, int approx);
int	 agg_op_parse(const char *, size_t, enum agg_op *, int *approx);
uint32_t intern(struct strtab *, const char *, size_t);

/* hll.c */
uint64_t hll_hash(const void *, size_t);
int	 hll_params_check(const struct hll_params *, const char **why);
void	 hll_init(struct hll *, const struct hll_params *);
void	 hll_free(struct hll *);
void	 hll_add(struct hll *, uint64_t);
double	 hll_cardinality(const struct hll *);
void	 hll_add_hex(struct buf *, const struct hll *);
int	 hll_union_text(struct hll *, const char *, size_t, const char **why);

/* val.c */
void	 val_canon(struct buf *, const struct js_doc *, int i,
	    struct scratch *);
int	 val_canon_text(struct buf *, int type, const char *, size_t,
	    const char *str, size_t slen, struct scratch *);
void	 val_num_canon(struct buf *, const char *, size_t);
int	 val_parse_int(const char *, size_t, __int128 *);
void	 val_add_i128(struct buf *, __int128);
void	 val_add_double(struct buf *, double);
int	 val_cmp(const char *, size_t, const char *, size_t);
int	 val_cmp_str(const char *, size_t, const char *, size_t);

#endif
