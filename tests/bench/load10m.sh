# shellcheck shell=bash
# The 10-million-row load: LOAD_ROWS (default 10 000 000)
# analytics events, generated on the fly by awk (never stored), streamed
#
#   gen | jsonl-validate -s events.schema.json -r REJ1
#       | dedupe -k .session_id -k .event_type -k '.occurred_at // .created_at'
#                --memory LOAD_DEDUPE_MEMORY (default 64M) -d DUPES -r REJ2
#       | pg-load -t analytics_events -j LOAD_JOBS (default 1) -r REJ3
#                [--ledger --run-id NAME, if LOAD_LEDGER=1]
#
# into a throwaway PostgreSQL. Every second each tool's VmRSS is read from
# /proc and the table's inserted-row count from pg_stat_user_tables; at
# the end the curves are summarised (min, max and the peak of each tenth
# of the run, per tool; rows/s in each tenth) and conservation is checked
# with independent counts: the generator's row count = rows in the table
# + lines of the three rejects files + lines of the dupes file. The
# summary goes to $BENCH_DATA/LOAD_NAME.txt (default load10m) and stdout;
# a lost or doubled row fails the script, and so does a disk without
# room for the run (about 400 bytes a row: the table and dedupe's
# spill). Not a bench_compare row: run it alone with
#
#   tests/bench/run load10m         or
#   BENCH_DATA=/tmp/b LOAD_ROWS=100000 bash tests/bench/load10m.sh
#
# tests/bench/load100m.sh runs it with 100 million rows.
set -euo pipefail

: "${BENCH_DATA:?run through tests/bench/run or set BENCH_DATA}"
rows=${LOAD_ROWS:-10000000}
memory=${LOAD_DEDUPE_MEMORY:-64M}
jobs=${LOAD_JOBS:-1}
name=${LOAD_NAME:-load10m}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="${LOAD_BIN:-$root/bin}:$PATH"	# LOAD_BIN: other builds
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-$name.XXXXXX")
sampler=
cleanup() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	"$root/tests/cluster/pg.sh" destroy "$work/db" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$BENCH_DATA"
need_kb=$((rows * 400 / 1024 + 1048576))
have_kb=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "$have_kb" -lt "$need_kb" ]; then
	echo "$name: skipped: $((have_kb / 1048576)) GiB free under $work," \
	    "$((need_kb / 1048576)) GiB needed for $rows rows" >&2
	exit 1
fi
ledger=()
[ "${LOAD_LEDGER:-0}" = 1 ] && ledger=(--ledger --run-id "$name")

chmod 755 "$work"	# the server may run as another user
env=$("$root/tests/cluster/pg.sh" start "$work/db") ||
    { echo "load10m: cannot start PostgreSQL" >&2; exit 1; }
eval "$env"
export PGHOST PGPORT PGUSER PGDATABASE
psql -Xq -v ON_ERROR_STOP=1 -c "create table analytics_events (
    id bigint, event_type text, occurred_at timestamptz, session_id text,
    user_id text, app text, model_id text, properties jsonb)"

