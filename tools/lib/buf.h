/*
 * buf: one growable byte buffer, used everywhere bytes are assembled.
 *
 * A struct buf owns its storage; buf_free releases it. The contents are
 * not NUL-terminated unless buf_cstr is called. Allocation failure is
 * fatal (the process exits 70 with "out of memory"): it is the one place
 * library code may end the process, because no caller can recover.
 */
#ifndef SLUICE_BUF_H
#define SLUICE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Room for n more bytes: buf_grow's slow path (reallocation). */
void	 buf_enlarge(struct buf *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_add_i64(struct buf *, int64_t);
void	 buf_add_jstr(struct buf *, const char *, size_t);
/* The longest prefix a JSON string holds as is (no control, '"', '\\'). */
size_t	 buf_jstr_plain(const char *, size_t);
/* The same, '"' allowed: raw text whose quotes are handled elsewhere. */
size_t	 buf_jstr_plain_quotes(const char *, size_t);
void	 buf_add_b64(struct buf *, const void *, size_t);
char	*buf_cstr(struct buf *);
void	 buf_free(struct buf *);

/* Make room for at least n more bytes (inline: every byte comes here). */
static inline void
buf_grow(struct buf *b, size_t n)
{
	if (b->cap - b->len <= n)
		buf_enlarge(b, n);
}

static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void
buf_addc(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->p[b->len++] = (char)c;
}

static inline void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);

#endif
