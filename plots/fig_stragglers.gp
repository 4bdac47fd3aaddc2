# fig_stragglers.gp: one metric with its 95% confidence interval per group
# of a --by expression (made for straggler mitigation: load balancing and
# speculation against p99, but any sweep axis and metric will do).
#   gnuplot -c plots/fig_stragglers.gp DATADIR OUTBASE
# DATADIR is what plots/figures.sh writes from `spate report --by EXPR
# --metrics M --format csv`: meta.gp (NGRP, GRP[] row labels "key=value,
# ...", GRP_POL[] the row's policy index or 0, NPOL, POL_LT[], METRIC,
# X_MIN, X_MAX, LABEL_CHARS) and grp_<row>.tsv ("mean lo hi row"). A dot
# plot, one row per group in the report's order; rows of a policy take its
# style, rows without a policy key are black.

if (ARGC < 2) {
	print 'usage: gnuplot -c fig_stragglers.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2
_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

grp(r) = sprintf('%s/grp_%d.tsv', datadir, r)
row_lt(r) = (GRP_POL[r] > 0) ? POL_LT[GRP_POL[r]] : 22
# units from the metric's name (the part after a "function." prefix)
_m = METRIC[strstrt(METRIC, '.') + 1:]
is_lat = (_m eq 'mean' || _m eq 'max' || (_m[1:1] eq 'p' && strlen(_m) > 1 && strstrt('0123456789', _m[2:2]) > 0))
xlab = is_lat ? METRIC.' latency (s)' : (_m eq 'cost_usd') ? 'cost (USD per run)' \
	: (_m[strlen(_m) - 4:] eq '_frac') ? METRIC.' (fraction)' : METRIC
# a log axis when the values span more than a decade
LOGX = (X_MIN > 0 && X_MAX / X_MIN > 20)

W = 3.4
L_IN = 0.25 + LABEL_CHARS * 0.088; R_IN = 0.2
W = (L_IN + 2.4 > W) ? L_IN + 2.4 : W
ROW_H = 0.2; XLAB_H = 0.62; TOP_H = 0.1
# about four major tics on a linear axis, so the labels do not run together
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)
XLO = (X_MIN > 0 ? 0 : X_MIN * 1.1); XHI = X_MAX * 1.1
XSTEP = (XHI > XLO) ? nice_step(XHI - XLO, 4) : 1
H = TOP_H + (NGRP + 1) * ROW_H + XLAB_H

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, W, H)
	set output out_base.'.'.fmt
	unset key
	set border 3; set xtics nomirror out scale 0.6; set ytics nomirror scale 0
	set grid xtics noytics back lc rgb '#d8d8d8' lw 0.5 dt 1
	set lmargin at screen L_IN / W; set rmargin at screen 1 - R_IN / W
	set tmargin at screen 1 - TOP_H / H; set bmargin at screen XLAB_H / H
	if (LOGX) { set logscale x 10; set xrange [X_MIN / 1.5:X_MAX * 1.5]; set format x '%g' } \
	else { set xrange [XLO:XHI]; set xtics XSTEP; set mxtics 2; set format x '%g' }
	set yrange [NGRP + 0.7:0.3]
	set ytics () noenhanced
	do for [r = 1:NGRP] { set ytics add (GRP[r] r) }
	set xlabel xlab noenhanced offset 0, 0.3
	plot for [r = 1:NGRP] grp(r) using 1:4:2:3 with xerrorbars lt row_lt(r) dt 1 lw 0.8, \
	     for [r = 1:NGRP] grp(r) using 1:4 with points lt row_lt(r)
	unset output
}
