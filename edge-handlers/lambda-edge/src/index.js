'use strict';
// The deployed entry: Lambda@Edge has no environment variables, so build.mjs bundles the
// configuration (`playgate-config`, validated at build time) into this file. The gate is built once
// per container, at cold start.
const config = require('playgate-config');
// Handler options from build.mjs (`--cache-size`, …): not part of the gate configuration.
const options = require('playgate-handler-options');
const { createHandler } = require('./handler.js');

exports.handler = createHandler(config, options);
