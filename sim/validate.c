/*
 * validate: one table of queueing-theory cases, shared by `spate validate`
 * and tests/test_queueing.c, so the paper's validation table and the test
 * assertions can never disagree about what was validated.
 *
 * Design: a case is a JSON template plus measures with exact values; the
 * CLI path runs replications through runner_run (so they are recorded like
 * any other run) and then reads the table back from the database through
 * report_compute, never from memory: the numbers printed are the numbers
 * stored. The test path builds the same configs and reads the same metrics
 * from the model in memory.
 * Invariants: replication r always has seed r + 1 and topic = case name, so
 * the CLI and the tests see the same arrival and service streams; a case
 * already in the database is resumed from its count of done runs (runs are
 * made in replication order, and a killed run leaves nothing behind).
 * Access pattern: a few dozen runs of 10^4-10^6 customers each; nothing
 * here is on a hot path.
 */
#include "validate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "qtheory.h"
#include "runner.h"

/* ---------------------------------------------------------------- cases */

/* The head every template shares: experiment, seed and replication. */
#define HEAD "{\"experiment\":\"validate-%s\",\"seed\":%d,\"replication\":%d,"

/* One function "f" fed by a Poisson source. */
#define ONE_STATION(rate, service, replicas, extra)                            \
	HEAD "\"sources\":[{\"topic\":\"%s\",\"arrivals\":{\"workload\":\"poisson\"," \
	"\"rate\":" rate ",\"count\":%ld},\"to\":[\"f\"]}],"                    \
	"\"functions\":[{\"name\":\"f\",\"service\":" service ","              \
	"\"min_replicas\":" replicas ",\"max_replicas\":" replicas ","         \
	"\"initial_replicas\":" replicas extra "}],"                           \
	"\"record\":{\"timeline_interval_s\":0}}"

#define EXP_MEAN1 "{\"type\":\"exponential\",\"mean\":1}"

static double x_mm1_w(void) { return qt_mmc_w(1, 0.8, 1.0); }
static double x_mm4_wq(void) { return qt_mmc_wq(4, 3.0, 1.0); }
static double x_mm4_pw(void) { return qt_erlang_c(4, 3.0); }
static double x_md1_wq(void) { return qt_md1_wq(0.7, 1.0); }
/* gamma shape 0.5 scale 2: E[S] = 1, Var = 2, E[S^2] = 3 */
static double x_mg1_wq(void) { return qt_mg1_wq(0.6, 1.0, 3.0); }
static double x_mmcc_b(void) { return qt_mmcc_block(5, 4.0, 1.0); }

/* Stations with 1, 2 and 3 replicas at loads 0.67, 0.8 and 0.83. */
static double x_tandem_w(void)
{
	const int c[3] = { 1, 2, 3 };
	const double mu[3] = { 1 / 0.6667, 1 / 1.6, 1 / 2.5 };
	return qt_jackson_tandem_w(3, c, 1.0, mu);
}

