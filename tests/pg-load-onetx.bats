#!/usr/bin/env bats
# pg-load --defer-indexes and --freeze: the load in one transaction, the
# secondary indexes dropped first and built after the rows, the rows
# written frozen. The table must end as a plain load leaves it (rows and
# index definitions), a refused or killed load must leave it as it was,
# and a re-run never doubles.

load test_helper
bats_require_minimum_version 1.5.0

N=30000

# N events, one a line, times with an offset, few distinct types.
setup_file() {
	[ -n "${PGHOST:-}" ] || return 0
	python3 - "$N" > "$BATS_FILE_TMPDIR/in" <<'PY'
import sys
for i in range(1, int(sys.argv[1]) + 1):
    print('{"id":%d,"created_at":"2024-03-%02dT%02d:%02d:00+01:00",'
          '"event_type":"e%d","session_id":"s%d","v":"V%d"}'
          % (i, i % 28 + 1, i % 24, i % 60, i % 7, i % 997, i))
PY
}

setup() {
	need_pg
	T="pld_${BATS_TEST_NUMBER}"
	q "drop table if exists $T, ${T}_ref, ${T}_l, ${T}_l_batches, ${T}_l_rejects, ${T}_l_parts cascade" >/dev/null
	make_table "$T"
}

# make_table NAME: analytics_events' shape, with a primary key and
# secondary indexes of several kinds.
make_table() {
	q "create table $1 (id bigint primary key, created_at timestamptz,
	    event_type text not null, session_id text, v text)"
	q "create index ${1}_created on $1 (created_at)"
	q "create index ${1}_type on $1 (event_type) with (fillfactor = 70)"
	q "create index ${1}_session on $1 using hash (session_id)"
	q "create index ${1}_partial on $1 (lower(v)) where session_id is not null"
}

# indexes NAME: each index of NAME, valid and ready, and its definition
# with the table's name taken out (so two tables compare).
indexes() {
	q "select relname, indisvalid, indisready, indislive,
	    replace(pg_get_indexdef(indexrelid), '$1', 'T')
	    from pg_index join pg_class on oid = indexrelid
	    where indrelid = '$1'::regclass order by relname" | sed "s/$1/T/g"
}

# rows NAME: a digest of NAME's rows.
rows() {
	q "select count(*), md5(string_agg(format('%s|%s|%s|%s|%s', id,
	    created_at, event_type, session_id, v), ',' order by id)) from $1"
}

# The table holds the rows a plain load puts in ${T}_ref, and the same
# indexes, all valid.
assert_as_reference() {
	make_table "${T}_ref"
	pg-load -q -t "${T}_ref" < "$BATS_FILE_TMPDIR/in"
	assert_equal "$(rows "$T")" "$(rows "${T}_ref")"
	assert_equal "$(indexes "$T")" "$(indexes "${T}_ref")"
}

@test "a deferred load ends with the rows and the indexes of a plain load" {
	before=$(indexes "$T")
	run pg-load -t "$T" --defer-indexes -b 4000 < "$BATS_FILE_TMPDIR/in"
	assert_success
	assert_output --partial "$N rows, $N imported"
	assert_equal "$(indexes "$T")" "$before"
	assert_as_reference
	# The index answers as a plain one does.
	run q "set enable_seqscan = off; select count(*) from $T where created_at < '2024-03-02'"
	assert_output "$(q "select count(*) from ${T}_ref where created_at < '2024-03-02'")"
}

@test "the result is the same for every -b" {
	for b in 1 977 $N; do
		q "truncate $T"
		run pg-load -q -t "$T" --defer-indexes -b "$b" --limit 3000 < "$BATS_FILE_TMPDIR/in"
		assert_success
		got+=("$(rows "$T") $(indexes "$T" | md5sum)")
	done
	assert_equal "${got[0]}" "${got[1]}"
	assert_equal "${got[0]}" "${got[2]}"
}

@test "the secondary indexes are rebuilt; unique, constraint, clustered and commented ones are kept" {
	q "create unique index ${T}_uv on $T (v)"
	q "alter table $T add constraint ${T}_excl exclude using btree (id with =)"
	q "create index ${T}_clu on $T (session_id, id)"
	q "cluster $T using ${T}_clu"
	q "create index ${T}_doc on $T (v, id)"
	q "comment on index ${T}_doc is 'documented'"
	oids() {
		q "select relname, indexrelid from pg_index join pg_class on oid = indexrelid where indrelid = '$T'::regclass order by 1"
	}
	before=$(oids)
	run pg-load -q -t "$T" --defer-indexes < "$BATS_FILE_TMPDIR/in"
	assert_success
	after=$(oids)
	# Kept: the same index (its oid); rebuilt: a new one.
	run diff <(echo "$before") <(echo "$after")
	assert_output --partial "< ${T}_created|"
	refute_output --partial "< ${T}_pkey|"
	refute_output --partial "< ${T}_uv|"
	refute_output --partial "< ${T}_excl|"
	refute_output --partial "< ${T}_clu|"
	refute_output --partial "< ${T}_doc|"
	run q "select relname from pg_index join pg_class on oid = indexrelid where indisclustered and indrelid = '$T'::regclass"
	assert_output "${T}_clu"
	run q "select count(*) from pg_index where indrelid = '$T'::regclass and indisvalid"
	assert_output 9
}

