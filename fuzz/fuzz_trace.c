/*
 * fuzz_trace: one libFuzzer target for every trace reader.
 *
 * The first input byte selects the reader and a parameter variant; the rest
 * is the trace file. sel % 9 picks the parser: 0..6 the workload readers in
 * readers[] below, 7 the Azure 2019 duration table (azfn2019_durations, a
 * service-time distribution) and 8 an empirical distribution's samples
 * file (dist_read_samples), the two other parsers of user files that
 * fuzz_config cannot reach. sel / 9 (0..28) sets variant bits:
 *   bit 0  sort_window = 3 (readers that re-sort), else the default 0
 *   bit 1  every enum parameter at its next choice (size, partition_key,
 *          placement), bit 2 at the one after that
 *   bit 3  every bool parameter flipped (huawei from_zero)
 *   bit 4  the optional filters set (topic "orders", app "appA", func and
 *          function "f1", trigger "http") so filtered paths run too
 * Huawei's required "function" column is "1" (or "f1" with bit 4), which
 * the seed fixtures have; the duration table is asked for "f1" (or "f2"
 * with bit 4); samples make an interpolated dist with bit 1. Seeds are written by fuzz/make-corpus.sh with the
 * variant-0 selector byte of their reader.
 *
 * The file is a memfd reached as /proc/self/fd/N: no disk traffic per
 * execution and nothing left behind when the fuzzer is killed. One memfd
 * is made once and rewritten for each input; every open of the /proc path
 * is a new file description at offset 0, so readers see a fresh file.
 *
 * Besides crashes and leaks (the sanitizers), the target checks the
 * reader contract of workload.h: an arrival's time is finite and never
 * earlier than the previous one, its size is finite and >= 0, and a failure
 * is ERR_INPUT with a message. A distribution parsed from a file must give
 * finite samples >= 0 and a finite mean. It reads at most MAX_ARRIVALS arrivals, so a
 * small file that legitimately expands (a huge per-minute count) is cut
 * short instead of timing out.
 */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "azure_fn2019.h"
#include "dist.h"
#include "err.h"
#include "param.h"
#include "rng.h"
#include "workload.h"

#define MAX_ARRIVALS 100000
#define MAX_PARAMS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const readers[] = {
	"spate-csv", "azure-llm-2023", "kcat", "kafka-dump-log",
	"azure-functions-2019", "azure-functions-2021", "huawei-2023",
};
enum {
	NREADERS = sizeof readers / sizeof readers[0],
	SEL_DURATIONS = NREADERS, SEL_SAMPLES, NSEL,
};

enum {
	V_SORT = 1, V_ENUM1 = 2, V_ENUM2 = 4, V_BOOL = 8, V_FILTER = 16,
};

static int memfd = -1;
static char memfd_path[64];

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int put_file(const uint8_t *p, size_t n)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz_trace", 0);
		if (memfd < 0) {
			perror("fuzz_trace: memfd_create");
			abort();
		}
		snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0 || lseek(memfd, 0, SEEK_SET) != 0 ||
	    write_all(memfd, p, n) != 0) {
		perror("fuzz_trace: memfd write");
		abort();
	}
	return 0;
}

static size_t nchoices(const char *choices)
{
	size_t n = 1;
	for (const char *s = choices; s && *s; s++)
		n += *s == '|';
	return n;
}

static const char *filter_value(const char *name)
{
	if (!strcmp(name, "topic"))
		return "orders";
	if (!strcmp(name, "app"))
		return "appA";
	if (!strcmp(name, "func") || !strcmp(name, "function"))
		return "f1";
	if (!strcmp(name, "trigger"))
		return "http";
	return NULL;
}

