//! Multi-threaded stress: hostile guest threads rewrite every shared word
//! (shared_info, vcpu_info, FIFO control blocks and event arrays) while
//! other threads bind, close, send, unmask, re-prioritise and reset, and
//! well-behaved domains ping-pong events beside them. Nothing may panic or
//! hang, the channel table must stay consistent, well-behaved domains must
//! lose no wakeup, and no frame the engine was not given may change.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rand_like::Rng;
use xen_abi::{DomId, EvtchnPort};
use xen_evtchn::guest::{FifoGuest, TwoLevelGuest};
use xen_evtchn::host::HostEventChannels;
use xen_evtchn::{Abi, Domain, EvtchnError as E, PortStatus};
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};

/// A tiny xorshift generator (no extra dependency).
mod rand_like {
    pub struct Rng(pub u64);
    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }
}

const RUN: Duration = Duration::from_millis(1500);

fn hostile_writer(ev: &HostEventChannels, frames: &[Mfn], seed: u64, stop: &AtomicBool) {
    let mem = ev.memory();
    let mut rng = Rng(seed | 1);
    while !stop.load(Ordering::Relaxed) {
        let f = frames[rng.below(frames.len() as u64) as usize];
        let off = (rng.below(PAGE_SIZE as u64 / 4) * 4) as usize;
        let v = rng.next() as u32;
        let _ = match rng.below(5) {
            0 => mem.store::<u32>(f, off, v),
            1 => mem.fetch_or::<u32>(f, off, v & 0xF000_0000).map(|_| ()),
            2 => mem.fetch_and::<u32>(f, off, v | 0x0FFF_FFFF).map(|_| ()),
            3 => mem.store::<u8>(f, off, v as u8),
            _ => mem.store::<u64>(f, off & !7, (v as u64) << 32 | v as u64),
        };
    }
}

/// Checks every interdomain channel's peer points back at it.
fn check_consistent(ev: &HostEventChannels, doms: &[Arc<Domain>]) {
    for d in doms {
        let mut active = 0;
        for port in 1..4096 {
            let Ok(st) = ev.status(d, d.id(), EvtchnPort(port)) else {
                break;
            };
            if st.status != PortStatus::Closed {
                active += 1;
            }
            if let PortStatus::Interdomain {
                remote,
                remote_port,
            } = st.status
            {
                let r = ev.domain(remote).expect("peer exists");
                let back = ev.status(&r, remote, remote_port).unwrap().status;
                assert_eq!(
                    back,
                    PortStatus::Interdomain {
                        remote: d.id(),
                        remote_port: EvtchnPort(port)
                    }
                );
            }
        }
        assert_eq!(active, d.active_ports(), "{:?}", d.id());
    }
}

