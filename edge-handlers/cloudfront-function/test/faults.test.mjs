// Fault injection on the generated CloudFront Function, beyond gate.test.mjs (which covers missing
// and malformed key store entries, oversized tokens and URLs, bad UTF-8 in tokens): thousands of
// query parameters, cookies and headers, repeated tokens, values of the wrong type, events with
// missing, extra or null parts, a KeyValueStore that throws or answers garbage, and configs the
// generator must refuse. Every fault must be denied (never allowed, never an exception: an
// exception is a 503 for every viewer) in Node and, for the JSON-representable events, under njs.
// Counts: target/faults/cloudfront-function.json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, UnsupportedError, generate } from '../build.mjs';
import { njsAvailable, runUnderNjs } from './conformance.mjs';
import { CONFIGS, NOW, token } from './differential.mjs';
import { HERE, ROOT, decisionOf, loadFunction, memoryKvs } from './harness.mjs';

const debugBuilt = generate(JSON.stringify({ ...CONFIGS.all, deny: { ...CONFIGS.all.deny, debug: true } }));
const good = debugBuilt.kvs.data;
const H = '{"alg":"HS256","kid":"k1"}';
const valid = token(H, `{"exp":${NOW + 60}}`);
const expired = token(H, `{"exp":${NOW - 60}}`);

const counts = { node: tally(), njs: tally(), build: { faults: 0, startup_errors: 0, wrong: 0, answers: [] } };
function tally() {
  return { faults: 0, denials: 0, allows: 0, exceptions: 0, wrong_reason: 0, by_reason: {}, answers: [] };
}
after(() => {
  const n = counts.node;
  const j = counts.njs;
  const doc = {
    surface: 'cloudfront-function',
    faults: n.faults + j.faults + counts.build.faults,
    denials: n.denials + j.denials,
    startup_errors: counts.build.startup_errors,
    allows: n.allows + j.allows,
    crashes: n.exceptions + j.exceptions,
    wrong_answers: n.wrong_reason + j.wrong_reason + counts.build.wrong,
    runtimes: counts,
  };
  const dir = path.join(ROOT, 'target/faults');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cloudfront-function.json'), JSON.stringify(doc, null, 2) + '\n');
  console.log(`faults cloudfront-function: ${doc.faults} injected (Node ${n.faults}, njs ${j.faults}, build ${counts.build.faults}): ` +
    `${doc.denials} denied, ${doc.startup_errors} refused at build; ${doc.allows} allowed, ${doc.crashes} exceptions, ${doc.wrong_answers} wrong answers`);
});

/** A CloudFront Functions event around `request` parts (defaults: GET /v/a.ts, nothing else). */
function event(parts = {}) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request', requestId: 'faults' },
    viewer: { ip: '203.0.113.7' },
    request: { method: 'GET', uri: '/v/a.ts', querystring: {}, headers: {}, cookies: {}, ...parts },
  };
}
const qs = (t) => ({ token: { value: t } });
const many = (n, f) => Object.fromEntries(Array.from({ length: n }, (_, i) => f(i)));

