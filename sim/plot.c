/*
 * plot: the `spate plot` command (see plot.h). Design: C checks what it can
 * check without the database -- the command line and where the driver is --
 * so bad usage fails fast with status 2 and a message naming the bad item;
 * everything that needs the data (does the database exist, which run is the
 * latest done one, does run 7 exist, are sqlite3 and gnuplot installed) is
 * the driver's, which already pulls the data with the sqlite3 CLI. Keeping
 * SQLite out of this file keeps its API inside rec.c and report.c, and
 * keeps the figure code in one language (the .gp files) as for
 * plots/demo.sh and plots/figures.sh.
 * The driver runs as a child (fork + execvp of bash, so the script needs no
 * exec bit) with SPATE_PLOT_PROG set so its messages read "spate plot: ...";
 * its exit status is passed through unchanged.
 */
#include "plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"

#define PLOT_DRIVER "quicklook.sh"
/* run ids are SQLite integers written by rec.c; spate's seeds and ids stay
 * below 2^53 so that JSON carries them exactly */
#define PLOT_MAX_ID (1LL << 53)

static void plot_usage(FILE *out)
{
	fprintf(out,
		"usage: spate plot DB --out DIR [--runs ID,ID,...]\n"
		"  quick-look figures of runs of a results database: latency_cdf,\n"
		"  replicas, lag and (with node data) nodes, as .png (and .pdf)\n"
		"  in DIR; runs default to the latest run with status 'done'\n");
}

int plot_parse_runs(const char *s, long long *ids, size_t cap, size_t *n,
		    struct err *e)
{
	long long seen[PLOT_MAX_RUNS];
	size_t k = 0;
	const char *p = s;
	if (!s || !*s)
		return err_set(e, ERR_INPUT, "plot: --runs: empty run list");
	for (;;) {
		const char *q = p;
		long long v = 0;
		while (*q >= '0' && *q <= '9') {
			if (v <= PLOT_MAX_ID)
				v = v * 10 + (*q - '0');
			q++;
		}
		if (q == p || (*q && *q != ',')) {
			size_t len = strcspn(p, ",");
			return err_set(e, ERR_INPUT,
				       "plot: --runs '%s': '%.*s' is not a run id"
				       " (expected ids separated by commas, e.g. 3,7)",
				       s, (int)len, p);
		}
		if (v > PLOT_MAX_ID)
			return err_set(e, ERR_INPUT,
				       "plot: --runs '%s': run id '%.*s' is above 2^53",
				       s, (int)(q - p), p);
		for (size_t j = 0; j < k; j++)
			if (seen[j] == v)
				return err_set(e, ERR_INPUT,
					       "plot: --runs '%s': run %lld is listed twice",
					       s, v);
		if (k == PLOT_MAX_RUNS)
			return err_set(e, ERR_INPUT,
				       "plot: --runs '%s': more than %d runs; one figure"
				       " tells at most %d apart", s, PLOT_MAX_RUNS,
				       PLOT_MAX_RUNS);
		seen[k] = v;
		if (ids && k < cap)
			ids[k] = v;
		k++;
		if (!*q)
			break;
		p = q + 1;
	}
	if (n)
		*n = k;
	return 0;
}

int plot_parse_args(int argc, char **argv, struct plot_opts *o,
		    struct err *e)
{
	*o = (struct plot_opts){ 0 };
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--out") || !strcmp(a, "--runs")) {
			if (i + 1 >= argc)
				return err_set(e, ERR_INPUT, "plot: %s needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--out")) {
				if (!*v)
					return err_set(e, ERR_INPUT, "plot: --out: empty directory name");
				o->out = v;
			} else {
				if (plot_parse_runs(v, NULL, 0, NULL, e) != 0)
					return -1;
				o->runs = v;
			}
		} else if (a[0] == '-' && a[1]) {
			return err_set(e, ERR_INPUT,
				       "plot: unknown option '%s' (usage: spate plot DB"
				       " --out DIR [--runs ID,ID,...])", a);
		} else if (!o->db) {
			o->db = a;
		} else {
			return err_set(e, ERR_INPUT, "plot: unexpected argument '%s'"
				       " (one DB per call; --runs picks runs in it)", a);
		}
	}
	if (!o->db)
		return err_set(e, ERR_INPUT, "plot: missing DB (usage: spate plot DB"
			       " --out DIR [--runs ID,ID,...])");
	if (!o->out)
		return err_set(e, ERR_INPUT, "plot: missing --out DIR (where the"
			       " figures of %s go)", o->db);
	return 0;
}

