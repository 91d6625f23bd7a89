//! [`HostWorld`]: an [`EvtchnWorld`] for running the engine on an ordinary
//! host — tests, benchmarks, simulators. Domains are entries in a table;
//! vCPUs are kick counters that threads standing in for vCPUs can block on;
//! each domain has a toy physical-to-machine map with frame reference
//! counts, so tests can check that every frame reference is returned.
//!
//! Kicking a vCPU writes only that vCPU's own cache line and reads a flag
//! that is written only when its thread goes to sleep, so a kick costs no
//! shared-lock traffic.

use std::boxed::Box;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

use xen_abi::{DomId, EvtchnPort};
use xen_mem::{FrameMemory, Gfn, HostMemory, Mfn};

use crate::{Domain, DomainConfig, EventChannels, EvtchnError, EvtchnPolicy, EvtchnWorld};

/// A vCPU: how often it was kicked, and the thread waiting for a kick.
#[repr(align(128))]
struct HostVcpu {
    kicks: AtomicU64,
    waiting: AtomicBool,
    thread: Mutex<Option<Thread>>,
}

impl HostVcpu {
    fn new() -> Self {
        Self {
            kicks: AtomicU64::new(0),
            waiting: AtomicBool::new(false),
            thread: Mutex::new(None),
        }
    }
}

#[derive(Default)]
struct Frames {
    p2m: BTreeMap<u64, Mfn>,
    refs: BTreeMap<u64, u32>,
}

#[derive(Default)]
struct Pirqs {
    nr: u32,
    permitted: BTreeSet<u32>,
    bound: BTreeMap<u32, EvtchnPort>,
    affinity: BTreeMap<u32, u32>,
}

/// One domain of the host world.
struct HostDomain {
    vcpus: Box<[HostVcpu]>,
    privileged: AtomicBool,
    device_model: Mutex<BTreeSet<DomId>>,
    paused: AtomicBool,
    frames: Mutex<Frames>,
    pirqs: Mutex<Pirqs>,
    poll_wakeups: AtomicU64,
}

/// The world of host tests: domains, vCPUs as kick counters, guest frames.
pub struct HostWorld {
    domains: Box<[OnceLock<HostDomain>]>,
    hardware: DomId,
    preempt_every: AtomicU32,
    preempt_calls: AtomicU32,
}

impl HostWorld {
    /// A world able to hold domains `0..max_domains`; domain 0 is the
    /// hardware domain.
    pub fn new(max_domains: u16) -> Self {
        Self {
            domains: (0..max_domains).map(|_| OnceLock::new()).collect(),
            hardware: DomId(0),
            preempt_every: AtomicU32::new(0),
            preempt_calls: AtomicU32::new(0),
        }
    }

    fn dom(&self, dom: DomId) -> Option<&HostDomain> {
        self.domains.get(dom.0 as usize)?.get()
    }

    fn vcpu(&self, dom: DomId, vcpu: u32) -> Option<&HostVcpu> {
        self.dom(dom)?.vcpus.get(vcpu as usize)
    }

    /// Adds domain `dom` with `nr_vcpus` vCPUs.
    ///
    /// # Panics
    /// If `dom` is out of range or already added (a test bug).
    pub fn add_domain(&self, dom: DomId, nr_vcpus: u32) {
        let d = HostDomain {
            vcpus: (0..nr_vcpus).map(|_| HostVcpu::new()).collect(),
            privileged: AtomicBool::new(false),
            device_model: Mutex::new(BTreeSet::new()),
            paused: AtomicBool::new(false),
            frames: Mutex::new(Frames::default()),
            pirqs: Mutex::new(Pirqs::default()),
            poll_wakeups: AtomicU64::new(0),
        };
        assert!(
            self.domains[dom.0 as usize].set(d).is_ok(),
            "domain {dom:?} added twice"
        );
    }

    /// Makes `dom` a control domain (it may act on every domain).
    pub fn set_privileged(&self, dom: DomId, privileged: bool) {
        if let Some(d) = self.dom(dom) {
            d.privileged.store(privileged, Ordering::SeqCst);
        }
    }

    /// Makes `dm` the device model of `target` (it may act on `target`).
    pub fn set_device_model(&self, dm: DomId, target: DomId) {
        if let Some(d) = self.dom(target) {
            d.device_model.lock().unwrap().insert(dm);
        }
    }

