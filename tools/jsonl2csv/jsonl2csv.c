/*
 * jsonl2csv: JSON Lines objects in, RFC 4180 CSV out, for the error
 * files people fix in a spreadsheet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "csv.h"
#include "js.h"

enum {
	OPT_COLUMNS = CLI_TOOL_BASE, OPT_ALL_KEYS, OPT_CRLF, OPT_NO_HEADER
};

static const char usage_text[] =
"usage: jsonl2csv [-d DELIM] [--columns A,B,...] [--all-keys] [--crlf]\n"
"                 [--no-header] [common options] [FILE ...]\n"
"Read JSON Lines objects (FILE or stdin) and write RFC 4180 CSV with a\n"
"header row. Strings are written decoded, numbers as written, null as an\n"
"empty field, arrays and objects as their JSON text.\n"
"  -d, --delimiter DELIM   field delimiter: , (default), tab or \\t, ;, |\n"
"      --columns A,B,...   the columns (keys), in this order; default: the\n"
"                          keys of the first object\n"
"      --all-keys          the union of the keys of all objects, in order of\n"
"                          appearance (reads the input twice; a pipe is\n"
"                          copied to a temporary file in $TMPDIR)\n"
"      --crlf              end rows with CR LF (default LF)\n"
"      --no-header         do not write the header row\n";

static struct option longopts[] = {
	CLI_LONGOPTS,
	{ "delimiter",	required_argument,	NULL, 'd' },
	{ "columns",	required_argument,	NULL, OPT_COLUMNS },
	{ "all-keys",	no_argument,		NULL, OPT_ALL_KEYS },
	{ "crlf",	no_argument,		NULL, OPT_CRLF },
	{ "no-header",	no_argument,		NULL, OPT_NO_HEADER },
	{ NULL,		0,			NULL, 0 }
};

static struct cli c;
static struct js_doc doc;
static int	 delim = ',';
static int	 all_keys;
static int	 crlf;
static int	 no_header;

/* The columns: decoded key names, each at names.p + name_off[k]. */
static struct buf names;
static size_t	*name_off;
static size_t	 ncols, colcap;
static int	 have_columns;
static int64_t	*other_keys;

static void	 add_column(const char *, size_t);
static int	 find_column(const char *, size_t);
static void	 columns_from_list(const char *);
static void	 collect_keys(void);
static int	 read_line(void *);
static void	 columns_from(const struct js_doc *);
static void	 write_header(void);
static void	 write_row(int64_t);

int
main(int argc, char *argv[])
{
	struct js_err e;
	char msg[160];
	int ch;

	cli_init(&c, "jsonl2csv", usage_text, argv);
	c.passed_name = "written";
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "d:", longopts,
	    NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			if ((delim = csv_delimiter(optarg)) == -1)
				cli_usage(&c, "--delimiter: '%s' is not one "
				    "ASCII character other than a quote or a "
				    "line end", optarg);
			break;
		case OPT_COLUMNS:
			columns_from_list(optarg);
			break;
		case OPT_ALL_KEYS:
			all_keys = 1;
			break;
		case OPT_CRLF:
			crlf = 1;
			break;
		case OPT_NO_HEADER:
			no_header = 1;
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	if (all_keys && have_columns)
		cli_usage(&c, "--all-keys and --columns exclude each other");
	cli_start(&c, argc - optind, argv + optind);
	other_keys = cli_counter(&c, "with other keys");
	if (all_keys)
		collect_keys();
	if (have_columns)
		write_header();

	while (cli_next(&c)) {
		if (js_scan(&doc, c.in.line, c.in.len, &e) == -1) {
			cli_reject(&c, c.in.lineno, c.in.line, c.in.len, 0,
			    js_strerror(&e, msg, sizeof(msg)), NULL);
			continue;
		}
		if (doc.v[0].type != JS_OBJECT) {
			snprintf(msg, sizeof(msg), "expected an object, got %s",
			    js_type_name(doc.v[0].type));
			cli_reject(&c, c.in.lineno, c.in.line, c.in.len, 0, msg,
			    NULL);
			continue;
		}
		if (!have_columns) {
			columns_from(&doc);
			write_header();
		}
		write_row(c.in.lineno);
	}
	return cli_finish(&c);
}

