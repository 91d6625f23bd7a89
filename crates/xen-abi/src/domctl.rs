//! Xen 4.17 domain control (`domctl.h`, a toolstack-only interface):
//! the [`Domctl`] request of `HYPERVISOR_domctl` (a fixed header and a
//! 128-byte argument union), the `XEN_DOMCTL_*` command numbers, and the
//! argument structures of the commands a toolstack needs to create, inspect,
//! size, schedule and tear down domains.
//!
//! The argument union is kept as raw bytes; [`Domctl::payload`] and
//! [`Domctl::set_payload`] read and write it as any argument type of this
//! module. Arguments are split by topic into private submodules and
//! re-exported here.

use core::mem::size_of;

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::{DomId, GuestHandle};

mod create;
mod misc;
mod sched;
mod vcpu;

pub use create::*;
pub use misc::*;
pub use sched::*;
pub use vcpu::*;

/// `XEN_DOMCTL_INTERFACE_VERSION` (`domctl.h`): the domctl ABI revision of
/// Xen 4.17; Xen rejects requests carrying any other.
pub const XEN_DOMCTL_INTERFACE_VERSION: u32 = 0x15;

/// `xen_domain_handle_t` (`xen.h`): a domain's 16-byte UUID.
pub type DomainHandle = [u8; 16];

/// `struct xenctl_bitmap` (`xen.h`): a bitmap (of CPUs or NUMA nodes) in
/// the caller's memory.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct XenctlBitmap {
    /// The bitmap bytes (bit `n` is bit `n % 8` of byte `n / 8`).
    pub bitmap: GuestHandle<u8>,
    /// Number of valid bits.
    pub nr_bits: u32,
    /// Padding; zero.
    pub _pad: u32,
}

// ---------------------------------------------------------------------------
// Command numbers
// ---------------------------------------------------------------------------

