//! The event interface: wake, block, sleep, yield, tick and the decision.
//!
//! The scheduler never switches anything itself. Every call is stamped with
//! a monotonic time in nanoseconds and answers with what the caller must do:
//! a [`CpuMask`] of pCPUs that must run [`CreditScheduler::schedule`] soon
//! (an IPI in a hypervisor, an event in a simulator), or a [`Decision`] —
//! which vCPU a pCPU runs next and for how long. Timers stay with the caller:
//! [`CreditScheduler::next_tick`] and [`CreditScheduler::next_accounting`]
//! say when [`CreditScheduler::tick`] and [`CreditScheduler::account`] are
//! due, and a decision's `run_for` says when to call `schedule` again.
//!
//! What `schedule` does, in Xen's order:
//!
//! 1. Charge the running vCPU for the CPU time it used since last charged.
//! 2. *Rate limit*: a runnable, non-yielding vCPU that has run for less than
//!    the rate limit keeps the pCPU for the rest of it (never for less than
//!    100 µs, the shortest timer the scheduler sets).
//! 3. Otherwise it goes back to the local queue (if still runnable) and the
//!    head of the queue is taken. If that head is BOOST or UNDER it runs.
//!    If it is OVER, or the queue is empty, the pCPU first tries to *steal*
//!    a higher-priority vCPU from another pCPU's queue (see
//!    [`balance`]).
//! 4. The chosen vCPU runs for one time slice (30 ms); the idle vCPU runs
//!    until something wakes up. The pCPU's 10 ms tick stops while idle.
//! 5. If vCPUs are left waiting in the queue (the one just preempted, or a
//!    second one queued while the pCPU was idle) and pCPUs they may use are
//!    idle, one such pCPU per waiting vCPU is poked to come and steal it.
//!    An idle pCPU that found work of its own passes the poke on to queues
//!    elsewhere, in case it had been poked for one of them. Xen does not do
//!    this: such a vCPU waits until the pCPU's tick migrates the vCPU running
//!    there (up to 10 ms), or longer. Poking is what makes the scheduler
//!    work-conserving at every instant.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::ids::{CpuMask, PcpuId, VcpuId};
use crate::list::{Links, NIL};
use crate::params::{SchedError, SchedParams, MIN_TIMER_NS};
use crate::runq::Priority;
use crate::state::{
    Domain, Global, PcpuState, Vcpu, FLAG_MIGRATING, FLAG_PARKED, FLAG_PINNED, FLAG_YIELD,
};

/// What a pCPU does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The vCPU to run, or `None` for the pCPU's idle vCPU.
    pub vcpu: Option<VcpuId>,
    /// How long it may run before `schedule` must be called again, in ns;
    /// `None` for the idle vCPU, which runs until poked.
    pub run_for: Option<u64>,
    /// The vCPU was stolen from another pCPU's run queue.
    pub migrated: bool,
    /// Other pCPUs that must reschedule as a consequence.
    pub kick: CpuMask,
}

/// The credit scheduler: all per-pCPU, per-domain and global state.
///
/// See the crate documentation for the algorithm and [`state`](crate::state)
/// for which parts a hypervisor guards with which lock.
#[derive(Clone, Debug)]
pub struct CreditScheduler {
    pub(crate) params: SchedParams,
    pub(crate) vcpus: Vec<Vcpu>,
    pub(crate) rq_links: Vec<Links>,
    pub(crate) act_links: Vec<Links>,
    pub(crate) free_vcpus: Vec<u32>,
    pub(crate) doms: Vec<Option<Domain>>,
    pub(crate) dom_links: Vec<Links>,
    pub(crate) dom_index: BTreeMap<crate::DomainId, u32>,
    pub(crate) free_doms: Vec<u32>,
    pub(crate) pcpus: Vec<Option<PcpuState>>,
    pub(crate) g: Global,
    /// Live vCPUs whose soft affinity matters (skip the soft step if 0).
    pub(crate) nr_soft: u32,
}

