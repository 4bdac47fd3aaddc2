#!/usr/bin/env bash
# figures.sh: the paper's figures, drawn from spate results databases.
#   plots/figures.sh [options] FIGURE DB
# FIGURE is one of
#   latency_cdf      end-to-end latency CDF per policy, one panel per load
#                    (the replications' histograms merged)
#   replicas         replicas of each function and the arrival rate over
#                    time, one panel per policy (one load, one replication)
#   cost_p99         cost against p99 latency with 95% intervals on both
#                    axes and the Pareto front, one panel per load
#   coldstart_waste  cold-start requests against wasted memory-time, fixed
#                    keep-alives against the hybrid histogram, per load
#   lag              consumer lag over time, one panel per policy
#   slo              SLO violations per policy with 95% intervals, one
#                    panel per load
#   stragglers       a metric with its 95% interval per group of a --by
#                    expression (any sweep; made for straggler mitigation)
# and writes OUT/fig_FIGURE.pdf and .png (--name changes the file name).
#
# The shell only moves data: numbers with confidence intervals come from
# `spate report --format csv` (so a figure shows what the report prints),
# histograms and timelines from the sqlite3 CLI; awk turns rows into the
# files gnuplot draws (cumulative fractions, one file per series) in a
# temporary directory and writes meta.gp, the names, numbers and file names
# each fig_*.gp script needs. The look lives in the .gp files; style.gp
# holds the one style per policy that every figure uses.
#
# Exit status: 0 when the figure was written, 2 on bad usage, 1 on any
# other error (missing tool, database, runs or data); every message starts
# with "figures.sh:" and names the database and what is missing.

set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
MARKS=6          # markers per curve

die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
usage() {
	cat >&2 <<EOF
usage: $prog [options] FIGURE DB
  FIGURE: latency_cdf replicas cost_p99 coldstart_waste lag slo stragglers
  --out DIR          output directory [results/figures]
  --name NAME        output file name without extension [fig_FIGURE]
  --experiment NAME  only runs of this experiment [all runs]
  --load-axis PATH   the run_axes path that sets the load
                     ['sources[0].arrivals.rate_scale']; runs without it
                     form one level
  --load VALUE       replicas, lag: the load level to draw [the lowest]
  --replication N    replicas, lag: the replication to draw [the lowest]
  --by EXPR          coldstart_waste: configuration key (a JSON object with
                     "policy" and "keep_alive_s", or a policy) and the panel
                     key ['autoscaler,LOAD-AXIS']; stragglers: the groups
                     ['policy']
  --metric M         stragglers: the metric [p99]
  --spate BIN        spate binary [\$SPATE, else BINDIR/spate beside plots/]
EOF
	exit 2
}

out=results/figures name= experiment= load_axis='sources[0].arrivals.rate_scale'
load= replication= by= metric=p99 spate=${SPATE:-$here/../bin/spate}
fig= db=
while [ $# -gt 0 ]; do
	case $1 in
	--out|--name|--experiment|--load-axis|--load|--replication|--by|--metric|--spate)
		[ $# -ge 2 ] || { printf '%s: %s needs a value\n' "$prog" "$1" >&2; usage; }
		case $1 in
		--out) out=$2 ;; --name) name=$2 ;; --experiment) experiment=$2 ;;
		--load-axis) load_axis=$2 ;; --load) load=$2 ;;
		--replication) replication=$2 ;; --by) by=$2 ;;
		--metric) metric=$2 ;; --spate) spate=$2 ;;
		esac
		shift 2 ;;
	-h|--help) usage ;;
	-*) printf '%s: unknown option %s\n' "$prog" "$1" >&2; usage ;;
	*)
		if [ -z "$fig" ]; then fig=$1
		elif [ -z "$db" ]; then db=$1
		else printf '%s: unexpected argument %s\n' "$prog" "$1" >&2; usage
		fi
		shift ;;
	esac
done
[ -n "$fig" ] && [ -n "$db" ] || usage
case $fig in
latency_cdf|replicas|cost_p99|coldstart_waste|lag|slo|stragglers) ;;
*) printf '%s: unknown figure %s\n' "$prog" "$fig" >&2; usage ;;
esac
if [ -n "$replication" ] && ! [[ $replication =~ ^[0-9]+$ ]]; then
	printf '%s: --replication must be a non-negative integer, got %s\n' "$prog" "$replication" >&2
	usage
fi
name=${name:-fig_$fig}

command -v sqlite3 >/dev/null 2>&1 ||
	die "sqlite3 not found (Debian: apt-get install sqlite3)"
command -v gnuplot >/dev/null 2>&1 ||
	die "gnuplot not found (Debian: apt-get install gnuplot-nox)"
