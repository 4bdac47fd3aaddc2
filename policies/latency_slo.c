/*
 * latency-slo: spate's own policy, the design of the seed system's
 * auto-scaler (policies.md section 11). The seed system's formulas are not
 * public; this file is spate's version, and this comment is its derivation.
 *
 * Input: an end-to-end constraint "the p-quantile of source-to-sink latency
 * <= slo_s" (p = percentile), cluster capacity (max_total_replicas), and the
 * cost of scaling. Each round, for every function i:
 *
 * 1. Budget split over the DAG. Entry functions have no parents, sinks no
 *    children; a message's latency is the sum of the per-function latencies
 *    along its path (for a broadcast, the slowest path), so the constraint
 *    holds if sum_{i in P} b_i <= slo_s on every entry-to-sink path P, where
 *    b_i is the latency share of function i. On one path the share is
 *    proportional to the monitored mean service time s_i (mon_service_time):
 *    b_i = slo_s * s_i / S(P), S(P) = sum_{j in P} s_j. A function's latency
 *    at a given utilization and size scales with s_i (the M/M/c sojourn is s_i
 *    times a function of c and rho), so equal shares per unit of service
 *    time ask every stage for the same normalized latency. A function on
 *    several paths gets the tightest share, b_i = slo_s * s_i / S_max(i),
 *    S_max(i) = max over the paths through i of S(P). Then for every path P,
 *    sum_{i in P} b_i = slo_s sum s_i / S_max(i) <= slo_s sum s_i / S(P) =
 *    slo_s: the split is feasible on every path at once. S_max(i) = D_i +
 *    U_i - s_i, with D_i the heaviest entry-to-i path and U_i the heaviest
 *    i-to-sink path, two passes in topological order: O(V + E), however many
 *    paths the DAG has. A function with no service-time sample yet (no
 *    completion ever) takes the mean of the measured ones; with none measured
 *    every s_i = 1, an even split per path. Quantiles are not additive: per-
 *    stage p-quantiles summing to slo_s bound the path's p-quantile exactly
 *    for comonotone stages and conservatively for independent light-tailed
 *    ones (the sum of p-quantiles exceeds the quantile of the sum at high p).
 *    Delays outside the functions (connector batching) are not budgeted:
 *    leave room for them in slo_s.
 *
 * 2. Queueing model: M/G/c, Allen-Cunneen. Slots c = replicas x concurrency,
 *    mu = 1/s_i per slot, a = lambda/mu, g = (ca2 + cs2)/2. Allen-Cunneen:
 *    Wq(G/G/c) ~ Wq(M/M/c) g. The M/M/c wait is 0 with probability C(c, a)
 *    (Erlang C, qt_erlang_c) and else exponential with rate c mu - lambda;
 *    keeping P(wait) = C and stretching the conditional wait by g (heavy-
 *    traffic theory: the conditional wait is ~exponential with mean
 *    proportional to g) gives P(Wq > t) ~ C exp(-(c mu - lambda) t / g), so
 *      w_p = g max(0, ln(C / (1 - p))) / (c mu - lambda)
 *    and a mean g times the M/M/c one, as Allen-Cunneen says. The service
 *    quantile s_p is that of a gamma with mean 1/mu and squared coefficient
 *    of variation cs2 (the two-moment fit; cs2 = 1 is the exponential,
 *    -ln(1 - p)/mu, cs2 = 0 the constant 1/mu). Predicted p-latency L(n) =
 *    w_p + s_p at n replicas (infinite when c <= a; 0 with no load). Size:
 *    the smallest n with L(n) <= b_i; w_p falls with n, so doubling then
 *    bisection. If s_p > b_i no n meets the share: the size is then the
 *    smallest n with w_p = 0 (C <= 1 - p), past which replicas buy nothing
 *    at the percentile. cs2 is measured: the squared coefficient of
 *    variation of the window's service times (mon_service_cv2, from the
 *    monitored first and second moments), once the window has
 *    cs2_min_samples completions, clamped to 20; until then, or with
 *    cs2_min_samples 0, the parameter cs2 (default 1, exponential). ca2 is a
 *    parameter (default 1, Poisson arrivals).
 *
 * 3. Forecast, one cold start ahead. At every round the policy records
 *    (scrape time, cumulative offered arrivals: the larger of arrivals and
 *    appends to the partitions feeding the function); consecutive records
 *    give rates at interval midpoints, and gsl_fit_linear fits a line to the
 *    ones within trend_window_s. lambda_hat = fit(now + cold_start_s), used
 *    only when the slope is at least trend_z standard errors from 0 (else
 *    the per-interval Poisson noise would move the size), otherwise
 *    lambda_hat = lambda_now (the rate over window_s). Why a line: the
 *    horizon (one cold start, seconds to a minute) is short against the
 *    window (minutes), where a rate is locally linear; least squares averages
 *    the noise of every point and reports the slope's error, which Holt's
 *    smoothing (two constants to tune, same information) does not; seasonal
 *    models need days of history that the monitor's retention does not
 *    keep. Adding takes a cold start, removing is immediate (a drained
 *    replica leaves at once), so a scale-up is sized at lambda_up =
 *    lambda_hat, the rate when the new replicas are ready, and the count
 *    kept at lambda_down = max(lambda_now, lambda_hat): n_up = size(lambda_up)
 *    <= n_need = size(lambda_down) (until rule 3b adds a backlog's drain).
 *
 * 3a. Change point. A step is not a trend: the window mean needs window_s
 *    to take it in, and a line fitted through it turns significant only
 *    after several points, then overshoots, carrying the step's rise past
 *    it (measured: 30 s late on a 5 -> 20/s step, forecasting 28/s). So each
 *    new record's interval (count N over dt) is first tested against what
 *    the earlier points predict, rate r: a line through the earlier points
 *    of the trend window (weighted least squares, gsl_fit_wlinear, each
 *    point's variance the Poisson r_mean/dt_i, so yerr^2 from
 *    gsl_fit_linear_est is the variance of r under no change, a ramp
 *    included) when there are 3 of them, else their mean over window_s (T
 *    seconds: variance r/T). The count is Poisson(r dt) under no change;
 *    its skew makes a plain (N - r dt)/sqrt(r dt) fire 3-20 times more often
 *    than its normal tail says at 15-150 counts per interval, so the test
 *    is on Anscombe's variance-stabilized scale: 2 sqrt(N + 3/8) has
 *    variance 1 for Poisson counts, about D = ca2 for a renewal process's
 *    (D = max(ca2, 1) keeps at least the Poisson variance: smoother
 *    arrivals get a conservative test), and the reference adds its relative
 *    variance rel = dt^2 var(r) / (r dt) (dt/T for the mean):
 *      z = 2 (sqrt(N + 3/8) - sqrt(r dt + 3/8)) / sqrt(D (1 + rel)).
 *    z > change_z (one-sided: a fall is served by rule 5) marks a change
 *    point t_cp at the interval's start, and the points before it are
 *    dropped: lambda_now is the mean since t_cp (until t_cp leaves
 *    window_s), the forecast's fit uses the points after it (until it
 *    leaves trend_window_s), and later tests predict from post-change
 *    points. A step 5 -> 20/s after 120 s at 5/s, 15-s scrapes: r dt = 75,
 *    N = 300, rel = 0.714 (the line's leverage one interval past 7
 *    points): z = 2 (17.33 - 8.68) / 1.31 = 13, found at the first scrape
 *    after the step, where the 60-s mean says 8.75/s. Under no change a
 *    round passes with about the probability 1 - Q(change_z) (Q the normal
 *    upper tail; simulated at 0.2 to 10/s with 15-s intervals, z > 4 came
 *    0.03 to 0.6 times as often as Q(4) = 3.2e-5: one false alarm per 5+
 *    days of 15-s rounds per function). With trend_window_s = 0 (no
 *    forecast) there is no test either.
 *
 * 3b. Backlog. The M/G/c size is a steady state: it assumes the queue is in
 *    its stationary regime and ignores what has piled up. After a step, a
 *    backlog B0 waits (the queue gauge; for an entry function the records
 *    not yet dispatched too, i.e. lag - in flight, since spate commits an
 *    offset only when the invocation ends, so the lag also counts the
 *    queued and the running ones; at zero replicas the held requests,
 *    reported at once), and a steady size drains it only at its spare rate
 *    c mu - lambda, every later arrival waiting behind it (measured on a
 *    5 -> 20/s step with a 10-s cold start: ~270 messages queued at the
 *    second stage, 10-13% of requests over a 2-s SLO against 2.4% in the
 *    steady state). B0 is projected to when a
 *    replica started now serves, a cold start tau later: arrivals at the
 *    mean of lambda_now and lambda_hat, served by the ready slots all along
 *    and by the pending ones (started within the last tau, so ready halfway
 *    on average) half of it:
 *      B_tau = max(0, B0 + tau ((lambda_now + lambda_hat)/2
 *                               - mu conc (ready + pending/2))).
 *    The part of it that a stationary queue at the steady size n_ss =
 *    size(lambda_hat) explains is not backlog: in M/M/c P(Q >= k) =
 *    C rho^k; stretched by g like the wait of rule 2 (P(Q >= k) ~
 *    C rho^(k/g), the same tail in queue units), its (1 - alpha)-quantile is
 *      Q_alpha = g ln(C/alpha) / ln(1/rho)   (0 when C <= alpha),
 *    alpha = Q(change_z), the evidence the change point asks for, and
 *    B_ex = max(0, B_tau - Q_alpha). Serving lambda_hat while draining B_ex
 *    within T_D needs the net rate c mu - lambda_hat >= B_ex / T_D:
 *      n_drain = ceil((lambda_hat + B_ex / T_D) / (mu conc)),
 *      n_up = max(n_ss, n_drain):
 *    the spare capacity of the steady size drains first, so a small backlog
 *    adds nothing. T_D ties the drain to the latency budget: T_D =
 *    drain_budgets x b_i (but at least 1/mu: no number of slots drains a
 *    backlog faster than a service time, so never more slots than
 *    messages). With the default 1, the backlog found when the new replicas
 *    are ready is gone within the function's own share: a request arriving
 *    then waits at most B_ex/(c mu) < T_D behind it, later ones less and
 *    less, so within a share every request meets its share again (fluid
 *    approximation), and the backlogged ones, which have waited out the
 *    cold start, miss by at most a share more than that: the least a start
 *    allows within the budget. The cost is n_drain - n_ss replicas for
 *    about a cold start plus a round. Rule 4's gain adds the head-of-line
 *    wait they save, B_ex/(n conc mu) - B_ex/(n_up conc mu). Rule 5
 *    records only the rate-driven size n_need, and the replicas added for a
 *    drain leave as soon as the backlog is gone: a drained queue is a
 *    measurement, not rate noise, so neither scale_down_delay_s nor
 *    scale_down_step applies to them; the count kept is n_keep =
 *    max(n_need, n_up). Under stationary load B_tau is 0 (with tau > 0 the
 *    ready slots outpace lambda) or below Q_alpha but with probability
 *    ~alpha, so the steady sizes do not change (measured: the same replica
 *    counts after the warm-up as without this rule).
 *
 * 4. Cost of scaling. A step from n to n_up is paid at once (each new
 *    replica is billed through its cold start before it serves; the action
 *    itself disturbs the function: a consumer-group rebalance stops an entry
 *    function's partitions, connections are re-established) while its gain,
 *    G = L(n) - L(n_up) at lambda_up, counts only while the share is broken:
 *    under a constraint, latency below the share is worth nothing. Hence
 *    (a) no step unless L(n) > b_i at the rate forecast for when the replicas
 *    are ready (n_up > n exactly then); a violation that the trend says will
 *    be over by then (n_up <= n < n_need) starts nothing; and (b) the step
 *    is taken only if G > scale_cost_s, the latency one scale action costs
 *    the requests it catches (a rebalance pause, say): a step that buys less
 *    at the percentile than it costs does not pay for itself, so the share
 *    is kept up to a dead band of scale_cost_s. Default 0: every predicted
 *    violation is fixed. A function that cannot keep up (c <= a) or has no
 *    replica while load arrives has G infinite and always scales.
 *
 * 5. Hysteresis. Removing is cheap, undoing it costs a cold start of
 *    violation. Every round records n_need; the count falls only when every
 *    record of the last scale_down_delay_s (and the history reaches that far
 *    back) is below it, to max(that maximum, n - scale_down_step): a dip
 *    shorter than the delay never removes a replica, and a wrong removal
 *    costs at most a step per round.
 *
 * 6. Scale to zero. With load the count never goes below one; a function
 *    that has seen no arrival, queue or work for idle_s goes to 0 at once
 *    (idle that long is stronger evidence than the delay). wake_from_zero: a
 *    request held at zero replicas triggers a round, which counts the held
 *    requests as load and asks for max(1, n_up).
 *
 * 7. Capacity. When the desired counts (plus the targets of unmanaged
 *    functions) exceed max_total_replicas, one replica at a time is taken
 *    from the managed function with the largest relative slack after the
 *    removal, (b_i - L_i(n_i - 1)) / b_i at lambda_down (1 for a function
 *    without load, -infinity when it could not keep up, 0 without a service
 *    time), never below its min_replicas: replicas the SLO does not need go
 *    first (idle functions, counts held by hysteresis), then the shortfall is
 *    spread so that the worst relative overrun of a share stays small.
 *    Ties: the larger count, then the lower index. The cap is cluster-wide:
 *    the smallest non-zero value over the functions is used. When the run
 *    has nodes, their slots are a second cap, applied the same way after
 *    the first, in node slots (a replica takes its function's node_slots):
 *    the slots of the nodes that are up (cluster_view), since replicas past
 *    them wait unplaced and serve nothing (memory is not checked).
 *
 * 8. Stragglers (parameter stragglers). A replica on a slow node (a
 *    persistent one or an episode) serves at a fraction of the speed of the
 *    others. What a proxy in front of the replicas sees (fn_view, under
 *    cluster.lb "speed-aware" or replace_slow) gives phi_i, the READY
 *    replicas' capacity in units of a median replica: each replica slower
 *    than twice the median counts median/its time, the others 1. Sizing
 *    then gives each slot the rate phi_i mu: the pool of n replicas is worth
 *    phi_i n nominal ones. Taking phi_i for every count n assumes new
 *    replicas land on slow nodes as often as the current ones did, which is
 *    what spreading over a cluster with the same slow nodes does; once the
 *    slow replicas are replaced (replace_slow) or the episode ends, phi_i
 *    returns to 1 and the extra replicas go through the scale-down delay.
 *    The service quantile s_p stays the nominal replica's: the speed-aware
 *    balancer sends a request to a slow replica only when its expected
 *    completion there is no later than anywhere else, so slow replicas add
 *    capacity without lengthening the tail the model predicts. Under round-
 *    robin or random balancing a share k/n of requests always meets a slow
 *    replica, and no count fixes a percentile above 1 - k/n: replacing the
 *    replicas does. mu comes from the monitored mean service time, to which
 *    slow replicas contribute their few completions; counting them again in
 *    phi_i errs on the side of more replicas. The reason names the slow
 *    replicas and phi_i when it is below 1.
 *
 * Invariants: every value a decision reports is finite or +infinity, never
 * NaN; decide never fails. State per function: parameters, the last measured
 * service time, the arrival history (about max(trend_window_s, window_s +
 * scrape interval) / interval entries), the latest change point, the
 * replicas added for drains, and the need history (about
 * scale_down_delay_s / interval).
 * Access pattern: a handful of functions, one round every interval_s; each
 * size costs O(log n) Erlang C evaluations of O(n x concurrency).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"
#include "qtheory.h"
#include "tseries.h"

enum {
	P_SLO,
	P_PERCENTILE,
	P_WINDOW,
	P_TREND_WINDOW,
	P_TREND_Z,
	P_CHANGE_Z,
	P_CS2,
	P_CS2_MIN,
	P_CA2,
	P_SCALE_COST,
	P_DRAIN,
	P_DOWN_DELAY,
	P_DOWN_STEP,
	P_IDLE,
	P_MAX_TOTAL,
	P_STRAGGLERS,
	P_N
};

static const struct param_def slo_params[P_N] = {
	[P_SLO] = {
		.name = "slo_s", .type = PARAM_NUM, .def = 2,
		.min = 1e-6, .max = 1e6,
		.help = "end-to-end latency constraint (s) on every source-to-sink "
			"path, at the percentile; split over each path in "
			"proportion to mean service times",
	},
	[P_PERCENTILE] = {
		.name = "percentile", .type = PARAM_NUM, .def = 0.95,
		.min = 0.5, .max = 0.9999,
		.help = "quantile p at which slo_s holds",
	},
	[P_WINDOW] = {
		.name = "window_s", .type = PARAM_NUM, .def = 60,
		.min = 1, .max = 86400,
		.help = "window of the current arrival rate and mean service time",
	},
	[P_TREND_WINDOW] = {
		.name = "trend_window_s", .type = PARAM_NUM, .def = 120,
		.min = 0, .max = 86400,
		.help = "window of the linear fit of the arrival rate used to "
			"forecast it one cold start ahead; 0: no forecast",
	},
	[P_TREND_Z] = {
		.name = "trend_z", .type = PARAM_NUM, .def = 2,
		.min = 0, .max = 100,
		.help = "the fitted slope is used only when at least this many "
			"standard errors from 0",
	},
	[P_CHANGE_Z] = {
		.name = "change_z", .type = PARAM_NUM, .def = 4,
		.min = 1, .max = 100,
		.help = "z-score (Poisson count variance) above which the latest "
			"scrape interval's rate is a change point replacing the "
			"window mean and the trend; also the backlog test's level "
			"(a queue above the stationary queue's 1 - Q(change_z) "
			"quantile is a backlog)",
	},
	[P_CS2] = {
		.name = "cs2", .type = PARAM_NUM, .def = 1,
		.min = 0, .max = 20,
		.help = "squared coefficient of variation of service times "
			"(Allen-Cunneen; 1: exponential) until it is measured",
	},
	[P_CS2_MIN] = {
		.name = "cs2_min_samples", .type = PARAM_INT, .def = 20,
		.min = 0, .max = 1e9,
		.help = "completions in the window before the measured service "
			"cv^2 replaces cs2 (0: always use cs2)",
	},
	[P_CA2] = {
		.name = "ca2", .type = PARAM_NUM, .def = 1,
		.min = 0, .max = 1000,
		.help = "squared coefficient of variation of interarrival times "
			"(1: Poisson)",
	},
	[P_SCALE_COST] = {
		.name = "scale_cost_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 1e6,
		.help = "latency (s) one scale action costs the requests it catches "
			"(e.g. a consumer-group rebalance); a scale-up is taken "
			"only if it lowers the predicted percentile by more",
	},
	[P_DRAIN] = {
		.name = "drain_budgets", .type = PARAM_NUM, .def = 1,
		.min = 0, .max = 1e6,
		.help = "a backlog (queue + undispatched lag, projected one cold "
			"start ahead) is sized to drain within this many of the "
			"function's latency shares; 0: no backlog term",
	},
	[P_DOWN_DELAY] = {
		.name = "scale_down_delay_s", .type = PARAM_NUM, .def = 60,
		.min = 0, .max = 86400,
		.help = "a lower count must have sufficed at every round of this "
			"window before replicas are removed",
	},
	[P_DOWN_STEP] = {
		.name = "scale_down_step", .type = PARAM_INT, .def = 1,
		.min = 1, .max = 1000000,
		.help = "replicas removed per round at most",
	},
	[P_IDLE] = {
		.name = "idle_s", .type = PARAM_NUM, .def = 300,
		.min = 0, .max = 1e9,
		.help = "no arrival, queue or work for this long: scale to zero "
			"(min_replicas still applies)",
	},
	[P_MAX_TOTAL] = {
		.name = "max_total_replicas", .type = PARAM_INT, .def = 0,
		.min = 0, .max = 1e9,
		.help = "cluster capacity in replicas over all functions, "
			"unmanaged ones' targets included (0: unlimited; the "
			"smallest non-zero value of any function applies); over "
			"it, the functions with the most slack shrink first",
	},
	[P_STRAGGLERS] = {
		.name = "stragglers", .type = PARAM_BOOL, .def = 1,
		.help = "count each slow replica (as the balancer observes it) "
			"at its speed when sizing, so that the pool's capacity "
			"is what its nodes deliver",
	},
};

/* Latency model of one function at one rate. */
struct lmodel {
	double lambda;   /* arrivals/s */
	double mu;       /* effective service rate per slot; 0: unknown */
	int conc;        /* slots per replica */
	double p, g;     /* percentile; Allen-Cunneen factor (ca2 + cs2)/2 */
	double sp;       /* service p-quantile */
};

