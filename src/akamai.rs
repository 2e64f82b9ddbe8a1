//! Akamai Auth Token 2.0 ("EdgeAuth") tokens: strict parsing, constant-time verification with a
//! current key and transition keys, and minting.
//!
//! Token: `[ip=…~][st=…~]exp=…~[acl=/a/*!/b/*~][id=…~][data=…~]hmac=<hex>`. The HMAC input is
//! everything before `~hmac=`, then `~url=<path>` when the token has no `acl` (a URL token), then
//! `~salt=<salt>` when a salt is configured. Keys are hex strings, hex-decoded to bytes.

use crate::Reason;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use hmac::{Hmac, Mac};

/// The HMAC hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AkamaiAlg {
    /// HMAC-SHA-256 (Akamai's default).
    #[default]
    Sha256,
    /// HMAC-SHA-1.
    Sha1,
    /// HMAC-MD5.
    Md5,
}

impl AkamaiAlg {
    /// Tag length in bytes.
    pub const fn tag_len(self) -> usize {
        match self {
            AkamaiAlg::Sha256 => 32,
            AkamaiAlg::Sha1 => 20,
            AkamaiAlg::Md5 => 16,
        }
    }
}

/// A decoded key. Never printed.
#[derive(Clone)]
pub struct AkamaiKey {
    /// Key id (reported as the verifying key, like a JWT `kid`).
    pub kid: String,
    /// Key length in bytes (the key itself lives only in the MAC states below).
    len: usize,
    /// Keyed MAC states for the three algorithms: the pads are hashed once, when the key is read,
    /// and each token clones a state (as JWT keys do) instead of re-deriving it from the key.
    macs: Macs,
}

#[derive(Clone)]
struct Macs {
    sha256: Hmac<sha2::Sha256>,
    sha1: Hmac<sha1::Sha1>,
    md5: Hmac<md5::Md5>,
}

impl Macs {
    fn new(key: &[u8]) -> Option<Macs> {
        use hmac::digest::KeyInit;
        // HMAC takes keys of any length: these never fail.
        Some(Macs {
            sha256: Hmac::new_from_slice(key).ok()?,
            sha1: Hmac::new_from_slice(key).ok()?,
            md5: Hmac::new_from_slice(key).ok()?,
        })
    }
}

impl fmt::Debug for AkamaiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkamaiKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Decodes hex (either case, even length).
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    b.chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(crate::request::hex_val(*hi)? << 4 | crate::request::hex_val(*lo)?),
            _ => None,
        })
        .collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for n in [b >> 4, b & 0x0f] {
            s.push(char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0')));
        }
    }
    s
}

impl AkamaiKey {
    /// A key from its hex text (Akamai's format). `None` unless it is even-length hex.
    pub fn from_hex(kid: &str, hex: &str) -> Option<AkamaiKey> {
        let bytes = hex_decode(hex)?;
        Some(AkamaiKey {
            kid: kid.into(),
            len: bytes.len(),
            macs: Macs::new(&bytes)?,
        })
    }

    /// Key length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the key is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn tag(&self, alg: AkamaiAlg, parts: &[&[u8]]) -> Vec<u8> {
        fn run<M: Mac + Clone>(keyed: &M, parts: &[&[u8]]) -> Vec<u8> {
            let mut m = keyed.clone();
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        match alg {
            AkamaiAlg::Sha256 => run(&self.macs.sha256, parts),
            AkamaiAlg::Sha1 => run(&self.macs.sha1, parts),
            AkamaiAlg::Md5 => run(&self.macs.md5, parts),
        }
    }

    /// Constant-time check of `tag` over `parts`, through `Mac::verify_slice`.
    fn verify(&self, alg: AkamaiAlg, parts: &[&[u8]], tag: &[u8]) -> bool {
        fn run<M: Mac + Clone>(keyed: &M, parts: &[&[u8]], tag: &[u8]) -> bool {
            let mut m = keyed.clone();
            for p in parts {
                m.update(p);
            }
            m.verify_slice(tag).is_ok()
        }
        match alg {
            AkamaiAlg::Sha256 => run(&self.macs.sha256, parts, tag),
            AkamaiAlg::Sha1 => run(&self.macs.sha1, parts, tag),
            AkamaiAlg::Md5 => run(&self.macs.md5, parts, tag),
        }
    }
}

