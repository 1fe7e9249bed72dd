#!/usr/bin/env bats
# scripts/sluice-backfill: sharded, parallel, resumable backfill of a JSON
# Lines file; a normal run, a kill and re-run (exactly once), and runs
# across machines through real OpenSSH: two "hosts" (tests/cluster/sshd.sh:
# sshd on 127.0.0.2 and 127.0.0.3, each its own Unix user, home and
# install of the tools, sharing nothing with this machine but the
# network) plus this machine; a host that dies mid-run; credentials that
# never reach a file, a command line or the output; work directories
# that belong to someone else.

load ../test_helper
load sums

table_sum() { events_sum w1_events; }
bats_require_minimum_version 1.5.0

setup_file() {
	export D="$BATS_FILE_TMPDIR/data"
	mkdir -p "$D"
	python3 "$ROOT/tests/gen/e2e-events.py" 4000 "$D"
	# dedupe by (session_id, event_type, time): the generator's repeats are
	# exact copies, so the distinct canonical rows are what must load
	sort -u "$D/expect.rows" >"$D/expect.unique"
	# the hosts: real sshd, as root (to run sshd and make users)
	export H="$BATS_FILE_TMPDIR/hosts"
	if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/sshd ] && command -v rsync >/dev/null; then
		"$ROOT/tests/cluster/sshd.sh" start "$H" w2 127.0.0.2
		"$ROOT/tests/cluster/sshd.sh" start "$H" w3 127.0.0.3
		"$ROOT/tests/cluster/sshd.sh" start "$H" w4 127.0.0.4 self
	fi
}

teardown() {
	if [ -f "$BATS_FILE_TMPDIR/other-user" ]; then
		userdel "$(cat "$BATS_FILE_TMPDIR/other-user")" 2>/dev/null || true
		rm -f "$BATS_FILE_TMPDIR/other-user"
	fi
}

teardown_file() {
	for h in w2 w3 w4; do
		[ -d "$H/$h" ] && "$ROOT/tests/cluster/sshd.sh" destroy "$H" "$h"
	done
	return 0
}

need_hosts() {
	[ "$(id -u)" = 0 ] || skip "needs root (sshd switches users)"
	[ -x /usr/sbin/sshd ] ||
	    skip "missing: no /usr/sbin/sshd (scripts/install-deps installs openssh-server)"
	need_program rsync
	[ -f "$H/ssh_config" ] || fail "the sshd hosts did not start"
	SSH=(--ssh "ssh -F $H/ssh_config")
	# the workers reach the database over TCP, as from another machine
	TCP="host=127.0.0.1 port=$PGPORT dbname=$PGDATABASE user=$PGUSER"
}

# files_not_private DIR...: the files and directories others could read
files_not_private() {
	find "$@" \( -type f -perm /077 \) -o \( -type d -perm /077 \) 2>/dev/null
}

# shard_hosts OUTPUT: the host column of the report's shard lines
shard_hosts() {
	awk '$1 ~ /^part-/ { print $5 }' <<<"$1" | sort -u
}

setup() {
	need_pg
	need_program parallel
	cd "$BATS_TEST_TMPDIR"
	psql -X -q -v ON_ERROR_STOP=1 -f "$FIX/e2e-events.sql" 2>/dev/null
	BF=("$ROOT/scripts/sluice-backfill" "$D/events.jsonl" -t w1_events
	    -k '[.session_id, .event_type, (.occurred_at // .created_at)]'
	    --require .event_type --require '(.event_type // "") != ""'
	    --require '.occurred_at // .created_at'
	    --map created_at='.occurred_at // .created_at'
	    --time '.occurred_at // .created_at' --column created_at
	    --ledger w1_ledger --run-id bf -w work --shards 4)
}

@test "sluice-backfill --help prints the usage and an example" {
	run "$ROOT/scripts/sluice-backfill" --help
	assert_success
	assert_line --partial "usage: sluice-backfill -t TABLE -k EXPR -w DIR [options] FILE"
	assert_line --partial "example:"
	run -64 "$ROOT/scripts/sluice-backfill" x
}

