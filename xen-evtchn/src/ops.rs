//! The hypercall layer: `EVTCHNOP_*` with Xen's argument structures in and
//! out and Xen's error codes, so a dispatcher (`xen-core`) can forward
//! `HYPERVISOR_event_channel_op` directly.
//!
//! [`event_channel_op`] takes the argument as the bytes copied from the
//! guest ([`arg_size`] says how many) and rewrites them with the results;
//! the per-op functions take the typed structures.

use alloc::sync::Arc;

use xen_abi::{DomId, EvtchnPort};
use xen_mem::{FrameMemory, Gfn};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::abi::*;
use crate::{
    ChannelStatus, Domain, EventChannels, EvtchnError, EvtchnPolicy, EvtchnWorld, PortStatus,
};

/// `EVTCHNOP_alloc_unbound`: fills `arg.port`.
pub fn alloc_unbound<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &mut EvtchnAllocUnbound,
) -> Result<(), EvtchnError> {
    arg.port = ev.alloc_unbound(caller, arg.dom, arg.remote_dom)?;
    Ok(())
}

/// `EVTCHNOP_bind_interdomain`: fills `arg.local_port`.
pub fn bind_interdomain<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Arc<Domain>,
    arg: &mut EvtchnBindInterdomain,
) -> Result<(), EvtchnError> {
    arg.local_port = ev.bind_interdomain(caller, arg.remote_dom, arg.remote_port)?;
    Ok(())
}

/// `EVTCHNOP_bind_virq`: fills `arg.port`.
pub fn bind_virq<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &mut EvtchnBindVirq,
) -> Result<(), EvtchnError> {
    arg.port = ev.bind_virq(caller, arg.virq, arg.vcpu)?;
    Ok(())
}

/// `EVTCHNOP_bind_pirq`: fills `arg.port`.
pub fn bind_pirq<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &mut EvtchnBindPirq,
) -> Result<(), EvtchnError> {
    arg.port = ev.bind_pirq(caller, arg.pirq, arg.flags & BIND_PIRQ_WILL_SHARE != 0)?;
    Ok(())
}

/// `EVTCHNOP_bind_ipi`: fills `arg.port`.
pub fn bind_ipi<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &mut EvtchnBindIpi,
) -> Result<(), EvtchnError> {
    arg.port = ev.bind_ipi(caller, arg.vcpu)?;
    Ok(())
}

/// `EVTCHNOP_close`.
pub fn close<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &EvtchnClose,
) -> Result<(), EvtchnError> {
    ev.close(caller, arg.port)
}

/// `EVTCHNOP_send`.
#[inline]
pub fn send<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &EvtchnSend,
) -> Result<(), EvtchnError> {
    ev.send(caller, arg.port)
}

/// `EVTCHNOP_status`: fills `status`, `vcpu` and the union.
pub fn status<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &mut EvtchnStatus,
) -> Result<(), EvtchnError> {
    let ChannelStatus { status, vcpu } = ev.status(caller, arg.dom, arg.port)?;
    let mut u = [0u8; 8];
    let code = match status {
        PortStatus::Closed => EVTCHNSTAT_CLOSED,
        PortStatus::Unbound { remote } => {
            u[..2].copy_from_slice(remote.as_bytes());
            EVTCHNSTAT_UNBOUND
        }
        PortStatus::Interdomain {
            remote,
            remote_port,
        } => {
            u[..2].copy_from_slice(remote.as_bytes());
            u[4..].copy_from_slice(remote_port.as_bytes());
            EVTCHNSTAT_INTERDOMAIN
        }
        PortStatus::Pirq(pirq) => {
            u[..4].copy_from_slice(&pirq.to_ne_bytes());
            EVTCHNSTAT_PIRQ
        }
        PortStatus::Virq(virq) => {
            u[..4].copy_from_slice(&virq.to_ne_bytes());
            EVTCHNSTAT_VIRQ
        }
        PortStatus::Ipi => EVTCHNSTAT_IPI,
    };
    // Xen leaves union bytes it does not write as the guest passed them.
    match status {
        PortStatus::Closed | PortStatus::Ipi => {}
        PortStatus::Unbound { .. } => arg.u[..2].copy_from_slice(&u[..2]),
        PortStatus::Pirq(_) | PortStatus::Virq(_) => arg.u[..4].copy_from_slice(&u[..4]),
        PortStatus::Interdomain { .. } => {
            arg.u[..2].copy_from_slice(&u[..2]);
            arg.u[4..].copy_from_slice(&u[4..]);
        }
    }
    arg.status = code;
    arg.vcpu = vcpu;
    Ok(())
}

