/*
 * test_external: the external policy against real agent processes.
 *
 * The policy is driven directly, as test_hpa does: three functions a -> b ->
 * c with a monitor fed synthetic scrapes of a steady load, decisions every
 * 15 s. The agents are small scripts this suite writes into a temporary
 * directory: a shell agent that plays a file of reply lines back one per
 * tick (plus tokens to exit, be killed, hang, close its stdin or answer
 * twice), a shell agent that records what spate sends, and Python agents
 * that echo one tick field (x 1000) as the decision or report the file
 * descriptors they inherited. Each error case checks the message names the
 * tick and the problem, that every target is kept, that the failed hook
 * reports the first error, and that fini leaves no child (waitpid: ECHILD)
 * and no descriptor behind (/proc/self/fd counted before and after).
 * The example agent (experiments/agents/agent.py, path relative to the
 * repository root, where the suite runs) is checked against its formula
 * ceil(rate x service / (0.7 x concurrency)), and once through the config
 * loader and a full model run.
 * Timeouts are real wall-clock waits: the silent agent costs timeout_s
 * (0.3 s here) and each hung agent grace_s (0.1 s) at fini.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "model.h"
#include "monitor.h"
#include "param.h"
#include "policy.h"
#include "testutil.h"

#define SCRAPE 5.0
#define NF 3
#define EXAMPLE "experiments/agents/agent.py"

static char dir[64];   /* the suite's temporary directory */

/* --- agents ---------------------------------------------------------------- */

/* Plays $0.replies back, one line per tick. */
static const char replay_sh[] =
	"read -r h || exit 0\n"
	"echo '{\"ok\":true}'\n"
	"exec 3<\"$0.replies\"\n"
	"while read -r t; do\n"
	"  IFS= read -r r <&3 || r='{\"decisions\":{}}'\n"
	"  case \"$r\" in\n"
	"  @exit*) exit ${r#@exit } ;;\n"
	"  @kill) kill -9 $$ ;;\n"
	"  @sleep) exec sleep 100 ;;\n"
	"  @closein) exec 0<&-; echo '{\"decisions\":{}}'; exec sleep 100 ;;\n"
	"  @twice) printf '%s\\n%s\\n' '{\"decisions\":{}}' '{\"decisions\":{}}' ;;\n"
	"  *) printf '%s\\n' \"$r\" ;;\n"
	"  esac\n"
	"done\n";

/* Records the hello and the ticks next to itself. */
static const char record_sh[] =
	"read -r h || exit 0\n"
	"printf '%s\\n' \"$h\" > \"$0.hello\"\n"
	": > \"$0.ticks\"\n"
	"echo '{\"ok\":true}'\n"
	"while read -r t; do\n"
	"  printf '%s\\n' \"$t\" >> \"$0.ticks\"\n"
	"  echo '{\"decisions\":{}}'\n"
	"done\n";

/* Tick k answers round(1000 x field argv[k]) for every function; a null
 * field leaves the function out, and the global reason says so. */
static const char echo_py[] =
	"import json, sys\n"
	"fields = sys.argv[1:]\n"
	"sys.stdin.readline()\n"
	"print('{\"ok\":true}', flush=True)\n"
	"k = 0\n"
	"while True:\n"
	"    line = sys.stdin.readline()\n"
	"    if not line:\n"
	"        break\n"
	"    tick = json.loads(line)\n"
	"    field = fields[min(k, len(fields) - 1)]\n"
	"    k += 1\n"
	"    dec = {}\n"
	"    for f in tick['functions']:\n"
	"        if f[field] is not None:\n"
	"            dec[f['name']] = {'replicas': round(f[field] * 1000),\n"
	"                              'reason': field}\n"
	"    print(json.dumps({'decisions': dec, 'reason': 'null ' + field}),\n"
	"          flush=True)\n";

/* Answers with the number of open descriptors >= 3 it inherited. */
static const char fds_py[] =
	"import json, os, sys\n"
	"open_fds = []\n"
	"for fd in range(3, 4096):\n"
	"    try:\n"
	"        os.fstat(fd)\n"
	"        open_fds.append(fd)\n"
	"    except OSError:\n"
	"        pass\n"
	"sys.stdin.readline()\n"
	"print('{\"ok\":true}', flush=True)\n"
	"sys.stdin.readline()\n"
	"print(json.dumps({'decisions': {'a': len(open_fds)},\n"
	"                  'reason': 'fds %s' % open_fds}), flush=True)\n"
	"sys.stdin.readline()\n";

static const char refuse_sh[] = "read -r h\necho '{\"error\":\"no GPU here\"}'\n";
static const char garbage_sh[] = "read -r h\necho 'hello there'\n";
static const char silent_sh[] = "exec sleep 100\n";

