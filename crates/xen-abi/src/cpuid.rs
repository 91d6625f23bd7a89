//! Xen's CPUID leaves and the hypercall-page MSR (`arch-x86/cpuid.h`).
//!
//! Xen answers CPUID leaves from a base of `0x4000_0000`, or `0x4000_0100`
//! when the domain also gets Hyper-V ("Viridian") enlightenments, whose
//! leaves then occupy the first block. Guests find the base by scanning
//! `0x4000_0000..0x4001_0000` in steps of `0x100` for the signature. The
//! leaves, by offset from the base:
//!
//! | offset | contents |
//! |---|---|
//! | 0 | EAX: largest Xen leaf; EBX/ECX/EDX: `"XenVMMXenVMM"` |
//! | 1 | EAX: version, major in bits 31:16 and minor in 15:0 |
//! | 2 | EAX: hypercall pages (1); EBX: MSR base; ECX: features (`XEN_CPUID_FEAT1_*`) |
//! | 3 | time and TSC, three sub-leaves (see [`XenTscFeatures`]) |
//! | 4 | HVM features (`XEN_HVM_CPUID_*`); EBX: vCPU id; ECX: domain id |
//! | 5 | PV parameters; EBX bits 7:0: machine address width |
//!
//! (The header numbers these "Leaf 1" to "Leaf 6"; offsets are used here.)
//!
//! Writing a page-aligned guest-physical address to MSR base+0 makes Xen
//! fill that page with hypercall stubs, 32 bytes per hypercall.

use bitflags::bitflags;

/// `XEN_CPUID_FIRST_LEAF` (`arch-x86/cpuid.h`): the usual base of Xen's leaves.
pub const XEN_CPUID_FIRST_LEAF: u32 = 0x4000_0000;

/// The base of Xen's leaves when Viridian leaves come first (not a C macro).
pub const XEN_CPUID_VIRIDIAN_BASE: u32 = 0x4000_0100;

/// Distance between candidate bases when scanning (not a C macro).
pub const XEN_CPUID_BASE_STRIDE: u32 = 0x100;

/// `XEN_CPUID_LEAF(i)` (`arch-x86/cpuid.h`): leaf `i` from the unshifted base.
pub const fn xen_cpuid_leaf(i: u32) -> u32 {
    XEN_CPUID_FIRST_LEAF + i
}

/// The base of Xen's leaves for a domain with or without Viridian.
pub const fn xen_cpuid_base(viridian: bool) -> u32 {
    if viridian {
        XEN_CPUID_VIRIDIAN_BASE
    } else {
        XEN_CPUID_FIRST_LEAF
    }
}

/// `XEN_CPUID_MAX_NUM_LEAVES` (`arch-x86/cpuid.h`): offset of the last
/// leaf Xen 4.17 defines (base+5), despite its name.
pub const XEN_CPUID_MAX_NUM_LEAVES: u32 = 5;

/// Xen's leaves, by offset from the base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum XenCpuidLeaf {
    /// Largest leaf and signature.
    Signature = 0,
    /// Xen version.
    Version = 1,
    /// Hypercall pages, MSR base and feature words.
    Hypercall = 2,
    /// Time and TSC information.
    Time = 3,
    /// HVM features.
    Hvm = 4,
    /// PV parameters.
    Pv = 5,
}

impl XenCpuidLeaf {
    /// The CPUID leaf number for the given base.
    pub const fn leaf(self, base: u32) -> u32 {
        base + self as u32
    }

    /// The leaf at `leaf - base`, if it is one of Xen's.
    pub const fn from_offset(offset: u32) -> Option<Self> {
        Some(match offset {
            0 => Self::Signature,
            1 => Self::Version,
            2 => Self::Hypercall,
            3 => Self::Time,
            4 => Self::Hvm,
            5 => Self::Pv,
            _ => return None,
        })
    }
}

/// `XEN_CPUID_SIGNATURE_EBX` (`arch-x86/cpuid.h`): `"XenV"`.
pub const XEN_CPUID_SIGNATURE_EBX: u32 = 0x566e_6558;
/// `XEN_CPUID_SIGNATURE_ECX` (`arch-x86/cpuid.h`): `"MMXe"`.
pub const XEN_CPUID_SIGNATURE_ECX: u32 = 0x6558_4d4d;
/// `XEN_CPUID_SIGNATURE_EDX` (`arch-x86/cpuid.h`): `"nVMM"`.
pub const XEN_CPUID_SIGNATURE_EDX: u32 = 0x4d4d_566e;
/// The signature as bytes, EBX then ECX then EDX little-endian.
pub const XEN_CPUID_SIGNATURE: [u8; 12] = *b"XenVMMXenVMM";

