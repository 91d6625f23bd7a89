//! The x86_64 part of Xen's public interface (`arch-x86/xen.h`,
//! `arch-x86/xen-x86_64.h`, `callback.h`): the per-vCPU and per-domain
//! architectural blocks embedded in `shared_info`, guest register frames,
//! the PV vCPU context, the flat segment selectors and virtual-address
//! layout of 64-bit PV guests, and the x86 bits of domain creation.
//!
//! Notes on scalar types: on x86_64 both `xen_pfn_t` and `xen_ulong_t` are
//! C `unsigned long`, i.e. 64 bits. Frame numbers use the crate-wide
//! [`XenPfn`]; `xen_ulong_t` is spelled [`XenUlong`] here.
//! `xen_callback_t` (an event/failsafe/syscall entry point of a PV guest)
//! is a plain 64-bit virtual address on x86_64, spelled [`XenCallback`].

pub mod callback;
pub mod domain_config;
pub mod regs;

pub use callback::*;
pub use domain_config::*;
pub use regs::*;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::XenPfn;

/// `xen_ulong_t` (`arch-x86/xen.h`): a C `unsigned long`, 64 bits on x86_64.
pub type XenUlong = u64;

/// `xen_callback_t` (`arch-x86/xen-x86_64.h`): a PV guest entry point, a
/// 64-bit virtual address on x86_64.
pub type XenCallback = u64;

/// `XEN_LEGACY_MAX_VCPUS` (`arch-x86/xen.h`): number of `vcpu_info` slots
/// inside `shared_info`; vCPUs beyond this must register their own
/// `vcpu_info` with `VCPUOP_register_vcpu_info`.
pub const XEN_LEGACY_MAX_VCPUS: usize = 32;

/// `FIRST_RESERVED_GDT_PAGE` (`arch-x86/xen.h`): first page of a PV guest's
/// GDT that Xen reserves for its own descriptors.
pub const FIRST_RESERVED_GDT_PAGE: u32 = 14;
/// `FIRST_RESERVED_GDT_BYTE` (`arch-x86/xen.h`): byte offset of that page.
pub const FIRST_RESERVED_GDT_BYTE: u32 = FIRST_RESERVED_GDT_PAGE * 4096;
/// `FIRST_RESERVED_GDT_ENTRY` (`arch-x86/xen.h`): first reserved 8-byte
/// descriptor slot.
pub const FIRST_RESERVED_GDT_ENTRY: u32 = FIRST_RESERVED_GDT_BYTE / 8;

/// `XEN_HVM_DEBUGCONS_IOPORT` (`arch-x86/xen.h`): I/O port of the debug
/// console (byte writes are printed by Xen).
pub const XEN_HVM_DEBUGCONS_IOPORT: u16 = 0xe9;

/// `XEN_EMULATE_PREFIX` (`arch-x86/xen.h`): the byte sequence (`ud2` plus
/// the ASCII letters "xen") that a PV guest places before an instruction,
/// typically `cpuid`, to have Xen emulate it with the guest's view.
pub const XEN_EMULATE_PREFIX: [u8; 5] = [0x0f, 0x0b, 0x78, 0x65, 0x6e];

// Flat segment selectors of 64-bit PV guests (xen-x86_64.h).

