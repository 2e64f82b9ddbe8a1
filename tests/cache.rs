//! The verified-token cache never changes a decision: the whole corpus decided twice through one
//! cache per config (the second pass served from the cache) gives the expected verdicts, and a cached
//! token is still re-checked against the clock, the request and revocation.

use playgate::binding::digest_claim;
use playgate::config::Alg;
use playgate::event::OwnedRequest;
use playgate::mint::SigningKey;
use playgate::revocation::{Revocable, RevocationSource, Unavailable};
use playgate::{CachingGate, Gate, Request};
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::HashMap;

mod common;
use common::load_cases;

const NOW: u64 = 1_800_000_000;

#[test]
fn corpus_twice_through_the_cache() {
    let mut gates: HashMap<String, CachingGate> = HashMap::new();
    // Revocation cases need a filter loaded; tests/conformance.rs covers them.
    let cases: Vec<(String, Value, Value)> = load_cases()
        .into_iter()
        .filter(|(_, _, case)| case.get("revocation").is_none())
        .collect();
    let mut hits = 0;
    for pass in 0..2 {
        for (_, config, case) in &cases {
            let config = config.to_string();
            let gate = gates
                .entry(config.clone())
                .or_insert_with(|| CachingGate::new(Gate::from_json(&config).unwrap(), 4096));
            let (_, req) = OwnedRequest::from_value(&case["request"]).unwrap();
            let d = req.with_view(|r| gate.check(r, case["now"].as_u64().unwrap()));
            let want = &case["expect"];
            assert_eq!(
                d.is_allowed(),
                want["allow"] == true,
                "pass {pass}: {}",
                case["name"]
            );
            assert_eq!(
                d.reason().map(|r| r.code()),
                want["reason"].as_str(),
                "pass {pass}: {}",
                case["name"]
            );
            if let (playgate::Decision::Allow(a), Some(fwd)) = (&d, want.get("forward")) {
                assert_eq!(
                    a.forward.uri,
                    fwd["uri"].as_str().unwrap(),
                    "{}",
                    case["name"]
                );
                assert_eq!(
                    a.forward.querystring,
                    fwd["querystring"].as_str().unwrap(),
                    "{}",
                    case["name"]
                );
            }
        }
        hits = gates.values().map(|g| g.stats().0).sum::<u64>();
    }
    assert!(
        hits > 100,
        "second pass should be served from the cache, hits = {hits}"
    );
}

fn hs_gate(extra: Value) -> (CachingGate, SigningKey) {
    let key = SigningKey::hs_from_bytes("k1", Alg::HS256, &[5u8; 32]).unwrap();
    let mut config = json!({"keys": [key.verifying_entry()]});
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    (
        CachingGate::new(Gate::from_json(&config.to_string()).unwrap(), 64),
        key,
    )
}

fn q(token: &str) -> String {
    format!("token={token}")
}

#[test]
fn cached_token_without_iat_still_expires() {
    // fast-jwt's cache serves tokens past `exp` when they have no `iat`; playgate re-checks time.
    let (mut gate, key) = hs_gate(json!({}));
    let token = key.mint(&json!({"exp": NOW + 10}), true).unwrap();
    let query = q(&token);
    let r = Request {
        method: "GET",
        uri: "/s.ts",
        querystring: &query,
        ..Default::default()
    };
    assert!(gate.check(&r, NOW).is_allowed());
    assert!(gate.check(&r, NOW + 9).is_allowed());
    assert_eq!(gate.stats().0, 1, "second check was a hit");
    assert_eq!(
        gate.check(&r, NOW + 10).reason().map(|r| r.code()),
        Some("expired")
    );
    assert_eq!(
        gate.check(&r, NOW + 3600).reason().map(|r| r.code()),
        Some("expired")
    );
    assert_eq!(
        gate.check(&r, NOW - 90_000).reason().map(|r| r.code()),
        Some("lifetime_too_long")
    );
}

#[test]
fn cached_token_is_rechecked_against_the_request() {
    let arn = "arn:aws:ivs:us-west-2:123456789012:channel/{id}";
    let (mut gate, key) =
        hs_gate(json!({"claims": {"channel": {"path": "/channels/{id}/", "arn": arn}}}));
    let token = key
        .mint(
            &json!({"exp": NOW + 100, "aws:channel-arn": arn.replace("{id}", "a"),
                    "aws:access-control-allow-origin": "https://ok.example", "aws:strict-origin-enforcement": true}),
            true,
        )
        .unwrap();
    let query = q(&token);
    let origin = [("origin", "https://ok.example")];
    let ok = Request {
        method: "GET",
        uri: "/channels/a/1.ts",
        querystring: &query,
        headers: &origin,
        ..Default::default()
    };
    assert!(gate.check(&ok, NOW).is_allowed());
    assert!(gate.check(&ok, NOW).is_allowed());
    let other_channel = Request {
        uri: "/channels/b/1.ts",
        ..ok
    };
    assert_eq!(
        gate.check(&other_channel, NOW).reason().map(|r| r.code()),
        Some("channel_mismatch")
    );
    let no_origin = Request { headers: &[], ..ok };
    assert_eq!(
        gate.check(&no_origin, NOW).reason().map(|r| r.code()),
        Some("origin_mismatch")
    );
    assert!(gate.stats().0 >= 3);
}

