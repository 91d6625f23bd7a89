//! One queue's backend: a TX ring (packets from the guest) and an RX ring
//! (buffers the guest posted for packets to it), both over xen-ring's back
//! half, the guest's pages reached through [`GrantAccess`].
//!
//! TX: requests are taken (private copies) until a chain is complete,
//! checked by [`packet::scan`](crate::packet::scan), grant-copied straight
//! into the buffer the [`PacketSink`] lends, and handed over; every slot is
//! answered in ring order (data slots `OKAY`/`ERROR` with their id,
//! extra-info slots `NULL`). A failed grant copy fails the whole packet.
//! Multicast-control requests (`MCAST_ADD`/`_DEL` extra info) update the
//! queue's filter list and carry no frame. A packet the sink drops is
//! still answered `OKAY` (it left the ring intact, as on a NIC).
//!
//! RX (`feature-rx-copy`): packets queued with [`BackQueue::queue_rx`]
//! wait until the frontend has posted enough buffers, then fill them from
//! offset 0, one response per buffer: the first carries the checksum flags
//! and `NETRXF_extra_info` when a GSO extra-info response follows it
//! directly; all but the last data response carry `NETRXF_more_data`. A
//! buffer whose grant cannot be written gets `NETIF_RSP_ERROR` (the
//! frontend then drops the packet). A packet needing several buffers is
//! refused unless the frontend offered `feature-sg`, a GSO packet unless
//! it offered that GSO type.
//!
//! A producer index the ring refuses breaks the queue (nothing more is
//! read from either of its rings); other queues are unaffected.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use xen_abi::io::netif::*;
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};
use xen_ring::{BackRing, RingError, SharedRing};
use zerocopy::{FromBytes, IntoBytes};

use crate::grant::GrantAccess;
use crate::packet::{scan, PacketInfo, QueueLimits, Scan, TxError};

/// Where TX frames go (a TAP device, a bridge port, a test's buffer).
pub trait PacketSink {
    /// A buffer of exactly `len` bytes for the next frame; the backend
    /// grant-copies the fragments into it.
    fn frame_buffer(&mut self, len: usize) -> &mut [u8];
    /// The frame in the buffer is complete: send it.
    fn commit(&mut self, len: usize, info: &PacketInfo) -> Result<(), SinkError>;
}

/// The sink could not take a frame (it is dropped and counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("sink dropped the frame")]
pub struct SinkError;

/// Queue settings: limits and what the frontend negotiated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    /// TX slot limits.
    pub limits: QueueLimits,
    /// The frontend accepts multi-buffer RX packets (`feature-sg`).
    pub rx_sg: bool,
    /// The frontend accepts TCPv4 GSO packets (`feature-gso-tcpv4`).
    pub rx_gso_tcpv4: bool,
    /// The frontend accepts TCPv6 GSO packets (`feature-gso-tcpv6`).
    pub rx_gso_tcpv6: bool,
    /// RX packets held while the frontend has no buffers; more are dropped.
    pub rx_queue_len: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            limits: QueueLimits::default(),
            rx_sg: true,
            rx_gso_tcpv4: true,
            rx_gso_tcpv6: false,
            rx_queue_len: 256,
        }
    }
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// TX packets handed to the sink.
    pub tx_packets: u64,
    /// Their bytes.
    pub tx_bytes: u64,
    /// TX packets refused (all slots `ERROR`).
    pub tx_errors: u64,
    /// TX packets the sink dropped.
    pub tx_sink_drops: u64,
    /// RX packets delivered into the frontend's buffers.
    pub rx_packets: u64,
    /// Their bytes.
    pub rx_bytes: u64,
    /// RX packets dropped (queue full, too large, unsupported GSO).
    pub rx_drops: u64,
    /// RX buffers answered `ERROR` (grant not writable).
    pub rx_buffer_errors: u64,
}

/// A queue error: its rings are unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// A ring failed or the frontend's index is out of range.
    #[error("ring: {0}")]
    Ring(#[from] RingError),
    /// An earlier error broke the queue.
    #[error("queue broken by an earlier error")]
    Broken,
}

/// What one processing call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Processed {
    /// Packets handled (TX: taken off the ring; RX: delivered).
    pub packets: u32,
    /// The frontend asked to be notified of the responses published.
    pub notify: bool,
    /// Work remains (budget exhausted, or RX packets wait for buffers).
    pub more: bool,
}

