//! Event-channel benchmarks on the host world, each group with `ours` and a
//! same-run `reference`:
//!
//! - `send → pending (2-level)`: `EVTCHNOP_send` on an interdomain channel,
//!   then a load of the receiver's `shared_info` pending word showing the
//!   bit, then the receiver clearing the bit again (so every send is an
//!   edge, as when the receiver keeps up). The selector and upcall stay
//!   raised, as in a receiver that has not run its upcall yet: this is the
//!   engine's hot path (channel read lock, pending `fetch_or`, mask load,
//!   selector `fetch_or`, poller check). `ours, upcall edge` also clears the
//!   selector and `evtchn_upcall_pending`, so each send raises both and
//!   kicks the vCPU. Reference: the floor of the same work, one `fetch_or`
//!   on a `u64` in guest memory, a load, and the receiver's `fetch_and`.
//! - `send → linked (FIFO)`: the same on a FIFO receiver: the send sets
//!   PENDING and LINKED in the event word and links it into the queue
//!   (queue lock, head write, ready bit); the load sees LINKED; the receiver
//!   then clears the word as its consumer does. Reference: `fetch_or` on a
//!   `u32`, a load, a store. After both groups the four loops run again
//!   taking turns (51 rounds of 20,000 calls) and the medians are printed.
//! - `ping-pong`: two threads; A sends to B, B's upcall loop (the crate's
//!   guest-side [`TwoLevelGuest::scan`] / [`FifoGuest::scan`], spinning)
//!   sees the event and sends back, N round trips per sample. Reference:
//!   two threads ping-ponging through a plain `AtomicU64` flag (each waits
//!   for its value, stores the other's). Waiters spin (with a yield every
//!   256 turns, on both sides, so the run still progresses when the 2-core
//!   machine is shared); nobody sleeps. The target's figure is printed
//!   after the group: 15 samples of 20,000 round trips each, the three
//!   kinds taking turns, the median time per kind and the median of the
//!   per-sample ratios to the reference.
//! - `scan`: one upcall-handler scan by the guest (`scan` of the crate's
//!   guest side) over a domain with 4,095 (2-level's whole port space) or
//!   100,000 (FIFO only) bound ports of which 1 or 64 are pending (spread
//!   over the port range, made pending by `EVTCHNOP_send` before the timed
//!   part). Reference: a linear scan of a bitmap of the same size with the
//!   same bits set (each non-zero word loaded, each set bit cleared with a
//!   `fetch_and` and handed to the handler). Each iteration is timed on its
//!   own (the pending ports must be set up again between scans); the cost
//!   of reading the clock, measured at start-up, is subtracted from both.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use xen_abi::{DomId, EvtchnPort};
use xen_evtchn::guest::{FifoGuest, TwoLevelGuest};
use xen_evtchn::host::{HostEventChannels, HostWorld};
use xen_evtchn::{Domain, EventChannels, FrameLoc};
use xen_mem::{FrameMemory, Gfn, HostMemory};

/// Offset of the pending bitmap in `shared_info` (after 32 `vcpu_info`s).
const SI_PENDING: usize = xen_evtchn::abi::SHARED_INFO_EVTCHN_PENDING;

fn system(n: u16, max_port: u32, frames: usize) -> (HostEventChannels, Vec<Arc<Domain>>) {
    let ev = EventChannels::new(HostMemory::new(frames), HostWorld::new(4));
    let doms = (0..n)
        .map(|i| ev.add_host_domain(DomId(i), 1, max_port).unwrap())
        .collect();
    (ev, doms)
}

fn connect(ev: &HostEventChannels, a: &Arc<Domain>, b: &Domain) -> (EvtchnPort, EvtchnPort) {
    let pb = ev.alloc_unbound(b, DomId::SELF, a.id()).unwrap();
    let pa = ev.bind_interdomain(a, b.id(), pb).unwrap();
    (pa, pb)
}

fn guest2l(d: &Domain) -> TwoLevelGuest {
    TwoLevelGuest::new(d.shared_info(), d.vcpu_info(0).unwrap())
}

