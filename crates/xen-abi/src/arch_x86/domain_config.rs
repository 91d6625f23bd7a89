//! x86 pieces of domain building used by domctl (`arch-x86/xen.h`, tools
//! only): `xen_arch_domainconfig` with its emulation flags, and the CPUID
//! leaf / MSR records of a domain's CPU policy.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `_XEN_X86_EMU_LAPIC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_LAPIC`].
pub const _XEN_X86_EMU_LAPIC: u32 = 0;
/// `XEN_X86_EMU_LAPIC` (`arch-x86/xen.h`): emulate local APICs.
pub const XEN_X86_EMU_LAPIC: u32 = 1 << _XEN_X86_EMU_LAPIC;
/// `_XEN_X86_EMU_HPET` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_HPET`].
pub const _XEN_X86_EMU_HPET: u32 = 1;
/// `XEN_X86_EMU_HPET` (`arch-x86/xen.h`): emulate an HPET.
pub const XEN_X86_EMU_HPET: u32 = 1 << _XEN_X86_EMU_HPET;
/// `_XEN_X86_EMU_PM` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_PM`].
pub const _XEN_X86_EMU_PM: u32 = 2;
/// `XEN_X86_EMU_PM` (`arch-x86/xen.h`): emulate ACPI PM timer/registers.
pub const XEN_X86_EMU_PM: u32 = 1 << _XEN_X86_EMU_PM;
/// `_XEN_X86_EMU_RTC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_RTC`].
pub const _XEN_X86_EMU_RTC: u32 = 3;
/// `XEN_X86_EMU_RTC` (`arch-x86/xen.h`): emulate the CMOS RTC.
pub const XEN_X86_EMU_RTC: u32 = 1 << _XEN_X86_EMU_RTC;
/// `_XEN_X86_EMU_IOAPIC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_IOAPIC`].
pub const _XEN_X86_EMU_IOAPIC: u32 = 4;
/// `XEN_X86_EMU_IOAPIC` (`arch-x86/xen.h`): emulate an IO-APIC.
pub const XEN_X86_EMU_IOAPIC: u32 = 1 << _XEN_X86_EMU_IOAPIC;
/// `_XEN_X86_EMU_PIC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_PIC`].
pub const _XEN_X86_EMU_PIC: u32 = 5;
/// `XEN_X86_EMU_PIC` (`arch-x86/xen.h`): emulate the 8259 PICs.
pub const XEN_X86_EMU_PIC: u32 = 1 << _XEN_X86_EMU_PIC;
/// `_XEN_X86_EMU_VGA` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_VGA`].
pub const _XEN_X86_EMU_VGA: u32 = 6;
/// `XEN_X86_EMU_VGA` (`arch-x86/xen.h`): emulate standard VGA.
pub const XEN_X86_EMU_VGA: u32 = 1 << _XEN_X86_EMU_VGA;
/// `_XEN_X86_EMU_IOMMU` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_IOMMU`].
pub const _XEN_X86_EMU_IOMMU: u32 = 7;
/// `XEN_X86_EMU_IOMMU` (`arch-x86/xen.h`): emulate an IOMMU.
pub const XEN_X86_EMU_IOMMU: u32 = 1 << _XEN_X86_EMU_IOMMU;
/// `_XEN_X86_EMU_PIT` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_PIT`].
pub const _XEN_X86_EMU_PIT: u32 = 8;
/// `XEN_X86_EMU_PIT` (`arch-x86/xen.h`): emulate the 8254 PIT.
pub const XEN_X86_EMU_PIT: u32 = 1 << _XEN_X86_EMU_PIT;
/// `_XEN_X86_EMU_USE_PIRQ` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_USE_PIRQ`].
pub const _XEN_X86_EMU_USE_PIRQ: u32 = 9;
/// `XEN_X86_EMU_USE_PIRQ` (`arch-x86/xen.h`): route physical IRQs through event channels.
pub const XEN_X86_EMU_USE_PIRQ: u32 = 1 << _XEN_X86_EMU_USE_PIRQ;
/// `_XEN_X86_EMU_VPCI` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_VPCI`].
pub const _XEN_X86_EMU_VPCI: u32 = 10;
/// `XEN_X86_EMU_VPCI` (`arch-x86/xen.h`): emulate PCI config space in Xen.
pub const XEN_X86_EMU_VPCI: u32 = 1 << _XEN_X86_EMU_VPCI;
/// `XEN_X86_EMU_ALL` (`arch-x86/xen.h`): every emulation flag.
pub const XEN_X86_EMU_ALL: u32 = XEN_X86_EMU_LAPIC
    | XEN_X86_EMU_HPET
    | XEN_X86_EMU_PM
    | XEN_X86_EMU_RTC
    | XEN_X86_EMU_IOAPIC
    | XEN_X86_EMU_PIC
    | XEN_X86_EMU_VGA
    | XEN_X86_EMU_IOMMU
    | XEN_X86_EMU_PIT
    | XEN_X86_EMU_USE_PIRQ
    | XEN_X86_EMU_VPCI;

