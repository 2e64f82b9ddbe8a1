//! The one configuration format shared by every surface, and its validation.
//!
//! Parsing is strict (`deny_unknown_fields` everywhere) and every error names the offending field
//! (`keys[1].alg: ...`). Secrets are wrapped so that neither `Debug` nor an error can print them.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use serde::Deserialize;

/// Top-level configuration (see `docs/contracts.md` for the reference).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Verification keys, each bound to one algorithm (may be empty when `akamai` keys are given).
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// Where the token travels.
    #[serde(default)]
    pub token: TokenConfig,
    /// Claim policy.
    #[serde(default)]
    pub claims: ClaimsConfig,
    /// Deny responses.
    #[serde(default)]
    pub deny: DenyConfig,
    /// Revocation lookups (absent: no revocation stage).
    #[serde(default)]
    pub revocation: Option<crate::revocation::RevocationConfig>,
    /// Path scopes and exempt paths (docs/contracts.md §5.1).
    #[serde(default)]
    pub paths: Option<crate::policy::PathsConfig>,
    /// Viewer binding (§5.2).
    #[serde(default)]
    pub binding: Option<crate::policy::BindingConfig>,
    /// Rendition → resolution mapping for `aws:maximum-resolution` (§5.3).
    #[serde(default)]
    pub resolution: Option<crate::policy::ResolutionConfig>,
    /// Akamai Auth Token 2.0 verification (§5.4).
    #[serde(default)]
    pub akamai: Option<crate::policy::AkamaiConfig>,
}

/// Supported algorithms. The key decides the algorithm; the token's `alg` must agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Alg {
    /// HMAC-SHA-256.
    HS256,
    /// HMAC-SHA-384.
    HS384,
    /// HMAC-SHA-512.
    HS512,
    /// ECDSA P-384 with SHA-384 (Amazon IVS).
    ES384,
}

impl Alg {
    /// The JWS `alg` name.
    pub const fn name(self) -> &'static str {
        match self {
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
            Alg::ES384 => "ES384",
        }
    }

    /// Minimum HMAC key length (RFC 7518 §3.2: at least the hash output size).
    pub const fn min_secret_len(self) -> usize {
        match self {
            Alg::HS256 => 32,
            Alg::HS384 => 48,
            Alg::HS512 => 64,
            Alg::ES384 => 0,
        }
    }
}

/// A secret string whose value never appears in `Debug` output.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret text. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// One verification key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// Key id, matched against the token header's `kid`.
    pub kid: String,
    /// The one algorithm this key verifies.
    pub alg: Alg,
    /// HS keys: the secret, base64url without padding.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// ES384 keys: SubjectPublicKeyInfo PEM.
    #[serde(default)]
    pub public_key: Option<String>,
    /// ES384 keys: an EC P-384 public JWK.
    #[serde(default)]
    pub jwk: Option<Jwk>,
}

/// An EC public JSON Web Key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jwk {
    /// Must be `EC`.
    pub kty: String,
    /// Must be `P-384`.
    pub crv: String,
    /// X coordinate, base64url.
    pub x: String,
    /// Y coordinate, base64url.
    pub y: String,
    /// Private scalar: refused in a gate config.
    #[serde(default)]
    pub d: Option<Secret>,
    /// Optional key id (informational).
    #[serde(default)]
    pub kid: Option<String>,
    /// Optional algorithm; must be `ES384` when present.
    #[serde(default)]
    pub alg: Option<String>,
    /// Optional public key use; must be `sig` when present.
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
}

/// Where the token travels.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Sources tried in order; the first one present is used.
    #[serde(default = "default_sources")]
    pub sources: Vec<TokenSource>,
    /// Longest token accepted, in bytes.
    #[serde(default = "default_max_length")]
    pub max_length: usize,
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            sources: default_sources(),
            max_length: default_max_length(),
        }
    }
}

fn default_sources() -> Vec<TokenSource> {
    alloc::vec![TokenSource::Query("token".into())]
}
const fn default_max_length() -> usize {
    4096
}

/// One place a token may be found.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// A query parameter by name.
    Query(String),
    /// A cookie by name.
    Cookie(String),
    /// `Authorization: Bearer <token>` (value must be `true`).
    Bearer(bool),
    /// The first path segment, optionally `<sessionId>.<jwt>` (value must be `true`).
    PathSegment(bool),
    /// A request header by (lowercase) name, its whole value (e.g. Akamai's `__token__` header).
    Header(String),
}

/// Claim policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsConfig {
    /// Deny tokens without `exp`.
    #[serde(default = "yes")]
    pub require_exp: bool,
    /// Clock skew tolerated, in seconds (at most 300).
    #[serde(default)]
    pub leeway: u64,
    /// Longest accepted remaining lifetime `exp - now`, in seconds.
    #[serde(default = "default_max_lifetime")]
    pub max_lifetime: u64,
    /// The channel a request is for, checked against `aws:channel-arn`.
    #[serde(default)]
    pub channel: Option<ChannelConfig>,
}

