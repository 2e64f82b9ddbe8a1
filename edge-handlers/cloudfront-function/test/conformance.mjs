#!/usr/bin/env node
// Runs the conformance corpus through the generated CloudFront Function, in Node (the harness) and
// under njs, and writes target/conformance/cloudfront-{node,njs}.json plus the size budget.
//
//   node test/conformance.mjs [node|njs|all]     (exit 1 when a case fails)

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_FUNCTION_BYTES, generate, UnsupportedError } from '../build.mjs';
import { CLI } from './differential.mjs';
import { FULL_FEATURED } from '../tools/sizes.mjs';
import { HERE, ROOT, compare, decisionOf, loadCorpus, loadFunction, memoryKvs, toCloudFrontEvent, withDebug } from './harness.mjs';

export const OUT_DIR = path.join(ROOT, 'target/conformance');

/**
 * Groups cases by config and generates the production and debug builds once per config.
 * Returns { groups: [{ configText, prod, dbg, debugConfigured, cases }], skipped: [{ c, reason }] }.
 *
 * A config the generator refuses only because some of its keys are HS384/HS512/ES384 still has
 * HS256 cases worth running: such a case runs against the config's HS256 keys alone when the core
 * itself (the CLI) gives the expected verdict for that reduced config, so the removed keys provably
 * play no part in it. Those cases are counted in `derived_hs256_subset`.
 */
export function prepare(cases, opts = {}) {
  const groups = new Map();
  const skipped = [];
  let rev = 0;
  const build = (configText, revocation) => {
    const key = revocation === undefined ? configText : `${configText}\n${JSON.stringify(revocation)}`;
    let g = groups.get(key);
    if (!g) {
      g = { configText, cases: [], extra: [] };
      if (revocation && revocation.filter) {
        // The filter's blocks as the KeyValueStore holds them (`playgate revoke export-kvs`); a file
        // the CLI refuses to load (corrupt) contributes nothing: the function then finds no header.
        rev = rev || revocationKvs();
        g.extra = rev ? rev(revocation.filter) : undefined;
      }
      try {
        g.prod = generate(configText, undefined, opts);
        g.dbg = generate(withDebug(configText), undefined, opts);
        g.debugConfigured = g.prod.features.debug;
      } catch (e) {
        g.error = e;
      }
      groups.set(key, g);
    }
    return g;
  };
  let oracle;
  for (const c of cases) {
    const g = build(c.configText, c.revocation);
    if (!g.extra) {
      skipped.push({ c, reason: 'revocation case needs the core CLI to export its filter as KeyValueStore entries' });
      continue;
    }
    if (!(g.error instanceof UnsupportedError)) {
      g.cases.push(c);
      continue;
    }
    const algs = [...new Set((JSON.parse(c.configText).keys || []).map((k) => k && k.alg).filter((a) => a !== 'HS256'))].sort().join('/') || 'unsupported';
    const subset = hs256Subset(c.configText);
    if (subset && !(build(subset).error)) {
      oracle = oracle || coreOracle();
      if (!oracle) {
        skipped.push({ c, reason: `config has ${algs} keys and no core CLI to check its HS256 subset` });
        continue;
      }
      if (sameVerdict(oracle(subset, c.request, c.now), c.expect)) {
        build(subset).cases.push({ ...c, derived: true });
        continue;
      }
      skipped.push({ c, reason: `case depends on the config's ${algs} keys (Lambda@Edge only)` });
      continue;
    }
    const why = algs === 'unsupported' ? g.error.message.split(':')[0] : algs;
    skipped.push({ c, reason: `generator refuses the config: ${why} needs Lambda@Edge` });
  }
  return { groups: [...groups.values()].filter((g) => g.cases.length), skipped };
}

/** `(filter file) → KVS entries` through `playgate revoke export-kvs`, or undefined without the CLI. */
function revocationKvs() {
  if (!fs.existsSync(CLI)) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-kvs-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const cache = new Map();
  return (file) => {
    if (!cache.has(file)) {
      const out = path.join(dir, `${cache.size}.json`);
      const r = spawnSync(CLI, ['revoke', 'export-kvs', '--filter', path.join(ROOT, 'fixtures/conformance', file), '--out', out]);
      cache.set(file, r.status === 0 ? JSON.parse(fs.readFileSync(out, 'utf8')).data : []);
    }
    return cache.get(file);
  };
}

