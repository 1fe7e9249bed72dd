#!/usr/bin/env bats
# Signals (tools/lib/cli.h): SIGINT or SIGTERM during a run
# flushes the complete records, prints the summary, leaves no half
# output under a final name and exits 130 or 143. Each tool reads from a
# slow producer (1000 records, a pause, the rest) and is signalled in the
# pause.

load test_helper
bats_require_minimum_version 1.5.0

# tool -> a streaming invocation; OUT: pass (records byte for byte), gen
# (records it builds: complete JSON lines), csv, agg, paths.
spec() {
	KIND=jsonl OUT=pass
	case $1 in
	jsonl-validate)	CMD=(jsonl-validate --require .a) ;;
	dedupe)		CMD=(dedupe -k .a --drop) ;;
	prune)		CMD=(prune --time .t --before 2000-01-01 --drop) ;;
	rollup)		CMD=(rollup --time .t --period day --count n); OUT=agg ;;
	chunk)		CMD=(chunk -l 300 -o "$BATS_TEST_TMPDIR/chunks"); OUT=paths ;;
	jsonl2csv)	CMD=(jsonl2csv); OUT=csv ;;
	json2jsonl)	CMD=(json2jsonl); KIND=array ;;
	csv2jsonl)	CMD=(csv2jsonl); KIND=csv; OUT=gen ;;
	esac
}

setup() {
	/usr/bin/python3 - "$BATS_TEST_TMPDIR" <<'PYEOF'
import sys
d = sys.argv[1]
n = 3000
recs = [f'{{"a":"k{i}","t":"2024-01-{1 + i % 28:02d}T00:00:00Z","n":{i}}}' for i in range(n)]
open(f"{d}/in.jsonl", "w").write("".join(r + "\n" for r in recs))
open(f"{d}/in.csv", "w").write("a,t,n\n" + "".join(
    f"k{i},2024-01-{1 + i % 28:02d}T00:00:00Z,{i}\n" for i in range(n)))
# An array whose first 1000 elements end the first 1000 lines.
open(f"{d}/in.json", "w").write("[" + ",\n".join(recs) + "]\n")
PYEOF
}

# interrupt TOOL SIG: run the tool on the slow producer, signal it in the
# pause; leaves $rc, $BATS_TEST_TMPDIR/out and err.
interrupt() {
	local t=$1 sig=$2 in head=1000 pid prod
	spec "$t"
	case $KIND in
	csv) in=$BATS_TEST_TMPDIR/in.csv; head=1001 ;;
	array) in=$BATS_TEST_TMPDIR/in.json ;;
	*) in=$BATS_TEST_TMPDIR/in.jsonl ;;
	esac
	rm -f "$BATS_TEST_TMPDIR/fifo"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	"${CMD[@]}" < "$BATS_TEST_TMPDIR/fifo" > "$BATS_TEST_TMPDIR/out" \
	    2> "$BATS_TEST_TMPDIR/err" &
	pid=$!
	( head -n "$head" "$in"; sleep 4; tail -n +"$((head + 1))" "$in" ) \
	    > "$BATS_TEST_TMPDIR/fifo" &
	prod=$!
	sleep 1.5
	kill -"$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	kill "$prod" 2>/dev/null || true
	wait "$prod" 2>/dev/null || true
}

