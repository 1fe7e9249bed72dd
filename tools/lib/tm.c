/*
 * tm: timestamps, buckets and durations (see tm.h for the accepted forms).
 *
 * Calendar arithmetic is done on a proleptic Gregorian day count (days
 * since 1970-01-01), so UTC needs no libc time functions and no locale.
 * Named zones go through the C library's tz database (TZ + localtime_r).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tm.h"

#define NS	TM_NS_PER_SEC
#define DAY_S	INT64_C(86400)

/* Seconds bounds of the representable range (ns fits in int64_t). */
#define MIN_S	(INT64_MIN / NS - 1)
#define MAX_S	(INT64_MAX / NS)

static const int64_t pow10_tab[10] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000
};

static int64_t	days_from_civil(int64_t, int, int);
static void	civil_from_days(int64_t, int64_t *, int *, int *);
static int	month_days(int64_t, int);
static int	secs_to_ns(int64_t, int64_t, int64_t *);
static int64_t	split_ns(int64_t, int64_t *);
static int64_t	floor_div(int64_t, int64_t);
static int64_t	wall_bucket_start(int64_t, enum tm_unit);
static int64_t	wall_bucket_next(int64_t, enum tm_unit);
static int	zone_set(const char *);
static int	zone_off(int64_t, long *);
static int	zone_resolve(int64_t, int64_t, int, int64_t *);
static int	zone_change(int64_t, int64_t, long, int64_t *);
static int	trunc_zone_s(int64_t, enum tm_unit, int64_t *);

static inline int
is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

