//! The hostile-frontend driver shared by the fuzz target
//! (`fuzz/fuzz_targets/backend.rs`) and the proptest (`tests/hostile.rs`).
//!
//! Two queues share one memory: queue A's frontend is hostile — the input
//! bytes are a script (opcode in the low nibble, a processing budget in
//! the high one) of raw and shaped TX slots, raw RX buffers, producer
//! index jumps on either ring, scribbles on granted pages, grant
//! revocations, packets queued for the guest, and processing rounds;
//! queue B's frontend is well-behaved and, after every round of A, sends
//! and receives a frame that must arrive intact. [`drive`] panics if the
//! backend misbehaves (a status other than `OKAY`/`ERROR`/`NULL` on A's
//! TX ring while A has not moved its producer index behind the ring's
//! back, a frame longer than 64 KiB, B's frames lost or altered, B's
//! queue broken); it must never panic otherwise.

use alloc::vec;
use alloc::vec::Vec;

use xen_abi::io::netif::*;
use xen_abi::GrantRef;
use xen_mem::{FrameMemory, HostMemory, Mfn};
use xen_ring::{FrontRing, SharedRing};
use zerocopy::FromBytes;

use crate::backend::{BackQueue, PacketSink, QueueConfig, SinkError};
use crate::frontend::{Buffer, Frontend};
use crate::grant::FrameTable;
use crate::packet::PacketInfo;

/// A sink keeping every frame.
#[derive(Default, Debug)]
pub struct VecSink {
    /// Frames committed, in order.
    pub frames: Vec<Vec<u8>>,
    /// Their checksum and GSO state.
    pub infos: Vec<PacketInfo>,
    buf: Vec<u8>,
}

impl PacketSink for VecSink {
    fn frame_buffer(&mut self, len: usize) -> &mut [u8] {
        self.buf.clear();
        self.buf.resize(len, 0);
        &mut self.buf
    }
    fn commit(&mut self, len: usize, info: &PacketInfo) -> Result<(), SinkError> {
        self.frames.push(self.buf[..len].to_vec());
        self.infos.push(*info);
        Ok(())
    }
}

/// What a run did (for the proptest's own assertions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// TX responses A's frontend read, by status: OKAY, ERROR, NULL.
    pub a_statuses: [u64; 3],
    /// Queue A ended broken (an impossible producer index).
    pub a_broken: bool,
    /// Frames queue B exchanged intact (both directions).
    pub b_frames: u64,
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        if self.0.len() < N {
            return None;
        }
        let (a, rest) = self.0.split_at(N);
        self.0 = rest;
        a.try_into().ok()
    }
}

const PAGES: usize = 6;