static const struct validate_case cases[] = {
	{
		.name = "mm1",
		.model = "M/M/1, rho = 0.8",
		.model_tex = "M/M/1, $\\rho=0.8$",
		.tmpl = ONE_STATION("0.8", EXP_MEAN1, "1", ""),
		.nmeasures = 2,
		.measures = {
			{ .what = "mean sojourn (function)", .metric = "f.mean",
			  .exact = x_mm1_w, .max_rel = 0.10 },
			{ .what = "mean sojourn (end to end)", .metric = "e2e.mean",
			  .exact = x_mm1_w, .max_rel = 0.10 },
		},
	},
	{
		.name = "mmc",
		.model = "M/M/4, rho = 0.75",
		.model_tex = "M/M/4, $\\rho=0.75$",
		.tmpl = ONE_STATION("3", EXP_MEAN1, "4", ""),
		.nmeasures = 2,
		.measures = {
			{ .what = "mean wait in queue", .metric = "f.mean_wait",
			  .exact = x_mm4_wq, .max_rel = 0.10 },
			{ .what = "P(wait) (Erlang C)", .metric = "f.wait_prob",
			  .exact = x_mm4_pw, .max_rel = 0.05 },
		},
	},
	{
		.name = "md1",
		.model = "M/D/1, rho = 0.7",
		.model_tex = "M/D/1, $\\rho=0.7$",
		.tmpl = ONE_STATION("0.7", "1", "1", ""),
		.nmeasures = 1,
		.measures = {
			{ .what = "mean wait in queue (P-K)", .metric = "f.mean_wait",
			  .exact = x_md1_wq, .max_rel = 0.10 },
		},
	},
	{
		.name = "mg1",
		.model = "M/G/1 gamma cv^2 = 2, rho = 0.6",
		.model_tex = "M/G/1 (gamma, $c_s^2=2$), $\\rho=0.6$",
		.tmpl = ONE_STATION("0.6", "{\"type\":\"gamma\",\"shape\":0.5,\"scale\":2}",
				    "1", ""),
		.nmeasures = 1,
		.measures = {
			{ .what = "mean wait in queue (P-K)", .metric = "f.mean_wait",
			  .exact = x_mg1_wq, .max_rel = 0.10 },
		},
	},
	{
		.name = "mmcc",
		.model = "M/M/5/5, a = 4",
		.model_tex = "M/M/5/5, $a=4$",
		.tmpl = ONE_STATION("4", EXP_MEAN1, "5",
				    ",\"queue_capacity\":0,\"on_full\":\"drop\""),
		.nmeasures = 1,
		.measures = {
			{ .what = "blocking (Erlang B)", .metric = "e2e.dropped",
			  .per = "e2e.arrivals", .exact = x_mmcc_b, .max_rel = 0.05 },
		},
	},
	{
		.name = "tandem",
		.model = "Jackson tandem M/M/1-2-3",
		.model_tex = "Tandem M/M/1$\\to$2$\\to$3",
		.tmpl = HEAD
			"\"sources\":[{\"topic\":\"%s\",\"partitions\":4,\"arrivals\":"
			"{\"workload\":\"poisson\",\"rate\":1,\"count\":%ld},\"to\":[\"a\"]}],"
			"\"functions\":["
			"{\"name\":\"a\",\"service\":{\"type\":\"exponential\",\"mean\":0.6667},"
			"\"initial_replicas\":1,\"min_replicas\":1,\"max_replicas\":1,"
			"\"edges\":{\"to\":[\"b\"]}},"
			"{\"name\":\"b\",\"service\":{\"type\":\"exponential\",\"mean\":1.6},"
			"\"initial_replicas\":2,\"min_replicas\":2,\"max_replicas\":2,"
			"\"edges\":{\"to\":[\"c\"]}},"
			"{\"name\":\"c\",\"service\":{\"type\":\"exponential\",\"mean\":2.5},"
			"\"initial_replicas\":3,\"min_replicas\":3,\"max_replicas\":3}],"
			"\"record\":{\"timeline_interval_s\":0}}",
		.nmeasures = 1,
		.measures = {
			{ .what = "mean end-to-end sojourn", .metric = "e2e.mean",
			  .exact = x_tandem_w, .max_rel = 0.10 },
		},
	},
};

#define NCASES (sizeof cases / sizeof cases[0])

size_t validate_ncases(void)
{
	return NCASES;
}

const struct validate_case *validate_case_at(size_t i)
{
	return i < NCASES ? &cases[i] : NULL;
}

const struct validate_case *validate_case_find(const char *name, struct err *e)
{
	char names[256] = "";
	for (size_t i = 0; i < NCASES; i++) {
		if (name && !strcmp(name, cases[i].name))
			return &cases[i];
		size_t l = strlen(names);
		snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
			 cases[i].name);
	}
	err_set(e, ERR_INPUT, "--cases: unknown case '%s' (cases: %s)",
		name ? name : "(null)", names);
	return NULL;
}

char *validate_config_json(const struct validate_case *c, int r,
			   long customers, struct err *e)
{
	if (!c || r < 0 || r > 1000000 || customers < 1) {
		err_set(e, ERR_INPUT, "validate: bad replication %d or customers %ld",
			r, customers);
		return NULL;
	}
	int n = snprintf(NULL, 0, c->tmpl, c->name, r + 1, r, c->name, customers);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!s) {
		err_set(e, ERR_INTERNAL, "validate: out of memory");
		return NULL;
	}
	snprintf(s, (size_t)n + 1, c->tmpl, c->name, r + 1, r, c->name, customers);
	return s;
}

/* "scope.metric" of a finished model */
static double metric_of(const struct model *mod, const char *name)
{
	char scope[64];
	const char *dot = strchr(name, '.');
	if (!dot || (size_t)(dot - name) >= sizeof scope)
		return NAN;
	memcpy(scope, name, (size_t)(dot - name));
	scope[dot - name] = '\0';
	return model_metric(mod, scope, dot + 1);
}

double validate_value(const struct validate_measure *m, const struct model *mod)
{
	double v = metric_of(mod, m->metric);
	return m->per ? v / metric_of(mod, m->per) : v;
}

/* ------------------------------------------------------------ selection */

