//! Unit tests of the scheduler's semantics, driven by hand.

use alloc::vec::Vec;

use crate::params::{DomainParams, DomainParamsUpdate, SchedError, SchedParams, NS_PER_MS};
use crate::{CpuMask, CreditScheduler, DomainId, PcpuId, Priority, VcpuId};

const MS: u64 = NS_PER_MS;
const US: u64 = 1_000;

fn sched(pcpus: u32) -> CreditScheduler {
    let mut s = CreditScheduler::new(SchedParams::default()).unwrap();
    for p in 0..pcpus {
        s.add_pcpu(PcpuId(p), 0).unwrap();
    }
    s
}

fn dom(s: &mut CreditScheduler, id: u16, vcpus: u32, weight: u16, cap: u16) -> Vec<VcpuId> {
    s.add_domain(DomainId(id), vcpus, DomainParams { weight, cap })
        .unwrap()
}

fn pri(s: &CreditScheduler, v: VcpuId) -> Priority {
    s.vcpu_info(v).unwrap().priority
}

#[test]
fn wake_on_idle_pcpu_runs_for_a_slice_and_starts_the_tick() {
    let mut s = sched(1);
    let v = dom(&mut s, 1, 1, 256, 0)[0];
    assert_eq!(s.next_tick(PcpuId(0)), None);
    let k = s.wake(v, 3 * MS);
    assert_eq!(k, CpuMask::single(PcpuId(0)));
    assert_eq!(pri(&s, v), Priority::Boost);
    let d = s.schedule(PcpuId(0), 3 * MS);
    assert_eq!(
        (d.vcpu, d.run_for, d.migrated),
        (Some(v), Some(30 * MS), false)
    );
    // The tick restarts aligned to the 10 ms grid.
    assert_eq!(s.next_tick(PcpuId(0)), Some(10 * MS));
    // Blocking goes idle and stops the tick.
    assert_eq!(s.block(v, 5 * MS), CpuMask::single(PcpuId(0)));
    let d = s.schedule(PcpuId(0), 5 * MS);
    assert_eq!((d.vcpu, d.run_for), (None, None));
    assert_eq!(s.next_tick(PcpuId(0)), None);
    assert!(s.idlers().test(PcpuId(0)));
}

#[test]
fn tick_ends_boost_and_charges_exactly() {
    let mut s = sched(1);
    let v = dom(&mut s, 1, 1, 256, 0)[0];
    s.wake(v, 0);
    s.schedule(PcpuId(0), 0);
    s.tick(PcpuId(0), 10 * MS + 50 * US);
    let i = s.vcpu_info(v).unwrap();
    assert_eq!(i.priority, Priority::Under);
    assert!(i.active, "a tick that finds a vCPU running activates it");
    assert_eq!(i.credit, -100, "10.05 ms is 100 credits, 50 µs carried");
    s.tick(PcpuId(0), 20 * MS);
    assert_eq!(s.vcpu_info(v).unwrap().credit, -200);
}

#[test]
fn boosted_waker_waits_out_the_ratelimit_only() {
    let mut s = sched(1);
    let hog = dom(&mut s, 1, 1, 256, 0)[0];
    let io = dom(&mut s, 2, 1, 256, 0)[0];
    s.wake(hog, 0);
    s.schedule(PcpuId(0), 0);
    s.tick(PcpuId(0), 10 * MS); // hog: BOOST -> UNDER
                                // The hog was (re)selected at 30 ms; the I/O vCPU wakes 400 µs later.
    s.schedule(PcpuId(0), 30 * MS);
    let k = s.wake(io, 30 * MS + 400 * US);
    assert_eq!(pri(&s, io), Priority::Boost);
    assert!(k.test(PcpuId(0)), "BOOST outranks the running UNDER hog");
    let d = s.schedule(PcpuId(0), 30 * MS + 400 * US);
    // The hog has been running since 0 (state unchanged), far beyond the
    // rate limit: the I/O vCPU preempts at once.
    assert_eq!(d.vcpu, Some(io));
    // Now the hog comes back and, run-time 0, is protected for 1 ms.
    s.block(io, 30 * MS + 500 * US);
    let d = s.schedule(PcpuId(0), 30 * MS + 500 * US);
    assert_eq!(d.vcpu, Some(hog));
    s.wake(io, 30 * MS + 550 * US);
    let d = s.schedule(PcpuId(0), 30 * MS + 550 * US);
    assert_eq!(d.vcpu, Some(hog));
    assert_eq!(d.run_for, Some(100 * US), "never a timer below 100 µs");
    let d = s.schedule(PcpuId(0), 30 * MS + 650 * US);
    assert_eq!((d.vcpu, d.run_for), (Some(hog), Some(850 * US)));
    let d = s.schedule(PcpuId(0), 31 * MS + 500 * US);
    assert_eq!(d.vcpu, Some(io));
}

