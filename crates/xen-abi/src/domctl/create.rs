//! Creating domains and reading their state: `XEN_DOMCTL_createdomain`
//! (with the x86 architecture configuration) and `XEN_DOMCTL_getdomaininfo`.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::DomainHandle;
use crate::DomId;

// ---------------------------------------------------------------------------
// x86 architecture configuration (arch-x86/xen.h)
// ---------------------------------------------------------------------------

/// `_XEN_X86_EMU_LAPIC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_LAPIC`].
pub const _XEN_X86_EMU_LAPIC: u32 = 0;
/// `XEN_X86_EMU_LAPIC` (`arch-x86/xen.h`): Xen emulates local APICs.
pub const XEN_X86_EMU_LAPIC: u32 = 1 << _XEN_X86_EMU_LAPIC;
/// `_XEN_X86_EMU_HPET` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_HPET`].
pub const _XEN_X86_EMU_HPET: u32 = 1;
/// `XEN_X86_EMU_HPET` (`arch-x86/xen.h`): Xen emulates an HPET.
pub const XEN_X86_EMU_HPET: u32 = 1 << _XEN_X86_EMU_HPET;
/// `_XEN_X86_EMU_PM` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_PM`].
pub const _XEN_X86_EMU_PM: u32 = 2;
/// `XEN_X86_EMU_PM` (`arch-x86/xen.h`): Xen emulates ACPI PM timer and registers.
pub const XEN_X86_EMU_PM: u32 = 1 << _XEN_X86_EMU_PM;
/// `_XEN_X86_EMU_RTC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_RTC`].
pub const _XEN_X86_EMU_RTC: u32 = 3;
/// `XEN_X86_EMU_RTC` (`arch-x86/xen.h`): Xen emulates the RTC.
pub const XEN_X86_EMU_RTC: u32 = 1 << _XEN_X86_EMU_RTC;
/// `_XEN_X86_EMU_IOAPIC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_IOAPIC`].
pub const _XEN_X86_EMU_IOAPIC: u32 = 4;
/// `XEN_X86_EMU_IOAPIC` (`arch-x86/xen.h`): Xen emulates an IO-APIC.
pub const XEN_X86_EMU_IOAPIC: u32 = 1 << _XEN_X86_EMU_IOAPIC;
/// `_XEN_X86_EMU_PIC` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_PIC`].
pub const _XEN_X86_EMU_PIC: u32 = 5;
/// `XEN_X86_EMU_PIC` (`arch-x86/xen.h`): Xen emulates the 8259 PICs.
pub const XEN_X86_EMU_PIC: u32 = 1 << _XEN_X86_EMU_PIC;
/// `_XEN_X86_EMU_VGA` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_VGA`].
pub const _XEN_X86_EMU_VGA: u32 = 6;
/// `XEN_X86_EMU_VGA` (`arch-x86/xen.h`): Xen emulates standard VGA.
pub const XEN_X86_EMU_VGA: u32 = 1 << _XEN_X86_EMU_VGA;
/// `_XEN_X86_EMU_IOMMU` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_IOMMU`].
pub const _XEN_X86_EMU_IOMMU: u32 = 7;
/// `XEN_X86_EMU_IOMMU` (`arch-x86/xen.h`): Xen emulates an IOMMU.
pub const XEN_X86_EMU_IOMMU: u32 = 1 << _XEN_X86_EMU_IOMMU;
/// `_XEN_X86_EMU_PIT` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_PIT`].
pub const _XEN_X86_EMU_PIT: u32 = 8;
/// `XEN_X86_EMU_PIT` (`arch-x86/xen.h`): Xen emulates the 8254 PIT.
pub const XEN_X86_EMU_PIT: u32 = 1 << _XEN_X86_EMU_PIT;
/// `_XEN_X86_EMU_USE_PIRQ` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_USE_PIRQ`].
pub const _XEN_X86_EMU_USE_PIRQ: u32 = 9;
/// `XEN_X86_EMU_USE_PIRQ` (`arch-x86/xen.h`): HVM guest may route interrupts as PIRQs.
pub const XEN_X86_EMU_USE_PIRQ: u32 = 1 << _XEN_X86_EMU_USE_PIRQ;
/// `_XEN_X86_EMU_VPCI` (`arch-x86/xen.h`): bit number of [`XEN_X86_EMU_VPCI`].
pub const _XEN_X86_EMU_VPCI: u32 = 10;
/// `XEN_X86_EMU_VPCI` (`arch-x86/xen.h`): Xen emulates PCI config space (vPCI).
pub const XEN_X86_EMU_VPCI: u32 = 1 << _XEN_X86_EMU_VPCI;
/// `XEN_X86_EMU_ALL` (`arch-x86/xen.h`): every emulated device above.
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
/// `XEN_X86_MSR_RELAXED` (`arch-x86/xen.h`): unhandled MSR accesses read
/// as zero / are ignored instead of raising #GP.
pub const XEN_X86_MSR_RELAXED: u32 = 1 << 0;

