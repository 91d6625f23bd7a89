//! The VARP cache: (vnet, MAC) → care-of host address, and the local vif
//! table: which (vnet, MAC) live behind this host.
//!
//! Time is a virtual clock in milliseconds ([`Millis`]) passed in by the
//! caller, so expiry is tested without sleeping. Entries live
//! [`ENTRY_TTL`] (60 s, as the original) after their last refresh.
//! Learning from received traffic or announces re-points an entry: a MAC
//! that reappears behind another host (a migrated domain) is re-learned at
//! once, and [`Learned::Moved`] says so.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::net::Ipv4Addr;

use crate::id::{Mac, VnetId};

/// Milliseconds on the caller's clock.
pub type Millis = u64;

/// How long an entry lives after its last refresh (the original's 60 s).
pub const ENTRY_TTL: Millis = 60_000;

/// The minimum interval between two VARP requests for the same (vnet, MAC)
/// (the original's 3 s probe interval).
pub const PROBE_INTERVAL: Millis = 3_000;

/// What [`VarpCache::learn`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learned {
    /// A new entry.
    New,
    /// Same address, expiry pushed back.
    Refreshed,
    /// The MAC moved from another host.
    Moved {
        /// Where it was.
        from: Ipv4Addr,
    },
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    addr: Ipv4Addr,
    expires: Millis,
}

/// One cache entry as listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheEntry {
    /// The vnet.
    pub vnet: VnetId,
    /// The MAC.
    pub mac: Mac,
    /// The care-of address.
    pub addr: Ipv4Addr,
    /// Milliseconds left.
    pub ttl_left: Millis,
}

/// The (vnet, MAC) → host cache.
#[derive(Debug, Default)]
pub struct VarpCache {
    entries: HashMap<(VnetId, Mac), Entry>,
    probes: HashMap<(VnetId, Mac), Millis>,
}

impl VarpCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns or refreshes (vnet, mac) → addr at time `now`.
    pub fn learn(&mut self, vnet: VnetId, mac: Mac, addr: Ipv4Addr, now: Millis) -> Learned {
        self.probes.remove(&(vnet, mac));
        let e = Entry {
            addr,
            expires: now + ENTRY_TTL,
        };
        match self.entries.insert((vnet, mac), e) {
            Some(old) if old.expires > now && old.addr != addr => Learned::Moved { from: old.addr },
            Some(old) if old.expires > now => Learned::Refreshed,
            _ => Learned::New,
        }
    }

    /// The live entry for (vnet, mac).
    pub fn lookup(&self, vnet: VnetId, mac: Mac, now: Millis) -> Option<Ipv4Addr> {
        self.entries
            .get(&(vnet, mac))
            .filter(|e| e.expires > now)
            .map(|e| e.addr)
    }

    /// Whether a VARP request for (vnet, mac) should be sent now (at most one
    /// per [`PROBE_INTERVAL`]); records it if so.
    pub fn should_probe(&mut self, vnet: VnetId, mac: Mac, now: Millis) -> bool {
        match self.probes.get(&(vnet, mac)) {
            Some(&t) if now < t + PROBE_INTERVAL => false,
            _ => {
                self.probes.insert((vnet, mac), now);
                true
            }
        }
    }

    /// Forgets every entry of a vnet.
    pub fn flush_vnet(&mut self, vnet: VnetId) {
        self.entries.retain(|k, _| k.0 != vnet);
        self.probes.retain(|k, _| k.0 != vnet);
    }

    /// Drops expired entries.
    pub fn sweep(&mut self, now: Millis) {
        self.entries.retain(|_, e| e.expires > now);
        self.probes.retain(|_, &mut t| now < t + PROBE_INTERVAL);
    }

    /// Live entries, sorted.
    pub fn list(&self, now: Millis) -> Vec<CacheEntry> {
        let mut v: Vec<CacheEntry> = self
            .entries
            .iter()
            .filter(|(_, e)| e.expires > now)
            .map(|(&(vnet, mac), e)| CacheEntry {
                vnet,
                mac,
                addr: e.addr,
                ttl_left: e.expires - now,
            })
            .collect();
        v.sort_by_key(|e| (e.vnet, e.mac));
        v
    }

    /// Number of stored entries (expired ones until the next sweep included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Local (vnet, MAC)s, learned from frames our bridges send.
