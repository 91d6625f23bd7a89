//! A domain's grant table as granter: the shared frames the guest writes
//! its grants into, the v2 status frames, the active entries shadowing
//! pinned grants, and the table-wide operations (`setup_table`,
//! `query_size`, `set_version`, `get_status_frames`, `get_version`,
//! `swap_grant_ref`, frame lookup for `add_to_physmap`).
//!
//! # Locking
//! Entry operations take no table-wide lock: the table's shape (version,
//! frame lists, active-entry chunks) is kept in atomics that only grow
//! while the table lives, and each operation works under the active-entry
//! lock of its reference. Anything that changes the meaning of existing
//! entries (a version switch, tear-down) holds the resize lock and then
//! *every* active-entry lock, in index order, so holding any one entry's
//! lock pins the version and the frames: entry locations must be computed
//! (and references bounds-checked) only under that lock. Growing appends
//! frames under the resize lock and publishes each before raising the
//! count. See the crate docs for the whole lock order.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};

use spin::{Mutex, MutexGuard, Once};
use xen_abi::DomId;
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};

use crate::abi::{
    GNTTAB_NR_RESERVED_ENTRIES, GTF_PERMIT_ACCESS, GTF_READING, GTF_TRANSITIVE, GTF_TYPE_MASK,
    GTF_WRITING, XENMAPIDX_GRANT_TABLE_STATUS,
};
use crate::active::ActiveEntry;
use crate::domain::{Caller, GrantOptions, INITIAL_GRANT_FRAMES};
use crate::error::{Errno, GrantError};
use crate::protocol::{EntryLoc, Header};
use crate::world::{GrantPolicy, GrantWorld};

/// A grant table layout version (xen-abi's `GrantTableVersion`).
pub use crate::abi::GrantTableVersion as Version;
pub use crate::abi::{
    status_frames_for, GRANT_ENTRIES_PER_FRAME_V1 as V1_ENTRIES_PER_FRAME,
    GRANT_ENTRIES_PER_FRAME_V2 as V2_ENTRIES_PER_FRAME,
    GRANT_STATUS_PER_FRAME as STATUS_ENTRIES_PER_FRAME,
};

/// One active entry per v1 entry of a shared frame.
type ActiveChunk = Box<[Mutex<ActiveEntry>]>;

fn new_chunk() -> ActiveChunk {
    (0..V1_ENTRIES_PER_FRAME)
        .map(|_| Mutex::new(ActiveEntry::default()))
        .collect()
}

const NO_FRAME: u64 = u64::MAX;

/// A domain's grant table.
pub struct GrantTable {
    owner: DomId,
    /// 1 or 2.
    version: AtomicU8,
    nr_shared: AtomicU32,
    nr_status: AtomicU32,
    shared: Box<[AtomicU64]>,
    status: Box<[AtomicU64]>,
    /// One chunk per shared frame ever allocated (never freed before drop).
    active: Box<[Once<ActiveChunk>]>,
    /// Serialises growth, version switches and tear-down.
    resize: Mutex<()>,
    /// Copies in flight through sub-page or transitive v2 entries; a switch
    /// back to v1 waits for zero (XSA-501).
    pub(crate) nr_v2_ops: AtomicU32,
    max_frames: u32,
    max_version: u8,
}

/// Frames allocated for a growth, freed again if it fails half-way.
struct NewFrames<'w, W: GrantWorld> {
    world: &'w W,
    frames: Vec<Mfn>,
}

impl<W: GrantWorld> NewFrames<'_, W> {
    fn alloc(&mut self, n: u32) -> Result<(), Errno> {
        for _ in 0..n {
            let mfn = self
                .world
                .memory()
                .alloc_frame()
                .map_err(|_| Errno::NoMem)?;
            self.frames.push(mfn);
        }
        Ok(())
    }

    fn keep(mut self) -> Vec<Mfn> {
        core::mem::take(&mut self.frames)
    }
}

impl<W: GrantWorld> Drop for NewFrames<'_, W> {
    fn drop(&mut self) {
        for &mfn in &self.frames {
            let _ = self.world.memory().free_frame(mfn);
        }
    }
}

/// Every active-entry lock of a table, held by a version switch or tear-down.
struct AllEntries<'a> {
    _guards: Vec<MutexGuard<'a, ActiveEntry>>,
}

