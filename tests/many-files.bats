#!/usr/bin/env bats
# Several FILE operands: every tool reads them in order as one input (as
# cat(1) would, but each CSV or JSON file with its own framing), plain or
# compressed; rejects and side records say which file and which row of
# it; --stats counts per file; every operand is checked before the first
# is read; pg-load's ledger keeps a run per file.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	python3 - <<'EOF'
import json
for p in range(3):
    with open("p%d.jsonl" % p, "w") as f:
        for i in range(p * 1000, p * 1000 + 700 + 100 * p):
            f.write(json.dumps({"id": i, "k": i % 97,
                "t": "2024-0%d-%02dT%02d:00:00Z" % (p + 1, i % 28 + 1, i % 24),
                "v": "x" * (i % 13)}) + "\n")
        if p == 1:
            f.write("\n")           # a blank line inside the input
EOF
	gzip -c p1.jsonl > p1.jsonl.gz
	zstd -q -c p2.jsonl > p2.jsonl.zst
	cat p0.jsonl p1.jsonl p2.jsonl > all.jsonl
}

# same CMD...: CMD on the three parts (plain, gzip, zstd) as operands
# writes what CMD writes for their concatenation on stdin.
same() {
	local want got
	want=$("$@" < all.jsonl | md5sum)
	got=$("$@" p0.jsonl p1.jsonl.gz p2.jsonl.zst | md5sum)
	[ "$got" = "$want" ] || fail "$* differs on three operands"
	got=$("$@" p0.jsonl - p2.jsonl.zst < p1.jsonl | md5sum)
	[ "$got" = "$want" ] || fail "$* differs with - among the operands"
}

@test "several operands are one input, whatever their compression" {
	same jsonl-validate -q --require .id
	same dedupe -q -k .k --drop
	same dedupe -q -k .k --keep last --drop
	same dedupe -q -k .k --memory 1 --drop
	same jsonl2csv -q
	same rollup -q --time .t --period day --count n --distinct ks=.k
	same prune -q --time .t --before 2024-02-10 --drop
	same sh -c 'rm -rf c; chunk -q -l 300 -o c "$@" && cat c/*' sh
	want=$(jsonl2csv -q --all-keys < all.jsonl | md5sum)
	got=$(jsonl2csv -q --all-keys p0.jsonl p1.jsonl.gz p2.jsonl.zst | md5sum)
	[ "$got" = "$want" ]
}

@test "CSV and JSON operands are each framed on their own" {
	printf 'a,b\n1,2\n3,"x\ny"\n' > x.csv
	printf 'b,a\n5,6\n' > y.csv
	{ csv2jsonl x.csv; csv2jsonl y.csv; } > want
	csv2jsonl x.csv y.csv > got
	cmp want got
	printf '[1,{"a":2}]' > x.json
	printf '\n[3]\n' | gzip > y.json.gz
	json2jsonl x.json y.json.gz > got
	printf '1\n{"a":2}\n3\n' | cmp - got
}

@test "rejects name the file and the row within it" {
	printf '{"id":1}\nnot json\n' > a.jsonl
	printf '{"id":2}\n{"id":3}\n{"oops\n' > b.jsonl
	run_split jsonl-validate --require .id -r rej.jsonl a.jsonl b.jsonl
	assert_success
	run jq -c '[._error_file, ._error_row]' rej.jsonl
	assert_output $'["a.jsonl",2]\n["b.jsonl",3]'
	# Without --rejects the first one stops the run, named the same way.
	run_split jsonl-validate --require .id a.jsonl b.jsonl
	assert_failure 65
	assert_equal "${stderr%%$'\n'*}" \
	    'jsonl-validate: a.jsonl: line 2: invalid JSON at column 1: invalid literal'
	# CSV: the row of the file (its header is row 1).
	printf 'a,b\n1,2\n' > x.csv
	printf 'a,b\n1,2\n3\n' > y.csv
	run_split csv2jsonl -r rej.jsonl x.csv y.csv
	assert_success
	run jq -c '[._error_file, ._error_row]' rej.jsonl
	assert_output '["y.csv",3]'
	# One stdin operand among files: "-".
	run_split dedupe -k .id --drop -r rej.jsonl a.jsonl - < b.jsonl
	run jq -c '[._error_file, ._error_row]' rej.jsonl
	assert_output $'["a.jsonl",2]\n["-",3]'
	# One operand, or none: no _error_file, as grep names no file.
	jsonl-validate -q --require .id -r rej.jsonl < a.jsonl
	run jq -c 'has("_error_file")' rej.jsonl
	assert_output false
	jsonl-validate -q --require .id -r rej.jsonl a.jsonl
	run jq -c 'has("_error_file")' rej.jsonl
	assert_output false
}

