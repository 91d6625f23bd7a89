//! The `xen_version` hypercall (`version.h`) and the feature bits it
//! reports (`features.h`).
//!
//! Most sub-ops fill a fixed-size, NUL-padded character buffer; use
//! [`nul_terminated`] to get the text.

use bitflags::bitflags;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::arch_x86::XenUlong;

/// `XENVER_version` (`version.h`): returns `major << 16 | minor`; argument NULL.
pub const XENVER_VERSION: u32 = 0;
/// `XENVER_extraversion` (`version.h`): fills an [`Extraversion`].
pub const XENVER_EXTRAVERSION: u32 = 1;
/// `XENVER_compile_info` (`version.h`): fills a [`CompileInfo`].
pub const XENVER_COMPILE_INFO: u32 = 2;
/// `XENVER_capabilities` (`version.h`): fills a [`CapabilitiesInfo`].
pub const XENVER_CAPABILITIES: u32 = 3;
/// `XENVER_changeset` (`version.h`): fills a [`ChangesetInfo`].
pub const XENVER_CHANGESET: u32 = 4;
/// `XENVER_platform_parameters` (`version.h`): fills a [`PlatformParameters`].
pub const XENVER_PLATFORM_PARAMETERS: u32 = 5;
/// `XENVER_get_features` (`version.h`): fills a [`FeatureInfo`].
pub const XENVER_GET_FEATURES: u32 = 6;
/// `XENVER_pagesize` (`version.h`): returns the page size; argument NULL.
pub const XENVER_PAGESIZE: u32 = 7;
/// `XENVER_guest_handle` (`version.h`): fills a 16-byte domain handle
/// (set by the toolstack, usually the guest's UUID).
pub const XENVER_GUEST_HANDLE: u32 = 8;
/// `XENVER_commandline` (`version.h`): fills a [`Commandline`] (privileged).
pub const XENVER_COMMANDLINE: u32 = 9;
/// `XENVER_build_id` (`version.h`): fills a [`BuildId`] header plus bytes;
/// returns the length written (or needed, with an empty buffer).
pub const XENVER_BUILD_ID: u32 = 10;

/// `xen_extraversion_t` (`version.h`): e.g. `".0"` or `"-unstable"`.
pub type Extraversion = [u8; 16];
/// `XEN_EXTRAVERSION_LEN` (`version.h`).
pub const XEN_EXTRAVERSION_LEN: usize = 16;
/// `xen_capabilities_info_t` (`version.h`): space-separated ABI names,
/// e.g. `"xen-3.0-x86_64 hvm-3.0-x86_64"`.
pub type CapabilitiesInfo = [u8; 1024];
/// `XEN_CAPABILITIES_INFO_LEN` (`version.h`).
pub const XEN_CAPABILITIES_INFO_LEN: usize = 1024;
/// `xen_changeset_info_t` (`version.h`): source revision.
pub type ChangesetInfo = [u8; 64];
/// `XEN_CHANGESET_INFO_LEN` (`version.h`).
pub const XEN_CHANGESET_INFO_LEN: usize = 64;
/// `xen_commandline_t` (`version.h`): Xen's boot command line.
pub type Commandline = [u8; 1024];

/// The bytes of a NUL-padded C string buffer up to (not including) the
/// first NUL, or the whole buffer if there is none.
pub fn nul_terminated(buf: &[u8]) -> &[u8] {
    match buf.iter().position(|&b| b == 0) {
        Some(n) => &buf[..n],
        None => buf,
    }
}

/// `XENVER_version`'s return value for `major.minor`.
pub const fn xenver_version(major: u16, minor: u16) -> u32 {
    (major as u32) << 16 | minor as u32
}

/// `(major, minor)` from `XENVER_version`'s return value.
pub const fn xenver_version_split(v: u32) -> (u16, u16) {
    ((v >> 16) as u16, v as u16)
}

/// `struct xen_compile_info` (`version.h`): how the hypervisor was built.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct CompileInfo {
    /// Compiler version string.
    pub compiler: [u8; 64],
    /// User who built it.
    pub compile_by: [u8; 16],
    /// Build host domain.
    pub compile_domain: [u8; 32],
    /// Build date.
    pub compile_date: [u8; 32],
}

impl Default for CompileInfo {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

/// `struct xen_platform_parameters` (`version.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct PlatformParameters {
    /// Start of the hypervisor's virtual-address hole (PV guests).
    pub virt_start: XenUlong,
}

/// `struct xen_feature_info` (`version.h`): argument of `XENVER_get_features`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct FeatureInfo {
    /// Which 32-bit word of feature bits (in); below `XENFEAT_NR_SUBMAPS`.
    pub submap_idx: u32,
    /// The feature bits (out).
    pub submap: u32,
}

