// Node benchmark: playgate's Gate.check (the npm package: request object → wasm → decision, including
// token location, header/claims checks and token removal) against fast-jwt, jose and jsonwebtoken
// verifying the same HS256 and ES384 tokens, and aws-jwt-verify (ES384 only: it verifies asymmetric
// signatures) through a local JWKS, in the same process and run. Prints ops/s and the ratio
// of each peer to playgate.  Usage: node bench.mjs [seconds per subject, default 2]
import { generateKeyPairSync, createSecretKey, randomBytes, createHmac, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { JwtVerifier } from 'aws-jwt-verify';
import { createRequire } from 'node:module';
import * as playgate from 'playgate';

// PLAYGATE_DIST=<a pkg/dist copy>: measure that build instead of the installed package.
const { Gate, mint } = process.env.PLAYGATE_DIST
  ? createRequire(import.meta.url)(`${process.env.PLAYGATE_DIST}/node/index.cjs`)
  : playgate;

const SECONDS = Number(process.argv[2] ?? 2);
const now = Math.floor(Date.now() / 1000);
const claims = { exp: now + 3600, 'aws:channel-arn': 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456' };

const secret = randomBytes(32);
const hsKey = { kid: 'hs1', alg: 'HS256', secret: secret.toString('base64url') };
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const esPem = ec.publicKey.export({ type: 'spki', format: 'pem' });
const esKey = { kid: 'ivs-1', alg: 'ES384', private_key: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) };

// The ES384 token carries its `kid` (IVS's own tokens do not): aws-jwt-verify picks the JWK by `kid`
// only, and every subject verifies the same token.
const tokens = { HS256: mint(hsKey, claims), ES384: mint(esKey, claims) };
const config = {
  keys: [{ kid: 'hs1', alg: 'HS256', secret: hsKey.secret }, { kid: 'ivs-1', alg: 'ES384', public_key: esPem }],
};
// First sight (cache off) is the fair comparison with uncached peers; the cached gate is the one a
// viewer's repeated segment requests meet, comparable with fast-jwt's cache.
// ES384 signatures go to node:crypto by default in Node (hybrid); `nativeCrypto: false` keeps them in
// WebAssembly (p384).
const gate = Gate.fromConfig(config, { cacheSize: 0 });
const wasmGate = Gate.fromConfig(config, { cacheSize: 0, nativeCrypto: false });
const cachedGate = Gate.fromConfig(config, { cacheSize: 1024 });
// PLAYGATE_BEFORE=<a copy of an older pkg/dist>: the same playgate subjects through that build too,
// in the same process and rounds (same-run before/after ratios).
const before = process.env.PLAYGATE_BEFORE
  ? createRequire(import.meta.url)(`${process.env.PLAYGATE_BEFORE}/node/index.cjs`)
  : undefined;
const beforeGates = before && {
  gate: before.Gate.fromConfig(config, { cacheSize: 0 }),
  wasmGate: before.Gate.fromConfig(config, { cacheSize: 0, nativeCrypto: false }),
  cachedGate: before.Gate.fromConfig(config, { cacheSize: 1024 }),
};
const joseKeys = { HS256: createSecretKey(secret), ES384: ec.publicKey };
// aws-jwt-verify with the JWKS handed to it (`cacheJwks`: nothing is fetched) and `verifySync`; it
// checks the signature and `exp` (issuer and audience checks off: the IVS-style claims have neither).
const awsVerifier = JwtVerifier.create({ issuer: null, audience: null, jwksUri: 'https://issuer.example/.well-known/jwks.json' });
awsVerifier.cacheJwks({ keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'ivs-1', alg: 'ES384', use: 'sig' }] });
const nodeKeys = { HS256: secret, ES384: esPem };