static inline int
two_digits(const unsigned char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/*
 * Days from 1970-01-01 to y-m-d (proleptic Gregorian). The year is
 * shifted to start in March so the leap day is the last day of a year;
 * 400-year eras of 146097 days make the count exact for any year.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
month_days(int64_t y, int m)
{
	static const int len[13] = {
		0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return len[m];
}

/* secs + frac (0 <= frac < 1e9) as ns; -1 if outside int64_t. */
static int
secs_to_ns(int64_t secs, int64_t frac, int64_t *ns)
{
	int64_t v;

	/* Near the lower end secs * NS alone may not fit while the sum does. */
	if (secs < 0 && frac > 0) {
		secs++;
		frac -= NS;
	}
	if (secs < MIN_S || secs > MAX_S ||
	    __builtin_mul_overflow(secs, NS, &v) ||
	    __builtin_add_overflow(v, frac, &v))
		return -1;
	*ns = v;
	return 0;
}

/* Split ns into whole seconds (rounded down) and 0 <= *frac < 1e9. */
static int64_t
split_ns(int64_t ns, int64_t *frac)
{
	int64_t r = ns % NS;

	*frac = r < 0 ? r + NS : r;
	return ns / NS - (r < 0);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b) != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/*
 * One pass over the text in the order of its grammar (date, time,
 * fraction, offset), each part refused with its own reason: long, but
 * straight.
 */
int
tm_parse(const char *str, size_t n, int64_t *ns, const char **why)
{
	const unsigned char *s = (const unsigned char *)str;
	int64_t y, days, secs, frac = 0;
	int mo, d, hh = 0, mi = 0, ss = 0, ndig, sign;
	long off = 0;
	size_t i;

	if (n == 0) {
		*why = "empty timestamp";
		return -1;
	}
	if (n < 10 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
	    !is_digit(s[3]) || s[4] != '-' || !is_digit(s[5]) ||
	    !is_digit(s[6]) || s[7] != '-' || !is_digit(s[8]) ||
	    !is_digit(s[9])) {
		*why = "expected a date YYYY-MM-DD";
		return -1;
	}
	y = two_digits(s) * 100 + two_digits(s + 2);
	mo = two_digits(s + 5);
	d = two_digits(s + 8);
	if (y == 0) {
		*why = "year 0000 out of range";
		return -1;
	}
	if (mo < 1 || mo > 12) {
		*why = "month out of range";
		return -1;
	}
	if (d < 1 || d > month_days(y, mo)) {
		*why = "day out of range for the month";
		return -1;
	}
	i = 10;
	if (i == n)
		goto done;

	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') {
		*why = "expected 'T' or ' ' after the date";
		return -1;
	}
	i++;
	if (n - i < 5 || !is_digit(s[i]) || !is_digit(s[i + 1]) ||
	    s[i + 2] != ':' || !is_digit(s[i + 3]) || !is_digit(s[i + 4])) {
		*why = "expected a time HH:MM";
		return -1;
	}
	hh = two_digits(s + i);
	mi = two_digits(s + i + 3);
	i += 5;
	if (i < n && s[i] == ':') {
		if (n - i < 3 || !is_digit(s[i + 1]) || !is_digit(s[i + 2])) {
			*why = "expected seconds SS after ':'";
			return -1;
		}
		ss = two_digits(s + i + 1);
		i += 3;
		if (i < n && s[i] == '.') {
			i++;
			for (ndig = 0; i < n && is_digit(s[i]); i++, ndig++)
				if (ndig < 9)
					frac = frac * 10 + (s[i] - '0');
			if (ndig == 0) {
				*why = "expected digits after '.'";
				return -1;
			}
			if (ndig < 9)
				frac *= pow10_tab[9 - ndig];
		}
	}
	if (hh > 24) {
		*why = "hour out of range";
		return -1;
	}
	if (mi > 59) {
		*why = "minute out of range";
		return -1;
	}
	if (ss > 60) {
		*why = "second out of range";
		return -1;
	}
	if (hh == 24 && (mi != 0 || ss != 0 || frac != 0)) {
		*why = "hour 24 only as 24:00:00";
		return -1;
	}

	/* The offset, possibly after one space. */
	if (i < n && s[i] == ' ' && i + 1 < n)
		i++;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (n - i == 3 && memcmp(s + i, "UTC", 3) == 0) {
		i += 3;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int oh, om = 0;

		sign = s[i] == '-' ? -1 : 1;
		i++;
		if (n - i < 2 || !is_digit(s[i]) || !is_digit(s[i + 1])) {
			*why = "expected an offset +hh:mm, +hhmm or +hh";
			return -1;
		}
		oh = two_digits(s + i);
		i += 2;
		if (i < n && s[i] == ':')
			i++;
		if (i < n && is_digit(s[i])) {
			if (n - i < 2 || !is_digit(s[i + 1])) {
				*why = "expected an offset +hh:mm, +hhmm or +hh";
				return -1;
			}
			om = two_digits(s + i);
			i += 2;
		} else if (s[i - 1] == ':') {
			*why = "expected an offset +hh:mm, +hhmm or +hh";
			return -1;
		}
		if (oh > 23 || om > 59) {
			*why = "offset out of range";
			return -1;
		}
		off = sign * (oh * 3600L + om * 60L);
	}
	if (i != n) {
		*why = "unexpected text after the time";
		return -1;
	}

done:
	days = days_from_civil(y, mo, d);
	secs = days * DAY_S + hh * 3600 + mi * 60 + ss - off;
	if (secs_to_ns(secs, frac, ns) == -1) {
		*why = "out of range (1677-09-21 to 2262-04-11)";
		return -1;
	}
	return 0;
}

int
tm_parse_epoch(const char *str, size_t n, enum tm_epoch unit, int64_t *ns,
    const char **why)
{
	const unsigned char *s = (const unsigned char *)str;
	uint64_t ip = 0, fp = 0, limit, mult, v;
	int scale, neg = 0, ndig;
	size_t i = 0;

	switch (unit) {
	case TM_EPOCH_S:	scale = 9; break;
	case TM_EPOCH_MS:	scale = 6; break;
	case TM_EPOCH_US:	scale = 3; break;
	case TM_EPOCH_NS:	scale = 0; break;
	default:
		*why = "no epoch unit";
		return -1;
	}
	mult = (uint64_t)pow10_tab[scale];
	if (n > 0 && s[0] == '-') {
		neg = 1;
		i++;
	}
	if (i == n || !is_digit(s[i])) {
		*why = n == 0 ? "empty epoch time" : "expected digits";
		return -1;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n && is_digit(s[i]); i++)
		if (__builtin_mul_overflow(ip, 10, &ip) ||
		    __builtin_add_overflow(ip, (uint64_t)(s[i] - '0'), &ip))
			goto overflow;
	if (i < n && s[i] == '.') {
		i++;
		for (ndig = 0; i < n && is_digit(s[i]); i++, ndig++)
			if (ndig < scale)
				fp = fp * 10 + (uint64_t)(s[i] - '0');
		if (ndig == 0) {
			*why = "expected digits after '.'";
			return -1;
		}
		if (ndig < scale)
			fp *= (uint64_t)pow10_tab[scale - ndig];
	}
	if (i != n) {
		*why = "unexpected character in epoch time";
		return -1;
	}
	if (__builtin_mul_overflow(ip, mult, &v) ||
	    __builtin_add_overflow(v, fp, &v) || v > limit)
		goto overflow;
	*ns = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
overflow:
	*why = "epoch time out of range";
	return -1;
}

