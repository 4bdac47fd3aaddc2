# style.gp: the one look shared by every spate figure. Loaded by each plot
# script before it draws; it sets no data, only appearance.
#
# Figures are sized in inches for the paper (the PDF is the real thing) and
# the PNG is the same page rendered at FIG_DPI, so fonts and line widths
# look the same in both. Line types survive grayscale printing: each has
# its own dash pattern and marker, so colour (Okabe-Ito, colour-blind safe)
# is never the only cue. Linetype 1 (black, solid) is reserved for the
# aggregate (end-to-end); function i of a run uses linetype fn_lt(i) in
# every figure, so a function looks the same everywhere.
#
# A script draws its figure once per entry of FIG_FORMATS:
#   do for [fmt in FIG_FORMATS] {
#       eval fig_terminal(fmt, width_in, height_in)
#       set output out_base.'.'.fmt
#       ...
#       unset output
#   }

FIG_FONT = 'DejaVu Sans'
FIG_FONT_PT = 9            # size on paper
FIG_DPI = 200              # PNG resolution
FIG_LW = 1.7               # line width unit (pdfcairo: 0.5 pt each)
FIG_LINE_IN = FIG_FONT_PT * 1.7 / 72.0    # height of a key row (in)

# pdfcairo only if this gnuplot has it; pngcairo is required.
FIG_FORMATS = (strstrt(GPVAL_TERMINALS, ' pdfcairo ') > 0) ? 'png pdf' : 'png'

# The PDF is the reference: fontscale 1 gives true point sizes (pdfcairo
# defaults to 0.5), and pdfcairo draws linewidth 1 as 0.5 pt. pngcairo
# counts fonts in points at 72 per inch, lines in pixels and points in its
# own units, so its factors below make the PNG a FIG_DPI rendering of the
# PDF (checked by rasterizing the PDF with ghostscript at FIG_DPI).
# noenhanced: function and experiment names are shown literally (an
# underscore is not a subscript).
FIG_PDF_PS = 0.6           # pdfcairo point scale
fig_terminal(fmt, w, h) = (fmt eq 'pdf') \
	? sprintf("set terminal pdfcairo noenhanced color size %.3fin,%.3fin font '%s,%g' fontscale 1 linewidth %g pointscale %g butt", \
		w, h, FIG_FONT, FIG_FONT_PT, FIG_LW, FIG_PDF_PS) \
	: sprintf("set terminal pngcairo noenhanced color size %d,%d font '%s,%g' fontscale 1 linewidth %g pointscale %g butt background '#ffffff'", \
		int(w * FIG_DPI), int(h * FIG_DPI), FIG_FONT, FIG_FONT_PT * FIG_DPI / 72.0, \
		FIG_LW * FIG_DPI / 144.0, FIG_PDF_PS * 2.8 * FIG_DPI / 200.0)

# A font of pt points on paper for terminal format fmt: pngcairo counts
# font sizes at 72 per inch, so a bare ',7' would be tiny in the PNG.
fig_font(fmt, pt) = sprintf('%s,%g', FIG_FONT, (fmt eq 'pdf') ? pt : pt * FIG_DPI / 72.0)

# Line types: colour, dash pattern, point type; lw is relative to FIG_LW.
# 1 is the aggregate; 2-8 filled markers, 9-15 the same colours again with
# other dashes and open markers, so 14 functions stay distinct.
set linetype 1  lc rgb '#000000' lw 1.6 dt 1               pt 7  ps 1.0
set linetype 2  lc rgb '#0072B2' lw 1.2 dt (10,5)          pt 5  ps 1.0
set linetype 3  lc rgb '#D55E00' lw 1.2 dt (3,3)           pt 9  ps 1.2
set linetype 4  lc rgb '#009E73' lw 1.2 dt (14,4,3,4)      pt 13 ps 1.2
set linetype 5  lc rgb '#CC79A7' lw 1.2 dt (20,6)          pt 11 ps 1.2
set linetype 6  lc rgb '#E69F00' lw 1.2 dt (8,3,2,3,2,3)   pt 15 ps 1.2
set linetype 7  lc rgb '#56B4E9' lw 1.2 dt (2,5)           pt 6  ps 1.0
set linetype 8  lc rgb '#555555' lw 1.2 dt (20,4,4,4)      pt 2  ps 1.0
set linetype 9  lc rgb '#0072B2' lw 1.2 dt (4,4)           pt 4  ps 1.0
set linetype 10 lc rgb '#D55E00' lw 1.2 dt (16,4)          pt 8  ps 1.2
set linetype 11 lc rgb '#009E73' lw 1.2 dt (6,3,2,3)       pt 12 ps 1.2
set linetype 12 lc rgb '#CC79A7' lw 1.2 dt (2,3)           pt 10 ps 1.2
set linetype 13 lc rgb '#E69F00' lw 1.2 dt (12,3)          pt 14 ps 1.2
set linetype 14 lc rgb '#56B4E9' lw 1.2 dt (8,4,2,4,2,4)   pt 1  ps 1.2
set linetype 15 lc rgb '#555555' lw 1.2 dt (3,6)           pt 3  ps 1.0
# Linetype of function i (1-based, in the run's function order); a run
# with more than 14 functions repeats styles.
fn_lt(i) = 2 + (i - 1) % 14
# Width in inches gnuplot gives a key column whose longest title has n
# characters: it counts (n + sample + gaps) character cells of about 0.9 em
# each (measured on these terminals), whatever the real text width.
key_col_in(n) = (n + 4) * 0.9 * FIG_FONT_PT / 72.0

