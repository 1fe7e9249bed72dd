# shellcheck shell=bash
# pg-load into an indexed table, where backfills really land:
# analytics_events with its primary key and three secondary indexes
# (occurred_at, event_type, session_id), the input's ids unique.
#
# - pg-load --defer-indexes (the indexes dropped and built again after
#   the rows, the build in its time) against psql \copy of the same rows
#   as CSV into the same indexed table, each index kept row by row;
# - the same against \copy into the table without its secondary
#   indexes (the floor: only the primary key to keep);
# - pg-load without --defer-indexes into the indexed table, against
#   --defer-indexes: what deferring alone gains;
# - --defer-indexes --freeze (the emptied table truncated in the load's
#   transaction, the rows written frozen) against \copy.
# Every timed command empties its table first. A throwaway server is
# started in a temporary directory and destroyed at the end.
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

uniq="$BENCH_DATA/pg-load-events-uniq.jsonl"
csv="$BENCH_DATA/pg-load-events-uniq.csv"
bench_pg_start pg-load-indexed

cols=$bench_pg_cols
psql -Xq -v ON_ERROR_STOP=1 <<SQL
create table ev_indexed (id bigint primary key, event_type text,
    occurred_at timestamptz, session_id text, user_id text, app text,
    model_id text, properties jsonb);
create index ev_indexed_occurred_at on ev_indexed (occurred_at);
create index ev_indexed_event_type on ev_indexed (event_type);
create index ev_indexed_session_id on ev_indexed (session_id);
create table ev_keyed (like ev_indexed, primary key (id));
SQL

bench_pg_events "$uniq" uniq
bench_pg_csv "$uniq" "$csv"

empty="psql -Xq -c 'truncate ev_indexed' &&"
emptyk="psql -Xq -c 'truncate ev_keyed' &&"
load="pg-load -q -t ev_indexed --map 'occurred_at=.occurred_at // .created_at' --map model_id=.modelId"
copy="psql -Xq -c \"\\\\copy ev_indexed ($cols) from '$csv' csv\""
copyk="psql -Xq -c \"\\\\copy ev_keyed ($cols) from '$csv' csv\""

bench_compare "pg-load --defer-indexes, pk + 3 indexes" "$uniq" \
    "$empty $load --defer-indexes" "psql \\copy csv, pk + 3 indexes" \
    "$empty $copy"
bench_compare "pg-load --defer-indexes, pk + 3 indexes" "$uniq" \
    "$empty $load --defer-indexes" "floor: psql \\copy csv, pk only" \
    "$emptyk $copyk"
bench_compare "pg-load --defer-indexes, pk + 3 indexes" "$uniq" \
    "$empty $load --defer-indexes" "pg-load, pk + 3 indexes" "$empty $load"
bench_compare "pg-load --defer-indexes --freeze, pk + 3 indexes" "$uniq" \
    "$empty $load --defer-indexes --freeze" \
    "psql \\copy csv, pk + 3 indexes" "$empty $copy"
