#!/usr/bin/env bash
# A real Elasticsearch for the tests (protocol: .ci/with-services.sh).
#
#   bash .ci/services/elasticsearch.sh start   # install if missing, start, wait for health;
#                                              # prints `export CANDOR_TEST_ELASTICSEARCH=…`
#   bash .ci/services/elasticsearch.sh stop
#
# Installs the `integ-test-zip` distribution from Maven Central with Maven: the newest 9.x that
# resolves, else the newest 8.x. The zip is cached under ~/.cache/candor/elasticsearch (with its
# own Maven repository), unpacked into a run folder a non-root user can read (Elasticsearch
# refuses to run as root), and started single-node on 127.0.0.1 with a 512 MB heap, security off.
# Only stdout carries the export line; everything else goes to stderr. Idempotent: a second
# `start` finds the server running and prints the same line.
#
# Environment: CANDOR_ES_PORT (default 9250), CANDOR_ES_VERSION (skip resolution),
# CANDOR_ES_CACHE (default ~/.cache/candor/elasticsearch), CANDOR_ES_RUN (run folder,
# default /tmp/candor-elasticsearch-$PORT), CANDOR_ES_USER (default candor-es when root),
# JAVA_HOME or ES_JAVA_HOME (default: the newest JDK >= 21 in /usr/lib/jvm).
set -euo pipefail

PORT=${CANDOR_ES_PORT:-9250}
TRANSPORT_PORT=$((PORT + 100))
CACHE=${CANDOR_ES_CACHE:-$HOME/.cache/candor/elasticsearch}
RUN=${CANDOR_ES_RUN:-/tmp/candor-elasticsearch-$PORT}
URL="http://127.0.0.1:$PORT"
GROUP=org.elasticsearch.distribution.integ-test-zip
ARTIFACT=elasticsearch
PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

