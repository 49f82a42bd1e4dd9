//! The 16 random bytes a client seeds its request ids and retry jitter with, from the OS by way
//! of ring's `SecureRandom` (already in the build through rustls): no `uuid` or second
//! `getrandom` in the client build.

use std::time::{SystemTime, UNIX_EPOCH};

/// 16 bytes from the OS's random source; should it fail, the clock and this process's id
/// (request ids must differ, they need not be secret).
pub(crate) fn random_seed() -> [u8; 16] {
    let mut seed = [0u8; 16];
    let provider = rustls::crypto::ring::default_provider();
    if provider.secure_random.fill(&mut seed).is_ok() {
        return seed;
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mixed = nanos ^ (u128::from(std::process::id()) << 64);
    seed.copy_from_slice(&mixed.to_le_bytes());
    seed
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_seeds_differ() {
        assert_ne!(super::random_seed(), super::random_seed());
    }
}
