//! Ready-made loaded schedulers for benchmarks and examples.
//!
//! [`Loaded`] is a machine whose pCPUs all run hogs, driven the way a
//! hypervisor would drive it (each pCPU's slice ends in turn, ticks and the
//! accounting pass fire when due), so that a single call to `schedule`,
//! `tick` or `account` can be measured in a realistic state.

use crate::{CreditScheduler, Decision, DomainId, DomainParams, PcpuId, SchedParams};

/// A scheduler with `vcpus` runnable hog vCPUs on `pcpus` pCPUs.
pub struct Loaded {
    /// The scheduler.
    pub sched: CreditScheduler,
    /// Virtual time, ns.
    pub now: u64,
    pcpus: u32,
    next: u32,
    step: u64,
}

impl Loaded {
    /// Builds the machine: domains of up to 4 vCPUs with weights cycling
    /// through 128, 256, 512 and 1024, every vCPU woken, every pCPU
    /// scheduled, then one simulated second of warm-up.
    pub fn new(pcpus: u32, vcpus: u32) -> Self {
        let mut sched = CreditScheduler::new(SchedParams::default()).expect("defaults");
        for p in 0..pcpus {
            sched.add_pcpu(PcpuId(p), 0).expect("fresh pCPU");
        }
        let mut left = vcpus;
        let mut id = 1u16;
        while left > 0 {
            let n = left.min(4);
            let weight = [128, 256, 512, 1024][usize::from(id) % 4];
            let vs = sched
                .add_domain(DomainId(id), n, DomainParams { weight, cap: 0 })
                .expect("fresh domain");
            for v in vs {
                sched.wake(v, 0);
            }
            left -= n;
            id += 1;
        }
        for p in 0..pcpus {
            sched.schedule(PcpuId(p), 0);
        }
        let step = sched.params().tslice_ns() / u64::from(pcpus.max(1));
        let mut l = Loaded {
            sched,
            now: 0,
            pcpus,
            next: 0,
            step,
        };
        while l.now < 1_000_000_000 {
            l.decide();
            l.maintain();
        }
        l
    }

    /// The pCPU whose slice ends next.
    pub fn next_pcpu(&self) -> PcpuId {
        PcpuId(self.next)
    }

    /// Ends the slice of the next pCPU: one `schedule` call. Time advances
    /// so that every pCPU decides once per time slice.
    pub fn decide(&mut self) -> Decision {
        let p = PcpuId(self.next);
        self.next = (self.next + 1) % self.pcpus;
        self.now += self.step;
        self.sched.schedule(p, self.now)
    }

    /// Fires the ticks and the accounting pass that are due (not part of a
    /// decision's cost).
    pub fn maintain(&mut self) {
        if self.sched.next_accounting().is_some_and(|t| t <= self.now) {
            self.sched.account(self.now);
        }
        for p in 0..self.pcpus {
            if self
                .sched
                .next_tick(PcpuId(p))
                .is_some_and(|t| t <= self.now)
            {
                self.sched.tick(PcpuId(p), self.now);
            }
        }
    }

    /// Advances to the next pCPU and fires its tick.
    pub fn tick_next(&mut self) {
        let p = PcpuId(self.next);
        self.next = (self.next + 1) % self.pcpus;
        self.now += self.step / 3;
        self.sched.tick(p, self.now);
    }

    /// Runs the accounting pass now.
    pub fn account(&mut self) {
        self.sched.account(self.now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loaded_machine_keeps_every_pcpu_busy() {
        let mut l = Loaded::new(8, 64);
        for _ in 0..64 {
            assert!(l.decide().vcpu.is_some());
            l.maintain();
        }
        assert!(l.sched.idlers().is_empty());
        let queued: usize = (0..8).map(|p| l.sched.runq(PcpuId(p)).len()).sum();
        assert_eq!(queued, 56);
    }
}
