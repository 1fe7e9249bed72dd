#!/usr/bin/env bats
# dedupe: keep the first (or last) record of each key.
load test_helper
bats_require_minimum_version 1.5.0

setup() {
	EV="$FIX/dedupe-events.jsonl"
	T="$BATS_TEST_TMPDIR"
}

@test "the first record of each key goes to stdout in input order" {
	run --separate-stderr dedupe -k .session_id -k .event_type --drop < "$EV"
	assert_success
	assert_output - <<'EOF'
{"id":1,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z"}
{"id":3,"session_id":"s2","event_type":"view","created_at":"2024-01-01T00:00:00Z"}
{"id":4,"session_id":"s1","event_type":"click","occurred_at":"2024-01-01T00:00:00Z"}
EOF
}

@test "later records of a key go to --dupes with the row that was kept" {
	run --separate-stderr dedupe -k .session_id -k .event_type \
	    --dupes "$T/d.jsonl" < "$EV"
	assert_success
	run cat "$T/d.jsonl"
	assert_output - <<'EOF'
{"id":2,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":1}
{"id":5,"session_id":"s2","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":3}
{"id":6,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":1}
EOF
}

@test "without --dupes or --drop it refuses to run" {
	run --separate-stderr dedupe -k .session_id < "$EV"
	assert_failure 64
	assert_output ""
	assert_equal "$stderr" "dedupe: say where duplicates go: --dupes FILE or --drop
Try 'dedupe --help' for more information."
}

@test "--dupes and --drop together are a usage error" {
	run --separate-stderr dedupe --drop --dupes "$T/d" < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --dupes and --drop exclude each other"
}

@test "the summary counts records, kept, duplicates, rejected, distinct keys and peak table size" {
	run --separate-stderr dedupe -k .session_id --drop < "$EV"
	assert_success
	[[ "$stderr" =~ ^"dedupe: 6 lines, 2 kept, 0 rejected, 4 duplicates, 2 distinct keys, 24576 peak table bytes, "[0-9.]+" s, " ]]
}

@test "--stats writes the counters as JSON" {
	run dedupe -q -k .session_id --drop --stats "$T/s.json" < "$EV"
	assert_success
	run python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["processed"], s["passed"], s["rejected"], s["diverted"]["duplicates"], s["distinct_keys"], s["peak_table_bytes"])' "$T/s.json"
	assert_output "6 2 0 4 2 24576"
}

@test "an alternative key expression runs on the fast path and as jq would" {
	run --separate-stderr dedupe -k .session_id \
	    -k '.occurred_at // .created_at' --drop < "$EV"
	assert_success
	assert_output - <<'EOF'
{"id":1,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z"}
{"id":3,"session_id":"s2","event_type":"view","created_at":"2024-01-01T00:00:00Z"}
EOF
}

@test "a key through libjq (capture) works" {
	printf '%s\n' '{"m":"session-web-1"}' '{"m":"session-ios-2"}' \
	    '{"m":"session-web-3"}' > "$T/in"
	run --separate-stderr dedupe -k '.m | capture("^session-(?<app>[^-]+)-").app' \
	    --drop < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"m":"session-web-1"}
{"m":"session-ios-2"}
EOF
}

@test "without -k the whole line is the key, byte for byte" {
	printf '%s\n' '{"a":1}' '{"a": 1}' '{"a":1}' '{"a":1.0}' > "$T/in"
	run --separate-stderr dedupe --dupes "$T/d" < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"a":1}
{"a": 1}
{"a":1.0}
EOF
	run cat "$T/d"
	assert_output '{"a":1,"_dupe_of_row":1}'
}

@test "composite keys cannot run into each other" {
	printf '%s\n' '{"a":"x","b":"yz"}' '{"a":"xy","b":"z"}' \
	    '{"a":"1","b":2}' '{"a":1,"b":2}' '{"a":"x","b":"yz"}' > "$T/in"
	run --separate-stderr dedupe -k .a -k .b --drop < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"a":"x","b":"yz"}
{"a":"xy","b":"z"}
{"a":"1","b":2}
{"a":1,"b":2}
EOF
}

@test "strings are compared decoded: an escape is the same key" {
	printf '%s\n' '{"s":"é"}' '{"s":"\u00e9"}' '{"s":"e"}' > "$T/in"
	run --separate-stderr dedupe -k .s --dupes "$T/d" < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"s":"é"}
{"s":"e"}
EOF
	run cat "$T/d"
	assert_output '{"s":"\u00e9","_dupe_of_row":1}'
}