/// Whether a token is Akamai-shaped rather than a JWS: a JWS is base64url and dots only, so any
/// `=` or `~` means EdgeAuth.
pub fn is_akamai(token: &str) -> bool {
    token.contains(['=', '~'])
}

/// A parsed token whose HMAC has not been checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntrustedAkamai<'t> {
    /// `ip`.
    pub ip: Option<&'t str>,
    /// `st` (start time).
    pub st: Option<u64>,
    /// `exp`.
    pub exp: Option<u64>,
    /// `acl` (patterns separated by `!`).
    pub acl: Option<&'t str>,
    /// `id`.
    pub id: Option<&'t str>,
    /// `data`.
    pub data: Option<&'t str>,
    signed: &'t str,
    hmac: Vec<u8>,
}

fn seconds(v: &str) -> Result<u64, Reason> {
    if v.is_empty() || v.len() > 19 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reason::MalformedToken);
    }
    v.parse().map_err(|_| Reason::MalformedToken)
}

impl<'t> UntrustedAkamai<'t> {
    /// Splits a token into its fields. Unknown or repeated fields, empty values, a missing or
    /// non-final `hmac`, or a non-hex tag are `malformed_token`.
    pub fn parse(token: &'t str) -> Result<Self, Reason> {
        let (signed, hex) = match token.rsplit_once("~hmac=") {
            Some(split) => split,
            None => return Err(Reason::MalformedToken),
        };
        let hmac = hex_decode(hex).ok_or(Reason::MalformedToken)?;
        let mut t = UntrustedAkamai {
            ip: None,
            st: None,
            exp: None,
            acl: None,
            id: None,
            data: None,
            signed,
            hmac,
        };
        for field in signed.split('~') {
            let (name, value) = field.split_once('=').ok_or(Reason::MalformedToken)?;
            if value.is_empty() {
                return Err(Reason::MalformedToken);
            }
            fn set<T>(slot: &mut Option<T>, v: T) -> Result<(), Reason> {
                if slot.is_some() {
                    return Err(Reason::MalformedToken);
                }
                *slot = Some(v);
                Ok(())
            }
            match name {
                "ip" => set(&mut t.ip, value)?,
                "st" => set(&mut t.st, seconds(value)?)?,
                "exp" => set(&mut t.exp, seconds(value)?)?,
                "acl" => set(&mut t.acl, value)?,
                "id" => set(&mut t.id, value)?,
                "data" => set(&mut t.data, value)?,
                _ => return Err(Reason::MalformedToken),
            }
        }
        Ok(t)
    }

    /// Verifies the HMAC with each key in turn (current first, then transition keys). `url` is
    /// the request path, hashed only for URL tokens (no `acl`). Returns the verifying key's id.
    pub fn verify<'k>(
        &self,
        keys: &'k [AkamaiKey],
        alg: AkamaiAlg,
        salt: Option<&str>,
        url: &str,
    ) -> Result<&'k str, Reason> {
        if self.hmac.len() != alg.tag_len() {
            return Err(Reason::BadSignature);
        }
        let parts = input_parts(self.signed, self.acl.is_none().then_some(url), salt);
        let refs: [&[u8]; 5] = parts.map(str::as_bytes);
        keys.iter()
            .find(|k| k.verify(alg, &refs, &self.hmac))
            .map(|k| k.kid.as_str())
            .ok_or(Reason::BadSignature)
    }
}

/// The HMAC input as pieces: `signed [~url=<url>] [~salt=<salt>]`.
fn input_parts<'a>(signed: &'a str, url: Option<&'a str>, salt: Option<&'a str>) -> [&'a str; 5] {
    let (u1, u2) = match url {
        Some(u) => ("~url=", u),
        None => ("", ""),
    };
    let (s1, s2) = match salt {
        Some(s) => ("~salt=", s),
        None => ("", ""),
    };
    [signed, u1, u2, s1, s2]
}

