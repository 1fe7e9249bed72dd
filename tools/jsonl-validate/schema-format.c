/*
 * schema-format: the "format" keyword's checks, each on a decoded
 * string: RFC 3339 date, time, date-time and duration, email, uuid,
 * IPv4, IPv6 and URI (RFC 3986).
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "schema-node.h"
#include "utf8.h"

const char *const format_names[] = { "", "date-time", "date",
    "time", "email", "uuid", "ipv4", "ipv6", "uri", "duration" };

static int
digits(const char *s, size_t n, int *v)
{
	size_t k;

	*v = 0;
	for (k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return 0;
		*v = *v * 10 + (s[k] - '0');
	}
	return 1;
}

static int
days_in(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int
fmt_date(const char *s, size_t n)
{
	int y, m, d;

	return n == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4, &y) &&
	    digits(s + 5, 2, &m) && digits(s + 8, 2, &d) && m >= 1 &&
	    m <= 12 && d >= 1 && d <= days_in(y, m);
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static int
fmt_time(const char *s, size_t n)
{
	int h, m, sec, oh = 0, om = 0, sign = 0, utc;
	size_t k = 8;

	if (n < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 2, &h) ||
	    !digits(s + 3, 2, &m) || !digits(s + 6, 2, &sec) || h > 23 ||
	    m > 59 || sec > 60)
		return 0;
	if (s[k] == '.') {
		for (k++; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == 9)
			return 0;
	}
	if (k + 1 == n && (s[k] == 'Z' || s[k] == 'z'))
		sign = 0;
	else if (k + 6 == n && (s[k] == '+' || s[k] == '-') &&
	    s[k + 3] == ':' && digits(s + k + 1, 2, &oh) &&
	    digits(s + k + 4, 2, &om) && oh <= 23 && om <= 59)
		sign = s[k] == '+' ? 1 : -1;
	else
		return 0;
	if (sec == 60) {
		utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) %
		    1440;
		if (utc != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int
fmt_date_time(const char *s, size_t n)
{
	return n > 11 && (s[10] == 'T' || s[10] == 't') &&
	    fmt_date(s, 10) && fmt_time(s + 11, n - 11);
}

/* RFC 3339 appendix A duration. */
static int
fmt_duration(const char *s, size_t n)
{
	static const char date_units[] = "YMD", time_units[] = "HMS";
	size_t k = 1, d;
	int last = -1, in_time = 0, any = 0, any_time = 0;
	const char *units, *u;

	if (n < 2 || s[0] != 'P')
		return 0;
	if (n >= 3 && s[n - 1] == 'W') {
		for (d = 1; d < n - 1; d++)
			if (s[d] < '0' || s[d] > '9')
				return 0;
		return 1;
	}
	while (k < n) {
		if (s[k] == 'T') {
			if (in_time)
				return 0;
			in_time = 1;
			last = -1;
			k++;
			continue;
		}
		for (d = k; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == d || k == n)
			return 0;
		units = in_time ? time_units : date_units;
		if ((u = memchr(units, s[k], 3)) == NULL)
			return 0;
		/* In order and without gaps: Y[M[D]], M[D], D; likewise HMS. */
		if ((int)(u - units) <= last ||
		    (last >= 0 && (int)(u - units) != last + 1))
			return 0;
		last = (int)(u - units);
		any = 1;
		any_time |= in_time;
		k++;
	}
	return any && (!in_time || any_time);
}

static int
fmt_ipv4(const char *s, size_t n)
{
	size_t k = 0, start;
	int part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (k >= n || s[k] != '.')
				return 0;
			k++;
		}
		for (start = k; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == start || k - start > 3 ||
		    (k - start > 1 && s[start] == '0'))
			return 0;
		digits(s + start, k - start, &v);
		if (v > 255)
			return 0;
	}
	return k == n;
}

