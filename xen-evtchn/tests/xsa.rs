//! One regression test per event-channel XSA in the reference notes, named
//! after it. Each reproduces the hostile pattern the advisory describes and
//! checks the engine neither panics nor corrupts state or memory.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use xen_abi::{DomId, EvtchnPort};
use xen_evtchn::abi::*;
use xen_evtchn::host::HostWorld;
use xen_evtchn::{Abi, EventChannels, EvtchnError as E, EvtchnPolicy, FrameLoc};
use xen_mem::{FrameMemory, Gfn, HostMemory, Mfn, PAGE_SIZE};

fn p(n: u32) -> EvtchnPort {
    EvtchnPort(n)
}

fn run_for(d: Duration, stop: &AtomicBool) -> bool {
    let start = Instant::now();
    while start.elapsed() < d {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

/// XSA-46: PIRQ binding must check the caller may use the PIRQ; a refused
/// bind leaves no port and no interrupt binding behind.
#[test]
fn xsa_46_bind_pirq_checks_access_first() {
    let (ev, d) = system(1, 1, 1023);
    world(&ev).set_nr_pirqs(D0, 32);
    assert_eq!(ev.bind_pirq(&d[0], 7, false), Err(E::Perm));
    assert_eq!(d[0].active_ports(), 0);
    assert_eq!(world(&ev).pirq_port(D0, 7), None);
    world(&ev).permit_pirq(D0, 7);
    assert_eq!(ev.bind_pirq(&d[0], 7, false), Ok(p(1)));
}

struct DenyInterdomain;
impl EvtchnPolicy for DenyInterdomain {
    fn bind_interdomain(&self, _: DomId, _: DomId, _: EvtchnPort) -> Result<(), E> {
        Err(E::Perm)
    }
    fn alloc_unbound(&self, _: DomId, dom: DomId, _: DomId) -> Result<(), E> {
        if dom == D2 {
            Err(E::Acces)
        } else {
            Ok(())
        }
    }
}

/// XSA-47: storage for a port was published before the policy check and
/// left dangling when the check failed. A refused bind must leave the
/// port free and the table consistent, whatever it grew.
#[test]
fn xsa_47_policy_refusal_leaves_no_dangling_port() {
    let ev = EventChannels::with_policy(HostMemory::new(16), HostWorld::new(4), DenyInterdomain);
    let d: Vec<_> = (0..3)
        .map(|i| ev.add_host_domain(DomId(i), 1, 1023).unwrap())
        .collect();
    // Fill the first bucket so the refused bind has to grow the table.
    for _ in 1..64 {
        ev.bind_ipi(&d[0], 0).unwrap();
    }
    let pb = ev.alloc_unbound(&d[1], DomId::SELF, D0).unwrap();
    assert_eq!(ev.bind_interdomain(&d[0], D1, pb), Err(E::Perm));
    assert_eq!(ev.alloc_unbound(&d[2], DomId::SELF, D0), Err(E::Acces));
    assert_eq!(d[0].active_ports(), 63);
    assert_eq!(d[2].active_ports(), 0);
    assert_eq!(
        ev.status(&d[0], D0, p(64)).unwrap().status,
        xen_evtchn::PortStatus::Closed
    );
    assert_eq!(
        ev.status(&d[1], D1, pb).unwrap().status,
        xen_evtchn::PortStatus::Unbound { remote: D0 }
    );
    // The port the refused bind considered is handed out next.
    assert_eq!(ev.bind_ipi(&d[0], 0), Ok(p(64)));
}

/// XSA-107: with FIFO, an event bound to a vCPU without a control block, or
/// whose last queue is on such a vCPU, crashed Xen.
#[test]
fn xsa_107_fifo_events_on_vcpus_without_control_block() {
    let (ev, d) = system(1, 3, 1023);
    let to0 = ev.bind_ipi(&d[0], 0).unwrap();
    let to1 = ev.bind_ipi(&d[0], 1).unwrap();
    let to2 = ev.bind_ipi(&d[0], 2).unwrap();
    // Only vCPU 1 registers a control block (vCPU 0, the default last
    // queue, has none).
    let cb = ev.add_guest_frame(D0, Gfn(1)).unwrap();
    ev.init_control(&d[0], 1, Gfn(1), 0).unwrap();
    let page = ev.add_guest_frame(D0, Gfn(2)).unwrap();
    ev.expand_array(&d[0], Gfn(2)).unwrap();
    for port in [to0, to1, to2] {
        ev.memory()
            .store::<u32>(page, port.0 as usize * 4, 0)
            .unwrap();
        ev.send(&d[0], port).unwrap();
        ev.unmask(&d[0], port).unwrap();
    }
    // Only vCPU 1's event was queued.
    let mut g = xen_evtchn::guest::FifoGuest::new(
        FrameLoc { mfn: cb, offset: 0 },
        d[0].vcpu_info(1).unwrap(),
    );
    g.push_page(page);
    let mut seen = vec![];
    g.scan(ev.memory(), 10, |x| seen.push(x));
    assert_eq!(seen, vec![to1]);
    // Moving ports between vCPUs with and without blocks is harmless.
    let (pa, pb) = connect(&ev, &d[0], &d[0]);
    for v in [2, 0, 1, 2] {
        ev.bind_vcpu(&d[0], pb, v).unwrap();
        ev.send(&d[0], pa).unwrap();
    }
}

/// XSA-221: operations on ports whose storage does not exist (beyond the
/// allocated buckets, or beyond the FIFO event array) dereferenced NULL.
#[test]
fn xsa_221_ports_without_storage() {
    let (ev, d) = system(1, 1, 131_071);
    for port in [64, 1000, 4095, 4096, 131_071, 131_072, u32::MAX] {
        let port = p(port);
        assert_eq!(ev.send(&d[0], port), Err(E::Inval));
        assert_eq!(ev.unmask(&d[0], port), Err(E::Inval));
        assert_eq!(ev.close(&d[0], port), Err(E::Inval));
        assert_eq!(ev.poll_port(&d[0], port), Err(E::Inval));
        assert_eq!(ev.bind_vcpu(&d[0], port, 0), Err(E::Inval));
        assert_eq!(ev.set_priority(&d[0], port, 0), Err(E::Inval));
        assert_eq!(ev.status(&d[0], D0, port), Err(E::Inval));
        assert_eq!(ev.port_pending_masked(&d[0], port), None);
        ev.send_pirq(&d[0], port);
    }
    // FIFO with no event-array page at all: bound ports have no word.
    let ipi = ev.bind_ipi(&d[0], 0).unwrap();
    ev.add_guest_frame(D0, Gfn(1)).unwrap();
    ev.init_control(&d[0], 0, Gfn(1), 0).unwrap();
    ev.send(&d[0], ipi).unwrap();
    ev.unmask(&d[0], ipi).unwrap();
    assert_eq!(ev.poll_port(&d[0], ipi), Ok(false));
    assert_eq!(ev.port_pending_masked(&d[0], ipi), Some((false, true)));
    ev.close(&d[0], ipi).unwrap();
}

/// XSA-338: a port once valid must stay valid, even when a reset shrinks
/// the ABI's limit from FIFO's 2^17 back to 2-level's 4096.
#[test]
fn xsa_338_valid_ports_stay_valid_across_reset() {
    let (ev, d) = system_frames(1, 1, 131_071, 64);
    let _g = to_fifo(&ev, &d[0], 5);
    let mut last = p(0);
    for _ in 0..5000 {
        last = ev.bind_ipi(&d[0], 0).unwrap();
    }
    assert_eq!(last, p(5000));
    ev.reset(&d[0], DomId::SELF, false).unwrap();
    assert_eq!(d[0].abi(), Abi::TwoLevel);
    // Still valid (not -EINVAL from a missing bucket), just closed.
    assert_eq!(ev.unmask(&d[0], last), Ok(()));
    assert_eq!(ev.close(&d[0], last), Err(E::Inval));
    assert_eq!(
        ev.status(&d[0], D0, last).unwrap().status,
        xen_evtchn::PortStatus::Closed
    );
    // And no longer allocatable under 2-level.
    for _ in 1..4096 {
        ev.bind_ipi(&d[0], 0).unwrap();
    }
    assert_eq!(ev.bind_ipi(&d[0], 0), Err(E::NoSpc));
}

/// XSA-340: the port table grows while other CPUs look ports up without a
/// lock; a lookup must see either no port or a complete one.
#[test]
fn xsa_340_lookups_race_table_growth() {
    let (ev, d) = system(2, 2, 4095);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (ev, d, stop) = (&ev, &d, &stop);
        s.spawn(move || {
            for _ in 0..4000 {
                ev.bind_ipi(&d[0], 1).unwrap();
            }
            stop.store(true, Ordering::Relaxed);
        });
        s.spawn(move || {
            let mut port = 1;
            while !stop.load(Ordering::Relaxed) {
                let r = ev.send(&d[0], p(port));
                assert!(matches!(r, Ok(()) | Err(E::Inval)), "{r:?}");
                let _ = ev.unmask(&d[0], p(port + 1));
                let _ = ev.status(&d[0], D0, p(port + 2));
                port = port % 4094 + 1;
            }
        });
    });
    assert_eq!(d[0].active_ports(), 4000);
    for port in 1..=4000 {
        assert_eq!(ev.send(&d[0], p(port)), Ok(()));
    }
}

