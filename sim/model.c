/*
 * model: sources, connector, functions, replicas, monitor and autoscaler
 * driven by one event calendar.
 *
 * Objects and how they link:
 *  - a job is one message appended to a source topic; it lives until every
 *    message derived from it (through the DAG) has finished, which is when
 *    its end-to-end latency is taken. job.pending counts those messages.
 *  - a msg is one invocation of one function for one job; it waits in the
 *    function's FIFO queue, is served by a replica slot, then emits its
 *    outputs to the children and is freed.
 *  - jobs and msgs come from pools and are linked by index, so the steady
 *    state allocates nothing; queued messages are in intrusive FIFOs, never in
 *    the calendar, which holds only completions, timers and arrivals.
 * Invariants:
 *  - arrivals = completed + dropped + dead-lettered + in system (jobs), at
 *    every instant: a failed attempt (crash, error) waits for its retry as a
 *    message outside every queue, still in the system.
 *  - a replica slot is held from service start until every output of the
 *    message was accepted downstream (backpressure holds it longer).
 *  - time integrals (replica-seconds by state, busy slots, queue length) are
 *    advanced by fn_account before any count changes.
 *  - an event that refers to a replica carries its generation; a replica slot
 *    reused after GONE has a new generation, so stale timers are ignored.
 *  - a replica holds at most one pending keep-alive event; on expiry it is
 *    re-armed if the replica was used since (DESIGN.md: no cancel/re-insert).
 * Crashes free a replica's messages at once; their completion events stay
 * in the calendar and are recognised as stale by the message's service
 * serial, which every EV_DONE carries.
 * Dispatch is join-the-idle-queue over the function's replicas (a central
 * FIFO per function, lowest-numbered free replica first), which is what the
 * M/M/c validation models and lets surplus replicas idle out.
 */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrivals.h"
#include "autoscaler.h"
#include "cluster.h"
#include "config.h"
#include "dist.h"
#include "err.h"
#include "evq.h"
#include "hist.h"
#include "lookahead.h"
#include "monitor.h"
#include "policy.h"
#include "pool.h"
#include "rec.h"
#include "rng.h"
#include "stats.h"
#include "workload.h"

#define NIL POOL_NIL

/* Sources' next arrivals are not calendar events: each source keeps its
 * next (time, sequence) and the loop merges them with the calendar (see
 * evq_seq_take), which saves a heap push and pop per message. */
enum ev_kind {
	EV_BATCH,     /* a = source, b = partition | batch gen << 32 */
	EV_DONE,      /* a = msg, b = serial | job << 32: service finished */
	EV_READY,     /* a = fn, b = replica | gen << 32: cold start over */
	EV_KEEPALIVE, /* a = fn, b = replica | gen << 32 */
	EV_SCRAPE,
	EV_DECIDE,
	EV_WAKE,      /* a decision round out of period (wake from zero) */
	EV_ACTUATE,   /* a = fn, b = target */
	EV_TIMELINE,
	EV_STOP,
	EV_UNLOAD,    /* a = fn, b = idle plan generation */
	EV_PREWARM,   /* a = fn, b = idle plan generation */
	EV_RETRY,     /* a = msg: a throttled request is offered again */
	EV_SLOW,      /* a = node, b = 1: an episode starts, 0: it ends */
	EV_SPEC,      /* a = msg, b = its serial: time to speculate */
	EV_CRASH,     /* a = fn, b = replica | gen << 32: the replica dies */
	EV_NODE,      /* a = node, b = enum node_ev */
	EV_RESTORE,   /* a = fn: replace crashed replicas (back to target) */
	EV_REBALANCE, /* a = source, b = its rebalance generation: it ends */
	EV_GROUP,     /* a = source: a crashed member's session expires */
	EV_RETENTION, /* a = source: the log cleaner's check */
};

/* Node crashes come from two independent sources, each with its own
 * repair, so a node is down while either has it down. */
enum node_ev { NODE_CRASH, NODE_REPAIR, NODE_SCHED_CRASH, NODE_SCHED_REPAIR };

#define REP_LOST UINT32_MAX   /* msg.replica of a held message whose
				 replica crashed: no slot to release */

enum rep_state { REP_PENDING, REP_READY, REP_DRAINING, REP_GONE };

struct job {
	double t_append;
	double size;
	uint64_t offset;
	uint32_t pending;     /* derived messages not finished */
	uint32_t entry_left;  /* entry invocations not finished (commit) */
	uint32_t src, part;
	uint32_t next;        /* partition FIFO while not dispatched */
	uint8_t dropped, recorded;
	uint8_t dead;         /* a message of it was dead-lettered */
	uint8_t dup;          /* a redelivered duplicate: outside the job
				 counts, its messages are real work */
};

struct msg {
	double t_enq;
	double t_start;       /* service start (observed speed) */
	uint32_t job, fn;
	uint32_t next;        /* queue / blocked list link */
	uint32_t replica;     /* in service */
	uint32_t holder;      /* msg whose slot waits for this one's admission */
	uint32_t blocked;     /* own outputs not yet admitted downstream */
	uint8_t entry;
	uint8_t held;         /* finished, its slot held for blocked outputs */
	uint8_t clone;        /* a speculative duplicate */
	uint8_t cancelled;    /* lost the race: its completion is void */
	uint16_t attempt;     /* throttled offers so far (retry backoff) */
	uint16_t fails;       /* failed attempts so far (crash or error) */
	uint32_t twin;        /* the other copy of a speculated invocation */
	uint32_t serial;      /* per service start: stale timers see a change */
};

struct fifo {
	uint32_t head, tail;
	long len;
};

struct replica {
	double t_idle;        /* when busy last dropped to 0 */
	double est_s;         /* observed service time, moving average; 0: none */
	struct fifo rq;       /* routed here, waiting (load-balanced modes) */
	uint32_t busy;
	uint32_t gen;
	int node;             /* CLUSTER_ANY, CLUSTER_NONE (waiting for room) */
	int rl_pos;           /* index in fn.rl while READY (balanced modes) */
	uint32_t nobs;        /* observations behind est_s */
	uint8_t state;
	uint8_t first;        /* first request not served yet (first_request) */
	uint8_t ka_armed;
};

struct fn {
	const struct cfg_function *cfg;
	int idx;
	struct replica *rep;
	int nrep, caprep;
	uint64_t *avail;      /* bit r: READY with a free slot */
	int avail_lo;         /* no bit is set in words below this one */
	int navail;           /* bits set in avail */
	int *freerep;         /* GONE slots, reused */
	int nfreerep;
	int n_pending, n_ready, n_draining, n_busy_rep;
	int target;           /* replicas being reconciled to (pending + ready) */
	int spec;             /* latest decided target, as the control plane
				 stores it: ahead of `target` by the actuation
				 delay; what policies see */
	long busy_slots;
	long busy_ready;      /* busy slots in READY replicas (utilization) */
	long holding;         /* finished messages holding a slot for outputs
				 blocked downstream */
	struct fifo queue, blocked;
	/* load balancing over READY replicas (cluster.lb other than central):
	 * each replica has its own queue; `queue` holds only what arrived
	 * while no replica was READY (an activator's buffer) */
	enum lb_mode lb;
	int *rl, nrl;         /* READY replicas, dense */
	uint64_t rr;          /* round-robin position, rotating scan start */
	long rq_len;          /* over every replica's rq */
	struct rng *r_lb;
	int n_unplaced;       /* PENDING replicas no node has room for */
	double a_unplaced;
	int dispatching, redispatch;   /* reentrancy guard of fn_dispatch */
	int *waiting_parts;   /* (src, part) pairs stalled on this fn, block mode */
	int nwaiting, capwaiting;
	/* integrals since t = 0 */
	double t_acc;
	double a_pending, a_ready, a_draining, a_idle, a_busy, a_queue;
	double a_backpressure;  /* time with a sender blocked on this fn */
	double a_busy_ready;
	double a_useful;        /* busy slots not merely held (DS2) */
	double svc_sum, svc_sq; /* service times of completions, and squares */
	/* counters */
	uint64_t arrivals, completions, drops, cold_starts, tl_arrivals, outputs;
	uint64_t started, waited;   /* recorded jobs: service starts, of which
				       queued first */
	double latency_sum, wait_sum;
	struct hist *lat;
	struct rng *r_service, *r_cold, *r_outputs, *r_branch;
	int *parents, nparents, *children, nchildren;
	int partitions;       /* partitions of the sources feeding it */
	/* platform rules (a policy's platform hook) and keep-alive control */
	int on_demand;        /* config's on_demand, or the platform's rule */
	int per_request;      /* the platform's throttling rules apply */
	int ka_floor_min;     /* keep-alive reclaims down to min_replicas, not
				 to the policy's decision (per-request and
				 keep-alive policies decide no count) */
	double ka_s;          /* keep-alive of idle replicas */
	double tokens, t_tokens;   /* burst bucket */
	int idle;             /* nothing in service or queued since the last
				 invocation ended */
	uint32_t plan_gen;    /* cancels the idle plan's timers */
	uint64_t throttles, cold_requests, prewarms, unloads;
	uint64_t inflated;
	int track_speed;      /* keep est_s: speed-aware routing, replacement */
	uint64_t replaced;
	struct rng *r_io;
	uint64_t gets, puts;
	double get_bytes, put_bytes, io_s;
	struct hist *svc;     /* observed service times (speculation) */
	double spec_timeout;  /* 0: not yet known */
	uint64_t speculations, spec_wins, spec_skipped;
	uint32_t spec_pairs;  /* invocations running as two copies now */
	double est_s;         /* observed service time over all replicas */
	/* failures */
	struct rng *r_crash, *r_error, *r_retry;
	uint64_t replica_crashes, errors, crash_lost, retries, dead_letters;
	long retry_wait;      /* failed or throttled, waiting for EV_RETRY */
	int group;            /* its replicas are a consumer group's members */
	uint64_t redelivered; /* lost with a consumer, re-read from Kafka */
	long awaiting;        /* of those, not re-read yet */
};

struct part {
	uint64_t log_end, released, next, committed;
	uint32_t head, tail;  /* jobs appended, not dispatched */
	uint32_t inflight;
	uint8_t timer, waiting, pumping, repump;
	uint8_t serving;      /* being served from a function's waiting list */
	uint32_t batch_gen;   /* the pending batch timer's generation */
	uint8_t *done;        /* ring over [committed, next): OFF_* */
	uint64_t ring;        /* power of two */
	/* consumer group of replicas: the owner (a READY replica of the entry
	 * function, valid while its generation matches), whether the
	 * partition waits for a rebalance, and, after its owner crashed, the
	 * job and size of each offset in the ring, to re-read them */
	int owner;            /* -1: none */
	uint32_t owner_gen;
	uint8_t grouped;      /* its source's consumers are the replicas: the
				 ring keeps each offset's job and size */
	uint8_t paused, rewind;
	uint32_t *jobs;
	double *sizes;
	/* retention: the offsets below log_start are deleted; segs is a ring
	 * of the log's segments, oldest first, the last one active */
	uint64_t log_start;
	double log_bytes;
	struct seg *segs;
	uint32_t seg_head, seg_n, seg_cap;
};

/* A log segment: its first offset, when its first and newest records
 * were appended, and its bytes. */
struct seg {
	uint64_t base;
	double t_first, t_last, bytes;
};

enum { OFF_INFLIGHT, OFF_DONE, OFF_LOST, OFF_SKIP };   /* part.done values;
	LOST: its invocation died with its consumer, waiting to be re-read;
	SKIP: deleted by retention before it was fetched (commits as done) */

struct source {
	const struct cfg_source *cfg;
	struct arrivals *arr;
	struct part *parts;
	int blocks;           /* some entry function applies backpressure */
	uint64_t rr;          /* round-robin partition counter */
	uint64_t appended, committed;
	struct arrival next;  /* the arrival scheduled next */
	/* consumer group of replicas (cfg->replicas_group) */
	uint32_t reb_gen;     /* a newer change restarts the rebalance */
	int rebalancing;
	double t_reb, a_reb;  /* time in rebalances */
	double dead_until;    /* a crashed member's session runs until then:
				 no rebalance can finish before (it waits for
				 every member it knows to rejoin) */
	struct rng *r_reb;
	uint64_t rebalances, redeliveries, duplicates;
	uint64_t expired;     /* records deleted by retention before a fetch */
	double t_next;        /* when, and its calendar sequence number */
	uint64_t seq_next;
	int armed;
};

struct srow {
	const char *scope;
	const char *metric;
	double value;
};

struct model {
	const struct config *cfg;
	struct evq *q;
	double now, end;
	uint64_t events;
	struct pool jobs, msgs;
	struct fn *fn;
	int nfn;
	struct source *src;
	int nsrc;
	int sources_live;
	int next_src;         /* armed source with the earliest arrival, or -1 */
	/* jobs */
	uint64_t arrivals, completed, dropped, dead_lettered, in_system;
	uint64_t expired;     /* records retention deleted before a fetch */
	uint64_t dup_live, dup_done;   /* redelivered duplicate jobs */
	int redelivering;     /* admit over the queue bound (fn_admit) */
	int crashing;         /* rep_unready is called by a crash */
	int *members;         /* scratch for assignments: replicas, then
				 position by replica */
	int capmembers;
	double t_sys, a_sys;        /* integral of jobs in system */
	uint64_t slo_violations, recorded_done;
	struct hist *e2e;
	/* monitor, autoscaler */
	struct mon *mon;
	double *mon_values;
	double next_scrape;
	struct autoscaler *as;
	struct fn_view *views;
	struct cluster_view cluster_view;
	/* the topics as the last scrape saw them: views point into offsets,
	 * end offsets of every partition then the committed ones */
	struct topic_view *topic_views;
	int64_t *offsets;
	int nparts;
	double *scratch;      /* replica speeds, for a median */
	int capscratch;
	uint32_t tidied[2];   /* capacity of jobs, msgs at their last pool_tidy */
	struct scale_decision *decisions;
	int quiet_rounds;
	uint64_t nonperiodic; /* pending events that are not periodic */
	int wake_pending;     /* an EV_WAKE is scheduled */
	struct platform_rules rules;
	int has_rules, has_idle_hooks;
	struct rng *r_retry;
	/* nodes: replicas no node has room for wait here, in start order */
	struct cluster *cl;
	uint32_t serial;
	int avoid;            /* the node rep_start must avoid if it can; -1 */
	struct placing { int fn; uint64_t ref; } *unplaced;
	size_t nunplaced, capunplaced;
	int place_due;        /* room freed: try the waiting replicas */
	double a_slow;        /* node-seconds in a slow episode */
	int failures_on;      /* something can crash or fail: report it */
	uint32_t *lost;       /* scratch: messages a crash took */
	size_t caplost;
	int nslow;
	double t_slow;
	/* ground truth for a policy that reads the future (the oracle) */
	struct lookahead *la;
	struct oracle_view oracle;
	double *service_mean;
	/* output */
	struct rec *rec;
	int64_t run_id;
	struct err *err;
	int failed, stop;
	double tl_last;
	struct srow *rows;
	size_t nrows, caprows;
	char **scopes;
};

/* ---------------------------------------------------------------- helpers */

static int fail(struct model *m)
{
	m->failed = 1;
	return -1;
}

/* Periodic events recur by themselves; the others are what can still
 * change the system (used by the stop rule of drained runs). */
static int is_periodic(enum ev_kind kind)
{
	return kind == EV_SCRAPE || kind == EV_DECIDE || kind == EV_TIMELINE ||
	       kind == EV_STOP || kind == EV_SLOW || kind == EV_CRASH ||
	       kind == EV_NODE || kind == EV_RETENTION;
}

static void at(struct model *m, double t, enum ev_kind kind, uint32_t a,
	       uint64_t b)
{
	struct ev ev = { .kind = kind, .a = a, .b = b };
	if (!is_periodic(kind))
		m->nonperiodic++;
	if (evq_push(m->q, t, &ev) != 0) {
		err_set(m->err, ERR_INTERNAL,
			"event calendar full or out of memory at t=%g", m->now);
		fail(m);
	}
}

static struct job *job_at(const struct model *m, uint32_t j)
{
	return pool_at(&m->jobs, j);
}

static struct msg *msg_at(const struct model *m, uint32_t i)
{
	return pool_at(&m->msgs, i);
}

static void fifo_push(struct model *m, struct fifo *f, uint32_t i)
{
	msg_at(m, i)->next = NIL;
	if (f->len)
		msg_at(m, f->tail)->next = i;
	else
		f->head = i;
	f->tail = i;
	f->len++;
}

