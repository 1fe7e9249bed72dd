#!/usr/bin/env bats
# rollup --approx and --hll against the postgresql-hll extension itself:
# the same bytes as hll_add_agg, the same estimates as hll_cardinality,
# partials that merge with the extension's values, pg-load into an hll
# column.

load test_helper
bats_require_minimum_version 1.5.0

need_hll() {
	need_pg
	[ "$(q "select count(*) from pg_available_extensions where name = 'hll'")" = 1 ] ||
	    skip "missing: the hll extension (scripts/install-deps installs postgresql-15-hll)"
	q "set client_min_messages = warning; create extension if not exists hll"
}

# N events in one day with ids drawn from 1..3N/2 (about 0.57 N distinct),
# "u-ID" strings; seed $2. Written to $3.jsonl and the ids to $3.ids.
gen_ids() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, random, sys
n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r = random.Random(seed)
with open(out + ".jsonl", "w") as ev, open(out + ".ids", "w") as ids:
    for i in range(n):
        u = "u-%d" % r.randint(1, max(1, n * 3 // 2))
        ev.write(json.dumps({"t": "2024-03-05T%02d:%02d:00Z" % (i % 24, i % 60),
                             "u": u}) + "\n")
        ids.write(u + "\n")
EOF
}

# Load the ids of $1.ids into table ids(id text).
load_ids() {
	q "drop table if exists ids; create table ids (id text)"
	psql -X -q -v ON_ERROR_STOP=1 -c "\\copy ids from '$1.ids'"
}

@test "--hll is byte for byte hll_add_agg(hll_hash_text(id)), across explicit, sparse and full" {
	need_hll
	seed=${HLL_SEED:-$RANDOM}
	echo "# HLL_SEED=$seed" >&3
	types=""
	for n in 1 2 150 160 161 280 400 700 1400 3000 20000; do
		gen_ids "$n" "$((seed + n))" "$BATS_TEST_TMPDIR/e"
		load_ids "$BATS_TEST_TMPDIR/e"
		got=$(rollup -q --time .t --period day --distinct u=.u --hll \
		    "$BATS_TEST_TMPDIR/e.jsonl" | jq -r .u)
		want=$(q "select hll_add_agg(hll_hash_text(id)) from ids")
		assert_equal "$got" "$want"
		est=$(rollup -q --time .t --period day --distinct u=.u --approx \
		    "$BATS_TEST_TMPDIR/e.jsonl" | jq .u)
		assert_equal "$est" "$(q "select round(hll_cardinality(hll_add_agg(hll_hash_text(id)))) from ids")"
		types="$types $(q "select hll_type(hll_add_agg(hll_hash_text(id))) from ids")"
	done
	# EXPLICIT (2) up to 160 hashes, then SPARSE (3), then FULL (4)
	[[ "$types" == " 2 2 2 2 "*" 3 "*" 4 4 4" ]]
}

@test "the extension's parameters: log2m, regwidth, expthresh and sparse" {
	need_hll
	gen_ids 3000 7 "$BATS_TEST_TMPDIR/e"
	load_ids "$BATS_TEST_TMPDIR/e"
	for p in "14 6 64 0" "11 5 0 1" "6 3 -1 1" "17 7 8192 1" "9 3 1 0" "12 4 -1 0"; do
		set -- $p
		got=$(rollup -q --time .t --period day --distinct u=.u --hll \
		    --hll-log2m "$1" --hll-regwidth "$2" --hll-expthresh "$3" \
		    --hll-sparse "$4" "$BATS_TEST_TMPDIR/e.jsonl" | jq -r .u)
		assert_equal "$got" "$(q "select hll_add_agg(hll_hash_text(id), $1, $2, $3, $4) from ids")"
		est=$(rollup -q --time .t --period day --distinct u=.u --approx \
		    --hll-log2m "$1" --hll-regwidth "$2" --hll-expthresh "$3" \
		    --hll-sparse "$4" "$BATS_TEST_TMPDIR/e.jsonl" | jq .u)
		assert_equal "$est" "$(q "select round(hll_cardinality(hll_add_agg(hll_hash_text(id), $1, $2, $3, $4))) from ids")"
	done
	# one-bit registers overflow: the extension's NaN is null here
	assert_equal "$(q "select hll_cardinality(hll_add_agg(hll_hash_text(id), 4, 1, -1, 1)) from ids")" NaN
	assert_equal "$(rollup -q --time .t --period day --distinct u=.u --approx \
	    --hll-log2m 4 --hll-regwidth 1 "$BATS_TEST_TMPDIR/e.jsonl" | jq .u)" null
}

@test "integers hash as hll_hash_bigint, other non-strings as hll_hash_text of their jq -c text" {
	need_hll
	printf '{"t":"2024-01-01T00:00:00Z","v":%s}\n' 1 -1 0 1.0 9223372036854775807 \
	    -9223372036854775808 9223372036854775808 1.5 true false '"1"' '[1,"a"]' \
	    '{"a":1}' null 1e2 > "$BATS_TEST_TMPDIR/in"
	got=$(rollup -q --time .t --period day --distinct v=.v --hll \
	    "$BATS_TEST_TMPDIR/in" | jq -r .v)
	want=$(q "select hll_add_agg(h) from (values
	    (hll_hash_bigint(1)), (hll_hash_bigint(-1)), (hll_hash_bigint(0)),
	    (hll_hash_bigint(1)), (hll_hash_bigint(9223372036854775807)),
	    (hll_hash_bigint(-9223372036854775808)),
	    (hll_hash_text('9223372036854775808')), (hll_hash_text('1.5')),
	    (hll_hash_text('true')), (hll_hash_text('false')), (hll_hash_text('1')),
	    (hll_hash_text('[1,\"a\"]')), (hll_hash_text('{\"a\":1}')),
	    (hll_hash_bigint(100))) v(h)")
	assert_equal "$got" "$want"
	assert_equal "$(rollup -q --time .t --period day --distinct v=.v --approx \
	    "$BATS_TEST_TMPDIR/in" | jq .v)" 13
}

@test "strings of every length around MurmurHash3's 8- and 16-byte blocks hash as hll_hash_text" {
	need_hll
	python3 - > "$BATS_TEST_TMPDIR/in" <<'EOF'
import json
for n in range(0, 50):
    s = "".join(chr(0x61 + (i * 7 + n) % 26) for i in range(n))
    print(json.dumps({"t": "2024-01-01T00:00:00Z", "g": n, "v": s}))
    print(json.dumps({"t": "2024-01-01T00:00:00Z", "g": n,
                      "v": "\u00e9\u20ac\U0001F600"[: n % 4] + s},
                     ensure_ascii=n % 2 == 0))
EOF
	jq -r '[.g, .v] | @tsv' "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/rows"
	q "drop table if exists sv; create table sv (g int, v text)"
	psql -X -q -v ON_ERROR_STOP=1 -c "\\copy sv from '$BATS_TEST_TMPDIR/rows'"
	rollup -q --time .t --period day --by .g --distinct v=.v --hll \
	    "$BATS_TEST_TMPDIR/in" | jq -r '"\(.g) \(.v)"' > "$BATS_TEST_TMPDIR/got"
	q "select g || ' ' || hll_add_agg(hll_hash_text(v)) from sv group by g order by g" \
	    > "$BATS_TEST_TMPDIR/want"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/want")" = 50 ]
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
}

