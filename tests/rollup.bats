#!/usr/bin/env bats
# rollup: time-bucketed aggregates, partials and merge, --sorted, rejects.
# Expected outputs are written down or computed by
# tests/fixtures/rollup-reference.py (an independent Python rollup).

load test_helper
bats_require_minimum_version 1.5.0

SEED=(--time '.occurred_at // .created_at' --period hour --count totalEvents
	--distinct uniqueSessions=.session_id --count-by eventCounts=.event_type
	--count-by toolUsage=.properties.tool
	--count-by riskDistribution=.properties.risk)
SEED_REF=(hour .occurred_at,.created_at - count:totalEvents
	distinct:uniqueSessions=.session_id count-by:eventCounts=.event_type
	count-by:toolUsage=.properties.tool
	count-by:riskDistribution=.properties.risk)
ALL=(--time .t --period hour --by .k --count n --sum total=.n --sum fs=.f
	--min mn=.s --max mx=.s --avg av=.f --first first=.s --last last=.s
	--count-by cb=.n --distinct d=.s)
ALL_REF=(hour .t k=.k count:n sum:total=.n sum:fs=.f min:mn=.s max:mx=.s
	avg:av=.f first:first=.s last:last=.s count-by:cb=.n distinct:d=.s)

ref() {
	python3 "$FIX/rollup-reference.py" "$@"
}

# N synthetic events over a few days, in time order.
gen_events() {
	python3 - "$1" <<'EOF'
import json, random, sys
random.seed(42)
n = int(sys.argv[1])
for i in range(n):
    s = 1709600000 + i * 37 + random.randint(0, 30)
    ts = "2024-%02d-%02dT%02d:%02d:%02dZ"
    import datetime as dt
    t = dt.datetime.fromtimestamp(s, dt.timezone.utc)
    ev = {"id": i + 1, "event_type": random.choice(["view", "call", "msg"]),
          "session_id": "s%d" % random.randint(1, 300),
          "app": random.choice(["web", "cli", "api"]),
          "properties": {"tokens": random.randint(1, 1000)}}
    key = "occurred_at" if i % 4 else "created_at"
    ev[key] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if random.random() < 0.7:
        ev["properties"]["tool"] = random.choice(["search", "calc", "shell"])
    if random.random() < 0.8:
        ev["properties"]["risk"] = random.choice(["low", "medium", "high"])
    print(json.dumps(ev, separators=(",", ":")))
EOF
}

@test "the Prisma seed's HourlyRollup matches an independent computation" {
	ref "${SEED_REF[@]}" < "$FIX/rollup-events.jsonl" > "$BATS_TEST_TMPDIR/want"
	run --separate-stderr rollup "${SEED[@]}" "$FIX/rollup-events.jsonl"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/want")"
}

@test "the HourlyRollup of a tiny input is exactly these lines" {
	printf '%s\n' \
	  '{"occurred_at":"2024-03-05T14:59:59Z","session_id":"a","event_type":"view","properties":{"tool":"calc","risk":"low"}}' \
	  '{"occurred_at":null,"created_at":"2024-03-05T14:00:00+00:00","session_id":"b","event_type":"view","properties":{}}' \
	  '{"created_at":"2024-03-05T13:30:00-01:00","session_id":"a","event_type":"call","properties":{"tool":"calc","risk":null}}' \
	  '{"occurred_at":"2024-03-05 15:00:00Z","session_id":"a","event_type":"view","properties":{"risk":"high"}}' \
	  > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup "${SEED[@]}" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"hour":"2024-03-05T14:00:00Z","totalEvents":3,"uniqueSessions":2,"eventCounts":{"call":1,"view":2},"toolUsage":{"calc":2},"riskDistribution":{"low":1}}
{"hour":"2024-03-05T15:00:00Z","totalEvents":1,"uniqueSessions":1,"eventCounts":{"view":1},"toolUsage":{},"riskDistribution":{"high":1}}
EOF
}

@test "the HourlyRollup of 20000 generated events matches the reference" {
	gen_events 20000 > "$BATS_TEST_TMPDIR/ev"
	ref "${SEED_REF[@]}" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/want"
	rollup -q "${SEED[@]}" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/got"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
}

