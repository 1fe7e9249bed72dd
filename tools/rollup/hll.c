/*
 * hll: HyperLogLog states in the storage format of the postgresql-hll
 * extension (schema version 1), so that a state rollup writes holds the
 * same bytes as the extension's hll_add_agg of the same hashes, a state
 * the extension wrote merges here, and both estimate alike.
 *
 * A value is a 3-byte header (version and type; register width - 1 and
 * log2 of the register count; the sparse flag and the encoded explicit
 * threshold) and then, by type: EMPTY nothing; EXPLICIT the distinct
 * hashes as sorted (signed) 64-bit big-endian integers; SPARSE the
 * non-zero registers as (index, value) bit fields of log2m + regwidth
 * bits; FULL every register in regwidth bits. Bit fields are packed
 * from the most significant bit and the last byte is padded with zeros.
 * In memory a state is EMPTY, EXPLICIT (up to the threshold) or FULL;
 * SPARSE is only a way of writing FULL registers when it is shorter.
 *
 * The hash is MurmurHash3 x64 128 with seed 0, its first 64-bit half,
 * as the extension's hll_hash_* functions compute it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rollup.h"

enum { T_UNDEFINED, T_EMPTY, T_EXPLICIT, T_SPARSE, T_FULL };

/* The most explicit elements the extension holds (128 KiB of them). */
#define EXPLICIT_MAX	16383

struct bits_out {
	struct buf	*b;
	uint64_t	 acc;
	int		 n;
};

static size_t	 explicit_limit(const struct hll_params *);
static void	 to_full(struct hll *);
static void	 reg_add(struct hll *, uint64_t);
static void	 put_byte(struct buf *, unsigned);
static void	 bits_put(struct bits_out *, uint32_t, int);
static void	 bits_end(struct bits_out *);
static uint32_t	 bits_get(const uint8_t *, size_t, int);
static int	 hex_decode(const char *, size_t, uint8_t *);

static uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static uint64_t
load_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* MurmurHash3 x64 128, seed 0: the first half (what hll_hash_* return). */
uint64_t
hll_hash(const void *data, size_t len)
{
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	const uint8_t *p = data;
	uint64_t h1 = 0, h2 = 0, k1, k2;
	size_t i, nblocks = len / 16, tail = len % 16;

	for (i = 0; i < nblocks; i++, p += 16) {
		k1 = load_le64(p, 8);
		k2 = load_le64(p + 8, 8);
		h1 ^= rotl64(k1 * c1, 31) * c2;
		h1 = (rotl64(h1, 27) + h2) * 5 + 0x52dce729;
		h2 ^= rotl64(k2 * c2, 33) * c1;
		h2 = (rotl64(h2, 31) + h1) * 5 + 0x38495ab5;
	}
	if (tail > 8)
		h2 ^= rotl64(load_le64(p + 8, tail - 8) * c2, 33) * c1;
	if (tail > 0)
		h1 ^= rotl64(load_le64(p, tail > 8 ? 8 : tail) * c1, 31) * c2;
	h1 ^= (uint64_t)len;
	h2 ^= (uint64_t)len;
	h1 += h2;
	h2 += h1;
	h1 = fmix64(h1);
	h2 = fmix64(h2);
	return h1 + h2;
}

/* The options' values: 0, or -1 with the reason. */
int
hll_params_check(const struct hll_params *p, const char **why)
{
	if (p->log2m < 4 || p->log2m > 17)
		*why = "log2m must be between 4 and 17";
	else if (p->regwidth < 1 || p->regwidth > 7)
		*why = "regwidth must be between 1 and 7";
	else if (p->expthresh < -1 || p->expthresh > 8192 ||
	    (p->expthresh > 0 && (p->expthresh & (p->expthresh - 1)) != 0))
		*why = "expthresh must be -1, 0 or a power of 2 up to 8192";
	else if (p->sparse != 0 && p->sparse != 1)
		*why = "sparse must be 0 or 1";
	else
		return 0;
	return -1;
}

/* An empty state; log2m 0 leaves the parameters to the first union. */
void
hll_init(struct hll *h, const struct hll_params *p)
{
	memset(h, 0, sizeof(*h));
	h->p = *p;
	h->type = T_EMPTY;
}

void
hll_free(struct hll *h)
{
	free(h->elem);
	free(h->reg);
}

/* -1 (auto): as many hashes as fit in the space of the registers. */
static size_t
explicit_limit(const struct hll_params *p)
{
	size_t n;

	if (p->expthresh != -1)
		return (size_t)p->expthresh;
	n = ((size_t)p->regwidth * ((size_t)1 << p->log2m) + 7) / 8 / 8;
	return n > EXPLICIT_MAX ? EXPLICIT_MAX : n;
}