/// Switches `d` (one vCPU) to FIFO with `pages` event-array pages.
fn to_fifo(ev: &HostEventChannels, d: &Domain, pages: u32) -> FifoGuest {
    let gfn = Gfn(0x100);
    let mfn = ev.add_guest_frame(d.id(), gfn).unwrap();
    ev.init_control(d, 0, gfn, 64).unwrap();
    let mut g = FifoGuest::new(FrameLoc { mfn, offset: 64 }, d.vcpu_info(0).unwrap());
    for i in 0..pages {
        let gfn = Gfn(0x200 + u64::from(i));
        let mfn = ev.add_guest_frame(d.id(), gfn).unwrap();
        g.add_page(ev.memory(), mfn);
        ev.expand_array(d, gfn).unwrap();
    }
    g
}

fn bench_send(c: &mut Criterion) {
    let (ev, d) = system(2, 1023, 64);
    let (pa, pb) = connect(&ev, &d[0], &d[1]);
    let mem = ev.memory();
    let si = d[1].shared_info();
    let g = guest2l(&d[1]);
    let (word, bit) = (SI_PENDING + (pb.0 as usize / 64) * 8, 1u64 << (pb.0 % 64));
    let vi = d[1].vcpu_info(0).unwrap();
    let ours_2l = || {
        ev.send(&d[0], pa).unwrap();
        assert!(mem.load::<u64>(si, word).unwrap() & bit != 0);
        g.clear_pending(mem, pb);
    };
    let floor = mem.alloc_frame().unwrap();
    let reference_2l = || {
        mem.fetch_or::<u64>(floor, word, bit).unwrap();
        assert!(mem.load::<u64>(floor, word).unwrap() & bit != 0);
        mem.fetch_and::<u64>(floor, word, !bit).unwrap();
    };
    let mut grp = c.benchmark_group("xen-evtchn: send → pending (2-level)");
    grp.bench_function("ours", |b| b.iter(ours_2l));
    grp.bench_function("ours, upcall edge", |b| {
        b.iter(|| {
            ev.send(&d[0], pa).unwrap();
            assert!(mem.load::<u64>(si, word).unwrap() & bit != 0);
            g.clear_pending(mem, pb);
            mem.store::<u64>(vi.mfn, vi.offset + 8, 0).unwrap();
            mem.store::<u8>(vi.mfn, vi.offset, 0).unwrap();
        })
    });
    grp.bench_function("reference", |b| b.iter(reference_2l));
    grp.finish();

    // FIFO: the event word of the receiver's port is linked into its queue.
    let (evf, df) = system(2, 1023, 64);
    let (fpa, fpb) = connect(&evf, &df[0], &df[1]);
    let fmem = evf.memory();
    let fg = to_fifo(&evf, &df[1], 1);
    fg.unmask(fmem, fpb, |_| unreachable!("not pending"));
    let w = fg.word(fpb).unwrap();
    const LINKED: u32 = 1 << xen_evtchn::abi::EVTCHN_FIFO_LINKED;
    const PENDING: u32 = 1 << xen_evtchn::abi::EVTCHN_FIFO_PENDING;
    let ours_fifo = || {
        evf.send(&df[0], fpa).unwrap();
        assert_eq!(
            fmem.load::<u32>(w.mfn, w.offset).unwrap() & (LINKED | PENDING),
            LINKED | PENDING
        );
        fmem.store::<u32>(w.mfn, w.offset, 0).unwrap();
    };
    let ffloor = fmem.alloc_frame().unwrap();
    let reference_fifo = || {
        fmem.fetch_or::<u32>(ffloor, w.offset, LINKED | PENDING)
            .unwrap();
        assert!(fmem.load::<u32>(ffloor, w.offset).unwrap() & LINKED != 0);
        fmem.store::<u32>(ffloor, w.offset, 0).unwrap();
    };
    let mut grp = c.benchmark_group("xen-evtchn: send → linked (FIFO)");
    grp.bench_function("ours", |b| b.iter(ours_fifo));
    grp.bench_function("reference", |b| b.iter(reference_fifo));
    grp.finish();

    // The same four loops taking turns in rounds of 20,000 calls (a burst
    // of load on the shared machine hits all of them alike): medians.
    let runs: [&dyn Fn(); 4] = [&ours_2l, &reference_2l, &ours_fifo, &reference_fifo];
    let mut times: [Vec<f64>; 4] = Default::default();
    for s in 0..51 {
        for i in 0..4 {
            let k = (i + s) % 4;
            let t = Instant::now();
            for _ in 0..20_000 {
                runs[k]();
            }
            times[k].push(t.elapsed().as_nanos() as f64 / 20_000.0);
        }
    }
    let [o2, r2, of, rf] = times.each_mut().map(|v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    });
    println!(
        "xen-evtchn: send → pending, medians of 51 interleaved rounds: 2-level {o2:.1} ns \
         (reference {r2:.1} ns), FIFO {of:.1} ns (reference {rf:.1} ns); FIFO / 2-level {:.2}",
        of / o2
    );
}

