//! The PV block device protocol (`io/blkif.h`): request and response
//! layouts, operations, status codes and disk flags, in the native x86_64
//! ABI and the x86_32 ABI a backend must accept when a frontend's
//! `protocol` key says `x86_32-abi`.
//!
//! The x86_32 layouts are not in Xen's public headers (Linux's blkback
//! defines them): there 64-bit fields are 4-byte aligned, so `id` sits at
//! offset 4 instead of 8 and a request is 108 bytes instead of 112. They are
//! modelled with `#[repr(C, packed(4))]`, which gives exactly that alignment.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::GrantRef;

/// `blkif_vdev_t` (`io/blkif.h`): a virtual device handle.
pub type BlkifVdev = u16;
/// `blkif_sector_t` (`io/blkif.h`): a 512-byte sector number.
pub type BlkifSector = u64;

/// `BLKIF_OP_READ` (`io/blkif.h`).
pub const BLKIF_OP_READ: u8 = 0;
/// `BLKIF_OP_WRITE` (`io/blkif.h`).
pub const BLKIF_OP_WRITE: u8 = 1;
/// `BLKIF_OP_WRITE_BARRIER` (`io/blkif.h`): write with barrier semantics.
pub const BLKIF_OP_WRITE_BARRIER: u8 = 2;
/// `BLKIF_OP_FLUSH_DISKCACHE` (`io/blkif.h`): flush the disk's write cache.
pub const BLKIF_OP_FLUSH_DISKCACHE: u8 = 3;
/// `BLKIF_OP_RESERVED_1` (`io/blkif.h`): reserved (was a vendor extension).
pub const BLKIF_OP_RESERVED_1: u8 = 4;
/// `BLKIF_OP_DISCARD` (`io/blkif.h`): discard (trim) sectors.
pub const BLKIF_OP_DISCARD: u8 = 5;
/// `BLKIF_OP_INDIRECT` (`io/blkif.h`): read or write with indirect segment pages.
pub const BLKIF_OP_INDIRECT: u8 = 6;

/// `BLKIF_MAX_SEGMENTS_PER_REQUEST` (`io/blkif.h`): segments in a direct request.
pub const BLKIF_MAX_SEGMENTS_PER_REQUEST: usize = 11;
/// `BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST` (`io/blkif.h`).
pub const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST: usize = 8;
/// Segments described by one indirect page (4096 / 8).
pub const BLKIF_SEGS_PER_INDIRECT_FRAME: usize = 512;

/// `BLKIF_RSP_EOPNOTSUPP` (`io/blkif.h`): operation not supported.
pub const BLKIF_RSP_EOPNOTSUPP: i16 = -2;
/// `BLKIF_RSP_ERROR` (`io/blkif.h`): operation failed.
pub const BLKIF_RSP_ERROR: i16 = -1;
/// `BLKIF_RSP_OKAY` (`io/blkif.h`): operation succeeded.
pub const BLKIF_RSP_OKAY: i16 = 0;

/// `BLKIF_DISCARD_SECURE` (`io/blkif.h`): securely erase discarded sectors.
pub const BLKIF_DISCARD_SECURE: u8 = 1;

/// `VDISK_CDROM` (`io/blkif.h`): the `info` bit of a CD-ROM.
pub const VDISK_CDROM: u32 = 0x1;
/// `VDISK_REMOVABLE` (`io/blkif.h`): removable media.
pub const VDISK_REMOVABLE: u32 = 0x2;
/// `VDISK_READONLY` (`io/blkif.h`): read-only disk.
pub const VDISK_READONLY: u32 = 0x4;

/// Bytes per sector in the protocol.
pub const BLKIF_SECTOR_SIZE: u64 = 512;

/// `struct blkif_request_segment` (`io/blkif.h`): one granted page and the
/// inclusive sector range within it.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct BlkifRequestSegment {
    /// Grant of the I/O page.
    pub gref: GrantRef,
    /// First sector in the page (0–7).
    pub first_sect: u8,
    /// Last sector in the page, inclusive (0–7).
    pub last_sect: u8,
    /// Padding; zero.
    pub _pad: u16,
}

/// `struct blkif_request` (`io/blkif.h`): read/write/flush/barrier request.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct BlkifRequest {
    /// `BLKIF_OP_*`.
    pub operation: u8,
    /// Number of valid entries in `seg`.
    pub nr_segments: u8,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Padding; zero.
    pub _pad: u32,
    /// Guest's id, echoed in the response.
    pub id: u64,
    /// First sector on the disk.
    pub sector_number: BlkifSector,
    /// Data segments.
    pub seg: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
}

/// `struct blkif_request_discard` (`io/blkif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct BlkifRequestDiscard {
    /// `BLKIF_OP_DISCARD`.
    pub operation: u8,
    /// `BLKIF_DISCARD_SECURE` or 0.
    pub flag: u8,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Padding; zero.
    pub _pad: u32,
    /// Guest's id.
    pub id: u64,
    /// First sector to discard.
    pub sector_number: BlkifSector,
    /// Number of sectors.
    pub nr_sectors: u64,
}

