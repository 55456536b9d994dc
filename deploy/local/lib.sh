# Shared by up.sh, test.sh, down.sh, token.sh and psql.sh: install what is missing, keep secrets and
# data under .local/, and run PostgreSQL and RabbitMQ on loopback as the platform's own instances.
# shellcheck shell=bash

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LOCAL="$ROOT/.local"
SECRETS="$LOCAL/secrets"
# Ports can be moved (AUDIT_PG_PORT, AUDIT_RABBITMQ_PORT) to run a second copy beside a running one.
PG_PORT=${AUDIT_PG_PORT:-55432}
RABBIT_PORT=${AUDIT_RABBITMQ_PORT:-5672}
RABBIT_UI_PORT=$((RABBIT_PORT + 10000))
PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA="$LOCAL/pg/data"
PG_SOCKET="$LOCAL/pg/run"
RABBIT_HOME="$LOCAL/rabbitmq"
RABBIT_NODE=$([ "$RABBIT_PORT" = 5672 ] && echo audit@localhost || echo "audit$RABBIT_PORT@localhost")
SERVICES="Intake:5101 Notification:5102 Escalation:5103 Audit:5104"
BUS_USERS="intake notification escalation audit test admin"
DB_ROLES="intake notification escalation audit"

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

apt_install() {
  say "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    APT_UPDATED=1
  fi
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null
}

ensure_packages() {
  local missing=()
  [ -x /usr/sbin/rabbitmq-server ] || missing+=(rabbitmq-server)
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
  command -v psql >/dev/null || missing+=(postgresql-client-15)
  for tool in openssl curl jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
    # The packages' own services would hold the default ports: we run our own instances instead.
    service rabbitmq-server stop >/dev/null 2>&1 || true
    pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
  fi
  command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is required"
}

# A secret is created once and never overwritten: restarting must not lock anyone out.
secret() {
  local file="$SECRETS/$1"
  [ -s "$file" ] || { (umask 077; openssl rand -hex 24 > "$file"); }
  cat "$file"
}

