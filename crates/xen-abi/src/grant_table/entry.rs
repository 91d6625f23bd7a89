//! Shared grant entries (v1, v2 and the v2 status words), their `GTF_*`
//! flags, and arithmetic on grant-table and status frames.

use core::mem::size_of;

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::{read_prefix, write_prefix, GrantStatus, GRANT_FRAME_SIZE};
use crate::{DomId, GrantRef};

/// `struct grant_entry_v1` (`grant_table.h`): one entry of a version-1
/// shared grant table, written by the granting domain.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GrantEntryV1 {
    /// `GTF_*` type and flag bits (see [`GtfFlags`]); Xen sets the
    /// reading/writing bits.
    pub flags: u16,
    /// The domain allowed to use this grant.
    pub domid: DomId,
    /// The granted frame (GFN), or for a completed transfer to a
    /// non-translated guest the transferred MFN.
    pub frame: u32,
}

/// `GNTTAB_NR_RESERVED_ENTRIES` (`grant_table.h`): entries at the start of
/// the table reserved for the toolstack (kept across version changes).
pub const GNTTAB_NR_RESERVED_ENTRIES: u32 = 8;
/// `GNTTAB_RESERVED_CONSOLE` (`grant_table.h`): reserved entry granting the
/// console ring to the console backend.
pub const GNTTAB_RESERVED_CONSOLE: u32 = 0;
/// `GNTTAB_RESERVED_XENSTORE` (`grant_table.h`): reserved entry granting the
/// xenstore ring to the xenstore domain.
pub const GNTTAB_RESERVED_XENSTORE: u32 = 1;

/// `GTF_invalid` (`grant_table.h`): type field value of an unused entry.
pub const GTF_INVALID: u16 = 0;
/// `GTF_permit_access` (`grant_table.h`): type field value allowing the
/// grantee to map or copy the frame.
pub const GTF_PERMIT_ACCESS: u16 = 1;
/// `GTF_accept_transfer` (`grant_table.h`): type field value allowing the
/// grantee to transfer a page into this entry.
pub const GTF_ACCEPT_TRANSFER: u16 = 2;
/// `GTF_transitive` (`grant_table.h`): type field value re-granting another
/// domain's grant (v2 only).
pub const GTF_TRANSITIVE: u16 = 3;
/// `GTF_type_mask` (`grant_table.h`): the two type bits.
pub const GTF_TYPE_MASK: u16 = 3;
/// `_GTF_readonly` (`grant_table.h`): bit number of [`GTF_READONLY`].
pub const _GTF_READONLY: u16 = 2;
/// `GTF_readonly` (`grant_table.h`): the grantee may only read.
pub const GTF_READONLY: u16 = 1 << _GTF_READONLY;
/// `_GTF_reading` (`grant_table.h`): bit number of [`GTF_READING`].
pub const _GTF_READING: u16 = 3;
/// `GTF_reading` (`grant_table.h`): set by Xen while the grant is in use for reading.
pub const GTF_READING: u16 = 1 << _GTF_READING;
/// `_GTF_writing` (`grant_table.h`): bit number of [`GTF_WRITING`].
pub const _GTF_WRITING: u16 = 4;
/// `GTF_writing` (`grant_table.h`): set by Xen while the grant is in use for writing.
pub const GTF_WRITING: u16 = 1 << _GTF_WRITING;
/// `_GTF_PWT` (`grant_table.h`): bit number of [`GTF_PWT`].
pub const _GTF_PWT: u16 = 5;
/// `GTF_PWT` (`grant_table.h`): x86 write-through cache attribute for mappings.
pub const GTF_PWT: u16 = 1 << _GTF_PWT;
/// `_GTF_PCD` (`grant_table.h`): bit number of [`GTF_PCD`].
pub const _GTF_PCD: u16 = 6;
/// `GTF_PCD` (`grant_table.h`): x86 cache-disable attribute for mappings.
pub const GTF_PCD: u16 = 1 << _GTF_PCD;
/// `_GTF_PAT` (`grant_table.h`): bit number of [`GTF_PAT`].
pub const _GTF_PAT: u16 = 7;
/// `GTF_PAT` (`grant_table.h`): x86 PAT attribute bit for mappings.
pub const GTF_PAT: u16 = 1 << _GTF_PAT;
/// `_GTF_sub_page` (`grant_table.h`): bit number of [`GTF_SUB_PAGE`].
pub const _GTF_SUB_PAGE: u16 = 8;
/// `GTF_sub_page` (`grant_table.h`): a v2 copy-only grant of part of a page.
pub const GTF_SUB_PAGE: u16 = 1 << _GTF_SUB_PAGE;
/// `_GTF_transfer_committed` (`grant_table.h`): bit number of [`GTF_TRANSFER_COMMITTED`].
pub const _GTF_TRANSFER_COMMITTED: u16 = 2;
/// `GTF_transfer_committed` (`grant_table.h`): Xen has committed to a
/// transfer into this entry (accept-transfer entries only).
pub const GTF_TRANSFER_COMMITTED: u16 = 1 << _GTF_TRANSFER_COMMITTED;
/// `_GTF_transfer_completed` (`grant_table.h`): bit number of [`GTF_TRANSFER_COMPLETED`].
pub const _GTF_TRANSFER_COMPLETED: u16 = 3;
/// `GTF_transfer_completed` (`grant_table.h`): the transfer has finished and
/// `frame` is valid (accept-transfer entries only).
pub const GTF_TRANSFER_COMPLETED: u16 = 1 << _GTF_TRANSFER_COMPLETED;

