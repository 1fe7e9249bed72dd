#!/usr/bin/env bats
# jqx: the jq expression module (tools/lib/jqx.c), through its unit test.
load test_helper

@test "expression cases give jq's values, errors and compile messages" {
	run "$UNIT/jqx_test" "$FIX"
	assert_success
	assert_line --partial "73 cases, 6 compile errors"
}

@test "fast path and libjq agree on every expression of the corpus on every record" {
	run "$UNIT/jqx_test" "$FIX"
	assert_success
	assert_line "jqx_test: differential: 75 expressions x 34 records = 2550 pairs (1628 values, 922 errors), 0 differ"
}

@test "the differential corpus is at least 40 expressions by 30 records" {
	run grep -cv -e '^#' -e '^$' "$FIX/jqx-exprs.txt"
	assert_success
	[ "$output" -ge 40 ]
	run grep -c . "$FIX/jqx-records.jsonl"
	[ "$output" -ge 30 ]
}

@test "every corpus record is valid JSON to an independent parser" {
	run python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    json.loads(line)
print("ok")' "$FIX/jqx-records.jsonl"
	assert_success
	assert_output ok
}
