# fig_cost_p99.gp: cost against p99 end-to-end latency per policy (the
# Pareto view), 95% confidence intervals on both axes, one panel per load.
#   gnuplot -c plots/fig_cost_p99.gp DATADIR OUTBASE
# DATADIR is what plots/figures.sh writes from `spate report --by
# policy,LOAD --metrics p99,cost_usd --format csv`: meta.gp (NLOAD,
# LOAD_LABEL[], NPOL, POL[], POL_LT[], P99_MIN, P99_MAX),
# pt_<load>_<policy>.tsv ("p99 lo hi cost lo hi") and front_<load>.tsv, the
# Pareto front as a staircase (lower-left is better). p99 spans orders of
# magnitude between policies, so its axis is logarithmic; each panel's
# cost axis is its own (cost grows with the load).

if (ARGC < 2) {
	print 'usage: gnuplot -c fig_cost_p99.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2
_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

pt(i, j) = sprintf('%s/pt_%d_%d.tsv', datadir, i, j)
front(i) = sprintf('%s/front_%d.tsv', datadir, i)

W = 7.0
L_IN = 0.72; R_IN = 0.15; GAP_IN = 0.45
PANEL_H = 2.2; TITLE_H = 0.26; XLAB_H = 0.5
# The key: compact (smaller font, short samples, as many columns as fit)
# so it does not take a third of the figure.
kc = strlen('Pareto front')
do for [j = 1:NPOL] { kc = (strlen(POL[j]) > kc) ? strlen(POL[j]) : kc }
KEY_W = W - 0.14
key_cols = fig_key_cols(KEY_W, kc, NPOL + 1)
key_rows = int((NPOL + 1 + key_cols - 1) / key_cols)
KEY_H = key_rows * FIG_KEY_LINE_IN + 0.2
H = TITLE_H + PANEL_H + XLAB_H + KEY_H
pw = (W - L_IN - R_IN - (NLOAD - 1) * GAP_IN) / NLOAD
px(i) = (L_IN + (i - 1) * (pw + GAP_IN)) / W
XLO = 10**floor(log10(P99_MIN * 0.8))
XHI = 10**ceil(log10(P99_MAX * 1.25))

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, W, H)
	set termoption enhanced
	set output out_base.'.'.fmt
	set multiplot
	set tmargin at screen (KEY_H + XLAB_H + PANEL_H) / H
	set bmargin at screen (KEY_H + XLAB_H) / H
	do for [i = 1:NLOAD] {
		unset key
		set border 3; set xtics nomirror out scale 0.6; set ytics nomirror out scale 0.6
		unset x2tics; unset y2tics
		eval 'set grid xtics ytics back '.FIG_GRID
		set lmargin at screen px(i); set rmargin at screen px(i) + pw / W
		set logscale x 10
		set xrange [XLO:XHI]
		set xtics XLO, (XHI / XLO > 1e4 ? 100 : 10), XHI format '10^{%L}'
		set mxtics (XHI / XLO > 1e4 ? 2 : 10)
		set autoscale y
		set format y '%g'
		set mytics 2
		set label 10 LOAD_LABEL[i] at graph 0.5, graph 1 offset 0, 0.7 center noenhanced
		set xlabel 'p99 latency (s)' offset 0, 0.3
		if (i == 1) { set ylabel 'cost (USD per run)' offset 1, 0 } else { unset ylabel }
		plot front(i) using 1:2 with lines lc rgb '#aaaaaa' lw 3 dt 1, \
		     for [j = 1:NPOL] pt(i, j) using 1:4:2:3:5:6 with xyerrorbars lt POL_LT[j] dt 1 lw 0.8, \
		     for [j = 1:NPOL] pt(i, j) using 1:4 with points lt POL_LT[j]
	}
	eval fig_key_panel(0.02 / H, (KEY_H - 0.02) / H)
	eval fig_key_style(fmt, key_cols, kc, KEY_W)
	plot NaN notitle, for [j = 1:NPOL] keyentry with points lt POL_LT[j] title POL[j], \
	     keyentry with lines lc rgb '#aaaaaa' lw 3 dt 1 title 'Pareto front'
	unset multiplot
	unset output
}
