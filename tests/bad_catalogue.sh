#!/usr/bin/env bash
# The catalogue of bad inputs (issue 8), through the command line: runs
# bin/spate on every row of tests/bad/CATALOGUE.tsv and asserts
#   - the exit status (2: bad input; sim/main.c's convention),
#   - that stderr contains the expected message (it names the file and the
#     line or JSON path), printing expected and actual when it does not,
#   - that a database the case wrote holds no half run (every run 'done'
#     with its summary rows) and passes PRAGMA integrity_check,
#   - that every file under tests/bad/ has a row, so a case cannot be added
#     without its expectation.
# The in-process half of the config cases is tests/test_config.c.
# Run from the repository root. SPATE=path/to/spate picks the binary;
# {copy} in a row is a scratch copy of the file (for cases that write to
# it), {db} a fresh database; both may appear in the message too.
# SPATE_WRAP="valgrind -q --error-exitcode=97 ..." runs each case under a
# wrapper (make test-valgrind does, on a subset: BAD_ONLY=REGEX keeps rows
# whose file matches). Scratch databases go to a temporary directory,
# removed at the end.
set -u
SPATE=${SPATE:-bin/spate}
CAT=tests/bad/CATALOGUE.tsv
WRAP=${SPATE_WRAP:-}
ONLY=${BAD_ONLY:-}
[ -x "$SPATE" ] || { echo "bad_catalogue: no $SPATE (make bin/spate)" >&2; exit 1; }
[ -f "$CAT" ] || { echo "bad_catalogue: no $CAT (run from the repository root)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "bad_catalogue: needs the sqlite3 shell" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spate-bad.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

declare -A listed
n=0 fails=0 lineno=0
fail() {
	fails=$((fails + 1))
	printf 'FAIL %s:%d: %s\n' "$CAT" "$lineno" "$1"
	shift
	for l in "$@"; do printf '    %s\n' "$l"; done
}

while IFS=$'\t' read -r file st args msg; do
	lineno=$((lineno + 1))
	case $file in '' | '#'*) continue ;; esac
	if [ -z "${msg:-}" ]; then
		fail "$file: expected 4 tab-separated columns"
		continue
	fi
	listed[$file]=1
	[ -e "tests/bad/$file" ] || { fail "$file: no such file in tests/bad/"; continue; }
	[ "$st" = - ] && continue                       # a helper, not a case
	[ -n "$ONLY" ] && ! [[ $file =~ $ONLY ]] && continue
	case $msg in *tests/bad/* | *'{copy}'*) ;; *) fail "$file: the expected message names no file" ;; esac
	n=$((n + 1))
	db="$tmp/$n.db"
	copy="$tmp/copy-$n-${file##*/}"
	read -ra words <<<"$args"
	argv=()
	for w in "${words[@]}"; do
		w=${w//\{f\}/tests/bad/$file}
		w=${w//\{db\}/$db}
		w=${w//\{copy\}/$copy}
		w=${w//\{replay\}/tests/bad/trace/replay.json}
		argv+=("$w")
	done
	case $args in *'{copy}'*) cp "tests/bad/$file" "$copy" ;; esac
	msg=${msg//\{db\}/$db}
	msg=${msg//\{copy\}/$copy}
	# shellcheck disable=SC2086 # WRAP is a command line
	timeout 300 $WRAP "$SPATE" "${argv[@]}" >/dev/null 2>"$tmp/err"
	rc=$?
	err=$(tr -d '\000' <"$tmp/err")
	if [ "$rc" != "$st" ]; then
		fail "$file: exit status $rc, expected $st" "spate ${argv[*]}" "stderr: $err"
	elif [[ $err != *"$msg"* ]]; then
		fail "$file: wrong message" "spate ${argv[*]}" "expected: $msg" \
			"actual:   $err"
	fi
	if [ -f "$db" ]; then
		half=$(sqlite3 "$db" "SELECT count(*) FROM runs r WHERE status <> 'done'
			OR NOT EXISTS (SELECT 1 FROM summary s WHERE s.run_id = r.run_id)" 2>&1)
		ok=$(sqlite3 "$db" "PRAGMA integrity_check" 2>&1)
		[ "$half" = 0 ] || fail "$file: $db holds half runs: $half"
		[ "$ok" = ok ] || fail "$file: $db: integrity_check: $ok"
	fi
	rm -rf "$db" "$db".sweep-* "$copy"
done <"$CAT"

# every file must have its expectation
while IFS= read -r -d '' f; do
	rel=${f#tests/bad/}
	[ "$rel" = CATALOGUE.tsv ] && continue
	[ -n "${listed[$rel]:-}" ] || { lineno=0; fail "tests/bad/$rel is not in $CAT"; }
done < <(find tests/bad -type f -print0)

echo "bad_catalogue: $n cases, $fails failures"
[ "$n" -gt 0 ] && [ "$fails" = 0 ]
