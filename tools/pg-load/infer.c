/*
 * --create --infer N: the target table's columns from the first N
 * records of the input, when there is no schema.
 *
 * Each member seen becomes a column, in the order members first appear,
 * of the narrowest type that holds every value sampled (the rules are in
 * pg-load(1)); a member present and not null in every sampled record is
 * NOT NULL. With --flatten, a member whose values are all objects gives
 * a column per member of those objects instead, named parent_child.
 *
 * The sample is read ahead and then read again by the load: from a
 * stream with rec_hold, which keeps the sampled lines in memory, and
 * from the later FILE operands, when the first holds fewer than N
 * records, by opening them once more (it stops at the first that is not
 * a regular file). A read error stops the sample; the load meets it
 * again and reports it where it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pg-load.h"
#include "tm.h"

/* What the values of a member were (nulls apart). */
enum {
	K_INT32 = 1 << 0, K_INT64 = 1 << 1, K_BIGNUM = 1 << 2, K_FRAC = 1 << 3,
	K_BOOL = 1 << 4, K_DATE = 1 << 5, K_TSTZ = 1 << 6, K_UUID = 1 << 7,
	K_TEXT = 1 << 8, K_OBJECT = 1 << 9, K_ARRAY = 1 << 10
};
#define K_NUMBER	(K_INT32 | K_INT64 | K_BIGNUM | K_FRAC)
#define K_STRING	(K_DATE | K_TSTZ | K_UUID | K_TEXT)

struct member {
	char		*name;		/* the column's name */
	size_t		 n;
	char		*path;		/* jq path of the value */
	int		 parent;	/* the member it is inside, or -1 */
	unsigned	 kinds;
	int64_t		 present;	/* records where it is not null */
};

struct infer {
	struct cli		*c;
	struct create_opts	*o;
	struct member		*m;
	size_t			 nm;
	int64_t			 records;	/* objects sampled */
	struct js_doc		 d;
	struct buf		 s;		/* scratch: a decoded string */
};

static int64_t	 sample(struct infer *, struct rec_in *, int64_t);
static void	 add_object(struct infer *, int obj, int parent,
		    struct buf *name, struct buf *path);
static int	 member(struct infer *, int parent, struct buf *name,
		    struct buf *path);
static unsigned	 kind(struct infer *, int);
static void	 columns(struct infer *, struct ddl *, int parent);
static const char *type_of(const struct infer *, unsigned);

void
create_infer(struct cli *c, struct create_opts *o, const char *table,
    const char *keys)
{
	struct infer inf = { .c = c, .o = o };
	struct ddl x;
	struct rec_in more;
	struct stat st;
	int64_t left = o->infer;
	size_t i;
	int f;

	rec_hold(&c->in);
	left -= sample(&inf, &c->in, left);
	rec_rewind(&c->in);
	for (f = c->cur + 1; left > 0 && f < c->nfile; f++) {
		if (stat(c->file[f].name, &st) == -1 || !S_ISREG(st.st_mode) ||
		    rec_open(&more, c->file[f].name, c->max_line) == -1)
			break;
		left -= sample(&inf, &more, left);
		rec_close(&more);
	}
	if (inf.records == 0)
		cli_fail(c, EX_DATAERR, "--infer: no record (a JSON object) "
		    "in the input to infer the columns of %s from", table);
	ddl_begin(&x, c, o, table, "the sample");
	columns(&inf, &x, -1);
	ddl_end(&x, keys);
	for (i = 0; i < inf.nm; i++) {
		free(inf.m[i].name);
		free(inf.m[i].path);
	}
	free(inf.m);
	js_free(&inf.d);
	buf_free(&inf.s);
}

/* Sample up to n lines of in; returns how many were read. */
static int64_t
sample(struct infer *inf, struct rec_in *in, int64_t n)
{
	struct buf name = BUF_INIT, path = BUF_INIT;
	struct js_err je;
	int64_t read;

	for (read = 0; read < n && rec_next(in) == 1; read++) {
		if (in->too_long || js_scan(&inf->d, in->line, in->len, &je) ==
		    -1 || inf->d.v[0].type != JS_OBJECT)
			continue;
		inf->records++;
		add_object(inf, 0, -1, &name, &path);
	}
	buf_free(&name);
	buf_free(&path);
	return read;
}

/* The members of object obj, inside member parent (or the record). */
static void
add_object(struct infer *inf, int obj, int parent, struct buf *name,
    struct buf *path)
{
	struct js_doc *d = &inf->d;
	size_t nlen = name->len, plen = path->len;
	unsigned k;
	int i, m;

