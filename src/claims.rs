//! Verified claims: typed once from the signed payload, then checked against the clock and the
//! request. Nothing here is trusted until the signature has been verified.

use crate::json::{Key, Scalar, StrictValue};
use crate::Reason;
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Renditions cap from `aws:maximum-resolution`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MaxResolution {
    /// Up to 480 lines.
    Sd,
    /// Up to 720 lines.
    Hd,
    /// Up to 1080 lines.
    FullHd,
}

impl MaxResolution {
    /// Highest number of lines (vertical resolution) allowed.
    pub const fn max_lines(self) -> u32 {
        match self {
            MaxResolution::Sd => 480,
            MaxResolution::Hd => 720,
            MaxResolution::FullHd => 1080,
        }
    }
}

/// Claims of a token whose signature has been verified, typed and range-checked.
#[derive(Clone, Debug, Default)]
pub struct VerifiedClaims {
    /// The key that verified the token.
    pub kid: Option<String>,
    /// `exp`, seconds.
    pub exp: Option<f64>,
    /// `nbf`, seconds.
    pub nbf: Option<f64>,
    /// `iat`, seconds.
    pub iat: Option<f64>,
    /// `aws:channel-arn`.
    pub channel_arn: Option<String>,
    /// `aws:access-control-allow-origin`.
    pub allow_origin: Option<String>,
    /// `aws:strict-origin-enforcement`.
    pub strict_origin: bool,
    /// `aws:single-use-uuid`.
    pub single_use_uuid: Option<String>,
    /// `aws:viewer-id`.
    pub viewer_id: Option<String>,
    /// `aws:viewer-session-version` (0 when absent).
    pub viewer_session_version: i64,
    /// `aws:maximum-resolution`.
    pub max_resolution: Option<MaxResolution>,
    /// Session id from an SMD-style path token (`<sessionId>.<jwt>`).
    pub path_session_id: Option<String>,
    /// Every other claim, as received (path scopes, bindings, revocation ids, your own claims).
    /// The claims typed above are not repeated here; [`VerifiedClaims::get`] reads both.
    pub extra: Map<String, Value>,
}

/// The claims playgate types, in the order of the `seen` bits of [`ClaimsVisitor`].
const TYPED: [&str; 10] = [
    "exp",
    "nbf",
    "iat",
    "aws:channel-arn",
    "aws:access-control-allow-origin",
    "aws:single-use-uuid",
    "aws:viewer-id",
    "aws:strict-origin-enforcement",
    "aws:viewer-session-version",
    "aws:maximum-resolution",
];

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Claims read from a payload whose signature is not checked yet. A typed claim of the wrong type
/// only sets `invalid`: it becomes `invalid_claim` after the signature check, so an unsigned
/// token never learns more than `bad_signature`.
#[derive(Default)]
pub(crate) struct ParsedClaims {
    claims: VerifiedClaims,
    invalid: bool,
}

impl ParsedClaims {
    /// Parses a JSON object strictly (duplicate member names at any depth are an error), typing
    /// the claims playgate understands on the way without building a map for them.
    #[cfg(test)]
    pub(crate) fn parse(bytes: &[u8]) -> Option<ParsedClaims> {
        let mut p = ParsedClaims::default();
        p.parse_into(core::str::from_utf8(bytes).ok()?)?;
        Some(p)
    }

    /// [`ParsedClaims::parse`] into `self` (a default value), in place. On `None`, `self` holds
    /// whatever was read before the error and must be discarded.
    pub(crate) fn parse_into(&mut self, json: &str) -> Option<()> {
        let mut de = serde_json::Deserializer::from_str(json);
        self.deserialize(&mut de).ok()?;
        de.end().ok()
    }

    fn from_map(map: Map<String, Value>) -> ParsedClaims {
        let mut p = ParsedClaims::default();
        for (name, value) in map {
            match TYPED.iter().position(|t| *t == name) {
                Some(i) => p.set(i, Scalar::from_value(value)),
                None => {
                    p.claims.extra.insert(name, value);
                }
            }
        }
        p
    }

