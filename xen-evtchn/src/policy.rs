//! [`EvtchnPolicy`]: the access-control hook (Xen's XSM event-channel hooks;
//! `xen-acm` plugs its decisions in here). Every hook defaults to "allow", so
//! [`AllowAll`] is the policy of a system without one.
//!
//! The hooks come on top of Xen's built-in privilege checks (a domain acts
//! on its own channels; acting on another's needs
//! [`EvtchnWorld::may_control`](crate::EvtchnWorld::may_control)); a policy
//! can only refuse more. A refusal is returned to the guest unchanged, so
//! return [`EvtchnError::Perm`] or [`EvtchnError::Acces`] as the policy's
//! convention dictates. Hooks run with a domain's event lock held and must
//! not call back into the engine.

use xen_abi::{DomId, EvtchnPort};

use crate::EvtchnError;

/// Access-control decisions on event-channel operations.
pub trait EvtchnPolicy: Sync {
    /// `caller` allocates an unbound port in `dom` that `remote` may bind
    /// (`EVTCHNOP_alloc_unbound`; Xen's `xsm_evtchn_unbound`).
    fn alloc_unbound(&self, caller: DomId, dom: DomId, remote: DomId) -> Result<(), EvtchnError> {
        let _ = (caller, dom, remote);
        Ok(())
    }

    /// `local` binds a new port to `remote`'s unbound `remote_port`
    /// (`EVTCHNOP_bind_interdomain`; `xsm_evtchn_interdomain`).
    fn bind_interdomain(
        &self,
        local: DomId,
        remote: DomId,
        remote_port: EvtchnPort,
    ) -> Result<(), EvtchnError> {
        let _ = (local, remote, remote_port);
        Ok(())
    }

    /// `dom` sends on its `port` (`EVTCHNOP_send`; `xsm_evtchn_send`).
    /// Called on every send: keep it cheap.
    fn send(&self, dom: DomId, port: EvtchnPort) -> Result<(), EvtchnError> {
        let _ = (dom, port);
        Ok(())
    }

    /// `caller` reads the status of `port` of `dom` (`EVTCHNOP_status`).
    fn status(&self, caller: DomId, dom: DomId, port: EvtchnPort) -> Result<(), EvtchnError> {
        let _ = (caller, dom, port);
        Ok(())
    }

    /// `caller` resets all channels of `dom` (`EVTCHNOP_reset`).
    fn reset(&self, caller: DomId, dom: DomId) -> Result<(), EvtchnError> {
        let _ = (caller, dom);
        Ok(())
    }
}

/// The policy that allows everything the built-in checks allow.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowAll;

impl EvtchnPolicy for AllowAll {}
