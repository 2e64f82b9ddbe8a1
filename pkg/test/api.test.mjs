// The JavaScript API as a user meets it: configuration errors, the three request shapes and what is
// forwarded for each, clock handling, minting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate, SigningKey, mint } from 'playgate';

const NOW = 1_800_000_000;
const HS = { kid: 'hs1', alg: 'HS256', secret: Buffer.alloc(32, 7).toString('base64url') };
const config = { keys: [{ ...HS }], token: { sources: [{ query: 'token' }, { cookie: 'pg' }, { path_segment: true }] } };
const gate = Gate.fromConfig(config);
const token = mint(HS, { exp: NOW + 60 });
const decodeHeader = (t) => JSON.parse(Buffer.from(t.split('.')[0], 'base64url'));
const decodeClaims = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url'));

test('configuration errors are Errors with code invalid_config and the field', () => {
  const cases = [
    [{ keys: [{ kid: 'a', alg: 'HS999', secret: 'x' }] }, 'keys[0].alg'],
    [{ keys: [{ kid: 'a', alg: 'HS256', secret: 'c2hvcnQ' }] }, 'keys[0].secret'],
    [{ keys: [HS], tokn: {} }, 'tokn'],
    [{ keys: [HS], claims: { leeway: 301 } }, 'claims.leeway'],
  ];
  for (const [cfg, field] of cases) {
    assert.throws(() => Gate.fromConfig(cfg), (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.code, 'invalid_config');
      assert.equal(e.field, field, e.message);
      return true;
    });
  }
  assert.throws(() => Gate.fromConfig('{not json'), { code: 'invalid_config' });
  assert.throws(() => Gate.fromConfig(42), { code: 'invalid_config' });
});

test('a secret never appears in a configuration error', () => {
  const secret = 'c3VwZXJzZWNyZXRzdXBlcnNlY3JldHN1cGVyc2VjcmV0';
  assert.throws(() => Gate.fromConfig({ keys: [{ kid: 'a', alg: 'HS256', secret }], claims: { leeway: secret } }), (e) => {
    assert.ok(!e.message.includes(secret), e.message);
    return true;
  });
});

test('config as JSON text works like the object', () => {
  const g = Gate.fromConfig(JSON.stringify(config));
  assert.equal(g.check({ uri: '/a.ts', querystring: `token=${token}` }, NOW).allow, true);
});

test('plain shape: token query parameter removed, others kept byte for byte', () => {
  const req = { method: 'GET', uri: '/live/a.ts', querystring: `a=%20&token=${token}&b`, headers: { host: 'h' } };
  const d = gate.check(req, NOW);
  assert.deepEqual(d, {
    allow: true, status: 200, reason: null,
    request: { ...req, querystring: 'a=%20&b' },
    forward: { uri: '/live/a.ts', querystring: 'a=%20&b' },
  });
  assert.equal(req.querystring, `a=%20&token=${token}&b`, 'the input is not mutated');
});

test('path segment token: first segment removed from the uri', () => {
  const d = gate.check({ uri: `/sess1.${token}/live/a.ts` }, NOW);
  assert.equal(d.allow, true);
  assert.equal(d.request.uri, '/live/a.ts');
});

test('Lambda@Edge event: the forwarded request is Records[0].cf.request with the token removed', () => {
  const request = {
    clientIp: '203.0.113.7', method: 'GET', uri: '/live/a.m3u8', querystring: `token=${token}&x=1`,
    headers: { host: [{ key: 'Host', value: 'd.example' }] },
  };
  const event = { Records: [{ cf: { config: { eventType: 'viewer-request' }, request } }] };
  const d = gate.check(event, NOW);
  assert.equal(d.allow, true);
  assert.deepEqual(d.request, { ...request, querystring: 'x=1' });
  const cookie = { ...request, querystring: '', headers: { cookie: [{ key: 'Cookie', value: `a=1; pg=${token}` }] } };
  assert.equal(gate.check({ Records: [{ cf: { request: cookie } }] }, NOW).allow, true);
});

