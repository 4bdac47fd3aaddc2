/*
 * spate: the command line.
 *
 *   spate run CONFIG.json [--db PATH] [--seed N] [--set path=value ...] [--quiet]
 *   spate check CONFIG.json [--set path=value ...]
 *   spate report DB [--by policy,AXIS...] [--metrics p99,cost_usd,...]
 *                [--baseline POLICY] [--format table|csv|markdown|latex]
 *                [--scope FUNCTION] [--experiment NAME] [--confidence 0.95]
 *   spate sweep SWEEP.json [--db PATH] [-j N | --mpi] [--resume] [--quiet]
 *   spate merge A.db B.db ... --out ALL.db
 *   spate plot DB --out DIR [--runs ID,ID,...]
 *   spate validate [--db PATH] [--format table|csv|markdown|latex]
 *                  [--replications N] [--customers N] [--cases mm1,...] [--quiet]
 *   spate trace stats FILE [--format F] [--param k=v ...] [--seed N]
 *   spate trace convert FILE [--format F] [--param k=v ...] [--seed N]
 *               [--topic T] --out OUT.csv
 *   spate record --brokers HOST:PORT --topic T --out FILE
 *               [--from beginning|end|TIME] [--until TIME] [--count N]
 *               [--until-end] [--duration S] [--format spate-csv|kcat]
 *               [--group G] [--sort-window N] [--set PROP=VALUE ...]
 *   spate policies | spate workloads | spate version
 *
 * This is the only place that reads the wall clock (progress bar, wall_s,
 * started_at) and handles signals; the model sees neither. Exit status: 0 on
 * success, 2 on bad input (the message names the file and line or JSON path),
 * 1 on internal errors, 130 when interrupted by SIGINT (the run is then
 * recorded with status 'interrupted' and what it had).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "kafkarec.h"
#include "model.h"
#include "param.h"
#include "plot.h"
#include "policy.h"
#include "report.h"
#include "runner.h"
#include "sweep.h"
#include "sweep_mpi.h"
#include "tracetool.h"
#include "validate.h"
#include "workload.h"

#ifndef SPATE_VERSION
#define SPATE_VERSION "unknown"
#endif

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: spate run CONFIG.json [--db PATH] [--seed N] [--set path=value ...] [--quiet]\n"
		"       spate check CONFIG.json [--set path=value ...]\n"
		"       spate report DB [--by policy,AXIS...] [--metrics p99,cost_usd,...]\n"
		"                    [--baseline POLICY] [--format table|csv|markdown|latex]\n"
		"                    [--scope FUNCTION] [--experiment NAME] [--confidence 0.95]\n"
		"       spate sweep SWEEP.json [--db PATH] [-j N | --mpi] [--resume] [--quiet]\n"
		"       spate merge A.db B.db ... --out ALL.db\n"
		"       spate plot DB --out DIR [--runs ID,ID,...]\n"
		"       spate validate [--db PATH] [--format table|csv|markdown|latex]\n"
		"                      [--replications N] [--customers N] [--cases mm1,...] [--quiet]\n"
		"       spate trace stats FILE [--format F] [--param k=v ...] [--seed N]\n"
		"       spate trace convert FILE [--format F] [--param k=v ...] [--seed N]\n"
		"                   [--topic T] --out OUT.csv\n"
		"       spate record --brokers HOST:PORT --topic T --out FILE\n"
		"                    [--from beginning|end|TIME] [--until TIME] [--count N]\n"
		"                    [--until-end] [--duration S] [--format spate-csv|kcat]\n"
		"                    [--group G] [--sort-window N] [--set PROP=VALUE ...]\n"
		"                    (TIME: epoch seconds or ISO 8601, e.g. 2026-11-22T10:00:00Z)\n"
		"       spate policies\n"
		"       spate workloads\n"
		"       spate version\n");
}

struct progress {
	double start, last;
	int quiet, shown;
};

static int on_progress(void *ctx, double now, double end, uint64_t events)
{
	struct progress *p = ctx;
	if (interrupted)
		return 1;
	if (p->quiet)
		return 0;
	double w = wall(), el = w - p->start;
	if (el < 1.0 || w - p->last < 0.25)
		return 0;
	p->last = w;
	p->shown = 1;
	double rate = events / el;
	if (isfinite(end) && end > 0) {
		double frac = now / end;
		int bar = (int)(frac * 30);
		double eta = frac > 0 ? el * (1 - frac) / frac : 0;
		fprintf(stderr, "\r[%-30.*s] %5.1f%%  %.3g Mev/s  ETA %4.0fs ",
			bar, "##############################", frac * 100,
			rate / 1e6, eta);
	} else {
		fprintf(stderr, "\rsimulated %.0f s  %.3g Mev/s  %.0f s elapsed ",
			now, rate / 1e6, el);
	}
	fflush(stderr);
	return 0;
}

static int parse_common(int argc, char **argv, const char **cfgpath,
			const char ***sets, int *nsets, const char **db,
			int *quiet, struct err *e)
{
	*sets = calloc((size_t)argc + 1, sizeof **sets);
	if (!*sets)
		return err_set(e, ERR_INTERNAL, "out of memory");
	static char seedbuf[64];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--set") || !strcmp(a, "--db") || !strcmp(a, "--seed")) {
			if (i + 1 >= argc)
				return err_set(e, ERR_INPUT, "%s needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--set")) {
				(*sets)[(*nsets)++] = v;
			} else if (!strcmp(a, "--db")) {
				if (!db)
					return err_set(e, ERR_INPUT, "--db is for `spate run`");
				*db = v;
			} else {
				char *end;
				unsigned long long s = strtoull(v, &end, 10);
				if (!*v || *end || v[0] == '-' || s > (1ull << 53))
					return err_set(e, ERR_INPUT,
						       "--seed: not an integer in [0, 2^53]: '%s'", v);
				snprintf(seedbuf, sizeof seedbuf, "seed=%llu", s);
				(*sets)[(*nsets)++] = seedbuf;
			}
		} else if (!strcmp(a, "--quiet") && quiet) {
			*quiet = 1;
		} else if (a[0] == '-') {
			return err_set(e, ERR_INPUT, "unknown option '%s'", a);
		} else if (!*cfgpath) {
			*cfgpath = a;
		} else {
			return err_set(e, ERR_INPUT, "unexpected argument '%s'", a);
		}
	}
	if (!*cfgpath)
		return err_set(e, ERR_INPUT, "missing CONFIG.json");
	return 0;
}

static void print_summary(const struct config *c, const struct model *m,
			  double wall_s)
{
	const char *scope, *metric;
	double v;
	printf("%s: policy %s, seed %llu, simulated %.1f s, %llu events in %.2f s (%.3g Mev/s)\n",
	       c->experiment, c->policy->name, (unsigned long long)c->seed,
	       model_now(m), (unsigned long long)model_events(m), wall_s,
	       wall_s > 0 ? model_events(m) / wall_s / 1e6 : 0);
	printf("%-16s %-20s %s\n", "scope", "metric", "value");
	for (size_t i = 0; model_summary_row(m, i, &scope, &metric, &v); i++)
		printf("%-16s %-20s %.6g\n", scope, metric, v);
}

static int cmd_run(int argc, char **argv, struct err *e)
{
	const char *cfgpath = NULL, *db = NULL, **sets = NULL;
	int nsets = 0, quiet = 0, rc = -1;
	struct config *c = NULL;
	struct model *m = NULL;
	char dbbuf[4096];
	if (parse_common(argc, argv, &cfgpath, &sets, &nsets, &db, &quiet, e))
		goto out;
	if (!(c = config_load(cfgpath, sets, nsets, e)))
		goto out;
	if (!db) {
		snprintf(dbbuf, sizeof dbbuf, "results/%s.db", c->experiment);
		db = dbbuf;
	}
	signal(SIGINT, on_sigint);
	struct progress pr = { .start = wall(), .quiet = quiet };
	pr.last = pr.start;
	struct runner_opts o = { .db = db, .progress = on_progress,
				 .progress_ctx = &pr };
	struct runner_result res;
	int st = runner_run(c, &o, &res, &m, e);
	if (pr.shown)
		fputc('\n', stderr);
	if (st < 0)
		goto out;
	if (!quiet)
		print_summary(c, m, res.wall_s);
	fprintf(stderr, "run %lld %s: %s\n", (long long)res.run_id,
		res.interrupted ? "interrupted" : "done", db);
	rc = res.interrupted ? 130 : 0;
out:
	model_free(m);
	config_free(c);
	free(sets);
	return rc;
}

static int cmd_check(int argc, char **argv, struct err *e)
{
	const char *cfgpath = NULL, **sets = NULL;
	int nsets = 0, rc = -1;
	struct config *c = NULL;
	if (parse_common(argc, argv, &cfgpath, &sets, &nsets, NULL, NULL, e) == 0 &&
	    (c = config_load(cfgpath, sets, nsets, e))) {
		printf("%s\n", c->resolved_json);
		rc = 0;
	}
	config_free(c);
	free(sets);
	return rc;
}

static int cmd_report(int argc, char **argv, struct err *e)
{
	struct report_opts o = { .notes = stderr };
	const char *db = NULL;
	char **by = NULL, **metrics = NULL;
	int rc = -1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (a[0] != '-') {
			if (db) {
				err_set(e, ERR_INPUT, "unexpected argument '%s'", a);
				goto out;
			}
			db = a;
			continue;
		}
		if (!has) {
			err_set(e, ERR_INPUT, "%s needs a value", a);
			goto out;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--by")) {
			free(by);
			if (report_parse_list("--by", v, &by, &o.nby, e) != 0)
				goto out;
			o.by = (const char *const *)by;
		} else if (!strcmp(a, "--metrics")) {
			free(metrics);
			if (report_parse_list("--metrics", v, &metrics, &o.nmetrics, e) != 0)
				goto out;
			o.metrics = (const char *const *)metrics;
		} else if (!strcmp(a, "--baseline")) {
			o.baseline = v;
		} else if (!strcmp(a, "--format")) {
			if (report_parse_format(v, &o.format, e) != 0)
				goto out;
		} else if (!strcmp(a, "--scope")) {
			o.scope = v;
		} else if (!strcmp(a, "--experiment")) {
			o.where_experiment = v;
		} else if (!strcmp(a, "--confidence")) {
			char *end;
			o.confidence = strtod(v, &end);
			if (!*v || *end || !(o.confidence > 0 && o.confidence < 1)) {
				err_set(e, ERR_INPUT, "--confidence: not in (0, 1): '%s'", v);
				goto out;
			}
		} else {
			err_set(e, ERR_INPUT, "unknown option '%s'", a);
			goto out;
		}
	}
	if (!db) {
		err_set(e, ERR_INPUT, "missing DB");
		goto out;
	}
	rc = report_write(db, &o, stdout, e) == 0 ? 0 : -1;
out:
	free(by);
	free(metrics);
	return rc;
}

/* "-j N", "-jN", "--jobs N" */
static int parse_jobs(const char *v, int *jobs, struct err *e)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > 4096)
		return err_set(e, ERR_INPUT, "-j: not an integer in [1, 4096]: '%s'", v);
	*jobs = (int)n;
	return 0;
}

