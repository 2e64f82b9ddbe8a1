// The npm package's web modules in a real browser (Debian's Chromium, driven by playwright-core):
// `pkg/dist/web/index.mjs` (full) and `pkg/dist/verify/index.mjs` (verify-only), both built with
// WebAssembly SIMD, loaded by a page with `await init()` from a tiny static server on 127.0.0.1.
// The page fetches the conformance corpus (fixtures/conformance/) from the same server and decides
// every case with both modules; Node compares the verdicts case by case exactly as the npm suite does
// (pkg/test/conformance.test.mjs: allow/status/reason, the forwarded uri/query when the case gives
// one, `request: null` on a deny, revocation filters from the corpus). Then minted HS256 and ES384
// tokens (ES384 signed and verified by the pure-wasm P-384: no node:crypto in a browser) are allowed
// and tampered ones refused with `bad_signature`.
// Run through scripts/test.d/70-browser.sh (it installs chromium and builds the package when stale);
// it prints the counts this file writes to target/browser-wasm.json; each module's is also a
// conformance surface, target/conformance/browser-web.json and browser-verify.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join, resolve, sep, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadCases, assertExpected, writeSurface, CORPUS } from '../../pkg/test/corpus.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'pkg', 'dist');
const SUMMARY = join(ROOT, 'target', 'browser-wasm.json');
// The launch arguments of demo.test.mjs (without the background-networking flags Chromium keeps
// dialling out).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
];
const MODULES = ['web', 'verify'];

// The same case list as the npm suite (conformance.test.mjs: `loadCases({ withFilterCases: true })`);
// it skips nothing, so neither does this file (`skipped` stays 0 unless that changes).
const cases = loadCases({ withFilterCases: true });
const caseFiles = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.cases.json') || f.endsWith('.filter-cases.json'))
  .sort();
const summary = { cases: cases.length, modules: MODULES.length, passed: 0, failed: 0, skipped: 0, skipped_reasons: {}, tokens: 'not run' };
// Per module, as the conformance surfaces `browser-web` and `browser-verify` (docs/contracts.md §4).
const surfaces = Object.fromEntries(MODULES.map((m) => [m, { passed: 0, failed: 0, skipped: 0, skipped_reasons: {} }]));

const PAGE = `<!doctype html><meta charset="utf-8"><title>playgate wasm</title><link rel="icon" href="data:,">
<script type="module">
try {
  const [web, verify] = await Promise.all([import('/dist/web/index.mjs'), import('/dist/verify/index.mjs')]);
  await web.init();
  await verify.init();
  window.playgate = { web, verify };
} catch (e) {
  window.playgateError = String((e && e.stack) || e);
}
</script>`;

const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const MOUNTS = { '/dist/': DIST, '/corpus/': CORPUS };

/** Serves the page, `/dist/*` (pkg/dist) and `/corpus/*` (fixtures/conformance), nothing else. */
async function handle(req, res) {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (req.method !== 'GET') return res.writeHead(405).end();
  if (path === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  for (const [prefix, dir] of Object.entries(MOUNTS)) {
    if (!path.startsWith(prefix)) continue;
    const file = resolve(dir, '.' + path.slice(prefix.length - 1));
    if (!file.startsWith(dir + sep)) break;
    try {
      const body = await readFile(file);
      return res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      break;
    }
  }
  res.writeHead(404).end();
}

let server;
let base;
let browser;
let page;
const pageErrors = [];
let verdicts; // { web: { [case id]: outcome }, verify: {...} }
let userAgent;

before(async () => {
  for (const m of MODULES) {
    assert.ok(existsSync(join(DIST, m, 'index.mjs')), `pkg/dist/${m}/index.mjs is missing: run bash pkg/build.sh`);
  }
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) pageErrors.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.playgate || window.playgateError, null, { timeout: 30000 });
  const err = await page.evaluate(() => window.playgateError);
  assert.equal(err, undefined, `the web modules did not load: ${err}`);
  userAgent = await page.evaluate(() => navigator.userAgent);
  verdicts = await page.evaluate(runCorpus, { files: caseFiles, modules: MODULES });
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
  mkdirSync(dirname(SUMMARY), { recursive: true });
  // The totals are the modules' sums.
  for (const k of ['passed', 'failed']) summary[k] = MODULES.reduce((n, m) => n + surfaces[m][k], 0);
  writeFileSync(SUMMARY, JSON.stringify({ ...summary, user_agent: userAgent ?? null }, null, 2) + '\n');
  for (const m of MODULES) writeSurface(`browser-${m}`, surfaces[m]);
});

/**
 * Runs in the page: fetches every case file and config from /corpus/, and decides every case with
 * each module in corpus order, one gate per config as the npm suite keeps them (a revocation filter
 * set by one case stays on that gate for the next). Returns each case's outcome by id.
 */
