// The npm boundary on the same build: the same HS256 check through `Gate.check` (request object →
// one packed string → a number back) and through the previous boundary, rebuilt here from the raw
// bindings exactly as `Gate.check` did it before the hot path (JSON.stringify → wasm parses the
// document → decision JSON → JSON.parse → forwarded request copied in the input's shape). Plain
// shape and a Lambda@Edge event with 6 headers, cache off and on; median CPU µs per check over
// BENCH_ROUNDS (default 5) interleaved rounds. PLAYGATE_BEFORE=<older pkg/dist copy> adds that
// build's Gate.check.  Usage: node boundary.mjs [checks per round, default 40000]
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import * as playgate from 'playgate';
import { plainRequest, lambdaEvent } from './requests.mjs';

// PLAYGATE_DIST=<a pkg/dist copy>: measure that build instead of the installed package.
const entry = process.env.PLAYGATE_DIST ? `${process.env.PLAYGATE_DIST}/node/index.cjs` : createRequire(import.meta.url).resolve('playgate');
const { Gate, mint } = process.env.PLAYGATE_DIST ? createRequire(import.meta.url)(entry) : playgate;
// The raw bindings beside the Node entry: the same module instance as `playgate`'s.
const raw = createRequire(entry)('./playgate_wasm.js');
const PER_ROUND = Number(process.argv[2] ?? 40000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const now = Math.floor(Date.now() / 1000);
const claims = { exp: now + 3600, 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456' };
const hsKey = { kid: 'hs1', alg: 'HS256', secret: randomBytes(32).toString('base64url') };
const token = mint(hsKey, claims);
const plain = plainRequest(token);
const lambda = lambdaEvent(token);

// The previous Gate.check for object inputs.
function previousCheck(rawGate, request, at) {
  const d = JSON.parse(rawGate.check(JSON.stringify(request), at));
  if (!d.allow) return { allow: false, status: d.status, reason: d.reason, request: null };
  const req = request.Records !== undefined ? request.Records[0].cf.request : request;
  return { allow: true, status: 200, reason: null, request: { ...req, uri: d.forward.uri, querystring: d.forward.querystring }, forward: d.forward };
}

// Every subject's rounds are interleaved with the others' (a burst of load elsewhere on the machine
// hits them all alike); each reports its median round.
function runAll(fns) {
  for (const f of fns) for (let i = 0; i < 20000; i++) f();
  const us = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    fns.forEach((f, k) => {
      const t0 = process.cpuUsage();
      for (let i = 0; i < PER_ROUND; i++) if (!f().allow) throw new Error('denied');
      const c = process.cpuUsage(t0);
      us[k].push((c.user + c.system) / PER_ROUND);
    });
  }
  return us.map((u) => u.sort((a, b) => a - b)[ROUNDS >> 1]);
}

// PLAYGATE_BEFORE=<an older pkg/dist copy>: also that build's Gate.check (its own hot path), same process.
const before = process.env.PLAYGATE_BEFORE
  ? createRequire(import.meta.url)(`${process.env.PLAYGATE_BEFORE}/node/index.cjs`)
  : undefined;
console.log(`node ${process.version}; median CPU µs per check (${ROUNDS} interleaved rounds × ${PER_ROUND})`);
console.log('subject'.padEnd(34), 'hot path', ' previous', ' speed-up', before ? '  before build' : '');
const rows = [];
const fns = [];
for (const size of [0, 1024]) {
  const gate = Gate.fromConfig({ keys: [hsKey] }, { cacheSize: size });
  const rawGate = raw.RawGate.fromJson(JSON.stringify({ keys: [hsKey] }), size);
  const oldGate = before?.Gate.fromConfig({ keys: [hsKey] }, { cacheSize: size });
  for (const [shape, request] of [['plain', plain], ['Lambda@Edge event', lambda]]) {
    rows.push({ name: `${shape}, cache ${size ? 'hit' : 'off'}`, at: fns.length, old: oldGate !== undefined });
    fns.push(() => gate.check(request, now), () => previousCheck(rawGate, request, now));
    if (oldGate) fns.push(() => oldGate.check(request, now));
  }
}
const t = runAll(fns);
for (const { name, at, old } of rows) {
  const [hot, prev, was] = [t[at], t[at + 1], old ? t[at + 2] : undefined];
  console.log(
    name.padEnd(34), hot.toFixed(2).padStart(8), prev.toFixed(2).padStart(9), `${(prev / hot).toFixed(2)}×`.padStart(9),
    was === undefined ? '' : `${was.toFixed(2).padStart(8)} (${(was / hot).toFixed(2)}×)`,
  );
}
