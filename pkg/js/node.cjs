'use strict';
// Node entry (CommonJS): the wasm-bindgen `nodejs` glue compiles and instantiates the module
// synchronously on first require.
const raw = require('./playgate_wasm.js');
const { bindApi } = require('./api.cjs');

module.exports = bindApi(() => raw);
