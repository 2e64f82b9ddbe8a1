//! JWS compact tokens: strict parsing into an untrusted token, then signature verification with a
//! configured key through jwt-compact's algorithms. The key decides the algorithm.

use crate::claims::ParsedClaims;
use crate::config::{field, Alg, ConfigError, KeyConfig};
use crate::es384::{Es384Signature, Es384Verifier, PreparedEs384Key, VerifyingKey};
use crate::json::{Key, Scalar, StrictValue};
use crate::Reason;
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use core::cmp::Ordering;
use core::fmt;
use hmac::{Hmac, Mac};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use sha2::{Sha256, Sha384, Sha512};

/// Header members that would let a token choose its own key or certificate: never honoured.
const FORBIDDEN_HEADER_MEMBERS: &[&str] = &["jwk", "jku", "x5u", "x5c", "crit"];

/// Key material, prepared once at load.
#[derive(Clone)]
pub(crate) enum KeyMaterial {
    // HMAC keys are kept as keyed MAC states: the inner/outer pads are hashed once at load, and
    // each request clones the state instead of re-deriving it from the secret.
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
    /// The key, with its SEC1 encoding for a host verifier and its lazily built fixed-base table.
    Es384(PreparedEs384Key),
}

/// A configured key, ready to verify.
#[derive(Clone)]
pub(crate) struct PreparedKey {
    pub kid: String,
    pub alg: Alg,
    pub material: KeyMaterial,
}

impl fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Decodes base64url without padding, strictly (no padding, no whitespace, canonical trailing bits).
pub(crate) fn b64u_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = alloc::vec![0; b64u_decoded_len(s.len())?];
    b64u_decode_into(s.as_bytes(), &mut out)?;
    Some(out)
}

/// [`b64u_decode`] into `buf` when the result fits (no allocation), else into a new vector.
fn b64u_decode_buf<'b>(s: &str, buf: &'b mut [u8]) -> Option<Cow<'b, [u8]>> {
    let n = b64u_decoded_len(s.len())?;
    match buf.get_mut(..n) {
        Some(out) => {
            b64u_decode_into(s.as_bytes(), out)?;
            Some(Cow::Borrowed(out))
        }
        None => b64u_decode(s).map(Cow::Owned),
    }
}

/// base64url digit values; 0xFF for every byte outside the alphabet (`=` included).
const B64U_VALUES: [u8; 256] = {
    let mut t = [0xFF_u8; 256];
    let mut i = 0;
    while i < 64 {
        let digit = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        #[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
        {
            t[digit[i] as usize] = i as u8;
        }
        i += 1;
    }
    t
};

/// The decoded length of `len` base64url digits without padding (`None`: no input has that length).
fn b64u_decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        1 => None,
        r => Some(len / 4 * 3 + r.saturating_sub(1)),
    }
}

/// Strict base64url without padding (the `base64` crate's `URL_SAFE_NO_PAD` rules: alphabet only,
/// no `=`, canonical trailing bits) into `out`, which must be exactly [`b64u_decoded_len`] long.
/// Eight digits per step with no branch per digit: the token's three parts are decoded on every
/// request, and the short header and signature made the crate's per-call setup count.
fn b64u_decode_into(s: &[u8], out: &mut [u8]) -> Option<()> {
    if b64u_decoded_len(s.len()) != Some(out.len()) {
        return None;
    }
    // A digit outside the alphabet reads as -1 (all bits set): it sets bits above the 24 data bits
    // of its group, and `seen` keeps them to the end.
    #[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
    let v = |b: &u8| {
        let t = B64U_VALUES.get(usize::from(*b)).copied().unwrap_or(0xFF);
        i32::from(t as i8) as u32
    };
    let mut seen = 0u32;
    let mut src = s.chunks_exact(8);
    let mut dst = out.chunks_exact_mut(6);
    for (c, o) in (&mut src).zip(&mut dst) {
        if let ([a, b, c, d, e, f, g, h], [o0, o1, o2, o3, o4, o5]) = (c, o) {
            let x = v(a) << 18 | v(b) << 12 | v(c) << 6 | v(d);
            let y = v(e) << 18 | v(f) << 12 | v(g) << 6 | v(h);
            seen |= x | y;
            let ([_, p, q, r], [_, t, u, w]) = (x.to_be_bytes(), y.to_be_bytes());
            (*o0, *o1, *o2, *o3, *o4, *o5) = (p, q, r, t, u, w);
        }
    }
    let mut src = src.remainder().chunks_exact(4);
    let mut dst = dst.into_remainder().chunks_exact_mut(3);
    for (c, o) in (&mut src).zip(&mut dst) {
        if let ([a, b, c, d], [x, y, z]) = (c, o) {
            let w = v(a) << 18 | v(b) << 12 | v(c) << 6 | v(d);
            seen |= w;
            let [_, p, q, r] = w.to_be_bytes();
            (*x, *y, *z) = (p, q, r);
        }
    }
    match (src.remainder(), dst.into_remainder()) {
        ([], []) => {}
        // Two digits, one byte: the last digit's low 4 bits must be zero (canonical).
        ([a, b], [x]) => {
            let w = v(a) << 6 | v(b);
            seen |= w << 12;
            if w & 0x0F != 0 {
                return None;
            }
            let [.., p] = (w >> 4).to_be_bytes();
            *x = p;
        }
        // Three digits, two bytes: the last digit's low 2 bits must be zero.
        ([a, b, c], [x, y]) => {
            let w = v(a) << 12 | v(b) << 6 | v(c);
            seen |= w << 6;
            if w & 0x03 != 0 {
                return None;
            }
            let [.., p, q] = (w >> 2).to_be_bytes();
            (*x, *y) = (p, q);
        }
        _ => return None,
    }
    (seen < 1 << 24).then_some(())
}