#[test]
fn yield_skips_the_ratelimit_and_lets_one_other_run() {
    let mut s = sched(1);
    let a = dom(&mut s, 1, 1, 256, 0)[0];
    let b = dom(&mut s, 2, 1, 256, 0)[0];
    s.wake(a, 0);
    s.wake(b, 0);
    assert_eq!(s.schedule(PcpuId(0), 0).vcpu, Some(a));
    assert!(s.yield_(a, 200 * US).test(PcpuId(0)));
    let d = s.schedule(PcpuId(0), 200 * US);
    assert_eq!(d.vcpu, Some(b));
    assert_eq!(s.runq(PcpuId(0)), [a]);
}

#[test]
fn accounting_splits_credit_by_weight_and_sets_priorities() {
    let mut s = sched(1);
    let a = dom(&mut s, 1, 1, 256, 0)[0];
    let b = dom(&mut s, 2, 1, 512, 0)[0];
    s.wake(a, 0);
    s.wake(b, 0);
    s.schedule(PcpuId(0), 0); // a runs
    s.tick(PcpuId(0), 10 * MS); // a active, -100
    s.timer(PcpuId(0), 10 * MS); // ratelimit long over: b (BOOST) runs
    s.tick(PcpuId(0), 20 * MS); // b active, -100
    s.account(30 * MS);
    // 300 credits: 100 for weight 256, 200 for weight 512.
    assert_eq!(s.vcpu_info(a).unwrap().credit, 0);
    assert_eq!(s.vcpu_info(b).unwrap().credit, 100);
    assert_eq!(pri(&s, a), Priority::Under);
    assert_eq!(s.next_accounting(), Some(60 * MS));
}

#[test]
fn idle_vcpu_credit_above_a_period_is_halved_and_stops_earning() {
    let mut s = sched(1);
    let a = dom(&mut s, 1, 1, 256, 0)[0];
    s.wake(a, 0);
    s.schedule(PcpuId(0), 0);
    s.tick(PcpuId(0), 10 * MS);
    s.block(a, 10 * MS);
    s.schedule(PcpuId(0), 10 * MS);
    s.account(30 * MS); // -100 + 300 = 200
    assert_eq!(s.vcpu_info(a).unwrap().credit, 200);
    s.account(60 * MS); // 500 > 300: halved, inactive
    let i = s.vcpu_info(a).unwrap();
    assert_eq!((i.credit, i.active), (250, false));
    s.account(90 * MS);
    assert_eq!(s.vcpu_info(a).unwrap().credit, 250);
}

#[test]
fn cap_parks_even_with_idle_pcpus_and_unparks_without_boost() {
    let mut s = sched(2);
    let v = dom(&mut s, 1, 1, 256, 20)[0];
    s.wake(v, 0);
    let p = s.vcpu_info(v).unwrap().processor;
    s.schedule(p, 0);
    s.tick(p, 10 * MS);
    s.tick(p, 20 * MS);
    let k = s.account(30 * MS); // -300 + 60 < -60: parked
    let i = s.vcpu_info(v).unwrap();
    assert!(i.parked && !i.runnable);
    assert!(k.test(p));
    assert_eq!(s.schedule(p, 30 * MS).vcpu, None);
    let mut t = 30 * MS;
    while s.vcpu_info(v).unwrap().parked {
        t += 30 * MS;
        s.account(t);
    }
    let i = s.vcpu_info(v).unwrap();
    assert_eq!(i.priority, Priority::Under, "unparking does not boost");
    assert!(i.queued);
}

