/*
 * arrivals: see arrivals.h. The source's configuration is turned into a
 * pipeline of xform stages once, at arr_new; arr_next pulls from its
 * outermost stage. A stage that would change nothing (no slice, time_scale
 * 1 with shift 0, rate_scale 1) is not built, and the rate stage draws
 * exactly as the pre-transform arr_next did, so existing configs replay
 * bit for bit. Random streams are named by the member's place in the
 * config (arrivals.h), never by build order.
 */
#include "arrivals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "err.h"
#include "rng.h"
#include "xform.h"

struct arrivals {
	struct xf *x;
};

struct build {
	uint64_t seed;
	const char *rng_type;
	const char *topic;
	struct err *e;
};

static struct rng *stream(const struct build *b, const char *prefix,
			  const char *what)
{
	char name[512];
	snprintf(name, sizeof name, "%s/%s", prefix, what);
	struct rng *r = rng_new(b->seed, name, b->rng_type);
	if (!r)
		err_set(b->e, ERR_INTERNAL, "cannot create the random stream %s",
			name);
	return r;
}

/* The pipeline of one node; prefix is its stream name prefix
 * ("source/T" or "source/T/merge[i]...") and where its place in messages. */
static struct xf *build_node(const struct build *b, const struct cfg_arrivals *n,
			     const char *prefix, const char *where)
{
	struct xf *x;
	if (n->workload) {
		struct rng *r = stream(b, prefix, "arrivals");
		if (!r)
			return NULL;
		void *st = n->workload->open(n->workload_params, r, b->e);
		if (!st) {
			err_prefix(b->e, "%s", where);
			rng_free(r);
			return NULL;
		}
		x = xf_leaf(st, n->workload->next, n->workload->close, r, where,
			    b->e);
	} else {
		struct xf **in = calloc((size_t)n->nmerge, sizeof *in);
		if (!in) {
			err_set(b->e, ERR_INTERNAL, "out of memory");
			return NULL;
		}
		for (int i = 0; i < n->nmerge; i++) {
			char p[512], w[512];
			snprintf(p, sizeof p, "%s/merge[%d]", prefix, i);
			snprintf(w, sizeof w, "%s merge[%d]", where, i);
			if (!(in[i] = build_node(b, &n->merge[i], p, w))) {
				for (int j = 0; j < i; j++)
					xf_free(in[j]);
				free(in);
				return NULL;
			}
		}
		x = xf_merge(in, (size_t)n->nmerge, b->e);
		free(in);
	}
	if (x && (n->slice_from_s > 0 || n->slice_to_s < INFINITY))
		x = xf_slice(x, n->slice_from_s, n->slice_to_s, n->slice_rebase,
			     b->e);
	if (x && (n->time_scale != 1 || n->shift_s != 0))
		x = xf_affine(x, n->time_scale, n->shift_s, b->e);
	if (x && n->rate_scale != 1) {
		struct rng *r = stream(b, prefix, "rate_scale");
		x = r ? xf_rate(x, n->rate_scale, r, b->e) : (xf_free(x), NULL);
	}
	if (!x)
		err_prefix(b->e, "%s", where);
	return x;
}

struct arrivals *arr_new(const struct cfg_source *c, uint64_t seed,
			 const char *rng_type, struct err *e)
{
	struct arrivals *a = calloc(1, sizeof *a);
	if (!a) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	const struct cfg_arrivals root = {
		.workload = c->workload, .workload_params = c->workload_params,
		.merge = c->merge, .nmerge = c->nmerge,
		.slice_from_s = c->slice_from_s, .slice_to_s = c->slice_to_s,
		.slice_rebase = c->slice_rebase, .time_scale = c->time_scale,
		.shift_s = c->shift_s, .rate_scale = c->rate_scale,
	};
	const struct build b = { .seed = seed, .rng_type = rng_type,
				 .topic = c->topic, .e = e };
	char prefix[512], where[512];
	snprintf(prefix, sizeof prefix, "source/%s", c->topic);
	snprintf(where, sizeof where, "source '%s'", c->topic);
	if (!(a->x = build_node(&b, &root, prefix, where))) {
		free(a);
		return NULL;
	}
	return a;
}

void arr_free(struct arrivals *a)
{
	if (!a)
		return;
	xf_free(a->x);
	free(a);
}

int arr_next(struct arrivals *a, struct arrival *out, struct err *e)
{
	return xf_next(a->x, out, e);
}