/* In a backlog the queued messages, and their jobs, have long left the
 * cache when their turn comes: each pop fetches the job of the new head
 * (whose message the previous pop fetched) and the message after it, so
 * both are in cache by the next pop. */
static uint32_t fifo_pop(struct model *m, struct fifo *f)
{
	uint32_t i = f->head;
	f->head = msg_at(m, i)->next;
	if (--f->len) {
		const struct msg *h = msg_at(m, f->head);
		__builtin_prefetch(job_at(m, h->job));
		if (f->len > 1)
			__builtin_prefetch(msg_at(m, h->next));
	}
	return i;
}

/* ---------------------------------------------------------- accounting */

static inline void fn_account(struct model *m, struct fn *f)
{
	double dt = m->now - f->t_acc;
	if (dt <= 0)
		return;
	/* Six calls per message in a 3-stage DAG. A count of 0 adds +0.0,
	 * which leaves these non-negative sums bit for bit as they are, so
	 * the counts that are mostly 0 (pending, draining, unplaced, held,
	 * queued) are tested rather than multiplied. */
	double busy = (double)f->busy_slots * dt;
	f->a_ready += f->n_ready * dt;
	f->a_idle += (f->n_ready + f->n_draining - f->n_busy_rep) * dt;
	f->a_busy += busy;
	f->a_busy_ready += (double)f->busy_ready * dt;
	f->a_useful += f->holding ? (double)(f->busy_slots - f->holding) * dt : busy;
	if (f->n_pending | f->n_draining | f->n_unplaced) {
		f->a_pending += f->n_pending * dt;
		f->a_draining += f->n_draining * dt;
		f->a_unplaced += f->n_unplaced * dt;
	}
	long queued = f->queue.len + f->rq_len;
	if (queued)
		f->a_queue += (double)queued * dt;
	if (f->blocked.len || f->nwaiting)
		f->a_backpressure += dt;
	f->t_acc = m->now;
}

static void sys_account(struct model *m)
{
	m->a_sys += (double)m->in_system * (m->now - m->t_sys);
	m->t_sys = m->now;
}

/* ------------------------------------------------------------ replicas */

static void avail_set(struct fn *f, int r, int on)
{
	uint64_t bit = 1ull << (r & 63), *w = &f->avail[r >> 6];
	if (on) {
		if (!(*w & bit))
			f->navail++;
		*w |= bit;
		if ((r >> 6) < f->avail_lo)
			f->avail_lo = r >> 6;
	} else {
		if (*w & bit)
			f->navail--;
		*w &= ~bit;
	}
}

/* Lowest free replica, or -1. The scan starts at avail_lo, which it
 * advances past empty words, so a busy pool of thousands of replicas does
 * not cost a full scan per dispatch. With none free (a backlog: every
 * completion starts the next queued message, then dispatch asks again)
 * the count answers at once; the scan from the word just freed to the end
 * of the pool was ~5% of a run at 5,000 replicas. */
static inline int avail_first(struct fn *f)
{
	if (!f->navail)
		return -1;
	int words = (f->nrep + 63) >> 6;
	for (int w = f->avail_lo; w < words; w++)
		if (f->avail[w]) {
			f->avail_lo = w;
			return (w << 6) + __builtin_ctzll(f->avail[w]);
		}
	f->avail_lo = words;
	return -1;
}

static uint64_t rep_ref(const struct fn *f, int r)
{
	return (uint64_t)(uint32_t)r | (uint64_t)f->rep[r].gen << 32;
}

static int rep_alloc(struct model *m, struct fn *f)
{
	if (f->nfreerep)
		return f->freerep[--f->nfreerep];
	if (f->nrep == f->caprep) {
		int cap = f->caprep ? f->caprep * 2 : 64;
		struct replica *rep = realloc(f->rep, (size_t)cap * sizeof *rep);
		int *fr = rep ? realloc(f->freerep, (size_t)cap * sizeof *fr) : NULL;
		int *rl = fr ? realloc(f->rl, (size_t)cap * sizeof *rl) : NULL;
		uint64_t *av = rl ? realloc(f->avail, (size_t)(cap / 64) * sizeof *av) : NULL;
		if (rep)
			f->rep = rep;
		if (fr)
			f->freerep = fr;
		if (rl)
			f->rl = rl;
		if (!av) {
			err_set(m->err, ERR_INTERNAL, "out of memory (replicas of %s)",
				f->cfg->name);
			return fail(m);
		}
		memset(av + f->caprep / 64, 0, (size_t)(cap - f->caprep) / 64 * sizeof *av);
		f->avail = av;
		f->caprep = cap;
	}
	f->rep[f->nrep].gen = 0;
	return f->nrep++;
}

static void arm_keepalive(struct model *m, struct fn *f, int r)
{
	struct replica *rp = &f->rep[r];
	if (isinf(f->ka_s) || rp->ka_armed)
		return;
	rp->ka_armed = 1;
	at(m, rp->t_idle + f->ka_s, EV_KEEPALIVE, (uint32_t)f->idx,
	   rep_ref(f, r));
}

static void fn_dispatch(struct model *m, struct fn *f);

/* Messages waiting for a slot: the function's queue and its replicas'. */
static long fn_waiting(const struct fn *f)
{
	return f->queue.len + f->rq_len;
}

static void rl_add(struct fn *f, int r)
{
	if (f->lb == LB_CENTRAL)
		return;
	f->rep[r].rl_pos = f->nrl;
	f->rl[f->nrl++] = r;
}

static void rl_del(struct fn *f, int r)
{
	if (f->lb == LB_CENTRAL)
		return;
	int k = f->rep[r].rl_pos, last = f->rl[--f->nrl];
	f->rl[k] = last;
	f->rep[last].rl_pos = k;
}

static void group_note(struct model *m, struct fn *f, int crashed);

static void rep_become_ready(struct model *m, struct fn *f, int r)
{
	struct replica *rp = &f->rep[r];
	rp->state = REP_READY;
	rp->t_idle = m->now;
	f->n_ready++;
	avail_set(f, r, 1);
	rl_add(f, r);
	arm_keepalive(m, f, r);
	if (f->group)
		group_note(m, f, 0);
}

/* A READY replica stops taking work (it goes, or drains; or it crashed,
 * which a consumer group learns only when its session times out). */
static void rep_unready(struct model *m, struct fn *f, int r)
{
	f->n_ready--;
	avail_set(f, r, 0);
	rl_del(f, r);
	if (f->group)
		group_note(m, f, m->crashing);
}

/* The replica has a node: its cold start begins. `waited`: it was PENDING
 * waiting for room until now. */
static void rep_placed(struct model *m, struct fn *f, int r, int waited)
{
	struct replica *rp = &f->rep[r];
	if (waited)
		f->n_unplaced--;
	if (f->r_crash)
		at(m, m->now + dist_sample(f->cfg->replica_ttf, f->r_crash, 0), EV_CRASH,
		   (uint32_t)f->idx, rep_ref(f, r));
	if (f->cfg->cold_start && f->cfg->cold_mode == COLD_DELAY) {
		if (!waited) {
			rp->state = REP_PENDING;
			f->n_pending++;
		}
		f->cold_starts++;
		double d = dist_sample(f->cfg->cold_start, f->r_cold, 0);
		at(m, m->now + d, EV_READY, (uint32_t)f->idx, rep_ref(f, r));
	} else {
		if (waited)
			f->n_pending--;
		rep_become_ready(m, f, r);
	}
}

/* Starts one replica; cold-start delay mode makes it PENDING first, and so
 * does a cluster with no room for it (until room frees). Returns its
 * index, or -1 (the model has failed). */
static int rep_start(struct model *m, struct fn *f)
{
	int r = rep_alloc(m, f);
	if (r < 0)
		return -1;
	struct replica *rp = &f->rep[r];
	rp->busy = 0;
	rp->ka_armed = 0;
	rp->est_s = 0;
	rp->rq = (struct fifo){ .head = NIL, .tail = NIL };
	rp->first = f->cfg->cold_start && f->cfg->cold_mode == COLD_FIRST_REQUEST;
	rp->nobs = 0;
	rp->node = cluster_place(m->cl, f->cfg->node_slots, f->cfg->memory_mb, m->avoid);
	if (rp->node != CLUSTER_NONE) {
		rep_placed(m, f, r, 0);
		return r;
	}
	if (m->nunplaced == m->capunplaced) {
		size_t cap = m->capunplaced ? m->capunplaced * 2 : 16;
		struct placing *u = realloc(m->unplaced, cap * sizeof *u);
		if (!u) {
			err_set(m->err, ERR_INTERNAL, "out of memory (unplaced replicas)");
			return fail(m);
		}
		m->unplaced = u;
		m->capunplaced = cap;
	}
	m->unplaced[m->nunplaced++] = (struct placing){
		.fn = f->idx, .ref = rep_ref(f, r),
	};
	rp->state = REP_PENDING;
	f->n_pending++;
	f->n_unplaced++;
	return r;
}

/* Places waiting replicas, in the order they were started, wherever room
 * has freed. Runs between events, so placing cannot re-enter dispatch. */
static void place_waiting(struct model *m)
{
	m->place_due = 0;
	size_t keep = 0, n = m->nunplaced;
	for (size_t k = 0; k < n; k++) {
		struct placing pl = m->unplaced[k];
		struct fn *f = &m->fn[pl.fn];
		int r = (int)(uint32_t)pl.ref;
		struct replica *rp = &f->rep[r];
		if (rp->gen != (uint32_t)(pl.ref >> 32))
			continue;   /* removed while it waited */
		rp->node = cluster_place(m->cl, f->cfg->node_slots, f->cfg->memory_mb, -1);
		if (rp->node == CLUSTER_NONE) {
			m->unplaced[keep++] = pl;
			continue;
		}
		fn_account(m, f);
		rep_placed(m, f, r, 1);
		f->redispatch = 1;   /* marks it for the pass below */
	}
	m->nunplaced = keep;
	for (int i = 0; i < m->nfn && !m->failed; i++)
		if (m->fn[i].redispatch) {
			m->fn[i].redispatch = 0;
			fn_dispatch(m, &m->fn[i]);
		}
}

static void rep_gone(struct model *m, struct fn *f, int r)
{
	struct replica *rp = &f->rep[r];
	if (rp->node >= 0) {
		cluster_release(m->cl, rp->node, f->cfg->node_slots, f->cfg->memory_mb);
		m->place_due = m->nunplaced > 0;
	} else if (rp->node == CLUSTER_NONE) {
		f->n_unplaced--;
	}
	rp->node = CLUSTER_ANY;
	rp->state = REP_GONE;
	rp->gen++;
	avail_set(f, r, 0);
	f->freerep[f->nfreerep++] = r;
}

/* Where rep_remove_one's scans resume during one scale-down: no replica
 * above these indices is a candidate any more, since removing or draining
 * one never makes another a candidate. Without them, taking k replicas out
 * of a pool of n slots (GONE ones included) rescanned it k times: after a
 * ramp to thousands of replicas that was ~9% of a whole run. */
struct rm_cursor {
	int unplaced, pending, idle;
};

/* Removes one replica: pending first (those still waiting for a node
 * before those starting), then idle ready (highest index: the least used
 * under lowest-first dispatch), then drains the least loaded busy one.
 * Returns 0 when nothing could be removed. */
static int rep_remove_one(struct model *m, struct fn *f, struct rm_cursor *cur)
{
	for (int pass = 0; pass < 2; pass++) {
		int *r = pass ? &cur->pending : &cur->unplaced;
		for (; *r >= 0; --*r)
			if (f->rep[*r].state == REP_PENDING &&
			    (pass || f->rep[*r].node == CLUSTER_NONE)) {
				f->n_pending--;
				rep_gone(m, f, (*r)--);
				return 1;
			}
	}
	for (; cur->idle >= 0; cur->idle--) {
		int r = cur->idle;
		if (f->rep[r].state == REP_READY && f->rep[r].busy == 0) {
			rep_unready(m, f, r);
			rep_gone(m, f, r);
			cur->idle--;
			return 1;
		}
	}
	int best = -1;
	for (int r = f->nrep - 1; r >= 0; r--)
		if (f->rep[r].state == REP_READY &&
		    (best < 0 || f->rep[r].busy + f->rep[r].rq.len <
				 f->rep[best].busy + f->rep[best].rq.len))
			best = r;
	if (best < 0)
		return 0;
	rep_unready(m, f, best);
	f->rep[best].state = REP_DRAINING;
	f->busy_ready -= f->rep[best].busy;
	f->n_draining++;
	return 1;
}

static void fn_scale_to(struct model *m, struct fn *f, int target)
{
	fn_account(m, f);
	f->target = target;
	int have = f->n_pending + f->n_ready;
	while (have < target && !m->failed) {
		rep_start(m, f);
		have++;
	}
	struct rm_cursor cur = {
		.unplaced = f->nrep - 1, .pending = f->nrep - 1, .idle = f->nrep - 1,
	};
	while (have > target && rep_remove_one(m, f, &cur))
		have--;
	fn_dispatch(m, f);
}

/* ---------------------------------------------------------- jobs, msgs */

static void job_finish(struct model *m, uint32_t j)
{
	struct job *jb = job_at(m, j);
	if (jb->dup) {
		m->dup_live--;
		m->dup_done++;
		pool_put(&m->jobs, j);
		if (!m->sources_live && !m->in_system && !m->dup_live && isinf(m->end))
			m->stop = 1;
		return;
	}
	sys_account(m);
	m->in_system--;
	if (jb->dropped) {
		m->dropped++;
	} else if (jb->dead) {
		m->dead_lettered++;
	} else {
		m->completed++;
		if (jb->recorded) {
			double lat = m->now - jb->t_append;
			hist_add(m->e2e, lat);
			m->recorded_done++;
			if (m->cfg->slo_latency_s > 0 && lat > m->cfg->slo_latency_s)
				m->slo_violations++;
		}
	}
	pool_put(&m->jobs, j);
	if (!m->sources_live && !m->in_system && !m->dup_live && isinf(m->end))
		m->stop = 1;
}

static void job_release(struct model *m, uint32_t j)
{
	if (--job_at(m, j)->pending == 0)
		job_finish(m, j);
}

static void part_commit(struct model *m, struct source *s, uint32_t p,
			uint64_t offset);

static void entry_done(struct model *m, uint32_t j)
{
	struct job *jb = job_at(m, j);
	if (--jb->entry_left == 0 && !jb->dup)   /* the original commits */
		part_commit(m, &m->src[jb->src], jb->part, jb->offset);
}

/* Room for one more message: a free slot with nobody queued, or queue
 * space. For on_demand functions a replica that can still be started, and
 * the slots of starting replicas, count as room: those messages wait for a
 * replica made for them. */
static int fn_has_room(struct fn *f)
{
	long cap = f->cfg->queue_capacity;
	if (cap >= 0 && f->on_demand) {
		/* a message offered now would start a replica of its own */
		if (f->n_pending + f->n_ready < f->cfg->max_replicas)
			return 1;
		cap += (long)f->n_pending * f->cfg->concurrency;
	}
	if (cap < 0 || fn_waiting(f) < cap)
		return 1;
	return fn_waiting(f) == 0 && f->blocked.len == 0 && avail_first(f) >= 0;
}

/* On-demand platforms (Lambda, OpenWhisk) start one new environment for a
 * message that no slot, free or starting, will take. Called before the
 * message is queued, so it also applies when the queue is bounded. */
static int on_demand_start(struct model *m, struct fn *f)
{
	long coming = (long)f->n_pending * f->cfg->concurrency;
	if (avail_first(f) < 0 && f->queue.len + 1 > coming &&
	    f->n_pending + f->n_ready < f->cfg->max_replicas) {
		if (f->per_request && m->rules.burst > 0) {
			f->tokens += (m->now - f->t_tokens) * m->rules.burst_refill;
			if (f->tokens > m->rules.burst)
				f->tokens = m->rules.burst;
			f->t_tokens = m->now;
			if (f->tokens < 1)
				return -1;
			f->tokens -= 1;
		}
		fn_account(m, f);
		rep_start(m, f);
		/* above a policy's decision (spec) these are surplus that
		 * keep-alive reclaims; without a policy they are the count */
		f->target = f->n_pending + f->n_ready;
		if (!f->cfg->managed)
			f->spec = f->target;
		return 1;
	}
	return 0;
}

/* Requests in flight over the functions the platform rules govern: in
 * service, or queued waiting for an environment being made for them. The
 * handful of functions makes a scan cheaper than keeping it exact. */
static long account_inflight(const struct model *m)
{
	long n = 0;
	for (int i = 0; i < m->nfn; i++)
		if (m->fn[i].per_request)
			n += m->fn[i].busy_slots - m->fn[i].holding +
			     fn_waiting(&m->fn[i]);
	return n;
}

