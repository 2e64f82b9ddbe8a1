use super::*;
use alloc::format;
use alloc::vec;
use proptest::prelude::*;
extern crate std;

const SEED: [u8; SEED_LEN] = [7; SEED_LEN];

fn sample(n: u32, fp: f64) -> RevocationFilter {
    let params = Params::plan(u64::from(n), fp, 12).unwrap();
    let mut b = FilterBuilder::new(params, SEED, 3600);
    for i in 0..n {
        b.insert(
            Kind::Session,
            &format!("session-{i}"),
            1_800_000_000 + u64::from(i % 7) * 3600,
        );
    }
    b.insert(Kind::TokenId, "jti-1", 1_800_000_000);
    b.insert_viewer(
        "arn:aws:ivs:us-west-2:123456789012:channel/abcd",
        "viewer-1",
        3,
        1_800_000_600,
    );
    b.finish(1_799_990_000)
}

#[test]
fn math_helpers_are_accurate() {
    for x in [-700.0, -30.5, -1.0, -1e-9, 0.0, 0.3, 1.0, 10.0, 200.0] {
        let want = std::primitive::f64::exp(x);
        assert!(
            ((exp(x) - want) / want).abs() < 1e-13,
            "exp({x}) = {} vs {want}",
            exp(x)
        );
    }
    for x in [1e-300, 1e-9, 0.5, 1.0, 1.5, 2.0, 10.0, 1e9, 1e300] {
        let got = ln(x);
        // exp(ln(x)) round trip within a few ulps.
        assert!(
            (got - std::primitive::f64::ln(x)).abs() <= 1e-13 * got.abs().max(1.0),
            "ln({x}) = {got}"
        );
    }
    assert!((ln_factorial(25) - 58.003_605_222_980_52).abs() < 1e-9);
    assert!((ln_factorial(10) - 15.104_412_573_075_516).abs() < 1e-12);
    let ln2 = core::f64::consts::LN_2;
    assert!(
        (optimal_bits_per_element(1e-6) - -std::primitive::f64::ln(1e-6) / (ln2 * ln2)).abs()
            < 1e-9
    );
}

#[test]
fn round_trip_and_membership() {
    let f = sample(2000, 1e-4);
    let bytes = f.to_bytes();
    assert_eq!(bytes.len(), f.file_len());
    let g = RevocationFilter::from_bytes(&bytes).unwrap();
    assert_eq!(f, g);
    for i in 0..2000 {
        assert!(g.contains(Kind::Session, &format!("session-{i}")));
    }
    assert!(g.contains(Kind::TokenId, "jti-1"));
    // Kinds are domain-separated: the same text as another kind is (almost surely) absent.
    assert!(!g.contains(Kind::TokenId, "session-1"));
    assert_eq!(g.element_count(), 2001);
    assert_eq!(g.generations().len(), 7);
    assert_eq!(g.not_after(), 1_800_000_000 + 6 * 3600);
    assert_eq!(g.created(), 1_799_990_000);
}

#[test]
fn viewer_versions_at_or_below_are_revoked() {
    let f = sample(10, 1e-4);
    let arn = "arn:aws:ivs:us-west-2:123456789012:channel/abcd";
    assert!(f.viewer_revoked(arn, "viewer-1", 3));
    assert!(f.viewer_revoked(arn, "viewer-1", 0));
    assert!(f.viewer_revoked(arn, "viewer-1", -5));
    assert!(!f.viewer_revoked(arn, "viewer-1", 4));
    assert!(!f.viewer_revoked(arn, "viewer-2", 0));
    assert!(!f.viewer_revoked(
        "arn:aws:ivs:us-west-2:123456789012:channel/other",
        "viewer-1",
        0
    ));
    // The length prefix keeps (arn, viewer) pairs apart when their concatenations agree.
    assert!(!f.viewer_revoked(
        "arn:aws:ivs:us-west-2:123456789012:channel/abcdv",
        "iewer-1",
        0
    ));
}

#[test]
fn repeated_viewer_revocations_keep_the_highest_version() {
    let mut b = FilterBuilder::new(Params::new(12, 10, 4).unwrap(), SEED, 60);
    b.insert_viewer("arn:c", "v", 5, 100);
    b.insert_viewer("arn:c", "v", 2, 200);
    let f = b.finish(0);
    assert!(f.viewer_revoked("arn:c", "v", 5));
    assert!(!f.viewer_revoked("arn:c", "v", 6));
    assert_eq!(f.viewers().first().map(|v| v.not_after), Some(200));
}

