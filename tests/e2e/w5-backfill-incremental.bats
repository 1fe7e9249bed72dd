#!/usr/bin/env bats
# Workflow 5: backfill vs incremental. A full export aggregated per day x
# app (the app parsed from modelId) and upserted, so a re-run overwrites
# and never doubles; pg-load --watermark .day records the last day loaded
# in the ledger, and the incremental run reads it back with
# pg-load --last-watermark and re-aggregates from the start of that day.
# Data: tests/gen/e2e-events.py; expected aggregates and watermarks
# computed in python.

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
for name, agg in (("wm.all", agg_all), ("wm.old", agg_old)):
    open(d + "/" + name, "w").write(max(day for day, app in agg) + "\n")
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
	q 'DROP TABLE IF EXISTS w5_ledger, w5_ledger_batches, w5_ledger_parts' 2>/dev/null
}

# aggregate RUN-ID: records on stdin, per day x app, upserted; the run's
# watermark is the last day it loaded.
aggregate() {
	rollup -q --time '.occurred_at // .created_at' --period day \
	    --by 'app=.modelId | capture("^session-(?<a>[^-]+)-").a' \
	    --count events --distinct users=.user_id |
	    pg-load -q -t w5_daily --mode upsert --key-columns day,app \
	        --ledger=w5_ledger --run-id "$1" --watermark .day
}

# incremental RUN-ID: the records since the last watermark, aggregated.
incremental() {
	local wm
	wm=$(pg-load --last-watermark -t w5_daily --ledger=w5_ledger) || return
	# the watermark's day is aggregated again, whole: keep it (--before)
	prune -q --time '.occurred_at // .created_at' --before "$wm" --drop \
	    <"$D/valid.jsonl" | aggregate "$1"
}

table_rows() {
	q "SELECT to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
	   || ',' || app || ',' || events || ',' || users FROM w5_daily ORDER BY 1"
}

@test "the full export aggregated per day x app matches, and a re-run overwrites" {
	aggregate full <"$D/valid.jsonl"
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	aggregate full-again <"$D/valid.jsonl"
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	run q 'SELECT sum(events) FROM w5_daily'
	assert_output "$(wc -l <"$D/valid.jsonl" | tr -d ' ')"
	run pg-load --last-watermark -t w5_daily --ledger=w5_ledger
	assert_success
	assert_output "$(cat "$D/wm.all")"
}

@test "an incremental run from the ledger's watermark completes the table exactly" {
	# before any run there is no watermark: exit 1, a full load is needed
	run -1 pg-load -q --last-watermark -t w5_daily --ledger=w5_ledger
	assert_output ""
	aggregate backfill <"$D/old.jsonl"
	run table_rows
	assert_output "$(cat "$D/expect.old")"
	run pg-load --last-watermark -t w5_daily --ledger=w5_ledger
	assert_output "$(cat "$D/wm.old")"
	[ "$output" = 2024-07-01T00:00:00Z ]
	run pg-load --status --ledger=w5_ledger
	assert_line --regexp "^backfill	done	\"w5_daily\"	upsert	[0-9]+	0	100	.*	$(cat "$D/wm.old")\$"
	incremental inc-1
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	run pg-load --last-watermark -t w5_daily --ledger=w5_ledger
	assert_output "$(cat "$D/wm.all")"
	# the next incremental run, with nothing new, changes nothing
	incremental inc-2
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	# and the same run again is skipped as finished
	incremental inc-2
	run table_rows
	assert_output "$(cat "$D/expect.all")"
	run q "SELECT string_agg(run_id || ':' || state, ',' ORDER BY started_at) FROM w5_ledger"
	assert_output "backfill:done,inc-1:done,inc-2:done"
}