/* A throttled request (HTTP 429) waits for its event source's retry: a
 * message outside every queue, on a timer with exponential backoff and full
 * jitter. It is still in the system, so nothing is lost or counted twice. */
static void throttle(struct model *m, struct fn *f, uint32_t j, int entry,
		     unsigned attempt, unsigned fails)
{
	uint32_t i = pool_get(&m->msgs);
	if (i == NIL) {
		err_set(m->err, ERR_INTERNAL, "out of memory (messages)");
		fail(m);
		return;
	}
	struct msg *ms = msg_at(m, i);
	ms->job = j;
	ms->fn = (uint32_t)f->idx;
	ms->entry = (uint8_t)entry;
	ms->attempt = (uint16_t)(attempt < 60000 ? attempt + 1 : attempt);
	ms->fails = (uint16_t)fails;
	ms->serial = 0;
	f->throttles++;
	f->retry_wait++;
	double cap = m->rules.retry_base_s * ldexp(1.0, attempt < 60 ? (int)attempt : 60);
	if (cap > m->rules.retry_max_s)
		cap = m->rules.retry_max_s;
	at(m, m->now + cap * rng_uniform(m->r_retry), EV_RETRY, i, 0);
}

static void idle_end(struct model *m, struct fn *f)
{
	f->idle = 0;
	f->plan_gen++;
	as_busy(m->as, f->idx, m->now);
}

static void msg_finish(struct model *m, uint32_t i);
static void enqueue(struct model *m, struct fn *f, uint32_t i);
static void start_service(struct model *m, struct fn *f, int r, uint32_t i);

static int fn_admit(struct model *m, struct fn *f, uint32_t j, int entry,
		    uint32_t holder, unsigned attempt, unsigned fails);

/* Offers a new message for job j to f. Returns 1 if it was admitted,
 * dropped or throttled, 0 if it is blocked (then `holder` keeps its slot). */
static int fn_offer(struct model *m, struct fn *f, uint32_t j, int entry,
		    uint32_t holder)
{
	f->arrivals++;
	f->tl_arrivals++;
	if (f->idle && m->has_idle_hooks && f->cfg->managed)
		idle_end(m, f);
	f->idle = 0;
	if (!f->n_ready || (f->on_demand && avail_first(f) < 0))
		f->cold_requests += 1;
	return fn_admit(m, f, j, entry, holder, 0, 0);
}

/* `fails`: attempts of this invocation that failed before. A retry has no
 * holder, but under backpressure it is admitted over capacity rather than
 * dropped: it was admitted once, and its sender holds it until then. */
static int fn_admit(struct model *m, struct fn *f, uint32_t j, int entry,
		    uint32_t holder, unsigned attempt, unsigned fails)
{
	if (f->per_request && m->rules.account_concurrency > 0 &&
	    account_inflight(m) >= m->rules.account_concurrency) {
		throttle(m, f, j, entry, attempt, fails);
		return 1;
	}
	if (f->on_demand && on_demand_start(m, f) < 0) {
		throttle(m, f, j, entry, attempt, fails);
		return 1;
	}
	int over = !fn_has_room(f);
	if (over) {
		if (f->cfg->on_full == FULL_DROP ||
		    (holder == NIL && !fails && !m->redelivering)) {
			f->drops++;
			job_at(m, j)->dropped = 1;
			if (entry)
				entry_done(m, j);
			job_release(m, j);
			return 1;
		}
	}
	uint32_t i = pool_get(&m->msgs);
	if (i == NIL) {
		err_set(m->err, ERR_INTERNAL, "out of memory (messages)");
		fail(m);
		return 1;
	}
	struct msg *ms = msg_at(m, i);
	ms->t_enq = m->now;
	ms->job = j;
	ms->fn = (uint32_t)f->idx;
	ms->entry = (uint8_t)entry;
	ms->held = 0;
	ms->blocked = 0;
	ms->holder = NIL;
	ms->clone = ms->cancelled = 0;
	ms->twin = NIL;
	ms->fails = (uint16_t)fails;
	ms->serial = 0;
	fn_account(m, f);
	if (over && holder != NIL) {
		ms->holder = holder;
		msg_at(m, holder)->blocked++;
		fifo_push(m, &f->blocked, i);
		return 0;
	}
	/* The common case, a free slot and nobody waiting: start at once,
	 * which is all that queueing and dispatching would do when nothing
	 * is queued, blocked or stalled on f and no dispatch of f is under
	 * way (whose order this must not overtake). */
	int r;
	if (f->lb == LB_CENTRAL && !f->group && !f->queue.len &&
	    !f->blocked.len && !f->nwaiting && !f->dispatching &&
	    (r = avail_first(f)) >= 0) {
		start_service(m, f, r, i);
		return 1;
	}
	enqueue(m, f, i);
	if (!f->n_ready && !f->n_pending && f->cfg->managed &&
	    m->cfg->policy->wake_from_zero && !m->wake_pending) {
		m->wake_pending = 1;
		at(m, m->now, EV_WAKE, 0, 0);
	}
	fn_dispatch(m, f);
	return 1;
}

/* Object-store time of one invocation: its GETs and PUTs one after
 * another, each a first-byte latency draw plus its bytes over the
 * bandwidth. Network time: node speed does not scale it. */
static double io_time(struct model *m, struct fn *f, double size)
{
	const struct cfg_function *c = f->cfg;
	const struct cfg_objstore *os = &m->cfg->objstore;
	double t = 0;
	double gets = rng_round(f->r_io, dist_sample(c->io_gets, f->r_io, size));
	double puts = rng_round(f->r_io, dist_sample(c->io_puts, f->r_io, size));
	for (double k = 0; k < gets; k++) {
		double b = dist_sample(c->io_get_bytes, f->r_io, size);
		t += dist_sample(os->get_latency, f->r_io, b) + b / os->bytes_per_s;
		f->get_bytes += b;
	}
	for (double k = 0; k < puts; k++) {
		double b = dist_sample(c->io_put_bytes, f->r_io, size);
		t += dist_sample(os->put_latency, f->r_io, b) + b / os->bytes_per_s;
		f->put_bytes += b;
	}
	f->gets += (uint64_t)gets;
	f->puts += (uint64_t)puts;
	f->io_s += t;
	return t;
}

static void start_service(struct model *m, struct fn *f, int r, uint32_t i)
{
	struct replica *rp = &f->rep[r];
	struct msg *ms = msg_at(m, i);
	if (rp->busy++ == 0)
		f->n_busy_rep++;
	f->busy_slots++;
	if (rp->state == REP_READY)   /* a draining one serves its own queue */
		f->busy_ready++;
	if (rp->busy >= (uint32_t)f->cfg->concurrency)
		avail_set(f, r, 0);
	ms->replica = (uint32_t)r;
	ms->t_start = m->now;
	const struct job *jb = job_at(m, ms->job);
	if (jb->recorded) {
		f->started++;
		if (m->now > ms->t_enq) {
			f->waited++;
			f->wait_sum += m->now - ms->t_enq;
		}
	}
	double size = jb->size, d;
	if (rp->first) {
		rp->first = 0;
		f->cold_starts++;
		d = dist_sample(f->cfg->cold_start, f->r_cold, size);
	} else {
		d = dist_sample(f->cfg->service, f->r_service, size);
	}
	if (rp->node >= 0)
		d /= cluster_speed(m->cl, rp->node);
	if (m->cfg->cluster.inflation_p > 0) {
		double x = cluster_inflation(m->cl);
		if (x > 1) {
			f->inflated++;
			d *= x;
		}
	}
	if (f->cfg->io)
		d += io_time(m, f, size);
	if (++m->serial == 0)   /* 0 marks a message out of service */
		m->serial = 1;
	ms->serial = m->serial;
	/* the serial lets a crash free the message at once: this event then
	 * finds another serial (or 0) at the index and is ignored */
	at(m, m->now + d, EV_DONE, i, (uint64_t)ms->job << 32 | ms->serial);
	if (f->spec_timeout > 0 && !ms->clone)
		at(m, m->now + f->spec_timeout, EV_SPEC, i, ms->serial);
}

/* ------------------------------------------------------ load balancing */

static long outstanding(const struct replica *rp)
{
	return (long)rp->busy + rp->rq.len;
}

/* What a replica's choice costs under the scanning strategies; lower is
 * better. speed-aware: the expected time to finish one more message there,
 * from the replica's observed service time (the function's average until
 * it has one). */
static double lb_cost(const struct fn *f, const struct replica *rp)
{
	switch (f->lb) {
	case LB_JSQ:   /* fewest waiting; fewer in service breaks ties */
		return (double)rp->rq.len * (f->cfg->concurrency + 1) + rp->busy;
	case LB_SPEED_AWARE: {
		double est = rp->est_s > 0 ? rp->est_s : f->est_s;
		long ahead = outstanding(rp) + 1 - f->cfg->concurrency;
		return est * (1 + (ahead > 0 ? (double)ahead / f->cfg->concurrency : 0));
	}
	default:
		return (double)outstanding(rp);
	}
}

/* A READY replica for the next message (f->nrl > 0). Scans start at a
 * rotating position so that ties spread over the replicas. */
static int lb_pick(struct fn *f)
{
	int n = f->nrl;
	if (f->cfg->queue_capacity == 0)   /* no queue: only a free slot */
		return avail_first(f);
	switch (f->lb) {
	case LB_ROUND_ROBIN:
		return f->rl[f->rr++ % (uint64_t)n];
	case LB_RANDOM:
		return f->rl[rng_below(f->r_lb, (uint64_t)n)];
	case LB_POWER_OF_TWO: {
		if (n == 1)
			return f->rl[0];
		uint64_t a = rng_below(f->r_lb, (uint64_t)n);
		uint64_t b = rng_below(f->r_lb, (uint64_t)n - 1);
		if (b >= a)
			b++;
		int ra = f->rl[a], rb = f->rl[b];
		return outstanding(&f->rep[rb]) < outstanding(&f->rep[ra]) ? rb : ra;
	}
	default: {
		int start = (int)(f->rr++ % (uint64_t)n), best = -1;
		double best_cost = 0;
		for (int k = 0; k < n; k++) {
			int r = f->rl[(start + k) % n];
			double c = lb_cost(f, &f->rep[r]);
			if (best < 0 || c < best_cost) {
				best = r;
				best_cost = c;
			}
		}
		return best;
	}
	}
}

/* Sends message i to a replica, which starts it or queues it. */
static void lb_route(struct model *m, struct fn *f, uint32_t i)
{
	int r = lb_pick(f);
	struct replica *rp = &f->rep[r];
	if (rp->busy < (uint32_t)f->cfg->concurrency) {
		start_service(m, f, r, i);
		return;
	}
	fifo_push(m, &rp->rq, i);
	f->rq_len++;
}

/* A message that may wait: routed at once when the function balances
 * over its replicas and one is READY, else into the function's queue. */
static int owner_of(const struct model *m, const struct source *s,
		    const struct part *p);

static void enqueue(struct model *m, struct fn *f, uint32_t i)
{
	if (f->group && msg_at(m, i)->entry) {
		/* a consumer serves the partitions it owns, itself */
		const struct job *jb = job_at(m, msg_at(m, i)->job);
		const struct source *s = &m->src[jb->src];
		int r = s->cfg->replicas_group ? owner_of(m, s, &s->parts[jb->part]) : -1;
		if (r >= 0) {
			struct replica *rp = &f->rep[r];
			if (rp->busy < (uint32_t)f->cfg->concurrency && !rp->rq.len) {
				start_service(m, f, r, i);
			} else {
				fifo_push(m, &rp->rq, i);
				f->rq_len++;
			}
			return;
		}
	}
	if (f->lb != LB_CENTRAL && f->nrl > 0)
		lb_route(m, f, i);
	else
		fifo_push(m, &f->queue, i);
}

static void pump_waiting(struct model *m, struct fn *f);
static void fn_dispatch_once(struct model *m, struct fn *f);

/* Admits blocked messages while there is queue space, releasing their
 * holders' slots. */
static void admit_blocked(struct model *m, struct fn *f)
{
	long cap = f->cfg->queue_capacity;
	while (f->blocked.len && (cap < 0 || fn_waiting(f) < cap)) {
		uint32_t i = fifo_pop(m, &f->blocked);
		struct msg *ms = msg_at(m, i);
		ms->t_enq = m->now;
		uint32_t h = ms->holder;
		ms->holder = NIL;
		enqueue(m, f, i);
		if (--msg_at(m, h)->blocked == 0)
			msg_finish(m, h);
	}
}

/* Starts queued work on free slots. Completing work can cascade (a drop
 * commits an offset, which pumps the partition, which offers more work...);
 * nested calls only flag the outer one to loop again, so the stack stays
 * shallow however long the cascade. */
static void fn_dispatch(struct model *m, struct fn *f)
{
	if (f->dispatching) {
		f->redispatch = 1;
		return;
	}
	f->dispatching = 1;
	do {
		f->redispatch = 0;
		fn_dispatch_once(m, f);
	} while (f->redispatch && !m->failed);
	f->dispatching = 0;
}

/* Capacity 0: a blocked message goes straight into free slot r. */
static void start_blocked(struct model *m, struct fn *f, int r)
{
	uint32_t i = fifo_pop(m, &f->blocked);
	struct msg *ms = msg_at(m, i);
	uint32_t h = ms->holder;
	ms->holder = NIL;
	ms->t_enq = m->now;
	fn_account(m, f);
	start_service(m, f, r, i);
	if (--msg_at(m, h)->blocked == 0)
		msg_finish(m, h);
}

static void fn_dispatch_once(struct model *m, struct fn *f)
{
	if (f->lb != LB_CENTRAL) {
		/* what waited for a READY replica is routed now */
		while (f->queue.len && f->nrl && !m->failed) {
			fn_account(m, f);
			lb_route(m, f, fifo_pop(m, &f->queue));
		}
		int r;
		while (f->blocked.len && !fn_waiting(f) &&
		       f->cfg->queue_capacity == 0 && (r = avail_first(f)) >= 0)
			start_blocked(m, f, r);
	}
	for (;;) {
		if (f->lb != LB_CENTRAL || (!f->queue.len && !f->blocked.len))
			break;
		int r = avail_first(f);
		if (r < 0)
			break;
		if (!f->queue.len) {
			start_blocked(m, f, r);
			continue;
		}
		fn_account(m, f);
		start_service(m, f, r, fifo_pop(m, &f->queue));
		if (f->blocked.len)
			admit_blocked(m, f);
	}
	if (f->blocked.len)
		admit_blocked(m, f);
	if (f->nwaiting && fn_has_room(f))
		pump_waiting(m, f);
}

static void rep_release_slot(struct model *m, struct fn *f, int r)
{
	struct replica *rp = &f->rep[r];
	fn_account(m, f);
	f->busy_slots--;
	if (rp->state == REP_READY)
		f->busy_ready--;
	int more = rp->rq.len > 0;   /* its own queue takes the slot back */
	if (--rp->busy == 0) {
		f->n_busy_rep--;
		if (!more) {
			rp->t_idle = m->now;
			if (rp->state == REP_DRAINING) {
				f->n_draining--;
				rep_gone(m, f, r);
				return;
			}
			arm_keepalive(m, f, r);
		}
	}
	if (more) {
		f->rq_len--;
		start_service(m, f, r, fifo_pop(m, &rp->rq));
		return;
	}
	if (rp->state == REP_READY)
		avail_set(f, r, 1);
}

/* The function's last invocation ended with nothing queued. A keep-alive
 * policy plans when its replicas are unloaded and whether one is loaded
 * back before the next request; the plan's timers carry its generation, so
 * a request arriving first (idle_end) cancels them. */
static void idle_begin(struct model *m, struct fn *f)
{
	f->idle = 1;
	if (!m->has_idle_hooks || !f->cfg->managed)
		return;
	struct idle_plan plan = {
		.unload_after = -1, .prewarm_after = -1, .prewarm_keep = 0,
	};
	as_idle(m->as, f->idx, m->now, &plan);
	if (plan.unload_after >= 0 && isfinite(plan.unload_after))
		at(m, m->now + plan.unload_after, EV_UNLOAD, (uint32_t)f->idx,
		   f->plan_gen);
	if (plan.prewarm_after >= 0 && isfinite(plan.prewarm_after))
		at(m, m->now + plan.prewarm_after, EV_PREWARM, (uint32_t)f->idx,
		   f->plan_gen);
	if (plan.prewarm_after >= 0 && isfinite(plan.prewarm_after) &&
	    plan.prewarm_keep >= 0 && isfinite(plan.prewarm_keep))
		at(m, m->now + plan.prewarm_after + plan.prewarm_keep, EV_UNLOAD,
		   (uint32_t)f->idx, f->plan_gen);
}

