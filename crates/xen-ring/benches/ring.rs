#![allow(missing_docs)] // criterion_group! generates undocumented items.
//! Ring front ↔ back on two threads with notification suppression, next to
//! a minimal lock-free single-producer/single-consumer queue of the same
//! depth moving the same number of items between the same two threads (the
//! floor for cross-core hand-off). Also prints notifications per request.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use xen_mem::{FrameMemory, HostMemory};
use xen_ring::{BackRing, FrontRing, SharedRing};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

const N: u64 = 20_000;

/// Waits politely: spin briefly, then give the core away, so the benchmark
/// also makes progress when both threads share one core.
fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins % 64 == 0 {
        std::thread::yield_now();
    } else {
        std::hint::spin_loop();
    }
}

#[derive(Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Req {
    id: u64,
    rest: [u64; 13],
}

#[derive(Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
struct Rsp {
    id: u64,
    status: i64,
}

/// Streams N requests through a one-page ring; returns notifications sent.
fn ring_stream(mem: &HostMemory) -> u64 {
    let f = [mem.alloc_frame().unwrap()];
    let mut front: FrontRing<_, Req, Rsp> =
        FrontRing::new(SharedRing::new::<Req, Rsp>(mem, &f).unwrap()).unwrap();
    let mut back: BackRing<_, Req, Rsp> =
        BackRing::attach(SharedRing::new::<Req, Rsp>(mem, &f).unwrap()).unwrap();
    let kick = AtomicBool::new(false);
    let mut notifications = 0;
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut answered = 0;
            while answered < N {
                while let Some(r) = back.take_request().unwrap() {
                    back.push_response(&Rsp {
                        id: r.id,
                        status: 0,
                    })
                    .unwrap();
                    answered += 1;
                }
                back.push_responses_and_check_notify().unwrap();
                // All answered: stop (waiting for a kick here would never end).
                if answered < N && !back.final_check_for_requests().unwrap() {
                    let mut spins = 0;
                    while !kick.swap(false, Ordering::AcqRel)
                        && back.unconsumed_requests().unwrap() == 0
                    {
                        backoff(&mut spins);
                    }
                }
            }
        });
        let (mut sent, mut received) = (0, 0);
        let mut spins = 0;
        while received < N {
            while sent < N && front.free_requests() > 0 {
                front
                    .push_request(&Req {
                        id: sent,
                        rest: [0; 13],
                    })
                    .unwrap();
                sent += 1;
            }
            if front.push_requests_and_check_notify().unwrap() {
                notifications += 1;
                kick.store(true, Ordering::Release);
            }
            while front.take_response().unwrap().is_some() {
                received += 1;
            }
            backoff(&mut spins);
        }
    });
    mem.free_frame(f[0]).unwrap();
    notifications
}

/// The floor: N items through a 32-slot SPSC queue and N acknowledgements back.
fn spsc_stream() {
    let slots: Vec<AtomicU64> = (0..32).map(|_| AtomicU64::new(0)).collect();
    let (head, tail, acked) = (AtomicU32::new(0), AtomicU32::new(0), AtomicU64::new(0));
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut t = 0u32;
            let mut got = 0;
            let mut spins = 0;
            while got < N {
                let h = head.load(Ordering::Acquire);
                while t != h {
                    std::hint::black_box(slots[(t % 32) as usize].load(Ordering::Relaxed));
                    t = t.wrapping_add(1);
                    got += 1;
                }
                tail.store(t, Ordering::Release);
                acked.store(got, Ordering::Release);
                backoff(&mut spins);
            }
        });
        let mut h = 0u32;
        let mut sent = 0;
        let mut spins = 0;
        while acked.load(Ordering::Acquire) < N {
            while sent < N && h.wrapping_sub(tail.load(Ordering::Acquire)) < 32 {
                slots[(h % 32) as usize].store(sent, Ordering::Relaxed);
                h = h.wrapping_add(1);
                sent += 1;
            }
            head.store(h, Ordering::Release);
            backoff(&mut spins);
        }
    });
}

fn bench(c: &mut Criterion) {
    let mem = HostMemory::new(4);
    let notes = ring_stream(&mem);
    eprintln!(
        "xen-ring: {} notifications for {N} requests = {:.4} per request",
        notes,
        notes as f64 / N as f64
    );
    let mut g = c.benchmark_group("xen-ring: 2-thread stream, 1-page ring");
    g.throughput(Throughput::Elements(N));
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("ours", |b| b.iter(|| ring_stream(&mem)));
    g.bench_function("reference", |b| b.iter(spsc_stream));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
