#!/usr/bin/env bash
# deploy/local/test.sh runs this after dotnet test: every setting README.md and `up.sh --help` name (the PostgreSQL,
# RabbitMQ and service ports, the escalation policy, the three key files) is honoured when set in the environment,
# as lib.sh hands it to the services (service_env, service_port, mint_token), and --help names each with its default.
# Needs no server and writes nothing outside a temporary directory: lib.sh is sourced with ROOT there. Seconds.
# Writes <results-dir>/settings-check.trx, one test per check; exits non-zero when one fails.
#   tests/settings-check/run-suite.sh <results-dir>
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
results=${1:?usage: run-suite.sh <results-dir>}
mkdir -p "$results" && results=$(cd "$results" && pwd)
trx="$results/settings-check.trx"
work=$(mktemp -d); report="$work/report"
trap 'rm -rf "$work"' EXIT
: > "$report"

# A scratch ROOT with secrets of its own, and files for each setting that names one.
scratch="$work/root"; mkdir -p "$scratch/.local/secrets" "$work/mine"
printf '{}' > "$work/mine/policy.json"
openssl rand -base64 32 > "$work/mine/jwt.key"
openssl rand -base64 32 > "$work/mine/fingerprint.key"
printf 'PEM' > "$work/mine/checkpoint.pem"
printf 'PEM' > "$work/mine/note.pem"
openssl rand -base64 32 > "$work/mine/webhook.key"
# Settings a caller's shell might already hold must not leak into the cases.
unset AUDIT_PG_PORT AUDIT_RABBITMQ_PORT AUDIT_INTAKE_PORT AUDIT_NOTIFICATION_PORT AUDIT_ESCALATION_PORT AUDIT_AUDIT_PORT AUDIT_WITNESS_PORT \
  ESCALATION_POLICY AUDIT_JWT_KEY_FILE AUDIT_FINGERPRINT_KEY_FILE AUDIT_CHECKPOINT_KEY_FILE AUDIT_CHECKPOINT_NOTE_KEY_FILE AUDIT_WEBHOOK_KEY_FILE \
  Auth__SigningKeyFile Intake__FingerprintKeyFile Audit__SigningKeyFile Audit__NoteKeyFile Notification__SecretKeyFile

# lib.sh, sourced with ROOT in the scratch directory, then the given commands: lib SETTING=VALUE... -- COMMANDS
lib() {
  local settings=()
  while [ "$1" != -- ]; do settings+=("$1"); shift; done; shift
  # A failure is an outcome to report, not a reason to stop the suite.
  (cd "$work" && env ROOT="$scratch" "${settings[@]}" bash -c "source '$REPO/deploy/local/lib.sh'; $*" 2>&1) || true
}

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$(tr '\n\t' '  ' <<<"$3")" >> "$report"; }
# expect NAME NEEDLE OUTPUT: passes when OUTPUT holds the line (or text) NEEDLE.
expect() {
  if grep -qxF -- "$2" <<<"$3" || grep -qF -- "$2" <<<"$3"; then record "$1" passed ""
  else record "$1" failed "expected \"$2\" in: $(head -c 600 <<<"$3")"; fi
}

env_of() { lib "$@" -- 'service_env "$SVC"'; }

out=$(SVC=escalation env_of ESCALATION_POLICY="$work/mine/policy.json")
expect "ESCALATION_POLICY set in the environment reaches the service" "ESCALATION_POLICY=$work/mine/policy.json" "$out"
out=$(SVC=escalation env_of ESCALATION_POLICY=mine/policy.json)
expect "a relative ESCALATION_POLICY is made absolute (services run in services/<Name>)" "ESCALATION_POLICY=$work/mine/policy.json" "$out"
out=$(SVC=escalation env_of)
expect "ESCALATION_POLICY unset: the repository's policy" "ESCALATION_POLICY=$scratch/deploy/policy/escalation.json" "$out"
# The policy is Escalation's alone: the other services have their own settings for the durations they need.
for svc in intake notification audit; do
  out=$(SVC=$svc env_of ESCALATION_POLICY="$work/mine/policy.json")
  if grep -q '^ESCALATION_POLICY=' <<<"$out"; then record "ESCALATION_POLICY is not passed to $svc" failed "$(head -c 600 <<<"$out")"
  elif grep -q '^ConnectionStrings__Ledger=' <<<"$out"; then record "ESCALATION_POLICY is not passed to $svc" passed ""
  else record "ESCALATION_POLICY is not passed to $svc" failed "no service environment in: $(head -c 600 <<<"$out")"; fi
done

