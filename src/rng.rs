//! Seeded random streams.
//!
//! Every random number in a run comes from a ChaCha8 stream keyed by
//! `(seed, stream kind, element name)` and positioned on stream number
//! `run`. Keying by the element's *name* rather than its index means two
//! variants of a scenario (say, with and without a second UPS) draw the same
//! fire, the same boot times and the same repairs for every element they
//! share: differences between variants come from the variant, not from
//! reshuffled random numbers (common random numbers). Keying by run index
//! means any run of a Monte Carlo study can be replayed alone.
//!
//! ChaCha8 is a named, portable generator: the same key gives the same
//! numbers on every platform and crate version (unlike `StdRng`).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream is used for; part of the stream key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum StreamKind {
    /// Draws that belong to one component: boot times, broken servers,
    /// repairs, generator starts, random failures.
    Component,
    /// Draws that belong to one hazard of a disaster: suppression, spread,
    /// authority delays, extinguishment, restoration stages.
    Hazard,
    /// Draws made by recovery work: engineers, failovers, scale-outs.
    Recovery,
    /// A scenario's shared draws, one stream per name.
    Draw,
}

impl StreamKind {
    fn tag(self) -> u64 {
        match self {
            StreamKind::Component => 0x636f_6d70_6f6e_656e,
            StreamKind::Hazard => 0x6861_7a61_7264_0000,
            StreamKind::Recovery => 0x7265_636f_7665_7279,
            StreamKind::Draw => 0x7368_6172_6564_0000,
        }
    }
}

/// The stream for `element` of `kind` in run `run` of a study seeded `seed`.
pub(crate) fn stream(seed: u64, run: u64, kind: StreamKind, element: &str) -> ChaCha8Rng {
    let mut state = seed ^ kind.tag().rotate_left(17) ^ fnv1a(element.as_bytes());
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(run);
    rng
}

/// 64-bit FNV-1a: a fixed, portable hash of an element's name.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64 step: expands one 64-bit state into well-mixed key words.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn first(seed: u64, run: u64, kind: StreamKind, name: &str) -> u64 {
        stream(seed, run, kind, name).next_u64()
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let base = first(1, 0, StreamKind::Component, "a");
        assert_eq!(base, first(1, 0, StreamKind::Component, "a"));
        assert_ne!(base, first(2, 0, StreamKind::Component, "a"), "seed");
        assert_ne!(base, first(1, 1, StreamKind::Component, "a"), "run");
        assert_ne!(base, first(1, 0, StreamKind::Hazard, "a"), "kind");
        assert_ne!(base, first(1, 0, StreamKind::Component, "b"), "element");
    }

    #[test]
    fn stream_values_are_pinned() {
        // Changing the key derivation silently changes every report; this
        // test makes such a change deliberate.
        assert_eq!(fnv1a(b"pangyo"), 0xb1bf_9831_16ca_9b35);
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
    }
}
