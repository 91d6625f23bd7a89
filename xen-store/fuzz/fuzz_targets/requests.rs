//! Arbitrary bytes as a session of three connections against the database
//! core (`Store`, no I/O): dom0 over a socket, and domains 5 and 7 over
//! their rings (introduced at the start). Each step sends one request of
//! any type — built from a small vocabulary of paths, values, permissions,
//! domain ids and the connection's open transactions, or raw bytes — or
//! moves the clock, or reconnects the socket. The driver behaves like the
//! daemon's transports: it submits only while `wants_input()`, runs the
//! timers at `next_deadline()`, reads every frame and acts on the effects
//! (a released domain's connection goes, a re-introduced one comes back).
//!
//! Checked after every step: every frame is well-formed (header length =
//! payload length <= 4096; a reply has the request's type or ERROR with a
//! known error name; an event is `path\0token\0`), replies come in request
//! order, one per request. At the end (timers run far past every lease):
//! every request of a live connection got its reply and the node accounting
//! is consistent (`Store::check`).
#![no_main]

use std::collections::VecDeque;

use libfuzzer_sys::fuzz_target;
use xen_store::db::store::Config;
use xen_store::db::{ConnId, ConnKind, Effect, Request, Store, XsError};
use xen_store::wire::{msg, Header, HEADER_LEN, PAYLOAD_MAX};

const PATHS: &[&str] = &[
    "/a",
    "/a/b",
    "/a/b/c",
    "a",
    "a/b",
    "/local/domain/5",
    "/local/domain/5/x",
    "/local/domain/7/y",
    "/local/domain/7",
    "/",
    "/tool/xenstored",
    "@introduceDomain",
    "@releaseDomain",
    "//a",
    "/a/",
    "",
    "@",
];
const PERMS: &[&str] = &["n0", "r5", "w7", "b5", "n5", "n7", "r0", "b7", "x1", "n"];
const DOMIDS: &[&str] = &["5", "7", "0", "9", "32753", "x"];
const TYPES: &[u32] = &[
    msg::READ,
    msg::WRITE,
    msg::MKDIR,
    msg::RM,
    msg::DIRECTORY,
    msg::DIRECTORY_PART,
    msg::GET_PERMS,
    msg::SET_PERMS,
    msg::WATCH,
    msg::UNWATCH,
    msg::TRANSACTION_START,
    msg::TRANSACTION_END,
    msg::TRANSACTION_END,
    msg::INTRODUCE,
    msg::RELEASE,
    msg::GET_DOMAIN_PATH,
    msg::IS_DOMAIN_INTRODUCED,
    msg::RESUME,
    msg::SET_TARGET,
    msg::RESET_WATCHES,
    msg::GET_FEATURE,
    msg::SET_FEATURE,
    msg::GET_QUOTA,
    msg::SET_QUOTA,
    msg::CONTROL,
];

/// Reads the fuzz input a byte at a time (zeros when it runs out).
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn pick<'b, T>(&mut self, from: &'b [T]) -> &'b T {
        &from[usize::from(self.byte()) % from.len()]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = usize::from(self.byte()) % (max + 1);
        let n = n.min(self.0.len());
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        b.to_vec()
    }
}

/// One of the driver's connections.
#[derive(Default)]
struct Slot {
    cid: Option<ConnId>,
    /// Transactions this connection started and has not ended.
    txs: Vec<u32>,
    /// Requests the transport holds while the store does not want input.
    pending: VecDeque<Request>,
    /// `(req_id, type)` of submitted requests still waiting for a reply.
    waiting: VecDeque<(u32, u32)>,
    next_req: u32,
}

struct Driver {
    s: Store,
    now: u64,
    slots: [Slot; 3],
    /// Which domain each slot speaks for.
    domids: [u32; 3],
}

fn z(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    for p in parts {
        v.extend_from_slice(p);
        v.push(0);
    }
    v
}

impl Driver {
    fn new() -> Driver {
        let mut s = Store::new(Config::default());
        let c0 = s.connect(0, ConnKind::Socket);
        let c1 = s.introduce(5, 1005, 15, 0);
        let c2 = s.introduce(7, 1007, 17, 0);
        let mut d = Driver {
            s,
            now: 0,
            slots: Default::default(),
            domids: [0, 5, 7],
        };
        for (slot, cid) in d.slots.iter_mut().zip([c0, c1, c2]) {
            slot.cid = Some(cid);
        }
        d.s.take_effects();
        d
    }

