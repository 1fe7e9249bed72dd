#!/usr/bin/env bats
# pg-load --create: the table from a JSON Schema when it does not exist,
# against the throwaway cluster of tests/run. Tables are checked with
# psql; expected contents come from the input through python3.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	T="pc_${BATS_TEST_NUMBER}"
	if [ -n "${PGHOST:-}" ]; then
		q "drop table if exists $T cascade" >/dev/null
	fi
}

# same_rows TABLE SCHEMA INPUT: the table holds the input's records, each
# reduced to the schema's properties, as a multiset; times compare as
# instants.
same_rows() {
	psql -X -At -c "select row_to_json(t) from $1 t" > "$BATS_TEST_TMPDIR/table.jsonl"
	python3 - "$2" "$3" "$BATS_TEST_TMPDIR/table.jsonl" <<'PY'
import collections, datetime, json, sys
schema = json.load(open(sys.argv[1]))
props = schema["properties"]
def norm(k, v):
    if v is not None and props[k].get("format") == "date-time":
        v = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return v.timestamp()
    return json.dumps(v, sort_keys=True)
def key(rec):
    return tuple(norm(k, rec.get(k)) for k in props)
want = collections.Counter(key(json.loads(l)) for l in open(sys.argv[2]) if l.strip())
got = collections.Counter(key(json.loads(l)) for l in open(sys.argv[3]))
if want != got:
    print("differ: %d input rows, %d table rows, %d missing, %d extra" % (
        sum(want.values()), sum(got.values()),
        sum((want - got).values()), sum((got - want).values())))
    sys.exit(1)
print("same %d" % sum(want.values()))
PY
}

@test "--print-ddl prints the CREATE TABLE of the sessions schema without connecting" {
	run_split env PGHOST=/nonexistent pg-load -t kintell_sessions \
	    --print-ddl -s "$ROOT/tests/examples/sessions.schema.json" \
	    --key-columns session_id
	assert_success
	assert_equal "$stderr" ""
	assert_output 'CREATE TABLE IF NOT EXISTS "kintell_sessions" (
  "session_id" text NOT NULL,
  "email" text NOT NULL,
  "level" text NOT NULL CHECK (lower("level") IN ('"'beginner', 'intermediate', 'advanced'"')),
  "cefr" text NOT NULL CHECK ("cefr" IN ('"'A1', 'A2', 'B1', 'B2', 'C1', 'C2'"')),
  "started_at" timestamptz NOT NULL,
  "duration_min" text NOT NULL,
  "rating" text NOT NULL,
  PRIMARY KEY ("session_id")
);'
}

@test "types, formats, null in a type list, \$defs references and quoting map as documented" {
	cat > "$BATS_TEST_TMPDIR/s.json" <<'J'
{"$ref": "#/$defs/rec",
 "$defs": {
  "n": {"type": "number"},
  "rec": {"type": "object", "required": ["a", "b", "e", "g"],
   "properties": {
    "a": {"type": ["integer", "null"]},
    "b": {"$ref": "#/$defs/n"},
    "c": {"type": "object"},
    "d": {"type": ["string", "integer"]},
    "e": {"type": "string", "format": "uuid"},
    "f": {"type": "string", "format": "date"},
    "g": {"enum": ["it's", "x", null]},
    "h": {"type": "boolean"},
    "i": {"type": "array"},
    "j\"k": {"type": "string", "format": "email"},
    "l": {"type": "string", "format": "time"},
    "m": {},
    "n": {"type": ["integer", "number"]},
    "o": {"enum": [1, 2.5]},
    "p": {"enum": [1, 2]}
   }}}}
J
	run_split pg-load -t 'sch.We"ird' --print-ddl --float -s "$BATS_TEST_TMPDIR/s.json"
	assert_success
	assert_output 'CREATE TABLE IF NOT EXISTS "sch"."We""ird" (
  "a" bigint,
  "b" double precision NOT NULL,
  "c" jsonb,
  "d" jsonb,
  "e" uuid NOT NULL,
  "f" date,
  "g" text CHECK ("g" IN ('"'it''s', 'x'"')),
  "h" boolean,
  "i" jsonb,
  "j""k" text,
  "l" text,
  "m" jsonb,
  "n" double precision,
  "o" double precision,
  "p" bigint
);'
	run_split pg-load -t t --print-ddl -s "$BATS_TEST_TMPDIR/s.json"
	assert_line '  "b" numeric NOT NULL,'
}

