#!/usr/bin/env bats
# chunk: record-aware splitting into temp-named, renamed chunk files.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR" || exit 1
}

# n records {"i":1}..{"i":n}, LF-terminated.
records() {
	seq 1 "$1" | sed 's/.*/{"i":&}/'
}

# The names of temp files chunk may have left in a directory.
temps() {
	find "${1:-.}" -name '.*.*' -type f | sort
}

# --- -l, --bytes, -n -------------------------------------------------------

@test "-l puts N records in each chunk and prints each path in order" {
	records 25 > in.jsonl
	run --separate-stderr chunk -l 10 -o out in.jsonl
	assert_success
	assert_output "out/part-00001.jsonl
out/part-00002.jsonl
out/part-00003.jsonl"
	[ "$(wc -l < out/part-00001.jsonl)" -eq 10 ]
	[ "$(wc -l < out/part-00002.jsonl)" -eq 10 ]
	[ "$(wc -l < out/part-00003.jsonl)" -eq 5 ]
	[ "$(head -n 1 out/part-00003.jsonl)" = '{"i":21}' ]
}

@test "concatenating -l chunks gives back the input byte-exact" {
	python3 - > in.jsonl <<'EOF'
import json
for i in range(1, 1001):
    print(json.dumps({"id": 2**63 - i, "x": 1.000000000000000000001,
                      "s": "caf\u00e9 \u2603 " * (i % 7), "e": "\\n\""},
                     ensure_ascii=i % 2 == 0))
EOF
	run chunk -q -l 97 -o out in.jsonl
	assert_success
	[ "${#lines[@]}" -eq 11 ]
	cat out/part-*.jsonl | cmp - in.jsonl
}

@test "the summary counts records, chunks and bytes" {
	records 25 > in.jsonl
	run --separate-stderr chunk -l 10 -o out in.jsonl
	assert_success
	[[ "$stderr" == "chunk: 25 records, 25 written, 0 rejected, 3 chunks, 216 bytes, "* ]]
}

@test "--stats writes records, chunks and bytes as JSON" {
	records 25 > in.jsonl
	run chunk -q -n 2 -o out --stats st.json in.jsonl
	assert_success
	run jq -c '[.unit, .processed, .passed, .rejected, .chunks, .bytes, .blank]' st.json
	assert_output '["records",25,25,0,2,216,0]'
}

@test "--bytes keeps every chunk within SIZE bytes, cut at record boundaries" {
	python3 -c '
import random
random.seed(7)
for i in range(500):
    print("{\"i\":%d,\"pad\":\"%s\"}" % (i, "x" * random.randint(0, 300)))
' > in.jsonl
	run chunk -q --bytes 4K -o out in.jsonl
	assert_success
	cat out/part-*.jsonl | cmp - in.jsonl
	for f in out/part-*.jsonl; do
		[ "$(wc -c < "$f")" -le 4096 ]
		[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ]
	done
	# Each chunk but the last could not take the next record.
	python3 - out/part-*.jsonl <<'EOF'
import sys
files = sys.argv[1:]
for a, b in zip(files, files[1:]):
    size = len(open(a, "rb").read())
    first = open(b, "rb").readline()
    assert size + len(first) > 4096, (a, size, len(first))
EOF
}

@test "--bytes puts a record larger than SIZE alone in its own chunk" {
	{ echo '{"a":1}'; printf '{"big":"%0200d"}\n' 0; echo '{"c":3}'; } > in.jsonl
	run --separate-stderr chunk --bytes 100 -o out in.jsonl
	assert_success
	assert_output "out/part-00001.jsonl
out/part-00002.jsonl
out/part-00003.jsonl"
	[ "$(cat out/part-00001.jsonl)" = '{"a":1}' ]
	[ "$(wc -c < out/part-00002.jsonl)" -eq 211 ]
	[ "$(cat out/part-00003.jsonl)" = '{"c":3}' ]
}

@test "-l and --bytes together cut at whichever limit comes first" {
	records 30 > in.jsonl
	# 10 records of 8 bytes fit in 100 bytes; records 10.. are 9 bytes.
	# Records 1-9 take 8 bytes, 10-30 take 9: -l cuts the first chunk at
	# 7 records (56 bytes), --bytes the next ones at 6 (54 of 60 bytes).
	run --separate-stderr chunk -l 7 --bytes 60 -o out in.jsonl
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	run bash -c 'wc -l out/part-* | head -n 5 | awk "{ print \$1 }" | tr "\n" " "'
	assert_output "7 6 6 6 5 "
	cat out/part-*.jsonl | cmp - in.jsonl
}

@test "-n deals records round-robin over K chunks" {
	records 10 > in.jsonl
	run --separate-stderr chunk -n 3 -o out in.jsonl
	assert_success
	assert_output "out/part-00001.jsonl
out/part-00002.jsonl
out/part-00003.jsonl"
	[ "$(cat out/part-00001.jsonl)" = "$(awk 'NR % 3 == 1' in.jsonl)" ]
	[ "$(cat out/part-00002.jsonl)" = "$(awk 'NR % 3 == 2' in.jsonl)" ]
	[ "$(cat out/part-00003.jsonl)" = "$(awk 'NR % 3 == 0' in.jsonl)" ]
}

@test "re-interleaving -n chunks gives back the input byte-exact" {
	python3 -c '
for i in range(1, 1235):
    print("{\"i\":%d,\"s\":\"%s\"}" % (i, "\u00e9" * (i % 13)))
' > in.jsonl
	run chunk -q -n 7 -o out in.jsonl
	assert_success
	python3 - out/part-*.jsonl > back.jsonl <<'EOF'
import sys
chunks = [open(f, "rb").readlines() for f in sys.argv[1:]]
for row in range(max(map(len, chunks))):
    for c in chunks:
        if row < len(c):
            sys.stdout.buffer.write(c[row])
EOF
	cmp back.jsonl in.jsonl
}

@test "-n with fewer records than K creates only the chunks that get records" {
	records 2 > in.jsonl
	run --separate-stderr chunk -n 5 -o out in.jsonl
	assert_success
	assert_output "out/part-00001.jsonl
out/part-00002.jsonl"
	[ "$(ls out | wc -l)" -eq 2 ]
}

