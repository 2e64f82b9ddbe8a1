//! Revocation: a blocked bloom filter of revoked session ids and token ids, plus an exact table of
//! revoked IVS viewer sessions, in one versioned, checksummed file (format: `docs/revocation.md`).
//!
//! Every element is hashed with SHA-256 (the one hash CloudFront Functions shares with us) over a
//! domain-separated message; the digest picks one block of at most 1 KB and `k` bits inside it, so a
//! lookup reads exactly one block — one KeyValueStore value at the edge, a few cache lines natively.
//! The filter never yields false negatives; its false-positive rate is planned by [`Params::plan`].

use crate::claims::VerifiedClaims;
use crate::config::ConfigError;
use crate::Reason;
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// First four bytes of a filter file.
pub const MAGIC: [u8; 4] = *b"PGRF";
/// First four bytes of one KeyValueStore block value (after base64 decoding).
pub const BLOCK_MAGIC: [u8; 4] = *b"PGRB";
/// The format version this code reads and writes.
pub const FORMAT_VERSION: u16 = 1;
/// Domain-separation tag that starts every hashed element.
pub const HASH_TAG: [u8; 4] = *b"pgr1";
/// Length of the per-filter seed mixed into every element hash.
pub const SEED_LEN: usize = 12;
/// Length of the fixed file header.
pub const HEADER_LEN: usize = 64;
/// Length of one generation record.
pub const GENERATION_LEN: usize = 16;
/// Length of one viewer-session record.
pub const VIEWER_LEN: usize = 32;
/// Length of the trailing SHA-256.
pub const CHECKSUM_LEN: usize = 32;
/// Smallest block: 2^9 bits = 64 bytes.
pub const MIN_LOG2_BLOCK_BITS: u8 = 9;
/// Largest block: 2^13 bits = 1 KB.
pub const MAX_LOG2_BLOCK_BITS: u8 = 13;
/// Largest block that still fits one KeyValueStore value once framed and base64-encoded (512 bytes).
pub const MAX_KVS_LOG2_BLOCK_BITS: u8 = 12;
/// Most blocks a filter may have (2^24 blocks of 1 KB = 16 GB: far beyond any real list).
pub const MAX_BLOCKS: u32 = 1 << 24;
/// Fixed part of a KeyValueStore block value: magic, version, lineage, index, serial.
pub const BLOCK_HEADER_LEN: usize = 22;
/// Truncated SHA-256 closing a KeyValueStore block value.
pub const BLOCK_CHECK_LEN: usize = 16;
/// Bits of the digest used to pick the block; the bit positions follow.
const BLOCK_SELECTOR_BITS: u32 = 32;

/// Why a filter (or one block of it) was rejected. Nothing in a rejected filter is ever used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterError {
    /// Shorter or longer than its header says.
    Length,
    /// Not a playgate filter (or block).
    Magic,
    /// A format version this code does not read.
    Version,
    /// Parameters out of range (block size, `k`, block count).
    Parameters,
    /// The checksum does not match: corrupt, truncated or tampered with.
    Checksum,
    /// Well-formed but inconsistent (unsorted tables, counts that do not add up, wrong block).
    Inconsistent,
}

impl FilterError {
    /// Stable snake_case code.
    pub const fn code(self) -> &'static str {
        match self {
            FilterError::Length => "length",
            FilterError::Magic => "magic",
            FilterError::Version => "version",
            FilterError::Parameters => "parameters",
            FilterError::Checksum => "checksum",
            FilterError::Inconsistent => "inconsistent",
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FilterError::Length => {
                "revocation filter: length does not match its header (truncated?)"
            }
            FilterError::Magic => "revocation filter: bad magic (not a playgate filter)",
            FilterError::Version => "revocation filter: unsupported format version",
            FilterError::Parameters => "revocation filter: parameters out of range",
            FilterError::Checksum => "revocation filter: checksum mismatch (corrupt or truncated)",
            FilterError::Inconsistent => "revocation filter: inconsistent tables",
        })
    }
}

impl core::error::Error for FilterError {}

/// What kind of identifier an element is; part of the hashed message so kinds never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A session id (`sid` or a configured claim, SMD path session id, Akamai `id=`).
    Session,
    /// A token id (`jti`).
    TokenId,
}

impl Kind {
    /// The byte that encodes the kind in the hashed message.
    pub const fn tag(self) -> u8 {
        match self {
            Kind::Session => b's',
            Kind::TokenId => b'j',
        }
    }
    /// Name used in lists and output (`sid`, `jti`).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Session => "sid",
            Kind::TokenId => "jti",
        }
    }
}

/// Kind byte of viewer-session table keys.
const VIEWER_TAG: u8 = b'v';

/// Something the gate may ask a revocation source about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocable<'a> {
    /// A session id or token id, looked up in the bloom filter.
    Id(Kind, Cow<'a, str>),
    /// An IVS viewer session: revoked when `version` ≤ the revoked version for (channel, viewer).
    Viewer {
        /// `aws:channel-arn`.
        channel_arn: &'a str,
        /// `aws:viewer-id`.
        viewer_id: &'a str,
        /// `aws:viewer-session-version` (0 when absent).
        version: i64,
    },
}

/// The source could not answer: no filter loaded, corrupt, stale, or a block missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unavailable;

