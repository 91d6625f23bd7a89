//! The backend reaching the guest's pages through xen-grant's engine:
//! `GNTTABOP_copy` between the frontend's grants and a bounce frame of the
//! backend domain, with every check the hypervisor makes (grant owner,
//! read-only grants, references out of range).

use xen_abi::{DomId, GrantRef};
use xen_grant::backend::BounceCopy;
use xen_grant::host::HostWorld;
use xen_grant::{DomainConfig, GrantOptions};
use xen_netif::fuzzing::VecSink;
use xen_netif::*;

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
fn frames_both_ways_through_grant_copies() {
    let w = world();
    let mem = w.host_memory();
    let gt = w.guest_table(DOMU).unwrap();
    let page = |gfn: u64| w.gfn_to_mfn(DOMU, gfn).unwrap();
    // TX pages: guest frames 10..14 granted read-only, and one granted to
    // another domain. RX pages: 20..24 writable, and one read-only grant.
    let mut txp = Vec::new();
    let mut rxp = Vec::new();
    for i in 0..4u32 {
        gt.grant_access(10 + i, DOM0, 10 + u64::from(i), true)
            .unwrap();
        gt.grant_access(20 + i, DOM0, 20 + u64::from(i), false)
            .unwrap();
        txp.push(Buffer {
            mfn: page(10 + u64::from(i)),
            gref: GrantRef(10 + i),
        });
        rxp.push(Buffer {
            mfn: page(20 + u64::from(i)),
            gref: GrantRef(20 + i),
        });
    }
    gt.grant_access(30, DOMU2, 30, true).unwrap();
    txp.push(Buffer {
        mfn: page(30),
        gref: GrantRef(30),
    });
    rxp.push(Buffer {
        mfn: page(10),
        gref: GrantRef(10),
    });
    let mut front = Frontend::new(mem, page(1), page(2), 0, txp, rxp).unwrap();
    let mut back = BackQueue::attach(
        mem,
        page(1),
        page(2),
        BounceCopy::new(&w, DOM0, DOMU, BOUNCE_GFN),
        QueueConfig::default(),
    )
    .unwrap();

    // TX: a 3-page frame and a 1-page frame, then one on the foreign grant.
    let a: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let b: Vec<u8> = (0..1514u32).map(|i| (i * 3) as u8).collect();
    front.send(&a, &PacketInfo::default()).unwrap();
    front.send(&b, &PacketInfo::default()).unwrap();
    front.send(&b, &PacketInfo::default()).unwrap(); // Page 4: DOMU2's grant.
    front.publish_tx().unwrap();
    let mut sink = VecSink::default();
    assert_eq!(back.process_tx(16, &mut sink).unwrap().packets, 3);
    assert_eq!(sink.frames, [a.clone(), b.clone()]);
    front.reap_tx().unwrap();
    assert_eq!((front.stats().tx_ok, front.stats().tx_errors), (4, 1));

    // RX: five one-page frames; the fifth lands in the read-only grant.
    front.refill().unwrap();
    for i in 0..5u8 {
        back.queue_rx(&vec![i; 1000], PacketInfo::default());
    }
    back.process_rx().unwrap();
    let got = front.receive().unwrap();
    assert_eq!(got.len(), 4);
    for (i, f) in got.iter().enumerate() {
        assert_eq!(f.data, vec![i as u8; 1000]);
    }
    assert_eq!(front.stats().rx_dropped, 1);
    assert_eq!(back.stats().rx_buffer_errors, 1);
    // Nothing stays pinned: every copy released its grant.
    assert_eq!(w.total_refs(), 0);
    for g in [10, 20, 30] {
        assert_eq!(gt.in_use_bits(g).unwrap(), 0);
    }
}
