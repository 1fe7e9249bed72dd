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

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "delimiter",	required_argument,	NULL, 'd' },
	{ "columns",	required_argument,	NULL, OPT_COLUMNS },
	{ "all-keys",	no_argument,		NULL, OPT_ALL_KEYS },
	{ "crlf",	no_argument,		NULL, OPT_CRLF },
	{ "no-header",	no_argument,		NULL, OPT_NO_HEADER },
	{ NULL,		0,			NULL, 0 }
};

/* The options, as parsed and checked. */
struct opts {
	int		 delim;
	int		 all_keys;
	int		 crlf;
	int		 no_header;
};

/* A run's state: the columns, the record scanned and the buffers rows reuse. */
struct run {
	struct cli		*c;
	const struct opts	*o;
	struct js_doc		 doc;
	/* The columns: decoded key names, each at names.p + name_off[k]. */
	struct buf		 names;
	size_t			*name_off;
	size_t			 ncols, colcap;
	int			 have_columns;
	int64_t			*other_keys;
	struct buf		 key;		/* add_keys' */
	struct buf		 row, val;	/* a row's text, a value */
	int			*at;		/* each column's value in doc */
	size_t			 atcap;
};

static void	 add_column(struct run *, const char *, size_t);
static int	 find_column(const struct run *, const char *, size_t);
static void	 columns_from_list(struct run *, const char *);
static void	 collect_keys(struct run *);
static int	 read_line(void *);
static void	 columns_from(struct run *);
static void	 write_header(struct run *);
static void	 write_row(struct run *, int64_t);

int
main(int argc, char *argv[])
{
	/* Static: what they hold lives until the process exits. */
	static struct cli c;
	static struct opts o = { .delim = ',' };
	static struct run r = { .c = &c, .o = &o };
	struct js_doc *d = &r.doc;
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
			if ((o.delim = csv_delimiter(optarg)) == -1)
				cli_usage(&c, "--delimiter: '%s' is not one "
				    "ASCII character other than a quote or a "
				    "line end", optarg);
			break;
		case OPT_COLUMNS:
			columns_from_list(&r, optarg);
			break;
		case OPT_ALL_KEYS:
			o.all_keys = 1;
			break;
		case OPT_CRLF:
			o.crlf = 1;
			break;
		case OPT_NO_HEADER:
			o.no_header = 1;
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	if (o.all_keys && r.have_columns)
		cli_usage(&c, "--all-keys and --columns exclude each other");
	cli_start(&c, argc - optind, argv + optind);
	r.other_keys = cli_counter(&c, "with other keys");
	if (o.all_keys)
		collect_keys(&r);
	if (r.have_columns)
		write_header(&r);

	while (cli_next(&c)) {
		if (js_scan(d, c.in.line, c.in.len, &e) == -1) {
			cli_reject(&c, c.in.lineno, c.in.line, c.in.len, 0,
			    js_strerror(&e, msg, sizeof(msg)), NULL);
			continue;
		}
		if (d->v[0].type != JS_OBJECT) {
			snprintf(msg, sizeof(msg), "expected an object, got %s",
			    js_type_name(d->v[0].type));
			cli_reject(&c, c.in.lineno, c.in.line, c.in.len, 0, msg,
			    NULL);
			continue;
		}
		if (!r.have_columns) {
			columns_from(&r);
			write_header(&r);
		}
		write_row(&r, c.in.lineno);
	}
	return cli_finish(&c);
}

static void
add_column(struct run *r, const char *s, size_t n)
{
	if (r->ncols + 1 >= r->colcap) {
		r->colcap = r->colcap ? 2 * r->colcap : 16;
		r->name_off = xrealloc(r->name_off,
		    r->colcap * sizeof(*r->name_off));
	}
	if (r->ncols == 0)
		r->name_off[0] = 0;
	buf_add(&r->names, s, n);
	r->name_off[++r->ncols] = r->names.len;
}

