/*
 * pg-load's parts:
 *	pg-load.c	options, the plan (the table's columns), the read loop
 *			that cuts the input into batches, the summary
 *	encode.c	a record to a COPY tuple for the target's columns, in
 *			binary when that is exact, else a line of text
 *	load.c		worker threads, one connection each: a batch in a
 *			transaction, retries, bisection of failing rows, rejects
 *	modes.c		append, upsert, skip-existing, replace and scd2: the
 *			statements each runs on a batch's rows
 *	ledger.c	the exactly-once record of runs and their batches
 *	create.c	--create: the table from a JSON Schema
 *	watermark.c	--watermark's values and their ledger max
 *	onetx.c		--defer-indexes and --freeze: the load in one
 *			transaction, secondary indexes built after the rows,
 *			rows written frozen
 */
#ifndef PG_LOAD_H
#define PG_LOAD_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"
#include "js.h"
#include "jqx.h"
#include "pg.h"

enum mode { M_APPEND, M_UPSERT, M_SKIP, M_REPLACE, M_SCD2 };

struct map {
	char		*col;
	const char	*expr;
	const char	*opt;		/* --map, or --flatten's path */
	int		 ci;		/* column index */
	struct jqx	*jq;
};

/* What every part reads; set up once by main before workers start. */
/*
 * The batch queue between the reader and the workers (load.c): batches
 * to load in submission order, spent ones kept for reuse, and the turn
 * of the ordered modes.
 */
struct queue {
	pthread_mutex_t	 lock;
	pthread_cond_t	 work;		/* a batch to load, or closing */
	pthread_cond_t	 free;		/* a spent batch to reuse */
	pthread_cond_t	 turn_done;	/* turn moved on */
	struct batch	*head, *tail, *spent;
	int		 nbatches;	/* allocated, at most 2 per worker */
	int		 closing;
	int64_t		 next_seq;
	int64_t		 turn;		/* the batch whose turn it is */
	struct worker	*workers;
};

struct plan {
	struct cli	*c;
	const char	*dsn;
	struct pg_table	 t;
	enum mode	 mode;
	const char	*mode_name;
	int64_t		 batch;
	int		 dry_run, check, reject_mode, retries, jobs;
	const char	*tz;		/* --tz: offset-less times (UTC) */
	int		 overriding;	/* --overriding-system-value */
	int		 defer, freeze;	/* --defer-indexes, --freeze */
	const char	*onetx;		/* either's name: the load is one
					   transaction; else NULL */
	const char	*row_field;	/* --row-field: the row rejects report */
	volatile int	 stop;		/* set on a fatal error */

	/* Columns: writable[i] for columns a record may fill. */
	char		**qcol;		/* quoted names */
	int		*writable;
	int		*defbit;	/* bit in a row's signature, or -1 */
	int		 extra_ci;	/* --extra-column, or -1 */
	int		 strict;
	struct map	*map;
	size_t		 nmap;

	/* Modes. */
	volatile int	 direct;	/* upsert, skip: COPY straight in */
	int		*key;		/* column indexes of --key-columns */
	size_t		 nkey;
	const char	*partition;	/* SQL expression */
	int		 vf, vt, cur;	/* scd2 columns (-1: none) */
	int		*cmp;		/* scd2 compared columns */
	size_t		 ncmp;
	char		*as_of;		/* text, cast to the valid-from type */

	/* Ledger (NULL without --ledger). */
	struct ledger	*lg;
	struct jqx	*wm;		/* --watermark, or NULL */
	int		 wm_kind;	/* enum wm_kind of the run's values */

	struct queue	 q;

	/* Shared counters (under lock). */
	pthread_mutex_t	 lock;
	int64_t		*n_batches, *n_skipped, *n_inserted, *n_updated,
			*n_replaced, *n_unchanged, *n_done_before;
	int		 fatal_code;
	char		 fatal_msg[1024];
};

struct row {
	size_t		 line_off, line_len;	/* the record in b->lines */
	size_t		 copy_off, copy_len;	/* its COPY tuple in b->copy */
	int64_t		 lineno;
	int64_t		 src_row;	/* --row-field's value, else lineno */
	uint64_t	 sig;		/* bit set: a default column is absent */
};

/* --watermark: a row's value, its text in b->wmtext. */
struct wm_row {
	size_t		 off, len;
	int64_t		 ns;		/* a time's instant */
};

/* A rejected record of a batch: refused by the encoder or the server. */
struct rej {
	size_t		 row;		/* in b->row, or NO_ROW (encoder) */
	size_t		 line_off, line_len;	/* the record in b->lines */
	int64_t		 src_row;
	int		 is_object;
	char		 sqlstate[6];
	char		*msg;		/* the message: DETAIL */
	size_t		 primary;	/* length of the message before DETAIL */
	char		*path;		/* JSON pointer, or NULL */
};
#define NO_ROW	((size_t)-1)
/* Two printf arguments for "%s%s": "FILE: " when operands name the input. */
#define BATCH_FILE(b)	((b)->file != NULL ? (b)->file->name : ""), \
			((b)->file != NULL ? ": " : "")

