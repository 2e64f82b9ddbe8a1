//! The gate: a validated configuration and the one request path through it.
//!
//! ```text
//! Request ─► locate token ─► UntrustedJwt ─► verify (key → alg) ─► VerifiedClaims
//!         ─► time ─► channel ─► origin ─► Decision
//! ```

use crate::claims::{origin_allowed, ParsedClaims, VerifiedClaims};
use crate::config::{field, ChannelConfig, Config, ConfigError, TokenSource};
use crate::jwt::{KnownHeaders, PreparedKey, UntrustedJwt};
use crate::request::{percent_decode_cow, query_without, Lookup};
use crate::{Reason, Request};
use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Longest URI path or query string accepted (CloudFront's own limit is 8 KB for the whole URL).
pub const MAX_URI_LEN: usize = 8192;

/// A prepared, validated gate. Build once, check many requests.
#[derive(Debug, Clone)]
pub struct Gate {
    keys: Vec<PreparedKey>,
    known_headers: KnownHeaders,
    sources: Vec<TokenSource>,
    max_token_len: usize,
    require_exp: bool,
    leeway: u64,
    max_lifetime: u64,
    channel: Option<Channel>,
    missing_token_status: u16,
    deny_status: u16,
    debug: bool,
    revocation: Option<crate::revocation::RevocationPolicy>,
    policy: crate::policy::Policy,
}

#[derive(Debug, Clone)]
enum Channel {
    Fixed(Vec<String>),
    FromPath {
        prefix: String,
        rest: String,
        template: String,
    },
}

/// What the surface running the gate lends it for one check. Both parts are optional: without a
/// revocation source, lookups are unavailable (the config's `on_unavailable`); without an ES384
/// verifier, signatures are checked in Rust.
#[derive(Clone, Copy, Default)]
pub struct Host<'a> {
    /// A loaded revocation filter, or a surface's own source.
    pub revocation: Option<&'a dyn crate::revocation::RevocationSource>,
    /// The host's native ES384 verification (e.g. `node:crypto` in the npm package).
    pub es384: Option<&'a dyn crate::es384::Es384Verifier>,
}

impl<'a> Host<'a> {
    /// A host lending only a revocation source.
    pub fn with_revocation(
        revocation: Option<&'a dyn crate::revocation::RevocationSource>,
    ) -> Self {
        Host {
            revocation,
            es384: None,
        }
    }
}

impl core::fmt::Debug for Host<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Host")
            .field("revocation", &self.revocation.is_some())
            .field("es384", &self.es384.is_some())
            .finish()
    }
}

/// The gate's verdict on one request.
// Returned by value once per request; boxing `Allow` would add an allocation to the common path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Decision {
    /// Pass the request on.
    Allow(Allow),
    /// Answer with an error status.
    Deny(Deny),
}

/// An allowed request: what to forward, and what the token said.
#[derive(Debug, Clone)]
pub struct Allow {
    /// The request to forward, with the token removed.
    pub forward: Forward,
    /// The verified claims (shared with the verified-token cache when one is used).
    pub claims: Arc<VerifiedClaims>,
}

/// The forwarded request's URI and query after token removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// Path to forward.
    pub uri: String,
    /// Raw query string to forward (no `?`).
    pub querystring: String,
}

/// A denied request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deny {
    /// HTTP status to answer with.
    pub status: u16,
    /// Why.
    pub reason: Reason,
    /// Whether the configuration allows revealing the reason to the client.
    pub debug: bool,
}

impl Decision {
    /// Whether the request may pass.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
    /// HTTP status: 200 for an allowed request.
    pub fn status(&self) -> u16 {
        match self {
            Decision::Allow(_) => 200,
            Decision::Deny(d) => d.status,
        }
    }
    /// The denial reason, if denied.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Decision::Allow(_) => None,
            Decision::Deny(d) => Some(d.reason),
        }
    }
}

/// Where the token was found, so it can be removed before forwarding.
enum Found<'r> {
    Query {
        name: &'r str,
        value: Cow<'r, str>,
        /// The raw (undecoded) value, a slice of the query string.
        raw: &'r str,
    },
    Header(Cow<'r, str>),
    Path {
        token: &'r str,
        session: Option<&'r str>,
        rest: &'r str,
    },
}

