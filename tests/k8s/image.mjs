// image.mjs - lints infra/docker/Dockerfile and .dockerignore without a Docker engine: what
// hadolint would say about our file, plus the checks only this repository can make (every COPY
// source exists and reaches the build context, the packages agree with infra/packages.txt and
// with what the built binaries link, the console is built and copied where the edge looks).
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Instructions of a Dockerfile: [{op, args, line}], continuation lines joined, comments dropped.
export function parseDockerfile(text) {
  const out = [];
  let cur = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!cur && (line === '' || line.startsWith('#'))) return;
    if (cur && line.startsWith('#')) return;
    if (!cur) start = i + 1;
    cur += (cur ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      const m = /^(\S+)\s*(.*)$/.exec(cur);
      out.push({ op: m[1].toUpperCase(), args: m[2], line: start });
      cur = '';
    }
  });
  return out;
}

// .dockerignore patterns -> a predicate "is this path (relative, no leading ./) excluded?".
// Go filepath.Match syntax with ** and ! exceptions; the last matching pattern wins, and a path is
// excluded when it or one of its parent directories is.
export function dockerignore(text) {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const neg = l.startsWith('!');
    const pat = (neg ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
    const re = pat.split('**').map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('.*');
    return { neg, re: new RegExp(`^${re.replace(/^\.\*\//, '(.*/)?')}$`) };
  });
  const matches = (p) => {
    let ex = false;
    for (const r of rules) if (r.re.test(p)) ex = !r.neg;
    return ex;
  };
  return (path) => {
    const parts = path.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
    for (let i = 1; i <= parts.length; i++) if (matches(parts.slice(0, i).join('/'))) return true;
    return false;
  };
}

const words = (s) => s.split(/\s+/).filter(Boolean);
const flags = (args) => words(args).filter((w) => w.startsWith('--'));
const operands = (args) => words(args).filter((w) => !w.startsWith('--'));
const aptPackages = (run) => {
  const m = /apt-get install ([^&;]*)/.exec(run);
  return m ? words(m[1]).filter((w) => !w.startsWith('-')) : [];
};

// Splits the instructions into stages: [{name, image, instrs}].
function stagesOf(instrs) {
  const stages = [];
  for (const i of instrs) {
    if (i.op === 'FROM') {
      const [image, as, name] = operands(i.args);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instrs: [] });
    } else if (stages.length) {
      stages.at(-1).instrs.push(i);
    }
  }
  return stages;
}

// repo: the repository root. cfg: {staticDir} from platform-config. packagesTxt: the names in
// infra/packages.txt. Returns the violations.
export function dockerfileErrors(text, ignoreText, repo, { staticDir, packagesTxt }) {
  const out = [];
  const instrs = parseDockerfile(text);
  const stages = stagesOf(instrs);
  const excluded = dockerignore(ignoreText);
  if (!stages.length) return ['no FROM'];
  stages.forEach((s, n) => {
    if (!/^(debian:bookworm(-slim)?|node:[0-9.]+-bookworm(-slim)?)(@sha256:[0-9a-f]+)?$/.test(s.image)) {
      out.push(`stage ${n} (${s.image}): not a Debian bookworm image with a fixed version`);
    }
    for (const i of s.instrs) {
      if (i.op === 'ADD') out.push(`line ${i.line}: ADD (use COPY)`);
      if (i.op === 'COPY') {
        const from = flags(i.args).find((f) => f.startsWith('--from='))?.slice(7);
        const srcs = operands(i.args).slice(0, -1);
        if (from) {
          if (!stages.slice(0, n).some((p) => p.name === from)) out.push(`line ${i.line}: --from=${from} is not an earlier stage`);
          continue;
        }
        for (const src of srcs) {
          if (!existsSync(join(repo, src))) out.push(`line ${i.line}: COPY source ${src} does not exist`);
          else if (excluded(src)) out.push(`line ${i.line}: COPY source ${src} is excluded by .dockerignore`);
        }
      }
      if (i.op === 'RUN' && /apt-get install/.test(i.args)) {
        if (!/--no-install-recommends/.test(i.args)) out.push(`line ${i.line}: apt-get install without --no-install-recommends`);
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(i.args)) out.push(`line ${i.line}: apt lists left in the layer`);
      }
    }
  });
  // The console: a stage runs npm ci and vite (npm run build); the last stage copies its dist
  // to the edge's EDGE_STATIC_DIR.
  const web = stages.find((s) => s.instrs.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args)) &&
    s.instrs.some((i) => i.op === 'RUN' && /\bnpm run build\b|\bvite build\b/.test(i.args)));
  const last = stages.at(-1);
  if (!web) out.push('no stage builds the console with npm ci and vite');
  const copies = last.instrs.filter((i) => i.op === 'COPY');
  const webCopy = copies.find((i) => web && flags(i.args).includes(`--from=${web.name}`));
  if (!webCopy || !/\/dist\/?$/.test(operands(webCopy.args)[0])) out.push('the last stage does not copy the built console (dist)');
  else if (operands(webCopy.args).at(-1).replace(/\/$/, '') !== staticDir) {
    out.push(`the console goes to ${operands(webCopy.args).at(-1)}, EDGE_STATIC_DIR is ${staticDir}`);
  }
  if (copies.some((i) => /placeholder/.test(i.args))) out.push('the last stage copies the placeholder page');
  if (!copies.some((i) => /\/app\/bin\/?$/.test(operands(i.args).at(-1)))) out.push('no binaries copied to /app/bin');
  // A numeric, non-root USER at the end.
  const users = last.instrs.filter((i) => i.op === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user || !/^[0-9]+$/.test(user) || user === '0') out.push('the last stage does not end as a numeric non-root USER');
  // Build packages come from infra/packages.txt.
  for (const s of stages.slice(0, -1)) {
    for (const i of s.instrs.filter((x) => x.op === 'RUN')) {
      for (const p of aptPackages(i.args)) {
        if (!packagesTxt.includes(p)) out.push(`stage ${s.name}: package ${p} is not in infra/packages.txt`);
      }
    }
  }
  return out;
}