impl GrantTable {
    pub(crate) fn new<W: GrantWorld>(
        world: &W,
        owner: DomId,
        opts: &GrantOptions,
    ) -> Result<Self, Errno> {
        let max = opts.max_grant_frames;
        let table = Self {
            owner,
            version: AtomicU8::new(1),
            nr_shared: AtomicU32::new(0),
            nr_status: AtomicU32::new(0),
            shared: (0..max).map(|_| AtomicU64::new(NO_FRAME)).collect(),
            status: (0..status_frames_for(max))
                .map(|_| AtomicU64::new(NO_FRAME))
                .collect(),
            active: (0..max).map(|_| Once::new()).collect(),
            resize: Mutex::new(()),
            nr_v2_ops: AtomicU32::new(0),
            max_frames: max,
            max_version: opts.max_version,
        };
        {
            let _g = table.resize.lock();
            table.grow(world, INITIAL_GRANT_FRAMES)?;
        }
        Ok(table)
    }

    /// The table as seen by an operation of `caller` (no lock is taken; see
    /// the module docs).
    #[inline]
    pub(crate) fn read(&self, _caller: &Caller<'_>) -> &Self {
        self
    }

    /// The owning domain.
    pub fn owner(&self) -> DomId {
        self.owner
    }

    /// The current layout version (stable while any entry lock is held).
    #[inline]
    pub fn version(&self) -> Version {
        if self.version.load(Ordering::Acquire) == 2 {
            Version::V2
        } else {
            Version::V1
        }
    }

    /// Current and maximum size in frames (`query_size`).
    pub fn size(&self) -> (u32, u32) {
        (self.nr_shared.load(Ordering::Acquire), self.max_frames)
    }

    /// Entries the current version offers (`nr_grant_entries`).
    pub fn nr_entries(&self) -> u32 {
        self.nr_shared.load(Ordering::Acquire) * self.version().entries_per_frame()
    }

    fn list(slots: &[AtomicU64], n: u32) -> Vec<Mfn> {
        slots[..n as usize]
            .iter()
            .map(|s| Mfn(s.load(Ordering::Acquire)))
            .collect()
    }

    /// The shared frames, in table order.
    pub fn shared_frames(&self) -> Vec<Mfn> {
        Self::list(&self.shared, self.nr_shared.load(Ordering::Acquire))
    }

    /// The status frames (empty in v1).
    pub fn status_frames(&self) -> Vec<Mfn> {
        Self::list(&self.status, self.nr_status.load(Ordering::Acquire))
    }

    /// Whether any entry is pinned (mapped or in a copy).
    pub fn any_pinned(&self) -> bool {
        self.active
            .iter()
            .filter_map(Once::get)
            .flat_map(|c| c.iter())
            .any(|a| a.lock().pins.any())
    }

    /// The active entry of `gref`, for any `gref` the active array covers
    /// (which includes every in-range reference of either version). Lock it
    /// before using any other method for `gref`.
    #[inline]
    pub(crate) fn active(&self, gref: u32) -> Option<&Mutex<ActiveEntry>> {
        let chunk = self
            .active
            .get((gref / V1_ENTRIES_PER_FRAME) as usize)?
            .get()?;
        chunk.get((gref % V1_ENTRIES_PER_FRAME) as usize)
    }

    /// Where entry `gref`'s header lives, if in range.
    #[inline]
    pub(crate) fn header(&self, gref: u32) -> Option<EntryLoc> {
        let version = self.version();
        let per = version.entries_per_frame();
        let frame = gref / per;
        if frame >= self.nr_shared.load(Ordering::Acquire) {
            return None;
        }
        Some(EntryLoc {
            mfn: Mfn(self.shared[frame as usize].load(Ordering::Acquire)),
            offset: (gref % per) as usize * version.entry_size(),
        })
    }

    /// Where entry `gref`'s use bits live: the header flags in v1, the
    /// status word in v2.
    #[inline]
    pub(crate) fn status(&self, gref: u32) -> Option<EntryLoc> {
        let hdr = self.header(gref)?;
        match self.version() {
            Version::V1 => Some(hdr),
            Version::V2 => {
                let frame = gref / STATUS_ENTRIES_PER_FRAME;
                if frame >= self.nr_status.load(Ordering::Acquire) {
                    return None;
                }
                Some(EntryLoc {
                    mfn: Mfn(self.status[frame as usize].load(Ordering::Acquire)),
                    offset: (gref % STATUS_ENTRIES_PER_FRAME) as usize * 2,
                })
            }
        }
    }