	for (i = obj + 1; i < (int)d->v[obj].end; i = (int)d->v[i + 1].end) {
		buf_reset(&inf->s);
		js_str(d, i, &inf->s);
		buf_add(name, inf->s.p, inf->s.len);
		ddl_path_step(path, inf->s.p, inf->s.len);
		m = member(inf, parent, name, path);
		if ((k = kind(inf, i + 1)) != 0) {
			inf->m[m].kinds |= k;
			inf->m[m].present++;
		}
		if (k == K_OBJECT && inf->o->flatten) {
			buf_addc(name, '_');
			add_object(inf, i + 1, m, name, path);
		}
		name->len = nlen;
		path->len = plen;
	}
}

/* The index of the member named name inside parent, added if new. */
static int
member(struct infer *inf, int parent, struct buf *name, struct buf *path)
{
	struct member *m;
	size_t i;

	for (i = 0; i < inf->nm; i++)
		if (inf->m[i].n == name->len && inf->m[i].parent == parent &&
		    memcmp(inf->m[i].name, name->p, name->len) == 0)
			return (int)i;
	inf->m = xrealloc(inf->m, (inf->nm + 1) * sizeof(*inf->m));
	m = &inf->m[inf->nm];
	m->name = xmalloc(name->len + 1);
	memcpy(m->name, name->p, name->len);
	m->name[name->len] = '\0';
	m->n = name->len;
	m->path = xstrdup(buf_cstr(path));
	m->parent = parent;
	m->kinds = 0;
	m->present = 0;
	return (int)inf->nm++;
}

/* The kind of value v, 0 for null. */
static unsigned
kind(struct infer *inf, int v)
{
	const struct js_val *jv = &inf->d.v[v];
	const char *t = js_text(&inf->d, v), *why;
	int64_t i, ns;
	size_t n, k;

	switch (jv->type) {
	case JS_NULL:
		return 0;
	case JS_TRUE:
	case JS_FALSE:
		return K_BOOL;
	case JS_OBJECT:
		return K_OBJECT;
	case JS_ARRAY:
		return K_ARRAY;
	case JS_NUMBER:
		if (memchr(t, '.', jv->len) || memchr(t, 'e', jv->len) ||
		    memchr(t, 'E', jv->len))
			return K_FRAC;
		if (js_int64(&inf->d, v, &i) == -1)
			return K_BIGNUM;
		return i >= INT32_MIN && i <= INT32_MAX ? K_INT32 : K_INT64;
	default:
		break;
	}
	buf_reset(&inf->s);
	js_str(&inf->d, v, &inf->s);
	t = inf->s.p ? inf->s.p : "";
	n = inf->s.len;
	if (n == 36) {
		for (k = 0; k < n; k++)
			if (k == 8 || k == 13 || k == 18 || k == 23 ?
			    t[k] != '-' : !((t[k] >= '0' && t[k] <= '9') ||
			    (t[k] >= 'a' && t[k] <= 'f') ||
			    (t[k] >= 'A' && t[k] <= 'F')))
				break;
		if (k == n)
			return K_UUID;
	}
	if (n >= 10 && memchr(t, '\0', n) == NULL &&
	    tm_parse(t, n, &ns, &why) == 0)
		return n == 10 ? K_DATE : K_TSTZ;
	return K_TEXT;
}

/* The columns of the members inside parent, in the order first seen. */
static void
columns(struct infer *inf, struct ddl *x, int parent)
{
	const struct member *m;
	size_t i, j;
	int inner;

	for (i = 0; i < inf->nm; i++) {
		m = &inf->m[i];
		if (m->parent != parent)
			continue;
		for (j = i + 1, inner = 0; j < inf->nm && !inner; j++)
			inner = inf->m[j].parent == (int)i;
		if (inf->o->flatten && m->kinds == K_OBJECT && inner) {
			columns(inf, x, (int)i);
			continue;
		}
		ddl_column(x, m->name, m->n, type_of(inf, m->kinds),
		    m->present == inf->records, parent >= 0 ? m->path : NULL,
		    parent >= 0 ? strlen(m->path) : 0);
	}
}

/* The narrowest type for values of these kinds. */
static const char *
type_of(const struct infer *inf, unsigned k)
{
	if (k == 0)
		return "text";
	if ((k & K_NUMBER) == k)
		return k & K_FRAC ? inf->o->number_type : k & K_BIGNUM ?
		    "numeric" : k & K_INT64 ? "bigint" : "integer";
	if (k == K_BOOL)
		return "boolean";
	if (k == K_UUID)
		return "uuid";
	if (k == K_DATE)
		return "date";
	if ((k & (K_DATE | K_TSTZ)) == k)
		return "timestamptz";
	if ((k & K_STRING) == k)
		return "text";
	return "jsonb";
}
