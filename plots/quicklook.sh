#!/usr/bin/env bash
# quicklook.sh: quick-look figures of any run or runs of a results database
# (the driver of `spate plot`).
#   plots/quicklook.sh DB OUTDIR [RUN,RUN,...]
# Runs default to the latest run (by started_at, then run_id) whose status
# is 'done'. Writes into OUTDIR, as .png and also .pdf when gnuplot has
# pdfcairo:
#   latency_cdf  end-to-end latency CDF, the runs overlaid (log x)
#   replicas     ready replicas per function over time with the entry
#                arrival rate, one panel per run
#   lag          consumer lag of the source topics over time, runs overlaid
#   nodes        only when the runs have node_timeline rows: every node's
#                speed relative to its class over time, straggler episodes
#                (node_events) marked, one panel per run
#
# As in demo.sh and figures.sh the shell only moves data: sqlite3 pulls
# tab-separated rows, awk shapes them into files in a temporary directory
# and writes meta.gp (names, numbers, file names as gnuplot assignments),
# and each quicklook_*.gp script draws one figure with style.gp's look.
# Run i of the list keeps linetype i (run_lt in the .gp files) in every
# figure, so a run is the same colour, dash and marker throughout.
#
# Exit status: 0 when every figure the data allows was written (a figure
# without data is skipped with a warning), 2 on bad usage, 1 otherwise
# (missing tool, database or run; no figure at all; gnuplot failed).
# Messages start with $SPATE_PLOT_PROG (spate sets "spate plot"), else
# "quicklook.sh", and name the database and the run. With QUICKLOOK_DATA
# set, the extracted data files are copied into that directory (tests).

set -euo pipefail

