#!/usr/bin/env bats
# jsonl-validate: JSON, JSON Schema, --require and --assert checks on JSON
# Lines. The keyword-by-keyword conformance run is tests/conformance/json-schema-test-suite.bats.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	SESSIONS_RULES=(-s "$FIX/validate-sessions.schema.json"
	    --row-field _row
	    --assert '.rating >= 1 and .rating <= 5'
	    --message 'rating must be 1 to 5'
	    --assert '.cefr | test("^[ABC][12]$")'
	    --message 'cefr must be A1 to C2')
}

# schema TEXT: write a schema file $T/s.json
schema() {
	printf '%s\n' "$1" >"$T/s.json"
}

# --- passing records -------------------------------------------------------

@test "a record that matches the schema passes byte for byte" {
	schema '{"type":"object","properties":{"id":{"type":"integer"},"x":{"type":"number"}}}'
	printf '%s\n' '{"id":12345678901234567890,"x":1.0,"s":"\u00e9\/","z":-0}' \
	    '{ "id" : 1E2 , "x":0.10 }' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" "$T/in"
	assert_success
	assert_output "$(cat "$T/in")"
}

@test "a record passes when every --require and --assert holds" {
	run jsonl-validate -q --require .a --assert '.b > 1' <<<'{"a":0,"b":2}'
	assert_success
	assert_output '{"a":0,"b":2}'
}

# --- rejects ---------------------------------------------------------------

@test "without --rejects the first bad record stops with exit 65 and line, path and reason" {
	schema '{"properties":{"user_id":{"type":"string"}}}'
	printf '%s\n' '{"user_id":"u1"}' '{"user_id":42}' '{"user_id":"u3"}' >"$T/in"
	run --separate-stderr jsonl-validate -s "$T/s.json" "$T/in"
	[ "$status" -eq 65 ]
	assert_output '{"user_id":"u1"}'
	[ "${stderr_lines[0]}" = "jsonl-validate: line 2: /user_id: expected string, got number" ]
}

@test "a rejected object keeps its members and gains _error_row, _error_message, _error_path, _error_schema_path, _error_tool" {
	schema '{"properties":{"user_id":{"type":"string"}}}'
	printf '%s\n' '{"user_id":"u1"}' '{"user_id":42,"n":1.50}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"user_id":"u1"}'
	run cat "$T/rej"
	assert_output '{"user_id":42,"n":1.50,"_error_row":2,"_error_message":"expected string, got number","_error_path":"/user_id","_error_schema_path":"/properties/user_id/type","_error_tool":"jsonl-validate"}'
}

@test "a line that is not JSON is rejected with its column and _raw" {
	printf '%s\n' '{"a":1}' '{"a":"abc' >"$T/in"
	run jsonl-validate -q --require .a -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"a":1}'
	run cat "$T/rej"
	assert_output '{"_error_row":2,"_error_message":"invalid JSON at column 6: unterminated string","_error_tool":"jsonl-validate","_raw":"{\"a\":\"abc"}'
}

@test "a record that is not an object and fails is wrapped with _raw" {
	schema '{"type":"object"}'
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" <<<'[1,2]'
	assert_success
	assert_output ''
	run cat "$T/rej"
	assert_output '{"_error_row":1,"_error_message":"expected object, got array","_error_path":"","_error_schema_path":"/type","_error_tool":"jsonl-validate","_raw":"[1,2]"}'
}

