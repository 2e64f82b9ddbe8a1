//! Public test vectors nobody on the team wrote (`fixtures/third_party/`, sources in its README):
//! Wycheproof ECDSA P-384/SHA-384 (P1363, i.e. JWS `R ‖ S`) through playgate's ES384, Wycheproof
//! HMAC-SHA-256/384/512 through the HMAC path the gate uses, the Wycheproof JWS HS256 group through
//! `Gate::check`, RFC 7515 A.1 through `Gate::check`, and RFC 6979 A.2.6 (P-384 key derivation and
//! deterministic SHA-384 signatures).
//!
//! Counts are printed (`cargo test --test vectors -- --nocapture`) and written to
//! `target/vectors.json`.

use jwt_compact::alg::{Hs256, Hs256Key, Hs384, Hs384Key, Hs512, Hs512Key};
use jwt_compact::{Algorithm, AlgorithmSignature};
use playgate::es384::{Es384, Es384Signature, SigningKey, VerifyingKey};
use playgate::{Gate, Reason, Request};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

fn third_party(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/third_party/wycheproof")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn b64u(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Every test group's cases, with the file's declared count checked.
fn cases(file: &Value) -> Vec<(&Value, &Value)> {
    let groups = file["testGroups"].as_array().expect("testGroups");
    let all: Vec<_> = groups
        .iter()
        .flat_map(|g| {
            g["tests"]
                .as_array()
                .expect("tests")
                .iter()
                .map(move |t| (g, t))
        })
        .collect();
    assert_eq!(
        all.len() as u64,
        file["numberOfTests"].as_u64().expect("numberOfTests"),
        "numberOfTests does not match the cases present"
    );
    all
}

/// Counts per file, printed and written to `target/vectors.json` by whichever test finishes last.
static COUNTS: Mutex<BTreeMap<String, BTreeMap<String, u64>>> = Mutex::new(BTreeMap::new());
const FILES: usize = 7;

fn report(file: &str, counts: BTreeMap<String, u64>) {
    eprintln!("vectors {file}: {counts:?}");
    let mut all = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    all.insert(file.into(), counts);
    if all.len() == FILES {
        let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/vectors.json");
        let _ = std::fs::create_dir_all(out.parent().expect("parent"));
        let _ = std::fs::write(&out, serde_json::to_string_pretty(&*all).expect("json"));
    }
}

#[test]
fn wycheproof_ecdsa_p384_sha384_p1363() {
    let file = third_party("ecdsa_secp384r1_sha384_p1363_test.json");
    let mut counts = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut acceptable = Vec::new();
    for (group, t) in cases(&file) {
        assert_eq!(group["sha"], "SHA-384");
        assert_eq!(group["publicKey"]["curve"], "secp384r1");
        let key = VerifyingKey::from_sec1_bytes(&hex(group["publicKey"]["uncompressed"]
            .as_str()
            .unwrap()))
        .expect("Wycheproof public key");
        let msg = hex(t["msg"].as_str().unwrap());
        let sig = hex(t["sig"].as_str().unwrap());
        // The gate's own path: `AlgorithmSignature::try_from_slice` (length and scalar range), then
        // jwt-compact's `Algorithm::verify_signature`.
        let verified = match Es384Signature::try_from_slice(&sig) {
            Ok(s) => Es384.verify_signature(&s, &key, &msg),
            Err(_) => false,
        };
        let result = t["result"].as_str().unwrap();
        let id = t["tcId"].as_u64().unwrap();
        match (result, verified) {
            ("valid", true) | ("invalid", false) => {
                *counts.entry(format!("{result}: agreed")).or_insert(0) += 1
            }
            ("acceptable", v) => {
                acceptable.push((id, v));
                *counts
                    .entry(format!(
                        "acceptable: playgate {}",
                        if v { "accepts" } else { "rejects" }
                    ))
                    .or_insert(0) += 1;
            }
            _ => wrong.push((id, t["comment"].clone(), result, verified)),
        }
    }
    assert!(
        wrong.is_empty(),
        "ES384 verdicts differ from Wycheproof: {wrong:?}"
    );
    // The 2026 revision of this file has no "acceptable" cases; if one appears, its verdict is
    // printed above and must be documented in fixtures/third_party/README.md.
    eprintln!("acceptable cases (tcId, playgate accepts): {acceptable:?}");
    report("ecdsa_secp384r1_sha384_p1363_test.json", counts);
}

#[test]
fn wycheproof_ecdsa_keys_load_as_gate_config() {
    // Every Wycheproof public key loads through both config forms (SPKI PEM and JWK), the same way.
    let file = third_party("ecdsa_secp384r1_sha384_p1363_test.json");
    let (mut n, mut no_jwk) = (0, 0);
    for group in file["testGroups"].as_array().unwrap() {
        let pem = group["publicKeyPem"].as_str().unwrap();
        let mut keys = vec![json!({"kid": "pem", "alg": "ES384", "public_key": pem})];
        // A few groups carry no JWK form; the uncompressed point is then given as x/y.
        let (x, y) = match &group["publicKeyJwk"] {
            Value::Object(jwk) => (jwk["x"].clone(), jwk["y"].clone()),
            _ => {
                no_jwk += 1;
                let k = &group["publicKey"];
                (
                    json!(b64u(&hex(k["wx"].as_str().unwrap()))),
                    json!(b64u(&hex(k["wy"].as_str().unwrap()))),
                )
            }
        };
        keys.push(json!({"kid": "jwk", "alg": "ES384", "jwk": {"kty": "EC", "crv": "P-384", "x": x, "y": y}}));
        Gate::from_json(&json!({ "keys": keys }).to_string())
            .unwrap_or_else(|e| panic!("key not accepted: {e}"));
        n += 1;
    }
    eprintln!(
        "vectors ecdsa keys: {n} groups load as PEM and as JWK ({no_jwk} JWKs built from wx/wy)"
    );
}

/// The gate's HMAC check (`src/jwt.rs` `verify_with`): exact signature length, then jwt-compact's
/// constant-time verification.
fn gate_hmac<A: Algorithm>(alg: &A, key: &A::VerifyingKey, msg: &[u8], tag: &[u8]) -> bool {
    if let Some(len) = A::Signature::LENGTH {
        if tag.len() != len.get() {
            return false;
        }
    }
    match A::Signature::try_from_slice(tag) {
        Ok(s) => alg.verify_signature(&s, key, msg),
        Err(_) => false,
    }
}

fn wycheproof_hmac(name: &str, alg: &str, full_tag_bits: u64, min_key_bytes: usize) {
    let file = third_party(name);
    let mut counts = BTreeMap::new();
    let mut wrong = Vec::new();
    for (group, t) in cases(&file) {
        let key = hex(t["key"].as_str().unwrap());
        let msg = hex(t["msg"].as_str().unwrap());
        let tag = hex(t["tag"].as_str().unwrap());
        let verified = match alg {
            "HS256" => gate_hmac(&Hs256, &Hs256Key::new(&key), &msg, &tag),
            "HS384" => gate_hmac(&Hs384, &Hs384Key::new(&key), &msg, &tag),
            _ => gate_hmac(&Hs512, &Hs512Key::new(&key), &msg, &tag),
        };
        let result = t["result"].as_str().unwrap();
        let id = t["tcId"].as_u64().unwrap();
        let full = group["tagSize"].as_u64() == Some(full_tag_bits);
        let class = match (full, result, verified) {
            (true, "valid", true) => "full tag, valid: accepted",
            (true, "invalid", false) => "full tag, invalid: rejected",
            // JWS HS* carries the whole MAC: truncated tags are never accepted, even correct ones.
            (false, "valid", false) => "truncated tag, valid: rejected (JWS needs the full tag)",
            (false, "invalid", false) => "truncated tag, invalid: rejected",
            _ => {
                wrong.push((id, t["comment"].clone(), result, verified));
                continue;
            }
        };
        *counts.entry(class.to_string()).or_insert(0) += 1;
    }
    assert!(
        wrong.is_empty(),
        "{alg} verdicts differ from Wycheproof: {wrong:?}"
    );

    // Keys shorter than the hash are refused when the gate is configured, naming the field.
    let mut refused = 0;
    for group in file["testGroups"].as_array().unwrap() {
        let t = &group["tests"][0];
        let key = hex(t["key"].as_str().unwrap());
        let cfg = json!({"keys": [{"kid": "w", "alg": alg, "secret": b64u(&key)}]}).to_string();
        let loaded = Gate::from_json(&cfg);
        if key.len() < min_key_bytes {
            let e = loaded.expect_err("short key accepted");
            assert!(e.to_string().starts_with("keys[0].secret"), "{e}");
            refused += 1;
        } else {
            loaded.unwrap_or_else(|e| panic!("key of {} bytes refused: {e}", key.len()));
        }
    }
    counts.insert(
        "groups whose key is too short for a gate config (refused)".into(),
        refused,
    );
    report(name, counts);
}

#[test]
fn wycheproof_hmac_sha256() {
    wycheproof_hmac("hmac_sha256_test.json", "HS256", 256, 32);
}

#[test]
fn wycheproof_hmac_sha384() {
    wycheproof_hmac("hmac_sha384_test.json", "HS384", 384, 48);
}

#[test]
fn wycheproof_hmac_sha512() {
    wycheproof_hmac("hmac_sha512_test.json", "HS512", 512, 64);
}

fn query_request(query: &str) -> Request<'_> {
    Request {
        method: "GET",
        uri: "/live/index.m3u8",
        querystring: query,
        ..Request::default()
    }
}

