//! Xen 4.17 system control (`sysctl.h`, a toolstack-only interface): the
//! [`Sysctl`] request of `HYPERVISOR_sysctl` (a fixed header and a 128-byte
//! argument union), the `XEN_SYSCTL_*` command numbers, and the argument
//! structures for host information, domain listing, scheduler and CPU-pool
//! control, the console ring, trace buffers and CPU hot-plug.
//!
//! The argument union is kept as raw bytes; [`Sysctl::payload`] and
//! [`Sysctl::set_payload`] read and write it as any argument type of this
//! module.

use core::mem::size_of;

use bitflags::bitflags;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::domctl::{DomctlGetDomainInfo, XenctlBitmap};
use crate::{DomId, GuestHandle};

mod sched;

pub use sched::*;

/// `XEN_SYSCTL_INTERFACE_VERSION` (`sysctl.h`): the sysctl ABI revision of
/// Xen 4.17; Xen rejects requests carrying any other.
pub const XEN_SYSCTL_INTERFACE_VERSION: u32 = 0x15;

// ---------------------------------------------------------------------------
// Command numbers
// ---------------------------------------------------------------------------

/// `XEN_SYSCTL_readconsole` (`sysctl.h`): read Xen's console ring ([`SysctlReadConsole`]).
pub const XEN_SYSCTL_READCONSOLE: u32 = 1;
/// `XEN_SYSCTL_tbuf_op` (`sysctl.h`): trace-buffer control ([`SysctlTbufOp`]).
pub const XEN_SYSCTL_TBUF_OP: u32 = 2;
/// `XEN_SYSCTL_physinfo` (`sysctl.h`): host facts ([`SysctlPhysinfo`]).
pub const XEN_SYSCTL_PHYSINFO: u32 = 3;
/// `XEN_SYSCTL_sched_id` (`sysctl.h`): the default scheduler ([`SysctlSchedId`]).
pub const XEN_SYSCTL_SCHED_ID: u32 = 4;
/// `XEN_SYSCTL_perfc_op` (`sysctl.h`): software performance counters.
pub const XEN_SYSCTL_PERFC_OP: u32 = 5;
/// `XEN_SYSCTL_getdomaininfolist` (`sysctl.h`): list domains ([`SysctlGetDomainInfoList`]).
pub const XEN_SYSCTL_GETDOMAININFOLIST: u32 = 6;
/// `XEN_SYSCTL_debug_keys` (`sysctl.h`): press debug keys ([`SysctlDebugKeys`]).
pub const XEN_SYSCTL_DEBUG_KEYS: u32 = 7;
/// `XEN_SYSCTL_getcpuinfo` (`sysctl.h`): per-CPU idle time ([`SysctlGetCpuInfo`]).
pub const XEN_SYSCTL_GETCPUINFO: u32 = 8;
/// `XEN_SYSCTL_availheap` (`sysctl.h`): free heap memory ([`SysctlAvailHeap`]).
pub const XEN_SYSCTL_AVAILHEAP: u32 = 9;
/// `XEN_SYSCTL_get_pmstat` (`sysctl.h`): power-management statistics.
pub const XEN_SYSCTL_GET_PMSTAT: u32 = 10;
/// `XEN_SYSCTL_cpu_hotplug` (`sysctl.h`): bring CPUs on/offline ([`SysctlCpuHotplug`]).
pub const XEN_SYSCTL_CPU_HOTPLUG: u32 = 11;
/// `XEN_SYSCTL_pm_op` (`sysctl.h`): power-management (cpufreq) control.
pub const XEN_SYSCTL_PM_OP: u32 = 12;
/// `XEN_SYSCTL_page_offline_op` (`sysctl.h`): take faulty pages offline.
pub const XEN_SYSCTL_PAGE_OFFLINE_OP: u32 = 14;
/// `XEN_SYSCTL_lockprof_op` (`sysctl.h`): lock profiling.
pub const XEN_SYSCTL_LOCKPROF_OP: u32 = 15;
/// `XEN_SYSCTL_cputopoinfo` (`sysctl.h`): CPU topology.
pub const XEN_SYSCTL_CPUTOPOINFO: u32 = 16;
/// `XEN_SYSCTL_numainfo` (`sysctl.h`): NUMA memory and distances.
pub const XEN_SYSCTL_NUMAINFO: u32 = 17;
/// `XEN_SYSCTL_cpupool_op` (`sysctl.h`): CPU-pool control ([`SysctlCpupoolOp`]).
pub const XEN_SYSCTL_CPUPOOL_OP: u32 = 18;
/// `XEN_SYSCTL_scheduler_op` (`sysctl.h`): per-pool scheduler parameters ([`SysctlSchedulerOp`]).
pub const XEN_SYSCTL_SCHEDULER_OP: u32 = 19;
/// `XEN_SYSCTL_coverage_op` (`sysctl.h`): code-coverage data.
pub const XEN_SYSCTL_COVERAGE_OP: u32 = 20;
/// `XEN_SYSCTL_psr_cmt_op` (`sysctl.h`): cache-monitoring facts.
pub const XEN_SYSCTL_PSR_CMT_OP: u32 = 21;
/// `XEN_SYSCTL_pcitopoinfo` (`sysctl.h`): PCI device NUMA placement.
pub const XEN_SYSCTL_PCITOPOINFO: u32 = 22;
/// `XEN_SYSCTL_psr_alloc` (`sysctl.h`): cache/bandwidth allocation facts.
pub const XEN_SYSCTL_PSR_ALLOC: u32 = 23;
/// `XEN_SYSCTL_get_cpu_levelling_caps` (`sysctl.h`): CPUID levelling capabilities.
pub const XEN_SYSCTL_GET_CPU_LEVELLING_CAPS: u32 = 25;
/// `XEN_SYSCTL_get_cpu_featureset` (`sysctl.h`): CPU feature sets.
pub const XEN_SYSCTL_GET_CPU_FEATURESET: u32 = 26;
/// `XEN_SYSCTL_livepatch_op` (`sysctl.h`): live patching.
pub const XEN_SYSCTL_LIVEPATCH_OP: u32 = 27;
/// `XEN_SYSCTL_get_cpu_policy` (`sysctl.h`): system CPUID/MSR policies.
pub const XEN_SYSCTL_GET_CPU_POLICY: u32 = 29;