/// Multicast addresses a frontend may register (Linux's `XEN_NETBK_MCAST_MAX`).
pub const MCAST_MAX: usize = 64;

type TxRing<'m, M> = BackRing<'m, M, NetifTxRequest, NetifTxResponse>;
type RxRing<'m, M> = BackRing<'m, M, NetifRxRequest, NetifRxResponse>;

/// The backend of one queue.
pub struct BackQueue<'m, M, G> {
    tx: TxRing<'m, M>,
    rx: RxRing<'m, M>,
    grants: G,
    cfg: QueueConfig,
    pending: Vec<NetifTxRequest>,
    rx_queue: VecDeque<(Vec<u8>, PacketInfo)>,
    mcast: Vec<[u8; 6]>,
    broken: bool,
    stats: QueueStats,
}

impl<'m, M: FrameMemory, G: GrantAccess> BackQueue<'m, M, G> {
    /// Attaches to the TX and RX rings the frontend set up (one page
    /// each, already mapped).
    pub fn attach(
        mem: &'m M,
        tx_ring: Mfn,
        rx_ring: Mfn,
        grants: G,
        cfg: QueueConfig,
    ) -> Result<Self, QueueError> {
        let tx = BackRing::attach(SharedRing::new::<NetifTxRequest, NetifTxResponse>(
            mem,
            &[tx_ring],
        )?)?;
        let rx = BackRing::attach(SharedRing::new::<NetifRxRequest, NetifRxResponse>(
            mem,
            &[rx_ring],
        )?)?;
        Ok(BackQueue {
            tx,
            rx,
            grants,
            cfg,
            pending: Vec::new(),
            rx_queue: VecDeque::new(),
            mcast: Vec::new(),
            broken: false,
            stats: QueueStats::default(),
        })
    }

    /// Counters so far.
    pub fn stats(&self) -> QueueStats {
        self.stats
    }

    /// Whether the queue was found broken.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// The grant access.
    pub fn grants_mut(&mut self) -> &mut G {
        &mut self.grants
    }

    /// The multicast addresses the frontend registered.
    pub fn multicast(&self) -> &[[u8; 6]] {
        &self.mcast
    }

    /// RX packets waiting for buffers.
    pub fn rx_waiting(&self) -> usize {
        self.rx_queue.len()
    }

    fn guard<T>(&mut self, r: Result<T, RingError>) -> Result<T, QueueError> {
        r.map_err(|e| {
            self.broken = true;
            QueueError::Ring(e)
        })
    }

    /// Handles up to `budget` TX packets into `sink`, publishes the
    /// responses, and says whether to notify the frontend and whether
    /// requests remain (the final check re-arms `req_event` when the ring
    /// ran dry).
    pub fn process_tx<S: PacketSink + ?Sized>(
        &mut self,
        budget: u32,
        sink: &mut S,
    ) -> Result<Processed, QueueError> {
        if self.broken {
            return Err(QueueError::Broken);
        }
        let mut p = Processed::default();
        let r = self.tx_loop(budget, sink, &mut p);
        let r = r.and_then(|()| {
            p.notify = self.tx.push_responses_and_check_notify()?;
            p.more = p.packets >= budget || self.tx.final_check_for_requests()?;
            Ok(())
        });
        if let Err(e) = r {
            // Whatever was answered before the fault is still published.
            let _ = self.tx.push_responses_and_check_notify();
            return self.guard(Err(e));
        }
        Ok(p)
    }

