#!/usr/bin/env node
// The knowledge pipeline seen from the console (headless Chromium against the real stack that
// `devstack test` starts, like run.mjs): a new organisation uploads a TXT and a Markdown file on
// the Training page, watches them become ready, reads their chunks, is told about a duplicate
// and an unsupported file in the server's words, and finds the uploaded text on Test retrieval.
// Needs the whole pipeline in the stack: edge, auth, rag, ingest, embed. Totals in Criterion's
// "Synthesis:" form, screenshots in build/screenshots/ (training-*, test-retrieval-*).
//
//   build/bin/devstack test tests/e2e/knowledge.mjs        (after `make web`)
// Env: CHROMIUM (/usr/bin/chromium), SCREENSHOTS, E2E_READY_TIMEOUT (ms, 120000), E2E_HEADED=1.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(join(repo, 'web', 'package.json'))('playwright-core');
const EDGE = process.env.EDGE_URL;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOTS ?? join(repo, 'build', 'screenshots');
const READY_MS = Number(process.env.E2E_READY_TIMEOUT ?? 120000);
if (!EDGE || !existsSync(CHROMIUM)) {
  console.error(`knowledge e2e: needs EDGE_URL (run it through devstack test) and Chromium at ${CHROMIUM}`);
  process.exit(2);
}
mkdirSync(SHOTS, { recursive: true });

