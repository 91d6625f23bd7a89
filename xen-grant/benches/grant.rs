//! Grant-table benchmarks on the host world, each against a same-run
//! reference:
//! - `map+unmap`: one grant mapped and unmapped (with the TLB-flush step and
//!   completion) on one thread; reference: the guest-memory floor of the
//!   flag protocol (compare-and-swap in the use bits, clear them again).
//! - `map+unmap scaling`: N threads (vCPUs of the mapping domain) each
//!   mapping and unmapping its own grant; reference: N threads doing the
//!   same number of atomic read-modify-writes on their own cache lines
//!   (what the machine itself scales to).
//! - `copy 4 KiB`: one `GNTTABOP_copy` element from a granted frame into
//!   the caller's frame; reference: a plain 4 KiB copy between the same
//!   frames.
//! - `copy 4 KiB x16 batched`: sixteen such elements in one call (the grant
//!   is acquired once, as Xen caches it); reference: sixteen plain copies.
//! - `copy 4 KiB, 64 MiB working set`: one element per call, each call on
//!   the next of 8,192 grants (distinct source and destination frames, 64
//!   MiB in all, twice the last-level cache), as a backend copying guest
//!   packets sees memory; reference: plain 4 KiB copies over the same
//!   frame pairs in the same order.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use xen_abi::grant_table::{GnttabCopy, GnttabCopyPtr, GNTCOPY_SOURCE_GREF, GNTMAP_HOST_MAP};
use xen_abi::{DomId, GrantRef};
use xen_grant::host::HostWorld;
use xen_grant::ops;
use xen_grant::{
    map_grant_ref, unmap_grant_ref, Caller, DomainConfig, GrantWorld, MapRequest, UnmapRequest,
};
use xen_mem::FrameMemory;

const BACKEND: DomId = DomId(0);
const GUEST: DomId = DomId(1);

fn world() -> HostWorld {
    let w = HostWorld::new(1024);
    w.create_domain(
        BACKEND,
        DomainConfig {
            translated: false,
            privileged: true,
            vcpus: 4,
            ..Default::default()
        },
        64,
    );
    w.create_domain(GUEST, DomainConfig::default(), 64);
    let g = w.guest_table(GUEST).unwrap();
    // Grants far apart so threads never share a cache line of the table.
    for t in 0..4u32 {
        g.grant_access(8 + 64 * t, BACKEND, u64::from(t), false)
            .unwrap();
    }
    w
}

/// One map + unmap + flush + completion by `vcpu` of its grant.
fn map_unmap(w: &HostWorld, caller: &Caller<'_>, vcpu: u32) {
    // Far apart: neighbouring PTEs of different vCPUs would share a line.
    let addr = 0x1000 * u64::from(1 + 64 * vcpu);
    let m = map_grant_ref(
        w,
        caller,
        &MapRequest {
            host_addr: addr,
            flags: GNTMAP_HOST_MAP,
            gref: GrantRef(8 + 64 * vcpu),
            dom: GUEST,
        },
    )
    .expect("map");
    let p = unmap_grant_ref(
        w,
        caller,
        &UnmapRequest {
            host_addr: addr,
            handle: m.handle,
            ..Default::default()
        },
    )
    .expect("unmap");
    w.flush_tlb(BACKEND);
    p.complete(w, caller);
}

fn bench_map_unmap(c: &mut Criterion) {
    let w = world();
    let caller = Caller::new(w.grant_domain(BACKEND).unwrap(), 0);
    let mut g = c.benchmark_group("xen-grant: map+unmap one grant");
    g.bench_function("ours", |b| b.iter(|| map_unmap(&w, &caller, 0)));
    let frame = w.grant_domain(GUEST).unwrap().table().shared_frames()[0];
    let mem = w.host_memory();
    g.bench_function("reference", |b| {
        b.iter(|| {
            let cur = mem.load::<u32>(frame, 8 * 8).unwrap();
            let _ = mem.compare_exchange::<u32>(frame, 8 * 8, cur, cur | 0x18);
            mem.fetch_and::<u16>(frame, 8 * 8, !0x18).unwrap();
        })
    });
    g.finish();
}