/// XSA-342: ports beyond the 2-level range (e.g. left from FIFO) must never
/// be reachable in 2-level mode, or their bits land outside the bitmaps.
#[test]
fn xsa_342_no_2level_bits_beyond_the_bitmaps() {
    let (ev, d) = system_frames(1, 1, 131_071, 64);
    let _g = to_fifo(&ev, &d[0], 5);
    for _ in 0..4200 {
        ev.bind_ipi(&d[0], 0).unwrap();
    }
    ev.reset(&d[0], DomId::SELF, false).unwrap();
    let si = d[0].shared_info();
    let mut before = vec![0u8; PAGE_SIZE];
    ev.memory().read(si, 0, &mut before).unwrap();
    // Poke every high port every way a guest or Xen can.
    for port in 4090..4200 {
        let _ = ev.unmask(&d[0], p(port));
        let _ = ev.send(&d[0], p(port));
        let _ = ev.close(&d[0], p(port));
        let _ = ev.poll_port(&d[0], p(port));
    }
    let mut after = vec![0u8; PAGE_SIZE];
    ev.memory().read(si, 0, &mut after).unwrap();
    assert_eq!(
        before[3072..],
        after[3072..],
        "nothing written past evtchn_mask"
    );
}

/// XSA-343: reset raced with sends and binds; state and ABI changed under
/// operations that had not locked them. Races reset (with FIFO re-init on
/// fresh frames each round) against a remote sender and a local binder,
/// then checks no released frame was written after its release.
#[test]
fn xsa_343_reset_races_send_and_bind() {
    let (ev, d) = system_frames(2, 2, 4095, 2048);
    let stop = AtomicBool::new(false);
    let released: std::sync::Mutex<Vec<Mfn>> = std::sync::Mutex::new(Vec::new());
    const POISON: u8 = 0xA5;
    std::thread::scope(|s| {
        let (ev, d, stop, released) = (&ev, &d, &stop, &released);
        // Domain 0 keeps a channel to domain 1 and sends on it.
        s.spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok(pb) = ev.alloc_unbound(&d[1], D1, D0) else {
                    continue;
                };
                let Ok(pa) = ev.bind_interdomain(&d[0], D1, pb) else {
                    let _ = ev.close(&d[1], pb);
                    continue;
                };
                for _ in 0..50 {
                    let _ = ev.send(&d[0], pa);
                }
                let _ = ev.close(&d[0], pa);
            }
        });
        // Domain 1's second vCPU binds and sends IPIs.
        s.spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(port) = ev.bind_ipi(&d[1], 1) {
                    let _ = ev.send(&d[1], port);
                    let _ = ev.unmask(&d[1], port);
                    let _ = ev.set_priority(&d[1], port, 3);
                }
            }
        });
        // Domain 1's first vCPU: FIFO on fresh frames, then reset.
        s.spawn(move || {
            let mut gfn = 0x1000u64;
            for _round in 0..150 {
                let mut frames = vec![];
                for _ in 0..2 {
                    gfn += 1;
                    frames.push(ev.add_guest_frame(D1, Gfn(gfn)).unwrap());
                }
                let _ = ev.init_control(&d[1], 0, Gfn(gfn - 1), 0);
                let _ = ev.expand_array(&d[1], Gfn(gfn));
                for _ in 0..20 {
                    match ev.reset(&d[1], DomId::SELF, false) {
                        Ok(()) => break,
                        Err(E::Again) | Err(E::Busy) => continue,
                        Err(e) => panic!("{e:?}"),
                    }
                }
                if d[1].abi() == Abi::TwoLevel && world(ev).frame_refs(D1) == 0 {
                    for &f in &frames {
                        ev.memory().fill(f, 0, PAGE_SIZE, POISON).unwrap();
                    }
                    released.lock().unwrap().extend(frames);
                }
            }
            stop.store(true, Ordering::Relaxed);
        });
    });
    let released = released.into_inner().unwrap();
    assert!(!released.is_empty());
    let mut buf = vec![0u8; PAGE_SIZE];
    for f in released {
        ev.memory().read(f, 0, &mut buf).unwrap();
        assert!(
            buf.iter().all(|&b| b == POISON),
            "frame {f:?} written after release"
        );
    }
}

