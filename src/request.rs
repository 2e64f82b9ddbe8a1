//! A borrowed view of a viewer request, as every edge runtime can provide it.

use alloc::string::String;
use alloc::vec::Vec;

/// A viewer request as the edge sees it. Everything is borrowed; nothing is decoded up front.
///
/// `uri` is the raw path (percent-encoded as received), `querystring` the raw query without `?`.
/// Header names must be lowercase.
#[derive(Clone, Copy, Debug, Default)]
pub struct Request<'a> {
    /// HTTP method (`GET`, `HEAD`, ...).
    pub method: &'a str,
    /// Raw path, starting with `/`.
    pub uri: &'a str,
    /// Raw query string without the leading `?`.
    pub querystring: &'a str,
    /// Headers as `(lowercase name, value)`; a repeated header appears repeatedly.
    pub headers: &'a [(&'a str, &'a str)],
    /// Cookies as `(name, value)`.
    pub cookies: &'a [(&'a str, &'a str)],
    /// The viewer's IP address in textual form.
    pub client_ip: &'a str,
}

/// Result of looking up a name that must appear at most once.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup<T> {
    Absent,
    One(T),
    /// Present more than once: ambiguous, so it is never trusted.
    Many,
}

impl<'a> Request<'a> {
    /// The value of a header (name lowercase); `Many` when repeated.
    pub(crate) fn header(&self, name: &str) -> Lookup<&'a str> {
        one_of(
            self.headers
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| *v),
        )
    }

    /// The value of a cookie; `Many` when repeated.
    pub(crate) fn cookie(&self, name: &str) -> Lookup<&'a str> {
        one_of(
            self.cookies
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| *v),
        )
    }

    /// The raw (still percent-encoded) value of a query parameter; `Many` when repeated.
    pub(crate) fn query_param(&self, name: &str) -> Lookup<&'a str> {
        one_of(
            query_pairs(self.querystring)
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v),
        )
    }
}

fn one_of<T>(mut it: impl Iterator<Item = T>) -> Lookup<T> {
    match (it.next(), it.next()) {
        (None, _) => Lookup::Absent,
        (Some(v), None) => Lookup::One(v),
        (Some(_), Some(_)) => Lookup::Many,
    }
}

/// Splits a raw query string into `(name, value)` pairs without decoding. Empty pieces are skipped.
pub(crate) fn query_pairs(q: &str) -> impl Iterator<Item = (&str, &str)> {
    split_byte(q, b'&')
        .filter(|p| !p.is_empty())
        .map(|p| split_once_byte(p, b'=').unwrap_or((p, "")))
}

/// `s.split(b)` for an ASCII `b`, searching with `memchr` (SIMD where the target has it): query
/// strings carrying a token are a few hundred bytes, scanned on every request.
fn split_byte(s: &str, b: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let r = rest?;
        match split_once_byte(r, b) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => rest.take(),
        }
    })
}

/// `s.split_once(b)` for an ASCII `b`, with `memchr`.
fn split_once_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = memchr::memchr(b, s.as_bytes())?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The query string with every parameter named `name` removed, other pieces kept byte for byte.
pub(crate) fn query_without(q: &str, name: &str) -> String {
    // The common HLS case: the token is the only parameter.
    if q.strip_prefix(name)
        .is_some_and(|rest| rest.starts_with('=') && !rest.contains('&'))
    {
        return String::new();
    }
    let mut out = String::with_capacity(q.len());
    for piece in q.split('&').filter(|p| !p.is_empty()) {
        let n = piece.split_once('=').map_or(piece, |(n, _)| n);
        if n == name {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(piece);
    }
    out
}

/// Percent-decodes `s` (`+` is kept as is: tokens never contain spaces). `None` on a bad escape or
/// a result that is not UTF-8.
/// [`percent_decode`] that borrows when there is nothing to decode (the common case for tokens).
pub(crate) fn percent_decode_cow(s: &str) -> Option<alloc::borrow::Cow<'_, str>> {
    if memchr::memchr(b'%', s.as_bytes()).is_some() {
        percent_decode(s).map(alloc::borrow::Cow::Owned)
    } else {
        Some(alloc::borrow::Cow::Borrowed(s))
    }
}

pub(crate) fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.into());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = hex_val(*bytes.get(i + 1)?)?;
            let lo = hex_val(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub(crate) fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses a `Cookie` header value into `(name, value)` pairs (RFC 6265 `; ` separated).
pub fn parse_cookie_header(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| (n.trim(), v.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_removal_keeps_other_params_verbatim() {
        assert_eq!(query_without("a=1&token=x&b=%20", "token"), "a=1&b=%20");
        assert_eq!(query_without("token=x", "token"), "");
        assert_eq!(query_without("tokenx=1&token", "token"), "tokenx=1");
        assert_eq!(query_without("&&a=1&&", "token"), "a=1");
    }

    #[test]
    fn byte_split_matches_str_split() {
        for q in [
            "",
            "&",
            "a",
            "a&b",
            "&a&&b&",
            "token=x.y.z",
            "a=1&a=2&",
            "é&ü=1",
        ] {
            let ours: Vec<&str> = split_byte(q, b'&').collect();
            let std: Vec<&str> = q.split('&').collect();
            assert_eq!(ours, std, "{q:?}");
            assert_eq!(split_once_byte(q, b'='), q.split_once('='), "{q:?}");
        }
    }

    #[test]
    fn repeated_params_are_ambiguous() {
        let r = Request {
            querystring: "token=a&token=b",
            ..Default::default()
        };
        assert_eq!(r.query_param("token"), Lookup::Many);
        let r = Request {
            querystring: "x=1&token=a",
            ..Default::default()
        };
        assert_eq!(r.query_param("token"), Lookup::One("a"));
        assert_eq!(r.query_param("y"), Lookup::Absent);
    }

    #[test]
    fn percent_decoding_is_strict() {
        assert_eq!(percent_decode("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("a%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn cookie_header_parsing() {
        let v: Vec<_> = parse_cookie_header("a=1; b=two;c=3;bad").collect();
        assert_eq!(v, [("a", "1"), ("b", "two"), ("c", "3")]);
    }
}