// ---------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------

/// Size of the argument union of [`Sysctl`] (its `uint8_t pad[128]` member).
pub const SYSCTL_PAYLOAD_SIZE: usize = 128;

/// `struct xen_sysctl` (`sysctl.h`): one system-control request, passed by
/// address to `HYPERVISOR_sysctl`; Xen writes results back into it.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Sysctl {
    /// The `XEN_SYSCTL_*` command.
    pub cmd: u32,
    /// Must be [`XEN_SYSCTL_INTERFACE_VERSION`].
    pub interface_version: u32,
    /// The C union `u` of argument structures as raw bytes; see
    /// [`payload`](Self::payload) and [`set_payload`](Self::set_payload).
    pub u: [u8; SYSCTL_PAYLOAD_SIZE],
}

impl Default for Sysctl {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

impl Sysctl {
    /// A request `cmd` with the current interface version and an all-zero
    /// argument.
    pub fn new(cmd: u32) -> Self {
        Self {
            cmd,
            interface_version: XEN_SYSCTL_INTERFACE_VERSION,
            ..Self::default()
        }
    }

    /// A request `cmd` carrying `arg`.
    pub fn with_payload<T: IntoBytes + Immutable>(cmd: u32, arg: &T) -> Self {
        let mut s = Self::new(cmd);
        s.set_payload(arg);
        s
    }

    /// The argument union read as a `T` (one of this module's argument
    /// structures, at most 128 bytes).
    pub fn payload<T: FromBytes>(&self) -> T {
        const { assert!(size_of::<T>() <= SYSCTL_PAYLOAD_SIZE) };
        read_prefix(&self.u)
    }

    /// Zeroes the argument union and writes `arg` at its start.
    pub fn set_payload<T: IntoBytes + Immutable>(&mut self, arg: &T) {
        const { assert!(size_of::<T>() <= SYSCTL_PAYLOAD_SIZE) };
        self.u = [0; SYSCTL_PAYLOAD_SIZE];
        write_prefix(arg, &mut self.u);
    }
}

/// Reads a `T` from the start of `bytes`; callers check the size statically.
fn read_prefix<T: FromBytes>(bytes: &[u8]) -> T {
    match T::read_from_prefix(bytes) {
        Ok((v, _)) => v,
        Err(_) => unreachable!("argument larger than its union"),
    }
}

/// Writes `v` to the start of `dst`; callers check the size statically.
fn write_prefix<T: IntoBytes + Immutable>(v: &T, dst: &mut [u8]) {
    if v.write_to_prefix(dst).is_err() {
        unreachable!("argument larger than its union");
    }
}

// ---------------------------------------------------------------------------
// readconsole, tbuf_op
// ---------------------------------------------------------------------------

/// `struct xen_sysctl_readconsole` (`sysctl.h`): argument of
/// `XEN_SYSCTL_readconsole`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlReadConsole {
    /// In: non-zero to empty the ring after reading.
    pub clear: u8,
    /// In: non-zero to start at `index` rather than the oldest data.
    pub incremental: u8,
    /// Padding; zero.
    pub pad0: u8,
    /// Padding; zero.
    pub pad1: u8,
    /// In: start index (when `incremental`); out: index after the data read.
    pub index: u32,
    /// In: where to write the text.
    pub buffer: GuestHandle<u8>,
    /// In: buffer size; out: bytes written.
    pub count: u32,
    /// Padding; zero.
    pub _pad: u32,
}