/// XSA-344: reset and destroy ran unboundedly long. Both check for
/// preemption at least every 64 ports.
#[test]
fn xsa_344_reset_and_destroy_are_preemptible() {
    let (ev, d) = system(2, 1, 4095);
    for _ in 0..4000 {
        ev.bind_ipi(&d[0], 0).unwrap();
    }
    world(&ev).set_preempt_every(1);
    let mut calls = 0;
    let mut resuming = false;
    loop {
        calls += 1;
        let before = d[0].active_ports();
        match ev.reset(&d[0], DomId::SELF, resuming) {
            Ok(()) => break,
            Err(E::Restart) => {
                assert!(
                    before - d[0].active_ports() <= 64,
                    "closed too many in one go"
                );
                resuming = true;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(calls > 4000 / 64);
    for _ in 0..4000 {
        connect(&ev, &d[1], &d[0]);
    }
    let mut calls = 0;
    loop {
        calls += 1;
        let before = d[1].active_ports();
        match ev.destroy_domain(&d[1]) {
            Ok(()) => break,
            Err(E::Restart) => assert!(before - d[1].active_ports() <= 64),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(calls > 4000 / 64);
    assert_eq!(d[1].active_ports(), 0);
}

/// XSA-358: queue heads were published after the control block pointer, so
/// a racing send could write a head through a stale pointer. Registers a
/// control block while another CPU sends to that vCPU, and checks nothing
/// outside the block was written.
#[test]
fn xsa_358_control_block_published_whole() {
    for round in 0..50 {
        let (ev, d) = system(1, 2, 1023);
        let ipi = ev.bind_ipi(&d[0], 1).unwrap();
        ev.add_guest_frame(D0, Gfn(1)).unwrap();
        ev.init_control(&d[0], 0, Gfn(1), 0).unwrap();
        let page = ev.add_guest_frame(D0, Gfn(2)).unwrap();
        ev.expand_array(&d[0], Gfn(2)).unwrap();
        let cb = ev.add_guest_frame(D0, Gfn(3)).unwrap();
        ev.memory().fill(cb, 0, PAGE_SIZE, 0x5A).unwrap();
        let offset = 8 * (round % 8) as usize + 512;
        // The block itself starts zeroed, as a guest would leave it.
        ev.memory()
            .fill(cb, offset, FIFO_CONTROL_BLOCK_SIZE, 0)
            .unwrap();
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    ev.memory()
                        .store::<u32>(page, ipi.0 as usize * 4, 0)
                        .unwrap();
                    let _ = ev.send(&d[0], ipi);
                }
            });
            s.spawn(|| {
                ev.init_control(&d[0], 1, Gfn(3), offset as u32).unwrap();
                run_for(Duration::from_millis(2), &done);
                done.store(true, Ordering::Relaxed);
            });
        });
        let mut buf = vec![0u8; PAGE_SIZE];
        ev.memory().read(cb, 0, &mut buf).unwrap();
        for (i, &b) in buf.iter().enumerate() {
            if !(offset..offset + FIFO_CONTROL_BLOCK_SIZE).contains(&i) {
                assert_eq!(b, 0x5A, "byte {i} outside the control block written");
            }
        }
    }
}

