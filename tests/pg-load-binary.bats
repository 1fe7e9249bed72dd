#!/usr/bin/env bats
# pg-load's binary COPY: a batch whose every value has an exact binary form
# goes as COPY (FORMAT binary), anything else as COPY text. Values loaded
# in binary are compared with what psql \copy's text input makes of the
# same values (the text forms written by python3 from the JSON, by the
# rules of pg-load(1)), and the format each COPY used is read from the
# server's log (log_statement=all for pg-load's sessions, via PGOPTIONS).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	need_pg
	T="plb_${BATS_TEST_NUMBER}"
	q "drop table if exists $T, ${T}_ref, ${T}_u cascade" >/dev/null
	LOG="$SLUICE_PGDIR/server.log"
	LOG_AT=$(stat -c %s "$LOG")
}

# pg-load with every statement of its sessions in the server's log.
load_logged() {
	PGOPTIONS='-c log_statement=all' pg-load "$@"
}

# The format of each COPY into relation $1 since setup, one a line.
copy_formats() {
	tail -c +"$((LOG_AT + 1))" "$LOG" |
	    grep -a "statement: COPY $1 (" |
	    sed -e 's/.* FROM STDIN (FORMAT binary)$/binary/' \
		-e 's/.* FROM STDIN$/text/'
}

# JSONL file $1 to COPY text file $2 for columns $3 (comma-separated, in
# the table's order; bool columns named in $4, json ones in $5): a string
# is its decoded contents (its JSON text into json), true/false are t/f
# into bool columns, null or an absent key is \N, anything else is its
# JSON text; then COPY text escaping.
to_copy_text() {
	python3 - "$1" "$2" "$3" "${4:-}" "${5:-}" <<'PY'
import json, sys
src, dst, cols = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
bools, jsons = sys.argv[4].split(','), sys.argv[5].split(',')
def text(col, v):
    if v is None:
        return '\\N'
    if isinstance(v, str) and col not in jsons:
        s = v
    elif isinstance(v, bool) and col in bools:
        s = 't' if v else 'f'
    else:
        s = json.dumps(v, ensure_ascii=False, separators=(',', ':'))
    return s.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')
with open(dst, 'w') as out:
    for line in open(src):
        rec = json.loads(line)
        out.write('\t'.join(text(c, rec.get(c)) for c in cols) + '\n')
PY
}

@test "every supported type loads in binary exactly as psql's text input reads it" {
	q "create table $T (id int, i8 bigint, i4 int, i2 smallint, b boolean,
	    ts timestamptz, u uuid, s text, v varchar(5), j json, jb jsonb)"
	q "create table ${T}_ref (like $T)"
	# Non-string values are written in the form python's json.dumps gives
	# them back, so that the reference text equals their source text.
	cat > "$BATS_TEST_TMPDIR/in" <<'EOF'
{"id":1,"i8":9007199254740993,"i4":-2147483648,"i2":-32768,"b":true,"ts":"2024-03-05T14:07:09Z","u":"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11","s":"tab\there\nnew line\\back\\N é \u00e9 \ud83d\ude00","v":"abcde","j":{"a":1,"b":"é"},"jb":{"x":[1,2,"é"],"a":null}}
{"id":2,"i8":-9223372036854775808,"i4":2147483647,"i2":32767,"b":false,"ts":"2024-03-05 14:07:09.5+05:30","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12","s":12.5,"v":"ab","j":[1,2.5,"x"],"jb":"s"}
{"id":3,"i8":9223372036854775807,"i4":-0,"i2":-0,"b":null,"ts":"2024-02-29T23:59:59.999999-15:59","u":null,"s":{"k":[1,2]},"v":null,"j":"str","jb":1e+100}
{"id":4,"i8":-0,"i4":0,"i2":7,"ts":"1999-12-31T23:59:59.000001+15:59","s":true,"j":true,"jb":[true,false,null]}
{"id":5,"i8":1,"ts":"2000-01-01T00:00:00Z","s":"","j":null,"jb":{}}
{"id":6,"ts":"1970-01-01T00:00:00-00:00","s":"\"quoted\"","j":1.5}
{"id":7,"ts":"1677-09-21T00:12:44.000001Z"}
{"id":8,"ts":"2262-04-11T23:47:16.854775+00:00"}
{"id":9,"ts":"1883-11-18 11:59:59-07:00"}
EOF
	run_split load_logged -t "$T" < "$BATS_TEST_TMPDIR/in"
	assert_success
	run copy_formats "\"$T\""
	assert_output binary
	to_copy_text "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/ref" \
	    id,i8,i4,i2,b,ts,u,s,v,j,jb b j,jb
	psql -Xq -v ON_ERROR_STOP=1 -c "\\copy ${T}_ref from '$BATS_TEST_TMPDIR/ref'"
	expected=$(q "select x::text from ${T}_ref x order by id")
	run q "select x::text from $T x order by id"
	assert_output "$expected"
	# Spot checks written down: the instant, the integers, the text.
	run q "select to_char(ts at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), i8 from $T where id in (2, 3) order by id"
	assert_output "$(printf '%s\n' '2024-03-05 08:37:09.500000|-9223372036854775808' \
	    '2024-03-01 15:58:59.999999|9223372036854775807')"
	run q "select md5(s) from $T where id = 1"
	assert_output "$(printf 'tab\there\nnew line\\back\\N é é \xf0\x9f\x98\x80' | md5sum | cut -d' ' -f1)"
}

