// policy.mjs - the deployment rules of k8s/ (docs/operations.md, "Kubernetes"), each a function
// of the rendered objects returning a list of violations (empty: the rule holds).

const workloads = (objs) => objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
const ofKind = (objs, kind) => objs.filter((o) => o.kind === kind);
const name = (o) => `${o.kind}/${o.metadata.name}`;

// Does a label selector ({matchLabels}) select pods with these labels?
function selects(selector, labels) {
  if (!selector) return false;
  if (selector.matchExpressions?.length) return false; // not used here: be strict
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

// Every pod runs as non-root, unprivileged, read-only, without capabilities, with seccomp.
export function restrictedSecurity(objs) {
  const out = [];
  for (const w of workloads(objs)) {
    const pod = w.spec.template.spec;
    const psc = pod.securityContext ?? {};
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push(`${name(w)}: uses the host's namespaces`);
    for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
      const sc = c.securityContext ?? {};
      const where = `${name(w)} container ${c.name}`;
      if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) out.push(`${where}: runAsNonRoot is not true`);
      if ((sc.runAsUser ?? psc.runAsUser) === 0) out.push(`${where}: runs as uid 0`);
      if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.privileged) out.push(`${where}: privileged`);
      if (sc.readOnlyRootFilesystem !== true) out.push(`${where}: readOnlyRootFilesystem is not true`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${where}: does not drop ALL capabilities`);
      if ((sc.capabilities?.add ?? []).length) out.push(`${where}: adds capabilities`);
      const seccomp = (sc.seccompProfile ?? psc.seccompProfile)?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${where}: no seccomp profile`);
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) {
          if (!c.resources?.[kind]?.[r]) out.push(`${where}: no resources.${kind}.${r}`);
        }
      }
    }
    if (pod.automountServiceAccountToken !== false) out.push(`${name(w)}: mounts a service account token`);
  }
  return out;
}

// Every Deployment: container port "health" = 9090, liveness GET /healthz and readiness GET
// /readyz on it (the contract of libshared healthsrv).
export function healthProbes(objs) {
  const out = [];
  for (const d of ofKind(objs, 'Deployment')) {
    for (const c of d.spec.template.spec.containers) {
      const where = `${name(d)} container ${c.name}`;
      const port = (c.ports ?? []).find((p) => p.name === 'health');
      if (!port || port.containerPort !== 9090) out.push(`${where}: no port "health" 9090`);
      const live = c.livenessProbe?.httpGet;
      const ready = c.readinessProbe?.httpGet;
      if (live?.path !== '/healthz' || live?.port !== 'health') out.push(`${where}: liveness is not GET /healthz on health`);
      if (ready?.path !== '/readyz' || ready?.port !== 'health') out.push(`${where}: readiness is not GET /readyz on health`);
    }
  }
  return out;
}

// Every workload has a PodDisruptionBudget selecting its pods; every Deployment an HPA.
export function budgetsAndScaling(objs) {
  const out = [];
  for (const w of workloads(objs)) {
    const labels = w.spec.template.metadata?.labels;
    if (!ofKind(objs, 'PodDisruptionBudget').some((p) => selects(p.spec.selector, labels))) {
      out.push(`${name(w)}: no PodDisruptionBudget selects its pods`);
    }
    if (w.kind !== 'Deployment') continue;
    const hpa = ofKind(objs, 'HorizontalPodAutoscaler').find(
      (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === w.metadata.name);
    if (!hpa) out.push(`${name(w)}: no HorizontalPodAutoscaler`);
    else if (hpa.spec.minReplicas < 2) out.push(`${name(w)}: fewer than 2 replicas at minimum`);
    if (w.spec.replicas !== undefined) out.push(`${name(w)}: sets replicas (the HPA owns them)`);
  }
  return out;
}

// The NetworkPolicies: a default deny of both directions; ingress from outside the namespace only
// to the edge's pods or to the health/monitor ports; NATS clients only from bus clients.
export function networkPolicies(objs) {
  const out = [];
  const pols = ofKind(objs, 'NetworkPolicy');
  const deny = pols.find((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 &&
    ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t)) &&
    !p.spec.ingress?.length && !p.spec.egress?.length);
  if (!deny) out.push('no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)');
  const healthPorts = new Set(['health', 'monitor', 9090, 8222]);
  for (const p of pols) {
    const onlyEdge = p.spec.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'edge';
    for (const rule of p.spec.ingress ?? []) {
      const fromOutside = !rule.from?.length || rule.from.some((f) => f.ipBlock || f.namespaceSelector);
      const onlyHealth = rule.ports?.length && rule.ports.every((x) => healthPorts.has(x.port));
      if (fromOutside && !onlyEdge && !onlyHealth) {
        out.push(`NetworkPolicy/${p.metadata.name}: admits traffic from outside the namespace to non-edge pods`);
      }
    }
  }
  const nats = workloads(objs).find((w) => w.metadata.name === 'nats');
  for (const p of pols) {
    if (!nats || !selects(p.spec.podSelector, nats.spec.template.metadata.labels)) continue;
    for (const rule of p.spec.ingress ?? []) {
      const client = (rule.ports ?? []).some((x) => x.port === 'client' || x.port === 4222);
      const fromClients = rule.from?.length && rule.from.every(
        (f) => !f.namespaceSelector && !f.ipBlock && f.podSelector?.matchLabels?.['bus-client'] === 'true');
      if (client && !fromClients) out.push(`NetworkPolicy/${p.metadata.name}: NATS clients not limited to bus-client pods`);
    }
  }
  for (const d of ofKind(objs, 'Deployment')) {
    if (d.spec.template.metadata.labels?.['bus-client'] !== 'true') out.push(`${name(d)}: not labelled bus-client`);
  }
  // Port 5432 is opened only to db-client pods.
  for (const p of pols) {
    const db = (p.spec.egress ?? []).some((r) => (r.ports ?? []).some((x) => x.port === 5432));
    const sel = p.spec.podSelector?.matchLabels ?? {};
    if (db && (Object.keys(sel).length !== 1 || sel['db-client'] !== 'true')) {
      out.push(`NetworkPolicy/${p.metadata.name}: opens 5432 to pods other than db-client`);
    }
  }
  return out;
}

