// The request-object hot path and the default node:crypto ES384 verifier, where they hold state: the
// per-gate input buffer in wasm memory (growth past its initial size, shrinking after an outsized
// request, memory growth, re-entrant and freed gates) and the per-key-index KeyObjects read through
// views on wasm memory. Verdicts are compared with the JSON text path (which shares none of it) and
// with the pure-WebAssembly ES384 path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { createRequire } from 'node:module';
import { Gate, mint } from 'playgate';
import { outcome, sameAsText } from './corpus.mjs';

const require = createRequire(import.meta.url);
// The Node entry's own pieces: the same module instance as `playgate`.
const { bindApi, nodeEs384Native } = require('../dist/node/api.cjs');
const raw = require('../dist/node/playgate_wasm.js');

const now = 1_800_000_000;
const b64u = (b) => Buffer.from(b).toString('base64url');
const hsKey = { kid: 'h', alg: 'HS256', secret: b64u(Buffer.alloc(32, 7)) };
const hsToken = mint(hsKey, { exp: now + 60 });

function esKey(kid) {
  const { privateKey, publicKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return {
    signing: { kid, alg: 'ES384', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) },
    entry: { kid, alg: 'ES384', public_key: publicKey.export({ type: 'spki', format: 'pem' }) },
  };
}

test('requests larger than the input buffer, then small ones: same decisions as the JSON path', () => {
  const gate = Gate.fromConfig({ keys: [hsKey], token: { sources: [{ query: 'token' }, { header: 'x-token' }] } });
  const small = { method: 'GET', uri: '/a/seg.ts', querystring: `token=${hsToken}&x=1` };
  const sizes = [10, 3000, 10, 70_000, 10, 200_000, 10];
  for (const n of sizes) {
    const big = { ...small, headers: { 'x-pad': 'p'.repeat(n), 'x-é': 'é'.repeat(n >> 2) } };
    assert.equal(sameAsText(gate, big, now, `header of ${n}`).allow, true);
    const d = sameAsText(gate, small, now, `small after ${n}`);
    assert.equal(d.allow, true);
    assert.deepEqual(d.forward, { uri: '/a/seg.ts', querystring: 'x=1' });
    // A token in a long header, found there and not in the (absent) query.
    const inHeader = { method: 'GET', uri: '/a/b.ts', headers: { 'x-token': hsToken, 'x-pad': 'q'.repeat(n) } };
    assert.equal(sameAsText(gate, inHeader, now, `header token, pad ${n}`).allow, true);
  }
});

test('wasm memory growth between checks does not stale the views on it', () => {
  const gate = Gate.fromConfig({ keys: [hsKey] });
  const req = { method: 'GET', uri: '/a/seg.ts', querystring: `token=${hsToken}` };
  assert.equal(gate.check(req, now).allow, true);
  const before = raw.wasmMemory().buffer.byteLength;
  // Many gates with big caches make the allocator grow the memory.
  const others = [];
  while (raw.wasmMemory().buffer.byteLength === before) others.push(Gate.fromConfig({ keys: [hsKey] }, { cacheSize: 65536 }));
  assert.equal(sameAsText(gate, req, now, 'after growth').allow, true);
  assert.equal(sameAsText(gate, { ...req, querystring: 'token=x' }, now, 'after growth, bad token').reason, 'malformed_token');
  for (const g of others) g.free();
});

test('non-ASCII and NUL in the request fields: same decisions as the JSON path', () => {
  const gate = Gate.fromConfig({ keys: [hsKey], token: { sources: [{ query: 'token' }, { cookie: 'tok' }] } });
  for (const uri of ['/a/seg.ts', '/é/seg.ts', '/a\0b/seg.ts', '/😀/x', '/a/%C3%A9.ts']) {
    for (const extra of ['', '&é=1', '&a=\0', '&z']) {
      for (const ip of [undefined, '203.0.113.9', 'é', '\0']) {
        sameAsText(gate, { method: 'GET', uri, querystring: `token=${hsToken}${extra}`, clientIp: ip }, now, `${uri} ${extra} ${ip}`);
        sameAsText(gate, { method: 'GÉT', uri, querystring: extra.slice(1), cookies: { tok: hsToken } }, now, `cookie ${uri} ${extra}`);
      }
    }
  }
});

test('freed gate: check throws as before, and nothing is written to freed memory', () => {
  const gate = Gate.fromConfig({ keys: [hsKey] });
  const req = { method: 'GET', uri: '/a/seg.ts', querystring: `token=${hsToken}` };
  assert.equal(gate.check(req, now).allow, true);
  gate.free();
  assert.throws(() => gate.check(req, now));
  // Other gates keep working.
  const other = Gate.fromConfig({ keys: [hsKey] });
  for (let i = 0; i < 100; i++) assert.equal(other.check(req, now).allow, true);
});

