//! Xen 4.17 event channels (`event_channel.h`, plus the `VIRQ_*` numbers of
//! `xen.h`): the `EVTCHNOP_*` sub-operations of `HYPERVISOR_event_channel_op`
//! and their argument structures, the legacy multiplexed [`EvtchnOp`], the
//! 2-level and FIFO event ABIs' limits and layouts, and the virtual IRQs a
//! domain can bind, with the per-vCPU/global class Xen 4.17 gives each.

use core::mem::size_of;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::{DomId, EvtchnPort};

mod fifo;
mod virq;

pub use fifo::*;
pub use virq::*;

// ---------------------------------------------------------------------------
// Operation numbers
// ---------------------------------------------------------------------------

/// `EVTCHNOP_bind_interdomain` (`event_channel.h`): connect to a remote unbound port ([`EvtchnBindInterdomain`]).
pub const EVTCHNOP_BIND_INTERDOMAIN: u32 = 0;
/// `EVTCHNOP_bind_virq` (`event_channel.h`): bind a virtual IRQ ([`EvtchnBindVirq`]).
pub const EVTCHNOP_BIND_VIRQ: u32 = 1;
/// `EVTCHNOP_bind_pirq` (`event_channel.h`): bind a physical IRQ ([`EvtchnBindPirq`]).
pub const EVTCHNOP_BIND_PIRQ: u32 = 2;
/// `EVTCHNOP_close` (`event_channel.h`): close a port ([`EvtchnClose`]).
pub const EVTCHNOP_CLOSE: u32 = 3;
/// `EVTCHNOP_send` (`event_channel.h`): notify the other end ([`EvtchnSend`]).
pub const EVTCHNOP_SEND: u32 = 4;
/// `EVTCHNOP_status` (`event_channel.h`): query a port ([`EvtchnStatus`]).
pub const EVTCHNOP_STATUS: u32 = 5;
/// `EVTCHNOP_alloc_unbound` (`event_channel.h`): allocate a port for a remote domain ([`EvtchnAllocUnbound`]).
pub const EVTCHNOP_ALLOC_UNBOUND: u32 = 6;
/// `EVTCHNOP_bind_ipi` (`event_channel.h`): allocate an inter-vCPU port ([`EvtchnBindIpi`]).
pub const EVTCHNOP_BIND_IPI: u32 = 7;
/// `EVTCHNOP_bind_vcpu` (`event_channel.h`): change the notified vCPU ([`EvtchnBindVcpu`]).
pub const EVTCHNOP_BIND_VCPU: u32 = 8;
/// `EVTCHNOP_unmask` (`event_channel.h`): unmask a port ([`EvtchnUnmask`]).
pub const EVTCHNOP_UNMASK: u32 = 9;
/// `EVTCHNOP_reset` (`event_channel.h`): close all of a domain's ports ([`EvtchnReset`]).
pub const EVTCHNOP_RESET: u32 = 10;
/// `EVTCHNOP_init_control` (`event_channel.h`): register a FIFO control block ([`EvtchnInitControl`]).
pub const EVTCHNOP_INIT_CONTROL: u32 = 11;
/// `EVTCHNOP_expand_array` (`event_channel.h`): add a FIFO event-array page ([`EvtchnExpandArray`]).
pub const EVTCHNOP_EXPAND_ARRAY: u32 = 12;
/// `EVTCHNOP_set_priority` (`event_channel.h`): set a port's FIFO priority ([`EvtchnSetPriority`]).
pub const EVTCHNOP_SET_PRIORITY: u32 = 13;
/// `EVTCHNOP_reset_cont` (`event_channel.h`, hypervisor builds only): the
/// continuation of a preempted `EVTCHNOP_reset`. Never valid from a guest.
pub const EVTCHNOP_RESET_CONT: u32 = 14;

// ---------------------------------------------------------------------------
// Operation arguments
// ---------------------------------------------------------------------------