terms=$(gnuplot -e 'print GPVAL_TERMINALS' 2>&1)
for t in pngcairo pdfcairo; do
	printf '%s\n' "$terms" | grep -qw "$t" ||
		die "this gnuplot has no $t terminal (Debian: apt-get install gnuplot-nox)"
done

# sqlite3 would create a missing file, so check before opening it.
[ -e "$db" ] || die "no such database: $db"
{ [ -f "$db" ] && [ -r "$db" ]; } || die "not a readable file: $db"

q_try() { sqlite3 -batch -noheader -separator $'\t' -cmd '.timeout 5000' "$db" "$1"; }
q() { q_try "$1" || die "a query on $db failed (SQLite's message is above)"; }
sqlstr() { printf "'%s'" "${1//\'/\'\'}"; }
gpstr() {
	local s
	s=$(printf '%s' "$1" | tr '\000-\037' ' ')
	printf "'%s'" "${s//\'/\'\'}"
}

tables=$(q_try "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')" 2>&1) ||
	die "cannot read $db as an SQLite database: $tables"
need_tables() {
	local t
	for t in "$@"; do
		printf '%s\n' "$tables" | grep -qx "$t" ||
			die "$db has no '$t' table; is it a spate results database?"
	done
}
need_tables runs run_axes

# The runs a figure may use: done, of the experiment if one was given.
filter="r.status = 'done'"
[ -z "$experiment" ] || filter="$filter AND r.experiment = $(sqlstr "$experiment")"
ndone=$(q "SELECT count(*) FROM runs r WHERE $filter")
if [ "$ndone" = 0 ]; then
	exps=$(q "SELECT group_concat(e, ', ') FROM (SELECT DISTINCT experiment AS e
		  FROM runs WHERE status = 'done' ORDER BY 1)")
	die "$db has no done runs${experiment:+ of experiment '$experiment'} (experiments with done runs: ${exps:-none})"
fi

# A run_axes value as a label: JSON strings lose their quotes.
axlabel() { printf "CASE WHEN json_valid(%s) AND json_type(%s) = 'text' THEN json_extract(%s, '\$') ELSE %s END" "$1" "$1" "$1" "$1"; }
loadx="coalesce($(axlabel a.value), '-')"
# The runs with their load level (LEFT JOIN: a run without the axis is '-').
sel="SELECT r.run_id, r.policy, r.replication, r.config_json, $loadx AS load
     FROM runs r LEFT JOIN run_axes a ON a.run_id = r.run_id
     AND a.axis = $(sqlstr "$load_axis") WHERE $filter"
# Levels in order: numbers numerically, then the rest by name, '-' last.
lvl_order="ORDER BY load = '-', CAST(load AS REAL) = 0 AND load NOT GLOB '*[0-9]*',
	   CAST(load AS REAL), load"

mkdir -p "$out" || die "cannot create output directory $out"
[ -w "$out" ] || die "output directory $out is not writable"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spate-figures.XXXXXX") ||
	die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
meta=$tmp/meta.gp
: >"$meta"

# The policy order of style.gp (POLICIES), one per line: figures list
# policies in it, then unknown ones by name.
gnuplot -e "load '$here/style.gp'; set print '-'; print POLICIES" | tr ' ' '\n' \
	>"$tmp/policy_order" || die "cannot read POLICIES from $here/style.gp"