/// Anything the gate can ask "is this revoked?": a loaded [`RevocationFilter`], or a surface's own
/// adapter (e.g. one that reads single blocks from a key-value store and checks them with
/// [`verify_kvs_block`] and [`block_contains`]).
pub trait RevocationSource {
    /// `Ok(true)` when revoked (possibly a false positive for ids), `Ok(false)` when certainly not,
    /// `Err(Unavailable)` when the source cannot tell.
    fn is_revoked(&self, item: &Revocable<'_>) -> Result<bool, Unavailable>;
    /// When the source's data was built (Unix seconds), for the `max_age` policy.
    fn created(&self) -> Option<u64> {
        None
    }
}

/// SHA-256 of a bloom element: `HASH_TAG ‖ seed ‖ kind ‖ id` (UTF-8 bytes of `id`).
pub fn element_digest(seed: &[u8; SEED_LEN], kind: Kind, id: &str) -> [u8; 32] {
    // Typical ids (UUIDs, short session ids) are hashed from one stack buffer in a single call,
    // which saves the streaming hasher's buffering on the per-request path.
    const PREFIX: usize = HASH_TAG.len() + SEED_LEN + 1;
    let mut buf = [0u8; 128];
    if id.len() <= buf.len() - PREFIX {
        let (head, rest) = buf.split_at_mut(PREFIX);
        let (tag, more) = head.split_at_mut(HASH_TAG.len());
        tag.copy_from_slice(&HASH_TAG);
        let (s, k) = more.split_at_mut(SEED_LEN);
        s.copy_from_slice(seed);
        if let Some(b) = k.first_mut() {
            *b = kind.tag();
        }
        if let Some(dst) = rest.get_mut(..id.len()) {
            dst.copy_from_slice(id.as_bytes());
        }
        if let Some(msg) = buf.get(..PREFIX + id.len()) {
            return Sha256::digest(msg).into();
        }
    }
    let mut h = Sha256::new();
    h.update(HASH_TAG);
    h.update(seed);
    h.update([kind.tag()]);
    h.update(id.as_bytes());
    h.finalize().into()
}

/// Key of a viewer session in the exact table: the first 16 bytes of
/// SHA-256(`HASH_TAG ‖ seed ‖ 'v' ‖ u16be(len(arn)) ‖ arn ‖ viewer_id`).
/// `None` for an ARN longer than 65535 bytes (never a real one).
pub fn viewer_key(seed: &[u8; SEED_LEN], channel_arn: &str, viewer_id: &str) -> Option<[u8; 16]> {
    let len = u16::try_from(channel_arn.len()).ok()?;
    let mut h = Sha256::new();
    h.update(HASH_TAG);
    h.update(seed);
    h.update([VIEWER_TAG]);
    h.update(len.to_be_bytes());
    h.update(channel_arn.as_bytes());
    h.update(viewer_id.as_bytes());
    let d: [u8; 32] = h.finalize().into();
    let mut key = [0u8; 16];
    key.copy_from_slice(d.get(..16)?);
    Some(key)
}

/// Filter shape: block size, bits set per element, number of blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    log2_block_bits: u8,
    k: u8,
    blocks: u32,
}

impl Params {
    /// Validated parameters: block of 2^`log2_block_bits` bits (9..=13), `k` in 1..=[`Params::max_k`],
    /// 1..=[`MAX_BLOCKS`] blocks.
    pub fn new(log2_block_bits: u8, k: u8, blocks: u32) -> Result<Params, FilterError> {
        let ok = (MIN_LOG2_BLOCK_BITS..=MAX_LOG2_BLOCK_BITS).contains(&log2_block_bits)
            && k >= 1
            && k <= Params::max_k(log2_block_bits)
            && (1..=MAX_BLOCKS).contains(&blocks);
        if ok {
            Ok(Params {
                log2_block_bits,
                k,
                blocks,
            })
        } else {
            Err(FilterError::Parameters)
        }
    }

    /// Most bit positions one SHA-256 digest yields for this block size (224 bits after the block
    /// selector, `log2_block_bits` bits each): 24 for 64-byte blocks, 18 for 512, 17 for 1 KB.
    pub const fn max_k(log2_block_bits: u8) -> u8 {
        if log2_block_bits == 0 {
            return 0;
        }
        ((256 - BLOCK_SELECTOR_BITS) / log2_block_bits as u32) as u8
    }

    /// log2 of the bits per block.
    pub const fn log2_block_bits(&self) -> u8 {
        self.log2_block_bits
    }
    /// Bits set (and tested) per element.
    pub const fn k(&self) -> u8 {
        self.k
    }
    /// Number of blocks.
    pub const fn blocks(&self) -> u32 {
        self.blocks
    }
    /// Bits per block.
    pub const fn block_bits(&self) -> usize {
        1usize << self.log2_block_bits
    }
    /// Bytes per block.
    pub const fn block_bytes(&self) -> usize {
        self.block_bits() / 8
    }
    /// Bytes of the whole bit array.
    pub const fn bits_bytes(&self) -> usize {
        self.block_bytes() * self.blocks as usize
    }

    /// Which block `digest` falls in, and its `k` bit positions inside the block.
    pub fn locate(&self, digest: &[u8; 32]) -> (u32, Positions) {
        let [s0, s1, s2, s3, rest @ ..] = *digest;
        let sel = u32::from_be_bytes([s0, s1, s2, s3]);
        // The 224 bits after the selector, as a 256-bit shift register (hi ‖ lo, zero-filled).
        let mut hi = [0u8; 16];
        let mut lo = [0u8; 16];
        let (a, b) = rest.split_at(16);
        hi.copy_from_slice(a);
        if let Some(dst) = lo.get_mut(..b.len()) {
            dst.copy_from_slice(b);
        }
        (
            sel % self.blocks,
            Positions {
                hi: u128::from_be_bytes(hi),
                lo: u128::from_be_bytes(lo),
                width: u32::from(self.log2_block_bits),
                left: self.k,
            },
        )
    }

