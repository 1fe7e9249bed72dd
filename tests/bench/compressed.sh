#!/usr/bin/env bash
# Compressed input: a tool reading the .zst or .gz itself against the
# decompressor piped into it (zstdcat, gzip -dc), on the events.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

bench_gen "$BENCH_DATA/events.jsonl.zst" \
    "zstd -q -c '$BENCH_DATA/events.jsonl' > '$BENCH_DATA/events.jsonl.zst'"
bench_gen "$BENCH_DATA/events.jsonl.gz" \
    "gzip -c '$BENCH_DATA/events.jsonl' > '$BENCH_DATA/events.jsonl.gz'"

bench_compare "jsonl-validate --require, .zst input" "$BENCH_DATA/events.jsonl.zst" \
    "jsonl-validate -q --require .id" \
    "zstdcat |" "zstdcat | jsonl-validate -q --require .id"
bench_compare "jsonl-validate --require, .gz input" "$BENCH_DATA/events.jsonl.gz" \
    "jsonl-validate -q --require .id" \
    "gzip -dc |" "gzip -dc | jsonl-validate -q --require .id"
bench_compare "dedupe -k .id, .zst input" "$BENCH_DATA/events.jsonl.zst" \
    "dedupe -q -k .id --drop" \
    "zstdcat |" "zstdcat | dedupe -q -k .id --drop"
