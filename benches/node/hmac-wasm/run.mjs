// Times the two builds of run.sh interleaved: median and best CPU ns per HMAC over ROUNDS rounds.
import { readFileSync } from 'node:fs';
const [soft, simd] = process.argv.slice(2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 31);
const N = 20000;
const builds = {};
for (const [name, file] of [['soft (no simd128)', soft], ['simd128', simd]]) {
  const { instance } = await WebAssembly.instantiate(readFileSync(file));
  builds[name] = { run: instance.exports.run, ns: [] };
  builds[name].run(N * 5); // warm-up (tier-up)
}
for (let r = 0; r < ROUNDS; r++) {
  for (const b of Object.values(builds)) {
    const c0 = process.cpuUsage();
    b.run(N);
    const c = process.cpuUsage(c0);
    b.ns.push(((c.user + c.system) * 1000) / N);
  }
}
console.log(`node ${process.version}; CPU ns per HMAC-SHA256 of 179 bytes (prepared key), ${ROUNDS} interleaved rounds × ${N}`);
for (const [name, b] of Object.entries(builds)) {
  b.ns.sort((x, y) => x - y);
  console.log(`${name.padEnd(18)} median ${b.ns[ROUNDS >> 1].toFixed(0)}  best ${b.ns[0].toFixed(0)}`);
}
