//! Why a request was denied: one enum, one stable snake_case code per variant, shared by every
//! surface (Rust, JS, fixtures, logs).

use core::fmt;

/// The reason a request was denied. [`Reason::code`] is the stable identifier used everywhere.
///
/// Variants are deliberately coarse: a signature failure never says *why* it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No configured source carried a token.
    MissingToken,
    /// The token is not structurally valid (parts, base64url, JSON, duplicate members, size).
    MalformedToken,
    /// The header carries members that must not be honoured (`jwk`, `jku`, `x5u`, `x5c`, `crit`).
    ForbiddenHeader,
    /// The header's `alg` is not the configured key's algorithm.
    AlgorithmMismatch,
    /// No configured key matches the token's `kid` / `alg`.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// A required claim is absent.
    MissingClaim,
    /// A claim has the wrong type or an invalid value.
    InvalidClaim,
    /// `exp` has passed.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// The token lives longer than the policy allows.
    LifetimeTooLong,
    /// `aws:channel-arn` is not the channel requested.
    ChannelMismatch,
    /// The `Origin` header is not allowed by the token.
    OriginMismatch,
    /// The request path is outside the token's scope.
    PathNotAllowed,
    /// A viewer attribute bound into the token does not match the request.
    BindingMismatch,
    /// The requested rendition is above `aws:maximum-resolution`.
    ResolutionNotAllowed,
    /// The session, token or viewer has been revoked.
    Revoked,
    /// The revocation filter is unavailable or corrupt and the policy is to deny.
    RevocationUnavailable,
    /// The request itself is unusable (bad or oversized URI or query).
    BadRequest,
}

impl Reason {
    /// Every reason, in declaration order (for documentation and cross-language checks).
    pub const ALL: &'static [Reason] = &[
        Reason::MissingToken,
        Reason::MalformedToken,
        Reason::ForbiddenHeader,
        Reason::AlgorithmMismatch,
        Reason::UnknownKey,
        Reason::BadSignature,
        Reason::MissingClaim,
        Reason::InvalidClaim,
        Reason::Expired,
        Reason::NotYetValid,
        Reason::LifetimeTooLong,
        Reason::ChannelMismatch,
        Reason::OriginMismatch,
        Reason::PathNotAllowed,
        Reason::BindingMismatch,
        Reason::ResolutionNotAllowed,
        Reason::Revoked,
        Reason::RevocationUnavailable,
        Reason::BadRequest,
    ];

    /// The stable snake_case code: the same string in Rust, JS, fixtures and logs.
    pub const fn code(self) -> &'static str {
        match self {
            Reason::MissingToken => "missing_token",
            Reason::MalformedToken => "malformed_token",
            Reason::ForbiddenHeader => "forbidden_header",
            Reason::AlgorithmMismatch => "algorithm_mismatch",
            Reason::UnknownKey => "unknown_key",
            Reason::BadSignature => "bad_signature",
            Reason::MissingClaim => "missing_claim",
            Reason::InvalidClaim => "invalid_claim",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::LifetimeTooLong => "lifetime_too_long",
            Reason::ChannelMismatch => "channel_mismatch",
            Reason::OriginMismatch => "origin_mismatch",
            Reason::PathNotAllowed => "path_not_allowed",
            Reason::BindingMismatch => "binding_mismatch",
            Reason::ResolutionNotAllowed => "resolution_not_allowed",
            Reason::Revoked => "revoked",
            Reason::RevocationUnavailable => "revocation_unavailable",
            Reason::BadRequest => "bad_request",
        }
    }

    /// Parses a code back into a reason (used by fixture runners and bindings).
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            let code = r.code();
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code}"
            );
            assert_eq!(Reason::from_code(code), Some(*r));
            for other in Reason::ALL.iter().skip(i + 1) {
                assert_ne!(code, other.code());
            }
        }
        assert_eq!(Reason::from_code("nope"), None);
    }
}
