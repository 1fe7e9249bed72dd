/*
 * tm_test: table-driven tests of tools/lib/tm. Expected instants were
 * computed with Python (calendar.timegm, zoneinfo), not with tm itself.
 * Prints each failure and exits 1 if any.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tm.h"

static int	 failures, checks;

static void	 test_parse_ok(void);
static void	 test_parse_bad(void);
static void	 test_epoch(void);
static void	 test_format(void);
static void	 test_trunc_utc(void);
static void	 test_trunc_zone(void);
static void	 test_trunc_zone_sweep(void);
static void	 test_duration(void);
static void	 test_units(void);
static int64_t	 ts(const char *);

int
main(void)
{
	test_parse_ok();
	test_parse_bad();
	test_epoch();
	test_format();
	test_trunc_utc();
	test_trunc_zone();
	test_trunc_zone_sweep();
	test_duration();
	test_units();
	printf("tm_test: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}

static void
fail(const char *fmt, const char *a, int64_t want, int64_t got)
{
	failures++;
	printf("FAIL %s: %s: want %" PRId64 ", got %" PRId64 "\n", fmt, a,
	    want, got);
}

/* A timestamp the accept table has already proven tm_parse reads. */
static int64_t
ts(const char *s)
{
	int64_t ns;
	const char *why;

	if (tm_parse(s, strlen(s), &ns, &why) == -1) {
		printf("FAIL helper: %s: %s\n", s, why);
		exit(1);
	}
	return ns;
}

static const struct {
	const char	*in;
	int64_t		 ns;
} parse_ok[] = {
	{ "2024-03-05T14:07:09Z", INT64_C(1709647629000000000) },
	{ "2024-03-05t14:07:09z", INT64_C(1709647629000000000) },
	{ "2024-03-05 14:07:09Z", INT64_C(1709647629000000000) },
	{ "2024-03-05T14:07:09", INT64_C(1709647629000000000) },
	{ "2024-03-05 14:07:09", INT64_C(1709647629000000000) },
	{ "2024-03-05T14:07:09+02:00", INT64_C(1709640429000000000) },
	{ "2024-03-05T14:07:09+0200", INT64_C(1709640429000000000) },
	{ "2024-03-05T14:07:09+02", INT64_C(1709640429000000000) },
	{ "2024-03-05T14:07:09-05:00", INT64_C(1709665629000000000) },
	{ "2024-03-05T14:07:09-0530", INT64_C(1709667429000000000) },
	{ "2024-03-05T14:07:09+05:45", INT64_C(1709626929000000000) },
	{ "2024-03-05T14:07:09-00:00", INT64_C(1709647629000000000) },
	{ "2024-03-05T14:07:09+23:59", INT64_C(1709561289000000000) },
	{ "2024-03-05 14:07:09 +02:00", INT64_C(1709640429000000000) },
	{ "2024-03-05 14:07:09 -0800", INT64_C(1709676429000000000) },
	{ "2024-03-05 14:07:09 Z", INT64_C(1709647629000000000) },
	{ "2024-03-05 14:07:09 UTC", INT64_C(1709647629000000000) },
	{ "2024-03-05T14:07:09UTC", INT64_C(1709647629000000000) },
	{ "2024-03-05 14:07:09.25 UTC", INT64_C(1709647629250000000) },
	{ "2024-03-05T14:07:09.5Z", INT64_C(1709647629500000000) },
	{ "2024-03-05T14:07:09.123Z", INT64_C(1709647629123000000) },
	{ "2024-03-05T14:07:09.123456Z", INT64_C(1709647629123456000) },
	{ "2024-03-05T14:07:09.123456789Z", INT64_C(1709647629123456789) },
	{ "2024-03-05T14:07:09.1234567891234Z",
	    INT64_C(1709647629123456789) },
	{ "2024-03-05T14:07:09.000000000000Z",
	    INT64_C(1709647629000000000) },
	{ "2024-03-05T14:07:09.999999999999+01:00",
	    INT64_C(1709644029999999999) },
	{ "2024-03-05T14:07", INT64_C(1709647620000000000) },
	{ "2024-03-05T14:07Z", INT64_C(1709647620000000000) },
	{ "2024-03-05 14:07+02:00", INT64_C(1709640420000000000) },
	{ "2024-03-05", INT64_C(1709596800000000000) },
	{ "1970-01-01T00:00:00Z", INT64_C(0) },
	{ "1969-12-31T23:59:59.999999999Z", INT64_C(-1) },
	{ "1969-12-31T23:59:59.5Z", INT64_C(-500000000) },
	{ "2024-02-29T12:00:00Z", INT64_C(1709208000000000000) },
	{ "2000-02-29", INT64_C(951782400000000000) },
	{ "2023-12-31T23:59:59Z", INT64_C(1704067199000000000) },
	{ "2024-01-31", INT64_C(1706659200000000000) },
	{ "2024-04-30", INT64_C(1714435200000000000) },
	{ "2024-06-30", INT64_C(1719705600000000000) },
	{ "2024-09-30", INT64_C(1727654400000000000) },
	{ "2024-11-30", INT64_C(1732924800000000000) },
	{ "2016-12-31T23:59:60Z", INT64_C(1483228800000000000) },
	{ "2024-03-05T14:07:60Z", INT64_C(1709647680000000000) },
	{ "2024-03-05T14:07:60.25Z", INT64_C(1709647680250000000) },
	{ "2024-03-05T24:00", INT64_C(1709683200000000000) },
	{ "2024-03-05T24:00:00Z", INT64_C(1709683200000000000) },
	{ "2024-12-31T24:00:00.000+02:00", INT64_C(1735682400000000000) },
	{ "2024-02-28T24:00:00", INT64_C(1709164800000000000) },
	{ "2024-03-05T00:30:00+01:00", INT64_C(1709595000000000000) },
	{ "2024-12-31T23:30:00-01:00", INT64_C(1735691400000000000) },
	{ "1677-09-21T00:12:43.145224192Z", INT64_MIN },
	{ "2262-04-11T23:47:16.854775807Z", INT64_MAX },
	{ "1900-01-01", INT64_C(-2208988800000000000) },
	{ "2100-02-28T23:59:59.999999999Z", INT64_C(4107542399999999999) },
};

