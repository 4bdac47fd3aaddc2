# quicklook_replicas.gp: ready replicas of every function over time, over
# the arrival rate of the entry functions, one panel per run.
#   gnuplot -c plots/quicklook_replicas.gp DATADIR OUTBASE
# DATADIR is what plots/quicklook.sh extracts: meta.gp, steps_<i>_<f>.tsv
# ("t_min ready ready+pending" per timeline sample of function f in run i)
# and rate_<i>.tsv ("t_min msg/s", the entry functions summed). The rate is
# a light grey area on the right axis, behind the replica steps (left
# axis), so the lag between load and capacity shows; all panels share the
# time and both y ranges so runs compare at a glance. Function f keeps
# linetype fn_lt(f) as in every spate figure. Writes OUTBASE.png (and .pdf).

if (ARGC < 2) {
	print 'usage: gnuplot -c quicklook_replicas.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2

_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

if (!exists('NFN') || NFN < 1) {
	print 'quicklook_replicas.gp: no timeline in '.datadir
	exit status 1
}
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)
int_step(m, n) = (m <= n) ? 1 : nice_step(m, n)
RATE_FILL = "fc rgb '#dddddd' fs solid 1.0 noborder"

# Geometry (inches): panels of equal height stacked on one time axis, a
# title strip above each (the run), the key as a last panel at the bottom
# with as many columns as fit the width.
fig_w = 5.6
rate_title = 'arrivals at '.ENTRY_NAMES
rate_title = (strlen(rate_title) <= 20) ? rate_title : 'arrivals (entry)'
key_chars = (FN_CHARS > strlen(rate_title)) ? FN_CHARS : strlen(rate_title)
key_cols = int((fig_w - 0.4) / key_col_in(key_chars))
key_cols = (key_cols < 1) ? 1 : key_cols
key_n = NFN + 1
key_cols = (key_cols > key_n) ? key_n : key_cols
key_rows = int((key_n + key_cols - 1) / key_cols)
panel_h = 1.45; strip_h = 0.3; head_h = 0.3; xlab_h = 0.62
key_h = key_rows * FIG_LINE_IN + 0.15
fig_h = head_h + NRUN * (strip_h + panel_h) + xlab_h + key_h
L = 0.7 / fig_w; R = 1 - 0.95 / fig_w
top_of(i) = 1 - (head_h + (i - 1) * (strip_h + panel_h) + strip_h) / fig_h
bot_of(i) = top_of(i) - panel_h / fig_h

rate_top = (RATE_MAX > 0) ? RATE_MAX : 1

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, fig_w, fig_h)
	set output out_base.'.'.fmt
	set multiplot title sprintf('%s: replicas and load', DB_NAME)
	set lmargin at screen L; set rmargin at screen R
	set xrange [T_MIN:T_MAX]
	set yrange [0:REPL_MAX * 1.08 + 0.5]
	set ytics 0, int_step(REPL_MAX, 4) nomirror
	set mytics 1
	set ylabel 'ready replicas'
	set y2range [0:rate_top * 1.08]
	set y2tics 0, nice_step(rate_top, 3) nomirror tc rgb '#666666'
	set my2tics 1
	set y2label 'arrivals (msg/s)' tc rgb '#666666'
	set border 11 lw 0.8
	unset key
	do for [i = 1:NRUN] {
		set tmargin at screen top_of(i); set bmargin at screen bot_of(i)
		set label 1 RUN_LABEL[i].(RUN_HAS_TL[i] ? '' : ' -- no timeline') \
			at screen L, screen top_of(i) + 0.07 / fig_h left front
		if (i == NRUN) {
			set format x '%g'
			set xlabel 'time (min)' offset 0, 0.4
		} else {
			set format x ''
			unset xlabel
		}
		plot sprintf('%s/rate_%d.tsv', datadir, i) using 1:2 axes x1y2 \
			with filledcurves y1=0 @RATE_FILL, \
		     for [f = 1:NFN] sprintf('%s/steps_%d_%d.tsv', datadir, i, f) \
			using 1:2 with steps lt fn_lt(f), \
		     for [f = 1:NFN] sprintf('%s/stepsm_%d_%d.tsv', datadir, i, f) \
			using 1:2 with points lt fn_lt(f)
	}
	unset label 1
	eval fig_key_panel(0.02 / fig_h, (0.02 + key_h) / fig_h)
	set key at screen 0.5, screen (0.02 + key_h) / fig_h center top horizontal \
		Left reverse maxcols key_cols width 1 nobox
	plot NaN notitle, \
	     for [f = 1:NFN] keyentry with linespoints lt fn_lt(f) title FN[f], \
	     keyentry with filledcurves @RATE_FILL title rate_title
	unset multiplot
	unset output
}
