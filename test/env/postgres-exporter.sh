#!/usr/bin/env bash
# test/env/postgres-exporter.sh: Debian's prometheus-postgres-exporter (0.11.1 on Debian 12)
# in front of the primary and of the replica of postgres.sh, as the reference the pgstats
# receiver is compared with (side-by-side test and scrape-cost benchmark). Both connect as
# the pg_monitor role; the extra query file holds only the package example's
# `pg_replication` block (its pg_stat_statements block fails on PostgreSQL 13+).
. "$(dirname "$0")/lib.sh"

NAME=postgres-exporter
DIR=$FRAISEQL_ENV_DIR/postgres-exporter

P1=$(env_port $NAME PGSTATS_PE_PRIMARY_PORT)
P2=$(env_port $NAME PGSTATS_PE_REPLICA_PORT)

case ${1:-} in
start)
	"$(dirname "$0")/postgres.sh" start >/dev/null
	deb_fetch prometheus-postgres-exporter >&2
	BIN=$(deb_root)/usr/bin/prometheus-postgres-exporter
	mkdir -p "$DIR"
	cat >"$DIR/queries.yaml" <<'YAML'
pg_replication:
  query: "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 ELSE GREATEST (0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))) END AS lag"
  master: true
  metrics:
    - lag:
        usage: "GAUGE"
        description: "Replication lag behind master in seconds"
YAML
	user=$(env_get postgres PGSTATS_USERNAME)
	[ -n "$user" ] || user=pgstats_mon
	pw=$(env_get postgres PGSTATS_PASSWORD)
	for which in primary replica; do
		if [ $which = primary ]; then
			pgport=$(env_get postgres PGSTATS_PRIMARY_PORT) port=$P1
		else
			pgport=$(env_get postgres PGSTATS_REPLICA_PORT) port=$P2
		fi
		DATA_SOURCE_NAME="host=127.0.0.1 port=$pgport user=$user password=$pw dbname=postgres sslmode=disable" \
			start_daemon $NAME-$which setpriv --reuid=postgres --regid=postgres --init-groups \
			"$BIN" --web.listen-address="127.0.0.1:$port" --extend.query-path="$DIR/queries.yaml" --log.level=warn
		wait_http "http://127.0.0.1:$port/metrics" 20 || { tail -n 20 "$FRAISEQL_ENV_DIR/$NAME-$which.log" >&2; die "postgres_exporter ($which) not answering"; }
	done
	;;
stop)
	stop_pid $NAME-primary
	stop_pid $NAME-replica
	;;
env)
	cat <<ENV
PGSTATS_PE_PRIMARY=127.0.0.1:$P1
PGSTATS_PE_REPLICA=127.0.0.1:$P2
ENV
	;;
*)
	echo "usage: $0 start|stop|env" >&2
	exit 2
	;;
esac
