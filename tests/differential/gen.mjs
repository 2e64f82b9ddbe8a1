// The case generator: from a seeded Rng, valid IVS-style tokens (HS256 and ES384) and mutations of
// them. A case is a token plus everything both verifiers need to decide it the same way: the gate
// config, the clock, the request, and the policy jose is asked to enforce.
//
// Mutations come in two kinds, applied in this order:
//   - content mutations change the JOSE header or the claims and are then signed correctly, so any
//     difference in verdict comes from parsing or policy, not from the signature;
//   - encoding mutations change the compact serialization after signing (bit flips, truncations,
//     extensions, re-encodings, signature forms, part counts).
// Each applied mutation adds a tag to `case.tags` (reported, never used to classify a verdict: the
// rules in rules.mjs look at the token itself).

import { createECDH, createHmac, createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto';
import { promisify } from 'node:util';

// ECDSA signing runs on libuv's thread pool (the callback form), so batches of cases sign in parallel.
const signAsync = promisify(nodeSign);

export const ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf012345';
export const OTHER_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/ZyXwVu987654';
export const ORIGIN = 'https://player.example.com';
export const HS_KID = 'hs-1';
export const ES_KID = 'ivs-1';
export const HEADER_NAME = 'x-playgate-token';
const NOW_BASE = 1_800_000_000;
// P-384 group order.
const N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const utf8 = (s) => Buffer.from(s, 'utf8');

/** Keys for one run, derived from the seed (TEST-ONLY keys, never used anywhere else). */
export function makeWorld(rng) {
  const secret = rng.bytes(32);
  const d = rng.bytes(48);
  d[0] &= 0x7f; // below the group order
  d[0] |= 0x01; // and not zero
  const ecdh = createECDH('secp384r1');
  ecdh.setPrivateKey(Buffer.from(d));
  const pub = ecdh.getPublicKey();
  const jwk = { kty: 'EC', crv: 'P-384', x: b64u(pub.subarray(1, 49)), y: b64u(pub.subarray(49, 97)) };
  const privateKey = createPrivateKey({ key: { ...jwk, d: b64u(d) }, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const pem = publicKey.export({ type: 'spki', format: 'pem' });
  return { secret, privateKey, publicKey, pem, jwk };
}

// ---------------------------------------------------------------------------------------------
// JSON text with full control: objects are member lists (duplicates allowed), `raw(text)` puts
// source text in verbatim (odd numbers, escapes, nesting).

const RAW = Symbol('raw');
export const raw = (text) => ({ [RAW]: text });
const obj = (members) => ({ members });

function serialize(v, sp) {
  if (v !== null && typeof v === 'object' && RAW in v) return v[RAW];
  if (v !== null && typeof v === 'object' && Array.isArray(v.members)) {
    if (v.members.length === 0) return `{${sp()}}`;
    const parts = v.members.map(([k, val]) => {
      const key = typeof k === 'string' ? JSON.stringify(k) : k[RAW];
      return `${sp()}${key}${sp()}:${sp()}${serialize(val, sp)}${sp()}`;
    });
    return `{${parts.join(',')}}`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => `${sp()}${serialize(x, sp)}${sp()}`).join(',')}]`;
  return JSON.stringify(v);
}

const get = (o, k) => o.members.find(([n]) => n === k);
const set = (o, k, v) => {
  const m = get(o, k);
  if (m) m[1] = v;
  else o.members.push([k, v]);
};
const del = (o, k) => {
  o.members = o.members.filter(([n]) => n !== k);
};

// ---------------------------------------------------------------------------------------------
// Configs: a small fixed set, so gates are built once per run and shared by the cases.

export function configVariants(world) {
  const out = [];
  for (const key of ['hs', 'es-pem', 'es-jwk']) {
    for (const channel of [false, true]) {
      for (const maxLifetime of [86400, 3600]) {
        for (const maxLength of [4096, 16384]) {
          const entry =
            key === 'hs'
              ? { kid: HS_KID, alg: 'HS256', secret: b64u(world.secret) }
              : key === 'es-pem'
                ? { kid: ES_KID, alg: 'ES384', public_key: world.pem }
                : { kid: ES_KID, alg: 'ES384', jwk: world.jwk };
          const claims = { require_exp: true, leeway: 0, max_lifetime: maxLifetime };
          if (channel) claims.channel = { arn: ARN };
          out.push({
            id: `${key}/${channel ? 'channel' : 'any'}/${maxLifetime}/${maxLength}`,
            alg: key === 'hs' ? 'HS256' : 'ES384',
            kid: key === 'hs' ? HS_KID : ES_KID,
            channel: channel ? ARN : null,
            maxLifetime,
            maxLength,
            config: {
              keys: [entry],
              token: { sources: [{ header: HEADER_NAME }, { query: 'token' }], max_length: maxLength },
              claims,
            },
          });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Base token: a valid IVS-style token for the chosen config.

function baseContent(rng, cfg, now) {
  const header = obj([['alg', cfg.alg]]);
  if (cfg.alg === 'HS256') {
    if (rng.chance(0.85)) header.members.push(['kid', HS_KID]);
  } else if (rng.chance(0.1)) header.members.push(['kid', ES_KID]);
  if (rng.chance(0.7)) header.members.push(['typ', 'JWT']);
  if (rng.chance(0.5)) header.members.reverse();

  const payload = obj([]);
  const p = payload.members;
  if (cfg.channel || rng.chance(0.9)) p.push(['aws:channel-arn', ARN]);
  if (rng.chance(0.8)) {
    p.push(['aws:access-control-allow-origin', rng.pick(['*', ORIGIN, 'https://*.example.com', `https://a.example.com,${ORIGIN}`])]);
  }
  if (rng.chance(0.3)) p.push(['aws:strict-origin-enforcement', rng.chance(0.5)]);
  const short = rng.chance(0.15);
  if (short) {
    if (rng.chance(0.7)) p.push(['aws:viewer-id', `viewer-${rng.range(1, 99999)}`]);
    else p.push(['aws:single-use-uuid', uuid(rng)]);
  }
  const maxLife = short ? Math.min(600, cfg.maxLifetime) : Math.min(cfg.maxLifetime, 7200);
  p.push(['exp', now + rng.range(1, maxLife)]);
  if (rng.chance(0.8)) p.push(['iat', now - rng.range(0, 300)]);
  if (rng.chance(0.2)) p.push(['nbf', now - rng.range(0, 300)]);
  if (rng.chance(0.1)) p.push(['aws:viewer-session-version', rng.range(0, 1000)]);
  if (rng.chance(0.1)) p.push(['aws:maximum-resolution', rng.pick(['SD', 'HD', 'FULL_HD'])]);
  if (rng.chance(0.2)) p.push(['sub', `user-${rng.range(1, 1e6)}`]);
  if (rng.chance(0.1)) p.push(['jti', uuid(rng)]);
  // Shuffle the claims: order must not matter.
  for (let i = p.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return { header, payload };
}

function uuid(rng) {
  const h = Buffer.from(rng.bytes(16)).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const nested = (kind, depth, leaf) =>
  kind === 'array' ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

// ---------------------------------------------------------------------------------------------
// Content mutations: (rng, c, cfg, now) where c = { header, payload, signer, encodeHeader,
// encodePayload, headerBom, payloadBom, ... }. Each returns a tag.

const CONTENT = [
  // Duplicate members: top level, with equal or different values, and at depth.
  [6, 'dup_header_member', (rng, c) => {
    if (c.header.members.length === 0) c.header.members.push(['typ', 'JWT']);
    const m = rng.pick(c.header.members);
    const v = rng.chance(0.5) ? m[1] : rng.pick(['none', 'HS256', 'ES384', 'other', 1]);
    c.header.members.splice(rng.int(c.header.members.length + 1), 0, [m[0], v]);
  }],
  [6, 'dup_claim', (rng, c, cfg, now) => {
    if (c.payload.members.length === 0) c.payload.members.push(['exp', now + 60]);
    const m = rng.pick(c.payload.members);
    const v =
      m[0] === 'exp' ? rng.pick([now - 10, now + 10, m[1]]) : m[0] === 'aws:channel-arn' ? rng.pick([OTHER_ARN, ARN]) : m[1];
    c.payload.members.splice(rng.int(c.payload.members.length + 1), 0, [m[0], v]);
  }],
  [4, 'dup_at_depth', (rng, c) => {
    const depth = rng.range(1, 6);
    const inner = rng.chance(0.5) ? '{"k":1,"k":1}' : '{"k":1,"j":[{"z":true,"z":false}]}';
    const text = rng.chance(0.5) ? nested('array', depth, inner) : nested('object', depth, inner);
    const target = rng.chance(0.5) ? c.header : c.payload;
    target.members.push(['ext', raw(text)]);
  }],
  [2, 'no_dup_at_depth', (rng, c) => {
    // Same names at different levels are not duplicates.
    const target = rng.chance(0.5) ? c.header : c.payload;
    target.members.push(['ext', raw('{"k":1,"j":{"k":2,"j":[{"k":3},{"k":4}]}}')]);
  }],
  // exp of odd types and values.
  [10, 'exp_odd', (rng, c, cfg, now) => {
    const choices = [
      String(now + 60), now + 60.5, -1, -(now + 60), 1e20, raw('1e400'), raw('-1e400'), raw(`${(now + 60) / 1e9}e9`),
      raw(`${now + 60}.000000000000000000001`), raw(`${(now + 60) * 10}e-1`), raw(`${now + 60}E0`), raw('-0'), null, true, false,
      [now + 60], obj([['v', now + 60]]), now, now + 0.5, now - 0.5, now + 1, raw(`${now}.9999999999999999999`),
      raw('9007199254740993'), raw('18446744073709551616'), raw('1e-400'), raw('0.0'), Number.MAX_SAFE_INTEGER,
      raw('17976931348623157e292'), raw('1.7976931348623157e308'), raw('2e308'), '', raw('"\\u0031\\u0038"'),
    ];
    set(c.payload, 'exp', rng.pick(choices));
  }],
  [3, 'exp_missing', (rng, c) => del(c.payload, 'exp')],
  [5, 'lifetime_edge', (rng, c, cfg, now) => {
    const limit = get(c.payload, 'aws:viewer-id') || get(c.payload, 'aws:single-use-uuid') ? Math.min(600, cfg.maxLifetime) : cfg.maxLifetime;
    const pick = rng.pick([limit, limit + 1, limit - 1, limit + 0.5, limit + 1e-6, limit * 1000, 600, 601, 3600, 3601, 86400, 86401]);
    set(c.payload, 'exp', now + pick);
    if (rng.chance(0.3)) set(c.payload, 'aws:viewer-id', rng.pick(['v', 'viewer-123']));
  }],
  [4, 'nbf_odd', (rng, c, cfg, now) => {
    set(c.payload, 'nbf', rng.pick([now, now + 1, now + 0.5, now - 0.5, now + 1e9, String(now), raw('1e400'), null, raw('-1e400'), true]));
  }],
  [4, 'iat_odd', (rng, c, cfg, now) => {
    set(c.payload, 'iat', rng.pick([now + 3600, String(now), raw('1e400'), raw('-1e400'), null, 1e300, -1, now + 0.25, [now], false]));
  }],
  // Unicode: raw non-ASCII, escapes, surrogate pairs, lone surrogates, escaped member names.
  [8, 'unicode', (rng, c, cfg, now) => {
    const target = rng.chance(0.7) ? c.payload : c.header;
    const v = rng.pick([
      'café', '日本語のテキスト', '😀 emoji', raw('"caf\\u00e9"'), raw('"\\ud83d\\ude00"'), raw('"\\ud800"'), raw('"\\udc00x"'),
      raw('"\\ude00\\ud83d"'), raw('"a\\ud83dz"'), raw('"\\u0000"'), raw('"\\uFFFF"'), raw('"\\uFEFF"'), '\u2028\u2029',
      raw('"\\/\\b\\f\\n\\r\\t"'),
    ]);
    const name = rng.pick(['note', 'nоte' /* Cyrillic o */, raw('"n\\u006fte"'), raw('"\\ud800"'), '名前']);
    target.members.push([name, v]);
  }],
  [3, 'escaped_names', (rng, c, cfg) => {
    // A claim or header member written with escapes: the same name once decoded.
    const esc = (s) => raw(`"${[...s].map((ch, i) => (i % 2 ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')}"`);
    const target = rng.chance(0.6) ? c.payload : c.header;
    if (target.members.length === 0) return;
    const m = rng.pick(target.members);
    if (typeof m[0] === 'string') m[0] = esc(m[0]);
    if (rng.chance(0.3) && typeof m[1] === 'string') m[1] = esc(m[1]);
  }],
  [3, 'invalid_utf8', (rng, c) => {
    const bad = rng.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]]);
    (rng.chance(0.5) ? c.payloadBytesPatch : c.headerBytesPatch).push(bad);
  }],
  [4, 'huge_number', (rng, c) => {
    const v = rng.pick([raw('1e400'), raw('-1e400'), raw('9'.repeat(400)), raw(`0.${'0'.repeat(400)}1`), raw('1e-400'),
      raw('18446744073709551616'), raw('-9223372036854775809'), raw('123456789012345678901234567890'), raw('1.5e308')]);
    (rng.chance(0.7) ? c.payload : c.header).members.push(['num', v]);
  }],
  [3, 'long_claim', (rng, c) => {
    // Around and beyond token.max_length (4096 or 16384 bytes).
    const n = rng.pick([2800, 2950, 3000, 3100, 3500, 11500, 12200, 13000]);
    c.payload.members.push(['pad', 'x'.repeat(n)]);
  }],
  [4, 'deep_nesting', (rng, c) => {
    const depth = rng.pick([8, 64, 120, 125, 126, 127, 128, 129, 130, 200, 1000, 2500]);
    const text = nested(rng.chance(0.5) ? 'array' : 'object', depth, rng.pick(['0', '{}', '[]', '"x"']));
    (rng.chance(0.7) ? c.payload : c.header).members.push(['deep', raw(text)]);
  }],
  // Algorithm games.
  [8, 'alg_games', (rng, c, cfg) => {
    const g = rng.pick(['none', 'None', 'hs256', 'HS384', 'HS512', 'ES256', 'ES512', 'RS256', '', 7, null, 'missing', 'other_family', 'hs_with_pem']);
    if (g === 'missing') del(c.header, 'alg');
    else if (g === 'other_family') {
      // HS256 token against an ES384 config, or ES384 against HS256, each properly signed.
      set(c.header, 'alg', cfg.alg === 'HS256' ? 'ES384' : 'HS256');
      c.signer = cfg.alg === 'HS256' ? 'es384' : 'hs256';
    } else if (g === 'hs_with_pem') {
      // The classic confusion: HMAC keyed with the public key's bytes.
      set(c.header, 'alg', 'HS256');
      c.signer = 'hs256-pem';
    } else {
      set(c.header, 'alg', g);
      c.signer = { none: 'none', None: 'none', HS384: 'hs384', HS512: 'hs512' }[g] ?? c.signer;
    }
    if (c.signer === 'none' && rng.chance(0.5)) c.sigBytesPatch = 'empty';
  }],
  [7, 'kid_games', (rng, c, cfg) => {
    const own = cfg.kid;
    const v = rng.pick(['other-key', own.toUpperCase(), `${own} `, '', 7, null, [own], obj([['kid', own]]), raw(`"\\u0068${own.slice(1)}"`),
      own, 'missing', HS_KID, ES_KID, '../../etc/passwd', 'x'.repeat(200)]);
    if (v === 'missing') del(c.header, 'kid');
    else set(c.header, 'kid', v);
  }],
  [7, 'key_members', (rng, c, cfg, now, world) => {
    const m = rng.pick([
      ['jwk', obj(Object.entries(world.jwk))],
      ['jku', 'https://evil.example/jwks.json'],
      ['x5u', 'https://evil.example/cert.pem'],
      ['x5c', ['MIIB']],
      ['crit', ['exp']],
      ['crit', ['b64']],
      ['crit', []],
      ['crit', 'b64'],
      ['cty', 'JWT'],
      ['cty', 'json'],
      ['cty', 'JSON'],
      ['cty', 'application/json'],
      ['cty', 7],
      ['typ', rng.pick(['JWT', 'jwt', 'at+jwt', 'JOSE', 7, null, ''])],
      ['b64', rng.chance(0.5)],
      ['x5t', 'abc'],
      ['zip', 'DEF'],
    ]);
    set(c.header, m[0], m[1]);
    if (m[0] === 'crit' && rng.chance(0.7)) set(c.header, 'b64', true);
  }],
  [2, 'many_header_members', (rng, c) => {
    const n = rng.pick([100, 250, 251, 252, 253, 255, 256, 300]);
    for (let i = 0; i < n; i++) c.header.members.push([`m${i}`, i]);
  }],
  // IVS claims with values outside their contract types.
  [8, 'ivs_claims', (rng, c) => {
    const [k, v] = rng.pick([
      ['aws:viewer-id', 'v'.repeat(40)], ['aws:viewer-id', 'v'.repeat(41)], ['aws:viewer-id', ''], ['aws:viewer-id', 12],
      ['aws:viewer-id', 'é'.repeat(40)], ['aws:viewer-id', '😀'.repeat(40)], ['aws:viewer-id', '😀'.repeat(21)],
      ['aws:viewer-session-version', raw('9223372036854775807')], ['aws:viewer-session-version', raw('9223372036854775808')],
      ['aws:viewer-session-version', raw('-9223372036854775808')], ['aws:viewer-session-version', raw('-9223372036854775809')],
      ['aws:viewer-session-version', raw('1.0')], ['aws:viewer-session-version', raw('1e2')], ['aws:viewer-session-version', '3'],
      ['aws:viewer-session-version', raw('-0')], ['aws:viewer-session-version', null],
      ['aws:maximum-resolution', 'UHD'], ['aws:maximum-resolution', 'hd'], ['aws:maximum-resolution', 'FULL_HD'], ['aws:maximum-resolution', 1080],
      ['aws:single-use-uuid', 'not-a-uuid'], ['aws:single-use-uuid', '0123456789ABCDEF0123456789abcdef0123'],
      ['aws:single-use-uuid', '01234567-89AB-cdef-0123-456789abcdef'], ['aws:single-use-uuid', 5],
      ['aws:strict-origin-enforcement', 'true'], ['aws:strict-origin-enforcement', 1], ['aws:strict-origin-enforcement', null],
      ['aws:access-control-allow-origin', 7], ['aws:access-control-allow-origin', ['*']], ['aws:access-control-allow-origin', ''],
      ['aws:channel-arn', 7], ['aws:channel-arn', [ARN]], ['aws:channel-arn', null],
    ]);
    set(c.payload, k, v);
  }],
  [5, 'channel_games', (rng, c) => {
    const v = rng.pick([OTHER_ARN, ARN.toUpperCase(), `${ARN} `, `${ARN}/`, '', 'missing', raw(`"${ARN.replace(/:/g, '\\u003a')}"`), raw(`"${ARN.replace(/\//g, '\\/')}"`)]);
    if (v === 'missing') del(c.payload, 'aws:channel-arn');
    else set(c.payload, 'aws:channel-arn', v);
  }],
  [5, 'origin_games', (rng, c) => {
    set(c.payload, 'aws:access-control-allow-origin', rng.pick(['*', ORIGIN, 'https://other.example.org', 'https://*.example.com',
      'https://*.player.example.com', `https://x.org, ${ORIGIN}`, ' * ', 'https://example.com', `${ORIGIN}:443`, ORIGIN.toUpperCase()]));
    if (rng.chance(0.5)) set(c.payload, 'aws:strict-origin-enforcement', rng.chance(0.7));
  }],
  [3, 'non_object_payload', (rng, c, cfg, now) => {
    c.payloadText = rng.pick([`[{"exp":${now + 60}}]`, `"exp"`, `${now + 60}`, 'null', 'true', '', ' ', `{"exp":${now + 60}`, `{"exp":${now + 60}} x`,
      `{"exp":${now + 60},}`, `{'exp':${now + 60}}`, `{"exp":${now + 60}}\u0000`, `/*c*/{"exp":${now + 60}}`, `{"exp":0x1}`, `{"exp":+${now + 60}}`,
      `{"exp":${now + 60}.}`, `{"exp":0${now + 60}}`, `{"exp":NaN}`, `{"exp":Infinity}`]);
  }],
  [2, 'non_object_header', (rng, c, cfg) => {
    c.headerText = rng.pick([`["alg","${cfg.alg}"]`, `"${cfg.alg}"`, 'null', '', `{"alg":"${cfg.alg}",}`, `{"alg":"${cfg.alg}"} x`]);
  }],
  [6, 'json_whitespace', (rng, c) => {
    c.ws = rng.pick([' ', '\n', '\t', '\r\n', '  \t ', ' \u00a0', '\u000b', '\u000c', '\u3000']);
  }],
  [3, 'bom', (rng, c) => {
    if (rng.chance(0.5)) c.headerBom = true;
    else c.payloadBom = true;
  }],
  [3, 'proto_members', (rng, c) => {
    (rng.chance(0.5) ? c.payload : c.header).members.push([rng.pick(['__proto__', 'constructor', 'prototype', 'toString']), rng.pick([obj([['exp', 1]]), 'x', null])]);
  }],
  // Re-encodings of header or claims that are then signed over: the signing input is the odd text.
  [6, 'signed_reencoding', (rng, c) => {
    const which = rng.chance(0.5) ? 'encodeHeader' : 'encodePayload';
    c[which] = rng.pick(['padded', 'standard', 'trailing_bits', 'whitespace', 'percent']);
  }],
];

