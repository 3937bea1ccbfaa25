#!/usr/bin/env bash
# Makes a real PostgreSQL available for the store tests (idempotent; Debian machines, root or sudo):
# installs the server if missing, starts the cluster if it is down, creates the test role and
# database. Prints the JDBC URL on its last line. Honors CONCORD_TEST_JDBC_URL if already set
# (a developer's own database; nothing is installed then).
set -euo pipefail
if [[ -n "${CONCORD_TEST_JDBC_URL:-}" ]]; then
  echo "$CONCORD_TEST_JDBC_URL"; exit 0
fi
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing PostgreSQL" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$VERSION main$"; then
  $SUDO pg_createcluster "$VERSION" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start >&2
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $3}')
for _ in $(seq 1 50); do
  if su postgres -c "psql -p $PORT -qtAc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
psql_admin() { su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
if [[ "$(psql_admin "select 1 from pg_roles where rolname='concord'")" != "1" ]]; then
  psql_admin "create role concord login password 'concord'" >&2
fi
if [[ "$(psql_admin "select 1 from pg_database where datname='concord_test'")" != "1" ]]; then
  psql_admin "create database concord_test owner concord" >&2
fi
echo "jdbc:postgresql://127.0.0.1:$PORT/concord_test?user=concord&password=concord"
