#!/usr/bin/env bats
# Every example of README.md (```sh blocks) and of the man pages'
# EXAMPLES sections runs, in order, in one scratch directory per page
# holding the fixtures named as the examples name them
# (tests/examples/setup.sh) and one fresh database per page. Each must
# exit 0; where the page shows output ("$ " prompts), every line shown
# must be in the output ("..." stands for lines left out; timings are
# masked). A comment before the block marks it: syntax-only (multi-host
# GNU parallel: checked with bash -n), exit N (the status the page
# shows), fresh-db (an alternative to the example before it: a new
# database), file NAME (the block is a file the examples read). Absolute scratch paths (/var/tmp, /var/archive,
# /shared) are mapped into the scratch directory.

load test_helper
bats_require_minimum_version 1.5.0

PAGES=(README.md man/man1/*.1 man/man7/sluice.7)

setup_file() {
	export EX="$BATS_FILE_TMPDIR/ex"
	(cd "$ROOT" && python3 tests/examples/extract.py "$EX" "${PAGES[@]}") \
	    >"$BATS_FILE_TMPDIR/counts"
}

# One example's output against what the page shows.
matches() {
	python3 - "$1" "$2" <<'PY'
import re, sys
def norm(s):
    s = re.sub(r"[0-9.]+ s, [0-9 ]+ [a-z]+/s", "T", s)
    s = re.sub(r", [0-9]+\.[0-9] s$", ", T", s)
    s = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00", "TS", s)
    s = re.sub(r"finished at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "finished at TS", s)
    return s.rstrip()
want = [norm(l) for l in open(sys.argv[1]).read().splitlines() if l.strip()]
got = [norm(l) for l in open(sys.argv[2]).read().splitlines() if l.strip()]
elided = "..." in want
pool = list(got)
missing = []
for l in want:
    if l == "...":
        continue
    if l in pool:
        pool.remove(l)
    else:
        missing.append(l)
for l in missing:
    print("not in the output: " + l)
if not elided and pool and not missing:
    for l in pool:
        print("not on the page: " + l)
sys.exit(1 if missing or (not elided and pool) else 0)
PY
}

# The page's scratch directory: the common fixtures and tables, the
# files the page shows (FILES), then tests/examples/pages/PAGE's own
# fixtures and its before.sh (state an example takes for granted).
prepare() {
	local page=$1 dir=$2 own="$ROOT/tests/examples/pages/$1"
	"$ROOT/tests/examples/setup.sh" "$dir" >/dev/null 2>"$dir.setup.err" ||
	    { cat "$dir.setup.err"; return 1; }
	cp -r "$EX/$page/FILES/." "$dir/"
	mkdir -p "$dir/var-tmp" "$dir/var-archive" "$dir/shared"
	if [ -d "$own" ]; then
		find "$own" -maxdepth 1 -type f ! -name before.sh -exec cp {} "$dir/" \;
		if [ -f "$own/before.sh" ]; then
			(cd "$dir" && bash -euo pipefail "$own/before.sh") ||
			    { echo "$page: before.sh failed"; return 1; }
		fi
	fi
}

# Run every example of a page; print what failed and return 1 if any did.
run_page() {
	local page=$1 dir db f n mode want rc bad=0
	[ -d "$EX/$page" ] || { echo "$page: no examples extracted"; return 1; }
	dir="$BATS_TEST_TMPDIR/$page"
	db="ex_$(echo "$page" | tr -c 'a-z0-9\n' _)"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	export PGDATABASE=$db
	unset DATABASE_URL
	PATH="$ROOT/scripts:$PATH"
	prepare "$page" "$dir" || return 1
	for f in "$EX/$page"/*.sh; do
		n=$(basename "$f" .sh)
		mode=" $(cat "$EX/$page/$n.mode") "
		if [[ "$mode" == *" fresh-db "* ]]; then
			psql -X -q -d postgres -c "DROP DATABASE $db" -c "CREATE DATABASE $db"
			prepare "$page" "$dir" || return 1
		fi
		want=0
		[[ "$mode" =~ \ exit\ ([0-9]+)\  ]] && want=${BASH_REMATCH[1]}
		sed -e "s#/var/tmp/#$dir/var-tmp/#g" \
		    -e "s#/var/archive/#$dir/var-archive/#g" \
		    -e "s#/shared/#$dir/shared/#g" "$f" >"$dir/.example-$n.sh"
		if [[ "$mode" == *" syntax-only "* ]]; then
			bash -n "$dir/.example-$n.sh" ||
			    { echo "$page example $n: syntax error"; bad=1; }
			continue
		fi
		rc=0
		(cd "$dir" && timeout 120 bash -eo pipefail \
		    ".example-$n.sh" </dev/null >"$dir/.out-$n" 2>&1) || rc=$?
		if [ "$rc" -ne "$want" ]; then
			echo "$page example $n failed (exit $rc, not $want):"
			sed 's/^/    /' "$f"
			tail -n 5 "$dir/.out-$n" | sed 's/^/  > /'
			bad=1
			continue
		fi
		if [ -f "$EX/$page/$n.out" ] &&
		    ! matches "$EX/$page/$n.out" "$dir/.out-$n"; then
			echo "$page example $n: output differs from the page"
			bad=1
		fi
	done
	return "$bad"
}

@test "every page has its examples extracted" {
	run cat "$BATS_FILE_TMPDIR/counts"
	for p in "${PAGES[@]}"; do
		assert_line --regexp "^$(basename "$p") [1-9][0-9]*$"
	done
}

@test "README.md examples run" { need_pg; run_page README.md; }
@test "chunk(1) examples run" { need_pg; run_page chunk.1; }
@test "csv2jsonl(1) examples run" { need_pg; run_page csv2jsonl.1; }
@test "dedupe(1) examples run" { need_pg; run_page dedupe.1; }
@test "json2jsonl(1) examples run" { need_pg; run_page json2jsonl.1; }
@test "jsonl-validate(1) examples run" { need_pg; run_page jsonl-validate.1; }
@test "jsonl2csv(1) examples run" { need_pg; run_page jsonl2csv.1; }
@test "pg-load(1) examples run" { need_pg; run_page pg-load.1; }
@test "prune(1) examples run" { need_pg; run_page prune.1; }
@test "rollup(1) examples run" { need_pg; run_page rollup.1; }
@test "sluice-backfill(1) examples run" { need_pg; run_page sluice-backfill.1; }
@test "sluice-verify(1) examples run" { need_pg; run_page sluice-verify.1; }
@test "sluice(7) examples run" { need_pg; run_page sluice.7; }

@test "a broken example fails its page" {
	need_pg
	mkdir -p "$EX/broken.1/FILES"
	printf 'rollup -k .app --period day < events.jsonl\n' >"$EX/broken.1/01.sh"
	echo run >"$EX/broken.1/01.mode"
	run run_page broken.1
	assert_failure
	assert_line "broken.1 example 01 failed (exit 64, not 0):"
}

@test "an output line the example does not print fails its page" {
	need_pg
	mkdir -p "$EX/wrong.1/FILES"
	printf 'echo "total 400"\n' >"$EX/wrong.1/01.sh"
	printf 'total 399\n' >"$EX/wrong.1/01.out"
	echo run >"$EX/wrong.1/01.mode"
	run run_page wrong.1
	assert_failure
	assert_line "not in the output: total 399"
	assert_line "wrong.1 example 01: output differs from the page"
}
