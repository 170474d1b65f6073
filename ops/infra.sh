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
  # PostGIS: the peer the geocoding benchmark and its cross-check measure our point lookup against. A Japanese font,
  # or the desk's screenshots show boxes for every kanji.
  for p in rabbitmq-server postgresql postgresql-15-postgis-3 chromium chromium-driver fonts-ipafont-gothic; do
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
  local lock
  # Shells of one run (ops/infra called side by side) pick one at a time.
  if [[ -n ${INFRA_DIR:-} && -d $INFRA_DIR ]]; then exec {lock}>>"$INFRA_DIR/ports.lock"; flock "$lock"; fi
  _infra_port_pick "$1"; local rc=$?
  [[ -z ${lock:-} ]] || exec {lock}>&-
  return "$rc"
}

_infra_port_pick() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((20000 + RANDOM % 10000))
    [[ " ${_INFRA_TAKEN:-} " == *" $p "* ]] && continue
    # Ports handed out by other shells of this run (ops/infra, called by the fault tests), bound or not yet.
    [[ -n ${INFRA_DIR:-} && -f $INFRA_DIR/ports ]] && grep -qx "$p" "$INFRA_DIR/ports" && continue
    # A refused connection means nothing listens there (also covers 0.0.0.0 and :: listeners).
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      _INFRA_TAKEN="${_INFRA_TAKEN:-} $p"; printf -v "$1" %s "$p"
      [[ -z ${INFRA_DIR:-} || ! -d $INFRA_DIR ]] || echo "$p" >>"$INFRA_DIR/ports"
      return 0
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
  local cmd=$1; shift
  _infra_rmq_at "$INFRA_DIR/rabbit" "$INFRA_RMQ_NODE" "$INFRA_RMQ_PORT" "$INFRA_RMQ_DIST_PORT" "$INFRA_EPMD_PORT" "$cmd" "$@"
}

# _infra_rmq_at DIR NODE AMQP_PORT DIST_PORT EPMD_PORT SCRIPT [ARGS]: the same for any node of ours.
_infra_rmq_at() {
  local r=$1 node=$2 port=$3 dist=$4 epmd=$5 cmd=$6; shift 6
  _infra_as rabbitmq env HOME=/var/lib/rabbitmq \
    ERL_EPMD_PORT="$epmd" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$dist" \
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
  _infra_pg_init "$INFRA_DIR/pg" "$INFRA_PG_PORT" || return 1
  if ! _infra_pg_ctl "$INFRA_DIR/pg" start; then
    _infra_say "PostgreSQL did not start:"; tail -n 30 "$INFRA_DIR/pg/postgres.log" >&2; return 1
  fi
  INFRA_PG_PID=$(head -n1 "$INFRA_DIR/pg/data/postmaster.pid"); _infra_save
  _infra_pg_roles "$INFRA_DIR/pg" "$INFRA_PG_PORT" postgis
}

# _infra_pg_init DIR PORT: a fresh PostgreSQL 15 cluster in DIR/data, listening on 127.0.0.1:PORT.
_infra_pg_init() {
  local d=$1 port=$2
  mkdir -p "$d/run" && chown -R postgres:postgres "$d" && chmod 700 "$d" || return 1
  # --no-sync / fsync=off: a throw-away cluster need not survive an OS crash; much faster.
  if ! _infra_as postgres "$INFRA_PG_BIN/initdb" -D "$d/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$d/initdb.log" 2>&1; then
    _infra_say "initdb failed:"; tail -n 20 "$d/initdb.log" >&2; return 1
  fi
  cat >>"$d/data/postgresql.conf" <<EOF2
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$d/run'
fsync = off
full_page_writes = off
# Test suites run in parallel, each with its own connection pool.
max_connections = 300
EOF2
}

# _infra_pg_ctl DIR start|stop: pg_ctl on the cluster in DIR, waiting until it is up or down.
# stop is "fast": open sessions are cut and their transactions rolled back, as when a server goes away.
_infra_pg_ctl() {
  local d=$1
  case $2 in
    start) _infra_as postgres "$INFRA_PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -w -t "$INFRA_WAIT" start >/dev/null ;;
    stop) _infra_as postgres "$INFRA_PG_BIN/pg_ctl" -D "$d/data" -m fast -w -t 30 stop >/dev/null 2>&1 ;;
    *) return 2 ;;
  esac
}