static void
add_column(const char *s, size_t n)
{
	if (ncols + 1 >= colcap) {
		colcap = colcap ? 2 * colcap : 16;
		name_off = xrealloc(name_off, colcap * sizeof(*name_off));
	}
	if (ncols == 0)
		name_off[0] = 0;
	buf_add(&names, s, n);
	name_off[++ncols] = names.len;
}

/* The column named s[0..n), or -1. */
static int
find_column(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < ncols; k++)
		if (name_off[k + 1] - name_off[k] == n &&
		    memcmp(names.p + name_off[k], s, n) == 0)
			return (int)k;
	return -1;
}

static void
columns_from_list(const char *list)
{
	const char *s = list, *comma;
	size_t n;
	int dup;

	ncols = 0;
	buf_reset(&names);
	for (;;) {
		if ((comma = strchr(s, ',')) == NULL)
			comma = s + strlen(s);
		n = (size_t)(comma - s);
		if (n == 0)
			cli_usage(&c, "--columns: column %zu: empty name",
			    ncols + 1);
		if ((dup = find_column(s, n)) != -1)
			cli_usage(&c, "--columns: column %zu: duplicate name "
			    "\"%.*s\" (also column %d)", ncols + 1, (int)n, s,
			    dup + 1);
		add_column(s, n);
		if (*comma == '\0')
			break;
		s = comma + 1;
	}
	have_columns = 1;
}

/* The keys of object 0 of d, decoded, added when new. */
static void
add_keys(const struct js_doc *d)
{
	static struct buf key;
	uint32_t k;

	for (k = 1; k < d->v[0].end; k = d->v[k + 1].end) {
		buf_reset(&key);
		js_str(d, (int)k, &key);
		if (find_column(key.p, key.len) == -1)
			add_column(key.p, key.len);
	}
}

static void
columns_from(const struct js_doc *d)
{
	add_keys(d);
	have_columns = 1;
}

/*
 * --all-keys: read the input once for the union of the keys. Regular
 * files are then read again; anything else is copied as it goes to a
 * temporary file (mode 0600, in $TMPDIR), which the second pass reads.
 * The file is unlinked as soon as it is made, so it goes with the last
 * descriptor however jsonl2csv ends.
 */
static void
collect_keys(void)
{
	struct rec_out copy;
	struct js_err e;
	const char *dir, *tmp_path = NULL;
	int fd = -1, r, i, regular = c.nfile > 0 && c.insize >= 0;
	struct buf path = BUF_INIT;

	for (i = 0; i < c.nfile; i++)
		regular &= strcmp(c.file[i].name, "-") != 0;
	if (!regular && c.nfile > 1)
		cli_usage(&c, "--all-keys reads its input twice: with several "
		    "FILE operands, each must be a regular file");
	if (!regular) {
		if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
			dir = "/tmp";
		buf_addf(&path, "%s/jsonl2csv.XXXXXX", dir);
		tmp_path = buf_cstr(&path);
		if ((fd = mkstemp(path.p)) == -1)
			cli_fail(&c, EX_CANTCREAT, "%s: %s", tmp_path,
			    strerror(errno));
		unlink(tmp_path);
		/* The copy's writer closes its own descriptor. */
		if ((r = dup(fd)) == -1)
			cli_fail(&c, EX_OSERR, "dup: %s", strerror(errno));
		rec_out_fd(&copy, r, tmp_path);
	}
	do
		while (cli_read(&c, read_line, &c.in) == 1) {
			if (!regular && (rec_putline(&copy, c.in.line,
			    c.in.len) == -1))
				cli_fail(&c, EX_IOERR, "%s: write error: %s",
				    tmp_path, strerror(errno));
			if (!c.in.too_long &&
			    js_scan(&doc, c.in.line, c.in.len, &e) == 0 &&
			    doc.v[0].type == JS_OBJECT)
				add_keys(&doc);
		}
	while (cli_next_file(&c));
	if (regular)
		cli_rewind(&c);
	else {
		if (rec_out_close(&copy) == -1)
			cli_fail(&c, EX_IOERR, "%s: write error: %s",
			    tmp_path, strerror(errno));
		rec_close(&c.in);
		if (lseek(fd, 0, SEEK_SET) == -1)
			cli_fail(&c, EX_IOERR, "%s: %s", tmp_path,
			    strerror(errno));
		rec_fdopen(&c.in, fd, "stdin", c.max_line);
	}
	buf_free(&path);
	have_columns = 1;
}

