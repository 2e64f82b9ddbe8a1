//! Issue 8's native targets, measured interleaved: playgate's full HS256 check (no cache), a
//! `CachingGate` hit, the `jsonwebtoken` and `jwt-simple` crates, and a minimal hand-written
//! verifier (base64 + HMAC + serde_json: the floor), on the same token and request as
//! `benches/check.rs` (`benches/common`).
//!
//! Criterion runs its subjects one after another, so on a shared machine a change in host speed
//! between two subjects shows up as a ratio. Here every round runs a short batch of each subject,
//! in an order rotated per round, and each ratio is the median of the per-round ratios (both
//! batches within a few milliseconds of each other).
//!
//! Clock: `std::time::Instant` (wall time; `libc` is not a dependency, so no per-thread CPU time).
//! Batches are short (`BENCH_BATCH_US`, 200 µs) so few of them contain a preemption, and there are
//! many rounds (`BENCH_ROUNDS`, 1001); medians and IQRs discard the batches that do.
//!
//! Every subject validates what playgate validates for this config: signature, alg pinned to
//! HS256, `exp` (the peers against the system clock, so the token is minted at the system time),
//! and the channel ARN. Before timing, each must accept the token and reject a forged signature, an
//! expired token, an HS384 token and a token for another channel.
//!
//! `cargo bench --bench interleaved` prints a Markdown table and writes
//! `target/bench-native.json` (or `$BENCH_NATIVE_JSON`) for `benches/report.py`.

mod common;

use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{claims, Fixture, IvsClaims, IvsCustom, ARN, HS_KID, HS_SECRET};
use hmac::{Hmac, KeyInit, Mac};
use jwt_simple::prelude::{HS256Key, MACLike};
use playgate::config::Alg;
use playgate::mint::SigningKey;
use playgate::{CachingGate, Request};
use serde_json::json;
use sha2::Sha256;

/// Issue 8: "Native HS256 full check ≥ 2× `jsonwebtoken`".
const TARGET_RATIO: f64 = 2.0;
/// Issue 8: "native cache hit ≤ 200 ns".
const TARGET_HIT_NS: f64 = 200.0;
const FULL: &str = "playgate";
const HIT: &str = "playgate, cache hit";
const JWT: &str = "jsonwebtoken";

/// One input: the token, and the request that carries it in its query.
struct Input<'a> {
    token: &'a str,
    req: Request<'a>,
}

type Verify<'a> = Box<dyn FnMut(&Input<'_>) -> bool + 'a>;

struct Subject<'a> {
    name: &'static str,
    verify: Verify<'a>,
    iters: u32,
    /// Calls made, warm-up included.
    calls: u64,
    /// ns per operation, one per round.
    samples: Vec<f64>,
}

#[derive(serde::Deserialize)]
struct Header<'a> {
    alg: &'a str,
}

