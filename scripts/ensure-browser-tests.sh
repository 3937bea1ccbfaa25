#!/usr/bin/env bash
# Prepares the browser tests (WebAppIT): Debian's Chromium (scripts/ensure-chromium.sh) and the
# npm packages of integration-tests/src/test/js/browser (playwright-core, exactly as locked),
# installed with the machine's Node.js when missing or older than the lock file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/ensure-chromium.sh" >/dev/null
cd "$root/integration-tests/src/test/js/browser"
stamp=node_modules/.package-lock.json
if [[ -f $stamp && $stamp -nt package-lock.json ]]; then
  exit 0
fi
start=$SECONDS
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "browser tests: npm ci took $((SECONDS - start)) s"
