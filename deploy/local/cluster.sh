#!/usr/bin/env bash
# A scale-out copy of the platform on loopback, beside the single-node one and without touching it:
# a three-node RabbitMQ cluster (AMQP 5681-5683, management 15681-15683) whose service queues are quorum
# queues (Bus__QuorumQueues=true), PostgreSQL as a primary and a synchronous standby under Patroni with
# automatic failover (members on 55433 and 55443, Patroni's REST API on 58433/58443, a one-member etcd on
# 52379), and two replicas of each service (Intake 5201/5202, Notification 5211/5212, Escalation 5221/5222,
# Audit 5231/5232), which reach PostgreSQL through multi-host connection strings. State under .local/cluster/.
#   deploy/local/cluster.sh up              start the cluster, migrate, start two replicas of every service
#   deploy/local/cluster.sh battery [opts]  the full fault battery against the cluster (docs/reliability.md)
#   deploy/local/cluster.sh status | down
#   deploy/local/cluster.sh stop-node <1-3> | start-node <1-3>
#   deploy/local/cluster.sh freeze-node <1-3> | thaw-node <1-3>   SIGSTOP / SIGCONT a node's Erlang VM
#   deploy/local/cluster.sh pg-primary      which PostgreSQL member is the primary now (its number and port)
#   deploy/local/cluster.sh kill-pg-primary SIGKILL the primary's postmaster; Patroni promotes the standby
#   deploy/local/cluster.sh patronictl ...  Patroni's own tool on the cluster's configuration (list, switchover, ...)
# Sourced with --functions (by the fault battery's control.sh) it only defines the cluster's settings.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=lib.sh
source "$ROOT/deploy/local/lib.sh"

# The cluster keeps the checkout's secrets (so tokens and passwords are the same) but everything else apart.
CLUSTER_PORTS=${AUDIT_CLUSTER_PORTS:-"5681 5682 5683"}
LOCAL="$ROOT/.local/cluster"
# PostgreSQL member <n> listens on the n-th port, its Patroni REST API on that port + 3000.
PG_PORTS="${AUDIT_CLUSTER_PG_PORT:-55433} ${AUDIT_CLUSTER_PG_STANDBY_PORT:-55443}"
ETCD_PORT=${AUDIT_CLUSTER_ETCD_PORT:-52379}   # client; peer on it + 1
PG_SCOPE=auditplatform-cluster
CLUSTER_SERVICES="Intake:5201 Notification:5211 Escalation:5221 Audit:5231"
REPLICAS=2

# Points lib.sh's RabbitMQ functions at node <n> (1-based).
use_node() {
  local n=$1
  RABBIT_PORT=$(echo "$CLUSTER_PORTS" | cut -d' ' -f"$n")
  [ -n "$RABBIT_PORT" ] || die "there is no node $n"
  RABBIT_UI_PORT=$((RABBIT_PORT + 10000))
  RABBIT_DIST_PORT=$((RABBIT_PORT + 20000))
  RABBIT_NODE="audit$RABBIT_PORT@localhost"
  RABBIT_HOME="$LOCAL/rabbitmq-$n"
}
use_node 1

# Points lib.sh's PostgreSQL functions (psql as the superuser, least privilege) at member <n> (1-based).
use_member() {
  local n=$1
  PG_PORT=$(echo "$PG_PORTS" | cut -d' ' -f"$n")
  [ -n "$PG_PORT" ] || die "there is no PostgreSQL member $n"
  PG_MEMBER=$n
  PG_DATA="$LOCAL/pg-$n/data"
  PG_SOCKET="$LOCAL/pg-$n/run"
  PATRONI_PORT=$((PG_PORT + 3000))
  PATRONI_CONFIG="$LOCAL/pg-$n/patroni.yml"
}
use_member 1

cluster_nodes() { local p out=""; for p in $CLUSTER_PORTS; do out+="${out:+,}127.0.0.1:$p"; done; echo "$out"; }

