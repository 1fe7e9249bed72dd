/*
 * Unit tests for the JSON scanner (tools/lib/js.c).
 *
 * usage: js_test [TEST_PARSING_DIR I_DECISIONS_FILE]
 *        js_test -f FILE
 *
 * Runs the hand-written tables below; with the two arguments it also runs
 * every file of JSONTestSuite's test_parsing/: y_ must be accepted, n_
 * rejected, i_ as its line in the decisions file says. Prints each
 * failure and exits 1 if there was one. With -f it scans one file as is
 * and prints "ok" (exit 0) or "col N: reason" (exit 1).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "js.h"

#define S(lit)	lit, sizeof(lit) - 1

static int	failures, checks;

static void
failf(const char *what, const char *s, size_t n, const char *fmt,
    const char *got)
{
	size_t i;

	failures++;
	printf("FAIL %s: input \"", what);
	for (i = 0; i < n && i < 80; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("%s\": ", n > 80 ? "..." : "");
	printf(fmt, got);
	putchar('\n');
}

/* 1. Accept / reject with the exact column and reason. */
static const struct scan_case {
	const char	*s;
	size_t		 n;
	size_t		 col;	/* 0: must be accepted */
	const char	*msg;
} scan_cases[] = {
	/* Accepted. */
	{ S("0"), 0, NULL },
	{ S("-0"), 0, NULL },
	{ S("-0.0e-0"), 0, NULL },
	{ S("1E+2"), 0, NULL },
	{ S("1e400"), 0, NULL },
	{ S("12345678901234567890"), 0, NULL },
	{ S("true"), 0, NULL },
	{ S("false"), 0, NULL },
	{ S("null"), 0, NULL },
	{ S("\"\""), 0, NULL },
	{ S("[]"), 0, NULL },
	{ S("{}"), 0, NULL },
	{ S("[[],{}]"), 0, NULL },
	{ S(" \t\r\n[ 1 , {\"a\" : null } ]\r\n"), 0, NULL },
	{ S("\"\\u0000\""), 0, NULL },
	{ S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), 0, NULL },
	{ S("\"\xe2\x80\xa8\xe2\x80\xa9\""), 0, NULL },
	{ S("\"\xf0\x9f\x98\x80 \xc3\xa9 \xef\xbf\xbf \xf4\x8f\xbf\xbf\""), 0,
	    NULL },
	{ S("\"\\ud83d\\ude00\""), 0, NULL },
	{ S("\"\\uDBFF\\uDFFF\\uD800\\uDC00\""), 0, NULL },
	{ S("\"\\u00e9\\uFFFF\\u0041\""), 0, NULL },
	{ S("\" !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "[]^_`abcdefghijklmnopqrstuvwxyz{|}~\x7f\""), 0, NULL },
	{ S("{\"a\":1,\"a\":2}"), 0, NULL },
	{ S("[1,-1,0.5,-0.5,1e5,1E-5,1.5e+5,0e0]"), 0, NULL },

	/* Empty and truncated texts. */
	{ S(""), 1, "empty input" },
	{ S("   "), 4, "empty input" },
	{ S("["), 2, "unterminated array" },
	{ S("[1,"), 4, "unterminated array" },
	{ S("[1"), 3, "unterminated array" },
	{ S("{"), 2, "unterminated object" },
	{ S("{\"a\""), 5, "unterminated object" },
	{ S("{\"a\":"), 6, "unterminated object" },
	{ S("{\"a\":1"), 7, "unterminated object" },
	{ S("{\"a\":1,"), 8, "unterminated object" },
	{ S("\"abc"), 1, "unterminated string" },
	{ S("[\"abc"), 2, "unterminated string" },
	{ S("[\"0123456789abcdef"), 2, "unterminated string" },
	{ S("\"ab\\"), 1, "unterminated string" },

	/* Structure. */
	{ S("{\"a\" 1}"), 6, "expected ':'" },
	{ S("{\"a\":1 \"b\":2}"), 8, "expected ',' or '}'" },
	{ S("{\"a\":1]"), 7, "expected ',' or '}'" },
	{ S("[1 2]"), 4, "expected ',' or ']'" },
	{ S("[1}"), 3, "expected ',' or ']'" },
	{ S("[1,]"), 4, "expected a value" },
	{ S("[,1]"), 2, "expected a value" },
	{ S("[}"), 2, "expected a value" },
	{ S("{]"), 2, "expected '\"' to start a member name" },
	{ S("{\"a\":1,}"), 8, "expected '\"' to start a member name" },
	{ S("{a:1}"), 2, "expected '\"' to start a member name" },
	{ S("{1:1}"), 2, "expected '\"' to start a member name" },
	{ S("{} {}"), 4, "trailing characters after the value" },
	{ S("[]]"), 3, "trailing characters after the value" },
	{ S("[1]\0"), 4, "trailing characters after the value" },
	{ S("123\0"), 4, "trailing characters after the value" },
	{ S("[\0]"), 2, "expected a value" },
	{ S("/* c */ 1"), 1, "expected a value" },
	{ S("'a'"), 1, "expected a value" },
	{ S("\f1"), 1, "expected a value" },
	{ S("1\v"), 2, "trailing characters after the value" },
	{ S("\xc2\xa0" "1"), 1, "expected a value" },
	{ S("\xef\xbb\xbf{}"), 1, "byte order mark not allowed here" },
	{ S("[\xef\xbb\xbf]"), 2, "expected a value" },

	/* Strings. */
	{ S("\"a\x01" "b\""), 3, "unescaped control character in string" },
	{ S("\"a\tb\""), 3, "unescaped control character in string" },
	{ S("\"a\nb\""), 3, "unescaped control character in string" },
	{ S("\"a\0b\""), 3, "unescaped control character in string" },
	{ S("\"0123456789012345678\x1f\""), 21,
	    "unescaped control character in string" },
	{ S("\"\\x\""), 2, "invalid escape" },
	{ S("\"\\'\""), 2, "invalid escape" },
	{ S("\"\\U0041\""), 2, "invalid escape" },
	{ S("\"\\u12\""), 2, "invalid \\u escape" },
	{ S("\"\\u12G4\""), 2, "invalid \\u escape" },
	{ S("\"\\u004"), 2, "invalid \\u escape" },
	{ S("\"\\uD800\""), 2,
	    "high surrogate escape without a low surrogate escape" },
	{ S("\"\\uD800\\u0041\""), 2,
	    "high surrogate escape without a low surrogate escape" },
	{ S("\"\\uD800\\uD800\""), 2,
	    "high surrogate escape without a low surrogate escape" },
	{ S("\"\\uD800abcdef\""), 2,
	    "high surrogate escape without a low surrogate escape" },
	{ S("\"\\uD800\\uDC0"), 2,
	    "high surrogate escape without a low surrogate escape" },
	{ S("\"\\uDC00\""), 2, "lone low surrogate escape" },
	{ S("\"ab\\uDFFF\\uD800\""), 4, "lone low surrogate escape" },
	{ S("{\"\\uDFAA\":0}"), 3, "lone low surrogate escape" },

	/* UTF-8. */
	{ S("\"\xc3\""), 2, "invalid UTF-8" },
	{ S("\"\xc3"), 2, "invalid UTF-8" },
	{ S("\"\xc0\xaf\""), 2, "invalid UTF-8" },
	{ S("\"\xc1\xbf\""), 2, "invalid UTF-8" },
	{ S("\"\xe0\x9f\xbf\""), 2, "invalid UTF-8" },
	{ S("\"\xed\xa0\x80\""), 2, "invalid UTF-8" },
	{ S("\"\xed\xbf\xbf\""), 2, "invalid UTF-8" },
	{ S("\"\xf0\x8f\xbf\xbf\""), 2, "invalid UTF-8" },
	{ S("\"\xf4\x90\x80\x80\""), 2, "invalid UTF-8" },
	{ S("\"\xf5\x80\x80\x80\""), 2, "invalid UTF-8" },
	{ S("\"\xfc\x80\x80\x80\x80\x80\""), 2, "invalid UTF-8" },
	{ S("\"\x80\""), 2, "invalid UTF-8" },
	{ S("\"\xe9t\xe9\""), 2, "invalid UTF-8" },
	{ S("\"abcdefghij\xff\""), 12, "invalid UTF-8" },
	{ S("\"\xe2\x82\""), 2, "invalid UTF-8" },
	{ S("\"\xf0\x9f\x98\""), 2, "invalid UTF-8" },
	{ S("[\"\xc3\xa9\xc3\""), 5, "invalid UTF-8" },
	{ S("\xc3\xa9"), 1, "expected a value" },

	/* Numbers. */
	{ S("01"), 1, "leading zero in number" },
	{ S("-01"), 1, "leading zero in number" },
	{ S("[00]"), 2, "leading zero in number" },
	{ S("-"), 2, "invalid number" },
	{ S("[-]"), 3, "invalid number" },
	{ S("-Infinity"), 2, "invalid number" },
	{ S("- 1"), 2, "invalid number" },
	{ S("1."), 3, "expected a digit after '.'" },
	{ S("[1.e3]"), 4, "expected a digit after '.'" },
	{ S("1e"), 3, "expected a digit in the exponent" },
	{ S("1e+"), 4, "expected a digit in the exponent" },
	{ S("1E-x"), 4, "expected a digit in the exponent" },
	{ S(".5"), 1, "expected a value" },
	{ S("+1"), 1, "expected a value" },
	{ S("NaN"), 1, "expected a value" },
	{ S("Infinity"), 1, "expected a value" },
	{ S("1.5e3x"), 6, "trailing characters after the value" },
	{ S("0x10"), 2, "trailing characters after the value" },
	{ S("[1.2.3]"), 5, "expected ',' or ']'" },
	{ S("[1_000]"), 3, "expected ',' or ']'" },

	/* Literals. */
	{ S("tru"), 1, "invalid literal" },
	{ S("nul"), 1, "invalid literal" },
	{ S("fals"), 1, "invalid literal" },
	{ S("[trux]"), 2, "invalid literal" },
	{ S("falsey"), 6, "trailing characters after the value" },
	{ S("True"), 1, "expected a value" },
	{ S("[truefalse]"), 6, "expected ',' or ']'" },
};

static void
run_scan_cases(struct js_doc *d)
{
	struct js_err e;
	char got[160];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(scan_cases) / sizeof(scan_cases[0]); i++) {
		const struct scan_case *c = &scan_cases[i];

		char *exact = malloc(c->n ? c->n : 1);

		/* An exact-size copy, so ASan sees any read past the end. */
		memcpy(exact, c->s, c->n);
		checks++;
		memset(&e, 0, sizeof(e));
		rc = js_scan(d, exact, c->n, &e);
		free(exact);
		if (c->col == 0 && rc != 0)
			snprintf(got, sizeof(got), "rejected: col %zu: %s",
			    e.col, e.msg);
		else if (c->col != 0 && rc == 0)
			snprintf(got, sizeof(got), "accepted, want col %zu: %s",
			    c->col, c->msg);
		else if (c->col != 0 &&
		    (e.col != c->col || strcmp(e.msg, c->msg) != 0))
			snprintf(got, sizeof(got), "col %zu: %s, want col %zu: "
			    "%s", e.col, e.msg, c->col, c->msg);
		else
			continue;
		failf("scan", c->s, c->n, "%s", got);
	}
}

/* 2. The index: one "type:off:len:end:n" word per value. */
static const struct tape_case {
	const char	*s;
	size_t		 n;
	const char	*tape;
} tape_cases[] = {
	{ S("  42 "), "#:2:2:1:0" },
	{ S("\"a\\nb\""), "s:0:6:1:1" },
	{ S("{\"a\":[1,true],\"b\":\"x\\n\"}"),
	    "o:0:24:7:2 s:1:3:2:0 a:5:8:5:2 #:6:1:4:0 t:8:4:5:0 s:14:3:6:0 "
	    "s:18:5:7:1" },
	{ S(" [ [ ] , { } ] "), "a:1:13:3:2 a:3:3:2:0 o:9:3:3:0" },
	{ S("[null,false,[[]],-1.5e3]"),
	    "a:0:24:6:4 n:1:4:2:0 f:6:5:3:0 a:12:4:5:1 a:13:2:5:0 "
	    "#:17:6:6:0" },
	{ S("{\"k\":{\"l\":{}},\"m\":0}"),
	    "o:0:20:7:2 s:1:3:2:0 o:5:8:5:1 s:6:3:4:0 o:10:2:5:0 s:14:3:6:0 "
	    "#:18:1:7:0" },
};

static void
dump_tape(const struct js_doc *d, struct buf *b)
{
	static const char letter[] = "?nft#sao";
	size_t i;

	buf_reset(b);
	for (i = 0; i < d->n; i++) {
		const struct js_val *v = &d->v[i];

		buf_addf(b, "%s%c:%u:%u:%u:%u", i ? " " : "", letter[v->type],
		    v->off, v->len, v->end, v->n);
	}
	buf_cstr(b);
}

static void
run_tape_cases(struct js_doc *d)
{
	struct js_err e;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(tape_cases) / sizeof(tape_cases[0]); i++) {
		const struct tape_case *c = &tape_cases[i];

		checks++;
		if (js_scan(d, c->s, c->n, &e) != 0) {
			failf("tape", c->s, c->n, "rejected: %s", e.msg);
			continue;
		}
		dump_tape(d, &b);
		if (strcmp(b.p, c->tape) != 0) {
			failf("tape", c->s, c->n, "got %s", b.p);
			printf("     want %s\n", c->tape);
		}
	}
	buf_free(&b);
}

/*
 * 3. Lookups. op 'g': js_get(root, arg); 'i': js_index(root, atol(arg));
 * 'G': js_get of arg2 in js_get(root, arg). want: the source text of the
 * value found, or NULL for "not found".
 */
static const struct get_case {
	const char	*doc;
	char		 op;
	const char	*arg;
	size_t		 argn;
	const char	*arg2;
	const char	*want;
} get_cases[] = {
	{ "{\"a\":1,\"b\":[2]}", 'g', S("a"), NULL, "1" },
	{ "{\"a\":1,\"b\":[2]}", 'g', S("b"), NULL, "[2]" },
	{ "{\"a\":1,\"b\":[2]}", 'g', S("c"), NULL, NULL },
	{ "{\"a\":1,\"b\":[2]}", 'g', S(""), NULL, NULL },
	{ "{\"\":7}", 'g', S(""), NULL, "7" },
	{ "{}", 'g', S("a"), NULL, NULL },
	{ "[1]", 'g', S("a"), NULL, NULL },
	{ "\"a\"", 'g', S("a"), NULL, NULL },
	/* Duplicate keys: the last wins, as in jq. */
	{ "{\"a\":1,\"b\":2,\"a\":3}", 'g', S("a"), NULL, "3" },
	{ "{\"a\":{\"x\":1},\"a\":{\"y\":2}}", 'G', S("a"), "y", "2" },
	{ "{\"a\":{\"x\":1},\"a\":{\"y\":2}}", 'G', S("a"), "x", NULL },
	/* Keys compare by their decoded value. */
	{ "{\"a\\u0062\":1}", 'g', S("ab"), NULL, "1" },
	{ "{\"a\\u0062\":1,\"ab\":2}", 'g', S("ab"), NULL, "2" },
	{ "{\"ab\":2,\"a\\u0062\":1}", 'g', S("ab"), NULL, "1" },
	{ "{\"a\\u0062\":1}", 'g', S("a\\u0062"), NULL, NULL },
	{ "{\"a\\u0062\":1}", 'g', S("abc"), NULL, NULL },
	{ "{\"a\\u0062\":1}", 'g', S("a"), NULL, NULL },
	{ "{\"\\u00e9\":1}", 'g', S("\xc3\xa9"), NULL, "1" },
	{ "{\"\xc3\xa9\":1}", 'g', S("\xc3\xa9"), NULL, "1" },
	{ "{\"a\\\"b\":3}", 'g', S("a\"b"), NULL, "3" },
	{ "{\"a\\\\b\":3}", 'g', S("a\\b"), NULL, "3" },
	{ "{\"a\\/b\":3}", 'g', S("a/b"), NULL, "3" },
	{ "{\"\\ud83d\\ude00\":4}", 'g', S("\xf0\x9f\x98\x80"), NULL, "4" },
	{ "{\"a\\u0000b\":5}", 'g', S("a\0b"), NULL, "5" },
	{ "{\"a\\u0000b\":5}", 'g', S("a"), NULL, NULL },
	{ "{\"odd key\":{\"n\":[1,2]}}", 'G', S("odd key"), "n", "[1,2]" },
	{ "{\"id\":12345678901234567890}", 'g', S("id"), NULL,
	    "12345678901234567890" },
	{ "{\"x\":1.0,\"y\":-0}", 'g', S("x"), NULL, "1.0" },
	{ "{\"x\":1.0,\"y\":-0}", 'g', S("y"), NULL, "-0" },
	/* Array elements, negative indices as in jq. */
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("0"), NULL, "10" },
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("1"), NULL, "[20,21]" },
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("2"), NULL, "{\"x\":30}" },
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("3"), NULL, "40" },
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("-1"), NULL, "40" },
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("-4"), NULL, "10" },
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("4"), NULL, NULL },
	{ "[10,[20,21],{\"x\":30},40]", 'i', S("-5"), NULL, NULL },
	{ "[]", 'i', S("0"), NULL, NULL },
	{ "[]", 'i', S("-1"), NULL, NULL },
	{ "{\"a\":1}", 'i', S("0"), NULL, NULL },
	{ "7", 'i', S("0"), NULL, NULL },
};

static void
run_get_cases(struct js_doc *d)
{
	struct js_err e;
	size_t i, n;
	int k;

	for (i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++) {
		const struct get_case *c = &get_cases[i];
		char got[200];

		checks++;
		if (js_scan(d, c->doc, strlen(c->doc), &e) != 0) {
			failf("get", c->doc, strlen(c->doc), "rejected: %s",
			    e.msg);
			continue;
		}
		if (c->op == 'i')
			k = js_index(d, 0, atol(c->arg));
		else
			k = js_get(d, 0, c->arg, c->argn);
		if (c->op == 'G' && k >= 0)
			k = js_get(d, k, c->arg2, strlen(c->arg2));
		if (k < 0 && c->want == NULL)
			continue;
		if (k >= 0 && c->want != NULL) {
			n = d->v[k].len;
			if (n == strlen(c->want) &&
			    memcmp(js_text(d, k), c->want, n) == 0)
				continue;
		}
		if (k < 0)
			snprintf(got, sizeof(got), "%c %s: not found", c->op,
			    c->arg);
		else
			snprintf(got, sizeof(got), "%c %s: found %.*s", c->op,
			    c->arg, (int)d->v[k].len, js_text(d, k));
		failf("get", c->doc, strlen(c->doc), "%s", got);
	}
}

/* 4. Decoding strings and numbers. */
static const struct str_case {
	const char	*s;
	size_t		 n;
	const char	*want;
	size_t		 wantn;
} str_cases[] = {
	{ S("\"plain\""), S("plain") },
	{ S("\"\""), S("") },
	{ S("\"a\\nb\\t\\r\\b\\f\\/\\\\\\\"\""), S("a\nb\t\r\b\f/\\\"") },
	{ S("\"\\u00e9\\u20AC\\uffff\""), S("\xc3\xa9\xe2\x82\xac\xef\xbf\xbf") },
	{ S("\"x\\ud83d\\ude00y\""), S("x\xf0\x9f\x98\x80y") },
	{ S("\"\\uDBFF\\uDFFF\""), S("\xf4\x8f\xbf\xbf") },
	{ S("\"\\u0000\""), S("\0") },
	{ S("\"a\\u0041\\u007f\""), S("aA\x7f") },
	{ S("\"\\u0080\\u07ff\\u0800\""), S("\xc2\x80\xdf\xbf\xe0\xa0\x80") },
	{ S("\"raw \xc3\xa9 and \\u00e9\""), S("raw \xc3\xa9 and \xc3\xa9") },
	{ S("123"), S("123") },
};

static void
run_str_cases(struct js_doc *d)
{
	struct js_err e;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
		const struct str_case *c = &str_cases[i];

		checks++;
		if (js_scan(d, c->s, c->n, &e) != 0) {
			failf("str", c->s, c->n, "rejected: %s", e.msg);
			continue;
		}
		buf_reset(&b);
		buf_addc(&b, '<');
		js_str(d, 0, &b);
		if (b.len - 1 != c->wantn ||
		    memcmp(b.p + 1, c->want, c->wantn) != 0) {
			buf_cstr(&b);
			failf("str", c->s, c->n, "decoded to %s", b.p);
		}
		checks++;
		if (d->v[0].type == JS_STRING &&
		    !js_str_eq(d, 0, c->want, c->wantn))
			failf("str_eq", c->s, c->n, "%s", "not equal");
		checks++;
		if (c->wantn > 0 && js_str_eq(d, 0, c->want, c->wantn - 1))
			failf("str_eq", c->s, c->n, "%s", "equal to a prefix");
		checks++;
		if (js_str_eq(d, 0, "zz", 2) ||
		    (c->wantn > 0 && js_str_eq(d, 0, "", 0)))
			failf("str_eq", c->s, c->n, "%s", "equal to junk");
	}
	buf_free(&b);
}

static const struct num_case {
	const char	*s;
	int		 rc;
	double		 want;
	int		 irc;	/* js_int64's return */
	int64_t		 iwant;
} num_cases[] = {
	{ "0", 0, 0.0, 0, 0 },
	{ "-0", 0, -0.0, 0, 0 },
	{ "1.5", 0, 1.5, -1, 0 },
	{ "1.0", 0, 1.0, -1, 0 },
	{ "-2.5e-3", 0, -0.0025, -1, 0 },
	{ "1E2", 0, 100.0, -1, 0 },
	{ "9007199254740993", 0, 9007199254740992.0, 0, 9007199254740993LL },
	{ "9223372036854775807", 0, 9223372036854775807.0, 0, INT64_MAX },
	{ "-9223372036854775808", 0, -9223372036854775808.0, 0, INT64_MIN },
	{ "9223372036854775808", 0, 9223372036854775808.0, -1, 0 },
	{ "-9223372036854775809", 0, -9223372036854775808.0, -1, 0 },
	{ "12345678901234567890", 0, 12345678901234567890.0, -1, 0 },
	{ "1e400", 1, HUGE_VAL, -1, 0 },
	{ "-1e400", 1, -HUGE_VAL, -1, 0 },
	{ "1e-400", 1, 0.0, -1, 0 },
	{ "123456789012345678901234567890123456789012345678901234567890"
	  "1234567890", 0, 1.2345678901234568e69, -1, 0 },
	{ "\"1\"", -1, 0, -1, 0 },
	{ "null", -1, 0, -1, 0 },
};

static void
run_num_cases(struct js_doc *d)
{
	struct js_err e;
	double x;
	int64_t iv;
	size_t i;
	int rc;
	char got[120];

	for (i = 0; i < sizeof(num_cases) / sizeof(num_cases[0]); i++) {
		const struct num_case *c = &num_cases[i];
		size_t n = strlen(c->s);

		checks += 2;
		if (js_scan(d, c->s, n, &e) != 0) {
			failf("num", c->s, n, "rejected: %s", e.msg);
			continue;
		}
		x = 0;
		rc = js_num(d, 0, &x);
		if (rc != c->rc || (rc >= 0 && (x != c->want ||
		    signbit(x) != signbit(c->want)))) {
			snprintf(got, sizeof(got), "js_num %d %.17g", rc, x);
			failf("num", c->s, n, "%s", got);
		}
		iv = 0;
		rc = js_int64(d, 0, &iv);
		if (rc != c->irc || (rc == 0 && iv != c->iwant)) {
			snprintf(got, sizeof(got), "js_int64 %d %lld", rc,
			    (long long)iv);
			failf("int64", c->s, n, "%s", got);
		}
	}
}

/* 5. Depth limit, tape growth and reuse. */
static void
run_limits(struct js_doc *d)
{
	struct js_err e;
	struct buf b = BUF_INIT;
	clock_t t0;
	size_t i;
	int rc;

	/* 256 levels are accepted, 257 rejected at the 257th bracket. */
	for (i = 0; i < 256; i++)
		buf_addc(&b, '[');
	for (i = 0; i < 256; i++)
		buf_addc(&b, ']');
	checks++;
	if (js_scan(d, b.p, b.len, &e) != 0 || d->n != 256 ||
	    d->v[0].end != 256 || d->v[255].n != 0 || d->v[254].n != 1)
		failf("depth", "256 [", 5, "%s", "256 levels not accepted");
	buf_reset(&b);
	for (i = 0; i < 128; i++)
		buf_add(&b, "{\"a\":[", 6);
	buf_add(&b, "1", 1);
	for (i = 0; i < 128; i++)
		buf_add(&b, "]}", 2);
	checks++;
	if (js_scan(d, b.p, b.len, &e) != 0)
		failf("depth", "{\"a\":[ x128", 11, "%s", e.msg);
	buf_reset(&b);
	for (i = 0; i < 257; i++)
		buf_addc(&b, '[');
	for (i = 0; i < 257; i++)
		buf_addc(&b, ']');
	checks++;
	rc = js_scan(d, b.p, b.len, &e);
	if (rc == 0 || e.col != 257 ||
	    strcmp(e.msg, "nesting deeper than 256") != 0)
		failf("depth", "257 [", 5, "%s", "257 levels not rejected");
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_addc(&b, i % 2 ? '[' : '{');
	checks++;
	t0 = clock();
	rc = js_scan(d, b.p, b.len, &e);
	if (rc == 0 || e.col != 2)	/* {[ : the [ is not a member name */
		failf("depth", "{[{[...", 7, "%s", e.msg);
	memset(b.p, '[', b.len);
	checks++;
	rc = js_scan(d, b.p, b.len, &e);
	if (rc == 0 || e.col != 257 || (clock() - t0) > CLOCKS_PER_SEC / 10)
		failf("depth", "[ x100000", 9, "%s", "not rejected fast");

	/* A wide array grows the index; the doc is then reused. */
	buf_reset(&b);
	buf_addc(&b, '[');
	for (i = 0; i < 100000; i++)
		buf_addf(&b, "%s{\"i\":%zu}", i ? "," : "", i);
	buf_addc(&b, ']');
	checks++;
	if (js_scan(d, b.p, b.len, &e) != 0 || d->n != 1 + 100000 * 3 ||
	    d->v[0].n != 100000 ||
	    (rc = js_get(d, js_index(d, 0, -1), "i", 1)) < 0 ||
	    memcmp(js_text(d, rc), "99999", 5) != 0)
		failf("wide", "[{\"i\":0},...", 12, "%s", "wrong index");
	checks++;
	if (js_scan(d, S("[1]"), &e) != 0 || d->n != 2)
		failf("reuse", "[1]", 3, "%s", "wrong index after reuse");
	checks++;
	if (js_scan(d, S("[1,"), &e) == 0 || d->n != 0)
		failf("reuse", "[1,", 3, "%s", "d->n not 0 after an error");
	buf_free(&b);
}

/* 6. JSONTestSuite. */
static int
read_file(const char *path, struct buf *b)
{
	FILE *f;
	char chunk[65536];
	size_t k;

	buf_reset(b);
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, k);
	k = ferror(f);
	fclose(f);
	return k ? -1 : 0;
}

struct decision {
	char	*file;
	int	 accept;
	int	 used;
};

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_suite(struct js_doc *d, const char *dir, const char *decisions)
{
	struct decision dec[128];
	size_t ndec = 0, nfiles = 0, nnames = 0, i, j, off;
	char line[1024], path[4096], *names[1024], *sp, *sp2, *exact;
	struct buf b = BUF_INIT;
	struct dirent *de;
	struct js_err e;
	FILE *f;
	DIR *dp;
	int want, got;
	int counts[3][2] = { { 0 } };	/* [y,n,i][accepted] */

	if ((f = fopen(decisions, "r")) == NULL) {
		printf("FAIL cannot open %s\n", decisions);
		failures++;
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		sp = strchr(line, ' ');
		sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		if (sp == NULL || sp2 == NULL || ndec == 128 ||
		    (strncmp(sp + 1, "accept", 6) != 0 &&
		    strncmp(sp + 1, "reject", 6) != 0)) {
			printf("FAIL %s: bad line: %s", decisions, line);
			failures++;
			continue;
		}
		*sp = '\0';
		dec[ndec].file = strdup(line);
		dec[ndec].accept = sp[1] == 'a';
		dec[ndec].used = 0;
		ndec++;
	}
	fclose(f);

	if ((dp = opendir(dir)) == NULL) {
		printf("FAIL cannot open %s\n", dir);
		failures++;
		return;
	}
	while ((de = readdir(dp)) != NULL && nnames < 1024)
		if (de->d_name[0] != '.')
			names[nnames++] = strdup(de->d_name);
	closedir(dp);
	qsort(names, nnames, sizeof(names[0]), cmp_names);

	for (i = 0; i < nnames; i++) {
		const char *name = names[i];
		int kind;

		switch (name[0]) {
		case 'y': kind = 0; want = 1; break;
		case 'n': kind = 1; want = 0; break;
		case 'i':
			kind = 2;
			want = -1;
			for (j = 0; j < ndec; j++)
				if (strcmp(dec[j].file, name) == 0) {
					want = dec[j].accept;
					dec[j].used = 1;
				}
			if (want == -1) {
				printf("FAIL %s: no line in %s\n", name,
				    decisions);
				failures++;
				continue;
			}
			break;
		default:
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (read_file(path, &b) == -1) {
			printf("FAIL %s: cannot read\n", path);
			failures++;
			continue;
		}
		/* The stream rule: a BOM at the start of the input is skipped. */
		off = b.len >= 3 && memcmp(b.p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
		exact = malloc(b.len - off ? b.len - off : 1);
		memcpy(exact, b.p + off, b.len - off);
		got = js_scan(d, exact, b.len - off, &e) == 0;
		free(exact);
		nfiles++;
		checks++;
		counts[kind][got]++;
		if (got != want) {
			failures++;
			if (got)
				printf("FAIL %s: accepted, want rejected\n",
				    name);
			else
				printf("FAIL %s: rejected (col %zu: %s), want "
				    "accepted\n", name, e.col, e.msg);
		}
	}
	for (j = 0; j < ndec; j++) {
		if (!dec[j].used) {
			printf("FAIL %s: decision for a file not in %s\n",
			    dec[j].file, dir);
			failures++;
		}
		free(dec[j].file);
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	buf_free(&b);
	printf("js_test: %zu suite files: y_ %d/%d accepted, n_ %d/%d "
	    "rejected, i_ %d accepted %d rejected\n", nfiles, counts[0][1],
	    counts[0][0] + counts[0][1], counts[1][0],
	    counts[1][0] + counts[1][1], counts[2][1], counts[2][0]);
}

static int
scan_one(const char *path)
{
	struct js_doc d = { 0 };
	struct buf b = BUF_INIT;
	struct js_err e;
	int rc;

	if (read_file(path, &b) == -1) {
		printf("cannot read %s\n", path);
		return 2;
	}
	if ((rc = js_scan(&d, b.p, b.len, &e)) == 0)
		printf("ok\n");
	else
		printf("col %zu: %s\n", e.col, e.msg);
	js_free(&d);
	buf_free(&b);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct js_doc d = { 0 };

	if (argc == 3 && strcmp(argv[1], "-f") == 0)
		return scan_one(argv[2]);
	if (argc != 1 && argc != 3) {
		fprintf(stderr, "usage: js_test [test_parsing-dir "
		    "i-decisions.txt]\n       js_test -f file\n");
		return 2;
	}
	run_scan_cases(&d);
	run_tape_cases(&d);
	run_get_cases(&d);
	run_str_cases(&d);
	run_num_cases(&d);
	run_limits(&d);
	if (argc == 3)
		run_suite(&d, argv[1], argv[2]);
	js_free(&d);
	printf("js_test: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
