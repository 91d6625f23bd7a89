//! Smaller per-domain controls: memory limit, UUID, wall-clock offset,
//! debugging, hardware-access permissions, hypercall page, guest width,
//! triggers, suspend notification, target and VIRQ-handler delegation,
//! HVM context save/restore, the paging pool and the shadow/log-dirty
//! operation.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::DomainHandle;
use crate::{DomId, GuestHandle};

/// `struct xen_domctl_max_mem` (`domctl.h`): argument of `XEN_DOMCTL_max_mem`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlMaxMem {
    /// The memory limit in KiB.
    pub max_memkb: u64,
}

/// `struct xen_domctl_setdomainhandle` (`domctl.h`): argument of
/// `XEN_DOMCTL_setdomainhandle`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSetDomainHandle {
    /// The new UUID.
    pub handle: DomainHandle,
}

/// `struct xen_domctl_settimeoffset` (`domctl.h`): argument of
/// `XEN_DOMCTL_settimeoffset`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSetTimeOffset {
    /// Seconds added to the host wall clock for this domain.
    pub time_offset_seconds: i64,
}

/// `struct xen_domctl_setdebugging` (`domctl.h`): argument of
/// `XEN_DOMCTL_setdebugging`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSetDebugging {
    /// Non-zero to enable debugging.
    pub enable: u8,
}

/// `struct xen_domctl_irq_permission` (`domctl.h`): argument of
/// `XEN_DOMCTL_irq_permission`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlIrqPermission {
    /// The physical IRQ.
    pub pirq: u32,
    /// Non-zero to allow, zero to deny.
    pub allow_access: u8,
    /// Padding; zero.
    pub pad: [u8; 3],
}

/// `struct xen_domctl_iomem_permission` (`domctl.h`): argument of
/// `XEN_DOMCTL_iomem_permission`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlIomemPermission {
    /// First machine frame of the range.
    pub first_mfn: u64,
    /// Number of frames (more than zero).
    pub nr_mfns: u64,
    /// Non-zero to allow, zero to deny.
    pub allow_access: u8,
    /// Padding; zero.
    pub _pad: [u8; 7],
}

/// `struct xen_domctl_ioport_permission` (`domctl.h`): argument of
/// `XEN_DOMCTL_ioport_permission`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlIoportPermission {
    /// First I/O port of the range.
    pub first_port: u32,
    /// Number of ports.
    pub nr_ports: u32,
    /// Non-zero to allow, zero to deny.
    pub allow_access: u8,
    /// Padding; zero.
    pub _pad: [u8; 3],
}

/// `struct xen_domctl_hypercall_init` (`domctl.h`): argument of
/// `XEN_DOMCTL_hypercall_init`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlHypercallInit {
    /// Guest frame to fill with the hypercall page.
    pub gmfn: u64,
}

/// `struct xen_domctl_address_size` (`domctl.h`): argument of
/// `XEN_DOMCTL_{set,get}_address_size`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlAddressSize {
    /// Guest width in bits (32 or 64).
    pub size: u32,
}

/// `XEN_DOMCTL_SENDTRIGGER_NMI` (`domctl.h`): inject an NMI.
pub const XEN_DOMCTL_SENDTRIGGER_NMI: u32 = 0;
/// `XEN_DOMCTL_SENDTRIGGER_RESET` (`domctl.h`): press the reset button.
pub const XEN_DOMCTL_SENDTRIGGER_RESET: u32 = 1;
/// `XEN_DOMCTL_SENDTRIGGER_INIT` (`domctl.h`): send INIT.
pub const XEN_DOMCTL_SENDTRIGGER_INIT: u32 = 2;
/// `XEN_DOMCTL_SENDTRIGGER_POWER` (`domctl.h`): press the ACPI power button.
pub const XEN_DOMCTL_SENDTRIGGER_POWER: u32 = 3;
/// `XEN_DOMCTL_SENDTRIGGER_SLEEP` (`domctl.h`): press the ACPI sleep button.
pub const XEN_DOMCTL_SENDTRIGGER_SLEEP: u32 = 4;