@test "big integers are different keys unless every digit matches (unlike jq)" {
	run --separate-stderr dedupe -k .k --dupes "$T/d" < "$FIX/dedupe-bigint.jsonl"
	assert_success
	assert_output - <<'EOF'
{"id":1,"k":12345678901234567890}
{"id":2,"k":12345678901234567000}
{"id":4,"k":1.0}
{"id":5,"k":1}
{"id":6,"k":"1"}
EOF
	run cat "$T/d"
	assert_output '{"id":3,"k":12345678901234567890,"_dupe_of_row":1}'
	# jq 1.6 itself sees the two big integers as one value.
	run jq -n '12345678901234567890 == 12345678901234567000'
	assert_output true
}

@test "an array key is built from its elements" {
	run --separate-stderr dedupe -k '[.session_id, .event_type]' --drop < "$EV"
	assert_success
	assert_equal "${#lines[@]}" 3
}

@test "--keep last keeps the last record of each key, in input order" {
	run --separate-stderr dedupe -k .session_id -k .event_type --keep last \
	    --dupes "$T/d" < "$EV"
	assert_success
	assert_output - <<'EOF'
{"id":4,"session_id":"s1","event_type":"click","occurred_at":"2024-01-01T00:00:00Z"}
{"id":5,"session_id":"s2","event_type":"view","occurred_at":"2024-01-01T00:00:00Z"}
{"id":6,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z"}
EOF
	run cat "$T/d"
	assert_output - <<'EOF'
{"id":1,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":6}
{"id":2,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":6}
{"id":3,"session_id":"s2","event_type":"view","created_at":"2024-01-01T00:00:00Z","_dupe_of_row":5}
EOF
}

@test "--keep last leaves no spool file behind in --tmpdir" {
	mkdir "$T/tmp"
	run --separate-stderr dedupe -k .session_id --keep last --drop \
	    --tmpdir "$T/tmp" < "$EV"
	assert_success
	assert_equal "${#lines[@]}" 2
	run ls -A "$T/tmp"
	assert_output ""
}

@test "--keep last with a --tmpdir that does not exist exits 73" {
	run --separate-stderr dedupe -k .session_id --keep last --drop \
	    --tmpdir "$T/nope" < "$EV"
	assert_failure 73
	assert_equal "$stderr" "dedupe: --tmpdir $T/nope: No such file or directory"
}

@test "a null or missing key is a reject by default" {
	printf '%s\n' '{"k":"a"}' '{"k":null}' '{"x":1}' '{"k":"a"}' > "$T/in"
	run --separate-stderr dedupe -k .k --drop -r "$T/r" < "$T/in"
	assert_success
	assert_output '{"k":"a"}'
	run cat "$T/r"
	assert_output - <<'EOF'
{"k":null,"_error_row":2,"_error_message":"key .k is null","_error_tool":"dedupe"}
{"x":1,"_error_row":3,"_error_message":"key .k is null","_error_tool":"dedupe"}
EOF
}

@test "a null key without --rejects stops with exit 65 and the line" {
	printf '%s\n' '{"k":"a"}' '{"x":1}' > "$T/in"
	run --separate-stderr dedupe -k .k --drop < "$T/in"
	assert_failure 65
	assert_output '{"k":"a"}'
	assert_equal "${stderr%%$'\n'*}" "dedupe: line 2: key .k is null"
}

@test "--null-key keep passes every record whose key is null" {
	printf '%s\n' '{"k":"a"}' '{"k":null}' '{"x":1}' '{"k":null}' '{"k":"a"}' > "$T/in"
	run --separate-stderr dedupe -k .k --null-key keep --drop < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"k":"a"}
{"k":null}
{"x":1}
{"k":null}
EOF
}

@test "--null-key drop counts and drops records whose key is null" {
	printf '%s\n' '{"k":"a"}' '{"k":null}' '{"x":1}' '{"k":"a"}' > "$T/in"
	run --separate-stderr dedupe -k .k --null-key drop --drop < "$T/in"
	assert_success
	assert_output '{"k":"a"}'
	[[ "$stderr" == "dedupe: 4 lines, 1 kept, 0 rejected, 1 duplicates, 1 distinct keys, 2 null keys dropped, "* ]]
}

@test "a key expression error is a reject with jq's message" {
	printf '%s\n' '{"k":{"a":1}}' '{"k":5}' '[1]' > "$T/in"
	run --separate-stderr dedupe -k .k.a --drop -r "$T/r" < "$T/in"
	assert_success
	assert_output '{"k":{"a":1}}'
	run cat "$T/r"
	assert_output - <<'EOF'
{"k":5,"_error_row":2,"_error_message":"key .k.a: Cannot index number with string \"a\"","_error_tool":"dedupe"}
{"_error_row":3,"_error_message":"key .k.a: Cannot index array with string \"k\"","_error_tool":"dedupe","_raw":"[1]"}
EOF
}

@test "an invalid JSON line is a reject with its row and raw text" {
	printf '%s\n' '{"k":1}' '{"k":2,}' '{"k":1}' > "$T/in"
	run --separate-stderr dedupe -k .k --dupes "$T/d" -r "$T/r" < "$T/in"
	assert_success
	assert_output '{"k":1}'
	run python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print(len(r), r[0]["_error_row"], r[0]["_raw"], r[0]["_error_tool"],
      r[0]["_error_message"].startswith("invalid JSON at column 8: "))' "$T/r"
	assert_output '1 2 {"k":2,} dedupe True'
}

@test "a line with a NUL byte is a reject, nothing is lost" {
	printf '{"k":1}\n{"k":\0002}\n{"k":3}\n' > "$T/in"
	run --separate-stderr dedupe -k .k --drop -r "$T/r" < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"k":1}
{"k":3}
EOF
	run python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print(len(r), r[0]["_error_row"], repr(r[0]["_raw"]))' "$T/r"
	assert_output "1 2 '{\"k\":\\x002}'"
}

@test "an invalid JSON line without --rejects stops with exit 65" {
	printf '%s\n' '{"k":1}' 'nope' > "$T/in"
	run --separate-stderr dedupe -k .k --drop < "$T/in"
	assert_failure 65
	assert_equal "${stderr%%$'\n'*}" "dedupe: line 2: invalid JSON at column 1: invalid literal"
}

@test "empty input gives empty output and exit 0" {
	run --separate-stderr dedupe -k .k --dupes "$T/d" < /dev/null
	assert_success
	assert_output ""
	[ -f "$T/d" ] && [ ! -s "$T/d" ]
	[[ "$stderr" == "dedupe: 0 lines, 0 kept, 0 rejected, 0 duplicates, 0 distinct keys, 0 peak table bytes, "* ]]
}

@test "CRLF lines are records without their CR" {
	printf '{"k":1}\r\n{"k":2}\r\n{"k":1}\r\n' > "$T/in"
	run --separate-stderr dedupe -k .k --dupes "$T/d" < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"k":1}
{"k":2}
EOF
	run cat "$T/d"
	assert_output '{"k":1,"_dupe_of_row":1}'
}