struct slo_fn {
	double slo, p, window, trend_window, trend_z, change_z, cs2, ca2;
	int cs2_min;            /* completions before cs2 is measured; 0: never */
	double cs2_now;         /* this round's cs2: measured, or the param */
	double scale_cost, drain, down_delay, idle;
	int down_step;
	int stragglers;         /* size with phi (rule 8) */
	double phi;             /* this round's phi (1: none slow) */
	double alpha;           /* Q(change_z): the backlog test's level */
	double st;              /* last measured mean service time; 0: none */
	struct tseries offered; /* (scrape time, cumulative offered arrivals) */
	double cp_t;            /* the latest change point; NAN: none in use */
	double tested_t;        /* time of the last record tested for one */
	long drain_n;           /* replicas added for drains, not yet removed */
	struct tseries needs;   /* (round time, n_need) */
	double first_t;         /* time of the first round; NAN before */
	double needs_since;     /* time of the first need record; NAN before */
	double last_active;     /* latest time load or work was seen */
	/* this round */
	double s;               /* service time used for the budget */
	double share;
	double lam_now, lam_hat, slope;
	int trend;              /* the slope is significant */
	double jump_z;          /* z of the latest interval (rule 3a) */
	double backlog0;        /* B0: queued + undispatched, now */
	double backlog;         /* B_ex: projected backlog beyond Q_alpha */
	struct lmodel down;     /* at lambda_down, for the cap */
	int ok;                 /* metrics were there */
	int have;               /* the model is usable (mu known) */
	long need, need_up;     /* sizes at lambda_down and lambda_up (+ drain) */
	long need_ss;           /* steady-state size at lambda_up */
	int desired;            /* -1: keep */
	int cap_n, cut;         /* count under the cluster cap, replicas cut */
};

