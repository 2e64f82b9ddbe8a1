//! Revocation through the whole gate: configuration, the last-stage check with and without a
//! filter, the `on_unavailable` policy, SMD path session ids, IVS viewer versions, and a filter that
//! went through its file format on the way.

use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::revocation::{FilterBuilder, Kind, Params, RevocationFilter, RevocationSource};
use playgate::{Gate, Reason, Request};
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;
const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/abcd";

fn key() -> SigningKey {
    SigningKey::hs_from_bytes("k1", Alg::HS256, &[9u8; 32]).unwrap()
}

fn gate(revocation: Value) -> Gate {
    let mut cfg = json!({"keys": [key().verifying_entry()],
                         "token": {"sources": [{"query": "token"}, {"path_segment": true}]}});
    if !revocation.is_null() {
        cfg["revocation"] = revocation;
    }
    Gate::from_json(&cfg.to_string()).unwrap()
}

fn filter() -> RevocationFilter {
    let mut b = FilterBuilder::new(Params::plan(100, 1e-6, 12).unwrap(), [4; 12], 3600);
    b.insert(Kind::Session, "sess-revoked", NOW + 3600);
    b.insert(Kind::TokenId, "jti-revoked", NOW + 3600);
    b.insert_viewer(ARN, "viewer-1", 2, NOW + 600);
    // Through the file format, as every surface receives it.
    RevocationFilter::from_bytes(&b.finish(NOW - 10).to_bytes()).unwrap()
}

fn decide(g: &Gate, claims: Value, f: Option<&RevocationFilter>, now: u64) -> Option<Reason> {
    let mut claims = claims;
    if claims.get("exp").is_none() {
        claims["exp"] = json!(NOW + 300);
    }
    let token = key().mint(&claims, true).unwrap();
    let q = format!("token={token}");
    let req = Request {
        method: "GET",
        uri: "/live/a.ts",
        querystring: &q,
        ..Request::default()
    };
    g.check_with(&req, now, f.map(|f| f as &dyn RevocationSource))
        .reason()
}

#[test]
fn revoked_sessions_and_token_ids_are_denied() {
    let g = gate(json!({}));
    let f = filter();
    assert_eq!(
        decide(&g, json!({"sid": "sess-revoked"}), Some(&f), NOW),
        Some(Reason::Revoked)
    );
    assert_eq!(
        decide(&g, json!({"jti": "jti-revoked"}), Some(&f), NOW),
        Some(Reason::Revoked)
    );
    assert_eq!(
        decide(
            &g,
            json!({"sid": "sess-ok", "jti": "jti-revoked"}),
            Some(&f),
            NOW
        ),
        Some(Reason::Revoked)
    );
    assert_eq!(
        decide(
            &g,
            json!({"sid": "sess-ok", "jti": "jti-ok"}),
            Some(&f),
            NOW
        ),
        None
    );
    // The kinds do not mix: a revoked session id used as a token id is not revoked.
    assert_eq!(
        decide(&g, json!({"jti": "sess-revoked"}), Some(&f), NOW),
        None
    );
    // The denial uses the configured status.
    let token = key()
        .mint(&json!({"sid": "sess-revoked", "exp": NOW + 300}), true)
        .unwrap();
    let q = format!("token={token}");
    let req = Request {
        method: "GET",
        uri: "/a.ts",
        querystring: &q,
        ..Request::default()
    };
    assert_eq!(g.check_with(&req, NOW, Some(&f)).status(), 403);
}

#[test]
fn revocation_is_the_last_stage() {
    let g = gate(json!({}));
    let f = filter();
    // An expired, revoked token is reported as expired: `revoked` is only said of valid tokens.
    assert_eq!(
        decide(
            &g,
            json!({"sid": "sess-revoked", "exp": NOW - 1}),
            Some(&f),
            NOW
        ),
        Some(Reason::Expired)
    );
}

#[test]
fn unavailable_filter_follows_the_policy() {
    let deny = gate(json!({"claims": ["sid"]}));
    assert_eq!(
        decide(&deny, json!({"sid": "sess-ok"}), None, NOW),
        Some(Reason::RevocationUnavailable)
    );
    // `check` is `check_with(.., None)`.
    let token = key()
        .mint(&json!({"sid": "sess-ok", "exp": NOW + 300}), true)
        .unwrap();
    let q = format!("token={token}");
    let req = Request {
        method: "GET",
        uri: "/a.ts",
        querystring: &q,
        ..Request::default()
    };
    assert_eq!(
        deny.check(&req, NOW).reason(),
        Some(Reason::RevocationUnavailable)
    );
    // Nothing to look up: no filter needed.
    assert_eq!(decide(&deny, json!({"sub": "x"}), None, NOW), None);

    let allow = gate(json!({"claims": ["sid"], "on_unavailable": "allow"}));
    assert_eq!(decide(&allow, json!({"sid": "sess-ok"}), None, NOW), None);
    assert_eq!(
        decide(&allow, json!({"sid": "sess-revoked"}), Some(&filter()), NOW),
        Some(Reason::Revoked)
    );

    // A filter older than max_age is unavailable.
    let fresh = gate(json!({"max_age": 60}));
    let f = filter(); // created NOW - 10
    assert_eq!(
        decide(&fresh, json!({"sid": "sess-ok"}), Some(&f), NOW),
        None
    );
    assert_eq!(
        decide(&fresh, json!({"sid": "sess-ok"}), Some(&f), NOW + 51),
        Some(Reason::RevocationUnavailable)
    );

    // Without a revocation section nothing changes.
    assert_eq!(
        decide(
            &gate(Value::Null),
            json!({"sid": "sess-revoked"}),
            None,
            NOW
        ),
        None
    );
}

