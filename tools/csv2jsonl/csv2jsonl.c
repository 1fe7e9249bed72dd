/*
 * csv2jsonl: RFC 4180 CSV in, one JSON object per record out (jq -c
 * style), keys from the header in column order.
 */
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cli.h"
#include "csv.h"
#include "utf8.h"

enum { EMPTY_STRING, EMPTY_NULL, EMPTY_OMIT };
enum {
	OPT_NO_HEADER = CLI_TOOL_BASE, OPT_COLUMNS, OPT_INFER, OPT_EMPTY,
	OPT_ENCODING, OPT_ROW_FIELD
};

static const char usage_text[] =
"usage: csv2jsonl [-d DELIM] [--no-header] [--columns A,B,...] [--infer]\n"
"                 [--empty null|string|omit] [--encoding utf-8|latin1|cp1252]\n"
"                 [--row-field NAME] [common options] [FILE ...]\n"
"Read RFC 4180 CSV (FILE or stdin) and write one JSON object per record,\n"
"keyed by the header, values as strings.\n"
"  -d, --delimiter DELIM   field delimiter: , (default), tab or \\t, ;, |\n"
"      --no-header         the first row is data; keys from --columns,\n"
"                          else \"1\", \"2\", ...\n"
"      --columns A,B,...   key names (with a header row: rename its columns)\n"
"      --infer             integers, decimals, true and false as JSON\n"
"                          numbers and booleans when the text is exactly\n"
"                          the JSON text (007 and 1e5 stay strings)\n"
"      --empty MODE        an empty field: string (\"\", default), null, omit\n"
"      --encoding ENC      input encoding: utf-8 (default; invalid UTF-8\n"
"                          is a bad row), latin1, cp1252\n"
"      --row-field NAME    add NAME: the row number (header = row 1)\n";

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "delimiter",	required_argument,	NULL, 'd' },
	{ "no-header",	no_argument,		NULL, OPT_NO_HEADER },
	{ "columns",	required_argument,	NULL, OPT_COLUMNS },
	{ "infer",	no_argument,		NULL, OPT_INFER },
	{ "empty",	required_argument,	NULL, OPT_EMPTY },
	{ "encoding",	required_argument,	NULL, OPT_ENCODING },
	{ "row-field",	required_argument,	NULL, OPT_ROW_FIELD },
	{ NULL,		0,			NULL, 0 }
};

/* The options, as parsed and checked. */
struct opts {
	int		 delim;
	int		 no_header;
	const char	*columns;
	int		 infer;
	int		 empty_mode;
	iconv_t		 cd;		/* --encoding, or (iconv_t)-1 */
	const char	*row_field;
};

/* A run's state: the parser, the keys and the buffers records reuse. */
struct run {
	struct cli		*c;
	const struct opts	*o;
	struct csv		 p;
	/* Keys: "name": for each column, as JSON text, at key_off[k]. */
	struct buf		 keys;
	size_t			*key_off;
	size_t			 nkeys;
	struct buf		 row_key;
	struct buf		 tx;		/* transcoded fields */
	struct csv_field	*v;
	size_t			 vcap;
	struct buf		 ob, tmp;	/* emit's */
};

static void	 parse_options(struct cli *, struct opts *, int, char **);
static void	 convert(struct run *);
static int	 parse_delimiter(struct cli *, const char *);
static int	 next_record(struct run *);
static void	 set_keys(struct run *, struct csv_field *, size_t,
		    const char *);
static void	 read_header(struct run *);
static void	 numbered_keys(struct run *, size_t);
static void	 bad_row(struct run *, const char *);
static int	 values(struct run *, struct csv_field **, char *, size_t);
static void	 emit(struct run *, const struct csv_field *, int);
static char	*copy_words(char *, const char *, size_t);
static int	 is_json_literal(const char *, size_t);