struct slo {
	int nfn;
	int *order;             /* topological order */
	double *dsum, *usum;    /* heaviest path to / from each function */
	long max_total;         /* 0: unlimited */
	struct slo_fn fn[];
};

static const char *fname(const struct fn_view *f)
{
	return f->name ? f->name : "?";
}

static void slo_fini(void *state)
{
	struct slo *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->nfn; i++) {
		tseries_free(&s->fn[i].offered);
		tseries_free(&s->fn[i].needs);
	}
	free(s->order);
	free(s->dsum);
	free(s->usum);
	free(s);
}

/* Kahn's algorithm over the children lists; fails on a cycle or a bad
 * index (the loader rejects both, so this is a guard). */
static int topo_sort(struct slo *s, const struct fn_view *fn, struct err *e)
{
	int n = s->nfn;
	int *indeg = calloc((size_t)(n ? n : 1), sizeof *indeg);
	if (!indeg)
		return err_set(e, ERR_INTERNAL, "out of memory");
	for (int i = 0; i < n; i++) {
		if (fn[i].nchildren < 0 || (fn[i].nchildren > 0 && !fn[i].children) ||
		    fn[i].nparents < 0 || (fn[i].nparents > 0 && !fn[i].parents)) {
			free(indeg);
			return err_set(e, ERR_INTERNAL, "function %d (%s): "
				       "%d parents, %d children", i, fname(&fn[i]),
				       fn[i].nparents, fn[i].nchildren);
		}
		for (int k = 0; k < fn[i].nchildren; k++) {
			int c = fn[i].children[k];
			if (c < 0 || c >= n) {
				free(indeg);
				return err_set(e, ERR_INTERNAL, "function "
					       "%d (%s): child index %d out of range",
					       i, fname(&fn[i]), c);
			}
			indeg[c]++;
		}
		for (int k = 0; k < fn[i].nparents; k++)
			if (fn[i].parents[k] < 0 || fn[i].parents[k] >= n) {
				free(indeg);
				return err_set(e, ERR_INTERNAL, "function "
					       "%d (%s): parent index %d out of range",
					       i, fname(&fn[i]), fn[i].parents[k]);
			}
	}
	int head = 0, tail = 0;
	for (int i = 0; i < n; i++)
		if (indeg[i] == 0)
			s->order[tail++] = i;
	while (head < tail) {
		int j = s->order[head++];
		for (int k = 0; k < fn[j].nchildren; k++)
			if (--indeg[fn[j].children[k]] == 0)
				s->order[tail++] = fn[j].children[k];
	}
	free(indeg);
	if (tail != n)
		return err_set(e, ERR_INPUT, "the function graph has a "
			       "cycle");
	return 0;
}

