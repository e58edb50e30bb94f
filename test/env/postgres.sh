#!/usr/bin/env bash
# test/env/postgres.sh: a PostgreSQL 15 primary and a streaming replica on 127.0.0.1 for the
# pgstats receiver's integration tests (see lib.sh for the start|stop|env convention).
#
#   start            initdb the primary (first time), start it, make the replica with
#                    `pg_basebackup -R -S pgstats_replica` (physical slot), start it
#   stop             stop the replica, then the primary (fast shutdown, by pid)
#   env              PGSTATS_* variables: endpoints, roles, passwords, helper binaries
#   start-primary | stop-primary | start-replica | stop-replica
#                    one server only (the integration tests use these to stop and
#                    restart a server in a scenario and restore it afterwards)
#
# The primary has pg_stat_statements preloaded and created in `postgres` and `bench`,
# track_io_timing on, max_connections 60. Roles (password auth, scram-sha-256):
#   postgres     superuser (the tests' admin connection)
#   pgstats_mon  LOGIN + pg_monitor (what the receiver should use)
#   pgstats_min  LOGIN, no pg_monitor (the restricted-role scenario)
# Binaries: /usr/lib/postgresql/15/bin when installed, else Debian's postgresql-15 and
# postgresql-client-15 unpacked by deb_fetch. The servers run as user `postgres` (they refuse
# root); their data dirs are under $FRAISEQL_ENV_DIR/postgres owned by postgres.
. "$(dirname "$0")/lib.sh"

NAME=postgres
DIR=$FRAISEQL_ENV_DIR/postgres
SLOT=pgstats_replica
RUN_AS=postgres

pg_bindir() {
	if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
		echo /usr/lib/postgresql/15/bin
		return
	fi
	# The server's shared libraries (libicu, libxml2, ...) are fetched too in case the
	# machine lacks them; PostgreSQL finds its share/ and lib/ relative to bin/.
	deb_fetch libpq5 postgresql-client-15 postgresql-15 libicu72 libxml2 libldap-2.5-0 liblz4-1 libzstd1 >&2
	echo "$(deb_root)/usr/lib/postgresql/15/bin"
}

# The servers refuse to run as root: use the `postgres` user the Debian packages create, or
# create a system user of that name on a machine without them.
if ! id "$RUN_AS" >/dev/null 2>&1; then
	log "creating system user $RUN_AS"
	useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_AS" || die "cannot create user $RUN_AS"
fi

B=$(pg_bindir)
LIBS=$(deb_root)/usr/lib/x86_64-linux-gnu:$(deb_root)/usr/lib/postgresql/15/lib
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$LIBS

