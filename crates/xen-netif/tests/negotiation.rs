//! The whole vif handshake over xen-bus (in-memory store): the toolstack
//! creates the device, netback and netfront drivers negotiate, the
//! backend maps every queue the frontend advertised and frames flow on
//! each; a frontend without `request-rx-copy`, asking for too many
//! queues, or using split event channels not offered is refused with an
//! `error` node and the backend goes `Closing`.

use std::cell::RefCell;

use xen_abi::GrantRef;
use xen_bus::mem::{MemConn, MemStore};
use xen_bus::{BackendConfig as BusCfg, Device, DriverError, Paths, Tx, XenStore, XenbusState};
use xen_mem::{FrameMemory, HostMemory, Mfn};
use xen_netif::fuzzing::VecSink;
use xen_netif::xenbus::*;
use xen_netif::*;

type Queue<'m> = BackQueue<'m, HostMemory, FrameTable<'m, HostMemory>>;

struct NetBack<'m> {
    mem: &'m HostMemory,
    table: FrameTable<'m, HostMemory>,
    offered: BackendFeatures,
    queues: RefCell<Vec<Queue<'m>>>,
    keys: Option<FrontendKeys>,
}

impl<S: XenStore + ?Sized> xen_bus::BackendDriver<S> for NetBack<'_> {
    fn probe(&mut self, s: &mut S, tx: Tx, p: &Paths) -> Result<(), DriverError> {
        self.offered.write(s, tx, &p.own).map_err(|e| DriverError {
            errno: 5,
            message: e.to_string(),
        })
    }
    fn connect(&mut self, s: &mut S, p: &Paths) -> Result<(), DriverError> {
        let keys =
            FrontendKeys::read(s, &p.peer, &self.offered).map_err(|e| e.to_driver_error())?;
        let frame = |r: u32| {
            self.table
                .frame(GrantRef(r))
                .map(|f| f.0)
                .ok_or_else(|| DriverError {
                    errno: 22,
                    message: format!("ring-ref {r} not granted"),
                })
        };
        let cfg = keys.queue_config(&self.offered);
        let mut qs = Vec::new();
        for q in &keys.queues {
            let (tx, rx) = (frame(q.tx_ring_ref)?, frame(q.rx_ring_ref)?);
            qs.push(
                BackQueue::attach(self.mem, tx, rx, self.table.clone(), cfg).map_err(|e| {
                    DriverError {
                        errno: 22,
                        message: e.to_string(),
                    }
                })?,
            );
        }
        *self.queues.borrow_mut() = qs;
        self.keys = Some(keys);
        Ok(())
    }
    fn disconnect(&mut self) {
        self.queues.borrow_mut().clear();
    }
}

struct NetFront {
    keys: FrontendKeys,
    backend: Option<BackendFeatures>,
}

impl<S: XenStore + ?Sized> xen_bus::FrontendDriver<S> for NetFront {
    fn setup(&mut self, s: &mut S, tx: Tx, p: &Paths) -> Result<(), DriverError> {
        self.keys.write(s, tx, &p.own).map_err(|e| DriverError {
            errno: 5,
            message: e.to_string(),
        })
    }
    fn connect(&mut self, s: &mut S, p: &Paths) -> Result<(), DriverError> {
        let f = BackendFeatures::read(s, &p.peer).map_err(|e| e.to_driver_error())?;
        if !f.rx_copy {
            return Err(DriverError {
                errno: 95,
                message: "backend lacks rx-copy".into(),
            });
        }
        self.backend = Some(f);
        Ok(())
    }
    fn disconnect(&mut self) {}
}

struct Rig<'m> {
    mem: &'m HostMemory,
    table: FrameTable<'m, HostMemory>,
    rings: Vec<(Mfn, Mfn, GrantRef, GrantRef)>,
}

impl<'m> Rig<'m> {
    fn new(mem: &'m HostMemory, queues: usize) -> Self {
        let mut table = FrameTable::new(mem);
        let rings = (0..queues)
            .map(|_| {
                let (t, r) = (mem.alloc_frame().unwrap(), mem.alloc_frame().unwrap());
                (t, r, table.grant(t, false), table.grant(r, false))
            })
            .collect();
        Rig { mem, table, rings }
    }

