#!/usr/bin/env bats
# csv-spectrum (external, in CONFORMANCE_DIR) through csv2jsonl and back
# through jsonl2csv. sluice's own cases of the same rules are in
# tests/csv2jsonl.bats ("CSV edge case: ...").

load ../test_helper
bats_require_minimum_version 1.5.0

SPECTRUM="$CONF/csv/csv-spectrum"

setup() {
	need_suite csv-spectrum
}

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

spectrum() {
	run --separate-stderr csv2jsonl -q "$SPECTRUM/csvs/$1.csv"
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" | same_json "$SPECTRUM/json/$1.json"
}

@test "csv-spectrum comma_in_quotes" { spectrum comma_in_quotes; }
@test "csv-spectrum empty" { spectrum empty; }
@test "csv-spectrum empty_crlf" { spectrum empty_crlf; }
@test "csv-spectrum escaped_quotes" { spectrum escaped_quotes; }
@test "csv-spectrum json" { spectrum json; }
@test "csv-spectrum newlines" { spectrum newlines; }
@test "csv-spectrum newlines_crlf" { spectrum newlines_crlf; }
@test "csv-spectrum quotes_and_newlines" { spectrum quotes_and_newlines; }
@test "csv-spectrum simple" { spectrum simple; }
@test "csv-spectrum simple_crlf" { spectrum simple_crlf; }
@test "csv-spectrum utf8" { spectrum utf8; }

@test "round trip of csv-spectrum through jsonl2csv gives the same records" {
	for f in "$SPECTRUM"/csvs/*.csv; do
		a=$(csv2jsonl -q "$f")
		b=$(csv2jsonl -q "$f" | jsonl2csv -q | csv2jsonl -q)
		[ "$a" = "$b" ] || { echo "differs: $f"; return 1; }
	done
}