test('CloudFront Functions event: querystring object keeps every other parameter as received', () => {
  const other = { value: '1', multiValue: [{ value: '1' }, { value: '2' }] };
  const event = {
    version: '1.0', viewer: { ip: '203.0.113.7' },
    request: { method: 'GET', uri: '/live/a.ts', querystring: { token: { value: token }, a: other, e: { value: '' } }, headers: {}, cookies: {} },
  };
  const d = gate.check(event, NOW);
  assert.equal(d.allow, true);
  assert.deepEqual(d.request.querystring, { a: other, e: { value: '' } });
  assert.equal(d.forward.querystring, 'a=1&a=2&e');
});

test('denials: status, reason code, no request', () => {
  assert.deepEqual(gate.check({ uri: '/a.ts' }, NOW), { allow: false, status: 401, reason: 'missing_token', request: null });
  assert.deepEqual(gate.check({ uri: '/a.ts', querystring: `token=${token}` }, NOW + 60), { allow: false, status: 403, reason: 'expired', request: null });
  assert.equal(gate.check({ uri: '/a.ts', querystring: `token=${token}x` }, NOW).reason, 'bad_signature');
  assert.equal(gate.check({ uri: 'a.ts', querystring: `token=${token}` }, NOW).reason, 'bad_request');
});

test('now defaults to the system clock; fractional seconds round down', () => {
  const fresh = mint(HS, {}, { expiresIn: 60 });
  assert.equal(gate.check({ uri: '/a.ts', querystring: `token=${fresh}` }).allow, true);
  assert.equal(gate.check({ uri: '/a.ts', querystring: `token=${token}` }, NOW + 59.999).allow, true);
  for (const bad of [-1, NaN, Infinity]) {
    assert.throws(() => gate.check({ uri: '/a.ts' }, bad), { code: 'invalid_argument' });
  }
});

test('documents that are not requests throw invalid_request (not a verdict)', () => {
  assert.throws(() => gate.check({ uri: 5 }, NOW), { code: 'invalid_request' });
  assert.throws(() => gate.check({ Records: [] }, NOW), { code: 'invalid_request' });
  assert.throws(() => gate.check('[]', NOW), { code: 'invalid_request' });
  assert.throws(() => gate.check(null, NOW), { code: 'invalid_request' });
});

test('request as JSON text', () => {
  const d = gate.check(JSON.stringify({ uri: '/a.ts', querystring: `token=${token}&z=9` }), NOW);
  assert.deepEqual(d.request, { uri: '/a.ts', querystring: 'z=9' });
});

test('mint: header, kid, expiresIn, IVS style without kid', () => {
  assert.deepEqual(decodeHeader(token), { alg: 'HS256', kid: 'hs1', typ: 'JWT' });
  const ivs = mint(HS, { exp: NOW + 1 }, { includeKid: false });
  assert.deepEqual(decodeHeader(ivs), { alg: 'HS256', typ: 'JWT' });
  assert.equal(gate.check({ uri: '/a.ts', querystring: `token=${ivs}` }, NOW).allow, true, 'no kid: tried by alg');
  assert.equal(decodeClaims(mint(HS, { a: 1 }, { expiresIn: 30, now: 100.7 })).exp, 130);
  assert.throws(() => mint(HS, [1, 2]), TypeError);
  assert.throws(() => mint({ kid: 'k', alg: 'HS256' }, {}), (e) => e.code === 'invalid_config' && e.field === 'secret');
});

test('ES384: SigningKey → verifyingEntry (public JWK) → gate', () => {
  // RFC 6979 A.2.6 P-384 private key, wrapped by node:crypto.
  const sk = SigningKey.fromJson({ kid: 'ivs', alg: 'ES384', private_key: es384Pem() });
  const entry = sk.verifyingEntry();
  assert.equal(entry.jwk.crv, 'P-384');
  assert.equal(entry.d, undefined);
  const g = Gate.fromConfig({ keys: [entry] });
  const t = sk.mint({ exp: NOW + 60 }, { includeKid: false });
  assert.equal(t.split('.')[2].length, 128, '96-byte raw R||S');
  assert.equal(g.check({ uri: '/a.ts', querystring: `token=${t}` }, NOW).allow, true);
  sk.free();
});

import { generateKeyPairSync } from 'node:crypto';
function es384Pem() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' });
}