/// `struct blkif_request_indirect` (`io/blkif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct BlkifRequestIndirect {
    /// `BLKIF_OP_INDIRECT`.
    pub operation: u8,
    /// `BLKIF_OP_READ` or `BLKIF_OP_WRITE`.
    pub indirect_op: u8,
    /// Total number of segments.
    pub nr_segments: u16,
    /// Padding; zero.
    pub _pad0: u32,
    /// Guest's id.
    pub id: u64,
    /// First sector.
    pub sector_number: BlkifSector,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Padding; zero.
    pub _pad1: u16,
    /// Grants of the pages holding the segment descriptors.
    pub indirect_grefs: [GrantRef; BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
    /// Trailing padding to the 8-byte alignment; zero. (Only i386 builds
    /// of the C header declare an explicit 64-bit `pad` here.)
    pub _pad2: u32,
}

/// `struct blkif_response` (`io/blkif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct BlkifResponse {
    /// The request's id.
    pub id: u64,
    /// The request's operation.
    pub operation: u8,
    /// Padding; zero.
    pub _pad0: u8,
    /// `BLKIF_RSP_*`.
    pub status: i16,
    /// Padding; zero.
    pub _pad1: u32,
}

/// x86_32-ABI read/write request (Linux `blkif_x86_32_request` with its `rw` arm).
#[repr(C, packed(4))]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct BlkifX86_32Request {
    /// `BLKIF_OP_*`.
    pub operation: u8,
    /// Number of valid segments.
    pub nr_segments: u8,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Guest's id (4-byte aligned).
    pub id: u64,
    /// First sector.
    pub sector_number: BlkifSector,
    /// Data segments.
    pub seg: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
}

/// x86_32-ABI discard request.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct BlkifX86_32RequestDiscard {
    /// `BLKIF_OP_DISCARD`.
    pub operation: u8,
    /// `BLKIF_DISCARD_SECURE` or 0.
    pub flag: u8,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Guest's id.
    pub id: u64,
    /// First sector.
    pub sector_number: BlkifSector,
    /// Number of sectors.
    pub nr_sectors: u64,
}

/// x86_32-ABI indirect request.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct BlkifX86_32RequestIndirect {
    /// `BLKIF_OP_INDIRECT`.
    pub operation: u8,
    /// `BLKIF_OP_READ` or `BLKIF_OP_WRITE`.
    pub indirect_op: u8,
    /// Total number of segments.
    pub nr_segments: u16,
    /// Guest's id.
    pub id: u64,
    /// First sector.
    pub sector_number: BlkifSector,
    /// Device handle.
    pub handle: BlkifVdev,
    /// Padding; zero.
    pub _pad1: u16,
    /// Grants of the segment-descriptor pages.
    pub indirect_grefs: [GrantRef; BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
    /// Reserved.
    pub _pad2: u64,
}

/// x86_32-ABI response: 12 bytes.
#[repr(C, packed(4))]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct BlkifX86_32Response {
    /// The request's id.
    pub id: u64,
    /// The request's operation.
    pub operation: u8,
    /// Padding; zero.
    pub _pad0: u8,
    /// `BLKIF_RSP_*`.
    pub status: i16,
}

/// Size of one ring slot in the native (x86_64) ABI.
pub const BLKIF_X86_64_SLOT_SIZE: usize = 112;
/// Size of one ring slot in the x86_32 ABI.
pub const BLKIF_X86_32_SLOT_SIZE: usize = 108;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_layouts() {
        assert_layout!(BlkifRequestSegment, 8, { gref: 0, first_sect: 4, last_sect: 5 });
        assert_layout!(BlkifRequest, 112, {
            operation: 0, nr_segments: 1, handle: 2, id: 8, sector_number: 16, seg: 24,
        });
        assert_layout!(BlkifRequestDiscard, 32, {
            operation: 0, flag: 1, handle: 2, id: 8, sector_number: 16, nr_sectors: 24,
        });
        assert_layout!(BlkifRequestIndirect, 64, {
            operation: 0, indirect_op: 1, nr_segments: 2, id: 8, sector_number: 16,
            handle: 24, indirect_grefs: 28, _pad2: 60,
        });
        assert_layout!(BlkifResponse, 16, { id: 0, operation: 8, status: 10 });
    }

    #[test]
    fn x86_32_layouts() {
        assert_layout!(BlkifX86_32Request, 108, {
            operation: 0, nr_segments: 1, handle: 2, id: 4, sector_number: 12, seg: 20,
        });
        assert_layout!(BlkifX86_32RequestDiscard, 28, {
            operation: 0, flag: 1, handle: 2, id: 4, sector_number: 12, nr_sectors: 20,
        });
        assert_layout!(BlkifX86_32RequestIndirect, 64, {
            operation: 0, indirect_op: 1, nr_segments: 2, id: 4, sector_number: 12,
            handle: 20, indirect_grefs: 24, _pad2: 56,
        });
        assert_layout!(BlkifX86_32Response, 12, { id: 0, operation: 8, status: 10 });
        assert_eq!(core::mem::align_of::<BlkifX86_32Request>(), 4);
    }

    #[test]
    fn slot_sizes_and_ring_capacity() {
        use crate::io::ring::ring_entries;
        let native =
            core::mem::size_of::<BlkifRequest>().max(core::mem::size_of::<BlkifResponse>());
        let x86_32 = core::mem::size_of::<BlkifX86_32Request>()
            .max(core::mem::size_of::<BlkifX86_32Response>());
        assert_eq!(native, BLKIF_X86_64_SLOT_SIZE);
        assert_eq!(x86_32, BLKIF_X86_32_SLOT_SIZE);
        assert_eq!(ring_entries(4096, native), 32);
        assert_eq!(ring_entries(4096, x86_32), 32);
    }
}
