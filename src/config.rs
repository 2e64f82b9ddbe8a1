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
    ///
    /// The reader is written by hand rather than derived: it accepts exactly what the serde derives
    /// on these types accept (unknown fields, duplicate fields and wrong types refused, the same
    /// defaults) and names the field of every error, at a fraction of the code size of derived
    /// deserializers wrapped for path tracking, which matters in the WebAssembly build. The derives
    /// stay for Rust callers, and the tests check that both readers agree.
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        let doc: Json = serde_json::from_str(json)
            .map_err(|e| ConfigError::new("", redact_serde_message(&e.to_string())))?;
        read_config(&doc, &At::Root)
    }
}

/// A JSON document with its object members in document order, duplicates kept: the reader reports
/// the first problem in document order, as a streaming deserializer would, and names its field.
enum Json {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> serde::de::Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Num(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        // JSON text has no NaN or infinity; serde_json maps overflowing literals to errors.
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Num))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(Json::Obj(members))
    }
}

/// Where a value sits in the document, formatted only when an error needs it (`keys[1].alg`).
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Field(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Root => Ok(()),
            At::Field(At::Root, name) => f.write_str(name),
            At::Field(parent, name) => write!(f, "{parent}.{name}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl At<'_> {
    fn err(&self, message: String) -> ConfigError {
        ConfigError::new(self.to_string(), message)
    }

    /// The serde wording.
    fn invalid_type(&self, v: &Json, expected: &str) -> ConfigError {
        self.err(format!("invalid type: {}, expected {expected}", found(v)))
    }
}

/// What was found instead, in serde's words; values are elided (a misplaced secret, even one
/// written as a number, must not reach a log).
fn found(v: &Json) -> String {
    match v {
        Json::Null => String::from("null"),
        Json::Bool(b) => format!("boolean `{b}`"),
        Json::Num(n) if n.is_f64() => String::from("floating point `…`"),
        Json::Num(_) => String::from("integer `…`"),
        Json::Str(_) => String::from("string \"…\""),
        Json::Arr(_) => String::from("sequence"),
        Json::Obj(_) => String::from("map"),
    }
}

type Read<T> = Result<T, ConfigError>;

fn string(v: &Json, at: &At) -> Read<String> {
    match v {
        Json::Str(s) => Ok(s.clone()),
        _ => Err(at.invalid_type(v, "a string")),
    }
}

fn secret(v: &Json, at: &At) -> Read<Secret> {
    string(v, at).map(Secret)
}

fn boolean(v: &Json, at: &At) -> Read<bool> {
    match v {
        Json::Bool(b) => Ok(*b),
        _ => Err(at.invalid_type(v, "a boolean")),
    }
}

/// An unsigned integer of at most `max`; `ty` is the Rust type named in errors.
fn unsigned(v: &Json, at: &At, max: u64, ty: &str) -> Read<u64> {
    let Json::Num(n) = v else {
        return Err(at.invalid_type(v, ty));
    };
    match (n.as_u64(), n.as_i64()) {
        (Some(u), _) if u <= max => Ok(u),
        (Some(_), _) | (None, Some(_)) => {
            Err(at.err(format!("invalid value: integer `…`, expected {ty}")))
        }
        (None, None) => Err(at.invalid_type(v, ty)),
    }
}

fn optional<T>(v: &Json, at: &At, read: fn(&Json, &At) -> Read<T>) -> Read<Option<T>> {
    match v {
        Json::Null => Ok(None),
        _ => read(v, at).map(Some),
    }
}

fn seq<T>(v: &Json, at: &At, read: fn(&Json, &At) -> Read<T>) -> Read<Vec<T>> {
    let Json::Arr(items) = v else {
        return Err(at.invalid_type(v, "a sequence"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| read(item, &At::Index(at, i)))
        .collect()
}

fn strings(v: &Json, at: &At) -> Read<Vec<String>> {
    seq(v, at, string)
}

/// `` `a`, `b` or `c` `` lists in serde's words.
fn one_of(names: &[&str]) -> String {
    let mut out = String::new();
    match names {
        [] => out.push_str("there are no fields"),
        [one] => out = format!("expected `{one}`"),
        [a, b] => out = format!("expected `{a}` or `{b}`"),
        _ => {
            out.push_str("expected one of ");
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('`');
                out.push_str(n);
                out.push('`');
            }
        }
    }
    out
}

/// A unit enum spelled as one of `names` (the variant's index).
fn variant(v: &Json, at: &At, names: &[&str]) -> Read<usize> {
    match v {
        Json::Str(s) => names
            .iter()
            .position(|n| n == s)
            .ok_or_else(|| at.err(format!("unknown variant `{s}`, {}", one_of(names)))),
        _ => Err(at.err(format!("invalid type: {}, {}", found(v), one_of(names)))),
    }
}

/// Reads the members of a struct `name` with `fields`, in document order: an unknown or repeated
/// member is an error, every known one goes to `member(index, value, path)`.
fn members<'v>(
    v: &'v Json,
    at: &At,
    name: &str,
    fields: &[&str],
    member: &mut dyn FnMut(usize, &'v Json, &At) -> Read<()>,
) -> Read<()> {
    let Json::Obj(members) = v else {
        return Err(at.invalid_type(v, &format!("struct {name}")));
    };
    let mut seen = 0u64;
    for (key, value) in members {
        let here = At::Field(at, key);
        let Some(i) = fields.iter().position(|f| f == key) else {
            return Err(here.err(format!("unknown field `{key}`, {}", one_of(fields))));
        };
        if seen & (1 << i) != 0 {
            return Err(at.err(format!("duplicate field `{key}`")));
        }
        seen |= 1 << i;
        member(i, value, &here)?;
    }
    Ok(())
}

fn required<T>(value: Option<T>, at: &At, name: &str) -> Read<T> {
    value.ok_or_else(|| at.err(format!("missing field `{name}`")))
}

fn read_config(v: &Json, at: &At) -> Read<Config> {
    let mut c = Config {
        keys: Vec::new(),
        token: TokenConfig::default(),
        claims: ClaimsConfig::default(),
        deny: DenyConfig::default(),
        revocation: None,
        paths: None,
        binding: None,
        resolution: None,
        akamai: None,
    };
    const FIELDS: &[&str] = &[
        "keys",
        "token",
        "claims",
        "deny",
        "revocation",
        "paths",
        "binding",
        "resolution",
        "akamai",
    ];
    members(v, at, "Config", FIELDS, &mut |i, v, at| {
        match i {
            0 => c.keys = seq(v, at, read_key)?,
            1 => c.token = read_token(v, at)?,
            2 => c.claims = read_claims(v, at)?,
            3 => c.deny = read_deny(v, at)?,
            4 => c.revocation = optional(v, at, read_revocation)?,
            5 => c.paths = optional(v, at, read_paths)?,
            6 => c.binding = optional(v, at, read_binding)?,
            7 => c.resolution = optional(v, at, read_resolution)?,
            _ => c.akamai = optional(v, at, read_akamai)?,
        }
        Ok(())
    })?;
    Ok(c)
}

fn read_key(v: &Json, at: &At) -> Read<KeyConfig> {
    let (mut kid, mut alg, mut secret_, mut public_key, mut jwk) = (None, None, None, None, None);
    const FIELDS: &[&str] = &["kid", "alg", "secret", "public_key", "jwk"];
    members(v, at, "KeyConfig", FIELDS, &mut |i, v, at| {
        match i {
            0 => kid = Some(string(v, at)?),
            1 => alg = Some(read_alg(v, at)?),
            2 => secret_ = optional(v, at, secret)?,
            3 => public_key = optional(v, at, string)?,
            _ => jwk = optional(v, at, read_jwk)?,
        }
        Ok(())
    })?;
    Ok(KeyConfig {
        kid: required(kid, at, "kid")?,
        alg: required(alg, at, "alg")?,
        secret: secret_,
        public_key,
        jwk,
    })
}

fn read_alg(v: &Json, at: &At) -> Read<Alg> {
    const ALGS: [Alg; 4] = [Alg::HS256, Alg::HS384, Alg::HS512, Alg::ES384];
    let i = variant(v, at, &ALGS.map(Alg::name))?;
    // `variant` returns an index into the names, so this lookup cannot miss.
    ALGS.get(i)
        .copied()
        .ok_or_else(|| at.err(String::from("unknown variant")))
}

/// Reads a signing key document (`crate::mint::SigningKey::from_json`) the way a gate config is read:
/// unknown fields, duplicates and wrong types refused, the field named, no value echoed.
pub(crate) fn read_signing_key(json: &str) -> Result<crate::mint::SigningKeyConfig, ConfigError> {
    let doc: Json = serde_json::from_str(json)
        .map_err(|e| ConfigError::new("", redact_serde_message(&e.to_string())))?;
    let at = At::Root;
    let (mut kid, mut alg, mut secret_, mut private_key) = (None, None, None, None);
    const FIELDS: &[&str] = &["kid", "alg", "secret", "private_key"];
    members(&doc, &at, "SigningKeyConfig", FIELDS, &mut |i, v, at| {
        match i {
            0 => kid = Some(string(v, at)?),
            1 => alg = Some(read_alg(v, at)?),
            2 => secret_ = optional(v, at, secret)?,
            _ => private_key = optional(v, at, secret)?,
        }
        Ok(())
    })?;
    Ok(crate::mint::SigningKeyConfig {
        kid: required(kid, &at, "kid")?,
        alg: required(alg, &at, "alg")?,
        secret: secret_,
        private_key,
    })
}

fn read_jwk(v: &Json, at: &At) -> Read<Jwk> {
    let mut s: [Option<String>; 4] = Default::default();
    let (mut d, mut kid, mut alg, mut use_) = (None, None, None, None);
    const FIELDS: &[&str] = &["kty", "crv", "x", "y", "d", "kid", "alg", "use"];
    members(v, at, "Jwk", FIELDS, &mut |i, v, at| {
        match i {
            4 => d = optional(v, at, secret)?,
            5 => kid = optional(v, at, string)?,
            6 => alg = optional(v, at, string)?,
            7 => use_ = optional(v, at, string)?,
            _ => {
                if let Some(slot) = s.get_mut(i) {
                    *slot = Some(string(v, at)?);
                }
            }
        }
        Ok(())
    })?;
    let [kty, crv, x, y] = s;
    Ok(Jwk {
        kty: required(kty, at, "kty")?,
        crv: required(crv, at, "crv")?,
        x: required(x, at, "x")?,
        y: required(y, at, "y")?,
        d,
        kid,
        alg,
        use_,
    })
}

fn read_token(v: &Json, at: &At) -> Read<TokenConfig> {
    let mut t = TokenConfig::default();
    members(
        v,
        at,
        "TokenConfig",
        &["sources", "max_length"],
        &mut |i, v, at| {
            match i {
                0 => t.sources = seq(v, at, read_source)?,
                _ => t.max_length = unsigned(v, at, usize::MAX as u64, "usize")? as usize,
            }
            Ok(())
        },
    )?;
    Ok(t)
}

/// An externally tagged `TokenSource`: `{"query": "token"}`.
fn read_source(v: &Json, at: &At) -> Read<TokenSource> {
    const NAMES: &[&str] = &["query", "cookie", "bearer", "path_segment", "header"];
    let (name, value) = match v {
        Json::Obj(members) => match members.as_slice() {
            [(name, value)] => (name, value),
            _ => {
                return Err(at.err(String::from(
                    "expected an object with exactly one member, e.g. {\"query\": \"token\"}",
                )))
            }
        },
        // `"bearer"` on its own: serde's words for a unit where a value is needed.
        Json::Str(name) if NAMES.contains(&name.as_str()) => {
            return Err(At::Field(at, name).err(String::from(
                "invalid type: unit variant, expected newtype variant",
            )))
        }
        Json::Str(name) => (name, &Json::Null),
        _ => return Err(at.invalid_type(v, "enum TokenSource")),
    };
    let here = At::Field(at, name);
    let Some(i) = NAMES.iter().position(|n| n == name) else {
        return Err(at.err(format!("unknown variant `{name}`, {}", one_of(NAMES))));
    };
    Ok(match i {
        0 => TokenSource::Query(string(value, &here)?),
        1 => TokenSource::Cookie(string(value, &here)?),
        2 => TokenSource::Bearer(boolean(value, &here)?),
        3 => TokenSource::PathSegment(boolean(value, &here)?),
        _ => TokenSource::Header(string(value, &here)?),
    })
}

fn read_claims(v: &Json, at: &At) -> Read<ClaimsConfig> {
    let mut c = ClaimsConfig::default();
    const FIELDS: &[&str] = &["require_exp", "leeway", "max_lifetime", "channel"];
    members(v, at, "ClaimsConfig", FIELDS, &mut |i, v, at| {
        match i {
            0 => c.require_exp = boolean(v, at)?,
            1 => c.leeway = unsigned(v, at, u64::MAX, "u64")?,
            2 => c.max_lifetime = unsigned(v, at, u64::MAX, "u64")?,
            _ => c.channel = optional(v, at, read_channel)?,
        }
        Ok(())
    })?;
    Ok(c)
}

fn read_channel(v: &Json, at: &At) -> Read<ChannelConfig> {
    let mut c = ChannelConfig::default();
    members(
        v,
        at,
        "ChannelConfig",
        &["arn", "arns", "path"],
        &mut |i, v, at| {
            match i {
                0 => c.arn = optional(v, at, string)?,
                1 => c.arns = optional(v, at, strings)?,
                _ => c.path = optional(v, at, string)?,
            }
            Ok(())
        },
    )?;
    Ok(c)
}

fn read_deny(v: &Json, at: &At) -> Read<DenyConfig> {
    let mut d = DenyConfig::default();
    const FIELDS: &[&str] = &["missing_token_status", "status", "debug"];
    let status = |v: &Json, at: &At| unsigned(v, at, u16::MAX.into(), "u16").map(|s| s as u16);
    members(v, at, "DenyConfig", FIELDS, &mut |i, v, at| {
        match i {
            0 => d.missing_token_status = status(v, at)?,
            1 => d.status = status(v, at)?,
            _ => d.debug = boolean(v, at)?,
        }
        Ok(())
    })?;
    Ok(d)
}

fn read_revocation(v: &Json, at: &At) -> Read<crate::revocation::RevocationConfig> {
    use crate::revocation::{OnUnavailable, RevocationConfig};
    let mut r = RevocationConfig::default();
    const FIELDS: &[&str] = &[
        "claims",
        "path_session",
        "viewer_sessions",
        "on_unavailable",
        "max_age",
    ];
    members(v, at, "RevocationConfig", FIELDS, &mut |i, v, at| {
        match i {
            0 => r.claims = strings(v, at)?,
            1 => r.path_session = boolean(v, at)?,
            2 => r.viewer_sessions = boolean(v, at)?,
            3 => {
                r.on_unavailable = match variant(v, at, &["deny", "allow"])? {
                    0 => OnUnavailable::Deny,
                    _ => OnUnavailable::Allow,
                }
            }
            _ => r.max_age = optional(v, at, |v, at| unsigned(v, at, u64::MAX, "u64"))?,
        }
        Ok(())
    })?;
    Ok(r)
}

fn read_paths(v: &Json, at: &At) -> Read<crate::policy::PathsConfig> {
    let mut p = crate::policy::PathsConfig::default();
    members(
        v,
        at,
        "PathsConfig",
        &["claim", "exempt", "require"],
        &mut |i, v, at| {
            match i {
                0 => p.claim = string(v, at)?,
                1 => p.exempt = strings(v, at)?,
                _ => p.require = boolean(v, at)?,
            }
            Ok(())
        },
    )?;
    Ok(p)
}

fn read_binding(v: &Json, at: &At) -> Read<crate::policy::BindingConfig> {
    let mut b = crate::policy::BindingConfig::default();
    const FIELDS: &[&str] = &["keys", "claim", "ip_claim", "require"];
    members(v, at, "BindingConfig", FIELDS, &mut |i, v, at| {
        match i {
            0 => b.keys = seq(v, at, secret)?,
            1 => b.claim = string(v, at)?,
            2 => b.ip_claim = string(v, at)?,
            _ => b.require = strings(v, at)?,
        }
        Ok(())
    })?;
    Ok(b)
}

fn read_resolution(v: &Json, at: &At) -> Read<crate::policy::ResolutionConfig> {
    let mut renditions = None;
    members(
        v,
        at,
        "ResolutionConfig",
        &["renditions"],
        &mut |_, v, at| {
            renditions = Some(seq(v, at, read_rendition)?);
            Ok(())
        },
    )?;
    Ok(crate::policy::ResolutionConfig {
        renditions: required(renditions, at, "renditions")?,
    })
}

fn read_rendition(v: &Json, at: &At) -> Read<crate::policy::RenditionConfig> {
    let (mut pattern, mut lines) = (None, None);
    members(
        v,
        at,
        "RenditionConfig",
        &["pattern", "lines"],
        &mut |i, v, at| {
            match i {
                0 => pattern = Some(string(v, at)?),
                _ => lines = Some(unsigned(v, at, u32::MAX.into(), "u32")? as u32),
            }
            Ok(())
        },
    )?;
    Ok(crate::policy::RenditionConfig {
        pattern: required(pattern, at, "pattern")?,
        lines: required(lines, at, "lines")?,
    })
}

fn read_akamai(v: &Json, at: &At) -> Read<crate::policy::AkamaiConfig> {
    use crate::akamai::AkamaiAlg;
    let (mut keys, mut algorithm, mut salt) = (None, AkamaiAlg::Sha256, None);
    members(
        v,
        at,
        "AkamaiConfig",
        &["keys", "algorithm", "salt"],
        &mut |i, v, at| {
            match i {
                0 => keys = Some(seq(v, at, read_akamai_key)?),
                1 => {
                    algorithm = match variant(v, at, &["sha256", "sha1", "md5"])? {
                        0 => AkamaiAlg::Sha256,
                        1 => AkamaiAlg::Sha1,
                        _ => AkamaiAlg::Md5,
                    }
                }
                _ => salt = optional(v, at, secret)?,
            }
            Ok(())
        },
    )?;
    Ok(crate::policy::AkamaiConfig {
        keys: required(keys, at, "keys")?,
        algorithm,
        salt,
    })
}

fn read_akamai_key(v: &Json, at: &At) -> Read<crate::policy::AkamaiKeyConfig> {
    let (mut kid, mut secret_hex) = (None, None);
    members(
        v,
        at,
        "AkamaiKeyConfig",
        &["kid", "secret_hex"],
        &mut |i, v, at| {
            match i {
                0 => kid = Some(string(v, at)?),
                _ => secret_hex = Some(secret(v, at)?),
            }
            Ok(())
        },
    )?;
    Ok(crate::policy::AkamaiKeyConfig {
        kid: required(kid, at, "kid")?,
        secret_hex: required(secret_hex, at, "secret_hex")?,
    })
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

    /// The serde derives (with path tracking) that `from_json` replaced: the reference the
    /// hand-written reader is checked against.
    fn derived(json: &str) -> Result<Config, ConfigError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let field = if field == "." { String::new() } else { field };
            ConfigError::new(field, redact_serde_message(&e.into_inner().to_string()))
        })
    }

    /// Everything a config holds, secrets included (their `Debug` is redacted).
    fn everything(c: &Config) -> String {
        let mut out = format!("{c:?}");
        let s = |s: &Option<Secret>| s.as_ref().map(|s| s.expose().to_string());
        for k in &c.keys {
            out += &format!("{:?}{:?}", s(&k.secret), k.jwk.as_ref().map(|j| s(&j.d)));
        }
        for k in c.binding.iter().flat_map(|b| &b.keys) {
            out += k.expose();
        }
        if let Some(a) = &c.akamai {
            out += &format!("{:?}", s(&a.salt));
            for k in &a.keys {
                out += k.secret_hex.expose();
            }
        }
        out
    }

    /// Documents the reader must treat exactly as the derives do: same value, or an error for the
    /// same field with the same words (serde's ` at line L column C` suffix aside).
    fn documents() -> Vec<String> {
        const HS: &str =
            r#"{"kid":"k1","alg":"HS256","secret":"cGxheWdhdGUtZG9jLWV4YW1wbGUta2V5LTMyYnl0ZXM"}"#;
        let mut docs: Vec<String> = [
            "{}",
            "null",
            "1",
            r#""x""#,
            r#"{"keys":[]}"#,
            r#"{"keys":{}}"#,
            r#"{"keys":null}"#,
            r#"{"keys":[1]}"#,
            r#"{"keys":[null]}"#,
            r#"{"extra":1}"#,
            r#"{"keys":[],"keys":[]}"#,
            r#"{"keys":[{"kid":"a","kid":"b","alg":"HS256"}]}"#,
            r#"{"deny":{"status":403,"status":451}}"#,
            r#"{"claims":{"channel":{"arn":"a","arn":"b"}}}"#,
            r#"{"tokn":{},"keys":"x"}"#,
            r#"{"keys":"x","tokn":{}}"#,
            r#"{"akamai":{},"keys":[{"kid":"a"}]}"#,
        ]
        .map(String::from)
        .to_vec();
        let keys = [
            r#"{"kid":"k","alg":"HS999","secret":"s"}"#,
            r#"{"kid":"k","alg":"hs256"}"#,
            r#"{"kid":1,"alg":"HS256"}"#,
            r#"{"alg":"HS256","secret":"s"}"#,
            r#"{"kid":"k","secret":"s"}"#,
            r#"{"kid":"k","alg":"HS256","secret":1}"#,
            r#"{"kid":"k","alg":"HS256","secret":null}"#,
            r#"{"kid":"k","alg":"HS256","secret":"thesecret","use":"sig"}"#,
            r#"{"kid":"k","alg":"ES384","public_key":5}"#,
            r#"{"kid":"k","alg":"ES384","public_key":"pem","jwk":null}"#,
            r#"{"kid":"k","alg":"ES384","jwk":"x"}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{}}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{"kty":"EC","crv":"P-384","x":"AA"}}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{"kty":"EC","crv":"P-384","x":"AA","y":"B","d":5}}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{"kty":"EC","crv":"P-384","x":"AA","y":"B","n":"AA"}}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{"kty":1}}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{"y":"Y","x":"X","crv":"C","kty":"K","d":"D","kid":"I","alg":"A","use":"U"}}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{"kty":"K","crv":"C","x":"X","y":"Y","kid":null,"alg":null,"use":null,"d":null}}"#,
            r#"{"kid":"k","alg":"ES384","jwk":{"kty":"K","crv":"C","x":"X","y":"Y","y":"Z"}}"#,
        ];
        for k in keys {
            docs.push(format!(r#"{{"keys":[{HS},{k}]}}"#));
        }
        let sections: &[(&str, &[&str])] = &[
            (
                "token",
                &[
                    "null",
                    r#""x""#,
                    "{}",
                    r#"{"sources":[]}"#,
                    r#"{"sources":null}"#,
                    r#"{"sources":["bearer"]}"#,
                    r#"{"sources":[{"query":1}]}"#,
                    r#"{"sources":[{"query":null}]}"#,
                    r#"{"sources":[{"bearer":"yes"}]}"#,
                    r#"{"sources":[{"path_segment":1}]}"#,
                    r#"{"sources":[{"form_field":"x"}]}"#,
                    r#"{"sources":[{"cookie":"c"},{"bearer":true},{"path_segment":false},{"header":"h"},{"query":"q"}]}"#,
                    r#"{"max_length":1}"#,
                    r#"{"max_length":-1}"#,
                    r#"{"max_length":1.5}"#,
                    r#"{"max_length":"4096"}"#,
                    r#"{"max_length":null}"#,
                    r#"{"maxlen":1}"#,
                    r#"{"max_length":4096,"max_length":4096}"#,
                ],
            ),
            (
                "claims",
                &[
                    "null",
                    r#"{"leeway":-1}"#,
                    r#"{"leeway":"x"}"#,
                    r#"{"leeway":1.0}"#,
                    r#"{"leeway":true}"#,
                    r#"{"leeway":18446744073709551615,"max_lifetime":0,"require_exp":false}"#,
                    r#"{"require_exp":null}"#,
                    r#"{"channel":null}"#,
                    r#"{"channel":{}}"#,
                    r#"{"channel":"x"}"#,
                    r#"{"channel":{"arns":"x"}}"#,
                    r#"{"channel":{"arns":[1]}}"#,
                    r#"{"channel":{"arn":"a","arns":["b","c"],"path":"/p"}}"#,
                    r#"{"channel":{"arn":null,"arns":null,"path":null}}"#,
                    r#"{"channel":{"id":1}}"#,
                    r#"{"leway":1}"#,
                ],
            ),
            (
                "deny",
                &[
                    r#"{"status":"403"}"#,
                    r#"{"status":70000}"#,
                    r#"{"status":65535,"missing_token_status":0,"debug":true}"#,
                    r#"{"status":-1}"#,
                    r#"{"debug":"true"}"#,
                    r#"{"body":"x"}"#,
                    r#"{"status":403.0}"#,
                ],
            ),
            (
                "revocation",
                &[
                    "null",
                    "{}",
                    r#""x""#,
                    r#"{"claim":["sid"]}"#,
                    r#"{"claims":[1]}"#,
                    r#"{"claims":[],"path_session":false,"viewer_sessions":false,"on_unavailable":"allow","max_age":60}"#,
                    r#"{"path_session":1}"#,
                    r#"{"on_unavailable":"open"}"#,
                    r#"{"on_unavailable":"deny","max_age":null}"#,
                    r#"{"max_age":-5}"#,
                ],
            ),
            (
                "paths",
                &[
                    "null",
                    "{}",
                    r#"{"claims":"x"}"#,
                    r#"{"claim":1}"#,
                    r#"{"exempt":[1]}"#,
                    r#"{"claim":"p","exempt":["/ads/**"],"require":true}"#,
                    r#"{"require":"x"}"#,
                ],
            ),
            (
                "binding",
                &[
                    "null",
                    "{}",
                    r#"{"keys":"x"}"#,
                    r#"{"keys":[1]}"#,
                    r#"{"keys":["k1","k2"],"claim":"b","ip_claim":"i","require":["ip"]}"#,
                    r#"{"ip_claim":null}"#,
                    r#"{"require":[1]}"#,
                    r#"{"key":[]}"#,
                ],
            ),
            (
                "resolution",
                &[
                    "null",
                    "{}",
                    r#"{"renditions":null}"#,
                    r#"{"renditions":[{}]}"#,
                    r#"{"renditions":[{"pattern":"/a"}]}"#,
                    r#"{"renditions":[{"pattern":"/a","lines":-1}]}"#,
                    r#"{"renditions":[{"pattern":"/a","lines":5000000000}]}"#,
                    r#"{"renditions":[{"pattern":"/a","lines":1080},{"lines":720,"pattern":"/b"}]}"#,
                    r#"{"renditions":[{"pattern":"/a","lines":1,"w":1}]}"#,
                ],
            ),
            (
                "akamai",
                &[
                    "null",
                    "{}",
                    r#"{"keys":[]}"#,
                    r#"{"keys":[{}]}"#,
                    r#"{"keys":[{"kid":"a"}]}"#,
                    r#"{"keys":[{"kid":"a","secret_hex":"ab"}],"algorithm":"sha512"}"#,
                    r#"{"keys":[{"kid":"a","secret_hex":"ab"},{"kid":"b","secret_hex":"cd"}],"algorithm":"md5","salt":"s"}"#,
                    r#"{"keys":[{"kid":"a","secret_hex":"ab"}],"algorithm":"sha1","salt":null}"#,
                    r#"{"keys":[{"kid":"a","secret_hex":"ab"}],"salt":1}"#,
                    r#"{"keys":[{"kid":"a","secret_hex":"ab","x":1}]}"#,
                ],
            ),
        ];
        for (section, values) in sections {
            for v in *values {
                docs.push(format!(r#"{{"keys":[{HS}],"{section}":{v}}}"#));
            }
        }
        docs
    }

    #[test]
    fn the_reader_agrees_with_the_serde_derives() {
        let mut errors = 0;
        for doc in documents() {
            match (Config::from_json(&doc), derived(&doc)) {
                (Ok(a), Ok(b)) => assert_eq!(everything(&a), everything(&b), "{doc}"),
                (Err(a), Err(b)) => {
                    errors += 1;
                    assert_eq!(a.field(), b.field(), "{doc}: {a} / {b}");
                    let b = b.message();
                    let b = b.find(" at line ").map_or(b, |i| b.get(..i).unwrap_or(b));
                    assert_eq!(a.message(), b, "{doc}");
                }
                (a, b) => panic!("{doc}: reader {a:?}, derives {b:?}"),
            }
        }
        assert!(errors > 60, "{errors}");
    }

    #[test]
    fn signing_key_documents_are_read_like_the_derive() {
        use crate::mint::SigningKeyConfig;
        let derived = |json: &str| {
            let de = &mut serde_json::Deserializer::from_str(json);
            serde_path_to_error::deserialize::<_, SigningKeyConfig>(de).map_err(|e| {
                // `?`: a syntax error inside an unfinished member; the reader names the document.
                let field = e.path().to_string();
                if field == "." || field == "?" {
                    String::new()
                } else {
                    field
                }
            })
        };
        let show = |c: &SigningKeyConfig| {
            let s = |s: &Option<Secret>| s.as_ref().map(|s| s.expose().to_string());
            format!(
                "{} {:?} {:?} {:?}",
                c.kid,
                c.alg,
                s(&c.secret),
                s(&c.private_key)
            )
        };
        let mut errors = 0;
        for doc in [
            r#"{"kid":"k","alg":"HS256","secret":"s"}"#,
            r#"{"alg":"ES384","private_key":"pem","kid":"k","secret":null}"#,
            r#"{"kid":"k","alg":"HS256","private_key":null}"#,
            r#"{"kid":"k"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"kid":"k","alg":"RS256"}"#,
            r#"{"kid":"k","alg":"HS256","secret":1}"#,
            r#"{"kid":"k","alg":"HS256","d":"x"}"#,
            r#"{"kid":"k","kid":"k","alg":"HS256"}"#,
            r#"{"kid":"k","alg":"ES384","private_key":["pem"]}"#,
            "[]",
            "{",
        ] {
            match (read_signing_key(doc), derived(doc)) {
                (Ok(a), Ok(b)) => assert_eq!(show(&a), show(&b), "{doc}"),
                (Err(a), Err(b)) => {
                    errors += 1;
                    assert_eq!(a.field(), b, "{doc}: {a}");
                }
                (a, b) => panic!(
                    "{doc}: reader {:?}, derive {:?}",
                    a.map(|c| show(&c)),
                    b.map(|c| show(&c))
                ),
            }
        }
        assert_eq!(errors, 9);
    }

    #[test]
    fn where_the_reader_is_stricter_or_clearer() {
        // Same field as the derives, clearer words than serde_json's "expected value".
        for (doc, field, words) in [
            (
                r#"{"keys":[{"kid":"k","alg":1}]}"#,
                "keys[0].alg",
                "invalid type: integer `…`, expected one of `HS256`",
            ),
            (
                r#"{"token":{"sources":[{"query":"a","cookie":"b"}]}}"#,
                "token.sources[0]",
                "exactly one member",
            ),
            (
                r#"{"token":{"sources":[{}]}}"#,
                "token.sources[0]",
                "exactly one member",
            ),
            (
                r#"{"token":{"sources":[null]}}"#,
                "token.sources[0]",
                "expected enum TokenSource",
            ),
            (
                r#"{"revocation":{"on_unavailable":1}}"#,
                "revocation.on_unavailable",
                "expected `deny` or `allow`",
            ),
            (
                r#"{"akamai":{"keys":[],"algorithm":null}}"#,
                "akamai.algorithm",
                "expected one of `sha256`",
            ),
            // serde accepts a struct written as an array of its fields; the format is objects.
            ("[]", "", "invalid type: sequence, expected struct Config"),
            (
                r#"{"deny":[401,403,false]}"#,
                "deny",
                "expected struct DenyConfig",
            ),
            // Syntax errors keep serde_json's position.
            (r#"{"keys":[}"#, "", "at line 1 column 10"),
        ] {
            let e = Config::from_json(doc).unwrap_err();
            assert_eq!(e.field(), field, "{doc}: {e}");
            assert!(e.message().contains(words), "{doc}: {e}");
        }
        assert!(derived("[]").is_ok() && derived(r#"{"deny":[401,403,false]}"#).is_ok());
    }

    #[test]
    fn strings_never_reach_an_error() {
        for doc in [
            r#"{"keys":[{"kid":"k","alg":"HS256","secret":"thesecret","secret":"thesecret"}]}"#,
            r#"{"claims":{"leeway":"thesecret"}}"#,
            r#"{"keys":"thesecret"}"#,
            r#"{"token":{"sources":[{"query":["thesecret"]}]}}"#,
            r#"{"binding":{"keys":"thesecret"}}"#,
            r#"{"keys":[{"kid":"k","alg":"HS256","secret":"thesecret\u0001"#,
        ] {
            let e = Config::from_json(doc).unwrap_err();
            assert!(!e.to_string().contains("thesecret"), "{e}");
        }
    }
}