// No Secret is shipped (an apply would overwrite the real one); the Ingress terminates TLS for
// every host it routes.
export function secretsAndTls(objs) {
  const out = [];
  for (const s of ofKind(objs, 'Secret')) out.push(`${name(s)}: a Secret in the kustomization`);
  for (const i of ofKind(objs, 'Ingress')) {
    const tlsHosts = new Set((i.spec.tls ?? []).flatMap((t) => (t.secretName ? t.hosts ?? [] : [])));
    for (const r of i.spec.rules ?? []) {
      if (!tlsHosts.has(r.host)) out.push(`${name(i)}: host ${r.host} without TLS`);
    }
  }
  if (!ofKind(objs, 'Ingress').length) out.push('no Ingress');
  return out;
}

// The configuration the contract fixes for Kubernetes: health port 9090, 3 stream replicas and
// retention limits, a 3-node NATS with JetStream and cluster routes to each node.
export function busAndConfig(objs) {
  const out = [];
  const cfg = ofKind(objs, 'ConfigMap').find((c) => c.metadata.name === 'platform-config')?.data ?? {};
  if (cfg.HEALTH_PORT !== '9090') out.push('platform-config: HEALTH_PORT is not 9090');
  if (cfg.JS_REPLICAS !== '3') out.push('platform-config: JS_REPLICAS is not 3');
  for (const k of ['JS_EVENTS_MAX_AGE', 'JS_EVENTS_MAX_BYTES']) {
    if (!/^[1-9][0-9]*$/.test(cfg[k] ?? '')) out.push(`platform-config: ${k} is not a positive number`);
  }
  const nats = workloads(objs).find((w) => w.metadata.name === 'nats');
  if (!nats || nats.kind !== 'StatefulSet' || nats.spec.replicas !== 3) out.push('nats: not a StatefulSet of 3');
  const conf = ofKind(objs, 'ConfigMap').find((c) => c.metadata.name === 'nats-config')?.data?.['nats.conf'] ?? '';
  if (!/jetstream\s*\{/.test(conf)) out.push('nats.conf: no jetstream block');
  for (let i = 0; i < 3; i++) {
    if (!conf.includes(`nats://nats-${i}.nats:6222`)) out.push(`nats.conf: no route to nats-${i}`);
  }
  // One proxy (the Ingress controller) in front of the edge: the client address is the last
  // X-Forwarded-For entry. The older EDGE_TRUST_PROXY switch is gone from the edge.
  if (cfg.EDGE_TRUSTED_HOPS !== '1') out.push('platform-config: EDGE_TRUSTED_HOPS is not 1 (the Ingress)');
  if ('EDGE_TRUST_PROXY' in cfg) out.push('platform-config: sets EDGE_TRUST_PROXY, which the edge no longer reads');
  const urls = (cfg.NATS_URL ?? '').split(',');
  if (urls.length !== 3) out.push('platform-config: NATS_URL does not name the 3 NATS nodes');
  return out;
}

// The names of the Secrets a pod's containers read (envFrom, env valueFrom, volumes).
function secretsRead(pod) {
  const names = new Set();
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    for (const e of c.envFrom ?? []) if (e.secretRef) names.add(e.secretRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
  }
  for (const v of pod.volumes ?? []) if (v.secret) names.add(v.secret.secretName);
  return [...names].sort();
}

// Every services/<name> has a Deployment running /app/bin/<name> from the platform image, labelled
// db-client=true exactly when it has a database (dbServices: those with migrations). A service
// with a database reads its own Secret <name>-db (DATABASE_URL of its own role, docs/operations.md
// "Database roles") and no other; a service without one reads no Secret.
export function everyService(objs, services, dbServices = []) {
  const out = [];
  for (const s of services) {
    const d = ofKind(objs, 'Deployment').find((x) => x.metadata.name === s);
    const c = d?.spec.template.spec.containers[0];
    if (!d) {
      out.push(`service ${s}: no Deployment`);
      continue;
    }
    if (c.command?.[0] !== `/app/bin/${s}` || !c.image.startsWith('platform:')) {
      out.push(`service ${s}: does not run /app/bin/${s} from the platform image`);
    }
    const db = dbServices.includes(s);
    if ((d.spec.template.metadata.labels?.['db-client'] === 'true') !== db) {
      out.push(`service ${s}: db-client label does not match whether it has migrations`);
    }
    const want = db ? [`${s}-db`] : [];
    const got = secretsRead(d.spec.template.spec);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      out.push(`service ${s}: reads the Secrets [${got.join(', ')}], should read [${want.join(', ')}]`);
    }
  }
  return out;
}

export const RULES = { restrictedSecurity, healthProbes, budgetsAndScaling, networkPolicies, secretsAndTls, busAndConfig };
