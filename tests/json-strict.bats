#!/usr/bin/env bats
# JSON Lines input is strict RFC 8259 and UTF-8, in every tool: tables of
# lines run through jsonl-validate with a schema that takes anything, so
# the scanner alone decides. The decisions for the cases RFC 8259 leaves
# open are those of tests/conformance/i-decisions.txt (huge numbers pass,
# lone surrogate escapes, invalid UTF-8 and UTF-16 are rejects, 256 levels
# of nesting at most, a BOM only at the start of the stream).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	printf '{}\n' >"$BATS_TEST_TMPDIR/any.json"
}

# strict: read table rows "pass|reject<TAB>LINE<TAB>MESSAGE" on stdin
# (LINE with \xHH for raw bytes; everything else, \u escapes included, as
# written), feed the LINEs as one JSONL input and check that each "pass"
# line comes out on stdout byte for byte, in order, and each "reject" line
# is in the rejects file at its row with MESSAGE.
strict() {
	local d=$BATS_TEST_TMPDIR
	python3 -c '
import re, sys
d = sys.argv[1]
inp, out, rej = open(d + "/in", "wb"), open(d + "/want.out", "wb"), []
for row, text in enumerate(sys.stdin.read().splitlines(), 1):
    fate, line, msg = (text.split("\t") + [""])[:3]
    b = re.sub(rb"\\x([0-9a-fA-F]{2})",
               lambda m: bytes([int(m.group(1), 16)]), line.encode())
    inp.write(b + b"\n")
    if fate == "pass":
        out.write(b + b"\n")
    elif fate == "reject":
        rej.append("%d\t%s\n" % (row, msg))
    else:
        sys.exit("bad table row %d: %s" % (row, text))
open(d + "/want.rej", "w").write("".join(rej))
' "$d"
	run --separate-stderr jsonl-validate -q -s "$d/any.json" \
	    -r "$d/rej" "$d/in"
	assert_success
	jq -r '"\(._error_row)\t\(._error_message)"' "$d/rej" >"$d/got.rej"
	diff "$d/want.rej" "$d/got.rej"
	cmp "$d/want.out" <(printf '%s\n' "$output" | sed '/^$/d')
	cmp "$d/want.out" <(jsonl-validate -q -s "$d/any.json" \
	    -r /dev/null "$d/in")
}

@test "numbers: leading zeros, NaN, Infinity, a plus sign, bare dots and hex are rejects" {
	strict <<'EOF'
pass	[0,-0,0.5,-0.0e-0,10,1E+2,1e-2]
reject	01	invalid JSON at column 1: leading zero in number
reject	-01	invalid JSON at column 1: leading zero in number
reject	[00]	invalid JSON at column 2: leading zero in number
reject	{"n":007}	invalid JSON at column 6: leading zero in number
reject	NaN	invalid JSON at column 1: expected a value
reject	[NaN]	invalid JSON at column 2: expected a value
reject	Infinity	invalid JSON at column 1: expected a value
reject	-Infinity	invalid JSON at column 2: invalid number
reject	+1	invalid JSON at column 1: expected a value
reject	.5	invalid JSON at column 1: expected a value
reject	1.	invalid JSON at column 3: expected a digit after '.'
reject	[1.e3]	invalid JSON at column 4: expected a digit after '.'
reject	1e	invalid JSON at column 3: expected a digit in the exponent
reject	0x1F	invalid JSON at column 2: trailing characters after the value
reject	[1_000]	invalid JSON at column 3: expected ',' or ']'
EOF
}

@test "numbers too big or too small for a double pass with every digit" {
	strict <<'EOF'
pass	123456789012345678901234567890
pass	-123456789012345678901234567890
pass	[1e400,-1e400,1.5e-400,0.4e00669999999999999999999999999999999999999999999999]
pass	{"id":9007199254740993,"x":1.000000000000000000000000001}
EOF
}

@test "strings: lone or inverted surrogate escapes are rejects; pairs and \\u0000 pass" {
	strict <<'EOF'
pass	"\ud83d\ude00"
pass	["\uDBFF\uDFFF","\uD800\uDC00"]
pass	"\u0000"
pass	{"\u00e9":"\/\b\f\n\r\t\"\\"}
reject	"\uD800"	invalid JSON at column 2: high surrogate escape without a low surrogate escape
reject	"\uD800\u0041"	invalid JSON at column 2: high surrogate escape without a low surrogate escape
reject	"\uD800abc"	invalid JSON at column 2: high surrogate escape without a low surrogate escape
reject	"\uDC00"	invalid JSON at column 2: lone low surrogate escape
reject	"\uDE00\uD83D"	invalid JSON at column 2: lone low surrogate escape
reject	{"\uDFAA":0}	invalid JSON at column 3: lone low surrogate escape
reject	"\u12"	invalid JSON at column 2: invalid \u escape
reject	"\x5cx41"	invalid JSON at column 2: invalid escape
reject	"\x5c'"	invalid JSON at column 2: invalid escape
EOF
}

