//! The hostile requests shared by the fault-injection suites of the tower layer
//! (`tower/tests/faults.rs`) and `playgate serve` (`cli/tests/faults.rs`): raw bytes written to a
//! real TCP socket, so nothing is tidied up by a well-behaved client first, and the verdict read
//! back from the wire.
//!
//! Every fault is a request that must not be served: each carries a token that is valid for the
//! protected file unless the fault itself is what makes it unusable, so a lenient parser shows up as
//! a 2xx with the protected bytes. A fault is answered either by a gate denial (4xx with
//! `x-playgate-reason`; the configs run with `deny.debug`), by an HTTP-level rejection (hyper's
//! 400/414/431/505, no reason header), or by the connection being closed without an answer.
#![allow(dead_code)]

use playgate::config::Alg;
use playgate::mint::SigningKey;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// In the protected file only: a response containing it was served.
pub const MARKER: &str = "PROTECTED-CONTENT-7f3a";
/// The protected file, relative to the served directory.
pub const PROTECTED: &str = "/live/index.m3u8";
/// How long one fault may take to be answered before it counts as a hang.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(20);

const SECRET: [u8; 32] = [7u8; 32];

pub fn key() -> SigningKey {
    SigningKey::hs_from_bytes("k1", Alg::HS256, &SECRET).unwrap()
}

