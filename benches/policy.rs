//! Cost of the playback policy stages (src/policy.rs) on top of a plain HS256 check, and of an
//! Akamai EdgeAuth check, in the same run. Report ratios against `hs256/plain`; the `hit/*` cases
//! (cache hits) against `hit/plain`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use playgate::akamai::{self, AkamaiAlg, AkamaiClaims, AkamaiKey};
use playgate::binding::digest_claim;
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::{CachingGate, Gate, Request};
use serde_json::json;

const NOW: u64 = 1_800_000_000;
const BIND_KEY: [u8; 32] = [9; 32];

fn bench(c: &mut Criterion) {
    let hs = SigningKey::hs_from_bytes("k1", Alg::HS256, &[7u8; 32]).unwrap();
    let plain_gate = Gate::from_json(&json!({"keys": [hs.verifying_entry()]}).to_string()).unwrap();
    let policy_gate = Gate::from_json(
        &json!({"keys": [hs.verifying_entry()],
                "paths": {"exempt": ["/ads/**"]},
                "binding": {"keys": ["CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk"]},
                "resolution": {"renditions": [{"pattern": "/**/1080p/**", "lines": 1080},
                                              {"pattern": "/**/720p/**", "lines": 720}]}})
        .to_string(),
    )
    .unwrap();
    let headers = [("cloudfront-viewer-country", "SE")];
    let plain_tok = hs.mint(&json!({"exp": NOW + 600}), true).unwrap();
    let bind = digest_claim(&BIND_KEY, &[("ip", "2001:db8::7"), ("country", "SE")]).unwrap();
    let policy_tok = hs
        .mint(
            &json!({"exp": NOW + 600, "aws:maximum-resolution": "HD",
                    "paths": ["/live/ch1/*.m3u8", "/live/ch1/720p/", "/live/ch1/480p/"], "bind": bind}),
            true,
        )
        .unwrap();
    let q_plain = format!("token={plain_tok}");
    let q_policy = format!("token={policy_tok}");
    let req = |q: &'static str| Request {
        method: "GET",
        uri: "/live/ch1/720p/seg_00042.ts",
        querystring: q,
        headers: &headers,
        client_ip: "2001:0db8:0000:0000:0000:0000:0000:0007",
        ..Default::default()
    };
    let q_plain: &'static str = Box::leak(q_plain.into_boxed_str());
    let q_policy: &'static str = Box::leak(q_policy.into_boxed_str());
    assert!(plain_gate.check(&req(q_plain), NOW).is_allowed());
    assert!(policy_gate.check(&req(q_policy), NOW).is_allowed());
    c.bench_function("hs256/plain", |b| {
        b.iter(|| plain_gate.check(black_box(&req(q_plain)), NOW))
    });
    c.bench_function("hs256/scope3+bind2+resolution", |b| {
        b.iter(|| policy_gate.check(black_box(&req(q_policy)), NOW))
    });

    // Cache hits, what a viewer's repeated segment requests cost: a path scope of three globs and
    // two `ip` blocks are kept with the cached claims (compiled and parsed once per token), so a
    // hit only matches them.
    let scoped_tok = hs
        .mint(
            &json!({"exp": NOW + 600,
                    "paths": ["/live/ch1/*.m3u8", "/live/ch1/720p/", "/live/ch1/480p/"],
                    "ip": ["203.0.113.0/24", "2001:db8::/32"]}),
            true,
        )
        .unwrap();
    let q_scoped: &'static str = Box::leak(format!("token={scoped_tok}").into_boxed_str());
    let ip_tok = hs
        .mint(
            &json!({"exp": NOW + 600, "ip": ["203.0.113.0/24", "2001:db8::/32"]}),
            true,
        )
        .unwrap();
    let q_ip: &'static str = Box::leak(format!("token={ip_tok}").into_boxed_str());
    let mut hit_plain = CachingGate::new(plain_gate.clone(), 64);
    let mut hit_ip = CachingGate::new(plain_gate.clone(), 64);
    let mut hit_scoped = CachingGate::new(plain_gate.clone(), 64);
    assert!(hit_ip.check(&req(q_ip), NOW).is_allowed());
    assert!(hit_plain.check(&req(q_plain), NOW).is_allowed());
    assert!(hit_scoped.check(&req(q_scoped), NOW).is_allowed());
    let outside = Request {
        client_ip: "198.51.100.7",
        ..req(q_scoped)
    };
    assert!(
        !hit_scoped.check(&outside, NOW).is_allowed(),
        "ip blocks enforced on a hit"
    );
    c.bench_function("hit/plain", |b| {
        b.iter(|| hit_plain.check(black_box(&req(q_plain)), NOW))
    });
    c.bench_function("hit/ip2", |b| {
        b.iter(|| hit_ip.check(black_box(&req(q_ip)), NOW))
    });
    c.bench_function("hit/scope3+ip2", |b| {
        b.iter(|| hit_scoped.check(black_box(&req(q_scoped)), NOW))
    });

    let key_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let ak_gate = Gate::from_json(
        &json!({"token": {"sources": [{"query": "__token__"}]},
                "akamai": {"keys": [{"kid": "k", "secret_hex": key_hex}]}})
        .to_string(),
    )
    .unwrap();
    let key = AkamaiKey::from_hex("k", key_hex).unwrap();
    let claims = AkamaiClaims {
        st: Some(NOW - 10),
        exp: NOW + 600,
        acl: Some("/live/ch1/*"),
        ..Default::default()
    };
    let t = akamai::mint(&claims, &key, AkamaiAlg::Sha256, None).unwrap();
    let q_ak: &'static str = Box::leak(format!("__token__={t}").into_boxed_str());
    assert!(ak_gate.check(&req(q_ak), NOW).is_allowed());
    c.bench_function("akamai-sha256/acl", |b| {
        b.iter(|| ak_gate.check(black_box(&req(q_ak)), NOW))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
