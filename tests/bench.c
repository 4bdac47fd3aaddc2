/*
 * spate-bench: speed and memory of the engine and the model (`make bench`).
 *
 *   (a) engine only: M/M/10 at load 0.9 on the event calendar and GSL streams
 *   (b) one function with cold starts and keep-alive, Poisson 1,000 msg/s
 *   (c) the demo 3-stage DAG on the shipped Azure trace, rate-scaled, as
 *       configured (the HPA ramps up from 2 replicas) and (c2) with initial
 *       replicas scaled with the load
 * Each case runs in its own child process at 1M and at 10M customers, so the
 * peak RSS reported (from wait4) is that case's alone and the two sizes show
 * whether memory grows with the length of the input. Wall time is measured
 * here, never in a test; for a repeatable count use callgrind.
 * Usage: spate-bench [--quick] [a|b|c ...]
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "evq.h"
#include "model.h"
#include "rng.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct result {
	double seconds;
	double events;
	double messages;
	int ok;
};

/* (a) M/M/c on the bare calendar: arrivals and departures as events, a
 * waiting-line counter for the queue. */
static struct result bench_engine(long customers, long big)
{
	enum { ARRIVAL, DEPARTURE };
	const int c = 10;
	const double lambda = 9.0, mu = 1.0;
	struct result r = { 0 };
	struct evq *q = evq_new();
	struct rng *ra = rng_new(1, "bench/arrivals", NULL);
	struct rng *rs = rng_new(1, "bench/service", NULL);
	long arrived = 0, waiting = 0, done = 0;
	int busy = 0;
	double t, wait_sum = 0;
	struct ev ev = { .kind = ARRIVAL };
	double t0 = wall();
	evq_push(q, rng_exp(ra, 1 / lambda), &ev);
	while (done < customers && evq_pop(q, &t, &ev)) {
		r.events++;
		if (ev.kind == ARRIVAL) {
			arrived++;
			if (busy < c) {
				busy++;
				struct ev d = { .kind = DEPARTURE };
				evq_push(q, t + rng_exp(rs, 1 / mu), &d);
			} else {
				waiting++;
			}
			if (arrived < customers) {
				struct ev a = { .kind = ARRIVAL };
				evq_push(q, t + rng_exp(ra, 1 / lambda), &a);
			}
		} else {
			done++;
			if (waiting) {
				waiting--;
				struct ev d = { .kind = DEPARTURE };
				evq_push(q, t + rng_exp(rs, 1 / mu), &d);
			} else {
				busy--;
			}
		}
		wait_sum += (double)waiting;
	}
	r.seconds = wall() - t0;
	r.messages = (double)done;
	r.ok = done == customers && wait_sum > 0;
	rng_free(ra);
	rng_free(rs);
	evq_free(q);
	return r;
}

static struct result run_config(const char *path, const char *text,
				const char **sets, int nsets)
{
	struct result r = { 0 };
	struct err e = { 0 };
	struct config *cfg = path ? config_load(path, sets, nsets, &e)
				  : config_parse(text, "<bench>", sets, nsets, &e);
	struct model *m = cfg ? model_new(cfg, &e) : NULL;
	if (!m) {
		fprintf(stderr, "bench: %s\n", e.msg);
		config_free(cfg);
		return r;
	}
	double t0 = wall();
	int rc = model_run(m, NULL, 0, NULL, NULL, &e);
	r.seconds = wall() - t0;
	if (rc != 0)
		fprintf(stderr, "bench: %s\n", e.msg);
	r.events = (double)model_events(m);
	r.messages = model_metric(m, "e2e", "arrivals");
	r.ok = rc == 0 && r.messages > 0;
	model_free(m);
	config_free(cfg);
	return r;
}

static struct result bench_function(long messages, long big)
{
	char json[2048];
	snprintf(json, sizeof json,
		 "{\"experiment\":\"bench-fn\",\"seed\":1,"
		 "\"sources\":[{\"topic\":\"in\",\"partitions\":16,"
		 "\"arrivals\":{\"workload\":\"poisson\",\"rate\":1000,\"count\":%ld},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\","
		 "\"service\":{\"type\":\"lognormal\",\"mean\":0.02,\"sd\":0.02},"
		 "\"cold_start\":{\"type\":\"lognormal\",\"mean\":0.5,\"sd\":0.2},"
		 "\"on_demand\":true,\"keep_alive_s\":5,\"initial_replicas\":0,"
		 "\"min_replicas\":0,\"max_replicas\":1000,\"scaling\":{\"managed\":false}}],"
		 "\"record\":{\"timeline_interval_s\":1}}",
		 messages);
	return run_config(NULL, json, NULL, 0);
}

