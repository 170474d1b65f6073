# shellcheck shell=bash
# Throw-away PostgreSQL 15 (+ PostGIS 3) + RabbitMQ 3.10 for tests, on loopback only, as root.
#   source ops/infra.sh; infra_install; infra_start; ...; infra_stop
# Meant to be sourced: it sets no shell options of its own (callers use set -euo pipefail
# and every function here works under it). infra_start exports ALERT_TEST_POSTGRES and
# ALERT_TEST_RABBITMQ; `infra_stop DIR` stops a run that was killed (DIR = /tmp/alert-infra.*).

INFRA_PG_BIN=/usr/lib/postgresql/15/bin
# The real RabbitMQ scripts: Debian's /usr/sbin wrappers `su` to rabbitmq, which we do
# ourselves with setpriv so that our environment (ports, dirs, node name) is passed as is.
INFRA_RMQ_BIN=/usr/lib/rabbitmq/bin
INFRA_WAIT=60 # seconds any server gets to come up or go down

_infra_say() { echo "infra: $*" >&2; }

infra_install() {
  local p missing=()
  # PostGIS: the peer the geocoding benchmark and its cross-check measure our point lookup against.
  for p in rabbitmq-server postgresql postgresql-15-postgis-3 chromium chromium-driver; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) != 0 ]]; then _infra_say "need root to apt-get install: ${missing[*]}"; return 1; fi
  _infra_say "apt-get install ${missing[*]}"
  # Lock::Timeout: wait for another apt/dpkg instead of failing on its lock.
  DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 update || return 1
  # Installing must not start the packages' own servers (on all interfaces, default ports): only ours run, on
  # loopback. Container images usually forbid service starts already; where not, forbid them for this install.
  local own_policy=
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get -qq -y -o DPkg::Lock::Timeout=600 install "${missing[@]}" >/dev/null || rc=1
  [[ -z $own_policy ]] || rm -f /usr/sbin/policy-rc.d
  return "$rc"
}

# Pick an unused loopback port into variable $1. 20000-29999 is below the kernel's
# ephemeral range (32768+), so outgoing connections cannot grab it meanwhile.
_infra_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((20000 + RANDOM % 10000))
    [[ " ${_INFRA_TAKEN:-} " == *" $p "* ]] && continue
    # A refused connection means nothing listens there (also covers 0.0.0.0 and :: listeners).
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      _INFRA_TAKEN="${_INFRA_TAKEN:-} $p"; printf -v "$1" %s "$p"; return 0
    fi
  done
  _infra_say "no free port found"; return 1
}

# A zombie counts as gone: the servers daemonize, so their parent is PID 1, which on
# some machines (containers, micro-VMs) reaps late.
_infra_alive() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# PID of the process listening on loopback TCP port $1 (empty if none).
_infra_listener_pid() { ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2; }

# Run a program as user $1 (cwd /: our cwd may be unreadable to it), bounded in time.
# ALERT_INFRA_DIR marks every process started here and all their children (servers,
# backends, an epmd a node may respawn), so infra_stop can find strays by PID.
_infra_as() {
  local user=$1; shift
  (cd / && timeout -k 5 "$INFRA_WAIT" setpriv --reuid="$user" --regid="$user" --init-groups \
    env ALERT_INFRA_DIR="$INFRA_DIR" "$@")
}

# PIDs of the processes carrying this run's ALERT_INFRA_DIR marker.
_infra_marked_pids() {
  { grep -lzxF "ALERT_INFRA_DIR=$INFRA_DIR" /proc/[0-9]*/environ 2>/dev/null || true; } |
    tr '\0' '\n' | sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p'
}

# Run a RabbitMQ script ($1) as rabbitmq with this node's environment. HOME is rabbitmq's
# so server and CLI share /var/lib/rabbitmq/.erlang.cookie. All RABBITMQ_* files point into
# our dir (none of /etc/rabbitmq is read); epmd and Erlang distribution stay on 127.0.0.1.
_infra_rmq() {
  local cmd=$1 r=$INFRA_DIR/rabbit; shift
  _infra_as rabbitmq env HOME=/var/lib/rabbitmq \
    ERL_EPMD_PORT="$INFRA_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_NODENAME="$INFRA_RMQ_NODE" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$INFRA_RMQ_PORT" RABBITMQ_DIST_PORT="$INFRA_RMQ_DIST_PORT" \
    RABBITMQ_MNESIA_BASE="$r/mnesia" RABBITMQ_LOG_BASE="$r/log" RABBITMQ_PID_FILE="$r/rabbit.pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$r/enabled_plugins" RABBITMQ_CONF_ENV_FILE="$r/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$r/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$r/advanced.config" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$INFRA_RMQ_BIN/$cmd" "$@"
}

