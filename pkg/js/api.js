// The JavaScript API of the npm package, shared by the Node and web entries. It only shapes values
// for JavaScript: every decision is taken by the Rust core (pkg/src/lib.rs → src/). A request object
// crosses into WebAssembly once per call as one packed string of the fields the core reads, and the
// decision comes back as a number (plus the forwarded strings when they are not the request's own);
// JSON text, and objects the packing does not cover, take the JSON path.

const nowSeconds = () => Date.now() / 1000;

function toJson(value, what) {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') {
    const e = new TypeError(`${what} must be an object or a JSON string`);
    e.code = what === 'config' ? 'invalid_config' : 'invalid_request';
    if (what === 'config') e.field = '';
    throw e;
  }
  return JSON.stringify(value);
}

// CloudFront Functions keep the query as an object: keep the parameters the core forwarded (every
// parameter except the token's), as they were received.
function cloudFrontQuery(original, forwardQuery) {
  if (original === null || typeof original !== 'object') return original;
  const kept = new Set();
  for (const piece of forwardQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    kept.add(eq < 0 ? piece : piece.slice(0, eq));
  }
  const out = {};
  for (const name of Object.keys(original)) if (kept.has(name)) out[name] = original[name];
  return out;
}

// The forwarded request in the shape it was given: a shallow copy with `uri` and `querystring`
// replaced (Lambda@Edge: `Records[0].cf.request`; CloudFront Functions: `event.request`).
// Mirrors the shape detection of `playgate::event::OwnedRequest::from_value`.
function forwardedRequest(input, forward) {
  const doc = typeof input === 'string' ? JSON.parse(input) : input;
  if (doc.Records !== undefined) {
    const req = doc.Records[0].cf.request;
    return { ...req, uri: forward.uri, querystring: forward.querystring };
  }
  if (doc.request !== undefined) {
    const req = doc.request;
    return { ...req, uri: forward.uri, querystring: cloudFrontQuery(req.querystring, forward.querystring) };
  }
  return { ...doc, uri: forward.uri, querystring: forward.querystring };
}

// ---- The packed request (pkg/src/lib.rs `PackedRequest`) ----------------------------------------
// Only plain objects whose read fields are all strings are packed; anything else (a number where a
// string belongs, arrays, class instances, lone surrogates…) takes the JSON path, which accepts or
// refuses it exactly as before. The packed text is written by `TextEncoder.encodeInto` straight into
// the gate's input buffer in wasm memory, its header (shape, counts, lengths) through a Uint32Array;
// the core is then called with the length only.

const NUL = '\0';
// Input buffer sizes: initial, and the most kept after a bigger request.
const INPUT_INITIAL = 2048;
const INPUT_KEEP = 65536;
const encoder = new TextEncoder();
const BAD_TIME = 1;
const DENIED = 1 << 24;
const ALLOWED = 2 << 24;
const URI_CHANGED = 1;
const QUERY_NON_EMPTY = 2;
const SHAPE_PLAIN = 0x70; // 'p'
const SHAPE_CLOUDFRONT = 0x63; // 'c'
const SHAPE_LAMBDA = 0x6c; // 'l'

const isPlainObject = (o) => {
  if (o === null || typeof o !== 'object') return false;
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
};
// JSON path semantics of a string field: absent or null reads as ''.
const field = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : undefined);
// Strings cross as UTF-8; the JSON path refuses lone surrogates, so they take it.
const wellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDFFF]/.test(s);

// The pair count of the last pack* call that returned a string (read by the caller right after the
// call, before any other code runs).
let pairs = 0;

// `{name: string}` → `\0name\0value`…; undefined when a value is not a string.
function packStrings(o) {
  if (o === undefined) {
    pairs = 0;
    return '';
  }
  if (!isPlainObject(o)) return undefined;
  let s = '';
  let n = 0;
  for (const name in o) {
    const v = o[name];
    if (typeof v !== 'string') return undefined;
    s += NUL + name + NUL + v;
    n++;
  }
  pairs = n;
  return s;
}

