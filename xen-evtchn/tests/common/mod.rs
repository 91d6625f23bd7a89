//! Shared helpers for the integration tests: a host system of domains.
#![allow(dead_code)]

use std::sync::Arc;

use xen_abi::{DomId, EvtchnPort};
use xen_evtchn::guest::{FifoGuest, TwoLevelGuest};
use xen_evtchn::host::{HostEventChannels, HostWorld};
use xen_evtchn::{Domain, EventChannels, FrameLoc};
use xen_mem::{FrameMemory, Gfn, HostMemory};

pub const D0: DomId = DomId(0);
pub const D1: DomId = DomId(1);
pub const D2: DomId = DomId(2);

/// An engine with domains 0..n, each with `vcpus` vCPUs and `max_port`.
pub fn system(n: u16, vcpus: u32, max_port: u32) -> (HostEventChannels, Vec<Arc<Domain>>) {
    system_frames(n, vcpus, max_port, 512)
}

pub fn system_frames(
    n: u16,
    vcpus: u32,
    max_port: u32,
    frames: usize,
) -> (HostEventChannels, Vec<Arc<Domain>>) {
    let ev = EventChannels::new(HostMemory::new(frames), HostWorld::new(16));
    let doms = (0..n)
        .map(|i| ev.add_host_domain(DomId(i), vcpus, max_port).unwrap())
        .collect();
    (ev, doms)
}

pub fn guest2l(d: &Domain, vcpu: u32) -> TwoLevelGuest {
    TwoLevelGuest::new(d.shared_info(), d.vcpu_info(vcpu).unwrap())
}

/// A connected pair: port of `a` ↔ port of `b`.
pub fn connect(
    ev: &HostEventChannels,
    a: &Arc<Domain>,
    b: &Arc<Domain>,
) -> (EvtchnPort, EvtchnPort) {
    let pb = ev.alloc_unbound(b, DomId::SELF, a.id()).unwrap();
    let pa = ev.bind_interdomain(a, b.id(), pb).unwrap();
    (pa, pb)
}

/// Pending bit of `port` in `d`'s shared_info.
pub fn pending2l(ev: &HostEventChannels, d: &Domain, port: EvtchnPort) -> bool {
    guest2l(d, 0).is_pending(ev.memory(), port)
}

pub fn selector(ev: &HostEventChannels, d: &Domain, vcpu: u32) -> u64 {
    let vi = d.vcpu_info(vcpu).unwrap();
    ev.memory().load::<u64>(vi.mfn, vi.offset + 8).unwrap()
}

pub fn upcall(ev: &HostEventChannels, d: &Domain, vcpu: u32) -> u8 {
    let vi = d.vcpu_info(vcpu).unwrap();
    ev.memory().load::<u8>(vi.mfn, vi.offset).unwrap()
}

/// Switches `d` to FIFO: a control block per vCPU (gfn 0x100 + v) and
/// `pages` event-array pages (gfn 0x200 + i). Returns a guest handle per vCPU.
pub fn to_fifo(ev: &HostEventChannels, d: &Domain, pages: u32) -> Vec<FifoGuest> {
    let mut guests = Vec::new();
    for v in 0..d.nr_vcpus() {
        let gfn = Gfn(0x100 + v as u64);
        let mfn = ev.add_guest_frame(d.id(), gfn).unwrap();
        ev.init_control(d, v, gfn, 64).unwrap();
        guests.push(FifoGuest::new(
            FrameLoc { mfn, offset: 64 },
            d.vcpu_info(v).unwrap(),
        ));
    }
    for i in 0..pages {
        let gfn = Gfn(0x200 + i as u64);
        let mfn = ev.add_guest_frame(d.id(), gfn).unwrap();
        guests[0].add_page(ev.memory(), mfn);
        for g in guests.iter_mut().skip(1) {
            g.push_page(mfn);
        }
        ev.expand_array(d, gfn).unwrap();
    }
    guests
}

pub fn world(ev: &HostEventChannels) -> &HostWorld {
    ev.world()
}
