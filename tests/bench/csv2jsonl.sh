#!/usr/bin/env bash
# csv2jsonl against Miller (mlr --icsv --ojsonl cat) on the sessions CSV
# (RFC 4180, CRLF, quoted fields with commas, quotes and newlines).
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

bench_compare "csv2jsonl: CSV to JSONL" "$BENCH_DATA/sessions.csv" \
    "csv2jsonl -q" "mlr" "mlr --icsv --ojsonl cat"
