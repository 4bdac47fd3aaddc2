/*
 * policy: helpers shared by every scaling policy.
 *
 * A decision carries a fixed-size array of observed values so that recording
 * it never allocates; extra values are dropped rather than overflowing,
 * because a policy's inputs are diagnostics, not part of the decision.
 */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void policy_observe(struct scale_decision *d, const char *name, double value)
{
	if (!d || d->nobserved < 0 || d->nobserved >= POLICY_MAX_OBSERVED)
		return;
	d->observed[d->nobserved++] = (struct policy_obs){
		.name = name,
		.value = value,
	};
}

void policy_say(struct scale_decision *d, const char *fmt, ...)
{
	size_t len = strlen(d->reason);
	if (len + 1 >= sizeof d->reason)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->reason + len, sizeof d->reason - len, fmt, ap);
	va_end(ap);
}
