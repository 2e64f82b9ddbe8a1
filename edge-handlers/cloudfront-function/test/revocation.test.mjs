// Revocation faults only the CloudFront Function can meet (docs/revocation.md §3 and §8, tag `kvs`):
// a block key missing from the KeyValueStore, a block of another lineage, a block stored under another
// index, no header; plus Akamai `id=` lookups. Filters and their KeyValueStore exports are made with
// `playgate revoke build`; every request runs in Node and, when installed, under njs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { generate } from '../build.mjs';
import { njsAvailable, runUnderNjs } from './conformance.mjs';
import { CLI, NOW, token } from './differential.mjs';
import { decisionOf, loadFunction, memoryKvs, toCloudFrontEvent } from './harness.mjs';

const haveCli = fs.existsSync(CLI);
const SECRET = Buffer.alloc(32, 7);
const AK = '706c6179676174652d746573742d6f6e6c79';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-rev-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

/** `playgate revoke build` of `lines` → the KeyValueStore entries. */
function filterKvs(name, lines, seed) {
  const list = path.join(dir, `${name}.csv`);
  fs.writeFileSync(list, lines.join('\n') + '\n');
  const args = ['revoke', 'build', '-i', list, '--now', String(NOW), '--seed', seed, '--capacity', '2000', '-o', path.join(dir, `${name}.pgrf`), '--kvs', path.join(dir, `${name}.json`)];
  const r = spawnSync(CLI, args);
  assert.equal(r.status, 0, r.stderr.toString());
  return JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')).data;
}

/** The block key a session id is looked up under (docs/revocation.md §1). */
function blockKey(kvs, id) {
  const h = JSON.parse(kvs.find((e) => e.key === 'pg:h').value);
  const d = crypto.createHash('sha256').update(Buffer.concat([Buffer.from('pgr1'), Buffer.from(h.seed, 'hex'), Buffer.from('s' + id)])).digest();
  return h.block_prefix + (d.readUInt32BE(0) % h.blocks);
}

const until = NOW + 86400;
const LIST = [`sid,session-revoked,${until}`, `sid,akamai-revoked,${until}`, `jti,jti-revoked,${until}`];
const SEED_A = '000102030405060708090a0b', SEED_B = 'ffeeddccbbaa998877665544';

function akamaiToken(fields) {
  const mac = crypto.createHmac('sha256', Buffer.from(AK, 'hex')).update(fields).digest('hex');
  return `${fields}~hmac=${mac}`;
}

/** Decides `request` in Node and under njs (same answer required) with the given store. */
async function decide(config, kvs, request) {
  const out = generate(JSON.stringify({ ...config, deny: { debug: true } }));
  const data = out.kvs.data.concat(kvs);
  const ev = toCloudFrontEvent(request);
  const node = decisionOf(await loadFunction(out.code, memoryKvs(data))(structuredClone(ev), NOW));
  if (njsAvailable()) {
    const [r] = runUnderNjs(out.code, data, [{ event: ev, now: NOW }], dir);
    assert.deepEqual(decisionOf(r), node, 'njs decides differently');
  }
  return node.allow ? 'allow' : node.reason;
}