/// `FLAT_RING3_CS32` (`arch-x86/xen-x86_64.h`): 32-bit ring-3 code selector (GDT entry 260).
pub const FLAT_RING3_CS32: u16 = 0xe023;
/// `FLAT_RING3_CS64` (`arch-x86/xen-x86_64.h`): 64-bit ring-3 code selector (GDT entry 262).
pub const FLAT_RING3_CS64: u16 = 0xe033;
/// `FLAT_RING3_DS32` (`arch-x86/xen-x86_64.h`): 32-bit ring-3 data selector (GDT entry 261).
pub const FLAT_RING3_DS32: u16 = 0xe02b;
/// `FLAT_RING3_DS64` (`arch-x86/xen-x86_64.h`): 64-bit data selector: the null selector.
pub const FLAT_RING3_DS64: u16 = 0x0000;
/// `FLAT_RING3_SS32` (`arch-x86/xen-x86_64.h`): 32-bit ring-3 stack selector.
pub const FLAT_RING3_SS32: u16 = 0xe02b;
/// `FLAT_RING3_SS64` (`arch-x86/xen-x86_64.h`): 64-bit ring-3 stack selector.
pub const FLAT_RING3_SS64: u16 = 0xe02b;
/// `FLAT_KERNEL_DS64` (`arch-x86/xen-x86_64.h`): 64-bit PV kernels run in ring 3, so this is [`FLAT_RING3_DS64`].
pub const FLAT_KERNEL_DS64: u16 = FLAT_RING3_DS64;
/// `FLAT_KERNEL_DS32` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_DS32`].
pub const FLAT_KERNEL_DS32: u16 = FLAT_RING3_DS32;
/// `FLAT_KERNEL_DS` (`arch-x86/xen-x86_64.h`): equals [`FLAT_KERNEL_DS64`].
pub const FLAT_KERNEL_DS: u16 = FLAT_KERNEL_DS64;
/// `FLAT_KERNEL_CS64` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_CS64`].
pub const FLAT_KERNEL_CS64: u16 = FLAT_RING3_CS64;
/// `FLAT_KERNEL_CS32` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_CS32`].
pub const FLAT_KERNEL_CS32: u16 = FLAT_RING3_CS32;
/// `FLAT_KERNEL_CS` (`arch-x86/xen-x86_64.h`): equals [`FLAT_KERNEL_CS64`].
pub const FLAT_KERNEL_CS: u16 = FLAT_KERNEL_CS64;
/// `FLAT_KERNEL_SS64` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_SS64`].
pub const FLAT_KERNEL_SS64: u16 = FLAT_RING3_SS64;
/// `FLAT_KERNEL_SS32` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_SS32`].
pub const FLAT_KERNEL_SS32: u16 = FLAT_RING3_SS32;
/// `FLAT_KERNEL_SS` (`arch-x86/xen-x86_64.h`): equals [`FLAT_KERNEL_SS64`].
pub const FLAT_KERNEL_SS: u16 = FLAT_KERNEL_SS64;
/// `FLAT_USER_DS64` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_DS64`].
pub const FLAT_USER_DS64: u16 = FLAT_RING3_DS64;
/// `FLAT_USER_DS32` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_DS32`].
pub const FLAT_USER_DS32: u16 = FLAT_RING3_DS32;
/// `FLAT_USER_DS` (`arch-x86/xen-x86_64.h`): equals [`FLAT_USER_DS64`].
pub const FLAT_USER_DS: u16 = FLAT_USER_DS64;
/// `FLAT_USER_CS64` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_CS64`].
pub const FLAT_USER_CS64: u16 = FLAT_RING3_CS64;
/// `FLAT_USER_CS32` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_CS32`].
pub const FLAT_USER_CS32: u16 = FLAT_RING3_CS32;
/// `FLAT_USER_CS` (`arch-x86/xen-x86_64.h`): equals [`FLAT_USER_CS64`].
pub const FLAT_USER_CS: u16 = FLAT_USER_CS64;
/// `FLAT_USER_SS64` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_SS64`].
pub const FLAT_USER_SS64: u16 = FLAT_RING3_SS64;
/// `FLAT_USER_SS32` (`arch-x86/xen-x86_64.h`): equals [`FLAT_RING3_SS32`].
pub const FLAT_USER_SS32: u16 = FLAT_RING3_SS32;
/// `FLAT_USER_SS` (`arch-x86/xen-x86_64.h`): equals [`FLAT_USER_SS64`].
pub const FLAT_USER_SS: u16 = FLAT_USER_SS64;

// Virtual-address layout seen by 64-bit PV guests (xen-x86_64.h).