impl Gate {
    /// Parses and validates a JSON configuration.
    pub fn from_json(json: &str) -> Result<Gate, ConfigError> {
        Gate::new(&Config::from_json(json)?)
    }

    /// Validates a configuration and prepares keys and patterns.
    pub fn new(config: &Config) -> Result<Gate, ConfigError> {
        if (config.keys.is_empty() && config.akamai.is_none()) || config.keys.len() > 16 {
            return Err(ConfigError::new(
                "keys",
                "give between 1 and 16 keys (or an `akamai` section)",
            ));
        }
        let mut keys = Vec::with_capacity(config.keys.len());
        for (i, k) in config.keys.iter().enumerate() {
            if config.keys.iter().take(i).any(|o| o.kid == k.kid) {
                return Err(ConfigError::new(
                    field(format_args!("keys[{i}].kid")),
                    "duplicate kid (an earlier key has the same one)",
                ));
            }
            keys.push(PreparedKey::prepare(i, k)?);
        }
        let t = &config.token;
        if t.sources.is_empty() {
            return Err(ConfigError::new(
                "token.sources",
                "give at least one source",
            ));
        }
        for (i, s) in t.sources.iter().enumerate() {
            let at = || field(format_args!("token.sources[{i}]"));
            match s {
                TokenSource::Query(n) | TokenSource::Cookie(n)
                    if n.is_empty() || n.contains(['&', '=', ';', ' ']) =>
                {
                    return Err(ConfigError::new(
                        at(),
                        "name must be non-empty, without & = ; or space",
                    ));
                }
                TokenSource::Header(n)
                    if n.is_empty()
                        || !n.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                        }) =>
                {
                    return Err(ConfigError::new(
                        at(),
                        "header name must be non-empty lowercase letters, digits, - or _",
                    ));
                }
                TokenSource::Bearer(false) | TokenSource::PathSegment(false) => {
                    return Err(ConfigError::new(at(), "use `true` or leave the source out"));
                }
                _ => {}
            }
        }
        if !(16..=16384).contains(&t.max_length) {
            return Err(ConfigError::new(
                "token.max_length",
                "must be between 16 and 16384",
            ));
        }
        let c = &config.claims;
        if c.leeway > 300 {
            return Err(ConfigError::new("claims.leeway", "at most 300 seconds"));
        }
        if c.max_lifetime == 0 {
            return Err(ConfigError::new("claims.max_lifetime", "must be positive"));
        }
        let channel = c.channel.as_ref().map(prepare_channel).transpose()?;
        let d = &config.deny;
        for (name, s) in [
            ("deny.missing_token_status", d.missing_token_status),
            ("deny.status", d.status),
        ] {
            if !(400..=599).contains(&s) {
                return Err(ConfigError::new(
                    name,
                    "must be an HTTP error status (400-599)",
                ));
            }
        }
        Ok(Gate {
            known_headers: KnownHeaders::new(&keys),
            keys,
            sources: t.sources.clone(),
            max_token_len: t.max_length,
            require_exp: c.require_exp,
            leeway: c.leeway,
            max_lifetime: c.max_lifetime,
            channel,
            missing_token_status: d.missing_token_status,
            deny_status: d.status,
            debug: d.debug,
            revocation: config
                .revocation
                .as_ref()
                .map(crate::revocation::RevocationPolicy::new)
                .transpose()?,
            policy: crate::policy::Policy::new(
                config.paths.as_ref(),
                config.binding.as_ref(),
                config.resolution.as_ref(),
                config.akamai.as_ref(),
            )?,
        })
    }

    /// Builds the ES384 keys' fixed-base verification tables now (≈ 75 KB per key, and once per
    /// process for the generator). Otherwise each is built on the first signature its key verifies
    /// in Rust: ≈ 2.5 ms natively, ≈ 7.5 ms in WebAssembly. Call it where start-up time is cheaper
    /// than a request's, e.g. in a worker's global scope; a gate whose host verifies every ES384
    /// signature (the npm package on Node) never needs the tables. Idempotent.
    pub fn precompute(&self) {
        self.keys.iter().for_each(PreparedKey::precompute);
    }

    /// Decides one request at time `now` (Unix seconds).
    ///
    /// With a `revocation` section configured this is [`Gate::check_with`] without a filter: requests
    /// that need a revocation lookup follow `on_unavailable`.
    pub fn check(&self, req: &Request<'_>, now: u64) -> Decision {
        self.check_with(req, now, None)
    }

    /// Decides one request, consulting `revocation` (a loaded filter, or a surface's own source) as
    /// the last stage. The filter is runtime data: swap it without rebuilding the gate.
    pub fn check_with(
        &self,
        req: &Request<'_>,
        now: u64,
        revocation: Option<&dyn crate::revocation::RevocationSource>,
    ) -> Decision {
        self.check_host(req, now, Host::with_revocation(revocation))
    }

    /// Decides one request with what the host lends: a revocation source and/or a native ES384
    /// verifier (see [`Host`]).
    pub fn check_host(&self, req: &Request<'_>, now: u64, host: Host<'_>) -> Decision {
        match self.check_inner(req, now, host, None) {
            Ok(allow) => Decision::Allow(allow),
            Err(reason) => Decision::Deny(self.deny(reason)),
        }
    }

    /// [`Gate::check_with`] through a verified-token cache (see [`crate::cache::CachingGate`], which
    /// keeps a cache and its gate together).
    pub(crate) fn check_cached(
        &self,
        req: &Request<'_>,
        now: u64,
        host: Host<'_>,
        cache: &mut crate::cache::TokenCache,
    ) -> Decision {
        match self.check_inner(req, now, host, Some(cache)) {
            Ok(allow) => Decision::Allow(allow),
            Err(reason) => Decision::Deny(self.deny(reason)),
        }
    }

    /// The response for a denial reason under this configuration.
    pub fn deny(&self, reason: Reason) -> Deny {
        let status = if reason == Reason::MissingToken {
            self.missing_token_status
        } else {
            self.deny_status
        };
        Deny {
            status,
            reason,
            debug: self.debug,
        }
    }

    fn check_inner(
        &self,
        req: &Request<'_>,
        now: u64,
        host: Host<'_>,
        cache: Option<&mut crate::cache::TokenCache>,
    ) -> Result<Allow, Reason> {
        if !req.uri.starts_with('/')
            || req.uri.len() > MAX_URI_LEN
            || req.querystring.len() > MAX_URI_LEN
        {
            return Err(Reason::BadRequest);
        }
        // Exempt paths (e.g. ads) need no token; they are forwarded in normal form.
        if let Some(uri) = self.policy.exempt(req)? {
            return Ok(Allow {
                forward: Forward {
                    uri,
                    querystring: req.querystring.into(),
                },
                claims: Arc::new(VerifiedClaims::default()),
            });
        }
        let found = self.locate(req)?;
        let token = match &found {
            Found::Query { value, .. } | Found::Header(value) => value.as_ref(),
            Found::Path { token, .. } => token,
        };
        if token.is_empty() || token.len() > self.max_token_len {
            return Err(Reason::MalformedToken);
        }
        // Dispatch on the token's shape: a JWS is base64url and dots only; `=`/`~` is EdgeAuth.
        let (claims, scope, akamai) = if self.policy.has_akamai() && crate::akamai::is_akamai(token)
        {
            if matches!(found, Found::Path { .. }) {
                return Err(Reason::MalformedToken);
            }
            let (claims, akamai) =
                self.policy
                    .verify_akamai(token, req.uri, now, self.leeway, self.max_lifetime)?;
            let scope = self.policy.scope(&claims);
            (Arc::new(claims), scope, Some(akamai))
        } else {
            let session = match &found {
                Found::Path { session, .. } => *session,
                _ => None,
            };
            // The cache holds what depends on the token bytes alone (the claims and the compiled
            // path scope); time and policy run below.
            let mut cache = cache;
            let hit = cache.as_deref_mut().and_then(|c| c.get(token, session));
            let (claims, scope) = match hit {
                Some(hit) => hit,
                None => {
                    let mut parsed = ParsedClaims::default();
                    let kid = UntrustedJwt::parse(token, &self.known_headers, &mut parsed)?
                        .verify(&self.keys, host.es384)?;
                    let claims = parsed.into_shared(kid, session.map(ToString::to_string))?;
                    let scope = self.policy.scope(&claims);
                    if let Some(c) = cache {
                        c.insert(token, session, &claims, &scope);
                    }
                    (claims, scope)
                }
            };
            claims.check_time(now, self.leeway, self.require_exp, self.max_lifetime)?;
            (claims, scope, None)
        };

        let mut forward = match &found {
            Found::Query { name, raw, .. } => Forward {
                uri: req.uri.into(),
                // The common HLS case, `?token=…` alone, needs no rebuilding.
                querystring: if req.querystring.len() == name.len() + 1 + raw.len() {
                    String::new()
                } else {
                    query_without(req.querystring, name)
                },
            },
            Found::Header(_) => Forward {
                uri: req.uri.into(),
                querystring: req.querystring.into(),
            },
            Found::Path { rest, .. } => Forward {
                uri: (*rest).into(),
                querystring: req.querystring.into(),
            },
        };
        // Policies look at the path the origin will see, not at the token segment.
        self.policy
            .check(&claims, &scope, akamai.as_ref(), req, &mut forward.uri)?;
        self.check_channel(&claims, &forward.uri)?;
        check_origin(&claims, req, &forward.uri)?;
        if let Some(policy) = &self.revocation {
            policy.check(&claims, now, host.revocation)?;
        }
        Ok(Allow { forward, claims })
    }

    fn locate<'a>(&'a self, req: &Request<'a>) -> Result<Found<'a>, Reason> {
        for source in &self.sources {
            let found = match source {
                TokenSource::Query(name) => match req.query_param(name) {
                    Lookup::Absent => None,
                    Lookup::Many => return Err(Reason::MalformedToken),
                    Lookup::One(raw) => {
                        let value = percent_decode_cow(raw).ok_or(Reason::MalformedToken)?;
                        Some(Found::Query { name, value, raw })
                    }
                },
                TokenSource::Cookie(name) => match req.cookie(name) {
                    Lookup::Absent => None,
                    Lookup::Many => return Err(Reason::MalformedToken),
                    Lookup::One(v) => Some(Found::Header(Cow::Borrowed(v))),
                },
                TokenSource::Bearer(_) => match req.header("authorization") {
                    Lookup::Absent => None,
                    Lookup::Many => return Err(Reason::MalformedToken),
                    Lookup::One(v) => match v.split_once(' ') {
                        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => {
                            Some(Found::Header(Cow::Borrowed(t.trim())))
                        }
                        _ => None,
                    },
                },
                TokenSource::PathSegment(_) => locate_path(req.uri),
                TokenSource::Header(name) => match req.header(name) {
                    Lookup::Absent => None,
                    Lookup::Many => return Err(Reason::MalformedToken),
                    Lookup::One(v) => Some(Found::Header(Cow::Borrowed(v.trim()))),
                },
            };
            if let Some(f) = found {
                return Ok(f);
            }
        }
        Err(Reason::MissingToken)
    }

    fn check_channel(&self, claims: &VerifiedClaims, path: &str) -> Result<(), Reason> {
        let Some(channel) = &self.channel else {
            return Ok(());
        };
        let arn = claims.channel_arn.as_deref().ok_or(Reason::MissingClaim)?;
        let ok = match channel {
            Channel::Fixed(arns) => arns.iter().any(|a| a == arn),
            Channel::FromPath {
                prefix,
                rest,
                template,
            } => {
                let id = path
                    .strip_prefix(prefix.as_str())
                    .and_then(|after| {
                        let end = after.find('/').unwrap_or(after.len());
                        let (id, tail) = after.split_at(end);
                        (!id.is_empty() && tail.starts_with(rest.as_str())).then_some(id)
                    })
                    .ok_or(Reason::ChannelMismatch)?;
                template_matches(template, id, arn)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Reason::ChannelMismatch)
        }
    }
}