#[test]
fn every_truncation_is_rejected() {
    let bytes = sample(300, 1e-3).to_bytes();
    for len in 0..bytes.len() {
        assert!(
            RevocationFilter::from_bytes(&bytes[..len]).is_err(),
            "len {len}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        RevocationFilter::from_bytes(&longer),
        Err(FilterError::Length)
    );
}

#[test]
fn every_single_bit_flip_is_rejected() {
    let bytes = sample(50, 1e-2).to_bytes();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            assert!(
                RevocationFilter::from_bytes(&b).is_err(),
                "byte {i} bit {bit}"
            );
        }
    }
}

#[test]
fn header_errors_are_specific() {
    let bytes = sample(10, 1e-2).to_bytes();
    let mut b = bytes.clone();
    b[0] = b'X';
    assert_eq!(RevocationFilter::from_bytes(&b), Err(FilterError::Magic));
    let mut b = bytes.clone();
    b[5] = 2;
    assert_eq!(RevocationFilter::from_bytes(&b), Err(FilterError::Version));
    let mut b = bytes.clone();
    b[7] = 0; // k = 0
    assert_eq!(
        RevocationFilter::from_bytes(&b),
        Err(FilterError::Parameters)
    );
    let mut b = bytes.clone();
    b[100] ^= 1; // a bit of the body
    assert_eq!(RevocationFilter::from_bytes(&b), Err(FilterError::Checksum));
    assert_eq!(RevocationFilter::from_bytes(b"PG"), Err(FilterError::Magic));
}

/// A file whose checksum is right but whose tables disagree (as a buggy writer could produce) is
/// still refused.
#[test]
fn inconsistent_tables_are_rejected() {
    let f = sample(10, 1e-2);
    let mut b = f.to_bytes();
    b.truncate(b.len() - CHECKSUM_LEN);
    b[40..48].copy_from_slice(&99u64.to_be_bytes()); // element_count ≠ sum of generations
    let d: [u8; 32] = Sha256::digest(&b).into();
    b.extend_from_slice(&d);
    assert_eq!(
        RevocationFilter::from_bytes(&b),
        Err(FilterError::Inconsistent)
    );

    // Non-zero reserved header bytes, correctly checksummed, are refused too.
    let mut b = f.to_bytes();
    b.truncate(b.len() - CHECKSUM_LEN);
    b[63] = 1;
    let d: [u8; 32] = Sha256::digest(&b).into();
    b.extend_from_slice(&d);
    assert_eq!(
        RevocationFilter::from_bytes(&b),
        Err(FilterError::Inconsistent)
    );
}

#[test]
fn kvs_blocks_verify_and_answer_like_the_file() {
    let f = sample(3000, 1e-4);
    let lineage = f.lineage();
    let p = f.params();
    for i in 0..20u32 {
        let id = format!("session-{i}");
        let d = element_digest(f.seed(), Kind::Session, &id);
        let (block, positions) = p.locate(&d);
        let value = f.kvs_block(block).unwrap();
        assert!(value.len() <= 768, "base64 of it must fit 1 KB");
        let bits = verify_kvs_block(&value, &lineage, block, &p).unwrap();
        assert!(block_contains(bits, positions));
        // The same value under another index, a flipped bit, or another lineage is refused.
        assert_eq!(
            verify_kvs_block(&value, &lineage, block + 1, &p),
            Err(FilterError::Checksum).or(Err(FilterError::Inconsistent))
        );
        let mut bad = value.clone();
        bad[30] ^= 0x10;
        assert_eq!(
            verify_kvs_block(&bad, &lineage, block, &p),
            Err(FilterError::Checksum)
        );
        assert_eq!(
            verify_kvs_block(&value, &[0; 8], block, &p),
            Err(FilterError::Inconsistent)
        );
        assert_eq!(
            verify_kvs_block(&value[..value.len() - 1], &lineage, block, &p),
            Err(FilterError::Length)
        );
    }
}

