//! The shared-ring transport of a domain: the `xenstore_domain_interface`
//! page (`xs_wire.h`, `docs/misc/xenstore-ring.txt`), server side and guest
//! side, over any [`FrameMemory`] and a [`Notifier`] for the event channel.
//!
//! Page layout: request ring (1024 bytes) at 0, response ring at 1024, then
//! the `u32` words `req_cons`, `req_prod`, `rsp_cons`, `rsp_prod`,
//! `server_features`, `connection`, `error`, `evtchn_port`. Indexes are
//! free-running and masked with `& 1023`.
//!
//! The guest owns the page, so every word may change at any time. The
//! server reads each index exactly once per pass, through an atomic load,
//! checks `prod - cons <= 1024` before touching data (the XSA-38 fix), copies
//! bytes out before publishing its own index, and never loops on guest
//! values: a pass moves at most one ring's worth of bytes. A broken index or
//! an oversized header sets the page's `error` field, and the store ignores
//! the connection from then on while the domain stays known (XSA-325).
//!
//! TEMPORARY: the offsets and constants duplicate `xs_wire.h` until
//! `xen-abi`'s `xs_wire` module lands.

use alloc::vec::Vec;

use xen_mem::{FrameMemory, MemError, Mfn};

use crate::db::{ConnId, Request, Store};
use crate::wire::{FrameDecoder, FrameError};

/// `XENSTORE_RING_SIZE`.
pub const RING_SIZE: u32 = 1024;
const REQ: usize = 0;
const RSP: usize = 1024;
const REQ_CONS: usize = 2048;
const REQ_PROD: usize = 2052;
const RSP_CONS: usize = 2056;
const RSP_PROD: usize = 2060;
const SERVER_FEATURES: usize = 2064;
const CONNECTION: usize = 2068;
const ERROR: usize = 2072;

/// `connection` value: connected.
pub const XENSTORE_CONNECTED: u32 = 0;
/// `connection` value: the guest asks for a reconnection.
pub const XENSTORE_RECONNECT: u32 = 1;
/// `error` value: no error.
pub const XENSTORE_ERROR_NONE: u32 = 0;
/// `error` value: communication problem.
pub const XENSTORE_ERROR_COMM: u32 = 1;
/// `error` value: invalid ring index.
pub const XENSTORE_ERROR_RINGIDX: u32 = 2;
/// `error` value: protocol violation (payload too long).
pub const XENSTORE_ERROR_PROTO: u32 = 3;

/// Raises the event channel to the other end.
pub trait Notifier {
    /// Notifies the peer.
    fn notify(&self);
}

/// What went wrong on a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RingError {
    /// The other end published an index more than a ring ahead.
    #[error("invalid ring index")]
    BadIndex,
    /// A message header announced more than 4096 bytes.
    #[error("protocol violation: {0}")]
    Proto(FrameError),
    /// The page itself could not be accessed.
    #[error("ring page: {0}")]
    Mem(MemError),
    /// The connection is ignored after an earlier error.
    #[error("connection ignored after an error")]
    Ignored,
}

impl From<MemError> for RingError {
    fn from(e: MemError) -> Self {
        RingError::Mem(e)
    }
}

fn idx_ok(prod: u32, cons: u32) -> bool {
    prod.wrapping_sub(cons) <= RING_SIZE
}

/// Copies `len` bytes out of the ring at `base` starting at index `at`.
fn ring_read<M: FrameMemory>(
    m: &M,
    f: Mfn,
    base: usize,
    at: u32,
    out: &mut [u8],
) -> Result<(), MemError> {
    let off = (at & (RING_SIZE - 1)) as usize;
    let first = out.len().min(RING_SIZE as usize - off);
    m.read(f, base + off, &mut out[..first])?;
    if first < out.len() {
        m.read(f, base, &mut out[first..])?;
    }
    Ok(())
}

fn ring_write<M: FrameMemory>(
    m: &M,
    f: Mfn,
    base: usize,
    at: u32,
    data: &[u8],
) -> Result<(), MemError> {
    let off = (at & (RING_SIZE - 1)) as usize;
    let first = data.len().min(RING_SIZE as usize - off);
    m.write(f, base + off, &data[..first])?;
    if first < data.len() {
        m.write(f, base, &data[first..])?;
    }
    Ok(())
}

