#!/usr/bin/env bash
# jsonl-validate against jq -c 'select(...)' doing the same checks, against
# ajv (node, when npm can install it), and the --require-only path.
# shellcheck source=tests/bench/lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
schema="$here/events.schema.json"
events="$BENCH_DATA/events.jsonl"

# The schema's checks written in jq 1.6.
dt='^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$'
jqf="select(type == \"object\"
  and (.id | type == \"number\" and . == floor and . >= 1)
  and (.event_type | IN(\"page_view\", \"session_start\", \"session_end\",
       \"message_sent\", \"tool_use\", \"risk_flag\", \"feedback\"))
  and ((has(\"occurred_at\") | not) or (.occurred_at | type == \"string\" and test(\"$dt\")))
  and ((has(\"created_at\") | not) or (.created_at | type == \"string\" and test(\"$dt\")))
  and (.session_id | type == \"string\" and length >= 1)
  and (.user_id | type == \"string\" and length >= 1)
  and (.app | IN(\"kintell\", \"mentor\", \"tutor\", \"review\", \"coach\"))
  and (.modelId | type == \"string\" and test(\"^session-[a-z]+-[0-9]+\$\")))"
printf '%s\n' "$jqf" >"$BENCH_DATA/validate-events.jq"

bench_compare "jsonl-validate: 8-property schema" "$events" \
    "jsonl-validate -q -s '$schema' -r /dev/null" \
    "jq" "jq -c -f '$BENCH_DATA/validate-events.jq'"

# ajv, the usual JavaScript validator, if npm can fetch it.
ajv="$BENCH_DATA/ajv"
if [ ! -d "$ajv/node_modules/ajv-formats" ] && command -v npm >/dev/null; then
	mkdir -p "$ajv"
	(cd "$ajv" && npm install --silent --no-audit --no-fund ajv ajv-formats \
	    >/dev/null 2>&1) || echo "bench: npm install ajv failed" >&2
fi
if [ -d "$ajv/node_modules/ajv-formats" ]; then
	bench_compare "jsonl-validate: 8-property schema" "$events" \
	    "jsonl-validate -q -s '$schema' -r /dev/null" \
	    "ajv" "NODE_PATH='$ajv/node_modules' node '$here/validate-ajv.js' '$schema'"
fi

bench_compare "jsonl-validate --require (JSONL seed rule)" "$events" \
    "jsonl-validate -q -r /dev/null --require .event_type --require '.occurred_at // .created_at'" \
    "jq" "jq -c 'select(.event_type and (.occurred_at // .created_at))'"

# sourcemeta's Blaze through its CLI (npm @sourcemeta/jsonschema ships the
# binary), compiled for speed (--fast), on the same schema and file.
blaze="$BENCH_DATA/blaze"
mkdir -p "$blaze"
[ -x "$blaze/node_modules/.bin/jsonschema" ] ||
    bench_npm "$blaze" @sourcemeta/jsonschema ||
    echo "bench: npm install @sourcemeta/jsonschema failed" >&2
if [ -x "$blaze/node_modules/.bin/jsonschema" ]; then
	bench_compare "jsonl-validate: 8-property schema" "$events" \
	    "jsonl-validate -q -s '$schema' -r /dev/null" \
	    "Blaze (jsonschema validate --fast)" \
	    "'$blaze/node_modules/.bin/jsonschema' validate --fast '$schema' '$events'"
fi
