#!/usr/bin/env node
// Builds the deployable Lambda@Edge zip: validates the configuration with the gate itself, bundles
// it with the handler and the npm package (esbuild), adds the .wasm, zips, prints the size.
//   node build.mjs --config my-config.json [--out dist/playgate-lambda-edge.zip] [--cache-size N]
//     [--revocation-filter f.pgrf] [--revocation-url https://…/f.pgrf [--revocation-ttl S]
//     [--revocation-timeout-ms MS]]
import { build } from 'esbuild';
import yazl from 'yazl';
import { readFileSync, mkdirSync, createWriteStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    out: { type: 'string', default: join(here, 'dist', 'playgate-lambda-edge.zip') },
    'cache-size': { type: 'string' },
    'revocation-filter': { type: 'string' },
    'revocation-url': { type: 'string' },
    'revocation-ttl': { type: 'string' },
    'revocation-timeout-ms': { type: 'string' },
  },
});
const USAGE = 'usage: node build.mjs --config <config.json> [--out <zip>] [--cache-size N]\n'
  + '         [--revocation-filter <f.pgrf>] [--revocation-url <https://…> [--revocation-ttl S] [--revocation-timeout-ms MS]]';
if (!values.config) {
  console.error(USAGE);
  process.exit(2);
}
// Handler options, bundled next to the configuration (the handler reads them at cold start).
const handlerOptions = {};
if (values['cache-size'] !== undefined) {
  const n = Number(values['cache-size']);
  if (!Number.isInteger(n) || n < 0 || n > 1 << 20) {
    console.error(`--cache-size: expected an integer 0..${1 << 20}, got ${values['cache-size']}`);
    process.exit(2);
  }
  handlerOptions.cacheSize = n;
}
const configPath = resolve(values.config);
const out = resolve(values.out);

// 1. Validate with the same code that will run at the edge.
let config;
try {
  config = JSON.parse(readFileSync(configPath, 'utf8'));
} catch (e) {
  console.error(`${configPath}: not a JSON file: ${e.message}`);
  process.exit(1);
}
try {
  const { Gate } = require('playgate/verify');
  Gate.fromConfig(config).free();
} catch (e) {
  console.error(`${configPath}: invalid playgate configuration: ${e.message}`);
  process.exit(1);
}
if (config.deny && config.deny.debug) {
  console.warn(`${configPath}: deny.debug is true: denial reasons will be visible to viewers`);
}

// Revocation: a bundled filter (verified here by the gate itself) and/or a URL to refresh it from.
const BUNDLED_FILTER = 'revocation.pgrf';
let filterBytes = null;
const number = (name) => {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name}: expected a non-negative number, got ${v}`);
    process.exit(2);
  }
  return n;
};
if (values['revocation-filter'] !== undefined || values['revocation-url'] !== undefined) {
  const revocation = {};
  if (values['revocation-filter'] !== undefined) {
    const file = resolve(values['revocation-filter']);
    try {
      filterBytes = readFileSync(file);
      const { Gate } = require('playgate/verify');
      const g = Gate.fromConfig(config, { cacheSize: 0 });
      try {
        g.setRevocationFilter(filterBytes);
      } finally {
        g.free();
      }
    } catch (e) {
      console.error(`${file}: unusable revocation filter: ${e.message}`);
      process.exit(1);
    }
    revocation.bundled = BUNDLED_FILTER;
  }
  if (values['revocation-url'] !== undefined) revocation.url = values['revocation-url'];
  if (values['revocation-ttl'] !== undefined) revocation.ttl = number('revocation-ttl');
  if (values['revocation-timeout-ms'] !== undefined) revocation.timeoutMs = number('revocation-timeout-ms');
  try {
    // The handler's own validation (URL scheme, numbers), with a gate that is thrown away.
    const { Gate } = require('playgate/verify');
    const { createRevocation } = require('./src/revocation.js');
    const g = Gate.fromConfig(config, { cacheSize: 0 });
    createRevocation(g, { ...revocation, bundled: undefined, fetch: () => Promise.reject(new Error('build')) }, { log: () => {} });
    g.free();
  } catch (e) {
    console.error(`revocation options: ${e.message}`);
    process.exit(2);
  }
  if (!config.revocation) {
    console.warn(`${configPath}: no "revocation" section: the filter will not be consulted`);
  }
  handlerOptions.revocation = revocation;
} else if (config.revocation && (config.revocation.on_unavailable || 'deny') === 'deny') {
  console.warn(`${configPath}: "revocation" without --revocation-filter/--revocation-url: tokens with a session id will be denied (revocation_unavailable)`);
}

// 2. Bundle handler + config + package glue into one file.
const bundle = await build({
  entryPoints: [join(here, 'src', 'index.js')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  write: false,
  logLevel: 'warning',
  plugins: [
    {
      name: 'playgate-config',
      setup(b) {
        b.onResolve({ filter: /^playgate-config$/ }, () => ({ path: configPath }));
        b.onResolve({ filter: /^playgate-handler-options$/ }, () => ({ path: 'options', namespace: 'playgate-handler-options' }));
        b.onLoad({ filter: /.*/, namespace: 'playgate-handler-options' }, () => ({
          contents: JSON.stringify(handlerOptions),
          loader: 'json',
        }));
      },
    },
  ],
});
const js = Buffer.from(bundle.outputFiles[0].contents);
const wasm = readFileSync(join(dirname(require.resolve('playgate/verify')), 'playgate_wasm_bg.wasm'));

// 3. Zip with fixed timestamps, so the same inputs give the same zip.
mkdirSync(dirname(out), { recursive: true });
const zip = new yazl.ZipFile();
const mtime = new Date('2020-01-01T00:00:00Z');
zip.addBuffer(js, 'index.js', { mtime, mode: 0o100644 });
zip.addBuffer(wasm, 'playgate_wasm_bg.wasm', { mtime, mode: 0o100644 });
if (filterBytes) zip.addBuffer(filterBytes, BUNDLED_FILTER, { mtime, mode: 0o100644 });
zip.end();
await new Promise((ok, fail) => zip.outputStream.pipe(createWriteStream(out)).on('close', ok).on('error', fail));
const size = statSync(out).size;
const filterNote = filterBytes ? `, ${BUNDLED_FILTER} ${filterBytes.length} bytes` : '';
console.log(`${out}: ${size} bytes (index.js ${js.length} bytes, playgate_wasm_bg.wasm ${wasm.length} bytes${filterNote})`);
