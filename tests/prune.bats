#!/usr/bin/env bats
# prune: stream mode (kept records out byte for byte, pruned to a side file
# or dropped) and table mode against the throwaway PostgreSQL cluster.

load test_helper
bats_require_minimum_version 1.5.0

T=(--time '.occurred_at // .created_at')
EV="$FIX/prune-events.jsonl"

# Lines N.. of the fixture, by id.
ids() {
	for i in "$@"; do sed -n "${i}p" "$EV"; done
}

@test "--between prunes [A, B) to --pruned, the rest passes byte for byte" {
	run --separate-stderr prune "${T[@]}" --between 2024-02-01T00:00:00Z 2024-03-01T00:00:00Z \
	    --pruned "$BATS_TEST_TMPDIR/pruned" "$EV"
	assert_success
	assert_output "$(ids 1 4 5 6)"
	run cat "$BATS_TEST_TMPDIR/pruned"
	assert_output "$(ids 2 3)"
}

@test "--older-than 30d --now prunes what is older than now minus 30 days" {
	run --separate-stderr prune "${T[@]}" --older-than 30d --now 2024-03-31T00:00:00Z \
	    --pruned "$BATS_TEST_TMPDIR/pruned" "$EV"
	assert_success
	assert_output "$(ids 4 5 6)"
	run cat "$BATS_TEST_TMPDIR/pruned"
	assert_output "$(ids 1 2 3)"
}

@test "--before is exclusive at nanosecond precision" {
	run --separate-stderr prune "${T[@]}" --before 2024-03-01T00:00:00.000000001Z \
	    --drop "$EV"
	assert_success
	assert_output "$(ids 5 6)"
}

@test "--after prunes at or after the time" {
	run --separate-stderr prune "${T[@]}" --after 2024-03-01T00:00:00Z --drop "$EV"
	assert_success
	assert_output "$(ids 1 2 3)"
}

@test "--after and --before together make a window" {
	run --separate-stderr prune "${T[@]}" --after 2024-02-14T08:30:00Z \
	    --before 2024-03-01T00:00:00Z --drop "$EV"
	assert_success
	assert_output "$(ids 1 2 4 5 6)"
}

@test "--drop counts what it drops in the summary and --stats" {
	run --separate-stderr prune "${T[@]}" --before 2024-02-15 --drop \
	    --stats "$BATS_TEST_TMPDIR/st" "$EV"
	assert_success
	assert_output "$(ids 4 5 6)"
	[[ "$stderr" == "prune: 6 lines, 3 kept, 0 rejected, 3 dropped, "* ]]
	run jq -c '[.processed, .passed, .rejected, .diverted.dropped]' "$BATS_TEST_TMPDIR/st"
	assert_output '[6,3,0,3]'
}

@test "neither --pruned nor --drop is a usage error" {
	run --separate-stderr prune "${T[@]}" --before 2024-02-15 "$EV"
	assert_failure 64
	assert_output ''
	assert_equal "${stderr_lines[0]}" "prune: say where pruned records go: --pruned FILE or --drop (one of them)"
}

@test "both --pruned and --drop is a usage error" {
	run --separate-stderr prune "${T[@]}" --before 2024-02-15 --drop --pruned /dev/null "$EV"
	assert_failure 64
}

@test "no window is a usage error" {
	run --separate-stderr prune "${T[@]}" --drop "$EV"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "prune: say what to prune: --older-than, --before, --after, --until or --between"
}

@test "an empty window is a usage error" {
	run --separate-stderr prune "${T[@]}" --between 2024-03-01 2024-02-01 --drop "$EV"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "prune: the window is empty: its start is not before its end"
}

@test "a bad duration or time is a usage error naming the flag" {
	run --separate-stderr prune "${T[@]}" --older-than 30x --drop "$EV"
	assert_failure 64
	[[ "${stderr_lines[0]}" == "prune: --older-than: '30x': "* ]]
	run --separate-stderr prune "${T[@]}" --before soon --drop "$EV"
	assert_failure 64
	[[ "${stderr_lines[0]}" == "prune: --before: 'soon' is not a time: "* ]]
}

