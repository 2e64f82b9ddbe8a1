//! Playback policy stages between signature verification and the channel/origin checks: path
//! normalisation, path scopes (`paths` claim, Akamai `acl`), exempt paths, viewer binding,
//! `aws:maximum-resolution`, and Akamai EdgeAuth verification. Configured by the `paths`,
//! `binding`, `resolution` and `akamai` sections (docs/contracts.md §5).

use crate::akamai::{AkamaiAlg, AkamaiKey, UntrustedAkamai};
use crate::binding::{self, Item};
use crate::claims::VerifiedClaims;
use crate::config::{field, ConfigError, Secret};
use crate::ip;
use crate::jwt::b64u_decode;
use crate::path::{akamai_acl_matches, normal_form, Glob};
use crate::request::{percent_decode, Lookup};
use crate::{Reason, Request};
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Most patterns in one `paths` claim.
pub const MAX_SCOPE_PATTERNS: usize = 32;

/// The `paths` section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsConfig {
    /// Claim holding the token's path globs (default `paths`).
    #[serde(default = "default_paths_claim")]
    pub claim: String,
    /// Globs that need no token at all (e.g. `/ads/**`).
    #[serde(default)]
    pub exempt: Vec<String>,
    /// Every token must be path-scoped (`paths` claim, or an Akamai token).
    #[serde(default)]
    pub require: bool,
}

fn default_paths_claim() -> String {
    "paths".into()
}

impl Default for PathsConfig {
    /// What an empty `paths` section means (the serde defaults).
    fn default() -> Self {
        PathsConfig {
            claim: default_paths_claim(),
            exempt: Vec::new(),
            require: false,
        }
    }
}

/// The `binding` section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingConfig {
    /// Binding keys (base64url, no padding, at least 32 bytes); the first is current, the others
    /// are accepted during rotation.
    #[serde(default)]
    pub keys: Vec<Secret>,
    /// Claim holding the digest (default `bind`).
    #[serde(default = "default_bind_claim")]
    pub claim: String,
    /// Plain claim holding an IP address or CIDR block, or an array of them (default `ip`).
    #[serde(default = "default_ip_claim")]
    pub ip_claim: String,
    /// Items every token must bind (e.g. `["ip"]`; `ip` is satisfied by `ip`, `ip/N`, the plain
    /// IP claim or an Akamai `ip` field).
    #[serde(default)]
    pub require: Vec<String>,
}

fn default_bind_claim() -> String {
    "bind".into()
}
fn default_ip_claim() -> String {
    "ip".into()
}

impl Default for BindingConfig {
    /// What an empty `binding` section means (the serde defaults).
    fn default() -> Self {
        BindingConfig {
            keys: Vec::new(),
            claim: default_bind_claim(),
            ip_claim: default_ip_claim(),
            require: Vec::new(),
        }
    }
}

/// The `resolution` section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionConfig {
    /// Rendition patterns, first match wins.
    pub renditions: Vec<RenditionConfig>,
}

/// One rendition pattern.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenditionConfig {
    /// Segment-aware glob over the normalised path, e.g. `/**/1080p/**`.
    pub pattern: String,
    /// Vertical resolution of the rendition (lines).
    pub lines: u32,
}

/// The `akamai` section: Akamai Auth Token 2.0 verification.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AkamaiConfig {
    /// Current key first, then transition keys.
    pub keys: Vec<AkamaiKeyConfig>,
    /// `sha256` (default), `sha1` or `md5`.
    #[serde(default)]
    pub algorithm: AkamaiAlg,
    /// Optional salt appended to the HMAC input.
    #[serde(default)]
    pub salt: Option<Secret>,
}

/// One Akamai key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AkamaiKeyConfig {
    /// Key id (reported as the verifying key).
    pub kid: String,
    /// The key as hex, as Akamai shows it.
    pub secret_hex: Secret,
}

