//! A world that delegates to [`HostWorld`] and runs a test's hook at chosen
//! points, to make races happen deterministically.

use std::cell::Cell;

use xen_abi::DomId;
use xen_grant::host::HostWorld;
use xen_grant::{DefaultPolicy, FrameError, GrantDomain, GrantError, GrantWorld};
use xen_mem::{Gfn, HostMemory, Mfn};

/// Where a hook fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// `get_frame(owner, …)` was called.
    GetFrame(DomId),
    /// `assign_page(to, …)` was called.
    AssignPage(DomId),
}

thread_local! {
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
}

/// The test's reaction to a [`Point`].
pub type Hook<'a> = Box<dyn Fn(&HookWorld<'a>, Point) + Sync + 'a>;

pub struct HookWorld<'a> {
    pub inner: &'a HostWorld,
    pub hook: Hook<'a>,
}

impl<'a> HookWorld<'a> {
    fn fire(&self, p: Point) {
        if IN_HOOK.with(|h| h.replace(true)) {
            return;
        }
        (self.hook)(self, p);
        IN_HOOK.with(|h| h.set(false));
    }
}

impl GrantWorld for HookWorld<'_> {
    type Memory = HostMemory;
    type Policy = DefaultPolicy;
    type DomainRef<'b>
        = &'b GrantDomain
    where
        Self: 'b;

    fn memory(&self) -> &HostMemory {
        self.inner.memory()
    }
    fn policy(&self) -> &DefaultPolicy {
        self.inner.policy()
    }
    fn domain(&self, id: DomId) -> Option<&GrantDomain> {
        self.inner.domain(id)
    }
    fn get_frame(&self, owner: DomId, gfn: Gfn, readonly: bool) -> Result<Mfn, FrameError> {
        self.fire(Point::GetFrame(owner));
        self.inner.get_frame(owner, gfn, readonly)
    }
    fn get_page(&self, owner: DomId, mfn: Mfn) -> bool {
        self.inner.get_page(owner, mfn)
    }
    fn put_page(&self, mfn: Mfn) {
        self.inner.put_page(mfn)
    }
    fn get_page_writable(&self, owner: DomId, mfn: Mfn) -> bool {
        self.inner.get_page_writable(owner, mfn)
    }
    fn put_page_writable(&self, mfn: Mfn) {
        self.inner.put_page_writable(mfn)
    }
    fn create_host_mapping(
        &self,
        mapper: DomId,
        addr: u64,
        mfn: Mfn,
        flags: u32,
        cache: u16,
    ) -> Result<(), GrantError> {
        self.inner
            .create_host_mapping(mapper, addr, mfn, flags, cache)
    }
    fn replace_host_mapping(
        &self,
        mapper: DomId,
        addr: u64,
        mfn: Mfn,
        new_addr: u64,
        flags: u32,
    ) -> Result<(), GrantError> {
        self.inner
            .replace_host_mapping(mapper, addr, mfn, new_addr, flags)
    }
    fn flush_tlb(&self, mapper: DomId) {
        self.inner.flush_tlb(mapper)
    }
    fn crash_domain(&self, id: DomId) {
        self.inner.crash_domain(id)
    }
    fn share_frame(&self, owner: DomId, mfn: Mfn) {
        self.inner.share_frame(owner, mfn)
    }
    fn unshare_frame(&self, owner: DomId, mfn: Mfn) -> bool {
        self.inner.unshare_frame(owner, mfn)
    }
    fn steal_page(&self, owner: DomId, gfn: u64) -> Result<Mfn, GrantError> {
        self.inner.steal_page(owner, gfn)
    }
    fn free_page(&self, mfn: Mfn) {
        self.inner.free_page(mfn)
    }
    fn reserve_page(&self, to: DomId) -> Result<(), GrantError> {
        self.inner.reserve_page(to)
    }
    fn unreserve_page(&self, to: DomId) {
        self.inner.unreserve_page(to)
    }
    fn assign_page(&self, to: DomId, mfn: Mfn) -> bool {
        self.fire(Point::AssignPage(to));
        self.inner.assign_page(to, mfn)
    }
    fn physmap_add(&self, to: DomId, gfn: u64, mfn: Mfn) -> bool {
        self.inner.physmap_add(to, gfn, mfn)
    }
}
