// check.mjs - the Kubernetes and image checks of `make test` (tests/run.sh, section "k8s"):
//   - k8s/services is what k8s/gen.sh generates from services/ (not stale);
//   - k8s/ renders (render.mjs; where kubectl exists, to the same objects as kubectl kustomize);
//   - every object is valid against the Kubernetes schemas, with no unknown field (schema.mjs);
//   - the deployment rules hold (policy.mjs) and every service has its Deployment;
//   - the Dockerfile and .dockerignore pass the lint (image.mjs), and the runtime image installs
//     the package of every shared library the built binaries link ($BUILD/bin, when built).
// Each rule is also run on a broken copy (a mutation) and must fail there: a check that cannot
// fail is no check. Prints "k8s: N passed, M failed"; exits 1 on any failure.
//
//   node tests/k8s/check.mjs        (BUILD=build/asan to check those binaries' libraries)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { objectId, parseYaml, render } from './render.mjs';
import { schemaErrors, unknownFields } from './schema.mjs';
import { RULES, everyService } from './policy.mjs';
import { dockerfileErrors, dockerignore, linkedPackages, runtimePackages } from './image.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const build = resolve(repo, process.env.BUILD ?? 'build');
let passed = 0;
let failed = 0;

async function check(name, fn) {
  let problems;
  try {
    problems = await fn();
  } catch (e) {
    problems = [`threw: ${e.message}`];
  }
  if (problems.length) {
    failed++;
    console.log(`FAIL ${name}`);
    for (const p of problems.slice(0, 20)) console.log(`     ${p}`);
  } else {
    passed++;
    console.log(`ok   ${name}`);
  }
}

// A rule must report something on a broken copy of the objects.
async function mustCatch(name, rule, objs, mutate) {
  await check(`${name} is caught`, async () => {
    const copy = structuredClone(objs);
    mutate(copy);
    return (await rule(copy)).length ? [] : ['the broken copy passed'];
  });
}

const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const podOf = (objs, name) => find(objs, 'Deployment', name).spec.template.spec;
const services = readdirSync(join(repo, 'services')).filter((s) => existsSync(join(repo, 'services', s, 'main.c'))).sort();
const dbServices = services.filter((s) => existsSync(join(repo, 'services', s, 'migrations')));

await check('k8s/services is up to date with k8s/gen.sh', () => {
  const r = spawnSync(join(repo, 'k8s/gen.sh'), ['--check'], { encoding: 'utf8' });
  return r.status === 0 ? [] : [r.stderr.trim() || `exit ${r.status}`];
});

let objs = [];
await check('k8s/ renders', () => {
  objs = render(join(repo, 'k8s'));
  return objs.length ? [] : ['no objects'];
});

await check('the rendering matches kubectl kustomize (skipped without kubectl)', () => {
  const r = spawnSync('kubectl', ['kustomize', join(repo, 'k8s')], { encoding: 'utf8' });
  if (r.error) return [];
  if (r.status !== 0) return [r.stderr.trim()];
  const theirs = new Map(parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean).map((o) => [objectId(o), o]));
  const ours = new Map(objs.map((o) => [objectId(o), o]));
  const out = [];
  for (const id of new Set([...theirs.keys(), ...ours.keys()])) {
    if (!ours.has(id)) out.push(`${id}: only in kubectl's rendering`);
    else if (!theirs.has(id)) out.push(`${id}: only in render.mjs's`);
    else if (JSON.stringify(sortKeys(ours.get(id))) !== JSON.stringify(sortKeys(theirs.get(id)))) out.push(`${id}: differs`);
  }
  return out;
});

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

await check('every object is valid against the Kubernetes schemas', async () => {
  const out = [];
  for (const o of objs) for (const e of await schemaErrors(o)) out.push(`${objectId(o)}: ${e}`);
  return out;
});
await check('no object has a field unknown to the Kubernetes API', async () => {
  const out = [];
  for (const o of objs) out.push(...(await unknownFields(o)).map((e) => `${objectId(o)}: ${e}`));
  return out;
});
await mustCatch('a wrongly typed field', async (os) => (await Promise.all(os.map(schemaErrors))).flat(), objs,
  (os) => { podOf(os, 'auth').containers[0].ports[0].containerPort = '9090'; });
