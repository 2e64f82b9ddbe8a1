// Hybrid ES384: the core picks the key and range-checks the signature, node:crypto does the
// arithmetic. The corpus with it on and off, the Wycheproof P-384 P1363 vectors through a gate, and
// failing closed when the verifier throws or answers anything but `true`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Gate, SigningKey } from 'playgate';
import { loadCases, ROOT } from './corpus.mjs';

const require = createRequire(import.meta.url);
// The verifier the Node entry installs (dist/node/api.cjs is what index.cjs uses).
const { nodeEs384Verifier } = require('../dist/node/api.cjs');

const cases = loadCases({ withFilterCases: false });
const b64u = (b) => Buffer.from(b).toString('base64url');

function counting(inner) {
  const f = (...args) => {
    f.calls.push(args.map((a) => Buffer.from(a)));
    return inner(...args);
  };
  f.calls = [];
  return f;
}

test('Node entry: node:crypto on by default, off on request', () => {
  const cfg = { keys: [{ kid: 'h', alg: 'HS256', secret: b64u(Buffer.alloc(32, 1)) }] };
  assert.equal(Gate.fromConfig(cfg).nativeCrypto, true);
  assert.equal(Gate.fromConfig(cfg, { nativeCrypto: true }).nativeCrypto, true);
  assert.equal(Gate.fromConfig(cfg, { nativeCrypto: false }).nativeCrypto, false);
  assert.equal(Gate.fromConfig(cfg, { nativeCrypto: () => true }).nativeCrypto, true);
  for (const bad of [1, 'yes', null, {}]) {
    assert.throws(() => Gate.fromConfig(cfg, { nativeCrypto: bad }), { code: 'invalid_argument' });
    assert.throws(() => Gate.fromConfig(cfg, { precompute: bad }), { code: 'invalid_argument' });
  }
  // `precompute` on a gate without ES384 keys has nothing to build.
  assert.equal(Gate.fromConfig(cfg, { precompute: true }).check({ method: 'GET', uri: '/a.ts' }).reason, 'missing_token');
});

test('the whole corpus: same verdicts with node:crypto, without it (tables built lazily or precomputed), and the hybrid path is really taken', () => {
  const verifier = counting(nodeEs384Verifier(nodeCrypto));
  const modes = {
    default: {},
    off: { nativeCrypto: false },
    // The ES384 tables built when the gate is created rather than on a key's first signature.
    precomputed: { nativeCrypto: false, precompute: true },
    counted: { nativeCrypto: verifier },
  };
  let es384 = 0;
  for (const [mode, opts] of Object.entries(modes)) {
    const gates = new Map();
    for (const c of cases) {
      if (!gates.has(c.configName)) gates.set(c.configName, Gate.fromConfig(c.config, { ...opts, cacheSize: 0 }));
      const d = gates.get(c.configName).check(c.request, c.now);
      assert.deepEqual(
        { allow: d.allow, status: d.status, reason: d.reason },
        { allow: c.expect.allow, status: c.expect.status, reason: c.expect.reason },
        `${mode}: ${c.id}`,
      );
      if (mode === 'off' && c.tags?.includes('es384')) es384++;
    }
  }
  assert.ok(es384 > 10, `${es384} es384-tagged cases`);
  assert.ok(verifier.calls.length >= 10, `node:crypto verified ${verifier.calls.length} signatures`);
  for (const [key, , sig] of verifier.calls) {
    assert.equal(key.length, 97);
    assert.equal(key[0], 4);
    assert.equal(sig.length, 96);
  }
});