bitflags! {
    /// `XEN_X86_EMU_*` (`arch-x86/xen.h`): the devices Xen emulates for a
    /// domain ([`ArchDomainConfig::emulation_flags`]).
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

/// `struct xen_arch_domainconfig` (`arch-x86/xen.h`, x86 version): the
/// architecture part of a domain's creation parameters.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ArchDomainConfig {
    /// `XEN_X86_EMU_*` (see [`X86EmuFlags`]): 0 for PV, a full set for HVM,
    /// `XEN_X86_EMU_LAPIC` alone for PVH.
    pub emulation_flags: u32,
    /// `XEN_X86_MSR_*` flags.
    pub misc_flags: u32,
}

// ---------------------------------------------------------------------------
// createdomain
// ---------------------------------------------------------------------------

/// `_XEN_DOMCTL_CDF_hvm` (`domctl.h`): bit number of [`XEN_DOMCTL_CDF_HVM`].
pub const _XEN_DOMCTL_CDF_HVM: u32 = 0;
/// `XEN_DOMCTL_CDF_hvm` (`domctl.h`): an HVM (or PVH) guest rather than PV.
pub const XEN_DOMCTL_CDF_HVM: u32 = 1 << _XEN_DOMCTL_CDF_HVM;
/// `_XEN_DOMCTL_CDF_hap` (`domctl.h`): bit number of [`XEN_DOMCTL_CDF_HAP`].
pub const _XEN_DOMCTL_CDF_HAP: u32 = 1;
/// `XEN_DOMCTL_CDF_hap` (`domctl.h`): use hardware-assisted paging.
pub const XEN_DOMCTL_CDF_HAP: u32 = 1 << _XEN_DOMCTL_CDF_HAP;
/// `_XEN_DOMCTL_CDF_s3_integrity` (`domctl.h`): bit number of [`XEN_DOMCTL_CDF_S3_INTEGRITY`].
pub const _XEN_DOMCTL_CDF_S3_INTEGRITY: u32 = 2;
/// `XEN_DOMCTL_CDF_s3_integrity` (`domctl.h`): have tboot check memory integrity across S3.
pub const XEN_DOMCTL_CDF_S3_INTEGRITY: u32 = 1 << _XEN_DOMCTL_CDF_S3_INTEGRITY;
/// `_XEN_DOMCTL_CDF_oos_off` (`domctl.h`): bit number of [`XEN_DOMCTL_CDF_OOS_OFF`].
pub const _XEN_DOMCTL_CDF_OOS_OFF: u32 = 3;
/// `XEN_DOMCTL_CDF_oos_off` (`domctl.h`): no out-of-sync shadow page tables.
pub const XEN_DOMCTL_CDF_OOS_OFF: u32 = 1 << _XEN_DOMCTL_CDF_OOS_OFF;
/// `_XEN_DOMCTL_CDF_xs_domain` (`domctl.h`): bit number of [`XEN_DOMCTL_CDF_XS_DOMAIN`].
pub const _XEN_DOMCTL_CDF_XS_DOMAIN: u32 = 4;
/// `XEN_DOMCTL_CDF_xs_domain` (`domctl.h`): the domain runs xenstore.
pub const XEN_DOMCTL_CDF_XS_DOMAIN: u32 = 1 << _XEN_DOMCTL_CDF_XS_DOMAIN;
/// `_XEN_DOMCTL_CDF_iommu` (`domctl.h`): bit number of [`XEN_DOMCTL_CDF_IOMMU`].
pub const _XEN_DOMCTL_CDF_IOMMU: u32 = 5;
/// `XEN_DOMCTL_CDF_iommu` (`domctl.h`): the domain may use the IOMMU (device pass-through).
pub const XEN_DOMCTL_CDF_IOMMU: u32 = 1 << _XEN_DOMCTL_CDF_IOMMU;
/// `_XEN_DOMCTL_CDF_nested_virt` (`domctl.h`): bit number of [`XEN_DOMCTL_CDF_NESTED_VIRT`].
pub const _XEN_DOMCTL_CDF_NESTED_VIRT: u32 = 6;
/// `XEN_DOMCTL_CDF_nested_virt` (`domctl.h`): offer nested virtualisation.
pub const XEN_DOMCTL_CDF_NESTED_VIRT: u32 = 1 << _XEN_DOMCTL_CDF_NESTED_VIRT;
/// `XEN_DOMCTL_CDF_vpmu` (`domctl.h`): expose the virtual PMU.
pub const XEN_DOMCTL_CDF_VPMU: u32 = 1 << 7;
/// `XEN_DOMCTL_CDF_MAX` (`domctl.h`): the highest defined `CDF` flag.
pub const XEN_DOMCTL_CDF_MAX: u32 = XEN_DOMCTL_CDF_VPMU;

