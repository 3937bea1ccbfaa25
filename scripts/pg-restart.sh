#!/usr/bin/env bash
# Restarts the PostgreSQL cluster of scripts/ensure-postgres.sh (fast shutdown: sessions are cut,
# committed data stays), for the fault-injection test of the store (PgRestartIT). Prints
# "restarted <port>" once it answers again.
set -euo pipefail
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -1)
$SUDO pg_ctlcluster --skip-systemctl-redirect "$VERSION" main restart -m fast >&2
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $3}')
# pg_isready waits (at most 10 s) until the server accepts connections
if pg_isready -q -h 127.0.0.1 -p "$PORT" -t 10; then echo "restarted $PORT"; exit 0; fi
echo "PostgreSQL did not come back within 10 s" >&2; exit 1
