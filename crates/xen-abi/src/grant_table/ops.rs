//! The `GNTTABOP_*` operation numbers, their argument structures and the
//! `GNTMAP_*`, `GNTCOPY_*` and `GNTTAB_CACHE_*` flag words.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::{read_prefix, write_prefix, GrantHandle};
use crate::{DomId, GrantRef, GuestHandle, XenPfn};

// ---------------------------------------------------------------------------
// Operation numbers
// ---------------------------------------------------------------------------

/// `GNTTABOP_map_grant_ref` (`grant_table.h`): map grants ([`GnttabMapGrantRef`]).
pub const GNTTABOP_MAP_GRANT_REF: u32 = 0;
/// `GNTTABOP_unmap_grant_ref` (`grant_table.h`): unmap grants ([`GnttabUnmapGrantRef`]).
pub const GNTTABOP_UNMAP_GRANT_REF: u32 = 1;
/// `GNTTABOP_setup_table` (`grant_table.h`): size the table and list its frames ([`GnttabSetupTable`]).
pub const GNTTABOP_SETUP_TABLE: u32 = 2;
/// `GNTTABOP_dump_table` (`grant_table.h`): debug dump ([`GnttabDumpTable`]).
pub const GNTTABOP_DUMP_TABLE: u32 = 3;
/// `GNTTABOP_transfer` (`grant_table.h`): give pages away ([`GnttabTransfer`]).
pub const GNTTABOP_TRANSFER: u32 = 4;
/// `GNTTABOP_copy` (`grant_table.h`): copy between grants and frames ([`GnttabCopy`]).
pub const GNTTABOP_COPY: u32 = 5;
/// `GNTTABOP_query_size` (`grant_table.h`): current and maximum table size ([`GnttabQuerySize`]).
pub const GNTTABOP_QUERY_SIZE: u32 = 6;
/// `GNTTABOP_unmap_and_replace` (`grant_table.h`): unmap, putting another mapping in place ([`GnttabUnmapAndReplace`]).
pub const GNTTABOP_UNMAP_AND_REPLACE: u32 = 7;
/// `GNTTABOP_set_version` (`grant_table.h`): switch table layout ([`GnttabSetVersion`]).
pub const GNTTABOP_SET_VERSION: u32 = 8;
/// `GNTTABOP_get_status_frames` (`grant_table.h`): list v2 status frames ([`GnttabGetStatusFrames`]).
pub const GNTTABOP_GET_STATUS_FRAMES: u32 = 9;
/// `GNTTABOP_get_version` (`grant_table.h`): read a domain's table version ([`GnttabGetVersion`]).
pub const GNTTABOP_GET_VERSION: u32 = 10;
/// `GNTTABOP_swap_grant_ref` (`grant_table.h`): swap two entries ([`GnttabSwapGrantRef`]).
pub const GNTTABOP_SWAP_GRANT_REF: u32 = 11;
/// `GNTTABOP_cache_flush` (`grant_table.h`): clean/invalidate granted memory ([`GnttabCacheFlush`]).
pub const GNTTABOP_CACHE_FLUSH: u32 = 12;

// ---------------------------------------------------------------------------
// Operation arguments
// ---------------------------------------------------------------------------

