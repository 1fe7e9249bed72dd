# shellcheck shell=bash
# Checksums of workflow 1's rows, shared by the e2e suites that load
# w1_events: the same "count|md5" from the table and from a file.

# "count|md5" of the table's canonical rows (see tests/gen/e2e-events.py)
table_sum() {
	q "SELECT count(*) || '|' || coalesce(md5(string_agg(x, '|' ORDER BY x COLLATE \"C\")), '')
	   FROM (SELECT concat_ws(',', id, event_type, session_id, user_id, app,
	           to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
	           coalesce(properties->>'tool', ''), coalesce(properties->>'risk', '')) AS x
	         FROM w1_events) AS s"
}

file_sum() {
	python3 -c '
import hashlib, sys
rows = sorted((l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")),
              key=lambda s: s.encode())
print("%d|%s" % (len(rows), hashlib.md5("|".join(rows).encode()).hexdigest() if rows else ""))' "$@"
}
