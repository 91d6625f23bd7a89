//! C cross-check entries for `xen_abi::memory` (`memory.h`).

use crate::harness::Check;
use core::mem::offset_of;

pub fn register(check: &mut Check) {
    c_struct!(check, xen_abi::memory::MemoryReservation, "struct xen_memory_reservation" { extent_start = "extent_start", nr_extents = "nr_extents", extent_order = "extent_order", mem_flags = "mem_flags", domid = "domid" });
    c_struct!(check, xen_abi::memory::MemoryExchange, "struct xen_memory_exchange" { in_ = "in", out = "out", nr_exchanged = "nr_exchanged" });
    c_struct!(check, xen_abi::memory::MemoryDomain, "struct xen_memory_domain" { domid = "domid" });
    c_struct!(check, xen_abi::memory::MachphysMfnList, "struct xen_machphys_mfn_list" { max_extents = "max_extents", extent_start = "extent_start", nr_extents = "nr_extents" });
    c_struct!(check, xen_abi::memory::MachphysMapping, "struct xen_machphys_mapping" { v_start = "v_start", v_end = "v_end", max_mfn = "max_mfn" });
    c_struct!(check, xen_abi::memory::AddToPhysmap, "struct xen_add_to_physmap" { domid = "domid", size = "size", space = "space", idx = "idx", gpfn = "gpfn" });
    c_struct!(check, xen_abi::memory::AddToPhysmapBatch, "struct xen_add_to_physmap_batch" { domid = "domid", space = "space", size = "size", foreign_domid = "u.foreign_domid", idxs = "idxs", gpfns = "gpfns", errs = "errs" });
    c_struct!(check, xen_abi::memory::RemoveFromPhysmap, "struct xen_remove_from_physmap" { domid = "domid", gpfn = "gpfn" });
    c_struct!(check, xen_abi::memory::MemoryMap, "struct xen_memory_map" { nr_entries = "nr_entries", buffer = "buffer" });
    c_struct!(check, xen_abi::memory::ForeignMemoryMap, "struct xen_foreign_memory_map" { domid = "domid", map = "map" });
    c_struct!(check, xen_abi::memory::PodTarget, "struct xen_pod_target" { target_pages = "target_pages", tot_pages = "tot_pages", pod_cache_pages = "pod_cache_pages", pod_entries = "pod_entries", domid = "domid" });
    c_struct!(check, xen_abi::memory::MemAcquireResource, "struct xen_mem_acquire_resource" { domid = "domid", type_ = "type", id = "id", nr_frames = "nr_frames", pad = "pad", frame = "frame", frame_list = "frame_list" });
    c_struct!(check, xen_abi::memory::Vmemrange, "struct xen_vmemrange" { start = "start", end = "end", flags = "flags", nid = "nid" });
    c_struct!(check, xen_abi::memory::VnumaTopologyInfo, "struct xen_vnuma_topology_info" { domid = "domid", pad = "pad", nr_vnodes = "nr_vnodes", nr_vcpus = "nr_vcpus", nr_vmemranges = "nr_vmemranges", vdistance = "vdistance", vcpu_to_vnode = "vcpu_to_vnode", vmemrange = "vmemrange" });
    c_struct!(check, xen_abi::memory::PhysdevPciDevice, "struct physdev_pci_device" { seg = "seg", bus = "bus", devfn = "devfn" });
    c_struct!(check, xen_abi::memory::ReservedDeviceMemory, "struct xen_reserved_device_memory" { start_pfn = "start_pfn", nr_pages = "nr_pages" });
    c_struct!(check, xen_abi::memory::ReservedDeviceMemoryMap, "struct xen_reserved_device_memory_map" { flags = "flags", nr_entries = "nr_entries", buffer = "buffer", dev = "dev.pci", dev.seg = "dev.pci.seg", dev.bus = "dev.pci.bus", dev.devfn = "dev.pci.devfn" });
    c_struct!(check, xen_abi::memory::MemPagingOp, "struct xen_mem_paging_op" { op = "op", domain = "domain", buffer = "buffer", gfn = "gfn" });
    c_struct!(check, xen_abi::memory::MemAccessOp, "struct xen_mem_access_op" { op = "op", access = "access", domid = "domid", nr = "nr", pfn = "pfn", pfn_list = "pfn_list", access_list = "access_list" });
    c_struct!(check, xen_abi::memory::MemSharingOpNominate, "struct mem_sharing_op_nominate" { u = "u", handle = "handle" });
    c_struct!(check, xen_abi::memory::MemSharingOpShare, "struct mem_sharing_op_share" { source_gfn = "source_gfn", source_handle = "source_handle", client_gfn = "client_gfn", client_handle = "client_handle", client_domain = "client_domain" });
    c_struct!(check, xen_abi::memory::MemSharingOpRange, "struct mem_sharing_op_range" { first_gfn = "first_gfn", last_gfn = "last_gfn", opaque = "opaque", client_domain = "client_domain", _pad = "_pad" });
    c_struct!(check, xen_abi::memory::MemSharingOpDebug, "struct mem_sharing_op_debug" { u = "u" });
    c_struct!(check, xen_abi::memory::MemSharingOpFork, "struct mem_sharing_op_fork" { parent_domain = "parent_domain", flags = "flags", pad = "pad" });
    c_struct!(check, xen_abi::memory::MemSharingOp, "struct xen_mem_sharing_op" { op = "op", domain = "domain", u = "u" });
    c_const!(check,
        xen_abi::memory::XENMEM_INCREASE_RESERVATION => "XENMEM_increase_reservation",
        xen_abi::memory::XENMEM_DECREASE_RESERVATION => "XENMEM_decrease_reservation",
        xen_abi::memory::XENMEM_MAXIMUM_RAM_PAGE => "XENMEM_maximum_ram_page",
        xen_abi::memory::XENMEM_CURRENT_RESERVATION => "XENMEM_current_reservation",
        xen_abi::memory::XENMEM_MAXIMUM_RESERVATION => "XENMEM_maximum_reservation",
        xen_abi::memory::XENMEM_MACHPHYS_MFN_LIST => "XENMEM_machphys_mfn_list",
        xen_abi::memory::XENMEM_POPULATE_PHYSMAP => "XENMEM_populate_physmap",
        xen_abi::memory::XENMEM_ADD_TO_PHYSMAP => "XENMEM_add_to_physmap",
        xen_abi::memory::XENMEM_MEMORY_MAP => "XENMEM_memory_map",
        xen_abi::memory::XENMEM_MACHINE_MEMORY_MAP => "XENMEM_machine_memory_map",
        xen_abi::memory::XENMEM_EXCHANGE => "XENMEM_exchange",
        xen_abi::memory::XENMEM_MACHPHYS_MAPPING => "XENMEM_machphys_mapping",
        xen_abi::memory::XENMEM_SET_MEMORY_MAP => "XENMEM_set_memory_map",
        xen_abi::memory::XENMEM_MAXIMUM_GPFN => "XENMEM_maximum_gpfn",
        xen_abi::memory::XENMEM_REMOVE_FROM_PHYSMAP => "XENMEM_remove_from_physmap",
        xen_abi::memory::XENMEM_SET_POD_TARGET => "XENMEM_set_pod_target",
        xen_abi::memory::XENMEM_GET_POD_TARGET => "XENMEM_get_pod_target",
        xen_abi::memory::XENMEM_GET_SHARING_FREED_PAGES => "XENMEM_get_sharing_freed_pages",
        xen_abi::memory::XENMEM_GET_SHARING_SHARED_PAGES => "XENMEM_get_sharing_shared_pages",
        xen_abi::memory::XENMEM_PAGING_OP => "XENMEM_paging_op",
        xen_abi::memory::XENMEM_ACCESS_OP => "XENMEM_access_op",
        xen_abi::memory::XENMEM_SHARING_OP => "XENMEM_sharing_op",
        xen_abi::memory::XENMEM_ADD_TO_PHYSMAP_BATCH => "XENMEM_add_to_physmap_batch",
        xen_abi::memory::XENMEM_CLAIM_PAGES => "XENMEM_claim_pages",
        xen_abi::memory::XENMEM_MACHPHYS_COMPAT_MFN_LIST => "XENMEM_machphys_compat_mfn_list",
        xen_abi::memory::XENMEM_GET_VNUMAINFO => "XENMEM_get_vnumainfo",
        xen_abi::memory::XENMEM_RESERVED_DEVICE_MEMORY_MAP => "XENMEM_reserved_device_memory_map",
        xen_abi::memory::XENMEM_ACQUIRE_RESOURCE => "XENMEM_acquire_resource",
        xen_abi::memory::XENMEMF_POPULATE_ON_DEMAND => "XENMEMF_populate_on_demand",
        xen_abi::memory::XENMEMF_EXACT_NODE_REQUEST => "XENMEMF_exact_node_request",
        xen_abi::memory::XENMEMF_VNODE => "XENMEMF_vnode",
        xen_abi::memory::XENMAPSPACE_SHARED_INFO => "XENMAPSPACE_shared_info",
        xen_abi::memory::XENMAPSPACE_GRANT_TABLE => "XENMAPSPACE_grant_table",
        xen_abi::memory::XENMAPSPACE_GMFN => "XENMAPSPACE_gmfn",
        xen_abi::memory::XENMAPSPACE_GMFN_RANGE => "XENMAPSPACE_gmfn_range",
        xen_abi::memory::XENMAPSPACE_GMFN_FOREIGN => "XENMAPSPACE_gmfn_foreign",
        xen_abi::memory::XENMAPSPACE_DEV_MMIO => "XENMAPSPACE_dev_mmio",
        xen_abi::memory::XENMAPIDX_GRANT_TABLE_STATUS => "XENMAPIDX_grant_table_status",
        xen_abi::memory::XENMEM_RESOURCE_IOREQ_SERVER => "XENMEM_resource_ioreq_server",
        xen_abi::memory::XENMEM_RESOURCE_GRANT_TABLE => "XENMEM_resource_grant_table",
        xen_abi::memory::XENMEM_RESOURCE_VMTRACE_BUF => "XENMEM_resource_vmtrace_buf",
        xen_abi::memory::XENMEM_RESOURCE_GRANT_TABLE_ID_SHARED => "XENMEM_resource_grant_table_id_shared",
        xen_abi::memory::XENMEM_RESOURCE_GRANT_TABLE_ID_STATUS => "XENMEM_resource_grant_table_id_status",
        xen_abi::memory::XENMEM_RESOURCE_IOREQ_SERVER_FRAME_BUFIOREQ => "XENMEM_resource_ioreq_server_frame_bufioreq",
        xen_abi::memory::XENMEM_RDM_ALL => "XENMEM_RDM_ALL",
        xen_abi::memory::XENMEM_PAGING_OP_NOMINATE => "XENMEM_paging_op_nominate",
        xen_abi::memory::XENMEM_PAGING_OP_EVICT => "XENMEM_paging_op_evict",
        xen_abi::memory::XENMEM_PAGING_OP_PREP => "XENMEM_paging_op_prep",
        xen_abi::memory::XENMEM_ACCESS_OP_SET_ACCESS => "XENMEM_access_op_set_access",
        xen_abi::memory::XENMEM_ACCESS_OP_GET_ACCESS => "XENMEM_access_op_get_access",
        xen_abi::memory::XENMEM_ACCESS_OP_SET_ACCESS_MULTI => "XENMEM_access_op_set_access_multi",
        xen_abi::memory::XENMEM_SHARING_OP_NOMINATE_GFN => "XENMEM_sharing_op_nominate_gfn",
        xen_abi::memory::XENMEM_SHARING_OP_NOMINATE_GREF => "XENMEM_sharing_op_nominate_gref",
        xen_abi::memory::XENMEM_SHARING_OP_SHARE => "XENMEM_sharing_op_share",
        xen_abi::memory::XENMEM_SHARING_OP_DEBUG_GFN => "XENMEM_sharing_op_debug_gfn",
        xen_abi::memory::XENMEM_SHARING_OP_DEBUG_MFN => "XENMEM_sharing_op_debug_mfn",
        xen_abi::memory::XENMEM_SHARING_OP_DEBUG_GREF => "XENMEM_sharing_op_debug_gref",
        xen_abi::memory::XENMEM_SHARING_OP_ADD_PHYSMAP => "XENMEM_sharing_op_add_physmap",
        xen_abi::memory::XENMEM_SHARING_OP_AUDIT => "XENMEM_sharing_op_audit",
        xen_abi::memory::XENMEM_SHARING_OP_RANGE_SHARE => "XENMEM_sharing_op_range_share",
        xen_abi::memory::XENMEM_SHARING_OP_FORK => "XENMEM_sharing_op_fork",
        xen_abi::memory::XENMEM_SHARING_OP_FORK_RESET => "XENMEM_sharing_op_fork_reset",
        xen_abi::memory::XENMEM_SHARING_OP_S_HANDLE_INVALID => "XENMEM_SHARING_OP_S_HANDLE_INVALID",
        xen_abi::memory::XENMEM_SHARING_OP_C_HANDLE_INVALID => "XENMEM_SHARING_OP_C_HANDLE_INVALID",
        xen_abi::memory::XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG => "XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG",
        xen_abi::memory::XENMEM_FORK_WITH_IOMMU_ALLOWED => "XENMEM_FORK_WITH_IOMMU_ALLOWED",
        xen_abi::memory::XENMEM_FORK_BLOCK_INTERRUPTS => "XENMEM_FORK_BLOCK_INTERRUPTS",
        xen_abi::memory::XENMEM_FORK_RESET_STATE => "XENMEM_FORK_RESET_STATE",
        xen_abi::memory::XENMEM_FORK_RESET_MEMORY => "XENMEM_FORK_RESET_MEMORY",
    );

    use xen_abi::memory::XenmemAccess;
    c_const!(check,
        XenmemAccess::N as u8 => "XENMEM_access_n",
        XenmemAccess::R as u8 => "XENMEM_access_r",
        XenmemAccess::W as u8 => "XENMEM_access_w",
        XenmemAccess::Rw as u8 => "XENMEM_access_rw",
        XenmemAccess::X as u8 => "XENMEM_access_x",
        XenmemAccess::Rx as u8 => "XENMEM_access_rx",
        XenmemAccess::Wx as u8 => "XENMEM_access_wx",
        XenmemAccess::Rwx as u8 => "XENMEM_access_rwx",
        XenmemAccess::Rx2rw as u8 => "XENMEM_access_rx2rw",
        XenmemAccess::N2rwx as u8 => "XENMEM_access_n2rwx",
        XenmemAccess::Default as u8 => "XENMEM_access_default",
        xen_abi::memory::xenmemf_address_bits(32) => "XENMEMF_address_bits(32)",
        xen_abi::memory::xenmemf_get_address_bits(0x1_0520) => "XENMEMF_get_address_bits(0x10520)",
        xen_abi::memory::xenmemf_node(3) => "XENMEMF_node(3)",
        xen_abi::memory::xenmemf_get_node(0x1_0520) => "XENMEMF_get_node(0x10520)",
        xen_abi::memory::xenmemf_get_node(0) => "XENMEMF_get_node(0u)",
        xen_abi::memory::xenmemf_exact_node(2) => "XENMEMF_exact_node(2)",
        xen_abi::memory::xenmem_resource_ioreq_server_frame_ioreq(2) => "XENMEM_resource_ioreq_server_frame_ioreq(2)",
        xen_abi::memory::xenmem_sharing_op_field_get_gref(xen_abi::memory::xenmem_sharing_op_field_make_gref(7)) => "XENMEM_SHARING_OP_FIELD_GET_GREF(XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG | 7)",
        // Union members named in C.
        offset_of!(xen_abi::memory::VnumaTopologyInfo, vdistance) => "offsetof(struct xen_vnuma_topology_info, vdistance.h)",
        offset_of!(xen_abi::memory::VnumaTopologyInfo, vcpu_to_vnode) => "offsetof(struct xen_vnuma_topology_info, vcpu_to_vnode.h)",
        offset_of!(xen_abi::memory::VnumaTopologyInfo, vmemrange) => "offsetof(struct xen_vnuma_topology_info, vmemrange.h)",
        offset_of!(xen_abi::memory::AddToPhysmapBatch, foreign_domid) => "offsetof(struct xen_add_to_physmap_batch, u.res0)",
        offset_of!(xen_abi::memory::MemSharingOp, u) => "offsetof(struct xen_mem_sharing_op, u.fork.flags) - 2",
    );
}