/// Header or payload JSON as text. One UTF-8 check over the whole document lets serde_json skip its
/// check of every string (`from_str` instead of `from_slice`); invalid UTF-8 is malformed either way.
fn json_text(bytes: &[u8]) -> Option<&str> {
    core::str::from_utf8(bytes).ok()
}

/// Longest signature any supported algorithm produces (ES384: 96 bytes; HS512: 64).
const MAX_SIGNATURE_LEN: usize = 96;

/// Encodes base64url without padding.
pub(crate) fn b64u_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl PreparedKey {
    pub(crate) fn prepare(i: usize, k: &KeyConfig) -> Result<PreparedKey, ConfigError> {
        let at = |name: &str| field(format_args!("keys[{i}].{name}"));
        if k.kid.is_empty() || k.kid.len() > 128 {
            return Err(ConfigError::new(at("kid"), "must be 1 to 128 characters"));
        }
        let material = match k.alg {
            Alg::HS256 | Alg::HS384 | Alg::HS512 => {
                if k.public_key.is_some() || k.jwk.is_some() {
                    return Err(ConfigError::new(
                        at("alg"),
                        "an HS key takes `secret` only; `public_key`/`jwk` are for ES384",
                    ));
                }
                let secret = k
                    .secret
                    .as_ref()
                    .ok_or_else(|| ConfigError::new(at("secret"), "required for HS keys"))?;
                let bytes = b64u_decode(secret.expose()).ok_or_else(|| {
                    ConfigError::new(at("secret"), "must be base64url without padding")
                })?;
                if bytes.len() < k.alg.min_secret_len() {
                    return Err(ConfigError::new(
                        at("secret"),
                        alloc::format!(
                            "{} needs at least {} bytes, got {}",
                            k.alg.name(),
                            k.alg.min_secret_len(),
                            bytes.len()
                        ),
                    ));
                }
                KeyMaterial::hs(k.alg, &bytes)?
            }
            Alg::ES384 => {
                if k.secret.is_some() {
                    return Err(ConfigError::new(
                        at("secret"),
                        "an ES384 key takes `public_key` or `jwk`, not `secret`",
                    ));
                }
                es384_material(match (&k.public_key, &k.jwk) {
                    (Some(pem), None) => parse_public_pem(pem).ok_or_else(|| {
                        ConfigError::new(
                            at("public_key"),
                            "not a P-384 SubjectPublicKeyInfo PEM with an uncompressed point",
                        )
                    })?,
                    (None, Some(jwk)) => {
                        if jwk.d.is_some() {
                            return Err(ConfigError::new(
                                at("jwk.d"),
                                "private key material does not belong in a gate config; give the public JWK",
                            ));
                        }
                        if jwk.kty != "EC" || jwk.crv != "P-384" {
                            return Err(ConfigError::new(at("jwk"), "expected kty EC, crv P-384"));
                        }
                        if jwk.alg.as_deref().is_some_and(|a| a != "ES384") {
                            return Err(ConfigError::new(
                                at("jwk.alg"),
                                "must be ES384 when present",
                            ));
                        }
                        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
                            return Err(ConfigError::new(
                                at("jwk.use"),
                                "must be sig when present",
                            ));
                        }
                        jwk_point(&jwk.x, &jwk.y).ok_or_else(|| {
                            ConfigError::new(at("jwk"), "x/y are not a point on P-384")
                        })?
                    }
                    _ => {
                        return Err(ConfigError::new(
                            at("public_key"),
                            "an ES384 key needs exactly one of `public_key` (PEM) or `jwk`",
                        ))
                    }
                })
            }
        };
        Ok(PreparedKey {
            kid: k.kid.clone(),
            alg: k.alg,
            material,
        })
    }

    /// Builds an ES384 key's verification tables now (nothing to do for HMAC keys).
    pub(crate) fn precompute(&self) {
        if let KeyMaterial::Es384(k) = &self.material {
            k.precompute();
        }
    }

    fn verify(&self, signed: &[u8], sig: &[u8], host: Option<&dyn Es384Verifier>) -> bool {
        match &self.material {
            KeyMaterial::Hs256(k) => verify_mac(k, signed, sig),
            KeyMaterial::Hs384(k) => verify_mac(k, signed, sig),
            KeyMaterial::Hs512(k) => verify_mac(k, signed, sig),
            KeyMaterial::Es384(k) => match Es384Signature::from_raw(sig) {
                // Length and scalar range are checked here, before any host sees the signature.
                Some(s) => match host.and_then(|h| h.verify(k.sec1(), signed, sig)) {
                    Some(verdict) => verdict,
                    None => k.verify(&s, signed),
                },
                None => false,
            },
        }
    }
}

