#!/usr/bin/env bash
# psql as the database owner on the local database: deploy/local/psql.sh [psql arguments]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"
PGPASSWORD=$(secret pg-owner.password) exec psql -h 127.0.0.1 -p "$PG_PORT" -U audit_owner -d auditplatform "$@"
