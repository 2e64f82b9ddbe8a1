// Fault injection on the Lambda@Edge handler, beyond handler.test.mjs (bad config, non-events, a
// throw → 503) and revocation.test.mjs (filter server down, corrupt or hanging): thousands of query
// parameters, headers and cookies, repeated tokens, lone surrogates, fields of the wrong type or
// null, broken configs and bundled filters, and build-time faults. Every fault must be denied (a
// 4xx from the gate, or the handler's fail-closed 503), never forwarded, never a rejected promise.
// Counts: target/faults/lambda-edge.json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildFilter } from '../../../pkg/test/revocation-fixture.mjs';

const require = createRequire(import.meta.url);
const { createHandler } = require('../src/handler.js');
const { mint } = require('playgate');

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '../../..');
const NOW = 1_800_000_000;
const KEY = { kid: 'k1', alg: 'HS256', secret: Buffer.alloc(32, 3).toString('base64url') };
const CONFIG = {
  keys: [KEY],
  token: { sources: [{ query: 'token' }, { cookie: 'pg' }, { bearer: true }, { header: 'x-pg-token' }] },
  deny: { debug: true },
};
const valid = mint(KEY, { exp: NOW + 60 });
const expired = mint(KEY, { exp: NOW - 60 });

const counts = { faults: 0, denials: 0, fail_closed: 0, startup_errors: 0, allows: 0, crashes: 0, wrong_answers: 0, by_answer: {}, answers: [] };
after(() => {
  const { denials, ...rest } = counts;
  // `denials`: the gate's 4xx and the handler's fail-closed 503 together (split in the two fields after it).
  const doc = { surface: 'lambda-edge', faults: counts.faults, denials: denials + counts.fail_closed, gate_denials: denials, ...rest };
  const dir = join(ROOT, 'target/faults');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'lambda-edge.json'), JSON.stringify(doc, null, 2) + '\n');
  console.log(`faults lambda-edge: ${counts.faults} injected: ${counts.denials} denied by the gate, ${counts.fail_closed} failed closed (503), ` +
    `${counts.startup_errors} startup errors (bad config at cold start, refused builds); ${counts.allows} allowed, ${counts.crashes} exceptions, ${counts.wrong_answers} wrong answers`);
});

const h = (key, value) => [{ key, value }];
/** A viewer-request event; `request` members replace the defaults. */
function event(request = {}) {
  return {
    Records: [{
      cf: {
        config: { distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'faults' },
        request: { clientIp: '203.0.113.7', method: 'GET', uri: '/live/index.m3u8', querystring: '', headers: { host: h('Host', 'd.example') }, ...request },
      },
    }],
  };
}
const withHeaders = (headers, rest = {}) => event({ headers: { host: h('Host', 'd.example'), ...headers }, ...rest });
const many = (n, f) => Object.fromEntries(Array.from({ length: n }, (_, i) => f(i)));
/** An event whose `Records[0].cf.request` is changed by `f`. */
const edit = (f) => {
  const e = event({ querystring: `token=${valid}` });
  f(e.Records[0].cf.request, e);
  return e;
};

