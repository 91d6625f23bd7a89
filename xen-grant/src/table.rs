//! A domain's grant table as granter: the shared frames the guest writes
//! its grants into, the v2 status frames, the active entries shadowing
//! pinned grants, and the table-wide operations (`setup_table`,
//! `query_size`, `set_version`, `get_status_frames`, `get_version`,
//! `swap_grant_ref`, frame lookup for `add_to_physmap`).
//!
//! # Locking
//! The table metadata (version, frame lists, active-entry chunks) sits in a
//! [`Replicated`] lock: operations on entries read-lock one slot; growing,
//! changing version and swapping write-lock them all. Each active entry has
//! its own spin lock, taken only while the table is read-locked (or
//! write-locked, for version checks and swaps). See the crate docs for the
//! whole lock order.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use spin::{Mutex, RwLockReadGuard};
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
use crate::replica::{Replicated, WriteAll};
use crate::world::{GrantPolicy, GrantWorld};

/// Reader slots of each table lock.
pub(crate) const READER_SLOTS: usize = 8;

/// A grant table layout version (xen-abi's `GrantTableVersion`).
pub use crate::abi::GrantTableVersion as Version;
pub use crate::abi::{
    status_frames_for, GRANT_ENTRIES_PER_FRAME_V1 as V1_ENTRIES_PER_FRAME,
    GRANT_ENTRIES_PER_FRAME_V2 as V2_ENTRIES_PER_FRAME,
    GRANT_STATUS_PER_FRAME as STATUS_ENTRIES_PER_FRAME,
};

/// One active entry per v1 entry of a shared frame.
pub(crate) type ActiveChunk = Arc<[Mutex<ActiveEntry>]>;

fn new_chunk() -> ActiveChunk {
    (0..V1_ENTRIES_PER_FRAME)
        .map(|_| Mutex::new(ActiveEntry::default()))
        .collect()
}

/// Table metadata, replicated per reader slot.
#[derive(Clone)]
pub(crate) struct TableState {
    pub version: Version,
    pub shared: Vec<Mfn>,
    pub status: Vec<Mfn>,
    pub active: Vec<ActiveChunk>,
}

impl TableState {
    /// Entries the current version offers (`nr_grant_entries`).
    pub(crate) fn nr_entries(&self) -> u32 {
        self.shared.len() as u32 * self.version.entries_per_frame()
    }

    /// The active entry of `gref`, for any `gref` the active array covers
    /// (which includes every in-range reference of either version).
    pub(crate) fn active(&self, gref: u32) -> Option<&Mutex<ActiveEntry>> {
        let chunk = self.active.get((gref / V1_ENTRIES_PER_FRAME) as usize)?;
        chunk.get((gref % V1_ENTRIES_PER_FRAME) as usize)
    }

    /// Where entry `gref`'s header lives, if in range.
    pub(crate) fn header(&self, gref: u32) -> Option<EntryLoc> {
        if gref >= self.nr_entries() {
            return None;
        }
        let per = self.version.entries_per_frame();
        Some(EntryLoc {
            mfn: self.shared[(gref / per) as usize],
            offset: (gref % per) as usize * self.version.entry_size(),
        })
    }

    /// Where entry `gref`'s use bits live: the header flags in v1, the
    /// status word in v2.
    pub(crate) fn status(&self, gref: u32) -> Option<EntryLoc> {
        match self.version {
            Version::V1 => self.header(gref),
            Version::V2 => {
                if gref >= self.nr_entries() {
                    return None;
                }
                let mfn = *self.status.get((gref / STATUS_ENTRIES_PER_FRAME) as usize)?;
                Some(EntryLoc {
                    mfn,
                    offset: (gref % STATUS_ENTRIES_PER_FRAME) as usize * 2,
                })
            }
        }
    }

    /// Byte `off` of entry `gref` (which must be in range).
    fn field(&self, hdr: EntryLoc, off: usize) -> (Mfn, usize) {
        (hdr.mfn, hdr.offset + off)
    }