#[derive(Clone, Debug)]
struct AkamaiPolicy {
    keys: Vec<AkamaiKey>,
    alg: AkamaiAlg,
    salt: Option<Secret>,
}

/// What a token's claims say about paths and addresses, read once per verified token
/// ([`Policy::scope`]): the cache keeps it with the claims, so a hit neither compiles globs nor
/// parses address blocks again.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    paths: PathScope,
    ip: IpScope,
    digest: DigestScope,
}

impl Scope {
    /// A token that scopes nothing.
    #[cfg(test)]
    pub(crate) const NONE: Scope = Scope {
        paths: PathScope::None,
        ip: IpScope::None,
        digest: DigestScope::None,
    };
}

/// A token's compiled path scope.
#[derive(Clone, Debug)]
enum PathScope {
    /// The token has no `paths` claim.
    None,
    /// The claim is not a list of 1..=`MAX_SCOPE_PATTERNS` valid patterns: `invalid_claim`.
    Invalid,
    /// The compiled patterns (shared with the cache entry).
    Globs(Arc<[Glob]>),
}

/// A token's plain address binding (the `ip` claim: one address or block, or a list of 1..=32).
#[derive(Clone, Debug)]
enum IpScope {
    /// No such claim.
    None,
    /// Present but not a string or a list of 1..=32 address blocks: `invalid_claim` (after the
    /// binding requirements are checked, as before caching).
    Invalid,
    /// The blocks the client's address must fall in.
    Blocks(Arc<[ip::Cidr]>),
}

/// A token's digest binding (the `bind` claim, `{"v": [items], "mac": "<base64url>"}`).
#[derive(Clone, Debug)]
enum DigestScope {
    /// No such claim.
    None,
    /// Present but not that shape, an unknown or repeated item, a bad `mac`: `invalid_claim`
    /// (before the binding requirements are checked, as before caching).
    Invalid,
    /// The item names, in the token's order (each valid for [`Item::parse`], none repeated), and
    /// the MAC the request's values must reproduce.
    Bound {
        names: Arc<[String]>,
        tag: Arc<[u8]>,
    },
}

/// What an Akamai token scopes beyond its time fields.
#[derive(Clone, Debug, Default)]
pub(crate) struct AkamaiScope {
    acl: Option<String>,
    ip: Option<String>,
}

/// Binding keys, never printed.
#[derive(Clone, Default)]
struct BindKeys(Vec<Vec<u8>>);

impl core::fmt::Debug for BindKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "BindKeys({} keys)", self.0.len())
    }
}

/// A binding the policy requires (`binding.require`), read at load.
#[derive(Clone, Debug)]
enum Required {
    /// `ip`: the client address, bound by a plain `ip` claim, an Akamai `ip` field or a digest item.
    Ip,
    /// Any other item, bound only by a digest that lists it under this name.
    Item(String),
}

/// The prepared policy.
#[derive(Clone, Debug)]
pub(crate) struct Policy {
    normalise_always: bool,
    paths_claim: String,
    paths_required: bool,
    exempt: Vec<Glob>,
    bind_claim: String,
    ip_claim: String,
    bind_keys: BindKeys,
    bind_required: Vec<Required>,
    renditions: Vec<(Glob, u32)>,
    akamai: Option<AkamaiPolicy>,
}

fn claim_name(at: &str, s: &str) -> Result<(), ConfigError> {
    if s.is_empty() || s.len() > 64 {
        return Err(ConfigError::new(at, "must be 1 to 64 characters"));
    }
    Ok(())
}

