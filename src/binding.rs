//! Viewer binding digests: a token names viewer attributes (`ip`, `country`, `header:x-device`, …)
//! and carries an HMAC-SHA256 of their values under a binding key the viewer never sees, so bound
//! values are checked without being exposed (the AWS seed's `intsig`, without its defects: an
//! absent attribute is a mismatch, never a skip, and IP addresses are canonicalised before hashing).
//!
//! Claim: `"bind": {"v": ["ip", "country", "header:x-device-id"], "mac": "<base64url tag>"}`.
//! MAC input (UTF-8): `playgate-bind-v1`, then for each item in `v` order `\n<item>=<value>`.
//!
//! | item | value |
//! |---|---|
//! | `ip` | the client IP, canonical ([`crate::ip::canonical`]: IPv4 dotted, IPv6 RFC 5952, IPv4-mapped folded) |
//! | `ip/N` | the client IP masked to `N` bits, canonical, then `/N` (e.g. `203.0.113.0/24`) |
//! | `country` | header `cloudfront-viewer-country` |
//! | `region` | header `cloudfront-viewer-country-region` |
//! | `ua` | header `user-agent` |
//! | `referer` | header `referer` |
//! | `session` | the session id of an SMD-style path token (`<sessionId>.<jwt>`) |
//! | `header:<name>` | header `<name>` (lowercase) |
//! | `query:<name>` | query parameter `<name>`, percent-decoded once |
//!
//! Headers and parameters must appear exactly once; values may not contain a newline.

use crate::ip;
use crate::jwt::b64u_encode;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Domain separator, first line of every MAC input.
pub const DOMAIN: &str = "playgate-bind-v1";

/// Most items one token may bind.
pub const MAX_ITEMS: usize = 16;

/// One bindable attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// Client IP, exact.
    Ip,
    /// Client IP masked to a prefix length.
    IpPrefix(u8),
    /// A request header (lowercase name); `country`, `region`, `ua`, `referer` are shorthands.
    Header(&'a str),
    /// A query parameter.
    Query(&'a str),
    /// The path token's session id.
    Session,
}

impl<'a> Item<'a> {
    /// Parses an item name; `None` for anything outside the grammar above.
    pub fn parse(s: &'a str) -> Option<Item<'a>> {
        Some(match s {
            "ip" => Item::Ip,
            "country" => Item::Header("cloudfront-viewer-country"),
            "region" => Item::Header("cloudfront-viewer-country-region"),
            "ua" => Item::Header("user-agent"),
            "referer" => Item::Header("referer"),
            "session" => Item::Session,
            _ => {
                if let Some(n) = s.strip_prefix("ip/") {
                    if n.is_empty() || n.len() > 3 || (n.len() > 1 && n.starts_with('0')) {
                        return None;
                    }
                    let n: u8 = n.parse().ok()?;
                    if n > 128 {
                        return None;
                    }
                    Item::IpPrefix(n)
                } else if let Some(h) = s.strip_prefix("header:") {
                    let ok = !h.is_empty()
                        && h.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                        });
                    if !ok {
                        return None;
                    }
                    Item::Header(h)
                } else if let Some(q) = s.strip_prefix("query:") {
                    let ok = !q.is_empty()
                        && q.bytes()
                            .all(|b| b.is_ascii_graphic() && !matches!(b, b'&' | b'=' | b'%'));
                    if !ok {
                        return None;
                    }
                    Item::Query(q)
                } else {
                    return None;
                }
            }
        })
    }

    /// Whether the item binds the client IP in some way.
    pub fn is_ip(self) -> bool {
        matches!(self, Item::Ip | Item::IpPrefix(_))
    }
}

/// The canonical value of an IP item from an address as text (what both the issuer and the gate
/// hash). `None` when the address does not parse or the prefix is longer than its family.
pub fn ip_value(item: Item<'_>, addr: &str) -> Option<String> {
    let a = ip::parse(addr)?;
    match item {
        Item::Ip => Some(ip::canonical(a)),
        Item::IpPrefix(n) => {
            let width = if a.is_ipv4() { 32 } else { 128 };
            if n > width {
                return None;
            }
            Some(format!("{}/{n}", ip::canonical(ip::mask(a, n))))
        }
        _ => None,
    }
}

/// The MAC input for `(item, value)` pairs; `None` if a value contains a newline.
pub fn message<'v>(pairs: impl IntoIterator<Item = (&'v str, &'v str)>) -> Option<String> {
    let mut m = String::from(DOMAIN);
    for (item, value) in pairs {
        if value.contains('\n') || item.contains('\n') {
            return None;
        }
        m.push('\n');
        m.push_str(item);
        m.push('=');
        m.push_str(value);
    }
    Some(m)
}