static void
test_parse_ok(void)
{
	size_t i;
	int64_t ns;
	const char *why;

	for (i = 0; i < sizeof(parse_ok) / sizeof(parse_ok[0]); i++) {
		checks++;
		if (tm_parse(parse_ok[i].in, strlen(parse_ok[i].in), &ns,
		    &why) == -1) {
			failures++;
			printf("FAIL parse: %s: rejected: %s\n",
			    parse_ok[i].in, why);
		} else if (ns != parse_ok[i].ns)
			fail("parse", parse_ok[i].in, parse_ok[i].ns, ns);
	}
	/* The length bounds the input: bytes after it are not read. */
	checks++;
	if (tm_parse("2024-03-05T14:07:09Zjunk", 20, &ns, &why) == -1 ||
	    ns != INT64_C(1709647629000000000))
		fail("parse", "length-bounded", 1709647629000000000, ns);
}

static const struct {
	const char	*in;
	const char	*why;
} parse_bad[] = {
	{ "", "empty timestamp" },
	{ "2024", "expected a date YYYY-MM-DD" },
	{ "2024-3-05", "expected a date YYYY-MM-DD" },
	{ "2024/03/05", "expected a date YYYY-MM-DD" },
	{ "24-03-05", "expected a date YYYY-MM-DD" },
	{ " 2024-03-05", "expected a date YYYY-MM-DD" },
	{ "20240305T140709Z", "expected a date YYYY-MM-DD" },
	{ "0000-01-01", "year 0000 out of range" },
	{ "2024-00-10", "month out of range" },
	{ "2024-13-01", "month out of range" },
	{ "2024-01-00", "day out of range for the month" },
	{ "2024-01-32", "day out of range for the month" },
	{ "2024-02-30", "day out of range for the month" },
	{ "2023-02-29", "day out of range for the month" },
	{ "1900-02-29", "day out of range for the month" },
	{ "2024-04-31", "day out of range for the month" },
	{ "2024-06-31", "day out of range for the month" },
	{ "2024-09-31", "day out of range for the month" },
	{ "2024-11-31", "day out of range for the month" },
	{ "2024-03-05X14:07:09", "expected 'T' or ' ' after the date" },
	{ "2024-03-05 ", "expected a time HH:MM" },
	{ "2024-03-05T", "expected a time HH:MM" },
	{ "2024-03-05T14", "expected a time HH:MM" },
	{ "2024-03-05T14Z", "expected a time HH:MM" },
	{ "2024-03-05T1:07:09", "expected a time HH:MM" },
	{ "2024-03-05T14:7:09", "expected a time HH:MM" },
	{ "2024-03-05T14:07:", "expected seconds SS after ':'" },
	{ "2024-03-05T14:07:9", "expected seconds SS after ':'" },
	{ "2024-03-05T14:07:09.", "expected digits after '.'" },
	{ "2024-03-05T14:07:09.Z", "expected digits after '.'" },
	{ "2024-03-05T25:00:00Z", "hour out of range" },
	{ "2024-03-05T14:60:00Z", "minute out of range" },
	{ "2024-03-05T14:07:61Z", "second out of range" },
	{ "2024-03-05T24:00:01Z", "hour 24 only as 24:00:00" },
	{ "2024-03-05T24:01", "hour 24 only as 24:00:00" },
	{ "2024-03-05T24:00:00.1", "hour 24 only as 24:00:00" },
	{ "2024-03-05T24:00:60", "hour 24 only as 24:00:00" },
	{ "2024-03-05T14:07:09+2", "expected an offset +hh:mm, +hhmm or +hh" },
	{ "2024-03-05T14:07:09+02:", "expected an offset +hh:mm, +hhmm or +hh" },
	{ "2024-03-05T14:07:09+02:0",
	    "expected an offset +hh:mm, +hhmm or +hh" },
	{ "2024-03-05T14:07:09+020", "expected an offset +hh:mm, +hhmm or +hh" },
	{ "2024-03-05T14:07:09+", "expected an offset +hh:mm, +hhmm or +hh" },
	{ "2024-03-05T14:07:09+24:00", "offset out of range" },
	{ "2024-03-05T14:07:09+02:60", "offset out of range" },
	{ "2024-03-05T14:07:09ZZ", "unexpected text after the time" },
	{ "2024-03-05T14:07:09Z ", "unexpected text after the time" },
	{ "2024-03-05T14:07:09 ", "unexpected text after the time" },
	{ "2024-03-05T14:07:09  Z", "unexpected text after the time" },
	{ "2024-03-05T14:07:09 utc", "unexpected text after the time" },
	{ "2024-03-05T14:07:09 UTC+1", "unexpected text after the time" },
	{ "2024-03-05T14:07:09 GMT", "unexpected text after the time" },
	{ "2024-03-05T14:07:09+02:00:00", "unexpected text after the time" },
	{ "2024-03-05T14:07:09,5Z", "unexpected text after the time" },
	{ "2024-03-05Z", "expected 'T' or ' ' after the date" },
	{ "1677-09-21T00:12:43.145224191Z",
	    "out of range (1677-09-21 to 2262-04-11)" },
	{ "2262-04-11T23:47:16.854775808Z",
	    "out of range (1677-09-21 to 2262-04-11)" },
	{ "0001-01-01", "out of range (1677-09-21 to 2262-04-11)" },
	{ "9999-12-31T23:59:59Z", "out of range (1677-09-21 to 2262-04-11)" },
};