    /// Builds one request from the input.
    fn request(&mut self, inp: &mut Input<'_>, who: usize) -> Request {
        let ty = *inp.pick(TYPES);
        let sel = inp.byte();
        let txs = &self.slots[who].txs;
        let tx_id = match sel % 4 {
            0 | 1 => 0,
            2 if !txs.is_empty() => txs[usize::from(inp.byte()) % txs.len()],
            _ => u32::from(inp.byte() % 4),
        };
        let path = inp.pick(PATHS).as_bytes();
        let payload = if sel & 0xc0 == 0xc0 {
            inp.bytes(64)
        } else {
            match ty {
                msg::WRITE => {
                    let mut p = z(&[path]);
                    p.extend(inp.bytes(24));
                    p
                }
                msg::SET_PERMS => {
                    let n = 1 + usize::from(inp.byte() % 3);
                    let mut parts: Vec<&[u8]> = vec![path];
                    for _ in 0..n {
                        parts.push(inp.pick(PERMS).as_bytes());
                    }
                    z(&parts)
                }
                msg::WATCH | msg::UNWATCH => z(&[path, *inp.pick(&[&b"t"[..], b"u", b""])]),
                msg::DIRECTORY_PART => z(&[path, *inp.pick(&[&b"0"[..], b"1", b"3", b"x"])]),
                msg::TRANSACTION_START => b"\0".to_vec(),
                msg::TRANSACTION_END => z(&[*inp.pick(&[&b"T"[..], b"T", b"F", b"X"])]),
                msg::INTRODUCE => z(&[inp.pick(DOMIDS).as_bytes(), b"4096", b"20"]),
                msg::SET_TARGET => z(&[inp.pick(DOMIDS).as_bytes(), inp.pick(DOMIDS).as_bytes()]),
                msg::RELEASE
                | msg::GET_DOMAIN_PATH
                | msg::IS_DOMAIN_INTRODUCED
                | msg::RESUME
                | msg::GET_FEATURE => z(&[inp.pick(DOMIDS).as_bytes()]),
                msg::SET_FEATURE => z(&[inp.pick(DOMIDS).as_bytes(), b"3"]),
                msg::GET_QUOTA => match inp.byte() % 3 {
                    0 => Vec::new(),
                    1 => z(&[b"nodes"]),
                    _ => z(&[inp.pick(DOMIDS).as_bytes(), b"nodes"]),
                },
                msg::SET_QUOTA => z(&[inp.pick(DOMIDS).as_bytes(), b"nodes", b"4"]),
                msg::CONTROL => z(&[*inp.pick(&[&b"check"[..], b"print", b"quota", b"memreport"])]),
                _ => z(&[path]),
            }
        };
        let slot = &mut self.slots[who];
        slot.next_req += 1;
        Request {
            ty,
            req_id: slot.next_req,
            tx_id,
            payload,
        }
    }

    /// Submits what the store wants, one request at a time, reading every
    /// frame and handling the effects after each; runs due timers.
    fn pump(&mut self) {
        if self.s.next_deadline().is_some_and(|d| d <= self.now) {
            self.s.tick(self.now);
        }
        self.drain();
        loop {
            let mut progress = false;
            for who in 0..3 {
                while let Some(cid) = self.slots[who].cid {
                    if !self.s.wants_input(cid) {
                        break;
                    }
                    let Some(r) = self.slots[who].pending.pop_front() else {
                        break;
                    };
                    self.slots[who].waiting.push_back((r.req_id, r.ty));
                    self.s.submit(cid, r, self.now);
                    self.drain();
                    progress = true;
                }
            }
            if !progress {
                return;
            }
        }
    }

    /// Reads every queued frame and handles the effects.
    fn drain(&mut self) {
        for who in 0..3 {
            if let Some(cid) = self.slots[who].cid {
                while let Some(f) = self.s.pop_frame(cid) {
                    self.check_frame(who, &f);
                }
            }
        }
        self.s.take_notifications();
        for e in self.s.take_effects() {
            self.effect(e);
        }
    }

    fn slot_of(&self, cid: ConnId) -> Option<usize> {
        self.slots.iter().position(|s| s.cid == Some(cid))
    }