impl CreditScheduler {
    /// A scheduler with no pCPUs and no domains.
    pub fn new(params: SchedParams) -> Result<Self, SchedError> {
        params.validate()?;
        Ok(CreditScheduler {
            params,
            vcpus: Vec::new(),
            rq_links: Vec::new(),
            act_links: Vec::new(),
            free_vcpus: Vec::new(),
            doms: Vec::new(),
            dom_links: Vec::new(),
            dom_index: BTreeMap::new(),
            free_doms: Vec::new(),
            pcpus: Vec::new(),
            g: Global::default(),
            nr_soft: 0,
        })
    }

    #[inline]
    pub(crate) fn pc(&self, p: u32) -> &PcpuState {
        self.pcpus[p as usize].as_ref().expect("pcpu in scheduler")
    }

    #[inline]
    pub(crate) fn pc_mut(&mut self, p: u32) -> &mut PcpuState {
        self.pcpus[p as usize].as_mut().expect("pcpu in scheduler")
    }

    #[inline]
    pub(crate) fn valid_vcpu(&self, v: VcpuId) -> Option<u32> {
        let i = v.0;
        self.vcpus.get(i as usize).filter(|x| x.live).map(|_| i)
    }

    /// Queues vCPU `i` on its processor's run queue.
    #[inline]
    pub(crate) fn runq_insert(&mut self, i: u32) {
        let v = &self.vcpus[i as usize];
        let p = v.processor;
        let (pri, yielding) = (v.pri, v.has(FLAG_YIELD));
        let pc = self.pcpus[p as usize].as_mut().expect("pcpu in scheduler");
        let band = pc.runq.insert(&mut self.rq_links, i, pri, yielding);
        self.g.band_nonempty[band].set(PcpuId(p));
        let v = &mut self.vcpus[i as usize];
        v.band = band as u8;
        v.on_runq = true;
    }

    /// Takes vCPU `i` off its processor's run queue.
    #[inline]
    pub(crate) fn runq_remove(&mut self, i: u32) {
        let v = &mut self.vcpus[i as usize];
        debug_assert!(v.on_runq);
        v.on_runq = false;
        let (p, band) = (v.processor, v.band as usize);
        let pc = self.pcpus[p as usize].as_mut().expect("pcpu in scheduler");
        pc.runq.remove(&mut self.rq_links, band, i);
        if pc.runq.bands[band].is_empty() {
            self.g.band_nonempty[band].clear(PcpuId(p));
        }
    }

    /// Xen's wake hook: queue a vCPU that just became runnable, boosting it
    /// unless it is only migrating or coming back from being parked, and
    /// find a pCPU to run it.
    pub(crate) fn do_wake(&mut self, i: u32, may_boost: bool) -> CpuMask {
        let v = &mut self.vcpus[i as usize];
        if !v.runnable() || v.running || v.on_runq {
            return CpuMask::EMPTY;
        }
        let migrating = v.has(FLAG_MIGRATING);
        v.flags &= !FLAG_MIGRATING;
        if may_boost && !migrating && v.pri == Priority::Under && !v.has(FLAG_PARKED) {
            v.pri = Priority::Boost;
        }
        self.runq_insert(i);
        self.tickle(i)
    }

    /// Xen's sleep hook: a vCPU stopped being runnable.
    pub(crate) fn do_sleep(&mut self, i: u32) -> CpuMask {
        let v = &self.vcpus[i as usize];
        if v.running {
            CpuMask::single(PcpuId(v.processor))
        } else {
            if v.on_runq {
                self.runq_remove(i);
            }
            CpuMask::EMPTY
        }
    }

    /// The guest's vCPU `v` has an event to handle: it stops being blocked.
    /// Returns the pCPUs to poke. Unknown vCPUs are ignored.
    pub fn wake(&mut self, v: VcpuId, _now: u64) -> CpuMask {
        let Some(i) = self.valid_vcpu(v) else {
            return CpuMask::EMPTY;
        };
        self.vcpus[i as usize].blocked = false;
        self.do_wake(i, true)
    }