@test "json keeps the exact source text and jsonb reads unicode escapes" {
	q "create table $T (id int, j json, jb jsonb)"
	printf '%s\n' '{"id":1,"j":{ "b" : "\u00e9\ud83d\ude00" ,"a":[1,  2.50]},"jb":{"b":"\u00e9\ud83d\ude00","n":2.50}}' \
	    '{"id":2,"j":"x\ty\u0000","jb":"\u00e9"}' > "$BATS_TEST_TMPDIR/in"
	run load_logged -q -t "$T" < "$BATS_TEST_TMPDIR/in"
	assert_success
	run copy_formats "\"$T\""
	assert_output binary
	run q "select j::text, jb::text from $T order by id"
	assert_output "$(printf '%s\n' '{ "b" : "\u00e9\ud83d\ude00" ,"a":[1,  2.50]}|{"b": "é😀", "n": 2.50}' \
	    '"x\ty\u0000"|"é"')"
}

@test "a batch with a timestamp binary cannot carry exactly turns to text and loads every row" {
	q "create table $T (id int, ts timestamptz)"
	q "create table ${T}_ref (like $T)"
	# Batches of 5: the 3rd record of the first is a bare date (midnight
	# UTC, whatever the session's zone), the second batch is strict RFC
	# 3339, the third has a time without an offset (UTC), 'epoch' and a
	# string id.
	cat > "$BATS_TEST_TMPDIR/in" <<'EOF'
{"id":1,"ts":"2024-03-05T14:07:09Z"}
{"id":2,"ts":"2024-03-05T14:07:09.25+01:00"}
{"id":3,"ts":"2024-03-05"}
{"id":4,"ts":"2024-03-06T00:00:00Z"}
{"id":5,"ts":"2024-03-07T00:00:00Z"}
{"id":6,"ts":"2024-03-08T01:02:03Z"}
{"id":7,"ts":"2024-03-08 01:02:03-05:00"}
{"id":8,"ts":null}
{"id":9,"ts":"2024-03-08T01:02:03.000001Z"}
{"id":10,"ts":"2024-03-08T01:02:03.1Z"}
{"id":11,"ts":"2024-03-08T01:02:03Z"}
{"id":12,"ts":"2024-03-08 01:02:03"}
{"id":13,"ts":"epoch"}
{"id":"14","ts":"2024-03-08T01:02:03Z"}
{"id":15,"ts":"2024-03-08T01:02:60Z"}
EOF
	export PGTZ=Asia/Kolkata
	run load_logged -q -t "$T" -b 5 < "$BATS_TEST_TMPDIR/in"
	assert_success
	run copy_formats "\"$T\""
	assert_output "$(printf '%s\n' text binary text)"
	to_copy_text "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/ref" id,ts
	PGTZ=UTC psql -Xq -v ON_ERROR_STOP=1 -c "\\copy ${T}_ref from '$BATS_TEST_TMPDIR/ref'"
	expected=$(q "select x::text from ${T}_ref x order by id")
	run q "select count(*) from $T"
	assert_output 15
	run q "select x::text from $T x order by id"
	assert_output "$expected"
	run q "select ts from $T where id in (3, 12) order by id"
	assert_output "$(printf '%s\n' '2024-03-05 05:30:00+05:30' '2024-03-08 06:32:03+05:30')"
}

@test "integers, booleans and uuids that are not plain JSON go in text as before" {
	q "create table $T (id int, n bigint, b boolean, u uuid)"
	printf '%s\n' '{"id":1,"n":5,"b":true,"u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}' \
	    '{"id":2,"n":"6","b":"yes","u":"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}"}' \
	    '{"id":3,"n":7,"b":1,"u":"A0EEBC999C0B4EF8BB6D6BB9BD380A13"}' > "$BATS_TEST_TMPDIR/in"
	run load_logged -q -t "$T" < "$BATS_TEST_TMPDIR/in"
	assert_success
	run copy_formats "\"$T\""
	assert_output text
	run q "select id, n, b, u from $T order by id"
	assert_output "$(printf '%s\n' '1|5|t|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' \
	    '2|6|t|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12' \
	    '3|7|t|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13')"
}

