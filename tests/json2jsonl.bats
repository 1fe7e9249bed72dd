#!/usr/bin/env bats
# json2jsonl: a JSON array (or one at --path) to JSON Lines.

load test_helper
bats_require_minimum_version 1.5.0

@test "each element is written on its own line with its exact bytes" {
	run --separate-stderr json2jsonl "$FIX/json2jsonl-mixed.json"
	assert_success
	assert_equal "$output" "$(printf '%s\n' \
	    '{"id": 12345678901234567890, "v": 1.0, "z": -0}' \
	    '{"s": "a\"],\n\u00e9 \ud83d\ude00", "e": 1E+2}' \
	    '[1, [2, [3]], {}]' \
	    '"plain"' \
	    'null' 'true' 'false' '-12.5e-3' \
	    "$(printf '{"a"    :    [ ]\t}')")"
	assert_equal "$stderr" "$(printf 'json2jsonl: 9 elements, 9 written, 0 rejected, %s' \
	    "${stderr#*0 rejected, }")"
}

@test "line feeds and carriage returns between tokens become spaces" {
	run --separate-stderr json2jsonl <<<"$(printf '[{"a":\r\n1,\n"b"\n:\r[\n2\n]}]')"
	assert_success
	assert_output '{"a":  1, "b" : [ 2 ]}'
}

@test "an empty array writes nothing and succeeds" {
	run --separate-stderr json2jsonl <<<' [ ] '
	assert_success
	assert_output ''
	assert_equal "${stderr%%, 0.*}" "json2jsonl: 0 elements, 0 written, 0 rejected"
}

@test "input that is not an array is refused with its byte offset" {
	run -65 --separate-stderr json2jsonl <<<'{"a":[1]}'
	assert_output ''
	assert_equal "$stderr" "json2jsonl: byte 0: expected '[' (top-level array)"
	run -65 --separate-stderr json2jsonl <<<'   42'
	assert_equal "$stderr" "json2jsonl: byte 3: expected '[' (top-level array)"
}

@test "empty input is refused" {
	run -65 --separate-stderr json2jsonl </dev/null
	assert_equal "$stderr" "json2jsonl: byte 0: unexpected end of input, expected '[' (top-level array)"
}

@test "a truncated file writes the complete elements and fails at the end offset" {
	printf '[{"id":1},\n{"id":2},\n{"id":3,"n":[1,2' > "$BATS_TEST_TMPDIR/cut.json"
	run -65 --separate-stderr json2jsonl "$BATS_TEST_TMPDIR/cut.json"
	assert_output "$(printf '%s\n' '{"id":1}' '{"id":2}')"
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 37: unexpected end of input (array not closed)"
}

@test "a truncated scalar element is not written" {
	run -65 --separate-stderr json2jsonl < <(printf '[1,2,34')
	assert_output "$(printf '%s\n' 1 2)"
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 7: unexpected end of input (array not closed)"
}

@test "a missing closing bracket after the last element is truncation" {
	run -65 --separate-stderr json2jsonl < <(printf '[1,{"a":2} \n')
	assert_output "$(printf '%s\n' 1 '{"a":2}')"
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 12: unexpected end of input (array not closed)"
}

@test "bytes after the array are refused" {
	run -65 --separate-stderr json2jsonl <<<'[1] [2]'
	assert_output '1'
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 4: trailing characters after the top-level array"
}

@test "a missing separator or a trailing comma is refused" {
	run -65 --separate-stderr json2jsonl <<<'[1 2]'
	assert_output '1'
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 3: expected ',' or ']' after element 1"
	run -65 --separate-stderr json2jsonl <<<'[1,]'
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 3: expected a value"
	run -65 --separate-stderr json2jsonl <<<'[,1]'
	assert_equal "$stderr" "json2jsonl: byte 1: expected a value"
}

@test "a NUL byte in an element stops the run at its offset" {
	run -65 --separate-stderr json2jsonl < <(printf '[1, "a\0b", 3]')
	assert_output '1'
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 6: element 2: unescaped control character in string"
}

@test "invalid UTF-8 in an element stops the run at its offset" {
	run -65 --separate-stderr json2jsonl < <(printf '[{"k":"caf\xc3\xa9"},{"k":"caf\xe9"}]')
	assert_output '{"k":"café"}'
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 24: element 2: invalid UTF-8"
}