async function runCorpus({ files, modules }) {
  const json = async (url) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  };
  // As loadCases: a missing or unreadable config fails its cases, not the whole run.
  const configs = new Map();
  const config = async (ref) => {
    if (typeof ref !== 'string') return ref;
    if (!configs.has(ref)) {
      try {
        configs.set(ref, await json(`/corpus/${ref}`));
      } catch (e) {
        configs.set(ref, { unreadable: `${ref}: ${e.message}` });
      }
    }
    return configs.get(ref);
  };
  const filters = new Map();
  const filter = async (name) => {
    if (!filters.has(name)) {
      const r = await fetch(`/corpus/${name}`);
      filters.set(name, r.ok ? new Uint8Array(await r.arrayBuffer()) : null);
    }
    return filters.get(name);
  };
  const all = [];
  for (const file of files) {
    const { cases } = await json(`/corpus/${file}`);
    for (const c of cases) {
      all.push({
        ...c,
        id: `${file}: ${c.name}`,
        configName: typeof c.config === 'string' ? c.config : JSON.stringify(c.config),
        config: await config(c.config),
        filterBytes: c.revocation?.filter ? await filter(c.revocation.filter) : null,
      });
    }
  }
  const errorOf = (e) => ({ code: e?.code ?? null, name: e?.name ?? null, message: String(e?.message ?? e) });
  const out = {};
  for (const name of modules) {
    const { Gate } = window.playgate[name];
    const gates = new Map();
    const results = {};
    for (const c of all) {
      const r = { id: c.id };
      try {
        if (!gates.has(c.configName)) gates.set(c.configName, Gate.fromConfig(c.config));
        const gate = gates.get(c.configName);
        // applyRevocation (pkg/test/corpus.mjs): a filter that fails to load leaves the gate without one.
        if (c.revocation) {
          gate.clearRevocationFilter();
          if (c.revocation.filter) {
            try {
              if (c.filterBytes === null) throw Object.assign(new Error(`${c.revocation.filter}: not served`), { code: 'ENOENT' });
              gate.setRevocationFilter(c.filterBytes.slice());
            } catch (e) {
              r.revocationError = errorOf(e);
            }
          }
        }
        // A copy per module: the second module must not see anything the first one did to it.
        const d = gate.check(structuredClone(c.request), c.now);
        r.decision = { allow: d.allow, status: d.status, reason: d.reason, forward: d.forward, request: d.request, requestIsNull: d.request === null };
      } catch (e) {
        r.threw = errorOf(e);
      }
      results[c.id] = r;
    }
    out[name] = results;
  }
  return out;
}

test('the corpus is not empty and the page decided every case with both modules', () => {
  assert.ok(cases.length > 100, `only ${cases.length} cases`);
  for (const m of MODULES) {
    assert.deepEqual(Object.keys(verdicts[m]).sort(), cases.map((c) => c.id).sort(), `${m}: the cases the browser fetched`);
  }
  assert.match(userAgent, /Chrome\//);
});

for (const m of MODULES) {
  for (const c of cases) {
    test(`${m}: ${c.id}`, () => {
      try {
        const r = verdicts[m][c.id];
        assert.ok(r, 'no verdict from the browser');
        // Errors the npm suite would have thrown (gateFor, applyRevocation, check) fail the case too.
        if (r.threw) assert.fail(`threw ${JSON.stringify(r.threw)}`);
        if (r.revocationError) assert.equal(r.revocationError.code, 'invalid_revocation_filter', JSON.stringify(r.revocationError));
        const d = r.decision;
        assertExpected(d, c.expect, d.requestIsNull);
        surfaces[m].passed++;
      } catch (e) {
        surfaces[m].failed++;
        throw e;
      }
    });
  }
}

test('minted HS256 and ES384 tokens are allowed by both modules, tampered ones are bad_signature', async () => {
  summary.tokens = 'failed';
  // Only the key pair comes from Node; signing (full module) and verifying (both) run in the page.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const got = await page.evaluate(({ pem }) => {
    const { web } = window.playgate;
    const now = 1_900_000_000;
    const hs = { kid: 'hs-1', alg: 'HS256', secret: 'MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE' };
    const es = web.SigningKey.fromJson({ kid: 'es-1', alg: 'ES384', private_key: pem });
    const config = { keys: [hs, es.verifyingEntry()] };
    const tokens = {
      HS256: web.mint(hs, { sub: 'viewer' }, { now, expiresIn: 300 }),
      ES384: es.mint({ sub: 'viewer' }, { now, expiresIn: 300 }),
    };
    // One character in the middle of the signature (never the last, whose low bits may be unused).
    const tamper = (t) => {
      const i = t.lastIndexOf('.') + 10;
      return t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
    };
    const out = {};
    for (const name of ['web', 'verify']) {
      const gate = window.playgate[name].Gate.fromConfig(config);
      out[name] = { nativeCrypto: gate.nativeCrypto };
      for (const [alg, token] of Object.entries(tokens)) {
        const header = JSON.parse(atob(token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/')));
        const check = (t) => {
          const d = gate.check({ method: 'GET', uri: '/v/seg-1.ts', querystring: `token=${t}` }, now + 10);
          return { allow: d.allow, status: d.status, reason: d.reason };
        };
        out[name][alg] = { alg: header.alg, good: check(token), tampered: check(tamper(token)) };
      }
    }
    return out;
  }, { pem });
  for (const m of MODULES) {
    assert.equal(got[m].nativeCrypto, false, `${m}: ES384 verified by WebAssembly, not a host verifier`);
    for (const alg of ['HS256', 'ES384']) {
      assert.equal(got[m][alg].alg, alg);
      assert.deepEqual(got[m][alg].good, { allow: true, status: 200, reason: null }, `${m} ${alg}`);
      assert.deepEqual(got[m][alg].tampered, { allow: false, status: 403, reason: 'bad_signature' }, `${m} ${alg} tampered`);
    }
  }
  summary.tokens = 'ok';
});

test('the page logged no errors', () => {
  assert.deepEqual(pageErrors, []);
});
