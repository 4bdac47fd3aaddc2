/*
 * Tests for report: fixture databases written with the rec API in a mkdtemp
 * directory, then every statistic checked against values computed here by
 * hand (t quantiles typed in from tables, not asked of GSL again): means,
 * t-interval half-widths, paired differences and their intervals, excluded
 * interrupted and failed runs, unpaired and ambiguous runs, key sorting,
 * the exact text of each format for one small database, and the errors.
 *
 * The main fixture (experiment exp1, sweep "sw1", seed 7): policies hpa (the
 * baseline) and kpa, axis load in {50, 100}, replications 0..4. kpa's run at
 * load 100, replication 4 is interrupted; an hpa run with replication 5 is
 * failed; a kpa run at load 100 with replication 7 has no hpa partner; one
 * done run of experiment "other" has no axes.
 */
#include "testutil.h"

#include "err.h"
#include "rec.h"
#include "report.h"
#include "sweep.h"

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


/* Hand-entered Student t quantiles. */
#define T975_4 2.776445105
#define T975_3 3.182446305
#define T950_4 2.131846786

static char dir[256], main_db[300], small_db[300], seed_db[300];

/* p99 of the main fixture: [policy][load][replication] */
static const double hpa50[5] = { 1.0, 1.2, 0.9, 1.1, 1.3 };
static const double kpa50[5] = { 0.9, 1.0, 0.8, 0.8, 1.1 };
static const double hpa100[5] = { 2.0, 2.4, 1.8, 2.2, 2.6 };
static const double kpa100[4] = { 1.5, 1.9, 1.6, 1.8 };   /* rep 4 cut */
#define KPA100_REP7 1.8

struct axis {
	const char *name, *json;
};

/* One run with the given status, axes and e2e p99 / cost / infer.p99. */
static int add_run_seed(struct rec *r, const char *exp, const char *policy,
			uint64_t seed, int rep, const char *sweep,
			int64_t sweep_run, const char *status,
			const struct axis *ax, size_t nax, double p99,
			int with_slo)
{
	struct err e = { 0 };
	struct rec_run info = {
		.experiment = exp,
		.policy = policy,
		.seed = seed,
		.replication = rep,
		.config_json = "{}",
		.config_hash = "h",
		.spate_version = "test",
		.started_at = "2024-01-01T00:00:00Z",
		.sweep = sweep,
		.sweep_run = sweep_run,
	};
	int64_t id = 0;
	if (rec_run_begin(r, &info, &id, &e) != 0)
		goto fail;
	for (size_t i = 0; i < nax; i++)
		if (rec_run_axis(r, id, ax[i].name, ax[i].json, &e) != 0)
			goto fail;
	if (rec_summary(r, id, "e2e", "p99", p99, &e) != 0 ||
	    rec_summary(r, id, "e2e", "cost_usd", 10 * p99 + 1, &e) != 0 ||
	    rec_summary(r, id, "infer", "p99", p99 / 2, &e) != 0 ||
	    rec_summary(r, id, "infer", "mean_wait", 0.1, &e) != 0)
		goto fail;
	if (with_slo && rec_summary(r, id, "e2e", "slo_violation_frac", 0.25,
				    &e) != 0)
		goto fail;
	if (rec_run_end(r, id, 1.0, 100, status, &e) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "\n  fixture: %s\n", e.msg);
	return -1;
}

static int add_run(struct rec *r, const char *exp, const char *policy,
		   int rep, const char *sweep, int64_t sweep_run,
		   const char *status, const struct axis *ax, size_t nax,
		   double p99, int with_slo)
{
	return add_run_seed(r, exp, policy, 7, rep, sweep, sweep_run, status,
			    ax, nax, p99, with_slo);
}

static int make_main(void)
{
	struct err e = { 0 };
	struct rec *r = rec_open(main_db, &e);
	if (!r) {
		fprintf(stderr, "\n  fixture: %s\n", e.msg);
		return -1;
	}
	int bad = 0, sr = 0;
	struct axis a50[] = { { "load", "50" },
			      { "workload.name", "\"poisson\"" } };
	struct axis a100[] = { { "load", "100" },
			       { "workload.name", "\"poisson\"" } };
	for (int rep = 0; rep < 5; rep++) {
		bad |= add_run(r, "exp1", "hpa", rep, "sw1", sr++, "done", a50,
			       2, hpa50[rep], rep < 3);
		bad |= add_run(r, "exp1", "kpa", rep, "sw1", sr++, "done", a50,
			       2, kpa50[rep], 0);
		bad |= add_run(r, "exp1", "hpa", rep, "sw1", sr++, "done",
			       a100, 2, hpa100[rep], 0);
		bad |= add_run(r, "exp1", "kpa", rep, "sw1", sr++,
			       rep == 4 ? "interrupted" : "done", a100, 2,
			       rep == 4 ? 99.0 : kpa100[rep], 0);
	}
	bad |= add_run(r, "exp1", "hpa", 5, "sw1", sr++, "failed", a100, 2,
		       99.0, 0);
	/* no partner; no workload.name either */
	bad |= add_run(r, "exp1", "kpa", 7, "sw1", sr++, "done", a100, 1,
		       KPA100_REP7, 0);
	bad |= add_run(r, "other", "hpa", 0, NULL, 0, "done", NULL, 0, 5.0, 0);
	rec_close(r);
	return bad ? -1 : 0;
}

