// `playgate/verify`: the verify-only module (built without the `mint` feature) decides the whole
// corpus exactly as the full package does, and really carries no minting code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as verify from 'playgate/verify';
import { Gate } from 'playgate';
import { loadCases, ROOT, applyRevocation } from './corpus.mjs';

const wasmPath = (dir) => join(ROOT, 'pkg', 'dist', dir, 'playgate_wasm_bg.wasm');
const exportsOf = (dir) => WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasmPath(dir)))).map((e) => e.name);
// Minting and the playback-URL helpers that mint: only in the full module.
const minting = (name) => /rawsigningkey_|^mintakamai$|^playbackurl$/i.test(name);

test('before init the verify entry refuses to work, naming the fix', () => {
  assert.throws(() => verify.Gate.fromConfig({ keys: [] }), /initSync/);
});

test('the verify entry exports the gate only', () => {
  assert.deepEqual(Object.keys(verify).sort(), ['Gate', 'default', 'init', 'initSync']);
  const full = exportsOf('web');
  const small = exportsOf('verify');
  assert.ok(full.some(minting), `the full module exports minting (${full.join(', ')})`);
  assert.deepEqual(small.filter(minting), []);
  // Everything else the full module exports is there (the gate API is the same).
  assert.deepEqual(full.filter((n) => !minting(n)).sort(), [...small].sort());
});

test('the whole corpus: the same verdict through playgate/verify as through the full package', () => {
  verify.initSync(new WebAssembly.Module(readFileSync(wasmPath('verify'))));
  const cases = loadCases({ withFilterCases: true });
  assert.ok(cases.length > 100, `only ${cases.length} cases`);
  const gates = new Map();
  const gatesFor = (c) => {
    if (!gates.has(c.configName)) gates.set(c.configName, [verify.Gate.fromConfig(c.config), Gate.fromConfig(c.config)]);
    return gates.get(c.configName);
  };
  let compared = 0;
  for (const c of cases) {
    const decisions = gatesFor(c).map((gate) => {
      applyRevocation(gate, c);
      const d = gate.check(c.request, c.now);
      return { allow: d.allow, status: d.status, reason: d.reason, forward: d.forward };
    });
    assert.deepEqual(decisions[0], decisions[1], c.id);
    assert.deepEqual(
      { allow: decisions[0].allow, status: decisions[0].status, reason: decisions[0].reason },
      { allow: c.expect.allow, status: c.expect.status, reason: c.expect.reason },
      c.id,
    );
    compared++;
  }
  assert.equal(compared, cases.length);
});

test('configuration errors from the verify module name the field', () => {
  assert.throws(() => verify.Gate.fromConfig({ keys: [{ kid: 'a', alg: 'HS999', secret: 'x' }] }), (e) => {
    assert.equal(e.code, 'invalid_config');
    assert.equal(e.field, 'keys[0].alg');
    return true;
  });
});
