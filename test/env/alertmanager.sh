#!/usr/bin/env bash
# Alertmanager 0.25 (Debian prometheus-alertmanager) on 127.0.0.1 for the incident exporter's
# integration tests. See lib.sh for the start|stop|env convention.
#
#   env prints:
#     ALERTMANAGER_URL=http://127.0.0.1:PORT       the API (POST/GET /api/v2/alerts)
#     ALERTMANAGER_WEBHOOK_PORT=PORT               where Alertmanager sends its notifications
#                                                 (webhook at /webhook, PagerDuty at /v2/enqueue);
#                                                 a test listens there with its fakes
#     ALERTMANAGER_PD_ROUTING_KEY=32 chars         the routing key of that PagerDuty receiver
#     ALERTMANAGER_SCRIPT=path of this script      so a test can restart Alertmanager
#
# The Debian binary reads default.tmpl/email.tmpl from /usr/share/prometheus/alertmanager/
# (compiled in); without them the config fails to apply and the HTTP listener never starts.
# The package is unpacked with dpkg -x (no service, nothing installed), and only those
# templates are copied to that path when missing. Gossip is disabled with an empty
# --cluster.listen-address (it would otherwise bind 0.0.0.0:9094).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=alertmanager
DIR=$FRAISEQL_ENV_DIR/$NAME
TEMPLATES=/usr/share/prometheus/alertmanager
ROUTING_KEY=fraiseqlincidentroutingkey000032

start() {
	deb_fetch prometheus-alertmanager
	local root bin port hook
	root=$(deb_root)
	bin=$root/usr/bin/prometheus-alertmanager
	[ -x "$bin" ] || die "$bin missing after deb_fetch"
	if [ ! -f "$TEMPLATES/default.tmpl" ]; then
		mkdir -p "$TEMPLATES" 2>/dev/null || die "cannot create $TEMPLATES (the Debian binary needs its templates there)"
		cp "$root$TEMPLATES"/*.tmpl "$TEMPLATES"/ || die "cannot copy templates to $TEMPLATES"
	fi
	port=$(env_port "$NAME" ALERTMANAGER_PORT)
	hook=$(env_port "$NAME" ALERTMANAGER_WEBHOOK_PORT)
	env_set "$NAME" ALERTMANAGER_URL "http://127.0.0.1:$port"
	env_set "$NAME" ALERTMANAGER_PD_ROUTING_KEY "$ROUTING_KEY"
	env_set "$NAME" ALERTMANAGER_SCRIPT "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
	mkdir -p "$DIR/data"
	# Fast timings so tests see notifications within seconds. Everything goes to a webhook
	# and a PagerDuty receiver served by the test on $hook.
	cat >"$DIR/alertmanager.yml" <<EOF
global:
  resolve_timeout: 1m
route:
  receiver: test
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: http://127.0.0.1:$hook/webhook
        send_resolved: true
    pagerduty_configs:
      - routing_key: $ROUTING_KEY
        url: http://127.0.0.1:$hook/v2/enqueue
        send_resolved: true
EOF
	start_daemon "$NAME" "$bin" \
		--config.file="$DIR/alertmanager.yml" \
		--storage.path="$DIR/data" \
		--web.listen-address="127.0.0.1:$port" \
		--cluster.listen-address= \
		--log.level=info
	wait_http "http://127.0.0.1:$port/-/ready" 30 || die "alertmanager not ready on $port (see $FRAISEQL_ENV_DIR/$NAME.log)"
	log "alertmanager ready on 127.0.0.1:$port"
}

case "${1:-}" in
start) start ;;
stop) stop_pid "$NAME" ;;
env) env_print "$NAME" | grep -v '^ALERTMANAGER_PORT=' ;;
*) die "usage: $0 start|stop|env" ;;
esac
