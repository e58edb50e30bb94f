# shellcheck shell=bash
# test/env/lib.sh: the convention every service script in test/env/ follows.
#
#   test/env/<service>.sh start   start it on 127.0.0.1 (idempotent: a running one is kept)
#   test/env/<service>.sh stop    stop it by pid file (idempotent)
#   test/env/<service>.sh env     print KEY=VALUE lines that tests read (endpoints, ports)
#
# Everything lives under $FRAISEQL_ENV_DIR (default: a per-user, per-checkout temp dir): data dirs, logs,
# pid files (<name>.pid) and env files (<name>.env). Ports are high and picked free at the
# first start, then remembered in the env file, so a restart reuses them. Debian packages are
# fetched with `apt-get download` and unpacked with `dpkg -x` into $FRAISEQL_DEB_CACHE (git-
# ignored .cache/deb under the repository), reused when present: nothing is installed system-
# wide and no system service is started. Nothing listens beyond 127.0.0.1.
set -euo pipefail

FRAISEQL_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# One env dir per checkout (hash of its path), so two clones never share services or ports.
FRAISEQL_CHECKOUT_ID=$(printf '%s' "$FRAISEQL_REPO" | md5sum | cut -c1-8)
export FRAISEQL_ENV_DIR=${FRAISEQL_ENV_DIR:-${TMPDIR:-/tmp}/otelcol-fraiseql-env-$(id -u)-$FRAISEQL_CHECKOUT_ID}
export FRAISEQL_DEB_CACHE=${FRAISEQL_DEB_CACHE:-$FRAISEQL_REPO/.cache/deb}
mkdir -p "$FRAISEQL_ENV_DIR" "$FRAISEQL_DEB_CACHE"

log() { printf '[test/env] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# deb_fetch PKG...: download and unpack Debian packages into $FRAISEQL_DEB_CACHE/root.
# A package already unpacked (marker file) is not fetched again.
deb_fetch() {
	local root=$FRAISEQL_DEB_CACHE/root dl=$FRAISEQL_DEB_CACHE/debs pkg deb
	mkdir -p "$root" "$dl" "$FRAISEQL_DEB_CACHE/done"
	for pkg in "$@"; do
		[ -e "$FRAISEQL_DEB_CACHE/done/$pkg" ] && continue
		log "fetching Debian package $pkg"
		(cd "$dl" && apt-get download "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
		# shellcheck disable=SC2012 # Debian package file names: no spaces or newlines
		deb=$(ls -t "$dl"/"${pkg}"_*.deb | head -n 1)
		dpkg -x "$deb" "$root" || die "dpkg -x $deb failed"
		touch "$FRAISEQL_DEB_CACHE/done/$pkg"
	done
}

# deb_root: where deb_fetch unpacks (prefix for binaries and libraries).
deb_root() { echo "$FRAISEQL_DEB_CACHE/root"; }

# free_port: an unused TCP port on 127.0.0.1 in the high range.
free_port() {
	python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# env_get NAME KEY: a value remembered in $FRAISEQL_ENV_DIR/NAME.env, or empty.
env_get() {
	local f=$FRAISEQL_ENV_DIR/$1.env
	if [ -f "$f" ]; then sed -n "s/^$2=//p" "$f" | tail -n 1; fi
}

# env_port NAME KEY: the remembered port, or a fresh free one that is then remembered.
env_port() {
	local v
	v=$(env_get "$1" "$2")
	if [ -z "$v" ]; then
		v=$(free_port)
		echo "$2=$v" >>"$FRAISEQL_ENV_DIR/$1.env"
	fi
	echo "$v"
}

# env_set NAME KEY VALUE: remember a value (replacing an earlier one).
env_set() {
	local f=$FRAISEQL_ENV_DIR/$1.env
	touch "$f"
	sed -i "/^$2=/d" "$f"
	echo "$2=$3" >>"$f"
}

# env_print NAME: print the env file of a service.
env_print() { cat "$FRAISEQL_ENV_DIR/$1.env" 2>/dev/null || true; }

# is_running NAME: the pid in NAME.pid is alive.
is_running() {
	local p=$FRAISEQL_ENV_DIR/$1.pid
	[ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null
}

# start_daemon NAME CMD...: run CMD in the background, logging to NAME.log, pid in NAME.pid.
# Does nothing when NAME is already running.
start_daemon() {
	local name=$1
	shift
	if is_running "$name"; then
		log "$name already running (pid $(cat "$FRAISEQL_ENV_DIR/$name.pid"))"
		return 0
	fi
	log "starting $name: $*"
	nohup "$@" >>"$FRAISEQL_ENV_DIR/$name.log" 2>&1 &
	echo $! >"$FRAISEQL_ENV_DIR/$name.pid"
}

# stop_pid NAME [SIGNAL [SECONDS [LAST_SIGNAL]]]: send SIGNAL (default TERM) to the pid in
# NAME.pid, wait up to SECONDS (default 10), then send LAST_SIGNAL (default KILL).
stop_pid() {
	local name=$1 sig=${2:-TERM} secs=${3:-10} last=${4:-KILL}
	local p=$FRAISEQL_ENV_DIR/$1.pid pid _
	[ -f "$p" ] || return 0
	pid=$(cat "$p")
	if kill -0 "$pid" 2>/dev/null; then
		log "stopping $name (pid $pid)"
		kill "-$sig" "$pid" 2>/dev/null || true
		for _ in $(seq 1 $((secs * 10))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then kill "-$last" "$pid" 2>/dev/null || true; fi
	fi
	rm -f "$p"
}

# wait_tcp PORT [SECONDS]: wait until 127.0.0.1:PORT accepts connections.
wait_tcp() {
	local port=$1 t=${2:-30} _
	for _ in $(seq 1 $((t * 10))); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_http URL [SECONDS]: wait until URL answers 2xx.
wait_http() {
	local url=$1 t=${2:-30} _
	for _ in $(seq 1 $((t * 10))); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