/* Policies a (baseline), b, c; replications 0 and 1; c has one run; an
 * interrupted run of b. */
static int make_small(void)
{
	struct err e = { 0 };
	struct rec *r = rec_open(small_db, &e);
	if (!r) {
		fprintf(stderr, "\n  fixture: %s\n", e.msg);
		return -1;
	}
	int bad = 0;
	bad |= add_run(r, "s", "a", 0, NULL, 0, "done", NULL, 0, 1.0, 0);
	bad |= add_run(r, "s", "a", 1, NULL, 0, "done", NULL, 0, 3.0, 0);
	bad |= add_run(r, "s", "b", 0, NULL, 0, "done", NULL, 0, 2.0, 0);
	bad |= add_run(r, "s", "b", 1, NULL, 0, "done", NULL, 0, 5.0, 0);
	bad |= add_run(r, "s", "b", 2, NULL, 0, "interrupted", NULL, 0, 9.0,
		       0);
	bad |= add_run(r, "s", "c", 0, NULL, 0, "done", NULL, 0, 4.0, 0);
	rec_close(r);
	return bad ? -1 : 0;
}

/* Pairs need the same seed and sweep: a and b differ in one or the other
 * in replications 0 and 1 and match in 2 and 3, where a's p99 of
 * replication 3 is NAN (stored as NULL: missing). */
static int make_seed(void)
{
	struct err e = { 0 };
	struct rec *r = rec_open(seed_db, &e);
	if (!r) {
		fprintf(stderr, "\n  fixture: %s\n", e.msg);
		return -1;
	}
	int bad = 0;
	bad |= add_run_seed(r, "s", "a", 1, 0, "s1", 0, "done", NULL, 0, 1.0, 0);
	bad |= add_run_seed(r, "s", "b", 2, 0, "s1", 1, "done", NULL, 0, 2.0, 0);
	bad |= add_run_seed(r, "s", "a", 1, 1, "s1", 2, "done", NULL, 0, 1.0, 0);
	bad |= add_run_seed(r, "s", "b", 1, 1, "s2", 0, "done", NULL, 0, 2.0, 0);
	bad |= add_run_seed(r, "s", "a", 1, 2, "s1", 3, "done", NULL, 0, 1.0, 0);
	bad |= add_run_seed(r, "s", "b", 1, 2, "s1", 4, "done", NULL, 0, 1.5, 0);
	bad |= add_run_seed(r, "s", "a", 1, 3, "s1", 5, "done", NULL, 0, NAN, 0);
	bad |= add_run_seed(r, "s", "b", 1, 3, "s1", 6, "done", NULL, 0, 7.0, 0);
	rec_close(r);
	return bad ? -1 : 0;
}

static int suite_init(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/spate-report-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(main_db, sizeof main_db, "%s/main.db", dir);
	snprintf(small_db, sizeof small_db, "%s/small.db", dir);
	snprintf(seed_db, sizeof seed_db, "%s/seed.db", dir);
	return make_main() || make_small() || make_seed() ? -1 : 0;
}