test('Wycheproof ECDSA P-384 SHA-384 P1363 through a gate with node:crypto: every verdict right', () => {
  const file = join(ROOT, 'fixtures', 'third_party', 'wycheproof', 'ecdsa_secp384r1_sha384_p1363_test.json');
  const { testGroups } = JSON.parse(readFileSync(file, 'utf8'));
  const node = nodeEs384Verifier(nodeCrypto);
  const now = 1_800_000_000;
  const header = b64u('{"alg":"ES384","typ":"JWT"}');
  const payload = b64u(JSON.stringify({ exp: now + 60 }));
  const signingInput = `${header}.${payload}`;
  const counts = { valid: 0, invalid: 0, hostCalls: 0 };
  for (const group of testGroups) {
    const sec1 = Buffer.from(group.publicKey.uncompressed, 'hex');
    const jwk = { kty: 'EC', crv: 'P-384', x: b64u(sec1.subarray(1, 49)), y: b64u(sec1.subarray(49)) };
    let msg;
    // The gate hands node:crypto the configured key and the token's signature; the vector's message
    // stands in for the token's signing input (a JWS signing input cannot be an arbitrary message).
    const verifier = (key, signed, sig) => {
      assert.deepEqual(Buffer.from(key), sec1, 'the configured key');
      assert.equal(Buffer.from(signed).toString(), signingInput);
      counts.hostCalls++;
      return node(key, msg, sig);
    };
    const gate = Gate.fromConfig({ keys: [{ kid: 'w', alg: 'ES384', jwk }] }, { cacheSize: 0, nativeCrypto: verifier });
    for (const t of group.tests) {
      msg = Buffer.from(t.msg, 'hex');
      const token = `${signingInput}.${b64u(Buffer.from(t.sig, 'hex'))}`;
      const d = gate.check({ uri: '/a.ts', querystring: `token=${token}` }, now);
      assert.notEqual(t.result, 'acceptable', 'this revision has no acceptable cases');
      const want = t.result === 'valid';
      assert.equal(d.allow, want, `tcId ${t.tcId} (${t.comment}): ${d.reason}`);
      if (!want) assert.equal(d.reason, 'bad_signature', `tcId ${t.tcId}`);
      counts[t.result]++;
    }
  }
  assert.ok(counts.valid > 150 && counts.invalid > 50, JSON.stringify(counts));
  // Out-of-range and wrong-length signatures never reach the host.
  assert.ok(counts.hostCalls < counts.valid + counts.invalid, JSON.stringify(counts));
});

// A gate with an ES384 key and a token signed by it.
function es384Fixture() {
  const { privateKey } = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const sk = SigningKey.fromJson({ kid: 'ivs', alg: 'ES384', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) });
  const entry = sk.verifyingEntry();
  const now = 1_800_000_000;
  const token = sk.mint({ exp: now + 60 }, { includeKid: false });
  sk.free();
  return { entry, now, token, req: (t) => ({ uri: '/a.ts', querystring: `token=${t}` }) };
}

test('fail closed: a verifier that throws or answers anything but true denies; undefined means "verify in Rust"', () => {
  const { entry, now, token, req } = es384Fixture();
  const [h, p, s] = token.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[20] ^= 1;
  const tampered = `${h}.${p}.${sig.toString('base64url')}`;
  const deny = { allow: false, status: 403, reason: 'bad_signature', request: null };
  for (const verifier of [
    () => { throw new Error('OpenSSL exploded'); },
    () => { throw 'not even an Error'; },
    () => 1, () => 'true', () => null, () => ({}), () => false, () => new Boolean(true),
  ]) {
    const gate = Gate.fromConfig({ keys: [entry] }, { nativeCrypto: verifier });
    assert.deepEqual(gate.check(req(token), now), deny, String(verifier));
    // Nothing was cached: a later good verdict is not needed to recover, but a throw never allowed.
    assert.equal(gate.cacheStats().hits, 0);
  }
  // A verifier re-entering its own gate: wasm-bindgen refuses the nested borrow with a throw, so
  // the signature is refused and the gate stays usable.
  let reentrant;
  reentrant = Gate.fromConfig({ keys: [entry] }, { nativeCrypto: () => reentrant.check(req(token), now).allow || true });
  assert.deepEqual(reentrant.check(req(token), now), deny);
  assert.deepEqual(reentrant.check({ uri: '/a.ts' }, now).reason, 'missing_token');
  const rust = Gate.fromConfig({ keys: [entry] }, { nativeCrypto: () => undefined });
  assert.equal(rust.check(req(token), now).allow, true, 'undefined: verified in WebAssembly');
  assert.deepEqual(rust.check(req(tampered), now), deny);
  const yes = Gate.fromConfig({ keys: [entry] }, { nativeCrypto: () => true });
  assert.equal(yes.check(req(token), now).allow, true);
  assert.deepEqual(Gate.fromConfig({ keys: [entry] }).check(req(tampered), now), deny, 'node:crypto rejects a tampered signature');
});

