#!/usr/bin/env bats
# Workflow 4: ETL. An SCD2 dimension sync, a date-partitioned fact rebuild
# (delete + insert per day in one transaction), and a job run per date
# that the ledger skips on re-run unless --force. Data: tests/gen/e2e-etl.py.

load ../test_helper
bats_require_minimum_version 1.5.0

DAYS="2024-03-01 2024-03-02 2024-03-03 2024-03-04 2024-03-05"

setup_file() {
	export D="$BATS_FILE_TMPDIR/data"
	mkdir -p "$D"
	python3 "$ROOT/tests/gen/e2e-etl.py" "$D"
}

setup() {
	need_pg
	cd "$BATS_TEST_TMPDIR"
	psql -X -q -v ON_ERROR_STOP=1 -f "$FIX/e2e-etl.sql" 2>/dev/null
}

scd2() {
	pg-load -q -t w4_dim_user --mode scd2 --key-columns user_id --valid-from valid_from \
	    --valid-to valid_to --current is_current --as-of "$2" "$1"
}

# "day,count,sum,md5" per day of the fact table / of fact files
fact_days() {
	q "SELECT day || ',' || count(*) || ',' || sum(minutes) || ',' ||
	          md5(string_agg(session_id || ':' || minutes, '|' ORDER BY session_id))
	   FROM w4_fact GROUP BY day ORDER BY day"
}
file_days() {
	python3 -c '
import hashlib, json, sys
from collections import defaultdict
g = defaultdict(list)
for p in sys.argv[1:]:
    for l in open(p):
        r = json.loads(l); g[r["day"]].append(r)
for day in sorted(g):
    rs = sorted(g[day], key=lambda r: r["session_id"])
    print("%s,%d,%d,%s" % (day, len(rs), sum(r["minutes"] for r in rs),
        hashlib.md5("|".join("%s:%d" % (r["session_id"], r["minutes"]) for r in rs).encode()).hexdigest()))' "$@"
}

@test "SCD2: changed users get a new current version, old ones are closed, unchanged stay" {
	scd2 "$D/users-1.jsonl" 2024-01-01T00:00:00Z
	run q "SELECT count(*), count(*) FILTER (WHERE is_current AND valid_to IS NULL) FROM w4_dim_user"
	assert_output "200|200"
	scd2 "$D/users-2.jsonl" 2024-02-01T00:00:00Z
	# current versions are exactly the second snapshot
	run q "SELECT md5(string_agg(user_id || ',' || email || ',' || plan, '|' ORDER BY user_id))
	       FROM w4_dim_user WHERE is_current"
	assert_output "$(python3 -c '
import hashlib, json, sys
rs = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["user_id"])
print(hashlib.md5("|".join("%s,%s,%s" % (r["user_id"], r["email"], r["plan"]) for r in rs).encode()).hexdigest())' "$D/users-2.jsonl")"
	# 20 closed versions holding the first snapshot's plan, closed at the change
	run q "SELECT count(*) FROM w4_dim_user WHERE NOT is_current
	       AND valid_to = '2024-02-01Z' AND valid_from = '2024-01-01Z'"
	assert_output 20
	run q "SELECT count(*) FROM w4_dim_user WHERE is_current AND valid_from = '2024-02-01Z'"
	assert_output 30
	run q 'SELECT count(*) FROM w4_dim_user'
	assert_output 230
	# the same snapshot again touches nothing
	scd2 "$D/users-2.jsonl" 2024-03-01T00:00:00Z
	run q 'SELECT count(*), max(valid_from) FROM w4_dim_user'
	assert_output "230|2024-02-01 00:00:00+00"
}

@test "a partitioned rebuild replaces only the days in the input, never doubling" {
	cat "$D"/facts-2024-03-0[1-5].jsonl >all.jsonl
	pg-load -q -t w4_fact --mode replace --partition day all.jsonl
	run fact_days
	assert_output "$(file_days "$D"/facts-2024-03-0[1-5].jsonl)"
	pg-load -q -t w4_fact --mode replace --partition day all.jsonl
	run fact_days
	assert_output "$(file_days "$D"/facts-2024-03-0[1-5].jsonl)"
	# a corrected day 3 replaces day 3 alone
	pg-load -q -t w4_fact --mode replace --partition day "$D/facts-2024-03-03.v2.jsonl"
	run fact_days
	assert_output "$(file_days "$D"/facts-2024-03-0[1245].jsonl "$D/facts-2024-03-03.v2.jsonl")"
}

@test "a job run per date is nothing to do on re-run; a corrected file is refused unless --force" {
	job() {	# job DAY FILE [--force]
		pg-load -t w4_fact --mode replace --partition day \
		    --ledger=w4_ledger --run-id "fact-$1" "${@:3}" <"$2"
	}
	for d in $DAYS; do job "$d" "$D/facts-$d.jsonl"; done
	run fact_days
	assert_output "$(file_days "$D"/facts-2024-03-0[1-5].jsonl)"
	# the loop again: every date is done, nothing is loaded
	for d in $DAYS; do
		run_split job "$d" "$D/facts-$d.jsonl"
		assert_success
		[[ $stderr == *"run fact-$d finished at "*" and its input is unchanged; nothing to do"* ]]
	done
	run fact_days
	assert_output "$(file_days "$D"/facts-2024-03-0[1-5].jsonl)"
	# a corrected day 3 without --force is refused; with --force it loads
	run_split job 2024-03-03 "$D/facts-2024-03-03.v2.jsonl"
	assert_failure 65
	[[ ${stderr_lines[0]} == "pg-load: input differs from run fact-2024-03-03: "* ]]
	run fact_days
	assert_output "$(file_days "$D"/facts-2024-03-0[1-5].jsonl)"
	run job 2024-03-03 "$D/facts-2024-03-03.v2.jsonl" --force
	assert_success
	run fact_days
	assert_output "$(file_days "$D"/facts-2024-03-0[1245].jsonl "$D/facts-2024-03-03.v2.jsonl")"
	run pg-load --status --ledger=w4_ledger
	[ "$(grep -c '^fact-2024-03-0[1-5]	done	' <<<"$output")" -eq 5 ]
}