int
main(int argc, char *argv[])
{
	/* Static: what they hold lives until the process exits. */
	static struct cli c;
	static struct opts o = { .delim = ',', .empty_mode = EMPTY_STRING,
	    .cd = (iconv_t)-1 };
	static struct run r;

	parse_options(&c, &o, argc, argv);
	r.c = &c;
	r.o = &o;
	if (o.columns != NULL)
		set_keys(&r, NULL, 0, o.columns);
	cli_start(&c, argc - optind, argv + optind);
	do
		convert(&r);
	while (cli_next_file(&c));
	return cli_finish(&c);
}

/* One FILE (or stdin): its header, then its records. */
static void
convert(struct run *r)
{
	struct cli *c = r->c;
	struct csv *p = &r->p;
	const struct opts *o = r->o;
	struct csv_field *v;
	char msg[128];

	csv_init(p, &c->in, o->delim);
	if (!o->no_header)
		read_header(r);
	while (next_record(r)) {
		if (p->blank) {
			c->in.blank++;
			continue;
		}
		cli_tick(c);
		if (p->rawlen > c->in.max_line) {
			snprintf(msg, sizeof(msg), "record longer than "
			    "--max-line (%zu bytes); _raw holds its start",
			    c->in.max_line);
			bad_row(r, msg);
			continue;
		}
		if (p->error != CSV_OK) {
			snprintf(msg, sizeof(msg), "field %zu: %s", p->errfield,
			    csv_strerror(p->error));
			bad_row(r, msg);
			continue;
		}
		if (r->nkeys == 0)
			numbered_keys(r, p->nf);
		if (p->nf != r->nkeys) {
			snprintf(msg, sizeof(msg), "expected %zu field%s, "
			    "got %zu", r->nkeys, r->nkeys == 1 ? "" : "s",
			    p->nf);
			bad_row(r, msg);
			continue;
		}
		if (values(r, &v, msg, sizeof(msg)) == -1) {
			bad_row(r, msg);
			continue;
		}
		emit(r, v, v == p->f);
	}
	csv_free(p);
}

static void
parse_options(struct cli *c, struct opts *o, int argc, char **argv)
{
	int ch, encoding_wanted = 0;

	cli_init(c, "csv2jsonl", usage_text, argv);
	c->unit = "rows";
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "d:", longopts,
	    NULL)) != -1) {
		if (cli_option(c, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o->delim = parse_delimiter(c, optarg);
			break;
		case OPT_NO_HEADER:
			o->no_header = 1;
			break;
		case OPT_COLUMNS:
			o->columns = optarg;
			break;
		case OPT_INFER:
			o->infer = 1;
			break;
		case OPT_EMPTY:
			if (strcmp(optarg, "string") == 0)
				o->empty_mode = EMPTY_STRING;
			else if (strcmp(optarg, "null") == 0)
				o->empty_mode = EMPTY_NULL;
			else if (strcmp(optarg, "omit") == 0)
				o->empty_mode = EMPTY_OMIT;
			else
				cli_usage(c, "--empty: '%s' is not null, "
				    "string or omit", optarg);
			break;
		case OPT_ENCODING:
			encoding_wanted = 1;
			if (strcasecmp(optarg, "latin1") == 0 ||
			    strcasecmp(optarg, "iso-8859-1") == 0)
				o->cd = iconv_open("UTF-8", "ISO-8859-1");
			else if (strcasecmp(optarg, "cp1252") == 0 ||
			    strcasecmp(optarg, "windows-1252") == 0)
				o->cd = iconv_open("UTF-8", "CP1252");
			else if (strcasecmp(optarg, "utf-8") == 0 ||
			    strcasecmp(optarg, "utf8") == 0)
				encoding_wanted = 0;
			else
				cli_usage(c, "--encoding: '%s' is not utf-8, "
				    "latin1 or cp1252", optarg);
			break;
		case OPT_ROW_FIELD:
			if (utf8_valid(optarg, strlen(optarg)) != strlen(optarg))
				cli_usage(c, "--row-field: not UTF-8");
			o->row_field = optarg;
			break;
		default:
			cli_usage(c, NULL);
		}
	}
	if (o->cd == (iconv_t)-1 && encoding_wanted)
		cli_fail(c, EX_UNAVAILABLE, "--encoding: iconv: %s",
		    strerror(errno));
}