/* Unloads the idle function's ready replicas, down to min_replicas. */
static void on_unload(struct model *m, struct fn *f, uint64_t gen)
{
	if ((uint32_t)gen != f->plan_gen || !f->idle)
		return;
	for (int r = f->nrep - 1; r >= 0; r--) {
		if (f->n_pending + f->n_ready <= f->cfg->min_replicas)
			break;
		struct replica *rp = &f->rep[r];
		if (rp->state != REP_READY || rp->busy)
			continue;
		fn_account(m, f);
		rep_unready(m, f, r);
		f->unloads++;
		rep_gone(m, f, r);
	}
	if (f->target > f->n_pending + f->n_ready)
		f->target = f->n_pending + f->n_ready;
}

/* Loads one replica ahead of the expected next request; it pays the cold
 * start now, so the request does not. */
static void on_prewarm(struct model *m, struct fn *f, uint64_t ref)
{
	if ((uint32_t)ref != f->plan_gen || !f->idle ||
	    f->n_ready + f->n_pending > 0 || f->cfg->max_replicas < 1)
		return;
	fn_account(m, f);
	f->prewarms++;
	int r = rep_start(m, f);
	if (r >= 0)
		f->rep[r].first = 0;   /* loaded now, not by a request */
	if (f->target < f->n_pending + f->n_ready)
		f->target = f->n_pending + f->n_ready;
}

static void on_retry(struct model *m, uint32_t i)
{
	struct msg *ms = msg_at(m, i);
	struct fn *f = &m->fn[ms->fn];
	uint32_t j = ms->job;
	int entry = ms->entry;
	unsigned attempt = ms->attempt, fails = ms->fails;
	pool_put(&m->msgs, i);
	f->retry_wait--;
	fn_admit(m, f, j, entry, NIL, attempt, fails);
}

/* The message is done with its slot: all outputs admitted. */
static void msg_finish(struct model *m, uint32_t i)
{
	struct msg *ms = msg_at(m, i);
	struct fn *f = &m->fn[ms->fn];
	uint32_t j = ms->job;
	int entry = ms->entry;
	if (ms->replica != REP_LOST) {   /* else its replica crashed */
		if (ms->held) {
			fn_account(m, f);
			f->holding--;
		}
		rep_release_slot(m, f, (int)ms->replica);
	}
	ms->serial = 0;
	pool_put(&m->msgs, i);
	if (entry)
		entry_done(m, j);
	job_release(m, j);
	/* With nothing queued, blocked or stalled on f, a dispatch outside
	 * another one finds no work: the freed slot waits for the next offer,
	 * which dispatches. Most completions are like this. */
	if (f->dispatching || f->queue.len || f->blocked.len || f->nwaiting)
		fn_dispatch(m, f);
	if (!f->busy_slots && !fn_waiting(f) && !f->blocked.len && !f->idle)
		idle_begin(m, f);
}

/* A speculated invocation finished first as copy `win`: the other copy is
 * cancelled, its slot freed now (it was billed until now); its own
 * completion event, still in the calendar, then only frees it. */
static void spec_settle(struct model *m, struct fn *f, uint32_t win)
{
	struct msg *ms = msg_at(m, win);
	uint32_t o = ms->twin;
	struct msg *ot = msg_at(m, o);
	if (ms->clone)
		f->spec_wins++;
	ms->twin = ot->twin = NIL;
	f->spec_pairs--;
	ot->cancelled = 1;
	rep_release_slot(m, f, (int)ot->replica);
}

/* A free slot for a duplicate of message i: a READY replica on another
 * node (on another replica when there are no nodes). */
static int spare_replica(const struct fn *f, const struct msg *ms)
{
	int home = (int)ms->replica, node = f->rep[home].node;
	int words = (f->nrep + 63) >> 6;
	for (int w = f->avail_lo; w < words; w++)
		for (uint64_t b = f->avail[w]; b; b &= b - 1) {
			int r = (w << 6) + __builtin_ctzll(b);
			if (r != home && (node < 0 || f->rep[r].node != node))
				return r;
		}
	return -1;
}

static void on_spec(struct model *m, uint32_t i, uint32_t serial)
{
	struct msg *ms = msg_at(m, i);
	if (ms->serial != serial || ms->held || ms->cancelled || ms->twin != NIL)
		return;   /* finished, or already duplicated */
	struct fn *f = &m->fn[ms->fn];
	int r = spare_replica(f, ms);
	if (r < 0) {
		f->spec_skipped++;
		return;
	}
	uint32_t c = pool_get(&m->msgs);
	if (c == NIL) {
		err_set(m->err, ERR_INTERNAL, "out of memory (messages)");
		fail(m);
		return;
	}
	ms = msg_at(m, i);   /* the pool may have moved */
	struct msg *cl = msg_at(m, c);
	*cl = *ms;
	cl->clone = 1;
	cl->twin = i;
	ms->twin = c;
	f->speculations++;
	f->spec_pairs++;
	fn_account(m, f);
	start_service(m, f, r, c);
}

/* The slot of a message that ended without finishing (an error, or a
 * duplicate whose twin goes on) is free: start the next. */
static void slot_freed(struct model *m, struct fn *f)
{
	fn_dispatch(m, f);
	if (!f->busy_slots && !fn_waiting(f) && !f->blocked.len && !f->idle)
		idle_begin(m, f);
}

/* Attempt i of its invocation failed (it is out of every queue and slot):
 * it is offered again after the backoff, or dead-lettered after
 * max_attempts; a dead-lettered message ends its branch of the job. */
static void msg_fail(struct model *m, struct fn *f, uint32_t i)
{
	struct msg *ms = msg_at(m, i);
	const struct cfg_function *c = f->cfg;
	unsigned fails = ms->fails + 1u;
	ms->serial = 0;
	if (fails >= (unsigned)c->max_attempts) {
		uint32_t j = ms->job;
		int entry = ms->entry;
		pool_put(&m->msgs, i);
		f->dead_letters++;
		job_at(m, j)->dead = 1;
		if (entry)
			entry_done(m, j);
		job_release(m, j);
		return;
	}
	ms->fails = (uint16_t)fails;
	ms->attempt = 0;
	f->retries++;
	f->retry_wait++;
	double d = c->backoff_s * pow(c->backoff_factor, (double)(fails - 1));
	if (d > c->backoff_max_s)
		d = c->backoff_max_s;
	if (c->jitter)
		d *= rng_uniform(f->r_retry);
	at(m, m->now + d, EV_RETRY, i, 0);
}

/* One copy of a speculated invocation ends without finishing: the other
 * goes on alone. */
static void twin_drop(struct model *m, uint32_t i)
{
	struct msg *ms = msg_at(m, i);
	msg_at(m, ms->twin)->twin = NIL;
	ms->twin = NIL;
	m->fn[ms->fn].spec_pairs--;
	ms->serial = 0;
	pool_put(&m->msgs, i);
}

static void on_done(struct model *m, uint32_t i, uint32_t serial)
{
	struct msg *ms = msg_at(m, i);
	if (ms->serial != serial)
		return;   /* freed by a crash */
	if (ms->cancelled) {
		ms->serial = 0;
		pool_put(&m->msgs, i);
		return;
	}
	struct fn *f = &m->fn[ms->fn];
	/* its replica, whose slot msg_finish releases, is as cold */
	__builtin_prefetch(&f->rep[ms->replica]);
	if (f->r_error && rng_uniform(f->r_error) < f->cfg->error_p) {
		f->errors++;
		rep_release_slot(m, f, (int)ms->replica);
		if (ms->twin != NIL)
			twin_drop(m, i);
		else
			msg_fail(m, f, i);
		slot_freed(m, f);
		return;
	}
	double svc = m->now - ms->t_start;
	f->svc_sum += svc;
	f->svc_sq += svc * svc;
	if (f->svc)
		hist_add(f->svc, svc);
	if (ms->twin != NIL)
		spec_settle(m, f, i);
	struct job *jb = job_at(m, ms->job);
	double lat = m->now - ms->t_enq;
	if (f->track_speed) {
		/* what a proxy in front of the replica sees: response times */
		struct replica *rp = &f->rep[ms->replica];
		rp->nobs++;
		double d = m->now - ms->t_start;
		rp->est_s = rp->est_s > 0 ? 0.8 * rp->est_s + 0.2 * d : d;
		f->est_s = f->est_s > 0 ? 0.95 * f->est_s + 0.05 * d : d;
	}
	f->completions++;
	f->latency_sum += lat;
	mon_observe_latency(m->mon, f->idx, lat);
	if (jb->recorded)
		hist_add(f->lat, lat);
	const struct cfg_function *c = f->cfg;
	if (c->nedges) {
		double k = c->outputs ? rng_round(f->r_outputs,
				dist_sample(c->outputs, f->r_outputs, jb->size)) : 1;
		uint32_t j = ms->job;
		uint32_t emitted = c->edge_mode == EDGES_BROADCAST
			? (uint32_t)k * (uint32_t)c->nedges : (uint32_t)k;
		jb->pending += emitted;
		f->outputs += emitted;
		/* pending raised first, so the job cannot finish in between */
		for (double n = 0; n < k && !m->failed; n++) {
			if (c->edge_mode == EDGES_BROADCAST) {
				for (int e = 0; e < c->nedges; e++)
					fn_offer(m, &m->fn[c->edges[e].to], j, 0, i);
			} else {
				double u = rng_uniform(f->r_branch), acc = 0;
				int e = 0;
				for (; e < c->nedges - 1; e++) {
					acc += c->edges[e].p;
					if (u < acc)
						break;
				}
				fn_offer(m, &m->fn[c->edges[e].to], j, 0, i);
			}
		}
	}
	ms = msg_at(m, i);
	if (ms->blocked == 0) {
		msg_finish(m, i);
	} else {
		fn_account(m, f);
		ms->held = 1;
		f->holding++;
	}
}

/* ----------------------------------------------------------- connector */

static int ring_grow(struct model *m, struct part *p)
{
	uint64_t cap = p->ring ? p->ring * 2 : 64;
	uint8_t *d = calloc(cap, 1);
	int keep = p->grouped;
	uint32_t *jobs = keep ? calloc(cap, sizeof *jobs) : NULL;
	double *sizes = keep ? calloc(cap, sizeof *sizes) : NULL;
	if (!d || (keep && (!jobs || !sizes))) {
		free(d);
		free(jobs);
		free(sizes);
		err_set(m->err, ERR_INTERNAL, "out of memory (offsets)");
		return fail(m);
	}
	for (uint64_t o = p->committed; o < p->next; o++) {
		d[o & (cap - 1)] = p->done[o & (p->ring - 1)];
		if (keep && p->jobs) {
			jobs[o & (cap - 1)] = p->jobs[o & (p->ring - 1)];
			sizes[o & (cap - 1)] = p->sizes[o & (p->ring - 1)];
		}
	}
	free(p->done);
	free(p->jobs);
	free(p->sizes);
	p->done = d;
	p->jobs = jobs;
	p->sizes = sizes;
	p->ring = cap;
	return 0;
}

static void part_pump_once(struct model *m, struct source *s, uint32_t pi,
			   long limit);
static void part_stall(struct model *m, struct source *s, uint32_t pi,
		       struct fn *f);

/* Same reentrancy rule as fn_dispatch. */
static void part_pump(struct model *m, struct source *s, uint32_t pi)
{
	struct part *p = &s->parts[pi];
	if (p->next >= p->released)   /* the common case after a commit */
		return;
	if (p->pumping) {
		p->repump = 1;
		return;
	}
	p->pumping = 1;
	do {
		p->repump = 0;
		part_pump_once(m, s, pi, -1);
	} while (p->repump && !m->failed);
	p->pumping = 0;
}

/* Dispatches released records, at most `limit` (< 0: no limit). Under
 * backpressure a partition that is not being served from a function's
 * waiting list queues behind the partitions already waiting there, so no
 * partition can keep the room that frees to itself. */
static void part_pump_once(struct model *m, struct source *s, uint32_t pi,
			   long limit)
{
	struct part *p = &s->parts[pi];
	const struct cfg_source *c = s->cfg;
	while (p->next < p->released && limit-- != 0 && !m->failed) {
		if (c->max_inflight && p->inflight >= (uint32_t)c->max_inflight)
			return;
		if (c->replicas_group && (p->paused || owner_of(m, s, p) < 0))
			return;   /* a rebalance, or its consumer is gone */
		if (s->blocks)
			for (int t = 0; t < c->ntargets; t++) {
				struct fn *f = &m->fn[c->targets[t]];
				if (f->cfg->on_full == FULL_BLOCK &&
				    (!fn_has_room(f) || (f->nwaiting && !p->serving))) {
					part_stall(m, s, pi, f);
					return;
				}
			}
		if (p->next - p->committed >= p->ring && ring_grow(m, p) != 0)
			return;
		uint32_t j = p->head;
		struct job *jb = job_at(m, j);
		p->head = jb->next;
		p->done[p->next & (p->ring - 1)] = OFF_INFLIGHT;
		if (p->jobs) {
			p->jobs[p->next & (p->ring - 1)] = j;
			p->sizes[p->next & (p->ring - 1)] = jb->size;
		}
		p->next++;
		p->inflight++;
		jb->entry_left = (uint32_t)c->ntargets;
		jb->pending = (uint32_t)c->ntargets;
		for (int t = 0; t < c->ntargets; t++)
			fn_offer(m, &m->fn[c->targets[t]], j, 1, NIL);
	}
}

/* Partition pi waits for room at f (backpressure on an entry function). */
static void part_stall(struct model *m, struct source *s, uint32_t pi,
		       struct fn *f)
{
	struct part *p = &s->parts[pi];
	if (p->waiting)
		return;
	fn_account(m, f);   /* backpressure time changes with nwaiting */
	if (f->nwaiting == f->capwaiting) {
		int cap = f->capwaiting ? f->capwaiting * 2 : 8;
		int *w = realloc(f->waiting_parts, (size_t)cap * 2 * sizeof *w);
		if (!w) {
			err_set(m->err, ERR_INTERNAL, "out of memory");
			fail(m);
			return;
		}
		f->waiting_parts = w;
		f->capwaiting = cap;
	}
	f->waiting_parts[2 * f->nwaiting] = (int)(s - m->src);
	f->waiting_parts[2 * f->nwaiting + 1] = (int)pi;
	f->nwaiting++;
	p->waiting = 1;
}

/* Room has freed at f: serve the waiting partitions one record each, in
 * the order they stalled, each going back to the tail while it has more,
 * until the room is gone (round robin: no partition starves). */
static void pump_waiting(struct model *m, struct fn *f)
{
	fn_account(m, f);
	int progress = 1;
	while (progress && f->nwaiting && fn_has_room(f) && !m->failed) {
		progress = 0;
		int n = f->nwaiting;
		for (int k = 0; k < n && f->nwaiting && fn_has_room(f) && !m->failed; k++) {
			struct source *s = &m->src[f->waiting_parts[0]];
			uint32_t pi = (uint32_t)f->waiting_parts[1];
			struct part *p = &s->parts[pi];
			f->nwaiting--;
			memmove(f->waiting_parts, f->waiting_parts + 2,
				(size_t)f->nwaiting * 2 * sizeof *f->waiting_parts);
			p->waiting = 0;
			if (p->pumping) {   /* its own loop is running: it resumes */
				p->repump = 1;
				continue;
			}
			uint64_t before = p->next;
			p->pumping = p->serving = 1;
			part_pump_once(m, s, pi, 1);
			p->pumping = p->serving = 0;
			if (p->next > before)
				progress = 1;
			int capped = s->cfg->max_inflight &&
				     p->inflight >= (uint32_t)s->cfg->max_inflight;
			if (!p->waiting && p->next < p->released && !capped)
				part_stall(m, s, pi, f);
		}
	}
}

/* Moves the committed offset over the records done or skipped. */
static void part_advance(struct source *s, struct part *p)
{
	uint64_t before = p->committed;
	while (p->committed < p->next &&
	       (p->done[p->committed & (p->ring - 1)] == OFF_DONE ||
		p->done[p->committed & (p->ring - 1)] == OFF_SKIP))
		p->committed++;
	s->committed += p->committed - before;
}

static void part_commit(struct model *m, struct source *s, uint32_t pi,
			uint64_t offset)
{
	struct part *p = &s->parts[pi];
	p->done[offset & (p->ring - 1)] = OFF_DONE;
	p->inflight--;
	part_advance(s, p);
	if (p->next < p->released)   /* else part_pump has nothing to do */
		part_pump(m, s, pi);
}

