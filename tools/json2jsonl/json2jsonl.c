/*
 * json2jsonl: stream a JSON array (a backup file of any size) into JSON
 * Lines, one element per line, each element's bytes as in the input.
 *
 * Memory holds one element at a time: the input is read in large blocks
 * and an element is delimited by tracking strings and bracket depth, then
 * validated by the strict scanner (js_scan) and written. Raw LF and CR
 * between the tokens of an element (the only place they can be) become
 * spaces so that each element stays on one line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "js.h"
#include "rec.h"

#define MAX_KEYS	32

/* --path, parsed: the keys from the top-level object down to the array. */
struct path {
	const char	*expr;		/* as given; NULL: the top array */
	int		 nkeys;
	struct path_key {
		char	*key;		/* decoded member name */
		size_t	 len;
		size_t	 upto;		/* length of expr up to this key */
	}		 keys[MAX_KEYS];
};

/* A run's state: the input (in c), the path, the element being read. */
struct run {
	struct cli		*c;
	const struct path	*path;
	struct js_doc		 doc;
	int64_t			 elements;	/* of the current FILE */
};

static const char usage_text[] =
"usage: json2jsonl [-q] [-p PATH] [-r FILE] [FILE ...]\n"
"Write each element of a JSON array as one line of JSON Lines.\n"
"\n"
"  -p, --path PATH         explode the array at PATH in a top-level object\n"
"                          (object keys only: .events, .data.items,\n"
"                          .[\"odd key\"]); default: the top-level array\n";

static void	 explode(struct run *);
static void	 parse_path(struct cli *, struct path *, const char *);
static void	 explode_array(struct run *);
static void	 walk_object(struct run *, int);
static int	 peek(struct run *);
static size_t	 value_span(struct run *, const char *);
static size_t	 value_end(struct run *, const char *);
static int	 more(struct run *);
static int	 fill(void *);
static void	 emit(struct run *, size_t);
static void	 check_value(struct run *, size_t, const char *);
static uint64_t	 here(const struct run *);
static const char *kind_of(int);
static void	 fail_at(struct run *, uint64_t, const char *, ...)
		    __attribute__((format(printf, 3, 4), noreturn));

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CLI_LONGOPTS,
		{ "path",	required_argument,	NULL, 'p' },
		{ NULL,		0,			NULL, 0 }
	};
	/* Static: what they hold lives until the process exits. */
	static struct cli c;
	static struct path path;
	static struct run r = { .c = &c, .path = &path };
	int ch;

	cli_init(&c, "json2jsonl", usage_text, argv);
	c.unit = "elements";
	c.passed_name = "written";
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "p:", opts,
	    NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 'p':
			path.expr = optarg;
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	if (path.expr != NULL)
		parse_path(&c, &path, path.expr);
	cli_start(&c, argc - optind, argv + optind);
	do
		explode(&r);
	while (cli_next_file(&c));
	js_free(&r.doc);
	return cli_finish(&c);
}

/* One FILE (or stdin): one document, its elements written. */
static void
explode(struct run *r)
{
	struct cli *c = r->c;
	const struct path *path = r->path;
	int ch;

	r->elements = 0;
	ch = peek(r);
	if (path->nkeys == 0) {
		if (ch != '[')
			fail_at(r, here(r), "%sexpected '[' (top-level "
			    "array)", ch == -1 ? "unexpected end of input, " :
			    "");
		c->in.pos++;
		explode_array(r);
	} else {
		if (ch != '{')
			fail_at(r, here(r), "%sexpected '{' (top-level "
			    "object holding %s)", ch == -1 ?
			    "unexpected end of input, " : "", path->expr);
		c->in.pos++;
		walk_object(r, 0);
	}
	if (peek(r) != -1)
		fail_at(r, here(r), "trailing characters after the "
		    "top-level %s", path->nkeys ? "object" : "array");
}

/*
 * PATH is jq's syntax for object keys: ".", ".a.b", ".\"k\"", ".[\"k\"]"
 * and ".a[\"k\"]" steps. Quoted keys are taken literally (no escapes).
 */
static void
parse_path(struct cli *c, struct path *path, const char *s)
{
	const char *p = s, *k, *e;
	struct path_key *key;
	int bracket;
	size_t n;

	if (strcmp(s, ".") == 0)
		return;
	while (*p != '\0') {
		if (path->nkeys == MAX_KEYS)
			goto bad;
		if (*p == '.')
			p++;
		else if (*p != '[' || path->nkeys == 0)
			goto bad;
		bracket = *p == '[';
		if (bracket || *p == '"') {
			p += bracket;
			if (*p++ != '"')
				goto bad;
			k = p;
			if ((e = strchr(k, '"')) == NULL ||
			    memchr(k, '\\', (size_t)(e - k)) != NULL)
				goto bad;
			n = (size_t)(e - k);
			p = e + 1;
			if (bracket && *p++ != ']')
				goto bad;
		} else {
			k = p;
			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || *p == '_' || (p > k && *p >= '0' &&
			    *p <= '9'))
				p++;
			n = (size_t)(p - k);
			if (n == 0)
				goto bad;
		}
		key = &path->keys[path->nkeys++];
		key->key = xmalloc(n + 1);
		memcpy(key->key, k, n);
		key->key[n] = '\0';
		key->len = n;
		key->upto = (size_t)(p - s);
	}
	return;