@test "each failing keyword names itself in a short message at the instance's JSON pointer" {
	cat >"$T/s.json" <<'EOF'
{"type":"object","minProperties":1,"additionalProperties":false,
 "required":["kind"],
 "dependentRequired":{"a/b~c":["n"]},
 "properties":{
  "tags":{"type":"array","items":{"type":"string"},"uniqueItems":true,"maxItems":3},
  "a/b~c":{"type":"string","maxLength":2},
  "kind":{"oneOf":[{"const":"x"},{"const":"y"}]},
  "n":{"type":"number","multipleOf":0.5,"exclusiveMaximum":10},
  "id":{"type":"string","format":"uuid"},
  "name":{"pattern":"^\\p{Letter}+$"},
  "c":{"const":"x"},
  "e":{"enum":[1,"two"]}}}
EOF
	cat >"$T/in" <<'EOF'
{"kind":"x","tags":["a","b",3]}
{"kind":"x","tags":["a","b","a"]}
{"kind":"x","tags":["a","b","c","d"]}
{"kind":"x","a/b~c":"日本語","n":1}
{"kind":"x","a/b~c":"日本"}
{"kind":"z"}
{"kind":"x","n":1.25}
{"kind":"x","n":10}
{"kind":"x","id":"0000"}
{"kind":"x","name":"Zoë"}
{"kind":"x","name":"a1"}
{"kind":"x","extra":1}
{}
{"n":1}
{"kind":"x","c":"y"}
{"kind":"x","e":"three"}
EOF
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"kind":"x","name":"Zoë"}'
	run python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["_error_row"], r["_error_path"], r["_error_message"])' "$T/rej"
	assert_output - <<'EOF'
1 /tags/2 expected string, got number
2 /tags items 0 and 2 are equal
3 /tags expected at most 3 items, got 4
4 /a~1b~0c longer than 2 characters
5  property "n" is required when "a/b~c" is present
6 /kind does not match any schema of oneOf
7 /n must be a multiple of 0.5
8 /n must be < 10
9 /id not a valid uuid
11 /name does not match pattern ^\p{Letter}+$
12  property "extra" is not allowed
13  expected at least 1 properties, got 0
14  missing required property "kind"
15 /c must equal "x"
16 /e "three" is not one of the allowed values
EOF
}

# --- bad input -------------------------------------------------------------

@test "a NUL byte in a line makes it a reject, never a truncated record" {
	printf '{"a":"x\0y"}\n{"a":2}\n' >"$T/in"
	run jsonl-validate -q --require .a -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"a":2}'
	run cat "$T/rej"
	assert_output '{"_error_row":1,"_error_message":"invalid JSON at column 8: unescaped control character in string","_error_tool":"jsonl-validate","_raw":"{\"a\":\"x\u0000y\"}"}'
}

@test "invalid UTF-8 is rejected with U+FFFD in _raw and the exact bytes in _raw_base64" {
	printf '{"a":"\xff"}\n' >"$T/in"
	run jsonl-validate -q --require .a -r "$T/rej" "$T/in"
	assert_success
	assert_output ''
	run cat "$T/rej"
	assert_output '{"_error_row":1,"_error_message":"invalid JSON at column 7: invalid UTF-8","_error_tool":"jsonl-validate","_raw":"{\"a\":\"�\"}","_raw_base64":"eyJhIjoi/yJ9"}'
}

@test "a 10 MB line passes byte for byte" {
	python3 -c 'import sys; sys.stdout.write("{\"id\":1,\"blob\":\"" + "x" * 10485760 + "\"}\n")' >"$T/in"
	schema '{"properties":{"blob":{"type":"string","minLength":10485760}}}'
	jsonl-validate -q -s "$T/s.json" "$T/in" >"$T/out"
	cmp "$T/in" "$T/out"
}

@test "a line longer than --max-line is a reject, not a crash" {
	python3 -c 'print("{\"blob\":\"" + "x" * 2000 + "\"}"); print("{\"a\":1}")' >"$T/in"
	run jsonl-validate -q --require 1 --max-line 1K -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"a":1}'
	run python3 -c 'import json,sys; r = json.loads(open(sys.argv[1]).read()); print(r["_error_row"], r["_error_message"])' "$T/rej"
	assert_output '1 line longer than --max-line (1024 bytes); _raw holds its start'
}

@test "nesting 100000 deep is rejected by the depth limit" {
	python3 -c 'print("[" * 100000)' >"$T/in"
	run jsonl-validate -q --require . -r "$T/rej" "$T/in"
	assert_success
	run python3 -c 'import json,sys; r = json.loads(open(sys.argv[1]).read()); print(r["_error_row"], r["_error_message"], len(r["_raw"]))' "$T/rej"
	assert_output '1 invalid JSON at column 257: nesting deeper than 256 100000'
}

@test "an empty file passes nothing and exits 0" {
	: >"$T/in"
	run --separate-stderr jsonl-validate --require .a "$T/in"
	assert_success
	assert_output ''
	[[ "$stderr" == "jsonl-validate: 0 lines, 0 passed, 0 rejected, "* ]]
}