# A compact key (multi-panel figures with many policies): FIG_KEY_PT text,
# samples of FIG_KEY_SAMPLEN characters, rows FIG_KEY_LINE_IN high.
# fig_key_cols(w, n, k): the columns of such a key with k entries whose
# longest title has n characters that fit w inches (a column is the
# title, about 0.66 em a character, plus sample and gaps). gnuplot sizes
# key columns in character cells of the terminal font whatever the key
# font, so fig_key_style(fmt, cols, n, w) sets the key (in a
# fig_key_panel, after at least one plot: it reads GPVAL_TERM_HCHAR) with
# a width correction that makes each column w / cols inches. A script may
# change FIG_KEY_SAMPLEN before calling them (longer for dashed lines).
FIG_KEY_PT = 8
FIG_KEY_SAMPLEN = 1.6
FIG_KEY_SPACING = 0.85
# gnuplot spaces key rows by the terminal font (about 1.55 em), not the key's
FIG_KEY_LINE_IN = FIG_KEY_SPACING * FIG_FONT_PT * 1.55 / 72.0
fig_key_col_in(n) = (n * 0.66 + FIG_KEY_SAMPLEN + 2.6) * FIG_KEY_PT / 72.0
fig_key_cols(w, n, k) = (_kc = int(w / fig_key_col_in(n)), _kc < 1 ? 1 : (_kc > k ? k : _kc))
fig_hchar_in(w) = GPVAL_TERM_HCHAR * w / GPVAL_TERM_XSIZE
fig_key_style(fmt, cols, n, w) = sprintf("set key inside center center horizontal maxcols %d maxrows 100 Left reverse noenhanced samplen %g spacing %g width %.2f font '%s'", \
	cols, FIG_KEY_SAMPLEN, FIG_KEY_SPACING, w / cols / fig_hchar_in(W) - (n + FIG_KEY_SAMPLEN + 1.4), fig_font(fmt, FIG_KEY_PT))

# Markers are not drawn on every sample: demo.sh picks a few points per
# curve (staggered between curves so markers of overlapping curves do not
# hide each other) into separate files, drawn "with points".

# Light fills (pending replicas) and reference lines.
FIG_BAND_ALPHA = 0.28
FIG_REF = "lc rgb '#888888' lw 0.6 dt (3,3)"
FIG_GRID = "lc rgb '#d8d8d8' lw 0.5 dt 1"

set border 3 lw 0.8
set tics nomirror out scale 0.6
set mxtics
set mytics
eval 'set grid xtics ytics back '.FIG_GRID
set key noautotitle samplen 3 spacing 1.1 width 0 box lc rgb '#bbbbbb' lw 0.5 opaque
set style fill solid 1.0 noborder