/// `struct xen_build_id` (`version.h`): the fixed header of the
/// `XENVER_build_id` buffer; `len` bytes of build id follow it.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct BuildId {
    /// Size of the byte buffer that follows (in).
    pub len: u32,
}

impl BuildId {
    /// Offset of the flexible `buf[]` member.
    pub const BUF_OFFSET: usize = 4;
}

/// `XENFEAT_writable_page_tables` (`features.h`): page tables may be written directly (no write protection needed).
pub const XENFEAT_WRITABLE_PAGE_TABLES: u32 = 0;
/// `XENFEAT_writable_descriptor_tables` (`features.h`): descriptor tables may be written directly.
pub const XENFEAT_WRITABLE_DESCRIPTOR_TABLES: u32 = 1;
/// `XENFEAT_auto_translated_physmap` (`features.h`): Xen translates guest-physical to machine addresses (HVM/PVH).
pub const XENFEAT_AUTO_TRANSLATED_PHYSMAP: u32 = 2;
/// `XENFEAT_supervisor_mode_kernel` (`features.h`): the guest kernel runs in ring 0.
pub const XENFEAT_SUPERVISOR_MODE_KERNEL: u32 = 3;
/// `XENFEAT_pae_pgdir_above_4gb` (`features.h`): PAE page directories may live above 4 GiB.
pub const XENFEAT_PAE_PGDIR_ABOVE_4GB: u32 = 4;
/// `XENFEAT_mmu_pt_update_preserve_ad` (`features.h`): x86: `MMU_PT_UPDATE_PRESERVE_AD` is supported.
pub const XENFEAT_MMU_PT_UPDATE_PRESERVE_AD: u32 = 5;
/// `XENFEAT_highmem_assist` (`features.h`): x86: `MMUEXT_CLEAR_PAGE` / `MMUEXT_COPY_PAGE` are supported.
pub const XENFEAT_HIGHMEM_ASSIST: u32 = 6;
/// `XENFEAT_gnttab_map_avail_bits` (`features.h`): grant mapping honours the PTE available-bits flags.
pub const XENFEAT_GNTTAB_MAP_AVAIL_BITS: u32 = 7;
/// `XENFEAT_hvm_callback_vector` (`features.h`): x86: `HVM_PARAM_CALLBACK_TYPE_VECTOR` is supported.
pub const XENFEAT_HVM_CALLBACK_VECTOR: u32 = 8;
/// `XENFEAT_hvm_safe_pvclock` (`features.h`): x86: the pvclock is safe to use in HVM guests.
pub const XENFEAT_HVM_SAFE_PVCLOCK: u32 = 9;
/// `XENFEAT_hvm_pirqs` (`features.h`): x86: HVM guests may use PIRQs.
pub const XENFEAT_HVM_PIRQS: u32 = 10;
/// `XENFEAT_dom0` (`features.h`): the guest may run as dom0.
pub const XENFEAT_DOM0: u32 = 11;
/// `XENFEAT_memory_op_vnode_supported` (`features.h`): `XENMEMF_vnode` is supported.
pub const XENFEAT_MEMORY_OP_VNODE_SUPPORTED: u32 = 13;
/// `XENFEAT_ARM_SMCCC_supported` (`features.h`): Arm: SMC calling convention supported.
pub const XENFEAT_ARM_SMCCC_SUPPORTED: u32 = 14;
/// `XENFEAT_linux_rsdp_unrestricted` (`features.h`): x86/PVH: the RSDP may be anywhere, not only below 1 MiB (Linux guests).
pub const XENFEAT_LINUX_RSDP_UNRESTRICTED: u32 = 15;
/// `XENFEAT_not_direct_mapped` (`features.h`): the domain is not direct-mapped (gfn != mfn).
pub const XENFEAT_NOT_DIRECT_MAPPED: u32 = 16;
/// `XENFEAT_direct_mapped` (`features.h`): the domain is direct-mapped (gfn == mfn).
pub const XENFEAT_DIRECT_MAPPED: u32 = 17;
/// `XENFEAT_NR_SUBMAPS` (`features.h`): number of 32-bit feature words.
pub const XENFEAT_NR_SUBMAPS: u32 = 1;

