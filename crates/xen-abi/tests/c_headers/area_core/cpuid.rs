//! C cross-check entries for `xen_abi::cpuid` (`arch-x86/cpuid.h`).

use crate::harness::Check;

pub fn register(check: &mut Check) {
    c_const!(check,
        xen_abi::cpuid::XEN_CPUID_FIRST_LEAF => "XEN_CPUID_FIRST_LEAF",
        xen_abi::cpuid::XEN_CPUID_MAX_NUM_LEAVES => "XEN_CPUID_MAX_NUM_LEAVES",
        xen_abi::cpuid::XEN_CPUID_SIGNATURE_EBX => "XEN_CPUID_SIGNATURE_EBX",
        xen_abi::cpuid::XEN_CPUID_SIGNATURE_ECX => "XEN_CPUID_SIGNATURE_ECX",
        xen_abi::cpuid::XEN_CPUID_SIGNATURE_EDX => "XEN_CPUID_SIGNATURE_EDX",
        xen_abi::cpuid::_XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD => "_XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD",
        xen_abi::cpuid::XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD => "XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD",
        xen_abi::cpuid::XEN_HVM_CPUID_APIC_ACCESS_VIRT => "XEN_HVM_CPUID_APIC_ACCESS_VIRT",
        xen_abi::cpuid::XEN_HVM_CPUID_X2APIC_VIRT => "XEN_HVM_CPUID_X2APIC_VIRT",
        xen_abi::cpuid::XEN_HVM_CPUID_IOMMU_MAPPINGS => "XEN_HVM_CPUID_IOMMU_MAPPINGS",
        xen_abi::cpuid::XEN_HVM_CPUID_VCPU_ID_PRESENT => "XEN_HVM_CPUID_VCPU_ID_PRESENT",
        xen_abi::cpuid::XEN_HVM_CPUID_DOMID_PRESENT => "XEN_HVM_CPUID_DOMID_PRESENT",
        xen_abi::cpuid::XEN_HVM_CPUID_EXT_DEST_ID => "XEN_HVM_CPUID_EXT_DEST_ID",
        xen_abi::cpuid::XEN_HVM_CPUID_UPCALL_VECTOR => "XEN_HVM_CPUID_UPCALL_VECTOR",
        xen_abi::cpuid::XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK => "XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK",
    );

    c_const!(check,
        xen_abi::cpuid::xen_cpuid_leaf(3) => "XEN_CPUID_LEAF(3)",
        xen_abi::cpuid::XenCpuidLeaf::Pv as u32 => "XEN_CPUID_MAX_NUM_LEAVES",
    );
}
