# Shared setup for the bats suites: load with `load test_helper`
# (or `load ../test_helper` from tests/e2e).
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

ROOT=${SLUICE_ROOT:-$(cd "$BATS_TEST_DIRNAME" && git rev-parse --show-toplevel)}
CONF="$ROOT/../shared/conformance"
FIX="$ROOT/tests/fixtures"
UNIT="$ROOT/${UNIT_DIR:-build/rel/unit}"
PATH="$ROOT/bin:$PATH"

# Skip the test unless tests/run started a PostgreSQL cluster.
need_pg() {
	[ -n "${PGHOST:-}" ] || skip "no PostgreSQL cluster (run through tests/run)"
}

# psql that fails loudly and prints bare values: q 'select 1'
q() {
	psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"
}

# run with stdout in $output and stderr in $stderr, kept apart.
run_split() {
	run --separate-stderr "$@"
}
