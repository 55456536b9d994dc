#!/usr/bin/env bash
# Replays the story in story.json through the public HTTP APIs; safe to run twice (client ids, state checked first).
#   deploy/demo/replay.sh        (tokens from .local/tokens/, written by deploy/local/up.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STORY="$ROOT/deploy/demo/story.json"
TOKENS="$ROOT/.local/tokens"
INTAKE=${INTAKE_URL:-http://127.0.0.1:5101}
NOTIFICATION=${NOTIFICATION_URL:-http://127.0.0.1:5102}
ESCALATION=${ESCALATION_URL:-http://127.0.0.1:5103}

say() { printf 'demo: %s\n' "$*"; }
token() { [ -f "$TOKENS/$1.jwt" ] || { say "missing $TOKENS/$1.jwt (run deploy/local/up.sh)"; exit 1; }; cat "$TOKENS/$1.jwt"; }
up() { curl -fsS -o /dev/null --max-time 3 "$1/health/ready" 2>/dev/null || curl -fsS -o /dev/null --max-time 3 "$1/health/live" 2>/dev/null; }
# call METHOD URL ROLE [BODY]: prints the status; 2xx and 409 (already done) are accepted, anything else stops the replay.
# A 409 that means "not done" (sharing with a suspended partner) stops it too, naming the reason.
call() {
  local out status
  out=$(mktemp)
  status=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" "$2" -H "Authorization: Bearer $(token "$3")" \
    -H 'Content-Type: application/json' ${4:+--data "$4"})
  case "$status" in
    2??) ;;
    409) if grep -q '/sharing-suspended"' "$out"; then
           say "  $1 $2 was refused: $(jq -r .detail "$out" 2>/dev/null || cat "$out")"; rm -f "$out"; exit 1
         fi
         say "  already recorded ($1 ${2#http://127.0.0.1:})" ;;
    *) say "  $1 $2 answered $status: $(cat "$out")"; rm -f "$out"; exit 1 ;;
  esac
  rm -f "$out"
}
sharing() { curl -fsS "$INTAKE/partners/$1" -H "Authorization: Bearer $(token operator)" | jq -r .sharing; }

up "$INTAKE" || { say "Intake is not running on $INTAKE; nothing replayed"; exit 1; }

say "partners"
jq -c '.partners[]' "$STORY" | while read -r p; do
  call PUT "$INTAKE/partners/$(jq -r .code <<<"$p")" admin "$(jq -c 'del(.code)' <<<"$p")"
done

# The story shares before any leak: a partner suspended by something outside the story (the README's own walk-through
# reports a critical breach by US-DHS) is restored first, on the record, or its disclosures would be refused.
if up "$ESCALATION"; then
  for partner in $(jq -r '.partners[].code' "$STORY"); do
    [ "$(sharing "$partner")" = suspended ] || continue
    say "sharing with $partner is suspended in this ledger: restoring it before the story's disclosures"
    call POST "$ESCALATION/partners/$partner/restore" operator '{"by":"demo replay","reason":"Restored so the demo story can be shared from its start"}'
    for _ in $(seq 1 100); do [ "$(sharing "$partner")" = active ] && break; sleep 0.2; done
    [ "$(sharing "$partner")" = active ] || { say "sharing with $partner is still suspended; the demo stops here"; exit 1; }
  done
fi

say "disclosures by GMP"
jq -c '.disclosures[]' "$STORY" | while read -r d; do call POST "$INTAKE/disclosures" operator "$d"; done

say "breaches"
jq -c '.breaches[]' "$STORY" | while read -r b; do call POST "$INTAKE/breaches" operator "$b"; done

# The critical breach may already have suspended sharing (the policy's level 2); the story suspends it anyway.
# Each partner is restored once: a marker in .local/run keeps a rerun from suspending or restoring it again.
partners=$(jq -r '.partners[].code' "$STORY")
marker() { printf '%s/.local/run/demo-restored-%s' "$ROOT" "$1"; }
if up "$ESCALATION"; then
  for partner in $partners; do
    if [ ! -f "$(marker "$partner")" ] && [ "$(sharing "$partner")" = active ]; then
      say "suspension of sharing with $partner"
      call POST "$ESCALATION/partners/$partner/suspend" operator "$(jq -c '.suspension | {by, reason}' "$STORY")"
    fi
  done
else
  say "Escalation is not running on $ESCALATION: suspension and restoration skipped"
fi

if up "$NOTIFICATION"; then
  say "responses"
  jq -c '.responses[]' "$STORY" | while read -r r; do call POST "$NOTIFICATION/responses" operator "$r"; done
else
  say "Notification is not running on $NOTIFICATION: responses skipped"
fi

if up "$ESCALATION"; then
  for partner in $partners; do
    [ -f "$(marker "$partner")" ] && continue
    for _ in $(seq 1 50); do [ "$(sharing "$partner")" = suspended ] && break; sleep 0.2; done
    if [ "$(sharing "$partner")" = suspended ]; then
      say "restoration of sharing with $partner"
      call POST "$ESCALATION/partners/$partner/restore" operator "$(jq -c '.restoration | {by, reason}' "$STORY")"
    fi
    mkdir -p "$ROOT/.local/run" && touch "$(marker "$partner")"
  done
fi

say "intelligence handling"
jq -c '.intelligence[]' "$STORY" | while read -r i; do
  id=$(jq -r .itemId <<<"$i")
  if curl -fsS -o /dev/null "$INTAKE/intelligence/$id" -H "Authorization: Bearer $(token operator)" 2>/dev/null; then
    say "  item $id already recorded"; continue
  fi
  call POST "$INTAKE/intelligence" operator "$(jq -c '{itemId, source, summary, occurredAt}' <<<"$i")"
  jq -c '.assessments[]' <<<"$i" | while read -r a; do call POST "$INTAKE/intelligence/$id/assessments" operator "$a"; done
  jq -c '.reports[]' <<<"$i" | while read -r r; do call POST "$INTAKE/intelligence/$id/reports" operator "$r"; done
done
say "done"