static int cmd_sweep(int argc, char **argv, struct err *e)
{
	struct sweep_stats st;
	struct sweep_opts o = { .jobs = 1, .interrupted = &interrupted,
				.stats = &st };
	char dbbuf[4096];
	int mpi = 0, jobs_given = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--db") || !strcmp(a, "-j") || !strcmp(a, "--jobs")) {
			if (i + 1 >= argc)
				return err_set(e, ERR_INPUT, "%s needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--db"))
				o.db = v;
			else if (parse_jobs(v, &o.jobs, e) != 0)
				return -1;
			else
				jobs_given = 1;
		} else if (!strncmp(a, "-j", 2) && a[2]) {
			if (parse_jobs(a + 2, &o.jobs, e) != 0)
				return -1;
			jobs_given = 1;
		} else if (!strcmp(a, "--mpi")) {
			mpi = 1;
		} else if (!strcmp(a, "--resume")) {
			o.resume = 1;
		} else if (!strcmp(a, "--quiet")) {
			o.quiet = 1;
		} else if (a[0] == '-') {
			return err_set(e, ERR_INPUT, "unknown option '%s'", a);
		} else if (!o.path) {
			o.path = a;
		} else {
			return err_set(e, ERR_INPUT, "unexpected argument '%s'", a);
		}
	}
	if (!o.path)
		return err_set(e, ERR_INPUT, "missing SWEEP.json");
	if (mpi && jobs_given)
		return err_set(e, ERR_INPUT, "-j and --mpi exclude each other:"
			       " with --mpi the ranks are the workers (mpirun -n K)");
	if (!o.db) {
		/* like `spate run`: results/NAME.db, NAME the sweep file's */
		const char *b = strrchr(o.path, '/');
		b = b ? b + 1 : o.path;
		size_t n = strlen(b);
		if (n > 5 && !strcmp(b + n - 5, ".json"))
			n -= 5;
		snprintf(dbbuf, sizeof dbbuf, "results/%.*s.db", (int)n, b);
		o.db = dbbuf;
	}
	signal(SIGINT, on_sigint);
	int rc = mpi ? smpi_sweep_run(&o, e) : sweep_run(&o, e);
	if (rc == 1) {
		fprintf(stderr, "spate: sweep interrupted: %zu of %zu runs are in %s;"
			" rerun with --resume to run the rest\n",
			st.skipped + st.recovered + st.done, st.total, o.db);
		return 130;
	}
	return rc < 0 ? -1 : 0;
}