fn es384_material(key: VerifyingKey) -> KeyMaterial {
    KeyMaterial::Es384(PreparedEs384Key::new(key))
}

/// A keyed MAC state for `secret` (any length is a valid HMAC key; length rules are checked above).
fn keyed<M: Mac + hmac::digest::KeyInit>(secret: &[u8]) -> Result<M, ConfigError> {
    <M as hmac::digest::KeyInit>::new_from_slice(secret)
        .map_err(|_| ConfigError::new("keys", "unusable HMAC key"))
}

impl KeyMaterial {
    /// The keyed MAC state of an HS key (`alg` HS256/384/512; ES384 is refused).
    pub(crate) fn hs(alg: Alg, secret: &[u8]) -> Result<KeyMaterial, ConfigError> {
        Ok(match alg {
            Alg::HS256 => KeyMaterial::Hs256(keyed(secret)?),
            Alg::HS384 => KeyMaterial::Hs384(keyed(secret)?),
            Alg::HS512 => KeyMaterial::Hs512(keyed(secret)?),
            Alg::ES384 => return Err(ConfigError::new("alg", "ES384 is not an HMAC algorithm")),
        })
    }

    /// The HMAC tag of `msg` (minting). `None` for ES384 material.
    pub(crate) fn hs_tag(&self, msg: &[u8]) -> Option<Vec<u8>> {
        fn tag<M: Mac + Clone>(prepared: &M, msg: &[u8]) -> Vec<u8> {
            let mut mac = prepared.clone();
            mac.update(msg);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            KeyMaterial::Hs256(k) => Some(tag(k, msg)),
            KeyMaterial::Hs384(k) => Some(tag(k, msg)),
            KeyMaterial::Hs512(k) => Some(tag(k, msg)),
            KeyMaterial::Es384(..) => None,
        }
    }
}

/// HS256/384/512 verification: the prepared state is cloned, fed the signing input, and compared in
/// constant time (`verify_slice`, which also rejects a tag of the wrong length). The minting side
/// computes its tags from the same prepared states ([`KeyMaterial::hs_tag`]).
fn verify_mac<M: Mac + Clone>(prepared: &M, signed: &[u8], sig: &[u8]) -> bool {
    let mut mac = prepared.clone();
    mac.update(signed);
    mac.verify_slice(sig).is_ok()
}

/// A P-384 SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), uncompressed point only
/// (read by template: `src/spki.rs`).
pub(crate) fn parse_public_pem(pem: &str) -> Option<VerifyingKey> {
    let (x, y) = crate::spki::p384_public_pem(pem)?;
    point(&x, &y)
}

/// A JWK's `x`/`y` (base64url, 48 bytes each).
pub(crate) fn jwk_point(x: &str, y: &str) -> Option<VerifyingKey> {
    point(&b64u_decode(x)?, &b64u_decode(y)?)
}

