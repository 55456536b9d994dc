#!/usr/bin/env bash
# auditctl from this checkout's Release build (up.sh and test.sh build it), with the local Audit service and the
# compliance token as defaults:
#   deploy/local/auditctl.sh verify
#   deploy/local/auditctl.sh timeline disclosure <id> --until 2017-05-24T18:00:00Z
# AUDIT_URL and AUDIT_TOKEN (or --url and --token) point it elsewhere. The same Release build leaves the tool package
# in .local/packages, to install auditctl as a dotnet tool instead (docs/services/audit.md, "auditctl").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"
tool="$ROOT/services/AuditCtl/bin/Release/net10.0/AuditPlatform.AuditCtl.dll"
if [ ! -f "$tool" ]; then
  dotnet build "$ROOT/services/AuditCtl" -c Release -nologo -v quiet -clp:ErrorsOnly >&2 || die "building auditctl failed"
fi
export AUDIT_URL=${AUDIT_URL:-http://127.0.0.1:$(service_port Audit)}
if [ -z "${AUDIT_TOKEN:-}" ] && [ -f "$LOCAL/tokens/compliance.jwt" ]; then
  AUDIT_TOKEN=$(cat "$LOCAL/tokens/compliance.jwt"); export AUDIT_TOKEN
fi
exec dotnet "$tool" "$@"