bitflags! {
    /// `XEN_X86_EMU_*` (`arch-x86/xen.h`): `emulation_flags` of
    /// [`ArchDomainConfig`]. A PVH guest typically has only `LAPIC`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct X86EmuFlags: u32 {
        /// `XEN_X86_EMU_LAPIC`.
        const LAPIC = XEN_X86_EMU_LAPIC;
        /// `XEN_X86_EMU_HPET`.
        const HPET = XEN_X86_EMU_HPET;
        /// `XEN_X86_EMU_PM`.
        const PM = XEN_X86_EMU_PM;
        /// `XEN_X86_EMU_RTC`.
        const RTC = XEN_X86_EMU_RTC;
        /// `XEN_X86_EMU_IOAPIC`.
        const IOAPIC = XEN_X86_EMU_IOAPIC;
        /// `XEN_X86_EMU_PIC`.
        const PIC = XEN_X86_EMU_PIC;
        /// `XEN_X86_EMU_VGA`.
        const VGA = XEN_X86_EMU_VGA;
        /// `XEN_X86_EMU_IOMMU`.
        const IOMMU = XEN_X86_EMU_IOMMU;
        /// `XEN_X86_EMU_PIT`.
        const PIT = XEN_X86_EMU_PIT;
        /// `XEN_X86_EMU_USE_PIRQ`.
        const USE_PIRQ = XEN_X86_EMU_USE_PIRQ;
        /// `XEN_X86_EMU_VPCI`.
        const VPCI = XEN_X86_EMU_VPCI;
    }
}

/// `XEN_X86_MSR_RELAXED` (`arch-x86/xen.h`): `misc_flags` bit selecting the
/// pre-4.15 behaviour of tolerating reads of unknown MSRs.
pub const XEN_X86_MSR_RELAXED: u32 = 1 << 0;
/// `XEN_X86_MISC_FLAGS_MAX` (`arch-x86/xen.h`): highest defined `misc_flags` bit.
pub const XEN_X86_MISC_FLAGS_MAX: u32 = XEN_X86_MSR_RELAXED;

/// `struct xen_arch_domainconfig` (`arch-x86/xen.h`, tools only): the x86
/// part of `XEN_DOMCTL_createdomain`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ArchDomainConfig {
    /// `XEN_X86_EMU_*` (see [`X86EmuFlags`]).
    pub emulation_flags: u32,
    /// `XEN_X86_MSR_RELAXED` and future flags.
    pub misc_flags: u32,
}

impl ArchDomainConfig {
    /// `emulation_flags` as [`X86EmuFlags`], unknown bits dropped.
    pub const fn emu_flags(&self) -> X86EmuFlags {
        X86EmuFlags::from_bits_truncate(self.emulation_flags)
    }
}

/// `XEN_CPUID_NO_SUBLEAF` (`arch-x86/xen.h`): `subleaf` value of leaves
/// that have no sub-leaves.
pub const XEN_CPUID_NO_SUBLEAF: u32 = 0xffff_ffff;

/// `struct xen_cpuid_leaf` (`arch-x86/xen.h`): one CPUID result of a
/// domain's CPU policy.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct CpuidLeaf {
    /// Leaf (EAX input).
    pub leaf: u32,
    /// Sub-leaf (ECX input) or [`XEN_CPUID_NO_SUBLEAF`].
    pub subleaf: u32,
    /// EAX output.
    pub a: u32,
    /// EBX output.
    pub b: u32,
    /// ECX output.
    pub c: u32,
    /// EDX output.
    pub d: u32,
}

/// `struct xen_msr_entry` (`arch-x86/xen.h`): one MSR of a domain's policy
/// or saved state.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MsrEntry {
    /// MSR index.
    pub idx: u32,
    /// Reserved; zero.
    pub flags: u32,
    /// MSR value.
    pub val: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(ArchDomainConfig, 8, { emulation_flags: 0, misc_flags: 4 });
        assert_layout!(CpuidLeaf, 24, { leaf: 0, subleaf: 4, a: 8, b: 12, c: 16, d: 20 });
        assert_layout!(MsrEntry, 16, { idx: 0, flags: 4, val: 8 });
    }

    #[test]
    fn emu_flags() {
        assert_eq!(X86EmuFlags::all().bits(), XEN_X86_EMU_ALL);
        assert_eq!(XEN_X86_EMU_ALL, 0x7ff);
        let c = ArchDomainConfig {
            emulation_flags: XEN_X86_EMU_LAPIC | 1 << 20,
            misc_flags: 0,
        };
        assert_eq!(c.emu_flags(), X86EmuFlags::LAPIC);
    }
}