bitflags! {
    /// `XEN_DOMCTL_CDF_*` (`domctl.h`): [`DomctlCreateDomain::flags`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct CdfFlags: u32 {
        /// `XEN_DOMCTL_CDF_hvm`.
        const HVM = XEN_DOMCTL_CDF_HVM;
        /// `XEN_DOMCTL_CDF_hap`.
        const HAP = XEN_DOMCTL_CDF_HAP;
        /// `XEN_DOMCTL_CDF_s3_integrity`.
        const S3_INTEGRITY = XEN_DOMCTL_CDF_S3_INTEGRITY;
        /// `XEN_DOMCTL_CDF_oos_off`.
        const OOS_OFF = XEN_DOMCTL_CDF_OOS_OFF;
        /// `XEN_DOMCTL_CDF_xs_domain`.
        const XS_DOMAIN = XEN_DOMCTL_CDF_XS_DOMAIN;
        /// `XEN_DOMCTL_CDF_iommu`.
        const IOMMU = XEN_DOMCTL_CDF_IOMMU;
        /// `XEN_DOMCTL_CDF_nested_virt`.
        const NESTED_VIRT = XEN_DOMCTL_CDF_NESTED_VIRT;
        /// `XEN_DOMCTL_CDF_vpmu`.
        const VPMU = XEN_DOMCTL_CDF_VPMU;
    }
}

/// `_XEN_DOMCTL_IOMMU_no_sharept` (`domctl.h`): bit number of [`XEN_DOMCTL_IOMMU_NO_SHAREPT`].
pub const _XEN_DOMCTL_IOMMU_NO_SHAREPT: u32 = 0;
/// `XEN_DOMCTL_IOMMU_no_sharept` (`domctl.h`): give the IOMMU its own page
/// tables instead of sharing the CPU's (HAP) ones.
pub const XEN_DOMCTL_IOMMU_NO_SHAREPT: u32 = 1 << _XEN_DOMCTL_IOMMU_NO_SHAREPT;
/// `XEN_DOMCTL_IOMMU_MAX` (`domctl.h`): the highest defined `IOMMU` option.
pub const XEN_DOMCTL_IOMMU_MAX: u32 = XEN_DOMCTL_IOMMU_NO_SHAREPT;

/// `XEN_DOMCTL_GRANT_version_mask` (`domctl.h`): the bits of
/// [`DomctlCreateDomain::grant_opts`] holding the highest grant-table
/// version the domain may use.
pub const XEN_DOMCTL_GRANT_VERSION_MASK: u32 = 0xf;