    /// Marks `dom` as paused (or not) by its controller.
    pub fn set_paused(&self, dom: DomId, paused: bool) {
        if let Some(d) = self.dom(dom) {
            d.paused.store(paused, Ordering::SeqCst);
        }
    }

    /// Maps guest frame `gfn` of `dom` to machine frame `mfn`.
    pub fn map_gfn(&self, dom: DomId, gfn: Gfn, mfn: Mfn) {
        if let Some(d) = self.dom(dom) {
            d.frames.lock().unwrap().p2m.insert(gfn.0, mfn);
        }
    }

    /// Removes guest frame `gfn` of `dom` from its map.
    pub fn unmap_gfn(&self, dom: DomId, gfn: Gfn) {
        if let Some(d) = self.dom(dom) {
            d.frames.lock().unwrap().p2m.remove(&gfn.0);
        }
    }

    /// References the engine holds on frames of `dom`.
    pub fn frame_refs(&self, dom: DomId) -> u32 {
        self.dom(dom)
            .map_or(0, |d| d.frames.lock().unwrap().refs.values().sum())
    }

    /// Times `vcpu` of `dom` was kicked.
    pub fn kicks(&self, dom: DomId, vcpu: u32) -> u64 {
        self.vcpu(dom, vcpu)
            .map_or(0, |v| v.kicks.load(Ordering::SeqCst))
    }

    /// Blocks the calling thread (playing `vcpu` of `dom`) until the vCPU's
    /// kick count exceeds `seen`, or `timeout` passes; returns the count.
    pub fn wait_for_kick(&self, dom: DomId, vcpu: u32, seen: u64, timeout: Duration) -> u64 {
        let Some(v) = self.vcpu(dom, vcpu) else {
            return 0;
        };
        let deadline = Instant::now() + timeout;
        *v.thread.lock().unwrap() = Some(std::thread::current());
        loop {
            v.waiting.store(true, Ordering::SeqCst);
            let now = v.kicks.load(Ordering::SeqCst);
            if now > seen {
                v.waiting.store(false, Ordering::SeqCst);
                return now;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                v.waiting.store(false, Ordering::SeqCst);
                return now;
            }
            std::thread::park_timeout(left);
        }
    }

    /// Gives `dom` `nr` PIRQs.
    pub fn set_nr_pirqs(&self, dom: DomId, nr: u32) {
        if let Some(d) = self.dom(dom) {
            d.pirqs.lock().unwrap().nr = nr;
        }
    }

    /// Permits `dom` to bind `pirq`.
    pub fn permit_pirq(&self, dom: DomId, pirq: u32) {
        if let Some(d) = self.dom(dom) {
            d.pirqs.lock().unwrap().permitted.insert(pirq);
        }
    }

    /// The port `pirq` of `dom` is bound to, if any.
    pub fn pirq_port(&self, dom: DomId, pirq: u32) -> Option<EvtchnPort> {
        self.dom(dom)?
            .pirqs
            .lock()
            .unwrap()
            .bound
            .get(&pirq)
            .copied()
    }

    /// The vCPU `pirq` of `dom` was last steered to.
    pub fn pirq_affinity(&self, dom: DomId, pirq: u32) -> Option<u32> {
        self.dom(dom)?
            .pirqs
            .lock()
            .unwrap()
            .affinity
            .get(&pirq)
            .copied()
    }

    /// Makes [`EvtchnWorld::preempt_check`] answer yes every `n`th call
    /// (0: never).
    pub fn set_preempt_every(&self, n: u32) {
        self.preempt_calls.store(0, Ordering::SeqCst);
        self.preempt_every.store(n, Ordering::SeqCst);
    }

    /// Times pollers of `dom` were checked (a port became pending).
    pub fn poll_wakeups(&self, dom: DomId) -> u64 {
        self.dom(dom)
            .map_or(0, |d| d.poll_wakeups.load(Ordering::SeqCst))
    }
}

impl EvtchnWorld for HostWorld {
    #[inline]
    fn kick(&self, dom: DomId, vcpu: u32) {
        let Some(v) = self.vcpu(dom, vcpu) else {
            return;
        };
        v.kicks.fetch_add(1, Ordering::SeqCst);
        if v.waiting.load(Ordering::SeqCst) {
            if let Some(t) = v.thread.lock().unwrap().as_ref() {
                t.unpark();
            }
        }
    }