/// `XEN_SYSCTL_TBUFOP_get_info` (`sysctl.h`): read the trace buffers' frame and size.
pub const XEN_SYSCTL_TBUFOP_GET_INFO: u32 = 0;
/// `XEN_SYSCTL_TBUFOP_set_cpu_mask` (`sysctl.h`): choose the traced CPUs.
pub const XEN_SYSCTL_TBUFOP_SET_CPU_MASK: u32 = 1;
/// `XEN_SYSCTL_TBUFOP_set_evt_mask` (`sysctl.h`): choose the traced event classes.
pub const XEN_SYSCTL_TBUFOP_SET_EVT_MASK: u32 = 2;
/// `XEN_SYSCTL_TBUFOP_set_size` (`sysctl.h`): size the buffers (pages per CPU).
pub const XEN_SYSCTL_TBUFOP_SET_SIZE: u32 = 3;
/// `XEN_SYSCTL_TBUFOP_enable` (`sysctl.h`): start tracing.
pub const XEN_SYSCTL_TBUFOP_ENABLE: u32 = 4;
/// `XEN_SYSCTL_TBUFOP_disable` (`sysctl.h`): stop tracing.
pub const XEN_SYSCTL_TBUFOP_DISABLE: u32 = 5;

/// `struct xen_sysctl_tbuf_op` (`sysctl.h`): argument of `XEN_SYSCTL_tbuf_op`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlTbufOp {
    /// In: `XEN_SYSCTL_TBUFOP_*`.
    pub cmd: u32,
    /// Padding; zero.
    pub _pad0: u32,
    /// In/out: the traced CPUs.
    pub cpu_mask: XenctlBitmap,
    /// In/out: the traced event classes.
    pub evt_mask: u32,
    /// Padding; zero.
    pub _pad1: u32,
    /// Out: first frame of the trace buffers.
    pub buffer_mfn: u64,
    /// In/out: buffer size.
    pub size: u32,
    /// Padding; zero.
    pub _pad2: u32,
}

// ---------------------------------------------------------------------------
// physinfo
// ---------------------------------------------------------------------------

