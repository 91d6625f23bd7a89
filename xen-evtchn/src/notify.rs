//! Sending and receiving: `EVTCHNOP_send`, `unmask`, `set_priority`,
//! `status`, `bind_vcpu`, the FIFO setup operations, and the hypervisor's
//! own notifications (VIRQs, PIRQs), polling and `vcpu_info` registration.

use core::sync::atomic::Ordering;

use xen_abi::{DomId, EvtchnPort};
use xen_mem::{FrameMemory, Gfn, Mfn, PAGE_SIZE};

use crate::abi::{
    FIFO_CONTROL_BLOCK_SIZE, VCPU_INFO_PENDING_SEL, VCPU_INFO_SIZE, VCPU_INFO_UPCALL_PENDING,
};
use crate::channel::PortState;
use crate::domain::FrameLoc;
use crate::virq::VirqClass;
use crate::{Domain, EventChannels, EvtchnError, EvtchnPolicy, EvtchnWorld};

/// What a port is bound to, as `EVTCHNOP_status` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortStatus {
    /// Free or reserved (`EVTCHNSTAT_closed`).
    Closed,
    /// Waiting for `remote` to bind (`EVTCHNSTAT_unbound`).
    Unbound {
        /// The domain allowed to bind.
        remote: DomId,
    },
    /// Connected (`EVTCHNSTAT_interdomain`).
    Interdomain {
        /// The other end's domain.
        remote: DomId,
        /// The other end's port.
        remote_port: EvtchnPort,
    },
    /// Bound to a PIRQ (`EVTCHNSTAT_pirq`).
    Pirq(u32),
    /// Bound to a VIRQ (`EVTCHNSTAT_virq`).
    Virq(u32),
    /// An IPI port (`EVTCHNSTAT_ipi`).
    Ipi,
}

/// The answer of `EVTCHNOP_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelStatus {
    /// What the port is bound to.
    pub status: PortStatus,
    /// The vCPU it notifies.
    pub vcpu: u32,
}

impl<M: FrameMemory, W: EvtchnWorld, P: EvtchnPolicy> EventChannels<M, W, P> {
    /// `EVTCHNOP_send`: notifies the other end of an interdomain port, or
    /// the bound vCPU of an IPI port; drops the event on an unbound port.
    ///
    /// Errors: `-EINVAL` (invalid port or any other state), or the policy's
    /// refusal.
    #[inline]
    pub fn send(&self, caller: &Domain, port: EvtchnPort) -> Result<(), EvtchnError> {
        let chn = caller.channel(port.0).ok_or(EvtchnError::Inval)?;
        let state = chn.state.read();
        self.policy.send(caller.id, port)?;
        match &*state {
            PortState::Interdomain {
                remote,
                remote_port,
            } => {
                // Our read lock keeps the pair bound: the remote channel
                // cannot change state without our write lock too.
                if let Some(rchn) = remote.channel(*remote_port) {
                    self.cx().set_pending(remote, rchn.vcpu(), rchn);
                }
                Ok(())
            }
            PortState::Ipi => {
                self.cx().set_pending(caller, chn.vcpu(), chn);
                Ok(())
            }
            PortState::Unbound { .. } => Ok(()),
            _ => Err(EvtchnError::Inval),
        }
    }

    /// `EVTCHNOP_unmask`: clears the port's mask and, if it is pending,
    /// notifies its vCPU. A free port is accepted and ignored.
    ///
    /// Errors: `-EINVAL` (invalid port).
    pub fn unmask(&self, caller: &Domain, port: EvtchnPort) -> Result<(), EvtchnError> {
        let chn = caller.channel(port.0).ok_or(EvtchnError::Inval)?;
        let state = chn.state.read();
        if state.is_usable() {
            self.cx().unmask(caller, chn);
        }
        Ok(())
    }

