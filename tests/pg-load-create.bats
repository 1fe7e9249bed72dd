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
	assert_equal "$stderr" "pg-load: $BATS_TEST_TMPDIR/s.json: property \"a\" appears twice: two keys for one column"
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
	assert_equal "$stderr" "pg-load: --key-columns: b is not a property of $BATS_TEST_TMPDIR/s.json"
	run_split pg-load -t t --create
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: --create needs -s/--schema FILE"
	run_split pg-load -t t -s "$BATS_TEST_TMPDIR/s.json"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "pg-load: --schema needs --create, --print-ddl or --check-schema"
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