/// Constant-time check of a binding tag (`Mac::verify_slice`) with any of the keys.
pub(crate) fn verify(keys: &[Vec<u8>], msg: &str, tag: &[u8]) -> bool {
    keys.iter().any(|k| {
        <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(k).is_ok_and(|mut m| {
            m.update(msg.as_bytes());
            m.verify_slice(tag).is_ok()
        })
    })
}

/// Why a binding claim could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindError {
    /// An item name outside the grammar, or repeated.
    BadItem,
    /// An IP item whose value is not an address (or a prefix longer than its family).
    BadIp,
    /// A value containing a newline, or too many items.
    BadValue,
}

impl core::fmt::Display for BindError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            BindError::BadItem => "unknown or repeated binding item",
            BindError::BadIp => "binding ip value is not an IP address",
            BindError::BadValue => "binding value contains a newline, or too many items",
        })
    }
}

impl core::error::Error for BindError {}

/// Issuer side: the `bind` claim for the viewer's attribute values, e.g.
/// `digest_claim(key, &[("ip", "2001:DB8:0:0::1"), ("country", "SE")])`. IP values are
/// canonicalised here, so any spelling of the viewer's address works.
pub fn digest_claim(key: &[u8], items: &[(&str, &str)]) -> Result<serde_json::Value, BindError> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(BindError::BadValue);
    }
    let mut values: Vec<(&str, String)> = Vec::with_capacity(items.len());
    for (i, (name, value)) in items.iter().enumerate() {
        let item = Item::parse(name).ok_or(BindError::BadItem)?;
        if items.iter().take(i).any(|(n, _)| n == name) {
            return Err(BindError::BadItem);
        }
        let v = if item.is_ip() {
            ip_value(item, value).ok_or(BindError::BadIp)?
        } else {
            String::from(*value)
        };
        values.push((name, v));
    }
    let msg = message(values.iter().map(|(n, v)| (*n, v.as_str()))).ok_or(BindError::BadValue)?;
    let Ok(mut m) = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(key) else {
        return Err(BindError::BadValue);
    };
    m.update(msg.as_bytes());
    let tag = m.finalize().into_bytes();
    let v: Vec<serde_json::Value> = items
        .iter()
        .map(|(n, _)| serde_json::Value::String(String::from(*n)))
        .collect();
    Ok(serde_json::json!({"v": v, "mac": b64u_encode(&tag)}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_grammar() {
        assert_eq!(Item::parse("ip"), Some(Item::Ip));
        assert_eq!(Item::parse("ip/24"), Some(Item::IpPrefix(24)));
        assert_eq!(Item::parse("ip/024"), None);
        assert_eq!(Item::parse("ip/129"), None);
        assert_eq!(Item::parse("header:X-Id"), None);
        assert_eq!(Item::parse("header:x-id"), Some(Item::Header("x-id")));
        assert_eq!(Item::parse("query:sid"), Some(Item::Query("sid")));
        assert_eq!(Item::parse("query:a=b"), None);
        assert_eq!(Item::parse("cookie:x"), None);
    }

    #[test]
    fn ipv6_spellings_hash_the_same() {
        let key = [7u8; 32];
        let a = digest_claim(&key, &[("ip", "2001:db8::1")]).unwrap();
        let b = digest_claim(&key, &[("ip", "2001:0DB8:0000:0000:0000:0000:0000:0001")]).unwrap();
        assert_eq!(a, b);
        let c = digest_claim(&key, &[("ip/24", "203.0.113.77")]).unwrap();
        let d = digest_claim(&key, &[("ip/24", "::ffff:203.0.113.1")]).unwrap();
        assert_eq!(c["mac"], d["mac"]);
        assert_eq!(
            ip_value(Item::IpPrefix(24), "203.0.113.77").as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(ip_value(Item::IpPrefix(33), "203.0.113.77"), None);
    }

    /// Known answer computed outside Rust (Python `hmac`), pinning the MAC input format for ports:
    /// key = bytes 0..32, items `ip` (written uncompressed), `country`, `header:x-device-id`.
    #[test]
    fn known_answer() {
        let key: Vec<u8> = (0u8..32).collect();
        let c = digest_claim(
            &key,
            &[
                ("ip", "2001:0db8:0000:0000:0000:0000:0000:0001"),
                ("country", "SE"),
                ("header:x-device-id", "dev-1"),
            ],
        )
        .unwrap();
        assert_eq!(c["mac"], "SJmD9SV0aCMSBSI_ecvRA-y5rk1OFUpFhfTs6-aTuWc");
        assert_eq!(
            c["v"],
            serde_json::json!(["ip", "country", "header:x-device-id"])
        );
    }

    #[test]
    fn message_is_unambiguous() {
        assert_eq!(
            message([("ip", "192.0.2.1"), ("ua", "x")]).as_deref(),
            Some("playgate-bind-v1\nip=192.0.2.1\nua=x")
        );
        assert_eq!(message([("ua", "a\nb")]), None);
    }
}
