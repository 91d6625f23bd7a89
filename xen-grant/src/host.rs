//! [`HostWorld`]: a complete [`GrantWorld`] on ordinary allocated memory,
//! for tests, benchmarks and simulators. Threads play vCPUs and hostile
//! guests.
//!
//! It models what the engine relies on and counts what must balance:
//! - machine memory is one [`HostMemory`]; every domain gets
//!   `guest_frames` pages at GFNs `0..guest_frames` in its p2m;
//! - each page has an owner and general/type reference counts in one
//!   atomic word, so references, stealing and assignment race correctly;
//! - each domain has a small "address space" of [`HOST_SLOTS`] page-sized
//!   slots (addresses `0x1000 * i`) holding installed grant mappings, like a
//!   last-level page table;
//! - grant-table frames can be "mapped by the guest" to model status frames
//!   still in use when the guest switches version.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use spin::{Mutex, Once};
use xen_abi::DomId;
use xen_mem::{FrameMemory, Gfn, HostMemory, Mfn, PAGE_SIZE};

use crate::abi::GNTMAP_READONLY;
use crate::domain::{DomainConfig, GrantDomain};
use crate::error::{Errno, GrantError};
use crate::world::{DefaultPolicy, FrameError, GrantPolicy, GrantWorld};

/// Domain ids the host world can hold (`0..MAX_DOMAINS`).
pub const MAX_DOMAINS: usize = 64;
/// Mapping slots per domain address space.
pub const HOST_SLOTS: usize = 1 << 16;

const P2M_PAGED_OUT: u64 = 1 << 63;
const SLOT_READONLY: u64 = 1 << 62;
const OWNER_SHIFT: u32 = 32;
const COUNT_MASK: u64 = 0xffff_ffff;

/// Per-page bookkeeping, one cache line each (vCPUs working on different
/// pages must not contend).
#[derive(Default)]
#[repr(align(64))]
struct PageInfo {
    /// Owner (domid + 1, 0 = none) in bits 32..48; general refs in 0..32.
    word: AtomicU64,
    /// Writable type references.
    types: AtomicU32,
    /// Owner + 1 of a grant-table frame shared with it.
    shared_with: AtomicU32,
    /// Mappings of a grant-table frame by its owner.
    guest_maps: AtomicU32,
}

/// One domain of the host world.
struct HostDomain {
    grant: GrantDomain,
    gone: AtomicBool,
    p2m: Box<[AtomicU64]>,
    slots: Box<[AtomicU64]>,
    tot_pages: AtomicU32,
    reserved: AtomicU32,
    max_pages: u32,
    /// TLB flushes, sharded by thread so parallel vCPUs do not contend.
    flushes: Box<[crate::padded::Padded<AtomicU64>]>,
}

const FLUSH_SHARDS: usize = 8;

std::thread_local! {
    static SHARD: usize = {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) as usize % FLUSH_SHARDS
    };
}

fn count_flush(d: &HostDomain) {
    let i = SHARD.with(|s| *s);
    d.flushes[i].fetch_add(1, Ordering::Relaxed);
}

/// A grant world on allocated memory.
pub struct HostWorld<P: GrantPolicy = DefaultPolicy> {
    mem: HostMemory,
    policy: P,
    domains: Box<[Once<Box<HostDomain>>]>,
    pages: Box<[PageInfo]>,
    crashed: Mutex<Vec<DomId>>,
}

impl HostWorld<DefaultPolicy> {
    /// A world of `frames` machine frames with Xen's default policy.
    pub fn new(frames: usize) -> Self {
        Self::with_policy(frames, DefaultPolicy)
    }
}

fn owner_of(word: u64) -> u32 {
    (word >> OWNER_SHIFT) as u32 & 0xffff
}

impl<P: GrantPolicy> HostWorld<P> {
    /// A world of `frames` machine frames deciding with `policy`.
    pub fn with_policy(frames: usize, policy: P) -> Self {
        Self {
            mem: HostMemory::new(frames),
            policy,
            domains: (0..MAX_DOMAINS).map(|_| Once::new()).collect(),
            pages: (0..frames).map(|_| PageInfo::default()).collect(),
            crashed: Mutex::new(Vec::new()),
        }
    }

