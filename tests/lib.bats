#!/usr/bin/env bats
# The shared library (tools/lib) and the test harness itself.

load test_helper

@test "record reader, writer, annotation and UTF-8 checks pass their unit tests" {
	run "$UNIT/rec_test"
	assert_success
}

@test "the throwaway PostgreSQL cluster answers queries" {
	need_pg
	run q "select current_setting('server_encoding'), 6 * 7"
	assert_success
	assert_output "UTF8|42"
}
