#!/usr/bin/env bats
# pg-load's record contract with tables and inputs a stranger brings: a
# ledger bound to its table and mode, one process per run, results that
# do not depend on -b, exact numbers, one time rule, scd2's edges, keys
# that match no column, identity columns, and rejects that survive a
# crash. Each test works in its own tables (pc_N...) and ledger.

load test_helper

setup() {
	need_pg
	T="pc_${BATS_TEST_NUMBER}"
	L="${T}_l"
	q "drop table if exists $T, ${T}_b, $L, ${L}_batches, ${L}_parts, ${L}_rejects cascade" >/dev/null
	IN="$BATS_TEST_TMPDIR/in"
	seq 1 500 | awk '{printf "{\"id\":%d,\"v\":\"x%d\"}\n", $1, $1}' > "$IN"
}

count() {
	q "select count(*) || '|' || count(distinct id) from $1"
}

@test "one file into two tables is two runs: the second table is loaded too" {
	q "create table $T (id int, v text); create table ${T}_b (id int, v text)"
	pg-load -q -t "$T" --ledger="$L" < "$IN"
	run_split pg-load -t "${T}_b" --ledger="$L" < "$IN"
	assert_success
	[[ "$stderr" == "pg-load: 500 rows, 500 imported,"* ]]
	assert_equal "$(count "$T")" "500|500"
	assert_equal "$(count "${T}_b")" "500|500"
}

@test "a run id is bound to its table and mode: another is refused with exit 65" {
	q "create table $T (id int primary key, v text); create table ${T}_b (id int, v text)"
	pg-load -q -t "$T" --ledger="$L" --run-id r1 < "$IN"
	run_split pg-load -t "${T}_b" --ledger="$L" --run-id r1 < "$IN"
	assert_failure 65
	assert_equal "$stderr" "pg-load: run r1 loaded \"$T\" in mode append, not \"${T}_b\" in mode append: a run is bound to its table and mode; use another --run-id"
	run_split pg-load -t "$T" --mode upsert --key-columns id --ledger="$L" --run-id r1 < "$IN"
	assert_failure 65
	[[ "$stderr" == *"in mode append, not \"$T\" in mode upsert"* ]]
	assert_equal "$(count "${T}_b")" "0|0"
}

@test "a run cut short by its producer and re-run with the whole input loads only the rest, with any -b" {
	q "create table $T (id int, v text)"
	run bash -c "(head -200 '$IN'; exit 1) | pg-load -q -t $T --ledger=$L --run-id X -b 30"
	assert_success
	assert_equal "$(count "$T")" "200|200"
	run_split bash -c "pg-load -t $T --ledger=$L --run-id X -b 70 < '$IN'"
	assert_success
	[[ "$stderr" == "pg-load: 500 rows, 300 imported, 0 rejected,"*" 200 loaded before,"* ]]
	assert_equal "$(count "$T")" "500|500"
	run_split bash -c "pg-load -t $T --ledger=$L --run-id X < '$IN'"
	assert_success
	[[ "${stderr_lines[0]}" == "pg-load: run X finished at "*" and its input is unchanged; nothing to do" ]]
	assert_equal "$(count "$T")" "500|500"
}

@test "a re-run whose input differs from what the run committed is refused, naming the records" {
	q "create table $T (id int, v text)"
	pg-load -q -t "$T" --ledger="$L" --run-id X -b 100 < "$IN"
	sed '150s/x150/changed/' "$IN" > "$BATS_TEST_TMPDIR/other"
	run_split pg-load -t "$T" --ledger="$L" --run-id X -b 100 < "$BATS_TEST_TMPDIR/other"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "pg-load: input differs from run X: records 101-200 (lines 101-200) were committed with other contents; use another --run-id"
	head -120 "$IN" > "$BATS_TEST_TMPDIR/short"
	run_split pg-load -t "$T" --ledger="$L" --run-id X < "$BATS_TEST_TMPDIR/short"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "pg-load: input differs from run X: it ends at record 120, inside records 101-200 that the run committed; use another --run-id"
	assert_equal "$(count "$T")" "500|500"
}