@test "missing or unparsable times and invalid JSON go to rejects" {
	printf '%s\n' '{"created_at":"2024-01-01T00:00:00Z"}' '{"id":9}' \
	    '{"created_at":"31/12/2023"}' '[1,2' '{"created_at":"2024-06-01T00:00:00Z"}' \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr prune "${T[@]}" --before 2024-03-01 --pruned "$BATS_TEST_TMPDIR/p" \
	    -r "$BATS_TEST_TMPDIR/rej" --stats "$BATS_TEST_TMPDIR/st" \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"created_at":"2024-06-01T00:00:00Z"}'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/p")" '{"created_at":"2024-01-01T00:00:00Z"}'
	run jq -c '[._error_row, ._error_message, ._raw, ._error_tool]' "$BATS_TEST_TMPDIR/rej"
	assert_line --index 0 '[2,"--time: no timestamp",null,"prune"]'
	[[ "${lines[1]}" == '[3,"--time: cannot parse '"'31/12/2023'"': '* ]]
	[[ "${lines[2]}" == '[4,"invalid JSON at column '*'","[1,2","prune"]' ]]
	assert_equal "${#lines[@]}" 3
	run jq -c '[.processed, .passed, .diverted.pruned, .rejected]' "$BATS_TEST_TMPDIR/st"
	assert_output '[5,1,1,3]'
}

@test "without --rejects a bad record stops with 65 after saving what was pruned" {
	printf '%s\n' '{"created_at":"2024-01-01T00:00:00Z"}' '{"id":9}' \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr prune "${T[@]}" --before 2024-03-01 --pruned "$BATS_TEST_TMPDIR/p" \
	    "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "prune: line 2: --time: no timestamp"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/p")" '{"created_at":"2024-01-01T00:00:00Z"}'
}

@test "every record of a large stream lands in exactly one place" {
	python3 -c '
import json
for i in range(50000):
    d = 1 + i % 28
    print(json.dumps({"id": i, "created_at": "2024-02-%02dT12:00:00Z" % d}))
' > "$BATS_TEST_TMPDIR/in"
	prune -q --time .created_at --before 2024-02-15 --pruned "$BATS_TEST_TMPDIR/p" \
	    < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/kept"
	want_p=$(jq -c 'select(.created_at < "2024-02-15")' "$BATS_TEST_TMPDIR/in" | wc -l)
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/p")" "$want_p"
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/kept")" "$((50000 - want_p))"
	run diff <(sort "$BATS_TEST_TMPDIR/in") <(sort "$BATS_TEST_TMPDIR/p" "$BATS_TEST_TMPDIR/kept")
	assert_success
}

@test "| head ends prune quietly with 0" {
	run bash -c 'yes "{\"created_at\":\"2024-06-01T00:00:00Z\"}" | head -n 200000 |
	    prune -q --time .created_at --before 2024-01-01 --drop | head -n 1
	    echo "status ${PIPESTATUS[2]}"'
	assert_success
	assert_output - <<'EOF'
{"created_at":"2024-06-01T00:00:00Z"}
status 0
EOF
}

@test "stream options with -t are a usage error" {
	run --separate-stderr prune -t events --column created_at --older-than 30d --drop
	assert_failure 64
}

@test "table options without -t are a usage error" {
	run --separate-stderr prune "${T[@]}" --older-than 30d --drop --dry-run "$EV"
	assert_failure 64
}

# ---- table mode (PostgreSQL) ----

# A table of n rows, one every 37 minutes from 2024-01-01, with awkward
# values: quotes, newlines, unicode, numerics, floats, json, nulls.
make_table() {
	local t=$1 n=$2
	q "drop table if exists $t;
	   create table $t (id bigint primary key, created_at timestamptz,
	       name text, score numeric(12,3), ratio double precision,
	       tags text[], meta jsonb, ok boolean);
	   insert into $t select i, timestamptz '2024-01-01 00:00:00+00'
	       + i * interval '37 minutes',
	       case when i % 5 = 0 then null else E'n\"a,m\\\\e\n' || i || ' ☃' end,
	       i * 1.125, i / 7.0, array['a' || i, null], jsonb_build_object('i', i),
	       i % 2 = 0 from generate_series(1, $n) i"
}

checksum() {
	q "select md5(coalesce(string_agg(t::text, '|' order by id), '')) from $1 t"
}

