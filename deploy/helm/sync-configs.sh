#!/usr/bin/env bash
# Copy each role's collector config into its Helm values file as `alternateConfig` (the
# chart then runs exactly that config; only ${env:...} variables differ per environment).
# Template braces ({{ }}) are escaped for the chart's tpl pass.
# Run after changing configs/agent.yaml, gateway.yaml or pgstats.yaml; `make test` fails
# when a copy drifts (test/e2e/helm_test.go).
set -euo pipefail
cd "$(dirname "$0")"
for role in agent gateway pgstats; do
	values=$role-values.yaml
	marker="# ---- generated below from configs/$role.yaml by deploy/helm/sync-configs.sh; do not edit ----"
	grep -qxF -- "$marker" "$values" || { echo "$values: marker line missing" >&2; exit 1; }
	{
		sed "/^# ---- generated below from /q" "$values"
		echo "alternateConfig:"
		# The chart passes the config through Helm's tpl: template braces of the config
		# itself (the incident exporter's summaries) are escaped so tpl gives them back as is.
		sed -e 's/^\(.\)/  \1/' -e 's/{{/\x01/g' -e 's/}}/\x02/g' \
			-e 's/\x01/{{ "{{" }}/g' -e 's/\x02/{{ "}}" }}/g' "../../configs/$role.yaml"
	} >"$values.tmp"
	mv "$values.tmp" "$values"
done
