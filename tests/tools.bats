#!/usr/bin/env bats
# What every tool owes its users: a lint-clean man page, --help,
# --version, and exit 64 with a one-line hint on misuse.

load test_helper

tools() {
	local d
	for d in "$ROOT"/tools/*/; do
		d=$(basename "$d")
		[ "$d" = lib ] || echo "$d"
	done
}

@test "every tool has a man page that mandoc -Tlint passes" {
	for t in $(tools) sluice-backfill sluice-verify; do
		[ -f "$ROOT/man/man1/$t.1" ] || fail "$t has no man page"
	done
	run mandoc -Tlint -Wwarning "$ROOT"/man/man1/*.1 "$ROOT"/man/man7/*.7
	assert_success
	assert_output ""
}

@test "every tool prints its usage on --help, to stdout, and exits 0" {
	for t in $(tools); do
		run --separate-stderr "$t" --help
		[ "$status" -eq 0 ] || fail "$t --help exited $status"
		[[ "$output" == *"usage: $t"* ]] || fail "$t --help: no usage line"
		[ -z "$stderr" ] || fail "$t --help wrote to stderr"
		[[ "$output" == *"--rejects"* ]] || fail "$t --help: no common options"
	done
}

@test "every tool and script prints its name and the Makefile's version on --version" {
	v=$(sed -n 's/^VERSION *= *//p' "$ROOT/Makefile")
	[ -n "$v" ]
	for t in $(tools); do
		run "$t" --version
		assert_success
		assert_output "$t (sluice) $v"
	done
	for t in sluice-backfill sluice-verify; do
		run "$ROOT/scripts/$t" --version
		assert_success
		assert_output "$t (sluice) $v"
	done
}

@test "every --help agrees with the options table of sluice(7): one meaning per option and letter" {
	run python3 "$ROOT/tests/examples/options.py" "$ROOT/man/man7/sluice.7" \
	    $(for t in $(tools); do command -v "$t"; done) \
	    "$ROOT/scripts/sluice-backfill" "$ROOT/scripts/sluice-verify"
	assert_success
	assert_output ""
}

@test "the options check catches a letter with two meanings and an option missing from the table" {
	sed 's/^\.It Fl -dupes Ar file$/.It Fl d , Fl -dupes Ar file/' \
	    "$ROOT/man/man7/sluice.7" > "$BATS_TEST_TMPDIR/two.7"
	run python3 "$ROOT/tests/examples/options.py" "$BATS_TEST_TMPDIR/two.7" "$(command -v dedupe)"
	assert_failure
	assert_line "-d is both --delimiter and --dupes"
	assert_line "dedupe: --dupes has no short form, the table -d"
	sed '/^\.It Fl -seen Ar file$/,+2d' "$ROOT/man/man7/sluice.7" > "$BATS_TEST_TMPDIR/gone.7"
	run python3 "$ROOT/tests/examples/options.py" "$BATS_TEST_TMPDIR/gone.7" "$(command -v dedupe)"
	assert_failure
	assert_output "dedupe: --seen is not in the table"
}

@test "the scripts reject an unknown option like the tools, and take --opt=value" {
	for t in sluice-backfill sluice-verify; do
		run --separate-stderr "$ROOT/scripts/$t" --no-such-option
		assert_failure 64
		[ -z "$output" ] || fail "$t wrote to stdout"
		assert_equal "$stderr" "$t: unknown option '--no-such-option'
Try '$t --help' for more information."
	done
	run --separate-stderr "$ROOT/scripts/sluice-verify" --time=.t -t x --column=t --period=fortnight
	assert_failure 64
	assert_equal "$stderr" "sluice-verify: --period: unknown period 'fortnight'"
}

@test "a bad option exits 64 naming the tool, with a hint and nothing on stdout" {
	for t in $(tools); do
		run --separate-stderr "$t" --no-such-option
		[ "$status" -eq 64 ] || fail "$t: exit $status"
		[ -z "$output" ] || fail "$t wrote to stdout"
		[[ "$stderr" == "$t: unrecognized option '--no-such-option'"* ]] ||
		    fail "$t: $stderr"
		[[ "$stderr" == *"Try '$t --help' for more information."* ]] ||
		    fail "$t: no hint"
	done
}

@test "on a terminal only the stage reading a regular file shows progress, with percent and time left" {
	need_program script
	seq 1 200000 | awk '{printf "{\"id\":%d}\n", $1}' > "$BATS_TEST_TMPDIR/in"
	# The reader of the file is held 2 s by a full pipe, then goes on.
	run script -qec "jsonl-validate --require .id < '$BATS_TEST_TMPDIR/in' | (sleep 2; cat > /dev/null)" /dev/null
	assert_success
	[[ "$output" == *"jsonl-validate: "*" lines, "*" lines/s, "*"%, ETA "* ]]
	run script -qec "cat '$BATS_TEST_TMPDIR/in' | jsonl-validate --require .id | (sleep 2; cat > /dev/null)" /dev/null
	assert_success
	[[ "$output" != *"ETA"* ]]
	[[ "$output" != *$'\r\033[K'* ]]
	[[ "$output" == *"jsonl-validate: 200000 lines, 200000 passed, 0 rejected"* ]]
}