/// XSA-359: an event-array page was used before its pointer was visible.
/// Expands the array while another CPU sends to ports in the new page;
/// every event ends up pending in its word (none lost, none misplaced) —
/// including those sent in the window where the page is being added, which
/// Xen itself can lose.
#[test]
fn xsa_359_event_array_growth_races_send() {
    // Several rounds make the race window likely to be hit at least once.
    for _round in 0..60 {
        let (ev, d) = system_frames(1, 1, 4095, 64);
        let ports: Vec<_> = (0..2000).map(|_| ev.bind_ipi(&d[0], 0).unwrap()).collect();
        ev.add_guest_frame(D0, Gfn(1)).unwrap();
        ev.init_control(&d[0], 0, Gfn(1), 0).unwrap();
        let pages: Vec<_> = (0..2)
            .map(|i| ev.add_guest_frame(D0, Gfn(10 + i)).unwrap())
            .collect();
        std::thread::scope(|s| {
            s.spawn(|| {
                for &port in &ports {
                    ev.send(&d[0], port).unwrap();
                }
            });
            s.spawn(|| {
                ev.expand_array(&d[0], Gfn(10)).unwrap();
                ev.expand_array(&d[0], Gfn(11)).unwrap();
            });
        });
        for &port in &ports {
            let page = pages[port.0 as usize / 1024];
            let w = ev
                .memory()
                .load::<u32>(page, (port.0 as usize % 1024) * 4)
                .unwrap();
            assert_ne!(w & (1 << EVTCHN_FIFO_PENDING), 0, "port {port:?} lost");
        }
    }
}

