//! C cross-check entries for `xen_abi::version` (`version.h`, `features.h`).

use crate::harness::Check;

pub fn register(check: &mut Check) {
    c_struct!(check, xen_abi::version::CompileInfo, "struct xen_compile_info" { compiler = "compiler", compile_by = "compile_by", compile_domain = "compile_domain", compile_date = "compile_date" });
    c_struct!(check, xen_abi::version::PlatformParameters, "struct xen_platform_parameters" { virt_start = "virt_start" });
    c_struct!(check, xen_abi::version::FeatureInfo, "struct xen_feature_info" { submap_idx = "submap_idx", submap = "submap" });
    c_struct!(check, xen_abi::version::BuildId, "struct xen_build_id" { len = "len" });
    c_const!(check,
        xen_abi::version::XENVER_VERSION => "XENVER_version",
        xen_abi::version::XENVER_EXTRAVERSION => "XENVER_extraversion",
        xen_abi::version::XENVER_COMPILE_INFO => "XENVER_compile_info",
        xen_abi::version::XENVER_CAPABILITIES => "XENVER_capabilities",
        xen_abi::version::XENVER_CHANGESET => "XENVER_changeset",
        xen_abi::version::XENVER_PLATFORM_PARAMETERS => "XENVER_platform_parameters",
        xen_abi::version::XENVER_GET_FEATURES => "XENVER_get_features",
        xen_abi::version::XENVER_PAGESIZE => "XENVER_pagesize",
        xen_abi::version::XENVER_GUEST_HANDLE => "XENVER_guest_handle",
        xen_abi::version::XENVER_COMMANDLINE => "XENVER_commandline",
        xen_abi::version::XENVER_BUILD_ID => "XENVER_build_id",
        xen_abi::version::XEN_EXTRAVERSION_LEN => "XEN_EXTRAVERSION_LEN",
        xen_abi::version::XEN_CAPABILITIES_INFO_LEN => "XEN_CAPABILITIES_INFO_LEN",
        xen_abi::version::XEN_CHANGESET_INFO_LEN => "XEN_CHANGESET_INFO_LEN",
        xen_abi::version::XENFEAT_WRITABLE_PAGE_TABLES => "XENFEAT_writable_page_tables",
        xen_abi::version::XENFEAT_WRITABLE_DESCRIPTOR_TABLES => "XENFEAT_writable_descriptor_tables",
        xen_abi::version::XENFEAT_AUTO_TRANSLATED_PHYSMAP => "XENFEAT_auto_translated_physmap",
        xen_abi::version::XENFEAT_SUPERVISOR_MODE_KERNEL => "XENFEAT_supervisor_mode_kernel",
        xen_abi::version::XENFEAT_PAE_PGDIR_ABOVE_4GB => "XENFEAT_pae_pgdir_above_4gb",
        xen_abi::version::XENFEAT_MMU_PT_UPDATE_PRESERVE_AD => "XENFEAT_mmu_pt_update_preserve_ad",
        xen_abi::version::XENFEAT_HIGHMEM_ASSIST => "XENFEAT_highmem_assist",
        xen_abi::version::XENFEAT_GNTTAB_MAP_AVAIL_BITS => "XENFEAT_gnttab_map_avail_bits",
        xen_abi::version::XENFEAT_HVM_CALLBACK_VECTOR => "XENFEAT_hvm_callback_vector",
        xen_abi::version::XENFEAT_HVM_SAFE_PVCLOCK => "XENFEAT_hvm_safe_pvclock",
        xen_abi::version::XENFEAT_HVM_PIRQS => "XENFEAT_hvm_pirqs",
        xen_abi::version::XENFEAT_DOM0 => "XENFEAT_dom0",
        xen_abi::version::XENFEAT_MEMORY_OP_VNODE_SUPPORTED => "XENFEAT_memory_op_vnode_supported",
        xen_abi::version::XENFEAT_ARM_SMCCC_SUPPORTED => "XENFEAT_ARM_SMCCC_supported",
        xen_abi::version::XENFEAT_LINUX_RSDP_UNRESTRICTED => "XENFEAT_linux_rsdp_unrestricted",
        xen_abi::version::XENFEAT_NOT_DIRECT_MAPPED => "XENFEAT_not_direct_mapped",
        xen_abi::version::XENFEAT_DIRECT_MAPPED => "XENFEAT_direct_mapped",
        xen_abi::version::XENFEAT_NR_SUBMAPS => "XENFEAT_NR_SUBMAPS",
    );

    c_struct!(check, xen_abi::version::Extraversion, "xen_extraversion_t" {});
    c_struct!(check, xen_abi::version::CapabilitiesInfo, "xen_capabilities_info_t" {});
    c_struct!(check, xen_abi::version::ChangesetInfo, "xen_changeset_info_t" {});
    c_struct!(check, xen_abi::version::Commandline, "xen_commandline_t" {});
    c_const!(check,
        xen_abi::version::BuildId::BUF_OFFSET => "offsetof(struct xen_build_id, buf)",
    );
}
