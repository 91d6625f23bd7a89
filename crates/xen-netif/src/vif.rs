//! A vif: the backend queues of one guest NIC and the host device their
//! frames go to and come from ([`PacketIo`]; [`Tap`]
//! is the host implementation).
//!
//! [`Vif::pump`] is one polling round: every queue's TX ring is drained
//! into the device; frames read from the device are spread over the
//! queues by a flow hash (IPv4/IPv6 addresses and ports, so one flow keeps
//! its order) and delivered into the buffers the frontend posted. A broken
//! queue is skipped; the others keep serving.

use std::io;
use std::vec;
use std::vec::Vec;

use xen_mem::FrameMemory;

use crate::backend::{BackQueue, PacketSink};
use crate::grant::GrantAccess;
use crate::packet::PacketInfo;
use crate::tap::Tap;

/// The host side of a vif: a sink for TX frames and a source of RX ones.
pub trait PacketIo: PacketSink {
    /// Reads one frame into `buf` if one is waiting.
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>>;
}

impl PacketIo for Tap {
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        Tap::recv(self, buf)
    }
}

/// What one [`Vif::pump`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pumped {
    /// TX packets taken off the rings.
    pub tx: u32,
    /// Frames read from the device.
    pub rx: u32,
    /// Queues whose frontend asked to be notified.
    pub notify: Vec<bool>,
}

/// The queues of one vif and its device.
pub struct Vif<'m, M, G, P> {
    queues: Vec<BackQueue<'m, M, G>>,
    io: P,
    buf: Vec<u8>,
}

/// The queue a frame belongs to: a hash of its IP addresses and ports.
pub fn flow_queue(frame: &[u8], queues: usize) -> usize {
    if queues <= 1 || frame.len() < 14 {
        return 0;
    }
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    let key = match ethertype {
        0x0800 if frame.len() >= 38 => &frame[26..38],
        0x86DD if frame.len() >= 58 => &frame[22..58],
        _ => return 0,
    };
    let mut h: u32 = 0x811c_9dc5;
    for b in key {
        h = (h ^ u32::from(*b)).wrapping_mul(0x0100_0193);
    }
    h as usize % queues
}

impl<'m, M: FrameMemory, G: GrantAccess, P: PacketIo> Vif<'m, M, G, P> {
    /// A vif over `queues` and device `io`.
    pub fn new(queues: Vec<BackQueue<'m, M, G>>, io: P) -> Self {
        Vif {
            queues,
            io,
            buf: vec![0; 65_536],
        }
    }

    /// The queues.
    pub fn queues(&self) -> &[BackQueue<'m, M, G>] {
        &self.queues
    }

    /// The device.
    pub fn io(&mut self) -> &mut P {
        &mut self.io
    }

    /// One polling round (at most `budget` packets each way per queue).
    pub fn pump(&mut self, budget: u32) -> io::Result<Pumped> {
        let mut p = Pumped {
            notify: vec![false; self.queues.len()],
            ..Default::default()
        };
        for (q, n) in self.queues.iter_mut().zip(&mut p.notify) {
            if q.is_broken() {
                continue;
            }
            if let Ok(r) = q.process_tx(budget, &mut self.io) {
                p.tx += r.packets;
                *n |= r.notify;
            }
        }
        let max = budget.saturating_mul(self.queues.len() as u32);
        while p.rx < max {
            let Some(len) = self.io.recv(&mut self.buf)? else {
                break;
            };
            p.rx += 1;
            let frame = &self.buf[..len];
            let i = flow_queue(frame, self.queues.len());
            if let Some(q) = self.queues.get_mut(i) {
                q.queue_rx(frame, PacketInfo::default());
            }
        }
        for (q, n) in self.queues.iter_mut().zip(&mut p.notify) {
            if q.is_broken() {
                continue;
            }
            if let Ok(r) = q.process_rx() {
                *n |= r.notify;
            }
        }
        Ok(p)
    }
}