/// `EVTCHNOP_bind_vcpu`.
pub fn bind_vcpu<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &EvtchnBindVcpu,
) -> Result<(), EvtchnError> {
    ev.bind_vcpu(caller, arg.port, arg.vcpu)
}

/// `EVTCHNOP_unmask`.
pub fn unmask<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &EvtchnUnmask,
) -> Result<(), EvtchnError> {
    ev.unmask(caller, arg.port)
}

/// `EVTCHNOP_reset` / `EVTCHNOP_reset_cont` (`resuming`).
pub fn reset<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &EvtchnReset,
    resuming: bool,
) -> Result<(), EvtchnError> {
    ev.reset(caller, arg.dom, resuming)
}

/// `EVTCHNOP_init_control`: fills `link_bits` (always, as Xen does, though
/// the caller copies it back only on success).
pub fn init_control<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &mut EvtchnInitControl,
) -> Result<(), EvtchnError> {
    arg.link_bits = EVTCHN_FIFO_LINK_BITS as u8;
    ev.init_control(caller, arg.vcpu, Gfn(arg.control_gfn), arg.offset)?;
    Ok(())
}

/// `EVTCHNOP_expand_array`.
pub fn expand_array<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &EvtchnExpandArray,
) -> Result<(), EvtchnError> {
    ev.expand_array(caller, Gfn(arg.array_gfn))
}

/// `EVTCHNOP_set_priority`.
pub fn set_priority<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Domain,
    arg: &EvtchnSetPriority,
) -> Result<(), EvtchnError> {
    ev.set_priority(caller, arg.port, arg.priority)
}

/// Size of the argument structure of `cmd`, or `None` for an unknown
/// command (the hypercall then fails with `-ENOSYS`).
pub const fn arg_size(cmd: u32) -> Option<usize> {
    use core::mem::size_of;
    Some(match cmd {
        EVTCHNOP_ALLOC_UNBOUND => size_of::<EvtchnAllocUnbound>(),
        EVTCHNOP_BIND_INTERDOMAIN => size_of::<EvtchnBindInterdomain>(),
        EVTCHNOP_BIND_VIRQ => size_of::<EvtchnBindVirq>(),
        EVTCHNOP_BIND_PIRQ => size_of::<EvtchnBindPirq>(),
        EVTCHNOP_BIND_IPI => size_of::<EvtchnBindIpi>(),
        EVTCHNOP_CLOSE => size_of::<EvtchnClose>(),
        EVTCHNOP_SEND => size_of::<EvtchnSend>(),
        EVTCHNOP_STATUS => size_of::<EvtchnStatus>(),
        EVTCHNOP_BIND_VCPU => size_of::<EvtchnBindVcpu>(),
        EVTCHNOP_UNMASK => size_of::<EvtchnUnmask>(),
        EVTCHNOP_RESET | EVTCHNOP_RESET_CONT => size_of::<EvtchnReset>(),
        EVTCHNOP_INIT_CONTROL => size_of::<EvtchnInitControl>(),
        EVTCHNOP_EXPAND_ARRAY => size_of::<EvtchnExpandArray>(),
        EVTCHNOP_SET_PRIORITY => size_of::<EvtchnSetPriority>(),
        _ => return None,
    })
}

/// Runs `op` on the structure at the start of `arg`, writing it back when
/// `op` succeeds and `out` says the op has results.
fn with_arg<T, F>(arg: &mut [u8], out: bool, op: F) -> Result<bool, EvtchnError>
where
    T: FromBytes + IntoBytes + KnownLayout + Immutable,
    F: FnOnce(&mut T) -> Result<(), EvtchnError>,
{
    let (mut value, _) = T::read_from_prefix(arg).map_err(|_| EvtchnError::Fault)?;
    op(&mut value)?;
    if out {
        value.write_to_prefix(arg).map_err(|_| EvtchnError::Fault)?;
    }
    Ok(out)
}

