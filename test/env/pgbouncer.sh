#!/usr/bin/env bash
# test/env/pgbouncer.sh: PgBouncer on 127.0.0.1 in front of the primary of postgres.sh, for
# the pgstats receiver's integration tests (see lib.sh for the start|stop|env convention).
#
# Databases `postgres` and `bench` point at the primary; transaction pooling with a pool of
# PGSTATS_PGBOUNCER_POOL_SIZE (2) server connections per pool, so a handful of concurrent
# clients produces cl_waiting > 0. Admin console (`-d pgbouncer`): `postgres` is an admin
# user, `pgstats_mon` a stats user (what the receiver uses). Passwords are those of
# postgres.sh (scram-sha-256; userlist.txt holds them so PgBouncer can log in to the server).
# Optional (the demo stack of test/demo/ uses them): PGBOUNCER_POOL_SIZE overrides the pool
# size; PGBOUNCER_EXTRA_DATABASES adds lines to [databases] and PGBOUNCER_EXTRA_USERS lines to
# userlist.txt ("user" "password").
# Binary: Debian's pgbouncer package (and libc-ares2) unpacked by deb_fetch; runs as user
# postgres (it refuses root).
. "$(dirname "$0")/lib.sh"

NAME=pgbouncer
DIR=$FRAISEQL_ENV_DIR/pgbouncer
POOL_SIZE=${PGBOUNCER_POOL_SIZE:-2}

pgb_bin() {
	if command -v pgbouncer >/dev/null 2>&1; then
		command -v pgbouncer
		return
	fi
	deb_fetch pgbouncer libc-ares2 libevent-2.1-7 >&2
	echo "$(deb_root)/usr/sbin/pgbouncer"
}

PORT=$(env_port $NAME PGSTATS_PGBOUNCER_PORT)

case ${1:-} in
start)
	# PgBouncer needs the primary (and its passwords): start it first (idempotent).
	"$(dirname "$0")/postgres.sh" start >/dev/null
	PPORT=$(env_get postgres PGSTATS_PRIMARY_PORT)
	BIN=$(pgb_bin)
	LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$(deb_root)/usr/lib/x86_64-linux-gnu
	export LD_LIBRARY_PATH
	mkdir -p "$DIR"
	cat >"$DIR/pgbouncer.ini" <<INI
[databases]
postgres = host=127.0.0.1 port=$PPORT dbname=postgres
bench = host=127.0.0.1 port=$PPORT dbname=bench
${PGBOUNCER_EXTRA_DATABASES:-}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $DIR/userlist.txt
admin_users = postgres
stats_users = pgstats_mon
pool_mode = transaction
default_pool_size = $POOL_SIZE
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,application_name
INI
	{
		printf '"postgres" "%s"\n' "$(env_get postgres PGSTATS_ADMIN_PASSWORD)"
		printf '"pgstats_mon" "%s"\n' "$(env_get postgres PGSTATS_PASSWORD)"
		printf '"pgstats_min" "%s"\n' "$(env_get postgres PGSTATS_NOPRIV_PASSWORD)"
		[ -z "${PGBOUNCER_EXTRA_USERS:-}" ] || printf '%s\n' "$PGBOUNCER_EXTRA_USERS"
	} >"$DIR/userlist.txt"
	chown -R postgres: "$DIR"
	chmod 600 "$DIR/userlist.txt"
	# Foreground (no -d) so the pid start_daemon records is pgbouncer's own.
	start_daemon $NAME setpriv --reuid=postgres --regid=postgres --init-groups \
		env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$BIN" "$DIR/pgbouncer.ini"
	wait_tcp "$PORT" 20 || { tail -n 20 "$FRAISEQL_ENV_DIR/$NAME.log" >&2; die "pgbouncer not listening on $PORT"; }
	;;
stop)
	stop_pid $NAME
	;;
env)
	cat <<ENV
PGSTATS_PGBOUNCER=127.0.0.1:$PORT
PGSTATS_PGBOUNCER_POOL_SIZE=$POOL_SIZE
ENV
	;;
*)
	echo "usage: $0 start|stop|env" >&2
	exit 2
	;;
esac
