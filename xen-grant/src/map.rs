//! `map_grant_ref`, `unmap_grant_ref` and `unmap_and_replace`.
//!
//! Mapping pins the granter's active entry, marks the shared entry in use,
//! takes page references, asks the world to install the mapping and finally
//! publishes a maptrack handle. Unmapping is split like Xen's: the first
//! step removes the mapping and retires the handle; the returned
//! [`PendingUnmap`] must be completed after the mapper's TLBs are flushed,
//! and only then are pins, use bits and page references dropped, so the
//! granter cannot revoke or reuse a frame the mapper may still reach
//! through a stale TLB entry.

use xen_abi::{DomId, GrantRef};
use xen_mem::Mfn;

use crate::abi::{
    GNTMAP_APPLICATION_MAP, GNTMAP_CONTAINS_PTE, GNTMAP_DEVICE_MAP, GNTMAP_HOST_MAP,
    GNTMAP_READONLY,
};
use crate::active::{ActiveEntry, PinIncr};
use crate::domain::{Caller, GrantDomain};
use crate::error::GrantError;
use crate::maptrack::MapRecord;
use crate::protocol::{self, EntryLoc};
use crate::table::{GrantTable, Version};
use crate::world::{GrantPolicy, GrantWorld};

/// The `GNTMAP_*` bits a maptrack entry keeps.
const KEPT_FLAGS: u32 = 0x1f;

/// A `GNTTABOP_map_grant_ref` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapRequest {
    /// Where to map (see [`GrantWorld::create_host_mapping`]).
    pub host_addr: u64,
    /// `GNTMAP_*` flags.
    pub flags: u32,
    /// The grant reference.
    pub gref: GrantRef,
    /// The granting domain.
    pub dom: DomId,
}

/// A successful mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The maptrack handle to unmap it with.
    pub handle: u32,
    /// The machine frame mapped.
    pub mfn: Mfn,
}

impl Mapping {
    /// The bus address reported in `dev_bus_addr`.
    pub fn dev_bus_addr(&self) -> u64 {
        self.mfn.0 << 12
    }
}

/// An `unmap_grant_ref` / `unmap_and_replace` request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnmapRequest {
    /// Host mapping to remove (0: keep it).
    pub host_addr: u64,
    /// Device mapping to remove (0: keep it); must match the grant's frame.
    pub dev_bus_addr: u64,
    /// The handle `map` returned.
    pub handle: u32,
    /// `unmap_and_replace`: the mapping at this address moves to `host_addr`.
    pub new_addr: u64,
}

/// Pins to find the active entry of `gref` and its status location again
/// after the table lock was dropped (the version may have changed: after a
/// switch only reserved entries keep their status).
fn status_after_relock(st: &GrantTable, gref: u32, before: Version) -> Option<EntryLoc> {
    if st.version() == before || gref < crate::abi::GNTTAB_NR_RESERVED_ENTRIES {
        st.status(gref)
    } else {
        None
    }
}

/// Drops `incr` from an active entry and the use bits it no longer needs
/// (`reduce_status_for_pin`), in one critical section (XSA-218/230).
pub(crate) fn unpin<W: GrantWorld>(
    world: &W,
    act: &mut ActiveEntry,
    incr: PinIncr,
    status: Option<EntryLoc>,
) {
    act.pins.remove(incr);
    reduce_status(world, act, status, incr.readonly);
}

/// Clears `GTF_reading` once nothing is pinned and `GTF_writing` once no
/// writable pin is left (only the latter can change for a writable drop).
pub(crate) fn reduce_status<W: GrantWorld>(
    world: &W,
    act: &ActiveEntry,
    status: Option<EntryLoc>,
    readonly: bool,
) {
    let Some(status) = status else { return };
    let mut clear = if act.pins.any() {
        0
    } else {
        crate::abi::GTF_READING
    };
    if !readonly && !act.pins.writable() {
        clear |= crate::abi::GTF_WRITING;
    }
    if clear != 0 {
        protocol::clear_status(world.memory(), status, clear);
    }
}

/// Marks entry `gref` in use for `grantee` (v1 or v2 protocol).
pub(crate) fn set_status<W: GrantWorld>(
    world: &W,
    st: &GrantTable,
    gref: u32,
    pinned: bool,
    readonly: bool,
    map: bool,
    grantee: DomId,
) -> Result<(), GrantError> {
    let hdr = st.header(gref).ok_or(GrantError::BadGntref)?;
    match st.version() {
        Version::V1 => protocol::set_status_v1(world.memory(), hdr, pinned, readonly, map, grantee),
        Version::V2 => {
            let status = st.status(gref).ok_or(GrantError::GeneralError)?;
            protocol::set_status_v2(world.memory(), hdr, status, pinned, readonly, map, grantee)
        }
    }
}