prog=${SPATE_PLOT_PROG:-${0##*/}}
here=$(cd "$(dirname "$0")" && pwd)
MARKS=6          # markers per curve
MAXRUNS=12       # runs one figure can tell apart (linetypes 1-12)

die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
usage() {
	printf 'usage: %s DB OUTDIR [RUN,RUN,...]\n' "$prog" >&2
	printf '  quick-look figures of the runs (default: the latest run with status done)\n' >&2
	exit 2
}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
db=$1
outdir=$2
runarg=${3:-}

if [ -n "$runarg" ]; then
	[[ $runarg =~ ^[0-9]+(,[0-9]+)*$ ]] || {
		printf '%s: bad run list "%s": expected run ids separated by commas, e.g. 3,7\n' \
			"$prog" "$runarg" >&2
		usage
	}
fi

command -v sqlite3 >/dev/null 2>&1 ||
	die "sqlite3 not found (Debian: apt-get install sqlite3)"
command -v gnuplot >/dev/null 2>&1 ||
	die "gnuplot not found (Debian: apt-get install gnuplot-nox)"
gnuplot -e 'print GPVAL_TERMINALS' 2>&1 | grep -qw pngcairo ||
	die "this gnuplot has no pngcairo terminal (Debian: apt-get install gnuplot-nox)"

# sqlite3 would create a missing file, so check before opening it.
[ -e "$db" ] || die "no such database: $db"
{ [ -f "$db" ] && [ -r "$db" ]; } || die "not a readable file: $db"

q_try() { sqlite3 -batch -noheader -separator $'\t' -cmd '.timeout 5000' "$db" "$1"; }
q() { q_try "$1" || die "a query on $db failed (SQLite's message is above)"; }

tables=$(q_try "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')" 2>&1) ||
	die "cannot read $db as an SQLite database: $tables"
has_table() { printf '%s\n' "$tables" | grep -qx "$1"; }
has_table runs || die "$db has no 'runs' table; is it a spate results database?"

some_runs() {
	q "SELECT group_concat(run_id || ':' || coalesce(status, 'NULL'), ' ')
	   FROM (SELECT run_id, status FROM runs ORDER BY run_id DESC LIMIT 12)"
}

# --- the runs ---------------------------------------------------------------
if [ -z "$runarg" ]; then
	runarg=$(q "SELECT run_id FROM runs WHERE status = 'done'
		    ORDER BY started_at DESC, run_id DESC LIMIT 1")
	[ -n "$runarg" ] ||
		die "$db has no run with status 'done' (latest runs, id:status: $(some_runs | sed 's/^$/none/')); pick runs with --runs"
fi
runs=()
for r in ${runarg//,/ }; do
	r=$((10#$r))
	for s in "${runs[@]+"${runs[@]}"}"; do
		[ "$s" != "$r" ] || { printf '%s: run %s is listed twice\n' "$prog" "$r" >&2; usage; }
	done
	runs+=("$r")
done
[ "${#runs[@]}" -le "$MAXRUNS" ] || {
	printf '%s: %d runs given; at most %d fit in one figure\n' "$prog" "${#runs[@]}" "$MAXRUNS" >&2
	usage
}
runlist=$(IFS=,; printf '%s' "${runs[*]}")
for r in "${runs[@]}"; do
	st=$(q "SELECT coalesce(status, 'NULL') FROM runs WHERE run_id = $r")
	[ -n "$st" ] ||
		die "no run $r in $db (latest runs, id:status: $(some_runs | sed 's/^$/none/'))"
	[ "$st" = 'done' ] || warn "run $r of $db has status '$st'; drawing what it recorded"
done

mkdir -p "$outdir" || die "cannot create output directory $outdir"
[ -w "$outdir" ] || die "output directory $outdir is not writable"
printf '%s: runs %s of %s\n' "$prog" "$runlist" "$db"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spate-quicklook.XXXXXX") ||
	die "cannot create a temporary directory"
trap 'if [ -n "${QUICKLOOK_DATA:-}" ]; then mkdir -p "$QUICKLOOK_DATA" &&
	cp "$tmp"/* "$QUICKLOOK_DATA"/ 2>/dev/null; fi; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# A gnuplot string literal: single quotes doubled, control characters
# (which would end the line) replaced by spaces.
gpstr() {
	local s
	s=$(printf '%s' "$1" | tr '\000-\037' ' ')
	printf "'%s'" "${s//\'/\'\'}"
}

# Run i (1-based, in the order given) -> "i<TAB>run_id", the join key of
# every query below; labels for keys and titles.
meta=$tmp/meta.gp
: >"$tmp/runidx"
i=0
{
	printf 'NRUN = %d\narray RUN_ID[%d]\narray RUN_LABEL[%d]\n' \
		"${#runs[@]}" "${#runs[@]}" "${#runs[@]}"
	for r in "${runs[@]}"; do
		i=$((i + 1))
		printf '%d\t%d\n' "$i" "$r" >>"$tmp/runidx"
		IFS=$'\t' read -r experiment policy seed < <(q "SELECT
			coalesce(experiment, '?'), coalesce(policy, '?'),
			coalesce(seed, '?') FROM runs WHERE run_id = $r") || true
		printf 'RUN_ID[%d] = %d\n' "$i" "$r"
		printf 'RUN_LABEL[%d] = %s\n' "$i" \
			"$(gpstr "run $r: ${policy:-?} (${experiment:-?}, seed ${seed:-?})")"
	done
	printf 'DB_NAME = %s\n' "$(gpstr "${db##*/}")"
} >"$meta"
# "idx\trun" as an SQL table expression, to join on
ridx=$(awk -F'\t' '{ printf "%sSELECT %d AS i, %d AS run_id", (NR > 1 ? " UNION ALL " : ""), $1, $2 }' "$tmp/runidx")
first=${runs[0]}

# Functions in the order of the first run's config (the DAG order), else
# by name; they keep one linetype (fn_lt) across panels.
if has_table timeline; then
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
else
	: >"$tmp/functions"
fi

# --- latency CDF ------------------------------------------------------------
# Rows: run index, lo, hi, count. The overflow bucket (hi = Inf) counts in
# the total but has no x to be drawn at.
have_cdf=0
if has_table latency_hist; then
	q "SELECT x.i, h.lo, h.hi, h.count FROM latency_hist h
	   JOIN ($ridx) x ON x.run_id = h.run_id
	   WHERE h.scope = 'e2e' AND h.count > 0 ORDER BY x.i, h.lo" >"$tmp/hist"
	if has_table summary; then
		q "SELECT x.i, lower(s.metric), s.value FROM summary s
		   JOIN ($ridx) x ON x.run_id = s.run_id
		   WHERE s.scope = 'e2e' AND lower(s.metric) IN ('p50', 'p99')" >"$tmp/quant"
	else
		: >"$tmp/quant"
	fi
	if [ -s "$tmp/hist" ]; then
		awk -F'\t' -v dir="$tmp" -v marks="$MARKS" -v nrun="${#runs[@]}" -v prog="$prog" '
		function fmt(v) {
			if (v == "") return "?"
			if (v < 1e-3) return sprintf("%.3g us", v * 1e6)
			if (v < 1) return sprintf("%.3g ms", v * 1e3)
			return sprintf("%.3g s", v)
		}
		function gpstr(s) { gsub(/[\001-\037]/, " ", s); gsub(/\047/, "\047\047", s)
			return "\047" s "\047" }
		function finite(x) { return x ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ && x + 0 < 1e300 }
		function quant(p,    k, c, want) {
			want = p * tot; c = 0
			for (k = 1; k <= nb; k++) {
				if (c + cnt[k] >= want) {
					if (!finite(hi[k])) return lo[k]
					return lo[k] + (hi[k] - lo[k]) * (want - c) / cnt[k]
				}
				c += cnt[k]
			}
			return lo[nb]
		}
		function flush(    k, c, f, file, mf, m, lvl, p50, p99) {
			if (nb == 0 || tot <= 0) { nb = 0; tot = 0; return }
			file = dir "/cdf_" cur ".tsv"; mf = dir "/cdfm_" cur ".tsv"
			c = 0; m = 0
			if (lo[1] > 0 && finite(hi[1])) print lo[1] "\t0" > file
			for (k = 1; k <= nb; k++) {
				c += cnt[k]
				if (!finite(hi[k])) continue
				f = c / tot
				print hi[k] "\t" f > file
				if (f >= 0.001 && (xmin == "" || (lo[k] > 0 ? lo[k] : hi[k]) < xmin + 0))
					xmin = lo[k] > 0 ? lo[k] : hi[k]
				if (xmax == "" || hi[k] + 0 > xmax + 0) xmax = hi[k]
				# markers where the curve crosses levels staggered per run
				while (m < marks) {
					lvl = (m + cur / (nrun + 1)) / marks
					if (f < lvl) break
					print hi[k] "\t" f > mf; m++
				}
			}
			close(file); if (m > 0) { close(mf); mk[cur] = 1 }
			p50 = ((cur, "p50") in qv) ? qv[cur, "p50"] : quant(0.50)
			p99 = ((cur, "p99") in qv) ? qv[cur, "p99"] : quant(0.99)
			ttl[cur] = sprintf("p50 %s, p99 %s", fmt(p50), fmt(p99))
			done[cur] = 1; nb = 0; tot = 0
		}
		FILENAME == ARGV[1] { qv[$1, $2] = $3; next }
		{
			if ($1 != cur) { flush(); cur = $1 }
			nb++; lo[nb] = $2 + 0; hi[nb] = $3; cnt[nb] = $4 + 0; tot += $4
		}
		END {
			flush()
			if (xmin == "" || xmax == "") exit 1
			printf "array CDF_FILE[%d]\narray CDF_MARKS[%d]\narray CDF_Q[%d]\n", nrun, nrun, nrun
			for (i = 1; i <= nrun; i++) {
				if (!(i in done)) {
					print "NaN\tNaN" > (dir "/cdf_" i ".tsv")
					ttl[i] = "no latency histogram"
				}
				if (!(i in mk)) print "NaN\tNaN" > (dir "/cdfm_" i ".tsv")
				printf "CDF_FILE[%d] = %s\n", i, gpstr(dir "/cdf_" i ".tsv")
				printf "CDF_MARKS[%d] = %s\n", i, gpstr(dir "/cdfm_" i ".tsv")
				printf "CDF_Q[%d] = %s\n", i, gpstr(ttl[i])
			}
			# widen to 1-2-5 steps so the axis ends on round numbers
			lx = log(xmin) / log(10); e = int(lx); if (e > lx) e--
			b = xmin / 10 ^ e; xmin = (b >= 5 ? 5 : b >= 2 ? 2 : 1) * 10 ^ e
			lx = log(xmax) / log(10); e = int(lx); if (e > lx) e--
			b = xmax / 10 ^ e; xmax = (b <= 1 ? 1 : b <= 2 ? 2 : b <= 5 ? 5 : 10) * 10 ^ e
			if (xmax <= xmin) xmax = xmin * 10
			printf "CDF_XMIN = %.10g\nCDF_XMAX = %.10g\n", xmin, xmax
		}' "$tmp/quant" "$tmp/hist" >>"$meta" && have_cdf=1
	fi
	missing=$(awk -F'\t' 'NR == FNR { h[$1] = 1; next } !($1 in h) { printf "%s%s", s, $2; s = ", " }' \
		"$tmp/hist" "$tmp/runidx")
	[ -z "$missing" ] || warn "$db: run(s) $missing have no e2e latency histogram"
fi
[ "$have_cdf" = 1 ] || warn "$db: runs $runlist have no e2e latency histogram; skipping latency_cdf"

# --- replicas and lag over time ----------------------------------------------
have_tl=0
if has_table timeline && [ -s "$tmp/functions" ]; then
	# Entry functions: the sources' "to"/"targets" in the first run's
	# config; else those with lag; else the first function.
	q_try "WITH c AS (SELECT config_json AS j FROM runs WHERE run_id = $first
			  AND json_valid(config_json)),
		src AS (SELECT s.value AS v FROM c, json_each(c.j, '\$.sources') s
			WHERE s.type = 'object')
		SELECT DISTINCT t.value FROM src, json_each(src.v, '\$.to') t
		UNION SELECT DISTINCT t.value FROM src, json_each(src.v, '\$.targets') t" \
		>"$tmp/entry" 2>/dev/null || : >"$tmp/entry"
	[ -s "$tmp/entry" ] || q "SELECT function FROM timeline WHERE run_id IN ($runlist)
		GROUP BY function HAVING max(lag) > 0" >"$tmp/entry"
	if [ ! -s "$tmp/entry" ]; then
		head -n 1 "$tmp/functions" >"$tmp/entry"
		warn "$db: entry function unknown (no sources in config_json, no lag); showing the arrival rate of $(cat "$tmp/entry")"
	fi
	q "SELECT x.i, t.function, t.t, coalesce(t.ready, 0), coalesce(t.pending, 0),
		  coalesce(t.arrival_rate, 'NaN'), coalesce(t.lag, 0)
	   FROM timeline t JOIN ($ridx) x ON x.run_id = t.run_id
	   WHERE t.t IS NOT NULL AND t.function IS NOT NULL
	   ORDER BY x.i, t.t" >"$tmp/timeline"
	# The topics' lag from their partitions when the runs have them (a
	# topic feeding two entry functions then counts once).
	: >"$tmp/plag"
	if has_table partition_timeline; then
		q "SELECT x.i, p.t, sum(p.lag) FROM partition_timeline p
		   JOIN ($ridx) x ON x.run_id = p.run_id WHERE p.t IS NOT NULL
		   GROUP BY x.i, p.t" >"$tmp/plag"
	fi
	# steps_<run>_<fn>.tsv "t ready ready+pending"; rate_<run>.tsv "t rate"
	# (entry functions summed); lag_<run>.tsv "t lag" (the topics' lag, else
	# all functions' summed) and lagm_<run>.tsv, its marker points. Times in
	# minutes.
	awk -F'\t' -v dir="$tmp" -v nrun="${#runs[@]}" -v marks="$MARKS" '
	function gpstr(s) { gsub(/[\001-\037]/, " ", s); gsub(/\047/, "\047\047", s)
		return "\047" s "\047" }
	FILENAME == ARGV[1] { fi[$0] = FNR; fn[FNR] = $0; nfn = FNR; next }
	FILENAME == ARGV[2] { ent[$0] = 1; next }
	FILENAME == ARGV[3] { plag[$1, $2 / 60] = $3; next }
	{
		p = $1; f = fi[$2]; t = $3 / 60
		if (f == "") next
		print t "\t" $4 "\t" $4 + $5 > (dir "/steps_" p "_" f ".tsv")
		have[p, f] = 1; any[p] = 1
		k = ++ns[p, f]; st[p, f, k] = t; sr[p, f, k] = $4
		if (!((p, t) in seen)) { seen[p, t] = 1; ts[p, ++nt[p]] = t }
		if (($2 in ent) && $6 != "NaN") { rate[p, t] += $6; hasrate[p, t] = 1 }
		if ((p, t) in plag) lag[p, t] = plag[p, t]
		else lag[p, t] += $7
		if (tmin == "" || t < tmin) tmin = t
		if (tmax == "" || t > tmax) tmax = t
		if ($4 + $5 > rmax) rmax = $4 + $5
	}
	END {
		if (tmin == "") exit 1
		for (p = 1; p <= nrun; p++) {
			for (f = 1; f <= nfn; f++) if (!((p, f) in have))
				print "NaN\tNaN\tNaN" > (dir "/steps_" p "_" f ".tsv")
			# replica markers at evenly spaced samples, shifted per function
			for (f = 1; f <= nfn; f++) {
				mf = dir "/stepsm_" p "_" f ".tsv"; n = ns[p, f] + 0
				if (n == 0) print "NaN\tNaN" > mf
				for (m = 0; m < marks && n > 0; m++) {
					k = int((m + f / (nfn + 1)) * n / marks) + 1
					if (k > n) k = n
					print st[p, f, k] "\t" sr[p, f, k] > mf
				}
				close(mf)
			}
			rf = dir "/rate_" p ".tsv"; lf = dir "/lag_" p ".tsv"; mf = dir "/lagm_" p ".tsv"
			if (nt[p] == 0) { print "NaN\tNaN" > rf; print "NaN\tNaN" > lf; print "NaN\tNaN" > mf }
			for (k = 1; k <= nt[p]; k++) {
				t = ts[p, k]
				print t "\t" (hasrate[p, t] ? rate[p, t] : "NaN") > rf
				print t "\t" lag[p, t] + 0 > lf
				if (rate[p, t] > ratemax) ratemax = rate[p, t]
				if (lag[p, t] > lagmax) lagmax = lag[p, t]
			}
			for (m = 0; m < marks && nt[p] > 0; m++) {
				k = int((m + p / (nrun + 1)) * nt[p] / marks) + 1
				if (k > nt[p]) k = nt[p]
				print ts[p, k] "\t" lag[p, ts[p, k]] + 0 > mf
			}
			close(rf); close(lf); close(mf)
		}
		if (tmax <= tmin) tmax = tmin + 1
		printf "T_MIN = %.10g\nT_MAX = %.10g\nREPL_MAX = %d\nRATE_MAX = %.10g\nLAG_MAX = %.10g\n", \
			tmin, tmax, (rmax > 0 ? rmax : 1), ratemax + 0, lagmax + 0
		printf "NFN = %d\narray FN[%d]\n", nfn, nfn
		for (f = 1; f <= nfn; f++) {
			printf "FN[%d] = %s\n", f, gpstr(fn[f])
			if (length(fn[f]) > fc) fc = length(fn[f])
		}
		printf "FN_CHARS = %d\n", fc
		printf "array RUN_HAS_TL[%d]\n", nrun
		for (p = 1; p <= nrun; p++) printf "RUN_HAS_TL[%d] = %d\n", p, (p in any)
	}' "$tmp/functions" "$tmp/entry" "$tmp/plag" "$tmp/timeline" >>"$meta" && have_tl=1
	ents=$(paste -sd' ' "$tmp/entry")
	printf 'ENTRY_NAMES = %s\n' "$(gpstr "$ents")" >>"$meta"
fi
[ "$have_tl" = 1 ] ||
	warn "$db: runs $runlist have no timeline rows (record.timeline_interval_s = 0?); skipping replicas and lag"

# --- nodes ------------------------------------------------------------------
# Each node's speed relative to the fastest speed seen in its class (the
# class speed when a node of the class ran unslowed at some sample), as
# boxes from one sample to the next, merged while the value holds; down
# nodes separately. Episodes: node_events 'slow' ... 'fast' pairs.
have_nodes=0
if has_table node_timeline &&
	[ "$(q "SELECT count(*) FROM node_timeline WHERE run_id IN ($runlist)")" != 0 ]; then
	q "SELECT x.i, n.node, n.t, coalesce(n.up, 1), n.speed,
		  max(n.speed) OVER (PARTITION BY x.i, n.class)
	   FROM node_timeline n JOIN ($ridx) x ON x.run_id = n.run_id
	   WHERE n.t IS NOT NULL AND n.node IS NOT NULL
	   ORDER BY x.i, n.node, n.t" >"$tmp/nodes"
	if has_table node_events; then
		q "SELECT x.i, e.node, e.t, e.event, coalesce(e.value, 'NaN')
		   FROM node_events e JOIN ($ridx) x ON x.run_id = e.run_id
		   ORDER BY x.i, e.node, e.t" >"$tmp/nevents"
	else
		: >"$tmp/nevents"
	fi
	# speed_<run>.tsv "xc yc xlo xhi ylo yhi rel" (rel < 1 only; full
	# speed is left blank); down_<run>.tsv the same for nodes that are
	# down; ep_<run>.tsv "t node" at the start of each episode.
	awk -F'\t' -v dir="$tmp" -v nrun="${#runs[@]}" '
	function emit(    f) {
		if (cn == "" || ct0 == "") return
		if (cdown) f = dir "/down_" cp ".tsv"
		else if (crel < 0.995) f = dir "/speed_" cp ".tsv"
		else return
		printf "%.10g\t%d\t%.10g\t%.10g\t%.3f\t%.3f\t%.4f\n", (ct0 + ct1) / 2, cn, \
			ct0, ct1, cn - 0.42, cn + 0.42, crel > f
		wrote[f] = 1
	}
	FILENAME == ARGV[1] {
		if ($1 != "" && $4 == "slow") {
			print $3 / 60 "\t" $2 > (dir "/ep_" $1 ".tsv"); nep[$1]++
		}
		next
	}
	{
		p = $1; n = $2 + 0; t = $3 / 60
		rel = ($6 + 0 > 0) ? $5 / $6 : 1; down = ($4 + 0 == 0)
		if (p != cp || n != cn || down != cdown || (!down && (rel < crel - 1e-6 || rel > crel + 1e-6))) {
			if (p == cp && n == cn) ct1 = t
			emit()
			cp = p; cn = n; cdown = down; crel = rel; ct0 = t; ct1 = t
		} else ct1 = t
		if (!((p, n) in seen)) { seen[p, n] = 1; nn[p]++ }
		if (n > nmax) nmax = n
		if (tmin == "" || t < tmin) tmin = t
		if (t > tmax) tmax = t
		if (!down && (relmin == "" || rel < relmin + 0)) relmin = rel
		has[p] = 1
	}
	END {
		emit()
		if (tmin == "") exit 1
		for (p = 1; p <= nrun; p++) {
			f = dir "/speed_" p ".tsv"; if (!(f in wrote)) print "NaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN" > f
			f = dir "/down_" p ".tsv"; if (!(f in wrote)) print "NaN\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN" > f
			f = dir "/ep_" p ".tsv"; if (!(p in nep)) print "NaN\tNaN" > f
		}
		printf "NODE_MAX = %d\nNT_MIN = %.10g\nNT_MAX = %.10g\n", nmax, tmin, (tmax > tmin ? tmax : tmin + 1)
		printf "REL_MIN = %.4g\n", (relmin == "" ? 1 : relmin)
		printf "array RUN_NODES[%d]\narray RUN_EPISODES[%d]\n", nrun, nrun
		for (p = 1; p <= nrun; p++)
			printf "RUN_NODES[%d] = %d\nRUN_EPISODES[%d] = %d\n", p, nn[p] + 0, p, nep[p] + 0
	}' "$tmp/nevents" "$tmp/nodes" >>"$meta" && have_nodes=1
fi

# --- draw -------------------------------------------------------------------
status=0
drawn=0
draw() {   # draw SCRIPT NAME
	local out=$outdir/$2 log=$tmp/$2.log
	rm -f "$out.png" "$out.pdf"
	if ! gnuplot -c "$here/$1" "$tmp" "$out" >"$log" 2>&1; then
		cat "$log" >&2
		warn "gnuplot failed on $1 ($db, runs $runlist)"
		status=1
		return
	fi
	[ -s "$log" ] && cat "$log" >&2
	if [ -s "$out.png" ]; then
		printf '%s: wrote %s.png%s\n' "$prog" "$out" \
			"$([ -s "$out.pdf" ] && printf ' and .pdf')"
		drawn=$((drawn + 1))
	else
		warn "$out.png was not written"
		status=1
	fi
}
# A figure the data does not allow is removed from OUTDIR, so that what is
# there always belongs to the runs just drawn.
skip() { rm -f "$outdir/$1.png" "$outdir/$1.pdf"; }
if [ "$have_cdf" = 1 ]; then draw quicklook_latency_cdf.gp latency_cdf; else skip latency_cdf; fi
if [ "$have_tl" = 1 ]; then
	draw quicklook_replicas.gp replicas
	draw quicklook_lag.gp lag
else
	skip replicas; skip lag
fi
if [ "$have_nodes" = 1 ]; then draw quicklook_nodes.gp nodes; else skip nodes; fi
[ "$drawn" -gt 0 ] || { warn "$db: nothing to draw for runs $runlist"; status=1; }
exit "$status"