/// The verifying key at affine coordinates `x`, `y` (big-endian, 48 bytes each), if that point is on
/// P-384. Keys are taken as uncompressed points only (SEC1 `04 || x || y` in SPKI, or JWK `x`/`y`):
/// that is what IVS, OpenSSL and every JWK give, and leaving point decompression (a modular square
/// root) out keeps ~12 KB of code out of the WebAssembly.
fn point(x: &[u8], y: &[u8]) -> Option<VerifyingKey> {
    use p384::elliptic_curve::point::AffineCoordinates;
    let x = p384::FieldBytes::try_from(x).ok()?;
    let y = p384::FieldBytes::try_from(y).ok()?;
    let p: Option<p384::AffinePoint> = p384::AffinePoint::from_coordinates(&x, &y).into();
    VerifyingKey::from_affine(p?).ok()
}

/// A token that has been split, decoded and parsed, but whose signature is not yet checked.
pub(crate) struct UntrustedJwt<'t> {
    /// `None`: an algorithm playgate does not know (no key can match it).
    pub alg: Option<Alg>,
    pub kid: Option<String>,
    signed: &'t [u8],
    /// The signature bytes, kept inline; a longer signature can never verify and is kept empty.
    signature: ([u8; MAX_SIGNATURE_LEN], usize),
}

/// The JOSE header members playgate reads; every other member is parsed (strictly) and ignored.
#[derive(Default)]
struct Header<'de> {
    alg: Option<Scalar<'de>>,
    kid: Option<Scalar<'de>>,
    cty: Option<Scalar<'de>>,
    /// Read only to reject a duplicate `typ` without allocating for the common header.
    typ: Option<Scalar<'de>>,
    forbidden: bool,
}

impl<'de> Deserialize<'de> for Header<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Header<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JOSE header object")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Header<'de>, E> {
                Err(E::custom("expected a JOSE header object"))
            }
            crate::json::only_accepts!("a JOSE header object", Header<'de>);
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Header<'de>, A::Error> {
                let mut h = Header::default();
                // Other member names, to reject duplicates among them too.
                let mut others: Vec<Cow<'de, str>> = Vec::new();
                while let Some(Key(name)) = access.next_key()? {
                    let slot = match &*name {
                        "alg" => &mut h.alg,
                        "kid" => &mut h.kid,
                        "cty" => &mut h.cty,
                        "typ" => &mut h.typ,
                        other => {
                            h.forbidden |= FORBIDDEN_HEADER_MEMBERS.contains(&other);
                            // Headers are small (the token length is capped): a linear scan is fine.
                            if others.contains(&name) || others.len() >= 256 {
                                return Err(de::Error::custom("duplicate or too many members"));
                            }
                            let StrictValue(_) = access.next_value()?;
                            others.push(name);
                            continue;
                        }
                    };
                    if slot.replace(access.next_value()?).is_some() {
                        return Err(de::Error::custom("duplicate member name"));
                    }
                }
                Ok(h)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// What the gate reads from a JWS header. Errors it implies are reported after the payload and
/// signature have been decoded (a malformed token is malformed first).
#[derive(Debug, PartialEq)]
struct HeaderFacts {
    /// The algorithm, when `alg` names one playgate knows.
    alg: Option<Alg>,
    /// `alg` is a string (anything else is malformed).
    alg_is_text: bool,
    kid: Result<Option<String>, Reason>,
    /// A member that tries to choose the key (`jku`, `jwk`, `x5u`, ...).
    forbidden: bool,
    /// `cty` is absent or JSON.
    cty_ok: bool,
}

impl HeaderFacts {
    /// Decodes and parses a header segment; `buf` is scratch space.
    fn read(h: &str, buf: &mut [u8]) -> Result<HeaderFacts, Reason> {
        let header_bytes = b64u_decode_buf(h, buf).ok_or(Reason::MalformedToken)?;
        let header = json_text(&header_bytes)
            .and_then(|h| serde_json::from_str::<Header<'_>>(h).ok())
            .ok_or(Reason::MalformedToken)?;
        let (alg, kid, forbidden, cty) = (header.alg, header.kid, header.forbidden, header.cty);
        // `alg` must be a string; a name playgate does not know matches no key (`None`).
        let alg_is_text = matches!(alg, Some(Scalar::Str(_)));
        let alg = match &alg {
            Some(Scalar::Str(a)) => [Alg::HS256, Alg::HS384, Alg::HS512, Alg::ES384]
                .into_iter()
                .find(|k| k.name() == a),
            _ => None,
        };
        let kid = match kid {
            None => Ok(None),
            Some(Scalar::Str(k)) => Ok(Some(k.into_owned())),
            Some(_) => Err(Reason::MalformedToken),
        };
        let cty_ok = match cty {
            None => true,
            Some(Scalar::Str(c)) => c.eq_ignore_ascii_case("json"),
            Some(_) => false,
        };
        Ok(HeaderFacts {
            alg,
            alg_is_text,
            kid,
            forbidden,
            cty_ok,
        })
    }
}

/// Header segments known before any token arrives: for each configured key, the base64url of the
/// headers issuers write for it (`alg`, optionally `kid` and `"typ":"JWT"`, members in any order,
/// no spaces), each with what parsing it yields. Every token of an issuer carries the same header,
/// so a header that is byte for byte one of these skips decoding and parsing; any other header takes
/// the general path. The test `known_headers_read_as_the_general_path` holds every entry to what the
/// general path reads from it.
#[derive(Clone, Default)]
pub(crate) struct KnownHeaders(Vec<(String, Alg, Option<String>)>);

impl fmt::Debug for KnownHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KnownHeaders({})", self.0.len())
    }
}

