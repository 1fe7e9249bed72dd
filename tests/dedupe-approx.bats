#!/usr/bin/env bats
# dedupe --approx: one pass in fixed memory with a Bloom filter.
load test_helper
bats_require_minimum_version 1.5.0

setup_file() {
	# The false-positive model of dedupe(1), written out independently
	# of the tool: a blocked Bloom filter of 512-bit blocks.
	cat > "$BATS_FILE_TMPDIR/bloom_model.py" <<'EOF'
import math

def fp(nbytes, k, n):
    """False-positive rate after n keys in nbytes with k hashes."""
    if n <= 0:
        return 0.0
    lam = 512.0 * n / ((nbytes // 64) * 512)
    q = (1 - 1 / 512) ** k
    sd = math.sqrt(lam)
    lo = max(0, math.floor(lam - 12 * sd - 10))
    hi = math.ceil(lam + 12 * sd + 20)
    return sum(math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1))
               * (1 - q ** i) ** k for i in range(lo, hi + 1))

def best_k(nbytes, n):
    return min(range(1, 17), key=lambda k: (fp(nbytes, k, n), k))

def expected_false_positives(nbytes, k, n, step=25):
    """Sum over the n new keys of the rate when each arrives."""
    xs = list(range(0, n, step)) + [n - 1]
    return sum((xs[i + 1] - xs[i]) * (fp(nbytes, k, xs[i]) +
               fp(nbytes, k, xs[i + 1])) / 2 for i in range(len(xs) - 1))
EOF
	# ~100k events, ~3% repeated session_id+event_type+time; a third
	# carry created_at instead of occurred_at.
	python3 - "$BATS_FILE_TMPDIR/events.jsonl" <<'EOF'
import json, random, sys
random.seed(11)
seen = []
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        if seen and random.random() < 0.03:
            s, e, t, field = random.choice(seen)
        else:
            s = "sess-%d" % random.randrange(40000)
            e = random.choice(["view", "click", "tool_call", "error"])
            t = "2024-%02d-%02dT%02d:%02d:%02dZ" % (
                random.randint(1, 12), random.randint(1, 28),
                random.randrange(24), random.randrange(60),
                random.randrange(60))
            field = random.choice(["occurred_at", "occurred_at", "created_at"])
            seen.append((s, e, t, field))
        f.write(json.dumps({"id": i, "event_type": e, field: t,
                            "session_id": s, "properties": {"n": i % 7}},
                           separators=(",", ":")) + "\n")
EOF
}

setup() {
	EV="$FIX/dedupe-events.jsonl"
	T="$BATS_TEST_TMPDIR"
	BIG="$BATS_FILE_TMPDIR/events.jsonl"
	MODEL="$BATS_FILE_TMPDIR"
	KEYS=(-k .session_id -k .event_type -k '.occurred_at // .created_at')
}

@test "--approx with ample memory keeps byte for byte what exact dedupe keeps" {
	run --separate-stderr dedupe "${KEYS[@]}" --dupes "$T/d1" < "$BIG"
	assert_success
	echo "$output" > "$T/exact"
	run --separate-stderr dedupe --approx --expect 100000 --memory 16M \
	    "${KEYS[@]}" --dupes "$T/d2" < "$BIG"
	assert_success
	echo "$output" > "$T/approx"
	cmp "$T/exact" "$T/approx"
	# The same duplicates, in the same order, with _dupe_of_row null.
	run python3 - "$T/d1" "$T/d2" <<'EOF'
import json, sys
d1 = [json.loads(l) for l in open(sys.argv[1])]
d2 = [json.loads(l) for l in open(sys.argv[2])]
assert all(d["_dupe_of_row"] is None for d in d2)
assert [d["id"] for d in d1] == [d["id"] for d in d2]
print(len(d1))
EOF
	assert_success
	# About 3% of 100000 are repeats.
	(( output > 2500 && output < 3500 ))
}

