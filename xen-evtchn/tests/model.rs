//! Property test: random sequences of event-channel operations (hypercalls,
//! VIRQs, guest writes to its bitmaps, guest upcall scans) run on the engine
//! and on a small, obviously-sequential reference model of Xen 4.17's
//! 2-level semantics; every result, every shared bit, every selector and
//! upcall flag and every vCPU kick must agree after every step.

mod common;

use proptest::prelude::*;
use xen_abi::{DomId, EvtchnPort};
use xen_evtchn::{ChannelStatus, EvtchnError as E, PortStatus};
use xen_mem::FrameMemory;

const NDOMS: usize = 3;
const NVCPUS: usize = 2;
const MAX_PORT: u32 = 100;
const NWORDS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
enum St {
    Free,
    Reserved,
    Unbound(u16),
    Inter(u16, u32),
    Virq(u32),
    Ipi,
}

#[derive(Clone)]
struct MDom {
    ports: Vec<(St, u32)>,
    valid: u32,
    virq: [[u32; 24]; NVCPUS],
    pending: [u64; NWORDS],
    mask: [u64; NWORDS],
    sel: [u64; NVCPUS],
    upcall: [bool; NVCPUS],
    kicks: [u64; NVCPUS],
}

struct Model {
    d: Vec<MDom>,
}

fn class(virq: u32) -> Option<u8> {
    match virq {
        0 | 1 | 7 | 13 => Some(0),
        11 => Some(1),
        v if v < 24 => Some(2),
        _ => None,
    }
}

impl Model {
    fn new() -> Self {
        let mut ports = vec![(St::Free, 0); MAX_PORT as usize + 1];
        ports[0].0 = St::Reserved;
        let dom = MDom {
            ports,
            valid: 64,
            virq: [[0; 24]; NVCPUS],
            pending: [0; NWORDS],
            mask: [0; NWORDS],
            sel: [0; NVCPUS],
            upcall: [false; NVCPUS],
            kicks: [0; NVCPUS],
        };
        Self {
            d: vec![dom; NDOMS],
        }
    }

    fn dom(&self, caller: usize, id: u16) -> Result<usize, E> {
        let id = if id == DomId::SELF.0 {
            caller as u16
        } else {
            id
        };
        if (id as usize) < NDOMS {
            Ok(id as usize)
        } else {
            Err(E::Srch)
        }
    }

    fn valid(&self, d: usize, port: u32) -> bool {
        port < self.d[d].valid
    }

    fn free_port(&mut self, d: usize) -> Result<u32, E> {
        for port in 1..=MAX_PORT {
            if self.d[d].ports[port as usize].0 == St::Free {
                self.d[d].valid = self.d[d].valid.max((port / 64 + 1) * 64);
                return Ok(port);
            }
        }
        Err(E::NoSpc)
    }

    fn set_pending(&mut self, d: usize, vcpu: u32, port: u32) {
        let (w, b) = ((port / 64) as usize, 1u64 << (port % 64));
        let m = &mut self.d[d];
        if m.pending[w] & b != 0 {
            return;
        }
        m.pending[w] |= b;
        if m.mask[w] & b == 0 {
            Self::raise(m, vcpu as usize, w);
        }
    }

    fn raise(m: &mut MDom, v: usize, w: usize) {
        if m.sel[v] & (1 << w) == 0 {
            m.sel[v] |= 1 << w;
            if !m.upcall[v] {
                m.upcall[v] = true;
                m.kicks[v] += 1;
            }
        }
    }

    fn free(&mut self, d: usize, port: u32) {
        let (w, b) = ((port / 64) as usize, 1u64 << (port % 64));
        self.d[d].pending[w] &= !b;
        self.d[d].ports[port as usize] = (St::Free, 0);
    }

    fn alloc_unbound(&mut self, c: usize, dom: u16, remote: u16) -> Result<EvtchnPort, E> {
        let d = self.dom(c, dom)?;
        let port = self.free_port(d)?;
        if c != d && c != 0 {
            return Err(E::Perm);
        }
        let remote = if remote == DomId::SELF.0 {
            c as u16
        } else {
            remote
        };
        self.d[d].ports[port as usize] = (St::Unbound(remote), 0);
        Ok(EvtchnPort(port))
    }