static int
parse_delimiter(struct cli *c, const char *s)
{
	int d = csv_delimiter(s);

	if (d == -1)
		cli_usage(c, "--delimiter: '%s' is not one ASCII character "
		    "other than a quote or a line end", s);
	return d;
}

/* csv_next, with the tool's answers to its failures. 0 at the end. */
static int
next_record(struct run *r)
{
	struct cli *c = r->c;
	struct csv *p = &r->p;
	int got;

	if ((got = cli_read(c, csv_read, p)) == -2)
		cli_fail(c, EX_DATAERR, "%srow %" PRId64 " (line %" PRId64
		    "): record longer than --max-line (%zu bytes)", c->at,
		    p->row + 1,
		    p->nextline + 1, c->in.max_line);
	return got;
}

/*
 * Key names from header fields, or (f == NULL) from the comma-separated
 * list. Duplicate and empty names are usage errors naming the column.
 */
static void
set_keys(struct run *r, struct csv_field *f, size_t n, const char *list)
{
	struct cli *c = r->c;
	const struct opts *o = r->o;
	struct csv_field *names = f;
	const char *s, *comma;
	size_t i, j;

	if (f == NULL) {
		for (n = 1, s = list; (s = strchr(s, ',')) != NULL; s++)
			n++;
		names = xcalloc(n, sizeof(*names));
		for (i = 0, s = list; i < n; i++, s = comma + 1) {
			if ((comma = strchr(s, ',')) == NULL)
				comma = s + strlen(s);
			names[i].p = s;
			names[i].n = (size_t)(comma - s);
		}
	}
	buf_reset(&r->keys);
	free(r->key_off);
	r->key_off = xcalloc(n + 1, sizeof(*r->key_off));
	for (i = 0; i < n; i++) {
		const char *what = f ? "header" : "--columns";

		if (names[i].n == 0)
			cli_usage(c, "%s: column %zu: empty name", what, i + 1);
		for (j = 0; j < i; j++)
			if (names[j].n == names[i].n &&
			    memcmp(names[j].p, names[i].p, names[i].n) == 0)
				cli_usage(c, "%s: column %zu: duplicate name "
				    "\"%.*s\" (also column %zu)", what, i + 1,
				    (int)names[i].n, names[i].p, j + 1);
		if (o->row_field != NULL &&
		    strlen(o->row_field) == names[i].n &&
		    memcmp(o->row_field, names[i].p, names[i].n) == 0)
			cli_usage(c, "--row-field: \"%s\" is also column %zu",
			    o->row_field, i + 1);
		if (utf8_valid(names[i].p, names[i].n) != names[i].n)
			cli_usage(c, "%s: column %zu: name is not UTF-8", what,
			    i + 1);
		r->key_off[i] = r->keys.len;
		buf_add_jstr(&r->keys, names[i].p, names[i].n);
		buf_addc(&r->keys, ':');
	}
	r->key_off[n] = r->keys.len;
	buf_grow(&r->keys, 8);		/* for copy_words */
	r->nkeys = n;
	if (o->row_field != NULL) {
		buf_reset(&r->row_key);
		buf_add_jstr(&r->row_key, o->row_field, strlen(o->row_field));
		buf_addc(&r->row_key, ':');
	}
	if (f == NULL)
		free(names);
}

