//! The whole block device: toolstack creates it, blkback and blkfront
//! drivers negotiate over xen-bus (in-memory store), the backend maps the
//! ring the frontend advertised, and data goes round trip; then the
//! frontend closes and the backend stops serving.

use std::cell::RefCell;

use xen_abi::io::blkif::*;
use xen_abi::GrantRef;
use xen_blkif::xenbus::*;
use xen_blkif::*;
use xen_bus::mem::MemStore;
use xen_bus::{BackendConfig as BusCfg, Device, DriverError, Paths, Tx, XenStore, XenbusState};
use xen_mem::{FrameMemory, HostMemory};

type Engine<'m> = Backend<'m, HostMemory, MemDisk, FrameTable<'m, HostMemory>>;

struct BlkBack<'m> {
    mem: &'m HostMemory,
    table: Option<FrameTable<'m, HostMemory>>,
    engine: RefCell<Option<Engine<'m>>>,
    read_only: bool,
}

fn derr(e: impl std::fmt::Display) -> DriverError {
    DriverError {
        errno: 22,
        message: e.to_string(),
    }
}

impl<S: XenStore + ?Sized> xen_bus::BackendDriver<S> for BlkBack<'_> {
    fn probe(&mut self, s: &mut S, tx: Tx, p: &Paths) -> Result<(), DriverError> {
        BackendFeatures {
            flush_cache: true,
            barrier: true,
            discard: !self.read_only,
            max_indirect_segments: 256,
            persistent: false,
            max_ring_page_order: 0,
        }
        .write(s, tx, &p.own)
        .map_err(derr)
    }
    fn connect(&mut self, s: &mut S, p: &Paths) -> Result<(), DriverError> {
        let keys = FrontendKeys::read(s, &p.peer, 0).map_err(derr)?;
        let table = self.table.take().ok_or_else(|| derr("already connected"))?;
        let frames: Vec<_> = keys
            .ring_refs
            .iter()
            .map(|r| table.frame(GrantRef(*r)).map(|f| f.0))
            .collect::<Option<_>>()
            .ok_or_else(|| derr("ring-ref not granted"))?;
        let disk = MemDisk::new(2048, self.read_only);
        let info = DiskInfo {
            sectors: disk.sectors(),
            info: if self.read_only { VDISK_READONLY } else { 0 },
            sector_size: 512,
        };
        let e = Backend::attach(
            self.mem,
            &frames,
            keys.protocol,
            disk,
            table,
            BackendConfig::default(),
        )
        .map_err(derr)?;
        *self.engine.borrow_mut() = Some(e);
        info.write(s, Tx::NONE, &p.own).map_err(derr)
    }
    fn disconnect(&mut self) {
        // Drain what the frontend queued before the ring goes away.
        if let Some(e) = self.engine.borrow_mut().as_mut() {
            let _ = e.process(u32::MAX);
        }
        *self.engine.borrow_mut() = None;
    }
}

#[derive(Default)]
struct BlkFront {
    ring_ref: u32,
    features: Option<BackendFeatures>,
    disk: Option<DiskInfo>,
}

impl<S: XenStore + ?Sized> xen_bus::FrontendDriver<S> for BlkFront {
    fn setup(&mut self, s: &mut S, tx: Tx, p: &Paths) -> Result<(), DriverError> {
        FrontendKeys {
            ring_refs: vec![self.ring_ref],
            event_channel: 9,
            protocol: Protocol::Native,
            persistent: false,
        }
        .write(s, tx, &p.own)
        .map_err(derr)
    }
    fn connect(&mut self, s: &mut S, p: &Paths) -> Result<(), DriverError> {
        self.features = Some(BackendFeatures::read(s, &p.peer).map_err(derr)?);
        self.disk = Some(DiskInfo::read(s, &p.peer).map_err(derr)?);
        Ok(())
    }
    fn disconnect(&mut self) {}
}