    /// The frame number a full-page grant names (v1 `frame`, v2
    /// `full_page.frame`).
    #[inline]
    pub(crate) fn frame<M: FrameMemory>(&self, mem: &M, hdr: EntryLoc) -> Result<u64, GrantError> {
        let r = match self.version() {
            Version::V1 => mem.load::<u32>(hdr.mfn, hdr.offset + 4).map(u64::from),
            Version::V2 => mem.load::<u64>(hdr.mfn, hdr.offset + 8),
        };
        r.map_err(|_| GrantError::GeneralError)
    }

    /// The v2 word at offset 4: `sub_page.{page_off,length}` or
    /// `transitive.{trans_domid,pad0}`.
    pub(crate) fn v2_word4<M: FrameMemory>(
        &self,
        mem: &M,
        hdr: EntryLoc,
    ) -> Result<(u16, u16), GrantError> {
        let w = mem
            .load::<u32>(hdr.mfn, hdr.offset + 4)
            .map_err(|_| GrantError::GeneralError)?;
        Ok((w as u16, (w >> 16) as u16))
    }

    /// The v2 `transitive.gref` word at offset 8.
    pub(crate) fn v2_trans_gref<M: FrameMemory>(
        &self,
        mem: &M,
        hdr: EntryLoc,
    ) -> Result<u32, GrantError> {
        mem.load::<u32>(hdr.mfn, hdr.offset + 8)
            .map_err(|_| GrantError::GeneralError)
    }