    fn host_domain(&self, id: DomId) -> Option<&HostDomain> {
        self.domains.get(usize::from(id.0))?.get().map(|d| &**d)
    }

    fn page(&self, mfn: Mfn) -> Option<&PageInfo> {
        self.pages.get(usize::try_from(mfn.0).ok()?)
    }

    /// Creates domain `id` with `guest_frames` pages of RAM (GFN `i` backed
    /// by a fresh zeroed frame) and room for `guest_frames` more.
    ///
    /// # Panics
    /// If the id is taken or out of range or memory runs out (test setup).
    pub fn create_domain(
        &self,
        id: DomId,
        config: DomainConfig,
        guest_frames: u64,
    ) -> &GrantDomain {
        let slot = &self.domains[usize::from(id.0)];
        assert!(slot.get().is_none(), "domain {id:?} exists");
        let grant = GrantDomain::new(self, id, config).expect("grant table creation");
        let p2m: Box<[AtomicU64]> = (0..guest_frames * 2).map(|_| AtomicU64::new(0)).collect();
        for gfn in 0..guest_frames {
            let mfn = self.mem.alloc_frame().expect("guest memory");
            let p = self.page(mfn).expect("page info");
            p.word
                .store(u64::from(id.0 + 1) << OWNER_SHIFT, Ordering::Release);
            p2m[gfn as usize].store(mfn.0 + 1, Ordering::Release);
        }
        let d = slot.call_once(|| {
            Box::new(HostDomain {
                grant,
                gone: AtomicBool::new(false),
                p2m,
                slots: (0..HOST_SLOTS).map(|_| AtomicU64::new(0)).collect(),
                tot_pages: AtomicU32::new(guest_frames as u32),
                reserved: AtomicU32::new(0),
                max_pages: (guest_frames * 2) as u32,
                flushes: (0..FLUSH_SHARDS)
                    .map(|_| crate::padded::Padded(AtomicU64::new(0)))
                    .collect(),
            })
        });
        &d.grant
    }

    /// The machine memory.
    pub fn host_memory(&self) -> &HostMemory {
        &self.mem
    }

    /// Looks a domain up even while it is being destroyed.
    pub fn grant_domain(&self, id: DomId) -> Option<&GrantDomain> {
        self.host_domain(id).map(|d| &d.grant)
    }

    /// The frame backing `gfn` of `dom`.
    pub fn gfn_to_mfn(&self, dom: DomId, gfn: u64) -> Option<Mfn> {
        let d = self.host_domain(dom)?;
        let e = d.p2m.get(gfn as usize)?.load(Ordering::Acquire);
        (e != 0).then(|| Mfn((e & !P2M_PAGED_OUT) - 1))
    }

    /// Marks `gfn` of `dom` paged out (or back in).
    pub fn set_paged_out(&self, dom: DomId, gfn: u64, paged_out: bool) {
        if let Some(e) = self.host_domain(dom).and_then(|d| d.p2m.get(gfn as usize)) {
            if paged_out {
                e.fetch_or(P2M_PAGED_OUT, Ordering::AcqRel);
            } else {
                e.fetch_and(!P2M_PAGED_OUT, Ordering::AcqRel);
            }
        }
    }

    /// General and writable-type references held on `mfn`.
    pub fn page_refs(&self, mfn: Mfn) -> (u32, u32) {
        self.page(mfn).map_or((0, 0), |p| {
            (
                (p.word.load(Ordering::Acquire) & COUNT_MASK) as u32,
                p.types.load(Ordering::Acquire),
            )
        })
    }

    /// The owner of `mfn`, if any.
    pub fn page_owner(&self, mfn: Mfn) -> Option<DomId> {
        let o = owner_of(self.page(mfn)?.word.load(Ordering::Acquire));
        (o != 0).then(|| DomId(o as u16 - 1))
    }

    /// Sum of all references held on all pages (zero when nothing is
    /// mapped or being copied).
    pub fn total_refs(&self) -> u64 {
        self.pages
            .iter()
            .map(|p| {
                (p.word.load(Ordering::Acquire) & COUNT_MASK)
                    + u64::from(p.types.load(Ordering::Acquire))
            })
            .sum()
    }

