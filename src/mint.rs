//! Issuing tokens: the job of a token endpoint (`/tokengenerate` in the AWS seed solutions). Signing
//! keys live here and nowhere else in the core; a gate only ever holds verifying keys.

use crate::config::{Alg, ConfigError, Secret};
use crate::es384::{Es384, SigningKey as EsSigningKey};
use crate::jwt::KeyMaterial;
use crate::jwt::{b64u_decode, b64u_encode};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use jwt_compact::{Algorithm, AlgorithmSignature};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// A signing key as stored by a token issuer.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyConfig {
    /// Key id put in the token header.
    pub kid: String,
    /// Algorithm.
    pub alg: Alg,
    /// HS: the secret, base64url without padding.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// ES384: PKCS#8 PEM private key.
    #[serde(default)]
    pub private_key: Option<Secret>,
}

enum Material {
    /// HS256/384/512: the secret (for [`SigningKey::verifying_entry`]) and its keyed MAC state,
    /// the same type a gate verifies with.
    Hs(Vec<u8>, KeyMaterial),
    Es384(EsSigningKey),
}

/// A prepared signing key.
pub struct SigningKey {
    kid: String,
    alg: Alg,
    material: Material,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Why a token could not be minted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintError {
    /// Claims must be a JSON object.
    ClaimsNotObject,
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("claims must be a JSON object")
    }
}

impl SigningKey {
    /// Reads a signing key document (`{"kid","alg","secret"}` or `{"kid","alg":"ES384","private_key"}`).
    pub fn from_json(json: &str) -> Result<SigningKey, ConfigError> {
        SigningKey::new(&crate::config::read_signing_key(json)?)
    }

    /// Prepares a signing key.
    pub fn new(cfg: &SigningKeyConfig) -> Result<SigningKey, ConfigError> {
        let material = match cfg.alg {
            Alg::HS256 | Alg::HS384 | Alg::HS512 => {
                let bytes = cfg
                    .secret
                    .as_ref()
                    .and_then(|s| b64u_decode(s.expose()))
                    .ok_or_else(|| {
                        ConfigError::new("secret", "required: base64url without padding")
                    })?;
                if bytes.len() < cfg.alg.min_secret_len() {
                    return Err(ConfigError::new("secret", "too short for the algorithm"));
                }
                let mac = KeyMaterial::hs(cfg.alg, &bytes)?;
                Material::Hs(bytes, mac)
            }
            Alg::ES384 => {
                use p384::pkcs8::DecodePrivateKey;
                let pem = cfg.private_key.as_ref().ok_or_else(|| {
                    ConfigError::new("private_key", "required for ES384 (PKCS#8 PEM)")
                })?;
                Material::Es384(EsSigningKey::from_pkcs8_pem(pem.expose().trim()).map_err(
                    |_| ConfigError::new("private_key", "not a P-384 PKCS#8 PEM private key"),
                )?)
            }
        };
        Ok(SigningKey {
            kid: cfg.kid.clone(),
            alg: cfg.alg,
            material,
        })
    }

    /// Builds an ES384 key from a raw 48-byte scalar (used for deterministic test keys).
    pub fn es384_from_scalar(kid: &str, scalar: &[u8]) -> Option<SigningKey> {
        let sk = EsSigningKey::from_slice(scalar).ok()?;
        Some(SigningKey {
            kid: kid.into(),
            alg: Alg::ES384,
            material: Material::Es384(sk),
        })
    }

    /// Builds an HS key from raw secret bytes.
    pub fn hs_from_bytes(kid: &str, alg: Alg, secret: &[u8]) -> Option<SigningKey> {
        let material = Material::Hs(secret.to_vec(), KeyMaterial::hs(alg, secret).ok()?);
        Some(SigningKey {
            kid: kid.into(),
            alg,
            material,
        })
    }