// ---------------------------------------------------------------------------------------------
// Encoding mutations on the compact form: (rng, parts, cfg, c) → new token string.

const SIG = (parts) => Buffer.from(parts[2], 'base64url');

function der(raw96) {
  const int = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(raw96.subarray(0, 48)), int(raw96.subarray(48))]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

const big = (b) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const bytes48 = (n) => Buffer.from(n.toString(16).padStart(96, '0'), 'hex');

const ENCODING = [
  [10, 'bit_flip', (rng, parts) => {
    const i = rng.int(3);
    const b = Buffer.from(parts[i], 'base64url');
    if (b.length === 0) return parts.join('.');
    const k = rng.int(b.length * 8);
    b[k >> 3] ^= 1 << (k & 7);
    parts[i] = b.toString('base64url');
    return parts.join('.');
  }],
  [6, 'char_flip', (rng, parts) => {
    const i = rng.int(3);
    if (parts[i].length === 0) return parts.join('.');
    const k = rng.int(parts[i].length);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    parts[i] = parts[i].slice(0, k) + rng.pick([...alphabet]) + parts[i].slice(k + 1);
    return parts.join('.');
  }],
  [8, 'truncate', (rng, parts) => {
    const t = parts.join('.');
    if (rng.chance(0.5)) return t.slice(0, rng.int(t.length));
    const i = rng.int(3);
    parts[i] = parts[i].slice(0, Math.max(0, parts[i].length - rng.range(1, 4)));
    return parts.join('.');
  }],
  [8, 'extend', (rng, parts) => {
    const add = rng.pick(['A', 'AA', 'AAA', 'AAAA', '=', '==', '.', '..', '.x', ' ', '\t', '\n', '+', '/', '%3D', 'é', '\u00a0', '\u2028', '0', '_-']);
    const where = rng.int(4);
    if (where === 3) return parts.join('.') + add;
    parts[where] = rng.chance(0.5) ? parts[where] + add : add + parts[where];
    return parts.join('.');
  }],
  [8, 'reencode', (rng, parts) => {
    const i = rng.int(3);
    parts[i] = reencode(rng, parts[i], rng.pick(['padded', 'standard', 'trailing_bits', 'whitespace', 'percent']));
    return parts.join('.');
  }],
  [10, 'signature_form', (rng, parts, cfg) => {
    const sig = SIG(parts);
    let out;
    if (cfg.alg === 'ES384' && sig.length === 96) {
      const r = sig.subarray(0, 48);
      const s = sig.subarray(48);
      out = rng.pick([
        () => der(sig),
        () => Buffer.concat([Buffer.from([0]), sig]),
        () => Buffer.concat([sig, Buffer.from([0])]),
        () => sig.subarray(0, 95),
        () => sig.subarray(1),
        () => Buffer.alloc(96),
        () => Buffer.concat([Buffer.alloc(48), s]),
        () => Buffer.concat([r, Buffer.alloc(48)]),
        () => Buffer.concat([r, bytes48(N - big(s))]), // high-s: still a valid signature
        () => Buffer.concat([s, r]),
        () => Buffer.concat([sig, sig]),
        () => Buffer.concat([r, bytes48(big(s) + N < 2n ** 384n ? big(s) + N : big(s))]),
        () => Buffer.concat([bytes48(N), s]),
        () => Buffer.concat([Buffer.alloc(47), Buffer.from([1]), Buffer.alloc(47), Buffer.from([1])]),
        () => Buffer.alloc(0),
      ])();
    } else {
      out = rng.pick([
        () => sig.subarray(0, 16),
        () => sig.subarray(0, sig.length - 1),
        () => Buffer.concat([sig, Buffer.from([0])]),
        () => Buffer.concat([Buffer.from([0]), sig]),
        () => Buffer.alloc(32),
        () => Buffer.concat([sig, sig]),
        () => Buffer.alloc(0),
        () => der(Buffer.concat([sig, sig, sig])),
      ])();
    }
    parts[2] = Buffer.from(out).toString('base64url');
    return parts.join('.');
  }],
  [5, 'part_count', (rng, parts) =>
    rng.pick([
      () => `${parts[0]}.${parts[1]}`,
      () => `${parts.join('.')}.`,
      () => `${parts.join('.')}.${parts[2]}`,
      () => `.${parts[1]}.${parts[2]}`,
      () => `${parts[0]}..${parts[2]}`,
      () => `${parts[0]}.${parts[1]}.`,
      () => parts.join('..'),
      () => `x.${parts.join('.')}`,
      () => '',
      () => '..',
    ])()],
  [3, 'case_flip', (rng, parts) => {
    const i = rng.int(3);
    parts[i] = rng.chance(0.5) ? parts[i].toUpperCase() : parts[i].toLowerCase();
    return parts.join('.');
  }],
];

