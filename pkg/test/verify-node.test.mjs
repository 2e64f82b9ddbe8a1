// `require('playgate/verify')` in Node: the verify-only module with the Node entry's behaviour
// (instantiated on first require, ES384 through node:crypto by default). The Lambda@Edge handler
// ships this one. Same verdicts as the full package on the whole corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCases, ROOT, applyRevocation } from './corpus.mjs';

const require = createRequire(import.meta.url);
const verify = require('playgate/verify');
const full = require('playgate');
const minting = (name) => /rawsigningkey_|^mintakamai$/i.test(name);

test('require("playgate/verify") is the gate alone, over the verify-only module', () => {
  assert.deepEqual(Object.keys(verify), ['Gate']);
  assert.match(require.resolve('playgate/verify'), /dist[\\/]verify-node[\\/]index\.cjs$/);
  const wasm = readFileSync(join(ROOT, 'pkg', 'dist', 'verify-node', 'playgate_wasm_bg.wasm'));
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name);
  assert.deepEqual(exports.filter(minting), []);
  // The same module as the web verify entry, only with Node glue.
  const web = readFileSync(join(ROOT, 'pkg', 'dist', 'verify', 'playgate_wasm_bg.wasm'));
  assert.ok(Math.abs(wasm.length - web.length) < 2048, `${wasm.length} vs ${web.length} bytes`);
  assert.equal(typeof verify.Gate.fromConfig({ keys: [{ kid: 'k', alg: 'HS256', secret: 'cGxheWdhdGUtZG9jLWV4YW1wbGUta2V5LTMyYnl0ZXM' }] }).check, 'function');
});

test('the whole corpus: the same decision through require("playgate/verify") as through the full package', () => {
  const cases = loadCases({ withFilterCases: true });
  assert.ok(cases.length > 100, `only ${cases.length} cases`);
  const gates = new Map();
  const gatesFor = (c) => {
    if (!gates.has(c.configName)) gates.set(c.configName, [verify.Gate.fromConfig(c.config), full.Gate.fromConfig(c.config)]);
    return gates.get(c.configName);
  };
  for (const c of cases) {
    const [a, b] = gatesFor(c).map((gate) => {
      applyRevocation(gate, c);
      const d = gate.check(c.request, c.now);
      return { allow: d.allow, status: d.status, reason: d.reason, forward: d.forward };
    });
    assert.deepEqual(a, b, c.id);
    assert.deepEqual({ allow: a.allow, status: a.status, reason: a.reason }, { allow: c.expect.allow, status: c.expect.status, reason: c.expect.reason }, c.id);
  }
});

test('ES384 goes to node:crypto by default here too, and a bad config is a typed error', () => {
  const config = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'conformance', 'es384.config.json'), 'utf8'));
  assert.equal(verify.Gate.fromConfig(config).nativeCrypto, true);
  assert.equal(verify.Gate.fromConfig(config, { nativeCrypto: false }).nativeCrypto, false);
  assert.throws(() => verify.Gate.fromConfig({ keys: [{ kid: 'a', alg: 'HS999', secret: 'x' }] }), (e) => {
    assert.equal(e.code, 'invalid_config');
    assert.equal(e.field, 'keys[0].alg');
    return true;
  });
});