@test "a schema that refers to another file is refused before any shard is made" {
	printf '{"$ref":"defs.json#/$defs/e"}\n' >s.json
	printf '{"$defs":{"e":{"required":["event_type"]}}}\n' >defs.json
	run --separate-stderr "${BF[@]}" -s s.json
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"sluice-backfill: $PWD/s.json: every job reads the schema on its own; it must stand alone, without references to other files"* ]]
	[ ! -e work/shards.list ]
	run psql -X -tA -c 'SELECT count(*) FROM w1_events'
	assert_output 0
}

@test "a backfill loads each distinct valid record once and reports where every row went" {
	run "${BF[@]}" -j 2 -b 500
	assert_success
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
	bad=$(wc -l <"$D/expect.bad")
	dup=$(( $(wc -l <"$D/expect.rows") - $(wc -l <"$D/expect.unique") ))
	run "${BF[@]}" -j 2 -b 500
	assert_success
	assert_line "sluice-backfill: 4000 rows in, $(wc -l <"$D/expect.unique") loaded, $bad rejected, $dup duplicates"
	assert_line --regexp '^ +[0-9]+ --require \.event_type: null or missing$'
	assert_line --regexp "^total +$(wc -l <"$D/expect.unique") +$(wc -l <"$D/expect.unique")\$"
	refute_output --partial MISMATCH
	# the re-run loaded nothing twice
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
}

@test "a backfill killed with SIGKILL mid-run completes exactly once when re-run" {
	setsid "${BF[@]}" -j 2 -b 5 >first.out 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		n=$(q 'SELECT count(*) FROM w1_events')
		[ "$n" -ge 100 ] && break
		sleep 0.05
	done
	kill -9 -- -"$pid" 2>/dev/null || true
	wait "$pid" || true
	n=$(q 'SELECT count(*) FROM w1_events')
	echo "rows at the kill: $n" >&3
	[ "$n" -lt "$(wc -l <"$D/expect.unique")" ] || skip "the run finished before the kill"
	run "${BF[@]}" -j 2 -b 5
	assert_success
	refute_output --partial MISMATCH
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
}

@test "a backfill across two ssh hosts and this machine ships each shard and brings its results back" {
	need_hosts
	u2=$("$ROOT/tests/cluster/sshd.sh" user "$H" w2)
	u3=$("$ROOT/tests/cluster/sshd.sh" user "$H" w3)
	run "${BF[@]}" --shards 6 -j 1 -b 500 "${SSH[@]}" --dsn "$TCP" \
	    --sshlogin w2 --sshlogin w3 --sshlogin :
	assert_success
	refute_output --partial MISMATCH
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
	run pg-load --status --ledger=w1_ledger
	[ "$(grep -c '^bf-part-0000[1-6]	done	' <<<"$output")" -eq 6 ]
	# the report names the host of each shard: all three took some
	run "${BF[@]}" --shards 6 -j 1 "${SSH[@]}" --dsn "$TCP" \
	    --sshlogin w2 --sshlogin w3 --sshlogin :
	assert_success
	run shard_hosts "$output"
	assert_output "$(printf 'local\nw2\nw3')"
	# the hosts could not have read the work directory: it is root's, 0700
	run runuser -u "$u2" -- ls work
	assert_failure
	# every result came back; nothing is left on the hosts
	for s in 1 2 3 4 5 6; do
		for x in ok.jsonl rej.jsonl dupes.jsonl host; do
			[ -f "work/part-0000$s.$x" ]
		done
	done
	run find "$(getent passwd "$u2" | cut -d: -f6)" \
	    "$(getent passwd "$u3" | cut -d: -f6)" -path '*/.parallel/*' -type f
	assert_output ""
	# and every file made here is the user's alone
	run files_not_private work
	assert_output ""
	[ "$(stat -c %a work)" = 700 ]
}

