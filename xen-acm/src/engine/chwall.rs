//! Chinese Wall run-time exclusion: the two reference-count vectors and the
//! create/destroy algebra of Xen's `acm_chinesewall_hooks.c`.
//!
//! * `running[t]`: how many running domains carry type `t`.
//! * `aggregate[t]`: how many running domains exclude type `t`, i.e. carry a
//!   type of some conflict set that also contains `t` (but not `t` itself).
//!
//! A domain may start when none of its types is excluded. Starting adds its
//! types to `running` and, for every conflict set it touches, counts the
//! set's other types in `aggregate`; stopping subtracts exactly that.

use alloc::vec;
use alloc::vec::Vec;

use crate::binary::ChwallBlock;

/// The per-type counters of the Chinese Wall component.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChwallState {
    /// `running_types[t]`.
    pub running: Vec<u32>,
    /// `conflict_aggregate_set[t]`.
    pub aggregate: Vec<u32>,
}

impl ChwallState {
    /// All-zero counters for `types` types.
    pub fn new(types: usize) -> Self {
        ChwallState {
            running: vec![0; types],
            aggregate: vec![0; types],
        }
    }

    /// The first type of `row` that running domains exclude, if any.
    pub fn conflict(&self, block: &ChwallBlock, row: usize) -> Option<usize> {
        block.ssids.row_types(row).find(|&t| self.aggregate[t] > 0)
    }

    /// Accounts a started domain with local ssidref `row` (no check).
    pub fn add(&mut self, block: &ChwallBlock, row: usize) {
        for t in block.ssids.row_types(row) {
            self.running[t] += 1;
        }
        self.adjust(block, row, true);
    }

    /// Undoes [`add`](Self::add) for a stopped domain.
    pub fn remove(&mut self, block: &ChwallBlock, row: usize) {
        for t in block.ssids.row_types(row) {
            self.running[t] = self.running[t].saturating_sub(1);
        }
        self.adjust(block, row, false);
    }

    fn adjust(&mut self, block: &ChwallBlock, row: usize, up: bool) {
        let sets = &block.conflict_sets;
        let label = block.ssids.row(row);
        for set in 0..sets.rows() {
            let members = sets.row(set);
            if !crate::matrix::words_intersect(members, label) {
                continue;
            }
            for t in sets.row_types(set) {
                if !block.ssids.get(row, t) {
                    let c = &mut self.aggregate[t];
                    *c = if up { *c + 1 } else { c.saturating_sub(1) };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::TypeMatrix;

    /// Types: 0 = A, 1 = B, 2 = C; set {A, B}; rows: 1 = {A}, 2 = {B}, 3 = {C}.
    fn block() -> ChwallBlock {
        let mut ssids = TypeMatrix::new(4, 3);
        ssids.set(1, 0, true);
        ssids.set(2, 1, true);
        ssids.set(3, 2, true);
        let mut sets = TypeMatrix::new(1, 3);
        sets.set(0, 0, true);
        sets.set(0, 1, true);
        ChwallBlock {
            ssids,
            conflict_sets: sets,
        }
    }

    #[test]
    fn exclusion_and_inverse() {
        let b = block();
        let mut s = ChwallState::new(3);
        assert_eq!(s.conflict(&b, 1), None);
        s.add(&b, 1);
        assert_eq!(s.running, [1, 0, 0]);
        assert_eq!(s.aggregate, [0, 1, 0]);
        assert_eq!(s.conflict(&b, 2), Some(1), "B excluded while A runs");
        assert_eq!(s.conflict(&b, 3), None, "C is in no set");
        assert_eq!(s.conflict(&b, 1), None, "more A is fine");
        s.add(&b, 1);
        s.remove(&b, 1);
        assert_eq!(s.conflict(&b, 2), Some(1));
        s.remove(&b, 1);
        assert_eq!(s, ChwallState::new(3));
        assert_eq!(s.conflict(&b, 2), None);
    }
}