    /// The frame number a full-page grant names (v1 `frame`, v2
    /// `full_page.frame`).
    pub(crate) fn frame<M: FrameMemory>(&self, mem: &M, hdr: EntryLoc) -> Result<u64, GrantError> {
        let r = match self.version {
            Version::V1 => {
                let (m, o) = self.field(hdr, 4);
                mem.load::<u32>(m, o).map(u64::from)
            }
            Version::V2 => {
                let (m, o) = self.field(hdr, 8);
                mem.load::<u64>(m, o)
            }
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
        let (m, o) = self.field(hdr, 4);
        let w = mem.load::<u32>(m, o).map_err(|_| GrantError::GeneralError)?;
        Ok((w as u16, (w >> 16) as u16))
    }

    /// The v2 `transitive.gref` word at offset 8.
    pub(crate) fn v2_trans_gref<M: FrameMemory>(
        &self,
        mem: &M,
        hdr: EntryLoc,
    ) -> Result<u32, GrantError> {
        let (m, o) = self.field(hdr, 8);
        mem.load::<u32>(m, o).map_err(|_| GrantError::GeneralError)
    }
}

/// A domain's grant table.
pub struct GrantTable {
    owner: DomId,
    state: Replicated<TableState>,
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

impl GrantTable {
    pub(crate) fn new<W: GrantWorld>(
        world: &W,
        owner: DomId,
        opts: &GrantOptions,
    ) -> Result<Self, Errno> {
        let mut new = NewFrames {
            world,
            frames: Vec::new(),
        };
        new.alloc(INITIAL_GRANT_FRAMES)?;
        let shared = new.keep();
        for &mfn in &shared {
            world.share_frame(owner, mfn);
        }
        let active = shared.iter().map(|_| new_chunk()).collect();
        let state = TableState {
            version: Version::V1,
            shared,
            status: Vec::new(),
            active,
        };
        Ok(Self {
            owner,
            state: Replicated::new(state, READER_SLOTS),
            nr_v2_ops: AtomicU32::new(0),
            max_frames: opts.max_grant_frames,
            max_version: opts.max_version,
        })
    }

