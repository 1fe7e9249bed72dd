#!/usr/bin/env bash
# json2jsonl against jq -c '.[]' on the events as one JSON array.
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

arr="$BENCH_DATA/events-array.json"
bench_gen "$arr" "{ printf '[\n'; sed '\$!s/\$/,/' '$BENCH_DATA/events.jsonl'; printf ']\n'; } > '$arr'"
bench_compare "json2jsonl: JSON array to JSONL" "$arr" \
    "json2jsonl -q" "jq" "jq -c '.[]'"