    /// What `dom` has installed at `addr`: the frame and whether read-only.
    pub fn host_mapping(&self, dom: DomId, addr: u64) -> Option<(Mfn, bool)> {
        let d = self.host_domain(dom)?;
        let e = d
            .slots
            .get(usize::try_from(addr / PAGE_SIZE as u64).ok()?)?
            .load(Ordering::Acquire);
        (e != 0).then(|| (Mfn((e & !SLOT_READONLY) - 1), e & SLOT_READONLY != 0))
    }

    /// Number of mappings `dom` has installed.
    pub fn host_mappings(&self, dom: DomId) -> usize {
        self.host_domain(dom).map_or(0, |d| {
            d.slots
                .iter()
                .filter(|s| s.load(Ordering::Relaxed) != 0)
                .count()
        })
    }

    /// TLB flushes requested for `dom`.
    pub fn tlb_flushes(&self, dom: DomId) -> u64 {
        self.host_domain(dom).map_or(0, |d| {
            d.flushes.iter().map(|f| f.load(Ordering::Relaxed)).sum()
        })
    }

    /// Domains crashed by the engine, in order.
    pub fn crashed(&self) -> Vec<DomId> {
        self.crashed.lock().clone()
    }

    /// Pages `dom` owns.
    pub fn tot_pages(&self, dom: DomId) -> u32 {
        self.host_domain(dom)
            .map_or(0, |d| d.tot_pages.load(Ordering::Relaxed))
    }

    /// The guest maps (or unmaps) one of its grant-table frames.
    pub fn guest_map_table_frame(&self, dom: DomId, mfn: Mfn, map: bool) -> bool {
        let Some(p) = self.page(mfn) else {
            return false;
        };
        if p.shared_with.load(Ordering::Acquire) != u32::from(dom.0) + 1 {
            return false;
        }
        if map {
            p.guest_maps.fetch_add(1, Ordering::AcqRel);
            true
        } else {
            p.guest_maps
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok()
        }
    }

    /// A guest-side view of `dom`'s grant table in its current layout.
    #[cfg(feature = "guest")]
    pub fn guest_table(&self, dom: DomId) -> Option<crate::guest::GuestTable<'_, HostMemory>> {
        let t = self.grant_domain(dom)?.table();
        Some(crate::guest::GuestTable::new(
            &self.mem,
            t.version(),
            t.shared_frames(),
            t.status_frames(),
        ))
    }

    /// Destroys `dom`: unmaps every grant it mapped, frees its table and its
    /// unreferenced pages, and makes it unknown to lookups. Pages others
    /// still reference stay allocated (as in Xen) and are returned.
    pub fn destroy_domain(&self, dom: DomId) -> Result<Vec<Mfn>, Errno> {
        let d = self.host_domain(dom).ok_or(Errno::Srch)?;
        d.grant.set_dying();
        while crate::map::release_mappings(self, &d.grant, 64) {}
        for s in d.slots.iter() {
            s.store(0, Ordering::Release);
        }
        d.grant.table().teardown(self)?;
        d.gone.store(true, Ordering::Release);
        let mut kept = Vec::new();
        for e in d.p2m.iter() {
            let v = e.swap(0, Ordering::AcqRel) & !P2M_PAGED_OUT;
            if v == 0 {
                continue;
            }
            let mfn = Mfn(v - 1);
            let Some(p) = self.page(mfn) else { continue };
            let owned = u64::from(dom.0 + 1) << OWNER_SHIFT;
            if p.word
                .compare_exchange(owned, 0, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
                && p.types.load(Ordering::Acquire) == 0
            {
                let _ = self.mem.free_frame(mfn);
            } else {
                kept.push(mfn);
            }
        }
        Ok(kept)
    }
}

impl<P: GrantPolicy> GrantWorld for HostWorld<P> {
    type Memory = HostMemory;
    type Policy = P;
    type DomainRef<'a>
        = &'a GrantDomain
    where
        Self: 'a;

    fn memory(&self) -> &HostMemory {
        &self.mem
    }

    fn policy(&self) -> &P {
        &self.policy
    }

    fn domain(&self, id: DomId) -> Option<&GrantDomain> {
        let d = self.host_domain(id)?;
        (!d.gone.load(Ordering::Acquire)).then_some(&d.grant)
    }