bitflags! {
    /// `XENFEAT_*` (`features.h`) as bits of feature word 0 (bit 12, the
    /// withdrawn `grant_map_identity`, is not defined).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct XenFeatures: u32 {
        /// `XENFEAT_writable_page_tables`.
        const WRITABLE_PAGE_TABLES = 1 << XENFEAT_WRITABLE_PAGE_TABLES;
        /// `XENFEAT_writable_descriptor_tables`.
        const WRITABLE_DESCRIPTOR_TABLES = 1 << XENFEAT_WRITABLE_DESCRIPTOR_TABLES;
        /// `XENFEAT_auto_translated_physmap`.
        const AUTO_TRANSLATED_PHYSMAP = 1 << XENFEAT_AUTO_TRANSLATED_PHYSMAP;
        /// `XENFEAT_supervisor_mode_kernel`.
        const SUPERVISOR_MODE_KERNEL = 1 << XENFEAT_SUPERVISOR_MODE_KERNEL;
        /// `XENFEAT_pae_pgdir_above_4gb`.
        const PAE_PGDIR_ABOVE_4GB = 1 << XENFEAT_PAE_PGDIR_ABOVE_4GB;
        /// `XENFEAT_mmu_pt_update_preserve_ad`.
        const MMU_PT_UPDATE_PRESERVE_AD = 1 << XENFEAT_MMU_PT_UPDATE_PRESERVE_AD;
        /// `XENFEAT_highmem_assist`.
        const HIGHMEM_ASSIST = 1 << XENFEAT_HIGHMEM_ASSIST;
        /// `XENFEAT_gnttab_map_avail_bits`.
        const GNTTAB_MAP_AVAIL_BITS = 1 << XENFEAT_GNTTAB_MAP_AVAIL_BITS;
        /// `XENFEAT_hvm_callback_vector`.
        const HVM_CALLBACK_VECTOR = 1 << XENFEAT_HVM_CALLBACK_VECTOR;
        /// `XENFEAT_hvm_safe_pvclock`.
        const HVM_SAFE_PVCLOCK = 1 << XENFEAT_HVM_SAFE_PVCLOCK;
        /// `XENFEAT_hvm_pirqs`.
        const HVM_PIRQS = 1 << XENFEAT_HVM_PIRQS;
        /// `XENFEAT_dom0`.
        const DOM0 = 1 << XENFEAT_DOM0;
        /// `XENFEAT_memory_op_vnode_supported`.
        const MEMORY_OP_VNODE_SUPPORTED = 1 << XENFEAT_MEMORY_OP_VNODE_SUPPORTED;
        /// `XENFEAT_ARM_SMCCC_supported`.
        const ARM_SMCCC_SUPPORTED = 1 << XENFEAT_ARM_SMCCC_SUPPORTED;
        /// `XENFEAT_linux_rsdp_unrestricted`.
        const LINUX_RSDP_UNRESTRICTED = 1 << XENFEAT_LINUX_RSDP_UNRESTRICTED;
        /// `XENFEAT_not_direct_mapped`.
        const NOT_DIRECT_MAPPED = 1 << XENFEAT_NOT_DIRECT_MAPPED;
        /// `XENFEAT_direct_mapped`.
        const DIRECT_MAPPED = 1 << XENFEAT_DIRECT_MAPPED;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(CompileInfo, 144, {
            compiler: 0, compile_by: 64, compile_domain: 80, compile_date: 112,
        });
        assert_layout!(PlatformParameters, 8, { virt_start: 0 });
        assert_layout!(FeatureInfo, 8, { submap_idx: 0, submap: 4 });
        assert_layout!(BuildId, 4, { len: 0 });
        assert_eq!(core::mem::size_of::<Extraversion>(), XEN_EXTRAVERSION_LEN);
        assert_eq!(
            core::mem::size_of::<CapabilitiesInfo>(),
            XEN_CAPABILITIES_INFO_LEN
        );
        assert_eq!(
            core::mem::size_of::<ChangesetInfo>(),
            XEN_CHANGESET_INFO_LEN
        );
        assert_eq!(core::mem::size_of::<Commandline>(), 1024);
    }

    #[test]
    fn helpers() {
        assert_eq!(nul_terminated(b".0\0\0garbage"), b".0");
        assert_eq!(nul_terminated(b"abc"), b"abc");
        assert_eq!(xenver_version(4, 17), 0x0004_0011);
        assert_eq!(xenver_version_split(0x0004_0011), (4, 17));
        let pvh = XenFeatures::WRITABLE_PAGE_TABLES
            | XenFeatures::AUTO_TRANSLATED_PHYSMAP
            | XenFeatures::HVM_CALLBACK_VECTOR
            | XenFeatures::HVM_SAFE_PVCLOCK;
        assert_eq!(pvh.bits(), 0x305);
        assert_eq!(XenFeatures::all().bits(), 0x3_efff);
    }
}