static int selected(const struct validate_opts *o, const struct validate_case *c)
{
	if (!o->cases || o->ncases == 0)
		return 1;
	for (size_t i = 0; i < o->ncases; i++)
		if (!strcmp(o->cases[i], c->name))
			return 1;
	return 0;
}

static int check_selection(const struct validate_opts *o, struct err *e)
{
	for (size_t i = 0; o->cases && i < o->ncases; i++)
		if (!validate_case_find(o->cases[i], e))
			return -1;
	return 0;
}

static int replications(const struct validate_opts *o)
{
	return o->replications > 0 ? o->replications : 10;
}

static long customers(const struct validate_opts *o)
{
	return o->customers > 0 ? o->customers : 100000;
}

/* Done runs per experiment in db: counts[i] for cases[i]. A database that
 * does not exist yet or has no done runs counts zero everywhere. */
static void done_counts(const char *db, size_t *counts)
{
	memset(counts, 0, NCASES * sizeof *counts);
	if (access(db, F_OK) != 0)
		return;
	const char *by[] = { "experiment" }, *metrics[] = { "e2e.arrivals" };
	struct report_opts ro = { .by = by, .nby = 1, .metrics = metrics,
				  .nmetrics = 1 };
	struct err e = { 0 };
	struct report *r = report_compute(db, &ro, &e);
	if (!r)
		return;   /* a real problem with db resurfaces in runner_run */
	for (size_t g = 0; g < report_ngroups(r); g++) {
		const char *k = report_key(r, g, 0);
		if (!k || strncmp(k, "validate-", 9) != 0)
			continue;
		for (size_t i = 0; i < NCASES; i++)
			if (!strcmp(k + 9, cases[i].name))
				counts[i] = report_group_runs(r, g);
	}
	report_free(r);
}

/* ------------------------------------------------------------------ run */

int validate_run(const struct validate_opts *o, struct err *e)
{
	if (!o || !o->db)
		return err_set(e, ERR_INPUT, "validate: no database given");
	if (check_selection(o, e) != 0)
		return -1;
	size_t done[NCASES];
	done_counts(o->db, done);
	int R = replications(o);
	long n = customers(o);
	for (size_t i = 0; i < NCASES; i++) {
		const struct validate_case *c = &cases[i];
		if (!selected(o, c))
			continue;
		if (done[i] >= (size_t)R) {
			if (o->log)
				fprintf(o->log, "validate-%s: %zu runs already in %s, reused\n",
					c->name, done[i], o->db);
			continue;
		}
		if (o->log)
			fprintf(o->log, "validate-%s: %s, replications %zu..%d of %ld customers\n",
				c->name, c->model, done[i] + 1, R, n);
		for (int r = (int)done[i]; r < R; r++) {
			char *json = validate_config_json(c, r, n, e);
			if (!json)
				return -1;
			char name[64];
			snprintf(name, sizeof name, "<validate %s>", c->name);
			struct config *cfg = config_parse(json, name, NULL, 0, e);
			free(json);
			if (!cfg)
				return -1;
			struct runner_opts ro = { .db = o->db, .progress = o->progress,
						  .progress_ctx = o->progress_ctx };
			struct runner_result res;
			int st = runner_run(cfg, &ro, &res, NULL, e);
			config_free(cfg);
			if (st != 0)
				return -1;
			if (res.interrupted)
				return 1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- table */

int validate_table(const struct validate_opts *o, struct validate_row **rows,
		   size_t *nrows, struct err *e)
{
	*rows = NULL;
	*nrows = 0;
	if (!o || !o->db)
		return err_set(e, ERR_INPUT, "validate: no database given");
	if (check_selection(o, e) != 0)
		return -1;
	struct validate_row *out = calloc(NCASES * VALIDATE_MAX_MEASURES, sizeof *out);
	if (!out)
		return err_set(e, ERR_INTERNAL, "validate: out of memory");
	size_t k = 0;
	for (size_t i = 0; i < NCASES; i++) {
		const struct validate_case *c = &cases[i];
		if (!selected(o, c))
			continue;
		char exp[64];
		snprintf(exp, sizeof exp, "validate-%s", c->name);
		const char *metrics[2 * VALIDATE_MAX_MEASURES];
		size_t nm = 0;
		for (size_t j = 0; j < c->nmeasures; j++) {
			metrics[nm++] = c->measures[j].metric;
			if (c->measures[j].per)
				metrics[nm++] = c->measures[j].per;
		}
		const char *by[] = { "experiment" };
		struct report_opts ro = { .by = by, .nby = 1, .metrics = metrics,
					  .nmetrics = nm, .where_experiment = exp,
					  .confidence = o->confidence };
		struct report *r = report_compute(o->db, &ro, e);
		if (!r) {
			err_prefix(e, "validate: case %s", c->name);
			free(out);
			return -1;
		}
		size_t col = 0;
		for (size_t j = 0; j < c->nmeasures; j++) {
			const struct validate_measure *m = &c->measures[j];
			const struct report_stat *s = report_stat(r, 0, col++);
			struct validate_row *w = &out[k++];
			*w = (struct validate_row){ .c = c, .m = m, .n = s->n,
						    .mean = s->mean, .hw = s->hw };
			if (m->per) {
				const struct report_stat *d = report_stat(r, 0, col++);
				if (!(d->mean > 0) || (d->n > 1 && d->sd != 0)) {
					report_free(r);
					free(out);
					return err_set(e, ERR_INPUT,
						       "validate: case %s: %s is %g +- sd %g over"
						       " its runs; it must be the same positive"
						       " value in each", c->name, m->per,
						       d->mean, d->sd);
				}
				w->mean /= d->mean;
				w->hw /= d->mean;
			}
			w->exact = m->exact();
			w->rel_err = (w->mean - w->exact) / w->exact;
			w->inside = fabs(w->mean - w->exact) <= w->hw;
		}
		report_free(r);
	}
	*rows = out;
	*nrows = k;
	return 0;
}

/* ---------------------------------------------------------------- print */

static void latex_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("&%$#_{}", *s))
			fputc('\\', out);
		fputc(*s, out);
	}
}

