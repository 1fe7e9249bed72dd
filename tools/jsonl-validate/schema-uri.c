/*
 * schema-uri: URI references resolved against a base URI, as RFC 3986
 * section 5.2 describes (the strict parser: a reference with a scheme
 * keeps it), for "$id", "$ref" and "$dynamicRef".
 */
#include <string.h>

#include "buf.h"
#include "schema-node.h"
#include "utf8.h"

/* The five components of a URI reference; a NULL part is absent. */
struct uri {
	const char	*scheme, *auth, *path, *query, *frag;
	size_t		 nscheme, nauth, npath, nquery, nfrag;
};

static int
scheme_char(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (!first && ((c >= '0' && c <= '9') || c == '+' || c == '-' ||
	    c == '.'));
}

static void
uri_split(const char *s, size_t n, struct uri *u)
{
	size_t k = 0, e;

	memset(u, 0, sizeof(*u));
	while (k < n && scheme_char((unsigned char)s[k], k == 0))
		k++;
	if (k > 0 && k < n && s[k] == ':') {
		u->scheme = s;
		u->nscheme = k;
		k++;
	} else
		k = 0;
	if (n - k >= 2 && s[k] == '/' && s[k + 1] == '/') {
		for (e = k + 2; e < n && s[e] != '/' && s[e] != '?' &&
		    s[e] != '#'; e++)
			;
		u->auth = s + k + 2;
		u->nauth = e - k - 2;
		k = e;
	}
	for (e = k; e < n && s[e] != '?' && s[e] != '#'; e++)
		;
	u->path = s + k;
	u->npath = e - k;
	k = e;
	if (k < n && s[k] == '?') {
		for (e = k + 1; e < n && s[e] != '#'; e++)
			;
		u->query = s + k + 1;
		u->nquery = e - k - 1;
		k = e;
	}
	if (k < n && s[k] == '#') {
		u->frag = s + k + 1;
		u->nfrag = n - k - 1;
	}
}

/*
 * Append path p[0..n) to out with its "." and ".." segments removed
 * (RFC 3986 section 5.2.4), working on whole segments.
 */
static void
add_path(struct buf *out, const char *p, size_t n)
{
	size_t start = out->len, k = 0, e;

	while (k < n) {
		for (e = k + 1; e < n && p[e] != '/'; e++)
			;
		/* The segment p[k..e), with its leading "/" if any. */
		if ((e - k == 1 && p[k] == '.') ||
		    (e - k == 2 && p[k] == '/' && p[k + 1] == '.')) {
			if (e == n && p[k] == '/')
				buf_addc(out, '/');
		} else if ((e - k == 2 && p[k] == '.' && p[k + 1] == '.') ||
		    (e - k == 3 && p[k] == '/' && p[k + 1] == '.' &&
		    p[k + 2] == '.')) {
			while (out->len > start && out->p[out->len - 1] != '/')
				out->len--;
			if (out->len > start)
				out->len--;
			if (e == n && p[k] == '/')
				buf_addc(out, '/');
		} else
			buf_add(out, p + k, e - k);
		k = e;
	}
}

/*
 * The target of reference r[0..rn) against the absolute URI base, into
 * out (NUL-terminated). A base without a scheme is taken as it is.
 */
void
uri_resolve(const char *base, const char *r, size_t rn, struct buf *out)
{
	struct uri b, u;
	struct buf m = BUF_INIT;
	const char *q;
	size_t nq;

	uri_split(base, strlen(base), &b);
	uri_split(r, rn, &u);
	buf_reset(out);
	if (u.scheme != NULL) {
		buf_add(out, u.scheme, u.nscheme + 1);
		b = u;
	} else {
		if (b.scheme != NULL)
			buf_add(out, b.scheme, b.nscheme + 1);
		if (u.auth != NULL) {
			b.auth = u.auth;
			b.nauth = u.nauth;
			b.path = u.path;
			b.npath = u.npath;
			b.query = u.query;
			b.nquery = u.nquery;
		} else if (u.npath == 0) {
			if (u.query != NULL) {
				b.query = u.query;
				b.nquery = u.nquery;
			}
		} else {
			if (u.path[0] != '/') {
				/* Merge: the base path up to its last "/". */
				if (b.auth != NULL && b.npath == 0)
					buf_addc(&m, '/');
				else {
					for (nq = b.npath; nq > 0 &&
					    b.path[nq - 1] != '/'; nq--)
						;
					buf_add(&m, b.path, nq);
				}
			}
			buf_add(&m, u.path, u.npath);
			b.path = m.p;
			b.npath = m.len;
			b.query = u.query;
			b.nquery = u.nquery;
		}
	}
	if (b.auth != NULL) {
		buf_add(out, "//", 2);
		buf_add(out, b.auth, b.nauth);
	}
	/* A rootless path (a URN's) keeps its dots: it has no segments. */
	if (b.npath > 0 && (b.path[0] == '/' || b.auth != NULL))
		add_path(out, b.path, b.npath);
	else
		buf_add(out, b.path, b.npath);
	q = b.query;
	nq = b.nquery;
	if (q != NULL) {
		buf_addc(out, '?');
		buf_add(out, q, nq);
	}
	if (u.frag != NULL) {
		buf_addc(out, '#');
		buf_add(out, u.frag, u.nfrag);
	}
	buf_cstr(out);
	buf_free(&m);
}

/* Append s[0..n) to out with its percent escapes decoded. */
void
uri_unescape(const char *s, size_t n, struct buf *out)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (s[k] == '%' && k + 2 < n && hexval(s[k + 1]) >= 0 &&
		    hexval(s[k + 2]) >= 0) {
			buf_addc(out, hexval(s[k + 1]) * 16 + hexval(s[k + 2]));
			k += 2;
		} else
			buf_addc(out, s[k]);
}