@test "every real duplicate is caught even by a filter far too small" {
	run --separate-stderr dedupe --approx --expect 100000 --memory 16K \
	    "${KEYS[@]}" --dupes "$T/d" < "$BIG"
	assert_success
	echo "$output" > "$T/out"
	run python3 - "$BIG" "$T/out" "$T/d" <<'EOF'
import json, sys
def key(o):
    t = o.get("occurred_at")
    return (o["session_id"], o["event_type"],
            t if t is not None else o.get("created_at"))
real, first = set(), set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if key(o) in first:
        real.add(o["id"])
    first.add(key(o))
kept = [json.loads(l) for l in open(sys.argv[2])]
dupes = {json.loads(l)["id"] for l in open(sys.argv[3])}
assert real <= dupes, "a real duplicate was kept"
assert len({key(o) for o in kept}) == len(kept), "a key kept twice"
assert len(kept) + len(dupes) == 100000
print(len(real), len(dupes - real))
EOF
	assert_success
	read -r nreal nfalse <<< "$output"
	# A 16K filter for 100000 keys is mostly ones: many false positives.
	(( nfalse > 1000 ))
}

@test "a tiny filter's false positives match the documented model within 3 sigma" {
	python3 -c '
for i in range(100000): print("{\"id\":%d,\"u\":\"%x\"}" % (i, i * 2654435761 % 2**32))' > "$T/in"
	run --separate-stderr dedupe --approx --expect 100000 --memory 50K \
	    --drop --stats "$T/s.json" < "$T/in"
	assert_success
	run python3 - "$MODEL" "$T/s.json" <<'EOF'
import json, math, sys
sys.path.insert(0, sys.argv[1])
from bloom_model import fp, best_k, expected_false_positives
s = json.load(open(sys.argv[2]))
n, nbytes = 100000, 50 * 1024
assert s["filter_bytes"] == nbytes, s
assert s["filter_hashes"] == best_k(nbytes, n) == 3, s
# Every record is new: every duplicate is a false positive.
e = expected_false_positives(nbytes, 3, n)
got = s["diverted"]["duplicates"]
assert abs(got - e) <= 3 * math.sqrt(e), (got, e)
# The rate at the end, estimated from the fill, is the model's at n:
# a false positive sets no new bit, so the filter holds all n keys.
end = fp(nbytes, 3, n)
assert abs(s["estimated_fp_rate"] - end) <= 0.05 * end, (s, end)
print("ok %d %.0f" % (got, e))
EOF
	assert_success
	assert_output --regexp '^ok [0-9]+ [0-9]+$'
}

@test "--fp-rate sizes the filter: the fewest bytes whose model rate is at most P at N keys" {
	run --separate-stderr dedupe --approx --expect 20000 --fp-rate 1% \
	    --drop --stats "$T/s.json" < /dev/null
	assert_success
	run python3 - "$MODEL" "$T/s.json" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
from bloom_model import fp, best_k
s = json.load(open(sys.argv[2]))
n, b = 20000, s["filter_bytes"]
ok = lambda nb: fp(nb, best_k(nb, n), n) <= 0.01
assert b % 64 == 0 and ok(b) and not ok(b - 64), b
assert s["filter_hashes"] == best_k(b, n)
print(b * 8 / n)
EOF
	assert_success
	# About 10 bits per key, a little more than a classic Bloom filter.
	[[ "$output" =~ ^(9|10|11)\. ]]
}

@test "the default --fp-rate is 0.1%" {
	run dedupe -q --approx --expect 20000 --drop --stats "$T/a" < /dev/null
	assert_success
	run dedupe -q --approx --expect 20000 --fp-rate 0.1% --drop \
	    --stats "$T/b" < /dev/null
	assert_success
	run python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
print(a["filter_bytes"] == b["filter_bytes"], a["filter_hashes"] == b["filter_hashes"])' "$T/a" "$T/b"
	assert_output "True True"
}

@test "conservation: kept + dupes + rejects = input as a multiset, byte for byte" {
	python3 - "$T/in" <<'EOF'
import json, random, sys
random.seed(17)
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        r = random.random()
        if r < 0.01:
            f.write('{"s": broken %d\n' % i)
        elif r < 0.02:
            f.write('{"id":%d,"s":null}\n' % i)
        elif r < 0.03:
            f.write('[%d, "array"]\n' % i)
        else:
            f.write('{"id": %d, "s": "k%d", "t": "caf\\u00e9"}\n'
                    % (i, random.randrange(15000)))
EOF
	run --separate-stderr dedupe --approx --expect 15000 --memory 4K -k .s \
	    --dupes "$T/d" -r "$T/r" --stats "$T/s.json" < "$T/in"
	assert_success
	echo "$output" > "$T/out"
	run python3 - "$T/in" "$T/out" "$T/d" "$T/r" "$T/s.json" <<'EOF'
import json, sys
inp = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
out = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
back = list(out)
for l in open(sys.argv[3], "rb").read().split(b"\n")[:-1]:
    tail = b',"_dupe_of_row":null}'
    assert l.endswith(tail), l
    back.append(l[:-len(tail)] + b"}")
for l in open(sys.argv[4], "rb").read().split(b"\n")[:-1]:
    o = json.loads(l)
    if l.startswith(b'{"_error_row":'):
        back.append(o["_raw"].encode())
    else:
        back.append(l[:l.rindex(b',"_error_row":')] + b"}")
assert sorted(back) == sorted(inp), "not the same multiset"
s = json.load(open(sys.argv[5]))
assert s["processed"] == len(inp) == s["passed"] + s["diverted"]["duplicates"] + s["rejected"]
print(s["passed"], s["diverted"]["duplicates"], s["rejected"])
EOF
	assert_success
	assert_output --regexp '^[0-9]+ [0-9]+ [0-9]+$'
}

