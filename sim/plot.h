/*
 * plot: `spate plot DB --out DIR [--runs ID,ID,...]`, quick-look figures of
 * any run or runs of a results database.
 *
 * The figures are drawn by the shell driver plots/quicklook.sh (sqlite3 CLI,
 * awk, gnuplot; see plots/README.md): this module only checks the command
 * line, finds the driver and runs it. It never opens the database itself
 * (rec.c and report.c own SQLite), so a missing database or run is reported
 * by the driver, whose exit status becomes spate's: 0 written, 1 missing
 * database, run, tool or data, 2 bad usage.
 *
 * The driver is SPATE_PLOTS/quicklook.sh when that environment variable is
 * set, else <directory of the spate binary>/../plots/quicklook.sh (bin/spate
 * beside plots/ in the source tree).
 */
#ifndef SPATE_PLOT_H
#define SPATE_PLOT_H

#include <stddef.h>

struct err;

/* At most this many runs in one call: the figures overlay the runs and
 * give each its own line style (plots/style.gp has 15, kept readable). */
#define PLOT_MAX_RUNS 12

struct plot_opts {
	const char *db;       /* results database (required) */
	const char *out;      /* output directory (required, --out) */
	const char *runs;     /* the --runs list as given, or NULL: the latest
				 run with status 'done' */
};

/* Parses the arguments after "plot" (argv[0] is the first of them) into o,
 * whose strings point into argv. -1 and ERR_INPUT for an unknown option, a
 * missing value, a missing DB or --out, an extra argument, or a bad --runs
 * list (see plot_parse_runs). */
int plot_parse_args(int argc, char **argv, struct plot_opts *o,
		    struct err *e);

/* Checks a --runs list: run ids (decimal integers from 0 to 2^53) separated
 * by commas, no empty item, no repeated id, at most PLOT_MAX_RUNS ids. When
 * ids is not NULL it receives up to cap of them and *n the count. -1 and
 * ERR_INPUT naming the bad item otherwise. */
int plot_parse_runs(const char *s, long long *ids, size_t cap, size_t *n,
		    struct err *e);

/* Writes the path of the driver into buf: $SPATE_PLOTS/quicklook.sh, else
 * <dir of argv0's binary>/../plots/quicklook.sh (the binary is found through
 * /proc/self/exe, falling back to argv0 when it holds a '/'). -1 and
 * ERR_INTERNAL when the driver is not a readable file (the message names
 * the path tried and SPATE_PLOTS) or the path does not fit. */
int plot_find_driver(const char *argv0, char *buf, size_t cap, struct err *e);

/* Runs the driver on o and waits for it. Returns its exit status (0, 1 or
 * 2: it has printed its own messages, prefixed "spate plot:"), or -1 and
 * ERR_INTERNAL when it could not be started or was killed by a signal. */
int plot_run(const char *driver, const struct plot_opts *o, struct err *e);

/* The whole command: parse, find the driver, run it. Returns the exit
 * status for main (0, 1 or 2), or -1 and e. */
int plot_main(int argc, char **argv, const char *argv0, struct err *e);

#endif
