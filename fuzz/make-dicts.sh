#!/bin/sh
# Rebuilds the libFuzzer dictionaries from the sources, so mutations can
# splice in the words the parsers look for (config keys, enum values,
# workload and policy names; trace headers and kafka-dump-log field names)
# instead of having to guess them byte by byte.
#   fuzz/config.dict  quoted lower-case words of the loader, dist, policies
#                     and workloads, plus JSON punctuation
#   fuzz/trace.dict   words of the trace readers and the time parser
# Run from anywhere; writes only fuzz/*.dict.
set -eu
cd "$(dirname "$0")/.."
{
	grep -oh '"[a-z][a-z0-9_.-]*"' sim/config.c sim/dist.c policies/*.c workloads/*.c
	printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"true"' '"false"' '"null"' \
		'"1e308"' '"-1"' '"0.5"' '"\\u0000"' '"\\""'
} | grep -v '\.h"$' | sort -u | awk '{ printf "kw%d=%s\n", NR, $0 }' > fuzz/config.dict
{
	grep -oh '"[A-Za-z][A-Za-z0-9_:|. -]\{0,30\}"' workloads/kafka_dump.c workloads/azure_fn2019.c \
		workloads/azure_fn2021.c workloads/huawei2023.c workloads/azure_llm.c \
		workloads/kcat.c workloads/spate_csv.c workloads/tparse.c
	printf '%s\n' '","' '"\\x0a"' '"\\x0d\\x0a"' '"\\x1f\\x8b\\x08\\x00"' '"| "' \
		'"2023-11-16 18:15:46.6805900"' '"1700000000000"' '"nan"' '"inf"' '"1e999"' '"-0"'
} | grep -v '\.h"$' | sort -u | awk '{ printf "kw%d=%s\n", NR, $0 }' > fuzz/trace.dict
echo "$(wc -l < fuzz/config.dict) config words, $(wc -l < fuzz/trace.dict) trace words"