test('the core decides before the host: key choice, signature length and range, HS tokens', () => {
  const { entry, now, token, req } = es384Fixture();
  const other = es384Fixture().entry;
  const verifier = counting(nodeEs384Verifier(nodeCrypto));
  const gate = Gate.fromConfig({ keys: [{ ...other, kid: 'other' }, entry, { kid: 'h', alg: 'HS256', secret: b64u(Buffer.alloc(32, 2)) }] }, { cacheSize: 0, nativeCrypto: verifier });
  // No kid: both ES384 keys are tried, in order; the second verifies.
  assert.equal(gate.check(req(token), now).allow, true);
  const jwkPoint = (e) => Buffer.concat([Buffer.from([4]), Buffer.from(e.jwk.x, 'base64url'), Buffer.from(e.jwk.y, 'base64url')]);
  assert.deepEqual(verifier.calls.map(([k]) => k), [jwkPoint(other), jwkPoint(entry)]);
  verifier.calls.length = 0;
  const [h, p] = token.split('.');
  const n = Buffer.from('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973', 'hex');
  for (const sig of [Buffer.alloc(96), Buffer.alloc(95, 1), Buffer.alloc(97, 1), Buffer.concat([n, Buffer.alloc(48, 1)]), Buffer.concat([Buffer.alloc(48, 1), n])]) {
    assert.equal(gate.check(req(`${h}.${p}.${b64u(sig)}`), now).reason, 'bad_signature');
  }
  // A token naming a key by kid, or an HS token, never reaches an ES384 verifier it should not.
  const hs = `${b64u('{"alg":"HS256","kid":"h"}')}.${p}.${b64u(Buffer.alloc(32))}`;
  assert.equal(gate.check(req(hs), now).reason, 'bad_signature');
  const confused = `${b64u('{"alg":"ES384","kid":"h"}')}.${p}.${token.split('.')[2]}`;
  assert.equal(gate.check(req(confused), now).reason, 'algorithm_mismatch');
  assert.equal(verifier.calls.length, 0, 'none of these reached the host');
});

test('web entry: no native verifier (WebCrypto is asynchronous); same verdicts in WebAssembly', async () => {
  const web = await import('playgate/web');
  web.initSync(new WebAssembly.Module(readFileSync(require.resolve('playgate/playgate.wasm'))));
  const { entry, now, token, req } = es384Fixture();
  const gate = web.Gate.fromConfig({ keys: [entry] });
  assert.equal(gate.nativeCrypto, false);
  assert.equal(gate.check(req(token), now).allow, true);
  assert.equal(web.Gate.fromConfig({ keys: [entry] }, { nativeCrypto: () => false }).check(req(token), now).reason, 'bad_signature');
});

test('node:crypto is loaded on the first ES384 signature, not at require or config load (cold start)', () => {
  // A fresh process running a script file (this one has node:crypto already, and so has `node -e`).
  // `process.moduleLoadList` names every built-in module loaded so far.
  const probe = `
const loaded = () => process.moduleLoadList.includes('NativeModule crypto');
const { Gate, mint } = require(${JSON.stringify(join(ROOT, 'pkg', 'dist', 'node', 'index.cjs'))});
const config = JSON.parse(process.argv[2]);
const gate = Gate.fromConfig(config, { cacheSize: 0 });
const out = { afterLoad: loaded() };
const req = (t) => ({ method: 'GET', uri: '/a.ts', querystring: 'token=' + t });
const now = Math.floor(Date.now() / 1000);
const hs = mint({ kid: 'hs1', alg: 'HS256', secret: config.keys[0].secret }, { exp: now + 60 });
out.hs = gate.check(req(hs)).reason;
out.afterHs = loaded();
out.es = gate.check(req(process.argv[3])).reason;
out.afterEs = loaded();
process.stdout.write(JSON.stringify(out));`;
  const config = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'conformance', 'mixed.config.json'), 'utf8'));
  // Any well-formed ES384 token for the configured key id: its signature is what makes node:crypto load.
  const header = b64u(JSON.stringify({ alg: 'ES384', kid: 'ivs-a' }));
  const token = `${header}.${b64u(JSON.stringify({ exp: 4000000000 }))}.${b64u(Buffer.alloc(96, 7))}`;
  const dir = mkdtempSync(join(tmpdir(), 'playgate-lazy-crypto-'));
  try {
    writeFileSync(join(dir, 'probe.cjs'), probe);
    const run = execFileSync(process.execPath, [join(dir, 'probe.cjs'), JSON.stringify(config), token], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(run), { afterLoad: false, hs: null, afterHs: false, es: 'bad_signature', afterEs: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
