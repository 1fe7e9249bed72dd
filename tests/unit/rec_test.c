/* Unit tests for rec (line reader, writer, annotation), buf and utf8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "rec.h"
#include "utf8.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);		\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* Read s back through a file with a rec_in; collect lines as "a|b|c". */
static void
lines_of(const char *s, size_t n, size_t max_line, int skip_blank,
    struct buf *out, int64_t *blank)
{
	char path[] = "/tmp/rec_test.XXXXXX";
	struct rec_in in;
	int fd, r;

	if ((fd = mkstemp(path)) == -1 || (size_t)write(fd, s, n) != n) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
	if (rec_open(&in, path, max_line) == -1) {
		perror(path);
		exit(2);
	}
	unlink(path);
	buf_reset(out);
	while ((r = skip_blank ? rec_next(&in) : rec_getline(&in)) == 1) {
		buf_add(out, in.line, in.len);
		if (in.too_long)
			buf_adds(out, "+");
		buf_addc(out, '|');
	}
	CHECK(r == 0, "reader error");
	*blank = in.blank;
	rec_close(&in);
	buf_cstr(out);
}

static void
test_lines(void)
{
	static const struct {
		const char *in;
		size_t max;
		int skip_blank;
		const char *want;
		int64_t blank;
	} cases[] = {
		{ "a\nb\n", 0, 0, "a|b|", 0 },
		{ "a\r\nb\r\n", 0, 0, "a|b|", 0 },
		{ "a\nb", 0, 0, "a|b|", 0 },		/* no final newline */
		{ "a\r\nb\r", 0, 0, "a|b|", 0 },
		{ "\xef\xbb\xbf{}\n", 0, 0, "{}|", 0 },	/* BOM at start */
		{ "{}\n\xef\xbb\xbf{}\n", 0, 0, "{}|\xef\xbb\xbf{}|", 0 },
		{ "a\n\n  \n\t\r\nb\n", 0, 1, "a|b|", 3 },
		{ "a\n\nb\n", 0, 0, "a||b|", 0 },
		{ "", 0, 0, "", 0 },
		{ "\n", 0, 1, "", 1 },
		{ "abcdefgh\nxy\n", 4, 0, "abcd+|xy|", 0 },
		{ "abcdefgh", 4, 0, "abcd+|", 0 },
		{ "a\x00" "b\n", 0, 0, "a", 0 },	/* compared by length below */
	};
	struct buf out = BUF_INIT;
	int64_t blank;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = i == 12 ? 4 : strlen(cases[i].in);
		lines_of(cases[i].in, n, cases[i].max, cases[i].skip_blank,
		    &out, &blank);
		if (i == 12) {
			CHECK(out.len == 4 && memcmp(out.p, "a\0b|", 4) == 0,
			    "NUL byte kept inside a line");
			continue;
		}
		CHECK(strcmp(out.p, cases[i].want) == 0,
		    "case %zu: got \"%s\", want \"%s\"", i, out.p,
		    cases[i].want);
		CHECK(blank == cases[i].blank, "case %zu: blank %lld", i,
		    (long long)blank);
	}

	/* A line far larger than the read buffer, then a short one. */
	{
		size_t big = 3 * REC_BUFSIZE + 17;
		char *s = xmalloc(big + 4);

		memset(s, 'x', big);
		memcpy(s + big, "\nz\n", 3);
		lines_of(s, big + 3, 0, 0, &out, &blank);
		CHECK(out.len == big + 3 && out.p[big] == '|' &&
		    out.p[big + 1] == 'z', "big line");
		free(s);
	}
	buf_free(&out);
}

