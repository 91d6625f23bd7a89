//! The guest physical map (`memory.h`): adding and removing frames
//! (shared info, grant table, foreign pages), the E820 memory maps, the
//! machine-to-physical table and populate-on-demand targets.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::arch_x86::XenUlong;
use crate::{DomId, GuestHandle, XenPfn};

/// `struct xen_machphys_mfn_list` (`memory.h`): argument of
/// `XENMEM_machphys_mfn_list`, listing the 2 MiB extents of the
/// machine-to-physical table.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MachphysMfnList {
    /// Capacity of `extent_start`.
    pub max_extents: u32,
    /// Padding; zero.
    pub _pad0: u32,
    /// Buffer receiving the extents' first frames (0 for holes).
    pub extent_start: GuestHandle<XenPfn>,
    /// Number of extents written.
    pub nr_extents: u32,
    /// Padding; zero.
    pub _pad1: u32,
}

/// `struct xen_machphys_mapping` (`memory.h`): where the
/// machine-to-physical table is mapped in a PV guest.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MachphysMapping {
    /// Start virtual address.
    pub v_start: XenUlong,
    /// End virtual address.
    pub v_end: XenUlong,
    /// Highest frame that can be looked up.
    pub max_mfn: XenUlong,
}

/// `XENMAPSPACE_shared_info` (`memory.h`): the shared-info page.
pub const XENMAPSPACE_SHARED_INFO: u32 = 0;
/// `XENMAPSPACE_grant_table` (`memory.h`): a grant-table frame (`idx`,
/// ORed with `XENMAPIDX_grant_table_status` for v2 status frames).
pub const XENMAPSPACE_GRANT_TABLE: u32 = 1;
/// `XENMAPSPACE_gmfn` (`memory.h`): move one of the domain's own frames.
pub const XENMAPSPACE_GMFN: u32 = 2;
/// `XENMAPSPACE_gmfn_range` (`memory.h`): move `size` frames
/// (`XENMEM_add_to_physmap` only).
pub const XENMAPSPACE_GMFN_RANGE: u32 = 3;
/// `XENMAPSPACE_gmfn_foreign` (`memory.h`): map another domain's frame
/// (`XENMEM_add_to_physmap_batch` only).
pub const XENMAPSPACE_GMFN_FOREIGN: u32 = 4;
/// `XENMAPSPACE_dev_mmio` (`memory.h`): device MMIO (Arm only).
pub const XENMAPSPACE_DEV_MMIO: u32 = 5;

/// `XENMAPIDX_grant_table_status` (`memory.h`): `idx` flag selecting a
/// grant status frame.
pub const XENMAPIDX_GRANT_TABLE_STATUS: u64 = 0x8000_0000;

/// `XENMAPSPACE_*` (`memory.h`) as a closed set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum MapSpace {
    /// `XENMAPSPACE_shared_info`.
    SharedInfo = XENMAPSPACE_SHARED_INFO,
    /// `XENMAPSPACE_grant_table`.
    GrantTable = XENMAPSPACE_GRANT_TABLE,
    /// `XENMAPSPACE_gmfn`.
    Gmfn = XENMAPSPACE_GMFN,
    /// `XENMAPSPACE_gmfn_range`.
    GmfnRange = XENMAPSPACE_GMFN_RANGE,
    /// `XENMAPSPACE_gmfn_foreign`.
    GmfnForeign = XENMAPSPACE_GMFN_FOREIGN,
    /// `XENMAPSPACE_dev_mmio`.
    DevMmio = XENMAPSPACE_DEV_MMIO,
}

impl TryFrom<u32> for MapSpace {
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Ok(match v {
            XENMAPSPACE_SHARED_INFO => Self::SharedInfo,
            XENMAPSPACE_GRANT_TABLE => Self::GrantTable,
            XENMAPSPACE_GMFN => Self::Gmfn,
            XENMAPSPACE_GMFN_RANGE => Self::GmfnRange,
            XENMAPSPACE_GMFN_FOREIGN => Self::GmfnForeign,
            XENMAPSPACE_DEV_MMIO => Self::DevMmio,
            _ => return Err(v),
        })
    }
}