size_t
tm_format(int64_t ns, char *out, size_t cap)
{
	char b[TM_FORMAT_MAX];
	int64_t secs, frac, days, sod, y;
	int m, d, len, k;

	secs = split_ns(ns, &frac);
	days = floor_div(secs, DAY_S);
	sod = secs - days * DAY_S;
	civil_from_days(days, &y, &m, &d);

	/* ns covers years 1677..2262: always four digits. */
	b[0] = (char)('0' + y / 1000);
	b[1] = (char)('0' + y / 100 % 10);
	b[2] = (char)('0' + y / 10 % 10);
	b[3] = (char)('0' + y % 10);
	b[4] = '-';
	b[5] = (char)('0' + m / 10);
	b[6] = (char)('0' + m % 10);
	b[7] = '-';
	b[8] = (char)('0' + d / 10);
	b[9] = (char)('0' + d % 10);
	b[10] = 'T';
	b[11] = (char)('0' + sod / 36000);
	b[12] = (char)('0' + sod / 3600 % 10);
	b[13] = ':';
	b[14] = (char)('0' + sod % 3600 / 600);
	b[15] = (char)('0' + sod % 3600 / 60 % 10);
	b[16] = ':';
	b[17] = (char)('0' + sod % 60 / 10);
	b[18] = (char)('0' + sod % 10);
	len = 19;
	if (frac != 0) {
		b[len++] = '.';
		for (k = 8; k >= 0 && frac != 0; k--) {
			b[len++] = (char)('0' + frac / pow10_tab[k]);
			frac %= pow10_tab[k];
		}
	}
	b[len++] = 'Z';
	b[len] = '\0';
	if ((size_t)len < cap)
		memcpy(out, b, (size_t)len + 1);
	return (size_t)len;
}

int
tm_trunc(int64_t ns, enum tm_unit unit, const char *tz, int64_t *start)
{
	int64_t secs, frac, s;

	if ((unsigned)unit > TM_YEAR)
		return -1;
	secs = split_ns(ns, &frac);
	if (tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0)
		s = wall_bucket_start(secs, unit);
	else if (zone_set(tz) == -1 || trunc_zone_s(secs, unit, &s) == -1)
		return -1;
	return secs_to_ns(s, 0, start);
}

/*
 * Start of the bucket holding wall-clock seconds w (a local time counted
 * as if it were UTC): pure calendar arithmetic.
 */
static int64_t
wall_bucket_start(int64_t w, enum tm_unit unit)
{
	int64_t days, y;
	int m, d;

	switch (unit) {
	case TM_MINUTE:
		return floor_div(w, 60) * 60;
	case TM_HOUR:
		return floor_div(w, 3600) * 3600;
	case TM_DAY:
		return floor_div(w, DAY_S) * DAY_S;
	case TM_WEEK:
		/* 1970-01-01 was a Thursday: Monday-based weekday 3. */
		days = floor_div(w, DAY_S);
		days -= days + 3 - floor_div(days + 3, 7) * 7;
		return days * DAY_S;
	case TM_MONTH:
	case TM_QUARTER:
	case TM_YEAR:
	default:
		civil_from_days(floor_div(w, DAY_S), &y, &m, &d);
		if (unit == TM_QUARTER)
			m = (m - 1) / 3 * 3 + 1;
		return days_from_civil(y, unit == TM_YEAR ? 1 : m, 1) * DAY_S;
	}
}