#[test]
fn corrupt_filters_never_load() {
    let mut bytes = filter().to_bytes();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    assert!(RevocationFilter::from_bytes(&bytes).is_err());
    assert!(RevocationFilter::from_bytes(&bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn smd_path_session_ids_are_looked_up() {
    let g = gate(json!({}));
    let f = filter();
    let token = key().mint(&json!({"exp": NOW + 300}), true).unwrap();
    for (sid, want) in [("sess-revoked", Some(Reason::Revoked)), ("sess-ok", None)] {
        let uri = format!("/{sid}.{token}/live/a.ts");
        let req = Request {
            method: "GET",
            uri: &uri,
            ..Request::default()
        };
        assert_eq!(g.check_with(&req, NOW, Some(&f)).reason(), want, "{sid}");
    }
    let off = gate(json!({"path_session": false}));
    let uri = format!("/sess-revoked.{token}/live/a.ts");
    let req = Request {
        method: "GET",
        uri: &uri,
        ..Request::default()
    };
    assert_eq!(off.check_with(&req, NOW, Some(&f)).reason(), None);
}

#[test]
fn ivs_viewer_versions_at_or_below_are_revoked() {
    let g = gate(json!({}));
    let f = filter();
    let v = |version: Option<i64>| {
        let mut c = json!({"aws:channel-arn": ARN, "aws:viewer-id": "viewer-1"});
        if let Some(v) = version {
            c["aws:viewer-session-version"] = json!(v);
        }
        decide(&g, c, Some(&f), NOW)
    };
    assert_eq!(v(None), Some(Reason::Revoked)); // absent = version 0
    assert_eq!(v(Some(2)), Some(Reason::Revoked));
    assert_eq!(v(Some(3)), None);
    let other = json!({"aws:channel-arn": ARN, "aws:viewer-id": "viewer-2"});
    assert_eq!(decide(&g, other, Some(&f), NOW), None);
    let off = gate(json!({"viewer_sessions": false}));
    let c = json!({"aws:channel-arn": ARN, "aws:viewer-id": "viewer-1"});
    assert_eq!(decide(&off, c, Some(&f), NOW), None);
}

#[test]
fn akamai_session_ids_are_looked_up() {
    use playgate::akamai::{mint, AkamaiAlg, AkamaiClaims, AkamaiKey};
    let hex = "52a152a152a152a152a152a152a152a1";
    let cfg = json!({"keys": [], "akamai": {"keys": [{"kid": "ak", "secret_hex": hex}]},
                     "token": {"sources": [{"query": "__token__"}]}, "revocation": {}});
    let g = Gate::from_json(&cfg.to_string()).unwrap();
    let key = AkamaiKey::from_hex("ak", hex).unwrap();
    let f = filter();
    for (id, want) in [("sess-revoked", Some(Reason::Revoked)), ("sess-ok", None)] {
        let claims = AkamaiClaims {
            exp: NOW + 300,
            acl: Some("/live/*"),
            id: Some(id),
            ..Default::default()
        };
        let token = mint(&claims, &key, AkamaiAlg::Sha256, None).unwrap();
        let q = format!("__token__={token}");
        let req = Request {
            method: "GET",
            uri: "/live/a.ts",
            querystring: &q,
            ..Request::default()
        };
        assert_eq!(g.check_with(&req, NOW, Some(&f)).reason(), want, "{id}");
    }
}

#[test]
fn config_errors_name_the_field() {
    let cfg = |r: Value| json!({"keys": [key().verifying_entry()], "revocation": r}).to_string();
    let e = Gate::from_json(&cfg(json!({"on_unavailable": "sometimes"}))).unwrap_err();
    assert_eq!(e.field(), "revocation.on_unavailable");
    let e = Gate::from_json(&cfg(json!({"claims": ["sid", "sid"]}))).unwrap_err();
    assert_eq!(e.field(), "revocation.claims[1]");
    let e = Gate::from_json(&cfg(json!({"filter": "x"}))).unwrap_err();
    assert!(e.to_string().contains("unknown field"), "{e}");
}
