//! Every way a configuration can be wrong gives a clear error naming the field, never a panic and
//! never a gate that allows.

use playgate::Gate;
use serde_json::{json, Value};

const HS: &str = "cGxheWdhdGUtZG9jLWV4YW1wbGUta2V5LTMyYnl0ZXM"; // 32 bytes
/// A real P-384 public key (the corpus's RFC 6979 test key).
fn pem_ok() -> String {
    let cfg: Value =
        serde_json::from_str(include_str!("../fixtures/conformance/es384.config.json")).unwrap();
    cfg["keys"][0]["public_key"].as_str().unwrap().to_string()
}

fn err(config: Value) -> (String, String) {
    match Gate::from_json(&config.to_string()) {
        Ok(_) => panic!("config should be refused: {config}"),
        Err(e) => (e.field().to_string(), e.to_string()),
    }
}

fn hs() -> Value {
    json!({"kid": "k1", "alg": "HS256", "secret": HS})
}

#[test]
fn a_valid_config_loads() {
    Gate::from_json(
        &json!({"keys": [hs(), {"kid": "ivs", "alg": "ES384", "public_key": pem_ok()}]})
            .to_string(),
    )
    .expect("valid");
}

#[test]
fn document_level_errors() {
    assert!(Gate::from_json("").is_err());
    assert!(Gate::from_json("not json").is_err());
    assert!(Gate::from_json("[]").is_err());
    assert!(err(json!({})).1.contains("keys"));
    assert_eq!(err(json!({"keys": []})).0, "keys");
    assert!(err(json!({"keys": [hs()], "extra": 1}))
        .1
        .contains("unknown field"));
    let many: Vec<Value> = (0..17)
        .map(|i| json!({"kid": format!("k{i}"), "alg": "HS256", "secret": HS}))
        .collect();
    assert_eq!(err(json!({"keys": many})).0, "keys");
}

