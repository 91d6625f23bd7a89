//! [`EventChannels`]: the engine. It owns the registry of domains with event
//! channels, and implements every `EVTCHNOP` plus the hypervisor-internal
//! entry points (VIRQ and PIRQ delivery, vCPU-info registration, domain
//! destruction).
//!
//! # Lock order
//! 1. the domain registry (only to look a domain up or change the set; never
//!    held while taking any other lock);
//! 2. domains' event locks — of two domains, the one with the **lower domain
//!    id first** (one lock when both are the same domain);
//! 3. channel locks — of two channels, lower (domain id, port) first;
//! 4. FIFO queue locks — of two queues of one domain, lower (vCPU, priority)
//!    first;
//! 5. the global-VIRQ handler table (leaf).
//!
//! Every operation that needs two event locks knows both domains before
//! taking the first lock, except close, which learns the remote domain
//! under the local lock: if the remote id is lower it drops its lock, takes
//! both in order and re-validates (Xen's `evtchn_close()` does the same).
//! So no cycle of waits can form. World and policy callbacks never call back
//! into the engine.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use xen_abi::DomId;
use xen_mem::FrameMemory;

use crate::channel::{Channel, PortState};
use crate::domain::{Domain, DomainConfig, EventLocked};
use crate::port_ops::Cx;
use crate::virq::NR_VIRQS;
use crate::{AllowAll, EvtchnError, EvtchnPolicy, EvtchnWorld};

/// Xen's event channels for a set of domains, over guest memory `M`, the
/// domain world `W` and access-control policy `P`.
pub struct EventChannels<M, W, P = AllowAll> {
    pub(crate) mem: M,
    pub(crate) world: W,
    pub(crate) policy: P,
    domains: spin::RwLock<BTreeMap<DomId, Arc<Domain>>>,
    pub(crate) global_virq: spin::Mutex<[Option<DomId>; NR_VIRQS]>,
}

impl<M: FrameMemory, W: EvtchnWorld> EventChannels<M, W, AllowAll> {
    /// An engine with no access-control policy beyond Xen's built-in checks.
    pub fn new(mem: M, world: W) -> Self {
        Self::with_policy(mem, world, AllowAll)
    }
}

impl<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy> EventChannels<M, W, P> {
    /// An engine consulting `policy` on bind, send, status and reset.
    pub fn with_policy(mem: M, world: W, policy: P) -> Self {
        Self {
            mem,
            world,
            policy,
            domains: spin::RwLock::new(BTreeMap::new()),
            global_virq: spin::Mutex::new([None; NR_VIRQS]),
        }
    }

    /// The guest memory.
    pub fn memory(&self) -> &M {
        &self.mem
    }

    /// The domain world.
    pub fn world(&self) -> &W {
        &self.world
    }

