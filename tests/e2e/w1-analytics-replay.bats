#!/usr/bin/env bats
# Workflow 1: a year of analytics events (JSON Lines) replayed into
# PostgreSQL: required event_type and occurred_at // created_at, unknown
# keys ignored, batches of 500, --limit and --dry-run, stop on a database
# reject, per-month verification, hourly rollups rebuilt idempotently.
# Data: tests/gen/e2e-events.py (which computes the expected table).

load ../test_helper
load sums

table_sum() { events_sum w1_events; }
bats_require_minimum_version 1.5.0

ROWS=3000

setup_file() {
	export D="$BATS_FILE_TMPDIR/data"
	mkdir -p "$D"
	python3 "$ROOT/tests/gen/e2e-events.py" "$ROWS" "$D"
}

setup() {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	psql -X -q -v ON_ERROR_STOP=1 -f "$FIX/e2e-events.sql" 2>/dev/null
}

validate() {
	jsonl-validate -q --require .event_type --require '.occurred_at // .created_at' \
	    --assert '.event_type != ""' --message 'event_type is empty' \
	    -r rej.jsonl "$@"
}

load_events() {
	pg-load -q -t w1_events -b 500 --map created_at='.occurred_at // .created_at' "$@"
}

@test "the replay loads every valid event, ignores unknown keys and rejects the rest by line" {
	run bash -o pipefail -c "$(declare -f validate load_events); validate < '$D/events.jsonl' | load_events --ledger=w1_ledger --run-id w1-2024"
	assert_success
	run table_sum
	assert_output "$(file_sum "$D/expect.rows")"
	run jq -r ._error_row rej.jsonl
	assert_output "$(cat "$D/expect.bad")"
	run jq -rs 'map(._error_message) | unique | join(";")' rej.jsonl
	assert_output "--require .event_type: null or missing;--require .occurred_at // .created_at: null or missing;event_type is empty"
	# ids past 2^53 survive exactly
	run q "SELECT count(*) FROM w1_events WHERE id = 9007199254740993"
	assert_output 1
}

@test "--limit loads only the first N records and --dry-run loads nothing" {
	validate <"$D/events.jsonl" >valid.jsonl
	run load_events --dry-run valid.jsonl
	assert_success
	run q 'SELECT count(*) FROM w1_events'
	assert_output 0
	run load_events --limit 1234 valid.jsonl
	assert_success
	# python, not jq: jq 1.6 rounds the ids past 2^53
	head -n 1234 valid.jsonl | python3 -c 'import json, sys
from datetime import datetime
for l in sys.stdin:
    r = json.loads(l)
    t = datetime.strptime(r.get("occurred_at") or r["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    print("%d,%s" % (r["id"], t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"))' |
	    sort >want
	q "SELECT id || ',' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM w1_events" | sort >got
	run diff got want
	assert_success
	[ "$(wc -l <got)" -eq 1234 ]
}

@test "a database reject stops the load with exit 65 naming the row and SQLSTATE; committed batches stay" {
	validate <"$D/events.jsonl" >valid.jsonl
	# line 1201 holds a date PostgreSQL cannot store (February 30th)
	python3 - valid.jsonl <<'PY'
import json, sys
l = open(sys.argv[1]).readlines()
r = json.loads(l[1200]); r.pop("occurred_at", None)
r["created_at"] = "2024-02-30T00:00:00Z"
l[1200] = json.dumps(r) + "\n"
open(sys.argv[1], "w").writelines(l)
PY
	run_split -65 load_events valid.jsonl
	[[ $stderr == *"row 1201: 22008:"* ]]
	# batches of 500: the two before the bad one are committed
	run q 'SELECT count(*) FROM w1_events'
	assert_output 1000
}

@test "sluice-verify passes per month, and fails with exit 1 after a row is deleted" {
	validate <"$D/events.jsonl" >valid.jsonl
	run load_events valid.jsonl
	assert_success
	run "$ROOT/scripts/sluice-verify" valid.jsonl --time '.occurred_at // .created_at' \
	    -t w1_events --column created_at --period month
	assert_success
	refute_output --partial MISMATCH
	assert_line --regexp "^total +$(wc -l <"$D/expect.rows") +$(wc -l <"$D/expect.rows")\$"
	# the file from standard input ("-"); an unreadable file is 66
	run "$ROOT/scripts/sluice-verify" - --time '.occurred_at // .created_at' \
	    -t w1_events --column created_at --period month <valid.jsonl
	assert_success
	refute_output --partial MISMATCH
	run -66 "$ROOT/scripts/sluice-verify" nonexistent.jsonl --time .t \
	    -t w1_events --column created_at
	q "DELETE FROM w1_events WHERE ctid = (SELECT min(ctid) FROM w1_events
	   WHERE created_at >= '2024-06-01Z' AND created_at < '2024-07-01Z')"
	run -1 "$ROOT/scripts/sluice-verify" valid.jsonl --time '.occurred_at // .created_at' \
	    -t w1_events --column created_at --period month
	assert_line --regexp '^2024-06-01T00:00:00Z +[0-9]+ +[0-9]+  MISMATCH$'
	[ "$(grep -c MISMATCH <<<"$output")" -eq 1 ]
}

@test "hourly rollups are rebuilt with upsert on hour: a re-run overwrites, never doubles" {
	validate <"$D/events.jsonl" >valid.jsonl
	rebuild() {
		rollup -q --time '.occurred_at // .created_at' --period hour --count totalEvents \
		    --distinct uniqueSessions=.session_id --count-by eventCounts=.event_type \
		    --count-by toolUsage=.properties.tool --count-by riskDistribution=.properties.risk \
		    <valid.jsonl | pg-load -q -t w1_hourly --mode upsert --key-columns hour
	}
	sum_hours() {
		q "SELECT count(*) || '|' || md5(string_agg(x, E'\n' ORDER BY x)) FROM (
		   SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')
		          || E'\t' || \"totalEvents\" || E'\t' || \"uniqueSessions\" AS x
		   FROM w1_hourly) s"
	}
	want="$(wc -l <"$D/expect.hours")|$(python3 -c 'import hashlib,sys; print(hashlib.md5(open(sys.argv[1]).read().rstrip("\n").encode()).hexdigest())' "$D/expect.hours")"
	rebuild
	run sum_hours
	assert_output "$want"
	run q 'SELECT sum("totalEvents") FROM w1_hourly'
	assert_output "$(wc -l <"$D/expect.rows")"
	# the per-hour maps add up to the totals
	run q "SELECT count(*) FROM w1_hourly WHERE \"totalEvents\" <>
	       (SELECT sum(v::int) FROM jsonb_each_text(\"eventCounts\") AS e(k, v))"
	assert_output 0
	rebuild
	run sum_hours
	assert_output "$want"
	run q 'SELECT sum("totalEvents") FROM w1_hourly'
	assert_output "$(wc -l <"$D/expect.rows")"
}