/// What to put in a token being minted.
#[derive(Clone, Debug, Default)]
pub struct AkamaiClaims<'a> {
    /// Bind to one client IP.
    pub ip: Option<&'a str>,
    /// Start time.
    pub st: Option<u64>,
    /// Expiry (required by every verifier).
    pub exp: u64,
    /// ACL patterns, `!`-separated. Without it the token is a URL token for `url`.
    pub acl: Option<&'a str>,
    /// Session id.
    pub id: Option<&'a str>,
    /// Opaque data.
    pub data: Option<&'a str>,
    /// The path a URL token opens (used only when `acl` is `None`).
    pub url: Option<&'a str>,
}

/// Why a token could not be minted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AkamaiMintError {
    /// Neither `acl` nor `url` given.
    NoScope,
    /// A value contains `~` (the field separator) or is empty.
    BadValue,
}

impl fmt::Display for AkamaiMintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AkamaiMintError::NoScope => "give an acl or a url",
            AkamaiMintError::BadValue => "field values must be non-empty and contain no '~'",
        })
    }
}

impl core::error::Error for AkamaiMintError {}

/// Mints a token in Akamai's field order (`ip, st, exp, acl, id, data, hmac`).
pub fn mint(
    claims: &AkamaiClaims<'_>,
    key: &AkamaiKey,
    alg: AkamaiAlg,
    salt: Option<&str>,
) -> Result<String, AkamaiMintError> {
    use core::fmt::Write;
    let ok = |v: &str| !v.is_empty() && !v.contains('~');
    let mut t = String::new();
    let mut field = |name: &str, v: &str| -> Result<(), AkamaiMintError> {
        if !ok(v) {
            return Err(AkamaiMintError::BadValue);
        }
        if !t.is_empty() {
            t.push('~');
        }
        let _ = write!(t, "{name}={v}");
        Ok(())
    };
    if let Some(ip) = claims.ip {
        field("ip", ip)?;
    }
    if let Some(st) = claims.st {
        field("st", &alloc::format!("{st}"))?;
    }
    field("exp", &alloc::format!("{}", claims.exp))?;
    if let Some(acl) = claims.acl {
        field("acl", acl)?;
    }
    if let Some(id) = claims.id {
        field("id", id)?;
    }
    if let Some(data) = claims.data {
        field("data", data)?;
    }
    let url = match (claims.acl, claims.url) {
        (Some(_), _) => None,
        (None, Some(u)) => Some(u),
        (None, None) => return Err(AkamaiMintError::NoScope),
    };
    Ok(sign_fields(&t, url, key, alg, salt))
}