#[test]
fn extend_keeps_lineage_and_old_members() {
    let f = sample(500, 1e-3);
    let mut b = FilterBuilder::extend(&f, 3600);
    b.insert(Kind::TokenId, "late-jti", 1_900_000_000);
    let g = b.finish(1_799_999_999);
    assert_eq!(g.lineage(), f.lineage());
    assert_eq!(g.serial(), f.serial() + 1);
    assert!(g.contains(Kind::TokenId, "late-jti"));
    assert!((0..500).all(|i| g.contains(Kind::Session, &format!("session-{i}"))));
    assert_eq!(g.element_count(), f.element_count() + 1);
    assert_eq!(g.not_after(), 1_900_000_000u64.div_ceil(3600) * 3600);
    // Only the block holding the new element changed.
    let changed = (0..g.params().blocks())
        .filter(|&i| g.block(i) != f.block(i))
        .count();
    assert!(changed <= 1);
}

#[test]
fn generations_round_expiry_up() {
    let b = FilterBuilder::new(Params::new(12, 10, 1).unwrap(), SEED, 3600);
    assert_eq!(b.generation_of(3600), 3600);
    assert_eq!(b.generation_of(3601), 7200);
    assert_eq!(b.generation_of(1), 3600);
}

#[test]
fn plan_meets_target_and_stays_near_optimal() {
    for (n, fp) in [
        (1_000_000u64, 1e-6),
        (1_000_000, 1e-4),
        (10_000, 1e-3),
        (1, 1e-2),
    ] {
        let p = Params::plan(n, fp, 12).unwrap();
        assert!(p.expected_fp(n) <= fp);
        let bits_per = (p.bits_bytes() * 8) as f64 / n as f64;
        if n >= 10_000 {
            assert!(
                bits_per / optimal_bits_per_element(fp) <= 1.25,
                "{n} {fp}: {bits_per}"
            );
        }
    }
    assert_eq!(Params::plan(0, 1e-3, 12).unwrap().blocks(), 1);
    assert!(Params::plan(10, 0.0, 12).is_err());
    assert!(Params::plan(10, 1e-3, 14).is_err());
    // The capacity budgets of issue 5 are met on paper (the bench measures them).
    let p = Params::plan(1_000_000, 1e-6, 12).unwrap();
    assert!(
        p.bits_bytes() + HEADER_LEN + CHECKSUM_LEN <= 4_000_000,
        "{}",
        p.bits_bytes()
    );
}

#[test]
fn measured_fp_matches_prediction() {
    // Small but real: 20k members at 1e-2, 200k probes → ~2000 expected false positives.
    let n = 20_000u32;
    let params = Params::plan(u64::from(n), 1e-2, 12).unwrap();
    let mut b = FilterBuilder::new(params, SEED, 60);
    for i in 0..n {
        b.insert(Kind::Session, &format!("m{i}"), 100);
    }
    let f = b.finish(0);
    let probes = 200_000u32;
    let hits = (0..probes)
        .filter(|i| f.contains(Kind::Session, &format!("x{i}")))
        .count();
    let measured = hits as f64 / f64::from(probes);
    let predicted = f.expected_fp();
    let ratio = measured / predicted;
    assert!(
        (0.8..1.25).contains(&ratio),
        "measured {measured} predicted {predicted}"
    );
    let fill = f.measured_fill_fp();
    assert!(
        (0.8..1.25).contains(&(measured / fill)),
        "measured {measured} fill {fill}"
    );
}

#[test]
fn positions_are_big_endian_fields_after_the_selector() {
    let mut d = [0u8; 32];
    d[4] = 0b1010_1010;
    d[5] = 0b1100_0000;
    let p = Params::new(12, 18, 1).unwrap();
    let (block, pos) = p.locate(&d);
    assert_eq!(block, 0);
    let v: Vec<usize> = pos.collect();
    assert_eq!(v.len(), 18);
    assert_eq!(v[0], 0b1010_1010_1100);
    assert!(v[1..].iter().all(|&x| x == 0));
    // The last field of a 17×13-bit layout ends exactly at bit 253.
    let d = [0xff; 32];
    let p = Params::new(13, 17, 3).unwrap();
    let (block, pos) = p.locate(&d);
    assert_eq!(block, u32::MAX % 3);
    assert!(pos.into_iter().all(|x| x == 8191));
}

#[test]
fn digest_layout_is_pinned() {
    // Pinned so that the CloudFront Function port and docs/revocation.md stay in step.
    let d = element_digest(&[0u8; SEED_LEN], Kind::Session, "abc");
    let mut msg = vec![];
    msg.extend_from_slice(b"pgr1");
    msg.extend_from_slice(&[0u8; 12]);
    msg.push(b's');
    msg.extend_from_slice(b"abc");
    let want: [u8; 32] = Sha256::digest(&msg).into();
    assert_eq!(d, want);
}