    /// `EVTCHNOP_set_priority` (FIFO only).
    ///
    /// Errors: `-EINVAL` (invalid port, priority above 15), `-ENOSYS`
    /// (2-level ABI), `-EACCES` (port not in use).
    pub fn set_priority(
        &self,
        caller: &Domain,
        port: EvtchnPort,
        priority: u32,
    ) -> Result<(), EvtchnError> {
        let chn = caller.channel(port.0).ok_or(EvtchnError::Inval)?;
        let state = chn.state.read();
        if caller.abi() == crate::Abi::TwoLevel {
            return Err(EvtchnError::NoSys);
        }
        if !state.is_usable() {
            return Err(EvtchnError::Acces);
        }
        self.cx().set_priority(caller, chn, priority)
    }

    /// `EVTCHNOP_status`: what `port` of `dom` is bound to.
    ///
    /// Errors: `-ESRCH`, `-EINVAL` (invalid port), `-EPERM` (not allowed on
    /// `dom`), or the policy's refusal.
    pub fn status(
        &self,
        caller: &Domain,
        dom: DomId,
        port: EvtchnPort,
    ) -> Result<ChannelStatus, EvtchnError> {
        let d = self.lookup(caller, dom)?;
        let chn = d.channel(port.0).ok_or(EvtchnError::Inval)?;
        let _locked = d.event_lock.lock();
        self.check_target(caller, &d)?;
        self.policy.status(caller.id, d.id, port)?;
        let status = match &*chn.state.read() {
            PortState::Free | PortState::Reserved => PortStatus::Closed,
            PortState::Unbound { remote } => PortStatus::Unbound { remote: *remote },
            PortState::Interdomain {
                remote,
                remote_port,
            } => PortStatus::Interdomain {
                remote: remote.id,
                remote_port: EvtchnPort(*remote_port),
            },
            PortState::Pirq { pirq } => PortStatus::Pirq(*pirq),
            PortState::Virq { virq } => PortStatus::Virq(*virq),
            PortState::Ipi => PortStatus::Ipi,
        };
        Ok(ChannelStatus {
            status,
            vcpu: chn.vcpu(),
        })
    }

    /// `EVTCHNOP_bind_vcpu`: notifies `vcpu` for `port` from now on. Allowed
    /// for unbound, interdomain and PIRQ ports and for global and
    /// per-domain VIRQs.
    ///
    /// Errors: `-ENOENT` (no such vCPU), `-EINVAL` (invalid port, or a state
    /// fixed to its vCPU).
    pub fn bind_vcpu(
        &self,
        caller: &Domain,
        port: EvtchnPort,
        vcpu: u32,
    ) -> Result<(), EvtchnError> {
        caller.vcpu(vcpu).ok_or(EvtchnError::NoEnt)?;
        let chn = caller.channel(port.0).ok_or(EvtchnError::Inval)?;
        let _locked = caller.event_lock.lock();
        let state = chn.state.read();
        match *state {
            PortState::Virq { virq } if VirqClass::of(virq).is_some_and(VirqClass::is_movable) => {}
            PortState::Unbound { .. } | PortState::Interdomain { .. } => {}
            PortState::Pirq { pirq } => {
                if chn.vcpu() != vcpu {
                    self.world.pirq_set_affinity(caller.id, pirq, vcpu);
                }
            }
            _ => return Err(EvtchnError::Inval),
        }
        chn.notify_vcpu.store(vcpu, Ordering::Release);
        Ok(())
    }

