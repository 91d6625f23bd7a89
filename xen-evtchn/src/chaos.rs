//! A driver that turns arbitrary bytes into a run of `EVTCHNOP`s from
//! several domains, interleaved with hostile guest writes to their shared
//! pages (`shared_info`, FIFO control blocks, event arrays) and the guest
//! side's own upcall scans over whatever those pages hold, on a fresh
//! [`HostEventChannels`]. After every step it checks that the channel
//! table is consistent (each interdomain port's peer points back at it, the
//! count of ports in use matches); at the end it destroys every domain and
//! checks that no port, frame reference or domain reference is left and
//! that no frame the engine was not given changed. Any broken invariant
//! panics. Shared by the fuzz target (`fuzz/`, target `hypercalls`) and the
//! proptest `tests/hostile.rs`.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use xen_abi::{DomId, EvtchnPort};
use xen_mem::{FrameMemory, Gfn, HostMemory, Mfn, PAGE_SIZE};

use crate::guest::{FifoGuest, TwoLevelGuest};
use crate::host::{HostEventChannels, HostWorld};
use crate::{ops, Abi, Domain, EventChannels, EvtchnError, FrameLoc, PortStatus};

/// Domains of a run.
const NR_DOMS: u16 = 3;
/// vCPUs per domain.
const VCPUS: u32 = 2;
/// Port limit per domain: two buckets, so growth is exercised.
const MAX_PORT: u32 = 127;
/// Guest frames per domain (gfns `GFN_BASE..GFN_BASE + GUEST_FRAMES`), for
/// control blocks and event-array pages.
const GUEST_FRAMES: u64 = 4;
const GFN_BASE: u64 = 0x10;
/// Bounds a run, whatever its length.
const MAX_STEPS: usize = 512;
const CANARY: u8 = 0xA5;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from(self.u8()?) | u16::from(self.u8()?) << 8)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from(self.u16()?) | u32::from(self.u16()?) << 16)
    }
    /// Mostly ports that exist, sometimes anything.
    fn port(&mut self) -> Option<EvtchnPort> {
        let b = self.u8()?;
        Some(EvtchnPort(if b < 160 {
            // Ports are handed out from 1 up: the first few are the live ones.
            u32::from(b) % 8
        } else if b < 240 {
            u32::from(b) % (MAX_PORT + 8)
        } else {
            self.u32()?
        }))
    }
    fn dom(&mut self) -> Option<DomId> {
        let b = self.u8()?;
        Some(match b % 6 {
            i @ 0..=2 => DomId(u16::from(i)),
            3 | 4 => DomId::SELF,
            _ => DomId(u16::from(b)),
        })
    }
    fn vcpu(&mut self) -> Option<u32> {
        let b = self.u8()?;
        Some(if b < 250 {
            u32::from(b) % VCPUS
        } else {
            u32::from(b)
        })
    }
    fn gfn(&mut self) -> Option<Gfn> {
        let b = self.u8()?;
        Some(Gfn(if b < 250 {
            GFN_BASE + u64::from(b) % GUEST_FRAMES
        } else {
            u64::from(b)
        }))
    }
}

/// What the run knows about one domain, as its guest kernel would.
struct Guest {
    d: Arc<Domain>,
    /// Guest frames: gfn offset → machine frame.
    frames: Vec<Mfn>,
    /// Registered control blocks per vCPU (as the guest asked for them).
    control: Vec<Option<FrameLoc>>,
    /// Event-array pages the guest added, in order.
    pages: Vec<Mfn>,
    destroyed: bool,
}

impl Guest {
    fn frame_of(&self, gfn: Gfn) -> Option<Mfn> {
        let i = gfn.0.checked_sub(GFN_BASE)?;
        self.frames.get(usize::try_from(i).ok()?).copied()
    }

    /// The frames a hostile guest may scribble on.
    fn pick_frame(&self, b: u8) -> Mfn {
        match b as usize % (self.frames.len() + 1) {
            0 => self.d.shared_info(),
            i => self.frames[i - 1],
        }
    }
}

/// What a run reached, for tests that check the driver gets somewhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Steps run.
    pub steps: usize,
    /// Most interdomain ports bound at once (both ends counted).
    pub max_interdomain: u32,
    /// Events the guests' upcall scans handled.
    pub handled: usize,
    /// Whether some domain used the FIFO ABI at some point.
    pub fifo: bool,
    /// Domains destroyed before the end of the run.
    pub destroyed_early: usize,
}