/// `HYPERVISOR_VIRT_START` (`arch-x86/xen-x86_64.h`): start of the range
/// Xen reserves in every 64-bit PV address space.
pub const HYPERVISOR_VIRT_START: u64 = 0xFFFF_8000_0000_0000;
/// `HYPERVISOR_VIRT_END` (`arch-x86/xen-x86_64.h`): end (exclusive) of that range.
pub const HYPERVISOR_VIRT_END: u64 = 0xFFFF_8800_0000_0000;
/// `MACH2PHYS_VIRT_START` (`arch-x86/xen-x86_64.h`): where the read-only
/// machine-to-physical table is mapped for PV guests.
pub const MACH2PHYS_VIRT_START: u64 = 0xFFFF_8000_0000_0000;
/// `MACH2PHYS_VIRT_END` (`arch-x86/xen-x86_64.h`): end (exclusive) of that table.
pub const MACH2PHYS_VIRT_END: u64 = 0xFFFF_8040_0000_0000;
/// `MACH2PHYS_NR_ENTRIES` (`arch-x86/xen-x86_64.h`): number of 8-byte
/// entries in the machine-to-physical table.
pub const MACH2PHYS_NR_ENTRIES: u64 = (MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3;

// set_segment_base hypercall selectors (xen-x86_64.h).

/// `SEGBASE_FS` (`arch-x86/xen-x86_64.h`): `set_segment_base` sets the FS base.
pub const SEGBASE_FS: u32 = 0;
/// `SEGBASE_GS_USER` (`arch-x86/xen-x86_64.h`): sets the user GS base.
pub const SEGBASE_GS_USER: u32 = 1;
/// `SEGBASE_GS_KERNEL` (`arch-x86/xen-x86_64.h`): sets the kernel GS base.
pub const SEGBASE_GS_KERNEL: u32 = 2;
/// `SEGBASE_GS_USER_SEL` (`arch-x86/xen-x86_64.h`): loads the user GS
/// selector given in bits 15:0 of the value.
pub const SEGBASE_GS_USER_SEL: u32 = 3;

/// `xen_pfn_to_cr3()` (`arch-x86/xen-x86_64.h`): the CR3 value naming a
/// top-level page table by frame number.
pub const fn xen_pfn_to_cr3(pfn: XenPfn) -> u64 {
    pfn << 12
}

/// `xen_cr3_to_pfn()` (`arch-x86/xen-x86_64.h`): the frame number held in a
/// CR3 value.
pub const fn xen_cr3_to_pfn(cr3: u64) -> XenPfn {
    cr3 >> 12
}

/// `struct arch_vcpu_info` (`arch-x86/xen-x86_64.h`): the x86 part of each
/// `vcpu_info`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ArchVcpuInfo {
    /// Faulting address of the last page fault delivered to a PV guest.
    pub cr2: u64,
    /// Keeps `vcpu_info` at 64 bytes; zero.
    pub pad: u64,
}

/// `struct arch_shared_info` (`arch-x86/xen.h`): the x86 part of
/// `shared_info`, describing a PV guest's physical-to-machine (p2m) table
/// for the toolstack. On x86_64 the high wallclock seconds are not here but
/// in `shared_info.wc_sec_hi`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ArchSharedInfo {
    /// Number of valid p2m entries.
    pub max_pfn: u64,
    /// Frame of the top of the three-level p2m frame list; 0 if not set up,
    /// all ones if unusable (then the linear list at `p2m_vaddr` is used).
    pub pfn_to_mfn_frame_list_list: XenPfn,
    /// Reason bits of the last NMI delivered to the domain.
    pub nmi_reason: u64,
    /// CR3 (folded frame number) of the address space where `p2m_vaddr` is
    /// valid; 0 means the three `p2m_*` fields are unused.
    pub p2m_cr3: u64,
    /// Virtual address of the linear p2m list.
    pub p2m_vaddr: u64,
    /// Generation count, odd while the guest updates the p2m mappings.
    pub p2m_generation: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_layouts() {
        assert_layout!(ArchVcpuInfo, 16, { cr2: 0, pad: 8 });
        assert_layout!(ArchSharedInfo, 48, {
            max_pfn: 0,
            pfn_to_mfn_frame_list_list: 8,
            nmi_reason: 16,
            p2m_cr3: 24,
            p2m_vaddr: 32,
            p2m_generation: 40,
        });
    }

    #[test]
    fn derived_constants() {
        assert_eq!(FIRST_RESERVED_GDT_BYTE, 0xE000);
        assert_eq!(FIRST_RESERVED_GDT_ENTRY, 7168);
        assert_eq!(MACH2PHYS_NR_ENTRIES, 1 << 35);
        // The flat selectors are RPL-3 entries in Xen's reserved GDT page.
        assert_eq!(
            u32::from(FLAT_RING3_CS64 >> 3),
            FIRST_RESERVED_GDT_ENTRY + 6
        );
        assert_eq!(
            u32::from(FLAT_RING3_CS32 >> 3),
            FIRST_RESERVED_GDT_ENTRY + 4
        );
        assert_eq!(FLAT_RING3_CS64 & 3, 3);
    }

    #[test]
    fn cr3_folding() {
        assert_eq!(xen_pfn_to_cr3(0x1234), 0x123_4000);
        assert_eq!(xen_cr3_to_pfn(0x123_4fff), 0x1234);
    }
}
