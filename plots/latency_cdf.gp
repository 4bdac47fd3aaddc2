# latency_cdf.gp: CDF of end-to-end and per-function latency of one run.
#   gnuplot -c plots/latency_cdf.gp DATADIR OUTBASE
# DATADIR is what plots/demo.sh extracts from a results database: meta.gp
# (names, quantiles, axis range, file names), one file per scope with
# "x cdf" rows, x = a bucket's upper bound in seconds (the CDF is exact
# there), cdf = cumulative count / total, and one with the few points that
# carry markers. Writes OUTBASE.png (and .pdf).
# The p50/p99 in the key come from the summary table, so the figure shows
# the numbers the report prints.

if (ARGC < 2) {
	print 'usage: gnuplot -c latency_cdf.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2

# style.gp lives beside this script.
_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

if (!exists('NSCOPE') || NSCOPE < 1) {
	print 'latency_cdf.gp: no latency histogram in '.datadir
	exit status 1
}

set title sprintf('%s / %s (run %d, seed %s): latency CDF', EXPERIMENT, POLICY, RUN_ID, SEED)
set logscale x 10
set xrange [CDF_XMIN:CDF_XMAX]
set format x '%g'
set mxtics 10
set xlabel 'latency (s)'
set yrange [0:1]
set ytics 0, 0.2, 1 format '%.1f'
set mytics 2
set ylabel 'fraction of messages (CDF)'
# p50 and p99 marked on the right; the key gives each scope's values.
set link y2
set y2tics ('p50' 0.5, 'p99' 0.99) scale 0 tc rgb '#555555'
eval 'set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead back '.FIG_REF
eval 'set arrow 2 from graph 0, first 0.99 to graph 1, first 0.99 nohead back '.FIG_REF
# The key goes below the plot (a CDF fills its graph from corner to corner),
# in one column up to 5 curves, else two; the figure grows to hold it, and
# the bottom margin is set from the key's height so the axis label stays
# clear of it.
key_cols = (NSCOPE <= 5) ? 1 : 2
key_rows = int((NSCOPE + key_cols - 1) / key_cols)
key_h = (key_rows + 1) * FIG_LINE_IN + 0.08    # inches, with its title
key_w = key_cols * key_col_in(KEY_CHARS) + 0.3
fig_w = (key_w > 5.0) ? key_w : 5.0
fig_h = 2.9 + key_h
set key at screen 0.5, screen 0.1 / fig_h center bottom
set key vertical Left reverse maxrows key_rows title 'latency p50, p99'
set bmargin at screen (0.1 + key_h + 0.55) / fig_h
set lmargin at screen 0.75 / fig_w
set rmargin at screen 1 - 0.55 / fig_w
set xlabel offset 0, 0.3
scope_lt(i) = (SCOPE_FN[i] == 0) ? 1 : fn_lt(SCOPE_FN[i])

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, fig_w, fig_h)
	set output out_base.'.'.fmt
	plot for [i = 1:NSCOPE] SCOPE_FILE[i] using 1:2 with lines lt scope_lt(i), \
	     for [i = 1:NSCOPE] SCOPE_MARKS[i] using 1:2 with points lt scope_lt(i), \
	     for [i = 1:NSCOPE] keyentry with linespoints lt scope_lt(i) \
		title SCOPE_TITLE[i]
	unset output
}
