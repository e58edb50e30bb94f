#!/usr/bin/env bash
# Dashboard latency benchmark (issue 8): 7 days of synthetic series for every metric the
# dashboards and rules read, backfilled into Prometheus 2.42 (Debian package, fetched with
# deb_fetch, started by tools/monitoring/cmd/dashbench on 127.0.0.1 and stopped by it), then
# every panel query over 6 h, 24 h and 7 d. Prints a Markdown table (docs/benchmarks.md,
# section "dashboards"). Takes ~15-25 minutes on 2 cores and ~3 GB of disk under $WORK.
# Usage: test/monitoring-bench.sh [dashbench flags, e.g. -days 1 -reps 1, or -panels REGEX
#        to measure only the panels whose "<dashboard> / <panel>" title matches]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=env/lib.sh
source "$repo/test/env/lib.sh"
deb_fetch prometheus
work=${WORK:-$FRAISEQL_ENV_DIR/dashbench}
cd "$repo/tools/monitoring"
exec go run ./cmd/dashbench -promtool "$(deb_root)/usr/bin/promtool" -prometheus "$(deb_root)/usr/bin/prometheus" -work "$work" "$@"