#[test]
fn over_pcpu_steals_under_work_but_never_lower_priority() {
    let mut s = sched(2);
    let vs = dom(&mut s, 1, 3, 256, 0);
    for &v in &vs {
        s.set_affinity(v, Some(CpuMask::single(PcpuId(0))), None, 0)
            .unwrap();
        s.wake(v, 0);
    }
    s.schedule(PcpuId(0), 0);
    // Free two of them: pCPU 1 (idle) steals the first waiting one.
    for &v in &vs {
        s.set_affinity(v, Some(CpuMask::first_n(2)), None, 0)
            .unwrap();
    }
    let d = s.schedule(PcpuId(1), MS);
    assert!(d.migrated);
    let stolen = d.vcpu.unwrap();
    assert_eq!(s.vcpu_info(stolen).unwrap().processor, PcpuId(1));
    // Nothing of higher priority than an UNDER head is stolen.
    assert_eq!(s.runq(PcpuId(0)).len(), 1);
}

#[test]
fn cache_hot_vcpus_are_not_stolen() {
    let mut s = CreditScheduler::new(SchedParams {
        migration_delay_us: 5000,
        ..SchedParams::default()
    })
    .unwrap();
    s.add_pcpu(PcpuId(0), 0).unwrap();
    let vs = dom(&mut s, 1, 2, 256, 0);
    for &v in &vs {
        s.wake(v, 0);
    }
    s.schedule(PcpuId(0), 0);
    s.yield_(vs[0], 2 * MS);
    s.schedule(PcpuId(0), 2 * MS); // vs[0] descheduled at 2 ms: hot
    s.add_pcpu(PcpuId(1), 3 * MS).unwrap();
    assert_eq!(s.schedule(PcpuId(1), 3 * MS).vcpu, None);
    assert_eq!(s.schedule(PcpuId(1), 8 * MS).vcpu, Some(vs[0]));
}

#[test]
fn affinity_moves_queued_and_running_vcpus() {
    let mut s = sched(2);
    let v = dom(&mut s, 1, 1, 256, 0)[0];
    s.wake(v, 0);
    let p = s.vcpu_info(v).unwrap().processor;
    s.schedule(p, 0);
    let other = PcpuId(1 - p.0);
    let k = s
        .set_affinity(v, Some(CpuMask::single(other)), None, MS)
        .unwrap();
    assert_eq!(k, CpuMask::single(p), "running: its pCPU must reschedule");
    let d = s.schedule(p, MS);
    assert_eq!(d.vcpu, None);
    assert!(d.kick.test(other));
    assert_eq!(s.vcpu_info(v).unwrap().processor, other);
    assert_eq!(s.schedule(other, MS).vcpu, Some(v));
    assert_eq!(
        s.set_affinity(v, Some(CpuMask::single(PcpuId(7))), None, 0),
        Err(SchedError::EmptyAffinity)
    );
}

#[test]
fn removing_a_pcpu_evacuates_and_breaks_affinity() {
    let mut s = sched(2);
    let v = dom(&mut s, 1, 1, 256, 0)[0];
    s.set_affinity(v, Some(CpuMask::single(PcpuId(1))), None, 0)
        .unwrap();
    s.wake(v, 0);
    assert_eq!(s.schedule(PcpuId(1), 0).vcpu, Some(v));
    let k = s.remove_pcpu(PcpuId(1), 5 * MS).unwrap();
    assert!(k.test(PcpuId(0)));
    let i = s.vcpu_info(v).unwrap();
    assert_eq!(i.processor, PcpuId(0));
    assert!(i.hard_affinity.test(PcpuId(0)));
    assert_eq!(s.schedule(PcpuId(0), 5 * MS).vcpu, Some(v));
    assert_eq!(s.remove_pcpu(PcpuId(0), 6 * MS), Err(SchedError::LastPcpu));
    assert_eq!(
        s.remove_pcpu(PcpuId(1), 6 * MS),
        Err(SchedError::NoSuchPcpu(1))
    );
}