impl KnownHeaders {
    /// Member orders: 0 = `alg`, 1 = `kid`, 2 = `typ`.
    const ORDERS: [&'static [usize]; 11] = [
        &[0],
        &[0, 2],
        &[2, 0],
        &[0, 1],
        &[1, 0],
        &[0, 1, 2],
        &[0, 2, 1],
        &[1, 0, 2],
        &[1, 2, 0],
        &[2, 0, 1],
        &[2, 1, 0],
    ];

    pub(crate) fn new(keys: &[PreparedKey]) -> KnownHeaders {
        let mut known: Vec<(String, Alg, Option<String>)> = Vec::new();
        // A kid that JSON would escape is left to the general path (issuers may escape it differently).
        let plain = |kid: &str| {
            kid.bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
        };
        for key in keys.iter().filter(|k| plain(&k.kid)) {
            let members = [
                alloc::format!("\"alg\":\"{}\"", key.alg.name()),
                alloc::format!("\"kid\":\"{}\"", key.kid),
                String::from("\"typ\":\"JWT\""),
            ];
            for order in Self::ORDERS {
                let parts: Vec<&str> = order
                    .iter()
                    .filter_map(|&i| members.get(i).map(String::as_str))
                    .collect();
                let segment = b64u_encode(alloc::format!("{{{}}}", parts.join(",")).as_bytes());
                let kid = order.contains(&1).then(|| key.kid.clone());
                // Kept sorted by insertion (a sort would link a sizeable routine into the wasm).
                if let Err(i) = known.binary_search_by(|(s, _, _)| segment_order(s, &segment)) {
                    known.insert(i, (segment, key.alg, kid));
                }
            }
        }
        KnownHeaders(known)
    }

    fn get(&self, segment: &str) -> Option<HeaderFacts> {
        let i = self
            .0
            .binary_search_by(|(s, _, _)| segment_order(s, segment))
            .ok()?;
        let (_, alg, kid) = self.0.get(i)?;
        Some(HeaderFacts {
            alg: Some(*alg),
            alg_is_text: true,
            kid: Ok(kid.clone()),
            forbidden: false,
            cty_ok: true,
        })
    }
}

/// The order [`KnownHeaders`] keeps its segments in: by length, then eight bytes at a time from
/// the end. Known segments start alike (`eyJhbGciOiJ`, `{"alg":"`) and differ near their ends, so
/// a comparison usually ends at its first word; in wasm, `memcmp` (`compiler_builtins`) would have
/// gone a byte at a time through the common prefix. (Not inlined: both callers are long, and the
/// copies made the module 0.5 KB bigger.)
#[inline(never)]
fn segment_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len().cmp(&b.len()).then_with(|| {
        let word = |c: &[u8]| <[u8; 8]>::try_from(c).map_or(0, u64::from_be_bytes);
        let (x, y) = (a.rchunks_exact(8), b.rchunks_exact(8));
        let (rx, ry) = (x.remainder(), y.remainder());
        x.zip(y)
            .map(|(p, q)| word(p).cmp(&word(q)))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| rx.cmp(ry))
    })
}

