// The shared corpus (fixtures/conformance) through the generated function: every case whose config
// the generator accepts must give the core's verdict, in Node and under njs. Writes
// target/conformance/cloudfront-{node,njs}.json and budgets-cloudfront.json.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { MAX_FUNCTION_BYTES, generate } from '../build.mjs';
import { FULL_FEATURED } from '../tools/sizes.mjs';
import { OUT_DIR, TARGET_BYTES, njsAvailable, runNjs, runNode, sizeBudget } from './conformance.mjs';
import { loadCorpus } from './harness.mjs';

const corpus = loadCorpus();
const write = (name, doc) => {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, name), JSON.stringify(doc, null, 2) + '\n');
};
const failures = (run) => run.results.filter((r) => r.bad.length).map((r) => `${r.c.file} :: ${r.c.name}: ${r.bad.join('; ')}`);

test('corpus is present', () => {
  assert.ok(corpus.length > 0, 'fixtures/conformance/*.cases.json missing (cargo run -p playgate-fixtures)');
});

test('corpus in Node (cloudfront-node)', { skip: !corpus.length }, async () => {
  const run = await runNode(corpus);
  write('cloudfront-node.json', run.summary);
  assert.deepEqual(failures(run), []);
  assert.ok(run.summary.passed > 0);
  assert.equal(run.summary.passed + run.summary.skipped, corpus.length);
});

test('corpus through the unminified build (Node): minifying changes no verdict', { skip: !corpus.length }, async () => {
  const run = await runNode(corpus, { minify: false });
  assert.deepEqual(failures(run), []);
  assert.ok(run.summary.passed > 0);
});

test('corpus under njs (cloudfront-njs)', { skip: (!corpus.length && 'no corpus') || (!njsAvailable() && 'njs is not installed') }, async () => {
  const run = await runNjs(corpus);
  write('cloudfront-njs.json', run.summary);
  assert.deepEqual(failures(run), []);
  assert.ok(run.summary.passed > 0);
});

// Regression ceilings (issue 8; README "Size"): the full-featured function fits in 10 KB (9,628 B;
// with deny.debug too, which test/build.test.mjs checks) but is over the 6 KB aim, so the budget
// records `fits` true and `target_met` false; the old "full-featured" combination (every source,
// channel path, deny.debug) must keep fitting with room to spare.
test('size budget (full-featured function)', () => {
  const budget = sizeBudget();
  write('budgets-cloudfront.json', budget);
  assert.ok(budget.cloudfront_function_bytes <= MAX_FUNCTION_BYTES, `full-featured function over the limit: ${budget.cloudfront_function_bytes} bytes`);
  assert.equal(budget.cloudfront_function_fits, budget.cloudfront_function_bytes <= 10240);
  assert.equal(budget.cloudfront_function_target_met, budget.cloudfront_function_bytes <= TARGET_BYTES);
  const old = generate(JSON.stringify({ ...FULL_FEATURED, paths: undefined, binding: undefined, resolution: undefined, akamai: undefined, revocation: undefined, deny: { debug: true } }));
  assert.ok(old.bytes <= 8300, `every source + channel + debug: ${old.bytes} bytes`);
});