impl Policy {
    pub(crate) fn new(
        paths: Option<&PathsConfig>,
        binding: Option<&BindingConfig>,
        resolution: Option<&ResolutionConfig>,
        akamai: Option<&AkamaiConfig>,
    ) -> Result<Policy, ConfigError> {
        let mut exempt = Vec::new();
        if let Some(p) = paths {
            claim_name("paths.claim", &p.claim)?;
            for (i, e) in p.exempt.iter().enumerate() {
                exempt.push(Glob::new(e).map_err(|err| {
                    ConfigError::new(
                        field(format_args!("paths.exempt[{i}]")),
                        alloc::format!("not a valid path glob ({err:?}); write e.g. /ads/**"),
                    )
                })?);
            }
        }
        let mut bind_keys = Vec::new();
        let mut bind_required = Vec::new();
        if let Some(b) = binding {
            claim_name("binding.claim", &b.claim)?;
            claim_name("binding.ip_claim", &b.ip_claim)?;
            if b.claim == b.ip_claim {
                return Err(ConfigError::new(
                    "binding.ip_claim",
                    "must differ from binding.claim",
                ));
            }
            if b.keys.len() > 4 {
                return Err(ConfigError::new("binding.keys", "at most 4 keys"));
            }
            for (i, k) in b.keys.iter().enumerate() {
                let bytes = b64u_decode(k.expose())
                    .filter(|b| b.len() >= 32)
                    .ok_or_else(|| {
                        ConfigError::new(
                            field(format_args!("binding.keys[{i}]")),
                            "must be base64url without padding, at least 32 bytes",
                        )
                    })?;
                bind_keys.push(bytes);
            }
            for (i, r) in b.require.iter().enumerate() {
                if Item::parse(r).is_none() {
                    return Err(ConfigError::new(
                        field(format_args!("binding.require[{i}]")),
                        "expected ip, ip/N, country, region, ua, referer, session, header:<name> or query:<name>",
                    ));
                }
                let required = match Item::parse(r) {
                    Some(Item::Ip) => Required::Ip,
                    _ => Required::Item(r.clone()),
                };
                if matches!(required, Required::Item(_)) && b.keys.is_empty() {
                    return Err(ConfigError::new(
                        "binding.keys",
                        "required bindings other than `ip` need a binding key",
                    ));
                }
                bind_required.push(required);
            }
        }
        let mut renditions = Vec::new();
        if let Some(r) = resolution {
            if r.renditions.is_empty() {
                return Err(ConfigError::new(
                    "resolution.renditions",
                    "give at least one {\"pattern\", \"lines\"}",
                ));
            }
            for (i, rc) in r.renditions.iter().enumerate() {
                let g = Glob::new(&rc.pattern).map_err(|err| {
                    ConfigError::new(
                        field(format_args!("resolution.renditions[{i}].pattern")),
                        alloc::format!("not a valid path glob ({err:?}); write e.g. /**/1080p/**"),
                    )
                })?;
                if rc.lines == 0 || rc.lines > 8640 {
                    return Err(ConfigError::new(
                        field(format_args!("resolution.renditions[{i}].lines")),
                        "must be between 1 and 8640",
                    ));
                }
                renditions.push((g, rc.lines));
            }
        }
        let akamai = akamai.map(prepare_akamai).transpose()?;
        Ok(Policy {
            normalise_always: paths.is_some() || resolution.is_some(),
            paths_claim: paths.map_or_else(default_paths_claim, |p| p.claim.clone()),
            paths_required: paths.is_some_and(|p| p.require),
            exempt,
            bind_claim: binding.map_or_else(default_bind_claim, |b| b.claim.clone()),
            ip_claim: binding.map_or_else(default_ip_claim, |b| b.ip_claim.clone()),
            bind_keys: BindKeys(bind_keys),
            bind_required,
            renditions,
            akamai,
        })
    }

    /// Whether this gate verifies Akamai tokens (and so dispatches on the token's shape).
    pub(crate) fn has_akamai(&self) -> bool {
        self.akamai.is_some()
    }

