//! p50/p99 of one scheduling decision, one tick and one accounting pass at
//! 16, 256 and 4,096 vCPUs on 64 pCPUs.
//!
//! Criterion reports means; this times individual calls with
//! `std::time::Instant` on a loaded machine (see `sim::fixtures`) and prints
//! percentiles. The cost of reading the clock is measured the same way and
//! subtracted (it is printed too).
//!
//! ```text
//! cargo run --release -p xen-sched-credit --example latency [samples]
//! ```

use std::hint::black_box;
use std::time::Instant;

use xen_sched_credit::sim::fixtures::Loaded;

const PCPUS: u32 = 64;

fn pct(sorted: &[u64], p: f64) -> u64 {
    sorted[((p / 100.0) * (sorted.len() - 1) as f64).round() as usize]
}

fn summary(name: &str, n: u32, mut v: Vec<u64>, overhead: u64) {
    v.sort_unstable();
    let net = |x: u64| x.saturating_sub(overhead);
    println!(
        "{name:<10} {n:>5} vCPUs  p50 {:>7} ns  p99 {:>7} ns  p99.9 {:>7} ns  max {:>8} ns",
        net(pct(&v, 50.0)),
        net(pct(&v, 99.0)),
        net(pct(&v, 99.9)),
        net(*v.last().expect("samples"))
    );
}

fn main() {
    let samples: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let mut clock = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        clock.push(t.elapsed().as_nanos() as u64);
    }
    clock.sort_unstable();
    let overhead = pct(&clock, 50.0);
    println!("clock read overhead (p50, subtracted): {overhead} ns; {samples} samples per row");

    for n in [16, 256, 4096] {
        let mut l = Loaded::new(PCPUS, n);
        let mut d = Vec::with_capacity(samples);
        while d.len() < samples {
            for _ in 0..PCPUS {
                let t = Instant::now();
                black_box(l.decide());
                d.push(t.elapsed().as_nanos() as u64);
            }
            l.maintain();
        }
        summary("decision", n, d, overhead);

        let mut t_ns = Vec::with_capacity(samples);
        let mut round = 0;
        while t_ns.len() < samples {
            if round % 3 == 0 {
                l.account();
            }
            round += 1;
            for _ in 0..PCPUS {
                let t = Instant::now();
                l.tick_next();
                t_ns.push(t.elapsed().as_nanos() as u64);
            }
        }
        summary("tick", n, t_ns, overhead);

        let passes = (samples / 64).max(100);
        let mut a = Vec::with_capacity(passes);
        for _ in 0..passes {
            for _ in 0..PCPUS {
                l.decide();
                l.maintain();
            }
            let t = Instant::now();
            l.account();
            a.push(t.elapsed().as_nanos() as u64);
        }
        summary("accounting", n, a, overhead);
    }
}
