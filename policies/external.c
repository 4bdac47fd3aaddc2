/*
 * external: the decisions come from another process (an "agent", e.g. a
 * Python script) that speaks newline-delimited JSON on its stdin and stdout.
 * Researchers prototype a policy in any language without touching spate.
 *
 * Process. init starts `command` once (fork + execvp; a program without a
 * '/' is looked up in PATH, a relative path is relative to the current
 * working directory of spate, not to the config file). The agent's stdin and
 * stdout are two pipes; its stderr is spate's, so it can log there. It
 * inherits no other descriptor: ours are close-on-exec and the child closes
 * every other fd >= 3 it got (listed from /proc/self/fd before the fork) so
 * it cannot hold the results database or a trace open. fini closes both
 * pipes -- EOF on stdin is the agent's cue to exit -- waits grace_s, then
 * sends SIGTERM, waits grace_s again, then SIGKILL, and always reaps it.
 *
 * Protocol, version 1: one JSON object per line, UTF-8, strictly alternating
 * (spate writes a line, the agent answers with exactly one line; blank lines
 * from the agent are skipped, any other extra line is an error).
 *   hello  spate -> {"spate":1, "interval_s":15, "window_s":15, "timeout_s":5,
 *                   "functions":[{"name":"a", "managed":true, "min":1,
 *                   "max":10, "concurrency":1, "memory_mb":128,
 *                   "cold_start_s":0.8, "partitions":8, "parents":[],
 *                   "children":["b"]}, ...]}
 *          agent -> {"ok":true}  or  {"error":"why"} (init fails with it);
 *                   it has startup_timeout_s to answer.
 *   tick   spate -> {"t":30, "window_s":15, "scrape_t":30,
 *                   "functions":[{"name":"a", "target":2, "ready":2,
 *                   "pending":0, "draining":0, "held_at_zero":0,
 *                   "arrival_rate":..., "completion_rate":...,
 *                   "utilization":..., "service_time":...,
 *                   "latency_mean":..., "latency_p95":..., "queue":...,
 *                   "inflight":..., "lag":..., "backpressure":...}, ...]}
 *          agent -> {"decisions":{"a":3, "b":{"replicas":1, "reason":"..."}},
 *                    "reason":"optional, for decisions without their own"}
 *                   within timeout_s (writing the tick and reading the
 *                   reply share that budget).
 * Tick fields: replica counts are the control plane's, now; rates (per s),
 * utilization (busy / ready slots, 0..1), service_time, latency_mean and
 * latency_p95 (s, per function) are monitor.h windowed values over window_s
 * (the window_s parameter, 0 meaning the decision interval, and at least one
 * scrape interval); queue, inflight and lag are the latest scrape;
 * backpressure is the fraction of the window some sender was blocked. A
 * value that is undefined is null: everything before the first scrape, the
 * windowed values before the second, the service time and latencies when
 * nothing completed in the window, utilization when nothing was ready.
 * Functions missing from "decisions" keep their target; a decision is a
 * non-negative integer (the engine clamps it to [min, max] and ignores it
 * for unmanaged functions).
 * Errors. A reply that is late, not JSON, not an object, has an unknown key,
 * names an unknown function (or one twice), or gives a non-integer or
 * negative count, and an agent that closes its output or exits, is an
 * ERR_INPUT naming the tick ("tick at t=30: reply names unknown function
 * 'foo'"; the engine puts "policy external: " before every error of a
 * policy, so the messages here do not name it again, while decision
 * reasons, which nobody prefixes, start with "external policy: "). decide
 * cannot return it, so from then on every
 * target is kept, the agent is not asked again, and the first error waits in
 * the state for the engine's `failed` hook (external_failed), which ends the
 * run with it. SIGPIPE is blocked around writes (the agent may die at any
 * time) and the pending one consumed, so EPIPE becomes such an error.
 *
 * The exchange is synchronous: simulated time stands still while the agent
 * thinks, so a slow agent makes runs slow but (if it is deterministic)
 * never changes their results.
 * Cost per tick is one JSON tree of all functions, built and parsed with
 * cJSON (the project's JSON library, kept inside this file).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "monitor.h"
#include "policy.h"

#define EXT_PROTOCOL 1
#define EXT_MAX_LINE (64 << 20)   /* a longer reply is an error, not OOM */

enum {
	P_COMMAND,
	P_TIMEOUT,
	P_STARTUP_TIMEOUT,
	P_WINDOW,
	P_GRACE,
	P_N
};