/// `struct evtchn_alloc_unbound` (`event_channel.h`): allocate a port in
/// `dom` that `remote_dom` may later bind to.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnAllocUnbound {
    /// In: the domain getting the port (`DOMID_SELF` or a controlled domain).
    pub dom: DomId,
    /// In: the domain allowed to connect.
    pub remote_dom: DomId,
    /// Out: the new port.
    pub port: EvtchnPort,
}

/// `struct evtchn_bind_interdomain` (`event_channel.h`): connect a new
/// local port to an unbound port of `remote_dom`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnBindInterdomain {
    /// In: the remote domain.
    pub remote_dom: DomId,
    /// Padding; zero.
    pub _pad: u16,
    /// In: the remote unbound port.
    pub remote_port: EvtchnPort,
    /// Out: the new local port.
    pub local_port: EvtchnPort,
}

/// `struct evtchn_bind_virq` (`event_channel.h`): bind a virtual IRQ to a
/// new port notifying `vcpu`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnBindVirq {
    /// In: the `VIRQ_*` number (see [`Virq`]).
    pub virq: u32,
    /// In: the vCPU to notify (0 for global VIRQs).
    pub vcpu: u32,
    /// Out: the new port.
    pub port: EvtchnPort,
}

/// `BIND_PIRQ__WILL_SHARE` (`event_channel.h`): the physical IRQ may be
/// shared with other domains.
pub const BIND_PIRQ__WILL_SHARE: u32 = 1;

/// `struct evtchn_bind_pirq` (`event_channel.h`): bind a physical IRQ to a
/// new port.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnBindPirq {
    /// In: the physical IRQ.
    pub pirq: u32,
    /// In: `BIND_PIRQ__*` flags.
    pub flags: u32,
    /// Out: the new port.
    pub port: EvtchnPort,
}

/// `struct evtchn_bind_ipi` (`event_channel.h`): allocate a port for
/// notifications between the caller's vCPUs.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnBindIpi {
    /// In: the vCPU to notify.
    pub vcpu: u32,
    /// Out: the new port.
    pub port: EvtchnPort,
}

/// `struct evtchn_close` (`event_channel.h`): close a port.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnClose {
    /// In: the port.
    pub port: EvtchnPort,
}

/// `struct evtchn_send` (`event_channel.h`): signal the other end of a port.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnSend {
    /// In: the local port.
    pub port: EvtchnPort,
}

/// `EVTCHNSTAT_closed` (`event_channel.h`): the port is free.
pub const EVTCHNSTAT_CLOSED: u32 = 0;
/// `EVTCHNSTAT_unbound` (`event_channel.h`): waiting for a remote domain to bind.
pub const EVTCHNSTAT_UNBOUND: u32 = 1;
/// `EVTCHNSTAT_interdomain` (`event_channel.h`): connected to a remote port.
pub const EVTCHNSTAT_INTERDOMAIN: u32 = 2;
/// `EVTCHNSTAT_pirq` (`event_channel.h`): bound to a physical IRQ.
pub const EVTCHNSTAT_PIRQ: u32 = 3;
/// `EVTCHNSTAT_virq` (`event_channel.h`): bound to a virtual IRQ.
pub const EVTCHNSTAT_VIRQ: u32 = 4;
/// `EVTCHNSTAT_ipi` (`event_channel.h`): an inter-vCPU port.
pub const EVTCHNSTAT_IPI: u32 = 5;

/// `struct evtchn_status` (`event_channel.h`): query the state of a port.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnStatus {
    /// In: the domain owning the port.
    pub dom: DomId,
    /// Padding; zero.
    pub _pad: u16,
    /// In: the port.
    pub port: EvtchnPort,
    /// Out: an `EVTCHNSTAT_*` value.
    pub status: u32,
    /// Out: the vCPU the port notifies.
    pub vcpu: u32,
    /// Out: the C union `u` (state-specific details) as raw bytes; read it
    /// with [`detail`](Self::detail).
    pub u: [u8; 8],
}