/// `XEN_DOMCTL_GRANT_version(v)` (`domctl.h`): `grant_opts` bits allowing
/// grant-table versions up to `v`.
pub const fn xen_domctl_grant_version(v: u32) -> u32 {
    v & XEN_DOMCTL_GRANT_VERSION_MASK
}

/// `struct xen_domctl_createdomain` (`domctl.h`): argument of
/// `XEN_DOMCTL_createdomain`. The new id is returned in
/// [`Domctl::domain`](super::Domctl::domain) (pass 0 or a reserved id to
/// let Xen pick one).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlCreateDomain {
    /// XSM security label.
    pub ssidref: u32,
    /// The domain's UUID.
    pub handle: DomainHandle,
    /// `XEN_DOMCTL_CDF_*` (see [`CdfFlags`]).
    pub flags: u32,
    /// `XEN_DOMCTL_IOMMU_*` options.
    pub iommu_opts: u32,
    /// Number of vCPUs.
    pub max_vcpus: u32,
    /// Highest event-channel port the domain may use.
    pub max_evtchn_port: u32,
    /// Grant-table frame limit (negative: Xen's default).
    pub max_grant_frames: i32,
    /// Maptrack frame limit (negative: Xen's default).
    pub max_maptrack_frames: i32,
    /// Grant options: the maximum version in the low bits
    /// ([`xen_domctl_grant_version`]).
    pub grant_opts: u32,
    /// Per-vCPU processor-trace buffer size in bytes (0: none).
    pub vmtrace_size: u32,
    /// CPU pool to place the domain in (0: the default pool).
    pub cpupool_id: u32,
    /// Architecture-specific configuration.
    pub arch: ArchDomainConfig,
}

// ---------------------------------------------------------------------------
// getdomaininfo
// ---------------------------------------------------------------------------

/// `_XEN_DOMINF_dying` (`domctl.h`): bit number of [`XEN_DOMINF_DYING`].
pub const _XEN_DOMINF_DYING: u32 = 0;
/// `XEN_DOMINF_dying` (`domctl.h`): the domain is being destroyed.
pub const XEN_DOMINF_DYING: u32 = 1 << _XEN_DOMINF_DYING;
/// `_XEN_DOMINF_hvm_guest` (`domctl.h`): bit number of [`XEN_DOMINF_HVM_GUEST`].
pub const _XEN_DOMINF_HVM_GUEST: u32 = 1;
/// `XEN_DOMINF_hvm_guest` (`domctl.h`): an HVM (or PVH) guest.
pub const XEN_DOMINF_HVM_GUEST: u32 = 1 << _XEN_DOMINF_HVM_GUEST;
/// `_XEN_DOMINF_shutdown` (`domctl.h`): bit number of [`XEN_DOMINF_SHUTDOWN`].
pub const _XEN_DOMINF_SHUTDOWN: u32 = 2;
/// `XEN_DOMINF_shutdown` (`domctl.h`): the guest has shut down; see the reason field.
pub const XEN_DOMINF_SHUTDOWN: u32 = 1 << _XEN_DOMINF_SHUTDOWN;
/// `_XEN_DOMINF_paused` (`domctl.h`): bit number of [`XEN_DOMINF_PAUSED`].
pub const _XEN_DOMINF_PAUSED: u32 = 3;
/// `XEN_DOMINF_paused` (`domctl.h`): paused by the toolstack.
pub const XEN_DOMINF_PAUSED: u32 = 1 << _XEN_DOMINF_PAUSED;
/// `_XEN_DOMINF_blocked` (`domctl.h`): bit number of [`XEN_DOMINF_BLOCKED`].
pub const _XEN_DOMINF_BLOCKED: u32 = 4;
/// `XEN_DOMINF_blocked` (`domctl.h`): every vCPU is waiting for an event.
pub const XEN_DOMINF_BLOCKED: u32 = 1 << _XEN_DOMINF_BLOCKED;
/// `_XEN_DOMINF_running` (`domctl.h`): bit number of [`XEN_DOMINF_RUNNING`].
pub const _XEN_DOMINF_RUNNING: u32 = 5;
/// `XEN_DOMINF_running` (`domctl.h`): some vCPU is running now.
pub const XEN_DOMINF_RUNNING: u32 = 1 << _XEN_DOMINF_RUNNING;
/// `_XEN_DOMINF_debugged` (`domctl.h`): bit number of [`XEN_DOMINF_DEBUGGED`].
pub const _XEN_DOMINF_DEBUGGED: u32 = 6;
/// `XEN_DOMINF_debugged` (`domctl.h`): under a debugger.
pub const XEN_DOMINF_DEBUGGED: u32 = 1 << _XEN_DOMINF_DEBUGGED;
/// `_XEN_DOMINF_xs_domain` (`domctl.h`): bit number of [`XEN_DOMINF_XS_DOMAIN`].
pub const _XEN_DOMINF_XS_DOMAIN: u32 = 7;
/// `XEN_DOMINF_xs_domain` (`domctl.h`): the xenstore domain.
pub const XEN_DOMINF_XS_DOMAIN: u32 = 1 << _XEN_DOMINF_XS_DOMAIN;
/// `_XEN_DOMINF_hap` (`domctl.h`): bit number of [`XEN_DOMINF_HAP`].
pub const _XEN_DOMINF_HAP: u32 = 8;
/// `XEN_DOMINF_hap` (`domctl.h`): uses hardware-assisted paging.
pub const XEN_DOMINF_HAP: u32 = 1 << _XEN_DOMINF_HAP;
/// `XEN_DOMINF_shutdownmask` (`domctl.h`): mask of the shutdown-reason
/// field (after shifting by [`XEN_DOMINF_SHUTDOWNSHIFT`]).
pub const XEN_DOMINF_SHUTDOWNMASK: u32 = 255;
/// `XEN_DOMINF_shutdownshift` (`domctl.h`): position of the shutdown-reason field.
pub const XEN_DOMINF_SHUTDOWNSHIFT: u32 = 16;
/// `XEN_INVALID_MAX_VCPU_ID` (`domctl.h`): `max_vcpu_id` of a domain without vCPUs.
pub const XEN_INVALID_MAX_VCPU_ID: u32 = !0;

