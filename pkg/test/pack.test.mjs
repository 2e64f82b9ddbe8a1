// The published artifact: `npm pack`, installed into a fresh project, used from CommonJS, from ESM,
// and through the web entry with a precompiled WebAssembly.Module (as Workers / Vercel edge do).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './corpus.mjs';

const PKG = join(ROOT, 'pkg');
let dir;

const run = (file, source) => {
  writeFileSync(join(dir, file), source);
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' }));
};

const SCRIPT_BODY = `
const key = { kid: 'k1', alg: 'HS256', secret: Buffer.alloc(32, 1).toString('base64url') };
const gate = Gate.fromConfig({ keys: [key] });
const t = mint(key, { exp: 1800000060 });
let err;
try { Gate.fromConfig({ keys: [] }); } catch (e) { err = { code: e.code, field: e.field }; }
const d = gate.check({ uri: '/a.m3u8', querystring: 'token=' + t + '&x=1' }, 1800000000);
console.log(JSON.stringify({ allow: d.allow, qs: d.request.querystring, err }));
`;
const EXPECTED = { allow: true, qs: 'x=1', err: { code: 'invalid_config', field: 'keys' } };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'playgate-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: PKG, encoding: 'utf8' });
  const [{ filename, files }] = JSON.parse(out.slice(out.indexOf('[')));
  assert.ok(files.some((f) => f.path === 'dist/web/playgate_wasm_bg.wasm'), 'the .wasm is packed');
  assert.ok(!files.some((f) => f.path.startsWith('src/') || f.path.startsWith('test/')), 'no sources or tests');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(dir, filename)], { cwd: dir });
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('CommonJS require', () => {
  assert.deepEqual(run('cjs.cjs', `const { Gate, mint } = require('playgate');\n${SCRIPT_BODY}`), EXPECTED);
});

test('ESM import (named and default)', () => {
  assert.deepEqual(run('esm.mjs', `import { Gate, mint } from 'playgate';\n${SCRIPT_BODY}`), EXPECTED);
  assert.deepEqual(run('esm-default.mjs', `import pg from 'playgate';\nconst { Gate, mint } = pg;\n${SCRIPT_BODY}`), EXPECTED);
});

test('web entry with a precompiled WebAssembly.Module (the .wasm is an importable file)', () => {
  const source = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, Gate, mint } from 'playgate/web';
let before;
try { Gate.fromConfig({ keys: [] }); } catch (e) { before = e.message; }
const path = createRequire(import.meta.url).resolve('playgate/playgate.wasm');
initSync(new WebAssembly.Module(readFileSync(path)));
${SCRIPT_BODY.replace('console.log(JSON.stringify({', 'console.log(JSON.stringify({ before,')}`;
  const out = run('web.mjs', source);
  assert.match(out.before, /init/);
  delete out.before;
  assert.deepEqual(out, EXPECTED);
});

test('web entry: async init from bytes', () => {
  const source = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import init, { Gate, mint } from 'playgate/web';
await init(readFileSync(createRequire(import.meta.url).resolve('playgate/playgate.wasm')));
${SCRIPT_BODY}`;
  assert.deepEqual(run('web-async.mjs', source), EXPECTED);
});

test('the types compile for ESM, CJS and web consumers, and catch misuse', () => {
  writeFileSync(join(dir, 'esm.mts'), `
import { Gate, mint, SigningKey, type Decision, type LambdaEdgeEvent, type ConfigError } from 'playgate';
const gate = Gate.fromConfig({ keys: [{ kid: 'a', alg: 'HS256', secret: 'x' }], deny: { debug: false } });
const ev: LambdaEdgeEvent = { Records: [{ cf: { request: { clientIp: '1', method: 'GET', uri: '/', querystring: '', headers: {} } } }] };
const d = gate.check(ev, 1);
if (d.allow) { const q: string = d.request.querystring; console.log(q, d.forward.uri); } else { const r: string = d.reason; console.log(r, d.request); }
// @ts-expect-error: a denial has no request
d.request.uri;
// @ts-expect-error: algorithms are a closed set
Gate.fromConfig({ keys: [{ kid: 'a', alg: 'RS256' }] });
const p: Decision = gate.check({ uri: '/a', querystring: 'token=x' });
const t: string = mint({ kid: 'k', alg: 'HS256', secret: 's' }, { a: 1 }, { expiresIn: 5, includeKid: false });
const k = SigningKey.fromJson({ kid: 'k', alg: 'ES384', private_key: 'pem' });
const e = {} as ConfigError; const f: string = e.field;
console.log(p, t, k.verifyingEntry().kid, f);
`);
  writeFileSync(join(dir, 'cjs.cts'), `
import pg = require('playgate');
const d = pg.Gate.fromConfig('{}').check({ uri: '/' });
console.log(d.allow ? d.request.uri : d.reason);
`);
  writeFileSync(join(dir, 'web.mts'), `
import init, { initSync, Gate } from 'playgate/web';
declare const m: WebAssembly.Module;
initSync(m);
await init(new Uint8Array(0));
Gate.fromConfig({ keys: [] });
`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, lib: ['es2022', 'dom'], types: [] },
    files: ['esm.mts', 'cjs.cts', 'web.mts'],
  }));
  const r = spawnSync(process.execPath, [join(PKG, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
