/*
 * jqx unit tests.
 *
 *	jqx_test [FIXTURES]	the case table, then the differential test:
 *				every expression of FIXTURES/jqx-exprs.txt on
 *				every record of FIXTURES/jqx-records.jsonl,
 *				through the fast path and through libjq, must
 *				agree (default FIXTURES: tests/fixtures)
 *	jqx_test -b [N]		evaluations per second, fast path and libjq
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jq.h>

#include "buf.h"
#include "js.h"
#include "jqx.h"

struct jqx_case {
	const char	*expr;
	const char	*rec;
	int		 status;	/* JQX_OK, JQX_EMPTY, JQX_ERROR */
	int		 type;		/* enum js_type when JQX_OK */
	const char	*text;		/* JSON text, or the error message */
	int		 fast;		/* 1: must run on the fast path */
};

#define EV	"{\"id\":7,\"event_type\":\"view\",\"occurred_at\":null," \
		"\"created_at\":\"2024-03-01T10:00:00Z\",\"session_id\":" \
		"\"s-1\",\"modelId\":\"session-web-12\",\"properties\":" \
		"{\"tool\":\"pen\",\"risk\":0.25,\"tags\":[\"a\",\"b\"]}}"

static const struct jqx_case cases[] = {
	/* Paths. */
	{ ".", "{\"a\": 1}", JQX_OK, JS_OBJECT, "{\"a\": 1}", 1 },
	{ ".a", "{\"a\":1}", JQX_OK, JS_NUMBER, "1", 1 },
	{ ".a.b", "{\"a\":{\"b\":[1, 2]}}", JQX_OK, JS_ARRAY, "[1, 2]", 1 },
	{ ".[\"odd key\"]", "{\"odd key\":true}", JQX_OK, JS_TRUE, "true", 1 },
	{ ".\"odd key\"", "{\"odd key\":false}", JQX_OK, JS_FALSE, "false",
	    1 },
	{ ".[0]", "[10,20,30]", JQX_OK, JS_NUMBER, "10", 1 },
	{ ".[-1]", "[10,20,30]", JQX_OK, JS_NUMBER, "30", 1 },
	{ ".[-4]", "[10,20,30]", JQX_OK, JS_NULL, "null", 1 },
	{ ".[3]", "[10,20,30]", JQX_OK, JS_NULL, "null", 1 },
	{ ".a[2].b", "{\"a\":[0,1,{\"b\":\"x\"}]}", JQX_OK, JS_STRING,
	    "\"x\"", 1 },
	{ ".a[1][0]", "{\"a\":[0,[5]]}", JQX_OK, JS_NUMBER, "5", 1 },
	{ ".big", "{\"big\":12345678901234567890}", JQX_OK, JS_NUMBER,
	    "12345678901234567890", 1 },
	{ ".d", "{\"d\":1.0}", JQX_OK, JS_NUMBER, "1.0", 1 },
	{ ".s", "{\"s\":\"caf\\u00e9\"}", JQX_OK, JS_STRING,
	    "\"caf\\u00e9\"", 1 },
	{ ".[\"a\\u0062\"]", "{\"ab\":1}", JQX_OK, JS_NUMBER, "1", 1 },
	{ ".ab", "{\"a\\u0062\":2}", JQX_OK, JS_NUMBER, "2", 1 },
	{ ".k", "{\"k\":1,\"k\":2}", JQX_OK, JS_NUMBER, "2", 1 },
	{ ".missing", "{\"a\":1}", JQX_OK, JS_NULL, "null", 1 },
	{ ".a.b.c", "{\"a\":null}", JQX_OK, JS_NULL, "null", 1 },
	{ ".a", "null", JQX_OK, JS_NULL, "null", 1 },
	{ ".[0]", "null", JQX_OK, JS_NULL, "null", 1 },
	/* Type errors, as libjq 1.6 words them. */
	{ ".a", "12", JQX_ERROR, 0, "Cannot index number with string \"a\"",
	    1 },
	{ ".a.b", "{\"a\":\"s\"}", JQX_ERROR, 0,
	    "Cannot index string with string \"b\"", 1 },
	{ ".a", "[1]", JQX_ERROR, 0, "Cannot index array with string \"a\"",
	    1 },
	{ ".a", "true", JQX_ERROR, 0,
	    "Cannot index boolean with string \"a\"", 1 },
	{ ".[0]", "{\"a\":1}", JQX_ERROR, 0, "Cannot index object with number",
	    1 },
	{ ".s[0]", "{\"s\":\"abc\"}", JQX_ERROR, 0,
	    "Cannot index string with number", 1 },
	/* Alternatives. */
	{ ".occurred_at // .created_at", EV, JQX_OK, JS_STRING,
	    "\"2024-03-01T10:00:00Z\"", 1 },
	{ ".a // .b // .c", "{\"a\":false,\"b\":null}", JQX_OK, JS_NULL,
	    "null", 1 },
	{ ".a // .b", "{\"a\":false,\"b\":false}", JQX_OK, JS_FALSE, "false",
	    1 },
	{ ".a // .b", "{\"a\":0,\"b\":1}", JQX_OK, JS_NUMBER, "0", 1 },
	{ ".a // \"none\"", "{}", JQX_OK, JS_STRING, "\"none\"", 1 },
	{ ".a//.b", "{\"b\":\"\"}", JQX_OK, JS_STRING, "\"\"", 1 },
	{ ".a // 2", "5", JQX_ERROR, 0, "Cannot index number with string \"a\"",
	    1 },
	{ ".a // .b.c", "{\"b\":3}", JQX_ERROR, 0,
	    "Cannot index number with string \"c\"", 1 },
	{ ".a // .b.c", "{\"a\":3}", JQX_OK, JS_NUMBER, "3", 1 },
	/* Arrays and literals. */
	{ "[.x, .y]", "{\"x\":1,\"y\":\"b\"}", JQX_OK, JS_ARRAY, "[1,\"b\"]",
	    1 },
	{ "[.x, .nope, .y // 3]", "{\"x\":[1, 2]}", JQX_OK, JS_ARRAY,
	    "[[1, 2],null,3]", 1 },
	{ "[ .x , [.y, \"z\"] ]", "{\"x\":1,\"y\":2}", JQX_OK, JS_ARRAY,
	    "[1,[2,\"z\"]]", 1 },
	{ "[]", "1", JQX_OK, JS_ARRAY, "[]", 1 },
	{ "[.x, .y]", "{\"x\":1,\"y\":2.50}", JQX_OK, JS_ARRAY, "[1,2.50]", 1 },
	{ "[.x.z]", "{\"x\":1}", JQX_ERROR, 0,
	    "Cannot index number with string \"z\"", 1 },
	{ "\"str\"", "{}", JQX_OK, JS_STRING, "\"str\"", 1 },
	{ "12", "{}", JQX_OK, JS_NUMBER, "12", 1 },
	{ "true", "{}", JQX_OK, JS_TRUE, "true", 1 },
	{ "null", "{}", JQX_OK, JS_NULL, "null", 1 },
	{ " .a ", "{\"a\":1}", JQX_OK, JS_NUMBER, "1", 1 },
	/* libjq. */
	{ ".modelId | capture(\"^session-(?<app>[^-]+)-\").app", EV, JQX_OK,
	    JS_STRING, "\"web\"", 0 },
	{ ".created_at | fromdateiso8601", EV, JQX_OK, JS_NUMBER,
	    "1709287200", 0 },
	{ ".properties.tags | length", EV, JQX_OK, JS_NUMBER, "2", 0 },
	{ ".a, .b", "{\"a\":1,\"b\":2}", JQX_OK, JS_NUMBER, "1", 0 },
	{ ".[]", "{\"a\":{\"x\": 1.0}}", JQX_OK, JS_OBJECT, "{\"x\":1.0}", 0 },
	{ "range(infinite)", "null", JQX_OK, JS_NUMBER, "0", 0 },
	{ "empty", "{}", JQX_EMPTY, 0, "", 0 },
	{ ".a?", "5", JQX_EMPTY, 0, "", 0 },
	{ "error(\"boom\")", "{}", JQX_ERROR, 0, "boom", 0 },
	{ ".big * 1", "{\"big\":12345678901234567890}", JQX_ERROR, 0,
	    "the result may have been rounded: libjq reads "
	    "12345678901234567890 as 1.2345678901234567e+19 (its numbers are "
	    "doubles); a plain path such as .id keeps every digit", 0 },
	{ "(.id)", "{\"id\":9007199254740993}", JQX_ERROR, 0,
	    "the result may have been rounded: libjq reads 9007199254740993 "
	    "as 9007199254740992 (its numbers are doubles); a plain path such "
	    "as .id keeps every digit", 0 },
	{ ".id + 1", "{\"id\":9007199254740991}", JQX_ERROR, 0,
	    "the result 9007199254740992 is an integer past 2^53, which "
	    "libjq's doubles may have rounded", 0 },
	{ "if .id then .id else 0 end", "{\"id\":-9223372036854775808}",
	    JQX_OK, JS_NUMBER, "-9223372036854775808", 0 },
	{ "(.p)", "{\"p\":1.50}", JQX_OK, JS_NUMBER, "1.50", 0 },
	{ "(.p)", "{\"p\":3.14159265358979323846}", JQX_ERROR, 0,
	    "the result may have been rounded: libjq reads "
	    "3.14159265358979323846 as 3.141592653589793 (its numbers are "
	    "doubles); a plain path such as .id keeps every digit", 0 },
	{ ".p * 2", "{\"p\":0.1}", JQX_OK, JS_NUMBER, "0.2", 0 },
	{ ".a | tostring", "{\"a\":[1,\"x\"]}", JQX_OK, JS_STRING,
	    "\"[1,\\\"x\\\"]\"", 0 },
	{ ".a.[0]", "{\"a\":[1]}", -2, 0, NULL, 0 },
	{ "..a", "{}", -2, 0, NULL, 0 },
	{ ".a | .b", "{\"a\":{\"b\":4}}", JQX_OK, JS_NUMBER, "4", 0 },
	{ ".[1.7]", "[0,1,2]", JQX_OK, JS_NULL, "null", 0 },
	{ ".", "[0,1,2]", JQX_OK, JS_ARRAY, "[0,1,2]", 1 },
	{ ".[0]..", "[0]", -2, 0, NULL, 0 },
	{ "\"x\\(.a)\"", "{\"a\":1}", JQX_OK, JS_STRING, "\"x1\"", 0 },
	{ ".a //= 1", "{}", JQX_OK, JS_OBJECT, "{\"a\":1}", 0 },
	{ ".a // empty", "{}", JQX_EMPTY, 0, "", 0 },
};