/// The floor: what any HS256 verifier has to do for these checks, and nothing else.
fn floor_verify(mac: &Hmac<Sha256>, token: &str, now: u64) -> Option<IvsClaims> {
    let (signed, sig_b64) = token.rsplit_once('.')?;
    let (header_b64, payload_b64) = signed.split_once('.')?;
    let mut buf = [0u8; 512];
    let n = URL_SAFE_NO_PAD.decode_slice(header_b64, &mut buf).ok()?;
    let header: Header<'_> = serde_json::from_slice(buf.get(..n)?).ok()?;
    if header.alg != "HS256" {
        return None;
    }
    let mut sig = [0u8; 32];
    if URL_SAFE_NO_PAD.decode_slice(sig_b64, &mut sig).ok()? != sig.len() {
        return None;
    }
    let mut m = mac.clone();
    m.update(signed.as_bytes());
    m.verify_slice(&sig).ok()?; // constant time
    let n = URL_SAFE_NO_PAD.decode_slice(payload_b64, &mut buf).ok()?;
    let c: IvsClaims = serde_json::from_slice(buf.get(..n)?).ok()?;
    (c.exp > now && c.channel == ARN).then_some(c)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// (Q1, median, Q3).
fn quartiles(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    (quantile(&s, 0.25), quantile(&s, 0.5), quantile(&s, 0.75))
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let rounds = env_num("BENCH_ROUNDS", 1001).max(3) as usize;
    let batch_ns = env_num("BENCH_BATCH_US", 200).max(1) * 1000;
    let load_before = loadavg();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();

    let fx = Fixture::hs256(now);
    let hs256 = &fx.key;
    let gate = &fx.gate;
    let mut cached = CachingGate::new(gate.clone(), 1024);
    let jwt_key = jsonwebtoken::DecodingKey::from_secret(&HS_SECRET);
    // Alg pinned to HS256; `exp` required and checked against the system clock (60 s leeway).
    let jwt_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    let simple_key = HS256Key::from_bytes(&HS_SECRET);
    let floor_mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&HS_SECRET).expect("HMAC key");

    let subject = |name: &'static str, verify| Subject {
        name,
        verify,
        iters: 1,
        calls: 0,
        samples: Vec::with_capacity(rounds),
    };
    let mut subjects: Vec<Subject<'_>> = vec![
        subject(
            FULL,
            Box::new(|i: &Input<'_>| black_box(gate.check(&i.req, now)).is_allowed()),
        ),
        subject(
            HIT,
            Box::new(|i: &Input<'_>| black_box(cached.check(&i.req, now)).is_allowed()),
        ),
        subject(
            JWT,
            Box::new(|i: &Input<'_>| {
                let r = black_box(jsonwebtoken::decode::<IvsClaims>(
                    i.token,
                    &jwt_key,
                    &jwt_validation,
                ));
                matches!(r, Ok(d) if d.claims.channel == ARN)
            }),
        ),
        subject(
            "jwt-simple",
            Box::new(|i: &Input<'_>| {
                let r = black_box(simple_key.verify_token::<IvsCustom>(i.token, None));
                matches!(r, Ok(c) if c.custom.channel == ARN)
            }),
        ),
        subject(
            "hand-written floor",
            Box::new(|i: &Input<'_>| black_box(floor_verify(&floor_mac, i.token, now)).is_some()),
        ),
    ];

    // Every subject must accept the token and reject the bad ones, so none can look fast by
    // skipping work. The good token goes last: it is the one the cache then holds.
    // A different first signature character: a canonical encoding of a wrong MAC.
    let mut forged = fx.token.clone();
    let at = forged.rfind('.').expect("three parts") + 1;
    let swap = if forged[at..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    forged.replace_range(at..at + 1, swap);
    let expired = hs256.mint(&claims(now - 10_000), true).expect("mint");
    let hs384 = SigningKey::hs_from_bytes(HS_KID, Alg::HS384, &HS_SECRET).expect("HS384 key");
    let hs384 = hs384.mint(&claims(now), true).expect("mint");
    let mut other = claims(now);
    other["aws:channel-arn"] = json!("arn:aws:ivs:us-west-2:123456789012:channel/Other0000000");
    let other = hs256.mint(&other, true).expect("mint");
    let bad = [
        ("forged signature", forged),
        ("expired", expired),
        ("HS384", hs384),
        ("other channel", other),
    ];
    let queries: Vec<String> = bad.iter().map(|(_, t)| format!("token={t}")).collect();
    for s in subjects.iter_mut() {
        for ((what, token), query) in bad.iter().zip(&queries) {
            let i = Input {
                token,
                req: Request {
                    querystring: query,
                    ..fx.request()
                },
            };
            assert!(!(s.verify)(&i), "{} accepted a token: {what}", s.name);
        }
    }
    let good = Input {
        token: &fx.token,
        req: fx.request(),
    };
    for s in subjects.iter_mut() {
        assert!((s.verify)(&good), "{} rejected the token", s.name);
    }

    // Warm up and size each batch to about `batch_ns`.
    for s in subjects.iter_mut() {
        let mut n = 1u32;
        loop {
            let t = Instant::now();
            for _ in 0..n {
                black_box((s.verify)(black_box(&good)));
            }
            let dt = t.elapsed().as_nanos() as u64;
            s.calls += u64::from(n);
            if dt >= 20_000_000 {
                s.iters = (u64::from(n) * batch_ns / dt).max(1) as u32;
                break;
            }
            n = n.saturating_mul(2);
        }
    }

    // The measurement: each round runs one batch of every subject, starting one further along.
    let k = subjects.len();
    for r in 0..rounds {
        for j in 0..k {
            let s = &mut subjects[(r + j) % k];
            let t = Instant::now();
            for _ in 0..s.iters {
                black_box((s.verify)(black_box(&good)));
            }
            let dt = t.elapsed().as_nanos() as f64;
            s.samples.push(dt / f64::from(s.iters));
            s.calls += u64::from(s.iters);
        }
    }
    let results: Vec<(&str, u32, u64, Vec<f64>)> = subjects
        .into_iter()
        .map(|s| (s.name, s.iters, s.calls, s.samples))
        .collect();
    let load_after = loadavg();
    let hit_calls = results.iter().find(|r| r.0 == HIT).map_or(0, |r| r.2);
    // The good token's first check above was the miss that filled the cache; every call since hit.
    assert_eq!(
        cached.stats().0,
        hit_calls,
        "every timed cache-hit call must be a hit"
    );

    report(&results, rounds, batch_ns, &load_before, &load_after);
}