/// `iters` round trips between two threads: `serve(true)` starts and
/// counts, `serve(false)` answers. Returns the wall time of the run.
fn two_threads(iters: u64, serve: impl Fn(bool, u64) + Sync) -> Duration {
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        let (serve, barrier) = (&serve, &barrier);
        s.spawn(move || {
            barrier.wait();
            serve(false, iters);
        });
        barrier.wait();
        let start = Instant::now();
        serve(true, iters);
        start.elapsed()
    })
}

/// One turn of a spin-wait: a pause, and after a while a yield, so that
/// on a machine with fewer free cores than spinning threads the other side
/// still gets to run (nobody sleeps).
#[inline]
fn relax(spins: u64) {
    if spins % 256 == 0 {
        std::thread::yield_now();
    } else {
        std::hint::spin_loop();
    }
}

/// Spins until `poll` reports the event, yielding now and then.
fn spin_until(mut poll: impl FnMut() -> bool) {
    let mut spins = 0u64;
    while !poll() {
        spins += 1;
        assert!(spins < 1 << 34, "lost event");
        relax(spins);
    }
}

/// Spins on the 2-level upcall scan until `port` is seen.
fn wait_2l(mem: &HostMemory, g: &TwoLevelGuest, port: EvtchnPort) {
    spin_until(|| {
        let mut hit = false;
        if g.upcall_pending(mem) {
            g.scan(mem, 2, |p| hit |= p == port);
        }
        hit
    });
}

/// Spins on the FIFO upcall scan until `port` is seen.
fn wait_fifo(mem: &HostMemory, g: &mut FifoGuest, port: EvtchnPort) {
    spin_until(|| {
        let mut hit = false;
        if g.upcall_pending(mem) {
            g.scan(mem, 64, |p| hit |= p == port);
        }
        hit
    });
}

#[repr(align(128))]
struct Line(AtomicU64);

