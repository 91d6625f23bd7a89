//! The guest (frontend) side of grant tables: what a guest kernel calls to
//! grant a frame to a backend, take the grant back, or offer an entry for
//! a page transfer. It works on the guest's own mapping of its table frames
//! through [`FrameMemory`], so the same code runs in a guest kernel and in
//! host tests.
//!
//! Writing a grant publishes `domid` and `frame` before the flags that make
//! the entry valid (sequentially consistent stores order them). Ending
//! access follows Xen's protocol: in v1 the flags are cleared by a
//! compare-and-swap that fails while the hypervisor has the entry marked
//! in use; in v2 the header is cleared first and the status word checked
//! afterwards.

use alloc::vec::Vec;

use xen_abi::DomId;
use xen_mem::{FrameMemory, Mfn};

use crate::abi::{
    GNTTAB_NR_RESERVED_ENTRIES, GTF_ACCEPT_TRANSFER, GTF_PERMIT_ACCESS, GTF_READING, GTF_READONLY,
    GTF_SUB_PAGE, GTF_TRANSFER_COMMITTED, GTF_TRANSFER_COMPLETED, GTF_TRANSITIVE, GTF_WRITING,
};
use crate::protocol::{EntryLoc, Header};
use crate::table::{Version, STATUS_ENTRIES_PER_FRAME, V1_ENTRIES_PER_FRAME, V2_ENTRIES_PER_FRAME};

/// Attempts at ending a v1 grant before reporting [`GuestError::Busy`].
pub const END_ACCESS_TRIES: usize = 64;

/// Why a guest-side operation did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GuestError {
    /// The reference is beyond the frames the guest has.
    #[error("grant reference out of range")]
    BadRef,
    /// The operation needs a v2 table.
    #[error("operation needs grant table version 2")]
    NeedsV2,
    /// The grant is mapped or being copied; access cannot end yet.
    #[error("grant is still in use")]
    InUse,
    /// The entry kept changing underneath.
    #[error("grant entry kept changing")]
    Busy,
    /// A transfer was committed but has not completed yet.
    #[error("transfer in progress")]
    TransferPending,
    /// Guest memory could not be accessed.
    #[error("grant table frame not accessible")]
    Memory,
}

/// A guest's view of its own grant table.
pub struct GuestTable<'m, M: FrameMemory> {
    mem: &'m M,
    version: Version,
    shared: Vec<Mfn>,
    status: Vec<Mfn>,
}

impl<'m, M: FrameMemory> GuestTable<'m, M> {
    /// A view of a table in `version` layout whose shared frames (and, for
    /// v2, status frames) the guest reaches as `shared` / `status`.
    pub fn new(mem: &'m M, version: Version, shared: Vec<Mfn>, status: Vec<Mfn>) -> Self {
        Self {
            mem,
            version,
            shared,
            status,
        }
    }

    /// The layout version the view assumes.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Entries reachable through the frames given.
    pub fn nr_entries(&self) -> u32 {
        let per = match self.version {
            Version::V1 => V1_ENTRIES_PER_FRAME,
            Version::V2 => V2_ENTRIES_PER_FRAME,
        };
        self.shared.len() as u32 * per
    }

    fn header(&self, gref: u32) -> Result<EntryLoc, GuestError> {
        if gref >= self.nr_entries() {
            return Err(GuestError::BadRef);
        }
        let (per, size) = match self.version {
            Version::V1 => (V1_ENTRIES_PER_FRAME, 8),
            Version::V2 => (V2_ENTRIES_PER_FRAME, 16),
        };
        Ok(EntryLoc {
            mfn: self.shared[(gref / per) as usize],
            offset: (gref % per) as usize * size,
        })
    }

    fn status_loc(&self, gref: u32) -> Result<EntryLoc, GuestError> {
        let mfn = *self
            .status
            .get((gref / STATUS_ENTRIES_PER_FRAME) as usize)
            .ok_or(GuestError::BadRef)?;
        Ok(EntryLoc {
            mfn,
            offset: (gref % STATUS_ENTRIES_PER_FRAME) as usize * 2,
        })
    }

    fn publish(&self, at: EntryLoc, flags: u16, domid: DomId) -> Result<(), GuestError> {
        let h = Header { flags, domid };
        self.mem
            .store::<u32>(at.mfn, at.offset, h.to_raw())
            .map_err(|_| GuestError::Memory)
    }