/// `struct xen_domctl_sendtrigger` (`domctl.h`): argument of
/// `XEN_DOMCTL_sendtrigger`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSendTrigger {
    /// `XEN_DOMCTL_SENDTRIGGER_*`.
    pub trigger: u32,
    /// The vCPU (for NMI and INIT).
    pub vcpu: u32,
}

/// `struct xen_domctl_subscribe` (`domctl.h`): argument of
/// `XEN_DOMCTL_subscribe`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSubscribe {
    /// The caller's port to signal when the domain suspends.
    pub port: u32,
}

/// `struct xen_domctl_set_target` (`domctl.h`): argument of
/// `XEN_DOMCTL_set_target`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSetTarget {
    /// The domain the requested domain (e.g. a device model) may control.
    pub target: DomId,
}

/// `struct xen_domctl_set_virq_handler` (`domctl.h`): argument of
/// `XEN_DOMCTL_set_virq_handler`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSetVirqHandler {
    /// The global `VIRQ_*` to deliver to the requested domain.
    pub virq: u32,
}

/// `struct xen_domctl_paging_mempool` (`domctl.h`): argument of
/// `XEN_DOMCTL_{get,set}_paging_mempool_size`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlPagingMempool {
    /// Pool size in bytes.
    pub size: u64,
}

/// `struct xen_domctl_hvmcontext` (`domctl.h`): argument of
/// `XEN_DOMCTL_{get,set}hvmcontext`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlHvmContext {
    /// In: buffer size; out: bytes used (or needed, with a null buffer).
    pub size: u32,
    /// Padding; zero.
    pub _pad: u32,
    /// The HVM save-record stream.
    pub buffer: GuestHandle<u8>,
}

/// `XEN_DOMCTL_SHADOW_OP_OFF` (`domctl.h`): leave shadow mode.
pub const XEN_DOMCTL_SHADOW_OP_OFF: u32 = 0;
/// `XEN_DOMCTL_SHADOW_OP_ENABLE` (`domctl.h`): enter shadow mode with `mode` flags.
pub const XEN_DOMCTL_SHADOW_OP_ENABLE: u32 = 32;
/// `XEN_DOMCTL_SHADOW_OP_CLEAN` (`domctl.h`): return and clear the dirty bitmap.
pub const XEN_DOMCTL_SHADOW_OP_CLEAN: u32 = 11;
/// `XEN_DOMCTL_SHADOW_OP_PEEK` (`domctl.h`): return the dirty bitmap, keeping it.
pub const XEN_DOMCTL_SHADOW_OP_PEEK: u32 = 12;
/// `XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION` (`domctl.h`): read the shadow pool
/// size in MiB (deprecated for the paging-mempool commands).
pub const XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION: u32 = 30;
/// `XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION` (`domctl.h`): set the shadow pool
/// size in MiB (deprecated for the paging-mempool commands).
pub const XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION: u32 = 31;
/// `XEN_DOMCTL_SHADOW_OP_ENABLE_TEST` (`domctl.h`): legacy: enable with no mode flags.
pub const XEN_DOMCTL_SHADOW_OP_ENABLE_TEST: u32 = 1;
/// `XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY` (`domctl.h`): legacy: enable log-dirty mode.
pub const XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY: u32 = 2;
/// `XEN_DOMCTL_SHADOW_ENABLE_REFCOUNT` (`domctl.h`): shadows are reference counted.
pub const XEN_DOMCTL_SHADOW_ENABLE_REFCOUNT: u32 = 1 << 1;
/// `XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY` (`domctl.h`): track dirtied pages.
pub const XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY: u32 = 1 << 2;
/// `XEN_DOMCTL_SHADOW_ENABLE_TRANSLATE` (`domctl.h`): translate guest frames.
pub const XEN_DOMCTL_SHADOW_ENABLE_TRANSLATE: u32 = 1 << 3;
/// `XEN_DOMCTL_SHADOW_ENABLE_EXTERNAL` (`domctl.h`): Xen uses none of the
/// guest's address space (HVM).
pub const XEN_DOMCTL_SHADOW_ENABLE_EXTERNAL: u32 = 1 << 4;
/// `XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL` (`domctl.h`): last log-dirty round:
/// also report pages Xen itself maps writably.
pub const XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL: u32 = 1 << 0;