# migrate_service declares the queues with these settings too: quorum queues, on the cluster's nodes.
SERVICE_ENV=cluster_service_env
# The ledger is reached through every PostgreSQL member, on whichever is primary; Audit also reads through the
# standby (ConnectionStrings__LedgerRead, docs/services/audit.md).
cluster_service_env() {
  use_node 1
  local password; password=$(secret "pg-$1.password")
  service_env "$1" | sed "s|^ConnectionStrings__Ledger=.*|ConnectionStrings__Ledger=$(pg_connection auditplatform "audit_$1" "$password")|"
  [ "$1" != audit ] || echo "ConnectionStrings__LedgerRead=$(pg_connection auditplatform audit_audit "$password" prefer-standby)"
  echo "Bus__ClusterNodes=$(cluster_nodes)"
  echo "Bus__QuorumQueues=true"
}

# Starts node <n> if it is not running: lib.sh's node (its configuration, plugins and boot), one Erlang cookie
# for all three (nodes of a cluster authenticate each other with it), and pause_minority so a cut-off node stops
# rather than diverge.
RABBIT_CONF_EXTRA="cluster_partition_handling = pause_minority"
cluster_start_node() {
  use_node "$1"
  mkdir -p "$RABBIT_HOME"
  [ -s "$LOCAL/erlang.cookie" ] || (umask 077; openssl rand -hex 20 > "$LOCAL/erlang.cookie")
  install -m 400 "$LOCAL/erlang.cookie" "$RABBIT_HOME/.erlang.cookie"
  boot_rabbitmq
}

cluster_stop_node() {
  use_node "$1"
  stop_rabbitmq
}

# --- PostgreSQL: a primary and a synchronous standby under Patroni ----------------------------------
# Patroni keeps the leader key in etcd (one member on loopback is enough here: it is the arbiter, not a copy of the
# data) and promotes the synchronous standby when the primary dies. The timings are set for recovery within
# seconds on loopback (docs/reliability.md, "PostgreSQL failover"): Patroni's loop runs every second
# (loop_wait 1), the leader key expires after 10 s when its holder stops renewing it (ttl), a DCS or PostgreSQL
# call is retried for 4 s (retry_timeout; Patroni wants loop_wait + 2 x retry_timeout <= ttl), and a crashed
# primary is failed over at once instead of restarted in place (primary_start_timeout 0).

# Host list of the multi-host connection strings: every member, in order.
pg_hosts() { local p out=""; for p in $PG_PORTS; do out+="${out:+,}127.0.0.1:$p"; done; echo "$out"; }

# A connection string to whichever member is primary now (or, with prefer-standby, the standby while there is one).
# Host Recheck Seconds 1: Npgsql caches each host's role for 10 s by default, which would keep sending new
# connections to the dead primary, and none to the promoted standby, for that long after a failover.
#   pg_connection <database> <role> <password> [primary|prefer-standby]
pg_connection() {
  echo "Host=$(pg_hosts);Database=$1;Username=$2;Password=$3;Target Session Attributes=${4:-primary};Host Recheck Seconds=1"
}

owner_connection() { pg_connection auditplatform audit_owner "$(secret pg-owner.password)"; }