    fn set(&mut self, i: usize, v: Scalar<'_>) {
        let c = &mut self.claims;
        let ok = match (i, v) {
            (0..=2, Scalar::Int(n)) => set_date(c, i, n as f64),
            (0..=2, Scalar::UInt(n)) => set_date(c, i, n as f64),
            (0..=2, Scalar::Float(n)) => set_date(c, i, n),
            (3, Scalar::Str(s)) => c.channel_arn.replace(s.into_owned()).is_none(),
            (4, Scalar::Str(s)) => c.allow_origin.replace(s.into_owned()).is_none(),
            (5, Scalar::Str(s)) => {
                is_uuid(&s) && c.single_use_uuid.replace(s.into_owned()).is_none()
            }
            (6, Scalar::Str(s)) => {
                // Characters, not bytes: only a value over 40 bytes can have more than 40.
                !(s.is_empty() || (s.len() > 40 && s.chars().count() > 40))
                    && c.viewer_id.replace(s.into_owned()).is_none()
            }
            (7, Scalar::Bool(b)) => {
                c.strict_origin = b;
                true
            }
            (8, Scalar::Int(n)) => {
                c.viewer_session_version = n;
                true
            }
            (8, Scalar::UInt(n)) => match i64::try_from(n) {
                Ok(n) => {
                    c.viewer_session_version = n;
                    true
                }
                Err(_) => false,
            },
            (9, Scalar::Str(s)) => {
                c.max_resolution = match &*s {
                    "SD" => Some(MaxResolution::Sd),
                    "HD" => Some(MaxResolution::Hd),
                    "FULL_HD" => Some(MaxResolution::FullHd),
                    _ => None,
                };
                c.max_resolution.is_some()
            }
            _ => false,
        };
        self.invalid |= !ok;
    }

    /// The verified claims, once the signature over them has been checked.
    pub(crate) fn verified(self, kid: Option<String>) -> Result<VerifiedClaims, Reason> {
        if self.invalid {
            return Err(Reason::InvalidClaim);
        }
        Ok(VerifiedClaims { kid, ..self.claims })
    }

    /// [`ParsedClaims::verified`], with the path session id, moved straight into the shared
    /// allocation the decision and the cache hold (one copy of the claims, not one per layer).
    pub(crate) fn into_shared(
        self,
        kid: Option<String>,
        path_session_id: Option<String>,
    ) -> Result<Arc<VerifiedClaims>, Reason> {
        if self.invalid {
            return Err(Reason::InvalidClaim);
        }
        Ok(Arc::new(VerifiedClaims {
            kid,
            path_session_id,
            ..self.claims
        }))
    }
}

#[allow(clippy::cast_precision_loss)]
fn set_date(c: &mut VerifiedClaims, i: usize, v: f64) -> bool {
    let slot = match i {
        0 => &mut c.exp,
        1 => &mut c.nbf,
        _ => &mut c.iat,
    };
    slot.replace(v).is_none()
}

/// Parsing into an existing value rather than returning a new one: the claims are a few hundred
/// bytes, and every `Result`/`Option` layer around a returned value is another copy.
impl<'de> DeserializeSeed<'de> for &mut ParsedClaims {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(ClaimsVisitor(self))
    }
}

struct ClaimsVisitor<'p>(&'p mut ParsedClaims);

impl<'de> Visitor<'de> for ClaimsVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom("expected a JSON object of claims"))
    }
    crate::json::only_accepts!("a JSON object of claims", ());

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        let p = self.0;
        let mut seen = 0u16;
        while let Some(Key(name)) = access.next_key()? {
            match TYPED.iter().position(|t| *t == name) {
                Some(i) => {
                    if seen & (1 << i) != 0 {
                        return Err(de::Error::custom("duplicate member name"));
                    }
                    seen |= 1 << i;
                    p.set(i, access.next_value()?);
                }
                None => {
                    let StrictValue(value) = access.next_value()?;
                    if p.claims.extra.insert(name.into_owned(), value).is_some() {
                        return Err(de::Error::custom("duplicate member name"));
                    }
                }
            }
        }
        Ok(())
    }
}