bitflags! {
    /// `GTF_*` (`grant_table.h`): the `flags` word of a shared grant entry.
    ///
    /// The low two bits are a type field, not independent flags: use
    /// [`GtfFlags::entry_type`] to read it. Bits 2 and 3 mean
    /// readonly/reading for access grants but committed/completed for
    /// transfer grants, so both names exist for the same bits.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct GtfFlags: u16 {
        /// `GTF_permit_access`: type 1 (an access grant).
        const PERMIT_ACCESS = GTF_PERMIT_ACCESS;
        /// `GTF_accept_transfer`: type 2 (a transfer target).
        const ACCEPT_TRANSFER = GTF_ACCEPT_TRANSFER;
        /// `GTF_transitive`: type 3 (a transitive grant).
        const TRANSITIVE = GTF_TRANSITIVE;
        /// `GTF_type_mask`: the two type bits.
        const TYPE_MASK = GTF_TYPE_MASK;
        /// `GTF_readonly`: the grantee may only read.
        const READONLY = GTF_READONLY;
        /// `GTF_reading`: in use for reading (set by Xen).
        const READING = GTF_READING;
        /// `GTF_writing`: in use for writing (set by Xen).
        const WRITING = GTF_WRITING;
        /// `GTF_PWT`: write-through cache attribute.
        const PWT = GTF_PWT;
        /// `GTF_PCD`: cache-disable attribute.
        const PCD = GTF_PCD;
        /// `GTF_PAT`: PAT attribute bit.
        const PAT = GTF_PAT;
        /// `GTF_sub_page`: sub-page copy-only grant (v2).
        const SUB_PAGE = GTF_SUB_PAGE;
        /// `GTF_transfer_committed`: transfer committed (same bit as `READONLY`).
        const TRANSFER_COMMITTED = GTF_TRANSFER_COMMITTED;
        /// `GTF_transfer_completed`: transfer completed (same bit as `READING`).
        const TRANSFER_COMPLETED = GTF_TRANSFER_COMPLETED;
    }
}

impl GtfFlags {
    /// The entry type held in the two type bits.
    pub const fn entry_type(self) -> GtfType {
        GtfType::from_flags(self.bits())
    }
}

/// The type field (`GTF_type_mask` bits) of a grant entry's flags (`grant_table.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum GtfType {
    /// `GTF_invalid`: unused entry.
    Invalid = GTF_INVALID,
    /// `GTF_permit_access`: the grantee may map or copy the frame.
    PermitAccess = GTF_PERMIT_ACCESS,
    /// `GTF_accept_transfer`: the grantee may transfer a page in.
    AcceptTransfer = GTF_ACCEPT_TRANSFER,
    /// `GTF_transitive`: re-grant of another domain's grant.
    Transitive = GTF_TRANSITIVE,
}

