/*
 * libFuzzer harness for the JSON Schema compiler and validator
 * (tools/jsonl-validate/schema-*.c). Input: a schema on the first line,
 * then instances, one per line.
 *
 * Invariants: compiling never crashes or leaks, and a refused schema
 * comes back as NULL with a one-line message; checking an instance twice
 * gives the same verdict, message and path; a failure's path is a JSON
 * pointer. Differential: for schemas made only of type, required, enum,
 * minimum, maximum, minLength, maxLength and properties, ref_check, a
 * small validator written independently for this test, must agree with
 * schema_check wherever it can decide (it says "don't know" when two
 * numbers are equal as doubles but written differently, or a record has
 * duplicate keys), and ref_schema must agree on which such schemas
 * compile.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "js.h"
#include "../../tools/jsonl-validate/schema.h"

#define UNKNOWN	(-1)

static int	ref_check(const struct js_doc *, int, const struct js_doc *,
		    int);

/* The number text of value i as a double. */
static double
num(const struct js_doc *d, int i)
{
	char tmp[512];
	size_t n = d->v[i].len;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, js_text(d, i), n);
	tmp[n] = '\0';
	return strtod(tmp, NULL);
}

/* Decoded string i into b. */
static void
str(const struct js_doc *d, int i, struct buf *b)
{
	b->len = 0;
	js_str(d, i, b);
}

/* 1 if some object in value i (at any depth) repeats a key. */
static int
dup_keys(const struct js_doc *d, int i)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	int k, l, r = 0, obj = d->v[i].type == JS_OBJECT;

	if (obj && d->v[i].n > 256)
		return 1;	/* too many to compare pairwise: skip */
	if (obj)
		for (k = i + 1; !r && k < (int)d->v[i].end;
		    k = d->v[k + 1].end)
			for (l = d->v[k + 1].end; !r && l < (int)d->v[i].end;
			    l = d->v[l + 1].end) {
				str(d, k, &a);
				str(d, l, &b);
				r = a.len == b.len && (a.len == 0 ||
				    memcmp(a.p, b.p, a.len) == 0);
			}
	buf_free(&a);
	buf_free(&b);
	if (obj)
		for (k = i + 1; !r && k < (int)d->v[i].end;
		    k = d->v[k + 1].end)
			r = dup_keys(d, k + 1);
	else if (d->v[i].type == JS_ARRAY)
		for (k = i + 1; !r && k < (int)d->v[i].end; k = d->v[k].end)
			r = dup_keys(d, k);
	return r;
}

/* Is number i an integer: 1, 0, or UNKNOWN. */
static int
ref_integer(const struct js_doc *d, int i)
{
	const char *t = js_text(d, i);
	size_t n = d->v[i].len, k;
	double x;

	if (memchr(t, 'e', n) == NULL && memchr(t, 'E', n) == NULL) {
		const char *dot = memchr(t, '.', n);

		if (dot == NULL)
			return 1;
		for (k = (size_t)(dot - t) + 1; k < n; k++)
			if (t[k] != '0')
				return 0;
		return 1;
	}
	x = num(d, i);
	/* Below 2^52 an integer's double is an integer. */
	if (isfinite(x) && fabs(x) < 4503599627370496.0 && x != floor(x))
		return 0;
	return UNKNOWN;
}

/* Compare numbers a and b: -1, 0, 1, or 2 when undecided. */
static int
ref_numcmp(const struct js_doc *da, int a, const struct js_doc *db, int b)
{
	double x = num(da, a), y = num(db, b);

	if (x < y)
		return -1;
	if (x > y)
		return 1;
	if (da->v[a].len == db->v[b].len && memcmp(js_text(da, a),
	    js_text(db, b), da->v[a].len) == 0)
		return 0;
	return 2;
}

/* JSON equality: 1, 0 or UNKNOWN (objects assumed free of duplicates). */
static int
ref_equal(const struct js_doc *da, int a, const struct js_doc *db, int b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int ta = da->v[a].type, tb = db->v[b].type, r, e, k, l;

	if (ta != tb)
		return 0;
	switch (ta) {
	case JS_NUMBER:
		r = ref_numcmp(da, a, db, b);
		return r == 2 ? UNKNOWN : r == 0;
	case JS_STRING:
		str(da, a, &x);
		str(db, b, &y);
		r = x.len == y.len && (x.len == 0 ||
		    memcmp(x.p, y.p, x.len) == 0);
		buf_free(&x);
		buf_free(&y);
		return r;
	case JS_ARRAY:
		if (da->v[a].n != db->v[b].n)
			return 0;
		r = 1;
		for (k = a + 1, l = b + 1; k < (int)da->v[a].end;
		    k = da->v[k].end, l = db->v[l].end) {
			e = ref_equal(da, k, db, l);
			if (e == 0)
				return 0;
			if (e == UNKNOWN)
				r = UNKNOWN;
		}
		return r;
	case JS_OBJECT:
		if (da->v[a].n != db->v[b].n)
			return 0;
		r = 1;
		for (k = a + 1; k < (int)da->v[a].end; k = da->v[k + 1].end) {
			str(da, k, &x);
			l = js_get(db, b, x.p ? x.p : "", x.len);
			e = l < 0 ? 0 : ref_equal(da, k + 1, db, l);
			if (e == 0) {
				r = 0;
				break;
			}
			if (e == UNKNOWN)
				r = UNKNOWN;
		}
		buf_free(&x);
		return r;
	default:
		return 1;
	}
}

