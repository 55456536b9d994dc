#!/usr/bin/env bash
# A scale-out copy of the platform on loopback, beside the single-node one and without touching it:
# a three-node RabbitMQ cluster (AMQP 5681-5683, management 15681-15683) whose service queues are quorum
# queues (Bus__QuorumQueues=true), its own PostgreSQL (55433), and two replicas of each service
# (Intake 5201/5202, Notification 5211/5212, Escalation 5221/5222, Audit 5231/5232). State under .local/cluster/.
#   deploy/local/cluster.sh up              start the cluster, migrate, start two replicas of every service
#   deploy/local/cluster.sh battery [opts]  the full fault battery against the cluster (docs/reliability.md)
#   deploy/local/cluster.sh status | down
#   deploy/local/cluster.sh stop-node <1-3> | start-node <1-3>
# Sourced with --functions (by the fault battery's control.sh) it only defines the cluster's settings.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=lib.sh
source "$ROOT/deploy/local/lib.sh"

# The cluster keeps the checkout's secrets (so tokens and passwords are the same) but everything else apart.
CLUSTER_PORTS=${AUDIT_CLUSTER_PORTS:-"5681 5682 5683"}
LOCAL="$ROOT/.local/cluster"
PG_PORT=${AUDIT_CLUSTER_PG_PORT:-55433}
PG_DATA="$LOCAL/pg/data"
PG_SOCKET="$LOCAL/pg/run"
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

cluster_nodes() { local p out=""; for p in $CLUSTER_PORTS; do out+="${out:+,}127.0.0.1:$p"; done; echo "$out"; }

# migrate_service declares the queues with these settings too: quorum queues, on the cluster's nodes.
SERVICE_ENV=cluster_service_env
cluster_service_env() {
  use_node 1
  service_env "$1"
  echo "Bus__ClusterNodes=$(cluster_nodes)"
  echo "Bus__QuorumQueues=true"
}

# Starts node <n> if it is not running: the same configuration as lib.sh's single node, one Erlang cookie for
# all three (nodes of a cluster authenticate each other with it), and pause_minority so a cut-off node stops
# rather than diverge.
cluster_start_node() {
  use_node "$1"
  mkdir -p "$RABBIT_HOME" "$LOCAL/logs/rabbitmq"
  [ -s "$LOCAL/erlang.cookie" ] || (umask 077; openssl rand -hex 20 > "$LOCAL/erlang.cookie")
  install -m 400 "$LOCAL/erlang.cookie" "$RABBIT_HOME/.erlang.cookie"
  cat > "$RABBIT_HOME/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_UI_PORT
cluster_partition_handling = pause_minority
CONF
  echo '[rabbitmq_management].' > "$RABBIT_HOME/enabled_plugins"
  if ! rabbitmqctl_local ping >/dev/null 2>&1; then
    claim_port "$RABBIT_PORT"; claim_port "$RABBIT_UI_PORT"; claim_port "$RABBIT_DIST_PORT"
    say "starting RabbitMQ node $1 ($RABBIT_NODE) on 127.0.0.1:$RABBIT_PORT"
    ( rabbit_env; cd "$RABBIT_HOME" || exit 1
      setsid "$RABBIT_BIN/rabbitmq-server" > "$LOCAL/logs/rabbitmq/console-$1.log" 2>&1 < /dev/null & )
    local _i; for _i in $(seq 1 60); do rabbitmqctl_local ping >/dev/null 2>&1 && break; sleep 1; done
  fi
  rabbitmqctl_local await_startup --timeout 120 >/dev/null || die "RabbitMQ node $1 did not start; see $LOCAL/logs/rabbitmq/"
}

cluster_stop_node() {
  use_node "$1"
  rabbitmqctl_local ping >/dev/null 2>&1 || return 0
  say "stopping RabbitMQ node $1 ($RABBIT_NODE)"
  rabbitmqctl_local stop "$RABBIT_HOME/mnesia/$RABBIT_NODE.pid" >/dev/null 2>&1 || rabbitmqctl_local stop >/dev/null 2>&1 || true
}

cluster_infrastructure() {
  ensure_packages
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
    if kill -0 "$pid" 2>/dev/null && grep -qa 'AuditPlatform\.' "/proc/$pid/cmdline" 2>/dev/null; then
      say "stopping $(basename "$pidfile" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      local _i; for _i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
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
  ls "$LOCAL"/run/*.pid 2>/dev/null | sed 's#.*/##; s/\.pid$//' | tr '\n' ' '; echo
}

cluster_down() {
  cluster_stop_services
  local n; for n in 3 2 1; do cluster_stop_node "$n"; done
  stop_postgres
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
  PostgreSQL       127.0.0.1:$PG_PORT, database auditplatform
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
      --ledger "Host=127.0.0.1;Port=$PG_PORT;Database=auditplatform;Username=audit_owner;Password=$(secret pg-owner.password)" \
      --bus "$bus" --bus-nodes "$(cluster_nodes)" --signing-key "$SECRETS/jwt-signing.key" "$@"
    ;;
  status) cluster_status ;;
  down) cluster_down ;;
  stop-node) cluster_stop_node "${2:?node 1-3}" ;;
  start-node) cluster_start_node "${2:?node 1-3}" ;;
  *) die "unknown command '$1' (up, battery, status, down, stop-node <n>, start-node <n>)" ;;
esac
