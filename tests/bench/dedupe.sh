# shellcheck shell=bash
# dedupe against the tools a user would deduplicate with.
#
# - dedupe with a three-part key (session_id, event_type, and
#   occurred_at // created_at, all on the fast path) vs Miller's
#   head -n 1 -g on session_id,event_type,occurred_at. Miller re-encodes
#   every record and drops records that lack a group-by field (the third
#   of events that carry created_at), so it does less work than dedupe.
# - the same key vs a node script holding a Set of JSON-encoded keys
#   (tests/bench/dedupe-node.js), when node is installed.
# - dedupe without -k (the whole line is the key) vs awk '!seen[$0]++'.
# - dedupe --approx (a Bloom filter sized for BENCH_ROWS keys at the
#   default 0.1% false-positive rate) with the same key, against the exact
#   table and against Miller.
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

ev="$BENCH_DATA/events.jsonl"
keys="-k .session_id -k .event_type -k '.occurred_at // .created_at'"

bench_compare "dedupe 3 keys" "$ev" \
    "dedupe -q $keys --drop" \
    "mlr head -g" \
    "mlr --ijsonl --ojsonl head -n 1 -g session_id,event_type,occurred_at"

if command -v node >/dev/null 2>&1; then
	bench_compare "dedupe 3 keys (node)" "$ev" \
	    "dedupe -q $keys --drop" \
	    "node Set" \
	    "node '$(dirname "$0")/dedupe-node.js'"
fi

bench_compare "dedupe whole line" "$ev" \
    "dedupe -q --drop" \
    "awk !seen" \
    "awk '!seen[\$0]++'"

approx="dedupe -q --approx --expect ${BENCH_ROWS:-1000000} $keys --drop"

bench_compare "dedupe 3 keys --approx" "$ev" \
    "$approx" \
    "dedupe exact" \
    "dedupe -q $keys --drop"

bench_compare "dedupe 3 keys --approx (mlr)" "$ev" \
    "$approx" \
    "mlr head -g" \
    "mlr --ijsonl --ojsonl head -n 1 -g session_id,event_type,occurred_at"
