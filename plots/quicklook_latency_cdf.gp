# quicklook_latency_cdf.gp: end-to-end latency CDF of one or more runs,
# overlaid on a log x axis (the figure `spate plot` draws first).
#   gnuplot -c plots/quicklook_latency_cdf.gp DATADIR OUTBASE
# DATADIR is what plots/quicklook.sh extracts: meta.gp, cdf_<i>.tsv ("hi
# fraction" per bucket of run i) and cdfm_<i>.tsv (the few points that carry
# markers). Run i keeps linetype run_lt(i) in every quick-look figure. The
# key, below the axes so no curve hides under it, gives each run's p50 and
# p99 (from summary, else read from the histogram). Writes OUTBASE.png (and
# .pdf).

if (ARGC < 2) {
	print 'usage: gnuplot -c quicklook_latency_cdf.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2

_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

if (!exists('CDF_XMIN')) {
	print 'quicklook_latency_cdf.gp: no latency histogram in '.datadir
	exit status 1
}
run_lt(i) = 1 + (i - 1) % 15

key_chars = 0
do for [i = 1:NRUN] {
	_n = strlen(RUN_LABEL[i]) + strlen(CDF_Q[i]) + 2
	key_chars = (_n > key_chars) ? _n : key_chars
}
key_h = NRUN * FIG_LINE_IN + 0.12
key_w = key_col_in(key_chars) + 0.3
fig_w = (key_w > 5.0) ? key_w : 5.0
fig_h = 2.9 + key_h

set title sprintf('%s: end-to-end latency CDF', DB_NAME)
set logscale x 10
set xrange [CDF_XMIN:CDF_XMAX]
set format x '%g'
set mxtics 10
set xlabel 'latency (s)' offset 0, 0.3
set yrange [0:1]
set ytics 0, 0.2, 1 format '%.1f'
set mytics 2
set ylabel 'fraction of messages (CDF)'
set link y2
set y2tics ('p50' 0.5, 'p99' 0.99) scale 0 tc rgb '#555555'
eval 'set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead back '.FIG_REF
eval 'set arrow 2 from graph 0, first 0.99 to graph 1, first 0.99 nohead back '.FIG_REF
set key at screen 0.5, screen 0.08 / fig_h center bottom vertical Left reverse maxrows NRUN
set bmargin at screen (0.08 + key_h + 0.55) / fig_h
set lmargin at screen 0.75 / fig_w
set rmargin at screen 1 - 0.55 / fig_w

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, fig_w, fig_h)
	set output out_base.'.'.fmt
	plot for [i = 1:NRUN] CDF_FILE[i] using 1:2 with lines lt run_lt(i), \
	     for [i = 1:NRUN] CDF_MARKS[i] using 1:2 with points lt run_lt(i), \
	     for [i = 1:NRUN] keyentry with linespoints lt run_lt(i) \
		title RUN_LABEL[i].': '.CDF_Q[i]
	unset output
}
