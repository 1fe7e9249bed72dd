#!/usr/bin/env bats
# pg-load under faults, checked against the model of tests/gen/pg-model.py:
# for each mode, with -j 1 and -j 2 under --ledger, pg-load is killed with
# -9, the server restarted, or the server crashed (immediate shutdown) at
# a random point, then the same command re-run until it succeeds. The
# table must equal the reference (0 lost, 0 doubled) and the rejects file
# hold each rejected record exactly once. MODEL_FAULT_SEED picks the input
# and the fault times (default 1).

load test_helper
bats_require_minimum_version 1.5.0

fault_matrix() {
	need_pg
	run python3 "$ROOT/tests/gen/pg-model.py" fault "$BATS_TEST_TMPDIR" \
	    --mode "$1" --seed "${MODEL_FAULT_SEED:-1}"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "faults: append resumes exactly once" {
	fault_matrix append
}

@test "faults: upsert resumes exactly once" {
	fault_matrix upsert
}

@test "faults: skip-existing resumes exactly once" {
	fault_matrix skip-existing
}

@test "faults: replace resumes exactly once" {
	fault_matrix replace
}

@test "faults: scd2 resumes exactly once" {
	fault_matrix scd2
}