static void *slo_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn < 0) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	size_t n = (size_t)ctx->nfn;
	struct slo *s = calloc(1, sizeof *s + sizeof s->fn[0] * n);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	s->nfn = ctx->nfn;
	s->order = calloc(n ? n : 1, sizeof *s->order);
	s->dsum = calloc(n ? n : 1, sizeof *s->dsum);
	s->usum = calloc(n ? n : 1, sizeof *s->usum);
	if (!s->order || !s->dsum || !s->usum) {
		err_set(e, ERR_INTERNAL, "out of memory");
		slo_fini(s);
		return NULL;
	}
	for (int i = 0; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		struct slo_fn *h = &s->fn[i];
		*h = (struct slo_fn){
			.slo = p[P_SLO].num, .p = p[P_PERCENTILE].num,
			.window = p[P_WINDOW].num,
			.trend_window = p[P_TREND_WINDOW].num,
			.trend_z = p[P_TREND_Z].num,
			.change_z = p[P_CHANGE_Z].num, .cs2 = p[P_CS2].num,
			.cs2_now = p[P_CS2].num, .cs2_min = (int)p[P_CS2_MIN].num,
			.ca2 = p[P_CA2].num, .scale_cost = p[P_SCALE_COST].num,
			.drain = p[P_DRAIN].num,
			.down_delay = p[P_DOWN_DELAY].num,
			.down_step = (int)p[P_DOWN_STEP].num,
			.idle = p[P_IDLE].num, .first_t = NAN,
			.stragglers = p[P_STRAGGLERS].num != 0,
			.phi = 1,
			.needs_since = NAN, .cp_t = NAN, .tested_t = -INFINITY,
			.desired = -1,
		};
		if (!(h->slo > 0) || !(h->p >= 0.5 && h->p < 1) ||
		    !(h->window > 0) || !(h->trend_window >= 0) ||
		    !(h->trend_z >= 0) || !(h->change_z >= 1) ||
		    !(h->cs2 >= 0 && h->cs2 <= 20) ||
		    !(h->ca2 >= 0) || !(h->scale_cost >= 0) ||
		    !(h->drain >= 0) ||
		    !(h->down_delay >= 0) || h->down_step < 1 || !(h->idle >= 0)) {
			err_set(e, ERR_INPUT, "function %d (%s): slo_s "
				"%g, percentile %g, window_s %g, trend_window_s %g, "
				"trend_z %g, change_z %g, cs2 %g, ca2 %g, "
				"scale_cost_s %g, drain_budgets %g, "
				"scale_down_delay_s %g, scale_down_step %d or idle_s "
				"%g out of range", i, fname(&ctx->fn[i]), h->slo,
				h->p, h->window, h->trend_window, h->trend_z,
				h->change_z, h->cs2, h->ca2, h->scale_cost, h->drain,
				h->down_delay, h->down_step, h->idle);
			slo_fini(s);
			return NULL;
		}
		long cap = (long)p[P_MAX_TOTAL].num;
		if (cap < 0) {
			err_set(e, ERR_INPUT, "function %d (%s): "
				"max_total_replicas %ld < 0", i, fname(&ctx->fn[i]),
				cap);
			slo_fini(s);
			return NULL;
		}
		if (cap > 0 && (s->max_total == 0 || cap < s->max_total))
			s->max_total = cap;
		h->alpha = gsl_cdf_ugaussian_Q(h->change_z);
	}
	if (topo_sort(s, ctx->fn, e) < 0) {
		slo_fini(s);
		return NULL;
	}
	return s;
}

/* --- the latency model ----------------------------------------------------- */

/* Shape above which the gamma quantile is taken from the Wilson-Hilferty
 * cube-root normal approximation: gsl_cdf_gamma_Pinv fails to converge (and
 * GSL's error handler aborts) from a shape of about 950 up, and also below
 * about 0.035 at p >= 0.5 -- hence percentile >= 0.5 and cs2 <= 20. */
