//! The hypervisor's side of the flag protocol it shares with a granting
//! guest (`_set_status_v1/_v2`, `reduce_status_for_pin`,
//! `gnttab_prepare_for_transfer` in Xen).
//!
//! A guest revokes a v1 grant by compare-and-swapping its flags to zero
//! while neither `GTF_reading` nor `GTF_writing` is set; the hypervisor
//! marks use by compare-and-swapping those bits in while the entry still
//! grants access. Both sides update the same 32-bit word (flags and domid),
//! so exactly one wins. A guest can keep rewriting the word to make every
//! compare-and-swap fail, so the hypervisor gives up after
//! [`MAX_CMPXCHG_TRIES`] attempts.
//!
//! In v2 the use bits live in a separate status word only the hypervisor
//! writes; the guest clears the header and then reads the status, the
//! hypervisor sets the status and then re-reads the header (a Dekker
//! handshake with full barriers on both sides, sequentially consistent
//! atomics here), and backs out if the grant changed underneath.
//!
//! These functions only touch guest memory; callers hold the entry's
//! active-entry lock, which serialises the hypervisor's own updates.

use xen_abi::DomId;
use xen_mem::{FrameMemory, Mfn};

use crate::abi::{
    GTF_ACCEPT_TRANSFER, GTF_PERMIT_ACCESS, GTF_READING, GTF_READONLY, GTF_SUB_PAGE,
    GTF_TRANSFER_COMMITTED, GTF_TRANSITIVE, GTF_TYPE_MASK, GTF_WRITING,
};
use crate::error::GrantError;

/// Attempts at a compare-and-swap on a guest-shared word before the entry
/// is declared unstable (Xen and QEMU both use 5).
pub const MAX_CMPXCHG_TRIES: usize = 5;

/// The location of a shared word: a frame and a byte offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryLoc {
    /// The frame.
    pub mfn: Mfn,
    /// Byte offset in the frame.
    pub offset: usize,
}

/// An entry header (`grant_entry_header`): flags and grantee, read together
/// as one 32-bit word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// `GTF_*` flags.
    pub flags: u16,
    /// The domain the entry grants to.
    pub domid: DomId,
}

impl Header {
    /// Splits the little-endian word (flags at byte 0, domid at byte 2).
    #[inline]
    pub fn from_raw(raw: u32) -> Self {
        Self {
            flags: raw as u16,
            domid: DomId((raw >> 16) as u16),
        }
    }

    /// The word this header is stored as.
    #[inline]
    pub fn to_raw(self) -> u32 {
        u32::from(self.flags) | (u32::from(self.domid.0) << 16)
    }
}

/// Reads an entry header atomically.
pub fn read_header<M: FrameMemory>(mem: &M, hdr: EntryLoc) -> Result<Header, GrantError> {
    mem.load::<u32>(hdr.mfn, hdr.offset)
        .map(Header::from_raw)
        .map_err(|_| GrantError::GeneralError)
}

/// Whether an unpinned entry may be pinned by `grantee`: right type (a
/// mapping also refuses sub-page grants; v2 copies accept transitive ones)
/// and right grantee.
fn grants_to(h: Header, grantee: DomId, map: bool, v2: bool) -> bool {
    let mask = if map {
        GTF_TYPE_MASK | GTF_SUB_PAGE
    } else {
        GTF_TYPE_MASK
    };
    let kind = h.flags & mask;
    let type_ok = kind == GTF_PERMIT_ACCESS || (v2 && !map && kind == GTF_TRANSITIVE);
    type_ok && h.domid == grantee
}

