// check.mjs - validates the edge's OpenAPI document (argv[2]) with @apidevtools/swagger-parser
// (the OpenAPI 3.0 JSON Schema plus its spec rules: unique operation ids, path parameters that
// match the template, resolvable $refs), then checks what a client generator relies on and a
// plain schema validator cannot see. Exits non-zero naming every problem. Run by run.sh.
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2];
const doc = JSON.parse(readFileSync(file, 'utf8'));
const problems = [];
const fail = (msg) => problems.push(msg);

try {
  // validate() dereferences its argument: give it a copy.
  await SwaggerParser.validate(structuredClone(doc), { validate: { schema: true, spec: true } });
} catch (e) {
  fail(`swagger-parser: ${e.message}`);
}

const schemas = doc.components?.schemas ?? {};
const resolve = (s) => (s && s.$ref ? resolve(schemas[s.$ref.split('/').pop()]) : s);

// Every schema: no "unspecified" enum value; required names declared properties.
const walk = (v, where) => {
  if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`));
  if (!v || typeof v !== 'object') return;
  if (Array.isArray(v.enum) && v.enum.includes('unspecified')) fail(`${where}: enum offers "unspecified"`);
  if (Array.isArray(v.required) && v.properties)
    for (const r of v.required) if (!(r in v.properties)) fail(`${where}: required ${r} is no property`);
  for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
};
walk(doc, '#');

const methods = ['get', 'post', 'put', 'patch', 'delete'];
let operations = 0;
for (const [path, item] of Object.entries(doc.paths)) {
  for (const m of methods) {
    const op = item[m];
    if (!op) continue;
    operations++;
    const where = `${m.toUpperCase()} ${path}`;
    const codes = Object.keys(op.responses);
    if (!codes.some((c) => /^[12]\d\d$/.test(c))) fail(`${where}: no success response`);
    if (path.startsWith('/api/') && !path.startsWith('/api/health') && path !== '/api/openapi.json') {
      for (const c of ['400', '503', '504']) if (!codes.includes(c)) fail(`${where}: ${c} not declared`);
      const session = (op.security ?? []).length > 0;
      if (session && !codes.includes('401')) fail(`${where}: needs a credential but declares no 401`);
      if (m !== 'get' && !codes.includes('403')) fail(`${where}: 403 (cross-site refusal) not declared`);
      if (path.includes('{') && !codes.includes('404')) fail(`${where}: path ids but no 404`);
      if (op.requestBody && !op.requestBody.required) fail(`${where}: request body not required`);
      for (const c of codes.filter((c) => /^[45]\d\d$/.test(c))) {
        const r = op.responses[c].$ref ? doc.components.responses[op.responses[c].$ref.split('/').pop()] : op.responses[c];
        if (resolve(r?.content?.['application/json']?.schema) !== schemas.Error) fail(`${where}: ${c} is not the Error schema`);
        if (c === '429' && !r.headers?.['Retry-After']) fail(`${where}: 429 without Retry-After`);
      }
    }
    // path parameters are exactly the template's
    const inPath = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
    const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]).sort();
    if (inPath.join() !== inTemplate.join()) fail(`${where}: path parameters ${inPath} vs ${inTemplate}`);
    // a body schema never repeats a path parameter
    const body = resolve(op.requestBody?.content?.['application/json']?.schema);
    for (const p of inTemplate) if (body?.properties?.[p]) fail(`${where}: body repeats path parameter ${p}`);
  }
}
for (const p of ['/api/health', '/api/health/ready', '/ws']) if (!doc.paths[p]?.get) fail(`${p} is not described`);
if (!doc.paths['/ws']?.get?.responses?.['101']) fail('/ws: no 101');
for (const s of ['cookie', 'bearer']) if (!doc.components.securitySchemes?.[s]) fail(`security scheme ${s} missing`);

// Answers: timestamps are date-time and readOnly; ids of answers readOnly uuids.
const agent = schemas['agents.Agent'];
if (agent?.properties?.created_at?.format !== 'date-time' || !agent.properties.created_at.readOnly)
  fail('agents.Agent.created_at: not a readOnly date-time');
if (agent?.properties?.id?.format !== 'uuid' || !agent.properties.id.readOnly) fail('agents.Agent.id: not a readOnly uuid');

if (problems.length) {
  console.error(`openapi check: ${problems.length} problem(s) in ${file}:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`openapi check: valid OpenAPI ${doc.openapi}, ${operations} operations, ${Object.keys(schemas).length} schemas`);