#define GAMMA_SHAPE_WH 500

/* p-quantile of a gamma service time with mean 1/mu and cv^2 cs2. */
static double service_quantile(double mu, double cs2, double p)
{
	if (!(mu > 0))
		return INFINITY;
	if (cs2 * GAMMA_SHAPE_WH < 1) {
		double v = cs2 / 9, z = gsl_cdf_ugaussian_Pinv(p);
		double r = 1 - v + z * sqrt(v);
		return r * r * r / mu;
	}
	double k = 1 / cs2;
	return gsl_cdf_gamma_Pinv(p, k, 1 / (k * mu));
}

/* mu: a nominal slot's rate; phi: the pool's speed factor (rule 8). */
static struct lmodel lmodel_make(const struct slo_fn *h, double lambda,
				 double mu, double phi, int conc)
{
	return (struct lmodel){
		.lambda = lambda > 0 && isfinite(lambda) ? lambda : 0,
		.mu = mu > 0 && isfinite(mu) ? mu * phi : 0, .conc = conc,
		.p = h->p, .g = (h->ca2 + h->cs2_now) / 2,
		.sp = service_quantile(mu, h->cs2_now, h->p),
	};
}

/* Above this many slots Erlang C (O(c)) is not evaluated: the wait is
 * taken as 0 when c - a >= 3 sqrt(a) (Halfin-Whitt: C is then below 0.2%)
 * and as unbounded otherwise, which keeps L monotone in c. */
#define C_HUGE 10000000L

/* p-quantile of the wait with n replicas (INFINITY when unstable). */
static double wait_p(const struct lmodel *q, long n)
{
	if (!(q->lambda > 0))
		return 0;
	if (!(q->mu > 0) || n <= 0)
		return INFINITY;
	long c = n * q->conc;
	double a = q->lambda / q->mu;
	if (!(a < (double)c))
		return INFINITY;
	if (c > C_HUGE)
		return (double)c - a >= 3 * sqrt(a) ? 0 : INFINITY;
	double C = qt_erlang_c((int)c, a);
	double x = log(C / (1 - q->p));
	if (!(x > 0) || !(q->g > 0))
		return 0;
	return q->g * x / ((double)c * q->mu - q->lambda);
}

/* Predicted p-latency with n replicas: 0 without load, INFINITY when the
 * replicas cannot keep up or the service rate is unknown. */
static double lat_p(const struct lmodel *q, long n)
{
	if (!(q->lambda > 0))
		return 0;
	double w = wait_p(q, n);
	return isinf(w) ? INFINITY : w + q->sp;
}

/* Rule 3b: the (1 - alpha)-quantile of the stationary number waiting with n
 * replicas, Q_alpha = g ln(C/alpha) / ln(1/rho); INFINITY when unstable. */
static double queue_tail(const struct lmodel *q, long n, double alpha)
{
	if (!(q->lambda > 0))
		return 0;
	if (!(q->mu > 0) || n <= 0)
		return INFINITY;
	long c = n * q->conc;
	double a = q->lambda / q->mu;
	if (!(a < (double)c))
		return INFINITY;
	if (c > C_HUGE)   /* as wait_p: C is negligible there */
		return (double)c - a >= 3 * sqrt(a) ? 0 : INFINITY;
	double C = qt_erlang_c((int)c, a);
	if (!(C > alpha))
		return 0;
	return q->g * log(C / alpha) / -log(a / (double)c);
}

/*
 * Smallest n in [0, cap] with L(n) <= budget (or, when the service quantile
 * alone exceeds the budget, with a zero wait quantile); *met = 0 and cap when
 * even cap misses it. L falls with n, so doubling from the stability bound,
 * then bisection.
 */
static long size_for(const struct lmodel *q, double budget, long cap,
		     int *met, int *infeasible)
{
	*met = 1;
	*infeasible = 0;
	if (!(q->lambda > 0))
		return 0;
	if (!(q->mu > 0)) {
		*met = 0;
		return cap;
	}
	double target = budget;
	if (q->sp > budget) {
		*infeasible = 1;
		target = q->sp;
	}
	double lo = floor(q->lambda / q->mu / q->conc) + 1;  /* n conc > a */
	if (lo > (double)cap) {
		*met = 0;
		return cap;
	}
	long bad = (long)lo - 1, good = (long)lo;
	while (!(lat_p(q, good) <= target)) {
		if (good >= cap) {
			*met = 0;
			return cap;
		}
		bad = good;
		good = good * 2 < cap ? good * 2 : cap;
	}
	while (good - bad > 1) {
		long mid = bad + (good - bad) / 2;
		if (lat_p(q, mid) <= target)
			good = mid;
		else
			bad = mid;
	}
	return good;
}

/* --- measurements ------------------------------------------------------------ */

/* Rule 8: phi, or 1 when off, unknown or implausible. */
static double speed_factor(const struct slo_fn *h, const struct fn_view *f)
{
	if (!h->stragglers || f->slow_replicas <= 0)
		return 1;
	double phi = f->mean_speed;
	return phi > 0 && phi < 1 ? phi : 1;
}

/* Records this scrape's cumulative offered arrivals; returns 1 when they
 * grew since the previous record. */
static int record_offered(struct slo_fn *h, const struct mon *m, int fn,
			  double window)
{
	double t = mon_last_time(m);
	if (t < 0)
		return 0;
	double a = fmax(mon_last(m, fn, MON_ARRIVALS),
			mon_last(m, fn, MON_SOURCE_APPENDS));
	struct tseries *o = &h->offered;
	if (o->n && !(t > o->t[o->n - 1] + 1e-9))
		return 0;
	int grew = o->n && a > o->v[o->n - 1];
	/* the latest record stays, even with no trend window; rule 3a's
	 * reference reaches window_s before the previous record */
	double keep = h->trend_window > 0
		      ? fmax(h->trend_window, window + mon_interval(m)) : 0;
	tseries_prune_before(o, t - keep - 1e-6);
	tseries_push(o, t, a);
	return grew;
}

/* Index of the first record at or after t (o->n when none). */
static int first_from(const struct tseries *o, double t)
{
	int i = 0;
	while (i < o->n && o->t[i] < t)
		i++;
	return i;
}

/* Rate points (interval midpoint - now, rate) of the records [from, to]. */
static int rate_points(const struct tseries *o, int from, int to, double now,
		       double *x, double *y)
{
	int k = 0;
	for (int i = from + 1; i <= to; i++) {
		double dt = o->t[i] - o->t[i - 1];
		if (!(dt > 0))
			continue;
		x[k] = (o->t[i] + o->t[i - 1]) / 2 - now;
		y[k] = (o->v[i] - o->v[i - 1]) / dt;
		k++;
	}
	return k;
}

struct line {
	double c0, c1, cov00, cov01, cov11;
	int sig;   /* the slope is trend_z standard errors from 0 */
};

/* Least-squares line through k points; 0 when there is none. */
static int fit_line(const double *x, const double *y, int k, double z,
		    struct line *l)
{
	double sumsq = 0;
	*l = (struct line){0};
	if (k < 3 || gsl_fit_linear(x, 1, y, 1, (size_t)k, &l->c0, &l->c1,
				    &l->cov00, &l->cov01, &l->cov11, &sumsq) != 0 ||
	    !isfinite(l->c1) || !isfinite(l->c0))
		return 0;
	double se = l->cov11 > 0 ? sqrt(l->cov11) : 0;
	l->sig = fabs(l->c1) > z * se;
	return 1;
}