    /// The guest's vCPU `v` blocks, waiting for an event (`SCHEDOP_block`).
    pub fn block(&mut self, v: VcpuId, _now: u64) -> CpuMask {
        let Some(i) = self.valid_vcpu(v) else {
            return CpuMask::EMPTY;
        };
        self.vcpus[i as usize].blocked = true;
        self.do_sleep(i)
    }

    /// vCPU `v` is put to sleep from outside the guest (a pause); it stays
    /// off the CPUs until [`unpause`](Self::unpause), whatever events arrive.
    pub fn sleep(&mut self, v: VcpuId, _now: u64) -> CpuMask {
        let Some(i) = self.valid_vcpu(v) else {
            return CpuMask::EMPTY;
        };
        self.vcpus[i as usize].paused = true;
        self.do_sleep(i)
    }

    /// Ends a [`sleep`](Self::sleep).
    pub fn unpause(&mut self, v: VcpuId, _now: u64) -> CpuMask {
        let Some(i) = self.valid_vcpu(v) else {
            return CpuMask::EMPTY;
        };
        self.vcpus[i as usize].paused = false;
        self.do_wake(i, true)
    }

    /// vCPU `v` yields (`SCHEDOP_yield`): it is not protected by the rate
    /// limit at its next deschedule and is queued behind one lower-priority
    /// vCPU.
    pub fn yield_(&mut self, v: VcpuId, _now: u64) -> CpuMask {
        let Some(i) = self.valid_vcpu(v) else {
            return CpuMask::EMPTY;
        };
        let v = &mut self.vcpus[i as usize];
        v.flags |= FLAG_YIELD;
        if v.running {
            CpuMask::single(PcpuId(v.processor))
        } else {
            CpuMask::EMPTY
        }
    }

    /// The 10 ms tick of pCPU `p`: charges the running vCPU, ends its boost,
    /// (re)activates it for credit accounting, may ask it to migrate to an
    /// idle pCPU, and re-sorts the run queue after an accounting pass.
    pub fn tick(&mut self, p: PcpuId, now: u64) -> CpuMask {
        let Some(Some(pc)) = self.pcpus.get_mut(p.0 as usize) else {
            return CpuMask::EMPTY;
        };
        pc.ticks += 1;
        let cur = pc.curr;
        let mut kick = CpuMask::EMPTY;
        if cur != NIL {
            kick = self.unit_acct(p.0, cur, now);
        }
        self.runq_sort(p.0);
        let tick_ns = self.params.tick_ns();
        let pc = self.pc_mut(p.0);
        pc.next_tick = (cur != NIL).then_some(now + tick_ns);
        kick
    }

    /// A timer set from a decision's `run_for` expired on `p`: same as
    /// [`schedule`](Self::schedule).
    pub fn timer(&mut self, p: PcpuId, now: u64) -> Decision {
        self.schedule(p, now)
    }