// The runtime packages of the last stage.
export function runtimePackages(text) {
  const last = stagesOf(parseDockerfile(text)).at(-1);
  return last.instrs.filter((i) => i.op === 'RUN').flatMap((i) => aptPackages(i.args));
}

// The Debian packages holding the shared libraries a binary links directly (readelf NEEDED,
// resolved by ldd, owned per dpkg). Sanitizer runtimes and the C library are left out: the
// release build links neither libasan nor libubsan, and the base image has libc6.
const linked = new Map(); // bin -> its packages (dpkg -S is slow: ask once per binary)

export function linkedPackages(bin) {
  if (!linked.has(bin)) linked.set(bin, findLinkedPackages(bin));
  return linked.get(bin);
}

function findLinkedPackages(bin) {
  const needed = execFileSync('readelf', ['-d', bin], { encoding: 'utf8' })
    .split('\n').map((l) => /\(NEEDED\).*\[(.+)\]/.exec(l)?.[1]).filter(Boolean);
  const paths = new Map();
  for (const l of execFileSync('ldd', [bin], { encoding: 'utf8' }).split('\n')) {
    const m = /^\s*(\S+) => (\S+)/.exec(l);
    if (m) paths.set(m[1], m[2]);
  }
  const libs = needed.filter((lib) => !/^lib(asan|ubsan|c|m|pthread|dl|rt|gcc_s)\.so/.test(lib));
  const candidates = libs.flatMap((lib) => {
    const p = paths.get(lib);
    if (!p) throw new Error(`${bin}: ${lib} not found by ldd`);
    return [p, p.replace(/^\/lib\//, '/usr/lib/'), p.replace(/^\/usr\/lib\//, '/lib/')];
  });
  // One dpkg call for all (it exits 1 for the paths of the merged /usr it does not know).
  const owners = new Map();
  const r = spawnSync('dpkg', ['-S', ...new Set(candidates)], { encoding: 'utf8' });
  for (const l of r.stdout.split('\n')) {
    const m = /^([^:]+)(:[^:]+)?: (.+)$/.exec(l);
    if (m) owners.set(m[3], m[1]);
  }
  const pkgs = new Set();
  for (const lib of libs) {
    const p = paths.get(lib);
    const owner = [p, p.replace(/^\/lib\//, '/usr/lib/'), p.replace(/^\/usr\/lib\//, '/lib/')]
      .map((c) => owners.get(c)).find(Boolean);
    if (!owner) throw new Error(`${bin}: no Debian package owns ${p}`);
    pkgs.add(owner);
  }
  return [...pkgs];
}