@test "invalid elements go to --rejects with position and offset" {
	run --separate-stderr json2jsonl -r "$BATS_TEST_TMPDIR/rej.jsonl" \
	    < <(printf '[1, 01, {"a":NaN}, "\xff", 5]')
	assert_success
	assert_output "$(printf '%s\n' 1 5)"
	run cat "$BATS_TEST_TMPDIR/rej.jsonl"
	assert_output "$(printf '%s\n' \
	    '{"_error_row":2,"_error_message":"leading zero in number","_error_offset":4,"_error_tool":"json2jsonl","_raw":"01"}' \
	    '{"_error_row":3,"_error_message":"expected a value","_error_offset":13,"_error_tool":"json2jsonl","_raw":"{\"a\":NaN}"}' \
	    '{"_error_row":4,"_error_message":"invalid UTF-8","_error_offset":20,"_error_tool":"json2jsonl","_raw":"\"�\"","_raw_base64":"Iv8i"}')"
}

@test "an element nested 100000 deep is refused quickly" {
	python3 -c 'import sys; sys.stdout.write("[" + "[" * 100000 + "]" * 100000 + "]")' \
	    > "$BATS_TEST_TMPDIR/deep.json"
	run -65 --separate-stderr timeout 5 json2jsonl "$BATS_TEST_TMPDIR/deep.json"
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 257: element 1: nesting deeper than 256"
}

@test "a UTF-8 byte order mark at the start is skipped" {
	run --separate-stderr json2jsonl < <(printf '\xef\xbb\xbf[{"a":1}]')
	assert_success
	assert_output '{"a":1}'
}

@test "an element larger than --max-line is refused" {
	python3 -c 'print("[\"" + "x" * 400000 + "\", 1]")' > "$BATS_TEST_TMPDIR/big.json"
	run -65 --separate-stderr json2jsonl --max-line 100K "$BATS_TEST_TMPDIR/big.json"
	assert_output ''
	assert_equal "$stderr" "json2jsonl: byte 1: value larger than --max-line (102400 bytes)"
	run --separate-stderr json2jsonl -q --max-line 1M "$BATS_TEST_TMPDIR/big.json"
	assert_success
	assert_equal "${#output}" 400004
}

@test "--path explodes the array under a key, other members skipped" {
	run --separate-stderr json2jsonl --path .events "$FIX/json2jsonl-wrapped.json"
	assert_success
	assert_output "$(printf '%s\n' '{"id": 1}' '{"id": 2, "tags": ["a", "b"]}')"
}

@test "--path follows nested keys and quoted keys" {
	printf '{"a":0,"data":{"odd key":[1,2],"items":[{"x":[]},"y"]}}' > "$BATS_TEST_TMPDIR/n.json"
	run --separate-stderr json2jsonl -p .data.items "$BATS_TEST_TMPDIR/n.json"
	assert_success
	assert_output "$(printf '%s\n' '{"x":[]}' '"y"')"
	run --separate-stderr json2jsonl -p '.data.["odd key"]' "$BATS_TEST_TMPDIR/n.json"
	assert_output "$(printf '%s\n' 1 2)"
	run --separate-stderr json2jsonl -p '.data."odd key"' "$BATS_TEST_TMPDIR/n.json"
	assert_output "$(printf '%s\n' 1 2)"
	run --separate-stderr json2jsonl -p '.data["odd key"]' "$BATS_TEST_TMPDIR/n.json"
	assert_output "$(printf '%s\n' 1 2)"
	run --separate-stderr json2jsonl -p '.["data"].items' "$BATS_TEST_TMPDIR/n.json"
	assert_output "$(printf '%s\n' '{"x":[]}' '"y"')"
}

@test "--path matches keys written with escapes by their value" {
	run --separate-stderr json2jsonl -p .events <<<'{"ev\u0065nts":[1]}'
	assert_success
	assert_output '1'
}

@test "--path that is missing, of the wrong type or duplicated is refused" {
	run -65 --separate-stderr json2jsonl -p .nope "$FIX/json2jsonl-wrapped.json"
	assert_equal "$stderr" "json2jsonl: byte 144: .nope not found"
	run -65 --separate-stderr json2jsonl -p .meta "$FIX/json2jsonl-wrapped.json"
	assert_equal "$stderr" "json2jsonl: byte 23: .meta: expected an array, got an object"
	run -65 --separate-stderr json2jsonl -p .meta.events "$FIX/json2jsonl-wrapped.json"
	assert_equal "$stderr" "json2jsonl: byte 34: .meta.events: expected an array, got a string"
	run -65 --separate-stderr json2jsonl -p .a <<<'{"a":[1],"a":[2]}'
	assert_output '1'
	assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: byte 13: .a: duplicate member"
	run -65 --separate-stderr json2jsonl -p .a <<<'[1]'
	assert_equal "$stderr" "json2jsonl: byte 0: expected '{' (top-level object holding .a)"
}