# Write what is running to $INFRA_DIR/state so `infra_stop DIR` works from another shell.
_infra_save() {
  declare -p INFRA_DIR INFRA_PG_PORT INFRA_PG_PID INFRA_RMQ_NODE INFRA_RMQ_PORT \
    INFRA_RMQ_DIST_PORT INFRA_RMQ_PID INFRA_EPMD_PORT INFRA_EPMD_PID >"$INFRA_DIR/state"
}

_infra_start_pg() {
  local d=$INFRA_DIR/pg
  mkdir -p "$d/run" && chown -R postgres:postgres "$d" && chmod 700 "$d" || return 1
  # --no-sync / fsync=off: a throw-away cluster need not survive an OS crash; much faster.
  if ! _infra_as postgres "$INFRA_PG_BIN/initdb" -D "$d/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$d/initdb.log" 2>&1; then
    _infra_say "initdb failed:"; tail -n 20 "$d/initdb.log" >&2; return 1
  fi
  cat >>"$d/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $INFRA_PG_PORT
unix_socket_directories = '$d/run'
fsync = off
full_page_writes = off
# Test suites run in parallel, each with its own connection pool.
max_connections = 300
EOF
  if ! _infra_as postgres "$INFRA_PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -w \
    -t "$INFRA_WAIT" start >/dev/null; then
    _infra_say "PostgreSQL did not start:"; tail -n 30 "$d/postgres.log" >&2; return 1
  fi
  INFRA_PG_PID=$(head -n1 "$d/data/postmaster.pid"); _infra_save
  # PostGIS is created as postgres (it takes a superuser); the alert role then uses its types and functions.
  timeout "$INFRA_WAIT" "$INFRA_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$d/run" -p "$INFRA_PG_PORT" \
    -U postgres -d postgres -c "CREATE ROLE alert LOGIN PASSWORD 'alert'" \
    -c "CREATE DATABASE alert OWNER alert" \
    -c '\connect alert' -c "CREATE EXTENSION postgis" || return 1
}

_infra_start_rabbit() {
  local r=$INFRA_DIR/rabbit i
  mkdir -p "$r/mnesia" "$r/log" || return 1
  echo '[].' >"$r/enabled_plugins" # no plugins: no management listener
  : >"$r/rabbitmq-env.conf"
  echo 'log.file.level = info' >"$r/rabbitmq.conf"
  chown -R rabbitmq:rabbitmq "$r" || return 1
  # Our own epmd on a private port, so the machine's other Erlang nodes are untouched.
  # -daemon forks, so its PID is read off its listening socket below.
  _infra_as rabbitmq env HOME=/var/lib/rabbitmq /usr/bin/epmd -daemon -port "$INFRA_EPMD_PORT" \
    -address 127.0.0.1 || return 1
  for ((i = 0; i < 50; i++)); do
    INFRA_EPMD_PID=$(_infra_listener_pid "$INFRA_EPMD_PORT")
    [[ -n $INFRA_EPMD_PID ]] && break
    sleep 0.1
  done
  _infra_save
  if [[ -z $INFRA_EPMD_PID ]]; then _infra_say "epmd did not start"; return 1; fi
  # -detached returns at once. await_startup fails at once while the node has not yet
  # registered with epmd, so first poll epmd (cheap; each CLI call boots an Erlang VM).
  local deadline=$((SECONDS + INFRA_WAIT)) ok=''
  if _infra_rmq rabbitmq-server -detached >"$r/start.log" 2>&1; then
    while ((SECONDS < deadline)); do
      if /usr/bin/epmd -port "$INFRA_EPMD_PORT" -names 2>/dev/null | grep -q "^name ${INFRA_RMQ_NODE%@*} "; then
        _infra_rmq rabbitmqctl -q -n "$INFRA_RMQ_NODE" await_startup >"$r/await.log" 2>&1 && ok=1
        break
      fi
      sleep 0.2
    done
  fi
  INFRA_RMQ_PID=$(cat "$r/rabbit.pid" 2>/dev/null || true); _infra_save
  if [[ -z $ok || -z $INFRA_RMQ_PID ]]; then
    _infra_say "RabbitMQ did not start within ${INFRA_WAIT}s:"
    tail -n 30 "$r/start.log" "$r/await.log" "$r/log/$INFRA_RMQ_NODE.log" >&2 2>/dev/null || true
    return 1
  fi
}

