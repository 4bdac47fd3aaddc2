/*
 * registry: the policies spate ships, in the order `spate policies` lists
 * them. Adding a policy is one line here plus its own file; the array is
 * const and scanned linearly (a handful of entries, looked up once per run).
 */
#include <string.h>

#include "policy.h"

/* Defined in their own files; declared here only, since nothing else may
 * reach a policy except through the registry. */
extern const struct policy policy_static;
extern const struct policy policy_hpa;
extern const struct policy policy_kpa;
extern const struct policy policy_ds2;
extern const struct policy policy_erlang_c;
extern const struct policy policy_openfaas;
extern const struct policy policy_keda_kafka;
extern const struct policy policy_lambda;
extern const struct policy policy_hybrid_histogram;
extern const struct policy policy_oracle;
extern const struct policy policy_latency_slo;
extern const struct policy policy_predictive;
extern const struct policy policy_dhalion;
extern const struct policy policy_external;

static const struct policy *const registry[] = {
	&policy_static,
	&policy_hpa,
	&policy_kpa,
	&policy_ds2,
	&policy_erlang_c,
	&policy_openfaas,
	&policy_keda_kafka,
	&policy_lambda,
	&policy_hybrid_histogram,
	&policy_oracle,
	&policy_latency_slo,
	&policy_predictive,
	&policy_dhalion,
	&policy_external,
};

const struct policy *policy_at(size_t i)
{
	return i < sizeof registry / sizeof registry[0] ? registry[i] : NULL;
}

const struct policy *policy_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}