@test "without -k the whole line is the key; a non-object duplicate is wrapped with _raw" {
	printf '%s\n' '[1,2]' '"x"' '[1,2]' '{"a":1}' '"x"' '{"a":1}' '[1, 2]' > "$T/in"
	run --separate-stderr dedupe --approx --expect 100 --dupes "$T/d" < "$T/in"
	assert_success
	assert_output - <<'EOF'
[1,2]
"x"
{"a":1}
[1, 2]
EOF
	run cat "$T/d"
	assert_output - <<'EOF'
{"_dupe_of_row":null,"_raw":"[1,2]"}
{"_dupe_of_row":null,"_raw":"\"x\""}
{"a":1,"_dupe_of_row":null}
EOF
}

@test "a duplicate under --approx carries _dupe_of_row null" {
	run --separate-stderr dedupe --approx --expect 10 -k .session_id \
	    -k .event_type --dupes "$T/d" < "$EV"
	assert_success
	assert_output - <<'EOF'
{"id":1,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z"}
{"id":3,"session_id":"s2","event_type":"view","created_at":"2024-01-01T00:00:00Z"}
{"id":4,"session_id":"s1","event_type":"click","occurred_at":"2024-01-01T00:00:00Z"}
EOF
	run cat "$T/d"
	assert_output - <<'EOF'
{"id":2,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":null}
{"id":5,"session_id":"s2","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":null}
{"id":6,"session_id":"s1","event_type":"view","occurred_at":"2024-01-01T00:00:00Z","_dupe_of_row":null}
EOF
}

@test "--seen keys go into the filter: their records are duplicates" {
	printf '%s\n' '{"s":"s1","n":1}' '{"s":"s2","n":2}' '{"s":"s3","n":3}' \
	    '{"s":"s2","n":4}' > "$T/in"
	run --separate-stderr dedupe --approx --expect 10 -k .s \
	    --seen "$FIX/dedupe-seen.txt" --dupes "$T/d" --stats "$T/s.json" < "$T/in"
	assert_success
	assert_output '{"s":"s2","n":2}'
	run cat "$T/d"
	assert_output - <<'EOF'
{"s":"s1","n":1,"_dupe_of_row":null}
{"s":"s3","n":3,"_dupe_of_row":null}
{"s":"s2","n":4,"_dupe_of_row":null}
EOF
	run python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["seen_keys"], s["distinct_keys"])' "$T/s.json"
	assert_output "3 1"
}

@test "--null-key keep passes null keys without touching the filter" {
	printf '%s\n' '{"s":null}' '{"n":1}' '{"s":null}' '{"s":"a"}' '{"s":"a"}' > "$T/in"
	run --separate-stderr dedupe --approx --expect 10 -k .s --null-key keep \
	    --drop < "$T/in"
	assert_success
	assert_output - <<'EOF'
{"s":null}
{"n":1}
{"s":null}
{"s":"a"}
EOF
}

@test "the summary reports the filter's memory, hashes, fill and estimated false-positive rate" {
	run --separate-stderr dedupe --approx --expect 10 --memory 1K \
	    -k .session_id --drop < "$EV"
	assert_success
	[[ "$stderr" =~ ^"dedupe: 6 lines, 2 kept, 0 rejected, 4 duplicates, 2 distinct keys, 1024 filter bytes, "[0-9]+" filter hashes, "[0-9.e-]+" filter fill, "[0-9.e-]+" estimated fp rate, "[0-9.]+" s, " ]]
	[[ "$stderr" != *"peak table"* ]]
}

@test "--stats has the filter's fields, with its fill and estimated rate as numbers" {
	run dedupe -q --approx --expect 10 --memory 1K -k .session_id \
	    --drop --stats "$T/s.json" < "$EV"
	assert_success
	run python3 - "$MODEL" "$T/s.json" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
from bloom_model import best_k
s = json.load(open(sys.argv[2]))
k = s["filter_hashes"]
assert k == best_k(1024, 10), k
# Two keys set at most 2k of the 8192 bits, at least one.
assert 1 / 8192 <= s["filter_fill"] <= 2 * k / 8192, s
# The rate is the mean over the 16 blocks of (bits set / 512)^k.
assert 0 < s["estimated_fp_rate"] <= (2 * k / 512) ** k / 16 * 1.0001, s
assert "peak_table_bytes" not in s
print(s["processed"], s["passed"], s["diverted"]["duplicates"], s["distinct_keys"], s["filter_bytes"])
EOF
	assert_success
	assert_output "6 2 4 2 1024"
}

@test "more distinct keys than --expect: a warning with the estimated rate, and exit 0" {
	python3 -c 'for i in range(2000): print("{\"k\":%d}" % i)' > "$T/in"
	run --separate-stderr dedupe --approx --expect 100 -k .k --drop < "$T/in"
	assert_success
	[[ "$stderr" =~ ^"dedupe: "[0-9]+" distinct keys, more than --expect 100: the estimated false-positive rate is now "[0-9.e+-]+"%"$'\n' ]]
	run --separate-stderr dedupe -q --approx --expect 100 -k .k --drop < "$T/in"
	assert_success
	assert_equal "$stderr" ""
}

@test "--approx with --keep last is a usage error naming the conflict" {
	run --separate-stderr dedupe --approx --expect 10 --keep last --drop < "$EV"
	assert_failure 64
	assert_output ""
	assert_equal "$stderr" "dedupe: --approx and --keep last exclude each other: a filter cannot tell which record of a key is the last
Try 'dedupe --help' for more information."
}

@test "--approx with --tmpdir is a usage error: the filter never spills" {
	run --separate-stderr dedupe --approx --expect 10 --tmpdir "$T" --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --approx and --tmpdir exclude each other: the filter never spills"
}

@test "--approx without --expect is a usage error" {
	run --separate-stderr dedupe --approx --memory 1M --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --approx needs --expect N, the number of distinct keys expected"
}

@test "--memory and --fp-rate together are a usage error" {
	run --separate-stderr dedupe --approx --expect 10 --memory 1M --fp-rate 1% --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --memory and --fp-rate exclude each other: both size the --approx filter"
}

@test "--expect and --fp-rate without --approx are usage errors" {
	run --separate-stderr dedupe --expect 10 --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --expect needs --approx"
	run --separate-stderr dedupe --fp-rate 1% --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --fp-rate needs --approx"
}

@test "bad --expect, --fp-rate and --memory values are usage errors naming the flag" {
	run --separate-stderr dedupe --approx --expect 0 --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --expect: '0' is too small (minimum 1)"
	run --separate-stderr dedupe --approx --expect many --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --expect: 'many' is not a number"
	run --separate-stderr dedupe --approx --expect 10 --fp-rate 0 --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --fp-rate: '0' must be more than 0% and less than 100%"
	run --separate-stderr dedupe --approx --expect 10 --fp-rate 2x --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --fp-rate: '2x' is not a percentage (0-100)"
	run --separate-stderr dedupe --approx --expect 10 --memory 32 --drop < "$EV"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "dedupe: --memory: --approx needs at least 64 bytes"
}

@test "--help describes --approx" {
	run --separate-stderr dedupe --help
	assert_success
	assert_line --partial "dedupe --approx --expect N"
	assert_line --partial "--fp-rate P%"
}

@test "a filter larger than the machine's memory is a usage error, not an out-of-memory crash" {
	run --separate-stderr dedupe --approx --expect 1000000000000 --fp-rate 0.0001% --drop < /dev/null
	assert_failure 64
	[[ "${stderr_lines[0]}" == "dedupe: --approx: the filter would need "*" GB, more than this machine has (a larger --fp-rate or a smaller --expect)" ]]
	run --separate-stderr dedupe --approx --expect 10 --memory 100T --drop < /dev/null
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "dedupe: --memory: 109951.2 GB is more than this machine has"
}