# Load JSONL rows (row_to_json) back into a table with psql alone.
reload() {
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
create temp table stage (j json);
\\copy stage(j) from '$2' with (format csv, quote e'\\x01', delimiter e'\\x02')
insert into $1 select (json_populate_record(null::$1, j)).* from stage;
SQL
}

@test "--dry-run prints per-month counts equal to SQL and deletes nothing" {
	need_pg
	make_table ev 8000
	before=$(checksum ev)
	run --separate-stderr prune -t ev --column created_at --before 2024-04-15 --dry-run
	assert_success
	want=$(q "select m || '  ' || n from (select to_char(date_trunc('month',
	    created_at at time zone 'UTC'), 'YYYY-MM') m, count(*) n from ev
	    where created_at < '2024-04-15Z' group by 1) s order by m")
	total=$(q "select count(*) from ev where created_at < '2024-04-15Z'")
	assert_output "$want
total  $total"
	assert_equal "${lines[0]}" "2024-01  1206"
	assert_equal "$(checksum ev)" "$before"
}

@test "a timestamp column without time zone holds times of --tz, as a naive bound does" {
	need_pg
	# Rows every 7 minutes around New Year in the column's own zone: the
	# naive bound and the naive column are read in the same zone, so the
	# rows pruned are those a naive comparison picks, in every zone.
	for zone in UTC America/New_York Asia/Kolkata Pacific/Chatham; do
		q "drop table if exists naive; create table naive (id int primary key,
		    at timestamp); insert into naive select i, timestamp
		    '2023-12-31 12:00' + i * interval '7 minutes'
		    from generate_series(1, 400) i"
		want=$(q "select string_agg(id::text, ',' order by id) from naive
		    where at >= '2024-01-01 02:30'")
		run_split prune -q -t naive --column at --tz "$zone" \
		    --before 2024-01-01T02:30:00 --batch 50
		assert_success
		assert_equal "$(q "select string_agg(id::text, ',' order by id) from naive")" "$want"
	done
	# --dry-run's months are the zone's: 2024-01-01 01:00 in Kolkata is
	# still December in UTC.
	q "drop table if exists aware; create table aware (id int, at timestamptz);
	    insert into aware values (1, '2023-12-31 20:00Z'), (2, '2024-01-15Z')"
	run_split prune -t aware --column at --tz Asia/Kolkata --before 2024-02-01 --dry-run
	assert_output $'2024-01  2\ntotal  2'
}

