//! Inputs found by fuzzing (`fuzz/`) that once crashed, hung or broke an invariant, replayed on
//! every test run. Each raw input is also kept in `fuzz/regressions/<target>/` so the fuzz targets
//! themselves replay it (`cargo fuzz run <target> fuzz/regressions/<target>/*`).

use playgate::revocation::{Params, RevocationFilter};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on a thread and fails if it has not returned within `secs` (a hang is the bug).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("did not return in time (hang)")
}

#[test]
fn filter_with_huge_element_count_predicts_quickly() {
    // fuzz/regressions/revocation_filter/huge-element-count-hang: a filter body (the fuzz target
    // appends the SHA-256 trailer) whose header claims 2.45e18 elements in two 64-byte blocks
    // (its reserved header bytes zeroed since the reader began refusing non-zero ones).
    // `expected_fp` summed ~3e10 Poisson terms (what `playgate revoke inspect` prints), so
    // inspecting such a file never returned.
    let body = include_bytes!("../fuzz/regressions/revocation_filter/huge-element-count-hang");
    let mut file = body.to_vec();
    file.extend_from_slice(&sha256(body));
    let fp = within(20, move || {
        let f = RevocationFilter::from_bytes(&file).expect("the input is a well-formed filter");
        assert_eq!(f.element_count(), 0x2200_0000_0000_0002);
        f.expected_fp()
    });
    assert!(
        (0.99..=1.0).contains(&fp),
        "a saturated filter answers yes: {fp}"
    );
}

#[test]
fn expected_fp_is_bounded_for_every_element_count() {
    let fps = within(20, || {
        let p = Params::new(9, 3, 1).expect("params");
        [1e6 as u64, 1e9 as u64, 2e9 as u64, u64::MAX / 2, u64::MAX].map(|n| p.expected_fp(n))
    });
    // The Poisson sum overshoots 1 by ~1e-6 for saturated filters (Stirling terms); harmless.
    for fp in fps {
        assert!((0.0..=1.0 + 1e-5).contains(&fp), "{fps:?}");
    }
    assert!(fps[4] > 0.99, "{fps:?}");
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

#[test]
fn a_secret_equal_to_the_error_text_is_not_a_leak() {
    // fuzz/regressions/config/secret-equal-to-error-text.json: the config fuzz target flagged a
    // "leak" because the fuzzer wrote a `secret` whose value is the error message itself
    // (`keys[1]: missing field `alg``). The message does not follow the secret: masking the value
    // leaves it unchanged. (The harness now checks exactly that before calling it a leak.)
    let text = include_str!("../fuzz/regressions/config/secret-equal-to-error-text.json");
    let secret = "keys[1]: missing field `alg` keys[1]: missing field `alg`";
    let shown = |t: &str| match playgate::Gate::from_json(t) {
        Ok(g) => format!("{g:?}"),
        Err(e) => format!("{e} {e:?}"),
    };
    let masked = text.replace(secret, &"Q".repeat(secret.len()));
    assert_eq!(shown(text), shown(&masked));
    assert!(shown(text).starts_with("keys[1]: missing field `alg`"));
}