static void
test_parse_bad(void)
{
	size_t i;
	int64_t ns = 0;
	const char *why;

	for (i = 0; i < sizeof(parse_bad) / sizeof(parse_bad[0]); i++) {
		checks++;
		why = NULL;
		if (tm_parse(parse_bad[i].in, strlen(parse_bad[i].in), &ns,
		    &why) == 0) {
			failures++;
			printf("FAIL parse_bad: %s: accepted as %" PRId64 "\n",
			    parse_bad[i].in, ns);
		} else if (strcmp(why, parse_bad[i].why) != 0) {
			failures++;
			printf("FAIL parse_bad: %s: want \"%s\", got \"%s\"\n",
			    parse_bad[i].in, parse_bad[i].why, why);
		}
	}
	/* A NUL inside the span is a bad byte, not an end. */
	checks++;
	if (tm_parse("2024-03-05\0T14:07", 16, &ns, &why) == 0) {
		failures++;
		printf("FAIL parse_bad: embedded NUL accepted\n");
	}
}

static const struct {
	const char	*in;
	enum tm_epoch	 unit;
	int64_t		 ns;	/* when why is NULL */
	const char	*why;
} epoch_cases[] = {
	{ "1709647629", TM_EPOCH_S, INT64_C(1709647629000000000), NULL },
	{ "1709647629.5", TM_EPOCH_S, INT64_C(1709647629500000000), NULL },
	{ "1709647629.123456789999", TM_EPOCH_S,
	    INT64_C(1709647629123456789), NULL },
	{ "-1.5", TM_EPOCH_S, INT64_C(-1500000000), NULL },
	{ "-0", TM_EPOCH_S, 0, NULL },
	{ "0", TM_EPOCH_NS, 0, NULL },
	{ "0001", TM_EPOCH_S, INT64_C(1000000000), NULL },
	{ "1709647629123", TM_EPOCH_MS, INT64_C(1709647629123000000), NULL },
	{ "1709647629123.4567", TM_EPOCH_MS, INT64_C(1709647629123456700),
	    NULL },
	{ "1709647629123456", TM_EPOCH_US, INT64_C(1709647629123456000),
	    NULL },
	{ "1709647629123456.9", TM_EPOCH_US, INT64_C(1709647629123456900),
	    NULL },
	{ "1709647629123456789", TM_EPOCH_NS, INT64_C(1709647629123456789),
	    NULL },
	{ "1709647629123456789.9", TM_EPOCH_NS,
	    INT64_C(1709647629123456789), NULL },
	{ "9223372036854775807", TM_EPOCH_NS, INT64_MAX, NULL },
	{ "-9223372036854775808", TM_EPOCH_NS, INT64_MIN, NULL },
	{ "9223372036.854775807", TM_EPOCH_S, INT64_MAX, NULL },
	{ "-9223372036.854775808", TM_EPOCH_S, INT64_MIN, NULL },
	{ "9223372036854775808", TM_EPOCH_NS, 0, "epoch time out of range" },
	{ "-9223372036854775809", TM_EPOCH_NS, 0, "epoch time out of range" },
	{ "9223372037", TM_EPOCH_S, 0, "epoch time out of range" },
	{ "9223372036.854775808", TM_EPOCH_S, 0, "epoch time out of range" },
	{ "99999999999999999999999", TM_EPOCH_S, 0,
	    "epoch time out of range" },
	{ "9223372036855", TM_EPOCH_MS, 0, "epoch time out of range" },
	{ "", TM_EPOCH_S, 0, "empty epoch time" },
	{ "-", TM_EPOCH_S, 0, "expected digits" },
	{ "+1", TM_EPOCH_S, 0, "expected digits" },
	{ ".5", TM_EPOCH_S, 0, "expected digits" },
	{ " 1", TM_EPOCH_S, 0, "expected digits" },
	{ "1.", TM_EPOCH_S, 0, "expected digits after '.'" },
	{ "1e9", TM_EPOCH_S, 0, "unexpected character in epoch time" },
	{ "1 ", TM_EPOCH_S, 0, "unexpected character in epoch time" },
	{ "1.5.5", TM_EPOCH_S, 0, "unexpected character in epoch time" },
	{ "12", TM_EPOCH_NONE, 0, "no epoch unit" },
};

