//! Benchmarks of the credit scheduler: one decision, one tick, one
//! accounting pass, and a whole simulation.
//!
//! Each group is named `xen-sched-credit: <case>` and holds `ours` and a
//! `reference`: a comparable floor measured in the same run (a binary heap
//! pop and push of the same size for a decision, a pass over a vector of the
//! same size for accounting, a bare event loop for the simulator).

use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_main, BenchmarkId, Criterion};
use xen_sched_credit::sim::fixtures::Loaded;
use xen_sched_credit::sim::{Simulator, Workload};

const PCPUS: u32 = 64;
const SIZES: [u32; 3] = [16, 256, 4096];

fn decision(c: &mut Criterion) {
    let mut g = c.benchmark_group("xen-sched-credit: decision");
    for &n in &SIZES {
        let mut l = Loaded::new(PCPUS, n);
        g.bench_with_input(BenchmarkId::new("ours", n), &n, |b, _| {
            // Time whole rounds (one decision per pCPU); ticks and
            // accounting run between rounds, outside the measurement.
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let rounds = iters.div_ceil(u64::from(PCPUS));
                for _ in 0..rounds {
                    let t = Instant::now();
                    for _ in 0..PCPUS {
                        black_box(l.decide());
                    }
                    total += t.elapsed();
                    l.maintain();
                }
                total.mul_f64(iters as f64 / (rounds * u64::from(PCPUS)) as f64)
            })
        });
        let mut heap: BinaryHeap<(i32, u32)> = (0..n).map(|i| ((i % 7) as i32, i)).collect();
        g.bench_with_input(BenchmarkId::new("reference", n), &n, |b, _| {
            b.iter(|| {
                let (pri, v) = heap.pop().expect("non-empty");
                heap.push((black_box(pri - 1), v));
            })
        });
    }
    g.finish();
}

fn tick(c: &mut Criterion) {
    let mut g = c.benchmark_group("xen-sched-credit: tick");
    for &n in &SIZES {
        let mut l = Loaded::new(PCPUS, n);
        g.bench_with_input(BenchmarkId::new("ours", n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let rounds = iters.div_ceil(u64::from(PCPUS));
                for r in 0..rounds {
                    if r % 3 == 0 {
                        l.account();
                    }
                    let t = Instant::now();
                    for _ in 0..PCPUS {
                        l.tick_next();
                    }
                    total += t.elapsed();
                }
                total.mul_f64(iters as f64 / (rounds * u64::from(PCPUS)) as f64)
            })
        });
        let per_pcpu = (n / PCPUS).max(1) as usize;
        let mut credits: Vec<i32> = (0..per_pcpu as i32).collect();
        g.bench_with_input(BenchmarkId::new("reference", n), &n, |b, _| {
            // Charge one running vCPU and partition one queue by sign.
            b.iter(|| {
                credits[0] -= black_box(100);
                credits.sort_unstable_by_key(|c| *c < 0);
                black_box(&credits);
            })
        });
    }
    g.finish();
}

fn accounting(c: &mut Criterion) {
    let mut g = c.benchmark_group("xen-sched-credit: accounting");
    for &n in &SIZES {
        let mut l = Loaded::new(PCPUS, n);
        g.bench_with_input(BenchmarkId::new("ours", n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // One slice of decisions and ticks between passes.
                    for _ in 0..PCPUS {
                        l.decide();
                        l.maintain();
                    }
                    let t = Instant::now();
                    l.account();
                    total += t.elapsed();
                }
                total
            })
        });
        let mut credits: Vec<(i32, u8)> = (0..n as i32).map(|i| (i - 100, 0)).collect();
        g.bench_with_input(BenchmarkId::new("reference", n), &n, |b, _| {
            b.iter(|| {
                for c in credits.iter_mut() {
                    c.0 = (c.0 + black_box(75)).clamp(-300, 300);
                    c.1 = u8::from(c.0 < 0);
                }
                black_box(&credits);
            })
        });
    }
    g.finish();
}

/// 1,000 vCPUs on 64 pCPUs for 10 simulated seconds: 500 hogs in
/// 4-vCPU domains of mixed weight, 500 I/O-bound vCPUs.
fn thousand_vcpus() -> String {
    let mut s = String::from("pcpus 64\nduration 10s\nsample 1s\n");
    for d in 0..125 {
        let w = [128, 256, 512, 1024][d % 4];
        s += &format!("domain hog{d} vcpus=4 weight={w} load=hog\n");
    }
    for d in 0..125 {
        s += &format!("domain io{d} vcpus=4 load=io:200us:4ms:50\n");
    }
    s
}

fn simulation(c: &mut Criterion) {
    let mut g = c.benchmark_group("xen-sched-credit: simulate 10s of 1000 vCPUs");
    g.sample_size(10);
    let wl = Workload::parse(&thousand_vcpus()).expect("valid");
    let events = Simulator::new(wl.clone()).expect("valid").run().events;
    g.bench_function("ours", |b| {
        b.iter(|| black_box(Simulator::new(wl.clone()).expect("valid").run()))
    });
    g.bench_function("reference", |b| {
        // The same number of events through a bare virtual-clock loop.
        b.iter(|| {
            let mut heap = BinaryHeap::new();
            let mut now = 0u64;
            for i in 0..1000u64 {
                heap.push(std::cmp::Reverse((i * 7919 % 30_000, i)));
            }
            for _ in 0..events {
                let std::cmp::Reverse((t, i)) = heap.pop().expect("non-empty");
                now = t;
                heap.push(std::cmp::Reverse((t + 1 + (i * 7919 + t) % 30_000, i)));
            }
            black_box(now)
        })
    });
    g.finish();
}

mod group {
    use super::{accounting, decision, simulation, tick};
    criterion::criterion_group!(benches, decision, tick, accounting, simulation);
}
criterion_main!(group::benches);
