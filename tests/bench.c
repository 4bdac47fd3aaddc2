/*
 * spate-bench: speed and memory of the engine, the model and the trace
 * readers (`make bench`).
 *
 *   (a) engine only: M/M/10 at load 0.9 on the event calendar and GSL streams
 *   (b) one function with cold starts and keep-alive, Poisson 1,000 msg/s
 *   (c) the demo 3-stage DAG on the shipped Azure trace, rate-scaled, as
 *       configured (the HPA ramps up from 2 replicas) and (c2) with initial
 *       replicas scaled with the load
 *   (t) every trace reader on a generated file of 1M and of 10M lines (the
 *       per-minute formats: rows giving ~1M and ~10M arrivals), read through
 *       arr_new/arr_next as the model reads a source
 * Each case runs in its own child process at 1M and at 10M customers, so the
 * peak RSS reported (from wait4) is that case's alone and the two sizes show
 * whether memory grows with the length of the input. Wall time is measured
 * here, never in a test; for a repeatable count use callgrind.
 * Usage: spate-bench [--quick] [a|b|c|c2|t ...]
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "arrivals.h"
#include "config.h"
#include "dist.h"
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

/* Runs fn(arg, res) in a child, which sends back the len bytes at res;
 * fills *rss_kib with its peak RSS (KiB). Returns 0, or -1 when the child
 * failed (fn returned nonzero, died, or sent nothing). */
static int in_child_run(int (*fn)(const void *arg, void *res), const void *arg,
			void *res, size_t len, long *rss_kib)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		int rc = fn(arg, res);
		ssize_t w = write(fd[1], res, len);
		_exit(rc == 0 && w == (ssize_t)len ? 0 : 1);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], res, len);
	close(fd[0]);
	int status;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	*rss_kib = ru.ru_maxrss;
	return got == (ssize_t)len && WIFEXITED(status) && !WEXITSTATUS(status) ?
	       0 : -1;
}

struct case_job {
	const struct bcase *c;
	long n, big;
};

static int run_case(const void *arg, void *res)
{
	const struct case_job *j = arg;
	*(struct result *)res = j->c->fn(j->n, j->big);
	return 0;
}

/* Runs one case in a child; returns its result and peak RSS (KiB). */
static struct result in_child(const struct bcase *c, long n, long big,
			      long *rss_kib)
{
	const struct case_job j = { .c = c, .n = n, .big = big };
	struct result r = { 0 };
	if (in_child_run(run_case, &j, &r, sizeof r, rss_kib) != 0)
		r.ok = 0;
	return r;
}

/* ---- (t) trace readers -------------------------------------------------
 *
 * For each format a generator writes a file of n lines (the per-minute
 * formats: rows giving ~n arrivals) into a private temporary directory
 * ($TMPDIR or /tmp) and records what the reader must yield; a child then
 * reads it through arr_new/arr_next, the path the model takes for a
 * source, and checks the count and the order exactly and the size sum to
 * 1e-9, so a reader that skipped rows could not look fast. Generation runs
 * in a child of its own, so the parent every reader is forked from (whose
 * pages count in the reader's RSS) is the same at both sizes. The file is
 * deleted before the next is written, so the disk holds one file at a time
 * (at most ~1.8 GB, kafka-dump-log at 10M lines), and a format is skipped
 * when the free space is short. The file was just written, so it is read
 * from the page cache: the rates are parse speed, not disk speed.
 * Formatting is done by hand into a 64 KiB buffer: fprintf would make the
 * 10M-line files take longer to write than to read. zlib appears here only
 * to write the .gz input; reading it is linereader's business.
 */

/* A file the bench must delete if it is interrupted. */
static char t_file[4096], t_dir[4096];
static volatile sig_atomic_t t_have_file, t_have_dir;