#[test]
fn wycheproof_jws_hs256_group() {
    // The `hs256` group of Wycheproof's json_web_signature_test.json (see the README for the groups
    // playgate does not support). Its payload is `foo`, not a JWT claims set, so the one valid
    // token is checked at the signature layer and, through the gate, must be refused only for its
    // payload (malformed_token), never for its signature.
    let file = third_party("json_web_signature_test.hs256.json");
    let group = &file["testGroups"][0];
    let k = group["private"]["k"].as_str().unwrap();
    let kid = group["private"]["kid"].as_str().unwrap();
    let gate = Gate::from_json(
        &json!({"keys": [{"kid": kid, "alg": "HS256", "secret": k}], "claims": {"require_exp": false}})
            .to_string(),
    )
    .expect("hs256 group key");
    let key = {
        use base64::Engine;
        Hs256Key::new(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(k)
                .unwrap(),
        )
    };
    let mut counts = BTreeMap::new();
    for t in group["tests"].as_array().unwrap() {
        let jws = t["jws"].as_str().unwrap();
        let result = t["result"].as_str().unwrap();
        let q = format!(
            "token={}",
            jws.replace('%', "%25")
                .replace('&', "%26")
                .replace('"', "%22")
        );
        let decision = gate.check(&query_request(&q), 1_800_000_000);
        assert!(!decision.is_allowed(), "tcId {}: allowed", t["tcId"]);
        let reason = decision.reason().expect("denied");
        if result == "valid" {
            let (input, sig) = jws.rsplit_once('.').unwrap();
            use base64::Engine;
            let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(sig)
                .unwrap();
            assert!(
                gate_hmac(&Hs256, &key, input.as_bytes(), &sig),
                "valid signature rejected"
            );
            assert_eq!(
                reason,
                Reason::MalformedToken,
                "payload `foo` is not a claims set"
            );
            *counts
                .entry(
                    "valid: signature verifies; gate denies malformed_token (payload not JSON)"
                        .to_string(),
                )
                .or_insert(0) += 1;
        } else {
            *counts
                .entry(format!("invalid: denied ({})", reason.code()))
                .or_insert(0) += 1;
        }
    }
    report("json_web_signature_test.json (hs256 group)", counts);
}