/* dir + "/" + rel into buf; -1 when it does not fit. */
static int join(char *buf, size_t cap, const char *dir, size_t dirlen,
		const char *rel)
{
	int w = snprintf(buf, cap, "%.*s/%s", (int)dirlen, dir, rel);
	return (w < 0 || (size_t)w >= cap) ? -1 : 0;
}

static int readable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, R_OK) == 0;
}

int plot_find_driver(const char *argv0, char *buf, size_t cap, struct err *e)
{
	const char *env = getenv("SPATE_PLOTS");
	if (env && *env) {
		if (join(buf, cap, env, strlen(env), PLOT_DRIVER) != 0)
			return err_set(e, ERR_INTERNAL, "plot: SPATE_PLOTS is too long");
		if (!readable_file(buf))
			return err_set(e, ERR_INTERNAL,
				       "plot: no plot driver at %s (SPATE_PLOTS=%s should"
				       " be the plots/ directory of spate)", buf, env);
		return 0;
	}
	/* the binary's own path: /proc/self/exe, else argv[0] if it is a path */
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
	} else if (argv0 && strchr(argv0, '/') && strlen(argv0) < sizeof exe) {
		strcpy(exe, argv0);
	} else {
		return err_set(e, ERR_INTERNAL,
			       "plot: cannot tell where the spate binary is; set"
			       " SPATE_PLOTS to spate's plots/ directory");
	}
	const char *slash = strrchr(exe, '/');
	size_t dirlen = slash == exe ? 1 : (size_t)(slash - exe);
	if (join(buf, cap, exe, dirlen, "../plots/" PLOT_DRIVER) != 0)
		return err_set(e, ERR_INTERNAL, "plot: path too long: %s", exe);
	if (!readable_file(buf))
		return err_set(e, ERR_INTERNAL,
			       "plot: no plot driver at %s (set SPATE_PLOTS to"
			       " spate's plots/ directory)", buf);
	return 0;
}

int plot_run(const char *driver, const struct plot_opts *o, struct err *e)
{
	const char *argv[6] = { "bash", driver, o->db, o->out, o->runs, NULL };
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return err_set(e, ERR_INTERNAL, "plot: fork: %s", strerror(errno));
	if (pid == 0) {
		/* the child: its messages are spate's */
		setenv("SPATE_PLOT_PROG", "spate plot", 1);
		/* execvp takes char *const[]; the strings are not modified */
		char *args[6];
		for (size_t i = 0; i < 6; i++)
			args[i] = (char *)argv[i];
		execvp("bash", args);
		fprintf(stderr, "spate plot: error: cannot run bash for %s: %s\n",
			driver, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return err_set(e, ERR_INTERNAL, "plot: waitpid: %s",
				       strerror(errno));
	}
	if (WIFSIGNALED(st))
		return err_set(e, ERR_INTERNAL, "plot: %s was killed by signal %d",
			       driver, WTERMSIG(st));
	if (!WIFEXITED(st))
		return err_set(e, ERR_INTERNAL, "plot: %s ended abnormally", driver);
	int rc = WEXITSTATUS(st);
	if (rc == 127)
		return err_set(e, ERR_INTERNAL, "plot: could not run %s with bash"
			       " (Debian: apt-get install bash)", driver);
	return rc;
}

int plot_main(int argc, char **argv, const char *argv0, struct err *e)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			plot_usage(stdout);
			return 0;
		}
	}
	struct plot_opts o;
	char driver[4096];
	if (plot_parse_args(argc, argv, &o, e) != 0 ||
	    plot_find_driver(argv0, driver, sizeof driver, e) != 0)
		return -1;
	return plot_run(driver, &o, e);
}
