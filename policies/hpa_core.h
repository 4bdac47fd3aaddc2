/*
 * hpa_core: the Kubernetes HPA's behavior rules (autoscaling/v2
 * spec.behavior), shared by the policies that run an HPA: hpa itself and
 * keda-kafka (KEDA drives an HPA it creates).
 *
 * What is here is horizontal.go after the replica calculator has proposed
 * a count: stabilizeRecommendationWithBehaviors (the recommendation
 * history), calculateScale{Up,Down}Limit with selectPolicy (the scale-event
 * history), convertDesiredReplicasWithBehaviorRate (rate bound, then the
 * HPA's min/max) and storeScaleEvent. The caller owns the metric, the
 * replica calculator, its bounds (the HPA's minReplicas/maxReplicas) and
 * the wording of its reasons; these functions say nothing.
 * Ownership: struct hpac is embedded zero-initialized in the caller's
 * per-function state, filled with hpac_rules, and released by hpac_free.
 */
#ifndef SPATE_HPA_CORE_H
#define SPATE_HPA_CORE_H

#include "tseries.h"

/* selectPolicy; the order is the "max|min|disabled" of the param tables */
enum hpac_select { HPAC_SELECT_MAX, HPAC_SELECT_MIN, HPAC_SELECT_DISABLED };

/* One direction's HPAScalingRules. */
struct hpac_rules {
	int pods;          /* Pods policy value; 0: no such policy */
	double percent;    /* Percent policy value; 0: no such policy */
	double period;     /* periodSeconds of both policies */
	int select;        /* enum hpac_select */
	double stab;       /* stabilizationWindowSeconds */
};

struct hpac {
	struct hpac_rules up, down;
	struct tseries recs;     /* recommendations (raw proposals) */
	struct tseries events;   /* scale changes, signed (to - from) */
};

void hpac_free(struct hpac *h);

/* recordInitialRecommendation: the current scale as a recommendation. */
void hpac_record_initial(struct hpac *h, double now, int current);

/* stabilizeRecommendationWithBehaviors: current raised to the minimum
 * recommendation of the scale-up window and lowered to the maximum of the
 * scale-down window (raw included); then records raw. */
int hpac_stabilize(struct hpac *h, double now, int current, int raw);

/* calculateScale{Up,Down}Limit: the count the direction's policies allow
 * from periodStart (current minus the changes stored inside the period),
 * combined by selectPolicy; current when the direction is disabled. With
 * no policy it is far on the other side of current (nothing allowed). */
long hpac_rate_limit(const struct hpac *h, double now, int current, int up);

/* convertDesiredReplicasWithBehaviorRate: want limited by the rate bound
 * (never past current the wrong way) and the HPA's [min, max]. *bound is
 * the rate bound so limited (current when nothing is allowed), so the
 * caller can tell which limit applied: a scale-up stopped at the rate when
 * *bound < max, at max otherwise (the controller's own branches). */
int hpac_limit(const struct hpac *h, double now, int current, int want,
	       int min, int max, long *bound);

/* storeScaleEvent: remembers a change for the rate policies. */
void hpac_store_event(struct hpac *h, double now, int from, int to);

#endif
