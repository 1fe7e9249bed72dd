/*
 * libFuzzer harness for pg-load's COPY encoder (tools/pg-load/encode.c).
 * The input's lines are records, encoded against a synthetic table with
 * a column of every kind the binary encoder knows (and a defaulted one),
 * once into a batch kept in text and once into a batch that tries binary,
 * for an append plan and for a staging plan with --extra-column and a
 * --map. No input may crash it, and:
 *   - both batches accept and reject the same records, with the same
 *     message and path;
 *   - a batch that fell back to text holds exactly the text batch's bytes;
 *   - a batch still in binary decodes (the small decoder below) to the
 *     values its text line denotes: the same bytes after COPY text
 *     unescaping, the same integer, boolean and uuid, the same instant
 *     (via tm_parse), the same NULLs, the same field count.
 * The plan is built by hand: no database.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/pg-load/pg-load.h"
#include "tm.h"
#include "utf8.h"

#define PG_EPOCH_US	INT64_C(946684800000000)

static const struct {
	const char	*name, *type;
	unsigned	 oid;
	enum pg_kind	 kind;
	int		 has_default;
} cols[] = {
	{ "id",	"bigint", 20, PG_K_TEXT, 0 },
	{ "s",	"text", 25, PG_K_TEXT, 0 },
	{ "v",	"character varying(5)", 1043, PG_K_TEXT, 0 },
	{ "i2",	"smallint", 21, PG_K_TEXT, 0 },
	{ "i4",	"integer", 23, PG_K_TEXT, 0 },
	{ "b",	"boolean", 16, PG_K_BOOL, 0 },
	{ "ts",	"timestamp with time zone", 1184, PG_K_TEXT, 0 },
	{ "u",	"uuid", 2950, PG_K_TEXT, 0 },
	{ "j",	"json", 114, PG_K_JSON, 0 },
	{ "jb",	"jsonb", 3802, PG_K_JSON, 0 },
	{ "d",	"timestamp with time zone", 1184, PG_K_TEXT, 1 },
};
#define NCOL	(sizeof(cols) / sizeof(cols[0]))

static struct plan	 plans[2];
static struct encoder	*encs[2];
static unsigned		 oids[NCOL];

static void
plan_init(struct plan *p, enum mode mode, int extra)
{
	size_t i;
	int bits = 0;
	char err[256];

	pthread_mutex_init(&p->lock, NULL);
	p->mode = mode;
	p->t.name = "t";
	p->t.qname = "\"t\"";
	p->t.ncol = NCOL;
	p->t.binary_ok = 1;
	p->t.col = calloc(NCOL, sizeof(*p->t.col));
	p->writable = calloc(NCOL, sizeof(int));
	p->defbit = calloc(NCOL, sizeof(int));
	p->extra_ci = -1;
	for (i = 0; i < NCOL; i++) {
		p->t.col[i].name = (char *)cols[i].name;
		p->t.col[i].type = (char *)cols[i].type;
		p->t.col[i].attnum = (int)i + 1;
		p->t.col[i].kind = cols[i].kind;
		p->t.col[i].has_default = cols[i].has_default;
		p->writable[i] = 1;
		p->defbit[i] = cols[i].has_default ? bits++ : -1;
		p->t.col[i].typoid = cols[i].oid;
		oids[i] = cols[i].oid;
	}
	if (extra) {
		p->extra_ci = 9;	/* jb */
		p->row_field = "_row";
		p->map = calloc(1, sizeof(*p->map));
		p->map[0].ci = 6;	/* ts */
		p->map[0].col = "ts";
		p->map[0].expr = ".occurred_at // .created_at";
		p->map[0].jq = jqx_compile(p->map[0].expr, err, sizeof(err));
		if (p->map[0].jq == NULL)
			abort();
		p->nmap = 1;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	plan_init(&plans[0], M_APPEND, 0);
	plan_init(&plans[1], M_UPSERT, 1);
	encs[0] = enc_new(&plans[0]);
	encs[1] = enc_new(&plans[1]);
	return 0;
}

static uint64_t
get(const unsigned char *s, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | s[i];
	return v;
}

/* One field of a COPY text line, unescaped; 0 at its end, -1 for NULL. */
static int
text_field(const char **pp, const char *end, struct buf *out)
{
	const char *p = *pp;

	buf_reset(out);
	if (end - p >= 2 && p[0] == '\\' && p[1] == 'N' &&
	    (end - p == 2 || p[2] == '\t')) {
		*pp = p + 2 + (end - p > 2);
		return -1;
	}
	while (p < end && *p != '\t') {
		if (*p == '\\' && p + 1 < end) {
			char c = p[1];

			buf_addc(out, c == 't' ? '\t' : c == 'n' ? '\n' :
			    c == 'r' ? '\r' : c);
			p += 2;
		} else
			buf_addc(out, *p++);
	}
	*pp = p + (p < end);
	return 0;
}