    /// Predicted false-positive rate for `n` random elements (the blocked-bloom Poisson model:
    /// block loads vary, which costs a little over an unblocked filter of the same size).
    pub fn expected_fp(&self, n: u64) -> f64 {
        blocked_fp(n, self.blocks, self.block_bits(), self.k)
    }

    /// The smallest filter (over `k`) whose predicted false-positive rate for `n` elements is at most
    /// `target_fp`, with blocks of 2^`log2_block_bits` bits.
    pub fn plan(n: u64, target_fp: f64, log2_block_bits: u8) -> Result<Params, FilterError> {
        if !(MIN_LOG2_BLOCK_BITS..=MAX_LOG2_BLOCK_BITS).contains(&log2_block_bits)
            || !(1e-15..1.0).contains(&target_fp)
        {
            return Err(FilterError::Parameters);
        }
        let block_bits = 1usize << log2_block_bits;
        let mut best: Option<Params> = None;
        for k in 1..=Params::max_k(log2_block_bits) {
            // 80 bits per element is far above what any target in range needs: an upper bound.
            #[allow(clippy::cast_possible_truncation)]
            let upper =
                (n.saturating_mul(80) / block_bits as u64 + 1).min(u64::from(MAX_BLOCKS)) as u32;
            if blocked_fp(n, upper, block_bits, k) > target_fp {
                continue;
            }
            let (mut lo, mut hi) = (1u32, upper);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if blocked_fp(n, mid, block_bits, k) <= target_fp {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            if best.is_none_or(|b| hi < b.blocks) {
                best = Some(Params {
                    log2_block_bits,
                    k,
                    blocks: hi,
                });
            }
        }
        best.ok_or(FilterError::Parameters)
    }
}

/// Bit positions of one element inside its block: consecutive big-endian `width`-bit fields of the
/// digest, starting at bit 32.
#[derive(Clone, Debug)]
pub struct Positions {
    hi: u128,
    lo: u128,
    width: u32,
    left: u8,
}

impl Iterator for Positions {
    type Item = usize;
    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // width is 9..=13 (checked by `Params::new`), so these shifts are in range.
        let p = self.hi >> (128 - self.width);
        self.hi = (self.hi << self.width) | (self.lo >> (128 - self.width));
        self.lo <<= self.width;
        #[allow(clippy::cast_possible_truncation)]
        Some(p as usize)
    }
}

/// Tests the `k` positions of `digest` in one block's bytes (`block.len()` must be the block size).
pub fn block_contains(block: &[u8], mut positions: Positions) -> bool {
    positions.all(|p| {
        block
            .get(p >> 3)
            .is_some_and(|byte| byte & (1 << (p & 7)) != 0)
    })
}

/// One expiry generation: every element inserted with an expiry ≤ `not_after` (and above the
/// previous generation's) was counted here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generation {
    /// Unix seconds after which every token covered by this generation has expired.
    pub not_after: u64,
    /// Elements inserted in this generation.
    pub count: u64,
}

/// One revoked IVS viewer session in the exact table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewerEntry {
    /// [`viewer_key`] of (channel ARN, viewer id).
    pub key: [u8; 16],
    /// Every version ≤ this is revoked.
    pub max_version: i64,
    /// Unix seconds after which the entry no longer matters.
    pub not_after: u64,
}

/// A loaded, verified revocation filter. Build one with [`FilterBuilder`], read one with
/// [`RevocationFilter::from_bytes`].
#[derive(Clone, PartialEq, Eq)]
pub struct RevocationFilter {
    params: Params,
    seed: [u8; SEED_LEN],
    created: u64,
    not_after: u64,
    element_count: u64,
    serial: u32,
    generations: Vec<Generation>,
    bits: Vec<u8>,
    viewers: Vec<ViewerEntry>,
}

impl fmt::Debug for RevocationFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationFilter")
            .field("params", &self.params)
            .field("created", &self.created)
            .field("not_after", &self.not_after)
            .field("element_count", &self.element_count)
            .field("serial", &self.serial)
            .field("generations", &self.generations.len())
            .field("viewers", &self.viewers.len())
            .finish_non_exhaustive()
    }
}