# Events like tests/gen/events.py writes: ~3% repeat one of the last 64
# lines (dedupe's work), 1 in 100 003 lacks user_id and 1 in 50 021 has
# the date 2024-02-30 (jsonl-validate's work). The count goes to $1.
gen() {
	awk -v rows="$rows" -v countfile="$1" 'BEGIN {
	srand(2024)
	split("kintell mentor coach tutor review", apps, " ")
	split("page_view session_start session_end tool_use message_sent risk_flag feedback", types, " ")
	split("\"search\" \"summarize\" \"translate\" \"draft\" null", tools, " ")
	split("\"low\" \"medium\" \"high\" null", risks, " ")
	split("31 29 31 30 31 30 31 31 30 31 30 31", mdays, " ")
	span = 366 * 86400 - 600
	n = 0
	for (i = 0; i < rows; i++) {
		if (n > 0 && rand() < 0.03) {
			print recent[int(rand() * (n < 64 ? n : 64))]
			continue
		}
		t = int(i * (span / rows)) + int(rand() * 600)
		d = int(t / 86400)
		for (mo = 1; mo < 12 && d >= mdays[mo]; mo++)
			d -= mdays[mo]
		date = sprintf("2024-%02d-%02d", mo, d + 1)
		if (i % 50021 == 50020)
			date = "2024-02-30"
		ts = sprintf("%sT%02d:%02d:%02d.%03dZ", date, int(t / 3600) % 24,
		    int(t / 60) % 60, t % 60, int(rand() * 1000))
		app = apps[1 + int(rand() * 5)]
		id = i % 97 == 0 ? "90071992547" sprintf("%05d", i % 100000) : i + 1
		line = sprintf("{\"id\":%s,\"event_type\":\"%s\",\"%s\":\"%s\",\"session_id\":\"s-%07d\",", id,
		    types[1 + int(rand() * 7)], i % 3 ? "occurred_at" : "created_at", ts,
		    int(rand() * (rows / 8 + 1)))
		if (i % 100003 != 100002)
			line = line sprintf("\"user_id\":\"u-%06d\",", int(rand() * (rows / 20 + 1)))
		line = line sprintf("\"app\":\"%s\",\"modelId\":\"session-%s-%d\",\"properties\":{\"tool\":%s,\"risk\":%s,\"duration_ms\":%d,\"path\":\"/c/%d\"}}",
		    app, app, int(rand() * 1000), tools[1 + int(rand() * 5)],
		    risks[1 + int(rand() * 4)], 1 + int(rand() * 99999), int(rand() * 500))
		recent[n % 64] = line
		n++
		print line
	}
	print rows > countfile
	}'
}

# Each stage records its pid, then becomes the tool.
stage() {
	local name=$1
	shift
	echo "$BASHPID" >"$work/pid.$name"
	exec "$@"
}

echo "$name: $rows rows through jsonl-validate | dedupe | pg-load -j $jobs" \
    "($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
(
	gen "$work/count" |
	    stage jsonl-validate jsonl-validate -q \
		-s "$here/events.schema.json" -r "$work/rej.validate" \
		--stats "$work/stats.jsonl-validate" |
	    stage dedupe dedupe -q -k .session_id -k .event_type \
		-k '.occurred_at // .created_at' --memory "$memory" \
		--tmpdir "$work" --dupes "$work/dupes" -r "$work/rej.dedupe" \
		--stats "$work/stats.dedupe" |
	    stage pg-load pg-load -q -t analytics_events -j "$jobs" "${ledger[@]}" \
		--map 'occurred_at=.occurred_at // .created_at' \
		--map model_id=.modelId -r "$work/rej.pg-load" \
		--stats "$work/stats.pg-load"
) &
pipeline=$!

# One line per second: seconds since start, tool, VmRSS in kB; seconds,
# "rows", the rows the server has counted as inserted so far; seconds,
# "read", the bytes jsonl-validate has read (the pipeline's intake).
(
	while kill -0 "$pipeline" 2>/dev/null; do
		now=$(($(date +%s) - start))
		echo "$now rows $(psql -XAt -c "select n_tup_ins from
		    pg_stat_user_tables where relname = 'analytics_events'")"
		[ -s "$work/pid.jsonl-validate" ] &&
		    awk '/^rchar:/ { print now, "read", $2 }' now="$now" \
		    "/proc/$(cat "$work/pid.jsonl-validate")/io" 2>/dev/null ||
		    true	# it has ended; under set -e the sampler would too
		for t in jsonl-validate dedupe pg-load; do
			[ -s "$work/pid.$t" ] || continue
			kb=$(awk '/^VmRSS:/ { print $2 }' \
			    "/proc/$(cat "$work/pid.$t")/status" 2>/dev/null) ||
			    continue
			[ -n "$kb" ] && echo "$now $t $kb"
		done
		sleep 1
	done
) >"$work/rss" &
sampler=$!