struct batch {
	struct cli_file	*file;		/* the operand it was read from */
	int64_t		 no;
	int64_t		 seq;		/* order of submission to the workers */
	int64_t		 first_row, last_row, records;
	uint64_t	 end_offset;
	uint64_t	 checksum;
	struct buf	 lines, copy;
	int		 binary;	/* b->copy holds binary COPY tuples */
	struct row	*row;
	size_t		 nrow, caprow;
	struct rej	*rej;		/* the encoder's first, then the server's */
	size_t		 nrej, caprej, nrej_enc;
	struct wm_row	*wm;		/* --watermark: row i's value */
	size_t		 capwm;
	struct buf	 wmtext;
	struct batch	*next;
};

/* ledger.c */
struct ledger {
	char		*q_runs, *q_batches, *q_rejects, *q_parts;
	char		*run_id;
	char		 owner[32];	/* this process's claim on the run */
	PGconn		*lock;		/* holds the run's advisory lock */
	int		 was_done;	/* the run had read its input to the end */
	int64_t		 batches_before;	/* the load's batches when opened */
	char		 finished_at[64];
	struct { int64_t start, n; uint64_t sum; } *done;	/* committed */
	size_t		 ndone;
};
struct ledger_opts {
	const char	*name;		/* --ledger=NAME */
	const char	*run_id;	/* --run-id, or NULL */
	int		 force, wait;
};
void	 ledger_names(struct ledger *, struct cli *, PGconn *, const char *);
void	 ledger_open(struct ledger *, struct plan *, PGconn *,
	    const struct ledger_opts *);
void	 ledger_replay_rejects(const struct ledger *, struct cli *, PGconn *);
int	 ledger_commit_batch(const struct ledger *, PGconn *,
	    const struct batch *, int64_t loaded, const struct buf *rejects,
	    struct pg_err *);
int	 ledger_committed(const struct ledger *, PGconn *, const struct batch *,
	    int64_t *loaded, struct pg_err *);
void	 ledger_finish(struct ledger *, struct plan *, int state);
int	 ledger_status(struct cli *, PGconn *, const char *name,
	    const char *run_id);
int	 ledger_last_watermark(struct cli *, PGconn *, const char *name,
	    const char *table, const char *run_id);
void	 ledger_free(struct ledger *);

/* create.c */
struct create_opts {
	const char	*schema;	/* --schema FILE */
	int64_t		 infer;		/* --infer N: records sampled, or 0 */
	const char	*number_type;	/* JSON "number": numeric, or --float */
	int		 flatten;	/* --flatten */
	int		 enum_type;	/* --enum-type */
	int		 varchar;	/* --varchar */
	int		 print_ddl;	/* --print-ddl */
	int		 check;		/* --check-schema */
	const char	*what;		/* the schema file, or "the sample" */
	char		*ddl;		/* the statements to run */
	char		*qtable;	/* the table's quoted name */
	struct create_col {
		char	*name;
		char	*type;		/* as format_type() names it */
		char	*path;		/* jq path of a flattened member */
	}		*col;
	size_t		 ncol;
};
void	 create_prepare(struct cli *, struct create_opts *, const char *table,
	    const char *keys);
void	 create_infer(struct cli *, struct create_opts *, const char *table,
	    const char *keys);
void	 create_table(struct cli *, const struct create_opts *, PGconn *);
int	 create_check(struct cli *, const struct create_opts *, PGconn *);

/* ddl.c: the statement, as create.c and infer.c find its columns. */
struct ddl {
	struct cli		*c;
	struct create_opts	*o;
	const char		*what;	/* the source, for messages */
	char			*schema, *name;	/* the table's, as given */
	struct buf		 pre;	/* CREATE TYPE statements */
	struct buf		 out;	/* CREATE TABLE */
	struct buf		 type;	/* ddl_enum_type's result */
};
void	 ddl_begin(struct ddl *, struct cli *, struct create_opts *,
	    const char *table, const char *what);
void	 ddl_ident(struct ddl *, struct buf *, const char *, size_t,
	    const char *what);
void	 ddl_path_step(struct buf *, const char *key, size_t);
const char *ddl_enum_type(struct ddl *, const char *col, size_t);
void	 ddl_column(struct ddl *, const char *col, size_t, const char *type,
	    int notnull, const char *path, size_t pathlen);
void	 ddl_end(struct ddl *, const char *keys);