# A label for a load level on a panel.
load_name=${load_axis##*.}
load_label() {
	if [ "$1" = '-' ]; then printf 'all runs'
	elif [ "$load_name" = rate_scale ]; then printf 'load ×%s' "$1"
	else printf '%s = %s' "$load_name" "$1"
	fi
}

# Levels present among the figure's runs, in order, into $tmp/loads;
# writes NLOAD and LOAD_LABEL[] to meta.gp.
write_loads() {
	q "SELECT DISTINCT load FROM ($sel) $lvl_order" >"$tmp/loads"
	local n i=0 l
	n=$(wc -l <"$tmp/loads")
	printf 'NLOAD = %d\narray LOAD_LABEL[%d]\n' "$n" "$n" >>"$meta"
	while IFS= read -r l; do
		i=$((i + 1))
		printf 'LOAD_LABEL[%d] = %s\n' "$i" "$(gpstr "$(load_label "$l")")" >>"$meta"
	done <"$tmp/loads"
}

# Policies (one per line, on stdin) in the figure order, into $tmp/pols;
# writes NPOL, POL[] and POL_LT[] (unknown policies numbered in order).
write_policies() {
	awk -v order="$tmp/policy_order" '
	BEGIN { while ((getline l < order) > 0) if (l != "") rank[l] = ++n }
	$0 != "" && !seen[$0]++ { r = ($0 in rank) ? rank[$0] : 1000; print r "\t" $0 }' |
		sort -t$'\t' -k1,1n -k2,2 | cut -f2 >"$tmp/pols"
	local n i=0 k=0 p
	n=$(wc -l <"$tmp/pols")
	[ "$n" -gt 0 ] || die "$db: no policies among the runs to draw"
	printf 'NPOL = %d\narray POL[%d]\narray POL_LT[%d]\n' "$n" "$n" "$n" >>"$meta"
	while IFS= read -r p; do
		i=$((i + 1))
		grep -qxF -- "$p" "$tmp/policy_order" || k=$((k + 1))
		printf 'POL[%d] = %s\nPOL_LT[%d] = policy_lt(POL[%d], %d)\n' \
			"$i" "$(gpstr "$p")" "$i" "$i" "$((k > 0 ? k : 1))" >>"$meta"
	done <"$tmp/pols"
}

# `spate report --format csv` for --by $1 and --metrics $2, as TSV rows
#   key1 ... keyN metric n mean lo hi
# (sqlite3 parses the CSV, whose keys may hold quoted JSON). lo and hi are
# empty when the interval is not defined (n = 1).
report_tsv() {
	local by=$1 metrics=$2 select=${3:-*} nkeys cols i
	[ -x "$spate" ] || die "spate binary not found at $spate (build it with make, or pass --spate / set SPATE)"
	local args=(report "$db" --by "$by" --metrics "$metrics" --format csv)
	[ -z "$experiment" ] || args+=(--experiment "$experiment")
	if ! "$spate" "${args[@]}" >"$tmp/report.csv" 2>"$tmp/report.err"; then
		cat "$tmp/report.err" >&2
		die "spate report failed on $db (--by $by --metrics $metrics)"
	fi
	nkeys=$(awk -F, -v b="$by" 'BEGIN { print split(b, x, ",") }')
	cols=
	for ((i = 1; i <= nkeys; i++)); do cols="${cols}k$i, "; done
	sqlite3 -batch -noheader -separator $'\t' :memory: \
		"CREATE TABLE r(${cols}metric, n, mean, lo, hi)" \
		".import --csv --skip 1 $tmp/report.csv r" \
		"SELECT $select FROM r" >"$tmp/report.tsv" 2>"$tmp/report.err" ||
		{ cat "$tmp/report.err" >&2; die "cannot read the CSV of spate report on $db"; }
	[ -s "$tmp/report.tsv" ] || die "spate report on $db gave no rows (--by $by --metrics $metrics)"
}

# Runs to draw one per policy (timelines): load level and replication.
pick_runs() {
	write_loads
	if [ -z "$load" ]; then
		load=$(head -n 1 "$tmp/loads")
	elif ! grep -qxF -- "$load" "$tmp/loads"; then
		die "$db: no done runs at $load_axis = $load (levels: $(paste -sd' ' "$tmp/loads"))"
	fi
	local rsel="SELECT * FROM ($sel) WHERE load = $(sqlstr "$load")"
	if [ -z "$replication" ]; then
		replication=$(q "SELECT min(replication) FROM ($rsel)")
	fi
	# one run per policy: the first of that replication
	q "SELECT policy, min(run_id) FROM ($rsel) WHERE replication = $replication
	   GROUP BY policy" >"$tmp/runs"
	[ -s "$tmp/runs" ] ||
		die "$db: no done run of replication $replication at $load_axis = $load"
	cut -f1 "$tmp/runs" | write_policies
	printf 'SUBTITLE = %s\n' "$(gpstr "$(load_label "$load"), replication $replication")" >>"$meta"
	runlist=$(cut -f2 "$tmp/runs" | paste -sd,)
}

# Functions in the order of the first run's config (the DAG order), else
# by name; into $tmp/functions, with NFN and FN[] in meta.gp.
write_functions() {
	local first
	first=${runlist%%,*}
	q_try "WITH c AS (SELECT config_json AS j FROM runs WHERE run_id = $first
			   AND json_valid(config_json)),
		cfg AS (SELECT f.id AS k, json_extract(f.value, '\$.name') AS name
			FROM c, json_each(c.j, '\$.functions') f),
		names AS (SELECT DISTINCT function AS name FROM timeline
			  WHERE run_id IN ($runlist) AND function IS NOT NULL)
		SELECT n.name FROM names n LEFT JOIN
		  (SELECT name, min(k) AS k FROM cfg GROUP BY name) g ON g.name = n.name
		ORDER BY g.k IS NULL, g.k, n.name" >"$tmp/functions" 2>/dev/null ||
		q "SELECT DISTINCT function FROM timeline WHERE run_id IN ($runlist)
		   AND function IS NOT NULL ORDER BY 1" >"$tmp/functions"
	local n i=0 f
	n=$(wc -l <"$tmp/functions")
	[ "$n" -gt 0 ] || die "$db: runs $runlist have no timeline rows (record.timeline_interval_s = 0?)"
	printf 'NFN = %d\narray FN[%d]\n' "$n" "$n" >>"$meta"
	while IFS= read -r f; do
		i=$((i + 1))
		printf 'FN[%d] = %s\n' "$i" "$(gpstr "$f")" >>"$meta"
	done <"$tmp/functions"
}

