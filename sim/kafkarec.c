/*
 * kafkarec: see kafkarec.h.
 *
 * Design: one high-level consumer polled one message at a time; each
 * message is pushed into a reorder buffer (reorder.h, tolerance infinite so
 * that a message later than the window is clamped, never refused) and the
 * rows it releases are printed at once to a line-buffered file. The key
 * text cannot ride in struct arrival (it holds only a hash), so encoded
 * keys live in a slot pool of window + 1 strings whose slot number travels
 * as the reorder item's `line`; a slot is freed when its row is printed.
 * Invariants: rows leave in non-decreasing timestamp order (reorder.h);
 * the time origin is the first row printed, so no time is negative; times
 * are whole ms, printed from integers (no rounding through a double).
 * Memory: O(sort_window) whatever the recording length.
 * The wall clock is read only through opts->now (main.c owns the clock).
 */
#include "kafkarec.h"

#include "err.h"
#include "reorder.h"
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_u64(const char *opt, const char *v, uint64_t *out,
		     struct err *e)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (!*v || *end || *v == '-' || *v == '+' || errno)
		return err_set(e, ERR_INPUT, "%s: expected a non-negative integer, "
			       "got '%s'", opt, v);
	*out = x;
	return 0;
}

static int parse_secs(const char *opt, const char *v, double *out,
		      struct err *e)
{
	char *end;
	double x = strtod(v, &end);
	if (!*v || *end || !isfinite(x) || !(x > 0) || strpbrk(v, "xX"))
		return err_set(e, ERR_INPUT, "%s: expected a number of seconds > 0, "
			       "got '%s'", opt, v);
	*out = x;
	return 0;
}

void kafkarec_usage(FILE *out)
{
	fprintf(out,
		"usage: spate record --brokers HOST:PORT[,...] --topic T --out FILE\n"
		"                    [--group G] [--from-beginning] [--duration S]\n"
		"                    [--max N] [--until-end] [--sort-window N]\n"
		"                    [--set PROP=VALUE ...]\n"
		"  records the topic's messages as a spate-csv trace (time_s,topic,\n"
		"  key,size_bytes) until --max messages, --duration seconds, the end of\n"
		"  every partition (--until-end) or Ctrl-C;\n"
		"  --set passes a librdkafka property (e.g. security.protocol=ssl)\n");
}

int kafkarec_cli(int argc, char **argv, FILE *out, volatile sig_atomic_t *stop,
		 double (*now)(void), struct err *e)
{
	const char **props = calloc((size_t)argc + 1, sizeof *props);
	if (!props)
		return err_set(e, ERR_INTERNAL, "out of memory");
	struct kafkarec_opts o = {
		.sort_window = KAFKAREC_DEFAULT_WINDOW, .props = props,
		.stop = stop, .now = now,
	};
	int rc = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--from-beginning")) {
			o.from_beginning = 1;
			continue;
		}
		if (!strcmp(a, "--until-end")) {
			o.until_end = 1;
			continue;
		}
		if (a[0] != '-') {
			err_set(e, ERR_INPUT, "record: unexpected argument '%s'", a);
			goto done;
		}
		if (i + 1 >= argc) {
			err_set(e, ERR_INPUT, "record: %s needs a value", a);
			goto done;
		}
		const char *v = argv[++i];
		uint64_t u;
		if (!strcmp(a, "--brokers")) {
			o.brokers = v;
		} else if (!strcmp(a, "--topic")) {
			o.topic = v;
		} else if (!strcmp(a, "--group")) {
			o.group = v;
		} else if (!strcmp(a, "--out")) {
			o.out_path = v;
		} else if (!strcmp(a, "--duration")) {
			if (parse_secs(a, v, &o.duration_s, e) != 0)
				goto done;
		} else if (!strcmp(a, "--max")) {
			if (parse_u64(a, v, &o.max, e) != 0)
				goto done;
			if (!o.max) {
				err_set(e, ERR_INPUT, "--max: must be >= 1");
				goto done;
			}
		} else if (!strcmp(a, "--sort-window")) {
			if (parse_u64(a, v, &u, e) != 0)
				goto done;
			if (u > KAFKAREC_MAX_WINDOW) {
				err_set(e, ERR_INPUT, "--sort-window: at most %d, got "
					"%" PRIu64, KAFKAREC_MAX_WINDOW, u);
				goto done;
			}
			o.sort_window = (long)u;
		} else if (!strcmp(a, "--set")) {
			props[o.nprops++] = v;
		} else {
			err_set(e, ERR_INPUT, "record: unknown option '%s'", a);
			goto done;
		}
	}
	struct kafkarec_result r = { .origin_ms = -1 };
	if (kafkarec_run(&o, &r, e) != 0)
		goto done;
	fprintf(out, "recorded %" PRIu64 " messages of %s to %s", r.messages,
		o.topic, o.out_path);
	if (r.late)
		fprintf(out, "; %" PRIu64 " later than the sort window, written at "
			"the previous row's time (raise --sort-window)", r.late);
	if (r.no_timestamp)
		fprintf(out, "; %" PRIu64 " without a timestamp, written at the "
			"previous row's time", r.no_timestamp);
	fprintf(out, "\n");
	rc = 0;