ensure_secrets() {
  mkdir -p "$SECRETS" && chmod 700 "$SECRETS"
  secret pg-owner.password >/dev/null
  for role in $DB_ROLES; do secret "pg-$role.password" >/dev/null; done
  for user in $BUS_USERS; do secret "rabbitmq-$user.password" >/dev/null; done
  [ -s "$SECRETS/jwt-signing.key" ] || (umask 077; openssl rand -base64 32 > "$SECRETS/jwt-signing.key")
  [ -s "$SECRETS/fingerprint.key" ] || (umask 077; openssl rand -base64 32 > "$SECRETS/fingerprint.key")
  [ -s "$SECRETS/checkpoint-signing.pem" ] || (umask 077;
    openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$SECRETS/checkpoint-signing.pem")
}

as_postgres() { runuser -u postgres -- "$@"; }

pg_superuser() { as_postgres psql -h "$PG_SOCKET" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

start_postgres() {
  mkdir -p "$LOCAL/pg" "$LOCAL/logs"
  chown postgres:postgres "$LOCAL/pg"
  touch "$LOCAL/logs/postgres.log" && chown postgres:postgres "$LOCAL/logs/postgres.log"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "initialising PostgreSQL in $PG_DATA"
    local pwfile; pwfile=$(mktemp) && secret pg-owner.password > "$pwfile" && chown postgres "$pwfile"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
    rm -f "$pwfile"
  fi
  mkdir -p "$PG_SOCKET" && chown postgres:postgres "$PG_SOCKET"
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOCAL/logs/postgres.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCKET -c max_connections=400 -c shared_buffers=256MB" >/dev/null
  fi
  local i; for i in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL did not start; see $LOCAL/logs/postgres.log"
  # The superuser's password follows the secret, so the tests' admin connection works over TCP.
  pg_superuser -c "alter role postgres password '$(secret pg-owner.password)'"
  pg_superuser -c "select 1 from pg_roles where rolname = 'audit_owner'" | grep -q 1 ||
    pg_superuser -c "create role audit_owner login createdb"
  pg_superuser -c "alter role audit_owner password '$(secret pg-owner.password)'"
  for role in $DB_ROLES; do
    pg_superuser -c "select 1 from pg_roles where rolname = 'audit_$role'" | grep -q 1 ||
      pg_superuser -c "create role audit_$role login"
    pg_superuser -c "alter role audit_$role password '$(secret "pg-$role.password")'"
  done
  pg_superuser -c "select 1 from pg_database where datname = 'auditplatform'" | grep -q 1 ||
    pg_superuser -c "create database auditplatform owner audit_owner"
}

rabbit_env() {
  export HOME="$RABBIT_HOME" \
    RABBITMQ_NODENAME="$RABBIT_NODE" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBIT_PORT" \
    RABBITMQ_CONFIG_FILE="$RABBIT_HOME/rabbitmq" \
    RABBITMQ_MNESIA_BASE="$RABBIT_HOME/mnesia" \
    RABBITMQ_LOG_BASE="$LOCAL/logs/rabbitmq" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_HOME/enabled_plugins"
}

# RabbitMQ runs as root with HOME under .local/, so its Erlang cookie lives there and rabbitmqctl,
# given the same environment, talks to this node and to no system one.
rabbitmqctl_local() { ( rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBIT_NODE" -q "$@" ); }

start_rabbitmq() {
  mkdir -p "$RABBIT_HOME" "$LOCAL/logs/rabbitmq"
  cat > "$RABBIT_HOME/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_UI_PORT
CONF
  echo '[rabbitmq_management].' > "$RABBIT_HOME/enabled_plugins"
  if ! rabbitmqctl_local ping >/dev/null 2>&1; then
    say "starting RabbitMQ on 127.0.0.1:$RABBIT_PORT (management on $RABBIT_UI_PORT)"
    ( rabbit_env; setsid /usr/lib/rabbitmq/bin/rabbitmq-server > "$LOCAL/logs/rabbitmq/console.log" 2>&1 < /dev/null & )
  fi
  # The node answers ping before the broker inside it has started: wait for the broker itself.
  local i; for i in $(seq 1 120); do rabbitmqctl_local list_vhosts >/dev/null 2>&1 && break; sleep 1; done
  rabbitmqctl_local list_vhosts >/dev/null 2>&1 || die "RabbitMQ did not start; see $LOCAL/logs/rabbitmq/"
  rabbitmqctl_local list_vhosts | grep -qx audit || rabbitmqctl_local add_vhost audit
  rabbitmqctl_local list_users | grep -q '^guest' && rabbitmqctl_local delete_user guest
  local user
  for user in $BUS_USERS; do
    rabbitmqctl_local list_users | awk '{print $1}' | grep -qx "$user" || rabbitmqctl_local add_user "$user" "$(secret "rabbitmq-$user.password")"
    rabbitmqctl_local change_password "$user" "$(secret "rabbitmq-$user.password")"
  done
  rabbitmqctl_local set_user_tags admin administrator
  rabbitmqctl_local set_user_tags test administrator
  rabbitmqctl_local set_permissions -p / admin '.*' '.*' '.*'
  rabbitmqctl_local set_permissions -p audit admin '.*' '.*' '.*'
  rabbitmqctl_local set_permissions -p audit test '.*' '.*' '.*'
  local svc
  for svc in intake notification escalation audit; do bus_permissions "$svc"; done
  for user in US-FBI US-DHS; do ensure_integrator "$user"; done
  local i; for i in $(seq 1 60); do
    curl -fsS -u "admin:$(secret rabbitmq-admin.password)" http://127.0.0.1:$RABBIT_UI_PORT/api/overview >/dev/null 2>&1 && return 0
    sleep 1
  done
  die "the RabbitMQ management API did not answer on 127.0.0.1:$RABBIT_UI_PORT"
}

# Which contract messages each service consumes and publishes: its RabbitMQ user may read (bind) only the
# first and write only the second, besides its own queues and exchanges (named "<service>-...").
bus_consumes() {
  case "$1" in
    intake) echo "RecordDisclosure|ReportBreach|SuspendSharing|RestoreSharing" ;;
    notification) echo "PartnerRegistered|DisclosureRecorded|BreachReported|SharingSuspended|SharingRestored|AcknowledgeNotice|RecordPartnerResponse" ;;
    escalation) echo "BreachReported|HandlingDeadlineMissed|DiplomaticResponseRecorded|SharingSuspended|SharingRestored|PartnerRegistered|EscalationOpened" ;;
    audit) echo "CheckpointSigned" ;;
  esac
}
bus_publishes() {
  case "$1" in
    intake) echo "PartnerRegistered|SharingSuspended|SharingRestored|DisclosureRecorded|SharingBlocked|BreachReported|HandlingDeadlineMissed" ;;
    notification) echo "PartnerNotified|NoticeAcknowledged|DiplomaticResponseRecorded|NoticeDeliveryFailed" ;;
    escalation) echo "EscalationOpened|EscalationRaised|EscalationResolved|EscalationAcknowledged|EscalationAssigned|EscalationNoted|SuspendSharing|RestoreSharing" ;;
    audit) echo "CheckpointSigned" ;;
  esac
}

bus_permissions() {
  local svc=$1 own contracts
  # Own queues and exchanges, the bus instance's temporary endpoint, and MassTransit's fault exchanges.
  own="$svc-.*|.*_bus_.*|MassTransit:Fault--.*"
  contracts="AuditPlatform\\.Contracts:"
  local configure="^($own|$contracts($(bus_consumes "$svc")|$(bus_publishes "$svc")))\$"
  local write="^($own|$contracts($(bus_publishes "$svc")))\$"
  local read="^($own|$contracts($(bus_consumes "$svc")))\$"
  # Notification delivers notices to the partners' queues through the default exchange.
  if [ "$svc" = notification ]; then
    configure="^($own|partner\\..*|$contracts($(bus_consumes "$svc")|$(bus_publishes "$svc")))\$"
    write="^($own|amq\\.default|$contracts($(bus_publishes "$svc")))\$"
  fi
  rabbitmqctl_local set_permissions -p audit "$svc" "$configure" "$write" "$read"
}