# Entry functions (the sources' "to" or "targets" in the config), else
# those with lag, else the first; one per line into $tmp/entry.
write_entry() {
	local first=${runlist%%,*}
	q_try "WITH c AS (SELECT config_json AS j FROM runs WHERE run_id = $first
			   AND json_valid(config_json)),
		src AS (SELECT s.value AS v FROM c, json_each(c.j, '\$.sources') s
			WHERE s.type = 'object')
		SELECT DISTINCT t.value FROM src, json_each(src.v, '\$.to') t
		UNION SELECT DISTINCT t.value FROM src, json_each(src.v, '\$.targets') t" \
		>"$tmp/entry" 2>/dev/null || : >"$tmp/entry"
	[ -s "$tmp/entry" ] || q "SELECT DISTINCT function FROM timeline
		WHERE run_id = $first GROUP BY function HAVING max(lag) > 0" >"$tmp/entry"
	if [ ! -s "$tmp/entry" ]; then
		head -n 1 "$tmp/functions" >"$tmp/entry"
		warn "entry function unknown (no sources in config_json, no lag); using $(cat "$tmp/entry")"
	fi
}

draw() {   # draw SCRIPT
	local base=$out/$name log=$tmp/gnuplot.log
	rm -f "$base.png" "$base.pdf"
	if ! gnuplot -c "$here/$1" "$tmp" "$base" >"$log" 2>&1; then
		cat "$log" >&2
		die "gnuplot failed on $1 ($db)"
	fi
	[ -s "$log" ] && cat "$log" >&2
	[ -s "$base.png" ] && [ -s "$base.pdf" ] ||
		die "$1 did not write $base.png and $base.pdf"
	printf '%s: wrote %s.pdf and .png\n' "$prog" "$base"
}

case $fig in
# --- 1: latency CDF ----------------------------------------------------------
latency_cdf)
	need_tables latency_hist
	write_loads
	q "SELECT DISTINCT policy FROM ($sel)" | write_policies
	q "SELECT s.policy, s.load, h.lo, h.hi, sum(h.count)
	   FROM latency_hist h JOIN ($sel) s ON s.run_id = h.run_id
	   WHERE h.scope = 'e2e' AND h.count > 0
	   GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3" >"$tmp/hist"
	[ -s "$tmp/hist" ] || die "$db: the runs have no e2e latency histogram"
	# cdf_<load>_<policy>.tsv: "x cdf" at each bucket's upper bound (the
	# overflow bucket, hi = Inf, counts in the total but is not drawn);
	# cdfm_*.tsv: the points that carry markers, staggered per policy.
	awk -F'\t' -v dir="$tmp" -v marks="$MARKS" -v prog="$prog" '
	function finite(x) { return x ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ && x + 0 < 1e300 }
	function flush(    k, c, f, file, mf, m, lvl) {
		if (nb == 0) return
		file = dir "/cdf_" li[cl] "_" pj[cp] ".tsv"
		mf = dir "/cdfm_" li[cl] "_" pj[cp] ".tsv"
		c = 0; m = 0
		if (lo[1] > 0 && finite(hi[1])) print lo[1] "\t0" > file
		for (k = 1; k <= nb; k++) {
			c += cnt[k]
			if (!finite(hi[k])) continue
			f = c / tot
			print hi[k] "\t" f > file
			if (f >= 0.001 && (xmin == "" || lo[k] + 0 < xmin + 0)) xmin = (lo[k] > 0 ? lo[k] : hi[k])
			if (xmax == "" || hi[k] + 0 > xmax + 0) xmax = hi[k]
			while (m < marks) {
				lvl = (m + pj[cp] / (npol + 1)) / marks
				if (f < lvl) break
				print hi[k] "\t" f > mf; m++
			}
		}
		close(file); if (m > 0) close(mf)
		done[li[cl], pj[cp]] = 1
		nb = 0; tot = 0
	}
	FILENAME == ARGV[1] { li[$0] = FNR; nload = FNR; next }
	FILENAME == ARGV[2] { pj[$0] = FNR; npol = FNR; next }
	{
		if ($1 != cp || $2 != cl) { flush(); cp = $1; cl = $2 }
		nb++; lo[nb] = $3 + 0; hi[nb] = $4; cnt[nb] = $5 + 0; tot += $5
	}
	END {
		flush()
		if (xmin == "" || xmax == "") {
			printf "%s: no finite latency bucket to draw\n", prog > "/dev/stderr"; exit 1 }
		for (i = 1; i <= nload; i++) for (j = 1; j <= npol; j++) if (!((i, j) in done)) {
			print "NaN\tNaN" > (dir "/cdf_" i "_" j ".tsv")
			print "NaN\tNaN" > (dir "/cdfm_" i "_" j ".tsv") }
		# widen to 1-2-5 steps so the axis ends on round numbers
		lx = log(xmin) / log(10); e = int(lx); if (e > lx) e--
		b = xmin / 10 ^ e; xmin = (b >= 5 ? 5 : b >= 2 ? 2 : 1) * 10 ^ e
		lx = log(xmax) / log(10); e = int(lx); if (e > lx) e--
		b = xmax / 10 ^ e; xmax = (b <= 1 ? 1 : b <= 2 ? 2 : b <= 5 ? 5 : 10) * 10 ^ e
		if (xmax <= xmin) xmax = xmin * 10
		printf "CDF_XMIN = %.10g\nCDF_XMAX = %.10g\n", xmin, xmax
	}' "$tmp/loads" "$tmp/pols" "$tmp/hist" >>"$meta" || die "$db: cannot build the latency CDFs"
	draw fig_latency_cdf.gp
	;;

