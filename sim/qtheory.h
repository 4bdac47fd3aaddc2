/*
 * qtheory: exact results of queueing theory, for validation tests and for
 * queueing-model policies. Rates are per second, times in seconds.
 * Functions return NAN when the system is unstable or arguments are invalid.
 * Erlang B uses the stable recursion B(0)=1, B(k)=aB/(k+aB); Erlang C is
 * derived from it, so large c (thousands of servers) is fine.
 */
#ifndef SPATE_QTHEORY_H
#define SPATE_QTHEORY_H

double qt_erlang_b(int c, double a);        /* blocking prob., a = lambda/mu */
double qt_erlang_c(int c, double a);        /* P(wait) in M/M/c */
double qt_mmc_wq(int c, double lambda, double mu);   /* mean wait in queue */
double qt_mmc_w(int c, double lambda, double mu);    /* mean sojourn */
/* P(Wq > t) in M/M/c FIFO */
double qt_mmc_wait_tail(int c, double lambda, double mu, double t);
/* p-quantile of the M/M/c wait in queue, from P(Wq > t) = C e^{-(c mu -
 * lambda) t}: 0 when P(wait) <= 1 - p; NAN when unstable. */
double qt_mmc_wait_quantile(int c, double lambda, double mu, double p);
/* The fewest servers c in [lo, cap] whose wait p-quantile is at most
 * budget (it falls with c once c mu > lambda), found by doubling from lo
 * then bisecting, so no Erlang C is evaluated far above the answer. *met
 * is 0 when even cap misses (cap is returned); lo >= cap returns lo, *met
 * telling whether lo meets it. lo must exceed lambda/mu. */
int qt_mmc_min_servers(int lo, int cap, double lambda, double mu, double p,
		       double budget, int *met);
/* Pollaczek-Khinchine: M/G/1 mean wait from the first two moments of S */
/* Mean sojourn in a GI/M/1 queue whose interarrival times are Erlang-k
 * with rate `stage` per phase (mean k / stage): what each replica sees when
 * Poisson arrivals at rate `stage` are dealt round robin over k replicas.
 * W = 1 / (mu (1 - s)), s the root in (0, 1) of s = (stage / (stage +
 * mu (1 - s)))^k. */
double qt_ekm1_w(int k, double stage, double mu);
double qt_mg1_wq(double lambda, double es, double es2);
double qt_md1_wq(double lambda, double d);
/* M/M/c/c: blocking probability (Erlang B) */
double qt_mmcc_block(int c, double lambda, double mu);
/* Tandem of M/M/c_i stations fed by Poisson lambda: mean end-to-end sojourn */
double qt_jackson_tandem_w(int n, const int *c, double lambda, const double *mu);

#endif