/// `_XEN_SYSCTL_PHYSCAP_hvm` (`sysctl.h`): bit number of [`XEN_SYSCTL_PHYSCAP_HVM`].
pub const _XEN_SYSCTL_PHYSCAP_HVM: u32 = 0;
/// `XEN_SYSCTL_PHYSCAP_hvm` (`sysctl.h`): HVM guests can run.
pub const XEN_SYSCTL_PHYSCAP_HVM: u32 = 1 << _XEN_SYSCTL_PHYSCAP_HVM;
/// `_XEN_SYSCTL_PHYSCAP_pv` (`sysctl.h`): bit number of [`XEN_SYSCTL_PHYSCAP_PV`].
pub const _XEN_SYSCTL_PHYSCAP_PV: u32 = 1;
/// `XEN_SYSCTL_PHYSCAP_pv` (`sysctl.h`): PV guests can run.
pub const XEN_SYSCTL_PHYSCAP_PV: u32 = 1 << _XEN_SYSCTL_PHYSCAP_PV;
/// `_XEN_SYSCTL_PHYSCAP_directio` (`sysctl.h`): bit number of [`XEN_SYSCTL_PHYSCAP_DIRECTIO`].
pub const _XEN_SYSCTL_PHYSCAP_DIRECTIO: u32 = 2;
/// `XEN_SYSCTL_PHYSCAP_directio` (`sysctl.h`): devices can be passed through (IOMMU present).
pub const XEN_SYSCTL_PHYSCAP_DIRECTIO: u32 = 1 << _XEN_SYSCTL_PHYSCAP_DIRECTIO;
/// `_XEN_SYSCTL_PHYSCAP_hap` (`sysctl.h`): bit number of [`XEN_SYSCTL_PHYSCAP_HAP`].
pub const _XEN_SYSCTL_PHYSCAP_HAP: u32 = 3;
/// `XEN_SYSCTL_PHYSCAP_hap` (`sysctl.h`): hardware-assisted paging is available.
pub const XEN_SYSCTL_PHYSCAP_HAP: u32 = 1 << _XEN_SYSCTL_PHYSCAP_HAP;
/// `_XEN_SYSCTL_PHYSCAP_shadow` (`sysctl.h`): bit number of [`XEN_SYSCTL_PHYSCAP_SHADOW`].
pub const _XEN_SYSCTL_PHYSCAP_SHADOW: u32 = 4;
/// `XEN_SYSCTL_PHYSCAP_shadow` (`sysctl.h`): shadow paging is available.
pub const XEN_SYSCTL_PHYSCAP_SHADOW: u32 = 1 << _XEN_SYSCTL_PHYSCAP_SHADOW;
/// `_XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share` (`sysctl.h`): bit number of
/// [`XEN_SYSCTL_PHYSCAP_IOMMU_HAP_PT_SHARE`].
pub const _XEN_SYSCTL_PHYSCAP_IOMMU_HAP_PT_SHARE: u32 = 5;
/// `XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share` (`sysctl.h`): the IOMMU can
/// share the HAP page tables.
pub const XEN_SYSCTL_PHYSCAP_IOMMU_HAP_PT_SHARE: u32 = 1 << _XEN_SYSCTL_PHYSCAP_IOMMU_HAP_PT_SHARE;
/// `XEN_SYSCTL_PHYSCAP_vmtrace` (`sysctl.h`): processor trace for guests is available.
pub const XEN_SYSCTL_PHYSCAP_VMTRACE: u32 = 1 << 6;
/// `XEN_SYSCTL_PHYSCAP_vpmu` (`sysctl.h`): a virtual PMU is available.
pub const XEN_SYSCTL_PHYSCAP_VPMU: u32 = 1 << 7;
/// `XEN_SYSCTL_PHYSCAP_gnttab_v1` (`sysctl.h`): grant tables v1 are supported.
pub const XEN_SYSCTL_PHYSCAP_GNTTAB_V1: u32 = 1 << 8;
/// `XEN_SYSCTL_PHYSCAP_gnttab_v2` (`sysctl.h`): grant tables v2 are supported.
pub const XEN_SYSCTL_PHYSCAP_GNTTAB_V2: u32 = 1 << 9;
/// `XEN_SYSCTL_PHYSCAP_MAX` (`sysctl.h`): the highest defined capability bit.
pub const XEN_SYSCTL_PHYSCAP_MAX: u32 = XEN_SYSCTL_PHYSCAP_GNTTAB_V2;

bitflags! {
    /// `XEN_SYSCTL_PHYSCAP_*` (`sysctl.h`): [`SysctlPhysinfo::capabilities`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct PhyscapFlags: u32 {
        /// `XEN_SYSCTL_PHYSCAP_hvm`.
        const HVM = XEN_SYSCTL_PHYSCAP_HVM;
        /// `XEN_SYSCTL_PHYSCAP_pv`.
        const PV = XEN_SYSCTL_PHYSCAP_PV;
        /// `XEN_SYSCTL_PHYSCAP_directio`.
        const DIRECTIO = XEN_SYSCTL_PHYSCAP_DIRECTIO;
        /// `XEN_SYSCTL_PHYSCAP_hap`.
        const HAP = XEN_SYSCTL_PHYSCAP_HAP;
        /// `XEN_SYSCTL_PHYSCAP_shadow`.
        const SHADOW = XEN_SYSCTL_PHYSCAP_SHADOW;
        /// `XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share`.
        const IOMMU_HAP_PT_SHARE = XEN_SYSCTL_PHYSCAP_IOMMU_HAP_PT_SHARE;
        /// `XEN_SYSCTL_PHYSCAP_vmtrace`.
        const VMTRACE = XEN_SYSCTL_PHYSCAP_VMTRACE;
        /// `XEN_SYSCTL_PHYSCAP_vpmu`.
        const VPMU = XEN_SYSCTL_PHYSCAP_VPMU;
        /// `XEN_SYSCTL_PHYSCAP_gnttab_v1`.
        const GNTTAB_V1 = XEN_SYSCTL_PHYSCAP_GNTTAB_V1;
        /// `XEN_SYSCTL_PHYSCAP_gnttab_v2`.
        const GNTTAB_V2 = XEN_SYSCTL_PHYSCAP_GNTTAB_V2;
    }
}