# --- 2, 5: replicas and lag over time, one panel per policy -----------------
replicas|lag)
	need_tables timeline
	pick_runs
	write_functions
	write_entry
	# rows: policy index, function index, t (min), ready, pending, rate, lag
	q "SELECT run_id, function, t, ready, coalesce(pending, 0),
		  coalesce(arrival_rate, 'NaN'), coalesce(lag, 0)
	   FROM timeline WHERE run_id IN ($runlist) AND t IS NOT NULL
	   ORDER BY run_id, t" >"$tmp/timeline"
	[ -s "$tmp/timeline" ] || die "$db: runs $runlist have no timeline rows"
	# steps_<p>_<f>.tsv "t ready"; rate_<p>.tsv "t rate" (entry functions
	# summed); lag_<p>.tsv "t lag" (all functions summed).
	awk -F'\t' -v dir="$tmp" '
	FILENAME == ARGV[1] { pj[$2] = $1; next }                  # run -> policy
	FILENAME == ARGV[2] { pidx[$0] = FNR; npol = FNR; next }
	FILENAME == ARGV[3] { fi[$0] = FNR; nfn = FNR; next }
	FILENAME == ARGV[4] { ent[$0] = 1; next }
	{
		p = pidx[pj[$1]]; f = fi[$2]; t = $3 / 60
		if (p == "" || f == "") next
		print t "\t" $4 "\t" $4 + $5 > (dir "/steps_" p "_" f ".tsv")
		have[p, f] = 1
		if (!((p, t) in seen)) { seen[p, t] = 1; ts[p, ++nt[p]] = t }
		if ($2 in ent && $6 != "NaN") rate[p, t] += $6
		lag[p, t] += $7
		if (tmax == "" || t > tmax) tmax = t
		if ($4 + $5 > rmax) rmax = $4 + $5
		if ($7 + 0 > lmax) lmax = $7
	}
	END {
		for (p = 1; p <= npol; p++) {
			for (f = 1; f <= nfn; f++) if (!((p, f) in have))
				print "NaN\tNaN\tNaN" > (dir "/steps_" p "_" f ".tsv")
			rf = dir "/rate_" p ".tsv"; lf = dir "/lag_" p ".tsv"
			if (nt[p] == 0) { print "NaN\tNaN" > rf; print "NaN\tNaN" > lf }
			for (k = 1; k <= nt[p]; k++) {
				t = ts[p, k]
				print t "\t" rate[p, t] + 0 > rf
				print t "\t" lag[p, t] + 0 > lf
				if (rate[p, t] > ratemax) ratemax = rate[p, t]
				if (lag[p, t] > lagmax) lagmax = lag[p, t]
			}
		}
		printf "T_MAX = %.10g\nREPL_MAX = %d\nRATE_MAX = %.10g\nLAG_MAX = %.10g\n", \
			tmax, rmax, ratemax, lagmax
	}' <(awk -F'\t' '{ print $1 "\t" $2 }' "$tmp/runs") "$tmp/pols" "$tmp/functions" \
		"$tmp/entry" "$tmp/timeline" >>"$meta"
	if [ "$fig" = lag ] && ! grep -q '^LAG_MAX = [1-9]' "$meta"; then
		warn "$db: no consumer lag in runs $runlist; the panels are empty"
	fi
	draw "fig_$fig.gp"
	;;

