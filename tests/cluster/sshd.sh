#!/usr/bin/env bash
# Throwaway OpenSSH "hosts" for the multi-host suites: each one a real
# sshd (Debian openssh-server) on its own loopback address and port, with
# its own host key and config in DIR, and its own Unix user, home and
# installed copy of the tools, so that nothing is shared with the caller
# or with another host by accident. Needs root (sshd switches users).
#
#   sshd.sh start DIR NAME ADDR   create the user, install the tools in
#                                 ~/.local/bin, start sshd on ADDR; add
#                                 "Host NAME" to DIR/ssh_config (use it
#                                 as ssh -F DIR/ssh_config NAME)
#   sshd.sh start DIR NAME ADDR self
#                                 the same, but the host logs in as the
#                                 caller (root) with the key in DIR, not
#                                 in ~/.ssh, and uses the tools of this
#                                 checkout (a machine sharing its files)
#   sshd.sh revive DIR NAME       start the killed host's sshd again
#   sshd.sh user DIR NAME         print the host's Unix user
#   sshd.sh kill DIR NAME         the host dies: kill its sshd and every
#                                 process of its user (by pid)
#   sshd.sh destroy DIR NAME      kill, then remove the user and its home
#
# The client key (DIR/id_ed25519) is a throwaway made by the first start;
# DIR/known_hosts holds each host's key, so host keys are checked.
set -euo pipefail

die() { echo "sshd.sh: $*" >&2; exit 69; }
cmd=${1:?usage: sshd.sh start|user|kill|destroy DIR NAME [ADDR]}
dir=$(realpath -m "${2:?usage: sshd.sh $cmd DIR NAME}")
name=${3:?usage: sshd.sh $cmd DIR NAME}
hd=$dir/$name
root=$(cd "$(dirname "$0")/../.." && pwd)

[ "$(id -u)" = 0 ] || die "needs root"

kill_host() {
	local pid p
	if [ -f "$hd/sshd.pid" ]; then
		pid=$(cat "$hd/sshd.pid")
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$hd/sshd.pid"
	fi
	[ -f "$hd/user" ] || return 0
	# every process of the host's user: its sessions and its jobs
	for p in $(ps -o pid= -u "$(cat "$hd/user")" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null || true
	done
}

case $cmd in
start)
	addr=${4:?usage: sshd.sh start DIR NAME ADDR}
	command -v /usr/sbin/sshd >/dev/null || die "no sshd (apt-get install openssh-server)"
	mkdir -p "$hd" /run/sshd
	chmod 755 "$dir"
	[ -f "$dir/id_ed25519" ] ||
	    ssh-keygen -q -t ed25519 -N '' -C sluice-test -f "$dir/id_ed25519"
	if [ "${5:-}" = self ]; then
		user=$(id -un)
		install -m 600 "$dir/id_ed25519.pub" "$hd/authorized_keys"
		keys=$hd/authorized_keys
		path=$root/bin:$root/scripts:/usr/local/bin:/usr/bin:/bin
		rootlogin=prohibit-password
		strict=no	# the key is under /tmp, which all may write (sticky)
	else
		# A user of its own: the name is unique to this run.
		user="sl${name}$$"
		user=${user:0:31}
		useradd -m -s /bin/bash -K UMASK=077 "$user" ||
		    die "useradd $user failed"
		echo "$user" >"$hd/user"
		usermod -p '*' "$user"	# not locked: sshd without PAM refuses "!"
		home=$(getent passwd "$user" | cut -d: -f6)
		chmod 700 "$home"
		install -d -m 700 -o "$user" -g "$user" "$home/.ssh" \
		    "$home/.local" "$home/.local/bin"
		install -m 600 -o "$user" -g "$user" "$dir/id_ed25519.pub" \
		    "$home/.ssh/authorized_keys"
		# The host's own install of the tools and runbooks.
		install -m 755 -o "$user" -g "$user" "$root"/bin/* \
		    "$root/scripts/sluice-backfill" \
		    "$root/scripts/sluice-verify" "$home/.local/bin"
		keys=.ssh/authorized_keys
		path=$home/.local/bin:/usr/local/bin:/usr/bin:/bin
		rootlogin=no
		strict=yes
	fi
	ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$hd/host_ed25519"
	port=$(python3 -c 'import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$addr")
	cat >"$hd/sshd_config" <<-EOF
	ListenAddress $addr:$port
	HostKey $hd/host_ed25519
	PidFile $hd/sshd.pid
	AuthorizedKeysFile $keys
	AllowUsers $user
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes $strict
	PermitRootLogin $rootlogin
	X11Forwarding no
	AllowTcpForwarding no
	PrintMotd no
	MaxStartups 100
	MaxSessions 100
	SetEnv PATH=$path
	LogLevel ERROR
	EOF
	# sshd must not inherit bats' fd 3, or bats waits for it.
	/usr/sbin/sshd -f "$hd/sshd_config" -E "$hd/sshd.log" 3>&- ||
	    die "sshd for $name did not start: $(cat "$hd/sshd.log")"
	for _ in $(seq 50); do [ -s "$hd/sshd.pid" ] && break; sleep 0.1; done
	echo "[$addr]:$port $(cut -d' ' -f1,2 "$hd/host_ed25519.pub")" \
	    >>"$dir/known_hosts"
	cat >>"$dir/ssh_config" <<-EOF
	Host $name
	  HostName $addr
	  Port $port
	  User $user
	  IdentityFile $dir/id_ed25519
	  IdentitiesOnly yes
	  UserKnownHostsFile $dir/known_hosts
	  GlobalKnownHostsFile /dev/null
	  StrictHostKeyChecking yes
	  BatchMode yes
	  ConnectTimeout 5
	  LogLevel ERROR
	EOF
	;;
revive)
	/usr/sbin/sshd -f "$hd/sshd_config" -E "$hd/sshd.log" 3>&- ||
	    die "sshd for $name did not start: $(cat "$hd/sshd.log")"
	for _ in $(seq 50); do [ -s "$hd/sshd.pid" ] && break; sleep 0.1; done
	;;
user)	cat "$hd/user" ;;
kill)	kill_host ;;
destroy)
	kill_host
	if [ -f "$hd/user" ]; then
		userdel -r "$(cat "$hd/user")" 2>/dev/null ||
		    userdel "$(cat "$hd/user")" 2>/dev/null || true
	fi
	rm -rf "$hd"
	;;
*)	die "unknown command $cmd" ;;
esac