#[test]
fn key_errors_name_the_key() {
    let cases = [
        (
            json!({"kid": "k", "alg": "RS256", "secret": HS}),
            "keys[0].alg",
        ),
        (
            json!({"kid": "", "alg": "HS256", "secret": HS}),
            "keys[0].kid",
        ),
        (
            json!({"kid": "x".repeat(129), "alg": "HS256", "secret": HS}),
            "keys[0].kid",
        ),
        (json!({"kid": "k", "alg": "HS256"}), "keys[0].secret"),
        (
            json!({"kid": "k", "alg": "HS256", "secret": "not base64!"}),
            "keys[0].secret",
        ),
        (
            json!({"kid": "k", "alg": "HS256", "secret": format!("{HS}=")}),
            "keys[0].secret",
        ),
        (
            json!({"kid": "k", "alg": "HS384", "secret": HS}),
            "keys[0].secret",
        ),
        (
            json!({"kid": "k", "alg": "HS256", "secret": HS, "public_key": pem_ok()}),
            "keys[0].alg",
        ),
        (json!({"kid": "k", "alg": "ES384"}), "keys[0].public_key"),
        (
            json!({"kid": "k", "alg": "ES384", "secret": HS}),
            "keys[0].secret",
        ),
        (
            json!({"kid": "k", "alg": "ES384", "public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}),
            "keys[0].public_key",
        ),
        (
            json!({"kid": "k", "alg": "ES384", "jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}}),
            "keys[0].jwk",
        ),
        (
            json!({"kid": "k", "alg": "ES384", "jwk": {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}}),
            "keys[0].jwk",
        ),
        (
            json!({"kid": "k", "alg": "ES384", "jwk": {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "d": "AA"}}),
            "keys[0].jwk.d",
        ),
        (
            json!({"kid": "k", "alg": "ES384", "jwk": {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "n": "AA"}}),
            "keys[0].jwk",
        ),
    ];
    for (key, field) in cases {
        let (f, msg) = err(json!({"keys": [hs(), key.clone()]}));
        let want = field.replace("keys[0]", "keys[1]");
        assert!(
            f == want || f.starts_with(&want),
            "{key}: field {f:?}, want {want:?} ({msg})"
        );
        assert!(!msg.contains(HS), "secret leaked in {msg}");
    }
    let (f, msg) = err(json!({"keys": [hs(), hs()]}));
    assert_eq!(f, "keys[1].kid");
    assert!(msg.contains("duplicate"));
}

#[test]
fn token_claims_deny_errors() {
    let base = |extra: Value| {
        let mut c = json!({"keys": [hs()]});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let cases = [
        (json!({"token": {"sources": []}}), "token.sources"),
        (
            json!({"token": {"sources": [{"query": ""}]}}),
            "token.sources[0]",
        ),
        (
            json!({"token": {"sources": [{"cookie": "a;b"}]}}),
            "token.sources[0]",
        ),
        (
            json!({"token": {"sources": [{"bearer": false}]}}),
            "token.sources[0]",
        ),
        (
            json!({"token": {"sources": [{"form_field": "x"}]}}),
            "token.sources[0]",
        ),
        (json!({"token": {"max_length": 1}}), "token.max_length"),
        (json!({"claims": {"leeway": 301}}), "claims.leeway"),
        (json!({"claims": {"leeway": -1}}), "claims.leeway"),
        (
            json!({"claims": {"max_lifetime": 0}}),
            "claims.max_lifetime",
        ),
        (json!({"claims": {"channel": {}}}), "claims.channel"),
        (
            json!({"claims": {"channel": {"arn": "not-an-arn"}}}),
            "claims.channel.arn",
        ),
        (
            json!({"claims": {"channel": {"arns": []}}}),
            "claims.channel",
        ),
        (
            json!({"claims": {"channel": {"arn": "arn:aws:ivs:us-west-2:1:channel/{id}"}}}),
            "claims.channel.arn",
        ),
        (
            json!({"claims": {"channel": {"path": "/c/{id}/", "arn": "arn:aws:ivs:us-west-2:1:channel/x"}}}),
            "claims.channel.arn",
        ),
        (
            json!({"claims": {"channel": {"path": "/c/", "arn": "arn:aws:ivs:us-west-2:1:channel/{id}"}}}),
            "claims.channel.path",
        ),
        (
            json!({"claims": {"channel": {"path": "/c/x{id}/", "arn": "arn:aws:ivs:us-west-2:1:channel/{id}"}}}),
            "claims.channel.path",
        ),
        (json!({"deny": {"status": 200}}), "deny.status"),
        (
            json!({"deny": {"missing_token_status": 302}}),
            "deny.missing_token_status",
        ),
        (json!({"deny": {"status": "403"}}), "deny.status"),
    ];
    for (extra, field) in cases {
        let (f, msg) = err(base(extra.clone()));
        assert!(
            f.starts_with(field),
            "{extra}: field {f:?}, want {field:?} ({msg})"
        );
    }
}

/// ES384 keys are uncompressed points (what IVS, OpenSSL and JWKs give): the same key compressed is
/// refused with a message that says so; other curves, other labels and off-curve points are refused.
#[test]
fn es384_pem_keys_are_uncompressed_p384_points() {
    let key = |pem: &str| json!({"keys": [{"kid": "k", "alg": "ES384", "public_key": pem}]});
    let uncompressed = "-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEZXECcT1j8yCSSH4QdZ/dB/o1+qlqL+q2\npMUNsOEzTi2wZg7cg7KaWCqv0yJcQVclMD9dBIn8mNufCzRWLLEmFhJxGKkl+k4N\nBBVZCo+gtQsDS8HRwEOBc6dCXnMOyCVV\n-----END PUBLIC KEY-----";
    Gate::from_json(&key(uncompressed).to_string()).expect("uncompressed P-384 key");
    for pem in [
        "-----BEGIN PUBLIC KEY-----\nMEYwEAYHKoZIzj0CAQYFK4EEACIDMgADZXECcT1j8yCSSH4QdZ/dB/o1+qlqL+q2\npMUNsOEzTi2wZg7cg7KaWCqv0yJcQVcl\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUK2ypku/Opooa5SLH15S4f+clF3a\nHbzuk+yyQEcRnbR0pbLpu1xvtoEebXyntBIleJM4xrmyAV7ctCDFJz1HBA==\n-----END PUBLIC KEY-----",
        "-----BEGIN PRIVATE KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEZXECcT1j8yCSSH4QdZ/dB/o1+qlqL+q2\npMUNsOEzTi2wZg7cg7KaWCqv0yJcQVclMD9dBIn8mNufCzRWLLEmFhJxGKkl+k4N\nBBVZCo+gtQsDS8HRwEOBc6dCXnMOyCVV\n-----END PRIVATE KEY-----",
        "-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEZXECcT1j8yCSSH4QdZ/dB/o1+qlqL+q2\npMUNsOEzTi2wZg7cg7KaWCqv0yJcQVclMD9dBIn8mNufCzRWLLEmFhJxGKkl+k4N\nBBVZCo+gtQsDS8HRwEOBc6dCXnMOyCVU\n-----END PUBLIC KEY-----",
    ] {
        let (field, msg) = err(key(pem));
        assert_eq!(field, "keys[0].public_key", "{pem}");
        assert!(msg.contains("uncompressed point"), "{msg}");
    }
}
