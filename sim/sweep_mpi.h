/*
 * sweep_mpi: `spate sweep SWEEP.json --mpi`, the runs of a sweep spread over
 * the ranks of an MPI job:
 *
 *   mpirun -n K spate sweep SWEEP.json --mpi --db out.db [--resume] [--quiet]
 *
 * Rank 0 owns the output database (it does what sweep_run does before and
 * after running: lock, recovery of leftover shards, resume rules, merge,
 * closing line) and hands out run indices one at a time as ranks ask for
 * them; it runs them too. Rank R writes its runs into the shard
 * OUT.sweep-HASH/shard-R, and rank 0 merges every shard into the output at
 * the end. The shard directory is beside the output, so every rank must see
 * the output's directory, the sweep file and the files it names at the same
 * paths: a shared filesystem. Results are those of `spate sweep -j 1`: a
 * run's config and seed are a function of its index alone.
 *
 * This is the only module that includes <mpi.h>; it is built with Open MPI
 * when the build finds mpicc (SPATE_MPI=1), and as a stub otherwise.
 */
#ifndef SPATE_SWEEP_MPI_H
#define SPATE_SWEEP_MPI_H

struct err;
struct sweep_opts;

/* 1 when spate was built with Open MPI, 0 otherwise. */
int smpi_available(void);

/* Runs the sweep of o over MPI_COMM_WORLD; every rank calls it with the
 * same options. It initialises and finalises MPI, so it is called at most
 * once per process. o->jobs is not used (ranks are the workers).
 * On rank 0: returns as sweep_run does (0; 1 when interrupted, finished runs
 * kept; -1 and e, naming the run index of a failed run or the rank that
 * could not take part) and fills o->stats. On every other rank: 0, since
 * rank 0 reports every error; o->stats is zero. Internal failures of the
 * MPI machinery end the job with MPI_Abort; the shards keep what finished,
 * and --resume recovers it.
 * Built without Open MPI: -1 and e (ERR_INPUT) "... built without Open MPI:
 * install libopenmpi-dev and rebuild". */
int smpi_sweep_run(const struct sweep_opts *o, struct err *e);

#endif