@test "every aggregate kind matches the reference, groups in jq order" {
	ref "${ALL_REF[@]}" < "$FIX/rollup-numbers.jsonl" > "$BATS_TEST_TMPDIR/want"
	run --separate-stderr rollup "${ALL[@]}" "$FIX/rollup-numbers.jsonl"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/want")"
	assert_line --index 0 --partial '"k":null,'
	assert_line --index 1 --partial '"k":2,'
	assert_line --index 2 --partial '"k":10,'
	assert_line --index 3 --partial '"k":"a",'
}

@test "integer sums are exact past 2^63 and floats print shortest" {
	run --separate-stderr rollup --time .t --period day --sum total=.n --sum fs=.f \
	    --avg av=.n --min mn=.f --max mx=.n "$FIX/rollup-numbers.jsonl"
	assert_success
	assert_output '{"day":"2024-03-05T00:00:00Z","total":9223372036854775807,"fs":5.05,"av":1.8446744073709553e+18,"mn":-0.25,"mx":9223372036854775807}'
}

@test "an integer sum beyond 64 bits keeps every digit" {
	printf '{"t":"2024-01-01T00:00:00Z","n":9223372036854775807}\n%.0s' 1 2 3 \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period month --sum s=.n "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"month":"2024-01-01T00:00:00Z","s":27670116110564327421}'
}

@test "sums of whole floats print as integers, 0.1+0.2 as jq does" {
	printf '%s\n' '{"t":"2024-01-01","a":1.0,"b":0.1}' \
	    '{"t":"2024-01-01","a":2.5e0,"b":0.2}' '{"t":"2024-01-01","a":0.5}' \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period day --sum a=.a --sum b=.b \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"day":"2024-01-01T00:00:00Z","a":4,"b":0.30000000000000004}'
}

@test "empty aggregates: sum 0, avg/min/max/first/last null, count-by {}" {
	printf '{"t":"2024-01-01T10:00:00Z"}\n' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period hour --sum s=.x --avg a=.x \
	    --min mn=.x --max mx=.x --first f=.x --last l=.x --count-by c=.x \
	    --distinct d=.x "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"hour":"2024-01-01T10:00:00Z","s":0,"a":null,"mn":null,"mx":null,"f":null,"l":null,"c":{},"d":0}'
}

@test "bucket units name their key and start where the calendar says" {
	printf '{"t":"2024-03-07T13:45:30.5+02:00"}\n' > "$BATS_TEST_TMPDIR/in"
	for u in minute hour day week month quarter year; do
		rollup -q --time .t --period "$u" --count n "$BATS_TEST_TMPDIR/in"
	done > "$BATS_TEST_TMPDIR/got"
	run cat "$BATS_TEST_TMPDIR/got"
	assert_output - <<'EOF'
{"minute":"2024-03-07T11:45:00Z","n":1}
{"hour":"2024-03-07T11:00:00Z","n":1}
{"day":"2024-03-07T00:00:00Z","n":1}
{"week":"2024-03-04T00:00:00Z","n":1}
{"month":"2024-03-01T00:00:00Z","n":1}
{"quarter":"2024-01-01T00:00:00Z","n":1}
{"year":"2024-01-01T00:00:00Z","n":1}
EOF
}

@test "quarter and year buckets, in UTC and in a named zone" {
	printf '%s\n' '{"t":"2024-03-31T21:59:59Z"}' '{"t":"2024-03-31T22:00:00Z"}' \
	    '{"t":"2024-09-30T23:59:59Z"}' '{"t":"2024-12-31T22:59:59Z"}' \
	    '{"t":"2024-12-31T23:00:00Z"}' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period quarter --count n "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"quarter":"2024-01-01T00:00:00Z","n":2}
{"quarter":"2024-07-01T00:00:00Z","n":1}
{"quarter":"2024-10-01T00:00:00Z","n":2}
EOF
	# Paris: +02:00 from 2024-03-31 01:00Z to 2024-10-27 01:00Z, else +01:00
	run --separate-stderr rollup --time .t --period quarter --tz Europe/Paris --count n "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"quarter":"2023-12-31T23:00:00Z","n":1}
{"quarter":"2024-03-31T22:00:00Z","n":1}
{"quarter":"2024-09-30T22:00:00Z","n":2}
{"quarter":"2024-12-31T23:00:00Z","n":1}
EOF
	run --separate-stderr rollup --time .t --period year --count n "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"year":"2024-01-01T00:00:00Z","n":5}'
	run --separate-stderr rollup --time .t --period year --tz Europe/Paris --count n "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"year":"2023-12-31T23:00:00Z","n":4}
{"year":"2024-12-31T23:00:00Z","n":1}
EOF
	# the same buckets as PostgreSQL's date_trunc, when there is a server
	if [ -n "${PGHOST:-}" ]; then
		run q "select b || ' ' || count(*) from (select to_char(date_trunc('quarter', t at time zone 'Europe/Paris') at time zone 'Europe/Paris' at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') b from unnest(array['2024-03-31T21:59:59Z','2024-03-31T22:00:00Z','2024-09-30T23:59:59Z','2024-12-31T22:59:59Z','2024-12-31T23:00:00Z']::timestamptz[]) t) x group by b order by b"
		assert_output - <<'EOF'
2023-12-31T23:00:00Z 1
2024-03-31T22:00:00Z 1
2024-09-30T22:00:00Z 2
2024-12-31T23:00:00Z 1
EOF
	fi
}

