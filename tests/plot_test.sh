#!/bin/sh
# plot_test.sh: `spate plot` end to end on the fixture database (`make
# plot-check`).
#   sh tests/plot_test.sh [SPATE]        (run from the repository root)
# Builds tests/fixtures/make_figures_fixture.sql (which reads
# make_fixture.sql), adds node_timeline / node_events rows to runs 1 and 2,
# then checks that
#   - the default (the latest done run, 206) writes latency_cdf, replicas and lag
#     and no nodes figure (that run has no node data);
#   - --runs 1,2 writes all four, nodes included; every .png starts with the
#     PNG signature and is not tiny, every .pdf (when gnuplot has pdfcairo)
#     starts with %PDF;
#   - SPATE_PLOTS selects the driver directory;
#   - a missing run exits 1 naming the run and the database; a missing
#     database exits 1 naming it; an unknown option, a bad or repeated run
#     list and a missing --out exit 2 with a message naming the bad item.
# Needs sqlite3 (>= 3.38) and gnuplot with pngcairo. Prints one line per
# check; exits 1 on the first failure.
set -u

spate=${1:-bin/spate}
dir=${TMPDIR:-/tmp}/spate-plot-test.$$
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"
fails=0

fail() { printf 'plot_test: FAIL: %s\n' "$*" >&2; fails=$((fails + 1)); }
ok() { printf 'plot_test: ok: %s\n' "$*"; }

[ -x "$spate" ] || { echo "plot_test: $spate not built (make bin/spate)" >&2; exit 1; }
db=$dir/fixture.db
( cd tests/fixtures && sqlite3 "$db" < make_figures_fixture.sql ) ||
	{ echo "plot_test: cannot build the fixture" >&2; exit 1; }
# Node data for runs 1 and 2: 6 nodes of two classes at a 10 s cadence over
# 30 min; straggler episodes (node 2 of run 1 at 1/4 speed from 5 to 9
# min, node 4 of run 1 at 1/2 from 20 to 24, node 1 of run 2 at 1/3 from 12
# to 15); node 5 of run 2 down from 8 to 10 min.
sqlite3 "$db" <<'EOF' || { echo "plot_test: cannot add node data" >&2; exit 1; }
CREATE TABLE IF NOT EXISTS node_timeline(run_id INTEGER, t REAL, node INTEGER,
	class TEXT, up INTEGER, speed REAL, replicas INTEGER, slots_used INTEGER);
CREATE TABLE IF NOT EXISTS node_events(run_id INTEGER, t REAL, node INTEGER,
	event TEXT, value REAL);
CREATE TEMP TABLE ep(run_id INTEGER, node INTEGER, t0 REAL, t1 REAL, f REAL);
INSERT INTO ep VALUES (1, 2, 300, 540, 4), (1, 4, 1200, 1440, 2), (2, 1, 720, 900, 3);
WITH RECURSIVE s(t) AS (SELECT 0 UNION ALL SELECT t + 10 FROM s WHERE t < 1800),
	n(node) AS (SELECT 0 UNION ALL SELECT node + 1 FROM n WHERE node < 5),
	r(run_id) AS (SELECT 1 UNION ALL SELECT 2)
INSERT INTO node_timeline
SELECT r.run_id, s.t, n.node, CASE WHEN n.node < 4 THEN 'std' ELSE 'big' END,
	CASE WHEN r.run_id = 2 AND n.node = 5 AND s.t >= 480 AND s.t < 600 THEN 0 ELSE 1 END,
	(CASE WHEN n.node < 4 THEN 1.0 ELSE 1.5 END) /
	coalesce((SELECT f FROM ep WHERE ep.run_id = r.run_id AND ep.node = n.node
		  AND s.t >= ep.t0 AND s.t < ep.t1), 1),
	2, 1
FROM r, n, s;
INSERT INTO node_events SELECT run_id, t0, node, 'slow', f FROM ep;
INSERT INTO node_events SELECT run_id, t1, node, 'fast', 1 FROM ep;
EOF
pdf=0
gnuplot -e 'print GPVAL_TERMINALS' 2>&1 | grep -qw pdfcairo && pdf=1