// The values of a CloudFront Functions entry `{value, multiValue?: [{value}]}` (a non-empty
// multiValue wins), or undefined.
function cloudFrontValues(e) {
  if (!isPlainObject(e)) return undefined;
  const multi = e.multiValue;
  if (Array.isArray(multi) && multi.length > 0) {
    const out = [];
    for (let i = 0; i < multi.length; i++) {
      const m = multi[i];
      if (!isPlainObject(m) || typeof m.value !== 'string') return undefined;
      out.push(m.value);
    }
    return out;
  }
  return typeof e.value === 'string' ? [e.value] : undefined;
}

function packCloudFront(o) {
  if (o === undefined) {
    pairs = 0;
    return '';
  }
  if (!isPlainObject(o)) return undefined;
  let s = '';
  let n = 0;
  for (const name in o) {
    const values = cloudFrontValues(o[name]);
    if (values === undefined) return undefined;
    for (const v of values) {
      s += NUL + name + NUL + v;
      n++;
    }
  }
  pairs = n;
  return s;
}

// Code point order (UTF-8 byte order, the order of the core's JSON maps); `<` on JS strings
// compares UTF-16 units, which differs only between surrogates and U+E000..U+FFFF.
function byCodePoint(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
        y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

// A CloudFront Functions query object as the raw query string the core rebuilds from the JSON
// document: names in code point order, `name=value` (`name` alone for an empty value).
function cloudFrontQueryText(o) {
  if (o === undefined) return '';
  if (!isPlainObject(o)) return undefined;
  const names = Object.keys(o);
  if (names.length > 1) names.sort(byCodePoint);
  let q = '';
  for (const name of names) {
    const values = cloudFrontValues(o[name]);
    if (values === undefined) return undefined;
    for (const v of values) {
      if (q !== '') q += '&';
      q += v === '' ? name : name + '=' + v;
    }
  }
  return q;
}

// Lambda@Edge `{name: [{key, value}]}`.
function packLambdaHeaders(o) {
  if (o === undefined) {
    pairs = 0;
    return '';
  }
  if (!isPlainObject(o)) return undefined;
  let s = '';
  let n = 0;
  for (const name in o) {
    const list = o[name];
    if (!Array.isArray(list)) return undefined;
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (!isPlainObject(item) || typeof item.value !== 'string') return undefined;
      s += NUL + name + NUL + item.value;
      n++;
    }
  }
  pairs = n;
  return s;
}

// One packed request, as `packRequest` read it: what the core gets, and what `check` needs to build
// the forwarded request (the object whose shallow copy is forwarded, its uri as read).
class Packed {
  constructor(shape, inner, method, uri, query, ip, headers, nh, cookies, nc) {
    this.shape = shape;
    this.inner = inner;
    this.method = method;
    this.uri = uri;
    this.query = query;
    this.ip = ip;
    this.headers = headers;
    this.nh = nh;
    this.cookies = cookies;
    this.nc = nc;
  }
}

// Mirrors the shape detection of `playgate::event::OwnedRequest::from_value`. Every read of the
// request object (getters included) happens here, before anything is written to wasm memory.
function packRequest(doc) {
  if (!isPlainObject(doc)) return undefined;
  if (doc.Records !== undefined) {
    const records = doc.Records;
    if (!Array.isArray(records) || records.length === 0 || !isPlainObject(records[0])) return undefined;
    const cf = records[0].cf;
    if (!isPlainObject(cf) || !isPlainObject(cf.request)) return undefined;
    const r = cf.request;
    const headers = packLambdaHeaders(r.headers);
    if (headers === undefined) return undefined;
    const nh = pairs;
    const method = field(r.method);
    const uri = field(r.uri);
    const query = field(r.querystring);
    const ip = field(r.clientIp);
    if (method === undefined || uri === undefined || query === undefined || ip === undefined) return undefined;
    return new Packed(SHAPE_LAMBDA, r, method, uri, query, ip, headers, nh, '', 0);
  }
  if (doc.request !== undefined) {
    const r = doc.request;
    if (!isPlainObject(r)) return undefined;
    // `viewer.ip` is read leniently: anything but a string is no IP.
    const viewer = doc.viewer;
    let ip = '';
    if (viewer !== undefined && viewer !== null) {
      if (!isPlainObject(viewer)) return undefined;
      if (typeof viewer.ip === 'string') ip = viewer.ip;
    }
    return packRest(SHAPE_CLOUDFRONT, r, ip);
  }
  return packRest(SHAPE_PLAIN, doc, undefined);
}