#[test]
fn vcpu_set_offlines_and_onlines() {
    let mut s = sched(1);
    let vs = dom(&mut s, 1, 2, 256, 0);
    s.wake(vs[0], 0);
    s.wake(vs[1], 0);
    s.schedule(PcpuId(0), 0);
    let k = s.set_vcpus_online(DomainId(1), 1, MS).unwrap();
    assert!(s.vcpu_info(vs[1]).unwrap().offline);
    assert!(!s.vcpu_info(vs[1]).unwrap().queued);
    assert!(k.is_empty());
    assert!(s.set_vcpus_online(DomainId(1), 3, MS).is_err());
    s.set_vcpus_online(DomainId(1), 2, MS).unwrap();
    assert!(s.vcpu_info(vs[1]).unwrap().runnable);
}

#[test]
fn sched_credit_validation_and_weight_bookkeeping() {
    let mut s = sched(1);
    let v = dom(&mut s, 1, 2, 256, 0)[0];
    let bad = DomainParamsUpdate {
        weight: None,
        cap: Some(201),
    };
    assert!(matches!(
        s.set_domain_params(DomainId(1), bad),
        Err(SchedError::CapOutOfRange { max: 200, .. })
    ));
    assert!(matches!(
        s.set_domain_params(DomainId(9), DomainParamsUpdate::default()),
        Err(SchedError::NoSuchDomain(DomainId(9)))
    ));
    s.wake(v, 0);
    s.schedule(PcpuId(0), 0);
    s.tick(PcpuId(0), 10 * MS);
    assert_eq!(s.g.weight, 256);
    s.set_domain_params(
        DomainId(1),
        DomainParamsUpdate {
            weight: Some(1000),
            cap: Some(50),
        },
    )
    .unwrap();
    assert_eq!(s.g.weight, 1000);
    assert_eq!(
        s.domain_params(DomainId(1)).unwrap(),
        DomainParams {
            weight: 1000,
            cap: 50
        }
    );
}

#[test]
fn running_domain_cannot_be_removed() {
    let mut s = sched(1);
    let v = dom(&mut s, 1, 1, 256, 0)[0];
    s.wake(v, 0);
    s.schedule(PcpuId(0), 0);
    assert_eq!(
        s.remove_domain(DomainId(1)),
        Err(SchedError::DomainBusy(DomainId(1)))
    );
    s.sleep(v, MS);
    s.schedule(PcpuId(0), MS);
    s.remove_domain(DomainId(1)).unwrap();
    assert!(s.vcpu_info(v).is_err());
    // The slot is reused.
    let w = dom(&mut s, 2, 1, 256, 0)[0];
    assert_eq!(w, v);
}

#[test]
fn tick_migrates_running_vcpu_off_a_pcpu_with_pinned_waiting_work() {
    let mut s = sched(2);
    let free = dom(&mut s, 1, 1, 256, 0)[0];
    let pinned = dom(&mut s, 2, 1, 256, 0)[0];
    s.set_affinity(free, Some(CpuMask::single(PcpuId(0))), None, 0)
        .unwrap();
    s.set_affinity(pinned, Some(CpuMask::single(PcpuId(0))), None, 0)
        .unwrap();
    s.wake(free, 0);
    s.wake(pinned, 0);
    assert_eq!(s.schedule(PcpuId(0), 0).vcpu, Some(free));
    s.set_affinity(free, Some(CpuMask::first_n(2)), None, 0)
        .unwrap();
    s.tick(PcpuId(0), 10 * MS); // activates
    let k = s.tick(PcpuId(0), 20 * MS); // pCPU 1 idle, pinned work waits
    assert!(k.test(PcpuId(0)));
    let d = s.schedule(PcpuId(0), 20 * MS);
    assert_eq!(d.vcpu, Some(pinned));
    assert!(d.kick.test(PcpuId(1)));
    assert_eq!(s.schedule(PcpuId(1), 20 * MS).vcpu, Some(free));
    assert_eq!(s.idle_pcpu_with_waiting_work(), None);
}
