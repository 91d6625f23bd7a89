//! In-process front/back pairs over host memory (FrameTable grants):
//! frames both ways, multi-slot packets, GSO extra info, checksum flags,
//! RX waiting for buffers, bad grants, multicast control, and the rings
//! across the 32-bit index wrap.

use xen_abi::io::netif::*;
use xen_abi::GrantRef;
use xen_mem::{FrameMemory, HostMemory};
use xen_netif::fuzzing::VecSink;
use xen_netif::packet::tx_slot_of_extra;
use xen_netif::*;
use xen_ring::{FrontRing, SharedRing};

type Back<'m> = BackQueue<'m, HostMemory, FrameTable<'m, HostMemory>>;

fn pair(
    mem: &HostMemory,
    start: u32,
    pages: usize,
    cfg: QueueConfig,
) -> (Frontend<'_, HostMemory>, Back<'_>) {
    let (tx, rx) = (mem.alloc_frame().unwrap(), mem.alloc_frame().unwrap());
    let mut table = FrameTable::new(mem);
    let mut bufs = |n: usize, ro: bool| -> Vec<Buffer> {
        (0..n)
            .map(|_| {
                let mfn = mem.alloc_frame().unwrap();
                Buffer {
                    mfn,
                    gref: table.grant(mfn, ro),
                }
            })
            .collect()
    };
    let txp = bufs(pages, true);
    let rxp = bufs(pages, false);
    let front = Frontend::new(mem, tx, rx, start, txp, rxp).unwrap();
    let back = BackQueue::attach(mem, tx, rx, table, cfg).unwrap();
    (front, back)
}

fn frame(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn gso(size: u16) -> NetifGso {
    NetifGso {
        size,
        type_: XEN_NETIF_GSO_TYPE_TCPV4,
        pad: 0,
        features: 0,
    }
}

#[test]
fn frames_both_ways_with_checksum_flags() {
    let mem = HostMemory::new(128);
    let (mut front, mut back) = pair(&mem, 0, 32, QueueConfig::default());
    let infos = [
        PacketInfo::default(),
        PacketInfo {
            csum_blank: true,
            data_validated: true,
            gso: None,
        },
        PacketInfo {
            data_validated: true,
            ..Default::default()
        },
    ];
    let frames: Vec<_> = [60, 1514, 4096]
        .iter()
        .zip(1..)
        .map(|(l, s)| frame(*l, s))
        .collect();
    for (f, i) in frames.iter().zip(&infos) {
        front.send(f, i).unwrap();
    }
    assert!(front.publish_tx().unwrap(), "first batch notifies");
    let mut sink = VecSink::default();
    let p = back.process_tx(64, &mut sink).unwrap();
    assert_eq!((p.packets, p.notify, p.more), (3, true, false));
    assert_eq!(sink.frames, frames);
    assert_eq!(sink.infos, infos);
    assert_eq!(front.reap_tx().unwrap(), 3);
    assert_eq!(front.stats().tx_ok, 3);
    assert_eq!(front.tx_pages_free(), 32);

    // And back to the guest.
    front.refill().unwrap();
    for (f, i) in frames.iter().zip(&infos) {
        assert!(back.queue_rx(f, *i));
    }
    let p = back.process_rx().unwrap();
    assert_eq!((p.packets, p.notify, p.more), (3, true, false));
    let got = front.receive().unwrap();
    let datas: Vec<_> = got.iter().map(|f| f.data.clone()).collect();
    assert_eq!(datas, frames);
    // csum_blank implies validated on the way in (NETRXF_csum_blank |
    // NETRXF_data_validated), so the first two come back as sent.
    let ginfos: Vec<_> = got.iter().map(|f| f.info).collect();
    assert_eq!(ginfos, infos);
    let st = back.stats();
    assert_eq!((st.tx_packets, st.rx_packets, st.tx_errors), (3, 3, 0));
    assert_eq!(st.tx_bytes, 60 + 1514 + 4096);
}

#[test]
fn multi_slot_packets() {
    let mem = HostMemory::new(128);
    let (mut front, mut back) = pair(&mem, 0, 40, QueueConfig::default());
    let big = [frame(9000, 7), frame(65_535, 9), frame(4097, 3)];
    for f in &big {
        front.send(f, &PacketInfo::default()).unwrap();
    }
    front.publish_tx().unwrap();
    let mut sink = VecSink::default();
    assert_eq!(back.process_tx(64, &mut sink).unwrap().packets, 3);
    assert_eq!(sink.frames, big);
    // 3 + 16 + 2 slots answered.
    assert_eq!(front.reap_tx().unwrap(), 3 + 16 + 2);
    // RX: the 64 KiB frame takes 16 buffers.
    front.refill().unwrap();
    for f in &big {
        assert!(back.queue_rx(f, PacketInfo::default()));
    }
    back.process_rx().unwrap();
    let got: Vec<_> = front
        .receive()
        .unwrap()
        .into_iter()
        .map(|f| f.data)
        .collect();
    assert_eq!(got, big);
    // Frames larger than a backend must accept are refused by the frontend.
    assert!(front
        .send(&frame(65_536, 0), &PacketInfo::default())
        .is_err());
}

#[test]
fn gso_extra_info_both_ways() {
    let mem = HostMemory::new(128);
    let (mut front, mut back) = pair(&mem, 0, 32, QueueConfig::default());
    let f = frame(20_000, 5);
    let info = PacketInfo {
        csum_blank: true,
        data_validated: true,
        gso: Some(gso(1448)),
    };
    front.send(&f, &info).unwrap();
    front.publish_tx().unwrap();
    let mut sink = VecSink::default();
    back.process_tx(64, &mut sink).unwrap();
    assert_eq!((sink.frames[0].len(), sink.infos[0]), (20_000, info));
    // 5 data slots + 1 extra (NULL) answered.
    assert_eq!(front.reap_tx().unwrap(), 6);
    assert_eq!(front.stats().tx_ok, 5);

    front.refill().unwrap();
    assert!(back.queue_rx(&f, info));
    back.process_rx().unwrap();
    let got = front.receive().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, f);
    assert_eq!(got[0].info, info);
    // GSO the frontend did not negotiate is refused.
    let (_, mut back2) = pair(
        &mem,
        0,
        1,
        QueueConfig {
            rx_gso_tcpv4: false,
            ..Default::default()
        },
    );
    assert!(!back2.queue_rx(&f, info));
    assert_eq!(back2.stats().rx_drops, 1);
}

