// judge.mjs - judges the fake OpenAI-compatible embeddings server (tests/support/fakeembed.c)
// with the official `openai` npm client: if the real client accepts its answers (floats, base64,
// the client's own default of base64, dimensions, token inputs) and turns its errors into the
// right error classes (401, 404, 429 with Retry-After, 500) while retrying what it should, the
// fake speaks the real protocol. Usage: node judge.mjs <path of the fakeembed binary>.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import OpenAI from "openai";

const bin = process.argv[2];
const KEY = "sk-judge-0123456789abcdef";
const DIMS = 64;
let passed = 0;
let failed = 0;

function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `: ${detail}`}`);
}

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const near = (a, b, eps = 1e-6) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= eps);

async function rejects(name, promise, klass, status, code) {
  try {
    await promise;
    check(name, false, "no error");
    return null;
  } catch (e) {
    check(name, e instanceof klass && e.status === status && (code === undefined || e.code === code),
      `${e.constructor.name} ${e.status} ${e.code}`);
    return e;
  }
}

const fake = spawn(bin, ["--key", KEY, "--dims", String(DIMS), "--models", "text-embedding-3-small,text-embedding-3-large"], {
  stdio: ["pipe", "pipe", "inherit"],
});
const [line] = await once(createInterface({ input: fake.stdout }), "line");
const baseURL = line.match(/(http:\/\/\S+)/)[1];
const root = baseURL.replace(/\/v1$/, "");
const control = (path, body) =>
  fetch(root + path, { method: body ? "POST" : "GET", body: body && JSON.stringify(body) }).then((r) => r.json());

try {
  const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
  const model = "text-embedding-3-small";
  const input = ["Сколько стоит доставка?", "How much does delivery cost?", "третий"];

  const f = await client.embeddings.create({ model, input, encoding_format: "float" });
  check("float: a list of embeddings in order", f.object === "list" && f.data.length === 3 &&
    f.data.every((d, i) => d.object === "embedding" && d.index === i && d.embedding.length === DIMS));
  check("float: unit vectors", f.data.every((d) => Math.abs(norm(d.embedding) - 1) < 1e-5));
  check("float: usage and model", f.model === model && f.usage.prompt_tokens > 0 &&
    f.usage.total_tokens === f.usage.prompt_tokens);
  const again = await client.embeddings.create({ model, input: [input[2], input[0]], encoding_format: "float" });
  check("deterministic: the same text, the same vector", near(again.data[0].embedding, f.data[2].embedding, 0) &&
    near(again.data[1].embedding, f.data[0].embedding, 0));

  const b = await client.embeddings.create({ model, input, encoding_format: "base64" });
  const decoded = b.data.map((d) => Array.from(new Float32Array(Uint8Array.from(Buffer.from(d.embedding, "base64")).buffer)));
  check("base64: float32 little-endian of the same vectors", typeof b.data[0].embedding === "string" &&
    decoded.every((v, i) => near(v, f.data[i].embedding)));

  const dflt = await client.embeddings.create({ model, input }); // the client asks base64 and decodes
  check("default (the client's base64, decoded by it)", dflt.data.every((d, i) => Array.isArray(d.embedding) &&
    near(d.embedding, f.data[i].embedding)));

  const short = await client.embeddings.create({ model, input: input[0], dimensions: 8, encoding_format: "float" });
  const cut = f.data[0].embedding.slice(0, 8);
  const cn = norm(cut);
  check("dimensions: the vector cut and re-normalised", short.data.length === 1 && short.data[0].embedding.length === 8 &&
    near(short.data[0].embedding, cut.map((x) => x / cn), 1e-5));

  const tok = await client.embeddings.create({ model, input: [[1, 2, 3], [4]], encoding_format: "float" });
  check("token arrays", tok.data.length === 2 && tok.usage.prompt_tokens === 4);
  const tok1 = await client.embeddings.create({ model, input: [1, 2, 3], encoding_format: "float" });
  check("one token array is one input", tok1.data.length === 1 && near(tok1.data[0].embedding, tok.data[0].embedding, 0));

  await rejects("empty string input: 400", client.embeddings.create({ model, input: "" }), OpenAI.BadRequestError, 400);
  await rejects("bad dimensions: 400", client.embeddings.create({ model, input: "x", dimensions: DIMS + 1 }),
    OpenAI.BadRequestError, 400);

  const bad = new OpenAI({ apiKey: "sk-wrong-key-99999", baseURL, maxRetries: 0 });
  const e401 = await rejects("wrong key: AuthenticationError", bad.embeddings.create({ model, input: "x" }),
    OpenAI.AuthenticationError, 401, "invalid_api_key");
  check("wrong key: the message masks the key", e401 && e401.message.includes("sk-***9999") &&
    !e401.message.includes("sk-wrong-key"));
  await rejects("unknown model: NotFoundError", client.embeddings.create({ model: "nope", input: "x" }),
    OpenAI.NotFoundError, 404, "model_not_found");

  await control("/_fake/reset", {});
  await control("/_fake/fail", { count: 1, status: 429, retry_after: 1 });
  const e429 = await rejects("429: RateLimitError", client.embeddings.create({ model, input: "x" }),
    OpenAI.RateLimitError, 429, "rate_limit_exceeded");
  check("429: Retry-After and x-ratelimit headers", e429 && e429.headers.get("retry-after") === "1" &&
    e429.headers.get("x-ratelimit-remaining-requests") === "0");

  const retrying = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 2 });
  await control("/_fake/reset", {});
  await control("/_fake/fail", { count: 1, status: 429, retry_after: 0 });
  const r1 = await retrying.embeddings.create({ model, input: ["a", "b"], encoding_format: "float" });
  let stats = await control("/_fake/stats");
  check("429 then success: the client retried", r1.data.length === 2 && stats.requests === 2 && stats.answered === 1);

  await control("/_fake/reset", {});
  await control("/_fake/fail", { count: 1, status: 500 });
  await rejects("500: InternalServerError", client.embeddings.create({ model, input: "x" }), OpenAI.InternalServerError, 500);
  await control("/_fake/fail", { count: 2, status: 500 });
  const r2 = await retrying.embeddings.create({ model, input: "x", encoding_format: "float" });
  stats = await control("/_fake/stats");
  check("500 twice then success: the client retried", r2.data.length === 1 && stats.requests === 4 && stats.answered === 1);
} catch (e) {
  check("the judge ran to the end", false, String(e && e.stack));
} finally {
  fake.stdin.end(); // the fake exits when its stdin closes
  await once(fake, "exit");
}
console.log(`fakeembed: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
