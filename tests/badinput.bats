#!/usr/bin/env bats
# The bad-input matrix: every tool against the same hostile
# inputs. Each @test is one kind of bad input; it loops over the tools
# of the table below (those built in bin/), runs each one in a subshell
# so that one tool's failure does not hide another's, and fails naming
# every tool that misbehaved. A (case, tool) pair listed in DEFECTS is
# not run and turns the test into a skip naming the defect, once every
# other tool passed.

load test_helper
bats_require_minimum_version 1.5.0

# tool -> how to make it a plain filter. KIND is its input (jsonl, array:
# one JSON array, csv); OUT what it writes on stdout (pass: the records
# byte for byte, gen: records it builds, csv, paths: chunk file names,
# agg: aggregates, none); DIVERT the --stats counters, other than those
# under "diverted", of records neither passed nor rejected.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TOOLS=${BADINPUT_TOOLS:-"jsonl-validate dedupe prune rollup chunk jsonl2csv json2jsonl csv2jsonl pg-load"}

spec() {
	KIND=jsonl OUT=pass DIVERT=""
	case $1 in
	jsonl-validate)	CMD=(jsonl-validate --require .a) ;;
	dedupe)		CMD=(dedupe -k .a --drop) ;;
	prune)		CMD=(prune --time .t --before 2000-01-01 --drop) ;;
	rollup)		CMD=(rollup --time .t --period day --count n); OUT=agg ;;
	# -l, -b, -n copy lines unparsed (chunk(1)); --shards parses them.
	chunk)		CMD=(chunk --shards 2 -k .a -o @DIR@); OUT=paths ;;
	jsonl2csv)	CMD=(jsonl2csv); OUT=csv ;;
	json2jsonl)	CMD=(json2jsonl); KIND=array ;;
	csv2jsonl)	CMD=(csv2jsonl); KIND=csv; OUT=gen ;;
	pg-load)	CMD=(pg-load -t bad_input --dry-run); OUT=none; DIVERT=skipped ;;
	esac
}

# "case:tool" (or "case:*": every tool) -> a defect found by this suite
# and not fixed yet; the pair is not run and the test skips naming it.
declare -gA DEFECTS=()

setup_file() {
	if [ -n "${PGHOST:-}" ] && command -v psql >/dev/null; then
		psql -X -q -c 'create table if not exists bad_input
		    (a text, t timestamptz, n int)' >/dev/null 2>&1 || true
	fi
}

# Run the tool of the current spec with extra arguments (stdin as given);
# --stats goes to $ST. @DIR@ becomes a fresh directory. AS=as_user runs
# it as an unprivileged user.
tool() {
	local a args=()
	rm -rf "$OUTDIR"
	for a in "${CMD[@]}"; do
		args+=("${a//@DIR@/$OUTDIR}")
	done
	${AS:-} "${args[@]}" --stats "$ST" "$@"
}

# good N: the Nth valid record of a kind (JSONL line, array element, CSV row).
good() {
	case $KIND in
	csv) printf 'k%d,2024-01-0%dT00:00:00Z,%d' "$1" "$1" "$1" ;;
	*) printf '{"a":"k%d","t":"2024-01-0%dT00:00:00Z","n":%d}' "$1" "$1" "$1" ;;
	esac
}

# make FILE BAD: three records, the second one replaced by BAD (raw
# bytes, printf %b); BAD empty: three good records.
make_input() {
	local f=$1 bad=$2 eol=${3:-\\n}
	{
		case $KIND in
		array) printf '[%s,\n' "$(good 1)" ;;
		csv) printf 'a,t,n%b%s%b' "$eol" "$(good 1)" "$eol" ;;
		*) printf '%s%b' "$(good 1)" "$eol" ;;
		esac
		if [ -n "$bad" ]; then printf '%b' "$bad"; else good 2; fi
		case $KIND in
		array) printf ',\n%s]\n' "$(good 3)" ;;
		*) printf '%b%s%b' "$eol" "$(good 3)" "$eol" ;;
		esac
	} > "$f"
}

