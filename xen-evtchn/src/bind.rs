//! Allocating and binding ports: `EVTCHNOP_alloc_unbound`,
//! `bind_interdomain`, `bind_virq`, `bind_ipi` and `bind_pirq`.
//!
//! Each checks its arguments in the order Xen 4.17 does, so a call with
//! several faults fails with the same error as on Xen.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use xen_abi::{DomId, EvtchnPort};
use xen_mem::FrameMemory;

use crate::channel::PortState;
use crate::engine::{lock_two, write_two};
use crate::virq::VirqClass;
use crate::{Domain, EventChannels, EvtchnError, EvtchnPolicy, EvtchnWorld};

impl<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy> EventChannels<M, W, P> {
    /// `EVTCHNOP_alloc_unbound`: `caller` allocates a port in domain `dom`
    /// (itself, or one it controls) that `remote` may later bind to.
    /// `DOMID_SELF` as `remote` means the caller.
    ///
    /// Errors: `-ESRCH` (no `dom`), `-ENOSPC`/`-ENOMEM`/`-EINVAL` (no port;
    /// `dom` dying), `-EPERM` (not allowed).
    pub fn alloc_unbound(
        &self,
        caller: &Domain,
        dom: DomId,
        remote: DomId,
    ) -> Result<EvtchnPort, EvtchnError> {
        let d = self.lookup(caller, dom)?;
        let mut locked = d.event_lock.lock();
        let port = self.get_free_port(&d, &mut locked)?;
        self.check_target(caller, &d)?;
        let remote = if remote == DomId::SELF {
            caller.id
        } else {
            remote
        };
        self.policy.alloc_unbound(caller.id, d.id, remote)?;
        let chn = d.channel(port).ok_or(EvtchnError::Inval)?;
        *chn.state.write() = PortState::Unbound { remote };
        self.port_taken(&d, chn);
        Ok(EvtchnPort(port))
    }

    /// `EVTCHNOP_bind_interdomain`: connects a new port of `caller` to the
    /// unbound `remote_port` of `remote_dom` (which must have been allocated
    /// for the caller), and marks the new port pending, since events sent to
    /// the unbound port were dropped.
    ///
    /// Errors: `-ESRCH`, `-ENOSPC`/`-ENOMEM`, `-EINVAL` (remote port not
    /// unbound for the caller), or the policy's refusal.
    pub fn bind_interdomain(
        &self,
        caller: &Arc<Domain>,
        remote_dom: DomId,
        remote_port: EvtchnPort,
    ) -> Result<EvtchnPort, EvtchnError> {
        let ld = caller;
        let rd = if remote_dom == DomId::SELF {
            ld.clone()
        } else {
            self.lookup(ld, remote_dom)?
        };
        let (mut llocked, _rlocked) = lock_two(ld, &rd);
        let lport = self.get_free_port(ld, &mut llocked)?;
        let lchn = ld.channel(lport).ok_or(EvtchnError::Inval)?;
        let rchn = rd.channel(remote_port.0).ok_or(EvtchnError::Inval)?;
        match *rchn.state.read() {
            PortState::Unbound { remote } if remote == ld.id => {}
            _ => return Err(EvtchnError::Inval),
        }
        self.policy.bind_interdomain(ld.id, rd.id, remote_port)?;

        let (mut lstate, mut rstate) = write_two((ld, lchn), (&rd, rchn));
        *lstate = PortState::Interdomain {
            remote: rd.clone(),
            remote_port: remote_port.0,
        };
        self.port_taken(ld, lchn);
        *rstate = PortState::Interdomain {
            remote: ld.clone(),
            remote_port: lport,
        };
        // Notifications sent while the remote port was unbound were lost.
        self.cx().set_pending(ld, lchn.vcpu(), lchn);
        Ok(EvtchnPort(lport))
    }

