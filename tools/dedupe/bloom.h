/*
 * bloom: dedupe --approx's filter of keys, a blocked Bloom filter.
 *
 * Why this structure: --approx promises fixed memory, one pass and no
 * spill, and that a key seen before is always caught. A Bloom filter
 * gives all of that and degrades gracefully when more keys come than
 * expected (its false-positive rate rises; it never fails an insert, as
 * a cuckoo or quotient filter does once full). Blocking (Putze, Sanders
 * and Singler, 2007) puts all k bits of a key in one 512-bit block, one
 * 64-byte cache line, so a lookup costs one cache miss instead of k on a
 * filter far larger than the caches, for a slightly higher
 * false-positive rate than a classic Bloom filter of the same size.
 *
 * A key is its 128-bit XXH3 hash (lo, hi), computed once by the caller;
 * nothing is hashed again. The block is chosen from hi by multiply-shift,
 * and the k bit positions in it by double hashing, g_i = h1 + i * h2
 * (mod 2^64) with h1 = lo and h2 = hi rotated by 32 bits (its low half,
 * which the block choice does not use), each g_i then mixed by one
 * xor-shift and one multiply before its top nine bits are taken. The mix
 * matters: taken straight (the top bits of g_i, or g_i mod 512 with an
 * odd h2), the positions of a key form an arithmetic progression in the
 * block, progressions of different keys overlap far more often than
 * random sets do, and 100000 keys measured 2 to 6 times the false
 * positives of the model below; with the mix they match it.
 *
 * The model (bloom_fp_model): after n keys in m bits, a block holds
 * Poisson(512 n / m) keys, and with i keys in it a new key is taken for
 * one seen with probability (1 - (1 - 1/512)^(i k))^k.
 */
#ifndef DEDUPE_BLOOM_H
#define DEDUPE_BLOOM_H

#include <stddef.h>
#include <stdint.h>

#define BLOOM_BLOCK_BYTES	64
#define BLOOM_BLOCK_BITS	512
#define BLOOM_MAX_HASHES	16

struct bloom {
	uint64_t	*w;		/* nblocks * 8 words, 64-byte aligned */
	void		*mem;		/* what to free */
	size_t		 nblocks;
	size_t		 bytes;		/* nblocks * 64 */
	int		 k;		/* bits set per key */
};

/* A filter of bytes (rounded down to 64, at least 64) and k hashes. */
void	 bloom_init(struct bloom *, size_t bytes, int k);
/*
 * Add the key (lo, hi): 1 when all its bits were set already (it was
 * seen, or is a false positive), 0 when it is new.
 */
int	 bloom_add(struct bloom *, uint64_t lo, uint64_t hi);
/* Fraction of the bits set. */
double	 bloom_fill(const struct bloom *);
/*
 * The probability that a new key is now taken for a seen one, from the
 * fill of each block: the mean over blocks of (bits set / 512)^k.
 */
double	 bloom_fp_now(const struct bloom *);
void	 bloom_free(struct bloom *);

/* The model's false-positive rate after n keys in bytes with k hashes. */
double	 bloom_fp_model(size_t bytes, int k, double n);
/* The k (1..16) with the lowest model rate for n keys in bytes. */
int	 bloom_best_k(size_t bytes, double n);
/* The fewest bytes (a multiple of 64) whose best rate at n is <= p. */
size_t	 bloom_bytes_for(double n, double p);

#endif