/* n bytes equal (memcmp may not see a NULL pointer, even for 0 bytes). */
static int
same(const void *a, const void *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

/* Binary field (n bytes at v) against its text form t for type oid. */
static void
check_field(unsigned oid, const unsigned char *v, uint32_t n,
    const struct buf *t)
{
	int64_t ns, want;
	const char *why;
	char num[32];
	size_t i, k;

	switch (oid) {
	case 25: case 1043: case 114:
		if (n != t->len || !same(v, t->p, n))
			abort();
		return;
	case 3802:
		if (n != t->len + 1 || v[0] != 1 || !same(v + 1, t->p, n - 1))
			abort();
		return;
	case 21: case 23: case 20:
		if (n != (oid == 21 ? 2u : oid == 23 ? 4u : 8u) ||
		    t->len == 0 || t->len >= sizeof(num))
			abort();
		memcpy(num, t->p, t->len);
		num[t->len] = '\0';
		want = strtoll(num, NULL, 10);
		ns = (int64_t)get(v, (int)n);
		if (n == 2)
			ns = (int16_t)ns;
		else if (n == 4)
			ns = (int32_t)ns;
		if (ns != want)
			abort();
		return;
	case 16:
		if (n != 1 || t->len != 1 || (v[0] ? 't' : 'f') != t->p[0])
			abort();
		return;
	case 1184:
		if (n != 8 || tm_parse(t->p, t->len, &ns, &why) != 0 ||
		    (int64_t)get(v, 8) != ns / 1000 - PG_EPOCH_US ||
		    ns % 1000 != 0)
			abort();
		return;
	case 2950:
		if (n != 16)
			abort();
		for (i = 0, k = 0; i < t->len && k < 16; i++) {
			if (t->p[i] == '-')
				continue;
			if (i + 1 >= t->len || hexval(t->p[i]) < 0 ||
			    hexval(t->p[i + 1]) < 0 || v[k++] !=
			    (hexval(t->p[i]) << 4 | hexval(t->p[i + 1])))
				abort();
			i++;
		}
		if (k != 16)
			abort();
		return;
	}
	abort();
}

/* Row r of the binary batch against the same row of the text batch. */
static void
check_row(struct plan *p, const struct batch *bb, const struct batch *tb,
    size_t r, struct buf *t)
{
	const unsigned char *s = (const unsigned char *)bb->copy.p +
	    bb->row[r].copy_off, *end = s + bb->row[r].copy_len;
	const char *tp = tb->copy.p + tb->row[r].copy_off,
	    *tend = tp + tb->row[r].copy_len - 1;	/* the '\n' */
	unsigned nfield, f = 0;
	size_t i;

	if (end - s < 2 || tb->row[r].copy_len == 0 ||
	    tp[tb->row[r].copy_len - 1] != '\n')
		abort();
	nfield = (unsigned)get(s, 2);
	s += 2;
	for (i = 0; i <= p->t.ncol; i++) {
		unsigned oid;
		uint32_t n;
		int null;

		/* The staging row number first, then the columns sent. */
		if (i == 0 && p->mode == M_APPEND)
			continue;
		if (i > 0 && p->defbit[i - 1] >= 0 &&
		    (bb->row[r].sig >> p->defbit[i - 1]) & 1)
			continue;
		oid = i == 0 ? 20 : oids[i - 1];
		if (end - s < 4)
			abort();
		n = (uint32_t)get(s, 4);
		s += 4;
		null = text_field(&tp, tend, t) == -1;
		f++;
		if (n == UINT32_MAX) {
			if (!null)
				abort();
			continue;
		}
		if (null || (size_t)(end - s) < n)
			abort();
		check_field(oid, s, n, t);
		s += n;
	}
	if (f != nfield || s != end || tp < tend)
		abort();
}

static void
run(int which, const uint8_t *data, size_t size)
{
	struct plan *p = &plans[which];
	struct encoder *e = encs[which];
	struct batch tb, bb;
	struct buf t = BUF_INIT;
	const char *line = (const char *)data, *end = line + size, *nl;
	struct enc_err te, be;
	int64_t lineno = 0;
	int ts, bs;
	size_t r;

	memset(&tb, 0, sizeof(tb));
	memset(&bb, 0, sizeof(bb));
	batch_reset(&tb, 0);
	batch_reset(&bb, 0);
	tb.binary = 0;
	while (line < end) {
		size_t len;

		nl = memchr(line, '\n', (size_t)(end - line));
		len = nl ? (size_t)(nl - line) : (size_t)(end - line);
		lineno++;
		ts = enc_record(e, &tb, line, len, lineno, &te);
		bs = enc_record(e, &bb, line, len, lineno, &be);
		if (ts != bs || te.src_row != be.src_row ||
		    te.is_object != be.is_object || tb.binary)
			abort();
		if (ts == -1 && (strcmp(te.msg, be.msg) != 0 ||
		    strcmp(te.path, be.path) != 0))
			abort();
		line += len + 1;
	}
	if (tb.nrow != bb.nrow)
		abort();
	if (!bb.binary) {
		if (tb.copy.len != bb.copy.len || !same(tb.copy.p, bb.copy.p,
		    tb.copy.len))
			abort();
	} else {
		for (r = 0; r < bb.nrow; r++) {
			if (tb.row[r].sig != bb.row[r].sig)
				abort();
			check_row(p, &bb, &tb, r, &t);
		}
	}
	for (r = 0; r < tb.nrow; r++)
		if (tb.row[r].lineno != bb.row[r].lineno ||
		    tb.row[r].src_row != bb.row[r].src_row ||
		    tb.row[r].line_len != bb.row[r].line_len)
			abort();
	buf_free(&tb.lines);
	buf_free(&tb.copy);
	buf_free(&bb.lines);
	buf_free(&bb.copy);
	free(tb.row);
	free(bb.row);
	buf_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(0, data, size);
	run(1, data, size);
	return 0;
}
