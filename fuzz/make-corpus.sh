#!/bin/sh
# Rebuilds the seed corpora of the fuzz targets from the repo's own inputs:
#   fuzz/corpus/config/  every tests/bad/*.json, tests/bad/sweep/*.json and
#                        experiments/*.json
#   fuzz/corpus/trace/   every trace fixture, prefixed with the selector byte
#                        of its parser (fuzz/fuzz_trace.c: byte % 9 = parser,
#                        byte / 9 = variant; variant 0 here), plus a short
#                        spate-csv sample, the head of the shipped Azure LLM
#                        trace and an empirical samples file, which have no
#                        fixture of their own.
# Seeds are named after their source so a crash can be traced back to it.
# Run from anywhere; writes only under fuzz/corpus/.
set -eu
cd "$(dirname "$0")/.."
C=fuzz/corpus/config T=fuzz/corpus/trace
rm -rf "$C" "$T"
mkdir -p "$C" "$T"
for f in tests/bad/*.json; do cp "$f" "$C/bad_$(basename "$f")"; done
for f in experiments/*.json; do cp "$f" "$C/exp_$(basename "$f")"; done

# seed NAME SELECTOR_OCTAL FILE...: selector byte then the file's bytes
seed() {
	name=$1 sel=$2
	shift 2
	# the selector is an octal escape, so it must be in the format
	# shellcheck disable=SC2059
	{ printf "\\$sel"; cat "$@"; } > "$T/$name"
}
F=tests/fixtures/traces
# selectors: 0 spate-csv, 1 azure-llm-2023, 2 kcat, 3 kafka-dump-log,
# 4 azure-functions-2019, 5 azure-functions-2021, 6 huawei-2023,
# 7 the Azure 2019 duration table, 8 an empirical dist's samples file
printf 'time_s,topic,key,size_bytes\n0,orders,k1,100\n0.5,orders,,0\n0.5,clicks,k2,12.5\n2,orders,k1,1e3\n' > "$T/spate_csv.tmp"
seed spate_csv 000 "$T/spate_csv.tmp"
rm -f "$T/spate_csv.tmp"
head -n 40 traces/azure_llm_2023_conv.csv > "$T/azure_llm.tmp"
seed azure_llm 001 "$T/azure_llm.tmp"
gzip -n -9 -c "$T/azure_llm.tmp" > "$T/azure_llm.gz.tmp"
seed azure_llm_gz 001 "$T/azure_llm.gz.tmp"
rm -f "$T/azure_llm.tmp" "$T/azure_llm.gz.tmp"
for f in "$F"/kcat*; do seed "$(basename "$f")" 002 "$f"; done
for f in "$F"/kafka_dump*; do seed "$(basename "$f")" 003 "$f"; done
for f in "$F"/azure_fn2019*; do seed "$(basename "$f")" 004 "$f"; done
for f in "$F"/azure_fn2021*; do seed "$(basename "$f")" 005 "$f"; done
for f in "$F"/huawei2023*; do seed "$(basename "$f")" 006 "$f"; done
seed durations_azure_fn2019_durations.csv 007 "$F/azure_fn2019_durations.csv"
printf '# service times, seconds\nseconds\n0.12\n 0.5 \n\n3e-2,ignored\n0\n' > "$T/samples.tmp"
seed samples 010 "$T/samples.tmp"
rm -f "$T/samples.tmp"
# the catalogue of bad inputs (tests/bad/CATALOGUE.tsv): sweep files are
# JSON the config parser should reject too; each trace case goes to its
# reader (gzip ones included: the reader inflates them)
for f in tests/bad/sweep/*.json; do cp "$f" "$C/bad_sweep_$(basename "$f")"; done
for d in tests/bad/trace/*/; do
	fmt=$(basename "$d")
	case $fmt in
	spate-csv) sel=000 ;; azure-llm-2023) sel=001 ;; kcat) sel=002 ;;
	kafka-dump-log) sel=003 ;; azure-functions-2019) sel=004 ;;
	azure-functions-2021) sel=005 ;; huawei-2023) sel=006 ;; samples) sel=010 ;;
	*) echo "make-corpus: no reader for tests/bad/trace/$fmt" >&2; exit 1 ;;
	esac
	for f in "$d"*; do seed "bad_${fmt}_$(basename "$f")" "$sel" "$f"; done
done
echo "$(find "$C" -type f | wc -l) config seeds, $(find "$T" -type f | wc -l) trace seeds"
