// Token issuing helpers: playback URLs for every format and placement, checked by a Gate with the
// matching config (the URL itself, a segment under it, a path outside the scope), Akamai tokens
// byte for byte against the Rust core (REFERENCE §2.3), and jose verifying the minted JWTs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { Gate, SigningKey, playbackUrl, mintAkamai, akamaiPlaybackUrl } from 'playgate';
import { loadCases } from './corpus.mjs';

const NOW = 1_800_000_000;
const secret = (n, fill) => Buffer.alloc(n, fill).toString('base64url');
const es384Pem = () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
const JWT_KEYS = [
  { kid: 'hs256', alg: 'HS256', secret: secret(32, 1) },
  { kid: 'hs384', alg: 'HS384', secret: secret(48, 2) },
  { kid: 'hs512', alg: 'HS512', secret: secret(64, 3) },
  { kid: 'es384', alg: 'ES384', private_key: es384Pem() },
];
const AKAMAI_HEX = '52a152a152a152a152a152a152a1';

// A URL as a gate request: `https://host/p?q` → { uri: '/p', querystring: 'q' }.
function request(url) {
  const u = url.replace(/^[a-z]+:\/\/[^/]*/, '');
  const q = u.indexOf('?');
  return q < 0 ? { method: 'GET', uri: u, querystring: '' } : { method: 'GET', uri: u.slice(0, q), querystring: u.slice(q + 1) };
}
// What a player fetches next: `name` resolved against the URL's directory, the query kept
// (query tokens are repeated on every request; path tokens travel in the path).
function sibling(url, name) {
  const q = url.indexOf('?');
  const [path, query] = q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q)];
  return path.slice(0, path.lastIndexOf('/') + 1) + name + query;
}
// The same token on a path outside its scope.
const outside = (url) => url.replace('/live/ch1/', '/live/ch2/');

test('JWT playback URLs: every algorithm × query / path (with and without session) is allowed in scope, denied outside', () => {
  for (const key of JWT_KEYS) {
    const sk = SigningKey.fromJson(key);
    const sources = [{ query: 'token' }, { query: 'tk' }, { path_segment: true }];
    const gate = Gate.fromConfig({ keys: [sk.verifyingEntry()], token: { sources } });
    const claims = { paths: ['/live/ch1/'] };
    const placements = [
      { url: 'https://cdn.example.com/live/ch1/index.m3u8' },
      { url: 'https://cdn.example.com/live/ch1/index.m3u8?x=1', param: 'tk' },
      { base: 'https://cdn.example.com/', path: '/live/ch1/index.m3u8', placement: 'path' },
      { url: '/live/ch1/index.m3u8?x=1', placement: 'path', sessionId: 'sess-1' },
    ];
    for (const p of placements) {
      const url = playbackUrl(sk, claims, { ...p, expiresIn: 60, now: NOW });
      const what = `${key.alg} ${JSON.stringify(p)}: ${url}`;
      assert.ok(url.startsWith(p.url ? p.url.split('/live')[0] : 'https://cdn.example.com/'), what);
      const manifest = gate.check(request(url), NOW);
      assert.equal(manifest.allow, true, what);
      assert.equal(manifest.forward.uri, '/live/ch1/index.m3u8', what);
      assert.equal(manifest.forward.querystring, url.includes('x=1') ? 'x=1' : '', what);
      const segment = gate.check(request(sibling(url, '720p/seg-00001.ts')), NOW);
      assert.equal(segment.allow, true, what);
      assert.equal(segment.forward.uri, '/live/ch1/720p/seg-00001.ts', what);
      assert.deepEqual(gate.check(request(outside(url)), NOW), { allow: false, status: 403, reason: 'path_not_allowed', request: null }, what);
      assert.equal(gate.check(request(url), NOW + 60).reason, 'expired', what);
      if (p.placement === 'path') {
        assert.ok(new URL(url, 'https://x').pathname.split('/')[1].split('.').length === (p.sessionId ? 4 : 3), what);
      }
    }
    sk.free();
  }
});

test('a path token is the first segment before the path; relative URIs keep it', () => {
  const key = JWT_KEYS[0];
  const url = playbackUrl(key, { exp: NOW + 5 }, { url: '/vod/a/index.m3u8?x=1', placement: 'path', sessionId: 's1' });
  const m = /^\/s1\.([^/]+)\/vod\/a\/index\.m3u8\?x=1$/.exec(url);
  assert.ok(m, url);
  const resolved = new URL('720p/seg.ts', `https://h${url}`).pathname;
  assert.equal(resolved, `/s1.${m[1]}/vod/a/720p/seg.ts`);
});

