# Shared setup for the bats suites: load with `load test_helper`
# (or `load ../test_helper` from tests/e2e and tests/conformance).
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

ROOT=${SLUICE_ROOT:-$(cd "$BATS_TEST_DIRNAME" && git rev-parse --show-toplevel)}
# The external conformance suites (tests/conformance/suites.bash); only
# the suites in tests/conformance/ read them.
CONF=${CONFORMANCE_DIR:-$ROOT/../shared/conformance}
FIX="$ROOT/tests/fixtures"
UNIT="$ROOT/${UNIT_DIR:-build/rel/unit}"
PATH="$ROOT/bin:$PATH"

# Skip the test unless tests/run started a PostgreSQL cluster. A reason
# that starts with "missing:" is a missing package or program: tests/run
# counts such a skip as a failure under CI=true.
need_pg() {
	[ -n "${PGHOST:-}" ] ||
	    skip "missing: no PostgreSQL cluster (run through tests/run; scripts/install-deps installs postgresql)"
}

# need_program NAME: skip the test unless program NAME is on PATH.
need_program() {
	command -v "$1" >/dev/null ||
	    skip "missing: no $1 (scripts/install-deps installs it)"
}

# need_suite NAME: skip the test (call it from setup) unless the external
# suite NAME is in $CONF; under CI=true fail instead. suite_missing NAME:
# succeed, saying why, when it is not there.
suite_missing() {
	# shellcheck source=tests/conformance/suites.bash
	. "$ROOT/tests/conformance/suites.bash"
	conformance_missing "$1" "$CONF"
}

need_suite() {
	local why
	why=$(suite_missing "$1") || return 0
	[ "${CI:-}" != true ] || fail "$why (CI=true)"
	skip "$why"
}

# Root reads and writes any file whatever its mode, so a test of a
# permission error runs its tool as nobody there. as_user CMD...: CMD, as
# nobody when root (util-linux setpriv); as_user_reach: when root, let
# nobody search $BATS_TEST_TMPDIR and the private directories of this
# run above it, so that only a file's own mode stands in the way.
as_user() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	else
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	fi
}

as_user_reach() {
	local d=$BATS_TEST_TMPDIR
	[ "$(id -u)" -eq 0 ] || return 0
	need_program setpriv
	while :; do
		chmod o+x "$d"
		[ "$d" != "$BATS_RUN_TMPDIR" ] && [ "$d" != / ] || break
		d=$(dirname "$d")
	done
}

# psql that fails loudly and prints bare values: q 'select 1'
q() {
	psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"
}

# run with stdout in $output and stderr in $stderr, kept apart.
run_split() {
	run --separate-stderr "$@"
}
