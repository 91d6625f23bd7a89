//! Credit: charging, the 30 ms accounting pass, priorities and caps.
//!
//! **Credit** is CPU time in units of 100 µs (10 credits per millisecond).
//! A running vCPU is *charged* for exactly the time it ran, at every tick
//! and whenever it is descheduled; time below one credit is carried to the
//! next charge.
//!
//! **Active vCPUs.** Only vCPUs that are *active* earn credit. A vCPU
//! becomes active when a tick finds it running, and stops being active when
//! its credit climbs above one period's worth (300): it then keeps half of
//! it and stops earning until a tick catches it running again. So a vCPU
//! that barely uses the CPU does not hoard credit, and weights are shared
//! only among vCPUs that compete.
//!
//! **The accounting pass**, every time slice on one pCPU:
//!
//! * The pool is 300 credits per pCPU (plus any debt left by the previous
//!   pass, so the system converges back to balance).
//! * Each active domain's fair share is the pool × its weight × its active
//!   vCPUs / the total active weight (rounded up).
//! * A domain can use at most one period of CPU per active vCPU (its
//!   *peak*), and a capped domain at most `cap` % of one pCPU per period.
//!   Whatever a domain cannot use goes back into the pool for the domains
//!   after it, and domains that left credit unused move to the front of the
//!   list so that others get first pick next time.
//! * Each active vCPU of the domain gets an equal part. Then its priority is
//!   set from the sign of its credit: UNDER when ≥ 0, OVER when < 0. Debt is
//!   bounded at one period (−300).
//! * **Caps**: a vCPU of a capped domain whose debt exceeds its per-vCPU
//!   share of the cap is *parked* (paused) even if pCPUs are idle; it is
//!   unparked once its credit is back to ≥ 0, without a boost. That is what
//!   makes a cap hold on an idle machine.
//! * Finally every pCPU is told to re-sort its queue at its next tick.
//!
//! Two departures from Xen's pass:
//!
//! * It first charges the running vCPUs of capped domains up to the current
//!   time. Xen's pass uses charges as of each pCPU's last tick, up to 10 ms
//!   stale; a capped vCPU can then escape parking for a whole extra period,
//!   and the part of its debt below −300 is forgiven by the floor, so the
//!   cap leaks (1.1 pp for a 24 % cap on one pCPU when the pass falls just
//!   before a tick). Uncapped vCPUs are left as Xen leaves them.
//! * Arithmetic is done in 64 bits; Xen's 32-bit products can overflow with
//!   large weights on many pCPUs.

use crate::ids::CpuMask;
use crate::list::NIL;
use crate::params::NS_PER_CREDIT;
use crate::runq::Priority;
use crate::scheduler::CreditScheduler;
use crate::state::FLAG_PARKED;