await mustCatch('a misspelt field', async (os) => (await Promise.all(os.map(unknownFields))).flat(), objs,
  (os) => { podOf(os, 'auth').containers[0].readinesProbe = podOf(os, 'auth').containers[0].readinessProbe; });

for (const [name, rule] of Object.entries(RULES)) await check(`rule ${name}`, () => rule(objs));
await check(`rule everyService (${services.join(', ')})`, () => everyService(objs, services, dbServices));

await mustCatch('a writable root filesystem', RULES.restrictedSecurity, objs,
  (os) => { podOf(os, 'rag').containers[0].securityContext.readOnlyRootFilesystem = false; });
await mustCatch('a container running as root', RULES.restrictedSecurity, objs,
  (os) => { find(os, 'StatefulSet', 'nats').spec.template.spec.securityContext.runAsUser = 0; });
await mustCatch('a missing memory limit', RULES.restrictedSecurity, objs,
  (os) => { delete podOf(os, 'edge').containers[0].resources.limits.memory; });
await mustCatch('a probe on the wrong port', RULES.healthProbes, objs,
  (os) => { podOf(os, 'agents').containers[0].livenessProbe.httpGet.port = 'http'; });
await mustCatch('a Deployment without PodDisruptionBudget', RULES.budgetsAndScaling, objs,
  (os) => { os.splice(os.indexOf(find(os, 'PodDisruptionBudget', 'auth')), 1); });
await mustCatch('a missing default deny', RULES.networkPolicies, objs,
  (os) => { os.splice(os.indexOf(find(os, 'NetworkPolicy', 'default-deny')), 1); });
await mustCatch('NATS open to the world', RULES.networkPolicies, objs,
  (os) => { find(os, 'NetworkPolicy', 'nats').spec.ingress[0].from = [{ ipBlock: { cidr: '0.0.0.0/0' } }]; });
await mustCatch('a service reachable from the Ingress namespace', RULES.networkPolicies, objs,
  (os) => { find(os, 'NetworkPolicy', 'edge-from-ingress').spec.podSelector = {}; });
await mustCatch('a shipped Secret', RULES.secretsAndTls, objs,
  (os) => { os.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'platform-db' } }); });
await mustCatch('an Ingress without TLS', RULES.secretsAndTls, objs,
  (os) => { delete find(os, 'Ingress', 'edge').spec.tls; });
await mustCatch('one stream replica', RULES.busAndConfig, objs,
  (os) => { find(os, 'ConfigMap', 'platform-config').data.JS_REPLICAS = '1'; });
await mustCatch('a service without Deployment', (os) => everyService(os, [...services, 'billing'], dbServices), objs, () => {});
await mustCatch('a database port open to the edge', RULES.networkPolicies, objs,
  (os) => { find(os, 'NetworkPolicy', 'db-clients').spec.podSelector = { matchLabels: { 'bus-client': 'true' } }; });
await mustCatch('a service reading the shared platform-db Secret', (os) => everyService(os, services, dbServices), objs,
  (os) => { podOf(os, 'agents').containers[0].envFrom.find((e) => e.secretRef).secretRef.name = 'platform-db'; });
await mustCatch("a service reading another service's database Secret", (os) => everyService(os, services, dbServices), objs,
  (os) => { podOf(os, 'rag').containers[0].env = [{ name: 'AUTH_DB', valueFrom: { secretKeyRef: { name: 'auth-db', key: 'DATABASE_URL' } } }]; });
await mustCatch('the edge reading a database Secret', (os) => everyService(os, services, dbServices), objs,
  (os) => { podOf(os, 'edge').containers[0].envFrom.push({ secretRef: { name: 'edge-db' } }); });