@test "a final line without a newline is a record" {
	printf '{"k":1}\n{"k":2}' > "$T/in"
	run --separate-stderr dedupe -k .k --drop < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"k":1}
{"k":2}
EOF
}

@test "blank lines are skipped and counted, rows keep their line numbers" {
	printf '{"k":1}\n\n   \n{"k":1}\n' > "$T/in"
	run --separate-stderr dedupe -k .k --dupes "$T/d" < "$T/in"
	assert_success
	run cat "$T/d"
	assert_output '{"k":1,"_dupe_of_row":1}'
	run dedupe -k .k --drop --stats "$T/s.json" < "$T/in"
	run python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["processed"], s["blank"])' "$T/s.json"
	assert_output "2 2"
}

@test "a duplicate that is not an object is wrapped with _raw" {
	printf '%s\n' '[1,2]' '[1,2]' '"x"' '"x"' > "$T/in"
	run --separate-stderr dedupe --dupes "$T/d" < "$T/in"
	assert_success
	run cat "$T/d"
	assert_output - <<'EOF'
{"_dupe_of_row":1,"_raw":"[1,2]"}
{"_dupe_of_row":3,"_raw":"\"x\""}
EOF
}

@test "--seen skips records whose key was loaded before" {
	printf '%s\n' '{"s":"s1","n":1}' '{"s":"s2","n":2}' '{"s":"s3","n":3}' \
	    '{"s":"s2","n":4}' > "$T/in"
	run --separate-stderr dedupe -k .s --seen "$FIX/dedupe-seen.txt" \
	    --dupes "$T/d" < "$T/in"
	assert_success
	assert_output '{"s":"s2","n":2}'
	run cat "$T/d"
	assert_output - <<'EOF'
{"s":"s1","n":1,"_dupe_of_seen":1}
{"s":"s3","n":3,"_dupe_of_seen":2}
{"s":"s2","n":4,"_dupe_of_row":2}
EOF
}

@test "--seen needs exactly one -k" {
	run --separate-stderr dedupe -k .a -k .b --seen "$FIX/dedupe-seen.txt" --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --seen needs exactly one -k"
}

