//! Interim copies of the Xen 4.17 event-channel ABI items this crate uses.
//!
//! RULE: ABI types and numbers live once, in `xen-abi`. Its `event_channel`,
//! `xen` and `errno` modules are being written in parallel; until they land
//! on main this module stands in for them, with the same names, so switching
//! is a change of `use` lines. Delete this module when they land.
#![allow(missing_docs)]

use xen_abi::{DomId, EvtchnPort};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

// --- errno (xen/include/public/errno.h) ---------------------------------
pub const EPERM: i32 = 1;
pub const ENOENT: i32 = 2;
pub const ESRCH: i32 = 3;
pub const EAGAIN: i32 = 11;
pub const ENOMEM: i32 = 12;
pub const EACCES: i32 = 13;
pub const EFAULT: i32 = 14;
pub const EBUSY: i32 = 16;
pub const EEXIST: i32 = 17;
pub const EINVAL: i32 = 22;
pub const ENOSPC: i32 = 28;
pub const ENOSYS: i32 = 38;
pub const EOPNOTSUPP: i32 = 95;
/// Xen-internal: "restart this hypercall as a continuation".
pub const ERESTART: i32 = 85;

// --- event_channel.h ------------------------------------------------------
pub const EVTCHNOP_BIND_INTERDOMAIN: u32 = 0;
pub const EVTCHNOP_BIND_VIRQ: u32 = 1;
pub const EVTCHNOP_BIND_PIRQ: u32 = 2;
pub const EVTCHNOP_CLOSE: u32 = 3;
pub const EVTCHNOP_SEND: u32 = 4;
pub const EVTCHNOP_STATUS: u32 = 5;
pub const EVTCHNOP_ALLOC_UNBOUND: u32 = 6;
pub const EVTCHNOP_BIND_IPI: u32 = 7;
pub const EVTCHNOP_BIND_VCPU: u32 = 8;
pub const EVTCHNOP_UNMASK: u32 = 9;
pub const EVTCHNOP_RESET: u32 = 10;
pub const EVTCHNOP_INIT_CONTROL: u32 = 11;
pub const EVTCHNOP_EXPAND_ARRAY: u32 = 12;
pub const EVTCHNOP_SET_PRIORITY: u32 = 13;
pub const EVTCHNOP_RESET_CONT: u32 = 14;

pub const EVTCHNSTAT_CLOSED: u32 = 0;
pub const EVTCHNSTAT_UNBOUND: u32 = 1;
pub const EVTCHNSTAT_INTERDOMAIN: u32 = 2;
pub const EVTCHNSTAT_PIRQ: u32 = 3;
pub const EVTCHNSTAT_VIRQ: u32 = 4;
pub const EVTCHNSTAT_IPI: u32 = 5;

pub const BIND_PIRQ_WILL_SHARE: u32 = 1;

pub const EVTCHN_FIFO_PRIORITY_MAX: u32 = 0;
pub const EVTCHN_FIFO_PRIORITY_DEFAULT: u32 = 7;
pub const EVTCHN_FIFO_PRIORITY_MIN: u32 = 15;
pub const EVTCHN_FIFO_MAX_QUEUES: usize = 16;
pub const EVTCHN_FIFO_PENDING: u32 = 31;
pub const EVTCHN_FIFO_MASKED: u32 = 30;
pub const EVTCHN_FIFO_LINKED: u32 = 29;
pub const EVTCHN_FIFO_BUSY: u32 = 28;
pub const EVTCHN_FIFO_LINK_BITS: u32 = 17;
pub const EVTCHN_FIFO_LINK_MASK: u32 = (1 << EVTCHN_FIFO_LINK_BITS) - 1;
pub const EVTCHN_FIFO_NR_CHANNELS: u32 = 1 << EVTCHN_FIFO_LINK_BITS;

// --- xen.h -----------------------------------------------------------------
pub const VIRQ_TIMER: u32 = 0;
pub const VIRQ_DEBUG: u32 = 1;
pub const VIRQ_CONSOLE: u32 = 2;
pub const VIRQ_DOM_EXC: u32 = 3;
pub const VIRQ_XENOPROF: u32 = 7;
pub const VIRQ_ARGO: u32 = 11;
pub const VIRQ_XENPMU: u32 = 13;
pub const VIRQ_ARCH_0: u32 = 16;
pub const NR_VIRQS: u32 = 24;
pub const XEN_LEGACY_MAX_VCPUS: u32 = 32;

/// `struct vcpu_info` size and field offsets (x86_64).
pub const VCPU_INFO_SIZE: usize = 64;
pub const VCPU_INFO_UPCALL_PENDING: usize = 0;
pub const VCPU_INFO_UPCALL_MASK: usize = 1;
pub const VCPU_INFO_PENDING_SEL: usize = 8;
/// `struct shared_info` field offsets (x86_64).
pub const SHARED_INFO_VCPU_INFO: usize = 0;
pub const SHARED_INFO_EVTCHN_PENDING: usize = 2048;
pub const SHARED_INFO_EVTCHN_MASK: usize = 2560;
/// `struct evtchn_fifo_control_block` size and offsets.
pub const FIFO_CONTROL_BLOCK_SIZE: usize = 72;
pub const FIFO_CONTROL_READY: usize = 0;
pub const FIFO_CONTROL_HEAD: usize = 8;

macro_rules! abi_struct {
    ($(#[$m:meta])* $name:ident { $($f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
        #[repr(C)]
        pub struct $name { $(pub $f: $t),* }
    };
}

abi_struct!(EvtchnAllocUnbound {
    dom: DomId,
    remote_dom: DomId,
    port: EvtchnPort
});
abi_struct!(EvtchnBindInterdomain {
    remote_dom: DomId,
    _pad: u16,
    remote_port: EvtchnPort,
    local_port: EvtchnPort
});
abi_struct!(EvtchnBindVirq {
    virq: u32,
    vcpu: u32,
    port: EvtchnPort
});
abi_struct!(EvtchnBindPirq {
    pirq: u32,
    flags: u32,
    port: EvtchnPort
});
abi_struct!(EvtchnBindIpi {
    vcpu: u32,
    port: EvtchnPort
});
abi_struct!(EvtchnClose { port: EvtchnPort });
abi_struct!(EvtchnSend { port: EvtchnPort });
abi_struct!(EvtchnStatus {
    dom: DomId,
    _pad: u16,
    port: EvtchnPort,
    status: u32,
    vcpu: u32,
    u: [u8; 8]
});
abi_struct!(EvtchnBindVcpu {
    port: EvtchnPort,
    vcpu: u32
});
abi_struct!(EvtchnUnmask { port: EvtchnPort });
abi_struct!(EvtchnReset { dom: DomId });
abi_struct!(EvtchnInitControl {
    control_gfn: u64,
    offset: u32,
    vcpu: u32,
    link_bits: u8,
    _pad: [u8; 7]
});
abi_struct!(EvtchnExpandArray { array_gfn: u64 });
abi_struct!(EvtchnSetPriority {
    port: EvtchnPort,
    priority: u32
});