static const struct param_def ext_params[P_N] = {
	[P_COMMAND] = {
		.name = "command", .type = PARAM_STRV, .def_str = NULL,
		.help = "the agent's command line, e.g. [\"python3\", "
			"\"experiments/agents/agent.py\"]; the program is looked "
			"up in PATH, a relative path is relative to the current "
			"directory. Required",
	},
	[P_TIMEOUT] = {
		.name = "timeout_s", .type = PARAM_NUM, .def = 5,
		.min = 0.001, .max = 86400,
		.help = "wall-clock seconds the agent has to answer a tick; a "
			"later answer ends the run with an error",
	},
	[P_STARTUP_TIMEOUT] = {
		.name = "startup_timeout_s", .type = PARAM_NUM, .def = 30,
		.min = 0.001, .max = 86400,
		.help = "wall-clock seconds the agent has to answer the hello "
			"(interpreter start, imports, loading a model)",
	},
	[P_WINDOW] = {
		.name = "window_s", .type = PARAM_NUM, .def = 0,
		.min = 0, .max = 86400,
		.help = "window of the rates, utilization, service time and "
			"latencies sent each tick; 0: the decision interval (at "
			"least one scrape interval either way)",
	},
	[P_GRACE] = {
		.name = "grace_s", .type = PARAM_NUM, .def = 1,
		.min = 0, .max = 60,
		.help = "at the end, seconds the agent has to exit after its "
			"stdin closes, and again after SIGTERM, before SIGKILL",
	},
};

/* What one tick tells the agent about a function; NAN is sent as null. */
struct ext_obs {
	double arrival_rate, completion_rate, utilization, service_time;
	double latency_mean, latency_p95, queue, inflight, lag, backpressure;
};

struct ext_name {
	const char *name;
	int idx;
};

struct ext {
	int nfn;
	char **names;             /* copies: the agent's vocabulary */
	struct ext_name *sorted;  /* by name, for bsearch */
	double interval, window, timeout, startup_timeout, grace;
	pid_t pid;                /* -1 once reaped */
	int status;               /* wait status once reaped; -1 unknown */
	int to_fd, from_fd;       /* agent's stdin, stdout; -1 closed */
	char *buf;                /* bytes read but not yet consumed */
	size_t len, cap;
	struct ext_obs *obs;      /* [nfn], this tick's */
	int *want;                /* [nfn], this reply's; -1 none */
	const char **why;         /* [nfn], into the reply's tree */
	int failed;
	struct err err;
};

/* --- time, descriptors, the child ---------------------------------------- */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void nap(long ns)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ns};
	nanosleep(&ts, NULL);
}