@test "an invalid --seen line stops with exit 65" {
	printf '"a"\n{x}\n' > "$T/seen"
	run --separate-stderr dedupe -k .s --seen "$T/seen" --drop < "$EV"
	assert_failure 65
	[[ "$stderr" == "dedupe: --seen $T/seen: line 2: invalid JSON at column 2: "* ]]
}

@test "a --seen file that cannot be opened exits 66" {
	run --separate-stderr dedupe -k .s --seen "$T/none" --drop < "$EV"
	assert_failure 66
	assert_equal "$stderr" "dedupe: --seen $T/none: No such file or directory"
}

@test "past --memory the key table spills to sorted runs and the result is exact" {
	python3 -c '
import json, random
random.seed(5)
for i in range(200000):
    r = random.random()
    if r < 0.01: print("{bad")
    elif r < 0.02: print(json.dumps({"i": i}))
    else: print(json.dumps({"i": i, "k": random.randrange(60000)}))' > "$T/in"
	printf '%s\n' 7 59999 123 > "$T/seen"
	mkdir "$T/tmp"
	run --separate-stderr dedupe -k .k --null-key keep --seen "$T/seen" \
	    --dupes "$T/d2" -r "$T/r2" --memory 64K --tmpdir "$T/tmp" < "$T/in"
	assert_success
	echo "$output" > "$T/o2"
	# 24-byte slots: 1024, 1536, 2304 slots (55 296 bytes) fit in 64K, 3456
	# (82 944 bytes) do not; 2304 slots hold 3/4 x 2304 = 1728 keys (3 of
	# them from --seen).
	[[ "${stderr%%$'\n'*}" =~ ^"dedupe: line "[0-9]+": key table full at --memory 65536 bytes (1728 keys); spilling to $T/tmp"$ ]]
	run ls -A "$T/tmp"
	assert_output ""
	# The same as python computes with an unbounded dict.
	run python3 - "$T/in" "$T/o2" "$T/d2" "$T/r2" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
first = {7: -1, 59999: -2, 123: -3}
kept, dupes, rej = [], [], []
for row, l in enumerate(lines, 1):
    try:
        o = json.loads(l)
    except ValueError:
        rej.append(row); continue
    k = o.get("k")
    if k is None:
        kept.append(l); continue
    if k in first:
        of = first[k]
        dupes.append((o["i"], "_dupe_of_row", of) if of > 0 else
                     (o["i"], "_dupe_of_seen", -of))
    else:
        first[k] = row; kept.append(l)
out = open(sys.argv[2]).read().splitlines()
d = [json.loads(l) for l in open(sys.argv[3])]
got = [(x["i"], "_dupe_of_row", x["_dupe_of_row"]) if "_dupe_of_row" in x
       else (x["i"], "_dupe_of_seen", x["_dupe_of_seen"]) for x in d]
r = [json.loads(l)["_error_row"] for l in open(sys.argv[4])]
assert out == kept, "kept differ"
assert got == dupes, "dupes differ"
assert r == rej, "rejects differ"
assert len(out) + len(d) + len(r) == len(lines)
print("ok")
EOF
	assert_success
	assert_output ok
}

@test "spilling gives byte for byte what an unbounded table gives" {
	python3 -c '
import random
random.seed(9)
for i in range(120000):
    print("{\"i\":%d,\"k\":\"s%d\"}" % (i, random.randrange(50000)))' > "$T/in"
	dedupe -q -k .k --dupes "$T/d1" < "$T/in" > "$T/o1"
	dedupe -q -k .k --dupes "$T/d2" --memory 32K --tmpdir "$T" < "$T/in" > "$T/o2"
	cmp "$T/o1" "$T/o2"
	cmp "$T/d1" "$T/d2"
	[ -s "$T/d1" ]
}

@test "a spill's spool is compressed: --tmpdir gets a fraction of the records' bytes" {
	need_program strace
	python3 -c '
import random
random.seed(4)
for i in range(40000):
    print("{\"id\":%d,\"k\":\"s-%07d\",\"event_type\":\"page_view\",\"app\":\"mentor\",\"properties\":{\"path\":\"/c/%d\",\"duration_ms\":%d}}" % (i, random.randrange(30000), random.randrange(500), random.randrange(99999)))' > "$T/in"
	# LeakSanitizer cannot run under ptrace (SLUICE_SANITIZE builds).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -y -e trace=openat,write -o "$T/strace" \
	    dedupe -q -k .k --drop --memory 32K --tmpdir "$T" < "$T/in" > "$T/o"
	dedupe -q -k .k --drop < "$T/in" | cmp - "$T/o"
	# The spool is the first temporary file; sum what was written to it.
	run awk '/openat\(.*dedupe\./ && p == "" {
		match($0, /dedupe\.[A-Za-z0-9]+/); p = substr($0, RSTART, RLENGTH) }
	    p != "" && /write\(/ && index($0, p) { n += $NF }
	    END { print n + 0 }' "$T/strace"
	assert_success
	in=$(wc -c < "$T/in")
	(( output > 0 && output * 3 < in ))
}

