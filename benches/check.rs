//! Full-check benchmarks: playgate's `Gate::check` (locate + parse + verify + claims + policy) on
//! an HS256 and an ES384 (IVS-style) token, next to the `jsonwebtoken` and `jwt-simple` crates
//! verifying the same tokens (signature + claims into a struct) in the same run. Report ratios,
//! not absolute times.

mod common;

use common::{Fixture, IvsClaims, IvsCustom, HS_SECRET, NOW};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jwt_simple::prelude::{
    ECDSAP384PublicKeyLike, ES384PublicKey, HS256Key, MACLike, VerificationOptions,
};
use playgate::CachingGate;

/// jwt-simple checks `exp`/`iat` against the system clock; the tokens are dated at `NOW`.
fn simple_options() -> VerificationOptions {
    VerificationOptions {
        accept_future: true,
        ..VerificationOptions::default()
    }
}

fn bench(c: &mut Criterion) {
    // HS256
    let secret = HS_SECRET;
    let fx = Fixture::hs256(NOW);
    let (gate, token, req) = (&fx.gate, &fx.token, fx.request());
    assert!(gate.check(&req, NOW).is_allowed());

    let key = jsonwebtoken::DecodingKey::from_secret(&secret);
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.validate_exp = false; // its clock is the system's; playgate's is injected: compare crypto+parse work
    v.required_spec_claims.clear();
    assert!(jsonwebtoken::decode::<IvsClaims>(token, &key, &v).is_ok());

    let simple = HS256Key::from_bytes(&secret);
    let opts = simple_options();
    assert!(simple
        .verify_token::<IvsCustom>(token, Some(opts.clone()))
        .is_ok());

    let mut cached = CachingGate::new(gate.clone(), 1024);
    assert!(cached.check(&req, NOW).is_allowed());
    let mut g = c.benchmark_group("hs256_full_check");
    g.bench_function("playgate", |b| {
        b.iter(|| black_box(gate.check(black_box(&req), NOW)))
    });
    g.bench_function("playgate_cache_hit", |b| {
        b.iter(|| black_box(cached.check(black_box(&req), NOW)))
    });
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| {
            black_box(jsonwebtoken::decode::<IvsClaims>(
                black_box(token),
                &key,
                &v,
            ))
        })
    });
    g.bench_function("jwt_simple", |b| {
        b.iter(|| black_box(simple.verify_token::<IvsCustom>(black_box(token), Some(opts.clone()))))
    });
    g.finish();

    // ES384
    let fx = Fixture::es384(NOW);
    let (gate, token, req) = (&fx.gate, &fx.token, fx.request());
    assert!(gate.check(&req, NOW).is_allowed());
    let pem = fx.key.public_key_pem().unwrap();
    let key = jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES384);
    v.validate_exp = false;
    v.required_spec_claims.clear();
    assert!(jsonwebtoken::decode::<IvsClaims>(token, &key, &v).is_ok());

    let simple = ES384PublicKey::from_pem(&pem).unwrap();
    assert!(simple
        .verify_token::<IvsCustom>(token, Some(opts.clone()))
        .is_ok());

    let mut cached = CachingGate::new(gate.clone(), 1024);
    assert!(cached.check(&req, NOW).is_allowed());
    let mut g = c.benchmark_group("es384_full_check");
    g.sample_size(20);
    g.bench_function("playgate", |b| {
        b.iter(|| black_box(gate.check(black_box(&req), NOW)))
    });
    g.bench_function("playgate_cache_hit", |b| {
        b.iter(|| black_box(cached.check(black_box(&req), NOW)))
    });
    g.bench_function("jsonwebtoken", |b| {
        b.iter(|| {
            black_box(jsonwebtoken::decode::<IvsClaims>(
                black_box(token),
                &key,
                &v,
            ))
        })
    });
    g.bench_function("jwt_simple", |b| {
        b.iter(|| black_box(simple.verify_token::<IvsCustom>(black_box(token), Some(opts.clone()))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