#[test]
fn cached_path_scope_is_rechecked_against_each_path() {
    // The compiled `paths` scope is kept with the cached claims: a hit still matches every path.
    let (mut gate, key) = hs_gate(json!({}));
    let token = key
        .mint(
            &json!({"exp": NOW + 100, "paths": ["/live/ch1/*.m3u8", "/live/ch1/720p/"]}),
            true,
        )
        .unwrap();
    let query = q(&token);
    let at = |uri| Request {
        method: "GET",
        uri,
        querystring: &query,
        ..Default::default()
    };
    let reason = |gate: &mut CachingGate, uri| gate.check(&at(uri), NOW).reason().map(|r| r.code());
    for _ in 0..2 {
        assert_eq!(reason(&mut gate, "/live/ch1/index.m3u8"), None);
        assert_eq!(reason(&mut gate, "/live/ch1/720p/0001.ts"), None);
        assert_eq!(
            reason(&mut gate, "/live/ch1/480p/0001.ts"),
            Some("path_not_allowed")
        );
        assert_eq!(
            reason(&mut gate, "/live/ch2/index.m3u8"),
            Some("path_not_allowed")
        );
        // Normal form first: a dot segment cannot climb out of the scope.
        assert_eq!(
            reason(&mut gate, "/live/ch1/720p/../../ch2/index.m3u8"),
            Some("path_not_allowed")
        );
    }
    assert_eq!(gate.stats().0, 9, "all but the first check were hits");
    // An invalid scope is invalid on every hit, whatever the path.
    for paths in [
        json!([]),
        json!(["/a/**x"]),
        json!("/live/"),
        json!(["/a", 1]),
    ] {
        let token = key
            .mint(&json!({"exp": NOW + 100, "paths": paths}), true)
            .unwrap();
        let query = q(&token);
        for _ in 0..2 {
            let r = Request {
                method: "GET",
                uri: "/live/ch1/index.m3u8",
                querystring: &query,
                ..Default::default()
            };
            assert_eq!(
                gate.check(&r, NOW).reason().map(|r| r.code()),
                Some("invalid_claim"),
                "{paths}"
            );
        }
    }
}

#[test]
fn cached_ip_binding_is_rechecked_against_each_client() {
    // The parsed `ip` blocks are kept with the cached claims: a hit still matches every client.
    let (mut gate, key) = hs_gate(json!({"binding": {"require": ["ip"]}}));
    let check = |gate: &mut CachingGate, token: &str, client_ip| {
        let query = q(token);
        let r = Request {
            method: "GET",
            uri: "/live/ch1/index.m3u8",
            querystring: &query,
            client_ip,
            ..Default::default()
        };
        gate.check(&r, NOW).reason().map(|r| r.code())
    };
    let bound = key
        .mint(
            &json!({"exp": NOW + 100, "ip": ["203.0.113.0/24", "2001:db8::/32"]}),
            true,
        )
        .unwrap();
    let single = key
        .mint(&json!({"exp": NOW + 100, "ip": "198.51.100.7"}), true)
        .unwrap();
    let before = gate.stats().0;
    for _ in 0..2 {
        assert_eq!(check(&mut gate, &bound, "203.0.113.7"), None);
        assert_eq!(check(&mut gate, &bound, "2001:db8::1"), None);
        assert_eq!(
            check(&mut gate, &bound, "198.51.100.7"),
            Some("binding_mismatch")
        );
        assert_eq!(check(&mut gate, &bound, ""), Some("binding_mismatch"));
        assert_eq!(check(&mut gate, &single, "198.51.100.7"), None);
        assert_eq!(
            check(&mut gate, &single, "198.51.100.8"),
            Some("binding_mismatch")
        );
    }
    assert_eq!(gate.stats().0 - before, 10, "all but two checks were hits");
    // Errors keep their order on every hit: a missing binding is `missing_claim` (the policy
    // requires one); a present but unreadable one is `invalid_claim`, whatever the client.
    let cases = [
        (json!({"exp": NOW + 100}), "missing_claim"),
        (json!({"exp": NOW + 100, "ip": []}), "invalid_claim"),
        (
            json!({"exp": NOW + 100, "ip": "not-an-address"}),
            "invalid_claim",
        ),
        (
            json!({"exp": NOW + 100, "ip": ["203.0.113.0/24", 1]}),
            "invalid_claim",
        ),
        (json!({"exp": NOW + 100, "ip": 42}), "invalid_claim"),
    ];
    for (claims, want) in cases {
        let token = key.mint(&claims, true).unwrap();
        for client in ["203.0.113.7", "198.51.100.7", ""] {
            assert_eq!(
                check(&mut gate, &token, client),
                Some(want),
                "{claims} {client}"
            );
        }
    }
}

