#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the test suites.
#
#   pg.sh start DIR   initdb into DIR, start a server listening on a Unix
#                     socket in DIR and on TCP 127.0.0.1 (for the
#                     multi-host suites' workers), create database
#                     "sluice"; prints the environment to export (PGHOST,
#                     PGPORT, ...). The port is a free one, kept in
#                     DIR/port so a restart finds the server at the same
#                     place. Over TCP, role sluice is trusted and every
#                     other role must give its password (scram-sha-256).
#   pg.sh stop DIR    fast shutdown (the cluster can be started again)
#   pg.sh restart DIR stop and start again (fault tests)
#   pg.sh kill DIR    immediate shutdown, as in a crash
#   pg.sh destroy DIR stop and remove DIR
#
# As root the server runs as the "postgres" system user.
set -euo pipefail

bindir=$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || bindir=""
[ -n "$bindir" ] || { echo "pg.sh: no PostgreSQL server binaries found" >&2; exit 69; }

# A free TCP port on 127.0.0.1, unless the cluster already has one: two
# clusters on one machine (two checkouts under test) must not collide.
pick_port() {
	if [ -s "$1/port" ]; then
		cat "$1/port"
	else
		python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' |
		    tee "$1/port"
	fi
}

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

ctl() {
	as_owner "$bindir/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 "${@:2}"
}

start_server() {
	# The server must not inherit bats' fd 3, or bats waits for it.
	ctl "$1" 3>&- -o "-p $port -k $1 -c listen_addresses=127.0.0.1 -c fsync=off \
	    -c synchronous_commit=off -c full_page_writes=off \
	    -c max_connections=60" start >/dev/null
}

cmd=${1:?usage: pg.sh start|stop|restart|kill|destroy DIR}
dir=$(realpath -m "${2:?usage: pg.sh $cmd DIR}")
cd /	# the server's user may not be allowed into the caller's directory
case $cmd in
start)
	mkdir -p "$dir"
	chmod 755 "$dir"
	port=$(pick_port "$dir")
	[ "$(id -u)" = 0 ] && chown postgres: "$dir" "$dir/port"
	if ! [ -d "$dir/data" ]; then
		as_owner "$bindir/initdb" -D "$dir/data" -U sluice -A trust \
		    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		    { cat "$dir/initdb.log" >&2; exit 69; }
		cat >"$dir/data/pg_hba.conf" <<-EOF
		local all all trust
		host all sluice 127.0.0.0/8 trust
		host all all 127.0.0.0/8 scram-sha-256
		EOF
		[ "$(id -u)" = 0 ] && chown postgres: "$dir/data/pg_hba.conf"
		start_server "$dir"
		"$bindir/createdb" -h "$dir" -p "$port" -U sluice sluice
	else
		start_server "$dir"
	fi
	printf 'export PGHOST=%q PGPORT=%q PGUSER=sluice PGDATABASE=sluice SLUICE_PGDIR=%q\n' \
	    "$dir" "$port" "$dir"
	;;
stop)	ctl "$dir" -m fast stop >/dev/null ;;
restart) port=$(pick_port "$dir"); ctl "$dir" -m fast stop >/dev/null; start_server "$dir" ;;
kill)	ctl "$dir" -m immediate stop >/dev/null ;;
destroy)
	ctl "$dir" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)	echo "pg.sh: unknown command $cmd" >&2; exit 64 ;;
esac
