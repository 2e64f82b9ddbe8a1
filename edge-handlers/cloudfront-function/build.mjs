#!/usr/bin/env node
// Turns a playgate config (docs/contracts.md §1) into a CloudFront Function (runtime
// cloudfront-js-2.0) plus a KeyValueStore import file holding the HMAC secrets.
//
//   node build.mjs config.json --out dist/      → dist/function.js, dist/kvs-import.json
//
// The config is validated like the Rust core validates it (unknown fields, ranges, key sizes, channel
// patterns); what CloudFront Functions cannot do (HS384/HS512/ES384: no SHA-384/512, no ECDSA there)
// is refused with a pointer to Lambda@Edge. Nothing in the config is ignored silently.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import { minify_sync as minifySync } from 'terser';
import { checkRuntime20 } from './tools/check-runtime.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TEMPLATE = path.join(HERE, 'template.js');
/** CloudFront Functions' hard limit on function code. */
export const MAX_FUNCTION_BYTES = 10240;

/** A config the core itself would refuse; `field` is the path of the offending field. */
export class ConfigError extends Error {
  constructor(field, message) {
    super(field ? `${field}: ${message}` : message);
    this.field = field;
    this.code = 'invalid_config';
  }
}

/** A valid config asking for something CloudFront Functions cannot do. */
export class UnsupportedError extends Error {
  constructor(message) {
    super(message);
    this.code = 'unsupported_on_cloudfront_functions';
  }
}

const ALGS = ['HS256', 'HS384', 'HS512', 'ES384'];
const MIN_SECRET = { HS256: 32, HS384: 48, HS512: 64 };

// --- strict reading ------------------------------------------------------------------------------

/** JSON.parse keeps the last of duplicate members; serde refuses them, so do we. */
function checkDuplicates(text) {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|[{}[\]:]/g) || [];
  const stack = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '{') stack.push({ path: keyPath(stack), seen: new Set() });
    else if (t === '[') stack.push(null);
    else if (t === '}' || t === ']') stack.pop();
    else if (tokens[i + 1] === ':') {
      const top = stack[stack.length - 1];
      const name = JSON.parse(t);
      if (top.seen.has(name)) throw new ConfigError(top.path, `duplicate field \`${name}\``);
      top.seen.add(name);
      top.last = name;
    }
  }
  function keyPath(st) {
    return st.filter(Boolean).map((f) => f.last).filter((x) => x !== undefined).join('.');
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function kind(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a sequence';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return 'a string';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'an integer' : 'a floating point number') : `a ${typeof v}`;
}

/** Checks an object's members against a schema: { name: checker }. Unknown members are errors. */
function fields(at, v, schema, required = []) {
  if (!isObject(v)) throw new ConfigError(at, `invalid type: ${kind(v)}, expected a map`);
  for (const k of Object.keys(v)) {
    if (!(k in schema)) {
      throw new ConfigError(at, `unknown field \`${k}\`, expected one of ${Object.keys(schema).map((s) => `\`${s}\``).join(', ')}`);
    }
  }
  for (const k of required) if (!(k in v)) throw new ConfigError(at, `missing field \`${k}\``);
  const out = {};
  for (const [k, check] of Object.entries(schema)) {
    out[k] = check(at ? `${at}.${k}` : k, v[k]);
  }
  return out;
}

const opt = (check, dflt) => (at, v) => (v === undefined ? dflt : check(at, v));
// `Option<T>` fields take `null` as absent; fields with a plain default do not.
const nullable = (check) => (at, v) => (v === undefined || v === null ? undefined : check(at, v));

function str(at, v) {
  if (typeof v !== 'string') throw new ConfigError(at, `invalid type: ${kind(v)}, expected a string`);
  return v;
}
function bool(at, v) {
  if (typeof v !== 'boolean') throw new ConfigError(at, `invalid type: ${kind(v)}, expected a boolean`);
  return v;
}
const uint = (max) => (at, v) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(at, `invalid type: ${kind(v)}, expected a non-negative integer`);
  if (v > max) throw new ConfigError(at, `invalid value: ${v}, expected an integer up to ${max}`);
  return v;
};
const list = (check) => (at, v) => {
  if (!Array.isArray(v)) throw new ConfigError(at, `invalid type: ${kind(v)}, expected a sequence`);
  return v.map((x, i) => check(`${at}[${i}]`, x));
};

