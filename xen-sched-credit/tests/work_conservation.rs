//! Work conservation: at every quiescent instant of a simulation, no pCPU is
//! idle while a runnable vCPU that may run there waits in a run queue.

mod common;

use common::*;
use proptest::prelude::*;
use xen_sched_credit::sim::{Simulator, Workload};

fn check(text: &str) {
    let wl = Workload::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut sim = Simulator::new(wl).unwrap();
    let mut steps = 0u64;
    while let Some(t) = sim.step() {
        steps += 1;
        if let Some((p, v)) = sim.sched.idle_pcpu_with_waiting_work() {
            if std::env::var("WC_DUMP").is_ok() {
                std::fs::write("/tmp/cs/wc_fail.wl", text).unwrap();
            }
            panic!(
                "at {t} ns pCPU {p} idles while {v} waits ({:?}) on {:?}\n{text}",
                sim.sched.vcpu_info(v).unwrap(),
                sim.sched.runq(sim.sched.vcpu_info(v).unwrap().processor)
            );
        }
    }
    assert!(steps > 10, "only {steps} instants simulated");
}

#[test]
fn mixed_workload_with_pins_caps_and_hotplug() {
    check(
        "pcpus 4\nduration 3s\n\
         domain web vcpus=3 load=io:300us:2ms:50\n\
         domain db vcpus=2 load=hog pin=0-1\n\
         domain batch vcpus=2 weight=128 cap=60 load=hog\n\
         domain pinned load=hog pin=3\n\
         at 0.5s vcpu-pin web all 2-3\n\
         at 1s vcpu-set batch 1\n\
         at 1.2s pcpu-remove 2\n\
         at 1.5s sched-credit -d db -w 1024\n\
         at 2s pcpu-add 2\n\
         at 2.2s vcpu-set batch 2\n\
         at 2.5s pause web\n\
         at 2.7s unpause web\n",
    );
}

#[test]
fn preempted_vcpu_moves_to_an_idle_pcpu() {
    // A vCPU pinned to pCPU 0 wakes boosted and preempts the free hog there;
    // the hog must move to idle pCPU 1 rather than wait.
    check(
        "pcpus 2\nduration 2s\n\
         domain hog load=hog\n\
         domain io load=io:500us:3ms:50 pin=0\n",
    );
}

fn load() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("hog".to_string()),
        (20u32..=2000, 200u32..=20000, 0u32..=60)
            .prop_map(|(b, t, j)| format!("io:{b}us:{t}us:{j}")),
    ]
}

fn affinity(pcpus: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        1 => (0..pcpus).prop_map(|p| format!(" pin={p}")),
        1 => (0..pcpus, 0..pcpus).prop_map(|(a, b)| format!(" pin={}-{}", a.min(b), a.max(b))),
        1 => (0..pcpus).prop_map(|p| format!(" soft={p}")),
    ]
}

proptest! {
    #![proptest_config(prop_config(32))]

    #[test]
    fn no_idle_pcpu_while_allowed_work_waits(
        pcpus in 1u32..=4,
        doms in prop::collection::vec(
            (1u32..=3, prop_oneof![Just(128u32), Just(256), Just(512)], prop_oneof![3 => Just(0u32), 1 => 10u32..=150], load(), 0u32..4),
            1..=5,
        ),
        ratelimit in prop_oneof![Just(0u32), Just(1000), 100u32..=3000],
        seed in 1u64..1000,
    ) {
        let mut text = format!("pcpus {pcpus}\nduration 1s\nseed {seed}\nratelimit {ratelimit}us\n");
        for (i, (vcpus, weight, cap, load, aff)) in doms.iter().enumerate() {
            let aff = match aff % 4 {
                0 | 1 => String::new(),
                2 => format!(" pin={}", (i as u32) % pcpus),
                _ => format!(" soft={}", (i as u32) % pcpus),
            };
            let cap = (*cap).min(vcpus * 100);
            text += &format!("domain d{i} vcpus={vcpus} weight={weight} cap={cap} load={load}{aff}\n");
        }
        let _ = affinity(pcpus);
        check(&text);
    }
}