#[test]
fn hostile_guests_cannot_break_the_engine() {
    let (ev, d) = system_frames(3, 2, 4095, 512);
    let canary = ev.memory().alloc_frame().unwrap();
    ev.memory().fill(canary, 0, PAGE_SIZE, 0x3C).unwrap();
    let fifo = to_fifo(&ev, &d[2], 2);
    let mut attacked = vec![d[1].shared_info(), d[2].shared_info()];
    attacked.push(fifo[0].word(EvtchnPort(0)).unwrap().mfn);
    attacked.push(fifo[0].word(EvtchnPort(1024)).unwrap().mfn);
    for v in 0..2 {
        attacked.push(d[2].fifo_control_block(v).unwrap().mfn);
    }
    let stop = AtomicBool::new(false);
    let ops = AtomicU64::new(0);
    std::thread::scope(|s| {
        let (ev, d, stop, ops) = (&ev, &d, &stop, &ops);
        for seed in [0x1234_5678u64, 0x9abc_def0] {
            let attacked = attacked.clone();
            s.spawn(move || hostile_writer(ev, &attacked, seed, stop));
        }
        // Senders: domain 0 to 1 and 2, and back.
        s.spawn(move || {
            let mut rng = Rng(77);
            let mut chans = vec![];
            while !stop.load(Ordering::Relaxed) {
                if chans.len() < 40 {
                    let peer = &d[1 + rng.below(2) as usize];
                    if let Ok(pb) = ev.alloc_unbound(peer, DomId::SELF, DomId(0)) {
                        match ev.bind_interdomain(&d[0], peer.id(), pb) {
                            Ok(pa) => chans.push((peer.clone(), pa, pb)),
                            Err(_) => {
                                let _ = ev.close(peer, pb);
                            }
                        }
                    }
                }
                for (peer, pa, pb) in &chans {
                    let r = ev.send(&d[0], *pa);
                    assert!(matches!(r, Ok(()) | Err(E::Inval)), "{r:?}");
                    let _ = ev.send(peer, *pb);
                    ops.fetch_add(2, Ordering::Relaxed);
                }
                if rng.below(4) == 0 && !chans.is_empty() {
                    let (peer, pa, pb) = chans.swap_remove(rng.below(chans.len() as u64) as usize);
                    let _ = if rng.below(2) == 0 {
                        ev.close(&d[0], pa)
                    } else {
                        ev.close(&peer, pb)
                    };
                    let _ = ev.close(&d[0], pa);
                    let _ = ev.close(&peer, pb);
                }
            }
        });
        // Domain-internal churn in the attacked domains.
        for who in [1usize, 2] {
            s.spawn(move || {
                let mut rng = Rng(who as u64 * 1000 + 1);
                while !stop.load(Ordering::Relaxed) {
                    let dom = &d[who];
                    let port = EvtchnPort(rng.below(80) as u32);
                    let _ = match rng.below(9) {
                        0 => ev.bind_ipi(dom, rng.below(2) as u32).map(|_| ()),
                        1 => ev.bind_virq(dom, rng.below(24) as u32, 0).map(|_| ()),
                        2 => ev.close(dom, port),
                        3 => ev.unmask(dom, port),
                        4 => ev.set_priority(dom, port, rng.below(17) as u32),
                        5 => ev.bind_vcpu(dom, port, rng.below(2) as u32),
                        6 => ev.send(dom, port),
                        7 => {
                            ev.send_vcpu_virq(dom, rng.below(2) as u32, 0);
                            ev.send_domain_virq(dom, 2);
                            Ok(())
                        }
                        _ => ev.poll_port(dom, port).map(|_| ()),
                    };
                    ops.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // Guest upcall loops on the attacked domains, following garbage.
        s.spawn(move || {
            let g1 = guest2l(&d[1], 0);
            let mut g2 = fifo.clone();
            while !stop.load(Ordering::Relaxed) {
                g1.scan(ev.memory(), 4, |_| ());
                for g in g2.iter_mut() {
                    g.scan(ev.memory(), 64, |_| ());
                    g.unmask(ev.memory(), EvtchnPort(5), |p| {
                        let _ = ev.unmask(&d[2], p);
                    });
                }
            }
        });
        s.spawn(move || {
            std::thread::sleep(RUN);
            stop.store(true, Ordering::Relaxed);
        });
    });
    assert!(ops.load(Ordering::Relaxed) > 1000);
    check_consistent(&ev, &d);
    let mut buf = vec![0u8; PAGE_SIZE];
    ev.memory().read(canary, 0, &mut buf).unwrap();
    assert!(
        buf.iter().all(|&b| b == 0x3C),
        "a frame the engine was not given changed"
    );
    // Teardown returns everything.
    for dom in &d {
        ev.destroy_domain(dom).unwrap();
    }
    for dom in &d {
        assert_eq!(dom.active_ports(), 0);
        assert_eq!(ev.world().frame_refs(dom.id()), 0);
        assert_eq!(Arc::strong_count(dom), 1);
    }
}

/// One side of a ping-pong: waits for its port, answers on it.
fn pong_2l(
    ev: &HostEventChannels,
    d: &Domain,
    port: EvtchnPort,
    rounds: u64,
    serve_first: bool,
) -> u64 {
    let g: TwoLevelGuest = guest2l(d, 0);
    let mut got = 0;
    if serve_first {
        ev.send(d, port).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut kicks = 0;
    while got < rounds {
        let mut hit = false;
        g.scan(ev.memory(), 2, |p| hit |= p == port);
        if hit {
            got += 1;
            if got < rounds || !serve_first {
                ev.send(d, port).unwrap();
            }
            continue;
        }
        assert!(Instant::now() < deadline, "lost wakeup after {got} rounds");
        kicks = ev
            .world()
            .wait_for_kick(d.id(), 0, kicks, Duration::from_millis(5));
    }
    got
}

fn pong_fifo(
    ev: &HostEventChannels,
    d: &Domain,
    g: &mut FifoGuest,
    port: EvtchnPort,
    rounds: u64,
    serve_first: bool,
) -> u64 {
    let mut got = 0;
    if serve_first {
        ev.send(d, port).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut kicks = 0;
    while got < rounds {
        let mut hit = false;
        g.scan(ev.memory(), 64, |p| hit |= p == port);
        if hit {
            got += 1;
            if got < rounds || !serve_first {
                ev.send(d, port).unwrap();
            }
            continue;
        }
        assert!(Instant::now() < deadline, "lost wakeup after {got} rounds");
        kicks = ev
            .world()
            .wait_for_kick(d.id(), 0, kicks, Duration::from_millis(5));
    }
    got
}

#[test]
fn ping_pong_loses_no_wakeup_2level() {
    let (ev, d) = system(2, 1, 1023);
    let (pa, pb) = connect(&ev, &d[0], &d[1]);
    guest2l(&d[0], 0).scan(ev.memory(), 1, |_| ());
    const N: u64 = 20_000;
    std::thread::scope(|s| {
        let (ev, d) = (&ev, &d);
        let a = s.spawn(move || pong_2l(ev, &d[0], pa, N, true));
        let b = s.spawn(move || pong_2l(ev, &d[1], pb, N, false));
        assert_eq!(a.join().unwrap(), N);
        assert_eq!(b.join().unwrap(), N);
    });
}

#[test]
fn ping_pong_loses_no_wakeup_fifo() {
    let (ev, d) = system(2, 1, 1023);
    let (pa, pb) = connect(&ev, &d[0], &d[1]);
    let mut ga = to_fifo(&ev, &d[0], 1).remove(0);
    let mut gb = to_fifo(&ev, &d[1], 1).remove(0);
    ga.unmask(ev.memory(), pa, |p| ev.unmask(&d[0], p).unwrap());
    gb.unmask(ev.memory(), pb, |p| ev.unmask(&d[1], p).unwrap());
    ga.scan(ev.memory(), 8, |_| ());
    const N: u64 = 20_000;
    std::thread::scope(|s| {
        let (ev, d) = (&ev, &d);
        let a = s.spawn(move || pong_fifo(ev, &d[0], &mut ga, pa, N, true));
        let b = s.spawn(move || pong_fifo(ev, &d[1], &mut gb, pb, N, false));
        assert_eq!(a.join().unwrap(), N);
        assert_eq!(b.join().unwrap(), N);
    });
    assert_eq!(d[0].abi(), Abi::Fifo);
}
