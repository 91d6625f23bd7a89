//! Maptrack: the mapping domain's record of each grant it has mapped,
//! indexed by the handle returned to the guest.
//!
//! Entries live in frames of [`MAPTRACK_PER_FRAME`] allocated on demand up to
//! the domain's limit and never freed before the domain dies. Published
//! frames are reached without locks: a frame is installed in its
//! [`spin::Once`] slot before the handle limit is raised (release/acquire).
//!
//! Free handles sit on per-vCPU FIFO lists (each with its own lock, taken
//! innermost) linked through the entries' `next` words, so vCPUs mapping in
//! parallel do not contend. A vCPU whose list is empty grows the maptrack
//! (under the grow lock) or, at the limit, steals a free handle from another
//! vCPU's list starting at a pseudo-random victim. A freed handle goes back
//! to the list of the vCPU that owns it, at the tail, so handles are reused
//! as late as possible.
//!
//! An in-use entry's identity (granting domain, reference, `GNTMAP_*`
//! flags) is one 64-bit atomic word, so it is published, validated and
//! retired in one step and can never be seen torn (XSA-218). Zero flags mean
//! the handle is free.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use spin::{Mutex, Once};
use xen_abi::DomId;

use crate::padded::Padded;

/// Entries per maptrack frame (16-byte entries, like Xen's).
pub const MAPTRACK_PER_FRAME: u32 = 256;
/// End of a free list.
const TAIL: u32 = u32::MAX;

/// What an in-use handle maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MapRecord {
    /// `GNTMAP_*` flags still held (host/device/readonly…); never zero.
    pub flags: u16,
    /// The granting domain.
    pub domid: DomId,
    /// The grant reference.
    pub gref: u32,
}

impl MapRecord {
    fn encode(self) -> u64 {
        u64::from(self.flags) | u64::from(self.domid.0) << 16 | u64::from(self.gref) << 32
    }

    fn decode(raw: u64) -> Option<Self> {
        let flags = raw as u16;
        (flags != 0).then_some(MapRecord {
            flags,
            domid: DomId((raw >> 16) as u16),
            gref: (raw >> 32) as u32,
        })
    }
}

/// One maptrack entry.
pub(crate) struct MapEntry {
    record: AtomicU64,
    next: AtomicU32,
    vcpu: AtomicU32,
}

impl MapEntry {
    /// The mapping this handle records, if in use.
    pub(crate) fn load(&self) -> Option<MapRecord> {
        MapRecord::decode(self.record.load(Ordering::Acquire))
    }

    /// Publishes a mapping on a handle the caller owns.
    pub(crate) fn publish(&self, rec: MapRecord) {
        debug_assert!(rec.flags != 0);
        self.record.store(rec.encode(), Ordering::Release);
    }

