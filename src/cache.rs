//! Verified-token cache: an HLS viewer presents the same token on every segment request, so the
//! decode + signature + claim typing of a token is done once and reused.
//!
//! A hit skips only what depends on the token bytes alone. Everything that depends on the request or
//! the clock — `exp`/`nbf`/lifetime, channel, origin, path scope, binding, revocation — runs on every
//! request, so a cached token can never outlive its `exp`, escape its scope or dodge a revocation.
//! Only verified tokens are cached (never failures), keyed by the exact token text (and the path
//! session id), never by signature bytes alone (ECDSA signatures are malleable).
//!
//! The cache lives inside a [`CachingGate`] together with the gate whose keys verified its entries,
//! so entries can never be served by a gate with other keys.

use crate::claims::VerifiedClaims;
use crate::gate::{Decision, Gate, Host};
use crate::policy::Scope;
use crate::revocation::RevocationSource;
use crate::Request;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

struct Entry {
    hash: u64,
    token: Box<str>,
    session: Option<Box<str>>,
    claims: Arc<VerifiedClaims>,
    scope: Scope,
}

/// A bounded, direct-mapped map from token text to verified claims.
pub struct TokenCache {
    slots: Vec<Option<Entry>>,
    mask: usize,
    hits: u64,
    misses: u64,
}

impl core::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.slots.len())
            .field("hits", &self.hits)
            .field("misses", &self.misses)
            .finish_non_exhaustive()
    }
}

/// Picks a slot from the token's last 32 bytes (the signature: MAC or ECDSA output, unpredictable
/// without the key), its length and the session id, with a word-at-a-time multiplicative hash
/// (FxHash-style): cheap and allocation-free, and independent of the token's length. It only picks
/// a slot; entries are always compared in full, so collisions cost a miss, never a wrong answer.
fn slot_hash(token: &str, session: Option<&str>) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    fn tail(s: &str) -> &[u8] {
        let b = s.as_bytes();
        b.get(b.len().saturating_sub(32)..).unwrap_or(b)
    }
    let mut h: u64 = 0;
    for part in [tail(token), tail(session.unwrap_or(""))] {
        let mut chunks = part.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    h = (h.rotate_left(5) ^ token.len() as u64).wrapping_mul(K);
    h = (h.rotate_left(5) ^ session.map_or(0, |s| s.len() as u64 + 1)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// `a == b`. In WebAssembly eight bytes at a time: there `memcmp` is compiler-builtins' byte loop,
/// and comparing a ~220-byte token that way was ~10% of a cache hit through the npm package.
#[cfg(target_arch = "wasm32")]
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        let (mut u, mut v) = ([0u8; 8], [0u8; 8]);
        u.copy_from_slice(p);
        v.copy_from_slice(q);
        if u64::from_ne_bytes(u) != u64::from_ne_bytes(v) {
            return false;
        }
    }
    x.remainder() == y.remainder()
}

#[cfg(not(target_arch = "wasm32"))]
fn same_text(a: &str, b: &str) -> bool {
    a == b
}

impl TokenCache {
    /// A cache of `capacity` entries (rounded up to a power of two; 0 disables caching).
    pub fn new(capacity: usize) -> TokenCache {
        let n = if capacity == 0 {
            0
        } else {
            capacity.next_power_of_two().min(1 << 20)
        };
        let mut slots = Vec::with_capacity(n);
        slots.resize_with(n, || None);
        TokenCache {
            slots,
            mask: n.saturating_sub(1),
            hits: 0,
            misses: 0,
        }
    }

    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// `(hits, misses)` since creation.
    pub fn stats(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }

    /// Forgets every entry (e.g. after a key was withdrawn).
    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = None);
    }

    pub(crate) fn get(
        &mut self,
        token: &str,
        session: Option<&str>,
    ) -> Option<(Arc<VerifiedClaims>, Scope)> {
        if self.slots.is_empty() {
            return None;
        }
        let hash = slot_hash(token, session);
        #[allow(clippy::cast_possible_truncation)]
        let slot = self.slots.get((hash as usize) & self.mask)?;
        match slot {
            Some(e)
                if e.hash == hash
                    && same_text(&e.token, token)
                    && e.session.as_deref() == session =>
            {
                self.hits += 1;
                Some((Arc::clone(&e.claims), e.scope.clone()))
            }
            _ => {
                self.misses += 1;
                None
            }
        }
    }

    pub(crate) fn insert(
        &mut self,
        token: &str,
        session: Option<&str>,
        claims: &Arc<VerifiedClaims>,
        scope: &Scope,
    ) {
        if self.slots.is_empty() {
            return;
        }
        let hash = slot_hash(token, session);
        #[allow(clippy::cast_possible_truncation)]
        if let Some(slot) = self.slots.get_mut((hash as usize) & self.mask) {
            *slot = Some(Entry {
                hash,
                token: token.into(),
                session: session.map(Into::into),
                claims: Arc::clone(claims),
                scope: scope.clone(),
            });
        }
    }
}

/// A gate with its own verified-token cache. Not `Sync` by design: give each thread (or each
/// single-threaded runtime such as a wasm instance) its own, or wrap it in a mutex.
#[derive(Debug)]
pub struct CachingGate {
    gate: Gate,
    cache: TokenCache,
}

impl CachingGate {
    /// Wraps `gate` with a cache of `capacity` tokens.
    pub fn new(gate: Gate, capacity: usize) -> CachingGate {
        CachingGate {
            gate,
            cache: TokenCache::new(capacity),
        }
    }

    /// The underlying gate.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// Cache statistics `(hits, misses)`.
    pub fn stats(&self) -> (u64, u64) {
        self.cache.stats()
    }

    /// [`Gate::check`] through the cache.
    pub fn check(&mut self, req: &Request<'_>, now: u64) -> Decision {
        self.gate
            .check_cached(req, now, Host::default(), &mut self.cache)
    }

    /// [`Gate::check_with`] through the cache.
    pub fn check_with(
        &mut self,
        req: &Request<'_>,
        now: u64,
        revocation: Option<&dyn RevocationSource>,
    ) -> Decision {
        self.check_host(req, now, Host::with_revocation(revocation))
    }

    /// [`Gate::check_host`] through the cache. A hit skips the signature check, so the host's
    /// verifier only sees tokens the cache has not verified yet.
    pub fn check_host(&mut self, req: &Request<'_>, now: u64, host: Host<'_>) -> Decision {
        self.gate.check_cached(req, now, host, &mut self.cache)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_mapped_lookup_compares_in_full() {
        let mut c = TokenCache::new(3);
        assert_eq!(c.capacity(), 4);
        let v = Arc::new(VerifiedClaims::default());
        c.insert("a.b.c", None, &v, &Scope::NONE);
        assert!(c.get("a.b.c", None).is_some());
        assert!(c.get("a.b.c", Some("s")).is_none());
        assert!(c.get("a.b.d", None).is_none());
        c.clear();
        assert!(c.get("a.b.c", None).is_none());
        let mut off = TokenCache::new(0);
        off.insert("x", None, &v, &Scope::NONE);
        assert!(off.get("x", None).is_none());
    }
}
