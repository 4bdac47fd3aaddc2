/*
 * validate: the queueing-theory validation cases of spate, in one table used
 * by `spate validate` (which runs them through the runner into a results
 * database and reports from that database) and by tests/test_queueing.c
 * (which runs them in memory and asserts that each exact value lies inside
 * the confidence interval).
 *
 *   spate validate [--db DB] [--format table|csv|markdown|latex]
 *                  [--replications N] [--customers N] [--cases mm1,mmc,...]
 *                  [--quiet]
 *
 * A case is one model (a JSON config template) with one or more measures;
 * each measure is a summary metric ("f.mean_wait", "e2e.mean"), optionally
 * divided by another ("per", the arrival count), and its exact value from
 * qtheory. Replication r (0-based) runs with seed r + 1 and records
 * replication r; every case has its own source topic, so the cases'
 * arrival streams are independent of one another. A case's runs are
 * recorded as experiment "validate-NAME".
 */
#ifndef SPATE_VALIDATE_H
#define SPATE_VALIDATE_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "report.h"

struct err;

#define VALIDATE_MAX_MEASURES 2

struct validate_measure {
	const char *what;         /* "mean wait in queue" */
	const char *metric;       /* summary metric "scope.metric" */
	const char *per;          /* NULL, or a metric to divide by: it must be
				     the same in every replication (the arrival
				     count, fixed by the source's count), so the
				     mean of the ratios is the ratio of means */
	double (*exact)(void);    /* the value from queueing theory */
	double max_rel;           /* the tests require the CI half-width to be
				     at most max_rel * exact */
};

struct validate_case {
	const char *name;         /* short id: topic, experiment suffix */
	const char *model;        /* "M/M/1, rho = 0.8" */
	const char *model_tex;    /* the same for LaTeX */
	/* JSON config; printf arguments in order: case name (%s, for the
	 * experiment), seed (%d), replication (%d), case name (%s, the topic),
	 * customers (%ld) */
	const char *tmpl;
	size_t nmeasures;
	struct validate_measure measures[VALIDATE_MAX_MEASURES];
};

size_t validate_ncases(void);
/* NULL when i >= validate_ncases() */
const struct validate_case *validate_case_at(size_t i);
/* NULL and ERR_INPUT (listing the names) for an unknown name */
const struct validate_case *validate_case_find(const char *name,
					       struct err *e);

/* The config text of replication r (0-based) with `customers` arrivals;
 * free it. NULL and e on bad arguments or no memory. */
char *validate_config_json(const struct validate_case *c, int r,
			   long customers, struct err *e);
/* The measure's value on a finished model (NAN when it lacks the metric). */
double validate_value(const struct validate_measure *m, const struct model *mod);

/* One row of the validation table: a case's measure over its runs. */
struct validate_row {
	const struct validate_case *c;
	const struct validate_measure *m;
	size_t n;                 /* runs */
	double mean, hw;          /* 95% Student-t half-width (NAN if n < 2) */
	double exact;
	double rel_err;           /* (mean - exact) / exact */
	int inside;               /* |mean - exact| <= hw */
};

struct validate_opts {
	const char *db;
	int replications;         /* 0: 10 */
	long customers;           /* 0: 100000 */
	const char *const *cases; /* names, or NULL for every case */
	size_t ncases;
	double confidence;        /* 0: 0.95 */
	FILE *log;                /* progress lines, or NULL */
	model_progress_fn progress;   /* passed to every run, may be NULL */
	void *progress_ctx;
};

/* Runs the replications of every selected case that has no done run in
 * o->db yet (cases already there are reused as they are, so a killed
 * validation resumes case by case). 0, 1 when progress stopped a run (that
 * run is recorded as interrupted), or -1 and e. */
int validate_run(const struct validate_opts *o, struct err *e);

/* Reads the table of the selected cases from o->db (only done runs count).
 * *rows is one allocation (free it). -1 and e when the database lacks a
 * case or its metrics, or a `per` metric varies between runs. */
int validate_table(const struct validate_opts *o, struct validate_row **rows,
		   size_t *nrows, struct err *e);

/* Prints rows in format f: case, measure, n, simulated mean, CI
 * half-width, exact, relative error, inside the CI. */
int validate_print(const struct validate_row *rows, size_t nrows,
		   enum report_format f, FILE *out, struct err *e);

#endif