static char *path_of(const char *name, const char *suffix)
{
	static char buf[4][512];
	static int k;
	char *p = buf[k++ % 4];
	snprintf(p, sizeof buf[0], "%s/%.200s%.32s", dir, name,
		 suffix ? suffix : "");
	return p;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Whole file as a string (caller frees), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	size_t r;
	while (s && (r = fread(s + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2) {
			char *t = realloc(s, cap *= 2);
			if (!t) {
				free(s);
				s = NULL;
			}
			s = t;
		}
	}
	fclose(f);
	if (s)
		s[n] = '\0';
	return s;
}

static int suite_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/spate-external-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	struct { const char *name, *text; } a[] = {
		{"replay.sh", replay_sh}, {"record.sh", record_sh},
		{"echo.py", echo_py}, {"fds.py", fds_py},
		{"refuse.sh", refuse_sh}, {"garbage.sh", garbage_sh},
		{"silent.sh", silent_sh},
	};
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
		if (write_file(path_of(a[i].name, NULL), a[i].text) < 0)
			return -1;
	return 0;
}

static int suite_clean(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlink(path_of(de->d_name, NULL));
	closedir(d);
	rmdir(dir);
	return 0;
}

/* --- process hygiene ------------------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* No child left, not even a zombie. */
static void check_no_child(void)
{
	int st;
	pid_t r = waitpid(-1, &st, WNOHANG);
	T_TRUE(r < 0 && errno == ECHILD, "waitpid found child %d", (int)r);
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* --- fixture ------------------------------------------------------------- */

struct load {
	double rps;    /* arrivals per second */
	double cps;    /* completions per second; 0: as many as arrivals */
	double st;     /* service time, s */
	double lat;    /* per-function latency, s */
	double queue, lag;
	double bp;     /* backpressure seconds per second */
};

struct fx {
	const struct policy *pol;
	int nfn;
	union param_val p[NF][16];
	const union param_val *pp[NF];
	const char *argv[24];
	struct fn_view fn[NF];
	int ab[1], ba[1], bc[1], cb[1];   /* edges a -> b -> c */
	struct load load[NF];
	struct mon *mon;
	void *st;
	double t;                          /* time of the latest scrape */
	double c[NF][MON_NMETRICS];
	int fds;                           /* open before the fixture */
	/* one topic "in" of 2 partitions feeding a: lag 5 and 0 */
	int64_t end[2], committed[2];
	int to_a[1];
	struct topic_view topic;
};

static int pidx(const struct fx *f, const char *name)
{
	int i = param_find(f->pol->params, f->pol->nparams, name);
	T_TRUE(i >= 0, "no parameter %s", name);
	return i;
}

/* Sets a number for every function (the parameters are global). */
static void fx_num(struct fx *f, const char *name, double v)
{
	int k = pidx(f, name);
	for (int i = 0; k >= 0 && i < f->nfn; i++)
		f->p[i][k].num = v;
}

/* argv: the agent's command line, NULL-terminated. */
static void fx_begin(struct fx *f, int nfn, const char *const *argv)
{
	memset(f, 0, sizeof *f);
	f->fds = count_fds();
	f->nfn = nfn;
	f->pol = policy_find("external");
	CU_ASSERT_FATAL(f->pol != NULL);
	CU_ASSERT_FATAL(f->pol->nparams <= 16);
	for (int k = 0; argv[k] && k < 23; k++)
		f->argv[k] = argv[k];
	for (int i = 0; i < nfn; i++) {
		for (size_t k = 0; k < f->pol->nparams; k++) {
			const struct param_def *d = &f->pol->params[k];
			if (d->type == PARAM_STRV)
				f->p[i][k].strv = f->argv;
			else
				f->p[i][k].num = d->def;
		}
		f->pp[i] = f->p[i];
	}
	fx_num(f, "grace_s", 0.1);
	static const char *const names[NF] = {"a", "b", "c"};
	f->ab[0] = 1;
	f->ba[0] = 0;
	f->bc[0] = 2;
	f->cb[0] = 1;
	for (int i = 0; i < nfn; i++)
		f->fn[i] = (struct fn_view){
			.name = names[i], .managed = 1, .min_replicas = 1,
			.max_replicas = 100, .target = 1, .ready = 1,
			.concurrency = 1, .memory_mb = 128,
			.slowest_ratio = 1, .mean_speed = 1,
		};
	if (nfn == NF) {
		f->fn[0].nchildren = 1;
		f->fn[0].children = f->ab;
		f->fn[1].nparents = 1;
		f->fn[1].parents = f->ba;
		f->fn[1].nchildren = 1;
		f->fn[1].children = f->bc;
		f->fn[2].nparents = 1;
		f->fn[2].parents = f->cb;
	}
	f->mon = mon_new(nfn, SCRAPE, 1200);
	CU_ASSERT_FATAL(f->mon != NULL);
	f->t = -120;
}

static void fx_push(struct fx *f)
{
	double v[NF * MON_NMETRICS] = {0};
	for (int i = 0; i < f->nfn; i++) {
		double *x = v + i * MON_NMETRICS;
		memcpy(x, f->c[i], sizeof f->c[i]);
		x[MON_READY] = f->fn[i].ready;
		x[MON_PENDING] = f->fn[i].pending;
		x[MON_DRAINING] = f->fn[i].draining;
		x[MON_INFLIGHT] = (f->load[i].cps > 0 ? f->load[i].cps
						      : f->load[i].rps) * f->load[i].st;
		x[MON_QUEUE] = f->load[i].queue;
		x[MON_LAG] = f->load[i].lag;
	}
	mon_push(f->mon, f->t, v);
}

/* Scrapes the steady load every SCRAPE seconds up to time t. */
static void fx_feed(struct fx *f, double t)
{
	while (f->t + SCRAPE <= t + 1e-9) {
		for (int i = 0; i < f->nfn; i++) {
			const struct load *l = &f->load[i];
			double cps = l->cps > 0 ? l->cps : l->rps;
			double *c = f->c[i], done = cps * SCRAPE;
			c[MON_ARRIVALS] += l->rps * SCRAPE;
			c[MON_COMPLETIONS] += done;
			c[MON_BUSY_TIME] += done * l->st;
			c[MON_READY_BUSY_TIME] += done * l->st;
			c[MON_READY_TIME] += f->fn[i].ready * SCRAPE;
			c[MON_LATENCY_SUM] += done * l->lat;
			c[MON_BACKPRESSURE_TIME] += l->bp * SCRAPE;
			for (int k = 0; k < (int)(done + 0.5); k++)
				mon_observe_latency(f->mon, i, l->lat);
		}
		f->t += SCRAPE;
		fx_push(f);
	}
}

/* Starts the policy; 0, or -1 with e when init fails. */
static int fx_try_init(struct fx *f, struct err *e)
{
	struct policy_ctx ctx = {
		.nfn = f->nfn, .fn = f->fn, .params = f->pp, .interval = 15,
	};
	fx_push(f);
	f->st = f->pol->init(&ctx, e);
	return f->st ? 0 : -1;
}

static void fx_init(struct fx *f)
{
	struct err e = {0};
	int rc = fx_try_init(f, &e);
	T_TRUE(rc == 0, "init failed: %s", e.msg);
	CU_ASSERT_FATAL(rc == 0);
}

/* Feeds the load up to now and decides into d[nfn] (not applied). */
static void fx_decide(struct fx *f, double now, struct scale_decision *d)
{
	fx_feed(f, now);
	for (int i = 0; i < f->nfn; i++)
		d[i] = (struct scale_decision){.desired = -1};
	f->end[0] = 7;
	f->committed[0] = 2;
	f->end[1] = f->committed[1] = 4;
	f->to_a[0] = 0;
	f->topic = (struct topic_view){
		.name = "in", .partitions = 2, .end_offset = f->end,
		.committed = f->committed, .ntargets = 1, .targets = f->to_a,
	};
	struct scale_view v = {.now = now, .nfn = f->nfn, .fn = f->fn,
			       .mon = f->mon, .ntopics = 1, .topics = &f->topic};
	f->pol->decide(f->st, &v, d);
}

/* The failed hook's verdict: 0, or -1 and e. */
static int fx_failed(struct fx *f, struct err *e)
{
	CU_ASSERT_FATAL(f->pol->failed != NULL);
	return f->pol->failed(f->st, e);
}

/* fini, then no child and as many descriptors as before. */
static void fx_end(struct fx *f)
{
	if (f->st)
		f->pol->fini(f->st);
	f->st = NULL;
	mon_free(f->mon);
	check_no_child();
	T_EQ_INT(count_fds(), f->fds);
}

/* Three functions fed through the replay agent with these reply lines. */
static void fx_replay(struct fx *f, const char *replies)
{
	CU_ASSERT_FATAL(write_file(path_of("replay.sh", ".replies"), replies) == 0);
	const char *argv[] = {"/bin/sh", path_of("replay.sh", NULL), NULL};
	fx_begin(f, NF, argv);
}

/* --- the example agent ----------------------------------------------------- */

static void test_example_agent(void)
{
	static const char *const argv[] = {"python3", EXAMPLE, NULL};
	struct fx f;
	fx_begin(&f, NF, argv);
	f.fn[1].concurrency = 2;
	f.fn[2].max_replicas = 4;
	f.load[0] = (struct load){.rps = 10, .st = 0.2};
	f.load[1] = (struct load){.rps = 30, .st = 0.3};
	f.load[2] = (struct load){.rps = 100, .st = 1};
	fx_init(&f);
	struct scale_decision d[NF];
	/* right after init there is one scrape: no rates, every target kept */
	fx_decide(&f, -120, d);
	for (int i = 0; i < NF; i++)
		T_EQ_INT(d[i].desired, -1);
	T_STR_CONTAINS(d[0].reason, "agent: no decision");
	fx_decide(&f, 15, d);
	/* a: 10/s x 0.2 s / (0.7 x 1) = 2.857 -> 3 */
	T_EQ_INT(d[0].desired, 3);
	T_STR_CONTAINS(d[0].reason, "= 2.857");
	/* b: 30/s x 0.3 s / (0.7 x 2 slots) = 6.43 -> 7 */
	T_EQ_INT(d[1].desired, 7);
	/* c: 100/s x 1 s / 0.7 = 142.9 -> 143, the agent clamps to max 4 */
	T_EQ_INT(d[2].desired, 4);
	T_NEAR(d[0].observed[0].value, 10, 1e-9);   /* arrival_rate */
	fx_end(&f);

	/* a function at zero with requests held, nothing completed: wake to
	 * max(1, min) = 1 */
	fx_begin(&f, 1, argv);
	f.fn[0].min_replicas = 0;
	f.fn[0].target = f.fn[0].ready = 0;
	f.fn[0].held_at_zero = 5;
	fx_init(&f);
	fx_decide(&f, 15, d);
	T_EQ_INT(d[0].desired, 1);
	T_STR_CONTAINS(d[0].reason, "5 held at zero");
	fx_end(&f);
}

/* --- what the agent is told -------------------------------------------------- */

static void test_hello_and_tick_text(void)
{
	const char *argv[] = {"/bin/sh", path_of("record.sh", NULL), NULL};
	struct fx f;
	fx_begin(&f, NF, argv);
	f.fn[1].concurrency = 2;
	f.fn[1].cold_start_s = 0.5;
	f.fn[1].partitions = 4;
	f.fn[2].managed = 0;
	f.fn[2].max_replicas = 9;
	fx_init(&f);
	struct scale_decision d[NF];
	fx_decide(&f, -120, d);   /* one scrape: windowed values null */
	fx_decide(&f, 15, d);
	for (int i = 0; i < NF; i++)
		T_EQ_INT(d[i].desired, -1);
	fx_end(&f);   /* the agent has written its files once it saw EOF */

	char *h = slurp(path_of("record.sh", ".hello"));
	char *t = slurp(path_of("record.sh", ".ticks"));
	CU_ASSERT_FATAL(h != NULL && t != NULL);
	T_STR_CONTAINS(h, "{\"spate\":1,\"interval_s\":15,\"window_s\":15,"
			  "\"timeout_s\":5,\"functions\":[");
	T_STR_CONTAINS(h, "{\"name\":\"a\",\"managed\":true,\"min\":1,\"max\":100,"
			  "\"concurrency\":1,\"memory_mb\":128,\"cold_start_s\":0,"
			  "\"partitions\":0,\"parents\":[],\"children\":[\"b\"]}");
	T_STR_CONTAINS(h, "{\"name\":\"b\",\"managed\":true,\"min\":1,\"max\":100,"
			  "\"concurrency\":2,\"memory_mb\":128,\"cold_start_s\":0.5,"
			  "\"partitions\":4,\"parents\":[\"a\"],\"children\":[\"c\"]}");
	T_STR_CONTAINS(h, "{\"name\":\"c\",\"managed\":false,\"min\":1,\"max\":9,");
	/* first tick: one scrape at -120, gauges known, the rest null */
	T_STR_CONTAINS(t, "{\"t\":-120,\"window_s\":15,\"scrape_t\":-120,"
			  "\"functions\":[{\"name\":\"a\",\"target\":1,\"ready\":1,"
			  "\"pending\":0,\"draining\":0,\"held_at_zero\":0,"
			  "\"arrival_rate\":null,\"completion_rate\":null,"
			  "\"utilization\":null,\"service_time\":null,"
			  "\"latency_mean\":null,\"latency_p95\":null,\"queue\":0,"
			  "\"inflight\":0,\"lag\":0,\"backpressure\":null,"
			  "\"unplaced\":0,\"slow_replicas\":0,\"slowest_ratio\":1,"
			  "\"mean_speed\":1}");
	/* second: idle load, so rates 0 and nothing completed */
	T_STR_CONTAINS(t, "{\"t\":15,\"window_s\":15,\"scrape_t\":15,");
	T_STR_CONTAINS(t, "\"topics\":[{\"name\":\"in\",\"lag\":[5,0]}]}");
	T_STR_CONTAINS(t, "\"arrival_rate\":0,\"completion_rate\":0,"
			  "\"utilization\":0,\"service_time\":null,");
	free(h);
	free(t);
}

static void test_tick_values(void)
{
	/* one field per tick, echoed x 1000 as the decision */
	static const char *const fields[] = {
		"arrival_rate", "completion_rate", "utilization", "service_time",
		"latency_mean", "latency_p95", "queue", "inflight", "lag",
		"backpressure", "target", "ready", "pending", "held_at_zero",
		"unplaced", "slow_replicas", "slowest_ratio", "mean_speed",
	};
	enum { NFIELD = sizeof fields / sizeof fields[0] };
	/* a: 4 ready (+1 pending), 10/s arriving, 8/s completing x 0.25 s:
	 * 2 busy of 4 slots; b: 2 ready x 2 slots, 4/s x 0.25 s: 1 busy of 4 */
	static const double want[NFIELD][2] = {
		{10000, 4000}, {8000, 4000}, {500, 250}, {250, 250},
		{500, 1000}, {618.75, 1237.5}, {7000, 3000}, {2000, 1000},
		{42000, 0}, {250, 0}, {4000, 2000}, {4000, 2000}, {1000, 0},
		{0, 0}, {2000, 0}, {1000, 0}, {3500, 1000}, {875, 1000},
	};
	const char *argv[NFIELD + 3] = {"python3", path_of("echo.py", NULL)};
	for (int k = 0; k < NFIELD; k++)
		argv[k + 2] = fields[k];
	struct fx f;
	fx_begin(&f, 2, argv);
	f.fn[0].target = f.fn[0].ready = 4;
	f.fn[0].pending = 1;
	f.fn[0].unplaced = 2;
	f.fn[0].slow_replicas = 1;
	f.fn[0].slowest_ratio = 3.5;
	f.fn[0].mean_speed = 0.875;
	f.fn[1].target = f.fn[1].ready = 2;
	f.fn[1].concurrency = 2;
	f.load[0] = (struct load){.rps = 10, .cps = 8, .st = 0.25, .lat = 0.5,
				  .queue = 7, .lag = 42, .bp = 0.25};
	f.load[1] = (struct load){.rps = 4, .st = 0.25, .lat = 1, .queue = 3};
	fx_init(&f);
	struct scale_decision d[NF];
	for (int k = 0; k < NFIELD; k++) {
		fx_decide(&f, 15.0 * (k + 1), d);
		for (int i = 0; i < 2; i++) {
			/* p95 comes from the monitor's quarter-octave buckets,
			 * interpolated: 0.5 s lies in [0.5, 0.625), so
			 * 0.5 + 0.125 x 0.95 = 0.61875; 1 s in [1, 1.25):
			 * 1.2375 (+-1 for the agent's rounding) */
			double tol = strcmp(fields[k], "latency_p95") == 0 ? 1 : 0;
			if (fabs(d[i].desired - want[k][i]) > tol)
				fprintf(stderr, "\n  field %s, function %d:",
					fields[k], i);
			T_NEAR(d[i].desired, want[k][i], tol);
			T_STR_CONTAINS(d[i].reason, fields[k]);
		}
	}
	fx_end(&f);

	/* before two scrapes the windowed values are null: no decision, and
	 * the global reason fills in */
	fx_begin(&f, 1, argv);
	fx_init(&f);
	fx_decide(&f, -120, d);
	T_EQ_INT(d[0].desired, -1);
	T_STR_CONTAINS(d[0].reason, "agent: no decision: null arrival_rate");
	fx_end(&f);

	/* the window: 10/s until t=60, then 20/s; at t=75 a 30-s window
	 * averages (150 + 300) / 30 = 15/s, the default (the 15-s interval)
	 * sees 20/s only */
	for (int wide = 0; wide <= 1; wide++) {
		fx_begin(&f, 1, argv);
		if (wide)
			fx_num(&f, "window_s", 30);
		f.load[0].rps = 10;
		fx_init(&f);
		fx_feed(&f, 60);
		f.load[0].rps = 20;
		fx_decide(&f, 75, d);
		T_EQ_INT(d[0].desired, wide ? 15000 : 20000);
		fx_end(&f);
	}
}

/* --- replies ----------------------------------------------------------------- */

static void test_reply_forms(void)
{
	struct fx f;
	fx_replay(&f, "{\"decisions\":{\"a\":3,\"b\":{\"replicas\":0,\"reason\":"
		      "\"idle\"}},\"reason\":\"rule x\"}\n"
		      "{\"decisions\":{\"c\":2.0}}\n");
	fx_init(&f);
	struct scale_decision d[NF];
	fx_decide(&f, 15, d);
	T_EQ_INT(d[0].desired, 3);
	T_STR_CONTAINS(d[0].reason, "agent: 3: rule x");
	T_EQ_INT(d[1].desired, 0);
	T_STR_CONTAINS(d[1].reason, "agent: 0: idle");
	T_EQ_INT(d[2].desired, -1);
	T_STR_CONTAINS(d[2].reason, "agent: no decision: rule x");
	/* 2.0 is an integer in JSON's number model */
	fx_decide(&f, 30, d);
	T_EQ_INT(d[0].desired, -1);
	T_EQ_INT(d[2].desired, 2);
	T_STR_CONTAINS(d[2].reason, "agent: 2");
	struct err e = {0};
	T_EQ_INT(fx_failed(&f, &e), 0);
	T_EQ_INT(e.code, ERR_OK);
	fx_end(&f);
}

/* Replies that end the run: the message names the tick and the problem. */
static void test_bad_replies(void)
{
	static const struct {
		const char *replies;   /* tick 1, tick 2 */
		double t;              /* the failing tick */
		const char *msg;       /* after "tick at t=T: " */
	} c[] = {
		{"{\"decisions\":{}}\n{\"decisions\":{\"foo\":3}}\n", 30,
		 "reply names unknown function 'foo'"},
		{"{\"decisions\": {\n", 15, "reply is not valid JSON (at byte "},
		{"[1,2]\n", 15, "reply is not a JSON object: '[1,2]'"},
		{"{\"decisions\":{\"a\":2.5}}\n", 15,
		 "decision for 'a' is not an integer: 2.5"},
		{"{\"decisions\":{\"b\":\"3\"}}\n", 15,
		 "decision for 'b' is not an integer: \"3\""},
		{"{\"decisions\":{\"a\":true}}\n", 15,
		 "decision for 'a' is not an integer: true"},
		{"{\"decisions\":{\"a\":-1}}\n", 15,
		 "decision for 'a' is negative: -1"},
		{"{\"decisions\":{\"a\":1e12}}\n", 15,
		 "decision for 'a' is too large"},
		{"{\"decision\":{\"a\":1}}\n", 15,
		 "reply has unknown key 'decision' (expected decisions, reason)"},
		{"{\"reason\":\"x\"}\n", 15, "reply has no \"decisions\" object"},
		{"{\"decisions\":[1]}\n", 15,
		 "reply: \"decisions\" must be an object, got [1]"},
		{"{\"decisions\":{\"a\":1,\"a\":2}}\n", 15,
		 "reply names function 'a' twice"},
		{"{\"decisions\":{\"a\":{\"reason\":\"x\"}}}\n", 15,
		 "decision for 'a' has no \"replicas\""},
		{"{\"decisions\":{\"a\":{\"replicas\":1,\"why\":1}}}\n", 15,
		 "decision for 'a' has unknown key 'why'"},
		{"@exit 3\n", 15,
		 "no reply: the agent closed its stdout; the agent exited with "
		 "status 3"},
		{"@kill\n", 15,
		 "no reply: the agent closed its stdout; the agent was killed "
		 "by signal 9"},
		{"@twice\n{\"decisions\":{\"a\":5}}\n", 30,
		 "the agent wrote a line nobody asked for: '{\"decisions\":{}}'"},
		{"@closein\n", 30,
		 "the agent closed its stdin; the agent is still running"},
	};
	for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
		struct fx f;
		struct scale_decision d[NF];
		struct err e = {0};
		char want[300];
		snprintf(want, sizeof want, "tick at t=%g: %s", c[k].t,
			 c[k].msg);
		fx_replay(&f, c[k].replies);
		fx_init(&f);
		for (double t = 15; t <= c[k].t; t += 15) {
			T_EQ_INT(fx_failed(&f, &e), 0);
			fx_decide(&f, t, d);
		}
		for (int i = 0; i < NF; i++) {
			T_EQ_INT(d[i].desired, -1);
			T_STR_CONTAINS(d[i].reason, "external policy: tick at t=");
		}
		T_EQ_INT(fx_failed(&f, &e), -1);
		T_EQ_INT(e.code, ERR_INPUT);
		T_STR_CONTAINS(e.msg, want);
		/* the engine names the policy; the message does not repeat
		 * it (the reasons, which nobody prefixes, do) */
		T_TRUE(strstr(e.msg, "external") == NULL, "%s", e.msg);
		/* failed for good: later ticks keep targets, the agent is not
		 * asked again, the first error stays */
		fx_decide(&f, c[k].t + 15, d);
		T_EQ_INT(d[0].desired, -1);
		T_STR_CONTAINS(d[0].reason, want);
		struct err e2 = {0};
		T_EQ_INT(fx_failed(&f, &e2), -1);
		T_STR_CONTAINS(e2.msg, want);
		fx_end(&f);
	}
}