bitflags! {
    /// `XEN_DOMINF_*` (`domctl.h`): [`DomctlGetDomainInfo::flags`].
    ///
    /// Bits 16..23 hold the guest's `SHUTDOWN_*` reason rather than flags;
    /// read it with [`DomctlGetDomainInfo::shutdown_reason`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct DominfFlags: u32 {
        /// `XEN_DOMINF_dying`.
        const DYING = XEN_DOMINF_DYING;
        /// `XEN_DOMINF_hvm_guest`.
        const HVM_GUEST = XEN_DOMINF_HVM_GUEST;
        /// `XEN_DOMINF_shutdown`.
        const SHUTDOWN = XEN_DOMINF_SHUTDOWN;
        /// `XEN_DOMINF_paused`.
        const PAUSED = XEN_DOMINF_PAUSED;
        /// `XEN_DOMINF_blocked`.
        const BLOCKED = XEN_DOMINF_BLOCKED;
        /// `XEN_DOMINF_running`.
        const RUNNING = XEN_DOMINF_RUNNING;
        /// `XEN_DOMINF_debugged`.
        const DEBUGGED = XEN_DOMINF_DEBUGGED;
        /// `XEN_DOMINF_xs_domain`.
        const XS_DOMAIN = XEN_DOMINF_XS_DOMAIN;
        /// `XEN_DOMINF_hap`.
        const HAP = XEN_DOMINF_HAP;
    }
}

