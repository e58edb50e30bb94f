#!/usr/bin/env bash
# test/env/prometheus.sh start|stop|env — a Prometheus server on 127.0.0.1 with the
# remote-write receiver on (Debian package `prometheus`, unpacked into the deb cache; no
# system service). Its TSDB lives under $FRAISEQL_ENV_DIR/prometheus.
# env prints PROMETHEUS_URL=http://127.0.0.1:PORT (remote write: $PROMETHEUS_URL/api/v1/write).
source "$(dirname "$0")/lib.sh"

name=prometheus
data=$FRAISEQL_ENV_DIR/prometheus

start() {
	deb_fetch prometheus
	local bin port
	bin=$(deb_root)/usr/bin/prometheus
	[ -x "$bin" ] || die "no prometheus binary at $bin"
	port=$(env_port "$name" PROMETHEUS_PORT)
	env_set "$name" PROMETHEUS_URL "http://127.0.0.1:$port"
	mkdir -p "$data/tsdb"
	cat >"$data/prometheus.yml" <<'YAML'
global:
  scrape_interval: 15s
YAML
	start_daemon "$name" "$bin" \
		--config.file="$data/prometheus.yml" \
		--storage.tsdb.path="$data/tsdb" \
		--storage.tsdb.retention.time=1d \
		--web.listen-address="127.0.0.1:$port" \
		--web.enable-remote-write-receiver \
		--enable-feature=exemplar-storage
	wait_http "http://127.0.0.1:$port/-/ready" 60 || die "prometheus not ready on port $port (log: $FRAISEQL_ENV_DIR/$name.log)"
	log "prometheus ready on 127.0.0.1:$port"
}

case ${1:-} in
start) start ;;
stop) stop_pid "$name" ;;
env) env_print "$name" | grep '^PROMETHEUS_URL=' ;;
*) die "usage: $0 start|stop|env" ;;
esac
