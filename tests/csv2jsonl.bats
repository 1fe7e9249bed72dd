#!/usr/bin/env bats
# csv2jsonl: CSV in, JSON Lines out.

load test_helper
bats_require_minimum_version 1.5.0

# Compare JSON Lines on stdin with a JSON array file: same objects, same
# order, same key order (parsed with Python's json, independently).
same_json() {
	python3 -c '
import json, sys
want = json.load(open(sys.argv[1], encoding="utf-8"), object_pairs_hook=list)
got = [json.loads(l, object_pairs_hook=list) for l in sys.stdin.read().splitlines()]
if got != want:
    print("got: ", got)
    print("want:", want)
    sys.exit(1)
' "$1"
}

@test "agrees with Python's csv module on the generated corpus" {
	d="$BATS_TEST_TMPDIR/corpus"
	python3 "$ROOT/tests/gen/csv-corpus.py" "$d" --seed 4180 --files 40
	for f in "$d"/*.csv; do
		delim=$(cat "${f%.csv}.delim")
		[ "$delim" = "	" ] && delim=tab
		csv2jsonl -q -d "$delim" "$f" > "${f%.csv}.out"
		same_json "${f%.csv}.json" < "${f%.csv}.out" ||
		    { echo "differs: $f"; return 1; }
	done
}

# edge NAME: tests/fixtures/csv-edge/NAME.csv gives NAME.jsonl byte for
# byte (the .jsonl files are written by hand and agree with Python's csv).
edge() {
	run --separate-stderr csv2jsonl -q "$FIX/csv-edge/$1.csv"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$FIX/csv-edge/$1.jsonl")"
	csv2jsonl -q "$FIX/csv-edge/$1.csv" | cmp - "$FIX/csv-edge/$1.jsonl"
}

@test "CSV edge case: commas inside quotes are data" { edge comma-in-quotes; }
@test "CSV edge case: LF inside quotes is data, also at the end or alone" { edge quoted-newline; }
@test "CSV edge case: CRLF and a lone CR inside quotes are kept" { edge quoted-crlf; }
@test "CSV edge case: doubled quotes are one quote, at either end too" { edge escaped-quotes; }
@test "CSV edge case: CRLF record ends" { edge crlf; }
@test "CSV edge case: a last CRLF record without its line end" { edge crlf-no-final-newline; }
@test "CSV edge case: a last record without a newline" { edge no-final-newline; }
@test "CSV edge case: empty and quoted empty fields are empty strings" { edge empty-fields; }
@test "CSV edge case: empty fields with CRLF, the last one unterminated" { edge empty-fields-crlf; }
@test "CSV edge case: a BOM before a CRLF header is dropped" { edge bom-crlf; }
@test "CSV edge case: UTF-8 names and values, 4-byte characters too" { edge utf8; }
@test "CSV edge case: JSON text in a quoted field stays a string" { edge json-in-field; }
@test "CSV edge case: spaces around fields are data" { edge spaces; }

@test "output is jq -c style JSON with keys in header order" {
	run csv2jsonl -q <<-'EOF'
	b,a,"c ""q"""
	"x\y",	tab,"line
	two"
	EOF
	assert_success
	assert_output '{"b":"x\\y","a":"\ttab","c \"q\"":"line\ntwo"}'
	[ "$(printf '%s\n' "$output" | jq -c .)" = "$output" ]
}

@test "control characters and DEL are escaped as jq does" {
	run csv2jsonl -q < <(printf 'a\n"\x01\x7f\x08\x0c"\n')
	assert_success
	assert_output '{"a":"\u0001\u007f\b\f"}'
}

@test "a ragged row stops the run with exit 65 and its row and line" {
	run --separate-stderr csv2jsonl "$FIX/csv-ragged.csv"
	assert_failure 65
	assert_output '{"id":"1","name":"Ann","email":"ann@x.io","city":"Oslo","plan":"pro","seats":"3","active":"true"}'
	assert_equal "${stderr%%$'\n'*}" \
	    "csv2jsonl: row 3 (line 3): expected 7 fields, got 9"
}

@test "ragged rows go to rejects with _error_row, _error_line and _raw" {
	run --separate-stderr csv2jsonl -r "$BATS_TEST_TMPDIR/rej" "$FIX/csv-ragged.csv"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line -n 1 '{"id":"3","name":"Cy, Jr.","email":"cy@x.io","city":"New\r\nYork","plan":"team","seats":"12","active":"true"}'
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output - <<-'EOF'
	{"_error_row":3,"_error_message":"expected 7 fields, got 9","_error_line":3,"_error_tool":"csv2jsonl","_raw":"2,Bob,bob@x.io,Rome,free,1,false,extra,more"}
	{"_error_row":5,"_error_message":"expected 7 fields, got 5","_error_line":6,"_error_tool":"csv2jsonl","_raw":"4,Di,di@x.io,Lima,pro"}
	EOF
}

@test "the summary counts rows, passed and rejected" {
	run --separate-stderr csv2jsonl -r /dev/null "$FIX/csv-ragged.csv"
	assert_success
	[[ "$stderr" =~ ^"csv2jsonl: 4 rows, 2 passed, 2 rejected, " ]]
	[[ "$stderr" == *"csv2jsonl:   1 x expected 7 fields, got 9"* ]]
	[[ "$stderr" == *"csv2jsonl:   1 x expected 7 fields, got 5"* ]]
}

@test "--stats writes the summary as JSON" {
	run csv2jsonl -q -r /dev/null --stats "$BATS_TEST_TMPDIR/st" "$FIX/csv-ragged.csv"
	assert_success
	run jq -c '[.processed, .passed, .rejected]' "$BATS_TEST_TMPDIR/st"
	assert_output '[4,2,2]'
}

@test "an unterminated quote at end of input is a reject holding the rest" {
	run csv2jsonl -q -r "$BATS_TEST_TMPDIR/rej" "$FIX/csv-unterminated.csv"
	assert_success
	assert_output '{"id":"1","note":"ok"}'
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output '{"_error_row":3,"_error_message":"field 2: quoted field not closed at end of input","_error_line":3,"_error_tool":"csv2jsonl","_raw":"2,\"never closed\n3,lost\n"}'
}

@test "an unterminated quote without --rejects exits 65" {
	run --separate-stderr csv2jsonl -q "$FIX/csv-unterminated.csv"
	assert_failure 65
	assert_equal "$stderr" "csv2jsonl: row 3 (line 3): field 2: quoted field not closed at end of input"
}

@test "a stray quote and text after a closing quote are rejects" {
	run csv2jsonl -q -r "$BATS_TEST_TMPDIR/rej" "$FIX/csv-stray-quote.csv"
	assert_success
	assert_output '{"id":"2","note":"fine"}'
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output - <<-'EOF'
	{"_error_row":2,"_error_message":"field 2: quote inside an unquoted field","_error_line":2,"_error_tool":"csv2jsonl","_raw":"1,say \"hi\""}
	{"_error_row":4,"_error_message":"field 2: text after the closing quote","_error_line":4,"_error_tool":"csv2jsonl","_raw":"3,\"bad\"x"}
	EOF
}

@test "a NUL byte is a reject" {
	run csv2jsonl -q -r "$BATS_TEST_TMPDIR/rej" "$FIX/csv-nul.csv"
	assert_success
	assert_output '{"id":"2","note":"ok"}'
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output '{"_error_row":2,"_error_message":"field 2: NUL byte","_error_line":2,"_error_tool":"csv2jsonl","_raw":"1,a\u0000b"}'
}

@test "invalid UTF-8 is a reject with the exact bytes in _raw_base64" {
	run csv2jsonl -q -r "$BATS_TEST_TMPDIR/rej" "$FIX/csv-latin1.csv"
	assert_success
	assert_output ''
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output - <<-'EOF'
	{"_error_row":2,"_error_message":"field 2: invalid UTF-8 (see --encoding)","_error_line":2,"_error_tool":"csv2jsonl","_raw":"1,Jos�","_raw_base64":"MSxKb3Pp"}
	{"_error_row":3,"_error_message":"field 2: invalid UTF-8 (see --encoding)","_error_line":3,"_error_tool":"csv2jsonl","_raw":"2,Ren�e �","_raw_base64":"MixSZW7pZSCA"}
	EOF
	[ "$(jq -r ._raw_base64 "$BATS_TEST_TMPDIR/rej" | head -1 | base64 -d)" = "$(printf '1,Jos\xe9')" ]
}

@test "--encoding latin1 and cp1252 transcode to UTF-8" {
	run csv2jsonl -q --encoding latin1 "$FIX/csv-latin1.csv"
	assert_success
	assert_output - <<-EOF
	{"id":"1","name":"José"}
	{"id":"2","name":"Renée $(printf '\xc2\x80')"}
	EOF
	run csv2jsonl -q --encoding cp1252 "$FIX/csv-latin1.csv"
	assert_success
	assert_output - <<-'EOF'
	{"id":"1","name":"José"}
	{"id":"2","name":"Renée €"}
	EOF
}

@test "a cp1252 byte with no character is a reject" {
	run --separate-stderr csv2jsonl -q --encoding cp1252 < <(printf 'a\n\x81\n')
	assert_failure 65
	assert_equal "$stderr" "csv2jsonl: row 2 (line 2): field 1: byte 0x81 has no character in the input encoding"
}

@test "an unknown --encoding is a usage error" {
	run --separate-stderr csv2jsonl --encoding ebcdic
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "csv2jsonl: --encoding: 'ebcdic' is not utf-8, latin1 or cp1252"
}

@test "empty input gives no output and exit 0" {
	run --separate-stderr csv2jsonl < /dev/null
	assert_success
	assert_output ''
	[[ "$stderr" =~ ^"csv2jsonl: 0 rows, 0 passed, 0 rejected," ]]
}

@test "a header alone gives no output and exit 0" {
	run csv2jsonl -q < <(printf 'a,b\r\n')
	assert_success
	assert_output ''
}

@test "a UTF-8 BOM before the header is dropped" {
	run csv2jsonl -q "$FIX/csv-bom.csv"
	assert_success
	assert_output '{"id":"1","name":"Åsa"}'
}

@test "blank lines are skipped, counted, and still number rows" {
	run --separate-stderr csv2jsonl -r /dev/stdout --row-field row < <(printf '\na,b\n\n1,2\n\n3\n')
	assert_success
	assert_output - <<-'EOF'
	{"a":"1","b":"2","row":4}
	{"_error_row":6,"_error_message":"expected 2 fields, got 1","_error_line":6,"_error_tool":"csv2jsonl","_raw":"3"}
	EOF
	[[ "$stderr" =~ ^"csv2jsonl: 2 rows, 1 passed, 1 rejected, 3 blank," ]]
}

@test "a one-column empty value must be quoted to be a record" {
	run csv2jsonl -q < <(printf 'a\n""\n\nx\n')
	assert_success
	assert_output - <<-'EOF'
	{"a":""}
	{"a":"x"}
	EOF
}

@test "a duplicate header name is a usage error naming the columns" {
	run --separate-stderr csv2jsonl "$FIX/csv-dup-header.csv"
	assert_failure 64
	assert_output ''
	assert_equal "$stderr" "csv2jsonl: header: column 3: duplicate name \"id\" (also column 1)
Try 'csv2jsonl --help' for more information."
}

@test "an empty header name is a usage error naming the column" {
	run --separate-stderr csv2jsonl < <(printf 'a,,c\n1,2,3\n')
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "csv2jsonl: header: column 2: empty name"
}

@test "a bad header stops with exit 65" {
	run --separate-stderr csv2jsonl -r /dev/null < <(printf 'a,b"\n1,2\n')
	assert_failure 65
	assert_equal "${stderr%%$'\n'*}" "csv2jsonl: row 1 (line 1): header: field 2: quote inside an unquoted field"
}

@test "--no-header with --columns names the keys" {
	run csv2jsonl -q --no-header --columns x,y < <(printf '1,2\n3,4\n')
	assert_success
	assert_output - <<-'EOF'
	{"x":"1","y":"2"}
	{"x":"3","y":"4"}
	EOF
}

@test "--no-header alone numbers the keys; row 1 is data" {
	run csv2jsonl -q --no-header --row-field r < <(printf '1,2\n3,4\n')
	assert_success
	assert_output - <<-'EOF'
	{"1":"1","2":"2","r":1}
	{"1":"3","2":"4","r":2}
	EOF
}

@test "--columns with a header renames its columns" {
	run csv2jsonl -q --columns x,y < <(printf 'a,b\n1,2\n')
	assert_success
	assert_output '{"x":"1","y":"2"}'
	run --separate-stderr csv2jsonl -q --columns x,y,z < <(printf 'a,b\n1,2\n')
	assert_failure 65
	assert_equal "$stderr" "csv2jsonl: row 1 (line 1): header has 2 fields, --columns names 3"
}

@test "duplicate --columns names are a usage error" {
	run --separate-stderr csv2jsonl --no-header --columns a,b,a
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "csv2jsonl: --columns: column 3: duplicate name \"a\" (also column 1)"
}

@test "-d accepts tab, \\t, ; and |" {
	run csv2jsonl -q -d tab < <(printf 'a\tb\n1,5\t"x\ty"\n')
	assert_output '{"a":"1,5","b":"x\ty"}'
	run csv2jsonl -q -d '\t' < <(printf 'a\tb\n1\t2\n')
	assert_output '{"a":"1","b":"2"}'
	run csv2jsonl -q --delimiter ';' < <(printf 'a;b\n1,5;2\n')
	assert_output '{"a":"1,5","b":"2"}'
	run csv2jsonl -q -d '|' < <(printf 'a|b\n1|2\n')
	assert_output '{"a":"1","b":"2"}'
}

@test "a bad delimiter is a usage error" {
	run --separate-stderr csv2jsonl -d '""'
	assert_failure 64
	run --separate-stderr csv2jsonl -d '"'
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "csv2jsonl: --delimiter: '\"' is not one ASCII character other than a quote or a line end"
}

@test "values are strings by default" {
	run csv2jsonl -q "$FIX/csv-types.csv"
	assert_success
	assert_line -n 0 '{"id":"1","code":"007","price":"1.50","ok":"true","big":"12345678901234567890","neg":"-0.5","note":"1e5","empty":""}'
}

@test "--infer makes numbers and booleans only of exact JSON text" {
	run csv2jsonl -q --infer "$FIX/csv-types.csv"
	assert_success
	assert_output - <<-'EOF'
	{"id":1,"code":"007","price":1.50,"ok":true,"big":12345678901234567890,"neg":-0.5,"note":"1e5","empty":""}
	{"id":2,"code":"+1","price":".5","ok":"True","big":0,"neg":-0,"note":"1.","empty":""}
	EOF
}

@test "--empty null and omit" {
	run csv2jsonl -q --empty null < <(printf 'a,b,c\n,"",x\n')
	assert_output '{"a":null,"b":null,"c":"x"}'
	run csv2jsonl -q --empty omit < <(printf 'a,b,c\n,"",x\n,,\n')
	assert_output - <<-'EOF'
	{"c":"x"}
	{}
	EOF
	run --separate-stderr csv2jsonl --empty nothing
	assert_failure 64
}

@test "--row-field adds the spreadsheet row number" {
	run csv2jsonl -q --row-field _row < <(printf 'a\r\n"x\r\ny"\r\nz\r\n')
	assert_output - <<-'EOF'
	{"a":"x\r\ny","_row":2}
	{"a":"z","_row":3}
	EOF
}

@test "--row-field that is also a column is a usage error" {
	run --separate-stderr csv2jsonl --row-field a < <(printf 'a,b\n1,2\n')
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "csv2jsonl: --row-field: \"a\" is also column 1"
}

@test "--max-errors stops once the budget is exceeded" {
	run --separate-stderr csv2jsonl -r /dev/null --max-errors 1 "$FIX/csv-ragged.csv"
	assert_failure 65
	[[ "$stderr" == *"csv2jsonl: error budget exceeded: more than 1 rejected (--max-errors)"* ]]
	run --separate-stderr csv2jsonl -r /dev/null --max-errors 2 "$FIX/csv-ragged.csv"
	assert_success
}

@test "a record longer than --max-line is a reject holding its start" {
	run csv2jsonl -q --max-line 8 -r "$BATS_TEST_TMPDIR/rej" < <(printf 'a,b\n1,"%s"\n2,3\n' "$(printf 'x%.0s' $(seq 1 300))")
	assert_success
	assert_output '{"a":"2","b":"3"}'
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output '{"_error_row":2,"_error_message":"record longer than --max-line (8 bytes); _raw holds its start","_error_line":2,"_error_tool":"csv2jsonl","_raw":"1,\"xxxxx"}'
}

@test "a missing input file exits 66" {
	run --separate-stderr csv2jsonl "$BATS_TEST_TMPDIR/nope.csv"
	assert_failure 66
	assert_equal "$stderr" "csv2jsonl: $BATS_TEST_TMPDIR/nope.csv: No such file or directory"
}

@test "a write error on stdout exits 74" {
	run --separate-stderr bash -c 'csv2jsonl -q "$1" > /dev/full' _ "$FIX/csv-simple.csv"
	assert_failure 74
	assert_equal "${stderr%%$'\n'*}" "csv2jsonl: stdout: write error: No space left on device"
}

@test "an unwritable --rejects file exits 73" {
	run --separate-stderr csv2jsonl -r /nonexistent/dir/rej < /dev/null
	assert_failure 73
}

@test "a reader that stops early (| head -1) ends it quietly with 0" {
	run --separate-stderr bash -c 'seq 1 300000 | csv2jsonl -q | head -1
	    echo "${PIPESTATUS[1]}"'
	assert_success
	assert_output - <<-'EOF'
	{"1":"2"}
	0
	EOF
	assert_equal "$stderr" ""
}

@test "a second operand is read after the first, with its own header" {
	cd "$BATS_TEST_TMPDIR"
	printf 'a,b\n1,2\n' > a.csv
	printf 'b\n3\n' > b.csv
	run --separate-stderr csv2jsonl a.csv b.csv
	assert_success
	assert_output $'{"a":"1","b":"2"}\n{"b":"3"}'
	run --separate-stderr csv2jsonl a.csv missing.csv
	assert_failure 66
	assert_output ""
}

@test "streams a large file in bounded memory" {
	python3 -c '
import sys
w = sys.stdout.write
w("id,text,n\r\n")
for i in range(200000):
    w("%d,\"quoted, with \"\"q\"\" and\r\nnewline %d\",%d\r\n" % (i, i, i * 7))
' > "$BATS_TEST_TMPDIR/big.csv"
	run --separate-stderr bash -c '/usr/bin/time -f %M csv2jsonl -q "$1" | tail -1' _ "$BATS_TEST_TMPDIR/big.csv"
	assert_success
	[ -z "${SLUICE_SANITIZE:-}" ] || return 0	# ASan's own memory
	assert_output '{"id":"199999","text":"quoted, with \"q\" and\r\nnewline 199999","n":"1399993"}'
	# Sanitizer builds carry their own shadow memory: no RSS bound there.
	ldd "$(command -v csv2jsonl)" | grep -q libasan || [ "$stderr" -le 16384 ]
}

@test "--help prints usage to stdout and exits 0" {
	run --separate-stderr csv2jsonl --help
	assert_success
	assert_line -n 0 --partial "usage: csv2jsonl"
	assert_line --partial "--rejects FILE"
	assert_equal "$stderr" ""
}

@test "--version prints the version" {
	run csv2jsonl --version
	assert_success
	assert_output --regexp '^csv2jsonl \(sluice\) [0-9]+\.[0-9]+\.[0-9]+$'
}
