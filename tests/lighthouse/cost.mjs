#!/usr/bin/env node
// The main-thread CPU a page of the console costs to load, without throttling: a steadier
// figure than Lighthouse's total blocking time on a busy machine (Lighthouse multiplies the wall
// time of each task, which other processes stretch; this sums the main thread's own CPU time,
// which they stretch far less). For comparing builds: give it two stacks, it alternates between
// them.
//
//   EDGE_URL=http://127.0.0.1:18480 [EDGE_URL_B=http://127.0.0.1:18490] node cost.mjs [path]
//
// Loads path (/login) COST_RUNS times (9) in a fresh browser context each (cold cache), waits for
// the page's form or main landmark, and prints the median main-thread CPU time of the load (all
// tasks of the renderer's main thread up to then), its script part (evaluation and compile), the
// number of tasks over 50 ms wall time, and the bytes of JavaScript transferred.
// Env: CHROMIUM (/usr/bin/chromium), COST_RUNS (9).
import { loadavg } from 'node:os';
import puppeteer from 'puppeteer-core';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const RUNS = Number(process.env.COST_RUNS ?? 9);
const path = process.argv[2] ?? '/login';
const stacks = [process.env.EDGE_URL, process.env.EDGE_URL_B].filter(Boolean);
if (!stacks.length) {
  console.error('cost: set EDGE_URL (and EDGE_URL_B to compare)');
  process.exit(2);
}

// Top-level script work: a module's compilation and evaluation, a classic script, a callback.
const SCRIPT = new Set(['EvaluateScript', 'v8.compileModule', 'v8.evaluateModule', 'FunctionCall']);

// Main-thread figures of one trace: the renderer main thread that parsed the page's document
// (the browser keeps spare renderers, whose work is not the page's).
function figures(events, url) {
  const main = events.find((e) => e.name === 'ParseHTML' && e.args?.beginData?.url === url);
  const f = { cpu: 0, script: 0, long: 0 };
  for (const e of events) {
    if (!main || e.pid !== main.pid || e.tid !== main.tid || e.ph !== 'X') continue;
    if (e.name === 'RunTask') {
      f.cpu += (e.tdur ?? e.dur) / 1000;
      if (e.dur > 50000) f.long++;
    } else if (SCRIPT.has(e.name)) {
      f.script += (e.tdur ?? e.dur) / 1000;
    }
  }
  return f;
}

async function once(browser, base) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  let js = 0;
  page.on('response', async (r) => {
    if (r.request().resourceType() === 'script') js += Number(r.headers()['content-length'] ?? 0);
  });
  await page.tracing.start({ categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute'] });
  await page.goto(base + path, { waitUntil: 'load' });
  await page.waitForSelector('form, main', { timeout: 30000 });
  const trace = JSON.parse(Buffer.from(await page.tracing.stop()).toString('utf8'));
  await ctx.close();
  return { ...figures(trace.traceEvents, base + path), js };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  args: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const runs = stacks.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (let s = 0; s < stacks.length; s++) runs[s].push(await once(browser, stacks[s]));
  }
  stacks.forEach((base, s) => {
    const r = runs[s];
    console.log(`cost: ${base}${path}, median of ${RUNS}: main thread CPU ${median(r.map((x) => x.cpu)).toFixed(0)} ms ` +
      `(script ${median(r.map((x) => x.script)).toFixed(0)} ms), tasks over 50 ms ${median(r.map((x) => x.long))}, ` +
      `JavaScript ${(median(r.map((x) => x.js)) / 1024).toFixed(1)} KB transferred; load average ${loadavg()[0].toFixed(1)}`);
  });
} finally {
  await browser.close();
}