/* Compile errors: jqx_compile returns NULL with libjq's message. */
static const char *const bad_exprs[] = {
	".a[", "1 +", "$x", ".a | ", "{", "\"\\(\"",
};

static int	 run_cases(void);
static int	 run_differential(const char *);
static int	 same_result(int, const struct jqx_val *, const char *, int,
		    const struct jqx_val *, const char *);
static int	 bench(long);
static char	*slurp(const char *, size_t *);

int
main(int argc, char *argv[])
{
	int fails = 0;

	if (argc > 1 && strcmp(argv[1], "-b") == 0)
		return bench(argc > 2 ? atol(argv[2]) : 2000000);
	fails += run_cases();
	fails += run_differential(argc > 1 ? argv[1] : "tests/fixtures");
	if (fails > 0) {
		printf("jqx_test: %d failures\n", fails);
		return 1;
	}
	return 0;
}

static int
run_cases(void)
{
	const struct jqx_case *c;
	struct js_doc d = { 0 };
	struct js_err e;
	struct jqx_val v;
	struct jqx *x;
	const char *rec;
	char err[256];
	size_t i;
	int fails = 0, st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		if (js_scan(&d, c->rec, strlen(c->rec), &e) == -1) {
			printf("FAIL case %zu: record %s: %s\n", i, c->rec,
			    e.msg);
			fails++;
			continue;
		}
		x = jqx_compile(c->expr, err, sizeof(err));
		if (c->status == -2) {
			/* Not in the fast grammar: must not be fast. */
			if (x != NULL && jqx_is_fast(x)) {
				printf("FAIL %s: on the fast path\n", c->expr);
				fails++;
			}
			jqx_free(x);
			continue;
		}
		if (x == NULL) {
			printf("FAIL %s: compile: %s\n", c->expr, err);
			fails++;
			continue;
		}
		if (jqx_is_fast(x) != c->fast) {
			printf("FAIL %s: fast=%d, want %d\n", c->expr,
			    jqx_is_fast(x), c->fast);
			fails++;
		}
		err[0] = '\0';
		st = jqx_eval(x, &d, &v, err, sizeof(err));
		if (st != c->status) {
			printf("FAIL %s on %s: status %d, want %d (%s)\n",
			    c->expr, c->rec, st, c->status, err);
			fails++;
		} else if (st == JQX_ERROR && strcmp(err, c->text) != 0) {
			printf("FAIL %s on %s: error \"%s\", want \"%s\"\n",
			    c->expr, c->rec, err, c->text);
			fails++;
		} else if (st == JQX_OK && (v.type != c->type ||
		    v.len != strlen(c->text) ||
		    memcmp(v.text, c->text, v.len) != 0)) {
			printf("FAIL %s on %s: %d %.*s, want %d %s\n",
			    c->expr, c->rec, v.type, (int)v.len, v.text,
			    c->type, c->text);
			fails++;
		}
		jqx_free(x);
	}
	/* Decoded strings, both paths. */
	rec = "{\"s\":\"a\\u0000\\\"\\u00e9\"}";
	if (js_scan(&d, rec, strlen(rec), &e) == 0) {
		const char want[] = "a\0\"\xc3\xa9";
		struct jqx *fx = jqx_compile(".s", err, sizeof(err));
		struct jqx *sx = jqx_compile_slow(".s", err, sizeof(err));

		if (jqx_eval(fx, &d, &v, err, sizeof(err)) != JQX_OK ||
		    v.slen != 5 || memcmp(v.str, want, 5) != 0) {
			printf("FAIL fast .s: decoded string\n");
			fails++;
		}
		if (jqx_eval(sx, &d, &v, err, sizeof(err)) != JQX_OK ||
		    v.slen != 5 || memcmp(v.str, want, 5) != 0) {
			printf("FAIL slow .s: decoded string\n");
			fails++;
		}
		jqx_free(fx);
		jqx_free(sx);
	} else {
		printf("FAIL decoded string record: %s\n", e.msg);
		fails++;
	}
	for (i = 0; i < sizeof(bad_exprs) / sizeof(bad_exprs[0]); i++) {
		err[0] = '\0';
		x = jqx_compile(bad_exprs[i], err, sizeof(err));
		if (x != NULL || (strstr(err, "syntax error") == NULL &&
		    strstr(err, "not defined") == NULL)) {
			printf("FAIL compile %s: want an error, got \"%s\"\n",
			    bad_exprs[i], err);
			fails++;
		}
		jqx_free(x);
	}
	js_free(&d);
	printf("jqx_test: %zu cases, %zu compile errors\n",
	    sizeof(cases) / sizeof(cases[0]),
	    sizeof(bad_exprs) / sizeof(bad_exprs[0]));
	return fails;
}