    /// `EVTCHNOP_init_control`: registers `vcpu`'s FIFO control block at
    /// `offset` of guest frame `gfn`; the first call switches the domain to
    /// the FIFO ABI. Returns the LINK width (`link_bits`, 17).
    ///
    /// Errors: `-ENOENT` (no such vCPU), `-EINVAL` (offset not 8-byte
    /// aligned or block crossing the page, frame not usable, block already
    /// registered).
    pub fn init_control(
        &self,
        caller: &Domain,
        vcpu: u32,
        gfn: Gfn,
        offset: u32,
    ) -> Result<u8, EvtchnError> {
        caller.vcpu(vcpu).ok_or(EvtchnError::NoEnt)?;
        let offset = offset as usize;
        if offset > PAGE_SIZE - FIFO_CONTROL_BLOCK_SIZE || offset % 8 != 0 {
            return Err(EvtchnError::Inval);
        }
        let mut locked = caller.event_lock.lock();
        crate::fifo::init_control(&self.cx(), caller, &mut locked, vcpu, gfn, offset)?;
        Ok(crate::abi::EVTCHN_FIFO_LINK_BITS as u8)
    }

    /// `EVTCHNOP_expand_array`: adds guest frame `gfn` as the next page of
    /// the FIFO event array (1024 more ports).
    ///
    /// Errors: `-EOPNOTSUPP` (not using FIFO), `-ENOSPC` (128 pages
    /// already), `-EINVAL` (frame not usable).
    pub fn expand_array(&self, caller: &Domain, gfn: Gfn) -> Result<(), EvtchnError> {
        let mut locked = caller.event_lock.lock();
        crate::fifo::expand_array(&self.cx(), caller, &mut locked, gfn)
    }

    /// Raises per-vCPU `virq` on `vcpu` of `d` (Xen's
    /// `send_guest_vcpu_virq`). Dropped if not bound or the channel is being
    /// changed right now.
    pub fn send_vcpu_virq(&self, d: &Domain, vcpu: u32, virq: u32) {
        if VirqClass::of(virq) != Some(VirqClass::PerVcpu) {
            return;
        }
        self.deliver_virq(d, vcpu, virq, Some(vcpu));
    }

    /// Raises per-domain or global `virq` in `d` (Xen's
    /// `send_guest_global_virq`), on the vCPU its port notifies.
    pub fn send_domain_virq(&self, d: &Domain, virq: u32) {
        if !VirqClass::of(virq).is_some_and(VirqClass::is_movable) {
            return;
        }
        self.deliver_virq(d, 0, virq, None);
    }

    /// Raises global `virq` in the domain handling it (Xen's
    /// `send_global_virq`): the one set with
    /// [`set_global_virq_handler`](Self::set_global_virq_handler), else the
    /// hardware domain.
    pub fn send_global_virq(&self, virq: u32) {
        if VirqClass::of(virq) != Some(VirqClass::Global) {
            return;
        }
        let handler = self.global_virq.lock()[virq as usize];
        let id = handler.unwrap_or_else(|| self.world.hardware_domain());
        if let Some(d) = self.domain(id) {
            self.deliver_virq(&d, 0, virq, None);
        }
    }

    /// Makes `dom` the receiver of global `virq` (domctl
    /// `set_virq_handler`).
    ///
    /// Errors: `-EINVAL` (not a global VIRQ, or no such domain).
    pub fn set_global_virq_handler(&self, dom: DomId, virq: u32) -> Result<(), EvtchnError> {
        if VirqClass::of(virq) != Some(VirqClass::Global) || self.domain(dom).is_none() {
            return Err(EvtchnError::Inval);
        }
        self.global_virq.lock()[virq as usize] = Some(dom);
        Ok(())
    }

    /// Delivers `virq` bound in `table_vcpu`'s table, to `notify` (or the
    /// port's own notify vCPU).
    fn deliver_virq(&self, d: &Domain, table_vcpu: u32, virq: u32, notify: Option<u32>) {
        let Some(slot) = d.vcpu(table_vcpu).and_then(|v| v.virq.get(virq as usize)) else {
            return;
        };
        let port = slot.load(Ordering::Acquire);
        if port == 0 {
            return;
        }
        let Some(chn) = d.channel(port) else {
            return;
        };
        // Never wait here (this may run in interrupt context): if the
        // channel is being changed, the event is dropped, as in Xen.
        let Some(state) = chn.state.try_read() else {
            return;
        };
        // Re-check under the lock that the port is still this VIRQ's.
        if !matches!(*state, PortState::Virq { virq: v } if v == virq) {
            return;
        }
        let vcpu = notify.unwrap_or_else(|| chn.vcpu());
        if notify.is_some() && chn.vcpu() != vcpu {
            return;
        }
        self.cx().set_pending(d, vcpu, chn);
    }