# check_files DIR NAME...: each NAME.png (and .pdf) exists with its magic.
check_files() {
	d=$1; shift
	for n in "$@"; do
		f=$d/$n.png
		if [ "$(head -c 4 "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n')" != 89504e47 ]; then
			fail "$f: missing or not a PNG"
		elif [ "$(wc -c < "$f")" -lt 5000 ]; then
			fail "$f: only $(wc -c < "$f") bytes"
		else
			ok "$f is a PNG"
		fi
		[ "$pdf" = 1 ] || continue
		f=$d/$n.pdf
		if [ "$(head -c 4 "$f" 2>/dev/null)" != '%PDF' ] || [ "$(wc -c < "$f")" -lt 2000 ]; then
			fail "$f: missing, not a PDF or tiny"
		fi
	done
}

# expect STATUS PATTERN ARGS...: spate plot ARGS exits STATUS and its
# stderr holds PATTERN (a fixed string).
expect() {
	want=$1 pat=$2; shift 2
	"$spate" plot "$@" >"$dir/out" 2>"$dir/err"
	st=$?
	if [ "$st" != "$want" ]; then
		fail "spate plot $*: status $st, expected $want; stderr: $(cat "$dir/err")"
	elif ! grep -qF -- "$pat" "$dir/err"; then
		fail "spate plot $*: stderr lacks '$pat': $(cat "$dir/err")"
	else
		ok "spate plot $*: status $st, '$pat'"
	fi
}

# default run: the latest done (206, no node data)
if "$spate" plot "$db" --out "$dir/def" >"$dir/out" 2>"$dir/err"; then
	check_files "$dir/def" latency_cdf replicas lag
	[ ! -e "$dir/def/nodes.png" ] || fail "default run has no node data but nodes.png was written"
	grep -qF "runs 206 of $db" "$dir/out" ||
		fail "default run: expected 'runs 206 of $db' on stdout: $(cat "$dir/out")"
else
	fail "spate plot DB --out: status $?; stderr: $(cat "$dir/err")"
fi

# two runs with node data, then the default again into the same directory:
# the nodes figure of runs 1,2 must not be left behind
if "$spate" plot "$db" --out "$dir/two" --runs 1,2 >"$dir/out" 2>"$dir/err"; then
	check_files "$dir/two" latency_cdf replicas lag nodes
	grep -qF "runs 1,2 of $db" "$dir/out" || fail "--runs 1,2: expected 'runs 1,2 of $db' on stdout"
	grep -q 'wrote .*nodes.png' "$dir/out" || fail "--runs 1,2: no 'wrote ... nodes.png' line"
else
	fail "spate plot --runs 1,2: status $?; stderr: $(cat "$dir/err")"
fi

if "$spate" plot "$db" --out "$dir/two" >"$dir/out" 2>"$dir/err"; then
	[ ! -e "$dir/two/nodes.png" ] || fail "a stale nodes.png of runs 1,2 was left beside run 206's figures"
else
	fail "spate plot DB --out (second call): status $?; stderr: $(cat "$dir/err")"
fi

# SPATE_PLOTS picks the driver (a copy of plots/ elsewhere)
mkdir -p "$dir/plots" && cp plots/quicklook*.sh plots/quicklook*.gp plots/style.gp "$dir/plots/"
if SPATE_PLOTS=$dir/plots "$spate" plot "$db" --out "$dir/env" --runs 105 >"$dir/out" 2>"$dir/err"; then
	check_files "$dir/env" latency_cdf
else
	fail "SPATE_PLOTS=copy spate plot --runs 105: status $?; stderr: $(cat "$dir/err")"
fi

# the lag figure counts a topic's lag once, from its partitions, though it
# feeds two entry functions (whose timeline rows each carry it)
cat >"$dir/two_entries.json" <<'EOF'
{"duration_s": 120, "sources": [{"topic": "in", "partitions": 2,
  "arrivals": {"workload": "poisson", "rate": 4}, "to": ["a", "b"]}],
 "functions": [{"name": "a", "service": 1, "initial_replicas": 2},
               {"name": "b", "service": 1, "initial_replicas": 2}]}
EOF
if "$spate" run "$dir/two_entries.json" --db "$dir/two.db" --quiet >/dev/null 2>"$dir/err" &&
   QUICKLOOK_DATA=$dir/qdata "$spate" plot "$dir/two.db" --out "$dir/lagtopic" >"$dir/out" 2>"$dir/err"; then
	want=$(sqlite3 "$dir/two.db" "SELECT sum(lag) FROM partition_timeline")
	fnsum=$(sqlite3 "$dir/two.db" "SELECT sum(lag) FROM timeline")
	got=$(awk '{ s += $2 } END { print s + 0 }' "$dir/qdata/lag_1.tsv")
	if [ "$got" = "$want" ] && [ "$fnsum" = "$((2 * want))" ] && [ "$want" -gt 0 ]; then
		ok "lag figure: the topic's lag once ($want), not per entry function ($fnsum)"
	else
		fail "lag figure: summed $got, partitions $want, functions $fnsum"
	fi
else
	fail "two entry functions: status $?; stderr: $(cat "$dir/err")"
fi

expect 1 "no run 999 in $db" "$db" --out "$dir/x" --runs 1,999
expect 1 "no such database: $dir/none.db" "$dir/none.db" --out "$dir/x"
SPATE_PLOTS=$dir/nowhere; export SPATE_PLOTS
expect 1 "no plot driver at $dir/nowhere/quicklook.sh" "$db" --out "$dir/x"
unset SPATE_PLOTS
expect 2 "unknown option '--bogus'" "$db" --out "$dir/x" --bogus
expect 2 "'x' is not a run id" "$db" --out "$dir/x" --runs 1,x
expect 2 "'' is not a run id" "$db" --out "$dir/x" --runs 1,,2
expect 2 "run 2 is listed twice" "$db" --out "$dir/x" --runs 2,1,2
expect 2 "missing --out DIR" "$db"
expect 2 "--runs needs a value" "$db" --out "$dir/x" --runs
[ ! -e "$dir/x" ] || fail "a failed call created its output directory"

if [ "$fails" -gt 0 ]; then
	echo "plot_test: $fails check(s) failed" >&2
	exit 1
fi
echo "plot_test: all checks passed"