/// `XEN_DOMCTL_createdomain` (`domctl.h`): create a domain ([`DomctlCreateDomain`]).
pub const XEN_DOMCTL_CREATEDOMAIN: u32 = 1;
/// `XEN_DOMCTL_destroydomain` (`domctl.h`): destroy a domain (no argument; preemptible).
pub const XEN_DOMCTL_DESTROYDOMAIN: u32 = 2;
/// `XEN_DOMCTL_pausedomain` (`domctl.h`): pause a domain (no argument).
pub const XEN_DOMCTL_PAUSEDOMAIN: u32 = 3;
/// `XEN_DOMCTL_unpausedomain` (`domctl.h`): unpause a domain (no argument).
pub const XEN_DOMCTL_UNPAUSEDOMAIN: u32 = 4;
/// `XEN_DOMCTL_getdomaininfo` (`domctl.h`): read a domain's state ([`DomctlGetDomainInfo`]).
pub const XEN_DOMCTL_GETDOMAININFO: u32 = 5;
/// `XEN_DOMCTL_setvcpuaffinity` (`domctl.h`): set a vCPU's pCPU affinity ([`DomctlVcpuAffinity`]).
pub const XEN_DOMCTL_SETVCPUAFFINITY: u32 = 9;
/// `XEN_DOMCTL_shadow_op` (`domctl.h`): paging-mode and log-dirty control ([`DomctlShadowOp`]).
pub const XEN_DOMCTL_SHADOW_OP: u32 = 10;
/// `XEN_DOMCTL_max_mem` (`domctl.h`): set the memory limit ([`DomctlMaxMem`]).
pub const XEN_DOMCTL_MAX_MEM: u32 = 11;
/// `XEN_DOMCTL_setvcpucontext` (`domctl.h`): load a vCPU's register state.
pub const XEN_DOMCTL_SETVCPUCONTEXT: u32 = 12;
/// `XEN_DOMCTL_getvcpucontext` (`domctl.h`): read a vCPU's register state.
pub const XEN_DOMCTL_GETVCPUCONTEXT: u32 = 13;
/// `XEN_DOMCTL_getvcpuinfo` (`domctl.h`): read a vCPU's run state ([`DomctlGetVcpuInfo`]).
pub const XEN_DOMCTL_GETVCPUINFO: u32 = 14;
/// `XEN_DOMCTL_max_vcpus` (`domctl.h`): allocate the vCPUs ([`DomctlMaxVcpus`]).
pub const XEN_DOMCTL_MAX_VCPUS: u32 = 15;
/// `XEN_DOMCTL_scheduler_op` (`domctl.h`): per-domain scheduler parameters ([`DomctlSchedulerOp`]).
pub const XEN_DOMCTL_SCHEDULER_OP: u32 = 16;
/// `XEN_DOMCTL_setdomainhandle` (`domctl.h`): set the UUID ([`DomctlSetDomainHandle`]).
pub const XEN_DOMCTL_SETDOMAINHANDLE: u32 = 17;
/// `XEN_DOMCTL_setdebugging` (`domctl.h`): enable debugging ([`DomctlSetDebugging`]).
pub const XEN_DOMCTL_SETDEBUGGING: u32 = 18;
/// `XEN_DOMCTL_irq_permission` (`domctl.h`): grant or revoke a physical IRQ ([`DomctlIrqPermission`]).
pub const XEN_DOMCTL_IRQ_PERMISSION: u32 = 19;
/// `XEN_DOMCTL_iomem_permission` (`domctl.h`): grant or revoke MMIO frames ([`DomctlIomemPermission`]).
pub const XEN_DOMCTL_IOMEM_PERMISSION: u32 = 20;
/// `XEN_DOMCTL_ioport_permission` (`domctl.h`): grant or revoke I/O ports ([`DomctlIoportPermission`]).
pub const XEN_DOMCTL_IOPORT_PERMISSION: u32 = 21;
/// `XEN_DOMCTL_hypercall_init` (`domctl.h`): fill a hypercall page ([`DomctlHypercallInit`]).
pub const XEN_DOMCTL_HYPERCALL_INIT: u32 = 22;
/// `XEN_DOMCTL_soft_reset_cont` (`domctl.h`, hypervisor builds only): the
/// continuation of a preempted soft reset. Never valid from a toolstack.
pub const XEN_DOMCTL_SOFT_RESET_CONT: u32 = 23;
/// `XEN_DOMCTL_settimeoffset` (`domctl.h`): set the wall-clock offset ([`DomctlSetTimeOffset`]).
pub const XEN_DOMCTL_SETTIMEOFFSET: u32 = 24;
/// `XEN_DOMCTL_getvcpuaffinity` (`domctl.h`): read a vCPU's affinity ([`DomctlVcpuAffinity`]).
pub const XEN_DOMCTL_GETVCPUAFFINITY: u32 = 25;
/// `XEN_DOMCTL_real_mode_area` (`domctl.h`): obsolete (PowerPC only).
pub const XEN_DOMCTL_REAL_MODE_AREA: u32 = 26;
/// `XEN_DOMCTL_resumedomain` (`domctl.h`): resume a suspended domain (no argument).
pub const XEN_DOMCTL_RESUMEDOMAIN: u32 = 27;
/// `XEN_DOMCTL_sendtrigger` (`domctl.h`): inject a platform event ([`DomctlSendTrigger`]).
pub const XEN_DOMCTL_SENDTRIGGER: u32 = 28;
/// `XEN_DOMCTL_subscribe` (`domctl.h`): port for the domain's suspend notification ([`DomctlSubscribe`]).
pub const XEN_DOMCTL_SUBSCRIBE: u32 = 29;
/// `XEN_DOMCTL_gethvmcontext` (`domctl.h`): save HVM state ([`DomctlHvmContext`]).
pub const XEN_DOMCTL_GETHVMCONTEXT: u32 = 33;
/// `XEN_DOMCTL_sethvmcontext` (`domctl.h`): restore HVM state ([`DomctlHvmContext`]).
pub const XEN_DOMCTL_SETHVMCONTEXT: u32 = 34;
/// `XEN_DOMCTL_set_address_size` (`domctl.h`): set a PV guest's width ([`DomctlAddressSize`]).
pub const XEN_DOMCTL_SET_ADDRESS_SIZE: u32 = 35;
/// `XEN_DOMCTL_get_address_size` (`domctl.h`): read a PV guest's width ([`DomctlAddressSize`]).
pub const XEN_DOMCTL_GET_ADDRESS_SIZE: u32 = 36;
/// `XEN_DOMCTL_assign_device` (`domctl.h`): pass a device through.
pub const XEN_DOMCTL_ASSIGN_DEVICE: u32 = 37;
/// `XEN_DOMCTL_bind_pt_irq` (`domctl.h`): bind a passed-through device's IRQ.
pub const XEN_DOMCTL_BIND_PT_IRQ: u32 = 38;
/// `XEN_DOMCTL_memory_mapping` (`domctl.h`): map MMIO into the guest.
pub const XEN_DOMCTL_MEMORY_MAPPING: u32 = 39;
/// `XEN_DOMCTL_ioport_mapping` (`domctl.h`): map I/O ports into the guest.
pub const XEN_DOMCTL_IOPORT_MAPPING: u32 = 40;
/// `XEN_DOMCTL_set_ext_vcpucontext` (`domctl.h`): load extended vCPU state.
pub const XEN_DOMCTL_SET_EXT_VCPUCONTEXT: u32 = 42;
/// `XEN_DOMCTL_get_ext_vcpucontext` (`domctl.h`): read extended vCPU state.
pub const XEN_DOMCTL_GET_EXT_VCPUCONTEXT: u32 = 43;
/// `XEN_DOMCTL_set_opt_feature` (`domctl.h`): obsolete (IA-64 only).
pub const XEN_DOMCTL_SET_OPT_FEATURE: u32 = 44;
/// `XEN_DOMCTL_test_assign_device` (`domctl.h`): whether a device can be assigned.
pub const XEN_DOMCTL_TEST_ASSIGN_DEVICE: u32 = 45;
/// `XEN_DOMCTL_set_target` (`domctl.h`): let a domain control another ([`DomctlSetTarget`]).
pub const XEN_DOMCTL_SET_TARGET: u32 = 46;
/// `XEN_DOMCTL_deassign_device` (`domctl.h`): take a passed-through device back.
pub const XEN_DOMCTL_DEASSIGN_DEVICE: u32 = 47;
/// `XEN_DOMCTL_unbind_pt_irq` (`domctl.h`): unbind a passed-through IRQ.
pub const XEN_DOMCTL_UNBIND_PT_IRQ: u32 = 48;
/// `XEN_DOMCTL_get_device_group` (`domctl.h`): list devices sharing an IOMMU context.
pub const XEN_DOMCTL_GET_DEVICE_GROUP: u32 = 50;
/// `XEN_DOMCTL_debug_op` (`domctl.h`): single-step control.
pub const XEN_DOMCTL_DEBUG_OP: u32 = 54;
/// `XEN_DOMCTL_gethvmcontext_partial` (`domctl.h`): save one HVM state record.
pub const XEN_DOMCTL_GETHVMCONTEXT_PARTIAL: u32 = 55;
/// `XEN_DOMCTL_vm_event_op` (`domctl.h`): VM event ring control.
pub const XEN_DOMCTL_VM_EVENT_OP: u32 = 56;
/// `XEN_DOMCTL_mem_sharing_op` (`domctl.h`): memory sharing control.
pub const XEN_DOMCTL_MEM_SHARING_OP: u32 = 57;
/// `XEN_DOMCTL_gettscinfo` (`domctl.h`): read TSC mode and frequency.
pub const XEN_DOMCTL_GETTSCINFO: u32 = 59;
/// `XEN_DOMCTL_settscinfo` (`domctl.h`): set TSC mode and frequency.
pub const XEN_DOMCTL_SETTSCINFO: u32 = 60;
/// `XEN_DOMCTL_getpageframeinfo3` (`domctl.h`): classify guest frames.
pub const XEN_DOMCTL_GETPAGEFRAMEINFO3: u32 = 61;
/// `XEN_DOMCTL_setvcpuextstate` (`domctl.h`): load a vCPU's extended (XSAVE) state.
pub const XEN_DOMCTL_SETVCPUEXTSTATE: u32 = 62;
/// `XEN_DOMCTL_getvcpuextstate` (`domctl.h`): read a vCPU's extended (XSAVE) state.
pub const XEN_DOMCTL_GETVCPUEXTSTATE: u32 = 63;
/// `XEN_DOMCTL_set_access_required` (`domctl.h`): require a memory-access listener.
pub const XEN_DOMCTL_SET_ACCESS_REQUIRED: u32 = 64;
/// `XEN_DOMCTL_audit_p2m` (`domctl.h`): check the P2M (debug builds).
pub const XEN_DOMCTL_AUDIT_P2M: u32 = 65;
/// `XEN_DOMCTL_set_virq_handler` (`domctl.h`): route a global VIRQ to this domain ([`DomctlSetVirqHandler`]).
pub const XEN_DOMCTL_SET_VIRQ_HANDLER: u32 = 66;
/// `XEN_DOMCTL_set_broken_page_p2m` (`domctl.h`): mark a guest frame broken.
pub const XEN_DOMCTL_SET_BROKEN_PAGE_P2M: u32 = 67;
/// `XEN_DOMCTL_setnodeaffinity` (`domctl.h`): set NUMA node affinity ([`DomctlNodeAffinity`]).
pub const XEN_DOMCTL_SETNODEAFFINITY: u32 = 68;
/// `XEN_DOMCTL_getnodeaffinity` (`domctl.h`): read NUMA node affinity ([`DomctlNodeAffinity`]).
pub const XEN_DOMCTL_GETNODEAFFINITY: u32 = 69;
/// `XEN_DOMCTL_cacheflush` (`domctl.h`): flush guest memory from caches (Arm).
pub const XEN_DOMCTL_CACHEFLUSH: u32 = 71;
/// `XEN_DOMCTL_get_vcpu_msrs` (`domctl.h`): read a vCPU's MSRs.
pub const XEN_DOMCTL_GET_VCPU_MSRS: u32 = 72;
/// `XEN_DOMCTL_set_vcpu_msrs` (`domctl.h`): load a vCPU's MSRs.
pub const XEN_DOMCTL_SET_VCPU_MSRS: u32 = 73;
/// `XEN_DOMCTL_setvnumainfo` (`domctl.h`): set the virtual NUMA topology.
pub const XEN_DOMCTL_SETVNUMAINFO: u32 = 74;
/// `XEN_DOMCTL_psr_cmt_op` (`domctl.h`): cache monitoring control.
pub const XEN_DOMCTL_PSR_CMT_OP: u32 = 75;
/// `XEN_DOMCTL_monitor_op` (`domctl.h`): VM event monitor control.
pub const XEN_DOMCTL_MONITOR_OP: u32 = 77;
/// `XEN_DOMCTL_psr_alloc` (`domctl.h`): cache/bandwidth allocation control.
pub const XEN_DOMCTL_PSR_ALLOC: u32 = 78;
/// `XEN_DOMCTL_soft_reset` (`domctl.h`): reset a domain for kexec-style reuse (no argument).
pub const XEN_DOMCTL_SOFT_RESET: u32 = 79;
/// `XEN_DOMCTL_vuart_op` (`domctl.h`): virtual UART setup.
pub const XEN_DOMCTL_VUART_OP: u32 = 81;
/// `XEN_DOMCTL_get_cpu_policy` (`domctl.h`): read the CPUID/MSR policy.
pub const XEN_DOMCTL_GET_CPU_POLICY: u32 = 82;
/// `XEN_DOMCTL_set_cpu_policy` (`domctl.h`): set the CPUID/MSR policy.
pub const XEN_DOMCTL_SET_CPU_POLICY: u32 = 83;
/// `XEN_DOMCTL_vmtrace_op` (`domctl.h`): processor-trace control.
pub const XEN_DOMCTL_VMTRACE_OP: u32 = 84;
/// `XEN_DOMCTL_get_paging_mempool_size` (`domctl.h`): read the paging pool size ([`DomctlPagingMempool`]).
pub const XEN_DOMCTL_GET_PAGING_MEMPOOL_SIZE: u32 = 85;
/// `XEN_DOMCTL_set_paging_mempool_size` (`domctl.h`): set the paging pool size ([`DomctlPagingMempool`]).
pub const XEN_DOMCTL_SET_PAGING_MEMPOOL_SIZE: u32 = 86;
/// `XEN_DOMCTL_gdbsx_guestmemio` (`domctl.h`): debugger guest-memory access.
pub const XEN_DOMCTL_GDBSX_GUESTMEMIO: u32 = 1000;
/// `XEN_DOMCTL_gdbsx_pausevcpu` (`domctl.h`): debugger vCPU pause.
pub const XEN_DOMCTL_GDBSX_PAUSEVCPU: u32 = 1001;
/// `XEN_DOMCTL_gdbsx_unpausevcpu` (`domctl.h`): debugger vCPU unpause.
pub const XEN_DOMCTL_GDBSX_UNPAUSEVCPU: u32 = 1002;
/// `XEN_DOMCTL_gdbsx_domstatus` (`domctl.h`): debugger domain status.
pub const XEN_DOMCTL_GDBSX_DOMSTATUS: u32 = 1003;

