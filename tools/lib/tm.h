/*
 * tm: time. Parses the timestamp forms exports contain into UTC
 * nanoseconds since the epoch, formats RFC 3339, truncates to calendar
 * buckets in UTC or a named zone, and parses durations. Pure functions:
 * nothing here allocates or prints; errors return -1 with a short reason.
 */
#ifndef SLUICE_TM_H
#define SLUICE_TM_H

#include <stddef.h>
#include <stdint.h>

enum tm_unit {
	TM_MINUTE, TM_HOUR, TM_DAY, TM_WEEK, TM_MONTH, TM_YEAR
};

enum tm_epoch {
	TM_EPOCH_NONE, TM_EPOCH_S, TM_EPOCH_MS, TM_EPOCH_US, TM_EPOCH_NS
};

/*
 * Parse s[0..n) (RFC 3339 and ISO 8601 forms: Z or +hh:mm/+hhmm/+hh
 * offsets, fractions to ns, ' ' for 'T', a bare date = midnight UTC) into
 * *ns. 0 or -1 with *why set to a static reason.
 */
int	 tm_parse(const char *s, size_t n, int64_t *ns, const char **why);
/* Parse an epoch number (integer or decimal text) in the given unit. */
int	 tm_parse_epoch(const char *s, size_t n, enum tm_epoch, int64_t *ns,
	    const char **why);
/* Write RFC 3339 UTC ("2024-03-05T14:00:00Z", fraction only if nonzero). */
size_t	 tm_format(int64_t ns, char *out, size_t cap);
/* Start of the bucket holding ns; in zone tz (NULL or "UTC" = UTC). */
int	 tm_trunc(int64_t ns, enum tm_unit, const char *tz, int64_t *start);
/* "90d", "36h", "15m", "30s", "1d12h", "2w": 0 or -1. */
int	 tm_duration(const char *s, int64_t *ns, const char **why);
/* "minute".."year" to enum tm_unit: 0 or -1. */
int	 tm_unit_parse(const char *s, enum tm_unit *);
const char *tm_unit_name(enum tm_unit);

#endif