/// The decoded state of a port, from [`EvtchnStatus::detail`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvtchnStatusDetail {
    /// `EVTCHNSTAT_closed`.
    Closed,
    /// `EVTCHNSTAT_unbound`: `u.unbound.dom` may bind to it.
    Unbound {
        /// The domain allowed to connect.
        dom: DomId,
    },
    /// `EVTCHNSTAT_interdomain`: connected to `u.interdomain`.
    Interdomain {
        /// The remote domain.
        dom: DomId,
        /// The remote port.
        port: EvtchnPort,
    },
    /// `EVTCHNSTAT_pirq`: bound to physical IRQ `u.pirq`.
    Pirq(u32),
    /// `EVTCHNSTAT_virq`: bound to virtual IRQ `u.virq`.
    Virq(u32),
    /// `EVTCHNSTAT_ipi`.
    Ipi,
    /// A `status` value this crate does not know.
    Unknown(u32),
}

/// The `interdomain` arm of `evtchn_status.u` (`event_channel.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
struct StatusInterdomain {
    dom: DomId,
    _pad: u16,
    port: EvtchnPort,
}

impl EvtchnStatus {
    /// Decodes `status` and the matching arm of `u`.
    pub fn detail(&self) -> EvtchnStatusDetail {
        let word = u32::from_ne_bytes([self.u[0], self.u[1], self.u[2], self.u[3]]);
        match self.status {
            EVTCHNSTAT_CLOSED => EvtchnStatusDetail::Closed,
            EVTCHNSTAT_UNBOUND => EvtchnStatusDetail::Unbound {
                dom: DomId(u16::from_ne_bytes([self.u[0], self.u[1]])),
            },
            EVTCHNSTAT_INTERDOMAIN => {
                let arm: StatusInterdomain = zerocopy::transmute!(self.u);
                EvtchnStatusDetail::Interdomain {
                    dom: arm.dom,
                    port: arm.port,
                }
            }
            EVTCHNSTAT_PIRQ => EvtchnStatusDetail::Pirq(word),
            EVTCHNSTAT_VIRQ => EvtchnStatusDetail::Virq(word),
            EVTCHNSTAT_IPI => EvtchnStatusDetail::Ipi,
            other => EvtchnStatusDetail::Unknown(other),
        }
    }

    /// Stores `detail` into `status` and `u` (unused bytes of `u` zeroed).
    pub fn set_detail(&mut self, detail: EvtchnStatusDetail) {
        self.u = [0; 8];
        let (status, word) = match detail {
            EvtchnStatusDetail::Closed => (EVTCHNSTAT_CLOSED, None),
            EvtchnStatusDetail::Unbound { dom } => {
                self.u[..2].copy_from_slice(&dom.0.to_ne_bytes());
                (EVTCHNSTAT_UNBOUND, None)
            }
            EvtchnStatusDetail::Interdomain { dom, port } => {
                self.u = zerocopy::transmute!(StatusInterdomain { dom, _pad: 0, port });
                (EVTCHNSTAT_INTERDOMAIN, None)
            }
            EvtchnStatusDetail::Pirq(p) => (EVTCHNSTAT_PIRQ, Some(p)),
            EvtchnStatusDetail::Virq(v) => (EVTCHNSTAT_VIRQ, Some(v)),
            EvtchnStatusDetail::Ipi => (EVTCHNSTAT_IPI, None),
            EvtchnStatusDetail::Unknown(s) => (s, None),
        };
        if let Some(w) = word {
            self.u[..4].copy_from_slice(&w.to_ne_bytes());
        }
        self.status = status;
    }
}

/// `struct evtchn_bind_vcpu` (`event_channel.h`): make a port notify
/// another vCPU.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnBindVcpu {
    /// In: the port.
    pub port: EvtchnPort,
    /// In: the vCPU to notify from now on.
    pub vcpu: u32,
}