    /// Replaces `old` with `new` (`None` frees the record); fails if the
    /// entry no longer holds `old`.
    pub(crate) fn replace(&self, old: MapRecord, new: Option<MapRecord>) -> bool {
        let new = new.map_or(0, MapRecord::encode);
        self.record
            .compare_exchange(old.encode(), new, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

#[derive(Clone, Copy)]
struct FreeList {
    head: u32,
    tail: u32,
}

/// A domain's maptrack.
pub(crate) struct Maptrack {
    frames: Box<[Once<Box<[MapEntry]>>]>,
    /// Handles below this are backed by a published frame.
    limit: AtomicU32,
    grow: Mutex<()>,
    lists: Box<[Padded<Mutex<FreeList>>]>,
    steal_seed: AtomicU32,
    /// Where domain-death release resumes (handles below it remain).
    release_cursor: AtomicU32,
}

impl Maptrack {
    pub(crate) fn new(vcpus: u32, max_frames: u32) -> Self {
        let max_frames = max_frames.min(u32::MAX / MAPTRACK_PER_FRAME);
        Self {
            frames: (0..max_frames).map(|_| Once::new()).collect(),
            limit: AtomicU32::new(0),
            grow: Mutex::new(()),
            lists: (0..vcpus.max(1))
                .map(|_| {
                    Padded(Mutex::new(FreeList {
                        head: TAIL,
                        tail: TAIL,
                    }))
                })
                .collect(),
            steal_seed: AtomicU32::new(0x9e37_79b9),
            release_cursor: AtomicU32::new(u32::MAX),
        }
    }

    /// Handles currently recording a mapping (a scan: for tests and
    /// domain tear-down, not hot paths).
    pub(crate) fn in_use(&self) -> usize {
        (0..self.limit())
            .filter(|&h| self.entry(h).is_some_and(|e| e.load().is_some()))
            .count()
    }

    /// Number of handles backed by frames.
    pub(crate) fn limit(&self) -> u32 {
        self.limit.load(Ordering::Acquire)
    }

    /// The handle below which domain-death release still has to look.
    pub(crate) fn release_cursor(&self) -> u32 {
        self.release_cursor
            .load(Ordering::Acquire)
            .min(self.limit())
    }

    /// Records how far domain-death release got.
    pub(crate) fn set_release_cursor(&self, handle: u32) {
        self.release_cursor.store(handle, Ordering::Release);
    }

    /// The entry of `handle`, if it is below the limit.
    pub(crate) fn entry(&self, handle: u32) -> Option<&MapEntry> {
        if handle >= self.limit() {
            return None;
        }
        let frame = self
            .frames
            .get((handle / MAPTRACK_PER_FRAME) as usize)?
            .get()?;
        frame.get((handle % MAPTRACK_PER_FRAME) as usize)
    }

    fn list_index(&self, vcpu: u32) -> usize {
        vcpu as usize % self.lists.len()
    }

    /// Pops the head of `vcpu`'s free list.
    fn pop(&self, list: usize) -> Option<u32> {
        let mut l = self.lists[list].lock();
        let head = l.head;
        if head == TAIL {
            return None;
        }
        let next = self.entry(head)?.next.load(Ordering::Relaxed);
        l.head = next;
        if next == TAIL {
            l.tail = TAIL;
        }
        Some(head)
    }

    /// Takes a free handle for a mapping by `vcpu`.
    pub(crate) fn get_handle(&self, vcpu: u32) -> Option<u32> {
        let me = self.list_index(vcpu);
        self.pop(me)
            .or_else(|| self.grow_for(me))
            .or_else(|| self.steal(me))
    }

    /// Allocates a new frame: its first handle is returned, the rest go to
    /// `list`.
    fn grow_for(&self, list: usize) -> Option<u32> {
        let _g = self.grow.lock();
        let limit = self.limit.load(Ordering::Relaxed);
        let slot = self.frames.get((limit / MAPTRACK_PER_FRAME) as usize)?;
        let mut entries = Vec::new();
        entries
            .try_reserve_exact(MAPTRACK_PER_FRAME as usize)
            .ok()?;
        let last = limit + MAPTRACK_PER_FRAME - 1;
        entries.extend((limit..=last).map(|h| MapEntry {
            record: AtomicU64::new(0),
            next: AtomicU32::new(if h == last { TAIL } else { h + 1 }),
            vcpu: AtomicU32::new(list as u32),
        }));
        slot.call_once(|| entries.into_boxed_slice());
        self.limit
            .store(limit + MAPTRACK_PER_FRAME, Ordering::Release);
        drop(_g);
        // Handles limit+1..=last join this vCPU's list.
        let mut l = self.lists[list].lock();
        if l.head == TAIL {
            l.head = limit + 1;
            l.tail = last;
        } else {
            if let Some(e) = self.entry(l.tail) {
                e.next.store(limit + 1, Ordering::Relaxed);
            }
            l.tail = last;
        }
        Some(limit)
    }

    /// Takes a free handle from another vCPU's list.
    fn steal(&self, thief: usize) -> Option<u32> {
        let n = self.lists.len();
        // A cheap pseudo-random start so thieves do not all hit vCPU 0.
        let seed = self
            .steal_seed
            .fetch_add(0x9e37_79b9, Ordering::Relaxed)
            .rotate_left(7);
        let first = seed as usize % n;
        (0..n).map(|i| (first + i) % n).find_map(|victim| {
            let h = self.pop(victim)?;
            if let Some(e) = self.entry(h) {
                e.vcpu.store(thief as u32, Ordering::Relaxed);
            }
            Some(h)
        })
    }

    /// Returns `handle` (whose record is already cleared) to its vCPU's list.
    pub(crate) fn put_handle(&self, handle: u32) {
        let Some(e) = self.entry(handle) else { return };
        e.next.store(TAIL, Ordering::Relaxed);
        let list = self.list_index(e.vcpu.load(Ordering::Relaxed));
        let mut l = self.lists[list].lock();
        if l.tail == TAIL {
            l.head = handle;
        } else if let Some(t) = self.entry(l.tail) {
            t.next.store(handle, Ordering::Relaxed);
        }
        l.tail = handle;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip() {
        let r = MapRecord {
            flags: 0x16,
            domid: DomId(0x7fef),
            gref: 0xdead_beef,
        };
        assert_eq!(MapRecord::decode(r.encode()), Some(r));
        assert_eq!(MapRecord::decode(0xffff_ffff_ffff_0000), None);
    }

    #[test]
    fn handles_are_unique_and_recycled_fifo() {
        let m = Maptrack::new(2, 2);
        let mut seen = Vec::new();
        for _ in 0..2 * MAPTRACK_PER_FRAME {
            let h = m.get_handle(0).expect("room for two frames");
            assert!(!seen.contains(&h));
            seen.push(h);
        }
        assert_eq!(m.get_handle(1), None, "limit reached, nothing to steal");
        m.put_handle(seen[3]);
        m.put_handle(seen[7]);
        // vCPU 1 steals from vCPU 0's list, oldest first.
        assert_eq!(m.get_handle(1), Some(seen[3]));
        m.put_handle(seen[3]);
        assert_eq!(m.get_handle(0), Some(seen[7]));
        assert_eq!(
            m.get_handle(1),
            Some(seen[3]),
            "stolen handle now belongs to vCPU 1"
        );
        assert_eq!(m.in_use(), 0, "no record published");
    }

    #[test]
    fn zero_frames_means_no_handles() {
        let m = Maptrack::new(1, 0);
        assert_eq!(m.get_handle(0), None);
        assert!(m.entry(0).is_none());
    }
}