    fn store_frame(&self, at: EntryLoc, frame: u64) -> Result<(), GuestError> {
        let r = match self.version {
            Version::V1 => self.mem.store::<u32>(at.mfn, at.offset + 4, frame as u32),
            Version::V2 => self.mem.store::<u64>(at.mfn, at.offset + 8, frame),
        };
        r.map_err(|_| GuestError::Memory)
    }

    /// Grants `domid` access to frame `frame` (`gnttab_grant_foreign_access_ref`).
    pub fn grant_access(
        &self,
        gref: u32,
        domid: DomId,
        frame: u64,
        readonly: bool,
    ) -> Result<(), GuestError> {
        let at = self.header(gref)?;
        if self.version == Version::V1 && frame > u64::from(u32::MAX) {
            return Err(GuestError::NeedsV2);
        }
        self.publish(at, 0, domid)?;
        self.store_frame(at, frame)?;
        let ro = if readonly { GTF_READONLY } else { 0 };
        self.publish(at, GTF_PERMIT_ACCESS | ro, domid)
    }

    /// Grants `domid` copy access to `length` bytes at `offset` of `frame`
    /// (v2 sub-page grant).
    pub fn grant_sub_page(
        &self,
        gref: u32,
        domid: DomId,
        frame: u64,
        offset: u16,
        length: u16,
        readonly: bool,
    ) -> Result<(), GuestError> {
        if self.version != Version::V2 {
            return Err(GuestError::NeedsV2);
        }
        let at = self.header(gref)?;
        self.publish(at, 0, domid)?;
        self.mem
            .store::<u32>(
                at.mfn,
                at.offset + 4,
                u32::from(offset) | u32::from(length) << 16,
            )
            .map_err(|_| GuestError::Memory)?;
        self.store_frame(at, frame)?;
        let ro = if readonly { GTF_READONLY } else { 0 };
        self.publish(at, GTF_PERMIT_ACCESS | GTF_SUB_PAGE | ro, domid)
    }

    /// Lets `domid` use grant `trans_gref` of `trans_domid` (which granted
    /// it to this guest) through entry `gref` (v2 transitive grant).
    pub fn grant_transitive(
        &self,
        gref: u32,
        domid: DomId,
        trans_domid: DomId,
        trans_gref: u32,
        readonly: bool,
    ) -> Result<(), GuestError> {
        if self.version != Version::V2 {
            return Err(GuestError::NeedsV2);
        }
        let at = self.header(gref)?;
        self.publish(at, 0, domid)?;
        self.mem
            .store::<u32>(at.mfn, at.offset + 4, u32::from(trans_domid.0))
            .and_then(|()| {
                self.mem
                    .store::<u64>(at.mfn, at.offset + 8, u64::from(trans_gref))
            })
            .map_err(|_| GuestError::Memory)?;
        let ro = if readonly { GTF_READONLY } else { 0 };
        self.publish(at, GTF_TRANSITIVE | ro, domid)
    }

    /// The `GTF_reading`/`GTF_writing` bits the hypervisor has set.
    pub fn in_use_bits(&self, gref: u32) -> Result<u16, GuestError> {
        let bits = match self.version {
            Version::V1 => {
                let at = self.header(gref)?;
                self.mem.load::<u16>(at.mfn, at.offset)
            }
            Version::V2 => {
                let at = self.status_loc(gref)?;
                self.mem.load::<u16>(at.mfn, at.offset)
            }
        };
        bits.map(|b| b & (GTF_READING | GTF_WRITING))
            .map_err(|_| GuestError::Memory)
    }

    /// The entry's header as the guest sees it.
    pub fn header_of(&self, gref: u32) -> Result<Header, GuestError> {
        let at = self.header(gref)?;
        crate::protocol::read_header(self.mem, at).map_err(|_| GuestError::Memory)
    }