/* encode.c */
struct encoder;
/*
 * An encoder for p's table: binary COPY tuples when the server and every
 * column's type (p->t.col[i].typoid) allow it, else text.
 */
struct encoder *enc_new(struct plan *);
/* Why enc_record rejected a record, and where. */
struct enc_err {
	int64_t		 src_row;	/* lineno, or the --row-field integer */
	int		 is_object;
	char		 msg[512];
	char		 path[256];	/* JSON pointer, or "" */
};

/*
 * Encode the record line[0..len) into b (a new struct row): as a binary
 * COPY tuple while b->binary is set and every value of the record has an
 * exact binary form, else as a line of COPY text; the first record that
 * needs text turns the whole batch to text (b->binary = 0, the rows
 * before it encoded again from b->lines). 0: done; -1: rejected, with
 * err filled. err->src_row is the row to report either way.
 */
int	 enc_record(struct encoder *, struct batch *, const char *line,
	    size_t len, int64_t lineno, struct enc_err *err);
/* Keys that matched no column: what report_unmatched tells. */
struct enc_unmatched {
	char		*key;
	int64_t		 count;
	const char	*why;		/* "" or why a column took no value */
};
const struct enc_unmatched *enc_unmatched(const struct encoder *, size_t *n);
/* The record enc_record encoded last, as scanned. */
const struct js_doc *enc_doc(const struct encoder *);
/* Take back the row enc_record just added to b. */
void	 enc_unrecord(struct batch *);
void	 enc_free(struct encoder *);

/* What a batch did in the table. */
struct counts {
	int64_t	loaded, inserted, updated, skipped, replaced, unchanged;
};

/* One loader thread and its connection (load.c runs it, modes.c uses it). */
struct worker {
	struct plan	*p;
	pthread_t	 th;
	PGconn		*conn;
	int		 stage_ready;	/* the staging table exists */
	int		 first_op;	/* nothing staged yet in this transaction */
	int		 in_commit;	/* the failure came at COMMIT */
	int		 in_load;	/* --defer-indexes: its transaction open */
	struct buf	 deferred;	/* the indexes it dropped, to build */
	struct buf	 sql, cols, strip, rejtext;
	struct group { uint64_t sig; struct buf rows; } *group;
	size_t		 ngroup, capgroup;	/* rows by signature */
	struct pg_err	 err;
	struct counts	 n;		/* this attempt */
};

/* load.c */
int	 load_start(struct plan *);	/* start the workers */
void	 load_submit(struct plan *, struct batch *);
/* Give back a batch that needs no loading. */
void	 load_submit_free(struct plan *, struct batch *);
struct batch *load_get(struct plan *);	/* a free batch (blocks) */
void	 load_finish(struct plan *);	/* wait for every batch */
void	 load_drain(struct plan *);	/* wait for those submitted */
/* pg-load.c */
int	 run_per_file(const struct plan *);
void	 batch_reset(struct batch *, int64_t no);
/* The lines of b's rejects, in input order, into out. */
void	 batch_rejects(struct batch *, struct buf *out);
void	 plan_fatal(struct plan *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * COPY rows [lo, hi) of b into the staging table or the table: 0, or -1
 * with w->err and *bad (the row the error names, else untouched).
 */
int	 load_copy(struct worker *, struct batch *, size_t lo, size_t hi,
	    int staging, int64_t *bad, int64_t *loaded);
/* Wait for b's turn at the table (ordered modes): 0, or -1 if stopped. */
int	 load_wait_turn(struct worker *, struct batch *);

/* modes.c */
int	 mode_prepare(struct worker *);
int	 mode_apply(struct worker *, struct batch *, size_t lo, size_t hi,
	    struct counts *, int64_t *bad);

/* onetx.c */
int	 onetx_begin(struct worker *);
int	 onetx_end(struct worker *);

/* watermark.c */
enum wm_kind { WM_NONE, WM_TIME, WM_NUMBER };
struct wm_val {
	const char	*text;
	size_t		 len;
	int64_t		 ns;
};
int	 wm_eval(struct plan *, const struct js_doc *, struct wm_val *,
	    char *msg, size_t msglen);
void	 wm_keep(struct batch *, const struct wm_val *);
int	 wm_classify(const char *, size_t, int64_t *ns);
int	 wm_text_cmp(const char *, size_t, const char *, size_t, int *cmp);
int	 wm_commit(struct plan *, PGconn *, struct batch *, struct pg_err *);
const char *wm_kind_name(int kind);

/* Binary COPY framing (the tuples are the encoder's). */
#define COPY_BIN_HEADER		"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0"
#define COPY_BIN_HEADER_LEN	19
#define COPY_BIN_TRAILER	"\377\377"
#define COPY_BIN_TRAILER_LEN	2

#define STAGE_NAME	"sluice_stage"
#define STAGE_ROW	"_sluice_row"

#endif
