#!/usr/bin/env bats
# jsonl2csv: JSON Lines objects in, RFC 4180 CSV out.

load test_helper
bats_require_minimum_version 1.5.0

@test "columns come from the first object; values are written by type" {
	run jsonl2csv -q <<-'EOF'
	{"id":7,"name":"Ann, \"the\" first","note":null,"ok":true,"tags":["a", "b"],"n":1.50e2,"nested":{"k":"v"}}
	{"id":8,"name":"caf\u00e9","note":"two\nlines","ok":false,"tags":[],"n":-0,"nested":{}}
	EOF
	assert_success
	assert_output - <<-'EOF'
	id,name,note,ok,tags,n,nested
	7,"Ann, ""the"" first",,true,"[""a"", ""b""]",1.50e2,"{""k"":""v""}"
	8,café,"two
	lines",false,[],-0,{}
	EOF
}

@test "quotes only the fields that need it" {
	run jsonl2csv -q < <(printf '%s\n' '{"a":"plain","b":" spaced ","c":"x\"y","d":"cr\rhere","e":"1;2"}')
	assert_success
	assert_output "a,b,c,d,e
plain, spaced ,\"x\"\"y\",\"cr$(printf '\r')here\",1;2"
}

@test "--columns picks and orders the columns; missing keys are empty" {
	run --separate-stderr jsonl2csv --columns b,zz,a < <(printf '%s\n' '{"a":1,"b":2,"c":3}' '{"b":4}')
	assert_success
	assert_output - <<-'EOF'
	b,zz,a
	2,,1
	4,,
	EOF
	[[ "$stderr" =~ ^"jsonl2csv: 2 lines, 2 written, 0 rejected, 1 with other keys," ]]
}

@test "keys not in the columns are counted in the summary" {
	run --separate-stderr jsonl2csv < <(printf '%s\n' '{"a":1}' '{"a":2,"b":3}' '{"b":4,"a":5}')
	assert_success
	assert_output - <<-'EOF'
	a
	1
	2
	5
	EOF
	[[ "$stderr" =~ ^"jsonl2csv: 3 lines, 3 written, 0 rejected, 2 with other keys," ]]
}

@test "--all-keys takes the union of the keys of a file, in order of appearance" {
	printf '%s\n' '{"a":1}' '{"b":2,"a":3}' '{"c":"x"}' > "$BATS_TEST_TMPDIR/in.jsonl"
	run jsonl2csv -q --all-keys "$BATS_TEST_TMPDIR/in.jsonl"
	assert_success
	assert_output - <<-'EOF'
	a,b,c
	1,,
	3,2,
	,,x
	EOF
}

@test "--all-keys on a pipe goes through a temporary file that is removed" {
	mkdir "$BATS_TEST_TMPDIR/t"
	run bash -c 'printf "%s\n" "{\"a\":1}" "not json" "{\"b\":2}" |
	    TMPDIR="$1" jsonl2csv -q --all-keys -r "$1/../rej"' _ "$BATS_TEST_TMPDIR/t"
	assert_success
	assert_output - <<-'EOF'
	a,b
	1,
	,2
	EOF
	run ls -A "$BATS_TEST_TMPDIR/t"
	assert_output ''
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output '{"_error_row":2,"_error_message":"invalid JSON at column 1: invalid literal","_error_tool":"jsonl2csv","_raw":"not json"}'
}

@test "--all-keys with --columns is a usage error" {
	run --separate-stderr jsonl2csv --all-keys --columns a
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "jsonl2csv: --all-keys and --columns exclude each other"
}

@test "--crlf ends rows with CR LF" {
	run bash -c "printf '%s\n' '{\"a\":\"x\",\"b\":1}' | jsonl2csv -q --crlf | od -An -c | tr -s ' '"
	assert_success
	assert_output ' a , b \r \n x , 1 \r \n'
}

@test "-d sets the delimiter and quoting follows it" {
	run jsonl2csv -q -d ';' < <(printf '%s\n' '{"a":"1;2","b":"3,4"}')
	assert_output - <<-'EOF'
	a;b
	"1;2";3,4
	EOF
	run jsonl2csv -q -d tab < <(printf '%s\n' '{"a":"x\ty","b":"z"}')
	assert_output "a	b
\"x	y\"	z"
}

@test "a line that is not JSON stops the run with exit 65" {
	run --separate-stderr jsonl2csv < <(printf '%s\n' '{"a":1}' '{"a":' '{"a":2}')
	assert_failure 65
	assert_output - <<-'EOF'
	a
	1
	EOF
	assert_equal "${stderr%%$'\n'*}" "jsonl2csv: line 2: invalid JSON at column 6: unterminated object"
}