// [group, name, event, expected reason, or null for any denial (gate 4xx or fail-closed 503)]
const FAULTS = [
  ['query_params', '5,000 a=1& then a valid token', event({ querystring: `${'a=1&'.repeat(5000)}token=${valid}` }), 'bad_request'],
  ['query_params', '5,000 repeated valid tokens', event({ querystring: `token=${valid}&`.repeat(5000) }), null],
  ['query_params', '1,000 a=1& then an expired token', event({ querystring: `${'a=1&'.repeat(1000)}token=${expired}` }), 'expired'],
  ['query_params', 'valid token twice', event({ querystring: `token=${valid}&token=${valid}` }), 'malformed_token'],
  ['query_params', 'valid token then an empty one', event({ querystring: `token=${valid}&token=` }), 'malformed_token'],
  ['query_params', 'token %-encoded surrogate', event({ querystring: 'token=%ED%A0%80' }), 'malformed_token'],
  ['query_params', 'token with a trailing %', event({ querystring: `token=${valid}%` }), 'malformed_token'],
  ['query_params', 'token with %00', event({ querystring: `token=${valid}%00` }), 'malformed_token'],
  ['query_params', 'token with a raw NUL', event({ querystring: `token=${valid}\u0000` }), null],
  ['query_params', 'token with a lone surrogate', event({ querystring: `token=${valid}\ud800` }), null],
  ['query_params', 'token name with a lone surrogate', event({ querystring: `tok\udc00en=${valid}` }), null],
  ['query_params', 'querystring a number', edit((r) => { r.querystring = 7; }), null],
  ['query_params', 'querystring null, no other token', edit((r) => { r.querystring = null; }), null],
  ['query_params', 'querystring an object (CloudFront Functions shape)', edit((r) => { r.querystring = { token: { value: valid } }; }), null],
  ['query_params', 'querystring an array', edit((r) => { r.querystring = [`token=${valid}`]; }), null],

  ['headers', '10,000 headers, expired bearer token', withHeaders({ ...many(10000, (i) => [`x-h${i}`, h(`X-H${i}`, 'v')]), authorization: h('Authorization', `Bearer ${expired}`) }), 'expired'],
  ['headers', 'one header with 10,000 values, expired bearer token', withHeaders({ 'x-h': Array.from({ length: 10000 }, () => ({ key: 'X-H', value: 'v' })), authorization: h('Authorization', `Bearer ${expired}`) }), 'expired'],
  ['headers', '1 MiB authorization header', withHeaders({ authorization: h('Authorization', `Bearer ${'A'.repeat(1 << 20)}`) }), 'malformed_token'],
  ['headers', 'authorization twice', withHeaders({ authorization: [{ key: 'Authorization', value: `Bearer ${valid}` }, { key: 'Authorization', value: `Bearer ${valid}` }] }), 'malformed_token'],
  ['headers', 'token header twice', withHeaders({ 'x-pg-token': [{ key: 'X-Pg-Token', value: valid }, { key: 'X-Pg-Token', value: valid }] }), 'malformed_token'],
  ['headers', 'bearer token with a lone surrogate', withHeaders({ authorization: h('Authorization', `Bearer ${valid}\udfff`) }), null],
  ['headers', 'authorization value a number', withHeaders({ authorization: h('Authorization', 12345) }), null],
  ['headers', 'authorization value null', withHeaders({ authorization: h('Authorization', null) }), null],
  ['headers', 'authorization entry null', withHeaders({ authorization: [null] }), null],
  ['headers', 'authorization entry without value', withHeaders({ authorization: [{ key: 'Authorization' }] }), null],
  ['headers', 'authorization list an object, not an array', withHeaders({ authorization: { key: 'Authorization', value: `Bearer ${valid}` } }), null],
  ['headers', 'authorization list a string', withHeaders({ authorization: `Bearer ${valid}` }), null],
  ['headers', 'header map null, no other token', edit((r) => { r.headers = null; r.querystring = ''; }), null],
  ['headers', 'header map an array', edit((r) => { r.headers = [h('Authorization', `Bearer ${valid}`)]; r.querystring = ''; }), null],
  ['headers', '__proto__ header carrying a token', withHeaders(JSON.parse(`{"__proto__": [{"key": "Authorization", "value": "Bearer ${valid}"}]}`)), null],

  ['cookies', '5,000 cookies then an expired token', withHeaders({ cookie: h('Cookie', `${'c=1; '.repeat(5000)}pg=${expired}`) }), 'expired'],
  ['cookies', '2,000 cookie headers then an expired token', withHeaders({ cookie: [...Array.from({ length: 2000 }, (_, i) => ({ key: 'Cookie', value: `c${i}=1` })), { key: 'Cookie', value: `pg=${expired}` }] }), 'expired'],
  ['cookies', 'token cookie twice in one header', withHeaders({ cookie: h('Cookie', `pg=${valid}; pg=${valid}`) }), 'malformed_token'],
  ['cookies', 'token cookie in two headers', withHeaders({ cookie: [{ key: 'Cookie', value: `pg=${valid}` }, { key: 'Cookie', value: `pg=${valid}` }] }), 'malformed_token'],
  ['cookies', '1 MiB cookie header with a valid token', withHeaders({ cookie: h('Cookie', `pg=${valid}${'A'.repeat(1 << 20)}`) }), 'malformed_token'],
  ['cookies', 'token cookie with a lone surrogate', withHeaders({ cookie: h('Cookie', `pg=\ud800${valid}`) }), null],
  ['cookies', 'cookie value a number', withHeaders({ cookie: h('Cookie', 42) }), null],
  ['cookies', 'quoted token cookie', withHeaders({ cookie: h('Cookie', `pg="${valid}"`) }), 'malformed_token'],

  ['event_shape', 'Records[0] null', { Records: [null] }, null],
  ['event_shape', 'cf null', { Records: [{ cf: null }] }, null],
  ['event_shape', 'request null', { Records: [{ cf: { config: {}, request: null } }] }, null],
  ['event_shape', 'request empty', { Records: [{ cf: { config: {}, request: {} } }] }, null],
  ['event_shape', 'Records an object', { Records: { 0: event({ querystring: `token=${valid}` }).Records[0] } }, null],
  ['event_shape', 'uri missing, valid token', edit((r) => { delete r.uri; }), null],
  ['event_shape', 'uri null, valid token', edit((r) => { r.uri = null; }), null],
  ['event_shape', 'uri a number, valid token', edit((r) => { r.uri = 7; }), null],
  ['event_shape', 'uri an array, valid token', edit((r) => { r.uri = ['/live/index.m3u8']; }), null],
  ['event_shape', 'uri without a leading slash, valid token', edit((r) => { r.uri = 'live/index.m3u8'; }), 'bad_request'],
  ['event_shape', 'uri 9 KiB, valid token', edit((r) => { r.uri = `/${'a'.repeat(9 << 10)}`; }), 'bad_request'],
  ['event_shape', 'uri with a lone surrogate, token scoped to /live/', event({ uri: '/live/\ud800/../../secret/x.ts', querystring: `token=${mint(KEY, { exp: NOW + 60, paths: ['/live/'] })}` }), null],
  ['event_shape', 'extra members everywhere, expired token', (() => { const e = event({ querystring: `token=${expired}`, extra: { a: 1 } }); e.extra = [1]; e.Records[0].extra = null; e.Records[0].cf.extra = 'x'; return e; })(), 'expired'],
  ['event_shape', 'clientIp a number, expired token', edit((r) => { r.clientIp = 7; r.querystring = `token=${expired}`; }), null],
  ['event_shape', 'method an object, expired token', edit((r) => { r.method = {}; r.querystring = `token=${expired}`; }), null],
  ['event_shape', 'a getter that throws', edit((r) => { Object.defineProperty(r, 'headers', { enumerable: true, get() { throw new Error('boom'); } }); }), null],
];

