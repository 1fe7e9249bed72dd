#!/usr/bin/env bats
# The strict JSON scanner (tools/lib/js.c): its unit tables and limits.
# The same rules through a tool: tests/json-strict.bats; JSONTestSuite:
# tests/conformance/json-test-suite.bats.

load test_helper
bats_require_minimum_version 1.5.0

@test "scanner passes its unit tables" {
	run "$UNIT/js_test"
	assert_success
	assert_output --regexp '^js_test: [0-9]+ checks, 0 failed$'
}

@test "100000 nested arrays are rejected at the depth limit, quickly" {
	python3 -c 'import sys; sys.stdout.write("[" * 100000)' \
	    > "$BATS_TEST_TMPDIR/deep.json"
	run -1 timeout 2 "$UNIT/js_test" -f "$BATS_TEST_TMPDIR/deep.json"
	assert_output "col 257: nesting deeper than 256"
}

@test "256 nested arrays are accepted and 257 are not" {
	python3 -c 'import sys; sys.stdout.write("[" * 256 + "]" * 256)' \
	    > "$BATS_TEST_TMPDIR/256.json"
	python3 -c 'import sys; sys.stdout.write("[" * 257 + "]" * 257)' \
	    > "$BATS_TEST_TMPDIR/257.json"
	run "$UNIT/js_test" -f "$BATS_TEST_TMPDIR/256.json"
	assert_success
	assert_output "ok"
	run -1 "$UNIT/js_test" -f "$BATS_TEST_TMPDIR/257.json"
	assert_output "col 257: nesting deeper than 256"
}

@test "a NUL byte after a number is trailing data, not the end" {
	run -1 "$UNIT/js_test" -f "$FIX/js-number-then-nul.json"
	assert_output "col 4: trailing characters after the value"
}

@test "a BOM is rejected by the scanner itself" {
	run -1 "$UNIT/js_test" -f "$FIX/js-bom-object.json"
	assert_output "col 1: byte order mark not allowed here"
}

@test "a 10 MB text with long strings is scanned" {
	python3 -c '
import json
print(json.dumps({"s": "ab\u00e9\"\\" * 2000000, "a": list(range(100000))}, ensure_ascii=False))' \
	    > "$BATS_TEST_TMPDIR/ten.json"
	run "$UNIT/js_test" -f "$BATS_TEST_TMPDIR/ten.json"
	assert_success
	assert_output "ok"
}