# An integrator may publish the commands partners send and read its own partner queue, nothing else.
ensure_integrator() {
  local partner=$1 user="partner-$1"
  rabbitmqctl_local list_users | awk '{print $1}' | grep -qx "$user" || rabbitmqctl_local add_user "$user" "$(secret "rabbitmq-$user.password")"
  rabbitmqctl_local change_password "$user" "$(secret "rabbitmq-$user.password")"
  rabbitmqctl_local set_permissions -p audit "$user" '^$' \
    '^AuditPlatform\.Contracts:(RecordDisclosure|RecordPartnerResponse|AcknowledgeNotice)$' "^partner\\.$partner\$"
}

ensure_local_feed() {
  mkdir -p "$ROOT/deploy/nuget-local"
  if ! ls "$ROOT/deploy/nuget-local/" 2>/dev/null | grep -qi '^patched.distributedlock.postgres.1.3.3.nupkg$'; then
    say "packing the local Patched.DistributedLock.Postgres stand-in (see README, Restoring Marten)"
    rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/patched.distributedlock.postgres"
    dotnet pack "$ROOT/build/Patched.DistributedLock.Postgres/Patched.DistributedLock.Postgres.csproj" \
      -c Release -o "$ROOT/deploy/nuget-local" -nologo -v quiet >/dev/null
  fi
}

write_env() {
  local owner; owner=$(secret pg-owner.password)
  cat > "$LOCAL/env" <<ENV
# Written by deploy/local; source it to talk to the local platform.
export AUDIT_PG="Host=127.0.0.1;Port=$PG_PORT;Database=auditplatform;Username=audit_owner;Password=$owner"
export AUDIT_PG_ADMIN="Host=127.0.0.1;Port=$PG_PORT;Database=postgres;Username=postgres;Password=$owner"
export AUDIT_RABBITMQ="amqp://test:$(secret rabbitmq-test.password)@127.0.0.1:$RABBIT_PORT/audit"
export AUDIT_RABBITMQ_ADMIN="http://admin:$(secret rabbitmq-admin.password)@127.0.0.1:$RABBIT_UI_PORT"
export AUDIT_SECRETS="$SECRETS"
ENV
  chmod 600 "$LOCAL/env"
}

owner_connection() {
  echo "Host=127.0.0.1;Port=$PG_PORT;Database=auditplatform;Username=audit_owner;Password=$(secret pg-owner.password)"
}

# Grants and the append-only trigger, re-applied after every migration (deploy/sql/least-privilege.sql).
apply_least_privilege() {
  PGPASSWORD=$(secret pg-owner.password) psql -h 127.0.0.1 -p "$PG_PORT" -U audit_owner -d auditplatform \
    -v ON_ERROR_STOP=1 -q -f "$ROOT/deploy/sql/least-privilege.sql" >/dev/null
}

# The environment of one service, as up.sh starts it: its own database role and bus user.
service_env() {
  local svc=$1
  cat <<ENV
ConnectionStrings__Ledger=Host=127.0.0.1;Port=$PG_PORT;Database=auditplatform;Username=audit_$svc;Password=$(secret "pg-$svc.password")
ConnectionStrings__Bus=amqp://$svc:$(secret "rabbitmq-$svc.password")@127.0.0.1:$RABBIT_PORT/audit
Auth__SigningKeyFile=$SECRETS/jwt-signing.key
Intake__FingerprintKeyFile=$SECRETS/fingerprint.key
Audit__SigningKeyFile=$SECRETS/checkpoint-signing.pem
ESCALATION_POLICY=$ROOT/deploy/policy/escalation.json
ASPNETCORE_ENVIRONMENT=Production
DOTNET_ENVIRONMENT=Production
ENV
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# An HS256 development token, signed with the key the services trust locally.
mint_token() {
  local role=$1 partner=${2:-}
  case "$role" in operator|compliance|integrator|admin) ;; *) die "role must be operator, compliance, integrator or admin";; esac
  if [ "$role" = integrator ]; then
    [[ "$partner" =~ ^[A-Z0-9][A-Z0-9-]{1,31}$ ]] || die "an integrator token needs a partner code, e.g. US-FBI"
  fi
  local now sub claims header payload key signature
  now=$(date +%s)
  sub="dev-$role${partner:+-$partner}"
  claims="\"sub\":\"$sub\",\"role\":\"$role\""
  [ -n "$partner" ] && claims="$claims,\"partner\":\"$partner\""
  header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
  payload=$(printf '{%s,"iss":"auditplatform-local","aud":"auditplatform","iat":%d,"nbf":%d,"exp":%d}' "$claims" "$now" "$now" $((now + 43200)) | b64url)
  key=$(openssl base64 -d -A < "$SECRETS/jwt-signing.key" | od -An -v -tx1 | tr -d ' \n')
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | b64url)
  printf '%s.%s.%s\n' "$header" "$payload" "$signature"
}

infrastructure() {
  ensure_packages
  ensure_secrets
  start_postgres
  start_rabbitmq
  ensure_local_feed
  write_env
}
