// A CloudFront Functions stand-in for Node: turns any corpus request shape into the event CloudFront
// would hand the function, runs generated code in a fresh V8 context holding only what runtime 2.0
// offers (Buffer, console, restricted `crypto`, a `cloudfront` KVS over a Map), and reads the result
// back as a playgate decision.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../../..');
export const CORPUS = path.join(ROOT, 'fixtures/conformance');

// --- events --------------------------------------------------------------------------------------

/** Adds `value` under `name` the way CloudFront does for a repeated name (`multiValue` lists all). */
function addValue(obj, name, value) {
  const e = Object.hasOwn(obj, name) ? obj[name] : undefined;
  if (!e) {
    // defineProperty, so that a parameter named `__proto__` is data, not a prototype change.
    Object.defineProperty(obj, name, { value: { value }, enumerable: true, writable: true, configurable: true });
  } else {
    if (!e.multiValue) e.multiValue = [{ value: e.value }];
    e.multiValue.push({ value });
  }
}

/** A raw query string → CloudFront's querystring object (values stay percent-encoded). */
export function parseQuery(q) {
  const out = {};
  for (const piece of (q || '').split('&')) {
    if (!piece) continue;
    const i = piece.indexOf('=');
    addValue(out, i < 0 ? piece : piece.slice(0, i), i < 0 ? '' : piece.slice(i + 1));
  }
  return out;
}

/** `Cookie` header → pairs, as the core parses it (RFC 6265 `; `, pieces without `=` dropped). */
function parseCookieHeader(v) {
  const out = [];
  for (let p of v.split(';')) {
    p = p.trim();
    const i = p.indexOf('=');
    if (p && i >= 0) out.push([p.slice(0, i).trim(), p.slice(i + 1).trim()]);
  }
  return out;
}

/** Which of the three corpus shapes a request document has. */
export function shapeOf(req) {
  if (req && req.Records) return 'lambda-edge';
  if (req && req.request) return 'cloudfront-function';
  return 'plain';
}

/**
 * Any corpus request → a CloudFront Functions viewer-request event, as CloudFront builds it:
 * lowercase header names, repeated names folded into `multiValue`, cookies moved out of headers,
 * the query string split into an object.
 */
export function toCloudFrontEvent(req) {
  const shape = shapeOf(req);
  const ev = {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'playgate-test' },
    viewer: { ip: '203.0.113.7' },
    request: { method: 'GET', uri: '', querystring: {}, headers: {}, cookies: {} },
  };
  const r = ev.request;
  if (shape === 'cloudfront-function') {
    const src = structuredClone(req);
    Object.assign(ev.context, src.context || {});
    if (src.viewer) ev.viewer = src.viewer;
    const s = src.request;
    r.method = s.method ?? 'GET';
    r.uri = s.uri ?? '';
    r.querystring = s.querystring || {};
    r.cookies = s.cookies || {};
    for (const [n, e] of Object.entries(s.headers || {})) {
      const values = e.multiValue && e.multiValue.length ? e.multiValue.map((m) => m.value) : [e.value];
      for (const v of values) addValue(r.headers, n.toLowerCase(), v);
    }
  } else if (shape === 'lambda-edge') {
    const s = req.Records[0].cf.request;
    r.method = s.method ?? 'GET';
    r.uri = s.uri ?? '';
    r.querystring = parseQuery(s.querystring);
    if (s.clientIp) ev.viewer.ip = s.clientIp;
    for (const [n, list] of Object.entries(s.headers || {})) {
      const name = n.toLowerCase();
      for (const { value } of list) {
        if (name === 'cookie') for (const [cn, cv] of parseCookieHeader(value)) addValue(r.cookies, cn, cv);
        else addValue(r.headers, name, value);
      }
    }
  } else {
    r.method = req.method ?? 'GET';
    r.uri = req.uri ?? '';
    r.querystring = parseQuery(req.querystring);
    if (req.clientIp) ev.viewer.ip = req.clientIp;
    for (const [n, v] of Object.entries(req.headers || {})) addValue(r.headers, n.toLowerCase(), v);
    for (const [n, v] of Object.entries(req.cookies || {})) addValue(r.cookies, n, v);
  }
  return ev;
}

/** A querystring object → `[[name, [values…]]…]` sorted by name: what the origin receives, order aside. */
export function canonicalQuery(obj) {
  return Object.keys(obj)
    .sort()
    .map((n) => {
      const e = obj[n];
      return [n, e.multiValue && e.multiValue.length ? e.multiValue.map((m) => m.value) : [e.value]];
    });
}

// --- runtime -------------------------------------------------------------------------------------