/** The config with only its HS256 keys, or undefined when none would be left. */
function hs256Subset(configText) {
  const c = JSON.parse(configText);
  if (!Array.isArray(c.keys)) return undefined;
  const keys = c.keys.filter((k) => k && k.alg === 'HS256');
  return keys.length ? JSON.stringify({ ...c, keys }) : undefined;
}

function sameVerdict(d, expect) {
  if (!d || d.allow !== expect.allow || d.status !== expect.status || (d.reason ?? null) !== (expect.reason ?? null)) return false;
  if (expect.forward && d.forward) return d.forward.uri === expect.forward.uri && d.forward.querystring === expect.forward.querystring;
  return true;
}

/** `(configText, request, now) → decision` through `playgate check`, or undefined without the CLI. */
function coreOracle() {
  if (!fs.existsSync(CLI)) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-oracle-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return (configText, request, now) => {
    const cfg = path.join(dir, `c${n}.json`), req = path.join(dir, `r${n++}.json`);
    fs.writeFileSync(cfg, configText);
    fs.writeFileSync(req, JSON.stringify(request));
    const r = spawnSync(CLI, ['check', '--config', cfg, '--request', req, '--now', String(now)]);
    if (r.status !== 0 && r.status !== 1) return undefined;
    return JSON.parse(r.stdout.toString());
  };
}

function summary(results, skipped) {
  const s = { passed: 0, failed: 0, skipped: skipped.length, skipped_reasons: {} };
  for (const { reason } of skipped) s.skipped_reasons[reason] = (s.skipped_reasons[reason] || 0) + 1;
  for (const r of results) r.bad.length ? s.failed++ : s.passed++;
  s.derived_hs256_subset = results.filter((r) => r.c.derived).length;
  return s;
}

/** Runs every runnable case in Node (`opts.minify: false`: through the unminified build). */
export async function runNode(cases, opts) {
  const { groups, skipped } = prepare(cases, opts);
  const results = [];
  for (const g of groups) {
    if (g.error) {
      for (const c of g.cases) results.push({ c, bad: [`generator refused a config the core accepts: ${g.error.message}`] });
      continue;
    }
    const prod = loadFunction(g.prod.code, memoryKvs(g.prod.kvs.data.concat(g.extra)));
    const dbg = loadFunction(g.dbg.code, memoryKvs(g.dbg.kvs.data.concat(g.extra)));
    for (const c of g.cases) {
      let bad;
      try {
        const p = decisionOf(await prod(toCloudFrontEvent(c.request), c.now));
        const d = decisionOf(await dbg(toCloudFrontEvent(c.request), c.now));
        bad = compare(c.expect, p, d, g.debugConfigured);
      } catch (e) {
        bad = [`threw: ${e.stack || e}`];
      }
      results.push({ c, bad });
    }
  }
  return { results, skipped, summary: summary(results, skipped) };
}

