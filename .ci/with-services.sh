#!/usr/bin/env bash
# Run a command with every test service up: each .ci/services/NAME.sh is called with `start`
# (install if missing, start, wait until healthy) before and `stop` after, whatever happens.
# A service script prints `export VAR=value` lines on stdout for the tests to find it.
set -euo pipefail
cd "$(dirname "$0")/.."
started=()
stop_all() {
  for service in "${started[@]}"; do bash "$service" stop || true; done
}
trap stop_all EXIT
for service in .ci/services/*.sh; do
  [ -e "$service" ] || continue
  echo "starting $(basename "$service" .sh)…" >&2
  exports=$(bash "$service" start)
  started+=("$service")
  eval "$exports"
done
"$@"
