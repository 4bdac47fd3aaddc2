/*
 * azure_fn2019: the Azure Functions 2019 trace's duration table as a
 * service-time distribution (the invocation counts are the workload
 * "azure-functions-2019", reached through the registry).
 *
 * function_durations_percentiles.anon.dNN.csv has one row per function:
 *   HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,
 *   percentile_Average_0,_1,_25,_50,_75,_99,_100
 * (milliseconds, cold starts excluded; Shahrad et al., "Serverless in the
 * Wild", USENIX ATC 2020; CC-BY-4.0).
 */
#ifndef SPATE_AZURE_FN2019_H
#define SPATE_AZURE_FN2019_H

struct dist;
struct err;

/* The duration distribution of HashFunction `function`, in seconds: an
 * interpolated empirical dist whose quantile function is piecewise linear
 * through the seven percentiles (0, 1, 25, 50, 75, 99, 100), so its
 * quantiles at those levels are exactly the trace's (its mean is that of
 * the piecewise-linear quantile function, not the Average column, which
 * comes from the unknown true distribution). The header line is optional.
 * Returns NULL and e: ERR_INPUT "PATH:LINE: ..." for a malformed row
 * (wrong field count, bad number, percentiles that decrease), "PATH: ..."
 * when no row or more than one row has that HashFunction. The caller frees
 * the dist with dist_free. */
struct dist *azfn2019_durations(const char *path, const char *function,
				struct err *e);

#endif