/** Re-encodes one base64url part in a non-canonical (or foreign) way. */
function reencode(rng, part, how) {
  const b = Buffer.from(part, 'base64url');
  const canon = b.toString('base64url');
  switch (how) {
    case 'padded':
      return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_') + (canon.length % 4 === 0 && rng.chance(0.3) ? '====' : '');
    case 'standard':
      return rng.chance(0.5) ? b.toString('base64') : b.toString('base64').replace(/=+$/, '');
    case 'trailing_bits': {
      // Set some of the unused low bits of the last character (decodes to the same bytes).
      const unused = { 2: 4, 3: 2 }[canon.length % 4];
      if (!unused) return `${canon}${rng.pick(['=', ' ', ''])}`;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(canon[canon.length - 1]);
      const v = last | rng.range(1, (1 << unused) - 1);
      return canon.slice(0, -1) + alphabet[v];
    }
    case 'whitespace': {
      const k = rng.int(canon.length + 1);
      return canon.slice(0, k) + rng.pick([' ', '\t', '\n', '\r\n', '\f']) + canon.slice(k);
    }
    case 'percent':
      return canon.replace(/[-_]/g, (ch) => (ch === '-' ? '%2D' : '%5F'));
    default:
      return canon;
  }
}

// ---------------------------------------------------------------------------------------------

