#!/usr/bin/env bash
# Makes the services' base image, eclipse-temurin:25-jre, present in the local Docker engine
# (idempotent). Where a registry is reachable `docker pull` would bring it; on machines that reach
# none, this builds an equivalent image locally under the same public name, so the Dockerfiles stay
# `FROM eclipse-temurin:25-jre` and build unchanged everywhere:
#   - a Debian bookworm minbase root filesystem (debootstrap, installed if missing),
#   - a Java runtime jlink'd from the build's JDK >= 25 (scripts/find-jdk.sh) into /opt/java/openjdk:
#     every runtime module the JDK has, less the development tools (compiler, javadoc, jshell, jlink,
#     debugger, Graal); with a default CDS archive for fast starts,
#   - imported with the public image's JAVA_HOME, PATH and LANG.
# Nothing of it stays in the repository: the root filesystem is built in a temporary directory.
# Set CONCORD_BASE_IMAGE to use another name (tests of this script).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${CONCORD_BASE_IMAGE:-eclipse-temurin:25-jre}
SUITE=bookworm
MIRROR=${CONCORD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo

if $SUDO docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
  echo "error: building $IMAGE needs root (debootstrap); run as root or with passwordless sudo" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "installing debootstrap" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >&2
fi
JDK=$(scripts/find-jdk.sh)
# development tools stay out of the runtime; everything else the JDK ships is kept (Boot, Netty,
# gRPC, JDBC, JMX, JFR, jcmd for operators)
TOOLS='jdk.compiler jdk.javadoc jdk.jshell jdk.jdeps jdk.jlink jdk.jpackage jdk.editpad
  jdk.internal.ed jdk.internal.le jdk.internal.opt jdk.internal.md jdk.jartool jdk.hotspot.agent
  jdk.jconsole jdk.jdi jdk.jdwp.agent jdk.jstatd jdk.graal.compiler jdk.graal.compiler.management
  jdk.internal.vm.ci jdk.incubator.vector jdk.accessibility jdk.unsupported.desktop'
MODULES=$("$JDK/bin/java" --list-modules | sed 's/@.*//' | grep -vxF -f <(tr -s ' \n' '\n' <<<"$TOOLS") | paste -sd, -)

WORK=$(mktemp -d /tmp/concord-base-image.XXXXXX)
trap '$SUDO rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"
t0=$SECONDS
echo "building $IMAGE: debootstrap $SUITE (minbase)" >&2
$SUDO debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -n 20 "$WORK/debootstrap.log" >&2
  exit 1
}
# package caches and lists are of no use in a runtime image
$SUDO rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/man/* \
  "$ROOTFS"/usr/share/doc/*
echo "building $IMAGE: jlink a runtime from $JDK" >&2
$SUDO mkdir -p "$ROOTFS/opt/java"
$SUDO "$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages \
  --generate-cds-archive --output "$ROOTFS/opt/java/openjdk" >"$WORK/jlink.log" 2>&1 || {
  cat "$WORK/jlink.log" >&2
  exit 1
}
$SUDO chmod 1777 "$ROOTFS/tmp"
echo "building $IMAGE: docker import" >&2
$SUDO tar -C "$ROOTFS" -c . | $SUDO docker import \
  --change 'ENV JAVA_HOME=/opt/java/openjdk' \
  --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  - "$IMAGE" >/dev/null
echo "built $IMAGE in $((SECONDS - t0)) s ($($SUDO docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))" >&2