    /// `EVTCHNOP_bind_virq`: binds `virq` on `vcpu` of the caller.
    /// Non-per-vCPU VIRQs must be bound on vCPU 0.
    ///
    /// Errors: `-EINVAL` (bad VIRQ, or a non-zero vCPU for a global or
    /// per-domain VIRQ), `-ENOENT` (no such vCPU), `-EEXIST` (already
    /// bound there), `-ENOSPC`/`-ENOMEM`.
    pub fn bind_virq(
        &self,
        caller: &Domain,
        virq: u32,
        vcpu: u32,
    ) -> Result<EvtchnPort, EvtchnError> {
        let class = VirqClass::of(virq).ok_or(EvtchnError::Inval)?;
        if class.is_movable() && vcpu != 0 {
            return Err(EvtchnError::Inval);
        }
        let v = caller.vcpu(vcpu).ok_or(EvtchnError::NoEnt)?;
        let slot = &v.virq[virq as usize];
        let mut locked = caller.event_lock.lock();
        if slot.load(Ordering::Acquire) != 0 {
            return Err(EvtchnError::Exist);
        }
        let port = self.get_free_port(caller, &mut locked)?;
        let chn = caller.channel(port).ok_or(EvtchnError::Inval)?;
        {
            let mut state = chn.state.write();
            *state = PortState::Virq { virq };
            chn.notify_vcpu.store(vcpu, Ordering::Release);
            self.port_taken(caller, chn);
        }
        // Published last: delivery finds a fully bound channel.
        slot.store(port, Ordering::Release);
        Ok(EvtchnPort(port))
    }

    /// `EVTCHNOP_bind_ipi`: a port that `vcpu` of the caller is notified on
    /// when the caller sends on it.
    ///
    /// Errors: `-ENOENT` (no such vCPU), `-ENOSPC`/`-ENOMEM`.
    pub fn bind_ipi(&self, caller: &Domain, vcpu: u32) -> Result<EvtchnPort, EvtchnError> {
        caller.vcpu(vcpu).ok_or(EvtchnError::NoEnt)?;
        let mut locked = caller.event_lock.lock();
        let port = self.get_free_port(caller, &mut locked)?;
        let chn = caller.channel(port).ok_or(EvtchnError::Inval)?;
        let mut state = chn.state.write();
        *state = PortState::Ipi;
        chn.notify_vcpu.store(vcpu, Ordering::Release);
        self.port_taken(caller, chn);
        Ok(EvtchnPort(port))
    }

    /// `EVTCHNOP_bind_pirq`: binds physical IRQ `pirq` to a new port of the
    /// caller, notified on vCPU 0. The interrupt plumbing is the world's
    /// ([`EvtchnWorld::pirq_bind`]); deliver with
    /// [`send_pirq`](Self::send_pirq).
    ///
    /// Errors: `-EINVAL` (`pirq` out of range), `-EPERM` (not permitted),
    /// `-EEXIST` (already bound), `-ENOSPC`/`-ENOMEM`, or the world's error.
    pub fn bind_pirq(
        &self,
        caller: &Domain,
        pirq: u32,
        will_share: bool,
    ) -> Result<EvtchnPort, EvtchnError> {
        if pirq >= self.world.nr_pirqs(caller.id) {
            return Err(EvtchnError::Inval);
        }
        if !self.world.pirq_access_permitted(caller.id, pirq) {
            return Err(EvtchnError::Perm);
        }
        let mut locked = caller.event_lock.lock();
        if locked.pirqs.contains_key(&pirq) {
            return Err(EvtchnError::Exist);
        }
        let port = self.get_free_port(caller, &mut locked)?;
        let chn = caller.channel(port).ok_or(EvtchnError::Inval)?;
        self.world
            .pirq_bind(caller.id, pirq, EvtchnPort(port), will_share)?;
        locked.pirqs.insert(pirq, port);
        let mut state = chn.state.write();
        *state = PortState::Pirq { pirq };
        self.port_taken(caller, chn);
        Ok(EvtchnPort(port))
    }
}