// RFC 7515 Appendix A.1: the HS256 example (header with CRLF whitespace, no `kid`).
const RFC7515_A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC7515_A1_KEY: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const RFC7515_A1_EXP: u64 = 1_300_819_380;

#[test]
fn rfc7515_a1_through_the_gate() {
    let gate = Gate::from_json(
        &json!({"keys": [{"kid": "rfc7515-a1", "alg": "HS256", "secret": RFC7515_A1_KEY}]})
            .to_string(),
    )
    .expect("RFC 7515 A.1 key");
    let q = format!("token={RFC7515_A1_TOKEN}&x=1");
    let mut counts = BTreeMap::new();

    // The clock is injected: one second before `exp` the token is good.
    match gate.check(&query_request(&q), RFC7515_A1_EXP - 1) {
        playgate::Decision::Allow(a) => {
            assert_eq!(a.forward.querystring, "x=1");
            assert_eq!(a.claims.exp, Some(RFC7515_A1_EXP as f64));
            assert_eq!(a.claims.kid.as_deref(), Some("rfc7515-a1"));
            assert_eq!(a.claims.extra["iss"], "joe");
            assert_eq!(a.claims.extra["http://example.com/is_root"], true);
            counts.insert("allowed at exp - 1".to_string(), 1);
        }
        playgate::Decision::Deny(d) => panic!("RFC 7515 A.1 denied: {}", d.reason.code()),
    }
    // `exp == now` is expired (contracts §1), and so is the real "now".
    for now in [RFC7515_A1_EXP, 1_800_000_000] {
        assert_eq!(
            gate.check(&query_request(&q), now).reason(),
            Some(Reason::Expired)
        );
    }
    counts.insert("expired at exp and later".to_string(), 2);
    // A flipped signature character and a different key are bad signatures.
    let tampered = format!("token={}A", &RFC7515_A1_TOKEN[..RFC7515_A1_TOKEN.len() - 1]);
    assert_eq!(
        gate.check(&query_request(&tampered), RFC7515_A1_EXP - 1)
            .reason(),
        Some(Reason::BadSignature)
    );
    let other = Gate::from_json(
        &json!({"keys": [{"kid": "o", "alg": "HS256", "secret": b64u(&[7u8; 32])}]}).to_string(),
    )
    .unwrap();
    assert_eq!(
        other.check(&query_request(&q), RFC7515_A1_EXP - 1).reason(),
        Some(Reason::BadSignature)
    );
    counts.insert("bad_signature (tampered, other key)".to_string(), 2);
    report("RFC 7515 A.1", counts);
}