@test "--stats counts each file, and the files add up to the total" {
	printf '{"id":1}\nx\n\n{"id":1}\n' > a.jsonl
	printf '{"id":2}\n{"id":1}\ny\n' | gzip > b.jsonl.gz
	dedupe -q -k .id --drop -r rej.jsonl --stats st.json a.jsonl b.jsonl.gz
	run jq -c '.files' st.json
	assert_output '[{"file":"a.jsonl","processed":3,"rejected":1},{"file":"b.jsonl.gz","processed":3,"rejected":1}]'
	run jq -c '[.processed, .rejected, .blank] == [([.files[].processed] | add), ([.files[].rejected] | add), 1]' st.json
	assert_output true
	run jq -c '[._error_file, ._error_row]' rej.jsonl
	assert_output $'["a.jsonl",2]\n["b.jsonl.gz",3]'
}

@test "every tool's --stats with several files follows the schema and adds up" {
	need_pg
	printf '%s\n' '{"a":1,"t":"2024-01-01T00:00:00Z"}' 'not json' '' > a.jsonl
	printf '%s\n' '{"a":1,"t":"1999-01-01T00:00:00Z"}' '{"a":"x"}' | gzip > b.jsonl.gz
	printf 'a,t\n1,x\n' > a.csv
	printf 'a,t\n2,"y\n' > b.csv
	printf '[{"a":1},2]' > a.json
	printf '[3' > b.json
	q "create table mf_stats (a int, t timestamptz)"
	run_stats() {	# run_stats NAME TOOL ARGS...
		local name=$1
		shift
		"$@" -q -r /dev/null --stats "st.$name" > /dev/null || true
	}
	J=(a.jsonl b.jsonl.gz)
	run_stats csv2jsonl csv2jsonl a.csv b.csv
	run_stats jsonl2csv jsonl2csv "${J[@]}"
	run_stats json2jsonl json2jsonl a.json b.json
	run_stats validate jsonl-validate --require .t "${J[@]}"
	run_stats dedupe dedupe -k .a --dupes /dev/null "${J[@]}"
	run_stats chunk chunk -l 2 -o out "${J[@]}"
	run_stats pg-load pg-load -t mf_stats --on-error reject "${J[@]}"
	run_stats rollup rollup --time .t --period day --count n "${J[@]}"
	run_stats prune prune --time .t --before 2000-01-01 --pruned /dev/null "${J[@]}"
	for f in st.*; do
		run jsonl-validate -q -s "$ROOT/tests/stats.schema.json" "$f"
		assert_success
		jq -e '(.files | length) == 2 and
		    .processed == ([.files[].processed] | add) and
		    .rejected == ([.files[].rejected] | add)' "$f" >/dev/null ||
		    fail "$f: the files do not add up: $(cat "$f")"
	done
	[ "$(ls st.* | wc -l)" -eq 9 ]
	run jq -c '.files' st.pg-load
	assert_output '[{"file":"a.jsonl","processed":2,"rejected":1},{"file":"b.jsonl.gz","processed":2,"rejected":1}]'
}

@test "dedupe across files: the kept record's file and row, any order of rows" {
	# The same line numbers in both files: --keep last must tell them apart.
	printf '{"id":1,"v":"a1"}\n{"id":2,"v":"a2"}\n' > a.jsonl
	printf '{"id":2,"v":"b1"}\n{"id":1,"v":"b2"}\n' > b.jsonl
	for keep in first last; do
		for mem in 64M 1; do
			# --keep last holds every key in memory: no spilling.
			[ "$keep.$mem" != last.1 ] || continue
			run_split dedupe -q -k .id --keep "$keep" --memory "$mem" \
			    --dupes d.jsonl a.jsonl b.jsonl
			assert_success
			if [ "$keep" = first ]; then
				assert_output $'{"id":1,"v":"a1"}\n{"id":2,"v":"a2"}'
				run jq -c '[.v, ._dupe_of_file, ._dupe_of_row]' d.jsonl
				assert_output $'["b1","a.jsonl",2]\n["b2","a.jsonl",1]'
			else
				assert_output $'{"id":2,"v":"b1"}\n{"id":1,"v":"b2"}'
				run jq -c '[.v, ._dupe_of_file, ._dupe_of_row]' d.jsonl
				assert_output $'["a1","b.jsonl",2]\n["a2","b.jsonl",1]'
			fi
		done
	done
}