/// XSA-496 (post-4.17 code, but the pattern matters): the bind_virq error
/// path undid work it had not done. A guest that exhausts its ports and
/// then binds a VIRQ must change nothing.
#[test]
fn xsa_496_bind_virq_failure_has_no_side_effects() {
    let (ev, d) = system(2, 1, 10);
    let dom_exc = ev.bind_virq(&d[0], VIRQ_DOM_EXC, 0).unwrap();
    for _ in 0..10 {
        ev.bind_ipi(&d[1], 0).unwrap();
    }
    assert_eq!(ev.bind_virq(&d[1], VIRQ_DOM_EXC, 0), Err(E::NoSpc));
    assert_eq!(ev.bind_virq(&d[1], VIRQ_DEBUG, 0), Err(E::NoSpc));
    ev.send_global_virq(VIRQ_DOM_EXC);
    assert!(
        pending2l(&ev, &d[0], dom_exc),
        "the handler domain still gets it"
    );
    ev.close(&d[1], p(3)).unwrap();
    assert_eq!(ev.bind_virq(&d[1], VIRQ_DEBUG, 0), Ok(p(3)));
}

/// XSA-505: expand_array checked for FIFO before taking the event lock and
/// raced reset. Races them and checks frame references stay balanced
/// (the host world panics on a double release).
#[test]
fn xsa_505_expand_array_races_reset() {
    let (ev, d) = system_frames(1, 1, 1023, 64);
    ev.add_guest_frame(D0, Gfn(1)).unwrap();
    ev.add_guest_frame(D0, Gfn(2)).unwrap();
    for _ in 0..300 {
        let _ = ev.init_control(&d[0], 0, Gfn(1), 0);
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..3 {
                    let r = ev.expand_array(&d[0], Gfn(2));
                    assert!(matches!(r, Ok(()) | Err(E::OpNotSupp)), "{r:?}");
                }
            });
            s.spawn(|| {
                ev.reset(&d[0], DomId::SELF, false).unwrap();
            });
        });
        let expected = match d[0].abi() {
            Abi::TwoLevel => 0,
            Abi::Fifo => 1 + d[0].fifo_array_pages(),
        };
        assert_eq!(world(&ev).frame_refs(D0), expected);
        let _ = ev.reset(&d[0], DomId::SELF, false);
        assert_eq!(world(&ev).frame_refs(D0), 0);
    }
}

#[allow(dead_code)]
fn _types(_: Arc<HostMemory>) {}