/* The column named s[0..n), or -1. */
static int
find_column(const struct run *r, const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < r->ncols; k++)
		if (r->name_off[k + 1] - r->name_off[k] == n &&
		    memcmp(r->names.p + r->name_off[k], s, n) == 0)
			return (int)k;
	return -1;
}

static void
columns_from_list(struct run *r, const char *list)
{
	const char *s = list, *comma;
	size_t n;
	int dup;

	r->ncols = 0;
	buf_reset(&r->names);
	for (;;) {
		if ((comma = strchr(s, ',')) == NULL)
			comma = s + strlen(s);
		n = (size_t)(comma - s);
		if (n == 0)
			cli_usage(r->c, "--columns: column %zu: empty name",
			    r->ncols + 1);
		if ((dup = find_column(r, s, n)) != -1)
			cli_usage(r->c, "--columns: column %zu: duplicate "
			    "name \"%.*s\" (also column %d)", r->ncols + 1,
			    (int)n, s, dup + 1);
		add_column(r, s, n);
		if (*comma == '\0')
			break;
		s = comma + 1;
	}
	r->have_columns = 1;
}

/* The keys of the object scanned, decoded, added when new. */
static void
add_keys(struct run *r)
{
	const struct js_doc *d = &r->doc;
	uint32_t k;

	for (k = 1; k < d->v[0].end; k = d->v[k + 1].end) {
		buf_reset(&r->key);
		js_str(d, (int)k, &r->key);
		if (find_column(r, r->key.p, r->key.len) == -1)
			add_column(r, r->key.p, r->key.len);
	}
}

static void
columns_from(struct run *r)
{
	add_keys(r);
	r->have_columns = 1;
}

/*
 * --all-keys: read the input once for the union of the keys. Regular
 * files are then read again; anything else is copied as it goes to a
 * temporary file (mode 0600, in $TMPDIR), which the second pass reads.
 * The file is unlinked as soon as it is made, so it goes with the last
 * descriptor however jsonl2csv ends.
 */
static void
collect_keys(struct run *r)
{
	struct cli *c = r->c;
	struct rec_out copy;
	struct js_err e;
	const char *dir, *tmp_path = NULL;
	int fd = -1, dfd, i, regular = c->nfile > 0 && c->insize >= 0;
	struct buf path = BUF_INIT;

	for (i = 0; i < c->nfile; i++)
		regular &= strcmp(c->file[i].name, "-") != 0;
	if (!regular && c->nfile > 1)
		cli_usage(c, "--all-keys reads its input twice: with several "
		    "FILE operands, each must be a regular file");
	if (!regular) {
		if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
			dir = "/tmp";
		buf_addf(&path, "%s/jsonl2csv.XXXXXX", dir);
		tmp_path = buf_cstr(&path);
		if ((fd = mkstemp(path.p)) == -1)
			cli_fail(c, EX_CANTCREAT, "%s: %s", tmp_path,
			    strerror(errno));
		unlink(tmp_path);
		/* The copy's writer closes its own descriptor. */
		if ((dfd = dup(fd)) == -1)
			cli_fail(c, EX_OSERR, "dup: %s", strerror(errno));
		rec_out_fd(&copy, dfd, tmp_path);
	}
	do
		while (cli_read(c, read_line, &c->in) == 1) {
			if (!regular && (rec_putline(&copy, c->in.line,
			    c->in.len) == -1))
				cli_fail(c, EX_IOERR, "%s: write error: %s",
				    tmp_path, strerror(errno));
			if (!c->in.too_long &&
			    js_scan(&r->doc, c->in.line, c->in.len, &e) == 0 &&
			    r->doc.v[0].type == JS_OBJECT)
				add_keys(r);
		}
	while (cli_next_file(c));
	if (regular)
		cli_rewind(c);
	else {
		if (rec_out_close(&copy) == -1)
			cli_fail(c, EX_IOERR, "%s: write error: %s",
			    tmp_path, strerror(errno));
		rec_close(&c->in);
		if (lseek(fd, 0, SEEK_SET) == -1)
			cli_fail(c, EX_IOERR, "%s: %s", tmp_path,
			    strerror(errno));
		rec_fdopen(&c->in, fd, "stdin", c->max_line);
	}
	buf_free(&path);
	r->have_columns = 1;
}