impl GtfType {
    /// Extracts the type from a raw `flags` word (other bits are ignored).
    pub const fn from_flags(flags: u16) -> Self {
        match flags & GTF_TYPE_MASK {
            GTF_INVALID => Self::Invalid,
            GTF_PERMIT_ACCESS => Self::PermitAccess,
            GTF_ACCEPT_TRANSFER => Self::AcceptTransfer,
            _ => Self::Transitive,
        }
    }
}

/// `struct grant_entry_header` (`grant_table.h`): the common start of every
/// version-2 grant entry.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GrantEntryHeader {
    /// `GTF_*` type and flag bits (see [`GtfFlags`]).
    pub flags: u16,
    /// The domain allowed to use this grant.
    pub domid: DomId,
}

/// The `full_page` arm of `union grant_entry_v2` (`grant_table.h`): a
/// whole-page access grant or a transfer target.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GrantEntryV2FullPage {
    /// Type, flags and grantee.
    pub hdr: GrantEntryHeader,
    /// Padding; zero.
    pub pad0: u32,
    /// The granted frame (as in [`GrantEntryV1::frame`], but 64 bits wide).
    pub frame: u64,
}

/// The `sub_page` arm of `union grant_entry_v2` (`grant_table.h`): a
/// copy-only grant of bytes `[page_off, page_off + length)` of a frame.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GrantEntryV2SubPage {
    /// Type, flags (`GTF_permit_access | GTF_sub_page`) and grantee.
    pub hdr: GrantEntryHeader,
    /// Offset of the first granted byte in the frame.
    pub page_off: u16,
    /// Number of granted bytes.
    pub length: u16,
    /// The frame containing the granted bytes.
    pub frame: u64,
}

/// The `transitive` arm of `union grant_entry_v2` (`grant_table.h`): lets
/// the grantee use grant `gref` of domain `trans_domid` (copy only).
///
/// This arm is 12 bytes, like the C member; the rest of the 16-byte entry
/// is unused.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GrantEntryV2Transitive {
    /// Type (`GTF_transitive`), flags and grantee.
    pub hdr: GrantEntryHeader,
    /// The domain owning the original grant.
    pub trans_domid: DomId,
    /// Padding; zero.
    pub pad0: u16,
    /// The original grant reference in `trans_domid`'s table.
    pub gref: GrantRef,
}

/// `union grant_entry_v2` (`grant_table.h`): one 16-byte entry of a
/// version-2 shared grant table.
///
/// Every arm starts with [`GrantEntryHeader`], exposed as `hdr`; the
/// remaining 12 bytes are kept raw in `body` and read or written through
/// [`full_page`](Self::full_page), [`sub_page`](Self::sub_page) and
/// [`transitive`](Self::transitive) according to the header's type.
#[repr(C, align(8))]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GrantEntryV2 {
    /// Type, flags and grantee (common to every arm).
    pub hdr: GrantEntryHeader,
    /// The arm-specific bytes (entry offsets 4..16).
    pub body: [u8; 12],
}

impl GrantEntryV2 {
    fn arm<T: FromBytes>(&self) -> T {
        read_prefix(self.as_bytes())
    }

    fn from_arm<T: IntoBytes + Immutable>(arm: &T) -> Self {
        let mut e = Self::default();
        write_prefix(arm, e.as_mut_bytes());
        e
    }

    /// The entry read as its `full_page` arm.
    pub fn full_page(&self) -> GrantEntryV2FullPage {
        self.arm()
    }

    /// The entry read as its `sub_page` arm.
    pub fn sub_page(&self) -> GrantEntryV2SubPage {
        self.arm()
    }

    /// The entry read as its `transitive` arm.
    pub fn transitive(&self) -> GrantEntryV2Transitive {
        self.arm()
    }

    /// An entry holding the given `full_page` arm.
    pub fn from_full_page(arm: &GrantEntryV2FullPage) -> Self {
        Self::from_arm(arm)
    }