@test "a name longer than 63 bytes is refused, never truncated" {
	long=$(printf 'c%.0s' $(seq 64))
	printf '{"properties":{"%s":{"type":"string"}}}\n' "$long" > "$BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t t --print-ddl -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 65
	assert_output ""
	assert_equal "$stderr" "pg-load: $BATS_TEST_TMPDIR/s.json: column name \"$long\" is 64 bytes; PostgreSQL keeps 63"
	printf '{"properties":{"a":{"type":"string"}}}\n' > "$BATS_TEST_TMPDIR/ok.json"
	run_split pg-load -t "t$long" --print-ddl -s "$BATS_TEST_TMPDIR/ok.json"
	assert_failure 65
	assert_equal "$stderr" "pg-load: $BATS_TEST_TMPDIR/ok.json: table name \"t$long\" is 65 bytes; PostgreSQL keeps 63"
}

@test "two keys for one column are refused" {
	printf '{"properties":{"a":{"type":"string"},"b":{},"a":{"type":"integer"}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t t --print-ddl -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 65
	assert_equal "$stderr" "pg-load: $BATS_TEST_TMPDIR/s.json: two members make the column \"a\""
}

@test "bad schemas and option mistakes are refused with what is wrong" {
	run_split pg-load -t t --print-ddl -s "$BATS_TEST_TMPDIR/none.json"
	assert_failure 66
	printf '{"properties":{"a":{"$ref":"#/$defs/x"}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t t --print-ddl -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 65
	assert_equal "$stderr" "pg-load: $BATS_TEST_TMPDIR/s.json: \"\$ref\": #/\$defs/x: no such definition"
	printf '{"type":"object"}\n' > "$BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t t --print-ddl -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 65
	assert_equal "$stderr" "pg-load: $BATS_TEST_TMPDIR/s.json: the schema has no \"properties\" to make columns of"
	printf '{"properties":{"a":{}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t t --print-ddl -s "$BATS_TEST_TMPDIR/s.json" --key-columns b
	assert_failure 65
	assert_equal "$stderr" "pg-load: --key-columns: b is not a column $BATS_TEST_TMPDIR/s.json makes"
	run_split pg-load -t t --create
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: --create needs -s/--schema FILE or --infer"
	run_split pg-load -t t -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: -s/--schema needs --create, --print-ddl or --check-schema"
}

@test "--create makes the events table from the bench's schema and loads generated events exactly" {
	need_pg
	python3 "$ROOT/tests/gen/events.py" 3000 > "$BATS_TEST_TMPDIR/ev.jsonl"
	run_split pg-load -t "$T" --create -s "$ROOT/tests/bench/events.schema.json" \
	    -b 700 -j 2 "$BATS_TEST_TMPDIR/ev.jsonl"
	assert_success
	run q "select format_type(atttypid, atttypmod) || ' ' || attnotnull from pg_attribute where attrelid = '$T'::regclass and attnum > 0 order by attnum"
	assert_output "$(printf '%s\n' 'bigint true' 'text true' \
	    'timestamp with time zone false' 'timestamp with time zone false' \
	    'text true' 'text true' 'text true' 'text true')"
	run same_rows "$T" "$ROOT/tests/bench/events.schema.json" "$BATS_TEST_TMPDIR/ev.jsonl"
	assert_success
	assert_output "same 3000"
}