    /// Raises the PIRQ bound to `port` of `d` (Xen's `send_guest_pirq`; the
    /// world learnt the port in [`EvtchnWorld::pirq_bind`]).
    pub fn send_pirq(&self, d: &Domain, port: EvtchnPort) {
        let Some(chn) = d.channel(port.0) else {
            return;
        };
        let Some(state) = chn.state.try_read() else {
            return;
        };
        if matches!(*state, PortState::Pirq { .. }) {
            self.cx().set_pending(d, chn.vcpu(), chn);
        }
    }

    /// Whether `port` of `d` is pending, for `SCHEDOP_poll` (Xen's
    /// `evtchn_port_poll`).
    ///
    /// Errors: `-EINVAL` (invalid or unusable port).
    pub fn poll_port(&self, d: &Domain, port: EvtchnPort) -> Result<bool, EvtchnError> {
        let chn = d.channel(port.0).ok_or(EvtchnError::Inval)?;
        let state = chn.state.read();
        if !state.is_usable() {
            return Err(EvtchnError::Inval);
        }
        Ok(self.cx().is_pending(d, chn))
    }

    /// Whether `port` of `d` is pending and whether it is masked, as the
    /// current ABI sees it (`None` for an invalid port).
    pub fn port_pending_masked(&self, d: &Domain, port: EvtchnPort) -> Option<(bool, bool)> {
        let chn = d.channel(port.0)?;
        let state = chn.state.read();
        let cx = self.cx();
        let usable = state.is_usable();
        Some((
            usable && cx.is_pending(d, chn),
            !usable || cx.is_masked(d, chn),
        ))
    }

    /// `VCPUOP_register_vcpu_info`'s event part: moves `vcpu`'s `vcpu_info`
    /// to `offset` of machine frame `mfn` (translated and referenced by the
    /// caller), copying the old contents, then marks every selector bit and
    /// the upcall pending so no event is lost across the move.
    ///
    /// Errors: `-ENOENT` (no such vCPU), `-EINVAL` (block crossing the page,
    /// offset not 8-byte aligned, already registered).
    pub fn register_vcpu_info(
        &self,
        d: &Domain,
        vcpu: u32,
        mfn: Mfn,
        offset: u32,
    ) -> Result<(), EvtchnError> {
        let v = d.vcpu(vcpu).ok_or(EvtchnError::NoEnt)?;
        let offset = offset as usize;
        if offset > PAGE_SIZE - VCPU_INFO_SIZE || offset % 8 != 0 {
            return Err(EvtchnError::Inval);
        }
        let new = FrameLoc { mfn, offset };
        let raw = new.encode()?;
        let _locked = d.event_lock.lock();
        if v.vcpu_info_registered.swap(true, Ordering::AcqRel) {
            return Err(EvtchnError::Inval);
        }
        if let Some(old) = v.vcpu_info() {
            let _ = self
                .mem
                .copy(old.mfn, old.offset, new.mfn, new.offset, VCPU_INFO_SIZE);
        }
        v.vcpu_info.store(raw, Ordering::Release);
        let sel = new.at(VCPU_INFO_PENDING_SEL);
        let _ = self.mem.fetch_or::<u64>(sel.mfn, sel.offset, u64::MAX);
        let up = new.at(VCPU_INFO_UPCALL_PENDING);
        let _ = self.mem.fetch_or::<u8>(up.mfn, up.offset, 1);
        self.world.kick(d.id, vcpu);
        Ok(())
    }
}
