#!/bin/sh
# The speed comparison of the paper (make bench-alt): the M/M/10 model of
# spate-bench case (a), load 0.9, at each customer count given, run by
#   spate-model  the full spate model (`spate run` on bench/alt/mm10.json:
#                source, connector, one function with 10 replicas), its
#                wall time and event count as recorded in the database;
#   simpy        SimPy 2 (Debian python3-simpy), bench/alt/mmc.py;
#   heapq        a bare Python heapq event loop, bench/alt/mmc.py.
# One `key=value ...` line per run on stdout, each with the 1-minute load
# average before it (the machine is shared: wall times are only comparable
# at similar load). Usage: bench/alt/run.sh OUT.db N [N ...]
# Environment: SPATE (bin/spate), PYTHON_SIMPY (/usr/bin/python3, the
# interpreter Debian's python3-simpy installs for), ALT_IMPLS (all three).
set -eu
db=$1
shift
spate=${SPATE:-bin/spate}
py=${PYTHON_SIMPY:-/usr/bin/python3}
impls=${ALT_IMPLS:-spate-model heapq simpy}
here=$(dirname "$0")
load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo nan; }
rm -f "$db"
for n in "$@"; do
  for impl in $impls; do
    l=$(load)
    case $impl in
    spate-model)
      "$spate" run "$here/mm10.json" --db "$db" --quiet \
        --set "sources[0].arrivals.count=$n" 2>/dev/null
      sqlite3 -separator ' ' "$db" "SELECT 'impl=spate-model customers=' || printf('%d', s.value),
          'seconds=' || printf('%.4f', r.wall_s),
          'events_per_s=' || printf('%.6g', r.events / r.wall_s),
          'msgs_per_s=' || printf('%.6g', s.value / r.wall_s),
          'mean_wait=' || printf('%.6g', w.value)
        FROM runs r JOIN summary s ON s.run_id = r.run_id AND s.scope = 'f' AND s.metric = 'completions'
        JOIN summary w ON w.run_id = r.run_id AND w.scope = 'f' AND w.metric = 'mean_wait'
        WHERE r.run_id = (SELECT max(run_id) FROM runs)" | tr '\n' ' '
      echo "loadavg=$l"
      ;;
    heapq|simpy)
      echo "$("$py" "$here/mmc.py" --impl "$impl" --customers "$n") loadavg=$l"
      ;;
    esac
  done
done
