//! The backend reaching the guest's pages through xen-grant's engine:
//! `GNTTABOP_copy` between the frontend's grants and a bounce frame of the
//! backend domain, with every grant check the hypervisor makes.

use std::os::unix::fs::FileExt;

use xen_abi::io::blkif::*;
use xen_abi::{DomId, GrantRef};
use xen_blkif::file::FileStorage;
use xen_blkif::*;
use xen_grant::backend::BounceCopy;
use xen_grant::host::HostWorld;
use xen_grant::{DomainConfig, GrantOptions};
use xen_mem::FrameMemory;

const DOM0: DomId = DomId(0);
const DOMU: DomId = DomId(1);
const DOMU2: DomId = DomId(2);
const BOUNCE_GFN: u64 = 3;

fn world() -> HostWorld {
    let w = HostWorld::new(1024);
    let cfg = |translated, privileged| DomainConfig {
        translated,
        privileged,
        vcpus: 2,
        options: GrantOptions::default(),
    };
    w.create_domain(DOM0, cfg(false, true), 16);
    w.create_domain(DOMU, cfg(true, false), 64);
    w.create_domain(DOMU2, cfg(true, false), 16);
    w
}

#[test]
fn round_trip_through_grant_copies() {
    let img = std::env::temp_dir().join(format!("xen-blkif-gnt-{}.img", std::process::id()));
    std::fs::File::create(&img)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    let w = world();
    let mem = w.host_memory();
    let gt = w.guest_table(DOMU).unwrap();
    // The ring page is guest frame 1 of the frontend (mapped by dom0).
    let ring = w.gfn_to_mfn(DOMU, 1).unwrap();
    let mut front = Frontend::new(mem, &[ring], 0).unwrap();
    let mut back = Backend::attach(
        mem,
        &[ring],
        Protocol::Native,
        FileStorage::open(&img, false).unwrap(),
        BounceCopy::new(&w, DOM0, DOMU, BOUNCE_GFN),
        BackendConfig::default(),
    )
    .unwrap();
    // Guest pages 10..14 hold data, granted read-only as refs 10..14;
    // pages 20..24 receive it, granted writable as refs 20..24.
    for i in 0..4u32 {
        mem.fill(
            w.gfn_to_mfn(DOMU, 10 + u64::from(i)).unwrap(),
            0,
            4096,
            0xA0 + i as u8,
        )
        .unwrap();
        gt.grant_access(10 + i, DOM0, 10 + u64::from(i), true)
            .unwrap();
        gt.grant_access(20 + i, DOM0, 20 + u64::from(i), false)
            .unwrap();
    }
    // A page granted to someone else, and a read-only grant used for a read.
    gt.grant_access(30, DOMU2, 30, false).unwrap();
    let segs = |base: u32| {
        (0..4)
            .map(|i| Segment::page(GrantRef(base + i)))
            .collect::<Vec<_>>()
    };
    front.rw(1, true, 64, &segs(10)).unwrap();
    front.rw(2, false, 64, &segs(20)).unwrap();
    front
        .rw(3, true, 0, &[Segment::page(GrantRef(30))])
        .unwrap();
    front
        .rw(4, false, 0, &[Segment::page(GrantRef(10))])
        .unwrap();
    front
        .rw(5, true, 0, &[Segment::page(GrantRef(4000))])
        .unwrap();
    front.publish().unwrap();
    assert_eq!(back.process(100).unwrap().requests, 5);
    let mut st = Vec::new();
    while let Some(r) = front.response().unwrap() {
        st.push((r.id, r.status));
    }
    assert_eq!(
        st,
        [
            (1, BLKIF_RSP_OKAY),
            (2, BLKIF_RSP_OKAY),
            (3, BLKIF_RSP_ERROR),
            (4, BLKIF_RSP_ERROR),
            (5, BLKIF_RSP_ERROR)
        ]
    );
    let f = std::fs::File::open(&img).unwrap();
    for i in 0..4u64 {
        let mut b = vec![0; 4096];
        f.read_exact_at(&mut b, 64 * 512 + i * 4096).unwrap();
        assert_eq!(b, vec![0xA0 + i as u8; 4096]);
        mem.read(w.gfn_to_mfn(DOMU, 20 + i).unwrap(), 0, &mut b)
            .unwrap();
        assert_eq!(b, vec![0xA0 + i as u8; 4096]);
    }
    // Nothing stays pinned: every copy released its grant.
    assert_eq!(w.total_refs(), 0);
    for g in [10, 20, 30] {
        assert_eq!(gt.in_use_bits(g).unwrap(), 0);
    }
    let _ = std::fs::remove_file(&img);
}