@test "--path checks the members it skips" {
	run -65 --separate-stderr json2jsonl -p .e <<<'{"x":[1,01],"e":[1]}'
	assert_equal "$stderr" "json2jsonl: byte 8: value: leading zero in number"
}

@test "a --path that is not a path of object keys is a usage error" {
	local p
	for p in '.a[0]' 'a' '.a.' '..a' '["a"]' '.a["b"' '.a."b' '.a\b' '.[]' '.a | .b' '.1a'; do
		run -64 --separate-stderr json2jsonl -p "$p" </dev/null
		assert_equal "$(head -n 1 <<<"$stderr")" "json2jsonl: --path: '$p' is not a path of object keys (.events, .data.items, .[\"odd key\"])"
	done
}

@test "a large generated array matches python3 element by element" {
	python3 - "$BATS_TEST_TMPDIR" <<-'EOF'
	import json, random, sys
	d = sys.argv[1]
	random.seed(7)
	texts = []
	for i in range(50000):
	    v = {"id": 2**63 + i, "n": random.random(), "s": "é\"\\ %d \u2028 😀" % i,
	         "l": [i, None, True, {"k": [1.0, -0.0]}]}
	    indent = 2 if i % 97 == 0 else None
	    texts.append(json.dumps(v, ensure_ascii=(i % 2 == 0), indent=indent))
	with open(d + "/big.json", "w", encoding="utf-8") as f:
	    f.write("[\n" + ",\n".join(texts) + "\n]\n")
	with open(d + "/want.jsonl", "w", encoding="utf-8") as f:
	    for t in texts:
	        f.write(t.replace("\n", " ") + "\n")
	EOF
	json2jsonl -q "$BATS_TEST_TMPDIR/big.json" > "$BATS_TEST_TMPDIR/got.jsonl"
	cmp "$BATS_TEST_TMPDIR/want.jsonl" "$BATS_TEST_TMPDIR/got.jsonl"
	python3 - "$BATS_TEST_TMPDIR" <<-'EOF'
	import json, sys
	d = sys.argv[1]
	want = json.load(open(d + "/big.json", encoding="utf-8"))
	got = [json.loads(l) for l in open(d + "/got.jsonl", encoding="utf-8")]
	assert got == want, "elements differ"
	EOF
}

@test "memory stays bounded on a large array" {
	python3 -c '
import sys
w = sys.stdout.write
w("[")
for i in range(300000):
    w(("," if i else "") + "{\"id\":%d,\"pad\":\"%s\"}" % (i, "x" * 150))
w("]")' > "$BATS_TEST_TMPDIR/wide.json"
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" json2jsonl -q \
	    "$BATS_TEST_TMPDIR/wide.json" > /dev/null
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/wide.json")" -gt 50000000 ]
	# Far below the 50 MB input (about 2 MB normally; ASan adds ~16 MB).
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 32768 ] ||
	    fail "peak RSS $(cat "$BATS_TEST_TMPDIR/rss") KB"
}

@test "--stats writes the counts as JSON" {
	run --separate-stderr json2jsonl -q --stats "$BATS_TEST_TMPDIR/s.json" <<<'[1,2,3]'
	assert_success
	run python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["tool"], s["processed"], s["passed"], s["rejected"])' "$BATS_TEST_TMPDIR/s.json"
	assert_output 'json2jsonl 3 3 0'
}

@test "a 10 MB element passes byte for byte under the default --max-line" {
	python3 -c '
import json
s = "x\u00e9\\\"" * 2500000
print("[" + json.dumps({"big": s}, ensure_ascii=False) + ", 2]")' > "$BATS_TEST_TMPDIR/ten.json"
	json2jsonl -q "$BATS_TEST_TMPDIR/ten.json" > "$BATS_TEST_TMPDIR/out.jsonl"
	python3 - "$BATS_TEST_TMPDIR" <<-'EOF2'
	import json, sys
	d = sys.argv[1]
	src = open(d + "/ten.json", "rb").read()
	lines = open(d + "/out.jsonl", "rb").read().split(b"\n")
	assert lines[0] == src[1:src.rindex(b", 2]")], "element 1 differs"
	assert lines[1:] == [b"2", b""], lines[1:]
	assert len(lines[0]) > 10_000_000
	EOF2
}