/* Releases the open batch; a timer armed for it is now stale (the next
 * batch arms its own, batch_wait_s after its first record). */
static void part_release(struct model *m, struct source *s, uint32_t pi)
{
	struct part *p = &s->parts[pi];
	p->released = p->log_end;
	p->timer = 0;
	p->batch_gen++;
	part_pump(m, s, pi);
}

static void on_batch(struct model *m, struct source *s, uint64_t ref)
{
	uint32_t pi = (uint32_t)ref;
	if (s->parts[pi].batch_gen != (uint32_t)(ref >> 32))
		return;
	part_release(m, s, pi);
}

/* Appends a record's bytes to the partition's active segment, rolling a
 * new one first when the active one is full or older than segment_s (as
 * a broker rolls on an append). Returns 0, or -1 out of memory. */
static int seg_append(struct model *m, const struct cfg_source *c,
		      struct part *p, double size)
{
	struct seg *a = p->seg_n
		? &p->segs[(p->seg_head + p->seg_n - 1) % p->seg_cap] : NULL;
	if (!a || m->now - a->t_first >= c->segment_s ||
	    (a->bytes > 0 && a->bytes + size > c->segment_bytes)) {
		if (p->seg_n == p->seg_cap) {
			uint32_t cap = p->seg_cap ? 2 * p->seg_cap : 4;
			struct seg *g = malloc(cap * sizeof *g);
			if (!g) {
				err_set(m->err, ERR_INTERNAL, "out of memory (segments)");
				return fail(m);
			}
			for (uint32_t i = 0; i < p->seg_n; i++)
				g[i] = p->segs[(p->seg_head + i) % p->seg_cap];
			free(p->segs);
			p->segs = g;
			p->seg_cap = cap;
			p->seg_head = 0;
		}
		a = &p->segs[(p->seg_head + p->seg_n++) % p->seg_cap];
		*a = (struct seg){ .base = p->log_end - 1, .t_first = m->now };
	}
	a->t_last = m->now;
	a->bytes += size;
	p->log_bytes += size;
	return 0;
}

static void append(struct model *m, struct source *s, const struct arrival *a)
{
	uint32_t j = pool_get(&m->jobs);
	if (j == NIL) {
		/* name the place: an overload (a rate far above what the
		 * functions serve, queues unbounded) is the usual cause */
		err_set(m->err, ERR_INTERNAL, "sources[%d] ('%s') at t = %.9g s: "
			"out of memory with %lu messages in flight (the load "
			"outruns the functions: bound queue_capacity or lower "
			"the rate)", (int)(s - m->src), s->cfg->topic, m->now,
			(unsigned long)m->jobs.live);
		fail(m);
		return;
	}
	const struct cfg_source *c = s->cfg;
	uint32_t pi;
	if (c->keys == KEYS_HASH && a->keyed)
		pi = (uint32_t)(a->key % (uint64_t)c->partitions);
	else
		pi = (uint32_t)(s->rr++ % (uint64_t)c->partitions);
	struct part *p = &s->parts[pi];
	struct job *jb = job_at(m, j);
	jb->t_append = m->now;
	jb->size = a->size;
	jb->offset = p->log_end++;
	jb->src = (uint32_t)(s - m->src);
	jb->part = pi;
	jb->next = NIL;
	jb->dropped = jb->dead = jb->dup = 0;
	jb->recorded = m->now >= m->cfg->warmup_s;
	jb->pending = 0;
	if (p->next == jb->offset)   /* nothing else waiting */
		p->head = j;
	else
		job_at(m, p->tail)->next = j;
	p->tail = j;
	if (c->retention && seg_append(m, c, p, a->size) != 0)
		return;
	sys_account(m);
	m->arrivals++;
	m->in_system++;
	s->appended++;
	if (c->batch_wait_s <= 0 ||
	    p->log_end - p->released >= (uint64_t)c->batch_max) {
		part_release(m, s, pi);
	} else if (!p->timer) {
		p->timer = 1;
		at(m, m->now + c->batch_wait_s, EV_BATCH, jb->src,
		   (uint64_t)pi | (uint64_t)p->batch_gen << 32);
	}
}

/* ------------------------------------------------------------- sources */

/* A linear scan: configs have a handful of sources; one with hundreds of
 * topics would want a small heap here. */
static void find_next_src(struct model *m)
{
	int best = -1;
	for (int i = 0; i < m->nsrc; i++) {
		const struct source *s = &m->src[i];
		if (s->armed && (best < 0 || s->t_next < m->src[best].t_next ||
				 (s->t_next == m->src[best].t_next &&
				  s->seq_next < m->src[best].seq_next)))
			best = i;
	}
	m->next_src = best;
}

static void src_schedule(struct model *m, struct source *s)
{
	int rc = arr_next(s->arr, &s->next, m->err);
	if (rc < 0)
		fail(m);
	s->armed = rc > 0;
	if (rc > 0) {
		s->t_next = s->next.t < m->now ? m->now : s->next.t;
		s->seq_next = evq_seq_take(m->q);
	} else if (rc == 0 && --m->sources_live == 0 && !m->in_system &&
		   !m->dup_live && isinf(m->end)) {
		m->stop = 1;
	}
	if (m->nsrc == 1)
		m->next_src = s->armed ? 0 : -1;
	else
		find_next_src(m);
}

static void on_arrival(struct model *m, struct source *s)
{
	append(m, s, &s->next);
	src_schedule(m, s);
}

/* ------------------------------------------------------------- retention */

/* Ends a record that retention deleted before anyone fetched it. */
static void job_expire(struct model *m, struct source *s, uint32_t j)
{
	sys_account(m);
	m->in_system--;
	m->expired++;
	s->expired++;
	pool_put(&m->jobs, j);
	if (!m->sources_live && !m->in_system && !m->dup_live && isinf(m->end))
		m->stop = 1;
}

/* The consumer's position fell below the log start: it resumes at `to`
 * (the log start, or the log end with offset_reset latest), and the
 * records it skips are lost. They commit as if done once the records
 * before them have (a position past them is what a consumer commits). */
static void part_skip_to(struct model *m, struct source *s, uint32_t pi,
			 uint64_t to)
{
	struct part *p = &s->parts[pi];
	uint64_t from = p->next;
	if (to <= from)
		return;
	if (p->committed < from) {   /* records in flight before: mark */
		while (to - p->committed > p->ring)
			if (ring_grow(m, p) != 0)
				return;
		for (uint64_t o = from; o < to; o++)
			p->done[o & (p->ring - 1)] = OFF_SKIP;
	} else {
		s->committed += to - p->committed;
		p->committed = to;
	}
	for (uint64_t o = from; o < to; o++) {
		uint32_t j = p->head;
		p->head = job_at(m, j)->next;
		job_expire(m, s, j);
	}
	p->next = to;
	if (p->released < to)
		p->released = to;
}

/* The log cleaner's check on every partition of s: the oldest segments go
 * while their newest record is older than time_s, or while the log
 * without them still holds `bytes`. The active segment goes too when it
 * qualifies (the broker rolls a new one first), but never an empty log. */
static void on_retention(struct model *m, struct source *s)
{
	const struct cfg_source *c = s->cfg;
	for (uint32_t pi = 0; pi < (uint32_t)c->partitions && !m->failed; pi++) {
		struct part *p = &s->parts[pi];
		while (p->seg_n) {
			struct seg *g = &p->segs[p->seg_head];
			int old = m->now - g->t_last > c->retention_s;
			int big = c->retention_bytes > 0 &&
				  p->log_bytes - g->bytes >= c->retention_bytes;
			if (!old && !big)
				break;
			p->log_bytes -= g->bytes;
			p->seg_head = (p->seg_head + 1) % p->seg_cap;
			p->seg_n--;
			p->log_start = p->seg_n ? p->segs[p->seg_head].base : p->log_end;
		}
		if (p->next < p->log_start)
			part_skip_to(m, s, pi, c->reset_latest ? p->log_end
							       : p->log_start);
	}
	at(m, m->now + c->retention_check_s, EV_RETENTION, (uint32_t)(s - m->src), 0);
}

/* ------------------------------------------------------- consumer groups */

static int owner_of(const struct model *m, const struct source *s,
		    const struct part *p)
{
	if (p->owner < 0)
		return -1;
	const struct replica *rp = &m->fn[s->cfg->targets[0]].rep[p->owner];
	return rp->gen == p->owner_gen && rp->state == REP_READY ? p->owner : -1;
}

/* The group's members, f's READY replicas in index order, into
 * m->members[0, n); then m->members[caprep + r] = position of replica r
 * (-1: not a member) and m->members[2 caprep + k], a count per member.
 * Returns n, or -1 when memory runs out. */
static int group_members(struct model *m, const struct fn *f)
{
	if (m->capmembers < 3 * f->caprep) {
		int *x = realloc(m->members, (size_t)(3 * f->caprep) * sizeof *x);
		if (!x) {
			err_set(m->err, ERR_INTERNAL, "out of memory (consumer group)");
			return fail(m);
		}
		m->members = x;
		m->capmembers = 3 * f->caprep;
	}
	int n = 0, *pos = m->members + f->caprep;
	for (int r = 0; r < f->nrep; r++) {
		pos[r] = -1;
		if (f->rep[r].state == REP_READY) {
			pos[r] = n;
			m->members[n++] = r;
		}
	}
	return n;
}

static void set_owner(struct part *p, const struct fn *f, int r)
{
	p->owner = r;
	p->owner_gen = r >= 0 ? f->rep[r].gen : 0;
}

/* Cooperative (sticky) assignment: member k may own P/n partitions, one
 * more for the first P mod n; a partition stays with its owner while the
 * owner is a member under its quota, the others move to members with room
 * and pause until the rebalance ends. Returns how many moved. */
static int assign_sticky(struct model *m, struct source *s, const struct fn *f, int n)
{
	int P = s->cfg->partitions, moved = 0;
	if (n == 0) {
		for (int i = 0; i < P; i++)
			set_owner(&s->parts[i], f, -1);
		return 0;
	}
	int *pos = m->members + f->caprep, *cnt = m->members + 2 * f->caprep;
	int lo = P / n, extra = P % n;
	for (int k = 0; k < n; k++)
		cnt[k] = 0;
	for (int i = 0; i < P; i++) {
		struct part *p = &s->parts[i];
		int r = owner_of(m, s, p), k = r >= 0 ? pos[r] : -1;
		if (k >= 0 && cnt[k] < lo + (k < extra))
			cnt[k]++;
		else
			set_owner(p, f, -1);
	}
	for (int i = 0, k = 0; i < P; i++) {
		struct part *p = &s->parts[i];
		if (p->owner >= 0)
			continue;
		while (cnt[k] >= lo + (k < extra))
			k++;
		cnt[k]++;
		set_owner(p, f, m->members[k]);
		p->paused = 1;
		moved++;
	}
	return moved;
}

/* Membership changed: a rebalance starts (or restarts, if one is under
 * way). Eager: every partition stops until it ends and is then assigned
 * round robin; cooperative: only the partitions that move stop. */
static void group_changed(struct model *m, struct source *s)
{
	const struct cfg_source *c = s->cfg;
	const struct fn *f = &m->fn[c->targets[0]];
	int n = group_members(m, f), paused = 0;
	if (n < 0)
		return;
	if (c->cooperative) {
		paused = assign_sticky(m, s, f, n);
	} else {
		for (int i = 0; i < c->partitions; i++)
			s->parts[i].paused = 1;
		paused = c->partitions;
	}
	if (!s->rebalancing) {
		s->rebalancing = 1;
		s->t_reb = m->now;
	}
	s->reb_gen++;
	at(m, m->now + dist_sample(c->rebalance_s, s->r_reb, 0), EV_REBALANCE,
	   (uint32_t)(s - m->src), s->reb_gen);
	if (m->rec && rec_group_event(m->rec, m->run_id, m->now, c->topic, "rebalance",
				      n, paused, m->err) != 0)
		fail(m);
}

static void group_note(struct model *m, struct fn *f, int crashed)
{
	for (int i = 0; i < m->nsrc && !m->failed; i++) {
		struct source *s = &m->src[i];
		if (!s->cfg->replicas_group || s->cfg->targets[0] != f->idx)
			continue;
		if (crashed) {   /* the group notices when the session expires */
			double t = m->now + s->cfg->session_timeout_s;
			if (t > s->dead_until)
				s->dead_until = t;
			at(m, t, EV_GROUP, (uint32_t)i, 0);
		}
		else
			group_changed(m, s);
	}
}

/* The partition's consumer crashed: its new owner reads it again from the
 * committed offset. A record whose invocation died with the consumer is
 * offered again (the same job); one already processed, or still being
 * processed by a former owner, is processed twice: a duplicate job, which
 * commits nothing and is outside the job counts. */
static void redeliver(struct model *m, struct source *s, uint32_t pi)
{
	struct part *p = &s->parts[pi];
	struct fn *f = &m->fn[s->cfg->targets[0]];
	uint64_t end = p->next;
	p->rewind = 0;
	m->redelivering = 1;
	for (uint64_t o = p->committed; o < end && !m->failed; o++) {
		uint64_t k = o & (p->ring - 1);
		if (p->done[k] == OFF_SKIP)
			continue;
		if (o < p->log_start) {
			/* deleted: the consumer resets past it; what died with
			 * the old consumer is lost, nothing is read twice (what
			 * is done or still in service commits as it would) */
			if (p->done[k] == OFF_LOST) {
				p->done[k] = OFF_SKIP;
				f->awaiting--;
				job_expire(m, s, p->jobs[k]);
			}
			continue;
		}
		s->redeliveries++;
		if (p->done[k] == OFF_LOST) {
			p->done[k] = OFF_INFLIGHT;
			f->awaiting--;
			fn_admit(m, f, p->jobs[k], 1, NIL, 0, 0);
			continue;
		}
		uint32_t j = pool_get(&m->jobs);
		if (j == NIL) {
			err_set(m->err, ERR_INTERNAL, "out of memory (redelivered messages)");
			fail(m);
			break;
		}
		*job_at(m, j) = (struct job){
			.t_append = m->now, .size = p->sizes[o & (p->ring - 1)],
			.offset = o, .pending = 1, .entry_left = 1,
			.src = (uint32_t)(s - m->src), .part = pi, .next = NIL, .dup = 1,
		};
		m->dup_live++;
		s->duplicates++;
		fn_offer(m, f, j, 1, NIL);
	}
	m->redelivering = 0;
	part_advance(s, p);
}

static void on_rebalance(struct model *m, struct source *s, uint64_t gen)
{
	const struct cfg_source *c = s->cfg;
	if ((uint32_t)gen != s->reb_gen)
		return;   /* restarted by a later change */
	if (m->now < s->dead_until) {
		at(m, s->dead_until, EV_REBALANCE, (uint32_t)(s - m->src), gen);
		return;
	}
	const struct fn *f = &m->fn[c->targets[0]];
	int n = group_members(m, f);
	if (n < 0)
		return;
	if (!c->cooperative)
		for (int i = 0; i < c->partitions; i++)
			set_owner(&s->parts[i], f, n ? m->members[i % n] : -1);
	s->rebalancing = 0;
	s->a_reb += m->now - s->t_reb;
	s->rebalances++;
	if (m->rec && rec_group_event(m->rec, m->run_id, m->now, c->topic, "assigned",
				      n, 0, m->err) != 0) {
		fail(m);
		return;
	}
	for (uint32_t i = 0; i < (uint32_t)c->partitions && !m->failed; i++) {
		struct part *p = &s->parts[i];
		p->paused = 0;
		if (p->rewind && owner_of(m, s, p) >= 0)
			redeliver(m, s, i);
		part_pump(m, s, i);
	}
}

/* ------------------------------------------------ monitor and autoscaler */

static long fn_lag(const struct model *m, const struct fn *f)
{
	long lag = 0;
	for (int i = 0; i < m->nsrc; i++) {
		const struct source *s = &m->src[i];
		for (int t = 0; t < s->cfg->ntargets; t++)
			if (s->cfg->targets[t] == f->idx)
				lag += (long)(s->appended - s->committed);
	}
	return lag;
}

static uint64_t fn_source_appends(const struct model *m, const struct fn *f)
{
	uint64_t n = 0;
	for (int i = 0; i < m->nsrc; i++)
		for (int t = 0; t < m->src[i].cfg->ntargets; t++)
			if (m->src[i].cfg->targets[t] == f->idx)
				n += m->src[i].appended;
	return n;
}

/* Room in the scratch array for one value per replica of f. Returns 0, or
 * -1 when memory runs out (callers then skip an optional computation). */
