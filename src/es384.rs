//! ES384 (ECDSA P-384 with SHA-384) for jwt-compact, over RustCrypto's `p384`.
//!
//! JWS carries the signature as raw `R ‖ S` (96 bytes). Anything else, DER included, is refused
//! before any arithmetic; `r` and `s` must lie in `1..n` (so the all-zero "psychic signature" of
//! CVE-2022-21449 can never verify).
//!
//! Gates verify with `PreparedEs384Key`: `p384`'s arithmetic over precomputed fixed-base tables for
//! the generator and the key (`table`), the same decision as `p384`'s `VerifyingKey::verify` (held to
//! it by the tests there). The `jwt-compact` [`Algorithm`] impl below still verifies with `p384`.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::num::NonZeroUsize;
use jwt_compact::{Algorithm, AlgorithmSignature};
use once_cell::race::OnceBox;
use p384::ecdsa::signature::{Signer, Verifier};

pub use p384::ecdsa::{SigningKey, VerifyingKey};

mod table;

/// The ES384 algorithm (jwt-compact `Algorithm`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Es384;

/// A raw `R ‖ S` ES384 signature whose scalars are known to be in range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Es384Signature(p384::ecdsa::Signature);

/// Length of a JWS ES384 signature.
pub const SIGNATURE_LEN: usize = 96;

impl AlgorithmSignature for Es384Signature {
    const LENGTH: Option<NonZeroUsize> = NonZeroUsize::new(SIGNATURE_LEN);

    fn try_from_slice(slice: &[u8]) -> anyhow::Result<Self> {
        Self::from_raw(slice).ok_or_else(|| anyhow::anyhow!("invalid ES384 signature"))
    }

    fn as_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.0.to_bytes().to_vec())
    }
}

impl Es384Signature {
    /// Parses a raw 96-byte `R ‖ S` signature; `None` for any other length or an out-of-range scalar.
    pub fn from_raw(slice: &[u8]) -> Option<Self> {
        if slice.len() != SIGNATURE_LEN {
            return None;
        }
        // `from_slice` rejects r or s equal to zero or not below the group order.
        p384::ecdsa::Signature::from_slice(slice).ok().map(Self)
    }
}

impl Algorithm for Es384 {
    type SigningKey = SigningKey;
    type VerifyingKey = VerifyingKey;
    type Signature = Es384Signature;

    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("ES384")
    }

    fn sign(&self, signing_key: &SigningKey, message: &[u8]) -> Es384Signature {
        // RFC 6979 deterministic nonces: the same key and message always give the same token,
        // which keeps the conformance corpus reproducible.
        Es384Signature(signing_key.sign(message))
    }

    fn verify_signature(&self, sig: &Es384Signature, key: &VerifyingKey, message: &[u8]) -> bool {
        key.verify(message, &sig.0).is_ok()
    }
}

/// The generator's fixed-base table: built on the first ES384 verification in Rust of the process,
/// then shared by every key and gate.
static GENERATOR_TABLE: OnceBox<table::FixedBase> = OnceBox::new();

/// A configured ES384 key, verified with fixed-base tables ([`table`]): 73 KB per key (and once per
/// process for the generator), built on the key's first verification in Rust, not at load, so that
/// a gate whose host verifies every signature (the npm package on Node) never builds them and
/// loading a configuration costs what it did. A table takes about 2.5 ms to build natively and
/// 7.5 ms in WebAssembly (Node 20, warm), a few verifications' worth: the first pure-wasm
/// verification of a process pays both tables (measured 29–35 ms against 11–19 ms before, most of
/// either being the engine's first compilation), each further key's first one its own (~9 ms);
/// after that a verification is 3.7× faster (`table::timing`, `benches/node/ab.mjs`). A racing
/// first use builds the table twice and keeps one (`OnceBox`). Clones share the table.
#[derive(Clone)]
pub(crate) struct PreparedEs384Key {
    key: VerifyingKey,
    /// The SEC1 uncompressed point, what a host verifier is handed.
    sec1: Box<[u8]>,
    table: Arc<OnceBox<table::FixedBase>>,
}