static int cmd_merge(int argc, char **argv, struct err *e)
{
	const char *out = NULL;
	const char **in = calloc((size_t)argc, sizeof *in);
	int n = 0, rc = -1;
	if (!in)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--out")) {
			if (i + 1 >= argc) {
				err_set(e, ERR_INPUT, "--out needs a value");
				goto out;
			}
			out = argv[++i];
		} else if (a[0] == '-') {
			err_set(e, ERR_INPUT, "unknown option '%s'", a);
			goto out;
		} else {
			in[n++] = a;
		}
	}
	if (!out) {
		err_set(e, ERR_INPUT, "missing --out ALL.db");
		goto out;
	}
	if (n == 0) {
		err_set(e, ERR_INPUT, "no input databases");
		goto out;
	}
	struct sweep_merge_counts mc;
	rc = sweep_merge(in, n, out, &mc, e);
	if (rc == 0)
		fprintf(stderr, "%s: %zu runs copied, %zu already there\n", out,
			mc.copied, mc.skipped);
out:
	free(in);
	return rc;
}

/* Runs the queueing-theory cases missing from the database, then prints
 * the table read back from it (results/validate.db by default). */
static int cmd_validate(int argc, char **argv, struct err *e)
{
	enum report_format fmt = REPORT_TABLE;
	char **cases = NULL;
	int quiet = 0, rc = -1;
	struct progress pr = { .start = wall(), .quiet = 1 };
	struct validate_opts o = { .db = "results/validate.db", .log = stderr,
				   .progress = on_progress, .progress_ctx = &pr };
	struct validate_row *rows = NULL;
	size_t nrows = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--quiet")) {
			quiet = 1;
			continue;
		}
		if (a[0] != '-') {
			err_set(e, ERR_INPUT, "unexpected argument '%s'", a);
			goto out;
		}
		if (i + 1 >= argc) {
			err_set(e, ERR_INPUT, "%s needs a value", a);
			goto out;
		}
		const char *v = argv[++i];
		char *end;
		if (!strcmp(a, "--db")) {
			o.db = v;
		} else if (!strcmp(a, "--format")) {
			if (report_parse_format(v, &fmt, e) != 0)
				goto out;
		} else if (!strcmp(a, "--replications")) {
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 2 || n > 10000) {
				err_set(e, ERR_INPUT,
					"--replications: not an integer in [2, 10000]: '%s'", v);
				goto out;
			}
			o.replications = (int)n;
		} else if (!strcmp(a, "--customers")) {
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 100 || n > 1000000000L) {
				err_set(e, ERR_INPUT,
					"--customers: not an integer in [100, 10^9]: '%s'", v);
				goto out;
			}
			o.customers = n;
		} else if (!strcmp(a, "--cases")) {
			free(cases);
			if (report_parse_list("--cases", v, &cases, &o.ncases, e) != 0)
				goto out;
			o.cases = (const char *const *)cases;
		} else {
			err_set(e, ERR_INPUT, "unknown option '%s'", a);
			goto out;
		}
	}
	if (quiet)
		o.log = NULL;
	signal(SIGINT, on_sigint);
	int st = validate_run(&o, e);
	if (st < 0)
		goto out;
	if (st == 1) {
		fprintf(stderr, "spate: validate interrupted; rerun to finish\n");
		rc = 130;
		goto out;
	}
	if (validate_table(&o, &rows, &nrows, e) != 0 ||
	    validate_print(rows, nrows, fmt, stdout, e) != 0)
		goto out;
	rc = 0;