# Where the second record is, as the tool's messages say it.
where2() {
	case $KIND in
	array) echo "element 2" ;;
	csv) echo "row 3" ;;
	# pg-load counts rows: "row 2" names the line too.
	*) echo "(line|row) 2([^0-9]|$)" ;;
	esac
}

# stats_ok [TOTAL]: the --stats file adds up (total = passed + rejected +
# diverted) and, when given, counts TOTAL records.
stats_ok() {
	local total=${1:-} divert d sum
	divert=0
	for d in $DIVERT; do divert="$divert + (.\"$d\" // 0)"; done
	jq -e --argjson total "${total:-null}" "
	    .processed as \$n |
	    (.passed + .rejected + ([.diverted[]] | add // 0) + $divert) as \$sum |
	    if \$n != \$sum then error(\"stats do not add up: processed=\\(\$n), passed+rejected+diverted=\\(\$sum): \\(.)\")
	    elif \$total != null and \$n != \$total then error(\"stats count \\(\$n), the input has \\(\$total): \\(.)\")
	    else true end" "$ST" >/dev/null
}

# After a fatal bad record (exit 65). pg-load loads in transactions: the
# records of the batch that was rolled back are counted read, not loaded
# (nothing of them is in the table), so it needs only read >= accounted.
stats_fatal_ok() {
	if [ "$OUT" = none ]; then
		jq -e '.rejected >= 1 and .processed >= .passed + .rejected' \
		    "$ST" >/dev/null
	else
		stats_ok
	fi
}

# The JSONL lines a tool wrote, for checks that records survived.
records_out() {
	case $OUT in
	paths) cat "$OUTDIR"/* | LC_ALL=C sort ;;
	*) printf '%s\n' "$output" ;;
	esac
}

# each_tool FN [KINDS]: run FN for every built tool (whose KIND is in
# KINDS, default all), each in a subshell with set -e.
each_tool() {
	local fn=$1 kinds=${2:-"jsonl array csv"} t rc fails="" ran=0 defects=""
	for t in $TOOLS; do
		spec "$t"
		case " $kinds " in *" $KIND "*) ;; *) continue ;; esac
		[ -x "$ROOT/bin/$t" ] || continue
		if [ -n "${DEFECTS[$fn:$t]:-}" ]; then
			defects+="${DEFECTS[$fn:$t]}; "
			continue
		elif [ -n "${DEFECTS[$fn:*]:-}" ]; then
			[[ "$defects" == *"${DEFECTS[$fn:*]}"* ]] ||
			    defects+="every tool: ${DEFECTS[$fn:*]}; "
			continue
		fi
		if [ "$t" = pg-load ] && [ -z "${PGHOST:-}" ]; then
			continue
		fi
		ST="$BATS_TEST_TMPDIR/$t.stats"
		OUTDIR="$BATS_TEST_TMPDIR/$t.out"
		set +e
		( set -e; spec "$t"; "$fn" "$t" ) > "$BATS_TEST_TMPDIR/$t.log" 2>&1
		rc=$?
		set -e
		ran=$((ran + 1))
		if [ "$rc" -ne 0 ]; then
			fails+=" $t"
			echo "=== $t"
			cat "$BATS_TEST_TMPDIR/$t.log"
		fi
	done
	[ -z "$fails" ] || fail "failed for:$fails"
	[ -z "$defects" ] || skip "defect: $defects"
	[ "$ran" -gt 0 ] || skip "no tool of kind ($kinds) built"
}

# The rejects file holds one valid JSON line for the second record, its
# message containing $1.
one_reject() {
	local row=2
	[ "$KIND" = csv ] && row=3
	[ "$(wc -l < "$BATS_TEST_TMPDIR/rej")" -eq 1 ]
	jq -e --argjson row "$row" --arg what "$1" '
	    if ._error_row != $row then error("_error_row \(._error_row), not \($row)")
	    elif (._error_message | ascii_downcase | contains($what | ascii_downcase)) | not
	    then error("message \(._error_message) lacks \($what)") else true end' \
	    "$BATS_TEST_TMPDIR/rej" >/dev/null
}

# A bad second record: exit 65 naming it without --rejects; with
# --rejects the run succeeds, the reject names the row, nothing is lost.
bad_second() {
	local bad=$1 what=$2 w
	w=$(where2)
	make_input "$BATS_TEST_TMPDIR/in" "$bad"
	run -65 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "$w"
	[ "$OUT" = pass ] && assert_output "$(good 1)"
	stats_fatal_ok
	run -0 --separate-stderr tool -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/in"
	stats_ok 3
	one_reject "$what"
}

case_malformed() { bad_second '{"a":"k2",}' ""; }
@test "malformed JSON: exit 65 naming the line; with --rejects nothing is lost" {
	each_tool case_malformed "jsonl array"
}

case_overlong() { bad_second "$(good 2 | sed 's/k2/k2\\xc0\\xaf/')" ""; }
@test "invalid UTF-8 (overlong /) is a bad record naming its line" {
	each_tool case_overlong
}

case_surrogate() { bad_second "$(good 2 | sed 's/k2/k2\\xed\\xa0\\x80/')" ""; }
@test "invalid UTF-8 (encoded surrogate) is a bad record naming its line" {
	each_tool case_surrogate
}

case_truncated() { bad_second "$(good 2 | sed 's/k2/k2\\xe2\\x82/')" ""; }
@test "invalid UTF-8 (truncated sequence) is a bad record naming its line" {
	each_tool case_truncated
}

case_nul() { bad_second "$(good 2 | sed 's/k2/k2\\x00/')" ""; }
@test "a NUL byte is a bad record naming its line" {
	each_tool case_nul
}

case_nul_outside() { bad_second "$(good 2)\\x00" ""; }
@test "a NUL byte after the record is a bad record naming its line" {
	each_tool case_nul_outside jsonl
}

case_deep() {
	local w
	w=$(where2)
	"$PY" -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' > "$BATS_TEST_TMPDIR/deep"
	bad_second "$(cat "$BATS_TEST_TMPDIR/deep")" ""
}
@test "100000 nested brackets are a bad record, not a crash" {
	each_tool case_deep "jsonl array"
}

# A 4 KB record under --max-line 1K.
case_max_line() {
	local w
	w=$(where2)
	make_input "$BATS_TEST_TMPDIR/in" "$(good 2 | sed "s/k2/k2$(printf 'x%.0s' {1..4096})/")"
	run -65 --separate-stderr tool --max-line 1K "$BATS_TEST_TMPDIR/in"
	# json2jsonl(1): a too-large element stops the run naming its byte offset.
	[ "$KIND" = array ] && w="byte [0-9]+"
	assert_regex "$stderr" "$w"
	assert_regex "$stderr" "--max-line"
	[ "$OUT" = pass ] && assert_output "$(good 1)"
	stats_fatal_ok
	# json2jsonl documents a too-large element as fatal even with -r.
	if [ "$KIND" = array ]; then
		return 0
	fi
	run -0 --separate-stderr tool --max-line 1K -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/in"
	stats_ok 3
	one_reject "--max-line"
	[ "$OUT" = pass ] && assert_output "$(printf '%s\n' "$(good 1)" "$(good 3)")"
	return 0
}
@test "a line longer than --max-line is refused, or a reject naming --max-line" {
	each_tool case_max_line
}

case_empty() {
	: > "$BATS_TEST_TMPDIR/in"
	if [ "$KIND" = array ]; then
		# json2jsonl(1): input that is not an array is exit 65.
		run -65 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
		assert_regex "$stderr" "expected '\\['"
		return 0
	fi
	run -0 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	[ "$OUT" = paths ] && [ -n "$output" ] && ls -A "$OUTDIR"
	[ "$OUT" = csv ] || assert_output ""
	stats_ok 0
}
@test "empty input: exit 0, no output" {
	each_tool case_empty
}

case_newline() {
	printf '\n' > "$BATS_TEST_TMPDIR/in"
	if [ "$KIND" = array ]; then
		run -65 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
		return 0
	fi
	run -0 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	[ "$OUT" = csv ] || assert_output ""
	stats_ok 0
}
@test "only a newline: exit 0, no output" {
	each_tool case_newline
}

case_no_final_newline() {
	make_input "$BATS_TEST_TMPDIR/in" ""
	truncate -s -1 "$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	stats_ok 3
	case $OUT in
	pass|paths) assert_equal "$(records_out)" "$(printf '%s\n' "$(good 1)" "$(good 2)" "$(good 3)" | LC_ALL=C sort)" ;;
	gen) assert_equal "$(tail -n 1 <<<"$output")" \
	    '{"a":"k3","t":"2024-01-03T00:00:00Z","n":"3"}' ;;
	esac
	return 0
}
@test "a last line without a newline is a record" {
	each_tool case_no_final_newline
}

# The record contract (sluice(7)): a passing record is the line without its line end, plus LF.
# The CR of a CRLF is part of the line end, not of the record: tools drop
# it, except chunk, a splitter whose chunks concatenate back to its input
# byte for byte (chunk(1)), which keeps each record's own line end.
case_crlf() {
	make_input "$BATS_TEST_TMPDIR/in" "" '\r\n'
	run -0 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	stats_ok 3
	case $OUT in
	paths) records_out > "$BATS_TEST_TMPDIR/got"
		(good 1; printf '\r\n'; good 2; printf '\r\n'; good 3; printf '\r\n') |
		    LC_ALL=C sort > "$BATS_TEST_TMPDIR/want"
		cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want"
		return ;;
	pass) records_out > "$BATS_TEST_TMPDIR/got"
		(good 1; echo; good 2; echo; good 3; echo) | LC_ALL=C sort > "$BATS_TEST_TMPDIR/want"
		cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want" ;;
	gen) assert_equal "$output" "$(printf '%s\n' \
	    '{"a":"k1","t":"2024-01-01T00:00:00Z","n":"1"}' \
	    '{"a":"k2","t":"2024-01-02T00:00:00Z","n":"2"}' \
	    '{"a":"k3","t":"2024-01-03T00:00:00Z","n":"3"}')" ;;
	esac
	[[ "$output" != *$'\r'* ]]
}
@test "CRLF input: records kept, with LF and no CR (chunk: CRLF kept)" {
	each_tool case_crlf
}

case_nonexistent() {
	run -66 --separate-stderr tool "$BATS_TEST_TMPDIR/no-such-file"
	assert_regex "$stderr" "no-such-file"
	assert_output ""
}
@test "a nonexistent input file is exit 66 naming it" {
	each_tool case_nonexistent
}

case_unreadable() {
	make_input "$BATS_TEST_TMPDIR/in" ""
	chmod 000 "$BATS_TEST_TMPDIR/in"
	AS=as_user run -66 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "Permission denied"
	assert_output ""
}
@test "an unreadable input file is exit 66" {
	as_user_reach
	each_tool case_unreadable
}

case_directory() {
	run -66 --separate-stderr tool "$BATS_TEST_TMPDIR"
	assert_regex "$stderr" "[Ii]s a directory"
	assert_output ""
}
@test "a directory as input is exit 66" {
	each_tool case_directory
}

case_dev_full() {
	[ "$OUT" = none ] && return 0
	make_input "$BATS_TEST_TMPDIR/in" ""
	run -74 --separate-stderr to_full "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "stdout: .*(No space left|write error)"
}
to_full() { tool "$@" >/dev/full; }
@test "stdout on /dev/full is exit 74 naming stdout" {
	each_tool case_dev_full
}

# 200 000 records; the reader takes one line and goes away.
case_head() {
	[ "$OUT" = none ] && return 0
	"$PY" - "$KIND" > "$BATS_TEST_TMPDIR/big" <<'EOF'
import sys
k = sys.argv[1]
n = 200000
if k == "csv":
    print("a,t,n")
    for i in range(n): print(f"k{i},2024-01-01T00:00:00Z,{i}")
elif k == "array":
    print("[" + ",\n".join(f'{{"a":"k{i}","t":"2024-01-01T00:00:00Z","n":{i}}}' for i in range(n)) + "]")
else:
    for i in range(n): print(f'{{"a":"k{i}","t":"2024-01-{1 + i % 28:02d}T00:00:00Z","n":{i}}}')
EOF
	if [ "$OUT" = paths ]; then CMD=(chunk -l 1 -o "$BATS_TEST_TMPDIR/many"); fi
	run -0 --separate-stderr to_head "$BATS_TEST_TMPDIR/big"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" != *"Broken pipe"* ]]
	[[ "$stderr" != *"write error"* ]]
}
to_head() { set -o pipefail; tool "$@" | head -n 1; }
@test "stdout closed early by head -1: exit 0, no Broken pipe" {
	each_tool case_head
}

# stdout closed early while records are being rejected: exit 0 quietly,
# but the side files are not cut short: --stats is written and counts
# exactly the rejects in the rejects file.
case_head_sides() {
	case $OUT in pass|csv) ;; *) return 0 ;; esac
	"$PY" -c '
for i in range(200000):
    print("xx" if i % 2 else f"{{\"a\":\"k{i}\",\"t\":\"2024-01-01T00:00:00Z\"}}")' \
	    > "$BATS_TEST_TMPDIR/half"
	run -0 --separate-stderr to_head -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/half"
	[ -s "$ST" ]
	stats_ok
	assert_equal "$(jq .rejected "$ST")" "$(wc -l < "$BATS_TEST_TMPDIR/rej")"
}
@test "stdout closed early: --stats is written and counts the rejects written" {
	each_tool case_head_sides jsonl
}

case_rejects_uncreatable() {
	make_input "$BATS_TEST_TMPDIR/in" ""
	run -73 --separate-stderr tool -r "$BATS_TEST_TMPDIR/no/such/dir/rej" "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "--rejects"
	assert_output ""
}
@test "--rejects to an uncreatable path is exit 73 naming the flag" {
	each_tool case_rejects_uncreatable
}

case_stats_uncreatable() {
	make_input "$BATS_TEST_TMPDIR/in" ""
	ST="$BATS_TEST_TMPDIR/no/such/dir/stats"
	run -73 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "--stats"
}
@test "--stats to an uncreatable path is exit 73 naming the flag" {
	each_tool case_stats_uncreatable
}

# --rejects or --stats naming the input file itself must not truncate it
# before it is read (every record lost, exit 0): refused, input intact.
case_side_is_input() {
	local f
	for f in -r --stats; do
		make_input "$BATS_TEST_TMPDIR/in" ""
		cp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in.orig"
		run --separate-stderr tool "$f" "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in"
		echo "$f: exit $status: $stderr"
		[ "$status" -ne 0 ]
		cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in.orig"
	done
}
@test "a side file that is the input file is refused and the input left intact" {
	each_tool case_side_is_input
}

# sluice(7), EXIT STATUS: a full disk is exit 74, side files included.
case_stats_full() {
	make_input "$BATS_TEST_TMPDIR/in" ""
	ST=/dev/full
	run -74 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "/dev/full: write error"
}
@test "--stats on /dev/full is exit 74 naming it" {
	each_tool case_stats_full
}

case_rejects_full() {
	make_input "$BATS_TEST_TMPDIR/in" '{"a":"k2",}'
	[ "$KIND" = csv ] && make_input "$BATS_TEST_TMPDIR/in" 'k2'
	run -74 --separate-stderr tool -r /dev/full "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "/dev/full: write error"
}
@test "--rejects on /dev/full is exit 74 naming it" {
	each_tool case_rejects_full
}

# CSV: three hostile rows, each the second data row (spreadsheet row 3).
case_csv_ragged() { bad_second 'k2,2024-01-02T00:00:00Z' "expected 3 fields"; }
@test "CSV: a ragged row is a bad row naming row 3" {
	each_tool case_csv_ragged csv
}

case_csv_ragged_long() { bad_second 'k2,2024-01-02T00:00:00Z,2,extra' "expected 3 fields"; }
@test "CSV: a row with an extra field is a bad row naming row 3" {
	each_tool case_csv_ragged_long csv
}

case_csv_stray_quote() { bad_second 'k"2,2024-01-02T00:00:00Z,2' "quote"; }
@test "CSV: a stray quote in an unquoted field is a bad row naming row 3" {
	each_tool case_csv_stray_quote csv
}

case_csv_after_quote() { bad_second '"k2"x,2024-01-02T00:00:00Z,2' "quote"; }
@test "CSV: text after a closing quote is a bad row naming row 3" {
	each_tool case_csv_after_quote csv
}

# An unterminated quote swallows the rest of the input: one bad row.
case_csv_unterminated() {
	make_input "$BATS_TEST_TMPDIR/in" '"k2,2024-01-02T00:00:00Z,2'
	run -65 --separate-stderr tool "$BATS_TEST_TMPDIR/in"
	assert_regex "$stderr" "row 3"
	assert_regex "$stderr" "not closed"
	assert_output '{"a":"k1","t":"2024-01-01T00:00:00Z","n":"1"}'
	stats_ok
	run -0 --separate-stderr tool -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/in"
	stats_ok 2
	"$PY" - "$BATS_TEST_TMPDIR/rej" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert r["_error_row"] == 3, r
# nothing lost: the bad row holds the rest of the input
assert r["_raw"].startswith('"k2,2024-01-02T00:00:00Z,2'), r
assert "k3,2024-01-03T00:00:00Z,3" in r["_raw"], r
EOF
}
@test "CSV: an unterminated quote is one bad row holding the rest of the input" {
	each_tool case_csv_unterminated csv
}

# One 100 MB line through the tools with their default --max-line (64M):
# a clear error naming --max-line, and memory bounded (the line is never
# held whole: at most --max-line plus the read buffer).
# stdout to a file: run would hold 100 MB in $output.
huge_run() { /usr/bin/time -f 'maxrss %M' "$@" > "$BATS_TEST_TMPDIR/huge.out"; }
@test "a 100 MB line with default limits: exit 65 naming --max-line, bounded RSS" {
	local t ran=0 rss
	for t in jsonl-validate dedupe prune csv2jsonl; do
		[ -x "$ROOT/bin/$t" ] || continue
		spec "$t"
		"$PY" - "$KIND" > "$BATS_TEST_TMPDIR/huge" <<'EOF'
import sys
w = sys.stdout.write
csv = sys.argv[1] == "csv"
t = '"t":"2024-01-01T00:00:00Z"'
w('a\nk1\n"' if csv else '{"a":"k1",%s}\n{%s,"a":"' % (t, t))
chunk = "x" * (1 << 20)
for _ in range(100): w(chunk)
w('"\nk3\n' if csv else '"}\n{"a":"k3",%s}\n' % t)
EOF
		ST="$BATS_TEST_TMPDIR/$t.stats"
		run -65 --separate-stderr huge_run "${CMD[@]}" --stats "$ST" \
		    "$BATS_TEST_TMPDIR/huge"
		assert_regex "$stderr" "$(where2)"
		assert_regex "$stderr" "--max-line"
		rss=$(sed -n 's/^maxrss //p' <<<"$stderr")
		echo "$t: max RSS $rss KiB"
		# ASan's shadow memory: no RSS bound under make check SANITIZE=1.
		[ -n "${SLUICE_SANITIZE:-}" ] || [ "$rss" -lt 300000 ]
		ran=$((ran + 1))
	done
	[ "$ran" -gt 0 ] || skip "no JSONL filter built"
}
