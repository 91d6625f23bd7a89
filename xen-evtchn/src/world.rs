//! [`EvtchnWorld`]: what the engine needs from the hypervisor around it —
//! privilege between domains, guest frames, vCPU kicks, PIRQ plumbing and
//! preemption — kept narrow so a host implementation can stand in for tests.
//!
//! Which domains exist is the engine's own registry
//! ([`EventChannels::create_domain`](crate::EventChannels::create_domain));
//! the world answers everything else about them.

use alloc::sync::Arc;

use xen_abi::{DomId, EvtchnPort};
use xen_mem::{Gfn, Mfn};

use crate::EvtchnError;

/// The domain and vCPU world as the event-channel engine sees it.
///
/// Every method may be called concurrently from several CPUs; the engine may
/// hold a domain's event lock or a channel lock while calling, so
/// implementations must not call back into the engine.
pub trait EvtchnWorld: Sync {
    /// A vCPU's `evtchn_upcall_pending` just went from 0 to 1: deliver the
    /// upcall (inject the callback vector, unblock the vCPU, IPI its CPU…).
    /// This is the last step of Xen's `vcpu_mark_events_pending()`.
    fn kick(&self, dom: DomId, vcpu: u32);

    /// Whether `caller` may act on `target`'s channels where Xen's default
    /// policy says `XSM_TARGET`: allocating an unbound port in `target`,
    /// reading a port's status, resetting its channels. `caller == target`
    /// is checked by the engine before asking; answer for the others (the
    /// control domain, or `target`'s device model).
    fn may_control(&self, caller: DomId, target: DomId) -> bool;

    /// Whether `dom` is paused by its controller, which `EVTCHNOP_reset` of
    /// another domain requires.
    fn is_paused_by_controller(&self, dom: DomId) -> bool;

    /// The domain that receives global VIRQs nobody claimed with
    /// [`EventChannels::set_global_virq_handler`](crate::EventChannels::set_global_virq_handler).
    fn hardware_domain(&self) -> DomId {
        DomId(0)
    }

    /// Takes a writable reference on guest frame `gfn` of `dom` (for a FIFO
    /// control block or event-array page) and returns its machine frame, or
    /// `None` when `gfn` is not a writable RAM page of `dom`. Each `Some` is
    /// matched by one [`put_frame`](Self::put_frame).
    fn get_frame(&self, dom: DomId, gfn: Gfn) -> Option<Mfn>;

    /// Drops the reference taken by [`get_frame`](Self::get_frame).
    fn put_frame(&self, dom: DomId, mfn: Mfn);

    /// A port of `dom` just became pending: wake vCPUs blocked in
    /// `SCHEDOP_poll` on it (Xen's `evtchn_check_pollers()`).
    fn check_pollers(&self, dom: DomId, port: EvtchnPort) {
        let _ = (dom, port);
    }

    /// Whether a long operation (reset, destroy) should stop here and
    /// continue later (Xen's `hypercall_preempt_check()`).
    fn preempt_check(&self) -> bool {
        false
    }

    /// Number of PIRQs `dom` has (`d->nr_pirqs`); ports of larger numbers
    /// are refused with `-EINVAL`.
    fn nr_pirqs(&self, dom: DomId) -> u32 {
        let _ = dom;
        0
    }

    /// Whether `dom` may bind `pirq` (`-EPERM` otherwise). Xen skips this
    /// for HVM domains; answer `true` for them.
    fn pirq_access_permitted(&self, dom: DomId, pirq: u32) -> bool {
        let _ = (dom, pirq);
        false
    }

    /// Connects physical `pirq` to `port` of `dom` (Xen's `pirq_guest_bind`
    /// for PV domains; nothing for HVM). On error the port stays free.
    fn pirq_bind(
        &self,
        dom: DomId,
        pirq: u32,
        port: EvtchnPort,
        will_share: bool,
    ) -> Result<(), EvtchnError> {
        let _ = (dom, pirq, port, will_share);
        Err(EvtchnError::Inval)
    }

    /// Disconnects `pirq` of `dom` (its port is being closed).
    fn pirq_unbind(&self, dom: DomId, pirq: u32) {
        let _ = (dom, pirq);
    }

    /// `pirq` of `dom` now notifies `vcpu`: steer the interrupt there.
    fn pirq_set_affinity(&self, dom: DomId, pirq: u32, vcpu: u32) {
        let _ = (dom, pirq, vcpu);
    }
}

macro_rules! forward_world {
    ($($ptr:ty),*) => {$(
        impl<T: EvtchnWorld + ?Sized + Send> EvtchnWorld for $ptr {
            fn kick(&self, dom: DomId, vcpu: u32) {
                (**self).kick(dom, vcpu)
            }
            fn may_control(&self, caller: DomId, target: DomId) -> bool {
                (**self).may_control(caller, target)
            }
            fn is_paused_by_controller(&self, dom: DomId) -> bool {
                (**self).is_paused_by_controller(dom)
            }
            fn hardware_domain(&self) -> DomId {
                (**self).hardware_domain()
            }
            fn get_frame(&self, dom: DomId, gfn: Gfn) -> Option<Mfn> {
                (**self).get_frame(dom, gfn)
            }
            fn put_frame(&self, dom: DomId, mfn: Mfn) {
                (**self).put_frame(dom, mfn)
            }
            fn check_pollers(&self, dom: DomId, port: EvtchnPort) {
                (**self).check_pollers(dom, port)
            }
            fn preempt_check(&self) -> bool {
                (**self).preempt_check()
            }
            fn nr_pirqs(&self, dom: DomId) -> u32 {
                (**self).nr_pirqs(dom)
            }
            fn pirq_access_permitted(&self, dom: DomId, pirq: u32) -> bool {
                (**self).pirq_access_permitted(dom, pirq)
            }
            fn pirq_bind(
                &self,
                dom: DomId,
                pirq: u32,
                port: EvtchnPort,
                will_share: bool,
            ) -> Result<(), EvtchnError> {
                (**self).pirq_bind(dom, pirq, port, will_share)
            }
            fn pirq_unbind(&self, dom: DomId, pirq: u32) {
                (**self).pirq_unbind(dom, pirq)
            }
            fn pirq_set_affinity(&self, dom: DomId, pirq: u32, vcpu: u32) {
                (**self).pirq_set_affinity(dom, pirq, vcpu)
            }
        }
    )*};
}
forward_world!(Arc<T>, &T);