    /// Key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The gate-config key entry that verifies this key's tokens (for ES384: the public JWK).
    pub fn verifying_entry(&self) -> Value {
        match &self.material {
            Material::Hs(secret, _) => self.hs_entry(secret),
            Material::Es384(sk) => {
                let point = sk.verifying_key().to_sec1_point(false);
                let (x, y) = (
                    point.x().map(|x| b64u_encode(x)),
                    point.y().map(|y| b64u_encode(y)),
                );
                json!({"kid": self.kid, "alg": "ES384",
                       "jwk": {"kty": "EC", "crv": "P-384", "x": x, "y": y}})
            }
        }
    }

    fn hs_entry(&self, secret: &[u8]) -> Value {
        json!({"kid": self.kid, "alg": self.alg.name(), "secret": b64u_encode(secret)})
    }

    /// Signs `claims` (a JSON object) into a compact JWS with header
    /// `{"alg", "typ": "JWT"[, "kid"]}`. IVS tokens carry no `kid`: pass `with_kid = false`.
    pub fn mint(&self, claims: &Value, with_kid: bool) -> Result<String, MintError> {
        if !claims.is_object() {
            return Err(MintError::ClaimsNotObject);
        }
        let mut header = Map::new();
        header.insert("alg".into(), Value::String(self.alg.name().into()));
        if with_kid {
            header.insert("kid".into(), Value::String(self.kid.clone()));
        }
        header.insert("typ".into(), Value::String("JWT".into()));
        let header = Value::Object(header).to_string();
        Ok(self.sign_parts(header.as_bytes(), claims.to_string().as_bytes()))
    }

    /// Signs arbitrary header and payload bytes (test-corpus generators use this to build hostile
    /// tokens with valid signatures).
    pub fn sign_parts(&self, header: &[u8], payload: &[u8]) -> String {
        let mut token = b64u_encode(header);
        token.push('.');
        token.push_str(&b64u_encode(payload));
        let sig = match &self.material {
            Material::Hs(_, mac) => mac.hs_tag(token.as_bytes()).unwrap_or_default(),
            Material::Es384(k) => Es384.sign(k, token.as_bytes()).as_bytes().into_owned(),
        };
        token.push('.');
        token.push_str(&b64u_encode(&sig));
        token
    }

    /// ES384 only: the public key as SubjectPublicKeyInfo PEM.
    pub fn public_key_pem(&self) -> Option<String> {
        use p384::pkcs8::{EncodePublicKey, LineEnding};
        match &self.material {
            Material::Es384(sk) => sk.verifying_key().to_public_key_pem(LineEnding::LF).ok(),
            _ => None,
        }
    }

    /// ES384 only: the private key as PKCS#8 PEM. Handle with care.
    pub fn private_key_pem(&self) -> Option<String> {
        use p384::pkcs8::{EncodePrivateKey, LineEnding};
        match &self.material {
            Material::Es384(sk) => sk.to_pkcs8_pem(LineEnding::LF).ok().map(|z| z.to_string()),
            _ => None,
        }
    }
}

impl core::error::Error for MintError {}

/// Where a playback URL carries its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement<'a> {
    /// A query parameter (`token` for JWTs, `__token__` or `hdnts` for Akamai tokens), appended
    /// after any existing parameters.
    Query(&'a str),
    /// The first path segment, optionally as `<session>.<jwt>` (AWS seed style), so that relative
    /// URIs in HLS/DASH manifests carry the token to every playlist and segment.
    PathSegment {
        /// Session id put before the token.
        session: Option<&'a str>,
    },
}

/// Why a playback URL could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlError {
    /// The URL's path does not start with `/` (give `/path`, or `https://host/path`).
    NotAbsolute,
    /// The token or session id cannot live in a path segment (only JWS tokens can: an Akamai
    /// token contains `/`, `=` and `~`; a session id may not contain `.` or `/`).
    NotPathSafe,
    /// The query parameter name is empty or contains `&`, `=` or `#`.
    BadParam,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::NotAbsolute => "the URL path must start with '/'",
            UrlError::NotPathSafe => {
                "only a JWT (and a session id without '.' or '/') can be a path segment"
            }
            UrlError::BadParam => "bad query parameter name",
        })
    }
}