/// Marks a v1 entry as in use (`GTF_reading`, plus `GTF_writing` unless
/// `readonly`) with a bounded compare-and-swap loop.
///
/// When the entry is not yet pinned (`pinned == false`) the guest's header
/// must still grant access to `grantee`; a write use also needs the grant to
/// be writable. Fails with `GNTST_general_error` otherwise or when the guest
/// keeps changing the word.
pub fn set_status_v1<M: FrameMemory>(
    mem: &M,
    hdr: EntryLoc,
    pinned: bool,
    readonly: bool,
    map: bool,
    grantee: DomId,
) -> Result<(), GrantError> {
    let mut cur = read_header(mem, hdr)?;
    for _ in 0..MAX_CMPXCHG_TRIES {
        if !pinned && !grants_to(cur, grantee, map, false) {
            return Err(GrantError::GeneralError);
        }
        let mut new = cur;
        new.flags |= GTF_READING;
        if !readonly {
            if cur.flags & GTF_READONLY != 0 {
                return Err(GrantError::GeneralError);
            }
            new.flags |= GTF_WRITING;
        }
        match mem.compare_exchange::<u32>(hdr.mfn, hdr.offset, cur.to_raw(), new.to_raw()) {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(actual)) => cur = Header::from_raw(actual),
            Err(_) => return Err(GrantError::GeneralError),
        }
    }
    // The guest kept changing the entry underneath: unstable.
    Err(GrantError::GeneralError)
}

/// Marks a v2 entry as in use through its status word, then re-reads the
/// header and backs the marks out if the grant was withdrawn, retargeted or
/// made read-only meanwhile.
pub fn set_status_v2<M: FrameMemory>(
    mem: &M,
    hdr: EntryLoc,
    status: EntryLoc,
    pinned: bool,
    readonly: bool,
    map: bool,
    grantee: DomId,
) -> Result<(), GrantError> {
    let h = read_header(mem, hdr)?;
    if !pinned && !grants_to(h, grantee, map, true) {
        return Err(GrantError::GeneralError);
    }
    let bits = if readonly {
        GTF_READING
    } else {
        if h.flags & GTF_READONLY != 0 {
            return Err(GrantError::GeneralError);
        }
        GTF_READING | GTF_WRITING
    };
    mem.fetch_or::<u16>(status.mfn, status.offset, bits)
        .map_err(|_| GrantError::GeneralError)?;
    // The fetch_or and this load are sequentially consistent: either the
    // guest's later status check sees our bits, or we see its new header.
    let h = read_header(mem, hdr)?;
    if !pinned {
        if !grants_to(h, grantee, map, true) || (!readonly && h.flags & GTF_READONLY != 0) {
            clear_status(mem, status, GTF_READING | GTF_WRITING);
            return Err(GrantError::GeneralError);
        }
    } else if h.flags & GTF_READONLY != 0 {
        // Xen checks this even for read-only uses of a pinned entry.
        clear_status(mem, status, GTF_WRITING);
        return Err(GrantError::GeneralError);
    }
    Ok(())
}

/// Atomically clears `bits` of a status word (v1: the header flags).
pub fn clear_status<M: FrameMemory>(mem: &M, status: EntryLoc, bits: u16) {
    // A failure here means the location is wrong, which the engine never
    // computes; nothing can be done about it at this point.
    let _ = mem.fetch_and::<u16>(status.mfn, status.offset, !bits);
}

/// Commits an `GTF_accept_transfer` entry for a transfer from `sender`
/// (sets `GTF_transfer_committed`), with the same bounded retries.
pub fn commit_transfer<M: FrameMemory>(
    mem: &M,
    hdr: EntryLoc,
    sender: DomId,
) -> Result<(), GrantError> {
    let mut cur = read_header(mem, hdr)?;
    for _ in 0..MAX_CMPXCHG_TRIES {
        if cur.flags != GTF_ACCEPT_TRANSFER || cur.domid != sender {
            return Err(GrantError::GeneralError);
        }
        let new = Header {
            flags: cur.flags | GTF_TRANSFER_COMMITTED,
            domid: cur.domid,
        };
        match mem.compare_exchange::<u32>(hdr.mfn, hdr.offset, cur.to_raw(), new.to_raw()) {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(actual)) => cur = Header::from_raw(actual),
            Err(_) => return Err(GrantError::GeneralError),
        }
    }
    Err(GrantError::GeneralError)
}