static void
test_epoch(void)
{
	size_t i;
	int64_t ns;
	const char *why;
	int r;

	for (i = 0; i < sizeof(epoch_cases) / sizeof(epoch_cases[0]); i++) {
		checks++;
		ns = 0;
		why = NULL;
		r = tm_parse_epoch(epoch_cases[i].in, strlen(epoch_cases[i].in),
		    epoch_cases[i].unit, &ns, &why);
		if (epoch_cases[i].why == NULL) {
			if (r == -1) {
				failures++;
				printf("FAIL epoch: %s: rejected: %s\n",
				    epoch_cases[i].in, why);
			} else if (ns != epoch_cases[i].ns)
				fail("epoch", epoch_cases[i].in,
				    epoch_cases[i].ns, ns);
		} else if (r == 0 || strcmp(why, epoch_cases[i].why) != 0) {
			failures++;
			printf("FAIL epoch: %s: want \"%s\", got %s\n",
			    epoch_cases[i].in, epoch_cases[i].why,
			    r == 0 ? "success" : why);
		}
	}
}

static const struct {
	int64_t		 ns;
	const char	*out;
} format_cases[] = {
	{ 0, "1970-01-01T00:00:00Z" },
	{ INT64_C(1709647629000000000), "2024-03-05T14:07:09Z" },
	{ INT64_C(1709647629500000000), "2024-03-05T14:07:09.5Z" },
	{ INT64_C(1709647629120000000), "2024-03-05T14:07:09.12Z" },
	{ INT64_C(1709647629123456000), "2024-03-05T14:07:09.123456Z" },
	{ INT64_C(1709647629123456789), "2024-03-05T14:07:09.123456789Z" },
	{ INT64_C(1709647629000000001), "2024-03-05T14:07:09.000000001Z" },
	{ INT64_C(-1), "1969-12-31T23:59:59.999999999Z" },
	{ INT64_C(-500000000), "1969-12-31T23:59:59.5Z" },
	{ INT64_C(951782400000000000), "2000-02-29T00:00:00Z" },
	{ INT64_C(-2208988800000000000), "1900-01-01T00:00:00Z" },
	{ INT64_MIN, "1677-09-21T00:12:43.145224192Z" },
	{ INT64_MAX, "2262-04-11T23:47:16.854775807Z" },
};

static void
test_format(void)
{
	char out[TM_FORMAT_MAX], small[8];
	size_t i, len;
	int64_t ns, back;
	const char *why;

	for (i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		checks++;
		len = tm_format(format_cases[i].ns, out, sizeof(out));
		if (len != strlen(format_cases[i].out) ||
		    strcmp(out, format_cases[i].out) != 0) {
			failures++;
			printf("FAIL format: %" PRId64 ": want %s, got %s\n",
			    format_cases[i].ns, format_cases[i].out, out);
		}
	}
	/* Round trips: every accepted input formats and parses back. */
	for (i = 0; i < sizeof(parse_ok) / sizeof(parse_ok[0]); i++) {
		checks++;
		ns = parse_ok[i].ns;
		len = tm_format(ns, out, sizeof(out));
		if (tm_parse(out, len, &back, &why) == -1 || back != ns)
			fail("round trip", out, ns, back);
	}
	for (ns = INT64_MIN; ns < INT64_MAX - INT64_C(7777777777777777);
	    ns += INT64_C(7777777777777777)) {
		checks++;
		len = tm_format(ns, out, sizeof(out));
		if (tm_parse(out, len, &back, &why) == -1 || back != ns)
			fail("round trip", out, ns, back);
	}
	/* Too small a buffer: nothing written, the length returned. */
	checks++;
	memcpy(small, "xxxxxxx", 8);
	len = tm_format(0, small, sizeof(small));
	if (len != 20 || strcmp(small, "xxxxxxx") != 0) {
		failures++;
		printf("FAIL format: short buffer: len %zu, \"%s\"\n", len,
		    small);
	}
}