// ---------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------

/// Size of the argument union of [`Domctl`] (its `uint8_t pad[128]` member).
pub const DOMCTL_PAYLOAD_SIZE: usize = 128;

/// `struct xen_domctl` (`domctl.h`): one domain-control request, passed by
/// address to `HYPERVISOR_domctl`; Xen writes results back into it.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Domctl {
    /// The `XEN_DOMCTL_*` command.
    pub cmd: u32,
    /// Must be [`XEN_DOMCTL_INTERFACE_VERSION`].
    pub interface_version: u32,
    /// The target domain (in/out for `createdomain`).
    pub domain: DomId,
    /// Padding; zero.
    pub _pad: [u16; 3],
    /// The C union `u` of argument structures as raw bytes; see
    /// [`payload`](Self::payload) and [`set_payload`](Self::set_payload).
    pub u: [u8; DOMCTL_PAYLOAD_SIZE],
}

impl Default for Domctl {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

impl Domctl {
    /// A request `cmd` for `domain` with the current interface version and
    /// an all-zero argument.
    pub fn new(cmd: u32, domain: DomId) -> Self {
        Self {
            cmd,
            interface_version: XEN_DOMCTL_INTERFACE_VERSION,
            domain,
            ..Self::default()
        }
    }

    /// A request `cmd` for `domain` carrying `arg`.
    pub fn with_payload<T: IntoBytes + Immutable>(cmd: u32, domain: DomId, arg: &T) -> Self {
        let mut d = Self::new(cmd, domain);
        d.set_payload(arg);
        d
    }

