//! Loom model of the FIFO ABI's queue linking: two hypervisor threads send
//! on two ports of one queue while the guest's upcall handler consumes the
//! queue head. The senders run the engine's linking step as `src/fifo.rs`
//! does it (`Fifo::set_pending`: under the queue lock, set PENDING, test
//! MASKED and set LINKED with the engine's own
//! [`xen_evtchn::fifo_mark_pending`] (one bounded compare-exchange of the
//! word), append to the private tail through the tail word's LINK with the
//! engine's own bounded compare-exchange — [`xen_evtchn::fifo_set_link`] —
//! or become the new head (a release store, as the engine writes it); then
//! the ready bit and the upcall); the guest runs the crate's own
//! [`FifoGuest::scan`](xen_evtchn::guest::FifoGuest::scan). Whatever the
//! interleaving: no event is lost (each sent port is consumed, or still
//! LINKED and consumed by a later scan — once, or at most once per send
//! when a port is sent twice) and the LINK fields
//! never form a cycle. A third model has the guest mask the tail port while
//! the sender links after it (the BUSY retry path), then unmask it as Linux
//! does; a fourth moves a port to another priority queue while another
//! port is sent on its old one (the two-queue lock and the old tail's
//! reset); a fifth has both senders send the same port. Exploration is bounded to 4 preemptions per execution (3 for
//! the queue move; an unbounded search did not finish in 5 minutes).
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p xen-evtchn --release --test loom_fifo`.
#![cfg(loom)]

use loom::sync::atomic::Ordering::SeqCst;
use loom::sync::{Arc, Mutex};
use xen_abi::EvtchnPort;
use xen_evtchn::abi::{
    EVTCHN_FIFO_BUSY, EVTCHN_FIFO_LINKED, EVTCHN_FIFO_LINK_MASK, EVTCHN_FIFO_MASKED,
    EVTCHN_FIFO_PENDING, FIFO_CONTROL_HEAD, FIFO_CONTROL_READY,
};
use xen_evtchn::guest::FifoGuest;
use xen_evtchn::FrameLoc;
use xen_mem::{FrameMemory, LoomMemory, Mfn};

const PENDING: u32 = 1 << EVTCHN_FIFO_PENDING;
const MASKED: u32 = 1 << EVTCHN_FIFO_MASKED;
const LINKED: u32 = 1 << EVTCHN_FIFO_LINKED;
const BUSY: u32 = 1 << EVTCHN_FIFO_BUSY;

/// Frame 0: the event array (port p's word at byte 4p: ports 1..=3 fit).
const ARRAY: Mfn = Mfn(0);
/// Frame 1: the control block at 0 (ready, head of queue 0 at 8), the
/// vCPU's `vcpu_info` at 24 (`evtchn_upcall_pending` is its first byte).
const CONTROL: FrameLoc = FrameLoc {
    mfn: Mfn(1),
    offset: 0,
};
const VCPU_INFO: FrameLoc = FrameLoc {
    mfn: Mfn(1),
    offset: 24,
};
/// The queue every port of the model is on.
const PRIO: usize = 0;
const PORTS: [u32; 3] = [1, 2, 3];

fn word(port: u32) -> FrameLoc {
    FrameLoc {
        mfn: ARRAY,
        offset: port as usize * 4,
    }
}

fn event(mem: &LoomMemory, port: u32) -> u32 {
    let w = word(port);
    mem.load::<u32>(w.mfn, w.offset).unwrap()
}

/// The queue's private tail (0: empty), under the queue lock, as
/// `FifoVcpu::queues` in `src/fifo.rs`.
type Queue = Mutex<u32>;

/// `Fifo::set_pending` of `src/fifo.rs` for one vCPU and queue (no queue
/// move, pages and control block present), step for step.
fn set_pending(mem: &LoomMemory, queue: &Queue, port: u32) {
    let w = word(port);
    let mut tail = queue.lock().unwrap();
    let (_newly_pending, to_link) = xen_evtchn::fifo_mark_pending(mem, w);
    let mut linked = true;
    if to_link {
        if *tail == port {
            *tail = 0;
        }
        linked = false;
        if *tail != 0 {
            linked = xen_evtchn::fifo_set_link(mem, word(*tail), port);
        }
        if !linked {
            let head = FIFO_CONTROL_HEAD + 4 * PRIO;
            mem.store_release::<u32>(CONTROL.mfn, CONTROL.offset + head, port)
                .unwrap();
        }
        *tail = port;
    }
    drop(tail);
    if !linked {
        let bit = 1u32 << PRIO;
        let ready = CONTROL.offset + FIFO_CONTROL_READY;
        if mem.fetch_or::<u32>(CONTROL.mfn, ready, bit).unwrap() & bit == 0 {
            // mark_events_pending: the upcall byte (the kick is the world's).
            mem.fetch_or::<u8>(VCPU_INFO.mfn, VCPU_INFO.offset, 1)
                .unwrap();
        }
    }
}

/// No LINK chain among LINKED words revisits a port.
fn assert_no_cycle(mem: &LoomMemory) {
    for &start in &PORTS {
        let mut port = start;
        for _ in 0..=PORTS.len() {
            let w = event(mem, port);
            if w & LINKED == 0 {
                break;
            }
            let next = w & EVTCHN_FIFO_LINK_MASK;
            assert_ne!(next, start, "LINK cycle through port {start}");
            if next == 0 {
                break;
            }
            port = next;
        }
    }
}

/// Two senders (ports `a` and `b`, each sent once) race a guest thread
/// running `scans` upcall scans; then the guest drains what is left.
fn model(sends: [&'static [u32]; 2], scans: usize) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(4);
    builder.check(move || {
        let mem = Arc::new(LoomMemory::new());
        let queue = Arc::new(Mutex::new(0u32));
        let senders: Vec<_> = sends
            .iter()
            .map(|&ports| {
                let (mem, queue) = (mem.clone(), queue.clone());
                loom::thread::spawn(move || {
                    for &p in ports {
                        set_pending(&mem, &queue, p);
                    }
                })
            })
            .collect();
        let consumer = {
            let mem = mem.clone();
            loom::thread::spawn(move || {
                let mut g = FifoGuest::new(CONTROL, VCPU_INFO);
                g.push_page(ARRAY);
                let mut seen = Vec::new();
                for _ in 0..scans {
                    g.scan(&*mem, 4, |p| seen.push(p.0));
                }
                (g, seen)
            })
        };
        for s in senders {
            s.join().unwrap();
        }
        let (mut g, mut seen) = consumer.join().unwrap();

        assert_no_cycle(&mem);
        // Every event sent is consumed already or still queued.
        let sent: Vec<u32> = sends.iter().flat_map(|s| s.iter().copied()).collect();
        for &p in &sent {
            assert!(
                seen.contains(&p) || event(&mem, p) & LINKED != 0,
                "event on port {p} lost: word {:#x}, consumed {seen:?}",
                event(&mem, p)
            );
        }
        // The guest, upcalled (or not), drains the rest: each exactly once.
        for _ in 0..3 {
            g.scan(&*mem, 8, |p| seen.push(p.0));
        }
        for &p in &PORTS {
            // Once per send at most (sends of a pending port coalesce), and
            // at least once if sent.
            let times = sent.iter().filter(|&&x| x == p).count();
            let got = seen.iter().filter(|&&x| x == p).count();
            assert!(
                got <= times && (got > 0) == (times > 0),
                "port {p} sent {times} times, consumed {got} times: {seen:?}"
            );
            assert_eq!(event(&mem, p) & (PENDING | LINKED), 0, "port {p} left");
        }
        // Nothing is left marked ready.
        let ready = mem
            .load::<u32>(CONTROL.mfn, CONTROL.offset + FIFO_CONTROL_READY)
            .unwrap();
        assert_eq!(ready & (1 << PRIO), 0);
    });
}

/// Two senders, one port each, against one scan.
#[test]
fn two_senders_one_consumer() {
    model([&[1], &[2]], 1);
}

/// Two senders, the second sending two ports in turn (the first becomes a
/// tail the second links after), against two scans.
#[test]
fn two_senders_three_events_two_scans() {
    model([&[1], &[2, 3]], 2);
}

/// Both senders send port 1 (the second one also port 2): a send finds
/// the port still pending and linked, or already consumed, and must
/// neither link it twice nor lose it.
#[test]
fn the_same_port_sent_twice() {
    model([&[1], &[1, 2]], 1);
}

/// `EVTCHNOP_unmask` as `Fifo::unmask` does it: clear MASKED, re-raise a
/// pending event.
fn hypercall_unmask(mem: &LoomMemory, queue: &Queue, port: u32) {
    let w = word(port);
    mem.fetch_and::<u32>(w.mfn, w.offset, !MASKED).unwrap();
    if mem.load::<u32>(w.mfn, w.offset).unwrap() & PENDING != 0 {
        set_pending(mem, queue, port);
    }
}

/// One sender links port 1 then port 2 after it while the guest masks
/// port 1 (the tail word changes under the linking compare-exchange: the
/// BUSY retry path) and scans. Then the guest unmasks port 1 as Linux does
/// (a pending port through the hypercall) and drains: each port is handled
/// exactly once, and no word is left BUSY.
#[test]
fn guest_masks_the_tail_while_it_is_linked() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(4);
    builder.check(|| {
        let mem = Arc::new(LoomMemory::new());
        let queue = Arc::new(Mutex::new(0u32));
        let sender = {
            let (mem, queue) = (mem.clone(), queue.clone());
            loom::thread::spawn(move || {
                set_pending(&mem, &queue, 1);
                set_pending(&mem, &queue, 2);
            })
        };
        let guest = {
            let mem = mem.clone();
            loom::thread::spawn(move || {
                let mut g = FifoGuest::new(CONTROL, VCPU_INFO);
                g.push_page(ARRAY);
                g.mask(&*mem, EvtchnPort(1));
                let mut seen = Vec::new();
                g.scan(&*mem, 4, |p| seen.push(p.0));
                (g, seen)
            })
        };
        sender.join().unwrap();
        let (mut g, mut seen) = guest.join().unwrap();
        assert_no_cycle(&mem);
        assert!(!seen.contains(&1) || seen.iter().filter(|&&p| p == 1).count() == 1);
        g.unmask(&*mem, EvtchnPort(1), |p| {
            hypercall_unmask(&mem, &queue, p.0)
        });
        for _ in 0..3 {
            g.scan(&*mem, 8, |p| seen.push(p.0));
        }
        for p in [1, 2] {
            let got = seen.iter().filter(|&&x| x == p).count();
            assert_eq!(got, 1, "port {p} consumed {got} times: {seen:?}");
            assert_eq!(
                event(&mem, p) & (PENDING | LINKED | BUSY),
                0,
                "port {p} left"
            );
        }
    });
}

/// Two queues (priorities 0 and 1) with each port's last queue, as the
/// channel's `fifo_lastq` and `priority` in `src/channel.rs`.
struct Queues {
    tails: [Mutex<u32>; 2],
    lastq: [loom::sync::atomic::AtomicU32; 4],
    prio: [loom::sync::atomic::AtomicU32; 4],
}

impl Queues {
    fn new() -> Self {
        use loom::sync::atomic::AtomicU32;
        Self {
            tails: [Mutex::new(0), Mutex::new(0)],
            lastq: core::array::from_fn(|_| AtomicU32::new(0)),
            prio: core::array::from_fn(|_| AtomicU32::new(0)),
        }
    }
}

/// `Fifo::set_pending` with the queue move: lock the port's new queue and
/// the one it was last linked on, in order, re-checking both (three tries);
/// empty the old queue if the port was its tail.
fn set_pending_moving(mem: &LoomMemory, q: &Queues, port: u32) {
    let w = word(port);
    let p = port as usize;
    let mut locked = None;
    for _ in 0..3 {
        let last = q.lastq[p].load(SeqCst) as usize;
        let prio = q.prio[p].load(SeqCst) as usize;
        let (guard, old_guard) = match prio.cmp(&last) {
            core::cmp::Ordering::Equal => (q.tails[prio].lock().unwrap(), None),
            core::cmp::Ordering::Less => {
                let g = q.tails[prio].lock().unwrap();
                (g, Some(q.tails[last].lock().unwrap()))
            }
            core::cmp::Ordering::Greater => {
                let og = q.tails[last].lock().unwrap();
                (q.tails[prio].lock().unwrap(), Some(og))
            }
        };
        if q.lastq[p].load(SeqCst) as usize == last && q.prio[p].load(SeqCst) as usize == prio {
            locked = Some((prio, guard, old_guard));
            break;
        }
    }
    let Some((prio, mut tail, mut old_tail)) = locked else {
        return;
    };
    let (_newly_pending, to_link) = xen_evtchn::fifo_mark_pending(mem, w);
    let mut linked = true;
    if to_link {
        match old_tail.as_deref_mut() {
            Some(t) if *t == port => *t = 0,
            None if *tail == port => *tail = 0,
            _ => {}
        }
        if old_tail.is_some() {
            q.lastq[p].store(prio as u32, SeqCst);
            drop(old_tail.take());
        }
        linked = false;
        if *tail != 0 {
            linked = xen_evtchn::fifo_set_link(mem, word(*tail), port);
        }
        if !linked {
            let head = CONTROL.offset + FIFO_CONTROL_HEAD + 4 * prio;
            mem.store_release::<u32>(CONTROL.mfn, head, port).unwrap();
        }
        *tail = port;
    }
    drop(old_tail);
    drop(tail);
    if !linked {
        let bit = 1u32 << prio;
        let ready = CONTROL.offset + FIFO_CONTROL_READY;
        if mem.fetch_or::<u32>(CONTROL.mfn, ready, bit).unwrap() & bit == 0 {
            mem.fetch_or::<u8>(VCPU_INFO.mfn, VCPU_INFO.offset, 1)
                .unwrap();
        }
    }
}

/// Port 1 is sent on queue 0, moved to queue 1 (`set_priority`) and sent
/// again, then port 3 is sent on queue 1, while another sender sends port 2
/// on queue 0 and the guest consumes: the moved port must not leave queue
/// 0's tail pointing at it (port 2 would be chained into queue 1 and then
/// cut off by port 3's link — the model catches a set_pending without that
/// reset), and every event is consumed as often as it was made pending
/// (port 1 once or twice, depending on whether the guest took it between
/// the sends).
#[test]
fn event_moves_queue_while_another_is_sent() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(|| {
        let mem = Arc::new(LoomMemory::new());
        let q = Arc::new(Queues::new());
        q.prio[3].store(1, SeqCst);
        q.lastq[3].store(1, SeqCst);
        let mover = {
            let (mem, q) = (mem.clone(), q.clone());
            loom::thread::spawn(move || {
                set_pending_moving(&mem, &q, 1);
                q.prio[1].store(1, SeqCst);
                set_pending_moving(&mem, &q, 1);
                // Port 3 lives on queue 1.
                set_pending_moving(&mem, &q, 3);
            })
        };
        let other = {
            let (mem, q) = (mem.clone(), q.clone());
            loom::thread::spawn(move || set_pending_moving(&mem, &q, 2))
        };
        let guest = {
            let mem = mem.clone();
            loom::thread::spawn(move || {
                let mut g = FifoGuest::new(CONTROL, VCPU_INFO);
                g.push_page(ARRAY);
                let mut seen = Vec::new();
                g.scan(&*mem, 4, |p| seen.push(p.0));
                (g, seen)
            })
        };
        mover.join().unwrap();
        other.join().unwrap();
        let (mut g, mut seen) = guest.join().unwrap();
        assert_no_cycle(&mem);
        for _ in 0..4 {
            g.scan(&*mem, 8, |p| seen.push(p.0));
        }
        let count = |p: u32| seen.iter().filter(|&&x| x == p).count();
        assert!(matches!(count(1), 1 | 2), "port 1: {seen:?}");
        assert_eq!(count(2), 1, "port 2: {seen:?}");
        assert_eq!(count(3), 1, "port 3: {seen:?}");
        for p in [1, 2, 3] {
            assert_eq!(
                event(&mem, p) & (PENDING | LINKED | BUSY),
                0,
                "port {p} left"
            );
        }
    });
}