impl<'t> UntrustedJwt<'t> {
    /// Splits and decodes a compact JWS, typing the payload's claims into `claims` (in place: the
    /// claims are the largest part of a token and are not moved on the way). Every structural
    /// problem is `malformed_token`; header members that try to choose the key are
    /// `forbidden_header`. On an error, `claims` holds whatever was read and must be discarded.
    pub(crate) fn parse(
        token: &'t str,
        known: &KnownHeaders,
        claims: &mut ParsedClaims,
    ) -> Result<Self, Reason> {
        // Header and signature are found from each end; a payload holding more dots (a token with
        // more than three parts) is not base64url and fails to decode below: malformed as well.
        let bytes = token.as_bytes();
        let (first, last) = memchr::memchr(b'.', bytes)
            .zip(memchr::memrchr(b'.', bytes))
            .filter(|(first, last)| first < last)
            .ok_or(Reason::MalformedToken)?;
        let (h, p, s) = token
            .get(..first)
            .zip(token.get(first + 1..last))
            .zip(token.get(last + 1..))
            .map(|((h, p), s)| (h, p, s))
            .ok_or(Reason::MalformedToken)?;
        if h.is_empty() || p.is_empty() {
            return Err(Reason::MalformedToken);
        }
        // Header and payload are decoded on the stack when they fit (they almost always do).
        let mut buf = [0u8; 1024];
        let HeaderFacts {
            alg,
            alg_is_text,
            kid,
            forbidden,
            cty_ok,
        } = match known.get(h) {
            Some(facts) => facts,
            None => HeaderFacts::read(h, &mut buf)?,
        };
        b64u_decode_buf(p, &mut buf)
            .and_then(|b| claims.parse_into(json_text(&b)?))
            .ok_or(Reason::MalformedToken)?;
        let mut signature = ([0u8; MAX_SIGNATURE_LEN], 0);
        // A signature too long for any algorithm is still decoded (invalid base64url is
        // malformed), then kept empty: it can never verify.
        signature.1 = match b64u_decode_buf(s, &mut signature.0).ok_or(Reason::MalformedToken)? {
            Cow::Borrowed(b) => b.len(),
            Cow::Owned(_) => 0,
        };
        if !alg_is_text {
            return Err(Reason::MalformedToken);
        }
        let kid = kid?;
        if forbidden {
            return Err(Reason::ForbiddenHeader);
        }
        // We only ever verify JSON claims: a content type announcing anything else is refused.
        if !cty_ok {
            return Err(Reason::ForbiddenHeader);
        }
        let signed_len = h.len() + 1 + p.len();
        let signed = token
            .as_bytes()
            .get(..signed_len)
            .ok_or(Reason::MalformedToken)?;
        Ok(UntrustedJwt {
            alg,
            kid,
            signed,
            signature,
        })
    }

    fn signature(&self) -> &[u8] {
        self.signature.0.get(..self.signature.1).unwrap_or(&[])
    }

