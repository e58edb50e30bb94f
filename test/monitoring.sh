#!/usr/bin/env bash
# Checks of the monitoring content (issue 8), offline: no service is started.
#   1. promtool (Debian `prometheus` 2.42, fetched with deb_fetch into .cache/deb):
#      check rules (syntax, lint) and test rules (every alert firing and quiet);
#   2. amtool (Debian `prometheus-alertmanager` 0.25): check-config and the route table;
#   3. the Go lint of tools/monitoring (its own module): catalog names, every expression
#      parses, selectors name catalog metrics, pint-like checks, dashboards equal a fresh
#      generation, a test and a runbook per alert.
# Usage: test/monitoring.sh [promtool|amtool|go]...   (default: all three)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=env/lib.sh
source "$repo/test/env/lib.sh"
cd "$repo"

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(promtool amtool go)

tools() {
	deb_fetch prometheus prometheus-alertmanager
	PROMTOOL=$(deb_root)/usr/bin/promtool
	AMTOOL=$(deb_root)/usr/bin/amtool
	"$PROMTOOL" --version >/dev/null 2>&1 || die "promtool does not run"
	"$AMTOOL" --version >/dev/null 2>&1 || die "amtool does not run"
}

run_promtool() {
	echo "== promtool check rules"
	"$PROMTOOL" check rules --lint=all --lint-fatal configs/prometheus/rules/*.yaml
	echo "== promtool check config (prometheus.yml)"
	"$PROMTOOL" check config --syntax-only configs/prometheus/prometheus.yml
	echo "== promtool test rules"
	"$PROMTOOL" test rules configs/prometheus/tests/*.yaml
}

run_amtool() {
	local cfg=configs/alertmanager/alertmanager.yml want labels n=0 fail=0
	echo "== amtool check-config"
	"$AMTOOL" check-config "$cfg"
	echo "== amtool route table (configs/alertmanager/routes_test.tsv)"
	while IFS=$'\t' read -r want labels; do
		case $want in '' | '#'*) continue ;; esac
		n=$((n + 1))
		# shellcheck disable=SC2086 # labels are whitespace-separated key=value words
		if out=$("$AMTOOL" config routes test --config.file="$cfg" --verify.receivers="$want" $labels 2>&1); then
			printf 'ok    %-40s %s\n' "$want" "$labels"
		else
			printf 'FAIL  want %s for {%s}: %s\n' "$want" "$labels" "$out"
			fail=$((fail + 1))
		fi
	done <configs/alertmanager/routes_test.tsv
	echo "$n routes, $fail failed"
	[ "$fail" -eq 0 ]
}

run_go() {
	echo "== go test (tools/monitoring)"
	(cd tools/monitoring && go test -count=1 ./...)
}

tools
for s in "${steps[@]}"; do
	case $s in
	promtool) run_promtool ;;
	amtool) run_amtool ;;
	go) run_go ;;
	*) die "unknown step $s" ;;
	esac
done