@test "strings: raw control characters are rejects; raw U+2028, U+2029 and DEL pass" {
	strict <<'EOF'
pass	"line\xe2\x80\xa8sep\xe2\x80\xa9par"
pass	"del\x7f"
reject	"a\x09b"	invalid JSON at column 3: unescaped control character in string
reject	"a\x01b"	invalid JSON at column 3: unescaped control character in string
reject	["a\x1fb"]	invalid JSON at column 4: unescaped control character in string
reject	"a\x00b"	invalid JSON at column 3: unescaped control character in string
reject	"a\x0db"	invalid JSON at column 3: unescaped control character in string
reject	[1]\x00	invalid JSON at column 4: trailing characters after the value
EOF
}

@test "UTF-8: invalid, overlong, surrogate, out-of-range bytes and UTF-16 are rejects" {
	strict <<'EOF'
pass	"\xc3\xa9 \xe6\x9d\xb1 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"
reject	"\xe9t\xe9"	invalid JSON at column 2: invalid UTF-8
reject	"\xc3"	invalid JSON at column 2: invalid UTF-8
reject	"\xc0\xaf"	invalid JSON at column 2: invalid UTF-8
reject	"\xe0\x9f\xbf"	invalid JSON at column 2: invalid UTF-8
reject	"\xed\xa0\x80"	invalid JSON at column 2: invalid UTF-8
reject	"\xf4\x90\x80\x80"	invalid JSON at column 2: invalid UTF-8
reject	"\xf0\x9f\x98"	invalid JSON at column 2: invalid UTF-8
reject	"\x80"	invalid JSON at column 2: invalid UTF-8
reject	\xff\xfe[\x001\x00]\x00	invalid JSON at column 1: expected a value
reject	\x00[\x001\x00]	invalid JSON at column 1: expected a value
EOF
}

@test "structure: trailing commas, comments, quotes, bare keys and two values are rejects" {
	strict <<'EOF'
pass	 \x09{ "a" : [ 1 , 2 ] } \x09
pass	{"a":1,"a":2}
reject	[1,]	invalid JSON at column 4: expected a value
reject	{"a":1,}	invalid JSON at column 8: expected '"' to start a member name
reject	[1,,2]	invalid JSON at column 4: expected a value
reject	[,1]	invalid JSON at column 2: expected a value
reject	[1] // c	invalid JSON at column 5: trailing characters after the value
reject	/* c */ 1	invalid JSON at column 1: expected a value
reject	['a']	invalid JSON at column 2: expected a value
reject	{a:1}	invalid JSON at column 2: expected '"' to start a member name
reject	{"a" 1}	invalid JSON at column 6: expected ':'
reject	[1] [2]	invalid JSON at column 5: trailing characters after the value
reject	[1	invalid JSON at column 3: unterminated array
reject	{"a":"b	invalid JSON at column 6: unterminated string
reject	True	invalid JSON at column 1: expected a value
reject	nul	invalid JSON at column 1: invalid literal
EOF
}

@test "a BOM starts the stream only: dropped there, a reject on any later line" {
	local d=$BATS_TEST_TMPDIR
	printf '\xef\xbb\xbf{"a":1}\n\xef\xbb\xbf{"a":2}\n{"a":3}\n' >"$d/in"
	run --separate-stderr jsonl-validate -q -s "$d/any.json" -r "$d/rej" "$d/in"
	assert_success
	assert_output - <<-'EOF'
	{"a":1}
	{"a":3}
	EOF
	run jq -c '[._error_row, ._error_message]' "$d/rej"
	assert_output '[2,"invalid JSON at column 1: byte order mark not allowed here"]'
}

@test "nesting: 256 levels pass, 257 are a reject, 100000 a quick reject" {
	local d=$BATS_TEST_TMPDIR
	python3 -c '
import sys
sys.stdout.write("[" * 256 + "]" * 256 + "\n")
sys.stdout.write("[" * 257 + "]" * 257 + "\n")
sys.stdout.write("{\"a\":" * 300 + "1" + "}" * 300 + "\n")
sys.stdout.write("[" * 100000 + "\n")' >"$d/in"
	run --separate-stderr timeout 5 jsonl-validate -q -s "$d/any.json" \
	    -r "$d/rej" "$d/in"
	assert_success
	[ "$output" = "$(head -n 1 "$d/in")" ]
	run jq -c '[._error_row, ._error_message]' "$d/rej"
	assert_output - <<-'EOF'
	[2,"invalid JSON at column 257: nesting deeper than 256"]
	[3,"invalid JSON at column 1281: nesting deeper than 256"]
	[4,"invalid JSON at column 257: nesting deeper than 256"]
	EOF
}

@test "a line of only spaces and tabs is blank: skipped and counted, not a reject" {
	run --separate-stderr jsonl-validate -s "$BATS_TEST_TMPDIR/any.json" \
	    -r /dev/null < <(printf '1\n \t \n\n2\n')
	assert_success
	assert_output - <<-'EOF'
	1
	2
	EOF
	[[ "$stderr" == "jsonl-validate: 2 lines, 2 passed, 0 rejected, 2 blank,"* ]]
}