/// Wall time for `threads` threads each running `iters` rounds of `f`.
fn parallel(threads: u32, iters: u64, f: impl Fn(u32) + Sync) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let f = &f;
            s.spawn(move || {
                for _ in 0..iters {
                    f(t);
                }
            });
        }
    });
    start.elapsed()
}

#[repr(align(128))]
struct Line(AtomicU64);

/// A same-run comparison robust to a noisy machine: `samples` rounds, each
/// timing `k` calls of `ours` and `k` of `reference` back to back (which
/// goes first alternates). Returns the median time per call of each and the
/// median over rounds of reference time / our time (for copies of the same
/// bytes: our share of the reference's bandwidth).
fn interleaved(
    samples: usize,
    k: u64,
    mut ours: impl FnMut(),
    mut reference: impl FnMut(),
) -> (f64, f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..k {
            f();
        }
        t.elapsed().as_nanos() as f64 / k as f64
    };
    let (mut o, mut r, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for s in 0..samples {
        let (a, b) = if s % 2 == 0 {
            let a = time(&mut ours);
            (a, time(&mut reference))
        } else {
            let b = time(&mut reference);
            (time(&mut ours), b)
        };
        o.push(a);
        r.push(b);
        ratio.push(b / a);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut o), median(&mut r), median(&mut ratio))
}

fn print_interleaved(what: &str, (ours, reference, ratio): (f64, f64, f64)) {
    println!(
        "{what}, interleaved (median of 101 rounds): ours {ours:.1} ns, reference {reference:.1} ns, \
         {:.1} % of memcpy bandwidth",
        100.0 * ratio
    );
}

fn bench_scaling(c: &mut Criterion) {
    let w = world();
    let d0 = w.grant_domain(BACKEND).unwrap();
    let lines: Vec<Line> = (0..4).map(|_| Line(AtomicU64::new(0))).collect();
    let mut g = c.benchmark_group("xen-grant: map+unmap scaling");
    for threads in [1u32, 2] {
        g.bench_with_input(BenchmarkId::new("ours", threads), &threads, |b, &n| {
            b.iter_custom(|iters| parallel(n, iters, |t| map_unmap(&w, &Caller::new(d0, t), t)))
        });
        g.bench_with_input(BenchmarkId::new("reference", threads), &threads, |b, &n| {
            b.iter_custom(|iters| {
                parallel(n, iters, |t| {
                    let l = &lines[t as usize].0;
                    for _ in 0..20 {
                        l.fetch_add(1, Ordering::AcqRel);
                    }
                })
            })
        });
    }
    g.finish();
    // The figure the target is about: throughput of 2 threads over 1.
    let iters = 200_000;
    let measure = |n| {
        (0..5)
            .map(|_| parallel(n, iters, |t| map_unmap(&w, &Caller::new(d0, t), t)))
            .min()
            .unwrap()
    };
    let (t1, t2) = (measure(1), measure(2));
    let speedup = 2.0 * t1.as_secs_f64() / t2.as_secs_f64();
    println!(
        "xen-grant: map+unmap throughput, 2 threads on disjoint grants vs 1: {speedup:.2}x \
         (1 thread {:.1} ns/op, 2 threads {:.1} ns per pair)",
        t1.as_nanos() as f64 / iters as f64,
        t2.as_nanos() as f64 / iters as f64
    );
}

