#!/usr/bin/env bash
# test/demo/demo.sh start|stop|status — the whole chain on one machine, loopback only, no
# Docker (`make demo` / `make demo-stop` call it after building what it runs).
#
#   start   start every part (idempotent: parts already running are kept; a second start of a
#           running stack says so and exits 0), wait until each answers, write
#           data/demo/endpoints.env and print what runs where
#   stop    stop every part by pid, newest first, and check that none of its ports still listens
#   status  the pid and state of every part
#   restart-service  restart the demo service (fraiseql-demo) alone, as a deploy of a fix does
#
# Parts (each a process with a pid file under data/demo/run/, a log beside it):
#   postgres-primary, postgres-replica, pgbouncer   test/env/postgres.sh and pgbouncer.sh
#   incident-fakes      PagerDuty / Slack / ticket webhook contract fakes (recording)
#   victoria-logs       log store (OTLP protobuf in, LogsQL and its UI)
#   jaeger              trace store (Jaeger v2, in-memory, OTLP in, query API)
#   alertmanager        the shipped configs/alertmanager/alertmanager.yml (see alertmanager_config)
#   prometheus          the shipped rules, remote-write receiver, exemplar storage
#   gateway-1, gateway-2  the shipped configs/gateway.yaml, static resolver over both replicas
#   pgstats             the shipped configs/pgstats.yaml: the one Postgres scraper
#   agent               the shipped configs/agent.yaml
#   fraiseql-demo, fraiseql-edge, fraiseql-load   the demo service, its edge and the load driver
#                       (bin/fraiseql-demo); without that binary, telemetrygen sends a stand-in load
#
# Everything lives under data/demo/ (git-ignored). Ports are picked free on the first start
# and remembered in data/demo/run/demo.env, so a restart reuses them. endpoints.env is
# NAME=value lines (a value with spaces is double-quoted), so a shell can source it:
#   set -a; . data/demo/endpoints.env; set +a
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEMO_DIR=${FRAISEQL_DEMO_DIR:-$REPO/data/demo}
export FRAISEQL_ENV_DIR=$DEMO_DIR/run
# shellcheck source=../env/lib.sh
. "$REPO/test/env/lib.sh"
log() { printf '[demo] %s\n' "$*" >&2; }

OTELCOL=${OTELCOL_BINARY:-$REPO/_build/otelcol-fraiseql}
TOOLS_BIN=$REPO/bin/demo
DEMO_BIN=${FRAISEQL_DEMO_BINARY:-$REPO/bin/fraiseql-demo}
TELEMETRYGEN=${TELEMETRYGEN:-}
ENDPOINTS=$DEMO_DIR/endpoints.env

# Sampling of the gateways' tail_sampling "rest" policy and the slow-trace threshold: the
# shipped defaults (5 %, 500 ms) are kept; the end-to-end test reads them from endpoints.env.
SAMPLING_PERCENT=${FRAISEQL_SAMPLING_PERCENT:-5}
SLOW_TRACE_MS=${FRAISEQL_SLOW_TRACE_MS:-500}
# The anomaly processor scores a series after this many points (shipped default 150: ~40 min
# at a 15 s interval); the demo scores after 10 so the anomaly panels fill within minutes.
ANOMALY_WARMUP_POINTS=${FRAISEQL_ANOMALY_WARMUP_POINTS:-10}
# The cardinality processor's per-metric limit (shipped default 2000).
MAX_SERIES_PER_METRIC=${FRAISEQL_MAX_SERIES_PER_METRIC:-2000}

# Parts in start order; stop goes in reverse. postgres/pgbouncer are handled by test/env.
PARTS=(incident-fakes victoria-logs jaeger alertmanager prometheus gateway-1 gateway-2 pgstats agent
	fraiseql-demo fraiseql-edge fraiseql-load)

port() { env_port demo "$1"; }
secret_file() { # NAME: a random secret kept in data/demo/secrets/NAME
	local f=$DEMO_DIR/secrets/$1
	if [ ! -s "$f" ]; then
		mkdir -p "$DEMO_DIR/secrets"
		head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 >"$f"
		chmod 600 "$f"
	fi
	echo "$f"
}

need() { [ -x "$1" ] || die "$1 is missing: run \`make demo\` (it builds $2)"; }

# --- ports (remembered) ---------------------------------------------------------------------
P_FAKES=$(port FAKES_PORT)
P_VL=$(port VICTORIALOGS_PORT)
P_JQ_HTTP=$(port JAEGER_QUERY_HTTP_PORT)
P_JQ_GRPC=$(port JAEGER_QUERY_GRPC_PORT)
P_J_OTLP_GRPC=$(port JAEGER_OTLP_GRPC_PORT)
P_J_OTLP_HTTP=$(port JAEGER_OTLP_HTTP_PORT)
P_J_HEALTH=$(port JAEGER_HEALTH_PORT)
P_J_METRICS=$(port JAEGER_METRICS_PORT)
P_AM=$(port ALERTMANAGER_PORT)
P_PROM=$(port PROMETHEUS_PORT)
for i in 1 2; do
	for k in OTLP_GRPC OTLP_HTTP TIER2 HEALTH TELEMETRY; do
		declare "P_G${i}_$k=$(port "GATEWAY${i}_${k}_PORT")"
	done