/// `template` with `{id}` replaced by `id` equals `arn` (compared without building a string).
fn template_matches(template: &str, id: &str, arn: &str) -> bool {
    match template.split_once("{id}") {
        Some((head, tail)) => {
            arn.len() == head.len() + id.len() + tail.len()
                && arn.starts_with(head)
                && arn.ends_with(tail)
                && arn.get(head.len()..head.len() + id.len()) == Some(id)
        }
        None => template == arn,
    }
}

/// A first path segment that looks like a JWS (`h.p.s`) or an SMD session token (`sid.h.p.s`).
fn locate_path(uri: &str) -> Option<Found<'_>> {
    let after = uri.strip_prefix('/')?;
    let (segment, rest) = match after.find('/') {
        Some(i) => (after.get(..i)?, after.get(i..)?),
        None => (after, "/"),
    };
    match segment.bytes().filter(|b| *b == b'.').count() {
        2 => Some(Found::Path {
            token: segment,
            session: None,
            rest,
        }),
        3 => {
            let (sid, token) = segment.split_once('.')?;
            Some(Found::Path {
                token,
                session: Some(sid),
                rest,
            })
        }
        _ => None,
    }
}

fn is_manifest(path: &str) -> bool {
    path.ends_with(".m3u8") || path.ends_with(".mpd")
}

