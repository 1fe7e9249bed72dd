#!/usr/bin/env bats
# prune's table mode on a partitioned table: partitions wholly in the
# window are detached and dropped, the others lose their window rows in
# batches; the table ends as a batched DELETE would leave it, whatever the
# partition layout (sub-partitions, a default partition, NULL times).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	need_pg
	P="pp_${BATS_TEST_NUMBER}"
	q "drop table if exists $P, ${P}_flat cascade"
	# Months of 2024 by range; March split into days (a boundary inside
	# it drops whole days), April by list on v; a default partition for
	# the rest (2023, NULL times).
	q "create table $P (id bigint, t timestamptz, v text) partition by range (t);
	   create table ${P}_01 partition of $P for values from ('2024-01-01') to ('2024-02-01');
	   create table ${P}_02 partition of $P for values from ('2024-02-01') to ('2024-03-01');
	   create table ${P}_03 partition of $P for values from ('2024-03-01') to ('2024-04-01') partition by range (t);
	   create table ${P}_03_a partition of ${P}_03 for values from ('2024-03-01') to ('2024-03-11');
	   create table ${P}_03_b partition of ${P}_03 for values from ('2024-03-11') to ('2024-03-21');
	   create table ${P}_03_c partition of ${P}_03 for values from ('2024-03-21') to ('2024-04-01');
	   create table ${P}_04 partition of $P for values from ('2024-04-01') to ('2024-05-01') partition by list (v);
	   create table ${P}_04_a partition of ${P}_04 for values in ('a');
	   create table ${P}_04_b partition of ${P}_04 for values in ('b');
	   create table ${P}_05 partition of $P for values from ('2024-05-01') to ('2024-06-01');
	   create table ${P}_def partition of $P default;
	   insert into $P select g, '2024-01-01'::timestamptz + g * interval '37 minutes',
	       case when g % 2 = 0 then 'a' else 'b' end from generate_series(0, 5700) g;
	   insert into $P values (-1, '2023-06-01', 'x'), (-2, null, 'y'), (-3, '2030-01-01', 'z');
	   create table ${P}_flat (like $P);
	   insert into ${P}_flat select * from $P"
}

# The ids left in a table, as one checksum.
left() {
	q "select count(*) || ' ' || md5(string_agg(id::text, ',' order by id)) from $1"
}

# Every window: the partitioned table ends as the flat one, and the two
# archives hold the same rows.
@test "every window leaves the table a batched DELETE leaves, and archives the same rows" {
	local w nw=0
	for w in "--before 2024-03-15" "--before 2024-04-01" "--after 2024-04-01" \
	    "--between 2024-02-01 2024-03-21" "--until 2024-03-11T00:00:00Z" \
	    "--older-than 30d --now 2024-05-20T00:00:00Z" "--before 2023-01-01" \
	    "--after 2020-01-01"; do
		nw=$((nw + 1))
		setup
		# shellcheck disable=SC2086
		run_split prune -t "$P" --column t $w -b 97 --archive "$BATS_TEST_TMPDIR/a$nw"
		assert_success
		# shellcheck disable=SC2086
		prune -q -t "${P}_flat" --column t $w -b 97 --archive "$BATS_TEST_TMPDIR/f$nw"
		[ "$(left "$P")" = "$(left "${P}_flat")" ] || fail "$w: $(left "$P") vs $(left "${P}_flat")"
		cmp <(sort "$BATS_TEST_TMPDIR/a$nw") <(sort "$BATS_TEST_TMPDIR/f$nw") ||
		    fail "$w: the archives differ"
	done
}

@test "whole partitions are dropped, sub-partitions included; the boundary partition keeps its other rows" {
	run_split prune -t "$P" --column t --before 2024-03-15 -b 100
	assert_success
	[[ "$stderr" == "prune: $P: "*" deleted, 3 partitions dropped, "* ]] || fail "$stderr"
	# January, February and the first ten days of March are gone; the
	# part across the bound is still there, with its later rows.
	run q "select string_agg(c.relname, ' ' order by c.relname) from pg_class c
	    where c.relname like '${P}\\_%' and c.relispartition"
	assert_output "${P}_03 ${P}_03_b ${P}_03_c ${P}_04 ${P}_04_a ${P}_04_b ${P}_05 ${P}_def"
	run q "select count(*) from $P where t < '2024-03-15'"
	assert_output 0
	run q "select count(*) from ${P}_03_b"
	[ "$output" -gt 0 ]
	# The default partition lost its 2023 row, kept the NULL and 2030.
	run q "select string_agg(id::text, ',' order by id) from ${P}_def"
	assert_output "-3,-2"
}

