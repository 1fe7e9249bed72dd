/*
 * pg: the libpq helpers the database tools share (pg-load, prune).
 *
 * It owns connecting (--dsn, else DATABASE_URL, else libpq's PG*
 * variables and service files), quoting identifiers, running a statement
 * with text parameters, introspecting a table (columns, types, defaults,
 * identity, unique indexes), the COPY FROM STDIN protocol in the manner
 * of psql's copy.c, and the classification of SQLSTATEs into transient
 * (worth a retry) and the rest.
 *
 * Every function returns 0 (or a result) on success and -1 (or NULL) on
 * failure with a struct pg_err filled; nothing here prints or exits.
 * Messages never contain a password: pg_connect masks the DSN's password,
 * PGPASSWORD's value and the DSN itself in whatever libpq says.
 *
 * Ownership: a PGresult returned by pg_exec belongs to the caller
 * (PQclear). A struct pg_table is filled by pg_table_load and released by
 * pg_table_free. Quoting appends to a caller's struct buf.
 */
#ifndef SLUICE_PG_H
#define SLUICE_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"

struct pg_err {
	char	 sqlstate[6];	/* "" when the server gave none */
	int	 transient;	/* worth retrying after a reconnect */
	char	 msg[512];	/* primary message, one line */
	char	 detail[256];
	char	 context[512];	/* PG_DIAG_CONTEXT ("COPY t, line 3, ...") */
};

/* Type families the COPY encoder cares about. */
enum pg_kind {
	PG_K_TEXT,		/* anything read from its text form */
	PG_K_BOOL,
	PG_K_JSON,		/* json, jsonb (and domains over them) */
	PG_K_ARRAY
};

struct pg_column {
	char		*name;
	size_t		 namelen;
	char		*type;		/* format_type(): "numeric(12,2)" */
	unsigned	 typoid;	/* pg_attribute.atttypid */
	int		 attnum;
	enum pg_kind	 kind;
	int		 has_default;	/* DEFAULT, serial or identity */
	int		 identity;	/* 'a' always, 'd' by default, 0 */
	int		 generated;	/* a generated column: never written */
	int		 notnull;
};

struct pg_unique {
	int		*cols;		/* indexes into pg_table.col */
	size_t		 n;
	int		 primary;
};

struct pg_table {
	char		*schema;
	char		*name;
	char		*qname;		/* "schema"."name", quoted */
	unsigned	 oid;
	char		 relkind;	/* 'r' table, 'p' partitioned, ... */
	int		 binary_ok;	/* UTF8 server, integer timestamps: binary
					   COPY means what text COPY means */
	struct pg_column *col;
	size_t		 ncol;
	struct pg_unique *uniq;
	size_t		 nuniq;
};

/*
 * Connect with dsn (NULL: DATABASE_URL, else libpq's defaults), set
 * client_encoding UTF8. app names the program (application_name).
 * NULL on failure; e->transient tells whether the server might come back.
 */
PGconn	*pg_connect(const char *dsn, const char *app, struct pg_err *);
/* Replace every secret of dsn (password, the DSN itself) in s by "***". */
void	 pg_mask(char *s, size_t size, const char *dsn);

/*
 * Set the session's TimeZone (so the server reads a time without an
 * offset in zone tz): 0, or -1 (an unknown zone is SQLSTATE 22023).
 */
int	 pg_set_time_zone(PGconn *, const char *tz, struct pg_err *);

/* Append name quoted as an identifier. -1 only if libpq refuses it. */
int	 pg_quote_ident(PGconn *, struct buf *, const char *name, size_t n);
/*
 * Split "[schema.]table" at its first dot (no dot: schema NULL, meaning
 * the search path). The parts are malloc'ed; free them.
 */
void	 pg_split_name(const char *qualified, char **schema, char **table);

/*
 * Run sql with n text parameters (NULL entries are SQL NULL). The result
 * of a command or query that succeeded, else NULL with e filled.
 */
PGresult *pg_exec(PGconn *, const char *sql, int n,
	    const char *const *params, struct pg_err *);
/* Run a statement and discard its result: 0 or -1. */
int	 pg_run(PGconn *, const char *sql, struct pg_err *);

/*
 * Look up [schema.]table (schema NULL: the search path) and its columns
 * in order, with their kinds and defaults, and its unique indexes
 * (plain columns, no predicate). -1 with e->msg "table ... does not
 * exist" when it is not there.
 */
int	 pg_table_load(PGconn *, const char *schema, const char *table,
	    struct pg_table *, struct pg_err *);
void	 pg_table_free(struct pg_table *);
/* Index of the column named name, or -1. */
int	 pg_table_column(const struct pg_table *, const char *name, size_t n);
/* 1 if a unique index covers exactly the columns cols[0..n). */
int	 pg_table_has_unique(const struct pg_table *, const int *cols,
	    size_t n);

/*
 * COPY, as psql's copy.c does it: pg_copy_begin runs "COPY ... FROM
 * STDIN"; pg_copy_put sends bytes; pg_copy_end ends the data (abort_msg
 * non-NULL aborts the COPY with that message), drains every result and
 * reports the first failure. *rows (may be NULL) gets the rows copied.
 */
int	 pg_copy_begin(PGconn *, const char *sql, struct pg_err *);
int	 pg_copy_put(PGconn *, const char *, size_t, struct pg_err *);
int	 pg_copy_end(PGconn *, const char *abort_msg, int64_t *rows,
	    struct pg_err *);
/*
 * The COPY data line an error points at ("COPY rel, line N..." in the
 * context), for the relation named rel; 0 when not known.
 */
int64_t	 pg_copy_line(const struct pg_err *, const char *rel);
/* The column it names ("..., line N, column C: ..."): 1 with C in buf. */
int	 pg_copy_column(const struct pg_err *, const char *rel, char *buf,
	    size_t size);

/* 1 for SQLSTATEs worth a retry: 08xxx, 40001, 40P01, 53300, 57P0[123]. */
int	 pg_sqlstate_transient(const char *sqlstate);
/*
 * 1 for errors that belong to a row's data (classes 22, 23, 54, P0...):
 * the row is a reject, the load can go on.
 */
int	 pg_sqlstate_data(const char *sqlstate);
/* Fill e from a failed result (or, with res NULL, from the connection). */
void	 pg_err_set(struct pg_err *, PGconn *, const PGresult *);
/* Seconds to wait before retry number attempt (0-based): 0.2 * 2^n, <= 10. */
double	 pg_backoff(int attempt);
/* Sleep for s seconds (restarting after signals unless *stop is set). */
void	 pg_sleep(double s, volatile int *stop);

#endif
