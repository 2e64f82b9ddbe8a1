// Two builds of the npm package, same process, same tokens: `Gate.check` through PLAYGATE_BEFORE (A)
// and PLAYGATE_DIST (B, default pkg/dist), HS256 first sight and cache hit (plain request and a
// Lambda@Edge event with 6 headers), ES384 hybrid and pure WebAssembly. Each round runs every subject
// on both builds back to back, alternating which build goes first; reports median CPU µs per check for
// each and the median of the per-round ratios A ÷ B (> 1: B is faster), which a load change during a
// run moves less than the ratio of medians.
// Usage: PLAYGATE_BEFORE=<pkg/dist copy> [PLAYGATE_DIST=<pkg/dist copy>] [BENCH_ROUNDS=15] node ab.mjs [ms per subject and round, default 100]
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { plainRequest, lambdaEvent } from './requests.mjs';

const require = createRequire(import.meta.url);
const distB = process.env.PLAYGATE_DIST ?? fileURLToPath(new URL('../../pkg/dist', import.meta.url));
if (!process.env.PLAYGATE_BEFORE) throw new Error('set PLAYGATE_BEFORE to a pkg/dist copy');
const A = require(`${process.env.PLAYGATE_BEFORE}/node/index.cjs`);
const B = require(`${distB}/node/index.cjs`);
const MS = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

const now = Math.floor(Date.now() / 1000);
const claims = { exp: now + 3600, 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456' };
const hsKey = { kid: 'hs1', alg: 'HS256', secret: randomBytes(32).toString('base64url') };
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const esKey = { kid: 'ivs-1', alg: 'ES384', private_key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) };
const config = {
  keys: [{ kid: 'hs1', alg: 'HS256', secret: hsKey.secret }, { kid: 'ivs-1', alg: 'ES384', public_key: ec.publicKey.export({ type: 'spki', format: 'pem' }) }],
};
const hs = B.mint(hsKey, claims);
const es = B.mint(esKey, claims, { includeKid: false });
const lambda = lambdaEvent(hs);

const cases = [
  ['HS256 first sight, plain', { cacheSize: 0 }, plainRequest(hs)],
  ['HS256 first sight, Lambda@Edge', { cacheSize: 0 }, lambda],
  ['HS256 cache hit, plain', { cacheSize: 1024 }, plainRequest(hs)],
  ['HS256 cache hit, Lambda@Edge', { cacheSize: 1024 }, lambda],
  ['ES384 hybrid, first sight', { cacheSize: 0 }, plainRequest(es)],
  ['ES384 pure wasm, first sight', { cacheSize: 0, nativeCrypto: false }, plainRequest(es)],
];
const subjects = cases.map(([name, opts, request]) => {
  const [a, b] = [A, B].map((m) => {
    const gate = m.Gate.fromConfig(config, opts);
    return () => { if (!gate.check(request, now).allow) throw new Error(`${name}: denied`); };
  });
  return { name, fns: [a, b], us: [[], []], ratios: [] };
});

function time(fn) {
  // CPU µs per check over about MS ms of wall time (batches doubling up to ~5 ms).
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - start < MS) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) fn();
    ops += batch;
    if (performance.now() - t0 < 5) batch *= 2;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / ops;
}

for (const s of subjects) for (const f of s.fns) time(f); // warm-up (JIT, lazy wasm compilation)
for (let r = 0; r < ROUNDS; r++) {
  for (const s of subjects) {
    const order = r % 2 ? [1, 0] : [0, 1];
    const t = [];
    for (const i of order) t[i] = time(s.fns[i]);
    s.us[0].push(t[0]);
    s.us[1].push(t[1]);
    s.ratios.push(t[0] / t[1]);
  }
}
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const fmt = (us) => (us >= 100 ? us.toFixed(0) : us.toFixed(2)).padStart(8);
console.log(`node ${process.version}; median CPU µs per check, ${ROUNDS} rounds × ${MS} ms per subject and build`);
console.log(`A = ${process.env.PLAYGATE_BEFORE}\nB = ${distB}`);
console.log(`${'subject'.padEnd(32)}        A        B   A÷B (median of rounds, min–max)`);
for (const s of subjects) {
  const rs = [...s.ratios].sort((x, y) => x - y);
  console.log(`${s.name.padEnd(32)} ${fmt(med(s.us[0]))} ${fmt(med(s.us[1]))}   ${med(rs).toFixed(3)} (${rs[0].toFixed(2)}–${rs[rs.length - 1].toFixed(2)})`);
}
