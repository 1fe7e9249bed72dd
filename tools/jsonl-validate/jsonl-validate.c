/*
 * jsonl-validate: pass the JSON Lines records that are valid JSON, match a
 * JSON Schema and satisfy the --require and --assert expressions; divert
 * the others to --rejects (or stop at the first one).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "jqx.h"
#include "js.h"
#include "schema.h"

enum { OPT_REQUIRE = CLI_TOOL_BASE, OPT_ASSERT, OPT_MESSAGE, OPT_ROW_FIELD,
    OPT_ENUM_CI, OPT_SCHEMA_DIR, OPT_NO_FORMAT };

struct rule {
	const char	*expr;
	const char	*message;	/* --assert: what a failure says */
	int		 is_assert;
	struct jqx	*jq;
};

/* What the options ask for. */
struct opts {
	const char	*schema_path;
	const char	**schema_dirs;
	size_t		 nschema_dirs;
	const char	*row_field;
	int		 enum_ci;
	int		 no_format;
	struct rule	*rules;
	size_t		 nrules;
};

static struct schema	*load_schema(struct cli *, const struct opts *);
static void		 add_rule(struct opts *, const char *, int);
static void		 compile_rules(struct cli *, struct opts *);
static int		 check_rules(const struct opts *, const struct js_doc *,
			    char *, size_t);
static int64_t		 row_of(const struct opts *, const struct js_doc *,
			    int64_t);
static void		 schema_reject(struct cli *, const struct opts *,
			    const struct js_doc *, const char *, const char *,
			    const char *);

static const char usage[] =
"usage: jsonl-validate [-s schema.json [--schema-dir DIR]... [--no-format]]\n"
"                      [--require EXPR]... [--assert EXPR\n"
"                      [--message TEXT]]... [--row-field NAME] [--enum-ci]\n"
"                      [-r rejects.jsonl] [options] [file ...]\n"
"Pass the records that are valid JSON, match the schema and satisfy every\n"
"rule; divert the others.\n"
"  -s, --schema FILE       JSON Schema 2020-12\n"
"      --schema-dir [URI=]DIR\n"
"                          find the schemas $refs name by $id under DIR\n"
"                          (repeatable)\n"
"      --no-format         format is an annotation, not checked\n"
"      --require EXPR      the record fails when EXPR is null, false, empty\n"
"                          or an error (repeatable)\n"
"      --assert EXPR       the record fails unless EXPR is true (repeatable)\n"
"      --message TEXT      the reject message of the --assert before it\n"
"      --row-field NAME    take _error_row from the record's member NAME\n"
"      --enum-ci           enum matches strings ignoring ASCII case\n";

static const struct option longopts[] = {
	CLI_LONGOPTS,
	{ "schema",	required_argument,	NULL, 's' },
	{ "require",	required_argument,	NULL, OPT_REQUIRE },
	{ "assert",	required_argument,	NULL, OPT_ASSERT },
	{ "message",	required_argument,	NULL, OPT_MESSAGE },
	{ "row-field",	required_argument,	NULL, OPT_ROW_FIELD },
	{ "enum-ci",	no_argument,		NULL, OPT_ENUM_CI },
	{ "schema-dir",	required_argument,	NULL, OPT_SCHEMA_DIR },
	{ "no-format",	no_argument,		NULL, OPT_NO_FORMAT },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	/* Static: reachable until exit, for leak checkers. */
	static struct cli c;
	static struct opts o;
	static struct js_doc doc;
	static struct schema *sc;
	struct js_err je;
	const char *msg, *path, *spath;
	char why[512];
	int ch;

	cli_init(&c, "jsonl-validate", usage, argv);
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "s:", longopts,
	    NULL)) != -1) {
		if (cli_option(&c, ch, optarg))
			continue;
		switch (ch) {
		case 's':
			o.schema_path = optarg;
			break;
		case OPT_REQUIRE:
			add_rule(&o, optarg, 0);
			break;
		case OPT_ASSERT:
			add_rule(&o, optarg, 1);
			break;
		case OPT_MESSAGE:
			if (o.nrules == 0 || !o.rules[o.nrules - 1].is_assert ||
			    o.rules[o.nrules - 1].message != NULL)
				cli_usage(&c, "--message must follow an "
				    "--assert");
			o.rules[o.nrules - 1].message = optarg;
			break;
		case OPT_ROW_FIELD:
			o.row_field = optarg;
			break;
		case OPT_ENUM_CI:
			o.enum_ci = 1;
			break;
		case OPT_NO_FORMAT:
			o.no_format = 1;
			break;
		case OPT_SCHEMA_DIR:
			o.schema_dirs = xrealloc(o.schema_dirs,
			    (o.nschema_dirs + 1) * sizeof(*o.schema_dirs));
			o.schema_dirs[o.nschema_dirs++] = optarg;
			break;
		default:
			cli_usage(&c, NULL);
		}
	}
	if (o.nschema_dirs > 0 && o.schema_path == NULL)
		cli_usage(&c, "--schema-dir needs -s");
	if (o.schema_path == NULL && o.nrules == 0)
		cli_usage(&c, "nothing to check: give -s, --require or "
		    "--assert");
	if (o.schema_path != NULL)
		sc = load_schema(&c, &o);
	compile_rules(&c, &o);
	cli_start(&c, argc - optind, argv + optind);

	while (cli_next(&c)) {
		const char *line = c.in.line;
		size_t len = c.in.len;

		if (js_scan(&doc, line, len, &je) == -1) {
			cli_reject(&c, c.in.lineno, line, len, 0,
			    js_strerror(&je, why, sizeof(why)), NULL);
			continue;
		}
		if (sc != NULL && !schema_check(sc, &doc, &msg, &path,
		    &spath)) {
			/* A check cut short by SIGINT or SIGTERM: the next
			 * read ends the run as any signal does. */
			if (cli_signal)
				continue;
			schema_reject(&c, &o, &doc, msg, path, spath);
			continue;
		}
		if (o.nrules > 0 && !check_rules(&o, &doc, why, sizeof(why))) {
			cli_reject(&c, row_of(&o, &doc, c.in.lineno), line,
			    len, doc.v[0].type == JS_OBJECT, why, NULL);
			continue;
		}
		cli_pass(&c, line, len);
	}
	js_free(&doc);
	return cli_finish(&c);
}

