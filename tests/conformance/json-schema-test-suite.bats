#!/usr/bin/env bats
# JSON-Schema-Test-Suite (external, in CONFORMANCE_DIR: draft 2020-12 and
# optional/format) through jsonl-validate: every group not in
# tests/conformance/schema-skips.txt runs once, its test datas as
# consecutive JSONL lines written by Python's json; the lines that come out
# on stdout (byte for byte) and in the rejects file (by _error_row) must be
# exactly the valid and the invalid ones. sluice's own table of the same
# keywords and formats is tests/schema-keywords.bats; the whole upstream
# suite (remote references, optional/) runs with
# tests/conformance/full-suite.py, outside make check.

load ../test_helper
bats_require_minimum_version 1.5.0

SUITE="$CONF/json-schema-test-suite/tests/draft2020-12"

setup_file() {
	suite_missing JSON-Schema-Test-Suite >/dev/null && return 0
	python3 "$ROOT/tests/gen/metaschemas.py" "$BATS_FILE_TMPDIR/meta"
	python3 "$ROOT/tests/gen/schema-cases.py" gen "$SUITE" \
	    "$ROOT/tests/conformance/schema-skips.txt" \
	    "$BATS_FILE_TMPDIR/cases" >"$BATS_FILE_TMPDIR/counts"
}

setup() {
	need_suite JSON-Schema-Test-Suite
}

# Run every group of one suite file, then check where each line went.
suite_file() {
	local f=$1 dir="$BATS_FILE_TMPDIR/cases/${1//\//_}" s b
	shopt -s nullglob
	for s in "$dir"/*.schema.json; do
		b=${s%.schema.json}
		jsonl-validate -q -s "$s" --schema-dir "$BATS_FILE_TMPDIR/meta" \
		    -r "$b.rej" <"$b.data.jsonl" \
		    >"$b.out" 2>"$b.err" ||
		    { echo "$b: exit $?: $(cat "$b.err")"; return 1; }
	done
	python3 "$ROOT/tests/gen/schema-cases.py" check \
	    "$BATS_FILE_TMPDIR/cases" "$f"
}

@test "all of the suite's 1172 cases are in scope (no group skipped)" {
	run cat "$BATS_FILE_TMPDIR/counts"
	assert_output "1172 0 0"
}

@test "the suite's 33 keyword and 9 format files are all present" {
	run python3 "$ROOT/tests/gen/schema-cases.py" files "$SUITE"
	assert_success
	assert_equal "${#lines[@]}" 42
}

@test "suite additionalProperties.json: every in-scope case passes" {
	run suite_file additionalProperties.json
	assert_success
}

@test "suite allOf.json: every in-scope case passes" {
	run suite_file allOf.json
	assert_success
}

@test "suite anyOf.json: every in-scope case passes" {
	run suite_file anyOf.json
	assert_success
}

@test "suite boolean_schema.json: every in-scope case passes" {
	run suite_file boolean_schema.json
	assert_success
}

@test "suite const.json: every in-scope case passes" {
	run suite_file const.json
	assert_success
}

@test "suite default.json: every in-scope case passes" {
	run suite_file default.json
	assert_success
}

@test "suite defs.json: every in-scope case passes" {
	run suite_file defs.json
	assert_success
}

@test "suite dependentRequired.json: every in-scope case passes" {
	run suite_file dependentRequired.json
	assert_success
}

@test "suite enum.json: every in-scope case passes" {
	run suite_file enum.json
	assert_success
}

@test "suite exclusiveMaximum.json: every in-scope case passes" {
	run suite_file exclusiveMaximum.json
	assert_success
}

@test "suite exclusiveMinimum.json: every in-scope case passes" {
	run suite_file exclusiveMinimum.json
	assert_success
}

@test "suite if-then-else.json: every in-scope case passes" {
	run suite_file if-then-else.json
	assert_success
}

@test "suite items.json: every in-scope case passes" {
	run suite_file items.json
	assert_success
}

@test "suite maxItems.json: every in-scope case passes" {
	run suite_file maxItems.json
	assert_success
}

@test "suite maxLength.json: every in-scope case passes" {
	run suite_file maxLength.json
	assert_success
}

@test "suite maxProperties.json: every in-scope case passes" {
	run suite_file maxProperties.json
	assert_success
}

@test "suite maximum.json: every in-scope case passes" {
	run suite_file maximum.json
	assert_success
}

@test "suite minItems.json: every in-scope case passes" {
	run suite_file minItems.json
	assert_success
}

@test "suite minLength.json: every in-scope case passes" {
	run suite_file minLength.json
	assert_success
}

@test "suite minProperties.json: every in-scope case passes" {
	run suite_file minProperties.json
	assert_success
}

@test "suite minimum.json: every in-scope case passes" {
	run suite_file minimum.json
	assert_success
}

@test "suite multipleOf.json: every in-scope case passes" {
	run suite_file multipleOf.json
	assert_success
}

@test "suite not.json: every in-scope case passes" {
	run suite_file not.json
	assert_success
}

@test "suite oneOf.json: every in-scope case passes" {
	run suite_file oneOf.json
	assert_success
}

@test "suite pattern.json: every in-scope case passes" {
	run suite_file pattern.json
	assert_success
}

@test "suite patternProperties.json: every in-scope case passes" {
	run suite_file patternProperties.json
	assert_success
}

@test "suite prefixItems.json: every in-scope case passes" {
	run suite_file prefixItems.json
	assert_success
}

@test "suite properties.json: every in-scope case passes" {
	run suite_file properties.json
	assert_success
}

@test "suite propertyNames.json: every in-scope case passes" {
	run suite_file propertyNames.json
	assert_success
}

@test "suite ref.json: every in-scope case passes" {
	run suite_file ref.json
	assert_success
}

@test "suite required.json: every in-scope case passes" {
	run suite_file required.json
	assert_success
}

@test "suite type.json: every in-scope case passes" {
	run suite_file type.json
	assert_success
}

@test "suite uniqueItems.json: every in-scope case passes" {
	run suite_file uniqueItems.json
	assert_success
}

@test "suite optional/format/date-time.json: every in-scope case passes" {
	run suite_file optional/format/date-time.json
	assert_success
}

@test "suite optional/format/date.json: every in-scope case passes" {
	run suite_file optional/format/date.json
	assert_success
}

@test "suite optional/format/duration.json: every in-scope case passes" {
	run suite_file optional/format/duration.json
	assert_success
}

@test "suite optional/format/email.json: every in-scope case passes" {
	run suite_file optional/format/email.json
	assert_success
}

@test "suite optional/format/ipv4.json: every in-scope case passes" {
	run suite_file optional/format/ipv4.json
	assert_success
}

@test "suite optional/format/ipv6.json: every in-scope case passes" {
	run suite_file optional/format/ipv6.json
	assert_success
}

@test "suite optional/format/time.json: every in-scope case passes" {
	run suite_file optional/format/time.json
	assert_success
}

@test "suite optional/format/uri.json: every in-scope case passes" {
	run suite_file optional/format/uri.json
	assert_success
}

@test "suite optional/format/uuid.json: every in-scope case passes" {
	run suite_file optional/format/uuid.json
	assert_success
}
