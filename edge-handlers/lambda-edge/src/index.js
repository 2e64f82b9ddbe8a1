'use strict';
// The deployed entry: Lambda@Edge has no environment variables, so build.mjs bundles the
// configuration (`playgate-config`, validated at build time) and the handler options
// (`playgate-handler-options`: cache size, revocation) into this file, and a bundled revocation filter
// next to it in the zip. The gate is built once per container, at cold start.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const config = require('playgate-config');
const options = { ...require('playgate-handler-options') };
const { createHandler } = require('./handler.js');

if (options.revocation && options.revocation.bundled) {
  const { bundled, ...rest } = options.revocation;
  options.revocation = rest;
  try {
    options.revocation.bytes = readFileSync(join(__dirname, bundled));
  } catch (e) {
    // No copy: the URL (if any) fills in, else the config's revocation.on_unavailable applies.
    console.error(JSON.stringify({ level: 'error', source: 'playgate', event: 'revocation_filter_missing', file: bundled, message: String(e.message) }));
  }
}

exports.handler = createHandler(config, options);
