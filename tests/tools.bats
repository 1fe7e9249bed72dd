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

@test "every tool prints its name and the sluice version on --version" {
	for t in $(tools); do
		run "$t" --version
		assert_success
		assert_output "$t (sluice) 0.1.0"
	done
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
	run_stats rollup rollup --time .t --bucket day --count n < in.jsonl
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