impl core::error::Error for UrlError {}

/// Percent-encodes a token for a query value: unreserved characters and `= ~ / * ! : , @` stay
/// (Akamai tokens keep their usual look), everything else is escaped. The gate decodes it once.
fn encode_query_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~=/*!:,@".contains(&b) {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            for n in [b >> 4, b & 0x0f] {
                out.push(char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0')));
            }
        }
    }
    out
}

/// A URL-ready playback URL: `url` (`/path[?query]` or `scheme://host/path[?query]`) with `token`
/// placed as asked. For path placement the token segment goes before the path, so a manifest at
/// `/live/index.m3u8` becomes `/<token>/live/index.m3u8` and its relative URIs inherit the token.
pub fn playback_url(url: &str, token: &str, placement: Placement<'_>) -> Result<String, UrlError> {
    let (origin, rest) = match url.split_once("://") {
        Some((scheme, after)) => {
            let slash = after.find('/').ok_or(UrlError::NotAbsolute)?;
            let split = scheme.len() + 3 + slash;
            (
                url.get(..split).unwrap_or(""),
                url.get(split..).unwrap_or(""),
            )
        }
        None => ("", url),
    };
    if !rest.starts_with('/') {
        return Err(UrlError::NotAbsolute);
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut out = String::from(origin);
    match placement {
        Placement::Query(name) => {
            if name.is_empty() || name.contains(['&', '=', '#', '?']) {
                return Err(UrlError::BadParam);
            }
            out.push_str(path);
            out.push('?');
            if !query.is_empty() {
                out.push_str(query);
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(&encode_query_value(token));
        }
        Placement::PathSegment { session } => {
            let jws_like = token.split('.').count() == 3
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            let session_ok = session.is_none_or(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~'))
            });
            if !jws_like || !session_ok {
                return Err(UrlError::NotPathSafe);
            }
            out.push('/');
            if let Some(s) = session {
                out.push_str(s);
                out.push('.');
            }
            out.push_str(token);
            out.push_str(path);
            if !query.is_empty() {
                out.push('?');
                out.push_str(query);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn playback_urls() {
        assert_eq!(
            playback_url("/live/index.m3u8", "a.b.c", Placement::Query("token")).unwrap(),
            "/live/index.m3u8?token=a.b.c"
        );
        assert_eq!(
            playback_url(
                "https://cdn.example.com/live/index.m3u8?x=1",
                "a.b.c",
                Placement::Query("token")
            )
            .unwrap(),
            "https://cdn.example.com/live/index.m3u8?x=1&token=a.b.c"
        );
        assert_eq!(
            playback_url(
                "/live/index.m3u8",
                "exp=1~acl=/live/*~data=a&b~hmac=00",
                Placement::Query("__token__")
            )
            .unwrap(),
            "/live/index.m3u8?__token__=exp=1~acl=/live/*~data=a%26b~hmac=00"
        );
        assert_eq!(
            playback_url(
                "https://cdn.example.com/live/index.m3u8",
                "a.b.c",
                Placement::PathSegment {
                    session: Some("s1")
                }
            )
            .unwrap(),
            "https://cdn.example.com/s1.a.b.c/live/index.m3u8"
        );
        assert_eq!(
            playback_url(
                "/x",
                "exp=1~hmac=00",
                Placement::PathSegment { session: None }
            ),
            Err(UrlError::NotPathSafe)
        );
        assert_eq!(
            playback_url(
                "/x",
                "a.b.c",
                Placement::PathSegment {
                    session: Some("a.b")
                }
            ),
            Err(UrlError::NotPathSafe)
        );
        assert_eq!(
            playback_url("x", "a.b.c", Placement::Query("token")),
            Err(UrlError::NotAbsolute)
        );
    }
}
