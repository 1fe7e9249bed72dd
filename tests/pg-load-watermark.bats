#!/usr/bin/env bats
# pg-load --watermark, --status's watermark column and --last-watermark
# (workflow 5, the incremental run). Every test works in its own tables
# (plw_N, its ledger plw_N_l); expected values come from python3 or psql.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	need_pg
	T="plw_${BATS_TEST_NUMBER}"
	q "drop table if exists $T, ${T}_l, ${T}_l_batches, ${T}_l_parts cascade" >/dev/null
	L="--ledger=${T}_l"
	cd "$BATS_TEST_TMPDIR"
}

# The watermark the ledger recorded for run $1.
wm_of() {
	q "select coalesce(watermark, 'NULL') from ${T}_l where run_id = '$1'"
}

# gen_times N FILE [z]: {"id":i,"ts":...} with times out of order inside
# each ten records, in the offsets Z, +02:00 and -05:00 (only Z with z);
# prints the greatest instant's text.
gen_times() {
	python3 - "$1" "$2" "${3:-}" <<'PY'
import sys
from datetime import datetime, timedelta, timezone
n, path = int(sys.argv[1]), sys.argv[2]
base = datetime(2024, 1, 1, tzinfo=timezone.utc)
zones = [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]
if sys.argv[3] == "z":
    zones = [timezone.utc]
best = None
with open(path, "w") as f:
    for i in range(1, n + 1):
        t = base + timedelta(seconds=10 * (i // 10) + (9 - i % 10))
        z = zones[i % len(zones)]
        s = t.astimezone(z).isoformat().replace("+00:00", "Z")
        f.write('{"id":%d,"ts":"%s"}\n' % (i, s))
        if best is None or t > best[0]:
            best = (t, s)
print(best[1])
PY
}

@test "--watermark keeps the greatest instant over every batch, as its text appeared" {
	q "create table $T (id int, ts timestamptz)"
	want=$(gen_times 95 in.jsonl)
	# the greatest instant is not the greatest string (offsets differ)
	[ "$want" != "$(jq -r .ts in.jsonl | sort | tail -n 1)" ]
	run pg-load -q -t "$T" -b 10 "$L" --run-id r --watermark .ts in.jsonl
	assert_success
	run wm_of r
	assert_output "$want"
}

@test "--watermark compares numbers exactly, past 2^53 and across exponents" {
	q "create table $T (id int, n numeric)"
	printf '%s\n' '{"id":1,"n":9007199254740992}' '{"id":2,"n":9007199254740993}' \
	    '{"id":3,"n":-12}' '{"id":4,"n":9.007199254740992e15}' \
	    '{"id":5,"n":900719925474099.25e1}' '{"id":6,"n":0}' >in.jsonl
	want=$(python3 -c '
import json, sys
from decimal import Decimal
v = [json.loads(l, parse_float=Decimal, parse_int=Decimal)["n"] for l in open("in.jsonl")]
print(max(v))')
	[ "$want" = 9007199254740993 ]
	run pg-load -q -t "$T" -b 2 "$L" --run-id r --watermark .n in.jsonl
	assert_success
	run wm_of r
	assert_output 9007199254740993
}

@test "--watermark's number order agrees with exact decimals on random numbers" {
	q "create table $T (id int)"
	python3 - <<'PY'
import random
rnd = random.Random(8)
def num():
    sign = rnd.choice(["", "-"])
    k = rnd.randrange(5)
    if k == 0:
        return sign + str(rnd.randrange(10**rnd.randrange(1, 25)))
    if k == 1:
        return sign + "%d.%s" % (rnd.randrange(1000), "".join(rnd.choice("0123456789") for _ in range(rnd.randrange(1, 8))))
    if k == 2:
        return sign + "%de%s%d" % (rnd.randrange(1, 100), rnd.choice(["", "+", "-"]), rnd.randrange(30))
    if k == 3:
        return sign + "0.%s%dE%d" % ("0" * rnd.randrange(5), rnd.randrange(1, 99), rnd.randrange(-3, 4))
    return sign + "0"
for f in range(12):
    with open("n%d.jsonl" % f, "w") as out:
        for i in range(40):
            out.write('{"id":%d,"n":%s}\n' % (i, num()))
PY
	for f in n*.jsonl; do
		pg-load -q -t "$T" -b 7 "$L" --run-id "$f" --watermark .n "$f"
		want=$(python3 -c '
import json, sys
from decimal import Decimal
print(max(json.loads(l, parse_float=Decimal, parse_int=Decimal)["n"] for l in open(sys.argv[1])))' "$f")
		got=$(wm_of "$f")
		python3 -c 'import sys; from decimal import Decimal as D; sys.exit(D(sys.argv[1]) != D(sys.argv[2]))' "$got" "$want" ||
		    fail "$f: watermark $got, greatest $want"
	done
}

@test "--jobs 2 records the greatest value across the workers" {
	q "create table $T (id int, ts timestamptz)"
	want=$(gen_times 5000 in.jsonl)
	run pg-load -q -t "$T" -j 2 -b 50 "$L" --run-id r --watermark .ts in.jsonl
	assert_success
	run wm_of r
	assert_output "$want"
	run q "select count(*) from $T"
	assert_output 5000
}

@test "a load killed with kill -9 keeps the watermark of what it committed, and the resumed run ends with the right one" {
	q "create table $T (id int, ts timestamptz)"
	# every value in Z, so psql's max(ts) prints the same text
	want=$(gen_times 100000 in.jsonl z)
	[ "$want" = "$(jq -r .ts in.jsonl | sort | tail -n 1)" ]
	# the input arrives through a FIFO, so the load cannot finish first
	mkfifo in.fifo
	pg-load -q -t "$T" -j 2 -b 2000 "$L" --run-id r --watermark .ts <in.fifo 3>&- &
	pid=$!
	exec 5>in.fifo
	head -n 50000 in.jsonl >&5
	for _ in $(seq 200); do
		[ "$(q "select count(*) from $T")" -ge 20000 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	exec 5>&-
	wait "$pid" || true
	n=$(q "select count(*) from $T")
	[ "$n" -ge 20000 ] && [ "$n" -le 50000 ]
	# the watermark is the greatest time of the rows that committed
	run wm_of r
	assert_output "$(q "select to_char(max(ts) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from $T")"
	[ "$output" \< "$want" ]
	run pg-load -q -t "$T" -j 2 -b 2000 "$L" --run-id r --watermark .ts in.jsonl
	assert_success
	run q "select count(*), count(distinct id) from $T"
	assert_output "100000|100000"
	run wm_of r
	assert_output "$want"
}

@test "database rejects and unreadable values do not move the watermark" {
	q "create table $T (id int, ts timestamptz)"
	printf '%s\n' '{"id":1,"ts":"2024-03-01T00:00:00Z"}' \
	    '{"id":"bad","ts":"2024-09-09T00:00:00Z"}' \
	    '{"id":3,"ts":"2024-03-02T00:00:00Z"}' \
	    '{"id":4,"ts":"not a time"}' '{"id":5}' '{"id":6,"ts":true}' \
	    '{"id":7,"ts":"2024-02-01T00:00:00Z"}' >in.jsonl
	run pg-load -q -t "$T" -b 3 "$L" --run-id r --watermark .ts -r rej.jsonl in.jsonl
	assert_success
	run wm_of r
	assert_output 2024-03-02T00:00:00Z
	# database rejects are written when their batch commits: sort
	run bash -c "jq -c '[._error_row, ._error_message]' rej.jsonl | sort"
	assert_output - <<'EOF'
[2,"invalid input syntax for type integer: \"bad\""]
[4,"--watermark: 'not a time' is not a time: expected a date YYYY-MM-DD"]
[5,"--watermark: expected a time string or a number, got null"]
[6,"--watermark: expected a time string or a number, got boolean"]
EOF
	run q "select string_agg(id::text, ',' order by id) from $T"
	assert_output 1,3,7
}

@test "a value of the other kind than the run's first is a reject" {
	q "create table $T (id int, v text)"
	printf '%s\n' '{"id":1,"v":"2024-03-01"}' '{"id":2,"v":20240302}' >in.jsonl
	run pg-load -t "$T" "$L" --run-id r --watermark .v in.jsonl
	assert_failure 65
	assert_line --index 0 "pg-load: row 2: --watermark: got a number, but the run's watermark is a time"
}

@test "--status shows each run's watermark in a last column" {
	q "create table $T (id int, ts timestamptz)"
	printf '%s\n' '{"id":1,"ts":"2024-03-01T00:00:00Z"}' '{"id":2,"ts":"2024-03-05 10:00:00+01"}' >in.jsonl
	pg-load -q -t "$T" "$L" --run-id with in.jsonl --watermark .ts
	pg-load -q -t "$T" "$L" --run-id without in.jsonl
	run pg-load --status "$L"
	assert_success
	assert_line --index 0 "$(printf 'run_id\tstate\ttable\tmode\trows\trejected\tpercent\tstarted\tfinished\twatermark')"
	assert_line --index 1 --regexp "^with	done	\"$T\"	append	2	0	100	[0-9TZ:-]+	[0-9TZ:-]+	2024-03-05 10:00:00\+01\$"
	assert_line --index 2 --regexp "^without	done	\"$T\"	append	2	0	100	[0-9TZ:-]+	[0-9TZ:-]+	\$"
	# a listing where no run has a watermark keeps the nine columns
	run pg-load --status "$L" --run-id without
	assert_success
	assert_line --index 0 "$(printf 'run_id\tstate\ttable\tmode\trows\trejected\tpercent\tstarted\tfinished')"
	assert_line --index 1 --regexp "^without	done	\"$T\"	append	2	0	100	[0-9TZ:-]+	[0-9TZ:-]+\$"
}

@test "--last-watermark prints the greatest watermark of the table's finished runs" {
	q "create table $T (id int, ts timestamptz)"
	printf '%s\n' '{"id":1,"ts":"2024-03-05T00:00:00+01:00"}' >a.jsonl
	printf '%s\n' '{"id":2,"ts":"2024-03-04T23:30:00Z"}' >b.jsonl
	printf '%s\n' '{"id":3,"ts":"2030-01-01T00:00:00Z"}' '{"id":4,"ts":"2024-01-01T00:00:00Z"}' >c.jsonl
	pg-load -q -t "$T" "$L" --run-id a --watermark .ts a.jsonl
	pg-load -q -t "$T" "$L" --run-id b --watermark .ts b.jsonl
	# an unfinished run (stopped by --limit) does not count
	pg-load -q -t "$T" "$L" --run-id c --watermark .ts --limit 1 c.jsonl
	run q "select state || '|' || watermark from ${T}_l where run_id = 'c'"
	assert_output "running|2030-01-01T00:00:00Z"
	# 2024-03-04T23:30:00Z is later than 2024-03-05T00:00:00+01:00
	run_split pg-load --last-watermark -t "$T" "$L"
	assert_success
	assert_output 2024-03-04T23:30:00Z
	assert_equal "$stderr" ""
	# any spelling of the table; one run by --run-id
	run pg-load --last-watermark -t "public.$T" "$L" --run-id a
	assert_success
	assert_output 2024-03-05T00:00:00+01:00
}

@test "--last-watermark exits 1 with a message when there is none" {
	q "create table $T (id int)"
	run_split pg-load --last-watermark -t "$T" "$L"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "pg-load: $T: no watermark: no ledger \"${T}_l\""
	echo '{"id":1}' >in.jsonl
	pg-load -q -t "$T" "$L" --run-id plain in.jsonl
	run_split pg-load --last-watermark -t "$T" "$L"
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "pg-load: $T: no watermark: no finished run recorded one in \"${T}_l\""
	run_split pg-load -q --last-watermark -t "$T" "$L" --run-id nope
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" ""
}

@test "a ledger made before --watermark is upgraded, its runs kept" {
	q "create table $T (id int, ts timestamptz)"
	# the ledger's shape before the watermark column
	q "create table ${T}_l (run_id text primary key, target text not null, mode text not null,
	   input text, input_bytes bigint, batch_size bigint not null, state text not null,
	   started_at timestamptz not null default now(), finished_at timestamptz, rows bigint,
	   rejected bigint);
	   create table ${T}_l_batches (run_id text not null, first_record bigint not null,
	   first_row bigint, last_row bigint, records bigint, loaded bigint, rejected bigint,
	   end_offset bigint, checksum text, committed_at timestamptz not null default clock_timestamp(),
	   primary key (run_id, first_record));
	   create table ${T}_l_parts (run_id text not null, part text not null, primary key (run_id, part));
	   insert into ${T}_l (run_id, target, mode, batch_size, state, finished_at, rows, rejected)
	   values ('old', '\"$T\"', 'append', 10, 'done', now(), 0, 0)"
	run_split pg-load --last-watermark -t "$T" "$L"
	assert_failure 1
	assert_equal "$stderr" "pg-load: $T: no watermark: no watermark column in \"${T}_l\""
	run pg-load --status "$L"
	assert_success
	assert_line --index 0 "$(printf 'run_id\tstate\ttable\tmode\trows\trejected\tpercent\tstarted\tfinished')"
	echo '{"id":1,"ts":"2024-05-01T00:00:00Z"}' >in.jsonl
	run pg-load -q -t "$T" "$L" --run-id new --watermark .ts in.jsonl
	assert_success
	run q "select run_id || '|' || state || '|' || coalesce(watermark, 'NULL') from ${T}_l order by run_id"
	assert_output "$(printf 'new|done|2024-05-01T00:00:00Z\nold|done|NULL')"
	run pg-load --last-watermark -t "$T" "$L"
	assert_output 2024-05-01T00:00:00Z
}

@test "--force loads a run again and records its new watermark" {
	q "create table $T (id int, ts timestamptz)"
	echo '{"id":1,"ts":"2024-05-01T00:00:00Z"}' >in.jsonl
	pg-load -q -t "$T" "$L" --run-id r --watermark .ts in.jsonl
	echo '{"id":1,"ts":"2024-04-01T00:00:00Z"}' >in.jsonl
	run pg-load -q -t "$T" "$L" --run-id r --watermark .ts --force in.jsonl
	assert_success
	run wm_of r
	assert_output 2024-04-01T00:00:00Z
}

@test "--watermark without --ledger is a usage error" {
	run_split pg-load -t "$T" --watermark .ts </dev/null
	assert_failure 64
	assert_equal "$stderr" "$(printf "pg-load: --watermark needs --ledger (the watermark is kept in the ledger's run)\nTry 'pg-load --help' for more information.")"
}

@test "a --watermark that is not a jq expression is a usage error" {
	run_split pg-load -t "$T" --ledger --run-id r --watermark '.ts |' </dev/null
	assert_failure 64
	[[ "$stderr" == "pg-load: --watermark '.ts |': "* ]]
}

@test "--last-watermark without -t, or with --status, is a usage error" {
	run_split pg-load --last-watermark
	assert_failure 64
	[[ "$stderr" == "pg-load: --last-watermark needs -t TABLE"* ]]
	run_split pg-load --last-watermark --status -t x
	assert_failure 64
	[[ "$stderr" == "pg-load: --status and --last-watermark exclude each other"* ]]
}
