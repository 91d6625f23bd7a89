//! How a split-driver backend (blkif, netif, …) reaches the pages its
//! frontend granted.
//!
//! [`GrantAccess`] is the seam: in a host backend it is `GNTTABOP_copy`
//! (or a mapping) through the hypervisor; in tests it is xen-grant's
//! engine; [`FrameTable`] is a plain table (grant reference → frame,
//! read-only flag) for unit tests and benchmarks where grant checking is not
//! the subject.

use alloc::vec::Vec;
use xen_abi::GrantRef;
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};

/// A grant could not be used (bad reference, not granted to us, read-only
/// when written, range outside the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("grant {0:?} unusable")]
pub struct GrantFault(pub GrantRef);

/// Copies to and from pages the frontend granted.
pub trait GrantAccess {
    /// Copies `buf.len()` bytes at `offset` of granted page `gref` into
    /// `buf` (data the frontend sends: a block write, a TX fragment).
    fn copy_from(
        &mut self,
        gref: GrantRef,
        offset: usize,
        buf: &mut [u8],
    ) -> Result<(), GrantFault>;
    /// Copies `data` to `offset` of granted page `gref` (an RX buffer);
    /// needs a writable grant.
    fn copy_to(&mut self, gref: GrantRef, offset: usize, data: &[u8]) -> Result<(), GrantFault>;
}

/// A table of frames indexed by grant reference.
#[derive(Debug)]
pub struct FrameTable<'m, M> {
    mem: &'m M,
    entries: Vec<Option<(Mfn, bool)>>,
}

impl<M> Clone for FrameTable<'_, M> {
    /// A copy of the table (the same grants, e.g. one per queue).
    fn clone(&self) -> Self {
        FrameTable {
            mem: self.mem,
            entries: self.entries.clone(),
        }
    }
}

impl<'m, M: FrameMemory> FrameTable<'m, M> {
    /// An empty table over `mem`.
    pub fn new(mem: &'m M) -> Self {
        FrameTable {
            mem,
            entries: Vec::new(),
        }
    }

    /// Grants `mfn` (read-only if asked) and returns its reference.
    pub fn grant(&mut self, mfn: Mfn, readonly: bool) -> GrantRef {
        self.entries.push(Some((mfn, readonly)));
        GrantRef(self.entries.len() as u32 - 1)
    }

    /// The frame behind `gref` and whether it is read-only.
    pub fn frame(&self, gref: GrantRef) -> Option<(Mfn, bool)> {
        self.entries.get(gref.0 as usize).copied().flatten()
    }

    /// Revokes a grant.
    pub fn revoke(&mut self, gref: GrantRef) {
        if let Some(e) = self.entries.get_mut(gref.0 as usize) {
            *e = None;
        }
    }

    fn entry(&self, gref: GrantRef, offset: usize, len: usize) -> Result<(Mfn, bool), GrantFault> {
        if offset.checked_add(len).is_none_or(|e| e > PAGE_SIZE) {
            return Err(GrantFault(gref));
        }
        self.frame(gref).ok_or(GrantFault(gref))
    }
}

impl<M: FrameMemory> GrantAccess for FrameTable<'_, M> {
    fn copy_from(
        &mut self,
        gref: GrantRef,
        offset: usize,
        buf: &mut [u8],
    ) -> Result<(), GrantFault> {
        let (mfn, _) = self.entry(gref, offset, buf.len())?;
        self.mem
            .read(mfn, offset, buf)
            .map_err(|_| GrantFault(gref))
    }

    fn copy_to(&mut self, gref: GrantRef, offset: usize, data: &[u8]) -> Result<(), GrantFault> {
        let (mfn, ro) = self.entry(gref, offset, data.len())?;
        if ro {
            return Err(GrantFault(gref));
        }
        self.mem
            .write(mfn, offset, data)
            .map_err(|_| GrantFault(gref))
    }
}