    /// Ends access through `gref` unless it is in use
    /// (`gnttab_end_foreign_access_ref`). In v1 the entry stays valid when
    /// this fails; in v2 it is already revoked for new users and the call
    /// can be repeated until the last user is gone.
    pub fn end_access(&self, gref: u32) -> Result<(), GuestError> {
        let at = self.header(gref)?;
        match self.version {
            Version::V1 => {
                let mut flags = self
                    .mem
                    .load::<u16>(at.mfn, at.offset)
                    .map_err(|_| GuestError::Memory)?;
                for _ in 0..END_ACCESS_TRIES {
                    if flags & (GTF_READING | GTF_WRITING) != 0 {
                        return Err(GuestError::InUse);
                    }
                    match self
                        .mem
                        .compare_exchange::<u16>(at.mfn, at.offset, flags, 0)
                    {
                        Ok(Ok(_)) => return Ok(()),
                        Ok(Err(actual)) => flags = actual,
                        Err(_) => return Err(GuestError::Memory),
                    }
                }
                Err(GuestError::Busy)
            }
            Version::V2 => {
                self.mem
                    .store::<u16>(at.mfn, at.offset, 0)
                    .map_err(|_| GuestError::Memory)?;
                // The store and this load are sequentially consistent,
                // pairing with the hypervisor's status-then-header order.
                if self.in_use_bits(gref)? != 0 {
                    Err(GuestError::InUse)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Offers entry `gref` to receive a page from `domid`, to appear at
    /// guest frame `pfn` (`gnttab_grant_foreign_transfer_ref`).
    pub fn accept_transfer(&self, gref: u32, domid: DomId, pfn: u64) -> Result<(), GuestError> {
        let at = self.header(gref)?;
        self.publish(at, 0, domid)?;
        self.store_frame(at, pfn)?;
        self.publish(at, GTF_ACCEPT_TRANSFER, domid)
    }

    /// Ends a transfer offer (`gnttab_end_foreign_transfer_ref`): `Ok(None)`
    /// if no page arrived (the offer is withdrawn), `Ok(Some(frame))` with
    /// the frame field once a transfer completed,
    /// [`GuestError::TransferPending`] while one is committed but not done.
    pub fn end_transfer(&self, gref: u32) -> Result<Option<u64>, GuestError> {
        let at = self.header(gref)?;
        let mut flags = self
            .mem
            .load::<u16>(at.mfn, at.offset)
            .map_err(|_| GuestError::Memory)?;
        for _ in 0..END_ACCESS_TRIES {
            if flags & GTF_TRANSFER_COMMITTED != 0 {
                if flags & GTF_TRANSFER_COMPLETED == 0 {
                    return Err(GuestError::TransferPending);
                }
                let frame = match self.version {
                    Version::V1 => self.mem.load::<u32>(at.mfn, at.offset + 4).map(u64::from),
                    Version::V2 => self.mem.load::<u64>(at.mfn, at.offset + 8),
                }
                .map_err(|_| GuestError::Memory)?;
                self.mem
                    .store::<u16>(at.mfn, at.offset, 0)
                    .map_err(|_| GuestError::Memory)?;
                return Ok(Some(frame));
            }
            match self
                .mem
                .compare_exchange::<u16>(at.mfn, at.offset, flags, 0)
            {
                Ok(Ok(_)) => return Ok(None),
                Ok(Err(actual)) => flags = actual,
                Err(_) => return Err(GuestError::Memory),
            }
        }
        Err(GuestError::Busy)
    }
}

/// Hands out grant references of a table, never the reserved ones
/// (`gnttab_alloc_grant_references` in Linux).
#[derive(Clone, Debug)]
pub struct GrantRefAllocator {
    free: Vec<u32>,
}

impl GrantRefAllocator {
    /// An allocator over references `8..nr_entries`.
    pub fn new(nr_entries: u32) -> Self {
        Self {
            free: (GNTTAB_NR_RESERVED_ENTRIES..nr_entries).rev().collect(),
        }
    }

    /// Takes a free reference.
    pub fn alloc(&mut self) -> Option<u32> {
        self.free.pop()
    }

    /// Returns a reference (after its access ended).
    pub fn free(&mut self, gref: u32) {
        if gref >= GNTTAB_NR_RESERVED_ENTRIES && !self.free.contains(&gref) {
            self.free.push(gref);
        }
    }

    /// Adds references `from..to` (after the table grew).
    pub fn extend(&mut self, from: u32, to: u32) {
        for r in (from.max(GNTTAB_NR_RESERVED_ENTRIES)..to).rev() {
            self.free.insert(0, r);
        }
    }

    /// References available.
    pub fn available(&self) -> usize {
        self.free.len()
    }
}