/// Big-endian field reader over a checked slice; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FilterError> {
        let end = self.pos.checked_add(n).ok_or(FilterError::Length)?;
        let s = self.buf.get(self.pos..end).ok_or(FilterError::Length)?;
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], FilterError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, FilterError> {
        Ok(u8::from_be_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16, FilterError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, FilterError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, FilterError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

impl RevocationFilter {
    /// Reads and verifies a filter file. The length is checked against the header before anything
    /// is allocated, and the SHA-256 trailer before anything is interpreted beyond the header.
    pub fn from_bytes(bytes: &[u8]) -> Result<RevocationFilter, FilterError> {
        let mut r = Reader { buf: bytes, pos: 0 };
        if r.array::<4>().map_err(|_| FilterError::Magic)? != MAGIC {
            return Err(FilterError::Magic);
        }
        if r.u16()? != FORMAT_VERSION {
            return Err(FilterError::Version);
        }
        let log2 = r.u8()?;
        let k = r.u8()?;
        let blocks = r.u32()?;
        let params = Params::new(log2, k, blocks)?;
        let seed: [u8; SEED_LEN] = r.array()?;
        let created = r.u64()?;
        let not_after = r.u64()?;
        let element_count = r.u64()?;
        let serial = r.u32()?;
        let n_gen = r.u32()?;
        let n_view = r.u32()?;
        // Reserved for a later version of the format: a version-1 reader refuses what it would ignore.
        let reserved = r.u32()?;
        let expected = (HEADER_LEN as u64)
            .checked_add(u64::from(n_gen) * GENERATION_LEN as u64)
            .and_then(|x| x.checked_add(params.bits_bytes() as u64))
            .and_then(|x| x.checked_add(u64::from(n_view) * VIEWER_LEN as u64))
            .and_then(|x| x.checked_add(CHECKSUM_LEN as u64))
            .ok_or(FilterError::Length)?;
        if bytes.len() as u64 != expected {
            return Err(FilterError::Length);
        }
        let body_len = bytes.len() - CHECKSUM_LEN;
        let (body, check) = bytes.split_at(body_len);
        let digest: [u8; 32] = Sha256::digest(body).into();
        if digest.as_slice() != check {
            return Err(FilterError::Checksum);
        }

        let mut generations = Vec::with_capacity(n_gen as usize);
        let mut total = 0u64;
        let mut max_after = 0u64;
        for _ in 0..n_gen {
            let g = Generation {
                not_after: r.u64()?,
                count: r.u64()?,
            };
            if generations
                .last()
                .is_some_and(|p: &Generation| p.not_after >= g.not_after)
            {
                return Err(FilterError::Inconsistent);
            }
            total = total
                .checked_add(g.count)
                .ok_or(FilterError::Inconsistent)?;
            max_after = max_after.max(g.not_after);
            generations.push(g);
        }
        let bits = r.take(params.bits_bytes())?.to_vec();
        let mut viewers = Vec::with_capacity(n_view as usize);
        for _ in 0..n_view {
            let v = ViewerEntry {
                key: r.array()?,
                max_version: i64::from_be_bytes(r.array()?),
                not_after: r.u64()?,
            };
            if viewers.last().is_some_and(|p: &ViewerEntry| p.key >= v.key) {
                return Err(FilterError::Inconsistent);
            }
            max_after = max_after.max(v.not_after);
            viewers.push(v);
        }
        if total != element_count || max_after != not_after || reserved != 0 {
            return Err(FilterError::Inconsistent);
        }
        Ok(RevocationFilter {
            params,
            seed,
            created,
            not_after,
            element_count,
            serial,
            generations,
            bits,
            viewers,
        })
    }

    /// The file bytes (see `docs/revocation.md`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + self.generations.len() * GENERATION_LEN
                + self.bits.len()
                + self.viewers.len() * VIEWER_LEN
                + CHECKSUM_LEN,
        );
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.push(self.params.log2_block_bits);
        out.push(self.params.k);
        out.extend_from_slice(&self.params.blocks.to_be_bytes());
        out.extend_from_slice(&self.seed);
        out.extend_from_slice(&self.created.to_be_bytes());
        out.extend_from_slice(&self.not_after.to_be_bytes());
        out.extend_from_slice(&self.element_count.to_be_bytes());
        out.extend_from_slice(&self.serial.to_be_bytes());
        out.extend_from_slice(&len_u32(self.generations.len()).to_be_bytes());
        out.extend_from_slice(&len_u32(self.viewers.len()).to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        for g in &self.generations {
            out.extend_from_slice(&g.not_after.to_be_bytes());
            out.extend_from_slice(&g.count.to_be_bytes());
        }
        out.extend_from_slice(&self.bits);
        for v in &self.viewers {
            out.extend_from_slice(&v.key);
            out.extend_from_slice(&v.max_version.to_be_bytes());
            out.extend_from_slice(&v.not_after.to_be_bytes());
        }
        let digest: [u8; 32] = Sha256::digest(&out).into();
        out.extend_from_slice(&digest);
        out
    }

    /// Is this id (possibly falsely) in the filter? Never false for an inserted id.
    pub fn contains(&self, kind: Kind, id: &str) -> bool {
        self.contains_digest(&element_digest(&self.seed, kind, id))
    }

    /// [`RevocationFilter::contains`] for a precomputed [`element_digest`].
    pub fn contains_digest(&self, digest: &[u8; 32]) -> bool {
        let (block, positions) = self.params.locate(digest);
        self.block(block)
            .is_some_and(|b| block_contains(b, positions))
    }

    /// Is this viewer session revoked at `version` (every version ≤ the revoked one is)?
    pub fn viewer_revoked(&self, channel_arn: &str, viewer_id: &str, version: i64) -> bool {
        let Some(key) = viewer_key(&self.seed, channel_arn, viewer_id) else {
            return false;
        };
        self.viewers
            .binary_search_by(|v| v.key.cmp(&key))
            .ok()
            .and_then(|i| self.viewers.get(i))
            .is_some_and(|v| version <= v.max_version)
    }

    /// One block's bytes.
    pub fn block(&self, index: u32) -> Option<&[u8]> {
        let size = self.params.block_bytes();
        let start = (index as usize).checked_mul(size)?;
        self.bits.get(start..start.checked_add(size)?)
    }

    /// Parameters.
    pub fn params(&self) -> Params {
        self.params
    }
    /// The seed mixed into every element hash.
    pub fn seed(&self) -> &[u8; SEED_LEN] {
        &self.seed
    }
    /// When the filter was built (Unix seconds).
    pub fn created(&self) -> u64 {
        self.created
    }
    /// Latest expiry of anything in the filter: after it, nothing in it matters any more.
    pub fn not_after(&self) -> u64 {
        self.not_after
    }
    /// Elements set in the bloom filter (including those of generations already past).
    pub fn element_count(&self) -> u64 {
        self.element_count
    }
    /// Incremented by every build or extension in the same lineage.
    pub fn serial(&self) -> u32 {
        self.serial
    }
    /// Expiry generations, ascending.
    pub fn generations(&self) -> &[Generation] {
        &self.generations
    }
    /// Revoked viewer sessions, sorted by key.
    pub fn viewers(&self) -> &[ViewerEntry] {
        &self.viewers
    }
    /// Size of the file in bytes.
    pub fn file_len(&self) -> usize {
        HEADER_LEN
            + self.generations.len() * GENERATION_LEN
            + self.bits.len()
            + self.viewers.len() * VIEWER_LEN
            + CHECKSUM_LEN
    }

    /// Identifies the bit layout (format version, parameters, seed): two filters of one lineage
    /// hash every element to the same place, so their blocks may be mixed during a rolling update
    /// (an older block only lacks newer revocations, or still holds expired ones).
    pub fn lineage(&self) -> [u8; 8] {
        let mut h = Sha256::new();
        h.update(b"pgr1-lineage");
        h.update(FORMAT_VERSION.to_be_bytes());
        h.update([self.params.log2_block_bits, self.params.k]);
        h.update(self.params.blocks.to_be_bytes());
        h.update(self.seed);
        let d: [u8; 32] = h.finalize().into();
        let mut l = [0u8; 8];
        l.copy_from_slice(d.get(..8).unwrap_or(&[0; 8]));
        l
    }

    /// The false-positive rate of this very filter for a random non-member: the mean over blocks
    /// of (fraction of bits set)^k.
    pub fn measured_fill_fp(&self) -> f64 {
        let bits = self.params.block_bits() as f64;
        let mut sum = 0.0;
        for block in self.bits.chunks(self.params.block_bytes()) {
            let ones: u32 = block.iter().map(|b| b.count_ones()).sum();
            sum += powi(f64::from(ones) / bits, u32::from(self.params.k));
        }
        sum / f64::from(self.params.blocks)
    }

    /// Predicted false-positive rate from the parameters and the element count.
    pub fn expected_fp(&self) -> f64 {
        self.params.expected_fp(self.element_count)
    }

    /// One block framed for a KeyValueStore value (before base64): magic, version, lineage, index,
    /// serial, block bytes, then the first 16 bytes of SHA-256 of everything before.
    pub fn kvs_block(&self, index: u32) -> Option<Vec<u8>> {
        if self.params.log2_block_bits > MAX_KVS_LOG2_BLOCK_BITS {
            return None;
        }
        let block = self.block(index)?;
        let mut out = Vec::with_capacity(BLOCK_HEADER_LEN + block.len() + BLOCK_CHECK_LEN);
        out.extend_from_slice(&BLOCK_MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&self.lineage());
        out.extend_from_slice(&index.to_be_bytes());
        out.extend_from_slice(&self.serial.to_be_bytes());
        out.extend_from_slice(block);
        let d: [u8; 32] = Sha256::digest(&out).into();
        out.extend_from_slice(d.get(..BLOCK_CHECK_LEN)?);
        Some(out)
    }
}

impl RevocationFilter {
    /// [`RevocationFilter::kvs_block`] as the KeyValueStore value: standard base64 with padding.
    pub fn kvs_block_value(&self, index: u32) -> Option<String> {
        use base64::Engine as _;
        self.kvs_block(index)
            .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
    }

    /// KeyValueStore key of block `index`: `<prefix><lineage hex>:<index>` (see `docs/revocation.md`).
    pub fn kvs_block_key(&self, prefix: &str, index: u32) -> String {
        alloc::format!("{prefix}{}:{index}", hex(&self.lineage()))
    }

    /// KeyValueStore key of a viewer-session entry: `<prefix>v:<key hex>`.
    pub fn kvs_viewer_key(prefix: &str, entry: &ViewerEntry) -> String {
        alloc::format!("{prefix}v:{}", hex(&entry.key))
    }

    /// KeyValueStore value of a viewer-session entry: `<max_version>,<not_after>`.
    pub fn kvs_viewer_value(entry: &ViewerEntry) -> String {
        alloc::format!("{},{}", entry.max_version, entry.not_after)
    }

    /// The JSON stored under the header key `<prefix>h`: everything a one-block lookup needs.
    pub fn kvs_header_json(&self, prefix: &str) -> String {
        let p = self.params;
        alloc::format!(
            concat!(
                "{{\"v\":{},\"lineage\":\"{}\",\"seed\":\"{}\",\"log2_block_bits\":{},\"k\":{},",
                "\"blocks\":{},\"serial\":{},\"created\":{},\"not_after\":{},\"elements\":{},",
                "\"viewers\":{},\"block_prefix\":{}}}"
            ),
            FORMAT_VERSION,
            hex(&self.lineage()),
            hex(&self.seed),
            p.log2_block_bits,
            p.k,
            p.blocks,
            self.serial,
            self.created,
            self.not_after,
            self.element_count,
            self.viewers.len(),
            serde_json::Value::String(alloc::format!("{prefix}{}:", hex(&self.lineage()))),
        )
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            s.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    s
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Verifies one KeyValueStore block value (base64-decoded) and returns its block bytes: right magic
/// and version, the expected lineage and index, the expected size, and a matching check.
pub fn verify_kvs_block<'a>(
    value: &'a [u8],
    lineage: &[u8; 8],
    index: u32,
    params: &Params,
) -> Result<&'a [u8], FilterError> {
    if value.len() != BLOCK_HEADER_LEN + params.block_bytes() + BLOCK_CHECK_LEN {
        return Err(FilterError::Length);
    }
    let (body, check) = value.split_at(value.len() - BLOCK_CHECK_LEN);
    let d: [u8; 32] = Sha256::digest(body).into();
    if d.get(..BLOCK_CHECK_LEN) != Some(check) {
        return Err(FilterError::Checksum);
    }
    let mut r = Reader { buf: body, pos: 0 };
    if r.array::<4>()? != BLOCK_MAGIC {
        return Err(FilterError::Magic);
    }
    if r.u16()? != FORMAT_VERSION {
        return Err(FilterError::Version);
    }
    if &r.array::<8>()? != lineage || r.u32()? != index {
        return Err(FilterError::Inconsistent);
    }
    let _serial = r.u32()?;
    r.take(params.block_bytes())
}

impl RevocationSource for RevocationFilter {
    fn is_revoked(&self, item: &Revocable<'_>) -> Result<bool, Unavailable> {
        Ok(match *item {
            Revocable::Id(kind, ref id) => self.contains(kind, id),
            Revocable::Viewer {
                channel_arn,
                viewer_id,
                version,
            } => self.viewer_revoked(channel_arn, viewer_id, version),
        })
    }
    fn created(&self) -> Option<u64> {
        Some(self.created)
    }
}

/// Builds a filter: elements are grouped by expiry into generations, so that a rebuild can leave
/// whole past generations out.
#[derive(Clone, Debug)]
pub struct FilterBuilder {
    params: Params,
    seed: [u8; SEED_LEN],
    generation_secs: u64,
    serial: u32,
    bits: Vec<u8>,
    generations: BTreeMap<u64, u64>,
    viewers: BTreeMap<[u8; 16], (i64, u64)>,
}

impl FilterBuilder {
    /// An empty filter. `generation_secs` (≥ 1) is the width of an expiry generation: an element
    /// expiring at `t` joins the generation ending at `t` rounded up to a multiple of it.
    pub fn new(params: Params, seed: [u8; SEED_LEN], generation_secs: u64) -> FilterBuilder {
        FilterBuilder {
            params,
            seed,
            generation_secs: generation_secs.max(1),
            serial: 1,
            bits: alloc::vec![0u8; params.bits_bytes()],
            generations: BTreeMap::new(),
            viewers: BTreeMap::new(),
        }
    }

    /// Continues an existing filter (same lineage, next serial): its bits, generations and viewer
    /// table are kept, so new revocations only add bits and KeyValueStore updates touch only the
    /// blocks that changed.
    pub fn extend(filter: &RevocationFilter, generation_secs: u64) -> FilterBuilder {
        FilterBuilder {
            params: filter.params,
            seed: filter.seed,
            generation_secs: generation_secs.max(1),
            serial: filter.serial.saturating_add(1),
            bits: filter.bits.clone(),
            generations: filter
                .generations
                .iter()
                .map(|g| (g.not_after, g.count))
                .collect(),
            viewers: filter
                .viewers
                .iter()
                .map(|v| (v.key, (v.max_version, v.not_after)))
                .collect(),
        }
    }

    /// Sets the serial written by [`FilterBuilder::finish`] (e.g. one more than the previous
    /// filter of the same lineage after a rebuild).
    pub fn with_serial(mut self, serial: u32) -> FilterBuilder {
        self.serial = serial;
        self
    }

    /// The seed elements are hashed with.
    pub fn seed(&self) -> &[u8; SEED_LEN] {
        &self.seed
    }
    /// The parameters.
    pub fn params(&self) -> Params {
        self.params
    }

    /// The generation an expiry falls in.
    pub fn generation_of(&self, expires: u64) -> u64 {
        expires
            .div_ceil(self.generation_secs)
            .saturating_mul(self.generation_secs)
    }

    /// Adds a revoked id, relevant until `expires` (Unix seconds).
    pub fn insert(&mut self, kind: Kind, id: &str, expires: u64) {
        self.insert_digest(&element_digest(&self.seed, kind, id), expires);
    }

    /// [`FilterBuilder::insert`] for a digest computed with this builder's seed.
    pub fn insert_digest(&mut self, digest: &[u8; 32], expires: u64) {
        let (block, positions) = self.params.locate(digest);
        let size = self.params.block_bytes();
        let start = block as usize * size;
        if let Some(b) = self.bits.get_mut(start..start + size) {
            for p in positions {
                if let Some(byte) = b.get_mut(p >> 3) {
                    *byte |= 1 << (p & 7);
                }
            }
        }
        let generation = self.generation_of(expires);
        *self.generations.entry(generation).or_insert(0) += 1;
    }

    /// Revokes every version ≤ `max_version` of a viewer session until `expires`. Repeated
    /// revocations keep the highest version and the latest expiry.
    pub fn insert_viewer(
        &mut self,
        channel_arn: &str,
        viewer_id: &str,
        max_version: i64,
        expires: u64,
    ) {
        let Some(key) = viewer_key(&self.seed, channel_arn, viewer_id) else {
            return;
        };
        let e = self.viewers.entry(key).or_insert((max_version, expires));
        e.0 = e.0.max(max_version);
        e.1 = e.1.max(expires);
    }

    /// Viewer entries that expired by `now` are removed (exact table: they can be). Returns how
    /// many were dropped. Bloom generations can only be dropped by a rebuild.
    pub fn drop_expired_viewers(&mut self, now: u64) -> usize {
        let before = self.viewers.len();
        self.viewers.retain(|_, (_, exp)| *exp > now);
        before - self.viewers.len()
    }

    /// Elements counted so far.
    pub fn element_count(&self) -> u64 {
        self.generations.values().sum()
    }

    /// The finished filter, stamped `created`.
    pub fn finish(self, created: u64) -> RevocationFilter {
        let generations: Vec<Generation> = self
            .generations
            .into_iter()
            .map(|(not_after, count)| Generation { not_after, count })
            .collect();
        let viewers: Vec<ViewerEntry> = self
            .viewers
            .into_iter()
            .map(|(key, (max_version, not_after))| ViewerEntry {
                key,
                max_version,
                not_after,
            })
            .collect();
        let not_after = generations
            .iter()
            .map(|g| g.not_after)
            .chain(viewers.iter().map(|v| v.not_after))
            .max()
            .unwrap_or(0);
        RevocationFilter {
            params: self.params,
            seed: self.seed,
            created,
            not_after,
            element_count: generations.iter().map(|g| g.count).sum(),
            serial: self.serial,
            generations,
            bits: self.bits,
            viewers,
        }
    }
}

// ---- Gate integration --------------------------------------------------------------------------

/// The `revocation` section of the gate configuration.
///
/// ```json
/// "revocation": { "claims": ["sid", "jti"], "path_session": true, "viewer_sessions": true,
///                 "on_unavailable": "deny", "max_age": 900 }
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationConfig {
    /// Claims whose (string or integer) value is looked up: `jti` as a token id, any other name as a
    /// session id. Default `["sid", "jti", "akamai:id"]` (an Akamai EdgeAuth token's `id=` field is
    /// the claim `akamai:id`).
    #[serde(default = "default_claims")]
    pub claims: Vec<String>,
    /// Also look up the SMD path session id (`/<sessionId>.<jwt>/...`) as a session id. Default true.
    #[serde(default = "yes")]
    pub path_session: bool,
    /// Look up (`aws:channel-arn`, `aws:viewer-id`, `aws:viewer-session-version`) in the viewer
    /// table. Default true.
    #[serde(default = "yes")]
    pub viewer_sessions: bool,
    /// What to do when a lookup is needed and the filter is missing, corrupt or too old.
    #[serde(default)]
    pub on_unavailable: OnUnavailable,
    /// Treat a filter built more than this many seconds ago as unavailable (default: no limit).
    #[serde(default)]
    pub max_age: Option<u64>,
}

fn default_claims() -> Vec<String> {
    alloc::vec!["sid".into(), "jti".into(), "akamai:id".into()]
}
const fn yes() -> bool {
    true
}

impl Default for RevocationConfig {
    /// What an empty `revocation` section means (the serde defaults).
    fn default() -> Self {
        RevocationConfig {
            claims: default_claims(),
            path_session: yes(),
            viewer_sessions: yes(),
            on_unavailable: OnUnavailable::default(),
            max_age: None,
        }
    }
}

/// Policy when the revocation filter cannot be consulted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnUnavailable {
    /// Deny with `revocation_unavailable` (fail closed; the default).
    #[default]
    Deny,
    /// Let the request through as if nothing were revoked (fail open).
    Allow,
}