/* Wall-clock start of the bucket after the one starting at w. */
static int64_t
wall_bucket_next(int64_t w, enum tm_unit unit)
{
	int64_t y;
	int m, d;

	switch (unit) {
	case TM_MINUTE:
		return w + 60;
	case TM_HOUR:
		return w + 3600;
	case TM_DAY:
		return w + DAY_S;
	case TM_WEEK:
		return w + 7 * DAY_S;
	case TM_MONTH:
	case TM_QUARTER:
	case TM_YEAR:
	default:
		civil_from_days(floor_div(w, DAY_S), &y, &m, &d);
		if (unit == TM_YEAR)
			return days_from_civil(y + 1, 1, 1) * DAY_S;
		m += unit == TM_QUARTER ? 3 : 1;	/* w starts its unit */
		return (m > 12 ? days_from_civil(y + 1, m - 12, 1) :
		    days_from_civil(y, m, 1)) * DAY_S;
	}
}

/*
 * The zone in force, and per unit a direct-mapped cache of the buckets
 * found, indexed by the UTC minute, hour or day (for day and larger)
 * holding the instant: rollups ask for the same few buckets record after
 * record, in any order, and a hit costs no localtime_r. A UTC granule
 * meets at most two local buckets of a unit in all but freak zones; an
 * instant in neither of an entry's two is simply computed again.
 */
#define ZONE_SLOTS	1024
static char	zone_name[256];
static struct zone_slot {
	int64_t	 granule;	/* UTC granule number, valid when n > 0 */
	int64_t	 start[2], end[2];	/* seconds, [start, end) */
	int	 n;
} zone_cache[TM_YEAR + 1][ZONE_SLOTS];

/* Make tz the process's zone; -1 unless it names a zone file (TZif). */
static int
zone_set(const char *tz)
{
	char path[512], magic[4];
	const char *dir, *c;
	size_t len = strlen(tz);
	int fd, r;

	if (strcmp(tz, zone_name) == 0)
		return 0;
	if (len == 0 || len >= sizeof(zone_name) || tz[0] == '/' ||
	    strstr(tz, "..") != NULL)
		return -1;
	for (c = tz; *c != '\0'; c++)
		if (!(is_digit((unsigned char)*c) || (*c >= 'a' && *c <= 'z') ||
		    (*c >= 'A' && *c <= 'Z') || *c == '/' || *c == '_' ||
		    *c == '-' || *c == '+'))
			return -1;
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	r = snprintf(path, sizeof(path), "%s/%s", dir, tz);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -1;
	/*
	 * A zone file, not a directory or zone.tab: given those the C
	 * library would quietly use UTC.
	 */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = (int)read(fd, magic, sizeof(magic));
	close(fd);
	if (r != (int)sizeof(magic) || memcmp(magic, "TZif", 4) != 0)
		return -1;
	if (setenv("TZ", tz, 1) == -1)
		return -1;
	tzset();
	memcpy(zone_name, tz, len + 1);
	memset(zone_cache, 0, sizeof(zone_cache));
	return 0;
}

/* UTC offset in seconds in force at instant t. */
static int
zone_off(int64_t t, long *off)
{
	struct tm lt;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &lt) == NULL)
		return -1;
	*off = lt.tm_gmtoff;
	return 0;
}

/*
 * The instant at which the local clock reads wall time w: of two (a
 * clock set back), the later one not after secs when `latest`, else the
 * earlier; of none (a clock set forward past w), the instant it jumped.
 * Offsets are within +-16 h and change at most once in 32 h around w.
 */