static void
test_annotate(void)
{
	static const struct rec_field f[] = {
		{ "_error_row", REC_INT, NULL, 0, 7 },
		{ "_error_message", REC_STR, "bad \"x\"", 7, 0 },
	};
	static const struct {
		const char *line;
		size_t len;
		int is_object;
		const char *want;
	} cases[] = {
		{ "{\"a\":1}", 7, 1,
		  "{\"a\":1,\"_error_row\":7,\"_error_message\":\"bad \\\"x\\\"\"}" },
		{ "{ }", 3, 1,
		  "{\"_error_row\":7,\"_error_message\":\"bad \\\"x\\\"\"}" },
		{ "{}", 2, 1,
		  "{\"_error_row\":7,\"_error_message\":\"bad \\\"x\\\"\"}" },
		{ "{\"a\":1} \t", 9, 1,
		  "{\"a\":1,\"_error_row\":7,\"_error_message\":\"bad \\\"x\\\"\"}" },
		{ "nope\t", 5, 0,
		  "{\"_error_row\":7,\"_error_message\":\"bad \\\"x\\\"\",\"_raw\":\"nope\\t\"}" },
		{ "a\xff", 2, 0,
		  "{\"_error_row\":7,\"_error_message\":\"bad \\\"x\\\"\",\"_raw\":\"a\xef\xbf\xbd\",\"_raw_base64\":\"Yf8=\"}" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		rec_annotate(&b, cases[i].line, cases[i].len,
		    cases[i].is_object, f, 2);
		buf_cstr(&b);
		CHECK(strcmp(b.p, cases[i].want) == 0, "annotate %zu: %s", i,
		    b.p);
	}
	buf_free(&b);
}

static void
test_buf(void)
{
	struct buf b = BUF_INIT;

	buf_add_jstr(&b, "a\"\\\b\f\n\r\t\x01\x7f\0z\xc3\xa9", 14);
	buf_cstr(&b);
	CHECK(strcmp(b.p, "\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u007f\\u0000z\xc3\xa9\"")
	    == 0, "jstr: %s", b.p);
	buf_reset(&b);
	buf_add_b64(&b, "", 0);
	buf_add_b64(&b, "f", 1);
	buf_add_b64(&b, "fo", 2);
	buf_add_b64(&b, "foo", 3);
	buf_add_b64(&b, "foob", 4);
	buf_cstr(&b);
	CHECK(strcmp(b.p, "Zg==Zm8=Zm9vZm9vYg==") == 0, "b64: %s", b.p);
	buf_reset(&b);
	buf_add_i64(&b, INT64_MIN);
	buf_addc(&b, ' ');
	buf_add_i64(&b, 0);
	buf_cstr(&b);
	CHECK(strcmp(b.p, "-9223372036854775808 0") == 0, "i64: %s", b.p);
	buf_free(&b);
}

static void
test_utf8(void)
{
	static const struct {
		const char *s;
		size_t valid;
	} cases[] = {
		{ "plain ascii text", 16 },
		{ "caf\xc3\xa9", 5 },
		{ "\xf0\x9f\x98\x80!", 5 },
		{ "a\xc0\xaf", 1 },		/* overlong '/' */
		{ "ab\xed\xa0\x80", 2 },	/* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", 0 },	/* above U+10FFFF */
		{ "abc\xe2\x82", 3 },		/* truncated */
		{ "\x80", 0 },			/* lone continuation */
		{ "\xe0\x9f\xbf", 0 },		/* overlong 3-byte */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(utf8_valid(cases[i].s, strlen(cases[i].s)) ==
		    cases[i].valid, "utf8 case %zu", i);
}

/* Up to limit lines of in as "lineno:offset:line+". */
static void
read_rest(struct rec_in *in, int64_t limit, struct buf *out)
{
	int64_t n;

	for (n = 0; n < limit && rec_next(in) == 1; n++)
		buf_addf(out, "%lld:%llu:%.*s%s\n", (long long)in->lineno,
		    (unsigned long long)in->offset, (int)in->len, in->line,
		    in->too_long ? "+" : "");
}

/*
 * rec_hold, then rec_rewind after any number of lines, reads the same
 * lines with the same numbers and offsets as one plain pass: random
 * inputs with a BOM or not, CRLF, blank lines, lines past max_line, and
 * sizes past the reader's buffer.
 */
static void
test_hold(void)
{
	char path[32];
	struct buf text = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct rec_in in;
	int round, fd;
	size_t i, len;
	int64_t ahead;

	srand(7);
	for (round = 0; round < 200; round++) {
		buf_reset(&text);
		if (rand() % 4 == 0)
			buf_adds(&text, "\xef\xbb\xbf");
		for (i = rand() % (round % 20 == 0 ? 30000 : 40); i > 0; i--) {
			len = rand() % 8 == 0 ? rand() % 700 : rand() % 30;
			while (len-- > 0)
				buf_addc(&text, (char)('a' + rand() % 26));
			buf_adds(&text, rand() % 5 == 0 ? " \r\n" :
			    rand() % 7 == 0 ? "\n\n" : "\n");
		}
		if (rand() % 3 == 0)
			buf_adds(&text, "tail");
		strcpy(path, "/tmp/rec_hold.XXXXXX");
		if ((fd = mkstemp(path)) == -1 ||
		    write(fd, text.p, text.len) != (ssize_t)text.len) {
			perror("mkstemp");
			exit(2);
		}
		close(fd);
		buf_reset(&want);
		rec_open(&in, path, 512);
		read_rest(&in, INT64_MAX, &want);
		buf_addf(&want, "blank %lld\n", (long long)in.blank);
		rec_close(&in);
		buf_reset(&got);
		rec_open(&in, path, 512);
		ahead = rand() % 3 == 0 ? INT64_MAX : rand() % 50;
		if (rand() % 2 == 0)	/* a line read before the hold */
			read_rest(&in, 1, &got);
		rec_hold(&in);
		for (i = 0; (int64_t)i < ahead && rec_next(&in) == 1; i++)
			;
		rec_rewind(&in);
		read_rest(&in, INT64_MAX, &got);
		buf_addf(&got, "blank %lld\n", (long long)in.blank);
		rec_close(&in);
		unlink(path);
		CHECK(got.len == want.len && memcmp(got.p, want.p, got.len) ==
		    0, "hold: round %d (%zu bytes, %lld ahead) reads otherwise",
		    round, text.len, (long long)ahead);
	}
	buf_free(&text);
	buf_free(&want);
	buf_free(&got);
}

int
main(void)
{
	test_lines();
	test_hold();
	test_annotate();
	test_buf();
	test_utf8();
	if (failures)
		fprintf(stderr, "rec_test: %d failures\n", failures);
	return failures != 0;
}