// The minimal verifier a user could write with node:crypto alone: split, check the header's alg,
// verify (HMAC compared in constant time / ECDSA with a KeyObject), parse the claims, check exp.
const HEADERS = { HS256: Buffer.from('{"alg":"HS256"', 'utf8'), ES384: Buffer.from('{"alg":"ES384"', 'utf8') };
function handWritten(alg, token) {
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  const header = Buffer.from(token.slice(0, dot1), 'base64url');
  if (header.subarray(0, HEADERS[alg].length).compare(HEADERS[alg]) !== 0) throw new Error('alg');
  const signed = token.slice(0, dot2);
  const sig = Buffer.from(token.slice(dot2 + 1), 'base64url');
  let ok;
  if (alg === 'HS256') {
    const mac = createHmac('sha256', secret).update(signed).digest();
    ok = mac.length === sig.length && timingSafeEqual(mac, sig);
  } else {
    ok = cryptoVerify('sha384', Buffer.from(signed), { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, sig);
  }
  if (!ok) throw new Error('signature');
  const claims = JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url'));
  if (!(claims.exp > now)) throw new Error('expired');
  return claims;
}

function subjects(alg) {
  const token = tokens[alg];
  const request = { method: 'GET', uri: '/live/stream/seg_00042.ts', querystring: `token=${token}`, headers: {} };
  const fj = createVerifier({ key: nodeKeys[alg], algorithms: [alg], cache: false });
  const fjCache = createVerifier({ key: nodeKeys[alg], algorithms: [alg], cache: true });
  const first = alg === 'ES384'
    ? [
        ['playgate check (hybrid, first sight)', () => { if (!gate.check(request, now).allow) throw new Error('denied'); }],
        ['playgate check (pure wasm, first sight)', () => { if (!wasmGate.check(request, now).allow) throw new Error('denied'); }],
      ]
    : [['playgate check (wasm, first sight)', () => { if (!gate.check(request, now).allow) throw new Error('denied'); }]];
  const old = beforeGates
    ? [
        [`before: playgate check (${alg === 'ES384' ? 'hybrid' : 'wasm'}, first sight)`, () => { if (!beforeGates.gate.check(request, now).allow) throw new Error('denied'); }],
        ...(alg === 'ES384'
          ? [['before: playgate check (pure wasm, first sight)', () => { if (!beforeGates.wasmGate.check(request, now).allow) throw new Error('denied'); }]]
          : []),
        ['before: playgate check (cache hit)', () => { if (!beforeGates.cachedGate.check(request, now).allow) throw new Error('denied'); }],
      ]
    : [];
  return [
    ...first,
    ['playgate check (wasm, cache hit)', () => { if (!cachedGate.check(request, now).allow) throw new Error('denied'); }],
    ...old,
    ['fast-jwt', () => fj(token)],
    ['fast-jwt (cache on, same token)', () => fjCache(token)],
    // KeyObjects: given a Buffer or PEM string, jsonwebtoken re-imports the key on every call (~350 µs).
    ['jsonwebtoken', () => jsonwebtoken.verify(token, joseKeys[alg], { algorithms: [alg] })],
    ['jose (async)', () => jose.jwtVerify(token, joseKeys[alg], { algorithms: [alg] }), true],
    ...(alg === 'ES384' ? [['aws-jwt-verify (local JWKS)', () => awsVerifier.verifySync(token)]] : []),
    ['node:crypto (hand-written)', () => handWritten(alg, token)],
  ];
}

// Subjects are interleaved over ROUNDS rounds (so a burst of load elsewhere on the machine hits them
// all alike); each reports its median round and its best round.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
async function measureAll(list) {
  const rates = list.map(() => []);
  // Warm up (JIT, lazy wasm compilation): 300 ms each.
  for (const [, fn, isAsync] of list) {
    const start = performance.now();
    while (performance.now() - start < 300) {
      if (isAsync) await fn();
      else fn();
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, [, fn, isAsync]] of list.entries()) {
      let ops = 0;
      let batch = 1;
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      const ms = (SECONDS * 1000) / ROUNDS;
      while (performance.now() - start < ms) {
        const t0 = performance.now();
        if (isAsync) for (let k = 0; k < batch; k++) await fn();
        else for (let k = 0; k < batch; k++) fn();
        ops += batch;
        if (performance.now() - t0 < 10) batch *= 2;
      }
      // Rates per CPU second of this process (user + system, all its threads): on a shared machine,
      // time spent waiting for a core is not counted against the subject.
      const cpu = process.cpuUsage(cpu0);
      rates[i].push((ops / (cpu.user + cpu.system)) * 1e6);
    }
  }
  return rates.map((r) => {
    r.sort((a, b) => a - b);
    return { median: r[Math.floor(r.length / 2)], best: r[r.length - 1] };
  });
}

const json = {}; // written to $BENCH_JSON when set (benches/report.sh)
const fmt = (n) => (n >= 10000 ? `${(n / 1000).toFixed(1)} k` : n >= 1000 ? `${(n / 1000).toFixed(2)} k` : n.toFixed(0)).padStart(9);
console.log(`node ${process.version}, ${SECONDS} s per subject in ${ROUNDS} interleaved rounds; ops per CPU second; ratio = peer ÷ playgate (median rounds)`);
for (const alg of ['HS256', 'ES384']) {
  console.log(`\n${alg} (token ${tokens[alg].length} chars)                      median ops/s    best ops/s   ratio`);
  const list = subjects(alg);
  for (const [, fn] of list) await fn(); // each verifies the token before it is timed
  const results = await measureAll(list);
  const base = results[0].median;
  for (const [i, [name]] of list.entries()) {
    const { median, best } = results[i];
    console.log(`  ${name.padEnd(40)} ${fmt(median)}    ${fmt(best)}    ${(median / base).toFixed(2)}`);
    (json[alg] ??= {})[name] = { median, best };
  }
}
if (process.env.BENCH_JSON) (await import('node:fs')).writeFileSync(process.env.BENCH_JSON, JSON.stringify(json, null, 2));