#[test]
fn cached_digest_binding_is_rechecked_against_each_request() {
    // The `bind` claim's items and MAC are kept with the cached claims; every hit recomputes the
    // MAC over that request's values.
    const BIND_KEY: [u8; 32] = [9; 32];
    let (mut gate, key) =
        hs_gate(json!({"binding": {"keys": ["CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk"]}}));
    let bind = digest_claim(&BIND_KEY, &[("country", "SE"), ("ip/24", "203.0.113.7")]).unwrap();
    let token = key
        .mint(&json!({"exp": NOW + 100, "bind": bind}), true)
        .unwrap();
    let mut check = |token: &str, country: &'static str, client_ip| {
        let query = q(token);
        let headers = [("cloudfront-viewer-country", country)];
        let r = Request {
            method: "GET",
            uri: "/live/ch1/index.m3u8",
            querystring: &query,
            headers: &headers,
            client_ip,
            ..Default::default()
        };
        gate.check(&r, NOW).reason().map(|r| r.code())
    };
    for _ in 0..2 {
        assert_eq!(check(&token, "SE", "203.0.113.7"), None);
        assert_eq!(check(&token, "SE", "203.0.113.200"), None, "same /24");
        assert_eq!(check(&token, "NO", "203.0.113.7"), Some("binding_mismatch"));
        assert_eq!(
            check(&token, "SE", "198.51.100.7"),
            Some("binding_mismatch")
        );
    }
    // An unreadable `bind` claim is `invalid_claim` on every hit.
    for bind in [
        json!({"v": ["country"]}),
        json!({"v": ["nope"], "mac": "AA"}),
        json!("x"),
    ] {
        let token = key
            .mint(&json!({"exp": NOW + 100, "bind": bind}), true)
            .unwrap();
        for _ in 0..2 {
            assert_eq!(
                check(&token, "SE", "203.0.113.7"),
                Some("invalid_claim"),
                "{bind}"
            );
        }
    }
}

struct Toggle(Cell<bool>);
impl RevocationSource for Toggle {
    fn is_revoked(&self, item: &Revocable<'_>) -> Result<bool, Unavailable> {
        Ok(self.0.get() && matches!(item, Revocable::Id(_, id) if id == "session-1"))
    }
}

#[test]
fn cached_token_is_rechecked_against_revocation() {
    let (mut gate, key) = hs_gate(json!({"revocation": {}}));
    let token = key
        .mint(&json!({"exp": NOW + 100, "sid": "session-1"}), true)
        .unwrap();
    let query = q(&token);
    let r = Request {
        method: "GET",
        uri: "/s.ts",
        querystring: &query,
        ..Default::default()
    };
    let filter = Toggle(Cell::new(false));
    assert!(gate.check_with(&r, NOW, Some(&filter)).is_allowed());
    assert!(gate.check_with(&r, NOW, Some(&filter)).is_allowed());
    filter.0.set(true);
    assert_eq!(
        gate.check_with(&r, NOW, Some(&filter))
            .reason()
            .map(|r| r.code()),
        Some("revoked")
    );
    assert_eq!(
        gate.check_with(&r, NOW, None).reason().map(|r| r.code()),
        Some("revocation_unavailable")
    );
}

#[test]
fn failures_are_not_cached_and_tampering_misses() {
    let (mut gate, key) = hs_gate(json!({}));
    let token = key.mint(&json!({"exp": NOW + 100}), true).unwrap();
    let mut bad = token.clone();
    bad.pop();
    bad.push(if token.ends_with('A') { 'B' } else { 'A' });
    let (qg, qb) = (q(&token), q(&bad));
    let good = Request {
        method: "GET",
        uri: "/s.ts",
        querystring: &qg,
        ..Default::default()
    };
    let tampered = Request {
        querystring: &qb,
        ..good
    };
    assert!(gate.check(&good, NOW).is_allowed());
    for _ in 0..3 {
        assert!(!gate.check(&tampered, NOW).is_allowed());
    }
    assert!(gate.check(&good, NOW).is_allowed());
}