/// `GNTMAP_device_map` bit number (`_GNTMAP_device_map`, `grant_table.h`).
pub const _GNTMAP_DEVICE_MAP: u32 = 0;
/// `GNTMAP_device_map` (`grant_table.h`): map for device (DMA) access.
pub const GNTMAP_DEVICE_MAP: u32 = 1 << _GNTMAP_DEVICE_MAP;
/// `GNTMAP_host_map` bit number (`_GNTMAP_host_map`, `grant_table.h`).
pub const _GNTMAP_HOST_MAP: u32 = 1;
/// `GNTMAP_host_map` (`grant_table.h`): map for CPU access.
pub const GNTMAP_HOST_MAP: u32 = 1 << _GNTMAP_HOST_MAP;
/// `GNTMAP_readonly` bit number (`_GNTMAP_readonly`, `grant_table.h`).
pub const _GNTMAP_READONLY: u32 = 2;
/// `GNTMAP_readonly` (`grant_table.h`): map read-only.
pub const GNTMAP_READONLY: u32 = 1 << _GNTMAP_READONLY;
/// `GNTMAP_application_map` bit number (`_GNTMAP_application_map`, `grant_table.h`).
pub const _GNTMAP_APPLICATION_MAP: u32 = 3;
/// `GNTMAP_application_map` (`grant_table.h`): the host mapping is also
/// usable by the current user application (PV).
pub const GNTMAP_APPLICATION_MAP: u32 = 1 << _GNTMAP_APPLICATION_MAP;
/// `GNTMAP_contains_pte` bit number (`_GNTMAP_contains_pte`, `grant_table.h`).
pub const _GNTMAP_CONTAINS_PTE: u32 = 4;
/// `GNTMAP_contains_pte` (`grant_table.h`): `host_addr` is the machine
/// address of the PTE to write rather than a virtual address (PV).
pub const GNTMAP_CONTAINS_PTE: u32 = 1 << _GNTMAP_CONTAINS_PTE;
/// `_GNTMAP_guest_avail0` (`grant_table.h`): first of the bits left for the
/// guest's own use.
pub const _GNTMAP_GUEST_AVAIL0: u32 = 16;
/// `GNTMAP_guest_avail_mask` (`grant_table.h`): bits 16..31, for the guest's own use.
pub const GNTMAP_GUEST_AVAIL_MASK: u32 = u32::MAX << _GNTMAP_GUEST_AVAIL0;

bitflags! {
    /// `GNTMAP_*` (`grant_table.h`): the `flags` of a map request.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct GntmapFlags: u32 {
        /// `GNTMAP_device_map`: map for device access.
        const DEVICE_MAP = GNTMAP_DEVICE_MAP;
        /// `GNTMAP_host_map`: map for CPU access.
        const HOST_MAP = GNTMAP_HOST_MAP;
        /// `GNTMAP_readonly`: read-only mapping.
        const READONLY = GNTMAP_READONLY;
        /// `GNTMAP_application_map`: also usable by the application.
        const APPLICATION_MAP = GNTMAP_APPLICATION_MAP;
        /// `GNTMAP_contains_pte`: `host_addr` names a PTE.
        const CONTAINS_PTE = GNTMAP_CONTAINS_PTE;
        /// `GNTMAP_guest_avail_mask`: guest-private bits 16..31.
        const GUEST_AVAIL_MASK = GNTMAP_GUEST_AVAIL_MASK;
    }
}

/// `struct gnttab_map_grant_ref` (`grant_table.h`): one element of a
/// `GNTTABOP_map_grant_ref` batch.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabMapGrantRef {
    /// In: where to map (virtual address, or PTE address with `GNTMAP_contains_pte`).
    pub host_addr: u64,
    /// In: `GNTMAP_*` flags (see [`GntmapFlags`]).
    pub flags: u32,
    /// In: the grant to map.
    pub r#ref: GrantRef,
    /// In: the granting domain.
    pub dom: DomId,
    /// Out: a `GNTST_*` code (see [`GrantOpStatus`](super::GrantOpStatus)).
    pub status: i16,
    /// Out: handle for the later unmap.
    pub handle: GrantHandle,
    /// Out: bus address for device mappings.
    pub dev_bus_addr: u64,
}

/// `struct gnttab_unmap_grant_ref` (`grant_table.h`): one element of a
/// `GNTTABOP_unmap_grant_ref` batch.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabUnmapGrantRef {
    /// In: the host mapping to remove (0 for none).
    pub host_addr: u64,
    /// In: the device mapping to remove (0 for none).
    pub dev_bus_addr: u64,
    /// In: handle from the map operation.
    pub handle: GrantHandle,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// Padding; zero.
    pub _pad: u16,
}

/// `struct gnttab_setup_table` (`grant_table.h`): argument of
/// `GNTTABOP_setup_table`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabSetupTable {
    /// In: the domain whose table to set up.
    pub dom: DomId,
    /// Padding; zero.
    pub _pad0: u16,
    /// In: number of frames wanted.
    pub nr_frames: u32,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// Padding; zero.
    pub _pad1: u16,
    /// Padding; zero.
    pub _pad2: u32,
    /// In: array of `nr_frames` frame numbers Xen fills in.
    pub frame_list: GuestHandle<XenPfn>,
}