    fn frontend(&mut self, q: usize) -> Frontend<'m, HostMemory> {
        let mut pages = |ro| -> Vec<Buffer> {
            (0..8)
                .map(|_| {
                    let mfn = self.mem.alloc_frame().unwrap();
                    Buffer {
                        mfn,
                        gref: self.table.grant(mfn, ro),
                    }
                })
                .collect()
        };
        let (txp, rxp) = (pages(true), pages(false));
        let (t, r, _, _) = self.rings[q];
        Frontend::new(self.mem, t, r, 0, txp, rxp).unwrap()
    }

    fn keys(&self, split: bool, rx_copy: bool) -> FrontendKeys {
        FrontendKeys {
            queues: self
                .rings
                .iter()
                .enumerate()
                .map(|(i, (_, _, t, r))| QueueKeys {
                    tx_ring_ref: t.0,
                    rx_ring_ref: r.0,
                    event_channels: if split {
                        EventChannels::Split {
                            tx: 10 + 2 * i as u32,
                            rx: 11 + 2 * i as u32,
                        }
                    } else {
                        EventChannels::Shared(10 + i as u32)
                    },
                })
                .collect(),
            rx_copy,
            rx_notify: true,
            sg: true,
            gso_tcpv4: true,
            gso_tcpv6: false,
            no_csum_offload: false,
        }
    }
}

fn offered(max_queues: u32, split: bool) -> BackendFeatures {
    BackendFeatures {
        sg: true,
        gso_tcpv4: true,
        gso_tcpv6: false,
        rx_copy: true,
        split_event_channels: split,
        max_queues,
        mac: Mac::xen_default(5, 0),
        handle: 0,
    }
}

/// Runs the handshake to quiescence; returns the final (frontend,
/// backend) states, the toolstack's connection, the device, and every
/// backend state seen after a step.
fn handshake(
    bd: &mut NetBack<'_>,
    fd: &mut NetFront,
) -> (XenbusState, XenbusState, MemConn, Device, Vec<XenbusState>) {
    let store = MemStore::new();
    let (mut tool, mut fs, mut bs) = (store.connect(), store.connect(), store.connect());
    let dev = Device::new(5, 0, "vif", 0);
    let mac = bd.offered.mac.to_string();
    xen_bus::device::create(
        &mut tool,
        &dev,
        &[("mac", &mac), ("handle", "0")],
        &[("mac", &mac), ("handle", "0"), ("script", "vif-bridge")],
    )
    .unwrap();
    let mut fe = xen_bus::Frontend::attach(&mut fs, &dev.frontend_path()).unwrap();
    let mut be = xen_bus::Backend::attach(&mut bs, &dev.backend_path(), BusCfg::default()).unwrap();
    be.probe(&mut bs, bd).unwrap();
    let mut seen = vec![be.state()];
    for _ in 0..20 {
        let mut busy = false;
        while fs.next_event(std::time::Duration::ZERO).unwrap().is_some() {
            busy = true;
        }
        fe.step(&mut fs, fd).unwrap();
        while bs.next_event(std::time::Duration::ZERO).unwrap().is_some() {
            busy = true;
        }
        be.step(&mut bs, bd).unwrap();
        if seen.last() != Some(&be.state()) {
            seen.push(be.state());
        }
        if !busy {
            break;
        }
    }
    (fe.state(), be.state(), tool, dev, seen)
}

fn read(s: &mut MemConn, path: &str) -> Option<String> {
    xen_bus::store::read_str(s, Tx::NONE, path).unwrap()
}

fn exchange(front: &mut Frontend<'_, HostMemory>, q: &mut Queue<'_>, seed: u8) {
    let f: Vec<u8> = (0..3000u32).map(|i| (i as u8) ^ seed).collect();
    front.send(&f, &PacketInfo::default()).unwrap();
    front.publish_tx().unwrap();
    let mut sink = VecSink::default();
    q.process_tx(8, &mut sink).unwrap();
    assert_eq!(sink.frames, std::slice::from_ref(&f));
    front.refill().unwrap();
    q.queue_rx(&f, PacketInfo::default());
    q.process_rx().unwrap();
    assert_eq!(front.receive().unwrap()[0].data, f);
}