/* Lines of a file, in place: NUL-terminated, returned as an array. */
static char **
lines(char *s, size_t n, size_t *count)
{
	char **v = NULL, *p = s, *nl;
	size_t k = 0;

	while (p < s + n) {
		nl = memchr(p, '\n', (size_t)(s + n - p));
		if (nl == NULL)
			nl = s + n;
		*nl = '\0';
		if (*p != '\0' && *p != '#') {
			v = xrealloc(v, (k + 1) * sizeof(*v));
			v[k++] = p;
		}
		p = nl + 1;
	}
	*count = k;
	return v;
}

static int
run_differential(const char *dir)
{
	char path[4096], err[256], ferr[256], serr[256];
	char *etext, *rtext, **exprs, **recs;
	size_t elen, rlen, ne, nr, i, j, evals = 0;
	struct js_doc d = { 0 };
	struct js_err e;
	struct jqx *fx, *sx;
	struct jqx_val fv, sv;
	int fails = 0, fs, ss, nerr = 0, nok = 0;

	snprintf(path, sizeof(path), "%s/jqx-exprs.txt", dir);
	if ((etext = slurp(path, &elen)) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/jqx-records.jsonl", dir);
	if ((rtext = slurp(path, &rlen)) == NULL)
		return 1;
	exprs = lines(etext, elen, &ne);
	recs = lines(rtext, rlen, &nr);
	for (j = 0; j < nr; j++)
		if (js_scan(&d, recs[j], strlen(recs[j]), &e) == -1) {
			printf("FAIL record %zu: %s\n", j + 1, e.msg);
			fails++;
		}
	for (i = 0; i < ne; i++) {
		fx = jqx_compile(exprs[i], err, sizeof(err));
		sx = jqx_compile_slow(exprs[i], err, sizeof(err));
		if (fx == NULL || sx == NULL || !jqx_is_fast(fx)) {
			printf("FAIL %s: %s\n", exprs[i], fx == NULL ||
			    sx == NULL ? err : "not on the fast path");
			fails++;
			jqx_free(fx);
			jqx_free(sx);
			continue;
		}
		for (j = 0; j < nr; j++) {
			if (js_scan(&d, recs[j], strlen(recs[j]), &e) == -1)
				continue;
			ferr[0] = serr[0] = '\0';
			fs = jqx_eval(fx, &d, &fv, ferr, sizeof(ferr));
			ss = jqx_eval(sx, &d, &sv, serr, sizeof(serr));
			evals++;
			nerr += fs == JQX_ERROR;
			nok += fs == JQX_OK;
			if (!same_result(fs, &fv, ferr, ss, &sv, serr)) {
				printf("FAIL %s on record %zu %s:\n"
				    "  fast:  %d %d %.*s%s\n"
				    "  libjq: %d %d %.*s%s\n", exprs[i], j + 1,
				    recs[j], fs, fv.type, (int)fv.len,
				    fv.text, ferr, ss, sv.type, (int)sv.len,
				    sv.text, serr);
				fails++;
			}
		}
		jqx_free(fx);
		jqx_free(sx);
	}
	printf("jqx_test: differential: %zu expressions x %zu records = "
	    "%zu pairs (%d values, %d errors), %d differ\n", ne, nr, evals,
	    nok, nerr, fails);
	if (ne < 40 || nr < 30) {
		printf("FAIL corpus too small (want >= 40 x 30)\n");
		fails++;
	}
	js_free(&d);
	free(exprs);
	free(recs);
	free(etext);
	free(rtext);
	return fails;
}

/*
 * Same status; errors with the same message; values of the same type;
 * strings equal once decoded; numbers equal as doubles (libjq reformats
 * them); null/true/false by text; where the fast path keeps a number
 * that libjq's doubles cannot hold, libjq's refusal ("may have been
 * rounded") agrees with it; arrays and objects equal as libjq
 * values (jv_equal), which compares numbers as doubles and strings
 * decoded.
 */
/* The value of a number's text, which is not NUL-terminated. */
static double
number(const char *p, size_t n)
{
	char tmp[512];

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return strtod(tmp, NULL);
}

static int
same_result(int fs, const struct jqx_val *f, const char *ferr, int ss,
    const struct jqx_val *s, const char *serr)
{
	jv a, b;
	int eq;

	if (fs == JQX_OK && ss == JQX_ERROR &&
	    strstr(serr, "may have been rounded") != NULL)
		return 1;
	if (fs != ss)
		return 0;
	if (fs == JQX_ERROR)
		return strcmp(ferr, serr) == 0;
	if (fs == JQX_EMPTY)
		return 1;
	if (f->type != s->type)
		return 0;
	switch (f->type) {
	case JS_STRING:
		return f->slen == s->slen &&
		    memcmp(f->str, s->str, f->slen) == 0;
	case JS_NUMBER:
		return number(f->text, f->len) == number(s->text, s->len);
	case JS_ARRAY:
	case JS_OBJECT:
		a = jv_parse_sized(f->text, (int)f->len);
		b = jv_parse_sized(s->text, (int)s->len);
		if (!jv_is_valid(a) || !jv_is_valid(b)) {
			jv_free(a);
			jv_free(b);
			return 0;
		}
		eq = jv_equal(a, b);
		return eq;
	default:
		return f->len == s->len && memcmp(f->text, s->text, f->len) == 0;
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Evaluations per second of the usual key, on a typical event. */
static int
bench(long n)
{
	static const char rec[] = "{\"id\":123456,\"event_type\":"
	    "\"page_view\",\"created_at\":\"2024-05-17T08:12:44Z\","
	    "\"session_id\":\"session-web-98765\",\"user_id\":4242,"
	    "\"app\":\"web\",\"modelId\":\"session-web-98765\","
	    "\"properties\":{\"tool\":\"editor\",\"risk\":\"low\","
	    "\"n\":3}}";
	const char *expr = ".occurred_at // .created_at";
	struct js_doc d = { 0 };
	struct js_err e;
	struct jqx_val v;
	struct jqx *fx, *sx;
	char err[256];
	double t0, t1, t2;
	long i, sn = n / 50 > 0 ? n / 50 : 1;
	size_t sum = 0;

	fx = jqx_compile(expr, err, sizeof(err));
	sx = jqx_compile_slow(expr, err, sizeof(err));
	if (fx == NULL || sx == NULL || js_scan(&d, rec, sizeof(rec) - 1,
	    &e) == -1)
		return 1;
	t0 = now();
	for (i = 0; i < n; i++) {
		jqx_eval(fx, &d, &v, err, sizeof(err));
		sum += v.len;
	}
	t1 = now();
	for (i = 0; i < n; i++) {
		js_scan(&d, rec, sizeof(rec) - 1, &e);
		jqx_eval(fx, &d, &v, err, sizeof(err));
		sum += v.len;
	}
	t2 = now();
	printf("fast path, eval only:   %.1f M evals/s\n",
	    n / (t1 - t0) / 1e6);
	printf("fast path, scan + eval: %.2f M records/s (%zu-byte record)\n",
	    n / (t2 - t1) / 1e6, sizeof(rec) - 1);
	t0 = now();
	for (i = 0; i < sn; i++) {
		jqx_eval(sx, &d, &v, err, sizeof(err));
		sum += v.len;
	}
	t1 = now();
	printf("libjq path:             %.0f evals/s\n", sn / (t1 - t0));
	jqx_free(fx);
	jqx_free(sx);
	js_free(&d);
	return sum == 0;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t k;

	if (f == NULL) {
		printf("FAIL cannot open %s\n", path);
		return NULL;
	}
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, k);
	fclose(f);
	buf_addc(&b, '\0');
	*n = b.len - 1;
	return b.p;
}
