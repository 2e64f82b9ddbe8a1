// ES384 first sight: where the time goes besides OpenSSL. Times, in one process and interleaved
// rounds (median CPU µs per op): node:crypto's verify alone, playgate's hybrid check, the
// hand-written node:crypto verifier of bench.mjs, and both with the OpenSSL call replaced by a stub
// returning true ("everything but OpenSSL": for playgate the packing, the core's parsing, key choice,
// range check and claims, the call out to JS; for the hand-written verifier its splitting, base64,
// header compare and JSON.parse). Every subject pays the same OpenSSL verification, so the ratio of
// the real subjects is decided by the stubbed costs, a fraction of a percent of the total.
// Usage: node es384-overhead.mjs [rounds, default 15]   (PLAYGATE_DIST=<pkg/dist copy> to measure another build)
import { createRequire } from 'node:module';
import * as nodeCrypto from 'node:crypto';
const require = createRequire(import.meta.url);
const dist = process.env.PLAYGATE_DIST ?? require.resolve('playgate').replace(/\/node\/index\.cjs$/, '');
const { Gate, mint } = require(dist + '/node/index.cjs');
const api = require(dist + '/node/api.cjs');
const raw = require(dist + '/node/playgate_wasm.js');
const { generateKeyPairSync, verify: cryptoVerify, createVerify } = nodeCrypto;
const now = Math.floor(Date.now() / 1000);
const claims = { exp: now + 3600, 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456' };
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const esPem = ec.publicKey.export({ type: 'spki', format: 'pem' });
const token = mint({ kid: 'ivs-1', alg: 'ES384', private_key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, claims, { includeKid: false });
const config = { keys: [{ kid: 'ivs-1', alg: 'ES384', public_key: esPem }] };
const gate = Gate.fromConfig(config, { cacheSize: 0 });
const stubCrypto = { createPublicKey: nodeCrypto.createPublicKey, verify: () => true };
const stubApi = api.bindApi(() => raw, { es384: api.nodeEs384Native ? (b) => api.nodeEs384Native(stubCrypto, b) : () => api.nodeEs384Verifier(stubCrypto) });
const stubGate = stubApi.Gate.fromConfig(config, { cacheSize: 0 });
const request = { method: 'GET', uri: '/live/stream/seg_00042.ts', querystring: `token=${token}`, headers: {} };
const [h, p, s] = token.split('.');
const signed = Buffer.from(`${h}.${p}`);
const sig = Buffer.from(s, 'base64url');
const opts = { key: ec.publicKey, dsaEncoding: 'ieee-p1363' };
const HDR = Buffer.from('{"alg":"ES384"');
function hand(verify) {
  const dot1 = token.indexOf('.'); const dot2 = token.indexOf('.', dot1 + 1);
  const header = Buffer.from(token.slice(0, dot1), 'base64url');
  if (header.subarray(0, HDR.length).compare(HDR) !== 0) throw new Error('alg');
  const sg = Buffer.from(token.slice(dot2 + 1), 'base64url');
  if (!verify(Buffer.from(token.slice(0, dot2)), sg)) throw new Error('sig');
  const c = JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url'));
  if (!(c.exp > now)) throw new Error('exp');
  return c;
}
const subjects = {
  'crypto.verify alone': () => cryptoVerify('sha384', signed, opts, sig),
  'createVerify alone': () => createVerify('sha384').update(signed).verify(opts, sig),
  'playgate hybrid check': () => gate.check(request, now).allow,
  'hand-written': () => hand((d, sg) => cryptoVerify('sha384', d, opts, sg)),
  'STUB playgate check (no OpenSSL)': () => stubGate.check(request, now).allow,
  'STUB hand-written (no OpenSSL)': () => hand(() => true),
};
const rounds = Number(process.argv[2] ?? 15);
const res = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
for (const f of Object.values(subjects)) if (!f()) throw new Error('x');
for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(subjects)) {
  const stub = k.startsWith('STUB');
  const n = stub ? 20000 : 200;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const c = process.cpuUsage(c0);
  res[k].push((c.user + c.system) / n);
}
for (const [k, v] of Object.entries(res)) { v.sort((a, b) => a - b); console.log(k.padEnd(36), 'median', v[v.length >> 1].toFixed(2), 'µs  min', v[0].toFixed(2)); }
