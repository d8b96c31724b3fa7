#!/usr/bin/env bash
# Test service: real Chromium for the publisher's browser tests (tests/publisher/test_browser.py).
# `start` installs the Debian package when it is missing and prints where it is; `stop` has
# nothing to stop (each test launches and closes its own browser). Protocol: .ci/with-services.sh
set -euo pipefail
CHROMIUM=/usr/bin/chromium
case "${1:-}" in
  start)
    if [ ! -x "$CHROMIUM" ]; then
      echo "installing chromium (Debian package)…" >&2
      if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
      $SUDO apt-get update >&2
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium >&2
    fi
    "$CHROMIUM" --version >&2
    echo "export CANDOR_TEST_CHROMIUM=$CHROMIUM"
    ;;
  stop)
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