@test "table mode deletes the window in batches and nothing else" {
	need_pg
	make_table ev 5000
	outside=$(q "select md5(string_agg(t::text, '|' order by id)) from ev t
	    where not (created_at >= '2024-01-20Z' and created_at < '2024-02-20Z')")
	n=$(q "select count(*) from ev where created_at >= '2024-01-20Z' and created_at < '2024-02-20Z'")
	run --separate-stderr prune -t ev --column created_at \
	    --between 2024-01-20T00:00:00Z 2024-02-20T00:00:00Z --batch 300 \
	    --stats "$BATS_TEST_TMPDIR/st"
	assert_success
	assert_output ''
	batches=$(( (n + 299) / 300 ))
	[[ "$stderr" == "prune: ev: $n deleted, $batches batches, "* ]]
	assert_equal "$(q "select count(*) from ev where created_at >= '2024-01-20Z' and created_at < '2024-02-20Z'")" 0
	assert_equal "$(q "select md5(string_agg(t::text, '|' order by id)) from ev t")" "$outside"
	assert_equal "$(jq -c '[.deleted, .batches]' "$BATS_TEST_TMPDIR/st")" "[$n,$batches]"
}

@test "--archive holds exactly the deleted rows as row_to_json" {
	need_pg
	make_table ev 3000
	q "select row_to_json(t) from ev t where created_at < '2024-01-10Z' order by id" \
	    > "$BATS_TEST_TMPDIR/want"
	run --separate-stderr prune -q -t ev --column created_at --before 2024-01-10 \
	    --batch 50 --archive "$BATS_TEST_TMPDIR/arch"
	assert_success
	assert_equal "$stderr" ''
	jq -c -s 'sort_by(.id)[]' "$BATS_TEST_TMPDIR/arch" > "$BATS_TEST_TMPDIR/got"
	jq -c . "$BATS_TEST_TMPDIR/want" > "$BATS_TEST_TMPDIR/want.c"
	run diff "$BATS_TEST_TMPDIR/want.c" "$BATS_TEST_TMPDIR/got"
	assert_success
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/arch")" "$(wc -l < "$BATS_TEST_TMPDIR/want")"
}

@test "rollback of a load by date range: the archive re-loads to the same table" {
	need_pg
	make_table kintell_sessions 4000
	before=$(checksum kintell_sessions)
	run --separate-stderr prune -t kintell_sessions --column created_at \
	    --between 2024-02-01T00:00:00Z 2024-02-08T00:00:00Z \
	    --archive "$BATS_TEST_TMPDIR/undo.jsonl"
	assert_success
	[ "$(wc -l < "$BATS_TEST_TMPDIR/undo.jsonl")" -gt 200 ]
	[ "$(checksum kintell_sessions)" != "$before" ]
	reload kintell_sessions "$BATS_TEST_TMPDIR/undo.jsonl"
	assert_equal "$(checksum kintell_sessions)" "$before"
}

@test "--archive appends, so a second run keeps the first run's rows" {
	need_pg
	make_table ev 2000
	prune -q -t ev --column created_at --before 2024-01-05 --archive "$BATS_TEST_TMPDIR/a"
	n1=$(wc -l < "$BATS_TEST_TMPDIR/a")
	prune -q -t ev --column created_at --before 2024-01-10 --archive "$BATS_TEST_TMPDIR/a"
	n=$(q "select count(*) from generate_series(1, 2000) i
	    where timestamptz '2024-01-01Z' + i * interval '37 minutes' < '2024-01-10Z'")
	[ "$n1" -gt 0 ] && [ "$n1" -lt "$n" ]
	assert_equal "$(jq -c -s 'map(.id)' "$BATS_TEST_TMPDIR/a")" "$(jq -c -n "[range(1; $n + 1)]")"
}

@test "a killed prune resumes: nothing deleted is missing from the archive" {
	need_pg
	make_table ev 30000
	q "select id from ev where created_at < '2024-02-20Z' order by id" > "$BATS_TEST_TMPDIR/want"
	outside=$(q "select md5(string_agg(t::text, '|' order by id)) from ev t where created_at >= '2024-02-20Z'")
	prune -q -t ev --column created_at --before 2024-02-20 --batch 100 --sleep 0.02 \
	    --archive "$BATS_TEST_TMPDIR/arch" &
	pid=$!
	for _ in $(seq 100); do
		[ "$(wc -l < "$BATS_TEST_TMPDIR/arch" 2>/dev/null || echo 0)" -ge 500 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	left=$(q "select count(*) from ev where created_at < '2024-02-20Z'")
	[ "$left" -gt 0 ]
	run --separate-stderr prune -t ev --column created_at --before 2024-02-20 --batch 1000 \
	    --archive "$BATS_TEST_TMPDIR/arch"
	assert_success
	[[ "$stderr" == "prune: ev: $left deleted, "* ]]
	assert_equal "$(q "select count(*) from ev where created_at < '2024-02-20Z'")" 0
	jq -r .id "$BATS_TEST_TMPDIR/arch" | sort -n -u > "$BATS_TEST_TMPDIR/got"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	assert_equal "$(q "select md5(string_agg(t::text, '|' order by id)) from ev t")" "$outside"
}

@test "retention runbook lines: events 30 days, rollups 90 days" {
	need_pg
	make_table analytics_events 3000
	q "drop table if exists hourly_rollups; create table hourly_rollups (hour timestamptz primary key, n int);
	   insert into hourly_rollups select h, 1 from generate_series(timestamptz '2023-10-01Z', '2024-03-31Z', '1 hour') h"
	prune -q -t analytics_events --column created_at --older-than 30d --now 2024-02-15T00:00:00Z
	prune -q -t hourly_rollups --column hour --older-than 90d --now 2024-03-31T00:00:00Z
	assert_equal "$(q "select min(created_at) >= '2024-01-16Z', count(*) from analytics_events")" \
	    "t|$(q "select count(*) from generate_series(1, 3000) i where timestamptz '2024-01-01Z' + i * interval '37 minutes' >= '2024-01-16Z'")"
	assert_equal "$(q "select min(hour) at time zone 'UTC', count(*) from hourly_rollups")" \
	    "2024-01-01 00:00:00|$(( 90 * 24 + 1 ))"
}

@test "a composite primary key is walked in ranges too" {
	need_pg
	q "drop table if exists ck; create table ck (a int, b text, t timestamptz, primary key (a, b));
	   insert into ck select i % 7, 'k' || i, timestamptz '2024-01-01Z' + i * interval '1 hour'
	       from generate_series(1, 2000) i"
	run --separate-stderr prune -t ck --column t --before 2024-02-01 --batch 37 --archive "$BATS_TEST_TMPDIR/a"
	assert_success
	assert_equal "$(q "select count(*) from ck where t < '2024-02-01Z'")" 0
	assert_equal "$(q "select count(*) from ck")" "$(( 2000 - 743 ))"
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/a")" 743
}

@test "a table without a primary key (the demo's analytics_events) is pruned by ctid, archive included" {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	# scripts/demo's table: no primary key, duplicate rows allowed
	q "drop table if exists nopk; create table nopk (id bigint, event_type text not null,
	       properties jsonb, created_at timestamptz not null);
	   insert into nopk select i % 500, 'e' || i, jsonb_build_object('i', i),
	       timestamptz '2024-01-01Z' + i * interval '1 hour' from generate_series(1, 3000) i;
	   insert into nopk select * from nopk where id < 10"
	want_gone=$(q "select count(*) from nopk where created_at < '2024-03-01Z'")
	want_left=$(q "select md5(string_agg(t::text, '|' order by t::text)) from nopk t where created_at >= '2024-03-01Z'")
	q "select row_to_json(t)::text from nopk t where created_at < '2024-03-01Z'" | sort >want.arch
	run --separate-stderr prune -t nopk --column created_at --older-than 30d \
	    --now 2024-03-31T00:00:00Z --batch 97 --archive "$BATS_TEST_TMPDIR/a"
	assert_success
	[[ "$stderr" == "prune: nopk: $want_gone deleted, $(( (want_gone + 96) / 97 )) batches, "* ]]
	assert_equal "$(q "select count(*) from nopk where created_at < '2024-03-01Z'")" 0
	assert_equal "$(q "select md5(string_agg(t::text, '|' order by t::text)) from nopk t")" "$want_left"
	sort "$BATS_TEST_TMPDIR/a" >got.arch
	run diff got.arch want.arch
	assert_success
	[ "$(wc -l <got.arch)" -eq "$want_gone" ]
	# nothing left in the window: a second run deletes nothing
	run --separate-stderr prune -t nopk --column created_at --before 2024-03-01
	assert_success
	[[ "$stderr" == "prune: nopk: 0 deleted, 0 batches, "* ]]
}

@test "an unknown column or table is refused" {
	need_pg
	make_table ev 10
	run --separate-stderr prune -t ev --column nope --before 2024-01-01
	assert_failure 64
	assert_equal "$stderr" 'prune: --column: ev has no column "nope"'
	run --separate-stderr prune -t no_such_table --column t --before 2024-01-01
	assert_failure 66
	assert_equal "$stderr" 'prune: table "no_such_table" does not exist'
}

@test "an unreachable database exits 69 without deleting anything" {
	run --separate-stderr prune -t ev --column created_at --before 2024-01-01 \
	    --dsn "host=127.0.0.1 port=1 connect_timeout=2 user=x password=s3cret"
	assert_failure 69
	[[ "$stderr" == "prune: cannot connect: "* ]]
	[[ "$stderr" != *s3cret* ]]
}

@test "table mode retries a batch that loses a deadlock beside a concurrent writer" {
	need_pg
	q "drop table if exists prune_dl; create table prune_dl (id int primary key, t timestamptz)"
	q "insert into prune_dl select i, '2020-01-01' from generate_series(1, 100) i"
	# The writer holds row 100, then wants row 1, which prune's batch holds.
	psql -Xq -c "begin; select 1 from prune_dl where id = 100 for update;
	    select pg_sleep(0.5); update prune_dl set t = t where id = 1; commit" \
	    >/dev/null 2>&1 &
	writer=$!
	sleep 0.2
	run_split prune -t prune_dl --column t --before 2021-01-01 --batch 1000
	wait $writer || true
	assert_success
	assert_equal "$(q "select count(*) from prune_dl")" 0
}