function answer(out) {
  if (out === undefined || out === null) return { kind: 'allow', text: String(out) };
  if (out.status === undefined) return { kind: 'allow', text: 'forwarded' };
  const reason = out.headers && out.headers['x-playgate-reason'] && out.headers['x-playgate-reason'][0].value;
  if (out.status === '503' && !reason) return { kind: 'fail_closed', text: '503' };
  return { kind: Number(out.status) >= 400 ? 'denial' : 'allow', reason, text: `${out.status} ${reason}` };
}

async function inject(handler, name, ev, want) {
  counts.faults++;
  let a;
  try {
    a = answer(await handler(ev));
  } catch (e) {
    a = { kind: 'crash', text: `exception: ${e && e.message}` };
  }
  const key = a.kind === 'denial' ? `${a.text}` : a.kind;
  counts.by_answer[key] = (counts.by_answer[key] || 0) + 1;
  if (a.kind === 'denial') counts.denials++;
  else if (a.kind === 'fail_closed') counts.fail_closed++;
  else if (a.kind === 'allow') counts.allows++;
  else counts.crashes++;
  const ok = (a.kind === 'denial' || a.kind === 'fail_closed') && (!want || a.reason === want);
  if (!ok && (a.kind === 'denial' || a.kind === 'fail_closed')) counts.wrong_answers++;
  counts.answers.push(`${name} → ${a.text}`);
  return ok ? null : `${name} → ${a.text}${want ? ` (expected ${want})` : ''}`;
}

