export * from './types.js';

/**
 * Instantiates the module: from a compiled `WebAssembly.Module` (e.g. `import wasm from
 * "playgate/playgate.wasm"`), bytes, a URL, a `Response`, or by default the .wasm beside this file.
 */
export declare function init(input?: WebAssembly.Module | BufferSource | URL | string | Response): Promise<void>;
/** Instantiates synchronously from a compiled `WebAssembly.Module` or bytes. */
export declare function initSync(module: WebAssembly.Module | BufferSource): void;
export default init;