/*
 * The current line fails the schema: reject it with the reason, the
 * place in the record (_error_path) and the keyword that failed
 * (_error_schema_path).
 */
static void
schema_reject(struct cli *c, const struct opts *o, const struct js_doc *d,
    const char *msg, const char *path, const char *spath)
{
	struct rec_field f = { "_error_schema_path", REC_STR, spath,
	    strlen(spath), 0 };
	struct cli_err e = { .row = row_of(o, d, c->in.lineno), .msg = msg,
	    .path = path, .is_object = d->v[0].type == JS_OBJECT,
	    .extra = &f, .nextra = 1 };

	cli_reject_err(c, c->in.line, c->in.len, &e);
}

/* Read and compile the schema file: 66 if unreadable, 65 if invalid. */
static struct schema *
load_schema(struct cli *c, const struct opts *o)
{
	const char *path = o->schema_path;
	struct schema *sc;
	char err[512], *text;
	size_t n;

	if ((text = schema_read(path, &n)) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, path, strerror(errno));
		exit(EX_NOINPUT);
	}
	sc = schema_compile(text, n, path,
	    (const char *const *)o->schema_dirs, o->nschema_dirs,
	    (o->enum_ci ? SCHEMA_ENUM_CI : 0) |
	    (o->no_format ? SCHEMA_NO_FORMAT : 0), err, sizeof(err));
	free(text);
	if (sc == NULL) {
		fprintf(stderr, "%s: %s: invalid schema: %s\n", c->prog, path,
		    err);
		exit(EX_DATAERR);
	}
	if (!c->quiet && *schema_warnings(sc) != '\0') {
		const char *p = schema_warnings(sc), *e;

		for (; (e = strchr(p, '\n')) != NULL; p = e + 1)
			fprintf(stderr, "%s: %s: warning: %.*s\n", c->prog,
			    path, (int)(e - p), p);
	}
	return sc;
}

static void
add_rule(struct opts *o, const char *expr, int is_assert)
{
	o->rules = xrealloc(o->rules, (o->nrules + 1) * sizeof(*o->rules));
	o->rules[o->nrules++] = (struct rule){ expr, NULL, is_assert, NULL };
}

static void
compile_rules(struct cli *c, struct opts *o)
{
	struct rule *ru;
	char err[256];

	for (ru = o->rules; ru < o->rules + o->nrules; ru++) {
		ru->jq = jqx_compile(ru->expr, err, sizeof(err));
		if (ru->jq == NULL)
			cli_usage(c, "%s '%s': %s", ru->is_assert ?
			    "--assert" : "--require", ru->expr, err);
	}
}

/*
 * --require: fails on null, false, no value or an error. --assert: fails
 * unless the value is true, with its --message if it has one. 1 if every
 * rule holds, else 0 with a message.
 */
static int
check_rules(const struct opts *o, const struct js_doc *d, char *why,
    size_t len)
{
	struct jqx_val v;
	char err[256];
	size_t i;
	int r;

	for (i = 0; i < o->nrules; i++) {
		const struct rule *ru = &o->rules[i];

		err[0] = '\0';
		r = jqx_eval(ru->jq, d, &v, err, sizeof(err));
		if (!ru->is_assert) {
			if (r == JQX_OK && jqx_truthy(&v))
				continue;
			if (r == JQX_ERROR)
				snprintf(why, len, "--require %s: %s", ru->expr,
				    err);
			else
				snprintf(why, len, "--require %s: %s", ru->expr,
				    r == JQX_EMPTY ? "no value" :
				    v.type == JS_FALSE ? "false" :
				    "null or missing");
			return 0;
		}
		if (r == JQX_OK && v.type == JS_TRUE)
			continue;
		if (ru->message != NULL)
			snprintf(why, len, "%s", ru->message);
		else if (r == JQX_ERROR)
			snprintf(why, len, "--assert %s: %s", ru->expr, err);
		else
			snprintf(why, len, "--assert %s: %s", ru->expr,
			    r == JQX_EMPTY ? "no value" : v.type == JS_FALSE ?
			    "false" : "not true");
		return 0;
	}
	return 1;
}

/* The row to report: --row-field's integer member, else the line number. */
static int64_t
row_of(const struct opts *o, const struct js_doc *d, int64_t lineno)
{
	const char *row_field = o->row_field;
	const char *t;
	int64_t v = 0;
	size_t k, n;
	int i;

	if (row_field == NULL || d->v[0].type != JS_OBJECT)
		return lineno;
	i = js_get(d, 0, row_field, strlen(row_field));
	if (i < 0 || d->v[i].type != JS_NUMBER)
		return lineno;
	t = js_text(d, i);
	n = d->v[i].len;
	if (n == 0 || n > 18)
		return lineno;
	for (k = 0; k < n; k++) {
		if (t[k] < '0' || t[k] > '9')
			return lineno;
		v = v * 10 + (t[k] - '0');
	}
	return v;
}