static int
fmt_ipv6(const char *s, size_t n)
{
	size_t k = 0, h;
	int groups = 0, dc = -1;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		dc = 0;
		k = 2;
	} else if (n > 0 && s[0] == ':')
		return 0;
	while (k < n) {
		if (memchr(s + k, ':', n - k) == NULL &&
		    memchr(s + k, '.', n - k) != NULL) {
			if (!fmt_ipv4(s + k, n - k))
				return 0;
			groups += 2;
			k = n;
			break;
		}
		for (h = k; k < n && hexval(s[k]) >= 0; k++)
			;
		if (k == h || k - h > 4)
			return 0;
		groups++;
		if (k == n)
			break;
		if (s[k] != ':' || ++k == n)
			return 0;
		if (s[k] == ':') {
			if (dc >= 0)
				return 0;
			dc = groups;
			k++;
		}
	}
	return dc < 0 ? groups == 8 : groups <= 7;
}

static int
fmt_uuid(const char *s, size_t n)
{
	size_t k;

	if (n != 36)
		return 0;
	for (k = 0; k < n; k++)
		if (k == 8 || k == 13 || k == 18 || k == 23 ? s[k] != '-' :
		    hexval(s[k]) < 0)
			return 0;
	return 1;
}

static int
hostname(const char *s, size_t n)
{
	size_t k, label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (k = 0; k < n; k++) {
		char c = s[k];

		if (c == '.') {
			if (label == 0 || s[k - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-') {
			if (label == 0 && c == '-')
				return 0;
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && s[n - 1] != '-';
}

static int
fmt_email(const char *s, size_t n)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	size_t k, at;
	const char *dom;
	size_t dn;

	if (n == 0)
		return 0;
	if (s[0] == '"') {
		for (k = 1; k < n && s[k] != '"'; k++) {
			if (s[k] == '\\')
				k++;
			if (k >= n || (unsigned char)s[k] < 0x20 ||
			    (unsigned char)s[k] > 0x7e)
				return 0;
		}
		if (k >= n || k + 1 >= n || s[k + 1] != '@')
			return 0;
		at = k + 1;
	} else {
		const char *p = memchr(s, '@', n);

		if (p == NULL)
			return 0;
		at = (size_t)(p - s);
		if (at == 0 || s[0] == '.' || s[at - 1] == '.')
			return 0;
		for (k = 0; k < at; k++) {
			char c = s[k];

			if (c == '.') {
				if (s[k + 1] == '.')
					return 0;
			} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' &&
			    c <= 'Z') || (c >= '0' && c <= '9') ||
			    (c != '\0' && strchr(atext, c) != NULL)))
				return 0;
		}
	}
	dom = s + at + 1;
	dn = n - at - 1;
	if (dn >= 2 && dom[0] == '[' && dom[dn - 1] == ']') {
		/* ABNF literals such as "IPv6:" ignore case. */
		if (dn > 7 && strncasecmp(dom + 1, "IPv6:", 5) == 0)
			return fmt_ipv6(dom + 6, dn - 7);
		return fmt_ipv4(dom + 1, dn - 2);
	}
	return hostname(dom, dn);
}