test('playback URL errors are typed: code invalid_url with detail, invalid_argument for options', () => {
  const key = JWT_KEYS[0];
  const urlError = (detail) => (e) => e instanceof TypeError && e.code === 'invalid_url' && e.detail === detail;
  assert.throws(() => playbackUrl(key, {}, { url: 'live/a.m3u8' }), urlError('not_absolute'));
  assert.throws(() => playbackUrl(key, {}, { url: 'https://host' }), urlError('not_absolute'));
  assert.throws(() => playbackUrl(key, {}, { url: '/a', param: 'a=b' }), urlError('bad_param'));
  assert.throws(() => playbackUrl(key, {}, { url: '/a', param: '' }), urlError('bad_param'));
  assert.throws(() => playbackUrl(key, {}, { url: '/a', placement: 'path', sessionId: 'a.b' }), urlError('not_path_safe'));
  assert.throws(() => playbackUrl(key, {}, { url: '/a', placement: 'path', sessionId: '' }), urlError('not_path_safe'));
  assert.throws(() => akamaiPlaybackUrl(AKAMAI_HEX, { url: '/a', param: 'x&y', exp: NOW }), urlError('bad_param'));
  const arg = { code: 'invalid_argument' };
  assert.throws(() => playbackUrl(key, {}, {}), arg);
  assert.throws(() => playbackUrl(key, {}, { url: '/a', placement: 'segment' }), arg);
  assert.throws(() => playbackUrl(key, {}, { url: '/a', sessionId: 's' }), arg);
  assert.throws(() => playbackUrl(key, {}, { url: '/a', placement: 'path', param: 't' }), arg);
  assert.throws(() => playbackUrl(key, {}, { url: '/a', path: '/b' }), arg);
  assert.throws(() => playbackUrl(key, {}, { url: 5 }), arg);
  assert.throws(() => playbackUrl({ kid: 'k', alg: 'HS256' }, {}, { url: '/a' }), { code: 'invalid_config', field: 'secret' });
});

test('query tokens are escaped once and decoded once by the gate', () => {
  const key = JWT_KEYS[0];
  const gate = Gate.fromConfig({ keys: [key], token: { sources: [{ query: 'token' }] } });
  const url = playbackUrl(key, { exp: NOW + 5 }, { url: '/a/b.m3u8?q=%20&r' });
  assert.match(url, /^\/a\/b\.m3u8\?q=%20&r&token=[\w.-]+$/);
  assert.deepEqual(gate.check(request(url), NOW).forward, { uri: '/a/b.m3u8', querystring: 'q=%20&r' });
});

test('Akamai: the REFERENCE §2.3 worked example byte for byte (hex string and config entry keys)', () => {
  const expected = 'st=1700000000~exp=1700003600~acl=/live/channel1/*~hmac=1d19445d001ca19df00505443f3e85ced9e4fb82a7c6d4ac5513f284cd34b9db';
  const opts = { st: 1700000000, exp: 1700003600, acl: '/live/channel1/*' };
  assert.equal(mintAkamai(AKAMAI_HEX, opts), expected);
  assert.equal(mintAkamai({ kid: 'k', secret_hex: AKAMAI_HEX.toUpperCase() }, { ...opts, algorithm: 'sha256' }), expected);
  // expiresIn from now gives the same exp.
  assert.equal(mintAkamai(AKAMAI_HEX, { st: 1700000000, acl: '/live/channel1/*', now: 1700000000.9, expiresIn: 3600 }), expected);
});

