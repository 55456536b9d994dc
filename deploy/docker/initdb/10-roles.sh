#!/usr/bin/env bash
# First start of the compose PostgreSQL: the owner (POSTGRES_USER) gets one login role per service, with the
# passwords compose passes in; grants follow from deploy/sql/least-privilege.sql once the schema exists.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
create role audit_intake login password '${INTAKE_DB_PASSWORD:?}';
create role audit_notification login password '${NOTIFICATION_DB_PASSWORD:?}';
create role audit_escalation login password '${ESCALATION_DB_PASSWORD:?}';
create role audit_audit login password '${AUDIT_DB_PASSWORD:?}';
SQL