    /// The access-control policy.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    pub(crate) fn cx(&self) -> Cx<'_, M, W> {
        Cx {
            mem: &self.mem,
            world: &self.world,
        }
    }

    /// Gives domain `id` event channels (Xen's `evtchn_init`): port 0
    /// reserved, 2-level ABI, no port bound. `-EEXIST` if it has them
    /// already, `-EINVAL` for a reserved id or a bad configuration.
    pub fn create_domain(
        &self,
        id: DomId,
        config: DomainConfig,
    ) -> Result<Arc<Domain>, EvtchnError> {
        if !id.is_regular() {
            return Err(EvtchnError::Inval);
        }
        let d = Arc::new(Domain::new(id, config)?);
        let mut domains = self.domains.write();
        if domains.contains_key(&id) {
            return Err(EvtchnError::Exist);
        }
        domains.insert(id, d.clone());
        Ok(d)
    }

    /// The domain `id`, if it has event channels.
    pub fn domain(&self, id: DomId) -> Option<Arc<Domain>> {
        self.domains.read().get(&id).cloned()
    }

    /// Ids of every domain with event channels.
    pub fn domain_ids(&self) -> alloc::vec::Vec<DomId> {
        self.domains.read().keys().copied().collect()
    }

    /// Resolves a domain argument of a hypercall made by `caller`
    /// (`DOMID_SELF` is the caller; Xen's `rcu_lock_domain_by_any_id`).
    pub(crate) fn lookup(&self, caller: &Domain, id: DomId) -> Result<Arc<Domain>, EvtchnError> {
        let id = if id == DomId::SELF { caller.id } else { id };
        self.domain(id).ok_or(EvtchnError::Srch)
    }

    /// Xen's `XSM_TARGET` default: a domain acts on itself; on another only
    /// if the world says it controls it.
    pub(crate) fn check_target(&self, caller: &Domain, target: &Domain) -> Result<(), EvtchnError> {
        if caller.id == target.id || self.world.may_control(caller.id, target.id) {
            Ok(())
        } else {
            Err(EvtchnError::Perm)
        }
    }

    /// Tears down domain `d`'s event channels (Xen's `evtchn_destroy`):
    /// removes it from the registry, refuses new ports, closes every port
    /// (remote ends of its interdomain channels become unbound again),
    /// forgets its global-VIRQ roles and releases its FIFO frames.
    ///
    /// Preemptible: returns [`EvtchnError::Restart`] when the world asks to
    /// preempt; call again with the same domain to continue.
    pub fn destroy_domain(&self, d: &Arc<Domain>) -> Result<(), EvtchnError> {
        {
            let mut domains = self.domains.write();
            if domains.get(&d.id).is_some_and(|x| Arc::ptr_eq(x, d)) {
                domains.remove(&d.id);
            }
        }
        let mut port = {
            let mut locked = d.event_lock.lock();
            d.dying.store(true, Ordering::Release);
            *locked.destroy_next.get_or_insert(d.table.valid())
        };
        while port > 1 {
            port -= 1;
            let _ = self.close_port(d, port);
            if port & 0x3f == 0 && port > 1 && self.world.preempt_check() {
                d.event_lock.lock().destroy_next = Some(port);
                return Err(EvtchnError::Restart);
            }
        }
        {
            let mut handlers = self.global_virq.lock();
            for h in handlers.iter_mut() {
                if *h == Some(d.id) {
                    *h = None;
                }
            }
        }
        let mut locked = d.event_lock.lock();
        locked.destroy_next = Some(0);
        crate::fifo::teardown(&self.cx(), d, &mut locked);
        Ok(())
    }

    /// Xen's `get_free_port()`: the lowest free, non-busy port (creating its
    /// bucket), with the event lock held. Does not change the port's state.
    pub(crate) fn get_free_port(
        &self,
        d: &Domain,
        locked: &mut EventLocked,
    ) -> Result<u32, EvtchnError> {
        if d.is_dying() {
            return Err(EvtchnError::Inval);
        }
        let limit = d.max_port.min(d.abi_port_limit() - 1);
        let cx = self.cx();
        let mut first_free = None;
        let mut port = locked.free_hint.max(1);
        while port <= limit {
            d.table.grow_to(port)?;
            let chn = d.channel(port).ok_or(EvtchnError::NoSpc)?;
            if matches!(*chn.state.read(), PortState::Free) {
                first_free.get_or_insert(port);
                if !cx.is_busy(d, chn) {
                    locked.free_hint = first_free.unwrap_or(port);
                    return Ok(port);
                }
            }
            port += 1;
        }
        locked.free_hint = first_free.unwrap_or(port);
        Err(EvtchnError::NoSpc)
    }

    /// Marks a newly allocated port in use (state already set by caller).
    pub(crate) fn port_taken(&self, d: &Domain, chn: &Channel) {
        d.active.fetch_add(1, Ordering::AcqRel);
        self.cx().init(d, chn);
    }

    /// Xen's `evtchn_free()`: clears pending, frees the port. Called with the
    /// event lock and the channel's write lock held.
    pub(crate) fn free_port(
        &self,
        d: &Domain,
        locked: &mut EventLocked,
        chn: &Channel,
        state: &mut PortState,
    ) {
        self.cx().clear_pending(d, chn);
        d.active.fetch_sub(1, Ordering::AcqRel);
        *state = PortState::Free;
        chn.notify_vcpu.store(0, Ordering::Release);
        locked.free_hint = locked.free_hint.min(chn.port);
    }
}

/// Locks the event locks of `a` and `b` in lock order; the second guard is
/// `None` when they are the same domain. Guards are returned as (a, b).
pub(crate) fn lock_two<'a>(
    a: &'a Domain,
    b: &'a Domain,
) -> (
    spin::MutexGuard<'a, EventLocked>,
    Option<spin::MutexGuard<'a, EventLocked>>,
) {
    if core::ptr::eq(a, b) {
        (a.event_lock.lock(), None)
    } else if a.id < b.id || (a.id == b.id && (a as *const Domain) < (b as *const Domain)) {
        let ga = a.event_lock.lock();
        let gb = b.event_lock.lock();
        (ga, Some(gb))
    } else {
        let gb = b.event_lock.lock();
        let ga = a.event_lock.lock();
        (ga, Some(gb))
    }
}

/// Write-locks two distinct channels in lock order; guards as (a, b).
pub(crate) fn write_two<'a>(
    (da, a): (&Domain, &'a Channel),
    (db, b): (&Domain, &'a Channel),
) -> (
    spin::RwLockWriteGuard<'a, PortState>,
    spin::RwLockWriteGuard<'a, PortState>,
) {
    if (da.id, a.port) <= (db.id, b.port) {
        let ga = a.state.write();
        let gb = b.state.write();
        (ga, gb)
    } else {
        let gb = b.state.write();
        let ga = a.state.write();
        (ga, gb)
    }
}
