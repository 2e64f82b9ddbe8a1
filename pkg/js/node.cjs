'use strict';
// Node entry (CommonJS): the wasm-bindgen `nodejs` glue compiles and instantiates the module
// synchronously on first require.
// ES384 signatures go to node:crypto (OpenSSL) unless `Gate.fromConfig(config, { nativeCrypto: false })`.
const raw = require('./playgate_wasm.js');
const { bindApi, nodeEs384Native } = require('./api.cjs');

let crypto;
try {
  crypto = require('node:crypto');
} catch {
  crypto = undefined; // a Node-like runtime without it: pure WebAssembly
}
const es384 = crypto !== undefined && typeof crypto.verify === 'function' && typeof crypto.createPublicKey === 'function'
  ? (buffer) => nodeEs384Native(crypto, buffer)
  : undefined;

module.exports = bindApi(() => raw, { es384 });