void
hll_add(struct hll *h, uint64_t x)
{
	int64_t v = (int64_t)x;
	size_t lo = 0, hi = h->n, mid;

	if (h->type == T_FULL) {
		reg_add(h, x);
		return;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (h->elem[mid] == v)
			return;
		if (h->elem[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (h->n >= explicit_limit(&h->p)) {
		to_full(h);
		reg_add(h, x);
		return;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->elem = xrealloc(h->elem, h->cap * sizeof(*h->elem));
	}
	memmove(h->elem + lo + 1, h->elem + lo, (h->n - lo) * sizeof(*h->elem));
	h->elem[lo] = v;
	h->n++;
	h->type = T_EXPLICIT;
}

static void
to_full(struct hll *h)
{
	size_t i;

	h->reg = xcalloc((size_t)1 << h->p.log2m, 1);
	h->type = T_FULL;
	for (i = 0; i < h->n; i++)
		reg_add(h, (uint64_t)h->elem[i]);
	free(h->elem);
	h->elem = NULL;
	h->n = h->cap = 0;
}

/*
 * The low log2m bits pick the register; it keeps the largest 1 + the
 * number of trailing zeros of the rest (0 when the rest is 0), capped
 * at what regwidth bits hold.
 */
static void
reg_add(struct hll *h, uint64_t x)
{
	uint64_t rest = x >> h->p.log2m;
	unsigned max = (1u << h->p.regwidth) - 1;
	unsigned r = rest == 0 ? 0 : (unsigned)__builtin_ctzll(rest) + 1;
	uint8_t *reg = &h->reg[x & (((uint64_t)1 << h->p.log2m) - 1)];

	if (r > max)
		r = max;
	if (*reg < r)
		*reg = (uint8_t)r;
}

/* The estimate, computed as the extension's hll_cardinality does. */
double
hll_cardinality(const struct hll *h)
{
	size_t i, m = (size_t)1 << h->p.log2m, zeros = 0;
	int width = (1 << h->p.regwidth) - 2 + h->p.log2m;
	double two_l = ldexp(1.0, width), sum = 0, gamma, e;

	if (h->type != T_FULL)
		return (double)h->n;
	for (i = 0; i < m; i++) {
		sum += 1.0 / (double)(1L << h->reg[i]);
		zeros += h->reg[i] == 0;
	}
	switch (m) {
	case 16: gamma = 0.673 * m * m; break;
	case 32: gamma = 0.697 * m * m; break;
	case 64: gamma = 0.709 * m * m; break;
	default: gamma = (0.7213 / (1.0 + 1.079 / m)) * m * m; break;
	}
	e = gamma / sum;
	if (zeros != 0 && e < 5.0 * m / 2.0)
		return m * log((double)m / zeros);
	if (e <= two_l / 30.0)
		return e;
	return -two_l * log(1.0 - e / two_l);
}

static void
put_byte(struct buf *b, unsigned v)
{
	static const char hex[] = "0123456789abcdef";

	buf_addc(b, hex[(v >> 4) & 15]);
	buf_addc(b, hex[v & 15]);
}

static void
bits_put(struct bits_out *o, uint32_t v, int n)
{
	o->acc = o->acc << n | v;
	o->n += n;
	while (o->n >= 8) {
		o->n -= 8;
		put_byte(o->b, (unsigned)(o->acc >> o->n) & 0xff);
	}
}

static void
bits_end(struct bits_out *o)
{
	if (o->n > 0)
		put_byte(o->b, (unsigned)(o->acc << (8 - o->n)) & 0xff);
	o->n = 0;
}

/*
 * The value's bytes in lowercase hexadecimal (the extension's text form
 * less its leading \x). FULL registers are written SPARSE when that is
 * on and takes fewer bits, as the extension decides.
 */
void
hll_add_hex(struct buf *b, const struct hll *h)
{
	struct bits_out o = { b, 0, 0 };
	const struct hll_params *p = &h->p;
	size_t i, m = (size_t)1 << p->log2m, filled = 0;
	int type = h->type, k;

	if (type == T_FULL) {
		for (i = 0; i < m; i++)
			filled += h->reg[i] != 0;
		if (p->sparse && filled * (size_t)(p->log2m + p->regwidth) <
		    m * (size_t)p->regwidth)
			type = T_SPARSE;
	}
	put_byte(b, 0x10 | (unsigned)type);
	put_byte(b, (unsigned)(p->regwidth - 1) << 5 | (unsigned)p->log2m);
	if (p->expthresh == -1)
		k = 63;
	else
		for (k = 0; ((int64_t)1 << k) <= p->expthresh; k++)
			;
	put_byte(b, (unsigned)p->sparse << 6 | (unsigned)k);
	switch (type) {
	case T_EXPLICIT:
		for (i = 0; i < h->n; i++) {
			bits_put(&o, (uint32_t)((uint64_t)h->elem[i] >> 32), 32);
			bits_put(&o, (uint32_t)h->elem[i], 32);
		}
		break;
	case T_SPARSE:
		for (i = 0; i < m; i++)
			if (h->reg[i] != 0)
				bits_put(&o, (uint32_t)(i << p->regwidth) |
				    h->reg[i], p->log2m + p->regwidth);
		break;
	case T_FULL:
		for (i = 0; i < m; i++)
			bits_put(&o, h->reg[i], p->regwidth);
		break;
	}
	bits_end(&o);
}

/* n bits (at most 24) at bit offset pos, most significant first. */
static uint32_t
bits_get(const uint8_t *p, size_t pos, int n)
{
	uint32_t v = 0;
	size_t byte = pos / 8;
	int skip = (int)(pos % 8), have = 0;
	uint64_t acc = 0;

	while (have < skip + n) {
		acc = acc << 8 | p[byte++];
		have += 8;
	}
	v = (uint32_t)(acc >> (have - skip - n)) & ((1u << n) - 1);
	return v;
}

static int
hex_decode(const char *s, size_t n, uint8_t *out)
{
	size_t i;
	int c, v = 0;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		v = (v << 4 | c) & 0xff;
		if (i % 2 == 1)
			out[i / 2] = (uint8_t)v;
	}
	return 0;
}

/*
 * Union the value in the extension's text form (\x and hexadecimal) into
 * h, which takes the value's parameters if it has none yet. 0, or -1
 * with the reason in why.
 */
int
hll_union_text(struct hll *h, const char *s, size_t len, const char **why)
{
	struct hll_params p;
	uint8_t *b;
	size_t n, i, m, chunk, filled;
	uint32_t v;
	int type, e, r = -1;

	*why = "not an hll value (\\x and hexadecimal digits)";
	if (len < 8 || s[0] != '\\' || s[1] != 'x' || len % 2 != 0)
		return -1;
	n = (len - 2) / 2;
	b = xmalloc(n + 8);
	memset(b + n, 0, 8);
	if (hex_decode(s + 2, len - 2, b) == -1)
		goto out;
	*why = "hll value of an unknown schema version";
	if (b[0] >> 4 != 1)
		goto out;
	type = b[0] & 15;
	p.regwidth = (b[1] >> 5) + 1;
	p.log2m = b[1] & 31;
	e = b[2] & 63;
	p.expthresh = e == 63 ? -1 : e == 0 ? 0 : (int64_t)1 << (e - 1);
	p.sparse = (b[2] >> 6) & 1;
	if (hll_params_check(&p, why) == -1)
		goto out;
	*why = "hll parameters (log2m, regwidth, expthresh, sparse) differ "
	    "from the group's";
	if (h->p.log2m == 0)
		h->p = p;
	else if (h->p.log2m != p.log2m || h->p.regwidth != p.regwidth ||
	    h->p.expthresh != p.expthresh || h->p.sparse != p.sparse)
		goto out;
	m = (size_t)1 << p.log2m;
	switch (type) {
	case T_EMPTY:
		*why = "EMPTY hll value with data";
		if (n != 3)
			goto out;
		break;
	case T_EXPLICIT:
		*why = "EXPLICIT hll value not a sorted set of 8-byte hashes";
		if ((n - 3) % 8 != 0)
			goto out;
		for (i = 3; i < n; i += 8)
			if (i > 3 && (int64_t)load_be64(b + i) <=
			    (int64_t)load_be64(b + i - 8))
				goto out;
		for (i = 3; i < n; i += 8)
			hll_add(h, load_be64(b + i));
		break;
	case T_SPARSE:
		chunk = (size_t)(p.log2m + p.regwidth);
		filled = (n - 3) * 8 / chunk;
		*why = "SPARSE hll value of the wrong length";
		if ((n - 3) * 8 - filled * chunk >= 8)
			goto out;
		if (h->type != T_FULL)
			to_full(h);
		for (i = 0; i < filled; i++) {
			v = bits_get(b + 3, i * chunk, (int)chunk);
			if (h->reg[v >> p.regwidth] <
			    (v & ((1u << p.regwidth) - 1)))
				h->reg[v >> p.regwidth] =
				    (uint8_t)(v & ((1u << p.regwidth) - 1));
		}
		break;
	case T_FULL:
		*why = "FULL hll value of the wrong length";
		if (n - 3 != (m * (size_t)p.regwidth + 7) / 8)
			goto out;
		if (h->type != T_FULL)
			to_full(h);
		for (i = 0; i < m; i++) {
			v = bits_get(b + 3, i * (size_t)p.regwidth, p.regwidth);
			if (h->reg[i] < v)
				h->reg[i] = (uint8_t)v;
		}
		break;
	default:
		*why = "hll value is not EMPTY, EXPLICIT, SPARSE or FULL";
		goto out;
	}
	r = 0;
out:
	free(b);
	return r;
}