static int scratch_fit(struct model *m, const struct fn *f)
{
	if (m->capscratch >= f->caprep)
		return 0;
	double *x = realloc(m->scratch, (size_t)f->caprep * sizeof *x);
	if (!x)
		return -1;
	m->scratch = x;
	m->capscratch = f->caprep;
	return 0;
}

/* Replacing slow replicas (cluster.replace_slow): READY replicas whose
 * observed service time is over ratio x the median of those observed
 * enough are drained, each replaced by a new replica placed on another
 * node if one has room. The count stays; the new one pays a cold start. */
static void replace_slow(struct model *m, struct fn *f)
{
	const struct cfg_cluster *cc = &m->cfg->cluster;
	if (f->n_ready < 3)
		return;
	if (scratch_fit(m, f) != 0)
		return;   /* no replacement this scrape */
	int n = 0;
	for (int r = 0; r < f->nrep; r++)
		if (f->rep[r].state == REP_READY &&
		    f->rep[r].nobs >= (uint32_t)cc->replace_min_samples)
			m->scratch[n++] = f->rep[r].est_s;
	if (n < 3)
		return;
	double cut = cc->replace_ratio * stats_median(m->scratch, (size_t)n);
	for (int r = 0; r < f->nrep && !m->failed; r++) {
		struct replica *rp = &f->rep[r];
		if (rp->state != REP_READY || rp->nobs < (uint32_t)cc->replace_min_samples ||
		    !(rp->est_s > cut))
			continue;
		fn_account(m, f);
		int node = rp->node;
		rep_unready(m, f, r);
		if (rp->busy == 0 && rp->rq.len == 0) {
			rep_gone(m, f, r);
		} else {
			rp->state = REP_DRAINING;
			f->busy_ready -= rp->busy;
			f->n_draining++;
		}
		f->replaced++;
		m->avoid = node;
		rep_start(m, f);
		m->avoid = -1;
	}
	fn_dispatch(m, f);
}

/* A backlog grows the job and message pools to its size; once it has
 * drained, the few thousand items in flight would be drawn from free
 * stacks scattered over the whole pool (tens of MB after a ramp), a cache
 * and TLB miss per item: ~10% of the run time after the demo's ramp at
 * 516x. Tidied once per growth, they pack into the bottom of the pool. */
static void tidy_pools(struct model *m)
{
	struct pool *p[2] = { &m->jobs, &m->msgs };
	for (int k = 0; k < 2; k++)
		if (p[k]->cap != m->tidied[k] && p[k]->nfree >= 65536 &&
		    p[k]->nfree / 8 > p[k]->live) {
			pool_tidy(p[k]);
			m->tidied[k] = p[k]->cap;
		}
}

/* Samples the monitor if a scrape is due now. A decision at the same
 * instant as a scrape calls this first, so it always sees that scrape,
 * whatever order the two events were pushed in; the scrape event itself
 * then finds nothing due. */
static void on_scrape(struct model *m)
{
	if (m->next_scrape > m->now)
		return;
	tidy_pools(m);
	for (int i = 0; i < m->nfn; i++) {
		struct fn *f = &m->fn[i];
		fn_account(m, f);
		double *v = m->mon_values + (size_t)i * MON_NMETRICS;
		v[MON_ARRIVALS] = (double)f->arrivals;
		v[MON_COMPLETIONS] = (double)f->completions;
		v[MON_DROPS] = (double)f->drops;
		v[MON_COLD_STARTS] = (double)f->cold_starts;
		v[MON_BUSY_TIME] = f->a_busy;
		v[MON_READY_BUSY_TIME] = f->a_busy_ready;
		v[MON_QUEUE_TIME] = f->a_queue;
		v[MON_READY_TIME] = f->a_ready;
		v[MON_LATENCY_SUM] = f->latency_sum;
		v[MON_SOURCE_APPENDS] = (double)fn_source_appends(m, f);
		v[MON_OUTPUTS] = (double)f->outputs;
		v[MON_BACKPRESSURE_TIME] = f->a_backpressure;
		v[MON_THROTTLES] = (double)f->throttles;
		v[MON_USEFUL_TIME] = f->a_useful;
		v[MON_SERVICE_SUM] = f->svc_sum;
		v[MON_SERVICE_SQ_SUM] = f->svc_sq;
		v[MON_QUEUE] = (double)fn_waiting(f);
		v[MON_INFLIGHT] = (double)f->busy_slots;
		v[MON_READY] = f->n_ready;
		v[MON_PENDING] = f->n_pending;
		v[MON_DRAINING] = f->n_draining;
		v[MON_LAG] = (double)fn_lag(m, f);
		if (f->svc && hist_count(f->svc) >= (uint64_t)m->cfg->cluster.spec_min_samples) {
			const struct cfg_cluster *cc = &m->cfg->cluster;
			f->spec_timeout = cc->spec_q > 0 ? hist_quantile(f->svc, cc->spec_q)
				: cc->spec_k * hist_quantile(f->svc, 0.5);
		}
	}
	mon_push(m->mon, m->now, m->mon_values);
	for (int i = 0, k = 0; i < m->nsrc; i++)
		for (int p = 0; p < m->src[i].cfg->partitions; p++, k++) {
			const struct part *pt = &m->src[i].parts[p];
			m->offsets[k] = (int64_t)pt->log_end;
			m->offsets[m->nparts + k] = (int64_t)pt->committed;
		}
	if (m->cfg->cluster.replace_ratio > 0)
		for (int i = 0; i < m->nfn && !m->failed; i++)
			replace_slow(m, &m->fn[i]);
	m->next_scrape = m->now + m->cfg->scrape_interval_s;
	at(m, m->next_scrape, EV_SCRAPE, 0, 0);
}

/* Slow replicas as response times show them: READY replicas with an
 * observation, against the median of those. */
static void replica_speeds(struct model *m, const struct fn *f, struct fn_view *v)
{
	v->slow_replicas = 0;
	v->slowest_ratio = 1;
	v->mean_speed = 1;
	if (!f->track_speed || f->lb == LB_CENTRAL || f->nrl == 0)
		return;
	if (scratch_fit(m, f) != 0)
		return;   /* the view stays "unknown" */
	int n = 0;
	double slowest = 0;
	for (int k = 0; k < f->nrl; k++) {
		double e = f->rep[f->rl[k]].est_s;
		if (e > 0) {
			m->scratch[n++] = e;
			if (e > slowest)
				slowest = e;
		}
	}
	if (n == 0)
		return;
	double med = stats_median(m->scratch, (size_t)n);
	if (!(med > 0))
		return;
	double lost = 0;   /* capacity the slow ones lack, in replicas */
	for (int k = 0; k < n; k++)
		if (m->scratch[k] > 2 * med) {
			v->slow_replicas++;
			lost += 1 - med / m->scratch[k];
		}
	v->slowest_ratio = slowest / med;
	v->mean_speed = 1 - lost / f->nrl;
}

static void fill_views(struct model *m)
{
	for (int i = 0; i < m->nfn; i++) {
		struct fn *f = &m->fn[i];
		struct fn_view *v = &m->views[i];
		v->target = f->spec;
		v->ready = f->n_ready;
		v->pending = f->n_pending;
		v->draining = f->n_draining;
		v->held_at_zero = f->n_ready ? 0 : fn_waiting(f);
		v->unplaced = f->n_unplaced;
		replica_speeds(m, f, v);
	}
	struct cluster_view *cv = &m->cluster_view;
	cv->nodes = cluster_nodes(m->cl);
	cluster_capacity(m->cl, &cv->nodes_up, &cv->slots_total, &cv->slots_free);
}

/* One decision round; returns whether any target changed. */
static int decide_round(struct model *m)
{
	on_scrape(m);
	fill_views(m);
	struct scale_view view = {
		.now = m->now, .nfn = m->nfn, .fn = m->views, .mon = m->mon,
		.cluster = &m->cluster_view,
		.ntopics = m->nsrc, .topics = m->topic_views,
	};
	if (m->la) {
		if (la_advance(m->la, m->now, m->err) != 0) {
			fail(m);
			return 0;
		}
		view.oracle = &m->oracle;
	}
	as_decide(m->as, &view, m->decisions);
	if (as_failed(m->as, m->err)) {
		fail(m);
		return 0;
	}
	int changed = 0;
	char json[1024];
	for (int i = 0; i < m->nfn && !m->failed; i++) {
		struct fn *f = &m->fn[i];
		struct scale_decision *d = &m->decisions[i];
		if (!f->cfg->managed)
			continue;
		if (m->rec && rec_decision(m->rec, m->run_id, m->now, f->cfg->name,
					   f->spec, d->desired, d->reason,
					   as_observed_json(d, json, sizeof json),
					   m->err) != 0) {
			fail(m);
			return 0;
		}
		if (d->desired != f->spec) {
			changed = 1;
			f->spec = d->desired;
			at(m, m->now + m->cfg->actuation_delay_s, EV_ACTUATE,
			   (uint32_t)i, (uint64_t)d->desired);
		}
	}
	return changed;
}

static void on_decide(struct model *m)
{
	int changed = decide_round(m);
	if (m->failed)
		return;
	/* After the sources end, a system that cannot drain (no replicas and
	 * a policy that will not add any) would tick forever: stop after a few
	 * decision rounds that changed nothing while no other event (service,
	 * cold start, timer, actuation) was pending. */
	if (!m->sources_live && isinf(m->end) && !changed && !m->nonperiodic) {
		if (++m->quiet_rounds >= 5)
			m->stop = 1;
	} else {
		m->quiet_rounds = 0;
	}
	at(m, m->now + as_interval(m->as), EV_DECIDE, 0, 0);
}

static void node_timeline(struct model *m);
static void partition_timeline(struct model *m);

static void on_timeline(struct model *m)
{
	double dt = m->now - m->tl_last;
	for (int i = 0; i < m->nfn && !m->failed; i++) {
		struct fn *f = &m->fn[i];
		struct rec_timeline_row row = {
			.t = m->now,
			.function = f->cfg->name,
			.pending = f->n_pending,
			.ready = f->n_ready,
			.busy = f->n_busy_rep,
			.draining = f->n_draining,
			.queue_len = fn_waiting(f) + f->blocked.len,
			.inflight = f->busy_slots,
			.arrival_rate = dt > 0 ? (double)f->tl_arrivals / dt : 0,
			.lag = fn_lag(m, f),
		};
		f->tl_arrivals = 0;
		if (m->rec && rec_timeline(m->rec, m->run_id, &row, m->err) != 0)
			fail(m);
	}
	if (m->rec) {
		node_timeline(m);
		if (m->cfg->partition_timeline)
			partition_timeline(m);
	}
	m->tl_last = m->now;
	at(m, m->now + m->cfg->timeline_interval_s, EV_TIMELINE, 0, 0);
}

static void on_keepalive(struct model *m, struct fn *f, uint64_t ref)
{
	int r = (int)(uint32_t)ref;
	struct replica *rp = &f->rep[r];
	if (rp->gen != (uint32_t)(ref >> 32))
		return;
	rp->ka_armed = 0;
	if (rp->state != REP_READY || rp->busy)
		return;  /* re-armed when it next goes idle */
	double expiry = rp->t_idle + f->ka_s;
	if (m->now < expiry) {
		rp->ka_armed = 1;
		at(m, expiry, EV_KEEPALIVE, (uint32_t)f->idx, ref);
		return;
	}
	/* Keep-alive reclaims idle replicas down to min_replicas, and never
	 * below what a policy has decided (spec): otherwise the two would undo
	 * each other, a cold start per decision interval. */
	int floor = f->cfg->min_replicas;
	if (f->cfg->managed && !f->ka_floor_min && f->spec > floor)
		floor = f->spec;
	if (f->n_pending + f->n_ready <= floor)
		return;
	f->unloads++;
	fn_account(m, f);
	rep_unready(m, f, r);
	rep_gone(m, f, r);
	if (f->target > f->n_pending + f->n_ready)
		f->target = f->n_pending + f->n_ready;
	if (!f->cfg->managed && f->spec > f->target)
		f->spec = f->target;
}

static void on_ready(struct model *m, struct fn *f, uint64_t ref)
{
	int r = (int)(uint32_t)ref;
	if (f->rep[r].gen != (uint32_t)(ref >> 32) ||
	    f->rep[r].state != REP_PENDING)
		return;
	fn_account(m, f);
	f->n_pending--;
	rep_become_ready(m, f, r);
	fn_dispatch(m, f);
}

/* ---------------------------------------------------------------- crashes */

static int lost_push(struct model *m, size_t *n, uint32_t i)
{
	if (*n == m->caplost) {
		size_t cap = m->caplost ? m->caplost * 2 : 64;
		uint32_t *l = realloc(m->lost, cap * sizeof *l);
		if (!l) {
			err_set(m->err, ERR_INTERNAL, "out of memory (crash)");
			return fail(m);
		}
		m->lost = l;
		m->caplost = cap;
	}
	m->lost[(*n)++] = i;
	return 0;
}

/* Message i died with its replica. When that replica was its consumer
 * (a consumer group of replicas), nobody retries it: the record is
 * re-read from Kafka once its partition has a new owner (redeliver). A
 * duplicate is just gone: its offset is re-read anyway. Returns 1 when
 * the message was the group's to handle. */
static int consumer_lost(struct model *m, struct fn *f, uint32_t i)
{
	struct msg *ms = msg_at(m, i);
	if (!f->group || !ms->entry)
		return 0;
	uint32_t j = ms->job;
	struct job *jb = job_at(m, j);
	struct source *s = &m->src[jb->src];
	if (!s->cfg->replicas_group)
		return 0;
	ms->serial = 0;
	pool_put(&m->msgs, i);
	if (jb->dup) {
		entry_done(m, j);
		job_release(m, j);
		return 1;
	}
	struct part *p = &s->parts[jb->part];
	p->done[jb->offset & (p->ring - 1)] = OFF_LOST;
	p->rewind = 1;
	f->redelivered++;
	f->awaiting++;
	return 1;
}

/* Replica r of f dies now. What it was serving or had queued fails (a
 * speculated copy just ends, its twin goes on); a message that had
 * finished and was holding its slot for blocked outputs keeps waiting
 * for them, with no slot. The replica leaves every count before any
 * message is failed, since failing can cascade into new dispatches. */
static void rep_crash(struct model *m, struct fn *f, int r)
{
	struct replica *rp = &f->rep[r];
	size_t n = 0;
	long held = 0;
	/* in service: found by scanning the messages (crashes are rare; a
	 * per-replica list would cost every service start) */
	for (uint32_t i = 0; i < m->msgs.used; i++) {
		struct msg *ms = msg_at(m, i);
		if (!ms->serial || ms->cancelled || ms->fn != (uint32_t)f->idx ||
		    ms->replica != (uint32_t)r)
			continue;
		if (ms->held) {
			ms->replica = REP_LOST;
			held++;
		} else if (lost_push(m, &n, i) != 0) {
			return;
		}
	}
	size_t nserving = n;
	for (uint32_t i = rp->rq.head; rp->rq.len && i != NIL; i = msg_at(m, i)->next)
		if (lost_push(m, &n, i) != 0)
			return;
	fn_account(m, f);
	m->crashing = 1;
	f->replica_crashes++;
	f->busy_slots -= rp->busy;
	f->holding -= held;
	f->rq_len -= rp->rq.len;
	if (rp->busy)
		f->n_busy_rep--;
	switch (rp->state) {
	case REP_READY:
		f->busy_ready -= rp->busy;
		rep_unready(m, f, r);
		break;
	case REP_DRAINING:
		f->n_draining--;
		break;
	case REP_PENDING:
		f->n_pending--;
		break;
	}
	m->crashing = 0;
	rp->busy = 0;
	rp->rq = (struct fifo){ .head = NIL, .tail = NIL };
	rep_gone(m, f, r);
	for (size_t k = 0; k < n && !m->failed; k++) {
		uint32_t i = m->lost[k];
		f->crash_lost++;
		if (k < nserving && msg_at(m, i)->twin != NIL)
			twin_drop(m, i);
		else if (!consumer_lost(m, f, i))
			msg_fail(m, f, i);
	}
	if (f->on_demand) {
		/* per-request platforms start environments for requests, not to
		 * a count: the next request that finds none starts one */
		f->target = f->n_pending + f->n_ready;
		if (!f->cfg->managed)
			f->spec = f->target;
	}
	slot_freed(m, f);
}

static void on_crash(struct model *m, struct fn *f, uint64_t ref)
{
	int r = (int)(uint32_t)ref;
	if (f->rep[r].gen != (uint32_t)(ref >> 32) || f->rep[r].state == REP_GONE)
		return;
	rep_crash(m, f, r);
	if (!f->on_demand)
		at(m, m->now + f->cfg->restart_s, EV_RESTORE, (uint32_t)f->idx, 0);
}