/// `struct evtchn_unmask` (`event_channel.h`): unmask a port, delivering
/// any event left pending meanwhile.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnUnmask {
    /// In: the port.
    pub port: EvtchnPort,
}

/// `struct evtchn_reset` (`event_channel.h`): close every port of a domain.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnReset {
    /// In: the domain (`DOMID_SELF` or a controlled domain).
    pub dom: DomId,
}

/// `struct evtchn_init_control` (`event_channel.h`): register a vCPU's
/// FIFO control block, switching the domain to the FIFO ABI.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnInitControl {
    /// In: frame holding the control block.
    pub control_gfn: u64,
    /// In: byte offset of the control block in that frame.
    pub offset: u32,
    /// In: the vCPU.
    pub vcpu: u32,
    /// Out: number of link bits in an event word ([`EVTCHN_FIFO_LINK_BITS`]).
    pub link_bits: u8,
    /// Padding; zero.
    pub _pad: [u8; 7],
}

/// `struct evtchn_expand_array` (`event_channel.h`): add one page to the
/// FIFO event array.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnExpandArray {
    /// In: the new event-array frame.
    pub array_gfn: u64,
}

/// `struct evtchn_set_priority` (`event_channel.h`): set a port's FIFO
/// queue priority.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnSetPriority {
    /// In: the port.
    pub port: EvtchnPort,
    /// In: the priority, `EVTCHN_FIFO_PRIORITY_MAX` (0) ..= `_MIN` (15).
    pub priority: u32,
}

/// Size of the argument union of [`EvtchnOp`] (that of [`EvtchnStatus`]).
pub const EVTCHN_OP_PAYLOAD_SIZE: usize = 24;

/// `struct evtchn_op` (`event_channel.h`): the argument of the old
/// multiplexed hypercall `event_channel_op_compat`: a command and the
/// argument of the first ten `EVTCHNOP_*` operations.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnOp {
    /// The `EVTCHNOP_*` command.
    pub cmd: u32,
    /// The C union `u` of argument structures, as raw bytes; use
    /// [`payload`](Self::payload)/[`set_payload`](Self::set_payload).
    pub u: [u8; EVTCHN_OP_PAYLOAD_SIZE],
}

impl EvtchnOp {
    /// An operation `cmd` carrying `arg` (the rest of the union zeroed).
    pub fn new<T: IntoBytes + Immutable>(cmd: u32, arg: &T) -> Self {
        let mut op = Self {
            cmd,
            ..Self::default()
        };
        op.set_payload(arg);
        op
    }

    /// The union read as a `T` (one of this module's argument structures).
    pub fn payload<T: FromBytes>(&self) -> T {
        const { assert!(size_of::<T>() <= EVTCHN_OP_PAYLOAD_SIZE) };
        match T::read_from_prefix(&self.u[..]) {
            Ok((v, _)) => v,
            Err(_) => unreachable!(),
        }
    }

    /// Zeroes the union and writes `arg` at its start.
    pub fn set_payload<T: IntoBytes + Immutable>(&mut self, arg: &T) {
        const { assert!(size_of::<T>() <= EVTCHN_OP_PAYLOAD_SIZE) };
        self.u = [0; EVTCHN_OP_PAYLOAD_SIZE];
        if arg.write_to_prefix(&mut self.u[..]).is_err() {
            unreachable!();
        }
    }
}

// ---------------------------------------------------------------------------
// 2-level ABI
// ---------------------------------------------------------------------------

/// `xen_ulong_t` on x86_64: the word type of the 2-level pending/mask bitmaps.
type XenUlong = u64;

