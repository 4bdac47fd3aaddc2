/*
 * target_tracking: an example of a policy built outside spate, loaded from a
 * shared object with
 *     "autoscaler": {"policy": {"so": "target_tracking.so", "target": 0.6}}
 * It keeps each function's busy fraction near `target`: replicas =
 * ceil(busy slots / (concurrency x target)), over the last `window_s`.
 * Build it against the spate sources it will run with:
 *     cc -O2 -fPIC -shared -Isim -Ipolicies -o target_tracking.so \
 *        experiments/plugins/target_tracking.c
 * (make builds it as build/plugins/target_tracking.so). Only policy.h,
 * monitor.h and param.h are visible to it; policy_say, policy_observe and
 * mon_* resolve against the spate binary at load time.
 */
#include <math.h>
#include <stdlib.h>

#include "policy.h"

enum { P_TARGET, P_WINDOW, P_N };

static const struct param_def tt_params[P_N] = {
	[P_TARGET] = { .name = "target", .type = PARAM_NUM, .def = 0.7,
		       .min = 0.01, .max = 1,
		       .help = "busy fraction of the slots to aim for" },
	[P_WINDOW] = { .name = "window_s", .type = PARAM_NUM, .def = 30,
		       .min = 1, .max = 86400,
		       .help = "averaging window of the busy slots" },
};

struct tt {
	const union param_val *const *params;
};

static void *tt_init(const struct policy_ctx *ctx, struct err *e)
{
	(void)e;
	struct tt *s = malloc(sizeof *s);
	if (s)
		s->params = ctx->params;
	return s;
}

static void tt_decide(void *state, const struct scale_view *v,
		      struct scale_decision *out)
{
	const struct tt *s = state;
	for (int i = 0; i < v->nfn; i++) {
		const struct fn_view *f = &v->fn[i];
		if (!f->managed)
			continue;
		const union param_val *p = s->params[i];
		double busy = mon_rate(v->mon, i, MON_BUSY_TIME, p[P_WINDOW].num);
		double queued = mon_last(v->mon, i, MON_QUEUE);
		int want = (int)ceil((busy + queued) /
				     (f->concurrency * p[P_TARGET].num) - 1e-9);
		if (want < f->min_replicas)
			want = f->min_replicas;
		if (want > f->max_replicas)
			want = f->max_replicas;
		out[i].desired = want;
		policy_say(&out[i], "busy %.3g + queued %.0f at target %g -> %d",
			   busy, queued, p[P_TARGET].num, want);
		policy_observe(&out[i], "busy", busy);
	}
}

static void tt_fini(void *state)
{
	free(state);
}

const int spate_policy_abi = SPATE_POLICY_ABI;

const struct policy spate_policy = {
	.name = "target-tracking",
	.help = "example shared-object policy: keep busy slots at a target",
	.params = tt_params,
	.nparams = P_N,
	.interval_s = 15,
	.init = tt_init,
	.decide = tt_decide,
	.fini = tt_fini,
};