@test "a host that dies mid-run: the same command run again loads every shard exactly once" {
	need_hosts
	u3=$("$ROOT/tests/cluster/sshd.sh" user "$H" w3)
	bf=("${BF[@]}" --shards 8 -j 1 -b 5 "${SSH[@]}" --dsn "$TCP" \
	    --sshlogin w2 --sshlogin w3 --sshlogin :)
	setsid "${bf[@]}" >first.out 2>&1 &
	pid=$!
	# kill w3 while one of its jobs is loading
	for _ in $(seq 400); do
		ps -o args= -u "$u3" | grep -q '[p]g-load' && break
		sleep 0.05
	done
	sleep 0.3
	"$ROOT/tests/cluster/sshd.sh" kill "$H" w3
	wait "$pid" && first=0 || first=$?
	echo "first run: exit $first, $(q 'SELECT count(*) FROM w1_events') rows" >&3
	# again, with w3 still down
	run "${bf[@]}"
	"$ROOT/tests/cluster/sshd.sh" revive "$H" w3
	[ "$status" = 0 ] || { cat first.out; ls -la work; cat work/joblog; } >&3
	assert_success
	assert_output --partial "w3: does not answer; left out"
	refute_output --partial MISMATCH
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
	run pg-load --status --ledger=w1_ledger
	[ "$(grep -c '^bf-part-0000[1-8]	done	' <<<"$output")" -eq 8 ]
}

@test "a shared work directory: nothing is transferred, the host works in place" {
	need_hosts
	run "${BF[@]}" -j 1 -b 500 "${SSH[@]}" --dsn "$TCP" --shared-workdir \
	    --sshlogin w4 --sshlogin :
	assert_success
	refute_output --partial MISMATCH
	run shard_hosts "$output"
	assert_output "$(printf 'local\nw4')"
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
}

@test "a password reaches the hosts in no file, no command line and no output" {
	need_hosts
	secret="pw-$RANDOM$RANDOM-s3cret"
	q "DROP ROLE IF EXISTS bf_secret" >/dev/null 2>&1 || true
	q "CREATE ROLE bf_secret LOGIN SUPERUSER PASSWORD '$secret'"
	u2=$("$ROOT/tests/cluster/sshd.sh" user "$H" w2)
	u3=$("$ROOT/tests/cluster/sshd.sh" user "$H" w3)
	homes=("$(getent passwd "$u2" | cut -d: -f6)" "$(getent passwd "$u3" | cut -d: -f6)")
	# a wrong password is refused: the password is really checked
	DATABASE_URL="postgresql://bf_secret:wrong@127.0.0.1:$PGPORT/$PGDATABASE" \
	    run "${BF[@]}" -j 1 -b 500 "${SSH[@]}" --sshlogin w2 -w wrong
	assert_failure
	# sample every command line and the hosts' files while it runs (the
	# pattern in a file, so that grep's own command line does not hold it)
	: >cmdlines; : >loose
	printf '%s\n' "$secret" >pattern
	(
		while [ ! -e stop ]; do
			for f in $(grep -laF -f pattern /proc/[0-9]*/cmdline 2>/dev/null); do
				tr '\0' ' ' <"$f" >>cmdlines; echo >>cmdlines
			done
			find "${homes[@]}" -path '*/.parallel/*' -type f -perm /077 \
			    >>loose 2>/dev/null || true
			grep -laF -e --shard-job /proc/[0-9]*/cmdline >>seen 2>/dev/null || true
			sleep 0.02
		done
	) &
	sampler=$!
	DATABASE_URL="postgresql://bf_secret:$secret@127.0.0.1:$PGPORT/$PGDATABASE" \
	    run "${BF[@]}" -j 1 -b 200 "${SSH[@]}" \
	    --sshlogin w2 --sshlogin w3 --sshlogin :
	touch stop
	wait "$sampler"
	assert_success
	refute_output --partial MISMATCH
	refute_output --partial "$secret"
	run table_sum
	assert_output "$(file_sum "$D/expect.unique")"
	run cat cmdlines loose
	assert_output ""
	[ -s seen ]	# the sampler did see the shard jobs
	run grep -rlF -- "$secret" work "${homes[@]}" "$H"
	assert_output ""
	run files_not_private work
	assert_output ""
	q "DROP ROLE bf_secret" >/dev/null 2>&1 || true
}