static void t_on_signal(int sig)
{
	if (t_have_file)
		unlink(t_file);
	if (t_have_dir)
		rmdir(t_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Buffered output to a plain or gzip-compressed file; `bad` is sticky. */
struct out {
	FILE *f;
	gzFile gz;
	size_t n;
	int bad;
	char buf[1 << 16];
};

static void out_flush(struct out *o)
{
	if (o->n && !o->bad &&
	    (o->gz ? gzwrite(o->gz, o->buf, (unsigned)o->n) != (int)o->n
		   : fwrite(o->buf, 1, o->n, o->f) != o->n))
		o->bad = 1;
	o->n = 0;
}

/* Room for `need` more bytes at the returned pointer; out_end commits. */
static char *out_room(struct out *o, size_t need)
{
	if (o->n + need > sizeof o->buf)
		out_flush(o);
	return o->buf + o->n;
}

static void out_end(struct out *o, const char *p)
{
	o->n = (size_t)(p - o->buf);
}

static char *put_u(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_i(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return put_u(p, (uint64_t)-v);
	}
	return put_u(p, (uint64_t)v);
}

/* v as exactly `digits` digits, zero-padded (v < 10^digits). */
static char *put_digits(char *p, uint64_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + digits;
}

/* v / 10^digits with exactly `digits` decimals: times kept as integers of
 * the file's own resolution print exactly and never step back. */
static char *put_fixed(char *p, uint64_t v, int digits)
{
	uint64_t scale = 1;
	for (int i = 0; i < digits; i++)
		scale *= 10;
	p = put_u(p, v / scale);
	*p++ = '.';
	return put_digits(p, v % scale, digits);
}

static char *put_s(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

/* 64 hex digits, the shape of the Azure traces' SHA-256 name hashes. */
static void make_hash(char h[65], struct rng *r)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 64; i += 8) {
		uint64_t v = rng_below(r, UINT64_C(1) << 32);
		for (int k = 0; k < 8; k++, v >>= 4)
			h[i + k] = hex[v & 15];
	}
	h[64] = '\0';
}

/* Popularity skew without a table: 80% of the picks fall on a hot tenth. */
static uint64_t pick(struct rng *r, uint64_t n)
{
	uint64_t hot = n / 10 ? n / 10 : 1;
	return rng_bernoulli(r, 0.8) ? rng_below(r, hot) : rng_below(r, n);
}

/* Diurnal shape of the per-minute formats, mean 1 over a day: lowest at
 * midnight, highest at noon. */
static double diurnal(long minute)
{
	return 1 - 0.5 * cos(2 * M_PI * (double)(minute % 1440) / 1440);
}

/* What the reader must give back for a generated file. */
struct texpect {
	long lines;          /* in the file */
	long arrivals;
	double size_sum;
};

static struct dist *lognormal(double mean, double sd, struct out *o)
{
	struct err e = { 0 };
	struct dist *d = dist_new_lognormal_ms(mean, sd, &e);
	if (!d)
		o->bad = 1;
	return d;
}

/* spate-csv: two topics at 1,000 rows/s, microsecond times, 10% keyless. */
static void gen_spate_csv(struct out *o, long n, struct rng *r,
			  struct texpect *x)
{
	struct dist *bytes = lognormal(1024, 2048, o);
	if (!bytes)
		return;
	char *p = put_s(out_room(o, 64), "time_s,topic,key,size_bytes\n");
	out_end(o, p);
	uint64_t us = 0;
	for (long i = 1; i < n; i++) {
		us += (uint64_t)rng_exp(r, 1000);
		uint64_t size = (uint64_t)dist_sample(bytes, r, 0);
		p = put_fixed(out_room(o, 128), us, 6);
		p = put_s(p, rng_bernoulli(r, 0.2) ? ",clicks," : ",requests,");
		if (!rng_bernoulli(r, 0.1))
			p = put_u(put_s(p, "user"), pick(r, 100000));
		*p++ = ',';
		p = put_u(p, size);
		*p++ = '\n';
		out_end(o, p);
		x->size_sum += (double)size;
	}
	x->arrivals = n - 1;
	dist_free(bytes);
}

/* kcat -f '%T,%t,%p,%o,%K,%S\n' (no header, as kcat prints it): one topic
 * of 12 partitions at 1,000 msg/s, millisecond timestamps (equal ones
 * common), per-partition offsets, 20% null keys, 0.1% tombstones. */
static void gen_kcat(struct out *o, long n, struct rng *r, struct texpect *x)
{
	enum { PARTS = 12 };
	struct dist *bytes = lognormal(1024, 2048, o);
	if (!bytes)
		return;
	uint64_t us = 0, off[PARTS] = { 0 };
	for (long i = 0; i < n; i++) {
		us += (uint64_t)rng_exp(r, 1000);
		uint64_t part = rng_below(r, PARTS);
		int64_t klen = rng_bernoulli(r, 0.2) ? -1 : 8 + (int64_t)rng_below(r, 29);
		int64_t vlen = rng_bernoulli(r, 0.001) ? -1 :
			       (int64_t)dist_sample(bytes, r, 0);
		char *p = put_u(out_room(o, 128), UINT64_C(1700000000000) + us / 1000);
		p = put_u(put_s(p, ",orders,"), part);
		*p++ = ',';
		p = put_u(p, off[part]++);
		*p++ = ',';
		p = put_i(p, klen);
		*p++ = ',';
		p = put_i(p, vlen);
		*p++ = '\n';
		out_end(o, p);
		x->size_sum += vlen < 0 ? 0 : (double)vlen;
	}
	x->arrivals = n;
	dist_free(bytes);
}

/* kafka-dump-log --print-data-log of Kafka 3.x: two preamble lines, then
 * batches of 1 to 15 records, each a batch line (CreateTime = its last
 * record's) and one "| " line per record with the key and a printable
 * payload of exactly valueSize bytes; 20% null keys (no key: field), 0.1%
 * null values (valueSize -1, no payload). The last batch is sized so the
 * file has exactly n lines. */
static void gen_kafka_dump(struct out *o, long n, struct rng *r,
			   struct texpect *x)
{
	enum { MAXB = 15, MAXV = 1000 };
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789+/";
	char pay[2 * MAXV];
	struct dist *vbytes = lognormal(48, 48, o);
	if (!vbytes)
		return;
	for (int i = 0; i < 2 * MAXV; i++)
		pay[i] = b64[rng_below(r, 64)];
	char *p = put_s(out_room(o, 128),
			"Dumping /var/lib/kafka/data/orders-0/00000000000000000000.log\n"
			"Log starting offset: 0\n");
	out_end(o, p);
	struct {
		uint64_t ms, user;
		int64_t klen, vlen;
	} rec[MAXB + 1];
	long rem = n - 2;
	uint64_t off = 0, pos = 0, us = 0;
	while (rem > 0) {
		long k = 1 + (long)rng_below(r, MAXB);
		if (k > rem - 1)
			k = rem - 1;
		if (rem - 1 - k == 1)
			k++;             /* never leave a lone line for a batch */
		uint64_t size = 61;
		for (long j = 0; j < k; j++) {
			us += (uint64_t)rng_exp(r, 1000);
			rec[j].ms = UINT64_C(1700000000000) + us / 1000;
			rec[j].user = pick(r, 100000);
			char kt[24];
			rec[j].klen = rng_bernoulli(r, 0.2) ? -1 :
				      (int64_t)(put_u(put_s(kt, "user"), rec[j].user) - kt);
			double v = dist_sample(vbytes, r, 0);
			rec[j].vlen = rng_bernoulli(r, 0.001) ? -1 :
				      v < 1 ? 1 : v > MAXV ? MAXV : (int64_t)v;
			size += 8 + (uint64_t)(rec[j].klen > 0 ? rec[j].klen : 0) +
				(uint64_t)(rec[j].vlen > 0 ? rec[j].vlen : 0);
		}
		p = put_u(put_s(out_room(o, 512), "baseOffset: "), off);
		p = put_u(put_s(p, " lastOffset: "), off + (uint64_t)k - 1);
		p = put_u(put_s(p, " count: "), (uint64_t)k);
		p = put_u(put_s(p, " baseSequence: "), off);
		p = put_u(put_s(p, " lastSequence: "), off + (uint64_t)k - 1);
		p = put_s(p, " producerId: 1000 producerEpoch: 0 partitionLeaderEpoch: 0"
			  " isTransactional: false isControl: false deleteHorizonMs:"
			  " OptionalLong.empty position: ");
		p = put_u(p, pos);
		p = put_u(put_s(p, " CreateTime: "), rec[k - 1].ms);
		p = put_u(put_s(p, " size: "), size);
		p = put_u(put_s(p, " magic: 2 compresscodec: none crc: "),
			  rng_below(r, UINT64_C(1) << 32));
		p = put_s(p, " isvalid: true\n");
		out_end(o, p);
		for (long j = 0; j < k; j++) {
			p = put_u(put_s(out_room(o, 256 + MAXV), "| offset: "), off + (uint64_t)j);
			p = put_u(put_s(p, " CreateTime: "), rec[j].ms);
			p = put_i(put_s(p, " keySize: "), rec[j].klen);
			p = put_i(put_s(p, " valueSize: "), rec[j].vlen);
			p = put_u(put_s(p, " sequence: "), off + (uint64_t)j);
			p = put_s(p, " headerKeys: []");
			if (rec[j].klen >= 0)
				p = put_u(put_s(p, " key: user"), rec[j].user);
			if (rec[j].vlen >= 0) {
				p = put_s(p, " payload: ");
				memcpy(p, pay + rng_below(r, MAXV), (size_t)rec[j].vlen);
				p += rec[j].vlen;
			}
			*p++ = '\n';
			out_end(o, p);
			x->size_sum += rec[j].vlen < 0 ? 0 : (double)rec[j].vlen;
		}
		x->arrivals += k;
		off += (uint64_t)k;
		pos += size;
		rem -= k + 1;
	}
	dist_free(vbytes);
}

/* azure-functions-2021: 424 functions of 119 apps (the real trace's
 * counts), popularity skewed, 100 invocations/s, durations lognormal in
 * whole ms; end_timestamp = arrival + duration, so arrivals are in order. */
static void gen_azfn2021(struct out *o, long n, struct rng *r,
			 struct texpect *x)
{
	enum { APPS = 119, FUNCS = 424 };
	struct names {
		char app[APPS][65], fn[FUNCS][65];
	} *nm = malloc(sizeof *nm);
	struct dist *ms = lognormal(800, 3000, o);
	if (!nm || !ms) {
		o->bad = 1;
		free(nm);
		dist_free(ms);
		return;
	}
	for (int i = 0; i < APPS; i++)
		make_hash(nm->app[i], r);
	for (int i = 0; i < FUNCS; i++)
		make_hash(nm->fn[i], r);
	char *p = put_s(out_room(o, 64), "app,func,end_timestamp,duration\n");
	out_end(o, p);
	uint64_t us = 0;
	for (long i = 1; i < n; i++) {
		us += (uint64_t)rng_exp(r, 10000);
		uint64_t f = pick(r, FUNCS);
		uint64_t d = (uint64_t)(dist_sample(ms, r, 0) + 0.5);
		p = put_s(out_room(o, 192), nm->app[f % APPS]);
		*p++ = ',';
		p = put_s(p, nm->fn[f]);
		*p++ = ',';
		p = put_fixed(p, us + 1000 * d, 6);
		*p++ = ',';
		p = put_fixed(p, d, 3);
		*p++ = '\n';
		out_end(o, p);
		x->size_sum += (double)d / 1000;
	}
	x->arrivals = n - 1;
	free(nm);
	dist_free(ms);
}

/* azure-llm-2023: from the conversation trace's first timestamp at its
 * mean rate (5.5/s, so 10M rows span three weeks), 7-digit fractions,
 * token counts near the trace's means. Size = ContextTokens (the
 * default). */
static void gen_azure_llm(struct out *o, long n, struct rng *r,
			  struct texpect *x)
{
	struct dist *ctx = lognormal(1155, 1100, o), *gen = lognormal(211, 160, o);
	if (!ctx || !gen) {
		dist_free(ctx);
		dist_free(gen);
		return;
	}
	char *p = put_s(out_room(o, 64), "TIMESTAMP,ContextTokens,GeneratedTokens\n");
	out_end(o, p);
	const time_t origin = 1700158546;    /* 2023-11-16 18:15:46 UTC */
	uint64_t t = 0;                      /* 100 ns units */
	time_t last = -1;
	char day[20];                        /* "YYYY-MM-DD HH:MM:SS" */
	for (long i = 1; i < n; i++) {
		t += (uint64_t)rng_exp(r, 1e7 / 5.5);
		time_t sec = origin + (time_t)(t / 10000000);
		if (sec != last) {
			struct tm tm;
			gmtime_r(&sec, &tm);
			char *q = put_digits(day, (uint64_t)tm.tm_year + 1900, 4);
			q = put_digits(put_s(q, "-"), (uint64_t)tm.tm_mon + 1, 2);
			q = put_digits(put_s(q, "-"), (uint64_t)tm.tm_mday, 2);
			q = put_digits(put_s(q, " "), (uint64_t)tm.tm_hour, 2);
			q = put_digits(put_s(q, ":"), (uint64_t)tm.tm_min, 2);
			put_digits(put_s(q, ":"), (uint64_t)tm.tm_sec, 2);
			last = sec;
		}
		uint64_t c = (uint64_t)dist_sample(ctx, r, 0);
		uint64_t g = (uint64_t)dist_sample(gen, r, 0);
		p = out_room(o, 96);
		memcpy(p, day, 19);
		p += 19;
		*p++ = '.';
		p = put_digits(p, t % 10000000, 7);
		*p++ = ',';
		p = put_u(p, c);
		*p++ = ',';
		p = put_u(p, g);
		*p++ = '\n';
		out_end(o, p);
		x->size_sum += (double)c;
	}
	x->arrivals = n - 1;
	dist_free(ctx);
	dist_free(gen);
}

static const char *trigger(struct rng *r)
{
	uint64_t u = rng_below(r, 100);
	return u < 60 ? "http" : u < 75 ? "queue" : u < 87 ? "event" :
	       u < 93 ? "storage" : u < 97 ? "orchestration" : "others";
}

/* azure-functions-2019, one day file: n / 500 function rows of 1,440
 * minute counts, so ~n invocations in all. A fifth are timers firing once
 * every 1, 5, 15 or 60 minutes; the others have a heavy-tailed rate
 * (lognormal, sd 4x the mean) shaped by the diurnal curve, counts
 * randomly rounded. Functions of one app and apps of one owner sit on
 * neighbouring rows, as in the sorted real files. The reader replays every
 * row summed (no filter), so all the counts are parsed. */
static void gen_azfn2019(struct out *o, long n, struct rng *r,
			 struct texpect *x)
{
	static const int periods[4] = { 1, 5, 15, 60 };
	long rows = n / 500 > 0 ? n / 500 : 1;
	double mean = (double)n / ((double)rows * 1440);
	double timers = 0.2 * (1 + 1 / 5.0 + 1 / 15.0 + 1 / 60.0) / 4;
	double other = (mean - timers) / 0.8;
	struct dist *rate = lognormal(other > 0.01 ? other : 0.01,
				      4 * (other > 0.01 ? other : 0.01), o);
	if (!rate)
		return;
	char *p = put_s(out_room(o, 64), "HashOwner,HashApp,HashFunction,Trigger");
	out_end(o, p);
	for (int m = 1; m <= 1440; m++) {
		p = put_u(put_s(out_room(o, 16), ","), (uint64_t)m);
		out_end(o, p);
	}
	out_end(o, put_s(out_room(o, 2), "\n"));
	char owner[65], app[65], fn[65];
	make_hash(owner, r);
	make_hash(app, r);
	for (long i = 0; i < rows; i++) {
		if (rng_bernoulli(r, 0.3)) {
			make_hash(owner, r);
			make_hash(app, r);
		} else if (rng_bernoulli(r, 0.5)) {
			make_hash(app, r);
		}
		make_hash(fn, r);
		int timer = rng_bernoulli(r, 0.2);
		int period = periods[rng_below(r, 4)];
		double lambda = timer ? 0 : dist_sample(rate, r, 0);
		p = put_s(out_room(o, 256), owner);
		p = put_s(put_s(p, ","), app);
		p = put_s(put_s(p, ","), fn);
		p = put_s(put_s(p, ","), timer ? "timer" : trigger(r));
		out_end(o, p);
		for (long m = 0; m < 1440; m++) {
			double c = timer ? (m % period == 0) :
				   rng_round(r, lambda * diurnal(m));
			p = out_room(o, 24);
			*p++ = ',';
			p = put_u(p, (uint64_t)c);
			out_end(o, p);
			x->arrivals += (long)c;
		}
		out_end(o, put_s(out_room(o, 2), "\n"));
	}
	x->lines = rows + 1;
	dist_free(rate);
}

/* huawei-2023 requests_minute: the real table's 5,093 function columns,
 * one row a minute from day 0, n * 1440 / 1M rows (1M: one day, 10M: ten
 * days on one clock), so function "42" at ~694 requests a minute (diurnal)
 * gives ~n arrivals. A fifth of the other columns are mostly empty (no
 * data), the rest heavy-tailed counts, like the real table. */
static void gen_huawei(struct out *o, long n, struct rng *r, struct texpect *x)
{
	enum { FUNCS = 5093, CHOSEN = 42 };
	long rows = (long)llround((double)n * 1440 / 1e6);
	if (rows < 1)
		rows = 1;
	/* the diurnal curve averages 1 over whole days only */
	double shape_sum = 0;
	for (long i = 0; i < rows; i++)
		shape_sum += diurnal(i);
	double per_min = (double)n / shape_sum;
	double *lam = malloc(FUNCS * sizeof *lam);
	unsigned char *sparse = malloc(FUNCS);
	struct dist *rate = lognormal(2, 20, o);
	if (!lam || !sparse || !rate) {
		o->bad = 1;
		free(lam);
		free(sparse);
		dist_free(rate);
		return;
	}
	char *p = put_s(out_room(o, 16), "day,time");
	out_end(o, p);
	for (int f = 0; f < FUNCS; f++) {
		lam[f] = dist_sample(rate, r, 0);
		sparse[f] = (unsigned char)rng_bernoulli(r, 0.2);
		p = put_u(put_s(out_room(o, 16), ","), (uint64_t)f);
		out_end(o, p);
	}
	out_end(o, put_s(out_room(o, 2), "\n"));
	for (long i = 0; i < rows; i++) {
		p = put_u(out_room(o, 48), (uint64_t)(i / 1440));
		p = put_u(put_s(p, ","), (uint64_t)i * 60);
		out_end(o, p);
		double shape = diurnal(i);
		for (int f = 0; f < FUNCS; f++) {
			p = out_room(o, 24);
			*p++ = ',';
			if (f == CHOSEN) {
				double c = rng_round(r, per_min * shape);
				p = put_u(p, (uint64_t)c);
				x->arrivals += (long)c;
			} else if (!sparse[f] || rng_bernoulli(r, 0.05)) {
				p = put_u(p, (uint64_t)rng_round(r, lam[f] * shape));
			}
			out_end(o, p);
		}
		out_end(o, put_s(out_room(o, 2), "\n"));
	}
	x->lines = rows + 1;
	free(lam);
	free(sparse);
	dist_free(rate);
}

struct tformat {
	const char *label;
	const char *workload;     /* registry name */
	const char *params;       /* more members of the "arrivals" object */
	const char *ext;
	int gz;
	double bytes_per;         /* file bytes per unit of n, at most */
	void (*gen)(struct out *o, long n, struct rng *r, struct texpect *x);
};

static const struct tformat tformats[] = {
	{ .label = "spate-csv", .workload = "spate-csv", .params = "",
	  .ext = "csv", .bytes_per = 40, .gen = gen_spate_csv },
	{ .label = "spate-csv.gz", .workload = "spate-csv", .params = "",
	  .ext = "csv.gz", .gz = 1, .bytes_per = 40, .gen = gen_spate_csv },
	{ .label = "kcat", .workload = "kcat", .params = "", .ext = "csv",
	  .bytes_per = 50, .gen = gen_kcat },
	{ .label = "kafka-dump-log", .workload = "kafka-dump-log", .params = "",
	  .ext = "txt", .bytes_per = 300, .gen = gen_kafka_dump },
	{ .label = "azure-functions-2021", .workload = "azure-functions-2021",
	  .params = "", .ext = "csv", .bytes_per = 170, .gen = gen_azfn2021 },
	{ .label = "azure-llm-2023", .workload = "azure-llm-2023", .params = "",
	  .ext = "csv", .bytes_per = 50, .gen = gen_azure_llm },
	{ .label = "azure-functions-2019", .workload = "azure-functions-2019",
	  .params = "", .ext = "csv", .bytes_per = 20,
	  .gen = gen_azfn2019 },
	{ .label = "huawei-2023", .workload = "huawei-2023",
	  .params = ",\"function\":\"42\"", .ext = "csv",
	  .bytes_per = 40, .gen = gen_huawei },
};

struct tjob {
	const struct tformat *fmt;
	const char *path;
	long n;
	struct texpect x;         /* from the generator, for the reader */
};

/* In a child, so that the parent every reader is forked from stays the
 * same size: writes the file, sends back what it holds. */
static int t_generate(const void *arg, void *res)
{
	const struct tjob *j = arg;
	struct texpect *x = res;
	*x = (struct texpect){ .lines = j->n };
	struct out *o = calloc(1, sizeof *o);
	char stream[128];
	snprintf(stream, sizeof stream, "bench/trace/%s", j->fmt->label);
	struct rng *r = rng_new(1, stream, NULL);
	int rc = 0;
	if (!o || !r) {
		fprintf(stderr, "bench t: out of memory\n");
		rc = -1;
	} else if (j->fmt->gz ? !(o->gz = gzopen(j->path, "wb1")) :
				!(o->f = fopen(j->path, "w"))) {
		perror(j->path);
		rc = -1;
	} else {
		j->fmt->gen(o, j->n, r, x);
		out_flush(o);
		if ((o->gz ? gzclose(o->gz) != Z_OK : fclose(o->f) != 0) || o->bad) {
			fprintf(stderr, "bench t: %s: write failed\n", j->path);
			rc = -1;
		}
	}
	rng_free(r);
	free(o);
	return rc;
}

/* In a child: every arrival, as the model's source gets them. */
static int t_read(const void *arg, void *res)
{
	const struct tjob *j = arg;
	struct result *rp = res, r = { 0 };
	char json[8192];
	snprintf(json, sizeof json,
		 "{\"experiment\":\"bench-trace\",\"seed\":1,"
		 "\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":\"%s\","
		 "\"path\":\"%s\"%s},\"to\":[\"f\"]}],"
		 "\"functions\":[{\"name\":\"f\",\"service\":1}]}",
		 j->fmt->workload, j->path, j->fmt->params);
	struct err e = { 0 };
	double t0 = wall();
	struct config *cfg = config_parse(json, "<bench>", NULL, 0, &e);
	struct arrivals *a = cfg ? arr_new(&cfg->sources[0], cfg->seed,
					   cfg->rng_type, &e) : NULL;
	if (!a) {
		fprintf(stderr, "bench t: %s: %s\n", j->fmt->label, e.msg);
		config_free(cfg);
		*rp = r;
		return -1;
	}
	struct arrival x;
	long n = 0, disorder = 0;
	double prev = 0, sum = 0;
	int rc;
	while ((rc = arr_next(a, &x, &e)) == 1) {
		disorder += x.t < prev;
		prev = x.t;
		sum += x.size;
		n++;
	}
	r.seconds = wall() - t0;
	r.messages = (double)n;
	r.ok = rc == 0 && n == j->x.arrivals && disorder == 0 &&
	       fabs(sum - j->x.size_sum) <= 1e-9 * fmax(1, j->x.size_sum);
	if (rc < 0)
		fprintf(stderr, "bench t: %s: %s\n", j->fmt->label, e.msg);
	else if (!r.ok)
		fprintf(stderr, "bench t: %s: %ld arrivals (expected %ld), %ld out "
			"of order, size sum %.17g (expected %.17g)\n", j->fmt->label,
			n, j->x.arrivals, disorder, sum, j->x.size_sum);
	arr_free(a);
	config_free(cfg);
	*rp = r;
	return r.ok ? 0 : -1;
}

/* "1M", "10M", "100k" */
static const char *size_label(long n, char *buf, size_t len)
{
	if (n % 1000000 == 0)
		snprintf(buf, len, "%ldM", n / 1000000);
	else if (n % 1000 == 0)
		snprintf(buf, len, "%ldk", n / 1000);
	else
		snprintf(buf, len, "%ld", n);
	return buf;
}

/* Peak RSS of the big file's reader at most this far above the small
 * one's counts as flat. Runs differ by up to ~0.2 MiB of ~4 MiB whatever
 * the size (shared-library pages the kernel maps in around a fault depend
 * on the page cache), while one byte kept per line would add 9 MiB at
 * 10M: the margin hides no growth that matters. */
#define T_FLAT_PCT 10.0

static int bench_traces(long small, long big)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if (strpbrk(base, "\"\\") ||
	    snprintf(t_dir, sizeof t_dir, "%s/spate-bench-XXXXXX", base) >=
		    (int)sizeof t_dir - 64) {
		fprintf(stderr, "bench t: TMPDIR \"%s\" is not usable\n", base);
		return 1;
	}
	if (!mkdtemp(t_dir)) {
		perror(t_dir);
		return 1;
	}
	t_have_dir = 1;
	struct sigaction sa = { .sa_handler = t_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	printf("t    trace readers through arr_new/arr_next, files in %s\n", t_dir);
	printf("t    %-21s %9s %9s %8s %6s %6s %12s %12s %9s\n", "format", "lines",
	       "arrivals", "file MiB", "gen s", "read s", "lines/s",
	       "arrivals/s", "RSS MiB");
	fflush(stdout);
	int fails = 0;
	char ls[16], lb[16];
	for (size_t i = 0; i < sizeof tformats / sizeof tformats[0]; i++) {
		const struct tformat *fmt = &tformats[i];
		long sizes[2] = { small, big }, rss[2] = { 0, 0 };
		int ok[2] = { 0, 0 };
		for (int s = 0; s < 2; s++) {
			struct statvfs vfs;
			double need = fmt->bytes_per * (double)sizes[s] + (1 << 30);
			if (statvfs(t_dir, &vfs) == 0 &&
			    (double)vfs.f_bavail * (double)vfs.f_frsize < need) {
				printf("t    %-21s %9ld   SKIPPED: needs %.0f MiB free in %s\n",
				       fmt->label, sizes[s], need / 1048576, t_dir);
				continue;
			}
			int plen = snprintf(t_file, sizeof t_file, "%s/%s-%ld.%s", t_dir,
					    fmt->label, sizes[s], fmt->ext);
			if (plen < 0 || plen >= (int)sizeof t_file) {
				printf("t    %-21s %9ld   FAILED: path too long\n",
				       fmt->label, sizes[s]);
				fails++;
				continue;
			}
			t_have_file = 1;
			struct tjob j = { .fmt = fmt, .path = t_file, .n = sizes[s] };
			long gen_rss;
			double g0 = wall();
			int gen = in_child_run(t_generate, &j, &j.x, sizeof j.x, &gen_rss);
			double gen_s = wall() - g0;
			struct stat st = { 0 };
			struct result r = { 0 };
			if (gen != 0 || stat(t_file, &st) != 0 ||
			    in_child_run(t_read, &j, &r, sizeof r, &rss[s]) != 0)
				r.ok = 0;
			unlink(t_file);
			t_have_file = 0;
			if (!r.ok) {
				printf("t    %-21s %9ld   FAILED\n", fmt->label, sizes[s]);
				fails++;
				continue;
			}
			ok[s] = 1;
			printf("t    %-21s %9ld %9.0f %8.1f %6.1f %6.2f %12.3g %12.3g %9.1f\n",
			       fmt->label, j.x.lines, r.messages,
			       (double)st.st_size / 1048576, gen_s, r.seconds,
			       (double)j.x.lines / r.seconds, r.messages / r.seconds,
			       rss[s] / 1024.0);
			fflush(stdout);
		}
		size_label(small, ls, sizeof ls);
		size_label(big, lb, sizeof lb);
		if (!ok[0] || !ok[1]) {
			printf("     RSS not compared\n\n");
			continue;
		}
		double pct = 100.0 * (double)(rss[1] - rss[0]) / (double)rss[0];
		if (pct <= T_FLAT_PCT)
			printf("     RSS flat: %s within %.1f%% of %s\n\n", lb,
			       fabs(pct), ls);
		else
			printf("     RSS NOT flat: %s is %.1f%% above %s\n\n", lb, pct,
			       ls);
		fflush(stdout);
	}
	rmdir(t_dir);
	t_have_dir = 0;
	return fails;
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
	int any = !nonly, traces = !nonly;
	for (int k = 0; k < nonly; k++) {
		traces |= !strcmp(only[k], "t");
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
			any |= !strcmp(only[k], cases[i].name);
	}
	if (any)
		printf("%-4s %-56s %10s %12s %12s %9s %s\n", "case", "what",
		       "customers", "events/s", "msgs/s", "RSS MiB", "target");
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
	if (traces)
		fails += bench_traces(small, big);
	return fails ? 1 : 0;
}
