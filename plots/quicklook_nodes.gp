# quicklook_nodes.gp: cluster nodes over time, one panel per run: each
# node is a row, shaded where it runs below its class speed (darker is
# slower) and hatched where it is down; a triangle marks the start of each
# straggler episode (node_events 'slow').
#   gnuplot -c plots/quicklook_nodes.gp DATADIR OUTBASE
# DATADIR is what plots/quicklook.sh extracts: meta.gp, speed_<i>.tsv and
# down_<i>.tsv ("x y xlo xhi ylo yhi relative_speed", one box per stretch of
# samples where a node's state holds) and ep_<i>.tsv ("t_min node"). The
# palette runs from light to dark, so it reads in grayscale. Writes
# OUTBASE.png (and .pdf).

if (ARGC < 2) {
	print 'usage: gnuplot -c quicklook_nodes.gp DATADIR OUTBASE'
	exit status 2
}
datadir = ARG1
out_base = ARG2

_sep = 0
do for [_i = 1:strlen(ARG0)] { if (ARG0[_i:_i] eq '/') { _sep = _i } }
load (_sep > 0 ? ARG0[1:_sep] : '').'style.gp'
load datadir.'/meta.gp'

if (!exists('NODE_MAX')) {
	print 'quicklook_nodes.gp: no node timeline in '.datadir
	exit status 1
}
nice_step(m, n) = (_e = 10**floor(log10(m / n)), _f = m / n / _e, \
	(_f < 1.5 ? 1 : _f < 3.5 ? 2 : _f < 7.5 ? 5 : 10) * _e)
int_step(m, n) = (m <= n) ? 1 : nice_step(m, n)

# Node rows: about 0.09 in each, at least 1.1 in per panel.
fig_w = 6.0
panel_h = (NODE_MAX + 1) * 0.09 + 0.2
panel_h = (panel_h < 1.1) ? 1.1 : (panel_h > 3.2 ? 3.2 : panel_h)
strip_h = 0.3; head_h = 0.3; xlab_h = 0.62; key_h = 2 * FIG_LINE_IN + 0.15
fig_h = head_h + NRUN * (strip_h + panel_h) + xlab_h + key_h
L = 0.7 / fig_w; R = 1 - 1.35 / fig_w
top_of(i) = 1 - (head_h + (i - 1) * (strip_h + panel_h) + strip_h) / fig_h
bot_of(i) = top_of(i) - panel_h / fig_h
cb_lo = (REL_MIN < 0.95) ? REL_MIN : 0.5
set palette defined (0 '#3b0f0f', 0.35 '#b2182b', 0.7 '#f4a582', 1 '#fbe9e0')
set cbrange [cb_lo:1]
DOWN_STYLE = "fc rgb '#000000' fs pattern 4 border lc rgb '#000000'"
EP_STYLE = "pt 9 ps 0.9 lc rgb '#000000'"

do for [fmt in FIG_FORMATS] {
	eval fig_terminal(fmt, fig_w, fig_h)
	set output out_base.'.'.fmt
	set multiplot title sprintf('%s: node speed and straggler episodes', DB_NAME)
	set lmargin at screen L; set rmargin at screen R
	set xrange [NT_MIN:NT_MAX]
	set yrange [-0.6:NODE_MAX + 0.6]
	set ytics 0, int_step(NODE_MAX, 6)
	set mytics 1
	set ylabel 'node'
	unset grid
	eval 'set grid xtics back '.FIG_GRID
	unset key
	do for [i = 1:NRUN] {
		set tmargin at screen top_of(i); set bmargin at screen bot_of(i)
		set label 1 (RUN_NODES[i] == 0 ? RUN_LABEL[i].'; no node data' : \
			sprintf('%s: %d episode%s', RUN_LABEL[i], \
			RUN_EPISODES[i], RUN_EPISODES[i] == 1 ? '' : 's')) at screen L, screen top_of(i) + 0.07 / fig_h left front
		if (i == 1) {
			set colorbox user origin screen R + 0.3 / fig_w, screen bot_of(NRUN) \
				size screen 0.12 / fig_w, screen top_of(1) - bot_of(NRUN)
			set cbtics format '%.2g' scale 0.5
			set cblabel 'speed / class speed' offset 0.8, 0
		} else {
			unset colorbox
		}
		if (i == NRUN) {
			set format x '%g'
			set xlabel 'time (min)' offset 0, 0.4
		} else {
			set format x ''
			unset xlabel
		}
		plot sprintf('%s/speed_%d.tsv', datadir, i) using 1:2:3:4:5:6:7 \
			with boxxyerror fc palette fs solid 1.0 noborder, \
		     sprintf('%s/down_%d.tsv', datadir, i) using 1:2:3:4:5:6 \
			with boxxyerror @DOWN_STYLE, \
		     sprintf('%s/ep_%d.tsv', datadir, i) using 1:2 with points @EP_STYLE
	}
	unset label 1
	unset colorbox
	eval fig_key_panel(0.02 / fig_h, (0.02 + key_h) / fig_h)
	set key at screen 0.5, screen (0.02 + key_h) / fig_h center top horizontal \
		Left reverse maxcols 3 width 1 nobox
	plot NaN notitle, \
	     keyentry with boxes fc rgb '#b2182b' fs solid 1.0 noborder title 'slowed', \
	     keyentry with boxes @DOWN_STYLE title 'down', \
	     keyentry with points @EP_STYLE title 'episode start'
	unset multiplot
	unset output
}