/* The first non-blank record gives the keys (or is checked against them). */
static void
read_header(struct run *r)
{
	struct cli *c = r->c;
	struct csv *p = &r->p;
	const struct opts *o = r->o;
	struct csv_field *v;
	char msg[160];

	while (next_record(r) && p->blank)
		c->in.blank++;
	if (p->row == 0 || p->blank)
		return;			/* empty input: nothing to do */
	if (p->error != CSV_OK)
		cli_fail(c, EX_DATAERR, "%srow %" PRId64 " (line %" PRId64
		    "): header: field %zu: %s", c->at, p->row, p->line,
		    p->errfield, csv_strerror(p->error));
	if (o->columns != NULL) {
		if (p->nf != r->nkeys)
			cli_fail(c, EX_DATAERR, "%srow %" PRId64 " (line %"
			    PRId64 "): header has %zu fields, --columns "
			    "names %zu", c->at, p->row, p->line, p->nf,
			    r->nkeys);
		return;
	}
	if (values(r, &v, msg, sizeof(msg)) == -1)
		cli_fail(c, EX_DATAERR, "%srow %" PRId64 " (line %" PRId64
		    "): header: %s", c->at, p->row, p->line, msg);
	set_keys(r, v, p->nf, NULL);
}

/* --no-header without --columns: keys "1", "2", ... */
static void
numbered_keys(struct run *r, size_t n)
{
	const struct opts *o = r->o;
	size_t i;

	r->key_off = xcalloc(n + 1, sizeof(*r->key_off));
	for (i = 0; i < n; i++) {
		r->key_off[i] = r->keys.len;
		buf_addf(&r->keys, "\"%zu\":", i + 1);
	}
	r->key_off[n] = r->keys.len;
	buf_grow(&r->keys, 8);		/* for copy_words */
	r->nkeys = n;
	if (o->row_field != NULL && r->row_key.len == 0) {
		buf_add_jstr(&r->row_key, o->row_field, strlen(o->row_field));
		buf_addc(&r->row_key, ':');
	}
}

/* Divert the current record; without --rejects, stop with exit 65. */
static void
bad_row(struct run *r, const char *msg)
{
	struct cli *c = r->c;
	struct csv *p = &r->p;
	struct rec_field line = { "_error_line", REC_INT, NULL, 0, p->line };
	struct cli_err e = { .row = p->row, .msg = msg, .extra = &line,
	    .nextra = 1 };
	char loc[64];

	snprintf(loc, sizeof(loc), "row %" PRId64 " (line %" PRId64 ")",
	    p->row, p->line);
	c->loc = loc;
	cli_reject_err(c, p->raw, p->rawlen > c->in.max_line ? c->in.max_line :
	    p->rawlen, &e);
}

/* Does the record hold a byte >= 0x80? */
static int
has_high(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t w, acc = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return (acc & 0x8080808080808080ULL) != 0;
}

/*
 * The record's values as UTF-8: the fields themselves, checked, or
 * transcoded with --encoding. -1 with msg when a field cannot be.
 */
static int
values(struct run *r, struct csv_field **out, char *msg, size_t size)
{
	struct csv *p = &r->p;
	size_t k, need, left;
	char *in, *o;

	*out = p->f;
	if (!has_high(p->raw, p->rawlen))
		return 0;
	if (r->o->cd == (iconv_t)-1) {
		if (utf8_valid(p->raw, p->rawlen) == p->rawlen)
			return 0;
		for (k = 0; k < p->nf; k++)
			if (utf8_valid(p->f[k].p, p->f[k].n) != p->f[k].n)
				break;
		snprintf(msg, size, "field %zu: invalid UTF-8 (see "
		    "--encoding)", k + 1);
		return -1;
	}
	if (r->vcap < p->nf) {
		r->vcap = p->nf;
		r->v = xrealloc(r->v, r->vcap * sizeof(*r->v));
	}
	/* cp1252 needs at most 3 bytes per byte: one allocation. */
	buf_reset(&r->tx);
	buf_grow(&r->tx, 3 * p->rawlen + 1);
	for (k = 0; k < p->nf; k++) {
		if (!has_high(p->f[k].p, p->f[k].n)) {
			r->v[k] = p->f[k];
			continue;
		}
		in = (char *)p->f[k].p;
		left = p->f[k].n;
		o = r->tx.p + r->tx.len;
		need = r->tx.cap - r->tx.len;
		iconv(r->o->cd, NULL, NULL, NULL, NULL);
		if (iconv(r->o->cd, &in, &left, &o, &need) == (size_t)-1) {
			snprintf(msg, size, "field %zu: byte 0x%02x has no "
			    "character in the input encoding", k + 1,
			    (unsigned char)*in);
			return -1;
		}
		r->v[k].p = r->tx.p + r->tx.len;
		r->v[k].n = (size_t)(o - r->v[k].p);
		r->tx.len += r->v[k].n;
	}
	*out = r->v;
	return 0;
}