/// `struct gnttab_dump_table` (`grant_table.h`): argument of
/// `GNTTABOP_dump_table`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabDumpTable {
    /// In: the domain whose table to dump.
    pub dom: DomId,
    /// Out: a `GNTST_*` code.
    pub status: i16,
}

/// `struct gnttab_transfer` (`grant_table.h`): one element of a
/// `GNTTABOP_transfer` batch.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabTransfer {
    /// In: the frame to give away.
    pub mfn: XenPfn,
    /// In: the receiving domain.
    pub domid: DomId,
    /// Padding; zero.
    pub _pad0: u16,
    /// In: the receiver's accept-transfer grant.
    pub r#ref: GrantRef,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// Padding; zero.
    pub _pad1: u16,
    /// Padding; zero.
    pub _pad2: u32,
}

/// `_GNTCOPY_source_gref` (`grant_table.h`): bit number of [`GNTCOPY_SOURCE_GREF`].
pub const _GNTCOPY_SOURCE_GREF: u16 = 0;
/// `GNTCOPY_source_gref` (`grant_table.h`): the copy source is a grant reference.
pub const GNTCOPY_SOURCE_GREF: u16 = 1 << _GNTCOPY_SOURCE_GREF;
/// `_GNTCOPY_dest_gref` (`grant_table.h`): bit number of [`GNTCOPY_DEST_GREF`].
pub const _GNTCOPY_DEST_GREF: u16 = 1;
/// `GNTCOPY_dest_gref` (`grant_table.h`): the copy destination is a grant reference.
pub const GNTCOPY_DEST_GREF: u16 = 1 << _GNTCOPY_DEST_GREF;

bitflags! {
    /// `GNTCOPY_*` (`grant_table.h`): the `flags` of a [`GnttabCopy`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct GntcopyFlags: u16 {
        /// `GNTCOPY_source_gref`: `source.u` is a grant reference.
        const SOURCE_GREF = GNTCOPY_SOURCE_GREF;
        /// `GNTCOPY_dest_gref`: `dest.u` is a grant reference.
        const DEST_GREF = GNTCOPY_DEST_GREF;
    }
}

/// `struct gnttab_copy_ptr` (`grant_table.h`): one end of a grant copy,
/// either a grant reference or (for the caller's own memory) a frame number.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabCopyPtr {
    /// The C union `u { grant_ref_t ref; xen_pfn_t gmfn; }`, kept as its
    /// 8 raw bytes in native order; use [`gref`](Self::gref) or
    /// [`gmfn`](Self::gmfn) as `GNTCOPY_*` says.
    pub u: u64,
    /// The domain owning the grant or frame.
    pub domid: DomId,
    /// Byte offset in the page.
    pub offset: u16,
    /// Padding; zero.
    pub _pad: u32,
}

impl GnttabCopyPtr {
    /// A copy end naming grant `gref` of domain `domid`.
    pub fn from_gref(gref: GrantRef, domid: DomId, offset: u16) -> Self {
        let mut u = [0u8; 8];
        u[..4].copy_from_slice(&gref.0.to_ne_bytes());
        Self {
            u: u64::from_ne_bytes(u),
            domid,
            offset,
            _pad: 0,
        }
    }

    /// A copy end naming frame `gmfn` of domain `domid` (must be the caller).
    pub fn from_gmfn(gmfn: XenPfn, domid: DomId, offset: u16) -> Self {
        Self {
            u: gmfn,
            domid,
            offset,
            _pad: 0,
        }
    }

    /// The union read as `ref` (its first 4 bytes).
    pub fn gref(&self) -> GrantRef {
        GrantRef(read_prefix(self.u.as_bytes()))
    }

    /// The union read as `gmfn`.
    pub fn gmfn(&self) -> XenPfn {
        self.u
    }
}

/// `struct gnttab_copy` (`grant_table.h`): one element of a `GNTTABOP_copy`
/// batch.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabCopy {
    /// In: where to copy from.
    pub source: GnttabCopyPtr,
    /// In: where to copy to.
    pub dest: GnttabCopyPtr,
    /// In: bytes to copy (must not cross a page at either end).
    pub len: u16,
    /// In: `GNTCOPY_*` flags (see [`GntcopyFlags`]).
    pub flags: u16,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// Padding; zero.
    pub _pad: u16,
}