function signer(c, world) {
  return async (input) => {
    const data = Buffer.from(input, 'latin1');
    switch (c.signer) {
      case 'hs256':
        return createHmac('sha256', world.secret).update(data).digest();
      case 'hs384':
        return createHmac('sha384', world.secret).update(data).digest();
      case 'hs512':
        return createHmac('sha512', world.secret).update(data).digest();
      case 'hs256-pem':
        return createHmac('sha256', Buffer.from(world.pem)).update(data).digest();
      case 'es384':
        return signAsync('sha384', data, { key: world.privateKey, dsaEncoding: 'ieee-p1363' });
      default:
        return Buffer.alloc(0);
    }
  };
}

function encodeJson(text, bom, patches, rng) {
  let b = utf8(text);
  for (const bad of patches) {
    const k = rng.int(b.length + 1);
    b = Buffer.concat([b.subarray(0, k), Buffer.from(bad), b.subarray(k)]);
  }
  if (bom) b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
  return b;
}

/**
 * One case. `variants` from configVariants; returns
 * `{ token, cfg, now, request, tags }` where `request` is the plain request shape.
 */
export async function generateCase(rng, world, variants) {
  // Half HS256, half ES384 (PEM and JWK key forms alike).
  const family = rng.pick(rng.chance(0.5) ? ['hs'] : ['es-pem', 'es-jwk']);
  const cfg = rng.pick(variants.filter((v) => v.id.startsWith(`${family}/`)));
  const now = NOW_BASE + rng.range(0, 1_000_000);
  const { header, payload } = baseContent(rng, cfg, now);
  const c = {
    header, payload, signer: cfg.alg === 'HS256' ? 'hs256' : 'es384',
    headerBytesPatch: [], payloadBytesPatch: [], ws: null, headerBom: false, payloadBom: false,
    encodeHeader: null, encodePayload: null, headerText: null, payloadText: null, sigBytesPatch: null,
  };
  const tags = [];
  const nContent = rng.weighted([[30, 0], [50, 1], [15, 2], [5, 3]]);
  for (let i = 0; i < nContent; i++) {
    const [, tag, f] = rng.weighted(CONTENT.map((m) => [m[0], m]));
    f(rng, c, cfg, now, world);
    tags.push(tag);
  }
  const sp = c.ws === null ? () => '' : () => (rng.chance(0.5) ? c.ws : '');
  const hText = c.headerText ?? serialize(header, sp);
  const pText = c.payloadText ?? serialize(payload, sp);
  let h = b64u(encodeJson(hText, c.headerBom, c.headerBytesPatch, rng));
  let p = b64u(encodeJson(pText, c.payloadBom, c.payloadBytesPatch, rng));
  if (c.encodeHeader) h = reencode(rng, h, c.encodeHeader);
  if (c.encodePayload) p = reencode(rng, p, c.encodePayload);
  const sig = c.sigBytesPatch === 'empty' ? Buffer.alloc(0) : await signer(c, world)(`${h}.${p}`);
  let token = `${h}.${p}.${b64u(sig)}`;
  if (rng.chance(0.45)) {
    const [, tag, f] = rng.weighted(ENCODING.map((m) => [m[0], m]));
    token = f(rng, token.split('.'), cfg, c);
    tags.push(tag);
  }
  if (tags.length === 0) tags.push('valid');
  const sent = request(rng, token);
  return { token: sent.token, cfg, now, request: sent.request, tags };
}

