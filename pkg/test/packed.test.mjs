// The hot path (request objects packed into one string, decision as a number) against the JSON path
// (the same request as JSON text, parsed by the core's event adapters): identical decisions and
// forwarded requests, or the identical error, for the whole corpus and for seeded mutations of it
// that aim at the packing (header case, NUL bytes, lone surrogates, non-string values, key order,
// multi-values, odd objects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate } from 'playgate';
import { loadCases, sameAsText } from './corpus.mjs';

const cases = loadCases();
const gates = new Map();
const gateFor = (c) => {
  if (!gates.has(c.configName)) gates.set(c.configName, Gate.fromConfig(c.config, { cacheSize: 0 }));
  return gates.get(c.configName);
};

test('every corpus case: the object path and the JSON text path give the same decision and request', () => {
  let allowed = 0;
  for (const c of cases) {
    const d = sameAsText(gateFor(c), c.request, c.now, c.id);
    if (d.allow) allowed++;
  }
  assert.ok(allowed > 100, `${allowed} allowed cases`);
});

// xorshift32: reproducible mutations.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

// Lone surrogates are left to their own test below: the JSON path refuses them anywhere in the
// document, the object path only in the fields the core reads.
const ODD_STRINGS = ['', 'a\0b', '\0', '😀', '\uE000', '\uFFFD', 'Z', 'é', 'a=b', 'a&b', ' tok ', 'Cookie'];
const ODD_VALUES = [null, undefined, 5, true, [], {}, ['x'], { value: 'x' }];

function mutate(request, r) {
  const doc = structuredClone(request);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const target = doc.Records !== undefined ? doc.Records?.[0]?.cf?.request : doc.request !== undefined ? doc.request : doc;
  if (target === null || typeof target !== 'object') return doc; // an envelope broken by an earlier step
  const shape = doc.Records ? 'lambda' : doc.request ? 'cloudfront' : 'plain';
  const value = (s) => (shape === 'plain' ? s : shape === 'cloudfront' ? { value: s } : [{ key: 'X', value: s }]);
  try {
    edit(doc, target, shape, value, pick, r);
  } catch {
    // A field made odd by an earlier step (a number where an object was): keep what was done.
  }
  return doc;
}

function edit(doc, target, shape, value, pick, r) {
  switch (Math.floor(r() * 12)) {
    case 0: // header name case
      for (const n of Object.keys(target.headers ?? {})) {
        const v = target.headers[n];
        delete target.headers[n];
        target.headers[r() < 0.5 ? n.toUpperCase() : n[0].toUpperCase() + n.slice(1)] = v;
      }
      break;
    case 1: // an odd string in a field the core reads
      target[pick(shape === 'cloudfront' ? ['uri', 'method'] : ['uri', 'querystring', 'method', 'clientIp'])] += pick(ODD_STRINGS);
      break;
    case 2: // an odd header value
      (target.headers ??= {})[pick(['origin', 'x-a', 'authorization', 'cookie'])] = value(pick(ODD_STRINGS));
      break;
    case 3: // a non-string where a string belongs
      target[pick(['uri', 'querystring', 'method', 'clientIp', 'headers', 'cookies'])] = pick(ODD_VALUES);
      break;
    case 4: // a non-string header value
      (target.headers ??= {}).origin = pick(ODD_VALUES);
      break;
    case 5: // duplicate header through case (`Origin` and `origin`)
      if (target.headers?.origin !== undefined) target.headers.Origin = target.headers.origin;
      else (target.headers ??= {}).Origin = value('https://a.example');
      break;
    case 6: // cookies
      if (shape === 'lambda') (target.headers ??= {}).Cookie = [{ key: 'Cookie', value: `pg_token=x; ${pick(ODD_STRINGS)}=1` }];
      else (target.cookies ??= {})[pick(ODD_STRINGS)] = value(pick(ODD_STRINGS));
      break;
    case 7: // CloudFront query objects: key order, multi-values, odd names
      if (shape === 'cloudfront') {
        const q = target.querystring ?? {};
        const names = [...Object.keys(q), pick(ODD_STRINGS), pick(ODD_STRINGS)];
        const out = {};
        for (const n of names.reverse()) out[n] = q[n] ?? { value: pick(ODD_STRINGS), multiValue: r() < 0.5 ? [{ value: pick(ODD_STRINGS) }, { value: '' }] : [] };
        target.querystring = out;
      } else {
        target.querystring = `${pick(ODD_STRINGS)}&${target.querystring ?? ''}`;
      }
      break;
    case 8: // odd envelope
      if (shape === 'lambda') doc.Records = pick([[], null, [null], [{ cf: null }], doc.Records, [...doc.Records, {}]]);
      else if (shape === 'cloudfront') doc.viewer = pick([null, {}, { ip: 5 }, { ip: '\uD800' }, [], doc.viewer]);
      else doc.Records = pick([undefined, null]);
      break;
    case 9: // CloudFront multiValue shapes
      if (shape === 'cloudfront') (target.headers ??= {})['x-m'] = pick([{ value: 'a', multiValue: [] }, { multiValue: [{ value: 'b' }] }, { value: 'a', multiValue: [{}] }, { value: 'a', multiValue: null }, { value: 5 }]);
      else target.method = pick(['GET', 'HEAD', '']);
      break;
    case 10: // a NUL inside the token
      if (typeof target.querystring === 'string') target.querystring = target.querystring.replace('.', '.\0');
      break;
    default: // unchanged
  }
}