# --- 3: cost against p99 ------------------------------------------------------
cost_p99)
	write_loads
	report_tsv "policy,$load_axis" p99,cost_usd
	cut -f1 "$tmp/report.tsv" | write_policies
	# pt_<load>_<policy>.tsv: "x xlo xhi y ylo yhi"; front_<load>.tsv: the
	# Pareto front (no other point has both lower p99 and lower cost) as a
	# staircase.
	awk -F'\t' -v dir="$tmp" '
	function lab(v) { return v == "" ? "-" : v }
	FILENAME == ARGV[1] { li[$0] = FNR; nload = FNR; next }
	FILENAME == ARGV[2] { pj[$0] = FNR; npol = FNR; next }
	{
		i = li[lab($2)]; j = pj[$1]
		if (i == "" || j == "") next
		lo = ($6 == "" ? $5 : $6); hi = ($7 == "" ? $5 : $7)
		if ($3 == "p99") { x[i, j] = $5; xl[i, j] = lo; xh[i, j] = hi }
		else if ($3 == "cost_usd") { y[i, j] = $5; yl[i, j] = lo; yh[i, j] = hi }
	}
	END {
		for (i = 1; i <= nload; i++) {
			n = 0
			for (j = 1; j <= npol; j++) {
				f = dir "/pt_" i "_" j ".tsv"
				if (((i, j) in x) && ((i, j) in y) && x[i, j] > 0) {
					print x[i, j] "\t" xl[i, j] "\t" xh[i, j] "\t" y[i, j] "\t" yl[i, j] "\t" yh[i, j] > f
					n++; px[n] = x[i, j] + 0; py[n] = y[i, j] + 0
					if (xmin == "" || xl[i, j] + 0 < xmin) xmin = xl[i, j] + 0
					if (xmax == "" || xh[i, j] + 0 > xmax) xmax = xh[i, j] + 0
				} else print "NaN\tNaN\tNaN\tNaN\tNaN\tNaN" > f
				close(f)
			}
			# front: by p99, keep each point cheaper than all before it
			for (a = 2; a <= n; a++) for (b = a; b > 1 && (px[b] < px[b-1] || (px[b] == px[b-1] && py[b] < py[b-1])); b--) {
				t = px[b]; px[b] = px[b-1]; px[b-1] = t; t = py[b]; py[b] = py[b-1]; py[b-1] = t }
			f = dir "/front_" i ".tsv"; best = ""
			for (a = 1; a <= n; a++) if (best == "" || py[a] < best) {
				if (best != "") print px[a] "\t" best > f
				print px[a] "\t" py[a] > f; best = py[a] }
			if (best == "") print "NaN\tNaN" > f
			close(f)
		}
		if (xmin == "" || xmin <= 0) { print "no positive p99 to draw" > "/dev/stderr"; exit 1 }
		printf "P99_MIN = %.10g\nP99_MAX = %.10g\n", xmin, xmax
	}' "$tmp/loads" "$tmp/pols" "$tmp/report.tsv" >>"$meta" ||
		die "$db: no p99 and cost_usd to draw"
	draw fig_cost_p99.gp
	;;