function source(at, v) {
  if (!isObject(v) || Object.keys(v).length !== 1) {
    throw new ConfigError(at, 'expected one of {"query": NAME}, {"cookie": NAME}, {"header": NAME}, {"bearer": true}, {"path_segment": true}');
  }
  const [k, x] = Object.entries(v)[0];
  switch (k) {
    case 'query':
    case 'cookie':
    case 'header':
      return { [k]: str(`${at}.${k}`, x) };
    case 'bearer':
    case 'path_segment':
      return { [k]: bool(`${at}.${k}`, x) };
    default:
      throw new ConfigError(at, `unknown variant \`${k}\`, expected one of \`query\`, \`cookie\`, \`bearer\`, \`path_segment\`, \`header\``);
  }
}

function alg(at, v) {
  if (typeof v !== 'string' || !ALGS.includes(v)) throw new ConfigError(at, `expected one of ${ALGS.join(', ')}`);
  return v;
}

const U64 = Number.MAX_SAFE_INTEGER;

// Sections of the core's config that this generator does not port yet: a config using one is refused
// (never half-served). Their contents are validated by the core, not here.
export const NOT_YET = [];
const notYet = Object.fromEntries(NOT_YET.map((k) => [k, (at, v) => v]));

// The template's own path functions (src/path.rs port), to validate globs exactly as the function
// will read them.
const globOf = (() => {
  const t = fs.readFileSync(TEMPLATE, 'utf8');
  // `const name = (...) => expr;` on one line, or `const name = (...) => {` … `};`.
  const src = (name) => {
    const i = t.indexOf(`\nconst ${name} = `);
    if (i < 0) throw new Error(`template: no helper ${name}`);
    const eol = t.indexOf('\n', i + 1);
    return t.slice(i, t[eol - 1] === '{' ? t.indexOf('\n};\n', i) + 4 : eol + 1);
  };
  return new Function(`const MAL = 'bad';${['str', 'len', 'blen', 'canon', 'norm', 'glob'].map(src).join('')}return glob;`)();
})();
function validGlob(at, p) {
  try {
    globOf(p);
  } catch {
    throw new ConfigError(at, 'not a valid path glob; write e.g. /ads/** (absolute, `**` only as a whole segment, no encoded separators or dot segments above the root)');
  }
}
function claimName(at, s) {
  const n = Buffer.byteLength(s);
  if (n < 1 || n > 64) throw new ConfigError(at, 'must be 1 to 64 characters');
}
/** src/binding.rs Item::parse */
export function bindItem(x) {
  const n = x.startsWith('ip/') ? x.slice(3) : undefined;
  return ['ip', 'country', 'region', 'ua', 'referer', 'session'].includes(x) ||
    (n !== undefined && /^(0|[1-9][0-9]{0,2})$/.test(n) && +n <= 128) ||
    (x.startsWith('header:') && /^[a-z0-9_-]+$/.test(x.slice(7))) ||
    (x.startsWith('query:') && /^[!-$'-<>-~]+$/.test(x.slice(6)));
}
const AKAMAI_TAG = { sha256: 32, sha1: 20, md5: 16 };

/** The shape check (the core's serde layer): types, unknown and missing fields, defaults. */
function shape(v) {
  return fields('', v, {
    ...notYet,
    revocation: nullable((at, r) => fields(at, r, {
      claims: opt(list(str), ['sid', 'jti', 'akamai:id']),
      path_session: opt(bool, true),
      viewer_sessions: opt(bool, true),
      on_unavailable: opt((f, v) => {
        if (v !== 'deny' && v !== 'allow') throw new ConfigError(f, 'unknown variant, expected `deny` or `allow`');
        return v;
      }, 'deny'),
      max_age: nullable(uint(U64)),
    })),
    paths: nullable((at, p) => fields(at, p, { claim: opt(str, 'paths'), exempt: opt(list(str), []), require: opt(bool, false) })),
    binding: nullable((at, b) => fields(at, b, { keys: opt(list(str), []), claim: opt(str, 'bind'), ip_claim: opt(str, 'ip'), require: opt(list(str), []) })),
    resolution: nullable((at, r) => fields(at, r, { renditions: list((a, x) => fields(a, x, { pattern: str, lines: uint(4294967295) }, ['pattern', 'lines'])) }, ['renditions'])),
    akamai: nullable((at, a) => fields(at, a, {
      keys: list((k, x) => fields(k, x, { kid: str, secret_hex: str }, ['kid', 'secret_hex'])),
      algorithm: opt((f, v) => {
        if (!(v in AKAMAI_TAG)) throw new ConfigError(f, 'expected one of sha256, sha1, md5');
        return v;
      }, 'sha256'),
      salt: nullable(str),
    }, ['keys'])),
    keys: opt(list((at, k) =>
      fields(at, k, {
        kid: str,
        alg,
        secret: nullable(str),
        public_key: nullable(str),
        jwk: nullable((a, j) =>
          fields(a, j, { kty: str, crv: str, x: str, y: str, d: nullable(str), kid: nullable(str), alg: nullable(str), use: nullable(str) }, ['kty', 'crv', 'x', 'y']),
        ),
      }, ['kid', 'alg']),
    ), []),
    token: opt((at, t) => fields(at, t, {
      sources: opt(list(source), [{ query: 'token' }]),
      max_length: opt(uint(U64), 4096),
    }), { sources: [{ query: 'token' }], max_length: 4096 }),
    claims: opt((at, c) => fields(at, c, {
      require_exp: opt(bool, true),
      leeway: opt(uint(U64), 0),
      max_lifetime: opt(uint(U64), 86400),
      channel: nullable((a, ch) => fields(a, ch, { arn: nullable(str), arns: nullable(list(str)), path: nullable(str) })),
    }), { require_exp: true, leeway: 0, max_lifetime: 86400, channel: undefined }),
    deny: opt((at, d) => fields(at, d, {
      missing_token_status: opt(uint(65535), 401),
      status: opt(uint(65535), 403),
      debug: opt(bool, false),
    }), { missing_token_status: 401, status: 403, debug: false }),
  });
}

/** Strict base64url without padding (canonical), as the core decodes secrets. */
function b64u(s) {
  if (!/^[\w-]*$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : undefined;
}

function validateArn(at, arn, template) {
  if (!(arn.startsWith('arn:') && arn.split(':').length >= 6)) {
    throw new ConfigError(at, 'expected an ARN like arn:aws:ivs:us-west-2:123456789012:channel/abcd');
  }
  if (template !== arn.includes('{id}')) {
    throw new ConfigError(at, template ? 'the ARN template must contain {id}' : 'a fixed ARN must not contain {id}; add `path`');
  }
}

function channel(c) {
  const { arn, arns, path: p } = c;
  if (arn !== undefined && arns === undefined && p === undefined) {
    validateArn('claims.channel.arn', arn, false);
    return { arns: [arn] };
  }
  if (arn === undefined && arns !== undefined && p === undefined && arns.length > 0) {
    arns.forEach((a, i) => validateArn(`claims.channel.arns[${i}]`, a, false));
    return { arns };
  }
  if (arn !== undefined && arns === undefined && p !== undefined) {
    validateArn('claims.channel.arn', arn, true);
    const at = p.indexOf('{id}');
    if (at < 0) throw new ConfigError('claims.channel.path', 'must contain {id}, e.g. /channels/{id}/');
    const prefix = p.slice(0, at), rest = p.slice(at + 4);
    if (!prefix.startsWith('/') || !prefix.endsWith('/') || rest.includes('{id}')) {
      throw new ConfigError('claims.channel.path', 'must look like /prefix/{id}/ with {id} a whole path segment, once');
    }
    if (rest !== '' && !rest.startsWith('/')) throw new ConfigError('claims.channel.path', '{id} must be a whole path segment');
    const t = arn.indexOf('{id}');
    return { prefix, rest, head: arn.slice(0, t), tail: arn.slice(t + 4) };
  }
  throw new ConfigError('claims.channel', 'give `arn`, or `arns` (non-empty), or `path` with an `arn` template containing {id}');
}

/**
 * Validates a config (JSON text or parsed object) like the core does, then checks that CloudFront
 * Functions can serve it. Returns the normalised config; throws ConfigError or UnsupportedError.
 */
export function validate(input) {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      throw new ConfigError('', `not JSON: ${e.message}`);
    }
    checkDuplicates(input);
  }
  const c = shape(raw);
  const later = NOT_YET.filter((k) => c[k] !== undefined && c[k] !== null);
  if (later.length) {
    throw new UnsupportedError(
      `${later.map((k) => `\`${k}\``).join(', ')}: not available in the CloudFront Function yet; use the Lambda@Edge handler for this config`,
    );
  }
  if ((c.keys.length < 1 && !c.akamai) || c.keys.length > 16) throw new ConfigError('keys', 'give between 1 and 16 keys (or an `akamai` section)');
  c.keys.forEach((k, i) => {
    const at = (n) => `keys[${i}].${n}`;
    if (c.keys.slice(0, i).some((o) => o.kid === k.kid)) throw new ConfigError(at('kid'), `duplicate kid ${JSON.stringify(k.kid)}`);
    const kidLen = Buffer.byteLength(k.kid);
    if (kidLen < 1 || kidLen > 128) throw new ConfigError(at('kid'), 'must be 1 to 128 characters');
    if (k.alg === 'ES384') {
      if (k.secret !== undefined) throw new ConfigError(at('secret'), 'an ES384 key takes `public_key` or `jwk`, not `secret`');
      if ((k.public_key === undefined) === (k.jwk === undefined)) {
        throw new ConfigError(at('public_key'), 'an ES384 key needs exactly one of `public_key` (PEM) or `jwk`');
      }
      if (k.jwk && k.jwk.d !== undefined) {
        throw new ConfigError(at('jwk.d'), 'private key material does not belong in a gate config; give the public JWK');
      }
      return; // The key itself is checked by the core; it cannot be used here anyway (below).
    }
    if (k.public_key !== undefined || k.jwk !== undefined) {
      throw new ConfigError(at('alg'), 'an HS key takes `secret` only; `public_key`/`jwk` are for ES384');
    }
    if (k.secret === undefined) throw new ConfigError(at('secret'), 'required for HS keys');
    const bytes = b64u(k.secret);
    if (!bytes) throw new ConfigError(at('secret'), 'must be base64url without padding');
    if (bytes.length < MIN_SECRET[k.alg]) {
      throw new ConfigError(at('secret'), `${k.alg} needs at least ${MIN_SECRET[k.alg]} bytes, got ${bytes.length}`);
    }
  });
  const t = c.token;
  if (t.sources.length === 0) throw new ConfigError('token.sources', 'give at least one source');
  t.sources.forEach((s, i) => {
    const n = s.query ?? s.cookie;
    if (n !== undefined && (n === '' || /[&=; ]/.test(n))) {
      throw new ConfigError(`token.sources[${i}]`, 'name must be non-empty, without & = ; or space');
    }
    if (s.header !== undefined && !/^[a-z0-9_-]+$/.test(s.header)) {
      throw new ConfigError(`token.sources[${i}]`, 'header name must be non-empty lowercase letters, digits, - or _');
    }
    if (s.bearer === false || s.path_segment === false) throw new ConfigError(`token.sources[${i}]`, 'use `true` or leave the source out');
  });
  if (t.max_length < 16 || t.max_length > 16384) throw new ConfigError('token.max_length', 'must be between 16 and 16384');
  if (c.claims.leeway > 300) throw new ConfigError('claims.leeway', 'at most 300 seconds');
  if (c.claims.max_lifetime === 0) throw new ConfigError('claims.max_lifetime', 'must be positive');
  if (c.claims.channel !== undefined) c.claims.channel = channel(c.claims.channel);
  for (const f of ['missing_token_status', 'status']) {
    if (c.deny[f] < 400 || c.deny[f] > 599) throw new ConfigError(`deny.${f}`, 'must be an HTTP error status (400-599)');
  }
  policy(c);
  const bad = c.keys.find((k) => k.alg !== 'HS256');
  if (bad) {
    throw new UnsupportedError(
      `keys[${c.keys.indexOf(bad)}] (kid ${JSON.stringify(bad.kid)}) is ${bad.alg}: CloudFront Functions have no ` +
        `${bad.alg === 'ES384' ? 'ECDSA or SHA-384' : bad.alg === 'HS384' ? 'SHA-384' : 'SHA-512'}, so only HS256 keys can be ` +
        'verified there. Use the Lambda@Edge handler (edge-handlers/lambda-edge) for this config.',
    );
  }
  return c;
}

/** The playback policy sections, checked as src/policy.rs checks them. */
function policy(c) {
  const { paths: p, binding: b, resolution: r, akamai: a } = c;
  if (p) {
    claimName('paths.claim', p.claim);
    p.exempt.forEach((e, i) => validGlob(`paths.exempt[${i}]`, e));
  }
  if (b) {
    claimName('binding.claim', b.claim);
    claimName('binding.ip_claim', b.ip_claim);
    if (b.claim === b.ip_claim) throw new ConfigError('binding.ip_claim', 'must differ from binding.claim');
    if (b.keys.length > 4) throw new ConfigError('binding.keys', 'at most 4 keys');
    b.keys.forEach((k, i) => {
      const bytes = b64u(k);
      if (!bytes || bytes.length < 32) throw new ConfigError(`binding.keys[${i}]`, 'must be base64url without padding, at least 32 bytes');
    });
    b.require.forEach((x, i) => {
      if (!bindItem(x)) throw new ConfigError(`binding.require[${i}]`, 'expected ip, ip/N, country, region, ua, referer, session, header:<name> or query:<name>');
      if (x !== 'ip' && !b.keys.length) throw new ConfigError('binding.keys', 'required bindings other than `ip` need a binding key');
    });
  }
  if (r) {
    if (!r.renditions.length) throw new ConfigError('resolution.renditions', 'give at least one {"pattern", "lines"}');
    r.renditions.forEach((x, i) => {
      validGlob(`resolution.renditions[${i}].pattern`, x.pattern);
      if (x.lines < 1 || x.lines > 8640) throw new ConfigError(`resolution.renditions[${i}].lines`, 'must be between 1 and 8640');
    });
  }
  const rv = c.revocation;
  if (rv) {
    if (rv.claims.length > 8) throw new ConfigError('revocation.claims', 'at most 8 claims');
    rv.claims.forEach((n, i) => {
      const l = Buffer.byteLength(n);
      if (l < 1 || l > 64 || rv.claims.slice(0, i).includes(n)) throw new ConfigError(`revocation.claims[${i}]`, 'claim names must be unique, 1 to 64 characters');
    });
    if (rv.max_age === 0) throw new ConfigError('revocation.max_age', 'must be positive (or left out)');
  }
  if (a) {
    if (a.keys.length < 1 || a.keys.length > 4) throw new ConfigError('akamai.keys', 'give 1 to 4 keys (current first, then transition keys)');
    a.keys.forEach((k, i) => {
      const n = Buffer.byteLength(k.kid);
      if (n < 1 || n > 128) throw new ConfigError(`akamai.keys[${i}].kid`, 'must be 1 to 128 characters');
      if (a.keys.slice(0, i).some((o) => o.kid === k.kid)) throw new ConfigError(`akamai.keys[${i}].kid`, `duplicate kid ${JSON.stringify(k.kid)}`);
      if (!/^([0-9a-fA-F]{2})*$/.test(k.secret_hex) || k.secret_hex.length < 16) {
        throw new ConfigError(`akamai.keys[${i}].secret_hex`, 'must be hex (even length), at least 16 hex digits');
      }
    });
    if (a.salt !== undefined && (a.salt === '' || a.salt.includes('~'))) throw new ConfigError('akamai.salt', "must be non-empty and contain no '~'");
  }
}

// --- generation ----------------------------------------------------------------------------------

const STATUS_TEXT = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 407: 'Proxy Authentication Required', 410: 'Gone', 429: 'Too Many Requests',
  451: 'Unavailable For Legal Reasons', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/**
 * Keeps `//#if f` … `//#endif` sections whose feature is on (`//#if !f`: off) and fills the
 * `__NAME__` placeholders (not in comments). The result is the readable function: comments and
 * indentation stay (the `--no-minify` build and the source of the source map).
 */
export function render(template, features, values) {
  const out = [];
  let keep = true;
  for (const line of template.split('\n')) {
    const l = line.trim();
    const m = /^\/\/#if (!?)(\w+)$/.exec(l);
    if (m) {
      if (!(m[2] in features)) throw new Error(`template: unknown feature ${m[2]}`);
      keep = !features[m[2]] === !!m[1];
      continue;
    }
    if (l === '//#endif') {
      keep = true;
      continue;
    }
    if (!keep) continue;
    out.push(l.startsWith('//') ? line : line.replace(/__([A-Z_]+)__/g, (all, name) => {
      if (!(name in values)) throw new Error(`template: no value for ${all}`);
      return values[name];
    }));
  }
  // Blank-line runs left by dropped sections collapse to one.
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

// Terser, configured for runtime cloudfront-js-2.0 and njs 0.7 (tools/check-runtime.mjs is the
// judge; generate() refuses its own output if the check fails):
// - `handler` is the entry point CloudFront calls by name: kept and never renamed; every other
//   top-level name and every local is mangled. `crypto` keeps its name so the runtime check can
//   see which hash each createHmac/createHash call uses. Property names are never mangled (the
//   event, the response, the KeyValueStore API and the claims are read by name).
// - ES5 output forms (`ecma: 5`: no shorthand members, no arrow functions made from functions);
//   the template's own let/const/arrow/async syntax is kept as written.
// - `reduce_funcs: false`: a function used once is not inlined as a closure (an async closure is not
//   available in runtime 2.0).
// - `sequences: false`: statements are not joined with commas, which moves an `await` out of its
//   own assignment (`return await f() || (…)`, refused by the runtime check; `if (x = await f(), g(x))`,
//   which njs 0.7.9 runs but is not what the runtime documents). It would save 8 B on the
//   full-featured function, 17 B on the smallest.
// - `keep_fargs: false`: unused trailing parameters go (nothing reads a function's `length`).
// - `ascii_only`: escapes stay escapes (U+0085, U+FEFF, U+FFFD are compared in the code).
// No `unsafe*` transforms: the output is the same program. (More passes, `hoist_props`, `ecma` 2015+
// for compress and the `unsafe_*` options other than `unsafe_comps` change nothing here; `unsafe_comps`
// would save 4 B by rewriting `!(a < b)` as `a >= b`, which differs for NaN.)
export const TERSER = {
  module: true,
  toplevel: true,
  ecma: 5,
  compress: { top_retain: ['handler'], reduce_funcs: false, sequences: false, keep_fargs: false, passes: 2 },
  mangle: { reserved: ['handler', 'crypto'] },
  format: { ecma: 5, ascii_only: true },
};

/**
 * Two rewrites terser does not make, on the same program: `const` → `let` (2 bytes each) and the
 * global `undefined` → `UNDEFINED` (the template's `const UNDEFINED = [][0]`, a name terser shortens
 * to one or two letters where it writes the keyword as `void 0`). Both keep every offset (`let  `,
 * and the two names have the same length), so the source map still reads the original.
 */
function rewrite(src) {
  const at = [];
  (function walk(n, parent) {
    if (!n || typeof n.type !== 'string') return;
    if (n.type === 'VariableDeclaration' && n.kind === 'const') at.push([n.start, 'let  ']);
    const asName = parent && ((parent.type === 'MemberExpression' && parent.property === n && !parent.computed) ||
      (parent.type === 'Property' && parent.key === n));
    if (n.type === 'Identifier' && n.name === 'undefined' && !asName) at.push([n.start, 'UNDEFINED']);
    for (const k of Object.keys(n)) {
      const v = n[k];
      if (Array.isArray(v)) v.forEach((c) => walk(c, n));
      else if (v && typeof v.type === 'string') walk(v, n);
    }
  })(acorn.parse(src, { ecmaVersion: 2022, sourceType: 'module' }), null);
  if (at.some(([, w]) => w === 'UNDEFINED') && !/^const UNDEFINED = \[\]\[0\];$/m.test(src)) {
    throw new Error('template: `undefined` is renamed to UNDEFINED, which the template must declare (const UNDEFINED = [][0];)');
  }
  let out = src;
  for (const [i, w] of at.sort((a, b) => b[0] - a[0])) out = out.slice(0, i) + w + out.slice(i + w.length);
  return out;
}

/** Minifies the rendered function; returns { code, map } (map: a source map onto `function.src.js`). */
export function minify(source) {
  const r = minifySync({ 'function.src.js': rewrite(source) }, {
    ...TERSER,
    sourceMap: { filename: 'function.js', includeSources: true },
  });
  const problems = checkRuntime20(r.code);
  if (problems.length) throw new Error(`minifier output is not valid cloudfront-js-2.0: ${problems.join('; ')}`);
  // Same offsets as `source` (see rewrite), so the map reads the original.
  const map = JSON.parse(r.map);
  map.sourcesContent = [source];
  return { code: r.code + '\n', map: JSON.stringify(map) };
}

/**
 * The function and KVS import document for a config (JSON text or parsed object):
 * { code, bytes, map, source, kvs, features }. `code` is minified (`map` maps it onto `source`, the
 * readable rendered template) unless `opts.minify` is false, when `code` is `source` itself; only a
 * minified function is refused for size (a readable build is for reading), and not with
 * `opts.limit: false` (to measure a combination that does not fit).
 */
export function generate(config, template = fs.readFileSync(TEMPLATE, 'utf8'), opts = {}) {
  const c = validate(config);
  const sources = c.token.sources.map((s) =>
    s.query !== undefined ? `[Q, ${JSON.stringify(s.query)}]`
      : s.cookie !== undefined ? `[C, ${JSON.stringify(s.cookie)}]`
        : s.header !== undefined ? `[X, ${JSON.stringify(s.header)}]`
        : s.bearer ? '[B]' : '[P]');
  const has = (k) => c.token.sources.some((s) => s[k] !== undefined);
  const ch = c.claims.channel;
  const features = {
    query: has('query'),
    cookie: has('cookie'),
    bearer: has('bearer'),
    header: has('header'),
    cookie_or_header: has('cookie') || has('header'),
    path: has('path_segment'),
    channel: ch !== undefined,
    channel_fixed: ch !== undefined && ch.arns !== undefined,
    channel_path: ch !== undefined && ch.prefix !== undefined,
    debug: c.deny.debug,
    exempt: !!(c.paths && c.paths.exempt.length),
    paths_required: !!(c.paths && c.paths.require),
    bind_required: !!(c.binding && c.binding.require.length),
    bind_digest: !!(c.binding && c.binding.keys.length),
    resolution: !!c.resolution,
    akamai: !!c.akamai,
    jwt: c.keys.length > 0,
    revocation: !!c.revocation,
    leeway: c.claims.leeway > 0,
    i64: c.keys.length > 0 || !!c.revocation,
  };
  const reText = (t) => t.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  // Config globs are compiled here (by the template's own glob()), not in the function.
  const glob = (g) => JSON.stringify(globOf(g));
  const { missing_token_status: ms, status: ds } = c.deny;
  const text = (s) => JSON.stringify(STATUS_TEXT[s] || (s < 500 ? 'Client Error' : 'Server Error'));
  const values = {
    KIDS: JSON.stringify(c.keys.map((k) => k.kid)),
    MISSING_STATUS: String(ms),
    STATUS: String(ds),
    STATUS_TEXT: ms === ds ? text(ds) : `s == ${ms} ? ${text(ms)} : ${text(ds)}`,
    SOURCES: `[${sources.join(', ')}]`,
    MAX_LENGTH: String(c.token.max_length),
    REQUIRE_EXP: String(c.claims.require_exp),
    LEEWAY: String(c.claims.leeway),
    MAX_LIFETIME: String(c.claims.max_lifetime),
    // IVS: viewer-id and single-use tokens may live at most 10 minutes.
    MAX_LIFETIME_SHORT: String(Math.min(c.claims.max_lifetime, 600)),
    ARNS: JSON.stringify(ch && ch.arns),
    // /^<prefix>([^/]+)<rest>/: the id is one non-empty segment.
    CHANNEL_RE: ch && ch.prefix !== undefined ? `/^${reText(ch.prefix)}([^/]+)${reText(ch.rest)}/` : 'null',
    ARN_HEAD: JSON.stringify(ch && ch.head),
    ARN_TAIL: JSON.stringify(ch && ch.tail),
    PATHS_CLAIM: JSON.stringify(c.paths ? c.paths.claim : 'paths'),
    NORMALISE: String(!!(c.paths || c.resolution)),
    EXEMPT: `[${c.paths ? c.paths.exempt.map(glob).join(', ') : ''}]`,
    IP_CLAIM: JSON.stringify(c.binding ? c.binding.ip_claim : 'ip'),
    BIND_CLAIM: JSON.stringify(c.binding ? c.binding.claim : 'bind'),
    BIND_REQUIRE: JSON.stringify(c.binding ? c.binding.require : []),
    RENDITIONS: `[${c.resolution ? c.resolution.renditions.map((x) => `[${glob(x.pattern)}, ${x.lines}]`).join(', ') : ''}]`,
    AKAMAI_TAG: String(c.akamai ? AKAMAI_TAG[c.akamai.algorithm] : 0),
    AKAMAI_ALG: JSON.stringify(c.akamai && c.akamai.algorithm),
    REV_CLAIMS: JSON.stringify(c.revocation ? c.revocation.claims : []),
    REV_PATH: String(!!(c.revocation && c.revocation.path_session)),
    REV_VIEWERS: String(!!(c.revocation && c.revocation.viewer_sessions)),
    REV_UNAVAILABLE: c.revocation && c.revocation.on_unavailable === 'allow' ? '0' : 'RU',
    REV_MAX_AGE: c.revocation && c.revocation.max_age !== undefined ? String(c.revocation.max_age) : '1 / 0',
  };
  const source = render(template, features, values);
  const small = opts.minify === false ? { code: source } : minify(source);
  const code = small.code;
  const bytes = Buffer.byteLength(code);
  if (bytes > MAX_FUNCTION_BYTES && opts.minify !== false && opts.limit !== false) {
    const on = Object.keys(features).filter((k) => features[k]).join(', ');
    throw new UnsupportedError(
      `function over 10 KB: this combination (${on}) generates ${bytes} bytes, above CloudFront Functions' ` +
        `${MAX_FUNCTION_BYTES}-byte limit. Split the behaviours over two functions (e.g. Akamai tokens on one path pattern, ` +
        'JWTs with binding on another), drop `deny.debug`, or use the Lambda@Edge handler for this config',
    );
  }
  const kvs = {
    data: c.keys.map((k) => ({ key: `key:${k.kid}`, value: JSON.stringify({ alg: k.alg, secret: k.secret }) })),
  };
  // Akamai keys (current first) and salt under `akamai`; binding keys under `bind`.
  if (c.akamai) kvs.data.push({ key: 'akamai', value: JSON.stringify({ keys: c.akamai.keys.map((k) => k.secret_hex), salt: c.akamai.salt }) });
  if (c.binding && c.binding.keys.length) kvs.data.push({ key: 'bind', value: JSON.stringify(c.binding.keys) });
  for (const e of kvs.data) {
    if (Buffer.byteLength(e.value) > 1024) throw new UnsupportedError(`KeyValueStore value for \`${e.key}\` is over 1 KB (the store's limit): use shorter or fewer keys`);
  }
  return { code, bytes, map: small.map, source, kvs, features };
}

// --- command line --------------------------------------------------------------------------------

function main(argv) {
  const args = argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  const readable = args.includes('--no-minify');
  const rest = args.filter((a, i) => i !== outAt && i !== outAt + 1 && a !== '--no-minify');
  if (rest.length !== 1 || (outAt >= 0 && !out)) {
    process.stderr.write('usage: node build.mjs <config.json> [--out DIR] [--no-minify]\n' +
      '  writes DIR/function.js (the CloudFront Function, minified), DIR/function.js.map (its source map onto\n' +
      '  DIR/function.src.js, the same function unminified) and DIR/kvs-import.json (secrets: keep private);\n' +
      '  --no-minify: DIR/function.js is the unminified function (for reading; may be over the 10 KB limit)\n');
    return 2;
  }
  let text;
  try {
    text = fs.readFileSync(rest[0], 'utf8');
  } catch (e) {
    process.stderr.write(`playgate cloudfront-function: cannot read ${rest[0]}: ${e.code || e.message}\n`);
    return 2;
  }
  let result;
  try {
    result = generate(text, undefined, { minify: !readable });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UnsupportedError) {
      process.stderr.write(`playgate cloudfront-function: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const dir = out || 'dist';
  fs.mkdirSync(dir, { recursive: true });
  const at = (f) => path.join(dir, f);
  fs.writeFileSync(at('function.js'), result.code);
  fs.writeFileSync(at('function.src.js'), result.source);
  if (result.map) fs.writeFileSync(at('function.js.map'), result.map + '\n');
  else fs.rmSync(at('function.js.map'), { force: true });
  fs.writeFileSync(at('kvs-import.json'), JSON.stringify(result.kvs, null, 2) + '\n', { mode: 0o600 });
  const on = Object.entries(result.features).filter(([, v]) => v).map(([k]) => k);
  const over = result.bytes > MAX_FUNCTION_BYTES ? ' — OVER the limit: for reading only, deploy the minified build' : '';
  process.stdout.write(`${at('function.js')}: ${result.bytes} bytes${readable ? ', not minified' : ''} (limit ${MAX_FUNCTION_BYTES})${over}; features: ${on.join(', ') || 'none'}\n` +
    (result.map ? `${at('function.js.map')}: source map onto ${at('function.src.js')} (unminified, ${Buffer.byteLength(result.source)} bytes)\n` : '') +
    `${at('kvs-import.json')}: ${result.kvs.data.length} key(s) — contains secrets, do not commit\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv);
}
