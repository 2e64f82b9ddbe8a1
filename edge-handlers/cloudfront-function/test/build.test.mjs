// The generator: config validation like the core's, refusals that point at Lambda@Edge, feature
// stripping, the 10 KB limit, the KVS import document, the command line.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { ConfigError, MAX_FUNCTION_BYTES, UnsupportedError, generate, minify, validate } from '../build.mjs';
import { checkRuntime20 } from '../tools/check-runtime.mjs';
import { HERE, loadCorpus } from './harness.mjs';
import { fullFeatured } from './conformance.mjs';
import { FULL_FEATURED } from '../tools/sizes.mjs';

const SECRET = Buffer.alloc(32, 3).toString('base64url');
const base = () => ({ keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET }] });
const AK = '00112233445566778899aabbccddeeff', AK2 = 'ffeeddccbbaa99887766554433221100';
// Every section and source at once (fits in 10 KB since the helpers are arrow functions).
const everything = () => ({
  ...base(),
  token: { sources: [{ query: 'token' }, { cookie: 'pg_token' }, { header: 'x-token' }, { bearer: true }, { path_segment: true }] },
  claims: { channel: { path: '/c/{id}/', arn: 'arn:aws:ivs:a:1:channel/{id}' } },
  deny: { debug: true },
  paths: { exempt: ['/ads/**'], require: true },
  binding: { keys: [SECRET], require: ['ip', 'country'] },
  resolution: { renditions: [{ pattern: '/**/1080p/**', lines: 1080 }] },
  akamai: { keys: [{ kid: 'a', secret_hex: AK }], salt: 's' },
  revocation: { max_age: 900 },
});
// Everything, with 16 JWT keys whose 128-character kids are listed in the code: over 10 KB.
const tooBig = () => ({
  ...everything(),
  keys: Array.from({ length: 16 }, (_, i) => ({ kid: `${i}`.padStart(128, 'k'), alg: 'HS256', secret: SECRET })),
});
const refused = (cfg, field, pattern) => {
  assert.throws(() => validate(typeof cfg === 'string' ? cfg : JSON.stringify(cfg)), (e) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.field, field);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
};

test('unknown fields are refused at every level, naming the field', () => {
  refused({ ...base(), tokn: {} }, '', /unknown field `tokn`/);
  refused({ keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET, use: 'sig' }] }, 'keys[0]', /unknown field `use`/);
  refused({ ...base(), token: { sources: [{ query: 'token' }], maxlen: 1 } }, 'token', /unknown field/);
  refused({ ...base(), claims: { leway: 1 } }, 'claims', /unknown field/);
  refused({ ...base(), claims: { channel: { arn: 'arn:aws:ivs:a:b:channel/x', id: 1 } } }, 'claims.channel', /unknown field/);
  refused({ ...base(), deny: { debug: true, body: 'x' } }, 'deny', /unknown field/);
  refused({ ...base(), token: { sources: [{ headr: 'x-token' }] } }, 'token.sources[0]', /unknown variant `headr`/);
  refused({ ...base(), token: { sources: [{ header: 'X-Token' }] } }, 'token.sources[0]', /lowercase/);
  refused({ ...base(), token: { sources: [{ query: 'a', cookie: 'b' }] } }, 'token.sources[0]');
});

test('duplicate members and wrong types are refused', () => {
  refused(`{"keys":[{"kid":"a","alg":"HS256","secret":"${SECRET}"}],"deny":{"status":403,"status":451}}`, 'deny', /duplicate field `status`/);
  refused({ ...base(), claims: { leeway: '5' } }, 'claims.leeway', /expected a non-negative integer/);
  refused({ ...base(), claims: { leeway: -1 } }, 'claims.leeway');
  refused({ ...base(), claims: { require_exp: 1 } }, 'claims.require_exp', /boolean/);
  refused({ ...base(), deny: { debug: 'yes' } }, 'deny.debug');
  refused({ keys: {} }, 'keys', /sequence/);
  refused({}, 'keys', /between 1 and 16/);
});