@test "--dry-run lists the partitions it would drop and the rows it would delete, and changes nothing" {
	before=$(left "$P")
	run_split prune -t "$P" --column t --before 2024-03-15 --dry-run
	assert_success
	assert_line --index 0 --regexp "^drop  ${P}_01  [0-9]+$"
	assert_line --index 1 --regexp "^drop  ${P}_02  [0-9]+$"
	assert_line --index 2 --regexp "^drop  ${P}_03_a  [0-9]+$"
	assert_line --index 3 "2023-06  1"
	assert_line --index 4 --regexp "^2024-03  [0-9]+$"
	n=$(q "select count(*) from $P where t < '2024-03-15'")
	assert_line --index 5 "total  $n"
	[ "${#lines[@]}" -eq 6 ]
	[ "$(left "$P")" = "$before" ]
}

@test "a timestamp column without a time zone is pruned by partition too" {
	q "drop table if exists ${P}_ts cascade;
	   create table ${P}_ts (id int, t timestamp) partition by range (t);
	   create table ${P}_ts_1 partition of ${P}_ts for values from ('2024-01-01') to ('2024-02-01');
	   create table ${P}_ts_2 partition of ${P}_ts for values from ('2024-02-01') to ('2024-03-01');
	   insert into ${P}_ts select g, '2024-01-01'::timestamp + g * interval '1 hour' from generate_series(0, 1400) g"
	run_split prune -t "${P}_ts" --column t --before 2024-02-10
	assert_success
	[[ "$stderr" == *", 1 partitions dropped, "* ]] || fail "$stderr"
	run q "select count(*), min(t) from ${P}_ts"
	assert_output "$((1401 - 31 * 24 - 9 * 24))|2024-02-10 00:00:00"
}

@test "a table-mode --stats follows the common schema and counts dropped partitions" {
	run_split prune -q -t "$P" --column t --before 2024-04-01 --stats "$BATS_TEST_TMPDIR/st"
	assert_success
	run jsonl-validate -q -s "$ROOT/tests/stats.schema.json" "$BATS_TEST_TMPDIR/st"
	assert_success
	n=$(q "select count(*) from ${P}_flat where t < '2024-04-01'")
	run jq -c '[.processed, .diverted.pruned, .deleted, .dropped_partitions]' "$BATS_TEST_TMPDIR/st"
	assert_output "[$n,$n,$n,3]"
}

@test "a row written to a partition while it is archived is archived or refused, never dropped unseen" {
	# A big old partition, archived while another session keeps writing
	# rows of its range: each write lands before the archive's snapshot
	# (archived) or waits and then fails (no partition left for it).
	q "drop table if exists ${P}_big;
	   create table ${P}_big (id bigint, t timestamptz, v text) partition by range (t);
	   create table ${P}_big_old partition of ${P}_big for values from ('2020-01-01') to ('2021-01-01');
	   create table ${P}_big_new partition of ${P}_big for values from ('2021-01-01') to ('2022-01-01');
	   insert into ${P}_big select g, '2020-01-01'::timestamptz + (g % 300) * interval '1 day',
	       repeat('x', 200) from generate_series(1, 300000) g;
	   insert into ${P}_big values (0, '2021-06-01', 'new')"
	(
		i=1000000
		while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
			i=$((i + 1))
			if psql -X -q -c "insert into ${P}_big values ($i, '2020-06-01', 'late')" \
			    2>/dev/null; then
				echo "$i"
			fi
		done > "$BATS_TEST_TMPDIR/written"
	) &
	sleep 0.5
	run_split prune -t "${P}_big" --column t --before 2021-01-01 \
	    --archive "$BATS_TEST_TMPDIR/arch"
	touch "$BATS_TEST_TMPDIR/stop"
	wait
	assert_success
	# Every late row that was written is in the archive.
	missing=$(jq -r 'select(.v == "late") | .id' "$BATS_TEST_TMPDIR/arch" |
	    sort | comm -13 - <(sort "$BATS_TEST_TMPDIR/written"))
	assert_equal "$missing" ""
	[ "$(wc -l < "$BATS_TEST_TMPDIR/written")" -gt 0 ] || fail "no late row was written"
	assert_equal "$(q "select string_agg(v, ',') from ${P}_big")" new
}

@test "a partition's transaction retried after a transient error archives its rows once" {
	# The first DROP fails with a serialization failure (an event
	# trigger, counting with a sequence, which no rollback undoes): the
	# retry archives the partition again, and the archive holds it once.
	q "drop event trigger if exists ${P}_et;
	   drop function if exists ${P}_fail_once();
	   drop sequence if exists ${P}_once;
	   create sequence ${P}_once;
	   create function ${P}_fail_once() returns event_trigger language plpgsql as
	     \$\$ begin if nextval('${P}_once') = 1 then
	       raise exception 'try again' using errcode = '40001'; end if; end \$\$;
	   create event trigger ${P}_et on sql_drop execute function ${P}_fail_once()"
	run_split prune -t "$P" --column t --before 2024-02-01 \
	    --archive "$BATS_TEST_TMPDIR/arch"
	q "drop event trigger ${P}_et"
	assert_success
	assert_equal "$(q "select nextval('${P}_once')")" 3
	assert_equal "$(jq -r .id "$BATS_TEST_TMPDIR/arch" | sort | uniq -d)" ""
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/arch")" \
	    "$(q "select count(*) from ${P}_flat where t < '2024-02-01'")"
}