    /// An entry holding the given `sub_page` arm.
    pub fn from_sub_page(arm: &GrantEntryV2SubPage) -> Self {
        Self::from_arm(arm)
    }

    /// An entry holding the given `transitive` arm (the last 4 bytes zero).
    pub fn from_transitive(arm: &GrantEntryV2Transitive) -> Self {
        Self::from_arm(arm)
    }
}

// ---------------------------------------------------------------------------
// Frame arithmetic
// ---------------------------------------------------------------------------

/// Version-1 entries per 4 KiB grant frame (512).
pub const GRANT_ENTRIES_PER_FRAME_V1: u32 = (GRANT_FRAME_SIZE / size_of::<GrantEntryV1>()) as u32;
/// Version-2 entries per 4 KiB grant frame (256).
pub const GRANT_ENTRIES_PER_FRAME_V2: u32 = (GRANT_FRAME_SIZE / size_of::<GrantEntryV2>()) as u32;
/// [`GrantStatus`] words per 4 KiB status frame (2048).
pub const GRANT_STATUS_PER_FRAME: u32 = (GRANT_FRAME_SIZE / size_of::<GrantStatus>()) as u32;

/// A grant-table layout version, as set by `GNTTABOP_set_version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum GrantTableVersion {
    /// Version 1: 8-byte [`GrantEntryV1`] entries with in-entry status bits.
    V1 = 1,
    /// Version 2: 16-byte [`GrantEntryV2`] entries plus separate status frames.
    V2 = 2,
}

impl TryFrom<u32> for GrantTableVersion {
    type Error = u32;

    /// Accepts 1 or 2; any other number is returned as the error.
    fn try_from(v: u32) -> Result<Self, u32> {
        match v {
            1 => Ok(Self::V1),
            2 => Ok(Self::V2),
            other => Err(other),
        }
    }
}

impl GrantTableVersion {
    /// Size in bytes of one shared entry.
    pub const fn entry_size(self) -> usize {
        match self {
            Self::V1 => size_of::<GrantEntryV1>(),
            Self::V2 => size_of::<GrantEntryV2>(),
        }
    }

    /// Shared entries per grant frame.
    pub const fn entries_per_frame(self) -> u32 {
        match self {
            Self::V1 => GRANT_ENTRIES_PER_FRAME_V1,
            Self::V2 => GRANT_ENTRIES_PER_FRAME_V2,
        }
    }

    /// Number of grant references that `nr_frames` grant frames hold.
    pub const fn entries(self, nr_frames: u32) -> u64 {
        nr_frames as u64 * self.entries_per_frame() as u64
    }

    /// Which grant frame holds `gref`, and the byte offset of its entry in
    /// that frame.
    pub const fn locate(self, gref: GrantRef) -> (u32, usize) {
        let per = self.entries_per_frame();
        (gref.0 / per, (gref.0 % per) as usize * self.entry_size())
    }

    /// Grant frames needed to hold `nr_entries` references (rounded up).
    pub const fn frames_for_entries(self, nr_entries: u64) -> u64 {
        nr_entries.div_ceil(self.entries_per_frame() as u64)
    }
}

/// Number of v2 status frames that go with `nr_grant_frames` v2 grant
/// frames (rounded up: one status frame covers 8 grant frames).
pub const fn status_frames_for(nr_grant_frames: u32) -> u32 {
    (nr_grant_frames as u64 * GRANT_ENTRIES_PER_FRAME_V2 as u64)
        .div_ceil(GRANT_STATUS_PER_FRAME as u64) as u32
}