@test "--tz buckets days in a named zone and prints the start in UTC" {
	printf '%s\n' '{"t":"2024-03-05T23:30:00Z"}' '{"t":"2024-03-06T00:30:00Z"}' \
	    '{"t":"2024-07-01T22:30:00Z"}' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period day --tz Europe/Paris --count n \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"day":"2024-03-05T23:00:00Z","n":2}
{"day":"2024-07-01T22:00:00Z","n":1}
EOF
}

@test "--by takes its name from a plain path and accepts a jq expression" {
	printf '%s\n' \
	  '{"t":"2024-01-01T00:00:00Z","modelId":"session-web-1","p":{"tool":"x"}}' \
	  '{"t":"2024-01-01T00:10:00Z","modelId":"session-cli-2","p":{"tool":"x"}}' \
	  '{"t":"2024-01-01T00:20:00Z","modelId":"session-web-3","p":{}}' \
	  > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period hour --by .p.tool \
	    --by 'app=.modelId | capture("^session-(?<a>[^-]+)-").a' --count n \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"hour":"2024-01-01T00:00:00Z","tool":null,"app":"web","n":1}
{"hour":"2024-01-01T00:00:00Z","tool":"x","app":"cli","n":1}
{"hour":"2024-01-01T00:00:00Z","tool":"x","app":"web","n":1}
EOF
}

@test "--by an expression without a name is a usage error" {
	run --separate-stderr rollup --time .t --period hour --by '.a | ascii_downcase' --count n
	assert_failure 64
	assert_equal "$stderr" "rollup: --by: '.a | ascii_downcase' needs a name: --by NAME=EXPR
Try 'rollup --help' for more information."
}

@test "an output key used twice is a usage error" {
	run --separate-stderr rollup --time .t --period hour --count hour
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "rollup: output key 'hour' is used twice"
}

@test "a bad --period is a usage error" {
	run --separate-stderr rollup --time .t --period fortnight --count n
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "rollup: --period: 'fortnight' is not minute, hour, day, week, month, quarter or year"
}

@test "output is jq -c formatting of itself" {
	# (jq 1.6 would round the sums past 2^53, so they are left out here)
	{ rollup -q "${SEED[@]}" "$FIX/rollup-events.jsonl"
	  rollup -q --time .t --period hour --by .k --sum fs=.f --avg av=.f \
	      --min mn=.s --max mx=.s --count-by cb=.s "$FIX/rollup-numbers.jsonl"
	} > "$BATS_TEST_TMPDIR/got"
	jq -c . "$BATS_TEST_TMPDIR/got" > "$BATS_TEST_TMPDIR/jq"
	run cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/jq"
	assert_success
}

@test "four partials split by lines merge to the single pass, byte for byte" {
	gen_events 8000 > "$BATS_TEST_TMPDIR/ev"
	rollup -q "${SEED[@]}" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/one"
	(cd "$BATS_TEST_TMPDIR" && split -n l/4 ev part.)
	for p in "$BATS_TEST_TMPDIR"/part.*; do
		rollup -q "${SEED[@]}" --partial < "$p" > "$p.partial"
	done
	cat "$BATS_TEST_TMPDIR"/part.*.partial |
	    rollup -q --merge > "$BATS_TEST_TMPDIR/merged"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/one")" -gt 50 ]
	run cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
	assert_success
}