fn bench_copy(c: &mut Criterion) {
    let w = world();
    let caller = Caller::new(w.grant_domain(BACKEND).unwrap(), 0);
    let src = w.gfn_to_mfn(GUEST, 0).unwrap();
    let dst = w.gfn_to_mfn(BACKEND, 5).unwrap();
    let mem = w.host_memory();
    let element = GnttabCopy {
        source: GnttabCopyPtr::from_gref(GrantRef(8), GUEST, 0),
        dest: GnttabCopyPtr::from_gmfn(5, DomId::SELF, 0),
        len: 4096,
        flags: GNTCOPY_SOURCE_GREF,
        ..Default::default()
    };
    let ours = || {
        let mut op = [element];
        ops::copy(&w, &caller, &mut op, || false);
        assert_eq!(black_box(op[0].status), 0);
    };
    let reference = || mem.copy(src, 0, dst, 0, 4096).unwrap();
    let mut g = c.benchmark_group("xen-grant: copy 4 KiB");
    g.throughput(criterion::Throughput::Bytes(4096));
    g.bench_function("ours", |b| b.iter(ours));
    g.bench_function("reference", |b| b.iter(reference));
    g.finish();

    // Xen's buffer reuse: consecutive elements on the same frames acquire
    // the grant once per hypercall.
    const BATCH: usize = 16;
    let ours_batch = || {
        let mut op = [element; BATCH];
        ops::copy(&w, &caller, &mut op, || false);
        assert_eq!(black_box(op[BATCH - 1].status), 0);
    };
    let reference_batch = || {
        for _ in 0..BATCH {
            mem.copy(src, 0, dst, 0, 4096).unwrap();
        }
    };
    let mut g = c.benchmark_group("xen-grant: copy 4 KiB x16 batched");
    g.throughput(criterion::Throughput::Bytes(4096 * BATCH as u64));
    g.bench_function("ours", |b| b.iter(ours_batch));
    g.bench_function("reference", |b| b.iter(reference_batch));
    g.finish();

    print_interleaved(
        "xen-grant: copy 4 KiB",
        interleaved(101, 2000, ours, reference),
    );
    print_interleaved(
        "xen-grant: copy 4 KiB x16 batched",
        interleaved(101, 200, ours_batch, reference_batch),
    );
}

/// Frames per side in the working-set benchmark (32 MiB each).
const SPREAD: u32 = 8192;

fn bench_copy_working_set(c: &mut Criterion) {
    let w = HostWorld::new(4 * SPREAD as usize + 1024);
    w.create_domain(
        BACKEND,
        DomainConfig {
            translated: false,
            privileged: true,
            ..Default::default()
        },
        u64::from(SPREAD),
    );
    w.create_domain(GUEST, DomainConfig::default(), u64::from(SPREAD));
    let guest = Caller::new(w.grant_domain(GUEST).unwrap(), 0);
    let frames = SPREAD.div_ceil(512);
    let mut setup = xen_abi::grant_table::GnttabSetupTable {
        dom: DomId::SELF,
        nr_frames: frames,
        ..Default::default()
    };
    ops::setup_table(&w, &guest, &mut setup);
    assert_eq!(setup.status, 0, "grant table of {frames} frames");
    let g = w.guest_table(GUEST).unwrap();
    for i in 0..SPREAD {
        g.grant_access(i, BACKEND, u64::from(i), true).unwrap();
    }
    let caller = Caller::new(w.grant_domain(BACKEND).unwrap(), 0);
    let pairs: Vec<_> = (0..SPREAD)
        .map(|i| {
            (
                w.gfn_to_mfn(GUEST, u64::from(i)).unwrap(),
                w.gfn_to_mfn(BACKEND, u64::from(i)).unwrap(),
            )
        })
        .collect();
    let mem = w.host_memory();
    let mut g = c.benchmark_group("xen-grant: copy 4 KiB, 64 MiB working set");
    g.throughput(criterion::Throughput::Bytes(4096));
    let next = std::cell::Cell::new(0u32);
    let ours = || {
        let i = (next.get() + 1) % SPREAD;
        next.set(i);
        let mut op = [GnttabCopy {
            source: GnttabCopyPtr::from_gref(GrantRef(i), GUEST, 0),
            dest: GnttabCopyPtr::from_gmfn(u64::from(i), DomId::SELF, 0),
            len: 4096,
            flags: GNTCOPY_SOURCE_GREF,
            ..Default::default()
        }];
        ops::copy(&w, &caller, &mut op, || false);
        assert_eq!(op[0].status, 0);
    };
    let next_ref = std::cell::Cell::new(0usize);
    let reference = || {
        let i = (next_ref.get() + 1) % pairs.len();
        next_ref.set(i);
        let (s, d) = pairs[i];
        mem.copy(s, 0, d, 0, 4096).unwrap()
    };
    g.bench_function("ours", |b| b.iter(ours));
    g.bench_function("reference", |b| b.iter(reference));
    g.finish();
    print_interleaved(
        "xen-grant: copy 4 KiB, 64 MiB working set",
        interleaved(101, 2000, ours, reference),
    );
}

criterion_group!(
    benches,
    bench_map_unmap,
    bench_scaling,
    bench_copy,
    bench_copy_working_set
);
criterion_main!(benches);
