// Round trip against an independent implementation (jose): jose signs, playgate verifies; playgate
// mints, jose verifies. HS256 and ES384, PEM and JWK key forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { Gate, mint } from 'playgate';

const now = () => Math.floor(Date.now() / 1000);
const req = (t) => ({ method: 'GET', uri: '/live/index.m3u8', querystring: `token=${t}` });

test('HS256: jose signs, playgate verifies; tampering is bad_signature', async () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const gate = Gate.fromConfig({ keys: [{ kid: 'k1', alg: 'HS256', secret: Buffer.from(secret).toString('base64url') }] });
  const t = await new jose.SignJWT({ 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/x' })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' })
    .setExpirationTime(now() + 60)
    .sign(secret);
  assert.equal(gate.check(req(t)).allow, true);
  const other = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setExpirationTime(now() + 60).sign(crypto.getRandomValues(new Uint8Array(32)));
  assert.equal(gate.check(req(other)).reason, 'bad_signature');
  const noExp = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret);
  assert.equal(gate.check(req(noExp)).reason, 'missing_claim', 'jose accepts tokens without exp; playgate does not');
});

test('HS256: playgate mints, jose verifies', async () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const key = { kid: 'k1', alg: 'HS256', secret: Buffer.from(secret).toString('base64url') };
  const t = mint(key, { sub: 'viewer-1' }, { expiresIn: 60 });
  const { payload, protectedHeader } = await jose.jwtVerify(t, secret, { algorithms: ['HS256'] });
  assert.equal(payload.sub, 'viewer-1');
  assert.equal(protectedHeader.kid, 'k1');
});

test('ES384 (IVS style, no kid): jose signs, playgate verifies with SPKI PEM and with JWK', async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES384', { extractable: true });
  const pem = await jose.exportSPKI(publicKey);
  const jwk = await jose.exportJWK(publicKey);
  const t = await new jose.SignJWT({ 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/x' })
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT' })
    .setExpirationTime(now() + 60)
    .sign(privateKey);
  for (const entry of [{ kid: 'ivs-1', alg: 'ES384', public_key: pem }, { kid: 'ivs-2', alg: 'ES384', jwk }]) {
    const gate = Gate.fromConfig({ keys: [entry] });
    assert.equal(gate.check(req(t)).allow, true, JSON.stringify(entry).slice(0, 40));
    const [h, p, s] = t.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 1;
    assert.equal(gate.check(req(`${h}.${p}.${sig.toString('base64url')}`)).reason, 'bad_signature');
  }
});

test('ES384: playgate mints with a PKCS#8 key from jose, jose verifies', async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES384', { extractable: true });
  const key = { kid: 'ivs-1', alg: 'ES384', private_key: await jose.exportPKCS8(privateKey) };
  const t = mint(key, { 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/x' }, { expiresIn: 60, includeKid: false });
  const { payload, protectedHeader } = await jose.jwtVerify(t, publicKey, { algorithms: ['ES384'] });
  assert.equal(protectedHeader.alg, 'ES384');
  assert.equal(protectedHeader.kid, undefined);
  assert.equal(payload['aws:channel-arn'], 'arn:aws:ivs:us-west-2:123456789012:channel/x');
});
