//! Front ↔ back round trips on a raw image file: data verified against
//! the file, every validation path answered with the right status.

use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use xen_abi::io::blkif::*;
use xen_abi::GrantRef;
use xen_blkif::file::FileStorage;
use xen_blkif::frontend::write_indirect_segments;
use xen_blkif::*;
use xen_mem::{FrameMemory, HostMemory, Mfn};

const SECTORS: u64 = 4096; // 2 MiB

struct Img(PathBuf);
impl Img {
    fn new(tag: &str) -> Img {
        let p = std::env::temp_dir().join(format!("xen-blkif-{tag}-{}.img", std::process::id()));
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(SECTORS * 512).unwrap();
        Img(p)
    }
    fn bytes(&self, off: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        std::fs::File::open(&self.0)
            .unwrap()
            .read_exact_at(&mut v, off)
            .unwrap();
        v
    }
}
impl Drop for Img {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

struct Rig<'m> {
    mem: &'m HostMemory,
    front: Frontend<'m, HostMemory>,
    back: Backend<'m, HostMemory, FileStorage, FrameTable<'m, HostMemory>>,
    next_id: u64,
}

impl<'m> Rig<'m> {
    fn new(mem: &'m HostMemory, img: &Img, read_only: bool, start: u32) -> Rig<'m> {
        let ring = mem.alloc_frame().unwrap();
        let front = Frontend::new(mem, &[ring], start).unwrap();
        let back = Backend::attach(
            mem,
            &[ring],
            Protocol::Native,
            FileStorage::open(&img.0, read_only).unwrap(),
            FrameTable::new(mem),
            BackendConfig::default(),
        )
        .unwrap();
        Rig {
            mem,
            front,
            back,
            next_id: 1,
        }
    }

    /// A fresh page filled with `byte`, granted to the backend.
    fn page(&mut self, byte: u8, readonly: bool) -> (Mfn, GrantRef) {
        let m = self.mem.alloc_frame().unwrap();
        self.mem.fill(m, 0, 4096, byte).unwrap();
        (m, self.back.grants_mut().grant(m, readonly))
    }

    /// Publishes whatever was queued, runs the backend, returns statuses.
    fn run(&mut self) -> Vec<(u64, u8, i16)> {
        self.front.publish().unwrap();
        self.back.process(u32::MAX).unwrap();
        let mut v = Vec::new();
        while let Some(r) = self.front.response().unwrap() {
            v.push((r.id, r.operation, r.status));
        }
        v
    }

    fn one(&mut self, op: u8, sector: u64, segs: &[Segment]) -> i16 {
        let id = self.next_id;
        self.next_id += 1;
        self.front.op(id, op, sector, segs).unwrap();
        let r = self.run();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, id);
        assert_eq!(r[0].1, op);
        r[0].2
    }
}

fn read_page(mem: &HostMemory, m: Mfn) -> Vec<u8> {
    let mut v = vec![0; 4096];
    mem.read(m, 0, &mut v).unwrap();
    v
}

