# shellcheck shell=bash
# Functions for the benchmark scripts in tests/bench/ (sourced, bash).
#
#   bench_gen FILE 'command writing FILE'   make an input once
#   bench_compare "title" INPUT "sluice command" "peer name" "peer command"
#   bench_pg_start NAME                      a throwaway PostgreSQL in $work
#   bench_npm DIR PACKAGE...                 node packages into DIR
#   bench_pg_events FILE [uniq]              the events PostgreSQL loads
#   bench_pg_csv IN OUT                      those events as CSV
#
# Both commands of a comparison run in the same hyperfine invocation, with
# stdin from INPUT and stdout to /dev/null; peak RSS comes from GNU time.
# Each comparison appends one row to $BENCH_DATA/results.tsv:
#   title  sluice_s  peer  peer_s  speedup(peer_s/sluice_s)  MB/s  rss_MB  peer_rss_MB

: "${BENCH_DATA:?run through tests/bench/run}"
: "${BENCH_RUNS:=3}"

bench_gen() {
	local file=$1
	shift
	[ -s "$file" ] && return 0
	echo "bench: generating $(basename "$file")" >&2
	bash -c "$*" || { rm -f "$file"; return 1; }
}

# Mean seconds of a shell command over BENCH_RUNS runs.
bench_time() {
	local json
	json=$(mktemp)
	hyperfine -S bash --runs "$BENCH_RUNS" --warmup 1 --export-json "$json" \
	    --style none "$1" >/dev/null 2>&1 ||
	    { rm -f "$json"; echo "nan"; return; }
	python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$json"
	rm -f "$json"
}

# Peak resident set size of a shell command, in MB.
bench_rss() {
	/usr/bin/time -f %M bash -c "$1" 2>&1 >/dev/null | tail -n 1 |
	    awk '{ printf "%.1f", $1 / 1024 }'
}

bench_compare() {
	local title=$1 input=$2 cmd=$3 peer=$4 peercmd=$5
	local size s p rss prss speed mbs
	size=$(stat -c %s "$input")
	echo "bench: $title" >&2
	s=$(bench_time "$cmd < '$input' > /dev/null")
	rss=$(bench_rss "$cmd < '$input' > /dev/null")
	if [ -n "$peercmd" ]; then
		p=$(bench_time "$peercmd < '$input' > /dev/null")
		prss=$(bench_rss "$peercmd < '$input' > /dev/null")
	else
		p=nan prss=nan
	fi
	speed=$(awk -v s="$s" -v p="$p" 'BEGIN { if (s > 0 && p != "nan") printf "%.2f", p / s; else print "n/a" }')
	mbs=$(awk -v s="$s" -v n="$size" 'BEGIN { if (s > 0) printf "%.0f", n / s / 1e6; else print "n/a" }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$title" "$s" "$peer" "$p" \
	    "$speed" "$mbs" "$rss" "$prss" >>"$BENCH_DATA/results.tsv"
}

# Make the script's scratch directory $work and start a throwaway
# PostgreSQL in $work/db, exporting PGHOST, PGPORT, PGUSER and PGDATABASE;
# the server and $work are destroyed when the script exits. A server that
# does not start ends the script, naming NAME.
bench_pg_start() {
	local name=$1 env pgsh
	pgsh="$(cd "$(dirname "${BASH_SOURCE[0]}")/../cluster" && pwd)/pg.sh"
	work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-$name.XXXXXX")
	chmod 755 "$work"	# the server may run as another user
	# shellcheck disable=SC2064 # expand now
	trap "'$pgsh' destroy '$work/db' >/dev/null 2>&1; rm -rf '$work'" EXIT
	env=$("$pgsh" start "$work/db") ||
	    { echo "bench: $name: cannot start PostgreSQL" >&2; exit 1; }
	eval "$env"
	export PGHOST PGPORT PGUSER PGDATABASE
}

# Install node packages into DIR/node_modules (for NODE_PATH); fails when
# node or npm is missing or the install fails.
bench_npm() {
	local dir=$1
	shift
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
	    (cd "$dir" && npm install --silent --no-audit --no-fund "$@" \
	        >/dev/null 2>&1)
}

# The generated events PostgreSQL can load, into FILE once: without the
# records whose time it refuses (the generator plants a few, such as
# 2024-12-32), so that every loader loads every row; with uniq, only the
# first record of each id.
bench_pg_events() {
	bench_gen "$1" "python3 -c '
import json, sys
from datetime import datetime
seen = set()
for line in sys.stdin:
    e = json.loads(line)
    try:
        datetime.fromisoformat((e.get(\"occurred_at\") or e.get(\"created_at\")).replace(\"Z\", \"+00:00\"))
    except (ValueError, AttributeError):
        continue
    if sys.argv[1] == \"uniq\":
        if e[\"id\"] in seen:
            continue
        seen.add(e[\"id\"])
    sys.stdout.write(line)
' '${2:-all}' < '$BENCH_DATA/events.jsonl' > '$1'"
}

# The events of IN as CSV into OUT once, in the columns bench_pg_cols.
# shellcheck disable=SC2034 # read by the scripts that source this file
bench_pg_cols="id, event_type, occurred_at, session_id, user_id, app, model_id, properties"
bench_pg_csv() {
	bench_gen "$2" "python3 -c '
import csv, json, sys
w = csv.writer(sys.stdout, lineterminator=\"\\n\")
for line in sys.stdin:
    e = json.loads(line)
    w.writerow([e[\"id\"], e[\"event_type\"], e.get(\"occurred_at\") or e.get(\"created_at\"),
        e[\"session_id\"], e[\"user_id\"], e[\"app\"], e[\"modelId\"],
        json.dumps(e[\"properties\"], separators=(\",\", \":\"))])
' < '$1' > '$2'"
}