say() { echo "elasticsearch: $*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

http_ok() { # $1: URL; true when it answers 2xx
  if command -v curl >/dev/null; then
    curl -fsS --max-time 5 "$1" >/dev/null 2>&1
  else
    python3 -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" \
      "$1" >/dev/null 2>&1
  fi
}

healthy() { http_ok "$URL/_cluster/health?wait_for_status=yellow&timeout=1s"; }

find_java() {
  local candidate version best="" best_version=0
  for candidate in ${ES_JAVA_HOME:-} ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java.specification.version = //p')
    version=${version#1.}
    if [ "${version:-0}" -ge 21 ] && [ "$version" -gt "$best_version" ]; then
      best=$candidate best_version=$version
    fi
  done
  [ -n "$best" ] || die "no JDK >= 21 found (looked in \$ES_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm)"
  echo "$best"
}

mvn_() { mvn -B -q -Dmaven.repo.local="$CACHE/m2" "$@" >&2; }

resolve_version() { # newest version of the range $1 that Maven Central has, or nothing
  local work
  work=$(mktemp -d)
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>candor</groupId><artifactId>es-resolve</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies><dependency>
    <groupId>$GROUP</groupId><artifactId>$ARTIFACT</artifactId>
    <version>$1</version><type>zip</type>
  </dependency></dependencies>
</project>
EOF
  if (cd "$work" && mvn_ "$PLUGIN:list" -DexcludeTransitive=true -DoutputFile="$work/list.txt"); then
    sed -n "s/.*$GROUP:$ARTIFACT:zip:\([0-9][0-9.]*\).*/\1/p" "$work/list.txt" | head -1
  fi
  rm -rf "$work"
}

cached_version() { # the newest zip already in the cache
  ls "$CACHE"/elasticsearch-*.zip 2>/dev/null | sed 's/.*elasticsearch-\(.*\)\.zip/\1/' |
    sort -V | tail -1
}

fetch() {
  local version=${CANDOR_ES_VERSION:-}
  mkdir -p "$CACHE"
  [ -n "$version" ] || version=$(cached_version)
  if [ -z "$version" ]; then
    command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
    say "resolving the newest 9.x on Maven Central ($GROUP:$ARTIFACT)…"
    version=$(resolve_version "[9.0.0,10.0.0)")
    if [ -z "$version" ]; then
      say "no 9.x resolves; trying 8.x"
      version=$(resolve_version "[8.0.0,9.0.0)")
    fi
    [ -n "$version" ] || die "neither a 9.x nor an 8.x $GROUP:$ARTIFACT zip resolves from Maven Central"
  fi
  if [ ! -s "$CACHE/elasticsearch-$version.zip" ]; then
    say "downloading $GROUP:$ARTIFACT:$version:zip…"
    mvn_ "$PLUGIN:copy" -Dartifact="$GROUP:$ARTIFACT:$version:zip" -DoutputDirectory="$CACHE" \
      -Dmdep.overWriteReleases=true
  fi
  [ -s "$CACHE/elasticsearch-$version.zip" ] || die "download of $version failed"
  echo "$version"
}

unpack() { # $1: version; unpacks into $RUN/home once
  local version=$1
  if [ -f "$RUN/home/.candor-version" ] && [ "$(cat "$RUN/home/.candor-version")" = "$version" ]; then
    return
  fi
  say "unpacking $version into $RUN/home…"
  rm -rf "$RUN/home" "$RUN/unpack"
  mkdir -p "$RUN/unpack"
  if command -v unzip >/dev/null; then
    unzip -q "$CACHE/elasticsearch-$version.zip" -d "$RUN/unpack"
  else
    python3 -m zipfile -e "$CACHE/elasticsearch-$version.zip" "$RUN/unpack"
  fi
  mv "$RUN/unpack"/elasticsearch-* "$RUN/home"
  rm -rf "$RUN/unpack"
  chmod +x "$RUN/home/bin/"*
  echo "$version" >"$RUN/home/.candor-version"
}

start() {
  if healthy; then
    say "already running at $URL"
    echo "export CANDOR_TEST_ELASTICSEARCH=$URL"
    return
  fi
  local version java user="" started
  version=$(fetch)
  java=$(find_java)
  mkdir -p "$RUN"
  unpack "$version"
  mkdir -p "$RUN/data" "$RUN/logs"
  if [ "$(id -u)" = 0 ]; then
    user=${CANDOR_ES_USER:-candor-es}
    if ! id "$user" >/dev/null 2>&1; then
      say "creating the system user $user (Elasticsearch refuses to run as root)"
      useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    fi
    chown -R "$user" "$RUN"
  fi
  local settings=(
    -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 -Ehttp.port="$PORT"
    -Etransport.port="$TRANSPORT_PORT" -Epath.data="$RUN/data" -Epath.logs="$RUN/logs"
    -Ecluster.name=candor-test -Ecluster.routing.allocation.disk.threshold_enabled=false
  )
  # Only the full distribution knows these settings; integ-test-zip would refuse them.
  [ -d "$RUN/home/modules/x-pack-security" ] && settings+=(-Expack.security.enabled=false)
  [ -d "$RUN/home/modules/ingest-geoip" ] && settings+=(-Eingest.geoip.downloader.enabled=false)
  say "starting $version on $URL with $java (logs: $RUN/logs)"
  local command=(env ES_JAVA_HOME="$java" ES_JAVA_OPTS="-Xms512m -Xmx512m"
    "$RUN/home/bin/elasticsearch" -d -p "$RUN/es.pid" "${settings[@]}")
  started=$(date +%s)
  if [ -n "$user" ]; then
    (cd "$RUN" && runuser -u "$user" -- "${command[@]}") >"$RUN/start.out" 2>&1 ||
      die "failed to start; see $RUN/start.out and $RUN/logs"
  else
    (cd "$RUN" && "${command[@]}") >"$RUN/start.out" 2>&1 ||
      die "failed to start; see $RUN/start.out and $RUN/logs"
  fi
  for _ in $(seq 1 180); do
    if healthy; then
      say "healthy after $(($(date +%s) - started)) s"
      echo "export CANDOR_TEST_ELASTICSEARCH=$URL"
      return
    fi
    sleep 1
  done
  tail -n 40 "$RUN/logs/candor-test.log" >&2 2>/dev/null || true
  die "not healthy after 180 s at $URL; see $RUN/logs"
}

stop() {
  local pid
  [ -f "$RUN/es.pid" ] || {
    say "not running (no $RUN/es.pid)"
    return
  }
  pid=$(cat "$RUN/es.pid")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping pid $pid"
    kill "$pid"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$RUN/es.pid"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
