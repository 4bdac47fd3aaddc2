/*
 * static: a fixed replica count per function, the no-autoscaler baseline.
 *
 * The count is resolved once at init (the `replicas` parameter, or the
 * function's target at start when it is -1) and repeated at every decision,
 * so a static run differs from an autoscaled one only by the policy. State is
 * one int per function.
 */
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "policy.h"

enum { P_REPLICAS, P_N };

static const struct param_def static_params[P_N] = {
	[P_REPLICAS] = {
		.name = "replicas",
		.type = PARAM_INT,
		.def = -1,
		.min = -1,
		.max = 1000000,
		.help = "replicas to hold; -1: the function's target at start",
	},
};

/* One allocation: want[nfn] (replicas to hold) then from_start[nfn] (1 when
 * want came from the start target, for the reason text). */
struct static_state {
	int nfn;
	int v[];
};

static void *static_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	struct static_state *s =
		malloc(sizeof *s + 2 * (size_t)ctx->nfn * sizeof(int));
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	int *want = s->v, *from_start = s->v + s->nfn;
	for (int i = 0; i < ctx->nfn; i++) {
		double r = ctx->params[i][P_REPLICAS].num;
		from_start[i] = r < 0;
		want[i] = r < 0 ? ctx->fn[i].target : (int)r;
	}
	return s;
}

static void static_decide(void *state, const struct scale_view *v,
			  struct scale_decision *out)
{
	struct static_state *s = state;
	const int *want = s->v, *from_start = s->v + s->nfn;
	for (int i = 0; i < v->nfn && i < s->nfn; i++) {
		if (!v->fn[i].managed)
			continue;
		int w = want[i];
		const struct fn_view *f = &v->fn[i];
		w = w > f->max_replicas ? f->max_replicas
		  : w < f->min_replicas ? f->min_replicas : w;
		out[i].desired = w;
		snprintf(out[i].reason, sizeof out[i].reason,
			 from_start[i] ? "static: %d replicas (target at start)"
					  : "static: %d replicas (replicas param)",
			 want[i]);
		if (w != want[i])
			policy_say(&out[i], ", held to [%d, %d]: %d",
				   f->min_replicas, f->max_replicas, w);
		policy_observe(&out[i], "replicas", want[i]);
	}
}

static void static_fini(void *state)
{
	free(state);
}

const struct policy policy_static = {
	.name = "static",
	.help = "a fixed number of replicas per function (no autoscaling)",
	.params = static_params,
	.nparams = P_N,
	.interval_s = 15,
	.init = static_init,
	.decide = static_decide,
	.fini = static_fini,
};
