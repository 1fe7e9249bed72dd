# shellcheck shell=bash
# End to end, the CSV sessions backfill (workflow 3): $BENCH_DATA/sessions.csv
# into a sessions table, every field checked by the workflow's rules
# (tests/fixtures/e2e-sessions.schema.json, enums ignoring case), repeated
# session ids dropped. sluice:
#
#   csv2jsonl | jsonl-validate -s SCHEMA --enum-ci -r rejects
#     | dedupe --key-columns .session_id --dupes dupes | pg-load -t sessions
#
# against
# - Miller filtering with the same rules and `head -n 1 -g session_id`,
#   piped into psql \copy;
# - psql \copy of a CSV cleaned beforehand (the floor: no checks at all);
# - the seed-style node script (tests/bench/e2e-node.js: csv-parse, checks
#   in JavaScript, a Set of session ids, 500-row multi-row INSERTs with
#   node-postgres), on the first 100 000 sessions (BENCH_NODE_ROWS to
#   change), when node and `npm install csv-parse pg` work.
# Every timed command empties the table first. Before the timing, each
# approach runs once and must leave the same rows as the sluice pipeline:
# the same count and checksum of the table's contents.
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

: "${BENCH_ROWS:?run through tests/bench/run}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
schema="$root/tests/fixtures/e2e-sessions.schema.json"
in="$BENCH_DATA/sessions.csv"
clean="$BENCH_DATA/e2e-sessions-clean.csv"
node_rows=${BENCH_NODE_ROWS:-100000}
[ "$BENCH_ROWS" -lt "$node_rows" ] && node_rows=$BENCH_ROWS
small="$BENCH_DATA/e2e-sessions-$node_rows.csv"
bench_pg_start e2e

psql -Xq -v ON_ERROR_STOP=1 <<'SQL'
create table sessions (
    session_id   text primary key,
    user_id      text not null,
    email        text not null,
    level        text not null,
    cefr         text not null,
    started_at   timestamptz not null,
    duration_min integer not null check (duration_min > 0),
    rating       smallint not null,
    notes        text);
SQL

# "count md5" of the table's rows in a canonical text (as in
# tests/e2e/w3-csv-sessions.bats); $1 rewrites the notes before hashing.
table_sum() {
	psql -XAtq -v ON_ERROR_STOP=1 -c "
select count(*) || ' ' || coalesce(md5(string_agg(x, '|' order by x collate \"C\")), '')
from (select concat_ws(',', session_id, user_id, email, level, cefr,
        to_char(started_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
        duration_min, rating, md5(${1:-coalesce(notes, '')})) as x
      from sessions) as s"
}

# Run "name" "command" once on INPUT, for the rows it leaves.
run_once() {
	bash -c "$2" <"$3" >/dev/null ||
	    { echo "bench: e2e: $1 failed" >&2; exit 1; }
}

# The same, and its table must sum to WANT.
same_rows() {
	local got
	run_once "$@"
	got=$(table_sum)
	[ "$got" = "$4" ] && return 0
	echo "bench: e2e: $1 left other rows: $got, sluice $4" >&2
	exit 1
}

# 1000000 as 1M, 100000 as 100k
rows_label() {
	if [ $(($1 % 1000000)) -eq 0 ]; then
		echo "$(($1 / 1000000))M"
	elif [ $(($1 % 1000)) -eq 0 ]; then
		echo "$(($1 / 1000))k"
	else
		echo "$1"
	fi
}

# Miller's filter: the rules of the schema, enums ignoring case.
cat >"$work/rules.mlr" <<'EOF'
is_string($session_id) && $session_id =~ "^S[0-9]{7}$"
&& is_string($user_id) && strlen($user_id) >= 1
&& $email =~ "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$"
&& $level =~ "^(beginner|intermediate|advanced)$"i
&& $cefr =~ "^(a1|a2|b1|b2|c1|c2)$"i
&& $started_at =~ "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
&& $duration_min =~ "^[1-9][0-9]*$"
&& $rating =~ "^[1-5]$"
EOF

empty="psql -Xq -c 'truncate sessions' &&"
front="csv2jsonl -q | jsonl-validate -q -s '$schema' --enum-ci -r '$work/rejects.jsonl' | dedupe -q -k .session_id --dupes '$work/dupes.jsonl'"
sl="{ set -o pipefail; $empty $front | pg-load -q -t sessions; }"
mlr="{ set -o pipefail; $empty mlr -S --icsv --ocsv filter -f '$work/rules.mlr' then head -n 1 -g session_id | psql -Xq -v ON_ERROR_STOP=1 -c '\\copy sessions from pstdin csv header'; }"
copy="$empty psql -Xq -v ON_ERROR_STOP=1 -c \"\\copy sessions from '$clean' csv header\""

# The pre-cleaned CSV is what the sluice pipeline would load.
bench_gen "$clean" "set -o pipefail; { $front; } < '$in' |
    jsonl2csv -q --columns session_id,user_id,email,level,cefr,started_at,duration_min,rating,notes > '$clean'"

run_once "the sluice pipeline" "$sl" "$in"
want=$(table_sum)
echo "bench: e2e: the sluice pipeline leaves $want (count md5)" >&2
# Miller 6 reads a line break inside a quoted field as LF even where it is
# CRLF: its rows are compared without that difference, and the row says so.
lf="replace(coalesce(notes, ''), E'\\r\\n', E'\\n')"
wantlf=$(table_sum "$lf")
same_rows "psql \\copy of the pre-cleaned CSV" "$copy" "$in" "$want"
mtitle="mlr filter + head -g | psql \\copy"
run_once "mlr | psql \\copy" "$mlr" "$in"
if [ "$(table_sum)" != "$want" ]; then
	[ "$(table_sum "$lf")" = "$wantlf" ] ||
	    { echo "bench: e2e: mlr | psql \\copy left other rows" >&2; exit 1; }
	echo "bench: e2e: mlr | psql \\copy: the same rows, but CRLF inside quoted fields became LF" >&2
	mtitle="$mtitle (quoted CRLF -> LF)"
fi

bench_compare "e2e CSV sessions $(rows_label "$BENCH_ROWS")" "$in" "$sl" "$mtitle" "$mlr"
bench_compare "e2e CSV sessions $(rows_label "$BENCH_ROWS")" "$in" "$sl" \
    "psql \\copy pre-cleaned CSV" "$copy"

if bench_npm "$work" csv-parse pg; then
	bench_gen "$small" "python3 -c '
import csv, itertools
out = open(1, \"w\", newline=\"\", encoding=\"utf-8\")
rows = csv.reader(open(0, newline=\"\", encoding=\"utf-8\"))
csv.writer(out, lineterminator=\"\\r\\n\").writerows(itertools.islice(rows, $node_rows + 1))
out.close()
' < '$in' > '$small'"
	node="$empty NODE_PATH='$work/node_modules' node '$here/e2e-node.js' sessions"
	run_once "the sluice pipeline" "$sl" "$small"
	same_rows "node csv-parse + pg" "$node" "$small" "$(table_sum)"
	bench_compare "e2e CSV sessions $(rows_label "$node_rows")" "$small" "$sl" \
	    "node csv-parse+pg 500-row INSERT" "$node"
else
	echo "bench: node or npm csv-parse pg unavailable; skipping the node comparison" >&2
fi
