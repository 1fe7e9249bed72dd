#!/usr/bin/env bats
# Workflow 5: backfill vs incremental. A full export aggregated per day x
# app (the app parsed from modelId) and upserted, so a re-run overwrites
# and never doubles; then an incremental run on the records since the
# watermark, re-aggregating from the start of the watermark's day.
# Data: tests/gen/e2e-events.py; expected aggregates computed in python.

load ../test_helper
bats_require_minimum_version 1.5.0

CUT=2024-07-01T12:00:00Z

setup_file() {
	export D="$BATS_FILE_TMPDIR/data"
	mkdir -p "$D"
	python3 "$ROOT/tests/gen/e2e-events.py" 3000 "$D"
	# valid records; the first export holds those before CUT (any order)
	python3 - "$D" "$CUT" <<'PY'
import json, sys
from collections import defaultdict
d, cut = sys.argv[1], sys.argv[2].replace("Z", "")
valid, old = [], []
agg_all, agg_old = defaultdict(lambda: [0, set()]), defaultdict(lambda: [0, set()])
for l in open(d + "/events.jsonl"):
    r = json.loads(l)
    t = r.get("occurred_at") or r.get("created_at")
    if not r.get("event_type") or not t:
        continue
    valid.append(l)
    app = r["modelId"].split("-")[1]
    k = (t[:10] + "T00:00:00Z", app)
    for agg, take in ((agg_all, True), (agg_old, t < cut)):
        if take:
            agg[k][0] += 1
            agg[k][1].add(r["user_id"])
    if t < cut:
        old.append(l)
open(d + "/valid.jsonl", "w").writelines(valid)
open(d + "/old.jsonl", "w").writelines(old)
for name, agg in (("expect.all", agg_all), ("expect.old", agg_old)):
    with open(d + "/" + name, "w") as f:
        for (day, app), (n, u) in sorted(agg.items()):
            f.write("%s,%s,%d,%d\n" % (day, app, n, len(u)))
PY
}

setup() {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	psql -X -q -v ON_ERROR_STOP=1 -f "$FIX/e2e-daily.sql" 2>/dev/null
}

aggregate() {
	rollup -q --time '.occurred_at // .created_at' --bucket day \
	    --by 'app=.modelId | capture("^session-(?<a>[^-]+)-").a' \
	    --count events --distinct users=.user_id |
	    pg-load -q -t w5_daily --mode upsert --key day,app
}

table_rows() {
	q "SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
	   || ',' || app || ',' || events || ',' || users FROM w5_daily ORDER BY 1"
}

@test "the full export aggregated per day x app matches, and a re-run overwrites" {
	aggregate <"$D/valid.jsonl"
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	aggregate <"$D/valid.jsonl"
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	run q 'SELECT sum(events) FROM w5_daily'
	assert_output "$(wc -l <"$D/valid.jsonl" | tr -d ' ')"
}

@test "an incremental run from the watermark's day completes the table exactly" {
	aggregate <"$D/old.jsonl"
	run table_rows
	assert_output "$(cat "$D/expect.old")"
	# the watermark: the latest time of what was loaded, truncated to its day
	wm=$(rollup -q --time '.occurred_at // .created_at' --bucket day --count n \
	    <"$D/old.jsonl" | jq -rs 'map(.day) | max')
	[ "$wm" = 2024-07-01T00:00:00Z ]
	# only the records at or after the watermark's day
	prune -q --time '.occurred_at // .created_at' --before "$wm" --drop \
	    <"$D/valid.jsonl" >new.jsonl
	[ "$(wc -l <new.jsonl)" -lt "$(wc -l <"$D/valid.jsonl")" ]
	aggregate <new.jsonl
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	# running the incremental step again changes nothing
	aggregate <new.jsonl
	run table_rows
	assert_output "$(cat "$D/expect.all")"
}
