// Revocation in the Lambda@Edge handler: a filter bundled in the zip and/or refreshed from a URL (a
// local node:http server on 127.0.0.1 here), with a TTL, a timeout, and the last good copy kept
// through outages, error statuses, corrupt and stale files. A revoked session is never allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { buildFilter, NOW } from '../../../pkg/test/revocation-fixture.mjs';

const require = createRequire(import.meta.url);
const { createHandler } = require('../src/handler.js');
const { mint } = require('playgate');

const KEY = { kid: 'k1', alg: 'HS256', secret: Buffer.alloc(32, 3).toString('base64url') };
const CONFIG = { keys: [KEY], revocation: {}, deny: { debug: true } };
const event = (claims) => ({
  Records: [{ cf: { config: { requestId: 'r' }, request: { clientIp: '203.0.113.7', method: 'GET', uri: '/live/a.ts',
    querystring: `token=${mint(KEY, { exp: NOW + 3600, ...claims })}`, headers: {} } } }],
});
const reason = (out) => (out.status === undefined ? 'allowed' : out.headers['x-playgate-reason'][0].value);

// Filters: A revokes s1; B (built later) revokes s1 and s2; OLD (built earlier) revokes nothing relevant.
let A;
let B;
let OLD;
let CORRUPT;

// The server answers with `serve.mode`: 'ok' (serve.body, with an ETag), 'error' (500), 'hang'
// (never answers), 'reset' (drops the connection), and counts requests.
const serve = { mode: 'ok', body: null, requests: 0, conditional: 0 };
let server;
let base;
const sockets = new Set();
before(async () => {
  A = buildFilter({ sids: ['s1'], now: NOW });
  B = buildFilter({ sids: ['s1', 's2'], now: NOW + 10 });
  OLD = buildFilter({ sids: ['s-old'], now: NOW - 1000 });
  CORRUPT = Buffer.from(B);
  CORRUPT[CORRUPT.length - 40] ^= 1;
  server = createServer((req, res) => {
    serve.requests++;
    if (serve.mode === 'hang') return;
    if (serve.mode === 'reset') return req.socket.destroy();
    if (serve.mode === 'error') {
      res.writeHead(500);
      return res.end('boom');
    }
    const etag = `"${createHash('sha256').update(serve.body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      serve.conditional++;
      res.writeHead(304);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', etag });
    res.end(serve.body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}/filter.pgrf`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((ok) => server.close(ok));
});

/** A handler on the test server with a controllable monotonic clock. */
function setup(opts = {}, config = CONFIG) {
  const clock = { ms: 0 };
  const lines = [];
  const handler = createHandler(config, {
    now: () => NOW,
    clockMs: () => clock.ms,
    log: (l) => lines.push(l),
    revocation: { url: base, ttl: 60, timeoutMs: 1000, downloadTimeoutMs: 2000, ...opts },
  });
  return { handler, clock, lines };
}

test('fetches the filter on the first request: revoked sid denied, others allowed', async () => {
  Object.assign(serve, { mode: 'ok', body: A });
  const { handler } = setup();
  assert.equal(reason(await handler(event({ sid: 's1' }))), 'revoked');
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'allowed');
  assert.equal(reason(await handler(event({}))), 'allowed');
  assert.equal(handler.revocationState().source, 'url');
});

test('TTL: no request to the server before it, a refresh after it; 304 keeps the copy', async () => {
  Object.assign(serve, { mode: 'ok', body: A, requests: 0, conditional: 0 });
  const { handler, clock } = setup();
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'allowed');
  serve.body = B;
  clock.ms = 59_000;
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'allowed', 'still the first copy');
  assert.equal(serve.requests, 1);
  clock.ms = 60_001;
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'revoked', 'refreshed after the TTL');
  assert.equal(serve.requests, 2);
  clock.ms = 121_000;
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'revoked');
  assert.equal(serve.requests, 3);
  assert.equal(serve.conditional, 1, 'an unchanged file is not downloaded again');
});

