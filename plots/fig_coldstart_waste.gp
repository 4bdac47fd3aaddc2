# fig_coldstart_waste.gp: requests that met a cold start against wasted
# memory-time (memory held by idle replicas), fixed keep-alives against the
# hybrid histogram, one panel per load level, 95% intervals on both axes.
#   gnuplot -c plots/fig_coldstart_waste.gp DATADIR OUTBASE
# DATADIR is what plots/figures.sh writes from `spate report --by
# autoscaler,LOAD --metrics cold_request_frac,wasted_gb_seconds --format
# csv`: meta.gp (NLOAD, LOAD_LABEL[], NPOL, POL[], POL_LT[]) and
# ka_<load>_<policy>.tsv ("GB-h lo hi pct lo hi keep_alive_s", by
# keep-alive). A policy with several keep-alives is a line from the
# shortest to the longest, each point labelled with its keep-alive; lower
# left is better on both axes.

if (ARGC < 2) {
	print 'usage: gnuplot -c fig_coldstart_waste.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2
_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

ka(i, j) = sprintf('%s/ka_%d_%d.tsv', datadir, i, j)
ka_label(s) = (s != s) ? '' : (s >= 3600 && int(s) % 3600 == 0) ? sprintf('%d h', s / 3600) \
	: (s >= 60 && int(s) % 60 == 0) ? sprintf('%d min', s / 60) : sprintf('%g s', s)
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)
pol_title(j) = (POL[j] eq 'lambda') ? 'fixed keep-alive (lambda)' : POL[j]

W = 7.0
L_IN = 0.62; R_IN = 0.15; GAP_IN = 0.55
PANEL_H = 2.2; TITLE_H = 0.26; XLAB_H = 0.6; KEY_H = FIG_LINE_IN + 0.2
H = TITLE_H + PANEL_H + XLAB_H + KEY_H
pw = (W - L_IN - R_IN - (NLOAD - 1) * GAP_IN) / NLOAD
px(i) = (L_IN + (i - 1) * (pw + GAP_IN)) / W

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, W, H)
	set output out_base.'.'.fmt
	set multiplot
	set label 20 'wasted memory-time: memory held by idle replicas (GB-h)' at screen (L_IN + (W - L_IN - R_IN) / 2) / W, screen (KEY_H + 0.1) / H center
	set tmargin at screen (KEY_H + XLAB_H + PANEL_H) / H
	set bmargin at screen (KEY_H + XLAB_H) / H
	do for [i = 1:NLOAD] {
		unset key
		set border 3; set xtics nomirror out scale 0.6; set ytics nomirror out scale 0.6
		unset x2tics; unset y2tics
		eval 'set grid xtics ytics back '.FIG_GRID
		set lmargin at screen px(i); set rmargin at screen px(i) + pw / W
		_xs = nice_step(XHI[i] - XLO[i] > 0 ? XHI[i] - XLO[i] : 1, 3)
		set xrange [floor(XLO[i] / _xs) * _xs : ceil(XHI[i] * 1.04 / _xs) * _xs]
		set xtics _xs
		set yrange [0:(YHI[i] > 0 ? YHI[i] * 1.12 : 1)]
		set ytics autofreq
		set format x '%g'; set format y '%g'
		set mxtics 2; set mytics 2
		set label 10 LOAD_LABEL[i] at graph 0.5, graph 1 offset 0, 0.7 center noenhanced
		unset xlabel
		if (i == 1) { set ylabel 'cold-start requests (%)' offset 1, 0 } else { unset ylabel }
		plot for [j = 1:NPOL] ka(i, j) using 1:4:2:3:5:6 with xyerrorbars lt POL_LT[j] dt 1 lw 0.8, \
		     for [j = 1:NPOL] ka(i, j) using 1:4 with linespoints lt POL_LT[j], \
		     for [j = 1:NPOL] ka(i, j) using 1:4:(strcol(7) eq 'NaN' ? '' : ka_label(column(7))) with labels offset 0.6, 0.55 left font fig_font(fmt, 7) tc rgb '#444444' noenhanced
	}
	unset label 20
	eval fig_key_panel(0.02 / H, (KEY_H - 0.02) / H)
	set key inside center center horizontal Left reverse noenhanced
	plot NaN notitle, for [j = 1:NPOL] keyentry with linespoints lt POL_LT[j] title pol_title(j)
	unset multiplot
	unset output
}