@test "out-of-range integers and fractions are rejected by the server as in text" {
	q "create table $T (id int, s smallint)"
	printf '%s\n' '{"id":1,"s":32767}' '{"id":2,"s":32768}' '{"id":3,"s":1.0}' \
	    '{"id":4,"s":-32768}' > "$BATS_TEST_TMPDIR/in"
	run load_logged -q -t "$T" -r "$BATS_TEST_TMPDIR/rej" < "$BATS_TEST_TMPDIR/in"
	assert_success
	run jq -c '[._error_row, ._error_sqlstate, ._error_path, ._error_message]' "$BATS_TEST_TMPDIR/rej"
	assert_output "$(printf '%s\n' '[2,"22003","/s","value \"32768\" is out of range for type smallint"]' \
	    '[3,"22P02","/s","invalid input syntax for type smallint: \"1.0\""]')"
	run q "select id, s from $T order by id"
	assert_output "$(printf '1|32767\n4|-32768')"
}

@test "constraint rejects of a binary batch carry the row, SQLSTATE, message and path text gives" {
	q "create table ${T}_u (id int primary key); insert into ${T}_u values (1)"
	q "create table $T (id int primary key, user_id int not null references ${T}_u,
	    code varchar(3), n int check (n > 0))"
	printf '%s\n' '{"id":1,"user_id":1,"code":"a","n":1}' \
	    '{"id":2,"user_id":9,"code":"b","n":1}' \
	    '{"id":1,"user_id":1,"code":"c","n":1}' \
	    '{"id":4,"user_id":1,"code":"dddd","n":1}' \
	    '{"id":5,"user_id":null,"code":"e","n":1}' \
	    '{"id":6,"user_id":1,"code":"f","n":0}' \
	    '{"id":7,"user_id":1,"code":"abc   ","n":2}' > "$BATS_TEST_TMPDIR/bin"
	# The same records and one whose bare date turns the batch to text.
	q "alter table $T add column at timestamptz"
	{ cat "$BATS_TEST_TMPDIR/bin"; echo '{"id":8,"user_id":1,"n":1,"at":"2024-03-05"}'; } \
	    > "$BATS_TEST_TMPDIR/text"
	run load_logged -q -t "$T" --on-error reject -r "$BATS_TEST_TMPDIR/rej.bin" < "$BATS_TEST_TMPDIR/bin"
	assert_success
	run copy_formats "\"$T\""
	assert_line --index 0 binary
	q "truncate $T"
	LOG_AT=$(stat -c %s "$LOG")
	run load_logged -q -t "$T" --on-error reject -r "$BATS_TEST_TMPDIR/rej.text" < "$BATS_TEST_TMPDIR/text"
	assert_success
	run copy_formats "\"$T\""
	assert_line --index 0 text
	expected='[2,"23503",null,"insert or update on table \"'"$T"'\" violates foreign key constraint \"'"$T"'_user_id_fkey\": Key (user_id)=(9) is not present in table \"'"$T"'_u\"."]
[3,"23505",null,"duplicate key value violates unique constraint \"'"$T"'_pkey\": Key (id)=(1) already exists."]
[4,"22001","/code","value too long for type character varying(3)"]
[5,"23502",null,"null value in column \"user_id\" of relation \"'"$T"'\" violates not-null constraint: Failing row contains (5, null, e, 1, null)."]
[6,"23514",null,"new row for relation \"'"$T"'\" violates check constraint \"'"$T"'_n_check\": Failing row contains (6, 1, f, 0, null)."]'
	filter='[._error_row, ._error_sqlstate, ._error_path, ._error_message]'
	run bash -c "jq -c '$filter' '$BATS_TEST_TMPDIR/rej.bin' | sort"
	assert_output "$expected"
	run bash -c "jq -c '$filter' '$BATS_TEST_TMPDIR/rej.text' | sort"
	assert_output "$expected"
	run q "select id, code from $T order by id"
	assert_output "$(printf '%s\n' '1|a' '7|abc' '8|')"
}

@test "a table with a numeric column loads in text" {
	q "create table $T (id int, n numeric(6,2), ts timestamptz)"
	printf '%s\n' '{"id":1,"n":1.005,"ts":"2024-03-05T14:07:09Z"}' \
	    '{"id":2,"n":-0.5,"ts":"2024-03-05T14:07:09+02:00"}' > "$BATS_TEST_TMPDIR/in"
	run load_logged -q -t "$T" < "$BATS_TEST_TMPDIR/in"
	assert_success
	run copy_formats "\"$T\""
	assert_output text
	run q "select id, n, to_char(ts at time zone 'UTC', 'HH24:MI:SS') from $T order by id"
	assert_output "$(printf '1|1.01|14:07:09\n2|-0.50|12:07:09')"
}

