// The generated function against the Rust core on hand-made edge cases (in Node and under njs), and
// the faults only the function has: key store entries missing or malformed, hostile input.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { generate } from '../build.mjs';
import { njsAvailable, runNjs, runNode, runUnderNjs } from './conformance.mjs';
import { CLI, CONFIGS, NOW, cases, randomCases, token, withCoreExpectations } from './differential.mjs';
import { decisionOf, loadFunction, memoryKvs, toCloudFrontEvent } from './harness.mjs';

const haveCli = fs.existsSync(CLI);
const diff = haveCli ? withCoreExpectations(cases()) : [];

test('agrees with the core on edge cases (Node)', { skip: !haveCli && `no core CLI at ${CLI} (cargo build -p playgate-cli)` }, async () => {
  const run = await runNode(diff);
  const failures = run.results.filter((r) => r.bad.length).map((r) => `${r.c.name}: ${r.bad.join('; ')}`);
  assert.deepEqual(failures, []);
  assert.equal(run.summary.passed, diff.length);
  // The set exercises every reason the function can give, and allowed requests too.
  const reasons = new Set(diff.map((c) => c.expect.reason));
  for (const r of [null, 'missing_token', 'malformed_token', 'forbidden_header', 'algorithm_mismatch', 'unknown_key', 'bad_signature',
    'missing_claim', 'invalid_claim', 'expired', 'not_yet_valid', 'lifetime_too_long', 'channel_mismatch', 'origin_mismatch', 'bad_request']) {
    assert.ok(reasons.has(r), `no case for ${r}`);
  }
});

test('agrees with the core on edge cases (njs)', { skip: (!haveCli && 'no core CLI') || (!njsAvailable() && 'njs is not installed') }, async () => {
  const run = await runNjs(diff);
  const failures = run.results.filter((r) => r.bad.length).map((r) => `${r.c.name}: ${r.bad.join('; ')}`);
  assert.deepEqual(failures, []);
  assert.equal(run.summary.passed + run.summary.skipped, diff.length);
});

test('agrees with the core on seeded random requests (Node and njs)', { skip: !haveCli && 'no core CLI' }, async () => {
  const seed = Number(process.env.PLAYGATE_SEED || 20261122);
  const random = withCoreExpectations(randomCases(seed, Number(process.env.PLAYGATE_RANDOM_CASES || 300)));
  for (const run of [await runNode(random), ...(njsAvailable() ? [await runNjs(random)] : [])]) {
    const failures = run.results.filter((r) => r.bad.length).map((r) => `${r.c.name}: ${r.bad.join('; ')}`);
    assert.deepEqual(failures, [], `seed ${seed}`);
  }
  const allowed = random.filter((c) => c.expect.allow).length;
  assert.ok(allowed >= 10, `only ${allowed} allowed cases: the generator drifted`);
});

// --- faults the core never sees -----------------------------------------------------------------

const config = JSON.stringify(CONFIGS.all);
const built = generate(config);
const debugBuilt = generate(JSON.stringify({ ...CONFIGS.all, deny: { ...CONFIGS.all.deny, debug: true } }));
const K1 = 'key:k1';
const good = built.kvs.data;
const plain = (t, extra = {}) => ({ method: 'GET', uri: '/v/a.ts', querystring: `token=${t}`, headers: {}, cookies: {}, ...extra });
const withKid = token('{"alg":"HS256","kid":"k1"}', `{"exp":${NOW + 60}}`);
const noKidK1 = token('{"alg":"HS256"}', `{"exp":${NOW + 60}}`);

