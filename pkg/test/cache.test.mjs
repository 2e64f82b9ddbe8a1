// The verified-token cache of `Gate` (issue 8): it must never change a verdict. The whole corpus runs
// twice through one cached gate per configuration (the second pass is served from the cache) and once
// through an uncached gate; an expired token is denied on a cache hit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate, mint } from 'playgate';
import { loadCases } from './corpus.mjs';

const verdict = (d) => ({ allow: d.allow, status: d.status, reason: d.reason, forward: d.forward ?? null });

test('same verdicts with and without the cache on the whole corpus (two passes through one cached gate)', () => {
  const cases = loadCases();
  assert.ok(cases.length > 100);
  const cached = new Map();
  const uncached = new Map();
  const get = (m, c, opts) => {
    if (!m.has(c.configName)) {
      try {
        m.set(c.configName, Gate.fromConfig(c.config, opts));
      } catch {
        m.set(c.configName, null); // an invalid config is the conformance runner's business
      }
    }
    return m.get(c.configName);
  };
  const run = (g, c) => {
    try {
      return verdict(g.check(c.request, c.now));
    } catch (e) {
      return { threw: e.code };
    }
  };
  let compared = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (const c of cases) {
      const g0 = get(uncached, c, { cacheSize: 0 });
      const g1 = get(cached, c, { cacheSize: 64 });
      if (g0 === null || g1 === null) continue;
      assert.deepEqual(run(g1, c), run(g0, c), `${c.id} (pass ${pass + 1})`);
      compared++;
    }
  }
  let hits = 0;
  for (const g of cached.values()) if (g) hits += g.cacheStats().hits;
  for (const g of uncached.values()) if (g) assert.equal(g.cacheStats().hits, 0, 'cacheSize 0 disables the cache');
  assert.ok(compared > 200, `${compared} comparisons`);
  assert.ok(hits > 50, `the second pass hit the cache (${hits} hits)`);
});

const NOW = 1_800_000_000;
const HS = { kid: 'hs1', alg: 'HS256', secret: Buffer.alloc(32, 7).toString('base64url') };

test('an expired token is denied on a cache hit, with and without iat', () => {
  for (const claims of [{ exp: NOW + 60 }, { exp: NOW + 60, iat: NOW }]) {
    const gate = Gate.fromConfig({ keys: [HS] });
    const token = mint(HS, claims);
    const req = { uri: '/a.ts', querystring: `token=${token}` };
    assert.equal(gate.check(req, NOW).allow, true);
    assert.equal(gate.check(req, NOW + 59).allow, true);
    const before = gate.cacheStats().hits;
    const d = gate.check(req, NOW + 61);
    assert.equal(gate.cacheStats().hits, before + 1, 'served from the cache');
    assert.deepEqual(verdict(d), { allow: false, status: 403, reason: 'expired', forward: null });
  }
});

test('a cache hit still checks the path scope', () => {
  const gate = Gate.fromConfig({ keys: [HS], paths: { claim: 'paths' } });
  const token = mint(HS, { exp: NOW + 60, paths: ['/live/**'] });
  assert.equal(gate.check({ uri: '/live/a.ts', querystring: `token=${token}` }, NOW).allow, true);
  const d = gate.check({ uri: '/other/a.ts', querystring: `token=${token}` }, NOW);
  assert.equal(d.allow, false);
  assert.equal(gate.cacheStats().hits, 1);
});

test('cacheSize: default on, 0 off, invalid values rejected', () => {
  const token = mint(HS, { exp: NOW + 60 });
  const req = { uri: '/a.ts', querystring: `token=${token}` };
  const on = Gate.fromConfig({ keys: [HS] });
  on.check(req, NOW);
  on.check(req, NOW);
  assert.deepEqual(on.cacheStats(), { hits: 1, misses: 1 });
  const off = Gate.fromConfig({ keys: [HS] }, { cacheSize: 0 });
  off.check(req, NOW);
  off.check(req, NOW);
  assert.equal(off.cacheStats().hits, 0);
  for (const bad of [-1, 1.5, '8', NaN]) {
    assert.throws(() => Gate.fromConfig({ keys: [HS] }, { cacheSize: bad }), { code: 'invalid_argument' });
  }
});