@test "absent default columns, --map, --extra-column and upsert staging load in binary" {
	q "create table $T (id bigint primary key, name varchar(10), at timestamptz default '2000-01-01Z', meta jsonb)"
	q "insert into $T values (1, 'old', '2001-01-01Z', null)"
	printf '%s\n' '{"id":1,"who":"a","at":"2024-03-05T14:07:09Z","k":1}' \
	    '{"id":2,"who":"b","k":2}' \
	    '{"id":3,"who":"c","at":"2024-03-06T00:00:00+01:00"}' \
	    '{"id":2,"who":"B","k":3}' > "$BATS_TEST_TMPDIR/in"
	run load_logged -q -t "$T" --mode upsert --key-columns id --extra-column meta \
	    --map 'name=.who' < "$BATS_TEST_TMPDIR/in"
	assert_success
	# One COPY per run of rows with the same absent columns.
	run copy_formats pg_temp.sluice_stage
	assert_output "$(printf 'binary\n%.0s' 1 2 3 4)"
	run q "select id, name, to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), meta from $T order by id"
	assert_output "$(printf '%s\n' '1|a|2024-03-05 14:07|{"k": 1, "who": "a"}' \
	    '2|B|2000-01-01 00:00|{"k": 3, "who": "B"}' \
	    '3|c|2024-03-05 23:00|{"who": "c"}')"
}

@test "upsert COPYs batches straight into the table until a key exists, then stages them" {
	q "create table $T (k int primary key, v text)"
	printf '{"k":%d,"v":"a"}\n' $(seq 1 30) > "$BATS_TEST_TMPDIR/in"
	run_split load_logged -t "$T" --mode upsert --key-columns k -b 10 < "$BATS_TEST_TMPDIR/in"
	assert_success
	[[ "$stderr" == *" 30 inserted, 0 updated,"* ]]
	assert_equal "$(copy_formats "\"$T\"" | wc -l)" 3
	assert_equal "$(copy_formats pg_temp.sluice_stage | wc -l)" 0
	# Key 15 exists: batch 2's direct COPY fails, it and batch 3 stage.
	q "delete from $T where k <> 15"
	LOG_AT=$(stat -c %s "$LOG")
	sed 's/"a"/"b"/' "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/in2"
	run_split load_logged -t "$T" --mode upsert --key-columns k -b 10 < "$BATS_TEST_TMPDIR/in2"
	assert_success
	[[ "$stderr" == *" 29 inserted, 1 updated,"* ]]
	assert_equal "$(copy_formats "\"$T\"" | wc -l)" 2
	assert_equal "$(copy_formats pg_temp.sluice_stage | wc -l)" 2
	run q "select count(*), count(*) filter (where v = 'b') from $T"
	assert_output "30|30"
}

@test "a key twice in a batch, skip-existing, triggers and nullable keys keep upsert's rules" {
	q "create table $T (k int primary key, v text)"
	printf '%s\n' '{"k":1,"v":"a"}' '{"k":2,"v":"a"}' '{"k":1,"v":"b"}' > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t "$T" --mode upsert --key-columns k < "$BATS_TEST_TMPDIR/in"
	assert_success
	[[ "$stderr" == *" 3 imported,"*" 0 skipped,"*" 2 inserted, 1 updated,"* ]]
	run q "select k, v from $T order by k"
	assert_output "$(printf '1|b\n2|a')"
	q "create table ${T}_u (k int primary key, v text)"
	run_split pg-load -t "${T}_u" --mode skip-existing --key-columns k < "$BATS_TEST_TMPDIR/in"
	assert_success
	run q "select k, v from ${T}_u order by k"
	assert_output "$(printf '1|a\n2|a')"
	# A user trigger, or a key that may be null: never straight in.
	q "drop table ${T}_u; create table ${T}_u (k int unique, v text)"
	q "create or replace function ${T}_f() returns trigger language plpgsql as \$\$ begin return new; end \$\$"
	q "create trigger ${T}_t before insert on $T for each row execute function ${T}_f()"
	q "truncate $T"
	LOG_AT=$(stat -c %s "$LOG")
	load_logged -q -t "$T" --mode upsert --key-columns k < "$BATS_TEST_TMPDIR/in"
	load_logged -q -t "${T}_u" --mode upsert --key-columns k < "$BATS_TEST_TMPDIR/in"
	assert_equal "$(copy_formats "\"$T\"" | wc -l)" 0
	assert_equal "$(copy_formats "\"${T}_u\"" | wc -l)" 0
	run q "select k, v from ${T}_u order by k"
	assert_output "$(printf '1|b\n2|a')"
}
