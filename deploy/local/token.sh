#!/usr/bin/env bash
# Prints a fresh development token: deploy/local/token.sh <operator|compliance|integrator|admin> [PARTNER]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/local/lib.sh"
[ $# -ge 1 ] || die "usage: token.sh <operator|compliance|integrator|admin> [PARTNER]"
ensure_secrets
mint_token "$@"