impl Default for ClaimsConfig {
    fn default() -> Self {
        ClaimsConfig {
            require_exp: true,
            leeway: 0,
            max_lifetime: default_max_lifetime(),
            channel: None,
        }
    }
}

const fn yes() -> bool {
    true
}
const fn default_max_lifetime() -> u64 {
    86_400
}

/// The channel a request is for: a fixed ARN, a list, or a path pattern plus an ARN template.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// A fixed ARN, or (with `path`) a template containing `{id}`.
    #[serde(default)]
    pub arn: Option<String>,
    /// Any of these ARNs.
    #[serde(default)]
    pub arns: Option<Vec<String>>,
    /// A path pattern such as `/channels/{id}/` whose `{id}` segment fills the ARN template.
    #[serde(default)]
    pub path: Option<String>,
}

/// Deny responses.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyConfig {
    /// Status when no token was presented.
    #[serde(default = "default_missing_status")]
    pub missing_token_status: u16,
    /// Status for every other denial.
    #[serde(default = "default_status")]
    pub status: u16,
    /// Reveal the reason code in responses (never in production).
    #[serde(default)]
    pub debug: bool,
}

impl Default for DenyConfig {
    fn default() -> Self {
        DenyConfig {
            missing_token_status: default_missing_status(),
            status: default_status(),
            debug: false,
        }
    }
}

const fn default_missing_status() -> u16 {
    401
}
const fn default_status() -> u16 {
    403
}

/// A configuration that cannot be used, with the field it concerns.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigError {
    field: String,
    message: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Path of the offending field, e.g. `keys[1].alg` (empty for the document as a whole).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong, in words a person can act on.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Stable code for bindings (`err.code` in JS).
    pub fn code(&self) -> &'static str {
        "invalid_config"
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Config {
    /// Parses a configuration document. Only the JSON shape is checked here; [`crate::Gate::new`]
    /// validates values.
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let field = if field == "." { String::new() } else { field };
            ConfigError::new(field, redact_serde_message(&e.into_inner().to_string()))
        })?;
        Ok(config)
    }
}

/// serde echoes offending values (`invalid type: string "..."`, `integer `...``); a misplaced
/// secret must not end up in a log (an unquoted all-digit `secret_hex` is a JSON number), so quoted
/// strings and numbers are elided.
fn redact_serde_message(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    let openers = [
        ("string \"", '"'),
        ("integer `", '`'),
        ("floating point `", '`'),
    ];
    while let Some((start, open, close)) = openers
        .iter()
        .filter_map(|&(open, close)| rest.find(open).map(|i| (i, open, close)))
        .min_by_key(|&(i, _, _)| i)
    {
        let (head, tail) = rest.split_at(start + open.len());
        out.push_str(head);
        out.push('…');
        out.push(close);
        rest = match tail.find(close) {
            Some(end) => tail.get(end + 1..).unwrap_or(""),
            None => "",
        };
    }
    out.push_str(rest);
    out
}

pub(crate) fn field(parts: fmt::Arguments<'_>) -> String {
    format!("{parts}")
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offending_values_are_not_echoed() {
        for doc in [
            r#"{"keys":[{"kid":"a","alg":"HS256","secret":31415926535897932384}]}"#,
            r#"{"keys":[{"kid":"a","alg":"HS256","secret":-314159265358979}]}"#,
            r#"{"keys":[{"kid":"a","alg":"HS256","secret":"3141592653"}],"token":"3141592653"}"#,
            r#"{"keys":[],"akamai":{"keys":[{"kid":"a","secret_hex":3141592653589793}]}}"#,
        ] {
            let e = Config::from_json(doc).unwrap_err().to_string();
            assert!(!e.contains("3141592653") && !e.contains("3.14159"), "{e}");
            assert!(e.contains("invalid type"), "{e}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let e =
            Config::from_json(r#"{"keys":[{"kid":"a","alg":"HS999","secret":"x"}]}"#).unwrap_err();
        assert_eq!(e.field(), "keys[0].alg");
        assert!(e.message().contains("HS256"), "{e}");
        let e = Config::from_json(r#"{"keys":[],"tokn":{}}"#).unwrap_err();
        assert!(e.message().contains("unknown field"), "{e}");
        let e = Config::from_json(r#"{"keys":[],"claims":{"leeway":"thesecret"}}"#).unwrap_err();
        assert_eq!(e.field(), "claims.leeway");
        assert!(!e.to_string().contains("thesecret"), "{e}");
    }

    #[test]
    fn secrets_are_not_in_debug() {
        let c =
            Config::from_json(r#"{"keys":[{"kid":"a","alg":"HS256","secret":"c3VwZXJzZWNyZXQ"}]}"#)
                .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("c3VwZXJzZWNyZXQ"), "{dbg}");
    }
}
