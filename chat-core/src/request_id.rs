//! Request ids without a system call per call: a per-client generator, seeded once, that yields
//! version-4 UUIDs for `x-ms-client-request-id` (and `repeatability-request-id`) and a seed for
//! each call's retry jitter.
//!
//! The transport draws 16 bytes from the OS once, when a client is built, and hands them to
//! [`RequestIds::new`]; every call then takes [`RequestIds::next`]. Randomness stays an input:
//! this module never reads the OS, a clock or a thread-local.
//!
//! Each id is 122 bits (the UUID's version and variant bits aside) computed from a per-client
//! counter by a keyed permutation: an unbalanced Feistel network over 58 + 64 bits, whose
//! rounds are keyed 64-bit mixers. A permutation of distinct counter values gives distinct
//! outputs, so one client never repeats an id (for 2^64 calls); two clients differ by their OS
//! seed. The ids look random but are not secret: nothing in the protocol needs them to be
//! unpredictable.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The 58 bits of the left half of the permutation.
const LEFT_MASK: u64 = (1 << 58) - 1;

/// A per-client source of request ids and jitter seeds. Shared by all of a client's calls
/// (`&self`, lock-free).
pub struct RequestIds {
    keys: [u64; 5],
    counter: AtomicU64,
}

impl RequestIds {
    /// A generator keyed by 16 bytes that `fill` draws from the OS's random source, once per
    /// client. Should `fill` fail (it returns `false`), the seed is the time from `now` and this
    /// process's id: request ids must differ, they need not be secret.
    pub fn seeded(
        fill: impl FnOnce(&mut [u8; 16]) -> bool,
        now: impl FnOnce() -> SystemTime,
    ) -> Self {
        let mut seed = [0u8; 16];
        if !fill(&mut seed) {
            let nanos = now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            let mixed = nanos ^ (u128::from(std::process::id()) << 64);
            seed = mixed.to_le_bytes();
        }
        Self::new(seed)
    }

    /// A generator keyed by `seed`: 16 bytes the transport drew from the OS, once per client.
    pub fn new(seed: [u8; 16]) -> Self {
        let (low, high) = seed.split_at(8);
        let mut state = u64::from_le_bytes(low.try_into().unwrap_or_default())
            ^ mix(u64::from_le_bytes(high.try_into().unwrap_or_default()));
        let mut keys = [0; 5];
        for key in &mut keys {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            *key = mix(state);
        }
        Self {
            keys,
            counter: AtomicU64::new(0),
        }
    }

    /// The next id, with its call's jitter seed.
    pub fn next(&self) -> RequestId {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let [k0, k1, k2, k3, k4] = self.keys;
        // Four rounds, each an invertible step: the left half (58 bits) and the right (64 bits)
        // in turn take the xor of a keyed mix of the other.
        let mut left = 0u64;
        let mut right = n;
        left ^= mix(right ^ k0) & LEFT_MASK;
        right ^= mix(left ^ k1);
        left ^= mix(right ^ k2) & LEFT_MASK;
        right ^= mix(left ^ k3);
        let bits = (u128::from(left) << 64) | u128::from(right);
        // 48 bits, version 4, 12 bits, variant 0b10, 62 bits.
        let uuid = ((bits >> 74) << 80)
            | (0x4 << 76)
            | (((bits >> 62) & 0xFFF) << 64)
            | (0b10 << 62)
            | (bits & ((1 << 62) - 1));
        RequestId {
            text: hyphenated(uuid),
            jitter_seed: mix(n ^ k4),
        }
    }
}

impl fmt::Debug for RequestIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The keys are not secret, but nothing gains from printing them.
        f.debug_struct("RequestIds")
            .field("issued", &self.counter.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// One call's `x-ms-client-request-id` (a version-4 UUID, hyphenated, lowercase) and the seed
/// of its retry jitter.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RequestId {
    text: [u8; 36],
    jitter_seed: u64,
}

impl RequestId {
    /// The id as text: `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits and hyphens are ever written.
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The seed for the call's retry jitter ([`crate::Call::new`]).
    pub fn jitter_seed(&self) -> u64 {
        self.jitter_seed
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 64-bit mixer (the SplitMix64 finalizer): a bijection that spreads every input bit.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// `uuid` as 8-4-4-4-12 lowercase hex.
fn hyphenated(uuid: u128) -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [b'-'; 36];
    let mut out = 0;
    for nibble in (0..32).rev() {
        if matches!(out, 8 | 13 | 18 | 23) {
            out += 1;
        }
        let digit = ((uuid >> (nibble * 4)) & 0xF) as usize;
        if let (Some(slot), Some(hex)) = (text.get_mut(out), HEX.get(digit)) {
            *slot = *hex;
        }
        out += 1;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_version_4_uuids_and_never_repeat_within_a_client() {
        let ids = RequestIds::new(*b"0123456789abcdef");
        let mut seen = HashSet::new();
        for _ in 0..100_000 {
            let id = ids.next();
            let s = id.as_str();
            assert_eq!(s.len(), 36);
            let parts: Vec<&str> = s.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(s
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            assert!(parts[2].starts_with('4'), "{s}");
            assert!(
                matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                "{s}"
            );
            assert!(seen.insert(s.to_owned()), "repeated {s}");
        }
    }

    #[test]
    fn clients_with_other_seeds_make_other_ids_and_seeds() {
        let a = RequestIds::new([1; 16]);
        let b = RequestIds::new([2; 16]);
        let (x, y) = (a.next(), b.next());
        assert_ne!(x.as_str(), y.as_str());
        assert_ne!(x.jitter_seed(), y.jitter_seed());
        assert_ne!(a.next().jitter_seed(), x.jitter_seed());
    }

    #[test]
    fn a_seed_comes_from_the_random_source_or_else_from_the_clock() {
        let drawn = RequestIds::seeded(
            |seed| {
                *seed = [7; 16];
                true
            },
            || unreachable!("the clock is read only when the random source fails"),
        );
        assert_eq!(
            drawn.next().as_str(),
            RequestIds::new([7; 16]).next().as_str()
        );

        let at = |secs| move || UNIX_EPOCH + std::time::Duration::from_secs(secs);
        let (a, b) = (
            RequestIds::seeded(|_| false, at(1)),
            RequestIds::seeded(|_| false, at(2)),
        );
        assert_ne!(a.next().as_str(), b.next().as_str());
    }

    #[test]
    fn bits_look_uniform() {
        // Each of the 122 free bits is set in about half of the ids.
        let ids = RequestIds::new([7; 16]);
        let mut ones = [0u32; 128];
        let n = 20_000;
        for _ in 0..n {
            let id = ids.next();
            let hex: String = id.as_str().chars().filter(|c| *c != '-').collect();
            let v = u128::from_str_radix(&hex, 16).unwrap();
            for (bit, count) in ones.iter_mut().enumerate() {
                *count += ((v >> bit) & 1) as u32;
            }
        }
        for (bit, count) in ones.iter().enumerate() {
            let fixed = matches!(bit, 76..=79 | 62 | 63);
            if !fixed {
                let share = f64::from(*count) / f64::from(n);
                assert!((0.45..0.55).contains(&share), "bit {bit}: {share}");
            }
        }
    }
}