/// A validated revocation policy, part of a prepared [`crate::Gate`].
#[derive(Clone, Debug)]
pub struct RevocationPolicy {
    claims: Vec<(String, Kind)>,
    path_session: bool,
    viewer_sessions: bool,
    on_unavailable: OnUnavailable,
    max_age: Option<u64>,
}

impl RevocationPolicy {
    /// Validates the `revocation` configuration section.
    pub fn new(c: &RevocationConfig) -> Result<RevocationPolicy, ConfigError> {
        if c.claims.len() > 8 {
            return Err(ConfigError::new("revocation.claims", "at most 8 claims"));
        }
        let mut claims = Vec::with_capacity(c.claims.len());
        for (i, name) in c.claims.iter().enumerate() {
            if name.is_empty() || name.len() > 64 || c.claims.iter().take(i).any(|o| o == name) {
                return Err(ConfigError::new(
                    crate::config::field(format_args!("revocation.claims[{i}]")),
                    "claim names must be unique, 1 to 64 characters",
                ));
            }
            let kind = if name == "jti" {
                Kind::TokenId
            } else {
                Kind::Session
            };
            claims.push((name.clone(), kind));
        }
        if c.max_age == Some(0) {
            return Err(ConfigError::new(
                "revocation.max_age",
                "must be positive (or left out)",
            ));
        }
        Ok(RevocationPolicy {
            claims,
            path_session: c.path_session,
            viewer_sessions: c.viewer_sessions,
            on_unavailable: c.on_unavailable,
            max_age: c.max_age,
        })
    }

