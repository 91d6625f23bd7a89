//! The shipped sample workloads run, are deterministic, and the simulator
//! applies (or refuses, with xl's message) toolstack commands.

use std::path::PathBuf;

use xen_sched_credit::sim::{svg, Simulator, Workload};

fn workloads() -> Vec<(String, Workload)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workloads");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).expect("workloads dir") {
        let path = e.expect("entry").path();
        if path.extension().is_some_and(|x| x == "wl") {
            let text = std::fs::read_to_string(&path).expect("readable");
            let wl = Workload::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            out.push((path.display().to_string(), wl));
        }
    }
    assert!(out.len() >= 6);
    out
}

#[test]
fn every_sample_workload_runs_within_machine_capacity() {
    for (name, mut wl) in workloads() {
        wl.duration_ns = wl.duration_ns.min(2_000_000_000);
        wl.measure_from_ns = 0;
        let pcpus = wl.pcpus;
        let st = Simulator::new(wl).expect("valid").run();
        let total: f64 = st.domains.iter().map(|d| d.share_pct).sum();
        assert!(total > 0.0, "{name}: nothing ran");
        assert!(total <= f64::from(pcpus) * 100.0 + 0.01, "{name}: {total}%");
        assert!(svg::share_plot(&st, &name).contains("<polyline"));
    }
}

#[test]
fn runs_are_deterministic() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workloads/io-sleepers.wl"),
    )
    .unwrap();
    let run = || {
        Simulator::new(Workload::parse(&text).unwrap())
            .unwrap()
            .run()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.events, b.events);
    assert_eq!(a.report(), b.report());
}

#[test]
fn commands_are_applied_or_refused_like_xl() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("workloads/hotplug.wl"),
    )
    .unwrap();
    let st = Simulator::new(Workload::parse(&text).unwrap())
        .unwrap()
        .run();
    let log: Vec<&str> = st.log.iter().map(|(_, m)| m.as_str()).collect();
    assert!(log.contains(&"vcpu-set grow 4"));
    assert!(log.contains(
        &"sched-credit -d steady -c 500: error: Cpu cap out of range, valid range is from 0 to 200 for specified number of vcpus"
    ));
    // Between 2 s and 4 s, 6 hogs share 4 pCPUs: "grow" (4 vCPUs) gets
    // about 4/6 of them.
    let (t, s) = st
        .samples
        .iter()
        .find(|(t, _)| *t == 3_000_000_000)
        .expect("sample at 3 s");
    assert_eq!(*t, 3_000_000_000);
    assert!((s[0] - 266.7).abs() < 30.0, "grow at 3 s: {}", s[0]);
}

#[test]
fn weight_change_mid_run_shifts_shares() {
    let wl = Workload::parse(
        "pcpus 1\nduration 4s\nsample 1s\ndomain a\ndomain b\nat 2s sched-credit -d b -w 768\n",
    )
    .unwrap();
    let st = Simulator::new(wl).unwrap().run();
    let at = |sec: u64| {
        &st.samples
            .iter()
            .find(|(t, _)| *t == sec * 1_000_000_000)
            .unwrap()
            .1
    };
    assert!((at(2)[1] - 50.0).abs() < 5.0);
    assert!(
        (at(4)[1] - 75.0).abs() < 5.0,
        "b after the change: {}",
        at(4)[1]
    );
}