# _infra_pg_roles DIR PORT [postgis]: role and database alert (password alert), PostGIS in it if asked.
_infra_pg_roles() {
  local d=$1 port=$2 extension=()
  # PostGIS is created as postgres (it takes a superuser); the alert role then uses its types and functions.
  [[ ${3:-} != postgis ]] || extension=(-c '\connect alert' -c "CREATE EXTENSION postgis")
  timeout "$INFRA_WAIT" "$INFRA_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$d/run" -p "$port" \
    -U postgres -d postgres -c "CREATE ROLE alert LOGIN PASSWORD 'alert'" \
    -c "CREATE DATABASE alert OWNER alert" "${extension[@]}"
}

# _infra_rmq_prepare DIR: the files of a node of ours (no plugins, no /etc/rabbitmq).
_infra_rmq_prepare() {
  local r=$1
  mkdir -p "$r/mnesia" "$r/log" || return 1
  echo '[].' >"$r/enabled_plugins" # no plugins: no management listener
  : >"$r/rabbitmq-env.conf"
  echo 'log.file.level = info' >"$r/rabbitmq.conf"
  chown -R rabbitmq:rabbitmq "$r"
}

# _infra_epmd PORT VAR: our own epmd on a private port, so the machine's other Erlang nodes are
# untouched; its PID into VAR. -daemon forks, so the PID is read off its listening socket.
_infra_epmd() {
  local _i _pid=''
  _infra_as rabbitmq env HOME=/var/lib/rabbitmq /usr/bin/epmd -daemon -port "$1" -address 127.0.0.1 || return 1
  for ((_i = 0; _i < 50; _i++)); do
    _pid=$(_infra_listener_pid "$1")
    [[ -n $_pid ]] && break
    sleep 0.1
  done
  printf -v "$2" %s "$_pid"
  [[ -n $_pid ]] || { _infra_say "epmd did not start"; return 1; }
}

# _infra_rmq_boot DIR NODE AMQP_PORT DIST_PORT EPMD_PORT VAR: start the node detached and wait
# until it runs; its PID into VAR (empty if it did not come up within INFRA_WAIT).
_infra_rmq_boot() {
  _infra_rmq_launch "$@" && _infra_rmq_await "$@"
}

# -detached returns at once; the node boots meanwhile (several can boot side by side).
_infra_rmq_launch() {
  _infra_rmq_at "$1" "$2" "$3" "$4" "$5" rabbitmq-server -detached >"$1/start.log" 2>&1
}

_infra_rmq_await() {
  local r=$1 node=$2 port=$3 dist=$4 epmd=$5 var=$6
  # await_startup fails at once while the node has not yet registered with epmd,
  # so first poll epmd (cheap; each CLI call boots an Erlang VM).
  # (Locals start with _: VAR names a variable of the caller, which a local of the same name would hide.)
  local _deadline=$((SECONDS + INFRA_WAIT)) _ok='' _pid
  printf -v "$var" %s ''
  while ((SECONDS < _deadline)); do
    if /usr/bin/epmd -port "$epmd" -names 2>/dev/null | grep -q "^name ${node%@*} "; then
      _infra_rmq_at "$r" "$node" "$port" "$dist" "$epmd" rabbitmqctl -q -n "$node" await_startup >"$r/await.log" 2>&1 && _ok=1
      break
    fi
    sleep 0.2
  done
  _pid=$(cat "$r/rabbit.pid" 2>/dev/null || true)
  if [[ -z $_ok || -z $_pid ]]; then
    _infra_say "RabbitMQ node $node did not start within ${INFRA_WAIT}s:"
    tail -n 30 "$r/start.log" "$r/await.log" "$r/log/$node.log" >&2 2>/dev/null || true
    return 1
  fi
  printf -v "$var" %s "$_pid"
}