/// `HYPERVISOR_event_channel_op(cmd, arg)` for `caller`, with `arg` holding
/// the bytes copied in from the guest (at least [`arg_size`]`(cmd)`).
///
/// On success returns whether `arg` now holds results to copy back to the
/// guest (Xen copies back only on success). Errors are Xen's:
/// [`EvtchnError::NoSys`] for an unknown `cmd`, [`EvtchnError::Fault`] for a
/// short `arg`, and [`EvtchnError::Restart`] when a reset was preempted —
/// the dispatcher then re-issues the call as `EVTCHNOP_reset_cont`.
pub fn event_channel_op<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy>(
    ev: &EventChannels<M, W, P>,
    caller: &Arc<Domain>,
    cmd: u32,
    arg: &mut [u8],
) -> Result<bool, EvtchnError> {
    match cmd {
        EVTCHNOP_ALLOC_UNBOUND => with_arg(arg, true, |a| alloc_unbound(ev, caller, a)),
        EVTCHNOP_BIND_INTERDOMAIN => with_arg(arg, true, |a| bind_interdomain(ev, caller, a)),
        EVTCHNOP_BIND_VIRQ => with_arg(arg, true, |a| bind_virq(ev, caller, a)),
        EVTCHNOP_BIND_PIRQ => with_arg(arg, true, |a| bind_pirq(ev, caller, a)),
        EVTCHNOP_BIND_IPI => with_arg(arg, true, |a| bind_ipi(ev, caller, a)),
        EVTCHNOP_CLOSE => with_arg(arg, false, |a: &mut EvtchnClose| close(ev, caller, a)),
        EVTCHNOP_SEND => with_arg(arg, false, |a: &mut EvtchnSend| send(ev, caller, a)),
        EVTCHNOP_STATUS => with_arg(arg, true, |a| status(ev, caller, a)),
        EVTCHNOP_BIND_VCPU => with_arg(arg, false, |a: &mut EvtchnBindVcpu| {
            bind_vcpu(ev, caller, a)
        }),
        EVTCHNOP_UNMASK => with_arg(arg, false, |a: &mut EvtchnUnmask| unmask(ev, caller, a)),
        EVTCHNOP_RESET | EVTCHNOP_RESET_CONT => with_arg(arg, false, |a: &mut EvtchnReset| {
            reset(ev, caller, a, cmd == EVTCHNOP_RESET_CONT)
        }),
        EVTCHNOP_INIT_CONTROL => with_arg(arg, true, |a| init_control(ev, caller, a)),
        EVTCHNOP_EXPAND_ARRAY => with_arg(arg, false, |a: &mut EvtchnExpandArray| {
            expand_array(ev, caller, a)
        }),
        EVTCHNOP_SET_PRIORITY => with_arg(arg, false, |a: &mut EvtchnSetPriority| {
            set_priority(ev, caller, a)
        }),
        _ => Err(EvtchnError::NoSys),
    }
}

/// The return value of the hypercall for [`event_channel_op`]'s result
/// (0 or a negative errno).
pub fn rc(result: &Result<bool, EvtchnError>) -> i32 {
    match result {
        Ok(_) => 0,
        Err(e) => e.errno(),
    }
}

/// Helper for tests and dispatchers: a status union's domain (unbound and
/// interdomain states).
pub fn status_dom(arg: &EvtchnStatus) -> DomId {
    DomId(u16::from_ne_bytes([arg.u[0], arg.u[1]]))
}

/// A status union's port (interdomain state).
pub fn status_port(arg: &EvtchnStatus) -> EvtchnPort {
    EvtchnPort(u32::from_ne_bytes([arg.u[4], arg.u[5], arg.u[6], arg.u[7]]))
}

/// A status union's PIRQ or VIRQ number.
pub fn status_irq(arg: &EvtchnStatus) -> u32 {
    u32::from_ne_bytes([arg.u[0], arg.u[1], arg.u[2], arg.u[3]])
}