/// Runs the script in `data` (see the module documentation).
pub fn drive(data: &[u8]) -> Outcome {
    let mut c = Cursor(data);
    let start = u32::from(c.byte().unwrap_or(0)).wrapping_mul(0x0101_0101);
    let mem = HostMemory::new(64);
    let frame = || mem.alloc_frame().expect("frame");
    // Queue A: hostile.
    let (a_tx, a_rx) = (frame(), frame());
    let mut a_front_tx = FrontRing::<_, NetifTxRequest, NetifTxResponse>::new_at(
        SharedRing::new::<NetifTxRequest, NetifTxResponse>(&mem, &[a_tx]).expect("ring"),
        start,
    )
    .expect("ring");
    let mut a_front_rx = FrontRing::<_, NetifRxRequest, NetifRxResponse>::new_at(
        SharedRing::new::<NetifRxRequest, NetifRxResponse>(&mem, &[a_rx]).expect("ring"),
        start,
    )
    .expect("ring");
    let mut table_a = FrameTable::new(&mem);
    let a_pages: Vec<Mfn> = (0..PAGES)
        .map(|i| {
            let f = frame();
            table_a.grant(f, i == PAGES - 1);
            f
        })
        .collect();
    let mut back_a =
        BackQueue::attach(&mem, a_tx, a_rx, table_a, QueueConfig::default()).expect("attach");
    // Queue B: well-behaved.
    let (b_tx, b_rx) = (frame(), frame());
    let mut table_b = FrameTable::new(&mem);
    let bufs = |n: usize, t: &mut FrameTable<'_, HostMemory>| -> Vec<Buffer> {
        (0..n)
            .map(|_| {
                let mfn = frame();
                Buffer {
                    mfn,
                    gref: t.grant(mfn, false),
                }
            })
            .collect()
    };
    let b_txp = bufs(20, &mut table_b);
    let b_rxp = bufs(20, &mut table_b);
    let mut b_front = Frontend::new(&mem, b_tx, b_rx, !start, b_txp, b_rxp).expect("front");
    let mut back_b =
        BackQueue::attach(&mem, b_tx, b_rx, table_b, QueueConfig::default()).expect("attach");
    b_front.refill().expect("refill");

    let mut out = Outcome::default();
    let mut sink = VecSink::default();
    let mut round: u32 = 0;
    let mut tx_jumped = false;
    while let Some(op) = c.byte() {
        match op & 0x0f {
            0 => {
                let Some(raw) = c.take::<12>() else { break };
                if let Ok(r) = NetifTxRequest::read_from_bytes(&raw) {
                    let _ = a_front_tx.push_request(&r);
                    let _ = a_front_tx.push_requests_and_check_notify();
                }
            }
            1 | 2 => {
                let Some(b) = c.take::<6>() else { break };
                let r = NetifTxRequest {
                    gref: GrantRef(u32::from(b[0] % 8)),
                    offset: u16::from(b[1]) * 17,
                    flags: u16::from(b[2] & 0x0f),
                    id: u16::from(b[3]),
                    size: u16::from_le_bytes([b[4], b[5]]) % 9000,
                };
                let _ = a_front_tx.push_request(&r);
                let _ = a_front_tx.push_requests_and_check_notify();
            }
            3 => {
                let Some(v) = c.take::<4>() else { break };
                let ring = if v[0] & 1 == 0 {
                    // From here on A's own view of its TX ring is
                    // inconsistent (it may reuse slots the backend
                    // answered): its responses are no longer checked.
                    tx_jumped = true;
                    a_tx
                } else {
                    a_rx
                };
                let _ = mem.store::<u32>(ring, 0, u32::from_le_bytes(v));
            }
            4 => {
                let Some(raw) = c.take::<8>() else { break };
                if let Ok(mut r) = NetifRxRequest::read_from_bytes(&raw) {
                    r.gref = GrantRef(r.gref.0 % 8);
                    let _ = a_front_rx.push_request(&r);
                    let _ = a_front_rx.push_requests_and_check_notify();
                }
            }
            5 => {
                let Some(b) = c.take::<3>() else { break };
                let len = usize::from(u16::from_le_bytes([b[0], b[1]])) * 3 % 70_000;
                let info = PacketInfo {
                    csum_blank: b[2] & 1 != 0,
                    data_validated: b[2] & 2 != 0,
                    gso: (b[2] & 4 != 0).then_some(NetifGso {
                        size: u16::from(b[2]) * 8,
                        type_: b[2] >> 6,
                        pad: 0,
                        features: 0,
                    }),
                };
                back_a.queue_rx(&vec![b[0]; len], info);
            }
            6 => {
                let Some(b) = c.take::<2>() else { break };
                let page = a_pages[usize::from(b[0]) % PAGES];
                let _ = mem.fill(page, usize::from(b[1]) * 16, 16, b[1]);
            }
            7 => {
                let Some(b) = c.byte() else { break };
                back_a.grants_mut().revoke(GrantRef(u32::from(b % 8)));
            }
            _ => {
                let _ = back_a.process_tx(u32::from(op >> 4), &mut sink);
                let _ = back_a.process_rx();
                while let Ok(Some(r)) = a_front_tx.take_response() {
                    if tx_jumped {
                        continue;
                    }
                    match r.status {
                        NETIF_RSP_OKAY => out.a_statuses[0] += 1,
                        NETIF_RSP_ERROR => out.a_statuses[1] += 1,
                        NETIF_RSP_NULL => out.a_statuses[2] += 1,
                        s => panic!("bad TX status {s}"),
                    }
                }
                while let Ok(Some(_)) = a_front_rx.take_response() {}
                assert!(sink.frames.iter().all(|f| f.len() <= 0xFFFF));
                sink.frames.clear();
                round += 1;
                out.b_frames += well_behaved_round(&mut b_front, &mut back_b, round);
            }
        }
    }
    let _ = back_a.process_tx(64, &mut sink);
    let _ = back_a.process_rx();
    out.a_broken = back_a.is_broken();
    out.b_frames += well_behaved_round(&mut b_front, &mut back_b, round + 1);
    out
}

/// One frame each way on queue B; panics unless both arrive intact.
fn well_behaved_round(
    front: &mut Frontend<'_, HostMemory>,
    back: &mut BackQueue<'_, HostMemory, FrameTable<'_, HostMemory>>,
    round: u32,
) -> u64 {
    let len = 60 + (round as usize * 1237) % 9000;
    let frame: Vec<u8> = (0..len).map(|i| (i as u32 ^ round) as u8).collect();
    front.send(&frame, &PacketInfo::default()).expect("B send");
    front.publish_tx().expect("B publish");
    let mut sink = VecSink::default();
    back.process_tx(u32::MAX, &mut sink).expect("B tx");
    assert_eq!(sink.frames.len(), 1, "B sent one frame");
    assert_eq!(sink.frames[0], frame, "B's frame");
    front.reap_tx().expect("B reap");
    assert!(back.queue_rx(&frame, PacketInfo::default()), "B queue rx");
    back.process_rx().expect("B rx");
    let got = front.receive().expect("B receive");
    assert_eq!(got.len(), 1, "B received");
    assert_eq!(got[0].data, frame, "B's received frame");
    front.refill().expect("B refill");
    2
}