    fn bind_interdomain(&mut self, c: usize, rdom: u16, rport: u32) -> Result<EvtchnPort, E> {
        let r = self.dom(c, rdom)?;
        let lport = self.free_port(c)?;
        if !self.valid(r, rport) || rport > MAX_PORT {
            return Err(E::Inval);
        }
        if self.d[r].ports[rport as usize].0 != St::Unbound(c as u16) {
            return Err(E::Inval);
        }
        self.d[c].ports[lport as usize] = (St::Inter(r as u16, rport), 0);
        self.d[r].ports[rport as usize].0 = St::Inter(c as u16, lport);
        self.set_pending(c, 0, lport);
        Ok(EvtchnPort(lport))
    }

    fn bind_ipi(&mut self, c: usize, vcpu: u32) -> Result<EvtchnPort, E> {
        if vcpu as usize >= NVCPUS {
            return Err(E::NoEnt);
        }
        let port = self.free_port(c)?;
        self.d[c].ports[port as usize] = (St::Ipi, vcpu);
        Ok(EvtchnPort(port))
    }

    fn bind_virq(&mut self, c: usize, virq: u32, vcpu: u32) -> Result<EvtchnPort, E> {
        let cl = class(virq).ok_or(E::Inval)?;
        if cl != 0 && vcpu != 0 {
            return Err(E::Inval);
        }
        if vcpu as usize >= NVCPUS {
            return Err(E::NoEnt);
        }
        if self.d[c].virq[vcpu as usize][virq as usize] != 0 {
            return Err(E::Exist);
        }
        let port = self.free_port(c)?;
        self.d[c].ports[port as usize] = (St::Virq(virq), vcpu);
        self.d[c].virq[vcpu as usize][virq as usize] = port;
        Ok(EvtchnPort(port))
    }

    fn close(&mut self, c: usize, port: u32) -> Result<(), E> {
        if !self.valid(c, port) || port > MAX_PORT {
            return Err(E::Inval);
        }
        let (st, vcpu) = self.d[c].ports[port as usize];
        match st {
            St::Free | St::Reserved => return Err(E::Inval),
            St::Inter(r, rp) => {
                self.d[r as usize].ports[rp as usize].0 = St::Unbound(c as u16);
            }
            St::Virq(v) => {
                let t = if class(v) == Some(0) { vcpu } else { 0 };
                self.d[c].virq[t as usize][v as usize] = 0;
            }
            _ => {}
        }
        self.free(c, port);
        Ok(())
    }

    fn send(&mut self, c: usize, port: u32) -> Result<(), E> {
        if !self.valid(c, port) || port > MAX_PORT {
            return Err(E::Inval);
        }
        match self.d[c].ports[port as usize] {
            (St::Inter(r, rp), _) => {
                let v = self.d[r as usize].ports[rp as usize].1;
                self.set_pending(r as usize, v, rp);
                Ok(())
            }
            (St::Ipi, v) => {
                self.set_pending(c, v, port);
                Ok(())
            }
            (St::Unbound(_), _) => Ok(()),
            _ => Err(E::Inval),
        }
    }

    fn unmask(&mut self, c: usize, port: u32) -> Result<(), E> {
        if !self.valid(c, port) || port > MAX_PORT {
            return Err(E::Inval);
        }
        let (st, v) = self.d[c].ports[port as usize];
        if matches!(st, St::Free | St::Reserved) {
            return Ok(());
        }
        let (w, b) = ((port / 64) as usize, 1u64 << (port % 64));
        let m = &mut self.d[c];
        if m.mask[w] & b != 0 {
            m.mask[w] &= !b;
            if m.pending[w] & b != 0 {
                Self::raise(m, v as usize, w);
            }
        }
        Ok(())
    }

    fn bind_vcpu(&mut self, c: usize, port: u32, vcpu: u32) -> Result<(), E> {
        if vcpu as usize >= NVCPUS {
            return Err(E::NoEnt);
        }
        if !self.valid(c, port) || port > MAX_PORT {
            return Err(E::Inval);
        }
        match self.d[c].ports[port as usize].0 {
            St::Virq(v) if class(v) != Some(0) => {}
            St::Unbound(_) | St::Inter(..) => {}
            _ => return Err(E::Inval),
        }
        self.d[c].ports[port as usize].1 = vcpu;
        Ok(())
    }

    fn status(&self, c: usize, dom: u16, port: u32) -> Result<ChannelStatus, E> {
        let d = self.dom(c, dom)?;
        if !self.valid(d, port) || port > MAX_PORT {
            return Err(E::Inval);
        }
        if c != d && c != 0 {
            return Err(E::Perm);
        }
        let (st, vcpu) = self.d[d].ports[port as usize];
        let status = match st {
            St::Free | St::Reserved => PortStatus::Closed,
            St::Unbound(r) => PortStatus::Unbound { remote: DomId(r) },
            St::Inter(r, p) => PortStatus::Interdomain {
                remote: DomId(r),
                remote_port: EvtchnPort(p),
            },
            St::Virq(v) => PortStatus::Virq(v),
            St::Ipi => PortStatus::Ipi,
        };
        Ok(ChannelStatus { status, vcpu })
    }

