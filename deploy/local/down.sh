#!/usr/bin/env bash
# Stops the services, RabbitMQ and PostgreSQL. Data stays under .local/ unless --purge, which also
# deletes the database, the broker's state and the local witness's record of the ledger it cosigned (secrets are
# kept): a witness that outlived its ledger would rightly refuse every checkpoint of the new one as a fork.
#   deploy/local/down.sh [--purge]
#   deploy/local/down.sh --help     the settings that pick which instance is stopped (the ports up.sh was given)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"

purge=false
for arg in "$@"; do
  case "$arg" in
    --purge) purge=true ;;
    -h|--help)
      cat <<USAGE
Stops the services, RabbitMQ and PostgreSQL of this checkout; data stays under .local/ unless --purge.
usage: deploy/local/down.sh [--purge] [--help]
Give it the same AUDIT_PG_PORT and AUDIT_RABBITMQ_PORT as up.sh (defaults 55432 and 5672; now $PG_PORT and $RABBIT_PORT):
they name the instance to stop. Services are stopped by the pid files up.sh wrote, whatever their ports.
USAGE
      exit 0 ;;
    *) die "unknown option $arg (usage: down.sh [--purge] [--help])" ;;
  esac
done

for pidfile in "$LOCAL"/run/*.pid; do
  [ -f "$pidfile" ] || continue
  stop_service "$(basename "$pidfile" .pid)"
done

[ -x "$RABBIT_BIN/rabbitmqctl" ] && [ -d "$RABBIT_HOME" ] && stop_rabbitmq
[ -x "$PG_BIN/pg_ctl" ] && { free_ledger_disk; stop_postgres; }

if [ "$purge" = true ]; then
  say "deleting the local database, the broker's state and the witness's cosigned checkpoint"
  rm -rf "$LOCAL/pg" "$LOCAL/rabbitmq" "$LOCAL/witness"
fi
say "stopped"
