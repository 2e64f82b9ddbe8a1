// Revocation through the npm package (issue 5): `setRevocationFilter` / `clearRevocationFilter`, the
// config's `on_unavailable`, and a corrupt filter that never replaces a good one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate, mint } from 'playgate';
import { buildFilter, NOW } from './revocation-fixture.mjs';

const HS = { kid: 'hs1', alg: 'HS256', secret: Buffer.alloc(32, 7).toString('base64url') };
const CONFIG = { keys: [HS], revocation: {} };
const filter = buildFilter({ sids: ['s-revoked', 's-also'], jtis: ['j-revoked'] });
const other = buildFilter({ sids: ['s-ok'], seed: 'aabbccddeeff001122334455' });
const req = (claims) => ({ uri: '/a.ts', querystring: `token=${mint(HS, { exp: NOW + 600, ...claims })}` });
const verdict = (d) => ({ allow: d.allow, status: d.status, reason: d.reason });
const ALLOW = { allow: true, status: 200, reason: null };
const REVOKED = { allow: false, status: 403, reason: 'revoked' };
const UNAVAILABLE = { allow: false, status: 403, reason: 'revocation_unavailable' };

for (const cacheSize of [0, 1024]) {
  test(`revoked sid / jti denied, others allowed (cacheSize ${cacheSize})`, () => {
    const gate = Gate.fromConfig(CONFIG, { cacheSize });
    gate.setRevocationFilter(filter);
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(verdict(gate.check(req({ sid: 's-revoked' }), NOW)), REVOKED);
      assert.deepEqual(verdict(gate.check(req({ sid: 's-also' }), NOW)), REVOKED);
      assert.deepEqual(verdict(gate.check(req({ jti: 'j-revoked' }), NOW)), REVOKED);
      assert.deepEqual(verdict(gate.check(req({ sid: 's-fine' }), NOW)), ALLOW);
      assert.deepEqual(verdict(gate.check(req({}), NOW)), ALLOW, 'nothing to look up');
    }
  });
}

test('a cached token is denied once its session is revoked', () => {
  const gate = Gate.fromConfig(CONFIG);
  gate.setRevocationFilter(other);
  const r = req({ sid: 's-revoked' });
  assert.deepEqual(verdict(gate.check(r, NOW)), ALLOW);
  assert.deepEqual(verdict(gate.check(r, NOW)), ALLOW);
  gate.setRevocationFilter(filter);
  assert.deepEqual(verdict(gate.check(r, NOW)), REVOKED);
  assert.ok(gate.cacheStats().hits >= 2);
});

test('no filter with a revocation section: revocation_unavailable by default, allowed with on_unavailable allow', () => {
  const deny = Gate.fromConfig(CONFIG);
  assert.equal(deny.revocationFilterInfo(), null);
  assert.deepEqual(verdict(deny.check(req({ sid: 's-fine' }), NOW)), UNAVAILABLE);
  assert.deepEqual(verdict(deny.check(req({}), NOW)), ALLOW, 'a token with nothing to look up needs no filter');
  const allow = Gate.fromConfig({ keys: [HS], revocation: { on_unavailable: 'allow' } });
  assert.deepEqual(verdict(allow.check(req({ sid: 's-revoked' }), NOW)), ALLOW);
  allow.setRevocationFilter(filter);
  assert.deepEqual(verdict(allow.check(req({ sid: 's-revoked' }), NOW)), REVOKED);
});

test('clearRevocationFilter makes lookups unavailable again', () => {
  const gate = Gate.fromConfig(CONFIG);
  gate.setRevocationFilter(filter);
  assert.equal(gate.revocationFilterInfo().elements, 3);
  assert.deepEqual(verdict(gate.check(req({ sid: 's-fine' }), NOW)), ALLOW);
  gate.clearRevocationFilter();
  assert.equal(gate.revocationFilterInfo(), null);
  assert.deepEqual(verdict(gate.check(req({ sid: 's-fine' }), NOW)), UNAVAILABLE);
  assert.deepEqual(verdict(gate.check(req({ sid: 's-revoked' }), NOW)), UNAVAILABLE);
});

test('corrupt, truncated or foreign bytes throw invalid_revocation_filter and keep the previous filter', () => {
  const gate = Gate.fromConfig(CONFIG);
  gate.setRevocationFilter(filter);
  const flipped = Buffer.from(filter);
  flipped[100] ^= 0x10;
  const bad = [
    [flipped, 'checksum'],
    [filter.subarray(0, filter.length - 1), null],
    [filter.subarray(0, 10), null],
    [new Uint8Array(0), null],
    [Buffer.from('not a filter at all, not a filter at all, not a filter at all, not a filter'), null],
    [Buffer.concat([filter, Buffer.from([0])]), null],
  ];
  for (const [bytes, detail] of bad) {
    assert.throws(() => gate.setRevocationFilter(bytes), (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'RevocationFilterError');
      assert.equal(e.code, 'invalid_revocation_filter');
      assert.equal(typeof e.detail, 'string');
      if (detail) assert.equal(e.detail, detail);
      return true;
    });
    assert.deepEqual(verdict(gate.check(req({ sid: 's-revoked' }), NOW)), REVOKED, 'previous filter still used');
    assert.deepEqual(verdict(gate.check(req({ sid: 's-fine' }), NOW)), ALLOW);
  }
  // Without a previous filter, a corrupt one leaves none loaded.
  const fresh = Gate.fromConfig(CONFIG);
  assert.throws(() => fresh.setRevocationFilter(flipped), { code: 'invalid_revocation_filter' });
  assert.deepEqual(verdict(fresh.check(req({ sid: 's-fine' }), NOW)), UNAVAILABLE);
  assert.throws(() => fresh.setRevocationFilter('PGRF'), { code: 'invalid_argument' });
});

test('an ArrayBuffer works like a Uint8Array', () => {
  const gate = Gate.fromConfig(CONFIG);
  const ab = filter.buffer.slice(filter.byteOffset, filter.byteOffset + filter.length);
  gate.setRevocationFilter(ab);
  assert.deepEqual(verdict(gate.check(req({ sid: 's-revoked' }), NOW)), REVOKED);
});