done
P_A_OTLP_GRPC=$(port AGENT_OTLP_GRPC_PORT)
P_A_OTLP_HTTP=$(port AGENT_OTLP_HTTP_PORT)
P_A_HEALTH=$(port AGENT_HEALTH_PORT)
P_A_TELEMETRY=$(port AGENT_TELEMETRY_PORT)
P_S_HEALTH=$(port PGSTATS_HEALTH_PORT)
P_S_TELEMETRY=$(port PGSTATS_TELEMETRY_PORT)
P_DEMO=$(port DEMO_GRAPHQL_PORT)
P_DEMO_ADMIN=$(port DEMO_ADMIN_PORT)
P_EDGE=$(port DEMO_EDGE_PORT)

# Every port a part of this script listens on (stop checks that none is left).
# shellcheck disable=SC2153 # the P_G<i>_* ports are assigned with declare in the loop above
own_ports() {
	echo "$P_FAKES $P_VL $P_JQ_HTTP $P_JQ_GRPC $P_J_OTLP_GRPC $P_J_OTLP_HTTP $P_J_HEALTH $P_J_METRICS" \
		"$P_AM $P_PROM $P_G1_OTLP_GRPC $P_G1_OTLP_HTTP $P_G1_TIER2 $P_G1_HEALTH $P_G1_TELEMETRY" \
		"$P_G2_OTLP_GRPC $P_G2_OTLP_HTTP $P_G2_TIER2 $P_G2_HEALTH $P_G2_TELEMETRY" \
		"$P_A_OTLP_GRPC $P_A_OTLP_HTTP $P_A_HEALTH $P_A_TELEMETRY $P_DEMO $P_DEMO_ADMIN $P_EDGE" \
		"$P_S_HEALTH $P_S_TELEMETRY" \
		"$(env_get postgres PGSTATS_PRIMARY_PORT) $(env_get postgres PGSTATS_REPLICA_PORT)" \
		"$(env_get pgbouncer PGSTATS_PGBOUNCER_PORT)"
}