# --- 4: cold starts against wasted memory-time ------------------------------
coldstart_waste)
	by=${by:-autoscaler,$load_axis}
	nk=$(awk -v b="$by" 'BEGIN { print split(b, x, ",") }')
	# rows: policy, keep-alive (s, or empty), panel level, metric, mean, lo, hi
	report_tsv "$by" cold_request_frac,wasted_gb_seconds \
		"CASE WHEN json_valid(k1) AND json_type(k1) = 'object'
			THEN coalesce(json_extract(k1, '\$.policy.name'), json_extract(k1, '\$.policy'), '?')
			ELSE k1 END,
		 CASE WHEN json_valid(k1) AND json_type(k1) = 'object'
			THEN coalesce(json_extract(k1, '\$.keep_alive_s'), '') ELSE '' END,
		 $([ "$nk" -ge 2 ] && echo k2 || echo "'-'"), metric, mean, lo, hi"
	mv "$tmp/report.tsv" "$tmp/ka.tsv"
	cut -f3 "$tmp/ka.tsv" | awk '!s[$0]++' | sort -g >"$tmp/loads"
	[ "$nk" -ge 2 ] && load_name=${by##*,} && load_name=${load_name##*.}
	n=$(wc -l <"$tmp/loads")
	printf 'NLOAD = %d\narray LOAD_LABEL[%d]\n' "$n" "$n" >>"$meta"
	i=0
	while IFS= read -r l; do
		i=$((i + 1))
		printf 'LOAD_LABEL[%d] = %s\n' "$i" "$(gpstr "$(load_label "$l")")" >>"$meta"
	done <"$tmp/loads"
	cut -f1 "$tmp/ka.tsv" | write_policies
	# ka_<load>_<policy>.tsv: "x xlo xhi y ylo yhi keep_alive_s" sorted by
	# keep-alive; x in GB-hours, y in % of requests.
	awk -F'\t' -v dir="$tmp" '
	FILENAME == ARGV[1] { li[$0] = FNR; nload = FNR; next }
	FILENAME == ARGV[2] { pj[$0] = FNR; npol = FNR; next }
	{
		i = li[$3]; j = pj[$1]; k = i SUBSEP j SUBSEP $2
		if (!(k in seen)) { seen[k] = 1; n[i, j]++; ka[i, j, n[i, j]] = $2 }
		lo = ($6 == "" ? $5 : $6); hi = ($7 == "" ? $5 : $7)
		if ($4 == "wasted_gb_seconds") { x[k] = $5 / 3600; xl[k] = lo / 3600; xh[k] = hi / 3600 }
		else if ($4 == "cold_request_frac") { y[k] = $5 * 100; yl[k] = lo * 100; yh[k] = hi * 100 }
	}
	END {
		for (i = 1; i <= nload; i++) for (j = 1; j <= npol; j++) {
			f = dir "/ka_" i "_" j ".tsv"
			m = n[i, j]
			for (a = 2; a <= m; a++) for (b = a; b > 1 && ka[i, j, b] + 0 < ka[i, j, b-1] + 0; b--) {
				t = ka[i, j, b]; ka[i, j, b] = ka[i, j, b-1]; ka[i, j, b-1] = t }
			w = 0
			for (a = 1; a <= m; a++) {
				k = i SUBSEP j SUBSEP ka[i, j, a]
				if (!(k in x) || !(k in y)) continue
				# label: the keep-alive of the first, second and last point
				# (the long ones crowd together where the curve flattens)
				print x[k] "\t" xl[k] "\t" xh[k] "\t" y[k] "\t" yl[k] "\t" yh[k] "\t" \
					(ka[i, j, a] == "" || (a > 2 && a < m) ? "NaN" : ka[i, j, a]) > f
				w++
				if (xlo[i] == "" || xl[k] < xlo[i]) xlo[i] = xl[k]
				if (xh[k] > xhi[i]) xhi[i] = xh[k]
				if (yh[k] > yhi[i]) yhi[i] = yh[k]
			}
			if (w == 0) print "NaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN" > f
			else any = 1
			close(f)
		}
		if (!any) { print "no cold_request_frac and wasted_gb_seconds to draw" > "/dev/stderr"; exit 1 }
		printf "array XLO[%d]\narray XHI[%d]\narray YHI[%d]\n", nload, nload, nload
		for (i = 1; i <= nload; i++) printf "XLO[%d] = %.10g\nXHI[%d] = %.10g\nYHI[%d] = %.10g\n", i, xlo[i] + 0, i, xhi[i] + 0, i, yhi[i] + 0
	}' "$tmp/loads" "$tmp/pols" "$tmp/ka.tsv" >>"$meta" ||
		die "$db: no cold-start and wasted memory-time metrics to draw (--by $by)"
	draw fig_coldstart_waste.gp
	;;

# --- 6: SLO violations ------------------------------------------------------
slo)
	write_loads
	report_tsv "policy,$load_axis" slo_violation_frac
	cut -f1 "$tmp/report.tsv" | write_policies
	# dot_<load>_<policy>.tsv: "x xlo xhi row" in % (row: the policy's
	# line, top = 1); zero values are drawn at the axis floor.
	awk -F'\t' -v dir="$tmp" -v prog="$prog" '
	function lab(v) { return v == "" ? "-" : v }
	FILENAME == ARGV[1] { li[$0] = FNR; nload = FNR; next }
	FILENAME == ARGV[2] { pj[$0] = FNR; npol = FNR; next }
	$3 == "slo_violation_frac" {
		i = li[lab($2)]; j = pj[$1]
		if (i == "" || j == "") next
		m[i, j] = $5 * 100; l[i, j] = ($6 == "" ? $5 : $6) * 100; h[i, j] = ($7 == "" ? $5 : $7) * 100
		if (m[i, j] > 0 && (pos == "" || m[i, j] < pos)) pos = m[i, j]
		if (l[i, j] > 0 && l[i, j] < pos) pos = l[i, j]
		if (h[i, j] > top) top = h[i, j]
	}
	END {
		if (pos == "") { pos = 0.01 }
		e = int(log(pos) / log(10)); if (10 ^ e > pos) e--
		floor = 10 ^ e
		for (i = 1; i <= nload; i++) for (j = 1; j <= npol; j++) {
			f = dir "/dot_" i "_" j ".tsv"
			if ((i, j) in m) {
				zero += (m[i, j] <= 0)
				printf "%.10g\t%.10g\t%.10g\t%d\n", (m[i, j] > floor ? m[i, j] : floor), \
					(l[i, j] > floor ? l[i, j] : floor), (h[i, j] > floor ? h[i, j] : floor), j > f
			} else print "NaN\tNaN\tNaN\tNaN" > f
			close(f)
		}
		if (zero) printf "%s: warning: %d zero SLO violation rates are drawn at the axis floor %g %%\n", prog, zero, floor > "/dev/stderr"
		printf "X_FLOOR = %.10g\nX_TOP = %.10g\n", floor, (top > 0 ? top : 100)
	}' "$tmp/loads" "$tmp/pols" "$tmp/report.tsv" >>"$meta"
	draw fig_slo.gp
	;;