test('hostile events are denied, never forwarded, never an exception', async () => {
  const lines = [];
  const handler = createHandler(CONFIG, { now: () => NOW, log: (l) => lines.push(l) });
  // The control: a good event is forwarded by this handler.
  assert.equal((await handler(event({ querystring: `token=${valid}` }))).status, undefined);
  const bad = [];
  for (const [group, name, ev, want] of FAULTS) {
    const r = await inject(handler, `${group}: ${name}`, ev, want);
    if (r) bad.push(r);
  }
  assert.deepEqual(bad, []);
  // Fail-closed log lines are one JSON object each, and never carry the token.
  for (const l of lines) assert.ok(!JSON.stringify(l).includes(valid.split('.')[2]), JSON.stringify(l));
  // Still serving afterwards.
  assert.equal((await handler(event({ querystring: `token=${valid}` }))).status, undefined);
});

test('broken configurations fail closed on every request, and the log line shows no secret', async () => {
  const leak = 'LEAKME-' + 'x'.repeat(40);
  const configs = [
    ['null', null], ['undefined', undefined], ['empty text', ''], ['not JSON', '{"keys": ['], ['a number', 7], ['an array', [CONFIG]],
    ['keys a string', { keys: 'k1' }], ['keys empty', { keys: [] }], ['unknown member', { ...CONFIG, extra: 1 }],
    ['short secret', { keys: [{ kid: 'k1', alg: 'HS256', secret: 'LEAKME' }] }],
    ['secret not base64url', { keys: [{ kid: 'k1', alg: 'HS256', secret: `${leak}*` }] }],
    ['secret a number', { keys: [{ kid: 'k1', alg: 'HS256', secret: 1234567890123 }] }],
    ['alg none', { keys: [{ ...KEY, alg: 'none' }] }],
    ['200,000 nested arrays', '['.repeat(200000)],
    ['a lone surrogate in the JSON', `{"keys": [{"kid": "\ud800", "alg": "HS256", "secret": "${KEY.secret}"}]}`],
  ];
  const bad = [];
  for (const [what, config] of configs) {
    const lines = [];
    const handler = createHandler(config, { now: () => NOW, log: (l) => lines.push(l) });
    const r = await inject(handler, `config: ${what}`, event({ querystring: `token=${valid}` }), null);
    counts.faults--; // counted as a startup error below, not as a request fault
    counts.fail_closed -= r ? 0 : 1;
    if (r) bad.push(r);
    else counts.startup_errors++;
    const logged = JSON.stringify(lines);
    if (lines.length !== 1 || lines[0].phase !== 'config') bad.push(`config: ${what}: log ${logged}`);
    if (logged.includes('LEAKME') || logged.includes(KEY.secret) || logged.includes('1234567890123')) bad.push(`config: ${what}: the log shows a secret: ${logged}`);
  }
  counts.faults += configs.length;
  assert.deepEqual(bad, []);
});