@test "--create makes the sessions table and the validated export loads into it" {
	need_pg
	python3 "$ROOT/tests/gen/sessions-csv.py" 500 > "$BATS_TEST_TMPDIR/s.csv"
	csv2jsonl < "$BATS_TEST_TMPDIR/s.csv" \
	    | jsonl-validate -q -s "$ROOT/tests/examples/sessions.schema.json" \
	    > "$BATS_TEST_TMPDIR/s.jsonl"
	run_split pg-load -t "$T" --create --key-columns session_id \
	    -s "$ROOT/tests/examples/sessions.schema.json" "$BATS_TEST_TMPDIR/s.jsonl"
	assert_success
	run same_rows "$T" "$ROOT/tests/examples/sessions.schema.json" "$BATS_TEST_TMPDIR/s.jsonl"
	assert_success
	[ "$(wc -l < "$BATS_TEST_TMPDIR/s.jsonl")" -gt 400 ]
	run q "select count(*) from pg_constraint where conrelid = '$T'::regclass and contype = 'p'"
	assert_output 1
}

@test "NOT NULL, CHECK and the column type refuse a record as a reject with its row and reason" {
	need_pg
	printf '%s\n' '{"id":1,"kind":"a"}' '{"kind":"a"}' '{"id":3,"kind":"z"}' \
	    '{"id":4}' '{"id":"5x"}' '{"id":18446744073709551616}' \
	    > "$BATS_TEST_TMPDIR/in"
	printf '{"required":["id"],"properties":{"id":{"type":"integer"},"kind":{"enum":["a","b"]}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t "$T" --create -s "$BATS_TEST_TMPDIR/s.json" \
	    -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/in"
	assert_success
	run q "select id, coalesce(kind, '-') from $T order by id"
	assert_output "$(printf '1|a\n4|-')"
	run jq -c '[._error_row, ._error_sqlstate]' "$BATS_TEST_TMPDIR/rej"
	assert_output "$(printf '[2,"23502"]\n[3,"23514"]\n[5,"22P02"]\n[6,"22003"]')"
}

@test "an existing table is used as it is, never altered" {
	need_pg
	q "create table $T (id int primary key, extra text default 'kept')"
	printf '{"properties":{"id":{"type":"integer"},"v":{"type":"string"}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	printf '%s\n' '{"id":1,"v":"x"}' '{"id":2,"v":"y"}' > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t "$T" --create -s "$BATS_TEST_TMPDIR/s.json" "$BATS_TEST_TMPDIR/in"
	assert_success
	run q "select string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' order by attnum) from pg_attribute where attrelid = '$T'::regclass and attnum > 0"
	assert_output "id:integer,extra:text"
	run q "select id, extra from $T order by id"
	assert_output "$(printf '1|kept\n2|kept')"
}

@test "a schema-qualified name creates the table in that schema" {
	need_pg
	q "create schema if not exists pc_s"
	q "drop table if exists pc_s.$T"
	printf '{"properties":{"id":{"type":"integer"}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	echo '{"id":7}' | pg-load -q -t "pc_s.$T" --create -s "$BATS_TEST_TMPDIR/s.json"
	run q "select id from pc_s.$T"
	assert_output 7
}

@test "runs racing to create one table all succeed and load everything once" {
	need_pg
	python3 "$ROOT/tests/gen/events.py" 4000 > "$BATS_TEST_TMPDIR/ev.jsonl"
	split -n l/4 -d "$BATS_TEST_TMPDIR/ev.jsonl" "$BATS_TEST_TMPDIR/part."
	for round in 1 2 3; do
		q "drop table if exists $T"
		pids=()
		for f in "$BATS_TEST_TMPDIR"/part.*; do
			pg-load -q -t "$T" --create -j 2 -b 300 \
			    -s "$ROOT/tests/bench/events.schema.json" "$f" &
			pids+=($!)
		done
		for pid in "${pids[@]}"; do
			wait "$pid"
		done
		run same_rows "$T" "$ROOT/tests/bench/events.schema.json" "$BATS_TEST_TMPDIR/ev.jsonl"
		assert_output "same 4000"
	done
}

@test "--create works with --ledger and a re-run loads nothing twice" {
	need_pg
	q "drop table if exists ${T}_l, ${T}_l_batches, ${T}_l_parts cascade"
	python3 "$ROOT/tests/gen/events.py" 1000 > "$BATS_TEST_TMPDIR/ev.jsonl"
	for i in 1 2; do
		pg-load -q -t "$T" --create --ledger="${T}_l" -b 300 \
		    -s "$ROOT/tests/bench/events.schema.json" "$BATS_TEST_TMPDIR/ev.jsonl"
	done
	run same_rows "$T" "$ROOT/tests/bench/events.schema.json" "$BATS_TEST_TMPDIR/ev.jsonl"
	assert_output "same 1000"
}

