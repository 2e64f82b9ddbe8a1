//! Heap allocations per check, counted with dhat's heap-usage testing. Issue 8: a cache hit
//! allocates nothing in the cache, nor in the policy (path scope, ip binding) it re-checks; the one
//! allocation a hit makes is the decision's forwarded URI (an owned `String` in the public `Forward`).
//! First sight has a ceiling, so a change that adds allocations to it shows up here.
//!
//! dhat's counts are process-wide, so this binary has one test.

use playgate::mint::SigningKey;
use playgate::{CachingGate, Decision, Gate, Reason, Request};
use serde_json::json;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Heap blocks allocated while `f` runs.
fn allocations<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = dhat::HeapStats::get().total_blocks;
    let r = f();
    (dhat::HeapStats::get().total_blocks - before, r)
}

const NOW: u64 = 1_800_000_000;
const SECRET: &str = "cGxheWdhdGUtdGVzdC1vbmx5OmFsbG9jOnBsYXlnYXRlLXRlc3Q";

fn request<'a>(query: &'a str, ip: &'a str) -> Request<'a> {
    Request {
        method: "GET",
        uri: "/live/stream/seg_00042.ts",
        querystring: query,
        headers: &[],
        cookies: &[],
        client_ip: ip,
    }
}

#[test]
fn allocations_per_check() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let key = json!({ "kid": "k1", "alg": "HS256", "secret": SECRET });
    let config = json!({ "keys": [key] }).to_string();
    let mut gate = CachingGate::new(Gate::from_json(&config).unwrap(), 64);
    let claims = json!({
        "exp": NOW + 600,
        "aws:channel-arn": "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456",
        "paths": ["/live/**"],
        "ip": "203.0.113.0/24",
    });
    let token = SigningKey::from_json(&key.to_string())
        .unwrap()
        .mint(&claims, true)
        .unwrap();
    let query = format!("token={token}");

    let (first, d) = allocations(|| gate.check(&request(&query, "203.0.113.9"), NOW));
    assert!(d.is_allowed(), "{d:?}");
    // 19 on 2026-12-04 for this token (kid, claims, `paths` compiled to globs, `ip` blocks, the
    // cache's copy of the token, the forwarded URI, ...): a ceiling.
    assert!(first <= 19, "first sight: {first}");

    let (hit, d) = allocations(|| gate.check(&request(&query, "203.0.113.9"), NOW));
    let Decision::Allow(a) = &d else {
        panic!("{d:?}")
    };
    assert_eq!(gate.stats(), (1, 1));
    // The forwarded URI; the query string (`token=` alone) forwards empty, which allocates nothing.
    assert_eq!(a.forward.uri, "/live/stream/seg_00042.ts");
    assert_eq!(a.forward.querystring, "");
    assert_eq!(hit, 1, "a cache hit");

    // A denied hit (the client outside the token's `ip` block): the same one, the forwarded URI
    // being built before the policy reads (and may rewrite) it.
    let (denied, d) = allocations(|| gate.check(&request(&query, "198.51.100.1"), NOW));
    assert_eq!(d.reason(), Some(Reason::BindingMismatch));
    assert_eq!(denied, 1, "a denied cache hit");
}
