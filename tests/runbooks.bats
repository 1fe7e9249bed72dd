#!/usr/bin/env bats
# scripts/sluice-verify and scripts/sluice-backfill: every period the C
# tools take (quarter and year included, in UTC and a named zone),
# checked before anything is loaded, and one connection for every step
# (--dsn, else DATABASE_URL, else PG*), psql included.

load test_helper
bats_require_minimum_version 1.5.0

# Events around the quarter and year changes of UTC and Europe/Paris.
events() {
	printf '%s\n' \
	    '{"id":1,"t":"2024-03-31T21:59:59Z"}' '{"id":2,"t":"2024-03-31T22:00:00Z"}' \
	    '{"id":3,"t":"2024-09-30T23:59:59Z"}' '{"id":4,"t":"2024-12-31T22:59:59Z"}' \
	    '{"id":5,"t":"2024-12-31T23:00:00Z"}' '{"id":6,"t":"2025-01-01T00:00:00Z"}'
}

setup() {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	events >ev.jsonl
	q "drop table if exists rb_events; create table rb_events (id bigint, t timestamptz not null)"
	VERIFY="$ROOT/scripts/sluice-verify"
	BACKFILL="$ROOT/scripts/sluice-backfill"
}

loaded() {
	pg-load -q -t rb_events ev.jsonl
}

@test "sluice-verify --period quarter and --period year, in UTC" {
	loaded
	run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period quarter
	assert_success
	assert_output - <<'EOF'
quarter                        file        table
2024-01-01T00:00:00Z              2            2
2024-07-01T00:00:00Z              1            1
2024-10-01T00:00:00Z              2            2
2025-01-01T00:00:00Z              1            1
total                             6            6
EOF
	run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period year
	assert_success
	assert_output - <<'EOF'
year                           file        table
2024-01-01T00:00:00Z              5            5
2025-01-01T00:00:00Z              1            1
total                             6            6
EOF
}

@test "sluice-verify --tz Europe/Paris: quarters and years of the zone, file and table alike" {
	loaded
	run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period quarter --tz Europe/Paris
	assert_success
	assert_output - <<'EOF'
quarter                        file        table
2023-12-31T23:00:00Z              1            1
2024-03-31T22:00:00Z              1            1
2024-09-30T22:00:00Z              2            2
2024-12-31T23:00:00Z              2            2
total                             6            6
EOF
	run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period year --tz Europe/Paris
	assert_success
	assert_output - <<'EOF'
year                           file        table
2023-12-31T23:00:00Z              4            4
2024-12-31T23:00:00Z              2            2
total                             6            6
EOF
	# a row missing from the table is a mismatch in its zone's quarter
	q "delete from rb_events where id = 2"
	run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period quarter --tz Europe/Paris
	assert_failure 1
	assert_line "2024-03-31T22:00:00Z              1            0  MISMATCH"
}

@test "sluice-verify refuses an unknown period" {
	run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period fortnight
	assert_failure 64
	assert_equal "$stderr" "sluice-verify: --period: unknown period 'fortnight'"
}

@test "sluice-backfill --period quarter and year verify after the load, UTC and --tz" {
	need_program parallel
	run --separate-stderr "$BACKFILL" ev.jsonl -t rb_events -k .id --time .t --column t \
	    --period year --ledger rb_ledger --run-id rb -w work --shards 2
	assert_success
	assert_line "2024-01-01T00:00:00Z              5            5"
	assert_line "total                             6            6"
	run --separate-stderr "$BACKFILL" ev.jsonl -t rb_events -k .id --time .t --column t \
	    --period quarter --tz Europe/Paris --ledger rb_ledger --run-id rb -w work --shards 2
	assert_success
	assert_line "2024-12-31T23:00:00Z              2            2"
	assert_equal "$(q 'select count(*) from rb_events')" 6
}

@test "sluice-backfill refuses a bad --period or --tz before loading anything" {
	run --separate-stderr "$BACKFILL" ev.jsonl -t rb_events -k .id --time .t --column t \
	    --period fortnight -w work
	assert_failure 64
	assert_equal "$stderr" "sluice-backfill: --period: 'fortnight' is not minute, hour, day, week, month, quarter or year"
	run --separate-stderr "$BACKFILL" ev.jsonl -t rb_events -k .id --time .t --column t \
	    --period year --tz Mars/Olympus -w work
	assert_failure 64
	assert_equal "$stderr" "sluice-backfill: --tz: unknown time zone 'Mars/Olympus'"
	assert_equal "$(q 'select count(*) from rb_events')" 0
	[ ! -e work/shards.list ]
}

# The throwaway cluster as a URL, then PG* pointed at nothing.
url_only() {
	export DATABASE_URL="postgresql://$PGUSER@/$PGDATABASE?host=$PGHOST&port=$PGPORT"
	export PGHOST="$BATS_TEST_TMPDIR/no-server-here" PGPORT=1
}

@test "sluice-verify with only DATABASE_URL talks to the server pg-load uses" {
	loaded
	(
		url_only
		run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period year
		assert_success
		assert_line "total                             6            6"
	)
}

@test "sluice-backfill with only DATABASE_URL loads and verifies on that server" {
	need_program parallel
	(
		url_only
		run --separate-stderr "$BACKFILL" ev.jsonl -t rb_events -k .id --time .t \
		    --column t --period month --ledger rb_ledger --run-id rb-url -w work --shards 2
		assert_success
		assert_line "total                             6            6"
	)
	assert_equal "$(q 'select count(*) from rb_events')" 6
}

@test "--dsn wins over DATABASE_URL in sluice-verify" {
	loaded
	(
		dsn="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"
		url_only
		export DATABASE_URL="postgresql://nobody@/none?host=$BATS_TEST_TMPDIR/nothing"
		run --separate-stderr "$VERIFY" ev.jsonl --time .t -t rb_events --column t --period year --dsn "$dsn"
		assert_success
		assert_line "total                             6            6"
	)
}

@test "sluice-verify keeps its temporary files private and removes them" {
	loaded
	mkdir tmp
	mkfifo in.fifo
	umask 022
	TMPDIR=$PWD/tmp "$VERIFY" in.fifo --time .t -t rb_events --column t >out 2>&1 &
	pid=$!
	exec 4>in.fifo
	sleep 1
	# while it reads the file: its directory and what is in it so far
	find tmp -mindepth 1 -printf '%m %p\n' >modes
	events >&4
	exec 4>&-
	wait "$pid"
	cat modes out
	[ -s modes ]
	run grep -v '^[67]00 ' modes
	assert_output ""
	[ -z "$(ls -A tmp)" ]
}