    fn tx_loop<S: PacketSink + ?Sized>(
        &mut self,
        budget: u32,
        sink: &mut S,
        p: &mut Processed,
    ) -> Result<(), RingError> {
        while p.packets < budget {
            if self.pending.is_empty() {
                // The common case, a whole packet in one slot, without
                // building a chain: the same checks `scan` makes.
                let Some(r) = self.tx.take_request()? else {
                    break;
                };
                let flags = NetTxFlags::from_bits_retain(r.flags);
                if flags.intersects(NetTxFlags::MORE_DATA | NetTxFlags::EXTRA_INFO) {
                    self.pending.push(r);
                } else {
                    let status = self.deliver_single(&r, flags, sink);
                    self.tx
                        .push_response(&NetifTxResponse { id: r.id, status })?;
                    p.packets += 1;
                    continue;
                }
            }
            // Take what the chain needs, one request at a time.
            let chain = loop {
                if !self.pending.is_empty() {
                    if let Scan::Chain {
                        slots,
                        extra,
                        packet,
                    } = scan(&self.pending, self.cfg.limits)
                    {
                        break Some((slots, extra, packet));
                    }
                }
                match self.tx.take_request()? {
                    Some(r) => self.pending.push(r),
                    None => break None,
                }
            };
            let Some((slots, extra, packet)) = chain else {
                break;
            };
            let status = match packet {
                Ok(pkt) => match self.deliver_tx(&pkt, slots, extra, sink) {
                    Ok(()) => NETIF_RSP_OKAY,
                    Err(_) => NETIF_RSP_ERROR,
                },
                Err(_) => {
                    self.stats.tx_errors += 1;
                    NETIF_RSP_ERROR
                }
            };
            for (i, r) in self.pending.drain(..slots).enumerate() {
                let rsp = if extra & (1 << i) != 0 {
                    NetifTxResponse {
                        id: 0,
                        status: NETIF_RSP_NULL,
                    }
                } else {
                    NetifTxResponse { id: r.id, status }
                };
                self.tx.push_response(&rsp)?;
            }
            p.packets += 1;
        }
        Ok(())
    }

    /// A one-slot packet: `size` is the whole frame, which must hold an
    /// Ethernet header and stay within the page.
    fn deliver_single<S: PacketSink + ?Sized>(
        &mut self,
        r: &NetifTxRequest,
        flags: NetTxFlags,
        sink: &mut S,
    ) -> i16 {
        let (len, off) = (usize::from(r.size), usize::from(r.offset));
        if len < crate::packet::ETH_HLEN || off + len > PAGE_SIZE {
            self.stats.tx_errors += 1;
            return NETIF_RSP_ERROR;
        }
        if self
            .grants
            .copy_from(r.gref, off, sink.frame_buffer(len))
            .is_err()
        {
            self.stats.tx_errors += 1;
            return NETIF_RSP_ERROR;
        }
        let info = PacketInfo {
            csum_blank: flags.contains(NetTxFlags::CSUM_BLANK),
            data_validated: flags.contains(NetTxFlags::DATA_VALIDATED),
            gso: None,
        };
        match sink.commit(len, &info) {
            Ok(()) => {
                self.stats.tx_packets += 1;
                self.stats.tx_bytes += len as u64;
            }
            Err(SinkError) => self.stats.tx_sink_drops += 1,
        }
        NETIF_RSP_OKAY
    }

    fn deliver_tx<S: PacketSink + ?Sized>(
        &mut self,
        pkt: &crate::packet::TxPacket,
        slots: usize,
        extra: u32,
        sink: &mut S,
    ) -> Result<(), TxError> {
        if pkt.mcast_add.is_some() || pkt.mcast_del.is_some() {
            if let Some(a) = pkt.mcast_del {
                self.mcast.retain(|m| *m != a);
            }
            if let Some(a) = pkt.mcast_add {
                if !self.mcast.contains(&a) {
                    if self.mcast.len() >= MCAST_MAX {
                        self.stats.tx_errors += 1;
                        return Err(TxError::TooManyExtras);
                    }
                    self.mcast.push(a);
                }
            }
            return Ok(());
        }
        let buf = sink.frame_buffer(pkt.len);
        let mut at = 0;
        for f in pkt.fragments(&self.pending, slots, extra) {
            if self
                .grants
                .copy_from(f.gref, f.offset, &mut buf[at..at + f.len])
                .is_err()
            {
                self.stats.tx_errors += 1;
                return Err(TxError::Grant);
            }
            at += f.len;
        }
        match sink.commit(pkt.len, &pkt.info) {
            Ok(()) => {
                self.stats.tx_packets += 1;
                self.stats.tx_bytes += pkt.len as u64;
            }
            Err(SinkError) => self.stats.tx_sink_drops += 1,
        }
        Ok(())
    }

    fn rx_slots(&self, len: usize, info: &PacketInfo) -> Option<usize> {
        let data = len.div_ceil(PAGE_SIZE).max(1);
        if len == 0 || len > XEN_NETIF_MAX_TX_SIZE as usize || (data > 1 && !self.cfg.rx_sg) {
            return None;
        }
        match info.gso {
            None => Some(data),
            Some(g) => {
                let ok = match g.type_ {
                    XEN_NETIF_GSO_TYPE_TCPV4 => self.cfg.rx_gso_tcpv4,
                    XEN_NETIF_GSO_TYPE_TCPV6 => self.cfg.rx_gso_tcpv6,
                    _ => false,
                };
                (ok && g.size > 0).then_some(data + 1)
            }
        }
    }