    /// The normalised path when the request is for an exempt path (no token needed).
    pub(crate) fn exempt(&self, req: &Request<'_>) -> Result<Option<String>, Reason> {
        if self.exempt.is_empty() {
            return Ok(None);
        }
        let path = normal_form(req.uri).map_err(|_| Reason::BadRequest)?;
        Ok(self
            .exempt
            .iter()
            .any(|g| g.matches(&path))
            .then(|| path.into_owned()))
    }

    /// Verifies an Akamai token: HMAC (URL tokens over the raw request path), then time.
    pub(crate) fn verify_akamai(
        &self,
        token: &str,
        raw_path: &str,
        now: u64,
        leeway: u64,
        max_lifetime: u64,
    ) -> Result<(VerifiedClaims, AkamaiScope), Reason> {
        let ak = self.akamai.as_ref().ok_or(Reason::MalformedToken)?;
        let t = UntrustedAkamai::parse(token)?;
        let kid = t.verify(
            &ak.keys,
            ak.alg,
            ak.salt.as_ref().map(Secret::expose),
            raw_path,
        )?;
        let exp = t.exp.ok_or(Reason::MissingClaim)?;
        let mut map = Map::new();
        map.insert("exp".into(), Value::from(exp));
        if let Some(st) = t.st {
            map.insert("nbf".into(), Value::from(st));
        }
        for (name, v) in [("akamai:id", t.id), ("akamai:data", t.data)] {
            if let Some(v) = v {
                map.insert(name.into(), Value::String(v.into()));
            }
        }
        let claims = VerifiedClaims::from_map(Some(kid.into()), map)?;
        // Akamai tokens always expire: `require_exp` does not relax them.
        claims.check_time(now, leeway, true, max_lifetime)?;
        Ok((
            claims,
            AkamaiScope {
                acl: t.acl.map(String::from),
                ip: t.ip.map(String::from),
            },
        ))
    }

    /// A token's path scope (the `paths` claim, compiled) and plain address binding (the `ip`
    /// claim, parsed), read once per verified token: the cache keeps them with the claims.
    pub(crate) fn scope(&self, claims: &VerifiedClaims) -> Scope {
        let paths = match claims.get(&self.paths_claim).as_deref() {
            None => PathScope::None,
            Some(Value::Array(a)) if !a.is_empty() && a.len() <= MAX_SCOPE_PATTERNS => a
                .iter()
                .map(|p| p.as_str().and_then(|s| Glob::new(s).ok()))
                .collect::<Option<Vec<Glob>>>()
                .map_or(PathScope::Invalid, |g| PathScope::Globs(g.into())),
            Some(_) => PathScope::Invalid,
        };
        let blocks = |list: &[Value]| {
            list.iter()
                .map(|x| x.as_str().and_then(ip::Cidr::parse))
                .collect::<Option<Vec<ip::Cidr>>>()
                .map_or(IpScope::Invalid, |b| IpScope::Blocks(b.into()))
        };
        let ip = match claims.get(&self.ip_claim).as_deref() {
            None => IpScope::None,
            Some(Value::String(s)) => {
                ip::Cidr::parse(s).map_or(IpScope::Invalid, |b| IpScope::Blocks([b].into()))
            }
            Some(Value::Array(a)) if !a.is_empty() && a.len() <= 32 => blocks(a),
            Some(_) => IpScope::Invalid,
        };
        let digest = match claims.get(&self.bind_claim).as_deref() {
            None => DigestScope::None,
            Some(Value::Object(o)) => {
                digest_parts(o).map_or(DigestScope::Invalid, |(items, tag)| DigestScope::Bound {
                    names: items.iter().map(|(n, _)| String::from(*n)).collect(),
                    tag: tag.into(),
                })
            }
            Some(_) => DigestScope::Invalid,
        };
        Scope { paths, ip, digest }
    }

