//! Revocation lookups: one id against a 1,000,000-element filter (hashing included, as a request
//! pays it), the bit test alone (digest precomputed), a viewer-table lookup, and a full HS256 gate
//! check with and without the revocation stage, so its share of a request is visible.
//! Capacity and false-positive measurements: `cargo run --release --example revocation_capacity`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::revocation::{
    element_digest, FilterBuilder, Kind, Params, RevocationFilter, RevocationSource,
};
use playgate::{Gate, Request};
use serde_json::json;

const NOW: u64 = 1_800_000_000;
const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

fn uuid(i: u64) -> String {
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        i
    )
}

fn filter(n: u64, fp: f64) -> RevocationFilter {
    let params = Params::plan(n, fp, 12).unwrap();
    let mut b = FilterBuilder::new(params, [3; 12], 3600);
    for i in 0..n {
        b.insert(Kind::Session, &uuid(i), NOW + 3600);
    }
    b.insert_viewer(ARN, "viewer-42", 0, NOW + 600);
    b.finish(NOW)
}

fn bench(c: &mut Criterion) {
    let f = filter(1_000_000, 1e-6);
    let member = uuid(123_456);
    let stranger = "7d0c3a4e-0000-4000-8000-000000000000".to_string();
    assert!(f.contains(Kind::Session, &member));
    let digest = element_digest(f.seed(), Kind::Session, &stranger);

    let mut g = c.benchmark_group("revocation_lookup_1M_1e-6");
    g.bench_function("member_uuid", |b| {
        b.iter(|| black_box(f.contains(Kind::Session, black_box(&member))))
    });
    g.bench_function("non_member_uuid", |b| {
        b.iter(|| black_box(f.contains(Kind::Session, black_box(&stranger))))
    });
    g.bench_function("bits_only_precomputed_digest", |b| {
        b.iter(|| black_box(f.contains_digest(black_box(&digest))))
    });
    g.bench_function("sha256_only", |b| {
        b.iter(|| {
            black_box(element_digest(
                f.seed(),
                Kind::Session,
                black_box(&stranger),
            ))
        })
    });
    g.bench_function("viewer_table", |b| {
        b.iter(|| black_box(f.viewer_revoked(black_box(ARN), black_box("viewer-7"), 1)))
    });
    g.finish();

    // A whole request: HS256 token with sid + jti, revocation as the last stage.
    let hs = SigningKey::hs_from_bytes("k1", Alg::HS256, &[7u8; 32]).unwrap();
    let plain = Gate::from_json(&json!({"keys": [hs.verifying_entry()]}).to_string()).unwrap();
    let revoking = Gate::from_json(
        &json!({"keys": [hs.verifying_entry()], "revocation": {"claims": ["sid", "jti"]}})
            .to_string(),
    )
    .unwrap();
    let token = hs
        .mint(&json!({"sid": stranger, "jti": "b2f7c1d0-1111-4222-8333-444455556666", "exp": NOW + 600}), true)
        .unwrap();
    let query = format!("token={token}");
    let req = Request {
        method: "GET",
        uri: "/live/720p/seg_00042.ts",
        querystring: &query,
        ..Request::default()
    };
    let src: &dyn RevocationSource = &f;
    assert!(revoking.check_with(&req, NOW, Some(src)).is_allowed());
    let mut g = c.benchmark_group("hs256_check_revocation");
    g.bench_function("without_revocation", |b| {
        b.iter(|| black_box(plain.check(black_box(&req), NOW)))
    });
    g.bench_function("with_revocation_sid_jti", |b| {
        b.iter(|| black_box(revoking.check_with(black_box(&req), NOW, Some(src))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
