#!/usr/bin/env bats
# pg-load under faults: kill -9 of the loader, and the server stopped or
# restarted mid-load. The ledger must make every re-run end with each
# input row exactly once (count and checksum equal the input's).

load test_helper
bats_require_minimum_version 1.5.0

N=200000

setup_file() {
	[ -n "${PGHOST:-}" ] || return 0
	python3 -c "
import hashlib, sys
n = int(sys.argv[1])
with open(sys.argv[2], 'w') as f:
    for i in range(1, n + 1):
        f.write('{\"id\":%d,\"v\":\"x%d\",\"pad\":\"%s\"}\n' % (i, i, 'p' * (i % 50)))
print(hashlib.md5('|'.join('%d:x%d' % (i, i) for i in range(1, n + 1)).encode()).hexdigest())
" "$N" "$BATS_FILE_TMPDIR/in" > "$BATS_FILE_TMPDIR/md5"
}

setup() {
	need_pg
	T="plf_${BATS_TEST_NUMBER}"
	q "drop table if exists $T, ${T}_k, ${T}_l, ${T}_l_batches, ${T}_l_parts" >/dev/null
	q "create table $T (id bigint, v text, pad text)"
}

# The table holds every input row exactly once.
assert_exactly_once() {
	run q "select count(*), count(distinct id), md5(string_agg(id || ':' || v, '|' order by id)) from $T"
	assert_output "$N|$N|$(cat "$BATS_FILE_TMPDIR/md5")"
}

# pg-load ARGS... < $1 with retries, the server restarted 0.3 s in: it
# rides through, or gives up with 75 and the same command then finishes.
load_through_restart() {
	local in=$1 rc=0 pid
	shift
	pg-load "$@" --retries 8 < "$in" 3>&- &
	pid=$!
	sleep 0.3
	"$ROOT/tests/cluster/pg.sh" restart "$SLUICE_PGDIR" 3>&-
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 75 ]
	if [ "$rc" -eq 75 ]; then
		run pg-load "$@" < "$in"
		assert_success
	fi
}

# 100 000 upserts of 5 000 keys (no key twice in 1 000 records).
upsert_input() {
	python3 -c "
for i in range(1, 100001):
    print('{\"k\":%d,\"v\":%d}' % (i * 7919 % 5000, i))" > "$1"
}

# ${T}_k holds each key's last record of upsert_input.
assert_last_wins() {
	run q "select count(*) || ' ' || sum(k::bigint * v) from ${T}_k"
	assert_output "$(python3 -c "
last = {}
for i in range(1, 100001):
    last[i * 7919 % 5000] = i
print(len(last), sum(k * v for k, v in last.items()))")"
}

@test "kill -9 at several points of a load, then a re-run: 0 lost, 0 doubled" {
	local delay counts=()
	for delay in 0.15 0.3 0.45 0.6; do
		pg-load -q -t "$T" -b 3000 --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in" 3>&- &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		counts+=("$(q "select count(*) from $T")")
	done
	# The first kill landed mid-load.
	[ "${counts[0]}" -lt "$N" ]
	run pg-load -q -t "$T" -b 3000 --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in"
	assert_success
	assert_exactly_once
	run q "select state, rows from ${T}_l"
	assert_output "done|$N"
}

@test "kill -9 of a --jobs 3 load, then a re-run: 0 lost, 0 doubled" {
	pg-load -q -t "$T" -j 3 -b 2000 --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in" 3>&- &
	pid=$!
	sleep 0.3
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	[ "$(q "select count(*) from $T")" -lt "$N" ]
	run pg-load -q -t "$T" -j 3 -b 2000 --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in"
	assert_success
	assert_exactly_once
}

@test "kill -9 of a --jobs 2 upsert, then a re-run: each key holds its last record" {
	q "create table ${T}_k (k int primary key, v int)"
	upsert_input "$BATS_TEST_TMPDIR/in"
	pg-load -q -t "${T}_k" --mode upsert --key-columns k -j 2 -b 1000 --ledger="${T}_l" < "$BATS_TEST_TMPDIR/in" 3>&- &
	pid=$!
	sleep 0.3
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	[ "$(q "select count(*) from ${T}_l_batches")" -lt 100 ]
	run pg-load -q -t "${T}_k" --mode upsert --key-columns k -j 2 -b 1000 --ledger="${T}_l" < "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_last_wins
	run q "select state, rows from ${T}_l"
	assert_output "done|100000"
}

@test "a server restart mid-load is ridden through or resumed exactly once" {
	load_through_restart "$BATS_FILE_TMPDIR/in" -q -t "$T" -b 2000 --ledger="${T}_l"
	assert_exactly_once
}

@test "a server restart mid --jobs 2 upsert is ridden through or resumed: each key holds its last record" {
	q "create table ${T}_k (k int primary key, v int)"
	upsert_input "$BATS_TEST_TMPDIR/in"
	load_through_restart "$BATS_TEST_TMPDIR/in" -q -t "${T}_k" \
	    --mode upsert --key-columns k -j 2 -b 1000 --ledger="${T}_l"
	assert_last_wins
	run q "select state, rows from ${T}_l"
	assert_output "done|100000"
}

@test "a server gone longer than the retries exits 75 and the re-run completes" {
	pg-load -t "$T" -b 2000 --retries 1 --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	sleep 0.3
	"$ROOT/tests/cluster/pg.sh" stop "$SLUICE_PGDIR" 3>&-
	rc=0
	wait "$pid" || rc=$?
	"$ROOT/tests/cluster/pg.sh" start "$SLUICE_PGDIR" 3>&- >/dev/null
	assert_equal "$rc" 75
	run grep -c "pg-load: giving up after 1 retries: 08" "$BATS_TEST_TMPDIR/err"
	assert_output 1
	run pg-load -q -t "$T" -b 2000 --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in"
	assert_success
	assert_exactly_once
}

@test "a server that is down at the start exits 69" {
	"$ROOT/tests/cluster/pg.sh" stop "$SLUICE_PGDIR" 3>&-
	run --separate-stderr pg-load -t "$T" --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in"
	"$ROOT/tests/cluster/pg.sh" start "$SLUICE_PGDIR" 3>&- >/dev/null
	assert_equal "$status" 69
	[[ "$stderr" == "pg-load: cannot connect: "* ]]
}