    /// Path normalisation, scope, binding and resolution. Rewrites `uri` to its normal form
    /// whenever a path policy applies to this request. `scope` is [`Policy::scope`] of `claims`.
    pub(crate) fn check(
        &self,
        claims: &VerifiedClaims,
        scope: &Scope,
        akamai: Option<&AkamaiScope>,
        req: &Request<'_>,
        uri: &mut String,
    ) -> Result<(), Reason> {
        let scoped = !matches!(scope.paths, PathScope::None);
        if self.normalise_always || scoped || akamai.is_some() {
            if let Cow::Owned(n) = normal_form(uri).map_err(|_| Reason::BadRequest)? {
                *uri = n;
            }
        }
        if self.paths_required && !scoped && akamai.is_none() {
            return Err(Reason::MissingClaim);
        }
        match &scope.paths {
            PathScope::None => {}
            PathScope::Invalid => return Err(Reason::InvalidClaim),
            PathScope::Globs(globs) => {
                if !globs.iter().any(|g| g.matches(uri)) {
                    return Err(Reason::PathNotAllowed);
                }
            }
        }
        if let Some(acl) = akamai.and_then(|a| a.acl.as_deref()) {
            if !akamai_acl_matches(acl, uri) {
                return Err(Reason::PathNotAllowed);
            }
        }
        self.check_binding(claims, scope, akamai.and_then(|a| a.ip.as_deref()), req)?;
        if let Some(max) = claims.max_resolution {
            let lines = self.renditions.iter().find(|(g, _)| g.matches(uri));
            if lines.is_some_and(|(_, l)| *l > max.max_lines()) {
                return Err(Reason::ResolutionNotAllowed);
            }
        }
        Ok(())
    }

    fn check_binding<'s>(
        &self,
        claims: &VerifiedClaims,
        scope: &'s Scope,
        akamai_ip: Option<&str>,
        req: &Request<'_>,
    ) -> Result<(), Reason> {
        let plain = &scope.ip;
        let digest = match &scope.digest {
            DigestScope::None => None,
            DigestScope::Invalid => return Err(Reason::InvalidClaim),
            DigestScope::Bound { names, tag } => Some((names, tag)),
        };
        // The digest's items from their cached names (valid by construction: `Item::parse` is a
        // match on the name, no allocation).
        let items = |names: &'s Arc<[String]>| {
            names
                .iter()
                .filter_map(|n| Item::parse(n).map(|i| (n.as_str(), i)))
        };
        // Requirements first: a token that does not bind what the policy demands is incomplete.
        for r in &self.bind_required {
            let bound = match r {
                Required::Ip => {
                    !matches!(plain, IpScope::None)
                        || akamai_ip.is_some()
                        || digest.is_some_and(|(names, _)| items(names).any(|(_, i)| i.is_ip()))
                }
                Required::Item(name) => {
                    digest.is_some_and(|(names, _)| names.iter().any(|n| n == name))
                }
            };
            if !bound {
                return Err(Reason::MissingClaim);
            }
        }
        let client = || ip::parse(req.client_ip).ok_or(Reason::BindingMismatch);
        match plain {
            IpScope::None => {}
            IpScope::Invalid => return Err(Reason::InvalidClaim),
            IpScope::Blocks(blocks) => {
                let c = client()?;
                if !blocks.iter().any(|b| b.contains(c)) {
                    return Err(Reason::BindingMismatch);
                }
            }
        }
        if let Some(a) = akamai_ip {
            let want = ip::parse(a).ok_or(Reason::InvalidClaim)?;
            if client()? != want {
                return Err(Reason::BindingMismatch);
            }
        }
        if let Some((names, tag)) = digest {
            // Fail closed: a token asking to be bound is never accepted unbound.
            if self.bind_keys.0.is_empty() {
                return Err(Reason::BindingMismatch);
            }
            let mut values: Vec<(&str, String)> = Vec::with_capacity(names.len());
            for (name, item) in items(names) {
                values.push((name, self.value(item, claims, req)?));
            }
            let msg = binding::message(values.iter().map(|(n, v)| (*n, v.as_str())))
                .ok_or(Reason::BindingMismatch)?;
            if !binding::verify(&self.bind_keys.0, &msg, tag) {
                return Err(Reason::BindingMismatch);
            }
        }
        Ok(())
    }

    /// The request's value for one bound item; absent is a mismatch, never a skip.
    fn value(
        &self,
        item: Item<'_>,
        claims: &VerifiedClaims,
        req: &Request<'_>,
    ) -> Result<String, Reason> {
        match item {
            Item::Ip | Item::IpPrefix(_) => {
                binding::ip_value(item, req.client_ip).ok_or(Reason::BindingMismatch)
            }
            Item::Header(h) => match req.header(h) {
                Lookup::One(v) => Ok(v.into()),
                _ => Err(Reason::BindingMismatch),
            },
            Item::Query(q) => match req.query_param(q) {
                Lookup::One(v) => percent_decode(v).ok_or(Reason::BindingMismatch),
                _ => Err(Reason::BindingMismatch),
            },
            Item::Session => claims
                .path_session_id
                .clone()
                .ok_or(Reason::BindingMismatch),
        }
    }
}

