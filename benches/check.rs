//! Full-check benchmarks: playgate's `Gate::check` (locate + parse + verify + claims + policy) on
//! an HS256 and an ES384 (IVS-style) token, next to the `jsonwebtoken` and `jwt-simple` crates
//! verifying the same tokens (signature + claims into a struct) in the same run. Report ratios,
//! not absolute times.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jwt_simple::prelude::{
    ECDSAP384PublicKeyLike, ES384PublicKey, HS256Key, MACLike, VerificationOptions,
};
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::{CachingGate, Gate, Request};
use serde_json::json;

const NOW: u64 = 1_800_000_000;
const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

fn claims() -> serde_json::Value {
    json!({"aws:channel-arn": ARN, "aws:access-control-allow-origin": "*", "aws:viewer-id": "viewer-42",
           "aws:viewer-session-version": 1, "exp": NOW + 500, "iat": NOW - 100})
}

/// jwt-simple parses the registered claims itself; this is the rest.
#[derive(serde::Serialize, serde::Deserialize)]
#[allow(dead_code)]
struct IvsCustom {
    #[serde(rename = "aws:channel-arn")]
    channel: String,
}

/// jwt-simple checks `exp`/`iat` against the system clock; the tokens are dated at `NOW`.
fn simple_options() -> VerificationOptions {
    VerificationOptions {
        accept_future: true,
        ..VerificationOptions::default()
    }
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct IvsClaims {
    exp: u64,
    #[serde(rename = "aws:channel-arn")]
    channel: String,
}

fn bench(c: &mut Criterion) {
    // HS256
    let secret = [7u8; 32];
    let hs = SigningKey::hs_from_bytes("k1", Alg::HS256, &secret).unwrap();
    let gate = Gate::from_json(
        &json!({"keys": [hs.verifying_entry()], "claims": {"channel": {"arn": ARN}}}).to_string(),
    )
    .unwrap();
    let token = hs.mint(&claims(), true).unwrap();
    let query = format!("token={token}");
    let req = Request {
        method: "GET",
        uri: "/live/720p/seg_00042.ts",
        querystring: &query,
        ..Request::default()
    };
    assert!(gate.check(&req, NOW).is_allowed());

    let key = jsonwebtoken::DecodingKey::from_secret(&secret);
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.validate_exp = false; // its clock is the system's; playgate's is injected: compare crypto+parse work
    v.required_spec_claims.clear();
    assert!(jsonwebtoken::decode::<IvsClaims>(&token, &key, &v).is_ok());

    let simple = HS256Key::from_bytes(&secret);
    let opts = simple_options();
    assert!(simple
        .verify_token::<IvsCustom>(&token, Some(opts.clone()))
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
                black_box(&token),
                &key,
                &v,
            ))
        })
    });
    g.bench_function("jwt_simple", |b| {
        b.iter(|| {
            black_box(simple.verify_token::<IvsCustom>(black_box(&token), Some(opts.clone())))
        })
    });
    g.finish();

    // ES384
    let es = SigningKey::es384_from_scalar("ivs", &[0x11; 48]).unwrap();
    let gate = Gate::from_json(
        &json!({"keys": [es.verifying_entry()], "claims": {"channel": {"arn": ARN}}}).to_string(),
    )
    .unwrap();
    let token = es.mint(&claims(), false).unwrap();
    let query = format!("token={token}");
    let req = Request {
        method: "GET",
        uri: "/live/index.m3u8",
        querystring: &query,
        ..Request::default()
    };
    assert!(gate.check(&req, NOW).is_allowed());
    let pem = es.public_key_pem().unwrap();
    let key = jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES384);
    v.validate_exp = false;
    v.required_spec_claims.clear();
    assert!(jsonwebtoken::decode::<IvsClaims>(&token, &key, &v).is_ok());

    let simple = ES384PublicKey::from_pem(&pem).unwrap();
    assert!(simple
        .verify_token::<IvsCustom>(&token, Some(opts.clone()))
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
                black_box(&token),
                &key,
                &v,
            ))
        })
    });
    g.bench_function("jwt_simple", |b| {
        b.iter(|| {
            black_box(simple.verify_token::<IvsCustom>(black_box(&token), Some(opts.clone())))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