#[test]
fn rx_waits_for_buffers_and_needs_sg_for_big_frames() {
    let mem = HostMemory::new(128);
    let (mut front, mut back) = pair(&mem, 0, 4, QueueConfig::default());
    let f = frame(9000, 1);
    assert!(back.queue_rx(&f, PacketInfo::default()));
    let p = back.process_rx().unwrap();
    assert_eq!((p.packets, p.more), (0, true));
    // The backend armed req_event: posting buffers notifies it.
    assert!(front.refill().unwrap());
    let p = back.process_rx().unwrap();
    assert_eq!((p.packets, p.more), (1, false));
    assert_eq!(front.receive().unwrap()[0].data, f);

    let (_, mut nosg) = pair(
        &mem,
        0,
        4,
        QueueConfig {
            rx_sg: false,
            ..Default::default()
        },
    );
    assert!(!nosg.queue_rx(&f, PacketInfo::default()));
    assert!(nosg.queue_rx(&frame(1500, 0), PacketInfo::default()));
}

#[test]
fn bad_grant_fails_only_its_packet() {
    let mem = HostMemory::new(128);
    let (mut front, mut back) = pair(&mem, 0, 8, QueueConfig::default());
    // Revoke the grant of TX page 0 (the first one `send` uses).
    let gref = front.tx_pages()[0].gref;
    back.grants_mut().revoke(gref);
    front.send(&frame(6000, 1), &PacketInfo::default()).unwrap();
    front.send(&frame(100, 2), &PacketInfo::default()).unwrap();
    front.publish_tx().unwrap();
    let mut sink = VecSink::default();
    assert_eq!(back.process_tx(64, &mut sink).unwrap().packets, 2);
    assert_eq!(sink.frames, [frame(100, 2)]);
    front.reap_tx().unwrap();
    assert_eq!((front.stats().tx_errors, front.stats().tx_ok), (2, 1));
    assert_eq!(back.stats().tx_errors, 1);

    // An RX buffer whose grant is gone gets ERROR; the frame is dropped,
    // the next one arrives.
    front.refill().unwrap();
    // RX page 0 (granted after the 8 TX pages) is posted first.
    let rx_gref = GrantRef(gref.0 + 8);
    back.grants_mut().revoke(rx_gref);
    back.queue_rx(&frame(200, 3), PacketInfo::default());
    back.queue_rx(&frame(300, 4), PacketInfo::default());
    back.process_rx().unwrap();
    let got = front.receive().unwrap();
    assert_eq!(back.stats().rx_buffer_errors, 1);
    assert_eq!(front.stats().rx_dropped, 1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, frame(300, 4));
}