@test "CRLF records keep their CRLF in the chunks" {
	printf '{"a":1}\r\n{"a":2}\r\n{"a":3}\r\n' > in.jsonl
	run chunk -l 2 -o out in.jsonl
	assert_success
	[ "$(od -An -c out/part-00001.jsonl | tr -d ' \n')" = '{"a":1}\r\n{"a":2}\r\n' ]
	cat out/part-*.jsonl | cmp - in.jsonl
}

@test "blank lines are skipped and counted, not written" {
	printf '{"a":1}\n\n  \n{"a":2}\r\n\r\n{"a":3}\n' > in.jsonl
	run --separate-stderr chunk -l 10 -o out in.jsonl
	assert_success
	[ "$(od -An -c out/part-00001.jsonl | tr -d ' \n')" = '{"a":1}\n{"a":2}\r\n{"a":3}\n' ]
	[[ "$stderr" == "chunk: 3 records, 3 written, 0 rejected, 1 chunks, 25 bytes, 3 blank, "* ]]
}

@test "a last line without a newline gets one" {
	printf '{"a":1}\n{"a":2}' > in.jsonl
	run chunk -n 2 -o out in.jsonl
	assert_success
	[ "$(od -An -c out/part-00002.jsonl | tr -d ' \n')" = '{"a":2}\n' ]
}

@test "-l, --bytes and -n copy lines without parsing them" {
	printf 'not json\n{"a":\n[1,2]\n' > in.jsonl
	run chunk -l 2 -o out in.jsonl
	assert_success
	cat out/part-*.jsonl | cmp - in.jsonl
}

@test "--prefix, --suffix and --digits shape the names" {
	records 3 > in.jsonl
	run --separate-stderr chunk -l 2 --prefix ev_ --suffix .ndjson --digits 3 -o out in.jsonl
	assert_success
	assert_output "out/ev_001.ndjson
out/ev_002.ndjson"
}

@test "names stay sortable up to the widest chunk number of -n" {
	records 3 > in.jsonl
	run --separate-stderr chunk -n 123456 --digits 2 -o out in.jsonl
	assert_success
	assert_line -n 0 "out/part-000001.jsonl"
}

@test "past --digits the numbers grow and a warning says names no longer sort" {
	records 12 > in.jsonl
	run --separate-stderr chunk -l 1 --digits 1 -o out in.jsonl
	assert_success
	assert_line --index 8 "out/part-9.jsonl"
	assert_line --index 9 "out/part-10.jsonl"
	assert_line --index 11 "out/part-12.jsonl"
	[ "$(grep -c 'more chunks than --digits 1 allows' <<< "$stderr")" -eq 1 ]
}

