//! The handshake with the frontend on a xenstore *ring* (as inside a guest
//! kernel): xen-store's Store serves domain 5 on a shared page and dom0 on
//! another; the frontend's client runs the store's side whenever it waits.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use xen_bus::ring_client::RingClient;
use xen_bus::*;
use xen_mem::{FrameMemory, HostMemory, Mfn};
use xen_store::db::store::Config;
use xen_store::db::{ConnId, Store};
use xen_store::ring::{GuestRing, Notifier, ServerRing};

#[derive(Clone, Copy, Debug)]
struct Nop;
impl Notifier for Nop {
    fn notify(&self) {}
}

struct Srv<'m> {
    store: Store,
    rings: Vec<(ServerRing<&'m HostMemory, Nop>, ConnId)>,
}

impl Srv<'_> {
    fn run(&mut self) {
        for (r, cid) in &mut self.rings {
            r.service(&mut self.store, *cid, 0).unwrap();
            r.flush(&mut self.store, *cid).unwrap();
        }
    }
}

type Client<'m> = RingClient<'m, HostMemory, Nop, Box<dyn FnMut() + 'm>>;

fn client<'m>(
    mem: &'m HostMemory,
    srv: &Rc<RefCell<Srv<'m>>>,
    domid: u32,
    frame: Mfn,
) -> Client<'m> {
    {
        let mut s = srv.borrow_mut();
        let cid = s.store.introduce(domid, frame.0, 10 + domid, 0);
        let ring = ServerRing::new(mem, frame, Nop, 0).unwrap();
        s.rings.push((ring, cid));
    }
    let srv = srv.clone();
    RingClient::new(
        GuestRing::new(mem, frame, Nop),
        Box::new(move || srv.borrow_mut().run()),
    )
}

#[test]
fn handshake_with_frontend_on_a_ring() {
    let mem = HostMemory::new(4);
    let srv = Rc::new(RefCell::new(Srv {
        store: Store::new(Config::default()),
        rings: Vec::new(),
    }));
    let mut dom0 = client(&mem, &srv, 0, mem.alloc_frame().unwrap());
    let mut fs = client(&mem, &srv, common::FE_DOM, mem.alloc_frame().unwrap());

    let dev = common::vbd();
    device::create(&mut dom0, &dev, &[], &[]).unwrap();
    // The guest cannot write the backend's directory.
    let p = format!("{}/state", dev.backend_path());
    assert_eq!(fs.write(Tx::NONE, &p, b"4"), Err(StoreError::Access));
    let mut fe = Frontend::attach(&mut fs, &dev.frontend_path()).unwrap();
    let mut be = Backend::attach(&mut dom0, &dev.backend_path(), BackendConfig::default()).unwrap();
    let (mut fd, mut bd) = (common::Front::default(), common::Back::default());
    be.probe(&mut dom0, &mut bd).unwrap();
    let w = Duration::from_millis(1);
    let mut settle =
        |fe: &mut Frontend, be: &mut Backend, fs: &mut Client<'_>, dom0: &mut Client<'_>| {
            for _ in 0..50 {
                let mut busy = false;
                while fs.next_event(w).unwrap().is_some() {
                    busy = true;
                }
                fe.step(fs, &mut fd).unwrap();
                while dom0.next_event(w).unwrap().is_some() {
                    busy = true;
                }
                be.step(dom0, &mut bd).unwrap();
                if !busy {
                    return;
                }
            }
            panic!("did not settle");
        };
    settle(&mut fe, &mut be, &mut fs, &mut dom0);
    assert_eq!(
        (fe.state(), be.state()),
        (XenbusState::Connected, XenbusState::Connected)
    );
    fe.close(&mut fs).unwrap();
    settle(&mut fe, &mut be, &mut fs, &mut dom0);
    assert_eq!(
        (fe.state(), be.state()),
        (XenbusState::Closed, XenbusState::Closed)
    );
    assert_eq!(bd.log, ["probe", "connect", "disconnect"]);
    assert_eq!(bd.ring_ref, Some(9));
    let _ = mem.allocated_frames();
}
