// schema.mjs - validates Kubernetes objects offline, in two passes:
//   1. against the Kubernetes OpenAPI schemas compiled into kubernetes-models (types, required
//      fields, enums, formats);
//   2. strictly: every field must exist in the API (like kubeconform -strict), using the field
//      tables of @kubernetes/client-node's generated models. The OpenAPI schemas allow unknown
//      fields, which the API server would drop silently: a `readinesProbe` typo passes pass 1.
// Both return a list of messages, empty when the object is valid.

// "apps/v1" + "Deployment" -> kubernetes-models/apps/v1/Deployment, @kubernetes/client-node V1Deployment
function modelPaths(obj) {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const dir = group ? `${group}/${version}` : version;
  const cls = version[0].toUpperCase() + version.slice(1) + obj.kind;
  return { models: `kubernetes-models/${dir}/${obj.kind}`, cls };
}

export async function schemaErrors(obj) {
  const { models } = modelPaths(obj);
  let Model;
  try {
    Model = (await import(models))[obj.kind];
  } catch {
    return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [String(e.message ?? e)];
  }
}

const fieldTables = new Map();

// The field table of a client-node model class, or null when there is no such class.
async function fieldsOf(cls) {
  if (fieldTables.has(cls)) return fieldTables.get(cls);
  let table = null;
  try {
    const m = await import(`@kubernetes/client-node/dist/gen/models/${cls}.js`);
    table = new Map(m[cls].getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  } catch {
    table = null;
  }
  fieldTables.set(cls, table);
  return table;
}

async function walk(value, type, path, out) {
  if (value === null || value === undefined) return;
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) await walk(value[i], m[1], `${path}[${i}]`, out);
    }
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) await walk(v, m[1], `${path}.${k}`, out);
    }
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return;
  const fields = await fieldsOf(type);
  if (!fields) return; // a primitive, IntOrString, any
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) {
      out.push(`${path}.${k}: unknown field (not in ${type})`);
      continue;
    }
    await walk(v, fields.get(k), `${path}.${k}`, out);
  }
}

export async function unknownFields(obj) {
  const { cls } = modelPaths(obj);
  if (!(await fieldsOf(cls))) return [`no field table for ${obj.apiVersion} ${obj.kind}`];
  const out = [];
  await walk(obj, cls, obj.kind, out);
  return out;
}