@test "--check-schema tells the columns an existing table lacks or types otherwise" {
	need_pg
	q "create table $T (id int, session_id text, occurred_at timestamptz, app varchar(10))"
	run_split pg-load -t "$T" --check-schema -s "$ROOT/tests/bench/events.schema.json" < /dev/null
	assert_failure 65
	S="$ROOT/tests/bench/events.schema.json"
	assert_equal "$stderr" "pg-load: $S: column \"id\" is integer in \"$T\", bigint in the schema
pg-load: $S: column \"event_type\" (text) is missing from \"$T\"
pg-load: $S: column \"created_at\" (timestamp with time zone) is missing from \"$T\"
pg-load: $S: column \"user_id\" (text) is missing from \"$T\"
pg-load: $S: column \"app\" is character varying(10) in \"$T\", text in the schema
pg-load: $S: column \"modelId\" (text) is missing from \"$T\"
pg-load: \"$T\" differs from $S in 6 columns"
	run q "select count(*) from pg_attribute where attrelid = '$T'::regclass and attnum > 0"
	assert_output 4
	q "drop table $T"
	pg-load -q -t "$T" --create -s "$S" < /dev/null
	run_split pg-load -t "$T" --check-schema -s "$S" < /dev/null
	assert_success
	assert_equal "$stderr" ""
	q "drop table $T"
	run_split pg-load -t "$T" --check-schema -s "$S" < /dev/null
	assert_failure 65
	assert_equal "$stderr" "pg-load: --check-schema: relation \"$T\" does not exist"
}

# same_as_input TABLE INPUT: the table holds the input's records as a
# multiset, each member compared with its column of the same name (or,
# after --flatten, the parent_child column): numbers by value, times as
# instants, objects and arrays as JSON; a member absent is NULL.
same_as_input() {
	psql -X -At -c "select row_to_json(t) from $1 t" > "$BATS_TEST_TMPDIR/table.jsonl"
	python3 - "$2" "$BATS_TEST_TMPDIR/table.jsonl" <<'PY'
import collections, datetime, decimal, json, sys
def load(path):
    return [json.loads(l, parse_float=decimal.Decimal) for l in open(path) if l.strip()]
table = load(sys.argv[2])
cols = sorted(table[0]) if table else []
def instant(v):
    try:
        d = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()
def flat(rec, prefix=""):
    out = {}
    for k, v in rec.items():
        out[prefix + k] = v
        if isinstance(v, dict):
            out.update(flat(v, prefix + k + "_"))
    return out
def norm(v):
    if isinstance(v, str) and len(v) >= 10 and instant(v) is not None:
        return ("t", instant(v))
    if isinstance(v, (int, decimal.Decimal)) and not isinstance(v, bool):
        return ("n", decimal.Decimal(v).normalize())
    return ("j", json.dumps(v, sort_keys=True, default=str))
def key(rec):
    return tuple(norm(rec.get(c)) for c in cols)
want = collections.Counter(key(flat(r)) for r in load(sys.argv[1]))
got = collections.Counter(key(r) for r in table)
if want != got:
    print("differ: %d input rows, %d table rows; missing %s; extra %s" % (
        sum(want.values()), sum(got.values()),
        list(want - got)[:2], list(got - want)[:2]))
    sys.exit(1)
print("same %d" % sum(want.values()))
PY
}

# columns TABLE: "name type [not null]" per column, in order.
columns() {
	q "select string_agg(attname || ' ' || format_type(atttypid, atttypmod) || case when attnotnull then ' not null' else '' end, ', ' order by attnum) from pg_attribute where attrelid = '$1'::regclass and attnum > 0 and not attisdropped"
}

