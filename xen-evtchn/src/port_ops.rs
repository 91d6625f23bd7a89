//! The per-ABI port operations (Xen's `struct evtchn_port_ops`), and the
//! dispatch that picks the 2-level or FIFO implementation by the domain's
//! current ABI.
//!
//! Every operation is called with a lock held that keeps the channel's state
//! stable: the domain's event lock, the channel's lock, or — for delivery to
//! the remote end of an interdomain channel — the sending channel's lock.
//! That is also what keeps the ABI stable: a reset can only switch a domain
//! back to 2-level after closing every channel, which needs those locks.

use xen_mem::FrameMemory;

use crate::abi::VCPU_INFO_UPCALL_PENDING;
use crate::channel::Channel;
use crate::domain::{Domain, ABI_FIFO};
use crate::fifo::Fifo;
use crate::two_level::TwoLevel;
use crate::{EvtchnError, EvtchnWorld};

/// What an ABI operation may touch: guest memory and the world.
pub(crate) struct Cx<'a, M, W> {
    pub mem: &'a M,
    pub world: &'a W,
}

/// One event-channel ABI.
pub(crate) trait PortOps {
    /// A port was just bound.
    fn init<M: FrameMemory, W: EvtchnWorld>(_cx: &Cx<'_, M, W>, _d: &Domain, _chn: &Channel) {}
    /// Marks the port pending and, on an edge, notifies `vcpu`.
    fn set_pending<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        vcpu: u32,
        chn: &Channel,
    );
    /// Clears the pending state (the port is being freed).
    fn clear_pending<M: FrameMemory, W: EvtchnWorld>(cx: &Cx<'_, M, W>, d: &Domain, chn: &Channel);
    /// `EVTCHNOP_unmask`: clears the mask and re-raises a pending event.
    fn unmask<M: FrameMemory, W: EvtchnWorld>(cx: &Cx<'_, M, W>, d: &Domain, chn: &Channel);
    /// Whether the port is pending.
    fn is_pending<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        chn: &Channel,
    ) -> bool;
    /// Whether the port is masked.
    fn is_masked<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        chn: &Channel,
    ) -> bool;
    /// Whether a freed port is still being cleaned up by the guest.
    fn is_busy<M: FrameMemory, W: EvtchnWorld>(
        _cx: &Cx<'_, M, W>,
        _d: &Domain,
        _chn: &Channel,
    ) -> bool {
        false
    }
    /// `EVTCHNOP_set_priority`.
    fn set_priority(_chn: &Channel, _priority: u32) -> Result<(), EvtchnError> {
        Err(EvtchnError::NoSys)
    }
}

macro_rules! dispatch {
    ($d:expr, $f:ident ( $($arg:expr),* )) => {
        if $d.abi.load(core::sync::atomic::Ordering::Acquire) == ABI_FIFO {
            Fifo::$f($($arg),*)
        } else {
            TwoLevel::$f($($arg),*)
        }
    };
}

impl<M: FrameMemory, W: EvtchnWorld> Cx<'_, M, W> {
    pub fn init(&self, d: &Domain, chn: &Channel) {
        dispatch!(d, init(self, d, chn))
    }
    #[inline]
    pub fn set_pending(&self, d: &Domain, vcpu: u32, chn: &Channel) {
        dispatch!(d, set_pending(self, d, vcpu, chn))
    }
    pub fn clear_pending(&self, d: &Domain, chn: &Channel) {
        dispatch!(d, clear_pending(self, d, chn))
    }
    pub fn unmask(&self, d: &Domain, chn: &Channel) {
        dispatch!(d, unmask(self, d, chn))
    }
    pub fn is_pending(&self, d: &Domain, chn: &Channel) -> bool {
        dispatch!(d, is_pending(self, d, chn))
    }
    pub fn is_masked(&self, d: &Domain, chn: &Channel) -> bool {
        dispatch!(d, is_masked(self, d, chn))
    }
    pub fn is_busy(&self, d: &Domain, chn: &Channel) -> bool {
        dispatch!(d, is_busy(self, d, chn))
    }
    pub fn set_priority(
        &self,
        d: &Domain,
        chn: &Channel,
        priority: u32,
    ) -> Result<(), EvtchnError> {
        dispatch!(d, set_priority(chn, priority))
    }

    /// Xen's `vcpu_mark_events_pending()`: sets `evtchn_upcall_pending` in
    /// the vCPU's `vcpu_info` and kicks the vCPU on the 0 → 1 edge.
    #[inline]
    pub fn mark_events_pending(&self, d: &Domain, vcpu: u32) {
        let Some(info) = d.vcpu(vcpu).and_then(|v| v.vcpu_info()) else {
            return;
        };
        let at = info.at(VCPU_INFO_UPCALL_PENDING);
        if let Ok(old) = self.mem.fetch_or::<u8>(at.mfn, at.offset, 1) {
            if old & 1 == 0 {
                self.world.kick(d.id, vcpu);
            }
        }
    }
}
