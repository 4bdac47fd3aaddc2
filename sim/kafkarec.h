/*
 * kafkarec: `spate record`, a live Kafka topic recorded as a replayable trace.
 *
 *   spate record --brokers HOST:PORT[,...] --topic T --out FILE
 *                [--from beginning|end|TIME] [--until TIME]
 *                [--count N] [--until-end] [--duration S]
 *                [--format spate-csv|kcat] [--group G] [--sort-window N]
 *                [--set PROP=VALUE ...]
 *   (--from-beginning is --from beginning; --max N is --count N)
 *
 * TIME is an epoch time in seconds with optional decimals (1795341600,
 * 1795341600.25) or an ISO 8601 time with its zone (2026-11-22T10:00:00Z,
 * 2026-11-22T12:00:00.5+02:00); a time finer than a ms is rounded up, so
 * ">= TIME" means the same for the ms timestamps Kafka keeps.
 *
 * Formats (--format; spate-csv is the default):
 *   spate-csv  "time_s,topic,key,size_bytes" (workloads/spate_csv.c): time_s
 *              is the message timestamp in seconds since the earliest
 *              recorded one, with exactly the 3 decimals of its ms;
 *              size_bytes is the value length (0 for a tombstone); the key
 *              is written as is when it is printable ASCII without ',' and
 *              does not start with "hex:", else as "hex:" and its bytes in
 *              hex (an empty key is "hex:"); a null key is the empty field
 *              (keyless). Distinct keys stay distinct, so keyed partitioning
 *              replays the same grouping -- by spate's hash, not Kafka's,
 *              so not onto the recorded partitions. No partition, no offset.
 *   kcat       "timestamp_ms,topic,partition,offset,key_len,value_len", the
 *              rows `kcat -f '%T,%t,%p,%o,%K,%S\n'` prints (the kcat
 *              reader, workloads/kcat.c): the timestamp in ms since the
 *              epoch, the source partition and offset, key and value lengths
 *              (-1 for a null key or value). Keys themselves are not kept.
 *              Replayed with the kcat reader's partition_key = same and as
 *              many simulated partitions as the topic has, every message
 *              lands on its recorded partition (with the reader's default,
 *              partition_key = hash, source partitions may share one).
 * Both have a header line.
 * Order: partitions interleave and CreateTime comes from many clocks, but a
 * trace must be in time order, so rows pass through a reorder buffer of
 * --sort-window messages (workloads/reorder.h, default 10000, 56 bytes
 * each plus 40 and the key); a message later than that is written at the
 * previous row's time (its timestamp_ms in kcat format) and counted ("late"
 * in the summary) -- never dropped, never silent. A message without a
 * timestamp is written likewise and counted.
 * Where to start (--from): beginning = each partition's earliest offset;
 * end (the default) = new messages only; TIME = each partition's first
 * offset whose timestamp is >= TIME (rd_kafka_offsets_for_times), end where
 * there is none; everything after that offset is recorded, even a message
 * with an older CreateTime. A broker that does not look offsets up by time
 * (it answers -1 even for time 0 on a partition that holds messages, as
 * librdkafka's mock cluster does) is detected, and such a partition is read
 * from its start, skipping messages up to the first one at or after TIME:
 * the same start, found by reading.
 * When to stop: --until TIME finishes a partition at its first message with
 * a timestamp >= TIME (that message and any after it are not written; the
 * partition is paused); --until-end finishes a partition when it is read to
 * its current end (kcat -e; a later message reopens it). The recording ends
 * when every partition of ours is finished, or after --count messages
 * written, --duration seconds, or SIGINT/SIGTERM (*stop). Without
 * --until-end, a partition that never gets a message at or after --until
 * keeps the recording going.
 * Durability: the output is line buffered, so every row written is in the
 * file even if the recorder is killed; rows still in the reorder buffer
 * are written when the recording ends. The output must not exist (a
 * recording is not overwritten by mistake).
 * Offsets: without --group the recorder reads every partition itself (no
 * group, no commits: recording never moves anyone's offsets); with --group
 * G it joins G, takes the partitions G gives it, and commits as a normal
 * member; --from then applies where G has no committed offset.
 * Errors (ERR_INPUT): brokers unreachable within 10 s, unknown topic (the
 * message lists the topics), bad options (naming the option and value);
 * librdkafka's own warnings go to stderr prefixed "spate record: kafka:".
 * This module is the only user of rdkafka.h. Built without librdkafka
 * (SPATE_KAFKA undefined), every function that needs it fails saying what
 * to install.
 */
#ifndef SPATE_KAFKAREC_H
#define SPATE_KAFKAREC_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

struct err;

#define KAFKAREC_DEFAULT_WINDOW 10000
#define KAFKAREC_MAX_WINDOW 10000000

enum kafkarec_format {
	KAFKAREC_SPATE_CSV = 0,        /* time_s,topic,key,size_bytes */
	KAFKAREC_KCAT,                 /* timestamp_ms,topic,partition,offset,
					  key_len,value_len */
};

/* Why a recording ended. */
enum kafkarec_end {
	KAFKAREC_END_NONE = 0,         /* not ended (an error) */
	KAFKAREC_END_COUNT,            /* max messages written */
	KAFKAREC_END_DURATION,
	KAFKAREC_END_PARTITIONS,       /* every partition of ours finished
					  (until_ms or until_end) */
	KAFKAREC_END_STOP,             /* *stop was set */
};

struct kafkarec_opts {
	const char *brokers;           /* bootstrap servers, required */
	const char *topic;             /* required */
	const char *group;             /* NULL: no group, every partition */
	int from_beginning;            /* ignored when from_ms > 0 */
	int64_t from_ms;               /* > 0: start at the first offset whose
					  timestamp (ms since the epoch) is >=
					  from_ms; 0: not set */
	int64_t until_ms;              /* > 0: a partition is finished at its
					  first message with timestamp >=
					  until_ms; 0: no limit */
	enum kafkarec_format format;
	double duration_s;             /* 0: no limit (wall clock, via now) */
	uint64_t max;                  /* messages written (--count); 0: no
					  limit */
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
	uint64_t skipped;              /* read but not written: at or after
					  until_ms, or before from_ms while
					  reading a partition from its start */
	int64_t origin_ms;             /* timestamp of the first row (time_s 0
					  in spate-csv); -1: none */
	enum kafkarec_end end;
};

/* 1 when built with librdkafka. */
int kafkarec_available(void);

/* TIME (see above) as ms since the epoch, > 0: 0, or -1 and e naming opt
 * and the text. */
int kafkarec_parse_time(const char *opt, const char *text, int64_t *ms,
			struct err *e);

/* Records until max, duration, every partition finished, or *stop. 0 with
 * *res (may be NULL; res->end says why it ended), or -1 and e; the rows
 * written before an error stay in the file. */
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