/* The trace has 19,366 requests over 3,502 s. It is rate-scaled to `big`
 * messages; the smaller run keeps that rate and stops after the same
 * fraction of the trace, so the two differ only in length (which is what
 * flat memory is about), not in how many replicas are busy at once. */
static struct result demo_scaled(long messages, long big, int presize)
{
	char scale[64], dur[64], ingest[64], infer[64], deliver[64];
	double r = big / 19366.0;
	snprintf(scale, sizeof scale, "sources.requests.arrivals.rate_scale=%.6f", r);
	snprintf(dur, sizeof dur, "duration_s=%.3f", 3502.2 * messages / big);
	/* the demo's initial replicas (1, 2, 1) scaled with the load */
	snprintf(ingest, sizeof ingest, "functions.ingest.initial_replicas=%.0f",
		 presize ? ceil(r / 5) : 1);
	snprintf(infer, sizeof infer, "functions.infer.initial_replicas=%.0f",
		 presize ? ceil(r * 6) : 2);
	snprintf(deliver, sizeof deliver, "functions.deliver.initial_replicas=%.0f",
		 presize ? ceil(r / 3) : 1);
	const char *sets[] = {
		scale, dur, ingest, infer, deliver,
		"functions.ingest.max_replicas=100000",
		"functions.infer.max_replicas=100000",
		"functions.deliver.max_replicas=100000",
	};
	return run_config("experiments/demo.json", NULL, sets, 8);
}

/* As configured: the HPA starts from 2 replicas of infer and ramps up by
 * its rate policies, leaving a backlog of ~500k messages at 516x load. */
static struct result bench_demo(long messages, long big)
{
	return demo_scaled(messages, big, 0);
}

/* The same with initial replicas scaled with the load: no ramp backlog, so
 * this is the engine's steady state with ~3,000 busy replicas. */
static struct result bench_demo_sized(long messages, long big)
{
	return demo_scaled(messages, big, 1);
}

struct bcase {
	const char *name, *what, *unit;
	struct result (*fn)(long n, long big);
	double target;      /* per second, of `unit` */
	int per_event;      /* target counts events (1) or messages (0) */
};

static const struct bcase cases[] = {
	{ "a", "engine: M/M/10, load 0.9", "events", bench_engine, 15e6, 1 },
	{ "b", "one function, cold starts + keep-alive, Poisson 1000/s", "msgs",
	  bench_function, 5e6, 0 },
	{ "c", "demo 3-stage DAG on the Azure trace, rate-scaled", "msgs",
	  bench_demo, 2e6, 0 },
	{ "c2", "  the same, initial replicas scaled with the load", "msgs",
	  bench_demo_sized, 2e6, 0 },
};

/* Runs one case in a child; returns its result and peak RSS (KiB). */
static struct result in_child(const struct bcase *c, long n, long big,
			      long *rss_kib)
{
	int fd[2];
	struct result r = { 0 };
	if (pipe(fd) != 0)
		return r;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		struct result x = c->fn(n, big);
		ssize_t w = write(fd[1], &x, sizeof x);
		_exit(w == (ssize_t)sizeof x ? 0 : 1);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], &r, sizeof r);
	close(fd[0]);
	int status;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	*rss_kib = ru.ru_maxrss;
	if (got != (ssize_t)sizeof r || !WIFEXITED(status) || WEXITSTATUS(status))
		r.ok = 0;
	return r;
}

int main(int argc, char **argv)
{
	int quick = 0, fails = 0;
	const char *only[8];
	int nonly = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (nonly < 8)
			only[nonly++] = argv[i];
	}
	long big = quick ? 1000000 : 10000000, small = big / 10;
	printf("%-4s %-56s %10s %12s %12s %9s %s\n", "case", "what", "customers",
	       "events/s", "msgs/s", "RSS MiB", "target");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bcase *c = &cases[i];
		int run = !nonly;
		for (int k = 0; k < nonly; k++)
			run |= !strcmp(only[k], c->name);
		if (!run)
			continue;
		long sizes[2] = { small, big };
		double rate_big = 0;
		for (int s = 0; s < 2; s++) {
			long rss = 0;
			struct result r = in_child(c, sizes[s], big, &rss);
			if (!r.ok) {
				printf("%-4s %-56s %10ld   FAILED\n", c->name, c->what, sizes[s]);
				fails++;
				continue;
			}
			double evs = r.events / r.seconds, ms = r.messages / r.seconds;
			printf("%-4s %-56s %10ld %12.3g %12.3g %9.1f\n", c->name, c->what,
			       sizes[s], evs, ms, rss / 1024.0);
			if (s == 1)
				rate_big = c->per_event ? evs : ms;
		}
		printf("     target: >= %.3g %s/s on one core: %s (%.3g)\n\n",
		       c->target, c->unit, rate_big >= c->target ? "met" : "NOT MET",
		       rate_big);
	}
	return fails ? 1 : 0;
}