/// `struct xen_sysctl_physinfo` (`sysctl.h`): result of `XEN_SYSCTL_physinfo`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlPhysinfo {
    /// Hardware threads per core.
    pub threads_per_core: u32,
    /// Cores per socket.
    pub cores_per_socket: u32,
    /// CPUs online.
    pub nr_cpus: u32,
    /// Highest possible CPU id.
    pub max_cpu_id: u32,
    /// NUMA nodes online.
    pub nr_nodes: u32,
    /// Highest possible node id.
    pub max_node_id: u32,
    /// CPU frequency in kHz.
    pub cpu_khz: u32,
    /// `XEN_SYSCTL_PHYSCAP_*` (see [`PhyscapFlags`]).
    pub capabilities: u32,
    /// Architecture-specific capability bits (none defined for x86 in 4.17).
    pub arch_capabilities: u32,
    /// Padding; zero.
    pub pad: u32,
    /// Pages of RAM.
    pub total_pages: u64,
    /// Free pages.
    pub free_pages: u64,
    /// Free pages still to be scrubbed.
    pub scrub_pages: u64,
    /// Pages claimed by domains but not yet allocated.
    pub outstanding_pages: u64,
    /// Highest possible machine frame.
    pub max_mfn: u64,
    /// Boot CPU feature words.
    pub hw_cap: [u32; 8],
}

impl SysctlPhysinfo {
    /// The capability bits as flags (unknown bits kept).
    pub const fn physcaps(&self) -> PhyscapFlags {
        PhyscapFlags::from_bits_retain(self.capabilities)
    }
}

// ---------------------------------------------------------------------------
// sched_id, getdomaininfolist, debug_keys, getcpuinfo, availheap, cpu_hotplug
// ---------------------------------------------------------------------------

/// `struct xen_sysctl_sched_id` (`sysctl.h`): result of `XEN_SYSCTL_sched_id`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlSchedId {
    /// `XEN_SCHEDULER_*` of the default pool (see [`crate::domctl::SchedulerId`]).
    pub sched_id: u32,
}

/// `struct xen_sysctl_getdomaininfolist` (`sysctl.h`): argument of
/// `XEN_SYSCTL_getdomaininfolist`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlGetDomainInfoList {
    /// In: lowest domain id to report.
    pub first_domain: DomId,
    /// Padding; zero.
    pub _pad0: u16,
    /// In: capacity of `buffer`.
    pub max_domains: u32,
    /// In: array receiving one entry per domain, in id order.
    pub buffer: GuestHandle<DomctlGetDomainInfo>,
    /// Out: entries written.
    pub num_domains: u32,
    /// Padding; zero.
    pub _pad1: u32,
}

/// `struct xen_sysctl_debug_keys` (`sysctl.h`): argument of
/// `XEN_SYSCTL_debug_keys`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlDebugKeys {
    /// The key characters.
    pub keys: GuestHandle<u8>,
    /// Number of keys.
    pub nr_keys: u32,
    /// Padding; zero.
    pub _pad: u32,
}

/// `struct xen_sysctl_cpuinfo` (`sysctl.h`): one CPU's entry in
/// `XEN_SYSCTL_getcpuinfo`'s array.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlCpuInfo {
    /// Nanoseconds spent idle.
    pub idletime: u64,
}

/// `struct xen_sysctl_getcpuinfo` (`sysctl.h`): argument of
/// `XEN_SYSCTL_getcpuinfo`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlGetCpuInfo {
    /// In: capacity of `info`.
    pub max_cpus: u32,
    /// Padding; zero.
    pub _pad0: u32,
    /// In: array receiving one entry per CPU.
    pub info: GuestHandle<SysctlCpuInfo>,
    /// Out: entries written.
    pub nr_cpus: u32,
    /// Padding; zero.
    pub _pad1: u32,
}

/// `struct xen_sysctl_availheap` (`sysctl.h`): argument of
/// `XEN_SYSCTL_availheap`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlAvailHeap {
    /// In: smallest address width of interest (0: any).
    pub min_bitwidth: u32,
    /// In: largest address width of interest (0: any).
    pub max_bitwidth: u32,
    /// In: NUMA node (-1: all).
    pub node: i32,
    /// Padding; zero.
    pub _pad: u32,
    /// Out: free bytes in that region.
    pub avail_bytes: u64,
}