static const struct {
	const char	*in;
	enum tm_unit	 unit;
	const char	*tz;
	const char	*start;
} trunc_cases[] = {
	{ "2024-03-05T14:07:09.5Z", TM_MINUTE, NULL, "2024-03-05T14:07:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_HOUR, NULL, "2024-03-05T14:00:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_DAY, NULL, "2024-03-05T00:00:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_WEEK, NULL, "2024-03-04T00:00:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_MONTH, NULL, "2024-03-01T00:00:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_YEAR, NULL, "2024-01-01T00:00:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_QUARTER, NULL, "2024-01-01T00:00:00Z" },
	{ "2024-04-01T00:00:00Z", TM_QUARTER, NULL, "2024-04-01T00:00:00Z" },
	{ "2024-09-30T23:59:59Z", TM_QUARTER, NULL, "2024-07-01T00:00:00Z" },
	{ "2024-12-31T23:59:59Z", TM_QUARTER, NULL, "2024-10-01T00:00:00Z" },
	{ "1969-12-31T23:59:59.5Z", TM_QUARTER, NULL, "1969-10-01T00:00:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_DAY, "UTC", "2024-03-05T00:00:00Z" },
	{ "2024-03-05T14:07:09.5Z", TM_DAY, "", "2024-03-05T00:00:00Z" },
	{ "2024-03-04T00:00:00Z", TM_WEEK, NULL, "2024-03-04T00:00:00Z" },
	{ "2024-03-10T23:59:59.999999999Z", TM_WEEK, NULL,
	    "2024-03-04T00:00:00Z" },
	/* ISO weeks across year ends. */
	{ "2021-01-03T12:00:00Z", TM_WEEK, NULL, "2020-12-28T00:00:00Z" },
	{ "2021-01-04T00:00:00Z", TM_WEEK, NULL, "2021-01-04T00:00:00Z" },
	{ "2025-01-01T08:00:00Z", TM_WEEK, NULL, "2024-12-30T00:00:00Z" },
	{ "2024-12-31T08:00:00Z", TM_WEEK, NULL, "2024-12-30T00:00:00Z" },
	{ "2027-01-01T00:00:00Z", TM_WEEK, NULL, "2026-12-28T00:00:00Z" },
	{ "1970-01-01T00:00:00Z", TM_WEEK, NULL, "1969-12-29T00:00:00Z" },
	{ "1969-12-28T23:00:00Z", TM_WEEK, NULL, "1969-12-22T00:00:00Z" },
	/* Before the epoch: buckets round down, not toward zero. */
	{ "1969-12-31T23:59:59.5Z", TM_MINUTE, NULL, "1969-12-31T23:59:00Z" },
	{ "1969-12-31T23:59:59.5Z", TM_DAY, NULL, "1969-12-31T00:00:00Z" },
	{ "1969-12-31T23:59:59.5Z", TM_MONTH, NULL, "1969-12-01T00:00:00Z" },
	{ "1969-12-31T23:59:59.5Z", TM_YEAR, NULL, "1969-01-01T00:00:00Z" },
	{ "2024-02-29T23:59:59Z", TM_MONTH, NULL, "2024-02-01T00:00:00Z" },
	{ "2024-12-31T23:59:59Z", TM_MONTH, NULL, "2024-12-01T00:00:00Z" },
	{ "2024-12-31T23:59:59Z", TM_YEAR, NULL, "2024-01-01T00:00:00Z" },
	{ "2262-04-11T23:47:16.854775807Z", TM_DAY, NULL,
	    "2262-04-11T00:00:00Z" },
	/* Named zones. Paris: CET +01, CEST +02 from 2024-03-31 01:00Z. */
	{ "2024-03-05T14:07:09Z", TM_DAY, "Europe/Paris",
	    "2024-03-04T23:00:00Z" },
	{ "2024-03-05T23:30:00Z", TM_DAY, "Europe/Paris",
	    "2024-03-05T23:00:00Z" },
	{ "2024-03-31T12:00:00Z", TM_DAY, "Europe/Paris",
	    "2024-03-30T23:00:00Z" },
	{ "2024-03-31T21:59:59Z", TM_DAY, "Europe/Paris",
	    "2024-03-30T23:00:00Z" },
	{ "2024-03-31T22:00:00Z", TM_DAY, "Europe/Paris",
	    "2024-03-31T22:00:00Z" },
	{ "2024-10-27T12:00:00Z", TM_DAY, "Europe/Paris",
	    "2024-10-26T22:00:00Z" },
	{ "2024-10-27T22:59:59Z", TM_DAY, "Europe/Paris",
	    "2024-10-26T22:00:00Z" },
	{ "2024-10-27T23:00:00Z", TM_DAY, "Europe/Paris",
	    "2024-10-27T23:00:00Z" },
	/* 02:30 CEST and 02:30 CET: two hours, each with its own offset. */
	{ "2024-10-27T00:30:00Z", TM_HOUR, "Europe/Paris",
	    "2024-10-27T00:00:00Z" },
	{ "2024-10-27T01:30:00Z", TM_HOUR, "Europe/Paris",
	    "2024-10-27T01:00:00Z" },
	{ "2024-03-31T01:30:00Z", TM_HOUR, "Europe/Paris",
	    "2024-03-31T01:00:00Z" },
	{ "2024-03-31T00:59:59Z", TM_MINUTE, "Europe/Paris",
	    "2024-03-31T00:59:00Z" },
	{ "2024-03-31T12:00:00Z", TM_WEEK, "Europe/Paris",
	    "2024-03-24T23:00:00Z" },
	{ "2024-04-01T12:00:00Z", TM_WEEK, "Europe/Paris",
	    "2024-03-31T22:00:00Z" },
	{ "2024-03-15T12:00:00Z", TM_MONTH, "Europe/Paris",
	    "2024-02-29T23:00:00Z" },
	{ "2024-04-15T12:00:00Z", TM_MONTH, "Europe/Paris",
	    "2024-03-31T22:00:00Z" },
	{ "2024-06-01T12:00:00Z", TM_YEAR, "Europe/Paris",
	    "2023-12-31T23:00:00Z" },
	{ "2023-12-31T23:30:00Z", TM_YEAR, "Europe/Paris",
	    "2023-12-31T23:00:00Z" },
	{ "2024-06-01T12:00:00Z", TM_QUARTER, "Europe/Paris",
	    "2024-03-31T22:00:00Z" },
	{ "2024-03-31T21:59:59Z", TM_QUARTER, "Europe/Paris",
	    "2023-12-31T23:00:00Z" },
	{ "2024-10-01T00:00:00Z", TM_QUARTER, "Europe/Paris",
	    "2024-09-30T22:00:00Z" },
	/* New York: EST -05, EDT -04 (2024-03-10 07:00Z .. 11-03 06:00Z). */
	{ "2024-03-10T12:00:00Z", TM_DAY, "America/New_York",
	    "2024-03-10T05:00:00Z" },
	{ "2024-03-11T03:59:59Z", TM_DAY, "America/New_York",
	    "2024-03-10T05:00:00Z" },
	{ "2024-03-11T04:00:00Z", TM_DAY, "America/New_York",
	    "2024-03-11T04:00:00Z" },
	{ "2024-11-03T12:00:00Z", TM_DAY, "America/New_York",
	    "2024-11-03T04:00:00Z" },
	{ "2024-11-04T04:59:59Z", TM_DAY, "America/New_York",
	    "2024-11-03T04:00:00Z" },
	{ "2024-01-01T03:00:00Z", TM_YEAR, "America/New_York",
	    "2023-01-01T05:00:00Z" },
	/* Kolkata, +05:30: hours start at half past in UTC. */
	{ "2024-03-05T14:07:09Z", TM_HOUR, "Asia/Kolkata",
	    "2024-03-05T13:30:00Z" },
	{ "2024-03-05T14:07:09Z", TM_DAY, "Asia/Kolkata",
	    "2024-03-04T18:30:00Z" },
	/* Sao Paulo 2018: midnight skipped (00:00 -03 -> 01:00 -02). */
	{ "2018-11-04T12:00:00Z", TM_DAY, "America/Sao_Paulo",
	    "2018-11-04T03:00:00Z" },
	{ "2018-11-04T02:59:59Z", TM_DAY, "America/Sao_Paulo",
	    "2018-11-03T03:00:00Z" },
	/* Sao Paulo 2019: clock set back at midnight, a 25 h day. */
	{ "2019-02-17T02:30:00Z", TM_DAY, "America/Sao_Paulo",
	    "2019-02-16T02:00:00Z" },
	{ "2019-02-17T03:00:00Z", TM_DAY, "America/Sao_Paulo",
	    "2019-02-17T03:00:00Z" },
	/* Lord Howe changes by 30 min: an hour can start at the change. */
	{ "2019-04-06T14:45:00Z", TM_HOUR, "Australia/Lord_Howe",
	    "2019-04-06T14:00:00Z" },
	{ "2019-04-06T15:09:19Z", TM_HOUR, "Australia/Lord_Howe",
	    "2019-04-06T15:00:00Z" },
	{ "2019-10-05T15:29:00Z", TM_HOUR, "Australia/Lord_Howe",
	    "2019-10-05T14:30:00Z" },
	{ "2019-10-05T15:45:00Z", TM_HOUR, "Australia/Lord_Howe",
	    "2019-10-05T15:30:00Z" },
	{ "2019-10-05T15:45:00Z", TM_DAY, "Australia/Lord_Howe",
	    "2019-10-05T13:30:00Z" },
	/* Samoa skipped 2011-12-30 (-10 -> +14): Dec 31 starts at the jump. */
	{ "2011-12-30T12:00:00Z", TM_DAY, "Pacific/Apia",
	    "2011-12-30T10:00:00Z" },
	{ "2011-12-30T09:00:00Z", TM_DAY, "Pacific/Apia",
	    "2011-12-29T10:00:00Z" },
	{ "2011-12-30T12:00:00Z", TM_WEEK, "Pacific/Apia",
	    "2011-12-26T10:00:00Z" },
	/* Back to Paris after another zone: the zone switch is honoured. */
	{ "2024-03-31T12:00:00Z", TM_DAY, "Europe/Paris",
	    "2024-03-30T23:00:00Z" },
	{ "2024-03-31T12:00:00Z", TM_DAY, NULL, "2024-03-31T00:00:00Z" },
};

static void
test_trunc_utc(void)
{
	int64_t s;

	/* The lowest instants have no day start in range. */
	checks++;
	if (tm_trunc(INT64_MIN, TM_DAY, NULL, &s) != -1) {
		failures++;
		printf("FAIL trunc: INT64_MIN day accepted\n");
	}
	checks++;
	if (tm_trunc(INT64_MIN, (enum tm_unit)99, NULL, &s) != -1) {
		failures++;
		printf("FAIL trunc: unit 99 accepted\n");
	}
}

static void
test_trunc_zone(void)
{
	size_t i;
	int64_t s, want, s2;
	static const char *bad_zones[] = {
		"Europe/Pariss", "Mars/Olympus", "/etc/passwd",
		"../zoneinfo/UTC", "Europe/Paris ", "CET-1CEST", "Europe",
		"zone.tab", "Europe/Paris/x"
	};

	for (i = 0; i < sizeof(trunc_cases) / sizeof(trunc_cases[0]); i++) {
		checks++;
		want = ts(trunc_cases[i].start);
		if (tm_trunc(ts(trunc_cases[i].in), trunc_cases[i].unit,
		    trunc_cases[i].tz, &s) == -1) {
			failures++;
			printf("FAIL trunc: %s %s %s: error\n",
			    trunc_cases[i].in, tm_unit_name(trunc_cases[i].unit),
			    trunc_cases[i].tz ? trunc_cases[i].tz : "UTC");
		} else if (s != want) {
			char got[TM_FORMAT_MAX];

			tm_format(s, got, sizeof(got));
			failures++;
			printf("FAIL trunc: %s %s %s: want %s, got %s\n",
			    trunc_cases[i].in, tm_unit_name(trunc_cases[i].unit),
			    trunc_cases[i].tz ? trunc_cases[i].tz : "UTC",
			    trunc_cases[i].start, got);
		}
	}
	/* The Paris day of the spring change lasts 23 h, the autumn 25 h. */
	checks++;
	if (tm_trunc(ts("2024-03-31T10:00:00Z"), TM_DAY, "Europe/Paris",
	    &s) == -1 || tm_trunc(ts("2024-04-01T10:00:00Z"), TM_DAY,
	    "Europe/Paris", &s2) == -1 || s2 - s != 23 * 3600 * TM_NS_PER_SEC)
		fail("trunc", "Paris 2024-03-31 day length", 23 * 3600,
		    (s2 - s) / TM_NS_PER_SEC);
	checks++;
	if (tm_trunc(ts("2024-10-27T10:00:00Z"), TM_DAY, "Europe/Paris",
	    &s) == -1 || tm_trunc(ts("2024-10-28T10:00:00Z"), TM_DAY,
	    "Europe/Paris", &s2) == -1 || s2 - s != 25 * 3600 * TM_NS_PER_SEC)
		fail("trunc", "Paris 2024-10-27 day length", 25 * 3600,
		    (s2 - s) / TM_NS_PER_SEC);
	for (i = 0; i < sizeof(bad_zones) / sizeof(bad_zones[0]); i++) {
		checks++;
		if (tm_trunc(0, TM_DAY, bad_zones[i], &s) != -1) {
			failures++;
			printf("FAIL trunc: zone \"%s\" accepted\n",
			    bad_zones[i]);
		}
	}
}

/*
 * The local calendar key of instant t for a unit, from the C library's
 * localtime_r and timegm (an oracle independent of tm's own arithmetic).
 */
static int64_t
local_key(int64_t t, enum tm_unit unit, long *off)
{
	struct tm lt;
	time_t tt = (time_t)t;
	int64_t day;

	localtime_r(&tt, &lt);
	*off = lt.tm_gmtoff;
	switch (unit) {
	case TM_MINUTE:
		return (t + lt.tm_gmtoff) / 60;
	case TM_HOUR:
		return (t + lt.tm_gmtoff) / 3600;
	default:
		break;
	}
	lt.tm_hour = lt.tm_min = lt.tm_sec = 0;
	lt.tm_isdst = 0;
	day = (int64_t)timegm(&lt) / 86400;
	if (unit == TM_DAY)
		return day;
	if (unit == TM_WEEK)
		return day - (lt.tm_wday + 6) % 7;
	if (unit == TM_MONTH)
		return lt.tm_year * 12 + lt.tm_mon;
	if (unit == TM_QUARTER)
		return lt.tm_year * 4 + lt.tm_mon / 3;
	return lt.tm_year;
}

/*
 * Every unit in four zones over 2018-2020, in time order (the bucket
 * cache hits) and in a scattered order (it misses): the start holds the
 * same local key as the instant, the second before it does not, and
 * minute and hour starts keep the instant's offset.
 */
static void
test_trunc_zone_sweep(void)
{
	static const char *zones[] = {
		"Europe/Paris", "America/New_York", "America/Sao_Paulo",
		"Australia/Lord_Howe"
	};
	const int64_t t0 = 1514764800, t1 = 1609459200, step = 3 * 3600 + 17 * 60 + 13;
	int64_t t, s, k, ks, kb, n, i;
	long o, os, ob;
	size_t z;
	int u, pass, bad;

	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++)
		for (u = TM_MINUTE; u <= TM_YEAR; u++)
			for (pass = 0; pass < 2; pass++) {
				bad = 0;
				n = (t1 - t0) / step;
				for (i = 0; i < n && bad < 3; i++) {
					t = pass == 0 ? t0 + i * step :
					    t0 + (i * 7919 % n) * step;
					checks++;
					if (tm_trunc(t * TM_NS_PER_SEC,
					    (enum tm_unit)u, zones[z], &s) == -1) {
						bad++;
						fail("sweep", zones[z], t, -1);
						continue;
					}
					s /= TM_NS_PER_SEC;
					setenv("TZ", zones[z], 1);
					tzset();
					k = local_key(t, (enum tm_unit)u, &o);
					ks = local_key(s, (enum tm_unit)u, &os);
					kb = local_key(s - 1, (enum tm_unit)u, &ob);
					if (s > t || ks != k || (kb == k &&
					    u > TM_HOUR) || (u <= TM_HOUR &&
					    (os != o || ((s + os) % (u == TM_MINUTE ?
					    60 : 3600) != 0 && ob == o)))) {
						bad++;
						failures++;
						printf("FAIL sweep: %s %s pass %d:"
						    " t %" PRId64 " start %" PRId64
						    "\n", zones[z],
						    tm_unit_name((enum tm_unit)u),
						    pass, t, s);
					}
				}
			}
}