@test "every operand is checked before the first is read" {
	printf '{"id":1}\n' > a.jsonl
	for tool in "jsonl-validate --require .id" "dedupe -k .id --drop" \
	    "jsonl2csv" "csv2jsonl" "json2jsonl" "rollup --time .t --period day --count n" \
	    "prune --time .t --before 2024-01-01 --drop" "chunk -l 1 -o c"; do
		# shellcheck disable=SC2086 # the tool and its options
		run_split $tool a.jsonl missing.jsonl
		assert_failure 66
		assert_equal "$output" ""
		assert_equal "$stderr" "${tool%% *}: missing.jsonl: No such file or directory"
		# shellcheck disable=SC2086
		run_split $tool a.jsonl .
		assert_failure 66
		assert_equal "$stderr" "${tool%% *}: .: Is a directory"
		# shellcheck disable=SC2086
		run_split $tool - a.jsonl - < a.jsonl
		assert_failure 64
		[[ $stderr == *"stdin ('-') can be read only once"* ]] ||
		    fail "$stderr"
	done
	[ ! -e c ]
	# A side file may not be any of the inputs.
	run_split jsonl-validate --require .id -r a.jsonl all.jsonl a.jsonl
	assert_failure 64
	assert_equal "$(cat a.jsonl)" '{"id":1}'
}

@test "chunk --csv: one header on top of every chunk, and each file must have it" {
	printf 'a,b\n1,2\n3,4\n' > x.csv
	printf 'a,b\r\n5,6\r\n' > y.csv
	chunk -q --csv -l 2 -o c x.csv y.csv
	run cat c/part-00001.csv c/part-00002.csv
	assert_output "$(printf 'a,b\n1,2\n3,4\na,b\n5,6\r')"
	printf 'b,a\n7,8\n' > z.csv
	run_split chunk --csv -l 2 -o d x.csv z.csv
	assert_failure 65
	[[ $stderr == *"chunk: z.csv: header differs from the header of x.csv"* ]] ||
	    fail "$stderr"
	# --no-header: rows only, concatenated.
	chunk -q --csv --no-header -l 10 -o e x.csv y.csv
	run cat e/part-00001.csv
	assert_output "$(printf 'a,b\n1,2\n3,4\na,b\r\n5,6\r')"
}

@test "jsonl2csv --all-keys reads several regular files twice, not a pipe among them" {
	printf '{"a":1}\n' > a.jsonl
	printf '{"b":2}\n' > b.jsonl
	run jsonl2csv -q --all-keys a.jsonl b.jsonl
	assert_output $'a,b\n1,\n,2'
	run_split jsonl2csv --all-keys a.jsonl - < b.jsonl
	assert_failure 64
	[[ $stderr == *"each must be a regular file"* ]] || fail "$stderr"
}

@test "pg-load: every file is a run of its own in the ledger" {
	need_pg
	q "create table mf_runs (id bigint primary key, k int, t timestamptz, v text)"
	pg-load -q -t mf_runs --ledger=mf_ledger -b 97 p0.jsonl p1.jsonl.gz
	assert_equal "$(q 'select count(*) from mf_runs')" 1500
	# One more part: only it is loaded; the others are unchanged runs.
	run_split pg-load -t mf_runs --ledger=mf_ledger -b 50 -j 2 \
	    p0.jsonl p1.jsonl.gz p2.jsonl.zst
	assert_success
	assert_equal "$(q 'select count(*) from mf_runs')" 2400
	[[ $stderr == *"1500 loaded before"* ]] || fail "$stderr"
	assert_equal "$(q "select string_agg(input || ':' || rows, ' ' order by input) from mf_ledger")" \
	    "p0.jsonl:700 p1.jsonl.gz:800 p2.jsonl.zst:900"
	# The table holds exactly the three files.
	q "copy (select row_to_json(r) from (select id, k, v from mf_runs order by id) r) to stdout" > got
	jq -c '{id, k, v}' all.jsonl > want
	cmp want got
}

@test "pg-load --run-id: a changed part is refused by name, the others stay" {
	need_pg
	q "create table mf_changed (id bigint primary key, k int, t timestamptz, v text)"
	pg-load -q -t mf_changed --ledger=mf_ledger2 --run-id parts p0.jsonl p1.jsonl
	run pg-load --status --ledger=mf_ledger2 --run-id parts
	assert_line -p "parts:p0.jsonl	done"
	assert_line -p "parts:p1.jsonl	done"
	sed 's/"v": "x"/"v": "changed"/' p1.jsonl > p1.new && mv p1.new p1.jsonl
	run_split pg-load -t mf_changed --ledger=mf_ledger2 --run-id parts \
	    p0.jsonl p1.jsonl p2.jsonl
	assert_failure 65
	[[ $stderr == *"p1.jsonl: input differs from run parts:p1.jsonl"* ]] ||
	    fail "$stderr"
	assert_equal "$(q 'select count(*) from mf_changed')" 1500
	assert_equal "$(q "select count(*) from mf_changed where v = 'changed'")" 0
}

