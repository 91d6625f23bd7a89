//! The `memory_op` hypercall (`memory.h`): sub-op numbers, reservation
//! flags and the argument structures, grouped in submodules and all
//! re-exported here.
//!
//! Most sub-ops that work on extent lists are restartable: Xen encodes the
//! progress in the high bits of the command word (bits 6 and up on x86)
//! when it issues a continuation, so callers pass the plain sub-op number.

pub mod physmap;
pub mod reservation;
pub mod resource;
pub mod tools;

pub use physmap::*;
pub use reservation::*;
pub use resource::*;
pub use tools::*;

/// `XENMEM_increase_reservation` (`memory.h`): [`MemoryReservation`]; returns extents allocated.
pub const XENMEM_INCREASE_RESERVATION: u32 = 0;
/// `XENMEM_decrease_reservation` (`memory.h`): [`MemoryReservation`]; returns extents freed.
pub const XENMEM_DECREASE_RESERVATION: u32 = 1;
/// `XENMEM_maximum_ram_page` (`memory.h`): returns the highest machine frame; argument is a [`MemoryDomain`] (ignored).
pub const XENMEM_MAXIMUM_RAM_PAGE: u32 = 2;
/// `XENMEM_current_reservation` (`memory.h`): pages of a domain; argument is a [`DomId`](crate::DomId).
pub const XENMEM_CURRENT_RESERVATION: u32 = 3;
/// `XENMEM_maximum_reservation` (`memory.h`): page limit of a domain; argument is a [`DomId`](crate::DomId).
pub const XENMEM_MAXIMUM_RESERVATION: u32 = 4;
/// `XENMEM_machphys_mfn_list` (`memory.h`): [`MachphysMfnList`].
pub const XENMEM_MACHPHYS_MFN_LIST: u32 = 5;
/// `XENMEM_populate_physmap` (`memory.h`): [`MemoryReservation`]; returns extents populated.
pub const XENMEM_POPULATE_PHYSMAP: u32 = 6;
/// `XENMEM_add_to_physmap` (`memory.h`): [`AddToPhysmap`].
pub const XENMEM_ADD_TO_PHYSMAP: u32 = 7;
/// `XENMEM_memory_map` (`memory.h`): the caller's E820 map; [`MemoryMap`].
pub const XENMEM_MEMORY_MAP: u32 = 9;
/// `XENMEM_machine_memory_map` (`memory.h`): the host's E820 map (privileged); [`MemoryMap`].
pub const XENMEM_MACHINE_MEMORY_MAP: u32 = 10;
/// `XENMEM_exchange` (`memory.h`): [`MemoryExchange`].
pub const XENMEM_EXCHANGE: u32 = 11;
/// `XENMEM_machphys_mapping` (`memory.h`): [`MachphysMapping`].
pub const XENMEM_MACHPHYS_MAPPING: u32 = 12;
/// `XENMEM_set_memory_map` (`memory.h`): set a domain's E820 map (tools); [`ForeignMemoryMap`].
pub const XENMEM_SET_MEMORY_MAP: u32 = 13;
/// `XENMEM_maximum_gpfn` (`memory.h`): highest guest frame in use; argument is a [`DomId`](crate::DomId).
pub const XENMEM_MAXIMUM_GPFN: u32 = 14;
/// `XENMEM_remove_from_physmap` (`memory.h`): [`RemoveFromPhysmap`].
pub const XENMEM_REMOVE_FROM_PHYSMAP: u32 = 15;
/// `XENMEM_set_pod_target` (`memory.h`): [`PodTarget`].
pub const XENMEM_SET_POD_TARGET: u32 = 16;
/// `XENMEM_get_pod_target` (`memory.h`): [`PodTarget`].
pub const XENMEM_GET_POD_TARGET: u32 = 17;
/// `XENMEM_get_sharing_freed_pages` (`memory.h`, tools only): pages freed by sharing.
pub const XENMEM_GET_SHARING_FREED_PAGES: u32 = 18;
/// `XENMEM_get_sharing_shared_pages` (`memory.h`, tools only): pages currently shared.
pub const XENMEM_GET_SHARING_SHARED_PAGES: u32 = 19;
/// `XENMEM_paging_op` (`memory.h`, tools only): [`MemPagingOp`].
pub const XENMEM_PAGING_OP: u32 = 20;
/// `XENMEM_access_op` (`memory.h`, tools only): [`MemAccessOp`].
pub const XENMEM_ACCESS_OP: u32 = 21;
/// `XENMEM_sharing_op` (`memory.h`, tools only): [`MemSharingOp`].
pub const XENMEM_SHARING_OP: u32 = 22;
/// `XENMEM_add_to_physmap_batch` (`memory.h`): [`AddToPhysmapBatch`].
pub const XENMEM_ADD_TO_PHYSMAP_BATCH: u32 = 23;
/// `XENMEM_claim_pages` (`memory.h`): claim pages for a domain being built;
/// [`MemoryReservation`] with `nr_extents` pages and a null list.
pub const XENMEM_CLAIM_PAGES: u32 = 24;
/// `XENMEM_machphys_compat_mfn_list` (`memory.h`): like
/// `XENMEM_machphys_mfn_list` for the compat (32-bit) table.
pub const XENMEM_MACHPHYS_COMPAT_MFN_LIST: u32 = 25;
/// `XENMEM_get_vnumainfo` (`memory.h`): [`VnumaTopologyInfo`].
pub const XENMEM_GET_VNUMAINFO: u32 = 26;
/// `XENMEM_reserved_device_memory_map` (`memory.h`, tools only): [`ReservedDeviceMemoryMap`].
pub const XENMEM_RESERVED_DEVICE_MEMORY_MAP: u32 = 27;
/// `XENMEM_acquire_resource` (`memory.h`): [`MemAcquireResource`].
pub const XENMEM_ACQUIRE_RESOURCE: u32 = 28;