impl PreparedEs384Key {
    pub(crate) fn new(key: VerifyingKey) -> Self {
        Self {
            sec1: key.to_sec1_point(false).as_bytes().into(),
            key,
            table: Arc::new(OnceBox::new()),
        }
    }

    /// The SEC1 uncompressed point (for a host verifier).
    pub(crate) fn sec1(&self) -> &[u8] {
        &self.sec1
    }

    /// The generator's and this key's tables, built now if they are not yet.
    fn tables(&self) -> (&table::FixedBase, &table::FixedBase) {
        let g = GENERATOR_TABLE.get_or_init(|| Box::new(table::generator()));
        let q = self
            .table
            .get_or_init(|| Box::new(table::FixedBase::new(self.key.as_affine().into())));
        (g, q)
    }

    /// Builds the tables now instead of on the first verification ([`crate::Gate::precompute`]).
    pub(crate) fn precompute(&self) {
        self.tables();
    }

    /// Verifies `sig` over `message`: the same decision as `p384`'s `VerifyingKey::verify`.
    pub(crate) fn verify(&self, sig: &Es384Signature, message: &[u8]) -> bool {
        let (g, q) = self.tables();
        let (r, s) = sig.0.split_scalars();
        table::verify(g, q, message, &r, &s)
    }
}

/// A host's own ES384 signature check, for runtimes whose native crypto is faster than the
/// portable arithmetic (the npm package hands it to `node:crypto`).
///
/// The host only does the arithmetic. The core has already picked the key (from the
/// configuration, by `kid` or by the key's algorithm, never from the token) and refused any
/// signature that is not exactly 96 bytes with `r` and `s` in `1..n`; everything after the
/// signature (claims, time, scope, binding, revocation) stays in the core.
pub trait Es384Verifier {
    /// Verifies `signature` (raw `R ‖ S`, 96 bytes) over `signed` (the JWS signing input) with the
    /// configured key `public_key` (SEC1 uncompressed point, 97 bytes). `None` when the host cannot
    /// decide (the core then verifies in Rust); a host error must be `Some(false)`, never `Some(true)`.
    fn verify(&self, public_key: &[u8], signed: &[u8], signature: &[u8]) -> Option<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_lengths_and_zero_scalars() {
        assert!(Es384Signature::from_raw(&[0u8; 96]).is_none());
        assert!(Es384Signature::from_raw(&[1u8; 95]).is_none());
        assert!(Es384Signature::from_raw(&[1u8; 97]).is_none());
        assert!(
            Es384Signature::from_raw(&[0xffu8; 96]).is_none(),
            "r = s >= n"
        );
        assert!(Es384Signature::from_raw(&[1u8; 96]).is_some());
    }

    #[test]
    fn precompute_builds_the_key_table_once_and_verifies_the_same() {
        let sk = SigningKey::from_slice(&[9u8; 48]).unwrap();
        let key = PreparedEs384Key::new(VerifyingKey::from(&sk));
        let sig = Es384Signature::from_raw(&Es384.sign(&sk, b"m").as_bytes()).unwrap();
        assert!(key.table.get().is_none(), "lazy until asked");
        key.precompute();
        let built = key.table.get().map(core::ptr::from_ref);
        assert!(built.is_some() && GENERATOR_TABLE.get().is_some());
        key.precompute();
        assert_eq!(
            key.table.get().map(core::ptr::from_ref),
            built,
            "built once"
        );
        assert!(key.verify(&sig, b"m"));
        assert!(!key.verify(&sig, b"n"));
        // Clones share the table.
        assert_eq!(key.clone().table.get().map(core::ptr::from_ref), built);
    }

    #[test]
    fn sign_verify_round_trip_and_tamper() {
        let sk = SigningKey::from_slice(&[7u8; 48]).unwrap();
        let vk = VerifyingKey::from(&sk);
        let sig = Es384.sign(&sk, b"hello");
        assert!(Es384.verify_signature(&sig, &vk, b"hello"));
        assert!(!Es384.verify_signature(&sig, &vk, b"hellp"));
        let bytes = sig.as_bytes().into_owned();
        assert_eq!(bytes.len(), 96);
        assert_eq!(Es384Signature::from_raw(&bytes), Some(sig));
    }
}