test('values are validated like the core validates them', () => {
  refused({ keys: [] }, 'keys', /between 1 and 16/);
  refused({ keys: Array.from({ length: 17 }, (_, i) => ({ kid: `k${i}`, alg: 'HS256', secret: SECRET })) }, 'keys');
  refused({ keys: [{ kid: 'a', alg: 'HS999', secret: SECRET }] }, 'keys[0].alg', /expected one of HS256, HS384, HS512, ES384/);
  refused({ keys: [{ kid: 'a', alg: 'HS256', secret: SECRET }, { kid: 'a', alg: 'HS256', secret: SECRET }] }, 'keys[1].kid', /duplicate kid/);
  refused({ keys: [{ kid: '', alg: 'HS256', secret: SECRET }] }, 'keys[0].kid');
  refused({ keys: [{ kid: 'x'.repeat(129), alg: 'HS256', secret: SECRET }] }, 'keys[0].kid');
  refused({ keys: [{ kid: 'a', alg: 'HS256', secret: Buffer.alloc(31).toString('base64url') }] }, 'keys[0].secret', /at least 32 bytes, got 31/);
  refused({ keys: [{ kid: 'a', alg: 'HS256', secret: Buffer.alloc(32).toString('base64') }] }, 'keys[0].secret', /base64url without padding/);
  refused({ keys: [{ kid: 'a', alg: 'HS256' }] }, 'keys[0].secret', /required/);
  refused({ ...base(), token: { sources: [] } }, 'token.sources');
  refused({ ...base(), token: { sources: [{ query: 'a=b' }] } }, 'token.sources[0]');
  refused({ ...base(), token: { sources: [{ bearer: false }] } }, 'token.sources[0]');
  refused({ ...base(), token: { max_length: 15 } }, 'token.max_length');
  refused({ ...base(), claims: { leeway: 301 } }, 'claims.leeway');
  refused({ ...base(), claims: { max_lifetime: 0 } }, 'claims.max_lifetime');
  refused({ ...base(), claims: { channel: { arn: 'not-an-arn' } } }, 'claims.channel.arn');
  refused({ ...base(), claims: { channel: { arns: [] } } }, 'claims.channel');
  refused({ ...base(), claims: { channel: { arn: 'arn:aws:ivs:a:b:channel/{id}' } } }, 'claims.channel.arn', /add `path`/);
  refused({ ...base(), claims: { channel: { arn: 'arn:aws:ivs:a:b:channel/{id}', path: '/c/' } } }, 'claims.channel.path');
  refused({ ...base(), claims: { channel: { arn: 'arn:aws:ivs:a:b:channel/{id}', path: '/c{id}/' } } }, 'claims.channel.path');
  refused({ ...base(), deny: { status: 302 } }, 'deny.status');
  refused({ ...base(), deny: { missing_token_status: 200 } }, 'deny.missing_token_status');
});

