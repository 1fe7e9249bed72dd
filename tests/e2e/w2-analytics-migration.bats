#!/usr/bin/env bats
# Workflow 2: analytics migration. A JSON array backup (json2jsonl) into
# the events table, the HourlyRollup table rebuilt from it, then retention:
# 30 days of events and 90 days of rollups (prune, --dry-run first).
# Data: tests/gen/e2e-events.py.

load ../test_helper
load sums
bats_require_minimum_version 1.5.0

NOW=2024-12-31T00:00:00Z

setup_file() {
	export D="$BATS_FILE_TMPDIR/data"
	mkdir -p "$D"
	python3 "$ROOT/tests/gen/e2e-events.py" 3000 "$D"
	# the backup: the same records as one JSON array, pretty-printed
	# elements kept byte for byte
	python3 - "$D/events.jsonl" "$D/backup.json" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
open(sys.argv[2], "w").write("[\n  " + ",\n  ".join(lines) + "\n]\n")
PY
}

setup() {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	psql -X -q -v ON_ERROR_STOP=1 -f "$FIX/e2e-migration.sql" 2>/dev/null
}

migrate() {
	json2jsonl -q "$D/backup.json" |
	    jsonl-validate -q --require .event_type --require '.occurred_at // .created_at' \
	        --assert '.event_type != ""' -r rej.jsonl |
	    tee valid.jsonl |
	    pg-load -q -t w2_events -b 500 --map created_at='.occurred_at // .created_at'
	rollup -q --time '.occurred_at // .created_at' --period hour --count totalEvents \
	    --distinct uniqueSessions=.session_id --count-by eventCounts=.event_type \
	    --count-by toolUsage=.properties.tool --count-by riskDistribution=.properties.risk \
	    <valid.jsonl | pg-load -q -t w2_HourlyRollup --mode upsert --key-columns hour
}

table_sum() { events_sum w2_events; }

hours_from() {
	awk -F '\t' -v t="$2" '$1 >= t' "$1" | wc -l | tr -d ' '
}

@test "json2jsonl turns the array backup back into the original lines" {
	run bash -c "json2jsonl -q '$D/backup.json' | cmp - '$D/events.jsonl'"
	assert_success
}

@test "the migration loads the events and rebuilds HourlyRollup consistently" {
	migrate
	run table_sum
	assert_output "$(file_sum "$D/expect.rows")"
	run q 'SELECT count(*), sum("totalEvents") FROM "w2_HourlyRollup"'
	assert_output "$(wc -l <"$D/expect.hours")|$(wc -l <"$D/expect.rows")"
	run q "SELECT md5(string_agg(to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')
	         || E'\t' || \"totalEvents\" || E'\t' || \"uniqueSessions\", E'\n' ORDER BY hour))
	       FROM \"w2_HourlyRollup\""
	assert_output "$(python3 -c 'import hashlib,sys; print(hashlib.md5(open(sys.argv[1]).read().rstrip("\n").encode()).hexdigest())' "$D/expect.hours")"
	# the maps agree with the table of events
	run q "SELECT count(*) FROM \"w2_HourlyRollup\" h WHERE \"eventCounts\" <> (
	         SELECT jsonb_object_agg(event_type, n) FROM (
	           SELECT event_type, count(*) AS n FROM w2_events e
	           WHERE date_trunc('hour', e.created_at) = h.hour GROUP BY 1) s)"
	assert_output 0
}

@test "prune --dry-run shows per-month counts and deletes nothing" {
	migrate
	run prune -t w2_events --column created_at --older-than 30d --now "$NOW" --dry-run
	assert_success
	want=$(python3 -c '
import sys
from collections import Counter
t = [l.split(",")[5] for l in open(sys.argv[1])]
c = Counter(x[:7] for x in t if x < "2024-12-01T00:00:00")
print("\n".join("%s  %d" % kv for kv in sorted(c.items())))
print("total  %d" % sum(c.values()))' "$D/expect.rows")
	assert_output "$want"
	run table_sum
	assert_output "$(file_sum "$D/expect.rows")"
}

@test "retention keeps 30 days of events and 90 days of rollups" {
	migrate
	run prune -q -t w2_events --column created_at --older-than 30d --now "$NOW" --batch 500
	assert_success
	run table_sum
	assert_output "$(file_sum "$D/expect.rows" 2024-12-01T00:00:00)"
	run prune -q -t w2_HourlyRollup --column hour --older-than 90d --now "$NOW"
	assert_success
	run q 'SELECT count(*) FROM "w2_HourlyRollup"'
	assert_output "$(hours_from "$D/expect.hours" 2024-10-02T00:00:00Z)"
	# a second run finds nothing more to delete
	run prune -q -t w2_events --column created_at --older-than 30d --now "$NOW"
	assert_success
	run table_sum
	assert_output "$(file_sum "$D/expect.rows" 2024-12-01T00:00:00)"
}
