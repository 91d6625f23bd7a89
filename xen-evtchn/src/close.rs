//! Closing ports (`EVTCHNOP_close`) and resetting a domain's channels
//! (`EVTCHNOP_reset`).

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use xen_abi::{DomId, EvtchnPort};
use xen_mem::FrameMemory;

use crate::channel::{Channel, PortState};
use crate::domain::{EventLocked, ABI_FIFO};
use crate::engine::write_two;
use crate::virq::VirqClass;
use crate::{Domain, EventChannels, EvtchnError, EvtchnPolicy, EvtchnWorld};

/// What close found on the port, read under the local event lock.
enum Found {
    NotOpen,
    Local,
    Interdomain(Arc<Domain>),
}

fn inspect(chn: &Channel) -> Found {
    match &*chn.state.read() {
        PortState::Free | PortState::Reserved => Found::NotOpen,
        PortState::Interdomain { remote, .. } => Found::Interdomain(remote.clone()),
        _ => Found::Local,
    }
}

impl<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy> EventChannels<M, W, P> {
    /// `EVTCHNOP_close`: closes `port` of `caller`. The remote end of an
    /// interdomain channel becomes unbound again, bindable by the caller.
    ///
    /// Errors: `-EINVAL` (invalid port, or not open).
    pub fn close(&self, caller: &Domain, port: EvtchnPort) -> Result<(), EvtchnError> {
        self.close_port(caller, port.0)
    }

    pub(crate) fn close_port(&self, d1: &Domain, port: u32) -> Result<(), EvtchnError> {
        let chn1 = d1.channel(port).ok_or(EvtchnError::Inval)?;
        let mut g1 = d1.event_lock.lock();
        let d2 = match inspect(chn1) {
            Found::NotOpen => return Err(EvtchnError::Inval),
            Found::Local => return self.close_local(d1, &mut g1, chn1),
            Found::Interdomain(d2) => d2,
        };
        if core::ptr::eq(d1, &*d2) {
            return self.close_interdomain(d1, &mut g1, chn1, &d2);
        }
        if d1.id < d2.id {
            let _g2 = d2.event_lock.lock();
            return self.close_interdomain(d1, &mut g1, chn1, &d2);
        }
        // The remote domain's lock comes first: drop ours, take both in
        // order, and look again — the port may have changed meanwhile.
        drop(g1);
        let _g2 = d2.event_lock.lock();
        let mut g1 = d1.event_lock.lock();
        match inspect(chn1) {
            Found::NotOpen => Err(EvtchnError::Inval),
            Found::Local => self.close_local(d1, &mut g1, chn1),
            Found::Interdomain(now) if Arc::ptr_eq(&now, &d2) => {
                self.close_interdomain(d1, &mut g1, chn1, &d2)
            }
            // Closed and re-bound elsewhere while unlocked: report it as
            // closed, which it was (Xen does the same).
            Found::Interdomain(_) => Err(EvtchnError::Inval),
        }
    }

    /// Closes a port that involves only `d`, with `d`'s event lock held.
    fn close_local(
        &self,
        d: &Domain,
        locked: &mut EventLocked,
        chn: &Channel,
    ) -> Result<(), EvtchnError> {
        let mut state = chn.state.write();
        match *state {
            PortState::Unbound { .. } | PortState::Ipi => {}
            PortState::Pirq { pirq } => {
                self.world.pirq_unbind(d.id, pirq);
                locked.pirqs.remove(&pirq);
            }
            PortState::Virq { virq } => {
                let vcpu = match VirqClass::of(virq) {
                    Some(VirqClass::PerVcpu) => chn.vcpu(),
                    _ => 0,
                };
                if let Some(slot) = d.vcpu(vcpu).and_then(|v| v.virq.get(virq as usize)) {
                    let _ = slot.compare_exchange(chn.port, 0, Ordering::AcqRel, Ordering::Acquire);
                }
            }
            PortState::Free | PortState::Reserved | PortState::Interdomain { .. } => {
                return Err(EvtchnError::Inval)
            }
        }
        self.free_port(d, locked, chn, &mut state);
        Ok(())
    }

    /// Closes interdomain `chn1` of `d1` connected to `d2`, with both event
    /// locks held (`locked1` is `d1`'s).
    fn close_interdomain(
        &self,
        d1: &Domain,
        locked1: &mut EventLocked,
        chn1: &Channel,
        d2: &Domain,
    ) -> Result<(), EvtchnError> {
        let rport = match &*chn1.state.read() {
            PortState::Interdomain { remote_port, .. } => *remote_port,
            _ => return Err(EvtchnError::Inval),
        };
        let Some(chn2) = d2.channel(rport).filter(|c| !core::ptr::eq(*c, chn1)) else {
            // Cannot happen (both ends are bound together); free ours.
            let mut state = chn1.state.write();
            self.free_port(d1, locked1, chn1, &mut state);
            return Ok(());
        };
        let (mut s1, mut s2) = write_two((d1, chn1), (d2, chn2));
        self.free_port(d1, locked1, chn1, &mut s1);
        *s2 = PortState::Unbound { remote: d1.id };
        Ok(())
    }

    /// `EVTCHNOP_reset` (and `EVTCHNOP_reset_cont` with `resuming`): closes
    /// every port of `dom` and returns it to the 2-level ABI.
    ///
    /// Errors: `-ESRCH`, `-EPERM` (not allowed on `dom`), `-EINVAL` (another
    /// domain that its controller has not paused), `-EBUSY` (a reset is
    /// already running, or nothing to resume), `-EAGAIN` (ports were opened
    /// meanwhile), [`EvtchnError::Restart`] (preempted: call again with
    /// `resuming`).
    pub fn reset(&self, caller: &Domain, dom: DomId, resuming: bool) -> Result<(), EvtchnError> {
        let d = self.lookup(caller, dom)?;
        self.check_target(caller, &d)?;
        self.policy.reset(caller.id, d.id)?;
        if d.id != caller.id && !self.world.is_paused_by_controller(d.id) {
            return Err(EvtchnError::Inval);
        }
        let mut port = {
            let mut locked = d.event_lock.lock();
            let start = if resuming {
                locked.next_reset
            } else {
                u32::from(locked.next_reset == 0)
            };
            locked.next_reset = locked.next_reset.max(start);
            start
        };
        if port == 0 {
            return Err(EvtchnError::Busy);
        }
        while d.channel(port).is_some() && d.active.load(Ordering::Acquire) > 0 {
            let _ = self.close_port(&d, port);
            port += 1;
            // Resume after the port just closed, so every call makes
            // progress even if the world always asks to preempt (Xen
            // resumes *at* it).
            if port & 0x3f == 1 && self.world.preempt_check() {
                d.event_lock.lock().next_reset = port;
                return Err(EvtchnError::Restart);
            }
        }
        let mut locked = d.event_lock.lock();
        locked.next_reset = 0;
        if d.active.load(Ordering::Acquire) > 0 {
            return Err(EvtchnError::Again);
        }
        if d.abi.load(Ordering::Acquire) == ABI_FIFO {
            crate::fifo::teardown(&self.cx(), &d, &mut locked);
        }
        Ok(())
    }
}
