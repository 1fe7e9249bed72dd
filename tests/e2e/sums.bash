# shellcheck shell=bash
# Checksums the e2e suites compare: "count|md5" of canonical rows, the
# same from a table and from a file of expected rows.

# rows_sum EXPR RELATION: the rows EXPR makes of RELATION, sorted bytewise.
rows_sum() {
	q "SELECT count(*) || '|' || coalesce(md5(string_agg(x, '|' ORDER BY x COLLATE \"C\")), '')
	   FROM (SELECT $1 AS x FROM $2) AS s"
}

# events_sum TABLE: an events table in tests/gen/e2e-events.py's rows.
events_sum() {
	rows_sum "concat_ws(',', id, event_type, session_id, user_id, app,
	    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
	    coalesce(properties->>'tool', ''), coalesce(properties->>'risk', ''))" "$1"
}

# file_sum FILE [FROM]: the file's lines in any order; with FROM, only the
# lines whose sixth field (an event's time) is FROM or later.
file_sum() {
	python3 -c '
import hashlib, sys
rows = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
if len(sys.argv) > 2:
    rows = [r for r in rows if r.split(",")[5] >= sys.argv[2]]
rows.sort(key=lambda s: s.encode())
print("%d|%s" % (len(rows), hashlib.md5("|".join(rows).encode()).hexdigest() if rows else ""))' "$@"
}