/// The gate configuration under test: every header-ish token source, debug reasons on.
pub fn config() -> Value {
    json!({
        "keys": [key().verifying_entry()],
        "token": { "sources": [
            { "query": "token" }, { "cookie": "pg" }, { "bearer": true }, { "header": "x-pg-token" }
        ] },
        "claims": { "max_lifetime": 7200 },
        "deny": { "debug": true }
    })
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Tokens minted for the wall clock (the native server reads it; the layer test uses it too).
pub struct Tokens {
    /// Valid for every path.
    pub valid: String,
    /// Expired: a request that reaches the gate with it must be denied as `expired`.
    pub expired: String,
    /// Valid, scoped to `/live/` (a path policy applies, so path garbage is normalised or refused).
    pub scoped: String,
}

impl Tokens {
    pub fn new() -> Tokens {
        let now = now();
        let k = key();
        Tokens {
            valid: k.mint(&json!({ "exp": now + 3600 }), true).unwrap(),
            expired: k.mint(&json!({ "exp": now - 60 }), true).unwrap(),
            scoped: k
                .mint(&json!({ "exp": now + 3600, "paths": ["/live/"] }), true)
                .unwrap(),
        }
    }
}

/// What a fault must get.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// Any denial or rejection.
    Refused,
    /// A gate denial with this reason (proves the gate saw the request and why it refused).
    Reason(&'static str),
}

pub struct Fault {
    pub group: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
    pub expect: Expect,
}

/// A well-formed request head around `target` with extra header lines (each without CRLF).
pub fn request(target: &[u8], headers: &[&[u8]]) -> Vec<u8> {
    let mut r = b"GET ".to_vec();
    r.extend_from_slice(target);
    r.extend_from_slice(b" HTTP/1.1\r\nHost: faults.test\r\n");
    for h in headers {
        r.extend_from_slice(h);
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"Connection: close\r\n\r\n");
    r
}

fn q(query: &str) -> Vec<u8> {
    format!("{PROTECTED}?{query}").into_bytes()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// The catalogue. `t` are the tokens the server under test accepts.
pub fn catalogue(t: &Tokens) -> Vec<Fault> {
    let (v, x, s) = (t.valid.as_str(), t.expired.as_str(), t.scoped.as_str());
    let mut f = Vec::new();
    let mut add = |group: &'static str, name: &str, bytes: Vec<u8>, expect: Expect| {
        f.push(Fault {
            group,
            name: name.to_string(),
            bytes,
            expect,
        })
    };
    use Expect::{Reason, Refused};

    // Oversized URLs: the core refuses a path or query above 8 KiB (`bad_request`); hyper refuses a
    // head above its buffer. Each carries a valid token.
    let target = format!("/live/{}/index.m3u8?token={v}", "a".repeat(9 << 10));
    add(
        "oversized_url",
        "path 9 KiB",
        request(target.as_bytes(), &[]),
        Reason("bad_request"),
    );
    for (name, n) in [("path 64 KiB", 64 << 10), ("path 1 MiB", 1 << 20)] {
        let target = format!("/live/{}/index.m3u8?token={v}", "a".repeat(n));
        add(
            "oversized_url",
            name,
            request(target.as_bytes(), &[]),
            Refused,
        );
    }
    let pad = "p".repeat(9 << 10);
    add(
        "oversized_url",
        "query 9 KiB",
        request(&q(&format!("pad={pad}&token={v}")), &[]),
        Reason("bad_request"),
    );
    let pad = "p".repeat(300 << 10);
    add(
        "oversized_url",
        "query 300 KiB",
        request(&q(&format!("token={v}&pad={pad}")), &[]),
        Refused,
    );

    // Thousands of query parameters, and repeated token parameters (ambiguous: never trusted).
    add(
        "query_params",
        "5,000 a=1& then a valid token",
        request(&q(&format!("{}token={v}", "a=1&".repeat(5000))), &[]),
        Reason("bad_request"),
    );
    add(
        "query_params",
        "5,000 repeated valid token parameters",
        request(&q(&format!("token={v}&").repeat(5000)), &[]),
        Refused,
    );
    add(
        "query_params",
        "2,000 a=1& then an expired token",
        request(&q(&format!("{}token={x}", "a=1&".repeat(2000))), &[]),
        Reason("expired"),
    );
    add(
        "query_params",
        "3,000 empty pieces (&) then an expired token",
        request(&q(&format!("{}token={x}", "&".repeat(3000))), &[]),
        Reason("expired"),
    );
    add(
        "query_params",
        "valid token twice",
        request(&q(&format!("token={v}&token={v}")), &[]),
        Reason("malformed_token"),
    );
    add(
        "query_params",
        "valid token then an empty one",
        request(&q(&format!("token={v}&token=")), &[]),
        Reason("malformed_token"),
    );
    add(
        "query_params",
        "empty token then a valid one",
        request(&q(&format!("token=&token={v}")), &[]),
        Reason("malformed_token"),
    );
    add(
        "query_params",
        "valid token and a bare `token` name",
        request(&q(&format!("token={v}&token")), &[]),
        Reason("malformed_token"),
    );
    add(
        "query_params",
        "900 percent-garbage parameters then an expired token",
        request(
            &q(&format!("{}token={x}", "a=%zz&b=%ff%fe&c=%&".repeat(300))),
            &[],
        ),
        Reason("expired"),
    );

    // Oversized headers, single and many.
    let big = |n: usize| format!("X-Pad: {}", "h".repeat(n)).into_bytes();
    add(
        "oversized_headers",
        "one 64 KiB header, expired token",
        request(&q(&format!("token={x}")), &[&big(64 << 10)]),
        Reason("expired"),
    );
    add(
        "oversized_headers",
        "one 1 MiB header, valid token",
        request(&q(&format!("token={v}")), &[&big(1 << 20)]),
        Refused,
    );
    let many: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("X-Pad-{i}: {}", "h".repeat(64)).into_bytes())
        .collect();
    let many_refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    add(
        "oversized_headers",
        "200 headers, valid token",
        request(&q(&format!("token={v}")), &many_refs),
        Refused,
    );
    let many: Vec<Vec<u8>> = (0..90)
        .map(|i| format!("X-Pad-{i}: {}", "h".repeat(1024)).into_bytes())
        .collect();
    let many_refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    add(
        "oversized_headers",
        "90 headers of 1 KiB, expired token",
        request(&q(&format!("token={x}")), &many_refs),
        Reason("expired"),
    );
    let bearer = format!("Authorization: Bearer {}", "A".repeat(1 << 20));
    add(
        "oversized_headers",
        "1 MiB bearer token",
        request(PROTECTED.as_bytes(), &[bearer.as_bytes()]),
        Refused,
    );
    let bearer = format!("Authorization: Bearer {v}{}", "A".repeat(20 << 10));
    add(
        "oversized_headers",
        "valid bearer token padded to 20 KiB",
        request(PROTECTED.as_bytes(), &[bearer.as_bytes()]),
        Reason("malformed_token"),
    );
    let both = [
        format!("Authorization: Bearer {v}"),
        format!("Authorization: Bearer {v}"),
    ];
    add(
        "oversized_headers",
        "Authorization header twice",
        request(
            PROTECTED.as_bytes(),
            &[both[0].as_bytes(), both[1].as_bytes()],
        ),
        Reason("malformed_token"),
    );
    let both = [format!("X-Pg-Token: {v}"), format!("X-Pg-Token: {v}")];
    add(
        "oversized_headers",
        "token header twice",
        request(
            PROTECTED.as_bytes(),
            &[both[0].as_bytes(), both[1].as_bytes()],
        ),
        Reason("malformed_token"),
    );

    // Cookies: huge, many, repeated, quoted, empty.
    let c = format!("Cookie: {}pg={x}", "c=1; ".repeat(12_000));
    add(
        "cookies",
        "60 KiB cookie header with an expired token",
        request(PROTECTED.as_bytes(), &[c.as_bytes()]),
        Reason("expired"),
    );
    let c = format!("Cookie: pg={v}; big={}", "c".repeat(1 << 20));
    add(
        "cookies",
        "1 MiB cookie header, valid token",
        request(PROTECTED.as_bytes(), &[c.as_bytes()]),
        Refused,
    );
    let cs: Vec<String> = (0..80)
        .map(|i| format!("Cookie: c{i}={}", "c".repeat(512)))
        .chain([format!("Cookie: pg={x}")])
        .collect();
    let cs_refs: Vec<&[u8]> = cs.iter().map(|c| c.as_bytes()).collect();
    add(
        "cookies",
        "81 cookie headers, expired token in the last",
        request(PROTECTED.as_bytes(), &cs_refs),
        Reason("expired"),
    );
    let c = format!("Cookie: pg={v}; pg={v}");
    add(
        "cookies",
        "valid cookie twice in one header",
        request(PROTECTED.as_bytes(), &[c.as_bytes()]),
        Reason("malformed_token"),
    );
    let c = format!("Cookie: pg={v}");
    add(
        "cookies",
        "valid cookie in two Cookie headers",
        request(PROTECTED.as_bytes(), &[c.as_bytes(), c.as_bytes()]),
        Reason("malformed_token"),
    );
    let c2 = cat(&[b"Cookie: pg=", v.as_bytes(), b"\xff"]);
    add(
        "cookies",
        "valid cookie, and a second one with a non-UTF-8 byte",
        request(PROTECTED.as_bytes(), &[c.as_bytes(), &c2]),
        Reason("malformed_token"),
    );
    let c2 = cat(&[b"Cookie: pg=\xc3\xa9t\xc3\xa9"]);
    add(
        "cookies",
        "valid cookie, and a second one in UTF-8 (not ASCII)",
        request(PROTECTED.as_bytes(), &[c.as_bytes(), &c2]),
        Reason("malformed_token"),
    );
    let c = format!("Cookie: pg=\"{v}\"");
    add(
        "cookies",
        "quoted cookie value",
        request(PROTECTED.as_bytes(), &[c.as_bytes()]),
        Reason("malformed_token"),
    );
    add(
        "cookies",
        "empty cookie value",
        request(PROTECTED.as_bytes(), &[b"Cookie: pg="]),
        Reason("malformed_token"),
    );

    // Non-UTF-8 bytes, raw on the wire.
    add(
        "non_utf8",
        "0xFF in the path",
        request(
            &cat(&[b"/live/\xff\xfe/index.m3u8?token=", v.as_bytes()]),
            &[],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "lone surrogate (CESU) in the path",
        request(
            &cat(&[b"/live/\xed\xa0\x80/index.m3u8?token=", v.as_bytes()]),
            &[],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "overlong '/' in the path",
        request(
            &cat(&[b"/live\xc0\xafindex.m3u8?token=", v.as_bytes()]),
            &[],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "0xFF in the query, valid token",
        request(
            &cat(&[PROTECTED.as_bytes(), b"?a=\xff&token=", v.as_bytes()]),
            &[],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "0xFF inside the token",
        request(
            &cat(&[PROTECTED.as_bytes(), b"?token=", v.as_bytes(), b"\xff"]),
            &[],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "bearer token with a trailing 0xFF",
        request(
            PROTECTED.as_bytes(),
            &[&cat(&[b"Authorization: Bearer ", v.as_bytes(), b"\xff"])],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "token header with a trailing 0x80",
        request(
            PROTECTED.as_bytes(),
            &[&cat(&[b"X-Pg-Token: ", v.as_bytes(), b"\x80"])],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "cookie with a trailing 0xFF",
        request(
            PROTECTED.as_bytes(),
            &[&cat(&[b"Cookie: pg=", v.as_bytes(), b"\xff"])],
        ),
        Refused,
    );
    add(
        "non_utf8",
        "cookie name with 0xFF",
        request(
            PROTECTED.as_bytes(),
            &[&cat(&[b"Cookie: p\xffg=", v.as_bytes()])],
        ),
        Reason("missing_token"),
    );
    add(
        "non_utf8",
        "header name with 0xFF",
        request(&q(&format!("token={v}")), &[b"X-\xffBad: 1"]),
        Refused,
    );
    add(
        "non_utf8",
        "0xFF in the method",
        request(&q(&format!("token={v}")), &[])
            .iter()
            .copied()
            .enumerate()
            .map(|(i, b)| if i == 1 { 0xff } else { b })
            .collect(),
        Refused,
    );

    // Percent-encoded garbage, with a token scoped to /live/ so the path policy applies.
    for (name, path) in [
        ("%00 in the path", "/live/%00/index.m3u8"),
        ("%2F (encoded separator)", "/live%2Findex.m3u8"),
        ("%5C (encoded backslash)", "/live/%5C..%5C/index.m3u8"),
        ("`%` without two hex digits", "/live/%zz/index.m3u8"),
        ("truncated escape at the end", "/live/index.m3u8%"),
        (
            "%2e%2e above the root",
            "/live/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        ),
        ("%7F (DEL)", "/live/%7F/index.m3u8"),
    ] {
        add(
            "percent_garbage",
            name,
            request(format!("{path}?token={s}").as_bytes(), &[]),
            Reason("bad_request"),
        );
    }
    add(
        "percent_garbage",
        "%2e%2e out of the scope",
        request(
            format!("/live/%2e%2e/secret/index.m3u8?token={s}").as_bytes(),
            &[],
        ),
        Reason("path_not_allowed"),
    );
    for (name, tok) in [
        ("token with a trailing `%`", format!("{v}%")),
        ("token with %00", format!("{v}%00")),
        ("token as %FF%FE", "%ff%fe".to_string()),
        (
            "token fully percent-encoded non-UTF-8",
            "%c0%af%ed%a0%80".to_string(),
        ),
    ] {
        add(
            "percent_garbage",
            name,
            request(&q(&format!("token={tok}")), &[]),
            Reason("malformed_token"),
        );
    }

    // NUL bytes, raw.
    add(
        "nul_bytes",
        "NUL in the path",
        request(&cat(&[b"/live/\x00/index.m3u8?token=", v.as_bytes()]), &[]),
        Refused,
    );
    add(
        "nul_bytes",
        "NUL in the query",
        request(
            &cat(&[PROTECTED.as_bytes(), b"?token=", v.as_bytes(), b"\x00"]),
            &[],
        ),
        Refused,
    );
    add(
        "nul_bytes",
        "NUL in a header value",
        request(&q(&format!("token={v}")), &[b"X-A: a\x00b"]),
        Refused,
    );
    add(
        "nul_bytes",
        "NUL in the bearer token",
        request(
            PROTECTED.as_bytes(),
            &[&cat(&[b"Authorization: Bearer ", v.as_bytes(), b"\x00"])],
        ),
        Refused,
    );
    add(
        "nul_bytes",
        "NUL in a header name",
        request(&q(&format!("token={v}")), &[b"X-\x00: 1"]),
        Refused,
    );
    add(
        "nul_bytes",
        "NUL in the cookie",
        request(
            PROTECTED.as_bytes(),
            &[&cat(&[b"Cookie: pg=", v.as_bytes(), b"\x00"])],
        ),
        Refused,
    );

    // Very long tokens (the default token.max_length is 4096).
    add(
        "long_tokens",
        "valid token + 5,000 characters",
        request(&q(&format!("token={v}{}", "A".repeat(5000))), &[]),
        Reason("malformed_token"),
    );
    add(
        "long_tokens",
        "8 KiB three-part token",
        request(
            &q(&format!(
                "token={}.{}.{}",
                "e".repeat(2700),
                "e".repeat(2700),
                "e".repeat(2700)
            )),
            &[],
        ),
        Reason("malformed_token"),
    );
    add(
        "long_tokens",
        "7,000 dots",
        request(&q(&format!("token={}", ".".repeat(7000))), &[]),
        Reason("malformed_token"),
    );
    add(
        "long_tokens",
        "4 KiB of base64url in each part, in a cookie",
        request(
            PROTECTED.as_bytes(),
            &[format!(
                "Cookie: pg={}.{}.{}",
                "A".repeat(4096),
                "A".repeat(4096),
                "A".repeat(4096)
            )
            .as_bytes()],
        ),
        Reason("malformed_token"),
    );

    // Malformed HTTP. The valid token rides along so a parser that accepted the request would serve.
    let tq = q(&format!("token={v}"));
    add(
        "malformed_http",
        "not HTTP at all",
        b"GARBAGE\r\n\r\n".to_vec(),
        Refused,
    );
    add(
        "malformed_http",
        "HTTP/9.9",
        cat(&[
            b"GET ",
            &tq,
            b" HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]),
        Refused,
    );
    add(
        "malformed_http",
        "HTTP/0.9 style request line",
        cat(&[b"GET ", &tq, b"\r\n\r\n"]),
        Refused,
    );
    add(
        "malformed_http",
        "target without a leading slash",
        request(format!("live/index.m3u8?token={v}").as_bytes(), &[]),
        Refused,
    );
    add(
        "malformed_http",
        "two spaces after the method",
        cat(&[
            b"GET  ",
            &tq,
            b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]),
        Refused,
    );
    add(
        "malformed_http",
        "header line without a colon",
        request(&tq, &[b"Broken header"]),
        Refused,
    );
    add(
        "malformed_http",
        "obsolete line folding",
        request(&tq, &[b"X-A: a", b" folded"]),
        Refused,
    );
    add(
        "malformed_http",
        "space before the colon",
        request(&tq, &[b"Host : x"]),
        Refused,
    );
    add(
        "malformed_http",
        "negative Content-Length",
        request(&tq, &[b"Content-Length: -1"]),
        Refused,
    );
    add(
        "malformed_http",
        "two different Content-Lengths",
        request(&tq, &[b"Content-Length: 1", b"Content-Length: 2"]),
        Refused,
    );
    // An extension method is legal HTTP; the gate decides (the inner service may refuse it too).
    add(
        "malformed_http",
        "64 KiB method, expired token",
        cat(&[
            &b"G".repeat(64 << 10),
            b" ",
            &q(&format!("token={x}")),
            b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ]),
        Refused,
    );
    add(
        "malformed_http",
        "asterisk-form target",
        b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        Refused,
    );
    add(
        "malformed_http",
        "authority-form target",
        b"CONNECT faults.test:443 HTTP/1.1\r\nHost: faults.test:443\r\nConnection: close\r\n\r\n"
            .to_vec(),
        Refused,
    );
    // Smuggling: a body hidden behind chunked + Content-Length is a second request without a token.
    let smuggled = format!("0\r\n\r\nGET {PROTECTED} HTTP/1.1\r\nHost: x\r\n\r\n");
    add("malformed_http", "chunked + Content-Length with a tokenless request smuggled inside",
        cat(&[b"POST ", &q(&format!("token={x}")), format!(" HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{smuggled}", smuggled.len()).as_bytes()]), Refused);
    // Pipelining: 100 requests on one connection, none with a usable token; every answer must deny.
    let mut pipelined = Vec::new();
    for i in 0..100 {
        pipelined.extend_from_slice(
            format!("GET {PROTECTED}?n={i}&token={x} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
    }
    pipelined.extend_from_slice(
        format!("GET {PROTECTED} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    add(
        "malformed_http",
        "101 pipelined requests without a usable token",
        pipelined,
        Refused,
    );

    // Header names in odd case: names are case-insensitive (the gate must still find them: the
    // reason proves it), cookie and parameter names are not.
    add(
        "odd_case",
        "AUTHORIZATION with an expired token",
        request(
            PROTECTED.as_bytes(),
            &[format!("AUTHORIZATION: Bearer {x}").as_bytes()],
        ),
        Reason("expired"),
    );
    add(
        "odd_case",
        "cOoKiE with an expired token",
        request(
            PROTECTED.as_bytes(),
            &[format!("cOoKiE: pg={x}").as_bytes()],
        ),
        Reason("expired"),
    );
    add(
        "odd_case",
        "X-PG-TOKEN with an expired token",
        request(
            PROTECTED.as_bytes(),
            &[format!("X-PG-TOKEN: {x}").as_bytes()],
        ),
        Reason("expired"),
    );
    add(
        "odd_case",
        "cookie name PG (names are case-sensitive)",
        request(
            PROTECTED.as_bytes(),
            &[format!("Cookie: PG={v}").as_bytes()],
        ),
        Reason("missing_token"),
    );
    add(
        "odd_case",
        "query name TOKEN",
        request(&q(&format!("TOKEN={v}")), &[]),
        Reason("missing_token"),
    );
    add(
        "odd_case",
        "query name Token",
        request(&q(&format!("Token={v}")), &[]),
        Reason("missing_token"),
    );
    add(
        "odd_case",
        "authorization and AUTHORIZATION (repeated)",
        request(
            PROTECTED.as_bytes(),
            &[
                format!("authorization: Bearer {v}").as_bytes(),
                format!("AUTHORIZATION: Bearer {v}").as_bytes(),
            ],
        ),
        Reason("malformed_token"),
    );
    f
}

/// Requests that must be served (run before and after the faults: the server still works, and the
/// suite can tell an allow from a denial). Returns `(name, bytes)`.
pub fn controls(t: &Tokens) -> Vec<(&'static str, Vec<u8>)> {
    let v = t.valid.as_str();
    vec![
        ("query token", request(&q(&format!("token={v}")), &[])),
        (
            "bearer scheme in odd case",
            request(
                PROTECTED.as_bytes(),
                &[format!("AUTHORIZATION: bEARER {v}").as_bytes()],
            ),
        ),
        (
            "cookie among 1,000 others",
            request(
                PROTECTED.as_bytes(),
                &[format!("Cookie: {}pg={v}", "c=1; ".repeat(1000)).as_bytes()],
            ),
        ),
        (
            "2,000 other parameters",
            request(&q(&format!("{}token={v}", "a=1&".repeat(2000))), &[]),
        ),
    ]
}

/// One HTTP response read back from the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub reason: Option<String>,
    pub body: Vec<u8>,
}

/// How a request was answered.
#[derive(Debug)]
pub enum Answer {
    /// One or more responses (several for pipelined requests).
    Responses(Vec<Response>),
    /// Closed or reset without a response.
    Closed,
    /// Nothing within [`ANSWER_WITHIN`].
    Hang,
}

/// Writes `bytes` to a fresh connection and reads until the server closes it.
pub fn send(addr: SocketAddr, bytes: &[u8]) -> Answer {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return Answer::Closed;
    };
    s.set_read_timeout(Some(ANSWER_WITHIN)).unwrap();
    s.set_write_timeout(Some(ANSWER_WITHIN)).unwrap();
    // The server may answer and close before reading everything (431, 414): a failed write is
    // expected then, the answer is what counts.
    let _ = s.write_all(bytes);
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    let mut timed_out = false;
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                timed_out = true;
                break;
            }
            Err(_) => break,
        }
    }
    let _ = s.shutdown(Shutdown::Both);
    let responses = parse_responses(&got);
    match (responses.is_empty(), timed_out) {
        (true, true) => Answer::Hang,
        (true, false) => Answer::Closed,
        _ => Answer::Responses(responses),
    }
}

fn parse_responses(mut b: &[u8]) -> Vec<Response> {
    let mut out = Vec::new();
    while let Some(end) = find(b, b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&b[..end]).to_string();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut len = 0usize;
        let mut reason = None;
        for l in lines {
            if let Some((n, v)) = l.split_once(':') {
                match n.trim().to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().unwrap_or(0),
                    "x-playgate-reason" => reason = Some(v.trim().to_string()),
                    _ => {}
                }
            }
        }
        let rest = &b[end + 4..];
        let body_len = len.min(rest.len());
        out.push(Response {
            status,
            reason,
            body: rest[..body_len].to_vec(),
        });
        b = &rest[body_len..];
    }
    out
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// How one fault was answered, for the counts.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A gate denial (4xx with a reason).
    Denied,
    /// Refused without a gate reason: by hyper (400, 414, 431), or by the service behind the gate
    /// (405 for a method it does not serve).
    HttpRejected,
    /// Closed without an answer.
    ConnectionRejected,
    /// Served (a status below 400, or the protected bytes): a failure.
    Allowed,
    /// No answer in time: a failure.
    Hang,
}

pub fn verdict(a: &Answer) -> Verdict {
    match a {
        Answer::Hang => Verdict::Hang,
        Answer::Closed => Verdict::ConnectionRejected,
        Answer::Responses(rs) => {
            let served = rs
                .iter()
                .any(|r| r.status < 400 || String::from_utf8_lossy(&r.body).contains(MARKER));
            if served {
                Verdict::Allowed
            } else if rs.first().is_some_and(|r| r.reason.is_some()) {
                Verdict::Denied
            } else {
                Verdict::HttpRejected
            }
        }
    }
}

/// A short description of an answer: `403 expired`, `431`, `closed`, `hang`, `200 ×3`.
pub fn describe(a: &Answer) -> String {
    match a {
        Answer::Hang => "hang".into(),
        Answer::Closed => "closed".into(),
        Answer::Responses(rs) => {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for r in rs {
                let k = match &r.reason {
                    Some(reason) => format!("{} {reason}", r.status),
                    None => r.status.to_string(),
                };
                *seen.entry(k).or_default() += 1;
            }
            seen.into_iter()
                .map(|(k, n)| if n == 1 { k } else { format!("{k} ×{n}") })
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// Whether an answer meets what the fault expects.
pub fn meets(a: &Answer, expect: Expect) -> bool {
    let v = verdict(a);
    if matches!(v, Verdict::Allowed | Verdict::Hang) {
        return false;
    }
    match expect {
        Expect::Refused => true,
        Expect::Reason(want) => match a {
            Answer::Responses(rs) => rs
                .first()
                .is_some_and(|r| r.reason.as_deref() == Some(want)),
            _ => false,
        },
    }
}

/// Counts for one surface, written to `target/faults/<surface>.json` and printed.
#[derive(Default)]
pub struct Tally {
    pub faults: usize,
    pub denials: usize,
    pub http_rejections: usize,
    pub connection_rejections: usize,
    pub startup_errors: usize,
    pub allows: usize,
    pub hangs: usize,
    pub crashes: usize,
    pub wrong_answers: usize,
    pub by_group: BTreeMap<String, BTreeMap<String, usize>>,
    /// `group: name → answer`, one per fault.
    pub answers: Vec<String>,
    pub failures: Vec<String>,
}

impl Tally {
    /// Records a fault and its answer; prints one line.
    pub fn record(&mut self, fault: &Fault, a: &Answer) {
        self.faults += 1;
        let v = verdict(a);
        match v {
            Verdict::Denied => self.denials += 1,
            Verdict::HttpRejected => self.http_rejections += 1,
            Verdict::ConnectionRejected => self.connection_rejections += 1,
            Verdict::Allowed => self.allows += 1,
            Verdict::Hang => self.hangs += 1,
        }
        let d = describe(a);
        *self
            .by_group
            .entry(fault.group.to_string())
            .or_default()
            .entry(d.clone())
            .or_default() += 1;
        self.answers
            .push(format!("{}: {} → {d}", fault.group, fault.name));
        let ok = meets(a, fault.expect);
        if !ok {
            if !matches!(v, Verdict::Allowed | Verdict::Hang) {
                self.wrong_answers += 1;
            }
            self.failures.push(format!(
                "{}: {} → {d} (expected {:?})",
                fault.group, fault.name, fault.expect
            ));
        }
        println!(
            "{} {:<18} {:<62} {d}",
            if ok { "ok  " } else { "FAIL" },
            fault.group,
            fault.name
        );
    }

    pub fn json(&self, surface: &str) -> Value {
        json!({
            "surface": surface,
            "faults": self.faults,
            "denials": self.denials,
            "http_rejections": self.http_rejections,
            "connection_rejections": self.connection_rejections,
            "startup_errors": self.startup_errors,
            "allows": self.allows,
            "hangs": self.hangs,
            "crashes": self.crashes,
            "wrong_answers": self.wrong_answers,
            "answers_by_group": self.by_group,
            "answers": self.answers,
            "failures": self.failures,
        })
    }

    /// Writes the counts (`dir` is the workspace's `target/faults`) and prints the summary line.
    pub fn write(&self, dir: &std::path::Path, surface: &str) {
        std::fs::create_dir_all(dir).unwrap();
        let doc = self.json(surface);
        std::fs::write(
            dir.join(format!("{surface}.json")),
            serde_json::to_string_pretty(&doc).unwrap() + "\n",
        )
        .unwrap();
        println!(
            "faults {surface}: {} injected: {} denied by the gate, {} refused by HTTP, {} connections closed, {} startup errors; {} allowed, {} hangs, {} crashes, {} wrong answers",
            self.faults, self.denials, self.http_rejections, self.connection_rejections,
            self.startup_errors, self.allows, self.hangs, self.crashes, self.wrong_answers
        );
    }

    pub fn assert_clean(&self) {
        assert!(
            self.failures.is_empty() && self.crashes == 0,
            "{} failures, {} crashes:\n{}",
            self.failures.len(),
            self.crashes,
            self.failures.join("\n")
        );
    }
}

/// Sends every control and checks it is served with the protected bytes.
pub fn check_controls(addr: SocketAddr, t: &Tokens) -> Vec<String> {
    let mut bad = Vec::new();
    for (name, bytes) in controls(t) {
        let a = send(addr, &bytes);
        let served = matches!(&a, Answer::Responses(rs) if rs.len() == 1
            && rs[0].status == 200 && String::from_utf8_lossy(&rs[0].body).contains(MARKER));
        if !served {
            bad.push(format!("control {name}: {}", describe(&a)));
        }
    }
    bad
}

/// A directory holding the protected file (under the workspace's target dir).
pub fn content_dir(root: &std::path::Path, name: &str) -> std::path::PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("live")).unwrap();
    std::fs::write(
        dir.join("live/index.m3u8"),
        format!("#EXTM3U\n# {MARKER}\n"),
    )
    .unwrap();
    dir
}
