//! A hostile frontend: garbage requests (any operation, segment counts and
//! ranges, grant references, sectors), and producer-index jumps. The
//! backend never panics, answers each request it took exactly once with
//! OKAY/ERROR/EOPNOTSUPP, never writes a read-only disk, and stops at a
//! bogus index.

use proptest::prelude::*;
use xen_abi::io::blkif::*;
use xen_abi::GrantRef;
use xen_blkif::*;
use xen_mem::{FrameMemory, HostMemory};
use xen_ring::{FrontRing, SharedRing};
use zerocopy::FromBytes;

#[derive(Clone, Debug)]
enum Op {
    /// A request with fields drawn near the interesting edges.
    Shaped {
        op: u8,
        nseg: u8,
        sector: u64,
        segs: Vec<(u32, u8, u8)>,
        tail: u64,
    },
    /// 112 random bytes.
    Raw(Vec<u8>),
    /// The guest stores any value into `req_prod`.
    JumpProd(u32),
    /// The backend runs with this budget.
    Process(u32),
}

fn op() -> impl Strategy<Value = Op> {
    let seg = (0u32..8, 0u8..10, 0u8..10);
    prop_oneof![
        6 => (0u8..9, 0u8..14, prop_oneof![0u64..64, 120u64..130, Just(u64::MAX - 2)], proptest::collection::vec(seg, 11), any::<u64>())
            .prop_map(|(op, nseg, sector, segs, tail)| Op::Shaped { op, nseg, sector, segs, tail }),
        2 => proptest::collection::vec(any::<u8>(), 112).prop_map(Op::Raw),
        1 => any::<u32>().prop_map(Op::JumpProd),
        3 => (0u32..40).prop_map(Op::Process),
    ]
}

fn request(op: &Op) -> Option<BlkifRequest> {
    match op {
        Op::Shaped {
            op,
            nseg,
            sector,
            segs,
            tail,
        } => {
            let mut r = BlkifRequest {
                operation: *op,
                nr_segments: *nseg,
                id: *tail,
                sector_number: *sector,
                ..Default::default()
            };
            for (d, (g, f, l)) in r.seg.iter_mut().zip(segs) {
                *d = BlkifRequestSegment {
                    gref: GrantRef(*g),
                    first_sect: *f,
                    last_sect: *l,
                    _pad: 0,
                };
            }
            if *op == BLKIF_OP_DISCARD || *op == BLKIF_OP_INDIRECT {
                // Put the tail where nr_sectors / indirect fields live.
                let b = zerocopy::IntoBytes::as_mut_bytes(&mut r);
                b[24..32].copy_from_slice(&tail.to_le_bytes());
                b[2..4].copy_from_slice(&(*nseg as u16 * 30).to_le_bytes());
            }
            Some(r)
        }
        Op::Raw(b) => BlkifRequest::read_from_bytes(b).ok(),
        _ => None,
    }
}

fn run(ops: &[Op], read_only: bool) -> Result<(), TestCaseError> {
    let mem = HostMemory::new(32);
    let ring = mem.alloc_frame().unwrap();
    let shared = SharedRing::new::<BlkifRequest, BlkifResponse>(&mem, &[ring]).unwrap();
    shared.init(0).unwrap();
    let mut front = FrontRing::<_, BlkifRequest, BlkifResponse>::new(shared).unwrap();
    let mut table = FrameTable::new(&mem);
    for i in 0..6 {
        let f = mem.alloc_frame().unwrap();
        mem.fill(f, 0, 4096, 0x60 + i as u8).unwrap();
        table.grant(f, i % 2 == 0);
    }
    let disk = MemDisk::new(128, read_only);
    let before = disk.contents();
    let mut back = Backend::attach(
        &mem,
        &[ring],
        Protocol::Native,
        disk,
        table,
        BackendConfig::default(),
    )
    .unwrap();
    let mut answered = 0u64;
    for o in ops {
        match o {
            Op::JumpProd(v) => mem.store::<u32>(ring, 0, *v).unwrap(),
            Op::Process(b) => match back.process(*b) {
                Ok(p) => prop_assert!(p.requests <= *b),
                Err(_) => prop_assert!(back.is_broken()),
            },
            _ => {
                if let Some(r) = request(o) {
                    if front.push_request(&r).is_ok() {
                        let _ = front.push_requests_and_check_notify();
                    }
                }
            }
        }
        // Responses: only the three statuses; the frontend may find the
        // backend's index fine or, after its own jump, refuse it.
        while let Ok(Some(rsp)) = front.take_response() {
            prop_assert!(matches!(
                rsp.status,
                BLKIF_RSP_OKAY | BLKIF_RSP_ERROR | BLKIF_RSP_EOPNOTSUPP
            ));
            answered += 1;
        }
    }
    let s = back.stats();
    prop_assert!(answered <= s.ok + s.error + s.unsupported);
    if read_only {
        prop_assert!(
            back.storage().contents() == before,
            "read-only disk written"
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn hostile_frontend_gets_error_responses(ops in proptest::collection::vec(op(), 1..80), ro in any::<bool>()) {
        run(&ops, ro)?;
    }
}