@test "a last line without a newline is a record" {
	printf '{"a":1}\n{"a":2}' >"$T/in"
	run jsonl-validate -q --require .a "$T/in"
	assert_success
	assert_output "$(printf '{"a":1}\n{"a":2}')"
}

@test "CRLF line ends are accepted and a passed record ends in LF" {
	printf '{"a":1}\r\n{"a":2}\r\n' >"$T/in"
	jsonl-validate -q --require .a "$T/in" >"$T/out"
	printf '{"a":1}\n{"a":2}\n' | cmp - "$T/out"
}

@test "blank lines are skipped, counted, and do not shift line numbers" {
	printf '{"a":1}\n\n   \n{"b":1}\n' >"$T/in"
	run --separate-stderr jsonl-validate --require .a -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"a":1}'
	[[ "$stderr" == "jsonl-validate: 2 lines, 1 passed, 1 rejected, 2 blank, "* ]]
	run cat "$T/rej"
	assert_output '{"b":1,"_error_row":4,"_error_message":"--require .a: null or missing","_error_tool":"jsonl-validate"}'
}

# --- numbers ---------------------------------------------------------------

@test "1.0 is an integer and passes unchanged" {
	schema '{"type":"integer"}'
	printf '%s\n' '1.0' '1e2' '1.5' '-0' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '1.0\n1e2\n-0')"
	run cat "$T/rej"
	assert_output '{"_error_row":3,"_error_message":"expected integer, got number","_error_path":"","_error_schema_path":"/type","_error_tool":"jsonl-validate","_raw":"1.5"}'
}

@test "integers beyond 2^53 are compared exactly, from their digits" {
	schema '{"anyOf":[{"const":9007199254740993},{"maximum":-18446744073709551616}]}'
	printf '%s\n' 9007199254740993 9007199254740992 9007199254740993.0 \
	    -18446744073709551617 -18446744073709551615 >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '9007199254740993\n9007199254740993.0\n-18446744073709551617')"
}

@test "enum and const compare by value: 1 equals 1.0, false is not 0" {
	schema '{"enum":[1,false,{"a":[2.0]}]}'
	printf '%s\n' 1.0 10e-1 0 false '{"a":[2]}' '{"a":[2,3]}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '1.0\n10e-1\nfalse\n{"a":[2]}')"
}

@test "multipleOf is exact for decimals and never crashes on huge values" {
	schema '{"multipleOf":0.0001}'
	printf '%s\n' 0.0075 0.00751 1e308 1e400 12345678901234567890.1234 >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '0.0075\n1e308\n1e400\n12345678901234567890.1234')"
	schema '{"type":"integer","multipleOf":0.123456789}'
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" <<<'1e308'
	assert_success
	assert_output ''
}

# --- strings ---------------------------------------------------------------

@test "minLength and maxLength count code points" {
	schema '{"minLength":2,"maxLength":2}'
	printf '%s\n' '"日本"' '"💩💩"' '"\ud83d\udca9\u00e9"' '"日"' '"abc"' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '"日本"\n"💩💩"\n"\\ud83d\\udca9\\u00e9"')"
}

@test "patterns are unanchored ECMA-262 with Unicode classes" {
	schema '{"pattern":"^\\p{Lu}\\p{Letter}*$|b$"}'
	printf '%s\n' '"Émile"' '"ab"' '"émile"' '"b\n"' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '"Émile"\n"ab"')"
}

@test "formats date-time, date, time, email, uuid, ipv4, ipv6, uri and duration are asserted" {
	cat >"$T/s.json" <<'EOF'
{"prefixItems":[{"format":"date-time"},{"format":"date"},{"format":"time"},
 {"format":"email"},{"format":"uuid"},{"format":"ipv4"},{"format":"ipv6"},
 {"format":"uri"},{"format":"duration"}]}
EOF
	cat >"$T/in" <<'EOF'
["2024-02-29T23:59:60Z","2024-02-29","10:00:00+02:00","a.b@example.com","2f1c7a3e-0b5e-4c1e-9d3a-1b2c3d4e5f60","10.0.0.1","::ffff:10.0.0.1","https://example.com/a?b#c","P1DT2H"]
["2023-02-29T10:00:00Z"]
[null,"2024-02-30"]
[null,null,"10:00:00"]
[null,null,null,"a..b@example.com"]
[null,null,null,null,"2f1c7a3e0b5e4c1e9d3a1b2c3d4e5f60"]
[null,null,null,null,null,"10.0.0.01"]
[null,null,null,null,null,null,"1::2::3"]
[null,null,null,null,null,null,null,"/relative"]
[null,null,null,null,null,null,null,null,"P1H"]
EOF
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(head -n 1 "$T/in")"
	run python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["_error_path"], r["_error_message"])' "$T/rej"
	assert_output - <<'EOF'
