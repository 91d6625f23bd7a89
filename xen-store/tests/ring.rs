//! The shared-ring transport in process: a guest end and the store's end on
//! one page of host memory, including hostile guests (XSA-38, XSA-325).
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use proptest::prelude::*;
use xen_mem::{FrameMemory, HostMemory, Mfn};
use xen_store::db::store::Config;
use xen_store::db::Store;
use xen_store::ring::*;
use xen_store::wire::{encode_frame, msg, Header};

#[derive(Clone, Default)]
struct Count(Arc<AtomicUsize>);
impl Notifier for Count {
    fn notify(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn setup() -> (HostMemory, Mfn, Store, u64) {
    let mem = HostMemory::new(4);
    let f = mem.alloc_frame().unwrap();
    let mut s = Store::new(Config::default());
    let cid = s.introduce(3, f.0, 7, 0);
    (mem, f, s, cid)
}

fn roundtrip(
    g: &mut GuestRing<'_, HostMemory, Count>,
    srv: &mut ServerRing<&HostMemory, Count>,
    s: &mut Store,
    cid: u64,
    frame: &[u8],
) -> Vec<xen_store::wire::Frame> {
    let mut sent = 0;
    let mut got = Vec::new();
    for _ in 0..100 {
        if sent < frame.len() {
            sent += g.send(&frame[sent..]).unwrap();
        }
        srv.service(s, cid, 0).unwrap();
        got.extend(g.receive().unwrap());
        if sent == frame.len() && got.iter().any(|f| f.header.ty != msg::WATCH_EVENT) {
            return got;
        }
    }
    panic!("no reply");
}

#[test]
fn requests_and_replies_larger_than_the_ring() {
    let (mem, f, mut s, cid) = setup();
    let n = Count::default();
    let mut srv = ServerRing::new(&mem, f, n.clone(), 2).unwrap();
    let mut g = GuestRing::new(&mem, f, n.clone());
    assert_eq!(g.server_features().unwrap(), 2);
    // Domain 3 writes under its home, which dom0 created for it.
    let c0 = s.connect(0, xen_store::db::ConnKind::Socket);
    s.submit(
        c0,
        xen_store::db::Request::new(msg::MKDIR, 0, b"/local/domain/3\0"),
        0,
    );
    s.submit(
        c0,
        xen_store::db::Request::new(msg::SET_PERMS, 0, b"/local/domain/3\0n3\0"),
        0,
    );
    let value = vec![b'v'; 1900];
    let mut p = b"big\0".to_vec();
    p.extend_from_slice(&value);
    let r = roundtrip(
        &mut g,
        &mut srv,
        &mut s,
        cid,
        &encode_frame(msg::WRITE, 9, 0, &p),
    );
    assert_eq!(r[0].header.req_id, 9);
    assert_eq!(r[0].payload, b"OK\0");
    let r = roundtrip(
        &mut g,
        &mut srv,
        &mut s,
        cid,
        &encode_frame(msg::READ, 10, 0, b"big\0"),
    );
    assert_eq!(r[0].payload, value);
    assert!(n.0.load(Ordering::Relaxed) > 0);
}

#[test]
fn xsa_38_bad_indexes_set_the_error_and_keep_the_domain() {
    let (mem, f, mut s, cid) = setup();
    let n = Count::default();
    let mut srv = ServerRing::new(&mem, f, n.clone(), 2).unwrap();
    mem.store(f, 2052, 5000u32).unwrap(); // req_prod far beyond req_cons
    assert_eq!(srv.service(&mut s, cid, 0), Err(RingError::BadIndex));
    assert_eq!(mem.load::<u32>(f, 2072).unwrap(), XENSTORE_ERROR_RINGIDX);
    assert_eq!(srv.service(&mut s, cid, 0), Err(RingError::Ignored));
    // XSA-325: the domain is still known; RELEASE still fires @releaseDomain.
    let c0 = s.connect(0, xen_store::db::ConnKind::Socket);
    s.submit(
        c0,
        xen_store::db::Request::new(msg::IS_DOMAIN_INTRODUCED, 0, b"3\0"),
        0,
    );
    let fr = s.pop_frame(c0).unwrap();
    assert_eq!(&fr[16..], b"T\0");
}

#[test]
fn xsa_420_oversized_header_is_a_protocol_error() {
    let (mem, f, mut s, cid) = setup();
    let n = Count::default();
    let mut srv = ServerRing::new(&mem, f, n.clone(), 2).unwrap();
    let mut g = GuestRing::new(&mem, f, n.clone());
    let h = Header {
        ty: msg::WRITE,
        req_id: 0,
        tx_id: 0,
        len: u32::MAX,
    };
    g.send(&h.encode()).unwrap();
    assert!(matches!(
        srv.service(&mut s, cid, 0),
        Err(RingError::Proto(_))
    ));
    assert_eq!(g.error().unwrap(), XENSTORE_ERROR_PROTO);
}

#[test]
fn reconnection_resets_the_connection() {
    let (mem, f, mut s, cid) = setup();
    let n = Count::default();
    let mut srv = ServerRing::new(&mem, f, n.clone(), 3).unwrap();
    let mut g = GuestRing::new(&mem, f, n.clone());
    let r = roundtrip(
        &mut g,
        &mut srv,
        &mut s,
        cid,
        &encode_frame(msg::TRANSACTION_START, 1, 0, b"\0"),
    );
    assert_eq!(r[0].payload, b"1\0");
    g.request_reconnect().unwrap();
    srv.service(&mut s, cid, 0).unwrap();
    assert!(g.connected().unwrap());
    // The transaction is gone.
    let r = roundtrip(
        &mut g,
        &mut srv,
        &mut s,
        cid,
        &encode_frame(msg::TRANSACTION_END, 2, 1, b"T\0"),
    );
    assert_eq!(r[0].header.ty, msg::ERROR);
    assert_eq!(r[0].payload, b"ENOENT\0");
}

#[test]
fn a_guest_flipping_indexes_concurrently_cannot_break_the_store() {
    let (mem, f, mut s, cid) = setup();
    let mem = Arc::new(mem);
    let stop = Arc::new(AtomicBool::new(false));
    let m2 = mem.clone();
    let st2 = stop.clone();
    let attacker = std::thread::spawn(move || {
        let mut x: u32 = 12345;
        while !st2.load(Ordering::Relaxed) {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let off = [2048usize, 2052, 2056, 2060][(x >> 28) as usize % 4];
            let v = if x & 1 == 0 { x >> 20 } else { x };
            let _ = m2.store(f, off, v);
            let _ = m2.write(f, (x as usize >> 8) % 2048, &x.to_le_bytes()[..1]);
        }
    });
    let n = Count::default();
    let mut errors = 0;
    for _ in 0..20_000 {
        let mut srv = ServerRing::new(&*mem, f, n.clone(), 2).unwrap();
        s.reset_connection(cid);
        if srv.service(&mut s, cid, 0).is_err() {
            errors += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    attacker.join().unwrap();
    assert!(errors > 0);
    assert!(s.check().is_empty());
}

proptest! {
    #[test]
    fn random_pages_never_panic(page in prop::collection::vec(any::<u8>(), 2080), passes in 1usize..4) {
        let (mem, f, mut s, cid) = setup();
        mem.write(f, 0, &page).unwrap();
        let n = Count::default();
        let mut srv = ServerRing::new(&mem, f, n, 2).unwrap();
        for _ in 0..passes {
            let _ = srv.service(&mut s, cid, 0);
        }
        prop_assert!(s.check().is_empty());
    }
}

/// Restart without loss for a ring client: the guest writes over its ring,
/// the store is dumped and a new one restored from the dump (what live
/// update does); the restored store announces the domain's ring, a new
/// server end attaches to the same page, and the guest carries on with the
/// same ring and its data — including a request it had queued before the
/// restart.
#[test]
fn ring_client_keeps_working_across_a_restart() {
    let (mem, f, mut s, cid) = setup();
    let n = Count::default();
    let c0 = s.connect(0, xen_store::db::ConnKind::Socket);
    for p in [&b"/local/domain/3\0"[..], b"/local/domain/3\0n3\0"] {
        let ty = if p.ends_with(b"n3\0") {
            msg::SET_PERMS
        } else {
            msg::MKDIR
        };
        s.submit(c0, xen_store::db::Request::new(ty, 0, p), 0);
    }
    let mut g = GuestRing::new(&mem, f, n.clone());
    {
        let mut srv = ServerRing::new(&mem, f, n.clone(), 0).unwrap();
        let r = roundtrip(
            &mut g,
            &mut srv,
            &mut s,
            cid,
            &encode_frame(msg::WRITE, 1, 0, b"kept\0before"),
        );
        assert_eq!(r[0].payload, b"OK\0");
    }
    // The guest queues a request while the daemon is going away.
    let queued = encode_frame(msg::READ, 2, 0, b"kept\0");
    assert_eq!(g.send(&queued).unwrap(), queued.len());

    let dump = s.dump_state();
    drop(s);
    let mut s2 = Store::restore(Config::default(), &dump).unwrap();
    let attach = s2
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            xen_store::db::store::Effect::Introduced {
                domid: 3,
                conn,
                gfn,
                port,
            } => Some((conn, gfn, port)),
            _ => None,
        })
        .expect("the restored store announces domain 3's ring");
    assert_eq!(
        (attach.1, attach.2),
        (f.0, 7),
        "same ring frame and event channel"
    );
    let cid2 = attach.0;
    // Re-attaching must not reset the ring: the queued request is served.
    let mut srv = ServerRing::new(&mem, f, n.clone(), 0).unwrap();
    let mut got = Vec::new();
    for _ in 0..100 {
        srv.service(&mut s2, cid2, 0).unwrap();
        got.extend(g.receive().unwrap());
        if !got.is_empty() {
            break;
        }
    }
    assert_eq!(got.len(), 1, "one reply to the queued READ");
    assert_eq!(
        (got[0].header.req_id, &got[0].payload[..]),
        (2, &b"before"[..])
    );
    let r = roundtrip(
        &mut g,
        &mut srv,
        &mut s2,
        cid2,
        &encode_frame(msg::WRITE, 3, 0, b"after\0x"),
    );
    assert_eq!(r[0].payload, b"OK\0");
    assert!(g.connected().unwrap());
}
