#!/usr/bin/env bash
# Static checks of the deployment manifests (no Docker engine or cluster needed):
#   deploy/check-manifests.sh
# Every YAML file under deploy/docker and deploy/k8s parses; the kustomize base renders (when kubectl is
# installed); each Dockerfile is multi-stage, non-root, health-checked on /health/live and exposes its
# service's port (deploy/local/lib.sh); compose and Kubernetes refer only to images built by those Dockerfiles,
# to their ports and to files that exist; Deployments have readiness/liveness probes, resource requests and a
# PodDisruptionBudget; passwords come from Secrets. Exit code 1 on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# YAML to JSON: PyYAML when it is there, else the npm package "yaml" under a temporary directory.
files=$(cd "$ROOT" && find deploy/docker deploy/k8s -name '*.yaml' -o -name '*.yml' | sort)
if python3 -c 'import yaml' 2>/dev/null; then
  to_json() { python3 -c 'import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))' "$1"; }
else
  command -v npm >/dev/null || { echo "neither PyYAML nor npm is installed: cannot parse YAML" >&2; exit 1; }
  npm install --silent --prefix "$work/node" yaml@2 >/dev/null
  to_json() { NODE_PATH="$work/node/node_modules" node -e 'const y=require("yaml"),f=require("fs");console.log(JSON.stringify(y.parseAllDocuments(f.readFileSync(process.argv[1],"utf8")).map(d=>{if(d.errors.length)throw d.errors[0];return d.toJSON()})))' "$1"; }
fi
mkdir -p "$work/json"
status=0
for f in $files; do
  if to_json "$ROOT/$f" > "$work/json/$(echo "$f" | tr / _).json" 2> "$work/err"; then
    echo "ok    parses: $f"
  else
    echo "FAIL  does not parse: $f: $(head -3 "$work/err")"; status=1
  fi
done
if command -v kubectl >/dev/null; then
  if kubectl kustomize "$ROOT/deploy/k8s/base" > "$work/rendered.yaml" 2> "$work/err"; then
    echo "ok    kustomize renders deploy/k8s/base ($(grep -c '^kind:' "$work/rendered.yaml") objects)"
  else
    echo "FAIL  kustomize: $(head -3 "$work/err")"; status=1
  fi
fi

# Service ports, as deploy/local/lib.sh assigns them by default (the images expose these).
services=$(sed -n 's/^DEFAULT_SERVICE_PORTS="\(.*\)"/\1/p' "$ROOT/deploy/local/lib.sh")
python3 - "$ROOT" "$work/json" "$services" <<'EOF' || status=1
import json, os, re, sys
root, jsondir, services = sys.argv[1], sys.argv[2], sys.argv[3]
ports = {s.split(':')[0].lower(): int(s.split(':')[1]) for s in services.split()}
failures = []
def ok(message): print("ok    " + message)
def fail(message): failures.append(message); print("FAIL  " + message)
def load(path): return json.load(open(os.path.join(jsondir, path.replace('/', '_') + '.json')))

# Dockerfiles: deploy/docker/<Service>.Dockerfile
images = {}
dockerdir = os.path.join(root, 'deploy/docker')
for name in sorted(os.listdir(dockerdir)):
    if not name.endswith('.Dockerfile'):
        continue
    service = name[:-len('.Dockerfile')]
    text = open(os.path.join(dockerdir, name)).read()
    lines = [l.strip() for l in re.sub(r'\\\n', ' ', text).splitlines() if l.strip() and not l.strip().startswith('#')]
    where = 'deploy/docker/' + name
    csproj = f'services/{service}/AuditPlatform.{service}.csproj'
    if not os.path.exists(os.path.join(root, csproj)): fail(f'{where}: no {csproj}')
    if sum(1 for l in lines if l.upper().startswith('FROM ')) < 2: fail(f'{where}: not multi-stage')
    users = [l.split(None, 1)[1] for l in lines if l.upper().startswith('USER ')]
    if not users or users[-1] in ('root', '0'): fail(f'{where}: does not switch to a non-root user')
    if not any(l.upper().startswith('HEALTHCHECK') and '/health/live' in l for l in lines): fail(f'{where}: no HEALTHCHECK on /health/live')
    exposed = [int(p) for l in lines if l.upper().startswith('EXPOSE ') for p in l.split()[1:]]
    expected = ports.get(service.lower())
    if exposed != [expected]: fail(f'{where}: exposes {exposed}, the service runs on {expected}')
    if f'AuditPlatform.{service}.dll' not in text: fail(f'{where}: does not run AuditPlatform.{service}.dll')
    for l in lines:
        if l.upper().startswith('COPY ') and '--from=' not in l:
            for source in l.split()[1:-1]:
                if source != '.' and not os.path.exists(os.path.join(root, source)): fail(f'{where}: COPY of {source}, which does not exist')
    if not os.path.exists(os.path.join(dockerdir, name + '.dockerignore')): fail(f'{where}: no {name}.dockerignore (bin/, obj/ and .local/ would enter the build)')
    images[f'auditplatform/{service.lower()}'] = expected
    ok(f'{where}: multi-stage, user {users[-1] if users else "?"}, health check, port {expected}')
