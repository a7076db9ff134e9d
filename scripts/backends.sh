#!/usr/bin/env bash
# Starts the real servers the tests use — a throwaway PostgreSQL and an s3rver (S3-compatible) on free loopback
# ports — and installs what a fresh machine lacks (npm packages, Debian's Chromium for the dashboard test).
# Sourced by ./test.sh; exports the STATEVAULT_TEST_* variables the tests read. Nothing here is needed to run StateVault.

SV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SV_RUN_DIR="${SV_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/statevault-test.XXXXXX")}"
export SV_RUN_DIR

log() { printf '[test.sh] %s\n' "$*" >&2; }

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

wait_port() { # port seconds
  local deadline=$(( SECONDS + $2 ))
  while (( SECONDS < deadline )); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

ensure_tools() {
  if [ ! -d "$SV_ROOT/node_modules/s3rver" ] || [ ! -d "$SV_ROOT/node_modules/chart.js" ] || [ ! -d "$SV_ROOT/node_modules/@redocly/cli" ] || [ ! -d "$SV_ROOT/node_modules/axe-core" ]; then
    log "installing npm packages (npm ci)"
    (cd "$SV_ROOT" && npm ci --no-audit --no-fund >&2)
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      log "installing Chromium from Debian packages (dashboard browser test)"
      (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >"$SV_RUN_DIR/apt.log" 2>&1 || log "could not install chromium (see $SV_RUN_DIR/apt.log)"
    else
      log "chromium is missing and this is not root: the browser test will be skipped"
    fi
  fi
  if command -v chromium >/dev/null 2>&1; then
    export STATEVAULT_TEST_CHROMIUM="$(command -v chromium)"
  fi
}

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  local d; d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# Runs a PostgreSQL binary as the owner of the data folder (initdb refuses to run as root).
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$SV_PG_USER" -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local bindir; bindir=$(pg_bindir) || true
  if [ -z "$bindir" ]; then
    log "PostgreSQL server binaries not found: PostgreSQL tests will be skipped"
    return 0
  fi
  if [ "$(id -u)" = 0 ]; then
    SV_PG_USER=postgres
    id "$SV_PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$SV_PG_USER"
  fi
  local data="$SV_RUN_DIR/pg" port; port=$(free_port)
  mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown "$SV_PG_USER" "$SV_RUN_DIR" "$data"
  pg_as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$SV_RUN_DIR/initdb.log" 2>&1 \
    || { log "initdb failed (see $SV_RUN_DIR/initdb.log)"; return 1; }
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 200
fsync = on
CONF
  pg_as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null \
    || { log "PostgreSQL did not start (see $data/server.log)"; return 1; }
  export STATEVAULT_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$port/postgres"
  # For outage tests: "$STATEVAULT_TEST_PG_CTL stop|start" stops and starts this server.
  cat >"$SV_RUN_DIR/pg-ctl.sh" <<SH
#!/usr/bin/env bash
set -e
if [ "\$(id -u)" = 0 ]; then exec runuser -u ${SV_PG_USER:-\$(id -un)} -- "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -m fast "\$@"; fi
exec "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -m fast "\$@"
SH
  chmod +x "$SV_RUN_DIR/pg-ctl.sh"
  export STATEVAULT_TEST_PG_CTL="$SV_RUN_DIR/pg-ctl.sh"
  export STATEVAULT_TEST_PG_BIN="$bindir"
  log "PostgreSQL on 127.0.0.1:$port"
}

start_s3rver() {
  local bin="$SV_ROOT/node_modules/.bin/s3rver"
  if [ ! -x "$bin" ]; then
    log "s3rver is not installed: S3 tests will be skipped"
    return 0
  fi
  local port; port=$(free_port)
  mkdir -p "$SV_RUN_DIR/s3"
  "$bin" -d "$SV_RUN_DIR/s3" -a 127.0.0.1 -p "$port" --silent --configure-bucket statevault-test >"$SV_RUN_DIR/s3rver.log" 2>&1 &
  echo $! >"$SV_RUN_DIR/s3rver.pid"
  wait_port "$port" 30 || { log "s3rver did not start (see $SV_RUN_DIR/s3rver.log)"; return 1; }
  export STATEVAULT_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  export STATEVAULT_TEST_S3_BUCKET="statevault-test"
  # s3rver's fixed development credentials; real deployments use the standard AWS chain.
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-S3RVER}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-S3RVER}"
  log "s3rver on 127.0.0.1:$port"
}

stop_backends() {
  if [ -f "$SV_RUN_DIR/s3rver.pid" ]; then kill "$(cat "$SV_RUN_DIR/s3rver.pid")" 2>/dev/null || true; fi
  if [ -x "$SV_RUN_DIR/pg-ctl.sh" ]; then "$SV_RUN_DIR/pg-ctl.sh" stop >/dev/null 2>&1 || true; fi
  rm -rf "$SV_RUN_DIR"
}