#[test]
fn write_read_flush_discard_round_trip() {
    let img = Img::new("rt");
    let mem = HostMemory::new(64);
    let mut r = Rig::new(&mem, &img, false, 0);
    // Write 11 full pages at sector 100.
    let pages: Vec<_> = (0..11).map(|i| r.page(0x10 + i, true)).collect();
    let segs: Vec<_> = pages.iter().map(|p| Segment::page(p.1)).collect();
    assert_eq!(r.one(BLKIF_OP_WRITE, 100, &segs), BLKIF_RSP_OKAY);
    for (i, _) in pages.iter().enumerate() {
        assert!(img
            .bytes(100 * 512 + i as u64 * 4096, 4096)
            .iter()
            .all(|&b| b == 0x10 + i as u8));
    }
    // Read them back into fresh writable pages.
    let dst: Vec<_> = (0..11).map(|_| r.page(0, false)).collect();
    let segs: Vec<_> = dst.iter().map(|p| Segment::page(p.1)).collect();
    assert_eq!(r.one(BLKIF_OP_READ, 100, &segs), BLKIF_RSP_OKAY);
    for (i, (m, _)) in dst.iter().enumerate() {
        assert!(read_page(&mem, *m).iter().all(|&b| b == 0x10 + i as u8));
    }
    // Partial segments: sectors 2..=5 of a page go to disk sectors 7..=10.
    let (_, g) = r.page(0xAA, true);
    let seg = Segment {
        gref: g,
        first_sect: 2,
        last_sect: 5,
    };
    assert_eq!(r.one(BLKIF_OP_WRITE, 7, &[seg]), BLKIF_RSP_OKAY);
    assert_eq!(img.bytes(6 * 512, 512), vec![0; 512]);
    assert_eq!(img.bytes(7 * 512, 4 * 512), vec![0xAA; 4 * 512]);
    assert_eq!(img.bytes(11 * 512, 512), vec![0; 512]);
    let (m, g) = r.page(0x55, false);
    let seg = Segment {
        gref: g,
        first_sect: 3,
        last_sect: 3,
    };
    assert_eq!(r.one(BLKIF_OP_READ, 8, &[seg]), BLKIF_RSP_OKAY);
    let p = read_page(&mem, m);
    assert!(p[..3 * 512].iter().all(|&b| b == 0x55));
    assert!(p[3 * 512..4 * 512].iter().all(|&b| b == 0xAA));
    assert!(p[4 * 512..].iter().all(|&b| b == 0x55));
    // Flush, alone and carrying data; a barrier.
    assert_eq!(r.one(BLKIF_OP_FLUSH_DISKCACHE, 0, &[]), BLKIF_RSP_OKAY);
    let (_, g) = r.page(0x77, true);
    assert_eq!(
        r.one(BLKIF_OP_FLUSH_DISKCACHE, 2000, &[Segment::page(g)]),
        BLKIF_RSP_OKAY
    );
    assert_eq!(img.bytes(2000 * 512, 4096), vec![0x77; 4096]);
    assert_eq!(r.one(BLKIF_OP_WRITE_BARRIER, 0, &[]), BLKIF_RSP_OKAY);
    // Discard 16 sectors in the middle of the first write: zeroes.
    r.front.discard(99, 104, 16).unwrap();
    assert_eq!(r.run(), [(99, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY)]);
    assert_eq!(img.bytes(104 * 512, 16 * 512), vec![0; 16 * 512]);
    assert_eq!(img.bytes(100 * 512, 4 * 512), vec![0x10; 4 * 512]);
    assert_eq!(img.bytes(120 * 512, 512), vec![0x12; 512]);
    assert_eq!(r.back.stats().error, 0);
}