impl VerifiedClaims {
    /// Types every claim playgate understands from an already-verified map (e.g. the fields of an
    /// EdgeAuth token); a wrong type or value is `invalid_claim`.
    pub(crate) fn from_map(kid: Option<String>, all: Map<String, Value>) -> Result<Self, Reason> {
        ParsedClaims::from_map(all).verified(kid)
    }

    /// A claim by name, typed or not (typed ones are rebuilt as JSON values; integral dates come
    /// back as integers).
    pub fn get(&self, name: &str) -> Option<Cow<'_, Value>> {
        let s = |v: &Option<String>| v.as_ref().map(|s| Cow::Owned(Value::String(s.clone())));
        let date = |v: Option<f64>| {
            v.map(|d| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
                let whole = d.abs() < 9.0e15 && (d as i64) as f64 == d;
                Cow::Owned(if whole {
                    #[allow(clippy::cast_possible_truncation)]
                    Value::from(d as i64)
                } else {
                    serde_json::Number::from_f64(d).map_or(Value::Null, Value::Number)
                })
            })
        };
        match name {
            "exp" => date(self.exp),
            "nbf" => date(self.nbf),
            "iat" => date(self.iat),
            "aws:channel-arn" => s(&self.channel_arn),
            "aws:access-control-allow-origin" => s(&self.allow_origin),
            "aws:single-use-uuid" => s(&self.single_use_uuid),
            "aws:viewer-id" => s(&self.viewer_id),
            "aws:strict-origin-enforcement" => {
                self.strict_origin.then_some(Cow::Owned(Value::Bool(true)))
            }
            "aws:viewer-session-version" => (self.viewer_session_version != 0)
                .then(|| Cow::Owned(Value::from(self.viewer_session_version))),
            "aws:maximum-resolution" => self.max_resolution.map(|m| {
                Cow::Owned(Value::String(
                    match m {
                        MaxResolution::Sd => "SD",
                        MaxResolution::Hd => "HD",
                        MaxResolution::FullHd => "FULL_HD",
                    }
                    .into(),
                ))
            }),
            _ => self.extra.get(name).map(Cow::Borrowed),
        }
    }

    /// `exp`/`nbf`/lifetime against `now`. `exp == now` is expired (an expiry instant is the first
    /// instant at which the token is no longer valid).
    pub(crate) fn check_time(
        &self,
        now: u64,
        leeway: u64,
        require_exp: bool,
        max_lifetime: u64,
    ) -> Result<(), Reason> {
        // u64 seconds fit f64 exactly up to 2^53, far beyond any real clock.
        #[allow(clippy::cast_precision_loss)]
        let (now, leeway) = (now as f64, leeway as f64);
        match self.exp {
            None if require_exp => return Err(Reason::MissingClaim),
            Some(exp) if exp + leeway <= now => return Err(Reason::Expired),
            _ => {}
        }
        if let Some(nbf) = self.nbf {
            if nbf > now + leeway {
                return Err(Reason::NotYetValid);
            }
        }
        if let Some(exp) = self.exp {
            #[allow(clippy::cast_precision_loss)]
            let mut limit = max_lifetime as f64;
            // IVS: viewer-id and single-use tokens may live at most 10 minutes.
            if self.viewer_id.is_some() || self.single_use_uuid.is_some() {
                limit = limit.min(600.0);
            }
            if exp - now > limit {
                return Err(Reason::LifetimeTooLong);
            }
        }
        Ok(())
    }
}