/* Milliseconds to deadline for poll(), rounded up, at least 0. */
static int ms_left(double deadline)
{
	double left = deadline - mono();
	if (left <= 0)
		return 0;
	if (left > INT_MAX / 1000.0)
		return INT_MAX;
	return (int)ceil(left * 1000);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Makes fd close-on-exec and at least 3 (so the child's dup2 onto 0 and 1
 * cannot clobber another pipe end); returns the fd to use, or -1. */
static int fd_setup(int fd)
{
	if (fd >= 3)
		return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : fd;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return hi;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* The open descriptors >= 3 of this process, or NULL (n = -1) without
 * /proc; read before the fork because opendir allocates. */
static int *list_fds(int *n)
{
	*n = -1;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return NULL;
	int self = dirfd(d), cap = 16, k = 0;
	int *v = malloc((size_t)cap * sizeof *v);
	struct dirent *de;
	while (v && (de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd < 3 || fd == self || fd > INT_MAX)
			continue;
		if (k == cap) {
			int *w = realloc(v, (size_t)(cap *= 2) * sizeof *v);
			if (!w) {
				free(v);
				v = NULL;
				break;
			}
			v = w;
		}
		v[k++] = (int)fd;
	}
	closedir(d);
	if (v)
		*n = k;
	return v;
}

/* The child between fork and exec: only async-signal-safe calls. */
static void child_exec(const char *const *argv, int in, int out, int report,
		       const int *fds, int nfds)
{
	int e = 0;
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0) {
		e = errno;
		goto fail;
	}
	if (nfds >= 0) {
		for (int i = 0; i < nfds; i++)
			if (fds[i] != report)
				close(fds[i]);
	} else {
		long max = sysconf(_SC_OPEN_MAX);
		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = 3; fd < max; fd++)
			if (fd != report)
				close(fd);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGPIPE, &dfl, NULL);
	execvp(argv[0], (char *const *)argv);
	e = errno;
fail:
	while (write(report, &e, sizeof e) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* Starts the agent. The report pipe (close-on-exec) tells exec success
 * (EOF) from failure (the child's errno), so a bad command is an init error
 * and not a mysterious EOF at the first tick. */
static int spawn(struct ext *s, const char *const *argv, struct err *e)
{
	int p[6] = {-1, -1, -1, -1, -1, -1};   /* in r/w, out r/w, report r/w */
	int rc = -1, nfds = -1, *fds = NULL;
	for (int i = 0; i < 6; i += 2) {
		int pp[2];
		if (pipe(pp) < 0) {
			err_set(e, ERR_INTERNAL, "pipe: %s",
				strerror(errno));
			goto out;
		}
		p[i] = fd_setup(pp[0]);
		p[i + 1] = fd_setup(pp[1]);
		if (p[i] < 0 || p[i + 1] < 0) {
			err_set(e, ERR_INTERNAL, "fcntl: %s",
				strerror(errno));
			goto out;
		}
	}
	fds = list_fds(&nfds);
	pid_t pid = fork();
	if (pid < 0) {
		err_set(e, ERR_INTERNAL, "fork: %s",
			strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(argv, p[0], p[3], p[5], fds, nfds);
	s->pid = pid;
	close_fd(&p[0]);
	close_fd(&p[3]);
	close_fd(&p[5]);
	int child_errno = 0;
	ssize_t n;
	while ((n = read(p[4], &child_errno, sizeof child_errno)) < 0 &&
	       errno == EINTR)
		;
	if (n > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = -1;
		err_set(e, ERR_INPUT, "command: cannot run '%s': %s",
			argv[0], strerror(child_errno));
		goto out;
	}
	s->to_fd = p[1];
	s->from_fd = p[2];
	p[1] = p[2] = -1;
	if (set_nonblock(s->to_fd) < 0 || set_nonblock(s->from_fd) < 0) {
		err_set(e, ERR_INTERNAL, "fcntl: %s",
			strerror(errno));
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < 6; i++)
		close_fd(&p[i]);
	free(fds);
	return rc;
}

/* Waits up to grace seconds (0: just looks) for the agent to exit; 1 once
 * it is reaped (or was reaped elsewhere, e.g. SIGCHLD ignored). */
static int wait_exit(struct ext *s, double grace)
{
	if (s->pid <= 0)
		return 1;
	double end = mono() + grace;
	for (;;) {
		int st;
		pid_t r = waitpid(s->pid, &st, WNOHANG);
		if (r == s->pid) {
			s->status = st;
			s->pid = -1;
			return 1;
		}
		if (r < 0 && errno != EINTR) {
			s->status = -1;
			s->pid = -1;
			return 1;
		}
		if (mono() >= end)
			return 0;
		nap(2000000);
	}
}

/* "exited with status 3", "was killed by signal 9 (Killed)", or that it
 * still runs after grace_s. */
static const char *agent_fate(struct ext *s, char *buf, size_t cap)
{
	if (!wait_exit(s, s->grace))
		snprintf(buf, cap, "the agent is still running");
	else if (s->status == -1)
		snprintf(buf, cap, "the agent has ended (its status is unknown)");
	else if (WIFEXITED(s->status))
		snprintf(buf, cap, "the agent exited with status %d",
			 WEXITSTATUS(s->status));
	else if (WIFSIGNALED(s->status))
		snprintf(buf, cap, "the agent was killed by signal %d (%s)",
			 WTERMSIG(s->status), strsignal(WTERMSIG(s->status)));
	else
		snprintf(buf, cap, "the agent ended with wait status %d", s->status);
	return buf;
}

static void stop_agent(struct ext *s)
{
	close_fd(&s->to_fd);
	close_fd(&s->from_fd);
	if (s->pid <= 0 || wait_exit(s, s->grace))
		return;
	kill(s->pid, SIGTERM);
	if (wait_exit(s, s->grace))
		return;
	kill(s->pid, SIGKILL);
	while (s->pid > 0 && waitpid(s->pid, &s->status, 0) < 0 && errno == EINTR)
		;
	s->pid = -1;
}

/* --- lines ---------------------------------------------------------------- */

/* write() with SIGPIPE blocked, consuming the SIGPIPE our EPIPE raised
 * unless one was pending already: a dying agent must not kill spate. */
static ssize_t write_nosig(int fd, const void *p, size_t n)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	ssize_t w = write(fd, p, n);
	int saved = errno;
	if (w < 0 && saved == EPIPE && !was_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return w;
}

/* Writes n bytes by the deadline (limit: the budget, for the message);
 * -1 with the problem in why. */
static int send_all(struct ext *s, const char *p, size_t n, double deadline,
		    double limit, char *why, size_t cap)
{
	char fate[160];
	while (n > 0) {
		struct pollfd pfd = {.fd = s->to_fd, .events = POLLOUT};
		int r = poll(&pfd, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, cap, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			snprintf(why, cap, "the agent did not read its input "
				 "within %g s", limit);
			return -1;
		}
		ssize_t w = write_nosig(s->to_fd, p, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0 && errno == EPIPE) {
			snprintf(why, cap, "the agent closed its stdin; %s",
				 agent_fate(s, fate, sizeof fate));
			return -1;
		}
		if (w < 0) {
			snprintf(why, cap, "write: %s", strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends text and a newline by the deadline. */
static int send_line(struct ext *s, const char *text, double deadline,
		     double limit, char *why, size_t cap)
{
	if (send_all(s, text, strlen(text), deadline, limit, why, cap) < 0)
		return -1;
	return send_all(s, "\n", 1, deadline, limit, why, cap);
}

/* Reads whatever is available without waiting; 0 at EOF, -1 error, 1 ok. */
static int fill(struct ext *s)
{
	if (s->cap - s->len < 4096) {
		size_t cap = s->cap * 2;
		char *b = realloc(s->buf, cap);
		if (!b)
			return -1;
		s->buf = b;
		s->cap = cap;
	}
	for (;;) {
		ssize_t r = read(s->from_fd, s->buf + s->len, s->cap - s->len - 1);
		if (r > 0) {
			s->len += (size_t)r;
			return 1;
		}
		if (r == 0)
			return 0;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 1 : -1;
	}
}

static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/* Drops the first k bytes of the buffer. */
static void consume(struct ext *s, size_t k)
{
	memmove(s->buf, s->buf + k, s->len - k);
	s->len -= k;
}

/* Reads the next non-blank line by the deadline into the buffer's front,
 * NUL-terminated; returns its length (consume length + 1 afterwards), or -1
 * with the problem in why. */
static long read_line(struct ext *s, double deadline, double limit,
		      char *why, size_t cap)
{
	char fate[160];
	size_t scanned = 0;
	for (;;) {
		char *nl = memchr(s->buf + scanned, '\n', s->len - scanned);
		if (nl) {
			size_t k = (size_t)(nl - s->buf);
			if (blank(s->buf, k)) {
				consume(s, k + 1);
				scanned = 0;
				continue;
			}
			*nl = '\0';
			return (long)k;
		}
		scanned = s->len;
		if (s->len > EXT_MAX_LINE) {
			snprintf(why, cap, "reply is longer than %d bytes",
				 EXT_MAX_LINE);
			return -1;
		}
		struct pollfd pfd = {.fd = s->from_fd, .events = POLLIN};
		int r = poll(&pfd, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, cap, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			snprintf(why, cap, "no reply within %g s", limit);
			return -1;
		}
		r = fill(s);
		if (r == 0) {
			snprintf(why, cap, "no reply: the agent closed its "
				 "stdout; %s", agent_fate(s, fate, sizeof fate));
			return -1;
		}
		if (r < 0) {
			snprintf(why, cap, "read: %s", strerror(errno));
			return -1;
		}
	}
}

/* A short, printable excerpt of untrusted text for a message. */
static const char *excerpt(const char *p, size_t n, char *buf, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < cap; i++)
		buf[k++] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
	if (n > 0 && k < n && k + 4 <= cap) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

/* A JSON value as short text for a message. */
static const char *describe(const cJSON *v, char *buf, size_t cap)
{
	char *t = cJSON_PrintUnformatted(v);
	excerpt(t ? t : "?", t ? strlen(t) : 1, buf, cap);
	cJSON_free(t);
	return buf;
}

/* --- hello ---------------------------------------------------------------- */

static cJSON *names_array(const struct ext *s, const int *idx, int n)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < n; i++) {
		cJSON *x = idx[i] >= 0 && idx[i] < s->nfn
			   ? cJSON_CreateString(s->names[idx[i]]) : NULL;
		if (!x || !cJSON_AddItemToArray(a, x)) {
			cJSON_Delete(x);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

static char *hello_text(const struct ext *s, const struct policy_ctx *ctx)
{
	cJSON *h = cJSON_CreateObject(), *fa = NULL;
	int ok = h && cJSON_AddNumberToObject(h, "spate", EXT_PROTOCOL) &&
		 cJSON_AddNumberToObject(h, "interval_s", s->interval) &&
		 cJSON_AddNumberToObject(h, "window_s", s->window > 0 ? s->window
								      : s->interval) &&
		 cJSON_AddNumberToObject(h, "timeout_s", s->timeout) &&
		 (fa = cJSON_AddArrayToObject(h, "functions"));
	for (int i = 0; ok && i < ctx->nfn; i++) {
		const struct fn_view *f = &ctx->fn[i];
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(fa, o)) {
			cJSON_Delete(o);
			ok = 0;
			break;
		}
		ok = cJSON_AddStringToObject(o, "name", s->names[i]) &&
		     cJSON_AddBoolToObject(o, "managed", f->managed != 0) &&
		     cJSON_AddNumberToObject(o, "min", f->min_replicas) &&
		     cJSON_AddNumberToObject(o, "max", f->max_replicas) &&
		     cJSON_AddNumberToObject(o, "concurrency", f->concurrency) &&
		     cJSON_AddNumberToObject(o, "memory_mb", f->memory_mb) &&
		     cJSON_AddNumberToObject(o, "cold_start_s", f->cold_start_s) &&
		     cJSON_AddNumberToObject(o, "partitions", f->partitions);
		cJSON *par = ok ? names_array(s, f->parents, f->nparents) : NULL;
		cJSON *chi = ok ? names_array(s, f->children, f->nchildren) : NULL;
		if (!par || !cJSON_AddItemToObject(o, "parents", par)) {
			cJSON_Delete(par);
			par = NULL;
		}
		if (!chi || !cJSON_AddItemToObject(o, "children", chi)) {
			cJSON_Delete(chi);
			chi = NULL;
		}
		ok = par && chi;
	}
	char *text = ok ? cJSON_PrintUnformatted(h) : NULL;
	cJSON_Delete(h);
	return text;
}

static int hello(struct ext *s, const struct policy_ctx *ctx, struct err *e)
{
	char why[512], ex[96];
	char *text = hello_text(s, ctx);
	if (!text)
		return err_set(e, ERR_INTERNAL, "hello: out of memory (or a "
			       "parent/child index out of range)");
	double deadline = mono() + s->startup_timeout;
	int rc = send_line(s, text, deadline, s->startup_timeout, why,
			   sizeof why);
	cJSON_free(text);
	if (rc < 0)
		return err_set(e, ERR_INPUT, "hello: %s", why);
	long n = read_line(s, deadline, s->startup_timeout, why, sizeof why);
	if (n < 0)
		return err_set(e, ERR_INPUT, "hello: %s", why);
	cJSON *r = cJSON_Parse(s->buf);
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(r, "error");
	if (cJSON_IsObject(r) && cJSON_IsTrue(ok))
		rc = 0;
	else if (cJSON_IsObject(r) && cJSON_IsString(msg))
		rc = err_set(e, ERR_INPUT, "hello: the agent refused: %s",
			     excerpt(msg->valuestring, strlen(msg->valuestring),
				     why, 400));
	else
		rc = err_set(e, ERR_INPUT, "hello: expected {\"ok\":true} or"
			     " {\"error\":\"...\"}, got '%s'",
			     excerpt(s->buf, (size_t)n, ex, sizeof ex));
	cJSON_Delete(r);
	consume(s, (size_t)n + 1);
	return rc;
}

/* --- setup ---------------------------------------------------------------- */

static int strv_equal(const char *const *a, const char *const *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return 0;
	return !*a && !*b;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ext_name *)a)->name,
		      ((const struct ext_name *)b)->name);
}

static void external_fini(void *state)
{
	struct ext *s = state;
	if (!s)
		return;
	stop_agent(s);
	if (s->names)
		for (int i = 0; i < s->nfn; i++)
			free(s->names[i]);
	free(s->names);
	free(s->sorted);
	free(s->buf);
	free(s->obs);
	free(s->want);
	free(s->why);
	free(s);
}

/* One agent serves every function, so its settings cannot differ per
 * function: a function's "scaling" section must not change them. */
static int check_global(const struct policy_ctx *ctx, struct err *e)
{
	const union param_val *p0 = ctx->params[0];
	for (int i = 1; i < ctx->nfn; i++) {
		const union param_val *p = ctx->params[i];
		for (int k = 0; k < P_N; k++) {
			int same = k == P_COMMAND ? strv_equal(p[k].strv, p0[k].strv)
						  : p[k].num == p0[k].num;
			if (!same)
				return err_set(e, ERR_INPUT, "function '%s' sets "
					       "%s; one agent serves all "
					       "functions, so set it in the "
					       "autoscaler section only",
					       ctx->fn[i].name ? ctx->fn[i].name : "?",
					       ext_params[k].name);
		}
	}
	return 0;
}

static void *external_init(const struct policy_ctx *ctx, struct err *e)
{
	if (ctx->nfn <= 0 || !ctx->params || !ctx->params[0]) {
		err_set(e, ERR_INTERNAL, "%d functions", ctx->nfn);
		return NULL;
	}
	const union param_val *p = ctx->params[0];
	if (!p[P_COMMAND].strv || !p[P_COMMAND].strv[0] ||
	    !p[P_COMMAND].strv[0][0]) {
		err_set(e, ERR_INPUT, "command: must name a program");
		return NULL;
	}
	if (check_global(ctx, e) < 0)
		return NULL;
	struct ext *s = calloc(1, sizeof *s);
	if (!s) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	size_t n = (size_t)ctx->nfn;
	*s = (struct ext){
		.nfn = ctx->nfn,
		.interval = ctx->interval,
		.window = p[P_WINDOW].num,
		.timeout = p[P_TIMEOUT].num,
		.startup_timeout = p[P_STARTUP_TIMEOUT].num,
		.grace = p[P_GRACE].num,
		.pid = -1, .status = -1, .to_fd = -1, .from_fd = -1,
		.names = calloc(n, sizeof *s->names),
		.sorted = calloc(n, sizeof *s->sorted),
		.obs = calloc(n, sizeof *s->obs),
		.want = calloc(n, sizeof *s->want),
		.why = calloc(n, sizeof *s->why),
		.buf = malloc(8192),
		.cap = 8192,
	};
	if (!s->names || !s->sorted || !s->obs || !s->want || !s->why ||
	    !s->buf) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	for (int i = 0; i < ctx->nfn; i++) {
		s->names[i] = strdup(ctx->fn[i].name ? ctx->fn[i].name : "");
		if (!s->names[i]) {
			err_set(e, ERR_INTERNAL, "out of memory");
			goto fail;
		}
		s->sorted[i] = (struct ext_name){.name = s->names[i], .idx = i};
	}
	qsort(s->sorted, n, sizeof *s->sorted, by_name);
	if (spawn(s, p[P_COMMAND].strv, e) < 0 || hello(s, ctx, e) < 0)
		goto fail;
	return s;
fail:
	external_fini(s);
	return NULL;
}

/* --- ticks ---------------------------------------------------------------- */

static void observe(struct ext_obs *o, const struct mon *m, int fn,
		    const struct fn_view *f, double w)
{
	const double nan = NAN;
	*o = (struct ext_obs){
		.arrival_rate = nan, .completion_rate = nan, .utilization = nan,
		.service_time = nan, .latency_mean = nan, .latency_p95 = nan,
		.queue = nan, .inflight = nan, .lag = nan, .backpressure = nan,
	};
	if (!m || mon_count(m, INFINITY) < 1)
		return;
	o->queue = mon_last(m, fn, MON_QUEUE);
	o->inflight = mon_last(m, fn, MON_INFLIGHT);
	o->lag = mon_last(m, fn, MON_LAG);
	if (mon_count(m, INFINITY) < 2)   /* no rate before two scrapes */
		return;
	o->arrival_rate = mon_rate(m, fn, MON_ARRIVALS, w);
	o->completion_rate = mon_rate(m, fn, MON_COMPLETIONS, w);
	o->backpressure = mon_rate(m, fn, MON_BACKPRESSURE_TIME, w);
	if (mon_rate(m, fn, MON_READY_TIME, w) > 0)
		o->utilization = mon_utilization(m, fn, f->concurrency, w);
	if (mon_delta(m, fn, MON_COMPLETIONS, w) > 0) {
		o->service_time = mon_service_time(m, fn, w);
		o->latency_mean = mon_latency(m, fn, w);
		o->latency_p95 = mon_quantile(m, fn, 0.95, w);
	}
}

static int add_num(cJSON *o, const char *key, double x)
{
	cJSON *v = isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
	if (!v || !cJSON_AddItemToObject(o, key, v)) {
		cJSON_Delete(v);
		return 0;
	}
	return 1;
}

static char *tick_text(struct ext *s, const struct scale_view *v, double w)
{
	/* times may be negative (a warm-up), so "no scrape" is a count */
	int scraped = v->mon && mon_count(v->mon, INFINITY) > 0;
	cJSON *t = cJSON_CreateObject(), *fa = NULL;
	int ok = t && add_num(t, "t", v->now) && add_num(t, "window_s", w) &&
		 add_num(t, "scrape_t", scraped ? mon_last_time(v->mon) : NAN) &&
		 (fa = cJSON_AddArrayToObject(t, "functions"));
	for (int i = 0; ok && i < s->nfn; i++) {
		const struct fn_view *f = &v->fn[i];
		const struct ext_obs *o = &s->obs[i];
		cJSON *x = cJSON_CreateObject();
		if (!x || !cJSON_AddItemToArray(fa, x)) {
			cJSON_Delete(x);
			ok = 0;
			break;
		}
		ok = cJSON_AddStringToObject(x, "name", s->names[i]) &&
		     add_num(x, "target", f->target) &&
		     add_num(x, "ready", f->ready) &&
		     add_num(x, "pending", f->pending) &&
		     add_num(x, "draining", f->draining) &&
		     add_num(x, "held_at_zero", (double)f->held_at_zero) &&
		     add_num(x, "arrival_rate", o->arrival_rate) &&
		     add_num(x, "completion_rate", o->completion_rate) &&
		     add_num(x, "utilization", o->utilization) &&
		     add_num(x, "service_time", o->service_time) &&
		     add_num(x, "latency_mean", o->latency_mean) &&
		     add_num(x, "latency_p95", o->latency_p95) &&
		     add_num(x, "queue", o->queue) &&
		     add_num(x, "inflight", o->inflight) &&
		     add_num(x, "lag", o->lag) &&
		     add_num(x, "backpressure", o->backpressure) &&
		     add_num(x, "unplaced", f->unplaced) &&
		     add_num(x, "slow_replicas", f->slow_replicas) &&
		     add_num(x, "slowest_ratio", f->slowest_ratio) &&
		     add_num(x, "mean_speed", f->mean_speed);
	}
	cJSON *ta = NULL;
	if (ok && v->ntopics > 0)
		ok = (ta = cJSON_AddArrayToObject(t, "topics")) != NULL;
	for (int i = 0; ok && i < v->ntopics; i++) {
		const struct topic_view *tv = &v->topics[i];
		cJSON *x = cJSON_CreateObject(), *lag = NULL;
		if (!x || !cJSON_AddItemToArray(ta, x)) {
			cJSON_Delete(x);
			ok = 0;
			break;
		}
		ok = cJSON_AddStringToObject(x, "name", tv->name) &&
		     (lag = cJSON_AddArrayToObject(x, "lag"));
		for (int p = 0; ok && p < tv->partitions; p++) {
			cJSON *n = cJSON_CreateNumber(
				(double)(tv->end_offset[p] - tv->committed[p]));
			ok = n && cJSON_AddItemToArray(lag, n);
			if (!ok)
				cJSON_Delete(n);
		}
	}
	const struct cluster_view *cv = v->cluster;
	if (ok && cv && cv->nodes > 0) {
		cJSON *c = cJSON_AddObjectToObject(t, "cluster");
		ok = c && add_num(c, "nodes", cv->nodes) &&
		     add_num(c, "nodes_up", cv->nodes_up) &&
		     add_num(c, "slots_total", (double)cv->slots_total) &&
		     add_num(c, "slots_free", (double)cv->slots_free);
	}
	char *text = ok ? cJSON_PrintUnformatted(t) : NULL;
	cJSON_Delete(t);
	return text;
}

/* A replica count: a JSON number that is a non-negative integer. */
static int count_of(const cJSON *v, const char *name, int *out, char *why,
		    size_t cap)
{
	char d[80];
	if (!cJSON_IsNumber(v)) {
		snprintf(why, cap, "decision for '%s' is not an integer: %s",
			 name, describe(v, d, sizeof d));
		return -1;
	}
	double x = v->valuedouble;
	if (!isfinite(x) || x != floor(x)) {
		snprintf(why, cap, "decision for '%s' is not an integer: %s",
			 name, describe(v, d, sizeof d));
		return -1;
	}
	if (x < 0) {
		snprintf(why, cap, "decision for '%s' is negative: %s", name,
			 describe(v, d, sizeof d));
		return -1;
	}
	if (x > INT_MAX) {
		snprintf(why, cap, "decision for '%s' is too large: %s", name,
			 describe(v, d, sizeof d));
		return -1;
	}
	*out = (int)x;
	return 0;
}

/* One entry of "decisions": a count or {"replicas": n, "reason": "..."}. */
static int decision_of(struct ext *s, const cJSON *it, char *why, size_t cap)
{
	char d[80];
	const char *name = it->string;
	struct ext_name key = {.name = name}, *hit;
	hit = bsearch(&key, s->sorted, (size_t)s->nfn, sizeof *s->sorted, by_name);
	if (!hit) {
		snprintf(why, cap, "reply names unknown function '%s'",
			 excerpt(name, strlen(name), d, sizeof d));
		return -1;
	}
	int i = hit->idx;
	if (s->want[i] >= 0) {
		snprintf(why, cap, "reply names function '%s' twice", name);
		return -1;
	}
	if (!cJSON_IsObject(it))
		return count_of(it, name, &s->want[i], why, cap);
	const cJSON *x, *n = NULL;
	cJSON_ArrayForEach(x, it) {
		if (strcmp(x->string, "replicas") == 0) {
			n = x;
		} else if (strcmp(x->string, "reason") == 0 && cJSON_IsString(x)) {
			s->why[i] = x->valuestring;
		} else if (strcmp(x->string, "reason") == 0) {
			snprintf(why, cap, "decision for '%s': reason must be a "
				 "string, got %s", name, describe(x, d, sizeof d));
			return -1;
		} else {
			snprintf(why, cap, "decision for '%s' has unknown key '%s' "
				 "(expected replicas, reason)", name,
				 excerpt(x->string, strlen(x->string), d, sizeof d));
			return -1;
		}
	}
	if (!n) {
		snprintf(why, cap, "decision for '%s' has no \"replicas\"", name);
		return -1;
	}
	return count_of(n, name, &s->want[i], why, cap);
}

/* Checks the whole reply before anything is applied, so a bad reply leaves
 * every target as it was. Fills want[] and why[] (pointing into *tree). */
static int parse_reply(struct ext *s, const char *line, size_t n,
		       cJSON **tree, const char **global, char *why, size_t cap)
{
	char ex[96], d[80];
	const char *end = NULL;
	*global = NULL;
	for (int i = 0; i < s->nfn; i++) {
		s->want[i] = -1;
		s->why[i] = NULL;
	}
	if (strlen(line) != n) {
		snprintf(why, cap, "reply contains a NUL byte");
		return -1;
	}
	cJSON *r = *tree = cJSON_ParseWithOpts(line, &end, 1);
	if (!r) {
		size_t at = end && end >= line ? (size_t)(end - line) : 0;
		snprintf(why, cap, "reply is not valid JSON (at byte %zu): '%s'",
			 at, excerpt(line, n, ex, sizeof ex));
		return -1;
	}
	if (!cJSON_IsObject(r)) {
		snprintf(why, cap, "reply is not a JSON object: '%s'",
			 excerpt(line, n, ex, sizeof ex));
		return -1;
	}
	const cJSON *x, *dec = NULL;
	cJSON_ArrayForEach(x, r) {
		if (strcmp(x->string, "decisions") == 0 && cJSON_IsObject(x)) {
			dec = x;
		} else if (strcmp(x->string, "reason") == 0 && cJSON_IsString(x)) {
			*global = x->valuestring;
		} else if (strcmp(x->string, "decisions") == 0 ||
			   strcmp(x->string, "reason") == 0) {
			snprintf(why, cap, "reply: \"%s\" must be %s, got %s",
				 x->string, x->string[0] == 'd' ? "an object"
								: "a string",
				 describe(x, d, sizeof d));
			return -1;
		} else {
			snprintf(why, cap, "reply has unknown key '%s' (expected "
				 "decisions, reason)",
				 excerpt(x->string, strlen(x->string), d, sizeof d));
			return -1;
		}
	}
	if (!dec) {
		snprintf(why, cap, "reply has no \"decisions\" object: '%s'",
			 excerpt(line, n, ex, sizeof ex));
		return -1;
	}
	cJSON_ArrayForEach(x, dec)
		if (decision_of(s, x, why, cap) < 0)
			return -1;
	return 0;
}

static void say_failed(const struct ext *s, const struct scale_view *v,
		       struct scale_decision *out)
{
	for (int i = 0; i < v->nfn; i++) {
		out[i].desired = -1;
		policy_say(&out[i], "external policy: %s", s->err.msg);
	}
}

static void fail_tick(struct ext *s, const struct scale_view *v,
		      struct scale_decision *out, enum err_code code,
		      const char *why)
{
	s->failed = 1;
	err_set(&s->err, code, "tick at t=%g: %s", v->now, why);
	say_failed(s, v, out);
}

static void external_decide(void *state, const struct scale_view *v,
			    struct scale_decision *out)
{
	struct ext *s = state;
	char why[600], ex[96];
	if (s->failed) {
		say_failed(s, v, out);
		return;
	}
	if (v->nfn != s->nfn) {
		snprintf(why, sizeof why, "the view has %d functions, the agent "
			 "was told of %d", v->nfn, s->nfn);
		fail_tick(s, v, out, ERR_INTERNAL, why);
		return;
	}
	/* a line the agent wrote since its last reply would be taken for the
	 * next reply and shift every answer by one tick */
	fill(s);
	if (!blank(s->buf, s->len)) {
		char *nl = memchr(s->buf, '\n', s->len);
		size_t k = nl ? (size_t)(nl - s->buf) : s->len;
		snprintf(why, sizeof why, "the agent wrote a line nobody asked "
			 "for: '%s'", excerpt(s->buf, k, ex, sizeof ex));
		fail_tick(s, v, out, ERR_INPUT, why);
		return;
	}
	s->len = 0;
	double w = s->window > 0 ? s->window : s->interval;
	if (v->mon && mon_interval(v->mon) > w)
		w = mon_interval(v->mon);
	for (int i = 0; i < s->nfn; i++)
		observe(&s->obs[i], v->mon, i, &v->fn[i], w);
	char *text = tick_text(s, v, w);
	if (!text) {
		fail_tick(s, v, out, ERR_INTERNAL, "out of memory");
		return;
	}
	double deadline = mono() + s->timeout;
	int rc = send_line(s, text, deadline, s->timeout, why, sizeof why);
	cJSON_free(text);
	long n = rc < 0 ? -1 : read_line(s, deadline, s->timeout, why, sizeof why);
	if (n < 0) {
		fail_tick(s, v, out, ERR_INPUT, why);
		return;
	}
	cJSON *tree = NULL;
	const char *global;
	rc = parse_reply(s, s->buf, (size_t)n, &tree, &global, why, sizeof why);
	consume(s, (size_t)n + 1);
	if (rc < 0) {
		cJSON_Delete(tree);
		fail_tick(s, v, out, ERR_INPUT, why);
		return;
	}
	for (int i = 0; i < s->nfn; i++) {
		struct scale_decision *d = &out[i];
		const struct ext_obs *o = &s->obs[i];
		const char *r = s->why[i] ? s->why[i] : global;
		d->desired = s->want[i];
		if (s->want[i] < 0)
			policy_say(d, "agent: no decision%s%s", r ? ": " : "",
				   r ? r : "");
		else if (r)
			policy_say(d, "agent: %d: %s", s->want[i], r);
		else
			policy_say(d, "agent: %d", s->want[i]);
		policy_observe(d, "arrival_rate", o->arrival_rate);
		policy_observe(d, "completion_rate", o->completion_rate);
		policy_observe(d, "utilization", o->utilization);
		policy_observe(d, "service_time", o->service_time);
		policy_observe(d, "latency_p95", o->latency_p95);
		policy_observe(d, "queue", o->queue);
		policy_observe(d, "lag", o->lag);
		policy_observe(d, "backpressure", o->backpressure);
	}
	cJSON_Delete(tree);
}

/* The engine's `failed` hook: -1 and e once the agent failed (late, bad
 * reply, gone); the engine stops the run with that error. */
static int external_failed(void *state, struct err *e)
{
	const struct ext *s = state;
	if (!s || !s->failed)
		return 0;
	return err_set(e, s->err.code, "%s", s->err.msg);
}

const struct policy policy_external = {
	.name = "external",
	.help = "decisions from an agent process speaking newline-delimited "
		"JSON on stdin/stdout (experiments/agents/README.md): a hello "
		"with the graph, then each interval a tick with replica counts "
		"and windowed metrics, answered by {\"decisions\": {fn: n}}; a "
		"late or bad answer or a dead agent ends the run with an error",
	.params = ext_params,
	.nparams = P_N,
	.interval_s = 15,
	.wake_from_zero = 0,
	.init = external_init,
	.decide = external_decide,
	.fini = external_fini,
	.failed = external_failed,
};
