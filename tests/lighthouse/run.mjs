#!/usr/bin/env node
// Lighthouse scores of the console (mobile preset: simulated slow 4G and a 4x slower CPU) on the
// sign-in page and on the signed-in agents page, against a running stack. Not part of make test:
// it needs a release build to mean anything, and takes a few minutes.
//
//   make -j2 build web
//   VAR_DIR=/tmp/lh-var EDGE_PORT=18480 NATS_PORT=18422 NATS_MONITOR_PORT=18482 PG_PORT=18433 \
//     build/bin/devstack run &                         # or any running stack (make run)
//   cd tests/lighthouse && npm ci && EDGE_URL=http://127.0.0.1:18480 node run.mjs
//
// It signs up a fresh account through the API (and gives it three agents), hands its session
// cookie to the browser, and audits both pages with Debian's Chromium (headless, the flags of
// tests/e2e/run.mjs), LH_RUNS times each. Prints the scores of the run with the median
// performance score, writes its reports (HTML and JSON) to LH_OUT, and exits 1 when performance
// is under 90 or accessibility under 95 on either page.
// Env: EDGE_URL (required), CHROMIUM (/usr/bin/chromium), LH_OUT (build/lighthouse),
// LH_RUNS (3), LH_CPU_SLOWDOWN (4, the mobile preset's), LH_PAGES (sign-in,agents: which pages).
// Besides the scores it prints, per run, total blocking time and the JavaScript the page
// fetched (bytes on the wire, the largest script apart), the two figures the console's build
// (web/vite.config.ts, the lazy routes of web/src/App.tsx) works to keep down.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import lighthouse from 'lighthouse';
import * as constants from 'lighthouse/core/config/constants.js';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';

const here = dirname(fileURLToPath(import.meta.url));
const EDGE = process.env.EDGE_URL;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.LH_OUT ?? join(here, '..', '..', 'build', 'lighthouse');
const RUNS = Number(process.env.LH_RUNS ?? 3);
// Lighthouse multiplies the task times it observed by this. On a machine busy with other work
// (a low "benchmark index" in the output; an unloaded desktop scores 1000 or more) the host's
// own slowness is multiplied too, and the CPU-bound metric, total blocking time, suffers most.
const SLOWDOWN = Number(process.env.LH_CPU_SLOWDOWN ?? 4);
const WANT = { performance: 90, accessibility: 95 };
const PAGES = (process.env.LH_PAGES ?? 'sign-in,agents').split(',');
if (!EDGE) {
  console.error('lighthouse: set EDGE_URL to a running stack, e.g. http://127.0.0.1:8080');
  process.exit(2);
}

// A new account with its organisation, and a few agents so the list is not empty.
async function signUp() {
  const email = `lighthouse-${Date.now().toString(36)}@example.com`;
  const r = await fetch(`${EDGE}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: EDGE },
    body: JSON.stringify({ email, password: 'Correct-Horse-42', name: 'Lighthouse', org_name: 'Lighthouse org' }),
  });
  if (r.status !== 201) throw new Error(`register: ${r.status} ${await r.text()}`);
  const sid = /(?:^|[;,]\s*)sid=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1];
  if (!sid) throw new Error('register: no sid cookie');
  for (const name of ['Sales desk', 'After-hours helper', 'Renewals']) {
    const a = await fetch(`${EDGE}/api/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: EDGE, cookie: `sid=${sid}` },
      body: JSON.stringify({ name, description: `${name}: answers leads in Kommo` }),
    });
    if (a.status !== 201) throw new Error(`agent: ${a.status} ${await a.text()}`);
  }
  return sid;
}

// One Lighthouse run of path in a new tab; signed in with sid when given.
async function audit(browser, path, sid) {
  const page = await browser.newPage();
  if (sid) await browser.setCookie({ name: 'sid', value: sid, domain: new URL(EDGE).hostname, path: '/', httpOnly: true });
  // Storage is reset before a run by default, which would drop the session cookie; without that
  // reset the HTTP cache would survive from the run before (a warm load, scripts not fetched):
  // empty it here, keeping the cookie.
  const cdp = await page.createCDPSession();
  await cdp.send('Network.clearBrowserCache');
  await cdp.detach();
  const flags = { output: ['html', 'json'], logLevel: 'error', disableStorageReset: !!sid };
  const throttling = { ...constants.throttling.mobileSlow4G, cpuSlowdownMultiplier: SLOWDOWN };
  const result = await lighthouse(`${EDGE}${path}`, flags, { extends: 'lighthouse:default', settings: { throttling } }, page);
  await page.close();
  if (new URL(result.lhr.finalDisplayedUrl).pathname !== path) throw new Error(`${path}: landed on ${result.lhr.finalDisplayedUrl}`);
  return result;
}

const pct = (c) => Math.round(c.score * 100);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
// The scripts a run fetched: their total and the largest, as transferred (compressed).
function scripts(lhr) {
  const js = (lhr.audits['network-requests'].details?.items ?? []).filter((r) => r.resourceType === 'Script');
  const big = js.reduce((a, r) => (r.transferSize > (a?.transferSize ?? -1) ? r : a), null);
  const total = js.reduce((n, r) => n + r.transferSize, 0);
  return `JavaScript ${kb(total)} in ${js.length} files, largest ${big ? `${new URL(big.url).pathname} ${kb(big.transferSize)}` : '-'}`;
}
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const sid = PAGES.includes('agents') ? await signUp() : null;
  mkdirSync(OUT, { recursive: true });
  const pages = [{ name: 'sign-in', path: '/login' }, { name: 'agents', path: '/agents', sid }];
  for (const p of pages.filter((x) => PAGES.includes(x.name))) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await audit(browser, p.path, p.sid);
      const tbt = r.lhr.audits['total-blocking-time'].displayValue;
      console.log(`lighthouse: ${p.name} run ${i + 1}: performance ${pct(r.lhr.categories.performance)}, total blocking time ${tbt}, ${scripts(r.lhr)} (benchmark index ${Math.round(r.lhr.environment.benchmarkIndex)})`);
      runs.push(r);
    }
    runs.sort((a, b) => a.lhr.categories.performance.score - b.lhr.categories.performance.score);
    const { lhr, report } = runs[Math.floor(runs.length / 2)];
    writeFileSync(join(OUT, `${p.name}.html`), report[0]);
    writeFileSync(join(OUT, `${p.name}.json`), report[1]);
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, pct(c)]));
    const metrics = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']
      .map((a) => `${a.replace(/-/g, ' ')} ${lhr.audits[a].displayValue}`).join(', ');
    console.log(`lighthouse: ${p.name} (${p.path}), median of ${RUNS}: ${Object.entries(scores).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`lighthouse:   ${metrics}`);
    for (const [k, min] of Object.entries(WANT)) {
      if (scores[k] >= min) continue;
      failed = true;
      console.log(`lighthouse:   ${k} ${scores[k]} is under ${min}; audits that cost points:`);
      for (const ref of lhr.categories[k].auditRefs) {
        const a = lhr.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 0.9) console.log(`lighthouse:     ${a.id}: ${a.title} ${a.displayValue ?? ''}`);
      }
    }
  }
  await browser.disconnect();
  console.log(`lighthouse: reports in ${OUT}`);
} finally {
  await chrome.kill();
}
process.exit(failed ? 1 : 0);