@test "a line longer than --max-line is a reject, the others are split" {
	{ echo '{"a":1}'; printf '{"long":"%0100d"}\n' 0; echo '{"a":3}'; } > in.jsonl
	run --separate-stderr chunk -l 5 --max-line 50 -r rej.jsonl -o out in.jsonl
	assert_success
	[ "$(cat out/part-00001.jsonl)" = '{"a":1}
{"a":3}' ]
	run jq -r '._error_row' rej.jsonl
	assert_output 2
}

@test "-o creates missing directories and a trailing slash changes nothing" {
	records 3 > in.jsonl
	run --separate-stderr chunk -l 5 -o a/b/c/ in.jsonl
	assert_success
	assert_output "a/b/c/part-00001.jsonl"
	cmp a/b/c/part-00001.jsonl in.jsonl
}

@test "without -o chunks go to the current directory" {
	records 3 > in.jsonl
	run --separate-stderr chunk -l 2 < in.jsonl
	assert_success
	assert_output "part-00001.jsonl
part-00002.jsonl"
}

@test "chunk files are created 0666 less the umask" {
	records 3 > in.jsonl
	umask 027
	run chunk -l 5 -o out in.jsonl
	assert_success
	[ "$(stat -c %a out/part-00001.jsonl)" = 640 ]
}

@test "-0 ends each path with NUL for xargs -0 and parallel -0" {
	records 3 > in.jsonl
	[ "$(chunk -q -l 2 -0 -o out in.jsonl | od -An -c | tr -d ' \n')" = 'out/part-00001.jsonl\0out/part-00002.jsonl\0' ]
}

@test "the printed paths feed GNU parallel" {
	records 100 > in.jsonl
	run bash -c "chunk -q -l 30 -o out in.jsonl | parallel -j 2 'wc -l < {}' 2>/dev/null | sort -n | tr '\n' ' '"
	assert_success
	assert_output "10 30 30 30 "
}

@test "an empty input makes no chunk" {
	: > in.jsonl
	run --separate-stderr chunk -l 5 -o out in.jsonl
	assert_success
	assert_output ""
	[ -z "$(ls -A out)" ]
}

@test "a file where the output directory should be is exit 73" {
	records 3 > in.jsonl
	: > out
	run --separate-stderr chunk -l 5 -o out in.jsonl
	assert_failure 73
	assert_equal "$stderr" "chunk: --output-dir out: Not a directory"
}

@test "an unwritable output directory is exit 73 naming the chunk" {
	as_user_reach
	records 3 > in.jsonl
	mkdir out && chmod 555 out
	run --separate-stderr as_user chunk -l 5 -o out in.jsonl
	assert_failure 73
	[[ "$stderr" == "chunk: out/part-00001.jsonl: cannot create: Permission denied"* ]]
}

# --- usage ------------------------------------------------------------

@test "no split mode is a usage error" {
	run --separate-stderr chunk -o out
	assert_failure 64
	assert_equal "$stderr" "chunk: say how to split: -l, --bytes, -n, --by, --period or --shards
Try 'chunk --help' for more information."
}

@test "two split modes are a usage error" {
	run --separate-stderr chunk -l 5 -n 2
	assert_failure 64
	[[ "$stderr" == "chunk: choose one of -l/--bytes, -n, --by, --period and --shards"* ]]
}

@test "bad numbers and sizes are usage errors naming the flag" {
	run --separate-stderr chunk -l 0
	assert_failure 64
	[[ "$stderr" == "chunk: -l: '0' is too small (minimum 1)"* ]]
	run --separate-stderr chunk --bytes 10Q
	assert_failure 64
	[[ "$stderr" == "chunk: --bytes: '10Q' is not a size"* ]]
	run --separate-stderr chunk -n x
	assert_failure 64
	[[ "$stderr" == "chunk: -n: 'x' is not a number"* ]]
}

@test "a '/' in --prefix or --suffix is a usage error" {
	run --separate-stderr chunk -l 5 --prefix ../x
	assert_failure 64
	[[ "$stderr" == "chunk: --prefix and --suffix cannot hold '/'"* ]]
}

@test "--help prints usage on stdout and exits 0" {
	run chunk --help
	assert_success
	assert_line --index 0 --partial "usage: chunk -l N"
}

# --- --exec -----------------------------------------------------------

@test "--exec runs the command for each chunk with {} replaced" {
	records 25 > in.jsonl
	run --separate-stderr chunk -l 10 -o out --exec 'cp {} {}.seen' in.jsonl
	assert_success
	assert_output ""
	cmp out/part-00001.jsonl out/part-00001.jsonl.seen
	cmp out/part-00002.jsonl out/part-00002.jsonl.seen
	cmp out/part-00003.jsonl out/part-00003.jsonl.seen
	[[ "$stderr" == "chunk: 25 records, 25 written, 0 rejected, 3 chunks, 216 bytes, 3 commands run, 0 commands failed, "* ]]
}

@test "--exec without {} appends the path as the last word" {
	records 3 > in.jsonl
	run --separate-stderr chunk -l 2 -o out -j 1 --exec 'grep -c i' in.jsonl
	assert_success
	assert_output "2
1"
}

@test "--exec splits words with quotes, not with a shell" {
	records 4 > in.jsonl
	run chunk -q -l 2 -o out -j 1 --exec "sh -c 'echo \"\$0: \$(wc -l < \"\$0\") lines; a  b\"' {}" in.jsonl
	assert_success
	assert_output "out/part-00001.jsonl: 2 lines; a  b
out/part-00002.jsonl: 2 lines; a  b"
	run chunk -q -l 2 -o out -j 1 --exec 'echo $HOME;x' in.jsonl
	assert_success
	assert_line --index 0 '$HOME;x out/part-00001.jsonl'
}

@test "--exec reports each failing chunk with its status and exits 1" {
	records 30 > in.jsonl
	run --separate-stderr chunk -l 10 -o out -j 2 \
	    --exec "sh -c 'case \$1 in *2.jsonl) exit 3;; *3.jsonl) kill -9 \$\$;; esac' _ {}" in.jsonl
	assert_failure 1
	[[ "$stderr" == *"chunk: out/part-00002.jsonl: --exec: exited with status 3"* ]]
	[[ "$stderr" == *"chunk: out/part-00003.jsonl: --exec: killed by signal 9 (Killed)"* ]]
	[[ "$stderr" == *", 3 chunks, 261 bytes, 3 commands run, 2 commands failed, "* ]]
	[ "$(ls out | wc -l)" -eq 3 ]
	[ -z "$(temps out)" ]
}

@test "--exec -j N runs N commands at once" {
	records 4 > in.jsonl
	# Each command waits until both have started: only concurrency ends it.
	run timeout 10 chunk -q -l 2 -o out -j 2 --exec \
	    "sh -c 'touch \$1.started; while [ \$(ls out/*.started | wc -l) -lt 2 ]; do sleep 0.05; done' _ {}" in.jsonl
	assert_success
}

@test "a command that cannot be run is exit 69 and no temp file stays" {
	records 25 > in.jsonl
	run --separate-stderr chunk -l 10 -o out --exec 'no-such-command-xyz {}' in.jsonl
	assert_failure 69
	[[ "$stderr" == "chunk: --exec: cannot run no-such-command-xyz: No such file or directory"* ]]
	[ -z "$(temps out)" ]
}

@test "--exec commands read /dev/null, not chunk's input" {
	records 3 > in.jsonl
	run bash -c "chunk -q -l 5 -o out -j 1 --exec 'sh -c \"wc -c\"' < in.jsonl"
	assert_success
	assert_output "0"
}

@test "an unterminated quote in --exec is a usage error" {
	run --separate-stderr chunk -l 5 --exec "sh -c 'x"
	assert_failure 64
	[[ "$stderr" == "chunk: --exec: unterminated quote"* ]]
}

@test "-j without --exec is a usage error" {
	run --separate-stderr chunk -l 5 -j 2
	assert_failure 64
	[[ "$stderr" == "chunk: -j needs --exec"* ]]
}

# --- signals and temp files --------------------------------------------

@test "SIGTERM keeps completed chunks, removes the one in progress, exits 143" {
	python3 -c '
for i in range(5500):
    print("{\"i\":%d,\"pad\":\"%s\"}" % (i, "x" * 200))
' > in.jsonl
	mkfifo fifo
	chunk -l 2000 -o out < fifo > paths 2> err &
	pid=$!
	# Two full chunks and, of the third, more than its 256K buffer.
	exec 7> fifo
	cat in.jsonl >&7
	for _ in $(seq 100); do
		[ -n "$(temps out)" ] && break
		sleep 0.1
	done
	[ -n "$(temps out)" ]
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	exec 7>&-
	[ "$status" -eq 143 ]
	[ -z "$(temps out)" ]
	assert_equal "$(cat paths)" "out/part-00001.jsonl
out/part-00002.jsonl"
	[ "$(ls out | wc -l)" -eq 2 ]
	grep -q "^chunk: interrupted by SIGTERM$" err
}

@test "SIGTERM is passed on to running --exec commands, then chunk exits 143" {
	records 3 > in.jsonl
	chunk -l 1 -o out -j 1 --exec "sh -c 'exec sleep 30' _ {}" in.jsonl > /dev/null 2> err &
	pid=$!
	for _ in $(seq 100); do
		pgrep -P "$pid" sleep > /dev/null && break
		sleep 0.1
	done
	kill -TERM "$pid"
	status=0
	SECONDS=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	[ "$SECONDS" -lt 10 ]
	grep -q "^chunk: out/part-00001.jsonl: --exec: killed by signal 15 (Terminated)$" err
	grep -q "^chunk: interrupted by SIGTERM$" err
	[ -z "$(temps out)" ]
}

@test "a closed list reader (| head -1) does not stop chunk: every chunk is written, exit 0" {
	records 5000 > in.jsonl
	run bash -c 'chunk -q -l 500 -o dir < in.jsonl | head -n 1; echo "rc=${PIPESTATUS[0]}"'
	assert_output "dir/part-00001.jsonl
rc=0"
	[ "$(ls dir | wc -l)" -eq 10 ]
	cat dir/part-* > back.jsonl
	run cmp in.jsonl back.jsonl
	assert_success
	[ -z "$(temps dir)" ]
}

@test "a closed list reader does not stop --by --period either" {
	python3 -c 'import json
for i in range(3000):
    print(json.dumps({"i": i, "t": "2024-%02d-%02dT00:00:00Z" % (i % 12 + 1, i % 28 + 1)}))' > in.jsonl
	run bash -c 'chunk -q --time .t --period month -o dir < in.jsonl | head -n 1; echo "rc=${PIPESTATUS[0]}"'
	assert_line --index 1 "rc=0"
	[ "$(ls dir | wc -l)" -eq 12 ]
	run bash -c 'cat dir/* | sort | cmp - <(sort in.jsonl)'
	assert_success
	[ -z "$(temps dir)" ]
}

@test "no temp file stays after a successful run" {
	python3 -c '
for i in range(20000):
    print("{\"i\":%d,\"pad\":\"%s\"}" % (i, "x" * 100))
' > in.jsonl
	run chunk -q -l 3000 -o out in.jsonl
	assert_success
	[ -z "$(temps out)" ]
	[ "$(ls -A out | wc -l)" -eq 7 ]
}

# --- --by --period ----------------------------------------------------

# ids of the records in a chunk, on one line.
ids() {
	jq -r .id "$1" | tr '\n' ' '
}

@test "--by --period month names chunks by month and lists them in order" {
	run --separate-stderr chunk --time '.occurred_at // .created_at' --period month -o out "$FIX/chunk-events.jsonl"
	assert_success
	assert_output "out/2021-01.jsonl
out/2024-01.jsonl
out/2024-02.jsonl
out/2024-03.jsonl
out/2024-12.jsonl"
	[ "$(ids out/2021-01.jsonl)" = "6 " ]
	[ "$(ids out/2024-01.jsonl)" = "1 7 " ]
	# +02:00 on March 1st at 01:00 is still February in UTC.
	[ "$(ids out/2024-02.jsonl)" = "2 3 4 " ]
	[ "$(ids out/2024-03.jsonl)" = "8 9 10 " ]
	[ "$(ids out/2024-12.jsonl)" = "5 " ]
	[[ "$stderr" == "chunk: 10 records, 10 written, 0 rejected, 5 chunks, 624 bytes, "* ]]
}

@test "--period day names chunks 2024-03-05" {
	run --separate-stderr chunk --time '.occurred_at // .created_at' --period day -o out "$FIX/chunk-events.jsonl"
	assert_success
	assert_output "out/2021-01-03.jsonl
out/2024-01-31.jsonl
out/2024-02-01.jsonl
out/2024-02-29.jsonl
out/2024-03-05.jsonl
out/2024-12-30.jsonl"
	[ "$(ids out/2024-02-29.jsonl)" = "3 4 " ]
	[ "$(ids out/2024-03-05.jsonl)" = "8 9 10 " ]
}

@test "--period hour names chunks 2024-03-05T14" {
	run --separate-stderr chunk --time '.occurred_at // .created_at' --period hour -o out "$FIX/chunk-events.jsonl"
	assert_success
	assert_output "out/2021-01-03T10.jsonl
out/2024-01-31T22.jsonl
out/2024-01-31T23.jsonl
out/2024-02-01T00.jsonl
out/2024-02-29T10.jsonl
out/2024-02-29T23.jsonl
out/2024-03-05T00.jsonl
out/2024-03-05T14.jsonl
out/2024-12-30T08.jsonl"
	[ "$(ids out/2024-03-05T14.jsonl)" = "8 10 " ]
}

@test "--period week names chunks by ISO week and week-year" {
	run --separate-stderr chunk --time '.occurred_at // .created_at' --period week -o out "$FIX/chunk-events.jsonl"
	assert_success
	# 2021-01-03 is in 2020-W53; 2024-12-30 is in 2025-W01.
	assert_output "out/2020-W53.jsonl
out/2024-W05.jsonl
out/2024-W09.jsonl
out/2024-W10.jsonl
out/2025-W01.jsonl"
	[ "$(ids out/2024-W05.jsonl)" = "1 2 7 " ]
}

@test "--period year names chunks 2024" {
	run --separate-stderr chunk --time '.occurred_at // .created_at' --period year --prefix ev- -o out "$FIX/chunk-events.jsonl"
	assert_success
	assert_output "out/ev-2021.jsonl
out/ev-2024.jsonl"
}

@test "--by --period chunks hold the input as a multiset, each record in its day" {
	python3 - > in.jsonl <<'EOF2'
import json, random
random.seed(11)
for i in range(4000):
    t = "2024-%02d-%02dT%02d:%02d:00%s" % (random.randint(1, 12),
        random.randint(1, 28), random.randint(0, 23), random.randint(0, 59),
        random.choice(["Z", "+05:30", "-08:00", ".5Z"]))
    key = "occurred_at" if i % 3 else "created_at"
    print(json.dumps({"id": i, key: t, "v": "\u00e9" * (i % 5)},
                     ensure_ascii=i % 2 == 0))
EOF2
	run chunk -q --time '.occurred_at // .created_at' --period day -o out in.jsonl
	assert_success
	cat out/*.jsonl | sort > got
	sort in.jsonl > want
	cmp got want
	python3 - out/*.jsonl <<'EOF2'
import datetime, json, os, sys
for f in sys.argv[1:]:
    day = os.path.basename(f)[:-len(".jsonl")]
    for line in open(f, encoding="utf-8"):
        o = json.loads(line)
        t = (o.get("occurred_at") or o["created_at"]).replace("Z", "+00:00")
        d = datetime.datetime.fromisoformat(t).astimezone(datetime.timezone.utc)
        assert d.strftime("%Y-%m-%d") == day, (f, line)
EOF2
}

@test "a record without the --time time goes to rejects with its line number" {
	printf '{"id":1,"occurred_at":"2024-05-01T00:00:00Z"}\n{"id":2}\n{"id":3,"occurred_at":"2024-05-02T00:00:00Z"}\n' > in.jsonl
	run --separate-stderr chunk --time .occurred_at --period month -o out -r rej.jsonl in.jsonl
	assert_success
	assert_output "out/2024-05.jsonl"
	[ "$(ids out/2024-05.jsonl)" = "1 3 " ]
	run jq -c . rej.jsonl
	assert_output '{"id":2,"_error_row":2,"_error_message":"--time: value is null or missing","_error_tool":"chunk"}'
}

@test "without --rejects a bad --by time stops with 65 and leaves no chunk" {
	printf '{"id":1,"t":"2024-05-01T00:00:00Z"}\n{"id":2,"t":"yesterday"}\n' > in.jsonl
	run --separate-stderr chunk --time .t --period day -o out in.jsonl
	assert_failure 65
	assert_output ""
	[[ "$stderr" == "chunk: line 2: --time: not a timestamp: "* ]]
	[ -z "$(ls -A out)" ]
}

@test "a --time value that is not a string is not a timestamp" {
	printf '{"t":1714521600}\n' > in.jsonl
	run --separate-stderr chunk --time .t --period day -o out -r rej.jsonl in.jsonl
	assert_success
	run jq -r ._error_message rej.jsonl
	assert_output "--time: expected a timestamp string, got number"
}

@test "a line that is not JSON is a reject in --by mode" {
	printf '{"t":"2024-01-01"}\nnot json\n' > in.jsonl
	run --separate-stderr chunk --time .t --period day -o out -r rej.jsonl in.jsonl
	assert_success
	run jq -c '[._error_row, ._raw, (._error_message | startswith("invalid JSON at column 1: "))]' rej.jsonl
	assert_output '[2,"not json",true]'
}

@test "the error budget applies to --by rejects" {
	printf '{"a":1}\n{"a":2}\n{"t":"2024-01-01"}\n' > in.jsonl
	run --separate-stderr chunk --time .t --period day -o out -r rej.jsonl --max-errors 1 in.jsonl
	assert_failure 65
	[[ "$stderr" == *"error budget exceeded: more than 1 rejected (--max-errors)"* ]]
	[ -z "$(temps out)" ]
	[ -z "$(ls out)" ]
}

@test "CRLF records keep their CRLF with --by" {
	printf '{"t":"2024-01-01"}\r\n{"t":"2024-01-02"}\r\n{"t":"2024-01-01T05:00Z"}\r\n' > in.jsonl
	run chunk -q --time .t --period day -o out in.jsonl
	assert_success
	[ "$(od -An -c out/2024-01-01.jsonl | tr -d ' \n')" = '{"t":"2024-01-01"}\r\n{"t":"2024-01-01T05:00Z"}\r\n' ]
}

@test "--period needs --time (not --by), --tz needs --period, and fortnight is not a period" {
	run --separate-stderr chunk --period day
	assert_failure 64
	[[ "$stderr" == "chunk: --time and --period go together"* ]]
	run --separate-stderr chunk --time .t
	assert_failure 64
	[[ "$stderr" == "chunk: --time and --period go together"* ]]
	run --separate-stderr chunk --by .t --period day
	assert_failure 64
	[[ "$stderr" == "chunk: --period splits by --time EXPR, not --by"* ]]
	run --separate-stderr chunk --time .t --period fortnight
	assert_failure 64
	[[ "$stderr" == "chunk: --period: 'fortnight' is not minute, hour, day, week, month, quarter or year"* ]]
	run --separate-stderr chunk --by .t --tz Europe/Paris
	assert_failure 64
	[[ "$stderr" == "chunk: --tz needs --period"* ]]
	run --separate-stderr chunk --time .t --period day --tz Mars/Olympus
	assert_failure 64
	[[ "$stderr" == "chunk: --tz: unknown time zone 'Mars/Olympus'"* ]]
}

@test "--period minute and quarter name chunks 2024-03-05T14:07 and 2024-Q1" {
	printf '%s\n' '{"t":"2024-03-31T21:59:59Z"}' '{"t":"2024-03-31T22:00:30Z"}' \
	    '{"t":"2024-12-31T23:00:00Z"}' > in.jsonl
	run --separate-stderr chunk --time .t --period minute -o m in.jsonl
	assert_success
	assert_output "m/2024-03-31T21:59.jsonl
m/2024-03-31T22:00.jsonl
m/2024-12-31T23:00.jsonl"
	run --separate-stderr chunk --time .t --period quarter -o q in.jsonl
	assert_success
	assert_output "q/2024-Q1.jsonl
q/2024-Q4.jsonl"
	[ "$(cat q/2024-Q1.jsonl)" = "$(head -n 2 in.jsonl)" ]
}

@test "--tz: quarters, years and weeks of a named zone" {
	# Paris: +02:00 from 2024-03-31 01:00Z, +01:00 again from 2024-10-27 01:00Z
	printf '%s\n' '{"t":"2024-03-31T21:59:59Z"}' '{"t":"2024-03-31T22:00:00Z"}' \
	    '{"t":"2024-12-31T22:59:59Z"}' '{"t":"2024-12-31T23:00:00Z"}' > in.jsonl
	run --separate-stderr chunk --time .t --period quarter --tz Europe/Paris -o q in.jsonl
	assert_success
	assert_output "q/2024-Q1.jsonl
q/2024-Q2.jsonl
q/2024-Q4.jsonl
q/2025-Q1.jsonl"
	run --separate-stderr chunk --time .t --period year --tz Europe/Paris -o y in.jsonl
	assert_success
	assert_output "y/2024.jsonl
y/2025.jsonl"
	[ "$(cat y/2024.jsonl)" = "$(head -n 3 in.jsonl)" ]
	run --separate-stderr chunk --time .t --period year --tz UTC -o u in.jsonl
	assert_success
	assert_output "u/2024.jsonl"
	# Sunday 2024-03-31 23:59:59 in Paris is still ISO week 13; Monday is 14
	run --separate-stderr chunk --time .t --period week --tz Europe/Paris -o w in.jsonl
	assert_success
	assert_output "w/2024-W13.jsonl
w/2024-W14.jsonl
w/2025-W01.jsonl"
	[ "$(cat w/2025-W01.jsonl)" = "$(tail -n 2 in.jsonl)" ]
}

@test "a --time expression that does not compile is a usage error" {
	run --separate-stderr chunk --time '.a |||' --period day
	assert_failure 64
	[[ "$stderr" == "chunk: --time: "* ]]
}

# --- --by (values) ------------------------------------------------------

@test "--by names chunks after the values, made safe for the file system" {
	python3 - > in.jsonl <<'EOF2'
import json
for v in ["../../x", "a/b", "a%2Fb", ".hidden", "sp ace", "ctl\u0001", "\u00e9t\u00e9",
          42, True, {"o": 1}, "../../x"]:
    print(json.dumps({"v": v}, separators=(",", ":")))
EOF2
	mkdir sub
	run --separate-stderr chunk --by .v -o sub/out in.jsonl
	assert_success
	assert_output "sub/out/%2E.%2F..%2Fx.jsonl
sub/out/%2Ehidden.jsonl
sub/out/%7B%22o%22%3A1%7D.jsonl
sub/out/42.jsonl
sub/out/a%252Fb.jsonl
sub/out/a%2Fb.jsonl
sub/out/ctl%01.jsonl
sub/out/sp%20ace.jsonl
sub/out/true.jsonl
sub/out/été.jsonl"
	[ "$(wc -l < 'sub/out/%2E.%2F..%2Fx.jsonl')" -eq 2 ]
	# Nothing outside the output directory.
	[ "$(ls -A sub)" = out ]
	[ ! -e x ] && [ ! -e a ] && [ ! -e .hidden ]
}

@test "a --by value past 160 bytes is cut and ends with its xxh3 hash" {
	cat > xx.c <<'EOF2'
#include <stdio.h>
#include <string.h>
#include <xxhash.h>
int main(int argc, char **argv) {
	printf("%016llx\n", (unsigned long long)XXH3_64bits(argv[1], strlen(argv[1])));
	return argc < 2;
}
EOF2
	cc -o xx xx.c -lxxhash
	v=$(printf 'a%.0s' $(seq 300))
	printf '{"v":"%s"}\n' "$v" > in.jsonl
	run --separate-stderr chunk --by .v -o out in.jsonl
	assert_success
	assert_output "out/$(printf 'a%.0s' $(seq 160))~$(./xx "$v").jsonl"
}

@test "an empty or null --by value is a reject" {
	printf '{"v":""}\n{"v":null}\n{"v":"x"}\n' > in.jsonl
	run --separate-stderr chunk --by .v -o out -r rej.jsonl in.jsonl
	assert_success
	assert_output "out/x.jsonl"
	run jq -r ._error_message rej.jsonl
	assert_output "--by: value is empty
--by: value is null or missing"
}

@test "--by takes any jq expression, not only paths" {
	run --separate-stderr chunk --by '.user | ascii_upcase' -o out "$FIX/chunk-events.jsonl"
	assert_success
	assert_line --index 0 "out/A.jsonl"
	[ "$(ids out/A.jsonl)" = "1 3 7 9 " ]
	[ "$(ids out/éTé.jsonl)" = "10 " ]
}

@test "--max-open 1 with many chunks still writes every record in place" {
	python3 - > in.jsonl <<'EOF2'
for i in range(60):
    print('{"g":"g%d","i":%d,"pad":"%s"}' % (i % 3, i, "x" * 100000))
EOF2
	run chunk -q --by .g --max-open 1 -o out in.jsonl
	assert_success
	for g in 0 1 2; do
		grep "\"g$g\"" in.jsonl | cmp - "out/g$g.jsonl"
	done
	[ -z "$(temps out)" ]
}

@test "a low open-file limit lowers --max-open instead of failing" {
	python3 -c '
for i in range(600):
    print("{\"g\":\"g%d\",\"i\":%d,\"pad\":\"%s\"}" % (i % 60, i, "x" * 30000))
' > in.jsonl
	run bash -c 'ulimit -n 40 && chunk -q --by .g -o out in.jsonl | wc -l'
	assert_success
	assert_output 60
	for g in 0 31 59; do
		grep "\"g$g\"" in.jsonl | cmp - "out/g$g.jsonl"
	done
}

# --- --shards ---------------------------------------------------------

@test "--shards puts each key in chunk xxh3(key) mod K + 1" {
	cat > xx.c <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
int main(int argc, char **argv) {
	unsigned long long k = strtoull(argv[1], NULL, 10);
	for (int i = 2; i < argc; i++)
		printf("%llu\n", (unsigned long long)(XXH3_64bits(argv[i], strlen(argv[i])) % k + 1));
	return 0;
}
EOF2
	cc -std=c11 -o xx xx.c -lxxhash
	printf '%s\n' '{"k":"s-1"}' '{"k":12}' '{"k":"caf\u00e9"}' '{"k":[1,2]}' '{"k":"s-1","n":2}' > in.jsonl
	run chunk -q --shards 7 --key .k -o out in.jsonl
	assert_success
	mapfile -t want < <(./xx 7 s-1 12 café '[1,2]' s-1)
	n=0
	while IFS= read -r line; do
		f=$(printf 'out/part-%05d.jsonl' "${want[$n]}")
		grep -qxF "$line" "$f"
		n=$((n + 1))
	done < in.jsonl
	[ "$(cat out/*.jsonl | wc -l)" -eq 5 ]
}

@test "--shards chunks hold the input as a multiset, each key in one chunk" {
	python3 -c '
import random
random.seed(5)
for i in range(5000):
    print("{\"session_id\":\"s-%d\",\"i\":%d}" % (random.randint(1, 700), i))
' > in.jsonl
	run --separate-stderr chunk --shards 8 -k .session_id -o out in.jsonl
	assert_success
	[ "${#lines[@]}" -eq 8 ]
	cat out/*.jsonl | sort > got
	sort in.jsonl > want
	cmp got want
	# No session id is in two chunks.
	for f in out/*.jsonl; do jq -r .session_id "$f" | sort -u; done | sort | uniq -d > twice
	[ ! -s twice ]
}

@test "a record without its --shards key is a reject" {
	printf '{"k":1}\n{"j":1}\n' > in.jsonl
	run --separate-stderr chunk --shards 2 -k .k -o out in.jsonl
	assert_failure 65
	[[ "$stderr" == "chunk: line 2: --key: value is null or missing"* ]]
	[ -z "$(temps out)" ]
}

@test "--shards and --key go together" {
	run --separate-stderr chunk --shards 4
	assert_failure 64
	[[ "$stderr" == "chunk: --shards and --key go together"* ]]
}

# --- --csv ------------------------------------------------------------

@test "--csv repeats the header; quoted newlines and CRLF stay whole" {
	run --separate-stderr chunk --csv -l 3 -o out "$FIX/chunk-quoted.csv"
	assert_success
	assert_output "out/part-00001.csv
out/part-00002.csv
out/part-00003.csv"
	[[ "$stderr" == "chunk: 7 rows, 7 written, 0 rejected, 3 chunks, "* ]]
	# Each chunk parses (Python's csv) to the header and its slice of rows.
	python3 - "$FIX/chunk-quoted.csv" out/part-*.csv <<'EOF2'
import csv, sys
def rows(f):
    return list(csv.reader(open(f, newline="", encoding="utf-8")))
src = rows(sys.argv[1])
header, body = src[0], src[1:]
got = []
for f in sys.argv[2:]:
    r = rows(f)
    assert r[0] == header, (f, r[0])
    assert 1 <= len(r) - 1 <= 3, f
    got += r[1:]
assert got == body, got
EOF2
	# Byte for byte: the chunks without their header are the input's rows.
	hlen=$(head -n 1 "$FIX/chunk-quoted.csv" | wc -c)
	for f in out/part-*.csv; do
		head -c "$hlen" "$f" | cmp - <(head -c "$hlen" "$FIX/chunk-quoted.csv")
		tail -c +"$((hlen + 1))" "$f"
	done > body
	tail -c +"$((hlen + 1))" "$FIX/chunk-quoted.csv" | cmp - body
}

@test "--csv --no-header splits rows and keeps them byte-exact" {
	run --separate-stderr chunk --csv --no-header -l 2 -o out "$FIX/chunk-quoted.csv"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	cat out/part-*.csv | cmp - "$FIX/chunk-quoted.csv"
	run python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))))' out/part-00002.csv
	assert_output 2
}

@test "--csv --bytes counts the header in the size and cuts between rows" {
	python3 - > in.csv <<'EOF2'
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\r\n")
w.writerow(["id", "text"])
for i in range(300):
    w.writerow([i, "a,b\n\"c\"" * (i % 9)])
EOF2
	run chunk -q --csv --bytes 1K -o out in.csv
	assert_success
	python3 - in.csv out/part-*.csv <<'EOF2'
import csv, os, sys
def rows(f):
    return list(csv.reader(open(f, newline="")))
src = rows(sys.argv[1])
got = []
for f in sys.argv[2:]:
    assert os.path.getsize(f) <= 1024, f
    r = rows(f)
    assert r[0] == src[0]
    got += r[1:]
assert got == src[1:]
EOF2
}

@test "--csv -n deals rows round-robin, each chunk with the header" {
	run --separate-stderr chunk --csv -n 2 -o out "$FIX/chunk-quoted.csv"
	assert_success
	run python3 -c '
import csv, sys
for f in sys.argv[1:]:
    print(" ".join(r[0] for r in csv.reader(open(f, newline="", encoding="utf-8"))))
' out/part-00001.csv out/part-00002.csv
	assert_output "session_id s-001 s-003 s-005 s-007
session_id s-002 s-004 s-006"
}

@test "a malformed CSV row is a reject with its spreadsheet row" {
	printf 'id,v\n1,ok\n2,ba"d\n\n4,"fine"\n5,"open\n' > in.csv
	run --separate-stderr chunk --csv -l 10 -o out -r rej.jsonl in.csv
	assert_success
	[ "$(cat out/part-00001.csv)" = 'id,v
1,ok
4,"fine"' ]
	run jq -c '[._error_row, ._error_message, ._raw]' rej.jsonl
	assert_output '[3,"quote inside an unquoted field","2,ba\"d"]
[6,"quoted field not closed at end of input","5,\"open\n"]'
	run --separate-stderr chunk --csv -l 10 -o out2 in.csv
	assert_failure 65
	[[ "$stderr" == "chunk: row 3: quote inside an unquoted field"* ]]
	[ -z "$(ls -A out2)" ]
}

@test "a last CSV row without a line end gets the file's line end" {
	printf 'h\r\na\r\nb' > in.csv
	run chunk -q --csv -n 2 -o out in.csv
	assert_success
	[ "$(od -An -c out/part-00002.csv | tr -d ' \n')" = 'h\r\nb\r\n' ]
}

@test "--no-header needs --csv, and --csv takes -l, --bytes or -n only" {
	run --separate-stderr chunk -l 5 --no-header
	assert_failure 64
	[[ "$stderr" == "chunk: --no-header needs --csv"* ]]
	run --separate-stderr chunk -b 5 -o out
	assert_failure 64
	run --separate-stderr chunk --csv --shards 2 -k .a
	assert_failure 64
	[[ "$stderr" == "chunk: --csv works with -l, --bytes and -n only"* ]]
}

@test "--csv -d tab splits TSV with its quoted fields whole" {
	printf 'a\tb\n1\t"x\ny"\n2\tz\n' > in.tsv
	run --separate-stderr chunk --csv -d tab -l 1 --suffix .tsv -o out in.tsv
	assert_success
	assert_output "out/part-00001.tsv
out/part-00002.tsv"
	[ "$(cat out/part-00001.tsv)" = "$(printf 'a\tb\n1\t"x\ny"')" ]
	run --separate-stderr chunk -l 1 -d tab
	assert_failure 64
	[[ "$stderr" == "chunk: --delimiter needs --csv"* ]]
}

# --- the seed pipelines, against PostgreSQL ------------------------------

@test "the CSV seed: 10K-row chunks with the header, loaded 4 at a time" {
	need_pg
	python3 - > in.csv <<'EOF2'
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\r\n")
w.writerow(["session_id", "notes", "n"])
for i in range(30000):
    w.writerow(["s-%06d" % i, "line one\r\nline, two \"q\"" if i % 7 == 0 else "x", i])
EOF2
	q "drop table if exists chunk_sessions; create table chunk_sessions (session_id text primary key, notes text, n int)"
	run bash -c "chunk -q --csv -l 10000 -o parts in.csv | parallel -j4 'csv2jsonl -q < {} | pg-load -q -t chunk_sessions' 2>&1"
	assert_success
	[ "$(ls parts | wc -l)" -eq 3 ]
	run q "select count(*), count(distinct session_id), sum(n), count(*) filter (where notes like E'line one\r\nline, two \"q\"') from chunk_sessions"
	assert_output "30000|30000|449985000|4286"
}

@test "the month seed: per-month chunks match the table's counts per month" {
	need_pg
	python3 - > ev.jsonl <<'EOF2'
import json, random
random.seed(3)
for i in range(5000):
    print(json.dumps({"id": i, "occurred_at": "2024-%02d-%02dT%02d:00:00+03:00" % (
        random.randint(1, 12), random.randint(1, 28), random.randint(0, 23))}))
EOF2
	q "drop table if exists chunk_events; create table chunk_events (id bigint primary key, occurred_at timestamptz)"
	pg-load -q -t chunk_events < ev.jsonl
	run bash -c 'chunk -q --time .occurred_at --period month -o months ev.jsonl | while read -r f; do
		m=$(basename "$f" .jsonl)
		n=$(wc -l < "$f")
		db=$(psql -X -At -c "select count(*) from chunk_events where date_trunc('"'"'month'"'"', occurred_at at time zone '"'"'UTC'"'"') = '"'"'$m-01'"'"'")
		[ "$n" -eq "$db" ] && echo "$m ok" || echo "$m MISMATCH $n $db"
	done'
	assert_success
	refute_output --partial MISMATCH
	[ "${#lines[@]}" -eq "$(ls months | wc -l)" ]
	# Times at +03:00 on January 1st before 03:00 are December 2023.
	[ "${#lines[@]}" -eq "$(python3 -c '
import datetime, json, sys
print(len({datetime.datetime.fromisoformat(json.loads(l)["occurred_at"])
          .astimezone(datetime.timezone.utc).strftime("%Y-%m") for l in open("ev.jsonl")}))')" ]
}

# --- --compress -------------------------------------------------------

@test "--compress zstd and gzip write chunks that decompress to the split records" {
	python3 -c '
for i in range(5000):
    print("{\"id\":%d,\"t\":\"2024-%02d-01T00:00:00Z\",\"v\":\"%s\"}" % (i, i % 12 + 1, "y" * (i % 40)))' > in.jsonl
	for z in zstd gzip; do
		rm -rf out && run --separate-stderr chunk --compress "$z" -l 700 -o out in.jsonl
		assert_success
		[ "${#lines[@]}" -eq 8 ]
		ext=zst
		[ "$z" = gzip ] && ext=gz
		[ "${lines[0]}" = "out/part-00001.jsonl.$ext" ]
		cat out/* | "$z" -dc | cmp - in.jsonl
		[ "$("$z" -dc out/part-00001.jsonl.$ext | wc -l)" -eq 700 ]
		# A sluice tool reads the chunk as it is.
		run jsonl-validate -q --require .id out/part-00002.jsonl.$ext
		assert_output "$(sed -n 701,1400p in.jsonl)"
	done
}

@test "--compress with chunks closed and reopened (--max-open 1) still gives whole files" {
	python3 -c '
for i in range(3000):
    print("{\"id\":%d,\"t\":\"2024-%02d-01T00:00:00Z\"}" % (i, i % 12 + 1))' > in.jsonl
	run --separate-stderr chunk --compress zstd --time .t --period month --max-open 1 -o out in.jsonl
	assert_success
	[ "${#lines[@]}" -eq 12 ]
	for m in 01 07 12; do
		zstd -dc "out/2024-$m.jsonl.zst" | cmp - <(grep "\"2024-$m-01" in.jsonl)
	done
	run --separate-stderr chunk --compress lz4 -l 1 in.jsonl
	assert_failure 64
	[[ "$stderr" == "chunk: --compress: 'lz4' is not zstd or gzip"* ]]
}

# --- differential: -l against an independent splitter -----------------------

# split_check FORMAT: random inputs (long and short lines, quoted newlines
# in CSV, a last line with or without its newline, empty input), plain,
# gzip and zstd, cut with several -l values from 1 to past the end; every
# chunk must equal what Python's own framing of the records gives.
split_check() {
	python3 - "$1" <<'EOF2'
import csv, gzip, io, os, random, subprocess, sys

fmt = sys.argv[1]
ext = "." + fmt

def jsonl(rng, n):
    recs = []
    for i in range(n):
        pad = "x" * rng.choice([0, 1, 7, 300, 70000])
        recs.append(('{"i":%d,"p":"%s"}\n' % (i, pad)).encode())
    return b"", recs

def csvrecs(rng, n):
    recs = []
    for i in range(n):
        out = io.StringIO()
        cell = rng.choice(["plain", "two\nlines", 'q"uote', "a,b", "y" * 5000])
        csv.writer(out, lineterminator="\n").writerow([i, cell])
        recs.append(out.getvalue().encode())
    return b"id,cell\n", recs

def expected(head, recs, n):
    chunks = []
    for k in range(0, len(recs), n):
        chunks.append(head + b"".join(recs[k:k + n]))
    return chunks

for seed in range(12):
    rng = random.Random(seed)
    count = rng.choice([0, 1, 2, 5, 37, 200])
    head, recs = (jsonl if fmt == "jsonl" else csvrecs)(rng, count)
    raw = head + b"".join(recs)
    if recs and seed % 2:
        raw = raw[:-1]		# the last record without its newline
    for z in ("", "gz", "zst"):
        data = raw
        if z == "gz":
            data = gzip.compress(raw)
        elif z == "zst":
            data = subprocess.run(["zstd", "-q", "-c"], input=raw,
                stdout=subprocess.PIPE, check=True).stdout
        name = "in%d%s%s" % (seed, ext, "." + z if z else "")
        with open(name, "wb") as f:
            f.write(data)
        for n in (1, 2, 3, 10, 199, 1000):
            out = "o-%d-%s-%d" % (seed, z, n)
            args = ["chunk", "-q", "-l", str(n), "-o", out, name]
            if fmt == "csv":
                args.insert(1, "--csv")
            subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
            want = expected(head, recs, n)
            got = sorted(os.listdir(out))
            assert got == ["part-%05d%s" % (k + 1, ext)
                for k in range(len(want))], (name, n, got)
            for k, w in enumerate(want):
                with open(os.path.join(out, got[k]), "rb") as f:
                    assert f.read() == w, (name, n, got[k])
EOF2
}

@test "-l chunks of random JSONL equal an independent split, plain and compressed" {
	run split_check jsonl
	assert_success
}

@test "--csv -l chunks of random CSV equal an independent split, plain and compressed" {
	run split_check csv
	assert_success
}

@test "-l chunks of JSONL equal split -l where blank lines are absent" {
	python3 -c '
import random
rng = random.Random(7)
for i in range(3000):
    print("{\"i\":%d,\"s\":\"%s\"}" % (i, "z" * rng.choice([0, 3, 900, 20000])))
' > in.jsonl
	for n in 1 7 1000 5000; do
		rm -rf out sp && mkdir sp
		chunk -q -l "$n" -o out in.jsonl > /dev/null
		split -l "$n" -a 5 -d --numeric-suffixes=1 --additional-suffix=.jsonl in.jsonl sp/part-
		diff -r out sp
	done
}