/** Runs one request through the debug build (Node, and njs when present) with a given store. */
async function decide(kvsData, request, { event, nodeOnly } = {}) {
  const ev = event || toCloudFrontEvent(request);
  const node = decisionOf(await loadFunction(debugBuilt.code, memoryKvs(kvsData))(structuredClone(ev), NOW));
  if (njsAvailable() && !nodeOnly) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-fault-'));
    let r;
    try {
      [r] = runUnderNjs(debugBuilt.code, kvsData, [{ event: ev, now: NOW }], dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(!r.error, `njs threw: ${r && r.error}`);
    assert.deepEqual({ ...decisionOf(r), leaks: undefined }, { ...node, leaks: undefined }, 'njs and Node disagree');
  }
  return node;
}

const replace = (key, value) => good.map((d) => (d.key === key ? { key, value } : d));

test('a missing key store entry denies', async () => {
  assert.equal((await decide(good, plain(withKid))).allow, true);
  const d = await decide(good.filter((e) => e.key !== K1), plain(withKid));
  assert.deepEqual([d.allow, d.status, d.reason], [false, 418, 'unknown_key']);
  const none = await decide([], plain(noKidK1));
  assert.deepEqual([none.allow, none.reason], [false, 'unknown_key']);
});

test('a malformed key store value denies', async () => {
  const bad = {
    'not JSON': '{alg:HS256',
    'JSON string': JSON.stringify('secret'),
    'no alg': JSON.stringify({ secret: CONFIGS.all.keys[0].secret }),
    'other alg': JSON.stringify({ alg: 'HS512', secret: CONFIGS.all.keys[0].secret }),
    'short secret': JSON.stringify({ alg: 'HS256', secret: Buffer.alloc(31, 7).toString('base64url') }),
    'padded secret': JSON.stringify({ alg: 'HS256', secret: `${CONFIGS.all.keys[0].secret}=` }),
    'secret not a string': JSON.stringify({ alg: 'HS256', secret: 7 }),
    null: 'null',
  };
  for (const [what, value] of Object.entries(bad)) {
    const d = await decide(replace(K1, value), plain(withKid));
    assert.equal(d.allow, false, what);
    assert.ok(['unknown_key', 'algorithm_mismatch'].includes(d.reason), `${what}: ${d.reason}`);
  }
  // Without `kid`, a broken entry is skipped (a removed key), the other keys still count.
  const k2Token = token('{"alg":"HS256"}', `{"exp":${NOW + 60}}`, Buffer.alloc(40, 9));
  assert.equal((await decide(replace(K1, '{alg:'), plain(k2Token))).allow, true);
  assert.equal((await decide(replace(K1, '{alg:'), plain(noKidK1))).reason, 'bad_signature');
});

test('a key rotated in the store takes effect without regenerating the function', async () => {
  const fresh = Buffer.alloc(32, 42);
  const rotated = replace(K1, JSON.stringify({ alg: 'HS256', secret: fresh.toString('base64url') }));
  assert.equal((await decide(rotated, plain(withKid))).reason, 'bad_signature');
  const t = token('{"alg":"HS256","kid":"k1"}', `{"exp":${NOW + 60}}`, fresh);
  assert.equal((await decide(rotated, plain(t))).allow, true);
});

test('oversized tokens and URLs deny', async () => {
  const long = token('{"alg":"HS256","kid":"k1"}', `{"exp":${NOW + 60},"p":"${'x'.repeat(1000)}"}`);
  assert.equal((await decide(good, plain(long))).reason, 'malformed_token');
  assert.equal((await decide(good, plain(withKid, { uri: `/${'a'.repeat(9000)}` }))).reason, 'bad_request');
  assert.equal((await decide(good, plain(`${withKid}&p=${'q'.repeat(9000)}`))).reason, 'bad_request');
  const huge = 'A'.repeat(1 << 20);
  assert.equal((await decide(good, plain(huge))).reason, 'bad_request');
  assert.equal((await decide(good, { method: 'GET', uri: '/v/a.ts', querystring: '', headers: {}, cookies: { pg_token: huge } })).reason, 'malformed_token');
});

test('non-UTF-8 and hostile input deny without throwing', async () => {
  // Bytes that are not UTF-8 reach a JS function as escapes it must reject, or as lone surrogates.
  assert.equal((await decide(good, plain(`${withKid}%ff`))).reason, 'malformed_token');
  assert.equal((await decide(good, plain(`${withKid}%C0%80`))).reason, 'malformed_token');
  const badUtf8Payload = `${withKid.split('.')[0]}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.AAAA`;
  assert.equal((await decide(good, plain(badUtf8Payload))).reason, 'malformed_token');
  assert.equal((await decide(good, plain('\udc80.\ud800.x'))).reason, 'malformed_token');
  const cookie = await decide(good, { method: 'GET', uri: '/v/a.ts', querystring: '', headers: {}, cookies: { pg_token: `\ud800${withKid}` } });
  assert.equal(cookie.reason, 'malformed_token');
  const pathLone = await decide(good, { method: 'GET', uri: '/\udc80/a.ts', querystring: '', headers: {}, cookies: {} });
  assert.equal(pathLone.reason, 'missing_token');
  // (njs cannot hold a lone surrogate at all: it reads one as U+FFFD.)
  assert.equal((await decide(good, plain(withKid, { uri: '/v/\udc80.ts' }), { nodeOnly: true })).allow, true, 'the path is not the gate\'s business');
  // Events missing parts, or with odd shapes, are denied, never crash the function.
  const ev = toCloudFrontEvent(plain(withKid));
  delete ev.request.headers;
  delete ev.request.cookies;
  assert.equal((await decide(good, null, { event: ev })).allow, true);
  const noUri = toCloudFrontEvent(plain(withKid));
  delete noUri.request.uri;
  assert.equal((await decide(good, null, { event: noUri })).reason, 'bad_request');
  const proto = toCloudFrontEvent({ method: 'GET', uri: '/v/a.ts', querystring: '__proto__=x&constructor=y', headers: {}, cookies: {} });
  assert.equal((await decide(good, null, { event: proto })).reason, 'missing_token');
});

test('deny responses have the CloudFront Functions shape and reveal the reason only with deny.debug', async () => {
  const plainObj = (x) => JSON.parse(JSON.stringify(x));
  const prod = await loadFunction(built.code, memoryKvs(good))(toCloudFrontEvent(plain('x.y.z')), NOW);
  assert.deepEqual(plainObj(prod), { statusCode: 418, statusDescription: 'Client Error' });
  const missing = await loadFunction(built.code, memoryKvs(good))(toCloudFrontEvent({ uri: '/a' }), NOW);
  assert.deepEqual(plainObj(missing), { statusCode: 499, statusDescription: 'Client Error' });
  const dbg = await loadFunction(debugBuilt.code, memoryKvs(good))(toCloudFrontEvent(plain('x.y.z')), NOW);
  assert.deepEqual(plainObj(dbg), {
    statusCode: 418,
    statusDescription: 'Client Error',
    headers: { 'x-playgate-reason': { value: 'malformed_token' } },
    body: { encoding: 'text', data: 'malformed_token' },
  });
  const std = generate(JSON.stringify({ keys: CONFIGS.all.keys }));
  const r = await loadFunction(std.code, memoryKvs(std.kvs.data))(toCloudFrontEvent({ uri: '/a' }), NOW);
  assert.deepEqual(plainObj(r), { statusCode: 401, statusDescription: 'Unauthorized' });
});

test('an allowed request is forwarded without the token, everything else untouched', async () => {
  const ev = toCloudFrontEvent({ method: 'GET', uri: '/v/a.ts', querystring: `a=1&token=${withKid}&b=%20&a=2`, headers: { host: 'h' }, cookies: { c: 'v' } });
  const out = await loadFunction(built.code, memoryKvs(good))(structuredClone(ev), NOW);
  const want = structuredClone(ev.request);
  delete want.querystring.token;
  assert.deepEqual(out, want);
  const p = toCloudFrontEvent({ method: 'GET', uri: `/s1.${withKid}/v/a.ts`, querystring: 'x=1', headers: {}, cookies: {} });
  const fwd = await loadFunction(built.code, memoryKvs(good))(p, NOW);
  assert.equal(fwd.uri, '/v/a.ts');
  assert.deepEqual(fwd.querystring, { x: { value: '1' } });
});
