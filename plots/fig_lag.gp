# fig_lag.gp: consumer lag (messages behind, all partitions) over time,
# one small panel per policy (one load level, one replication), over the
# arrival rate. Same grid and data as fig_replicas.gp, plus
# lag_<policy>.tsv ("t_min lag"), and LAG_MAX in meta.gp.
#   gnuplot -c plots/fig_lag.gp DATADIR OUTBASE
# Lag spans orders of magnitude between policies, so the shared axis is
# logarithmic; a lag of 0 is drawn on the floor (1 message).
if (ARGC < 2) {
	print 'usage: gnuplot -c fig_lag.gp DATADIR OUTBASE'
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
lagf(p) = sprintf('%s/lag_%d.tsv', datadir, p)
LMAX = (LAG_MAX > 1) ? LAG_MAX : 10
LTOP = 10**ceil(log10(LMAX * 1.5))
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)
int_step(m, n) = (m <= n) ? 1 : nice_step(m, n)

W = 7.0
NCOL = (NPOL <= 4) ? NPOL : (NPOL <= 6 ? 3 : 4)
NROW = int((NPOL + NCOL - 1) / NCOL)
L_IN = 0.7; R_IN = 0.68; HGAP = 0.24; VGAP = 0.3
PANEL_H = 1.0; TOP_H = 0.22; XLAB_H = 0.6
# The key shows each policy's line as its panel draws it, after the
# arrival rate; it is compact (style.gp's fig_key_*), its samples long
# enough for the dash patterns. It goes into the empty cells of a short
# last row when it fits there (beside the last panel and below to the
# figure's bottom edge), else below. A short last row sits lower
# (LAST_VGAP): the panels above its empty cells carry x tick labels and
# the x label, which must clear the last row's right axis and the key;
# the key starts right of that axis's labels (Y2_IN).
FIG_KEY_SAMPLEN = 2.2
RATE_TITLE = 'arrival rate (msg/s)'
NKEY = NPOL + 1
kc = strlen(RATE_TITLE)
do for [j = 1:NPOL] { kc = (strlen(POL[j]) > kc) ? strlen(POL[j]) : kc }
SHORT_LAST = (NPOL % NCOL != 0)
LAST_VGAP = SHORT_LAST ? XLAB_H + 0.05 : VGAP
Y2_IN = 0.62
pw = (W - L_IN - R_IN - (NCOL - 1) * HGAP) / NCOL
GRID_KEY_W = W - 0.05 - (L_IN + (NPOL - 1) % NCOL * (pw + HGAP) + pw + Y2_IN)
GRID_KEY_H = PANEL_H + XLAB_H - 0.04
grid_cols = fig_key_cols(GRID_KEY_W, kc, NKEY)
KEY_IN_GRID = SHORT_LAST && fig_key_col_in(kc) <= GRID_KEY_W && \
	int((NKEY + grid_cols - 1) / grid_cols) * FIG_KEY_LINE_IN + 0.2 <= GRID_KEY_H
KEY_W = KEY_IN_GRID ? GRID_KEY_W : W - 0.14
key_cols = KEY_IN_GRID ? grid_cols : fig_key_cols(KEY_W, kc, NKEY)
KEY_H = KEY_IN_GRID ? 0 : int((NKEY + key_cols - 1) / key_cols) * FIG_KEY_LINE_IN + 0.2
H = TOP_H + NROW * PANEL_H + (NROW - 1) * VGAP + (NROW > 1 ? LAST_VGAP - VGAP : 0) + XLAB_H + KEY_H
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
	set termoption enhanced
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
		set logscale y 10
		set yrange [1:LTOP]
		set y2range [0:QMAX * 1.1]
		set ytics 1, (LTOP > 1e4 ? 100 : 10) format '10^{%L}'
		set mytics (LTOP > 1e4 ? 2 : 10)
		set y2tics 0, nice_step(QMAX, 3) out scale 0.6 tc rgb '#777777'
		set xtics 0, nice_step(T_MAX, 3)
		set mxtics 2
		set label 10 fig_panel_title(POL[p], pw) at graph 0.0, graph 1 offset 0, 0.55 left noenhanced
		if (col(p) == 1) { set ylabel 'lag (msg)' offset 0.8, 0; set format y '10^{%L}' } \
		else { unset ylabel; set format y '' }
		if (col(p) == NCOL || p == NPOL) { set y2label 'msg/s' offset -0.9, 0 tc rgb '#777777'; set format y2 '%g' } \
		else { unset y2label; set format y2 '' }
		if (last_in_col(p)) { set xlabel 'time (min)' offset 0, 0.45; set format x '%g' } \
		else { unset xlabel; set format x '' }
		plot rate(p) using 1:2 axes x1y2 with filledcurves y1=0 lc rgb '#d9d9d9' fs solid 1.0 noborder, \
		     lagf(p) using 1:($2 < 1 ? 1 : $2) with lines lt POL_LT[p]
	}
	if (KEY_IN_GRID) {
		eval fig_key_panel(0.02 / H, pt(NPOL))
		set lmargin at screen pl(NPOL) + (pw + Y2_IN) / W; set rmargin at screen 1 - 0.05 / W
	} else {
		eval fig_key_panel(0.02 / H, (KEY_H - 0.02) / H)
	}
	eval fig_key_style(fmt, key_cols, kc, KEY_W)
	plot NaN notitle, \
	     keyentry with filledcurves lc rgb '#d9d9d9' fs solid 1.0 noborder title RATE_TITLE, \
	     for [j = 1:NPOL] keyentry with lines lt POL_LT[j] title POL[j]
	unset multiplot
	unset output
}