@test "--run-id, --force and --wait without --ledger are usage errors" {
	q "create table $T (id int, v text)"
	for flag in "--run-id u1" --force --wait; do
		run_split pg-load -t "$T" $flag < "$IN"
		assert_failure 64
		[[ "${stderr_lines[0]}" == "pg-load: ${flag%% *} needs --ledger (without it nothing records the run)" ]]
	done
	assert_equal "$(count "$T")" "0|0"
}

@test "two processes on one run id: the second exits 75, or waits with --wait; nothing is loaded twice" {
	q "create table $T (id int, v text)"
	( (head -50 "$IN"; sleep 3; tail -n +51 "$IN") |
	    pg-load -q -t "$T" --ledger="$L" --run-id c -b 20 ) &
	sleep 1
	run_split bash -c "pg-load -t $T --ledger=$L --run-id c -b 33 < '$IN'"
	assert_failure 75
	assert_equal "$stderr" "pg-load: run c is in progress in another process (--wait waits for it)"
	run_split bash -c "pg-load -t $T --ledger=$L --run-id c -b 33 --wait < '$IN'"
	assert_success
	wait
	assert_equal "$(count "$T")" "500|500"
}

@test "upsert writes only the columns a record carries, the same for every -b and -j" {
	q "create table $T (id int primary key, v text, n int default 42)"
	printf '%s\n' '{"id":1,"v":"b"}' '{"id":2,"n":3}' '{"id":1,"n":7}' '{"id":3,"v":"x"}' \
	    '{"id":3,"v":"y","n":1}' '{"id":2,"v":null}' > "$IN"
	for b in 1 2 3 1000; do
		for j in 1 2; do
			q "truncate $T; insert into $T values (1, 'a', 5)"
			pg-load -q -t "$T" --mode upsert --key-columns id -b $b -j $j < "$IN"
			assert_equal "$(q "select string_agg(concat_ws(',', id, coalesce(v, '-'), n), ' ' order by id) from $T")" \
			    "1,b,7 2,-,3 3,y,1"
		done
	done
}

@test "upsert and skip-existing work on a partitioned table and count inserted and updated" {
	q "create table $T (id int, d date, v text, primary key (id, d)) partition by range (d)"
	q "create table ${T}_1 partition of $T for values from ('2024-01-01') to ('2024-02-01')"
	q "create table ${T}_2 partition of $T for values from ('2024-02-01') to ('2024-03-01')"
	q "insert into $T values (1, '2024-01-05', 'a')"
	printf '%s\n' '{"id":1,"d":"2024-01-05","v":"b"}' '{"id":2,"d":"2024-02-05","v":"c"}' \
	    '{"id":2,"d":"2024-02-05","v":"d"}' > "$IN"
	run_split pg-load -t "$T" --mode upsert --key-columns id,d < "$IN"
	assert_success
	[[ "$stderr" == "pg-load: 3 rows, 3 imported, 0 rejected, 0 skipped, 1 batches, 1 inserted, 2 updated,"* ]]
	assert_equal "$(q "select string_agg(v, ',' order by id) from $T")" "b,d"
	q "truncate $T"
	run_split pg-load -t "$T" --mode skip-existing --key-columns id,d < "$IN"
	assert_success
	[[ "$stderr" == "pg-load: 3 rows, 2 imported, 0 rejected, 1 skipped,"* ]]
	assert_equal "$(q "select string_agg(v, ',' order by id) from $T")" "b,c"
}

@test "--map keeps 64-bit integers exact or rejects the record, never stores a rounded one" {
	q "create table $T (id bigint, v text)"
	printf '%s\n' '{"id":9007199254740993,"x":{"id":9007199254740993}}' '{"id":5,"x":{"id":5}}' > "$IN"
	for expr in '(.id)' '.x | .id' 'if .id then .id else 0 end'; do
		q "truncate $T"
		run_split pg-load -t "$T" --map "id=$expr" -r "$BATS_TEST_TMPDIR/rej" < "$IN"
		assert_success
		assert_equal "$(q "select string_agg(id::text, ',' order by id) from $T")" "5"
		run jq -r '._error_message' "$BATS_TEST_TMPDIR/rej"
		assert_output --partial "the result may have been rounded: libjq reads 9007199254740993 as 9007199254740992"
	done
	q "truncate $T"
	pg-load -q -t "$T" --map 'id=.id' < "$IN"
	assert_equal "$(q "select string_agg(id::text, ',' order by id) from $T")" "5,9007199254740993"
}

