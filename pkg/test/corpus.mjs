// Reads the conformance corpus (fixtures/conformance/) and writes runner results in the format of
// docs/contracts.md §4. Shared by the npm package's and the Lambda@Edge handler's test suites.
import { readFileSync, readdirSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS = join(ROOT, 'fixtures', 'conformance');

/** Every case of every `*.cases.json`, with `config` resolved to an object and `configName` kept. */
export function loadCases({ withFilterCases = false } = {}) {
  const configs = new Map();
  // A missing or unreadable config fails its cases, not the whole run.
  const config = (ref) => {
    if (typeof ref !== 'string') return ref;
    if (!configs.has(ref)) {
      try {
        configs.set(ref, JSON.parse(readFileSync(join(CORPUS, ref), 'utf8')));
      } catch (e) {
        configs.set(ref, { unreadable: `${ref}: ${e.message}` });
      }
    }
    return configs.get(ref);
  };
  const out = [];
  // `*.filter-cases.json` need a revocation filter loaded next to the gate (docs/contracts.md §4).
  const wanted = (f) => f.endsWith('.cases.json') || (withFilterCases && f.endsWith('.filter-cases.json'));
  for (const file of readdirSync(CORPUS).filter(wanted).sort()) {
    const { cases } = JSON.parse(readFileSync(join(CORPUS, file), 'utf8'));
    for (const c of cases) {
      out.push({
        ...c,
        file,
        id: `${file}: ${c.name}`,
        configName: typeof c.config === 'string' ? c.config : JSON.stringify(c.config),
        config: config(c.config),
      });
    }
  }
  return out;
}

/** The raw query string a CloudFront Functions querystring object stands for (the core's rule). */
export function cloudFrontQueryString(obj) {
  const parts = [];
  for (const [name, entry] of Object.entries(obj ?? {})) {
    const values = entry.multiValue?.length ? entry.multiValue.map((m) => m.value) : [entry.value];
    for (const v of values) parts.push(v === '' ? name : `${name}=${v}`);
  }
  return parts.join('&');
}

/**
 * Asserts a decision against a case's `expect`, as every JS runner of the corpus does: verdict,
 * forwarded uri and query (the forwarded request keeps the shape it came in), and no request on a
 * denial. `requestIsNull` defaults to `d.request === null` (the browser runner passes its own).
 */
export function assertExpected(d, expect, requestIsNull = d.request === null) {
  assert.deepEqual(
    { allow: d.allow, status: d.status, reason: d.reason },
    { allow: expect.allow, status: expect.status, reason: expect.reason },
  );
  if (expect.forward) {
    assert.deepEqual(d.forward, expect.forward);
    assert.equal(d.request.uri, expect.forward.uri);
    const qs = typeof d.request.querystring === 'string'
      ? d.request.querystring
      : cloudFrontQueryString(d.request.querystring);
    assert.equal(qs, expect.forward.querystring);
  }
  if (!d.allow) assert.equal(requestIsNull, true, `request: ${JSON.stringify(d.request)}`);
}

/** Wraps any request shape of the corpus as a Lambda@Edge viewer-request event. */
export function asLambdaEdgeEvent(request) {
  if (request.Records) return structuredClone(request);
  let method, uri, querystring, clientIp;
  const headers = {};
  const addHeader = (name, value) => {
    const key = name.toLowerCase();
    (headers[key] ??= []).push({ key: name, value });
  };
  const cookies = [];
  if (request.request) {
    const r = request.request;
    ({ method, uri } = r);
    querystring = cloudFrontQueryString(r.querystring);
    clientIp = request.viewer?.ip ?? '';
    for (const [name, entry] of Object.entries(r.headers ?? {})) {
      const values = entry.multiValue?.length ? entry.multiValue.map((m) => m.value) : [entry.value];
      for (const v of values) addHeader(name, v);
    }
    for (const [name, entry] of Object.entries(r.cookies ?? {})) {
      const values = entry.multiValue?.length ? entry.multiValue.map((m) => m.value) : [entry.value];
      for (const v of values) cookies.push(`${name}=${v}`);
    }
  } else {
    ({ method, uri } = request);
    querystring = request.querystring ?? '';
    clientIp = request.clientIp ?? '';
    for (const [name, v] of Object.entries(request.headers ?? {})) addHeader(name, v);
    for (const [name, v] of Object.entries(request.cookies ?? {})) cookies.push(`${name}=${v}`);
  }
  if (cookies.length) addHeader('Cookie', cookies.join('; '));
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'viewer-request',
            requestId: 'playgate-conformance',
          },
          request: { clientIp, headers, method: method ?? 'GET', querystring, uri },
        },
      },
    ],
  };
}

/** A decision as a host sees it (the forwarded request as JSON), or the thrown error's code. */
export function outcome(f) {
  try {
    const d = f();
    return { ...d, request: d.request === null ? null : JSON.parse(JSON.stringify(d.request)) };
  } catch (e) {
    return { threw: e.code ?? e.name };
  }
}

/**
 * The request object (the packed hot path) and its JSON text (the core's event adapters) through
 * `gate.check`: asserts the same outcome, object first, and returns it.
 */
export function sameAsText(gate, request, now, what) {
  const text = JSON.stringify(request);
  const viaObject = outcome(() => gate.check(request, now));
  const viaText = outcome(() => gate.check(text, now));
  assert.deepEqual(viaObject, viaText, what);
  return viaObject;
}

/** Writes `target/conformance/<surface>.json`. */
export function writeSurface(surface, results) {
  const dir = join(ROOT, 'target', 'conformance');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${surface}.json`), JSON.stringify(results, null, 2) + '\n');
}

/** Merges figures into `target/conformance/budgets-<surface>.json`. */
export function writeBudgets(surface, figures) {
  const dir = join(ROOT, 'target', 'conformance');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `budgets-${surface}.json`);
  const old = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, JSON.stringify({ ...old, ...figures }, null, 2) + '\n');
}

/**
 * Puts a case's revocation filter on `gate` (`"revocation": {"filter": file | null}`): a file that
 * fails to load leaves the gate without a filter (lookups unavailable), as the Rust runner does.
 */
export function applyRevocation(gate, c) {
  if (!c.revocation) return;
  gate.clearRevocationFilter();
  if (!c.revocation.filter) return;
  try {
    gate.setRevocationFilter(readFileSync(join(CORPUS, c.revocation.filter)));
  } catch (e) {
    assert.equal(e.code, 'invalid_revocation_filter');
  }
}
