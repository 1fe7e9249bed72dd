#!/usr/bin/env bats
# Security: identifiers are quoted, passwords never printed,
# temporary files private, file names built from data stay inside the
# output directory, --exec never goes through a shell.

load test_helper
bats_require_minimum_version 1.5.0

PW=S3cretPw

# no_password FILE...: none of the files holds the password.
no_password() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -a -q "$PW" "$f"; then
			echo "password in $f:"; cat "$f"
			return 1
		fi
	done
}

# pw_run NAME CMD...: run with stdin a record, stdout/stderr/stats in files.
pw_run() {
	local name=$1; shift
	printf '{"a":"x","t":"2020-01-01T00:00:00Z"}\n' > "$BATS_TEST_TMPDIR/in"
	set +e
	"$@" --stats "$BATS_TEST_TMPDIR/$name.stats" --progress \
	    < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/$name.out" \
	    2> "$BATS_TEST_TMPDIR/$name.err"
	rc=$?
	set -e
	echo "$name: exit $rc"; cat "$BATS_TEST_TMPDIR/$name.err"
	[ "$rc" -ne 0 ]
	no_password "$BATS_TEST_TMPDIR/$name".*
}

dsns() {
	printf '%s\n' "postgresql://sluice:$PW@127.0.0.1:1/nope" \
	    "postgresql://sluice:$PW@%2Fnonexistent%2Fsock/nope" \
	    "host=/nonexistent/sock port=5 user=sluice password=$PW dbname=nope" \
	    "postgresql://sluice:$PW@127.0.0.1:1/nope?connect_timeout=2"
}

@test "pg-load never prints the password of a DSN or DATABASE_URL" {
	[ -x "$ROOT/bin/pg-load" ] || skip "pg-load not built"
	local d i=0
	while read -r d; do
		i=$((i + 1))
		pw_run "dsn$i" pg-load -t events --dsn "$d"
		DATABASE_URL=$d pw_run "env$i" pg-load -t events
		pw_run "ledger$i" pg-load -t events --dsn "$d" --ledger --run-id r1
		pw_run "status$i" pg-load --status --dsn "$d"
	done < <(dsns)
}

@test "prune's table mode never prints the password of a DSN or DATABASE_URL" {
	[ -x "$ROOT/bin/prune" ] || skip "prune not built"
	local d i=0
	while read -r d; do
		i=$((i + 1))
		pw_run "dsn$i" prune -t events --column t --older-than 30d --dsn "$d"
		DATABASE_URL=$d pw_run "env$i" prune -t events --column t --older-than 30d --dry-run
	done < <(dsns)
}

@test "pg-load with a wrong password on a live server does not echo it" {
	need_pg
	[ -x "$ROOT/bin/pg-load" ] || skip "pg-load not built"
	pw_run live pg-load -t events \
	    --dsn "postgresql://no_such_user_x:$PW@${PGHOST//\//%2F}:${PGPORT:-5432}/${PGDATABASE:-sluice}"
}

@test "pg-load quotes table and column names: no injection, data lands in the odd table" {
	need_pg
	[ -x "$ROOT/bin/pg-load" ] || skip "pg-load not built"
	q 'drop table if exists canary; create table canary (x int); insert into canary values (1)'
	q 'drop table if exists "we""ird; drop table canary;--é"'
	q 'create table "we""ird; drop table canary;--é" ("c""ol; drop table canary;--" text, "naïve 雪" text, "x)" int)'
	printf '%s\n' '{"c\"ol; drop table canary;--":"v1'"'"'); drop table canary;--","naïve 雪":"v2","x)":3}' \
	    > "$BATS_TEST_TMPDIR/in"
	run pg-load -t 'we"ird; drop table canary;--é' "$BATS_TEST_TMPDIR/in"
	echo "$output"
	assert_success
	assert_equal "$(q 'select count(*) from canary')" 1
	assert_equal "$(q 'select "c""ol; drop table canary;--" || $$|$$ || "naïve 雪" || $$|$$ || "x)" from "we""ird; drop table canary;--é"')" \
	    "v1'); drop table canary;--|v2|3"
}