@test "partials split by key hash merge to the single pass, all aggregates" {
	gen_events 6000 > "$BATS_TEST_TMPDIR/ev"
	A=(--time '.occurred_at // .created_at' --period hour --by .app
	   --count n --distinct u=.session_id --sum tok=.properties.tokens
	   --avg avg=.properties.tokens --min mn=.properties.tokens
	   --max mx=.session_id --count-by cb=.properties.tool)
	rollup -q "${A[@]}" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/one"
	for k in 0 1 2 3; do
		awk -F'"id":' -v k="$k" '{ split($2, a, ","); if (a[1] % 4 == k) print }' \
		    "$BATS_TEST_TMPDIR/ev" | rollup -q "${A[@]}" --partial
	done > "$BATS_TEST_TMPDIR/partials"
	rollup -q --merge < "$BATS_TEST_TMPDIR/partials" > "$BATS_TEST_TMPDIR/merged"
	run cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
	assert_success
}

@test "--merge of partials that are all empty (every --partial job failed) exits 65" {
	# the rollup(1) example as it was, its quoting lost: every job fails
	split -n l/2 "$FIX/rollup-events.jsonl" "$BATS_TEST_TMPDIR/part."
	run --separate-stderr bash -c "parallel rollup --partial --time '.occurred_at // .created_at' \
	    --period hour --count totalEvents '<' {} ::: $BATS_TEST_TMPDIR/part.* 2>/dev/null |
	    rollup --merge > $BATS_TEST_TMPDIR/merged"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "rollup: --merge: no partial records in the input: did every rollup --partial before it fail?"
	run --separate-stderr rollup --merge </dev/null
	assert_failure 65
	run --separate-stderr rollup --merge < <(printf '\n\n')
	assert_failure 65
}

@test "--merge with an empty partial among others is fine" {
	rollup -q --partial "${SEED[@]}" "$FIX/rollup-events.jsonl" > "$BATS_TEST_TMPDIR/p1"
	rollup -q --partial "${SEED[@]}" </dev/null > "$BATS_TEST_TMPDIR/p2"
	[ ! -s "$BATS_TEST_TMPDIR/p2" ]
	rollup -q "${SEED[@]}" "$FIX/rollup-events.jsonl" > "$BATS_TEST_TMPDIR/one"
	cat "$BATS_TEST_TMPDIR/p2" "$BATS_TEST_TMPDIR/p1" "$BATS_TEST_TMPDIR/p2" |
	    rollup -q --merge > "$BATS_TEST_TMPDIR/merged"
	run cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
	assert_success
}

@test "the rollup(1) parallel example, quoted for parallel's shell, merges to the single pass" {
	cd "$BATS_TEST_TMPDIR"
	cp "$FIX/rollup-events.jsonl" events.jsonl
	split -n l/4 events.jsonl part.
	parallel "rollup -q --partial --time '.occurred_at // .created_at' \
	    --period hour --count totalEvents \
	    --distinct uniqueSessions=.session_id < {}" ::: part.* |
	    rollup -q --merge > hourly.jsonl
	rollup -q --time '.occurred_at // .created_at' --period hour --count totalEvents \
	    --distinct uniqueSessions=.session_id < events.jsonl > one.jsonl
	[ -s one.jsonl ]
	run cmp one.jsonl hourly.jsonl
	assert_success
}

@test "first and last merge in the order of the partials" {
	gen_events 3000 > "$BATS_TEST_TMPDIR/ev"
	A=(--time '.occurred_at // .created_at' --period day --first f=.id
	   --last l=.id --first s=.session_id)
	rollup -q "${A[@]}" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/one"
	(cd "$BATS_TEST_TMPDIR" && split -l 700 ev part.)
	for p in "$BATS_TEST_TMPDIR"/part.*; do
		rollup -q "${A[@]}" --partial < "$p"
	done | rollup -q --merge > "$BATS_TEST_TMPDIR/merged"
	run cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
	assert_success
}

@test "a partial holds sorted hash sets, sums with counts and maps" {
	printf '%s\n' '{"t":"2024-01-01T10:00:00Z","s":"a","n":2,"f":0.5}' \
	    '{"t":"2024-01-01T10:30:00Z","s":"a","n":3}' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period hour --count c --distinct d=.s \
	    --sum n=.n --avg f=.f --count-by m=.s --last l=.n --partial \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(printf '%s' "$output" | sed -E 's/"[0-9a-f]{32}"/"H"/g')" \
	    '{"hour":"2024-01-01T10:00:00Z","_partial":{"c":{"count":2},"d":{"distinct":["H"]},"n":{"sum":{"int":5,"n":2}},"f":{"avg":{"int":0,"float":0.5,"n":1}},"m":{"count-by":{"a":2}},"l":{"last":3,"row":2}}}'
}

