// Cross-language check of docs/revocation.md: the JS one-block lookup (kvs_lookup.js) must agree
// with the Rust filter on members (never a false negative), on non-members (within the predicted
// false-positive rate), on viewer versions, and must report damaged or missing blocks as
// unavailable. Inputs are produced by scripts/test.d/40-revocation.sh with `playgate revoke`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import vm from 'node:vm';
import path from 'node:path';

const dir = process.env.PG_REVOCATION_DIR;
const here = path.dirname(new URL(import.meta.url).pathname);
const ctx = { Buffer, JSON, Number };
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(path.join(here, 'kvs_lookup.js'), 'utf8'), ctx);
const { pgRevokedId, pgRevokedViewer } = ctx;

const store = new Map(JSON.parse(fs.readFileSync(path.join(dir, 'kvs.json'), 'utf8')).data.map((e) => [e.key, e.value]));
const get = async (key) => {
  if (!store.has(key)) throw new Error('KeyNotFound');
  return store.get(key);
};
const members = fs.readFileSync(path.join(dir, 'members.txt'), 'utf8').split('\n').filter(Boolean);
const rust = JSON.parse(fs.readFileSync(path.join(dir, 'rust-probes.json'), 'utf8'));
const inspect = JSON.parse(fs.readFileSync(path.join(dir, 'inspect.json'), 'utf8'));

test('every value fits a KeyValueStore entry', () => {
  for (const [k, v] of store) {
    assert.ok(Buffer.byteLength(k) <= 512, k);
    assert.ok(Buffer.byteLength(v) <= 1024, `${k}: ${v.length}`);
  }
});

test('no member is missed', async () => {
  for (const id of members) assert.equal(await pgRevokedId(crypto, get, 'pg:', 's', id), true, id);
});

test('non-members agree with the Rust filter, and the false-positive rate is as predicted', async () => {
  let hits = 0;
  for (const { id, revoked } of rust) {
    const got = await pgRevokedId(crypto, get, 'pg:', 's', id);
    assert.equal(got, revoked, id);
    if (got) hits++;
  }
  const predicted = inspect.expected_fp * rust.length;
  assert.ok(hits <= predicted * 1.5 + 10, `${hits} false positives, ${predicted} expected`);
});

test('kinds are separated: a member session id is not a revoked token id', async () => {
  let hits = 0;
  for (const id of members.slice(0, 200)) if (await pgRevokedId(crypto, get, 'pg:', 'j', id)) hits++;
  assert.ok(hits <= 10, `${hits} of 200 at fp 1e-2`);
});

test('viewer versions at or below the revoked one are revoked', async () => {
  const arn = 'arn:aws:ivs:us-west-2:123456789012:channel/abcd';
  assert.equal(await pgRevokedViewer(crypto, get, 'pg:', arn, 'viewer-1', 3), true);
  assert.equal(await pgRevokedViewer(crypto, get, 'pg:', arn, 'viewer-1', 4), false);
  assert.equal(await pgRevokedViewer(crypto, get, 'pg:', arn, 'viewer-2', 0), false);
});

test('damaged, misplaced or missing blocks are unavailable, never misread', async () => {
  const h = JSON.parse(store.get('pg:h'));
  const id = members[0];
  const getDamaged = async (k) => {
    if (!damaged.has(k)) throw new Error('KeyNotFound');
    return damaged.get(k);
  };
  assert.equal(await pgRevokedId(crypto, getDamaged, 'pg:', 's', id), 'unavailable');
  // Valid blocks stored under other indexes (each key holds its successor's value).
  const blockKeys = [...store.keys()].filter((k) => k.startsWith(h.block_prefix));
  const swapped = new Map(store);
  blockKeys.forEach((k, i) => swapped.set(k, store.get(blockKeys[(i + 1) % blockKeys.length])));
  const getSwapped = async (k) => swapped.get(k);
  assert.ok(blockKeys.length > 1);
  assert.equal(await pgRevokedId(crypto, getSwapped, 'pg:', 's', members[1]), 'unavailable');
  // Missing header, missing block.
  assert.equal(await pgRevokedId(crypto, async () => { throw new Error('x'); }, 'pg:', 's', id), 'unavailable');
  const noBlocks = async (k) => { if (k === 'pg:h') return store.get(k); throw new Error('KeyNotFound'); };
  assert.equal(await pgRevokedId(crypto, noBlocks, 'pg:', 's', id), 'unavailable');
});