out=$(SVC=intake env_of AUDIT_JWT_KEY_FILE="$work/mine/jwt.key")
expect "AUDIT_JWT_KEY_FILE reaches the service as Auth__SigningKeyFile" "Auth__SigningKeyFile=$work/mine/jwt.key" "$out"
out=$(SVC=intake env_of Auth__SigningKeyFile="$work/mine/jwt.key")
expect "Auth__SigningKeyFile set in the environment is kept" "Auth__SigningKeyFile=$work/mine/jwt.key" "$out"
out=$(SVC=intake env_of AUDIT_FINGERPRINT_KEY_FILE="$work/mine/fingerprint.key")
expect "AUDIT_FINGERPRINT_KEY_FILE reaches Intake as Intake__FingerprintKeyFile" "Intake__FingerprintKeyFile=$work/mine/fingerprint.key" "$out"
out=$(SVC=audit env_of AUDIT_CHECKPOINT_KEY_FILE="$work/mine/checkpoint.pem")
expect "AUDIT_CHECKPOINT_KEY_FILE reaches Audit as Audit__SigningKeyFile" "Audit__SigningKeyFile=$work/mine/checkpoint.pem" "$out"
out=$(SVC=audit env_of AUDIT_CHECKPOINT_NOTE_KEY_FILE="$work/mine/note.pem")
expect "AUDIT_CHECKPOINT_NOTE_KEY_FILE reaches Audit as Audit__NoteKeyFile" "Audit__NoteKeyFile=$work/mine/note.pem" "$out"
out=$(SVC=notification env_of AUDIT_WEBHOOK_KEY_FILE="$work/mine/webhook.key")
expect "AUDIT_WEBHOOK_KEY_FILE reaches Notification as Notification__SecretKeyFile" "Notification__SecretKeyFile=$work/mine/webhook.key" "$out"
out=$(SVC=audit env_of)
expect "key files unset: the ones under .local/secrets" "Audit__SigningKeyFile=$scratch/.local/secrets/checkpoint-signing.pem" "$out"

out=$(SVC=notification env_of AUDIT_PG_PORT=55499)
expect "AUDIT_PG_PORT reaches the ledger connection" "Port=55499;" "$out"
out=$(SVC=notification env_of AUDIT_RABBITMQ_PORT=5699)
expect "AUDIT_RABBITMQ_PORT reaches the bus connection" "@127.0.0.1:5699/audit" "$out"