/// Runs `data` as a scenario; panics if an invariant breaks.
pub fn run(data: &[u8]) -> Summary {
    let ev: HostEventChannels = EventChannels::new(HostMemory::new(64), HostWorld::new(4));
    let canary = ev.memory().alloc_frame().expect("frame");
    ev.memory()
        .fill(canary, 0, PAGE_SIZE, CANARY)
        .expect("canary");
    let mut guests: Vec<Guest> = (0..NR_DOMS)
        .map(|i| {
            let d = ev
                .add_host_domain(DomId(i), VCPUS, MAX_PORT)
                .expect("domain");
            let frames = (0..GUEST_FRAMES)
                .map(|g| {
                    ev.add_guest_frame(DomId(i), Gfn(GFN_BASE + g))
                        .expect("frame")
                })
                .collect();
            Guest {
                d,
                frames,
                control: vec![None; VCPUS as usize],
                pages: Vec::new(),
                destroyed: false,
            }
        })
        .collect();
    ev.world().set_privileged(DomId(0), true);
    ev.world().set_device_model(DomId(1), DomId(2));
    ev.world().set_nr_pirqs(DomId(1), 8);
    for p in 0..4 {
        ev.world().permit_pirq(DomId(1), p);
    }
    let baseline = ev.memory().allocated_frames();

    let mut b = Bytes(data);
    let mut summary = Summary::default();
    for _ in 0..MAX_STEPS {
        let Some(kind) = b.u8() else { break };
        if step(&ev, &mut guests, &mut b, kind, &mut summary).is_none() {
            break;
        }
        summary.steps += 1;
        let interdomain = check_consistent(&ev, &guests);
        summary.max_interdomain = summary.max_interdomain.max(interdomain);
        summary.fifo |= guests.iter().any(|g| g.d.abi() == Abi::Fifo);
    }
    summary.destroyed_early = guests.iter().filter(|g| g.destroyed).count();

    // Tear down every domain (preemptible), then nothing may be left.
    ev.world().set_preempt_every(0);
    for g in &guests {
        let mut rounds = 0;
        while let Err(e) = ev.destroy_domain(&g.d) {
            assert_eq!(e, EvtchnError::Restart);
            rounds += 1;
            assert!(rounds < 1000, "destroy does not progress");
        }
    }
    for g in &guests {
        let id = g.d.id();
        assert_eq!(g.d.active_ports(), 0, "ports left in {id:?}");
        assert_eq!(
            ev.world().frame_refs(id),
            0,
            "frame references of {id:?} leaked"
        );
        assert!(ev.domain(id).is_none(), "{id:?} still registered");
    }
    for g in guests {
        assert_eq!(Arc::strong_count(&g.d), 1, "domain references leaked");
    }
    assert_eq!(ev.memory().allocated_frames(), baseline, "frames leaked");
    let mut buf = vec![0u8; PAGE_SIZE];
    ev.memory().read(canary, 0, &mut buf).expect("canary");
    assert!(
        buf.iter().all(|&x| x == CANARY),
        "a frame the engine was not given changed"
    );
    summary
}

/// Checks every live domain's table: interdomain peers point back, and the
/// number of ports in use is the domain's count. Returns the number of
/// interdomain ports.
fn check_consistent(ev: &HostEventChannels, guests: &[Guest]) -> u32 {
    let mut interdomain = 0;
    for g in guests.iter().filter(|g| !g.destroyed) {
        let d = &g.d;
        let mut active = 0;
        for port in 1..=MAX_PORT {
            let Ok(st) = ev.status(d, d.id(), EvtchnPort(port)) else {
                break;
            };
            if st.status != PortStatus::Closed {
                active += 1;
            }
            assert!(st.vcpu < VCPUS, "port {port} notifies vCPU {}", st.vcpu);
            if let PortStatus::Interdomain {
                remote,
                remote_port,
            } = st.status
            {
                interdomain += 1;
                let r = ev.domain(remote).expect("peer of a bound port exists");
                let back = ev
                    .status(&r, remote, remote_port)
                    .expect("peer port")
                    .status;
                assert_eq!(
                    back,
                    PortStatus::Interdomain {
                        remote: d.id(),
                        remote_port: EvtchnPort(port)
                    },
                    "{:?}:{port} ↔ {remote:?}:{}",
                    d.id(),
                    remote_port.0
                );
            }
        }
        assert_eq!(active, d.active_ports(), "active count of {:?}", d.id());
        if d.abi() == Abi::TwoLevel {
            assert!(d.fifo_array_pages() == 0, "2-level domain with FIFO pages");
        }
    }
    interdomain
}

