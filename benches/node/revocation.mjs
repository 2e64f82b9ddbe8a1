// The cost of a revocation lookup through the npm package: `Gate.check` on the same HS256 token
// carrying a `sid`, with and without a revocation filter, with the token cache off (full check) and
// on (cache hit). Interleaved rounds, medians; the difference is the lookup (SHA-256 of the id, one
// block read) plus its share of the policy work.
//   node benches/node/revocation.mjs [--filter f.pgrf] [--rounds 31] [--iters 5000] [--entries 100000]
// Without --filter, builds one with 100,000 revoked sids (`cargo run -p playgate-cli -- revoke build`).
import { Gate, mint } from 'playgate';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: {
  filter: { type: 'string' }, rounds: { type: 'string', default: '31' }, iters: { type: 'string', default: '5000' },
  entries: { type: 'string', default: '100000' },
} });
const NOW = Math.floor(Date.now() / 1000);
let bytes;
if (values.filter) {
  bytes = readFileSync(values.filter);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'pg-bench-'));
  const n = Number(values.entries);
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`sid,revoked-${i},${NOW + 86400}`);
  writeFileSync(join(dir, 'l.csv'), lines.join('\n'));
  execFileSync('cargo', ['run', '-q', '--release', '-p', 'playgate-cli', '--', 'revoke', 'build', '-i', join(dir, 'l.csv'),
    '--fp', '1e-6', '-o', join(dir, 'f.pgrf')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  bytes = readFileSync(join(dir, 'f.pgrf'));
  rmSync(dir, { recursive: true, force: true });
}

const key = { kid: 'k1', alg: 'HS256', secret: Buffer.alloc(32, 9).toString('base64url') };
const token = mint(key, { sid: 'viewer-session-4f1c2a9e', exp: NOW + 3600, iat: NOW });
const req = { uri: '/live/1080p/seg00042.ts', querystring: `token=${token}` };
// JSON text, as an edge handler holding the raw event would pass it: no JSON.stringify in the loop.
const text = JSON.stringify(req);
const ITERS = Number(values.iters);

const variants = {};
for (const [name, cacheSize, withFilter] of [
  ['full check, no filter', 0, false],
  ['full check, filter', 0, true],
  ['cache hit, no filter', 1024, false],
  ['cache hit, filter', 1024, true],
]) {
  const g = Gate.fromConfig({ keys: [key], ...(withFilter ? { revocation: {} } : {}) }, { cacheSize });
  if (withFilter) g.setRevocationFilter(bytes);
  const d = g.check(req, NOW);
  if (!d.allow) throw new Error(`${name}: ${d.reason}`);
  variants[name] = { g, samples: [] };
}

for (let r = 0; r < Number(values.rounds); r++) {
  for (const v of Object.values(variants)) {
    // CPU time of this process (user + system), so that time spent descheduled by other load on a
    // shared machine is not counted.
    const c0 = process.cpuUsage();
    for (let i = 0; i < ITERS; i++) v.g.check(text, NOW);
    const c = process.cpuUsage(c0);
    v.samples.push(((c.user + c.system) * 1000) / ITERS);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const m = Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, median(v.samples)]));
const best = Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, Math.min(...v.samples)]));
console.log(`filter: ${bytes.length} bytes; token ${token.length} chars; ${values.rounds} rounds × ${ITERS}; node ${process.version}`);
console.log('| variant | CPU ns/check (median) | best |\n|---|---:|---:|');
for (const k of Object.keys(m)) console.log(`| ${k} | ${m[k].toFixed(0)} | ${best[k].toFixed(0)} |`);
for (const mode of ['full check', 'cache hit']) {
  const d = m[`${mode}, filter`] - m[`${mode}, no filter`];
  const b = best[`${mode}, filter`] - best[`${mode}, no filter`];
  console.log(`lookup cost (${mode}): ${d.toFixed(0)} ns median, ${b.toFixed(0)} ns best`);
}
