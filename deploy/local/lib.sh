# Shared by up.sh, test.sh, down.sh, token.sh and psql.sh: install what is missing, keep secrets and
# data under .local/, and run PostgreSQL and RabbitMQ on loopback as the platform's own instances.
# shellcheck shell=bash

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LOCAL="$ROOT/.local"
SECRETS="$LOCAL/secrets"
# The ports this checkout's servers and services were last started on (write_env keeps them in .local/ports), so
# down.sh, token.sh, bench.sh and the next up.sh or test.sh find the same instances without being told again.
# A port given in the environment wins.
PORT_SETTINGS="AUDIT_PG_PORT AUDIT_RABBITMQ_PORT AUDIT_INTAKE_PORT AUDIT_NOTIFICATION_PORT AUDIT_ESCALATION_PORT AUDIT_AUDIT_PORT AUDIT_WITNESS_PORT"
if [ -f "$LOCAL/ports" ]; then
  while IFS='=' read -r _name _value; do
    case " $PORT_SETTINGS " in *" $_name "*) ;; *) continue ;; esac
    [[ "$_value" =~ ^[0-9]+$ ]] || continue
    [ -n "${!_name:-}" ] || printf -v "$_name" '%s' "$_value"
  done < "$LOCAL/ports"
  unset _name _value