/// Whether EBX/ECX/EDX of a base leaf carry Xen's signature.
pub const fn is_xen_signature(ebx: u32, ecx: u32, edx: u32) -> bool {
    ebx == XEN_CPUID_SIGNATURE_EBX
        && ecx == XEN_CPUID_SIGNATURE_ECX
        && edx == XEN_CPUID_SIGNATURE_EDX
}

/// EAX of the version leaf for Xen `major.minor`.
pub const fn version_eax(major: u16, minor: u16) -> u32 {
    (major as u32) << 16 | minor as u32
}

/// `(major, minor)` from EAX of the version leaf.
pub const fn version_from_eax(eax: u32) -> (u16, u16) {
    ((eax >> 16) as u16, eax as u16)
}

/// `_XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD` (`arch-x86/cpuid.h`): bit number.
pub const _XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD: u32 = 0;
/// `XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD` (`arch-x86/cpuid.h`): ECX of
/// the hypercall leaf; the PV guest may use `MMU_PT_UPDATE_PRESERVE_AD`.
pub const XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD: u32 =
    1 << _XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD;

/// The usual hypercall-page MSR (EBX of the hypercall leaf; not a C macro).
pub const XEN_MSR_HYPERCALL_PAGE: u32 = 0x4000_0000;
/// The hypercall-page MSR of a domain with Viridian, moved above the
/// Hyper-V MSR range (not a C macro).
pub const XEN_MSR_HYPERCALL_PAGE_VIRIDIAN: u32 = 0x4000_0200;

/// The base of Xen's MSRs (base+0 is the hypercall page) for a domain with
/// or without Viridian.
pub const fn xen_msr_base(viridian: bool) -> u32 {
    if viridian {
        XEN_MSR_HYPERCALL_PAGE_VIRIDIAN
    } else {
        XEN_MSR_HYPERCALL_PAGE
    }
}

/// Time leaf sub-leaf 0: TSC features (EAX), mode (EBX), guest TSC kHz
/// (ECX) and incarnation (EDX).
pub const XEN_CPUID_TIME_SUBLEAF_INFO: u32 = 0;
/// Time leaf sub-leaf 1: TSC offset low/high (EAX/EBX) and the pvclock
/// multiplier (ECX) and shift (EDX).
pub const XEN_CPUID_TIME_SUBLEAF_SCALE: u32 = 1;
/// Time leaf sub-leaf 2: host TSC kHz (EAX).
pub const XEN_CPUID_TIME_SUBLEAF_HOST: u32 = 2;

bitflags! {
    /// EAX of time-leaf sub-leaf 0 (bits described in `arch-x86/cpuid.h`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct XenTscFeatures: u32 {
        /// The TSC is emulated.
        const EMULATED = 1 << 0;
        /// The host TSC is reliable.
        const HOST_TSC_RELIABLE = 1 << 1;
        /// RDTSCP is available.
        const RDTSCP = 1 << 2;
    }
}

/// EBX of time-leaf sub-leaf 0: the domain's TSC mode (values from the
/// comment in `arch-x86/cpuid.h`, the same as domctl's `tsc_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum XenTscMode {
    /// Emulate the TSC only if necessary.
    Default = 0,
    /// Always emulate.
    AlwaysEmulate = 1,
    /// Never emulate.
    NeverEmulate = 2,
    /// Never emulate, with TSC_AUX support.
    NeverEmulateTscAux = 3,
}

impl TryFrom<u32> for XenTscMode {
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Ok(match v {
            0 => Self::Default,
            1 => Self::AlwaysEmulate,
            2 => Self::NeverEmulate,
            3 => Self::NeverEmulateTscAux,
            _ => return Err(v),
        })
    }
}

/// `XEN_HVM_CPUID_APIC_ACCESS_VIRT` (`arch-x86/cpuid.h`): APIC register accesses are virtualised.
pub const XEN_HVM_CPUID_APIC_ACCESS_VIRT: u32 = 1 << 0;
/// `XEN_HVM_CPUID_X2APIC_VIRT` (`arch-x86/cpuid.h`): x2APIC accesses are virtualised.
pub const XEN_HVM_CPUID_X2APIC_VIRT: u32 = 1 << 1;
/// `XEN_HVM_CPUID_IOMMU_MAPPINGS` (`arch-x86/cpuid.h`): foreign mappings
/// have valid IOMMU entries.
pub const XEN_HVM_CPUID_IOMMU_MAPPINGS: u32 = 1 << 2;
/// `XEN_HVM_CPUID_VCPU_ID_PRESENT` (`arch-x86/cpuid.h`): EBX holds the vCPU id.
pub const XEN_HVM_CPUID_VCPU_ID_PRESENT: u32 = 1 << 3;
/// `XEN_HVM_CPUID_DOMID_PRESENT` (`arch-x86/cpuid.h`): ECX holds the domain id.
pub const XEN_HVM_CPUID_DOMID_PRESENT: u32 = 1 << 4;
/// `XEN_HVM_CPUID_EXT_DEST_ID` (`arch-x86/cpuid.h`): IO-APIC/MSI may carry
/// 15-bit destination ids in otherwise reserved bits.
pub const XEN_HVM_CPUID_EXT_DEST_ID: u32 = 1 << 5;
/// `XEN_HVM_CPUID_UPCALL_VECTOR` (`arch-x86/cpuid.h`): per-vCPU upcall
/// vectors (`HVMOP_set_evtchn_upcall_vector`) work with physical IRQs.
pub const XEN_HVM_CPUID_UPCALL_VECTOR: u32 = 1 << 6;

