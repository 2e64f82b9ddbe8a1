//! Fixed-base tables for P-384 ECDSA verification.
//!
//! Both points of an ECDSA verification `u1·G + u2·Q` are fixed: the generator, and a configured
//! key. For each, [`FixedBase`] keeps `j·2^(W·T·a)·P` (`j = 1..=2^(W-1)`, one row per `T`-th signed
//! radix-`2^W` digit position) as affine points, built once with one batch inversion. The scalars
//! are recoded into signed digits, and `u1·G + u2·Q` is then a comb: for each of the `T` teeth, one
//! mixed addition per non-zero digit, with `W` doublings between teeth (shared by both scalars):
//! about 130 additions and 12 doublings, against about 384 doublings and 130 additions for the
//! generic double-scalar multiplication. The point arithmetic (complete projective formulas, mixed
//! addition, negation, batch normalisation) is `p384`'s; this module only lays out the table and
//! recodes the scalars.
//!
//! Everything here runs in variable time, as `p384`'s own verification does: the signature, the
//! message and the key are public.

use alloc::vec::Vec;
use p384::elliptic_curve::group::Group;
use p384::elliptic_curve::ops::Reduce;
use p384::elliptic_curve::point::AffineCoordinates;
use p384::elliptic_curve::CurveGroup;
use p384::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
use sha2::{Digest, Sha384};

/// Window width in bits: digits are signed, in `[-2^(W-1), 2^(W-1))`.
///
/// Chosen by measurement (`timing` below, native, median per-round speed-up over `p384`'s verify
/// on a shared 2-core VM; table per key with 104-byte points): W 4 T 1 2.95× (80 KB), W 5 T 1 3.38×
/// (130 KB), W 5 T 2 3.32× (65 KB), W 6 T 3 3.73× (73 KB), W 6 T 2 3.89× (110 KB), W 7 T 4 3.99×
/// (93 KB, and twice the build time).
const W: usize = 6;
/// Comb teeth: rows are kept for every `T`-th digit position only, and the positions in between
/// reuse them after `W` doublings (shared by both scalars of a verification): `W·(T−1)` doublings
/// buy a table `T` times smaller.
const T: usize = 3;
/// Points per row: the magnitudes `1..=2^(W-1)` of a signed digit.
const ROW: usize = 1 << (W - 1);
/// Bits of a P-384 scalar.
const BITS: usize = 384;
/// Signed digits of a scalar below `2^384`: `⌈384 / W⌉`, plus one for the final carry.
const DIGITS: usize = BITS.div_ceil(W) + 1;
/// Rows of the table.
const ROWS: usize = DIGITS.div_ceil(T);

/// `j·2^(W·T·a)·P` for a fixed `P` (`j = 1..=2^(W-1)`, `a = 0..ROWS`), as affine points, row by
/// row: `points[ROW·a + j − 1]`.
#[derive(Clone)]
pub(crate) struct FixedBase {
    points: Vec<AffinePoint>,
}

impl FixedBase {
    /// Builds the table of `base` (one field inversion, shared by all points).
    pub(crate) fn new(base: ProjectivePoint) -> Self {
        let mut projective = Vec::with_capacity(ROW * ROWS);
        let mut row_base = base;
        for _ in 0..ROWS {
            let mut multiple = row_base;
            projective.push(multiple);
            for _ in 1..ROW {
                multiple += &row_base;
                projective.push(multiple);
            }
            // `multiple` is `2^(W-1)·row_base`: the next row's base is `2^(W·T)·row_base`.
            row_base = multiple;
            for _ in 0..W * T - (W - 1) {
                row_base = row_base.double();
            }
        }
        let mut points = alloc::vec![AffinePoint::IDENTITY; projective.len()];
        ProjectivePoint::batch_normalize(&projective, &mut points);
        Self { points }
    }

    /// Adds `d·2^(W·(T·a+b))·P` to `acc` for the digits `d` at positions `T·a + b`, `a = 0, 1, …`.
    fn add_tooth(&self, acc: &mut ProjectivePoint, digits: &[i8; DIGITS], b: usize) {
        for (a, &digit) in digits.iter().skip(b).step_by(T).enumerate() {
            let magnitude = usize::from(digit.unsigned_abs());
            if magnitude == 0 {
                continue;
            }
            // Always present: `a < ROWS` and `1 ≤ magnitude ≤ ROW`.
            if let Some(point) = self.points.get(ROW * a + magnitude - 1) {
                if digit < 0 {
                    *acc += &-*point;
                } else {
                    *acc += point;
                }
            }
        }
    }

