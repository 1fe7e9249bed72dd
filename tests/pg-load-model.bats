#!/usr/bin/env bats
# pg-load against a model: tests/gen/pg-model.py makes MODEL_CASES random
# cases (default 300) from seed MODEL_SEED on (default 1), each a table, a
# record stream and one cell of the matrix (mode x -b x -j x straight or
# resumed), loads them with pg-load and compares the table, the rejects
# file and the summary with a reference that applies the records one by
# one in SQL. The cases run once, in setup_file; each test reports the
# failing cases of one mode with a command that reproduces each.
#
#   make check MODEL_CASES=1000
#   MODEL_SEED=123 MODEL_CASES=1 tests/run tests/pg-load-model.bats
#   tests/gen/pg-model.py show 123           (the case: DDL, input, commands)
#   MODEL_WITHOUT=times,tz,map,identity,partitioned ...   (leave features out)

load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
	[ -n "${PGHOST:-}" ] || return 0
	python3 "$ROOT/tests/gen/pg-model.py" run "$BATS_FILE_TMPDIR/model" \
	    --cases "${MODEL_CASES:-300}" --seed "${MODEL_SEED:-1}" \
	    > "$BATS_FILE_TMPDIR/model.out" 2>&1 || true
}

# Print the failing cases of mode $1 (at most 12, then a count); fail if any.
failures_of() {
	need_pg
	local results="$BATS_FILE_TMPDIR/model/results.jsonl"
	if ! [ -s "$results" ]; then
		cat "$BATS_FILE_TMPDIR/model.out"
		return 1
	fi
	run python3 - "$1" "$results" <<'PY'
import json, sys
mode, path = sys.argv[1], sys.argv[2]
rs = [json.loads(l) for l in open(path)]
mine = [r for r in rs if r["mode"] == mode]
bad = [r for r in mine if not r["ok"]]
for r in bad[:12]:
    print(f"seed {r['seed']}: {r['cell']}")
    for p in r["problems"]:
        print(f"    {p}")
    for d in r.get("diff", [])[:4]:
        print(f"    | {d[:160]}")
    print(f"    repro: {r['repro']}")
    print(f"    case:  {r['show']}")
if len(bad) > 12:
    print(f"... and {len(bad) - 12} more failing {mode} cases")
print(f"{mode}: {len(mine)} cases, {len(bad)} differ from the model")
sys.exit(1 if bad else 0)
PY
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "model: the cases ran and every one has a verdict" {
	need_pg
	run tail -n 1 "$BATS_FILE_TMPDIR/model.out"
	[[ "$output" == "pg-model: ${MODEL_CASES:-300} cases, "* ]] ||
	    { cat "$BATS_FILE_TMPDIR/model.out"; false; }
}

@test "model: append loads what one INSERT per record loads" {
	failures_of append
}

@test "model: upsert updates only the columns a record carries, last record wins" {
	failures_of upsert
}

@test "model: skip-existing keeps the first record of a key and existing rows" {
	failures_of skip-existing
}

@test "model: replace deletes each input partition once, then appends" {
	failures_of replace
}

@test "model: scd2 versions keys by the last record of the run, whatever -b" {
	failures_of scd2
}

@test "model: a row taken out of a table or a line out of a rejects file changes the verdict" {
	need_pg
	MODEL_SELF_TEST=1 run python3 "$ROOT/tests/gen/pg-model.py" run \
	    "$BATS_TEST_TMPDIR/model" --cases 20 --seed 5000
	echo "$output"
	assert_success
	assert_output --partial "missed: []"
}
