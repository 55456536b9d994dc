#!/usr/bin/env bash
# Everything compose.yaml needs besides images, made once and never overwritten:
#   deploy/docker/keys.sh                       keys under .local/secrets/ (the same files deploy/local/up.sh uses,
#                                               plus the witness's key) and their copies for compose under
#                                               .local/compose-secrets/, and deploy/docker/.env from example.env with
#                                               random passwords and the two note verifier keys (run it again after
#                                               changing a key)
#   deploy/docker/keys.sh log-verifier-key ORIGIN PEM
#                                               the note verifier key of Audit's log (its Ed25519 note key under the
#                                               log's origin): what a witness trusts, Witness__Logs__0__VerifierKey
#   deploy/docker/keys.sh witness-verifier-key NAME PEM
#                                               the cosignature verifier key of a witness's Ed25519 key under its
#                                               name: what Audit trusts, Audit__Witnesses__0__VerifierKey (the
#                                               witness's own "keygen" prints the same for a key it makes)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ENV_FILE="$ROOT/deploy/docker/.env"

# verifier_key (deploy/local/lib.sh) computes the note verifier keys, as services/Audit/Chain computes them.
# shellcheck source=../local/lib.sh
source "$ROOT/deploy/local/lib.sh"
case "${1:-}" in
  log-verifier-key|witness-verifier-key)
    [ $# -eq 3 ] || { echo "usage: $0 $1 NAME PEM" >&2; exit 2; }
    verifier_key "$([ "$1" = log-verifier-key ] && echo 01 || echo 04)" "$2" "$3"
    exit 0 ;;
  "") ;;
  *) echo "usage: $0 [log-verifier-key ORIGIN PEM | witness-verifier-key NAME PEM]" >&2; exit 2 ;;
esac

# The platform's keys and the witness's, as deploy/local makes them (passwords there are for the local servers, unused here).
ensure_secrets

# Compose mounts a secret file as it is on the host, and the images run as uid 1654, which cannot read the 0600
# originals: compose gets world-readable copies in a directory that only the owner can enter.
COMPOSE_SECRETS="$LOCAL/compose-secrets"
mkdir -p "$COMPOSE_SECRETS" && chmod 700 "$COMPOSE_SECRETS"
# (The key files named by deploy/local's settings, AUDIT_JWT_KEY_FILE and the others, when they are set.)
install -m 444 "$JWT_KEY_FILE" "$COMPOSE_SECRETS/jwt-signing.key"
install -m 444 "$FINGERPRINT_KEY_FILE" "$COMPOSE_SECRETS/fingerprint.key"
install -m 444 "$WEBHOOK_KEY_FILE" "$COMPOSE_SECRETS/webhook-secrets.key"
install -m 444 "$CHECKPOINT_KEY_FILE" "$COMPOSE_SECRETS/checkpoint-signing.pem"
install -m 444 "$NOTE_KEY_FILE" "$COMPOSE_SECRETS/checkpoint-note.pem"
install -m 444 "$SECRETS/witness.pem" "$COMPOSE_SECRETS/witness.pem"

if [ ! -f "$ENV_FILE" ]; then
  say "writing $ENV_FILE with random passwords"
  (umask 077; while IFS= read -r line; do
    case "$line" in *=change-me-*) echo "${line%%=*}=$(openssl rand -hex 24)" ;; *) echo "$line" ;; esac
  done < "$ROOT/deploy/docker/example.env" > "$ENV_FILE")
fi

# A value of .env (the last assignment wins, as in compose).
env_value() { sed -n "s/^$1=//p" "$ENV_FILE" | tail -1; }
# Sets NAME=value in .env where NAME is assigned, or at the end.
set_env_value() {
  local next; next=$(mktemp)
  awk -v name="$1" -v value="$2" 'index($0, name "=") == 1 { if (!done) print name "=" value; done = 1; next }
    { print } END { if (!done) print name "=" value }' "$ENV_FILE" > "$next"
  chmod 600 "$next" && mv "$next" "$ENV_FILE"
}
origin=$(env_value AUDIT_ORIGIN); witness=$(env_value WITNESS_NAME)
[ -n "$origin" ] && [ -n "$witness" ] || die "$ENV_FILE must set AUDIT_ORIGIN and WITNESS_NAME (see example.env)"
set_env_value AUDIT_VERIFIER_KEY "$(verifier_key 01 "$origin" "$NOTE_KEY_FILE")"
set_env_value WITNESS_VERIFIER_KEY "$(verifier_key 04 "$witness" "$SECRETS/witness.pem")"
say "keys under $SECRETS; settings in $ENV_FILE"
echo "  Audit's log $origin:     $(env_value AUDIT_VERIFIER_KEY)"
echo "  witness $witness: $(env_value WITNESS_VERIFIER_KEY)"