@test "--infer makes the events table from the records and loads them exactly, from a file and from a pipe" {
	need_pg
	python3 "$ROOT/tests/gen/events.py" 3000 > "$BATS_TEST_TMPDIR/ev.jsonl"
	run_split pg-load -t "$T" --create --infer -b 700 -j 2 "$BATS_TEST_TMPDIR/ev.jsonl"
	assert_success
	run columns "$T"
	assert_output 'id bigint not null, event_type text not null, created_at timestamp with time zone, session_id text not null, user_id text not null, app text not null, modelId text not null, properties jsonb not null, occurred_at timestamp with time zone'
	run same_as_input "$T" "$BATS_TEST_TMPDIR/ev.jsonl"
	assert_output "same 3000"
	# The id past 2^53 the generator writes is kept to the last digit.
	run q "select count(*) from $T where id = 9007199254740993"
	assert_output 1
	q "drop table $T"
	cat "$BATS_TEST_TMPDIR/ev.jsonl" | pg-load -q -t "$T" --create --infer=1000 -b 333
	run same_as_input "$T" "$BATS_TEST_TMPDIR/ev.jsonl"
	assert_output "same 3000"
}

@test "--infer makes the sessions table from the CSV export and loads it" {
	need_pg
	python3 "$ROOT/tests/gen/sessions-csv.py" 800 | csv2jsonl -q > "$BATS_TEST_TMPDIR/s.jsonl"
	run_split pg-load -t "$T" --create --infer --key-columns session_id \
	    "$BATS_TEST_TMPDIR/s.jsonl"
	assert_success
	run columns "$T"
	assert_output 'session_id text not null, user_id text not null, email text not null, level text not null, cefr text not null, started_at timestamp with time zone not null, duration_min text not null, rating text not null, notes text not null'
	run same_as_input "$T" "$BATS_TEST_TMPDIR/s.jsonl"
	assert_output "same 800"
}

@test "--infer takes the narrowest type that holds every sampled value" {
	printf '%s\n' \
	    '{"i":1,"b":1,"n":1,"f":1,"d":"2024-02-29","t":"2024-02-29","u":"6F1C2D3E-0000-4000-8000-00000000000a","s":"x","m":1,"o":{"a":1},"a":[1],"z":null,"q":true}' \
	    '{"i":-2147483648,"b":2147483648,"n":9223372036854775808,"f":1.5,"d":"2024-03-01","t":"2024-03-01 10:00:00+02","u":"6f1c2d3e-0000-4000-8000-00000000000b","s":"2024-03-01","m":"1","o":{},"a":{},"z":null,"q":false}' \
	    > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t t --print-ddl --infer "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output 'CREATE TABLE IF NOT EXISTS "t" (
  "i" integer NOT NULL,
  "b" bigint NOT NULL,
  "n" numeric NOT NULL,
  "f" numeric NOT NULL,
  "d" date NOT NULL,
  "t" timestamptz NOT NULL,
  "u" uuid NOT NULL,
  "s" text NOT NULL,
  "m" jsonb NOT NULL,
  "o" jsonb NOT NULL,
  "a" jsonb NOT NULL,
  "z" text,
  "q" boolean NOT NULL
);'
	run_split pg-load -t t --print-ddl --infer=1 --float "$BATS_TEST_TMPDIR/in"
	assert_line '  "f" integer NOT NULL,'
	tail -n 1 "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/in2"
	run_split pg-load -t t --print-ddl --infer --float "$BATS_TEST_TMPDIR/in2"
	assert_line '  "f" double precision NOT NULL,'
}

@test "--infer: a member missing or null in a sampled record is nullable, and members keep their first-seen order" {
	printf '%s\n' '{"a":1}' '{"b":"x","a":2}' '{"a":null,"b":"y","c":true}' \
	    > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t t --print-ddl --infer "$BATS_TEST_TMPDIR/in"
	assert_output 'CREATE TABLE IF NOT EXISTS "t" (
  "a" integer,
  "b" text,
  "c" boolean
);'
	run_split pg-load -t t --print-ddl --infer=2 "$BATS_TEST_TMPDIR/in"
	assert_output 'CREATE TABLE IF NOT EXISTS "t" (
  "a" integer NOT NULL,
  "b" text
);'
}