    /// Picks what pCPU `p` runs next. See the module documentation.
    ///
    /// # Panics
    ///
    /// If `p` is not in the scheduler.
    pub fn schedule(&mut self, p: PcpuId, now: u64) -> Decision {
        let p = p.0;
        let cur = self.pc(p).curr;
        let mut kick = CpuMask::EMPTY;

        let mut runtime = 0;
        if cur != NIL {
            self.burn_credits(cur, now);
            let v = &mut self.vcpus[cur as usize];
            v.last_sched_time = now;
            runtime = now.saturating_sub(v.state_entry_time);
            let ratelimit = self.params.ratelimit_ns();
            if !v.has(FLAG_YIELD) && ratelimit != 0 && v.runnable() && runtime < ratelimit {
                let run_for = if runtime < MIN_TIMER_NS {
                    MIN_TIMER_NS
                } else {
                    ratelimit - runtime
                };
                return Decision {
                    vcpu: Some(VcpuId(cur)),
                    run_for: Some(run_for),
                    migrated: false,
                    kick,
                };
            }
            if v.runnable() {
                self.runq_insert(cur);
            }
            self.vcpus[cur as usize].flags &= !FLAG_YIELD;
        }
        let _ = runtime;

        let (snext, migrated) = self.pick_next(p, now);

        if cur != NIL && cur != snext {
            self.vcpus[cur as usize].running = false;
        }
        let tick_ns = self.params.tick_ns();
        if snext == NIL {
            self.g.idlers.set(PcpuId(p));
        } else {
            self.g.idlers.clear(PcpuId(p));
            let v = &mut self.vcpus[snext as usize];
            v.running = true;
            v.start_time = now;
            if snext != cur {
                v.state_entry_time = now;
            }
        }
        let pc = self.pc_mut(p);
        pc.curr = snext;
        if cur != NIL && snext == NIL {
            pc.next_tick = None;
        } else if cur == NIL && snext != NIL {
            pc.next_tick = Some(now + tick_ns - now % tick_ns);
        }

        if cur != NIL && cur != snext && self.vcpus[cur as usize].migrate_req {
            kick = kick.or(&self.finish_migration(cur));
        }
        if !self.g.idlers.is_empty() {
            kick = kick.or(&self.poke_idlers_for_queue(p));
            if cur == NIL && snext != NIL {
                // This pCPU may have been poked for another pCPU's waiting
                // vCPU and then found other work: pass the poke on.
                let busy = self.g.band_nonempty[0]
                    .or(&self.g.band_nonempty[1])
                    .or(&self.g.band_nonempty[2])
                    .andnot(&self.g.idlers);
                for q in busy.iter() {
                    if q.0 != p && !self.g.idlers.is_empty() {
                        kick = kick.or(&self.poke_idlers_for_queue(q.0));
                    }
                }
            }
        }
        kick.clear(PcpuId(p));

        Decision {
            vcpu: (snext != NIL).then_some(VcpuId(snext)),
            run_for: (snext != NIL).then_some(self.params.tslice_ns()),
            migrated,
            kick,
        }
    }

    /// Step 3 of `schedule`: the local head, or stolen work.
    fn pick_next(&mut self, p: u32, now: u64) -> (u32, bool) {
        let head = self.pc(p).runq.head();
        let head_pri = head.map_or(Priority::Idle, |h| self.vcpus[h as usize].pri);
        if head_pri > Priority::Over {
            let h = head.expect("non-idle head");
            self.runq_remove(h);
            return (h, false);
        }
        let lbr = u64::from(self.params.load_balance_ratelimit_us) * 1000;
        let pc = self.pc_mut(p);
        let may_balance = head_pri == Priority::Idle
            || lbr == 0
            || pc
                .last_load_balance
                .is_none_or(|t| now.saturating_sub(t) > lbr);
        if may_balance {
            pc.last_load_balance = Some(now);
            if let Some(s) = self.load_balance(p, head_pri, now) {
                return (s, true);
            }
        }
        match head {
            Some(h) => {
                self.runq_remove(h);
                (h, false)
            }
            None => (NIL, false),
        }
    }

    /// Moves a descheduled vCPU that was asked to migrate to the pCPU
    /// `pick_cpu` chooses, without boosting it.
    pub(crate) fn finish_migration(&mut self, i: u32) -> CpuMask {
        let new = self.pick_cpu(i);
        let v = &mut self.vcpus[i as usize];
        v.migrate_req = false;
        v.processor = new;
        v.flags |= FLAG_MIGRATING;
        let k = self.do_wake(i, false);
        // A vCPU that is not runnable keeps no stale migration mark.
        self.vcpus[i as usize].flags &= !FLAG_MIGRATING;
        k
    }

    /// Whether vCPU `i` is pinned to exactly one pCPU.
    pub(crate) fn update_pinned(&mut self, i: u32) {
        let v = &mut self.vcpus[i as usize];
        if v.hard.and(&self.g.cpus).count() == 1 {
            v.flags |= FLAG_PINNED;
        } else {
            v.flags &= !FLAG_PINNED;
        }
    }
}