@test "a time without an offset is UTC whatever the session's zone, or in --tz" {
	q "create table $T (id int, t timestamptz, w timestamp)"
	printf '%s\n' '{"id":1,"t":"2024-01-01 00:30:00","w":"2024-01-01T00:30:00+02:00"}' \
	    '{"id":2,"t":"2024-01-01T00:30:00","w":"2024-01-01 00:30:00"}' \
	    '{"id":3,"t":"2024-01-01","w":"2024-07-01T12:00:00Z"}' > "$IN"
	PGTZ=Europe/Berlin pg-load -q -t "$T" < "$IN"
	run q "select id, to_char(t at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), w from $T order by id"
	assert_output "$(printf '%s\n' '1|2024-01-01 00:30|2023-12-31 22:30:00' '2|2024-01-01 00:30|2024-01-01 00:30:00' '3|2024-01-01 00:00|2024-07-01 12:00:00')"
	q "truncate $T"
	PGTZ=UTC pg-load -q -t "$T" --tz Europe/Berlin < "$IN"
	run q "select id, to_char(t at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), w from $T order by id"
	assert_output "$(printf '%s\n' '1|2023-12-31 23:30|2023-12-31 23:30:00' '2|2023-12-31 23:30|2024-01-01 00:30:00' '3|2023-12-31 23:00|2024-07-01 14:00:00')"
	run_split pg-load -t "$T" --tz Not/AZone < "$IN"
	assert_failure 64
	assert_equal "$stderr" 'pg-load: --tz Not/AZone: invalid value for parameter "TimeZone": "Not/AZone"'
}

@test "scd2: a key changing A, B, C in one run is one version, the same for every -b" {
	for b in 1 2 100; do
		q "drop table if exists $T; create table $T (cust text, name text, vf date, vt date)"
		q "insert into $T values ('c1', 'A0', '2023-01-01', null)"
		printf '%s\n' '{"cust":"c1","name":"A"}' '{"cust":"c1","name":"B"}' '{"cust":"c2","name":"X"}' \
		    '{"cust":"c1","name":"C"}' > "$IN"
		pg-load -q -t "$T" --mode scd2 --key-columns cust --valid-from vf --valid-to vt --as-of 2024-01-01 -b $b < "$IN"
		assert_equal "$(q "select string_agg(concat_ws(',', cust, name, vf, vt), ' ' order by cust, vf) from $T")" \
		    "c1,A0,2023-01-01,2024-01-01 c1,C,2024-01-01 c2,X,2024-01-01"
		# Back to what it was: the closed version is current again.
		echo '{"cust":"c1","name":"A0"}' | pg-load -q -t "$T" --mode scd2 --key-columns cust --valid-from vf --valid-to vt --as-of 2024-01-01
		assert_equal "$(q "select string_agg(concat_ws(',', cust, name, vf, vt), ' ' order by cust, vf) from $T")" \
		    "c1,A0,2023-01-01 c2,X,2024-01-01"
	done
}

