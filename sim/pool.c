/* pool: see pool.h. Growth doubles; the free stack is as large as the pool.
 * pool_tidy rebuilds the free stack from a bitmap of the free indices,
 * O(used), so that the lowest indices come out first. */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

void pool_init(struct pool *p, size_t item_size)
{
	memset(p, 0, sizeof *p);
	p->size = item_size;
}

void pool_fini(struct pool *p)
{
	free(p->items);
	free(p->free);
	memset(p, 0, sizeof *p);
}

uint32_t pool_get(struct pool *p)
{
	if (p->nfree) {
		p->live++;
		return p->free[--p->nfree];
	}
	if (p->used == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 256;
		if (cap <= p->cap || cap == POOL_NIL)
			return POOL_NIL;
		unsigned char *items = realloc(p->items, (size_t)cap * p->size);
		if (!items)
			return POOL_NIL;
		p->items = items;
		uint32_t *fr = realloc(p->free, (size_t)cap * sizeof *fr);
		if (!fr)
			return POOL_NIL;
		p->free = fr;
		p->cap = cap;
	}
	p->live++;
	return p->used++;
}

void pool_put(struct pool *p, uint32_t i)
{
	p->free[p->nfree++] = i;
	p->live--;
}

void pool_tidy(struct pool *p)
{
	size_t words = ((size_t)p->used + 63) / 64;
	uint64_t *bits = calloc(words ? words : 1, sizeof *bits);
	if (!bits)
		return;   /* only an optimization: the stack stays as it was */
	for (uint32_t k = 0; k < p->nfree; k++)
		bits[p->free[k] >> 6] |= 1ull << (p->free[k] & 63);
	uint32_t n = 0;   /* highest first, so the top of the stack is lowest */
	for (size_t w = words; w-- > 0;)
		while (bits[w]) {
			int top = 63 - __builtin_clzll(bits[w]);
			bits[w] &= ~(1ull << top);
			p->free[n++] = (uint32_t)(w * 64 + (size_t)top);
		}
	free(bits);
}
