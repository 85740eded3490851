// render.mjs - renders a kustomization the way `kubectl kustomize` does, for the subset of
// kustomize that k8s/ uses: `resources` (YAML files, and directories holding a
// kustomization.yaml), `namespace` and `images`. Any other field is refused rather than ignored,
// so the rendering cannot silently differ from kustomize's. No kubectl is needed; where one is
// installed, check.mjs compares the two renderings.
//
//   node tests/k8s/render.mjs k8s/ > all.yaml
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isSeq, parseAllDocuments, stringify, visit } from 'yaml';

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images']);
// Kinds without a namespace (the ones a platform might ship): the namespace is not set on them.
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume',
  'StorageClass', 'IngressClass', 'PriorityClass', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'APIService',
]);

// The YAML kubectl's parser (go-yaml) refuses although the yaml package accepts it: a '?' in an
// unquoted scalar inside a flow collection ({path: /healthz?x=1} must be quoted).
function goYamlErrors(doc) {
  const out = [];
  visit(doc, {
    Scalar(_key, node, path) {
      const inFlow = path.some((p) => (isMap(p) || isSeq(p)) && p.flow);
      if (inFlow && node.type === 'PLAIN' && String(node.source ?? node.value).includes('?')) {
        out.push(`unquoted '?' in ${JSON.stringify(String(node.value))} inside a flow collection (kubectl rejects it)`);
      }
    },
  });
  return out;
}

// Parses the documents of YAML text; a syntax error fails, naming the source.
export function parseYaml(text, where) {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const out = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${where}: ${d.errors[0].message}`);
    const goErr = goYamlErrors(d);
    if (goErr.length) throw new Error(`${where}: ${goErr[0]}`);
    const v = d.toJS();
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

export const parseYamlFile = (path) => parseYaml(readFileSync(path, 'utf8'), path);

function kustomizationFile(dir) {
  for (const n of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    if (existsSync(join(dir, n))) return join(dir, n);
  }
  throw new Error(`${dir}: no kustomization.yaml`);
}

// "name[:tag][@digest]" -> the name kustomize matches `images[].name` against.
function imageName(image) {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function setImage(image, rules) {
  const rule = rules.find((r) => r.name === imageName(image));
  if (!rule) return image;
  let name = rule.newName ?? imageName(image);
  if (rule.digest) return `${name}@${rule.digest}`;
  let tag = rule.newTag;
  if (tag === undefined) {
    const rest = image.slice(imageName(image).length);
    return name + rest;
  }
  return `${name}:${tag}`;
}

function podSpecOf(obj) {
  if (obj.kind === 'Pod') return obj.spec;
  if (obj.kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.spec;
  return obj.spec?.template?.spec;
}

function applyImages(objs, rules) {
  for (const o of objs) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      if (typeof c.image === 'string') c.image = setImage(c.image, rules);
    }
  }
}

function applyNamespace(objs, ns) {
  for (const o of objs) {
    if (CLUSTER_SCOPED.has(o.kind)) continue;
    o.metadata = { ...(o.metadata ?? {}), namespace: ns };
  }
}

export function objectId(o) {
  return `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

// Renders the kustomization in dir: the list of objects, in resource order.
export function render(dir) {
  dir = resolve(dir);
  const kfile = kustomizationFile(dir);
  const [k] = parseYamlFile(kfile);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new Error(`${kfile}: field ${key} is not supported by render.mjs`);
  }
  let objs = [];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    if (!existsSync(p)) throw new Error(`${kfile}: resource ${r} does not exist`);
    objs = objs.concat(statSync(p).isDirectory() ? render(p) : parseYamlFile(p));
  }
  if (k.images) applyImages(objs, k.images);
  if (k.namespace) applyNamespace(objs, k.namespace);
  const seen = new Set();
  for (const o of objs) {
    if (!o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new Error(`${kfile}: an object lacks apiVersion, kind or metadata.name`);
    }
    const id = objectId(o);
    if (seen.has(id)) throw new Error(`${kfile}: ${id} is defined twice`);
    seen.add(id);
  }
  return objs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const objs = render(process.argv[2] ?? 'k8s');
  process.stdout.write(objs.map((o) => stringify(o)).join('---\n'));
}
