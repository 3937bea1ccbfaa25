#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock (idempotent; Debian machines, root or sudo).
# If none answers: installs Debian's docker.io when dockerd is missing, then starts
#   dockerd --bridge=none --iptables=false
# in the background (these machines have no bridge networking; containers run with --network host)
# and waits for it, at most CONCORD_DOCKER_WAIT seconds (default 60). Its log goes to
# CONCORD_DOCKERD_LOG (default /var/log/concord-dockerd.log).
#
# The docker client on PATH may be newer than the engine (a 28.x client against engine 20.10,
# API <= 1.41); docker negotiates the API version, so nothing has to be pinned here.
set -euo pipefail
LOG=${CONCORD_DOCKERD_LOG:-/var/log/concord-dockerd.log}
WAIT=${CONCORD_DOCKER_WAIT:-60}
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo

engine_answers() { $SUDO docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "installing docker.io" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker.io >&2
fi
if ! command -v docker >/dev/null 2>&1; then
  echo "error: docker.io is installed but no docker client is on PATH" >&2
  exit 1
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "starting dockerd (log: $LOG)" >&2
  # setsid: the daemon outlives this script and the make/maven process group that ran it; the
  # redirection runs under sudo too, so the log may live where only root writes
  $SUDO sh -c 'mkdir -p "$(dirname "$1")" && setsid dockerd --bridge=none --iptables=false >>"$1" 2>&1 </dev/null &' sh "$LOG"
fi
for ((i = 0; i < WAIT * 5; i++)); do
  if engine_answers; then
    exit 0
  fi
  sleep 0.2
done
echo "error: the Docker engine did not answer within ${WAIT}s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
