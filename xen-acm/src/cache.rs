//! The decision cache: STE sharing answers keyed by the pair of local STE
//! ssidrefs.
//!
//! Xen kept eight permit-only lines per domain, keyed by domain id, and
//! cleared them when a domain died or the policy changed. Here an answer
//! depends only on the two ssidrefs and the policy, so the cache is one
//! direct-mapped table shared by all domains, it keeps denials as well as
//! permits, and a policy change invalidates every line at once by moving to
//! a new epoch. Each line is one `AtomicU64` holding key, answer and epoch,
//! so concurrent readers never see a torn line and no lock is needed.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

/// Largest epoch before the table is wiped and numbering starts again.
const EPOCH_LIMIT: u32 = 1 << 31;

/// A direct-mapped cache of sharing decisions.
#[derive(Debug)]
pub struct DecisionCache {
    lines: Vec<AtomicU64>,
    shift: u32,
    epoch: u32,
}

impl DecisionCache {
    /// A cache of `2^log2_lines` lines (clamped to 1..=2^24).
    pub fn new(log2_lines: u32) -> Self {
        let log2 = log2_lines.clamp(0, 24);
        let mut lines = Vec::with_capacity(1 << log2);
        lines.resize_with(1 << log2, || AtomicU64::new(0));
        DecisionCache {
            lines,
            shift: 32 - log2,
            epoch: 1,
        }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Always false: a cache has at least one line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The current epoch (moves on every [`invalidate`](Self::invalidate)).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    #[inline]
    fn key(a: u16, b: u16) -> u32 {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        ((hi as u32) << 16) | lo as u32
    }

    #[inline]
    fn slot(&self, key: u32) -> usize {
        if self.shift >= 32 {
            return 0;
        }
        (key.wrapping_mul(0x9E37_79B1) >> self.shift) as usize
    }

    /// The cached answer for the unordered pair `(a, b)`, if any.
    #[inline]
    pub fn lookup(&self, a: u16, b: u16) -> Option<bool> {
        let key = Self::key(a, b);
        let line = self.lines[self.slot(key)].load(Ordering::Relaxed);
        let tag = ((self.epoch as u64) << 33) | key as u64;
        if line & !(1 << 32) == tag {
            Some(line & (1 << 32) != 0)
        } else {
            None
        }
    }

    /// Records the answer for the unordered pair `(a, b)`.
    #[inline]
    pub fn insert(&self, a: u16, b: u16, permitted: bool) {
        let key = Self::key(a, b);
        let line = ((self.epoch as u64) << 33) | ((permitted as u64) << 32) | key as u64;
        self.lines[self.slot(key)].store(line, Ordering::Relaxed);
    }

    /// Forgets every answer (called on each policy or label change).
    pub fn invalidate(&mut self) {
        self.epoch += 1;
        if self.epoch >= EPOCH_LIMIT {
            for l in &mut self.lines {
                *l.get_mut() = 0;
            }
            self.epoch = 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_miss_and_invalidate() {
        let mut c = DecisionCache::new(4);
        assert_eq!(c.lookup(1, 2), None);
        c.insert(1, 2, true);
        assert_eq!(c.lookup(1, 2), Some(true));
        assert_eq!(c.lookup(2, 1), Some(true), "pairs are unordered");
        c.insert(3, 2, false);
        assert_eq!(c.lookup(2, 3), Some(false));
        c.invalidate();
        assert_eq!(c.lookup(1, 2), None);
        assert_eq!(c.lookup(2, 3), None);
    }

    #[test]
    fn collisions_never_answer_for_another_pair() {
        let c = DecisionCache::new(0); // one line: everything collides
        c.insert(1, 1, true);
        c.insert(5, 9, false);
        assert_eq!(c.lookup(1, 1), None);
        assert_eq!(c.lookup(5, 9), Some(false));
    }

    #[test]
    fn epoch_wraps_by_wiping() {
        let mut c = DecisionCache::new(2);
        c.epoch = EPOCH_LIMIT - 1;
        c.insert(0, 0, true);
        c.invalidate();
        assert_eq!(c.epoch(), 1);
        assert_eq!(c.lookup(0, 0), None);
    }
}
