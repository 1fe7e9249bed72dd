/*
 * tm: time. Parses the timestamp forms exports contain into UTC
 * nanoseconds since the epoch, formats RFC 3339, truncates to calendar
 * buckets in UTC or a named zone, and parses durations. Nothing here
 * allocates or prints; errors return -1 with a short static reason.
 *
 * Range: an int64_t of nanoseconds covers 1677-09-21T00:12:43.145224192Z
 * to 2262-04-11T23:47:16.854775807Z. Years 0001-9999 are read, but an
 * instant outside that range is refused ("out of range").
 *
 * tm_trunc with a named zone sets TZ in the environment and keeps a
 * static cache of the buckets it found (process-global, not thread-safe;
 * do not change TZ behind its back): a process is expected to use one
 * zone at a time. Switching zones works but empties the cache.
 */
#ifndef SLUICE_TM_H
#define SLUICE_TM_H

#include <stddef.h>
#include <stdint.h>

#define TM_NS_PER_SEC	INT64_C(1000000000)
/* Longest tm_format output plus its NUL. */
#define TM_FORMAT_MAX	32

enum tm_unit {
	TM_MINUTE, TM_HOUR, TM_DAY, TM_WEEK, TM_MONTH, TM_QUARTER, TM_YEAR
};

enum tm_epoch {
	TM_EPOCH_NONE, TM_EPOCH_S, TM_EPOCH_MS, TM_EPOCH_US, TM_EPOCH_NS
};

/*
 * Parse s[0..n) (no NUL needed; a NUL inside is a bad byte) into *ns.
 * Accepted, matching PostgreSQL's timestamptz
 * input where both accept:
 *   YYYY-MM-DD                      midnight UTC
 *   YYYY-MM-DD{T|t| }HH:MM[:SS[.f]][offset]
 * f is one or more digits, truncated past nanoseconds. offset is Z, z,
 * UTC, +hh:mm, +hhmm or +hh (or -), optionally after one space (Ruby's
 * "2024-03-05 14:07:09 +0200" and "... UTC"); no offset means UTC.
 * Offsets up to 23:59 are read (RFC 3339; PostgreSQL stops at 15:59).
 * Second 60 is read as PostgreSQL does: the first second of the next
 * minute (23:59:60Z = 00:00:00Z of the next day). Hour 24 only as
 * 24:00, 24:00:00 or 24:00:00.000...: midnight ending the day. Dates are
 * checked (month 1-12, day within the month, Gregorian leap years).
 * No surrounding whitespace. Returns 0, or -1 with *why set.
 */
int	 tm_parse(const char *s, size_t n, int64_t *ns, const char **why);
/*
 * Parse an epoch number in the given unit: [-]digits[.digits], digits
 * past nanoseconds truncated (toward zero). Overflow is an error.
 */
int	 tm_parse_epoch(const char *s, size_t n, enum tm_epoch, int64_t *ns,
	    const char **why);
/*
 * Write ns as RFC 3339 UTC, "2024-03-05T14:00:00Z", with a fraction only
 * when nonzero and without trailing zeros ("...:09.12Z"). Returns the
 * length, like snprintf: the output (NUL-terminated) is complete only if
 * the result is < cap; TM_FORMAT_MAX is always enough.
 */
size_t	 tm_format(int64_t ns, char *out, size_t cap);
/*
 * Start of the bucket holding ns, in zone tz (NULL, "" or "UTC" = UTC,
 * else an IANA name of a zone file under $TZDIR or /usr/share/zoneinfo,
 * such as "Europe/Paris"; POSIX TZ rules are not read). Weeks
 * are ISO weeks (Monday 00:00); quarters start in January, April, July
 * and October. In a named zone the bucket is the local
 * calendar unit: a day is 23 or 25 hours across a DST change; minute and
 * hour keep the UTC offset in force at ns (as PostgreSQL's date_trunc
 * with a zone does; where that offset began inside the local hour, as
 * in Australia/Lord_Howe, the bucket starts at the change); day and
 * larger start at the last instant <= ns at which the local clock read
 * the unit's start (or, where it skipped it, jumped past it).
 * -1 for an unknown zone or a start outside the range.
 */
int	 tm_trunc(int64_t ns, enum tm_unit, const char *tz, int64_t *start);
/*
 * Durations (s NUL-terminated): one or more <digits><unit> parts, unit
 * w d h m s, optional spaces between parts, none around them: "90d",
 * "36h", "1d12h", "90d 36h". A unit may repeat ("1h1h" = 2h). 0 or -1 for
 * empty, negative, unknown unit, missing unit, overflow.
 */
int	 tm_duration(const char *s, int64_t *ns, const char **why);
/*
 * The UTC offset in seconds of zone tz (as tm_trunc names zones; NULL or
 * "UTC": 0) at instant ns: 0, or -1 for an unknown zone.
 */
int	 tm_offset(int64_t ns, const char *tz, long *off);
/*
 * tm_parse, where a time without an offset is a local time in zone tz
 * (NULL or "UTC": UTC), read as PostgreSQL reads it in that TimeZone: a
 * time the clock passed twice is the later instant, one it skipped takes
 * the offset from before the change.
 */
int	 tm_parse_tz(const char *s, size_t n, const char *tz, int64_t *ns,
	    const char **why);
/* 1 when a time tm_parse reads carries its own offset (Z, UTC, +hh...). */
int	 tm_has_offset(const char *s, size_t n);
/*
 * "minute", "hour", "day", "week", "month", "quarter" or "year" to enum
 * tm_unit: 0 or -1. Every tool that takes a period takes this set.
 */
int	 tm_unit_parse(const char *s, enum tm_unit *);
/* The name tm_unit_parse reads, or "?" for a bad value. */
const char *tm_unit_name(enum tm_unit);

#endif
