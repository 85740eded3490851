// Precompresses the built console for the edge: next to every text file of dist/ (scripts,
// styles, HTML, SVG, JSON, text) of 1 KB or more, file.br (brotli, quality 11) and file.gz (gzip,
// level 9), each kept only when it is smaller than the original. The edge sends the one the
// browser accepts (services/edge/assets.c), with Content-Encoding and Vary: Accept-Encoding.
// Node's own zlib does both: nothing to install.
import { readFileSync, readdirSync, writeFileSync, unlinkSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { join, extname } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const TEXT = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt', '.map', '.webmanifest']);
const MIN = 1024;

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

let raw = 0, br = 0, gz = 0, n = 0;
for (const f of [...files(dist)]) {
  if (f.endsWith('.br') || f.endsWith('.gz')) {
    unlinkSync(f); // left by an earlier run
    continue;
  }
  if (!TEXT.has(extname(f))) continue;
  const data = readFileSync(f);
  if (data.length < MIN) continue;
  const out = {
    '.br': brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    '.gz': gzipSync(data, { level: 9 }),
  };
  for (const [ext, body] of Object.entries(out)) {
    if (body.length >= data.length) continue;
    writeFileSync(f + ext, body); // written after the original: the edge ignores older siblings
  }
  raw += data.length;
  br += Math.min(out['.br'].length, data.length);
  gz += Math.min(out['.gz'].length, data.length);
  n++;
}
const kb = (x) => (x / 1024).toFixed(1) + ' KB';
console.log(`console: precompressed ${n} files, ${kb(raw)} -> ${kb(br)} brotli, ${kb(gz)} gzip`);
