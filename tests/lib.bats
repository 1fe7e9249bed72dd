#!/usr/bin/env bats
# The shared library (tools/lib) and the test harness itself.

load test_helper

@test "record reader, writer, annotation and UTF-8 checks pass their unit tests" {
	run "$UNIT/rec_test"
	assert_success
}

@test "the CSV parser passes its unit tests" {
	run "$UNIT/csv_test"
	assert_success
}

@test "exact decimals compare, tell integers and multiples as written down" {
	run "$UNIT/dec_test"
	assert_success
	assert_output ""
}

@test "the pg module's server-free parts pass their unit tests" {
	run "$UNIT/pg_test"
	assert_success
	assert_output ""
}

@test "the throwaway PostgreSQL cluster answers queries" {
	need_pg
	run q "select current_setting('server_encoding'), 6 * 7"
	assert_success
	assert_output "UTF8|42"
}

@test "--progress=N prints a plain line every N records, then the summary" {
	bats_require_minimum_version 1.5.0
	run --separate-stderr bash -c 'seq 1 25 | sed "s/.*/{\"a\":&}/" | dedupe -k .a --drop --progress=10'
	assert_success
	[ "${#stderr_lines[@]}" -eq 3 ]
	[[ "${stderr_lines[0]}" =~ ^dedupe:\ 10\ lines,\ [0-9\ ]+\ lines/s$ ]]
	[[ "${stderr_lines[1]}" =~ ^dedupe:\ 20\ lines, ]]
	[[ "${stderr_lines[2]}" == "dedupe: 25 lines, 25 kept,"* ]]
	[[ "$stderr" != *$'\r'* && "$stderr" != *$'\033'* ]]
	run --separate-stderr bash -c 'printf "a\n1\n2\n3\n" | csv2jsonl --progress=2 >/dev/null'
	[[ "${stderr_lines[0]}" == "csv2jsonl: 2 rows,"* ]]
	run -64 dedupe --drop --progress=0 </dev/null
}
