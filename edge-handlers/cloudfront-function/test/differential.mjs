// Hand-made cases at the edges where a JavaScript port can drift from the Rust core (JSON.parse vs
// serde_json, UTF-16 vs UTF-8 lengths, JS vs Rust trimming, base64 leniency, number types). Their
// expectations come from the core itself: `playgate check` (the CLI) decides each one first.

import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './harness.mjs';

export const CLI = process.env.PLAYGATE_CLI || path.join(ROOT, 'target/debug/playgate');
export const NOW = 1800000000;
const SECRET = Buffer.alloc(32, 7);
const SECRET2 = Buffer.alloc(40, 9);

export const CONFIGS = {
  all: {
    keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET.toString('base64url') }, { kid: 'k2', alg: 'HS256', secret: SECRET2.toString('base64url') }],
    token: { sources: [{ query: 'token' }, { cookie: 'pg_token' }, { bearer: true }, { path_segment: true }], max_length: 600 },
    claims: { leeway: 5, max_lifetime: 3600 },
    deny: { status: 418, missing_token_status: 499 },
  },
  // The `header` source (newer in the core: its cases are dropped when the core refuses the config).
  header: {
    keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET.toString('base64url') }],
    token: { sources: [{ header: 'x-playgate-token' }, { query: 'token' }] },
  },
  channel: {
    keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET.toString('base64url') }],
    claims: { channel: { path: '/ch/{id}/v/', arn: 'arn:aws:ivs:eu-west-1:1:channel/{id}-x' }, require_exp: false },
  },
};

const b64 = (s) => Buffer.from(s).toString('base64url');

/** A JWS over raw header/payload JSON text, signed with `key` (default k1's secret). */
export function token(header, payload, key = SECRET) {
  const hp = `${b64(header)}.${b64(payload)}`;
  return `${hp}.${crypto.createHmac('sha256', key).update(hp).digest('base64url')}`;
}

const H = '{"alg":"HS256","kid":"k1"}';
const exp = (extra = '') => `{"exp":${NOW + 60}${extra}}`;
const q = (t, uri = '/v/a.ts', more = '') => ({ method: 'GET', uri, querystring: `token=${t}${more}`, headers: {}, cookies: {} });

