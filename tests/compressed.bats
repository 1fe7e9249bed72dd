#!/usr/bin/env bats
# gzip and zstd input: every tool reads a compressed file or pipe as the
# plain stream, told by its first bytes; a truncated or corrupt stream is
# an input error naming the file and the compressed offset, after the
# records before it were processed.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	python3 - > ev.jsonl <<'EOF'
import json
for i in range(1, 3001):
    print(json.dumps({"id": i, "k": i % 700, "t": "2024-01-%02dT%02d:00:00Z" % (i % 28 + 1, i % 24),
                      "v": "x" * (i % 50), "big": 9007199254740993 + i}))
EOF
	gzip -9 -c ev.jsonl > ev.jsonl.gz
	zstd -q -c ev.jsonl > ev.jsonl.zst
	jq -sc . ev.jsonl > ev.json
	gzip -c ev.json > ev.json.gz
	jsonl2csv -q < ev.jsonl > ev.csv
	zstd -q -c ev.csv > ev.csv.zst
}

# same CMD...: the command's stdout for the plain, gzip and zstd files and
# for zstd on stdin agree ({} stands for the input file).
same() {
	local base=$1 f want got
	shift
	want=$("${@//\{\}/$base}" | md5sum)
	for f in "$base.gz" "$base.zst"; do
		[ -f "$f" ] || continue
		got=$("${@//\{\}/$f}" | md5sum)
		[ "$got" = "$want" ] || fail "$* differs on $f"
	done
	if [ -f "$base.zst" ]; then
		got=$("${@//\{\}/-}" < "$base.zst" | md5sum)
		[ "$got" = "$want" ] || fail "$* differs on zstd from stdin"
	fi
}

@test "every tool reads gzip and zstd files and pipes as the plain stream" {
	gzip -c ev.csv > ev.csv.gz
	same ev.jsonl jsonl-validate -q --require .id {}
	same ev.jsonl dedupe -q -k .k --drop {}
	same ev.jsonl jsonl2csv -q {}
	same ev.jsonl rollup -q --time .t --period day --count n --distinct ks=.k {}
	same ev.jsonl prune -q --time .t --before 2024-01-10 --drop {}
	same ev.json json2jsonl -q {}
	same ev.csv csv2jsonl -q --infer {}
	rm -rf c && mkdir c
	same ev.jsonl sh -c 'rm -rf c/*; chunk -q -l 700 -o c "$1" && cat c/*' sh {}
}

@test "concatenated gzip members and zstd frames are read one after another" {
	cat ev.jsonl.gz ev.jsonl.gz > two.gz
	{ zstd -q -c ev.jsonl; zstd -q -c ev.jsonl; } > two.zst
	for f in two.gz two.zst; do
		run --separate-stderr jsonl-validate -q --require .id "$f"
		assert_success
		[ "$(cat ev.jsonl ev.jsonl | md5sum)" = "$(printf '%s\n' "$output" | md5sum)" ] ||
		    fail "$f"
	done
}

@test "a truncated gzip or zstd file is exit 65 naming it and the offset, after the records before it" {
	head -c "$(( $(stat -c %s ev.jsonl.gz) * 3 / 4 ))" ev.jsonl.gz > cut.gz
	head -c "$(( $(stat -c %s ev.jsonl.zst) * 3 / 4 ))" ev.jsonl.zst > cut.zst
	for f in cut.gz cut.zst; do
		run --separate-stderr jsonl-validate --require .id "$f"
		assert_failure 65
		kind=gzip
		[ "$f" = cut.zst ] && kind=zstd
		[[ "${stderr_lines[0]}" =~ ^jsonl-validate:\ $f:\ truncated\ $kind\ data\ at\ compressed\ byte\ [0-9]+$ ]] ||
		    fail "$stderr"
		# What came before is out, whole lines, the start of the input.
		n=${#lines[@]}
		[ "$n" -gt 0 ]
		[ "$(printf '%s\n' "$output" | md5sum)" = "$(head -n "$n" ev.jsonl | md5sum)" ] ||
		    fail "$f: not the first $n lines"
		[[ "$stderr" == *"jsonl-validate: $n lines, $n passed"* ]] || fail "$stderr"
	done
}

@test "corrupt compressed data is exit 65 with the decompressor's reason" {
	{ head -c 200 ev.jsonl.gz; head -c 3000 /dev/urandom; } > bad.gz
	run --separate-stderr dedupe -k .k --drop bad.gz
	assert_failure 65
	[[ "$stderr" == "dedupe: bad.gz: corrupt gzip data: "*" at compressed byte "* ]] || fail "$stderr"
	{ head -c 9000 ev.jsonl.zst; head -c 3000 /dev/urandom; head -c 20000 /dev/zero; } > bad.zst
	run --separate-stderr csv2jsonl < bad.zst
	assert_failure 65
	[[ "$stderr" == "csv2jsonl: stdin: corrupt zstd data: "*" after compressed byte "* ]] || fail "$stderr"
}

@test "rows in rejects are rows of the decompressed stream" {
	sed '5s/.*/{not json/; 2900s/.*/[1,2]/' ev.jsonl | gzip -c > rej.gz
	run --separate-stderr jsonl-validate -q --require .id -r rej.jsonl rej.gz
	assert_success
	run jq -c '._error_row' rej.jsonl
	assert_output $'5\n2900'
}

@test "short and empty inputs are not taken for compressed ones" {
	run bash -c 'printf "{}" | jsonl-validate -q --require "true"'
	assert_success
	assert_output "{}"
	run bash -c 'printf "\x1f" | csv2jsonl -q --no-header --columns a'
	assert_success
	run bash -c ': | dedupe -q --drop'
	assert_success
	assert_output ""
}

@test "pg-load loads a zstd file as the plain one, and its ledger knows the file again" {
	need_pg
	q "drop table if exists zc_t, zc_l, zc_l_batches, zc_l_rejects cascade;
	   create table zc_t (id int primary key, k int, t timestamptz, v text, big numeric)"
	run --separate-stderr pg-load -t zc_t -b 700 --ledger=zc_l ev.jsonl.zst
	assert_success
	run q "select count(*), sum(big) = sum(9007199254740993 + id) from zc_t"
	assert_output "3000|t"
	run --separate-stderr pg-load -t zc_t -b 700 --ledger=zc_l ev.jsonl.zst
	assert_success
	[[ "$stderr" == *"nothing to do"* ]] || fail "$stderr"
}