infra_start() {
  if [[ $(id -u) != 0 ]]; then _infra_say "infra_start needs root"; return 1; fi
  if [[ -n ${INFRA_DIR:-} ]]; then _infra_say "already started in $INFRA_DIR"; return 1; fi
  # Under /tmp, not $TMPDIR: the postgres and rabbitmq users must be able to reach it.
  INFRA_DIR=$(mktemp -d /tmp/alert-infra.XXXXXX) || return 1
  chmod 755 "$INFRA_DIR"
  INFRA_PG_PID='' INFRA_RMQ_PID='' INFRA_EPMD_PID='' _INFRA_TAKEN=''
  INFRA_RMQ_NODE="alert-test-$$@localhost"
  if ! { _infra_port INFRA_PG_PORT && _infra_port INFRA_RMQ_PORT && _infra_port INFRA_RMQ_DIST_PORT &&
    _infra_port INFRA_EPMD_PORT && _infra_save; }; then infra_stop ''; return 1; fi
  if ! _infra_start_pg || ! _infra_start_rabbit; then infra_stop ''; return 1; fi
  export ALERT_TEST_POSTGRES="Host=127.0.0.1;Port=$INFRA_PG_PORT;Database=alert;Username=alert;Password=alert"
  export ALERT_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:$INFRA_RMQ_PORT/"
}

# Wait up to $2 seconds for PID $1 to exit, then SIGKILL it.
_infra_reap() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do _infra_alive "$1" || return 0; sleep 0.1; done
  _infra_say "PID $1 still alive, killing it"; kill -KILL "$1" 2>/dev/null || true
}

# infra_stop [DIR]: stop what infra_start started (this shell's run, or the one in DIR).
# Idempotent, never fails: safe from a trap and twice.
infra_stop() {
  if [[ -n ${1:-} ]]; then
    [[ -f $1/state ]] || { _infra_say "no $1/state"; return 0; }
    # shellcheck disable=SC1091
    source "$1/state"
  fi
  [[ -n ${INFRA_DIR:-} ]] || return 0
  if _infra_alive "${INFRA_RMQ_PID:-}"; then
    # `stop PIDFILE` returns once the Erlang VM has exited.
    _infra_rmq rabbitmqctl -q -n "$INFRA_RMQ_NODE" stop "$INFRA_DIR/rabbit/rabbit.pid" >/dev/null 2>&1 ||
      kill -TERM "$INFRA_RMQ_PID" 2>/dev/null || true
    _infra_reap "$INFRA_RMQ_PID" 15
  fi
  # The node leaves its epmd running; it is ours alone, so stop it by PID.
  if _infra_alive "${INFRA_EPMD_PID:-}"; then kill -TERM "$INFRA_EPMD_PID" 2>/dev/null || true; _infra_reap "$INFRA_EPMD_PID" 5; fi
  if _infra_alive "${INFRA_PG_PID:-}"; then
    _infra_as postgres "$INFRA_PG_BIN/pg_ctl" -D "$INFRA_DIR/pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      kill -INT "$INFRA_PG_PID" 2>/dev/null || true
    _infra_reap "$INFRA_PG_PID" 15
  fi
  # Anything of ours still there (a node killed mid-boot, a respawned epmd): TERM, then KILL.
  local p c strays
  strays=$(_infra_marked_pids)
  for p in $strays; do
    c=$({ tr '\0' ' ' </proc/"$p"/cmdline; } 2>/dev/null | cut -c1-60) || true
    if kill -TERM "$p" 2>/dev/null; then _infra_say "stopped stray PID $p: $c"; fi
  done
  for p in $strays; do _infra_reap "$p" 5; done
  rm -rf "$INFRA_DIR"
  unset INFRA_DIR INFRA_PG_PORT INFRA_PG_PID INFRA_RMQ_NODE INFRA_RMQ_PORT INFRA_RMQ_DIST_PORT \
    INFRA_RMQ_PID INFRA_EPMD_PORT INFRA_EPMD_PID ALERT_TEST_POSTGRES ALERT_TEST_RABBITMQ
  return 0
}
