//! Placement: tickling on wake-up, choosing a pCPU, and work stealing.
//!
//! **Affinity.** Every vCPU has a *hard* affinity (the pCPUs it may run on,
//! `xl vcpu-pin`) and a *soft* one (the pCPUs it prefers). Each placement
//! decision runs in two steps: first among soft-affine pCPUs (the soft mask
//! intersected with the hard one), then among all hard-affine pCPUs. The
//! soft step is skipped for vCPUs whose soft affinity does not narrow the
//! choice.
//!
//! **Tickling** (after a vCPU is queued on pCPU `c`): if `c` runs its idle
//! vCPU, or no pCPU is idle and the newcomer outranks what `c` runs, `c`
//! reschedules. Otherwise, if some idle pCPU may run the newcomer, one such
//! pCPU is woken (round-robin) so that the running vCPU, probably cache-hot,
//! is left alone; it will steal the newcomer. If no idle pCPU suits the
//! newcomer but it outranks the running vCPU, `c` reschedules and the
//! running vCPU is sent to an idle pCPU it may use, if any. Woken pCPUs leave
//! the idle mask at once, so two wake-ups never pick the same idler.
//!
//! **Choosing a pCPU** for a vCPU that moves: its current pCPU if that is
//! idle (or would be without it), else an idle pCPU of its affinity, else
//! its current pCPU if allowed, else the next allowed one.
//!
//! **Stealing** (a pCPU whose best local choice is OVER or idle): visit the
//! other busy pCPUs, starting after the last one stolen from, and take the
//! first queued vCPU that has strictly higher priority than the local
//! choice, may run here, and is not cache-hot (descheduled less than the
//! migration delay ago). The scan of a peer's queue stops at the first entry
//! that does not outrank the local choice — never take lower priority work.
//! Only pCPUs with something queued in a band that could outrank the local
//! choice are visited: a per-band mask of non-empty queues, maintained on
//! insertion and removal, replaces Xen's walk over every busy pCPU.

use crate::ids::{CpuMask, PcpuId};
use crate::list::NIL;
use crate::runq::Priority;
use crate::scheduler::CreditScheduler;
use crate::state::{Vcpu, FLAG_PINNED};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Soft,
    Hard,
}

pub(crate) const STEPS: [Step; 2] = [Step::Soft, Step::Hard];

impl CreditScheduler {
    /// Whether `v`'s soft affinity narrows its placement.
    #[inline]
    pub(crate) fn has_soft(&self, v: &Vcpu) -> bool {
        !v.hard.is_subset(&v.soft) && v.soft.intersects(&v.hard) && !self.g.cpus.is_subset(&v.soft)
    }

    #[inline]
    pub(crate) fn balance_mask(v: &Vcpu, step: Step) -> CpuMask {
        match step {
            Step::Soft => v.soft.and(&v.hard),
            Step::Hard => v.hard,
        }
    }

    /// Finds pCPUs to reschedule after vCPU `i` was queued (`__runq_tickle`).
    pub(crate) fn tickle(&mut self, i: u32) -> CpuMask {
        let v = &self.vcpus[i as usize];
        let cpu = v.processor;
        let cur = self.pc(cpu).curr;
        let cur_pri = if cur == NIL {
            Priority::Idle
        } else {
            self.vcpus[cur as usize].pri
        };
        let idle_mask = self.g.idlers.and(&self.g.cpus);
        let mut mask = CpuMask::EMPTY;

        // Exclusively pinned to an idle pCPU, or that pCPU idles, or nothing
        // idles and the newcomer outranks what runs: run it right here.
        if (v.has(FLAG_PINNED) && idle_mask.test(PcpuId(cpu)))
            || cur == NIL
            || (idle_mask.is_empty() && v.pri > cur_pri)
        {
            mask.set(PcpuId(cpu));
        } else if !idle_mask.is_empty() {
            let soft = self.nr_soft != 0 && self.has_soft(v);
            for step in STEPS {
                if step == Step::Soft && !soft {
                    continue;
                }
                let v = &self.vcpus[i as usize];
                let m = Self::balance_mask(v, step).and(&idle_mask);
                if m.is_empty() && step == Step::Soft {
                    continue;
                }
                if m.is_empty() && v.pri > cur_pri {
                    // Preempt here; send the preempted vCPU to an idler.
                    let c = &mut self.vcpus[cur as usize];
                    if c.hard.intersects(&idle_mask) {
                        c.migrate_req = true;
                    }
                    mask.set(PcpuId(cpu));
                } else if !m.is_empty() {
                    let pc = self.pc_mut(cpu);
                    let t = m.cycle(PcpuId(pc.last_tickle)).expect("non-empty");
                    pc.last_tickle = t.0;
                    mask.set(t);
                }
                if !mask.is_empty() {
                    break;
                }
            }
        }
        self.g.idlers = self.g.idlers.andnot(&mask);
        mask
    }