#[test]
fn invalid_requests_get_error_responses() {
    let img = Img::new("bad");
    let mem = HostMemory::new(64);
    let mut r = Rig::new(&mem, &img, false, 0);
    let (_, g) = r.page(1, true);
    let (_, gw) = r.page(1, false);
    let page = Segment::page(g);
    // Sector bounds.
    assert_eq!(r.one(BLKIF_OP_WRITE, SECTORS - 7, &[page]), BLKIF_RSP_ERROR);
    assert_eq!(r.one(BLKIF_OP_WRITE, SECTORS - 8, &[page]), BLKIF_RSP_OKAY);
    assert_eq!(
        r.one(BLKIF_OP_READ, u64::MAX - 3, &[Segment::page(gw)]),
        BLKIF_RSP_ERROR
    );
    // Segment ranges.
    for (f, l) in [(0, 8), (5, 4), (8, 8), (255, 255)] {
        let s = Segment {
            gref: g,
            first_sect: f,
            last_sect: l,
        };
        assert_eq!(r.one(BLKIF_OP_WRITE, 0, &[s]), BLKIF_RSP_ERROR, "{f}..{l}");
    }
    // No segments on a read/write.
    assert_eq!(r.one(BLKIF_OP_READ, 0, &[]), BLKIF_RSP_ERROR);
    assert_eq!(r.one(BLKIF_OP_WRITE, 0, &[]), BLKIF_RSP_ERROR);
    // Unknown grant, revoked grant, read into a read-only grant.
    let bogus = Segment::page(GrantRef(9999));
    assert_eq!(r.one(BLKIF_OP_WRITE, 0, &[bogus]), BLKIF_RSP_ERROR);
    assert_eq!(r.one(BLKIF_OP_READ, 0, &[page]), BLKIF_RSP_ERROR);
    // A write whose second segment is bad writes nothing.
    let (_, g2) = r.page(0xCC, true);
    assert_eq!(
        r.one(BLKIF_OP_WRITE, 300, &[Segment::page(g2), bogus]),
        BLKIF_RSP_ERROR
    );
    assert_eq!(img.bytes(300 * 512, 4096), vec![0; 4096]);
    // Unknown operations, reserved op, secure discard.
    assert_eq!(r.one(BLKIF_OP_RESERVED_1, 0, &[]), BLKIF_RSP_EOPNOTSUPP);
    assert_eq!(r.one(0xEE, 0, &[]), BLKIF_RSP_EOPNOTSUPP);
    r.front.discard(5, SECTORS - 1, 2).unwrap();
    assert_eq!(r.run(), [(5, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR)]);
    assert!(!r.back.is_broken());
}

#[test]
fn too_many_segments_is_an_error() {
    let img = Img::new("nseg");
    let mem = HostMemory::new(64);
    let ring = mem.alloc_frame().unwrap();
    // Raw ring access: nr_segments = 12 cannot be built with Frontend::op.
    let shared = xen_ring::SharedRing::new::<BlkifRequest, BlkifResponse>(&mem, &[ring]).unwrap();
    shared.init(0).unwrap();
    let mut fr = xen_ring::FrontRing::<_, BlkifRequest, BlkifResponse>::new(shared).unwrap();
    let mut back = Backend::attach(
        &mem,
        &[ring],
        Protocol::Native,
        FileStorage::open(&img.0, false).unwrap(),
        FrameTable::new(&mem),
        BackendConfig::default(),
    )
    .unwrap();
    let g = back.grants_mut().grant(mem.alloc_frame().unwrap(), true);
    let mut req = BlkifRequest {
        operation: BLKIF_OP_WRITE,
        nr_segments: 12,
        id: 4,
        ..Default::default()
    };
    for s in &mut req.seg {
        *s = BlkifRequestSegment {
            gref: g,
            first_sect: 0,
            last_sect: 7,
            _pad: 0,
        };
    }
    fr.push_request(&req).unwrap();
    fr.push_requests_and_check_notify().unwrap();
    back.process(10).unwrap();
    let rsp = fr.take_response().unwrap().unwrap();
    assert_eq!((rsp.id, rsp.status), (4, BLKIF_RSP_ERROR));
    assert_eq!(img.bytes(0, 4096), vec![0; 4096]);
}

#[test]
fn read_only_disk_is_enforced() {
    let img = Img::new("ro");
    std::fs::File::options()
        .write(true)
        .open(&img.0)
        .unwrap()
        .write_all_at(&[0x42; 4096], 0)
        .unwrap();
    let mem = HostMemory::new(64);
    let mut r = Rig::new(&mem, &img, true, 0);
    let (_, g) = r.page(9, true);
    assert_eq!(
        r.one(BLKIF_OP_WRITE, 0, &[Segment::page(g)]),
        BLKIF_RSP_ERROR
    );
    assert_eq!(
        r.one(BLKIF_OP_WRITE_BARRIER, 0, &[Segment::page(g)]),
        BLKIF_RSP_ERROR
    );
    assert_eq!(
        r.one(BLKIF_OP_FLUSH_DISKCACHE, 0, &[Segment::page(g)]),
        BLKIF_RSP_ERROR
    );
    r.front.discard(3, 0, 8).unwrap();
    assert_eq!(r.run(), [(3, BLKIF_OP_DISCARD, BLKIF_RSP_EOPNOTSUPP)]);
    assert_eq!(img.bytes(0, 4096), vec![0x42; 4096]);
    let (m, g) = r.page(0, false);
    assert_eq!(r.one(BLKIF_OP_READ, 0, &[Segment::page(g)]), BLKIF_RSP_OKAY);
    assert_eq!(read_page(&mem, m), vec![0x42; 4096]);
}

