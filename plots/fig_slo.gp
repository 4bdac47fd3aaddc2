# fig_slo.gp: SLO violations (% of messages over the SLO latency) per
# policy with 95% confidence intervals, one panel per load level.
#   gnuplot -c plots/fig_slo.gp DATADIR OUTBASE
# DATADIR is what plots/figures.sh writes from `spate report --by
# policy,LOAD --metrics slo_violation_frac --format csv`: meta.gp (NLOAD,
# LOAD_LABEL[], NPOL, POL[], POL_LT[], X_FLOOR, X_TOP) and
# dot_<load>_<policy>.tsv ("pct lo hi row"). A dot plot rather than bars:
# the rates span five orders of magnitude, which a log axis shows and bars
# (anchored at zero) cannot; each policy keeps its row, colour and marker
# in every panel.

if (ARGC < 2) {
	print 'usage: gnuplot -c fig_slo.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2
_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

dot(i, j) = sprintf('%s/dot_%d_%d.tsv', datadir, i, j)
kc = 0
do for [j = 1:NPOL] { kc = (strlen(POL[j]) > kc) ? strlen(POL[j]) : kc }
W = 7.0
L_IN = 0.2 + kc * 0.085; R_IN = 0.22; GAP_IN = 0.38
ROW_H = 0.17; TITLE_H = 0.26; XLAB_H = 0.55
PANEL_H = (NPOL + 1) * ROW_H
H = TITLE_H + PANEL_H + XLAB_H
pw = (W - L_IN - R_IN - (NLOAD - 1) * GAP_IN) / NLOAD
px(i) = (L_IN + (i - 1) * (pw + GAP_IN)) / W
XHI = (X_TOP > 50) ? 100 : 10**ceil(log10(X_TOP * 1.2))

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, W, H)
	set termoption enhanced
	set output out_base.'.'.fmt
	set multiplot
	set label 20 'SLO violations (% of messages over the latency SLO)' at screen (L_IN + (W - L_IN - R_IN) / 2) / W, screen 0.1 / H center
	set tmargin at screen (XLAB_H + PANEL_H) / H
	set bmargin at screen XLAB_H / H
	do for [i = 1:NLOAD] {
		unset key
		set border 3; set xtics nomirror out scale 0.6; set ytics nomirror scale 0
		unset x2tics; unset y2tics
		set grid xtics noytics back lc rgb '#d8d8d8' lw 0.5 dt 1
		set lmargin at screen px(i); set rmargin at screen px(i) + pw / W
		set logscale x 10
		set xrange [X_FLOOR:XHI]
		set xtics X_FLOOR, (XHI / X_FLOOR > 1e4 ? 100 : 10), XHI format '%g'
		set mxtics (XHI / X_FLOOR > 1e4 ? 2 : 10)
		set yrange [NPOL + 0.7:0.3]
		set label 10 LOAD_LABEL[i] at graph 0.5, graph 1 offset 0, 0.7 center noenhanced
		unset xlabel
		if (i == 1) {
			set ytics () noenhanced
			do for [j = 1:NPOL] { set ytics add (POL[j] j) }
		} else {
			set ytics () format ''
			do for [j = 1:NPOL] { set ytics add ('' j) }
		}
		plot for [j = 1:NPOL] dot(i, j) using 1:4:2:3 with xerrorbars lt POL_LT[j] dt 1 lw 0.8, \
		     for [j = 1:NPOL] dot(i, j) using 1:4 with points lt POL_LT[j]
	}
	unset label 20
	unset multiplot
	unset output
}