@test "scd2: a null or missing key and an --as-of before the current version are rejects" {
	q "create table $T (cust text, name text, vf date, vt date)"
	q "insert into $T values ('c1', 'A0', '2023-01-01', null)"
	printf '%s\n' '{"cust":null,"name":"A"}' '{"name":"B"}' '{"cust":"c1","name":"Z"}' '{"cust":"c2","name":"Y"}' > "$IN"
	run_split pg-load -t "$T" --mode scd2 --key-columns cust --valid-from vf --valid-to vt --as-of 2022-06-01 -r "$BATS_TEST_TMPDIR/rej" < "$IN"
	assert_success
	run jq -c '[._error_row, ._error_message]' "$BATS_TEST_TMPDIR/rej"
	assert_output "$(printf '%s\n' '[1,"key column \"cust\" is null: scd2 cannot tell which version it changes"]' \
	    '[2,"key column \"cust\" is missing: scd2 cannot tell which version it changes"]' \
	    '[3,"--as-of 2022-06-01 is before the current version'"'"'s vf (2023-01-01)"]')"
	assert_equal "$(q "select string_agg(concat_ws(',', cust, name, vf, vt), ' ' order by cust, vf) from $T")" \
	    "c1,A0,2023-01-01 c2,Y,2022-06-01"
}

@test "keys that match no column are reported, an overlong one with the reason" {
	long=$(printf 'k%.0s' $(seq 1 112))
	q "create table $T (id int, \"$(printf 'k%.0s' $(seq 1 63))\" text)"
	printf '{"id":%d,"%s":"v","extra":1}\n' 1 "$long" 2 "$long" > "$IN"
	run_split pg-load -t "$T" --stats "$BATS_TEST_TMPDIR/st" < "$IN"
	assert_success
	assert_equal "${stderr_lines[0]}" "pg-load: key \"$long\" matched no column of \"$T\" and was not loaded (in 2 records) (longer than 63 bytes, PostgreSQL's limit for a column name)"
	assert_equal "${stderr_lines[1]}" "pg-load: key \"extra\" matched no column of \"$T\" and was not loaded (in 2 records)"
	run jq .unmatched_keys "$BATS_TEST_TMPDIR/st"
	assert_output 4
}

@test "GENERATED ALWAYS identity columns are left to the server unless --overriding-system-value" {
	q "create table $T (id bigint generated always as identity primary key, k int unique, v text)"
	printf '%s\n' '{"id":100,"k":1,"v":"a"}' '{"id":101,"k":2,"v":"b"}' > "$IN"
	run_split pg-load -t "$T" < "$IN"
	assert_success
	[[ "${stderr_lines[0]}" == "pg-load: key \"id\" matched no column of \"$T\" and was not loaded (in 2 records) (GENERATED ALWAYS AS IDENTITY: the server fills it; --overriding-system-value writes it)" ]]
	q "insert into $T (k, v) values (3, 'c')"
	assert_equal "$(q "select string_agg(id || ':' || k, ',' order by k) from $T")" "1:1,2:2,3:3"
	run_split pg-load -t "$T" --mode upsert --key-columns k < "$IN"
	assert_success
	run_split pg-load -t "$T" --mode upsert --key-columns id < "$IN"
	assert_failure 64
	[[ "$stderr" == *"column \"id\" is GENERATED ALWAYS AS IDENTITY"* ]]
	q "create table ${T}_b (id bigint generated always as identity, v text)"
	pg-load -q -t "${T}_b" --overriding-system-value < "$IN"
	assert_equal "$(q "select string_agg(id::text, ',' order by id) from ${T}_b")" "100,101"
	q "truncate ${T}_b"
	q "alter table ${T}_b add primary key (id)"
	pg-load -q -t "${T}_b" --mode upsert --key-columns id --overriding-system-value < "$IN"
	pg-load -q -t "${T}_b" --mode upsert --key-columns id --overriding-system-value < "$IN"
	assert_equal "$(q "select string_agg(id::text, ',' order by id) from ${T}_b")" "100,101"
}

