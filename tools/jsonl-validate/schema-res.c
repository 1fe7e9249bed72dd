/*
 * schema-res: the documents a schema is made of and the names of their
 * parts. The main schema is one document; every "$ref" to another file
 * loads one more, from beside the schema file or from --schema-dir,
 * never from the network. Each document is walked once through the
 * keywords that hold subschemas: a subschema with "$id" starts a
 * resource (named by its absolute URI), "$anchor" and "$dynamicAnchor"
 * name a subschema within one, and every value knows its resource, the
 * base against which its references resolve.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "js.h"
#include "schema.h"
#include "schema-node.h"

/* The resource named uri, or -1. */
int
res_find(const struct schema *s, const char *uri)
{
	size_t k;

	for (k = 0; k < s->nres; k++)
		if (strcmp(s->res[k].uri, uri) == 0)
			return (int)k;
	return -1;
}

static int
add_res(struct schema *s, const char *uri, struct sdoc *sd, int at)
{
	s->res = xrealloc(s->res, (s->nres + 1) * sizeof(*s->res));
	s->res[s->nres] = (struct res){ xstrdup(uri), sd, at };
	return (int)s->nres++;
}

/* An absolute path as a file: URI, bytes outside RFC 3986's pchar escaped. */
void
res_file_uri(const char *path, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	buf_reset(out);
	buf_adds(out, "file://");
	for (p = (const unsigned char *)path; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~!$&'()*+,;=:@",
		    *p) != NULL)
			buf_addc(out, *p);
		else {
			buf_addc(out, '%');
			buf_addc(out, hex[*p >> 4]);
			buf_addc(out, hex[*p & 15]);
		}
	buf_cstr(out);
}

/*
 * Walk the subschema at i of sd, in resource r: name the resources and
 * anchors it holds, and give every value of it its resource.
 */
static int
walk(struct schema *s, struct sdoc *sd, int i, int r, char *why,
    size_t len)
{
	const struct js_doc *d = &sd->doc;
	struct buf b = BUF_INIT, u = BUF_INIT;
	int k, j, e, kind, rc = 0, dyn, old;

	if (d->v[i].type != JS_OBJECT) {
		sd->res[i] = r;
		return 0;
	}
	if ((k = js_get(d, i, "$id", 3)) >= 0 && d->v[k].type == JS_STRING) {
		js_str(d, k, &b);
		uri_resolve(s->res[r].uri, b.p ? b.p : "", b.len, &u);
		if (u.len > 0 && u.p[u.len - 1] == '#')
			u.p[--u.len] = '\0';
		if ((old = res_find(s, u.p)) >= 0 && (s->res[old].sd != sd ||
		    s->res[old].at != i)) {
			snprintf(why, len, "two schemas have $id \"%.200s\" "
			    "(%s and %s)", u.p, s->res[old].sd->name,
			    sd->name);
			rc = -1;
			goto out;
		}
		r = old >= 0 ? old : add_res(s, u.p, sd, i);
	}
	for (k = i; k < (int)d->v[i].end; k++)
		sd->res[k] = r;
	for (dyn = 0; dyn < 2; dyn++) {
		k = js_get(d, i, dyn ? "$dynamicAnchor" : "$anchor",
		    dyn ? 14 : 7);
		if (k < 0 || d->v[k].type != JS_STRING)
			continue;
		buf_reset(&b);
		js_str(d, k, &b);
		s->anchors = xrealloc(s->anchors, (s->nanchors + 1) *
		    sizeof(*s->anchors));
		s->anchors[s->nanchors++] = (struct anchor){ r,
		    xstrdup(buf_cstr(&b)), i, dyn };
	}
	for (k = i + 1; rc == 0 && k < (int)d->v[i].end; k = d->v[k + 1].end) {
		buf_reset(&b);
		js_str(d, k, &b);
		kind = meta_subschemas(b.p ? b.p : "", b.len);
		e = k + 1;
		if (kind == SUB_ONE)
			rc = walk(s, sd, e, r, why, len);
		else if (kind == SUB_MAP && d->v[e].type == JS_OBJECT)
			for (j = e + 1; rc == 0 && j < (int)d->v[e].end;
			    j = d->v[j + 1].end)
				rc = walk(s, sd, j + 1, r, why, len);
		else if (kind == SUB_LIST && d->v[e].type == JS_ARRAY)
			for (j = e + 1; rc == 0 && j < (int)d->v[e].end;
			    j = d->v[j].end)
				rc = walk(s, sd, j, r, why, len);
	}
out:
	buf_free(&b);
	buf_free(&u);
	return rc;
}

