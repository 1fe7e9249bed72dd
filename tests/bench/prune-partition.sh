#!/usr/bin/env bash
# prune's table mode on a table partitioned by month, against the batched
# DELETE it does on a table that is not partitioned, and against one
# DELETE statement on the partitioned table: BENCH_PRUNE_ROWS rows (default
# ten times BENCH_ROWS) over the 12 months of 2024, pruning the first 9.
# A fresh copy of the table before every run; runs alternate.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

rows=${BENCH_PRUNE_ROWS:-$((BENCH_ROWS * 10))}
bench_pg_start prune-partition
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE src (id bigint, created_at timestamptz NOT NULL, v text);
INSERT INTO src SELECT n, '2024-01-01Z'::timestamptz
    + (n % 366) * interval '1 day' + (n % 86400) * interval '1 second',
    md5(n::text) FROM generate_series(1, $rows) AS n;
SQL

fresh() {	# fresh KIND: the table "ev", partitioned or flat, with src's rows
	{
		echo "DROP TABLE IF EXISTS ev;"
		if [ "$1" = flat ]; then
			echo "CREATE TABLE ev (LIKE src);"
		else
			echo "CREATE TABLE ev (LIKE src) PARTITION BY RANGE (created_at);"
			for m in $(seq 1 12); do
				printf "CREATE TABLE ev_%02d PARTITION OF ev FOR VALUES FROM ('2024-%02d-01Z') TO ('%s');\n" \
				    "$m" "$m" "$([ "$m" = 12 ] && echo 2025-01-01Z || printf '2024-%02d-01Z' $((m + 1)))"
			done
		fi
		echo "INSERT INTO ev SELECT * FROM src; ALTER TABLE ev ADD PRIMARY KEY (id, created_at);"
		echo "VACUUM ANALYZE ev;"
	} | psql -X -q -v ON_ERROR_STOP=1
}

timed() {	# timed COMMAND: seconds
	local t0
	t0=$(date +%s.%N)
	bash -c "$1" >/dev/null 2>&1
	awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }'
}

cut="--before 2024-10-01"
s_all="" f_all="" d_all=""
for _ in $(seq 1 "$BENCH_RUNS"); do
	fresh part
	s_all+=" $(timed "prune -q -t ev --column created_at $cut")"
	fresh flat
	f_all+=" $(timed "prune -q -t ev --column created_at $cut")"
	fresh part
	d_all+=" $(timed "psql -X -q -c \"DELETE FROM ev WHERE created_at < '2024-10-01Z'\"")"
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
s=$(echo "$s_all" | median)
f=$(echo "$f_all" | median)
d=$(echo "$d_all" | median)
echo "bench: prune partitioned $s s (runs:$s_all), batched DELETE $f s (runs:$f_all), one DELETE $d s (runs:$d_all)" >&2
for peer in "batched DELETE (flat table):$f" "one DELETE statement:$d"; do
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
	    "prune -t, 9 of 12 monthly partitions ($rows rows)" "$s" \
	    "${peer%:*}" "${peer##*:}" \
	    "$(awk -v s="$s" -v p="${peer##*:}" 'BEGIN { printf "%.1f", p / s }')" \
	    n/a n/a n/a >>"$BENCH_DATA/results.tsv"
done
