/* bloom: a blocked Bloom filter over 128-bit key hashes. */
#include <math.h>
#include <stdlib.h>

#include "bloom.h"
#include "buf.h"

#define WORDS_PER_BLOCK	(BLOOM_BLOCK_BYTES / 8)

void
bloom_init(struct bloom *b, size_t bytes, int k)
{
	uintptr_t p;

	b->nblocks = bytes / BLOOM_BLOCK_BYTES;
	if (b->nblocks == 0)
		b->nblocks = 1;
	b->bytes = b->nblocks * BLOOM_BLOCK_BYTES;
	b->k = k;
	/* calloc maps large arrays lazily; align by hand to a cache line. */
	b->mem = xcalloc(b->bytes + BLOOM_BLOCK_BYTES, 1);
	p = ((uintptr_t)b->mem + BLOOM_BLOCK_BYTES - 1) &
	    ~(uintptr_t)(BLOOM_BLOCK_BYTES - 1);
	b->w = (uint64_t *)p;
}

int
bloom_add(struct bloom *b, uint64_t lo, uint64_t hi)
{
	uint64_t *blk, g, step, x, m, have = 1;
	unsigned pos;
	int i;

	blk = b->w + (size_t)(((unsigned __int128)hi * b->nblocks) >> 64) *
	    WORDS_PER_BLOCK;
	g = lo;
	step = hi << 32 | hi >> 32;
	for (i = 0; i < b->k; i++, g += step) {
		/* Break the progression's structure (see bloom.h). */
		x = (g ^ g >> 32) * UINT64_C(0x9e3779b97f4a7c15);
		pos = (unsigned)(x >> 55);
		m = (uint64_t)1 << (pos & 63);
		have &= (blk[pos >> 6] & m) != 0;
		blk[pos >> 6] |= m;
	}
	return (int)have;
}

double
bloom_fill(const struct bloom *b)
{
	size_t i, n = b->nblocks * WORDS_PER_BLOCK;
	double set = 0;

	for (i = 0; i < n; i++)
		set += __builtin_popcountll(b->w[i]);
	return set / ((double)b->bytes * 8);
}

double
bloom_fp_now(const struct bloom *b)
{
	double pw[BLOOM_BLOCK_BITS + 1], sum = 0;
	size_t i, j;
	unsigned pop;

	for (i = 0; i <= BLOOM_BLOCK_BITS; i++)
		pw[i] = pow((double)i / BLOOM_BLOCK_BITS, b->k);
	for (i = 0; i < b->nblocks; i++) {
		pop = 0;
		for (j = 0; j < WORDS_PER_BLOCK; j++)
			pop += (unsigned)__builtin_popcountll(
			    b->w[i * WORDS_PER_BLOCK + j]);
		sum += pw[pop];
	}
	return sum / (double)b->nblocks;
}

void
bloom_free(struct bloom *b)
{
	free(b->mem);
	b->mem = NULL;
	b->w = NULL;
}

/*
 * Sum over the Poisson number of keys i in a block (mean 512 n / m) of
 * (1 - q^i)^k, q = (1 - 1/512)^k, over the terms that matter.
 */
double
bloom_fp_model(size_t bytes, int k, double n)
{
	double bits = (double)(bytes / BLOOM_BLOCK_BYTES) * BLOOM_BLOCK_BITS;
	double lambda, q, sd, lo, hi, i, sum = 0;

	if (n <= 0 || bits <= 0)
		return 0;
	lambda = BLOOM_BLOCK_BITS * n / bits;
	q = pow(1.0 - 1.0 / BLOOM_BLOCK_BITS, k);
	/* Past 10^5 keys a block (rates near 1), the mean alone will do. */
	if (lambda > 1e5)
		return pow(1 - pow(q, lambda), k);
	sd = sqrt(lambda);
	lo = floor(lambda - 12 * sd - 10);
	if (lo < 0)
		lo = 0;
	hi = ceil(lambda + 12 * sd + 20);
	for (i = lo; i <= hi; i++)
		sum += exp(-lambda + i * log(lambda) - lgamma(i + 1)) *
		    pow(1 - pow(q, i), k);
	return sum;
}

int
bloom_best_k(size_t bytes, double n)
{
	double fp, best = 2;
	int k, bestk = 1;

	for (k = 1; k <= BLOOM_MAX_HASHES; k++)
		if ((fp = bloom_fp_model(bytes, k, n)) < best) {
			best = fp;
			bestk = k;
		}
	return bestk;
}

size_t
bloom_bytes_for(double n, double p)
{
	size_t lo = 1, hi = 1, mid;

	/* Blocks: grow hi until it is enough, then bisect. */
	while (bloom_fp_model(hi * BLOOM_BLOCK_BYTES, bloom_best_k(hi *
	    BLOOM_BLOCK_BYTES, n), n) > p) {
		if (hi > SIZE_MAX / BLOOM_BLOCK_BYTES / 4)
			return 0;
		lo = hi + 1;
		hi *= 2;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bloom_fp_model(mid * BLOOM_BLOCK_BYTES, bloom_best_k(mid *
		    BLOOM_BLOCK_BYTES, n), n) > p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return hi * BLOOM_BLOCK_BYTES;
}
