// The handler as CloudFront calls it: the whole conformance corpus wrapped as Lambda@Edge events
// (target/conformance/lambda-edge.json), the response shapes, and failing closed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCases, asLambdaEdgeEvent, writeSurface, CORPUS } from '../../../pkg/test/corpus.mjs';

const require = createRequire(import.meta.url);
const { createHandler } = require('../src/handler.js');
const { mint, Gate } = require('playgate');

const cases = loadCases({ withFilterCases: true });
const results = { passed: 0, failed: 0, skipped: 0, skipped_reasons: {} };
after(() => writeSurface('lambda-edge', results));

// One handler per (config, now) is what a container has; the corpus varies the clock per case, so
// the handler reads it through the injected `now`. Debug is switched on to read the reason from the
// x-playgate-reason header; the no-debug response is tested below.
const handlers = new Map();
let clock = 0;
// Revocation cases (`*.filter-cases.json`) bundle their filter file with the handler; a file the
// package refuses is left out, which the corpus counts as unavailable.
const filterBytes = (name) => {
  if (!name) return null;
  const bytes = readFileSync(join(CORPUS, name));
  try {
    Gate.fromConfig({ keys: [], akamai: { keys: [{ kid: 'probe', secret_hex: '00'.repeat(16) }] } }).setRevocationFilter(bytes);
    return bytes;
  } catch {
    return null;
  }
};
const handlerFor = (c) => {
  const filter = c.revocation ? c.revocation.filter : undefined;
  const key = `${c.configName}\u0000${filter}`;
  if (!handlers.has(key)) {
    const config = { ...c.config, deny: { ...c.config.deny, debug: true } };
    const bytes = filterBytes(filter);
    const opts = { now: () => clock, log: (f) => assert.fail(`logged ${JSON.stringify(f)}`) };
    if (bytes) opts.revocation = { bytes };
    handlers.set(key, createHandler(config, opts));
  }
  return handlers.get(key);
};

for (const c of cases) {
  test(c.id, async () => {
    try {
      const event = asLambdaEdgeEvent(c.request);
      const original = structuredClone(event.Records[0].cf.request);
      clock = c.now;
      const out = await handlerFor(c)(event);
      if (c.expect.allow) {
        assert.equal(out.status, undefined, `denied: ${JSON.stringify(out)}`);
        // Forwarded: the same request with only uri / querystring rewritten.
        const { uri, querystring, ...rest } = out;
        const { uri: _u, querystring: _q, ...originalRest } = original;
        assert.deepEqual(rest, originalRest);
        if (c.expect.forward) assert.deepEqual({ uri, querystring }, c.expect.forward);
      } else {
        assert.equal(out.status, String(c.expect.status));
        assert.equal(out.headers['x-playgate-reason'][0].value, c.expect.reason);
        assert.equal(out.headers['cache-control'][0].value, 'no-store');
      }
      results.passed++;
    } catch (e) {
      results.failed++;
      throw e;
    }
  });
}

const KEY = { kid: 'k1', alg: 'HS256', secret: Buffer.alloc(32, 3).toString('base64url') };
const CONFIG = { keys: [{ ...KEY }] };
const event = (querystring, uri = '/live/index.m3u8') => ({
  Records: [{ cf: { config: { requestId: 'req-1' }, request: { clientIp: '203.0.113.7', method: 'GET', uri, querystring, headers: { host: [{ key: 'Host', value: 'd.example' }] } } } }],
});

test('denial: Lambda@Edge response shape, no-store, no reason without debug', async () => {
  const handler = createHandler(CONFIG);
  const expired = mint(KEY, { exp: 1000 });
  for (const [qs, status] of [['', '401'], [`token=${expired}`, '403'], ['token=abc', '403']]) {
    const out = await handler(event(qs));
    assert.equal(out.status, status);
    assert.equal(typeof out.status, 'string');
    assert.equal(out.headers['cache-control'][0].value, 'no-store');
    assert.equal(out.headers['x-playgate-reason'], undefined);
    for (const word of ['expired', 'missing_token', 'malformed_token']) assert.ok(!out.body.includes(word), out.body);
    assert.ok(out.body.length < 40 * 1024);
  }
});

test('allowed: forwarded with the token removed, from the query or the uri', async () => {
  const handler = createHandler({ keys: [KEY], token: { sources: [{ query: 'token' }, { path_segment: true }] } });
  const t = mint(KEY, {}, { expiresIn: 60 });
  const q = await handler(event(`a=1&token=${t}`));
  assert.equal(q.querystring, 'a=1');
  assert.equal(q.uri, '/live/index.m3u8');
  assert.deepEqual(q.headers, event('').Records[0].cf.request.headers);
  const p = await handler(event('', `/sid.${t}/live/seg1.ts`));
  assert.equal(p.uri, '/live/seg1.ts');
  assert.equal(p.status, undefined);
});

test('fails closed with one structured log line: bad configuration', async () => {
  const lines = [];
  const handler = createHandler({ keys: [{ kid: 'x', alg: 'HS256', secret: 'short' }] }, { log: (l) => lines.push(l) });
  const out = await handler(event(`token=${mint(KEY, {}, { expiresIn: 60 })}`));
  assert.equal(out.status, '503');
  assert.equal(out.headers['cache-control'][0].value, 'no-store');
  assert.equal(lines.length, 1);
  assert.deepEqual({ event: lines[0].event, phase: lines[0].phase, code: lines[0].code, field: lines[0].field },
    { event: 'fail_closed', phase: 'config', code: 'invalid_config', field: 'keys[0].secret' });
  assert.equal(lines[0].requestId, 'req-1');
});

test('fails closed with one structured log line: events that are not viewer requests', async () => {
  const lines = [];
  const handler = createHandler(CONFIG, { log: (l) => lines.push(l) });
  for (const bad of [{}, { Records: [] }, null, { Records: [{ cf: { request: { uri: 7 } } }] }]) {
    const out = await handler(bad);
    assert.equal(out.status, '503');
  }
  assert.equal(lines.length, 4);
  assert.ok(lines.every((l) => l.event === 'fail_closed' && l.phase === 'check'));
});

test('the default log line is one JSON line on stderr', async () => {
  const seen = [];
  const orig = console.error;
  console.error = (s) => seen.push(s);
  try {
    await createHandler(CONFIG)({ Records: [] });
  } finally {
    console.error = orig;
  }
  assert.equal(seen.length, 1);
  const line = JSON.parse(seen[0]);
  assert.equal(line.level, 'error');
  assert.equal(line.event, 'fail_closed');
});

test('token cache: on by default, a repeated token still expires, cacheSize 0 gives the same answers', async () => {
  let t = 1_800_000_000;
  const token = mint(KEY, { exp: t + 60 });
  for (const cacheSize of [undefined, 0]) {
    const handler = createHandler(CONFIG, { now: () => t, ...(cacheSize === undefined ? {} : { cacheSize }) });
    t = 1_800_000_000;
    for (let i = 0; i < 3; i++) assert.equal((await handler(event(`token=${token}`))).status, undefined);
    t += 61;
    assert.equal((await handler(event(`token=${token}`))).status, '403', `cacheSize ${cacheSize}`);
  }
});