#[test]
fn indirect_round_trip() {
    let img = Img::new("ind");
    let mem = HostMemory::new(128);
    let mut r = Rig::new(&mem, &img, false, 0);
    let n = 40usize;
    let src: Vec<_> = (0..n).map(|i| r.page(i as u8 + 1, true)).collect();
    let desc = mem.alloc_frame().unwrap();
    let dg = r.back.grants_mut().grant(desc, true);
    let segs: Vec<_> = src.iter().map(|p| Segment::page(p.1)).collect();
    write_indirect_segments(&mem, desc, &segs).unwrap();
    r.front.indirect(77, true, 16, n as u16, &[dg]).unwrap();
    assert_eq!(r.run(), [(77, BLKIF_OP_WRITE, BLKIF_RSP_OKAY)]);
    for i in 0..n {
        assert_eq!(
            img.bytes(16 * 512 + i as u64 * 4096, 4096),
            vec![i as u8 + 1; 4096]
        );
    }
    let dst: Vec<_> = (0..n).map(|_| r.page(0, false)).collect();
    let segs: Vec<_> = dst.iter().map(|p| Segment::page(p.1)).collect();
    let desc2 = mem.alloc_frame().unwrap();
    write_indirect_segments(&mem, desc2, &segs).unwrap();
    let dg2 = r.back.grants_mut().grant(desc2, true);
    r.front.indirect(78, false, 16, n as u16, &[dg2]).unwrap();
    assert_eq!(r.run(), [(78, BLKIF_OP_READ, BLKIF_RSP_OKAY)]);
    for (i, (m, _)) in dst.iter().enumerate() {
        assert_eq!(read_page(&mem, *m), vec![i as u8 + 1; 4096]);
    }
    // Too many segments, a bad inner op, a missing descriptor page.
    r.front.indirect(79, false, 0, 257, &[dg2]).unwrap();
    r.front.indirect(80, false, 0, 0, &[dg2]).unwrap();
    r.front.indirect(81, false, 0, 600, &[dg2]).unwrap();
    r.front
        .indirect(82, false, 0, 4, &[GrantRef(5000)])
        .unwrap();
    let got = r.run();
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|g| g.2 == BLKIF_RSP_ERROR), "{got:?}");
}

#[test]
fn ring_across_index_wrap() {
    let img = Img::new("wrap");
    let mem = HostMemory::new(256);
    let mut r = Rig::new(&mem, &img, false, u32::MAX - 40);
    let (_, g) = r.page(0, false);
    for round in 0..10u64 {
        for k in 0..10u64 {
            let (_, w) = r.page((round * 10 + k) as u8, true);
            r.front
                .rw(
                    round * 10 + k,
                    true,
                    (round * 10 + k) * 8,
                    &[Segment::page(w)],
                )
                .unwrap();
        }
        r.front
            .rw(1000 + round, false, round * 80, &[Segment::page(g)])
            .unwrap();
        let got = r.run();
        assert_eq!(got.len(), 11);
        assert!(got.iter().all(|x| x.2 == BLKIF_RSP_OKAY));
    }
    for i in 0..100u64 {
        assert_eq!(img.bytes(i * 4096, 4096), vec![i as u8; 4096]);
    }
}

