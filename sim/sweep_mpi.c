/*
 * sweep_mpi: a sweep over the ranks of an MPI job (see sweep_mpi.h).
 *
 * Design. Rank 0 is the queue: it starts the sweep with sweep_job_start
 * (lock, recovery, resume rules, the list of runs to do) and answers each
 * request with the next index. Every other rank loads the sweep file itself
 * (it must read the same sweep: rank 0 broadcasts the hash and a rank whose
 * hash differs is turned away), then loops: send the outcome of its last run
 * with a request for the next (tag REQ), receive an index or "quit" (tag
 * RUN), run it into its own shard with sweep_run_one. Rank 0 merges the
 * shards at the end with sweep_job_finish, which also prints the closing
 * line, so a --mpi sweep reads like a local one. Results cannot depend on
 * which rank ran what: a run is a function of its index.
 *
 * Rank 0 works too. `mpirun -n K` on K cores is what people type, and a rank
 * that only served would leave a core idle for a job that costs microseconds
 * per run. Rank 0 answers requests between its own runs and from its runs'
 * progress callback, which the model calls every 65536 events (tens of
 * milliseconds), so a rank waits at most that long, or one short run, for
 * its next index. When rank 0 has nothing left to run it polls for the last
 * results every 2 ms instead of blocking in MPI_Recv, which Open MPI turns
 * into a busy loop that would take a core from a rank still running.
 *
 * Interruption. On rank 0's interrupt flag (SIGINT), or a rank reporting a
 * run it stopped on its own flag, rank 0 hands out no more runs and sends
 * STOP to every busy rank; a rank's progress callback probes for it and
 * stops its run (recorded 'interrupted' in its shard, never merged). The
 * quit reply says whether a STOP was sent (SM_QUIT_STOP), so a rank that
 * finished before seeing it still receives it, and rank 0 completes its
 * nonblocking sends before MPI_Finalize: no message is left unmatched.
 * A killed job (mpirun on Ctrl-C, a lost node) leaves finished runs in the
 * shards; the next start of the sweep, with or without MPI, merges them.
 *
 * Errors. A failed run is reported by rank 0 with its index and axis values
 * (sweep_job_result), the other runs go on and the sweep fails at the end,
 * as locally. A rank that cannot take part (it cannot read the sweep file,
 * or reads another one) is reported with its rank and host and gets no runs;
 * the others finish the sweep, which then fails. MPI calls use the default
 * handler MPI_ERRORS_ARE_FATAL, and protocol violations or a lack of memory
 * on rank 0 end the job with MPI_Abort: the internal failures only.
 *
 * Access pattern: one short message each way per run; runs take from
 * milliseconds to minutes, so the queue is never the bottleneck.
 */
#include "sweep_mpi.h"

#include "err.h"
#include "sweep.h"

#if SPATE_MPI

#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	SM_TAG_REQ = 1,     /* rank -> 0: struct sm_msg */
	SM_TAG_RUN = 2,     /* 0 -> rank: int64 run index, or SM_QUIT* */
	SM_TAG_STOP = 3,    /* 0 -> busy rank: one int, stop the run */
};

#define SM_QUIT (-1)         /* no more runs */
#define SM_QUIT_STOP (-2)    /* no more runs, and a STOP is on its way */
#define SM_POLL_NS 2000000L  /* rank 0's poll when it waits for results */

enum sm_status {
	SM_HELLO = 0,       /* first request: ready, no run yet */
	SM_UNFIT,           /* cannot take part: msg says why */
	SM_DONE,            /* run is in the rank's shard */
	SM_FAILED,          /* run failed: code, msg */
	SM_STOPPED,         /* run stopped by an interrupt */
};

/* A rank's request, with the outcome of its last run. Fixed size: one
 * message, no length exchange. */
struct sm_msg {
	int64_t run;        /* the run reported on; -1 with SM_HELLO/SM_UNFIT */
	int32_t status;     /* enum sm_status */
	int32_t code;       /* enum err_code of SM_FAILED/SM_UNFIT */
	char msg[1200];
};

/* What rank 0 broadcasts once it has started the sweep. */
struct sm_start {
	int32_t ok;
	char hash[20];
};

static void sm_abort(const char *fmt, ...) __attribute__((format(printf, 1, 2),
							noreturn));