for pair in Intake:6101 Notification:6102 Escalation:6103 Audit:6104; do
  name=${pair%%:*}; port=${pair##*:}; var="AUDIT_$(tr '[:lower:]' '[:upper:]' <<<"$name")_PORT"
  out=$(lib "$var=$port" -- "service_port $name; echo \"\$SERVICES\"")
  expect "$var moves $name's HTTP port (service_port and SERVICES)" "$port" "$(head -1 <<<"$out")"
  expect "$var is in SERVICES, which up.sh starts and checks the services by" "$name:$port" "$out"
done
out=$(lib -- 'echo "$SERVICES"')
expect "service ports unset: 5101-5104" "Intake:5101 Notification:5102 Escalation:5103 Audit:5104" "$out"

# The local witness: its port moves, Audit is told where it is and which key it cosigns with, and the witness trusts
# the key Audit signs its notes with (the verifier keys computed by lib.sh, as the Chain code computes them).
openssl genpkey -algorithm ed25519 -out "$work/mine/ed25519.pem" 2>/dev/null
cp "$work/mine/ed25519.pem" "$scratch/.local/secrets/witness.pem"
out=$(lib AUDIT_WITNESS_PORT=6105 -- 'audit_witness_env')
expect "AUDIT_WITNESS_PORT moves the witness Audit sends its checkpoints to" "Audit__Witnesses__0__Url=http://127.0.0.1:6105" "$out"
expect "Audit trusts the witness's cosignature key (type 04)" "Audit__Witnesses__0__VerifierKey=witness.local/w1+" "$out"
out=$(lib AUDIT_CHECKPOINT_NOTE_KEY_FILE="$work/mine/ed25519.pem" -- 'witness_env')
note_key=$(lib -- "verifier_key 01 auditplatform.local/ledger '$work/mine/ed25519.pem'")
expect "the witness trusts the note key AUDIT_CHECKPOINT_NOTE_KEY_FILE names" "Witness__Logs__0__VerifierKey=$note_key" "$out"
out=$(SVC=audit env_of)
if grep -q '^Audit__Witnesses__' <<<"$out"; then record "service_env names no witness (only up.sh's own Audit is given one)" failed "$(head -c 600 <<<"$out")"
else record "service_env names no witness (only up.sh's own Audit is given one)" passed ""; fi

# The token a tool mints must be signed with the key the services are given.
token=$(lib AUDIT_JWT_KEY_FILE="$work/mine/jwt.key" -- 'mint_token operator')
key=$(openssl base64 -d -A < "$work/mine/jwt.key" | od -An -v -tx1 | tr -d ' \n')
signature=$(printf '%s' "${token%.*}" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')
if [ "$signature" = "${token##*.}" ]; then record "mint_token signs with AUDIT_JWT_KEY_FILE" passed ""
else record "mint_token signs with AUDIT_JWT_KEY_FILE" failed "token $token is not signed with $work/mine/jwt.key"; fi

out=$(lib AUDIT_FINGERPRINT_KEY_FILE="$work/missing.key" -- 'ensure_secrets && echo accepted')
expect "a key file named in the environment that does not exist stops the scripts" "$work/missing.key does not exist" "$out"

# --help, which starts nothing, names every setting with its default. The scripts run from a copy in the scratch
# ROOT, without CI (which lets claim_port stop another checkout's servers), with the tools that would install or start
# anything replaced by ones that refuse: a script that ignored --help could not touch a running platform.
mkdir -p "$scratch/deploy/local" "$work/refuse"
cp "$REPO"/deploy/local/*.sh "$scratch/deploy/local/"
for tool in apt-get service pg_ctlcluster pg_lsclusters runuser dotnet setsid nohup rabbitmqctl; do
  printf '#!/bin/sh\necho "settings-check: --help ran %s" >&2\nexit 1\n' "$tool" > "$work/refuse/$tool"; chmod +x "$work/refuse/$tool"
done
help_of() { env -u CI PATH="$work/refuse:$PATH" timeout 30 bash "$scratch/deploy/local/$1.sh" --help 2>&1 || true; }
for script in up test; do
  out=$(help_of "$script")
  for pair in AUDIT_PG_PORT:55432 AUDIT_RABBITMQ_PORT:5672 AUDIT_INTAKE_PORT:5101 AUDIT_NOTIFICATION_PORT:5102 \
      AUDIT_ESCALATION_PORT:5103 AUDIT_AUDIT_PORT:5104 AUDIT_WITNESS_PORT:5105 ESCALATION_POLICY:deploy/policy/escalation.json \
      AUDIT_JWT_KEY_FILE:.local/secrets/jwt-signing.key AUDIT_FINGERPRINT_KEY_FILE:.local/secrets/fingerprint.key \
      AUDIT_CHECKPOINT_KEY_FILE:.local/secrets/checkpoint-signing.pem AUDIT_CHECKPOINT_NOTE_KEY_FILE:.local/secrets/checkpoint-note.pem; do
    name=${pair%%:*}; default=${pair#*:}
    if grep -q "^  $name " <<<"$out" && grep -A1 "^  $name " <<<"$out" | grep -qF "default $default;"; then
      record "$script.sh --help names $name with its default" passed ""
    else
      record "$script.sh --help names $name with its default" failed "not in: $(head -c 600 <<<"$out")"
    fi
  done
done
# Ports given once are kept in .local/ports for the scripts that come after; the environment still wins.
mkdir -p "$scratch/.local"
printf 'AUDIT_PG_PORT=55499\nAUDIT_INTAKE_PORT=6199\nAUDIT_RABBITMQ_PORT=not-a-port\n' > "$scratch/.local/ports"
out=$(lib -- 'echo "pg=$PG_PORT rabbit=$RABBIT_PORT intake=$(service_port Intake)"')
expect "ports kept in .local/ports are used again; a malformed one is ignored" "pg=55499 rabbit=5672 intake=6199" "$out"
out=$(lib AUDIT_PG_PORT=55488 -- 'echo "pg=$PG_PORT"')
expect "a port in the environment wins over .local/ports" "pg=55488" "$out"
rm -f "$scratch/.local/ports"

out=$(help_of down)
expect "down.sh --help names AUDIT_PG_PORT" "AUDIT_PG_PORT" "$out"
expect "down.sh --help names AUDIT_RABBITMQ_PORT" "AUDIT_RABBITMQ_PORT" "$out"

# The service ports are written once, in lib.sh; the other scripts ask it (service_port, SERVICES).
fixed=$(cd "$REPO" && grep -nE '\b510[1-5]\b' deploy/local/*.sh | grep -v '^deploy/local/lib.sh:' || true)
if [ -z "$fixed" ]; then record "no script under deploy/local hard-codes a service port" passed ""
else record "no script under deploy/local hard-codes a service port" failed "$fixed"; fi

# shellcheck disable=SC1091
source "$REPO/tests/lib/trx.sh"
set +e
write_trx settings-check "$report" "$trx"
status=$?
set -e
echo "settings-check: $TRX_PASSED passed, $TRX_FAILED failed"
[ $status -eq 0 ]