#[test]
fn x86_32_abi_round_trip() {
    let img = Img::new("x32");
    let mem = HostMemory::new(64);
    let ring = mem.alloc_frame().unwrap();
    let shared =
        xen_ring::SharedRing::new::<BlkifX86_32Request, BlkifX86_32Response>(&mem, &[ring])
            .unwrap();
    shared.init(0).unwrap();
    let mut fr =
        xen_ring::FrontRing::<_, BlkifX86_32Request, BlkifX86_32Response>::new(shared).unwrap();
    let mut back = Backend::attach(
        &mem,
        &[ring],
        Protocol::X86_32,
        FileStorage::open(&img.0, false).unwrap(),
        FrameTable::new(&mem),
        BackendConfig::default(),
    )
    .unwrap();
    let src = mem.alloc_frame().unwrap();
    mem.fill(src, 0, 4096, 0x32).unwrap();
    let g = back.grants_mut().grant(src, true);
    let mut req = BlkifX86_32Request {
        operation: BLKIF_OP_WRITE,
        nr_segments: 1,
        id: 0x1122_3344_5566_7788,
        sector_number: 40,
        ..Default::default()
    };
    req.seg[0] = BlkifRequestSegment {
        gref: g,
        first_sect: 0,
        last_sect: 7,
        _pad: 0,
    };
    fr.push_request(&req).unwrap();
    let mut disc = BlkifX86_32RequestDiscard {
        operation: BLKIF_OP_DISCARD,
        id: 9,
        sector_number: 44,
        nr_sectors: 2,
        ..Default::default()
    };
    disc.flag = 0;
    let mut raw = BlkifX86_32Request::default();
    zerocopy::IntoBytes::as_mut_bytes(&mut raw)
        [..core::mem::size_of::<BlkifX86_32RequestDiscard>()]
        .copy_from_slice(zerocopy::IntoBytes::as_bytes(&disc));
    fr.push_request(&raw).unwrap();
    fr.push_requests_and_check_notify().unwrap();
    assert_eq!(back.process(10).unwrap().requests, 2);
    let a = fr.take_response().unwrap().unwrap();
    let b = fr.take_response().unwrap().unwrap();
    assert_eq!({ a.id }, 0x1122_3344_5566_7788);
    assert_eq!(
        (a.operation, { a.status }),
        (BLKIF_OP_WRITE, BLKIF_RSP_OKAY)
    );
    assert_eq!(
        ({ b.id }, b.operation, { b.status }),
        (9, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY)
    );
    let mut want = vec![0x32u8; 4096];
    want[4 * 512..6 * 512].fill(0);
    assert_eq!(img.bytes(40 * 512, 4096), want);
}

#[test]
fn multi_page_ring_round_trip() {
    let img = Img::new("mp");
    let mem = HostMemory::new(256);
    // A 4-page ring (ring-page-order 2): 128 slots instead of 32.
    let frames: Vec<Mfn> = (0..4).map(|_| mem.alloc_frame().unwrap()).collect();
    let mut front = Frontend::new(&mem, &frames, u32::MAX - 70).unwrap();
    let mut back = Backend::attach(
        &mem,
        &frames,
        Protocol::Native,
        FileStorage::open(&img.0, false).unwrap(),
        FrameTable::new(&mem),
        BackendConfig::default(),
    )
    .unwrap();
    assert!(front.free() > 100, "{}", front.free());
    let n = front.free() as u64;
    let pages: Vec<_> = (0..n)
        .map(|i| {
            let m = mem.alloc_frame().unwrap();
            mem.fill(m, 0, 4096, i as u8).unwrap();
            back.grants_mut().grant(m, true)
        })
        .collect();
    for (i, g) in pages.iter().enumerate() {
        front
            .rw(i as u64, true, i as u64 * 8, &[Segment::page(*g)])
            .unwrap();
    }
    front.publish().unwrap();
    assert_eq!(back.process(u32::MAX).unwrap().requests as u64, n);
    let mut seen = 0;
    while let Some(r) = front.response().unwrap() {
        assert_eq!((r.id, r.status), (seen, BLKIF_RSP_OKAY));
        seen += 1;
    }
    assert_eq!(seen, n);
    for i in 0..n {
        assert_eq!(img.bytes(i * 4096, 4096), vec![i as u8; 4096]);
    }
}