/*
 * Write the record as a JSON object, straight into the stdout buffer
 * when it has room. Values that need no escaping (the record holds no
 * control byte, backslash or DEL, and the field had no "") are copied
 * eight bytes at a time; others go through buf_add_jstr.
 */
static void
emit(struct run *r, const struct csv_field *v, int direct)
{
	struct cli *c = r->c;
	struct csv *p = &r->p;
	const char *limit = c->in.buf + c->in.cap;
	size_t k, n, need;
	char *o, *start;
	int first = 1, clean;

	need = r->keys.len + r->row_key.len + 64 + 8 * r->nkeys + 6 * p->rawlen;
	if ((start = o = rec_reserve(&c->out, need)) == NULL) {
		buf_reset(&r->ob);
		buf_grow(&r->ob, need);
		start = o = r->ob.p;
	}
	clean = direct && buf_jstr_plain_quotes(p->raw, p->rawlen) == p->rawlen;
	for (k = 0; k < r->nkeys; k++) {
		if (v[k].n == 0 && r->o->empty_mode == EMPTY_OMIT)
			continue;
		*o++ = first ? '{' : ',';
		first = 0;
		n = r->key_off[k + 1] - r->key_off[k];
		o = copy_words(o, r->keys.p + r->key_off[k], n);
		n = v[k].n;
		if (n == 0 && r->o->empty_mode == EMPTY_NULL) {
			memcpy(o, "null", 4);
			o += 4;
		} else if (r->o->infer && is_json_literal(v[k].p, n)) {
			memcpy(o, v[k].p, n);
			o += n;
		} else if (clean ? !(v[k].flags & CSV_ESCAPED) :
		    buf_jstr_plain(v[k].p, n) == n) {
			*o++ = '"';
			if (direct && v[k].p + n + 8 <= limit)
				o = copy_words(o, v[k].p, n);
			else {
				memcpy(o, v[k].p, n);
				o += n;
			}
			*o++ = '"';
		} else {
			buf_reset(&r->tmp);
			buf_add_jstr(&r->tmp, v[k].p, n);
			memcpy(o, r->tmp.p, r->tmp.len);
			o += r->tmp.len;
		}
	}
	if (r->o->row_field != NULL) {
		*o++ = first ? '{' : ',';
		first = 0;
		memcpy(o, r->row_key.p, r->row_key.len);
		o += r->row_key.len;
		buf_reset(&r->tmp);
		buf_add_i64(&r->tmp, p->row);
		memcpy(o, r->tmp.p, r->tmp.len);
		o += r->tmp.len;
	}
	if (first)
		*o++ = '{';
	*o++ = '}';
	n = (size_t)(o - start);
	if (start == r->ob.p) {
		cli_pass(c, r->ob.p, n);
		return;
	}
	*o = '\n';
	rec_commit(&c->out, n + 1);
	c->passed++;
}

/*
 * Copy n bytes in 8-byte words: the caller guarantees 8 readable bytes
 * after s + n and 8 writable bytes after o + n.
 */
static inline char *
copy_words(char *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8)
		memcpy(o + i, s + i, 8);
	return o + n;
}

/*
 * An integer or decimal written exactly as JSON writes it (no leading
 * zeros, no '+', no exponent, digits on both sides of '.'), true, false.
 */
static int
is_json_literal(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return 0;
	if (s[0] == 't')
		return n == 4 && memcmp(s, "true", 4) == 0;
	if (s[0] == 'f')
		return n == 5 && memcmp(s, "false", 5) == 0;
	if (s[i] == '-')
		i++;
	if (i == n)
		return 0;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		if (++i == n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}
