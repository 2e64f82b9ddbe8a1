#!/usr/bin/env node
// Long differential run: node long.mjs [--cases N] [--seed S] [--out file.json] [--max-print K]
// Prints a progress line every 10,000 cases, every unexplained disagreement (up to --max-print,
// default 20) with its token, and the final counts; writes them as JSON with --out. Exits 1 when
// any disagreement is unexplained. SIGINT/SIGTERM stop it early with the counts so far.

import { writeFileSync } from 'node:fs';
import { describe, runCases } from './run.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const n = Number(opt('cases', '1000000'));
const seed = Number(opt('seed', String(Date.now() % 2 ** 31)));
const out = opt('out', null);
const maxPrint = Number(opt('max-print', '20'));
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(seed)) {
  console.error('usage: node long.mjs [--cases N] [--seed S] [--out file.json] [--max-print K]');
  process.exit(2);
}

const started = Date.now();
let printed = 0;
// SIGINT/SIGTERM end the run after the current batch, with the counts so far.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (stopping = true));
console.log(`differential long run: ${n} cases, seed ${seed}`);
const counts = await runCases({
  seed,
  n,
  onUnexplained: (cs, pg, j, verdict, i) => {
    if (printed++ < maxPrint) console.log(`UNEXPLAINED case ${i}: ${describe(cs, pg, j, verdict)}`);
  },
  stop: () => stopping,
  onProgress: (c) => {
    const s = (Date.now() - started) / 1000;
    console.log(`${c.cases} cases, ${c.agreed} agreed, ${c.deliberate} deliberate, ${c.unexplained} unexplained (${s.toFixed(0)} s)`);
  },
});
const seconds = (Date.now() - started) / 1000;
const summary = { seed, seconds: Math.round(seconds), ...counts };
console.log(JSON.stringify(summary, null, 2));
console.log(`differential: ${counts.cases} cases, ${counts.agreed} agreed, ${counts.deliberate} deliberate (by rule), ${counts.unexplained} unexplained`);
if (out) writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
process.exit(counts.unexplained === 0 ? 0 : 1);
