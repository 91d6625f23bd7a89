//! Shared helpers for the property tests: random workloads and their runs.
#![allow(dead_code)]

use xen_sched_credit::sim::{Simulator, Stats, Workload};

/// One domain of hogs.
#[derive(Clone, Debug)]
pub struct HogDomain {
    pub weight: u32,
    pub cap: u32,
    pub vcpus: u32,
    /// Hard affinity as an xl cpulist, `None` = all pCPUs.
    pub pin: Option<String>,
}

/// Renders a workload file for `doms` on `pcpus` pCPUs.
pub fn hog_workload_text(pcpus: u32, doms: &[HogDomain], extra: &str) -> String {
    let mut s = format!("pcpus {pcpus}\nduration 10s\nsample 1s\n{extra}\n");
    for (i, d) in doms.iter().enumerate() {
        s += &format!(
            "domain d{i} vcpus={} weight={} cap={} load=hog{}\n",
            d.vcpus,
            d.weight,
            d.cap,
            d.pin
                .as_ref()
                .map_or(String::new(), |p| format!(" pin={p}"))
        );
    }
    s
}

/// Parses and runs a workload text.
pub fn run_text(text: &str) -> Stats {
    let wl = Workload::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    Simulator::new(wl).expect("valid workload").run()
}

/// Per-vCPU (share, fair share) pairs in percent of one pCPU.
pub fn vcpu_pairs(stats: &Stats) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for d in &stats.domains {
        for (k, (s, f)) in d.vcpu_share_pct.iter().zip(&d.vcpu_fair_pct).enumerate() {
            out.push((format!("{}.{k}", d.name), *s, *f));
        }
    }
    out
}

/// Proptest configuration: `cases` cases (or `PROPTEST_CASES`), from a
/// fixed seed so CI runs are reproducible (`PROPTEST_RNG_SEED` overrides;
/// `PROPTEST_RNG_SEED=random` explores new cases).
pub fn prop_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let mut c = Config::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
    );
    c.rng_seed = match std::env::var("PROPTEST_RNG_SEED").ok().as_deref() {
        Some("random") => RngSeed::Random,
        Some(v) => v
            .parse()
            .map(RngSeed::Fixed)
            .unwrap_or(RngSeed::Fixed(0x5eed)),
        None => RngSeed::Fixed(0x5eed),
    };
    c.failure_persistence = None;
    c
}