out:
	free(rows);
	free(cases);
	return rc;
}

static int cmd_trace(int argc, char **argv, struct err *e)
{
	if (argc < 3) {
		tracetool_usage(stderr);
		return err_set(e, ERR_INPUT, "trace: missing stats or convert");
	}
	return tracetool_cli(argc - 2, argv + 2, stdout, e);
}

/* SIGINT and SIGTERM end a recording cleanly: the rows still being
 * reordered are written before exit. */
static int cmd_record(int argc, char **argv, struct err *e)
{
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	if (argc < 3) {
		kafkarec_usage(stderr);
		return err_set(e, ERR_INPUT, "record: missing options");
	}
	return kafkarec_cli(argc - 2, argv + 2, stdout, &interrupted, wall, e);
}

static void cmd_policies(void)
{
	const struct policy *p;
	for (size_t i = 0; (p = policy_at(i)); i++) {
		printf("%s (decision interval %g s)\n  %s\n", p->name,
		       p->interval_s, p->help);
		param_print_table(stdout, p->params, p->nparams);
		printf("\n");
	}
}

static void cmd_workloads(void)
{
	const struct workload *w;
	for (size_t i = 0; (w = workload_at(i)); i++) {
		printf("%s\n  %s\n", w->name, w->help);
		param_print_table(stdout, w->params, w->nparams);
		printf("\n");
	}
	printf("Transforms, in any source's \"arrivals\" object (streamed; applied in\n"
	       "this order):\n"
	       "  merge        [arrivals objects] instead of \"workload\": their union by\n"
	       "               time (equal times in list order); each may have its own\n"
	       "               transforms and merges\n"
	       "  slice        {\"from_s\": >= 0 [0], \"to_s\": > from_s or null [null],\n"
	       "               \"rebase\": bool [true]}: keep [from_s, to_s) of the input's\n"
	       "               clock; rebase makes the window start at 0\n"
	       "  time_scale   number > 0 [1]: times are multiplied by it\n"
	       "  shift_s      number >= 0 [0]: added to every time\n"
	       "  rate_scale   number > 0 [1]: > 1 replicates arrivals, < 1 thins them\n"
	       "`spate trace stats|convert` take the same as --merge FILE, --slice FROM:TO\n"
	       "[--keep-time], --time-scale X, --shift S, --rate-scale R.\n");
}

