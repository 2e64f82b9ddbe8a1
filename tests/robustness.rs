//! Property tests: hostile input never panics and never yields an allow.

use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::{Gate, Request};
use proptest::prelude::*;
use serde_json::json;

const NOW: u64 = 1_800_000_000;
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

fn setup() -> &'static (Gate, String, Gate, String) {
    static S: std::sync::OnceLock<(Gate, String, Gate, String)> = std::sync::OnceLock::new();
    S.get_or_init(make)
}

fn make() -> (Gate, String, Gate, String) {
    let hs = SigningKey::hs_from_bytes("k1", Alg::HS256, &[9u8; 32]).unwrap();
    let gate = Gate::from_json(&json!({"keys": [hs.verifying_entry()]}).to_string()).unwrap();
    let token = hs
        .mint(&json!({"exp": NOW + 60, "sub": "v"}), true)
        .unwrap();
    let es = SigningKey::es384_from_scalar("e1", &[3u8; 48]).unwrap();
    let egate = Gate::from_json(&json!({"keys": [es.verifying_entry()]}).to_string()).unwrap();
    let etoken = es.mint(&json!({"exp": NOW + 60}), false).unwrap();
    (gate, token, egate, etoken)
}

fn check(gate: &Gate, token: &str) -> bool {
    let q = format!("token={token}");
    gate.check(
        &Request {
            method: "GET",
            uri: "/a.ts",
            querystring: &q,
            ..Default::default()
        },
        NOW,
    )
    .is_allowed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_single_character_change_is_denied(idx in any::<prop::sample::Index>(), c in prop::sample::select(ALPHABET)) {
        let (gate, token, _, _) = setup();
        let token = token.clone();
        let mut bytes = token.clone().into_bytes();
        let i = idx.index(bytes.len());
        bytes[i] = c;
        let mutated = String::from_utf8(bytes).unwrap();
        prop_assume!(mutated != token);
        prop_assert!(!check(gate, &mutated));
    }

    #[test]
    fn truncations_and_extensions_are_denied(cut in 0usize..400, tail in "[A-Za-z0-9_.-]{1,8}") {
        let (gate, token, _, _) = setup();
        let token = token.clone();
        let cut = cut.min(token.len() - 1);
        prop_assert!(!check(gate, &token[..cut]));
        let extended = format!("{token}{tail}");
        prop_assert!(!check(gate, &extended));
    }

    #[test]
    fn arbitrary_strings_never_allow(s in ".{0,600}") {
        let (gate, _, egate, _) = setup();
        let q = format!("token={s}");
        for g in [gate, egate] {
            let r = Request { method: "GET", uri: "/x", querystring: &q, headers: &[("cookie", &s), ("authorization", &s)], cookies: &[("t", &s)], client_ip: &s };
            prop_assert!(!g.check(&r, NOW).is_allowed());
            let r = Request { uri: &s, querystring: &s, ..Default::default() };
            prop_assert!(!g.check(&r, NOW).is_allowed());
        }
    }

    #[test]
    fn random_three_part_tokens_never_allow(h in "[A-Za-z0-9_-]{0,80}", p in "[A-Za-z0-9_-]{0,200}", s in "[A-Za-z0-9_-]{0,140}") {
        let (gate, _, egate, _) = setup();
        let t = format!("{h}.{p}.{s}");
        prop_assert!(!check(gate, &t));
        prop_assert!(!check(egate, &t));
    }
}

#[test]
fn es384_signature_bytes_mutations_are_denied() {
    let (_, _, egate, etoken) = setup();
    assert!(check(egate, etoken));
    let (signed, sig) = etoken.rsplit_once('.').unwrap();
    use base64::Engine;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let raw = e.decode(sig).unwrap();
    for i in 0..raw.len() {
        let mut m = raw.clone();
        m[i] ^= 0x80;
        assert!(
            !check(egate, &format!("{signed}.{}", e.encode(&m))),
            "byte {i}"
        );
    }
}