    fn reset(&mut self, c: usize, dom: u16) -> Result<(), E> {
        let d = self.dom(c, dom)?;
        if c != d && c != 0 {
            return Err(E::Perm);
        }
        if c != d {
            return Err(E::Inval); // never paused in this test
        }
        for port in 1..self.d[d].valid.min(MAX_PORT + 1) {
            let _ = self.close(d, port);
        }
        Ok(())
    }

    fn vcpu_virq(&mut self, d: usize, vcpu: u32, virq: u32) {
        if class(virq) != Some(0) || vcpu as usize >= NVCPUS {
            return;
        }
        let port = self.d[d].virq[vcpu as usize][virq as usize];
        if port != 0 {
            self.set_pending(d, vcpu, port);
        }
    }

    fn domain_virq(&mut self, d: usize, virq: u32) {
        if !matches!(class(virq), Some(1) | Some(2)) {
            return;
        }
        let port = self.d[d].virq[0][virq as usize];
        if port != 0 {
            let v = self.d[d].ports[port as usize].1;
            self.set_pending(d, v, port);
        }
    }

    fn scan(&mut self, d: usize, v: usize) -> Vec<u32> {
        let m = &mut self.d[d];
        let mut out = vec![];
        if !m.upcall[v] {
            return out;
        }
        m.upcall[v] = false;
        let words = std::mem::take(&mut m.sel[v]);
        for w in 0..64 {
            if words & (1 << w) == 0 || w >= NWORDS {
                continue;
            }
            let bits = m.pending[w] & !m.mask[w];
            m.pending[w] &= !bits;
            for b in 0..64 {
                if bits & (1 << b) != 0 {
                    out.push(w as u32 * 64 + b);
                }
            }
        }
        out
    }
}

#[derive(Clone, Debug)]
enum Op {
    AllocUnbound(usize, u16, u16),
    BindInterdomain(usize, u16, u32),
    BindIpi(usize, u32),
    BindVirq(usize, u32, u32),
    Close(usize, u32),
    Send(usize, u32),
    Unmask(usize, u32),
    BindVcpu(usize, u32, u32),
    Status(usize, u16, u32),
    Reset(usize, u16),
    GuestMask(usize, u32),
    GuestClearPending(usize, u32),
    Scan(usize, usize),
    VcpuVirq(usize, u32, u32),
    DomainVirq(usize, u32),
}

fn dom_arg() -> impl Strategy<Value = u16> {
    prop_oneof![4 => 0u16..3, 1 => Just(DomId::SELF.0), 1 => Just(5u16)]
}