int main(int argc, char **argv)
{
	struct err e = { 0 };
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	int rc;
	if (!strcmp(cmd, "run")) {
		rc = cmd_run(argc, argv, &e);
	} else if (!strcmp(cmd, "check")) {
		rc = cmd_check(argc, argv, &e);
	} else if (!strcmp(cmd, "report")) {
		rc = cmd_report(argc, argv, &e);
	} else if (!strcmp(cmd, "sweep")) {
		rc = cmd_sweep(argc, argv, &e);
	} else if (!strcmp(cmd, "merge")) {
		rc = cmd_merge(argc, argv, &e);
	} else if (!strcmp(cmd, "plot")) {
		rc = plot_main(argc - 2, argv + 2, argv[0], &e);
	} else if (!strcmp(cmd, "trace")) {
		rc = cmd_trace(argc, argv, &e);
	} else if (!strcmp(cmd, "record")) {
		rc = cmd_record(argc, argv, &e);
	} else if (!strcmp(cmd, "validate")) {
		rc = cmd_validate(argc, argv, &e);
	} else if (!strcmp(cmd, "policies")) {
		cmd_policies();
		rc = 0;
	} else if (!strcmp(cmd, "workloads")) {
		cmd_workloads();
		rc = 0;
	} else if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("spate %s%s\n", SPATE_VERSION,
		       smpi_available() ? " (with Open MPI: sweep --mpi)" : "");
		rc = 0;
	} else if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		rc = 0;
	} else {
		fprintf(stderr, "spate: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "spate: %s\n", e.msg[0] ? e.msg : "failed");
		return e.code == ERR_INPUT ? 2 : 1;
	}
	return rc;
}
