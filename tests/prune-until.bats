#!/usr/bin/env bats
# prune --until TIME: the window's end included, for an incremental run
# that must skip the records at the watermark (already loaded).

load test_helper
bats_require_minimum_version 1.5.0

T=(--time '.occurred_at // .created_at')
EV="$FIX/prune-events.jsonl"

ids() {
	for i in "$@"; do sed -n "${i}p" "$EV"; done
}

@test "--until prunes at or before the time, at nanosecond precision" {
	run --separate-stderr prune "${T[@]}" --until 2024-03-01T00:00:00Z --drop "$EV"
	assert_success
	assert_output "$(ids 5 6)"
	[[ "$stderr" == "prune: 6 lines, 2 kept, 0 rejected, 4 dropped, "* ]]
}

@test "--until differs from --before only at the time itself" {
	run prune -q "${T[@]}" --before 2024-03-01T00:00:00Z --drop "$EV"
	assert_output "$(ids 4 5 6)"
	run prune -q "${T[@]}" --until 2024-03-01T00:00:00Z --drop "$EV"
	assert_output "$(ids 5 6)"
}

@test "--after A --until B prunes [A, B], and A = B is a window of one instant" {
	run prune -q "${T[@]}" --after 2024-02-01T00:00:00Z --until 2024-03-01T00:00:00Z \
	    --pruned "$BATS_TEST_TMPDIR/p" "$EV"
	assert_success
	assert_output "$(ids 1 5 6)"
	run cat "$BATS_TEST_TMPDIR/p"
	assert_output "$(ids 2 3 4)"
	run prune -q "${T[@]}" --after 2024-03-01T00:00:00Z --until 2024-03-01T00:00:00Z --drop "$EV"
	assert_success
	assert_output "$(ids 1 2 3 5 6)"
}

@test "--until with --before or --older-than is a usage error" {
	run --separate-stderr prune "${T[@]}" --until 2024-03-01 --before 2024-03-01 --drop "$EV"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "prune: --before: the window already has that bound"
	run --separate-stderr prune "${T[@]}" --after 2024-03-02 --until 2024-03-01 --drop "$EV"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "prune: the window is empty: its start is not before its end"
}

@test "table mode: --until deletes rows at or before the time" {
	need_pg
	q "drop table if exists pu_ev; create table pu_ev (id int primary key, t timestamptz)"
	q "insert into pu_ev select i, '2024-03-01T00:00:00Z'::timestamptz + (i - 3) * interval '1 microsecond'
	   from generate_series(1, 5) i"
	run prune -q -t pu_ev --column t --until 2024-03-01T00:00:00Z
	assert_success
	run q "select string_agg(id::text, ',' order by id) from pu_ev"
	assert_output 4,5
}