fn bench_ping_pong(c: &mut Criterion) {
    // 2-level.
    let (ev2, d2) = system(2, 1023, 64);
    let (pa2, pb2) = connect(&ev2, &d2[0], &d2[1]);
    let (ga, gb) = (guest2l(&d2[0]), guest2l(&d2[1]));
    // Binding raised the binder's port once (Xen does, for a missed event).
    assert_eq!(ga.scan(ev2.memory(), 2, |_| ()), 1);
    let ours_2l = |iters: u64| {
        two_threads(iters, |first, n| {
            let mem = ev2.memory();
            for _ in 0..n {
                if first {
                    ev2.send(&d2[0], pa2).unwrap();
                    wait_2l(mem, &ga, pa2);
                } else {
                    wait_2l(mem, &gb, pb2);
                    ev2.send(&d2[1], pb2).unwrap();
                }
            }
        })
    };
    // FIFO.
    let (ev, d) = system(2, 1023, 64);
    let (pa, pb) = connect(&ev, &d[0], &d[1]);
    let mut fa = to_fifo(&ev, &d[0], 1);
    let fb = to_fifo(&ev, &d[1], 1);
    // The binder's port is pending (see above): unmasking it links it.
    fa.unmask(ev.memory(), pa, |p| ev.unmask(&d[0], p).unwrap());
    fb.unmask(ev.memory(), pb, |_| unreachable!("not pending"));
    assert_eq!(fa.scan(ev.memory(), 8, |_| ()), 1);
    let guests = [std::sync::Mutex::new(fa), std::sync::Mutex::new(fb)];
    let ours_fifo = |iters: u64| {
        two_threads(iters, |first, n| {
            let mem = ev.memory();
            let mut g = guests[usize::from(!first)].lock().unwrap();
            for _ in 0..n {
                if first {
                    ev.send(&d[0], pa).unwrap();
                    wait_fifo(mem, &mut g, pa);
                } else {
                    wait_fifo(mem, &mut g, pb);
                    ev.send(&d[1], pb).unwrap();
                }
            }
        })
    };
    // Reference: per direction one atomic store and a spin on the flag.
    let flag = Line(AtomicU64::new(0));
    let reference = |iters: u64| {
        flag.0.store(0, Ordering::SeqCst);
        two_threads(iters, |first, n| {
            for i in 0..n {
                let (wait, set) = if first {
                    (2 * i + 2, 2 * i + 1)
                } else {
                    (2 * i + 1, 2 * i + 2)
                };
                if first {
                    flag.0.store(set, Ordering::SeqCst);
                }
                spin_until(|| flag.0.load(Ordering::SeqCst) == wait);
                if !first {
                    flag.0.store(set, Ordering::SeqCst);
                }
            }
        })
    };
    let mut grp = c.benchmark_group("xen-evtchn: ping-pong round trip");
    grp.bench_function("ours (2-level)", |b| b.iter_custom(ours_2l));
    grp.bench_function("ours (FIFO)", |b| b.iter_custom(ours_fifo));
    grp.bench_function("reference", |b| b.iter_custom(reference));
    grp.finish();

    // The figure the target is about, robust to a shared machine: samples
    // of many round trips, the three kinds taking turns (so a burst of
    // load hits all of them alike), medians per kind.
    const SAMPLES: usize = 15;
    const TRIPS: u64 = 20_000;
    let mut times: [Vec<f64>; 3] = Default::default();
    let mut ratios: [Vec<f64>; 2] = Default::default();
    for s in 0..SAMPLES {
        let mut round = [0.0; 3];
        for k in 0..3 {
            let k = (k + s) % 3;
            let t = match k {
                0 => ours_2l(TRIPS),
                1 => ours_fifo(TRIPS),
                _ => reference(TRIPS),
            };
            round[k] = t.as_nanos() as f64 / TRIPS as f64;
        }
        for k in 0..3 {
            times[k].push(round[k]);
        }
        ratios[0].push(round[0] / round[2]);
        ratios[1].push(round[1] / round[2]);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [t2, tf, tr] = times.each_mut().map(median);
    let [r2, rf] = ratios.each_mut().map(median);
    println!(
        "xen-evtchn: ping-pong round trip, median of {SAMPLES} samples of {TRIPS} round trips \
         (kinds taking turns): 2-level {t2:.0} ns, FIFO {tf:.0} ns, reference {tr:.0} ns; \
         median per-sample ratio to the reference: 2-level {r2:.2}x, FIFO {rf:.2}x"
    );
}

/// What one `Instant::now()` + `elapsed()` pair costs (mean of a run).
fn clock_overhead() -> Duration {
    let n = 200_000u32;
    let mut total = Duration::ZERO;
    for _ in 0..n {
        let t = Instant::now();
        total += black_box(t).elapsed();
    }
    total / n
}

/// `iters` timed calls of `timed`, each after an untimed `setup`.
fn timed_each(
    iters: u64,
    overhead: Duration,
    mut setup: impl FnMut(),
    mut timed: impl FnMut(),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        setup();
        let t = Instant::now();
        timed();
        total += t.elapsed().saturating_sub(overhead);
    }
    total
}