@test "rejects go to the rejects file with their rows, the rest loads" {
	{ head -n 100 "$BATS_FILE_TMPDIR/in"
	  echo '{"id":100,"event_type":"dup"}'
	  echo '{"id":"x","event_type":"e"}'
	  echo '{"id":999999}'
	  sed -n '101,200p' "$BATS_FILE_TMPDIR/in"; } > "$BATS_TEST_TMPDIR/bad"
	run pg-load -q -t "$T" --defer-indexes -b 30 -r "$BATS_TEST_TMPDIR/rej" < "$BATS_TEST_TMPDIR/bad"
	assert_success
	run jq -sc 'sort_by(._error_row)[] | [._error_row, ._error_sqlstate]' "$BATS_TEST_TMPDIR/rej"
	assert_output $'[101,"23505"]\n[102,"22P02"]\n[103,"23502"]'
	run q "select count(*), min(id), max(id) from $T"
	assert_output "200|1|200"
	run q "select count(*) from pg_index where indrelid = '$T'::regclass and indisvalid"
	assert_output 5
}

@test "a table that is not empty is refused and left as it was" {
	q "insert into $T values (1, now(), 'e', 's', 'v')"
	before=$(indexes "$T")
	run pg-load -t "$T" --defer-indexes < "$BATS_FILE_TMPDIR/in"
	assert_failure 64
	assert_output --partial "is not empty"
	run q "select count(*) from $T"
	assert_output 1
	assert_equal "$(indexes "$T")" "$before"
}

@test "a partitioned table and a partition are refused" {
	q "create table ${T}_p (id int, d date) partition by range (d)"
	q "create table ${T}_p1 partition of ${T}_p for values from ('2024-01-01') to ('2025-01-01')"
	q "create index on ${T}_p (id)"
	for t in "${T}_p" "${T}_p1"; do
		for opt in --defer-indexes --freeze; do
			run pg-load -t "$t" $opt <<< '{"id":1,"d":"2024-02-02"}'
			assert_failure 64
			assert_output --partial "is partitioned or a partition"
		done
	done
	run q "select count(*) from ${T}_p"
	assert_output 0
	q "drop table ${T}_p"
}

@test "what needs several transactions or connections is refused at start" {
	for opt in --defer-indexes --freeze; do
		for args in "-j 2" "--mode upsert --key-columns id" "--check" \
		    "--mode replace --partition event_type"; do
			# shellcheck disable=SC2086
			run pg-load -t "$T" $opt $args < "$BATS_FILE_TMPDIR/in"
			assert_failure 64
			assert_output --partial "$opt loads in one transaction"
		done
	done
	run pg-load -t "$T" --freeze -r /dev/null < "$BATS_FILE_TMPDIR/in"
	assert_failure 64
	assert_output --partial "--freeze cannot divert rejects"
	run q "select count(*) from $T"
	assert_output 0
}

@test "an index that cannot be built rolls the whole load back" {
	# A btree entry holds at most about 2.7 kB; row 20 is 10 kB that
	# does not compress.
	python3 -c "
import random
random.seed(1)
for i in range(1, 41):
    v = ''.join(random.choice('abcdefghij') for _ in range(10000)) if i == 20 else 'v'
    print('{\"id\":%d,\"event_type\":\"%s\"}' % (i, v))" > "$BATS_TEST_TMPDIR/big"
	before=$(indexes "$T")
	run pg-load -t "$T" --defer-indexes -b 10 < "$BATS_TEST_TMPDIR/big"
	assert_failure 65
	assert_output --partial "CREATE INDEX ${T}_type ON"
	assert_output --partial "nothing was loaded"
	assert_output --partial "40 rows, 0 imported"
	run q "select count(*) from $T"
	assert_output 0
	assert_equal "$(indexes "$T")" "$before"
}

@test "while it loads, readers see every index and wait for the rows" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	pg-load -q -t "$T" --defer-indexes -b 100 < "$BATS_TEST_TMPDIR/fifo" 3>&- &
	pid=$!
	exec 4> "$BATS_TEST_TMPDIR/fifo"
	head -n 1000 "$BATS_FILE_TMPDIR/in" >&4
	# Until its transaction holds the table.
	for _ in $(seq 100); do
		[ "$(q "select count(*) from pg_locks where relation = '$T'::regclass and mode = 'AccessExclusiveLock' and granted")" = 1 ] && break
		sleep 0.1
	done
	run q "select count(*) from pg_index where indrelid = '$T'::regclass and indisvalid"
	assert_output 5
	run q "set lock_timeout = '50ms'; select count(*) from $T"
	assert_failure
	assert_output --partial "lock timeout"
	sed -n '1001,2000p' "$BATS_FILE_TMPDIR/in" >&4
	exec 4>&-
	wait "$pid"
	run q "select count(*) from $T"
	assert_output 2000
}