test('Akamai tokens match the Rust core: every allowed corpus token (minted by akamai::mint) re-minted byte for byte', () => {
  let checked = 0;
  for (const c of loadCases()) {
    if (!c.expect.allow || !c.config.akamai) continue;
    // The token wherever the case carries it (query, cookie, header; any request shape).
    const m = /(?:ip|st|exp)(?:=|%3D)[^"&;\s]*?(?:~|%7E)hmac(?:=|%3D)[0-9a-fA-F]+/.exec(JSON.stringify(c.request));
    if (!m) continue;
    const token = decodeURIComponent(m[0]);
    const req = c.request.Records ? c.request.Records[0].cf.request : c.request.request ?? c.request;
    if (!/~hmac=[0-9a-f]+$/.test(token)) continue;
    const fields = Object.fromEntries(token.replace(/~hmac=.*$/, '').split('~').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
    const opts = {
      ...fields, st: fields.st === undefined ? undefined : Number(fields.st), exp: Number(fields.exp),
      url: fields.acl === undefined ? req.uri : undefined,
      algorithm: c.config.akamai.algorithm, salt: c.config.akamai.salt,
    };
    const minted = c.config.akamai.keys.map((k) => mintAkamai(k, opts));
    assert.ok(minted.includes(token), `${c.id}: ${token} not in ${minted}`);
    checked++;
  }
  assert.ok(checked >= 20, `only ${checked} corpus tokens`);
});

test('Akamai playback URLs: ACL and URL tokens, every algorithm, salt, allowed in scope and denied outside', () => {
  for (const algorithm of ['sha256', 'sha1', 'md5']) {
    for (const salt of [undefined, 'pepper']) {
      for (const param of ['__token__', 'hdnts']) {
        const akamai = { keys: [{ kid: 'cur', secret_hex: '00112233445566778899aabbccddeeff' }, { kid: 'old', secret_hex: AKAMAI_HEX }], algorithm, ...(salt ? { salt } : {}) };
        const gate = Gate.fromConfig({ keys: [], akamai, token: { sources: [{ query: param }] } });
        const base = { st: NOW - 10, expiresIn: 60, now: NOW, algorithm, salt, param, ip: '203.0.113.7', id: 'sess', data: 'a&b c' };
        const what = `${algorithm} salt=${salt} ${param}`;
        // ACL token opening the channel directory, signed with the transition key.
        const acl = akamaiPlaybackUrl(AKAMAI_HEX, { ...base, url: 'https://cdn.example.com/live/ch1/index.m3u8?x=1', acl: '/live/ch1/*' });
        assert.ok(acl.startsWith(`https://cdn.example.com/live/ch1/index.m3u8?x=1&${param}=ip=203.0.113.7~st=`), acl);
        const req = (url) => ({ ...request(url), clientIp: '203.0.113.7' });
        const d = gate.check(req(acl), NOW);
        assert.equal(d.allow, true, `${what} ${acl} ${d.reason}`);
        assert.deepEqual(d.forward, { uri: '/live/ch1/index.m3u8', querystring: 'x=1' });
        assert.equal(gate.check(req(sibling(acl, '720p/seg.ts')), NOW).allow, true, what);
        assert.equal(gate.check(req(outside(acl)), NOW).reason, 'path_not_allowed', what);
        assert.equal(gate.check({ ...req(acl), clientIp: '203.0.113.8' }, NOW).reason, 'binding_mismatch', what);
        // URL token: opens exactly its path (the HMAC covers it), with the current key.
        const url = akamaiPlaybackUrl({ secret_hex: '00112233445566778899aabbccddeeff' }, { ...base, base: 'https://cdn.example.com', path: '/live/ch1/index.m3u8' });
        assert.equal(gate.check(req(url), NOW).allow, true, `${what} ${url}`);
        assert.equal(gate.check(req(sibling(url, 'seg.ts')), NOW).reason, 'bad_signature', what);
        assert.equal(gate.check(req(outside(url)), NOW).reason, 'bad_signature', what);
      }
    }
  }
});

test('Akamai errors are typed', () => {
  const claims = (detail) => (e) => e instanceof TypeError && e.code === 'invalid_claims' && e.detail === detail;
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: 5 }), claims('no_scope'));
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: 5, acl: '/a~b' }), claims('bad_value'));
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: 5, acl: '/a', id: '' }), claims('bad_value'));
  const config = (field) => (e) => e.code === 'invalid_config' && e.field === field;
  assert.throws(() => mintAkamai('abc', { exp: 5, acl: '/a' }), config('secret_hex'));
  assert.throws(() => mintAkamai('zz', { exp: 5, acl: '/a' }), config('secret_hex'));
  assert.throws(() => mintAkamai({ hex: AKAMAI_HEX }, { exp: 5, acl: '/a' }), config('secret_hex'));
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: 5, acl: '/a', algorithm: 'sha512' }), config('algorithm'));
  const arg = { code: 'invalid_argument' };
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: -1, acl: '/a' }), arg);
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: 1.5, acl: '/a' }), arg);
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: '5', acl: '/a' }), arg);
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: 5, expiresIn: 5, acl: '/a' }), arg);
  assert.throws(() => mintAkamai(AKAMAI_HEX, { exp: 5, acl: 7 }), arg);
  assert.throws(() => mintAkamai(AKAMAI_HEX, { st: NaN, exp: 5, acl: '/a' }), arg);
  assert.throws(() => akamaiPlaybackUrl(AKAMAI_HEX, { exp: 5, acl: '/a' }), arg);
});

test('jose verifies the tokens inside minted JWT playback URLs', async () => {
  const hsSecret = crypto.getRandomValues(new Uint8Array(32));
  const hs = { kid: 'k1', alg: 'HS256', secret: Buffer.from(hsSecret).toString('base64url') };
  const { publicKey, privateKey } = await jose.generateKeyPair('ES384', { extractable: true });
  const es = { kid: 'ivs', alg: 'ES384', private_key: await jose.exportPKCS8(privateKey) };
  const claims = { 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/x', paths: ['/live/'] };
  for (const [key, verifier] of [[hs, hsSecret], [es, publicKey]]) {
    const q = playbackUrl(key, claims, { url: 'https://h/live/index.m3u8', expiresIn: 60, includeKid: false });
    const p = playbackUrl(key, claims, { url: 'https://h/live/index.m3u8', expiresIn: 60, placement: 'path', sessionId: 'abc' });
    const fromQuery = new URL(q).searchParams.get('token');
    const fromPath = new URL(p).pathname.split('/')[1].split('.').slice(1).join('.');
    for (const t of [fromQuery, fromPath]) {
      const { payload, protectedHeader } = await jose.jwtVerify(t, verifier, { algorithms: [key.alg] });
      assert.equal(protectedHeader.alg, key.alg);
      assert.deepEqual(payload.paths, ['/live/']);
      assert.equal(payload['aws:channel-arn'], claims['aws:channel-arn']);
      assert.ok(payload.exp > Date.now() / 1000);
    }
    assert.equal(jose.decodeProtectedHeader(fromQuery).kid, undefined);
    assert.equal(jose.decodeProtectedHeader(fromPath).kid, key.kid);
  }
});