/* The control plane replaces what crashed: back to the target the
 * function is being reconciled to. */
static void on_restore(struct model *m, struct fn *f)
{
	if (f->n_pending + f->n_ready < f->target)
		fn_scale_to(m, f, f->target);
}

static void on_node(struct model *m, int k, enum node_ev what)
{
	const struct cfg_cluster *cc = &m->cfg->cluster;
	int crash = what == NODE_CRASH || what == NODE_SCHED_CRASH;
	double repair = 0;
	if (crash) {
		/* down first: what the crash cascades into (a dead letter
		 * commits, the partition offers more, an on-demand function
		 * starts a replica) must not place anything here */
		int was_up = cluster_up(m->cl, k);
		cluster_node_down(m->cl, k, m->now);
		for (int i = 0; i < m->nfn && !m->failed; i++) {
			struct fn *f = &m->fn[i];
			int hit = 0;
			for (int r = 0; r < f->nrep && !m->failed; r++)
				if (f->rep[r].state != REP_GONE && f->rep[r].node == k) {
					rep_crash(m, f, r);
					hit = 1;
				}
			if (hit && !f->on_demand)
				at(m, m->now + cc->detect_s, EV_RESTORE, (uint32_t)i, 0);
		}
		if (what == NODE_CRASH) {
			repair = cluster_repair_time(m->cl);
			at(m, m->now + repair, EV_NODE, (uint32_t)k, NODE_REPAIR);
		}
		if (!was_up)
			return;   /* already down: one outage, no event */
	} else {
		if (what == NODE_REPAIR)
			at(m, m->now + cluster_next_crash(m->cl), EV_NODE, (uint32_t)k,
			   NODE_CRASH);
		if (!cluster_node_up(m->cl, k, m->now))
			return;   /* still down for the other cause */
		m->place_due = m->nunplaced > 0;
	}
	if (m->rec && rec_node_event(m->rec, m->run_id, m->now, k,
				     crash ? "down" : "up", repair, m->err) != 0)
		fail(m);
}

/* A straggler episode starts (begin = 1) or ends on node k; the next onset
 * is drawn when it ends (onsets are a Poisson process over the time the
 * node is not slow). Messages already in service keep the speed they
 * started at. */
static void on_slow(struct model *m, int k, int begin)
{
	m->a_slow += m->nslow * (m->now - m->t_slow);
	m->t_slow = m->now;
	double factor = 1;
	if (begin) {
		double d = cluster_slow_begin(m->cl, k, &factor);
		m->nslow++;
		at(m, m->now + d, EV_SLOW, (uint32_t)k, 0);
	} else {
		cluster_slow_end(m->cl, k);
		m->nslow--;
		at(m, m->now + cluster_next_onset(m->cl), EV_SLOW, (uint32_t)k, 1);
	}
	if (m->rec && rec_node_event(m->rec, m->run_id, m->now, k,
				     begin ? "slow" : "fast", factor, m->err) != 0)
		fail(m);
}

static void node_timeline(struct model *m)
{
	for (int k = 0; k < cluster_nodes(m->cl) && !m->failed; k++) {
		struct rec_node_row row = {
			.t = m->now, .node = k, .cls = cluster_class(m->cl, k),
			.up = cluster_up(m->cl, k), .speed = cluster_speed(m->cl, k),
			.replicas = cluster_replicas(m->cl, k),
			.slots_used = cluster_slots_used(m->cl, k),
		};
		if (rec_node_timeline(m->rec, m->run_id, &row, m->err) != 0)
			fail(m);
	}
}

static void partition_timeline(struct model *m)
{
	for (int i = 0; i < m->nsrc && !m->failed; i++) {
		const struct source *s = &m->src[i];
		for (int p = 0; p < s->cfg->partitions && !m->failed; p++) {
			struct rec_partition_row row = {
				.t = m->now, .topic = s->cfg->topic, .partition = p,
				.end_offset = (int64_t)s->parts[p].log_end,
				.committed = (int64_t)s->parts[p].committed,
				.paused = s->parts[p].paused,
			};
			if (rec_partition_timeline(m->rec, m->run_id, &row,
						   m->err) != 0)
				fail(m);
		}
	}
}

/* ---------------------------------------------------------------- build */

static int apply_platform(struct model *m);

static struct rng *stream(struct model *m, const char *kind, const char *name,
			  const char *what)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s/%s/%s", kind, name, what);
	struct rng *r = rng_new(m->cfg->seed, buf, m->cfg->rng_type);
	if (!r) {
		err_set(m->err, ERR_INTERNAL, "cannot create random stream %s", buf);
		fail(m);
	}
	return r;
}

static int build_fn(struct model *m, int i)
{
	struct fn *f = &m->fn[i];
	const struct cfg_function *c = &m->cfg->functions[i];
	f->cfg = c;
	f->idx = i;
	f->queue.head = f->blocked.head = NIL;
	f->lat = hist_new();
	f->r_service = stream(m, "fn", c->name, "service");
	f->r_cold = stream(m, "fn", c->name, "cold_start");
	f->r_outputs = stream(m, "fn", c->name, "outputs");
	f->r_branch = stream(m, "fn", c->name, "branch");
	f->r_lb = stream(m, "fn", c->name, "lb");
	f->r_io = stream(m, "fn", c->name, "object_store");
	if (c->replica_ttf)
		f->r_crash = stream(m, "fn", c->name, "crash");
	if (c->error_p > 0)
		f->r_error = stream(m, "fn", c->name, "error");
	if (c->jitter)
		f->r_retry = stream(m, "fn", c->name, "retry");
	if (c->replica_ttf || c->error_p > 0)
		m->failures_on = 1;
	if (m->cfg->cluster.speculate && !(f->svc = hist_new())) {
		err_set(m->err, ERR_INTERNAL, "out of memory");
		return fail(m);
	}
	/* a per-request platform gives each request a free environment */
	f->lb = c->on_demand ? LB_CENTRAL : m->cfg->cluster.lb;
	f->track_speed = f->lb == LB_SPEED_AWARE || m->cfg->cluster.replace_ratio > 0;
	f->on_demand = c->on_demand;
	f->ka_s = c->keep_alive_s;
	f->children = calloc((size_t)c->nedges + 1, sizeof *f->children);
	f->parents = calloc((size_t)m->cfg->nfunctions + 1, sizeof *f->parents);
	if (!f->lat || !f->children || !f->parents || m->failed) {
		err_set(m->err, ERR_INTERNAL, "out of memory");
		return fail(m);
	}
	for (int e = 0; e < c->nedges; e++)
		f->children[f->nchildren++] = c->edges[e].to;
	for (int p = 0; p < m->cfg->nfunctions; p++) {
		const struct cfg_function *pc = &m->cfg->functions[p];
		for (int e = 0; e < pc->nedges; e++)
			if (pc->edges[e].to == i) {
				f->parents[f->nparents++] = p;
				break;
			}
	}
	for (int s = 0; s < m->cfg->nsources; s++)
		for (int t = 0; t < m->cfg->sources[s].ntargets; t++)
			if (m->cfg->sources[s].targets[t] == i)
				f->partitions += m->cfg->sources[s].partitions;
	return 0;
}

static int build_src(struct model *m, int i)
{
	struct source *s = &m->src[i];
	const struct cfg_source *c = &m->cfg->sources[i];
	s->cfg = c;
	s->parts = calloc((size_t)c->partitions, sizeof *s->parts);
	for (int t = 0; t < c->ntargets; t++)
		if (m->cfg->functions[c->targets[t]].on_full == FULL_BLOCK)
			s->blocks = 1;
	if (m->failed || !s->parts) {
		err_set(m->err, ERR_INTERNAL, "out of memory");
		return fail(m);
	}
	if (c->replicas_group) {
		struct fn *f = &m->fn[c->targets[0]];
		if (f->cfg->on_demand) {
			err_set(m->err, ERR_INPUT, "%s: sources[%d].connector.consumers:"
				" \"replicas\" needs replicas that live on; '%s' is"
				" on_demand (one environment per request)",
				m->cfg->path, i, f->cfg->name);
			return fail(m);
		}
		f->group = 1;
		if (!(s->r_reb = stream(m, "source", c->topic, "rebalance")))
			return -1;
	}
	for (int p = 0; p < c->partitions; p++) {
		s->parts[p].head = s->parts[p].tail = NIL;
		s->parts[p].owner = -1;
		s->parts[p].grouped = (uint8_t)c->replicas_group;
		if (ring_grow(m, &s->parts[p]) != 0)
			return -1;
	}
	s->arr = arr_new(c, m->cfg->seed, m->cfg->rng_type, m->err);
	if (!s->arr)
		return fail(m);
	return 0;
}

struct model *model_new(const struct config *cfg, struct err *e)
{
	struct model *m = calloc(1, sizeof *m);
	if (!m) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	m->cfg = cfg;
	m->err = e;
	m->avoid = -1;
	m->end = cfg->duration_s;
	m->nfn = cfg->nfunctions;
	m->nsrc = cfg->nsources;
	pool_init(&m->jobs, sizeof(struct job));
	pool_init(&m->msgs, sizeof(struct msg));
	m->q = evq_new();
	m->e2e = hist_new();
	m->fn = calloc((size_t)m->nfn, sizeof *m->fn);
	m->src = calloc((size_t)m->nsrc, sizeof *m->src);
	m->views = calloc((size_t)m->nfn, sizeof *m->views);
	m->decisions = calloc((size_t)m->nfn, sizeof *m->decisions);
	m->mon = mon_new(m->nfn, cfg->scrape_interval_s, cfg->monitor_retention_s);
	m->mon_values = calloc((size_t)m->nfn * MON_NMETRICS, sizeof *m->mon_values);
	m->cl = cluster_new(&cfg->cluster, cfg->seed, cfg->rng_type, e);
	if (!m->cl) {
		model_free(m);
		return NULL;
	}
	if (!m->q || !m->e2e || !m->fn || !m->src || !m->views || !m->decisions ||
	    !m->mon || !m->mon_values) {
		err_set(e, ERR_INTERNAL, "out of memory");
		model_free(m);
		return NULL;
	}
	for (int i = 0; i < m->nfn; i++)
		if (build_fn(m, i) != 0) {
			model_free(m);
			return NULL;
		}
	for (int i = 0; i < m->nsrc; i++)
		if (build_src(m, i) != 0) {
			model_free(m);
			return NULL;
		}
	for (int i = 0; i < m->nfn; i++) {
		const struct fn *f = &m->fn[i];
		m->views[i] = (struct fn_view){
			.name = f->cfg->name,
			.slowest_ratio = 1, .mean_speed = 1,
			.managed = f->cfg->managed,
			.min_replicas = f->cfg->min_replicas,
			.max_replicas = f->cfg->max_replicas,
			.target = f->cfg->initial_replicas,
			.concurrency = f->cfg->concurrency,
			.memory_mb = f->cfg->memory_mb,
			.node_slots = f->cfg->node_slots,
			.cold_start_s = f->cfg->cold_start
				? dist_mean(f->cfg->cold_start, 0) : 0,
			.partitions = f->partitions,
			.nparents = f->nparents,
			.nchildren = f->nchildren,
			.parents = f->parents,
			.children = f->children,
		};
	}
	for (int i = 0; i < m->nsrc; i++)
		m->nparts += m->src[i].cfg->partitions;
	m->topic_views = calloc((size_t)m->nsrc + 1, sizeof *m->topic_views);
	m->offsets = calloc(2 * (size_t)m->nparts + 1, sizeof *m->offsets);
	if (!m->topic_views || !m->offsets) {
		err_set(e, ERR_INTERNAL, "out of memory");
		model_free(m);
		return NULL;
	}
	for (int i = 0, k = 0; i < m->nsrc; i++) {
		const struct cfg_source *c = m->src[i].cfg;
		m->topic_views[i] = (struct topic_view){
			.name = c->topic, .partitions = c->partitions,
			.end_offset = m->offsets + k,
			.committed = m->offsets + m->nparts + k,
			.ntargets = c->ntargets, .targets = c->targets,
		};
		k += c->partitions;
	}
	if (cluster_has_crashes(m->cl) || cfg->cluster.nschedule)
		m->failures_on = 1;
	m->as = as_new(cfg, m->views, e);
	if (!m->as) {
		model_free(m);
		return NULL;
	}
	if (apply_platform(m) != 0) {
		model_free(m);
		return NULL;
	}
	return m;
}

static double oracle_rate(const void *ctx, int fn, double t0, double t1)
{
	return la_rate(ctx, fn, t0, t1);
}

/* The oracle reads the sources ahead of the clock, far enough to see past
 * any function's cold start and the next decision and actuation. */
static int open_lookahead(struct model *m)
{
	double h = m->cfg->policy->lookahead, cold = 0;
	m->service_mean = calloc((size_t)m->nfn, sizeof *m->service_mean);
	if (!m->service_mean) {
		err_set(m->err, ERR_INTERNAL, "out of memory");
		return fail(m);
	}
	for (int i = 0; i < m->nfn; i++) {
		m->service_mean[i] = dist_mean(m->fn[i].cfg->service, 0);
		if (m->views[i].cold_start_s > cold)
			cold = m->views[i].cold_start_s;
	}
	double need = cold + 2 * as_interval(m->as) + m->cfg->actuation_delay_s;
	if (need > h)
		h = need;
	m->la = la_new(m->cfg, h, m->err);
	if (!m->la)
		return fail(m);
	m->oracle = (struct oracle_view){
		.ctx = m->la, .rate = oracle_rate,
		.service_mean = m->service_mean, .horizon_s = h,
	};
	return 0;
}

/* The policy's platform rules and keep-alive hooks change how the functions
 * it manages start and stop replicas (per request, burst tokens, keep-alive
 * floor). */
static int apply_platform(struct model *m)
{
	if (m->cfg->policy->lookahead > 0 && open_lookahead(m) != 0)
		return -1;
	const struct platform_rules *pr = as_rules(m->as);
	m->has_idle_hooks = as_has_idle_hooks(m->as);
	if (pr) {
		m->has_rules = 1;
		m->rules = *pr;
		m->r_retry = stream(m, "platform", "throttle", "retry");
		if (!m->r_retry)
			return -1;
	}
	for (int i = 0; i < m->nfn; i++) {
		struct fn *f = &m->fn[i];
		if (!f->cfg->managed)
			continue;
		if (m->has_idle_hooks)
			f->ka_floor_min = 1;
		if (!pr)
			continue;
		if (pr->per_request) {
			f->on_demand = f->per_request = f->ka_floor_min = 1;
			f->lb = LB_CENTRAL;
			f->tokens = pr->burst;
		}
		if (pr->keep_alive_s > 0)
			f->ka_s = pr->keep_alive_s;
	}
	return 0;
}

static void free_rows(struct model *m)
{
	free(m->rows);
	m->rows = NULL;
	m->nrows = m->caprows = 0;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (int i = 0; m->fn && i < m->nfn; i++) {
		struct fn *f = &m->fn[i];
		free(f->rep);
		free(f->avail);
		free(f->freerep);
		free(f->waiting_parts);
		free(f->children);
		free(f->parents);
		hist_free(f->lat);
		rng_free(f->r_service);
		rng_free(f->r_cold);
		rng_free(f->r_outputs);
		rng_free(f->r_branch);
		rng_free(f->r_lb);
		rng_free(f->r_io);
		rng_free(f->r_crash);
		rng_free(f->r_error);
		rng_free(f->r_retry);
		hist_free(f->svc);
		free(f->rl);
	}
	cluster_free(m->cl);
	free(m->unplaced);
	free(m->scratch);
	free(m->lost);
	free(m->members);
	for (int i = 0; m->src && i < m->nsrc; i++) {
		struct source *s = &m->src[i];
		arr_free(s->arr);
		for (int p = 0; s->parts && p < s->cfg->partitions; p++) {
			free(s->parts[p].done);
			free(s->parts[p].segs);
			free(s->parts[p].jobs);
			free(s->parts[p].sizes);
		}
		rng_free(s->r_reb);
		free(s->parts);
	}
	as_free(m->as);
	rng_free(m->r_retry);
	la_free(m->la);
	free(m->service_mean);
	mon_free(m->mon);
	free(m->mon_values);
	free(m->views);
	free(m->topic_views);
	free(m->offsets);
	free(m->decisions);
	free(m->fn);
	free(m->src);
	hist_free(m->e2e);
	evq_free(m->q);
	pool_fini(&m->jobs);
	pool_fini(&m->msgs);
	free_rows(m);
	free(m);
}

