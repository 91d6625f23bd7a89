//! The machine's memory map and the boot-time frame allocator.
//!
//! The loader (GRUB's multiboot2 tag, or a PVH `hvm_start_info` map) hands
//! over e820-style regions. [`MemoryMap`] keeps them in a fixed-size array
//! (no heap exists yet), and [`FrameAllocator`] carves free 4 KiB frames out
//! of the RAM regions once everything in use at boot (the low megabyte, the
//! hypervisor image, the boot modules, the boot information) is reserved.
//! Overlapping or unsorted firmware maps are handled: reservations always
//! win over RAM.

/// Size of a machine frame.
pub const FRAME_SIZE: u64 = 4096;

/// Most regions a map holds; extra firmware entries are dropped (counted).
pub const MAX_REGIONS: usize = 64;

/// An e820 region type (the values of `hvm_memmap_table_entry.type` and
/// multiboot2's memory-map entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// Usable RAM (1).
    Ram,
    /// Reserved (2).
    Reserved,
    /// ACPI reclaimable (3).
    Acpi,
    /// ACPI NVS (4).
    Nvs,
    /// Unusable / bad memory (5).
    Unusable,
    /// Disabled (6).
    Disabled,
    /// Persistent memory (7).
    Pmem,
    /// Any other number.
    Other(u32),
}

impl RegionKind {
    /// From the e820 type number.
    pub fn from_e820(t: u32) -> Self {
        match t {
            1 => Self::Ram,
            2 => Self::Reserved,
            3 => Self::Acpi,
            4 => Self::Nvs,
            5 => Self::Unusable,
            6 => Self::Disabled,
            7 => Self::Pmem,
            n => Self::Other(n),
        }
    }

    /// The e820 type number.
    pub fn e820(self) -> u32 {
        match self {
            Self::Ram => 1,
            Self::Reserved => 2,
            Self::Acpi => 3,
            Self::Nvs => 4,
            Self::Unusable => 5,
            Self::Disabled => 6,
            Self::Pmem => 7,
            Self::Other(n) => n,
        }
    }
}

/// One region: `[start, end)` in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// What it is.
    pub kind: RegionKind,
}

/// The firmware's memory map as the loader described it.
#[derive(Clone, Debug)]
pub struct MemoryMap {
    regions: [Region; MAX_REGIONS],
    len: usize,
    dropped: usize,
}

impl Default for MemoryMap {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryMap {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            regions: [Region {
                start: 0,
                end: 0,
                kind: RegionKind::Reserved,
            }; MAX_REGIONS],
            len: 0,
            dropped: 0,
        }
    }

    /// Adds `[base, base+len)`; empty or overflowing entries are ignored.
    pub fn push(&mut self, base: u64, len: u64, kind: RegionKind) {
        let Some(end) = base.checked_add(len) else {
            self.dropped += 1;
            return;
        };
        if len == 0 {
            return;
        }
        if self.len == MAX_REGIONS {
            self.dropped += 1;
            return;
        }
        self.regions[self.len] = Region {
            start: base,
            end,
            kind,
        };
        self.len += 1;
    }

    /// The regions, in the loader's order.
    pub fn regions(&self) -> &[Region] {
        &self.regions[..self.len]
    }

    /// Entries ignored (overflowing or beyond [`MAX_REGIONS`]).
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// Bytes of RAM not covered by any non-RAM region.
    pub fn ram_bytes(&self) -> u64 {
        let mut a = FrameAllocator::new();
        a.add_map(self);
        a.free_frames() * FRAME_SIZE
    }
}

/// A free range of frames `[start, end)` (frame numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    start: u64,
    end: u64,
}

/// Most disjoint free ranges the allocator tracks.
pub const MAX_RANGES: usize = 128;

/// A boot-time allocator of 4 KiB frames over free ranges.
///
/// Built from a [`MemoryMap`], then narrowed with [`reserve`](Self::reserve)
/// for everything already in use. Frames are handed out lowest-first from
/// the lowest range above `floor` (so low memory stays available for what
/// needs it, such as AP trampolines) and may be given back.
#[derive(Clone, Debug)]
pub struct FrameAllocator {
    ranges: [Range; MAX_RANGES],
    len: usize,
    lost: u64,
}

impl Default for FrameAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameAllocator {
    /// An allocator with nothing to give.
    pub const fn new() -> Self {
        Self {
            ranges: [Range { start: 0, end: 0 }; MAX_RANGES],
            len: 0,
            lost: 0,
        }
    }