@test "merging partials of a different shape is rejected" {
	printf '{"t":"2024-01-01T10:00:00Z"}\n' > "$BATS_TEST_TMPDIR/in"
	{ rollup -q --time .t --period hour --count n --partial "$BATS_TEST_TMPDIR/in"
	  rollup -q --time .t --period hour --count m --partial "$BATS_TEST_TMPDIR/in"
	} > "$BATS_TEST_TMPDIR/p"
	run --separate-stderr rollup --merge "$BATS_TEST_TMPDIR/p"
	assert_failure 65
	assert_output ''
	assert_equal "${stderr_lines[0]}" "rollup: line 2: partial: aggregates differ from the first partial's"
}

@test "--merge refuses aggregate options" {
	run --separate-stderr rollup --merge --count n
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "rollup: --merge takes the period, groups, aggregates and hll parameters from its partial input"
}

@test "--approx distinct stays within 2% on 20000 distinct values" {
	python3 -c '
for i in range(40000):
    print("{\"t\":\"2024-01-01T00:00:00Z\",\"u\":\"user-%d\"}" % (i % 20000))
' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period day --distinct u=.u --approx \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	est=$(printf '%s' "$output" | jq .u)
	[ "$est" -ge 19600 ] && [ "$est" -le 20400 ]
}

@test "--approx partials merge to the single-pass estimate" {
	gen_events 5000 > "$BATS_TEST_TMPDIR/ev"
	A=(--time '.occurred_at // .created_at' --period day --approx
	   --distinct u=.session_id)
	rollup -q "${A[@]}" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/one"
	(cd "$BATS_TEST_TMPDIR" && split -n l/4 ev part.)
	for p in "$BATS_TEST_TMPDIR"/part.*; do
		rollup -q "${A[@]}" --partial < "$p"
	done | rollup -q --merge > "$BATS_TEST_TMPDIR/merged"
	run cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
	assert_success
}

@test "--sorted gives the same output and holds one bucket's groups" {
	gen_events 5000 > "$BATS_TEST_TMPDIR/ev"
	A=(--time '.occurred_at // .created_at' --period hour --by .app --count n)
	rollup -q "${A[@]}" --stats "$BATS_TEST_TMPDIR/s1" \
	    < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/one"
	rollup -q "${A[@]}" --sorted --stats "$BATS_TEST_TMPDIR/s2" \
	    < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/two"
	run cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two"
	assert_success
	groups=$(wc -l < "$BATS_TEST_TMPDIR/one")
	assert_equal "$(jq .peak_groups "$BATS_TEST_TMPDIR/s1")" "$groups"
	assert_equal "$(jq .groups "$BATS_TEST_TMPDIR/s2")" "$groups"
	assert_equal "$(jq .peak_groups "$BATS_TEST_TMPDIR/s2")" 3
}

@test "--sorted writes a bucket as soon as a later one starts" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	rollup -q --time .t --period hour --count n --sorted \
	    < "$BATS_TEST_TMPDIR/fifo" > "$BATS_TEST_TMPDIR/out" &
	exec 5> "$BATS_TEST_TMPDIR/fifo"
	printf '%s\n' '{"t":"2024-01-01T10:00:00Z"}' '{"t":"2024-01-01T10:59:00Z"}' \
	    '{"t":"2024-01-01T11:00:00Z"}' >&5
	sleep 0.5
	run cat "$BATS_TEST_TMPDIR/out"
	exec 5>&-
	wait
	assert_output '{"hour":"2024-01-01T10:00:00Z","n":2}'
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output - <<'EOF'
{"hour":"2024-01-01T10:00:00Z","n":2}
{"hour":"2024-01-01T11:00:00Z","n":1}
EOF
}

