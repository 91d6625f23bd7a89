//! A split-driver backend's access to its frontend's grants
//! ([`xen_ring::grant::GrantAccess`]) made of `GNTTABOP_copy`s on a
//! [`HostWorld`]: what a blkif or netif backend in a domain does through
//! the hypervisor, with every grant check the engine makes (grant owner,
//! read-only grants, references out of range), for tests and benchmarks of
//! those backends.

use xen_abi::{DomId, GrantRef};
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};
use xen_ring::grant::{GrantAccess, GrantFault};

use crate::host::HostWorld;
use crate::{Caller, CopyBatch, CopyPtr, CopyRequest, CopySide};

/// Grant copies made by domain `backend` between the grants of `granter`
/// and one bounce frame of the backend's (its `bounce_gfn`).
#[derive(Clone, Copy)]
pub struct BounceCopy<'w> {
    world: &'w HostWorld,
    backend: DomId,
    granter: DomId,
    bounce_gfn: u64,
}

impl<'w> BounceCopy<'w> {
    /// Copies for `backend` (which must exist and own `bounce_gfn`) from and
    /// to the grants of `granter`.
    pub fn new(world: &'w HostWorld, backend: DomId, granter: DomId, bounce_gfn: u64) -> Self {
        BounceCopy {
            world,
            backend,
            granter,
            bounce_gfn,
        }
    }

    fn bounce(&self, gref: GrantRef) -> Result<Mfn, GrantFault> {
        self.world
            .gfn_to_mfn(self.backend, self.bounce_gfn)
            .ok_or(GrantFault(gref))
    }

    fn copy(
        &self,
        gref: GrantRef,
        offset: usize,
        len: usize,
        to_guest: bool,
    ) -> Result<(), GrantFault> {
        if offset + len > PAGE_SIZE {
            return Err(GrantFault(gref));
        }
        let dom = self
            .world
            .grant_domain(self.backend)
            .ok_or(GrantFault(gref))?;
        let caller = Caller::new(dom, 0);
        let guest = CopySide {
            ptr: CopyPtr::Gref(gref),
            domid: self.granter,
            offset: offset as u16,
        };
        let own = CopySide {
            ptr: CopyPtr::Gmfn(self.bounce_gfn),
            domid: DomId::SELF,
            offset: offset as u16,
        };
        let (source, dest) = if to_guest { (own, guest) } else { (guest, own) };
        CopyBatch::new(self.world, caller)
            .copy(&CopyRequest {
                source,
                dest,
                len: len as u16,
            })
            .map_err(|_| GrantFault(gref))
    }
}

impl GrantAccess for BounceCopy<'_> {
    fn copy_from(
        &mut self,
        gref: GrantRef,
        offset: usize,
        buf: &mut [u8],
    ) -> Result<(), GrantFault> {
        self.copy(gref, offset, buf.len(), false)?;
        self.world
            .host_memory()
            .read(self.bounce(gref)?, offset, buf)
            .map_err(|_| GrantFault(gref))
    }

    fn copy_to(&mut self, gref: GrantRef, offset: usize, data: &[u8]) -> Result<(), GrantFault> {
        if offset + data.len() > PAGE_SIZE {
            return Err(GrantFault(gref));
        }
        self.world
            .host_memory()
            .write(self.bounce(gref)?, offset, data)
            .map_err(|_| GrantFault(gref))?;
        self.copy(gref, offset, data.len(), true)
    }
}