test('a host verifier that checks on the same gate and on another one from inside a check', () => {
  const a = esKey('a');
  const token = mint(a.signing, { exp: now + 60 });
  const inner = Gate.fromConfig({ keys: [hsKey] });
  const req = { method: 'GET', uri: '/x/seg.ts', querystring: `token=${token}` };
  const innerReq = { method: 'GET', uri: '/y/seg.ts', querystring: `token=${hsToken}&k=v`, headers: { 'x-long': 'z'.repeat(5000) } };
  let gate;
  const seen = [];
  const verifier = (key, signed, sig) => {
    seen.push(outcome(() => inner.check(innerReq, now)));
    seen.push(outcome(() => gate.check(req, now)));
    return nodeCrypto.verify('sha384', signed, {
      key: nodeCrypto.createPublicKey({ key: { kty: 'EC', crv: 'P-384', x: b64u(key.subarray(1, 49)), y: b64u(key.subarray(49)) }, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363',
    }, sig);
  };
  gate = Gate.fromConfig({ keys: [a.entry] }, { nativeCrypto: verifier, cacheSize: 0 });
  const d = gate.check(req, now);
  assert.equal(d.allow, true);
  assert.deepEqual(d.forward, { uri: '/x/seg.ts', querystring: '' });
  // The other gate decided normally; the same gate refused the nested call (it is in use).
  assert.equal(seen[0].allow, true);
  assert.deepEqual(seen[0].forward, { uri: '/y/seg.ts', querystring: 'k=v' });
  assert.ok(seen[1].threw !== undefined, 'nested check on the same gate throws');
  // And the gate is usable afterwards.
  assert.equal(gate.check(req, now).allow, true);
});

// The default verifier, instrumented: an API bound like the Node entry's, over a node:crypto whose
// verify is counted (or broken).
function instrumented(cryptoLike) {
  return bindApi(() => raw, { es384: (buffer) => nodeEs384Native(cryptoLike, buffer) });
}

test('default ES384 verifier: one KeyObject per key, views on wasm memory, same verdicts as pure wasm', () => {
  const keys = [esKey('k1'), esKey('k2'), esKey('k3')];
  const calls = { verify: 0, import: 0 };
  const api = instrumented({
    createPublicKey: (...a) => { calls.import++; return nodeCrypto.createPublicKey(...a); },
    verify: (...a) => { calls.verify++; return nodeCrypto.verify(...a); },
  });
  // Keys without kid in the token: the core tries every ES384 key in order.
  const config = { keys: keys.map((k) => k.entry) };
  const gate = api.Gate.fromConfig(config, { cacheSize: 0 });
  const wasmGate = Gate.fromConfig(config, { cacheSize: 0, nativeCrypto: false });
  assert.equal(gate.nativeCrypto, true);
  const other = esKey('k1');
  const tokens = [];
  for (const k of [...keys, other]) {
    for (const includeKid of [true, false]) tokens.push(mint(k.signing, { exp: now + 60 }, { includeKid }));
  }
  // A tampered payload and a signature from another key under a configured kid.
  const [h, , s] = tokens[0].split('.');
  tokens.push(`${h}.${b64u('{"exp":1800000060,"x":1}')}.${s}`);
  for (let round = 0; round < 3; round++) {
    for (const t of tokens) {
      const req = { method: 'GET', uri: '/live/a.ts', querystring: `token=${t}&n=${round}` };
      assert.deepEqual(outcome(() => gate.check(req, now)), outcome(() => wasmGate.check(req, now)), t);
    }
  }
  const allowed = tokens.filter((t) => gate.check({ uri: '/a', querystring: `token=${t}` }, now).allow).length;
  assert.equal(allowed, 6);
  assert.equal(calls.import, 3, 'one KeyObject per configured key');
  assert.ok(calls.verify >= 30, `${calls.verify} node:crypto verifications`);
});

test('default ES384 verifier fails closed: a throwing node:crypto denies, a key it cannot import goes to wasm', () => {
  const k = esKey('k');
  const token = mint(k.signing, { exp: now + 60 });
  const req = { method: 'GET', uri: '/a.ts', querystring: `token=${token}` };
  const throwing = instrumented({ createPublicKey: nodeCrypto.createPublicKey, verify: () => { throw new Error('boom'); } });
  const d = throwing.Gate.fromConfig({ keys: [k.entry] }, { cacheSize: 0 }).check(req, now);
  assert.equal(d.allow, false);
  assert.equal(d.reason, 'bad_signature');
  const lying = instrumented({ createPublicKey: nodeCrypto.createPublicKey, verify: () => 1 });
  assert.equal(lying.Gate.fromConfig({ keys: [k.entry] }, { cacheSize: 0 }).check(req, now).reason, 'bad_signature');
  const noImport = instrumented({ createPublicKey: () => { throw new Error('no'); }, verify: () => true });
  const g = noImport.Gate.fromConfig({ keys: [k.entry] }, { cacheSize: 0 });
  assert.equal(g.check(req, now).allow, true, 'verified in wasm');
  const bad = { ...req, querystring: `token=${token.slice(0, -4)}AAAA` };
  assert.equal(g.check(bad, now).reason, 'bad_signature', 'and refused in wasm');
});

test('a bad clock throws invalid_argument on the object path, even with fields JSON cannot write', () => {
  const gate = Gate.fromConfig({ keys: [hsKey] });
  const req = { method: 'GET', uri: '/a/seg.ts', querystring: `token=${hsToken}`, context: { n: 1n } };
  for (const bad of [-1, NaN, Infinity, 'x', {}]) {
    assert.throws(() => gate.check(req, bad), { code: 'invalid_argument' }, String(bad));
  }
  assert.equal(gate.check(req, now).allow, true);
});
