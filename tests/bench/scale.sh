# shellcheck shell=bash
# Where the CPU of a load goes, to tell what a machine with more cores
# would do: each stage of the backfill pipeline alone on the generated
# events (jsonl-validate with the bench schema, dedupe on the pipeline's
# key, pg-load into an unindexed table), then pg-load with -j 1 to 4.
# For each: wall seconds, the client's CPU (user + system, GNU time) and
# the server's (utime + stime of the postmaster's children, read from
# /proc before and after: the reaped backends' time lands in the
# postmaster's cutime and cstime), as seconds per million rows. A report,
# not a bench_compare row: the table goes to $BENCH_DATA/scale.txt and
# stdout.
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
ev="$BENCH_DATA/events.jsonl"
bench_pg_start scale
psql -Xq -v ON_ERROR_STOP=1 -c "create table analytics_events (
    id bigint, event_type text, occurred_at timestamptz, session_id text,
    user_id text, app text, model_id text, properties jsonb)"
postmaster=$(head -n 1 "$SLUICE_PGDIR/data/postmaster.pid")
rows=$(wc -l <"$ev")
tick=$(getconf CLK_TCK)

# The server's CPU so far, in clock ticks: the postmaster's reaped
# children and the ones still running.
server_ticks() {
	local total pid
	total=$(awk '{ print $16 + $17 }' "/proc/$postmaster/stat")
	for pid in $(pgrep -P "$postmaster"); do
		total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" \
		    2>/dev/null || echo 0)))
	done
	echo "$total"
}

# stage NAME CMD: run CMD (stdin the events, stdout discarded) and print
# one row of the table.
stage() {
	local name=$1 cmd=$2 t0 t1 times n0
	psql -Xq -c 'truncate analytics_events'
	n0=$(pgrep -c -P "$postmaster")
	t0=$(server_ticks)
	times=$(/usr/bin/time -f '%e %U %S' bash -c "$cmd" <"$ev" 2>&1 \
	    >/dev/null | tail -n 1)
	# The backends end after the client: wait until they are reaped.
	for _ in $(seq 50); do
		[ "$(pgrep -c -P "$postmaster")" -le "$n0" ] && break
		sleep 0.1
	done
	t1=$(server_ticks)
	echo "$times" | awk -v name="$name" -v rows="$rows" \
	    -v server="$((t1 - t0))" -v tick="$tick" '{
		m = rows / 1e6
		printf "%-26s %7.2f %10.2f %10.2f %9.0f\n", name, $1, ($2 + $3) / m,
		    server / tick / m, rows / $1 / 1000 }'
}

load="pg-load -q -t analytics_events --on-error reject -r /dev/null
    --map 'occurred_at=.occurred_at // .created_at' --map model_id=.modelId"
{
	echo "$rows events, $(nproc) cores, load average" \
	    "$(cut -d' ' -f1-3 /proc/loadavg) at the start"
	printf '%-26s %7s %10s %10s %9s\n' stage "wall s" "client" "server" \
	    "krows/s"
	printf '%-26s %7s %10s %10s %9s\n' "" "" "CPU s/M" "CPU s/M" ""
	stage jsonl-validate "jsonl-validate -q -s '$here/events.schema.json' -r /dev/null"
	stage dedupe "dedupe -q -k .session_id -k .event_type -k '.occurred_at // .created_at' --drop"
	for j in 1 2 3 4; do
		stage "pg-load -j $j" "$load -j $j"
	done
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
} | tee "$BENCH_DATA/scale.txt"
