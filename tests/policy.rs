//! Playback policy behaviour that the corpus cannot carry on every surface yet: default claim names
//! enforced without a config section, config errors naming the field, and the Debug redaction of
//! binding and Akamai secrets.

use playgate::binding::digest_claim;
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::{Gate, Reason, Request};
use serde_json::json;

const NOW: u64 = 1_800_000_000;
const SECRET: [u8; 32] = [7; 32];

fn key() -> SigningKey {
    SigningKey::hs_from_bytes("k1", Alg::HS256, &SECRET).unwrap()
}

fn gate(extra: serde_json::Value) -> Gate {
    let mut cfg = json!({"keys": [key().verifying_entry()]});
    if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    Gate::from_json(&cfg.to_string()).unwrap()
}

fn check(g: &Gate, uri: &str, claims: serde_json::Value, ip: &str) -> Result<String, Reason> {
    let mut claims = claims;
    claims["exp"] = json!(NOW + 600);
    let q = format!("token={}", key().mint(&claims, true).unwrap());
    let req = Request {
        method: "GET",
        uri,
        querystring: &q,
        client_ip: ip,
        ..Default::default()
    };
    match g.check(&req, NOW) {
        playgate::Decision::Allow(a) => Ok(a.forward.uri),
        playgate::Decision::Deny(d) => Err(d.reason),
    }
}

#[test]
fn scope_claim_is_enforced_without_a_paths_section() {
    let g = gate(json!({}));
    assert_eq!(
        check(
            &g,
            "/video/10/x.ts",
            json!({"paths": ["/video/1/"]}),
            "192.0.2.1"
        ),
        Err(Reason::PathNotAllowed)
    );
    assert_eq!(
        check(
            &g,
            "/video/1//x.ts",
            json!({"paths": ["/video/1/"]}),
            "192.0.2.1"
        )
        .as_deref(),
        Ok("/video/1/x.ts")
    );
    // Without a scope claim and without a section, the URI is forwarded byte for byte.
    assert_eq!(
        check(&g, "/video/1//x.ts", json!({}), "192.0.2.1").as_deref(),
        Ok("/video/1//x.ts")
    );
}

#[test]
fn binding_claims_are_enforced_without_a_binding_section() {
    let g = gate(json!({}));
    assert_eq!(
        check(&g, "/a.ts", json!({"ip": "192.0.2.0/24"}), "192.0.2.9").as_deref(),
        Ok("/a.ts")
    );
    assert_eq!(
        check(&g, "/a.ts", json!({"ip": "192.0.2.0/24"}), "192.0.3.9"),
        Err(Reason::BindingMismatch)
    );
    let bind = digest_claim(&[9; 32], &[("ip", "192.0.2.9")]).unwrap();
    assert_eq!(
        check(&g, "/a.ts", json!({"bind": bind}), "192.0.2.9"),
        Err(Reason::BindingMismatch),
        "a digest claim with no binding key configured fails closed"
    );
}

#[test]
fn resolution_needs_a_mapping() {
    let g = gate(json!({}));
    assert!(check(
        &g,
        "/c/1080p/s.ts",
        json!({"aws:maximum-resolution": "SD"}),
        "192.0.2.1"
    )
    .is_ok());
    let g =
        gate(json!({"resolution": {"renditions": [{"pattern": "/**/1080p/**", "lines": 1080}]}}));
    assert_eq!(
        check(
            &g,
            "/c/1080p/s.ts",
            json!({"aws:maximum-resolution": "SD"}),
            "192.0.2.1"
        ),
        Err(Reason::ResolutionNotAllowed)
    );
}

fn config_error(extra: serde_json::Value) -> (String, String) {
    let mut cfg = json!({"keys": [key().verifying_entry()]});
    if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    let e = Gate::from_json(&cfg.to_string()).unwrap_err();
    (e.field().to_string(), e.to_string())
}

#[test]
fn config_errors_name_the_field() {
    let cases = [
        (json!({"paths": {"exempt": ["ads/**"]}}), "paths.exempt[0]"),
        (json!({"paths": {"exempt": ["/ads**"]}}), "paths.exempt[0]"),
        (json!({"paths": {"claims": "x"}}), "paths.claims"),
        (json!({"paths": {"claim": ""}}), "paths.claim"),
        (json!({"binding": {"keys": ["c2hvcnQ"]}}), "binding.keys[0]"),
        (
            json!({"binding": {"require": ["cookie:x"]}}),
            "binding.require[0]",
        ),
        (json!({"binding": {"require": ["country"]}}), "binding.keys"),
        (json!({"binding": {"claim": "ip"}}), "binding.ip_claim"),
        (
            json!({"resolution": {"renditions": []}}),
            "resolution.renditions",
        ),
        (
            json!({"resolution": {"renditions": [{"pattern": "/**/1080p/**", "lines": 0}]}}),
            "resolution.renditions[0].lines",
        ),
        (
            json!({"resolution": {"renditions": [{"pattern": "/**/1080p/**"}]}}),
            "resolution.renditions[0]",
        ),
        (json!({"akamai": {"keys": []}}), "akamai.keys"),
        (
            json!({"akamai": {"keys": [{"kid": "a", "secret_hex": "abc"}]}}),
            "akamai.keys[0].secret_hex",
        ),
        (
            json!({"akamai": {"keys": [{"kid": "a", "secret_hex": "00112233445566778899"}], "algorithm": "sha512"}}),
            "akamai.algorithm",
        ),
        (
            json!({"akamai": {"keys": [{"kid": "a", "secret_hex": "00112233445566778899"},
                                       {"kid": "a", "secret_hex": "00112233445566778899"}]}}),
            "akamai.keys[1].kid",
        ),
        (
            json!({"token": {"sources": [{"header": "X-Token"}]}}),
            "token.sources[0]",
        ),
    ];
    for (extra, want) in cases {
        let (field, msg) = config_error(extra.clone());
        assert_eq!(field, want, "{extra}: {msg}");
    }
    // An Akamai-only gate needs no JWT keys; a gate with neither is refused.
    let ok = json!({"akamai": {"keys": [{"kid": "a", "secret_hex": "00112233445566778899"}]}});
    assert!(Gate::from_json(&ok.to_string()).is_ok());
    assert_eq!(Gate::from_json("{}").unwrap_err().field(), "keys");
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let cfg = json!({"keys": [key().verifying_entry()],
                     "binding": {"keys": ["c2VjcmV0LWJpbmRpbmcta2V5LXRlc3Qtb25seS0zMmJ5dGVz"]},
                     "akamai": {"keys": [{"kid": "a", "secret_hex": "deadbeefdeadbeef00"}], "salt": "pepper-salt"}});
    let g = Gate::from_json(&cfg.to_string()).unwrap();
    let dbg = format!("{g:?}");
    for secret in ["c2VjcmV0", "deadbeef", "pepper-salt", "222, 173"] {
        assert!(!dbg.contains(secret), "{secret} in {dbg}");
    }
    let bad = json!({"keys": [key().verifying_entry()],
                     "akamai": {"keys": [{"kid": "a", "secret_hex": "not-hex-secret-value"}]}});
    let e = Gate::from_json(&bad.to_string()).unwrap_err().to_string();
    assert!(!e.contains("not-hex-secret-value"), "{e}");
}