status=0
wait "$pipeline" || status=$?
wait "$sampler" || true
sampler=
secs=$(($(date +%s) - start))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

n_in=$(cat "$work/count" 2>/dev/null || echo 0)
n_loaded=$(psql -XAt -c 'select count(*) from analytics_events')
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
n_rej1=$(lines "$work/rej.validate")
n_dupes=$(lines "$work/dupes")
n_rej2=$(lines "$work/rej.dedupe")
n_rej3=$(lines "$work/rej.pg-load")
n_out=$((n_loaded + n_rej1 + n_dupes + n_rej2 + n_rej3))

{
	echo "$name: $n_in rows in ${secs}s ($((n_in / (secs > 0 ? secs : 1))) rows/s)," \
	    "pipeline exit $status"
	echo "load average: $load_before at start, $load_after at the end" \
	    "($(nproc) cores, shared)"
	echo "loaded $n_loaded + rejected by jsonl-validate $n_rej1 + dupes" \
	    "$n_dupes + rejected by dedupe $n_rej2 + rejected by pg-load" \
	    "$n_rej3 = $n_out"
	if [ "$n_out" -eq "$n_in" ] && [ "$n_in" -eq "$rows" ]; then
		echo "conservation: ok (nothing lost, nothing doubled)"
	else
		echo "conservation: FAILED ($n_in in, $n_out accounted for)"
	fi
	echo "RSS (MB) per tool, sampled every second from /proc/PID/status:"
	awk -v secs="$secs" '
	$2 == "rows" || $2 == "read" { b = secs > 0 ? int(10 * $1 / secs) : 0
	  if (b > 9) b = 9
	  k = $2 SUBSEP b
	  seen[k] = 1
	  if ($3 > last[k]) last[k] = $3
	  if ($1 > last_t[k]) last_t[k] = $1
	  next }
	{ t = $1; tool = $2; kb = $3
	  if (!(tool in n)) { order[++tools] = tool; min[tool] = kb }
	  n[tool]++
	  if (kb < min[tool]) min[tool] = kb
	  if (kb > max[tool]) max[tool] = kb
	  b = secs > 0 ? int(10 * t / secs) : 0
	  if (b > 9) b = 9
	  if (kb > peak[tool, b]) peak[tool, b] = kb }
	END {
	  printf "  %-15s %7s %7s %7s  %s\n", "tool", "samples", "min", "max",
	      "peak in each tenth of the run"
	  for (i = 1; i <= tools; i++) {
	      tool = order[i]
	      curve = ""
	      for (b = 0; b < 10; b++)
	          curve = curve sprintf(" %5.0f", peak[tool, b] / 1024)
	      printf "  %-15s %7d %7.1f %7.1f %s\n", tool, n[tool],
	          min[tool] / 1024, max[tool] / 1024, curve
	  }
	  rate("read", 1e6, "MB/s read by jsonl-validate")
	  rate("rows", 1e3, "thousand rows/s into the table")
	}
	# The rate of counter KIND in each tenth, in units of SCALE.
	function rate(kind, scale, title,   b, k, curve, prev, prev_t, dt) {
	  for (b = 0; b < 10; b++) {
	      k = kind SUBSEP b
	      if (!(k in seen)) { curve = curve "      -"; continue }
	      dt = last_t[k] - prev_t
	      curve = curve sprintf(" %6.0f", dt > 0 ? (last[k] - prev) / dt / scale : 0)
	      prev = last[k]
	      prev_t = last_t[k]
	  }
	  printf "  in each tenth of the run, %s:\n  %s\n", title, curve
	}' "$work/rss"
	for t in jsonl-validate dedupe pg-load; do
		printf '%s --stats: %s\n' "$t" \
		    "$(cat "$work/stats.$t" 2>/dev/null || echo none)"
	done
} | tee "$BENCH_DATA/$name.txt"

[ "$status" -eq 0 ] && [ "$n_out" -eq "$n_in" ] && [ "$n_in" -eq "$rows" ]