@test "a work directory made by someone else is refused and nothing in it runs" {
	[ "$(id -u)" = 0 ] || skip "needs root (useradd)"
	other="slother$$"
	useradd -M -s /usr/sbin/nologin "$other"
	echo "$other" >"$BATS_FILE_TMPDIR/other-user"	# removed by teardown
	mkdir theirs
	printf 'touch %q\nSB_TABLE=w1_events\n' "$PWD/pwned" >theirs/job.env
	printf '/etc/passwd\n' >theirs/shards.list
	chown -R "$other" theirs
	chmod 755 theirs
	run -73 "${BF[@]}" -w theirs
	assert_output --partial "owned by uid $(id -u "$other"), not by you"
	# group- or world-writable, though ours: refused as well
	chown -R root theirs
	chmod 777 theirs
	run -73 "${BF[@]}" -w theirs
	assert_output --partial "group or world writable"
	# ours and private, with planted files: job.env is never read, a
	# shards.list of another owner or naming other files is refused
	chmod 700 theirs
	chown "$other" theirs/shards.list
	run -73 "${BF[@]}" -w theirs
	assert_output --partial "shards.list: owned by uid"
	chown root theirs/shards.list
	run -73 "${BF[@]}" -w theirs
	assert_output --partial "'/etc/passwd' is not a shard of this directory"
	[ ! -e pwned ]
	[ ! -e theirs/job.env ]
	run q 'SELECT count(*) FROM w1_events'
	assert_output 0
	# a new work directory is made private
	run "${BF[@]}" -j 2 -b 500
	assert_success
	[ "$(stat -c %a work)" = 700 ]
	run files_not_private work
	assert_output ""
	[ ! -e pwned ]
}

@test "a shard job that never ran fails the backfill instead of passing as empty" {
	need_program rsync
	# an "ssh" that connects to nothing and reports success
	run "${BF[@]}" -j 1 -b 500 --ssh true --sshlogin 1/nowhere
	assert_failure 1
	assert_output --partial "sluice-backfill: shard part-00001 did not run to the end"
	refute_output --partial "rows in"
}

@test "a shard job loads nothing from a shard cut short or results that do not add up" {
	mkdir -m 700 w w/shards
	head -n 50 "$D/events.jsonl" >w/shards/part-00001.jsonl
	size=$(stat -c %s w/shards/part-00001.jsonl)
	job=("$ROOT/scripts/sluice-backfill" --shard-job "$PWD/w" shards/part-00001.jsonl
	    -t w1_events -k .id --ledger w1_ledger --run-id cut
	    --map created_at='.occurred_at // .created_at')
	run -75 "${job[@]}" --bytes $((size + 10))
	assert_output --partial "part-00001 on :: the shard or its results are incomplete; not loaded"
	# results of another attempt that do not account for every line
	printf '{"id":1}\n' >w/part-00001.ok.jsonl
	: >w/part-00001.rej.jsonl
	: >w/part-00001.dupes.jsonl
	run -75 "${job[@]}" --bytes "$size"
	run q 'SELECT count(*) FROM w1_events'
	assert_output 0
	[ ! -e w/part-00001.host ]
}

@test "pg-load processes that create the same ledger at once all succeed" {
	for i in 1 2 3 4; do
		python3 -c 'import sys; print("{\"id\":%s,\"event_type\":\"x\",\"created_at\":\"2024-01-01T00:00:00Z\"}" % sys.argv[1])' "$i" >in$i.jsonl
	done
	for i in 1 2 3 4; do
		pg-load -q -t w1_events --ledger=w1_ledger --run-id race-$i in$i.jsonl 2>err$i &
	done
	fails=0
	for i in 1 2 3 4; do wait %$i || fails=$((fails + 1)); done
	cat err* >&3
	[ "$fails" -eq 0 ]
	run q 'SELECT count(*) FROM w1_events'
	assert_output 4
}