/0 not a valid date-time
/1 not a valid date
/2 not a valid time
/3 not a valid email
/4 not a valid uuid
/5 not a valid ipv4
/6 not a valid ipv6
/7 not a valid uri
/8 not a valid duration
EOF
}

@test "enum is case-sensitive unless x-sluice-enum-ci or --enum-ci" {
	printf '%s\n' '"beginner"' '"Beginner"' '"BEGINNER"' '"expert"' >"$T/in"
	schema '{"enum":["beginner","intermediate","advanced"]}'
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output '"beginner"'
	run jsonl-validate -q --enum-ci -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '"beginner"\n"Beginner"\n"BEGINNER"')"
	schema '{"enum":["beginner","intermediate","advanced"],"x-sluice-enum-ci":true}'
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '"beginner"\n"Beginner"\n"BEGINNER"')"
}

# --- schema structure ------------------------------------------------------

@test "local \$ref with escaped JSON pointers and \$defs" {
	schema '{"$defs":{"a/b":{"type":"integer"},"p%c":{"$ref":"#/$defs/a~1b"}},"properties":{"x":{"$ref":"#/$defs/p%25c"},"self":{"$ref":"#"}}}'
	printf '%s\n' '{"x":1}' '{"x":"1"}' '{"self":{"x":2}}' '{"self":{"self":{"x":true}}}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(printf '{"x":1}\n{"self":{"x":2}}')"
	run python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["_error_row"], r["_error_path"], r["_error_message"])' "$T/rej"
	assert_output "$(printf '2 /x expected integer, got string\n4 /self/self/x expected integer, got boolean')"
}

@test "a \$ref loop that consumes nothing is a reject, not a stack overflow" {
	schema '{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}'
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" <<<'1'
	assert_success
	run python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["_error_message"])' "$T/rej"
	assert_output 'schema recursion deeper than 2048 ($ref loop)'
}

# loop_rejected SCHEMA: the record 1 is rejected as a $ref loop, in bounded
# time (timeout turns a hang into a failure), whatever applicator holds it.
loop_rejected() {
	schema "$1"
	run timeout -k 1 5 jsonl-validate -q -s "$T/s.json" -r "$T/rej" <<<'1'
	assert_success
	assert_output ''
	run jq -r ._error_message "$T/rej"
	assert_output 'schema recursion deeper than 2048 ($ref loop)'
}

@test "\$ref loop: an anyOf pair referring to itself ends at once" {
	loop_rejected '{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}'
}

@test "\$ref loop: if/then/else referring to itself" {
	loop_rejected '{"$defs":{"a":{"if":{"$ref":"#/$defs/a"},"then":{"$ref":"#/$defs/a"},"else":{"$ref":"#/$defs/a"}}},"$ref":"#/$defs/a"}'
}

@test "\$ref loop: under not, oneOf and allOf" {
	loop_rejected '{"$defs":{"a":{"not":{"$ref":"#/$defs/a"}}},"$ref":"#/$defs/a"}'
	loop_rejected '{"$defs":{"a":{"oneOf":[{"$ref":"#/$defs/a"},true]}},"$ref":"#/$defs/a"}'
	loop_rejected '{"$defs":{"a":{"allOf":[true,{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}'
}