    /// Adds every RAM region of `map` (whole frames inside it), then removes
    /// every non-RAM region, so an overlap never makes reserved memory free.
    pub fn add_map(&mut self, map: &MemoryMap) {
        for r in map.regions().iter().filter(|r| r.kind == RegionKind::Ram) {
            let start = r.start.div_ceil(FRAME_SIZE);
            let end = r.end / FRAME_SIZE;
            if start < end {
                self.insert(start, end);
            }
        }
        for r in map.regions().iter().filter(|r| r.kind != RegionKind::Ram) {
            self.reserve(r.start, r.end);
        }
    }

    /// Marks bytes `[start, end)` as not free (whole frames touched).
    pub fn reserve(&mut self, start: u64, end: u64) {
        if end <= start {
            return;
        }
        let (fs, fe) = (start / FRAME_SIZE, end.div_ceil(FRAME_SIZE));
        let mut i = 0;
        while i < self.len {
            let r = self.ranges[i];
            if r.end <= fs || r.start >= fe {
                i += 1;
                continue;
            }
            // Split into the parts left of and right of the hole.
            let left = (r.start < fs).then_some(Range {
                start: r.start,
                end: fs,
            });
            let right = (r.end > fe).then_some(Range {
                start: fe,
                end: r.end,
            });
            self.remove_at(i);
            if let Some(l) = left {
                self.insert(l.start, l.end);
            }
            if let Some(rr) = right {
                self.insert(rr.start, rr.end);
            }
            // The table stays sorted and the pieces cannot merge with their
            // neighbours (ranges never touch): step over them.
            i += usize::from(left.is_some()) + usize::from(right.is_some());
        }
    }

    /// Frames still free.
    pub fn free_frames(&self) -> u64 {
        self.ranges[..self.len]
            .iter()
            .map(|r| r.end - r.start)
            .sum()
    }

    /// Frames lost because the range table was full.
    pub fn lost_frames(&self) -> u64 {
        self.lost
    }

    /// Takes the lowest free frame at or above frame number `floor`.
    pub fn alloc_above(&mut self, floor: u64) -> Option<u64> {
        let i = self.ranges[..self.len].iter().position(|r| r.end > floor)?;
        let r = &mut self.ranges[i];
        let f = r.start.max(floor);
        if f == r.start {
            r.start += 1;
            if r.start == r.end {
                self.remove_at(i);
            }
        } else {
            let (lo, hi) = (r.start, r.end);
            self.remove_at(i);
            self.insert(lo, f);
            self.insert(f + 1, hi);
        }
        Some(f)
    }

    /// Takes `count` contiguous frames aligned to `align` frames (a power of
    /// two), lowest first, at or above `floor`.
    pub fn alloc_contiguous(&mut self, count: u64, align: u64, floor: u64) -> Option<u64> {
        if count == 0 || !align.is_power_of_two() {
            return None;
        }
        let found = self.ranges[..self.len].iter().find_map(|r| {
            let start = r.start.max(floor).checked_next_multiple_of(align)?;
            (start.checked_add(count)? <= r.end).then_some(start)
        })?;
        self.reserve(found * FRAME_SIZE, (found + count) * FRAME_SIZE);
        Some(found)
    }

    /// Gives frame `frame` back. Returns false (and changes nothing) if it
    /// is already free.
    pub fn free(&mut self, frame: u64) -> bool {
        if self.ranges[..self.len]
            .iter()
            .any(|r| r.start <= frame && frame < r.end)
        {
            return false;
        }
        self.insert(frame, frame + 1);
        true
    }

    /// Inserts `[start, end)` (disjoint from every range), merging with
    /// neighbours and keeping the table sorted.
    fn insert(&mut self, start: u64, end: u64) {
        let mut start = start;
        let mut end = end;
        let i = self.ranges[..self.len].partition_point(|r| r.end < start);
        // Merge with every range that touches or overlaps.
        while i < self.len && self.ranges[i].start <= end {
            start = start.min(self.ranges[i].start);
            end = end.max(self.ranges[i].end);
            self.remove_at(i);
        }
        if self.len == MAX_RANGES {
            self.lost += end - start;
            return;
        }
        self.ranges.copy_within(i..self.len, i + 1);
        self.ranges[i] = Range { start, end };
        self.len += 1;
    }