@test "--infer: a value after the sample that the column cannot hold is a reject with its row, never cut" {
	need_pg
	{
		for i in $(seq 1 20000); do printf '{"id":%d,"v":"%s"}\n' "$i" "$i"; done
		echo '{"id":"late","v":"a"}'
		echo '{"id":3000000000,"v":"b"}'
		echo '{"id":7,"v":"c","w":1}'
	} > "$BATS_TEST_TMPDIR/in"
	# More than the reader's buffer is sampled from the pipe, then loaded.
	run_split sh -c "cat '$BATS_TEST_TMPDIR/in' | pg-load -t $T --create --infer -r '$BATS_TEST_TMPDIR/rej'"
	assert_success
	run q "select count(*), count(distinct id), sum(id) from $T"
	assert_output "20001|20000|200010007"
	run jq -c '[._error_row, ._error_sqlstate]' "$BATS_TEST_TMPDIR/rej"
	assert_output "$(printf '[20001,"22P02"]\n[20002,"22003"]')"
	assert_equal "${stderr_lines[0]}" 'pg-load: key "w" matched no column of "'"$T"'" and was not loaded (in 1 record)'
}

@test "--infer samples across FILE operands in order and reads each record once" {
	need_pg
	printf '%s\n' '{"k":1}' '{"k":2}' > "$BATS_TEST_TMPDIR/a"
	printf '%s\n' '{"k":3,"v":"2024-01-01T00:00:00Z"}' '{"k":4,"v":"2024-01-02T00:00:00Z"}' > "$BATS_TEST_TMPDIR/b"
	gzip -c "$BATS_TEST_TMPDIR/b" > "$BATS_TEST_TMPDIR/b.gz"
	run_split pg-load -t t --print-ddl --infer "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b.gz"
	assert_output 'CREATE TABLE IF NOT EXISTS "t" (
  "k" integer NOT NULL,
  "v" timestamptz
);'
	run_split pg-load -t t --print-ddl --infer=2 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b.gz"
	assert_output 'CREATE TABLE IF NOT EXISTS "t" (
  "k" integer NOT NULL
);'
	# A pipe after the first operand is not read ahead.
	run_split sh -c "cat '$BATS_TEST_TMPDIR/b' | pg-load -t t --print-ddl --infer '$BATS_TEST_TMPDIR/a' -"
	assert_output 'CREATE TABLE IF NOT EXISTS "t" (
  "k" integer NOT NULL
);'
	run_split pg-load -t "$T" --create --infer "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b.gz"
	assert_success
	run q "select string_agg(k || ':' || coalesce(v::text, '-'), ',' order by k) from $T"
	assert_output "1:-,2:-,3:2024-01-01 00:00:00+00,4:2024-01-02 00:00:00+00"
}

@test "--infer from gzip and zstd on stdin loads every record; a truncated stream is exit 65 as without --infer" {
	need_pg
	python3 "$ROOT/tests/gen/events.py" 2000 > "$BATS_TEST_TMPDIR/ev.jsonl"
	for z in "gzip -c" "zstd -q -c"; do
		q "drop table if exists $T"
		$z "$BATS_TEST_TMPDIR/ev.jsonl" | pg-load -q -t "$T" --create --infer=500
		run same_as_input "$T" "$BATS_TEST_TMPDIR/ev.jsonl"
		assert_output "same 2000"
	done
	gzip -c "$BATS_TEST_TMPDIR/ev.jsonl" > "$BATS_TEST_TMPDIR/ev.gz"
	head -c $(( $(stat -c %s "$BATS_TEST_TMPDIR/ev.gz") / 2 )) "$BATS_TEST_TMPDIR/ev.gz" > "$BATS_TEST_TMPDIR/cut.gz"
	q "drop table $T"
	run_split sh -c "pg-load -t $T --create --infer < '$BATS_TEST_TMPDIR/cut.gz'"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "pg-load: stdin: truncated gzip data at compressed byte $(( $(stat -c %s "$BATS_TEST_TMPDIR/cut.gz") ))"
}

