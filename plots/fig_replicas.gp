# fig_replicas.gp: replicas of every function over time, over the arrival
# rate, one small panel per policy (one load level, one replication).
#   gnuplot -c plots/fig_replicas.gp DATADIR OUTBASE
# DATADIR is what plots/figures.sh writes: meta.gp (NPOL, POL[], NFN, FN[],
# T_MAX, REPL_MAX, RATE_MAX, SUBTITLE), steps_<policy>_<function>.tsv with
# "t_min ready ready+pending" per timeline sample, and rate_<policy>.tsv
# with "t_min msg/s" (the entry functions' arrival rate).
# Every panel has the same axes so the policies compare by eye: replicas
# on the left axis (functions in their fn_lt styles, as in every per-run
# figure), the arrival rate as a grey area on the right axis. Only the
# outer panels carry tick labels; the key sits below.

if (ARGC < 2) {
	print 'usage: gnuplot -c fig_replicas.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2
_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

steps(p, f) = sprintf('%s/steps_%d_%d.tsv', datadir, p, f)
rate(p) = sprintf('%s/rate_%d.tsv', datadir, p)
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)
int_step(m, n) = (m <= n) ? 1 : nice_step(m, n)

W = 7.0
NCOL = (NPOL <= 4) ? NPOL : (NPOL <= 6 ? 3 : 4)
NROW = int((NPOL + NCOL - 1) / NCOL)
L_IN = 0.6; R_IN = 0.68; HGAP = 0.24; VGAP = 0.3
PANEL_H = 1.0; TOP_H = 0.22; XLAB_H = 0.6
# The key goes into the empty cells of the last row, else below. A short
# last row sits lower (LAST_VGAP): the panels above its empty cells carry
# x tick labels and the x label, which must clear the last row's right
# axis and the key; the key starts right of that axis's labels (Y2_IN).
KEY_IN_GRID = (NPOL % NCOL != 0)
KEY_H = KEY_IN_GRID ? 0 : FIG_LINE_IN * 2 + 0.2
LAST_VGAP = KEY_IN_GRID ? XLAB_H + 0.05 : VGAP
Y2_IN = 0.62
H = TOP_H + NROW * PANEL_H + (NROW - 1) * VGAP + (NROW > 1 ? LAST_VGAP - VGAP : 0) + XLAB_H + KEY_H
pw = (W - L_IN - R_IN - (NCOL - 1) * HGAP) / NCOL
col(p) = (p - 1) % NCOL + 1
row(p) = int((p - 1) / NCOL) + 1
# the bottom panel of a column: the last row, or the row above where the
# last row stops short
last_in_col(p) = (p + NCOL > NPOL)
pl(p) = (L_IN + (col(p) - 1) * (pw + HGAP)) / W
pt(p) = 1 - (TOP_H + (row(p) - 1) * (PANEL_H + VGAP) \
	+ (row(p) == NROW && NROW > 1 ? LAST_VGAP - VGAP : 0)) / H
RMAX = (REPL_MAX > 0) ? REPL_MAX : 1
QMAX = (RATE_MAX > 0) ? RATE_MAX : 1

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, W, H)
	set output out_base.'.'.fmt
	set multiplot
	do for [p = 1:NPOL] {
		unset key
		set border 11; set xtics nomirror out scale 0.6; set ytics nomirror out scale 0.6
		unset x2tics
		eval 'set grid xtics ytics back '.FIG_GRID
		set lmargin at screen pl(p); set rmargin at screen pl(p) + pw / W
		set tmargin at screen pt(p); set bmargin at screen pt(p) - PANEL_H / H
		set xrange [0:T_MAX]
		set yrange [0:RMAX * 1.1 + 0.3]
		set y2range [0:QMAX * 1.1]
		set ytics 0, int_step(RMAX, 4)
		set y2tics 0, nice_step(QMAX, 3) out scale 0.6 tc rgb '#777777'
		set xtics 0, nice_step(T_MAX, 3)
		set mxtics 2; set mytics 1
		set label 10 fig_panel_title(POL[p], pw) at graph 0.0, graph 1 offset 0, 0.55 left noenhanced
		if (col(p) == 1) { set ylabel 'replicas' offset 0.8, 0; set format y '%g' } \
		else { unset ylabel; set format y '' }
		if (col(p) == NCOL || p == NPOL) { set y2label 'msg/s' offset -0.9, 0 tc rgb '#777777'; set format y2 '%g' } \
		else { unset y2label; set format y2 '' }
		if (last_in_col(p)) { set xlabel 'time (min)' offset 0, 0.45; set format x '%g' } \
		else { unset xlabel; set format x '' }
		plot rate(p) using 1:2 axes x1y2 with filledcurves y1=0 lc rgb '#d9d9d9' fs solid 1.0 noborder, \
		     for [f = 1:NFN] steps(p, f) using 1:2 with steps lt fn_lt(f) dt 1
	}
	if (KEY_IN_GRID) {
		eval fig_key_panel(pt(NPOL) - PANEL_H / H, pt(NPOL))
		set lmargin at screen pl(NPOL) + (pw + Y2_IN) / W; set rmargin at screen 1 - 0.05 / W
		set key inside center center vertical Left reverse noenhanced
	} else {
		eval fig_key_panel(0.02 / H, (KEY_H - 0.02) / H)
		set key inside center center horizontal maxrows 2 Left reverse noenhanced
	}
	plot NaN notitle, \
	     keyentry with filledcurves lc rgb '#d9d9d9' fs solid 1.0 noborder title 'arrival rate (right axis)', \
	     for [f = 1:NFN] keyentry with lines lt fn_lt(f) dt 1 title sprintf('%s replicas', FN[f])
	unset multiplot
	unset output
}