/// `struct gnttab_query_size` (`grant_table.h`): argument of
/// `GNTTABOP_query_size`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabQuerySize {
    /// In: the domain to query.
    pub dom: DomId,
    /// Padding; zero.
    pub _pad0: u16,
    /// Out: current number of grant frames.
    pub nr_frames: u32,
    /// Out: the domain's limit on grant frames.
    pub max_nr_frames: u32,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// Padding; zero.
    pub _pad1: u16,
}

/// `struct gnttab_unmap_and_replace` (`grant_table.h`): one element of a
/// `GNTTABOP_unmap_and_replace` batch.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabUnmapAndReplace {
    /// In: the mapping to remove.
    pub host_addr: u64,
    /// In: address whose mapping is moved into `host_addr`'s place (then cleared).
    pub new_addr: u64,
    /// In: handle from the map operation.
    pub handle: GrantHandle,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// Padding; zero.
    pub _pad: u16,
}

/// `struct gnttab_set_version` (`grant_table.h`): argument of
/// `GNTTABOP_set_version`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabSetVersion {
    /// In: the wanted version (1 or 2); out: the version in force.
    pub version: u32,
}

/// `struct gnttab_get_status_frames` (`grant_table.h`): argument of
/// `GNTTABOP_get_status_frames`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabGetStatusFrames {
    /// In: number of entries in `frame_list`.
    pub nr_frames: u32,
    /// In: the domain whose status frames to list.
    pub dom: DomId,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// In: array of `nr_frames` 64-bit frame numbers Xen fills in.
    pub frame_list: GuestHandle<u64>,
}

/// `struct gnttab_get_version` (`grant_table.h`): argument of
/// `GNTTABOP_get_version`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabGetVersion {
    /// In: the domain to query.
    pub dom: DomId,
    /// Padding; zero.
    pub pad: u16,
    /// Out: its grant-table version.
    pub version: u32,
}

/// `struct gnttab_swap_grant_ref` (`grant_table.h`): one element of a
/// `GNTTABOP_swap_grant_ref` batch.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabSwapGrantRef {
    /// In: first entry.
    pub ref_a: GrantRef,
    /// In: second entry.
    pub ref_b: GrantRef,
    /// Out: a `GNTST_*` code.
    pub status: i16,
    /// Padding; zero.
    pub _pad: u16,
}

/// `GNTTAB_CACHE_CLEAN` (`grant_table.h`): write back cached data.
pub const GNTTAB_CACHE_CLEAN: u32 = 1 << 0;
/// `GNTTAB_CACHE_INVAL` (`grant_table.h`): invalidate cached data.
pub const GNTTAB_CACHE_INVAL: u32 = 1 << 1;
/// `GNTTAB_CACHE_SOURCE_GREF` (`grant_table.h`): `a` is a grant reference
/// rather than a bus address.
pub const GNTTAB_CACHE_SOURCE_GREF: u32 = 1 << 31;

bitflags! {
    /// `GNTTAB_CACHE_*` (`grant_table.h`): the `op` of a [`GnttabCacheFlush`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct GnttabCacheOp: u32 {
        /// `GNTTAB_CACHE_CLEAN`: write back.
        const CLEAN = GNTTAB_CACHE_CLEAN;
        /// `GNTTAB_CACHE_INVAL`: invalidate.
        const INVAL = GNTTAB_CACHE_INVAL;
        /// `GNTTAB_CACHE_SOURCE_GREF`: `a` names a grant reference.
        const SOURCE_GREF = GNTTAB_CACHE_SOURCE_GREF;
    }
}

/// `struct gnttab_cache_flush` (`grant_table.h`): one element of a
/// `GNTTABOP_cache_flush` batch.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct GnttabCacheFlush {
    /// The C union `a { uint64_t dev_bus_addr; grant_ref_t ref; }` as its
    /// 8 raw bytes in native order; see [`gref`](Self::gref).
    pub a: u64,
    /// Offset from the start of the grant.
    pub offset: u16,
    /// Bytes to operate on.
    pub length: u16,
    /// `GNTTAB_CACHE_*` flags (see [`GnttabCacheOp`]).
    pub op: u32,
}