for s in ports:
    if os.path.isdir(os.path.join(root, 'services', s.capitalize())) and f'auditplatform/{s}' not in images:
        print(f'warn  services/{s.capitalize()} has no Dockerfile in deploy/docker yet')

def image_port(image, where):
    base = image.split(':')[0] if image.count(':') == 1 else image
    if base.startswith('auditplatform/'):
        if base not in images: fail(f'{where}: image {image} is built by no Dockerfile in deploy/docker'); return None
        return images[base]
    return 'external'

# Compose
compose_path = 'deploy/docker/compose.yaml'
compose = load(compose_path)[0]
infra_ports = {'postgres': [5432], 'rabbitmq': [5672, 15672]}
for name, svc in compose.get('services', {}).items():
    where = f'{compose_path}: {name}'
    build = svc.get('build')
    if build:
        dockerfile = os.path.normpath(os.path.join(root, 'deploy/docker', build.get('context', '.'), build.get('dockerfile', 'Dockerfile')))
        if not os.path.exists(dockerfile): fail(f'{where}: build file {dockerfile} does not exist')
    port = image_port(svc.get('image', ''), where)
    for mapping in svc.get('ports', []):
        container = int(str(mapping).split(':')[-1])
        allowed = [port] if isinstance(port, int) else infra_ports.get(name, [])
        if container not in allowed: fail(f'{where}: publishes container port {container}, expected one of {allowed}')
    for volume in svc.get('volumes', []):
        source = str(volume).split(':')[0]
        if source.startswith('.') and not os.path.exists(os.path.join(root, 'deploy/docker', source)): fail(f'{where}: mounts {source}, which does not exist')
    env = svc.get('environment', {}) or {}
    for key, value in (env.items() if isinstance(env, dict) else []):
        if re.search(r'Password=(?!\$\{)', str(value)): fail(f'{where}: {key} holds a literal password')
ok(f'{compose_path}: {len(compose.get("services", {}))} services, images and ports consistent')

# Kubernetes base
kustomization = load('deploy/k8s/base/kustomization.yaml')[0]
objects = []
for resource in kustomization.get('resources', []):
    path = 'deploy/k8s/base/' + resource
    if not os.path.exists(os.path.join(root, path)): fail(f'{path}: listed in kustomization.yaml but missing'); continue
    objects += [(path, o) for o in load(path) if o]
for image in kustomization.get('images', []):
    image_port(image['name'], 'deploy/k8s/base/kustomization.yaml')
deployments = [(p, o) for p, o in objects if o['kind'] == 'Deployment']
budgets = [o for _, o in objects if o['kind'] == 'PodDisruptionBudget']
for path, o in objects:
    if o['kind'] not in ('Deployment', 'Job'): continue
    where = f'{path}: {o["kind"]} {o["metadata"]["name"]}'
    spec = o['spec']['template']['spec']
    if not spec.get('securityContext', {}).get('runAsNonRoot'): fail(f'{where}: runAsNonRoot is not set')
    for c in spec['containers']:
        port = image_port(c['image'], where)
        if not c.get('resources', {}).get('requests'): fail(f'{where}: no resource requests')
        for e in c.get('env', []):
            if re.search(r'Password=(?!\$\()', str(e.get('value', ''))): fail(f'{where}: {e["name"]} holds a literal password')
        if o['kind'] != 'Deployment': continue
        declared = {p.get('name'): p['containerPort'] for p in c.get('ports', [])}
        if list(declared.values()) != [port]: fail(f'{where}: container ports {list(declared.values())}, the image exposes {port}')
        for probe, path_ in (('readinessProbe', '/health/ready'), ('livenessProbe', '/health/live')):
            get = c.get(probe, {}).get('httpGet', {})
            if get.get('path') != path_ or get.get('port') not in declared and get.get('port') not in declared.values():
                fail(f'{where}: {probe} must GET {path_} on a declared port')
    if o['kind'] == 'Deployment':
        labels = o['spec']['selector']['matchLabels']
        if not any(b['spec']['selector']['matchLabels'] == labels for b in budgets): fail(f'{where}: no PodDisruptionBudget selects it')
        ok(f'{where}: probes, requests, port, PodDisruptionBudget')
for path, o in objects:
    if o['kind'] == 'Service':
        selected = [d for _, d in deployments if d['spec']['selector']['matchLabels'] == o['spec']['selector']]
        if not selected: fail(f'{path}: Service {o["metadata"]["name"]} selects no Deployment'); continue
        names = {p.get('name') for c in selected[0]['spec']['template']['spec']['containers'] for p in c.get('ports', [])}
        for p in o['spec']['ports']:
            if p.get('targetPort') not in names: fail(f'{path}: Service {o["metadata"]["name"]} targets port {p.get("targetPort")}, not declared')
sys.exit(1 if failures else 0)
EOF
[ $status -eq 0 ] && echo "manifests: all checks passed" || echo "manifests: some checks failed" >&2
exit $status
