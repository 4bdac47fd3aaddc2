#!/usr/bin/env bash
# Results survive faults (issue 8): bin/spate is killed, starved of disk and
# interrupted, and the results database must stay consistent.
#   1. `spate run` killed with SIGKILL at pseudo-random moments (one per
#      seed in KILL_SEEDS, from before the database opens to after the
#      commit): the database opens, passes integrity_check, holds no half
#      run (every run 'done' with summary rows, no rows of a run that is not
#      there), the finished run before it is unchanged, and the next run
#      into it works (the hot journal is rolled back).
#   2. `spate sweep -j 2` killed at pseudo-random moments, the whole process
#      group (odd seeds) or only the parent (even seeds; the workers must
#      notice and stop without committing): consistent as above; then a
#      `--resume` is killed too, and a second `--resume` finishes the sweep
#      with results identical to an uninterrupted sweep (summary values,
#      axes, seeds and replications per sweep run).
#   3. One sweep worker killed mid-run: the sweep says which run was lost
#      and why, exits 1 without crashing, and `--resume` completes it with
#      identical results.
#   4. A full disk (RLIMIT_FSIZE, SIGXFSZ ignored, so writes fail with
#      EFBIG): exit status 1 with a message naming the database, no crash,
#      the runs finished before it intact, for a run and for a sweep (whose
#      --resume then finishes with room again); also a database that
#      cannot get its first page.
#   5. SIGINT during a run: exit 130, the run recorded as 'interrupted'
#      with its summary (sim/main.c's documented behaviour).
# A failing kill moment is reproduced with KILL_SEEDS=N tests/kill_test.sh.
# Run from the repository root; SPATE picks the binary. Takes ~30 s.
set -u
SPATE=${SPATE:-bin/spate}
SEEDS=${KILL_SEEDS:-1 2 3 4 5 6}
[ -x "$SPATE" ] || { echo "kill_test: no $SPATE (make bin/spate)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "kill_test: needs the sqlite3 shell" >&2; exit 1; }
SPATE=$(cd "$(dirname "$SPATE")" && pwd)/$(basename "$SPATE")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spate-kill.XXXXXX") || exit 1
bg=()   # process groups started here, killed on the way out
cleanup() {
	for g in "${bg[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { fails=$((fails + 1)); echo "FAIL: $*"; }
note() { echo "kill_test: $*"; }

# delay SEED MAX: a moment in [0, MAX) seconds; seeds 1, 2, 3... spread
# evenly over the interval (multiples of the golden ratio, mod 1)
delay() { awk -v s="$1" -v m="$2" 'BEGIN { x = s * 0.6180339887498949; printf "%.3f", (x - int(x)) * m }'; }

# Starts "$@" in its own process group (setsid); sets $pid (= its pgid).
start() {
	setsid "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	bg+=("$pid")
}
# Waits until no process of group $1 is left (at most ~10 s).
wait_group() {
	for _ in $(seq 100); do
		kill -0 -- "-$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "process group $1 still alive 10 s after its leader was killed"
	kill -KILL -- "-$1" 2>/dev/null
}

# check_db DB WHAT: consistent, no half run
check_db() {
	local db=$1 what=$2 ok half orphans
	[ -f "$db" ] || return 0
	ok=$(sqlite3 "$db" "PRAGMA integrity_check" 2>&1)
	[ "$ok" = ok ] || { fail "$what: $db: integrity_check: $ok"; return; }
	# killed before or while the schema was made: an empty database (the
	# tables are created one by one, and completed by the next open)
	[ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name IN
		('runs', 'summary', 'timeline', 'latency_hist', 'decisions',
		'run_axes')")" = 6 ] || return 0
	half=$(sqlite3 "$db" "SELECT count(*) FROM runs r WHERE status <> 'done'
		OR NOT EXISTS (SELECT 1 FROM summary s WHERE s.run_id = r.run_id)" 2>&1)
	[ "$half" = 0 ] || fail "$what: $db: $half runs not done or without summary"
	orphans=$(sqlite3 "$db" "SELECT
		(SELECT count(*) FROM summary WHERE run_id NOT IN (SELECT run_id FROM runs)) +
		(SELECT count(*) FROM timeline WHERE run_id NOT IN (SELECT run_id FROM runs)) +
		(SELECT count(*) FROM latency_hist WHERE run_id NOT IN (SELECT run_id FROM runs)) +
		(SELECT count(*) FROM decisions WHERE run_id NOT IN (SELECT run_id FROM runs)) +
		(SELECT count(*) FROM run_axes WHERE run_id NOT IN (SELECT run_id FROM runs))" 2>&1)
	[ "$orphans" = 0 ] || fail "$what: $db: $orphans rows of runs that are not there"
}

# what a sweep computed, independent of run ids and of who ran what
sweep_results() {
	sqlite3 "$1" "SELECT r.sweep_run, r.seed, r.replication, s.scope, s.metric,
		s.value FROM runs r JOIN summary s USING (run_id)
		ORDER BY r.sweep_run, s.scope, s.metric;
		SELECT r.sweep_run, a.axis, a.value FROM runs r JOIN run_axes a
		USING (run_id) ORDER BY r.sweep_run, a.axis"
}

cat >"$tmp/run.json" <<'EOF'
{
  "experiment": "kill",
  "seed": 7,
  "duration_s": 1800,
  "sources": [{"topic": "in", "partitions": 4,
               "arrivals": {"workload": "poisson", "rate": 1000}, "to": ["a"]}],
  "functions": [
    {"name": "a", "service": {"type": "exponential", "mean": 0.002},
     "min_replicas": 1, "max_replicas": 20, "initial_replicas": 2,
     "edges": {"to": ["b"]}},
    {"name": "b", "service": {"type": "lognormal", "mean": 0.004, "sd": 0.002},
     "min_replicas": 1, "max_replicas": 20, "initial_replicas": 2}
  ],
  "autoscaler": {"policy": "hpa"},
  "record": {"timeline_interval_s": 0.05}
}
EOF
cat >"$tmp/sweep.json" <<'EOF'
{
  "base": "run.json",
  "vary": [
    {"path": "duration_s", "values": [200]},
    {"path": "autoscaler.policy", "values": ["hpa", "kpa"]},
    {"path": "sources[0].arrivals.rate_scale", "values": [0.5, 1]}
  ],
  "replications": 2,
  "experiment": "kill-sweep"
}
EOF

# --- 1. spate run killed -----------------------------------------------------
db=$tmp/run.db
t0=$(date +%s.%N)
"$SPATE" run "$tmp/run.json" --db "$db" --quiet 2>"$tmp/err" ||
	fail "reference run: $(cat "$tmp/err")"
runtime=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
first=$(sqlite3 "$db" "SELECT scope, metric, value FROM summary WHERE run_id = 1" | md5sum)
note "a run takes ${runtime} s; killing runs at moments in [0, 1.1 * that)"
for s in $SEEDS; do
	d=$(delay "$s" "$(awk -v r="$runtime" 'BEGIN { print r * 1.1 }')")
	start "$SPATE" run "$tmp/run.json" --db "$db" --quiet
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	st=$?
	note "run, seed $s: SIGKILL after $d s (exit status $st)"
	check_db "$db" "run killed after $d s (seed $s)"
	[ "$(sqlite3 "$db" "SELECT scope, metric, value FROM summary WHERE run_id = 1" | md5sum)" = "$first" ] ||
		fail "run killed after $d s (seed $s): the finished run 1 changed"
done
"$SPATE" run "$tmp/run.json" --db "$db" --quiet 2>"$tmp/err" ||
	fail "a run after the kills: $(cat "$tmp/err")"
check_db "$db" "after the kills"

# --- 2. spate sweep -j 2 killed ----------------------------------------------
sdb=$tmp/ref.db
t0=$(date +%s.%N)
"$SPATE" sweep "$tmp/sweep.json" --db "$sdb" -j 2 --quiet 2>"$tmp/err" ||
	fail "reference sweep: $(cat "$tmp/err")"
sruntime=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
sweep_results "$sdb" >"$tmp/ref.txt"
nref=$(sqlite3 "$sdb" "SELECT count(*) FROM runs")
[ "$nref" = 8 ] || fail "reference sweep: $nref runs, expected 8"
note "a sweep takes ${sruntime} s"
for s in $SEEDS; do
	db=$tmp/sweep-$s.db
	d=$(delay "$s" "$sruntime")
	start "$SPATE" sweep "$tmp/sweep.json" --db "$db" -j 2 --quiet
	sleep "$d"
	if [ $((s % 2)) = 1 ]; then
		how="the process group"
		kill -KILL -- "-$pid" 2>/dev/null
	else
		how="the parent"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	wait_group "$pid"
	n=$(sqlite3 "$db" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
	note "sweep, seed $s: SIGKILL to $how after $d s: $n of 8 runs in the output"
	check_db "$db" "sweep killed after $d s (seed $s)"
	# the resume killed too (recovering the shards of the first kill,
	# or running), then resumed again
	d2=$(delay "$((s + 3))" "$(awk -v r="$sruntime" 'BEGIN { print r / 2 }')")
	start "$SPATE" sweep "$tmp/sweep.json" --db "$db" -j 2 --resume --quiet
	sleep "$d2"
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	wait_group "$pid"
	check_db "$db" "sweep resume killed after $d2 s (seed $s)"
	"$SPATE" sweep "$tmp/sweep.json" --db "$db" -j 2 --resume --quiet 2>"$tmp/err" ||
		fail "resume after a kill at $d s (seed $s): $(cat "$tmp/err")"
	check_db "$db" "sweep resumed (seed $s)"
	sweep_results "$db" >"$tmp/got.txt"
	cmp -s "$tmp/ref.txt" "$tmp/got.txt" ||
		fail "sweep killed at $d s (seed $s) and resumed: results differ from" \
		     "an uninterrupted sweep: $(diff "$tmp/ref.txt" "$tmp/got.txt" | head -5)"
	! compgen -G "$db.sweep-*" >/dev/null ||
		fail "resumed sweep (seed $s) left its shard directory behind"
done

# --- 3. one worker killed ----------------------------------------------------
# two long runs, one per worker; the first worker to show up is killed
# while its run is under way
cat >"$tmp/sweep2.json" <<'EOF'
{
  "base": "run.json",
  "vary": [{"path": "autoscaler.policy", "values": ["hpa", "kpa"]}],
  "experiment": "kill-worker"
}
EOF
"$SPATE" sweep "$tmp/sweep2.json" --db "$tmp/ref2.db" -j 2 --quiet 2>"$tmp/err" ||
	fail "reference sweep 2: $(cat "$tmp/err")"
sweep_results "$tmp/ref2.db" >"$tmp/ref2.txt"
db=$tmp/worker.db
start "$SPATE" sweep "$tmp/sweep2.json" --db "$db" -j 2 --quiet
victim=
for _ in $(seq 200); do
	victim=$(ps -o pid= --ppid "$pid" | head -n 1 | tr -d ' ')
	[ -n "$victim" ] && break
	sleep 0.01
done
if [ -z "$victim" ]; then
	fail "worker: no worker process of sweep $pid showed up"
else
	sleep "$(awk -v r="$runtime" 'BEGIN { print r / 4 }')"
	kill -KILL "$victim" 2>/dev/null
	wait "$pid"
	st=$?
	note "worker $victim of sweep $pid killed: exit status $st: $(tail -n 1 "$tmp/err")"
	if [ "$st" = 1 ]; then
		grep -q "worker process killed by signal 9" "$tmp/err" ||
			fail "worker killed: the message does not say so: $(cat "$tmp/err")"
	else
		fail "worker killed: exit status $st, expected 1: $(cat "$tmp/err")"
	fi
	n=$(sqlite3 "$db" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
	[ "$n" = 1 ] || fail "worker killed: $n runs in the output, expected the other worker's 1"
	check_db "$db" "worker killed"
	"$SPATE" sweep "$tmp/sweep2.json" --db "$db" -j 2 --resume --quiet 2>"$tmp/err" ||
		fail "resume after a worker was killed: $(cat "$tmp/err")"
	sweep_results "$db" >"$tmp/got.txt"
	cmp -s "$tmp/ref2.txt" "$tmp/got.txt" ||
		fail "worker killed and resumed: results differ from an uninterrupted sweep"
fi

# --- 4. full disk --------------------------------------------------------------
db=$tmp/full.db
"$SPATE" run "$tmp/run.json" --db "$db" --quiet --set duration_s=300 2>"$tmp/err" ||
	fail "full disk: first run: $(cat "$tmp/err")"
before=$(sqlite3 "$db" "SELECT count(*) FROM summary")
kb=$(( $(stat -c %s "$db") / 1024 + 64 ))
# ulimit -f counts 1024-byte blocks in bash; an ignored SIGXFSZ stays
# ignored across exec, so write() fails with EFBIG instead of killing
# (stderr goes to a pipe: the limit would stop the message in a file too)
err=$(bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' _ "$kb" \
	"$SPATE" run "$tmp/run.json" --db "$db" --quiet 2>&1 >/dev/null)
st=$?
note "full disk (file size limit $kb KiB): exit status $st: $err"
[ "$st" = 1 ] || fail "full disk: exit status $st, expected 1"
[[ $err == "spate: $db"* ]] || fail "full disk: the message does not name $db"
check_db "$db" "full disk"
[ "$(sqlite3 "$db" "SELECT count(*) FROM summary")" = "$before" ] ||
	fail "full disk: the earlier run's summary changed"
[ "$(sqlite3 "$db" "SELECT count(*) FROM runs")" = 1 ] || fail "full disk: not exactly the earlier run"
# a sweep on the full disk: every run fails naming its shard, the earlier
# run stays, and --resume with room again finishes the sweep
err=$(bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' _ "$kb" \
	"$SPATE" sweep "$tmp/sweep2.json" --db "$db" -j 2 --quiet 2>&1 >/dev/null)
st=$?
note "full disk, sweep: exit status $st: $(printf '%s' "$err" | tail -n 1)"
[ "$st" = 1 ] || fail "full disk, sweep: exit status $st, expected 1"
[[ $err == *"spate: $tmp/sweep2.json: 2 of 2 runs failed"*"$db.sweep-"*"/shard-"* ]] ||
	fail "full disk, sweep: the message does not name the runs and shards: $err"
check_db "$db" "full disk, sweep"
[ "$(sqlite3 "$db" "SELECT count(*) FROM runs")" = 1 ] || fail "full disk, sweep: not exactly the earlier run"
"$SPATE" sweep "$tmp/sweep2.json" --db "$db" -j 2 --resume --quiet 2>"$tmp/err" ||
	fail "full disk, sweep: resume with room: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE status = 'done'")" = 3 ] ||
	fail "full disk, sweep: resumed, but not 3 runs"
db=$tmp/empty.db
err=$(bash -c 'trap "" XFSZ; ulimit -f 0; exec "$@"' _ \
	"$SPATE" run "$tmp/run.json" --db "$db" --quiet 2>&1 >/dev/null)
st=$?
note "no room at all: exit status $st: $err"
[ "$st" = 1 ] || fail "no room at all: exit status $st, expected 1"
[[ $err == "spate: $db"* ]] || fail "no room at all: the message does not name $db"

# --- 5. SIGINT -------------------------------------------------------------------
db=$tmp/int.db
start "$SPATE" run "$tmp/run.json" --db "$db" --quiet
sleep "$(awk -v r="$runtime" 'BEGIN { print r / 2 }')"
kill -INT "$pid" 2>/dev/null
wait "$pid"
st=$?
note "SIGINT at half time: exit status $st"
if [ "$st" = 130 ]; then
	got=$(sqlite3 "$db" "SELECT status, (SELECT count(*) FROM summary s WHERE s.run_id = r.run_id) > 0 FROM runs r")
	[ "$got" = "interrupted|1" ] || fail "SIGINT: runs table says '$got', expected one interrupted run with its summary"
	[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] || fail "SIGINT: integrity_check"
elif [ "$st" = 0 ]; then
	note "SIGINT came after the run ended (slow machine?): nothing to check"
else
	fail "SIGINT: exit status $st, expected 130: $(cat "$tmp/err")"
fi

echo "kill_test: $fails failures"
[ "$fails" = 0 ]