static const struct {
	const char	*in;
	int64_t		 s;	/* seconds, when why is NULL */
	const char	*why;
} duration_cases[] = {
	{ "90d", 90 * 86400, NULL },
	{ "36h", 36 * 3600, NULL },
	{ "15m", 15 * 60, NULL },
	{ "30s", 30, NULL },
	{ "2w", 14 * 86400, NULL },
	{ "1d12h", 86400 + 12 * 3600, NULL },
	{ "90d 36h", 90 * 86400 + 36 * 3600, NULL },
	{ "1w 2d  3h 4m 5s", 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5,
	    NULL },
	{ "0s", 0, NULL },
	{ "1h1h", 7200, NULL },
	{ "0090d", 90 * 86400, NULL },
	{ "106751d", INT64_C(106751) * 86400, NULL },
	{ "", 0, "empty duration" },
	{ "-5d", 0, "negative duration" },
	{ "1d -5h", 0, "negative duration" },
	{ "d", 0, "expected a number" },
	{ " 5d", 0, "expected a number" },
	{ "5d ", 0, "expected a number" },
	{ "+5d", 0, "expected a number" },
	{ "1.5h", 0, "unknown unit (w, d, h, m or s)" },
	{ "5", 0, "missing unit (w, d, h, m or s)" },
	{ "5 d", 0, "missing unit (w, d, h, m or s)" },
	{ "1d5", 0, "missing unit (w, d, h, m or s)" },
	{ "5y", 0, "unknown unit (w, d, h, m or s)" },
	{ "5D", 0, "unknown unit (w, d, h, m or s)" },
	{ "5ms", 0, "expected a number" },
	{ "5days", 0, "expected a number" },
	{ "106752d", 0, "duration out of range" },
	{ "99999999999999999999s", 0, "duration out of range" },
	{ "9223372036s 1s", 0, "duration out of range" },
};