    /// Queues a packet for the guest (copied); false when it is dropped
    /// (queue full, too large for what the frontend accepts). Call
    /// [`process_rx`](Self::process_rx) to deliver.
    pub fn queue_rx(&mut self, frame: &[u8], info: PacketInfo) -> bool {
        if self.rx_slots(frame.len(), &info).is_none()
            || self.rx_queue.len() >= self.cfg.rx_queue_len
        {
            self.stats.rx_drops += 1;
            return false;
        }
        self.rx_queue.push_back((frame.to_vec(), info));
        true
    }

    /// Delivers queued packets into the buffers the frontend posted, as
    /// far as they go; publishes the responses. `more` says packets still
    /// wait (then `req_event` is armed: the frontend's next buffers
    /// notify us).
    pub fn process_rx(&mut self) -> Result<Processed, QueueError> {
        if self.broken {
            return Err(QueueError::Broken);
        }
        let mut p = Processed::default();
        let r = self.rx_loop(&mut p);
        let r = r.and_then(|()| {
            p.notify = self.rx.push_responses_and_check_notify()?;
            p.more = !self.rx_queue.is_empty();
            if p.more && self.rx.final_check_for_requests()? {
                // Buffers arrived meanwhile: go round once more.
                self.rx_loop(&mut p)?;
                p.notify |= self.rx.push_responses_and_check_notify()?;
                p.more = !self.rx_queue.is_empty();
            }
            Ok(())
        });
        if let Err(e) = r {
            let _ = self.rx.push_responses_and_check_notify();
            return self.guard(Err(e));
        }
        Ok(p)
    }

    fn rx_loop(&mut self, p: &mut Processed) -> Result<(), RingError> {
        while let Some((frame, info)) = self.rx_queue.front() {
            let Some(need) = self.rx_slots(frame.len(), info) else {
                self.rx_queue.pop_front();
                self.stats.rx_drops += 1;
                continue;
            };
            if (self.rx.unconsumed_requests()? as usize) < need {
                break;
            }
            let Some((frame, info)) = self.rx_queue.pop_front() else {
                break;
            };
            self.deliver_rx(&frame, &info)?;
            p.packets += 1;
        }
        Ok(())
    }

    fn deliver_rx(&mut self, frame: &[u8], info: &PacketInfo) -> Result<(), RingError> {
        let chunks = frame.chunks(PAGE_SIZE);
        let n = chunks.len();
        for (i, chunk) in chunks.enumerate() {
            let Some(req) = self.rx.take_request()? else {
                return Ok(()); // Counted before: cannot happen.
            };
            let mut flags = NetRxFlags::empty();
            if i + 1 < n {
                flags |= NetRxFlags::MORE_DATA;
            }
            if i == 0 {
                if info.csum_blank {
                    flags |= NetRxFlags::CSUM_BLANK | NetRxFlags::DATA_VALIDATED;
                } else if info.data_validated {
                    flags |= NetRxFlags::DATA_VALIDATED;
                }
                if info.gso.is_some() {
                    flags |= NetRxFlags::EXTRA_INFO;
                }
            }
            let status = match self.grants.copy_to(req.gref, 0, chunk) {
                Ok(()) => chunk.len() as i16,
                Err(_) => {
                    self.stats.rx_buffer_errors += 1;
                    NETIF_RSP_ERROR
                }
            };
            self.rx.push_response(&NetifRxResponse {
                id: req.id,
                offset: 0,
                flags: flags.bits(),
                status,
            })?;
            if i == 0 {
                if let Some(g) = info.gso {
                    // The extra-info response takes the next buffer's slot.
                    if self.rx.take_request()?.is_none() {
                        return Ok(());
                    }
                    let e = NetifExtraInfo::new_gso(0, g);
                    let rsp = NetifRxResponse::read_from_bytes(e.as_bytes()).unwrap_or_default();
                    self.rx.push_response(&rsp)?;
                }
            }
        }
        self.stats.rx_packets += 1;
        self.stats.rx_bytes += frame.len() as u64;
        Ok(())
    }
}