test('server down, error status, corrupt or older file: the last good copy stays; a revoked session is never allowed', async () => {
  Object.assign(serve, { mode: 'ok', body: B, requests: 0 });
  const { handler, clock, lines } = setup({ retry: 5 });
  assert.equal(reason(await handler(event({ sid: 's1' }))), 'revoked');
  const phases = [
    ['error', B],
    ['reset', B],
    ['ok', CORRUPT],
    ['ok', OLD],
    ['ok', B.subarray(0, 100)],
    ['ok', Buffer.alloc(0)],
  ];
  for (const [mode, body] of phases) {
    Object.assign(serve, { mode, body });
    clock.ms += 61_000;
    for (const sid of ['s1', 's2']) assert.equal(reason(await handler(event({ sid }))), 'revoked', `${mode} ${body.length}: ${sid}`);
    assert.equal(reason(await handler(event({ sid: 's3' }))), 'allowed');
  }
  assert.ok(lines.length >= phases.length, JSON.stringify(lines));
  assert.ok(lines.every((l) => l.event === 'revocation_refresh_failed' && l.kept === 'url'));
  assert.deepEqual(lines.map((l) => l.code).filter(Boolean).sort(),
    ['http_status', 'invalid_revocation_filter', 'invalid_revocation_filter', 'invalid_revocation_filter', 'stale_filter'].sort());
  // Back up: refreshed again after `retry`.
  Object.assign(serve, { mode: 'ok', body: B });
  clock.ms += 5_001;
  await handler(event({}));
  assert.equal(handler.revocationState().failures, phases.length);
});

test('a hanging server: a request waits at most timeoutMs; with no copy the config decides', async () => {
  Object.assign(serve, { mode: 'hang', requests: 0 });
  const { handler } = setup({ timeoutMs: 150 });
  let t0 = performance.now();
  assert.equal(reason(await handler(event({ sid: 's3' }))), 'revocation_unavailable');
  let waited = performance.now() - t0;
  assert.ok(waited >= 140 && waited < 1000, `${waited} ms`);
  // The download is still running: the next request waits for it again (at most timeoutMs), no new request.
  t0 = performance.now();
  assert.equal(reason(await handler(event({}))), 'allowed', 'a token with nothing to look up needs no filter');
  waited = performance.now() - t0;
  assert.ok(waited < 1000, `${waited} ms`);
  assert.equal(serve.requests, 1);

  const allow = setup({ timeoutMs: 50 }, { ...CONFIG, revocation: { on_unavailable: 'allow' } });
  assert.equal(reason(await allow.handler(event({ sid: 's3' }))), 'allowed');
  // Let the hanging downloads hit downloadTimeoutMs and fail (logged, nothing kept).
  await new Promise((ok) => setTimeout(ok, 2100));
  assert.equal(handler.revocationState().loaded, false);
});

test('a bundled copy is used at once and kept while the URL is down; a newer URL copy replaces it', async () => {
  Object.assign(serve, { mode: 'error', requests: 0 });
  const { handler, clock } = setup({ bytes: A });
  assert.equal(reason(await handler(event({ sid: 's1' }))), 'revoked');
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'allowed');
  assert.equal(handler.revocationState().source, 'bundled');
  Object.assign(serve, { mode: 'ok', body: B });
  clock.ms += 6_000;
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'revoked');
  assert.equal(handler.revocationState().source, 'url');
});

test('bundled only (no URL): never fetches', async () => {
  const lines = [];
  const handler = createHandler(CONFIG, { now: () => NOW, log: (l) => lines.push(l), revocation: { bytes: B }, fetch: () => assert.fail('fetched') });
  assert.equal(reason(await handler(event({ sid: 's2' }))), 'revoked');
  assert.equal(reason(await handler(event({ sid: 's3' }))), 'allowed');
  const corrupt = createHandler(CONFIG, { now: () => NOW, log: (l) => lines.push(l), revocation: { bytes: CORRUPT } });
  assert.equal(reason(await corrupt(event({ sid: 's3' }))), 'revocation_unavailable');
  assert.equal(lines.length, 1);
  assert.equal(lines[0].event, 'revocation_filter_rejected');
});

test('http:// is refused except to the loopback address; bad options fail closed', async () => {
  for (const revocation of [{ url: 'http://example.com/f.pgrf' }, { url: 'ftp://127.0.0.1/f' }, { url: 'not a url' }, { url: base, ttl: -1 }]) {
    const lines = [];
    const handler = createHandler(CONFIG, { now: () => NOW, log: (l) => lines.push(l), revocation });
    const out = await handler(event({}));
    assert.equal(out.status, '503', JSON.stringify(revocation));
    assert.equal(lines[0].code, 'invalid_config');
  }
});