# --- 7: a metric per group (straggler mitigation) ----------------------------
stragglers)
	by=${by:-policy}
	report_tsv "$by" "$metric"
	nk=$(awk -v b="$by" 'BEGIN { print split(b, x, ",") }')
	# rows "label policy mean lo hi": the label joins key=value over the
	# keys (policy's value alone); the policy (or "") picks the style.
	awk -F'\t' -v by="$by" -v nk="$nk" '
	BEGIN { split(by, key, ","); for (k = 1; k <= nk; k++) {
		gsub(/^ +| +$/, "", key[k]); short[k] = key[k]; sub(/.*\./, "", short[k]) } }
	{
		lab = ""; pol = ""
		for (k = 1; k <= nk; k++) {
			v = $k
			gsub(/[{}"]/, "", v)   # a JSON object value reads as k:3
			if (v == "null") v = "off"
			if (key[k] == "policy") { pol = v; part = v }
			else part = short[k] "=" v
			lab = lab (k > 1 ? ", " : "") part
		}
		print lab "\t" pol "\t" $(nk + 3) "\t" $(nk + 4) "\t" $(nk + 5)
	}' "$tmp/report.tsv" >"$tmp/groups"
	n=$(wc -l <"$tmp/groups")
	cut -f2 "$tmp/groups" | grep -v '^$' | write_policies 2>/dev/null ||
		printf 'NPOL = 0\n' >>"$meta"
	# grp_<row>.tsv: "x xlo xhi row"; the row's linetype: its policy's, or
	# black when the groups have no policy key.
	awk -F'\t' -v dir="$tmp" -v pols="$tmp/pols" -v metric="$metric" '
	function gpstr(s) { gsub(/[\001-\037]/, " ", s); gsub(/\047/, "\047\047", s); return "\047" s "\047" }
	BEGIN { while ((getline l < pols) > 0) pj[l] = ++np }
	{
		r = NR; lo = ($4 == "" ? $3 : $4); hi = ($5 == "" ? $3 : $5)
		print $3 "\t" lo "\t" hi "\t" r > (dir "/grp_" r ".tsv"); close(dir "/grp_" r ".tsv")
		lab[r] = $1; pi[r] = ($2 in pj) ? pj[$2] : 0
		if (length($1) > lc) lc = length($1)
		if (xmin == "" || lo + 0 < xmin) xmin = lo + 0
		if (hi + 0 > xmax) xmax = hi + 0
	}
	END {
		printf "NGRP = %d\narray GRP[%d]\narray GRP_POL[%d]\n", NR, NR, NR
		for (r = 1; r <= NR; r++) printf "GRP[%d] = %s\nGRP_POL[%d] = %d\n", r, gpstr(lab[r]), r, pi[r]
		printf "LABEL_CHARS = %d\nX_MIN = %.10g\nX_MAX = %.10g\nMETRIC = %s\n", lc, xmin, xmax, gpstr(metric)
	}' "$tmp/groups" >>"$meta"
	[ "$n" -gt 0 ] || die "$db: no groups to draw"
	draw fig_stragglers.gp
	;;
esac