/* RFC 3986 character classes. */
static int
unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* s[0..n) made of unreserved, pct-encoded, sub-delims and `extra'. */
static int
uri_chars(const char *s, size_t n, const char *extra)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (s[k] == '%') {
			if (k + 2 >= n + 0 || hexval(s[k + 1]) < 0 ||
			    hexval(s[k + 2]) < 0)
				return 0;
			k += 2;
		} else if (!unreserved(s[k]) && !subdelim(s[k]) &&
		    (s[k] == '\0' || strchr(extra, s[k]) == NULL))
			return 0;
	}
	return 1;
}

/* RFC 3986 IPvFuture: "v" 1*HEXDIG "." 1*(unreserved / sub-delims / ":"). */
static int
ipvfuture(const char *s, size_t n)
{
	size_t k;

	if (n == 0 || (s[0] != 'v' && s[0] != 'V'))
		return 0;
	for (k = 1; k < n && hexval(s[k]) >= 0; k++)
		;
	if (k == 1 || k >= n || s[k] != '.' || k + 1 == n)
		return 0;
	for (k++; k < n; k++)
		if (!unreserved(s[k]) && !subdelim(s[k]) && s[k] != ':')
			return 0;
	return 1;
}

static int
fmt_uri(const char *s, size_t n)
{
	size_t k, e, a, h;
	const char *q;

	if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' &&
	    s[0] <= 'Z')))
		return 0;
	for (k = 1; k < n && s[k] != ':'; k++)
		if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' &&
		    s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') ||
		    s[k] == '+' || s[k] == '-' || s[k] == '.'))
			return 0;
	if (k == n)
		return 0;
	k++;
	/* The end of hier-part: the first ? or #. */
	for (e = k; e < n && s[e] != '?' && s[e] != '#'; e++)
		;
	if (e - k >= 2 && s[k] == '/' && s[k + 1] == '/') {
		k += 2;
		for (a = k; a < e && s[a] != '/'; a++)
			;
		/* authority = s[k..a) */
		q = NULL;
		for (h = k; h < a; h++)
			if (s[h] == '@')
				q = s + h;
		if (q != NULL) {
			if (!uri_chars(s + k, (size_t)(q - s) - k, ":"))
				return 0;
			k = (size_t)(q - s) + 1;
		}
		if (k < a && s[k] == '[') {
			const char *rb = memchr(s + k, ']', a - k);

			if (rb == NULL)
				return 0;
			h = (size_t)(rb - s);
			if (h > k + 1 && (s[k + 1] == 'v' || s[k + 1] == 'V') ?
			    !ipvfuture(s + k + 1, h - k - 1) :
			    !fmt_ipv6(s + k + 1, h - k - 1))
				return 0;
			h++;
		} else {
			for (h = k; h < a && s[h] != ':'; h++)
				;
			if (!uri_chars(s + k, h - k, ""))
				return 0;
		}
		if (h < a) {
			if (s[h] != ':')
				return 0;
			for (h++; h < a; h++)
				if (s[h] < '0' || s[h] > '9')
					return 0;
		}
		k = a;
	}
	if (!uri_chars(s + k, e - k, ":@/"))
		return 0;
	if (e < n && s[e] == '?') {
		for (k = ++e; e < n && s[e] != '#'; e++)
			;
		if (!uri_chars(s + k, e - k, ":@/?"))
			return 0;
	}
	if (e < n && !uri_chars(s + e + 1, n - e - 1, ":@/?"))
		return 0;
	return 1;
}

/*
 * A relative reference is a URI's hier-part, query and fragment whose
 * first segment has no ":" (RFC 3986 section 4.2): check it behind a
 * scheme.
 */
int
uri_reference_ok(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t k;
	int ok;

	if (fmt_uri(s, n))
		return 1;
	for (k = 0; k < n && s[k] != '/' && s[k] != '?' && s[k] != '#'; k++)
		if (s[k] == ':')
			return 0;
	buf_add(&b, "x:", 2);
	buf_add(&b, s, n);
	ok = fmt_uri(b.p, b.len);
	buf_free(&b);
	return ok;
}

int
format_ok(int f, const char *s, size_t n)
{
	switch (f) {
	case F_DATE_TIME:	return fmt_date_time(s, n);
	case F_DATE:		return fmt_date(s, n);
	case F_TIME:		return fmt_time(s, n);
	case F_EMAIL:		return fmt_email(s, n);
	case F_UUID:		return fmt_uuid(s, n);
	case F_IPV4:		return fmt_ipv4(s, n);
	case F_IPV6:		return fmt_ipv6(s, n);
	case F_URI:		return fmt_uri(s, n);
	case F_DURATION:	return fmt_duration(s, n);
	}
	return 1;
}

