// Runs generated cases through playgate's npm package and through jose, compares accept/reject and
// classifies every disagreement (rules.mjs). Shared by the test suite and long.mjs.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as jose from 'jose';
import { Rng } from './prng.mjs';
import { configVariants, generateCase, makeWorld } from './gen.mjs';
import { RULES, classify } from './rules.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built npm package (bash pkg/build.sh); PLAYGATE_PKG overrides the entry file. */
export const PKG_ENTRY = process.env.PLAYGATE_PKG ?? path.join(here, '..', '..', 'pkg', 'dist', 'node', 'index.cjs');

export function loadPlaygate() {
  return createRequire(import.meta.url)(PKG_ENTRY);
}

/**
 * The policy jose is asked to enforce, beyond `jwtVerify`'s options: what a playgate config says
 * that jose has no option for. The channel must equal the configured ARN; `exp - now` may not
 * exceed `claims.max_lifetime` (600 s for tokens with `aws:viewer-id` or `aws:single-use-uuid`).
 */
function josePolicy(payload, cfg, now) {
  if (cfg.channel !== null && payload['aws:channel-arn'] !== cfg.channel) return 'channel';
  let limit = cfg.maxLifetime;
  if (Object.hasOwn(payload, 'aws:viewer-id') || Object.hasOwn(payload, 'aws:single-use-uuid')) limit = Math.min(limit, 600);
  if (payload.exp - now > limit) return 'lifetime';
  return null;
}

export async function joseDecide(cs, keys) {
  try {
    const { payload } = await jose.jwtVerify(cs.token, keys[cs.cfg.alg], {
      algorithms: [cs.cfg.alg],
      currentDate: new Date(cs.now * 1000),
      clockTolerance: 0,
      requiredClaims: ['exp'],
    });
    const denied = josePolicy(payload, cs.cfg, cs.now);
    return denied === null ? { accept: true } : { accept: false, why: `policy:${denied}` };
  } catch (e) {
    // Any exception is a rejection to jose's caller; non-jose errors are named as such.
    return { accept: false, why: e instanceof jose.errors.JOSEError ? e.code : `threw ${e && e.name}` };
  }
}

/** Sets up keys, gates and the jose keys for one seed. */
export async function setup(seed) {
  const rng = new Rng(seed);
  const world = makeWorld(rng.fork());
  const variants = configVariants(world);
  const { Gate } = loadPlaygate();
  // No verified-token cache: every case goes through the full parse and verification.
  const gates = new Map(variants.map((v) => [v.id, Gate.fromConfig(v.config, { cacheSize: 0 })]));
  const keys = { HS256: new Uint8Array(world.secret), ES384: await jose.importSPKI(world.pem, 'ES384') };
  return { rng, world, variants, gates, keys };
}

export function emptyCounts() {
  return {
    cases: 0,
    agreed: 0,
    both_accept: 0,
    both_reject: 0,
    deliberate: 0,
    unexplained: 0,
    by_rule: Object.fromEntries(RULES.map((r) => [r.id, 0])),
    by_tag: {},
  };
}

/**
 * Runs `n` cases from `seed`. `onUnexplained(case, pg, jose, verdict)` is called for each
 * unexplained disagreement (the run goes on). Returns the counts.
 */
export async function runCases({ seed, n, onUnexplained = () => {}, onProgress = null, state = null, stop = () => false }) {
  const s = state ?? (await setup(seed));
  const counts = emptyCounts();
  // Cases go in small batches: the next batch is generated (its ES384 signatures computed on the
  // thread pool) and jose verifies (WebCrypto, also on the thread pool) while playgate's wasm runs
  // on this thread. Each case draws from its own forked Rng, so batching does not change the cases.
  const BATCH = 8;
  let made = 0;
  const makeBatch = () => {
    const rngs = [];
    for (; rngs.length < BATCH && made < n; made++) rngs.push(s.rng.fork());
    return Promise.all(rngs.map((r) => generateCase(r, s.world, s.variants)));
  };
  let next = makeBatch();
  let i = 0;
  while (i < n && !stop()) {
    const cases = await next;
    next = made < n ? makeBatch() : null;
    const verdicts = await decideBatch(cases, s);
    for (let k = 0; k < cases.length; k++, i++) {
      const cs = cases[k];
      const verdict = verdicts[k];
      counts.cases++;
      for (const t of new Set(cs.tags)) counts.by_tag[t] = (counts.by_tag[t] ?? 0) + 1;
      if (verdict.kind === 'agreed') {
        counts.agreed++;
        if (verdict.pg.allow) counts.both_accept++;
        else counts.both_reject++;
      } else if (verdict.kind === 'deliberate') {
        counts.deliberate++;
        counts.by_rule[verdict.rule]++;
      } else {
        counts.unexplained++;
        onUnexplained(cs, verdict.pg, verdict.jose, verdict, i);
      }
      if (onProgress && (i + 1) % 10000 === 0) onProgress(counts);
    }
  }
  return counts;
}

function playgateDecide(cs, s) {
  try {
    return s.gates.get(cs.cfg.id).check(cs.request, cs.now);
  } catch (e) {
    // An exception is never a decision.
    return { allow: null, threw: String(e && e.message) };
  }
}

/** Decides and classifies a batch of cases: `[{ kind, rule?, why?, pg, jose }]`. */
export async function decideBatch(cases, s) {
  const pending = cases.map((cs) => joseDecide(cs, s.keys));
  // Let jose's promise chains reach the thread pool before the wasm work blocks this thread.
  await new Promise((resolve) => setImmediate(resolve));
  const pgs = cases.map((cs) => playgateDecide(cs, s));
  const joses = await Promise.all(pending);
  return cases.map((cs, k) => {
    const pg = pgs[k];
    const j = joses[k];
    if (pg.allow === null) return { kind: 'unexplained', why: `playgate threw: ${pg.threw}`, pg, jose: j };
    return { ...classify(cs, pg, j), pg, jose: j };
  });
}

export async function decideAndClassify(cs, s) {
  return (await decideBatch([cs], s))[0];
}

/** A printable description of one case (the token in full, so it can be replayed). */
export function describe(cs, pg, j, verdict) {
  return JSON.stringify({
    why: verdict.why,
    playgate: pg.allow ? 'accept' : `reject (${pg.reason})`,
    jose: j.accept ? 'accept' : `reject (${j.why})`,
    tags: cs.tags,
    config: cs.cfg.id,
    now: cs.now,
    request: cs.request,
    token: cs.token,
  });
}
