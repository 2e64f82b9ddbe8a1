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
const url = playbackUrl(key, { exp: 1800000060 }, { url: '/a.m3u8', placement: 'path' });
const ak = mintAkamai('52a152a152a152a152a152a152a1', { st: 1700000000, exp: 1700003600, acl: '/live/channel1/*' }).slice(-8);
console.log(JSON.stringify({ allow: d.allow, qs: d.request.querystring, err, url: url.endsWith('/a.m3u8'), ak }));
`;
const EXPECTED = { allow: true, qs: 'x=1', err: { code: 'invalid_config', field: 'keys' }, url: true, ak: 'cd34b9db' };

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
  assert.deepEqual(run('cjs.cjs', `const { Gate, mint, playbackUrl, mintAkamai } = require('playgate');\n${SCRIPT_BODY}`), EXPECTED);
});

test('ESM import (named and default)', () => {
  assert.deepEqual(run('esm.mjs', `import { Gate, mint, playbackUrl, mintAkamai } from 'playgate';\n${SCRIPT_BODY}`), EXPECTED);
  assert.deepEqual(run('esm-default.mjs', `import pg from 'playgate';\nconst { Gate, mint, playbackUrl, mintAkamai } = pg;\n${SCRIPT_BODY}`), EXPECTED);
});

test('web entry with a precompiled WebAssembly.Module (the .wasm is an importable file)', () => {
  const source = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, Gate, mint, playbackUrl, mintAkamai } from 'playgate/web';
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
import init, { Gate, mint, playbackUrl, mintAkamai } from 'playgate/web';
await init(readFileSync(createRequire(import.meta.url).resolve('playgate/playgate.wasm')));
${SCRIPT_BODY}`;
  assert.deepEqual(run('web-async.mjs', source), EXPECTED);
});

test('the types compile for ESM, CJS and web consumers, and catch misuse', () => {
  writeFileSync(join(dir, 'esm.mts'), `
import { Gate, mint, SigningKey, playbackUrl, mintAkamai, akamaiPlaybackUrl, type Decision, type LambdaEdgeEvent, type ConfigError, type UrlError } from 'playgate';
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
const hs = { kid: 'k', alg: 'HS256' as const, secret: 's' };
const u1: string = playbackUrl(hs, { paths: ['/live/'] }, { url: '/live/a.m3u8', placement: 'path', sessionId: 's', expiresIn: 60 });
const u2: string = playbackUrl(k, {}, { base: 'https://h', path: '/a.m3u8', param: 'tk' });
// @ts-expect-error: a session id needs path placement
playbackUrl(hs, {}, { url: '/a', sessionId: 's' });
// @ts-expect-error: a target URL is required
playbackUrl(hs, {}, { placement: 'query' });
const a1: string = mintAkamai('00', { acl: '/a/*!/b/*', st: 1, expiresIn: 60, algorithm: 'sha1', ip: '192.0.2.1', id: 'i', data: 'd', salt: 's' });
const a2: string = mintAkamai({ kid: 'cur', secret_hex: '00' }, { url: 'https://h/a.m3u8', exp: 5 });
// @ts-expect-error: the HMAC hashes are a closed set
mintAkamai('00', { acl: '/a', algorithm: 'sha512' });
// @ts-expect-error: an Akamai token needs an acl or a url
mintAkamai('00', { exp: 5 });
const a3: string = akamaiPlaybackUrl('00', { url: '/a.m3u8', acl: '/*', param: 'hdnts' });
const ue = {} as UrlError; const detail: 'not_absolute' | 'not_path_safe' | 'bad_param' = ue.detail;
Gate.fromConfig({ keys: [], akamai: { keys: [{ kid: 'a', secret_hex: '00' }], algorithm: 'md5' }, token: { sources: [{ header: '__token__' }] } });
const g2 = Gate.fromConfig('{}', { nativeCrypto: false, cacheSize: 0 });
const g3 = Gate.fromConfig('{}', { nativeCrypto: (key, input, sig) => key.length === 97 && input.length > 0 && sig.length === 96 });
const nc: boolean = g2.nativeCrypto && g3.nativeCrypto;
// @ts-expect-error: nativeCrypto is a boolean or a verifier
Gate.fromConfig('{}', { nativeCrypto: 'node' });
console.log(u1, u2, a1, a2, a3, detail, nc);
`);
  writeFileSync(join(dir, 'cjs.cts'), `
import pg = require('playgate');
const d = pg.Gate.fromConfig('{}').check({ uri: '/' });
console.log(d.allow ? d.request.uri : d.reason);
console.log(pg.playbackUrl('{}', {}, { url: '/' }), pg.mintAkamai('00', { acl: '/*' }), pg.akamaiPlaybackUrl('00', { path: '/' }));
`);
  writeFileSync(join(dir, 'web.mts'), `
import init, { initSync, Gate, playbackUrl, akamaiPlaybackUrl } from 'playgate/web';
declare const m: WebAssembly.Module;
console.log(playbackUrl('{}', {}, { url: '/' }), akamaiPlaybackUrl('00', { url: '/' }));
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