/* rec_getline, as cli_read calls it: blank lines count here. */
static int
read_line(void *in)
{
	return rec_getline(in);
}

static void
write_header(struct run *r)
{
	const struct opts *o = r->o;
	struct buf *b = &r->row;
	size_t k;

	if (o->no_header || r->ncols == 0)
		return;
	buf_reset(b);
	for (k = 0; k < r->ncols; k++) {
		if (k > 0)
			buf_addc(b, o->delim);
		csv_add_field(b, r->names.p + r->name_off[k],
		    r->name_off[k + 1] - r->name_off[k], o->delim);
	}
	if (r->ncols == 1 && b->len == 0)
		buf_adds(b, "\"\"");
	if (o->crlf)
		buf_addc(b, '\r');
	buf_addc(b, '\n');
	cli_write(r->c, b->p, b->len);
}

/*
 * The scanned object as one CSV row. Members are matched to columns in
 * order first (the usual case: every record has the same keys in the
 * same order), by lookup otherwise.
 */
static void
write_row(struct run *r, int64_t row)
{
	const struct opts *o = r->o;
	const struct js_doc *d = &r->doc;
	struct cli *c = r->c;
	struct buf *b = &r->row, *val = &r->val;
	const char *names = r->names.p;
	const size_t *off = r->name_off;
	size_t k, ncols = r->ncols, used = 0;
	uint32_t m = 1, end = d->v[0].end;
	int v, delim = o->delim, *at;

	if (r->atcap < ncols) {
		r->atcap = ncols;
		r->at = xrealloc(r->at, r->atcap * sizeof(*r->at));
	}
	at = r->at;
	for (k = 0; k < ncols; k++) {
		const char *name = names + off[k];
		size_t n = off[k + 1] - off[k];

		if (m < end && js_str_eq(d, (int)m, name, n)) {
			at[k] = (int)m + 1;
			m = d->v[m + 1].end;
		} else {
			at[k] = js_get(d, 0, name, n);
		}
		used += at[k] != -1;
	}
	if (used < d->v[0].n)
		(*r->other_keys)++;

	buf_reset(b);
	for (k = 0; k < ncols; k++) {
		if (k > 0)
			buf_addc(b, delim);
		if ((v = at[k]) == -1 || d->v[v].type == JS_NULL)
			continue;
		if (d->v[v].type != JS_STRING) {
			csv_add_field(b, js_text(d, v), d->v[v].len, delim);
			continue;
		}
		if (d->v[v].n == 0) {		/* no escapes: the bytes inside */
			csv_add_field(b, js_text(d, v) + 1, d->v[v].len - 2,
			    delim);
			continue;
		}
		buf_reset(val);
		js_str(d, v, val);
		if (memchr(val->p, '\0', val->len) != NULL) {
			char msg[128];

			snprintf(msg, sizeof(msg), "column \"%.*s\": a NUL "
			    "character (\\u0000) cannot be written to CSV",
			    (int)(off[k + 1] - off[k]), names + off[k]);
			cli_reject(c, row, c->in.line, c->in.len, 1, msg, NULL);
			return;
		}
		csv_add_field(b, val->p, val->len, delim);
	}
	/* A lone empty field would be an empty line: quote it. */
	if (ncols == 1 && b->len == 0)
		buf_adds(b, "\"\"");
	if (o->crlf)
		buf_addc(b, '\r');
	cli_pass(c, b->p, b->len);
}