await mustCatch('the proxy trusted by the older switch', RULES.busAndConfig, objs,
  (os) => { const d = find(os, 'ConfigMap', 'platform-config').data; delete d.EDGE_TRUSTED_HOPS; d.EDGE_TRUST_PROXY = 'true'; });
await mustCatch('the edge labelled as a database client', (os) => everyService(os, services, dbServices), objs,
  (os) => { find(os, 'Deployment', 'edge').spec.template.metadata.labels['db-client'] = 'true'; });

await check("an unquoted '?' in a flow mapping is a YAML error", () => {
  try {
    parseYaml('probe: {path: /healthz?js-enabled-only=true, port: 8222}\n', 'the old nats.yaml line');
  } catch {
    return [];
  }
  return ['the old nats.yaml line parses: the renderer would not catch it'];
});

// ---- the image ---------------------------------------------------------------------------------
const dockerfile = readFileSync(join(repo, 'infra/docker/Dockerfile'), 'utf8');
const ignore = readFileSync(join(repo, '.dockerignore'), 'utf8');
const packagesTxt = readFileSync(join(repo, 'infra/packages.txt'), 'utf8').split('\n')
  .map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
const staticDir = find(objs, 'ConfigMap', 'platform-config')?.data?.EDGE_STATIC_DIR;
const lint = (text, ign = ignore) => dockerfileErrors(text, ign, repo, { staticDir, packagesTxt });

await check('Dockerfile lint', () => lint(dockerfile));
await check('.dockerignore keeps build outputs, data, node_modules and .git out', () => {
  const out = [];
  for (const p of ['build/bin/edge', 'var/pg', 'web/node_modules/react', 'tests/k8s/node_modules/yaml', '.git/HEAD', 'web/dist/index.html']) {
    if (!dockerignore(ignore)(p)) out.push(`${p} is sent to the build`);
  }
  return out;
});
await check('the lint catches broken Dockerfiles', () => {
  const cases = {
    'missing COPY source': dockerfile.replace('COPY proto/ proto/', 'COPY protos/ protos/'),
    'COPY source ignored': dockerfile, // with services/ ignored below
    'root user': dockerfile.replace('USER 10001:10001', 'USER root'),
    'placeholder page': dockerfile.replace('COPY --from=web /src/web/dist/ /app/web/', 'COPY web/placeholder/ /app/web/'),
    'not bookworm': dockerfile.replace('FROM debian:bookworm-slim', 'FROM ubuntu:24.04'),
    'no npm ci': dockerfile.replace('RUN npm ci', 'RUN npm install'),
    'package not in packages.txt': dockerfile.replace('zlib1g-dev \\', 'zlib1g-dev libfoo-dev \\'),
  };
  const out = [];
  for (const [what, text] of Object.entries(cases)) {
    const ign = what === 'COPY source ignored' ? `${ignore}\nservices\n` : ignore;
    if (text === dockerfile && ign === ignore) out.push(`${what}: the mutation did not apply`);
    else if (!lint(text, ign).length) out.push(`${what}: passed the lint`);
  }
  return out;
});

// Packages the binaries of $BUILD/bin link that the runtime stage does not install.
function missingLibraries(text) {
  const have = runtimePackages(text);
  const out = [];
  for (const s of services) {
    const bin = join(build, 'bin', s);
    if (!existsSync(bin)) continue;
    for (const p of linkedPackages(bin)) if (!have.includes(p)) out.push(`${s} links a library of ${p}, which the image does not install`);
  }
  return out;
}
const built = services.filter((s) => existsSync(join(build, 'bin', s)));
await check(`the runtime image has the libraries of ${built.length} built services in ${build}/bin`, () => missingLibraries(dockerfile));
if (built.length) {
  await check('a missing runtime library is caught', () =>
    missingLibraries(dockerfile.replace(' libpq5 ', ' ').replace(' libnats3.4 ', ' ')).length ? [] : ['passed without libpq5 and libnats3.4']);
}

console.log(`k8s: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