@test "every tool's --stats follows one schema (tests/stats.schema.json) and adds up" {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' '{"a":1,"t":"2024-01-01T00:00:00Z"}' '{"a":1,"t":"1999-01-01T00:00:00Z"}' \
	    'not json' '' '{"a":2,"t":"2024-01-02T00:00:00Z"}' > in.jsonl
	printf 'a,t\n1,x\n2,"y\n' > in.csv
	printf '[{"a":1},2,[3]]' > in.json
	q "drop table if exists stats_t; create table stats_t (a int, t timestamptz)"
	run_stats() {	# run_stats NAME TOOL ARGS... < input
		local name=$1
		shift
		"$@" -q -r /dev/null --stats "st.$name" > /dev/null || true
	}
	run_stats csv2jsonl csv2jsonl < in.csv
	run_stats jsonl2csv jsonl2csv < in.jsonl
	run_stats json2jsonl json2jsonl < in.json
	run_stats validate jsonl-validate --require .t < in.jsonl
	run_stats dedupe dedupe -k .a --dupes /dev/null < in.jsonl
	run_stats chunk chunk -l 2 -o out < in.jsonl
	run_stats pg-load pg-load -t stats_t < in.jsonl
	run_stats rollup rollup --time .t --period day --count n < in.jsonl
	run_stats prune prune --time .t --before 2000-01-01 --pruned /dev/null < in.jsonl
	for f in st.*; do
		run jsonl-validate -q -s "$ROOT/tests/stats.schema.json" "$f"
		assert_success
		jq -e '.processed == .passed + .rejected +
		    ([.diverted[]] | add // 0) + (.skipped // 0)' "$f" >/dev/null ||
		    fail "$f does not add up: $(cat "$f")"
	done
	[ "$(ls st.* | wc -l)" -eq 9 ]
}

@test "--stats-interval adds snapshots (final false) before the final summary, for every tool" {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	python3 -c '
for i in range(6000):
    print("{\"a\":%d,\"t\":\"2024-01-01T%02d:00:00Z\"}" % (i, i % 24))' > in.jsonl
	q "drop table if exists stats_i; create table stats_i (a int, t timestamptz)"
	jsonl2csv -q < in.jsonl > in.csv
	jq -sc . in.jsonl > in.json
	slow() {	# slow [FILE]: half, a pause, the rest
		local f=${1:-in.jsonl} n
		n=$(( $(wc -c < "$f") / 2 ))
		head -c "$n" "$f"; sleep 0.6; tail -c +"$((n + 1))" "$f"
	}
	slow in.csv | csv2jsonl -q --stats st.csv2jsonl --stats-interval 0.2 > /dev/null
	slow | jsonl2csv -q --stats st.jsonl2csv --stats-interval 0.2 > /dev/null
	slow in.json | json2jsonl -q --stats st.json2jsonl --stats-interval 0.2 > /dev/null
	slow | jsonl-validate -q --require .t --stats st.validate --stats-interval 0.2 > /dev/null
	slow | dedupe -q -k .a --drop --stats st.dedupe --stats-interval 0.2 > /dev/null
	slow | chunk -q -l 1000 -o out --stats st.chunk --stats-interval 0.2 > /dev/null
	slow | rollup -q --time .t --period hour --count n --stats st.rollup --stats-interval 0.2 > /dev/null
	slow | prune -q --time .t --before 2000-01-01 --drop --stats st.prune --stats-interval 0.2 > /dev/null
	slow | pg-load -q -t stats_i -b 500 -j 2 --stats st.pg-load --stats-interval 0.2
	for f in st.*; do
		[ "$(wc -l < "$f")" -ge 2 ] || fail "$f has no snapshot: $(cat "$f")"
		run jsonl-validate -q -s "$ROOT/tests/stats.schema.json" "$f"
		assert_success
		# Snapshots first, counts never going down, the final one last.
		jq -se '(.[:-1] | all(.final == false)) and (.[-1].final == true)
		    and ([.[].processed] == ([.[].processed] | sort))
		    and .[-1].processed == 6000' "$f" >/dev/null ||
		    fail "$f: $(cat "$f")"
	done
	[ "$(ls st.* | wc -l)" -eq 9 ]
	run --separate-stderr jsonl-validate --require .t --stats-interval 1 < in.jsonl
	assert_failure 64
	[[ "$stderr" == "jsonl-validate: --stats-interval needs --stats"* ]]
}
