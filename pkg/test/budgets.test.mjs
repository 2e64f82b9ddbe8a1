// Size and cold-start budgets of the npm package, written to target/conformance/budgets-npm.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, CORPUS, writeBudgets } from './corpus.mjs';

const WASM_GZIP_BUDGET = 120 * 1024;

test(`wasm is at most ${WASM_GZIP_BUDGET} bytes gzipped`, () => {
  const wasm = readFileSync(join(ROOT, 'pkg', 'dist', 'web', 'playgate_wasm_bg.wasm'));
  const gz = gzipSync(wasm, { level: 9 }).length;
  writeBudgets('npm', { wasm_bytes: wasm.length, wasm_gzip_bytes: gz });
  assert.ok(gz <= WASM_GZIP_BUDGET, `wasm is ${gz} bytes gzipped (budget ${WASM_GZIP_BUDGET})`);
});

test('cold start: require + instantiate + config load in a fresh node process', () => {
  // A config with HS and ES384 (PEM and JWK) keys: the most parsing a load does.
  const config = readFileSync(join(CORPUS, 'mixed.config.json'), 'utf8');
  const probe = `
const t0 = performance.now();
const { Gate } = require(${JSON.stringify(join(ROOT, 'pkg', 'dist', 'node', 'index.cjs'))});
Gate.fromConfig(process.argv[1]);
process.stdout.write(String(performance.now() - t0));`;
  const runs = [];
  for (let i = 0; i < 7; i++) runs.push(Number(execFileSync(process.execPath, ['-e', probe, config], { encoding: 'utf8' })));
  runs.sort((a, b) => a - b);
  const median = runs[3];
  writeBudgets('npm', { cold_start_ms: Math.round(median * 10) / 10 });
  console.log(`cold start ms: median ${median.toFixed(1)} (runs ${runs.map((r) => r.toFixed(1)).join(', ')})`);
  assert.ok(median < 1000, `cold start ${median} ms`);
});