@test "\$ref loop: through dependentSchemas, which stays at the same place" {
	loop_rejected '{"$defs":{"a":{"dependentSchemas":{"x":{"$ref":"#/$defs/a"}}}},"$ref":"#/$defs/a"}'
	schema '{"$defs":{"a":{"dependentSchemas":{"x":{"$ref":"#/$defs/a"}}}},"$ref":"#/$defs/a"}'
	run timeout -k 1 5 jsonl-validate -q -s "$T/s.json" -r "$T/rej" <<<'{"x":1}'
	assert_success
	run jq -r ._error_message "$T/rej"
	assert_output 'schema recursion deeper than 2048 ($ref loop)'
}

@test "\$ref loop: a cycle through two definitions, a -> b -> a" {
	loop_rejected '{"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/b"}]},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}'
}

@test "\$ref loop: never a pass or a fail of an enclosing anyOf, not or if" {
	# The loop comes first, so without the rule anyOf would go on to true.
	loop_rejected '{"$defs":{"l":{"$ref":"#/$defs/l"}},"anyOf":[{"$ref":"#/$defs/l"},true]}'
	loop_rejected '{"$defs":{"l":{"$ref":"#/$defs/l"}},"not":{"$ref":"#/$defs/l"}}'
	loop_rejected '{"$defs":{"l":{"$ref":"#/$defs/l"}},"if":{"$ref":"#/$defs/l"}}'
	loop_rejected '{"$defs":{"l":{"anyOf":[{"$ref":"#/$defs/l"}]}},"oneOf":[{"$ref":"#/$defs/l"},true]}'
}

@test "\$ref recursion through properties consumes input: a tree still validates" {
	schema '{"$defs":{"t":{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#/$defs/t"}}},"anyOf":[{"required":["kids"]},{"$ref":"#/$defs/leaf"}]},"leaf":{"properties":{"v":{"type":"integer"}},"required":["v"]}},"$ref":"#/$defs/t"}'
	printf '%s\n' '{"kids":[{"v":1},{"kids":[{"v":2}]}]}' '{"kids":[{"v":"x"}]}' '{"kids":[{"kids":[1]}]}' '{"v":3}' >"$T/in"
	run timeout -k 1 5 jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output "$(printf '%s\n' '{"kids":[{"v":1},{"kids":[{"v":2}]}]}' '{"v":3}')"
	run jq -r '"\(._error_row) \(._error_path)"' "$T/rej"
	assert_output "$(printf '2 /kids/0\n3 /kids/0/kids/0')"
}

@test "SIGTERM ends a validation that would take forever, exit 143" {
	# 2^40 anyOf branches and no loop: legal, just slow.
	python3 -c '
import json
d = {"a%d" % i: {"anyOf": [{"$ref": "#/$defs/a%d" % (i + 1)}] * 2} for i in range(40)}
d["a40"] = False
print(json.dumps({"$defs": d, "$ref": "#/$defs/a0"}))' >"$T/s.json"
	jsonl-validate -q -s "$T/s.json" <<<'1' >"$T/out" 2>"$T/err" &
	local pid=$! rc=0
	sleep 0.5
	kill -TERM "$pid"
	timeout 5 tail --pid="$pid" -f /dev/null ||
	    { kill -KILL "$pid"; fail "still running 5 s after SIGTERM"; }
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ] || fail "exit $rc: $(cat "$T/err")"
	grep -q 'interrupted by SIGTERM' "$T/err"
	[ ! -s "$T/out" ]
}

@test "a \$ref into a value the metaschema does not see as a schema is still checked when compiled" {
	# The metaschema checks subschemas only; a $ref may point into const,
	# enum or an unknown keyword, so compile() keeps its own type checks.
	local s want
	while IFS='|' read -r s want; do
		schema "$s"
		run jsonl-validate -s "$T/s.json" <<<'1'
		assert_failure 65
		assert_output "jsonl-validate: $T/s.json: invalid schema: $want"
	done <<'EOF'
{"const":{"minLength":"x"},"$ref":"#/const"}|/const/minLength: must be a non-negative integer
{"const":{"type":"nope"},"$ref":"#/const"}|/const/type: unknown type
{"const":{"required":[1]},"$ref":"#/const"}|/const/required/0: must be a string
{"const":5,"$ref":"#/const"}|/const: a schema must be an object or a boolean, not number
{"enum":[{"x-sluice-enum-ci":1}],"$ref":"#/enum/0"}|/enum/0/x-sluice-enum-ci: must be a boolean
EOF
}