    fn may_control(&self, caller: DomId, target: DomId) -> bool {
        let privileged = self
            .dom(caller)
            .is_some_and(|d| d.privileged.load(Ordering::SeqCst));
        privileged
            || self
                .dom(target)
                .is_some_and(|d| d.device_model.lock().unwrap().contains(&caller))
    }

    fn is_paused_by_controller(&self, dom: DomId) -> bool {
        self.dom(dom)
            .is_some_and(|d| d.paused.load(Ordering::SeqCst))
    }

    fn hardware_domain(&self) -> DomId {
        self.hardware
    }

    fn get_frame(&self, dom: DomId, gfn: Gfn) -> Option<Mfn> {
        let mut f = self.dom(dom)?.frames.lock().unwrap();
        let mfn = *f.p2m.get(&gfn.0)?;
        *f.refs.entry(mfn.0).or_insert(0) += 1;
        Some(mfn)
    }

    fn put_frame(&self, dom: DomId, mfn: Mfn) {
        if let Some(d) = self.dom(dom) {
            let mut f = d.frames.lock().unwrap();
            match f.refs.get_mut(&mfn.0) {
                Some(1) => {
                    f.refs.remove(&mfn.0);
                }
                Some(n) => *n -= 1,
                None => panic!("frame {mfn:?} of {dom:?} released more often than taken"),
            }
        }
    }

    fn check_pollers(&self, dom: DomId, _port: EvtchnPort) {
        if let Some(d) = self.dom(dom) {
            d.poll_wakeups.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn preempt_check(&self) -> bool {
        let every = self.preempt_every.load(Ordering::SeqCst);
        every != 0 && (self.preempt_calls.fetch_add(1, Ordering::SeqCst) + 1) % every == 0
    }

    fn nr_pirqs(&self, dom: DomId) -> u32 {
        self.dom(dom).map_or(0, |d| d.pirqs.lock().unwrap().nr)
    }

    fn pirq_access_permitted(&self, dom: DomId, pirq: u32) -> bool {
        self.dom(dom)
            .is_some_and(|d| d.pirqs.lock().unwrap().permitted.contains(&pirq))
    }

    fn pirq_bind(
        &self,
        dom: DomId,
        pirq: u32,
        port: EvtchnPort,
        _will_share: bool,
    ) -> Result<(), EvtchnError> {
        let d = self.dom(dom).ok_or(EvtchnError::Inval)?;
        d.pirqs.lock().unwrap().bound.insert(pirq, port);
        Ok(())
    }

    fn pirq_unbind(&self, dom: DomId, pirq: u32) {
        if let Some(d) = self.dom(dom) {
            d.pirqs.lock().unwrap().bound.remove(&pirq);
        }
    }

    fn pirq_set_affinity(&self, dom: DomId, pirq: u32, vcpu: u32) {
        if let Some(d) = self.dom(dom) {
            d.pirqs.lock().unwrap().affinity.insert(pirq, vcpu);
        }
    }
}

/// An engine on host memory and a [`HostWorld`].
pub type HostEventChannels<P = crate::AllowAll> = EventChannels<HostMemory, HostWorld, P>;

impl<P: EvtchnPolicy> EventChannels<HostMemory, HostWorld, P> {
    /// Adds domain `id` to the world and gives it event channels, with a
    /// freshly allocated `shared_info` frame and `max_port` as its limit.
    pub fn add_host_domain(
        &self,
        id: DomId,
        vcpus: u32,
        max_port: u32,
    ) -> Result<Arc<Domain>, EvtchnError> {
        self.world().add_domain(id, vcpus);
        let shared_info = self
            .memory()
            .alloc_frame()
            .map_err(|_| EvtchnError::NoMem)?;
        self.create_domain(
            id,
            DomainConfig {
                max_vcpus: vcpus,
                max_port,
                shared_info,
            },
        )
    }

    /// Allocates a zeroed machine frame and maps it at `gfn` of `dom`.
    pub fn add_guest_frame(&self, dom: DomId, gfn: Gfn) -> Result<Mfn, EvtchnError> {
        let mfn = self
            .memory()
            .alloc_frame()
            .map_err(|_| EvtchnError::NoMem)?;
        self.world().map_gfn(dom, gfn, mfn);
        Ok(mfn)
    }
}
