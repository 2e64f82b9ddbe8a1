//! Runs the whole conformance corpus (fixtures/conformance) through the Rust core and writes
//! target/conformance/rust.json. Every case must match: allow, status, reason and forward.

use playgate::event::OwnedRequest;
use playgate::revocation::{RevocationFilter, RevocationSource};
use playgate::{Decision, Gate};
use serde_json::{json, Value};
use std::path::Path;

mod common;
use common::{corpus_dir, load_cases};

fn decision_json(d: &Decision) -> Value {
    match d {
        Decision::Allow(a) => json!({"allow": true, "status": 200, "reason": null,
            "forward": {"uri": a.forward.uri, "querystring": a.forward.querystring}}),
        Decision::Deny(d) => json!({"allow": false, "status": d.status, "reason": d.reason.code()}),
    }
}

#[test]
fn corpus_passes_on_the_rust_core() {
    let cases = load_cases();
    assert!(cases.len() >= 150, "corpus has only {} cases", cases.len());
    let mut failures = Vec::new();
    for (file, config, case) in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let gate = Gate::from_json(&config.to_string())
            .unwrap_or_else(|e| panic!("{file}: {name}: config: {e}"));
        let (_, req) = OwnedRequest::from_value(&case["request"])
            .unwrap_or_else(|e| panic!("{file}: {name}: {e}"));
        let now = case["now"].as_u64().expect("now");
        // `"revocation": {"filter": file | null}`: a file that fails to load counts as unavailable.
        let filter = case["revocation"]["filter"].as_str().and_then(|name| {
            RevocationFilter::from_bytes(
                &std::fs::read(corpus_dir().join(name)).expect("filter file"),
            )
            .ok()
        });
        let source = filter.as_ref().map(|f| f as &dyn RevocationSource);
        let got = decision_json(&req.with_view(|r| gate.check_with(r, now, source)));
        let want = &case["expect"];
        let mut ok = got["allow"] == want["allow"]
            && got["status"] == want["status"]
            && got["reason"] == want["reason"];
        if let Some(fwd) = want.get("forward") {
            ok &= &got["forward"] == fwd;
        }
        if !ok {
            failures.push(format!("{file}: {name}\n    want {want}\n    got  {got}"));
        }
    }
    let passed = cases.len() - failures.len();
    let summary = json!({"passed": passed, "failed": failures.len(), "skipped": 0});
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/conformance");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("rust.json"), summary.to_string()).expect("write summary");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