    /// `k·P`.
    #[cfg(test)]
    pub(crate) fn mul(&self, k: &Scalar) -> ProjectivePoint {
        lincomb(&[(self, k)])
    }
}

/// `Σ kᵢ·Pᵢ` over fixed bases: one mixed addition per non-zero digit, and `W·(T−1)` doublings in all.
fn lincomb<const N: usize>(terms: &[(&FixedBase, &Scalar); N]) -> ProjectivePoint {
    let digits = terms.map(|(_, k)| signed_digits(&k.to_bytes()));
    let mut acc = ProjectivePoint::IDENTITY;
    for b in (0..T).rev() {
        if b + 1 < T {
            for _ in 0..W {
                acc = acc.double();
            }
        }
        for ((table, _), digits) in terms.iter().zip(&digits) {
            table.add_tooth(&mut acc, digits, b);
        }
    }
    acc
}

/// The signed radix-`2^W` digits of a 384-bit big-endian number, least significant first, each in
/// `[-2^(W-1), 2^(W-1))` except the last (the final carry: 0 or 1).
fn signed_digits(be: &FieldBytes) -> [i8; DIGITS] {
    let mut le = [0u8; BITS / 8 + 1];
    for (dst, src) in le.iter_mut().zip(be.iter().rev()) {
        *dst = *src;
    }
    let mut digits = [0i8; DIGITS];
    let mut carry = 0u16;
    for (i, digit) in digits.iter_mut().enumerate().take(DIGITS - 1) {
        let bit = W * i;
        let lo = le.get(bit / 8).copied().unwrap_or(0);
        let hi = le.get(bit / 8 + 1).copied().unwrap_or(0);
        let window = ((u16::from(hi) << 8 | u16::from(lo)) >> (bit % 8)) & ((1 << W) - 1);
        let value = window + carry;
        // `value` is at most 2^W; digits at or above 2^(W-1) borrow from the next position.
        carry = u16::from(value >= ROW as u16);
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        {
            *digit = (i32::from(value) - i32::from(carry) * (1 << W)) as i8;
        }
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    if let Some(last) = digits.last_mut() {
        *last = carry as i8;
    }
    digits
}

/// The generator's table, shared by every key.
pub(crate) fn generator() -> FixedBase {
    FixedBase::new(ProjectivePoint::GENERATOR)
}

/// ECDSA P-384 / SHA-384 verification with fixed-base tables for `G` and the key `Q`, the same
/// equation as `p384`'s `VerifyingKey::verify` (`ecdsa::hazmat::verify_prehashed`): the digest is
/// reduced into a scalar (48 bytes, exactly the order's width, so no truncation), `u1 = e·s⁻¹`,
/// `u2 = r·s⁻¹`, `R = u1·G + u2·Q`, accepted iff `R` is not the identity and `x(R) mod n = r`.
/// `r` and `s` are non-zero scalars below `n` (checked by the signature's parser).
pub(crate) fn verify(g: &FixedBase, q: &FixedBase, message: &[u8], r: &Scalar, s: &Scalar) -> bool {
    let e = <Scalar as Reduce<FieldBytes>>::reduce(&Sha384::digest(message));
    verify_prehashed(g, q, &e, r, s)
}

/// [`verify`] from the reduced digest `e`.
pub(crate) fn verify_prehashed(
    g: &FixedBase,
    q: &FixedBase,
    e: &Scalar,
    r: &Scalar,
    s: &Scalar,
) -> bool {
    let Some(s_inv) = Option::<Scalar>::from(s.invert_vartime()) else {
        return false;
    };
    let u1 = *e * s_inv;
    let u2 = *r * s_inv;
    let point = lincomb(&[(g, &u1), (q, &u2)]);
    // The identity has no x coordinate (`to_affine` would give x = 0, which `r ≠ 0` never equals,
    // but say so).
    if bool::from(point.is_identity()) {
        return false;
    }
    let x = point.to_affine().x();
    <Scalar as Reduce<FieldBytes>>::reduce(&x) == *r
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use p384::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
    use p384::ecdsa::signature::{Signer, Verifier};
    use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p384::elliptic_curve::sec1::FromSec1Point;
    use p384::elliptic_curve::PrimeField;
    use p384::{NistP384, Sec1Point};
    use proptest::prelude::*;

    /// n, the group order, big-endian.
    const N: [u8; 48] = hex48("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973");
    /// p, the field prime, big-endian.
    const P: [u8; 48] = hex48("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff");

    const fn hex48(s: &str) -> [u8; 48] {
        const fn nib(c: u8) -> u8 {
            match c {
                b'0'..=b'9' => c - b'0',
                _ => c - b'a' + 10,
            }
        }
        let b = s.as_bytes();
        let mut out = [0u8; 48];
        let mut i = 0;
        while i < 48 {
            out[i] = nib(b[2 * i]) << 4 | nib(b[2 * i + 1]);
            i += 1;
        }
        out
    }

    /// Big-endian `a + b` (no overflow expected).
    fn add_be(a: &[u8; 48], b: &[u8; 48]) -> [u8; 48] {
        let mut out = [0u8; 48];
        let mut carry = 0u16;
        for i in (0..48).rev() {
            let v = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i] = v as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0);
        out
    }

    fn scalar(be: &[u8; 48]) -> Scalar {
        Option::from(Scalar::from_repr((*be).into())).expect("below n")
    }

    fn small(v: u64) -> [u8; 48] {
        let mut b = [0u8; 48];
        b[40..].copy_from_slice(&v.to_be_bytes());
        b
    }

    /// Both verifiers over a prehash `z` (48 bytes), raw `r ‖ s`; asserts they agree.
    fn agree_prehash(vk: &VerifyingKey, z: &[u8; 48], r: &[u8; 48], s: &[u8; 48]) -> Option<bool> {
        let mut raw = [0u8; 96];
        raw[..48].copy_from_slice(r);
        raw[48..].copy_from_slice(s);
        let sig = Signature::from_slice(&raw).ok()?;
        let reference = vk.verify_prehash(z, &sig).is_ok();
        let g = generator();
        let q = FixedBase::new(vk.as_affine().into());
        let e = <Scalar as Reduce<FieldBytes>>::reduce(z.into());
        let (r, s) = sig.split_scalars();
        let ours = verify_prehashed(&g, &q, &e, &r, &s);
        assert_eq!(ours, reference, "z {z:02x?} sig {raw:02x?}");
        Some(ours)
    }

    #[test]
    fn table_mul_matches_library_mul() {
        let g = generator();
        let mut cases: Vec<[u8; 48]> = vec![
            small(0),
            small(1),
            small(2),
            small(7),
            small(8),
            small(9),
            small(15),
            small(16),
            small(0x88),
            small(0x8888_8888_8888_8888),
        ];
        let mut n_minus = N;
        n_minus[47] -= 1;
        cases.push(n_minus); // n − 1
        n_minus[47] -= 1;
        cases.push(n_minus); // n − 2
        cases.push([0x88; 48]);
        cases.push([0x77; 48]);
        cases.push([0x80; 48]);
        cases.push([0x7f; 48]);
        let mut top = [0u8; 48];
        top[0] = 0x80;
        cases.push(top); // 2^383
        top[0] = 0xf8;
        cases.push(top);
        for be in cases {
            let k = scalar(&be);
            assert_eq!(g.mul(&k), ProjectivePoint::GENERATOR * k, "k = {be:02x?}");
        }
        assert_eq!(g.points.len(), ROW * ROWS);
    }

    #[test]
    fn digits_reconstruct_and_stay_in_range() {
        let radix = Scalar::from(1u64 << W);
        for be in [
            [0xffu8; 48],
            [0x88; 48],
            [0x08; 48],
            [0x80; 48],
            [0x7f; 48],
            [0u8; 48],
        ] {
            let digits = signed_digits(&be.into());
            let (last, rest) = digits.split_last().unwrap();
            assert!(*last == 0 || *last == 1);
            let half = i8::try_from(ROW).unwrap_or(i8::MAX);
            assert!(rest
                .iter()
                .all(|d| (-half..half).contains(d) || (ROW == 128 && *d >= -128)));
            // Σ dᵢ·2^(W·i) ≡ the number (mod n).
            let mut sum = Scalar::ZERO;
            for d in digits.iter().rev() {
                let term = Scalar::from(u64::from(d.unsigned_abs()));
                sum = sum * radix + if *d < 0 { -term } else { term };
            }
            assert_eq!(sum, <Scalar as Reduce<FieldBytes>>::reduce(&be.into()));
        }
    }

    /// A point whose x coordinate is `x` (either y), when there is one.
    fn point_at_x(x: &[u8; 48]) -> Option<AffinePoint> {
        let mut sec1 = [0u8; 49];
        sec1[0] = 2;
        sec1[1..].copy_from_slice(x);
        let point = Sec1Point::from_bytes(sec1).ok()?;
        Option::from(AffinePoint::from_sec1_point(&point))
    }

    /// The first `count` points with `x > n` (so `x mod n = x − n`, not zero), x ascending.
    fn points_beyond_n(count: usize) -> Vec<([u8; 48], AffinePoint)> {
        let mut out = Vec::new();
        let mut x = add_be(&N, &small(1));
        while out.len() < count {
            if let Some(point) = point_at_x(&x) {
                out.push((x, point));
            }
            x = add_be(&x, &small(1));
        }
        out
    }

    #[test]
    fn x_at_or_above_n_is_compared_mod_n() {
        // Q = R with x(R) ≥ n; u1 = t, u2 = 1 (s = r), e = t·r: R = t·G + Q' where Q' = R − t·G.
        for (x, r_point) in points_beyond_n(4) {
            assert!(x < P);
            let x_mod_n = {
                let mut v = [0u8; 48];
                let mut borrow = 0i16;
                for i in (0..48).rev() {
                    let d = i16::from(x[i]) - i16::from(N[i]) - borrow;
                    v[i] = d.rem_euclid(256) as u8;
                    borrow = i16::from(d < 0);
                }
                v
            };
            let r = scalar(&x_mod_n);
            for t in [0u64, 1, 12345] {
                let t_s = Scalar::from(t);
                let q_point =
                    (ProjectivePoint::from(r_point) - ProjectivePoint::GENERATOR * t_s).to_affine();
                let vk = VerifyingKey::from_affine(q_point).unwrap();
                let e: [u8; 48] = (t_s * r).to_bytes().into();
                assert_eq!(
                    agree_prehash(&vk, &e, &x_mod_n, &x_mod_n),
                    Some(true),
                    "t = {t}"
                );
                // The unreduced x is not a scalar at all; a different e fails.
                assert_eq!(agree_prehash(&vk, &e, &x, &x_mod_n), None);
                let e2: [u8; 48] = (t_s * r + Scalar::ONE).to_bytes().into();
                assert_eq!(agree_prehash(&vk, &e2, &x_mod_n, &x_mod_n), Some(false));
            }
        }
    }

    #[test]
    fn u1_zero_and_prehash_reduction() {
        let sk = SigningKey::from_slice(&[9u8; 48]).unwrap();
        let vk = VerifyingKey::from(&sk);
        let mut n_minus_1 = N;
        n_minus_1[47] -= 1;
        // Digests ≡ 0 (u1 = 0), ≥ n (reduced), and the extremes.
        for z in [
            small(0),
            N,
            add_be(&N, &small(1)),
            n_minus_1,
            [0xff; 48],
            small(1),
        ] {
            let sig: Signature = sk.sign_prehash(&z).unwrap();
            let (r, s) = (sig.r().to_bytes().into(), sig.s().to_bytes().into());
            assert_eq!(agree_prehash(&vk, &z, &r, &s), Some(true));
            // Every one of these must also agree on a tampered digest.
            let mut z2 = z;
            z2[0] ^= 1;
            assert_eq!(agree_prehash(&vk, &z2, &r, &s), Some(false));
        }
    }

    #[test]
    fn identity_result_is_rejected() {
        // e = −r·d makes u1·G + u2·Q = s⁻¹(e + r·d)·G the identity.
        let d = scalar(&[3u8; 48]);
        let vk = VerifyingKey::from_affine((ProjectivePoint::GENERATOR * d).to_affine()).unwrap();
        for (r, s) in [
            (small(1), small(1)),
            (small(5), [0x42; 48]),
            (N_minus(1), N_minus(1)),
        ] {
            let e: [u8; 48] = (-(scalar(&r) * d)).to_bytes().into();
            assert_eq!(agree_prehash(&vk, &e, &r, &s), Some(false));
        }
    }

    #[allow(non_snake_case)]
    fn N_minus(k: u8) -> [u8; 48] {
        let mut v = N;
        v[47] -= k;
        v
    }

    #[test]
    fn extreme_scalars() {
        let sk = SigningKey::from_slice(&[5u8; 48]).unwrap();
        let vk = VerifyingKey::from(&sk);
        let d = scalar(&[5u8; 48]);
        // Valid signatures with s = 1 and s = n − 1: s = k⁻¹(e + r·d), so e = k·s − r·d.
        for k in [2u64, 77, 1 << 40] {
            let k = Scalar::from(k);
            let r_bytes: [u8; 48] = (ProjectivePoint::GENERATOR * k).to_affine().x().into();
            let r = <Scalar as Reduce<FieldBytes>>::reduce(&r_bytes.into());
            let r_bytes: [u8; 48] = r.to_bytes().into();
            for s in [small(1), N_minus(1)] {
                let e: [u8; 48] = (k * scalar(&s) - r * d).to_bytes().into();
                assert_eq!(agree_prehash(&vk, &e, &r_bytes, &s), Some(true));
                assert_eq!(agree_prehash(&vk, &e, &s, &r_bytes), Some(false));
            }
        }
        // r = 1 or n − 1 as a valid signature needs x(R) ≡ r: take Q = R on such an x (u1 = 0).
        for r in [small(1), N_minus(1)] {
            if let Some(point) = point_at_x(&r) {
                let vk = VerifyingKey::from_affine(point).unwrap();
                assert_eq!(agree_prehash(&vk, &small(0), &r, &r), Some(true));
                assert_eq!(agree_prehash(&vk, &small(1), &r, &r), Some(false));
            }
        }
        // Arbitrary combinations of the extremes.
        let msg_z: [u8; 48] = Sha384::digest(b"m").into();
        for r in [small(1), small(2), N_minus(1), N_minus(2)] {
            for s in [small(1), small(2), N_minus(1), N_minus(2)] {
                assert_eq!(agree_prehash(&vk, &msg_z, &r, &s), Some(false));
            }
        }
    }

    fn message_agree(
        vk: &VerifyingKey,
        q: &FixedBase,
        g: &FixedBase,
        msg: &[u8],
        sig: &Signature,
    ) -> bool {
        let reference = vk.verify(msg, sig).is_ok();
        let (r, s) = sig.split_scalars();
        let ours = verify(g, q, msg, &r, &s);
        assert_eq!(ours, reference);
        ours
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn agrees_with_p384(
            d in prop::array::uniform32(any::<u8>()),
            d2 in prop::array::uniform32(any::<u8>()),
            msg in prop::collection::vec(any::<u8>(), 0..200),
            flip in any::<(usize, u8)>(),
            raw in prop::collection::vec(any::<u8>(), 96),
        ) {
            let mut d48 = [0u8; 48];
            d48[16..].copy_from_slice(&d);
            d48[0] = d[0] | 1;
            let Ok(sk) = SigningKey::from_slice(&d48) else { return Ok(()) };
            let vk = VerifyingKey::from(&sk);
            let g = generator();
            let q = FixedBase::new(vk.as_affine().into());
            let sig: Signature = sk.sign(&msg);
            prop_assert!(message_agree(&vk, &q, &g, &msg, &sig));
            // Tampered message.
            let mut m2 = msg.clone();
            if m2.is_empty() { m2.push(0) } else { let i = flip.0 % m2.len(); m2[i] ^= flip.1 | 1; }
            prop_assert!(!message_agree(&vk, &q, &g, &m2, &sig));
            // Tampered signature bytes.
            let mut bytes: [u8; 96] = sig.to_bytes().into();
            bytes[flip.0 % 96] ^= flip.1 | 1;
            if let Ok(t) = Signature::from_slice(&bytes) {
                prop_assert!(!message_agree(&vk, &q, &g, &msg, &t));
            }
            // r and s swapped.
            let (r, s) = sig.split_scalars();
            let swapped = Signature::from_scalars(s.to_bytes(), r.to_bytes()).unwrap();
            message_agree(&vk, &q, &g, &msg, &swapped);
            // −s (the other valid-looking high/low s form): p384 does not normalise s, both accept.
            let neg = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
            message_agree(&vk, &q, &g, &msg, &neg);
            // Random r, s in range.
            if let Ok(random) = Signature::from_slice(&raw) {
                prop_assert!(!message_agree(&vk, &q, &g, &msg, &random));
            }
            // Another key's signature.
            let mut e48 = [0u8; 48];
            e48[16..].copy_from_slice(&d2);
            e48[0] = 0x40;
            if let Ok(other) = SigningKey::from_slice(&e48) {
                let other_sig: Signature = other.sign(&msg);
                prop_assert_eq!(message_agree(&vk, &q, &g, &msg, &other_sig), other == sk);
            }
        }

        #[test]
        fn table_mul_agrees(k in prop::array::uniform32(any::<u8>()), hi in prop::array::uniform16(any::<u8>())) {
            let mut be = [0u8; 48];
            be[..16].copy_from_slice(&hi);
            be[16..].copy_from_slice(&k);
            let k = <Scalar as Reduce<FieldBytes>>::reduce(&be.into());
            let g = generator();
            prop_assert_eq!(g.mul(&k), ProjectivePoint::GENERATOR * k);
            let p = ProjectivePoint::GENERATOR * Scalar::from(987_654_321u64);
            let t = FixedBase::new(p);
            prop_assert_eq!(t.mul(&k), p * k);
        }
    }

    #[allow(dead_code)]
    fn _types(_: NistP384) {}
}

