#!/usr/bin/env bats
# prune: stream mode (kept records out byte for byte, pruned to a side file
# or dropped) and table mode against the throwaway PostgreSQL cluster.

load test_helper
bats_require_minimum_version 1.5.0

T=(--time '.occurred_at // .created_at')
EV="$FIX/prune-events.jsonl"

# Lines N.. of the fixture, by id.
ids() {
	for i in "$@"; do sed -n "${i}p" "$EV"; done
}

@test "--between prunes [A, B) to --pruned, the rest passes byte for byte" {
	run --separate-stderr prune "${T[@]}" --between 2024-02-01T00:00:00Z 2024-03-01T00:00:00Z \
	    --pruned "$BATS_TEST_TMPDIR/pruned" "$EV"
	assert_success
	assert_output "$(ids 1 4 5 6)"
	run cat "$BATS_TEST_TMPDIR/pruned"
	assert_output "$(ids 2 3)"
}

@test "--older-than 30d --now prunes what is older than now minus 30 days" {
	run --separate-stderr prune "${T[@]}" --older-than 30d --now 2024-03-31T00:00:00Z \
	    --pruned "$BATS_TEST_TMPDIR/pruned" "$EV"
	assert_success
	assert_output "$(ids 4 5 6)"
	run cat "$BATS_TEST_TMPDIR/pruned"
	assert_output "$(ids 1 2 3)"
}

@test "--before is exclusive at nanosecond precision" {
	run --separate-stderr prune "${T[@]}" --before 2024-03-01T00:00:00.000000001Z \
	    --drop "$EV"
	assert_success
	assert_output "$(ids 5 6)"
}

@test "--after prunes at or after the time" {
	run --separate-stderr prune "${T[@]}" --after 2024-03-01T00:00:00Z --drop "$EV"
	assert_success
	assert_output "$(ids 1 2 3)"
}

@test "--after and --before together make a window" {
	run --separate-stderr prune "${T[@]}" --after 2024-02-14T08:30:00Z \
	    --before 2024-03-01T00:00:00Z --drop "$EV"
	assert_success
	assert_output "$(ids 1 2 4 5 6)"
}

@test "--drop counts what it drops in the summary and --stats" {
	run --separate-stderr prune "${T[@]}" --before 2024-02-15 --drop \
	    --stats "$BATS_TEST_TMPDIR/st" "$EV"
	assert_success
	assert_output "$(ids 4 5 6)"
	[[ "$stderr" == "prune: 6 lines, 3 kept, 0 rejected, 3 dropped, "* ]]
	run jq -c '[.lines, .kept, .rejected, .dropped]' "$BATS_TEST_TMPDIR/st"
	assert_output '[6,3,0,3]'
}

@test "neither --pruned nor --drop is a usage error" {
	run --separate-stderr prune "${T[@]}" --before 2024-02-15 "$EV"
	assert_failure 64
	assert_output ''
	assert_equal "${stderr_lines[0]}" "prune: say where pruned records go: --pruned FILE or --drop (one of them)"
}

@test "both --pruned and --drop is a usage error" {
	run --separate-stderr prune "${T[@]}" --before 2024-02-15 --drop --pruned /dev/null "$EV"
	assert_failure 64
}

@test "no window is a usage error" {
	run --separate-stderr prune "${T[@]}" --drop "$EV"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "prune: say what to prune: --older-than, --before, --after or --between"
}

@test "an empty window is a usage error" {
	run --separate-stderr prune "${T[@]}" --between 2024-03-01 2024-02-01 --drop "$EV"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "prune: the window is empty: its start is not before its end"
}

@test "a bad duration or time is a usage error naming the flag" {
	run --separate-stderr prune "${T[@]}" --older-than 30x --drop "$EV"
	assert_failure 64
	[[ "${stderr_lines[0]}" == "prune: --older-than: '30x': "* ]]
	run --separate-stderr prune "${T[@]}" --before soon --drop "$EV"
	assert_failure 64
	[[ "${stderr_lines[0]}" == "prune: --before: 'soon' is not a time: "* ]]
}

@test "missing or unparsable times and invalid JSON go to rejects" {
	printf '%s\n' '{"created_at":"2024-01-01T00:00:00Z"}' '{"id":9}' \
	    '{"created_at":"31/12/2023"}' '[1,2' '{"created_at":"2024-06-01T00:00:00Z"}' \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr prune "${T[@]}" --before 2024-03-01 --pruned "$BATS_TEST_TMPDIR/p" \
	    -r "$BATS_TEST_TMPDIR/rej" --stats "$BATS_TEST_TMPDIR/st" \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"created_at":"2024-06-01T00:00:00Z"}'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/p")" '{"created_at":"2024-01-01T00:00:00Z"}'
	run jq -c '[._error_row, ._error_message, ._raw, ._error_tool]' "$BATS_TEST_TMPDIR/rej"
	assert_line --index 0 '[2,"--time: no timestamp",null,"prune"]'
	[[ "${lines[1]}" == '[3,"--time: cannot parse '"'31/12/2023'"': '* ]]
	[[ "${lines[2]}" == '[4,"invalid JSON: '*'","[1,2","prune"]' ]]
	assert_equal "${#lines[@]}" 3
	run jq -c '[.lines, .kept, .pruned, .rejected]' "$BATS_TEST_TMPDIR/st"
	assert_output '[5,1,1,3]'
}

@test "without --rejects a bad record stops with 65 after saving what was pruned" {
	printf '%s\n' '{"created_at":"2024-01-01T00:00:00Z"}' '{"id":9}' \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr prune "${T[@]}" --before 2024-03-01 --pruned "$BATS_TEST_TMPDIR/p" \
	    "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "prune: line 2: --time: no timestamp"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/p")" '{"created_at":"2024-01-01T00:00:00Z"}'
}

@test "every record of a large stream lands in exactly one place" {
	python3 -c '
import json
for i in range(50000):
    d = 1 + i % 28
    print(json.dumps({"id": i, "created_at": "2024-02-%02dT12:00:00Z" % d}))
' > "$BATS_TEST_TMPDIR/in"
	prune -q --time .created_at --before 2024-02-15 --pruned "$BATS_TEST_TMPDIR/p" \
	    < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/kept"
	want_p=$(jq -c 'select(.created_at < "2024-02-15")' "$BATS_TEST_TMPDIR/in" | wc -l)
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/p")" "$want_p"
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/kept")" "$((50000 - want_p))"
	run diff <(sort "$BATS_TEST_TMPDIR/in") <(sort "$BATS_TEST_TMPDIR/p" "$BATS_TEST_TMPDIR/kept")
	assert_success
}

@test "| head ends prune quietly with 0" {
	run bash -c 'yes "{\"created_at\":\"2024-06-01T00:00:00Z\"}" | head -n 200000 |
	    prune -q --time .created_at --before 2024-01-01 --drop | head -n 1
	    echo "status ${PIPESTATUS[2]}"'
	assert_success
	assert_output - <<'EOF'
{"created_at":"2024-06-01T00:00:00Z"}
status 0
EOF
}

@test "stream options with -t are a usage error" {
	run --separate-stderr prune -t events --column created_at --older-than 30d --drop
	assert_failure 64
}

@test "table options without -t are a usage error" {
	run --separate-stderr prune "${T[@]}" --older-than 30d --drop --dry-run "$EV"
	assert_failure 64
}