    fn effect(&mut self, e: Effect) {
        match e {
            Effect::Introduced { domid, conn, .. } => {
                if let Some(who) = self.domids.iter().position(|&d| d == domid) {
                    assert!(self.slots[who].cid.is_none(), "introduced twice");
                    self.slots[who] = Slot {
                        cid: Some(conn),
                        ..Slot::default()
                    };
                }
                // Other domains get no transport: their output is never read.
            }
            Effect::Reintroduced { domid, conn, .. } => {
                let Some(who) = self.slot_of(conn) else {
                    return;
                };
                assert_eq!(self.domids[who], domid);
                // The connection was reset: its transactions and queued
                // output are gone, requests not yet answered get no reply.
                let slot = &mut self.slots[who];
                slot.txs.clear();
                slot.waiting.clear();
            }
            Effect::Released { domid, conn } => {
                if let Some(who) = self.slot_of(conn) {
                    assert_eq!(self.domids[who], domid);
                    assert!(
                        !self.s.has_conn(conn),
                        "released domain keeps its connection"
                    );
                    self.slots[who] = Slot::default();
                }
            }
            Effect::Close(conn) => {
                if let Some(who) = self.slot_of(conn) {
                    self.s.disconnect(conn);
                    self.slots[who] = Slot::default();
                    if who == 0 {
                        self.slots[0].cid = Some(self.s.connect(0, ConnKind::Socket));
                    }
                }
            }
            Effect::Log(_) | Effect::LiveUpdate(_) => {}
        }
    }

    fn check_frame(&mut self, who: usize, f: &[u8]) {
        assert!(f.len() >= HEADER_LEN);
        let h = Header::decode(f[..HEADER_LEN].try_into().unwrap()).expect("valid header");
        let p = &f[HEADER_LEN..];
        assert_eq!(h.len as usize, p.len());
        assert!(p.len() <= PAYLOAD_MAX);
        if h.ty == msg::WATCH_EVENT {
            let parts: Vec<&[u8]> = p.split(|&b| b == 0).collect();
            assert_eq!(parts.len(), 3, "event {p:?}");
            assert!(parts[2].is_empty());
            assert_eq!(h.req_id, 0);
            return;
        }
        let slot = &mut self.slots[who];
        let (id, ty) = slot
            .waiting
            .pop_front()
            .unwrap_or_else(|| panic!("reply {h:?} to no request"));
        assert_eq!(h.req_id, id, "replies out of order");
        if h.ty == msg::ERROR {
            let e = XsError::from_name(p);
            assert_eq!(
                p,
                format!("{}\0", e.name()).as_bytes(),
                "error payload {p:?}"
            );
            if ty == msg::TRANSACTION_END || e == XsError::Again {
                // A failed end still ends the transaction, except for an
                // unknown id (which was never open).
                slot.txs.retain(|&t| t != h.tx_id);
            }
            return;
        }
        assert_eq!(h.ty, ty, "reply type");
        match ty {
            msg::TRANSACTION_START => {
                let s = std::str::from_utf8(p.strip_suffix(b"\0").expect("NUL")).unwrap();
                let t: u32 = s.parse().expect("transaction id");
                assert!(t != 0 && !slot.txs.contains(&t));
                slot.txs.push(t);
            }
            msg::TRANSACTION_END => slot.txs.retain(|&t| t != h.tx_id),
            msg::RESET_WATCHES => slot.txs.clear(),
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    let mut d = Driver::new();
    let mut steps = 0;
    while !inp.0.is_empty() && steps < 256 {
        steps += 1;
        let sel = inp.byte();
        match sel % 16 {
            0 => d.now += u64::from(inp.byte()),
            1 => {
                // The socket client goes away and a new one connects.
                if let Some(cid) = d.slots[0].cid {
                    d.s.disconnect(cid);
                }
                d.slots[0] = Slot {
                    cid: Some(d.s.connect(0, ConnKind::Socket)),
                    ..Slot::default()
                };
            }
            _ => {
                let who = usize::from(sel / 16) % 3;
                if d.slots[who].cid.is_some() {
                    let r = d.request(&mut inp, who);
                    d.slots[who].pending.push_back(r);
                }
            }
        }
        d.pump();
    }
    // Far past every lease and timeout: everything blocked runs.
    for _ in 0..4 {
        d.now += 1_000_000;
        d.s.tick(d.now);
        d.pump();
    }
    for (who, slot) in d.slots.iter().enumerate() {
        if slot.cid.is_some() {
            assert!(
                slot.pending.is_empty(),
                "slot {who}: requests never accepted"
            );
            assert!(
                slot.waiting.is_empty(),
                "slot {who}: requests never answered: {:?}",
                slot.waiting
            );
        }
    }
    assert!(d.s.check().is_empty(), "node accounting");
});