@test "known values of the extension, without a server" {
	printf '{"t":"2024-01-01T00:00:00Z","u":%s}\n' '"a"' 1 > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period day --distinct u=.u --hll "$BATS_TEST_TMPDIR/in"
	assert_success
	# select hll_add_agg(h) from (values (hll_hash_text('a')), (hll_hash_bigint(1))) v(h)
	assert_output '{"day":"2024-01-01T00:00:00Z","u":"\\x128b7f85555565f6597889004403b7fb05c44a"}'
}

@test "a group without values is the EMPTY hll, as hll_add_agg of null hashes" {
	need_hll
	printf '{"t":"2024-01-01T00:00:00Z"}\n' > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr rollup --time .t --period day --distinct v=.v --hll "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"day":"2024-01-01T00:00:00Z","v":"\\x118b7f"}'
	assert_equal "$(q "select hll_add_agg(null::hll_hashval)")" '\x118b7f'
}

@test "hll_union_agg of two loaded hours equals rollup --merge of their partials" {
	need_hll
	for seed in 1 2 3; do
		gen_ids 900 "$seed" "$BATS_TEST_TMPDIR/e"
		A=(--time .t --period hour --distinct u=.u --hll)
		rollup -q "${A[@]}" "$BATS_TEST_TMPDIR/e.jsonl" > "$BATS_TEST_TMPDIR/hours"
		rollup -q "${A[@]}" --partial "$BATS_TEST_TMPDIR/e.jsonl" > "$BATS_TEST_TMPDIR/partials"
		# every hour with its own partial, merged into days
		sed 's/"hour":"\(....-..-..\)T..:00:00Z"/"day":"\1T00:00:00Z"/' \
		    "$BATS_TEST_TMPDIR/partials" > "$BATS_TEST_TMPDIR/daily.partials"
		merged=$(rollup -q --merge --hll "$BATS_TEST_TMPDIR/daily.partials" | jq -r .u)
		q "drop table if exists h; create table h (hour timestamptz primary key, u hll)"
		pg-load -q -t h < "$BATS_TEST_TMPDIR/hours"
		assert_equal "$merged" "$(q "select hll_union_agg(u) from h")"
		# and the union of two of those hours
		head -n 2 "$BATS_TEST_TMPDIR/daily.partials" > "$BATS_TEST_TMPDIR/two"
		two=$(rollup -q --merge --hll "$BATS_TEST_TMPDIR/two" | jq -r .u)
		assert_equal "$two" "$(q "select hll_union_agg(u) from (select u from h order by hour limit 2) x")"
		# the single pass over the day is the same value again
		assert_equal "$merged" "$(rollup -q --time .t --period day --distinct u=.u --hll \
		    "$BATS_TEST_TMPDIR/e.jsonl" | jq -r .u)"
	done
}