fn check_origin(claims: &VerifiedClaims, req: &Request<'_>, path: &str) -> Result<(), Reason> {
    let Some(list) = claims.allow_origin.as_deref() else {
        return Ok(());
    };
    if list.split(',').any(|e| e.trim() == "*") {
        return Ok(());
    }
    if !(claims.strict_origin || is_manifest(path)) {
        return Ok(());
    }
    match req.header("origin") {
        Lookup::One(origin) if origin_allowed(list, origin) => Ok(()),
        _ => Err(Reason::OriginMismatch),
    }
}

fn prepare_channel(c: &ChannelConfig) -> Result<Channel, ConfigError> {
    match (&c.arn, &c.arns, &c.path) {
        (Some(arn), None, None) => {
            validate_arn("claims.channel.arn", arn, false)?;
            Ok(Channel::Fixed(alloc::vec![arn.clone()]))
        }
        (None, Some(arns), None) if !arns.is_empty() => {
            for (i, a) in arns.iter().enumerate() {
                validate_arn(&field(format_args!("claims.channel.arns[{i}]")), a, false)?;
            }
            Ok(Channel::Fixed(arns.clone()))
        }
        (Some(template), None, Some(path)) => {
            validate_arn("claims.channel.arn", template, true)?;
            let (prefix, rest) = path.split_once("{id}").ok_or_else(|| {
                ConfigError::new(
                    "claims.channel.path",
                    "must contain {id}, e.g. /channels/{id}/",
                )
            })?;
            if !prefix.starts_with('/') || !prefix.ends_with('/') || rest.contains("{id}") {
                return Err(ConfigError::new(
                    "claims.channel.path",
                    "must look like /prefix/{id}/ with {id} a whole path segment, once",
                ));
            }
            if !rest.is_empty() && !rest.starts_with('/') {
                return Err(ConfigError::new(
                    "claims.channel.path",
                    "{id} must be a whole path segment",
                ));
            }
            Ok(Channel::FromPath {
                prefix: prefix.into(),
                rest: rest.into(),
                template: template.clone(),
            })
        }
        _ => Err(ConfigError::new(
            "claims.channel",
            "give `arn`, or `arns` (non-empty), or `path` with an `arn` template containing {id}",
        )),
    }
}