/// `EVTCHN_2L_NR_CHANNELS` (`event_channel.h`): ports of the 2-level ABI,
/// one bit per port in a two-level bitmap of `xen_ulong_t` words: 4096 for
/// a 64-bit guest.
pub const EVTCHN_2L_NR_CHANNELS: u32 = (size_of::<XenUlong>() * size_of::<XenUlong>() * 64) as u32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_layouts() {
        assert_layout!(EvtchnAllocUnbound, 8, { dom: 0, remote_dom: 2, port: 4 });
        assert_layout!(EvtchnBindInterdomain, 12, { remote_dom: 0, _pad: 2, remote_port: 4, local_port: 8 });
        assert_layout!(EvtchnBindVirq, 12, { virq: 0, vcpu: 4, port: 8 });
        assert_layout!(EvtchnBindPirq, 12, { pirq: 0, flags: 4, port: 8 });
        assert_layout!(EvtchnBindIpi, 8, { vcpu: 0, port: 4 });
        assert_layout!(EvtchnClose, 4, { port: 0 });
        assert_layout!(EvtchnSend, 4, { port: 0 });
        assert_layout!(EvtchnStatus, 24, { dom: 0, _pad: 2, port: 4, status: 8, vcpu: 12, u: 16 });
        assert_layout!(EvtchnBindVcpu, 8, { port: 0, vcpu: 4 });
        assert_layout!(EvtchnUnmask, 4, { port: 0 });
        assert_layout!(EvtchnReset, 2, { dom: 0 });
        assert_layout!(EvtchnInitControl, 24, { control_gfn: 0, offset: 8, vcpu: 12, link_bits: 16, _pad: 17 });
        assert_layout!(EvtchnExpandArray, 8, { array_gfn: 0 });
        assert_layout!(EvtchnSetPriority, 8, { port: 0, priority: 4 });
        assert_layout!(EvtchnOp, 28, { cmd: 0, u: 4 });
    }

    #[test]
    fn limits() {
        assert_eq!(EVTCHN_2L_NR_CHANNELS, 4096);
        // Only visible to hypervisor builds of the C header, so not in the C cross-check.
        assert_eq!(EVTCHNOP_RESET_CONT, 14);
    }

    #[test]
    fn status_detail_round_trip() {
        let cases = [
            EvtchnStatusDetail::Closed,
            EvtchnStatusDetail::Unbound { dom: DomId(4) },
            EvtchnStatusDetail::Interdomain {
                dom: DomId(2),
                port: EvtchnPort(33),
            },
            EvtchnStatusDetail::Pirq(17),
            EvtchnStatusDetail::Virq(VIRQ_DOM_EXC),
            EvtchnStatusDetail::Ipi,
            EvtchnStatusDetail::Unknown(99),
        ];
        for c in cases {
            let mut s = EvtchnStatus::default();
            s.set_detail(c);
            assert_eq!(s.detail(), c);
        }
        let mut s = EvtchnStatus::default();
        s.set_detail(EvtchnStatusDetail::Interdomain {
            dom: DomId(2),
            port: EvtchnPort(33),
        });
        assert_eq!(s.status, EVTCHNSTAT_INTERDOMAIN);
        assert_eq!(&s.u[..2], &2u16.to_ne_bytes());
        assert_eq!(&s.u[4..], &33u32.to_ne_bytes());
    }

    #[test]
    fn evtchn_op_payload() {
        let send = EvtchnSend {
            port: EvtchnPort(5),
        };
        let op = EvtchnOp::new(EVTCHNOP_SEND, &send);
        assert_eq!(op.cmd, EVTCHNOP_SEND);
        assert_eq!(op.payload::<EvtchnSend>(), send);
        assert_eq!(&op.as_bytes()[4..8], &5u32.to_ne_bytes());
        assert!(op.u[4..].iter().all(|&b| b == 0));
        let st = EvtchnStatus {
            dom: DomId::SELF,
            port: EvtchnPort(9),
            ..Default::default()
        };
        let op = EvtchnOp::new(EVTCHNOP_STATUS, &st);
        assert_eq!(op.payload::<EvtchnStatus>(), st);
    }
}