static int suite_clean(void)
{
	const char *files[] = { "main.db", "small.db", "seed.db", "text.db",
				"empty.db", "old.db", "hot.db",
				"hot.db-journal" };
	char p[400];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

/* --- hand statistics -------------------------------------------------------- */

static double h_mean(const double *x, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += x[i];
	return s / n;
}

static double h_sd(const double *x, int n)
{
	double m = h_mean(x, n), s = 0;
	for (int i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (n - 1));
}

static double h_hw(const double *x, int n, double t)
{
	return t * h_sd(x, n) / sqrt(n);
}

/* The row whose keys are k0 (and k1 when not NULL), or -1. */
static long find_group(const struct report *r, const char *k0,
		       const char *k1)
{
	for (size_t g = 0; g < report_ngroups(r); g++)
		if (!strcmp(report_key(r, g, 0), k0) &&
		    (!k1 || !strcmp(report_key(r, g, 1), k1)))
			return (long)g;
	return -1;
}

static const char *const by_pl[] = { "policy", "load" };
static const char *const m3[] = { "p99", "infer.p99", "cost_usd" };

static struct report *main_report(const char *baseline, double conf,
				  struct err *e)
{
	struct report_opts o = {
		.by = by_pl, .nby = 2, .metrics = m3, .nmetrics = 3,
		.baseline = baseline, .confidence = conf,
		.where_experiment = "exp1",
	};
	return report_compute(main_db, &o, e);
}

/* --- statistics ------------------------------------------------------------- */

static void test_means_and_intervals(void)
{
	struct err e = { 0 };
	struct report *r = main_report(NULL, 0, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	T_EQ_INT(report_ngroups(r), 4);
	T_EQ_INT(report_nkeys(r), 2);
	T_EQ_INT(report_nmetrics(r), 3);
	/* sorted by policy, then load numerically (50 before 100) */
	const char *want[4][2] = { { "hpa", "50" }, { "hpa", "100" },
				   { "kpa", "50" }, { "kpa", "100" } };
	for (size_t g = 0; g < 4; g++) {
		T_STR_CONTAINS(report_key(r, g, 0), want[g][0]);
		T_TRUE(!strcmp(report_key(r, g, 1), want[g][1]),
		       "group %zu load %s", g, report_key(r, g, 1));
	}
	const struct report_stat *s = report_stat(r, 0, 0);
	T_EQ_INT(s->n, 5);
	T_NEAR(s->mean, h_mean(hpa50, 5), 1e-12);
	T_NEAR(s->mean, 1.1, 1e-12);
	T_NEAR(s->sd, sqrt(0.025), 1e-12);
	T_NEAR(s->hw, h_hw(hpa50, 5, T975_4), 1e-8);
	/* infer.p99 is half of e2e p99 run by run; cost 10 p99 + 1 */
	s = report_stat(r, 0, 1);
	T_NEAR(s->mean, 0.55, 1e-12);
	T_NEAR(s->hw, h_hw(hpa50, 5, T975_4) / 2, 1e-8);
	s = report_stat(r, 0, 2);
	T_NEAR(s->mean, 12.0, 1e-12);
	T_NEAR(s->hw, 10 * h_hw(hpa50, 5, T975_4), 1e-7);

	/* kpa at 100: four done runs of the sweep plus replication 7; the
	 * interrupted one is not there */
	s = report_stat(r, 3, 0);
	double k100[5] = { kpa100[0], kpa100[1], kpa100[2], kpa100[3],
			   KPA100_REP7 };
	T_EQ_INT(report_group_runs(r, 3), 5);
	T_EQ_INT(s->n, 5);
	T_NEAR(s->mean, 1.72, 1e-12);
	T_NEAR(s->hw, h_hw(k100, 5, T975_4), 1e-8);
	s = report_stat(r, 1, 0);
	T_NEAR(s->mean, 2.2, 1e-12);
	T_NEAR(s->hw, h_hw(hpa100, 5, T975_4), 1e-8);

	const struct report_counts *c = report_counts(r);
	T_EQ_INT(c->done, 20);
	T_EQ_INT(c->interrupted, 1);
	T_EQ_INT(c->failed, 1);
	T_EQ_INT(c->other, 0);
	T_TRUE(report_diff(r, 0, 0) == NULL, "no baseline, no diff");
	report_free(r);

	/* a 90% interval uses t_{0.95,4} */
	r = main_report(NULL, 0.90, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (r) {
		T_NEAR(report_stat(r, 0, 0)->hw, h_hw(hpa50, 5, T950_4), 1e-8);
		report_free(r);
	}
}

static void test_paired_differences(void)
{
	struct err e = { 0 };
	struct report *r = main_report("hpa", 0, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	long k50 = find_group(r, "kpa", "50"), k100 = find_group(r, "kpa", "100");
	long h50 = find_group(r, "hpa", "50");
	T_TRUE(k50 >= 0 && k100 >= 0 && h50 >= 0, "groups missing");
	if (k50 < 0 || k100 < 0 || h50 < 0) {
		report_free(r);
		return;
	}
	T_TRUE(report_diff(r, (size_t)h50, 0) == NULL, "baseline row");

	double d50[5], d100[4];
	for (int i = 0; i < 5; i++)
		d50[i] = kpa50[i] - hpa50[i];
	for (int i = 0; i < 4; i++)
		d100[i] = kpa100[i] - hpa100[i];
	const struct report_diff *d = report_diff(r, (size_t)k50, 0);
	T_EQ_INT(d->n, 5);
	T_NEAR(d->mean, -0.18, 1e-12);
	T_NEAR(d->hw, h_hw(d50, 5, T975_4), 1e-8);
	T_NEAR(d->hw, T975_4 * sqrt(0.007) / sqrt(5), 1e-8);
	T_NEAR(d->base_mean, 1.1, 1e-12);
	T_NEAR(d->rel_pct, -0.18 / 1.1 * 100, 1e-9);
	/* common random numbers: the paired interval is far tighter than
	 * the two unpaired ones */
	T_TRUE(d->hw < report_stat(r, (size_t)k50, 0)->hw, "hw %g", d->hw);

	/* load 100: replication 7 has no partner, 4 is interrupted */
	d = report_diff(r, (size_t)k100, 0);
	T_EQ_INT(d->n, 4);
	T_NEAR(d->mean, h_mean(d100, 4), 1e-12);
	T_NEAR(d->mean, -0.4, 1e-12);
	T_NEAR(d->hw, h_hw(d100, 4, T975_3), 1e-8);
	T_NEAR(d->base_mean, h_mean(hpa100, 4), 1e-12);
	T_NEAR(d->rel_pct, -0.4 / 2.1 * 100, 1e-9);
	/* cost = 10 p99 + 1: the differences scale by 10, the base shifts */
	d = report_diff(r, (size_t)k100, 2);
	T_NEAR(d->mean, -4.0, 1e-11);
	T_NEAR(d->hw, 10 * h_hw(d100, 4, T975_3), 1e-7);
	T_NEAR(d->rel_pct, -4.0 / 22.0 * 100, 1e-9);

	const struct report_counts *c = report_counts(r);
	T_EQ_INT(c->paired, 9);
	T_EQ_INT(c->no_partner, 1);
	T_EQ_INT(c->ambiguous, 0);
	report_free(r);

	/* By policy alone, each kpa run's (replication, sweep, seed) picks
	 * two hpa runs (both loads): nothing is paired, nothing mixed in. */
	static const char *const by_p[] = { "policy" };
	struct report_opts o = { .by = by_p, .nby = 1, .metrics = m3,
				 .nmetrics = 1, .baseline = "hpa",
				 .where_experiment = "exp1" };
	r = report_compute(main_db, &o, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (r) {
		c = report_counts(r);
		T_EQ_INT(c->paired, 0);
		T_EQ_INT(c->ambiguous, 9);
		T_EQ_INT(c->no_partner, 1);
		T_EQ_INT(report_diff(r, 1, 0)->n, 0);
		T_TRUE(isnan(report_diff(r, 1, 0)->mean), "mean of nothing");
		report_free(r);
	}
}

static void test_seed_and_sweep(void)
{
	struct err e = { 0 };
	static const char *const m[] = { "p99" };
	struct report_opts o = { .metrics = m, .nmetrics = 1,
				 .baseline = "a" };
	struct report *r = report_compute(seed_db, &o, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	const struct report_counts *c = report_counts(r);
	T_EQ_INT(c->paired, 2);       /* replications 2 and 3 */
	T_EQ_INT(c->no_partner, 2);   /* other seed; other sweep */
	T_EQ_INT(report_stat(r, 0, 0)->n, 3);   /* a's NULL is missing */
	T_NEAR(report_stat(r, 0, 0)->mean, 1.0, 0);
	const struct report_diff *d = report_diff(r, 1, 0);
	T_EQ_INT(d->n, 1);   /* the pair of replication 3 lacks a's value */
	T_NEAR(d->mean, 0.5, 1e-15);
	T_NEAR(d->rel_pct, 50, 1e-12);
	T_TRUE(isnan(d->hw), "one pair: no interval");
	report_free(r);
}

static void test_keys(void)
{
	struct err e = { 0 };
	/* JSON strings print unquoted; a run without the axis groups
	 * under "-", sorted last; no filter: experiment other is a row */
	static const char *const by[] = { "workload.name", "experiment" };
	static const char *const m[] = { "p99" };
	struct report_opts o = { .by = by, .nby = 2, .metrics = m,
				 .nmetrics = 1 };
	struct report *r = report_compute(main_db, &o, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (!r)
		return;
	T_EQ_INT(report_ngroups(r), 3);
	T_STR_CONTAINS(report_key(r, 0, 0), "poisson");
	T_TRUE(!strcmp(report_key(r, 0, 0), "poisson"), "%s",
	       report_key(r, 0, 0));
	T_TRUE(!strcmp(report_key(r, 1, 0), "-") &&
	       !strcmp(report_key(r, 1, 1), "exp1"), "%s %s",
	       report_key(r, 1, 0), report_key(r, 1, 1));
	T_TRUE(!strcmp(report_key(r, 2, 1), "other"), "%s",
	       report_key(r, 2, 1));
	T_EQ_INT(report_group_runs(r, 0), 19);
	T_EQ_INT(report_group_runs(r, 1), 1);
	T_EQ_INT(report_stat(r, 1, 0)->n, 1);
	T_NEAR(report_stat(r, 1, 0)->mean, KPA100_REP7, 0);
	T_TRUE(isnan(report_stat(r, 1, 0)->hw), "n = 1 has no interval");
	T_EQ_INT(report_counts(r)->done, 21);
	report_free(r);

	/* a metric some runs lack: n counts the runs that have it */
	static const char *const slo[] = { "slo_violation_frac" };
	o = (struct report_opts){ .by = by_pl, .nby = 2, .metrics = slo,
				  .nmetrics = 1, .where_experiment = "exp1" };
	r = report_compute(main_db, &o, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (r) {
		T_EQ_INT(report_stat(r, 0, 0)->n, 3);
		T_NEAR(report_stat(r, 0, 0)->hw, 0, 0);
		T_EQ_INT(report_stat(r, 1, 0)->n, 0);
		T_TRUE(isnan(report_stat(r, 1, 0)->mean), "no values");
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		T_EQ_INT(report_print(r, REPORT_TABLE, out, &e), 0);
		fclose(out);
		/* the short cell says so; a cell with no values is "-" */
		T_STR_CONTAINS(buf, "hpa       50  5      0.25 ± 0 [n=3]\n"
				    "hpa      100  5                   -\n");
		T_STR_CONTAINS(buf, "[n=k]: the metric is missing in some");
		free(buf);
		report_free(r);
	}

	/* --scope: bare names are that function's */
	static const char *const mw[] = { "mean_wait", "e2e.p99" };
	o = (struct report_opts){ .metrics = mw, .nmetrics = 2,
				  .scope = "infer",
				  .where_experiment = "exp1" };
	r = report_compute(main_db, &o, &e);
	T_TRUE(r != NULL, "%s", e.msg);
	if (r) {
		T_EQ_INT(report_ngroups(r), 2);   /* default --by policy */
		T_NEAR(report_stat(r, 0, 0)->mean, 0.1, 1e-12);
		T_NEAR(report_stat(r, 0, 1)->mean, 1.65, 1e-12);
		report_free(r);
	}
}

/* --- formats ---------------------------------------------------------------- */

static char *render(const char *db, enum report_format f, const char *base,
		    struct err *e, char **notes)
{
	static const char *const m[] = { "p99" };
	char *buf = NULL, *nbuf = NULL;
	size_t len = 0, nlen = 0;
	FILE *out = open_memstream(&buf, &len);
	FILE *nf = notes ? open_memstream(&nbuf, &nlen) : NULL;
	struct report_opts o = { .metrics = m, .nmetrics = 1,
				 .baseline = base, .format = f, .notes = nf };
	int rc = report_write(db, &o, out, e);
	fclose(out);
	if (nf) {
		fclose(nf);
		*notes = nbuf;
	}
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void expect_text(const char *got, const char *want)
{
	int ok = got && !strcmp(got, want);
	T_TRUE(ok, "\n--- got:\n%s\n--- want:\n%s", got ? got : "(null)", want);
}

static void test_csv(void)
{
	struct err e = { 0 };
	char *notes = NULL;
	char *s = render(small_db, REPORT_CSV, "a", &e, &notes);
	T_TRUE(s != NULL, "%s", e.msg);
	/* t_{0.975,1} = tan(0.475 pi) = 12.7062047361747 */
	expect_text(s,
		    "policy,metric,n,mean,ci_lo,ci_hi,diff_n,diff_mean,"
		    "diff_ci_lo,diff_ci_hi,diff_rel_pct,unpaired\n"
		    "a,p99,2,2,-10.70620474,14.70620474,0,n/a,n/a,n/a,n/a,0\n"
		    "b,p99,2,3.5,-15.5593071,22.5593071,2,1.5,-4.853102368,"
		    "7.853102368,75,0\n"
		    "c,p99,1,4,n/a,n/a,1,3,n/a,n/a,300,0\n");
	T_STR_CONTAINS(notes, "runs: 5 done, 1 excluded (1 interrupted)");
	T_STR_CONTAINS(notes, "3 runs paired, 0 without a baseline run");
	free(s);
	free(notes);

	s = render(small_db, REPORT_CSV, NULL, &e, NULL);
	expect_text(s,
		    "policy,metric,n,mean,ci_lo,ci_hi\n"
		    "a,p99,2,2,-10.70620474,14.70620474\n"
		    "b,p99,2,3.5,-15.5593071,22.5593071\n"
		    "c,p99,1,4,n/a,n/a\n");
	free(s);
}

static void test_table(void)
{
	struct err e = { 0 };
	char *s = render(small_db, REPORT_TABLE, "a", &e, NULL);
	T_TRUE(s != NULL, "%s", e.msg);
	expect_text(s,
		    "policy  n  paired      p99                 Δp99\n"
		    "------  -  ------  -------  -------------------\n"
		    "a       2       -   2 ± 13             baseline\n"
		    "b       2       2   4 ± 19  +1.5 ± 6.4 (+75.0%)\n"
		    "c       1       1  4 ± n/a   +3 ± n/a (+300.0%)\n"
		    "\n"
		    "runs: 5 done, 1 excluded (1 interrupted)\n"
		    "intervals: 95% Student-t over each row's runs (n/a when"
		    " n = 1)\n"
		    "Δ: paired difference against policy a (same replication,"
		    " seed, sweep and other keys): 3 runs paired, 0 without a"
		    " baseline run\n");
	free(s);
}

static void test_markdown(void)
{
	struct err e = { 0 };
	char *s = render(small_db, REPORT_MARKDOWN, NULL, &e, NULL);
	T_TRUE(s != NULL, "%s", e.msg);
	expect_text(s,
		    "| policy |   n |     p99 |\n"
		    "| ------ | --: | ------: |\n"
		    "| a      |   2 |  2 ± 13 |\n"
		    "| b      |   2 |  4 ± 19 |\n"
		    "| c      |   1 | 4 ± n/a |\n"
		    "\n"
		    "runs: 5 done, 1 excluded (1 interrupted)\n"
		    "\n"
		    "intervals: 95% Student-t over each row's runs (n/a when"
		    " n = 1)\n");
	free(s);
}

static void test_latex(void)
{
	struct err e = { 0 };
	static const char *const by[] = { "policy", "load" };
	static const char *const m[] = { "cost_usd", "infer.p99" };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct report_opts o = { .by = by, .nby = 2, .metrics = m,
				 .nmetrics = 2, .baseline = "hpa",
				 .format = REPORT_LATEX,
				 .where_experiment = "exp1" };
	int rc = report_write(main_db, &o, out, &e);
	fclose(out);
	T_EQ_INT(rc, 0);
	T_TRUE(rc == 0, "%s", e.msg);
	char want[4096];
	snprintf(want, sizeof want,
		 "%% spate report of %s\n"
		 "%% runs: 20 done of experiment exp1, 2 excluded (1"
		 " interrupted, 1 failed)\n"
		 "%% intervals: 95%% Student-t over each row's runs (n/a"
		 " when n = 1)\n"
		 "%% Delta: paired difference against policy hpa (same"
		 " replication, seed, sweep and other keys): 9 runs paired, 1"
		 " without a baseline run\n"
		 "\\begin{tabular}{lrrrrrrr}\n"
		 "\\toprule\n"
		 "policy & load & $n$ & paired & cost\\_usd &"
		 " $\\Delta$cost\\_usd & infer.p99 & $\\Delta$infer.p99 \\\\\n"
		 "\\midrule\n"
		 "hpa & 50 & 5 & - & 12.0 $\\pm$ 2.0 & baseline &"
		 " 0.550 $\\pm$ 0.098 & baseline \\\\\n"
		 "hpa & 100 & 5 & - & 23.0 $\\pm$ 3.9 & baseline &"
		 " 1.10 $\\pm$ 0.20 & baseline \\\\\n"
		 "kpa & 50 & 5 & 5 & 10.2 $\\pm$ 1.6 &"
		 " $-1.8$ $\\pm$ 1.0 ($-15.0$\\%%) &"
		 " 0.460 $\\pm$ 0.081 & $-0.090$ $\\pm$ 0.052 ($-16.4$\\%%)"
		 " \\\\\n"
		 "kpa & 100 & 5 & 4 & 18.2 $\\pm$ 2.0 &"
		 " $-4.0$ $\\pm$ 2.3 ($-18.2$\\%%) &"
		 " 0.86 $\\pm$ 0.10 & $-0.20$ $\\pm$ 0.11 ($-19.0$\\%%)"
		 " \\\\\n"
		 "\\bottomrule\n"
		 "\\end{tabular}\n",
		 main_db);
	expect_text(buf, want);
	free(buf);
}

/* --- numbers ---------------------------------------------------------------- */

/* The one digit rule, seen through the table: two significant digits of
 * the half-width, the mean to the same place; scientific when tiny. */
static void test_digits(void)
{
	struct err e = { 0 };
	static const char *const m[] = { "p99" };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct report_opts o = { .by = by_pl, .nby = 2, .metrics = m,
				 .nmetrics = 1, .where_experiment = "exp1",
				 .format = REPORT_TABLE };
	T_EQ_INT(report_write(main_db, &o, out, &e), 0);
	fclose(out);
	/* hpa 50: 1.1 +- 0.19632 */
	T_STR_CONTAINS(buf, "hpa       50  5  1.10 ± 0.20\n"
			    "hpa      100  5  2.20 ± 0.39\n");
	/* kpa 50: hw 0.16189 */
	T_STR_CONTAINS(buf, "kpa       50  5  0.92 ± 0.16\n");
	free(buf);
}

/* --- errors ----------------------------------------------------------------- */

static void expect_error(const char *db, const struct report_opts *o,
			 const char *needle)
{
	struct err e = { 0 };
	struct report *r = report_compute(db, o, &e);
	T_TRUE(r == NULL, "expected an error containing '%s'", needle);
	report_free(r);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, needle);
}

/* Runs sql on the database at path (created if missing). */
static int sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "\n  %s: %s\n", path,
			db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return rc;
}

static void test_errors(void)
{
	char p[400];
	struct report_opts o = { .where_experiment = "exp1" };

	snprintf(p, sizeof p, "%s/missing.db", dir);
	expect_error(p, &o, "not a spate results database");

	snprintf(p, sizeof p, "%s/text.db", dir);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs("policy,p99\nhpa,1\n"
		      "this is not a database at all, just some text\n", f);
		fclose(f);
	}
	expect_error(p, &o, "not a spate results database");

	/* a SQLite database without spate's tables */
	snprintf(p, sizeof p, "%s/empty.db", dir);
	T_EQ_INT(sql_exec(p, "CREATE TABLE x(a)"), 0);
	expect_error(p, &o, "not a spate results database (no meta table)");

	/* an older schema_version is refused */
	struct err e = { 0 };
	snprintf(p, sizeof p, "%s/old.db", dir);
	rec_close(rec_open(p, &e));
	T_EQ_INT(sql_exec(p, "UPDATE meta SET value = '1' WHERE key ="
			     " 'schema_version'"), 0);
	expect_error(p, &o, "not a spate results database (schema_version 1,"
			    " this spate reads 2)");

	static const char *const p98[] = { "p98" };
	o.metrics = p98;
	o.nmetrics = 1;
	expect_error(main_db, &o, "unknown metric 'p98' (did you mean 'p99'?)");
	expect_error(main_db, &o, "metrics present: e2e: p99, cost_usd");

	static const char *const infr[] = { "infr.p99" };
	o.metrics = infr;
	expect_error(main_db, &o, "no function or scope 'infr'");
	expect_error(main_db, &o, "did you mean 'infer.p99'?");

	static const char *const cost[] = { "cost" };
	o.metrics = cost;
	expect_error(main_db, &o, "did you mean 'cost_usd'?");

	static const char *const dot[] = { ".p99" };
	o.metrics = dot;
	expect_error(main_db, &o, "bad metric name '.p99'");
	o.metrics = NULL;
	o.nmetrics = 0;

	static const char *const lod[] = { "policy", "lod" };
	o.by = lod;
	o.nby = 2;
	expect_error(main_db, &o, "unknown key 'lod' (did you mean 'load'?)");
	static const char *const name[] = { "name" };
	o.by = name;
	o.nby = 1;
	expect_error(main_db, &o, "unknown key 'name' (did you mean"
				  " 'workload.name'?) in ");
	expect_error(main_db, &o, "(keys: policy, experiment, load,"
				  " workload.name)");
	static const char *const rep[] = { "policy", "replication" };
	o.by = rep;
	o.nby = 2;
	expect_error(main_db, &o, "replications are what each row averages");
	static const char *const two[] = { "policy", "policy" };
	o.by = two;
	expect_error(main_db, &o, "'policy' given twice");
	o.by = NULL;
	o.nby = 0;

	static const char *const p99[] = { "p99" };
	o.metrics = p99;
	o.nmetrics = 1;
	o.baseline = "hpx";
	expect_error(main_db, &o,
		     "policy 'hpx' has no done runs in");
	expect_error(main_db, &o, "(did you mean 'hpa'?) (policies: hpa, kpa)");
	o.baseline = "HPA";
	expect_error(main_db, &o, "(did you mean 'hpa'?)");
	static const char *const load[] = { "load" };
	o.by = load;
	o.nby = 1;
	o.baseline = "hpa";
	expect_error(main_db, &o, "add policy to --by");
	o.by = NULL;
	o.nby = 0;
	o.baseline = NULL;

	o.where_experiment = "exp2";
	expect_error(main_db, &o, "no runs of experiment 'exp2'");
	o.where_experiment = "exp1";
	o.confidence = 1.5;
	expect_error(main_db, &o, "not in (0, 1)");
}

/* A writer killed mid-transaction leaves a hot journal: the read-only
 * reader says what to do instead of failing obscurely. */
static void test_hot_journal(void)
{
	char p[400];
	struct err e = { 0 };
	snprintf(p, sizeof p, "%s/hot.db", dir);
	rec_close(rec_open(p, &e));
	pid_t pid = fork();
	if (pid == 0) {
		sqlite3 *db = NULL;
		if (sqlite3_open(p, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "PRAGMA cache_size = 10; BEGIN IMMEDIATE;"
				     " WITH RECURSIVE c(i) AS (SELECT 1 UNION"
				     " ALL SELECT i + 1 FROM c WHERE i < 20000)"
				     " INSERT INTO summary SELECT 1, 'e2e', 'x',"
				     " i FROM c", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		_exit(0);   /* no commit, no close: as if killed */
	}
	int status = -1;
	T_TRUE(pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "writer child failed (status %d)", status);
	struct report_opts o = { 0 };
	expect_error(p, &o, "hot journal, which a read-only reader cannot"
			    " roll back");
	char j[420];
	snprintf(j, sizeof j, "%s-journal", p);
	unlink(j);
	unlink(p);
}

static void test_parsing(void)
{
	struct err e = { 0 };
	enum report_format f = REPORT_TABLE;
	T_EQ_INT(report_parse_format("latex", &f, &e), 0);
	T_EQ_INT(f, REPORT_LATEX);
	T_EQ_INT(report_parse_format("md", &f, &e), 0);
	T_EQ_INT(f, REPORT_MARKDOWN);
	T_EQ_INT(report_parse_format("xml", &f, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, "'xml' (known: table, csv, markdown, latex)");
	err_clear(&e);

	char **v = NULL;
	size_t n = 0;
	T_EQ_INT(report_parse_list("--by", " policy , load.x,y ", &v, &n, &e),
		 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_TRUE(!strcmp(v[0], "policy") && !strcmp(v[1], "load.x") &&
		       !strcmp(v[2], "y") && v[3] == NULL, "%s|%s|%s", v[0],
		       v[1], v[2]);
	}
	free(v);
	T_EQ_INT(report_parse_list("--by", "a,,b", &v, &n, &e), -1);
	T_STR_CONTAINS(e.msg, "--by: empty name in 'a,,b'");
	T_TRUE(v == NULL && n == 0, "nothing returned");
	err_clear(&e);
	T_EQ_INT(report_parse_list("--metrics", "", &v, &n, &e), -1);
	T_STR_CONTAINS(e.msg, "--metrics: empty list");
}

/* Real sweeps with 4 and 16 replications of one M/M/2 point: the interval
 * of the mean p99 shrinks about as t(n-1) sd / sqrt(n). The two samples'
 * sd estimates agree within a factor of 2 (a chi-square spread far wider
 * than 4 vs 16 runs allow), so the half-widths' ratio lies near
 * (t_3 / 2) / (t_15 / 4) = 2.99. */
static void test_width_shrinks(void)
{
	char wdir[] = "/tmp/spate-width-XXXXXX";
	if (!mkdtemp(wdir))
		return;
	double hw[2] = { 0, 0 }, sd[2] = { 0, 0 };
	const int reps[2] = { 4, 16 };
	for (int k = 0; k < 2; k++) {
		char sw[256], db[256], json[1024];
		snprintf(sw, sizeof sw, "%s/s%d.json", wdir, k);
		snprintf(db, sizeof db, "%s/r%d.db", wdir, k);
		snprintf(json, sizeof json,
			 "{\"base\":{\"experiment\":\"w\",\"sources\":[{\"topic\":"
			 "\"in\",\"arrivals\":{\"workload\":\"poisson\",\"rate\":1.5,"
			 "\"count\":%d}, \"to\":[\"f\"]}],\"functions\":[{\"name\":"
			 "\"f\",\"service\":{\"type\":\"exponential\",\"mean\":1},"
			 "\"initial_replicas\":2}]},\"vary\":[{\"path\":"
			 "\"functions[0].memory_mb\",\"values\":[128]}],"
			 "\"replications\":%d,\"seed\":3}",
			 test_quick() ? 500 : 2000, reps[k]);
		FILE *f = fopen(sw, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fputs(json, f);
		fclose(f);
		struct err e = {0};
		struct sweep_opts o = { .path = sw, .db = db, .jobs = 1,
					.quiet = 1 };
		T_EQ_INT(sweep_run(&o, &e), 0);
		const char *metrics[] = { "p99" };
		struct report_opts ro = { .metrics = metrics, .nmetrics = 1 };
		struct report *r = report_compute(db, &ro, &e);
		T_TRUE(r != NULL, "%s", e.msg);
		if (!r)
			return;
		const struct report_stat *st = report_stat(r, 0, 0);
		T_EQ_INT(st->n, reps[k]);
		hw[k] = st->hw;
		sd[k] = st->sd;
		report_free(r);
		unlink(sw);
		unlink(db);
	}
	rmdir(wdir);
	T_TRUE(sd[0] > 0 && sd[1] > 0 && sd[0] / sd[1] < 2 && sd[1] / sd[0] < 2,
	       "sd with 4 runs %g, with 16 runs %g", sd[0], sd[1]);
	double want = (3.182446305 / 2) / (2.131449546 / 4) * sd[0] / sd[1];
	T_NEAR(hw[0] / hw[1], want, 1e-6 * want);
	T_TRUE(hw[0] / hw[1] > 1.5 && hw[0] / hw[1] < 6,
	       "half-widths %g (4 runs) and %g (16 runs)", hw[0], hw[1]);
}

int test_report_register(void)
{
	CU_pSuite s = CU_add_suite("report", suite_init, suite_clean);
	if (!s)
		return -1;
	if (!CU_add_test(s, "means and t intervals", test_means_and_intervals) ||
	    !CU_add_test(s, "paired differences", test_paired_differences) ||
	    !CU_add_test(s, "pairs need seed and sweep", test_seed_and_sweep) ||
	    !CU_add_test(s, "keys, missing values, scope", test_keys) ||
	    !CU_add_test(s, "csv", test_csv) ||
	    !CU_add_test(s, "table", test_table) ||
	    !CU_add_test(s, "markdown", test_markdown) ||
	    !CU_add_test(s, "latex", test_latex) ||
	    !CU_add_test(s, "digits", test_digits) ||
	    !CU_add_test(s, "errors", test_errors) ||
	    !CU_add_test(s, "hot journal", test_hot_journal) ||
	    !CU_add_test(s, "parsing", test_parsing) ||
	    !CU_add_test(s, "widths shrink as 1/sqrt(n)", test_width_shrinks))
		return -1;
	return 0;
}