fi
# Every setting below can be given in the environment (settings_help lists them with their defaults): ports can be
# moved to run a second copy beside a running one, and the keys and the policy can come from files of your own.
PG_PORT=${AUDIT_PG_PORT:-55432}
RABBIT_PORT=${AUDIT_RABBITMQ_PORT:-5672}
RABBIT_UI_PORT=$((RABBIT_PORT + 10000))
RABBIT_DIST_PORT=$((RABBIT_PORT + 20000))   # Erlang distribution: RabbitMQ's default, AMQP port + 20000
PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA="$LOCAL/pg/data"
PG_SOCKET="$LOCAL/pg/run"
RABBIT_HOME="$LOCAL/rabbitmq"
RABBIT_NODE=$([ "$RABBIT_PORT" = 5672 ] && echo audit@localhost || echo "audit$RABBIT_PORT@localhost")
RABBIT_BIN=/usr/lib/rabbitmq/bin
RABBIT_PLUGINS=rabbitmq_management   # the enabled plugins (the management API: queue depths, users, alarms)
RABBIT_CONF_EXTRA=""                 # more rabbitmq.conf lines (cluster.sh: partition handling)
# The ports the services' images expose (deploy/check-manifests.sh reads this line); each can be moved locally.
DEFAULT_SERVICE_PORTS="Intake:5101 Notification:5102 Escalation:5103 Audit:5104"
SERVICES="Intake:${AUDIT_INTAKE_PORT:-5101} Notification:${AUDIT_NOTIFICATION_PORT:-5102} Escalation:${AUDIT_ESCALATION_PORT:-5103} Audit:${AUDIT_AUDIT_PORT:-5104}"
BUS_USERS="intake notification escalation audit test admin"
# up.sh runs one witness beside the platform, as a partner agency would run its own: it cosigns Audit's checkpoints.
WITNESS_PORT=${AUDIT_WITNESS_PORT:-5105}
WITNESS_NAME=witness.local/w1
AUDIT_ORIGIN=auditplatform.local/ledger
DB_ROLES="intake notification escalation audit"

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
# Whether process <pid> runs. A process that has exited but not yet been reaped (a zombie) does not: an orphan's
# parent is PID 1, which on some machines reaps every two seconds or so, and `kill -0` answers for a zombie too, so
# waits on a broker's or Patroni's exit used to last up to two seconds longer than the process.
running() { local state; state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1; [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# A file named in the environment, made absolute (the services run in services/<Name>), or the default.
#   setting_file <value or empty> <default>
setting_file() { if [ -n "$1" ]; then realpath -m -- "$1"; else echo "$2"; fi; }
# The service's own configuration names (Auth__SigningKeyFile, ...) are honoured too, under the AUDIT_ ones.
JWT_KEY_FILE=$(setting_file "${AUDIT_JWT_KEY_FILE:-${Auth__SigningKeyFile:-}}" "$SECRETS/jwt-signing.key")
FINGERPRINT_KEY_FILE=$(setting_file "${AUDIT_FINGERPRINT_KEY_FILE:-${Intake__FingerprintKeyFile:-}}" "$SECRETS/fingerprint.key")
CHECKPOINT_KEY_FILE=$(setting_file "${AUDIT_CHECKPOINT_KEY_FILE:-${Audit__SigningKeyFile:-}}" "$SECRETS/checkpoint-signing.pem")
NOTE_KEY_FILE=$(setting_file "${AUDIT_CHECKPOINT_NOTE_KEY_FILE:-${Audit__NoteKeyFile:-}}" "$SECRETS/checkpoint-note.pem")
WEBHOOK_KEY_FILE=$(setting_file "${AUDIT_WEBHOOK_KEY_FILE:-${Notification__SecretKeyFile:-}}" "$SECRETS/webhook-secrets.key")
POLICY_FILE=$(setting_file "${ESCALATION_POLICY:-}" "$ROOT/deploy/policy/escalation.json")

# The port of a service (Intake, ...) as SERVICES has it.
service_port() { local entry; for entry in $SERVICES; do [ "${entry%%:*}" != "$1" ] || { echo "${entry##*:}"; return 0; }; done; return 1; }

# The settings read from the environment, each with its default and the value in effect now; for --help.
settings_help() {
  local row
  echo "Settings, taken from the environment when set:"
  while IFS='|' read -r -a row; do
    printf '  %-31s %s\n  %-31s default %s; now %s\n' "${row[0]}" "${row[1]}" "" "${row[2]}" "${row[3]}"
  done <<ROWS
AUDIT_PG_PORT|PostgreSQL port|55432|$PG_PORT
AUDIT_RABBITMQ_PORT|RabbitMQ AMQP port (management UI on it + 10000)|5672|$RABBIT_PORT
AUDIT_INTAKE_PORT|Intake HTTP port|5101|$(service_port Intake)
AUDIT_NOTIFICATION_PORT|Notification HTTP port|5102|$(service_port Notification)
AUDIT_ESCALATION_PORT|Escalation HTTP port (operators' dashboard)|5103|$(service_port Escalation)
AUDIT_AUDIT_PORT|Audit HTTP port (compliance page)|5104|$(service_port Audit)
AUDIT_WITNESS_PORT|the local witness's HTTP port (it cosigns Audit's checkpoints)|5105|$WITNESS_PORT
ESCALATION_POLICY|escalation policy file (Escalation's ladder)|deploy/policy/escalation.json|$POLICY_FILE
AUDIT_JWT_KEY_FILE|development token signing key, base64 of 32 bytes (or Auth__SigningKeyFile)|.local/secrets/jwt-signing.key|$JWT_KEY_FILE
AUDIT_FINGERPRINT_KEY_FILE|fingerprint key, base64 (or Intake__FingerprintKeyFile)|.local/secrets/fingerprint.key|$FINGERPRINT_KEY_FILE
AUDIT_CHECKPOINT_KEY_FILE|checkpoint signing key, P-256 PKCS#8 PEM (or Audit__SigningKeyFile)|.local/secrets/checkpoint-signing.pem|$CHECKPOINT_KEY_FILE
AUDIT_CHECKPOINT_NOTE_KEY_FILE|checkpoint note key, Ed25519 PKCS#8 PEM (or Audit__NoteKeyFile)|.local/secrets/checkpoint-note.pem|$NOTE_KEY_FILE
AUDIT_WEBHOOK_KEY_FILE|key Notification seals webhook secrets with, base64 of 32 bytes (or Notification__SecretKeyFile)|.local/secrets/webhook-secrets.key|$WEBHOOK_KEY_FILE
ROWS
  echo "Keys under .local/secrets/ are made on first use; a file named in a setting must already exist."
}

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
  local missing=() tool
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || missing+=(rabbitmq-server)
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
  [ -x "$PG_BIN/psql" ] || missing+=(postgresql-client-15)
  for tool in openssl curl jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  command -v ss >/dev/null || missing+=(iproute2)   # ss: who holds our ports
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
    # The packages start their own services where they can, on the default ports: we run our own instances.
    service rabbitmq-server stop >/dev/null 2>&1 || true
    pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
  fi
  stop_debian_services
  command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is required"
}

# The Debian packages' own services (cluster 15/main on 5432, node rabbit@<host> on 5672) start on install
# where policy-rc.d allows it: we run our own instances, so theirs must not keep running.
stop_debian_services() {
  if [ -n "$(pg_lsclusters -h 2>/dev/null | awk '$1 == "15" && $2 == "main" && $4 ~ /^online/')" ]; then
    say "stopping Debian's own PostgreSQL cluster 15/main"
    pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
  fi
  if [ -s /var/run/rabbitmq/pid ] && running "$(cat /var/run/rabbitmq/pid)"; then
    say "stopping Debian's own RabbitMQ service"
    service rabbitmq-server stop >/dev/null 2>&1 || true
  fi
}

# A secret is created once and never overwritten: restarting must not lock anyone out.
# Passwords are hex, so they need no escaping in connection strings, URLs or SQL.
secret() {
  local file="$SECRETS/$1"
  [ -d "$SECRETS" ] || die "no secrets under $SECRETS yet: run deploy/local/up.sh (or test.sh) first"
  [ -s "$file" ] || { (umask 077; openssl rand -hex 24 > "$file"); }
  cat "$file"
}

ensure_secrets() {
  mkdir -p "$SECRETS" && chmod 700 "$SECRETS"
  secret pg-owner.password >/dev/null
  local name
  for name in $DB_ROLES; do secret "pg-$name.password" >/dev/null; done
  for name in $BUS_USERS; do secret "rabbitmq-$name.password" >/dev/null; done
  [ -s "$SECRETS/jwt-signing.key" ] || (umask 077; openssl rand -base64 32 > "$SECRETS/jwt-signing.key")
  [ -s "$SECRETS/fingerprint.key" ] || (umask 077; openssl rand -base64 32 > "$SECRETS/fingerprint.key")
  # Notification seals partners' webhook secrets with this key; no other service gets it.
  [ -s "$SECRETS/webhook-secrets.key" ] || (umask 077; openssl rand -base64 32 > "$SECRETS/webhook-secrets.key")
  [ -s "$SECRETS/checkpoint-signing.pem" ] || (umask 077;
    openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$SECRETS/checkpoint-signing.pem")
  # Audit signs checkpoints as C2SP signed notes with this Ed25519 key (docs/services/audit.md).
  [ -s "$SECRETS/checkpoint-note.pem" ] || (umask 077; openssl genpkey -algorithm ed25519 -out "$SECRETS/checkpoint-note.pem")
  # The local witness's Ed25519 key (its cosignatures; docs/services/witness.md).
  [ -s "$SECRETS/witness.pem" ] || (umask 077; openssl genpkey -algorithm ed25519 -out "$SECRETS/witness.pem")
  chmod 600 "$SECRETS"/*
  check_setting_files
}

# Files named in the environment are used as they are, never made up: a missing one is a mistake worth stopping for.
check_setting_files() {
  local file
  for file in "$JWT_KEY_FILE" "$FINGERPRINT_KEY_FILE" "$CHECKPOINT_KEY_FILE" "$NOTE_KEY_FILE" "$WEBHOOK_KEY_FILE" "$POLICY_FILE"; do
    [ -s "$file" ] || die "$file does not exist or is empty (see --help for the settings that name it)"
  done
}

# --- Our fixed ports -----------------------------------------------------------------------------
# Another checkout of this project (a CI clone next to a developer's tree, say) may still run its
# own PostgreSQL and RabbitMQ on the same fixed ports. Left alone, ours would fail to bind.

port_holder() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true; }

# The checkout whose instance a process is: postgres runs in its data dir, RabbitMQ has its mnesia base
# in its environment, and up.sh starts each service in services/<Name>.
checkout_of() {
  local pid=$1 path
  path=$( { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | sed -n 's/^RABBITMQ_MNESIA_BASE=//p' | head -1 || true)
  [ -n "$path" ] || path=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
  path=${path% (deleted)}
  case "$path" in
    */.local/pg/data|*/.local/rabbitmq/mnesia) echo "${path%/.local/*}" ;;
    */services/*) grep -qa 'AuditPlatform\.' "/proc/$pid/cmdline" 2>/dev/null || return 1
                  echo "${path%/services/*}" ;;
    *) return 1 ;;
  esac
}

# Keeps a port a server of this checkout listens on out of the kernel's ephemeral range: PostgreSQL's 55432 (and the
# cluster's members, Patroni and etcd) lie inside it (32768-60999 by default), and an outgoing connection that happened
# to be given it as its own end (a service's to the broker, say) would stop PostgreSQL from listening on it again when
# it restarts. Root only, and only until the machine restarts; nothing else on the machine uses these ports.
reserve_port() {
  local port=$1 file=/proc/sys/net/ipv4/ip_local_reserved_ports low high entry reserved
  [ -w "$file" ] || return 0
  read -r low high < /proc/sys/net/ipv4/ip_local_port_range || return 0
  [ "$port" -ge "$low" ] && [ "$port" -le "$high" ] || return 0
  reserved=$(cat "$file")
  for entry in ${reserved//,/ }; do
    [ "$port" -ge "${entry%-*}" ] && [ "$port" -le "${entry#*-}" ] && return 0
  done
  echo "${reserved:+$reserved,}$port" > "$file" 2>/dev/null || true
}

# Called only when our own instance is not running. If another checkout's instance holds the port:
# in CI, or when that checkout is gone (an orphan), stop it; otherwise say exactly how to stop it.
claim_port() {
  local port=$1 pid other
  reserve_port "$port"
  pid=$(port_holder "$port")
  [ -n "$pid" ] || return 0
  other=$(checkout_of "$pid") || other=""
  if [ -n "$other" ] && [ "$other" != "$ROOT" ]; then
    if [ -f "$other/deploy/local/down.sh" ]; then
      [ -n "${CI:-}" ] ||
        die "port $port is held by the AuditPlatform instance of $other; stop it with: $other/deploy/local/down.sh"
      say "stopping the AuditPlatform instance of $other, which holds port $port"
      bash "$other/deploy/local/down.sh" >/dev/null || true
    elif [ ! -d "$other" ]; then
      say "stopping an orphaned AuditPlatform process (pid $pid, of the deleted checkout $other) on port $port"
      # SIGINT is PostgreSQL's fast shutdown; the Erlang VM ignores SIGINT here and stops cleanly on SIGTERM.
      if grep -qa '/postgres' "/proc/$pid/cmdline" 2>/dev/null; then kill -INT "$pid"; else kill -TERM "$pid"; fi 2>/dev/null || true
    fi
    # Wait for the process itself, not just the port: an Erlang VM that is shutting down still holds
    # its distribution port (25672) and node name for a while after it let go of 5672.
    local _i; for _i in $(seq 1 30); do running "$pid" || break; sleep 1; done
    if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 1; fi
  fi
  pid=$(port_holder "$port")
  [ -z "$pid" ] || die "port $port is in use by pid $pid: $( { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-160)"
}

# --- PostgreSQL ----------------------------------------------------------------------------------

# PostgreSQL refuses to run as root: initdb, pg_ctl and the superuser's psql run as the postgres user.
as_postgres() { runuser -u postgres -- "$@"; }

pg_running() { [ -s "$PG_DATA/PG_VERSION" ] && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

pg_superuser() { as_postgres "$PG_BIN/psql" -h "$PG_SOCKET" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

start_postgres() {
  mkdir -p "$LOCAL/pg" "$LOCAL/logs"
  chown postgres:postgres "$LOCAL/pg"
  if ! runuser -u postgres -- test -x "$LOCAL/pg"; then
    # A clone inside a private directory (mktemp -d makes them 0700): let others pass through, not list or read.
    local dir="$LOCAL"
    while [ "$dir" != / ]; do
      dir=$(dirname "$dir")
      [ "$(stat -c %A "$dir" | cut -c10)" = x ] || [ "$(stat -c %A "$dir" | cut -c10)" = t ] ||
        { say "letting the postgres user pass through $dir (chmod o+x)"; chmod o+x "$dir"; }
    done
  fi
  runuser -u postgres -- test -x "$LOCAL/pg" ||
    die "the postgres user cannot reach $LOCAL/pg: every parent directory must be world-traversable"
  touch "$LOCAL/logs/postgres.log" && chown postgres:postgres "$LOCAL/logs/postgres.log"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "initialising PostgreSQL in $PG_DATA"
    rm -rf "$PG_DATA"   # a half-made data dir from an interrupted initdb
    local pwfile; pwfile=$(mktemp) && secret pg-owner.password > "$pwfile" && chown postgres "$pwfile"
    # Passwords (SCRAM) over TCP; trust only on the unix socket, which lives in a directory of ours.
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
    rm -f "$pwfile"
  fi
  mkdir -p "$PG_SOCKET" && chown postgres:postgres "$PG_SOCKET"
  # Our settings in a file of their own, included from postgresql.conf, so any restart keeps them.
  # fsync stays on: the ledger's tests are about durability.
  cat > "$PG_DATA/auditplatform.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET'
max_connections = 400
shared_buffers = 256MB
# Statement statistics for the benchmark's profile (deploy/local/bench.sh); a few percent of CPU at most.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
pg_stat_statements.track_utility = on
CONF
  chown postgres:postgres "$PG_DATA/auditplatform.conf"
  grep -qx "include_if_exists = 'auditplatform.conf'" "$PG_DATA/postgresql.conf" ||
    echo "include_if_exists = 'auditplatform.conf'" >> "$PG_DATA/postgresql.conf"
  if ! pg_running; then
    claim_port "$PG_PORT"
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOCAL/logs/postgres.log" -w -t 60 start >/dev/null ||
      { tail -20 "$LOCAL/logs/postgres.log" >&2; die "PostgreSQL did not start; see $LOCAL/logs/postgres.log"; }
  fi
  local i; for i in $(seq 1 60); do "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 1; done
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL does not answer; see $LOCAL/logs/postgres.log"

  ensure_roles
}

# Roles and the database, idempotently, in one session over stdin (no password on a command line); also used by
# cluster.sh on its primary.
ensure_roles() {
  # The superuser's password follows the secret too: the tests' admin connection uses it over TCP.
  local owner role sql
  owner=$(secret pg-owner.password)
  sql="alter role postgres password '$owner';
do \$\$ begin
  if not exists (select from pg_roles where rolname = 'audit_owner') then create role audit_owner; end if;"
  for role in $DB_ROLES; do
    sql+="
  if not exists (select from pg_roles where rolname = 'audit_$role') then create role audit_$role; end if;"
  done
  sql+="
end \$\$;
alter role audit_owner login createdb password '$owner';"
  for role in $DB_ROLES; do
    sql+="
alter role audit_$role login password '$(secret "pg-$role.password")';"
  done
  sql+="
select 'create database auditplatform owner audit_owner'
  where not exists (select from pg_database where datname = 'auditplatform') \\gexec
alter database auditplatform owner to audit_owner;"
  printf '%s\n' "$sql" | pg_superuser >/dev/null
}

# --- RabbitMQ ------------------------------------------------------------------------------------
# Debian's /usr/sbin/rabbitmq-server and rabbitmqctl are wrappers that switch to the rabbitmq user and
# /var/lib/rabbitmq. We call the real scripts in $RABBIT_BIN as root instead, with HOME under .local/:
# Erlang creates its cookie in $HOME/.erlang.cookie on first start, and rabbitmqctl, run with the same
# HOME, reads the same cookie, so it talks to this node and to no system one.
rabbit_env() {
  export HOME="$RABBIT_HOME" \
    RABBITMQ_NODENAME="$RABBIT_NODE" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBIT_PORT" \
    RABBITMQ_CONFIG_FILE="$RABBIT_HOME/rabbitmq" \
    RABBITMQ_MNESIA_BASE="$RABBIT_HOME/mnesia" \
    RABBITMQ_PID_FILE="$RABBIT_HOME/mnesia/$RABBIT_NODE.pid" \
    RABBITMQ_LOG_BASE="$LOCAL/logs/rabbitmq" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_HOME/enabled_plugins" \
    RABBITMQ_PLUGINS_DIR="$RABBIT_HOME/plugins" \
    ERL_CRASH_DUMP="$LOCAL/logs/rabbitmq/erl_crash.dump" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  # (RABBITMQ_CONFIG_FILE without extension: RabbitMQ 3.10 adds .conf; its log lists the file it read.
  #  ERL_EPMD_ADDRESS and inet_dist_use_interface keep Erlang distribution on loopback too.)
}

# stdin from /dev/null: the Erlang CLI would otherwise swallow the input of a surrounding read loop.
rabbitmqctl_local() { ( rabbit_env; "$RABBIT_BIN/rabbitmqctl" -n "$RABBIT_NODE" -q "$@" < /dev/null ); }

# The pid of this checkout's node's Erlang VM while it runs, from its pid file (a stale file must not name whatever
# reused the number); fails when the node is not running.
rabbit_pid() {
  local pid
  pid=$(cat "$RABBIT_HOME/mnesia/$RABBIT_NODE.pid" 2>/dev/null) && [[ "$pid" =~ ^[0-9]+$ ]] && running "$pid" &&
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "RABBITMQ_NODENAME=$RABBIT_NODE" && echo "$pid"
}

# Accepts a TCP connection on 127.0.0.1:<port> (bash's /dev/tcp: no process to start, unlike rabbitmqctl).
port_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The broker loads every module of every application in its plugins directory while it boots (its feature-flag
# scan), enabled or not: Debian's package ships 70 of them. The node reads a directory of links instead, to the
# enabled plugins and to what they and the broker need (the closure of the applications their .app files list):
# about a seventh of the boot's CPU less, the same plugins running. Made again at each boot, so an upgraded
# package is followed.
link_rabbitmq_plugins() {
  local dir="$RABBIT_HOME/plugins" app seen=" " found
  found=(/usr/lib/rabbitmq/lib/rabbitmq_server-*/plugins)
  [ -d "${found[-1]}" ] || die "RabbitMQ's plugins directory is missing (/usr/lib/rabbitmq/lib/rabbitmq_server-*/plugins)"
  local shipped=${found[-1]}
  rm -rf "$dir"; mkdir -p "$dir"
  local -a todo=(rabbit $RABBIT_PLUGINS)
  while [ ${#todo[@]} -gt 0 ]; do
    app=${todo[0]}; todo=("${todo[@]:1}")
    [[ "$seen" != *" $app "* ]] || continue
    seen+="$app "
    # Applications of Erlang/OTP itself (kernel, ssl, mnesia, ...) are not in the directory.
    found=("$shipped/$app"-[0-9]*)
    [ -d "${found[-1]}" ] || continue
    ln -s "${found[-1]}" "$dir/"
    todo+=($(tr -d ' \n' < "${found[-1]}/ebin/$app.app" |
      grep -o '{\(included_\)\{0,1\}applications,\[[^]]*\]}' | sed 's/.*\[//; s/\]}//; s/,/ /g' || true))
  done
}

# Starts the node if it is not running and waits for the broker in it; what the node keeps (vhost, users,
# permissions) is left as it is. A restart needs only this; start_rabbitmq also provisions.
boot_rabbitmq() {
  mkdir -p "$RABBIT_HOME" "$LOCAL/logs/rabbitmq"
  cat > "$RABBIT_HOME/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_UI_PORT
${RABBIT_CONF_EXTRA}
CONF
  # Plugins are enabled offline, through the file the node reads at boot.
  echo "[${RABBIT_PLUGINS// /,}]." > "$RABBIT_HOME/enabled_plugins"
  link_rabbitmq_plugins
  local started=""
  # (rabbitmqctl ping only when something answers on the port: a node without our pid file, started elsewhere.)
  if ! rabbit_pid >/dev/null && ! { port_accepts "$RABBIT_PORT" && rabbitmqctl_local ping >/dev/null 2>&1; }; then
    claim_port "$RABBIT_PORT"
    claim_port "$RABBIT_UI_PORT"
    claim_port "$RABBIT_DIST_PORT"
    say "starting RabbitMQ $RABBIT_NODE on 127.0.0.1:$RABBIT_PORT (management on $RABBIT_UI_PORT)"
    local server
    server=$( rabbit_env; cd "$RABBIT_HOME" || exit 1
              setsid "$RABBIT_BIN/rabbitmq-server" > "$LOCAL/logs/rabbitmq/$RABBIT_NODE.console.log" 2>&1 < /dev/null & echo $! )
    # The AMQP listener opens at the end of the broker's boot. Each rabbitmqctl starts an Erlang VM (a second or
    # more on a busy machine), so the wait looks at the port, ten times a second, and asks rabbitmqctl once after.
    local _i; for _i in $(seq 1 1200); do
      port_accepts "$RABBIT_PORT" && { started=1; break; }
      running "$server" || { tail -30 "$LOCAL/logs/rabbitmq/$RABBIT_NODE.console.log" >&2; die "RabbitMQ exited; see $LOCAL/logs/rabbitmq/"; }
      sleep 0.1
    done
  fi
  # A node started here has booted once its AMQP listener accepts (the broker opens it last). One that was already
  # running answers ping before the broker inside it has booted: wait for the broker itself.
  [ -n "$started" ] || rabbitmqctl_local await_startup --timeout 120 >/dev/null ||
    die "RabbitMQ did not start; see $LOCAL/logs/rabbitmq/"
}

start_rabbitmq() {
  boot_rabbitmq

  local vhosts users user vhost
  vhosts=$(rabbitmqctl_local list_vhosts name --no-table-headers)
  grep -qx audit <<<"$vhosts" || rabbitmqctl_local add_vhost audit >/dev/null
  users=$(rabbitmqctl_local list_users --no-table-headers | awk '{print $1}')
  # The well-known guest/guest account must not exist, even on loopback.
  if grep -qx guest <<<"$users"; then rabbitmqctl_local delete_user guest >/dev/null; fi
  for user in $BUS_USERS; do
    if grep -qx "$user" <<<"$users"; then
      rabbitmqctl_local change_password "$user" "$(secret "rabbitmq-$user.password")" >/dev/null
    else
      rabbitmqctl_local add_user "$user" "$(secret "rabbitmq-$user.password")" >/dev/null
    fi
  done
  # admin and test are administrators: the tests make throwaway vhosts through the management API.
  rabbitmqctl_local set_user_tags admin administrator >/dev/null
  rabbitmqctl_local set_user_tags test administrator >/dev/null
  # admin gets every vhost that exists now (the management API grants it the ones it creates later).
  while IFS= read -r vhost; do
    rabbitmqctl_local set_permissions -p "$vhost" admin '.*' '.*' '.*' >/dev/null
  done < <(rabbitmqctl_local list_vhosts name --no-table-headers)
  rabbitmqctl_local set_permissions -p audit test '.*' '.*' '.*' >/dev/null
  # The services' users get only what their contracts need; integrators only their partner's commands.
  local svc partner
  for svc in intake notification escalation audit; do bus_permissions "$svc"; done
  for partner in US-FBI US-DHS; do ensure_integrator "$partner" "$users"; done

  local _i; for _i in $(seq 1 60); do
    curl -fsS -u "admin:$(secret rabbitmq-admin.password)" "http://127.0.0.1:$RABBIT_UI_PORT/api/overview" >/dev/null 2>&1 && {
      # A fault battery cut short may have left its alarm raised: the node keeps a limit set at runtime until it restarts.
      if ! await_rabbitmq_alarms ok 1; then
        say "RabbitMQ reports a resource alarm; putting its memory and disk limits back to the defaults"
        clear_rabbitmq_alarms
      fi
      return 0
    }
    sleep 1
  done
  die "the RabbitMQ management API did not answer on 127.0.0.1:$RABBIT_UI_PORT"
}

# Which contract messages each service consumes and publishes: its RabbitMQ user may read (bind) only the
# first and write only the second, besides its own queues and exchanges (named "<service>-..."). Both come from
# deploy/bus-permissions.txt, which the services' event tables generate (a test fails when it drifts).
bus_messages() {
  awk -v svc="$1" -v dir="$2" '$1 == svc && $2 == dir { print $3 }' "$ROOT/deploy/bus-permissions.txt" | paste -sd'|' -
}
bus_consumes() { bus_messages "$1" consumes; }
bus_publishes() { bus_messages "$1" publishes; }

# A service's configure, write and read patterns, one a line. It configures (declares) the exchanges of what it
# publishes and consumes, its queues and their _error queues: migrate declares all of them (BusSetup.DeployTopologyAsync).
bus_permission_patterns() {
  local svc=$1 own contracts
  # Own queues and exchanges, the bus instance's temporary endpoint, and MassTransit's fault exchanges.
  own="$svc-.*|.*_bus_.*|MassTransit:Fault--.*"
  contracts="AuditPlatform\\.Contracts:"
  local configure="^($own|$contracts($(bus_consumes "$svc")|$(bus_publishes "$svc")))\$"
  local write="^($own|$contracts($(bus_publishes "$svc")))\$"
  local read="^($own|$contracts($(bus_consumes "$svc")))\$"
  # Intake declares a bus partner's queue before answering its registration, so the partner can subscribe at once;
  # it may neither read nor write it.
  if [ "$svc" = intake ]; then
    configure="^($own|partner\\..*|$contracts($(bus_consumes "$svc")|$(bus_publishes "$svc")))\$"
  fi
  # Notification delivers notices to the partners' queues through the default exchange; it alone may write there
  # (which reaches any queue), so Intake hands its refusal notices (CommandRefused) to Notification instead.
  if [ "$svc" = notification ]; then
    configure="^($own|partner\\..*|$contracts($(bus_consumes "$svc")|$(bus_publishes "$svc")))\$"
    write="^($own|amq\\.default|$contracts($(bus_publishes "$svc")))\$"
  fi
  # Audit sends checkpoints to bus partners' witnesses (docs/services/witness.md): it declares the request exchange
  # and binds each witness.<CODE> queue to it, and binds its own answer queue (audit-...) to the answer exchange.
  if [ "$svc" = audit ]; then
    configure="^($own|audit\\.witness(\\.answers)?|witness\\..+|$contracts($(bus_consumes "$svc")|$(bus_publishes "$svc")))\$"
    write="^($own|audit\\.witness|witness\\..+|$contracts($(bus_publishes "$svc")))\$"
    read="^($own|audit\\.witness(\\.answers)?|$contracts($(bus_consumes "$svc")))\$"
  fi
  printf '%s\n' "$configure" "$write" "$read"
}

bus_permissions() {
  local patterns
  mapfile -t patterns < <(bus_permission_patterns "$1")
  rabbitmqctl_local set_permissions -p audit "$1" "${patterns[@]}" >/dev/null
}

# An integrator's configure, write and read patterns, one a line: it may publish the commands partners send and a
# witness's answers, and read its own partner queue and witness queue, nothing else.
#   integrator_permission_patterns <partner>
integrator_permission_patterns() {
  printf '%s\n' '^$' \
    '^(AuditPlatform\.Contracts:(RecordDisclosure|RecordPartnerResponse|AcknowledgeNotice)|audit\.witness\.answers)$' \
    "^(partner|witness)\\.$1\$"
}

#   ensure_integrator <partner> <existing users, one a line>
ensure_integrator() {
  local partner=$1 existing=$2 user="partner-$1"
  if grep -qx "$user" <<<"$existing"; then
    rabbitmqctl_local change_password "$user" "$(secret "rabbitmq-$user.password")" >/dev/null
  else
    rabbitmqctl_local add_user "$user" "$(secret "rabbitmq-$user.password")" >/dev/null
  fi
  local patterns
  mapfile -t patterns < <(integrator_permission_patterns "$partner")
  rabbitmqctl_local set_permissions -p audit "$user" "${patterns[@]}" >/dev/null
}

# RabbitMQ 3.10's management agent, as its node stops, asks for a last statistics refresh that nothing answers
# any more and waits 5 s for it (fixed upstream in 3.13): most of a graceful stop. Removing its event handler while
# the node still runs makes that refresh at once; the statistics go with the node anyway. A short-lived Erlang node
# makes the call (a quarter of a second; rabbitmqctl would boot the whole CLI). Best effort: the stop goes on
# without it.
detach_rabbitmq_statistics() {
  ( rabbit_env
    timeout 15 erl -noshell -sname "stopping-$$@localhost" -kernel inet_dist_use_interface '{127,0,0,1}' \
      -eval "rpc:call('$RABBIT_NODE', gen_event, delete_handler, [rabbit_event, rabbit_mgmt_db_handler, stop], 5000), halt()." ) \
    > /dev/null 2>&1 < /dev/null || true
}

stop_rabbitmq() {
  local pid _i
  # SIGTERM is the broker's own clean shutdown; its exit is watched ten times a second instead of through
  # rabbitmqctl stop, which starts an Erlang VM of its own first.
  if pid=$(rabbit_pid); then
    say "stopping RabbitMQ"
    detach_rabbitmq_statistics
    kill -TERM "$pid" 2>/dev/null || true
    for _i in $(seq 1 600); do running "$pid" || return 0; sleep 0.1; done
  fi
  port_accepts "$RABBIT_PORT" && rabbitmqctl_local ping >/dev/null 2>&1 || return 0
  say "stopping RabbitMQ"
  # Given the pid file, stop waits until the Erlang VM has exited, so a start right after cannot clash.
  rabbitmqctl_local stop "$RABBIT_HOME/mnesia/$RABBIT_NODE.pid" >/dev/null 2>&1 ||
    rabbitmqctl_local stop >/dev/null 2>&1 || true
}

stop_postgres() {
  pg_running || return 0
  say "stopping PostgreSQL"
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
}

# --- Resource faults (the fault battery) ------------------------------------------------------------

# The ledger's disk, filled: ledger.mt_events is compacted (VACUUM FULL: no page keeps room from rolled-back appends,
# which would take new events for a while), moves to a tablespace on a small tmpfs, and a filler file takes the rest
# of it, so the next append that needs a new page fails with "could not extend file" (SQL state 53100, disk full)
# while the rest of PostgreSQL, its WAL included, goes on. free_ledger_disk deletes the filler, moves the table back
# and unmounts; both are safe to run twice.
LEDGER_DISK="$LOCAL/ledger-disk"

fill_ledger_disk() {
  local heap_mb
  heap_mb=$(pg_superuser -d auditplatform -c "select ceil((pg_relation_size(c.oid) + coalesce(pg_relation_size(c.reltoastrelid), 0)) / 1048576.0)::int
    from pg_class c where c.oid = 'ledger.mt_events'::regclass")
  # Only as big as the table needs: a ledger a benchmark left behind is copied into memory and back.
  [ "$heap_mb" -le 2048 ] || die "ledger.mt_events holds ${heap_mb} MB; the disk-full fault copies it to memory and stops at 2 GB"
  mkdir -p "$LEDGER_DISK"
  if ! mountpoint -q "$LEDGER_DISK"; then
    mount -t tmpfs -o "size=$((heap_mb + 16))m,mode=0700" audit-ledger-disk "$LEDGER_DISK" ||
      die "could not mount a tmpfs on $LEDGER_DISK (the disk-full fault needs root)"
  fi
  chown postgres:postgres "$LEDGER_DISK"
  pg_superuser -d auditplatform <<SQL
select 'create tablespace ledger_disk location ''$LEDGER_DISK''' where not exists (select from pg_tablespace where spcname = 'ledger_disk') \gexec
set lock_timeout = '60s';
vacuum (full) ledger.mt_events;
begin;
alter table ledger.mt_events set tablespace ledger_disk;
-- Whatever is left of the tmpfs, taken to the last page (dd stops at "No space left on device") while the move still
-- holds the table: taken after the commit, the load's inserts could first extend the table into it by megabytes
-- at once (PostgreSQL adds blocks in bulk when writers queue for an extension) and go on writing there for the
-- whole fault; one CI run saw no refusal at all.
\! dd if=/dev/zero of="$LEDGER_DISK/filler" bs=4k status=none 2>/dev/null
commit;
SQL
}

free_ledger_disk() {
  rm -f "$LEDGER_DISK/filler"
  if pg_running && [ -n "$(pg_superuser -c "select 1 from pg_tablespace where spcname = 'ledger_disk'")" ]; then
    pg_superuser -d auditplatform <<SQL
set lock_timeout = '60s';
alter table ledger.mt_events set tablespace pg_default;
drop tablespace ledger_disk;
SQL
  fi
  mountpoint -q "$LEDGER_DISK" || return 0
  # Still holding the table (PostgreSQL was not running to move it back): unmounting would lose it.
  if [ -n "$(ls -A "$LEDGER_DISK")" ]; then
    printf 'warning: ledger.mt_events still lives on %s; start PostgreSQL and run free-ledger-disk again\n' "$LEDGER_DISK" >&2
    return 0
  fi
  umount "$LEDGER_DISK"
}

# A RabbitMQ resource alarm (memory or disk): the broker blocks every connection that publishes until it clears.
# The limits go back to RabbitMQ's defaults, which boot_rabbitmq's configuration leaves as they are.
raise_rabbitmq_alarm() {
  case "$1" in
    memory) rabbitmqctl_local set_vm_memory_high_watermark 0.0001 >/dev/null ;;
    disk) rabbitmqctl_local set_disk_free_limit 100000GB >/dev/null ;;
    *) die "raise_rabbitmq_alarm memory|disk, not '$1'" ;;
  esac
  await_rabbitmq_alarms failed || die "RabbitMQ raised no $1 alarm within 30 s"
}

clear_rabbitmq_alarms() {
  rabbitmqctl_local set_vm_memory_high_watermark 0.4 >/dev/null
  rabbitmqctl_local set_disk_free_limit 50MB >/dev/null
  await_rabbitmq_alarms ok || die "RabbitMQ still reports an alarm 30 s after its limits were put back"
}

# Waits until the management API's alarm check reports <ok|failed>: await_rabbitmq_alarms <status> [tries, 0.2 s apart; 150]
await_rabbitmq_alarms() {
  local _i
  for _i in $(seq 1 "${2:-150}"); do
    curl -sS -u "admin:$(secret rabbitmq-admin.password)" "http://127.0.0.1:$RABBIT_UI_PORT/api/health/checks/alarms" 2>/dev/null |
      grep -q "\"status\":\"$1\"" && return 0
    sleep 0.2
  done
  return 1
}

# --- .NET ----------------------------------------------------------------------------------------

ensure_local_feed() {
  mkdir -p "$ROOT/deploy/nuget-local"
  [ -f "$ROOT/deploy/nuget-local/.gitkeep" ] || touch "$ROOT/deploy/nuget-local/.gitkeep"
  if [ -z "$(find "$ROOT/deploy/nuget-local" -maxdepth 1 -iname 'patched.distributedlock.postgres.1.3.3.nupkg')" ]; then
    say "packing the local Patched.DistributedLock.Postgres stand-in (see README, Restoring Marten)"
    local log; log=$(mktemp)
    if ! dotnet pack "$ROOT/build/Patched.DistributedLock.Postgres/Patched.DistributedLock.Postgres.csproj" \
        -c Release -o "$ROOT/deploy/nuget-local" -nologo > "$log" 2>&1; then
      cat "$log" >&2; rm -f "$log"
      die "packing Patched.DistributedLock.Postgres failed"
    fi
    rm -f "$log"
    # NuGet would go on using a cached copy of the same version: drop it so the new package is used.
    rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/patched.distributedlock.postgres"
  fi
}

# --- Settings for tools, tests and services ------------------------------------------------------

write_env() {
  local owner; owner=$(secret pg-owner.password)
  mkdir -p "$LOCAL"
  (umask 077; cat > "$LOCAL/env" <<ENV
# Written by deploy/local; source it to talk to the local platform.
export AUDIT_PG="Host=127.0.0.1;Port=$PG_PORT;Database=auditplatform;Username=audit_owner;Password=$owner"
export AUDIT_PG_ADMIN="Host=127.0.0.1;Port=$PG_PORT;Database=postgres;Username=postgres;Password=$owner"
export AUDIT_RABBITMQ="amqp://test:$(secret rabbitmq-test.password)@127.0.0.1:$RABBIT_PORT/audit"
export AUDIT_RABBITMQ_ADMIN="http://admin:$(secret rabbitmq-admin.password)@127.0.0.1:$RABBIT_UI_PORT"
export AUDIT_SECRETS="$SECRETS"
ENV
  )
  local name
  for name in $PORT_SETTINGS; do echo "$name=${!name:-}"; done | grep -E '=[0-9]+$' > "$LOCAL/ports" || true
}

owner_connection() {
  echo "Host=127.0.0.1;Port=$PG_PORT;Database=auditplatform;Username=audit_owner;Password=$(secret pg-owner.password)"
}

# Grants and the append-only trigger, re-applied after every migration (deploy/sql/least-privilege.sql).
apply_least_privilege() {
  # Warnings and errors only: its "drop trigger if exists" would print a NOTICE on every start.
  PGPASSWORD=$(secret pg-owner.password) PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" \
    -U audit_owner -d auditplatform -v ON_ERROR_STOP=1 -q -f "$ROOT/deploy/sql/least-privilege.sql" >/dev/null
}

# The environment of one service, as up.sh starts it: its own database role and bus user.
service_env() {
  local svc=$1
  cat <<ENV
ConnectionStrings__Ledger=Host=127.0.0.1;Port=$PG_PORT;Database=auditplatform;Username=audit_$svc;Password=$(secret "pg-$svc.password")
ConnectionStrings__Bus=amqp://$svc:$(secret "rabbitmq-$svc.password")@127.0.0.1:$RABBIT_PORT/audit
Auth__SigningKeyFile=$JWT_KEY_FILE
Intake__FingerprintKeyFile=$FINGERPRINT_KEY_FILE
Notification__SecretKeyFile=$WEBHOOK_KEY_FILE
Audit__SigningKeyFile=$CHECKPOINT_KEY_FILE
Audit__NoteKeyFile=$NOTE_KEY_FILE
ASPNETCORE_ENVIRONMENT=Production
DOTNET_ENVIRONMENT=Production
ENV
  # The ladder is Escalation's alone; Intake and Notification keep the durations they need as their own settings.
  [ "$svc" != escalation ] || echo "ESCALATION_POLICY=$POLICY_FILE"
}

# The local witness's settings, and Audit's settings naming it (up.sh gives them to those two only).
witness_env() {
  cat <<ENV
Witness__Name=$WITNESS_NAME
Witness__KeyFile=$SECRETS/witness.pem
Witness__StateDirectory=$LOCAL/witness
Witness__Logs__0__Origin=$AUDIT_ORIGIN
Witness__Logs__0__VerifierKey=$(verifier_key 01 "$AUDIT_ORIGIN" "$NOTE_KEY_FILE")
ASPNETCORE_ENVIRONMENT=Production
ENV
}
audit_witness_env() {
  cat <<ENV
Audit__Witnesses__0__Name=$WITNESS_NAME
Audit__Witnesses__0__Url=http://127.0.0.1:$WITNESS_PORT
Audit__Witnesses__0__VerifierKey=$(verifier_key 04 "$WITNESS_NAME" "$SECRETS/witness.pem")
ENV
}

# A signed-note verifier key, <name>+<hex key ID>+<base64(type ‖ public key)>, where key ID = SHA-256(name ‖ "\n" ‖
# type ‖ public key)[:4]; type 01 is a note key (C2SP signed-note), 04 a witness's cosignature key (C2SP
# tlog-cosignature). services/Audit/Chain/CheckpointNote.cs and Cosignature.cs compute the same.
#   verifier_key <01|04> <name> <Ed25519 PEM>
verifier_key() {
  local type=$1 name=$2 pem=$3 pub id b64
  pub=$(mktemp)
  # The DER SubjectPublicKeyInfo of an Ed25519 key ends with the 32-byte raw key.
  openssl pkey -in "$pem" -pubout -outform DER | tail -c 32 > "$pub"
  [ "$(wc -c < "$pub")" -eq 32 ] || { rm -f "$pub"; echo "error: $pem is not an Ed25519 key" >&2; return 1; }
  id=$( { printf '%s\n' "$name"; printf "\\$type"; cat "$pub"; } | openssl dgst -sha256 -binary | head -c 4 | od -An -tx1 | tr -d ' \n')
  b64=$( { printf "\\$type"; cat "$pub"; } | openssl base64 -A)
  rm -f "$pub"
  printf '%s+%s+%s\n' "$name" "$id" "$b64"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# An HS256 development token, signed with the key the services trust locally.
mint_token() {
  local role=${1:-} partner=${2:-}
  case "$role" in operator|compliance|integrator|admin) ;; *) die "role must be operator, compliance, integrator or admin";; esac
  if [ "$role" = integrator ] && [ -z "$partner" ]; then die "an integrator token needs a partner code, e.g. US-FBI"; fi
  if [ -n "$partner" ] && ! [[ "$partner" =~ ^[A-Z0-9-]+$ ]]; then die "a partner code is upper-case letters, digits and '-', e.g. US-FBI"; fi
  local now sub claims header payload key signature
  now=$(date +%s)
  sub="dev-$role${partner:+-$partner}"
  claims="\"sub\":\"$sub\",\"role\":\"$role\""
  [ -z "$partner" ] || claims="$claims,\"partner\":\"$partner\""
  header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
  payload=$(printf '{%s,"iss":"auditplatform-local","aud":"auditplatform","iat":%d,"nbf":%d,"exp":%d}' "$claims" "$now" "$now" $((now + 43200)) | b64url)
  # The key is the base64-decoded bytes of the secret, handed to openssl as hex.
  key=$(openssl base64 -d -A < "$JWT_KEY_FILE" | od -An -v -tx1 | tr -d ' \n')
  [ ${#key} -eq 64 ] || die "$JWT_KEY_FILE does not hold 32 base64 bytes"
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

# --- Services ------------------------------------------------------------------------------------

# Exports one service's settings (service_env, or the function in SERVICE_ENV: cluster.sh's) into the current shell;
# call it in a subshell.
export_service_env() { eval "$("${SERVICE_ENV:-service_env}" "$1" | sed 's/^/export "/; s/$/"/')"; }

# Applies a service's schema as the database owner and declares its bus topology as its own broker user
# (<service>.dll migrate), from its Release build; output in $2.
migrate_service() {
  local name=$1 log=$2 svc
  svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  ( export_service_env "$svc"; ConnectionStrings__Ledger=$(owner_connection); export ConnectionStrings__Ledger
    cd "$ROOT/services/$name" && exec dotnet "bin/Release/net10.0/AuditPlatform.$name.dll" migrate ) > "$log" 2>&1
}

# Starts a service from its Release build in the background, under its own roles, listening on $2; output in $3.
# Its pid is left in STARTED_PID. (up.sh starts its services detached instead, with pid files.)
start_service_background() {
  local name=$1 url=$2 log=$3 svc
  svc=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  ( export_service_env "$svc"; export Ledger__ApplySchemaOnStartup=false
    cd "$ROOT/services/$name" && exec dotnet "bin/Release/net10.0/AuditPlatform.$name.dll" --urls "$url" ) \
    > "$log" 2>&1 < /dev/null &
  STARTED_PID=$!
}

# Stops the processes given: SIGTERM, then SIGKILL after 15 s each.
stop_pids() {
  local pid _i
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _i in $(seq 1 30); do running "$pid" || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# Stops one service started by up.sh: SIGTERM, then SIGKILL after 10 s. The pid is only trusted while it
# still is one of our services (a stale pid file must not kill whatever reused the number).
stop_service() {
  local svc=$1 pidfile="$LOCAL/run/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && running "$pid" && grep -qa 'AuditPlatform\.' "/proc/$pid/cmdline" 2>/dev/null; then
    say "stopping $svc (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local _i; for _i in $(seq 1 20); do running "$pid" || break; sleep 0.5; done
    if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}