#[test]
fn multicast_control_requests() {
    let mem = HostMemory::new(32);
    let tx = mem.alloc_frame().unwrap();
    let rx = mem.alloc_frame().unwrap();
    let mut ring = FrontRing::<_, NetifTxRequest, NetifTxResponse>::new(
        SharedRing::new::<NetifTxRequest, NetifTxResponse>(&mem, &[tx]).unwrap(),
    )
    .unwrap();
    let _rx = FrontRing::<_, NetifRxRequest, NetifRxResponse>::new(
        SharedRing::new::<NetifRxRequest, NetifRxResponse>(&mem, &[rx]).unwrap(),
    )
    .unwrap();
    let mut back =
        BackQueue::attach(&mem, tx, rx, FrameTable::new(&mem), QueueConfig::default()).unwrap();
    let addr = [0x01, 0x00, 0x5e, 0, 0, 1];
    let mut e = NetifExtraInfo {
        type_: XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
        ..Default::default()
    };
    e.u = [
        u16::from_le_bytes([addr[0], addr[1]]),
        u16::from_le_bytes([addr[2], addr[3]]),
        u16::from_le_bytes([addr[4], addr[5]]),
    ];
    let first = NetifTxRequest {
        flags: NetTxFlags::EXTRA_INFO.bits(),
        id: 9,
        ..Default::default()
    };
    ring.push_request(&first).unwrap();
    ring.push_request(&tx_slot_of_extra(&e)).unwrap();
    ring.push_requests_and_check_notify().unwrap();
    let mut sink = VecSink::default();
    back.process_tx(8, &mut sink).unwrap();
    assert!(sink.frames.is_empty());
    assert_eq!(back.multicast(), &[addr]);
    let r = ring.take_response().unwrap().unwrap();
    assert_eq!((r.id, r.status), (9, NETIF_RSP_OKAY));
    assert_eq!(
        ring.take_response().unwrap().unwrap().status,
        NETIF_RSP_NULL
    );
    e.type_ = XEN_NETIF_EXTRA_TYPE_MCAST_DEL;
    ring.push_request(&first).unwrap();
    ring.push_request(&tx_slot_of_extra(&e)).unwrap();
    ring.push_requests_and_check_notify().unwrap();
    back.process_tx(8, &mut sink).unwrap();
    assert!(back.multicast().is_empty());
}

#[test]
fn rings_across_the_32_bit_wrap() {
    let mem = HostMemory::new(256);
    let start = u32::MAX - 40;
    let (mut front, mut back) = pair(&mem, start, 64, QueueConfig::default());
    front.refill().unwrap();
    let mut sink = VecSink::default();
    let mut received = 0;
    // 600 frames each way, in batches, over 256-slot rings: the indexes
    // pass 2^32 early on and the rings wrap several times.
    for batch in 0..60u32 {
        let sent: Vec<_> = (0..10)
            .map(|i| frame(60 + ((batch * 10 + i) as usize * 389) % 6000, i as u8))
            .collect();
        for f in &sent {
            front.send(f, &PacketInfo::default()).unwrap();
            assert!(back.queue_rx(f, PacketInfo::default()));
        }
        front.publish_tx().unwrap();
        sink.frames.clear();
        back.process_tx(u32::MAX, &mut sink).unwrap();
        assert_eq!(sink.frames, sent);
        front.reap_tx().unwrap();
        back.process_rx().unwrap();
        let got: Vec<_> = front
            .receive()
            .unwrap()
            .into_iter()
            .map(|f| f.data)
            .collect();
        assert_eq!(got, sent);
        received += got.len();
        front.refill().unwrap();
    }
    assert_eq!(received, 600);
    assert_eq!(front.stats().tx_ok as usize, front.stats().tx_ok as usize);
    assert_eq!(back.stats().tx_packets, 600);
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn arb_info() -> impl Strategy<Value = PacketInfo> {
        (
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(1u16..9000),
        )
            .prop_map(|(csum_blank, validated, mss)| PacketInfo {
                csum_blank,
                data_validated: csum_blank || validated,
                gso: mss.map(gso),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Any frames (14 B to 64 KiB, checksum flags, GSO or not) arrive
        /// intact and in order both ways, batch after batch.
        #[test]
        fn any_frames_both_ways(
            start in any::<u32>(),
            batches in proptest::collection::vec(
                proptest::collection::vec(
                    (prop_oneof![14usize..200, 1000usize..1600, 4000usize..9000, 60_000usize..65_536], arb_info(), any::<u8>()),
                    1..6,
                ),
                1..6,
            ),
        ) {
            let mem = HostMemory::new(256);
            let (mut front, mut back) = pair(&mem, start, 100, QueueConfig::default());
            front.refill().unwrap();
            for batch in batches {
                let frames: Vec<_> = batch.iter().map(|(l, i, s)| (frame(*l, *s), *i)).collect();
                let mut sent = Vec::new();
                for (f, i) in &frames {
                    if front.send(f, i).is_ok() {
                        sent.push((f.clone(), *i));
                    }
                }
                front.publish_tx().unwrap();
                let mut sink = VecSink::default();
                back.process_tx(u32::MAX, &mut sink).unwrap();
                let got: Vec<_> = sink.frames.into_iter().zip(sink.infos).collect();
                prop_assert_eq!(&got, &sent);
                front.reap_tx().unwrap();
                prop_assert_eq!(front.tx_pages_free(), 100);
                let mut received = Vec::new();
                for (f, i) in &frames {
                    prop_assert!(back.queue_rx(f, *i));
                    back.process_rx().unwrap();
                    received.extend(front.receive().unwrap().into_iter().map(|r| (r.data, r.info)));
                    front.refill().unwrap();
                }
                prop_assert_eq!(received, frames);
            }
            prop_assert_eq!(back.stats().tx_errors, 0);
            prop_assert_eq!(front.stats().rx_dropped, 0);
        }
    }
}
