// Hand-made edge cases for the playback policies (path normal form and globs, IP/CIDR text, binding
// digests, resolution caps, Akamai EdgeAuth parsing), decided by the core (`playgate check`) and run
// through the generated function in Node and under njs. Where a JS port drifts easily: escapes,
// dot segments, non-ASCII `?`, IPv6 spellings, leading zeros, field order and case.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { njsAvailable, runNjs, runNode } from './conformance.mjs';
import { CLI, NOW } from './differential.mjs';

const haveCli = fs.existsSync(CLI);
const KEY = Buffer.alloc(32, 7), BKEY = Buffer.alloc(32, 11), BKEY2 = Buffer.alloc(32, 12);
const AK1 = '706c6179676174652d746573742d6f6e6c79', AK2 = '00112233445566778899aabbccddeeff';
const b64 = (s) => Buffer.from(s).toString('base64url');

const CONFIGS = {
  jwt: {
    keys: [{ kid: 'k1', alg: 'HS256', secret: KEY.toString('base64url') }],
    paths: { exempt: ['/ads/**', '/pub/*.m3u8'] },
    binding: { keys: [BKEY.toString('base64url'), BKEY2.toString('base64url')] },
    resolution: { renditions: [{ pattern: '/**/1080p/**', lines: 1080 }, { pattern: '/**/720p/**', lines: 720 }] },
  },
  plain: { keys: [{ kid: 'k1', alg: 'HS256', secret: KEY.toString('base64url') }], token: { sources: [{ query: 'token' }, { path_segment: true }] } },
  akamai: {
    akamai: { keys: [{ kid: 'cur', secret_hex: AK1 }, { kid: 'old', secret_hex: AK2 }], algorithm: 'sha1', salt: 'pepper' },
    token: { sources: [{ query: '__token__' }, { cookie: '__token__' }] },
    paths: { exempt: ['/ads/**'] },
  },
};

const jwt = (claims) => {
  const hp = `${b64('{"alg":"HS256","kid":"k1"}')}.${b64(JSON.stringify({ exp: NOW + 60, ...claims }))}`;
  return `${hp}.${crypto.createHmac('sha256', KEY).update(hp).digest('base64url')}`;
};
const bind = (items, key = BKEY) => ({
  v: items.map(([n]) => n),
  mac: crypto.createHmac('sha256', key).update(['playgate-bind-v1', ...items.map(([n, v]) => `\n${n}=${v}`)].join('')).digest('base64url'),
});
const edge = (fields, key = AK1, alg = 'sha1', url, salt = 'pepper') => {
  const input = fields + (url !== undefined ? `~url=${url}` : '') + (salt ? `~salt=${salt}` : '');
  return `${fields}~hmac=${crypto.createHmac(alg, Buffer.from(key, 'hex')).update(input).digest('hex')}`;
};
const req = (uri, query = '', extra = {}) => ({ method: 'GET', uri, querystring: query, headers: {}, cookies: {}, clientIp: '203.0.113.7', ...extra });

