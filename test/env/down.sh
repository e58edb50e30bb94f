#!/usr/bin/env bash
# Stop every service in test/env/ (or the ones named). Safe to run when nothing runs.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
services=("$@")
if [ ${#services[@]} -eq 0 ]; then
	for s in "$dir"/*.sh; do
		case $(basename "$s") in lib.sh | up.sh | down.sh) continue ;; esac
		services+=("$(basename "$s" .sh)")
	done
fi
for s in "${services[@]}"; do "$dir/$s.sh" stop || true; done
