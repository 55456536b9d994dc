#!/usr/bin/env bash
# The fault battery's hands on the platform, built on deploy/local/lib.sh (same ports, secrets and users):
#   control.sh migrate                     schema of every present service, as the owner, then least privilege
#   control.sh service-env <service>       the environment a service runs with (one KEY=VALUE a line)
#   control.sh restart-rabbitmq | restart-postgres | stop-rabbitmq | start-rabbitmq | stop-postgres | start-postgres
#   control.sh fill-ledger-disk | free-ledger-disk          the ledger's table on a full tablespace, and back (needs root)
#   control.sh raise-rabbitmq-alarm memory|disk | clear-rabbitmq-alarms
#   control.sh stop-node <n> | start-node <n>   (cluster mode: one node of deploy/local/cluster.sh)
#   control.sh freeze-node <n> | thaw-node <n> | kill-pg-primary | pg-primary | pg-members   (cluster mode)
# With AUDIT_CLUSTER=1 (set by deploy/local/cluster.sh) services get the cluster's nodes and quorum queues.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../deploy/local/lib.sh
source "$ROOT/deploy/local/lib.sh"
# The cluster copy has its own PostgreSQL, nodes and state; cluster.sh points lib.sh's functions at them.
if [ "${AUDIT_CLUSTER:-}" = 1 ]; then
  # shellcheck source=../../deploy/local/cluster.sh
  source "$ROOT/deploy/local/cluster.sh" --functions
fi

verb=${1:-}; shift || true
case "$verb" in
  migrate)
    for entry in $SERVICES; do
      name=${entry%%:*}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
      dll="$ROOT/services/$name/bin/Release/net10.0/AuditPlatform.$name.dll"
      [ -f "$dll" ] || continue
      mkdir -p "$LOCAL/logs"
      migrate_service "$name" "$LOCAL/logs/$svc-migrate.log" || { tail -40 "$LOCAL/logs/$svc-migrate.log" >&2; die "migrating $name failed"; }
    done
    apply_least_privilege
    ;;
  service-env)
    svc=${1:?service}
    if [ "${AUDIT_CLUSTER:-}" = 1 ]; then
      cluster_service_env "$svc"
    else
      service_env "$svc"
    fi
    ;;
  stop-rabbitmq) stop_rabbitmq ;;
  # A restart keeps what the node stores (vhost, users, permissions): only the broker is started again.
  start-rabbitmq) boot_rabbitmq ;;
  restart-rabbitmq) stop_rabbitmq; boot_rabbitmq ;;
  # On the cluster, back once PostgreSQL is down; Patroni finishes its exit while the battery starts Intake cold.
  stop-postgres) stop_postgres --leave-exits ;;
  start-postgres) start_postgres ;;
  restart-postgres) stop_postgres; start_postgres ;;
  fill-ledger-disk) fill_ledger_disk ;;
  free-ledger-disk) free_ledger_disk ;;
  raise-rabbitmq-alarm) raise_rabbitmq_alarm "${1:?memory or disk}" ;;
  clear-rabbitmq-alarms) clear_rabbitmq_alarms ;;
  stop-node|start-node|freeze-node|thaw-node|kill-pg-primary|pg-primary|pg-members)
    [ "${AUDIT_CLUSTER:-}" = 1 ] || die "$verb needs the cluster (AUDIT_CLUSTER=1, set by deploy/local/cluster.sh)"
    "cluster_${verb//-/_}" "$@"
    ;;
  *) die "unknown verb '$verb' (see the header of $0)" ;;
esac