    /// The argument union read as a `T` (one of this module's argument
    /// structures, at most 128 bytes).
    pub fn payload<T: FromBytes>(&self) -> T {
        const { assert!(size_of::<T>() <= DOMCTL_PAYLOAD_SIZE) };
        read_prefix(&self.u)
    }

    /// Zeroes the argument union and writes `arg` at its start.
    pub fn set_payload<T: IntoBytes + Immutable>(&mut self, arg: &T) {
        const { assert!(size_of::<T>() <= DOMCTL_PAYLOAD_SIZE) };
        self.u = [0; DOMCTL_PAYLOAD_SIZE];
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layouts() {
        assert_layout!(Domctl, 144, { cmd: 0, interface_version: 4, domain: 8, _pad: 10, u: 16 });
        assert_eq!(core::mem::align_of::<Domctl>(), 8);
        assert_layout!(XenctlBitmap, 16, { bitmap: 0, nr_bits: 8, _pad: 12 });
        assert_eq!(size_of::<DomainHandle>(), 16);
        // Only visible to hypervisor builds of the C header, so not in the C cross-check.
        assert_eq!(XEN_DOMCTL_SOFT_RESET_CONT, 23);
    }

    #[test]
    fn payload_round_trip() {
        let mm = DomctlMaxMem {
            max_memkb: 0x1234_5678_9abc,
        };
        let d = Domctl::with_payload(XEN_DOMCTL_MAX_MEM, DomId(7), &mm);
        assert_eq!(d.cmd, XEN_DOMCTL_MAX_MEM);
        assert_eq!(d.interface_version, 0x15);
        assert_eq!(d.domain, DomId(7));
        assert_eq!(d.payload::<DomctlMaxMem>(), mm);
        assert_eq!(&d.as_bytes()[16..24], &0x1234_5678_9abcu64.to_ne_bytes());
        assert!(d.u[8..].iter().all(|&b| b == 0));

        let mut d = Domctl::new(XEN_DOMCTL_GETDOMAININFO, DomId(1));
        let mut info = DomctlGetDomainInfo::new_zeroed();
        info.domain = DomId(1);
        info.tot_pages = 99;
        d.set_payload(&info);
        assert_eq!(d.payload::<DomctlGetDomainInfo>(), info);
        // A smaller payload clears what a bigger one left behind.
        d.set_payload(&DomctlMaxVcpus { max: 2 });
        assert!(d.u[4..].iter().all(|&b| b == 0));
        assert_eq!(Domctl::default().as_bytes(), &[0u8; 144][..]);
    }
}
