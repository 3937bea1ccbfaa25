#!/usr/bin/env bash
# Prints the home of a JDK >= 25 (the build needs one; the machine's default java may be older).
# Order: $JAVA_HOME if new enough, then JDKs under /usr/lib/jvm (newest first).
set -euo pipefail
MIN=25

major_of() { # $1 = JDK home
  local rel="$1/release"
  [[ -x "$1/bin/javac" && -f "$rel" ]] || return 1
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
}

if [[ -n "${JAVA_HOME:-}" ]] && m=$(major_of "$JAVA_HOME") && [[ -n "$m" && "$m" -ge $MIN ]]; then
  echo "$JAVA_HOME"; exit 0
fi
best=""; best_major=0
for home in /usr/lib/jvm/*; do
  m=$(major_of "$home" 2>/dev/null) || continue
  if [[ -n "$m" && "$m" -ge $MIN && "$m" -gt $best_major ]]; then best="$home"; best_major=$m; fi
done
if [[ -z "$best" ]]; then
  echo "error: no JDK >= $MIN found (looked at \$JAVA_HOME and /usr/lib/jvm/*). Install Temurin 25 or newer." >&2
  exit 1
fi
echo "$best"