fn validate_arn(at: &str, arn: &str, template: bool) -> Result<(), ConfigError> {
    let ok = arn.starts_with("arn:") && arn.split(':').count() >= 6;
    if !ok {
        return Err(ConfigError::new(
            at,
            "expected an ARN like arn:aws:ivs:us-west-2:123456789012:channel/abcd",
        ));
    }
    if template != arn.contains("{id}") {
        return Err(ConfigError::new(
            at,
            if template {
                "the ARN template must contain {id}"
            } else {
                "a fixed ARN must not contain {id}; add `path`"
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_matching() {
        assert!(template_matches(
            "arn:x:channel/{id}",
            "ab",
            "arn:x:channel/ab"
        ));
        assert!(!template_matches(
            "arn:x:channel/{id}",
            "ab",
            "arn:x:channel/abc"
        ));
        assert!(!template_matches(
            "arn:x:channel/{id}",
            "ab",
            "arn:y:channel/ab"
        ));
    }

    #[test]
    fn path_tokens() {
        assert!(locate_path("/index.m3u8").is_none());
        assert!(matches!(
            locate_path("/a.b.c/x.ts"),
            Some(Found::Path {
                token: "a.b.c",
                session: None,
                rest: "/x.ts"
            })
        ));
        assert!(matches!(
            locate_path("/s1.a.b.c"),
            Some(Found::Path {
                token: "a.b.c",
                session: Some("s1"),
                rest: "/"
            })
        ));
        assert!(locate_path("/a.b.c.d.e/x").is_none());
    }
}
