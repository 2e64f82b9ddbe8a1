#!/usr/bin/env node
// Builds the deployable Lambda@Edge zip: validates the configuration with the gate itself, bundles
// it with the handler and the npm package (esbuild), adds the .wasm, zips, prints the size.
//   node build.mjs --config my-config.json [--out dist/playgate-lambda-edge.zip] [--cache-size N]
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
  },
});
const USAGE = 'usage: node build.mjs --config <config.json> [--out <zip>] [--cache-size N]';
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
  const { Gate } = require('playgate');
  Gate.fromConfig(config).free();
} catch (e) {
  console.error(`${configPath}: invalid playgate configuration: ${e.message}`);
  process.exit(1);
}
if (config.deny && config.deny.debug) {
  console.warn(`${configPath}: deny.debug is true: denial reasons will be visible to viewers`);
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
const wasm = readFileSync(join(dirname(require.resolve('playgate')), 'playgate_wasm_bg.wasm'));

// 3. Zip with fixed timestamps, so the same inputs give the same zip.
mkdirSync(dirname(out), { recursive: true });
const zip = new yazl.ZipFile();
const mtime = new Date('2020-01-01T00:00:00Z');
zip.addBuffer(js, 'index.js', { mtime, mode: 0o100644 });
zip.addBuffer(wasm, 'playgate_wasm_bg.wasm', { mtime, mode: 0o100644 });
zip.end();
await new Promise((ok, fail) => zip.outputStream.pipe(createWriteStream(out)).on('close', ok).on('error', fail));
const size = statSync(out).size;
console.log(`${out}: ${size} bytes (index.js ${js.length} bytes, playgate_wasm_bg.wasm ${wasm.length} bytes)`);
