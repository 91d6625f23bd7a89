//! The engine's view of everything that is not grant-table state: guest
//! memory, which domains exist, their physical-to-machine maps, page
//! ownership and references, page-table edits and the access-control policy.
//!
//! The hypervisor core implements [`GrantWorld`] over its real domains and
//! page tables; [`crate::host::HostWorld`] implements it over allocated
//! memory for tests and benchmarks. Every method may be called from several
//! CPUs at once and while the engine holds a table or active-entry lock, so
//! implementations must not call back into the engine.

use core::ops::Deref;

use xen_abi::DomId;
use xen_mem::{FrameMemory, Gfn, Mfn};

use crate::domain::GrantDomain;
use crate::error::GrantError;

/// Why a guest frame could not be used (`get_paged_frame` outcomes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The frame is paged out or shared and being unshared: retry later
    /// (`GNTST_eagain`).
    #[error("frame is paged out; try again")]
    PagedOut,
    /// No RAM page of the domain backs this frame (`GNTST_bad_page`).
    #[error("frame is not a page of the domain")]
    Invalid,
}

impl From<FrameError> for GrantError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::PagedOut => GrantError::Eagain,
            FrameError::Invalid => GrantError::BadPage,
        }
    }
}

/// Access-control decisions on grant operations (the XSM hooks Xen calls;
/// xen-acm plugs in here). Each method returns whether the operation may
/// proceed. The defaults reproduce Xen's dummy policy: mapping, unmapping,
/// copying and transferring are allowed between any domains, while setting
/// up or querying another domain's table needs privilege over it.
pub trait GrantPolicy: Sync {
    /// May `mapper` map a grant of `granter` with `GNTMAP_*` `flags`?
    fn map(&self, mapper: &GrantDomain, granter: &GrantDomain, flags: u32) -> bool {
        let _ = (mapper, granter, flags);
        true
    }

    /// May `mapper` unmap a mapping of a grant of `granter`?
    fn unmap(&self, mapper: &GrantDomain, granter: &GrantDomain) -> bool {
        let _ = (mapper, granter);
        true
    }

    /// May a copy read from `source` and write to `dest`?
    fn copy(&self, source: &GrantDomain, dest: &GrantDomain) -> bool {
        let _ = (source, dest);
        true
    }

    /// May `from` transfer a page to `to`?
    fn transfer(&self, from: &GrantDomain, to: &GrantDomain) -> bool {
        let _ = (from, to);
        true
    }

    /// May `caller` set up (grow) or list the frames of `target`'s table?
    fn setup(&self, caller: &GrantDomain, target: &GrantDomain) -> bool {
        caller.id() == target.id() || caller.config().privileged
    }

    /// May `caller` query the size or version of `target`'s table?
    fn query(&self, caller: &GrantDomain, target: &GrantDomain) -> bool {
        caller.id() == target.id() || caller.config().privileged
    }
}

/// The default policy: Xen's behaviour without an XSM module (see
/// [`GrantPolicy`]'s defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultPolicy;

impl GrantPolicy for DefaultPolicy {}

/// A policy allowing every operation between every pair of domains.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowAll;

impl GrantPolicy for AllowAll {
    fn setup(&self, _: &GrantDomain, _: &GrantDomain) -> bool {
        true
    }

    fn query(&self, _: &GrantDomain, _: &GrantDomain) -> bool {
        true
    }
}

/// The world the grant engine runs in.
///
/// Page references follow Xen's model: a *general* reference keeps a page
/// allocated to its owner, a *writable type* reference additionally pins
/// the page as ordinary writable memory (it cannot become a page table
/// while held). Every reference the engine takes it gives back exactly
/// once; a world can check that by counting.
pub trait GrantWorld: Sync {
    /// The machine memory holding grant tables and guest pages.
    type Memory: FrameMemory;
    /// The access-control policy.
    type Policy: GrantPolicy;
    /// A reference to a live domain's grant state, kept while an operation
    /// works on it (Xen's RCU domain lock).
    type DomainRef<'a>: Deref<Target = GrantDomain>
    where
        Self: 'a;

    /// The machine memory.
    fn memory(&self) -> &Self::Memory;

    /// The access-control policy.
    fn policy(&self) -> &Self::Policy;

    /// The domain with this id (never a `DOMID_*` special id), if it exists.
    fn domain(&self, id: DomId) -> Option<Self::DomainRef<'_>>;