// The rest of a CloudFront Functions request `r` (`ip`: its `viewer.ip`, read by the caller) or of a
// plain request (`ip` undefined: `clientIp`, read last), in the same order for both: headers, cookies,
// method, uri, query string (CloudFront's query object joined as the core joins it), client IP.
// (Direct calls on the shape rather than a packer argument: each call site stays monomorphic.)
function packRest(shape, r, ip) {
  const cloudFront = shape === SHAPE_CLOUDFRONT;
  const headers = cloudFront ? packCloudFront(r.headers) : packStrings(r.headers);
  if (headers === undefined) return undefined;
  const nh = pairs;
  const cookies = cloudFront ? packCloudFront(r.cookies) : packStrings(r.cookies);
  if (cookies === undefined) return undefined;
  const nc = pairs;
  const method = field(r.method);
  const uri = field(r.uri);
  const query = cloudFront ? cloudFrontQueryText(r.querystring) : field(r.querystring);
  if (!cloudFront) ip = field(r.clientIp);
  if (method === undefined || uri === undefined || query === undefined || ip === undefined) return undefined;
  return new Packed(shape, r, method, uri, query, ip, headers, nh, cookies, nc);
}

function argumentError(message) {
  const e = new TypeError(message);
  e.code = 'invalid_argument';
  return e;
}

function optionalString(opts, name) {
  const v = opts[name];
  if (v !== undefined && typeof v !== 'string') throw argumentError(`opts.${name} must be a string`);
  return v;
}

// The URL to put a token in: `opts.url`, or `opts.base` (scheme://host, optional) + `opts.path`.
function targetUrl(opts) {
  if (opts.url !== undefined) {
    if (opts.base !== undefined || opts.path !== undefined) throw argumentError('give opts.url or opts.base + opts.path, not both');
    return optionalString(opts, 'url');
  }
  const base = optionalString(opts, 'base') ?? '';
  const path = optionalString(opts, 'path');
  if (path === undefined) throw argumentError('opts.url or opts.path is required');
  return base.replace(/\/+$/, '') + path;
}

// The path of a URL (`/p`, or `scheme://host/p`), without the query: what an Akamai URL token opens
// (as `playgate mint-akamai --url` does).
function urlPath(url) {
  const scheme = url.indexOf('://');
  let rest = url;
  if (scheme >= 0) {
    const slash = url.indexOf('/', scheme + 3);
    rest = slash < 0 ? '' : url.slice(slash);
  }
  const q = rest.indexOf('?');
  return q < 0 ? rest : rest.slice(0, q);
}

function seconds(v, what) {
  if (!Number.isFinite(v)) throw argumentError(`${what} must be a number of seconds`);
  return Math.floor(v);
}

function claimsWithExpiry(claims, opts) {
  if (opts.expiresIn === undefined) return claims;
  if (!Number.isFinite(opts.expiresIn)) throw new TypeError('opts.expiresIn must be a number of seconds');
  const now = opts.now === undefined ? nowSeconds() : opts.now;
  return { ...claims, exp: Math.floor(now) + Math.floor(opts.expiresIn) };
}

/**
 * A synchronous ES384 verifier over Node's `crypto` (OpenSSL): `(publicKey, signingInput, signature)`
 * → boolean, `publicKey` the configured key as a SEC1 uncompressed point (one `KeyObject` built per
 * key and kept), `signature` raw `R ‖ S` (`dsaEncoding: 'ieee-p1363'`). Returns undefined ("verify
 * in Rust") for a key it cannot import. WebCrypto is asynchronous, so only `node:crypto` can serve
 * the synchronous `check`.
 */
/**
 * The `init` / `initSync` pair of a web/workers entry over wasm-bindgen's web glue, and `raw()`,
 * which returns `bindings` once either has run (and throws `<label>: call init() …` before).
 */
