#!/usr/bin/env bash
# Builds the web app (services/gateway/src/main/webapp) with the machine's Node.js into the
# gateway's classes (static/app), installing its npm packages exactly as locked when they are
# missing or older than the lock file. `test` as the first argument runs its unit tests instead.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/services/gateway/src/main/webapp"
cd "$dir"
if ! command -v npm >/dev/null; then
  echo "build-webapp: npm not found; install Node.js (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  start=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "web app: npm ci took $((SECONDS - start)) s"
fi
if [[ "${1:-build}" == test ]]; then
  npx vitest run --reporter=dot
else
  npx vite build --logLevel warn
fi