    /// Read access to the metadata through the slot for `caller`.
    pub(crate) fn read(&self, caller: &Caller<'_>) -> RwLockReadGuard<'_, TableState> {
        let hint = (caller.vcpu as usize).wrapping_add(caller.id().0 as usize * 3);
        self.state.read(hint)
    }

    /// The owning domain.
    pub fn owner(&self) -> DomId {
        self.owner
    }

    /// The current layout version.
    pub fn version(&self) -> Version {
        self.state.read(0).version
    }

    /// Current and maximum size in frames (`query_size`).
    pub fn size(&self) -> (u32, u32) {
        (self.state.read(0).shared.len() as u32, self.max_frames)
    }

    /// Entries the current version offers.
    pub fn nr_entries(&self) -> u32 {
        self.state.read(0).nr_entries()
    }

    /// The shared frames, in table order.
    pub fn shared_frames(&self) -> Vec<Mfn> {
        self.state.read(0).shared.clone()
    }

    /// The status frames (empty in v1).
    pub fn status_frames(&self) -> Vec<Mfn> {
        self.state.read(0).status.clone()
    }

    /// Whether any entry is pinned (mapped or in a copy).
    pub fn any_pinned(&self) -> bool {
        let st = self.state.read(0);
        (0..st.active.len() as u32 * V1_ENTRIES_PER_FRAME)
            .any(|r| st.active(r).is_some_and(|a| a.lock().pins.any()))
    }

    /// Grows to `frames` shared frames (and the matching status frames in
    /// v2). Frames are shared with the owner only once all allocations
    /// succeeded.
    fn grow<W: GrantWorld>(
        &self,
        world: &W,
        w: &mut WriteAll<'_, TableState>,
        frames: u32,
    ) -> Result<(), Errno> {
        let st = w.get();
        let have = st.shared.len() as u32;
        let frames = frames.max(INITIAL_GRANT_FRAMES).min(self.max_frames);
        let want_status = match st.version {
            Version::V1 => 0,
            Version::V2 => status_frames_for(frames.max(have)),
        };
        let mut shared = NewFrames {
            world,
            frames: Vec::new(),
        };
        shared.alloc(frames.saturating_sub(have))?;
        let mut status = NewFrames {
            world,
            frames: Vec::new(),
        };
        status.alloc(want_status.saturating_sub(st.status.len() as u32))?;
        let shared = shared.keep();
        let status = status.keep();
        for &mfn in shared.iter().chain(&status) {
            world.share_frame(self.owner, mfn);
        }
        let chunks: Vec<ActiveChunk> = shared.iter().map(|_| new_chunk()).collect();
        w.update(|st| {
            st.shared.extend_from_slice(&shared);
            st.status.extend_from_slice(&status);
            st.active.extend(chunks.iter().cloned());
        });
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
        let mut w = self.state.write();
        if nr_frames > self.max_frames {
            return Err(GrantError::GeneralError);
        }
        let st = w.get();
        let short = nr_frames > st.shared.len() as u32
            || (st.version == Version::V2
                && status_frames_for(nr_frames) > st.status.len() as u32);
        if short && self.grow(world, &mut w, nr_frames).is_err() {
            return Err(GrantError::GeneralError);
        }
        let st = w.get();
        Ok(st.shared[..nr_frames as usize]
            .iter()
            .map(|&mfn| world.frame_number(self.owner, mfn))
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
        let st = self.state.read(0);
        if nr_frames as usize > st.status.len() {
            return Err(GrantError::GeneralError);
        }
        Ok(st.status[..nr_frames as usize]
            .iter()
            .map(|&mfn| world.frame_number(self.owner, mfn))
            .collect())
    }

    /// The frame for `add_to_physmap(XENMAPSPACE_grant_table, idx)` or a
    /// grant-table resource: shared frame `idx`, or status frame `idx` with
    /// [`XENMAPIDX_GRANT_TABLE_STATUS`] set (v2 only); grows the table when
    /// `idx` is within its limit (Xen's `gnttab_map_frame`).
    pub fn map_frame<W: GrantWorld>(&self, world: &W, idx: u64) -> Result<Mfn, Errno> {
        let mut w = self.state.write();
        let v2 = w.get().version == Version::V2;
        if v2 && idx & XENMAPIDX_GRANT_TABLE_STATUS != 0 {
            let idx = idx & !XENMAPIDX_GRANT_TABLE_STATUS;
            if idx >= w.get().status.len() as u64 {
                let grant_frames = (idx + 1) * u64::from(STATUS_ENTRIES_PER_FRAME)
                    / u64::from(V2_ENTRIES_PER_FRAME);
                if grant_frames <= u64::from(self.max_frames) {
                    self.grow(world, &mut w, grant_frames as u32)?;
                }
            }
            w.get().status.get(idx as usize).copied().ok_or(Errno::Inval)
        } else {
            if idx >= w.get().shared.len() as u64 && idx < u64::from(self.max_frames) {
                self.grow(world, &mut w, idx as u32 + 1)?;
            }
            w.get().shared.get(idx as usize).copied().ok_or(Errno::Inval)
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
        let mut w = self.state.write();
        let st = w.get();
        let old = st.version;
        if old == new {
            return Ok(());
        }
        // Only the reserved entries may stay in use across a switch.
        for r in GNTTAB_NR_RESERVED_ENTRIES..st.nr_entries() {
            if st.active(r).is_some_and(|a| a.lock().pins.any()) {
                return Err(Errno::Busy);
            }
        }
        let mut new_status = NewFrames {
            world,
            frames: Vec::new(),
        };
        match old {
            Version::V1 => new_status.alloc(status_frames_for(st.shared.len() as u32))?,
            Version::V2 => {
                if self.nr_v2_ops.load(Ordering::Acquire) != 0 {
                    return Err(Errno::Again);
                }
                for r in 0..GNTTAB_NR_RESERVED_ENTRIES {
                    let hdr = st.header(r).ok_or(Errno::Inval)?;
                    let h = read_hdr(mem, hdr)?;
                    match h.flags & GTF_TYPE_MASK {
                        GTF_PERMIT_ACCESS if st.frame(mem, hdr).map_err(|_| Errno::Inval)? >> 32 != 0 => {
                            return Err(Errno::Range)
                        }
                        GTF_TRANSITIVE => return Err(Errno::Range),
                        _ => {}
                    }
                }
            }
        }
        let reserved = save_reserved(mem, st)?;
        if old == Version::V2 {
            // XSA-255/379/384: status frames the guest still maps stay.
            let status = st.status.clone();
            for (i, &mfn) in status.iter().enumerate() {
                if !world.unshare_frame(self.owner, mfn) {
                    for &done in &status[..i] {
                        world.share_frame(self.owner, done);
                    }
                    return Err(Errno::Busy);
                }
            }
        }
        let new_status = new_status.keep();
        for &mfn in &new_status {
            world.share_frame(self.owner, mfn);
        }
        let old_status = st.status.clone();
        for &mfn in &st.shared {
            mem.fill(mfn, 0, PAGE_SIZE, 0).map_err(|_| Errno::Inval)?;
        }
        w.update(|st| {
            st.version = new;
            st.status = new_status.clone();
        });
        restore_reserved(mem, w.get(), &reserved)?;
        for mfn in old_status {
            let _ = mem.free_frame(mfn);
        }
        Ok(())
    }

    /// `GNTTABOP_swap_grant_ref` for the owner: exchanges two unpinned
    /// entries (and their status words).
    pub fn swap<W: GrantWorld>(&self, world: &W, a: u32, b: u32) -> Result<(), GrantError> {
        let mem = world.memory();
        let w = self.state.write();
        let st = w.get();
        let (ha, hb) = match (st.header(a), st.header(b)) {
            (Some(ha), Some(hb)) => (ha, hb),
            _ => return Err(GrantError::BadGntref),
        };
        if a == b {
            return Ok(());
        }
        let (act_a, act_b) = match (st.active(a), st.active(b)) {
            (Some(x), Some(y)) => (x.lock(), y.lock()),
            _ => return Err(GrantError::BadGntref),
        };
        if act_a.pins.any() || act_b.pins.any() {
            return Err(GrantError::Eagain);
        }
        let size = st.version.entry_size();
        let mut ea = [0u8; 16];
        let mut eb = [0u8; 16];
        let err = |_| GrantError::GeneralError;
        mem.read(ha.mfn, ha.offset, &mut ea[..size]).map_err(err)?;
        mem.read(hb.mfn, hb.offset, &mut eb[..size]).map_err(err)?;
        mem.write(ha.mfn, ha.offset, &eb[..size]).map_err(err)?;
        mem.write(hb.mfn, hb.offset, &ea[..size]).map_err(err)?;
        if let (Some(sa), Some(sb), Version::V2) = (st.status(a), st.status(b), st.version) {
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
        let mut w = self.state.write();
        let st = w.get();
        let mut keep_shared = Vec::new();
        let mut keep_status = Vec::new();
        for (list, keep) in [(&st.shared, &mut keep_shared), (&st.status, &mut keep_status)] {
            for &mfn in list {
                if world.unshare_frame(self.owner, mfn) {
                    let _ = world.memory().free_frame(mfn);
                } else {
                    keep.push(mfn);
                }
            }
        }
        let busy = !keep_shared.is_empty() || !keep_status.is_empty();
        w.update(|st| {
            st.shared = keep_shared.clone();
            st.status = keep_status.clone();
            st.active.truncate(st.shared.len());
        });
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

fn save_reserved<M: FrameMemory>(mem: &M, st: &TableState) -> Result<Reserved, Errno> {
    let mut out: Reserved = [(0, 0, 0); GNTTAB_NR_RESERVED_ENTRIES as usize];
    for (r, slot) in out.iter_mut().enumerate() {
        let r = r as u32;
        let hdr = st.header(r).ok_or(Errno::Inval)?;
        let h = read_hdr(mem, hdr)?;
        let frame = st.frame(mem, hdr).map_err(|_| Errno::Inval)?;
        *slot = match st.version {
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
    st: &TableState,
    saved: &Reserved,
) -> Result<(), Errno> {
    let err = |_| Errno::Inval;
    for (r, &(flags, domid, frame)) in saved.iter().enumerate() {
        let r = r as u32;
        let hdr = st.header(r).ok_or(Errno::Inval)?;
        match st.version {
            Version::V1 => {
                mem.store::<u32>(hdr.mfn, hdr.offset + 4, frame as u32).map_err(err)?;
                let h = Header { flags, domid: DomId(domid) };
                mem.store::<u32>(hdr.mfn, hdr.offset, h.to_raw()).map_err(err)?;
            }
            Version::V2 => {
                let s = st.status(r).ok_or(Errno::Inval)?;
                mem.store::<u16>(s.mfn, s.offset, flags & (GTF_READING | GTF_WRITING))
                    .map_err(err)?;
                mem.store::<u64>(hdr.mfn, hdr.offset + 8, frame).map_err(err)?;
                let h = Header {
                    flags: flags & !(GTF_READING | GTF_WRITING),
                    domid: DomId(domid),
                };
                mem.store::<u32>(hdr.mfn, hdr.offset, h.to_raw()).map_err(err)?;
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
pub fn get_version<W: GrantWorld>(world: &W, caller: &Caller<'_>, dom: DomId) -> Result<u32, Errno> {
    let d = world.domain(caller.resolve(dom)).ok_or(Errno::Srch)?;
    if !world.policy().query(caller.domain, &d) {
        return Err(Errno::Perm);
    }
    Ok(d.table.version() as u32)
}