/* ------------------------------------------------------------------ run */

/* A completion's message and job were last touched when its service began,
 * thousands of events ago at thousands of busy replicas: they are fetched
 * while the event before it is handled. Both records straddle two lines. */
static void prefetch_next(const struct model *m)
{
	const struct ev *nx = evq_peek(m->q);
	if (!nx || nx->kind != EV_DONE)
		return;
	const char *ms = (const char *)msg_at(m, nx->a);
	const char *jb = (const char *)job_at(m, (uint32_t)(nx->b >> 32));
	__builtin_prefetch(ms);
	__builtin_prefetch(ms + sizeof(struct msg) - 1);
	__builtin_prefetch(jb);
	__builtin_prefetch(jb + sizeof(struct job) - 1);
}

static void summarize(struct model *m);

int model_run(struct model *m, struct rec *rec, int64_t run_id,
	      model_progress_fn progress, void *ctx, struct err *e)
{
	m->rec = rec;
	m->run_id = run_id;
	m->err = e;
	m->sources_live = m->nsrc;
	for (int i = 0; i < m->nfn; i++) {
		m->fn[i].spec = m->fn[i].cfg->initial_replicas;
		fn_scale_to(m, &m->fn[i], m->fn[i].spec);
	}
	m->next_src = -1;
	for (int i = 0; i < m->nsrc && !m->failed; i++)
		src_schedule(m, &m->src[i]);
	at(m, 0, EV_SCRAPE, 0, 0);
	at(m, as_interval(m->as), EV_DECIDE, 0, 0);
	for (int i = 0; i < m->nsrc; i++)
		if (m->src[i].cfg->retention)
			at(m, m->src[i].cfg->retention_check_s, EV_RETENTION,
			   (uint32_t)i, 0);
	if (m->cfg->timeline_interval_s > 0)
		at(m, 0, EV_TIMELINE, 0, 0);
	if (isfinite(m->end))
		at(m, m->end, EV_STOP, 0, 0);
	if (cluster_has_episodes(m->cl))
		for (int k = 0; k < cluster_nodes(m->cl); k++)
			at(m, cluster_next_onset(m->cl), EV_SLOW, (uint32_t)k, 1);
	if (cluster_has_crashes(m->cl))
		for (int k = 0; k < cluster_nodes(m->cl); k++)
			at(m, cluster_next_crash(m->cl), EV_NODE, (uint32_t)k, NODE_CRASH);
	for (int i = 0; i < m->cfg->cluster.nschedule; i++) {
		const struct cfg_crash *cr = &m->cfg->cluster.schedule[i];
		at(m, cr->at_s, EV_NODE, (uint32_t)cr->node, NODE_SCHED_CRASH);
		at(m, cr->at_s + cr->down_s, EV_NODE, (uint32_t)cr->node,
		   NODE_SCHED_REPAIR);
	}
	int interrupted = 0;
	double t;
	struct ev ev;
	while (!m->failed && !m->stop) {
		int si = m->next_src;
		if (si >= 0 && !evq_first_before(m->q, m->src[si].t_next,
						 m->src[si].seq_next)) {
			m->now = m->src[si].t_next;
			m->events++;
			on_arrival(m, &m->src[si]);
			goto progress;
		}
		if (!evq_pop(m->q, &t, &ev))
			break;
		prefetch_next(m);
		m->now = t;
		m->events++;
		if (!is_periodic((enum ev_kind)ev.kind))
			m->nonperiodic--;
		switch ((enum ev_kind)ev.kind) {
		case EV_BATCH:
			on_batch(m, &m->src[ev.a], ev.b);
			break;
		case EV_DONE:
			on_done(m, ev.a, (uint32_t)ev.b);
			break;
		case EV_READY:
			on_ready(m, &m->fn[ev.a], ev.b);
			break;
		case EV_KEEPALIVE:
			on_keepalive(m, &m->fn[ev.a], ev.b);
			break;
		case EV_SCRAPE:
			on_scrape(m);
			break;
		case EV_DECIDE:
			on_decide(m);
			break;
		case EV_WAKE:
			m->wake_pending = 0;
			decide_round(m);
			break;
		case EV_ACTUATE:
			fn_scale_to(m, &m->fn[ev.a], (int)ev.b);
			break;
		case EV_TIMELINE:
			on_timeline(m);
			break;
		case EV_STOP:
			m->stop = 1;
			break;
		case EV_UNLOAD:
			on_unload(m, &m->fn[ev.a], ev.b);
			break;
		case EV_PREWARM:
			on_prewarm(m, &m->fn[ev.a], ev.b);
			break;
		case EV_RETRY:
			on_retry(m, ev.a);
			break;
		case EV_SLOW:
			on_slow(m, (int)ev.a, (int)ev.b);
			break;
		case EV_SPEC:
			on_spec(m, ev.a, (uint32_t)ev.b);
			break;
		case EV_CRASH:
			on_crash(m, &m->fn[ev.a], ev.b);
			break;
		case EV_NODE:
			on_node(m, (int)ev.a, (enum node_ev)ev.b);
			break;
		case EV_RESTORE:
			on_restore(m, &m->fn[ev.a]);
			break;
		case EV_REBALANCE:
			on_rebalance(m, &m->src[ev.a], ev.b);
			break;
		case EV_GROUP:
			group_changed(m, &m->src[ev.a]);
			break;
		case EV_RETENTION:
			on_retention(m, &m->src[ev.a]);
			break;
		}
		if (m->place_due)
			place_waiting(m);
progress:
		if (progress && (m->events & 0xffff) == 0 &&
		    progress(ctx, m->now, m->end, m->events)) {
			interrupted = 1;
			break;
		}
	}
	if (m->failed)
		return -1;
	for (int i = 0; i < m->nfn; i++)
		fn_account(m, &m->fn[i]);
	sys_account(m);
	m->a_slow += m->nslow * (m->now - m->t_slow);
	m->t_slow = m->now;
	summarize(m);
	if (m->failed)
		return -1;
	return interrupted;
}

/* -------------------------------------------------------------- results */

static void row(struct model *m, const char *scope, const char *metric,
		double v)
{
	if (m->nrows == m->caprows) {
		size_t cap = m->caprows ? m->caprows * 2 : 64;
		struct srow *r = realloc(m->rows, cap * sizeof *r);
		if (!r) {
			err_set(m->err, ERR_INTERNAL, "out of memory");
			fail(m);
			return;
		}
		m->rows = r;
		m->caprows = cap;
	}
	m->rows[m->nrows++] = (struct srow){ scope, metric, v };
}

static void latency_rows(struct model *m, const char *scope,
			 const struct hist *h)
{
	row(m, scope, "mean", hist_mean(h));
	row(m, scope, "p50", hist_quantile(h, 0.50));
	row(m, scope, "p95", hist_quantile(h, 0.95));
	row(m, scope, "p99", hist_quantile(h, 0.99));
	row(m, scope, "p999", hist_quantile(h, 0.999));
	row(m, scope, "max", hist_max(h));
}

static double fn_cost(const struct model *m, const struct fn *f)
{
	const struct cfg_cost *c = &m->cfg->cost;
	double gb = f->cfg->memory_mb / 1024.0;
	double life = f->a_pending - f->a_unplaced + f->a_ready + f->a_draining;
	double io = (double)f->gets * m->cfg->objstore.usd_per_get +
		    (double)f->puts * m->cfg->objstore.usd_per_put;
	if (c->model == COST_REPLICA_HOUR)
		return life / 3600.0 * c->usd_per_replica_hour + io;
	double gbs = (c->bill_execution ? f->a_busy : life) * gb;
	return gbs * c->usd_per_gb_s + (double)f->completions * c->usd_per_request + io;
}

static void summarize(struct model *m)
{
	free_rows(m);
	double T = m->now;
	double cold = 0, life = 0, gbs = 0, waste = 0, cost = 0;
	double throttles = 0, cold_req = 0, arrivals = 0;
	for (int i = 0; i < m->nfn; i++) {
		const struct fn *f = &m->fn[i];
		double gb = f->cfg->memory_mb / 1024.0;
		double fl = f->a_pending - f->a_unplaced + f->a_ready + f->a_draining;
		cold += (double)f->cold_starts;
		throttles += (double)f->throttles;
		cold_req += (double)f->cold_requests;
		arrivals += (double)f->arrivals;
		life += fl;
		gbs += fl * gb;
		waste += (f->a_pending - f->a_unplaced + f->a_idle) * gb;
		cost += fn_cost(m, f);
	}
	const char *e = "e2e";
	row(m, e, "arrivals", (double)m->arrivals);
	row(m, e, "completions", (double)m->completed);
	row(m, e, "dropped", (double)m->dropped);
	row(m, e, "dead_lettered", (double)m->dead_lettered);
	row(m, e, "expired", (double)m->expired);
	row(m, e, "duplicates", (double)m->dup_done);
	row(m, e, "in_flight_end", (double)m->in_system);
	latency_rows(m, e, m->e2e);
	if (m->cfg->slo_latency_s > 0)
		row(m, e, "slo_violation_frac",
		    m->recorded_done ? (double)m->slo_violations / (double)m->recorded_done : 0);
	row(m, e, "cold_starts", cold);
	row(m, e, "cold_request_frac", arrivals > 0 ? cold_req / arrivals : 0);
	row(m, e, "throttles", throttles);
	row(m, e, "replica_seconds", life);
	row(m, e, "gb_seconds", gbs);
	row(m, e, "wasted_gb_seconds", waste);
	row(m, e, "cost_usd", cost);
	row(m, e, "duration_s", T);
	row(m, e, "throughput", T > 0 ? (double)m->completed / T : 0);
	row(m, e, "mean_in_system", T > 0 ? m->a_sys / T : 0);
	for (int i = 0; i < m->nfn; i++) {
		const struct fn *f = &m->fn[i];
		const char *s = f->cfg->name;
		double gb = f->cfg->memory_mb / 1024.0;
		double fl = f->a_pending - f->a_unplaced + f->a_ready + f->a_draining;
		row(m, s, "arrivals", (double)f->arrivals);
		row(m, s, "completions", (double)f->completions);
		row(m, s, "dropped", (double)f->drops);
		row(m, s, "in_flight_end",
		    (double)(fn_waiting(f) + f->blocked.len + f->busy_slots - f->holding -
			     f->spec_pairs + f->retry_wait + f->awaiting));
		latency_rows(m, s, f->lat);
		row(m, s, "wait_prob", f->started ? (double)f->waited / (double)f->started : 0);
		row(m, s, "mean_wait", f->started ? f->wait_sum / (double)f->started : 0);
		row(m, s, "cold_starts", (double)f->cold_starts);
		row(m, s, "cold_requests", (double)f->cold_requests);
		row(m, s, "cold_request_frac", f->arrivals
		    ? (double)f->cold_requests / (double)f->arrivals : 0);
		row(m, s, "throttles", (double)f->throttles);
		row(m, s, "prewarms", (double)f->prewarms);
		row(m, s, "unloads", (double)f->unloads);
		row(m, s, "replica_seconds", fl);
		row(m, s, "gb_seconds", fl * gb);
		row(m, s, "wasted_gb_seconds", (f->a_pending - f->a_unplaced + f->a_idle) * gb);
		row(m, s, "cost_usd", fn_cost(m, f));
		row(m, s, "mean_replicas", T > 0 ? (f->a_ready + f->a_pending) / T : 0);
		row(m, s, "utilization",
		    f->a_ready > 0 ? f->a_busy_ready / (f->a_ready * f->cfg->concurrency) : 0);
		row(m, s, "mean_queue", T > 0 ? f->a_queue / T : 0);
		row(m, s, "outputs", (double)f->outputs);
		row(m, s, "backpressure_s", f->a_backpressure);
		row(m, s, "unschedulable_s", f->a_unplaced);
		row(m, s, "inflated", (double)f->inflated);
		if (f->cfg->io) {
			row(m, s, "object_gets", (double)f->gets);
			row(m, s, "object_puts", (double)f->puts);
			row(m, s, "object_get_bytes", f->get_bytes);
			row(m, s, "object_put_bytes", f->put_bytes);
			row(m, s, "object_store_s", f->io_s);
			row(m, s, "object_store_usd",
			    (double)f->gets * m->cfg->objstore.usd_per_get +
			    (double)f->puts * m->cfg->objstore.usd_per_put);
		}
		if (m->cfg->cluster.replace_ratio > 0)
			row(m, s, "replaced", (double)f->replaced);
		if (m->failures_on) {
			row(m, s, "replica_crashes", (double)f->replica_crashes);
			row(m, s, "errors", (double)f->errors);
			row(m, s, "crash_lost", (double)f->crash_lost);
			row(m, s, "retries", (double)f->retries);
			row(m, s, "dead_letters", (double)f->dead_letters);
			if (f->group)
				row(m, s, "redelivered", (double)f->redelivered);
		}
		if (f->group) {
			double reb = 0, secs = 0, redel = 0, dups = 0;
			for (int k = 0; k < m->nsrc; k++) {
				const struct source *sr = &m->src[k];
				if (!sr->cfg->replicas_group || sr->cfg->targets[0] != i)
					continue;
				reb += (double)sr->rebalances;
				secs += sr->a_reb + (sr->rebalancing ? T - sr->t_reb : 0);
				redel += (double)sr->redeliveries;
				dups += (double)sr->duplicates;
			}
			row(m, s, "rebalances", reb);
			row(m, s, "rebalance_s", secs);
			row(m, s, "redeliveries", redel);
			row(m, s, "duplicates", dups);
		}
		int kept = 0;   /* fed by a topic with retention */
		double expired = 0;
		for (int k = 0; k < m->nsrc; k++) {
			const struct source *sr = &m->src[k];
			for (int t = 0; sr->cfg->retention && t < sr->cfg->ntargets; t++)
				if (sr->cfg->targets[t] == i) {
					kept = 1;
					expired += (double)sr->expired;
				}
		}
		if (kept)
			row(m, s, "expired", expired);
		if (f->svc) {
			row(m, s, "speculations", (double)f->speculations);
			row(m, s, "spec_wins", (double)f->spec_wins);
			row(m, s, "spec_skipped", (double)f->spec_skipped);
		}
	}
	int nn = cluster_nodes(m->cl);
	if (nn) {
		double eps = (double)cluster_episodes(m->cl);
		row(m, "cluster", "nodes", nn);
		row(m, "cluster", "straggler_episodes", eps);
		row(m, "cluster", "mean_slowdown", eps > 0 ? cluster_factor_sum(m->cl) / eps : 0);
		row(m, "cluster", "slow_node_frac", T > 0 ? m->a_slow / (nn * T) : 0);
		row(m, "cluster", "node_crashes", (double)cluster_crashes(m->cl));
		row(m, "cluster", "node_down_frac",
		    T > 0 ? cluster_down_time(m->cl, T) / (nn * T) : 0);
	}
}

int model_record(const struct model *m, struct rec *rec, int64_t run_id,
		 struct err *e)
{
	if (rec_latency_hist(rec, run_id, "e2e", m->e2e, e) != 0)
		return -1;
	for (int i = 0; i < m->nfn; i++)
		if (rec_latency_hist(rec, run_id, m->fn[i].cfg->name,
				     m->fn[i].lat, e) != 0)
			return -1;
	for (size_t i = 0; i < m->nrows; i++)
		if (rec_summary(rec, run_id, m->rows[i].scope, m->rows[i].metric,
				m->rows[i].value, e) != 0)
			return -1;
	return 0;
}

uint64_t model_events(const struct model *m)
{
	return m->events;
}

double model_now(const struct model *m)
{
	return m->now;
}

int model_summary_row(const struct model *m, size_t i, const char **scope,
		      const char **metric, double *value)
{
	if (i >= m->nrows)
		return 0;
	*scope = m->rows[i].scope;
	*metric = m->rows[i].metric;
	*value = m->rows[i].value;
	return 1;
}

double model_metric(const struct model *m, const char *scope,
		    const char *metric)
{
	for (size_t i = 0; i < m->nrows; i++)
		if (!strcmp(m->rows[i].scope, scope) &&
		    !strcmp(m->rows[i].metric, metric))
			return m->rows[i].value;
	return NAN;
}

const struct hist *model_hist(const struct model *m, const char *scope)
{
	if (!strcmp(scope, "e2e"))
		return m->e2e;
	for (int i = 0; i < m->nfn; i++)
		if (!strcmp(m->fn[i].cfg->name, scope))
			return m->fn[i].lat;
	return NULL;
}

const struct cluster *model_cluster(const struct model *m)
{
	return m->cl;
}