# --- policies -----------------------------------------------------------
# One look per autoscaling policy, the same in every figure that compares
# policies (plots/figures.sh): policy_lt(NAME) is its linetype. The table
# is keyed by name, so a figure with a subset of the policies still draws
# each one as everywhere else. Seven Okabe-Ito colours (and grey) with
# filled markers, then the same colours with open markers and other
# dashes: colour, marker and dash each tell the policies apart, so they
# read in grayscale too. POLICIES is also the order in which figures list
# policies (the reactive baselines first, the oracle last).
POLICIES = 'static hpa kpa keda-kafka openfaas ds2 dhalion erlang-c predictive latency-slo lambda hybrid-histogram oracle'
set linetype 21 lc rgb '#777777' lw 1.2 dt (2,2)          pt 3  ps 1.2
set linetype 22 lc rgb '#000000' lw 1.4 dt 1              pt 7  ps 1.0
set linetype 23 lc rgb '#0072B2' lw 1.2 dt (10,5)         pt 5  ps 1.0
set linetype 24 lc rgb '#D55E00' lw 1.2 dt (3,3)          pt 9  ps 1.2
set linetype 25 lc rgb '#CC79A7' lw 1.2 dt (20,6)         pt 11 ps 1.2
set linetype 26 lc rgb '#009E73' lw 1.2 dt (14,4,3,4)     pt 13 ps 1.2
set linetype 27 lc rgb '#E69F00' lw 1.2 dt (8,3,2,3,2,3)  pt 15 ps 1.2
set linetype 28 lc rgb '#56B4E9' lw 1.2 dt (2,5)          pt 6  ps 1.0
set linetype 29 lc rgb '#0072B2' lw 1.2 dt (4,4)          pt 4  ps 1.0
set linetype 30 lc rgb '#D55E00' lw 1.2 dt (16,4)         pt 8  ps 1.2
set linetype 31 lc rgb '#009E73' lw 1.2 dt (6,3,2,3)      pt 12 ps 1.2
set linetype 32 lc rgb '#CC79A7' lw 1.2 dt (2,3)          pt 10 ps 1.2
set linetype 33 lc rgb '#555555' lw 1.4 dt (12,3)         pt 14 ps 1.2
# Policies not in the table (plugins, the external agent) take these, in
# the order a figure meets them; the caller passes that order as k.
set linetype 41 lc rgb '#E69F00' lw 1.2 dt (4,2)          pt 2  ps 1.0
set linetype 42 lc rgb '#56B4E9' lw 1.2 dt (12,3,3,3)     pt 1  ps 1.2
set linetype 43 lc rgb '#000000' lw 1.2 dt (2,6)          pt 3  ps 1.0
set linetype 44 lc rgb '#D55E00' lw 1.2 dt (24,4)         pt 2  ps 1.0
# Rank of a policy in POLICIES (1-based), 0 if absent: the number of words
# before its first occurrence between spaces, plus one.
policy_rank(name) = (_pp = strstrt(' '.POLICIES.' ', ' '.name.' '), \
	_pp == 0 ? 0 : words((' '.POLICIES.' ')[1:_pp]) + 1)
policy_lt(name, k) = (policy_rank(name) > 0) ? 20 + policy_rank(name) \
	: 41 + (k - 1) % 4

# Panel titles of small multiples (one panel per policy): the name when it
# fits the panel's w inches at FIG_FONT_PT, else its short form, else the
# name cut to fit with a '.'; the full names are in the key. Widths are
# estimated at FIG_TITLE_EM em a character (measured on the lower-case
# names in DejaVu Sans: 'hybrid-histogram' is 1.44 in at 9 pt), since
# gnuplot cannot measure text before drawing it.
FIG_TITLE_EM = 0.72
POLICY_LONG = 'hybrid-histogram'
POLICY_SHORT = 'hybrid-hist.'
fig_title_chars(w) = int(w * 72.0 / (FIG_TITLE_EM * FIG_FONT_PT))
_short_rank(name) = (_sp = strstrt(' '.POLICY_LONG.' ', ' '.name.' '), \
	_sp == 0 ? 0 : words((' '.POLICY_LONG.' ')[1:_sp]) + 1)
fig_panel_title(name, w) = (strlen(name) <= fig_title_chars(w)) ? name \
	: (_short_rank(name) > 0 && strlen(word(POLICY_SHORT, _short_rank(name))) <= fig_title_chars(w)) \
	? word(POLICY_SHORT, _short_rank(name)) \
	: name[1:(fig_title_chars(w) > 2 ? fig_title_chars(w) - 1 : 1)].'.'

# Multi-panel figures draw their key as a last, empty panel spanning the
# figure (gnuplot fits a key's columns to the plot it belongs to, so the
# key of one narrow panel would not spread across the figure):
#   eval fig_key_panel(bottom, top)     (screen fractions)
#   plot NaN notitle, for [...] keyentry ... title ...
fig_key_panel(b, t) = sprintf("unset border; unset tics; unset xlabel; unset ylabel; unset x2tics; unset y2tics; unset y2label; unset x2label; unset grid; unset arrow; unset label; unset logscale; unset title; unset object; set xrange [0:1]; set yrange [0:1]; set lmargin at screen 0.01; set rmargin at screen 0.99; set bmargin at screen %g; set tmargin at screen %g", b, t)