_infra_start_rabbit() {
  local r=$INFRA_DIR/rabbit
  _infra_rmq_prepare "$r" || return 1
  _infra_epmd "$INFRA_EPMD_PORT" INFRA_EPMD_PID || { _infra_save; return 1; }
  _infra_save
  local rc=0
  _infra_rmq_boot "$r" "$INFRA_RMQ_NODE" "$INFRA_RMQ_PORT" "$INFRA_RMQ_DIST_PORT" "$INFRA_EPMD_PORT" INFRA_RMQ_PID || rc=1
  # A node that did not answer may still be running: keep its PID for infra_stop.
  [[ -n $INFRA_RMQ_PID ]] || INFRA_RMQ_PID=$(cat "$r/rabbit.pid" 2>/dev/null || true)
  _infra_save
  return "$rc"
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
  # For ops/infra (the fault tests drive these servers and start more through it). Not ALERT_INFRA_DIR:
  # that marks the processes infra_stop sweeps up, and must not be on the shell or the tests themselves.
  export ALERT_TEST_INFRA_DIR=$INFRA_DIR
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
  # ops/infra may have restarted a server since (new PID, saved in the state file). Global, as this
  # shell's own variables are, so that the unset below leaves none behind.
  # shellcheck disable=SC1090
  [[ -z ${1:-} && -f $INFRA_DIR/state ]] && source <(sed 's/^declare /declare -g /' "$INFRA_DIR/state")
  local x h
  # Hubs first (infra_hub), while the database and broker they finish with are still there.
  if [[ -f $INFRA_DIR/hubs ]]; then
    for h in $(<"$INFRA_DIR/hubs"); do kill -TERM "$h" 2>/dev/null || true; done
    for h in $(<"$INFRA_DIR/hubs"); do _infra_reap "$h" 15; done
  fi
  for x in "$INFRA_DIR"/x/*/; do [[ -f $x/state ]] && _infra_remove_dir "${x%/}"; done
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
    INFRA_RMQ_PID INFRA_EPMD_PORT INFRA_EPMD_PID ALERT_TEST_POSTGRES ALERT_TEST_RABBITMQ ALERT_TEST_INFRA_DIR
  return 0
}

# infra_hub [PORT [RABBITMQ_URL]]: a hub of this run in the background on http://127.0.0.1:PORT (a free port when none
# is given; in INFRA_HUB_PORT), the Release build as Production with its samples, on this run's PostgreSQL and on its
# RabbitMQ or the URL given; its output in $INFRA_DIR/hub-PORT.log, its PID in INFRA_HUB_PID. Keys: ALERT_ADMIN_KEY
# and ALERT_ISSUER_KEY, made and exported here when unset. Issuer and admin keys get buckets of 100,000 requests (load
# and `alert bench` send far more than a desk) unless Alert__RateLimits__Issuer__Burst / Alert__RateLimits__Admin__Burst
# are set. Returns once the hub answers /health/ready; status 1 with its log's tail if it exits first or is not ready
# within 2 minutes. infra_stop stops it before the servers. The first hub on a database migrates it (the others wait on
# its lock).
infra_hub() {
  INFRA_HUB_PORT=${1:-}
  [[ -n $INFRA_HUB_PORT ]] || _infra_port INFRA_HUB_PORT || return 1
  local port=$INFRA_HUB_PORT rabbit=${2:-$ALERT_TEST_RABBITMQ} log="$INFRA_DIR/hub-$INFRA_HUB_PORT.log" t
  export ALERT_ADMIN_KEY=${ALERT_ADMIN_KEY:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  export ALERT_ISSUER_KEY=${ALERT_ISSUER_KEY:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  (cd "$(dirname "${BASH_SOURCE[0]}")/../src/Alert.Hub/bin/Release/net10.0" && exec env ALERT_INFRA_DIR="$INFRA_DIR" \
    ASPNETCORE_ENVIRONMENT=Production Alert__Transport=RabbitMq Alert__Database=Postgres Alert__Samples=true \
    Alert__RateLimits__Issuer__Burst="${Alert__RateLimits__Issuer__Burst:-100000}" \
    Alert__RateLimits__Admin__Burst="${Alert__RateLimits__Admin__Burst:-100000}" \
    ConnectionStrings__Postgres="$ALERT_TEST_POSTGRES" ConnectionStrings__RabbitMq="$rabbit" \
    dotnet Alert.Hub.dll --urls "http://127.0.0.1:$port" >"$log" 2>&1) &
  INFRA_HUB_PID=$!
  echo "$INFRA_HUB_PID" >>"$INFRA_DIR/hubs"
  for ((t = 0; t < 600; t++)); do
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && return 0
    kill -0 "$INFRA_HUB_PID" 2>/dev/null || break
    sleep 0.2
  done
  _infra_say "the hub on port $port is not ready; the end of $log:"
  tail -n 30 "$log" >&2
  return 1
}


# ---------------------------------------------------------------------------------------------
# Fault scenarios: stop and start the servers above, and more servers of the same run beside them
# (a PostgreSQL of its own, RabbitMQ nodes or a cluster of them), each named, in $INFRA_DIR/x/NAME.
# "main" names the servers infra_start started. infra_stop stops everything here too.
# All of these run in the shell that ran infra_start, or after `infra_attach DIR` in another one
# (ops/infra does that with $ALERT_TEST_INFRA_DIR).
# ---------------------------------------------------------------------------------------------

# infra_attach DIR: work on the run in DIR (started by another shell) without owning it.
infra_attach() {
  [[ -f $1/state ]] || { _infra_say "no $1/state: not a running infra dir"; return 1; }
  # The state file is `declare -p` output: global here, not local to this function.
  # shellcheck disable=SC1090
  source <(sed 's/^declare /declare -g /' "$1/state")
}

_infra_x() { printf %s "$INFRA_DIR/x/$1"; }

_infra_x_state() {
  local d
  d=$(_infra_x "$1")
  [[ -f $d/state ]] || { _infra_say "no server set named $1 in $INFRA_DIR"; return 1; }
  # shellcheck disable=SC1091
  source "$d/state"
}

# infra_pg_add NAME: another PostgreSQL 15 (no PostGIS) with role and database alert; prints its
# connection string, e.g. Host=127.0.0.1;Port=N;Database=alert;Username=alert;Password=alert.
infra_pg_add() {
  local name=$1 d port
  d=$(_infra_x "$name")
  [[ ! -e $d ]] || { _infra_say "$name exists already"; return 1; }
  mkdir -p "$d" && _infra_port port || return 1
  printf 'X_KIND=pg\nX_PG_PORT=%s\n' "$port" >"$d/state"
  _infra_pg_init "$d/pg" "$port" || return 1
  if ! _infra_pg_ctl "$d/pg" start; then
    _infra_say "PostgreSQL $name did not start:"; tail -n 30 "$d/pg/postgres.log" >&2; return 1
  fi
  _infra_pg_roles "$d/pg" "$port" || return 1
  echo "Host=127.0.0.1;Port=$port;Database=alert;Username=alert;Password=alert"
}

# _infra_pg NAME: DIR PORT of a PostgreSQL of this run into _PG_DIR, _PG_PORT.
_infra_pg() {
  if [[ ${1:-main} == main ]]; then _PG_DIR=$INFRA_DIR/pg _PG_PORT=$INFRA_PG_PORT; return 0; fi
  _infra_x_state "$1" || return 1
  [[ $X_KIND == pg ]] || { _infra_say "$1 is not a PostgreSQL"; return 1; }
  _PG_DIR=$(_infra_x "$1")/pg _PG_PORT=$X_PG_PORT
}

# infra_pg_stop [NAME] / infra_pg_start [NAME]: pg_ctl stop -m fast (sessions cut, their
# transactions rolled back) and start again on the same data. NAME defaults to main.
infra_pg_stop() {
  _infra_pg "${1:-main}" || return 1
  _infra_pg_ctl "$_PG_DIR" stop || { _infra_say "pg_ctl stop failed"; return 1; }
}

infra_pg_start() {
  _infra_pg "${1:-main}" || return 1
  if ! _infra_pg_ctl "$_PG_DIR" start; then
    _infra_say "PostgreSQL ${1:-main} did not start:"; tail -n 30 "$_PG_DIR/postgres.log" >&2; return 1
  fi
  if [[ ${1:-main} == main ]]; then INFRA_PG_PID=$(head -n1 "$_PG_DIR/data/postmaster.pid"); _infra_save; fi
}

# infra_rmq_add NAME [N]: N RabbitMQ nodes (default 1) NAME-1@localhost … on loopback, with an epmd of
# their own, each its own AMQP and distribution port; nodes 2..N join node 1 with `rabbitmqctl
# join_cluster`. Prints each node's AMQP URL (guest/guest, vhost /), one a line, node 1 first.
infra_rmq_add() {
  local name=$1 n=${2:-1} d i epmd epmd_pid pid
  d=$(_infra_x "$name")
  [[ ! -e $d ]] || { _infra_say "$name exists already"; return 1; }
  mkdir -p "$d" && _infra_port epmd || return 1
  printf 'X_KIND=rmq\nX_EPMD_PORT=%s\nX_EPMD_PID=\nX_NODES=%s\n' "$epmd" "$n" >"$d/state"
  _infra_epmd "$epmd" epmd_pid || return 1
  printf 'X_KIND=rmq\nX_EPMD_PORT=%s\nX_EPMD_PID=%s\nX_NODES=%s\n' "$epmd" "$epmd_pid" "$n" >"$d/state"
  for ((i = 1; i <= n; i++)); do
    local port dist
    _infra_port port && _infra_port dist || return 1
    printf 'N_NODE=%s\nN_PORT=%s\nN_DIST=%s\n' "$name-$i@localhost" "$port" "$dist" >"$d/node$i"
    _infra_rmq_prepare "$d/n$i" || return 1
  done
  # Boot side by side, then wait for each.
  for ((i = 1; i <= n; i++)); do _infra_node "$name" "$i" && _infra_rmq_launch "$_R_DIR" "$_R_NODE" "$_R_PORT" "$_R_DIST" "$_R_EPMD" || return 1; done
  for ((i = 1; i <= n; i++)); do _infra_node "$name" "$i" && _infra_rmq_await "$_R_DIR" "$_R_NODE" "$_R_PORT" "$_R_DIST" "$_R_EPMD" pid || return 1; done
  local first=$name-1@localhost
  # join_cluster resets the (fresh) node first; the app must be stopped for it. The nodes join side by
  # side (each CLI call boots an Erlang VM: one after the other, two joins took 15 s on two cores).
  local joins=() rc=0
  for ((i = 2; i <= n; i++)); do
    _infra_node "$name" "$i" || return 1
    { _infra_rmqctl_node stop_app && _infra_rmqctl_node join_cluster "$first" && _infra_rmqctl_node start_app; } >"$_R_DIR/join.log" 2>&1 &
    joins+=($!)
  done
  for ((i = 2; i <= n; i++)); do
    if ! wait "${joins[i - 2]}"; then
      _infra_node "$name" "$i"; rc=1
      _infra_say "$_R_NODE could not join $first:"; tail -n 20 "$_R_DIR/join.log" >&2
    fi
  done
  ((rc == 0)) || return 1
  for ((i = 1; i <= n; i++)); do _infra_node "$name" "$i" && echo "amqp://guest:guest@127.0.0.1:$_R_PORT/"; done
}

# _infra_node NAME I: node I of NAME (main: the node infra_start started) into _R_DIR _R_NODE _R_PORT _R_DIST _R_EPMD.
_infra_node() {
  if [[ ${1:-main} == main ]]; then
    _R_DIR=$INFRA_DIR/rabbit _R_NODE=$INFRA_RMQ_NODE _R_PORT=$INFRA_RMQ_PORT _R_DIST=$INFRA_RMQ_DIST_PORT _R_EPMD=$INFRA_EPMD_PORT
    return 0
  fi
  _infra_x_state "$1" || return 1
  [[ $X_KIND == rmq ]] || { _infra_say "$1 is not RabbitMQ"; return 1; }
  local d
  d=$(_infra_x "$1")
  [[ -f $d/node${2:-1} ]] || { _infra_say "$1 has no node ${2:-1}"; return 1; }
  # shellcheck disable=SC1090
  source "$d/node${2:-1}"
  _R_DIR=$d/n${2:-1} _R_NODE=$N_NODE _R_PORT=$N_PORT _R_DIST=$N_DIST _R_EPMD=$X_EPMD_PORT
}

# rabbitmqctl -q -n <node> ARGS on the node _infra_node chose.
_infra_rmqctl_node() { _infra_rmq_at "$_R_DIR" "$_R_NODE" "$_R_PORT" "$_R_DIST" "$_R_EPMD" rabbitmqctl -q -n "$_R_NODE" "$@"; }

# The nodes infra_rmq_stop/start/kill act on: I, or every node of NAME.
_infra_nodes() {
  if [[ -n ${2:-} ]]; then echo "$2"; return 0; fi
  if [[ ${1:-main} == main ]]; then echo 1; return 0; fi
  _infra_x_state "$1" || return 1
  seq 1 "$X_NODES"
}

_infra_node_pid() { local p; p=$(cat "$_R_DIR/rabbit.pid" 2>/dev/null || true); _infra_alive "$p" && echo "$p"; return 0; }

# infra_rmqctl NAME I ARGS…: rabbitmqctl on node I of NAME (main 1: the ops/test node).
infra_rmqctl() { _infra_node "$1" "$2" || return 1; shift 2; _infra_rmqctl_node "$@"; }

# infra_rmq_vhost NAME VHOST: a virtual host on NAME (a cluster's are everywhere), guest allowed all.
infra_rmq_vhost() {
  _infra_node "$1" 1 || return 1
  _infra_rmqctl_node add_vhost "$2" && _infra_rmqctl_node set_permissions -p "$2" guest '.*' '.*' '.*'
}

# infra_rmq_stop NAME [I]: stop node I (or all of NAME) as an operator would: `rabbitmqctl stop`,
# which returns once the VM has exited.
infra_rmq_stop() {
  local i p
  for i in $(_infra_nodes "$@"); do
    _infra_node "$1" "$i" || return 1
    p=$(_infra_node_pid)
    [[ -n $p ]] || continue
    _infra_rmqctl_node stop "$_R_DIR/rabbit.pid" >/dev/null 2>&1 || kill -TERM "$p" 2>/dev/null || true
    _infra_reap "$p" 15
  done
}

# infra_rmq_kill NAME [I]: SIGKILL node I (or all of NAME) by its PID, and wait until epmd has let
# go of its name (so that it can be started again at once).
infra_rmq_kill() {
  local i p t
  for i in $(_infra_nodes "$@"); do
    _infra_node "$1" "$i" || return 1
    p=$(_infra_node_pid)
    [[ -n $p ]] || continue
    kill -KILL "$p"
    for ((t = 0; t < 100; t++)); do
      ! _infra_alive "$p" && ! /usr/bin/epmd -port "$_R_EPMD" -names 2>/dev/null | grep -q "^name ${_R_NODE%@*} " && break
      sleep 0.1
    done
    _infra_say "killed $_R_NODE (PID $p)"
  done
}

# infra_rmq_start NAME [I]: start node I (or all of NAME) again on its data; a cluster node rejoins.
infra_rmq_start() {
  local i pid
  for i in $(_infra_nodes "$@"); do
    _infra_node "$1" "$i" || return 1
    [[ -z $(_infra_node_pid) ]] || continue
    _infra_rmq_boot "$_R_DIR" "$_R_NODE" "$_R_PORT" "$_R_DIST" "$_R_EPMD" pid || return 1
    if [[ ${1:-main} == main ]]; then INFRA_RMQ_PID=$pid; _infra_save; fi
  done
}

# infra_remove NAME: stop a server set infra_pg_add or infra_rmq_add made, and remove its files.
infra_remove() {
  local d
  d=$(_infra_x "$1")
  [[ -f $d/state ]] || return 0
  _infra_remove_dir "$d"
}

_infra_remove_dir() {
  local d=$1 name i p X_KIND='' X_EPMD_PID='' X_NODES=0
  name=$(basename "$d")
  # shellcheck disable=SC1091
  source "$d/state"
  if [[ $X_KIND == pg ]]; then
    p=$(head -n1 "$d/pg/data/postmaster.pid" 2>/dev/null || true)
    if _infra_alive "$p"; then _infra_pg_ctl "$d/pg" stop || kill -INT "$p" 2>/dev/null || true; _infra_reap "$p" 15; fi
  elif [[ $X_KIND == rmq ]]; then
    for ((i = 1; i <= X_NODES; i++)); do
      _infra_node "$name" "$i" 2>/dev/null || continue
      p=$(_infra_node_pid)
      # Not `rabbitmqctl stop` here: a cluster node would wait for its peers; these are thrown away.
      [[ -z $p ]] || { kill -TERM "$p" 2>/dev/null || true; }
    done
    for ((i = 1; i <= X_NODES; i++)); do
      _infra_node "$name" "$i" 2>/dev/null || continue
      p=$(_infra_node_pid); [[ -z $p ]] || _infra_reap "$p" 15
    done
    if _infra_alive "$X_EPMD_PID"; then kill -TERM "$X_EPMD_PID" 2>/dev/null || true; _infra_reap "$X_EPMD_PID" 5; fi
  fi
  rm -rf "$d"
}