// [group, name, event, expected reason or null (any denial), { nodeOnly }]
const FAULTS = [
  ['query_params', '5,000 parameters then a valid token', event({ querystring: { ...many(5000, (i) => [`a${i}`, { value: '1' }]), ...qs(valid) } }), 'bad_request'],
  ['query_params', 'one parameter with 5,000 values, valid token', event({ querystring: { a: { value: '1', multiValue: Array.from({ length: 5000 }, () => ({ value: '1' })) }, ...qs(valid) } }), 'bad_request'],
  ['query_params', '1,000 parameters then an expired token', event({ querystring: { ...many(1000, (i) => [`a${i}`, { value: '' }]), ...qs(expired) } }), 'expired'],
  ['query_params', 'token repeated (multiValue)', event({ querystring: { token: { value: valid, multiValue: [{ value: valid }, { value: valid }] } } }), 'malformed_token'],
  ['query_params', 'token repeated, the second expired', event({ querystring: { token: { value: valid, multiValue: [{ value: valid }, { value: expired }] } } }), 'malformed_token'],
  ['query_params', 'token multiValue not an array', event({ querystring: { token: { value: valid, multiValue: 'x' } } }), null],
  ['query_params', 'token multiValue entries without value', event({ querystring: { token: { value: valid, multiValue: [{}, {}] } } }), null],
  ['query_params', 'token value a number', event({ querystring: { token: { value: 7 } } }), null],
  ['query_params', 'token value null', event({ querystring: { token: { value: null } } }), null],
  ['query_params', 'token value an object', event({ querystring: { token: { value: { v: valid } } } }), null],
  ['query_params', 'token value an array', event({ querystring: { token: { value: [valid] } } }), null],
  ['query_params', 'token entry null', event({ querystring: { token: null } }), null],
  ['query_params', 'token entry a bare string', event({ querystring: { token: valid } }), null],
  ['query_params', 'querystring as a raw string (Lambda@Edge shape)', event({ querystring: `token=${valid}` }), null],
  ['query_params', 'querystring an array', event({ querystring: [{ token: { value: valid } }] }), null],
  ['query_params', 'token name with a lone surrogate', event({ querystring: { 'tok\ud800en': { value: valid } } }), 'missing_token', { nodeOnly: true }],
  ['query_params', 'token with a trailing lone surrogate', event({ querystring: qs(`${valid}\udfff`) }), 'malformed_token', { nodeOnly: true }],
  ['query_params', 'token with U+FFFD inside', event({ querystring: qs(`${valid.slice(0, 20)}\ufffd${valid.slice(21)}`) }), 'malformed_token'],
  ['query_params', 'token with NUL', event({ querystring: qs(`${valid}\u0000`) }), 'malformed_token'],
  ['query_params', 'token %-encoded surrogate', event({ querystring: qs('%ED%A0%80') }), 'malformed_token'],
  ['query_params', 'token `%` alone', event({ querystring: qs('%') }), 'malformed_token'],
  ['query_params', 'token `%zz`', event({ querystring: qs(`${valid}%zz`) }), 'malformed_token'],
  ['query_params', 'token %00', event({ querystring: qs(`${valid}%00`) }), 'malformed_token'],

  ['headers', '10,000 headers, expired bearer token', event({ headers: { ...many(10000, (i) => [`x-h${i}`, { value: 'v' }]), authorization: { value: `Bearer ${expired}` } } }), 'expired'],
  ['headers', '1 MiB authorization header', event({ headers: { authorization: { value: `Bearer ${'A'.repeat(1 << 20)}` } } }), 'malformed_token'],
  ['headers', 'authorization repeated (multiValue)', event({ headers: { authorization: { value: `Bearer ${valid}`, multiValue: [{ value: `Bearer ${valid}` }, { value: `Bearer ${valid}` }] } } }), 'malformed_token'],
  ['headers', 'authorization value a number', event({ headers: { authorization: { value: 12345 } } }), null],
  ['headers', 'authorization value null', event({ headers: { authorization: { value: null } } }), null],
  ['headers', 'authorization entry null', event({ headers: { authorization: null } }), null],
  ['headers', 'authorization value an array', event({ headers: { authorization: { value: ['Bearer', valid] } } }), null],
  ['headers', 'authorization entry an empty object', event({ headers: { authorization: {} } }), null],
  ['headers', 'bearer token with a lone surrogate', event({ headers: { authorization: { value: `Bearer ${valid}\ud800` } } }), 'malformed_token', { nodeOnly: true }],
  ['headers', 'headers an array', event({ headers: [{ authorization: { value: `Bearer ${expired}` } }] }), null],

  ['cookies', '10,000 cookies, expired token cookie', event({ cookies: { ...many(10000, (i) => [`c${i}`, { value: 'v' }]), pg_token: { value: expired } } }), 'expired'],
  ['cookies', 'token cookie repeated (multiValue)', event({ cookies: { pg_token: { value: valid, multiValue: [{ value: valid }, { value: valid }] } } }), 'malformed_token'],
  ['cookies', 'token cookie value a number', event({ cookies: { pg_token: { value: 42 } } }), null],
  ['cookies', 'token cookie value null', event({ cookies: { pg_token: { value: null } } }), null],
  ['cookies', 'token cookie entry null', event({ cookies: { pg_token: null } }), null],
  ['cookies', 'token cookie quoted', event({ cookies: { pg_token: { value: `"${valid}"` } } }), 'malformed_token'],
  ['cookies', 'token cookie with a lone surrogate', event({ cookies: { pg_token: { value: `\udc00${valid}` } } }), 'malformed_token', { nodeOnly: true }],
  ['cookies', 'cookies a string (a raw Cookie header)', event({ cookies: `pg_token=${expired}` }), null],

  ['event_shape', 'event null', null, null, { nodeOnly: true }],
  ['event_shape', 'event undefined', undefined, null, { nodeOnly: true }],
  ['event_shape', 'event empty', {}, null],
  ['event_shape', 'request null', { version: '1.0', request: null }, null],
  ['event_shape', 'request empty', { version: '1.0', request: {} }, null],
  ['event_shape', 'request a string', { version: '1.0', request: `/v/a.ts?token=${valid}` }, null],
  ['event_shape', 'uri missing, valid token', (() => { const e = event({ querystring: qs(valid) }); delete e.request.uri; return e; })(), 'bad_request'],
  ['event_shape', 'uri null, valid token', event({ uri: null, querystring: qs(valid) }), 'bad_request'],
  ['event_shape', 'uri a number, valid token', event({ uri: 7, querystring: qs(valid) }), 'bad_request'],
  ['event_shape', 'uri an array, valid token', event({ uri: ['/v/a.ts'], querystring: qs(valid) }), null],
  ['event_shape', 'uri an object, valid token', event({ uri: { 0: '/' }, querystring: qs(valid) }), null],
  ['event_shape', 'uri empty, valid token', event({ uri: '', querystring: qs(valid) }), 'bad_request'],
  ['event_shape', 'uri without a leading slash, valid token', event({ uri: 'v/a.ts', querystring: qs(valid) }), 'bad_request'],
  ['event_shape', 'Lambda@Edge event, valid token', { Records: [{ cf: { request: { uri: '/v/a.ts', querystring: `token=${valid}`, headers: {} } } }] }, null],
  ['event_shape', 'extra members everywhere, expired token', { ...event({ querystring: { token: { value: expired, extra: 1 } }, extra: { a: 1 } }), extra: [1, 2], responses: {} }, 'expired'],
  ['event_shape', 'viewer null, expired token', { ...event({ querystring: qs(expired) }), viewer: null }, 'expired'],
  ['event_shape', 'a getter that throws (querystring)', (() => { const e = event(); Object.defineProperty(e.request, 'querystring', { get() { throw new Error('boom'); }, enumerable: true }); return e; })(), null, { nodeOnly: true }],
];

