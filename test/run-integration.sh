#!/usr/bin/env bash
# Start the real services of test/env/, run the integration-tagged Go tests against them,
# and stop the services whatever happens. Each test reads its endpoint from the environment
# (the `env` output of the service scripts); under the `integration` tag a missing variable
# fails the test instead of skipping it.
set -euo pipefail
cd "$(dirname "$0")/.."
services=()
for s in test/env/*.sh; do
	case $(basename "$s") in lib.sh | up.sh | down.sh) continue ;; esac
	services+=("$(basename "$s" .sh)")
done
if [ ${#services[@]} -eq 0 ]; then
	echo "test/env: no services defined; no integration tests to run"
	exit 0
fi
trap 'test/env/down.sh "${services[@]}"' EXIT
env_lines=$(test/env/up.sh "${services[@]}")
while IFS= read -r line; do
	[ -n "$line" ] && export "${line?}"
done <<<"$env_lines"
go test -count=1 -tags integration -timeout 20m ./...
(cd test && go test -count=1 -tags integration -timeout 20m ./...)
(cd examples/fraiseql-demo && go test -count=1 -tags integration -timeout 5m ./...)