@test "an unknown keyword is ignored with a warning on stderr" {
	schema '{"properties":{"a":{"type":"string","colour":"red"}}}'
	run --separate-stderr jsonl-validate -s "$T/s.json" <<<'{"a":"x"}'
	assert_success
	assert_output '{"a":"x"}'
	[ "${stderr_lines[0]}" = "jsonl-validate: $T/s.json: warning: /properties/a/colour: unknown keyword \"colour\" ignored" ]
}

@test "keywords of other drafts that would change the result are a schema error with exit 65" {
	for kw in '"$recursiveRef":"#"' '"$recursiveAnchor":true' \
	    '"dependencies":{"a":["b"]}'; do
		schema "{\"properties\":{\"a\":{$kw}}}"
		run --separate-stderr jsonl-validate -s "$T/s.json" <<<'{}'
		[ "$status" -eq 65 ]
		assert_output ''
		name=${kw%%\":*}
		[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: /properties/a/${name#\"}: ${name#\"} is not supported" ]
	done
}

@test "a \$ref to a schema no file holds is a schema error with exit 65, never a network fetch" {
	schema '{"$ref":"https://example.com/s.json"}'
	run --separate-stderr jsonl-validate -s "$T/s.json" <<<'{}'
	[ "$status" -eq 65 ]
	[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: /\$ref: \$ref \"https://example.com/s.json\": no schema has \$id \"https://example.com/s.json\" (schemas are read from --schema-dir or beside the schema file, never from the network)" ]
}

@test "a schema file that is not JSON exits 65 with the column" {
	printf '{"type": "string",}\n' >"$T/s.json"
	run --separate-stderr jsonl-validate -s "$T/s.json" <<<'{}'
	[ "$status" -eq 65 ]
	[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: col 19: expected '\"' to start a member name" ]
}

@test "a schema with a wrong keyword value exits 65 naming where" {
	schema '{"properties":{"a":{"minLength":-1}}}'
	run --separate-stderr jsonl-validate -s "$T/s.json" <<<'{}'
	[ "$status" -eq 65 ]
	[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: /properties/a/minLength: must be a non-negative integer" ]
}

@test "a missing schema file exits 66" {
	run --separate-stderr jsonl-validate -s "$T/nope.json" <<<'{}'
	[ "$status" -eq 66 ]
	[ "$stderr" = "jsonl-validate: $T/nope.json: No such file or directory" ]
}

# --- expressions -----------------------------------------------------------

@test "the JSONL seed rule: --require .event_type --require '.occurred_at // .created_at'" {
	run jsonl-validate -q --require .event_type \
	    --require '.occurred_at // .created_at' -r "$T/rej" \
	    "$FIX/validate-events.jsonl"
	assert_success
	assert_output - <<'EOF'
{"id":1,"event_type":"page_view","occurred_at":"2024-01-01T00:00:00Z","session_id":"a"}
{"id":2,"event_type":"click","created_at":"2024-01-01T00:00:01Z","session_id":"a"}
{"id":6,"event_type":"click","occurred_at":null,"created_at":"2024-01-01T00:00:04Z"}
EOF
	run cat "$T/rej"
	assert_output - <<'EOF'
{"id":3,"occurred_at":"2024-01-01T00:00:02Z","session_id":"b","_error_row":3,"_error_message":"--require .event_type: null or missing","_error_tool":"jsonl-validate"}
{"id":4,"event_type":"click","session_id":"b","_error_row":4,"_error_message":"--require .occurred_at // .created_at: null or missing","_error_tool":"jsonl-validate"}
{"id":5,"event_type":null,"occurred_at":"2024-01-01T00:00:03Z","_error_row":5,"_error_message":"--require .event_type: null or missing","_error_tool":"jsonl-validate"}
EOF
}

@test "--require fails on false and on a jq error, with the error's message" {
	printf '%s\n' '{"a":false}' '{"a":{"b":null}}' '{"a":"x"}' >"$T/in"
	run jsonl-validate -q --require '.a' --require '.a.b' -r "$T/rej" "$T/in"
	assert_output ''
	run python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["_error_row"], r["_error_message"])' "$T/rej"
	assert_output - <<'EOF'
1 --require .a: false
2 --require .a.b: null or missing
3 --require .a.b: Cannot index string with string "b"
EOF
}

@test "--assert passes only on true and says --message when it fails" {
	printf '%s\n' '{"r":3}' '{"r":9}' '{"r":"3"}' >"$T/in"
	run jsonl-validate -q --assert '.r | type == "number" and . <= 5' \
	    --message 'r must be a number up to 5' --assert '.r' -r "$T/rej" "$T/in"
	assert_output ''
	run python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["_error_row"], r["_error_message"])' "$T/rej"
	assert_output - <<'EOF'
1 --assert .r: not true
2 r must be a number up to 5
3 r must be a number up to 5
EOF
}

@test "the CSV sessions seed: email, case-insensitive level, date-time, positive ints, rating and CEFR" {
	run jsonl-validate -q "${SESSIONS_RULES[@]}" -r "$T/rej" \
	    "$FIX/validate-sessions.jsonl"
	assert_success
	assert_output - <<'EOF'
{"_row":2,"session_id":"s-1","user_id":17,"email":"ana@example.com","level":"beginner","started_at":"2024-03-05T14:00:00Z","duration_minutes":45,"rating":5,"cefr":"B2"}
{"_row":4,"session_id":"s-3","user_id":19,"email":"cy@example.org","level":"Beginner","started_at":"2024-03-06T09:30:00+01:00","duration_minutes":60,"rating":3,"cefr":"A1"}
EOF
	run python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(r["_row"], r["_error_row"], r.get("_error_path"), r["_error_message"])' "$T/rej"
	assert_output - <<'EOF'
3 3 /email not a valid email
5 5 /level "expert" is not one of the allowed values
6 6 /started_at not a valid date-time
7 7 /user_id must be >= 1
8 8 None rating must be 1 to 5
9 9 None cefr must be A1 to C2
10 10 /user_id expected integer, got string
11 11 None cefr must be A1 to C2
EOF
}

@test "--row-field takes _error_row from the record; without it, the line number" {
	printf '%s\n' '{"_row":41,"a":null}' '{"_row":"x","a":null}' >"$T/in"
	run jsonl-validate -q --require .a --row-field _row -r "$T/rej" "$T/in"
	run python3 -c 'import json,sys; print([json.loads(l)["_error_row"] for l in open(sys.argv[1])])' "$T/rej"
	assert_output '[41, 2]'
	run jsonl-validate -q --require .a -r "$T/rej" "$T/in"
	run python3 -c 'import json,sys; print([json.loads(l)["_error_row"] for l in open(sys.argv[1])])' "$T/rej"
	assert_output '[1, 2]'
}

# --- summary, stats, error budget --------------------------------------------

@test "the summary counts lines, passed, rejected and the top reasons" {
	run --separate-stderr jsonl-validate "${SESSIONS_RULES[@]}" -r "$T/rej" \
	    "$FIX/validate-sessions.jsonl"
	assert_success
	[[ "${stderr_lines[0]}" == "jsonl-validate: 10 lines, 2 passed, 8 rejected, "*" s, "*" lines/s" ]]
	[ "${stderr_lines[1]}" = "jsonl-validate:   2 x cefr must be A1 to C2" ]
	[ "${#stderr_lines[@]}" -eq 6 ]
}

@test "--stats writes the summary as JSON" {
	run jsonl-validate -q "${SESSIONS_RULES[@]}" -r /dev/null \
	    --stats "$T/stats.json" "$FIX/validate-sessions.jsonl"
	assert_success
	run python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
print(s["tool"], s["processed"], s["passed"], s["rejected"], s["blank"])
print(sorted((r["count"], r["message"]) for r in s["reasons"]))
print(sorted(s))' "$T/stats.json"
	assert_output - <<'EOF'
jsonl-validate 10 2 8 0
[(1, '"expert" is not one of the allowed values'), (1, 'expected integer, got string'), (1, 'must be >= 1'), (1, 'not a valid date-time'), (1, 'not a valid email'), (1, 'rating must be 1 to 5'), (2, 'cefr must be A1 to C2')]
['blank', 'diverted', 'final', 'passed', 'processed', 'reasons', 'rejected', 'rows_per_second', 'seconds', 'tool', 'unit']
EOF
}

@test "--max-errors: one reject more than allowed stops with exit 65" {
	run --separate-stderr jsonl-validate "${SESSIONS_RULES[@]}" -r "$T/rej" \
	    --max-errors 2 "$FIX/validate-sessions.jsonl"
	[ "$status" -eq 65 ]
	[ "${stderr_lines[0]}" = "jsonl-validate: error budget exceeded: more than 2 rejected (--max-errors)" ]
	[ "$(wc -l <"$T/rej")" -eq 3 ]
}

@test "--max-error-rate: more rejected than the rate exits 65 at the end" {
	run --separate-stderr jsonl-validate "${SESSIONS_RULES[@]}" -r "$T/rej" \
	    --max-error-rate 50% "$FIX/validate-sessions.jsonl"
	[ "$status" -eq 65 ]
	[ "${stderr_lines[0]}" = "jsonl-validate: error budget exceeded: 8 of 10 rejected, more than 50% (--max-error-rate)" ]
	run jsonl-validate -q "${SESSIONS_RULES[@]}" -r "$T/rej" \
	    --max-error-rate 80% "$FIX/validate-sessions.jsonl"
	assert_success
}

# --- usage -----------------------------------------------------------------

@test "nothing to check is a usage error" {
	run --separate-stderr jsonl-validate <<<'{}'
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "jsonl-validate: nothing to check: give -s, --require or --assert" ]
}

@test "--message without an --assert before it is a usage error" {
	run --separate-stderr jsonl-validate --require .a --message x <<<'{}'
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "jsonl-validate: --message must follow an --assert" ]
}

@test "an --assert that jq cannot compile is a usage error" {
	run --separate-stderr jsonl-validate --assert '.a ==' <<<'{}'
	[ "$status" -eq 64 ]
	[[ "${stderr_lines[0]}" == "jsonl-validate: --assert '.a ==': "* ]]
}

@test "--help prints the usage and the common options to stdout" {
	run --separate-stderr jsonl-validate --help
	assert_success
	assert_line --index 0 --partial 'usage: jsonl-validate [-s schema.json'
	assert_line --partial '--row-field NAME'
	assert_line --partial '--max-error-rate'
}

@test "--assert with --message says the message even when jq fails" {
	run jsonl-validate -q --assert '.r | floor == .' --message 'r must be an integer' \
	    -r "$T/rej" <<<'{"r":"x"}'
	assert_success
	run python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["_error_message"])' "$T/rej"
	assert_output 'r must be an integer'
}