bad:
	cli_usage(c, "--path: '%s' is not a path of object keys "
	    "(.events, .data.items, .[\"odd key\"])", s);
}

/*
 * Write each element of the array whose '[' was just consumed, up to and
 * including its ']'.
 */
static void
explode_array(struct run *r)
{
	struct cli *c = r->c;
	int ch;

	if ((ch = peek(r)) == ']') {
		c->in.pos++;
		return;
	}
	for (;;) {
		if (ch == -1)
			fail_at(r, here(r), "unexpected end of input (array "
			    "not closed)");
		if (ch == ',' || ch == ']')
			fail_at(r, here(r), "expected a value");
		emit(r, value_span(r, "array not closed"));
		ch = peek(r);
		if (ch == ']') {
			c->in.pos++;
			return;
		}
		if (ch == -1)
			fail_at(r, here(r), "unexpected end of input (array "
			    "not closed)");
		if (ch != ',')
			fail_at(r, here(r), "expected ',' or ']' after "
			    "element %" PRId64, r->elements);
		c->in.pos++;
		ch = peek(r);
	}
}

/*
 * Walk the members of the object whose '{' was just consumed, at depth
 * `level' of the path: explode the array under the matching key, check
 * and skip the others.
 */
static void
walk_object(struct run *r, int level)
{
	struct cli *c = r->c;
	const struct path *path = r->path;
	const char *unclosed = "unexpected end of input (object not closed)";
	int ch, found = 0, match;
	size_t n;

	ch = peek(r);
	if (ch == '}')
		goto done;
	for (;;) {
		if (ch == -1)
			fail_at(r, here(r), "%s", unclosed);
		if (ch != '"')
			fail_at(r, here(r), "expected '\"' to start a member "
			    "name");
		n = value_span(r, "object not closed");
		check_value(r, n, "member name");
		match = js_str_eq(&r->doc, 0, path->keys[level].key,
		    path->keys[level].len);
		c->in.pos += n;
		if ((ch = peek(r)) != ':')
			fail_at(r, here(r), ch == -1 ? unclosed :
			    "expected ':'");
		c->in.pos++;
		ch = peek(r);
		if (ch == -1)
			fail_at(r, here(r), "%s", unclosed);
		if (match && found)
			fail_at(r, here(r), "%.*s: duplicate member",
			    (int)path->keys[level].upto, path->expr);
		if (match && level == path->nkeys - 1 && ch == '[') {
			c->in.pos++;
			explode_array(r);
		} else if (match && level < path->nkeys - 1 && ch == '{') {
			c->in.pos++;
			walk_object(r, level + 1);
		} else if (match)
			fail_at(r, here(r), "%.*s: expected %s, got %s",
			    (int)path->keys[level].upto, path->expr,
			    level == path->nkeys - 1 ? "an array" :
			    "an object", kind_of(ch));
		else {
			n = value_span(r, "object not closed");
			check_value(r, n, "value");
			c->in.pos += n;
		}
		found |= match;
		ch = peek(r);
		if (ch == '}')
			break;
		if (ch == -1)
			fail_at(r, here(r), "%s", unclosed);
		if (ch != ',')
			fail_at(r, here(r), "expected ',' or '}'");
		c->in.pos++;
		ch = peek(r);
	}
done:
	if (!found)
		fail_at(r, here(r), "%.*s not found",
		    (int)path->keys[level].upto, path->expr);
	c->in.pos++;
}

/* Skip whitespace; the next byte (not consumed), or -1 at the end. */
static int
peek(struct run *r)
{
	struct rec_in *in = &r->c->in;
	unsigned char ch;

	for (;;) {
		while (in->pos < in->end) {
			ch = (unsigned char)in->buf[in->pos];
			if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t')
				return ch;
			in->pos++;
		}
		if (!more(r))
			return -1;
	}
}

/*
 * Length of the value starting at in->buf[in->pos], which must fit in
 * --max-line bytes.
 */
static size_t
value_span(struct run *r, const char *what)
{
	struct cli *c = r->c;
	size_t n = value_end(r, what);

	if (n > c->in.max_line)
		fail_at(r, here(r), "value larger than --max-line (%zu "
		    "bytes)", c->in.max_line);
	return n;
}

/* Bytes that end a number or a literal. */
static const unsigned char stops[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [','] = 1, [':'] = 1,
	['['] = 1, [']'] = 1, ['{'] = 1, ['}'] = 1, ['"'] = 1,
};