/// `struct xen_add_to_physmap` (`memory.h`): argument of
/// `XENMEM_add_to_physmap`, placing a page of `space` at `gpfn`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct AddToPhysmap {
    /// Domain whose map changes.
    pub domid: DomId,
    /// Number of pages for `XENMAPSPACE_gmfn_range`.
    pub size: u16,
    /// `XENMAPSPACE_*`.
    pub space: u32,
    /// Index within the space.
    pub idx: XenUlong,
    /// Guest frame where the page appears.
    pub gpfn: XenPfn,
}

/// `struct xen_add_to_physmap_batch` (`memory.h`): argument of
/// `XENMEM_add_to_physmap_batch`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct AddToPhysmapBatch {
    /// Domain whose map changes.
    pub domid: DomId,
    /// `XENMAPSPACE_*`.
    pub space: u16,
    /// Number of entries.
    pub size: u16,
    /// C `u.foreign_domid`: source domain for `XENMAPSPACE_gmfn_foreign`;
    /// zero (`u.res0`) for other spaces.
    pub foreign_domid: DomId,
    /// Indices within the space.
    pub idxs: GuestHandle<XenUlong>,
    /// Guest frames where the pages appear.
    pub gpfns: GuestHandle<XenPfn>,
    /// Per-entry error codes (output).
    pub errs: GuestHandle<i32>,
}

/// `struct xen_remove_from_physmap` (`memory.h`): argument of
/// `XENMEM_remove_from_physmap`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct RemoveFromPhysmap {
    /// Domain whose map changes.
    pub domid: DomId,
    /// Padding; zero.
    pub _pad0: [u16; 3],
    /// Guest frame to unmap.
    pub gpfn: XenPfn,
}

/// `struct xen_memory_map` (`memory.h`): argument of `XENMEM_memory_map`
/// and `XENMEM_machine_memory_map`; the buffer holds E820 entries
/// (20 bytes each: address, size, type).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemoryMap {
    /// In: capacity of `buffer` in entries; out: entries stored.
    pub nr_entries: u32,
    /// Padding; zero.
    pub _pad0: u32,
    /// Entry buffer.
    pub buffer: GuestHandle<u8>,
}

/// Size of one E820 entry in a [`MemoryMap`] buffer (not a C macro).
pub const E820_ENTRY_SIZE: usize = 20;

/// `struct xen_foreign_memory_map` (`memory.h`): argument of
/// `XENMEM_set_memory_map`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ForeignMemoryMap {
    /// Domain whose map is set.
    pub domid: DomId,
    /// Padding; zero.
    pub _pad0: [u16; 3],
    /// The map.
    pub map: MemoryMap,
}

/// `struct xen_pod_target` (`memory.h`): argument of
/// `XENMEM_{set,get}_pod_target`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct PodTarget {
    /// Target number of pages (in).
    pub target_pages: u64,
    /// Pages allocated (out).
    pub tot_pages: u64,
    /// Pages in the PoD cache (out).
    pub pod_cache_pages: u64,
    /// Outstanding PoD entries (out).
    pub pod_entries: u64,
    /// Domain (in).
    pub domid: DomId,
    /// Padding; zero.
    pub _pad0: [u16; 3],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(MachphysMfnList, 24, {
            max_extents: 0, _pad0: 4, extent_start: 8, nr_extents: 16, _pad1: 20,
        });
        assert_layout!(MachphysMapping, 24, { v_start: 0, v_end: 8, max_mfn: 16 });
        assert_layout!(AddToPhysmap, 24, { domid: 0, size: 2, space: 4, idx: 8, gpfn: 16 });
        assert_layout!(AddToPhysmapBatch, 32, {
            domid: 0, space: 2, size: 4, foreign_domid: 6, idxs: 8, gpfns: 16, errs: 24,
        });
        assert_layout!(RemoveFromPhysmap, 16, { domid: 0, _pad0: 2, gpfn: 8 });
        assert_layout!(MemoryMap, 16, { nr_entries: 0, _pad0: 4, buffer: 8 });
        assert_layout!(ForeignMemoryMap, 24, { domid: 0, _pad0: 2, map: 8, map.buffer: 16 });
        assert_layout!(PodTarget, 40, {
            target_pages: 0, tot_pages: 8, pod_cache_pages: 16, pod_entries: 24, domid: 32, _pad0: 34,
        });
    }

    #[test]
    fn map_space() {
        for v in 0..=5 {
            assert_eq!(MapSpace::try_from(v).map(|s| s as u32), Ok(v));
        }
        assert_eq!(MapSpace::try_from(6), Err(6));
    }
}