/* Table defaults, the memfd as path, then the variant's changes. */
static void fill_params(const struct workload *w, unsigned v,
			union param_val *p)
{
	for (size_t i = 0; i < w->nparams; i++) {
		const struct param_def *d = &w->params[i];
		switch (d->type) {
		case PARAM_NUM:
		case PARAM_INT:
			p[i].num = d->def;
			if ((v & V_SORT) && !strcmp(d->name, "sort_window"))
				p[i].num = 3 <= d->max ? 3 : d->max;
			break;
		case PARAM_BOOL:
			p[i].num = (v & V_BOOL) ? !d->def : d->def;
			break;
		case PARAM_ENUM: {
			size_t k = (size_t)d->def + !!(v & V_ENUM1) +
				   2 * !!(v & V_ENUM2);
			p[i].num = (double)(k % nchoices(d->choices));
			break;
		}
		case PARAM_STR: {
			const char *f = (v & V_FILTER) ? filter_value(d->name) : NULL;
			if (!strcmp(d->name, "path"))
				p[i].str = memfd_path;
			else if (f)
				p[i].str = f;
			else
				p[i].str = d->def_str ? d->def_str : "1";
			break;
		}
		default:
			/* No reader takes a distribution or a command line; a
			 * new one that does needs a value here. */
			fprintf(stderr, "fuzz_trace: %s.%s: parameter type %d "
				"not supported\n", w->name, d->name, (int)d->type);
			abort();
		}
	}
}

static void fail(const char *reader, const char *what, long i, double x)
{
	fprintf(stderr, "fuzz_trace: %s: arrival %ld: %s (%.17g)\n", reader,
		i, what, x);
	abort();
}

static void check_err(const char *what, const struct err *e)
{
	if (e->code != ERR_INPUT || !e->msg[0]) {
		fprintf(stderr, "fuzz_trace: %s failed with code %d, message "
			"'%s'\n", what, (int)e->code, e->msg);
		abort();
	}
}

/* A parsed distribution: a few samples and the mean must be usable. */
static void check_dist(const char *what, struct dist *d)
{
	struct rng *r = rng_new(1, "fuzz/dist", NULL);
	for (long i = 0; i < 64; i++) {
		double x = dist_sample(d, r, 0);
		if (!isfinite(x) || x < 0)
			fail(what, "sample not finite and >= 0", i, x);
	}
	double m = dist_mean(d, 0);
	if (!isfinite(m) || m < 0)
		fail(what, "mean not finite and >= 0", 0, m);
	rng_free(r);
}

static void fuzz_durations(unsigned variant)
{
	struct err e = { 0 };
	const char *fn = (variant & V_FILTER) ? "f2" : "f1";
	struct dist *d = azfn2019_durations(memfd_path, fn, &e);
	if (!d) {
		check_err("azfn2019_durations", &e);
		return;
	}
	check_dist("azfn2019_durations", d);
	dist_free(d);
}

static void fuzz_samples(unsigned variant)
{
	struct err e = { 0 };
	double *v = NULL;
	size_t n = 0;
	if (dist_read_samples(memfd_path, &v, &n, &e) < 0) {
		check_err("dist_read_samples", &e);
		free(v);
		return;
	}
	struct dist *d = dist_new_empirical(v, n, !!(variant & V_ENUM1), &e);
	free(v);
	if (!d) {
		check_err("dist_new_empirical", &e);
		return;
	}
	check_dist("empirical samples", d);
	dist_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned sel = data[0] % NSEL, variant = data[0] / NSEL;
	if (sel >= NREADERS) {
		put_file(data + 1, size - 1);
		if (sel == SEL_DURATIONS)
			fuzz_durations(variant);
		else
			fuzz_samples(variant);
		return 0;
	}
	const char *name = readers[sel];
	const struct workload *w = workload_find(name);
	if (!w || w->nparams > MAX_PARAMS) {
		fprintf(stderr, "fuzz_trace: reader %s missing or too many "
			"parameters\n", name);
		abort();
	}
	put_file(data + 1, size - 1);
	union param_val p[MAX_PARAMS];
	fill_params(w, variant, p);
	struct rng *r = rng_new(1, "fuzz/trace", NULL);
	struct err e = { 0 };
	void *st = w->open(p, r, &e);
	int rc = st ? 1 : -1;
	double last = -INFINITY;
	struct arrival a;
	for (long i = 0; st && i < MAX_ARRIVALS; i++) {
		rc = w->next(st, &a, &e);
		if (rc <= 0)
			break;
		if (!isfinite(a.t))
			fail(name, "time not finite", i, a.t);
		if (a.t < last)
			fail(name, "time earlier than the previous arrival", i, a.t);
		if (!isfinite(a.size) || a.size < 0)
			fail(name, "size not finite and >= 0", i, a.size);
		last = a.t;
	}
	if (rc < 0)
		check_err(name, &e);
	if (st)
		w->close(st);
	rng_free(r);
	return 0;
}