@test "--infer with no record, and its option mistakes, are refused" {
	run_split pg-load -t t --print-ddl --infer < /dev/null
	assert_failure 65
	assert_equal "$stderr" 'pg-load: --infer: no record (a JSON object) in the input to infer the columns of t from'
	run_split sh -c "echo '[1]' | pg-load -t t --print-ddl --infer"
	assert_failure 65
	printf '{"properties":{"a":{}}}\n' > "$BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t t --create --infer -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: -s/--schema and --infer exclude each other"
	run_split pg-load -t t --create --infer --enum-type
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: --enum-type needs -s/--schema FILE: the records have no enum"
	run_split pg-load -t t --create --infer --varchar
	assert_failure 64
	run_split pg-load -t t --flatten
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: --flatten needs -s/--schema FILE or --infer"
	run_split pg-load -t t --create --infer=0
	assert_failure 64
	run_split pg-load -t t --infer
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: --infer needs --create, --print-ddl or --check-schema"
	echo '{"a":1,"b":{"c":2},"b_c":3}' > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t t --print-ddl --infer --flatten "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_equal "$stderr" 'pg-load: the sample: two members make the column "b_c"'
	long=$(printf 'c%.0s' $(seq 64))
	echo "{\"$long\":1}" > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t t --print-ddl --infer "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_equal "$stderr" "pg-load: the sample: column name \"$long\" is 64 bytes; PostgreSQL keeps 63"
}

@test "--check-schema compares an existing table with what --infer would make" {
	need_pg
	q "create table $T (a int, b text)"
	printf '%s\n' '{"a":1,"b":"x","c":1.5}' > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t "$T" --check-schema --infer "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_equal "$stderr" "pg-load: the sample: column \"c\" (numeric) is missing from \"$T\"
pg-load: \"$T\" differs from the sample in 1 column"
}

@test "--flatten: an object schema's properties become parent_child columns, filled from their paths" {
	need_pg
	cat > "$BATS_TEST_TMPDIR/s.json" <<'JSON'
{"type":"object","required":["id","who"],"properties":{
  "id":{"type":"integer"},
  "who":{"type":"object","required":["name"],"properties":{
    "name":{"type":"string"},
    "addr":{"type":["object","null"],"required":["city"],"properties":{
      "city":{"type":"string"},"zip \"code\"":{"type":"string"}}}}},
  "meta":{"type":"object"},
  "list":{"type":"array"}}}
JSON
	run_split pg-load -t "$T" --print-ddl --flatten -s "$BATS_TEST_TMPDIR/s.json"
	assert_output 'CREATE TABLE IF NOT EXISTS "'"$T"'" (
  "id" bigint NOT NULL,
  "who_name" text NOT NULL,
  "who_addr_city" text,
  "who_addr_zip ""code""" text,
  "meta" jsonb,
  "list" jsonb
);'
	printf '%s\n' \
	    '{"id":1,"who":{"name":"ann","addr":{"city":"Oslo","zip \"code\"":"0150"}},"meta":{"a":1},"list":[1]}' \
	    '{"id":2,"who":{"name":"bob","addr":null}}' \
	    '{"id":3,"who":{"name":"cy"},"meta":null}' \
	    '{"id":4,"who":5}' > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t "$T" --create --flatten -s "$BATS_TEST_TMPDIR/s.json" \
	    -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/in"
	assert_success
	# "who" fills columns: no word about a key without one.
	assert_equal "${#stderr_lines[@]}" 2
	run q "select id, who_name, coalesce(who_addr_city, '-'), coalesce(\"who_addr_zip \"\"code\"\"\", '-'), coalesce(meta::text, '-') from $T order by id"
	assert_output "$(printf '1|ann|Oslo|0150|{"a": 1}\n2|bob|-|-|-\n3|cy|-|-|-')"
	run jq -c '[._error_row, ._error_message]' "$BATS_TEST_TMPDIR/rej"
	assert_output '[4,"--flatten who_name: Cannot index number with string \"name\""]'
	# --map names a flattened column's value instead of its path.
	q "truncate $T"
	echo '{"id":9,"who":{"name":"x"},"nick":"y"}' | pg-load -q -t "$T" --create --flatten -s "$BATS_TEST_TMPDIR/s.json" --map 'who_name=.nick'
	run q "select who_name from $T"
	assert_output y
}