    /// What the policy says to do when the filter is unavailable.
    pub fn on_unavailable(&self) -> OnUnavailable {
        self.on_unavailable
    }

    /// Everything in `claims` this policy looks up (for surfaces that fetch data per item, e.g. one
    /// KeyValueStore block per id, before deciding).
    pub fn items<'c>(&self, claims: &'c VerifiedClaims) -> Vec<Revocable<'c>> {
        let mut items = Vec::new();
        for (name, kind) in &self.claims {
            let value = claims.get(name.as_str());
            match value.as_deref() {
                Some(serde_json::Value::String(s)) => {
                    let id = match &value {
                        Some(Cow::Borrowed(serde_json::Value::String(b))) => {
                            Cow::Borrowed(b.as_str())
                        }
                        _ => Cow::Owned(s.clone()),
                    };
                    items.push(Revocable::Id(*kind, id));
                }
                // Integer ids (e.g. `"sid": 42`) are looked up by their decimal text. Formatted
                // as integers: `Number`'s own Display links serde_json's float formatter and its
                // 17 KB table into the WebAssembly, for numbers that never reach this arm.
                Some(serde_json::Value::Number(n)) => {
                    let text = match (n.as_u64(), n.as_i64()) {
                        (Some(u), _) => alloc::format!("{u}"),
                        (None, Some(i)) => alloc::format!("{i}"),
                        (None, None) => continue,
                    };
                    items.push(Revocable::Id(*kind, Cow::Owned(text)));
                }
                _ => {}
            }
        }
        if self.path_session {
            if let Some(sid) = claims.path_session_id.as_deref() {
                items.push(Revocable::Id(Kind::Session, Cow::Borrowed(sid)));
            }
        }
        if self.viewer_sessions {
            if let (Some(channel_arn), Some(viewer_id)) =
                (claims.channel_arn.as_deref(), claims.viewer_id.as_deref())
            {
                items.push(Revocable::Viewer {
                    channel_arn,
                    viewer_id,
                    version: claims.viewer_session_version,
                });
            }
        }
        items
    }

    /// The last stage of the gate: `revoked`, `revocation_unavailable`, or nothing to say.
    pub fn check(
        &self,
        claims: &VerifiedClaims,
        now: u64,
        source: Option<&dyn RevocationSource>,
    ) -> Result<(), Reason> {
        let items = self.items(claims);
        if items.is_empty() {
            return Ok(());
        }
        let unavailable = || match self.on_unavailable {
            OnUnavailable::Deny => Err(Reason::RevocationUnavailable),
            OnUnavailable::Allow => Ok(()),
        };
        let Some(source) = source else {
            return unavailable();
        };
        if let (Some(max_age), Some(created)) = (self.max_age, source.created()) {
            if now.saturating_sub(created) > max_age {
                return unavailable();
            }
        }
        let mut missing = false;
        for item in &items {
            match source.is_revoked(item) {
                Ok(true) => return Err(Reason::Revoked),
                Ok(false) => {}
                Err(Unavailable) => missing = true,
            }
        }
        if missing {
            unavailable()
        } else {
            Ok(())
        }
    }
}