// RFC 6979 A.2.6: ECDSA, 384 bits (prime field), with SHA-384.
const RFC6979_X: &str = "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5";
const RFC6979_UX: &str = "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13";
const RFC6979_UY: &str = "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720";
const RFC6979_SIGS: [(&str, &str, &str); 2] = [
    (
        "sample",
        "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46",
        "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8",
    ),
    (
        "test",
        "8203B63D3C853E8D77227FB377BCF7B7B772E97892A80F36AB775D509D7A5FEB0542A7F0812998DA8F1DD3CA3CF023DB",
        "DDD0760448D42D8A43AF45AF836FCE4DE8BE06B485E9B61B827C2F13173923E06A739F040649A667BF3B828246BAA5A5",
    ),
];

#[test]
fn rfc6979_a26_p384_sha384() {
    let mut counts = BTreeMap::new();
    let sk = SigningKey::from_slice(&hex(RFC6979_X)).expect("RFC 6979 private key");
    let vk = VerifyingKey::from(&sk);
    let point = vk.to_sec1_point(false);
    let expected = [vec![0x04], hex(RFC6979_UX), hex(RFC6979_UY)].concat();
    assert_eq!(
        point.as_bytes(),
        expected.as_slice(),
        "U = xG (uncompressed 04 ‖ Ux ‖ Uy)"
    );
    counts.insert("public key derived from x".to_string(), 1);

    for (msg, r, s) in RFC6979_SIGS {
        let expected = [hex(r), hex(s)].concat();
        // playgate's signer is deterministic (RFC 6979) and must reproduce the RFC's r ‖ s.
        let sig = Es384.sign(&sk, msg.as_bytes());
        assert_eq!(
            sig.as_bytes().into_owned(),
            expected,
            "signature over {msg:?}"
        );
        let parsed = Es384Signature::from_raw(&expected).expect("in range");
        assert!(Es384.verify_signature(&parsed, &vk, msg.as_bytes()));
        assert!(!Es384.verify_signature(&parsed, &vk, b"other"));
        counts.insert(format!("\"{msg}\": signature reproduced and verified"), 1);
    }

    // End to end: the RFC key as a JWK in a gate config, a token minted with the RFC private key.
    let minter = playgate::mint::SigningKey::es384_from_scalar("rfc6979", &hex(RFC6979_X)).unwrap();
    let gate = Gate::from_json(
        &json!({"keys": [{"kid": "rfc6979", "alg": "ES384",
                          "jwk": {"kty": "EC", "crv": "P-384", "x": b64u(&hex(RFC6979_UX)), "y": b64u(&hex(RFC6979_UY))}}]})
        .to_string(),
    )
    .unwrap();
    let now = 1_800_000_000u64;
    let token = minter.mint(&json!({"exp": now + 60}), false).unwrap();
    assert_eq!(
        token,
        minter.mint(&json!({"exp": now + 60}), false).unwrap(),
        "deterministic"
    );
    let q = format!("token={token}");
    assert!(gate.check(&query_request(&q), now).is_allowed());
    counts.insert("minted token allowed through Gate::check".to_string(), 1);
    report("RFC 6979 A.2.6", counts);
}