@test "uniqueItems on 200000 items finds equal values by value, key order aside" {
	cat >"$T/gen.py" <<'EOF'
import json
a, b = list(range(100000)), list(range(100000, 200000))
print(json.dumps(a + b))
print(json.dumps(a + [{"a": [1.0, "x"], "b": 2}] + b + [{"b": 2.5, "a": [1, "x"]}]))
print("[%s,%s,%s,%s]" % (",".join(map(str, a)), '{"a":[1.0,"x"],"b":2}',
                         ",".join(map(str, b)), '{"b":2.00,"a":[1,"x"]}'))
EOF
	python3 "$T/gen.py" >"$T/in"
	schema '{"uniqueItems":true}'
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_output "$(sed -n 1,2p "$T/in")"
	run python3 -c 'import json,sys; r = json.loads(open(sys.argv[1]).read()); print(r["_error_row"], r["_error_message"])' "$T/rej"
	assert_output '3 items 100000 and 200001 are equal'
}

@test "enum, minLength/maxLength and integer give the same answer whether the text is escaped, multibyte or exponential" {
	schema '{"properties":{"a":{"enum":["é","\u0062"]},"b":{"minLength":2,"maxLength":2},"c":{"type":"integer"}}}'
	printf '%s\n' '{"a":"\u00e9"}' '{"a":"b"}' '{"a":"é"}' '{"a":"c"}' \
	    '{"b":"éé"}' '{"b":"€"}' '{"b":"😀😀"}' '{"b":"abc"}' \
	    '{"c":1E2}' '{"c":-0}' '{"c":1.5}' '{"c":1.0}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	run jq -r '._error_row' "$T/rej"
	assert_output "$(printf '4\n6\n8\n11')"
}
