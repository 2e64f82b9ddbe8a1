// The deployable zip: built from a config (validated at build time), size budget, and the bundled
// handler run from the extracted zip as Lambda would load it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS, writeBudgets } from '../../../pkg/test/corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const build = join(here, '..', 'build.mjs');
const ZIP_BUDGET = 1024 * 1024;
let dir;
let zip;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'playgate-le-'));
  zip = join(dir, 'fn.zip');
  const out = execFileSync(process.execPath, [build, '--config', join(CORPUS, 'mixed.config.json'), '--out', zip], { encoding: 'utf8' });
  console.log(out.trim());
  execFileSync('python3', ['-m', 'zipfile', '-e', zip, join(dir, 'fn')]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test(`zip is at most ${ZIP_BUDGET} bytes`, () => {
  const size = statSync(zip).size;
  writeBudgets('lambda-edge', { lambda_zip_bytes: size });
  assert.ok(size <= ZIP_BUDGET, `${size} bytes`);
  assert.deepEqual(readdirSync(join(dir, 'fn')).sort(), ['index.js', 'playgate_wasm_bg.wasm']);
});

test('the bundled handler answers from the extracted zip, with the config built in', async () => {
  // A fresh process, so nothing is shared with this test's own copy of the package.
  const probe = `
const { handler } = require(${JSON.stringify(join(dir, 'fn', 'index.js'))});
const { mint } = require('playgate');
const key = { kid: 'hs1', alg: 'HS256', secret: 'cGxheWdhdGUtdGVzdC1vbmx5OmhzMTpwbGF5Z2F0ZS0' };
const ev = (qs) => ({ Records: [{ cf: { config: {}, request: { clientIp: '1.2.3.4', method: 'GET', uri: '/live/a.ts', querystring: qs, headers: {} } } }] });
(async () => {
  const ok = await handler(ev('x=1&token=' + mint(key, {}, { expiresIn: 60 })));
  const no = await handler(ev('x=1'));
  console.log(JSON.stringify({ ok, no }));
})();`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', cwd: join(here, '..') });
  assert.equal(r.status, 0, r.stderr);
  const { ok, no } = JSON.parse(r.stdout);
  assert.equal(ok.querystring, 'x=1');
  assert.equal(ok.status, undefined);
  assert.equal(no.status, '401');
});

test('cold start of the bundled function: require index.js (instantiate + bundled config load)', () => {
  // A script file, as the Lambda runtime loads a handler (`node -e` preloads built-ins such as
  // node:crypto, which a script pays for itself); wall time and CPU time (all threads: the stable
  // figure on a busy machine), as pkg/test/budgets.test.mjs measures the npm entries.
  const script = join(dir, 'cold-start.cjs');
  writeFileSync(script, `
const t0 = performance.now();
const c0 = process.cpuUsage();
require(${JSON.stringify(join(dir, 'fn', 'index.js'))});
const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify([performance.now() - t0, (c.user + c.system) / 1000]));`);
  const wall = [];
  const cpu = [];
  for (let i = 0; i < 7; i++) {
    const [w, c] = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }));
    wall.push(w);
    cpu.push(c);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[3];
  writeBudgets('lambda-edge', {
    lambda_cold_start_ms: Math.round(median(wall) * 10) / 10,
    lambda_cold_start_cpu_ms: Math.round(median(cpu) * 10) / 10,
  });
  console.log(`lambda cold start ms: wall median ${median(wall).toFixed(1)}, CPU median ${median(cpu).toFixed(1)}`);
  assert.ok(median(wall) < 1000);
});

test('an invalid config fails the build with the field named', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ keys: [{ kid: 'a', alg: 'HS256', secret: 'c2hvcnQ' }] }));
  const r = spawnSync(process.execPath, [build, '--config', bad, '--out', join(dir, 'bad.zip')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /keys\[0\]\.secret/);
});

test('--revocation-filter: the filter is verified and bundled; the zipped handler uses it', async () => {
  const { buildFilter } = await import('../../../pkg/test/revocation-fixture.mjs');
  const key = { kid: 'hs1', alg: 'HS256', secret: 'cGxheWdhdGUtdGVzdC1vbmx5OmhzMTpwbGF5Z2F0ZS0' };
  const cfg = join(dir, 'rev.json');
  writeFileSync(cfg, JSON.stringify({ keys: [key], revocation: {}, deny: { debug: true } }));
  const filter = join(dir, 'f.pgrf');
  writeFileSync(filter, buildFilter({ sids: ['bad-session'], now: Math.floor(Date.now() / 1000) }));
  const rzip = join(dir, 'rev.zip');
  const out = execFileSync(process.execPath, [build, '--config', cfg, '--out', rzip, '--revocation-filter', filter,
    '--cache-size', '256'], { encoding: 'utf8' });
  assert.match(out, /revocation\.pgrf \d+ bytes/);
  execFileSync('python3', ['-m', 'zipfile', '-e', rzip, join(dir, 'rev')]);
  assert.deepEqual(readdirSync(join(dir, 'rev')).sort(), ['index.js', 'playgate_wasm_bg.wasm', 'revocation.pgrf']);
  const probe = `
const { handler } = require(${JSON.stringify(join(dir, 'rev', 'index.js'))});
const { mint } = require('playgate');
const key = ${JSON.stringify(key)};
const ev = (sid) => ({ Records: [{ cf: { config: {}, request: { clientIp: '1.2.3.4', method: 'GET', uri: '/a.ts', querystring: 'token=' + mint(key, { sid }, { expiresIn: 60 }), headers: {} } } }] });
(async () => {
  const bad = await handler(ev('bad-session'));
  const ok = await handler(ev('good-session'));
  console.log(JSON.stringify({ bad: bad.headers && bad.headers['x-playgate-reason'][0].value, ok: ok.status }));
})();`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', cwd: join(here, '..') });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { bad: 'revoked' });

  // A corrupt filter fails the build; an http:// URL other than loopback is refused.
  const corrupt = join(dir, 'bad.pgrf');
  writeFileSync(corrupt, Buffer.from('PGRF not really'));
  let b = spawnSync(process.execPath, [build, '--config', cfg, '--out', join(dir, 'x.zip'), '--revocation-filter', corrupt], { encoding: 'utf8' });
  assert.equal(b.status, 1);
  assert.match(b.stderr, /unusable revocation filter/);
  b = spawnSync(process.execPath, [build, '--config', cfg, '--out', join(dir, 'x.zip'), '--revocation-url', 'http://example.com/f'], { encoding: 'utf8' });
  assert.equal(b.status, 2);
  assert.match(b.stderr, /https/);
});
