#!/usr/bin/env bash
# Start every service the integration tests use (or the ones named), then print their env.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
services=("$@")
if [ ${#services[@]} -eq 0 ]; then
	for s in "$dir"/*.sh; do
		case $(basename "$s") in lib.sh | up.sh | down.sh) continue ;; esac
		services+=("$(basename "$s" .sh)")
	done
fi
for s in "${services[@]}"; do "$dir/$s.sh" start; done
for s in "${services[@]}"; do "$dir/$s.sh" env; done