    fn get_frame(&self, owner: DomId, gfn: Gfn, _readonly: bool) -> Result<Mfn, FrameError> {
        let d = self.host_domain(owner).ok_or(FrameError::Invalid)?;
        let e = d
            .p2m
            .get(usize::try_from(gfn.0).map_err(|_| FrameError::Invalid)?)
            .ok_or(FrameError::Invalid)?
            .load(Ordering::Acquire);
        if e == 0 {
            return Err(FrameError::Invalid);
        }
        if e & P2M_PAGED_OUT != 0 {
            return Err(FrameError::PagedOut);
        }
        let mfn = Mfn(e - 1);
        if self.get_page(owner, mfn) {
            Ok(mfn)
        } else {
            Err(FrameError::Invalid)
        }
    }

    fn get_page(&self, owner: DomId, mfn: Mfn) -> bool {
        let Some(p) = self.page(mfn) else {
            return false;
        };
        let want = u32::from(owner.0) + 1;
        let mut cur = p.word.load(Ordering::Acquire);
        loop {
            if owner_of(cur) != want || cur & COUNT_MASK == COUNT_MASK {
                return false;
            }
            match p
                .word
                .compare_exchange_weak(cur, cur + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(v) => cur = v,
            }
        }
    }

    fn put_page(&self, mfn: Mfn) {
        if let Some(p) = self.page(mfn) {
            let old = p.word.fetch_sub(1, Ordering::AcqRel);
            assert!(old & COUNT_MASK != 0, "page reference underflow on {mfn:?}");
        }
    }

    fn get_page_writable(&self, owner: DomId, mfn: Mfn) -> bool {
        let Some(p) = self.page(mfn) else {
            return false;
        };
        if owner_of(p.word.load(Ordering::Acquire)) != u32::from(owner.0) + 1 {
            return false;
        }
        p.types.fetch_add(1, Ordering::AcqRel);
        true
    }

    fn put_page_writable(&self, mfn: Mfn) {
        if let Some(p) = self.page(mfn) {
            let old = p.types.fetch_sub(1, Ordering::AcqRel);
            assert!(old != 0, "type reference underflow on {mfn:?}");
        }
    }

