/*
 * autoscaler: calls the configured policy every decision interval and turns
 * its answers into clamped replica targets with a recorded reason.
 *
 * The model owns timing (when to decide, when a decision takes effect after
 * the actuation delay); the autoscaler owns the policy instance, the
 * per-function parameter arrays it is given, and the formatting of each
 * decision's observed values as JSON for the results.
 * Ownership: as_new's result is freed with as_free; the config and the views
 * passed in remain the caller's.
 */
#ifndef SPATE_AUTOSCALER_H
#define SPATE_AUTOSCALER_H

#include <stddef.h>

#include "policy.h"

struct config;
struct err;
struct autoscaler;

/* NULL and e when the policy's init fails. views: the functions at start. */
struct autoscaler *as_new(const struct config *cfg,
			  const struct fn_view *views, struct err *e);
void as_free(struct autoscaler *a);

double as_interval(const struct autoscaler *a);

/* One decision round: out[i].desired is the policy's wish clamped to the
 * function's [min, max] (the current target where the policy keeps it or the
 * function is not managed). */
void as_decide(struct autoscaler *a, const struct scale_view *v,
	       struct scale_decision *out);

/* Nonzero (with e filled) once the policy reports it cannot go on. */
int as_failed(const struct autoscaler *a, struct err *e);

/* The policy's platform rules, or NULL when it imposes none. */
const struct platform_rules *as_rules(const struct autoscaler *a);

/* Keep-alive hooks: whether the policy has them, and the calls. */
int as_has_idle_hooks(const struct autoscaler *a);
void as_idle(struct autoscaler *a, int fn, double now, struct idle_plan *plan);
void as_busy(struct autoscaler *a, int fn, double now);

/* The decision's observed values as a JSON object into buf; returns buf. */
const char *as_observed_json(const struct scale_decision *d, char *buf,
			     size_t cap);

#endif
