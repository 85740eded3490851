// Prints the JavaScript a first page load fetches (the entry script and its modulepreloads named
// in dist/index.html), gzipped, and fails above the budget (500 KB). Lazy chunks (Swagger UI,
// the Markdown renderer) are listed apart: they load only on the pages that need them.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const BUDGET = 500 * 1024;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const first = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

let total = 0;
for (const f of first) total += gz(f);
const css = [...html.matchAll(/href="\/(assets\/[^"]+\.css)"/g)].reduce((n, m) => n + gz(m[1]), 0);
const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && !first.has('assets/' + f));
console.log(`console: first page JavaScript ${kb(total)} gzipped (${first.size} files; budget ${kb(BUDGET)}), CSS ${kb(css)}`);
for (const f of lazy) console.log(`console:   lazy ${f} ${kb(gz('assets/' + f))}`);
if (total > BUDGET) {
  console.error(`console: first page JavaScript is over the budget`);
  process.exit(1);
}
