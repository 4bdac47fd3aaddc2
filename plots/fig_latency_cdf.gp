# fig_latency_cdf.gp: end-to-end latency CDF per policy, one panel per
# load level (the replications' histograms merged).
#   gnuplot -c plots/fig_latency_cdf.gp DATADIR OUTBASE
# DATADIR is what plots/figures.sh writes: meta.gp (NLOAD, LOAD_LABEL[],
# NPOL, POL[], POL_LT[], CDF_XMIN, CDF_XMAX) and cdf_<load>_<policy>.tsv
# with "x cdf" rows, x a bucket's upper bound in seconds (the CDF is exact
# there), and cdfm_<load>_<policy>.tsv, the few points carrying markers.
# Writes OUTBASE.pdf and OUTBASE.png. The panels share both axes, so the
# loads compare at a glance; the key sits below them, off the data.

if (ARGC < 2) {
	print 'usage: gnuplot -c fig_latency_cdf.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2
_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

cdf(i, j) = sprintf('%s/cdf_%d_%d.tsv', datadir, i, j)
cdfm(i, j) = sprintf('%s/cdfm_%d_%d.tsv', datadir, i, j)

# Geometry (inches): full text width; panels side by side with one y axis
# on the left; the key below in as many columns as fit.
W = 7.0
L_IN = 0.66; R_IN = 0.38; GAP_IN = 0.16
PANEL_H = 2.15; TITLE_H = 0.26; XLAB_H = 0.5
# The key is compact (smaller font, as many columns as fit); its samples
# are long enough to show each policy's dash pattern.
FIG_KEY_SAMPLEN = 2.2
kc = 0
do for [j = 1:NPOL] { kc = (strlen(POL[j]) > kc) ? strlen(POL[j]) : kc }
KEY_W = W - 0.14
key_cols = fig_key_cols(KEY_W, kc, NPOL)
key_rows = int((NPOL + key_cols - 1) / key_cols)
KEY_H = key_rows * FIG_KEY_LINE_IN + 0.2
H = TITLE_H + PANEL_H + XLAB_H + KEY_H
pw = (W - L_IN - R_IN - (NLOAD - 1) * GAP_IN) / NLOAD
px(i) = (L_IN + (i - 1) * (pw + GAP_IN)) / W
PB = (KEY_H + XLAB_H) / H
PT = (KEY_H + XLAB_H + PANEL_H) / H

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, W, H)
	# 10^{n} tick labels need enhanced text; names stay literal (noenhanced
	# on every title and label below).
	set termoption enhanced
	set output out_base.'.'.fmt
	set multiplot
	set tmargin at screen PT; set bmargin at screen PB
	do for [i = 1:NLOAD] {
		unset key
		set logscale x 10
		set xrange [CDF_XMIN:CDF_XMAX]
		set xtics 100 format '10^{%L}'
		set mxtics 2
		set yrange [0:1]
		set mytics 2
		# p50 and p99 as reference levels
		eval 'set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead back '.FIG_REF
		eval 'set arrow 2 from graph 0, first 0.99 to graph 1, first 0.99 nohead back '.FIG_REF
		set border 3; set xtics nomirror out scale 0.6; set ytics nomirror out scale 0.6
		unset x2tics
		eval 'set grid xtics ytics back '.FIG_GRID
		set lmargin at screen px(i); set rmargin at screen px(i) + pw / W
		set label 10 LOAD_LABEL[i] at graph 0.5, graph 1 offset 0, 0.7 center noenhanced
		set xlabel 'end-to-end latency (s)' offset 0, 0.3
		if (i == 1) {
			set ylabel 'fraction of messages' offset 0.5, 0
			set ytics 0, 0.2, 1 format '%.1f'
		} else {
			unset ylabel
			set ytics 0, 0.2, 1 format ''
		}
		if (i == NLOAD) {
			set y2tics ('p50' 0.5, 'p99' 0.99) scale 0 tc rgb '#555555' offset -0.6, 0
			set link y2
		} else {
			unset y2tics
		}
		plot for [j = 1:NPOL] cdf(i, j) using 1:2 with lines lt POL_LT[j], \
		     for [j = 1:NPOL] cdfm(i, j) using 1:2 with points lt POL_LT[j]
	}
	eval fig_key_panel(0.02 / H, (KEY_H - 0.02) / H)
	eval fig_key_style(fmt, key_cols, kc, KEY_W)
	plot NaN notitle, for [j = 1:NPOL] keyentry with linespoints lt POL_LT[j] title POL[j]
	unset multiplot
	unset output
}
