#!/usr/bin/env bash
# Makes Debian's Chromium available for the browser tests (idempotent; root or sudo). Never a
# downloaded browser: playwright-core drives /usr/bin/chromium. Prints its path on the last line.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "installing Chromium" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
fi
command -v chromium