/// References a mapping holds, for undoing a failed map.
#[derive(Default)]
struct Held {
    refs: u32,
    types: u32,
}

impl Held {
    fn release<W: GrantWorld>(&mut self, world: &W, mfn: Mfn) {
        for _ in 0..core::mem::take(&mut self.types) {
            world.put_page_writable(mfn);
        }
        for _ in 0..core::mem::take(&mut self.refs) {
            world.put_page(mfn);
        }
    }
}

/// Whether a host mapping with these flags needs a writable type reference
/// (x86: writable, and the granter is PV or maps its own page).
fn host_needs_type(readonly: bool, mapper: &GrantDomain, granter: &GrantDomain) -> bool {
    !readonly && (mapper.id() == granter.id() || !granter.config().translated)
}

/// `GNTTABOP_map_grant_ref` for one request.
pub fn map_grant_ref<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    req: &MapRequest,
) -> Result<Mapping, GrantError> {
    let ld = caller.domain;
    let incr = PinIncr::for_map(req.flags).ok_or(GrantError::BadGntref)?;
    if ld.config().translated
        && req.flags & (GNTMAP_DEVICE_MAP | GNTMAP_APPLICATION_MAP | GNTMAP_CONTAINS_PTE) != 0
    {
        return Err(GrantError::GeneralError);
    }
    let rd = world.domain(req.dom).ok_or(GrantError::BadDomain)?;
    if !world.policy().map(ld, &rd, req.flags) {
        return Err(GrantError::PermissionDenied);
    }
    let handle = ld
        .maptrack
        .get_handle(caller.vcpu)
        .ok_or(GrantError::NoSpace)?;
    let result = map_with_handle(world, caller, &rd, req, incr, handle);
    if result.is_err() {
        ld.maptrack.put_handle(handle);
    }
    result
}

fn map_with_handle<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    rd: &GrantDomain,
    req: &MapRequest,
    incr: PinIncr,
    handle: u32,
) -> Result<Mapping, GrantError> {
    let ld = caller.domain;
    let gref = req.gref.0;
    let readonly = incr.readonly;
    let mut held = Held::default();

    // Pin the active entry; its lock keeps the table's version and frames.
    let (mfn, version) = {
        let st = rd.table.read(caller);
        let act_lock = st.active(gref).ok_or(GrantError::BadGntref)?;
        let mut act = act_lock.lock();
        let Some(hdr) = st.header(gref) else {
            return Err(GrantError::BadGntref);
        };
        let pinned = act.pins.any();
        if pinned && (act.domid != ld.id() || act.pins.would_overflow(incr) || act.is_sub_page) {
            return Err(GrantError::GeneralError);
        }
        if !pinned || (!readonly && !act.pins.writable()) {
            set_status(world, st, gref, pinned, readonly, true, ld.id())?;
            if !pinned {
                let acquired = st.frame(world.memory(), hdr).and_then(|gfn| {
                    world
                        .get_frame(rd.id(), xen_mem::Gfn(gfn), readonly)
                        .map_err(GrantError::from)
                });
                match acquired {
                    Ok(mfn) => {
                        held.refs = 1;
                        *act = ActiveEntry {
                            pins: act.pins,
                            domid: ld.id(),
                            src_domid: rd.id(),
                            trans_gref: gref,
                            mfn,
                            start: 0,
                            length: xen_mem::PAGE_SIZE as u16,
                            is_sub_page: false,
                        };
                    }
                    Err(e) => {
                        reduce_status(world, &act, st.status(gref), readonly);
                        return Err(e);
                    }
                }
            }
        }
        act.pins.add(incr);
        (act.mfn, st.version())
    };

    let outcome = take_refs_and_map(world, ld, rd, req, incr, mfn, &mut held);
    match outcome {
        Ok(()) => {
            let rec = MapRecord {
                flags: (req.flags & KEPT_FLAGS) as u16,
                domid: rd.id(),
                gref,
            };
            if let Some(e) = ld.maptrack.entry(handle) {
                e.publish(rec);
            }
            Ok(Mapping { handle, mfn })
        }
        Err(e) => {
            held.release(world, mfn);
            let st = rd.table.read(caller);
            if let Some(act_lock) = st.active(gref) {
                let mut act = act_lock.lock();
                unpin(
                    world,
                    &mut act,
                    incr,
                    status_after_relock(st, gref, version),
                );
            }
            Err(e)
        }
    }
}

