'use strict';
// Node entry (CommonJS): the wasm-bindgen `nodejs` glue compiles and instantiates the module
// synchronously on first require.
// ES384 signatures go to node:crypto (OpenSSL) unless `Gate.fromConfig(config, { nativeCrypto: false })`.
const raw = require('./playgate_wasm.js');
const { bindApi, nodeEs384Native } = require('./api.cjs');

// node:crypto is loaded on the first ES384 signature it is handed, not here: loading it is about a
// fifth of a cold start (≈ 3-4 ms), which gates that never see an ES384 token need not pay. A runtime
// where it cannot be loaded gets the pure-WebAssembly check (the verifier then answers "undecided").
let crypto;
const lazyCrypto = {
  createPublicKey: (key) => (crypto ??= require('node:crypto')).createPublicKey(key),
  // Only called once createPublicKey has succeeded.
  verify: (algorithm, data, key, signature) => crypto.verify(algorithm, data, key, signature),
};
let hasCrypto = true;
try {
  const { isBuiltin } = require('node:module');
  if (typeof isBuiltin === 'function') hasCrypto = isBuiltin('node:crypto');
} catch {
  // No node:module to ask: try node:crypto on first use (a failure there means WebAssembly).
}
const es384 = hasCrypto
  ? (buffer) => nodeEs384Native(lazyCrypto, buffer)
  : undefined;

module.exports = bindApi(() => raw, { es384 });
