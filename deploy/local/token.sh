#!/usr/bin/env bash
# Prints a fresh development token: deploy/local/token.sh <operator|compliance|integrator|admin> [PARTNER]
#   e.g. deploy/local/token.sh integrator US-FBI
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: token.sh <operator|compliance|integrator|admin> [PARTNER]"
command -v openssl >/dev/null || die "openssl is required (deploy/local/up.sh installs it)"
ensure_secrets   # creates the signing key if nothing else has yet
mint_token "$@"