    /// Locks every active entry in index order (resize lock held).
    fn lock_all(&self) -> AllEntries<'_> {
        AllEntries {
            _guards: self
                .active
                .iter()
                .filter_map(Once::get)
                .flat_map(|c| c.iter())
                .map(|a| a.lock())
                .collect(),
        }
    }

    /// Grows to `frames` shared frames (and the matching status frames in
    /// v2), with the resize lock held. Frames are shared with the owner only
    /// once all allocations succeeded, and published before the counts rise.
    fn grow<W: GrantWorld>(&self, world: &W, frames: u32) -> Result<(), Errno> {
        let have = self.nr_shared.load(Ordering::Acquire);
        let have_status = self.nr_status.load(Ordering::Acquire);
        let frames = frames
            .max(INITIAL_GRANT_FRAMES)
            .min(self.max_frames)
            .max(have);
        let want_status = match self.version() {
            Version::V1 => 0,
            Version::V2 => status_frames_for(frames),
        };
        let mut shared = NewFrames {
            world,
            frames: Vec::new(),
        };
        shared.alloc(frames - have)?;
        let mut status = NewFrames {
            world,
            frames: Vec::new(),
        };
        status.alloc(want_status.saturating_sub(have_status))?;
        let shared = shared.keep();
        let status = status.keep();
        for (i, &mfn) in shared.iter().enumerate() {
            let idx = have as usize + i;
            self.active[idx].call_once(new_chunk);
            self.shared[idx].store(mfn.0, Ordering::Release);
            world.share_frame(self.owner, mfn);
        }
        for (i, &mfn) in status.iter().enumerate() {
            self.status[have_status as usize + i].store(mfn.0, Ordering::Release);
            world.share_frame(self.owner, mfn);
        }
        self.nr_status
            .store(have_status + status.len() as u32, Ordering::Release);
        self.nr_shared.store(frames, Ordering::Release);
        Ok(())
    }

    /// `GNTTABOP_setup_table` on this table: grows it to `nr_frames` if
    /// needed and returns the frame numbers of its first `nr_frames` frames.
    /// The caller has checked the policy.
    pub(crate) fn setup<W: GrantWorld>(
        &self,
        world: &W,
        nr_frames: u32,
    ) -> Result<Vec<u64>, GrantError> {
        let _g = self.resize.lock();
        if nr_frames > self.max_frames {
            return Err(GrantError::GeneralError);
        }
        let short = nr_frames > self.nr_shared.load(Ordering::Acquire)
            || (self.version() == Version::V2
                && status_frames_for(nr_frames) > self.nr_status.load(Ordering::Acquire));
        if short && self.grow(world, nr_frames).is_err() {
            return Err(GrantError::GeneralError);
        }
        Ok(Self::list(&self.shared, nr_frames)
            .into_iter()
            .map(|mfn| world.frame_number(self.owner, mfn))
            .collect())
    }

    /// `GNTTABOP_get_status_frames` on this table: the first `nr_frames`
    /// status frames, refused when the table has fewer (XSA-382: counted in
    /// status frames, not grant frames).
    pub(crate) fn get_status_frames<W: GrantWorld>(
        &self,
        world: &W,
        nr_frames: u32,
    ) -> Result<Vec<u64>, GrantError> {
        let _g = self.resize.lock();
        if nr_frames > self.nr_status.load(Ordering::Acquire) {
            return Err(GrantError::GeneralError);
        }
        Ok(Self::list(&self.status, nr_frames)
            .into_iter()
            .map(|mfn| world.frame_number(self.owner, mfn))
            .collect())
    }

    /// The frame for `add_to_physmap(XENMAPSPACE_grant_table, idx)` or a
    /// grant-table resource: shared frame `idx`, or status frame `idx` with
    /// [`XENMAPIDX_GRANT_TABLE_STATUS`] set (v2 only); grows the table when
    /// `idx` is within its limit (Xen's `gnttab_map_frame`).
    pub fn map_frame<W: GrantWorld>(&self, world: &W, idx: u64) -> Result<Mfn, Errno> {
        let _g = self.resize.lock();
        if self.version() == Version::V2 && idx & XENMAPIDX_GRANT_TABLE_STATUS != 0 {
            let idx = idx & !XENMAPIDX_GRANT_TABLE_STATUS;
            if idx >= u64::from(self.nr_status.load(Ordering::Acquire)) {
                let grant_frames = (idx + 1) * u64::from(STATUS_ENTRIES_PER_FRAME)
                    / u64::from(V2_ENTRIES_PER_FRAME);
                if grant_frames <= u64::from(self.max_frames) {
                    self.grow(world, grant_frames as u32)?;
                }
            }
            self.status_frames()
                .get(idx as usize)
                .copied()
                .ok_or(Errno::Inval)
        } else {
            if idx >= u64::from(self.nr_shared.load(Ordering::Acquire))
                && idx < u64::from(self.max_frames)
            {
                self.grow(world, idx as u32 + 1)?;
            }
            self.shared_frames()
                .get(idx as usize)
                .copied()
                .ok_or(Errno::Inval)
        }
    }

    /// `GNTTABOP_set_version` for the owner: switches layout, keeping the
    /// reserved entries. Returns the outcome and the version in force
    /// afterwards (always reported back to the guest).
    pub fn set_version<W: GrantWorld>(&self, world: &W, version: u32) -> (Result<(), Errno>, u32) {
        let res = self.switch_version(world, version);
        (res, self.version() as u32)
    }

    fn switch_version<W: GrantWorld>(&self, world: &W, version: u32) -> Result<(), Errno> {
        let new = match version {
            1 => Version::V1,
            2 => Version::V2,
            _ => return Err(Errno::Inval),
        };
        if new == Version::V2 && self.max_version < 2 {
            return Err(Errno::NoSys);
        }
        let mem = world.memory();
        let _g = self.resize.lock();
        let old = self.version();
        if old == new {
            return Ok(());
        }
        let all = self.lock_all();
        // Only the reserved entries may stay in use across a switch.
        let pinned = all
            ._guards
            .iter()
            .enumerate()
            .take(self.nr_entries() as usize)
            .skip(GNTTAB_NR_RESERVED_ENTRIES as usize)
            .any(|(_, a)| a.pins.any());
        if pinned {
            return Err(Errno::Busy);
        }
        let nr_shared = self.nr_shared.load(Ordering::Acquire);
        let mut new_status = NewFrames {
            world,
            frames: Vec::new(),
        };
        match old {
            Version::V1 => new_status.alloc(status_frames_for(nr_shared))?,
            Version::V2 => {
                if self.nr_v2_ops.load(Ordering::Acquire) != 0 {
                    return Err(Errno::Again);
                }
                for r in 0..GNTTAB_NR_RESERVED_ENTRIES {
                    let hdr = self.header(r).ok_or(Errno::Inval)?;
                    let h = read_hdr(mem, hdr)?;
                    let frame = self.frame(mem, hdr).map_err(|_| Errno::Inval)?;
                    match h.flags & GTF_TYPE_MASK {
                        GTF_PERMIT_ACCESS if frame >> 32 != 0 => return Err(Errno::Range),
                        GTF_TRANSITIVE => return Err(Errno::Range),
                        _ => {}
                    }
                }
            }
        }
        let reserved = save_reserved(mem, self)?;
        let old_status = self.status_frames();
        if old == Version::V2 {
            // XSA-255/379/384: status frames the guest still maps stay.
            for (i, &mfn) in old_status.iter().enumerate() {
                if !world.unshare_frame(self.owner, mfn) {
                    for &done in &old_status[..i] {
                        world.share_frame(self.owner, done);
                    }
                    return Err(Errno::Busy);
                }
            }
        }
        let new_status = new_status.keep();
        for mfn in self.shared_frames() {
            mem.fill(mfn, 0, PAGE_SIZE, 0).map_err(|_| Errno::Inval)?;
        }
        for (i, &mfn) in new_status.iter().enumerate() {
            self.status[i].store(mfn.0, Ordering::Release);
            world.share_frame(self.owner, mfn);
        }
        self.nr_status
            .store(new_status.len() as u32, Ordering::Release);
        self.version.store(new as u8, Ordering::Release);
        restore_reserved(mem, self, &reserved)?;
        for mfn in old_status {
            let _ = mem.free_frame(mfn);
        }
        drop(all);
        Ok(())
    }

    /// `GNTTABOP_swap_grant_ref` for the owner: exchanges two unpinned
    /// entries (and their status words).
    pub fn swap<W: GrantWorld>(&self, world: &W, a: u32, b: u32) -> Result<(), GrantError> {
        let mem = world.memory();
        let (lo, hi) = (a.min(b), a.max(b));
        let lo_lock = self.active(lo).ok_or(GrantError::BadGntref)?;
        let hi_lock = self.active(hi).ok_or(GrantError::BadGntref)?;
        let act_lo = lo_lock.lock();
        let (ha, hb) = match (self.header(a), self.header(b)) {
            (Some(ha), Some(hb)) => (ha, hb),
            _ => return Err(GrantError::BadGntref),
        };
        if a == b {
            return Ok(());
        }
        let act_hi = hi_lock.lock();
        if act_lo.pins.any() || act_hi.pins.any() {
            return Err(GrantError::Eagain);
        }
        let size = self.version().entry_size();
        let mut ea = [0u8; 16];
        let mut eb = [0u8; 16];
        let err = |_| GrantError::GeneralError;
        mem.read(ha.mfn, ha.offset, &mut ea[..size]).map_err(err)?;
        mem.read(hb.mfn, hb.offset, &mut eb[..size]).map_err(err)?;
        mem.write(ha.mfn, ha.offset, &eb[..size]).map_err(err)?;
        mem.write(hb.mfn, hb.offset, &ea[..size]).map_err(err)?;
        if let (Some(sa), Some(sb), Version::V2) = (self.status(a), self.status(b), self.version())
        {
            let va = mem.load::<u16>(sa.mfn, sa.offset).map_err(err)?;
            let vb = mem.load::<u16>(sb.mfn, sb.offset).map_err(err)?;
            mem.store::<u16>(sa.mfn, sa.offset, vb).map_err(err)?;
            mem.store::<u16>(sb.mfn, sb.offset, va).map_err(err)?;
        }
        Ok(())
    }

    /// Frees every frame of the table (domain destruction, after its
    /// grants were unmapped everywhere). Frames `world` reports as still
    /// referenced stay allocated and the call answers `-EBUSY`; it can be
    /// repeated.
    pub fn teardown<W: GrantWorld>(&self, world: &W) -> Result<(), Errno> {
        let _g = self.resize.lock();
        let all = self.lock_all();
        let shared = self.shared_frames();
        let status = self.status_frames();
        // No entry is reachable from here on.
        self.nr_shared.store(0, Ordering::Release);
        self.nr_status.store(0, Ordering::Release);
        let mut busy = false;
        for (list, slots, count) in [
            (shared, &self.shared, &self.nr_shared),
            (status, &self.status, &self.nr_status),
        ] {
            let mut kept = 0;
            for mfn in list {
                if world.unshare_frame(self.owner, mfn) {
                    let _ = world.memory().free_frame(mfn);
                } else {
                    // Keep it listed (and shared) so a later call retries.
                    slots[kept].store(mfn.0, Ordering::Release);
                    kept += 1;
                    busy = true;
                }
            }
            count.store(kept as u32, Ordering::Release);
        }
        drop(all);
        if busy {
            Err(Errno::Busy)
        } else {
            Ok(())
        }
    }
}

