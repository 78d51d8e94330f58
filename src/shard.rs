//! `send --shard K/N`: N hosts share one subscriber list, each delivering the subscribers
//! whose address hashes into its shard, each with its own journal.
//!
//! The hash is FNV-1a of the lowercased address, mixed by splitmix64's finalizer: fixed by
//! its definition, the same on every host and in every build. It must never change, or a
//! subscriber would move between shards and get two digests, or none, on the day it did.

use std::fmt;
use std::str::FromStr;

use crate::text::stable_hash;

/// Shard `index` of `count`, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` (1-based) of `count`; `None` unless `1 <= index <= count`.
    pub(crate) fn new(index: u32, count: u32) -> Option<Shard> {
        (1..=count).contains(&index).then_some(Shard { index, count })
    }

    /// Whether `address` belongs to this shard.
    pub(crate) fn contains(&self, address: &str) -> bool {
        shard_of(address, self.count) == self.index
    }
}

/// The shard (1-based, of `count`) that `address` belongs to.
pub(crate) fn shard_of(address: &str, count: u32) -> u32 {
    let hash = mix(stable_hash(address.trim().to_lowercase().as_bytes()));
    (hash % u64::from(count.max(1))) as u32 + 1
}

/// splitmix64's finalizer: FNV-1a's low bits alone spread poorly over small moduli.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let usage = || format!("`{text}` is not a shard: write K/N with 1 <= K <= N, e.g. 2/3");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: u32 = index.trim().parse().map_err(|_| usage())?;
        let count: u32 = count.trim().parse().map_err(|_| usage())?;
        Shard::new(index, count).ok_or_else(usage)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("reader{i}@lab{}.example.org", i % 7)).collect()
    }

    #[test]
    fn shards_are_disjoint_and_cover_every_address() {
        for count in 1..=8 {
            for address in addresses(500) {
                let owners: Vec<u32> = (1..=count)
                    .filter(|&k| Shard::new(k, count).unwrap().contains(&address))
                    .collect();
                assert_eq!(owners.len(), 1, "{address} in shards {owners:?} of {count}");
            }
        }
    }

    #[test]
    fn shards_are_roughly_even() {
        let mut sizes = [0usize; 4];
        for address in addresses(4000) {
            sizes[shard_of(&address, 4) as usize - 1] += 1;
        }
        assert!(sizes.iter().all(|&n| (850..=1150).contains(&n)), "{sizes:?}");
    }

    #[test]
    fn the_shard_ignores_case_and_never_changes() {
        assert_eq!(shard_of("Alice@Example.com", 5), shard_of("alice@example.com", 5));
        // Pinned: a change here moves subscribers between hosts.
        let pinned: Vec<u32> = ["alice@example.com", "bob@example.com", "carol@example.com"]
            .iter()
            .map(|a| shard_of(a, 3))
            .collect();
        assert_eq!(pinned, PINNED);
    }

    const PINNED: [u32; 3] = [3, 2, 2];

    #[test]
    fn shard_text_is_k_of_n_counted_from_one() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!("1/1".parse::<Shard>().map(|s| s.to_string()), Ok("1/1".to_owned()));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
