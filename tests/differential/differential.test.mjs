// The differential test: 10,000 generated cases with a fixed seed through playgate's npm package and
// jose, every disagreement explained by a rule in rules.mjs, plus hand-written cases pinning the
// boundaries the rules rely on. Writes the counts to target/differential.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideAndClassify, describe, runCases, setup } from './run.mjs';
import { ARN, HEADER_NAME, ORIGIN, P384_ORDER, compact } from './gen.mjs';
import { MAX_DEPTH, RULES, classify } from './rules.mjs';

const SEED = 20261122;
const CASES = Number(process.env.DIFFERENTIAL_CASES ?? 10000);
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.DIFFERENTIAL_OUT ?? path.join(here, '..', '..', 'target', 'differential.json');

const state = await setup(SEED);
const NOW = 1_800_000_000;
const variant = (id) => state.variants.find((v) => v.id === id);
const HS = variant('hs/any/86400/4096');
const ES = variant('es-pem/channel/86400/4096');
const request = (token) => ({ method: 'GET', uri: '/live/720p/seg_00042.ts', querystring: '', headers: { origin: ORIGIN, [HEADER_NAME]: token } });
const decide = async (cfg, token, now = NOW) => decideAndClassify({ token, cfg, now, request: request(token), tags: ['hand-written'] }, state);
const esHeader = '{"alg":"ES384"}';
const hsHeader = '{"alg":"HS256","kid":"hs-1"}';
const claims = (extra = '') => `{"aws:channel-arn":"${ARN}","exp":${NOW + 600}${extra}}`;

test(`${CASES} generated cases (seed ${SEED}): every disagreement is explained by a rule`, async () => {
  const unexplained = [];
  const started = Date.now();
  const counts = await runCases({
    seed: SEED,
    n: CASES,
    state,
    onUnexplained: (cs, pg, j, verdict) => unexplained.push(describe(cs, pg, j, verdict)),
  });
  const summary = { seed: SEED, seconds: Math.round((Date.now() - started) / 1000), ...counts };
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
  assert.equal(counts.cases, CASES);
  assert.equal(unexplained.length, 0, `unexplained disagreements:\n${unexplained.slice(0, 20).join('\n')}`);
  // The generator must reach both verdicts and every rule, or the comparison proves little.
  assert.ok(counts.both_accept >= CASES * 0.1, `only ${counts.both_accept} cases accepted by both`);
  assert.ok(counts.both_reject >= CASES * 0.3, `only ${counts.both_reject} cases rejected by both`);
  if (CASES >= 10000) {
    for (const r of RULES) assert.ok(counts.by_rule[r.id] > 0, `rule ${r.id} never applied in ${CASES} cases`);
  }
});