export function cases() {
  const ok = token(H, exp());
  const list = [
    ['valid', 'all', q(ok, '/v/a.ts', '&x=1&y=%20')],
    ['no kid tries every HS256 key', 'all', q(token('{"alg":"HS256"}', exp(), SECRET2))],
    ['lone surrogate escape in a claim', 'all', q(token(H, exp(',"x":"\\ud800"')))],
    ['lone low surrogate key', 'all', q(token(H, exp(',"\\udc00":1')))],
    ['surrogate pair is fine', 'all', q(token(H, exp(',"x":"\\ud83d\\ude00"')))],
    ['escaped backslash before u', 'all', q(token(H, exp(',"x":"\\\\ud800"')))],
    ['number out of f64 range', 'all', q(token(H, exp(',"x":1e400')))],
    ['huge integer', 'all', q(token(H, exp(`,"x":${'9'.repeat(400)}`)))],
    ['viewer-session-version -0', 'all', q(token(H, exp(',"aws:viewer-session-version":-0')))],
    ['viewer-session-version 5.0', 'all', q(token(H, exp(',"aws:viewer-session-version":5.0')))],
    ['viewer-session-version 5e0', 'all', q(token(H, exp(',"aws:viewer-session-version":5e0')))],
    ['viewer-session-version i64 max', 'all', q(token(H, exp(',"aws:viewer-session-version":9223372036854775807')))],
    ['viewer-session-version i64 max + 1', 'all', q(token(H, exp(',"aws:viewer-session-version":9223372036854775808')))],
    ['viewer-session-version i64 min', 'all', q(token(H, exp(',"aws:viewer-session-version":-9223372036854775808')))],
    ['viewer-session-version i64 min - 1', 'all', q(token(H, exp(',"aws:viewer-session-version":-9223372036854775809')))],
    ['nesting 31', 'all', q(token(H, exp(`,"x":${'['.repeat(30)}${']'.repeat(30)}`)))],
    // njs 0.7's JSON.parse stops at 31 levels (the core at 127): refused there, fail-closed.
    ['nesting 127', 'all', q(token(H, exp(`,"x":${'['.repeat(126)}${']'.repeat(126)}`))), 'njs JSON.parse nests at most 31 levels'],
    ['nesting 128', 'all', q(token(H, exp(`,"x":${'['.repeat(127)}${']'.repeat(127)}`)))],
    ['duplicate via escape', 'all', q(token(H, exp(',"a":1,"\\u0061":2')))],
    ['duplicate nested', 'all', q(token(H, exp(',"o":{"b":1,"b":2}')))],
    ['same name in different objects', 'all', q(token(H, exp(',"o":{"exp":1}')))],
    ['duplicate header member', 'all', q(token('{"alg":"HS256","kid":"k1","kid":"k1"}', exp()))],
    ['__proto__ claim', 'all', q(token(H, exp(',"__proto__":{"exp":1}')))],
    ['BOM before header', 'all', q(token('\ufeff' + H, exp()))],
    ['whitespace around header', 'all', q(token(` ${H}\n`, exp()))],
    ['invalid UTF-8 in payload', 'all', q(`${b64(H)}.${Buffer.from([0x7b, 0x22, 0xc0, 0x80, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}.AAAA`)],
    ['non-canonical base64 trailing bits', 'all', q(ok.slice(0, -1) + (ok.endsWith('A') ? 'B' : 'A'))],
    ['base64 padding', 'all', q(ok + '=')],
    ['standard base64 alphabet', 'all', q(ok.replace(/-/g, '+').replace(/_/g, '/'))],
    ['empty signature', 'all', q(ok.slice(0, ok.lastIndexOf('.') + 1))],
    ['two parts', 'all', q(ok.slice(0, ok.lastIndexOf('.')))],
    ['four parts in query', 'all', q(`a.${ok}`)],
    ['cty JWT', 'all', q(token('{"alg":"HS256","kid":"k1","cty":"JWT"}', exp()))],
    ['cty Json', 'all', q(token('{"alg":"HS256","kid":"k1","cty":"Json"}', exp()))],
    ['crit null', 'all', q(token('{"alg":"HS256","kid":"k1","crit":null}', exp()))],
    ['kid number', 'all', q(token('{"alg":"HS256","kid":1}', exp()))],
    ['kid unknown', 'all', q(token('{"alg":"HS256","kid":"nope"}', exp()))],
    ['kid too long', 'all', q(token(`{"alg":"HS256","kid":"${'k'.repeat(200)}"}`, exp()))],
    ['alg none with kid', 'all', q(token('{"alg":"none","kid":"k1"}', exp()))],
    ['alg none without kid', 'all', q(token('{"alg":"none"}', exp()))],
    ['alg HS384 without kid', 'all', q(token('{"alg":"HS384"}', exp()))],
    ['exp == now', 'all', q(token(H, `{"exp":${NOW}}`))],
    ['exp long past', 'all', q(token(H, `{"exp":${NOW - 100}}`))],
    ['exp within leeway', 'all', q(token(H, `{"exp":${NOW - 4}}`))],
    ['exp fractional', 'all', q(token(H, `{"exp":${NOW - 5}.5}`))],
    ['exp string', 'all', q(token(H, `{"exp":"${NOW + 60}"}`))],
    ['exp null', 'all', q(token(H, '{"exp":null}'))],
    ['exp milliseconds', 'all', q(token(H, `{"exp":${(NOW + 60) * 1000}}`))],
    ['no exp', 'all', q(token(H, '{}'))],
    ['nbf in leeway', 'all', q(token(H, exp(`,"nbf":${NOW + 5}`)))],
    ['nbf beyond leeway', 'all', q(token(H, exp(`,"nbf":${NOW + 6}`)))],
    ['viewer-id lifetime 600', 'all', q(token(H, `{"exp":${NOW + 600},"aws:viewer-id":"v"}`))],
    ['viewer-id lifetime 601', 'all', q(token(H, `{"exp":${NOW + 601},"aws:viewer-id":"v"}`))],
    ['viewer-id 40 astral chars', 'all', q(token(H, exp(`,"aws:viewer-id":"${'\u{1F600}'.repeat(40)}"`)))],
    ['viewer-id 41 chars', 'all', q(token(H, exp(`,"aws:viewer-id":"${'v'.repeat(41)}"`)))],
    ['viewer-id empty', 'all', q(token(H, exp(',"aws:viewer-id":""')))],
    ['single-use uuid upper', 'all', q(token(H, exp(',"aws:single-use-uuid":"123E4567-E89B-12D3-A456-426614174000"')))],
    ['single-use not uuid', 'all', q(token(H, exp(',"aws:single-use-uuid":"123e4567e89b12d3a456426614174000"')))],
    ['max resolution', 'all', q(token(H, exp(',"aws:maximum-resolution":"HD"')))],
    ['max resolution bad', 'all', q(token(H, exp(',"aws:maximum-resolution":"4K"')))],
    ['strict origin string', 'all', q(token(H, exp(',"aws:strict-origin-enforcement":"true"')))],
    ['origin wildcard on manifest', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":"https://*.example.com"')), '/v/index.m3u8'), headers: { origin: 'https://a.b.example.com' } }],
    ['origin wildcard, bare domain', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":"https://*.example.com"')), '/v/index.m3u8'), headers: { origin: 'https://example.com' } }],
    ['origin case-insensitive', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":" HTTPS://Player.Example.com ,https://b"')), '/v/index.mpd'), headers: { origin: 'https://player.example.COM' } }],
    ['origin Kelvin sign is not k', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":"https://key.com"')), '/v/index.m3u8'), headers: { origin: 'https://\u212Aey.com' } }],
    ['origin list entry BOM-star', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":"\\ufeff*"')), '/v/index.m3u8'), headers: { origin: 'https://x.com' } }],
    ['origin list entry NEL-trimmed', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":"\\u0085https://x.com"')), '/v/index.m3u8'), headers: { origin: 'https://x.com' } }],
    ['origin absent on manifest', 'all', q(token(H, exp(',"aws:access-control-allow-origin":"https://a.com"')), '/v/index.m3u8')],
    ['origin absent on segment', 'all', q(token(H, exp(',"aws:access-control-allow-origin":"https://a.com"')), '/v/seg.ts')],
    ['origin strict on segment', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":"https://a.com","aws:strict-origin-enforcement":true')), '/v/seg.ts'), headers: { origin: 'https://b.com' } }],
    ['origin with port vs wildcard', 'all', { ...q(token(H, exp(',"aws:access-control-allow-origin":"https://*.a.com"')), '/v/i.m3u8'), headers: { origin: 'https://x.a.com:444' } }],
    ['query token percent-encoded', 'all', q(encodeURIComponent(ok).replace(/\./g, '%2E'))],
    ['query token bad escape', 'all', q(ok + '%zz')],
    ['query token non-UTF-8 escape', 'all', q(ok + '%ff')],
    ['query token encoded surrogate', 'all', q(ok + '%ED%A0%80')],
    ['query token repeated', 'all', q(ok, '/v/a.ts', `&token=${ok}`)],
    ['query token empty', 'all', { ...q(''), querystring: 'token=&a=1' }],
    ['query token valueless', 'all', { ...q(''), querystring: 'a=1&token' }],
    ['token too long', 'all', q(token(H, exp(`,"pad":"${'p'.repeat(500)}"`)))],
    ['token at max length', 'all', q(ok, '/v/a.ts', '')],
    ['cookie token', 'all', { method: 'GET', uri: '/v/a.ts', querystring: 'x=1', headers: {}, cookies: { pg_token: ok } }],
    ['cookie empty', 'all', { method: 'GET', uri: '/v/a.ts', querystring: '', headers: {}, cookies: { pg_token: '' } }],
    ['bearer', 'all', { method: 'GET', uri: '/v/a.ts', querystring: '', headers: { authorization: `BeArEr   ${ok}  ` }, cookies: {} }],
    ['bearer NEL-padded', 'all', { method: 'GET', uri: '/v/a.ts', querystring: '', headers: { authorization: `Bearer \u0085${ok}` }, cookies: {} }],
    ['bearer BOM-padded', 'all', { method: 'GET', uri: '/v/a.ts', querystring: '', headers: { authorization: `Bearer \ufeff${ok}` }, cookies: {} }],
    ['basic auth is not a token', 'all', { method: 'GET', uri: '/v/a.ts', querystring: '', headers: { authorization: 'Basic abc' }, cookies: {} }],
    ['bearer without space', 'all', { method: 'GET', uri: '/v/a.ts', querystring: '', headers: { authorization: 'Bearer' }, cookies: {} }],
    ['path token', 'all', { method: 'GET', uri: `/${ok}/v/a.ts`, querystring: 'x=1', headers: {}, cookies: {} }],
    ['path session token', 'all', { method: 'GET', uri: `/sess-1.${ok}/v/a.ts`, querystring: '', headers: {}, cookies: {} }],
    ['path token only segment', 'all', { method: 'GET', uri: `/${ok}`, querystring: '', headers: {}, cookies: {} }],
    ['path with dots but not a token', 'all', { method: 'GET', uri: '/video.v1.m3u8', querystring: '', headers: {}, cookies: {} }],
    ['no token', 'all', { method: 'GET', uri: '/v/a.ts', querystring: 'x=1', headers: {}, cookies: {} }],
    ['uri without slash', 'all', { ...q(ok), uri: 'v/a.ts' }],
    ['uri too long', 'all', q(ok, `/${'a'.repeat(8200)}`)],
    ['uri 8192 bytes', 'all', q(ok, `/${'a'.repeat(8191)}`)],
    ['uri multibyte over 8192 bytes', 'all', q(ok, `/${'é'.repeat(4096)}`)],
    ['query too long', 'all', q(ok, '/v/a.ts', `&p=${'q'.repeat(8200)}`)],
    ['header token', 'header', { method: 'GET', uri: '/v/a.ts', querystring: 'token=x', headers: { 'x-playgate-token': ` ${ok}\t` }, cookies: {} }],
    ['header token repeated', 'header', { method: 'GET', uri: '/v/a.ts', querystring: '', headers: { 'x-playgate-token': [ok, ok] }, cookies: {} }],
    ['header token empty', 'header', { method: 'GET', uri: '/v/a.ts', querystring: `token=${ok}`, headers: { 'x-playgate-token': '  ' }, cookies: {} }],
    ['header absent, query next', 'header', q(ok)],
    ['channel from path', 'channel', q(token(H, '{"aws:channel-arn":"arn:aws:ivs:eu-west-1:1:channel/abc-x"}'), '/ch/abc/v/1.ts')],
    ['channel other id', 'channel', q(token(H, '{"aws:channel-arn":"arn:aws:ivs:eu-west-1:1:channel/abc-x"}'), '/ch/abd/v/1.ts')],
    ['channel path rest mismatch', 'channel', q(token(H, '{"aws:channel-arn":"arn:aws:ivs:eu-west-1:1:channel/abc-x"}'), '/ch/abc/w/1.ts')],
    ['channel empty id', 'channel', q(token(H, '{"aws:channel-arn":"arn:aws:ivs:eu-west-1:1:channel/-x"}'), '/ch//v/1.ts')],
    ['channel claim missing', 'channel', q(token(H, '{}'), '/ch/abc/v/1.ts')],
    ['channel claim number', 'channel', q(token(H, '{"aws:channel-arn":5}'), '/ch/abc/v/1.ts')],
  ];
  return list.map(([name, config, request, njsLimit]) => ({ name, config, request, now: NOW, njsLimit }));
}

/** Decides every case with the core's CLI; returns corpus-shaped cases with `expect`. */
export function withCoreExpectations(list) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-diff-'));
  try {
    const configPaths = {};
    for (const [name, c] of Object.entries(CONFIGS)) {
      configPaths[name] = path.join(dir, `${name}.json`);
      fs.writeFileSync(configPaths[name], JSON.stringify(c));
    }
    const refused = new Set();
    return list.map((c, i) => {
      const req = path.join(dir, `r${i}.json`);
      fs.writeFileSync(req, JSON.stringify(lambdaEdgeIfMulti(c.request)));
      let out;
      try {
        out = execFileSync(CLI, ['check', '--config', configPaths[c.config], '--request', req, '--now', String(c.now)], { stdio: 'pipe' });
      } catch (e) {
        if (e.status !== 0 && e.status !== 1 && c.config === 'header') {
          refused.add(c.config);
          return undefined;
        }
        if (e.status !== 1) throw new Error(`playgate check failed on ${c.name}: ${e.stderr}`);
        out = e.stdout;
      }
      const d = JSON.parse(out.toString());
      const expect = { allow: d.allow, status: d.status, reason: d.reason };
      if (d.forward) expect.forward = d.forward;
      return { ...c, request: lambdaEdgeIfMulti(c.request), file: 'differential', configName: c.config, configText: JSON.stringify(CONFIGS[c.config]), expect };
    }).filter(Boolean);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Plain requests cannot repeat a header: those with an array value become Lambda@Edge events. */
function lambdaEdgeIfMulti(r) {
  if (!Object.values(r.headers || {}).some(Array.isArray)) return r;
  const headers = {};
  for (const [n, v] of Object.entries(r.headers)) headers[n] = [].concat(v).map((value) => ({ key: n, value }));
  const cookie = Object.entries(r.cookies || {}).map(([n, v]) => `${n}=${v}`).join('; ');
  if (cookie) headers.cookie = [{ key: 'Cookie', value: cookie }];
  return { Records: [{ cf: { config: {}, request: { clientIp: r.clientIp || '203.0.113.7', method: r.method, uri: r.uri, querystring: r.querystring, headers } } }] };
}

/**
 * Seeded random requests around the decision boundaries (claim types and values, header members,
 * keys, sources, origins, channel paths), to be decided by the core like the hand-made ones.
 */
export function randomCases(seed0, n) {
  let seed = seed0;
  // xorshift32: deterministic across Node versions.
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const vals = ['1', '-1', '0', '-0', '1.5', '1e3', `${NOW + 30}`, `${NOW - 30}`, `${NOW + 700}`, `${NOW + 3599}.9`, `${NOW + 3601}`, '"x"', '""', 'true', 'false', 'null', '[]', '{}', '"123e4567-e89b-12d3-a456-426614174000"', '"SD"', '"FULL_HD"', '"https://a.com, https://*.b.com"', '"*"', '"arn:aws:ivs:eu-west-1:1:channel/abc-x"', '9223372036854775807', '9223372036854775808', '1e400', '"\\u0000"', `"${'v'.repeat(40)}"`, '"\\ud83d\\ude00"'];
  const claims = ['exp', 'nbf', 'iat', 'aws:channel-arn', 'aws:access-control-allow-origin', 'aws:strict-origin-enforcement', 'aws:single-use-uuid', 'aws:viewer-id', 'aws:viewer-session-version', 'aws:maximum-resolution', 'other'];
  const list = [];
  for (let i = 0; i < n; i++) {
    const members = [];
    if (rnd() < 0.9) members.push(`"exp":${pick([`${NOW + 60}`, `${NOW + 5}`, `${NOW - 5}`, `${NOW}`, `${NOW + 3600}`, `${NOW + 3601}`, '"1"'])}`);
    const n = Math.floor(rnd() * 4);
    for (let j = 0; j < n; j++) members.push(`"${pick(claims)}":${pick(vals)}`);
    const payload = `{${members.join(',')}}`;
    const hm = [`"alg":${(rnd() < 0.85 ? '"HS256"' : pick(['"none"', '"HS384"', '"hs256"', '1']))}`];
    const kid = rnd() < 0.7 ? '"k1"' : pick(['"k1"', '"k1"', '"k2"', null, null, '"zz"', '5', '""']);
    if (kid) hm.push(`"kid":${kid}`);
    if (rnd() < 0.2) hm.push(pick(['"typ":"JWT"', '"cty":"json"', '"cty":"jwt"', '"crit":["exp"]', '"jwk":{}', '"x5u":"u"', '"b64":false']));
    const header = `{${hm.join(',')}}`;
    const key = kid === '"k2"' || (kid === null && rnd() < 0.5) ? Buffer.alloc(40, 9) : rnd() < 0.1 ? Buffer.alloc(32, 1) : Buffer.alloc(32, 7);
    let t = token(header, payload, key);
    if (rnd() < 0.05) t = t.slice(0, -2);
    const uri = pick(['/v/a.ts', '/v/index.m3u8', '/x.mpd', '/ch/abc/v/1.ts']);
    const origin = pick([undefined, 'https://a.com', 'https://x.b.com', 'https://b.com', 'http://a.com']);
    const headers = origin ? { origin } : {};
    const where = pick(['q', 'q', 'c', 'b', 'p', 'ps']);
    let req = { method: 'GET', uri, querystring: 'z=1', headers, cookies: {} };
    if (where === 'q') req.querystring = `a=1&token=${t}`;
    if (where === 'c') req.cookies = { pg_token: t };
    if (where === 'b') req.headers = { ...headers, authorization: `Bearer ${t}` };
    if (where === 'p') req.uri = `/${t}${uri}`;
    if (where === 'ps') req.uri = `/sid.${t}${uri}`;
    list.push({ name: `random ${seed0}/${i} ${header} ${payload} ${where}`, config: rnd() < 0.2 ? 'channel' : 'all', request: req, now: NOW });
  }
  return list;
}