static int
type_ok(const struct js_doc *d, int i, const char *name, size_t n)
{
#define IS(w)	(n == strlen(w) && memcmp(name, w, n) == 0)
	int t = d->v[i].type;

	if (IS("null"))
		return t == JS_NULL;
	if (IS("boolean"))
		return t == JS_TRUE || t == JS_FALSE;
	if (IS("object"))
		return t == JS_OBJECT;
	if (IS("array"))
		return t == JS_ARRAY;
	if (IS("string"))
		return t == JS_STRING;
	if (IS("number"))
		return t == JS_NUMBER;
	if (IS("integer"))
		return t == JS_NUMBER ? ref_integer(d, i) : 0;
#undef IS
	return 0;
}

static int
known_type(const char *n, size_t len)
{
	static const char *const names[] = { "null", "boolean", "object",
	    "array", "number", "string", "integer", NULL };
	int j;

	for (j = 0; names[j] != NULL; j++)
		if (len == strlen(names[j]) && memcmp(n, names[j], len) == 0)
			return 1;
	return 0;
}

/* A count keyword's value if it is a plain small non-negative integer. */
static long
count(const struct js_doc *d, int i)
{
	const char *t = js_text(d, i);
	size_t n = d->v[i].len, k;
	long v = 0;

	if (d->v[i].type != JS_NUMBER || n > 9)
		return -1;
	for (k = 0; k < n; k++) {
		if (t[k] < '0' || t[k] > '9')
			return -1;
		v = v * 10 + (t[k] - '0');
	}
	return v;
}

/* 1 if string e of array a equals one of the strings before it. */
static int
named_before(const struct js_doc *d, int a, int e)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int k, r = 0;

	str(d, e, &x);
	for (k = a + 1; !r && k < e; k = d->v[k].end) {
		if (d->v[k].type != JS_STRING)
			continue;
		str(d, k, &y);
		r = x.len == y.len && (x.len == 0 || memcmp(x.p, y.p,
		    x.len) == 0);
	}
	buf_free(&x);
	buf_free(&y);
	return r;
}

/*
 * Is schema s in the subset: 1 (well formed), 0 (schema_compile must
 * refuse it), UNKNOWN (outside the subset).
 */
static int
ref_schema(const struct js_doc *sd, int s)
{
	struct buf b = BUF_INIT;
	int k, v, e, r = 1, t;

	if (sd->v[s].type == JS_TRUE || sd->v[s].type == JS_FALSE)
		return 1;
	if (sd->v[s].type != JS_OBJECT)
		return 0;
	for (k = s + 1; r == 1 && k < (int)sd->v[s].end;
	    k = sd->v[k + 1].end) {
		v = k + 1;
		t = sd->v[v].type;
		str(sd, k, &b);
#define KW(w)	(b.len == strlen(w) && memcmp(b.p, w, b.len) == 0)
		if (KW("type")) {
			if (t == JS_STRING) {
				str(sd, v, &b);
				r = known_type(b.p, b.len);
			} else if (t == JS_ARRAY) {
				/* Non-empty, distinct names. */
				r = sd->v[v].n > 0;
				for (e = v + 1; r && e < (int)sd->v[v].end;
				    e = sd->v[e].end) {
					str(sd, e, &b);
					r = sd->v[e].type == JS_STRING &&
					    known_type(b.p, b.len) &&
					    !named_before(sd, v, e);
				}
			} else
				r = 0;
		} else if (KW("required")) {
			/* stringArray: strings, each name once. */
			if (t != JS_ARRAY)
				r = 0;
			for (e = v + 1; r && e < (int)sd->v[v].end;
			    e = sd->v[e].end)
				r = sd->v[e].type == JS_STRING &&
				    !named_before(sd, v, e);
		} else if (KW("properties")) {
			if (t != JS_OBJECT)
				r = 0;
			for (e = v + 1; r == 1 && e < (int)sd->v[v].end;
			    e = sd->v[e + 1].end)
				r = ref_schema(sd, e + 1);
		} else if (KW("enum"))
			r = t == JS_ARRAY;
		else if (KW("minimum") || KW("maximum"))
			r = t == JS_NUMBER;
		else if (KW("minLength") || KW("maxLength")) {
			if (t != JS_NUMBER)
				r = 0;
			else if (count(sd, v) < 0)
				r = UNKNOWN;
		} else
			r = UNKNOWN;
#undef KW
	}
	buf_free(&b);
	return r;
}

/* Combine: a definite failure wins over "don't know". */
static int
and3(int a, int b)
{
	if (a == 0 || b == 0)
		return 0;
	return a == UNKNOWN || b == UNKNOWN ? UNKNOWN : 1;
}

