#!/usr/bin/env bash
# Checks that every metric the Grafana dashboard queries is one the services really emit: extracts the metric
# names from each panel's PromQL, drives a little traffic (a partner, a disclosure, a refused disclosure, a breach,
# a pressing intelligence item written up late), then scrapes each service's /metrics until every name has a
# sample or the wait runs out. A name counts as emitted only with a sample line in a real scrape; "# HELP/# TYPE"
# alone is reported as "declared, no sample" and fails.
#   deploy/observability/check-metrics.sh                  against the platform up.sh started (5101-5104)
#   deploy/observability/check-metrics.sh --start [--base-port 5500]
#                                                          starts the four services from the Release build on
#                                                          base+1..base+4 for the check, and stops them after
#   options: --dashboard FILE (default grafana/auditplatform.json), --wait SECONDS (default 60),
#            --report FILE (one "metric<TAB>status<TAB>detail" line per metric, for run-suite.sh)
# Needs deploy/local/up.sh (or test.sh) to have run: PostgreSQL, RabbitMQ, secrets. Exits 1 if a metric is not emitted.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/deploy/observability"
source "$ROOT/deploy/local/lib.sh"

dashboard="$HERE/grafana/auditplatform.json"; start=false; base=5500; wait_for=60; report=""
while [ $# -gt 0 ]; do
  case "$1" in
    --start) start=true ;;
    --base-port) base=${2:?}; shift ;;
    --dashboard) dashboard=${2:?}; shift ;;
    --wait) wait_for=${2:?}; shift ;;
    --report) report=${2:?}; shift ;;
    *) die "unknown option $1 (see the header of $0)" ;;
  esac
  shift
done
[ -n "${AUDIT_PG:-}" ] || { [ -f "$LOCAL/env" ] && source "$LOCAL/env"; }
[ -d "$SECRETS" ] || die "no secrets under $SECRETS: run deploy/local/up.sh first"

# --- The metric names the dashboard queries --------------------------------------------------------------------
# Per expression: drop label matchers {...}, range selectors [...], grouping clauses by/without (...) and strings;
# what remains that is an identifier not followed by "(" and not a PromQL keyword is a metric name.
dashboard_metrics() {
  jq -r '.. | objects | select(has("expr")) | .expr' "$1" |
    sed -E 's/"[^"]*"//g; s/\{[^}]*\}//g; s/\[[^]]*\]//g; s/\b(by|without|on|ignoring|group_left|group_right)[[:space:]]*\([^)]*\)//g' |
    grep -oE '[A-Za-z_:][A-Za-z0-9_:]*[[:space:]]*\(?' |
    grep -vE '\($' | tr -d ' ' |
    grep -vxE 'by|without|on|ignoring|group_left|group_right|bool|and|or|unless|offset|inf|nan' |
    sort -u
}
metrics=$(dashboard_metrics "$dashboard")
[ -n "$metrics" ] || die "no metric names found in $dashboard"

# --- The services to scrape -------------------------------------------------------------------------------------
declare -A url
pids=()
trap 'stop_pids "${pids[@]}"' EXIT

offset=0
for entry in $SERVICES; do
  name=${entry%%:*}; offset=$((offset + 1))
  if [ "$start" = true ]; then url[$name]="http://127.0.0.1:$((base + offset))"; else url[$name]="http://127.0.0.1:${entry##*:}"; fi
done

if [ "$start" = true ]; then
  logs="$LOCAL/logs/check-metrics"; mkdir -p "$logs"
  for entry in $SERVICES; do
    name=${entry%%:*}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]'); port=${url[$name]##*:}
    holder=$(port_holder "$port")
    [ -z "$holder" ] || die "port $port (for $name) is in use by pid $holder; move the check with --base-port"
    dll="$ROOT/services/$name/bin/Release/net10.0/AuditPlatform.$name.dll"
    [ -f "$dll" ] || dotnet build "$ROOT/services/$name" -c Release -nologo -v quiet -clp:ErrorsOnly > "$logs/build-$name.log" 2>&1 ||
      die "building $name failed; see $logs/build-$name.log"
    # Schema as the owner, as up.sh does; then the service under its own roles.
    migrate_service "$name" "$logs/$svc-migrate.log" || die "migrating $name failed; see $logs/$svc-migrate.log"
  done
  apply_least_privilege 2>/dev/null || die "applying the least-privilege grants failed"
  for entry in $SERVICES; do
    name=${entry%%:*}; svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
    say "starting $name on ${url[$name]} for the metrics check"
    Escalation__OpenCasesRefreshInterval=00:00:02 start_service_background "$name" "${url[$name]}" "$logs/$svc.log"
    pids+=("$STARTED_PID")
  done
fi

for entry in $SERVICES; do
  name=${entry%%:*}; ready=false
  for _ in $(seq 1 120); do
    if curl -fsS "${url[$name]}/health/ready" >/dev/null 2>&1; then ready=true; break; fi
    sleep 1
  done
  [ "$ready" = true ] || die "$name is not ready at ${url[$name]}"
done