/*
 * Find the end of the value starting at in->buf[in->pos] (not consumed): a
 * string or container up to its closing byte, a number or literal up to
 * the next stop byte. Reads more input as needed (the value stays at
 * in->pos, the buffer may move). Outside strings, LF and CR become
 * spaces in place. Gives up with a length above --max-line as soon as it
 * has one. Ends the run at the end of input: every value here is inside
 * the top-level array or object, so the input is truncated.
 */
static size_t
value_end(struct run *r, const char *what)
{
	struct rec_in *in = &r->c->in;
	unsigned char *b, ch;
	size_t k = 1, avail;
	int64_t depth = 0;
	int str = 0;

	ch = (unsigned char)in->buf[in->pos];
	if (ch == '"')
		str = 1;
	else if (ch == '[' || ch == '{')
		depth = 1;
	else {
		for (;;) {
			while (in->pos + k < in->end)
				if (stops[(unsigned char)in->buf[in->pos + k]])
					return k;
				else
					k++;
			if (k > in->max_line)
				return k;
			if (!more(r))
				fail_at(r, here(r) + k, "unexpected end of "
				    "input (%s)", what);
		}
	}
	for (;;) {
		b = (unsigned char *)in->buf + in->pos;
		avail = in->end - in->pos;
		while (k < avail) {
			ch = b[k];
			if (str) {
				while (k < avail && b[k] != '"' && b[k] != '\\')
					k++;
				if (k == avail)
					break;
				if (b[k] == '\\') {
					if (k + 1 == avail)
						break;
					k += 2;
					continue;
				}
				str = 0;
				k++;
				if (depth == 0)
					return k;
				continue;
			}
			switch (ch) {
			case '"':
				str = 1;
				break;
			case '[':
			case '{':
				depth++;
				break;
			case ']':
			case '}':
				if (--depth == 0)
					return k + 1;
				break;
			case '\n':
			case '\r':
				b[k] = ' ';
				break;
			}
			k++;
		}
		if (k > in->max_line)
			return k;
		if (!more(r))
			fail_at(r, here(r) + k, "unexpected end of input "
			    "(%s)", what);
	}
}

/* Read more input after in->buf[pos..end); 0 at the end of input. */
static int
more(struct run *r)
{
	struct cli *c = r->c;
	int got;

	if ((got = cli_read(c, fill, &c->in)) == -2)
		fail_at(r, here(r), "value larger than --max-line (%zu "
		    "bytes)", c->in.max_line);
	return got;
}

/* rec_fill for cli_read: 1 when bytes were added. */
static int
fill(void *in)
{
	ssize_t r = rec_fill(in);

	return r > 0 ? 1 : (int)r;
}

/* Validate and write the element of n bytes at in->pos; consume it. */
static void
emit(struct run *r, size_t n)
{
	struct cli *c = r->c;
	const char *p = c->in.buf + c->in.pos;
	struct js_err e;
	struct rec_field off;
	struct cli_err ce = { .extra = &off, .nextra = 1 };

	r->elements++;
	cli_tick(c);
	if (js_scan(&r->doc, p, n, &e) == 0)
		cli_pass(c, p, n);
	else if (!c->has_rejects)
		fail_at(r, here(r) + e.col - 1, "element %" PRId64 ": %s",
		    r->elements, e.msg);
	else {
		off = (struct rec_field){ "_error_offset", REC_INT, NULL, 0,
		    (int64_t)(here(r) + e.col - 1) };
		ce.row = r->elements;
		ce.msg = e.msg;
		cli_reject_err(c, p, n, &ce);
	}
	c->in.pos += n;
}

/* Validate (into doc) the n bytes at in->pos that are not an element. */
static void
check_value(struct run *r, size_t n, const char *what)
{
	struct cli *c = r->c;
	struct js_err e;

	if (js_scan(&r->doc, c->in.buf + c->in.pos, n, &e) == -1)
		fail_at(r, here(r) + e.col - 1, "%s: %s", what, e.msg);
}

/* Stream offset of in->buf[in->pos]. */
static uint64_t
here(const struct run *r)
{
	return r->c->in.base + r->c->in.pos;
}

static const char *
kind_of(int ch)
{
	switch (ch) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	}
	return ch == '-' || (ch >= '0' && ch <= '9') ? "a number" :
	    "an invalid value";
}

/* Stop with exit 65: "json2jsonl: byte N: ..." (N is 0-based). */
static void
fail_at(struct run *r, uint64_t off, const char *fmt, ...)
{
	struct cli *c = r->c;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The element being read when it failed is the rejected one. */
	if (c->processed > c->passed + c->rejected)
		c->rejected++;
	cli_fail(c, EX_DATAERR, "%sbyte %" PRIu64 ": %s", c->at, off, msg);
}