/// Takes the page references a mapping holds and installs the host mapping.
#[allow(clippy::too_many_arguments)]
fn take_refs_and_map<W: GrantWorld>(
    world: &W,
    ld: &GrantDomain,
    rd: &GrantDomain,
    req: &MapRequest,
    incr: PinIncr,
    mfn: Mfn,
    held: &mut Held,
) -> Result<(), GrantError> {
    // The first pin brought a reference along; otherwise take one now.
    if held.refs == 0 {
        if !world.get_page(rd.id(), mfn) {
            return Err(GrantError::GeneralError);
        }
        held.refs = 1;
    }
    if incr.device && !incr.readonly {
        if !world.get_page_writable(rd.id(), mfn) {
            return Err(GrantError::GeneralError);
        }
        held.types += 1;
    }
    if incr.host {
        if incr.device {
            if !world.get_page(rd.id(), mfn) {
                return Err(GrantError::GeneralError);
            }
            held.refs += 1;
        }
        if host_needs_type(incr.readonly, ld, rd) {
            if !world.get_page_writable(rd.id(), mfn) {
                return Err(GrantError::GeneralError);
            }
            held.types += 1;
        }
        // Cache attributes from the entry apply to I/O memory grants only
        // (as in Xen), which this engine does not offer: RAM gets none.
        world.create_host_mapping(ld.id(), req.host_addr, mfn, req.flags, 0)?;
    }
    Ok(())
}

/// The second half of an unmap, due once the mapper's TLBs are flushed.
///
/// Dropping it without [`complete`](Self::complete) leaves the grant pinned
/// and its page referenced for good.
#[must_use = "flush the mapper's TLB, then call complete()"]
#[derive(Debug)]
pub struct PendingUnmap {
    rd: DomId,
    gref: u32,
    mfn: Mfn,
    version: Version,
    host: bool,
    device: bool,
    readonly: bool,
    host_type: bool,
}

impl PendingUnmap {
    /// Whether anything was unmapped (if not, completing is a no-op).
    pub fn is_empty(&self) -> bool {
        !self.host && !self.device
    }

    /// The frame that was unmapped.
    pub fn mfn(&self) -> Mfn {
        self.mfn
    }

    /// Drops the pins, use bits and page references of the removed
    /// mappings (Xen's `unmap_common_complete`). Call after flushing the
    /// mapper's TLBs.
    pub fn complete<W: GrantWorld>(self, world: &W, caller: &Caller<'_>) {
        if self.is_empty() {
            return;
        }
        if self.device {
            if !self.readonly {
                world.put_page_writable(self.mfn);
            }
            world.put_page(self.mfn);
        }
        if self.host {
            if self.host_type {
                world.put_page_writable(self.mfn);
            }
            world.put_page(self.mfn);
        }
        let Some(rd) = world.domain(self.rd) else {
            return;
        };
        let st = rd.table.read(caller);
        let Some(act_lock) = st.active(self.gref) else {
            return;
        };
        let mut act = act_lock.lock();
        let status = status_after_relock(st, self.gref, self.version);
        for (on, device) in [(self.device, true), (self.host, false)] {
            if on {
                let incr = PinIncr {
                    host: !device,
                    device,
                    readonly: self.readonly,
                };
                act.pins.remove(incr);
            }
        }
        reduce_status(world, &act, status, self.readonly);
    }
}

