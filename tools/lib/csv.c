/* csv: RFC 4180 record parser and field writer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv.h"

/* Where a field's text is: in the input, or unescaped in c->esc. */
struct csv_span {
	size_t		off;
	size_t		n;
	unsigned	flags;
};

/*
 * The structural-byte scanner. The bytes that can end a run of plain
 * text (the delimiter, '"', CR, LF, NUL) are found 16 at a time: mask
 * holds one bit per such byte in the 16 bytes from blk. Inside a quoted
 * field the delimiter is a false stop, which costs only a loop turn.
 */
struct scan {
	const char		*s;
	size_t			 n;
	size_t			 blk;
	uint32_t		 mask;
	const unsigned char	*special;
#if defined(__SSE2__)
	__m128i			 vd, vq, vcr, vlf, vnul;
#endif
};

static void	 scan_init(struct scan *, const struct csv *, const char *,
		    size_t);
static uint32_t	 scan_block(struct scan *, size_t);
static size_t	 scan_next(struct scan *, size_t);
static int	 parse(struct csv *, const char *, size_t, int, size_t *);

void
csv_init(struct csv *c, struct rec_in *in, int delim)
{
	memset(c, 0, sizeof(*c));
	c->in = in;
	c->delim = delim;
	c->special[(unsigned char)delim] = 1;
	c->special['"'] = 1;
	c->special['\r'] = 1;
	c->special['\n'] = 1;
	c->special[0] = 1;
	c->cap = 64;
	c->span = xmalloc(c->cap * sizeof(*c->span));
	c->f = xmalloc(c->cap * sizeof(*c->f));
}

void
csv_free(struct csv *c)
{
	free(c->span);
	free(c->f);
	buf_free(&c->esc);
	c->span = NULL;
	c->f = NULL;
}

const char *
csv_strerror(int e)
{
	switch (e) {
	case CSV_OK:
		return "no error";
	case CSV_EOPEN:
		return "quoted field not closed at end of input";
	case CSV_ESTRAY:
		return "quote inside an unquoted field";
	case CSV_EJUNK:
		return "text after the closing quote";
	case CSV_ENUL:
		return "NUL byte";
	}
	return "unknown error";
}

int
csv_read(void *p)
{
	return csv_next(p);
}

int
csv_next(struct csv *c)
{
	struct rec_in *in = c->in;
	size_t used = 0, k;
	ssize_t r;
	const char *s;

	for (;;) {
		if (in->pos < in->end || in->eof) {
			if (in->pos == in->end)
				return 0;
			if (parse(c, in->buf + in->pos, in->end - in->pos,
			    in->eof, &used))
				break;
		}
		r = rec_fill(in);
		if (r < 0)
			return (int)r;
	}
	s = in->buf + in->pos;
	for (k = 0; k < c->nf; k++) {
		c->f[k].p = (c->span[k].flags & CSV_ESCAPED ? c->esc.p : s) +
		    c->span[k].off;
		c->f[k].n = c->span[k].n;
		c->f[k].flags = c->span[k].flags;
	}
	c->raw = s;
	c->offset = in->base + in->pos;
	in->pos += used;
	c->row++;
	c->line = c->nextline + 1;
	c->errline += c->line;
	c->nextline += c->lines;
	return 1;
}

static void
scan_init(struct scan *sc, const struct csv *c, const char *s, size_t n)
{
	sc->s = s;
	sc->n = n;
	sc->special = c->special;
#if defined(__SSE2__)
	sc->vd = _mm_set1_epi8((char)c->delim);
	sc->vq = _mm_set1_epi8('"');
	sc->vcr = _mm_set1_epi8('\r');
	sc->vlf = _mm_set1_epi8('\n');
	sc->vnul = _mm_setzero_si128();
#endif
	sc->blk = 0;
	sc->mask = n > 0 ? scan_block(sc, 0) : 0;
}

/* The structural bytes among the (up to) 16 bytes from i. */
static uint32_t
scan_block(struct scan *sc, size_t i)
{
	uint32_t m = 0;
	size_t k, lim;

#if defined(__SSE2__)
	if (sc->n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(sc->s + i));
		__m128i e = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, sc->vd),
		    _mm_cmpeq_epi8(v, sc->vq)),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sc->vcr),
		    _mm_cmpeq_epi8(v, sc->vlf)), _mm_cmpeq_epi8(v, sc->vnul)));

		return (uint32_t)_mm_movemask_epi8(e);
	}
#endif
	lim = sc->n - i < 16 ? sc->n - i : 16;
	for (k = 0; k < lim; k++)
		m |= (uint32_t)sc->special[(unsigned char)sc->s[i + k]] << k;
	return m;
}

/* Position of the first structural byte at or after i, or n. */
static inline size_t
scan_next(struct scan *sc, size_t i)
{
	uint32_t m;

	for (;;) {
		if (i >= sc->blk && i < sc->blk + 16) {
			m = sc->mask & (~0u << (i - sc->blk));
			if (m != 0)
				return sc->blk + (size_t)__builtin_ctz(m);
			i = sc->blk + 16;
		}
		if (i >= sc->n)
			return sc->n;
		sc->blk = i;
		sc->mask = scan_block(sc, i);
	}
}