bitflags! {
    /// `XEN_DOMCTL_SHADOW_ENABLE_*` (`domctl.h`): [`DomctlShadowOp::mode`]
    /// for `XEN_DOMCTL_SHADOW_OP_ENABLE`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ShadowEnableFlags: u32 {
        /// `XEN_DOMCTL_SHADOW_ENABLE_REFCOUNT`.
        const REFCOUNT = XEN_DOMCTL_SHADOW_ENABLE_REFCOUNT;
        /// `XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY`.
        const LOG_DIRTY = XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY;
        /// `XEN_DOMCTL_SHADOW_ENABLE_TRANSLATE`.
        const TRANSLATE = XEN_DOMCTL_SHADOW_ENABLE_TRANSLATE;
        /// `XEN_DOMCTL_SHADOW_ENABLE_EXTERNAL`.
        const EXTERNAL = XEN_DOMCTL_SHADOW_ENABLE_EXTERNAL;
    }
}

/// `struct xen_domctl_shadow_op_stats` (`domctl.h`): log-dirty counters
/// returned by the clean and peek operations.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlShadowOpStats {
    /// Faults taken since the last clean.
    pub fault_count: u32,
    /// Pages dirtied since the last clean.
    pub dirty_count: u32,
}

/// `struct xen_domctl_shadow_op` (`domctl.h`): argument of
/// `XEN_DOMCTL_shadow_op`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlShadowOp {
    /// `XEN_DOMCTL_SHADOW_OP_*`.
    pub op: u32,
    /// `XEN_DOMCTL_SHADOW_ENABLE_*` or `XEN_DOMCTL_SHADOW_LOGDIRTY_*` flags.
    pub mode: u32,
    /// Shadow pool size in MiB (allocation operations).
    pub mb: u32,
    /// Padding; zero.
    pub _pad: u32,
    /// The dirty bitmap (clean and peek).
    pub dirty_bitmap: GuestHandle<u8>,
    /// In: bitmap size in pages (bits); out: pages reported.
    pub pages: u64,
    /// Out: log-dirty counters.
    pub stats: DomctlShadowOpStats,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(DomctlMaxMem, 8, { max_memkb: 0 });
        assert_layout!(DomctlSetDomainHandle, 16, { handle: 0 });
        assert_layout!(DomctlSetTimeOffset, 8, { time_offset_seconds: 0 });
        assert_layout!(DomctlSetDebugging, 1, { enable: 0 });
        assert_layout!(DomctlIrqPermission, 8, { pirq: 0, allow_access: 4, pad: 5 });
        assert_layout!(DomctlIomemPermission, 24, { first_mfn: 0, nr_mfns: 8, allow_access: 16, _pad: 17 });
        assert_layout!(DomctlIoportPermission, 12, { first_port: 0, nr_ports: 4, allow_access: 8, _pad: 9 });
        assert_layout!(DomctlHypercallInit, 8, { gmfn: 0 });
        assert_layout!(DomctlAddressSize, 4, { size: 0 });
        assert_layout!(DomctlSendTrigger, 8, { trigger: 0, vcpu: 4 });
        assert_layout!(DomctlSubscribe, 4, { port: 0 });
        assert_layout!(DomctlSetTarget, 2, { target: 0 });
        assert_layout!(DomctlSetVirqHandler, 4, { virq: 0 });
        assert_layout!(DomctlPagingMempool, 8, { size: 0 });
        assert_layout!(DomctlHvmContext, 16, { size: 0, _pad: 4, buffer: 8 });
        assert_layout!(DomctlShadowOpStats, 8, { fault_count: 0, dirty_count: 4 });
        assert_layout!(DomctlShadowOp, 40, {
            op: 0, mode: 4, mb: 8, _pad: 12, dirty_bitmap: 16, pages: 24, stats: 32,
            stats.fault_count: 32, stats.dirty_count: 36,
        });
    }

    #[test]
    fn shadow_flags() {
        assert_eq!(ShadowEnableFlags::all().bits(), 0x1E);
    }
}