// ---- Gate policy ---------------------------------------------------------------------------------

fn claims(json: &str) -> VerifiedClaims {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).unwrap();
    VerifiedClaims::from_map(None, map).unwrap()
}

fn policy(json: &str) -> RevocationPolicy {
    let c: RevocationConfig = serde_json::from_str(json).unwrap();
    RevocationPolicy::new(&c).unwrap()
}

#[test]
fn policy_decisions() {
    let f = sample(100, 1e-4);
    let p = policy("{}");
    let src: &dyn RevocationSource = &f;
    assert_eq!(
        p.check(&claims(r#"{"sid":"session-5"}"#), 0, Some(src)),
        Err(Reason::Revoked)
    );
    assert_eq!(
        p.check(&claims(r#"{"jti":"jti-1"}"#), 0, Some(src)),
        Err(Reason::Revoked)
    );
    // A token id listed as a session does not revoke a jti of the same text, and vice versa.
    assert_eq!(
        p.check(&claims(r#"{"jti":"session-5"}"#), 0, Some(src)),
        Ok(())
    );
    assert_eq!(p.check(&claims(r#"{"sid":"fresh"}"#), 0, Some(src)), Ok(()));
    // Nothing revocable in the token: nothing to look up, even without a filter.
    assert_eq!(p.check(&claims(r#"{"sub":"x"}"#), 0, None), Ok(()));
    // Unavailable: deny by default, allow when configured.
    assert_eq!(
        p.check(&claims(r#"{"sid":"fresh"}"#), 0, None),
        Err(Reason::RevocationUnavailable)
    );
    let open = policy(r#"{"on_unavailable":"allow"}"#);
    assert_eq!(open.check(&claims(r#"{"sid":"fresh"}"#), 0, None), Ok(()));
    assert_eq!(
        open.check(&claims(r#"{"sid":"session-5"}"#), 0, Some(src)),
        Err(Reason::Revoked)
    );
    // Viewer sessions.
    let arn = "arn:aws:ivs:us-west-2:123456789012:channel/abcd";
    let v = |ver: i64| {
        claims(&format!(
            r#"{{"aws:channel-arn":"{arn}","aws:viewer-id":"viewer-1","aws:viewer-session-version":{ver}}}"#
        ))
    };
    assert_eq!(p.check(&v(3), 0, Some(src)), Err(Reason::Revoked));
    assert_eq!(p.check(&v(4), 0, Some(src)), Ok(()));
    // Integer claim values are looked up by their decimal text.
    let mut b = FilterBuilder::new(Params::new(12, 10, 2).unwrap(), SEED, 60);
    b.insert(Kind::Session, "42", 100);
    b.insert(Kind::Session, "-7", 100);
    b.insert(Kind::Session, "18446744073709551615", 100);
    let g = b.finish(1000);
    for sid in ["42", "-7", "18446744073709551615"] {
        assert_eq!(
            p.check(&claims(&format!(r#"{{"sid":{sid}}}"#)), 1000, Some(&g)),
            Err(Reason::Revoked),
            "{sid}"
        );
    }
    // Only integers: 42.0 and 4.2e1 are not the id "42".
    for sid in ["42.0", "4.2e1", "43"] {
        assert_eq!(
            p.check(&claims(&format!(r#"{{"sid":{sid}}}"#)), 1000, Some(&g)),
            Ok(()),
            "{sid}"
        );
    }
    // A custom session claim, and the max_age staleness rule.
    let custom = policy(r#"{"claims":["session_id"],"max_age":60}"#);
    assert_eq!(
        custom.check(&claims(r#"{"session_id":"42"}"#), 1060, Some(&g)),
        Err(Reason::Revoked)
    );
    assert_eq!(
        custom.check(&claims(r#"{"session_id":"43"}"#), 1061, Some(&g)),
        Err(Reason::RevocationUnavailable)
    );
    assert_eq!(
        custom.check(&claims(r#"{"sid":"42"}"#), 1000, Some(&g)),
        Ok(())
    );
}

#[test]
fn policy_config_is_validated() {
    let bad = |json: &str| {
        RevocationPolicy::new(&serde_json::from_str::<RevocationConfig>(json).unwrap()).unwrap_err()
    };
    assert_eq!(
        bad(r#"{"claims":["sid","sid"]}"#).field(),
        "revocation.claims[1]"
    );
    assert_eq!(bad(r#"{"claims":[""]}"#).field(), "revocation.claims[0]");
    assert_eq!(bad(r#"{"max_age":0}"#).field(), "revocation.max_age");
    assert!(serde_json::from_str::<RevocationConfig>(r#"{"on_unavailable":"maybe"}"#).is_err());
    assert!(serde_json::from_str::<RevocationConfig>(r#"{"nope":1}"#).is_err());
}

/// A source that cannot answer some items (e.g. a missing KeyValueStore block).
struct Flaky;
impl RevocationSource for Flaky {
    fn is_revoked(&self, item: &Revocable<'_>) -> Result<bool, Unavailable> {
        match item {
            Revocable::Id(Kind::TokenId, _) => Ok(true),
            _ => Err(Unavailable),
        }
    }
}

#[test]
fn revoked_wins_over_unavailable() {
    let p = policy(r#"{"on_unavailable":"deny"}"#);
    assert_eq!(
        p.check(&claims(r#"{"sid":"a","jti":"b"}"#), 0, Some(&Flaky)),
        Err(Reason::Revoked)
    );
    assert_eq!(
        p.check(&claims(r#"{"sid":"a"}"#), 0, Some(&Flaky)),
        Err(Reason::RevocationUnavailable)
    );
    let p = policy(r#"{"on_unavailable":"allow"}"#);
    assert_eq!(p.check(&claims(r#"{"sid":"a"}"#), 0, Some(&Flaky)), Ok(()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_false_negatives_and_round_trip(
        ids in proptest::collection::vec(".{0,40}", 0..200),
        jtis in proptest::collection::vec("[a-f0-9-]{1,36}", 0..50),
        log2 in 9u8..=13,
        fp in prop_oneof![Just(1e-2), Just(1e-4), Just(1e-6)],
        seed in any::<[u8; SEED_LEN]>(),
        gen in 1u64..100_000,
    ) {
        let n = (ids.len() + jtis.len()) as u64;
        let params = Params::plan(n, fp, log2).unwrap();
        let mut b = FilterBuilder::new(params, seed, gen);
        for (i, id) in ids.iter().enumerate() {
            b.insert(Kind::Session, id, 1_000 + i as u64 * 977);
        }
        for id in &jtis {
            b.insert(Kind::TokenId, id, 5);
        }
        let f = b.finish(42);
        let g = RevocationFilter::from_bytes(&f.to_bytes()).unwrap();
        prop_assert_eq!(&f, &g);
        prop_assert_eq!(g.element_count(), n);
        for id in &ids {
            prop_assert!(g.contains(Kind::Session, id));
        }
        for id in &jtis {
            prop_assert!(g.contains(Kind::TokenId, id));
        }
        if log2 <= MAX_KVS_LOG2_BLOCK_BITS {
            for i in 0..g.params().blocks().min(4) {
                let v = g.kvs_block(i).unwrap();
                prop_assert!(verify_kvs_block(&v, &g.lineage(), i, &g.params()).is_ok());
            }
        } else {
            prop_assert!(g.kvs_block(0).is_none());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = RevocationFilter::from_bytes(&bytes);
        let p = Params::new(9, 4, 1).unwrap();
        let _ = verify_kvs_block(&bytes, &[0; 8], 0, &p);
    }

    #[test]
    fn corrupted_files_are_rejected(pos in any::<prop::sample::Index>(), byte in 1u8..=255) {
        let bytes = sample(64, 1e-2).to_bytes();
        let mut b = bytes.clone();
        let i = pos.index(b.len());
        b[i] ^= byte;
        prop_assert!(RevocationFilter::from_bytes(&b).is_err());
    }

    #[test]
    fn viewer_versions(revoked in any::<i64>(), version in any::<i64>()) {
        let mut b = FilterBuilder::new(Params::new(9, 4, 1).unwrap(), SEED, 60);
        b.insert_viewer("arn:aws:ivs:x:1:channel/c", "v", revoked, 100);
        let f = RevocationFilter::from_bytes(&b.finish(0).to_bytes()).unwrap();
        prop_assert_eq!(f.viewer_revoked("arn:aws:ivs:x:1:channel/c", "v", version), version <= revoked);
    }
}