static void test_timeout(void)
{
	struct fx f;
	fx_replay(&f, "{\"decisions\":{}}\n@sleep\n");
	fx_num(&f, "timeout_s", 0.3);
	fx_init(&f);
	struct scale_decision d[NF];
	fx_decide(&f, 15, d);
	double t0 = wall();
	fx_decide(&f, 30, d);
	double took = wall() - t0;
	T_TRUE(took >= 0.29 && took < 2.5, "timed out after %g s", took);
	struct err e = {0};
	T_EQ_INT(fx_failed(&f, &e), -1);
	T_STR_CONTAINS(e.msg, "tick at t=30: no reply within 0.3 s");
	T_EQ_INT(d[0].desired, -1);
	fx_end(&f);   /* sleep ignores EOF: SIGTERM after grace_s */
}

/* --- start-up ---------------------------------------------------------------- */

static void init_fails(const char *const *argv, double startup,
		       const char *msg)
{
	struct fx f;
	struct err e = {0};
	fx_begin(&f, NF, argv);
	if (startup > 0)
		fx_num(&f, "startup_timeout_s", startup);
	T_EQ_INT(fx_try_init(&f, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	T_STR_CONTAINS(e.msg, msg);
	fx_end(&f);
}

static void test_init_errors(void)
{
	const char *refuse[] = {"/bin/sh", path_of("refuse.sh", NULL), NULL};
	init_fails(refuse, 0, "hello: the agent refused: no GPU "
			      "here");
	const char *garbage[] = {"/bin/sh", path_of("garbage.sh", NULL), NULL};
	init_fails(garbage, 0, "hello: expected {\"ok\":true} "
			       "or {\"error\":\"...\"}, got 'hello there'");
	const char *silent[] = {"/bin/sh", path_of("silent.sh", NULL), NULL};
	init_fails(silent, 0.3, "hello: no reply within 0.3 s");
	const char *missing[] = {"/nonexistent/spate-agent", NULL};
	init_fails(missing, 0, "command: cannot run "
			       "'/nonexistent/spate-agent': No such file");
	const char *unknown[] = {"spate-no-such-agent-program", "x", NULL};
	init_fails(unknown, 0, "cannot run 'spate-no-such-agent-program'");
	const char *dies[] = {"/bin/sh", "-c", "exit 4", NULL};
	init_fails(dies, 0, "the agent exited with status 4");

	/* through the engine: the policy is named once */
	struct err me = {0};
	struct config *mc = config_parse(
		"{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		"\"poisson\",\"rate\":1},\"to\":[\"a\"]}],\"functions\":"
		"[{\"name\":\"a\",\"service\":0.1}],\"autoscaler\":{\"policy\":"
		"\"external\",\"command\":[\"/nonexistent/spate-agent\"]}}",
		"<test>", NULL, 0, &me);
	T_TRUE(mc != NULL, "config: %s", me.msg);
	struct model *mm = mc ? model_new(mc, &me) : NULL;
	T_TRUE(mm == NULL, "a model with a missing agent");
	T_STR_CONTAINS(me.msg, "policy external: command: cannot run "
			       "'/nonexistent/spate-agent'");
	T_TRUE(strstr(me.msg, "external policy") == NULL, "prefix twice: %s",
	       me.msg);
	model_free(mm);
	config_free(mc);

	/* one agent serves every function: no per-function settings */
	struct fx f;
	struct err e = {0};
	const char *rec[] = {"/bin/sh", path_of("record.sh", NULL), NULL};
	fx_begin(&f, NF, rec);
	f.p[1][pidx(&f, "timeout_s")].num = 9;
	T_EQ_INT(fx_try_init(&f, &e), -1);
	T_STR_CONTAINS(e.msg, "function 'b' sets timeout_s");
	fx_end(&f);
	static const char *const other[] = {"python3", "x.py", NULL};
	err_clear(&e);
	fx_begin(&f, NF, rec);
	f.p[2][pidx(&f, "command")].strv = other;
	T_EQ_INT(fx_try_init(&f, &e), -1);
	T_STR_CONTAINS(e.msg, "function 'c' sets command");
	fx_end(&f);
}

/* The agent inherits stdin, stdout, stderr and nothing else: neither our
 * pipe ends nor a descriptor the host left open without close-on-exec. */
static void test_no_inherited_fds(void)
{
	int leak = open("/dev/null", O_RDONLY);   /* no O_CLOEXEC on purpose */
	CU_ASSERT_FATAL(leak >= 0);
	const char *argv[] = {"python3", path_of("fds.py", NULL), NULL};
	struct fx f;
	fx_begin(&f, 1, argv);
	fx_init(&f);
	struct scale_decision d[NF];
	fx_decide(&f, 15, d);
	T_EQ_INT(d[0].desired, 0);
	if (d[0].desired != 0)
		fprintf(stderr, "\n  %s (ours: %d)\n", d[0].reason, leak);
	fx_end(&f);
	close(leak);
}

/* --- through the config loader and the model ---------------------------------- */

static void test_config_and_run(void)
{
	int count = test_quick() ? 1000 : 3000;
	char json[1200];
	snprintf(json, sizeof json,
		 "{\"seed\":5,\"sources\":[{\"topic\":\"in\",\"arrivals\":"
		 "{\"workload\":\"poisson\",\"rate\":10,\"count\":%d},"
		 "\"to\":[\"a\"]}],"
		 "\"functions\":[{\"name\":\"a\",\"service\":0.2,"
		 "\"min_replicas\":1,\"max_replicas\":10,\"initial_replicas\":1}],"
		 "\"autoscaler\":{\"policy\":\"external\",\"interval_s\":15,"
		 "\"command\":[\"python3\",\"" EXAMPLE "\"],\"timeout_s\":10},"
		 "\"monitor\":{\"scrape_interval_s\":5}}", count);
	struct err e = {0};
	struct config *cfg = config_parse(json, "<test>", NULL, 0, &e);
	T_TRUE(cfg != NULL, "config: %s", e.msg);
	CU_ASSERT_FATAL(cfg != NULL);
	const struct policy *p = cfg->policy;
	T_TRUE(strcmp(p->name, "external") == 0, "policy %s", p->name);
	int k = param_find(p->params, p->nparams, "command");
	CU_ASSERT_FATAL(k >= 0);
	const char *const *argv = cfg->functions[0].policy_params[k].strv;
	CU_ASSERT_FATAL(argv != NULL);
	T_STR_CONTAINS(argv[0], "python3");
	T_STR_CONTAINS(argv[1], EXAMPLE);
	T_TRUE(argv[2] == NULL, "argv not NULL-terminated");
	k = param_find(p->params, p->nparams, "timeout_s");
	T_NEAR(cfg->functions[0].policy_params[k].num, 10, 0);
	config_free(cfg);

	/* command is required */
	const char *no_cmd =
		"{\"sources\":[{\"topic\":\"in\",\"arrivals\":{\"workload\":"
		"\"poisson\",\"rate\":1},\"to\":[\"a\"]}],\"functions\":"
		"[{\"name\":\"a\",\"service\":0.1}],\"autoscaler\":{\"policy\":"
		"\"external\"}}";
	err_clear(&e);
	cfg = config_parse(no_cmd, "<test>", NULL, 0, &e);
	T_TRUE(cfg == NULL, "accepted a config without command");
	T_STR_CONTAINS(e.msg, "command");
	T_STR_CONTAINS(e.msg, "required");
	config_free(cfg);

	/* a full run: 10/s x 0.2 s / 0.7 = 2.86, so the agent holds 3 (4
	 * when a window's arrivals exceed 10.5/s) where 1 would overload */
	int fds = count_fds();
	struct model *m = test_run_json(json, &cfg);
	CU_ASSERT_FATAL(m != NULL);
	test_check_laws(m);
	T_NEAR(model_metric(m, "a", "completions"), count, 0);
	double mean = model_metric(m, "a", "mean_replicas");
	T_TRUE(mean > 2.5 && mean < 4.2, "mean replicas %g", mean);
	model_free(m);
	config_free(cfg);
	check_no_child();
	T_EQ_INT(count_fds(), fds);
}

/* The engine asks the failed hook after each round: a bad reply ends the
 * run with the policy's error. */
static void test_run_stops(void)
{
	CU_ASSERT_FATAL(write_file(path_of("replay.sh", ".replies"),
				   "{\"decisions\":{}}\n"
				   "{\"decisions\":{\"foo\":3}}\n") == 0);
	char json[1200];
	snprintf(json, sizeof json,
		 "{\"sources\":[{\"topic\":\"in\",\"arrivals\":"
		 "{\"workload\":\"poisson\",\"rate\":1,\"count\":1000},"
		 "\"to\":[\"a\"]}],"
		 "\"functions\":[{\"name\":\"a\",\"service\":0.1}],"
		 "\"autoscaler\":{\"policy\":\"external\",\"interval_s\":15,"
		 "\"command\":[\"/bin/sh\",\"%s\"],\"grace_s\":0.1}}",
		 path_of("replay.sh", NULL));
	int fds = count_fds();
	struct err e = {0};
	struct config *cfg = config_parse(json, "<test>", NULL, 0, &e);
	T_TRUE(cfg != NULL, "config: %s", e.msg);
	CU_ASSERT_FATAL(cfg != NULL);
	struct model *m = model_new(cfg, &e);
	T_TRUE(m != NULL, "model: %s", e.msg);
	CU_ASSERT_FATAL(m != NULL);
	T_EQ_INT(model_run(m, NULL, 0, NULL, NULL, &e), -1);
	T_EQ_INT(e.code, ERR_INPUT);
	/* rounds at 15 and 30; the engine prefixes the policy's name, once */
	T_STR_CONTAINS(e.msg, "policy external: tick at t=30: reply names "
			      "unknown function 'foo'");
	T_TRUE(strstr(e.msg, "external policy") == NULL, "prefix twice: %s",
	       e.msg);
	T_TRUE(model_now(m) <= 30 + 1e-9, "the run went on to t=%g",
	       model_now(m));
	model_free(m);
	config_free(cfg);
	check_no_child();
	T_EQ_INT(count_fds(), fds);
}

int test_external_register(void)
{
	CU_pSuite s = CU_add_suite("external", suite_init, suite_clean);
	if (!s)
		return -1;
	struct { const char *name; void (*fn)(void); } t[] = {
		{"example_agent", test_example_agent},
		{"hello_and_tick_text", test_hello_and_tick_text},
		{"tick_values", test_tick_values},
		{"reply_forms", test_reply_forms},
		{"bad_replies", test_bad_replies},
		{"timeout", test_timeout},
		{"init_errors", test_init_errors},
		{"no_inherited_fds", test_no_inherited_fds},
		{"config_and_run", test_config_and_run},
		{"run_stops", test_run_stops},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!CU_add_test(s, t[i].name, t[i].fn))
			return -1;
	return 0;
}
