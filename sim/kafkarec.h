/*
 * kafkarec: `spate record`, a live Kafka topic recorded as a spate-csv trace.
 *
 *   spate record --brokers HOST:PORT[,...] --topic T --out FILE
 *                [--group G] [--from-beginning] [--duration S] [--max N]
 *                [--until-end] [--sort-window N] [--set PROP=VALUE ...]
 *
 * Each consumed message becomes one row "time_s,topic,key,size_bytes"
 * (workloads/spate_csv.c): time_s is the message timestamp (CreateTime or
 * LogAppendTime, whichever the topic keeps) in seconds since the earliest
 * recorded one, written with exactly the 3 decimals of its ms; size_bytes
 * is the value length (0 for a tombstone); the key is written as is when
 * it is printable ASCII without ',' and does not start with "hex:", else as
 * "hex:" and its bytes in hex (an empty key is "hex:"); a null key is the
 * empty field (keyless). Distinct keys stay distinct, so keyed
 * partitioning replays the same grouping. spate-csv has no partition
 * column: the source partition is not kept.
 * Order: partitions interleave and CreateTime comes from many clocks, but a
 * trace must be in time order, so rows pass through a reorder buffer of
 * --sort-window messages (workloads/reorder.h, default 10000, 56 bytes
 * each plus the key); a message later than that is written at the previous
 * row's time and counted ("late" in the summary) -- never dropped, never
 * silent. A message without a timestamp is written likewise and counted.
 * Durability: the output is line buffered, so every row written is in the
 * file even if the recorder is killed; rows still in the reorder buffer
 * are written when the recording ends (--max, --duration, --until-end:
 * every partition of ours read to its current end, or *stop set by
 * SIGINT/SIGTERM). The output must not exist (a recording is not
 * overwritten by mistake).
 * Offsets: without --group the recorder reads every partition itself (no
 * group, no commits: recording never moves anyone's offsets), from the
 * earliest offsets with --from-beginning, else from the end (new messages
 * only); with --group G it joins G, takes the partitions G gives it, and
 * commits as a normal member; --from-beginning then applies where G has no
 * committed offset.
 * Errors (ERR_INPUT): brokers unreachable within 10 s, unknown topic (the
 * message lists the topics), bad options; librdkafka's own warnings go to
 * stderr prefixed "spate record: kafka:".
 * This module is the only user of rdkafka.h. Built without librdkafka
 * (SPATE_KAFKA undefined), every function fails saying what to install.
 */
#ifndef SPATE_KAFKAREC_H
#define SPATE_KAFKAREC_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

struct err;

#define KAFKAREC_DEFAULT_WINDOW 10000
#define KAFKAREC_MAX_WINDOW 10000000

struct kafkarec_opts {
	const char *brokers;           /* bootstrap servers, required */
	const char *topic;             /* required */
	const char *group;             /* NULL: no group, every partition */
	int from_beginning;
	double duration_s;             /* 0: no limit (wall clock, via now) */
	uint64_t max;                  /* messages; 0: no limit */
	int until_end;                 /* stop when every partition of ours
					  is read to its end (kcat -e) */
	long sort_window;              /* messages held for reordering */
	const char *out_path;          /* required, must not exist */
	const char *const *props;      /* nprops "name=value" librdkafka
					  properties (security, etc.) */
	int nprops;
	volatile sig_atomic_t *stop;   /* may be NULL; nonzero: finish */
	double (*now)(void);           /* wall clock in s; NULL: no duration */
};

struct kafkarec_result {
	uint64_t messages;             /* rows written */
	uint64_t late;                 /* written at the previous row's time */
	uint64_t no_timestamp;         /* likewise, for lack of a timestamp */
	int64_t origin_ms;             /* timestamp of time_s 0; -1: none */
};

/* 1 when built with librdkafka. */
int kafkarec_available(void);

/* Records until max, duration, until_end or *stop. 0 with *res (may be NULL), or -1
 * and e; the rows written before an error stay in the file. */
int kafkarec_run(const struct kafkarec_opts *o, struct kafkarec_result *res,
		 struct err *e);

/* The command: argv are the arguments after "record". Prints a one-line
 * summary to out. 0, or -1 and e. */
int kafkarec_cli(int argc, char **argv, FILE *out, volatile sig_atomic_t *stop,
		 double (*now)(void), struct err *e);
void kafkarec_usage(FILE *out);

/* For tests: librdkafka's built-in mock cluster (no real broker) holding
 * one topic, and a producer writing into it messages with given
 * timestamps, keys (NULL: null key) and value sizes (-1: null value). */
struct kafkarec_mock;
struct kafkarec_mock *kafkarec_mock_new(int brokers, const char *topic,
					int partitions, struct err *e);
/* The bootstrap servers to give kafkarec_opts.brokers. */
const char *kafkarec_mock_brokers(const struct kafkarec_mock *m);
int kafkarec_mock_produce(struct kafkarec_mock *m, int partition,
			  int64_t timestamp_ms, const char *key, size_t keylen,
			  long value_len, struct err *e);
/* Waits until every produced message is acknowledged. 0, or -1 and e. */
int kafkarec_mock_flush(struct kafkarec_mock *m, struct err *e);
void kafkarec_mock_free(struct kafkarec_mock *m);

#endif