static void sm_abort(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "spate: internal error in the MPI sweep: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	fflush(stderr);
	MPI_Abort(MPI_COMM_WORLD, ERR_INTERNAL);
	abort();    /* MPI_Abort does not return */
}

/* ---------------------------------------------------------------- rank 0 */

struct sm_par {
	struct sweep_job *j;
	const struct sweep_opts *o;
	FILE *log;
	const size_t *todo;
	size_t ntodo, next;
	int nranks;
	int64_t *busy;            /* per rank: run in progress, -1 */
	unsigned char *stopped;   /* per rank: a STOP was sent */
	MPI_Request *stop_req;    /* per rank: that send */
	int live;                 /* other ranks not yet told to quit */
	int stopping;             /* interrupted: no new runs */
	size_t in_shards;         /* runs reported done, still in shards */
	int nunfit;
	int unfit_code;
	char unfit_msg[1200];
};

/* Stops the sweep: no new runs, and every busy rank is told to stop. */
static void sm_stop_all(struct sm_par *p)
{
	static int one = 1;
	if (p->stopping)
		return;
	p->stopping = 1;
	for (int r = 1; r < p->nranks; r++)
		if (p->busy[r] >= 0 && !p->stopped[r]) {
			MPI_Isend(&one, 1, MPI_INT, r, SM_TAG_STOP,
				  MPI_COMM_WORLD, &p->stop_req[r]);
			p->stopped[r] = 1;
		}
}

static int sm_check_interrupt(struct sm_par *p)
{
	if (!p->stopping && p->o->interrupted && *p->o->interrupted)
		sm_stop_all(p);
	return p->stopping;
}

/* Gives rank r its next run, or tells it to quit. */
static void sm_reply(struct sm_par *p, int r, int unfit)
{
	int64_t run;
	if (!unfit && !sm_check_interrupt(p) && p->next < p->ntodo) {
		run = (int64_t)p->todo[p->next++];
		p->busy[r] = run;
	} else {
		run = p->stopped[r] ? SM_QUIT_STOP : SM_QUIT;
		p->live--;
	}
	MPI_Send(&run, 1, MPI_INT64_T, r, SM_TAG_RUN, MPI_COMM_WORLD);
}

static void sm_handle(struct sm_par *p, int r, struct sm_msg *m)
{
	m->msg[sizeof m->msg - 1] = '\0';
	if (m->status == SM_HELLO || m->status == SM_UNFIT) {
		if (m->run != -1 || p->busy[r] != -1)
			sm_abort("rank %d said hello while running %lld", r,
				 (long long)p->busy[r]);
	} else if (m->run < 0 || m->run != p->busy[r]) {
		sm_abort("rank %d reported run %lld, but was given %lld", r,
			 (long long)m->run, (long long)p->busy[r]);
	}
	switch (m->status) {
	case SM_HELLO:
		break;
	case SM_UNFIT:
		if (p->nunfit++ == 0) {
			p->unfit_code = m->code == ERR_OK ? ERR_INTERNAL : m->code;
			snprintf(p->unfit_msg, sizeof p->unfit_msg, "%s", m->msg);
		}
		fprintf(p->log, "%s%s: cannot take part: %s\n",
			p->o->quiet ? "" : "\n", p->o->path, m->msg);
		fflush(p->log);
		break;
	case SM_DONE:
		sweep_job_result(p->j, (size_t)m->run, 1, ERR_OK, NULL);
		p->in_shards++;
		break;
	case SM_FAILED:
		sweep_job_result(p->j, (size_t)m->run, 0, m->code, m->msg);
		break;
	case SM_STOPPED:
		/* stopped on its own interrupt flag: the whole sweep stops */
		sm_stop_all(p);
		break;
	default:
		sm_abort("rank %d sent status %d", r, (int)m->status);
	}
	p->busy[r] = -1;
	sm_reply(p, r, m->status == SM_UNFIT);
}

