#!/usr/bin/env bash
# Replays deploy/demo/scenario.json through the public HTTP APIs; fixed client ids make a second run harmless.
# Called by deploy/local/up.sh --demo; needs curl and jq. A step whose service is not running is skipped, and said so.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOKEN_FILE="${DEMO_TOKEN_FILE:-$ROOT/.local/tokens/admin.jwt}"
[ -f "$TOKEN_FILE" ] || TOKEN_FILE="$ROOT/.local/tokens/operator.jwt"
TOKEN="$(cat "$TOKEN_FILE")"
declare -A URL=([intake]="${INTAKE_URL:-http://127.0.0.1:5101}" [notification]="${NOTIFICATION_URL:-http://127.0.0.1:5102}"
                [escalation]="${ESCALATION_URL:-http://127.0.0.1:5103}" [audit]="${AUDIT_URL:-http://127.0.0.1:5104}")
count=$(jq '.steps | length' "$ROOT/deploy/demo/scenario.json")
for i in $(seq 0 $((count - 1))); do
  step=$(jq -c ".steps[$i]" "$ROOT/deploy/demo/scenario.json")
  service=$(jq -r .service <<<"$step"); method=$(jq -r .method <<<"$step"); path=$(jq -r .path <<<"$step"); note=$(jq -r .note <<<"$step")
  base="${URL[$service]}"
  if ! curl -fsS -o /dev/null "$base/health/ready" 2>/dev/null; then
    echo "demo: skipped ($service is not running): $note"; continue
  fi
  status=$(jq -c .body <<<"$step" | curl -sS -o /tmp/demo-step.$$ -w '%{http_code}' -X "$method" "$base$path" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @-)
  case "$status" in
    2*) echo "demo: $note ($status)" ;;
    *) echo "demo: $note failed with $status: $(cat /tmp/demo-step.$$)" >&2 ;;
  esac
done
rm -f /tmp/demo-step.$$
