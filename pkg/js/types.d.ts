// Types of the playgate npm package (shared by the Node and web entries).

/** Stable denial codes: the same strings in Rust, JS, fixtures and logs. */
export type Reason =
  | 'missing_token'
  | 'malformed_token'
  | 'forbidden_header'
  | 'algorithm_mismatch'
  | 'unknown_key'
  | 'bad_signature'
  | 'missing_claim'
  | 'invalid_claim'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime_too_long'
  | 'channel_mismatch'
  | 'origin_mismatch'
  | 'path_not_allowed'
  | 'binding_mismatch'
  | 'resolution_not_allowed'
  | 'revoked'
  | 'revocation_unavailable'
  | 'bad_request';

export type Alg = 'HS256' | 'HS384' | 'HS512' | 'ES384';

export interface KeyConfig {
  kid: string;
  alg: Alg;
  /** HS keys: base64url without padding (>= 32/48/64 bytes for HS256/384/512). */
  secret?: string;
  /** ES384 keys: SubjectPublicKeyInfo PEM. */
  public_key?: string;
  /** ES384 keys: EC P-384 public JWK. */
  jwk?: { kty: 'EC'; crv: 'P-384'; x: string; y: string; kid?: string; alg?: 'ES384'; use?: 'sig' };
}

export type TokenSource =
  | { query: string }
  | { cookie: string }
  | { bearer: true }
  | { header: string }
  | { path_segment: true };

/** The one configuration format of every playgate surface (docs/contracts.md §1). */
export interface Config {
  keys: KeyConfig[];
  token?: { sources?: TokenSource[]; max_length?: number };
  claims?: {
    require_exp?: boolean;
    leeway?: number;
    max_lifetime?: number;
    channel?: { arn: string } | { arns: string[] } | { path: string; arn: string };
  };
  deny?: { missing_token_status?: number; status?: number; debug?: boolean };
  /** Revocation lookups (docs/revocation.md §4). */
  revocation?: RevocationConfig;
  /** Path scopes (docs/contracts.md §5.1). */
  paths?: { claim?: string; exempt?: string[]; require?: boolean };
  /** Viewer binding (§5.2). */
  binding?: Record<string, unknown>;
  /** Rendition → lines for `aws:maximum-resolution` (§5.3). */
  resolution?: { renditions: { pattern: string; lines: number }[] };
  /** Akamai Auth Token 2.0 (§5.4): the first key is current, the rest transition keys. */
  akamai?: { keys: { kid: string; secret_hex: string }[]; algorithm?: 'sha256' | 'sha1' | 'md5'; salt?: string };
}

/** The plain request shape (docs/contracts.md §2). */
export interface PlainRequest {
  method?: string;
  /** Raw path, percent-encoded as received. */
  uri: string;
  /** Raw query without `?`. */
  querystring?: string;
  /** Lowercase names. */
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  clientIp?: string;
}

export interface CloudFrontValue {
  value: string;
  multiValue?: { value: string }[];
}

export interface CloudFrontFunctionsRequest {
  method: string;
  uri: string;
  querystring: Record<string, CloudFrontValue>;
  headers: Record<string, CloudFrontValue>;
  cookies: Record<string, CloudFrontValue>;
}

/** A CloudFront Functions viewer-request event. */
export interface CloudFrontFunctionsEvent {
  version?: string;
  context?: Record<string, unknown>;
  viewer?: { ip: string };
  request: CloudFrontFunctionsRequest;
}

export interface LambdaEdgeRequest {
  clientIp: string;
  method: string;
  uri: string;
  querystring: string;
  headers: Record<string, { key?: string; value: string }[]>;
  [other: string]: unknown;
}

/** A Lambda@Edge viewer-request event. */
export interface LambdaEdgeEvent {
  Records: { cf: { config?: Record<string, unknown>; request: LambdaEdgeRequest } }[];
}

export type AnyRequest = PlainRequest | CloudFrontFunctionsEvent | LambdaEdgeEvent;

/** The forwarded request in the shape given to `check` (token removed). */
export type ForwardedRequest<R> = R extends LambdaEdgeEvent
  ? LambdaEdgeRequest
  : R extends CloudFrontFunctionsEvent
    ? CloudFrontFunctionsRequest
    : R extends PlainRequest
      ? PlainRequest
      : PlainRequest | CloudFrontFunctionsRequest | LambdaEdgeRequest;