done:
	free(props);
	return rc;
}

/* Checks the options every build can check. */
static int check_opts(const struct kafkarec_opts *o, struct err *e)
{
	if (!o->brokers || !*o->brokers)
		return err_set(e, ERR_INPUT, "record: missing --brokers HOST:PORT");
	if (!o->topic || !*o->topic)
		return err_set(e, ERR_INPUT, "record: missing --topic T");
	if (!o->out_path || !*o->out_path)
		return err_set(e, ERR_INPUT, "record: missing --out FILE");
	size_t n = strlen(o->topic);
	if (n > 249 || strspn(o->topic, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return err_set(e, ERR_INPUT, "--topic '%.80s': a Kafka topic name is "
			       "1-249 characters of [a-zA-Z0-9._-]", o->topic);
	if (o->sort_window < 0 || o->sort_window > KAFKAREC_MAX_WINDOW)
		return err_set(e, ERR_INPUT, "sort window %ld: must be in [0, %d]",
			       o->sort_window, KAFKAREC_MAX_WINDOW);
	if (o->duration_s < 0 || !isfinite(o->duration_s) ||
	    (o->duration_s > 0 && !o->now))
		return err_set(e, ERR_INPUT, "duration %g s: must be >= 0 (and "
			       "needs a clock)", o->duration_s);
	for (int i = 0; i < o->nprops; i++) {
		const char *eq = strchr(o->props[i], '=');
		if (!eq || eq == o->props[i])
			return err_set(e, ERR_INPUT, "--set '%s': expected "
				       "PROPERTY=VALUE", o->props[i]);
	}
	return 0;
}

#ifndef SPATE_KAFKA

#define NO_KAFKA "spate was built without librdkafka: install librdkafka-dev " \
		 "(make deps) and rebuild"

int kafkarec_available(void)
{
	return 0;
}

int kafkarec_run(const struct kafkarec_opts *o, struct kafkarec_result *res,
		 struct err *e)
{
	if (check_opts(o, e) != 0)
		return -1;
	return err_set(e, ERR_INPUT, "record: " NO_KAFKA);
}

struct kafkarec_mock *kafkarec_mock_new(int brokers, const char *topic,
					int partitions, struct err *e)
{
	err_set(e, ERR_INTERNAL, "mock cluster: " NO_KAFKA);
	return NULL;
}

const char *kafkarec_mock_brokers(const struct kafkarec_mock *m)
{
	return "";
}

int kafkarec_mock_produce(struct kafkarec_mock *m, int partition,
			  int64_t timestamp_ms, const char *key, size_t keylen,
			  long value_len, struct err *e)
{
	return err_set(e, ERR_INTERNAL, "mock cluster: " NO_KAFKA);
}

int kafkarec_mock_flush(struct kafkarec_mock *m, struct err *e)
{
	return err_set(e, ERR_INTERNAL, "mock cluster: " NO_KAFKA);
}

void kafkarec_mock_free(struct kafkarec_mock *m)
{
}

#else /* SPATE_KAFKA */

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Metadata wait at start: long enough for a remote broker, short enough to
 * say "unreachable" before a user gives up. */
#define KAFKAREC_CONNECT_MS 10000
#define KAFKAREC_POLL_MS 100

int kafkarec_available(void)
{
	return 1;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
		   const char *buf)
{
	if (level <= 4)    /* syslog warning and worse */
		fprintf(stderr, "spate record: kafka: %s: %s\n", fac, buf);
}

static void quiet_log_cb(const rd_kafka_t *rk, int level, const char *fac,
			 const char *buf)
{
	if (level <= 3)
		fprintf(stderr, "spate mock kafka: %s: %s\n", fac, buf);
}

static int conf_set(rd_kafka_conf_t *c, const char *name, const char *val,
		    struct err *e)
{
	char msg[512];
	if (rd_kafka_conf_set(c, name, val, msg, sizeof msg) != RD_KAFKA_CONF_OK)
		return err_set(e, ERR_INPUT, "kafka property %s=%s: %s", name, val,
			       msg);
	return 0;
}

/* --- the recorder ------------------------------------------------------ */

struct rec {
	const struct kafkarec_opts *o;
	struct kafkarec_result *res;
	FILE *f;
	struct reorder *ro;
	char **keys;          /* [window + 1] encoded keys, NULL = keyless */
	long *free_slots;     /* stack of unused slot numbers */
	long nfree;
	int have_seen;
	double max_seen_ms;
};

/* The key as written (kafkarec.h), malloc'ed; NULL for a null key (also
 * NULL with *oom set when out of memory). */
static char *encode_key(const void *key, size_t len, int *oom)
{
	const unsigned char *k = key;
	*oom = 0;
	if (!key)
		return NULL;
	int plain = len > 0 && !(len >= 4 && memcmp(k, "hex:", 4) == 0);
	for (size_t i = 0; plain && i < len; i++)
		plain = k[i] >= 0x20 && k[i] <= 0x7e && k[i] != ',';
	char *s = malloc(plain ? len + 1 : 4 + 2 * len + 1);
	if (!s) {
		*oom = 1;
		return NULL;
	}
	if (plain) {
		memcpy(s, k, len);
		s[len] = '\0';
		return s;
	}
	memcpy(s, "hex:", 4);
	for (size_t i = 0; i < len; i++)
		snprintf(s + 4 + 2 * i, 3, "%02x", k[i]);
	s[4 + 2 * len] = '\0';
	return s;
}

static int write_row(struct rec *r, const struct reorder_item *it, struct err *e)
{
	int64_t ms = (int64_t)it->a.t;
	if (r->res->origin_ms < 0)
		r->res->origin_ms = ms;
	int64_t d = ms - r->res->origin_ms;   /* >= 0: rows leave in order */
	char *key = r->keys[it->line];
	fprintf(r->f, "%" PRId64 ".%03d,%s,%s,%.0f\n", d / 1000, (int)(d % 1000),
		r->o->topic, key ? key : "", it->a.size);
	free(key);
	r->keys[it->line] = NULL;
	r->free_slots[r->nfree++] = it->line;
	r->res->messages++;
	if (ferror(r->f))
		return err_set(e, ERR_INTERNAL, "%s: write failed: %s",
			       r->o->out_path, strerror(errno));
	return 0;
}

static int drain(struct rec *r, int flush, struct err *e)
{
	struct reorder_item it;
	while (reorder_pop(r->ro, flush, &it))
		if (write_row(r, &it, e) != 0)
			return -1;
	return 0;
}

static int take_message(struct rec *r, const rd_kafka_message_t *m,
			struct err *e)
{
	rd_kafka_timestamp_type_t tt;
	int64_t ts = rd_kafka_message_timestamp(m, &tt);
	double t;
	if (ts < 0 || tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) {
		if (!r->have_seen)
			return err_set(e, ERR_INPUT, "topic %s partition %" PRId32
				       " offset %" PRId64 ": the first message has "
				       "no timestamp (a broker older than Kafka "
				       "0.10?)", r->o->topic, m->partition,
				       m->offset);
		r->res->no_timestamp++;
		t = r->max_seen_ms;
	} else {
		t = (double)ts;
		if (!r->have_seen || t > r->max_seen_ms)
			r->max_seen_ms = t;
		r->have_seen = 1;
		double last = reorder_last(r->ro);
		if (!isnan(last) && t < last)
			r->res->late++;
	}
	int oom;
	char *key = encode_key(m->key, m->key_len, &oom);
	if (oom)
		return err_set(e, ERR_INTERNAL, "out of memory");
	struct arrival a = { .t = t, .size = m->payload ? (double)m->len : 0,
			     .keyed = key != NULL };
	long slot = r->free_slots[--r->nfree];
	r->keys[slot] = key;
	if (reorder_push(r->ro, &a, slot, 1) != 0)
		return err_set(e, ERR_INTERNAL, "reorder buffer overflow");
	return drain(r, 0, e);
}

/* Connects, checks that the topic exists, subscribes. */
static rd_kafka_t *open_consumer(const struct kafkarec_opts *o, int *nparts_out,
				 struct err *e)
{
	char msg[512];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	rd_kafka_conf_set_log_cb(c, log_cb);
	if (conf_set(c, "bootstrap.servers", o->brokers, e) ||
	    conf_set(c, "client.id", "spate-record", e) ||
	    /* librdkafka wants a group id even for assign(); without --group
	     * it is never joined and nothing is committed under it */
	    conf_set(c, "group.id", o->group ? o->group : "spate-record", e) ||
	    conf_set(c, "enable.auto.commit", o->group ? "true" : "false", e) ||
	    conf_set(c, "enable.partition.eof", o->until_end ? "true" : "false",
		     e) ||
	    conf_set(c, "auto.offset.reset", o->from_beginning ? "earliest"
		     : "latest", e)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	for (int i = 0; i < o->nprops; i++) {
		char name[256];
		const char *eq = strchr(o->props[i], '=');
		snprintf(name, sizeof name, "%.*s", (int)(eq - o->props[i]),
			 o->props[i]);
		if (conf_set(c, name, eq + 1, e) != 0) {
			rd_kafka_conf_destroy(c);
			return NULL;
		}
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, msg, sizeof msg);
	if (!rk) {
		rd_kafka_conf_destroy(c);
		err_set(e, ERR_INPUT, "kafka consumer: %s", msg);
		return NULL;
	}
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md,
						    KAFKAREC_CONNECT_MS);
	if (err) {
		err_set(e, ERR_INPUT, "brokers %s: cannot get the cluster's "
			"metadata within %d s: %s", o->brokers,
			KAFKAREC_CONNECT_MS / 1000, rd_kafka_err2str(err));
		rd_kafka_destroy(rk);
		return NULL;
	}
	int found = 0, nparts = 0;
	char list[400] = "";
	size_t len = 0;
	for (int i = 0; i < md->topic_cnt; i++) {
		const char *name = md->topics[i].topic;
		if (!strcmp(name, o->topic) && !md->topics[i].err) {
			found = 1;
			nparts = md->topics[i].partition_cnt;
		}
		if (name[0] != '_' && len + strlen(name) + 8 < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
						len ? ", " : "", name);
	}
	rd_kafka_metadata_destroy(md);
	if (!found) {
		err_set(e, ERR_INPUT, "topic '%s' does not exist on %s (topics: %s)",
			o->topic, o->brokers, len ? list : "none");
		rd_kafka_destroy(rk);
		return NULL;
	}
	*nparts_out = nparts;
	rd_kafka_poll_set_consumer(rk);
	/* with a group: subscribe (partitions follow the group's rebalances);
	 * without: assign every partition directly, no group protocol at all */
	rd_kafka_topic_partition_list_t *sub =
		rd_kafka_topic_partition_list_new(o->group ? 1 : nparts);
	if (o->group) {
		rd_kafka_topic_partition_list_add(sub, o->topic, RD_KAFKA_PARTITION_UA);
		err = rd_kafka_subscribe(rk, sub);
	} else {
		for (int p = 0; p < nparts; p++)
			rd_kafka_topic_partition_list_add(sub, o->topic, p)->offset =
				o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING
						  : RD_KAFKA_OFFSET_END;
		err = rd_kafka_assign(rk, sub);
	}
	rd_kafka_topic_partition_list_destroy(sub);
	if (err) {
		err_set(e, ERR_INPUT, "topic %s: cannot %s: %s", o->topic,
			o->group ? "subscribe" : "assign its partitions",
			rd_kafka_err2str(err));
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
		return NULL;
	}
	return rk;
}

/* Partitions of the topic currently ours: all of them without a group. */
static int assigned(rd_kafka_t *rk, const struct kafkarec_opts *o, int nparts)
{
	if (!o->group)
		return nparts;
	rd_kafka_topic_partition_list_t *l = NULL;
	int n = 0;
	if (rd_kafka_assignment(rk, &l) == RD_KAFKA_RESP_ERR_NO_ERROR && l) {
		for (int i = 0; i < l->cnt; i++)
			n += strcmp(l->elems[i].topic, o->topic) == 0;
		rd_kafka_topic_partition_list_destroy(l);
	}
	return n;
}

static int consume(struct rec *r, rd_kafka_t *rk, int nparts, struct err *e)
{
	const struct kafkarec_opts *o = r->o;
	/* --until-end: which partitions are read to their end right now */
	unsigned char *at_end = calloc(nparts > 0 ? (size_t)nparts : 1, 1);
	int n_end = 0, done = 0;
	if (!at_end)
		return err_set(e, ERR_INTERNAL, "out of memory");
	double t_end = o->duration_s > 0 ? o->now() + o->duration_s : INFINITY;
	uint64_t taken = 0;
	while (!done && !(o->stop && *o->stop) && !(o->max && taken >= o->max)) {
		if (o->duration_s > 0 && o->now() >= t_end)
			break;
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, KAFKAREC_POLL_MS);
		if (!m)
			continue;
		int rc = 0;
		int p = m->partition;
		int known = p >= 0 && p < nparts;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (known && !at_end[p]) {
				at_end[p] = 1;
				n_end++;
			}
			int a = assigned(rk, o, nparts);
			done = o->until_end && a > 0 && n_end >= a;
		} else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
			   m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
			   m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
			   m->err == RD_KAFKA_RESP_ERR__FATAL) {
			rc = err_set(e, ERR_INPUT, "topic %s: %s", o->topic,
				     rd_kafka_message_errstr(m));
		} else if (m->err) {
			fprintf(stderr, "spate record: kafka: %s\n",
				rd_kafka_message_errstr(m));
		} else {
			if (known && at_end[p]) {
				at_end[p] = 0;
				n_end--;
			}
			taken++;
			rc = take_message(r, m, e);
		}
		rd_kafka_message_destroy(m);
		if (rc != 0) {
			free(at_end);
			return -1;
		}
	}
	free(at_end);
	return drain(r, 1, e);
}