fn read_hdr<M: FrameMemory>(mem: &M, hdr: EntryLoc) -> Result<Header, Errno> {
    crate::protocol::read_header(mem, hdr).map_err(|_| Errno::Inval)
}

/// The reserved entries in v1 form (v2 use bits folded into the flags).
type Reserved = [(u16, u16, u64); GNTTAB_NR_RESERVED_ENTRIES as usize];

fn save_reserved<M: FrameMemory>(mem: &M, st: &GrantTable) -> Result<Reserved, Errno> {
    let mut out: Reserved = [(0, 0, 0); GNTTAB_NR_RESERVED_ENTRIES as usize];
    for (r, slot) in out.iter_mut().enumerate() {
        let r = r as u32;
        let hdr = st.header(r).ok_or(Errno::Inval)?;
        let h = read_hdr(mem, hdr)?;
        let frame = st.frame(mem, hdr).map_err(|_| Errno::Inval)?;
        *slot = match st.version() {
            Version::V1 => (h.flags, h.domid.0, frame),
            Version::V2 if h.flags & GTF_TYPE_MASK == GTF_PERMIT_ACCESS => {
                let s = st.status(r).ok_or(Errno::Inval)?;
                let bits = mem.load::<u16>(s.mfn, s.offset).map_err(|_| Errno::Inval)?;
                (h.flags | bits, h.domid.0, frame)
            }
            Version::V2 => (0, 0, 0),
        };
    }
    Ok(out)
}

