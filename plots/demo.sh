#!/usr/bin/env bash
# demo.sh: the figures of one run of a spate results database.
#   plots/demo.sh DB OUTDIR [RUN_ID]
# RUN_ID defaults to the latest run (by started_at, then run_id) whose
# status is 'done'. Writes OUTDIR/latency_cdf.png and OUTDIR/replicas.png,
# and .pdf beside them when gnuplot has pdfcairo.
#
# The shell only moves data: sqlite3 pulls rows out as tab-separated text,
# awk turns them into what gnuplot draws (cumulative fractions, staircases,
# marker positions) in a temporary directory, and writes meta.gp, the names
# and numbers each .gp script needs, as gnuplot assignments. The look of the
# figures lives in the .gp files (style.gp for what they share).
# Exit status: 0 when every figure was written, 1 on any error (missing
# tool, database, run or data), 2 on bad usage.

set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
MARKS=8          # markers per curve

die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
usage() {
	printf 'usage: %s DB OUTDIR [RUN_ID]\n' "$prog" >&2
	printf '  draws OUTDIR/latency_cdf.png and OUTDIR/replicas.png for one run\n' >&2
	printf '  (default: the latest run with status done)\n' >&2
	exit 2
}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
db=$1
outdir=$2
run=${3:-}

command -v sqlite3 >/dev/null 2>&1 ||
	die "sqlite3 not found (Debian: apt-get install sqlite3)"
command -v gnuplot >/dev/null 2>&1 ||
	die "gnuplot not found (Debian: apt-get install gnuplot-nox)"
gnuplot -e 'print GPVAL_TERMINALS' 2>&1 | grep -qw pngcairo ||
	die "this gnuplot has no pngcairo terminal (Debian: apt-get install gnuplot-nox)"

# sqlite3 would create a missing file, so check before opening it.
[ -e "$db" ] || die "no such database: $db"
{ [ -f "$db" ] && [ -r "$db" ]; } || die "not a readable file: $db"

# Tab-separated rows, no header; waits up to 5 s for a writer's lock.
q_try() { sqlite3 -batch -noheader -separator $'\t' -cmd '.timeout 5000' "$db" "$1"; }
q() { q_try "$1" || die "a query on $db failed (SQLite's message is above)"; }

tables=$(q_try "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')" 2>&1) ||
	die "cannot read $db as an SQLite database: $tables"
for t in runs timeline latency_hist summary; do
	printf '%s\n' "$tables" | grep -qx "$t" ||
		die "$db has no '$t' table; is it a spate results database?"
done