/** KeyValueStore over a Map, with the real API's behaviour: `get` throws when the key is absent. */
export function memoryKvs(data) {
  const map = new Map((data || []).map((d) => [d.key, d.value]));
  return {
    map,
    async get(key, opts) {
      if (!map.has(key)) throw new Error(`KeyValueStore: key not found`);
      const v = map.get(key);
      const format = (opts && opts.format) || 'string';
      if (format === 'json') return JSON.parse(v);
      if (format === 'bytes') return Buffer.from(v);
      return v;
    },
    async exists(key) {
      return map.has(key);
    },
  };
}

const HASHES = new Set(['md5', 'sha1', 'sha256']);
const cfCrypto = Object.freeze({
  createHash(alg) {
    if (!HASHES.has(alg)) throw new Error(`crypto: ${alg} is not available in CloudFront Functions`);
    return crypto.createHash(alg);
  },
  createHmac(alg, key) {
    if (!HASHES.has(alg)) throw new Error(`crypto: ${alg} is not available in CloudFront Functions`);
    return crypto.createHmac(alg, key);
  },
});

// The module imports at the top (after comments, in a readable build), as terser or the template writes them.
const IMPORT = /^\s*(?:\/\/[^\n]*\n\s*)*import (\w+) from ?(['"])(cloudfront|crypto)\2;/;

/**
 * Loads generated function code into a fresh context. Returns `run(event, nowSeconds)` → the
 * function's result. `kvs` is the store `cf.kvs()` returns.
 */
export function loadFunction(code, kvs) {
  let body = code;
  const imports = {};
  let m;
  while ((m = IMPORT.exec(body))) {
    imports[m[1]] = m[3];
    body = body.slice(m[0].length);
  }
  const sandbox = { Buffer, console, WebAssembly: undefined, __nowMs: 0 };
  for (const [name, mod] of Object.entries(imports)) {
    sandbox[name] = mod === 'crypto' ? cfCrypto : { kvs: () => kvs };
  }
  const ctx = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: false } });
  vm.runInContext('Date.now = () => __nowMs;', ctx);
  const handler = vm.runInContext(`${body}\n;handler`, ctx, { filename: 'function.js' });
  return async (event, now) => {
    ctx.__nowMs = now * 1000;
    return handler(event);
  };
}

/** The function's result as a playgate decision. */
export function decisionOf(result) {
  if (result && result.statusCode !== undefined) {
    const h = result.headers && result.headers['x-playgate-reason'];
    return {
      allow: false,
      status: result.statusCode,
      reason: h ? h.value : null,
      leaks: Boolean(result.body || (result.headers && Object.keys(result.headers).length)),
    };
  }
  return { allow: true, status: 200, reason: null, forward: { uri: result.uri, query: canonicalQuery(result.querystring || {}) } };
}

// --- corpus --------------------------------------------------------------------------------------

/**
 * Every case of fixtures/conformance/*.cases.json, and of *.filter-cases.json (cases with a
 * `"revocation": {"filter": "<file>" | null}` member), with its config resolved: {file, name, config, …}.
 */
export function loadCorpus(dir = CORPUS) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.cases.json') || f.endsWith('.filter-cases.json')).sort()) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const c of doc.cases) {
      const configText = typeof c.config === 'string' ? fs.readFileSync(path.join(dir, c.config), 'utf8') : JSON.stringify(c.config);
      out.push({ ...c, file: f, configName: typeof c.config === 'string' ? c.config : `${f}#${c.name}`, configText });
    }
  }
  return out;
}

/**
 * Compares a decision from the production build (`prod`) and from the same config with
 * deny.debug on (`dbg`, which exposes the reason) against a corpus expectation. Returns a list of
 * mismatches (empty when the case passes).
 */
export function compare(expect, prod, dbg, debugConfigured) {
  const bad = [];
  if (prod.allow !== expect.allow) bad.push(`allow ${prod.allow} != ${expect.allow}`);
  if (prod.status !== expect.status) bad.push(`status ${prod.status} != ${expect.status}`);
  if (dbg.allow !== prod.allow || dbg.status !== prod.status) bad.push('debug build decides differently');
  if (!expect.allow) {
    if (dbg.reason !== expect.reason) bad.push(`reason ${dbg.reason} != ${expect.reason}`);
    if (!debugConfigured && prod.leaks) bad.push('reason leaked without deny.debug');
    if (debugConfigured && prod.reason !== expect.reason) bad.push(`reason ${prod.reason} != ${expect.reason}`);
  } else if (expect.forward && prod.allow) {
    if (prod.forward.uri !== expect.forward.uri) bad.push(`forward uri ${prod.forward.uri} != ${expect.forward.uri}`);
    const want = JSON.stringify(canonicalQuery(parseQuery(expect.forward.querystring)));
    if (JSON.stringify(prod.forward.query) !== want) bad.push(`forward query ${JSON.stringify(prod.forward.query)} != ${want}`);
  }
  return bad;
}

export function withDebug(configText) {
  const c = JSON.parse(configText);
  c.deny = { ...(c.deny || {}), debug: true };
  return JSON.stringify(c);
}
