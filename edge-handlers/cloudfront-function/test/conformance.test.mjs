// The shared corpus (fixtures/conformance) through the generated function: every case whose config
// the generator accepts must give the core's verdict, in Node and under njs. Writes
// target/conformance/cloudfront-{node,njs}.json and budgets-cloudfront.json.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { OUT_DIR, fullFeatured, njsAvailable, runNjs, runNode } from './conformance.mjs';
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

test('corpus under njs (cloudfront-njs)', { skip: (!corpus.length && 'no corpus') || (!njsAvailable() && 'njs is not installed') }, async () => {
  const run = await runNjs(corpus);
  write('cloudfront-njs.json', run.summary);
  assert.deepEqual(failures(run), []);
  assert.ok(run.summary.passed > 0);
});

test('size budget (full-featured function)', () => {
  const full = fullFeatured();
  write('budgets-cloudfront.json', { cloudfront_function_bytes: full.bytes });
  assert.ok(full.bytes <= 10240);
});