/* Start of the records the rate and the fit may use: the change point
 * while it is inside `span`, else -infinity. */
static double since_cp(const struct slo_fn *h, double t, double span)
{
	return !isnan(h->cp_t) && h->cp_t > t - span - 1e-6 ? h->cp_t
							     : -INFINITY;
}

/*
 * Rule 3a: tests the latest interval of the offered series against what
 * the earlier points predict; moves the change point there when it is
 * change_z above it. Sets h->jump_z.
 */
static void change_point(struct slo_fn *h, double now, double window)
{
	h->jump_z = 0;
	const struct tseries *o = &h->offered;
	int n = o->n;
	if (!(h->trend_window > 0) || n < 3)
		return;
	double t1 = o->t[n - 1], t0 = o->t[n - 2], dt = t1 - t0;
	if (!(dt > 0))
		return;
	double cnt = o->v[n - 1] - o->v[n - 2];
	double pred = NAN, rel = 0;   /* predicted rate, relative variance */
	/* the line through the earlier points of the trend window */
	int from = first_from(o, fmax(t1 - h->trend_window - 1e-6,
				      since_cp(h, t1, h->trend_window)));
	double span = t0 - (from < n ? o->t[from] : t0);
	double mean = span > 0 ? (o->v[n - 2] - o->v[from]) / span : 0;
	if (n - 2 - from >= 3 && mean > 0) {
		double *x = malloc(sizeof *x * 3 * (size_t)n);
		if (!x)
			return;   /* no test this round rather than a failure */
		double *y = x + n, *w = y + n;
		int k = rate_points(o, from, n - 2, now, x, y);
		for (int i = 0; i < k; i++)   /* Poisson: var = r / dt */
			w[i] = (o->t[from + i + 1] - o->t[from + i]) / mean;
		double c0, c1, c00, c01, c11, chisq, yh, yerr;
		if (k >= 3 && gsl_fit_wlinear(x, 1, w, 1, y, 1, (size_t)k, &c0, &c1,
					      &c00, &c01, &c11, &chisq) == 0) {
			gsl_fit_linear_est((t1 + t0) / 2 - now, c0, c1, c00, c01,
					   c11, &yh, &yerr);
			if (isfinite(yh) && isfinite(yerr) && yh > 0) {
				pred = yh;
				rel = yerr * yerr / yh * dt;
			}
		}
		free(x);
	}
	if (isnan(pred)) {   /* else their mean over window_s */
		int f0 = first_from(o, fmax(t0 - window - 1e-6,
					    since_cp(h, t1, window)));
		if (f0 > n - 2)
			return;
		double T = t0 - o->t[f0];
		if (!(T >= dt - 1e-9))
			return;   /* less than an interval to compare with */
		pred = fmax((o->v[n - 2] - o->v[f0]) / T, 0);
		rel = dt / T;
	}
	double m = pred * dt;
	double z = 2 * (sqrt(fmax(cnt, 0) + 0.375) - sqrt(m + 0.375)) /
		   sqrt(fmax(h->ca2, 1) * (1 + rel));
	h->jump_z = isfinite(z) ? z : 0;
	if (h->jump_z > h->change_z)
		h->cp_t = t0;
}

/*
 * Linear fit of the rates between consecutive records within the trend
 * window (after the change point); sets h->slope, h->trend and h->lam_hat
 * (lambda_now without a significant slope).
 */
static void forecast(struct slo_fn *h, double now, double horizon)
{
	h->slope = 0;
	h->trend = 0;
	h->lam_hat = h->lam_now;
	const struct tseries *o = &h->offered;
	if (!(h->trend_window > 0) || o->n < 4)
		return;
	double tl = o->t[o->n - 1];
	int from = first_from(o, fmax(tl - h->trend_window - 1e-6,
				      since_cp(h, tl, h->trend_window)));
	if (o->n - from < 4)
		return;
	double *x = malloc(sizeof *x * 2 * (size_t)o->n);
	if (!x)
		return;   /* no forecast this round rather than a failure */
	double *y = x + o->n;
	int k = rate_points(o, from, o->n - 1, now, x, y);
	struct line l;
	int ok = fit_line(x, y, k, h->trend_z, &l);
	free(x);
	if (!ok)
		return;
	h->slope = l.c1;
	if (!l.sig)
		return;
	h->trend = 1;
	double yh, yerr;
	gsl_fit_linear_est(horizon, l.c0, l.c1, l.cov00, l.cov01, l.cov11, &yh,
			   &yerr);
	h->lam_hat = isfinite(yh) && yh > 0 ? yh : 0;
}

/* Rates, service time and activity of function i; returns 0 when there are
 * no metrics yet. */
static int measure(struct slo_fn *h, const struct fn_view *f,
		   const struct mon *m, int fn, double now)
{
	if (isnan(h->first_t)) {
		h->first_t = now;
		h->last_active = now;
	}
	h->lam_now = h->lam_hat = h->slope = h->jump_z = 0;
	h->backlog0 = h->backlog = 0;
	h->trend = 0;
	int at_zero = f->ready + f->pending == 0;
	if (at_zero && f->held_at_zero > 0)
		h->last_active = now;
	if (!m || mon_last_time(m) < 0 || mon_count(m, INFINITY) < 2) {
		if (m && mon_last_time(m) >= 0)
			record_offered(h, m, fn, h->window);
		return 0;
	}
	double window = fmax(h->window, mon_interval(m));
	if (record_offered(h, m, fn, window) || mon_last(m, fn, MON_QUEUE) > 0 ||
	    mon_last(m, fn, MON_INFLIGHT) > 0)
		h->last_active = fmax(h->last_active, mon_last_time(m));
	const struct tseries *o = &h->offered;
	double tl = o->n ? o->t[o->n - 1] : -INFINITY;
	if (tl > h->tested_t) {   /* each interval is tested once */
		h->tested_t = tl;
		change_point(h, now, window);
	}
	if (!isnan(h->cp_t) && !(h->cp_t > tl - fmax(window, h->trend_window)
				 - 1e-6))
		h->cp_t = NAN;    /* out of every window: the history is whole */
	double lam;
	double cp = since_cp(h, tl, window);
	int icp = first_from(o, cp);
	if (isfinite(cp) && icp < o->n - 1)   /* the rate since the change */
		lam = (o->v[o->n - 1] - o->v[icp]) / (tl - o->t[icp]);
	else
		lam = fmax(mon_rate(m, fn, MON_ARRIVALS, window),
			   mon_rate(m, fn, MON_SOURCE_APPENDS, window));
	/* rule 3b: waiting here or not yet dispatched to here (the lag counts
	 * records until their invocation ends: those in service are not
	 * waiting); at zero the held requests, reported at once */
	double q = mon_last(m, fn, MON_QUEUE);
	if (at_zero && (double)f->held_at_zero > q)
		q = (double)f->held_at_zero;
	double b = fmax(q, mon_last(m, fn, MON_LAG) -
			   mon_last(m, fn, MON_INFLIGHT));
	h->backlog0 = isfinite(b) && b > 0 ? b : 0;
	if (at_zero && (double)f->held_at_zero / window > lam)
		lam = (double)f->held_at_zero / window;   /* held = load */
	h->lam_now = isfinite(lam) && lam > 0 ? lam : 0;
	double st = mon_service_time(m, fn, window);
	if (st > 0 && isfinite(st))
		h->st = st;
	double cv2 = h->cs2_min > 0 ? mon_service_cv2(m, fn, window, h->cs2_min) : -1;
	h->cs2_now = cv2 >= 0 && isfinite(cv2) ? fmin(cv2, 20) : h->cs2;
	double horizon = f->cold_start_s > 0 && isfinite(f->cold_start_s)
			 ? f->cold_start_s : 0;
	forecast(h, now, horizon);
	return 1;
}