@test "pg-load: the result is the same for every -b and -j, rejects from both files" {
	need_pg
	python3 - <<'EOF'
import json
for p in range(2):
    with open("r%d.jsonl" % p, "w") as f:
        for i in range(300):
            rec = {"id": p * 1000 + i, "n": i}
            if i % 37 == 5:
                rec["n"] = "bad-%d-%d" % (p, i)      # not an integer
            f.write(json.dumps(rec) + "\n")
EOF
	for b in 1 7 1000; do
		for j in 1 2; do
			q "drop table if exists mf_prop; create table mf_prop (id bigint primary key, n int)"
			pg-load -q -t mf_prop -b "$b" -j "$j" --on-error reject \
			    -r rej.jsonl --stats st.json r0.jsonl r1.jsonl
			q "select md5(string_agg(id || ',' || n, ';' order by id)) from mf_prop" > "sum.$b.$j"
			jq -c '[._error_file, ._error_row]' rej.jsonl | sort > "rej.$b.$j"
			jq -c '.files' st.json > "files.$b.$j"
		done
	done
	for f in sum.*.* rej.*.* files.*.*; do
		cmp "${f%%.*}.1.1" "$f"
	done
	run cat rej.1.1
	assert_line '["r0.jsonl",6]'
	assert_line '["r1.jsonl",6]'
	assert_equal "$(wc -l < rej.1.1)" 16
	run cat files.1.1
	assert_output '[{"file":"r0.jsonl","processed":300,"rejected":8},{"file":"r1.jsonl","processed":300,"rejected":8}]'
}

@test "sluice-backfill takes several files" {
	need_pg
	need_program parallel
	q "create table mf_bf (id bigint primary key, k int, t timestamptz, v text)"
	run_split "$ROOT/scripts/sluice-backfill" -t mf_bf -k .id -w work p0.jsonl p1.jsonl.gz p2.jsonl.zst
	assert_success
	assert_line "sluice-backfill: 2400 rows in, 2400 loaded, 0 rejected, 0 duplicates"
	assert_equal "$(q 'select count(*) from mf_bf')" 2400
}

@test "pg-load --mode replace: several files are one run, a partition in two files keeps both" {
	need_pg
	q "create table mf_rep (day date, id int)"
	q "insert into mf_rep values ('2024-01-01', 99), ('2024-01-03', 98)"
	printf '%s\n' '{"day":"2024-01-01","id":1}' '{"day":"2024-01-02","id":2}' > a.jsonl
	printf '%s\n' '{"day":"2024-01-02","id":3}' > b.jsonl
	printf '%s\n' '{"day":"2024-01-01","id":4}' > c.jsonl
	run_split pg-load -t mf_rep --mode replace --partition day --ledger=mf_rl \
	    a.jsonl b.jsonl
	assert_failure 64
	[[ $stderr == *"name it with --run-id"* ]] || fail "$stderr"
	for b in 1 100; do
		q "delete from mf_rep where day <> '2024-01-03'"
		q "drop table if exists mf_rl, mf_rl_batches, mf_rl_rejects, mf_rl_parts"
		pg-load -q -t mf_rep --mode replace --partition day --ledger=mf_rl \
		    --run-id rep -b "$b" a.jsonl b.jsonl
		assert_equal "$(q 'select string_agg(id::text, $$,$$ order by id) from mf_rep')" "1,2,3,98"
		# One more file with a day of the first: the run appends to
		# the partition it replaced, it does not replace it again.
		pg-load -q -t mf_rep --mode replace --partition day --ledger=mf_rl \
		    --run-id rep -b "$b" a.jsonl b.jsonl c.jsonl
		assert_equal "$(q 'select string_agg(id::text, $$,$$ order by id) from mf_rep')" "1,2,3,4,98"
	done
}

@test "pg-load --limit across files: the file it stops in resumes, with another -b" {
	need_pg
	q "create table mf_lim (id bigint primary key, k int, t timestamptz, v text)"
	pg-load -q -t mf_lim --ledger=mf_ll --limit 1000 -b 128 p0.jsonl p1.jsonl.gz p2.jsonl.zst
	assert_equal "$(q "select string_agg(input || ':' || state || ':' || rows, ' ' order by input) from mf_ll")" \
	    "p0.jsonl:done:700 p1.jsonl.gz:running:300"
	pg-load -q -t mf_lim --ledger=mf_ll -b 100 -j 2 p0.jsonl p1.jsonl.gz p2.jsonl.zst
	assert_equal "$(q "select string_agg(input || ':' || state || ':' || rows, ' ' order by input) from mf_ll")" \
	    "p0.jsonl:done:700 p1.jsonl.gz:done:800 p2.jsonl.zst:done:900"
	assert_equal "$(q 'select count(*) || md5(string_agg(id::text, $$,$$ order by id)) from mf_lim')" \
	    "$(jq -r .id all.jsonl | sort -n | paste -sd, | { read -r l; printf '2400'; printf '%s' "$l" | md5sum | cut -d' ' -f1; })"
}
