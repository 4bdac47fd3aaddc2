/*
 * tracetool: `spate trace stats` and `spate trace convert`.
 *
 * A trace is any file a trace reader of the workload registry can replay
 * (spate-csv, azure-llm-2023, azure-functions-2021, kcat, kafka-dump-log,
 * azure-functions-2019, huawei-2023): the format is named with --format or
 * guessed from the file's first line, and the reader's parameters are set
 * by name with --param k=v (the `path` parameter is the FILE). stats
 * summarises the arrival process in one streaming pass in constant memory;
 * convert rewrites the arrivals as spate-csv so that a trace of any format
 * can be edited, filtered or replayed as spate's own. Both see the trace
 * through the same streaming transforms a config's source has (slice,
 * time scale, shift, rate scale, merge of several files; xform.h).
 * Errors: ERR_INPUT for anything the user gave (a bad option, an unknown
 * format or parameter, a malformed trace: the reader's "FILE:LINE: ..."
 * message is passed on unchanged), ERR_INTERNAL for I/O and memory.
 * Ownership: the caller owns a tracetool_src and closes it with
 * tracetool_close; strings in tracetool_opts are borrowed for the life of
 * the source.
 */
#ifndef SPATE_TRACETOOL_H
#define SPATE_TRACETOOL_H

#include <stdint.h>
#include <stdio.h>

struct arrival;
struct err;

/* The rate plot: at most this many bins (one column or more each), drawn
 * this many rows high. */
#define TRACETOOL_PLOT_BINS 60
#define TRACETOOL_PLOT_ROWS 10

struct tracetool_opts {
	const char *path;             /* the trace file */
	const char *format;           /* workload name; NULL: guessed */
	const char *const *params;    /* nparams strings "name=value" */
	int nparams;
	uint64_t seed;                /* for readers that place arrivals at
					 random inside a count's bin */
	/* Streaming transforms (xform.h), applied in this order after the
	 * merge; zero values change nothing. */
	const char *const *merge;     /* nmerge further traces merged by time
					 with path (same --format, or each
					 guessed; same params) */
	int nmerge;
	int slice;                    /* 1: keep [slice_from_s, slice_to_s) */
	double slice_from_s, slice_to_s;   /* to_s INFINITY: no end */
	int slice_keep_time;          /* 1: do not rebase the window to 0 */
	double time_scale;            /* 0 stands for 1 */
	double shift_s;               /* >= 0 */
	double rate_scale;            /* 0 stands for 1; random draws from
					 the stream "trace/rate_scale" */
};

/* The name of the trace format of path, guessed from its first non-empty
 * line (plain or gzip): the headers of spate-csv, azure-llm-2023,
 * azure-functions-2021, kcat, azure-functions-2019 and huawei-2023, the
 * first lines of kafka-dump-log output, or the shape of a headerless first
 * row. NULL and e (ERR_INPUT "FILE:LINE: cannot guess ...", listing the
 * formats) when nothing fits. */
const char *tracetool_guess(const char *path, struct err *e);

/* Writes the names of the trace formats (registry workloads that read a
 * file), separated by ", ", into buf (size cap); returns buf. */
const char *tracetool_formats(char *buf, size_t cap);

/* A trace opened through its reader, with every parameter resolved: the
 * values of o->params parsed by the parameter's type (NUM, INT in range;
 * BOOL true/false; ENUM one of its choices; STR as is; DIST a number, which
 * stands for a deterministic value), the others from the table's defaults.
 * An unknown name is an error listing the valid ones. NULL and e. */
struct tracetool_src;
struct tracetool_src *tracetool_open(const struct tracetool_opts *o,
				     struct err *e);
/* As the workload's next: 1 with *a, 0 at the end, -1 and e. Also checks the
 * workload contract the tools rely on: finite times in [0, 1e12] s that
 * never decrease, finite sizes >= 0 (ERR_INTERNAL naming the arrival). */
int tracetool_next(struct tracetool_src *s, struct arrival *a, struct err *e);
const char *tracetool_format(const struct tracetool_src *s);
void tracetool_close(struct tracetool_src *s);

/* Counts per fixed bin [k w, (k+1) w) of the trace clock, over every bin
 * from the first arrival's to the last's, empty ones included. */
struct tracetool_bins {
	double width_s;
	uint64_t nbins;
	uint64_t max;         /* largest count in one bin */
	double mean;          /* count / nbins */
	double cv;            /* sample sd (n - 1) / mean; NAN when nbins < 2 */
	double peak_mean;     /* max / mean */
};

struct tracetool_stats {
	char format[64];
	uint64_t count;
	double first_s, last_s, span_s;   /* span = last - first */
	double rate_per_s;                /* count / span; NAN when span is 0 */
	/* over the count - 1 gaps between consecutive arrivals; NAN when there
	 * are none (cv: fewer than 2, or a zero mean) */
	double iat_mean_s, iat_cv;
	double idle_max_s;                /* the longest gap, */
	double idle_from_s;               /* the time it starts, */
	uint64_t idle_after;              /* the arrival (1-based) it follows */
	struct tracetool_bins sec, min;   /* 1 s and 60 s bins */
	double size_mean, size_min, size_max;  /* NAN when count is 0 */
	/* Rate plot, aggregated in the same pass: bins of plot_width_s (1, 5,
	 * 10, 30, 60, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400 s, then
	 * doubling), the narrowest that holds the span in PLOT_BINS bins;
	 * plot[0] starts at plot_start_s, a multiple of the width. */
	double plot_width_s, plot_start_s;
	int plot_nbins;
	uint64_t plot[TRACETOOL_PLOT_BINS];
};

/* Reads the trace once and fills *st. 0, or -1 and e. */
int tracetool_stats(const struct tracetool_opts *o, struct tracetool_stats *st,
		    struct err *e);
/* Aligned "name value" lines and the rate plot. */
void tracetool_print_stats(FILE *out, const char *path,
			   const struct tracetool_stats *st);

/* Writes the trace as spate-csv to out_path: header time_s,topic,key,
 * size_bytes; every row on `topic`; key empty when keyless, else the
 * 16-hex-digit key hash; times with %.9f, or with the fewest further
 * decimals (up to 17, then %.17g) that give back the same double, so that
 * spate-csv reads identical times; sizes in the shortest exact form. The
 * file is written beside out_path and renamed into place at the end, so a
 * failed conversion leaves no partial output and out_path may be the input.
 * *count (may be NULL) gets the number of rows. 0, or -1 and e. */
int tracetool_convert(const struct tracetool_opts *o, const char *topic,
		      const char *out_path, uint64_t *count, struct err *e);

/* The `spate trace` command: argv[0] is "stats" or "convert", then FILE and
 * options (--format F, --param k=v ..., --seed N, --merge FILE2 ...,
 * --slice FROM:TO (TO empty: no end), --keep-time, --time-scale X,
 * --shift S, --rate-scale R; convert: --out OUT.csv, --topic T). stats prints to out; convert prints one line saying what it
 * wrote. 0, or -1 and e. */
int tracetool_cli(int argc, char **argv, FILE *out, struct err *e);
void tracetool_usage(FILE *out);

#endif
