//! Per-pCPU run queues.
//!
//! Credit keeps one run queue per pCPU, ordered by priority and FIFO among
//! equal priorities: a vCPU is queued behind every vCPU of its own priority
//! and ahead of every lower one. The only exception is a vCPU that yields:
//! it goes one place further, behind the first lower-priority vCPU (if
//! any), so that one other vCPU gets a turn without the yielder dropping to
//! the back of the queue.
//!
//! A time-share vCPU only ever has one of three priorities (BOOST, UNDER or
//! OVER), so the queue is kept as three FIFO *bands* laid end to end; the
//! queue order is band 0, then band 1, then band 2. Insertion is O(1)
//! instead of Xen's linear scan. Priorities of queued vCPUs change behind
//! the queue's back when the accounting pass runs; like Xen, the queue is
//! then left as it is until the pCPU's next tick re-sorts it
//! (`RunQueue::resort`). Xen's re-sort only moves UNDER/BOOST entries
//! ahead of OVER ones; ours also puts BOOST ahead of UNDER, which differs
//! only for a vCPU whose boost the accounting pass removed while it waited.

use crate::list::{Links, List, NIL};

/// Scheduling priority of a vCPU, highest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i8)]
pub enum Priority {
    /// The idle vCPU of a pCPU (`CSCHED_PRI_IDLE`, -64).
    Idle = -64,
    /// Time-share vCPU that has spent its credit (`TS_OVER`, -2).
    Over = -2,
    /// Time-share vCPU with credit left (`TS_UNDER`, -1).
    Under = -1,
    /// Time-share vCPU that just woke up (`TS_BOOST`, 0).
    Boost = 0,
}

impl Priority {
    /// The band a vCPU of this priority is queued in.
    #[inline]
    pub(crate) fn band(self) -> usize {
        match self {
            Priority::Boost => 0,
            Priority::Under => 1,
            Priority::Over | Priority::Idle => 2,
        }
    }
}

/// Number of bands.
pub(crate) const BANDS: usize = 3;

/// One pCPU's queue of runnable, not running vCPUs.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunQueue {
    pub bands: [List; BANDS],
}

impl RunQueue {
    /// The first queued vCPU, if any.
    #[inline]
    pub fn head(&self) -> Option<u32> {
        self.bands.iter().find(|b| !b.is_empty()).map(|b| b.head)
    }

    /// Queues `i` with priority `pri`; returns the band it went into.
    /// With `yielding`, it goes behind the first vCPU of a lower band.
    #[inline]
    pub fn insert(&mut self, l: &mut [Links], i: u32, pri: Priority, yielding: bool) -> usize {
        let band = pri.band();
        if yielding {
            if let Some(lower) = (band + 1..BANDS).find(|&b| !self.bands[b].is_empty()) {
                let first = self.bands[lower].head;
                self.bands[lower].insert_after(l, first, i);
                return lower;
            }
        }
        self.bands[band].push_back(l, i);
        band
    }

    /// Removes `i` from `band`.
    #[inline]
    pub fn remove(&mut self, l: &mut [Links], band: usize, i: u32) {
        self.bands[band].remove(l, i);
    }

    /// Iterates over the queue in order, with each entry's band.
    pub fn iter<'a>(&self, l: &'a [Links]) -> impl Iterator<Item = (usize, u32)> + 'a {
        let bands = self.bands;
        (0..BANDS).flat_map(move |b| bands[b].iter(l).map(move |i| (b, i)))
    }

    /// Re-sorts after priorities changed: every entry moves to the band
    /// `band_of` returns for it (the band of its current priority), keeping
    /// relative order.
    pub fn resort(&mut self, l: &mut [Links], mut band_of: impl FnMut(u32) -> usize) {
        let old = core::mem::take(&mut self.bands);
        for band in old {
            let mut cur = band.head;
            while cur != NIL {
                let next = l[cur as usize].next;
                let b = band_of(cur);
                self.bands[b].push_back(l, cur);
                cur = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn order(rq: &RunQueue, l: &[Links]) -> Vec<u32> {
        rq.iter(l).map(|(_, i)| i).collect()
    }

    #[test]
    fn priority_order() {
        assert!(Priority::Boost > Priority::Under);
        assert!(Priority::Under > Priority::Over);
        assert!(Priority::Over > Priority::Idle);
    }

    #[test]
    fn fifo_within_priority_and_priority_across() {
        let mut l = vec![Links::UNLINKED; 8];
        let mut rq = RunQueue::default();
        rq.insert(&mut l, 0, Priority::Over, false);
        rq.insert(&mut l, 1, Priority::Under, false);
        rq.insert(&mut l, 2, Priority::Under, false);
        rq.insert(&mut l, 3, Priority::Boost, false);
        assert_eq!(order(&rq, &l), vec![3, 1, 2, 0]);
        assert_eq!(rq.head(), Some(3));
    }

    #[test]
    fn yield_goes_behind_one_lower() {
        let mut l = vec![Links::UNLINKED; 8];
        let mut rq = RunQueue::default();
        rq.insert(&mut l, 0, Priority::Over, false);
        rq.insert(&mut l, 1, Priority::Over, false);
        let b = rq.insert(&mut l, 2, Priority::Under, true);
        assert_eq!(b, 2);
        assert_eq!(order(&rq, &l), vec![0, 2, 1]);
        // No lower-priority entry: an ordinary insertion.
        let b = rq.insert(&mut l, 3, Priority::Over, true);
        assert_eq!(b, 2);
        assert_eq!(order(&rq, &l), vec![0, 2, 1, 3]);
    }

    #[test]
    fn resort_moves_by_current_priority() {
        let mut l = vec![Links::UNLINKED; 8];
        let mut rq = RunQueue::default();
        for i in 0..4 {
            rq.insert(&mut l, i, Priority::Under, false);
        }
        let pri = [
            Priority::Over,
            Priority::Under,
            Priority::Over,
            Priority::Under,
        ];
        let mut bands = [9usize; 4];
        rq.resort(&mut l, |i| {
            let b = pri[i as usize].band();
            bands[i as usize] = b;
            b
        });
        assert_eq!(order(&rq, &l), vec![1, 3, 0, 2]);
        assert_eq!(bands, [2, 1, 2, 1]);
        rq.remove(&mut l, 1, 3);
        assert_eq!(order(&rq, &l), vec![1, 0, 2]);
    }
}