@test "rollup --merge reads hll values the extension made" {
	need_hll
	gen_ids 5000 11 "$BATS_TEST_TMPDIR/e"
	load_ids "$BATS_TEST_TMPDIR/e"
	# partials written by SQL: one per 100 ids, of all three types
	q "select json_build_object('day', '2024-03-05T00:00:00Z', '_partial',
	    json_build_object('u', json_build_object('hll',
	    hll_add_agg(hll_hash_text(id))::text)))
	    from (select id, row_number() over () / 100 b from ids) x group by b" \
	    > "$BATS_TEST_TMPDIR/sql.partials"
	assert_equal "$(jq -r '._partial.u.hll[0:4]' "$BATS_TEST_TMPDIR/sql.partials" | sort -u | tr '\n' ' ')" '\x12 '
	q "select json_build_object('day', '2024-03-05T00:00:00Z', '_partial',
	    json_build_object('u', json_build_object('hll',
	    hll_add_agg(hll_hash_text(id))::text)))
	    from (select id, row_number() over () / 1000 b from ids) x group by b" \
	    >> "$BATS_TEST_TMPDIR/sql.partials"
	run --separate-stderr rollup --merge --hll "$BATS_TEST_TMPDIR/sql.partials"
	assert_success
	assert_output "{\"day\":\"2024-03-05T00:00:00Z\",\"u\":\"\\$(q "select hll_add_agg(hll_hash_text(id)) from ids")\"}"
	run --separate-stderr rollup --merge "$BATS_TEST_TMPDIR/sql.partials"
	assert_output "{\"day\":\"2024-03-05T00:00:00Z\",\"u\":$(q "select round(hll_cardinality(hll_add_agg(hll_hash_text(id)))) from ids")}"
}