fn restore_reserved<M: FrameMemory>(
    mem: &M,
    st: &GrantTable,
    saved: &Reserved,
) -> Result<(), Errno> {
    let err = |_| Errno::Inval;
    for (r, &(flags, domid, frame)) in saved.iter().enumerate() {
        let r = r as u32;
        let hdr = st.header(r).ok_or(Errno::Inval)?;
        match st.version() {
            Version::V1 => {
                mem.store::<u32>(hdr.mfn, hdr.offset + 4, frame as u32)
                    .map_err(err)?;
                let h = Header {
                    flags,
                    domid: DomId(domid),
                };
                mem.store::<u32>(hdr.mfn, hdr.offset, h.to_raw())
                    .map_err(err)?;
            }
            Version::V2 => {
                let s = st.status(r).ok_or(Errno::Inval)?;
                mem.store::<u16>(s.mfn, s.offset, flags & (GTF_READING | GTF_WRITING))
                    .map_err(err)?;
                mem.store::<u64>(hdr.mfn, hdr.offset + 8, frame)
                    .map_err(err)?;
                let h = Header {
                    flags: flags & !(GTF_READING | GTF_WRITING),
                    domid: DomId(domid),
                };
                mem.store::<u32>(hdr.mfn, hdr.offset, h.to_raw())
                    .map_err(err)?;
            }
        }
    }
    Ok(())
}

/// `GNTTABOP_setup_table`: `dom` may be `DOMID_SELF`.
pub fn setup_table<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    dom: DomId,
    nr_frames: u32,
) -> Result<Vec<u64>, GrantError> {
    let d = world
        .domain(caller.resolve(dom))
        .ok_or(GrantError::BadDomain)?;
    if !world.policy().setup(caller.domain, &d) {
        return Err(GrantError::PermissionDenied);
    }
    d.table.setup(world, nr_frames)
}

/// `GNTTABOP_query_size`: current and maximum frames of `dom`'s table.
pub fn query_size<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    dom: DomId,
) -> Result<(u32, u32), GrantError> {
    let d = world
        .domain(caller.resolve(dom))
        .ok_or(GrantError::BadDomain)?;
    if !world.policy().query(caller.domain, &d) {
        return Err(GrantError::PermissionDenied);
    }
    Ok(d.table.size())
}

/// `GNTTABOP_get_status_frames`: frame numbers of `dom`'s status frames.
pub fn get_status_frames<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    dom: DomId,
    nr_frames: u32,
) -> Result<Vec<u64>, GrantError> {
    let d = world
        .domain(caller.resolve(dom))
        .ok_or(GrantError::BadDomain)?;
    if !world.policy().setup(caller.domain, &d) {
        return Err(GrantError::PermissionDenied);
    }
    d.table.get_status_frames(world, nr_frames)
}

/// `GNTTABOP_get_version`: `-ESRCH` for an unknown domain, `-EPERM` when
/// the policy refuses.
pub fn get_version<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    dom: DomId,
) -> Result<u32, Errno> {
    let d = world.domain(caller.resolve(dom)).ok_or(Errno::Srch)?;
    if !world.policy().query(caller.domain, &d) {
        return Err(Errno::Perm);
    }
    Ok(d.table.version() as u32)
}
