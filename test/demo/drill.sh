#!/usr/bin/env bash
# On-call drills on a running demo stack (make demo): test/demo/drill.sh <scenario|all>.
# Exports the database admin credentials of the demo's test/env/postgres.sh (the drills
# pause WAL replay or stop the replica) and runs cmd/drill, which writes
# data/demo/drills/<scenario>.json. List the scenarios: go run ./cmd/drill -list
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
[ $# -eq 1 ] || { echo "usage: $0 <scenario|all>  (go run ./cmd/drill -list)" >&2; exit 2; }
[ -f data/demo/endpoints.env ] || { echo "data/demo/endpoints.env missing: start the demo stack (make demo)" >&2; exit 1; }
export FRAISEQL_ENV_DIR=$repo/data/demo/run
while IFS= read -r line; do
	case $line in PGSTATS_ADMIN_USERNAME=* | PGSTATS_ADMIN_PASSWORD=*) export "${line?}" ;; esac
done < <(test/env/postgres.sh env)
exec go run ./cmd/drill -scenario "$1"