int kafkarec_run(const struct kafkarec_opts *o, struct kafkarec_result *res,
		 struct err *e)
{
	struct kafkarec_result local;
	if (!res)
		res = &local;
	*res = (struct kafkarec_result){ .origin_ms = -1 };
	if (check_opts(o, e) != 0)
		return -1;
	struct rec r = { .o = o, .res = res };
	size_t nslots = (size_t)o->sort_window + 1;
	r.ro = reorder_new((size_t)o->sort_window, INFINITY);
	r.keys = calloc(nslots, sizeof *r.keys);
	r.free_slots = malloc(nslots * sizeof *r.free_slots);
	rd_kafka_t *rk = NULL;
	int rc = -1, fd = -1, nparts = 0;
	if (!r.ro || !r.keys || !r.free_slots) {
		err_set(e, ERR_INTERNAL, "out of memory (sort window %ld)",
			o->sort_window);
		goto out;
	}
	for (long i = 0; i < (long)nslots; i++)
		r.free_slots[r.nfree++] = (long)nslots - 1 - i;
	/* connect first: a broker or topic error leaves no empty file behind
	 * (O_EXCL below still guards against a file appearing meanwhile) */
	if (access(o->out_path, F_OK) == 0) {
		err_set(e, ERR_INPUT, "%s: cannot create (it exists: recordings "
			"are not overwritten)", o->out_path);
		goto out;
	}
	if (!(rk = open_consumer(o, &nparts, e)))
		goto out;
	fd = open(o->out_path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0 || !(r.f = fdopen(fd, "w"))) {
		err_set(e, ERR_INPUT, "%s: cannot create%s: %s", o->out_path,
			errno == EEXIST ? " (it exists: recordings are not "
			"overwritten)" : "", strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	/* line buffered: a killed recorder loses no row it printed */
	setvbuf(r.f, NULL, _IOLBF, BUFSIZ);
	fprintf(r.f, "time_s,topic,key,size_bytes\n");
	rc = consume(&r, rk, nparts, e);
out:
	if (rk) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	if (r.f && fclose(r.f) != 0 && rc == 0)
		rc = err_set(e, ERR_INTERNAL, "%s: write failed: %s", o->out_path,
			     strerror(errno));
	for (size_t i = 0; r.keys && i < nslots; i++)
		free(r.keys[i]);
	free(r.keys);
	free(r.free_slots);
	reorder_free(r.ro);
	return rc;
}

/* --- mock cluster for tests -------------------------------------------- */

struct kafkarec_mock {
	rd_kafka_t *host;               /* owns the mock cluster */
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *prod;
	char *topic;
	char *brokers;
	long failed;                    /* deliveries that failed */
	char first_failure[256];
};

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct kafkarec_mock *m = opaque;
	if (msg->err && m->failed++ == 0)
		snprintf(m->first_failure, sizeof m->first_failure, "%s",
			 rd_kafka_err2str(msg->err));
}

void kafkarec_mock_free(struct kafkarec_mock *m)
{
	if (!m)
		return;
	if (m->prod)
		rd_kafka_destroy(m->prod);
	if (m->mc)
		rd_kafka_mock_cluster_destroy(m->mc);
	if (m->host)
		rd_kafka_destroy(m->host);
	free(m->topic);
	free(m->brokers);
	free(m);
}

static rd_kafka_t *new_producer(const char *brokers, struct kafkarec_mock *m,
				struct err *e)
{
	char msg[512];
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	if (!c) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	rd_kafka_conf_set_log_cb(c, quiet_log_cb);
	if (brokers) {
		rd_kafka_conf_set_opaque(c, m);
		rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
	}
	if ((brokers && conf_set(c, "bootstrap.servers", brokers, e)) ||
	    conf_set(c, "linger.ms", "0", e)) {
		rd_kafka_conf_destroy(c);
		return NULL;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, msg, sizeof msg);
	if (!rk) {
		rd_kafka_conf_destroy(c);
		err_set(e, ERR_INTERNAL, "kafka producer: %s", msg);
	}
	return rk;
}

struct kafkarec_mock *kafkarec_mock_new(int brokers, const char *topic,
					int partitions, struct err *e)
{
	struct kafkarec_mock *m = calloc(1, sizeof *m);
	if (!m || !(m->topic = strdup(topic))) {
		free(m);
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	if (!(m->host = new_producer(NULL, m, e)))
		goto fail;
	if (!(m->mc = rd_kafka_mock_cluster_new(m->host, brokers))) {
		err_set(e, ERR_INTERNAL, "cannot start a mock cluster");
		goto fail;
	}
	rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(m->mc, topic,
							     partitions, 1);
	if (err) {
		err_set(e, ERR_INTERNAL, "mock topic %s: %s", topic,
			rd_kafka_err2str(err));
		goto fail;
	}
	if (!(m->brokers = strdup(rd_kafka_mock_cluster_bootstraps(m->mc)))) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (!(m->prod = new_producer(m->brokers, m, e)))
		goto fail;
	return m;
fail:
	kafkarec_mock_free(m);
	return NULL;
}

const char *kafkarec_mock_brokers(const struct kafkarec_mock *m)
{
	return m->brokers;
}

int kafkarec_mock_produce(struct kafkarec_mock *m, int partition,
			  int64_t timestamp_ms, const char *key, size_t keylen,
			  long value_len, struct err *e)
{
	void *value = NULL;
	if (value_len >= 0 && !(value = calloc(1, (size_t)value_len + 1)))
		return err_set(e, ERR_INTERNAL, "out of memory");
	if (value)
		memset(value, 'v', (size_t)value_len);
	rd_kafka_resp_err_t err = rd_kafka_producev(
		m->prod, RD_KAFKA_V_TOPIC(m->topic), RD_KAFKA_V_PARTITION(partition),
		RD_KAFKA_V_KEY(key, key ? keylen : 0),
		RD_KAFKA_V_VALUE(value, value ? (size_t)value_len : 0),
		RD_KAFKA_V_TIMESTAMP(timestamp_ms),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	free(value);
	if (err)
		return err_set(e, ERR_INTERNAL, "mock produce: %s",
			       rd_kafka_err2str(err));
	rd_kafka_poll(m->prod, 0);
	return 0;
}

int kafkarec_mock_flush(struct kafkarec_mock *m, struct err *e)
{
	rd_kafka_resp_err_t err = rd_kafka_flush(m->prod, 10000);
	if (err)
		return err_set(e, ERR_INTERNAL, "mock flush: %s",
			       rd_kafka_err2str(err));
	if (m->failed)
		return err_set(e, ERR_INTERNAL, "mock produce: %ld deliveries "
			       "failed, the first: %s", m->failed, m->first_failure);
	return 0;
}

#endif /* SPATE_KAFKA */