listening() { # PORT: something listens on it
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

wait_up() { # NAME URL SECONDS: wait for a 2xx, fail with the part's log
	local name=$1 url=$2 t=${3:-60}
	if ! wait_http "$url" "$t"; then
		tail -n 30 "$FRAISEQL_ENV_DIR/$name.log" >&2 || true
		die "$name did not answer $url within ${t}s (log: $FRAISEQL_ENV_DIR/$name.log)"
	fi
	is_running "$name" || die "$name exited (log: $FRAISEQL_ENV_DIR/$name.log)"
}

# --- PostgreSQL + PgBouncer ------------------------------------------------------------------
DB_USER=fraiseql
DB_NAME=fraiseql
start_databases() {
	local pw admin psql
	"$REPO/test/env/postgres.sh" start
	pw=$(cat "$(secret_file fraiseql-db-password)")
	admin=$(env_get postgres PGSTATS_ADMIN_PASSWORD)
	psql=$FRAISEQL_ENV_DIR/postgres/bin/psql
	if ! PGPASSWORD=$admin "$psql" -X -qtA -h 127.0.0.1 -p "$(env_get postgres PGSTATS_PRIMARY_PORT)" -U postgres -d postgres \
		-c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
		log "creating role and database $DB_NAME"
		PGPASSWORD=$admin "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(env_get postgres PGSTATS_PRIMARY_PORT)" -U postgres -d postgres \
			-c "CREATE ROLE $DB_USER LOGIN PASSWORD '$pw'" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null
		PGPASSWORD=$admin "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(env_get postgres PGSTATS_PRIMARY_PORT)" -U postgres -d "$DB_NAME" \
			-c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
	fi
	PGBOUNCER_POOL_SIZE=5 \
		PGBOUNCER_EXTRA_DATABASES="$DB_NAME = host=127.0.0.1 port=$(env_get postgres PGSTATS_PRIMARY_PORT) dbname=$DB_NAME" \
		PGBOUNCER_EXTRA_USERS="\"$DB_USER\" \"$pw\"" \
		"$REPO/test/env/pgbouncer.sh" start
	# The gateways' pgstats receivers log in as the pg_monitor role of postgres.sh.
	env_get postgres PGSTATS_PASSWORD >"$DEMO_DIR/secrets/pg-monitor-password"
	chmod 600 "$DEMO_DIR/secrets/pg-monitor-password"
}

# --- incident fakes -------------------------------------------------------------------------
start_fakes() {
	need "$TOOLS_BIN/incident-fakes" incident-fakes
	start_daemon incident-fakes "$TOOLS_BIN/incident-fakes" -listen "127.0.0.1:$P_FAKES"
	wait_up incident-fakes "http://127.0.0.1:$P_FAKES/healthz" 20
}

# --- VictoriaLogs ---------------------------------------------------------------------------
start_victorialogs() {
	local vl=${VICTORIALOGS_BINARY:-$TOOLS_BIN/victoria-logs}
	need "$vl" victoria-logs
	mkdir -p "$DEMO_DIR/victoria-logs"
	start_daemon victoria-logs "$vl" \
		-storageDataPath="$DEMO_DIR/victoria-logs" \
		-httpListenAddr="127.0.0.1:$P_VL" \
		-retentionPeriod=7d \
		-loggerLevel=WARN
	wait_up victoria-logs "http://127.0.0.1:$P_VL/health" 60
}

# --- Jaeger v2 ------------------------------------------------------------------------------
start_jaeger() {
	need "$TOOLS_BIN/jaeger" jaeger
	mkdir -p "$DEMO_DIR/jaeger"
	# Jaeger's default config listens on the collector's ports and on all interfaces: this
	# one keeps it on 127.0.0.1 and its own ports, in-memory storage, OTLP in only.
	cat >"$DEMO_DIR/jaeger/config.yaml" <<EOF
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: $P_J_METRICS
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:$P_J_HEALTH
  jaeger_query:
    storage:
      traces: mem
    http:
      endpoint: 127.0.0.1:$P_JQ_HTTP
    grpc:
      endpoint: 127.0.0.1:$P_JQ_GRPC
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 200000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$P_J_OTLP_GRPC
      http:
        endpoint: 127.0.0.1:$P_J_OTLP_HTTP
processors:
  batch: {}
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
EOF
	start_daemon jaeger "$TOOLS_BIN/jaeger" --config "$DEMO_DIR/jaeger/config.yaml"
	wait_up jaeger "http://127.0.0.1:$P_JQ_HTTP/api/services" 120
}

# --- Alertmanager ---------------------------------------------------------------------------
# The shipped configs/alertmanager/alertmanager.yml reads every secret from a file under
# /etc/alertmanager/secrets/ and pages PagerDuty's public endpoint. The demo runs that file
# with exactly the deployment-specific values a real installation sets: the secrets
# directory (here data/demo/alertmanager/secrets/, whose files name the fakes' URLs and a
# routing key), the global pagerduty_url (the PagerDuty fake) and the ticket webhook URL (the
# ticket fake). Routes, receivers, inhibitions and templates are the shipped ones.
AM_TEMPLATES=/usr/share/prometheus/alertmanager
PD_ROUTING_KEY=fraiseqldemoroutingkey0000000032
# One routing key per PagerDuty service (configs/pagerduty/services.yaml), so a drill can tell
# which service a page reached. PD_ROUTING_KEY stays the platform service's key.
PD_ROUTING_KEY_API=fraiseqldemoapi00000000000000032
PD_ROUTING_KEY_DB=fraiseqldemodb000000000000000032
PD_ROUTING_KEY_PLATFORM=$PD_ROUTING_KEY
PD_ROUTING_KEY_SECURITY=fraiseqldemosecurity000000000032
alertmanager_config() {
	local src=$REPO/configs/alertmanager/alertmanager.yml dir=$DEMO_DIR/alertmanager fakes=http://127.0.0.1:$P_FAKES
	mkdir -p "$dir/secrets" "$dir/data"
	rm -rf "$dir/templates"
	cp -r "$REPO/configs/alertmanager/templates" "$dir/templates"
	printf '%s' "$PD_ROUTING_KEY_API" >"$dir/secrets/pagerduty_api_routing_key"
	printf '%s' "$PD_ROUTING_KEY_DB" >"$dir/secrets/pagerduty_db_routing_key"
	printf '%s' "$PD_ROUTING_KEY_PLATFORM" >"$dir/secrets/pagerduty_platform_routing_key"
	printf '%s' "$PD_ROUTING_KEY_SECURITY" >"$dir/secrets/pagerduty_security_routing_key"
	local f
	for f in slack_default_webhook_url slack_incidents_webhook_url slack_api_webhook_url \
		slack_database_webhook_url slack_security_webhook_url slack_platform_webhook_url \
		slack_status_webhook_url; do
		printf '%s' "$fakes/services/T0/B0/secret" >"$dir/secrets/$f"
	done
	printf '%s' "demo-ticket-token" >"$dir/secrets/ticket_webhook_token"
	grep -q '^global:$' "$src" || die "$src: no top-level 'global:' line to add pagerduty_url under"
	grep -q 'https://tickets.internal.example/hooks/alertmanager' "$src" || die "$src: ticket webhook URL changed; update alertmanager_config in $0"
	grep -q 'https://deadmans-switch.internal.example/ping/fraiseql-alertmanager' "$src" || die "$src: dead man's switch URL changed; update alertmanager_config in $0"
	sed -e "s#/etc/alertmanager/secrets/#$dir/secrets/#g" \
		-e "s#https://tickets.internal.example/hooks/alertmanager#$fakes/hooks/tickets#" \
		-e "s#https://deadmans-switch.internal.example/ping/fraiseql-alertmanager#$fakes/hooks/deadmans-switch#" \
		-e "s#^global:\$#global:\\n  pagerduty_url: $fakes/v2/enqueue#" \
		"$src" >"$dir/alertmanager.yml"
	if grep -q '/etc/alertmanager' "$dir/alertmanager.yml"; then
		die "$dir/alertmanager.yml still names /etc/alertmanager: a secret path the demo does not know"
	fi
	# Every *_file the config names must exist (a new receiver needs a fake here too).
	local missing
	missing=$(grep -oE '_file: *[^ ]+' "$dir/alertmanager.yml" | awk '{print $2}' | while read -r p; do [ -f "$p" ] || echo "$p"; done)
	[ -z "$missing" ] || die "alertmanager secrets the demo does not provide: $missing"
}

start_alertmanager() {
	deb_fetch prometheus-alertmanager
	local root bin
	root=$(deb_root)
	bin=$root/usr/bin/prometheus-alertmanager
	[ -x "$bin" ] || die "$bin missing after deb_fetch"
	if [ ! -f "$AM_TEMPLATES/default.tmpl" ]; then
		mkdir -p "$AM_TEMPLATES" || die "cannot create $AM_TEMPLATES (the Debian binary needs its templates there)"
		cp "$root$AM_TEMPLATES"/*.tmpl "$AM_TEMPLATES"/ || die "cannot copy templates to $AM_TEMPLATES"
	fi
	is_running alertmanager || alertmanager_config
	start_daemon alertmanager "$bin" \
		--config.file="$DEMO_DIR/alertmanager/alertmanager.yml" \
		--storage.path="$DEMO_DIR/alertmanager/data" \
		--web.listen-address="127.0.0.1:$P_AM" \
		--web.external-url="http://127.0.0.1:$P_AM" \
		--cluster.listen-address= \
		--log.level=info
	wait_up alertmanager "http://127.0.0.1:$P_AM/-/ready" 60
}

# --- Prometheus -----------------------------------------------------------------------------
# The shipped rules (configs/prometheus/rules/*.yaml), plus data/demo/prometheus/rules.d/ for
# rules a drill or test adds at run time (POST /-/reload). Metrics arrive by remote write from
# the gateways; Prometheus scrapes the collectors' own telemetry and the backends, under the
# shipped job names.
start_prometheus() {
	deb_fetch prometheus
	local bin dir=$DEMO_DIR/prometheus
	bin=$(deb_root)/usr/bin/prometheus
	[ -x "$bin" ] || die "$bin missing after deb_fetch"
	mkdir -p "$dir/tsdb" "$dir/rules.d"
	cat >"$dir/prometheus.yml" <<EOF
# Written by test/demo/demo.sh: the shape of configs/prometheus/prometheus.yml with the demo's
# endpoints and a 15 s interval.
global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 15s
  external_labels:
    cluster: fraiseql-demo
rule_files:
  - $REPO/configs/prometheus/rules/*.yaml
  - $dir/rules.d/*.yaml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$P_AM']
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$P_PROM']
  - job_name: alertmanager
    static_configs:
      - targets: ['127.0.0.1:$P_AM']
  - job_name: otelcol-gateway
    static_configs:
      - targets: ['127.0.0.1:$P_G1_TELEMETRY', '127.0.0.1:$P_G2_TELEMETRY']
  - job_name: otelcol-pgstats
    static_configs:
      - targets: ['127.0.0.1:$P_S_TELEMETRY']
  - job_name: otelcol-agent
    static_configs:
      - targets: ['127.0.0.1:$P_A_TELEMETRY']
  - job_name: jaeger
    static_configs:
      - targets: ['127.0.0.1:$P_J_METRICS']
  - job_name: victoria-logs
    static_configs:
      - targets: ['127.0.0.1:$P_VL']
EOF
	start_daemon prometheus "$bin" \
		--config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/tsdb" \
		--storage.tsdb.retention.time=7d \
		--web.listen-address="127.0.0.1:$P_PROM" \
		--web.enable-remote-write-receiver \
		--web.enable-lifecycle \
		--enable-feature=exemplar-storage
	wait_up prometheus "http://127.0.0.1:$P_PROM/-/ready" 90
}

# --- the collector: two gateway replicas and one agent --------------------------------------
collector_env() { # common environment of every collector process
	printf '%s\n' \
		"FRAISEQL_LISTEN_ADDR=127.0.0.1" \
		"FRAISEQL_GATEWAY_TOKEN_FILE=$(secret_file gateway-token)"
}

# A self-signed certificate for 127.0.0.1: the agents' bearer token travels only over TLS.
demo_tls() {
	local d=$DEMO_DIR/tls
	[ -s "$d/tls.crt" ] && [ -s "$d/tls.key" ] && return 0
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
		-subj /CN=fraiseql-demo-gateway -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$d/tls.key" -out "$d/tls.crt" >/dev/null 2>&1 || die "openssl could not make the demo certificate"
	chmod 600 "$d/tls.key"
}

start_gateway() { # N
	local i=$1 grpc http tier2 health tele
	eval "grpc=\$P_G${i}_OTLP_GRPC http=\$P_G${i}_OTLP_HTTP tier2=\$P_G${i}_TIER2 health=\$P_G${i}_HEALTH tele=\$P_G${i}_TELEMETRY"
	need "$OTELCOL" "the collector (make build)"
	mkdir -p "$DEMO_DIR/gateway-$i"
	# shellcheck disable=SC2046
	start_daemon "gateway-$i" env $(collector_env) \
		HOSTNAME="gateway-$i" \
		FRAISEQL_OTLP_GRPC_PORT="$grpc" FRAISEQL_OTLP_HTTP_PORT="$http" FRAISEQL_TIER2_PORT="$tier2" \
		FRAISEQL_HEALTH_PORT="$health" FRAISEQL_TELEMETRY_PORT="$tele" \
		FRAISEQL_GATEWAY_DNS_RESOLVER=false FRAISEQL_GATEWAY_STATIC_RESOLVER=true \
		FRAISEQL_GATEWAY_STATIC_PEERS="[127.0.0.1:$P_G1_TIER2, 127.0.0.1:$P_G2_TIER2]" \
		FRAISEQL_TIER2_INSECURE=true FRAISEQL_TIER2_TLS_ENABLED=false \
		FRAISEQL_TLS_ENABLED=true FRAISEQL_TLS_CERT_FILE="$DEMO_DIR/tls/tls.crt" FRAISEQL_TLS_KEY_FILE="$DEMO_DIR/tls/tls.key" \
		FRAISEQL_ANOMALY_WARMUP_POINTS="$ANOMALY_WARMUP_POINTS" \
		FRAISEQL_STORAGE_DIR="$DEMO_DIR/gateway-$i" \
		FRAISEQL_MEMORY_LIMIT_MIB=400 \
		FRAISEQL_SAMPLING_PERCENT="$SAMPLING_PERCENT" FRAISEQL_SLOW_TRACE_MS="$SLOW_TRACE_MS" \
		FRAISEQL_MAX_SERIES_PER_METRIC="$MAX_SERIES_PER_METRIC" \
		FRAISEQL_PROMETHEUS_RW_URL="http://127.0.0.1:$P_PROM/api/v1/write" \
		FRAISEQL_LOKI_OTLP_URL="http://127.0.0.1:$P_VL/insert/opentelemetry" \
		FRAISEQL_TEMPO_OTLP_URL="http://127.0.0.1:$P_J_OTLP_HTTP" \
		FRAISEQL_ALERTMANAGER_URL="http://127.0.0.1:$P_AM" \
		"$OTELCOL" --config "$REPO/configs/gateway.yaml"
}

# pgstats runs once (configs/pgstats.yaml), not on every gateway replica.
start_pgstats() {
	need "$OTELCOL" "the collector (make build)"
	mkdir -p "$DEMO_DIR/pgstats"
	# shellcheck disable=SC2046
	start_daemon pgstats env $(collector_env) \
		FRAISEQL_HEALTH_PORT="$P_S_HEALTH" FRAISEQL_TELEMETRY_PORT="$P_S_TELEMETRY" \
		FRAISEQL_STORAGE_DIR="$DEMO_DIR/pgstats" \
		FRAISEQL_ANOMALY_WARMUP_POINTS="$ANOMALY_WARMUP_POINTS" \
		FRAISEQL_MEMORY_LIMIT_MIB=200 \
		FRAISEQL_PROMETHEUS_RW_URL="http://127.0.0.1:$P_PROM/api/v1/write" \
		FRAISEQL_ALERTMANAGER_URL="http://127.0.0.1:$P_AM" \
		FRAISEQL_PG_PRIMARY="$(env_get postgres PGSTATS_PRIMARY_PORT | sed 's/^/127.0.0.1:/')" \
		FRAISEQL_PG_REPLICA="$(env_get postgres PGSTATS_REPLICA_PORT | sed 's/^/127.0.0.1:/')" \
		FRAISEQL_PGBOUNCER="$(env_get pgbouncer PGSTATS_PGBOUNCER_PORT | sed 's/^/127.0.0.1:/')" \
		FRAISEQL_PG_USER=pgstats_mon FRAISEQL_PG_PASSWORD_FILE="$DEMO_DIR/secrets/pg-monitor-password" \
		FRAISEQL_PG_TLS_INSECURE=true \
		"$OTELCOL" --config "$REPO/configs/pgstats.yaml"
}

start_agent() {
	need "$OTELCOL" "the collector (make build)"
	mkdir -p "$DEMO_DIR/agent" "$DEMO_DIR/logs"
	# shellcheck disable=SC2046
	start_daemon agent env $(collector_env) \
		HOSTNAME=demo-node-1 \
		FRAISEQL_OTLP_GRPC_PORT="$P_A_OTLP_GRPC" FRAISEQL_OTLP_HTTP_PORT="$P_A_OTLP_HTTP" \
		FRAISEQL_HEALTH_PORT="$P_A_HEALTH" FRAISEQL_TELEMETRY_PORT="$P_A_TELEMETRY" \
		FRAISEQL_GATEWAY_ENDPOINT="127.0.0.1:$P_G1_OTLP_GRPC" \
		FRAISEQL_GATEWAY_INSECURE=false FRAISEQL_GATEWAY_CA_FILE="$DEMO_DIR/tls/tls.crt" \
		FRAISEQL_STORAGE_DIR="$DEMO_DIR/agent" \
		FRAISEQL_LOG_GLOB="$DEMO_DIR/logs/*.log" \
		FRAISEQL_MEMORY_LIMIT_MIB=200 \
		"$OTELCOL" --config "$REPO/configs/agent.yaml"
}

start_collectors() {
	demo_tls
	start_gateway 1
	start_gateway 2
	wait_up gateway-1 "http://127.0.0.1:$P_G1_HEALTH/" 60
	wait_up gateway-2 "http://127.0.0.1:$P_G2_HEALTH/" 60
	start_pgstats
	wait_up pgstats "http://127.0.0.1:$P_S_HEALTH/" 60
	start_agent
	wait_up agent "http://127.0.0.1:$P_A_HEALTH/" 60
}

# --- the demo service, its edge and the load --------------------------------------------------
otel_env() { # SERVICE: the standard OTel SDK environment pointing at the agent
	printf '%s\n' \
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$P_A_OTLP_HTTP" \
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf" \
		"OTEL_SERVICE_NAME=$1" \
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=demo"
}

start_app() {
	mkdir -p "$DEMO_DIR/logs"
	if [ -x "$DEMO_BIN" ]; then
		local dsn
		local pw replica_dsn
		pw=$(cat "$DEMO_DIR/secrets/fraiseql-db-password")
		dsn="postgres://$DB_USER:$pw@127.0.0.1:$(env_get pgbouncer PGSTATS_PGBOUNCER_PORT)/$DB_NAME?sslmode=disable"
		replica_dsn="postgres://$DB_USER:$pw@127.0.0.1:$(env_get postgres PGSTATS_REPLICA_PORT)/$DB_NAME?sslmode=disable"
		# shellcheck disable=SC2046
		# Writes through PgBouncer (transaction pooling) on the primary; read-only resolvers
		# go straight to the streaming replica.
		start_daemon fraiseql-demo env $(otel_env fraiseql) "$DEMO_BIN" serve \
			--listen "127.0.0.1:$P_DEMO" --admin "127.0.0.1:$P_DEMO_ADMIN" \
			--db "$dsn" --replica-db "$replica_dsn" --log-file "$DEMO_DIR/logs/fraiseql-demo.log"
		wait_tcp "$P_DEMO" 60 || die "fraiseql-demo not listening on $P_DEMO (log: $FRAISEQL_ENV_DIR/fraiseql-demo.log)"
		# shellcheck disable=SC2046
		start_daemon fraiseql-edge env $(otel_env fraiseql-edge) "$DEMO_BIN" edge \
			--listen "127.0.0.1:$P_EDGE" --upstream "http://127.0.0.1:$P_DEMO" \
			--log-file "$DEMO_DIR/logs/fraiseql-edge.log"
		wait_tcp "$P_EDGE" 30 || die "fraiseql-edge not listening on $P_EDGE (log: $FRAISEQL_ENV_DIR/fraiseql-edge.log)"
		# shellcheck disable=SC2046
		start_daemon fraiseql-load env $(otel_env fraiseql-load) "$DEMO_BIN" load \
			--target "http://127.0.0.1:$P_EDGE/graphql" --rps "${FRAISEQL_DEMO_RPS:-5}"
	else
		# Stand-in until the demo service exists: telemetrygen sends traces, metrics and logs
		# to the agent at a low rate.
		if [ -z "$TELEMETRYGEN" ] || [ ! -x "$TELEMETRYGEN" ]; then die "no $DEMO_BIN and no TELEMETRYGEN for the stand-in load"; fi
		log "no $DEMO_BIN: telemetrygen sends a stand-in load"
		local sig
		for sig in traces metrics logs; do
			start_daemon "telemetrygen-$sig" "$TELEMETRYGEN" "$sig" --otlp-insecure \
				--otlp-endpoint "127.0.0.1:$P_A_OTLP_GRPC" --service fraiseql-standin \
				--rate 5 --duration 87600h
		done
	fi
}

# --- endpoints and summary ----------------------------------------------------------------------
write_endpoints() {
	cat >"$ENDPOINTS.tmp" <<EOF
PROMETHEUS_URL=http://127.0.0.1:$P_PROM
ALERTMANAGER_URL=http://127.0.0.1:$P_AM
TRACES_URL=http://127.0.0.1:$P_JQ_HTTP
LOGS_URL=http://127.0.0.1:$P_VL
AGENT_OTLP_HTTP=127.0.0.1:$P_A_OTLP_HTTP
AGENT_OTLP_GRPC=127.0.0.1:$P_A_OTLP_GRPC
GATEWAY_METRICS_URLS="http://127.0.0.1:$P_G1_TELEMETRY/metrics http://127.0.0.1:$P_G2_TELEMETRY/metrics"
AGENT_METRICS_URL=http://127.0.0.1:$P_A_TELEMETRY/metrics
PAGERDUTY_EVENTS_URL=http://127.0.0.1:$P_FAKES/pagerduty/events
SLACK_MESSAGES_URL=http://127.0.0.1:$P_FAKES/slack/messages
TICKETS_URL=http://127.0.0.1:$P_FAKES/tickets/requests
PAGERDUTY_ROUTING_KEY=$PD_ROUTING_KEY
PAGERDUTY_ROUTING_KEY_API=$PD_ROUTING_KEY_API
PAGERDUTY_ROUTING_KEY_DB=$PD_ROUTING_KEY_DB
PAGERDUTY_ROUTING_KEY_PLATFORM=$PD_ROUTING_KEY_PLATFORM
PAGERDUTY_ROUTING_KEY_SECURITY=$PD_ROUTING_KEY_SECURITY
DEADMANS_SWITCH_URL=http://127.0.0.1:$P_FAKES/deadmans-switch/pings
DEMO_GRAPHQL_URL=http://127.0.0.1:$P_EDGE/graphql
DEMO_SERVICE_URL=http://127.0.0.1:$P_DEMO/graphql
DEMO_ADMIN_URL=http://127.0.0.1:$P_DEMO_ADMIN
PGBOUNCER=127.0.0.1:$(env_get pgbouncer PGSTATS_PGBOUNCER_PORT)
POSTGRES_PRIMARY=127.0.0.1:$(env_get postgres PGSTATS_PRIMARY_PORT)
POSTGRES_REPLICA=127.0.0.1:$(env_get postgres PGSTATS_REPLICA_PORT)
DEMO_DB_USER=$DB_USER
DEMO_DB_NAME=$DB_NAME
DEMO_DB_PASSWORD_FILE=$DEMO_DIR/secrets/fraiseql-db-password
PROMETHEUS_RULES_DIR=$DEMO_DIR/prometheus/rules.d
DEMO_LOG_DIR=$DEMO_DIR/logs
SAMPLING_PERCENT=$SAMPLING_PERCENT
SLOW_TRACE_MS=$SLOW_TRACE_MS
MAX_SERIES_PER_METRIC=$MAX_SERIES_PER_METRIC
DEMO_LOAD=$([ -x "$DEMO_BIN" ] && echo fraiseql-demo || echo telemetrygen)
EOF
	mv "$ENDPOINTS.tmp" "$ENDPOINTS"
}

summary() {
	cat <<EOF

The FraiseQL demo stack runs (everything on 127.0.0.1, data and logs under $DEMO_DIR):

  GraphQL (through the edge)   http://127.0.0.1:$P_EDGE/graphql
  demo admin (fault switches)  http://127.0.0.1:$P_DEMO_ADMIN
  Prometheus                   http://127.0.0.1:$P_PROM  (alerts: /alerts)
  Alertmanager                 http://127.0.0.1:$P_AM
  Jaeger (traces)              http://127.0.0.1:$P_JQ_HTTP  (API: /api/services, /api/traces?service=fraiseql)
  VictoriaLogs (logs)          http://127.0.0.1:$P_VL/select/vmui/
  PagerDuty fake (accepted)    http://127.0.0.1:$P_FAKES/pagerduty/events
  Slack fake (accepted)        http://127.0.0.1:$P_FAKES/slack/messages
  agent OTLP                   gRPC 127.0.0.1:$P_A_OTLP_GRPC, HTTP 127.0.0.1:$P_A_OTLP_HTTP
  gateways                     OTLP gRPC 127.0.0.1:$P_G1_OTLP_GRPC and :$P_G2_OTLP_GRPC (tier 2 :$P_G1_TIER2, :$P_G2_TIER2)
  PostgreSQL                   primary 127.0.0.1:$(env_get postgres PGSTATS_PRIMARY_PORT), replica 127.0.0.1:$(env_get postgres PGSTATS_REPLICA_PORT), PgBouncer 127.0.0.1:$(env_get pgbouncer PGSTATS_PGBOUNCER_PORT)

Every endpoint: $ENDPOINTS    Processes and logs: $FRAISEQL_ENV_DIR/*.pid, *.log
Stop everything: make demo-stop
EOF
}

all_running() {
	[ -f "$ENDPOINTS" ] || return 1
	local p
	for p in postgres-primary postgres-replica pgbouncer incident-fakes victoria-logs jaeger alertmanager prometheus gateway-1 gateway-2 pgstats agent; do
		is_running "$p" || return 1
	done
	if [ -x "$DEMO_BIN" ]; then
		for p in fraiseql-demo fraiseql-edge fraiseql-load; do is_running "$p" || return 1; done
	fi
	return 0
}

start() {
	if all_running; then
		log "the demo stack is already running (stop it with: make demo-stop)"
		summary
		return 0
	fi
	mkdir -p "$DEMO_DIR/secrets"
	local t0=$SECONDS
	start_databases
	start_fakes
	start_victorialogs
	start_jaeger
	start_alertmanager
	start_prometheus
	start_collectors
	start_app
	write_endpoints
	log "up in $((SECONDS - t0)) s"
	summary
}

stop() {
	local i p
	for ((i = ${#PARTS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PARTS[$i]}" TERM 20
	done
	for p in telemetrygen-traces telemetrygen-metrics telemetrygen-logs; do stop_pid "$p"; done
	"$REPO/test/env/pgbouncer.sh" stop
	"$REPO/test/env/postgres.sh" stop
	rm -f "$ENDPOINTS"
	local left=()
	for p in $(own_ports); do
		[ -n "$p" ] && listening "$p" && left+=("$p")
	done
	if [ ${#left[@]} -gt 0 ]; then
		ss -Hltnp | grep -E ":($(
			IFS='|'
			echo "${left[*]}"
		)) " >&2 || true
		die "still listening after stop: ports ${left[*]}"
	fi
	log "stopped; nothing of the demo listens"
}

status() {
	local p
	for p in postgres-primary postgres-replica pgbouncer "${PARTS[@]}" telemetrygen-traces telemetrygen-metrics telemetrygen-logs; do
		if is_running "$p"; then
			printf '  %-22s running (pid %s)\n' "$p" "$(cat "$FRAISEQL_ENV_DIR/$p.pid")"
		elif [ -f "$FRAISEQL_ENV_DIR/$p.pid" ]; then
			printf '  %-22s DEAD (log %s)\n' "$p" "$FRAISEQL_ENV_DIR/$p.log"
		fi
	done
}

# usage [SECONDS]: CPU (share of one core, averaged over SECONDS, default 60) and resident
# memory of every running part, and the totals (docs/benchmarks.md).
usage() {
	local secs=${1:-60} p pid hz names=() pids=() t0=() t1=() total_cpu=0 total_rss=0
	hz=$(getconf CLK_TCK)
	for p in postgres-primary postgres-replica pgbouncer "${PARTS[@]}"; do
		is_running "$p" || continue
		names+=("$p")
		pids+=("$(cat "$FRAISEQL_ENV_DIR/$p.pid")")
	done
	# PostgreSQL's backends are children of the postmaster: count the whole process tree.
	tree_ticks() { # PID: utime+stime of PID and its descendants
		local all
		all=$(ps -o pid= --ppid "$1" 2>/dev/null | xargs -r)
		local files=("/proc/$1/stat") c
		for c in $all; do files+=("/proc/$c/stat"); done
		awk '{print $14+$15}' "${files[@]}" 2>/dev/null | paste -sd+ | bc
	}
	tree_rss() { # PID: resident KiB of PID and its children
		ps -o rss= -p "$1" --ppid "$1" 2>/dev/null | paste -sd+ | bc
	}
	local i
	for i in "${!pids[@]}"; do t0[i]=$(tree_ticks "${pids[i]}"); done
	sleep "$secs"
	printf '%-18s %8s %9s\n' part 'CPU %' 'RSS MiB'
	for i in "${!pids[@]}"; do
		t1[i]=$(tree_ticks "${pids[i]}")
		local cpu rss
		cpu=$(echo "scale=1; (${t1[i]:-0} - ${t0[i]:-0}) * 100 / $hz / $secs" | bc)
		rss=$(tree_rss "${pids[i]}")
		total_cpu=$(echo "$total_cpu + $cpu" | bc)
		total_rss=$((total_rss + ${rss:-0}))
		printf '%-18s %8s %9s\n' "${names[i]}" "$cpu" "$((${rss:-0} / 1024))"
	done
	printf '%-18s %8s %9s\n' total "$total_cpu" "$((total_rss / 1024))"
}

case ${1:-} in
start) start ;;
usage) usage "${2:-60}" ;;
stop) stop ;;
status) status ;;
part) # start one part (and nothing else): databases fakes victorialogs jaeger alertmanager prometheus collectors app
	"start_${2:?part name}" ;;
restart-service) # stop the demo service (fraiseql-demo) and start it again, as a deploy does
	# Its SDK exports cumulative metrics: every series it has seen stays in every export until
	# the process ends, so a fix for a cardinality explosion takes effect with the restart.
	is_running fraiseql-demo || die "fraiseql-demo is not running (make demo)"
	stop_pid fraiseql-demo TERM 20
	start_app ;;
*)
	echo "usage: $0 start|stop|status|usage [SECONDS]|part NAME|restart-service" >&2
	exit 2
	;;
esac