/// Does `origin` match one entry of a comma-separated allow list (`*`, exact, or `scheme://*.host`)?
pub(crate) fn origin_allowed(list: &str, origin: &str) -> bool {
    let origin = origin.trim();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (Some((es, eh)), Some((os, oh))) =
                (entry.split_once("://"), origin.split_once("://"))
            else {
                return entry.eq_ignore_ascii_case(origin);
            };
            if !es.eq_ignore_ascii_case(os) {
                return false;
            }
            match eh.strip_prefix("*.") {
                Some(suffix) => {
                    // `https://*.example.com` matches one or more labels before `.example.com`.
                    oh.len() > suffix.len() + 1
                        && oh
                            .get(oh.len() - suffix.len()..)
                            .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
                        && oh.as_bytes().get(oh.len() - suffix.len() - 1) == Some(&b'.')
                        && !oh
                            .get(..oh.len() - suffix.len() - 1)
                            .is_some_and(|l| l.is_empty() || l.contains(['/', ':', '@']))
                }
                None => eh.eq_ignore_ascii_case(oh),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_matching() {
        assert!(origin_allowed("*", "https://a.b"));
        assert!(origin_allowed(
            "https://a.com, https://b.com",
            "https://b.com"
        ));
        assert!(!origin_allowed("https://a.com", "https://a.com.evil.net"));
        assert!(!origin_allowed("https://a.com", "http://a.com"));
        assert!(origin_allowed(
            "https://*.example.com",
            "https://player.example.com"
        ));
        assert!(origin_allowed(
            "https://*.example.com",
            "https://x.y.example.com"
        ));
        assert!(!origin_allowed(
            "https://*.example.com",
            "https://example.com"
        ));
        assert!(!origin_allowed(
            "https://*.example.com",
            "https://evilexample.com"
        ));
        assert!(!origin_allowed(
            "https://*.example.com",
            "https://a.example.com:444"
        ));
        assert!(!origin_allowed(
            "https://*.example.com",
            "https://.example.com"
        ));
        assert!(!origin_allowed("", "https://a.com"));
    }

    #[test]
    fn typed_parse_is_strict_and_defers_type_errors() {
        let parse = |j: &str| ParsedClaims::parse(j.as_bytes());
        // Duplicates among typed claims, among other claims, and nested, are parse errors.
        assert!(parse(r#"{"exp":1,"exp":2}"#).is_none());
        assert!(parse(r#"{"sid":"a","sid":"a"}"#).is_none());
        assert!(parse(r#"{"x":{"a":1,"a":1}}"#).is_none());
        assert!(parse(r#"{"exp":{"a":1,"a":1}}"#).is_none());
        assert!(parse(r#"{"exp":1} x"#).is_none());
        assert!(parse("[1]").is_none());
        // A wrong type parses, and becomes invalid_claim only when the claims are taken as verified.
        for bad in [
            r#"{"exp":"1"}"#,
            r#"{"exp":null}"#,
            r#"{"aws:viewer-session-version":1.5}"#,
            r#"{"aws:viewer-session-version":18446744073709551615}"#,
            r#"{"aws:maximum-resolution":"4K"}"#,
            r#"{"aws:single-use-uuid":"x"}"#,
            r#"{"aws:viewer-id":""}"#,
            r#"{"aws:strict-origin-enforcement":1}"#,
        ] {
            let p = parse(bad).unwrap_or_else(|| panic!("{bad} parses"));
            assert_eq!(p.verified(None).err(), Some(Reason::InvalidClaim), "{bad}");
        }
        let c = parse(
            r#"{"exp":1800000000,"iat":1.5,"aws:viewer-session-version":3,"sid":"s","paths":["/a/*"],"a\u0062":1}"#,
        )
        .unwrap()
        .verified(None)
        .unwrap();
        assert_eq!(c.exp, Some(1_800_000_000.0));
        assert_eq!(
            c.get("exp").as_deref(),
            Some(&Value::from(1_800_000_000u64))
        );
        assert_eq!(c.get("iat").as_deref(), Some(&Value::from(1.5)));
        assert_eq!(
            c.get("aws:viewer-session-version").as_deref(),
            Some(&Value::from(3))
        );
        assert_eq!(c.get("sid").as_deref(), Some(&Value::from("s")));
        assert_eq!(
            c.get("ab").as_deref(),
            Some(&Value::from(1)),
            "escaped member names"
        );
        assert!(c.get("exp").is_some() && !c.extra.contains_key("exp"));
        assert!(c.get("nope").is_none());
    }

    #[test]
    fn uuid_shape() {
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
    }
}