const run = Date.now().toString(36);
const TXT = {
  name: `delivery-${run}.txt`,
  body: 'Delivery\n\nOrders to Kazan arrive within two days by courier. Delivery to Novosibirsk takes five days.\n\nCourier delivery is free for orders above 5000 roubles.\n',
};
const MD = {
  name: `returns-${run}.md`,
  body: '# Returns\n\nWe want you to be happy with every purchase.\n\n## Refund window\n\nCustomers may return any unopened item within 30 days for a full refund.\n\n## Damaged goods\n\n- Photograph the damage\n- Write to support within 48 hours\n',
};
const PNG = { name: `photo-${run}.txt`, body: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex') };

const fail = (what) => {
  throw new Error(`expected ${what}`);
};
const expect = (cond, what) => cond || fail(what);

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: process.env.E2E_HEADED !== '1', args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
const errors = [];
async function signedIn(viewport) {
  const ctx = await browser.newContext({ viewport, baseURL: EDGE, locale: 'en-US' });
  ctx.setDefaultTimeout(15000);
  await ctx.addCookies([{ name: 'sid', value: sid, url: EDGE }]);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`));
  return p;
}
const shot = async (p, name) => {
  await p.waitForTimeout(200);
  await p.screenshot({ path: join(SHOTS, `${name}-${(p.viewportSize()?.width ?? 0) < 500 ? 'phone' : 'desktop'}.png`) });
};
async function api(method, path, body) {
  const res = await fetch(EDGE + path, { method, headers: { 'Content-Type': 'application/json', Cookie: `sid=${sid}` }, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const reg = await fetch(`${EDGE}/api/auth/register`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ email: `kb-${run}@example.com`, password: 'Quartz-Lantern-2026!', name: 'Kim Trainer', org_name: 'Knowledge Co' }),
});
const sid = (reg.headers.get('set-cookie') ?? '').match(/sid=([^;]+)/)?.[1];
const page = sid ? await signedIn({ width: 1440, height: 900 }) : null;
const row = (name) => page.getByTestId('documents').locator('tr', { has: page.getByRole('button', { name, exact: true }) });

const steps = [
  ['training: two files dropped at once upload with progress and become ready, live', async () => {
    expect(sid, `a session from sign-up (got ${reg.status})`);
    await api('POST', '/api/kb/categories', { name: 'Logistics' });
    await page.goto('/training');
    await page.getByRole('heading', { name: 'Training', exact: true }).waitFor();
    await page.getByText('No documents yet').waitFor();
    await page.getByLabel('Category for new files').selectOption({ label: 'Logistics' });
    const toast = page.locator('.toast', { hasText: 'is ready' }).first().waitFor({ timeout: READY_MS }).then(() => null, (e) => e);
    await page.getByLabel('Choose files').setInputFiles([
      { name: TXT.name, mimeType: 'text/plain', buffer: Buffer.from(TXT.body) },
      { name: MD.name, mimeType: 'text/markdown', buffer: Buffer.from(MD.body) },
    ]);
    await page.locator('.upload-item[data-state="done"]').nth(1).waitFor();
    for (const f of [TXT, MD]) {
      await row(f.name).waitFor();
      await row(f.name).locator('.badge', { hasText: 'Ready' }).waitFor({ timeout: READY_MS });
      const chunks = Number(await row(f.name).locator('td.num').last().textContent());
      expect(chunks >= 1, `${f.name} indexed into chunks (got ${chunks})`);
      expect((await row(f.name).textContent()).includes('Logistics'), `${f.name} in the chosen category`);
    }
    const missed = await toast;
    expect(!missed, `the socket's document.progress toast ("… is ready"): ${missed}`);
    await shot(page, 'training');
  }],
  ['training: a duplicate and an unsupported file are told in the server words', async () => {
    await page.getByLabel('Choose files').setInputFiles([
      { name: TXT.name, mimeType: 'text/plain', buffer: Buffer.from(TXT.body) },
      { name: PNG.name, mimeType: 'text/plain', buffer: PNG.body },
    ]);
    await page.getByText(`Already uploaded as “${TXT.name}”.`).waitFor();
    const bad = page.locator('.upload-item[data-state="error"]', { hasText: PNG.name });
    await bad.waitFor();
    const said = (await bad.getByRole('alert').textContent()).trim();
    expect(said.length > 3 && !/^The server could not answer/.test(said), `the API's own 415 message (got "${said}")`);
    await page.getByRole('button', { name: 'Clear finished' }).click();
    await page.locator('.upload-item').first().waitFor({ state: 'detached' });
  }],
  ['training: the chunks of the Markdown file, with their heading path', async () => {
    await page.getByRole('button', { name: `Chunks of ${MD.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Chunks of “${MD.name}”` });
    await dialog.getByText(/unopened item within 30 days/).waitFor();
    await dialog.locator('.chunk-path', { hasText: 'Refund window' }).first().waitFor();
    const href = await dialog.getByRole('link', { name: 'Download' }).getAttribute('href');
    const file = await page.evaluate((u) => fetch(u).then((r) => r.text()), href);
    expect(file === MD.body, 'the download is the uploaded file');
    await shot(page, 'training-chunks');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }],
  ['test retrieval: a question finds the uploaded text, highlighted, with its scores and source', async () => {
    await page.locator('.sidebar').getByRole('link', { name: 'Test retrieval', exact: true }).click();
    await page.getByRole('heading', { name: 'Test retrieval', exact: true }).waitFor();
    await page.getByLabel('Question').fill('How long does delivery to Kazan take?');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = page.getByTestId('passages').locator('li', { hasText: TXT.name }).first();
    await hit.waitFor();
    await hit.locator('mark').first().waitFor();
    const marks = await hit.locator('mark').allTextContents();
    expect(marks.some((m) => /kazan/i.test(m)), `Kazan highlighted in the snippet (marks: ${marks})`);
    await page.getByText(/passages? · .* ms · Hybrid/).waitFor();
    await hit.getByText('Vector similarity').waitFor();
    await shot(page, 'test-retrieval');
    await page.getByText('Full text', { exact: true }).click();
    await page.getByLabel('Question').fill('refund for unopened items');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const md = page.getByTestId('passages').locator('li', { hasText: MD.name }).first();
    await md.waitFor();
    await page.getByText(/· Full text/).waitFor();
    await md.getByRole('link', { name: MD.name }).click();
    await page.waitForURL(/\/training\?doc=/);
    await page.getByRole('dialog', { name: `Chunks of “${MD.name}”` }).waitFor();
  }],
  ['training: re-index, then delete after confirming', async () => {
    await page.goto('/training');
    await page.getByRole('button', { name: `Re-index ${TXT.name}` }).click();
    await page.getByText(`“${TXT.name}” is processed again`).waitFor();
    await row(TXT.name).locator('.badge', { hasText: 'Ready' }).waitFor({ timeout: READY_MS });
    await page.getByRole('button', { name: `Delete ${MD.name}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText(`“${MD.name}” deleted`).waitFor();
    await row(MD.name).waitFor({ state: 'detached' });
    const left = await api('GET', '/api/kb/documents');
    expect(left.total === 1 && left.items[0].name === TXT.name, `one document left (got ${JSON.stringify(left.items?.map((d) => d.name))})`);
  }],
  ['phone width: both pages fit 390 px, and no page error', async () => {
    const phone = await signedIn({ width: 390, height: 844 });
    for (const [name, path, text] of [['training', '/training', TXT.name], ['test-retrieval', '/test-retrieval', 'Ask a question']]) {
      await phone.goto(path);
      await phone.locator('#main').getByText(text).first().waitFor();
      await shot(phone, name);
      const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(over <= 1, `${name} not wider than the phone (+${over}px)`);
    }
    expect(errors.length === 0, `no uncaught errors: ${errors.join('; ')}`);
  }],
];

let passed = 0, failed = 0;
for (const [name, fn] of steps) {
  if (failed) {
    console.log(`[SKIP] ${name} (an earlier step failed)`);
    failed++;
    continue;
  }
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`[PASS] ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`[FAIL] ${name}: ${e?.stack ?? e}`);
    if (page) await page.screenshot({ path: join(SHOTS, `failure-knowledge-${passed + 1}.png`), fullPage: true }).catch(() => {});
  }
}
await browser.close();
console.log(`Synthesis: Tested: ${passed + failed} | Passing: ${passed} | Failing: ${failed} | Crashing: 0`);
process.exit(failed ? 1 : 0);
