# shellcheck shell=bash
# pg-load against the ways a user would load 1M analytics events:
#
# - psql \copy of the same rows pre-converted to CSV (the floor: no JSON
#   parsing at all), on one connection, and pg-load --jobs 2 against it;
# - a node script inserting 500-row multi-row INSERTs with node-postgres
#   (tests/bench/pg-load-node.js; the legacy approach), on the first 100 000
#   events, when node and `npm install pg` work, and bare \copy of the
#   same 100 000 rows against it (the most any loader can gain);
# - pgloader loading the same CSV, when it is installed (Debian's
#   pgloader package; not installed by scripts/install-deps);
# - pg-load --mode upsert (staging table, ON CONFLICT on a primary key),
#   on one connection and with --jobs 2, against pg-load's own append:
#   into the table without an index, and into the same keyed table (input
#   without duplicate ids, which append would refuse).
# Every timed command empties its table first. A throwaway server is
# started in a temporary directory and destroyed at the end.
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
clean="$BENCH_DATA/pg-load-events.jsonl"
csv="$BENCH_DATA/pg-load-events.csv"
small="$BENCH_DATA/pg-load-events-100k.jsonl"
uniq="$BENCH_DATA/pg-load-events-uniq.jsonl"
csv100k="$BENCH_DATA/pg-load-events-100k.csv"
bench_pg_start pg-load

cols=$bench_pg_cols
psql -Xq -v ON_ERROR_STOP=1 <<SQL
create table analytics_events (id bigserial, event_type text,
    occurred_at timestamptz, session_id text, user_id text, app text,
    model_id text, properties jsonb);
create table analytics_events_u (like analytics_events including defaults,
    primary key (id));
SQL

bench_pg_events "$clean"
bench_pg_csv "$clean" "$csv"
bench_gen "$small" "head -n 100000 '$clean' > '$small'"
bench_pg_events "$uniq" uniq

empty="psql -Xq -c 'truncate analytics_events' &&"
load="pg-load -q -t analytics_events --map 'occurred_at=.occurred_at // .created_at' --map model_id=.modelId"
copy="psql -Xq -c \"\\\\copy analytics_events ($cols) from '$csv' csv\""

bench_compare "pg-load 1M events" "$clean" "$empty $load" \
    "psql \\copy csv" "$empty $copy"
bench_compare "pg-load -j 2 1M events" "$clean" "$empty $load -j 2" \
    "psql \\copy csv" "$empty $copy"
if command -v pgloader >/dev/null 2>&1; then
	uri="postgresql://$PGUSER@unix:$PGHOST:$PGPORT/$PGDATABASE?tablename=analytics_events"
	# One run in three of pgloader 3.6.7 exited non-zero after loading
	# every row: the table's row count decides, not its exit status.
	rows=$(wc -l < "$csv")
	pgl="{ pgloader --type csv --field '${cols// /}' \
	    --with \"fields optionally enclosed by '\\\"'\" \
	    --with 'fields escaped by double-quote' \
	    --with \"fields terminated by ','\" '$csv' '$uri' >/dev/null 2>&1;
	    psql -XAtq -c 'select count(*) from analytics_events' | grep -qx $rows; }"
	bench_compare "pg-load 1M events" "$clean" "$empty $load" \
	    "pgloader csv" "$empty $pgl"
else
	echo "bench: pgloader not installed; skipping it" >&2
fi
emptyu="psql -Xq -c 'truncate analytics_events_u' &&"
loadu="pg-load -q -t analytics_events_u --map 'occurred_at=.occurred_at // .created_at' --map model_id=.modelId"
bench_compare "pg-load upsert 1M events" "$clean" \
    "$emptyu $loadu --mode upsert --key-columns id" "pg-load append" "$empty $load"
bench_compare "pg-load upsert -j 2 1M events" "$clean" \
    "$emptyu $loadu --mode upsert --key-columns id -j 2" "pg-load append" "$empty $load"
bench_compare "pg-load upsert, unique ids" "$uniq" \
    "$emptyu $loadu --mode upsert --key-columns id" "append, same keyed table" \
    "$emptyu $loadu"
bench_compare "pg-load upsert -j 2, unique ids" "$uniq" \
    "$emptyu $loadu --mode upsert --key-columns id -j 2" "append -j 2, same keyed table" \
    "$emptyu $loadu -j 2"

if bench_npm "$work" pg; then
	node="$empty NODE_PATH='$work/node_modules' node '$here/pg-load-node.js' analytics_events"
	bench_compare "pg-load 100k events" "$small" "$empty $load" \
	    "node pg 500-row INSERT" "$node"
	# The ceiling of any loader into the same server: bare \copy.
	bench_gen "$csv100k" "head -n 100000 '$csv' > '$csv100k'"
	bench_compare "floor: psql \\copy csv 100k" "$small" \
	    "$empty psql -Xq -c \"\\\\copy analytics_events ($cols) from '$csv100k' csv\"" \
	    "node pg 500-row INSERT" "$node"
else
	echo "bench: node or npm pg unavailable; skipping the node comparison" >&2
fi
