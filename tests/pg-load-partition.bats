#!/usr/bin/env bats
# pg-load --mode replace with a partition key computed by a jq expression:
# --map stores the key in a column (so the table's rows have it too) and
# --partition names that column. Re-runs overwrite, never double, and
# partitions absent from the input are left alone. Expected tables are
# computed in python from the input files.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	need_pg
	T="plp_${BATS_TEST_NUMBER}"
	q "drop table if exists $T, ${T}_l, ${T}_l_batches, ${T}_l_parts cascade" >/dev/null
	cd "$BATS_TEST_TMPDIR"
}

# gen FILE SEED DAY...: events {"id","ts","modelId","v"} on those days of
# March 2024, times in several ISO 8601 spellings.
gen() {
	python3 - "$@" <<'PY'
import random, sys
path, seed, days = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rnd = random.Random(seed)
with open(path, "w") as f:
    for i in range(1, 121):
        d = rnd.choice(days)
        h, m = rnd.randrange(24), rnd.randrange(60)
        ts = rnd.choice(["2024-03-%sT%02d:%02d:00Z", "2024-03-%s %02d:%02d:00+00",
                         "2024-03-%sT%02d:%02d:00.250Z"]) % (d, h, m)
        app = rnd.choice(["chat", "tutor", "quiz"])
        f.write('{"id":%d,"ts":"%s","modelId":"session-%s-%d","v":"s%d-%d"}\n'
                % (i, ts, app, rnd.randrange(1000), seed, i))
PY
}

# expect KEYFIELDS FILE...: the table after replacing, in order, with each
# file: rows of the partitions (day, or day and app) a file holds are
# those of the file; the others stay. The start is the table's seed rows.
expect() {
	python3 - "$@" <<'PY'
import json, sys
by_app, files = sys.argv[1] == "day,app", sys.argv[2:]
rows = [("2024-03-01", "chat", "seed-1"), ("2024-03-09", "quiz", "seed-9")]
def key(r):
    return (r[0], r[1]) if by_app else r[0]
for path in files:
    new = []
    for l in open(path):
        r = json.loads(l)
        new.append((r["ts"][:10], r["modelId"].split("-")[1], r["v"]))
    keys = set(key(r) for r in new)
    rows = [r for r in rows if key(r) not in keys] + new
for r in sorted(rows):
    print("|".join(r))
PY
}

table() {
	q "select day || '|' || app || '|' || v from $T order by day, app, v"
}

@test "per-day partitions keyed by a jq --map expression: a re-run overwrites, never doubles" {
	q "create table $T (day date not null, app text, v text)"
	q "insert into $T values ('2024-03-01', 'chat', 'seed-1'), ('2024-03-09', 'quiz', 'seed-9')"
	gen one.jsonl 1 01 02 03
	opts=(-q -t "$T" --mode replace --map 'day=.ts[:10]'
	    --map 'app=.modelId | capture("^session-(?<a>[^-]+)-").a' --partition day -b 25)
	pg-load "${opts[@]}" one.jsonl
	run table
	assert_output "$(expect day one.jsonl)"
	# 2024-03-01 lost its seed row; 2024-03-09, absent from the input, kept it
	run q "select count(*) from $T where v like 'seed%'"
	assert_output 1
	pg-load "${opts[@]}" one.jsonl
	run table
	assert_output "$(expect day one.jsonl)"
	run q "select count(*) from $T"
	assert_output 121
	# a new version of one day replaces that day only
	gen two.jsonl 2 02
	pg-load "${opts[@]}" two.jsonl
	run table
	assert_output "$(expect day one.jsonl two.jsonl)"
}

@test "a jq-keyed partition spread over batches and --jobs 2 is replaced once per run" {
	q "create table $T (day date not null, app text, v text)"
	q "insert into $T values ('2024-03-01', 'chat', 'seed-1'), ('2024-03-09', 'quiz', 'seed-9')"
	gen one.jsonl 3 01 02
	opts=(-q -t "$T" --mode replace --map 'day=.ts[:10]'
	    --map 'app=.modelId | capture("^session-(?<a>[^-]+)-").a' --partition day
	    -b 7 -j 2 --ledger="${T}_l")
	pg-load "${opts[@]}" --run-id r1 one.jsonl
	run table
	assert_output "$(expect day one.jsonl)"
	pg-load "${opts[@]}" --run-id r2 one.jsonl
	run table
	assert_output "$(expect day one.jsonl)"
	# the ledger claimed each day once per run
	run q "select run_id || ':' || string_agg(part, ',' order by part) from ${T}_l_parts group by run_id order by run_id"
	assert_output "$(printf 'r1:v2024-03-01,v2024-03-02\nr2:v2024-03-01,v2024-03-02')"
}

@test "a partition of two jq-derived keys (day, app) replaces only those pairs" {
	q "create table $T (day date not null, app text, v text)"
	q "insert into $T values ('2024-03-01', 'chat', 'seed-1'), ('2024-03-09', 'quiz', 'seed-9')"
	gen one.jsonl 4 01 09
	jq -c 'select(.modelId | startswith("session-tutor-"))' one.jsonl >tutor.jsonl
	opts=(-q -t "$T" --mode replace --map 'day=.ts[:10]'
	    --map 'app=.modelId | capture("^session-(?<a>[^-]+)-").a' --partition '(day, app)')
	pg-load "${opts[@]}" tutor.jsonl
	run table
	assert_output "$(expect day,app tutor.jsonl)"
	# no tutor seed rows: both seed rows stay
	run q "select count(*) from $T where v like 'seed%'"
	assert_output 2
	pg-load "${opts[@]}" one.jsonl
	pg-load "${opts[@]}" one.jsonl
	run table
	assert_output "$(expect day,app tutor.jsonl one.jsonl)"
}