@test "--keep last past --memory stops with exit 70" {
	python3 -c 'for i in range(10000): print("{\"k\":%d}" % i)' > "$T/in"
	run --separate-stderr dedupe -k .k --keep last --drop --memory 64K < "$T/in"
	assert_failure 70
	assert_equal "${stderr%%$'\n'*}" "dedupe: key table would pass --memory 65536 bytes at 1728 distinct keys (--keep last cannot spill); raise --memory or split the input with chunk --shards K --key EXPR"
	assert_output ""
}

@test "a bad -k expression is a usage error" {
	run --separate-stderr dedupe -k '.a[' --drop < "$EV"
	assert_failure 64
	[[ "${stderr%%$'\n'*}" == "dedupe: -k .a[: syntax error, "* ]]
}

@test "bad option values are usage errors naming the flag" {
	run --separate-stderr dedupe --keep middle --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --keep: 'middle' is not first or last"
	run --separate-stderr dedupe -k .a --null-key maybe --drop < "$EV"
	assert_failure 64
	run --separate-stderr dedupe --memory lots --drop < "$EV"
	assert_failure 64
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr dedupe --help
	assert_success
	assert_line --index 0 --partial "usage: dedupe"
}

@test "conservation: kept + duplicates + rejects = input, and the kept set is right" {
	python3 - "$T/in" <<'EOF'
import json, random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(5000):
        r = random.random()
        if r < 0.02:
            f.write('{"broken": \n')
        elif r < 0.04:
            f.write(json.dumps({"id": i, "other": 1}) + "\n")
        else:
            f.write(json.dumps({"id": i, "s": "s%d" % random.randrange(300),
                                "e": random.choice(["view", "click"])}) + "\n")
EOF
	run --separate-stderr dedupe -k .s -k .e --dupes "$T/d" -r "$T/r" < "$T/in"
	assert_success
	echo "$output" > "$T/out"
	run python3 - "$T/in" "$T/out" "$T/d" "$T/r" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
out = open(sys.argv[2]).read().splitlines()
dupes = [json.loads(l) for l in open(sys.argv[3])]
rej = [json.loads(l) for l in open(sys.argv[4])]
want, first, wdupes, wrej = [], {}, [], []
for row, l in enumerate(lines, 1):
    try:
        o = json.loads(l)
    except ValueError:
        wrej.append(row); continue
    if o.get("s") is None or o.get("e") is None:
        wrej.append(row); continue
    k = (o["s"], o["e"])
    if k in first:
        wdupes.append((o["id"], first[k]))
    else:
        first[k] = row; want.append(l)
assert out == want, "kept differ"
assert [(d["id"], d["_dupe_of_row"]) for d in dupes] == wdupes, "dupes differ"
assert [r["_error_row"] for r in rej] == wrej, "rejects differ"
assert len(out) + len(dupes) + len(rej) == len(lines)
print(len(lines), len(out), len(dupes), len(rej))
EOF
	assert_success
	assert_output --regexp '^5000 [0-9]+ [0-9]+ [0-9]+$'
}

@test "conservation with --keep last, checked against an independent count" {
	python3 -c '
import random
random.seed(3)
for i in range(3000):
    print("{\"id\":%d,\"k\":%d}" % (i, random.randrange(500)))' > "$T/in"
	run --separate-stderr dedupe -k .k --keep last --dupes "$T/d" < "$T/in"
	assert_success
	echo "$output" > "$T/out"
	run python3 - "$T/in" "$T/out" "$T/d" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
last = {}
for row, l in enumerate(lines, 1):
    last[json.loads(l)["k"]] = row
want = [l for row, l in enumerate(lines, 1) if last[json.loads(l)["k"]] == row]
out = open(sys.argv[2]).read().splitlines()
d = [json.loads(l) for l in open(sys.argv[3])]
assert out == want
assert all(last[x["k"]] == x["_dupe_of_row"] for x in d)
assert len(out) + len(d) == len(lines)
print("ok", len(out))
EOF
	assert_success
	assert_output --regexp '^ok [0-9]+$'
}