/// Consumer side of one ring: reads what the other end produced.
fn consume<M: FrameMemory>(
    m: &M,
    f: Mfn,
    base: usize,
    cons_at: usize,
    prod_at: usize,
    max: usize,
) -> Result<Vec<u8>, RingError> {
    let cons: u32 = m.load(f, cons_at)?;
    let prod: u32 = m.load(f, prod_at)?;
    if !idx_ok(prod, cons) {
        return Err(RingError::BadIndex);
    }
    let n = (prod.wrapping_sub(cons) as usize).min(max);
    let mut buf = alloc::vec![0u8; n];
    ring_read(m, f, base, cons, &mut buf)?;
    m.store(f, cons_at, cons.wrapping_add(n as u32))?;
    Ok(buf)
}

/// Producer side of one ring: writes as much of `data` as fits.
fn produce<M: FrameMemory>(
    m: &M,
    f: Mfn,
    base: usize,
    cons_at: usize,
    prod_at: usize,
    data: &[u8],
) -> Result<usize, RingError> {
    let cons: u32 = m.load(f, cons_at)?;
    let prod: u32 = m.load(f, prod_at)?;
    if !idx_ok(prod, cons) {
        return Err(RingError::BadIndex);
    }
    let space = (RING_SIZE - prod.wrapping_sub(cons)) as usize;
    let n = space.min(data.len());
    if n == 0 {
        return Ok(0);
    }
    ring_write(m, f, base, prod, &data[..n])?;
    m.store(f, prod_at, prod.wrapping_add(n as u32))?;
    Ok(n)
}

/// The store's end of a domain's ring. It holds its memory by value: a
/// `&HostMemory` in tests, or the mapping of the guest's page that it owns
/// in a daemon.
#[derive(Debug)]
pub struct ServerRing<M: FrameMemory, N: Notifier> {
    mem: M,
    frame: Mfn,
    notifier: N,
    dec: FrameDecoder,
    out: Vec<u8>,
    out_off: usize,
    failed: bool,
}

impl<M: FrameMemory, N: Notifier> ServerRing<M, N> {
    /// Attaches to the ring page `frame`, advertising `features`.
    pub fn new(mem: M, frame: Mfn, notifier: N, features: u32) -> Result<Self, RingError> {
        mem.store(frame, SERVER_FEATURES, features)?;
        Ok(ServerRing {
            mem,
            frame,
            notifier,
            dec: FrameDecoder::new(),
            out: Vec::new(),
            out_off: 0,
            failed: false,
        })
    }

    /// Whether an error stopped this ring.
    pub fn failed(&self) -> bool {
        self.failed
    }

    fn fail(&mut self, store: &mut Store, cid: ConnId, code: u32) {
        self.failed = true;
        let _ = self.mem.store(self.frame, ERROR, code);
        store.ignore_conn(cid);
        self.notifier.notify();
    }

    /// One pass after an event-channel notification: honours a reconnection
    /// request, moves requests into the store and replies out. Bounded: at
    /// most one ring of bytes each way.
    pub fn service(&mut self, store: &mut Store, cid: ConnId, now: u64) -> Result<(), RingError> {
        if self.failed {
            return Err(RingError::Ignored);
        }
        let (m, f) = (&self.mem, self.frame);
        if m.load::<u32>(f, CONNECTION)? == XENSTORE_RECONNECT {
            // docs/misc/xenstore-ring.txt: drop the connection's state and
            // the ring contents, then say we are connected again.
            store.reset_connection(cid);
            self.dec = FrameDecoder::new();
            self.out.clear();
            self.out_off = 0;
            for w in [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD] {
                m.store(f, w, 0u32)?;
            }
            m.store(f, ERROR, XENSTORE_ERROR_NONE)?;
            m.store(f, CONNECTION, XENSTORE_CONNECTED)?;
            self.notifier.notify();
            return Ok(());
        }
        let mut notify = false;
        // Input is read only while the store accepts more; flushing output
        // can make it accept more again, and the guest will not raise
        // another event for requests it already announced, so go round
        // until neither side moves (bounded: each pass moves at most a ring
        // of bytes each way, and four passes suffice for a full ring).
        for _ in 0..4 {
            let mut moved = false;
            if store.wants_input(cid) {
                let bytes = match consume(&self.mem, f, REQ, REQ_CONS, REQ_PROD, RING_SIZE as usize)
                {
                    Ok(b) => b,
                    Err(e) => {
                        self.fail(store, cid, XENSTORE_ERROR_RINGIDX);
                        return Err(e);
                    }
                };
                notify |= !bytes.is_empty();
                moved |= !bytes.is_empty();
                let mut off = 0;
                while off < bytes.len() {
                    match self.dec.push(&bytes[off..]) {
                        Ok((used, frame)) => {
                            off += used;
                            if let Some(fr) = frame {
                                let h = fr.header;
                                store.submit(
                                    cid,
                                    Request {
                                        ty: h.ty,
                                        req_id: h.req_id,
                                        tx_id: h.tx_id,
                                        payload: fr.payload,
                                    },
                                    now,
                                );
                            }
                        }
                        Err(e) => {
                            self.fail(store, cid, XENSTORE_ERROR_PROTO);
                            return Err(RingError::Proto(e));
                        }
                    }
                }
            }
            let out = self.flush(store, cid)?;
            notify |= out;
            if !moved && !out {
                break;
            }
        }
        if notify {
            self.notifier.notify();
        }
        Ok(())
    }