@test "after kill -9 and a re-run, the rejects file holds every rejected record exactly once" {
	q "create table $T (id int primary key, n int)"
	seq 1 20000 | awk '{ if ($1 % 20 == 0) printf "{\"id\":%d,\"n\":\"bad\"}\n", $1;
	    else if ($1 % 33 == 0) printf "not json %d\n", $1;
	    else printf "{\"id\":%d,\"n\":%d}\n", $1, $1 }' > "$IN"
	pg-load -q -t "$T" --ledger="$L" -r "$BATS_TEST_TMPDIR/rej" -b 100 "$IN" &
	pid=$!
	for i in $(seq 1 100); do
		[ "$(q "select count(*) from $T")" -gt 2000 ] && break
		sleep 0.05
	done
	kill -9 $pid
	wait $pid || true
	run_split pg-load -t "$T" --ledger="$L" -r "$BATS_TEST_TMPDIR/rej" -b 70 "$IN"
	assert_success
	loaded=$(q "select count(*) from $T")
	rejected=$(wc -l < "$BATS_TEST_TMPDIR/rej")
	assert_equal $((loaded + rejected)) 20000
	assert_equal "$(jq -s 'map(._error_row) | unique | length' "$BATS_TEST_TMPDIR/rej")" "$rejected"
	assert_equal "$(q "select sum(rejected) from $L")" "$rejected"
}

@test "a full disk on the rejects file exits 74; the re-run writes every reject once" {
	q "create table $T (id int primary key, n int)"
	seq 1 3000 | awk '{ if ($1 % 10 == 0) printf "{\"id\":%d,\"n\":\"bad\"}\n", $1;
	    else printf "{\"id\":%d,\"n\":%d}\n", $1, $1 }' > "$IN"
	run_split pg-load -t "$T" --ledger="$L" -r /dev/full -b 500 "$IN"
	assert_failure 74
	run_split pg-load -q -t "$T" --ledger="$L" -r "$BATS_TEST_TMPDIR/rej" -b 500 "$IN"
	assert_success
	assert_equal "$(q "select count(*) from $T")" 2700
	assert_equal "$(jq -s 'map(._error_row) | unique | length' "$BATS_TEST_TMPDIR/rej")" 300
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/rej")" 300
}

@test "replace survives its connections being killed: retried, nothing doubled" {
	q "create table $T (id int, d date, v text)"
	seq 1 100000 | awk '{printf "{\"id\":%d,\"d\":\"2024-01-%02d\",\"v\":\"x\"}\n", $1, ($1 % 28) + 1}' > "$IN"
	pg-load -q -t "$T" --mode replace --partition d --ledger="$L" -b 2000 "$IN" &
	pid=$!
	for i in $(seq 1 100); do
		[ "$(q "select count(*) from $L")" -gt 0 ] && break
		sleep 0.05
	done
	q "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pg-load'" >/dev/null
	wait $pid
	assert_equal "$(count "$T")" "100000|100000"
}

@test "--extra-column keeps a record's own key of that name" {
	q "create table $T (id int, extra jsonb)"
	printf '%s\n' '{"id":1,"extra":{"a":1},"b":2}' '{"id":2,"extra":{"a":1}}' '{"id":3,"b":2}' \
	    '{"id":4,"extra":5,"b":2}' > "$IN"
	run_split pg-load -t "$T" --extra-column extra -r "$BATS_TEST_TMPDIR/rej" < "$IN"
	assert_success
	run q "select id, extra from $T order by id"
	assert_output "$(printf '%s\n' '1|{"a": 1, "b": 2}' '2|{"a": 1}' '3|{"b": 2}')"
	run jq -c '[._error_row, ._error_path]' "$BATS_TEST_TMPDIR/rej"
	assert_output '[4,"/extra"]'
}

@test "--status writes no terminal escapes when stderr is not a terminal" {
	run_split pg-load --status --ledger=no_such_ledger
	assert_failure 65
	assert_equal "$stderr" 'pg-load: no ledger "no_such_ledger" in this database'
}

