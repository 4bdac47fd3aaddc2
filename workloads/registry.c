/*
 * registry: the built-in workloads, listed explicitly so that linking never
 * depends on constructor tricks and `spate workloads` prints them in a fixed
 * order. Adding a workload = one file defining a const struct workload plus
 * one line here. Lookups are linear: the list is a handful of entries and is
 * only searched while a config is loaded.
 */
#include "workload.h"

#include <string.h>

/* Defined in workloads/<name>.c; workload.h has no per-workload symbols, so
 * the declarations live next to their only user. */
extern const struct workload workload_poisson;
extern const struct workload workload_spate_csv;
extern const struct workload workload_azure_llm;
extern const struct workload workload_mmpp;
extern const struct workload workload_onoff;
extern const struct workload workload_diurnal;
extern const struct workload workload_step;
extern const struct workload workload_spike;
extern const struct workload workload_periodic;
extern const struct workload workload_kcat;
extern const struct workload workload_kafka_dump;
extern const struct workload workload_azure_fn2019;
extern const struct workload workload_azure_fn2021;
extern const struct workload workload_huawei2023;

static const struct workload *const workloads[] = {
	&workload_poisson,
	&workload_spate_csv,
	&workload_azure_llm,
	&workload_mmpp,
	&workload_onoff,
	&workload_diurnal,
	&workload_step,
	&workload_spike,
	&workload_periodic,
	&workload_kcat,
	&workload_kafka_dump,
	&workload_azure_fn2019,
	&workload_azure_fn2021,
	&workload_huawei2023,
};

const struct workload *workload_at(size_t i)
{
	return i < sizeof workloads / sizeof workloads[0] ? workloads[i] : NULL;
}

const struct workload *workload_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
		if (strcmp(workloads[i]->name, name) == 0)
			return workloads[i];
	return NULL;
}

uint64_t workload_key_hash(const char *key, size_t len)
{
	/* FNV-1a 64: offset basis and prime from the FNV specification. */
	uint64_t h = UINT64_C(14695981039346656037);
	const unsigned char *p = (const unsigned char *)key;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}
