# The year loaded, one February event since lost from the table; an
# import of sessions tagged 42.
pg-load -q -t analytics_events --map created_at='.occurred_at // .created_at' \
    <events-2024.jsonl
psql -X -q -v ON_ERROR_STOP=1 -c "DELETE FROM analytics_events WHERE ctid =
    (SELECT min(ctid) FROM analytics_events WHERE created_at >= '2024-02-01Z'
     AND created_at < '2024-03-01Z')" \
    -c "ALTER TABLE sessions ADD COLUMN import_id integer"
jq -c '. + {import_id: 42}' sessions.jsonl | pg-load -q -t sessions
