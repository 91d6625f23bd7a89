//! Resource mapping and topology queries (`memory.h`): acquiring a
//! domain's grant-table / ioreq / trace frames, vNUMA layout and reserved
//! device memory.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::arch_x86::XenUlong;
use crate::{DomId, GuestHandle, XenPfn};

/// `XENMEM_resource_ioreq_server` (`memory.h`): frames of an ioreq server
/// (`id` = server id).
pub const XENMEM_RESOURCE_IOREQ_SERVER: u16 = 0;
/// `XENMEM_resource_grant_table` (`memory.h`): grant-table frames (`id` =
/// `XENMEM_resource_grant_table_id_*`).
pub const XENMEM_RESOURCE_GRANT_TABLE: u16 = 1;
/// `XENMEM_resource_vmtrace_buf` (`memory.h`): a vCPU's processor-trace
/// buffer (`id` = vCPU).
pub const XENMEM_RESOURCE_VMTRACE_BUF: u16 = 2;

/// `XENMEM_resource_grant_table_id_shared` (`memory.h`): the shared (entry) frames.
pub const XENMEM_RESOURCE_GRANT_TABLE_ID_SHARED: u32 = 0;
/// `XENMEM_resource_grant_table_id_status` (`memory.h`): the v2 status frames.
pub const XENMEM_RESOURCE_GRANT_TABLE_ID_STATUS: u32 = 1;

/// `XENMEM_resource_ioreq_server_frame_bufioreq` (`memory.h`): frame index
/// of an ioreq server's buffered ring.
pub const XENMEM_RESOURCE_IOREQ_SERVER_FRAME_BUFIOREQ: u64 = 0;

/// `XENMEM_resource_ioreq_server_frame_ioreq()` (`memory.h`): frame index
/// of an ioreq server's `n`-th synchronous ioreq page.
pub const fn xenmem_resource_ioreq_server_frame_ioreq(n: u64) -> u64 {
    1 + n
}

/// `struct xen_mem_acquire_resource` (`memory.h`): argument of
/// `XENMEM_acquire_resource`. With a null `frame_list` and `nr_frames` 0
/// it returns the resource's size in `nr_frames`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemAcquireResource {
    /// Domain owning the resource.
    pub domid: DomId,
    /// `XENMEM_resource_*`.
    pub type_: u16,
    /// Type-specific id.
    pub id: u32,
    /// Frames to map (in/out).
    pub nr_frames: u32,
    /// Must be zero.
    pub pad: u32,
    /// First frame index to map.
    pub frame: u64,
    /// Frames: filled with MFNs for a PV caller, or GFNs supplied by an HVM caller.
    pub frame_list: GuestHandle<XenPfn>,
}

/// `struct xen_vmemrange` (`memory.h`): one vNUMA memory range.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Vmemrange {
    /// Start address.
    pub start: u64,
    /// End address (exclusive).
    pub end: u64,
    /// Reserved flags.
    pub flags: u32,
    /// Virtual node id.
    pub nid: u32,
}

/// `struct xen_vnuma_topology_info` (`memory.h`): argument of
/// `XENMEM_get_vnumainfo`. Each buffer is a C union of a handle and a
/// `u64` pad; here the handle.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VnumaTopologyInfo {
    /// Domain queried.
    pub domid: DomId,
    /// Padding; zero.
    pub pad: u16,
    /// Number of virtual nodes (in: capacity; out: actual).
    pub nr_vnodes: u32,
    /// Number of vCPUs (in: capacity; out: actual).
    pub nr_vcpus: u32,
    /// Number of memory ranges (in: capacity; out: actual).
    pub nr_vmemranges: u32,
    /// `nr_vnodes`² distances.
    pub vdistance: GuestHandle<u32>,
    /// Node of each vCPU.
    pub vcpu_to_vnode: GuestHandle<u32>,
    /// Memory ranges.
    pub vmemrange: GuestHandle<Vmemrange>,
}

/// `struct physdev_pci_device` (`physdev.h`): a PCI device address, used
/// here by [`ReservedDeviceMemoryMap`].
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct PhysdevPciDevice {
    /// PCI segment.
    pub seg: u16,
    /// Bus.
    pub bus: u8,
    /// Device and function.
    pub devfn: u8,
}

/// `struct xen_reserved_device_memory` (`memory.h`, tools only): one
/// reserved region (e.g. an RMRR).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ReservedDeviceMemory {
    /// First frame.
    pub start_pfn: XenPfn,
    /// Number of pages.
    pub nr_pages: XenUlong,
}

/// `XENMEM_RDM_ALL` (`memory.h`, tools only): return all regions, ignoring `dev`.
pub const XENMEM_RDM_ALL: u32 = 1;

/// `struct xen_reserved_device_memory_map` (`memory.h`, tools only):
/// argument of `XENMEM_reserved_device_memory_map`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ReservedDeviceMemoryMap {
    /// `XENMEM_RDM_*`.
    pub flags: u32,
    /// In: capacity; out: entries needed (`-ERANGE` if too few).
    pub nr_entries: u32,
    /// Entry buffer.
    pub buffer: GuestHandle<ReservedDeviceMemory>,
    /// C `dev.pci`: the device whose regions are wanted.
    pub dev: PhysdevPciDevice,
    /// Padding; zero.
    pub _pad0: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(MemAcquireResource, 32, {
            domid: 0, type_: 2, id: 4, nr_frames: 8, pad: 12, frame: 16, frame_list: 24,
        });
        assert_layout!(Vmemrange, 24, { start: 0, end: 8, flags: 16, nid: 20 });
        assert_layout!(VnumaTopologyInfo, 40, {
            domid: 0, pad: 2, nr_vnodes: 4, nr_vcpus: 8, nr_vmemranges: 12, vdistance: 16,
            vcpu_to_vnode: 24, vmemrange: 32,
        });
        assert_layout!(PhysdevPciDevice, 4, { seg: 0, bus: 2, devfn: 3 });
        assert_layout!(ReservedDeviceMemory, 16, { start_pfn: 0, nr_pages: 8 });
        assert_layout!(ReservedDeviceMemoryMap, 24, {
            flags: 0, nr_entries: 4, buffer: 8, dev: 16, dev.devfn: 19, _pad0: 20,
        });
    }

    #[test]
    fn ioreq_frames() {
        assert_eq!(xenmem_resource_ioreq_server_frame_ioreq(0), 1);
        assert_eq!(xenmem_resource_ioreq_server_frame_ioreq(3), 4);
    }
}