fn step(
    ev: &HostEventChannels,
    guests: &mut [Guest],
    b: &mut Bytes<'_>,
    kind: u8,
    summary: &mut Summary,
) -> Option<()> {
    let who = usize::from(b.u8()?) % guests.len();
    let g = &guests[who];
    let d = g.d.clone();
    let mem = ev.memory();
    match kind % 24 {
        // Hostile guest writes to its own shared pages.
        0..=3 => {
            let f = g.pick_frame(b.u8()?);
            let off = usize::from(b.u16()?) % PAGE_SIZE;
            let v = b.u32()?;
            let _ = match b.u8()? % 5 {
                0 => mem.store::<u32>(f, off & !3, v),
                1 => mem.fetch_or::<u32>(f, off & !3, v).map(drop),
                2 => mem.fetch_and::<u32>(f, off & !3, v).map(drop),
                3 => mem.store::<u8>(f, off, v as u8),
                _ => mem.store::<u64>(f, off & !7, u64::from(v) << 32 | u64::from(!v)),
            };
        }
        4 => {
            let _ = ev.alloc_unbound(&d, b.dom()?, b.dom()?);
        }
        5 => {
            let _ = ev.bind_interdomain(&d, b.dom()?, b.port()?);
        }
        6 => {
            let _ = ev.bind_virq(&d, u32::from(b.u8()?) % 26, b.vcpu()?);
        }
        7 => {
            let _ = ev.bind_ipi(&d, b.vcpu()?);
        }
        8 | 9 => {
            let r = ev.send(&d, b.port()?);
            assert!(matches!(r, Ok(()) | Err(EvtchnError::Inval)), "send: {r:?}");
        }
        10 => {
            let _ = ev.close(&d, b.port()?);
        }
        11 => {
            let _ = ev.unmask(&d, b.port()?);
        }
        12 => {
            let _ = ev.bind_vcpu(&d, b.port()?, b.vcpu()?);
        }
        13 => {
            let _ = ev.status(&d, b.dom()?, b.port()?);
        }
        14 => {
            let _ = ev.set_priority(&d, b.port()?, u32::from(b.u8()?) % 18);
        }
        15 => {
            let (vcpu, gfn) = (b.vcpu()?, b.gfn()?);
            let offset = u32::from(b.u8()?) * 8 + u32::from(b.u8()? % 3) * 1024;
            let mfn = g.frame_of(gfn);
            if ev.init_control(&d, vcpu, gfn, offset).is_ok() {
                let g = &mut guests[who];
                g.control[vcpu as usize] = mfn.map(|mfn| FrameLoc {
                    mfn,
                    offset: offset as usize,
                });
            }
        }
        16 => {
            let gfn = b.gfn()?;
            let mfn = g.frame_of(gfn);
            // A well-behaved guest masks every word first; a hostile one
            // leaves whatever is there.
            if b.u8()? % 2 == 0 {
                if let Some(mfn) = mfn {
                    let mut tmp =
                        FifoGuest::new(FrameLoc { mfn, offset: 0 }, FrameLoc { mfn, offset: 0 });
                    tmp.add_page(mem, mfn);
                }
            }
            if ev.expand_array(&d, gfn).is_ok() {
                guests[who].pages.extend(mfn);
            }
        }
        17 => {
            let dom = b.dom()?;
            let resuming = b.u8()? % 4 == 0;
            ev.world().set_preempt_every(u32::from(b.u8()? % 3));
            let r = ev.reset(&d, dom, resuming);
            ev.world().set_preempt_every(0);
            if r.is_ok() {
                let target = if dom == DomId::SELF { d.id() } else { dom };
                if let Some(t) = guests.iter_mut().find(|t| t.d.id() == target) {
                    // A finished reset leaves the domain on 2-level.
                    assert_eq!(t.d.abi(), Abi::TwoLevel, "reset left FIFO on");
                    t.control = vec![None; VCPUS as usize];
                    t.pages.clear();
                }
            }
        }
        // The guest's upcall handler on whatever its pages hold.
        18 => {
            let vcpu = b.vcpu()? % VCPUS;
            let budget = usize::from(b.u8()?);
            if d.abi() == Abi::TwoLevel {
                let Some(vi) = d.vcpu_info(vcpu) else {
                    return Some(());
                };
                summary.handled += TwoLevelGuest::new(d.shared_info(), vi).scan(mem, 4, |p| {
                    assert!(p.0 < crate::TWO_LEVEL_NR_CHANNELS);
                });
            } else if let (Some(cb), Some(vi)) = (g.control[vcpu as usize], d.vcpu_info(vcpu)) {
                let mut fg = FifoGuest::new(cb, vi);
                for &p in &g.pages {
                    fg.push_page(p);
                }
                let n = fg.scan(mem, budget, |_| {});
                assert!(n <= budget);
                summary.handled += n;
            }
        }
        19 => {
            let port = b.port()?;
            if d.abi() == Abi::TwoLevel {
                if let Some(vi) = d.vcpu_info(0) {
                    TwoLevelGuest::new(d.shared_info(), vi).unmask(mem, port);
                }
            } else if let (Some(cb), Some(vi)) = (g.control[0], d.vcpu_info(0)) {
                let mut fg = FifoGuest::new(cb, vi);
                for &p in &g.pages {
                    fg.push_page(p);
                }
                fg.unmask(mem, port, |p| {
                    let _ = ev.unmask(&d, p);
                });
            }
        }
        // The hypervisor's own notifications.
        20 => {
            let virq = u32::from(b.u8()?) % 26;
            match b.u8()? % 4 {
                0 => ev.send_vcpu_virq(&d, b.vcpu()?, virq),
                1 => ev.send_domain_virq(&d, virq),
                2 => ev.send_global_virq(virq),
                _ => {
                    let _ = ev.set_global_virq_handler(b.dom()?, virq);
                }
            }
        }
        21 => {
            let pirq = u32::from(b.u8()?) % 10;
            if b.u8()? % 2 == 0 {
                let _ = ev.bind_pirq(&d, pirq, b.u8()? % 2 == 0);
            } else if let Some(port) = ev.world().pirq_port(d.id(), pirq) {
                ev.send_pirq(&d, port);
            }
            let _ = ev.poll_port(&d, b.port()?);
        }
        // Two well-behaved guests connect (so that sends, closes and
        // teardown meet live interdomain channels often).
        22 => {
            let other = &guests[usize::from(b.u8()?) % guests.len()].d;
            if let Ok(port) = ev.alloc_unbound(other, DomId::SELF, d.id()) {
                if ev.bind_interdomain(&d, other.id(), port).is_err() {
                    let _ = ev.close(other, port);
                }
            }
        }
        // Raw hypercall bytes through the dispatcher.
        _ => {
            let cmd = u32::from(b.u8()? % 16);
            let len = usize::from(b.u8()? % 40);
            let mut arg = Vec::with_capacity(len);
            for _ in 0..len {
                arg.push(b.u8()?);
            }
            ev.world().set_preempt_every(u32::from(b.u8()? % 3));
            let r = ops::event_channel_op(ev, &d, cmd, &mut arg);
            ev.world().set_preempt_every(0);
            let rc = ops::rc(&r);
            assert!(rc <= 0, "rc {rc}");
            if cmd == crate::abi::EVTCHNOP_RESET
                || cmd == crate::abi::EVTCHNOP_RESET_CONT
                || cmd == crate::abi::EVTCHNOP_INIT_CONTROL
                || cmd == crate::abi::EVTCHNOP_EXPAND_ARRAY
            {
                // Back on 2-level (a reset went through): what the guest
                // knew of its FIFO control blocks and pages is void.
                let g = &mut guests[who];
                if d.abi() == Abi::TwoLevel {
                    g.control = vec![None; VCPUS as usize];
                    g.pages.clear();
                }
            }
        }
    }
    // Once in a while, destroy a domain mid-run (preempted every other
    // check); the run goes on calling operations on and against it.
    if kind == 0xff && who != 0 && !guests[who].destroyed && b.u8()? < 16 {
        ev.world().set_preempt_every(2);
        let mut rounds = 0;
        while ev.destroy_domain(&d) == Err(EvtchnError::Restart) {
            rounds += 1;
            assert!(rounds < 1000, "destroy does not progress");
        }
        ev.world().set_preempt_every(0);
        assert_eq!(d.active_ports(), 0, "ports left after destroy");
        assert_eq!(
            ev.world().frame_refs(d.id()),
            0,
            "frames held after destroy"
        );
        guests[who].destroyed = true;
    }
    Some(())
}
