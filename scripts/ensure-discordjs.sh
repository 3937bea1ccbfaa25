#!/usr/bin/env bash
# Installs the discord.js test bot's npm packages (integration-tests/src/test/js/discordjs) with
# the machine's Node.js, exactly as locked, when they are missing or older than the lock file.
# zlib-sync builds a native addon against the machine's Node headers (see .npmrc there).
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/integration-tests/src/test/js/discordjs"
cd "$dir"
stamp=node_modules/.package-lock.json
if [[ -f $stamp && $stamp -nt package-lock.json && -d node_modules/zlib-sync/build ]]; then
  exit 0
fi
start=$SECONDS
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "discord.js test bot: npm ci took $((SECONDS - start)) s"