/// `struct xen_domctl_getdomaininfo` (`domctl.h`): result of
/// `XEN_DOMCTL_getdomaininfo`, and the element of
/// `XEN_SYSCTL_getdomaininfolist`'s buffer.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlGetDomainInfo {
    /// The domain described.
    pub domain: DomId,
    /// Padding; zero.
    pub pad1: u16,
    /// `XEN_DOMINF_*` flags and the shutdown reason (see [`DominfFlags`]).
    pub flags: u32,
    /// Pages currently allocated.
    pub tot_pages: u64,
    /// Allocation limit in pages.
    pub max_pages: u64,
    /// Pages claimed but not yet allocated.
    pub outstanding_pages: u64,
    /// Pages shared with other domains.
    pub shr_pages: u64,
    /// Pages paged out.
    pub paged_pages: u64,
    /// Guest frame of the shared-info page.
    pub shared_info_frame: u64,
    /// CPU time used, in nanoseconds.
    pub cpu_time: u64,
    /// vCPUs currently online.
    pub nr_online_vcpus: u32,
    /// Highest vCPU id ([`XEN_INVALID_MAX_VCPU_ID`] if none).
    pub max_vcpu_id: u32,
    /// XSM security label.
    pub ssidref: u32,
    /// The domain's UUID.
    pub handle: DomainHandle,
    /// The CPU pool the domain is in.
    pub cpupool: u32,
    /// Width of the guest-physical address space in bits.
    pub gpaddr_bits: u8,
    /// Padding; zero.
    pub pad2: [u8; 7],
    /// The architecture configuration given at creation.
    pub arch_config: ArchDomainConfig,
}

impl DomctlGetDomainInfo {
    /// The `XEN_DOMINF_*` flag bits (the reason field included as raw bits).
    pub const fn dominf_flags(&self) -> DominfFlags {
        DominfFlags::from_bits_retain(self.flags)
    }

    /// The guest's `SHUTDOWN_*` reason; meaningful when
    /// [`DominfFlags::SHUTDOWN`] is set.
    pub const fn shutdown_reason(&self) -> u32 {
        (self.flags >> XEN_DOMINF_SHUTDOWNSHIFT) & XEN_DOMINF_SHUTDOWNMASK
    }

    /// Stores `reason` in the shutdown-reason field, keeping the flags.
    pub fn set_shutdown_reason(&mut self, reason: u32) {
        self.flags = (self.flags & !(XEN_DOMINF_SHUTDOWNMASK << XEN_DOMINF_SHUTDOWNSHIFT))
            | ((reason & XEN_DOMINF_SHUTDOWNMASK) << XEN_DOMINF_SHUTDOWNSHIFT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(ArchDomainConfig, 8, { emulation_flags: 0, misc_flags: 4 });
        assert_layout!(DomctlCreateDomain, 64, {
            ssidref: 0, handle: 4, flags: 20, iommu_opts: 24, max_vcpus: 28, max_evtchn_port: 32,
            max_grant_frames: 36, max_maptrack_frames: 40, grant_opts: 44, vmtrace_size: 48,
            cpupool_id: 52, arch: 56, arch.emulation_flags: 56, arch.misc_flags: 60,
        });
        assert_layout!(DomctlGetDomainInfo, 112, {
            domain: 0, pad1: 2, flags: 4, tot_pages: 8, max_pages: 16, outstanding_pages: 24,
            shr_pages: 32, paged_pages: 40, shared_info_frame: 48, cpu_time: 56,
            nr_online_vcpus: 64, max_vcpu_id: 68, ssidref: 72, handle: 76, cpupool: 92,
            gpaddr_bits: 96, pad2: 97, arch_config: 104,
        });
    }

    #[test]
    fn flags_and_reason() {
        assert_eq!(XEN_X86_EMU_ALL, 0x7FF);
        assert_eq!(X86EmuFlags::all().bits(), XEN_X86_EMU_ALL);
        assert_eq!(CdfFlags::all().bits(), 0xFF);
        assert_eq!(xen_domctl_grant_version(2), 2);
        assert_eq!(xen_domctl_grant_version(0x12), 2);

        let mut info = DomctlGetDomainInfo {
            flags: XEN_DOMINF_SHUTDOWN | XEN_DOMINF_HVM_GUEST,
            ..Default::default()
        };
        info.set_shutdown_reason(3);
        assert_eq!(info.flags, 0x0003_0006);
        assert_eq!(info.shutdown_reason(), 3);
        assert!(info
            .dominf_flags()
            .contains(DominfFlags::SHUTDOWN | DominfFlags::HVM_GUEST));
        info.set_shutdown_reason(0x1FF);
        assert_eq!(info.shutdown_reason(), 0xFF);
        assert_eq!(info.flags & 0xFFFF, 0x0006);
    }
}