/* Budget shares: s_i as measured (else the mean of the measured, else 1),
 * heaviest paths through each function in topological order. */
static void split_budget(struct slo *s, const struct fn_view *fn)
{
	double sum = 0;
	int known = 0;
	for (int i = 0; i < s->nfn; i++)
		if (s->fn[i].st > 0) {
			sum += s->fn[i].st;
			known++;
		}
	double fill = known ? sum / known : 1;
	for (int i = 0; i < s->nfn; i++)
		s->fn[i].s = known ? (s->fn[i].st > 0 ? s->fn[i].st : fill) : 1;
	for (int k = 0; k < s->nfn; k++) {
		int i = s->order[k];
		double best = 0;
		for (int j = 0; j < fn[i].nparents; j++)
			best = fmax(best, s->dsum[fn[i].parents[j]]);
		s->dsum[i] = best + s->fn[i].s;
	}
	for (int k = s->nfn - 1; k >= 0; k--) {
		int i = s->order[k];
		double best = 0;
		for (int j = 0; j < fn[i].nchildren; j++)
			best = fmax(best, s->usum[fn[i].children[j]]);
		s->usum[i] = best + s->fn[i].s;
	}
	for (int i = 0; i < s->nfn; i++) {
		struct slo_fn *h = &s->fn[i];
		double heaviest = s->dsum[i] + s->usum[i] - h->s;
		h->share = heaviest > 0 ? h->slo * h->s / heaviest : h->slo;
	}
}

/* --- the decision -------------------------------------------------------------- */

static long max_cap(const struct fn_view *f)
{
	return f->max_replicas > 0 ? f->max_replicas : 0;
}

/*
 * Rule 3b: the size that drains the backlog projected to when a replica
 * started now is ready, B_ex beyond the stationary tail at n_ss, within
 * drain_budgets shares while serving lambda_up; 0 without a backlog. Sets
 * h->backlog to B_ex.
 */
static long drain_size(struct slo_fn *h, const struct fn_view *f,
		       const struct lmodel *up, long n_ss, long cap)
{
	h->backlog = 0;
	if (!(h->drain > 0) || !(up->mu > 0))
		return 0;
	double tau = f->cold_start_s > 0 && isfinite(f->cold_start_s)
		     ? f->cold_start_s : 0;
	double serving = (f->ready > 0 ? f->ready : 0) +
			 (f->pending > 0 ? f->pending : 0) / 2.0;
	double b = h->backlog0 + tau * ((h->lam_now + h->lam_hat) / 2 -
					up->mu * up->conc * serving);
	double ex = b - queue_tail(up, n_ss, h->alpha);
	if (!(ex > 0))   /* also when n_ss cannot keep up: no tail to go by */
		return 0;
	h->backlog = ex;
	/* no faster than a service time: never more slots than messages */
	double rate = up->lambda + ex / fmax(h->drain * h->share, 1 / up->mu);
	double x = ceil(rate / (up->mu * up->conc));
	return x < (double)cap ? (long)x : cap;
}

static void decide_one(struct slo_fn *h, const struct fn_view *f, double now,
		       struct scale_decision *d)
{
	int n = f->target > 0 ? f->target : 0;
	int conc = f->concurrency > 0 ? f->concurrency : 1;
	int held = f->ready + f->pending == 0 && f->held_at_zero > 0;
	double lam_down = fmax(h->lam_now, h->lam_hat);
	double mu = h->st > 0 ? 1 / h->st : 0;
	h->phi = speed_factor(h, f);
	struct lmodel up = lmodel_make(h, h->lam_hat, mu, h->phi, conc);
	h->down = lmodel_make(h, lam_down, mu, h->phi, conc);

	if (h->ok && !held && now - h->last_active >= h->idle - 1e-9) {
		policy_say(d, "idle %.0fs >= idle_s %g -> 0", now - h->last_active,
		    h->idle);
		h->desired = 0;
		h->drain_n = 0;
		return;
	}
	if (!h->ok || !(mu > 0)) {
		if (held || (n == 0 && h->lam_now > 0)) {
			policy_say(d, "load at zero, no service time yet -> 1");
			h->desired = 1;
		} else {
			policy_say(d, h->ok ? "no service time measured yet: keep"
					    : "no metrics yet: keep");
		}
		return;
	}
	h->have = 1;
	long cap = max_cap(f);
	int met, inf, met_up, inf_up;
	h->need = size_for(&h->down, h->share, cap, &met, &inf);
	h->need_ss = h->need_up = size_for(&up, h->share, cap, &met_up, &inf_up);
	long n_drain = drain_size(h, f, &up, h->need_ss, cap);
	if (n_drain > h->need_up)
		h->need_up = n_drain;
	if (h->need < 1)   /* recently active: keep one warm until idle_s */
		h->need = 1;
	long keep = h->need > h->need_up ? h->need : h->need_up;
	policy_say(d, "lambda %.4g/s fc %.4g/s share %.3gs: need %ld",
	    h->lam_now, h->lam_hat, h->share, h->need);
	if (inf)
		policy_say(d, " (s_p %.3gs > share)", h->down.sp);
	else if (!met)
		policy_say(d, " (share missed at max)");
	if (h->phi < 1)
		policy_say(d, " (%d slow, speed %.3g)", f->slow_replicas, h->phi);
	if (!isnan(h->cp_t))
		policy_say(d, " (step z %.3g)", h->jump_z);
	if (h->backlog > 0)
		policy_say(d, "; backlog %.0f: %ld", h->backlog, n_drain);

	/* rule 5's memory: what sufficed at each round */
	if (isnan(h->needs_since))
		h->needs_since = now;
	tseries_prune_before(&h->needs, now - h->down_delay - 1);
	tseries_push(&h->needs, now, (double)h->need);

