// `require('playgate/verify')` in Node: the gate only (no minting), over the verify-only module,
// instantiated synchronously on first require like the main Node entry (no `init`).
export type {
  Reason, Alg, KeyConfig, TokenSource, Config, PlainRequest, CloudFrontValue, CloudFrontFunctionsRequest,
  CloudFrontFunctionsEvent, LambdaEdgeRequest, LambdaEdgeEvent, AnyRequest, ForwardedRequest, Decision,
  ConfigError, RevocationFilterError, RevocationConfig, GateOptions, Es384Verifier,
} from '../node/types.js';
export { Gate } from '../node/types.js';