/*
 * Add the document text[0..n) (owned from here on), retrieved as uri
 * and read from the file name: scan it and name its parts. NULL with a
 * reason in why when it is not JSON or names a resource twice.
 */
struct sdoc *
res_add_doc(struct schema *s, char *text, size_t n, const char *uri,
    const char *name, char *why, size_t len)
{
	struct sdoc *sd = xcalloc(1, sizeof(*sd));
	struct js_err je;
	int r;

	sd->text = text;
	sd->name = xstrdup(name);
	s->docs = xrealloc(s->docs, (s->ndocs + 1) * sizeof(*s->docs));
	s->docs[s->ndocs++] = sd;
	if (js_scan(&sd->doc, sd->text, n, &je) == -1) {
		snprintf(why, len, "%s: col %zu: %s", name, je.col, je.msg);
		return NULL;
	}
	sd->nodes = xcalloc(sd->doc.n, sizeof(*sd->nodes));
	sd->res = xcalloc(sd->doc.n, sizeof(*sd->res));
	if ((r = res_find(s, uri)) < 0)
		r = add_res(s, uri, sd, 0);
	if (walk(s, sd, 0, r, why, len) == -1)
		return NULL;
	return sd;
}

char *
schema_read(const char *path, size_t *n)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			r = errno;
			close(fd);
			buf_free(&b);
			errno = (int)r;
			return NULL;
		}
		buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	/* A leading BOM is allowed, as in the input. */
	if (b.len >= 3 && memcmp(b.p, "\xef\xbb\xbf", 3) == 0)
		memmove(b.p, b.p + 3, b.len -= 3);
	*n = b.len;
	return buf_cstr(&b);
}

/* 1 if a document was already read from the file at path. */
static int
loaded(const struct schema *s, const char *path)
{
	char real[PATH_MAX];
	size_t k;

	if (realpath(path, real) == NULL)
		return 0;
	for (k = 0; k < s->ndocs; k++)
		if (s->docs[k]->real != NULL &&
		    strcmp(s->docs[k]->real, real) == 0)
			return 1;
	return 0;
}

/*
 * Read the schema file at path, named by uri unless its root has an
 * "$id". NULL with a reason when it cannot be read or is not a schema
 * document.
 */
struct sdoc *
res_read_file(struct schema *s, const char *path, const char *uri,
    char *why, size_t len)
{
	struct buf u = BUF_INIT;
	struct sdoc *sd;
	struct stat st;
	char real[PATH_MAX], *text;
	size_t n;

	/* A device or a FIFO could read for ever: schemas are files. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s: not a regular file", path);
		return NULL;
	}
	if ((text = schema_read(path, &n)) == NULL) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	if (uri == NULL) {
		res_file_uri(real, &u);
		uri = u.p;
	}
	sd = res_add_doc(s, text, n, uri, path, why, len);
	if (sd != NULL)
		sd->real = xstrdup(real);
	buf_free(&u);
	return sd;
}

static int
json_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && (e->d_type == DT_DIR ||
	    e->d_type == DT_UNKNOWN || (n > 5 &&
	    strcmp(e->d_name + n - 5, ".json") == 0));
}

/*
 * Every *.json file under dir, and in its subdirectories, not read yet,
 * by name: its resources join the registry. A file without an "$id" at
 * its root is named by its file: URI, or with a prefix by the prefix
 * and its path under the schema directory (rel). A file that is not
 * JSON is a warning, not an error: the directory may hold other data.
 */
static void
read_dir(struct schema *s, const struct sdir *sdir, const char *dir,
    const char *rel)
{
	struct dirent **ents;
	struct stat st;
	struct buf p = BUF_INIT, r = BUF_INIT, u = BUF_INIT;
	char why[512];
	int n, k;

	if ((n = scandir(dir, &ents, json_name, alphasort)) < 0)
		return;
	for (k = 0; k < n; k++) {
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, ents[k]->d_name);
		buf_reset(&r);
		buf_addf(&r, "%s%s", rel, ents[k]->d_name);
		if (stat(p.p, &st) == -1)
			;
		else if (S_ISDIR(st.st_mode)) {
			buf_addc(&r, '/');
			read_dir(s, sdir, p.p, buf_cstr(&r));
		} else if (S_ISREG(st.st_mode) && !loaded(s, p.p)) {
			if (sdir->prefix != NULL)
				uri_resolve(sdir->prefix, r.p, r.len, &u);
			if (res_read_file(s, p.p, sdir->prefix != NULL ?
			    u.p : NULL, why, sizeof(why)) == NULL)
				buf_addf(&s->warnings, "%s (ignored)\n", why);
		}
		free(ents[k]);
	}
	free(ents);
	buf_free(&p);
	buf_free(&r);
	buf_free(&u);
}

