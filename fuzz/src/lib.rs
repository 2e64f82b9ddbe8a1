//! Fuzz target bodies, shared by the libFuzzer binaries in `fuzz_targets/` and by anything else
//! that wants to replay inputs (a regression test, a corpus replay).
//!
//! Every target takes raw bytes. Besides "never panics", each checks an oracle a user would
//! notice: an unsigned token is never allowed, an allowed request really carried an unexpired
//! token signed by a configured key and is forwarded without it, a loaded filter re-serialises
//! to the same bytes, a normalised path is a fixed point of normalisation, and secrets never
//! appear in configuration errors or `Debug` output.

use arbitrary::{Arbitrary, Unstructured};
use playgate::config::Alg;
use playgate::event::OwnedRequest;
use playgate::mint::SigningKey;
use playgate::revocation::{Kind, RevocationFilter};
use playgate::{Decision, Gate, Request};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// The clock every target uses.
pub const NOW: u64 = 1_800_000_000;
const CHANNEL: &str = "arn:aws:ivs:us-west-2:123456789012:channel/abcd";
const AKAMAI_HEX: &str = "0123456789abcdef0123456789abcdef";

struct Fixture {
    hs: SigningKey,
    es: SigningKey,
    /// Every token source, exempt `/ads/**`, renditions, Akamai EdgeAuth as well as JWS.
    open: Gate,
    /// Channel from the path, viewer binding keys, revocation (no filter: `on_unavailable`).
    strict: Gate,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // Keys of our own: the seed corpus holds fixture tokens, which must stay untrusted here.
        let hs = SigningKey::hs_from_bytes("hs1", Alg::HS256, &[0xa7; 32]).expect("hs key");
        let es = SigningKey::es384_from_scalar("es1", &[0x6d; 48]).expect("es key");
        let keys = json!([hs.verifying_entry(), es.verifying_entry()]);
        let sources = json!([{"query": "token"}, {"cookie": "pg_token"}, {"bearer": true},
                             {"header": "x-pg-token"}, {"path_segment": true}]);
        let open = json!({
            "keys": keys, "token": {"sources": sources},
            "paths": {"exempt": ["/ads/**"]},
            "resolution": {"renditions": [{"pattern": "/**/1080p/**", "lines": 1080},
                                          {"pattern": "/**/720p/**", "lines": 720}]},
            "akamai": {"keys": [{"kid": "ak", "secret_hex": AKAMAI_HEX}]},
        });
        let strict = json!({
            "keys": keys, "token": {"sources": sources},
            "claims": {"channel": {"path": "/channels/{id}/",
                                   "arn": "arn:aws:ivs:us-west-2:123456789012:channel/{id}"}},
            "binding": {"keys": ["YmluZGluZy1rZXktZm9yLWZ1enotdGFyZ2V0cy1vbmx5LTAx"]},
            "revocation": {},
        });
        Fixture {
            open: Gate::from_json(&open.to_string()).expect("open gate config"),
            strict: Gate::from_json(&strict.to_string()).expect("strict gate config"),
            hs,
            es,
        }
    })
}

/// The open gate's exemption `/ads/**` (`**` is zero or more segments, so `/ads` itself too).
fn exempt(uri: &str) -> bool {
    uri == "/ads" || uri.starts_with("/ads/")
}

/// An arbitrary token, unsigned by anyone the gate trusts, in every place a token can be: it must
/// never be allowed.
pub fn token(data: &[u8]) {
    let f = fixture();
    let Ok(tok) = std::str::from_utf8(data) else {
        return;
    };
    let query = format!("token={tok}");
    let bearer = format!("Bearer {tok}");
    let path = format!("/{tok}/live/index.m3u8");
    let headers_bearer = [("authorization", bearer.as_str())];
    let headers_custom = [("x-pg-token", tok)];
    let cookies = [("pg_token", tok)];
    let base = Request {
        method: "GET",
        uri: "/live/index.m3u8",
        client_ip: "203.0.113.7",
        ..Request::default()
    };
    let requests = [
        Request {
            querystring: &query,
            ..base
        },
        Request {
            querystring: tok,
            ..base
        },
        Request {
            headers: &headers_bearer,
            ..base
        },
        Request {
            headers: &headers_custom,
            ..base
        },
        Request {
            cookies: &cookies,
            ..base
        },
        Request { uri: &path, ..base },
    ];
    for gate in [&f.open, &f.strict] {
        for r in &requests {
            // Exempt paths need no token (`/ads/**` on the open gate; the token may be `ads`).
            if let Decision::Allow(a) = gate.check(r, NOW) {
                assert!(exempt(&a.forward.uri), "unsigned token allowed: {r:?}");
            }
        }
    }
}