function cases() {
  const list = [];
  const add = (name, config, request) => list.push({ name, config, request });
  // Scopes and the normal form.
  const scope = ['/v/1/', '/live/*.m3u8', '/a/**/z', '/caf?/x', '/%7euser/*', '/s/seg_?.ts'];
  for (const uri of ['/v/1', '/v/1/', '/v/10/x', '/v/1/../2', '/v/1/%2e%2e/2', '/v/1/.%2E/../1/a', '/v/1/%2E/a', '/v//1//a', '/v/1/a%2fb',
    '/v/1/a%5C', '/v/1/a\\b', '/v/1/%00', '/v/1/%', '/v/1/%zz', '/v/1/%41%7a', '/v/1/a%c3%a9', '/v/1/a%25', '/café/x', '/caf%C3%A9/x',
    '/cafe/x', '/caf😀/x', '/~user/a', '/%7Euser/a', '/~user/a/b', '/a/z', '/a/b/c/z', '/a/b/zz', '/live/index.m3u8', '/live/a/index.m3u8',
    '/s/seg_1.ts', '/s/seg_10.ts', '/s/seg_é.ts', '/..', '/v/1/..', '/v/1/.', '/v/1/./']) {
    add(`scope ${uri}`, 'plain', req(uri, `token=${jwt({ paths: scope })}`));
  }
  for (const [n, p] of [['string', '/v/'], ['empty', []], ['number', [1]], ['partial **', ['/a**']], ['relative', ['v/']],
    ['33 patterns', Array(33).fill('/v/')], ['above root', ['/../x']], ['bad escape', ['/v/%zz']], ['null', null], ['32 patterns', Array(32).fill('/w/')]]) {
    add(`scope claim ${n}`, 'plain', req('/v/1/a.ts', `token=${jwt({ paths: p })}`));
  }
  add('path token with scope', 'plain', req(`/${jwt({ paths: ['/v/'] })}/v/../v/a.ts`));
  add('path session token with scope outside', 'plain', req(`/sess.${jwt({ paths: ['/v/'] })}/w/a.ts`));
  // Exempt paths.
  for (const uri of ['/ads/x.ts', '/ads', '/ads/../v/x', '/ads/%2e%2e/v', '/ads/a%2fb', '/pub/a.m3u8', '/pub/a/b.m3u8', '/ADS/x', '/ads%2Fx']) {
    add(`exempt ${uri}`, 'jwt', req(uri, 'x=1&token=abc'));
  }
  // Plain IP claims against client IPs (CloudFront always fills viewer.ip; the harness keeps its default
  // address for an empty clientIp, so '' is not among them).
  const ips = ['192.0.2.7', '::ffff:192.0.2.7', '2001:db8::1', '2001:0db8:0:0:0:0:0:0001', '2001:DB8::1', 'fe80::1%eth0', '010.0.0.1',
    '1:2:3:4:5:6:7:8:9', '1::2::3', '::', '::1', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:7::', ':1:2:3:4:5:6:7', '[::1]', '256.1.1.1', '1.2.3'];
  const claims = ['192.0.2.0/24', '2001:db8::/32', '::ffff:192.0.2.0/120', '::ffff:192.0.2.7', '0.0.0.0/0', '::/0', '2001:db8::1/128',
    '192.0.2.7/32', ['198.51.100.1', '2001:db8::1'], '1.2.3.4/33', '1.2.3.4/01', '::/129', '1.2.3.4/', 'x', [], [7], '::ffff:0:0/96', '2001:db8:0:0:0:0:0:1/64'];
  for (const ip of ips) for (const c of claims) add(`ip claim ${JSON.stringify(c)} client ${ip}`, 'plain', req('/v/a.ts', `token=${jwt({ ip: c })}`, { clientIp: ip }));
  // Digest claims.
  const h = { 'cloudfront-viewer-country': 'SE', 'user-agent': 'UA/1', 'x-dev': 'd1' };
  const dig = (name, items, key, extra = {}, query = '') =>
    add(`digest ${name}`, 'jwt', req('/v/a.ts', `token=${jwt({ bind: bind(items, key) })}${query}`, { headers: h, ...extra }));
  dig('ip v4', [['ip', '203.0.113.7']]);
  dig('ip v6 canonical', [['ip', '2001:db8::1']], BKEY, { clientIp: '2001:0DB8:0:0::1' });
  dig('ip v6 uncompressed value', [['ip', '2001:db8:0:0:0:0:0:1']], BKEY, { clientIp: '2001:db8::1' });
  dig('ip mapped', [['ip', '203.0.113.7']], BKEY, { clientIp: '::ffff:203.0.113.7' });
  dig('ip/24', [['ip/24', '203.0.113.0/24']], BKEY, { clientIp: '203.0.113.99' });
  dig('ip/64 v6', [['ip/64', '2001:db8:1:2::/64']], BKEY, { clientIp: '2001:db8:1:2:3:4:5:6' });
  dig('ip/48 run choice', [['ip/48', '1:0:0::/48']], BKEY, { clientIp: '1::5:0:0:1' });
  dig('ip zero runs', [['ip', '1:0:0:2::3']], BKEY, { clientIp: '1:0:0:2:0:0:0:3' });
  dig('ip equal runs', [['ip', '1::2:0:0:3']], BKEY, { clientIp: '1:0:0:2:0:0:3' });
  dig('ip single zero', [['ip', '1:0:2:3:4:5:6:7']], BKEY, { clientIp: '1:0:2:3:4:5:6:7' });
  dig('ip/33 on v4', [['ip/33', '203.0.113.7/33']]);
  dig('ip/0', [['ip/0', '0.0.0.0/0']]);
  dig('country ua header', [['country', 'SE'], ['ua', 'UA/1'], ['header:x-dev', 'd1']]);
  dig('rotated key', [['country', 'SE']], BKEY2);
  dig('unknown key', [['country', 'SE']], Buffer.alloc(32, 99));
  dig('wrong value', [['country', 'NO']]);
  dig('absent header', [['referer', 'x']]);
  dig('query', [['query:s', 'a b']], BKEY, {}, '&s=a%20b');
  dig('query repeated', [['query:s', 'a']], BKEY, {}, '&s=a&s=a');
  dig('query bad escape', [['query:s', 'a']], BKEY, {}, '&s=%zz');
  dig('session without path token', [['session', 'x']]);
  for (const [n, v] of [['not object', 'x'], ['extra member', { v: ['ip'], mac: 'AA', x: 1 }], ['empty items', { v: [], mac: 'AA' }],
    ['dup items', { v: ['ip', 'ip'], mac: 'AA' }], ['bad item', { v: ['ip/129'], mac: 'AA' }], ['bad item 2', { v: ['header:X'], mac: 'AA' }],
    ['bad item 3', { v: ['query:a=b'], mac: 'AA' }], ['bad mac', { v: ['ip'], mac: 'A=' }], ['17 items', { v: Array.from({ length: 17 }, (_, i) => `header:h${i}`), mac: 'AA' }],
    ['item toString', { v: ['toString'], mac: 'AA' }], ['item ip/08', { v: ['ip/08'], mac: 'AA' }]]) {
    add(`digest claim ${n}`, 'jwt', req('/v/a.ts', `token=${jwt({ bind: v })}`));
  }
  add('digest without binding section', 'plain', req('/v/a.ts', `token=${jwt({ bind: bind([['ip', '203.0.113.7']]) })}`));
  // Resolution.
  for (const mr of ['SD', 'HD', 'FULL_HD']) {
    for (const uri of ['/c/1080p/a.ts', '/c/720p/a.ts', '/c/1080p60/a.ts', '/c/index.m3u8', '/c/x/../1080p/a.ts']) {
      add(`resolution ${mr} ${uri}`, 'jwt', req(uri, `token=${jwt({ 'aws:maximum-resolution': mr })}`));
    }
  }
  // Akamai EdgeAuth.
  const exp = NOW + 60;
  const ak = (name, token, uri = '/v/a.ts', extra = {}) => add(`akamai ${name}`, 'akamai', req(uri, `__token__=${token}`, extra));
  ak('acl', edge(`exp=${exp}~acl=/v/*`));
  ak('acl traversal', edge(`exp=${exp}~acl=/v/*`), '/v/../w/a.ts');
  ak('acl encoded traversal', edge(`exp=${exp}~acl=/v/*`), '/v/%2e%2e/w/a.ts');
  ak('acl bang', edge(`exp=${exp}~acl=/w/*!/v/a.?s`));
  ak('acl star crosses /', edge(`exp=${exp}~acl=/v*`), '/v10/x/y.ts');
  ak('acl escape', edge(`exp=${exp}~acl=/%7ev/*`), '/~v/a.ts');
  ak('acl empty parts', edge(`exp=${exp}~acl=!!/v/*`));
  ak('url token', edge(`exp=${exp}`, AK1, 'sha1', '/v/a.ts'));
  ak('url token raw path', edge(`exp=${exp}`, AK1, 'sha1', '/v/./a.ts'), '/v/./a.ts');
  ak('url token other path', edge(`exp=${exp}`, AK1, 'sha1', '/v/a.ts'), '/v/b.ts');
  ak('transition key', edge(`exp=${exp}~acl=/v/*`, AK2));
  ak('unknown key', edge(`exp=${exp}~acl=/v/*`, 'ffffffffffffffff'));
  ak('no salt', edge(`exp=${exp}~acl=/v/*`, AK1, 'sha1', undefined, ''));
  ak('sha256 tag on sha1', edge(`exp=${exp}~acl=/v/*`, AK1, 'sha256'));
  ak('uppercase hex', edge(`exp=${exp}~acl=/v/*`).replace(/hmac=(.*)$/, (m, x) => `hmac=${x.toUpperCase()}`));
  ak('odd hex', `${edge(`exp=${exp}~acl=/v/*`)}0`);
  ak('no exp', edge('acl=/v/*'));
  ak('st future', edge(`st=${NOW + 10}~exp=${exp}~acl=/v/*`));
  ak('st past', edge(`st=${NOW - 10}~exp=${exp}~acl=/v/*`));
  ak('expired', edge(`exp=${NOW}~acl=/v/*`));
  ak('too long', edge(`exp=${NOW + 90000}~acl=/v/*`));
  ak('exp not decimal', edge(`exp=+${exp}~acl=/v/*`));
  ak('exp 20 digits', edge(`exp=${'9'.repeat(20)}~acl=/v/*`));
  ak('dup field', edge(`exp=${exp}~exp=${exp}~acl=/v/*`));
  ak('unknown field', edge(`exp=${exp}~acl=/v/*~foo=1`));
  ak('empty value', edge(`exp=${exp}~acl=/v/*~id=`));
  ak('field without =', edge(`exp=${exp}~acl=/v/*~id`));
  ak('id data', edge(`exp=${exp}~acl=/v/*~id=abc~data=x=y`));
  ak('no hmac', `exp=${exp}~acl=/v/*`);
  ak('hmac only', 'hmac=00');
  ak('ip match', edge(`ip=203.0.113.7~exp=${exp}~acl=/v/*`));
  ak('ip mismatch', edge(`ip=203.0.113.8~exp=${exp}~acl=/v/*`));
  ak('ip v6 spelling', edge(`ip=2001:DB8:0::1~exp=${exp}~acl=/v/*`), '/v/a.ts', { clientIp: '2001:db8::1' });
  ak('ip invalid', edge(`ip=1.2.3.04~exp=${exp}~acl=/v/*`));
  ak('percent-encoded token', encodeURIComponent(edge(`exp=${exp}~acl=/v/*`)));
  ak('jwt on akamai config', jwt({}));
  ak('exempt', 'garbage', '/ads/a.ts');
  add('akamai cookie', 'akamai', req('/v/a.ts', '', { cookies: { __token__: edge(`exp=${exp}~acl=/v/*`) } }));
  return list;
}

/** The core's decision for every case (one `playgate check` each). */
function withCore(list) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-policy-'));
  try {
    const cfg = {};
    for (const [n, c] of Object.entries(CONFIGS)) fs.writeFileSync((cfg[n] = path.join(dir, `${n}.json`)), JSON.stringify(c));
    return list.map((c, i) => {
      const r = path.join(dir, `r${i}.json`);
      fs.writeFileSync(r, JSON.stringify(c.request));
      const out = spawnSync(CLI, ['check', '--config', cfg[c.config], '--request', r, '--now', String(NOW)]);
      if (out.status !== 0 && out.status !== 1) throw new Error(`playgate check failed on ${c.name}: ${out.stderr}`);
      const d = JSON.parse(out.stdout.toString());
      const expect = { allow: d.allow, status: d.status, reason: d.reason };
      if (d.forward) expect.forward = d.forward;
      return { ...c, now: NOW, file: 'policy', configName: c.config, configText: JSON.stringify(CONFIGS[c.config]), expect };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const list = haveCli ? withCore(cases()) : [];
if (process.env.PLAYGATE_POLICY_COUNT) console.log(`policy cases: ${list.length}, allowed: ${list.filter((c) => c.expect.allow).length}`);

for (const [surface, run] of [['Node', runNode], ['njs', runNjs]]) {
  test(`policy edge cases agree with the core (${surface})`, { skip: (!haveCli && `no core CLI at ${CLI}`) || (surface === 'njs' && !njsAvailable() && 'njs is not installed') }, async () => {
    const r = await run(list);
    const failures = r.results.filter((x) => x.bad.length).map((x) => `${x.c.name}: ${x.bad.join('; ')}`);
    assert.deepEqual(failures, []);
    assert.equal(r.summary.passed, list.length);
    const reasons = new Set(list.map((c) => c.expect.reason));
    for (const want of [null, 'path_not_allowed', 'binding_mismatch', 'invalid_claim', 'resolution_not_allowed', 'bad_request', 'malformed_token', 'bad_signature']) {
      assert.ok(reasons.has(want), `no case for ${want}`);
    }
  });
}