/* rec_getline, as cli_read calls it: blank lines count here. */
static int
read_line(void *in)
{
	return rec_getline(in);
}

static void
end_row(struct buf *b)
{
	if (crlf)
		buf_addc(b, '\r');
	buf_addc(b, '\n');
}

static void
write_header(void)
{
	static struct buf b;
	size_t k;

	if (no_header || ncols == 0)
		return;
	buf_reset(&b);
	for (k = 0; k < ncols; k++) {
		if (k > 0)
			buf_addc(&b, delim);
		csv_add_field(&b, names.p + name_off[k],
		    name_off[k + 1] - name_off[k], delim);
	}
	if (ncols == 1 && b.len == 0)
		buf_adds(&b, "\"\"");
	end_row(&b);
	cli_write(&c, b.p, b.len);
}

/*
 * The current object as one CSV row. Members are matched to columns in
 * order first (the usual case: every record has the same keys in the
 * same order), by lookup otherwise.
 */
static void
write_row(int64_t row)
{
	static struct buf b, val;
	static int *at;
	static size_t atcap;
	uint32_t m = 1, end = doc.v[0].end;
	size_t k, used = 0;
	int v;

	if (atcap < ncols) {
		atcap = ncols;
		at = xrealloc(at, atcap * sizeof(*at));
	}
	for (k = 0; k < ncols; k++) {
		const char *name = names.p + name_off[k];
		size_t n = name_off[k + 1] - name_off[k];

		if (m < end && js_str_eq(&doc, (int)m, name, n)) {
			at[k] = (int)m + 1;
			m = doc.v[m + 1].end;
		} else {
			at[k] = js_get(&doc, 0, name, n);
		}
		used += at[k] != -1;
	}
	if (used < doc.v[0].n)
		(*other_keys)++;

	buf_reset(&b);
	for (k = 0; k < ncols; k++) {
		if (k > 0)
			buf_addc(&b, delim);
		if ((v = at[k]) == -1 || doc.v[v].type == JS_NULL)
			continue;
		if (doc.v[v].type != JS_STRING) {
			csv_add_field(&b, js_text(&doc, v), doc.v[v].len, delim);
			continue;
		}
		if (doc.v[v].n == 0) {		/* no escapes: the bytes inside */
			csv_add_field(&b, js_text(&doc, v) + 1,
			    doc.v[v].len - 2, delim);
			continue;
		}
		buf_reset(&val);
		js_str(&doc, v, &val);
		if (memchr(val.p, '\0', val.len) != NULL) {
			char msg[128];

			snprintf(msg, sizeof(msg), "column \"%.*s\": a NUL "
			    "character (\\u0000) cannot be written to CSV",
			    (int)(name_off[k + 1] - name_off[k]),
			    names.p + name_off[k]);
			cli_reject(&c, row, c.in.line, c.in.len, 1, msg, NULL);
			return;
		}
		csv_add_field(&b, val.p, val.len, delim);
	}
	/* A lone empty field would be an empty line: quote it. */
	if (ncols == 1 && b.len == 0)
		buf_adds(&b, "\"\"");
	if (crlf)
		buf_addc(&b, '\r');
	cli_pass(&c, b.p, b.len);
}