/// A small JSON value with bounded depth.
fn value(u: &mut Unstructured<'_>, depth: u8) -> arbitrary::Result<Value> {
    let pick = if depth == 0 {
        u.int_in_range(0..=5)?
    } else {
        u.int_in_range(0..=7)?
    };
    Ok(match pick {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => json!(u.arbitrary::<i64>()?),
        3 => serde_json::Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        4 => json!(u.arbitrary::<u64>()?),
        5 => Value::String(u.arbitrary()?),
        6 => {
            let n = u.int_in_range(0..=4)?;
            let mut a = Vec::new();
            for _ in 0..n {
                a.push(value(u, depth - 1)?);
            }
            Value::Array(a)
        }
        _ => {
            let n = u.int_in_range(0..=4)?;
            let mut m = Map::new();
            for _ in 0..n {
                m.insert(u.arbitrary()?, value(u, depth - 1)?);
            }
            Value::Object(m)
        }
    })
}

/// A claim value that is usually plausible (so later stages are reached) and sometimes anything.
fn claim(u: &mut Unstructured<'_>, plausible: Value) -> arbitrary::Result<Option<Value>> {
    Ok(match u.int_in_range(0..=3)? {
        0 => None,
        1 => Some(value(u, 2)?),
        _ => Some(plausible),
    })
}

#[derive(Arbitrary, Debug)]
enum Place {
    Query,
    Cookie,
    Bearer,
    Header,
    Path,
    PathSession,
    Nowhere,
}

/// An arbitrary request (method, path, query, headers, cookies, IP) carrying a token whose header
/// and claims are arbitrary but correctly signed by a configured key, so every stage after the
/// signature is reached. An allowed request must have carried an unexpired token and be forwarded
/// without it.
pub fn request(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let _ = request_inner(&mut u);
}

