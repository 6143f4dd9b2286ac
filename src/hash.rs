//! The one word mixer of the checker's own hash tables and checksums.
//!
//! Each table and checksum folds its words with [`mix`] (a multiply by
//! the 64-bit golden ratio, then a xorshift that brings the product's high
//! bits down to the low ones) and, where the result must look random in
//! every bit, ends with [`finish`] (MurmurHash3's `fmix64`). The values are
//! part of no output; they decide where a state lives (its shard and slot)
//! and a checkpoint's checksum, so `explore::store::hash_state` must stay
//! the same function within a checkpoint format version and across the
//! processes of a distributed search.

/// The 64-bit golden ratio, `2^64 / φ`, odd.
pub(crate) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Folds word `w` into the running hash `h`.
#[inline]
pub(crate) const fn mix(h: u64, w: u64) -> u64 {
    let h = (h ^ w).wrapping_mul(GOLDEN);
    h ^ (h >> 32)
}

/// The final avalanche: every bit of `h` moves every bit of the result.
#[inline]
pub(crate) const fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}