/* Percent escapes of a file: URI's path decoded, into out. */
static int
uri_path(const char *uri, struct buf *out)
{
	const char *p = uri + 5;

	if (strncmp(p, "//", 2) == 0) {
		p += 2;
		if (strncmp(p, "localhost/", 10) == 0)
			p += 9;
		else if (*p != '/')
			return -1;
	}
	buf_reset(out);
	uri_unescape(p, strcspn(p, "?"), out);
	buf_cstr(out);
	return memchr(out->p, '\0', out->len) == NULL ? 0 : -1;
}

/*
 * The resource named uri, found among the documents read so far, as the
 * file a file: URI names, or in the schema directories (read once, when
 * first needed). -1 with a reason in why.
 */
int
res_fetch(struct schema *s, const char *uri, char *why, size_t len)
{
	struct buf path = BUF_INIT;
	size_t k;
	int r;

	if ((r = res_find(s, uri)) >= 0)
		return r;
	if (strncmp(uri, "file:", 5) == 0 && uri_path(uri, &path) == 0 &&
	    access(path.p, F_OK) == 0) {
		if (res_read_file(s, path.p, uri, why, len) == NULL) {
			buf_free(&path);
			return -1;
		}
		buf_free(&path);
		return res_find(s, uri);
	}
	if (!s->dirs_read) {
		s->dirs_read = 1;
		for (k = 0; k < s->ndirs; k++)
			read_dir(s, &s->dirs[k], s->dirs[k].path, "");
		if ((r = res_find(s, uri)) >= 0) {
			buf_free(&path);
			return r;
		}
	}
	buf_free(&path);
	snprintf(why, len, "no schema has $id \"%.200s\" (schemas are read "
	    "from --schema-dir or beside the schema file, never from the "
	    "network)", uri);
	return -1;
}

/* The anchor name[0..n) of resource r (dynamic or not), or NULL. */
const struct anchor *
res_anchor(const struct schema *s, int r, const char *name, size_t n)
{
	size_t k;

	for (k = 0; k < s->nanchors; k++)
		if (s->anchors[k].res == r &&
		    strlen(s->anchors[k].name) == n &&
		    memcmp(s->anchors[k].name, name, n) == 0)
			return &s->anchors[k];
	return NULL;
}

/* The schema directories: each of dirs, "DIR" or "PREFIX=DIR". */
void
res_dirs(struct schema *s, const char *const *dirs, size_t ndirs)
{
	struct sdir *d;
	const char *p;
	char *eq;
	size_t k;

	s->dirs = xcalloc(ndirs + 1, sizeof(*s->dirs));
	for (k = 0; k < ndirs; k++) {
		d = &s->dirs[s->ndirs++];
		d->path = xstrdup(dirs[k]);
		/* PREFIX is an absolute URI: a scheme, then ":". */
		if ((eq = strchr(d->path, '=')) == NULL)
			continue;
		for (p = d->path; p < eq && *p != ':' && *p != '/'; p++)
			;
		if (p > d->path && p < eq && *p == ':') {
			*eq = '\0';
			d->prefix = d->path;
			d->path = xstrdup(eq + 1);
		}
	}
}

void
res_free(struct schema *s)
{
	size_t k;

	for (k = 0; k < s->ndirs; k++) {
		free(s->dirs[k].path);
		free(s->dirs[k].prefix);
	}
	free(s->dirs);
	for (k = 0; k < s->ndocs; k++) {
		free(s->docs[k]->text);
		free(s->docs[k]->name);
		free(s->docs[k]->real);
		free(s->docs[k]->nodes);
		free(s->docs[k]->res);
		js_free(&s->docs[k]->doc);
		free(s->docs[k]);
	}
	free(s->docs);
	for (k = 0; k < s->nres; k++)
		free(s->res[k].uri);
	free(s->res);
	for (k = 0; k < s->nanchors; k++)
		free(s->anchors[k].name);
	free(s->anchors);
}
