/* keytab: open addressing (linear probing) on 128-bit key hashes. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "keytab.h"

#define KEYTAB_MIN	1024

/* The home slot of a hash: its top bits scaled to cap (no modulo). */
static size_t
home(uint64_t hi, size_t cap)
{
	return (size_t)(((unsigned __int128)hi * cap) >> 64);
}

/* Move every key into an array of newcap slots; -1 past the limit. */
static int
grow(struct keytab *t)
{
	struct keyslot *ns, *old = t->slot;
	size_t newcap = t->cap ? t->cap + t->cap / 2 : KEYTAB_MIN, i, j;

	if (t->limit && newcap * sizeof(*ns) > t->limit)
		return -1;
	ns = xcalloc(newcap, sizeof(*ns));
	for (i = 0; i < t->cap; i++) {
		if (old[i].row == 0)
			continue;
		for (j = home(old[i].hi, newcap); ns[j].row != 0;)
			j = j + 1 == newcap ? 0 : j + 1;
		ns[j] = old[i];
	}
	free(old);
	t->slot = ns;
	t->cap = newcap;
	if (newcap * sizeof(*ns) > t->peak)
		t->peak = newcap * sizeof(*ns);
	return 0;
}

struct keyslot *
keytab_put(struct keytab *t, uint64_t lo, uint64_t hi, int64_t row,
    int *isnew)
{
	struct keyslot *s;
	size_t i;

	*isnew = 0;
	if ((t->n + 1) * 4 > t->cap * 3 && grow(t) == -1)
		return NULL;
	for (i = home(hi, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
		s = &t->slot[i];
		if (s->row == 0)
			break;
		if (s->hi == hi && s->lo == lo)
			return s;
	}
	s->lo = lo;
	s->hi = hi;
	s->row = row;
	t->n++;
	*isnew = 1;
	return s;
}

struct keyslot *
keytab_get(const struct keytab *t, uint64_t lo, uint64_t hi)
{
	struct keyslot *s;
	size_t i;

	if (t->cap == 0)
		return NULL;
	for (i = home(hi, t->cap);; i = i + 1 == t->cap ? 0 : i + 1) {
		s = &t->slot[i];
		if (s->row == 0)
			return NULL;
		if (s->hi == hi && s->lo == lo)
			return s;
	}
}

void
keytab_free(struct keytab *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
