// Size and cold-start budgets of the npm package, written to target/conformance/budgets-npm.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, CORPUS, writeBudgets } from './corpus.mjs';

// Targets: issue 3, 120 KiB gzipped "with everything the core has"; issue 8, 100 KiB. Neither is met
// (JWT HS/ES384 + Akamai + path policy + binding + revocation + the config reader + serde_json's
// exact float parser; pkg/README.md has the breakdown). They are reported in budgets-npm.json, and the
// ceilings guard against regressions: 196 KiB for the full module (web/, node/: gate + minting; 189 KiB
// on 2026-12-03 in node's gzip -9) and 152 KiB for the verify-only one (`playgate/verify`, no `mint`;
// 141 KiB, down from 164 KiB that day).
const WASM_GZIP_TARGET = 120 * 1024;
const WASM_GZIP_TARGET_ISSUE_8 = 100 * 1024;
const WASM_GZIP_CEILING = 196 * 1024;
const VERIFY_WASM_GZIP_CEILING = 152 * 1024;

const gzipped = (dir) => {
  const wasm = readFileSync(join(ROOT, 'pkg', 'dist', dir, 'playgate_wasm_bg.wasm'));
  return [wasm.length, gzipSync(wasm, { level: 9 }).length];
};

test(`wasm stays under the regression ceilings (full ${WASM_GZIP_CEILING}, verify-only ${VERIFY_WASM_GZIP_CEILING}; target ${WASM_GZIP_TARGET})`, () => {
  const [raw, gz] = gzipped('web');
  const [verifyRaw, verifyGz] = gzipped('verify');
  writeBudgets('npm', {
    wasm_bytes: raw,
    wasm_gzip_bytes: gz,
    wasm_verify_bytes: verifyRaw,
    wasm_verify_gzip_bytes: verifyGz,
    wasm_gzip_target_bytes: WASM_GZIP_TARGET,
    wasm_gzip_target_met: gz <= WASM_GZIP_TARGET,
    wasm_verify_gzip_target_met: verifyGz <= WASM_GZIP_TARGET,
    wasm_gzip_target_issue_8_bytes: WASM_GZIP_TARGET_ISSUE_8,
    wasm_gzip_target_issue_8_met: Math.min(gz, verifyGz) <= WASM_GZIP_TARGET_ISSUE_8,
  });
  for (const [what, n] of [['full wasm', gz], ['verify-only wasm', verifyGz]]) {
    if (n > WASM_GZIP_TARGET) console.log(`${what} is ${n} bytes gzipped: over the ${WASM_GZIP_TARGET}-byte target (reported, not met)`);
  }
  assert.ok(gz <= WASM_GZIP_CEILING, `full wasm is ${gz} bytes gzipped (ceiling ${WASM_GZIP_CEILING})`);
  assert.ok(verifyGz <= VERIFY_WASM_GZIP_CEILING, `verify-only wasm is ${verifyGz} bytes gzipped (ceiling ${VERIFY_WASM_GZIP_CEILING})`);
  // The split is only worth an entry while it saves something real.
  assert.ok(gz - verifyGz > 20 * 1024, `verify-only saves ${gz - verifyGz} bytes`);
});

test('cold start: require + instantiate + config load in a fresh node process', () => {
  // A config with HS and ES384 (PEM and JWK) keys: the most parsing a load does.
  const config = readFileSync(join(CORPUS, 'mixed.config.json'), 'utf8');
  const probe = (entry) => `
const t0 = performance.now();
const c0 = process.cpuUsage();
const { Gate } = require(${JSON.stringify(entry)});
Gate.fromConfig(process.argv[2]);
const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify([performance.now() - t0, (c.user + c.system) / 1000]));`;
  // Script files, as a Lambda runtime loads a handler: `node -e` preloads built-ins (node:crypto among
  // them) that a script pays for itself.
  const dir = mkdtempSync(join(tmpdir(), 'playgate-cold-'));
  const entries = {};
  for (const [name, entry] of [['full', 'node'], ['verify', 'verify-node']]) {
    entries[name] = join(dir, `${name}.cjs`);
    writeFileSync(entries[name], probe(join(ROOT, 'pkg', 'dist', entry, 'index.cjs')));
  }
  const runs = { full: { wall: [], cpu: [] }, verify: { wall: [], cpu: [] } };
  // Interleaved, so both entries see the same machine load.
  try {
    for (let i = 0; i < 7; i++) {
      for (const [name, script] of Object.entries(entries)) {
        const [w, c] = JSON.parse(execFileSync(process.execPath, [script, config], { encoding: 'utf8' }));
        runs[name].wall.push(w);
        runs[name].cpu.push(c);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[3];
  const round = (x) => Math.round(x * 10) / 10;
  // Wall time is what a viewer waits for; CPU time (all threads) is the stable figure on a busy machine.
  // Issue 8's target is 10 ms; reported, not enforced (wall time depends on the machine's load).
  // `require('playgate/verify')` (the Lambda@Edge handler's entry) is measured beside the full one.
  writeBudgets('npm', {
    cold_start_ms: round(median(runs.full.wall)),
    cold_start_cpu_ms: round(median(runs.full.cpu)),
    cold_start_verify_ms: round(median(runs.verify.wall)),
    cold_start_verify_cpu_ms: round(median(runs.verify.cpu)),
    cold_start_target_ms: 10,
    cold_start_target_met: Math.min(median(runs.full.wall), median(runs.verify.wall)) <= 10,
  });
  for (const [name, r] of Object.entries(runs)) {
    console.log(`cold start ms (${name}): wall median ${median(r.wall).toFixed(1)} (runs ${r.wall.map((x) => x.toFixed(1)).join(', ')}), CPU median ${median(r.cpu).toFixed(1)}`);
    assert.ok(median(r.wall) < 1000, `cold start ${median(r.wall)} ms`);
  }
});
