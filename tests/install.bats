#!/usr/bin/env bats
# make install / uninstall into a DESTDIR, with and without PROGRAM_PREFIX:
# the tools and pages under their (prefixed) names, cross-references
# renamed, the runbooks finding the tools, and nothing left behind.

load test_helper

inst() {
	# -o all: install what is built, never rebuild (e.g. a sanitizer build)
	make -s -C "$ROOT" -o all "$@" DESTDIR="$BATS_TEST_TMPDIR/dest" >/dev/null
}

@test "make install PROGRAM_PREFIX=sluice- installs prefixed tools and pages; uninstall leaves nothing" {
	need_program make
	inst install PROGRAM_PREFIX=sluice- PREFIX=/usr
	d="$BATS_TEST_TMPDIR/dest/usr"
	[ -x "$d/bin/sluice-rollup" ]
	[ ! -e "$d/bin/rollup" ]
	[ -x "$d/bin/sluice-backfill" ]
	[ -f "$d/share/man/man1/sluice-rollup.1" ]
	[ -f "$d/share/man/man7/sluice.7" ]
	run grep -h '^\.Xr \(rollup\|chunk\|pg-load\|dedupe\) ' \
	    "$d"/share/man/man1/*.1 "$d"/share/man/man7/*.7
	assert_output ""
	run grep -c '^\.Xr sluice-pg-load 1' "$d/share/man/man7/sluice.7"
	[ "$output" -ge 1 ]
	run grep -E '^\.(Nm|Dt) ' "$d/share/man/man1/sluice-rollup.1"
	assert_line ".Dt SLUICE-ROLLUP 1"
	assert_line ".Nm sluice-rollup"
	run mandoc -Tascii "$d/share/man/man1/sluice-rollup.1"
	assert_success
	# the runbooks find the prefixed tools (nothing else in PATH has them)
	printf '{"t":"2024-01-01T00:00:00Z"}\n' >"$BATS_TEST_TMPDIR/in.jsonl"
	PATH="$d/bin:/usr/bin:/bin" run "$d/bin/sluice-verify" "$BATS_TEST_TMPDIR/in.jsonl" --time .t \
	    -t none --column t
	refute_output --partial "not found"
	inst uninstall PROGRAM_PREFIX=sluice- PREFIX=/usr
	run find "$BATS_TEST_TMPDIR/dest" -mindepth 1
	assert_output ""
}

@test "make install without a prefix, then uninstall, leaves nothing behind" {
	need_program make
	inst install
	d="$BATS_TEST_TMPDIR/dest/usr/local"
	[ -x "$d/bin/rollup" ]
	[ -x "$d/bin/sluice-verify" ]
	[ -f "$d/share/man/man1/pg-load.1" ]
	cmp "$ROOT/man/man1/rollup.1" "$d/share/man/man1/rollup.1"
	inst uninstall
	run find "$BATS_TEST_TMPDIR/dest" -mindepth 1
	assert_output ""
}