@test "rollup --tz reads a time without an offset in the zone, as PostgreSQL does" {
	printf '%s\n' '{"t":"2024-01-01 00:30:00"}' '{"t":"2024-03-31 02:30"}' '{"t":"2024-10-27 02:30"}' \
	    '{"t":"2024-01-01T00:30:00Z"}' > "$IN"
	run rollup -q --time .t --period hour --tz Europe/Berlin --count n < "$IN"
	assert_success
	expected=$(PGTZ=Europe/Berlin q "select string_agg(format('{\"hour\":\"%s\",\"n\":1}',
	    to_char(date_trunc('hour', t::timestamptz at time zone 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')), E'\n' order by 1)
	    from unnest(array['2024-01-01 00:30:00', '2024-03-31 02:30', '2024-10-27 02:30', '2024-01-01T00:30:00Z']) t")
	assert_output "$(echo "$expected" | sort)"
}

@test "a run whose acknowledged batches the server lost is not marked done; the re-run loads them" {
	q "create table $T (id int, v text)"
	# A crash without synchronous commit, as seen from pg-load: batch 1
	# and its rows vanish after their COMMIT was acknowledged.
	run_split bash -c "(head -100 '$IN'; sleep 1.5; tail -n +101 '$IN') |
	    pg-load -t $T --ledger=$L --run-id lost -b 50 & pid=\$!; sleep 1;
	    psql -Xq -c \"delete from $T where id <= 50; delete from ${L}_batches where first_record = 1\";
	    wait \$pid"
	assert_failure 75
	[[ "$stderr" == *"pg-load: run lost: the server has 9 of the 10 batches it acknowledged"* ]]
	assert_equal "$(q "select state from $L where run_id = 'lost'")" running
	run_split pg-load -t "$T" --ledger="$L" --run-id lost -b 50 < "$IN"
	assert_success
	assert_equal "$(count "$T")" "500|500"
}

@test "chunk --tz and prune --tz read a time without an offset in the zone" {
	printf '%s\n' '{"t":"2024-01-01 00:30:00"}' '{"t":"2024-01-01T00:30:00Z"}' > "$IN"
	run prune -q --time .t --before "2024-01-01 01:00" --tz Europe/Berlin --drop < "$IN"
	assert_success
	assert_output '{"t":"2024-01-01T00:30:00Z"}'
	run prune -q --time .t --before "2024-01-01 01:00" --drop < "$IN"
	assert_output ""
	cd "$BATS_TEST_TMPDIR"
	run chunk -q --time .t --period day --tz Europe/Berlin -o days < "$IN"
	assert_success
	assert_output "$(printf '%s\n' days/2024-01-01.jsonl days/2024-01-01.jsonl | sort -u)"
	run chunk -q --time .t --period day --tz America/New_York -o ny < "$IN"
	assert_output "$(printf '%s\n' ny/2023-12-31.jsonl ny/2024-01-01.jsonl)"
	run cat ny/2023-12-31.jsonl
	assert_output '{"t":"2024-01-01T00:30:00Z"}'
}

@test "rejects are written in input order for every -b, whatever error the server finds first" {
	q "create table $T (id bigint primary key, n int not null, v text)"
	# The server finds a bad value as COPY parses a row, a duplicate key
	# only when it inserts the rows it buffered: both kinds mixed.
	python3 - "$BATS_TEST_TMPDIR/bad" <<'PY'
import json, random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(1, 401):
        r = {"id": i, "n": i, "v": "x"}
        k = random.random()
        if k < 0.05:
            r["id"] = random.randint(1, max(1, i - 1))   # a duplicate key
        elif k < 0.10:
            r["n"] = "not-a-number"                     # refused on parse
        elif k < 0.13:
            del r["n"]                                  # NOT NULL
        f.write(json.dumps(r) + "\n")
PY
	for b in 1 3 17 64 1000; do
		q "truncate $T"
		run pg-load -q -t "$T" -b "$b" -r "$BATS_TEST_TMPDIR/rej.$b" < "$BATS_TEST_TMPDIR/bad"
		assert_success
		jq -c ._error_row "$BATS_TEST_TMPDIR/rej.$b" > "$BATS_TEST_TMPDIR/rows.$b"
		sort -n -c "$BATS_TEST_TMPDIR/rows.$b" || fail "-b $b: rejects out of input order"
		[ "$(wc -l < "$BATS_TEST_TMPDIR/rows.$b")" -gt 20 ] || fail "-b $b: too few rejects"
		cmp "$BATS_TEST_TMPDIR/rows.1" "$BATS_TEST_TMPDIR/rows.$b"
		assert_equal $(( $(q "select count(*) from $T") + $(wc -l < "$BATS_TEST_TMPDIR/rej.$b") )) 400
	done
}
