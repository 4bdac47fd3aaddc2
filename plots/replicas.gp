# replicas.gp: load and replicas over time for one run, two stacked panels
# on one time axis (minutes).
#   gnuplot -c plots/replicas.gp DATADIR OUTBASE
# Top: arrival rate (msg/s) of the entry function(s), the load the
# autoscaler reacts to. Bottom: ready replicas of every function as a step
# line, with the replicas still cold-starting (pending) as light boxes on
# top of it, so the gap between asking for capacity and having it shows.
# DATADIR is what plots/demo.sh extracts: meta.gp, and per function
# rate_<i>.tsv and steps_<i>.tsv ("t_min rate", "t_min ready" per timeline
# sample), pending_<i>.tsv (one box per sample interval with pending
# replicas: "x y xlo xhi ylo yhi"), and ratem_<i>.tsv, stepsm_<i>.tsv with
# the few points that carry markers. Writes OUTBASE.png (and .pdf).

if (ARGC < 2) {
	print 'usage: gnuplot -c replicas.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2

_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

if (!exists('NFN') || NFN < 1) {
	print 'replicas.gp: no timeline in '.datadir
	exit status 1
}

# A tic step of 1, 2 or 5 times a power of ten giving about n tics up to
# m > 0. Replica counts are integers: their step is at least 1.
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)
int_step(m, n) = (m <= n) ? 1 : nice_step(m, n)

# Geometry in inches: both panels share left and right edges so the time
# axes line up; keys go in the right margin, off the data, sized from the
# longest function name; the lower panel grows to hold one key row per
# function.
key_w = key_col_in(FN_CHARS) + 0.1
fig_w = (3.75 + key_w > 5.0) ? 3.75 + key_w : 5.0
top_h = 1.05
bot_h = (NFN + 1) * FIG_LINE_IN + 0.2
bot_h = (bot_h > 1.9) ? bot_h : 1.9
title_h = 0.38; gap_h = 0.17; foot_h = 0.62
fig_h = title_h + top_h + gap_h + bot_h + foot_h
L = 0.75 / fig_w; R = 1 - key_w / fig_w
BOT_B = foot_h / fig_h;           BOT_T = (foot_h + bot_h) / fig_h
TOP_B = BOT_T + gap_h / fig_h;    TOP_T = 1 - title_h / fig_h

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, fig_w, fig_h)
	set output out_base.'.'.fmt
	set multiplot title sprintf('%s / %s (run %d, seed %s)', EXPERIMENT, POLICY, RUN_ID, SEED)
	set lmargin at screen L; set rmargin at screen R
	set xrange [T_MIN:T_MAX]
	set key outside right top vertical Left reverse

	# Top: load.
	set tmargin at screen TOP_T; set bmargin at screen TOP_B
	set format x ''
	unset xlabel
	set ylabel 'arrivals (msg/s)'
	rate_top = (RATE_MAX > 0) ? RATE_MAX : 1
	set yrange [0:rate_top * 1.08]
	set ytics 0, nice_step(rate_top, 3)
	set format y '%g'
	plot for [j = 1:NENTRY] FN_RATE[ENTRY[j]] using 1:2 with lines lt fn_lt(ENTRY[j]), \
	     for [j = 1:NENTRY] FN_RATE_MARKS[ENTRY[j]] using 1:2 with points lt fn_lt(ENTRY[j]), \
	     for [j = 1:NENTRY] keyentry with linespoints lt fn_lt(ENTRY[j]) title FN[ENTRY[j]]

	# Bottom: replicas.
	set tmargin at screen BOT_T; set bmargin at screen BOT_B
	set format x '%g'
	set xlabel 'time (min)' offset 0, 0.4
	set ylabel 'replicas'
	set yrange [0:REPL_MAX * 1.08 + 0.5]
	set ytics 0, int_step(REPL_MAX, 6)
	set mytics 1
	plot for [i = 1:NFN] FN_PENDING[i] using 1:2:3:4:5:6 with boxxyerror \
		lt fn_lt(i) fs transparent solid FIG_BAND_ALPHA noborder, \
	     for [i = 1:NFN] FN_STEPS[i] using 1:2 with steps lt fn_lt(i), \
	     for [i = 1:NFN] FN_STEPS_MARKS[i] using 1:2 with points lt fn_lt(i), \
	     for [i = 1:NFN] keyentry with linespoints lt fn_lt(i) title FN[i], \
	     keyentry with filledcurves lc rgb '#777777' \
		fs transparent solid FIG_BAND_ALPHA noborder title '+ pending'
	unset multiplot
	unset output
}