#[test]
fn single_queue_connects_and_carries_frames() {
    let mem = HostMemory::new(128);
    let mut rig = Rig::new(&mem, 1);
    let mut front = rig.frontend(0);
    let mut bd = NetBack {
        mem: &mem,
        table: rig.table.clone(),
        offered: offered(4, true),
        queues: RefCell::new(Vec::new()),
        keys: None,
    };
    let mut fd = NetFront {
        keys: rig.keys(false, true),
        backend: None,
    };
    let (f, b, mut tool, dev, _) = handshake(&mut bd, &mut fd);
    assert_eq!((f, b), (XenbusState::Connected, XenbusState::Connected));
    let fe = dev.frontend_path();
    let be = dev.backend_path();
    // The keys as Linux's drivers write them.
    assert_eq!(
        read(&mut tool, &format!("{fe}/request-rx-copy")).as_deref(),
        Some("1")
    );
    assert_eq!(
        read(&mut tool, &format!("{fe}/event-channel")).as_deref(),
        Some("10")
    );
    assert_eq!(
        read(&mut tool, &format!("{fe}/multi-queue-num-queues")),
        None
    );
    assert_eq!(
        read(&mut tool, &format!("{be}/feature-rx-copy")).as_deref(),
        Some("1")
    );
    assert_eq!(
        read(&mut tool, &format!("{be}/multi-queue-max-queues")).as_deref(),
        Some("4")
    );
    assert!(read(&mut tool, &format!("{be}/mac"))
        .unwrap()
        .starts_with("00:16:3e:"));
    let got = fd.backend.unwrap();
    assert_eq!(got, offered(4, true));
    let keys = bd.keys.as_ref().unwrap();
    assert_eq!(keys.queues[0].event_channels, EventChannels::Shared(10));
    assert!(keys.rx_notify && keys.sg && keys.gso_tcpv4 && !keys.gso_tcpv6);
    exchange(&mut front, &mut bd.queues.borrow_mut()[0], 1);
}

#[test]
fn multi_queue_with_split_event_channels() {
    let mem = HostMemory::new(256);
    let mut rig = Rig::new(&mem, 3);
    let mut fronts: Vec<_> = (0..3).map(|q| rig.frontend(q)).collect();
    let mut bd = NetBack {
        mem: &mem,
        table: rig.table.clone(),
        offered: offered(4, true),
        queues: RefCell::new(Vec::new()),
        keys: None,
    };
    let mut fd = NetFront {
        keys: rig.keys(true, true),
        backend: None,
    };
    let (f, b, mut tool, dev, _) = handshake(&mut bd, &mut fd);
    assert_eq!((f, b), (XenbusState::Connected, XenbusState::Connected));
    let fe = dev.frontend_path();
    assert_eq!(
        read(&mut tool, &format!("{fe}/multi-queue-num-queues")).as_deref(),
        Some("3")
    );
    assert_eq!(
        read(&mut tool, &format!("{fe}/queue-2/event-channel-rx")).as_deref(),
        Some("15")
    );
    assert_eq!(read(&mut tool, &format!("{fe}/event-channel")), None);
    let keys = bd.keys.clone().unwrap();
    assert_eq!(keys.queues.len(), 3);
    assert_eq!(
        keys.queues[1].event_channels,
        EventChannels::Split { tx: 12, rx: 13 }
    );
    let mut qs = bd.queues.borrow_mut();
    for (i, (front, q)) in fronts.iter_mut().zip(qs.iter_mut()).enumerate() {
        exchange(front, q, i as u8);
    }
}

fn refused(offer: BackendFeatures, queues: usize, split: bool, rx_copy: bool) -> String {
    let mem = HostMemory::new(128);
    let rig = Rig::new(&mem, queues);
    let mut bd = NetBack {
        mem: &mem,
        table: rig.table.clone(),
        offered: offer,
        queues: RefCell::new(Vec::new()),
        keys: None,
    };
    let mut fd = NetFront {
        keys: rig.keys(split, rx_copy),
        backend: None,
    };
    let (f, b, mut tool, dev, seen) = handshake(&mut bd, &mut fd);
    // InitWait, then Closing (the fatal error) without ever connecting;
    // the frontend follows to Closed and so does the backend.
    use XenbusState::*;
    assert_eq!(seen, [InitWait, Closing, Closed]);
    assert_eq!((f, b), (Closed, Closed));
    assert!(bd.queues.borrow().is_empty());
    read(&mut tool, &format!("{}/error", dev.backend_path())).expect("error node")
}

#[test]
fn frontend_without_rx_copy_is_refused() {
    let e = refused(offered(1, false), 1, false, false);
    assert!(e.starts_with("95 "), "{e}");
    assert!(e.contains("rx-copy"), "{e}");
}

#[test]
fn too_many_queues_or_unoffered_split_channels_are_refused() {
    let e = refused(offered(2, true), 3, false, true);
    assert!(e.starts_with("22 ") && e.contains("3 queues"), "{e}");
    let e = refused(offered(1, false), 1, true, true);
    assert!(e.contains("split event channels"), "{e}");
}