bitflags! {
    /// `XEN_HVM_CPUID_*` (`arch-x86/cpuid.h`): EAX of the HVM leaf.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct XenHvmCpuidFlags: u32 {
        /// `XEN_HVM_CPUID_APIC_ACCESS_VIRT`.
        const APIC_ACCESS_VIRT = XEN_HVM_CPUID_APIC_ACCESS_VIRT;
        /// `XEN_HVM_CPUID_X2APIC_VIRT`.
        const X2APIC_VIRT = XEN_HVM_CPUID_X2APIC_VIRT;
        /// `XEN_HVM_CPUID_IOMMU_MAPPINGS`.
        const IOMMU_MAPPINGS = XEN_HVM_CPUID_IOMMU_MAPPINGS;
        /// `XEN_HVM_CPUID_VCPU_ID_PRESENT`.
        const VCPU_ID_PRESENT = XEN_HVM_CPUID_VCPU_ID_PRESENT;
        /// `XEN_HVM_CPUID_DOMID_PRESENT`.
        const DOMID_PRESENT = XEN_HVM_CPUID_DOMID_PRESENT;
        /// `XEN_HVM_CPUID_EXT_DEST_ID`.
        const EXT_DEST_ID = XEN_HVM_CPUID_EXT_DEST_ID;
        /// `XEN_HVM_CPUID_UPCALL_VECTOR`.
        const UPCALL_VECTOR = XEN_HVM_CPUID_UPCALL_VECTOR;
    }
}

/// `XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK` (`arch-x86/cpuid.h`): EBX bits of
/// the PV leaf giving the maximum machine address width, hotplug included.
pub const XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK: u32 = 0xff;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_words_spell_xenvmm() {
        let mut b = [0u8; 12];
        b[0..4].copy_from_slice(&XEN_CPUID_SIGNATURE_EBX.to_le_bytes());
        b[4..8].copy_from_slice(&XEN_CPUID_SIGNATURE_ECX.to_le_bytes());
        b[8..12].copy_from_slice(&XEN_CPUID_SIGNATURE_EDX.to_le_bytes());
        assert_eq!(&b, &XEN_CPUID_SIGNATURE);
        assert!(is_xen_signature(0x566e_6558, 0x6558_4d4d, 0x4d4d_566e));
        assert!(!is_xen_signature(0, 0x6558_4d4d, 0x4d4d_566e));
    }

    #[test]
    fn bases_and_leaves() {
        assert_eq!(xen_cpuid_leaf(2), 0x4000_0002);
        assert_eq!(xen_cpuid_base(false), 0x4000_0000);
        assert_eq!(xen_cpuid_base(true), 0x4000_0100);
        assert_eq!(
            xen_cpuid_base(true) - xen_cpuid_base(false),
            XEN_CPUID_BASE_STRIDE
        );
        assert_eq!(XenCpuidLeaf::Hvm.leaf(xen_cpuid_base(true)), 0x4000_0104);
        assert_eq!(
            XenCpuidLeaf::from_offset(XEN_CPUID_MAX_NUM_LEAVES),
            Some(XenCpuidLeaf::Pv)
        );
        assert_eq!(XenCpuidLeaf::from_offset(6), None);
        assert_eq!(xen_msr_base(false), 0x4000_0000);
        assert_eq!(xen_msr_base(true), 0x4000_0200);
    }

    #[test]
    fn version_and_flags() {
        assert_eq!(version_eax(4, 17), 0x0004_0011);
        assert_eq!(version_from_eax(0x0004_0011), (4, 17));
        assert_eq!(XenHvmCpuidFlags::all().bits(), 0x7f);
        assert_eq!(XenTscMode::try_from(2), Ok(XenTscMode::NeverEmulate));
        assert_eq!(XenTscMode::try_from(4), Err(4));
    }
}