    fn create_host_mapping(
        &self,
        mapper: DomId,
        addr: u64,
        mfn: Mfn,
        flags: u32,
        _cache: u16,
    ) -> Result<(), GrantError> {
        let d = self.host_domain(mapper).ok_or(GrantError::GeneralError)?;
        if addr % PAGE_SIZE as u64 != 0 {
            return Err(GrantError::GeneralError);
        }
        let slot = usize::try_from(addr / PAGE_SIZE as u64)
            .ok()
            .and_then(|i| d.slots.get(i))
            .ok_or(GrantError::GeneralError)?;
        let ro = if flags & GNTMAP_READONLY != 0 {
            SLOT_READONLY
        } else {
            0
        };
        slot.compare_exchange(0, (mfn.0 + 1) | ro, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
            .map_err(|_| GrantError::GeneralError)
    }

    fn replace_host_mapping(
        &self,
        mapper: DomId,
        addr: u64,
        mfn: Mfn,
        new_addr: u64,
        flags: u32,
    ) -> Result<(), GrantError> {
        let d = self.host_domain(mapper).ok_or(GrantError::GeneralError)?;
        let slot_of = |a: u64| {
            (a % PAGE_SIZE as u64 == 0)
                .then(|| usize::try_from(a / PAGE_SIZE as u64).ok())
                .flatten()
                .and_then(|i| d.slots.get(i))
                .ok_or(GrantError::GeneralError)
        };
        let slot = slot_of(addr)?;
        let ro = if flags & GNTMAP_READONLY != 0 {
            SLOT_READONLY
        } else {
            0
        };
        let expect = (mfn.0 + 1) | ro;
        let replacement = if new_addr != 0 {
            let other = slot_of(new_addr)?;
            let v = other.swap(0, Ordering::AcqRel);
            if v == 0 {
                return Err(GrantError::GeneralError);
            }
            Some((other, v))
        } else {
            None
        };
        let new = replacement.map_or(0, |(_, v)| v);
        match slot.compare_exchange(expect, new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => Ok(()),
            Err(_) => {
                // The address does not map this grant as expected (XSA-234):
                // put the replacement back and refuse.
                if let Some((other, v)) = replacement {
                    other.store(v, Ordering::Release);
                }
                Err(GrantError::GeneralError)
            }
        }
    }

    fn flush_tlb(&self, mapper: DomId) {
        if let Some(d) = self.host_domain(mapper) {
            count_flush(d);
        }
    }

    fn crash_domain(&self, id: DomId) {
        self.crashed.lock().push(id);
    }

    fn share_frame(&self, owner: DomId, mfn: Mfn) {
        if let Some(p) = self.page(mfn) {
            p.shared_with
                .store(u32::from(owner.0) + 1, Ordering::Release);
        }
    }

    fn unshare_frame(&self, _owner: DomId, mfn: Mfn) -> bool {
        let Some(p) = self.page(mfn) else { return true };
        if p.guest_maps.load(Ordering::Acquire) != 0 {
            return false;
        }
        p.shared_with.store(0, Ordering::Release);
        true
    }

    fn steal_page(&self, owner: DomId, gfn: u64) -> Result<Mfn, GrantError> {
        let d = self.host_domain(owner).ok_or(GrantError::BadPage)?;
        let e = d
            .p2m
            .get(usize::try_from(gfn).map_err(|_| GrantError::BadPage)?)
            .ok_or(GrantError::BadPage)?;
        let v = e.load(Ordering::Acquire);
        if v == 0 || v & P2M_PAGED_OUT != 0 {
            return Err(GrantError::BadPage);
        }
        let mfn = Mfn(v - 1);
        let p = self.page(mfn).ok_or(GrantError::BadPage)?;
        let owned = u64::from(owner.0 + 1) << OWNER_SHIFT;
        if p.types.load(Ordering::Acquire) != 0 {
            return Err(GrantError::GeneralError);
        }
        p.word
            .compare_exchange(owned, 0, Ordering::AcqRel, Ordering::Acquire)
            .map_err(|w| {
                if owner_of(w) == u32::from(owner.0) + 1 {
                    GrantError::GeneralError
                } else {
                    GrantError::BadPage
                }
            })?;
        if e.compare_exchange(v, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            p.word.store(owned, Ordering::Release);
            return Err(GrantError::GeneralError);
        }
        d.tot_pages.fetch_sub(1, Ordering::AcqRel);
        count_flush(d);
        Ok(mfn)
    }

    fn free_page(&self, mfn: Mfn) {
        let _ = self.mem.free_frame(mfn);
    }

    fn reserve_page(&self, to: DomId) -> Result<(), GrantError> {
        let d = self.host_domain(to).ok_or(GrantError::BadDomain)?;
        if d.grant.is_dying() {
            return Err(GrantError::GeneralError);
        }
        let used = d.tot_pages.load(Ordering::Acquire) + d.reserved.fetch_add(1, Ordering::AcqRel);
        if used >= d.max_pages {
            d.reserved.fetch_sub(1, Ordering::AcqRel);
            return Err(GrantError::GeneralError);
        }
        Ok(())
    }

    fn unreserve_page(&self, to: DomId) {
        if let Some(d) = self.host_domain(to) {
            d.reserved.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn assign_page(&self, to: DomId, mfn: Mfn) -> bool {
        let (Some(d), Some(p)) = (self.host_domain(to), self.page(mfn)) else {
            return false;
        };
        let owned = u64::from(to.0 + 1) << OWNER_SHIFT;
        if p.word
            .compare_exchange(0, owned, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        d.reserved.fetch_sub(1, Ordering::AcqRel);
        d.tot_pages.fetch_add(1, Ordering::AcqRel);
        true
    }

    fn physmap_add(&self, to: DomId, gfn: u64, mfn: Mfn) -> bool {
        let Some(d) = self.host_domain(to) else {
            return false;
        };
        if !d.grant.config().translated {
            return true;
        }
        let Some(e) = usize::try_from(gfn).ok().and_then(|g| d.p2m.get(g)) else {
            return false;
        };
        e.compare_exchange(0, mfn.0 + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}
