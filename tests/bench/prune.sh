#!/usr/bin/env bash
# prune's stream mode against jq select on the same window (records from
# 2024-07-01 on are kept), and its memory.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

bench_compare "prune stream --before" "$BENCH_DATA/events.jsonl" \
    "prune -q -r /dev/null --time '.occurred_at // .created_at' --before 2024-07-01 --drop" \
    "jq select" \
    "jq -c 'select((.occurred_at // .created_at) >= \"2024-07-01\")'"