fn request_inner(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let f = fixture();
    let segments = [
        "/live/index.m3u8",
        "/channels/abcd/720p/seg1.ts",
        "/channels/abcd/index.m3u8",
        "/ads/x.ts",
        "/vod/1080p/a.ts",
    ];
    let uri: String = if u.arbitrary()? {
        (*u.choose(&segments)?).to_owned()
    } else {
        u.arbitrary()?
    };
    let mut querystring: String = u.arbitrary()?;
    let mut headers: Vec<(String, String)> = u.arbitrary()?;
    let mut cookies: Vec<(String, String)> = u.arbitrary()?;
    let client_ip: String = if u.arbitrary()? {
        "203.0.113.7".into()
    } else {
        u.arbitrary()?
    };
    let method: String = u.arbitrary()?;

    // Header: alg/kid usually right.
    // ES384 signing is slow: keep it rare, and off for short inputs (`ratio` is true on exhausted data).
    let use_es = !u.ratio(15, 16)?;
    let key = if use_es { &f.es } else { &f.hs };
    let mut header = Map::new();
    if let Some(v) = claim(u, json!(if use_es { "ES384" } else { "HS256" }))? {
        header.insert("alg".into(), v);
    }
    if let Some(v) = claim(u, json!(key.kid()))? {
        header.insert("kid".into(), v);
    }
    if !u.ratio(7, 8)? {
        header.insert(u.arbitrary()?, value(u, 1)?);
    }
    let mut claims = Map::new();
    let delta: i32 = u.arbitrary()?;
    let exp = if u.arbitrary()? {
        json!(NOW as i64 + i64::from(delta))
    } else {
        json!(NOW + 300)
    };
    for (name, plausible) in [
        ("exp", exp),
        ("nbf", json!(NOW - 10)),
        ("iat", json!(NOW - 10)),
        ("aws:channel-arn", json!(CHANNEL)),
        (
            "aws:access-control-allow-origin",
            json!("https://*.example.com"),
        ),
        ("aws:strict-origin-enforcement", json!(true)),
        ("aws:viewer-id", json!("viewer-1")),
        ("aws:single-use-uuid", json!("u-1")),
        ("aws:viewer-session-version", json!(1)),
        ("aws:maximum-resolution", json!("HD")),
        ("paths", json!(["/channels/**", "/vod/*/a.ts"])),
        ("ip", json!("203.0.113.0/24")),
        ("sid", json!("s-1")),
        ("jti", json!("j-1")),
    ] {
        if let Some(v) = claim(u, plausible)? {
            claims.insert(name.into(), v);
        }
    }
    let header_bytes = if !u.ratio(15, 16)? {
        u.arbitrary::<Vec<u8>>()?
    } else {
        serde_json::to_vec(&header).unwrap_or_default()
    };
    let payload_bytes = if !u.ratio(15, 16)? {
        u.arbitrary::<Vec<u8>>()?
    } else {
        serde_json::to_vec(&claims).unwrap_or_default()
    };
    let token = key.sign_parts(&header_bytes, &payload_bytes);

    let place: Place = u.arbitrary()?;
    let uri = match place {
        Place::Query => {
            querystring = if u.arbitrary()? {
                format!("token={token}&{querystring}")
            } else {
                format!("{querystring}&token={token}")
            };
            uri
        }
        Place::Cookie => {
            cookies.push(("pg_token".into(), token.clone()));
            uri
        }
        Place::Bearer => {
            headers.push(("authorization".into(), format!("Bearer {token}")));
            uri
        }
        Place::Header => {
            headers.push(("x-pg-token".into(), token.clone()));
            uri
        }
        Place::Path => format!("/{token}{uri}"),
        Place::PathSession => format!("/sess1.{token}{uri}"),
        Place::Nowhere => uri,
    };
    let strict = u.arbitrary::<bool>()?;
    let gate = if strict { &f.strict } else { &f.open };
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let c: Vec<(&str, &str)> = cookies
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = Request {
        method: &method,
        uri: &uri,
        querystring: &querystring,
        headers: &h,
        cookies: &c,
        client_ip: &client_ip,
    };
    let decision = gate.check(&req, NOW);
    if let Decision::Allow(a) = &decision {
        assert!(a.forward.uri.starts_with('/'), "forwarded a relative path");
        if strict || !exempt(&a.forward.uri) {
            let exp = a.claims.exp.expect("allowed without exp");
            assert!(exp > NOW as f64, "allowed an expired token: exp {exp}");
            assert!(
                a.claims.kid.as_deref() == Some(key.kid()),
                "allowed with an unexpected key"
            );
            assert!(
                !a.forward.querystring.contains(&token) && !a.forward.uri.contains(&token),
                "token forwarded: {:?}",
                a.forward
            );
        }
    }
    Ok(())
}

/// Arbitrary configuration text: loading never panics, and no secret shows in an error message
/// or in the prepared gate's `Debug` output.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let shown = shown_for(text);
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let mut secret = Vec::new();
    let mut other = Vec::new();
    collect_strings(&doc, false, &mut secret, &mut other);
    for s in secret {
        if s.len() >= 12 && !other.iter().any(|o| o.contains(s.as_str())) && shown.contains(&s) {
            // The text may hold the secret's characters by coincidence (a fuzzer can write a
            // "secret" equal to the error message). It leaks only if it follows the secret: with
            // every occurrence of the value replaced, the text must still contain it.
            let masked = text.replace(&s, &"Q".repeat(s.len()));
            assert!(
                shown_for(&masked).contains(&s),
                "a secret is shown: {shown}"
            );
        }
    }
}

/// Everything a config can make visible: the gate's `Debug`, or the error's text and `Debug`.
fn shown_for(text: &str) -> String {
    match Gate::from_json(text) {
        Ok(gate) => {
            let r = Request {
                method: "GET",
                uri: "/live/index.m3u8",
                querystring: "token=a.b.c",
                ..Request::default()
            };
            let _ = gate.check(&r, NOW);
            format!("{gate:?}")
        }
        Err(e) => format!("{e} {e:?}"),
    }
}