fn report(
    results: &[(&str, u32, u64, Vec<f64>)],
    rounds: usize,
    batch_ns: u64,
    load_before: &str,
    load_after: &str,
) {
    let jwt = &results
        .iter()
        .find(|r| r.0 == JWT)
        .expect("jsonwebtoken subject")
        .3;
    let mut rows = Vec::new();
    let mut out = Vec::new();
    out.push(format!(
        "Interleaved native HS256 benchmark: {rounds} rounds, batches of ~{} µs, subject order \
         rotated per round; clock std::time::Instant (wall time, not per-thread CPU time); \
         load average {load_before} before, {load_after} after.\n",
        batch_ns / 1000
    ));
    out.push("| subject | median ns/op | IQR ns/op | jsonwebtoken ÷ subject (median of per-round ratios, IQR) | ops per batch |".into());
    out.push("|---|---|---|---|---|".into());
    for (name, iters, _, samples) in results {
        let (q1, med, q3) = quartiles(samples);
        let ratios: Vec<f64> = jwt.iter().zip(samples).map(|(j, s)| j / s).collect();
        let (r1, rm, r3) = quartiles(&ratios);
        out.push(format!(
            "| {name} | {med:.0} | {q1:.0}–{q3:.0} | {rm:.2}× ({r1:.2}–{r3:.2}) | {iters} |"
        ));
        rows.push(
            json!({"subject": name, "median_ns": med, "q1_ns": q1, "q3_ns": q3,
            "ratio_vs_jsonwebtoken": {"median": rm, "q1": r1, "q3": r3}, "ops_per_batch": iters}),
        );
    }
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["subject"] == name)
            .expect("subject row")
            .clone()
    };
    let (full, hit) = (row(FULL), row(HIT));
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let r = &full["ratio_vs_jsonwebtoken"];
    // (worse quartile, median, better quartile) and whether each meets its target.
    let ratio = (f(&r["q1"]), f(&r["median"]), f(&r["q3"]));
    let hit_ns = (f(&hit["q3_ns"]), f(&hit["median_ns"]), f(&hit["q1_ns"]));
    let targets = [
        (
            "native HS256 full check ≥ 2× jsonwebtoken",
            ratio,
            "×",
            [ratio.0, ratio.1, ratio.2].map(|x| x >= TARGET_RATIO),
        ),
        (
            "native cache hit ≤ 200 ns",
            hit_ns,
            "ns",
            [hit_ns.0, hit_ns.1, hit_ns.2].map(|x| x <= TARGET_HIT_NS),
        ),
    ];
    out.push(String::new());
    out.push("| issue 8 target | median (IQR) | verdict (on the median) |".into());
    out.push("|---|---|---|".into());
    let mut target_rows = Vec::new();
    for (name, (worse, med, better), unit, [in75, in50, in25]) in targets {
        let verdict = match (in75, in50, in25) {
            (true, _, _) => "met (in at least 3 of 4 rounds)",
            (false, true, _) => "met (median only: not in the worse quartile of rounds)",
            (false, false, true) => "not met (met only in the better quartile of rounds)",
            _ => "not met",
        };
        let (fmt, lo, hi) = if unit == "×" {
            (
                format!("{med:.2}×"),
                format!("{worse:.2}"),
                format!("{better:.2}"),
            )
        } else {
            (
                format!("{med:.0} ns"),
                format!("{better:.0}"),
                format!("{worse:.0}"),
            )
        };
        out.push(format!("| {name} | {fmt} ({lo}–{hi}) | {verdict} |"));
        target_rows.push(
            json!({"target": name, "median": med, "worse_quartile": worse,
            "better_quartile": better, "unit": unit, "met": in50, "verdict": verdict}),
        );
    }
    println!("{}", out.join("\n"));

    let doc = json!({
        "clock": "std::time::Instant (wall)",
        "rounds": rounds,
        "batch_us": batch_ns / 1000,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "subjects": rows,
        "targets": target_rows,
    });
    let path = std::env::var("BENCH_NATIVE_JSON").unwrap_or_else(|_| {
        let dir = std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").into());
        format!("{dir}/bench-native.json")
    });
    let text = serde_json::to_string_pretty(&doc).expect("JSON");
    std::fs::write(&path, text + "\n").unwrap_or_else(|e| panic!("writing {path}: {e}"));
    println!("\n(written to {path})");
}