/// `GNTTABOP_unmap_grant_ref` (and, with `new_addr`, `unmap_and_replace`)
/// for one request: removes the mappings named and retires the handle once
/// none is left.
pub fn unmap_grant_ref<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    req: &UnmapRequest,
) -> Result<PendingUnmap, GrantError> {
    let ld = caller.domain;
    let entry = ld.maptrack.entry(req.handle).ok_or(GrantError::BadHandle)?;
    let first = entry.load().ok_or(GrantError::BadHandle)?;
    let Some(rd) = world.domain(first.domid) else {
        // A grant of a vanished domain: the mapper misbehaved.
        world.crash_domain(ld.id());
        return Err(GrantError::GeneralError);
    };
    if !world.policy().unmap(ld, &rd) {
        return Err(GrantError::PermissionDenied);
    }
    let mut put_handle = false;
    let result = {
        let st = rd.table.read(caller);
        let act_lock = st.active(first.gref).ok_or(GrantError::BadHandle)?;
        let act = act_lock.lock();
        if first.gref >= st.nr_entries() {
            return Err(GrantError::BadHandle);
        }
        // Re-validate under the active-entry lock: a racing unmap may have
        // retired or reused the handle meanwhile (XSA-218).
        let rec = entry.load().ok_or(GrantError::BadHandle)?;
        if rec.domid != first.domid || rec.gref != first.gref {
            return Err(GrantError::BadHandle);
        }
        let flags = u32::from(rec.flags);
        let mfn = act.mfn;
        if req.dev_bus_addr != 0
            && flags & GNTMAP_DEVICE_MAP != 0
            && req.dev_bus_addr != mfn.0 << 12
        {
            return Err(GrantError::BadDevAddr);
        }
        let mut pending = PendingUnmap {
            rd: rd.id(),
            gref: rec.gref,
            mfn,
            version: st.version(),
            host: false,
            device: false,
            readonly: flags & GNTMAP_READONLY != 0,
            host_type: false,
        };
        let mut left = flags;
        if req.host_addr != 0 && flags & GNTMAP_HOST_MAP != 0 {
            world.replace_host_mapping(ld.id(), req.host_addr, mfn, req.new_addr, flags)?;
            left &= !GNTMAP_HOST_MAP;
            pending.host = true;
            pending.host_type = host_needs_type(pending.readonly, ld, &rd);
        }
        if req.dev_bus_addr != 0 && flags & GNTMAP_DEVICE_MAP != 0 {
            left &= !GNTMAP_DEVICE_MAP;
            pending.device = true;
        }
        let new = if left & (GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP) == 0 {
            put_handle = true;
            None
        } else {
            Some(MapRecord {
                flags: left as u16,
                ..rec
            })
        };
        if !pending.is_empty() && !entry.replace(rec, new) {
            // Every change to an in-use record is made under this
            // active-entry lock, so the record cannot have moved.
            debug_assert!(false, "maptrack record changed under its lock");
            put_handle = false;
        }
        drop(act);
        Ok(pending)
    };
    if put_handle {
        ld.maptrack.put_handle(req.handle);
    }
    if let Ok(p) = &result {
        if !p.readonly && !p.is_empty() {
            world.mark_dirty(rd.id(), p.mfn);
        }
    }
    result
}

/// Unmaps every mapping `mapper` holds, newest handle first, at most
/// `budget` handles per call (domain destruction, Xen's
/// `gnttab_release_mappings`; XSA-380: preemptible). Returns whether
/// handles remain to be visited; call again until it answers `false`. Host mappings are removed through the world, then the
/// mapper's TLB is flushed before the references are dropped.
pub fn release_mappings<W: GrantWorld>(world: &W, mapper: &GrantDomain, budget: usize) -> bool {
    let caller = Caller::new(mapper, 0);
    let mut handle = mapper.maptrack.release_cursor();
    let mut pending = alloc::vec::Vec::new();
    let mut visited = 0;
    while handle > 0 && visited < budget {
        handle -= 1;
        visited += 1;
        if let Some(p) = release_one(world, &caller, handle) {
            pending.push(p);
        }
    }
    mapper.maptrack.set_release_cursor(handle);
    world.flush_tlb(mapper.id());
    for p in pending {
        p.complete(world, &caller);
    }
    handle > 0
}

/// Force-unmaps one handle for domain destruction. Host mappings are not
/// edited: the mapper's address space is being torn down by the caller.
fn release_one<W: GrantWorld>(world: &W, caller: &Caller<'_>, handle: u32) -> Option<PendingUnmap> {
    let ld = caller.domain;
    let entry = ld.maptrack.entry(handle)?;
    let rec = entry.load()?;
    let rd = world.domain(rec.domid)?;
    let st = rd.table.read(caller);
    let act = st.active(rec.gref)?.lock();
    if !entry.replace(rec, None) {
        return None;
    }
    let flags = u32::from(rec.flags);
    let readonly = flags & GNTMAP_READONLY != 0;
    let pending = PendingUnmap {
        rd: rd.id(),
        gref: rec.gref,
        mfn: act.mfn,
        version: st.version(),
        host: flags & GNTMAP_HOST_MAP != 0,
        device: flags & GNTMAP_DEVICE_MAP != 0,
        readonly,
        host_type: host_needs_type(readonly, ld, &rd),
    };
    drop(act);
    let _ = st;
    ld.maptrack.put_handle(handle);
    Some(pending)
}
