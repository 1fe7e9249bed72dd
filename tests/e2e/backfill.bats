#!/usr/bin/env bats
# scripts/sluice-backfill: sharded, parallel, resumable backfill of a JSON
# Lines file; a normal run, a kill and re-run (exactly once), and the
# --sshlogin path through a local ssh stand-in (tests/e2e/sshstub).

load ../test_helper
load sums

table_sum() { events_sum w1_events; }
bats_require_minimum_version 1.5.0

setup_file() {
	export D="$BATS_FILE_TMPDIR/data"
	mkdir -p "$D"
	python3 "$ROOT/tests/gen/e2e-events.py" 4000 "$D"
	# dedupe by (session_id, event_type, time): the generator's repeats are
	# exact copies, so the distinct canonical rows are what must load
	sort -u "$D/expect.rows" >"$D/expect.unique"
}

setup() {
	need_pg
	need_program parallel
	cd "$BATS_TEST_TMPDIR"
	psql -X -q -v ON_ERROR_STOP=1 -f "$FIX/e2e-events.sql" 2>/dev/null
	BF=("$ROOT/scripts/sluice-backfill" -f "$D/events.jsonl" -t w1_events
	    -k '[.session_id, .event_type, (.occurred_at // .created_at)]'
	    --require .event_type --require '(.event_type // "") != ""'
	    --require '.occurred_at // .created_at'
	    --map created_at='.occurred_at // .created_at'
	    --time '.occurred_at // .created_at' --column created_at
	    --ledger w1_ledger --run-id bf -w work --shards 4)
}

@test "sluice-backfill --help prints the usage and an example" {
	run "$ROOT/scripts/sluice-backfill" --help
	assert_success
	assert_line --partial "usage: sluice-backfill -f FILE -t TABLE -k KEY -w WORKDIR"
	assert_line --partial "example:"
	run -64 "$ROOT/scripts/sluice-backfill" -f x
}

@test "a backfill loads each distinct valid record once and reports where every row went" {
	run "${BF[@]}" -j 2 -b 500
	assert_success
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
	bad=$(wc -l <"$D/expect.bad")
	dup=$(( $(wc -l <"$D/expect.rows") - $(wc -l <"$D/expect.unique") ))
	run "${BF[@]}" -j 2 -b 500
	assert_success
	assert_line "sluice-backfill: 4000 rows in, $(wc -l <"$D/expect.unique") loaded, $bad rejected, $dup duplicates"
	assert_line --regexp '^ +[0-9]+ --require \.event_type: null or missing$'
	assert_line --regexp "^total +$(wc -l <"$D/expect.unique") +$(wc -l <"$D/expect.unique")\$"
	refute_output --partial MISMATCH
	# the re-run loaded nothing twice
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
}

@test "a backfill killed with SIGKILL mid-run completes exactly once when re-run" {
	setsid "${BF[@]}" -j 2 -b 5 >first.out 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		n=$(q 'SELECT count(*) FROM w1_events')
		[ "$n" -ge 100 ] && break
		sleep 0.05
	done
	kill -9 -- -"$pid" 2>/dev/null || true
	wait "$pid" || true
	n=$(q 'SELECT count(*) FROM w1_events')
	echo "rows at the kill: $n" >&3
	[ "$n" -lt "$(wc -l <"$D/expect.unique")" ] || skip "the run finished before the kill"
	run "${BF[@]}" -j 2 -b 5
	assert_success
	refute_output --partial MISMATCH
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
}

@test "the --sshlogin path runs the shard jobs through ssh (a local stand-in)" {
	export SSHSTUB_LOG="$BATS_TEST_TMPDIR/hosts"
	run "${BF[@]}" -j 1 -b 500 --ssh "$ROOT/tests/e2e/sshstub" \
	    --sshlogin 2/fakehost-a --sshlogin 1/fakehost-b
	assert_success
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
	run pg-load --status --ledger=w1_ledger
	[ "$(grep -c '^bf-part-0000[1-4]	done	' <<<"$output")" -eq 4 ]
	# the shard jobs went through the stand-in, to both hosts
	run sort -u "$SSHSTUB_LOG"
	assert_output "$(printf 'fakehost-a\nfakehost-b')"
}

@test "a shard job that never ran fails the backfill instead of passing as empty" {
	# an "ssh" that connects to nothing and reports success
	run "${BF[@]}" -j 1 -b 500 --ssh true --sshlogin 1/nowhere
	assert_failure 1
	assert_output --partial "sluice-backfill: shard part-00001 did not run"
	refute_output --partial "rows in"
}

@test "pg-load processes that create the same ledger at once all succeed" {
	for i in 1 2 3 4; do
		python3 -c 'import sys; print("{\"id\":%s,\"event_type\":\"x\",\"created_at\":\"2024-01-01T00:00:00Z\"}" % sys.argv[1])' "$i" >in$i.jsonl
	done
	for i in 1 2 3 4; do
		pg-load -q -t w1_events --ledger=w1_ledger --run-id race-$i in$i.jsonl 2>err$i &
	done
	fails=0
	for i in 1 2 3 4; do wait %$i || fails=$((fails + 1)); done
	cat err* >&3
	[ "$fails" -eq 0 ]
	run q 'SELECT count(*) FROM w1_events'
	assert_output 4
}
