#!/usr/bin/env bash
# Fixtures for the examples of the man pages and README.md, named as the
# examples name them, written into DIR; and the tables they load into,
# created in the database of the PG* environment.
#
# usage: tests/examples/setup.sh DIR
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1
mkdir -p "$dir"
cd "$dir"

python3 "$root/tests/gen/events.py" 400 >events.jsonl
cp events.jsonl events-2024.jsonl
cp events.jsonl huge.jsonl
head -n 150 events.jsonl | zstd -q >events-2024-01-part1.jsonl.zst
sed -n '151,300p' events.jsonl | zstd -q >events-2024-01-part2.jsonl.zst
jq -c -s 'sort_by(.occurred_at // .created_at)[]
    | .occurred_at = (.occurred_at // .created_at)' events.jsonl >sorted.jsonl
jq -s . events.jsonl >events-2024.json
jq -s '{events: .}' events.jsonl >export.json
jq -s '{events: .}' events.jsonl >backup.json.wrapped
jq -s . events.jsonl >backup.json
jq -c '{ts: (.occurred_at // .created_at), app, user_id, modelId,
    occurred_at: (.occurred_at // .created_at)}' events.jsonl >export.jsonl
head -n 100 export.jsonl >new.jsonl
python3 "$root/tests/gen/sessions-csv.py" 120 >sessions.csv
cp sessions.csv big.csv
csv2jsonl -q --row-field _row <sessions.csv >sessions.jsonl
cp "$root/tests/examples/sessions.schema.json" sessions.schema.json
jq -c '{user_id, name: ("user " + .user_id), signed_up: "2024-01-01"}' \
    events.jsonl | sort -u >users.jsonl
jq -r '[.user_id, .user_id + "@example.com", "2024-01-01"] | @csv' \
    users.jsonl >users.csv
printf 'id;name;amount\r\n1;caf\xe9;1,5\r\n2;na\xefve;2\r\n' >export.csv
jsonl-validate -q --require .occurred_at -r rejects.jsonl <events.jsonl >/dev/null
jq -c '{created_at: (.occurred_at // .created_at), day: null,
    ts: (.occurred_at // .created_at), session_id, user_id}' events.jsonl |
    jq -c 'del(.day)' >facts.jsonl
jq -c -s 'map(.user_id) | unique | .[] | {customer_id: ., name: ("c " + .)}' \
    events.jsonl >customers.jsonl

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE analytics_events (
    id bigint, event_type text NOT NULL, session_id text, user_id text,
    app text, properties jsonb, created_at timestamptz NOT NULL);
CREATE TABLE hourly_rollups (
    hour timestamptz PRIMARY KEY, "totalEvents" integer NOT NULL,
    "uniqueSessions" integer NOT NULL, "eventCounts" jsonb,
    "toolUsage" jsonb, "riskDistribution" jsonb);
CREATE TABLE users (id text PRIMARY KEY);
INSERT INTO users SELECT format('u-%s', lpad(n::text, 5, '0'))
    FROM generate_series(0, 200) AS n;
CREATE TABLE kintell_sessions (
    session_id text PRIMARY KEY, user_id text NOT NULL REFERENCES users,
    email text NOT NULL, level text NOT NULL, cefr text NOT NULL,
    started_at timestamptz NOT NULL, duration_min integer NOT NULL,
    rating smallint NOT NULL, notes text,
    created_at timestamptz DEFAULT '2024-03-03Z');
CREATE TABLE sessions (LIKE kintell_sessions);
CREATE TABLE t (LIKE kintell_sessions);
CREATE TABLE daily_app_stats (day timestamptz, app text, events integer,
    users integer, PRIMARY KEY (day, app));
CREATE TABLE daily (day timestamptz, app text, events integer,
    PRIMARY KEY (day, app));
CREATE TABLE fact_sessions (created_at timestamptz, ts text,
    session_id text, user_id text);
CREATE TABLE daily_facts (day date, created_at timestamptz, ts text,
    session_id text, user_id text);
CREATE TABLE dim_customer (customer_id text, name text,
    valid_from timestamptz, valid_to timestamptz, is_current boolean);
CREATE TABLE dim_user (user_id text, name text, valid_from timestamptz,
    valid_to timestamptz);
CREATE TABLE events_by_month (id bigint, created_at timestamptz NOT NULL)
    PARTITION BY RANGE (created_at);
CREATE TABLE events_2024_01 PARTITION OF events_by_month
    FOR VALUES FROM ('2024-01-01Z') TO ('2024-02-01Z');
CREATE TABLE events_2024_02 PARTITION OF events_by_month
    FOR VALUES FROM ('2024-02-01Z') TO ('2024-03-01Z');
CREATE TABLE events_2024_03 PARTITION OF events_by_month
    FOR VALUES FROM ('2024-03-01Z') TO ('2024-04-01Z');
CREATE TABLE events_2024_04 PARTITION OF events_by_month
    FOR VALUES FROM ('2024-04-01Z') TO ('2024-05-01Z');
INSERT INTO events_by_month SELECT n, '2024-01-01Z'::timestamptz
    + n * interval '1 hour' FROM generate_series(0, 24 * 121 - 1) AS n;
SQL
