#!/usr/bin/env bash
# test/shellcheck.sh: shellcheck (Debian's package, fetched like the test services' packages
# into .cache/deb) on every shell script under test/ and .ci/.
set -euo pipefail
# shellcheck source=test/env/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/env/lib.sh"
deb_fetch shellcheck
sc=$(deb_root)/usr/bin/shellcheck
cd "$FRAISEQL_REPO"
mapfile -t files < <(git ls-files 'test/*.sh' 'test/**/*.sh' '.ci/run' | sort -u)
echo "shellcheck $("$sc" --version | sed -n 's/^version: //p') on ${#files[@]} scripts"
"$sc" --external-sources --source-path=SCRIPTDIR "${files[@]}"