static int
ref_check(const struct js_doc *sd, int s, const struct js_doc *d, int i)
{
	struct buf b = BUF_INIT;
	int k, v, e, r = 1, any, t, m;
	long c;
	size_t cp, j;

	if (sd->v[s].type == JS_TRUE)
		return 1;
	if (sd->v[s].type == JS_FALSE)
		return 0;
	t = d->v[i].type;
	for (k = s + 1; k < (int)sd->v[s].end; k = sd->v[k + 1].end) {
		v = k + 1;
		str(sd, k, &b);
#define KW(w)	(b.len == strlen(w) && memcmp(b.p, w, b.len) == 0)
		if (KW("type")) {
			if (sd->v[v].type == JS_STRING) {
				str(sd, v, &b);
				r = and3(r, type_ok(d, i, b.p, b.len));
			} else {
				any = 0;
				for (e = v + 1; e < (int)sd->v[v].end &&
				    any != 1; e = sd->v[e].end) {
					str(sd, e, &b);
					m = type_ok(d, i, b.p, b.len);
					if (m == 1 || m == UNKNOWN)
						any = m;
				}
				r = and3(r, any);
			}
		} else if (KW("required") && t == JS_OBJECT) {
			for (e = v + 1; e < (int)sd->v[v].end;
			    e = sd->v[e].end) {
				str(sd, e, &b);
				if (js_get(d, i, b.p ? b.p : "", b.len) < 0)
					r = 0;
			}
		} else if (KW("properties") && t == JS_OBJECT) {
			for (e = v + 1; e < (int)sd->v[v].end;
			    e = sd->v[e + 1].end) {
				str(sd, e, &b);
				m = js_get(d, i, b.p ? b.p : "", b.len);
				if (m >= 0)
					r = and3(r, ref_check(sd, e + 1, d,
					    m));
			}
		} else if (KW("enum")) {
			any = 0;
			for (e = v + 1; e < (int)sd->v[v].end && any != 1;
			    e = sd->v[e].end) {
				m = ref_equal(d, i, sd, e);
				if (m == 1 || m == UNKNOWN)
					any = m;
			}
			r = and3(r, any);
		} else if ((KW("minimum") || KW("maximum")) &&
		    t == JS_NUMBER) {
			m = ref_numcmp(d, i, sd, v);
			if (m == 2)
				r = and3(r, UNKNOWN);
			else if (KW("minimum") ? m < 0 : m > 0)
				r = 0;
		} else if ((KW("minLength") || KW("maxLength")) &&
		    t == JS_STRING) {
			int min = KW("minLength");

			c = count(sd, v);
			str(d, i, &b);
			for (j = 0, cp = 0; j < b.len; j++)
				if (((unsigned char)b.p[j] >> 6) != 2)
					cp++;
			if (min ? cp < (size_t)c : cp > (size_t)c)
				r = 0;
		}
#undef KW
	}
	buf_free(&b);
	return r;
}

static size_t
line_len(const uint8_t *p, size_t n)
{
	const uint8_t *nl = memchr(p, '\n', n);

	return nl == NULL ? n : (size_t)(nl - p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct js_doc d, sd;
	struct schema *sc;
	struct js_err je;
	char err[256], msg1[256], path1[1024];
	const char *msg, *path, *spath;
	size_t n, off;
	int ok, ok2, wf = UNKNOWN, ref, lines;

	n = line_len(data, size);
	memset(err, 0, sizeof(err));
	sc = schema_compile((const char *)data, n, NULL, NULL, 0, 0, err,
	    sizeof(err));
	if (js_scan(&sd, (const char *)data, n, &je) == 0 && !dup_keys(&sd, 0))
		wf = ref_schema(&sd, 0);
	if (sc == NULL) {
		/* A clean error: a message, NUL-terminated, one line. */
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL ||
		    strchr(err, '\n') != NULL)
			abort();
		if (wf == 1)
			abort();
		return 0;
	}
	if (wf == 0)
		abort();
	if (strlen(schema_warnings(sc)) > 1 << 20)
		abort();
	for (off = n + 1, lines = 0; off < size && lines < 64;
	    off += n + 1, lines++) {
		n = line_len(data + off, size - off);
		if (js_scan(&d, (const char *)data + off, n, &je) == -1)
			continue;
		ok = schema_check(sc, &d, &msg, &path, &spath);
		if (!ok) {
			if (*msg == '\0' || strlen(msg) >= sizeof(msg1) ||
			    (*path != '\0' && *path != '/') ||
			    (*spath != '\0' && *spath != '/'))
				abort();
			memcpy(msg1, msg, strlen(msg) + 1);
			snprintf(path1, sizeof(path1), "%s", path);
		}
		ok2 = schema_check(sc, &d, &msg, &path, &spath);
		if (ok != ok2 || (!ok && (strcmp(msg, msg1) != 0 ||
		    strncmp(path, path1, sizeof(path1) - 1) != 0)))
			abort();
		if (wf == 1 && !dup_keys(&d, 0)) {
			ref = ref_check(&sd, 0, &d, 0);
			if (ref != UNKNOWN && ref != ok)
				abort();
		}
	}
	schema_free(sc);
	return 0;
}