@test "--sorted rejects a record that goes back to a written bucket" {
	printf '%s\n' '{"t":"2024-01-01T10:00:00Z"}' '{"t":"2024-01-01T11:00:00Z"}' \
	    '{"t":"2024-01-01T10:30:00Z"}' '{"t":"2024-01-01T11:10:00Z"}' \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period hour --count n --sorted \
	    -r "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output - <<'EOF'
{"hour":"2024-01-01T10:00:00Z","n":1}
{"hour":"2024-01-01T11:00:00Z","n":2}
EOF
	run cat "$BATS_TEST_TMPDIR/rej"
	assert_output '{"t":"2024-01-01T10:30:00Z","_error_row":3,"_error_message":"--sorted: input goes back in time to a bucket already written","_error_tool":"rollup"}'
}

@test "missing, null and unparsable times and invalid JSON go to rejects" {
	printf '%s\n' '{"t":"2024-01-01T10:00:00Z"}' '{"x":1}' '{"t":null}' \
	    '{"t":"yesterday"}' '{"t":17}' 'not json' '{"t":"2024-01-01T10:05:00Z"}' \
	    > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period hour --count n \
	    -r "$BATS_TEST_TMPDIR/rej" --stats "$BATS_TEST_TMPDIR/st" \
	    "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"hour":"2024-01-01T10:00:00Z","n":2}'
	run jq -c '[._error_row, (._error_message | split(":")[0:2] | join(":")), ._raw]' \
	    "$BATS_TEST_TMPDIR/rej"
	assert_output - <<'EOF'
[2,"--time: no timestamp",null]
[3,"--time: no timestamp",null]
[4,"--time: cannot parse 'yesterday'",null]
[5,"--time: expected a string, got number",null]
[6,"invalid JSON at column 1: invalid literal","not json"]
EOF
	assert_equal "$(jq -c '[.processed, .passed, .rejected]' "$BATS_TEST_TMPDIR/st")" '[7,2,5]'
}

@test "without --rejects the first bad record stops with 65" {
	printf '%s\n' '{"t":"2024-01-01T10:00:00Z"}' '{"x":1}' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period hour --count n "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_output ''
	assert_equal "${stderr_lines[0]}" 'rollup: line 2: --time: no timestamp'
}

@test "a non-number for --sum is a reject naming the aggregate" {
	printf '%s\n' '{"t":"2024-01-01T10:00:00Z","n":"7"}' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period hour --sum total=.n "$BATS_TEST_TMPDIR/in"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" 'rollup: line 1: --sum total: expected a number, got string'
}

@test "the summary counts groups and the peak" {
	run --separate-stderr rollup --time .t --period hour --count n "$FIX/rollup-numbers.jsonl"
	assert_success
	[[ "$stderr" == "rollup: 7 lines, 7 aggregated, 0 rejected, 1 groups, 1 peak_groups, "* ]]
}

@test "rollup | pg-load --mode upsert loads an hourly rollup table" {
	need_pg
	command -v pg-load >/dev/null && pg-load --help >/dev/null 2>&1 ||
	    skip "pg-load is not built on this branch"
	q "drop table if exists hourly_rollup; create table hourly_rollup (
	    hour timestamptz primary key, \"totalEvents\" int,
	    \"uniqueSessions\" int, \"eventCounts\" jsonb, \"toolUsage\" jsonb,
	    \"riskDistribution\" jsonb)"
	gen_events 4000 > "$BATS_TEST_TMPDIR/ev"
	head -n 2000 "$BATS_TEST_TMPDIR/ev" | rollup -q "${SEED[@]}" |
	    pg-load -q -t hourly_rollup --mode upsert --key-columns hour --ledger --run-id r1
	rollup -q "${SEED[@]}" < "$BATS_TEST_TMPDIR/ev" |
	    pg-load -q -t hourly_rollup --mode upsert --key-columns hour --ledger --run-id r2
	ref "${SEED_REF[@]}" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/want"
	q "select json_build_object('hour', to_char(hour at time zone 'UTC',
	    'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'totalEvents', \"totalEvents\",
	    'uniqueSessions', \"uniqueSessions\", 'eventCounts', \"eventCounts\",
	    'toolUsage', \"toolUsage\", 'riskDistribution', \"riskDistribution\")
	    from hourly_rollup order by hour" | jq -c . > "$BATS_TEST_TMPDIR/got"
	jq -cS . "$BATS_TEST_TMPDIR/want" > "$BATS_TEST_TMPDIR/want.s"
	jq -cS . "$BATS_TEST_TMPDIR/got" > "$BATS_TEST_TMPDIR/got.s"
	run diff "$BATS_TEST_TMPDIR/want.s" "$BATS_TEST_TMPDIR/got.s"
	assert_success
}