test('revocation through the KeyValueStore: missing, foreign and misplaced blocks are unavailable', { skip: !haveCli && `no core CLI at ${CLI}` }, async () => {
  const kvs = filterKvs('a', LIST, SEED_A);
  const other = filterKvs('b', LIST, SEED_B);
  const config = { keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET.toString('base64url') }], revocation: {} };
  const req = (claims) => ({ method: 'GET', uri: '/v/a.ts', querystring: `token=${token('{"alg":"HS256","kid":"k1"}', JSON.stringify({ exp: NOW + 60, ...claims }))}`, headers: {}, cookies: {} });
  const sid = (id) => req({ sid: id });
  const key = blockKey(kvs, 'session-revoked');
  const without = (k) => kvs.filter((e) => e.key !== k);
  const replaced = (k, value) => kvs.map((e) => (e.key === k ? { key: k, value } : e));

  assert.equal(await decide(config, kvs, sid('session-revoked')), 'revoked');
  assert.equal(await decide(config, kvs, req({ jti: 'jti-revoked' })), 'revoked');
  assert.equal(await decide(config, kvs, req({ jti: 'session-revoked' })), 'allow', 'kinds are separate');
  assert.equal(await decide(config, kvs, sid('someone-else')), 'allow');
  assert.equal(await decide(config, kvs, req({})), 'allow', 'nothing to look up');
  // The block the lookup needs is missing from the store.
  assert.equal(await decide(config, without(key), sid('session-revoked')), 'revocation_unavailable');
  // No header at all (e.g. the store was never filled).
  assert.equal(await decide(config, without('pg:h'), sid('session-revoked')), 'revocation_unavailable');
  assert.equal(await decide(config, [], req({})), 'allow', 'a token with nothing to look up needs no filter');
  // A block of another lineage stored under this key (same index, other seed).
  const foreign = other.find((e) => e.key.endsWith(`:${key.split(':').pop()}`));
  assert.ok(foreign, 'other filter has that block index');
  assert.equal(await decide(config, replaced(key, foreign.value), sid('session-revoked')), 'revocation_unavailable');
  // A block of this lineage stored under another index.
  const neighbour = kvs.find((e) => e.key !== key && e.key.startsWith(key.slice(0, key.lastIndexOf(':') + 1)));
  assert.equal(await decide(config, replaced(key, neighbour.value), sid('session-revoked')), 'revocation_unavailable');
  // A corrupted block (one bit flipped in its base64 body).
  const bytes = Buffer.from(kvs.find((e) => e.key === key).value, 'base64');
  bytes[30] ^= 1;
  assert.equal(await decide(config, replaced(key, bytes.toString('base64')), sid('session-revoked')), 'revocation_unavailable');
  // on_unavailable: allow lets the request through, but a definite answer still denies.
  const open = { ...config, revocation: { on_unavailable: 'allow' } };
  assert.equal(await decide(open, without(key), sid('session-revoked')), 'allow');
  assert.equal(await decide(open, kvs, sid('session-revoked')), 'revoked');
  // max_age: a header `created` older than max_age makes the filter unavailable.
  const h = JSON.parse(kvs.find((e) => e.key === 'pg:h').value);
  const aged = replaced('pg:h', JSON.stringify({ ...h, created: NOW - 11 }));
  assert.equal(await decide({ ...config, revocation: { max_age: 10 } }, aged, sid('someone-else')), 'revocation_unavailable');
  assert.equal(await decide({ ...config, revocation: { max_age: 11 } }, aged, sid('someone-else')), 'allow');
});

test('revocation of Akamai EdgeAuth `id=` through the KeyValueStore', { skip: !haveCli && `no core CLI at ${CLI}` }, async () => {
  const kvs = filterKvs('ak', LIST, SEED_A);
  const config = { akamai: { keys: [{ kid: 'a', secret_hex: AK }] }, token: { sources: [{ query: '__token__' }] }, revocation: {} };
  const req = (id) => ({ method: 'GET', uri: '/v/a.ts', querystring: `__token__=${akamaiToken(`exp=${NOW + 60}~acl=/v/*~id=${id}`)}`, headers: {}, cookies: {} });
  assert.equal(await decide(config, kvs, req('akamai-revoked')), 'revoked');
  assert.equal(await decide(config, kvs, req('akamai-fine')), 'allow');
  assert.equal(await decide(config, [], req('akamai-fine')), 'revocation_unavailable');
  // The core agrees on the revoked one.
  const cfg = path.join(dir, 'ak-config.json'), rq = path.join(dir, 'ak-req.json');
  fs.writeFileSync(cfg, JSON.stringify(config));
  fs.writeFileSync(rq, JSON.stringify(req('akamai-revoked')));
  const core = spawnSync(CLI, ['revoke', 'check', '--config', cfg, '--request', rq, '--filter', path.join(dir, 'ak.pgrf'), '--now', String(NOW)]);
  assert.equal(JSON.parse(core.stdout.toString()).reason, 'revoked');
});