test('broken revocation filter bytes deny tokens that need a lookup, never allow', async () => {
  const config = { ...CONFIG, revocation: { on_unavailable: 'deny' } };
  const now = Math.floor(Date.now() / 1000);
  const good = buildFilter({ sids: ['gone'], now });
  const flipped = Buffer.from(good);
  flipped[flipped.length >> 1] ^= 0x40;
  const sidToken = mint(KEY, { exp: now + 60, sid: 'kept' });
  const bad = [];
  for (const [what, bytes] of [
    ['empty', Buffer.alloc(0)], ['truncated', good.subarray(0, good.length >> 1)], ['one bit flipped', flipped],
    ['wrong magic', Buffer.concat([Buffer.from('XXXX'), good.subarray(4)])], ['random', Buffer.alloc(4096, 0xa5)],
    ['a string', 'PGRF'], ['a number', 7], ['null', null],
  ]) {
    const handler = createHandler(config, { now: () => now, log: () => {}, revocation: { bytes } });
    const r = await inject(handler, `revocation filter: ${what}`, event({ querystring: `token=${sidToken}` }), null);
    if (r) bad.push(r);
  }
  // The control: the good filter lets the same token through and refuses the revoked session.
  const handler = createHandler(config, { now: () => now, log: () => {}, revocation: { bytes: good } });
  assert.equal((await handler(event({ querystring: `token=${sidToken}` }))).status, undefined);
  const gone = await handler(event({ querystring: `token=${mint(KEY, { exp: now + 60, sid: 'gone' })}` }));
  assert.equal(gone.headers['x-playgate-reason'][0].value, 'revoked');
  assert.deepEqual(bad, []);
});

test('build: missing, empty or broken config and filter files stop the build with one message, no secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playgate-le-faults-'));
  const build = join(here, '..', 'build.mjs');
  try {
    const file = (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    };
    const good = file('good.json', JSON.stringify(CONFIG));
    const rev = file('rev.json', JSON.stringify({ ...CONFIG, revocation: {} }));
    const filter = buildFilter({ sids: ['x'], now: Math.floor(Date.now() / 1000) });
    const cases = [
      ['config missing', ['--config', join(dir, 'nope.json')]],
      ['config a directory', ['--config', dir]],
      ['config empty', ['--config', file('empty.json', '')]],
      ['config not UTF-8', ['--config', file('bin.json', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))]],
      ['config null', ['--config', file('null.json', 'null')]],
      ['config with a short secret', ['--config', file('short.json', JSON.stringify({ keys: [{ kid: 'k', alg: 'HS256', secret: 'LEAKME' }] }))]],
      ['config with an unknown member', ['--config', file('unknown.json', JSON.stringify({ ...CONFIG, keyz: 'LEAKME' }))]],
      ['filter missing', ['--config', rev, '--revocation-filter', join(dir, 'nope.pgrf')]],
      ['filter empty', ['--config', rev, '--revocation-filter', file('empty.pgrf', '')]],
      ['filter truncated', ['--config', rev, '--revocation-filter', file('half.pgrf', filter.subarray(0, filter.length >> 1))]],
      ['filter a directory', ['--config', rev, '--revocation-filter', dir]],
      ['--cache-size not a number', ['--config', good, '--cache-size', 'lots']],
    ];
    const bad = [];
    for (const [what, args] of cases) {
      counts.faults++;
      const r = spawnSync(process.execPath, [build, ...args, '--out', join(dir, 'x.zip')], { encoding: 'utf8' });
      const lines = r.stderr.trim().split('\n').filter((l) => !/deny\.debug is true/.test(l));
      const ok = r.status !== 0 && r.status !== null && lines.length === 1 && !/\n\s+at /.test(r.stderr) && !r.stderr.includes('LEAKME');
      counts.answers.push(`build: ${what} → exit ${r.status}: ${lines[0]}`);
      if (ok) counts.startup_errors++;
      else {
        counts.wrong_answers++;
        bad.push(`build: ${what}: exit ${r.status}: ${r.stderr.slice(0, 300)}`);
      }
    }
    assert.deepEqual(bad, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