test('the classifier explains nothing else', () => {
  const cs = { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln', cfg: HS, now: NOW, request: request('x'), tags: [] };
  assert.equal(classify(cs, { allow: true }, { accept: false }).kind, 'unexplained', 'playgate looser than jose');
  assert.equal(classify(cs, { allow: false, reason: 'malformed_token' }, { accept: true }).kind, 'unexplained', 'no fact behind it');
  const dup = { ...cs, token: 'eyJhbGciOiJIUzI1NiIsImFsZyI6IkhTMjU2In0.e30.c2ln' }; // {"alg":"HS256","alg":"HS256"}
  assert.deepEqual(classify(dup, { allow: false, reason: 'malformed_token' }, { accept: true }), { kind: 'deliberate', rule: 'duplicate_members' });
  assert.equal(classify(dup, { allow: false, reason: 'bad_signature' }, { accept: true }).kind, 'unexplained', 'rule for another reason');
  assert.equal(classify(dup, { allow: false, reason: 'expired' }, { accept: false }).kind, 'agreed');
});

test(`nesting: ${MAX_DEPTH} levels pass both, one more is playgate's nesting_depth`, async () => {
  const nest = (d) => `${'['.repeat(d)}0${']'.repeat(d)}`;
  // The claims object is level 1.
  const ok = await decide(HS, await compact(state.world, 'hs256', hsHeader, claims(`,"n":${nest(MAX_DEPTH - 1)}`)));
  assert.equal(ok.pg.allow, true, JSON.stringify(ok.pg));
  assert.equal(ok.kind, 'agreed');
  const deep = await decide(HS, await compact(state.world, 'hs256', hsHeader, claims(`,"n":${nest(MAX_DEPTH)}`)));
  assert.deepEqual([deep.pg.reason, deep.jose.accept, deep.rule], ['malformed_token', true, 'nesting_depth']);
});

test('ES384 signature forms: high-s passes both; DER, padded, zero and r=n fail both', async () => {
  const t = await compact(state.world, 'es384', esHeader, claims());
  const [h, p, s] = t.split('.');
  const sig = Buffer.from(s, 'base64url');
  const big = (b) => BigInt(`0x${b.toString('hex')}`);
  const b48 = (n) => Buffer.from(n.toString(16).padStart(96, '0'), 'hex');
  const r = sig.subarray(0, 48);
  const highS = Buffer.concat([r, b48(P384_ORDER - big(sig.subarray(48)))]);
  const v = await decide(ES, `${h}.${p}.${highS.toString('base64url')}`);
  assert.deepEqual([v.pg.allow, v.jose.accept], [true, true]);
  const der = Buffer.concat([Buffer.from([0x30, 0x66, 0x02, 0x31, 0x00]), r, Buffer.from([0x02, 0x31, 0x00]), sig.subarray(48)]);
  for (const bad of [der, Buffer.concat([Buffer.from([0]), sig]), Buffer.alloc(96), Buffer.concat([b48(P384_ORDER), sig.subarray(48)])]) {
    const d = await decide(ES, `${h}.${p}.${bad.toString('base64url')}`);
    assert.deepEqual([d.pg.allow, d.pg.reason, d.jose.accept], [false, 'bad_signature', false]);
  }
});

test('algorithm games are rejected by both', async () => {
  for (const [cfg, signer, header] of [
    [ES, 'hs256-pem', '{"alg":"HS256"}'], // HMAC keyed with the ES384 public key
    [ES, 'none', '{"alg":"none"}'],
    [HS, 'es384', '{"alg":"ES384"}'],
    [HS, 'hs384', '{"alg":"HS384","kid":"hs-1"}'],
  ]) {
    const d = await decide(cfg, await compact(state.world, signer, header, claims()));
    assert.deepEqual([d.pg.allow, d.jose.accept], [false, false], header);
  }
});

test('time boundaries agree: exp == now is expired, fractional exp/nbf compare exactly', async () => {
  const at = async (extra) => decide(HS, await compact(state.world, 'hs256', hsHeader, `{"exp":${extra}}`));
  for (const [exp, allow] of [[`${NOW}`, false], [`${NOW}.5`, true], [`${NOW - 1}.5`, false], [`${NOW + 86400}`, true], [`${NOW + 86400}.5`, false]]) {
    const d = await at(exp);
    assert.deepEqual([d.pg.allow, d.jose.accept], [allow, allow], `exp ${exp}`);
  }
  const nbf = await decide(HS, await compact(state.world, 'hs256', hsHeader, `{"exp":${NOW + 60},"nbf":${NOW}.5}`));
  assert.deepEqual([nbf.pg.reason, nbf.jose.accept], ['not_yet_valid', false]);
});

test('-0 as aws:viewer-session-version: playgate refuses it (ivs_claim_type), jose does not read it', async () => {
  const d = await decide(ES, await compact(state.world, 'es384', esHeader, claims(',"aws:viewer-session-version":-0')));
  assert.deepEqual([d.pg.reason, d.jose.accept, d.rule], ['invalid_claim', true, 'ivs_claim_type']);
});

test('duplicate exp: JSON.parse takes the last (valid) one, playgate refuses the token', async () => {
  const d = await decide(HS, await compact(state.world, 'hs256', hsHeader, `{"exp":${NOW - 10},"exp":${NOW + 60}}`));
  assert.deepEqual([d.pg.reason, d.jose.accept, d.rule], ['malformed_token', true, 'duplicate_members']);
});