// ---- Planning math (no_std: no libm, so exp/ln are computed here) --------------------------------

/// Predicted false-positive rate of a blocked bloom filter: block loads are Poisson(n / blocks);
/// a block holding j elements answers a random probe positively with (1 − (1 − 1/B)^{kj})^k.
fn blocked_fp(n: u64, blocks: u32, block_bits: usize, k: u8) -> f64 {
    if n == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let lambda = n as f64 / f64::from(blocks.max(1));
    let k = f64::from(k);
    #[allow(clippy::cast_precision_loss)]
    let ln_q = ln(1.0 - 1.0 / block_bits as f64);
    // A filter file can claim any element count, and the sum below takes ~28√λ steps (a fuzzed
    // header with 2.4e18 elements in 2 blocks never returned). Past λ = 1e6 (≥ 122 elements per
    // bit, blocks being ≤ 8192 bits) every block is saturated to double precision: the mean load
    // gives the same answer.
    if lambda > 1e6 {
        return exp(k * ln(1.0 - exp(k * lambda * ln_q)));
    }
    let ln_lambda = ln(lambda);
    let sd = exp(0.5 * ln_lambda);
    // Terms outside λ ± 14σ are below 1e-40 of the mass.
    let lo = (lambda - 14.0 * sd - 10.0).max(0.0);
    let hi = lambda + 14.0 * sd + 30.0;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (lo, hi) = (lo as u64, hi as u64);
    let mut sum = 0.0;
    for j in lo.max(1)..=hi {
        #[allow(clippy::cast_precision_loss)]
        let jf = j as f64;
        let ln_pmf = -lambda + jf * ln_lambda - ln_factorial(j);
        let fill = 1.0 - exp(k * jf * ln_q);
        if fill > 0.0 {
            sum += exp(ln_pmf + k * ln(fill));
        }
    }
    sum
}