@test "pg-load --ledger with an odd ledger name and run id does not inject" {
	need_pg
	[ -x "$ROOT/bin/pg-load" ] || skip "pg-load not built"
	q 'drop table if exists canary; create table canary (x int)'
	q 'drop table if exists plain_target; create table plain_target (a text)'
	printf '{"a":"x"}\n' > "$BATS_TEST_TMPDIR/in"
	run pg-load -t plain_target --ledger='led"ger; drop table canary;--' \
	    --run-id "r'; drop table canary;--" "$BATS_TEST_TMPDIR/in"
	echo "$output"
	assert_success
	assert_equal "$(q 'select count(*) from canary')" 0
	assert_equal "$(q 'select a from plain_target')" x
}

# Temporary files: watched while the tool waits on a slow producer.
# spill_modes TMPDIR CMD...: the files the tool keeps in TMPDIR are 0600.
spill_modes() {
	local dir=$1 pid prod modes; shift
	rm -f "$BATS_TEST_TMPDIR/fifo"; mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$@" < "$BATS_TEST_TMPDIR/fifo" > /dev/null 2> "$BATS_TEST_TMPDIR/err" &
	pid=$!
	( /usr/bin/python3 -c '
for i in range(5000): print(f"{{\"a\":\"k{i % 100}\",\"b{i % 7}\":{i}}}")'
	  sleep 3; echo '{"a":"z"}' ) > "$BATS_TEST_TMPDIR/fifo" &
	prod=$!
	sleep 1.5
	modes=$(find "$dir" -type f -printf '%m %p\n')
	wait "$prod"; wait "$pid"
	echo "files while running: $modes"
	[ -n "$modes" ] || return 0
	! grep -v '^600 ' <<<"$modes"
	# Removed at the end.
	[ -z "$(find "$dir" -type f)" ]
}