#[inline]
fn div_ceil(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

impl CreditScheduler {
    /// Charges running vCPU `i` for its CPU use up to `now`.
    #[inline]
    pub(crate) fn burn_credits(&mut self, i: u32, now: u64) {
        let v = &mut self.vcpus[i as usize];
        if now <= v.start_time {
            return;
        }
        let total = now - v.start_time + v.residual_ns;
        let credits = total / NS_PER_CREDIT;
        v.residual_ns = total % NS_PER_CREDIT;
        v.credit = v
            .credit
            .saturating_sub(i32::try_from(credits).unwrap_or(i32::MAX));
        v.start_time = now;
    }

    /// Puts vCPU `i` (and its domain) on the active lists.
    pub(crate) fn acct_start(&mut self, i: u32) {
        let v = &mut self.vcpus[i as usize];
        if v.active {
            return;
        }
        v.active = true;
        let d = v.dom;
        let dom = self.doms[d as usize].as_mut().expect("live domain");
        dom.active.push_front(&mut self.act_links, i);
        self.g.weight += u64::from(dom.params.weight);
        if !dom.in_active_list {
            dom.in_active_list = true;
            self.g.active_doms.push_front(&mut self.dom_links, d);
        }
    }

    /// Takes vCPU `i` off the active lists.
    pub(crate) fn acct_stop(&mut self, i: u32) {
        let v = &mut self.vcpus[i as usize];
        if !v.active {
            return;
        }
        v.active = false;
        let d = v.dom;
        let dom = self.doms[d as usize].as_mut().expect("live domain");
        dom.active.remove(&mut self.act_links, i);
        self.g.weight -= u64::from(dom.params.weight);
        if dom.active.is_empty() {
            dom.in_active_list = false;
            self.g.active_doms.remove(&mut self.dom_links, d);
        }
    }

    /// Tick-time accounting of the running vCPU `i` on `p`.
    pub(crate) fn unit_acct(&mut self, p: u32, i: u32, now: u64) -> CpuMask {
        let v = &mut self.vcpus[i as usize];
        if v.pri == Priority::Boost {
            v.pri = Priority::Under;
        }
        self.burn_credits(i, now);
        if !self.vcpus[i as usize].active {
            self.acct_start(i);
            return CpuMask::EMPTY;
        }
        if self.pick_cpu(i) != p {
            self.vcpus[i as usize].migrate_req = true;
            return CpuMask::single(crate::PcpuId(p));
        }
        CpuMask::EMPTY
    }

    /// Re-sorts `p`'s queue if an accounting pass ran since the last sort.
    pub(crate) fn runq_sort(&mut self, p: u32) {
        let epoch = self.g.runq_sort;
        let pc = self.pcpus[p as usize].as_mut().expect("pcpu");
        if pc.runq_sort_last == epoch {
            return;
        }
        pc.runq_sort_last = epoch;
        let vcpus = &mut self.vcpus;
        pc.runq.resort(&mut self.rq_links, |i| {
            let v = &mut vcpus[i as usize];
            let b = v.pri.band();
            v.band = b as u8;
            b
        });
        for (b, mask) in self.g.band_nonempty.iter_mut().enumerate() {
            if pc.runq.bands[b].is_empty() {
                mask.clear(crate::PcpuId(p));
            } else {
                mask.set(crate::PcpuId(p));
            }
        }
    }

    /// The accounting pass (`csched_acct`); call every time slice at the
    /// time [`next_accounting`](Self::next_accounting) gives. Returns pCPUs
    /// to poke (parked vCPUs that were running, unparked ones queued).
    pub fn account(&mut self, now: u64) -> CpuMask {
        let mut kick = CpuMask::EMPTY;
        self.g.next_acct = (!self.g.cpus.is_empty()).then_some(now + self.params.tslice_ns());
        // Charge running vCPUs of capped domains up to now, so that parking
        // decisions do not use charges a tick old (see the module docs).
        for p in 0..self.pcpus.len() {
            if let Some(pc) = &self.pcpus[p] {
                let cur = pc.curr;
                if cur != NIL {
                    let d = self.vcpus[cur as usize].dom as usize;
                    if self.doms[d].as_ref().is_some_and(|d| d.params.cap != 0) {
                        self.burn_credits(cur, now);
                    }
                }
            }
        }
        let weight_total = self.g.weight;
        let mut credit_total = u64::from(self.g.credit);
        let prev_balance = self.g.credit_balance;
        if prev_balance < 0 {
            credit_total += prev_balance.unsigned_abs();
        }
        if weight_total == 0 {
            self.g.credit_balance = 0;
            return kick;
        }
        let cpt = u64::from(self.params.credits_per_tslice());
        let mut weight_left = weight_total;
        let mut credit_balance: i64 = 0;
        let mut credit_xtra = false;

        let mut d = self.g.active_doms.head;
        while d != NIL {
            let next_d = self.dom_links[d as usize].next;
            let dom = self.doms[d as usize].as_ref().expect("active domain");
            let count = u64::from(dom.active.len);
            let weight = u64::from(dom.params.weight);
            let cap = u64::from(dom.params.cap);
            debug_assert!(count > 0 && weight * count <= weight_left);
            weight_left -= weight * count;

            let mut peak = count * cpt;
            if prev_balance < 0 {
                peak += div_ceil(prev_balance.unsigned_abs() * weight * count, weight_total);
            }
            let mut cap_per_unit = 0u64;
            if cap != 0 {
                let credit_cap = div_ceil(cap * cpt, 100);
                peak = peak.min(credit_cap);
                cap_per_unit = div_ceil(credit_cap, count);
            }
            let mut fair = div_ceil(credit_total * weight * count, weight_total);
            if fair < peak {
                credit_xtra = true;
            } else {
                if weight_left != 0 {
                    credit_total += div_ceil((fair - peak) * weight_total, weight_left);
                }
                if credit_xtra {
                    self.g.active_doms.remove(&mut self.dom_links, d);
                    self.g.active_doms.push_front(&mut self.dom_links, d);
                }
                fair = peak;
            }
            let per_unit = i64::try_from(div_ceil(fair, count)).unwrap_or(i64::MAX);

            let mut i = dom.active.head;
            while i != NIL {
                let next_i = self.act_links[i as usize].next;
                let v = &mut self.vcpus[i as usize];
                let mut credit = (i64::from(v.credit) + per_unit).min(i64::from(i32::MAX));
                if credit < 0 {
                    v.pri = Priority::Over;
                    if cap != 0 && credit < -(cap_per_unit as i64) && !v.has(FLAG_PARKED) {
                        v.flags |= FLAG_PARKED;
                        kick = kick.or(&self.do_sleep(i));
                    }
                    credit = credit.max(-(cpt as i64));
                } else {
                    v.pri = Priority::Under;
                    if v.has(FLAG_PARKED) {
                        v.flags &= !FLAG_PARKED;
                        kick = kick.or(&self.do_wake(i, false));
                    }
                    if credit > cpt as i64 {
                        self.acct_stop(i);
                        credit /= 2;
                    }
                }
                self.vcpus[i as usize].credit = credit as i32;
                credit_balance += credit;
                i = next_i;
            }
            d = next_d;
        }
        self.g.credit_balance = credit_balance;
        self.g.runq_sort = self.g.runq_sort.wrapping_add(1);
        kick
    }
}