test('configs CloudFront Functions cannot serve are refused with a pointer to Lambda@Edge', () => {
  for (const alg of ['HS384', 'HS512']) {
    const cfg = { keys: [{ kid: 'a', alg: 'HS256', secret: SECRET }, { kid: 'b', alg, secret: Buffer.alloc(64, 1).toString('base64url') }] };
    assert.throws(() => generate(JSON.stringify(cfg)), (e) => e instanceof UnsupportedError && /keys\[1\].*Lambda@Edge/.test(e.message));
  }
  const es = { keys: [{ kid: 'ivs', alg: 'ES384', public_key: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n' }] };
  assert.throws(() => generate(JSON.stringify(es)), (e) => e instanceof UnsupportedError && /ES384.*Lambda@Edge/.test(e.message));
  for (const section of ['revocation', 'paths', 'binding']) {
    assert.doesNotThrow(() => generate(JSON.stringify({ ...base(), [section]: {} })));
    assert.doesNotThrow(() => generate(JSON.stringify({ ...base(), [section]: null })));
  }
  // A combination over 10 KB is refused, naming its features.
  assert.throws(() => generate(JSON.stringify(tooBig())), (e) => e instanceof UnsupportedError && /over 10 KB.*akamai.*Lambda@Edge/.test(e.message));
  // An invalid ES384 entry is a config error first, as in the core.
  refused({ keys: [{ kid: 'ivs', alg: 'ES384', secret: SECRET }] }, 'keys[0].secret');
});

test('policy sections are validated like src/policy.rs validates them', () => {
  refused({ ...base(), paths: { claims: 'x' } }, 'paths', /unknown field `claims`/);
  refused({ ...base(), paths: { claim: '' } }, 'paths.claim', /1 to 64/);
  refused({ ...base(), paths: { exempt: ['/a**'] } }, 'paths.exempt[0]', /glob/);
  refused({ ...base(), paths: { exempt: ['ads/**'] } }, 'paths.exempt[0]', /glob/);
  refused({ ...base(), paths: { exempt: ['/../x'] } }, 'paths.exempt[0]', /glob/);
  refused({ ...base(), binding: { claim: 'ip' } }, 'binding.ip_claim', /differ/);
  refused({ ...base(), binding: { keys: [SECRET.slice(0, 40)] } }, 'binding.keys[0]', /32 bytes/);
  refused({ ...base(), binding: { keys: [SECRET, SECRET, SECRET, SECRET, SECRET] } }, 'binding.keys', /at most 4/);
  refused({ ...base(), binding: { require: ['ip/129'] } }, 'binding.require[0]');
  refused({ ...base(), binding: { require: ['country'] } }, 'binding.keys', /need a binding key/);
  refused({ ...base(), resolution: {} }, 'resolution', /missing field `renditions`/);
  refused({ ...base(), resolution: { renditions: [] } }, 'resolution.renditions');
  refused({ ...base(), resolution: { renditions: [{ pattern: '/**/1080p/**', lines: 0 }] } }, 'resolution.renditions[0].lines');
  refused({ ...base(), revocation: { claim: ['sid'] } }, 'revocation', /unknown field `claim`/);
  refused({ ...base(), revocation: { claims: ['sid', 'sid'] } }, 'revocation.claims[1]', /unique/);
  refused({ ...base(), revocation: { claims: Array.from({ length: 9 }, (_, i) => `c${i}`) } }, 'revocation.claims', /at most 8/);
  refused({ ...base(), revocation: { on_unavailable: 'open' } }, 'revocation.on_unavailable');
  refused({ ...base(), revocation: { max_age: 0 } }, 'revocation.max_age');
  refused({ ...base(), akamai: {} }, 'akamai', /missing field `keys`/);
  refused({ ...base(), akamai: { keys: [] } }, 'akamai.keys');
  refused({ ...base(), akamai: { keys: [{ kid: 'a', secret_hex: 'abc' }] } }, 'akamai.keys[0].secret_hex');
  refused({ ...base(), akamai: { keys: [{ kid: 'a', secret_hex: '00112233' }] } }, 'akamai.keys[0].secret_hex', /16 hex digits/);
  refused({ ...base(), akamai: { keys: [{ kid: 'a', secret_hex: AK }, { kid: 'a', secret_hex: AK }] } }, 'akamai.keys[1].kid', /duplicate/);
  refused({ ...base(), akamai: { keys: [{ kid: 'a', secret_hex: AK }], algorithm: 'sha512' } }, 'akamai.algorithm');
  refused({ ...base(), akamai: { keys: [{ kid: 'a', secret_hex: AK }], salt: 'a~b' } }, 'akamai.salt');
  // An `akamai` section allows a config without JWT keys.
  assert.doesNotThrow(() => validate(JSON.stringify({ keys: [], akamai: { keys: [{ kid: 'a', secret_hex: AK }] } })));
});

test('Akamai and binding secrets go to the KeyValueStore, never into the code', () => {
  const bk = Buffer.alloc(32, 9).toString('base64url');
  const ak = generate(JSON.stringify({ akamai: { keys: [{ kid: 'a', secret_hex: AK }, { kid: 'b', secret_hex: AK2 }], salt: 'pepper' } }));
  const bd = generate(JSON.stringify({ ...base(), binding: { keys: [bk] } }));
  for (const x of [AK, AK2, 'pepper', bk, SECRET]) assert.ok(!ak.code.includes(x) && !bd.code.includes(x), 'secret in code');
  assert.deepEqual(ak.kvs.data, [{ key: 'akamai', value: JSON.stringify({ keys: [AK, AK2], salt: 'pepper' }) }]);
  assert.deepEqual(bd.kvs.data.slice(1), [{ key: 'bind', value: JSON.stringify([bk]) }]);
});

test('only the features a config uses are generated', () => {
  const small = generate(JSON.stringify(base()));
  // Function names are mangled in the minified code: sections are looked for in the readable source.
  const SOURCE_SECTIONS = ['const P = ', 'const B = ', 'const C = ', 'const X = ', 'async function edge(', 'async function rev(', 'const ipt = '];
  for (const absent of SOURCE_SECTIONS) {
    assert.ok(!small.source.includes(absent), `${absent} should be stripped`);
  }
  // (The channel path template is a regex literal in the code: `/^\/channels\/([^/]+)\//`.)
  const SECTIONS = ['pg_token', 'authorization', '\\/channels\\/', '1080', 'pg:h', 'playgate-bind-v1', '~hmac='];
  for (const absent of SECTIONS.concat(['x-playgate-reason'])) {
    assert.ok(!small.code.includes(absent), `${absent} should be stripped`);
  }
  assert.ok(small.source.includes('const Q = '));
  const full = fullFeatured({ limit: false });
  for (const present of SOURCE_SECTIONS) {
    assert.ok(full.source.includes(present), `${present} should be present`);
  }
  for (const present of SECTIONS) assert.ok(full.code.includes(present), `${present} should be present`);
  // Reason names are in a deny.debug build only (the production build has numbers).
  const dbg = generate(JSON.stringify({ ...base(), deny: { debug: true } }));
  for (const r of ['x-playgate-reason', 'channel_mismatch', 'malformed_token', 'revocation_unavailable']) {
    assert.ok(dbg.code.includes(r) && !full.code.includes(r), r);
  }
  assert.ok(small.bytes < full.bytes);
  assert.ok(!/\/\/|\/\*/.test(full.code.replace(/"(?:[^"\\]|\\.)*"|\/(?:[^/\\\n[]|\\.|\[(?:[^\]\\]|\\.)*\])+\/[a-z]*/g, '')), 'comments are dropped');
});

test('no secret is ever in the function code; the KVS import file holds them', () => {
  const cfg = { keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET }, { kid: 'k2', alg: 'HS256', secret: Buffer.alloc(48, 5).toString('base64url') }] };
  const out = generate(JSON.stringify(cfg));
  for (const k of cfg.keys) assert.ok(!out.code.includes(k.secret));
  assert.deepEqual(out.kvs, {
    data: cfg.keys.map((k) => ({ key: `key:${k.kid}`, value: JSON.stringify({ alg: 'HS256', secret: k.secret }) })),
  });
  for (const d of out.kvs.data) {
    assert.ok(Buffer.byteLength(d.key) <= 512 && Buffer.byteLength(d.value) <= 1024, 'KVS key/value limits');
  }
});

test('every generated function fits CloudFront limits and runtime 2.0', () => {
  const configs = new Map(loadCorpus().map((c) => [c.configText, c.configName]));
  const srcs = [[{ query: 'token' }], [{ cookie: 'c' }], [{ bearer: true }], [{ path_segment: true }], [{ header: 'x-token' }],
    [{ query: 'token' }, { cookie: 'pg_token' }, { header: 'x-token' }, { bearer: true }, { path_segment: true }]];
  const channels = [undefined, { arn: 'arn:aws:ivs:a:1:channel/x' }, { arns: ['arn:aws:ivs:a:1:channel/x', 'arn:aws:ivs:a:1:channel/y'] },
    { path: '/c/{id}/', arn: 'arn:aws:ivs:a:1:channel/{id}' }];
  for (const sources of srcs) {
    for (const channel of channels) {
      for (const debug of [false, true]) {
        configs.set(JSON.stringify({ ...base(), token: { sources }, claims: { channel }, deny: { debug } }), 'combination');
      }
    }
  }
  // Every subset of the policy sections, with the largest sources/channel/debug setting.
  const all = everything();
  const sections = ['paths', 'binding', 'resolution', 'akamai', 'revocation'];
  for (let m = 0; m < 1 << sections.length; m++) {
    for (const keys of [base().keys, []]) {
      const cfg = { keys, token: all.token, claims: all.claims, deny: all.deny };
      sections.forEach((s, i) => { if (m & (1 << i)) cfg[s] = all[s]; });
      if (keys.length || cfg.akamai) configs.set(JSON.stringify(cfg), `sections ${sections.filter((_, i) => m & (1 << i)).join('+') || 'none'}${keys.length ? '' : ' (no JWT keys)'}`);
    }
  }
  let checked = 0;
  for (const [text, name] of configs) {
    let out;
    try {
      out = generate(text);
    } catch (e) {
      if (e instanceof UnsupportedError) continue;
      throw e;
    }
    assert.ok(out.bytes <= MAX_FUNCTION_BYTES, `${name}: ${out.bytes} bytes`);
    assert.deepEqual(checkRuntime20(out.code), [], name);
    checked++;
  }
  assert.ok(checked >= 40);
  // The full-featured combination fits (README "Size"), with deny.debug on top too; a config that
  // lists 16 long kids on top of that is over the limit: refused, naming its features.
  const full = fullFeatured();
  assert.ok(full.bytes <= MAX_FUNCTION_BYTES, `full-featured: ${full.bytes} bytes`);
  assert.deepEqual(checkRuntime20(full.code), []);
  const dbg = generate(JSON.stringify({ ...FULL_FEATURED, deny: { debug: true } }));
  assert.ok(dbg.bytes <= MAX_FUNCTION_BYTES, `full-featured + deny.debug: ${dbg.bytes} bytes`);
  assert.deepEqual(checkRuntime20(dbg.code), []);
  assert.throws(() => generate(JSON.stringify(tooBig())),
    (e) => e instanceof UnsupportedError && /over 10 KB.*debug.*revocation/.test(e.message));
});

test('the runtime check rejects what runtime 2.0 lacks', () => {
  const ok = "import crypto from 'crypto';\nasync function handler(event) { const r = await f(); return event.request; }\nasync function f() { return crypto.createHmac('sha256', 'k').digest('hex'); }";
  assert.deepEqual(checkRuntime20(ok), []);
  const cases = {
    'class A {}': 'ClassDeclaration',
    'const { a } = x;': 'destructuring',
    'f(...a);': 'SpreadElement',
    'a?.b;': 'optional chaining',
    'a ?? b;': '`??`',
    'for (const x of y) {}': 'ForOfStatement',
    'WebAssembly.instantiate(b);': 'WebAssembly',
    "crypto.createHmac('sha512', k);": 'md5, sha1 or sha256',
    "crypto.createHash('sha384');": 'md5, sha1 or sha256',
    'crypto.timingSafeEqual(a, b);': 'timingSafeEqual',
    'eval("1");': 'eval',
    'new Function("return 1");': 'Function',
    'setTimeout(f, 1);': 'setTimeout',
    "import fs from 'fs';": "module 'fs'",
    'async function g() { h(await f()); }': 'right-hand side',
    'const g = async () => 1;': 'async closures',
    'function g(a = 1) {}': 'default or destructured',
    'try { f(); } catch { }': 'catch without a binding',
    '/a/s.test(x);': 'regex flag',
    'a ||= b;': '`||=`',
    'function* g() {}': 'generators',
    // njs 0.7: a let/const initializer naming a top-level const declared further down throws.
    'function g() { const a = [[Q, 1]]; }\nconst Q = (x) => x;': 'above its own top-level declaration',
    'function g() { let a = 1, b = f(Q); }\nconst Q = 1;': 'above its own top-level declaration',
    'function g() { let a = Q.b; }\nlet Q = {};': 'above its own top-level declaration',
    'const A = [B], B = 1;': 'above its own top-level declaration',
  };
  for (const [src, why] of Object.entries(cases)) {
    const problems = checkRuntime20(`import crypto from 'crypto';\nfunction handler(e) { return e.request; }\n${src}`);
    assert.ok(problems.some((p) => p.includes(why)), `${src} → ${JSON.stringify(problems)}`);
  }
  assert.ok(checkRuntime20('function notHandler() {}').some((p) => p.includes('no top-level')));
  // What njs accepts there: a call, a local of the same name, a function in the initializer, an
  // assignment, a const declared above.
  for (const src of ['function g() { const a = Q(1), b = [1].map((x) => Q), c = typeof Q; let d; d = [Q]; return [Q]; }\nconst Q = (x) => x;',
    'function g(Q) { const a = [Q]; }\nconst Q = 1;', 'function g() { try { f(); } catch (Q) { const a = [Q]; } }\nconst Q = 1;',
    'const Q = 1;\nfunction g() { const a = [Q]; }']) {
    assert.deepEqual(checkRuntime20(`function handler(e) { return e.request; }\n${src}`), [], src);
  }
});

test('the minified function: the entry point keeps its name, locals are mangled, a source map reads it back', () => {
  const full = fullFeatured({ limit: false });
  assert.match(full.code, /^import \w+ from"cloudfront";import crypto from"crypto";/);
  assert.match(full.code, /async function handler\(\w\)\{/);
  // Top-level helpers are renamed; property names the runtime and the store need are not.
  assert.ok(!/function (norm|glob|canon|secret|origin|mac|check|edge|rev)\(|\b(norm|glob|canon|origin|mac)=/.test(full.code));
  for (const name of ['.kvs()', '.get(', 'format:"json"', '.request', '.viewer', '.querystring', '.headers', '.cookies', '.multiValue', '.value',
    'statusCode:', 'statusDescription:', 'createHmac(', 'createHash("sha256")']) {
    assert.ok(full.code.includes(name), `${name} kept`);
  }
  assert.ok(!/[^\x20-\x7e\n]/.test(full.code), 'ASCII only');
  assert.ok(!/\beval\b|new Function/.test(full.code));
  assert.ok(!/\bconst\b/.test(full.code), 'const declarations become let');
  assert.ok(full.bytes < Buffer.byteLength(full.source) * 0.75, `${full.bytes} vs ${Buffer.byteLength(full.source)} unminified`);
  const map = JSON.parse(full.map);
  assert.equal(map.version, 3);
  assert.deepEqual(map.sources, ['function.src.js']);
  assert.deepEqual(map.sourcesContent, [full.source]);
  assert.ok(map.mappings.length > 100);
  // The readable build is the rendered template itself, comments and all, and passes the runtime check.
  const readable = fullFeatured({ minify: false });
  assert.equal(readable.code, full.source);
  assert.equal(readable.map, undefined);
  assert.match(readable.code, /\n\/\/ |async function check\(q, now, ci\)/);
  assert.ok(!/__[A-Z_]+__/.test(readable.code.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n')), 'placeholders filled');
  assert.deepEqual(checkRuntime20(readable.code), []);
  // The minifier's own rewrites: `undefined` needs the template's UNDEFINED; output that runtime 2.0
  // lacks is refused, never written.
  assert.equal(minify('const UNDEFINED = [][0];\nfunction handler(e) {\n    const x = e.a;\n    return x === undefined;\n}\n').code,
    'let n=[][0];function handler(t){return t.a===n}\n');
  assert.throws(() => minify('function handler(e) { return e === undefined; }'), /UNDEFINED/);
  assert.throws(() => minify('async function handler(e) { return f(await g(e)); }'), /not valid cloudfront-js-2.0.*right-hand side/);
});

test('command line writes the function and the KVS file, and refuses with exit 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-cff-'));
  try {
    const cfg = path.join(dir, 'config.json');
    fs.writeFileSync(cfg, JSON.stringify(base()));
    const out = execFileSync(process.execPath, [path.join(HERE, '../build.mjs'), cfg, '--out', path.join(dir, 'dist')]).toString();
    assert.match(out, /function\.js: \d+ bytes/);
    assert.deepEqual(checkRuntime20(fs.readFileSync(path.join(dir, 'dist/function.js'), 'utf8')), []);
    const kvs = JSON.parse(fs.readFileSync(path.join(dir, 'dist/kvs-import.json'), 'utf8'));
    assert.equal(kvs.data[0].key, 'key:k1');
    const src = fs.readFileSync(path.join(dir, 'dist/function.src.js'), 'utf8');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'dist/function.js.map'), 'utf8')).sourcesContent, [src]);
    // --no-minify: function.js is the readable function, and no map is left behind.
    const ro = execFileSync(process.execPath, [path.join(HERE, '../build.mjs'), cfg, '--out', path.join(dir, 'dist'), '--no-minify']).toString();
    assert.match(ro, /not minified/);
    assert.equal(fs.readFileSync(path.join(dir, 'dist/function.js'), 'utf8'), src);
    assert.ok(!fs.existsSync(path.join(dir, 'dist/function.js.map')));
    fs.writeFileSync(cfg, JSON.stringify({ keys: [{ kid: 'a', alg: 'HS512', secret: Buffer.alloc(64).toString('base64url') }] }));
    const r = spawnSync(process.execPath, [path.join(HERE, '../build.mjs'), cfg, '--out', path.join(dir, 'x')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr.toString(), /HS512.*Lambda@Edge/);
    assert.ok(!fs.existsSync(path.join(dir, 'x')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tools/event.mjs prints the event CloudFront would build', () => {
  const out = execFileSync(process.execPath, [path.join(HERE, '../tools/event.mjs'), '--uri', '/live/i.m3u8', '--query', 'token=t&a=1&a=2',
    '--header', 'Origin=https://p.example.com', '--cookie', 'c=v']).toString();
  const ev = JSON.parse(out);
  assert.equal(ev.request.uri, '/live/i.m3u8');
  assert.deepEqual(ev.request.querystring, { token: { value: 't' }, a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } });
  assert.deepEqual(ev.request.headers, { origin: { value: 'https://p.example.com' } });
  assert.deepEqual(ev.request.cookies, { c: { value: 'v' } });
  assert.equal(spawnSync(process.execPath, [path.join(HERE, '../tools/event.mjs'), '--bogus', 'x']).status, 2);
});