    /// Pokes idle pCPUs for the vCPUs waiting on `p`'s queue: for each
    /// waiting vCPU in order, one idle pCPU it may use (soft affinity
    /// first), until no idle pCPU is left. Each poked pCPU will steal.
    pub(crate) fn poke_idlers_for_queue(&mut self, p: u32) -> CpuMask {
        let mut idle = self.g.idlers.and(&self.g.cpus);
        let mut kick = CpuMask::EMPTY;
        let Some(pc) = self.pcpus[p as usize].as_ref() else {
            return kick;
        };
        let mut last = pc.last_tickle;
        for (_, i) in pc.runq.iter(&self.rq_links) {
            if idle.is_empty() {
                break;
            }
            let v = &self.vcpus[i as usize];
            let soft = self.nr_soft != 0 && self.has_soft(v);
            for step in STEPS {
                if step == Step::Soft && !soft {
                    continue;
                }
                let m = Self::balance_mask(v, step).and(&idle);
                if let Some(t) = m.cycle(PcpuId(last)) {
                    last = t.0;
                    idle.clear(t);
                    kick.set(t);
                    break;
                }
            }
        }
        self.pc_mut(p).last_tickle = last;
        self.g.idlers = self.g.idlers.andnot(&kick);
        kick
    }

    /// Chooses a pCPU for vCPU `i` (`_csched_cpu_pick`, without SMT
    /// topology: every pCPU is its own core).
    pub(crate) fn pick_cpu(&self, i: u32) -> u32 {
        let v = &self.vcpus[i as usize];
        let online = self.g.cpus;
        let mut cpu = v.processor;
        for step in STEPS {
            let cpus = Self::balance_mask(v, step).and(&online);
            if step == Step::Soft && (self.nr_soft == 0 || !self.has_soft(v) || cpus.is_empty()) {
                continue;
            }
            let Some(first) = cpus.cycle(PcpuId(v.processor)) else {
                // Hard affinity has no online pCPU: keep what we have.
                return online.first().map_or(v.processor, |p| p.0);
            };
            cpu = if cpus.test(PcpuId(v.processor)) {
                v.processor
            } else {
                first.0
            };
            let mut idlers = self.g.idlers.and(&online);
            if v.processor == cpu
                && self.pcpus[cpu as usize]
                    .as_ref()
                    .is_some_and(|pc| pc.runq.head().is_none())
            {
                idlers.set(PcpuId(cpu));
            }
            let cand = idlers.and(&cpus);
            if !cand.test(PcpuId(cpu)) {
                if let Some(c) = cand.cycle(PcpuId(cpu)) {
                    cpu = c.0;
                }
            }
            if idlers.test(PcpuId(cpu)) {
                break;
            }
        }
        cpu
    }

    fn cache_hot(&self, v: &Vcpu, now: u64) -> bool {
        let delay = u64::from(self.params.migration_delay_us) * 1000;
        delay != 0 && now.saturating_sub(v.last_sched_time) < delay
    }

    /// Work stealing for pCPU `p` whose best local choice has `pri`
    /// (`csched_load_balance`). On success the stolen vCPU is off its old
    /// queue and assigned to `p`.
    pub(crate) fn load_balance(&mut self, p: u32, pri: Priority, now: u64) -> Option<u32> {
        let mut cand = self.g.band_nonempty[0];
        if pri < Priority::Under {
            cand = cand.or(&self.g.band_nonempty[1]);
        }
        if pri == Priority::Idle {
            cand = cand.or(&self.g.band_nonempty[2]);
        }
        cand = cand.and(&self.g.cpus).andnot(&self.g.idlers);
        cand.clear(PcpuId(p));
        if cand.is_empty() {
            return None;
        }
        let first = cand.cycle(PcpuId(self.g.balance_bias))?;
        for step in STEPS {
            if step == Step::Soft && self.nr_soft == 0 {
                continue;
            }
            let mut peer = first;
            loop {
                if let Some(i) = self.steal_from(peer.0, p, pri, step, now) {
                    self.runq_remove(i);
                    self.vcpus[i as usize].processor = p;
                    self.g.balance_bias = peer.0;
                    return Some(i);
                }
                peer = cand.cycle(peer).expect("non-empty");
                if peer == first {
                    break;
                }
            }
        }
        None
    }

    /// `csched_runq_steal`: the first suitable vCPU on `peer`'s queue.
    fn steal_from(&self, peer: u32, p: u32, pri: Priority, step: Step, now: u64) -> Option<u32> {
        let pc = self.pcpus[peer as usize].as_ref()?;
        // An idle peer is about to pick up its own work.
        if pc.curr == NIL {
            return None;
        }
        for (_, i) in pc.runq.iter(&self.rq_links) {
            let v = &self.vcpus[i as usize];
            if v.pri <= pri {
                break;
            }
            if step == Step::Soft && !self.has_soft(v) {
                continue;
            }
            if Self::balance_mask(v, step).test(PcpuId(p)) && !self.cache_hot(v, now) {
                return Some(i);
            }
        }
        None
    }
}
