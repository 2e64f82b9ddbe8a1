//! Verified claims: typed once from the signed payload, then checked against the clock and the
//! request. Nothing here is trusted until the signature has been verified.

use crate::Reason;
use alloc::string::String;
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
    /// Every claim as received (for policies added later, e.g. path scopes and bindings).
    pub all: Map<String, Value>,
}

fn numeric_date(map: &Map<String, Value>, name: &str) -> Result<Option<f64>, Reason> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(Reason::InvalidClaim),
        Some(_) => Err(Reason::InvalidClaim),
    }
}

fn string(map: &Map<String, Value>, name: &str) -> Result<Option<String>, Reason> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Reason::InvalidClaim),
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

impl VerifiedClaims {
    /// Types every claim playgate understands; a wrong type or value is `invalid_claim`.
    pub(crate) fn from_map(kid: Option<String>, all: Map<String, Value>) -> Result<Self, Reason> {
        let exp = numeric_date(&all, "exp")?;
        let nbf = numeric_date(&all, "nbf")?;
        let iat = numeric_date(&all, "iat")?;
        let channel_arn = string(&all, "aws:channel-arn")?;
        let allow_origin = string(&all, "aws:access-control-allow-origin")?;
        let strict_origin = match all.get("aws:strict-origin-enforcement") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Reason::InvalidClaim),
        };
        let single_use_uuid = string(&all, "aws:single-use-uuid")?;
        if single_use_uuid.as_deref().is_some_and(|u| !is_uuid(u)) {
            return Err(Reason::InvalidClaim);
        }
        let viewer_id = string(&all, "aws:viewer-id")?;
        if viewer_id
            .as_deref()
            .is_some_and(|v| v.is_empty() || v.chars().count() > 40)
        {
            return Err(Reason::InvalidClaim);
        }
        let viewer_session_version = match all.get("aws:viewer-session-version") {
            None => 0,
            Some(Value::Number(n)) => n.as_i64().ok_or(Reason::InvalidClaim)?,
            Some(_) => return Err(Reason::InvalidClaim),
        };
        let max_resolution = match string(&all, "aws:maximum-resolution")?.as_deref() {
            None => None,
            Some("SD") => Some(MaxResolution::Sd),
            Some("HD") => Some(MaxResolution::Hd),
            Some("FULL_HD") => Some(MaxResolution::FullHd),
            Some(_) => return Err(Reason::InvalidClaim),
        };
        Ok(VerifiedClaims {
            kid,
            exp,
            nbf,
            iat,
            channel_arn,
            allow_origin,
            strict_origin,
            single_use_uuid,
            viewer_id,
            viewer_session_version,
            max_resolution,
            path_session_id: None,
            all,
        })
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
    fn uuid_shape() {
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
    }
}