export type Decision<R = AnyRequest> =
  | {
      allow: true;
      status: 200;
      reason: null;
      /** A shallow copy of the request with `uri` / `querystring` rewritten. */
      request: ForwardedRequest<R>;
      /** The forwarded path and raw query string. */
      forward: { uri: string; querystring: string };
    }
  | { allow: false; status: number; reason: Reason; request: null };

/** Thrown for an unusable configuration or signing key. */
export interface ConfigError extends Error {
  code: 'invalid_config';
  /** Path of the offending field, e.g. `keys[1].alg` (empty for the document as a whole). */
  field: string;
}

/** Thrown by `setRevocationFilter` for a corrupt, truncated or unsupported filter file. */
export interface RevocationFilterError extends Error {
  code: 'invalid_revocation_filter';
  /** `length`, `magic`, `version`, `parameters`, `checksum` or `inconsistent`. */
  detail: string;
}

export interface RevocationConfig {
  claims?: string[];
  path_session?: boolean;
  viewer_sessions?: boolean;
  on_unavailable?: 'deny' | 'allow';
  max_age?: number;
}

export interface GateOptions {
  /**
   * Verified-token cache entries (default 1024, rounded up to a power of two; 0 disables). A hit
   * skips decoding and the signature check; time, scope, binding, origin and revocation are
   * re-checked on every request.
   */
  cacheSize?: number;
  /**
   * Where ES384 signatures are checked. `true` (default): by the host's native crypto when the
   * entry has one (`node:crypto` in the Node entry; the web entry has none: WebCrypto is async),
   * else in WebAssembly. `false`: always in WebAssembly. A function: your own synchronous verifier,
   * called with the configured key (SEC1 uncompressed point), the JWS signing input and the raw
   * `R ‖ S` signature after the core has chosen the key and range-checked the signature; only a
   * return of exactly `true` verifies, a throw or any other value denies (`bad_signature`), and
   * `undefined` hands the check back to WebAssembly.
   */
  nativeCrypto?: boolean | Es384Verifier;
  /**
   * Build the ES384 keys' verification tables now (≈ 7.5 ms per key, and once per process for the
   * generator, in WebAssembly) instead of on each key's first signature checked in WebAssembly.
   * Default `false`. Useful in a worker's global scope, where start-up CPU is cheaper than a
   * request's; a Node gate whose signatures all go to `node:crypto` never needs them.
   */
  precompute?: boolean;
}

export type Es384Verifier = (publicKey: Uint8Array, signingInput: Uint8Array, signature: Uint8Array) => boolean | undefined;

export declare class Gate {
  private constructor();
  /** Parses and validates a configuration. Throws a {@link ConfigError}. */
  static fromConfig(config: Config | string, opts?: GateOptions): Gate;
  /**
   * Verifies a revocation filter (`.pgrf` bytes, docs/revocation.md) and uses it from the next
   * `check` on. Throws a {@link RevocationFilterError} on a corrupt file; the previous filter stays.
   */
  setRevocationFilter(bytes: Uint8Array | ArrayBuffer): void;
  /** Drops the filter: lookups become unavailable (`revocation.on_unavailable`). */
  clearRevocationFilter(): void;
  /** The loaded filter, or null. */
  revocationFilterInfo(): { serial: number; created: number; notAfter: number; elements: number } | null;
  /** Verified-token cache statistics since creation. */
  cacheStats(): { hits: number; misses: number };
  /** Whether ES384 signatures go to a host verifier (`node:crypto` by default in Node). */
  readonly nativeCrypto: boolean;
  /**
   * Decides one request at `now` (Unix seconds; default: the system clock). Synchronous.
   * Throws `code: "invalid_request"` when the document is not a request at all.
   */
  check<R extends AnyRequest>(request: R | string, now?: number): Decision<R>;
  /** Releases the WebAssembly memory now rather than at garbage collection. */
  free(): void;
}

export type SigningKeyDocument =
  | { kid: string; alg: 'HS256' | 'HS384' | 'HS512'; secret: string }
  | { kid: string; alg: 'ES384'; private_key: string };

export interface MintOptions {
  /** Put `kid` in the header (default true; IVS tokens carry none). */
  includeKid?: boolean;
  /** Sets `exp = floor(now) + expiresIn`. */
  expiresIn?: number;
  /** Clock for `expiresIn` (Unix seconds; default the system clock). */
  now?: number;
}

export declare class SigningKey {
  private constructor();
  /** Throws a {@link ConfigError}. */
  static fromJson(doc: SigningKeyDocument | string): SigningKey;
  readonly kid: string;
  readonly alg: Alg;
  /** The gate-config key entry that verifies this key's tokens (ES384: the public JWK). */
  verifyingEntry(): KeyConfig;
  mint(claims: Record<string, unknown>, opts?: MintOptions): string;
  free(): void;
}

