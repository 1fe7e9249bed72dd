#!/usr/bin/env bash
# rollup against its peers on the Prisma seed's hourly rollup: jq -s on a
# 100K-row slice (jq holds the whole input in memory; the ratio is per
# row, so it scales to the full input), DuckDB (node package
# @duckdb/node-api, installed into $BENCH_DATA when npm can) and Miller
# for the part it can do (event counts per hour). Then --sorted on the
# full input, for its memory.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

ev=$BENCH_DATA/events.jsonl
slice=$BENCH_DATA/events-100k.jsonl
sorted=$BENCH_DATA/events-sorted.jsonl
bench_gen "$slice" "head -n 100000 '$ev' > '$slice'"
bench_gen "$sorted" "python3 -c '
import json, sys
rows = [(json.loads(l).get(\"occurred_at\") or json.loads(l).get(\"created_at\"), l) for l in sys.stdin]
sys.stdout.writelines(l for _, l in sorted(rows, key=lambda r: r[0]))
' < '$ev' > '$sorted'"

hourly="rollup -q -r /dev/null --time '.occurred_at // .created_at' --period hour \
--count totalEvents --distinct uniqueSessions=.session_id \
--count-by eventCounts=.event_type --count-by toolUsage=.properties.tool \
--count-by riskDistribution=.properties.risk"

jqprog=$BENCH_DATA/rollup-hourly.jq
cat > "$jqprog" <<'JQ'
def counts(f): map(f | select(. != null)) | group_by(.) | map({(.[0]): length}) | add // {};
map(. + {h: ((.occurred_at // .created_at)[0:13] + ":00:00Z")})
| group_by(.h)
| map({hour: .[0].h, totalEvents: length,
       uniqueSessions: (map(.session_id) | unique | length),
       eventCounts: counts(.event_type), toolUsage: counts(.properties.tool),
       riskDistribution: counts(.properties.risk)})
| .[]
JQ
bench_compare "rollup hourly, 100K slice" "$slice" "$hourly" \
    "jq -s" "jq -s -c -f '$jqprog'"

duck=$BENCH_DATA/duckdb
if [ ! -d "$duck/node_modules/@duckdb/node-api" ] && command -v npm >/dev/null; then
	npm install --silent --no-audit --no-fund --prefix "$duck" @duckdb/node-api \
	    >/dev/null 2>&1 || echo "bench: DuckDB (npm @duckdb/node-api) did not install" >&2
fi
if [ -d "$duck/node_modules/@duckdb/node-api" ]; then
	cat > "$duck/hourly.mjs" <<'JS'
// The Prisma seed's hourly rollup in DuckDB, on the JSON Lines of stdin.
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");
await c.run(`COPY (
  WITH e AS (
    SELECT date_trunc('hour', try_cast(coalesce(occurred_at, created_at) AS TIMESTAMPTZ)) AS h,
           session_id, event_type, properties.tool AS tool, properties.risk AS risk
    FROM read_json('/dev/stdin', format = 'newline_delimited',
      columns = {occurred_at: 'VARCHAR', created_at: 'VARCHAR', session_id: 'VARCHAR',
                 event_type: 'VARCHAR', properties: 'STRUCT(tool VARCHAR, risk VARCHAR)'}))
  SELECT strftime(h, '%Y-%m-%dT%H:%M:%SZ') AS hour, count(*) AS totalEvents,
         count(DISTINCT session_id) AS uniqueSessions,
         histogram(event_type) AS eventCounts, histogram(tool) AS toolUsage,
         histogram(risk) AS riskDistribution
  FROM e WHERE h IS NOT NULL GROUP BY h ORDER BY h
) TO '/dev/stdout' (FORMAT JSON)`);
JS
	bench_compare "rollup hourly" "$ev" "$hourly" \
	    "duckdb" "node '$duck/hourly.mjs'"
else
	bench_compare "rollup hourly" "$ev" "$hourly" "" ""
fi

bench_compare "rollup event counts per hour" "$ev" \
    "rollup -q -r /dev/null --time '.occurred_at // .created_at' --period hour --count-by eventCounts=.event_type" \
    "mlr count-distinct" \
    "mlr --ijsonl --ojsonl put -q 'emit1 {\"h\": substr(is_present(\$occurred_at) ? \$occurred_at : \$created_at, 0, 12), \"e\": \$event_type}' then count-distinct -f h,e"

bench_compare "rollup --sorted hourly (RSS)" "$sorted" "$hourly --sorted" "" ""