static int
zone_resolve(int64_t w, int64_t secs, int latest, int64_t *t)
{
	long o_lo, o_hi, o;
	int64_t c_lo, c_hi, lo, hi;
	int ok_lo, ok_hi;

	if (zone_off(w - 16 * 3600, &o_lo) == -1 ||
	    zone_off(w + 16 * 3600, &o_hi) == -1)
		return -1;
	c_lo = w - o_lo;
	c_hi = w - o_hi;
	if (zone_off(c_lo, &o) == -1)
		return -1;
	ok_lo = o == o_lo;
	if (zone_off(c_hi, &o) == -1)
		return -1;
	ok_hi = o == o_hi;
	if (ok_lo && ok_hi && c_lo != c_hi) {
		lo = c_lo < c_hi ? c_lo : c_hi;
		hi = c_lo < c_hi ? c_hi : c_lo;
		*t = latest && hi <= secs ? hi : lo;
		return 0;
	}
	if (ok_lo || ok_hi) {
		*t = ok_lo ? c_lo : c_hi;
		return 0;
	}
	/* A gap: the clock jumped past w when the offset became o_hi. */
	return zone_change(c_lo < c_hi ? c_lo : c_hi,
	    c_lo < c_hi ? c_hi : c_lo, o_hi, t);
}

/*
 * The first instant in (lo, hi] at which the offset is o, given that it
 * is not o at lo and is o at hi: a bisection on whole seconds, which is
 * where the tz database places its changes.
 */
static int
zone_change(int64_t lo, int64_t hi, long o, int64_t *t)
{
	int64_t mid;
	long om;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (zone_off(mid, &om) == -1)
			return -1;
		if (om == o)
			hi = mid;
		else
			lo = mid;
	}
	*t = hi;
	return 0;
}

/* Start (in seconds) of the local bucket holding secs in the set zone. */
static int
trunc_zone_s(int64_t secs, enum tm_unit unit, int64_t *start)
{
	struct zone_slot *z;
	int64_t g, w, s, e;
	long o, o_s, o_e, o_26;
	int k, ok;

	g = floor_div(secs, unit == TM_MINUTE ? 60 : unit == TM_HOUR ? 3600 :
	    DAY_S);
	z = &zone_cache[unit][(uint64_t)g % ZONE_SLOTS];
	if (z->n > 0 && z->granule == g)
		for (k = 0; k < z->n; k++)
			if (secs >= z->start[k] && secs < z->end[k]) {
				*start = z->start[k];
				return 0;
			}
	if (zone_off(secs, &o) == -1)
		return -1;
	w = wall_bucket_start(secs + o, unit);
	if (unit == TM_MINUTE || unit == TM_HOUR) {
		/*
		 * The offset in force at secs, as PostgreSQL does. Where the
		 * offset changed inside the local hour (zones whose changes
		 * are not whole hours), the bucket starts at the change.
		 */
		s = w - o;
		e = wall_bucket_next(w, unit) - o;
		if (zone_off(s, &o_s) == -1 || zone_off(e - 1, &o_e) == -1)
			return -1;
		ok = o_s == o && o_e == o;
		if (o_s != o && zone_change(s, secs, o, &s) == -1)
			return -1;
	} else {
		if (zone_resolve(w, secs, 1, &s) == -1 ||
		    zone_resolve(wall_bucket_next(w, unit), secs, 0, &e) == -1)
			return -1;
		/*
		 * Cache unless the clock is set back early in the bucket,
		 * where an instant after s can belong to the bucket before.
		 */
		if (zone_off(s, &o_s) == -1 || zone_off(e - 1, &o_e) == -1 ||
		    zone_off(s + 26 * 3600 < e ? s + 26 * 3600 : e - 1,
		    &o_26) == -1)
			return -1;
		ok = o_e >= o_s && o_26 >= o_s && s <= secs && secs < e;
	}
	if (ok) {
		if (z->n == 0 || z->granule != g) {
			z->granule = g;
			z->n = 0;
		}
		if (z->n == 2) {
			z->start[0] = z->start[1];
			z->end[0] = z->end[1];
			z->n = 1;
		}
		z->start[z->n] = s;
		z->end[z->n] = e;
		z->n++;
	}
	*start = s;
	return 0;
}