test('seeded mutations aimed at the packing: the object path equals the JSON text path', () => {
  const r = rng(0x5eed);
  const seen = { allowed: 0, denied: 0, threw: 0 };
  for (let round = 0; round < 4; round++) {
    for (const c of cases) {
      let doc = c.request;
      const steps = 1 + Math.floor(r() * 3);
      for (let i = 0; i < steps; i++) doc = mutate(doc, r);
      const d = sameAsText(gateFor(c), doc, c.now, `${c.id} round ${round}: ${JSON.stringify(doc)}`);
      seen[d.threw ? 'threw' : d.allow ? 'allowed' : 'denied']++;
    }
  }
  // The mutations reach every outcome, not just errors.
  for (const [k, v] of Object.entries(seen)) assert.ok(v > 100, `${k}: ${v} ${JSON.stringify(seen)}`);
});

test('CloudFront Functions query objects are joined in the core\'s (code point) order, not UTF-16 order', () => {
  const c = cases.find((x) => x.expect.allow && x.request.request && x.request.request.querystring?.token);
  const gate = gateFor(c);
  const r = c.request.request;
  // U+E000 sorts before U+1F600 by code point (and in UTF-8), after it in UTF-16 units.
  const querystring = { '\uE000': { value: '1' }, '😀': { value: '2' }, Z: { value: '' }, a: { value: 'x', multiValue: [{ value: 'y' }, { value: 'x' }] }, ...r.querystring };
  const doc = { ...c.request, request: { ...r, querystring } };
  const d = sameAsText(gate, doc, c.now, 'code point order');
  assert.equal(d.forward.querystring, 'Z&a=y&a=x&\uE000=1&😀=2');
});

test('objects the packing does not cover take the JSON path and keep its verdict', () => {
  const c = cases.find((x) => x.expect.allow && typeof x.request.querystring === 'string' && !x.request.Records);
  const gate = gateFor(c);
  class Req {
    constructor(o) { Object.assign(this, o); }
  }
  const inherited = Object.create({ uri: '/elsewhere' });
  Object.assign(inherited, c.request);
  for (const doc of [new Req(c.request), { ...c.request, headers: new Req({ a: 'b' }) }, inherited, Object.assign(Object.create(null), c.request)]) {
    sameAsText(gate, doc, c.now, JSON.stringify(doc));
  }
  assert.equal(gate.check(Object.assign(Object.create(null), c.request), c.now).allow, true);
  assert.throws(() => gate.check({ ...c.request, headers: { a: 1n } }, c.now), TypeError, 'BigInt: JSON.stringify throws');
});

test('fields the core never reads are not validated on the object path (the JSON path refuses the whole document)', () => {
  const c = cases.find((x) => x.expect.allow && x.request.request);
  const gate = gateFor(c);
  const doc = { ...c.request, context: { note: 'lone \uD800 surrogate' } };
  assert.throws(() => gate.check(JSON.stringify(doc), c.now), { code: 'invalid_request' });
  assert.equal(gate.check(doc, c.now).allow, true);
  // In a field the core reads, both paths refuse it.
  const r = c.request.request;
  const lone = '\uD800';
  for (const bad of [
    { ...c.request, request: { ...r, uri: `/a${lone}` } },
    { ...c.request, request: { ...r, method: lone } },
    { ...c.request, viewer: { ip: lone } },
    { ...c.request, request: { ...r, headers: { ...r.headers, [lone]: { value: 'x' } } } },
    { ...c.request, request: { ...r, headers: { ...r.headers, a: { value: 'x', multiValue: [{ value: `\uDC00${lone}` }] } } } },
    { ...c.request, request: { ...r, cookies: { x: { value: lone } } } },
    { ...c.request, request: { ...r, querystring: { ...r.querystring, [lone]: { value: '1' } } } },
    { uri: '/a', querystring: `token=${lone}` },
    { uri: '/a', headers: { origin: lone } },
    { uri: '/a', cookies: { [lone]: 'x' } },
    { uri: '/a', clientIp: lone },
    { Records: [{ cf: { request: { uri: '/a', headers: { cookie: [{ value: `a=${lone}` }] } } } }] },
  ]) {
    assert.throws(() => gate.check(JSON.stringify(bad), c.now), { code: 'invalid_request' });
    assert.throws(() => gate.check(bad, c.now), { code: 'invalid_request' }, JSON.stringify(bad));
  }
});

test('denials keep their status and reason code; forwarded strings come back for changed paths and queries', () => {
  const HS = { kid: 'k', alg: 'HS256', secret: Buffer.alloc(32, 9).toString('base64url') };
  const gate = Gate.fromConfig({ keys: [HS], token: { sources: [{ query: 'token' }, { path_segment: true }] }, deny: { status: 451, missing_token_status: 418 } });
  assert.deepEqual(gate.check({ uri: '/a' }, 1), { allow: false, status: 418, reason: 'missing_token', request: null });
  assert.deepEqual(gate.check({ uri: '/a', querystring: 'token=x' }, 1), { allow: false, status: 451, reason: 'malformed_token', request: null });
  assert.deepEqual(gate.check({ uri: 'a', querystring: 'token=x' }, 1), { allow: false, status: 451, reason: 'bad_request', request: null });
});
