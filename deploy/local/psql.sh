#!/usr/bin/env bash
# psql as the database owner (audit_owner) on the local database: deploy/local/psql.sh [psql arguments]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"
[ -s "$SECRETS/pg-owner.password" ] || die "no database yet: run deploy/local/up.sh (or test.sh) first"
PGPASSWORD=$(cat "$SECRETS/pg-owner.password") exec "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U audit_owner -d auditplatform "$@"
