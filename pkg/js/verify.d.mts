// `playgate/verify`: the gate only (no minting), over the smaller verify-only module.
export type {
  Reason, Alg, KeyConfig, TokenSource, Config, PlainRequest, CloudFrontValue, CloudFrontFunctionsRequest,
  CloudFrontFunctionsEvent, LambdaEdgeRequest, LambdaEdgeEvent, AnyRequest, ForwardedRequest, Decision,
  ConfigError, RevocationFilterError, RevocationConfig, GateOptions, Es384Verifier,
} from '../web/types.js';
export { Gate } from '../web/types.js';

/**
 * Instantiates the module: from a compiled `WebAssembly.Module` (e.g. `import wasm from
 * "playgate/verify.wasm"`), bytes, a URL, a `Response`, or by default the .wasm beside this file.
 */
export declare function init(input?: WebAssembly.Module | BufferSource | URL | string | Response): Promise<void>;
/** Instantiates synchronously from a compiled `WebAssembly.Module` or bytes. */
export declare function initSync(module: WebAssembly.Module | BufferSource): void;
export default init;
