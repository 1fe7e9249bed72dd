#!/usr/bin/env bats
# Conservation (the record contract): seeded random records, good and bad,
# through random pipelines of jsonl-validate, dedupe, prune (and chunk
# last) with their side files; stdout plus every side file, mapped back
# to the input lines, is exactly the input multiset, and every --stats
# adds up. The bookkeeping is tests/gen/conservation.py (python3 only).

load test_helper
bats_require_minimum_version 1.5.0

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

need_filters() {
	local t n=0
	for t in jsonl-validate dedupe prune; do
		[ -x "$ROOT/bin/$t" ] && n=$((n + 1))
	done
	[ "$n" -gt 0 ] || skip "no record filter built"
}

# conserve SEED...: each seed is its own pipeline.
conserve() {
	local seed
	need_filters
	for seed in "$@"; do
		run "$PY" "$ROOT/tests/gen/conservation.py" "$seed" \
		    "$BATS_TEST_TMPDIR/s$seed" 1500
		echo "$output"
		assert_success
	done
}

@test "seeds 1-4: every input record ends in exactly one place" {
	conserve 1 2 3 4
}

@test "seeds 5-8: every input record ends in exactly one place" {
	conserve 5 6 7 8
}

@test "seeds 9-12: every input record ends in exactly one place" {
	conserve 9 10 11 12
}

@test "seeds 13-16: every input record ends in exactly one place" {
	conserve 13 14 15 16
}


@test "the checker fails when one record is missing" {
	need_filters
	CONSERVATION_SELF_TEST=1 run "$PY" "$ROOT/tests/gen/conservation.py" 1 \
	    "$BATS_TEST_TMPDIR/self" 300
	assert_failure 1
	assert_output --partial "lost:"
}

# A reader that stops early (| head) ends the tool quietly with 0; the
# side files still hold every record the --stats counted as sent there.
@test "stdout closed early: --dupes, --pruned and --rejects hold what --stats counts" {
	cd "$BATS_TEST_TMPDIR"
	"$PY" -c '
import sys
for i in range(200000):
    if i % 7 == 3:
        print("not json %d" % i)
    else:
        print("{\"a\":%d,\"t\":\"20%02d-01-01T00:00:00Z\"}" % (i % 1000, 10 + i % 20))
' >in.jsonl
	run bash -c 'dedupe -q -k .a --dupes d.jsonl -r r1.jsonl --stats s1.json <in.jsonl | head -1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_output 0
	[ "$(jq -r .diverted.duplicates s1.json)" -eq "$(wc -l <d.jsonl)" ]
	[ "$(jq -r .rejected s1.json)" -eq "$(wc -l <r1.jsonl)" ]
	[ "$(jq -r .diverted.duplicates s1.json)" -gt 0 ]
	run bash -c 'prune -q --time .t --before 2020-01-01 --pruned p.jsonl -r r2.jsonl --stats s2.json <in.jsonl | head -1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_output 0
	[ "$(jq -r .diverted.pruned s2.json)" -eq "$(wc -l <p.jsonl)" ]
	[ "$(jq -r .rejected s2.json)" -eq "$(wc -l <r2.jsonl)" ]
	[ "$(jq -r .diverted.pruned s2.json)" -gt 0 ]
}