    /// Translates `gfn` of `owner` through its physical-to-machine map and
    /// takes a general reference on the page (Xen's `get_paged_frame`).
    /// `readonly` says whether only read access is wanted (a shared page
    /// need not be unshared).
    fn get_frame(&self, owner: DomId, gfn: Gfn, readonly: bool) -> Result<Mfn, FrameError>;

    /// Takes a general reference on `mfn` if it is a page owned by `owner`.
    fn get_page(&self, owner: DomId, mfn: Mfn) -> bool;

    /// Drops a general reference taken by [`get_frame`](Self::get_frame) or
    /// [`get_page`](Self::get_page).
    fn put_page(&self, mfn: Mfn);

    /// Takes a writable type reference on `mfn` (owned by `owner`, with a
    /// general reference held); fails if the page is in use as anything
    /// other than writable memory.
    fn get_page_writable(&self, owner: DomId, mfn: Mfn) -> bool;

    /// Drops a writable type reference.
    fn put_page_writable(&self, mfn: Mfn);

    /// Records that `mfn` of `owner` was written (log-dirty for migration).
    fn mark_dirty(&self, owner: DomId, mfn: Mfn) {
        let _ = (owner, mfn);
    }

    /// Installs a mapping of `mfn` for `mapper` at `addr` (a virtual address,
    /// a PTE address with `GNTMAP_contains_pte`, or a guest-physical address
    /// for translated mappers), honouring `GNTMAP_*` `flags` and the `GTF_PWT
    /// | GTF_PCD | GTF_PAT` bits in `cache`.
    fn create_host_mapping(
        &self,
        mapper: DomId,
        addr: u64,
        mfn: Mfn,
        flags: u32,
        cache: u16,
    ) -> Result<(), GrantError>;

    /// Removes the mapping of `mfn` that [`create_host_mapping`]
    /// installed at `addr`, after checking that `addr` really maps `mfn`
    /// with the expected permissions. With `new_addr` non-zero, the mapping
    /// found at `new_addr` moves to `addr` and `new_addr` is cleared
    /// (`unmap_and_replace`). No TLB flush is done here.
    ///
    /// [`create_host_mapping`]: Self::create_host_mapping
    fn replace_host_mapping(
        &self,
        mapper: DomId,
        addr: u64,
        mfn: Mfn,
        new_addr: u64,
        flags: u32,
    ) -> Result<(), GrantError>;

    /// Flushes `mapper`'s TLBs after mappings were removed.
    fn flush_tlb(&self, mapper: DomId);

    /// Crashes `id` for misbehaviour (unmapping a grant of a vanished domain).
    fn crash_domain(&self, id: DomId);

    /// A frame of `owner`'s grant table (shared or status) was allocated and
    /// may now be mapped by `owner`.
    fn share_frame(&self, owner: DomId, mfn: Mfn) {
        let _ = (owner, mfn);
    }

    /// The engine is about to free a grant-table frame it shared with
    /// `owner`: remove it from `owner`'s physical map and answer whether
    /// nothing references it any more. `false` keeps the frame allocated
    /// and shared.
    fn unshare_frame(&self, owner: DomId, mfn: Mfn) -> bool {
        let _ = (owner, mfn);
        true
    }

    /// The frame number `setup_table` / `get_status_frames` report to
    /// `owner` for grant-table frame `mfn` (its GFN for translated guests,
    /// the MFN for PV ones).
    fn frame_number(&self, owner: DomId, mfn: Mfn) -> u64 {
        let _ = owner;
        mfn.0
    }

    /// Takes page `gfn` away from `owner` for a transfer (Xen's
    /// `steal_page` plus removal from the physical map and a TLB flush).
    /// On success the page belongs to nobody and carries no reference.
    fn steal_page(&self, owner: DomId, gfn: u64) -> Result<Mfn, GrantError>;

    /// Frees a stolen page whose transfer failed.
    fn free_page(&self, mfn: Mfn);

    /// Reserves room for one more page in `to` (headroom below its maximum,
    /// not dying); the error is the transfer's status.
    fn reserve_page(&self, to: DomId) -> Result<(), GrantError>;

    /// Gives back a reservation that will not be used.
    fn unreserve_page(&self, to: DomId);

    /// Makes stolen page `mfn` a page of `to`, using a reservation.
    fn assign_page(&self, to: DomId, mfn: Mfn) -> bool;

    /// Enters `mfn` at `gfn` in `to`'s physical map (a no-op success for PV
    /// domains, which learn the frame from the grant entry).
    fn physmap_add(&self, to: DomId, gfn: u64, mfn: Mfn) -> bool;
}