/**
 * The request carrying the token. Header values are trimmed by every HTTP stack (and by playgate),
 * so a token with leading or trailing whitespace travels percent-encoded in the query instead:
 * both verifiers must see exactly the same bytes.
 */
function request(rng, token) {
  const uri = rng.chance(0.5) ? '/live/index.m3u8' : '/live/720p/seg_00042.ts';
  const headers = {};
  if (rng.chance(0.8)) headers.origin = rng.chance(0.9) ? ORIGIN : 'https://evil.example.net';
  const edgeSpace = /^[\s\u0085]|[\s\u0085]$/u.test(token);
  const encoded = encodeURIComponent(token);
  // The query is bounded (8 KiB): a long token with whitespace at an end loses that whitespace.
  if (edgeSpace && encoded.length > 8000) return request(rng, token.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, ''));
  if (edgeSpace || (encoded.length < 4000 && rng.chance(0.3))) {
    return { token, request: { method: 'GET', uri, querystring: `a=1&token=${encoded}`, headers } };
  }
  headers[HEADER_NAME] = token;
  return { token, request: { method: 'GET', uri, querystring: 'a=1', headers } };
}

/**
 * A compact token over the given header and claims text, signed by `signerName` ('hs256', 'es384',
 * 'hs256-pem', 'none', ...) with the world's keys: for hand-written regression cases.
 */
export async function compact(world, signerName, headerText, payloadText) {
  const h = b64u(utf8(headerText));
  const p = b64u(utf8(payloadText));
  const sig = await signer({ signer: signerName }, world)(`${h}.${p}`);
  return `${h}.${p}.${b64u(sig)}`;
}

/** The P-384 group order, for signature-form cases. */
export const P384_ORDER = N;