/* Answers every request that is waiting; never blocks. */
static void sm_serve(struct sm_par *p)
{
	for (;;) {
		int flag = 0;
		MPI_Status st;
		MPI_Iprobe(MPI_ANY_SOURCE, SM_TAG_REQ, MPI_COMM_WORLD, &flag, &st);
		if (!flag)
			return;
		int n = 0;
		MPI_Get_count(&st, MPI_BYTE, &n);
		if (n != (int)sizeof(struct sm_msg) || st.MPI_SOURCE < 1 ||
		    st.MPI_SOURCE >= p->nranks)
			sm_abort("a request of %d bytes from rank %d", n,
				 st.MPI_SOURCE);
		struct sm_msg m;
		MPI_Recv(&m, (int)sizeof m, MPI_BYTE, st.MPI_SOURCE, SM_TAG_REQ,
			 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		sm_handle(p, st.MPI_SOURCE, &m);
	}
}

/* Rank 0's own runs: serve the others while simulating. */
static int sm_progress0(void *ctx, double now, double end, uint64_t events)
{
	struct sm_par *p = ctx;
	sm_serve(p);
	sweep_job_tick(p->j);
	return sm_check_interrupt(p);
}

/* Runs the queue until every rank has quit. Returns 0, or 1 when
 * interrupted. */
static int sm_dispatch(struct sm_par *p)
{
	const struct sweep *s = sweep_job_sweep(p->j);
	char *shard0 = NULL;
	for (;;) {
		sm_serve(p);
		if (!sm_check_interrupt(p) && p->next < p->ntodo) {
			size_t i = p->todo[p->next++];
			if (!shard0 && !(shard0 = sweep_shard_path(s, p->o->db, 0)))
				sm_abort("out of memory");
			struct err re = { 0 };
			int rc = sweep_run_one(s, i, shard0, sm_progress0, p, &re);
			if (rc == 0) {
				sweep_job_result(p->j, i, 1, ERR_OK, NULL);
				p->in_shards++;
			} else if (rc < 0) {
				sweep_job_result(p->j, i, 0, re.code, re.msg);
			}
			continue;
		}
		if (p->live == 0)
			break;
		sweep_job_tick(p->j);
		struct timespec ts = { .tv_nsec = SM_POLL_NS };
		nanosleep(&ts, NULL);
	}
	free(shard0);
	for (int r = 1; r < p->nranks; r++)
		if (p->stopped[r])
			MPI_Wait(&p->stop_req[r], MPI_STATUS_IGNORE);
	return p->stopping;
}

static int sm_rank0(const struct sweep_opts *o, int nranks, struct err *e)
{
	struct sm_start start = { .ok = 0 };
	struct sweep_job *j = sweep_job_start(o, e);
	if (j) {
		start.ok = 1;
		snprintf(start.hash, sizeof start.hash, "%s",
			 sweep_hash(sweep_job_sweep(j)));
	}
	MPI_Bcast(&start, (int)sizeof start, MPI_BYTE, 0, MPI_COMM_WORLD);
	if (!j) {
		MPI_Finalize();
		return -1;
	}
	struct sm_par p = { .j = j, .o = o, .log = o->log ? o->log : stderr,
			    .nranks = nranks, .live = nranks - 1 };
	p.todo = sweep_job_todo(j, &p.ntodo);
	p.busy = malloc((size_t)nranks * sizeof *p.busy);
	p.stopped = calloc((size_t)nranks, 1);
	p.stop_req = malloc((size_t)nranks * sizeof *p.stop_req);
	if (!p.busy || !p.stopped || !p.stop_req)
		sm_abort("out of memory");
	for (int r = 0; r < nranks; r++) {
		p.busy[r] = -1;
		p.stop_req[r] = MPI_REQUEST_NULL;
	}
	int rc = sm_dispatch(&p);
	free(p.busy);
	free(p.stopped);
	free(p.stop_req);
	/* every rank has quit: its shard is closed, and MPI has no more to do */
	MPI_Finalize();
	char how[64];
	snprintf(how, sizeof how, "--mpi, %d rank%s", nranks, nranks == 1 ? "" : "s");
	rc = sweep_job_finish(j, rc, p.in_shards, how, e);
	if (rc == 0 && p.nunfit > 0) {
		err_set(e, (enum err_code)p.unfit_code,
			"%s: %d of %d MPI ranks could not take part (the others ran"
			" every run); the first: %s", o->path, p.nunfit, nranks,
			p.unfit_msg);
		rc = -1;
	}
	return rc;
}

/* ------------------------------------------------------------ other ranks */

struct sm_wctx {
	const struct sweep_opts *o;
	int got_stop;
};

static void sm_take_stop(struct sm_wctx *w)
{
	int v;
	MPI_Recv(&v, 1, MPI_INT, 0, SM_TAG_STOP, MPI_COMM_WORLD,
		 MPI_STATUS_IGNORE);
	w->got_stop = 1;
}

static int sm_progress_w(void *ctx, double now, double end, uint64_t events)
{
	struct sm_wctx *w = ctx;
	if (!w->got_stop) {
		int flag = 0;
		MPI_Iprobe(0, SM_TAG_STOP, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
		if (flag)
			sm_take_stop(w);
	}
	return w->got_stop || (w->o->interrupted && *w->o->interrupted);
}

static void sm_worker(const struct sweep_opts *o, int rank,
		      const struct sm_start *start)
{
	char host[MPI_MAX_PROCESSOR_NAME + 1] = "";
	int hl = 0;
	MPI_Get_processor_name(host, &hl);
	struct err e = { 0 };
	struct sm_msg m = { .run = -1, .status = SM_HELLO };
	char *shard = NULL;
	struct sweep *s = sweep_load(o->path, &e);
	if (s && strcmp(sweep_hash(s), start->hash) != 0)
		err_set(&e, ERR_INPUT,
			"%s: reads as sweep %s here but as %s on rank 0: every rank"
			" must see the same sweep file and base config",
			o->path, sweep_hash(s), start->hash);
	if (e.code == ERR_OK && !(shard = sweep_shard_path(s, o->db, rank)))
		err_set(&e, ERR_INTERNAL, "out of memory");
	if (e.code != ERR_OK) {
		m.status = SM_UNFIT;
		m.code = (int32_t)e.code;
		snprintf(m.msg, sizeof m.msg, "rank %d (%s): %s", rank, host, e.msg);
	}
	struct sm_wctx w = { .o = o };
	for (;;) {
		MPI_Send(&m, (int)sizeof m, MPI_BYTE, 0, SM_TAG_REQ, MPI_COMM_WORLD);
		int64_t run;
		MPI_Recv(&run, 1, MPI_INT64_T, 0, SM_TAG_RUN, MPI_COMM_WORLD,
			 MPI_STATUS_IGNORE);
		if (run < 0) {
			if (run == SM_QUIT_STOP && !w.got_stop)
				sm_take_stop(&w);
			break;
		}
		if (!s)
			sm_abort("rank %d was given run %lld after it could not start",
				 rank, (long long)run);
		struct err re = { 0 };
		int rc = sweep_run_one(s, (size_t)run, shard, sm_progress_w, &w, &re);
		m = (struct sm_msg){
			.run = run,
			.status = rc == 0 ? SM_DONE : rc == 1 ? SM_STOPPED : SM_FAILED,
			.code = (int32_t)re.code,
		};
		/* where a run failed matters for I/O and memory, not for a
		 * config the run itself rejects */
		if (rc < 0 && re.code == ERR_INTERNAL)
			snprintf(m.msg, sizeof m.msg, "rank %d (%s): %s", rank, host,
				 re.msg);
		else if (rc < 0)
			snprintf(m.msg, sizeof m.msg, "%s", re.msg);
	}
	free(shard);
	sweep_free(s);
}

/* ------------------------------------------------------------------- API */

int smpi_available(void)
{
	return 1;
}

int smpi_sweep_run(const struct sweep_opts *o, struct err *e)
{
	if (o->stats)
		*o->stats = (struct sweep_stats){ 0 };
	int inited = 0;
	MPI_Initialized(&inited);
	if (inited)
		return err_set(e, ERR_INTERNAL,
			       "smpi_sweep_run: MPI is already initialised");
	MPI_Init(NULL, NULL);
	int rank = 0, nranks = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	if (rank == 0)
		return sm_rank0(o, nranks, e);   /* it finalises */
	struct sm_start start;
	MPI_Bcast(&start, (int)sizeof start, MPI_BYTE, 0, MPI_COMM_WORLD);
	start.hash[sizeof start.hash - 1] = '\0';
	if (start.ok)
		sm_worker(o, rank, &start);
	MPI_Finalize();
	return 0;
}

#else /* built without Open MPI */

int smpi_available(void)
{
	return 0;
}

int smpi_sweep_run(const struct sweep_opts *o, struct err *e)
{
	return err_set(e, ERR_INPUT,
		       "--mpi: spate was built without Open MPI: install"
		       " libopenmpi-dev and rebuild (make deps && make)");
}

#endif