static void
test_duration(void)
{
	size_t i;
	int64_t ns;
	const char *why;
	int r;

	for (i = 0; i < sizeof(duration_cases) / sizeof(duration_cases[0]);
	    i++) {
		checks++;
		ns = 0;
		why = NULL;
		r = tm_duration(duration_cases[i].in, &ns, &why);
		if (duration_cases[i].why == NULL) {
			if (r == -1) {
				failures++;
				printf("FAIL duration: %s: rejected: %s\n",
				    duration_cases[i].in, why);
			} else if (ns != duration_cases[i].s * TM_NS_PER_SEC)
				fail("duration", duration_cases[i].in,
				    duration_cases[i].s * TM_NS_PER_SEC, ns);
		} else if (r == 0 || strcmp(why, duration_cases[i].why) != 0) {
			failures++;
			printf("FAIL duration: \"%s\": want \"%s\", got %s\n",
			    duration_cases[i].in, duration_cases[i].why,
			    r == 0 ? "success" : why);
		}
	}
}

static void
test_units(void)
{
	static const char *names[] = {
		"minute", "hour", "day", "week", "month", "quarter", "year"
	};
	static const char *bad[] = {
		"", "Day", "days", "second", "quarters", "min", "Q1"
	};
	enum tm_unit u;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		checks++;
		if (tm_unit_parse(names[i], &u) == -1 || u != (enum tm_unit)i ||
		    strcmp(tm_unit_name(u), names[i]) != 0) {
			failures++;
			printf("FAIL unit: %s\n", names[i]);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		checks++;
		if (tm_unit_parse(bad[i], &u) == 0) {
			failures++;
			printf("FAIL unit: \"%s\" accepted\n", bad[i]);
		}
	}
	checks++;
	if (strcmp(tm_unit_name((enum tm_unit)42), "?") != 0) {
		failures++;
		printf("FAIL unit: name of 42\n");
	}
}