@test "--merge refuses hll values of other parameters or broken bytes" {
	mk() { printf '{"day":"2024-01-01T00:00:00Z","_partial":{"u":{"hll":"%s"}}}\n' "$@"; }
	for bad in '\\x' '\\x118b' '\\x118b7f00' '\\x218b7f' '\\x108b7f' '\\x128b7f01' \
	    '\\x128b7f00000000000000020000000000000001' '\\x148b7f00' '\\x118b7g' \
	    '\\x11837f' 'x118b7f'; do
		mk "$bad" > "$BATS_TEST_TMPDIR/p"
		run --separate-stderr rollup --merge "$BATS_TEST_TMPDIR/p"
		assert_failure 65
		[[ "${stderr_lines[0]}" == "rollup: line 1: partial u: "* ]]
	done
	mk '\\x118b7f' '\\x118c7f' > "$BATS_TEST_TMPDIR/p"
	run --separate-stderr rollup --merge "$BATS_TEST_TMPDIR/p"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "rollup: line 2: partial u: hll parameters (log2m, regwidth, expthresh, sparse) differ from the group's"
	mk '\\x118b7f' > "$BATS_TEST_TMPDIR/p"
	run --separate-stderr rollup --merge --hll "$BATS_TEST_TMPDIR/p"
	assert_success
	assert_output '{"day":"2024-01-01T00:00:00Z","u":"\\x118b7f"}'
}

@test "--merge --hll of exact distinct partials is an error" {
	printf '{"t":"2024-01-01T00:00:00Z","u":"a"}\n' |
	    rollup -q --time .t --period day --distinct u=.u --partial > "$BATS_TEST_TMPDIR/p"
	run --separate-stderr rollup --merge --hll "$BATS_TEST_TMPDIR/p"
	assert_failure 65
	assert_equal "${stderr_lines[0]}" "rollup: --hll: --distinct u is exact in the partials, not an hll"
}

@test "hll parameters out of the extension's range are usage errors" {
	run --separate-stderr rollup --time .t --period day --distinct u=.u --hll --hll-log2m 3
	assert_failure 64
	run --separate-stderr rollup --time .t --period day --distinct u=.u --hll --hll-regwidth 8
	assert_failure 64
	run --separate-stderr rollup --time .t --period day --distinct u=.u --hll --hll-expthresh 100
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "rollup: --hll-expthresh: expthresh must be -1, 0 or a power of 2 up to 8192"
	run --separate-stderr rollup --time .t --period day --distinct u=.u --hll-sparse 0
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "rollup: the --hll-* parameters need --approx or --hll"
	run --separate-stderr rollup --merge --hll-log2m 12
	assert_failure 64
}

@test "pg-load puts --hll values into an hll column and SQL unions any range" {
	need_hll
	gen_ids 6000 5 "$BATS_TEST_TMPDIR/e"
	q "drop table if exists hr; create table hr (hour timestamptz primary key, n int, u hll)"
	rollup -q --time .t --period hour --count n --distinct u=.u --hll \
	    "$BATS_TEST_TMPDIR/e.jsonl" | pg-load -q -t hr --mode upsert --key-columns hour
	assert_equal "$(q "select count(*) from hr")" 24
	# a range of hours: SQL's union against rollup over those events
	jq -c 'select(.t >= "2024-03-05T06" and .t < "2024-03-05T18")' \
	    "$BATS_TEST_TMPDIR/e.jsonl" > "$BATS_TEST_TMPDIR/range"
	want=$(rollup -q --time .t --period day --distinct u=.u --approx "$BATS_TEST_TMPDIR/range" | jq .u)
	assert_equal "$(q "select round(hll_cardinality(hll_union_agg(u))) from hr
	    where hour >= '2024-03-05T06:00Z' and hour < '2024-03-05T18:00Z'")" "$want"
	# re-loading the same hours leaves the values as they were
	before=$(q "select md5(string_agg(u::text, ',' order by hour)) from hr")
	rollup -q --time .t --period hour --count n --distinct u=.u --hll \
	    "$BATS_TEST_TMPDIR/e.jsonl" | pg-load -q -t hr --mode upsert --key-columns hour
	assert_equal "$(q "select md5(string_agg(u::text, ',' order by hour)) from hr")" "$before"
}