/// `XEN_SYSCTL_CPU_HOTPLUG_ONLINE` (`sysctl.h`): bring one CPU online.
pub const XEN_SYSCTL_CPU_HOTPLUG_ONLINE: u32 = 0;
/// `XEN_SYSCTL_CPU_HOTPLUG_OFFLINE` (`sysctl.h`): take one CPU offline.
pub const XEN_SYSCTL_CPU_HOTPLUG_OFFLINE: u32 = 1;
/// `XEN_SYSCTL_CPU_HOTPLUG_SMT_ENABLE` (`sysctl.h`): online every secondary SMT thread.
pub const XEN_SYSCTL_CPU_HOTPLUG_SMT_ENABLE: u32 = 2;
/// `XEN_SYSCTL_CPU_HOTPLUG_SMT_DISABLE` (`sysctl.h`): offline every secondary SMT thread.
pub const XEN_SYSCTL_CPU_HOTPLUG_SMT_DISABLE: u32 = 3;

/// `struct xen_sysctl_cpu_hotplug` (`sysctl.h`): argument of
/// `XEN_SYSCTL_cpu_hotplug`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlCpuHotplug {
    /// The physical CPU (ignored by the SMT operations).
    pub cpu: u32,
    /// `XEN_SYSCTL_CPU_HOTPLUG_*`.
    pub op: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(Sysctl, 136, { cmd: 0, interface_version: 4, u: 8 });
        assert_eq!(core::mem::align_of::<Sysctl>(), 8);
        assert_layout!(SysctlReadConsole, 24, {
            clear: 0, incremental: 1, pad0: 2, pad1: 3, index: 4, buffer: 8, count: 16, _pad: 20,
        });
        assert_layout!(SysctlTbufOp, 48, {
            cmd: 0, _pad0: 4, cpu_mask: 8, evt_mask: 24, _pad1: 28, buffer_mfn: 32, size: 40, _pad2: 44,
        });
        assert_layout!(SysctlPhysinfo, 112, {
            threads_per_core: 0, cores_per_socket: 4, nr_cpus: 8, max_cpu_id: 12, nr_nodes: 16,
            max_node_id: 20, cpu_khz: 24, capabilities: 28, arch_capabilities: 32, pad: 36,
            total_pages: 40, free_pages: 48, scrub_pages: 56, outstanding_pages: 64, max_mfn: 72,
            hw_cap: 80,
        });
        assert_layout!(SysctlSchedId, 4, { sched_id: 0 });
        assert_layout!(SysctlGetDomainInfoList, 24, {
            first_domain: 0, _pad0: 2, max_domains: 4, buffer: 8, num_domains: 16, _pad1: 20,
        });
        assert_layout!(SysctlDebugKeys, 16, { keys: 0, nr_keys: 8, _pad: 12 });
        assert_layout!(SysctlCpuInfo, 8, { idletime: 0 });
        assert_layout!(SysctlGetCpuInfo, 24, { max_cpus: 0, _pad0: 4, info: 8, nr_cpus: 16, _pad1: 20 });
        assert_layout!(SysctlAvailHeap, 24, {
            min_bitwidth: 0, max_bitwidth: 4, node: 8, _pad: 12, avail_bytes: 16,
        });
        assert_layout!(SysctlCpuHotplug, 8, { cpu: 0, op: 4 });
    }

    #[test]
    fn payload_and_unions() {
        let list = SysctlGetDomainInfoList {
            first_domain: DomId(0),
            max_domains: 16,
            buffer: GuestHandle::new(0x7000),
            ..Default::default()
        };
        let s = Sysctl::with_payload(XEN_SYSCTL_GETDOMAININFOLIST, &list);
        assert_eq!(s.interface_version, 0x15);
        assert_eq!(s.payload::<SysctlGetDomainInfoList>(), list);
        assert_eq!(&s.as_bytes()[16..24], &0x7000u64.to_ne_bytes());
        assert_eq!(Sysctl::default().as_bytes(), &[0u8; 136][..]);
    }

    #[test]
    fn physcaps() {
        assert_eq!(PhyscapFlags::all().bits(), 0x3FF);
        let p = SysctlPhysinfo {
            capabilities: XEN_SYSCTL_PHYSCAP_HVM | XEN_SYSCTL_PHYSCAP_HAP,
            ..Default::default()
        };
        assert!(p.physcaps().contains(PhyscapFlags::HVM | PhyscapFlags::HAP));
        assert!(!p.physcaps().contains(PhyscapFlags::PV));
    }
}
