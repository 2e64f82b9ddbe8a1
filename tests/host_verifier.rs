//! The ES384 host hook (`Host::es384`): a runtime's native verifier does the arithmetic, the core
//! does everything else. These tests pin what the host is asked, and that its answer can only
//! narrow what the core would decide on its own for bad signatures (a host that says "no" denies;
//! a host that cannot answer falls back to Rust).

use playgate::es384::{Es384Verifier, VerifyingKey};
use playgate::event::OwnedRequest;
use playgate::revocation::{RevocationFilter, RevocationSource};
use playgate::{CachingGate, Decision, Gate, Host, Reason};
use std::cell::RefCell;

mod common;
use common::{corpus_dir, load_cases};

/// One call to the host: public key, signing-input length, signature.
type Call = (Vec<u8>, usize, Vec<u8>);

/// A host that verifies with p384 itself and records every call.
#[derive(Default)]
struct Recording {
    calls: RefCell<Vec<Call>>,
}

impl Es384Verifier for Recording {
    fn verify(&self, public_key: &[u8], signed: &[u8], signature: &[u8]) -> Option<bool> {
        use p384::ecdsa::signature::Verifier;
        self.calls
            .borrow_mut()
            .push((public_key.to_vec(), signed.len(), signature.to_vec()));
        let key = VerifyingKey::from_sec1_bytes(public_key).ok()?;
        let sig = p384::ecdsa::Signature::from_slice(signature).ok()?;
        Some(key.verify(signed, &sig).is_ok())
    }
}

struct Answer(Option<bool>);

impl Es384Verifier for Answer {
    fn verify(&self, _: &[u8], _: &[u8], _: &[u8]) -> Option<bool> {
        self.0
    }
}

fn outcome(d: &Decision) -> (bool, u16, Option<Reason>) {
    (d.is_allowed(), d.status(), d.reason())
}

#[test]
fn corpus_verdicts_are_the_same_through_a_host_verifier() {
    let host = Recording::default();
    let mut es_cases = 0;
    for (file, config, case) in load_cases() {
        let name = case["name"].as_str().unwrap_or("?");
        let gate = Gate::from_json(&config.to_string()).expect("config");
        let (_, req) = OwnedRequest::from_value(&case["request"]).expect("request");
        let now = case["now"].as_u64().expect("now");
        let filter = case["revocation"]["filter"].as_str().and_then(|f| {
            RevocationFilter::from_bytes(&std::fs::read(corpus_dir().join(f)).expect("filter")).ok()
        });
        let revocation = filter.as_ref().map(|f| f as &dyn RevocationSource);
        let before = host.calls.borrow().len();
        let plain = req.with_view(|r| gate.check_with(r, now, revocation));
        let hosted = req.with_view(|r| {
            gate.check_host(
                r,
                now,
                Host {
                    revocation,
                    es384: Some(&host),
                },
            )
        });
        assert_eq!(outcome(&plain), outcome(&hosted), "{file}: {name}");
        if host.calls.borrow().len() > before {
            es_cases += 1;
        }
    }
    assert!(es_cases >= 40, "only {es_cases} cases reached the host");
    for (key, signed_len, sig) in host.calls.borrow().iter() {
        assert_eq!(key.len(), 97, "SEC1 uncompressed point");
        assert_eq!(key.first(), Some(&4));
        assert!(*signed_len > 0);
        assert_eq!(sig.len(), 96, "only 96-byte signatures reach the host");
        assert!(
            p384::ecdsa::Signature::from_slice(sig).is_ok(),
            "only in-range scalars reach the host"
        );
    }
}

fn ivs_case() -> (Gate, OwnedRequest, u64) {
    let (_, config, case) = load_cases()
        .into_iter()
        .find(|(_, _, c)| c["name"] == "IVS token, multivariant playlist")
        .expect("IVS case");
    let gate = Gate::from_json(&config.to_string()).expect("config");
    let (_, req) = OwnedRequest::from_value(&case["request"]).expect("request");
    (gate, req, case["now"].as_u64().expect("now"))
}

#[test]
fn a_host_that_says_no_denies_and_one_that_cannot_answer_falls_back() {
    let (gate, req, now) = ivs_case();
    let check = |a: Option<bool>| {
        req.with_view(|r| {
            gate.check_host(
                r,
                now,
                Host {
                    revocation: None,
                    es384: Some(&Answer(a)),
                },
            )
        })
    };
    assert!(check(None).is_allowed(), "None: verified in Rust");
    assert_eq!(check(Some(false)).reason(), Some(Reason::BadSignature));
    assert!(check(Some(true)).is_allowed());
}

#[test]
fn malformed_signatures_never_reach_the_host() {
    let (gate, req, now) = ivs_case();
    let host = Recording::default();
    // All-zero signature (CVE-2022-21449's "psychic signature") and a DER-length signature.
    let token = req.querystring.trim_start_matches("token=").to_string();
    let (signed, _) = token.rsplit_once('.').expect("jws");
    let zeros = format!("{signed}.{}", "A".repeat(128));
    let der = format!("{signed}.{}", "MGU".repeat(34));
    for bad in [zeros, der] {
        let doc = serde_json::json!({"uri": req.uri, "querystring": format!("token={bad}")});
        let (_, r) = OwnedRequest::from_value(&doc).expect("request");
        let d = r.with_view(|r| {
            gate.check_host(
                r,
                now,
                Host {
                    revocation: None,
                    es384: Some(&Answer(Some(true))),
                },
            )
        });
        assert!(!d.is_allowed(), "{bad}");
        let d = r.with_view(|r| {
            gate.check_host(
                r,
                now,
                Host {
                    revocation: None,
                    es384: Some(&host),
                },
            )
        });
        assert!(!d.is_allowed());
    }
    assert!(host.calls.borrow().is_empty());
}

#[test]
fn a_cache_hit_does_not_ask_the_host_again() {
    let (gate, req, now) = ivs_case();
    let host = Recording::default();
    let mut cached = CachingGate::new(gate, 16);
    for _ in 0..3 {
        let d = req.with_view(|r| {
            cached.check_host(
                r,
                now,
                Host {
                    revocation: None,
                    es384: Some(&host),
                },
            )
        });
        assert!(d.is_allowed());
    }
    assert_eq!(host.calls.borrow().len(), 1);
    assert_eq!(cached.stats(), (2, 1));
}