@test "bad lines and non-objects go to rejects" {
	run jsonl2csv -q -r "$BATS_TEST_TMPDIR/rej" < <(printf '%s\n' '[1,2]' '{"a":"ok"}' '"str"' '{"a":"n\u0000ul"}')
	assert_success
	assert_output - <<-'EOF'
	a
	ok
	EOF
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output - <<-'EOF'
	{"_error_row":1,"_error_message":"expected an object, got array","_error_tool":"jsonl2csv","_raw":"[1,2]"}
	{"_error_row":3,"_error_message":"expected an object, got string","_error_tool":"jsonl2csv","_raw":"\"str\""}
	{"a":"n\u0000ul","_error_row":4,"_error_message":"column \"a\": a NUL character (\\u0000) cannot be written to CSV","_error_tool":"jsonl2csv"}
	EOF
}

@test "a one-column empty value is written as a quoted empty field" {
	run jsonl2csv -q < <(printf '%s\n' '{"a":""}' '{"a":null}' '{"a":"x"}')
	assert_output - <<-'EOF'
	a
	""
	""
	x
	EOF
}

@test "empty input writes nothing and exits 0" {
	run jsonl2csv -q < /dev/null
	assert_success
	assert_output ''
}

@test "--columns writes the header even for empty input; --no-header omits it" {
	run jsonl2csv -q --columns 'a,b c' < /dev/null
	assert_output 'a,b c'
	run jsonl2csv -q --no-header < <(printf '%s\n' '{"a":1}')
	assert_output '1'
}

@test "round trip: csv2jsonl | jsonl2csv reproduces the values of the corpus" {
	d="$BATS_TEST_TMPDIR/corpus"
	python3 "$ROOT/tests/gen/csv-corpus.py" "$d" --seed 4180 --files 40
	python3 - "$d" <<-'EOF'
	import csv, glob, io, os, subprocess, sys
	csv.field_size_limit(1 << 30)
	bad = 0
	for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.csv"))):
	    delim = open(f[:-4] + ".delim").read()
	    dl = "tab" if delim == "\t" else delim
	    p = subprocess.run(["bash", "-c", 'csv2jsonl -q -d "$1" "$2" | jsonl2csv -q -d "$1"',
	                        "_", dl, f], capture_output=True)
	    text = open(f, encoding="utf-8", newline="").read()
	    src = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
	    out = [r for r in csv.reader(io.StringIO(p.stdout.decode(), newline=""), delimiter=delim) if r]
	    if len(src) == 1:
	        src = []          # a header alone: no record, so no columns
	    if p.returncode != 0 or src != out:
	        bad += 1
	        print("differs:", f)
	sys.exit(bad != 0)
	EOF
}

@test "round trip of the CSV edge cases gives the same records" {
	local f a b
	for f in "$FIX"/csv-edge/*.csv; do
		a=$(csv2jsonl -q "$f")
		b=$(csv2jsonl -q "$f" | jsonl2csv -q | csv2jsonl -q)
		[ "$a" = "$b" ] || { echo "differs: $f"; return 1; }
		b=$(csv2jsonl -q "$f" | jsonl2csv -q --crlf | csv2jsonl -q)
		[ "$a" = "$b" ] || { echo "differs with --crlf: $f"; return 1; }
	done
}

@test "values with quotes, CR and LF are quoted and doubled on the way out" {
	run jsonl2csv -q < "$FIX/csv-edge/quoted-crlf.jsonl"
	assert_success
	assert_output "$(printf 'id,note\n1,"one\r\ntwo"\n2,"lone\rcr"')"
	run jsonl2csv -q < "$FIX/csv-edge/escaped-quotes.jsonl"
	assert_success
	assert_output - <<-'EOF'
	a,b,c
	"""q""","mid""dle",""""
	"say ""hi"", then go",x,""""""
	EOF
}

@test "duplicate --columns names are a usage error" {
	run --separate-stderr jsonl2csv --columns a,b,a
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "jsonl2csv: --columns: column 3: duplicate name \"a\" (also column 1)"
}

@test "a missing input file exits 66" {
	run --separate-stderr jsonl2csv "$BATS_TEST_TMPDIR/nope"
	assert_failure 66
}

@test "a write error on stdout exits 74" {
	run --separate-stderr bash -c 'printf "{\"a\":1}\n" | jsonl2csv -q > /dev/full'
	assert_failure 74
	assert_equal "${stderr%%$'\n'*}" "jsonl2csv: stdout: write error: No space left on device"
}

@test "a reader that stops early (| head -1) ends it quietly with 0" {
	run --separate-stderr bash -c 'seq 1 300000 | sed "s/.*/{\"n\":&}/" |
	    jsonl2csv -q | head -2; echo "${PIPESTATUS[2]}"'
	assert_output - <<-'EOF'
	n
	1
	0
	EOF
	assert_equal "$stderr" ""
}

@test "--help prints usage to stdout and exits 0; --version the version" {
	run --separate-stderr jsonl2csv --help
	assert_success
	assert_line -n 0 --partial "usage: jsonl2csv"
	run jsonl2csv --version
	assert_output --regexp '^jsonl2csv \(sluice\) [0-9]+\.[0-9]+\.[0-9]+$'
}
