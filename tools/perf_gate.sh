#!/bin/sh
# perf_gate: fails when spate gets slower, counted in instructions per event.
#
#   tools/perf_gate.sh            measure, compare with tools/perf_baseline.txt
#   tools/perf_gate.sh --update   measure and rewrite the baseline
#
# Wall time on a shared CI machine varies by tens of percent from run to run;
# the number of instructions executed (Ir, from valgrind --tool=callgrind)
# is the same on every run of the same binary on the same input, so a small
# margin is safe. Two measurements:
#   engine  build/spate-bench --quick a: the bare event calendar (M/M/10),
#           100k + 1M customers in two forked children. The bench prints the
#           customers of each run; every customer is exactly one arrival and
#           one departure event (the loop stops when all have departed), so
#           events = 2 x customers. Ir is summed over the parent and the
#           children (callgrind writes one file per process).
#   demo    bin/spate run tools/perf_demo.json: the demo model (3-stage DAG,
#           HPA, Azure LLM trace) for 600 simulated seconds, recording into a
#           scratch database; events from the "N events in" summary line.
#           This one includes start-up and recording (about half of its
#           instructions at this length), which are part of what a user pays.
# Each is compared with its line "NAME INSTR_PER_EVENT" in the baseline;
# growth beyond PERF_MARGIN percent (default 10) fails. Counts depend on the
# compiler and library versions, so the baseline belongs to the CI image:
# after a deliberate change (or a new image), rerun with --update and commit.
# Exit: 0 pass, 1 regression, 2 could not measure (missing tool, failed run,
# no baseline).
set -eu
cd "$(dirname "$0")/.."

MARGIN=${PERF_MARGIN:-10}
MARGIN=${MARGIN%\%}
BASELINE=${PERF_BASELINE:-tools/perf_baseline.txt}
BENCH=${BENCH:-build/spate-bench}
SPATE=${SPATE:-bin/spate}
MAKE=${MAKE:-make}
update=0
case "${1:-}" in
--update) update=1 ;;
"") ;;
*) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

die() { echo "perf_gate: $*" >&2; exit 2; }

command -v valgrind >/dev/null 2>&1 ||
	die "valgrind not found (Debian: apt-get install valgrind)"
case "$MARGIN" in
'' | *[!0-9.]*) die "PERF_MARGIN must be a percentage, got '$MARGIN'" ;;
esac
if [ "${PERF_NO_BUILD:-0}" != 1 ]; then
	$MAKE --no-print-directory "$BENCH" "$SPATE" >&2 ||
		die "build failed"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/perf_gate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# run NAME CMD...: the command under callgrind, its stdout in $tmp/NAME.out
run() {
	name=$1
	shift
	if ! valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$name.%p" \
		"$@" > "$tmp/$name.out" 2> "$tmp/$name.err"; then
		cat "$tmp/$name.out" "$tmp/$name.err" >&2
		die "$name: '$*' failed under valgrind"
	fi
}

# total Ir of every process a run left a callgrind file for
ir_total() {
	awk '/^summary:/ { s += $2 } END { printf "%.0f\n", s }' "$tmp"/cg."$1".*
}

echo "perf_gate: engine: $BENCH --quick a under callgrind" >&2
run engine "$BENCH" --quick a
# rows: case, what (with spaces), customers, events/s, msgs/s, RSS MiB
customers=$(awk '$1 == "a" && $NF != "FAILED" && $(NF-3) ~ /^[0-9]+$/ \
	{ n += $(NF-3) } END { printf "%.0f\n", n }' "$tmp/engine.out")
grep -q FAILED "$tmp/engine.out" && die "engine: the bench reported FAILED"
[ "$customers" -gt 0 ] 2>/dev/null ||
	die "engine: no customer count in the bench output"
events_engine=$((2 * customers))
ir_engine=$(ir_total engine)

echo "perf_gate: demo: $SPATE run tools/perf_demo.json under callgrind" >&2
run demo "$SPATE" run tools/perf_demo.json --db "$tmp/demo.db"
events_demo=$(sed -n 's/.*[ ,]\([0-9][0-9]*\) events in .*/\1/p' "$tmp/demo.out" | head -n 1)
if [ -z "$events_demo" ] || [ "$events_demo" -le 0 ]; then
	die "demo: no 'N events in' line in the output of spate run"
fi
ir_demo=$(ir_total demo)

per_event() { awk -v i="$1" -v e="$2" 'BEGIN { printf "%.1f\n", i / e }'; }
ipe_engine=$(per_event "$ir_engine" "$events_engine")
ipe_demo=$(per_event "$ir_demo" "$events_demo")
printf '%-8s %14s instructions / %10s events\n' engine "$ir_engine" "$events_engine"
printf '%-8s %14s instructions / %10s events\n' demo "$ir_demo" "$events_demo"

if [ "$update" = 1 ]; then
	{
		echo "# instructions per event (valgrind --tool=callgrind), written by"
		echo "# tools/perf_gate.sh --update; compared by make perf-gate"
		echo "engine $ipe_engine"
		echo "demo $ipe_demo"
	} > "$BASELINE"
	echo "perf_gate: wrote $BASELINE: engine $ipe_engine, demo $ipe_demo"
	exit 0
fi

[ -r "$BASELINE" ] || die "no baseline $BASELINE (write one with $0 --update)"
status=0
printf '%-8s %12s %12s %9s   (margin %s%%)\n' name expected actual change "$MARGIN"
for name in engine demo; do
	case $name in
	engine) actual=$ipe_engine ;;
	demo) actual=$ipe_demo ;;
	esac
	expected=$(awk -v n="$name" '$1 == n { print $2; exit }' "$BASELINE")
	if [ -z "$expected" ]; then
		echo "perf_gate: $name: no line in $BASELINE" >&2
		status=2
		continue
	fi
	verdict=$(awk -v a="$actual" -v x="$expected" -v m="$MARGIN" 'BEGIN {
		c = (a - x) / x * 100
		v = c > m ? "FAIL" : (c < -m ? "ok (faster: consider --update)" : "ok")
		printf "%+8.1f%%   %s\n", c, v }')
	printf '%-8s %12s %12s %s\n' "$name" "$expected" "$actual" "$verdict"
	case "$verdict" in
	*FAIL*) [ "$status" = 2 ] || status=1 ;;
	esac
done
if [ "$status" = 1 ]; then
	echo "perf_gate: instructions per event grew by more than $MARGIN%" >&2
fi
exit "$status"
