/*
 * report: comparison tables with confidence intervals from a results
 * database (the engine of `spate report`).
 *
 *   spate report DB [--by policy,AXIS...] [--metrics p99,cost_usd,...]
 *                   [--baseline POLICY] [--format table|csv|markdown|latex]
 *                   [--scope e2e] [--experiment NAME]
 *
 * Only runs with status 'done' count; the others are counted and the count is
 * printed. Runs are grouped by the --by keys: "policy" (runs.policy),
 * "experiment" (runs.experiment) or any axis path recorded in run_axes (a
 * sweep's varied JSON paths; string values print without their quotes). A
 * run without a value for an axis groups under "-". Replications are what a
 * row averages over, so "replication" is not a key. Each row gives, per
 * metric, the number of runs n, their mean and the half-width of the
 * Student-t confidence interval of the mean ("n/a" when n = 1).
 * A metric name "p99" is that metric of the --scope (default "e2e"),
 * "infer.p99" is function infer's p99 (split at the first '.', which
 * function names cannot contain).
 * With a baseline policy each run is paired with the baseline's run of the
 * same replication, seed and sweep and the same values of the other --by
 * keys (common random numbers make these differences tight); the row gives
 * the mean and interval of the paired differences (run - baseline) and the
 * relative difference in % of the paired baseline mean. A run pairs only
 * when both it and its partner are unique for that key; the others are
 * counted as unpaired and never mixed in.
 * Output is deterministic: rows sorted by key values (numerically when every
 * value of a key is a number, "-" last), metrics in the order asked.
 */
#ifndef SPATE_REPORT_H
#define SPATE_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct err;
struct report;

enum report_format {
	REPORT_TABLE,      /* aligned columns for a terminal, "mean ± hw" */
	REPORT_CSV,        /* one line per row and metric, stable header */
	REPORT_MARKDOWN,
	REPORT_LATEX,      /* booktabs tabular, "mean $\pm$ hw" */
};

struct report_opts {
	const char *const *by;        /* NULL or nby == 0: { "policy" } */
	size_t nby;
	const char *const *metrics;   /* NULL or 0: REPORT_DEFAULT_METRICS */
	size_t nmetrics;
	const char *baseline;         /* policy to difference against, or NULL */
	enum report_format format;
	double confidence;            /* 0: 0.95; else in (0, 1) */
	const char *scope;            /* scope of names without '.'; NULL: e2e */
	const char *where_experiment; /* only this experiment's runs, or NULL */
	FILE *notes;  /* csv only: where the run counts go (the CLI passes
			 stderr) so the CSV itself stays pure; NULL: nowhere.
			 The other formats print their notes with the table. */
};

#define REPORT_DEFAULT_METRICS "p50,p99,cold_starts,cost_usd"

/* One metric of one row over its runs. n counts the runs that have the
 * metric (it may be below the row's run count); mean is NAN when n = 0,
 * sd and hw (the interval's half-width) NAN when n < 2. */
struct report_stat {
	size_t n;
	double mean, sd, hw;
};

/* Paired differences of one metric of one row against the baseline. n
 * counts the pairs where both runs have the metric; rel_pct is 100 * mean /
 * (mean of the paired baseline values), NAN when that is 0 or n = 0. */
struct report_diff {
	size_t n;
	double mean, hw, rel_pct;
	double base_mean;
};

/* Run counts of the whole report (after the experiment filter). */
struct report_counts {
	size_t done, interrupted, failed, other;   /* other: any other status */
	/* with a baseline, over the runs not of the baseline policy: */
	size_t paired;
	size_t no_partner;   /* no baseline run with the same key */
	size_t ambiguous;    /* several runs on either side share the key */
};

/* Reads the database (read-only) and computes every row. NULL and e on
 * failure: ERR_INPUT for a path that is not a spate results database of
 * this schema version, an unknown metric (listing the metrics present, with
 * a did-you-mean), an unknown --by key, a baseline policy without done runs,
 * no done runs at all, or bad options; ERR_INTERNAL for SQLite and memory
 * failures. */
struct report *report_compute(const char *db_path,
			      const struct report_opts *o, struct err *e);
void report_free(struct report *r);

/* Prints r in format f. -1 and e (ERR_INTERNAL) on a write error. */
int report_print(const struct report *r, enum report_format f, FILE *out,
		 struct err *e);

/* report_compute + report_print(o->format) + report_free. */
int report_write(const char *db_path, const struct report_opts *o, FILE *out,
		 struct err *e);

/* Accessors, for tests and other front ends. Indices are in range (g below
 * report_ngroups, k below the number of --by keys, m below the number of
 * metrics) or the result is NULL. */
size_t report_ngroups(const struct report *r);
size_t report_nkeys(const struct report *r);
size_t report_nmetrics(const struct report *r);
/* A row's value of key k as printed ("-" when its runs lack the axis). */
const char *report_key(const struct report *r, size_t g, size_t k);
/* Number of runs in row g (0 for g out of range). */
size_t report_group_runs(const struct report *r, size_t g);
const struct report_stat *report_stat(const struct report *r, size_t g,
				      size_t m);
/* NULL without a baseline, and for the baseline policy's own rows. */
const struct report_diff *report_diff(const struct report *r, size_t g,
				      size_t m);
const struct report_counts *report_counts(const struct report *r);

/* "table", "csv", "markdown" (or "md"), "latex"; -1 and ERR_INPUT naming
 * the known formats otherwise. */
int report_parse_format(const char *s, enum report_format *f, struct err *e);

/* Splits a comma list ("policy, load") into trimmed names. *items is one
 * allocation (release it with free), NULL-terminated, *n names. `what` names
 * the option in messages. -1 and ERR_INPUT for an empty list or name. */
int report_parse_list(const char *what, const char *s, char ***items,
		      size_t *n, struct err *e);

#endif
