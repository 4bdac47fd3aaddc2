/*
 * pool: fixed-size items addressed by 32-bit index, recycled through a free
 * stack. Indices stay valid when the pool grows (it reallocates), so models
 * link items by index, never by pointer. Nothing is allocated per item once
 * the pool has reached its working size.
 * Ownership: the struct is the caller's (embed it); pool_fini releases the
 * storage.
 */
#ifndef SPATE_POOL_H
#define SPATE_POOL_H

#include <stddef.h>
#include <stdint.h>

#define POOL_NIL UINT32_MAX

struct pool {
	unsigned char *items;
	size_t size;       /* bytes per item */
	uint32_t cap, used, live;
	uint32_t *free;    /* stack of released indices */
	uint32_t nfree;
};

void pool_init(struct pool *p, size_t item_size);
void pool_fini(struct pool *p);
/* A fresh (uninitialized) item's index, or POOL_NIL when memory runs out. */
uint32_t pool_get(struct pool *p);
void pool_put(struct pool *p, uint32_t i);
/* Reorders the free stack so that the lowest free indices are handed out
 * first. After a backlog drains, the stack holds the indices in the order
 * they were freed, spread over the whole grown pool, and a small working
 * set drawn from it touches a new cache line (and page) per item; drawn
 * from the tidied stack it packs into the bottom of the pool. O(used);
 * for callers to do rarely. Indices in use do not change. */
void pool_tidy(struct pool *p);

static inline void *pool_at(const struct pool *p, uint32_t i)
{
	return p->items + (size_t)i * p->size;
}

#endif