/// Signs an arbitrary field string (`exp=…~acl=…`) as is, appending `~hmac=<hex>`. For test
/// corpora that need validly signed but unusual tokens; issuers should use [`mint`].
pub fn sign_fields(
    fields: &str,
    url: Option<&str>,
    key: &AkamaiKey,
    alg: AkamaiAlg,
    salt: Option<&str>,
) -> String {
    let parts = input_parts(fields, url, salt);
    let tag = key.tag(alg, &parts.map(str::as_bytes));
    let mut t = String::with_capacity(fields.len() + 6 + tag.len() * 2);
    t.push_str(fields);
    t.push_str("~hmac=");
    t.push_str(&hex_encode(&tag));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "52a152a152a152a152a152a152a1";

    #[test]
    fn reference_worked_example() {
        // REFERENCE §2.3: HMAC-SHA256 of `st=1700000000~exp=1700003600~acl=/live/channel1/*`.
        let key = AkamaiKey::from_hex("k", KEY).unwrap();
        let claims = AkamaiClaims {
            st: Some(1_700_000_000),
            exp: 1_700_003_600,
            acl: Some("/live/channel1/*"),
            ..Default::default()
        };
        let t = mint(&claims, &key, AkamaiAlg::Sha256, None).unwrap();
        assert_eq!(
            t,
            "st=1700000000~exp=1700003600~acl=/live/channel1/*~hmac=1d19445d001ca19df00505443f3e85ced9e4fb82a7c6d4ac5513f284cd34b9db"
        );
        let u = UntrustedAkamai::parse(&t).unwrap();
        assert_eq!(u.st, Some(1_700_000_000));
        assert_eq!(u.acl, Some("/live/channel1/*"));
        assert_eq!(
            u.verify(core::slice::from_ref(&key), AkamaiAlg::Sha256, None, "/x"),
            Ok("k")
        );
        // Uppercase hex is the same tag.
        let upper = t.replace("1d19445d", "1D19445D");
        assert!(UntrustedAkamai::parse(&upper)
            .unwrap()
            .verify(core::slice::from_ref(&key), AkamaiAlg::Sha256, None, "/x")
            .is_ok());
    }

    #[test]
    fn url_tokens_salt_algorithms_and_transition_keys() {
        let cur = AkamaiKey::from_hex("cur", "00112233445566778899aabbccddeeff").unwrap();
        let old = AkamaiKey::from_hex("old", KEY).unwrap();
        for alg in [AkamaiAlg::Sha256, AkamaiAlg::Sha1, AkamaiAlg::Md5] {
            let claims = AkamaiClaims {
                exp: 10,
                url: Some("/vod/a.m3u8"),
                ip: Some("192.0.2.1"),
                id: Some("s1"),
                data: Some("x"),
                ..Default::default()
            };
            let t = mint(&claims, &old, alg, Some("pepper")).unwrap();
            let u = UntrustedAkamai::parse(&t).unwrap();
            let keys = [cur.clone(), old.clone()];
            assert_eq!(
                u.verify(&keys, alg, Some("pepper"), "/vod/a.m3u8"),
                Ok("old")
            );
            assert_eq!(
                u.verify(&keys, alg, Some("pepper"), "/vod/b.m3u8"),
                Err(Reason::BadSignature)
            );
            assert_eq!(
                u.verify(&keys, alg, None, "/vod/a.m3u8"),
                Err(Reason::BadSignature)
            );
            assert_eq!(
                u.verify(
                    core::slice::from_ref(&cur),
                    alg,
                    Some("pepper"),
                    "/vod/a.m3u8"
                ),
                Err(Reason::BadSignature)
            );
        }
    }

    #[test]
    fn strict_parsing() {
        for bad in [
            "exp=1",
            "exp=1~hmac=zz",
            "exp=1~exp=2~hmac=00",
            "exp=1~foo=2~hmac=00",
            "exp=~hmac=00",
            "exp=-1~hmac=00",
            "exp=1~acl~hmac=00",
            "exp=1~hmac=0",
        ] {
            assert_eq!(
                UntrustedAkamai::parse(bad),
                Err(Reason::MalformedToken),
                "{bad}"
            );
        }
        assert!(is_akamai("exp=1~hmac=00"));
        assert!(!is_akamai("eyJh.eyJi.c2ln"));
    }

    /// The tag comparison must be hmac's constant-time `verify_slice`, never `==` on bytes: this
    /// test fails to compile if `verify` stops going through `Mac::verify_slice`'s signature
    /// (`&[u8] -> Result<(), MacError>`), and checks a tag differing only in its last byte.
    #[test]
    fn compare_goes_through_verify_slice() {
        let key = AkamaiKey::from_hex("k", KEY).unwrap();
        let mut m = <Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(
            &hex_decode(KEY).unwrap(),
        )
        .unwrap();
        m.update(b"exp=1");
        let tag = m.clone().finalize().into_bytes();
        let r: Result<(), hmac::digest::MacError> = m.verify_slice(&tag);
        assert!(r.is_ok());
        let mut near = tag.to_vec();
        if let Some(last) = near.last_mut() {
            *last ^= 1;
        }
        assert!(!key.verify(AkamaiAlg::Sha256, &[b"exp=1"], &near));
        assert!(key.verify(AkamaiAlg::Sha256, &[b"exp=1"], &tag));
        // The source of `verify` uses verify_slice (guards against a refactor to `==`).
        let src = include_str!("akamai.rs");
        let body = src
            .split("fn verify(&self, alg: AkamaiAlg")
            .nth(1)
            .and_then(|s| s.split("\n    }\n").next())
            .unwrap();
        assert!(body.contains("verify_slice(tag)"));
        assert!(!body.contains("=="));
    }

    #[test]
    fn keys_are_not_in_debug() {
        let key = AkamaiKey::from_hex("k", KEY).unwrap();
        let dbg = alloc::format!("{key:?}");
        assert!(!dbg.contains("52a1") && !dbg.contains("82, "), "{dbg}");
    }
}