/// Which status frame holds the status word of `gref`, and its byte offset
/// in that frame.
pub const fn locate_status(gref: GrantRef) -> (u32, usize) {
    (
        gref.0 / GRANT_STATUS_PER_FRAME,
        (gref.0 % GRANT_STATUS_PER_FRAME) as usize * size_of::<GrantStatus>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_entry_layouts() {
        assert_layout!(GrantEntryV1, 8, { flags: 0, domid: 2, frame: 4 });
        assert_layout!(GrantEntryHeader, 4, { flags: 0, domid: 2 });
        assert_layout!(GrantEntryV2, 16, { hdr: 0, hdr.flags: 0, hdr.domid: 2, body: 4 });
        assert_eq!(core::mem::align_of::<GrantEntryV2>(), 8);
        assert_layout!(GrantEntryV2FullPage, 16, { hdr: 0, pad0: 4, frame: 8 });
        assert_layout!(GrantEntryV2SubPage, 16, { hdr: 0, page_off: 4, length: 6, frame: 8 });
        assert_layout!(GrantEntryV2Transitive, 12, { hdr: 0, trans_domid: 4, pad0: 6, gref: 8 });
    }

    #[test]
    fn v2_arms_round_trip() {
        let fp = GrantEntryV2FullPage {
            hdr: GrantEntryHeader {
                flags: GTF_PERMIT_ACCESS | GTF_READONLY,
                domid: DomId(3),
            },
            pad0: 0,
            frame: 0x1_2345_6789,
        };
        let e = GrantEntryV2::from_full_page(&fp);
        assert_eq!(e.hdr, fp.hdr);
        assert_eq!(e.full_page(), fp);
        assert_eq!(&e.as_bytes()[8..16], &0x1_2345_6789u64.to_ne_bytes());

        let sp = GrantEntryV2SubPage {
            hdr: GrantEntryHeader {
                flags: GTF_PERMIT_ACCESS | GTF_SUB_PAGE,
                domid: DomId(1),
            },
            page_off: 512,
            length: 100,
            frame: 42,
        };
        let e = GrantEntryV2::from_sub_page(&sp);
        assert_eq!(e.sub_page(), sp);
        assert_eq!(
            GtfFlags::from_bits_retain(e.hdr.flags).entry_type(),
            GtfType::PermitAccess
        );

        let tr = GrantEntryV2Transitive {
            hdr: GrantEntryHeader {
                flags: GTF_TRANSITIVE,
                domid: DomId(7),
            },
            trans_domid: DomId(9),
            pad0: 0,
            gref: GrantRef(77),
        };
        let e = GrantEntryV2::from_transitive(&tr);
        assert_eq!(e.transitive(), tr);
        assert_eq!(&e.as_bytes()[12..], &[0; 4]);
        assert_eq!(
            GtfFlags::from_bits_retain(e.hdr.flags).entry_type(),
            GtfType::Transitive
        );
    }

    #[test]
    fn gtf_types_and_flags() {
        assert_eq!(GtfType::from_flags(0xFFF0), GtfType::Invalid);
        assert_eq!(
            GtfType::from_flags(GTF_ACCEPT_TRANSFER | GTF_TRANSFER_COMPLETED),
            GtfType::AcceptTransfer
        );
        assert_eq!(GTF_TRANSFER_COMMITTED, GTF_READONLY);
        assert_eq!(GTF_TRANSFER_COMPLETED, GTF_READING);
        assert_eq!(GTF_SUB_PAGE, 0x100);
    }

    #[test]
    fn frame_arithmetic() {
        assert_eq!(GRANT_ENTRIES_PER_FRAME_V1, 512);
        assert_eq!(GRANT_ENTRIES_PER_FRAME_V2, 256);
        assert_eq!(GRANT_STATUS_PER_FRAME, 2048);
        let v1 = GrantTableVersion::V1;
        let v2 = GrantTableVersion::V2;
        assert_eq!(v1.entries(64), 32768);
        assert_eq!(v2.entries(64), 16384);
        assert_eq!(v1.locate(GrantRef(513)), (1, 8));
        assert_eq!(v2.locate(GrantRef(257)), (1, 16));
        assert_eq!(v1.frames_for_entries(513), 2);
        assert_eq!(v2.frames_for_entries(256), 1);
        assert_eq!(status_frames_for(0), 0);
        assert_eq!(status_frames_for(1), 1);
        assert_eq!(status_frames_for(8), 1);
        assert_eq!(status_frames_for(9), 2);
        assert_eq!(status_frames_for(64), 8);
        assert_eq!(locate_status(GrantRef(2049)), (1, 2));
        assert_eq!(GrantTableVersion::try_from(2), Ok(v2));
        assert_eq!(GrantTableVersion::try_from(3), Err(3));
    }
}