etcd_running() { curl -fsS "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }

cluster_start_etcd() {
  etcd_running && return 0
  mkdir -p "$LOCAL/etcd" "$LOCAL/logs" "$LOCAL/run"
  claim_port "$ETCD_PORT"; claim_port $((ETCD_PORT + 1))
  say "starting etcd on 127.0.0.1:$ETCD_PORT (Patroni's leader key)"
  ( cd "$LOCAL/etcd" || exit 1; setsid etcd --name audit-etcd --data-dir "$LOCAL/etcd/data" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
      --initial-cluster "audit-etcd=http://127.0.0.1:$((ETCD_PORT + 1))" --initial-cluster-state new \
      > "$LOCAL/logs/etcd.log" 2>&1 < /dev/null & echo $! > "$LOCAL/etcd/etcd.pid" )
  local _i; for _i in $(seq 1 30); do etcd_running && return 0; sleep 0.5; done
  die "etcd did not start; see $LOCAL/logs/etcd.log"
}

# Patroni's configuration for member <n>: the dynamic part (bootstrap.dcs) is written to etcd once, by whichever
# member bootstraps the cluster; change it later with `cluster.sh patronictl edit-config`.
cluster_write_patroni() {
  use_member "$1"
  local owner replicator
  owner=$(secret pg-owner.password)
  replicator=$(secret pg-replicator.password)
  mkdir -p "$LOCAL/pg-$1" "$PG_SOCKET"
  (umask 077; cat > "$PATRONI_CONFIG" <<YAML
scope: $PG_SCOPE
namespace: /auditplatform/
name: pg$1
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$PATRONI_PORT
  connect_address: 127.0.0.1:$PATRONI_PORT
etcd3:
  host: 127.0.0.1:$ETCD_PORT
watchdog:
  mode: off
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    primary_start_timeout: 0
    maximum_lag_on_failover: 16777216
    synchronous_mode: true
    synchronous_mode_strict: false
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 400
        shared_buffers: 256MB
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        synchronous_commit: "on"
  initdb:
    - encoding: UTF8
    - auth-local: trust
    - auth-host: scram-sha-256
postgresql:
  listen: 127.0.0.1:$PG_PORT
  connect_address: 127.0.0.1:$PG_PORT
  data_dir: $PG_DATA
  bin_dir: $PG_BIN
  pgpass: $LOCAL/pg-$1/pgpass
  authentication:
    superuser:
      username: postgres
      password: $owner
    replication:
      username: replicator
      password: $replicator
    rewind:
      username: postgres
      password: $owner
  parameters:
    unix_socket_directories: $PG_SOCKET
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
YAML
  )
  chown -R postgres:postgres "$LOCAL/pg-$1"
}

patroni_running() { curl -fsS "http://127.0.0.1:$((PG_PORT + 3000))/liveness" >/dev/null 2>&1; }

cluster_start_member() {
  use_member "$1"
  cluster_write_patroni "$1"
  patroni_running && return 0
  # A Patroni still finishing a stop (stop_postgres --leave-exits) makes its last writes to etcd before another starts.
  local old _i; old=$(cat "$LOCAL/pg-$1/patroni.pid" 2>/dev/null || true)
  if [ -n "$old" ] && running "$old"; then
    for _i in $(seq 1 300); do running "$old" || break; sleep 0.1; done
    running "$old" && die "Patroni of PostgreSQL member $1 (pid $old) is still running after 30 s; see $LOCAL/logs/patroni-$1.log"
  fi
  claim_port "$PG_PORT"; claim_port "$PATRONI_PORT"
  touch "$LOCAL/logs/patroni-$1.log" && chown postgres:postgres "$LOCAL/logs/patroni-$1.log"
  say "starting PostgreSQL member $1 under Patroni on 127.0.0.1:$PG_PORT (REST 127.0.0.1:$PATRONI_PORT)"
  # setpriv execs Patroni as postgres, so the pid kept is Patroni's own and SIGTERM reaches it (runuser would answer it by
  # killing Patroni two seconds later, before it has stopped PostgreSQL).
  ( cd "$LOCAL/pg-$1" || exit 1; HOME=/var/lib/postgresql setsid setpriv --reuid=postgres --regid=postgres --init-groups patroni "$PATRONI_CONFIG" \
      >> "$LOCAL/logs/patroni-$1.log" 2>&1 < /dev/null & echo $! > "$LOCAL/pg-$1/patroni.pid" )
}

# The member number of the primary now, from Patroni's REST API (200 on /primary only there); fails when none is.
cluster_primary() {
  local n=1 p
  for p in $PG_PORTS; do
    curl -fsS -o /dev/null "http://127.0.0.1:$((p + 3000))/primary" 2>/dev/null && { echo "$n"; return 0; }
    n=$((n + 1))
  done
  return 1
}

# Waits for a primary that accepts writes and, when both members run, a synchronous standby; points PG_* at the primary.
cluster_await_primary() {
  local within=${1:-120} _i n
  for _i in $(seq 1 $((within * 2))); do
    if n=$(cluster_primary) && use_member "$n" && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
      return 0
    fi
    sleep 0.5
  done
  die "no PostgreSQL primary within $within s; see $LOCAL/logs/patroni-*.log"
}

cluster_await_sync_standby() {
  local within=${1:-120} _i p
  for _i in $(seq 1 $((within * 2))); do
    for p in $PG_PORTS; do
      curl -fsS -o /dev/null "http://127.0.0.1:$((p + 3000))/synchronous" 2>/dev/null && return 0
    done
    sleep 0.5
  done
  die "no synchronous standby within $within s; see $LOCAL/logs/patroni-*.log"
}

# lib.sh's start_postgres and stop_postgres, for the cluster: every caller (cluster_infrastructure, control.sh's
# restart-postgres) gets both members and the roles on the primary.
# The member that was primary when stop_postgres stopped the cluster: start_postgres starts it first, alone until it
# leads. Stopped together, the standby has the primary's last WAL too and could win the leader race at boot, moving the
# primary (a new timeline for the other member to follow) on what an operator meant as a restart.
PG_LAST_PRIMARY="$LOCAL/pg-last-primary"

start_postgres() {
  mkdir -p "$LOCAL/logs" "$LOCAL/run"
  runuser -u postgres -- test -x "$LOCAL" || die "the postgres user cannot reach $LOCAL: every parent directory must be world-traversable"
  secret pg-replicator.password >/dev/null
  cluster_start_etcd
  local n first _i
  first=$(cat "$PG_LAST_PRIMARY" 2>/dev/null || true)
  if [ -n "$first" ] && [ -d "$LOCAL/pg-$first/data" ]; then
    cluster_start_member "$first"
    # Up to 30 s: should it not lead by then (its data lost, say), the others start and the usual race decides.
    for _i in $(seq 1 60); do [ "$(cluster_primary 2>/dev/null)" = "$first" ] && break; sleep 0.5; done
  fi
  for n in $(seq 1 "$(echo "$PG_PORTS" | wc -w)"); do [ "$n" = "$first" ] || cluster_start_member "$n"; done
  rm -f "$PG_LAST_PRIMARY"
  cluster_await_primary 180
  cluster_await_sync_standby 180
  cluster_await_primary 30
  ensure_roles
}

# Stops every member. With --leave-exits it returns once every member's PostgreSQL is down and leaves the Patroni
# processes to finish their exit (their last writes to etcd, a second or two; start_postgres waits for them): the fault
# battery's PostgreSQL restart starts Intake cold in that time.
stop_postgres() {
  local leave="" n pid standby="" primary stopping="" _i rc
  [ "${1:-}" = --leave-exits ] && leave=1
  primary=$(cluster_primary || true)
  [ -n "$primary" ] && echo "$primary" > "$PG_LAST_PRIMARY"
  # The standby first, and the primary as soon as the standby's Patroni has left its loop (its REST API stops answering
  # then, though it keeps the port until it exits): a standby still in its loop would take the leader key the primary
  # gives up on its way down. Not later than that: a synchronous standby's Patroni keeps its PostgreSQL up until the
  # primary has released it, polling every 2 s, and the primary stopping meanwhile streams its shutdown checkpoint to
  # it (a standby stopped first had to catch up at boot).
  for n in $(seq "$(echo "$PG_PORTS" | wc -w)" -1 1) ; do [ "$n" = "$primary" ] || standby+=" $n"; done
  for n in $standby $primary; do
    pid=$(cat "$LOCAL/pg-$n/patroni.pid" 2>/dev/null || true)
    [ -n "$pid" ] && running "$pid" || continue
    say "stopping PostgreSQL member $n (Patroni pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    stopping+=" $n:$pid"
    use_member "$n"
    for _i in $(seq 1 20); do running "$pid" && curl -fsS --max-time 0.5 -o /dev/null "http://127.0.0.1:$PATRONI_PORT/liveness" 2>/dev/null || break; sleep 0.05; done
  done
  local entry; for entry in $stopping; do
    n=${entry%%:*}; pid=${entry#*:}
    use_member "$n"
    # pg_isready: 0 accepting, 1 refusing (starting or stopping), 2 no answer (stopped).
    for _i in $(seq 1 600); do
      running "$pid" || break
      rc=0; "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || rc=$?
      [ "$rc" = 2 ] && break
      sleep 0.1
    done
  done
  use_member 1
  [ -n "$leave" ] && return 0
  for entry in $stopping; do
    n=${entry%%:*}; pid=${entry#*:}
    for _i in $(seq 1 600); do running "$pid" || break; sleep 0.1; done
    running "$pid" && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$LOCAL/pg-$n/patroni.pid"
  done
}

cluster_stop_etcd() {
  local pid; pid=$(cat "$LOCAL/etcd/etcd.pid" 2>/dev/null || true)
  [ -n "$pid" ] && running "$pid" || return 0
  say "stopping etcd (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local _i; for _i in $(seq 1 20); do running "$pid" || break; sleep 0.5; done
  rm -f "$LOCAL/etcd/etcd.pid"
}

# The grants go to the primary (the standby replays them).
apply_least_privilege() {
  cluster_await_primary 60
  # Warnings and errors only: its "drop trigger if exists" would print a NOTICE on every start.
  PGPASSWORD=$(secret pg-owner.password) PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" \
    -U audit_owner -d auditplatform -v ON_ERROR_STOP=1 -q -f "$ROOT/deploy/sql/least-privilege.sql" >/dev/null
}

# The fault: SIGKILL the primary's postmaster (no shutdown checkpoint, its backends cut off). Patroni sees it within a
# loop, releases the leader key because a synchronous standby can take over, and that standby is promoted.
cluster_kill_pg_primary() {
  local n pid
  n=$(cluster_primary) || die "no PostgreSQL member is primary"
  use_member "$n"
  pid=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
  [ -n "$pid" ] && grep -qa postgres "/proc/$pid/cmdline" 2>/dev/null || die "no postmaster pid for member $n"
  kill -KILL "$pid"
  echo "killed the postmaster of member $n (127.0.0.1:$PG_PORT, pid $pid) at $(date +%s.%N)"
}

cluster_patronictl() { use_member 1; runuser -u postgres -- patronictl -c "$PATRONI_CONFIG" "$@"; }

# SIGSTOP node <n>'s Erlang VM: it holds its sockets but answers nothing, as a node stalled by its host would.
cluster_freeze_node() {
  use_node "${1:?node 1-3}"
  local pid; pid=$(cat "$RABBIT_HOME/mnesia/$RABBIT_NODE.pid" 2>/dev/null || true)
  [ -n "$pid" ] && grep -qa beam "/proc/$pid/cmdline" 2>/dev/null || die "RabbitMQ node $1 is not running"
  kill -STOP "$pid"
  echo "froze RabbitMQ node $1 (pid $pid)"
}

cluster_thaw_node() {
  use_node "${1:?node 1-3}"
  local pid; pid=$(cat "$RABBIT_HOME/mnesia/$RABBIT_NODE.pid" 2>/dev/null || true)
  [ -n "$pid" ] || die "RabbitMQ node $1 has no pid file"
  kill -CONT "$pid"
  echo "thawed RabbitMQ node $1 (pid $pid)"
}

# Each member's number and Patroni REST address, one a line (GET <address>/primary answers 200 on the primary only).
cluster_pg_members() { local p n=1; for p in $PG_PORTS; do echo "$n http://127.0.0.1:$((p + 3000))"; n=$((n + 1)); done; }

# The member number and port of the primary now.
cluster_pg_primary() {
  local n; n=$(cluster_primary) || die "no PostgreSQL member is primary"
  use_member "$n"
  echo "member $n, 127.0.0.1:$PG_PORT"
}

cluster_infrastructure() {
  ensure_packages
  # Patroni and etcd come from Debian too; the etcd package starts its own member on 2379, which we do not use.
  local extra=()
  command -v patroni >/dev/null || extra+=(patroni)
  command -v etcd >/dev/null || extra+=(etcd-server)
  command -v etcdctl >/dev/null || extra+=(etcd-client)
  if [ ${#extra[@]} -gt 0 ]; then
    apt_install "${extra[@]}"
    service etcd stop >/dev/null 2>&1 || true
  fi
  ensure_secrets
  start_postgres
  local n first
  first=$(echo "$CLUSTER_PORTS" | cut -d' ' -f1)
  for n in 1 2 3; do cluster_start_node "$n"; done
  for n in 2 3; do
    use_node "$n"
    if ! rabbitmqctl_local cluster_status --formatter json | grep -q "audit$first@localhost"; then
      say "joining node $n to the cluster"
      rabbitmqctl_local stop_app >/dev/null
      rabbitmqctl_local reset >/dev/null
      rabbitmqctl_local join_cluster "audit$first@localhost" >/dev/null
      rabbitmqctl_local start_app >/dev/null
    fi
  done
  # Users, vhost and permissions once, on node 1: the cluster shares them.
  use_node 1
  start_rabbitmq
  ensure_local_feed
  write_env
  # Tools and tests reach the cluster's ledger the way the services do, on whichever member is primary.
  local admin; admin=$(pg_connection postgres postgres "$(secret pg-owner.password)")
  sed -i "s|^export AUDIT_PG=.*|export AUDIT_PG=\"$(owner_connection)\"|; s|^export AUDIT_PG_ADMIN=.*|export AUDIT_PG_ADMIN=\"$admin\"|" "$LOCAL/env"
}

cluster_build_and_migrate() {
  say "building (Release)"
  dotnet build "$ROOT/AuditPlatform.sln" -c Release -nologo -v quiet -clp:ErrorsOnly || die "the build failed"
  AUDIT_CLUSTER=1 bash "$ROOT/tests/AuditPlatform.FaultBattery/control.sh" migrate
}

cluster_stop_services() {
  local pidfile pid
  for pidfile in "$LOCAL"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if running "$pid" && grep -qa 'AuditPlatform\.' "/proc/$pid/cmdline" 2>/dev/null; then
      say "stopping $(basename "$pidfile" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      local _i; for _i in $(seq 1 20); do running "$pid" || break; sleep 0.5; done
      running "$pid" && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

cluster_start_services() {
  mkdir -p "$LOCAL/run" "$LOCAL/logs"
  local entry name base svc r port
  for entry in $CLUSTER_SERVICES; do
    name=${entry%%:*}; base=${entry##*:}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
    [ -f "$ROOT/services/$name/bin/Release/net10.0/AuditPlatform.$name.dll" ] || continue
    for r in $(seq 1 $REPLICAS); do
      port=$((base + r - 1))
      claim_port "$port"
      say "starting $name replica $r on http://127.0.0.1:$port"
      (
        eval "$(cluster_service_env "$svc" | sed 's/^/export "/; s/$/"/')"
        export Ledger__ApplySchemaOnStartup=false
        cd "$ROOT/services/$name"
        setsid nohup dotnet "bin/Release/net10.0/AuditPlatform.$name.dll" --urls "http://127.0.0.1:$port" \
          > "$LOCAL/logs/$svc-$r.log" 2>&1 < /dev/null &
        echo $! > "$LOCAL/run/$svc-$r.pid"
      )
    done
  done
  for entry in $CLUSTER_SERVICES; do
    name=${entry%%:*}; base=${entry##*:}
    [ -f "$ROOT/services/$name/bin/Release/net10.0/AuditPlatform.$name.dll" ] || continue
    for r in $(seq 1 $REPLICAS); do
      port=$((base + r - 1))
      local ok=false; for _ in $(seq 1 90); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && { ok=true; break; }; sleep 1; done
      [ "$ok" = true ] || die "$name replica $r did not become ready on $port; see $LOCAL/logs/"
    done
    say "$name: $REPLICAS replicas ready"
  done
}

cluster_status() {
  use_node 1
  rabbitmqctl_local cluster_status 2>/dev/null | sed -n '/Running Nodes/,/^$/p' || echo "RabbitMQ cluster: not running"
  rabbitmqctl_local list_queues -p audit name type messages 2>/dev/null | grep -v _error | head -30 || true
  cluster_patronictl list 2>/dev/null || echo "PostgreSQL (Patroni): not running"
  ls "$LOCAL"/run/*.pid 2>/dev/null | sed 's#.*/##; s/\.pid$//' | tr '\n' ' '; echo
}

cluster_down() {
  cluster_stop_services
  local n; for n in 3 2 1; do cluster_stop_node "$n"; done
  stop_postgres
  cluster_stop_etcd
}

[ "${1:-}" = --functions ] && return 0

case "${1:-up}" in
  up)
    cluster_infrastructure
    cluster_build_and_migrate
    cluster_stop_services
    cluster_start_services
    cat <<MSG

The cluster copy of AuditPlatform is up (beside the single-node one).
  RabbitMQ nodes   $(cluster_nodes)   (UI http://127.0.0.1:15681, user admin)
  PostgreSQL       $(pg_hosts) (primary and synchronous standby under Patroni), database auditplatform
                   member $(cluster_primary) is primary; cluster.sh status lists both
  Services         two replicas each: Intake 5201/5202, Notification 5211/5212, Escalation 5221/5222, Audit 5231/5232
  Settings         source .local/cluster/env
MSG
    ;;
  battery)
    shift
    cluster_infrastructure
    cluster_build_and_migrate
    cluster_stop_services   # the battery starts, kills and restarts its own replicas on the same ports
    results="$LOCAL/fault-battery"; mkdir -p "$results"
    use_node 1
    bus="amqp://admin:$(secret rabbitmq-admin.password)@127.0.0.1:$RABBIT_PORT/audit"
    AUDIT_CLUSTER=1 dotnet "$ROOT/tests/AuditPlatform.FaultBattery/bin/Release/net10.0/AuditPlatform.FaultBattery.dll" \
      --cluster --root "$ROOT" --results "$results" --base-port 5201 \
      --ledger "$(owner_connection)" \
      --bus "$bus" --bus-nodes "$(cluster_nodes)" --signing-key "$SECRETS/jwt-signing.key" "$@"
    ;;
  status) cluster_status ;;
  down) cluster_down ;;
  stop-node) cluster_stop_node "${2:?node 1-3}" ;;
  start-node) cluster_start_node "${2:?node 1-3}" ;;
  pg-primary) cluster_pg_primary ;;
  freeze-node) cluster_freeze_node "${2:?node 1-3}" ;;
  thaw-node) cluster_thaw_node "${2:?node 1-3}" ;;
  kill-pg-primary) cluster_kill_pg_primary ;;
  patronictl) shift; cluster_patronictl "$@" ;;
  *) die "unknown command '$1' (up, battery, status, down, stop-node <n>, start-node <n>, freeze-node <n>, thaw-node <n>, pg-primary, kill-pg-primary, patronictl ...)" ;;
esac