impl GnttabCacheFlush {
    /// The union read as `dev_bus_addr`.
    pub fn dev_bus_addr(&self) -> u64 {
        self.a
    }

    /// The union read as `ref` (its first 4 bytes).
    pub fn gref(&self) -> GrantRef {
        GrantRef(read_prefix(self.a.as_bytes()))
    }

    /// Stores `gref` in the union (clearing its other bytes).
    pub fn set_gref(&mut self, gref: GrantRef) {
        self.a = 0;
        write_prefix(&gref.0, self.a.as_mut_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_layouts() {
        assert_layout!(GnttabMapGrantRef, 32, {
            host_addr: 0, flags: 8, r#ref: 12, dom: 16, status: 18, handle: 20, dev_bus_addr: 24,
        });
        assert_layout!(GnttabUnmapGrantRef, 24, {
            host_addr: 0, dev_bus_addr: 8, handle: 16, status: 20, _pad: 22,
        });
        assert_layout!(GnttabSetupTable, 24, {
            dom: 0, _pad0: 2, nr_frames: 4, status: 8, _pad1: 10, _pad2: 12, frame_list: 16,
        });
        assert_layout!(GnttabDumpTable, 4, { dom: 0, status: 2 });
        assert_layout!(GnttabTransfer, 24, {
            mfn: 0, domid: 8, _pad0: 10, r#ref: 12, status: 16, _pad1: 18, _pad2: 20,
        });
        assert_layout!(GnttabCopyPtr, 16, { u: 0, domid: 8, offset: 10, _pad: 12 });
        assert_layout!(GnttabCopy, 40, {
            source: 0, source.u: 0, source.domid: 8, source.offset: 10,
            dest: 16, dest.u: 16, dest.domid: 24, dest.offset: 26,
            len: 32, flags: 34, status: 36, _pad: 38,
        });
        assert_layout!(GnttabQuerySize, 16, {
            dom: 0, _pad0: 2, nr_frames: 4, max_nr_frames: 8, status: 12, _pad1: 14,
        });
        assert_layout!(GnttabUnmapAndReplace, 24, {
            host_addr: 0, new_addr: 8, handle: 16, status: 20, _pad: 22,
        });
        assert_layout!(GnttabSetVersion, 4, { version: 0 });
        assert_layout!(GnttabGetStatusFrames, 16, { nr_frames: 0, dom: 4, status: 6, frame_list: 8 });
        assert_layout!(GnttabGetVersion, 8, { dom: 0, pad: 2, version: 4 });
        assert_layout!(GnttabSwapGrantRef, 12, { ref_a: 0, ref_b: 4, status: 8, _pad: 10 });
        assert_layout!(GnttabCacheFlush, 16, { a: 0, offset: 8, length: 10, op: 12 });
    }

    #[test]
    fn gntmap_flags() {
        assert_eq!(GNTMAP_GUEST_AVAIL_MASK, 0xFFFF_0000);
        assert_eq!(GntmapFlags::all().bits(), 0xFFFF_001F);
    }

    #[test]
    fn copy_ptr_and_cache_flush_unions() {
        let p = GnttabCopyPtr::from_gref(GrantRef(0xDEAD_BEEF), DomId(5), 12);
        assert_eq!(p.gref(), GrantRef(0xDEAD_BEEF));
        assert_eq!(&p.as_bytes()[..4], &0xDEAD_BEEFu32.to_ne_bytes());
        assert_eq!(&p.as_bytes()[4..8], &[0; 4]);
        let p = GnttabCopyPtr::from_gmfn(0xAB_CDEF_0123, DomId::SELF, 0);
        assert_eq!(p.gmfn(), 0xAB_CDEF_0123);

        let mut c = GnttabCacheFlush {
            a: u64::MAX,
            ..Default::default()
        };
        c.set_gref(GrantRef(17));
        assert_eq!(c.gref(), GrantRef(17));
        assert_eq!(
            c.dev_bus_addr(),
            u64::from_ne_bytes([17, 0, 0, 0, 0, 0, 0, 0])
        );
    }
}