# LeakSanitizer cannot run under ptrace (make check SANITIZE=1): a traced
# tool runs with ASan and UBSan but without the leak check.
no_lsan() {
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

# strace_creates DIR CMD...: every file the tool creates in DIR is opened
# O_CREAT|O_EXCL with mode 0600 (mkstemp), and at least one is.
strace_creates() {
	local dir=$1; shift
	need_program strace
	no_lsan
	printf '{"a":"1","b":2}\n{"a":"1","c":3}\n' | strace -f -qq -e trace=openat,open \
	    -o "$BATS_TEST_TMPDIR/strace" "$@" > /dev/null
	grep -F "\"$dir/" "$BATS_TEST_TMPDIR/strace" | grep O_CREAT \
	    > "$BATS_TEST_TMPDIR/creates" || true
	cat "$BATS_TEST_TMPDIR/creates"
	[ -s "$BATS_TEST_TMPDIR/creates" ]
	! grep -v 'O_CREAT|O_EXCL.*, 0600)' "$BATS_TEST_TMPDIR/creates"
}

@test "dedupe --keep last keeps its spool in --tmpdir with mode 0600 and removes it" {
	[ -x "$ROOT/bin/dedupe" ] || skip "dedupe not built"
	mkdir "$BATS_TEST_TMPDIR/spool"
	umask 022
	spill_modes "$BATS_TEST_TMPDIR/spool" dedupe -k .a --keep last --drop \
	    --tmpdir "$BATS_TEST_TMPDIR/spool"
	strace_creates "$BATS_TEST_TMPDIR/spool" dedupe -k .a --keep last --drop \
	    --tmpdir "$BATS_TEST_TMPDIR/spool"
}

@test "jsonl2csv --all-keys copies a pipe to a 0600 file in TMPDIR and removes it" {
	[ -x "$ROOT/bin/jsonl2csv" ] || skip "jsonl2csv not built"
	mkdir "$BATS_TEST_TMPDIR/spool"
	umask 022
	TMPDIR="$BATS_TEST_TMPDIR/spool" spill_modes "$BATS_TEST_TMPDIR/spool" jsonl2csv --all-keys
	TMPDIR="$BATS_TEST_TMPDIR/spool" strace_creates "$BATS_TEST_TMPDIR/spool" jsonl2csv --all-keys
}

@test "chunk --by: values like ../../x, a/b, .., control characters write nothing outside -o" {
	[ -x "$ROOT/bin/chunk" ] || skip "chunk not built"
	local sb=$BATS_TEST_TMPDIR/sb
	mkdir -p "$sb/w"
	printf '%s\n' '{"k":"../../x"}' '{"k":"a/b"}' '{"k":".."}' '{"k":"."}' \
	    '{"k":""}' '{"k":"c\u0001d\n"}' '{"k":"/tmp/abs"}' '{"k":"..\\..\\y"}' \
	    '{"k":"~"}' '{"k":"a/../../z"}' '{"k":"\u0000"}' '{"k":"'"$(printf 'x%.0s' {1..300})"'"}' \
	    > "$sb/in.jsonl"
	cd "$sb/w"
	run --separate-stderr chunk --by .k -o out -r "$sb/rej" "$sb/in.jsonl"
	echo "$stderr"
	assert_success
	# Everything chunk created is a plain file directly inside out/.
	assert_equal "$(cd "$sb" && find . -path ./w/out -prune -o -print | LC_ALL=C sort)" \
	    "$(printf '%s\n' . ./in.jsonl ./rej ./w | LC_ALL=C sort)"
	[ -z "$(find out -mindepth 1 ! -type f)" ]
	[ -z "$(find out -mindepth 2)" ]
	[ ! -e /tmp/abs.jsonl ]
	# Each printed path is inside out/, and all records are accounted for.
	while IFS= read -r p; do [[ "$p" == out/* ]] && [ -f "$p" ]; done <<<"$output"
	assert_equal "$(( $(cat out/* | wc -l) + $(wc -l < "$sb/rej") ))" 12
}

@test "chunk --exec passes a chunk path with spaces, semicolons and \$(...) as one argument, no shell" {
	[ -x "$ROOT/bin/chunk" ] || skip "chunk not built"
	local sb=$BATS_TEST_TMPDIR/sb
	mkdir -p "$sb"
	cat > "$sb/argv.sh" <<'SH'
#!/bin/sh
printf '%s|%s\n' "$#" "$1" >> "$(dirname "$0")/argv.log"
SH
	chmod +x "$sb/argv.sh"
	printf '%s\n' '{"k":"a b; touch PWNED1 $(touch PWNED2) `touch PWNED3` | touch PWNED4 & x"}' \
	    '{"k":"q'"'"'\"; touch PWNED5"}' > "$sb/in.jsonl"
	cd "$sb"
	run --separate-stderr chunk --by .k -o 'o u;t$(touch PWNED6)' \
	    --exec "$sb/argv.sh {}" "$sb/in.jsonl"
	echo "$stderr"
	assert_success
	[ -z "$(find "$sb" / -maxdepth 1 -name 'PWNED*' 2>/dev/null)" ]
	[ "$(wc -l < "$sb/argv.log")" -eq 2 ]
	! grep -v '^1|o u;t\$(touch PWNED6)/' "$sb/argv.log"
	# The argument is the path of a file holding the record.
	while IFS='|' read -r n p; do [ -f "$p" ]; done < "$sb/argv.log"
}

@test "chunk --by: a value starting with - never reaches --exec or stdout as an option" {
	[ -x "$ROOT/bin/chunk" ] || skip "chunk not built"
	mkdir -p "$BATS_TEST_TMPDIR/dash"
	cd "$BATS_TEST_TMPDIR/dash"
	printf '%s\n' '{"k":"-E"}' > in.jsonl
	# cat -E.jsonl would fail with "invalid option": the path must not
	# start with '-' (./-E.jsonl or an encoded name).
	run --separate-stderr chunk --by .k --exec 'cat {}' in.jsonl
	echo "$stderr"
	assert_success
	refute_output --regexp '^-'
	[[ "$stderr" != *"invalid option"* ]]
	run --separate-stderr chunk --by .k -o . in.jsonl
	refute_output --regexp '^-'
}

@test "dedupe --memory spills sorted runs to --tmpdir as 0600 files and removes them" {
	[ -x "$ROOT/bin/dedupe" ] || skip "dedupe not built"
	need_program strace
	mkdir "$BATS_TEST_TMPDIR/spool"
	seq 20000 | sed 's/.*/{"a":"k&"}/' > "$BATS_TEST_TMPDIR/in"
	no_lsan
	strace -f -qq -e trace=openat,open -o "$BATS_TEST_TMPDIR/strace" \
	    dedupe -k .a --drop --memory 64K --tmpdir "$BATS_TEST_TMPDIR/spool" \
	    "$BATS_TEST_TMPDIR/in" > /dev/null
	grep -F "\"$BATS_TEST_TMPDIR/spool/" "$BATS_TEST_TMPDIR/strace" | grep O_CREAT \
	    > "$BATS_TEST_TMPDIR/creates" || true
	cat "$BATS_TEST_TMPDIR/creates"
	[ -s "$BATS_TEST_TMPDIR/creates" ]
	! grep -v 'O_CREAT|O_EXCL.*, 0600)' "$BATS_TEST_TMPDIR/creates"
	[ -z "$(find "$BATS_TEST_TMPDIR/spool" -type f)" ]
}

@test "a password libpq cannot parse never shows in its messages" {
	for dsn in 'postgresql://u@h/db?password=Sup3r%zzSecret' 'postgresql://u:Sup3r/Secret@h/db' \
	    "host=h password='Sup3r Secret' port=x"; do
		run --separate-stderr pg-load -t x --dsn "$dsn" < /dev/null
		[[ "$stderr" != *Sup3r* && "$stderr" != *Secret* ]] || fail "leaked: $stderr"
		run --separate-stderr prune -t x --column c --before 2020-01-01 --dsn "$dsn"
		[[ "$stderr" != *Sup3r* && "$stderr" != *Secret* ]] || fail "leaked: $stderr"
	done
}

# Output files in a shared directory: a symlink that another user planted
# where a tool will write is refused, so its target stays as it was.
# plant NAME: $SHARED/NAME, a link owned by nobody to $VICTIM, in a 1777
# directory.
plant() {
	[ "$(id -u)" -eq 0 ] || skip "planting another user's symlink needs root"
	SHARED=$BATS_TEST_TMPDIR/shared VICTIM=$BATS_TEST_TMPDIR/victim
	mkdir -p "$SHARED"; chmod 1777 "$SHARED"
	echo precious > "$VICTIM"
	ln -sf "$VICTIM" "$SHARED/$1"
	chown -h nobody: "$SHARED/$1"
}

# refused FLAG NAME: the tool exited 73 naming the link; the victim is intact.
refused() {
	assert_failure 73
	assert_equal "$stderr" "${stderr_prefix}$1 $SHARED/$2: a symlink owned by uid $(id -u nobody), not followed"
	assert_equal "$(cat "$VICTIM")" precious
}

@test "-r and --stats refuse another user's symlink in a sticky directory, in every tool" {
	local t
	plant rej
	plant st
	for t in csv2jsonl json2jsonl 'jsonl-validate --require .a' jsonl2csv; do
		stderr_prefix="${t%% *}: "
		run_split $t -r "$SHARED/rej" < /dev/null
		refused --rejects rej
		run_split $t --stats "$SHARED/st" < /dev/null
		refused --stats st
	done
	stderr_prefix="dedupe: "
	run_split dedupe -k .a --drop -r "$SHARED/rej" < /dev/null
	refused --rejects rej
	run_split chunk --lines 1 -o "$BATS_TEST_TMPDIR" --stats "$SHARED/st" < /dev/null
	stderr_prefix="chunk: "
	refused --stats st
	run_split rollup --time .t --period hour --count n -r "$SHARED/rej" < /dev/null
	stderr_prefix="rollup: "
	refused --rejects rej
}

@test "dedupe --dupes and prune --pruned refuse another user's symlink" {
	plant out
	run_split dedupe -k .a --dupes "$SHARED/out" < /dev/null
	stderr_prefix="dedupe: "
	refused --dupes out
	run_split prune --time .t --before 2020-01-01 --pruned "$SHARED/out" < /dev/null
	stderr_prefix="prune: "
	refused --pruned out
}

@test "chunk -o refuses another user's symlink to a directory" {
	plant out
	mkdir "$BATS_TEST_TMPDIR/theirs"
	ln -sfn "$BATS_TEST_TMPDIR/theirs" "$SHARED/out"
	chown -h nobody: "$SHARED/out"
	run_split chunk -l 1 -o "$SHARED/out" <<<'{"a":1}'
	stderr_prefix="chunk: "
	refused --output-dir out
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/theirs")" ]
}

@test "prune --archive refuses another user's symlink before deleting a row" {
	need_pg
	plant arch
	q "create table symlink_ev (id int primary key, created_at timestamptz);
	    insert into symlink_ev select i, '2019-01-01Z' from generate_series(1, 10) i"
	run_split prune -t symlink_ev --column created_at --before 2020-01-01 \
	    --archive "$SHARED/arch"
	stderr_prefix="prune: "
	refused --archive arch
	assert_equal "$(q 'select count(*) from symlink_ev')" 10
}

@test "a symlink of the user's own or root's is followed: -r /dev/stderr, --stats /dev/fd/4" {
	plant mine
	chown -h "$(id -u):$(id -g)" "$SHARED/mine"
	run_split jsonl-validate -q --require .a -r "$SHARED/mine" <<<'[1]'
	assert_success
	[[ "$(cat "$VICTIM")" == *_error_message* ]]
	run_split jsonl-validate -q --require .a -r /dev/stderr <<<'[1]'
	assert_success
	[[ "$stderr" == *'"_error_row":1'* ]]
	run_split bash -c 'jsonl-validate -q --require .a --stats /dev/fd/4 4>&1 \
	    >/dev/null' <<<'{"a":1}'
	assert_success
	[[ "$output" == *'"processed":1,'* ]]
}

# No temporary file outlives its tool, however the run ends.
# events N: N small records on stdout.
events() {
	seq "$1" | sed 's/.*/{"a":"k&","t":"2024-01-01T00:00:00Z"}/'
}

# left DIR FIND-TEST...: fail listing what DIR still holds that matches.
left() {
	local dir=$1 got; shift
	got=$(find "$dir" -mindepth 1 "$@")
	[ -z "$got" ] || fail "left in $dir: $got"
}

# ends DIR FIND-TEST... -- CMD...: CMD with its reader gone early (| head),
# stopped by bad input, and killed by SIGTERM while it waits for input;
# nothing in DIR matches FIND-TEST after each.
ends() {
	local dir=$1 t=() pid prod st; shift
	while [ "$1" != -- ]; do t+=("$1"); shift; done; shift
	events 200000 | "$@" 2>/dev/null | head -c 1 >/dev/null
	left "$dir" "${t[@]}"
	run -65 "$@" < <(events 5000; echo 'not json')
	left "$dir" "${t[@]}"
	rm -f "$BATS_TEST_TMPDIR/fifo"; mkfifo "$BATS_TEST_TMPDIR/fifo"
	"$@" < "$BATS_TEST_TMPDIR/fifo" > /dev/null 2>&1 &
	pid=$!
	{ events 5000; sleep 3; } > "$BATS_TEST_TMPDIR/fifo" &
	prod=$!
	sleep 1
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 143 ] || fail "$*: exit $st after SIGTERM, not 143"
	wait "$prod"
	left "$dir" "${t[@]}"
}

@test "jsonl2csv --all-keys leaves no temporary file: closed stdout, bad input, SIGTERM" {
	mkdir "$BATS_TEST_TMPDIR/tmp"
	TMPDIR=$BATS_TEST_TMPDIR/tmp ends "$BATS_TEST_TMPDIR/tmp" -- \
	    jsonl2csv --all-keys
}

@test "dedupe's spill runs and spool leave nothing in --tmpdir: closed stdout, bad input, SIGTERM" {
	mkdir "$BATS_TEST_TMPDIR/tmp"
	ends "$BATS_TEST_TMPDIR/tmp" -- dedupe -k .a --drop --memory 64K \
	    --tmpdir "$BATS_TEST_TMPDIR/tmp"
	ends "$BATS_TEST_TMPDIR/tmp" -- dedupe -k .a --drop --keep last \
	    --tmpdir "$BATS_TEST_TMPDIR/tmp"
}

@test "chunk leaves no temporary chunk in -o: closed stdout, bad input, SIGTERM" {
	mkdir "$BATS_TEST_TMPDIR/out"
	ends "$BATS_TEST_TMPDIR/out" -name '.*' -- chunk --by .t -o "$BATS_TEST_TMPDIR/out"
	ends "$BATS_TEST_TMPDIR/out" -name '.*' -- chunk --shards 3 -k .a \
	    -o "$BATS_TEST_TMPDIR/out"
}