    /// Copies queued output into the response ring; returns whether any
    /// byte moved.
    pub fn flush(&mut self, store: &mut Store, cid: ConnId) -> Result<bool, RingError> {
        let mut moved = false;
        loop {
            if self.out_off == self.out.len() {
                match store.pop_frame(cid) {
                    Some(fr) => {
                        self.out = fr;
                        self.out_off = 0;
                    }
                    None => break,
                }
            }
            let n = match produce(
                &self.mem,
                self.frame,
                RSP,
                RSP_CONS,
                RSP_PROD,
                &self.out[self.out_off..],
            ) {
                Ok(n) => n,
                Err(e) => {
                    self.fail(store, cid, XENSTORE_ERROR_RINGIDX);
                    return Err(e);
                }
            };
            moved |= n > 0;
            self.out_off += n;
            if n == 0 {
                break;
            }
        }
        Ok(moved)
    }
}

/// The guest's end of the ring (a frontend, for tests and guest kernels).
#[derive(Debug)]
pub struct GuestRing<'m, M: FrameMemory, N: Notifier> {
    mem: &'m M,
    frame: Mfn,
    notifier: N,
    dec: FrameDecoder,
}

impl<'m, M: FrameMemory, N: Notifier> GuestRing<'m, M, N> {
    /// Attaches to the ring page `frame` (zeroed by the domain builder).
    pub fn new(mem: &'m M, frame: Mfn, notifier: N) -> Self {
        GuestRing {
            mem,
            frame,
            notifier,
            dec: FrameDecoder::new(),
        }
    }

    /// Writes as many bytes of `data` as fit; returns how many.
    pub fn send(&mut self, data: &[u8]) -> Result<usize, RingError> {
        let n = produce(self.mem, self.frame, REQ, REQ_CONS, REQ_PROD, data)?;
        if n > 0 {
            self.notifier.notify();
        }
        Ok(n)
    }

    /// Reads what the server produced and returns the completed frames.
    pub fn receive(&mut self) -> Result<Vec<crate::wire::Frame>, RingError> {
        let bytes = consume(
            self.mem,
            self.frame,
            RSP,
            RSP_CONS,
            RSP_PROD,
            RING_SIZE as usize,
        )?;
        if !bytes.is_empty() {
            self.notifier.notify();
        }
        let mut out = Vec::new();
        let mut off = 0;
        while off < bytes.len() {
            let (used, f) = self.dec.push(&bytes[off..]).map_err(RingError::Proto)?;
            off += used;
            out.extend(f);
        }
        Ok(out)
    }

    /// The server's feature bits.
    pub fn server_features(&self) -> Result<u32, RingError> {
        Ok(self.mem.load(self.frame, SERVER_FEATURES)?)
    }

    /// The page's error field.
    pub fn error(&self) -> Result<u32, RingError> {
        Ok(self.mem.load(self.frame, ERROR)?)
    }

    /// Asks the server to reset the connection (feature RECONNECTION).
    pub fn request_reconnect(&mut self) -> Result<(), RingError> {
        self.mem.store(self.frame, CONNECTION, XENSTORE_RECONNECT)?;
        self.dec = FrameDecoder::new();
        self.notifier.notify();
        Ok(())
    }

    /// Whether the server reports the connection as up.
    pub fn connected(&self) -> Result<bool, RingError> {
        Ok(self.mem.load::<u32>(self.frame, CONNECTION)? == XENSTORE_CONNECTED)
    }
}
