#!/usr/bin/env bats
# JSONTestSuite (external, in CONFORMANCE_DIR) against the strict JSON
# scanner: every y_ file accepted, every n_ file rejected, every i_ file as
# tests/conformance/i-decisions.txt says. sluice's own cases of the same
# rules are in tests/js.bats and tests/json-strict.bats.

load ../test_helper
bats_require_minimum_version 1.5.0

setup() {
	need_suite JSONTestSuite
}

@test "scanner passes all of JSONTestSuite" {
	run "$UNIT/js_test" "$CONF/json-test-suite/test_parsing" \
	    "$ROOT/tests/conformance/i-decisions.txt"
	assert_success
	assert_line "js_test: 318 suite files: y_ 95/95 accepted, n_ 188/188 rejected, i_ 11 accepted 24 rejected"
	assert_line --regexp '^js_test: [0-9]+ checks, 0 failed$'
}

@test "every i_ file of JSONTestSuite has a decision line" {
	local f
	for f in "$CONF"/json-test-suite/test_parsing/i_*; do
		grep -q "^${f##*/} \(accept\|reject\) ." \
		    "$ROOT/tests/conformance/i-decisions.txt" ||
		    fail "no decision for ${f##*/}"
	done
}
