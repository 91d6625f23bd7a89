//! A hostile frontend: garbage TX slots, bad slot chains, bad grant
//! references, revoked grants, scribbled pages, RX buffers with garbage,
//! producer-index jumps on either ring. The backend never panics, answers
//! only `OKAY`/`ERROR`/`NULL`, and a well-behaved second queue on the same
//! backend keeps exchanging frames intact throughout (checked inside
//! [`xen_netif::fuzzing::drive`], the function the fuzz target runs).

use proptest::prelude::*;
use xen_abi::io::netif::*;
use xen_netif::fuzzing::drive;

/// A script op as `drive` reads it.
fn op() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Raw TX slot.
        1 => proptest::collection::vec(any::<u8>(), 12).prop_map(|v| [vec![0u8], v].concat()),
        // Shaped TX slot (flags, sizes, offsets, grefs near the edges).
        4 => proptest::collection::vec(any::<u8>(), 6).prop_map(|v| [vec![1u8], v].concat()),
        // Producer-index jump.
        1 => any::<[u8; 4]>().prop_map(|v| [vec![3u8], v.to_vec()].concat()),
        // Raw RX buffer.
        2 => proptest::collection::vec(any::<u8>(), 8).prop_map(|v| [vec![4u8], v].concat()),
        // A packet for the guest.
        2 => any::<[u8; 3]>().prop_map(|v| [vec![5u8], v.to_vec()].concat()),
        // Scribble on a granted page; revoke a grant.
        1 => any::<[u8; 2]>().prop_map(|v| [vec![6u8], v.to_vec()].concat()),
        1 => any::<u8>().prop_map(|v| vec![7u8, v]),
        // Process with a budget.
        3 => (0u8..16).prop_map(|b| vec![9 | (b << 4)]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn scripted_hostile_frontend(start in any::<u8>(), ops in proptest::collection::vec(op(), 0..120)) {
        let mut data = vec![start];
        for o in ops {
            data.extend(o);
        }
        let out = drive(&data);
        prop_assert!(out.b_frames >= 2);
    }

    #[test]
    fn random_bytes(data in proptest::collection::vec(any::<u8>(), 0..1500)) {
        drive(&data);
    }
}

fn shaped(gref: u8, offset: u8, flags: NetTxFlags, id: u8, size: u16) -> Vec<u8> {
    let s = size.to_le_bytes();
    vec![1, gref, offset, flags.bits() as u8, id, s[0], s[1]]
}

#[test]
fn malformed_chains_get_errors_and_the_queue_keeps_going() {
    let m = NetTxFlags::MORE_DATA;
    let e = NetTxFlags::empty();
    let mut script = vec![0u8];
    // Fragment bigger than the packet (2 slots), then a good packet.
    script.extend(shaped(0, 0, m, 1, 100));
    script.extend(shaped(1, 0, e, 2, 200));
    script.extend(shaped(2, 0, e, 3, 60));
    // Crossing the page (offset 255 * 17 = 4335 > 4096).
    script.extend(shaped(0, 255, e, 4, 60));
    // A grant reference nobody granted (7), then a revoked one (3).
    script.extend(shaped(7, 0, e, 5, 60));
    script.extend([7, 3]);
    script.extend(shaped(3, 0, e, 6, 60));
    // Extra info with a bad type (raw slot: type 9).
    script.extend(shaped(0, 0, NetTxFlags::EXTRA_INFO, 7, 60));
    script.extend([0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Process everything.
    script.push(9 | (15 << 4));
    let out = drive(&script);
    // OKAY: the one good packet; ERROR: 2 + 1 + 1 + 1 + 1 data slots;
    // NULL: the bad extra slot.
    assert_eq!(out.a_statuses, [1, 6, 1]);
    assert!(!out.a_broken);
    assert_eq!(out.b_frames, 4);
}

#[test]
fn an_index_jump_breaks_only_that_queue() {
    let mut script = vec![0u8];
    script.extend(shaped(0, 0, NetTxFlags::empty(), 1, 60));
    // req_prod of A's TX ring jumps a million slots ahead.
    script.extend([3, 0x40, 0x42, 0x0f, 0x00]);
    for _ in 0..5 {
        script.push(9 | (4 << 4));
    }
    let out = drive(&script);
    assert!(out.a_broken);
    // Queue B exchanged a frame each way in each of the 5 rounds and at the end.
    assert_eq!(out.b_frames, 12);
}

proptest! {
    /// The one-slot fast path answers exactly as the chain scan rules say.
    #[test]
    fn one_slot_fast_path_matches_scan(
        granted in any::<bool>(),
        offset in prop_oneof![0u16..64, 4000u16..4200, any::<u16>()],
        size in prop_oneof![0u16..32, 1400u16..1600, 4000u16..4200, any::<u16>()],
        flags in 0u16..4,
        id in any::<u16>(),
    ) {
        use xen_mem::{FrameMemory, HostMemory};
        use xen_netif::packet::{scan, QueueLimits, Scan};
        use xen_netif::*;
        use xen_ring::{FrontRing, SharedRing};
        let mem = HostMemory::new(8);
        let (tx, rx, page) = (mem.alloc_frame().unwrap(), mem.alloc_frame().unwrap(), mem.alloc_frame().unwrap());
        let mut table = FrameTable::new(&mem);
        let gref = table.grant(page, true);
        if !granted {
            table.revoke(gref);
        }
        let mut front = FrontRing::<_, NetifTxRequest, NetifTxResponse>::new(
            SharedRing::new::<NetifTxRequest, NetifTxResponse>(&mem, &[tx]).unwrap(),
        ).unwrap();
        let _rx = FrontRing::<_, NetifRxRequest, NetifRxResponse>::new(
            SharedRing::new::<NetifRxRequest, NetifRxResponse>(&mem, &[rx]).unwrap(),
        ).unwrap();
        let mut back = BackQueue::attach(&mem, tx, rx, table, QueueConfig::default()).unwrap();
        let r = NetifTxRequest { gref, offset, flags, id, size };
        let expected = match scan(&[r], QueueLimits::default()) {
            Scan::Chain { packet: Ok(_), .. } if granted => NETIF_RSP_OKAY,
            Scan::Chain { .. } => NETIF_RSP_ERROR,
            Scan::Incomplete => unreachable!(),
        };
        front.push_request(&r).unwrap();
        front.push_requests_and_check_notify().unwrap();
        let mut sink = xen_netif::fuzzing::VecSink::default();
        back.process_tx(4, &mut sink).unwrap();
        let rsp = front.take_response().unwrap().unwrap();
        prop_assert_eq!((rsp.id, rsp.status), (id, expected));
        prop_assert_eq!(sink.frames.len(), usize::from(expected == NETIF_RSP_OKAY));
    }
}