	if (h->need_up > n) {   /* rule 4: L(n) > share when ready */
		double l_now = lat_p(&up, n);
		double gain = l_now - lat_p(&up, h->need_up);
		if (h->backlog > 0)   /* the head-of-line wait it saves */
			gain += (n > 0 ? h->backlog / (n * conc * mu) : INFINITY) -
				h->backlog / ((double)h->need_up * conc * mu);
		if (isinf(l_now) || gain > h->scale_cost) {
			if (isinf(l_now))
				policy_say(d, "; %d cannot keep up: up -> %ld", n,
				    h->need_up);
			else
				policy_say(d, "; p%g %.3gs at %d: up -> %ld",
				    h->p * 100, l_now, n, h->need_up);
			h->desired = (int)h->need_up;
			long base = n > h->need_ss ? n : h->need_ss;
			if (h->need_up > base)   /* replicas only the drain needs */
				h->drain_n += h->need_up - base;
		} else {
			policy_say(d, "; gain %.3gs <= scale_cost_s %g: keep %d",
			    gain, h->scale_cost, n);
		}
		return;
	}
	if (n == 0) {
		policy_say(d, "; no load at zero: keep 0");
		return;
	}
	double hold = tseries_max_in(&h->needs, now - h->down_delay - 1e-9, now);
	if (!(hold < n))   /* the rate needs them all: none is a drain's */
		h->drain_n = 0;
	if (keep >= n) {
		policy_say(d, keep > n ? "; over before a start is ready: keep %d"
				       : "; keep %d", n);
		return;
	}
	if (h->drain_n > 0 && h->backlog <= 0) {
		/* rule 3b: the backlog is gone, so are the replicas it needed */
		long to = (long)hold > keep ? (long)hold : keep;
		if (to < n - h->drain_n)
			to = n - h->drain_n;
		h->drain_n -= n - to;
		policy_say(d, "; drained: down -> %ld", to);
		h->desired = (int)to;
		return;
	}
	if (h->needs_since > now - h->down_delay + 1e-9 || !(hold < n)) {
		policy_say(d, "; %ld not sufficient for %gs yet: keep %d", h->need,
		    h->down_delay, n);
		return;
	}
	long to = (long)hold > n - h->down_step ? (long)hold : n - h->down_step;
	if (to < keep)
		to = keep;
	policy_say(d, "; <= %ld sufficed for %gs: down -> %ld", (long)hold,
	    h->down_delay, to);
	h->desired = (int)to;
}

/* Relative slack of a function after losing one of its n replicas. */
static double slack_after(const struct slo_fn *h, long n)
{
	if (!h->have)
		return 0;
	if (!(h->down.lambda > 0))
		return 1;
	double l = lat_p(&h->down, n - 1);
	if (isinf(l))
		return -INFINITY;
	return (h->share - l) / h->share;
}

/* Slots one replica of f takes: 1 for the replica cap, its node_slots
 * for the cluster's. */
static long weight(const struct fn_view *f, int slots)
{
	return slots && f->node_slots > 1 ? f->node_slots : 1;
}

/* Rule 7: one replica at a time from the most slack, down to `limit`
 * replicas, or, with `slots`, down to `limit` node slots. */
static void apply_cap(struct slo *s, const struct scale_view *v, int nfn,
		      long limit, int slots, struct scale_decision *out)
{
	if (limit <= 0)
		return;
	long total = 0;
	for (int i = 0; i < nfn; i++) {
		const struct fn_view *f = &v->fn[i];
		struct slo_fn *h = &s->fn[i];
		int want = f->target > 0 ? f->target : 0;
		if (f->managed && h->desired >= 0) {   /* as the engine clamps */
			want = h->desired;
			if (want > f->max_replicas)
				want = f->max_replicas;
			if (want < f->min_replicas)
				want = f->min_replicas;
		}
		h->cap_n = want > 0 ? want : 0;
		h->cut = 0;
		total += h->cap_n * weight(f, slots);
	}
	long over = total - limit;
	while (over > 0) {
		int best = -1;
		double best_slack = 0;
		for (int i = 0; i < nfn; i++) {
			const struct fn_view *f = &v->fn[i];
			const struct slo_fn *h = &s->fn[i];
			if (!f->managed || h->cap_n <= f->min_replicas)
				continue;
			double sl = slack_after(h, h->cap_n);
			if (best < 0 || sl > best_slack ||
			    (sl == best_slack && h->cap_n > s->fn[best].cap_n)) {
				best = i;
				best_slack = sl;
			}
		}
		if (best < 0)
			break;
		s->fn[best].cap_n--;
		s->fn[best].cut++;
		over -= weight(&v->fn[best], slots);
	}
	const char *unit = slots ? " node slots" : "";
	for (int i = 0; i < nfn; i++) {
		struct slo_fn *h = &s->fn[i];
		if (h->cut) {
			h->desired = h->cap_n;
			policy_say(&out[i], "; cap %ld%s: -%d -> %d", limit,
			    unit, h->cut, h->cap_n);
		}
		if (over > 0 && v->fn[i].managed)
			policy_say(&out[i], "; cap %ld%s exceeded by %ld at "
			    "min_replicas", limit, unit, over);
	}
}

static void observe(const struct slo_fn *h, const struct fn_view *f,
		    struct scale_decision *d)
{
	int conc = f->concurrency > 0 ? f->concurrency : 1;
	int n = h->desired >= 0 ? h->desired : (f->target > 0 ? f->target : 0);
	policy_observe(d, "lambda", h->lam_now);
	policy_observe(d, "forecast", h->lam_hat);
	policy_observe(d, "slope", h->slope);
	policy_observe(d, "jump_z", h->jump_z);
	policy_observe(d, "share", h->share);
	policy_observe(d, "service_time", h->st);
	policy_observe(d, "cs2", h->cs2_now);
	if (h->phi < 1)
		policy_observe(d, "speed_factor", h->phi);
	if (h->have) {
		policy_observe(d, "c_needed", (double)h->need * conc);
		policy_observe(d, "replicas_needed", (double)h->need);
		policy_observe(d, "replicas_needed_up", (double)h->need_up);
		policy_observe(d, "pred_p", lat_p(&h->down, n));
	}
	policy_observe(d, "replicas", n);
	policy_observe(d, "backlog", h->backlog);
}

static void slo_decide(void *state, const struct scale_view *v,
		       struct scale_decision *out)
{
	struct slo *s = state;
	int nfn = s->nfn;
	if (v->nfn != s->nfn)   /* the graph is fixed for a run */
		return;
	for (int i = 0; i < nfn; i++) {
		struct slo_fn *h = &s->fn[i];
		h->ok = measure(h, &v->fn[i], v->mon, i, v->now);
		h->desired = -1;
		h->have = 0;
		h->need = h->need_up = h->need_ss = 0;
	}
	split_budget(s, v->fn);
	for (int i = 0; i < nfn; i++)
		if (v->fn[i].managed)
			decide_one(&s->fn[i], &v->fn[i], v->now, &out[i]);
	apply_cap(s, v, nfn, s->max_total, 0, out);
	if (v->cluster && v->cluster->nodes > 0)
		apply_cap(s, v, nfn, v->cluster->slots_total, 1, out);
	for (int i = 0; i < nfn; i++)
		if (v->fn[i].managed) {
			out[i].desired = s->fn[i].desired;
			observe(&s->fn[i], &v->fn[i], &out[i]);
		}
}

const struct policy policy_latency_slo = {
	.name = "latency-slo",
	.help = "spate's own (the seed system's auto-scaler): end-to-end "
		"latency SLO split over the DAG's paths by mean service time; "
		"each function sized by M/G/c (Allen-Cunneen, Erlang C tail) at "
		"the rate forecast one cold start ahead (a rate step is found by "
		"a change-point test and replaces the window), plus the replicas "
		"that drain the backlog projected to when they are ready within "
		"the function's share; scale-up only when its gain beats "
		"scale_cost_s, hysteresis on scale-down, scale to zero after "
		"idle_s, cluster cap shrinking the most slack first",
	.params = slo_params,
	.nparams = P_N,
	.interval_s = 15,
	.wake_from_zero = 1,
	.init = slo_init,
	.decide = slo_decide,
	.fini = slo_fini,
};