int validate_print(const struct validate_row *rows, size_t nrows,
		   enum report_format f, FILE *out, struct err *e)
{
	switch (f) {
	case REPORT_TABLE:
		fprintf(out, "%-32s %-26s %3s %11s %10s %11s %8s %s\n", "case",
			"measure", "n", "simulated", "95% CI +-", "exact",
			"error", "inside");
		for (size_t i = 0; i < nrows; i++) {
			const struct validate_row *w = &rows[i];
			fprintf(out, "%-32s %-26s %3zu %11.5g %10.3g %11.5g %+7.2f%% %s\n",
				w->c->model, w->m->what, w->n, w->mean, w->hw,
				w->exact, 100 * w->rel_err, w->inside ? "yes" : "NO");
		}
		break;
	case REPORT_CSV:
		fprintf(out, "case,model,measure,metric,n,mean,ci_hw,exact,rel_err,inside\n");
		for (size_t i = 0; i < nrows; i++) {
			const struct validate_row *w = &rows[i];
			fprintf(out, "%s,\"%s\",\"%s\",%s,%zu,%.9g,%.9g,%.9g,%.9g,%d\n",
				w->c->name, w->c->model, w->m->what, w->m->metric,
				w->n, w->mean, w->hw, w->exact, w->rel_err,
				w->inside);
		}
		break;
	case REPORT_MARKDOWN:
		fprintf(out, "| case | measure | n | simulated | 95%% CI ± | exact | error | inside |\n"
			"|---|---|--:|--:|--:|--:|--:|---|\n");
		for (size_t i = 0; i < nrows; i++) {
			const struct validate_row *w = &rows[i];
			fprintf(out, "| %s | %s | %zu | %.5g | %.3g | %.5g | %+.2f%% | %s |\n",
				w->c->model, w->m->what, w->n, w->mean, w->hw,
				w->exact, 100 * w->rel_err, w->inside ? "yes" : "no");
		}
		break;
	case REPORT_LATEX:
		fprintf(out, "%% spate validate: 95%% Student-t intervals over each case's runs\n"
			"\\begin{tabular}{llrrrr}\n\\toprule\n"
			"model & measure & simulated & exact & error & in CI \\\\\n"
			"\\midrule\n");
		for (size_t i = 0; i < nrows; i++) {
			const struct validate_row *w = &rows[i];
			/* the model once per case, on its first measure's row */
			if (i == 0 || rows[i - 1].c != w->c)
				fputs(w->c->model_tex, out);
			fputs(" & ", out);
			latex_escape(out, w->m->what);
			fprintf(out, " & %.4f $\\pm$ %.4f & %.4f & $%+.2f\\%%$ & %s \\\\\n",
				w->mean, w->hw, w->exact, 100 * w->rel_err,
				w->inside ? "yes" : "no");
		}
		fprintf(out, "\\bottomrule\n\\end{tabular}\n");
		break;
	default:
		return err_set(e, ERR_INTERNAL, "validate_print: format %d", (int)f);
	}
	if (fflush(out) != 0 || ferror(out))
		return err_set(e, ERR_INTERNAL, "validate: write error");
	return 0;
}
