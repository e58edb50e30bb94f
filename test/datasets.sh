#!/usr/bin/env bash
# test/datasets.sh: say, before the tests run, which public data sets are present and which
# tests will be skipped without them (and where to get them). With NAB_REQUIRED,
# LOGHUB_REQUIRED or CHARTS_REQUIRED set (CI sets all three), a missing set is an error.
# The data root is $FRAISEQL_DATA, or ../shared next to the repository (internal/datasets).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${FRAISEQL_DATA:-$(dirname "$repo")/shared}
missing=0

# check NAME SUBDIR PROBE-GLOB REQUIRED-VAR WHAT-SKIPS SOURCE
check() {
	local name=$1 dir=$root/$2 probe=$3 var=$4 skips=$5 source=$6
	# shellcheck disable=SC2086 # the probe is a glob on purpose
	if compgen -G "$dir/"$probe >/dev/null; then
		echo "data: $name found at $dir"
	elif [ -n "${!var:-}" ]; then
		echo "data: ERROR: $name missing at $dir and $var is set; get it from $source" >&2
		missing=1
	else
		echo "data: NOTE: $name missing at $dir: $skips will be SKIPPED."
		echo "      Get it from $source (see docs/development.md, \"Data sets\"), or set FRAISEQL_DATA."
	fi
}

check "NAB series" nab labels/combined_windows.json NAB_REQUIRED \
	"the NAB scorer and anomaly-detector accuracy tests" \
	"github.com/numenta/NAB at commit ea702d75cc2258d9d7dd35ca8e5e2539d71f3140"
check "loghub corpus" corpora/loghub '*_2k.log' LOGHUB_REQUIRED \
	"the piiredact corpus allocation and false-positive tests" \
	"github.com/logpai/loghub at commit dd61d0952749ee7963bde24220d1be5ede023033"
# The chart is only reported once a test reads it.
if grep -rlq --include='*_test.go' 'datasets.Charts' "$repo"; then
	check "Helm chart" charts/opentelemetry-collector Chart.yaml CHARTS_REQUIRED \
		"the tests that render the Helm values" \
		"the open-telemetry Helm repository, chart opentelemetry-collector 0.170.0"
fi
exit "$missing"