#[derive(Debug, Default)]
pub struct VifTable {
    seen: HashMap<(VnetId, Mac), Millis>,
}

impl VifTable {
    /// Records a frame from `mac` on `vnet` at `now`; true if the MAC was not
    /// known (or had expired), i.e. worth a gratuitous announce.
    pub fn update(&mut self, vnet: VnetId, mac: Mac, now: Millis) -> bool {
        match self.seen.insert((vnet, mac), now + ENTRY_TTL) {
            Some(exp) => exp <= now,
            None => true,
        }
    }

    /// Whether (vnet, mac) is a live local vif.
    pub fn contains(&self, vnet: VnetId, mac: Mac, now: Millis) -> bool {
        self.seen.get(&(vnet, mac)).is_some_and(|&e| e > now)
    }

    /// Forgets a MAC (e.g. when it is learned behind another host).
    pub fn remove(&mut self, vnet: VnetId, mac: Mac) {
        self.seen.remove(&(vnet, mac));
    }

    /// Drops expired entries.
    pub fn sweep(&mut self, now: Millis) {
        self.seen.retain(|_, &mut e| e > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (VnetId, Mac, Ipv4Addr, Ipv4Addr) {
        (
            VnetId::from_u128(0x97),
            "aa:00:00:00:00:01".parse().unwrap(),
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 2),
        )
    }

    #[test]
    fn learn_lookup_expire() {
        let (v, m, a, _) = ids();
        let mut c = VarpCache::new();
        assert_eq!(c.lookup(v, m, 0), None);
        assert_eq!(c.learn(v, m, a, 1000), Learned::New);
        assert_eq!(c.lookup(v, m, 1000 + ENTRY_TTL - 1), Some(a));
        assert_eq!(c.lookup(v, m, 1000 + ENTRY_TTL), None);
        assert_eq!(c.lookup(VnetId::from_u128(0x98), m, 1000), None, "per vnet");
        // Refresh pushes expiry back.
        assert_eq!(c.learn(v, m, a, 50_000), Learned::Refreshed);
        assert_eq!(c.lookup(v, m, 100_000), Some(a));
        c.sweep(50_000 + ENTRY_TTL);
        assert!(c.is_empty());
        // Learning after expiry is New, not Moved.
        assert_eq!(c.learn(v, m, a, 0), Learned::New);
        assert_eq!(c.learn(v, m, ids().3, ENTRY_TTL + 1), Learned::New);
    }

    #[test]
    fn migrated_mac_is_relearned() {
        let (v, m, a, b) = ids();
        let mut c = VarpCache::new();
        c.learn(v, m, a, 0);
        assert_eq!(c.learn(v, m, b, 10), Learned::Moved { from: a });
        assert_eq!(c.lookup(v, m, 20), Some(b));
        assert_eq!(c.list(20).len(), 1);
        assert_eq!(c.list(20)[0].ttl_left, ENTRY_TTL - 10);
    }

    #[test]
    fn probes_are_rate_limited() {
        let (v, m, a, _) = ids();
        let mut c = VarpCache::new();
        assert!(c.should_probe(v, m, 0));
        assert!(!c.should_probe(v, m, PROBE_INTERVAL - 1));
        assert!(c.should_probe(v, m, PROBE_INTERVAL));
        c.learn(v, m, a, PROBE_INTERVAL + 1);
        assert!(
            c.should_probe(v, m, PROBE_INTERVAL + 2),
            "learning resets probing"
        );
    }

    #[test]
    fn vif_table() {
        let (v, m, _, _) = ids();
        let mut t = VifTable::default();
        assert!(t.update(v, m, 0));
        assert!(!t.update(v, m, 1));
        assert!(t.contains(v, m, ENTRY_TTL));
        assert!(!t.contains(v, m, ENTRY_TTL + 1));
        assert!(t.update(v, m, ENTRY_TTL + 2), "expired → new again");
        t.remove(v, m);
        assert!(!t.contains(v, m, ENTRY_TTL + 3));
    }
}