fn port_arg() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0u32..12, 2 => 0u32..140, 1 => Just(u32::MAX)]
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0usize..NDOMS;
    prop_oneof![
        4 => (c.clone(), dom_arg(), dom_arg()).prop_map(|(c, d, r)| Op::AllocUnbound(c, d, r)),
        4 => (c.clone(), dom_arg(), port_arg()).prop_map(|(c, d, p)| Op::BindInterdomain(c, d, p)),
        3 => (c.clone(), 0u32..3).prop_map(|(c, v)| Op::BindIpi(c, v)),
        2 => (c.clone(), 0u32..26, 0u32..3).prop_map(|(c, q, v)| Op::BindVirq(c, q, v)),
        3 => (c.clone(), port_arg()).prop_map(|(c, p)| Op::Close(c, p)),
        6 => (c.clone(), port_arg()).prop_map(|(c, p)| Op::Send(c, p)),
        2 => (c.clone(), port_arg()).prop_map(|(c, p)| Op::Unmask(c, p)),
        2 => (c.clone(), port_arg(), 0u32..3).prop_map(|(c, p, v)| Op::BindVcpu(c, p, v)),
        2 => (c.clone(), dom_arg(), port_arg()).prop_map(|(c, d, p)| Op::Status(c, d, p)),
        1 => (c.clone(), dom_arg()).prop_map(|(c, d)| Op::Reset(c, d)),
        2 => (c.clone(), 0u32..140).prop_map(|(c, p)| Op::GuestMask(c, p)),
        1 => (c.clone(), 0u32..140).prop_map(|(c, p)| Op::GuestClearPending(c, p)),
        3 => (c.clone(), 0usize..NVCPUS).prop_map(|(c, v)| Op::Scan(c, v)),
        1 => (c.clone(), 0u32..3, 0u32..24).prop_map(|(c, v, q)| Op::VcpuVirq(c, v, q)),
        1 => (c, 0u32..24).prop_map(|(c, q)| Op::DomainVirq(c, q)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn engine_matches_reference_model(ops in proptest::collection::vec(op(), 1..120)) {
        let (ev, d) = common::system(NDOMS as u16, NVCPUS as u32, MAX_PORT);
        ev.world().set_privileged(DomId(0), true);
        let mut m = Model::new();
        let mem = ev.memory();
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::AllocUnbound(c, dom, r) => prop_assert_eq!(
                    ev.alloc_unbound(&d[c], DomId(dom), DomId(r)), m.alloc_unbound(c, dom, r), "step {}", step),
                Op::BindInterdomain(c, dom, p) => prop_assert_eq!(
                    ev.bind_interdomain(&d[c], DomId(dom), EvtchnPort(p)), m.bind_interdomain(c, dom, p), "step {}", step),
                Op::BindIpi(c, v) => prop_assert_eq!(ev.bind_ipi(&d[c], v), m.bind_ipi(c, v)),
                Op::BindVirq(c, q, v) => prop_assert_eq!(ev.bind_virq(&d[c], q, v), m.bind_virq(c, q, v)),
                Op::Close(c, p) => prop_assert_eq!(ev.close(&d[c], EvtchnPort(p)), m.close(c, p)),
                Op::Send(c, p) => prop_assert_eq!(ev.send(&d[c], EvtchnPort(p)), m.send(c, p)),
                Op::Unmask(c, p) => prop_assert_eq!(ev.unmask(&d[c], EvtchnPort(p)), m.unmask(c, p)),
                Op::BindVcpu(c, p, v) => prop_assert_eq!(ev.bind_vcpu(&d[c], EvtchnPort(p), v), m.bind_vcpu(c, p, v)),
                Op::Status(c, dom, p) => prop_assert_eq!(ev.status(&d[c], DomId(dom), EvtchnPort(p)), m.status(c, dom, p)),
                Op::Reset(c, dom) => prop_assert_eq!(ev.reset(&d[c], DomId(dom), false), m.reset(c, dom)),
                Op::GuestMask(c, p) => {
                    common::guest2l(&d[c], 0).mask(mem, EvtchnPort(p));
                    m.d[c].mask[(p / 64) as usize] |= 1 << (p % 64);
                }
                Op::GuestClearPending(c, p) => {
                    common::guest2l(&d[c], 0).clear_pending(mem, EvtchnPort(p));
                    m.d[c].pending[(p / 64) as usize] &= !(1 << (p % 64));
                }
                Op::Scan(c, v) => {
                    let mut got = vec![];
                    common::guest2l(&d[c], v as u32).scan(mem, 1, |p| got.push(p.0));
                    prop_assert_eq!(got, m.scan(c, v));
                }
                Op::VcpuVirq(c, v, q) => {
                    ev.send_vcpu_virq(&d[c], v, q);
                    m.vcpu_virq(c, v, q);
                }
                Op::DomainVirq(c, q) => {
                    ev.send_domain_virq(&d[c], q);
                    m.domain_virq(c, q);
                }
            }
            for (i, dom) in d.iter().enumerate() {
                let si = dom.shared_info();
                for w in 0..NWORDS {
                    prop_assert_eq!(mem.load::<u64>(si, 2048 + w * 8).unwrap(), m.d[i].pending[w], "pending d{} w{} step {} {:?}", i, w, step, op);
                    prop_assert_eq!(mem.load::<u64>(si, 2560 + w * 8).unwrap(), m.d[i].mask[w]);
                }
                for v in 0..NVCPUS {
                    prop_assert_eq!(common::selector(&ev, dom, v as u32), m.d[i].sel[v], "sel d{} v{} step {} {:?}", i, v, step, op);
                    prop_assert_eq!(common::upcall(&ev, dom, v as u32) != 0, m.d[i].upcall[v]);
                    prop_assert_eq!(ev.world().kicks(DomId(i as u16), v as u32), m.d[i].kicks[v]);
                }
                prop_assert_eq!(
                    dom.active_ports() as usize,
                    m.d[i].ports.iter().filter(|(s, _)| !matches!(s, St::Free | St::Reserved)).count()
                );
            }
        }
    }
}