/* Note the first error of the record: field nf, lines into it. */
static void
fail(struct csv *c, int error, size_t nf, int64_t lines)
{
	if (c->error == CSV_OK) {
		c->error = error;
		c->errfield = nf;
		c->errline = lines;
	}
}

/* The next line end (CR or LF) at or after i, or n. */
static size_t
line_end(struct scan *sc, size_t i)
{
	for (;;) {
		i = scan_next(sc, i);
		if (i == sc->n || sc->s[i] == '\n' || sc->s[i] == '\r')
			return i;
		i++;
	}
}

/*
 * Parse the record at s[0..n); eof: nothing follows. 1 with *used (its
 * bytes, line end included) when complete, 0 when it needs more input.
 * Restarting from scratch after more input is read keeps this simple;
 * it costs a second pass only over records that straddle a read. One
 * state machine over the bytes of a record, field after field: long,
 * but read in the order the bytes come.
 */
static int
parse(struct csv *c, const char *s, size_t n, int eof, size_t *used)
{
	struct scan sc;
	struct csv_span *sp;
	size_t i = 0, nf = 0, start, seg, e, term;
	int64_t lines = 0;
	int ch;

	scan_init(&sc, c, s, n);
	c->error = CSV_OK;
	c->errfield = 0;
	c->errline = 0;
	buf_reset(&c->esc);
	for (;;) {
		if (nf == c->cap) {
			c->cap *= 2;
			c->span = xrealloc(c->span, c->cap * sizeof(*c->span));
			c->f = xrealloc(c->f, c->cap * sizeof(*c->f));
		}
		sp = &c->span[nf++];
		sp->flags = 0;
		if (i < n && s[i] == '"') {
			sp->flags = CSV_QUOTED;
			seg = start = ++i;
			for (;;) {
				i = scan_next(&sc, i);
				if (i == n) {
					if (!eof)
						return 0;
					fail(c, CSV_EOPEN, nf, 0);
					sp->flags = 0;
					sp->off = start;
					sp->n = n - start;
					e = n;
					goto end;
				}
				ch = s[i];
				if (ch == '"') {
					if (i + 1 == n && !eof)
						return 0;
					if (i + 1 == n || s[i + 1] != '"')
						break;
					if (!(sp->flags & CSV_ESCAPED)) {
						sp->flags |= CSV_ESCAPED;
						sp->off = c->esc.len;
					}
					buf_add(&c->esc, s + seg, i + 1 - seg);
					seg = i += 2;
					continue;
				}
				if (ch == '\n') {
					lines++;
				} else if (ch == '\r') {
					if (i + 1 == n && !eof)
						return 0;
					if (i + 1 < n && s[i + 1] == '\n')
						i++;
					lines++;
				} else if (ch == '\0') {
					fail(c, CSV_ENUL, nf, lines);
				}
				i++;
			}
			if (sp->flags & CSV_ESCAPED) {
				buf_add(&c->esc, s + seg, i - seg);
				sp->n = c->esc.len - sp->off;
				buf_grow(&c->esc, 8);
			} else {
				sp->off = start;
				sp->n = i - start;
			}
			if (++i == n) {
				e = n;
				goto end;
			}
			ch = s[i];
			if (ch == c->delim) {
				i++;
				continue;
			}
			if (ch == '\n' || ch == '\r') {
				e = i;
				goto end;
			}
			fail(c, CSV_EJUNK, nf, lines);
			e = line_end(&sc, i);
			goto end;
		}
		start = i;
		for (;;) {
			i = scan_next(&sc, i);
			if (i == n || s[i] == c->delim || s[i] == '\n' ||
			    s[i] == '\r')
				break;
			if (s[i] == '"') {
				fail(c, CSV_ESTRAY, nf, lines);
				i = line_end(&sc, i);
				break;
			}
			fail(c, CSV_ENUL, nf, lines);
			i++;
		}
		sp->off = start;
		sp->n = i - start;
		if (i < n && s[i] == c->delim) {
			i++;
			continue;
		}
		e = i;
		break;
	}
end:
	if (e == n) {
		if (!eof)
			return 0;
		term = 0;
	} else if (s[e] == '\r') {
		if (e + 1 == n && !eof)
			return 0;
		term = e + 1 < n && s[e + 1] == '\n' ? 2 : 1;
	} else {
		term = 1;
	}
	c->nf = nf;
	c->rawlen = e;
	c->endlen = term;
	c->lines = lines + (term > 0 || e > 0);
	c->blank = e == 0;
	*used = e + term;
	return 1;
}

int
csv_delimiter(const char *s)
{
	if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
		return '\t';
	if (strlen(s) != 1 || *s == '"' || *s == '\r' || *s == '\n' ||
	    (unsigned char)*s >= 0x80)
		return -1;
	return (unsigned char)*s;
}

void
csv_add_field(struct buf *b, const char *s, size_t n, int delim)
{
	const char *q;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r')
			break;
	if (i == n) {
		buf_add(b, s, n);
		return;
	}
	buf_addc(b, '"');
	while ((q = memchr(s, '"', n)) != NULL) {
		buf_add(b, s, (size_t)(q - s) + 1);
		buf_addc(b, '"');
		n -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	buf_add(b, s, n);
	buf_addc(b, '"');
}