# Checks after the signal: exit status, summary, complete lines only.
check_interrupted() {
	local t=$1 sig=$2 want=$3
	echo "$t: exit $rc; stderr:"; cat "$BATS_TEST_TMPDIR/err"
	[ "$rc" -eq "$want" ]
	grep -q "^$t: interrupted by SIG$sig" "$BATS_TEST_TMPDIR/err"
	# The summary line: "TOOL: N unit, ..."
	grep -Eq "^$t: [0-9]+ [a-z]+, [0-9]+ [a-z ]+, [0-9]+ rejected" "$BATS_TEST_TMPDIR/err"
	# Only complete lines on stdout.
	if [ -s "$BATS_TEST_TMPDIR/out" ]; then
		[ "$(tail -c 1 "$BATS_TEST_TMPDIR/out" | od -An -c | tr -d ' ')" = '\n' ]
	fi
	case $OUT in
	pass|gen|agg) jq -e . "$BATS_TEST_TMPDIR/out" >/dev/null ;;
	esac
	# A filter that passes records flushes the 1000 it has read.
	if [ "$OUT" = pass ] || [ "$OUT" = gen ]; then
		[ "$(wc -l < "$BATS_TEST_TMPDIR/out")" -eq 1000 ]
		cmp "$BATS_TEST_TMPDIR/out" <(head -n 1000 "$BATS_TEST_TMPDIR/in.jsonl" | \
		    if [ "$OUT" = gen ]; then sed 's/"n":\([0-9]*\)}/"n":"\1"}/'; else cat; fi)
	fi
	if [ "$OUT" = paths ]; then
		# Complete chunks only, under final names; no temp file.
		ls -A "$BATS_TEST_TMPDIR/chunks"
		for f in "$BATS_TEST_TMPDIR"/chunks/* "$BATS_TEST_TMPDIR"/chunks/.[!.]*; do
			[ -e "$f" ] || continue
			[[ "$(basename "$f")" =~ ^part-[0-9]{5}\.jsonl$ ]]
			[ "$(wc -l < "$f")" -eq 300 ]
		done
		# Each printed path is a complete chunk.
		while read -r p; do [ -f "$p" ]; done < "$BATS_TEST_TMPDIR/out"
	fi
}

each() {
	local sig=$1 want=$2 t ran=0
	for t in jsonl-validate dedupe prune rollup chunk jsonl2csv json2jsonl csv2jsonl; do
		[ -x "$ROOT/bin/$t" ] || continue
		interrupt "$t" "$sig"
		check_interrupted "$t" "$sig" "$want"
		ran=$((ran + 1))
	done
	[ "$ran" -gt 0 ] || skip "no tool built"
}

@test "SIGINT: exit 130, the complete records flushed, the summary printed" {
	each INT 130
}

@test "SIGTERM: exit 143, the complete records flushed, the summary printed" {
	each TERM 143
}

@test "pg-load: killed with SIGTERM mid-load, a re-run with the same ledger loads each record once" {
	need_pg
	[ -x "$ROOT/bin/pg-load" ] || skip "pg-load not built"
	local pid prod rc=0 in=$BATS_TEST_TMPDIR/in.jsonl
	q 'drop table if exists sig_load; create table sig_load (a text, t timestamptz, n int)'
	rm -f "$BATS_TEST_TMPDIR/fifo"; mkfifo "$BATS_TEST_TMPDIR/fifo"
	pg-load -t sig_load -b 100 --ledger --run-id sig-run < "$BATS_TEST_TMPDIR/fifo" \
	    > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
	pid=$!
	( head -n 1000 "$in"; sleep 4; tail -n +1001 "$in" ) > "$BATS_TEST_TMPDIR/fifo" &
	prod=$!
	sleep 2
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	kill "$prod" 2>/dev/null || true
	cat "$BATS_TEST_TMPDIR/err"
	[ "$rc" -eq 143 ]
	# What was committed is whole batches, nothing doubled.
	n=$(q 'select count(*) from sig_load')
	[ $((n % 100)) -eq 0 ]
	[ "$n" -le 1000 ]
	[ "$(q 'select count(*) - count(distinct n) from sig_load')" -eq 0 ]
	run pg-load -t sig_load -b 100 --ledger --run-id sig-run < "$in"
	echo "$output"
	assert_success
	assert_equal "$(q 'select count(*), count(distinct n), sum(n) from sig_load')" \
	    "3000|3000|$((2999 * 3000 / 2))"
	# A third run is a no-op: the ledger says the run is finished.
	run pg-load -t sig_load -b 100 --ledger --run-id sig-run < "$in"
	assert_success
	assert_equal "$(q 'select count(*) from sig_load')" 3000
}

# A reader that stops reading: the tool blocks in write(2). SIGTERM must
# still end it with 143 (not hang until the reader leaves, then exit 0
# on EPIPE as if nothing happened).
@test "SIGTERM while blocked writing to a stalled reader: exit 143 within a second" {
	local t ran=0 pid s e rc
	/usr/bin/python3 -c '
for i in range(300000): print(f"{{\"a\":\"k{i}\",\"t\":\"2024-01-01T00:00:00Z\",\"n\":{i}}}")' \
	    > "$BATS_TEST_TMPDIR/big.jsonl"
	for t in jsonl-validate csv2jsonl; do
		[ -x "$ROOT/bin/$t" ] || continue
		spec "$t"
		in=$BATS_TEST_TMPDIR/big.jsonl
		if [ "$KIND" = csv ]; then
			{ echo a; seq 300000; } > "$BATS_TEST_TMPDIR/big.csv"
			in=$BATS_TEST_TMPDIR/big.csv
		fi
		rm -f "$BATS_TEST_TMPDIR/pid" "$BATS_TEST_TMPDIR/rc"
		{ "${CMD[@]}" "$in" 2> "$BATS_TEST_TMPDIR/err" & echo $! > "$BATS_TEST_TMPDIR/pid"
		  r=0; wait $! || r=$?; echo "$r" > "$BATS_TEST_TMPDIR/rc"; } | sleep 6 &
		sleep 1.5
		pid=$(cat "$BATS_TEST_TMPDIR/pid")
		s=$(date +%s%N)
		kill -TERM "$pid"
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
		e=$(date +%s%N)
		wait
		rc=$(cat "$BATS_TEST_TMPDIR/rc")
		echo "$t: exit $rc, $(( (e - s) / 1000000 )) ms after SIGTERM"
		cat "$BATS_TEST_TMPDIR/err"
		[ "$rc" -eq 143 ]
		[ $(( (e - s) / 1000000 )) -lt 1000 ]
		ran=$((ran + 1))
	done
	[ "$ran" -gt 0 ] || skip "no tool built"
}
