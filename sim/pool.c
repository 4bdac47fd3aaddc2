/* pool: see pool.h. Growth doubles; the free stack is as large as the pool. */
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