int
tm_duration(const char *str, int64_t *ns, const char **why)
{
	const unsigned char *s = (const unsigned char *)str;
	int64_t total = 0, v, mult;

	if (*s == '\0') {
		*why = "empty duration";
		return -1;
	}
	for (;;) {
		if (*s == '-') {
			*why = "negative duration";
			return -1;
		}
		if (!is_digit(*s)) {
			*why = "expected a number";
			return -1;
		}
		for (v = 0; is_digit(*s); s++)
			if (__builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, *s - '0', &v))
				goto overflow;
		switch (*s) {
		case 'w': mult = 7 * DAY_S * NS; break;
		case 'd': mult = DAY_S * NS; break;
		case 'h': mult = 3600 * NS; break;
		case 'm': mult = 60 * NS; break;
		case 's': mult = NS; break;
		case '\0':
		case ' ':
			*why = "missing unit (w, d, h, m or s)";
			return -1;
		default:
			*why = "unknown unit (w, d, h, m or s)";
			return -1;
		}
		s++;
		if (__builtin_mul_overflow(v, mult, &v) ||
		    __builtin_add_overflow(total, v, &total))
			goto overflow;
		while (*s == ' ' && s[1] != '\0')
			s++;
		if (*s == '\0')
			break;
	}
	*ns = total;
	return 0;
overflow:
	*why = "duration out of range";
	return -1;
}

static const char *const unit_names[] = {
	"minute", "hour", "day", "week", "month", "quarter", "year"
};

int
tm_unit_parse(const char *s, enum tm_unit *u)
{
	size_t i;

	for (i = 0; i < sizeof(unit_names) / sizeof(unit_names[0]); i++)
		if (strcmp(s, unit_names[i]) == 0) {
			*u = (enum tm_unit)i;
			return 0;
		}
	return -1;
}

const char *
tm_unit_name(enum tm_unit u)
{
	if ((unsigned)u >= sizeof(unit_names) / sizeof(unit_names[0]))
		return "?";
	return unit_names[u];
}

int
tm_offset(int64_t ns, const char *tz, long *off)
{
	int64_t frac;

	*off = 0;
	if (tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0)
		return 0;
	if (zone_set(tz) == -1)
		return -1;
	return zone_off(split_ns(ns, &frac), off);
}

int
tm_has_offset(const char *s, size_t n)
{
	size_t i;

	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
		return 1;
	if (n >= 3 && memcmp(s + n - 3, "UTC", 3) == 0)
		return 1;
	for (i = 11; i < n; i++)	/* past the date's own '-' */
		if (s[i] == '+' || s[i] == '-')
			return 1;
	return 0;
}

/*
 * A local time in tz to an instant, as PostgreSQL reads it: where the
 * clock was set back and the time happened twice, the later instant;
 * where it jumped forward past the time, the offset from before the jump.
 * One change of offset within two days either side is assumed.
 */
static int
local_to_utc(int64_t local_s, int64_t *utc_s)
{
	long ob, oa, o;
	int64_t tb, ta;
	int vb, va;

	if (zone_off(local_s - 2 * DAY_S, &ob) == -1 ||
	    zone_off(local_s + 2 * DAY_S, &oa) == -1)
		return -1;
	tb = local_s - ob;
	ta = local_s - oa;
	vb = zone_off(tb, &o) == 0 && o == ob;
	va = zone_off(ta, &o) == 0 && o == oa;
	*utc_s = va ? ta : tb;
	if (vb && !va)
		*utc_s = tb;
	return 0;
}

int
tm_parse_tz(const char *s, size_t n, const char *tz, int64_t *ns,
    const char **why)
{
	int64_t frac, secs, utc;

	if (tm_parse(s, n, ns, why) == -1)
		return -1;
	if (tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0 ||
	    tm_has_offset(s, n))
		return 0;
	if (zone_set(tz) == -1) {
		*why = "unknown time zone";
		return -1;
	}
	secs = split_ns(*ns, &frac);
	if (local_to_utc(secs, &utc) == -1 ||
	    utc > INT64_MAX / TM_NS_PER_SEC - 1 ||
	    utc < INT64_MIN / TM_NS_PER_SEC + 1) {
		*why = "out of range";
		return -1;
	}
	*ns = utc * TM_NS_PER_SEC + frac;
	return 0;
}