if [ -z "$run" ]; then
	run=$(q "SELECT run_id FROM runs WHERE status = 'done'
		 ORDER BY started_at DESC, run_id DESC LIMIT 1")
	if [ -z "$run" ]; then
		have=$(q "SELECT group_concat(run_id || ':' || coalesce(status, 'NULL'), ' ')
			  FROM (SELECT run_id, status FROM runs ORDER BY run_id LIMIT 20)")
		die "$db has no run with status 'done' (runs: ${have:-none}); pass a RUN_ID to draw another"
	fi
else
	[[ $run =~ ^[0-9]+$ ]] || die "RUN_ID must be a non-negative integer, got '$run'"
	run=$((10#$run))
	if [ "$(q "SELECT count(*) FROM runs WHERE run_id = $run")" = 0 ]; then
		have=$(q "SELECT group_concat(run_id, ' ') FROM
			  (SELECT run_id FROM runs ORDER BY run_id LIMIT 20)")
		die "no run $run in $db (runs: ${have:-none})"
	fi
	st=$(q "SELECT coalesce(status, 'NULL') FROM runs WHERE run_id = $run")
	[ "$st" = "done" ] ||
		warn "run $run has status '$st'; drawing what it recorded"
fi

mkdir -p "$outdir" || die "cannot create output directory $outdir"
[ -w "$outdir" ] || die "output directory $outdir is not writable"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spate-plots.XXXXXX") ||
	die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# A gnuplot string literal: single quotes doubled, control characters
# (which would end the line) replaced by spaces.
gpstr() {
	local s
	s=$(printf '%s' "$1" | tr '\000-\037' ' ')
	printf "'%s'" "${s//\'/\'\'}"
}

meta=$tmp/meta.gp
{
	printf 'RUN_ID = %d\n' "$run"
	IFS=$'\t' read -r experiment policy seed < <(q "SELECT
		coalesce(experiment, '?'), coalesce(policy, '?'),
		coalesce(seed, '?') FROM runs WHERE run_id = $run") || true
	printf 'EXPERIMENT = %s\n' "$(gpstr "${experiment:-?}")"
	printf 'POLICY = %s\n' "$(gpstr "${policy:-?}")"
	printf 'SEED = %s\n' "$(gpstr "${seed:-?}")"
} >"$meta"

# --- functions, in the order of the config (so linetypes follow the DAG) --
# config_json is optional help: if it is not JSON, or SQLite lacks JSON
# functions, the order falls back to names.
fnq_cfg="WITH c AS (SELECT config_json AS j FROM runs
		   WHERE run_id = $run AND json_valid(config_json)),
	cfg AS (SELECT f.id AS k,
		       coalesce(CASE WHEN f.type = 'object'
				     THEN json_extract(f.value, '\$.name') END,
				CASE WHEN f.type = 'text' THEN f.value END,
				f.key) AS name
		FROM c, json_each(c.j, '\$.functions') f),
	names AS (SELECT function AS name FROM timeline WHERE run_id = $run
		  UNION SELECT scope FROM latency_hist
		  WHERE run_id = $run AND scope <> 'e2e')
	SELECT n.name FROM names n
	LEFT JOIN (SELECT name, min(k) AS k FROM cfg GROUP BY name) g
	ON g.name = n.name
	WHERE n.name IS NOT NULL
	ORDER BY g.k IS NULL, g.k, n.name"
fnq_plain="SELECT function FROM timeline WHERE run_id = $run
	   UNION SELECT scope FROM latency_hist
	   WHERE run_id = $run AND scope <> 'e2e'
	   ORDER BY 1"
q_try "$fnq_cfg" >"$tmp/functions" 2>/dev/null || q "$fnq_plain" >"$tmp/functions"

# --- latency CDF ---------------------------------------------------------
# Rows: scope, lo, hi, count, by scope then lo. Buckets with hi = Inf (the
# overflow bucket) count in the total but have no x to be drawn at.
q "SELECT scope, lo, hi, count FROM latency_hist
   WHERE run_id = $run AND count > 0 ORDER BY scope, lo" >"$tmp/hist.raw"
q "SELECT scope, lower(metric), value FROM summary
   WHERE run_id = $run AND lower(metric) IN
	 ('p50', 'p99', 'p50_s', 'p99_s', 'latency_p50', 'latency_p99')" \
	>"$tmp/quantiles"

have_cdf=0
nscope=$(cut -f1 "$tmp/hist.raw" | sort -u | wc -l)
if [ -s "$tmp/hist.raw" ]; then
	awk -F"\t" -v dir="$tmp" -v marks="$MARKS" -v prog="$prog" \
		-v nscope="$nscope" '
	function fmt(v) {
		if (v == "") return "?"
		if (v < 1e-3) return sprintf("%.3g us", v * 1e6)
		if (v < 1) return sprintf("%.3g ms", v * 1e3)
		return sprintf("%.3g s", v)
	}
	function gpstr(s) { gsub(/[\001-\037]/, " ", s); gsub(/\047/, "\047\047", s)
		return "\047" s "\047" }
	function finite(x) { return x ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ && x + 0 < 1e300 }
	# quantile q of the buffered scope, linear inside its bucket
	function quant(q,    k, c, want) {
		want = q * tot; c = 0
		for (k = 1; k <= nb; k++) {
			if (c + cnt[k] >= want) {
				if (!finite(hi[k])) return lo[k]
				return lo[k] + (hi[k] - lo[k]) * (want - c) / cnt[k]
			}
			c += cnt[k]
		}
		return lo[nb]
	}
	function flush(    k, c, f, file, mfile, m, lvl, p50, p99, first, last) {
		if (nb == 0) return
		if (tot <= 0) { printf "%s: warning: scope %s has no counts\n", prog, cur > "/dev/stderr"; nb = 0; return }
		n++
		file = dir "/cdf_" n ".tsv"; mfile = dir "/cdfm_" n ".tsv"
		c = 0; m = 0; first = ""; last = ""
		if (lo[1] > 0 && finite(hi[1])) print lo[1] "\t0" > file
		for (k = 1; k <= nb; k++) {
			c += cnt[k]
			if (!finite(hi[k])) continue   # overflow bucket: no x to draw at
			f = c / tot
			print hi[k] "\t" f > file
			if (first == "" && f >= 0.001) first = lo[k] > 0 ? lo[k] : hi[k]
			last = hi[k]
			# markers where the curve crosses staggered levels
			while (m < marks) {
				lvl = (m + n / (nscope + 1)) / marks
				if (f < lvl) break
				print hi[k] "\t" f > mfile; m++
			}
		}
		close(file); if (m > 0) close(mfile); else print "NaN\tNaN" > mfile
		if (first != "" && (xmin == "" || first < xmin)) xmin = first
		if (last != "" && (xmax == "" || last > xmax)) xmax = last
		p50 = ((cur, "p50") in qv) ? qv[cur, "p50"] : ""
		p99 = ((cur, "p99") in qv) ? qv[cur, "p99"] : ""
		if (p50 == "" || p99 == "") {
			noq = noq (noq == "" ? "" : ", ") cur
			if (p50 == "") p50 = quant(0.50)
			if (p99 == "") p99 = quant(0.99)
		}
		name[n] = cur; fi[n] = idx[cur] + 0   # 0: e2e
		title[n] = sprintf("%s: %s, %s", cur, fmt(p50), fmt(p99))
		nb = 0; tot = 0
	}
	FILENAME == ARGV[1] { idx[$0] = FNR; next }              # functions
	FILENAME == ARGV[2] { m = $2; sub(/^latency_/, "", m); sub(/_s$/, "", m)
		qv[$1, m] = $3; next }                               # quantiles
	{
		if ($1 != cur) { flush(); cur = $1 }
		nb++; lo[nb] = $2 + 0; hi[nb] = $3; cnt[nb] = $4 + 0; tot += $4
	}
	END {
		flush()
		if (n == 0 || xmin == "" || xmax == "") {
			printf "%s: warning: no finite latency bucket to draw\n", prog > "/dev/stderr"
			exit 1
		}
		if (noq != "")
			printf "%s: warning: summary has no p50/p99 for %s; reading them from the histogram\n", prog, noq > "/dev/stderr"
		# e2e first, then functions in config order
		for (i = 1; i <= n; i++) ord[i] = i
		for (i = 2; i <= n; i++) for (j = i; j > 1 && fi[ord[j]] < fi[ord[j-1]]; j--) {
			t = ord[j]; ord[j] = ord[j-1]; ord[j-1] = t }
		# x range: from the 0.1% point to the last bucket, widened to
		# 1-2-5 steps so the axis ends on round numbers.
		lx = log(xmin) / log(10); e = int(lx); if (e > lx) e--
		b = xmin / 10 ^ e; xmin = (b >= 5 ? 5 : b >= 2 ? 2 : 1) * 10 ^ e
		lx = log(xmax) / log(10); e = int(lx); if (e > lx) e--
		b = xmax / 10 ^ e; xmax = (b <= 1 ? 1 : b <= 2 ? 2 : b <= 5 ? 5 : 10) * 10 ^ e
		if (xmax <= xmin) xmax = xmin * 10
		printf "CDF_XMIN = %.10g\nCDF_XMAX = %.10g\nNSCOPE = %d\n", xmin, xmax, n
		printf "array SCOPE_FILE[%d]\narray SCOPE_MARKS[%d]\narray SCOPE_TITLE[%d]\narray SCOPE_FN[%d]\n", n, n, n, n
		for (i = 1; i <= n; i++) {
			k = ord[i]
			printf "SCOPE_FILE[%d] = %s\n", i, gpstr(dir "/cdf_" k ".tsv")
			printf "SCOPE_MARKS[%d] = %s\n", i, gpstr(dir "/cdfm_" k ".tsv")
			printf "SCOPE_TITLE[%d] = %s\n", i, gpstr(title[k])
			printf "SCOPE_FN[%d] = %d\n", i, fi[k]
			if (length(title[k]) > kc) kc = length(title[k])
		}
		printf "KEY_CHARS = %d\n", kc
	}' "$tmp/functions" "$tmp/quantiles" "$tmp/hist.raw" >>"$meta" && have_cdf=1
fi
if [ "$have_cdf" = 0 ]; then
	if [ -s "$tmp/hist.raw" ]; then
		warn "run $run: cannot build the latency CDF; skipping latency_cdf"
	else
		warn "run $run has no latency histogram; skipping latency_cdf"
	fi
fi

# --- replicas over time --------------------------------------------------
q "SELECT function, t, ready, coalesce(pending, 0), arrival_rate
   FROM timeline WHERE run_id = $run AND function IS NOT NULL AND t IS NOT NULL
   ORDER BY function, t" >"$tmp/timeline.raw"

# Entry functions: the sources' \"to\" lists in the config; else the
# functions that have consumer lag; else the first function.
entq="WITH c AS (SELECT config_json AS j FROM runs
		WHERE run_id = $run AND json_valid(config_json)),
	src AS (SELECT s.value AS v FROM c, json_each(c.j, '\$.sources') s
		WHERE s.type = 'object'),
	tg AS (SELECT t.value AS val FROM src, json_each(src.v, '\$.to') t)
	SELECT DISTINCT val FROM tg"
q_try "$entq" >"$tmp/entry" 2>/dev/null || : >"$tmp/entry"
q "SELECT function FROM timeline WHERE run_id = $run
   GROUP BY function HAVING max(lag) > 0" >"$tmp/lagging"

have_repl=0
if [ -s "$tmp/timeline.raw" ]; then
	awk -F'\t' -v dir="$tmp" -v marks="$MARKS" -v prog="$prog" '
	function gpstr(s) { gsub(/[\001-\037]/, " ", s); gsub(/\047/, "\047\047", s)
		return "\047" s "\047" }
	function num(x) { return x == "" ? "NaN" : x + 0 }
	FILENAME == ARGV[1] { fn[FNR] = $0; idx[$0] = FNR; nfn = FNR; next }
	FILENAME == ARGV[2] { if ($0 in idx) cfgent[idx[$0]] = 1; next }
	FILENAME == ARGV[3] { if ($0 in idx) lagent[idx[$0]] = 1; next }
	{
		if (!($1 in idx)) next
		i = idx[$1]; k = ++ns[i]
		t[i, k] = $2 / 60; r[i, k] = $3 + 0; top[i, k] = $3 + $4
		rate[i, k] = num($5)
		if (tmin == "" || t[i, k] < tmin) tmin = t[i, k]
		if (tmax == "" || t[i, k] > tmax) tmax = t[i, k]
		if (top[i, k] > rmax) rmax = top[i, k]
	}
	END {
		for (i = 1; i <= nfn; i++) if (ns[i] > 0) nplot++
		if (nplot == 0) exit 1
		for (i = 1; i <= nfn; i++) if (cfgent[i] && ns[i]) ent[++nent] = i
		if (nent == 0) for (i = 1; i <= nfn; i++) if (lagent[i] && ns[i]) ent[++nent] = i
		if (nent == 0) {
			for (i = 1; i <= nfn && !ns[i]; i++) ;
			ent[++nent] = i
			printf "%s: warning: entry function unknown (no sources in config_json, no lag); showing the arrival rate of %s\n", prog, fn[i] > "/dev/stderr"
		}
		if (tmax <= tmin) tmax = tmin + 1
		for (j = 1; j <= nent; j++) for (k = 1; k <= ns[ent[j]]; k++)
			if (rate[ent[j], k] != "NaN" && rate[ent[j], k] > ratemax) ratemax = rate[ent[j], k]
		printf "T_MIN = %.10g\nT_MAX = %.10g\nNFN = %d\n", tmin, tmax, nfn
		printf "REPL_MAX = %d\nRATE_MAX = %.10g\n", (rmax > 0 ? rmax : 1), ratemax + 0
		printf "array FN[%d]\narray FN_RATE[%d]\narray FN_RATE_MARKS[%d]\n", nfn, nfn, nfn
		printf "array FN_STEPS[%d]\narray FN_STEPS_MARKS[%d]\narray FN_PENDING[%d]\n", nfn, nfn, nfn
		for (i = 1; i <= nfn; i++) {
			rf = dir "/rate_" i ".tsv"; rm = dir "/ratem_" i ".tsv"
			sf = dir "/steps_" i ".tsv"; sm = dir "/stepsm_" i ".tsv"
			pf = dir "/pending_" i ".tsv"
			n = ns[i]; np = 0
			if (n == 0) { print "NaN\tNaN" > rf; print "NaN\tNaN" > sf }
			for (k = 1; k <= n; k++) {
				print t[i, k] "\t" rate[i, k] > rf
				print t[i, k] "\t" r[i, k] > sf
				# pending: a box from this sample to the next, on top of
				# the ready replicas (boxes, not a filled curve, so that
				# no zero-width sliver is left for a PDF viewer to draw)
				if (k < n && top[i, k] > r[i, k]) {
					printf "%.10g\t%.10g\t%.10g\t%.10g\t%.10g\t%.10g\n", \
						(t[i, k] + t[i, k+1]) / 2, (r[i, k] + top[i, k]) / 2, \
						t[i, k], t[i, k+1], r[i, k], top[i, k] > pf
					np++
				}
			}
			# none: one empty box below the axis keeps gnuplot quiet
			if (np == 0) printf "%s\t-1\t%s\t%s\t-1\t-1\n", tmin, tmin, tmin > pf
			close(pf)
			# markers at evenly spaced samples, shifted per function
			nm = 0
			for (m = 0; m < marks && n > 0; m++) {
				k = int((m + i / (nfn + 1)) * n / marks) + 1
				if (k > n) k = n
				print t[i, k] "\t" rate[i, k] > rm
				print t[i, k] "\t" r[i, k] > sm
				nm++
			}
			if (nm == 0) { print "NaN\tNaN" > rm; print "NaN\tNaN" > sm }
			close(rf); close(rm); close(sf); close(sm)
			printf "FN[%d] = %s\n", i, gpstr(fn[i])
			if (length(fn[i]) > fc) fc = length(fn[i])
			printf "FN_RATE[%d] = %s\nFN_RATE_MARKS[%d] = %s\n", i, gpstr(rf), i, gpstr(rm)
			printf "FN_STEPS[%d] = %s\nFN_STEPS_MARKS[%d] = %s\n", i, gpstr(sf), i, gpstr(sm)
			printf "FN_PENDING[%d] = %s\n", i, gpstr(pf)
		}
		printf "FN_CHARS = %d\n", (fc > 9 ? fc : 9)   # 9: "+ pending"
		printf "NENTRY = %d\narray ENTRY[%d]\n", nent, nent
		for (j = 1; j <= nent; j++) printf "ENTRY[%d] = %d\n", j, ent[j]
	}' "$tmp/functions" "$tmp/entry" "$tmp/lagging" "$tmp/timeline.raw" \
		>>"$meta" && have_repl=1
fi
[ "$have_repl" = 1 ] || warn "run $run has no timeline rows (timeline_interval_s = 0?); skipping replicas"

# --- draw ----------------------------------------------------------------
status=0
draw() {   # draw SCRIPT NAME
	local out=$outdir/$2 log=$tmp/$2.log
	if ! gnuplot -c "$here/$1" "$tmp" "$out" >"$log" 2>&1; then
		cat "$log" >&2
		warn "gnuplot failed on $1"
		status=1
		return
	fi
	# gnuplot reports some problems without failing; show them.
	[ -s "$log" ] && cat "$log" >&2
	if [ -s "$out.png" ]; then
		printf '%s: wrote %s.png%s\n' "$prog" "$out" \
			"$([ -s "$out.pdf" ] && printf ' and .pdf')"
	else
		warn "$out.png was not written"
		status=1
	fi
}
if [ "$have_cdf" = 1 ]; then draw latency_cdf.gp latency_cdf; else status=1; fi
if [ "$have_repl" = 1 ]; then draw replicas.gp replicas; else status=1; fi
exit "$status"