/** A KeyValueStore whose `get` misbehaves: `mode(key)` returns what `get` does. */
function oddKvs(answer) {
  const real = memoryKvs(good);
  return { ...real, get: (key, opts) => answer(key, opts, real) };
}
const KEYS = (f) => (key, opts, real) => (key.startsWith('key:') ? f() : real.get(key, opts));
const KVS_FAULTS = [
  ['get throws synchronously', KEYS(() => { throw new Error('network'); })],
  ['get rejects with an Error', KEYS(() => Promise.reject(new Error('throttled')))],
  ['get rejects with undefined', KEYS(() => Promise.reject(undefined))],
  ['get rejects with a string', KEYS(() => Promise.reject('KeyNotFound'))],
  ['get resolves undefined', KEYS(async () => undefined)],
  ['get resolves null', KEYS(async () => null)],
  ['get resolves a number', KEYS(async () => 42)],
  ['get resolves a string for a JSON read', KEYS(async () => JSON.stringify({ alg: 'HS256', secret: CONFIGS.all.keys[0].secret }))],
  ['get resolves an array', KEYS(async () => [CONFIGS.all.keys[0].secret])],
  ['get resolves bytes', KEYS(async () => Buffer.from(CONFIGS.all.keys[0].secret))],
  ['get resolves an object without secret', KEYS(async () => ({ alg: 'HS256' }))],
  ['get resolves a numeric secret', KEYS(async () => ({ alg: 'HS256', secret: 12345678 }))],
  ['get resolves an object secret', KEYS(async () => ({ alg: 'HS256', secret: { toString: () => CONFIGS.all.keys[0].secret } }))],
  ['get resolves an object whose members throw', KEYS(async () => ({ get alg() { throw new Error('boom'); }, get secret() { throw new Error('boom'); } }))],
  ['get resolves a thenable that throws', KEYS(() => ({ then() { throw new Error('boom'); } }))],
  ['get is not a function', null],
];

async function runNode(ev, kvs) {
  try {
    const out = await loadFunction(debugBuilt.code, kvs)(ev, NOW);
    return decisionOf(out);
  } catch (e) {
    return { exception: String(e && e.message) };
  }
}

function record(t, group, name, d, want) {
  t.faults++;
  let line;
  if (d.exception !== undefined) {
    t.exceptions++;
    line = `exception: ${d.exception}`;
  } else if (d.allow) {
    t.allows++;
    line = 'ALLOWED';
  } else {
    t.denials++;
    t.by_reason[d.reason] = (t.by_reason[d.reason] || 0) + 1;
    line = `${d.status} ${d.reason}`;
    if (want && d.reason !== want) {
      t.wrong_reason++;
      line += ` (expected ${want})`;
    }
  }
  const ok = d.exception === undefined && !d.allow && (!want || d.reason === want);
  t.answers.push(`${group}: ${name} → ${line}`);
  return { ok, text: `${group}: ${name} → ${line}` };
}

