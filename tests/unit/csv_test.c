/*
 * csv_test: the CSV parser on a table of inputs, each read twice: with
 * the normal buffer and with a 1-byte starting buffer (every record then
 * straddles reads), and the field writer.
 *
 * A record shows as "L<line>:f1|f2" (CR, LF and NUL as \r \n \0), a
 * blank line as "L<line>:blank", a bad record as "L<line>:!<error>/<field>
 * raw=<its text>". Records are joined with " ; ".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"

struct tcase {
	const char	*in;
	size_t		 len;	/* 0: strlen */
	int		 delim;
	const char	*want;
};

#define T(s, w)		{ s, sizeof(s) - 1, ',', w }
#define TD(s, d, w)	{ s, sizeof(s) - 1, d, w }

static const struct tcase cases[] = {
	T("a,b\nc,d\n", "L1:a|b ; L2:c|d"),
	T("a,b", "L1:a|b"),
	T("a,\"b,c\"\r\nd,e", "L1:a|b,c ; L2:d|e"),
	T("\"x\"\"y\",z\n", "L1:x\"y|z"),
	T("\"multi\nline\",2\n3,4\n", "L1:multi\\nline|2 ; L3:3|4"),
	T("\"x\r\ny\",1\r\n2,3\r\n", "L1:x\\r\\ny|1 ; L3:2|3"),
	T("\"a\rb\",1\r2\r", "L1:a\\rb|1 ; L3:2"),
	T("a\rb\rc", "L1:a ; L2:b ; L3:c"),
	T("a,b\n\nc,d\n", "L1:a|b ; L2:blank ; L3:c|d"),
	T("a,b\r\n\r\n\r\nc", "L1:a|b ; L2:blank ; L3:blank ; L4:c"),
	T("a,\n", "L1:a|"),
	T(",\n", "L1:|"),
	T("\"\"\n", "L1:"),
	T("\"\"", "L1:"),
	T("\"a\"\"\"", "L1:a\""),
	T("\"\"\"\"", "L1:\""),
	T("\"a,b\"\"c\"\"\",\"\"\"\",x\n", "L1:a,b\"c\"|\"|x"),
	T("a\r", "L1:a"),
	T("a\r\n", "L1:a"),
	T(" a , b \n", "L1: a | b "),
	T("\xc3\xa9,\xe6\x9d\xb1\n", "L1:\xc3\xa9|\xe6\x9d\xb1"),
	TD("a\tb,c\n", '\t', "L1:a|b,c"),
	TD("a;\"b;c\";d\n", ';', "L1:a|b;c|d"),
	TD("a|b\n", '|', "L1:a|b"),
	/* Errors. */
	T("a,\"bc\n", "L1:!1/2 raw=a,\"bc\\n"),
	T("a,\"bc", "L1:!1/2 raw=a,\"bc"),
	T("\"", "L1:!1/1 raw=\""),
	T("a,b\"c,d\ne,f\n", "L1:!2/2 raw=a,b\"c,d ; L2:e|f"),
	T("a\"\nb\n", "L1:!2/1 raw=a\" ; L2:b"),
	T("\"a\"b,c\nd\n", "L1:!3/1 raw=\"a\"b,c ; L2:d"),
	T("x,\"a\" \r\ny\r\n", "L1:!3/2 raw=x,\"a\"  ; L2:y"),
	{ "a,b\0c\nd\n", 8, ',', "L1:!4/2 raw=a,b\\0c ; L2:d" },
	{ "\"a\0\",b\n", 7, ',', "L1:!4/1 raw=\"a\\0\",b" },
	{ NULL, 0, 0, NULL }
};

static void
show(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		switch (s[i]) {
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\0': buf_adds(b, "\\0"); break;
		default: buf_addc(b, s[i]);
		}
}