@test "several files with --ledger are one run, which a re-run finds done" {
	split -l 10000 "$BATS_FILE_TMPDIR/in" "$BATS_TEST_TMPDIR/part."
	run pg-load -t "$T" --defer-indexes --ledger="${T}_l" "$BATS_TEST_TMPDIR"/part.*
	assert_failure 64
	assert_output --partial "--defer-indexes loads several files as one run"
	run pg-load -q -t "$T" --defer-indexes --ledger="${T}_l" --run-id r1 "$BATS_TEST_TMPDIR"/part.*
	assert_success
	run pg-load -t "$T" --defer-indexes --ledger="${T}_l" --run-id r1 "$BATS_TEST_TMPDIR"/part.*
	assert_success
	assert_output --partial "nothing to do"
	run q "select state, rows from ${T}_l"
	assert_output "done|$N"
	assert_as_reference
}

# kill -9 after $1 seconds, with the arguments $2...
kill_and_rerun() {
	local delay=$1
	shift
	pg-load -q -t "$T" -b 2000 "$@" < "$BATS_FILE_TMPDIR/in" 3>&- &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	# Nothing or everything, and every index valid.
	run q "select count(*) from $T"
	[ "$output" = 0 ] || [ "$output" = "$N" ]
	run q "select count(*) from pg_index where indrelid = '$T'::regclass and indisvalid and indisready"
	assert_output 5
	run pg-load -q -t "$T" -b 2000 "$@" < "$BATS_FILE_TMPDIR/in"
	# Without a ledger a load that had finished is refused: not empty.
	[ "$status" -eq 0 ] || { [ "$status" -eq 64 ] &&
	    [[ "$*" != *--ledger* ]]; }
	assert_as_reference
	q "drop table ${T}_ref"
}

@test "kill -9 at random points, then a re-run: every row once, every index valid" {
	local seed
	for seed in 1 2 3 4 5; do
		RANDOM=$seed
		q "truncate $T"
		q "drop table if exists ${T}_l, ${T}_l_batches, ${T}_l_rejects, ${T}_l_parts"
		kill_and_rerun "0.$((RANDOM % 9 + 1))" --defer-indexes \
		    --ledger="${T}_l"
		run q "select state, rows from ${T}_l"
		assert_output "done|$N"
		q "truncate $T"
		kill_and_rerun "0.$((RANDOM % 9 + 1))" --defer-indexes
		q "truncate $T"
		kill_and_rerun "0.$((RANDOM % 9 + 1))" --freeze --defer-indexes
	done
}

# NAME's heap: pages all-frozen, all-visible, and pages.
frozen() {
	q "select sum(all_frozen::int), sum(all_visible::int), count(*) from pg_visibility_map('$1')"
}

@test "--freeze writes every page frozen and all-visible; a plain load does not" {
	q "create extension if not exists pg_visibility"
	run pg-load -q -t "$T" --freeze -b 3000 < "$BATS_FILE_TMPDIR/in"
	assert_success
	pages=$(q "select count(*) from pg_visibility_map('$T')")
	[ "$pages" -gt 10 ]
	assert_equal "$(frozen "$T")" "$pages|$pages|$pages"
	assert_as_reference
	run q "select sum(all_frozen::int) from pg_visibility_map('${T}_ref')"
	assert_output 0
}

@test "--freeze with --defer-indexes and --ledger: frozen, indexed, recorded" {
	q "create extension if not exists pg_visibility"
	run pg-load -q -t "$T" --freeze --defer-indexes --ledger="${T}_l" < "$BATS_FILE_TMPDIR/in"
	assert_success
	pages=$(q "select count(*) from pg_visibility_map('$T')")
	assert_equal "$(frozen "$T")" "$pages|$pages|$pages"
	assert_as_reference
	run q "select state, rows from ${T}_l"
	assert_output "done|$N"
}

@test "a bad row stops a --freeze load, named, with nothing loaded" {
	{ head -n 50 "$BATS_FILE_TMPDIR/in"
	  echo '{"id":51}'
	  sed -n '52,80p' "$BATS_FILE_TMPDIR/in"; } > "$BATS_TEST_TMPDIR/bad"
	run pg-load -t "$T" --freeze -b 20 < "$BATS_TEST_TMPDIR/bad"
	assert_failure 65
	assert_output --partial "row 51: 23502"
	run q "select count(*) from $T"
	assert_output 0
}

@test "--freeze into a table another's foreign key references fails and leaves it" {
	q "create table ${T}_child (id bigint references $T)"
	run pg-load -t "$T" --freeze < "$BATS_FILE_TMPDIR/in"
	assert_failure 65
	assert_output --partial "foreign key"
	run q "select count(*) from $T"
	assert_output 0
	q "drop table ${T}_child"
}