export function webLoader(initWasm, initWasmSync, bindings, label) {
  let ready = false;
  return {
    raw() {
      if (!ready) throw new Error(`${label}: call init() or initSync(module) before use`);
      return bindings;
    },
    /** Instantiates from a `WebAssembly.Module`, bytes, a URL, a `Response`, or (default) the bundled file. */
    async init(input) {
      if (ready) return;
      await initWasm(input === undefined ? undefined : { module_or_path: input });
      ready = true;
    },
    /** Instantiates synchronously from a compiled `WebAssembly.Module` (or bytes). */
    initSync(module) {
      if (ready) return;
      initWasmSync({ module });
      ready = true;
    },
  };
}

/**
 * The Node entry's default ES384 verifier over `node:crypto`, in the form the core calls without
 * copying anything (pkg/src/lib.rs `HostEs384::Native`): `(keyIndex, keyPtr, signedPtr, signedLen,
 * sigPtr)`, addresses in wasm memory (`buffer()`: its current ArrayBuffer) read through views during
 * the call only, the key 97 bytes (SEC1 uncompressed) and the signature 96 (`R ‖ S`). One `KeyObject`,
 * and one options object for `crypto.verify`, per key index (the core gives the same key bytes the
 * same index). Returns undefined ("verify in Rust") for a key it cannot import.
 */