/* Parse in[0..len) from a temporary file; the records as text in out. */
static int
run(const struct tcase *t, size_t cap, struct buf *out)
{
	char path[] = "/tmp/csv_test.XXXXXX";
	struct rec_in in;
	struct csv c;
	size_t k, len = t->len;
	int fd, r, first = 1;

	if ((fd = mkstemp(path)) == -1 || write(fd, t->in, len) != (ssize_t)len ||
	    close(fd) == -1 || rec_open(&in, path, 0) == -1) {
		perror(path);
		exit(2);
	}
	unlink(path);
	if (cap)
		in.cap = cap;
	csv_init(&c, &in, t->delim);
	buf_reset(out);
	while ((r = csv_next(&c)) == 1) {
		if (!first)
			buf_adds(out, " ; ");
		first = 0;
		buf_addf(out, "L%lld:", (long long)c.line);
		if (c.blank) {
			buf_adds(out, "blank");
		} else if (c.error) {
			buf_addf(out, "!%d/%zu raw=", c.error, c.errfield);
			show(out, c.raw, c.rawlen);
		} else {
			for (k = 0; k < c.nf; k++) {
				if (k)
					buf_addc(out, '|');
				show(out, c.f[k].p, c.f[k].n);
			}
		}
		/* The record's text and line end are exactly its bytes. */
		if (c.offset + c.rawlen + c.endlen > len ||
		    memcmp(t->in + c.offset, c.raw, c.rawlen + c.endlen) != 0)
			buf_adds(out, " BAD-RAW");
	}
	csv_free(&c);
	rec_close(&in);
	return r;
}

static int
test_writer(void)
{
	static const struct { const char *in, *want; } w[] = {
		{ "abc", "abc" }, { "a,b", "\"a,b\"" }, { "a\"b", "\"a\"\"b\"" },
		{ "a\nb", "\"a\nb\"" }, { "a\rb", "\"a\rb\"" }, { "", "" },
		{ "\"", "\"\"\"\"" }, { " x ", " x " }, { "a;b", "a;b" },
		{ NULL, NULL }
	};
	struct buf b = BUF_INIT;
	int i, fails = 0;

	for (i = 0; w[i].in != NULL; i++) {
		buf_reset(&b);
		csv_add_field(&b, w[i].in, strlen(w[i].in), ',');
		if (b.len != strlen(w[i].want) ||
		    memcmp(b.p, w[i].want, b.len) != 0) {
			fprintf(stderr, "writer %d: got [%.*s], want [%s]\n", i,
			    (int)b.len, b.p, w[i].want);
			fails++;
		}
	}
	buf_reset(&b);
	csv_add_field(&b, "a;b", 3, ';');
	if (b.len != 5 || memcmp(b.p, "\"a;b\"", 5) != 0) {
		fprintf(stderr, "writer: ';' delimiter not quoted\n");
		fails++;
	}
	buf_free(&b);
	return fails;
}

/* A field longer than the read buffer, among short records. */
static int
test_long(void)
{
	struct tcase t;
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	size_t i, n = 3 * REC_BUFSIZE + 17;
	int fails = 0;

	buf_adds(&in, "a,b\r\n\"");
	buf_adds(&want, "L1:a|b ; L2:");
	for (i = 0; i < n; i++) {
		buf_addc(&in, i % 1000 == 999 ? '\n' : 'x');
		show(&want, i % 1000 == 999 ? "\n" : "x", 1);
	}
	buf_adds(&in, "\"\"\",2\r\nc,d\r\n");
	buf_adds(&want, "\"|2 ; L");
	buf_addf(&want, "%zu:c|d", 3 + n / 1000);
	t.in = in.p;
	t.len = in.len;
	t.delim = ',';
	run(&t, 0, &got);
	if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0) {
		fprintf(stderr, "long field: got %zu bytes, want %zu\n",
		    got.len, want.len);
		fails++;
	}
	buf_free(&in);
	buf_free(&want);
	buf_free(&got);
	return fails;
}

int
main(void)
{
	struct buf got = BUF_INIT;
	const struct tcase *t;
	size_t caps[] = { 0, 1 }, k;
	int fails = 0, n = 0;

	for (t = cases; t->in != NULL; t++)
		for (k = 0; k < 2; k++) {
			n++;
			if (run(t, caps[k], &got) != 0 ||
			    got.len != strlen(t->want) ||
			    memcmp(got.p, t->want, got.len) != 0) {
				fprintf(stderr, "case %d (cap %zu): got [%.*s]\n"
				    "    want [%s]\n", (int)(t - cases),
				    caps[k], (int)got.len, got.p, t->want);
				fails++;
			}
		}
	fails += test_writer();
	fails += test_long();
	buf_free(&got);
	if (fails)
		fprintf(stderr, "csv_test: %d failed\n", fails);
	else
		printf("csv_test: %d parser cases, writer and long field ok\n",
		    n);
	return fails != 0;
}