type Digest<'a> = (Vec<(&'a str, Item<'a>)>, Vec<u8>);

/// `{"v": [items], "mac": "<base64url>"}`, strictly.
fn digest_parts(o: &Map<String, Value>) -> Result<Digest<'_>, Reason> {
    if o.len() != 2 {
        return Err(Reason::InvalidClaim);
    }
    let (Some(Value::Array(v)), Some(Value::String(mac))) = (o.get("v"), o.get("mac")) else {
        return Err(Reason::InvalidClaim);
    };
    if v.is_empty() || v.len() > binding::MAX_ITEMS {
        return Err(Reason::InvalidClaim);
    }
    let mut items: Vec<(&str, Item<'_>)> = Vec::with_capacity(v.len());
    for x in v {
        let name = x.as_str().ok_or(Reason::InvalidClaim)?;
        let item = Item::parse(name).ok_or(Reason::InvalidClaim)?;
        if items.iter().any(|(n, _)| *n == name) {
            return Err(Reason::InvalidClaim);
        }
        items.push((name, item));
    }
    let tag = b64u_decode(mac).ok_or(Reason::InvalidClaim)?;
    Ok((items, tag))
}

fn prepare_akamai(a: &AkamaiConfig) -> Result<AkamaiPolicy, ConfigError> {
    if a.keys.is_empty() || a.keys.len() > 4 {
        return Err(ConfigError::new(
            "akamai.keys",
            "give 1 to 4 keys (current first, then transition keys)",
        ));
    }
    let mut keys = Vec::with_capacity(a.keys.len());
    for (i, k) in a.keys.iter().enumerate() {
        if k.kid.is_empty() || k.kid.len() > 128 {
            return Err(ConfigError::new(
                field(format_args!("akamai.keys[{i}].kid")),
                "must be 1 to 128 characters",
            ));
        }
        if a.keys.iter().take(i).any(|o| o.kid == k.kid) {
            return Err(ConfigError::new(
                field(format_args!("akamai.keys[{i}].kid")),
                "duplicate kid (an earlier key has the same one)",
            ));
        }
        let key = AkamaiKey::from_hex(&k.kid, k.secret_hex.expose())
            .filter(|key| key.len() >= 8)
            .ok_or_else(|| {
                ConfigError::new(
                    field(format_args!("akamai.keys[{i}].secret_hex")),
                    "must be hex (even length), at least 16 hex digits",
                )
            })?;
        keys.push(key);
    }
    if let Some(s) = &a.salt {
        if s.expose().is_empty() || s.expose().contains('~') {
            return Err(ConfigError::new(
                "akamai.salt",
                "must be non-empty and contain no '~'",
            ));
        }
    }
    Ok(AkamaiPolicy {
        keys,
        alg: a.algorithm,
        salt: a.salt.clone(),
    })
}