    /// Verifies with the configured keys: `kid` picks one key; without `kid`, every key of the
    /// header's algorithm is tried. Returns the verifying key's id.
    pub(crate) fn verify(
        self,
        keys: &[PreparedKey],
        host: Option<&dyn Es384Verifier>,
    ) -> Result<Option<String>, Reason> {
        match &self.kid {
            Some(kid) => {
                let key = keys
                    .iter()
                    .find(|k| &k.kid == kid)
                    .ok_or(Reason::UnknownKey)?;
                if Some(key.alg) != self.alg {
                    return Err(Reason::AlgorithmMismatch);
                }
                if key.verify(self.signed, self.signature(), host) {
                    Ok(self.kid)
                } else {
                    Err(Reason::BadSignature)
                }
            }
            None => {
                let mut candidates = keys.iter().filter(|k| Some(k.alg) == self.alg).peekable();
                if candidates.peek().is_none() {
                    return Err(Reason::AlgorithmMismatch);
                }
                let key = candidates
                    .find(|k| k.verify(self.signed, self.signature(), host))
                    .ok_or(Reason::BadSignature)?;
                Ok(Some(key.kid.clone()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<UntrustedJwt<'_>, Reason> {
        UntrustedJwt::parse(t, &KnownHeaders::default(), &mut ParsedClaims::default())
    }

    fn token(header: &str, payload: &str, sig: &[u8]) -> String {
        alloc::format!(
            "{}.{}.{}",
            b64u_encode(header.as_bytes()),
            b64u_encode(payload.as_bytes()),
            b64u_encode(sig)
        )
    }

    #[test]
    fn stack_and_heap_decoding_agree_at_the_boundaries() {
        // Payloads around the 1 KiB stack buffer, signatures around the 96-byte inline limit.
        for pad in 1000..1030 {
            let payload = alloc::format!(r#"{{"exp":1,"x":"{}"}}"#, "a".repeat(pad - 17));
            for sig_len in [0, 32, 64, 95, 96, 97, 128, 300] {
                let t = token(r#"{"alg":"HS256"}"#, &payload, &alloc::vec![7u8; sig_len]);
                let mut claims = ParsedClaims::default();
                let jwt = UntrustedJwt::parse(&t, &KnownHeaders::default(), &mut claims)
                    .unwrap_or_else(|_| panic!("{pad} {sig_len}"));
                assert_eq!(jwt.alg, Some(Alg::HS256));
                let kept = if sig_len <= MAX_SIGNATURE_LEN {
                    sig_len
                } else {
                    0
                };
                assert_eq!(jwt.signature().len(), kept);
                assert!(jwt.signature().iter().all(|b| *b == 7));
                let c = claims.verified(None).unwrap();
                assert_eq!(c.extra["x"].as_str().map(str::len), Some(pad - 17));
            }
        }
        // Non-canonical trailing bits and padding stay malformed on both paths.
        let good = token(r#"{"alg":"HS256"}"#, r#"{"exp":1}"#, &[1, 2]);
        let (head, sig) = good.rsplit_once('.').unwrap();
        assert!(parse(&alloc::format!("{head}.{sig}=")).is_err());
        assert!(parse(&alloc::format!("{head}.AQJ")).is_err());
        let long_bad = alloc::format!("{head}.{}=", "A".repeat(200));
        assert!(parse(&long_bad).is_err());
        // Not three parts: found from each end, the payload is left holding the extra dots.
        let (h, rest) = good.split_once('.').unwrap();
        let (p, s) = rest.rsplit_once('.').unwrap();
        for bad in [
            alloc::format!("{h}.{p}.{s}.{s}"),
            alloc::format!("{h}.{p}.{p}.{s}"),
            alloc::format!("{h}..{s}"),
            alloc::format!(".{p}.{s}"),
            alloc::format!("{h}.{p}"),
            alloc::format!("{h}{p}{s}"),
        ] {
            assert_eq!(parse(&bad).err(), Some(Reason::MalformedToken), "{bad}");
        }
        // An empty signature is well-formed (it just never verifies).
        assert_eq!(
            parse(&alloc::format!("{h}.{p}.")).map(|j| j.signature().len()),
            Ok(0)
        );
    }

    /// The hand-written decoder accepts exactly what the `base64` crate's `URL_SAFE_NO_PAD` accepts,
    /// with the same bytes (every length 0..40, valid and invalid digits, padding, bad trailing bits).
    #[test]
    fn decoder_matches_the_base64_crate() {
        let digits = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let odd = b"=+/. %\x00\xff";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for case in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let s: Vec<u8> = (0..len)
                .map(|i| {
                    let r = x.rotate_left(i as u32 * 6);
                    if case % 8 == 0 && r % 13 == 0 {
                        odd[(r as usize / 13) % odd.len()]
                    } else {
                        digits[(r % 64) as usize]
                    }
                })
                .collect();
            let ours = b64u_decoded_len(len).and_then(|n| {
                let mut out = alloc::vec![0; n];
                b64u_decode_into(&s, &mut out).map(|()| out)
            });
            assert_eq!(ours, URL_SAFE_NO_PAD.decode(&s).ok(), "{s:?}");
        }
        assert_eq!(b64u_decode("").as_deref(), Some(&[][..]));
        assert_eq!(b64u_decode("AQ"), Some(alloc::vec![1]));
        assert_eq!(b64u_decode("AR"), None);
        assert_eq!(b64u_decode("AQ=="), None);
    }

    proptest::proptest! {
        /// The known headers' order is a total order by length first that finds a segment exactly
        /// when it is byte for byte one of them.
        #[test]
        fn segment_order_is_length_then_bytes(
            a in "[A-Za-z0-9_-]{0,40}",
            b in "[A-Za-z0-9_-]{0,40}",
            cut in 0usize..40,
        ) {
            // Pairs sharing a prefix, as known headers do.
            let c = alloc::format!("{}{}", a.get(..cut.min(a.len())).unwrap_or(""), b);
            let pairs = [(&a, &b), (&a, &c), (&c, &b), (&a, &a)];
            for (x, y) in pairs {
                let o = segment_order(x, y);
                proptest::prop_assert_eq!(o.is_eq(), x == y, "{} {}", x, y);
                proptest::prop_assert_eq!(o.reverse(), segment_order(y, x), "{} {}", x, y);
                if x.len() != y.len() {
                    proptest::prop_assert_eq!(o, x.len().cmp(&y.len()), "{} {}", x, y);
                }
            }
            // Transitive: a sorted triple stays sorted.
            let mut t = [&a, &b, &c];
            t.sort_by(|x, y| segment_order(x, y));
            proptest::prop_assert!(segment_order(t[0], t[2]).is_le());
        }
    }

    #[test]
    fn header_members_are_strict() {
        let p = b64u_encode(br#"{"exp":1}"#);
        let tok = |h: &str| alloc::format!("{}.{p}.AA", b64u_encode(h.as_bytes()));
        let reason = |h: &str| parse(&tok(h)).err();
        for dup in [
            r#"{"alg":"HS256","alg":"HS256"}"#,
            r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#,
            r#"{"alg":"HS256","x":1,"x":1}"#,
            r#"{"alg":"HS256","x":{"y":1,"y":1}}"#,
            r#"{"alg":1}"#,
            r#"{"alg":"HS256","kid":1}"#,
        ] {
            assert_eq!(reason(dup), Some(Reason::MalformedToken), "{dup}");
        }
        assert_eq!(
            reason(r#"{"alg":"HS256","jku":"x"}"#),
            Some(Reason::ForbiddenHeader)
        );
        assert_eq!(
            reason(r#"{"alg":"HS256","cty":"jwt"}"#),
            Some(Reason::ForbiddenHeader)
        );
        let t = tok(r#"{"alg":"none"}"#);
        assert_eq!(parse(&t).ok().map(|j| j.alg), Some(None));
        let t = tok(r#"{"alg":"HS256","kid":"a\u0062"}"#);
        assert_eq!(parse(&t).ok().and_then(|j| j.kid), Some("ab".into()));
    }

    #[test]
    fn known_headers_read_as_the_general_path() {
        let hs = |kid: &str, alg| {
            let secret = crate::config::Secret::new(b64u_encode(&[7u8; 64]));
            let k = KeyConfig {
                kid: kid.into(),
                alg,
                secret: Some(secret),
                public_key: None,
                jwk: None,
            };
            PreparedKey::prepare(0, &k).unwrap()
        };
        let keys = [
            hs("k1", Alg::HS256),
            hs("k 2/~", Alg::HS256),
            hs("k3", Alg::HS512),
            hs("k\"4", Alg::HS256),
            hs("k\u{e9}5", Alg::HS256),
        ];
        let known = KnownHeaders::new(&keys);
        // Eight member orders with the kid per key, three without it per algorithm; kids that JSON
        // escapes (k"4, k\u{e9}5) are left to the general path.
        assert_eq!(known.0.len(), 3 * 8 + 2 * 3);
        let p = b64u_encode(br#"{"exp":1}"#);
        let mut scratch = [0u8; 1024];
        for (segment, _, _) in &known.0 {
            let slow = HeaderFacts::read(segment, &mut scratch).unwrap();
            assert_eq!(known.get(segment).as_ref(), Some(&slow), "{segment}");
            let t = alloc::format!("{segment}.{p}.AA");
            let with = UntrustedJwt::parse(&t, &known, &mut ParsedClaims::default()).unwrap();
            let without = parse(&t).unwrap();
            assert_eq!((with.alg, with.kid), (without.alg, without.kid));
        }
        // Anything else takes the general path: other spacing, another `typ`, a forbidden member,
        // a kid no key has.
        for h in [
            r#"{"alg": "HS256"}"#,
            r#"{"alg":"HS256","typ":"jwt"}"#,
            r#"{"alg":"HS256","jku":"x"}"#,
            r#"{"alg":"HS256","kid":"k9"}"#,
            r#"{"alg":"HS384","kid":"k1"}"#,
        ] {
            assert_eq!(known.get(&b64u_encode(h.as_bytes())), None, "{h}");
        }
        let t = alloc::format!("{}.{p}.AA", b64u_encode(br#"{"alg":"HS256","jku":"x"}"#));
        let r = UntrustedJwt::parse(&t, &known, &mut ParsedClaims::default());
        assert_eq!(r.err(), Some(Reason::ForbiddenHeader));
    }
}