export function nodeEs384Native(crypto, buffer) {
  const keys = [];
  return (index, keyPtr, signedPtr, signedLen, sigPtr) => {
    const mem = buffer();
    let opts = keys[index];
    if (opts === undefined) {
      const point = new Uint8Array(mem, keyPtr, 97);
      if (point[0] !== 4) return undefined;
      const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
      try {
        const jwk = { kty: 'EC', crv: 'P-384', x: b64u(point.subarray(1, 49)), y: b64u(point.subarray(49)) };
        opts = { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' };
      } catch {
        return undefined;
      }
      keys[index] = opts;
    }
    return crypto.verify('sha384', new Uint8Array(mem, signedPtr, signedLen), opts, new Uint8Array(mem, sigPtr, 96));
  };
}

export function nodeEs384Verifier(crypto) {
  const keys = new Map();
  const b64u = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
  return (publicKey, signed, signature) => {
    const id = b64u(publicKey);
    let key = keys.get(id);
    if (key === undefined) {
      if (publicKey.length !== 97 || publicKey[0] !== 4) return undefined;
      try {
        const jwk = { kty: 'EC', crv: 'P-384', x: b64u(publicKey.subarray(1, 49)), y: b64u(publicKey.subarray(49)) };
        key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
      } catch {
        return undefined;
      }
      // A gate has at most 16 keys; the bound only guards against misuse.
      if (keys.size >= 64) keys.clear();
      keys.set(id, key);
    }
    return crypto.verify('sha384', signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
  };
}

/**
 * Builds the API over the raw wasm-bindgen classes. `raw()` returns the initialised bindings (the web
 * entry throws there until `init`/`initSync` has run). `host.es384` (Node entry): a factory of
 * native ES384 verifiers, used by default.
 */
export function bindApi(raw, host = {}) {
  const secret = Symbol('playgate');
  let reasons;
  const reasonCodes = () => (reasons ??= raw().reasonCodes().split(','));

  // Views on the instance's memory, renewed when it grows (growing detaches the old buffer, whose
  // views then have length 0).
  let memory;
  let mem8 = new Uint8Array(0);
  let mem32 = new Uint32Array(0);
  const memoryBuffer = () => (memory ??= raw().wasmMemory()).buffer;
  const memory32 = () => {
    if (mem32.length === 0) mem32 = new Uint32Array(memoryBuffer());
    return mem32;
  };
  const memory8 = () => {
    if (mem8.length === 0) mem8 = new Uint8Array(memoryBuffer());
    return mem8;
  };

  // A gate's input buffer (pkg/src/lib.rs `RawGate::input_buffer`): its address, capacity and a
  // view on it, and the index of its header in `memory32()`.
  class InputBuffer {
    constructor(rawGate) {
      this.raw = rawGate;
      this.head = rawGate.inputHead() >>> 2;
      this.cap = INPUT_INITIAL;
      this.ptr = rawGate.inputBuffer(this.cap);
      this.view = new Uint8Array(0);
    }

    grow(need) {
      this.cap = Math.max(need, this.cap * 2);
      this.ptr = this.raw.inputBuffer(this.cap);
      this.view = new Uint8Array(0);
    }

    // Back to the initial size after an outsized request.
    shrink() {
      this.cap = INPUT_INITIAL;
      this.ptr = this.raw.shrinkInput(this.cap);
      this.view = new Uint8Array(0);
    }

    bytes() {
      if (this.view.length === 0) this.view = memory8().subarray(this.ptr, this.ptr + this.cap);
      return this.view;
    }
  }

  class Gate {
    #raw;
    // The request buffer in wasm memory (null once freed), and whether the core is reading it.
    #input;
    #busy = false;

    constructor(token, rawGate) {
      if (token !== secret) throw new TypeError('use Gate.fromConfig(config)');
      this.#raw = rawGate;
      this.#input = new InputBuffer(rawGate);
    }

    /**
     * Parses and validates a configuration (object or JSON text). Throws `code: "invalid_config"`.
     * `opts.cacheSize`: verified-token cache entries (default 1024, rounded up to a power of two;
     * 0 disables the cache). `opts.nativeCrypto`: see the types. `opts.precompute`: build the ES384
     * verification tables now rather than on each key's first signature checked in WebAssembly.
     */
    static fromConfig(config, opts = {}) {
      const o = opts === null || opts === undefined ? {} : opts;
      const size = o.cacheSize;
      if (size !== undefined && !(Number.isInteger(size) && size >= 0 && size <= 0xffffffff)) {
        throw argumentError('opts.cacheSize must be a non-negative integer');
      }
      const native = o.nativeCrypto === undefined ? true : o.nativeCrypto;
      if (typeof native !== 'boolean' && typeof native !== 'function') {
        throw argumentError('opts.nativeCrypto must be a boolean or a verifier function');
      }
      if (o.precompute !== undefined && typeof o.precompute !== 'boolean') {
        throw argumentError('opts.precompute must be a boolean');
      }
      const rawGate = raw().RawGate.fromJson(toJson(config, 'config'), size);
      if (o.precompute === true) rawGate.precompute();
      if (typeof native === 'function') rawGate.setEs384Verifier(native);
      else if (native && host.es384 !== undefined) rawGate.setEs384Native(host.es384(memoryBuffer));
      return new Gate(secret, rawGate);
    }

    /** Whether ES384 signatures go to a host verifier (`node:crypto` by default in Node). */
    get nativeCrypto() {
      return this.#raw.hasEs384Verifier;
    }

    /**
     * Verifies a revocation filter file (`.pgrf` bytes: Uint8Array, Buffer or ArrayBuffer) and uses
     * it from the next `check` on. A corrupt or truncated file throws `code:
     * "invalid_revocation_filter"` (with `detail`) and the previous filter stays in use.
     */
    setRevocationFilter(bytes) {
      let view = bytes;
      if (view instanceof ArrayBuffer) view = new Uint8Array(view);
      if (!(view instanceof Uint8Array)) {
        const e = new TypeError('the revocation filter must be a Uint8Array');
        e.code = 'invalid_argument';
        throw e;
      }
      this.#raw.setRevocationFilter(view);
    }

    /** Drops the revocation filter: lookups become unavailable (the config's `on_unavailable`). */
    clearRevocationFilter() {
      this.#raw.clearRevocationFilter();
    }

    /** The loaded filter's `{ serial, created, notAfter, elements }`, or null when none is loaded. */
    revocationFilterInfo() {
      const i = this.#raw.revocationFilterInfo();
      if (i === undefined || i === null) return null;
      return { serial: i[0], created: i[1], notAfter: i[2], elements: i[3] };
    }

    /** Verified-token cache statistics since creation: `{ hits, misses }`. */
    cacheStats() {
      const [hits, misses] = this.#raw.cacheStats();
      return { hits, misses };
    }

    /**
     * Decides one request: a plain request, a CloudFront Functions event or a Lambda@Edge event
     * (object or JSON text), at `now` (Unix seconds, default the system clock).
     */
    check(request, now) {
      const at = now === undefined ? nowSeconds() : now;
      if (typeof request === 'object' && this.#input !== null && !this.#busy) {
        const p = packRequest(request);
        const r = p === undefined ? 0 : this.#checkPacked(p, at);
        if (r === BAD_TIME) raw().checkNow(at); // throws `invalid_argument`
        if (r >= ALLOWED) {
          let uri = p.uri;
          let querystring = '';
          if ((r & (URI_CHANGED | QUERY_NON_EMPTY)) !== 0) {
            querystring = this.#raw.lastForward();
            if ((r & URI_CHANGED) !== 0) {
              const cut = querystring.indexOf(NUL);
              uri = querystring.slice(0, cut);
              querystring = querystring.slice(cut + 1);
            }
          }
          const inner = p.inner;
          const forwarded = p.shape === SHAPE_CLOUDFRONT
            ? { ...inner, uri, querystring: cloudFrontQuery(inner.querystring, querystring) }
            : { ...inner, uri, querystring };
          return { allow: true, status: 200, reason: null, request: forwarded, forward: { uri, querystring } };
        }
        if (r >= DENIED) {
          return { allow: false, status: (r >> 8) & 0xffff, reason: reasonCodes()[r & 0xff], request: null };
        }
      }
      const text = toJson(request, 'request');
      const d = JSON.parse(this.#raw.check(text, at));
      if (!d.allow) return { allow: false, status: d.status, reason: d.reason, request: null };
      return {
        allow: true,
        status: 200,
        reason: null,
        request: forwardedRequest(request, d.forward),
        forward: d.forward,
      };
    }

    // Writes a packed request into this gate's input buffer in wasm memory and has the core decide
    // it: the decision number, or 0 (take the JSON path).
    #checkPacked(p, at) {
      const input = this.#input;
      const text = p.method + NUL + p.uri + NUL + p.query + NUL + p.ip + p.headers + p.cookies;
      // At most 3 bytes per UTF-16 unit, so encodeInto never truncates.
      const need = text.length * 3;
      if (need > input.cap) input.grow(need);
      const view = input.bytes();
      const { written } = encoder.encodeInto(text, view);
      // Every unit ASCII (one byte each) exactly when as many bytes as units were written.
      const ascii = written === text.length;
      if (!ascii && !wellFormed(text)) return 0;
      const h = memory32();
      const i = input.head;
      h[i] = p.shape;
      h[i + 1] = p.nh;
      h[i + 2] = p.nc;
      h[i + 3] = ascii ? 1 : 0;
      h[i + 4] = p.method.length;
      h[i + 5] = p.uri.length;
      h[i + 6] = p.query.length;
      h[i + 7] = p.ip.length;
      // The buffer belongs to this call until the core returns: a check on the same gate from
      // inside it (a host verifier calling back) takes the JSON path, which refuses it as before.
      this.#busy = true;
      try {
        return this.#raw.checkInput(written, at);
      } finally {
        this.#busy = false;
        if (input.cap > INPUT_KEEP && this.#input !== null) input.shrink();
      }
    }

    /** Releases the WebAssembly memory now instead of at garbage collection. */
    free() {
      this.#raw.free();
      // Its buffer is gone: later calls take the JSON path, which throws as before.
      this.#input = null;
    }
  }

  class SigningKey {
    #raw;

    constructor(token, rawKey) {
      if (token !== secret) throw new TypeError('use SigningKey.fromJson(doc)');
      this.#raw = rawKey;
    }

    /**
     * `{kid, alg: "HS256"|"HS384"|"HS512", secret}` (base64url) or
     * `{kid, alg: "ES384", private_key}` (PKCS#8 PEM), object or JSON text.
     */
    static fromJson(doc) {
      return new SigningKey(secret, raw().RawSigningKey.fromJson(toJson(doc, 'config')));
    }

    get kid() {
      return this.#raw.kid;
    }

    get alg() {
      return this.#raw.alg;
    }

    /** The gate-config `keys[]` entry that verifies this key's tokens (ES384: the public JWK). */
    verifyingEntry() {
      return JSON.parse(this.#raw.verifyingEntry());
    }

    /** Signs `claims`; `opts.includeKid` (default true), `opts.expiresIn` seconds, `opts.now`. */
    mint(claims, opts = {}) {
      const body = claimsWithExpiry(claims, opts);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new TypeError('claims must be an object');
      }
      return this.#raw.mint(JSON.stringify(body), opts.includeKid !== false);
    }

    free() {
      this.#raw.free();
    }
  }

  /** Mints one token with a signing key (a `SigningKey` or a key document). */
  function mint(signingKey, claims, opts = {}) {
    if (signingKey instanceof SigningKey) return signingKey.mint(claims, opts);
    const key = SigningKey.fromJson(signingKey);
    try {
      return key.mint(claims, opts);
    } finally {
      key.free();
    }
  }

  /**
   * Mints a JWT and returns the playback URL carrying it (`playgate::mint::playback_url`):
   * `opts.url` (or `opts.base` + `opts.path`), `placement` `'query'` (default; parameter `param`,
   * default `token`) or `'path'` (first path segment, `sessionId` optional), plus `mint`'s options.
   */
  function playbackUrl(signingKey, claims, opts = {}) {
    if (opts === null || typeof opts !== 'object') throw argumentError('opts must be an object');
    const url = targetUrl(opts);
    const placement = opts.placement === undefined ? 'query' : opts.placement;
    if (placement !== 'query' && placement !== 'path') throw argumentError("opts.placement must be 'query' or 'path'");
    const param = optionalString(opts, 'param');
    const session = optionalString(opts, 'sessionId');
    if (placement === 'query' && session !== undefined) throw argumentError("opts.sessionId needs placement 'path'");
    if (placement === 'path' && param !== undefined) throw argumentError("opts.param needs placement 'query'");
    const token = mint(signingKey, claims, opts);
    return raw().playbackUrl(url, token, placement === 'path', param === undefined ? 'token' : param, session);
  }

  /**
   * Mints an Akamai Auth Token 2.0 token (`playgate::akamai::mint`). `key`: the key as hex, or a
   * config entry `{ secret_hex }`. `opts`: `acl` (`!`-separated) or `url` (a URL token for that URL's
   * path), `exp` or `expiresIn` (default 3600, from `now`), `st`, `ip`, `id`, `data`,
   * `algorithm` (`sha256` default, `sha1`, `md5`), `salt`.
   */
  function mintAkamai(key, opts = {}) {
    if (opts === null || typeof opts !== 'object') throw argumentError('opts must be an object');
    const hex = typeof key === 'string' ? key : key !== null && typeof key === 'object' ? key.secret_hex : undefined;
    if (typeof hex !== 'string') {
      const e = new TypeError('the Akamai key must be a hex string or { secret_hex }');
      e.code = 'invalid_config';
      e.field = 'secret_hex';
      throw e;
    }
    let exp;
    if (opts.exp !== undefined) {
      if (opts.expiresIn !== undefined) throw argumentError('give opts.exp or opts.expiresIn, not both');
      exp = opts.exp;
      if (typeof exp !== 'number') throw argumentError('opts.exp must be a number of seconds');
    } else {
      const now = opts.now === undefined ? nowSeconds() : seconds(opts.now, 'opts.now');
      exp = Math.floor(now) + seconds(opts.expiresIn === undefined ? 3600 : opts.expiresIn, 'opts.expiresIn');
    }
    if (opts.st !== undefined && typeof opts.st !== 'number') throw argumentError('opts.st must be a number of seconds');
    const url = opts.url !== undefined || opts.path !== undefined ? urlPath(targetUrl(opts)) : undefined;
    const algorithm = opts.algorithm === undefined ? 'sha256' : opts.algorithm;
    if (typeof algorithm !== 'string') throw argumentError('opts.algorithm must be a string');
    return raw().mintAkamai(
      hex, algorithm, optionalString(opts, 'salt'), optionalString(opts, 'ip'), opts.st, exp,
      optionalString(opts, 'acl'), optionalString(opts, 'id'), optionalString(opts, 'data'), url,
    );
  }

  /**
   * Mints an Akamai token (as `mintAkamai`) and returns `opts.url` (or `base` + `path`) carrying it
   * in the query parameter `opts.param` (default `__token__`; `hdnts` is the other usual name).
   */
  function akamaiPlaybackUrl(key, opts = {}) {
    if (opts === null || typeof opts !== 'object') throw argumentError('opts must be an object');
    const url = targetUrl(opts);
    const param = optionalString(opts, 'param');
    const token = mintAkamai(key, opts);
    return raw().playbackUrl(url, token, false, param === undefined ? '__token__' : param, undefined);
  }

  return { Gate, SigningKey, mint, playbackUrl, mintAkamai, akamaiPlaybackUrl };
}