@test "--flatten with --infer: objects in every sampled record become columns; anything else stays jsonb" {
	need_pg
	printf '%s\n' '{"id":1,"u":{"n":"a","g":{"cc":"DE"}},"m":{"x":1},"e":{}}' \
	    '{"id":2,"u":{"n":"b","g":null},"m":5,"e":{}}' '{"id":3,"u":null}' > "$BATS_TEST_TMPDIR/in"
	run_split pg-load -t "$T" --create --infer --flatten "$BATS_TEST_TMPDIR/in"
	assert_success
	run columns "$T"
	assert_output "id integer not null, u_n text, u_g_cc text, m jsonb, e jsonb"
	run q "select id, coalesce(u_n, '-'), coalesce(u_g_cc, '-'), coalesce(m::text, '-'), coalesce(e::text, '-') from $T order by id"
	assert_output "$(printf '1|a|DE|{"x": 1}|{}\n2|b|-|5|{}\n3|-|-|-|-')"
}

@test "--enum-type makes an enum type per string enum; --varchar makes maxLength varchar(n)" {
	need_pg
	q "create schema if not exists pc_e"
	q "drop table if exists pc_e.$T; drop type if exists pc_e.${T}_kind"
	cat > "$BATS_TEST_TMPDIR/s.json" <<'JSON'
{"required":["kind"],"properties":{"kind":{"type":"string","enum":["click","it's"]},
 "code":{"type":"string","maxLength":3},"n":{"type":"integer","enum":[1,2]}}}
JSON
	run_split pg-load -t "pc_e.$T" --print-ddl --enum-type --varchar -s "$BATS_TEST_TMPDIR/s.json"
	assert_output 'CREATE TYPE "pc_e"."'"$T"'_kind" AS ENUM ('"'click', 'it''s'"');
CREATE TABLE IF NOT EXISTS "pc_e"."'"$T"'" (
  "kind" "pc_e"."'"$T"'_kind" NOT NULL,
  "code" varchar(3),
  "n" bigint
);'
	printf '%s\n' '{"kind":"click","code":"abc"}' '{"kind":"nope"}' '{"kind":"it'"'"'s","code":"abcd"}' > "$BATS_TEST_TMPDIR/in"
	for i in 1 2 3; do
		pg-load -q -t "pc_e.$T" --create --enum-type --varchar -s "$BATS_TEST_TMPDIR/s.json" \
		    -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/in" &
	done
	wait
	run q "select kind, code, count(*) from pc_e.$T group by 1, 2"
	assert_output "click|abc|3"
	run jq -c '[._error_row, ._error_sqlstate]' "$BATS_TEST_TMPDIR/rej"
	assert_output "$(printf '[2,"22P02"]\n[3,"22001"]')"
	run_split pg-load -t "pc_e.$T" --check-schema --enum-type --varchar -s "$BATS_TEST_TMPDIR/s.json"
	assert_success
	run_split pg-load -t "pc_e.$T" --check-schema -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "pg-load: $BATS_TEST_TMPDIR/s.json: column \"kind\" is pc_e.${T}_kind in \"pc_e\".\"$T\", text in the schema"
	# The table gone and its type left: the type is never reused unseen.
	q "drop table pc_e.$T"
	run_split pg-load -t "pc_e.$T" --create --enum-type -s "$BATS_TEST_TMPDIR/s.json" < /dev/null
	assert_failure 65
	assert_equal "$stderr" "pg-load: --create: type \"${T}_kind\" already exists"
	echo '{"properties":{"k":{"type":"string","enum":["a"],"x-sluice-enum-ci":true}}}' > "$BATS_TEST_TMPDIR/ci.json"
	run_split pg-load -t t --print-ddl --enum-type -s "$BATS_TEST_TMPDIR/ci.json"
	assert_failure 65
	assert_equal "$stderr" "pg-load: $BATS_TEST_TMPDIR/ci.json: property \"k\": --enum-type: an enum type is case-sensitive, the schema's enum is not (x-sluice-enum-ci)"
}
