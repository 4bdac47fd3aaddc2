# quicklook_lag.gp: consumer lag over time (records not yet committed in
# the source topics) of one or more runs, overlaid.
#   gnuplot -c plots/quicklook_lag.gp DATADIR OUTBASE
# DATADIR is what plots/quicklook.sh extracts: meta.gp, lag_<i>.tsv ("t_min
# lag" per timeline sample of run i) and lagm_<i>.tsv (marker points). A
# linear y axis: lag is often 0, which a log axis cannot show. Writes
# OUTBASE.png (and .pdf).

if (ARGC < 2) {
	print 'usage: gnuplot -c quicklook_lag.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2

_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

if (!exists('T_MAX')) {
	print 'quicklook_lag.gp: no timeline in '.datadir
	exit status 1
}
run_lt(i) = 1 + (i - 1) % 15
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)

key_chars = 0
do for [i = 1:NRUN] { key_chars = (strlen(RUN_LABEL[i]) > key_chars) ? strlen(RUN_LABEL[i]) : key_chars }
key_h = NRUN * FIG_LINE_IN + 0.12
key_w = key_col_in(key_chars) + 0.3
fig_w = (key_w > 5.0) ? key_w : 5.0
fig_h = 2.6 + key_h

lag_top = (LAG_MAX > 0) ? LAG_MAX : 1
set title sprintf('%s: consumer lag', DB_NAME).(LAG_MAX > 0 ? '' : ' (none recorded)')
set xrange [T_MIN:T_MAX]
set xlabel 'time (min)' offset 0, 0.3
set yrange [0:lag_top * 1.08]
set ytics 0, nice_step(lag_top, 4)
set format y '%g'
set ylabel 'lag (messages)'
set key at screen 0.5, screen 0.08 / fig_h center bottom vertical Left reverse maxrows NRUN
set bmargin at screen (0.08 + key_h + 0.55) / fig_h
set lmargin at screen 0.9 / fig_w
set rmargin at screen 1 - 0.3 / fig_w

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, fig_w, fig_h)
	set output out_base.'.'.fmt
	plot for [i = 1:NRUN] sprintf('%s/lag_%d.tsv', datadir, i) using 1:2 with lines lt run_lt(i), \
	     for [i = 1:NRUN] sprintf('%s/lagm_%d.tsv', datadir, i) using 1:2 with points lt run_lt(i), \
	     for [i = 1:NRUN] keyentry with linespoints lt run_lt(i) title RUN_LABEL[i]
	unset output
}
