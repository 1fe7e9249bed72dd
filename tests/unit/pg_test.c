/*
 * pg_test: the parts of the pg module that need no server: masking of
 * secrets, [schema.]name splitting, the SQLSTATE classes, the COPY line
 * and column an error context points at, and the backoff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static int fails;

static void
check(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		printf("FAIL %s: got \"%s\", want \"%s\"\n", what, got, want);
		fails++;
	}
}

static void
check_int(const char *what, long long got, long long want)
{
	if (got != want) {
		printf("FAIL %s: got %lld, want %lld\n", what, got, want);
		fails++;
	}
}

static const struct { const char *dsn, *msg, *want; } masks[] = {
	{ "postgresql://bob:s3cret@db.example/x",
	  "could not connect to postgresql://bob:s3cret@db.example/x (s3cret)",
	  "could not connect to *** (***)" },
	{ "postgresql://bob:s3%63ret@db/x", "pw s3cret and s3%63ret",
	  "pw *** and ***" },
	{ "host=h password=hunter2 dbname=d", "failed: hunter2",
	  "failed: ***" },
	{ "host=h password='a b' dbname=d", "x a b y", "x *** y" },
	{ "postgresql://bob@h/x", "no password here", "no password here" },
	{ "postgresql://bob:***@h/x", "*** stays", "*** stays" },
	{ NULL, "nothing to hide", "nothing to hide" },
};

static const struct { const char *state; int transient, data; } states[] = {
	{ "08006", 1, 0 }, { "08001", 1, 0 }, { "40001", 1, 0 },
	{ "40P01", 1, 0 }, { "53300", 1, 0 }, { "57P01", 1, 0 },
	{ "57P02", 1, 0 }, { "57P03", 1, 0 }, { "22P02", 0, 1 },
	{ "23503", 0, 1 }, { "23505", 0, 1 }, { "22001", 0, 1 },
	{ "42P01", 0, 0 }, { "42501", 0, 0 }, { "", 0, 0 }, { "0800", 0, 0 },
};

int
main(void)
{
	struct pg_err e;
	char buf[512], *schema, *table;
	size_t i;

	unsetenv("PGPASSWORD");
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", masks[i].msg);
		pg_mask(buf, sizeof(buf), masks[i].dsn);
		check("pg_mask", buf, masks[i].want);
	}
	setenv("PGPASSWORD", "envpw", 1);
	snprintf(buf, sizeof(buf), "auth envpw failed");
	pg_mask(buf, sizeof(buf), NULL);
	check("pg_mask PGPASSWORD", buf, "auth *** failed");

	pg_split_name("public.events", &schema, &table);
	check("split schema", schema, "public");
	check("split table", table, "events");
	free(schema);
	free(table);
	pg_split_name("events", &schema, &table);
	check_int("split no schema", schema == NULL, 1);
	check("split table only", table, "events");
	free(table);

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		check_int(states[i].state, pg_sqlstate_transient(
		    states[i].state), states[i].transient);
		check_int(states[i].state, pg_sqlstate_data(states[i].state),
		    states[i].data);
	}

	memset(&e, 0, sizeof(e));
	snprintf(e.context, sizeof(e.context),
	    "COPY events, line 37, column n: \"abc\"");
	check_int("copy line", pg_copy_line(&e, "events"), 37);
	check_int("copy line other rel", pg_copy_line(&e, "event"), 0);
	snprintf(e.context, sizeof(e.context),
	    "SQL statement \"x\"\nCOPY a, line 1, b, line 9, line 4");
	check_int("copy line odd name", pg_copy_line(&e, "a, line 1, b"), 9);
	snprintf(e.context, sizeof(e.context), "COPY t, line 5");
	check_int("copy line no column", pg_copy_line(&e, "t"), 5);
	check("copy column none", pg_copy_column(&e, "t", buf, sizeof(buf)) ?
	    "found" : "", "");
	snprintf(e.context, sizeof(e.context),
	    "COPY t, line 5, column user_id: \"x\"");
	check_int("copy column found", pg_copy_column(&e, "t", buf,
	    sizeof(buf)), 1);
	check("copy column", buf, "user_id");

	check_int("backoff 0 (ms)", (long long)(pg_backoff(0) * 1000), 200);
	check_int("backoff 3 (ms)", (long long)(pg_backoff(3) * 1000), 1600);
	check_int("backoff cap (ms)", (long long)(pg_backoff(30) * 1000),
	    10000);

	if (fails)
		printf("%d failed\n", fails);
	return fails != 0;
}
