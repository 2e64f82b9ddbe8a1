#!/usr/bin/env node
// Size of the generated function for representative configs and for every config in the
// conformance corpus (bytes; CloudFront Functions' limit is 10,240).
//
//   node tools/sizes.mjs [--build path/to/build.mjs] [--markdown]
//
// `--build` measures another generator (e.g. an older checkout's build.mjs) on the same configs.
// FULL_FEATURED is the `cloudfront_function_bytes` budget: every token source, a channel path
// template and every policy a CloudFront Function can run (HS256 JWT, paths, binding with digest
// keys, resolution, Akamai EdgeAuth, revocation).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(HERE, '../../../fixtures/conformance');
// TEST-ONLY key material.
const SECRET = Buffer.alloc(32, 1).toString('base64url');
const AK = '00112233445566778899aabbccddeeff';

const hs = (extra = {}) => ({ keys: [{ kid: 'k1', alg: 'HS256', secret: SECRET }, { kid: 'k2', alg: 'HS256', secret: SECRET }], ...extra });
const ALL_SOURCES = [{ query: 'token' }, { cookie: 'pg_token' }, { header: 'x-playgate-token' }, { bearer: true }, { path_segment: true }];
const CHANNEL = { require_exp: true, leeway: 30, max_lifetime: 86400, channel: { path: '/channels/{id}/', arn: 'arn:aws:ivs:us-west-2:123456789012:channel/{id}' } };
const PATHS = { exempt: ['/ads/**'], require: true };
const BINDING = { keys: [SECRET], require: ['ip', 'country'] };
const RESOLUTION = { renditions: [{ pattern: '/**/1080p/**', lines: 1080 }, { pattern: '/**/720p/**', lines: 720 }] };
const AKAMAI = { keys: [{ kid: 'current', secret_hex: AK }], algorithm: 'sha256', salt: 's' };
const REVOCATION = { max_age: 900 };
const Q = { sources: [{ query: 'token' }] };

/**
 * Everything a CloudFront Function can do, at once: the `cloudfront_function_bytes` budget. deny.debug
 * is left out: it is a diagnostic that sends the reason to the viewer (its size is reported apart).
 */
export const FULL_FEATURED = hs({
  token: { sources: ALL_SOURCES, max_length: 4096 },
  claims: CHANNEL,
  paths: PATHS, binding: BINDING, resolution: RESOLUTION, akamai: AKAMAI, revocation: REVOCATION,
});

/** [name, config] pairs, smallest first. */
export const CONFIGS = [
  ['HS256, one query source', hs({ token: Q })],
  ['Akamai only (`keys: []`), one query source', { keys: [], token: { sources: [{ query: '__token__' }] }, akamai: AKAMAI }],
  ['HS256, all five sources + channel path template + `deny.debug` (the old "full-featured")', hs({ token: { sources: ALL_SOURCES }, claims: CHANNEL, deny: { debug: true } })],
  ['HS256, one query source + `revocation`', hs({ token: Q, revocation: REVOCATION })],
  ['HS256, one query source + `paths` + `binding` (digest keys) + `resolution`', hs({ token: Q, paths: PATHS, binding: BINDING, resolution: RESOLUTION })],
  ['HS256, one query source + `akamai` + `paths` + `resolution`', hs({ token: Q, akamai: AKAMAI, paths: PATHS, resolution: RESOLUTION })],
  ['Akamai only, one query source + `paths` + `binding` + `resolution` + `revocation`', { keys: [], token: Q, paths: PATHS, binding: BINDING, resolution: RESOLUTION, akamai: AKAMAI, revocation: REVOCATION }],
  ['HS256 + Akamai, one query source, every policy section (no `deny.debug`)', hs({ token: Q, paths: PATHS, binding: BINDING, resolution: RESOLUTION, akamai: AKAMAI, revocation: REVOCATION })],
  ['**full-featured** (`cloudfront_function_bytes`): HS256 + Akamai, every source, channel path template, paths, binding (digest keys), resolution, revocation', FULL_FEATURED],
  ['full-featured + `deny.debug` (every section, source and option at once)', { ...FULL_FEATURED, deny: { debug: true } }],
];

/** Every distinct config file of the corpus, by name. */
export function corpusConfigs() {
  if (!fs.existsSync(CORPUS)) return [];
  return fs.readdirSync(CORPUS).filter((f) => f.endsWith('.config.json')).sort()
    .map((f) => [`corpus ${f}`, fs.readFileSync(path.join(CORPUS, f), 'utf8')]);
}

/** `[name, bytes | 'refused: …']` for each config, through `generate` of the given build module. */
export async function measure(buildPath = path.join(HERE, '../build.mjs')) {
  const { generate } = await import(pathToFileURL(path.resolve(buildPath)).href);
  return CONFIGS.map(([n, c]) => [n, JSON.stringify(c)]).concat(corpusConfigs()).map(([name, text]) => {
    try {
      return [name, generate(text).bytes];
    } catch (e) {
      const m = /generates (\d+) bytes/.exec(e.message);
      return [name, m ? `${m[1]} (refused: over 10 KB)` : `refused: ${e.message.slice(0, 60)}`];
    }
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--build');
  const rows = await measure(at >= 0 ? args[at + 1] : undefined);
  if (args.includes('--markdown')) {
    process.stdout.write('| config | bytes |\n|---|---|\n' + rows.map(([n, b]) => `| ${n} | ${typeof b === 'number' ? b.toLocaleString('en-US') : b} |`).join('\n') + '\n');
  } else {
    for (const [n, b] of rows) process.stdout.write(`${String(b).padStart(8)}  ${n}\n`);
  }
}