/** Is njs (Debian package `njs`) installed? */
export function njsAvailable() {
  try {
    execFileSync('njs', ['-v'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

// Appended to the generated code: runs cases from a file, writes the raw results to another. Kept to
// what njs 0.7 accepts (named async function, `await` only as an assignment's right-hand side). It
// imports the modules under its own names (the function's are mangled).
const DRIVER = `
async function __playgate_main(input, output) {
    const cases = JSON.parse(__pg_fs.readFileSync(input));
    const out = [];
    __pg_cf._load(cases.kvs);
    for (let i = 0; i < cases.items.length; i++) {
        const c = cases.items[i];
        Date.now = () => c.now * 1000;
        let r;
        try {
            r = await handler(c.event);
        } catch (e) {
            r = { error: String(e) };
        }
        out.push(r);
    }
    __pg_fs.writeFileSync(output, JSON.stringify(out));
}
`;

/** Runs `code` under njs with the stub `cloudfront` module on [{event, now}]; returns raw results. */
export function runUnderNjs(code, kvsData, items, dir) {
  const id = Math.random().toString(36).slice(2);
  const input = path.join(dir, `${id}.in.json`);
  const output = path.join(dir, `${id}.out.json`);
  const script = path.join(dir, `${id}.js`);
  fs.writeFileSync(input, JSON.stringify({ kvs: kvsData, items }));
  fs.writeFileSync(script, `import __pg_fs from 'fs';\nimport __pg_cf from 'cloudfront';\n${code}${DRIVER}__playgate_main(${JSON.stringify(input)}, ${JSON.stringify(output)}).then(() => {}, e => { console.log('driver error: ' + e); });\n`);
  execFileSync('njs', ['-p', path.join(HERE, 'njs'), script], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!fs.existsSync(output)) throw new Error('njs produced no results');
  return JSON.parse(fs.readFileSync(output, 'utf8'));
}

/** Runs every runnable case under njs (one njs process per config and build). */
export async function runNjs(cases) {
  const { groups, skipped } = prepare(cases.filter((c) => !c.njsLimit));
  for (const c of cases.filter((c) => c.njsLimit)) skipped.push({ c, reason: c.njsLimit });
  const results = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playgate-njs-'));
  try {
    for (const g of groups) {
      if (g.error) {
        for (const c of g.cases) results.push({ c, bad: [`generator refused a config the core accepts: ${g.error.message}`] });
        continue;
      }
      const items = g.cases.map((c) => ({ event: toCloudFrontEvent(c.request), now: c.now }));
      let prod, dbg;
      try {
        prod = runUnderNjs(g.prod.code, g.prod.kvs.data.concat(g.extra), items, dir);
        dbg = runUnderNjs(g.dbg.code, g.dbg.kvs.data.concat(g.extra), items, dir);
      } catch (e) {
        for (const c of g.cases) results.push({ c, bad: [`njs failed: ${e.stderr ? e.stderr.toString() : e.message}`] });
        continue;
      }
      g.cases.forEach((c, i) => {
        const bad = prod[i] && prod[i].error ? [`threw under njs: ${prod[i].error}`]
          : compare(c.expect, decisionOf(prod[i]), decisionOf(dbg[i]), g.debugConfigured);
        results.push({ c, bad });
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { results, skipped, summary: summary(results, skipped) };
}

/**
 * The full-featured function for the size budget: everything a CloudFront Function can run at once
 * (every token source, a channel path template, deny.debug, paths, binding with digest keys,
 * resolution, Akamai EdgeAuth, revocation); `FULL_FEATURED` in tools/sizes.mjs.
 */
export function fullFeatured(opts) {
  return generate(JSON.stringify(FULL_FEATURED), undefined, opts);
}

/**
 * The size budget (target/conformance/budgets-cloudfront.json). The full-featured function is
 * measured even when it is over CloudFront's limit (the generator then refuses it: `fits` false).
 */
export function sizeBudget() {
  const full = fullFeatured({ limit: false }).bytes;
  return {
    cloudfront_function_bytes: full,
    cloudfront_function_fits: full <= MAX_FUNCTION_BYTES,
    cloudfront_function_target_bytes: TARGET_BYTES,
    cloudfront_function_target_met: full <= TARGET_BYTES,
  };
}
/** The aim for the full-featured function (issue 8). */
export const TARGET_BYTES = 6144;

function report(surface, run) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, `${surface}.json`), JSON.stringify(run.summary, null, 2) + '\n');
  for (const r of run.results.filter((r) => r.bad.length)) {
    process.stdout.write(`FAIL ${surface} ${r.c.file} :: ${r.c.name}\n  ${r.bad.join('\n  ')}\n`);
  }
  const s = run.summary;
  process.stdout.write(`${surface}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped ${JSON.stringify(s.skipped_reasons)}\n`);
}

async function main() {
  const which = process.argv[2] || 'all';
  const cases = loadCorpus();
  if (!cases.length) {
    process.stderr.write('no conformance corpus in fixtures/conformance (run `cargo run -p playgate-fixtures`)\n');
    return 1;
  }
  let failed = 0;
  if (which === 'node' || which === 'all') {
    const run = await runNode(cases);
    report('cloudfront-node', run);
    failed += run.summary.failed;
  }
  if (which === 'njs' || which === 'all') {
    if (!njsAvailable()) {
      process.stderr.write('njs is not installed (Debian package `njs`)\n');
      return 1;
    }
    const run = await runNjs(cases);
    report('cloudfront-njs', run);
    failed += run.summary.failed;
  }
  const budget = sizeBudget();
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'budgets-cloudfront.json'), JSON.stringify(budget, null, 2) + '\n');
  process.stdout.write(`size budget (full-featured): ${JSON.stringify(budget)}\n`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
