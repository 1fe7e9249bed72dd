# The external conformance suites. They stay outside the repository, in
# CONFORMANCE_DIR, and are never copied in; sluice's own tests cover every
# behaviour they check that sluice relies on. Sourced by tests/run and
# tests/test_helper.bash.

# conformance_suites: one suite a line, tab-separated: its name, its bats
# file in tests/conformance/, its folder under CONFORMANCE_DIR, a path in
# that folder that must exist, the upstream repository and the commit the
# suite's counts in the bats file are written for.
conformance_suites() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
	    JSONTestSuite json-test-suite.bats json-test-suite test_parsing \
	    https://github.com/nst/JSONTestSuite \
	    1ef36fa01286573e846ac449e8683f8833c5b26a \
	    JSON-Schema-Test-Suite json-schema-test-suite.bats \
	    json-schema-test-suite tests/draft2020-12 \
	    https://github.com/json-schema-org/JSON-Schema-Test-Suite \
	    44401e0c046704b476ec9d2e2fccdaee618f259d \
	    csv-spectrum csv-spectrum.bats csv/csv-spectrum csvs \
	    https://github.com/maxogden/csv-spectrum \
	    b251546d5ccb79217a61aa8ca623ce573977d7e1
}

# conformance_missing NAME DIR: print nothing and fail when suite NAME is in
# DIR (a CONFORMANCE_DIR); else print one line saying where it was looked
# for and how to get it.
conformance_missing() {
	local name folder probe url commit
	while IFS=$'\t' read -r name _ folder probe url commit; do
		[ "$name" = "$1" ] || continue
		[ -e "$2/$folder/$probe" ] && return 1
		printf '%s not found in CONFORMANCE_DIR=%s; clone %s there as %s (commit %.7s)\n' \
		    "$name" "$2" "$url" "$folder" "$commit"
		return 0
	done < <(conformance_suites)
	echo "$1: not an external suite of tests/conformance/suites.bash"
}