fn collect_strings(v: &Value, in_secret: bool, secret: &mut Vec<String>, other: &mut Vec<String>) {
    match v {
        Value::String(s) if in_secret => secret.push(s.clone()),
        Value::String(s) => other.push(s.clone()),
        Value::Array(a) => a
            .iter()
            .for_each(|x| collect_strings(x, in_secret, secret, other)),
        Value::Object(m) => {
            for (k, x) in m {
                other.push(k.clone());
                let s = in_secret || matches!(k.as_str(), "secret" | "secret_hex" | "d" | "salt")
                    // binding keys are secrets; key entries under `keys` are objects and
                    // only their `secret` member is.
                    || (k == "keys" && x.as_array().is_some_and(|a| a.iter().all(Value::is_string)));
                collect_strings(x, s, secret, other);
            }
        }
        _ => {}
    }
}

/// Arbitrary request documents (plain, CloudFront Functions, Lambda@Edge): reading never panics,
/// and a request read from one is decided without panicking; only exempt paths may pass (no token
/// the fuzzer can write is signed by the gate's keys).
pub fn event(data: &[u8]) {
    let f = fixture();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((_, req)) = OwnedRequest::from_json(text) else {
        return;
    };
    req.with_view(|r| {
        for gate in [&f.open, &f.strict] {
            if let Decision::Allow(a) = gate.check(r, NOW) {
                assert!(exempt(&a.forward.uri), "allowed: {r:?}");
            }
        }
    });
}

/// Arbitrary filter files, both as given and with a correct SHA-256 trailer appended (so the
/// fuzzer gets past the checksum): loading never panics, and a loaded filter re-serialises to the
/// same bytes and answers lookups.
pub fn revocation_filter(data: &[u8]) {
    use sha2::{Digest, Sha256};
    let _ = RevocationFilter::from_bytes(data);
    let mut sealed = data.to_vec();
    sealed.extend_from_slice(&Sha256::digest(data));
    if let Ok(filter) = RevocationFilter::from_bytes(&sealed) {
        // Header bytes 60..64 are "reserved, 0" (docs/revocation.md) but the reader ignores
        // them, so only the rest (and not the checksum over it) must round-trip.
        let again = filter.to_bytes();
        let n = sealed.len() - 32;
        assert_eq!(again.len(), sealed.len(), "filter does not round-trip");
        assert_eq!(
            again.get(..60),
            sealed.get(..60),
            "header does not round-trip"
        );
        assert_eq!(
            again.get(64..n),
            sealed.get(64..n),
            "body does not round-trip"
        );
        let _ = filter.contains(Kind::Session, "s-1");
        let _ = filter.contains(Kind::TokenId, "");
        let _ = filter.viewer_revoked(CHANNEL, "viewer-1", 3);
        let _ = filter.measured_fill_fp();
        let _ = filter.expected_fp();
        let _ = filter.kvs_header_json("pg");
        let last = filter.params().blocks().saturating_sub(1);
        for i in [0, 1, last, u32::MAX] {
            let _ = filter.block(i);
            if let Some(v) = filter.kvs_block(i) {
                let checked = playgate::revocation::verify_kvs_block(
                    &v,
                    &filter.lineage(),
                    i,
                    &filter.params(),
                );
                assert!(checked.is_ok(), "own KVS block does not verify");
            }
        }
    }
}

/// Arbitrary paths and patterns: normalisation never panics and its output is a fixed point;
/// glob and Akamai ACL matching never panic.
pub fn path(data: &[u8]) {
    use playgate::path::{akamai_acl_matches, canonical_escapes, normalize, Glob};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, raw) = text.split_once('\n').unwrap_or((text, text));
    if let Ok(n) = normalize(raw) {
        assert!(n.starts_with('/'));
        assert_eq!(
            normalize(&n),
            Ok(n.clone()),
            "normal form is not a fixed point"
        );
        if let Ok(g) = Glob::new(pattern) {
            let _ = g.matches(&n);
        }
        let _ = akamai_acl_matches(pattern, &n);
    }
    let _ = canonical_escapes(raw);
    let _ = akamai_acl_matches(pattern, raw);
}