as_pg() { setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$@"; }

# Wrappers so tests can run psql/pgbench without knowing where they come from.
write_wrappers() {
	mkdir -p "$DIR/bin"
	local t
	for t in psql pgbench; do
		printf '#!/bin/sh\nLD_LIBRARY_PATH="%s" exec "%s/%s" "$@"\n' "$LD_LIBRARY_PATH" "$B" "$t" >"$DIR/bin/$t"
		chmod 755 "$DIR/bin/$t"
	done
}

secret() {
	local v
	v=$(env_get $NAME "$1")
	if [ -z "$v" ]; then
		v=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
		env_set $NAME "$1" "$v"
	fi
	echo "$v"
}

PPORT=$(env_port $NAME PGSTATS_PRIMARY_PORT)
RPORT=$(env_port $NAME PGSTATS_REPLICA_PORT)
ADMIN_PW=$(secret PGSTATS_ADMIN_PASSWORD)
MON_PW=$(secret PGSTATS_PASSWORD)
MIN_PW=$(secret PGSTATS_NOPRIV_PASSWORD)

psql_admin() {
	local port=$1
	shift
	PGPASSWORD=$ADMIN_PW "$B/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
}

# pid_of DATADIR: the postmaster pid from its postmaster.pid, if that process lives.
pid_of() {
	local f=$1/postmaster.pid pid
	[ -f "$f" ] || return 1
	pid=$(head -n 1 "$f")
	kill -0 "$pid" 2>/dev/null && echo "$pid"
}

pg_start() { # name datadir port
	local name=$1 data=$2 port=$3 pid
	if pid=$(pid_of "$data"); then
		echo "$pid" >"$FRAISEQL_ENV_DIR/$name.pid"
		log "$name already running (pid $pid)"
		return 0
	fi
	log "starting $name on 127.0.0.1:$port"
	as_pg "$B/pg_ctl" -D "$data" -l "$DIR/$name.log" -w -t 60 -o "-p $port" start >/dev/null ||
		{ tail -n 20 "$DIR/$name.log" >&2; die "$name did not start"; }
	pid_of "$data" >"$FRAISEQL_ENV_DIR/$name.pid"
}

# pg_stop NAME: PostgreSQL's fast shutdown (SIGINT), up to 30 s, then immediate (SIGQUIT).
pg_stop() { stop_pid "$1" INT 30 QUIT; }

init_primary() {
	[ -f "$DIR/primary/PG_VERSION" ] && return 0
	log "initdb primary in $DIR/primary"
	rm -rf "$DIR/primary" "$DIR/replica"
	mkdir -p "$DIR/run"
	chown -R $RUN_AS: "$DIR"
	local pwfile=$DIR/.pw
	printf '%s\n' "$ADMIN_PW" >"$pwfile"
	chown $RUN_AS: "$pwfile"
	chmod 600 "$pwfile"
	as_pg "$B/initdb" -D "$DIR/primary" -U postgres --pwfile="$pwfile" -A scram-sha-256 \
		--auth-local=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
		{ cat "$DIR/initdb.log" >&2; die "initdb failed"; }
	rm -f "$pwfile"
	cat >>"$DIR/primary/postgresql.conf" <<EOF
# test/env/postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/run'
shared_preload_libraries = 'pg_stat_statements'
track_io_timing = on
max_connections = 60
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
hot_standby_feedback = on
wal_receiver_status_interval = 1s
deadlock_timeout = 200ms
logging_collector = off
EOF
	cat >"$DIR/primary/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host replication postgres 127.0.0.1/32 scram-sha-256
EOF
	pg_start postgres-primary "$DIR/primary" "$PPORT"
	psql_admin "$PPORT" -d postgres >/dev/null <<SQL
CREATE ROLE pgstats_mon LOGIN PASSWORD '$MON_PW';
GRANT pg_monitor TO pgstats_mon;
CREATE ROLE pgstats_min LOGIN PASSWORD '$MIN_PW';
CREATE DATABASE bench;
CREATE EXTENSION pg_stat_statements;
SELECT 1 FROM pg_create_physical_replication_slot('$SLOT');
SQL
	psql_admin "$PPORT" -d bench -c 'CREATE EXTENSION pg_stat_statements' >/dev/null
}

init_replica() {
	[ -f "$DIR/replica/PG_VERSION" ] && return 0
	log "pg_basebackup replica into $DIR/replica (slot $SLOT)"
	as_pg env PGPASSWORD="$ADMIN_PW" "$B/pg_basebackup" -h 127.0.0.1 -p "$PPORT" -U postgres \
		-D "$DIR/replica" -R -S "$SLOT" -X stream -c fast >"$DIR/basebackup.log" 2>&1 ||
		{ cat "$DIR/basebackup.log" >&2; rm -rf "$DIR/replica"; die "pg_basebackup failed"; }
	# -R wrote standby.signal and primary_conninfo (with the password from PGPASSWORD).
	# cluster_name becomes the walreceiver's application_name on the primary.
	printf "primary_slot_name = '%s'\ncluster_name = 'replica1'\n" "$SLOT" >>"$DIR/replica/postgresql.auto.conf"
}

start_primary() {
	init_primary
	pg_start postgres-primary "$DIR/primary" "$PPORT"
}

start_replica() {
	init_replica
	pg_start postgres-replica "$DIR/replica" "$RPORT"
}

case ${1:-} in
start)
	mkdir -p "$DIR"
	write_wrappers
	start_primary
	start_replica
	wait_tcp "$RPORT" 30 || die "replica not listening"
	;;
stop)
	pg_stop postgres-replica
	pg_stop postgres-primary
	;;
start-primary) start_primary ;;
stop-primary) pg_stop postgres-primary ;;
start-replica) start_replica ;;
stop-replica) pg_stop postgres-replica ;;
env)
	cat <<EOF
PGSTATS_PRIMARY=127.0.0.1:$PPORT
PGSTATS_REPLICA=127.0.0.1:$RPORT
PGSTATS_USERNAME=pgstats_mon
PGSTATS_PASSWORD=$MON_PW
PGSTATS_NOPRIV_USERNAME=pgstats_min
PGSTATS_NOPRIV_PASSWORD=$MIN_PW
PGSTATS_ADMIN_USERNAME=postgres
PGSTATS_ADMIN_PASSWORD=$ADMIN_PW
PGSTATS_SLOT=$SLOT
PGSTATS_PSQL=$DIR/bin/psql
PGSTATS_PGBENCH=$DIR/bin/pgbench
PGSTATS_ENV_SCRIPT=$FRAISEQL_REPO/test/env/postgres.sh
EOF
	;;
*)
	echo "usage: $0 start|stop|env|start-primary|stop-primary|start-replica|stop-replica" >&2
	exit 2
	;;
esac