/// Timings (not a test): `cargo test --release --lib es384::table::timing -- --ignored --nocapture`.
#[cfg(test)]
mod timing {
    extern crate std;
    use super::*;
    use p384::ecdsa::signature::{Signer, Verifier};
    use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
    use std::hint::black_box;
    use std::println;
    use std::time::Instant;

    /// Median µs per call of `f` over `rounds` batches of `batch` calls.
    fn time<F: FnMut()>(rounds: usize, batch: usize, mut f: F) -> f64 {
        let mut v: Vec<f64> = (0..rounds)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..batch {
                    f();
                }
                t.elapsed().as_secs_f64() * 1e6 / batch as f64
            })
            .collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    #[test]
    #[ignore]
    fn timing() {
        let sk = SigningKey::from_slice(&[7u8; 48]).unwrap();
        let vk = VerifyingKey::from(&sk);
        let msg = [0x61u8; 300];
        let sig: Signature = sk.sign(&msg);
        let g = generator();
        let q = FixedBase::new(vk.as_affine().into());
        let (r, s) = sig.split_scalars();
        let e = <Scalar as Reduce<FieldBytes>>::reduce(&Sha384::digest(msg));
        let p = g.mul(&e);
        let build = time(11, 3, || {
            black_box(FixedBase::new(black_box(ProjectivePoint::GENERATOR)));
        });
        println!(
            "W {W} T {T}: table build: {build:.0} µs, {} points, {} bytes",
            g.points.len(),
            g.points.len() * core::mem::size_of::<AffinePoint>()
        );
        let mut old = Vec::new();
        let mut new = Vec::new();
        for _ in 0..15 {
            old.push(time(1, 200, || {
                assert!(vk.verify(black_box(&msg), black_box(&sig)).is_ok())
            }));
            new.push(time(1, 200, || {
                assert!(verify(&g, &q, black_box(&msg), &r, &s))
            }));
        }
        let ratios: Vec<f64> = {
            let mut v: Vec<f64> = old.iter().zip(&new).map(|(a, b)| a / b).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        old.sort_by(f64::total_cmp);
        new.sort_by(f64::total_cmp);
        println!(
            "p384 verify {:.1} µs, table verify {:.1} µs, median per-round ratio {:.2}x",
            old[7], new[7], ratios[7]
        );
        println!(
            "sha384(300 B) {:.2} µs",
            time(21, 500, || {
                black_box(Sha384::digest(black_box(msg)));
            })
        );
        println!(
            "s inverse (vartime) {:.2} µs",
            time(21, 500, || {
                black_box(black_box(*s).invert_vartime());
            })
        );
        println!(
            "to_affine {:.2} µs",
            time(21, 500, || {
                black_box(black_box(p).to_affine());
            })
        );
        println!(
            "one table mul {:.2} µs",
            time(21, 200, || {
                black_box(g.mul(black_box(&e)));
            })
        );
        println!(
            "signed digits {:.3} µs",
            time(21, 2000, || {
                black_box(signed_digits(black_box(&e.to_bytes())));
            })
        );
        println!(
            "mixed add {:.3} µs",
            time(21, 2000, || {
                black_box(black_box(p) + black_box(&g.points[5]));
            })
        );
        println!(
            "double {:.3} µs",
            time(21, 2000, || {
                black_box(black_box(p).double());
            })
        );
    }
}
