#!/usr/bin/env bats
# Regressions found by the schema fuzz harness (tests/fuzz/schema_fuzz.c):
# each input that crashed, leaked or broke an invariant, through the real
# jsonl-validate. The same inputs are kept in tests/fuzz/seeds/schema/ so
# `make fuzz` replays them too.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "a \$ref to \"#\" alone is the root schema, a loop reported on the record" {
	# The empty fragment once did pointer arithmetic on NULL (UBSan).
	printf '%s\n' '{"$ref":"#"}' >"$T/s.json"
	run --separate-stderr -65 jsonl-validate -q -s "$T/s.json" <<<'1'
	assert_output ''
	assert_equal "$stderr" \
	    'jsonl-validate: line 1: schema recursion deeper than 2048 ($ref loop)'
}

@test "a \$ref to \"#\" inside a branch reaches the root schema" {
	printf '%s\n' '{"type":["array","null"],"items":{"$ref":"#"}}' \
	    >"$T/s.json"
	printf '%s\n' '[[null],[]]' '[[1]]' >"$T/in"
	run --separate-stderr jsonl-validate -q -s "$T/s.json" \
	    -r "$T/rej" "$T/in"
	assert_success
	assert_output '[[null],[]]'
	run jq -c '[._error_row, ._error_path, ._error_message]' "$T/rej"
	assert_output '[2,"/0/0","expected null or array, got number"]'
}

@test "a keyword given twice is refused, not merged or leaked" {
	for kw in '"pattern":"^a","pattern":"^b"' '"type":"string","type":"number"' \
	    '"required":["a"],"required":["b"]' '"allOf":[true],"allOf":[false]'; do
		printf '{%s}\n' "$kw" >"$T/s.json"
		name=${kw#\"}
		name=${name%%\"*}
		run --separate-stderr -65 jsonl-validate -s "$T/s.json" <<<'"a"'
		assert_output ''
		assert_equal "$stderr" "jsonl-validate: $T/s.json: invalid schema: duplicate keyword \"$name\""
	done
}

@test "a keyword repeated in a nested schema is refused with its location" {
	printf '%s\n' '{"properties":{"a":{"minimum":1,"minimum":2}}}' >"$T/s.json"
	run --separate-stderr -65 jsonl-validate -s "$T/s.json" <<<'{}'
	assert_equal "$stderr" "jsonl-validate: $T/s.json: invalid schema: /properties/a: duplicate keyword \"minimum\""
}

@test "a schema error under a key with a newline stays on one line" {
	printf '%s\n' '{"properties":{"a\nb":{"type":"nope"}}}' >"$T/s.json"
	run --separate-stderr -65 jsonl-validate -s "$T/s.json" <<<'{}'
	assert_equal "$stderr" "jsonl-validate: $T/s.json: invalid schema: /properties/a?b/type: unknown type"
}

@test "a warning about a key with control characters stays on one line" {
	printf '%s\n' '{"a\tb\u001f":1,"type":"number"}' >"$T/s.json"
	run --separate-stderr jsonl-validate -s "$T/s.json" <<<'1'
	assert_success
	assert_output '1'
	assert_equal "${stderr%%$'\n'*}" "jsonl-validate: $T/s.json: warning: /a?b?: unknown keyword \"a?b?\" ignored"
}