/** Signs `claims` into a compact JWS (header `{alg, typ: "JWT"[, kid]}`). */
export declare function mint(
  signingKey: SigningKey | SigningKeyDocument | string,
  claims: Record<string, unknown>,
  opts?: MintOptions,
): string;

/** Where the token goes in the URL: target and placement. Give `url`, or `base` + `path`. */
export type UrlTarget =
  | { /** `/path[?query]` or `scheme://host/path[?query]`. */ url: string; base?: never; path?: never }
  | { /** `scheme://host` (optional). */ base?: string; /** `/path[?query]`. */ path: string; url?: never };

export type PlaybackUrlOptions = MintOptions &
  UrlTarget &
  (
    | { /** Query parameter (default). */ placement?: 'query'; /** Parameter name (default `token`). */ param?: string; sessionId?: never }
    | {
        /** First path segment (`/<token>/path`): relative URIs in HLS/DASH manifests keep it. */
        placement: 'path';
        /** Put `/<sessionId>.<token>/` (SMD style); `[A-Za-z0-9_~-]+`. */
        sessionId?: string;
        param?: never;
      }
  );

/** Thrown when a playback URL cannot be built. */
export interface UrlError extends TypeError {
  code: 'invalid_url';
  /** `not_absolute` (path not starting with `/`), `not_path_safe` (only a JWT, and a session id
   * without `.`/`/`, can be a path segment), `bad_param` (empty name or one with `&`, `=`, `#`, `?`). */
  detail: 'not_absolute' | 'not_path_safe' | 'bad_param';
}

/** Thrown when an Akamai token cannot be minted from the given fields. */
export interface AkamaiClaimsError extends TypeError {
  code: 'invalid_claims';
  /** `no_scope`: neither `acl` nor `url`; `bad_value`: an empty field or one containing `~`. */
  detail: 'no_scope' | 'bad_value';
}

/** An Akamai key: hex (Akamai's format), or a gate-config `akamai.keys[]` entry. */
export type AkamaiKeyDocument = string | { kid?: string; secret_hex: string };

export type AkamaiAlgorithm = 'sha256' | 'sha1' | 'md5';

interface AkamaiFields {
  /** Start time (`st`, Unix seconds). */
  st?: number;
  /** Expiry (`exp`, Unix seconds). Default: `floor(now) + expiresIn`. */
  exp?: number;
  /** Lifetime in seconds when `exp` is not given (default 3600). */
  expiresIn?: number;
  /** Clock for `expiresIn` (Unix seconds; default the system clock). */
  now?: number;
  /** Bind the token to one client IP (`ip`). */
  ip?: string;
  /** Session id field (`id`). */
  id?: string;
  /** Opaque data field (`data`). */
  data?: string;
  /** HMAC hash (default `sha256`). */
  algorithm?: AkamaiAlgorithm;
  /** Salt, when the gate is configured with one. */
  salt?: string;
}

/**
 * Akamai token fields. `acl` (`!`-separated patterns, `*` crosses `/`) makes an ACL token; without
 * it, `url` (or `base` + `path`) makes a URL token for that URL's path.
 */
export type AkamaiMintOptions = AkamaiFields &
  ({ acl: string; url?: string; base?: string; path?: string } | ({ acl?: undefined } & UrlTarget));

export type AkamaiPlaybackUrlOptions = AkamaiFields &
  UrlTarget & {
    acl?: string;
    /** Query parameter (default `__token__`; `hdnts` is the other usual name). */
    param?: string;
  };

/**
 * Mints a JWT with `signingKey` and returns `opts.url` (or `base` + `path`) carrying it in the query
 * (`param`, default `token`) or as the first path segment. Throws a {@link UrlError} for a URL the
 * token cannot be put in.
 */
export declare function playbackUrl(
  signingKey: SigningKey | SigningKeyDocument | string,
  claims: Record<string, unknown>,
  opts: PlaybackUrlOptions,
): string;

/** Mints an Akamai Auth Token 2.0 token (`ip, st, exp, acl, id, data, hmac`). Throws an {@link AkamaiClaimsError}. */
export declare function mintAkamai(key: AkamaiKeyDocument, opts: AkamaiMintOptions): string;

/** Mints an Akamai token and returns the URL carrying it in the query. */
export declare function akamaiPlaybackUrl(key: AkamaiKeyDocument, opts: AkamaiPlaybackUrlOptions): string;