test('hostile events are denied in Node, never allowed, never an exception', async () => {
  const bad = [];
  for (const [group, name, ev, want] of FAULTS) {
    const r = record(counts.node, group, name, await runNode(ev, memoryKvs(good)), want);
    if (!r.ok) bad.push(r.text);
  }
  assert.deepEqual(bad, []);
});

test('a KeyValueStore that throws or answers garbage denies, never allows, never throws', async () => {
  const bad = [];
  const withKid = event({ querystring: qs(valid) });
  const noKid = event({ querystring: qs(token('{"alg":"HS256"}', `{"exp":${NOW + 60}}`)) });
  // The control: the same requests are allowed with the real store.
  assert.equal((await runNode(structuredClone(withKid), memoryKvs(good))).allow, true);
  assert.equal((await runNode(structuredClone(noKid), memoryKvs(good))).allow, true);
  for (const [name, answer] of KVS_FAULTS) {
    for (const [which, ev] of [['kid', withKid], ['no kid', noKid]]) {
      const kvs = answer ? oddKvs(answer) : { get: 42, exists: 42 };
      const r = record(counts.node, 'kvs', `${name} (${which})`, await runNode(structuredClone(ev), kvs), null);
      if (!r.ok) bad.push(r.text);
    }
  }
  assert.deepEqual(bad, []);
});

test('the same hostile events under njs', { skip: !njsAvailable() && 'njs is not installed' }, () => {
  const runnable = FAULTS.filter(([, , , , o]) => !(o && o.nodeOnly));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-faults-'));
  let out;
  try {
    out = runUnderNjs(debugBuilt.code, good, runnable.map(([, , ev]) => ({ event: ev, now: NOW })), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bad = [];
  runnable.forEach(([group, name, , want], i) => {
    const res = out[i];
    const d = !res ? { exception: 'no result' } : res.error ? { exception: res.error } : decisionOf(res);
    const r = record(counts.njs, group, name, d, want);
    if (!r.ok) bad.push(r.text);
  });
  assert.deepEqual(bad, []);
});

test('configs that are missing, empty, not JSON or mistyped are refused at build time', () => {
  const refused = (what, f) => {
    counts.build.faults++;
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigError || e instanceof UnsupportedError) {
        counts.build.startup_errors++;
        counts.build.answers.push(`${what} → ${e.name}: ${e.message}`);
        return e;
      }
      counts.build.wrong++;
      assert.fail(`${what}: ${e && e.name} ${e && e.message}`);
    }
    counts.build.wrong++;
    assert.fail(`${what}: accepted`);
  };
  for (const [what, text] of [
    ['undefined', undefined], ['empty', ''], ['whitespace', ' \n'], ['null', 'null'], ['an array', '[]'], ['a number', '7'],
    ['truncated', '{"keys": ['], ['non-UTF-8 read as text', '\ufffd\ufffd'], ['a lone surrogate', '{"keys": "\ud800"}'],
    ['200,000 nested arrays', '['.repeat(200000)], ['keys empty', '{"keys": []}'], ['keys a string', '{"keys": "k1"}'],
    ['unknown member', JSON.stringify({ ...CONFIGS.all, extra: 1 })],
    ['short secret', JSON.stringify({ keys: [{ kid: 'k1', alg: 'HS256', secret: 'LEAKME' }] })],
    ['HS384 key', JSON.stringify({ keys: [{ kid: 'k1', alg: 'HS384', secret: Buffer.alloc(48, 1).toString('base64url') }] })],
  ]) {
    const e = refused(what, () => generate(text));
    assert.ok(!String(e.message).includes('LEAKME'), `${what}: the message shows the secret`);
  }
});

test('the command line refuses a missing or unreadable config with exit 2 and one line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-faults-cli-'));
  try {
    const bad = [];
    for (const [what, file] of [['missing file', path.join(tmp, 'nope.json')], ['a directory', tmp], ['under a plain file', path.join(HERE, 'faults.test.mjs', 'x.json')]]) {
      counts.build.faults++;
      const r = spawnSync(process.execPath, [path.join(HERE, '..', 'build.mjs'), file, '--out', path.join(tmp, 'out')], { encoding: 'utf8' });
      const ok = r.status === 2 && r.stderr.startsWith('playgate cloudfront-function: ') && r.stderr.trim().split('\n').length === 1;
      counts.build.answers.push(`command line, ${what} → exit ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
      if (ok) counts.build.startup_errors++;
      else {
        counts.build.wrong++;
        bad.push(`${what}: exit ${r.status}: ${r.stderr.slice(0, 200)}`);
      }
    }
    assert.deepEqual(bad, []);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