    fn remove_at(&mut self, i: usize) {
        self.ranges.copy_within(i + 1..self.len, i);
        self.len -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn qemu_like() -> MemoryMap {
        let mut m = MemoryMap::new();
        m.push(0, 0x9fc00, RegionKind::Ram);
        m.push(0x9fc00, 0x400, RegionKind::Reserved);
        m.push(0xf0000, 0x10000, RegionKind::Reserved);
        m.push(0x100000, 0x7fee0000 - 0x100000, RegionKind::Ram);
        m.push(0x7fee0000, 0x20000, RegionKind::Reserved);
        m.push(0xfffc0000, 0x40000, RegionKind::Reserved);
        m
    }

    #[test]
    fn map_to_frames_respects_reservations_and_partial_frames() {
        let m = qemu_like();
        let mut a = FrameAllocator::new();
        a.add_map(&m);
        // 0..0x9f frames (0x9fc00 rounds down) + 0x100..0x7fee0.
        assert_eq!(a.free_frames(), 0x9f + (0x7fee0 - 0x100));
        a.reserve(0, 0x100000);
        a.reserve(0x200000, 0x280123);
        assert_eq!(a.alloc_above(0), Some(0x100));
        assert_eq!(a.alloc_above(0x1ff), Some(0x1ff));
        assert_eq!(a.alloc_above(0x200), Some(0x281));
        assert_eq!(a.alloc_above(0x100), Some(0x101));
    }

    #[test]
    fn overlapping_firmware_entries_never_free_reserved_memory() {
        let mut m = MemoryMap::new();
        m.push(0x100000, 0x100000, RegionKind::Ram);
        m.push(0x180000, 0x1000, RegionKind::Acpi);
        m.push(0x150000, 0x200000, RegionKind::Ram);
        let mut a = FrameAllocator::new();
        a.add_map(&m);
        let mut seen = BTreeSet::new();
        while let Some(f) = a.alloc_above(0) {
            assert!(seen.insert(f), "frame {f:#x} handed out twice");
            assert_ne!(f, 0x180);
        }
        assert_eq!(seen.len() as u64, 0x250 - 1);
    }

    #[test]
    fn contiguous_aligned_allocation_and_free() {
        let mut a = FrameAllocator::new();
        let mut m = MemoryMap::new();
        m.push(0x1000, 0x1000 * 1000, RegionKind::Ram);
        a.add_map(&m);
        let base = a.alloc_contiguous(512, 512, 0);
        assert_eq!(base, None, "no 2 MiB-aligned run of 512 frames in 1..1001");
        let base = a.alloc_contiguous(16, 16, 0).unwrap();
        assert_eq!(base % 16, 0);
        let before = a.free_frames();
        assert!(a.free(base));
        assert!(!a.free(base), "double free refused");
        assert_eq!(a.free_frames(), before + 1);
    }

    #[test]
    fn bad_entries_are_dropped() {
        let mut m = MemoryMap::new();
        m.push(u64::MAX - 10, 100, RegionKind::Ram);
        m.push(0, 0, RegionKind::Ram);
        for i in 0..(MAX_REGIONS as u64 + 5) {
            m.push(i * 0x10000, 0x1000, RegionKind::Ram);
        }
        assert_eq!(m.regions().len(), MAX_REGIONS);
        assert_eq!(m.dropped(), 1 + 5);
    }

    proptest::proptest! {
        /// Against a set-of-frames model: whatever the map, reservations and
        /// allocations, no reserved frame is handed out and none twice.
        #[test]
        fn allocator_matches_model(
            regions in proptest::collection::vec((0u64..256, 1u64..64, proptest::bool::ANY), 0..12),
            holes in proptest::collection::vec((0u64..300, 0u64..40), 0..8),
            allocs in 0usize..400,
        ) {
            let mut m = MemoryMap::new();
            for &(s, l, ram) in &regions {
                m.push(s * FRAME_SIZE, l * FRAME_SIZE, if ram { RegionKind::Ram } else { RegionKind::Reserved });
            }
            let mut model: BTreeSet<u64> = BTreeSet::new();
            for &(s, l, ram) in &regions { if ram { model.extend(s..s + l); } }
            for &(s, l, ram) in &regions { if !ram { for f in s..s + l { model.remove(&f); } } }
            let mut a = FrameAllocator::new();
            a.add_map(&m);
            for &(s, l) in &holes {
                a.reserve(s * FRAME_SIZE, (s + l) * FRAME_SIZE);
                for f in s..s + l { model.remove(&f); }
            }
            proptest::prop_assert_eq!(a.free_frames(), model.len() as u64);
            for _ in 0..allocs {
                match a.alloc_above(0) {
                    Some(f) => proptest::prop_assert!(model.remove(&f), "frame {} not free", f),
                    None => { proptest::prop_assert!(model.is_empty()); break; }
                }
                proptest::prop_assert_eq!(a.free_frames(), model.len() as u64);
            }
        }
    }
}