/// Reference scan: every word of a bitmap in turn; set bits cleared one by
/// one and handed on.
fn bitmap_scan(bitmap: &[AtomicU64], mut handle: impl FnMut(u32)) -> usize {
    let mut handled = 0;
    for (w, word) in bitmap.iter().enumerate() {
        let mut bits = word.load(Ordering::Acquire);
        while bits != 0 {
            let b = bits.trailing_zeros();
            bits &= bits - 1;
            if word.fetch_and(!(1 << b), Ordering::AcqRel) & (1 << b) != 0 {
                handle(w as u32 * 64 + b);
                handled += 1;
            }
        }
    }
    handled
}

/// `k` ports spread over `1..=ports`.
fn spread(ports: u32, k: u32) -> Vec<u32> {
    (0..k).map(|i| 1 + i * (ports / k)).collect()
}

fn bench_scan(c: &mut Criterion) {
    let overhead = clock_overhead();
    println!("xen-evtchn scan: clock overhead {overhead:?} per timed call (subtracted)");
    let mut grp = c.benchmark_group("xen-evtchn: scan");
    for (ports, pending) in [(4095u32, 1u32), (4095, 64), (100_000, 1), (100_000, 64)] {
        let set = spread(ports, pending);
        let case = format!("{ports} ports, {pending} pending");
        // 2-level: only up to 4,095 ports.
        if ports < 4096 {
            let (ev, d) = system(1, 4095, 64);
            for _ in 0..ports {
                ev.bind_ipi(&d[0], 0).unwrap();
            }
            let mem = ev.memory();
            let g = guest2l(&d[0]);
            grp.bench_with_input(BenchmarkId::new("ours (2-level)", &case), &set, |b, set| {
                b.iter_custom(|iters| {
                    timed_each(
                        iters,
                        overhead,
                        || {
                            for &p in set {
                                ev.send(&d[0], EvtchnPort(p)).unwrap();
                            }
                        },
                        || {
                            let n = g.scan(mem, 2, |p| {
                                black_box(p);
                            });
                            debug_assert_eq!(n, set.len());
                        },
                    )
                })
            });
        }
        // FIFO.
        let pages = ports / xen_evtchn::WORDS_PER_PAGE + 1;
        let (ev, d) = system(1, 131_071, pages as usize + 16);
        let mut g = to_fifo(&ev, &d[0], pages);
        let mem = ev.memory();
        for _ in 0..ports {
            let p = ev.bind_ipi(&d[0], 0).unwrap();
            g.unmask(mem, p, |_| unreachable!());
        }
        grp.bench_with_input(BenchmarkId::new("ours (FIFO)", &case), &set, |b, set| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    for &p in set {
                        ev.send(&d[0], EvtchnPort(p)).unwrap();
                    }
                    let t = Instant::now();
                    let n = g.scan(mem, usize::MAX, |p| {
                        black_box(p);
                    });
                    total += t.elapsed().saturating_sub(overhead);
                    debug_assert_eq!(n, set.len());
                }
                total
            })
        });
        // Reference: a bitmap of the same size.
        let bitmap: Vec<AtomicU64> = (0..=ports / 64).map(|_| AtomicU64::new(0)).collect();
        grp.bench_with_input(BenchmarkId::new("reference", &case), &set, |b, set| {
            b.iter_custom(|iters| {
                timed_each(
                    iters,
                    overhead,
                    || {
                        for &p in set {
                            bitmap[p as usize / 64].fetch_or(1 << (p % 64), Ordering::AcqRel);
                        }
                    },
                    || {
                        let n = bitmap_scan(&bitmap, |p| {
                            black_box(p);
                        });
                        debug_assert_eq!(n, set.len());
                    },
                )
            })
        });
    }
    grp.finish();
}

criterion_group!(benches, bench_send, bench_ping_pong, bench_scan);
criterion_main!(benches);