fn ln_factorial(n: u64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let x = n as f64 + 1.0;
    if n < 20 {
        let mut acc = 0.0;
        for i in 2..=n {
            #[allow(clippy::cast_precision_loss)]
            let f = i as f64;
            acc += ln(f);
        }
        return acc;
    }
    // Stirling series for ln Γ(x): error < 1e-12 for x ≥ 20.
    (x - 0.5) * ln(x) - x + 0.918_938_533_204_672_8 + 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x * x)
        + 1.0 / (1260.0 * x * x * x * x * x)
}

const LN_2: f64 = core::f64::consts::LN_2;

/// e^x to ~1e-15 relative.
fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < -745.0 {
        return 0.0;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    #[allow(clippy::cast_possible_truncation)]
    let n = (x / LN_2 + if x < 0.0 { -0.5 } else { 0.5 }) as i32;
    let r = x - f64::from(n) * LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..24 {
        term *= r / f64::from(i);
        sum += term;
    }
    let mut scale = 1.0;
    let (factor, steps) = if n < 0 {
        (0.5, n.unsigned_abs())
    } else {
        (2.0, n.unsigned_abs())
    };
    // Square-and-multiply keeps this exact for powers of two (no subnormal steps until the end).
    let mut base = factor;
    let mut e = steps;
    while e > 0 {
        if e & 1 == 1 {
            scale *= base;
        }
        base *= base;
        e >>= 1;
    }
    sum * scale
}

/// Natural logarithm to ~1e-15 relative, for x > 0.
fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let mut m = x;
    let mut e = 0i32;
    while m >= 2.0 {
        m *= 0.5;
        e += 1;
    }
    while m < 1.0 {
        m *= 2.0;
        e -= 1;
    }
    if m > core::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut i = 1.0;
    while i < 60.0 {
        sum += term / i;
        term *= s2;
        i += 2.0;
    }
    f64::from(e) * LN_2 + 2.0 * sum
}

fn powi(x: f64, mut e: u32) -> f64 {
    let mut base = x;
    let mut acc = 1.0;
    while e > 0 {
        if e & 1 == 1 {
            acc *= base;
        }
        base *= base;
        e >>= 1;
    }
    acc
}

/// The bits per element an optimal (unblocked, real-valued k) bloom filter needs for `fp`:
/// −log2(fp) / ln 2.
pub fn optimal_bits_per_element(fp: f64) -> f64 {
    -ln(fp) / (LN_2 * LN_2)
}

#[cfg(test)]
mod tests;