# --- A little traffic ---------------------------------------------------------------------------------------------
say "driving traffic: a partner, a disclosure, a refused disclosure, a breach, a late intelligence report"
admin=$(mint_token admin); operator=$(mint_token operator)
call() { # method url token [body]: prints the HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X "$1" "$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}
}
partner=OBS-METRICS
intake=${url[Intake]}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
call PUT "$intake/partners/$partner" "$admin" '{"name":"Metrics check partner","country":"Nowhere","channel":{"kind":"bus"}}' >/dev/null
disclosure=$(cat /proc/sys/kernel/random/uuid)
status=$(call POST "$intake/disclosures" "$operator" "{\"disclosureId\":\"$disclosure\",\"originator\":\"UK-GMP\",\"title\":\"Metrics check\",
  \"classification\":\"official\",\"caveats\":[],\"contentSha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",
  \"recipients\":[\"$partner\"],\"sharedBy\":\"check-metrics.sh\",\"occurredAt\":\"$now\"}")
[ "$status" = 201 ] || [ "$status" = 200 ] || die "posting a disclosure answered $status"
call POST "$intake/disclosures" "$operator" '{"title":""}' >/dev/null   # refused: validation
status=$(call POST "$intake/breaches" "$operator" "{\"disclosureId\":\"$disclosure\",\"outlet\":\"check-metrics.sh\",\"observedAt\":\"$now\",
  \"severity\":\"low\",\"description\":\"Metrics check\",\"reportedBy\":\"check-metrics.sh\"}")
[ "$status" = 201 ] || die "posting a breach answered $status"
item=$(cat /proc/sys/kernel/random/uuid)
call POST "$intake/intelligence" "$operator" "{\"itemId\":\"$item\",\"source\":\"check-metrics.sh\",\"summary\":\"Metrics check\",\"occurredAt\":\"2017-01-01T08:00:00Z\"}" >/dev/null
call POST "$intake/intelligence/$item/assessments" "$operator" '{"assessedBy":"check-metrics.sh","relatesToTerrorism":true,"pressingConcern":true,"occurredAt":"2017-01-01T09:00:00Z"}' >/dev/null
call POST "$intake/intelligence/$item/reports" "$operator" '{"author":"check-metrics.sh","occurredAt":"2017-01-02T09:00:00Z"}' >/dev/null
for name in Notification Escalation Audit; do curl -s -o /dev/null "${url[$name]}/health/ready"; done

# --- Scrape until every metric has a sample -----------------------------------------------------------------------
scrapes=$(mktemp -d); trap 'stop_pids "${pids[@]}"; rm -rf "$scrapes"' EXIT
# Beside a platform that up.sh started, the services started here compete with it: its forwarders hold the ledger's
# subscription and its consumers share the queues, so part of this traffic is forwarded and consumed there. Those
# processes are scraped too (named Service@port), and count: they are real services measuring this run's traffic.
declare -A beside
if [ "$start" = true ]; then
  for entry in $SERVICES; do
    name=${entry%%:*}; port=${entry##*:}
    curl -fsS --max-time 2 "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && beside[$name@$port]="http://127.0.0.1:$port"
  done
fi
scrape_all() {
  local entry name
  for entry in $SERVICES; do
    name=${entry%%:*}
    curl -fsS --max-time 10 "${url[$name]}/metrics" > "$scrapes/$name.prom" 2>/dev/null || : > "$scrapes/$name.prom"
  done
  for name in "${!beside[@]}"; do
    curl -fsS --max-time 10 "${beside[$name]}/metrics" > "$scrapes/$name.prom" 2>/dev/null || : > "$scrapes/$name.prom"
  done
}
emitted_by() { grep -lE "^$1(\{| )" "$scrapes"/*.prom 2>/dev/null | xargs -r -n1 basename | sed 's/\.prom$//' | paste -sd, - || true; }
# A histogram's _bucket/_sum/_count and a counter's _total are declared under their family name.
declared_by() {
  local family=$1
  family=${family%_bucket}; family=${family%_sum}; family=${family%_count}
  grep -lE "^# TYPE ($1|$family) " "$scrapes"/*.prom 2>/dev/null | xargs -r -n1 basename | sed 's/\.prom$//' | paste -sd, - || true
}

deadline=$((SECONDS + wait_for))
while :; do
  scrape_all
  missing=0
  for m in $metrics; do [ -n "$(emitted_by "$m")" ] || missing=$((missing + 1)); done
  [ $missing -gt 0 ] && [ $SECONDS -lt $deadline ] || break
  sleep 3
done

failed=0
[ -z "$report" ] || : > "$report"
printf '%-48s %-22s %s\n' "metric (from $(basename "$dashboard"))" "status" "services"
for m in $metrics; do
  by=$(emitted_by "$m")
  if [ -n "$by" ]; then
    status=emitted; detail=$by
  else
    failed=$((failed + 1)); declared=$(declared_by "$m")
    if [ -n "$declared" ]; then status="declared, no sample"; detail=$declared; else status=missing; detail="-"; fi
  fi
  printf '%-48s %-22s %s\n' "$m" "$status" "$detail"
  [ -z "$report" ] || printf '%s\t%s\t%s\n' "$m" "$status" "$detail" >> "$report"
done
total=$(echo "$metrics" | wc -w)
echo "$((total - failed)) of $total dashboard metrics emitted"
[ $failed -eq 0 ]