#[test]
fn negotiate_connect_and_round_trip() {
    let mem = HostMemory::new(32);
    let mut table = FrameTable::new(&mem);
    let ring = mem.alloc_frame().unwrap();
    let ring_ref = table.grant(ring, false);
    let data = mem.alloc_frame().unwrap();
    mem.fill(data, 0, 4096, 0x5A).unwrap();
    let data_ref = table.grant(data, false);
    let mut front_ring = Frontend::new(&mem, &[ring], 0).unwrap();

    let store = MemStore::new();
    let (mut tool, mut fs, mut bs) = (store.connect(), store.connect(), store.connect());
    let dev = Device::new(3, 0, "vbd", 51712);
    xen_bus::device::create(
        &mut tool,
        &dev,
        &[("virtual-device", "51712")],
        &[("mode", "w")],
    )
    .unwrap();
    let mut fe = xen_bus::Frontend::attach(&mut fs, &dev.frontend_path()).unwrap();
    let mut be = xen_bus::Backend::attach(&mut bs, &dev.backend_path(), BusCfg::default()).unwrap();
    let mut bd = BlkBack {
        mem: &mem,
        table: Some(table),
        engine: RefCell::new(None),
        read_only: false,
    };
    let mut fd = BlkFront {
        ring_ref: ring_ref.0,
        ..Default::default()
    };
    be.probe(&mut bs, &mut bd).unwrap();
    for _ in 0..20 {
        let mut busy = false;
        while fs.next_event(std::time::Duration::ZERO).unwrap().is_some() {
            busy = true;
        }
        fe.step(&mut fs, &mut fd).unwrap();
        while bs.next_event(std::time::Duration::ZERO).unwrap().is_some() {
            busy = true;
        }
        be.step(&mut bs, &mut bd).unwrap();
        if !busy {
            break;
        }
    }
    assert_eq!(
        (fe.state(), be.state()),
        (XenbusState::Connected, XenbusState::Connected)
    );
    let f = fd.features.unwrap();
    assert!(f.flush_cache && f.barrier && f.discard);
    assert_eq!(f.max_indirect_segments, 256);
    assert_eq!(
        fd.disk.unwrap(),
        DiskInfo {
            sectors: 2048,
            info: 0,
            sector_size: 512
        }
    );

    // Data over the negotiated ring.
    front_ring
        .rw(1, true, 10, &[Segment::page(data_ref)])
        .unwrap();
    front_ring.op(2, BLKIF_OP_FLUSH_DISKCACHE, 0, &[]).unwrap();
    front_ring.publish().unwrap();
    bd.engine
        .borrow_mut()
        .as_mut()
        .unwrap()
        .process(16)
        .unwrap();
    let a = front_ring.response().unwrap().unwrap();
    let b = front_ring.response().unwrap().unwrap();
    assert_eq!(
        (a.id, a.status, b.id, b.status),
        (1, BLKIF_RSP_OKAY, 2, BLKIF_RSP_OKAY)
    );
    {
        let eng = bd.engine.borrow();
        let disk = eng.as_ref().unwrap().storage();
        assert_eq!(
            &disk.contents()[10 * 512..10 * 512 + 4096],
            &[0x5A; 4096][..]
        );
        assert!(disk.flushes.get() >= 1);
    }

    // A write queued just before the frontend closes is still served
    // (the backend drains the ring in disconnect) and acknowledged.
    mem.fill(data, 0, 4096, 0x6B).unwrap();
    front_ring
        .rw(3, true, 20, &[Segment::page(data_ref)])
        .unwrap();
    front_ring.publish().unwrap();
    fe.close(&mut fs).unwrap();
    for _ in 0..5 {
        while bs.next_event(std::time::Duration::ZERO).unwrap().is_some() {}
        be.step(&mut bs, &mut bd).unwrap();
        while fs.next_event(std::time::Duration::ZERO).unwrap().is_some() {}
        fe.step(&mut fs, &mut fd).unwrap();
    }
    assert_eq!(
        (fe.state(), be.state()),
        (XenbusState::Closed, XenbusState::Closed)
    );
    let c = front_ring.response().unwrap().unwrap();
    assert_eq!((c.id, c.status), (3, BLKIF_RSP_OKAY));
    assert!(bd.engine.borrow().is_none());
}

#[test]
fn bad_frontend_keys_are_refused() {
    let store = MemStore::new();
    let mut s = store.connect();
    let d = "/local/domain/3/device/vbd/1";
    s.write(Tx::NONE, &format!("{d}/ring-ref"), b"7").unwrap();
    s.write(Tx::NONE, &format!("{d}/event-channel"), b"5")
        .unwrap();
    s.write(Tx::NONE, &format!("{d}/protocol"), b"sparc-abi")
        .unwrap();
    assert!(FrontendKeys::read(&mut s, d, 0).is_err());
    s.write(Tx::NONE, &format!("{d}/protocol"), b"x86_32-abi")
        .unwrap();
    let k = FrontendKeys::read(&mut s, d, 0).unwrap();
    assert_eq!(
        (k.ring_refs, k.event_channel, k.protocol),
        (vec![7], 5, Protocol::X86_32)
    );
    s.write(Tx::NONE, &format!("{d}/ring-page-order"), b"2")
        .unwrap();
    assert!(
        FrontendKeys::read(&mut s, d, 1).is_err(),
        "order above what we offered"
    );
    for i in 0..3 {
        s.write(
            Tx::NONE,
            &format!("{d}/ring-ref{i}"),
            format!("{}", 10 + i).as_bytes(),
        )
        .unwrap();
    }
    assert!(
        FrontendKeys::read(&mut s, d, 4).is_err(),
        "ring-ref3 missing"
    );
    s.write(Tx::NONE, &format!("{d}/ring-ref3"), b"13").unwrap();
    assert_eq!(
        FrontendKeys::read(&mut s, d, 4).unwrap().ring_refs,
        [10, 11, 12, 13]
    );
    s.write(Tx::NONE, &format!("{d}/event-channel"), b"-1")
        .unwrap();
    assert!(FrontendKeys::read(&mut s, d, 4).is_err());
    let b = "/local/domain/0/backend/vbd/3/1";
    s.write(Tx::NONE, &format!("{b}/sectors"), b"100").unwrap();
    s.write(Tx::NONE, &format!("{b}/info"), b"4").unwrap();
    s.write(Tx::NONE, &format!("{b}/sector-size"), b"100")
        .unwrap();
    assert!(DiskInfo::read(&mut s, b).is_err());
    s.write(Tx::NONE, &format!("{b}/sector-size"), b"4096")
        .unwrap();
    assert!(DiskInfo::read(&mut s, b).unwrap().read_only());
    assert_eq!(
        BackendFeatures::read(&mut s, b)
            .unwrap()
            .max_indirect_segments,
        0
    );
}
