//! A no_std frontend for one queue: a TX ring and an RX ring over
//! xen-ring's front half, and pools of pages already granted to the
//! backend (the caller grants them: TX pages read-only is enough, RX
//! pages must be writable).
//!
//! TX: [`Frontend::send`] copies a frame into free TX pages, one page per
//! slot, and posts the chain (first slot's `size` = the whole length, a
//! GSO extra-info slot after the first when asked, `NETTXF_more_data` on
//! all but the last data slot); [`Frontend::post`] posts data the caller
//! already placed in TX pages (as netfront grants a socket buffer's own
//! pages). [`Frontend::reap_tx`] takes responses and frees the pages.
//!
//! RX: [`Frontend::refill`] posts every free RX page as a buffer; the
//! request id is the ring slot (responses land in the slot of their
//! request, which is also how an extra-info response's buffer is found).
//! [`Frontend::receive`] reassembles frames from the responses, checking
//! what the backend wrote (offsets and sizes within the page, slot counts)
//! and dropping a frame any of whose buffers failed.

use alloc::vec;
use alloc::vec::Vec;

use xen_abi::io::netif::*;
use xen_abi::GrantRef;
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};
use xen_ring::{FrontRing, RingError, RingIdx, SharedRing};
use zerocopy::{FromBytes, IntoBytes};

use crate::packet::{tx_slot_of_extra, PacketInfo, LEGACY_SLOTS_MAX, MAX_EXTRAS};

/// A page granted to the backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buffer {
    /// The frame.
    pub mfn: Mfn,
    /// Its grant reference (as the backend names it).
    pub gref: GrantRef,
}

/// A received frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RxFrame {
    /// The bytes.
    pub data: Vec<u8>,
    /// Checksum flags and GSO extra info.
    pub info: PacketInfo,
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrontendStats {
    /// TX slots answered `OKAY`.
    pub tx_ok: u64,
    /// TX slots answered `ERROR` or `DROPPED`.
    pub tx_errors: u64,
    /// TX responses naming no outstanding buffer (ignored).
    pub tx_bogus: u64,
    /// Frames received.
    pub rx_frames: u64,
    /// Frames dropped (a failed buffer, malformed responses).
    pub rx_dropped: u64,
}

/// Why a frame cannot be sent now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The ring failed.
    #[error("ring: {0}")]
    Ring(#[from] RingError),
    /// Not enough free ring slots or TX pages (reap responses first).
    #[error("no room")]
    Full,
    /// Empty, larger than 64 KiB, or more slots than a backend must take.
    #[error("bad frame size")]
    BadSize,
}

/// A fragment already in a TX page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxFragment {
    /// Index of the TX page (in the pool given to [`Frontend::new`]).
    pub page: u16,
    /// Offset of the data in the page.
    pub offset: u16,
    /// Bytes.
    pub len: u16,
}

struct Partial {
    data: Vec<u8>,
    info: PacketInfo,
    failed: bool,
    slots: usize,
    extras_pending: bool,
    more: bool,
}

/// The frontend of one queue.
pub struct Frontend<'m, M> {
    mem: &'m M,
    tx: FrontRing<'m, M, NetifTxRequest, NetifTxResponse>,
    rx: FrontRing<'m, M, NetifRxRequest, NetifRxResponse>,
    tx_pages: Vec<Buffer>,
    /// Free TX pages (a stack) and each page's place in it (`None`: busy).
    tx_free: Vec<u16>,
    tx_pos: Vec<Option<usize>>,
    rx_pages: Vec<Buffer>,
    rx_free: Vec<usize>,
    rx_posted: Vec<Option<usize>>,
    rx_prod: RingIdx,
    rx_cons: RingIdx,
    rx_mask: u32,
    partial: Option<Partial>,
    stats: FrontendStats,
}

impl<'m, M: FrameMemory> Frontend<'m, M> {
    /// Initialises the TX and RX rings (indexes at `start`) and takes their
    /// front halves; grant both ring frames to the backend and write
    /// `tx-ring-ref`/`rx-ring-ref`. `tx_pages` and `rx_pages` are the
    /// granted data pages (at most 65535 TX pages).
    pub fn new(
        mem: &'m M,
        tx_ring: Mfn,
        rx_ring: Mfn,
        start: RingIdx,
        tx_pages: Vec<Buffer>,
        rx_pages: Vec<Buffer>,
    ) -> Result<Self, RingError> {
        let tx = FrontRing::new_at(
            SharedRing::new::<NetifTxRequest, NetifTxResponse>(mem, &[tx_ring])?,
            start,
        )?;
        let rx = FrontRing::new_at(
            SharedRing::new::<NetifRxRequest, NetifRxResponse>(mem, &[rx_ring])?,
            start,
        )?;
        let n = tx_pages.len().min(usize::from(u16::MAX));
        let size = rx.size();
        Ok(Frontend {
            mem,
            tx,
            tx_free: (0..n as u16).rev().collect(),
            tx_pos: (0..n).map(|i| Some(n - 1 - i)).collect(),
            tx_pages,
            rx_free: (0..rx_pages.len()).rev().collect(),
            rx_posted: vec![None; size as usize],
            rx_pages,
            rx,
            rx_prod: start,
            rx_cons: start,
            rx_mask: size - 1,
            partial: None,
            stats: FrontendStats::default(),
        })
    }

    /// Counters so far.
    pub fn stats(&self) -> FrontendStats {
        self.stats
    }

    /// TX pages free for [`send`](Self::send) or [`post`](Self::post).
    pub fn tx_pages_free(&self) -> usize {
        self.tx_free.len()
    }

    /// The TX page pool.
    pub fn tx_pages(&self) -> &[Buffer] {
        &self.tx_pages
    }

    /// Copies `frame` into free TX pages and posts it (not yet published).
    pub fn send(&mut self, frame: &[u8], info: &PacketInfo) -> Result<(), SendError> {
        let n = frame.len().div_ceil(PAGE_SIZE);
        if frame.is_empty() || frame.len() > XEN_NETIF_MAX_TX_SIZE as usize || n > LEGACY_SLOTS_MAX
        {
            return Err(SendError::BadSize);
        }
        if self.tx_free.len() < n {
            return Err(SendError::Full);
        }
        let mut frags = [TxFragment {
            page: 0,
            offset: 0,
            len: 0,
        }; LEGACY_SLOTS_MAX];
        let at = self.tx_free.len() - n;
        for (i, chunk) in frame.chunks(PAGE_SIZE).enumerate() {
            let page = self.tx_free[at + n - 1 - i];
            self.mem
                .write(self.tx_pages[usize::from(page)].mfn, 0, chunk)
                .map_err(RingError::from)?;
            frags[i] = TxFragment {
                page,
                offset: 0,
                len: chunk.len() as u16,
            };
        }
        self.post(&frags[..n], info)
    }

    /// Posts a frame whose fragments the caller already wrote into free
    /// TX pages (not yet published).
    pub fn post(&mut self, frags: &[TxFragment], info: &PacketInfo) -> Result<(), SendError> {
        let total: usize = frags.iter().map(|f| usize::from(f.len)).sum();
        if frags.is_empty()
            || frags.len() > LEGACY_SLOTS_MAX
            || total > XEN_NETIF_MAX_TX_SIZE as usize
            || frags
                .iter()
                .any(|f| usize::from(f.offset) + usize::from(f.len) > PAGE_SIZE)
        {
            return Err(SendError::BadSize);
        }
        let slots = frags.len() + usize::from(info.gso.is_some());
        if (self.tx.free_requests() as usize) < slots {
            return Err(SendError::Full);
        }
        for (i, f) in frags.iter().enumerate() {
            let repeated = frags[..i].iter().any(|g| g.page == f.page);
            match self.tx_pos.get(usize::from(f.page)) {
                Some(Some(_)) if !repeated => {}
                _ => return Err(SendError::Full),
            }
        }
        for (i, f) in frags.iter().enumerate() {
            let mut flags = NetTxFlags::empty();
            if i + 1 < frags.len() {
                flags |= NetTxFlags::MORE_DATA;
            }
            if i == 0 {
                if info.csum_blank {
                    flags |= NetTxFlags::CSUM_BLANK | NetTxFlags::DATA_VALIDATED;
                } else if info.data_validated {
                    flags |= NetTxFlags::DATA_VALIDATED;
                }
                if info.gso.is_some() {
                    flags |= NetTxFlags::EXTRA_INFO;
                }
            }
            let size = if i == 0 { total as u16 } else { f.len };
            self.tx.push_request(&NetifTxRequest {
                gref: self.tx_pages[usize::from(f.page)].gref,
                offset: f.offset,
                flags: flags.bits(),
                id: f.page,
                size,
            })?;
            self.take_page(f.page);
            if i == 0 {
                if let Some(g) = info.gso {
                    self.tx
                        .push_request(&tx_slot_of_extra(&NetifExtraInfo::new_gso(0, g)))?;
                }
            }
        }
        Ok(())
    }

    /// Marks free TX page `page` busy (O(1): swap-remove from the stack).
    fn take_page(&mut self, page: u16) {
        if let Some(i) = self.tx_pos[usize::from(page)].take() {
            self.tx_free.swap_remove(i);
            if let Some(&moved) = self.tx_free.get(i) {
                self.tx_pos[usize::from(moved)] = Some(i);
            }
        }
    }

    /// Publishes posted TX requests; true when the backend must be notified.
    pub fn publish_tx(&mut self) -> Result<bool, RingError> {
        self.tx.push_requests_and_check_notify()
    }

    /// Takes TX responses, freeing their pages; returns how many slots
    /// were answered.
    pub fn reap_tx(&mut self) -> Result<u32, RingError> {
        let mut n = 0;
        while let Some(r) = self.tx.take_response()? {
            n += 1;
            if r.status == NETIF_RSP_NULL {
                continue;
            }
            match self.tx_pos.get(usize::from(r.id)) {
                Some(None) => {
                    self.tx_pos[usize::from(r.id)] = Some(self.tx_free.len());
                    self.tx_free.push(r.id);
                }
                _ => {
                    self.stats.tx_bogus += 1;
                    continue;
                }
            }
            if r.status == NETIF_RSP_OKAY {
                self.stats.tx_ok += 1;
            } else {
                self.stats.tx_errors += 1;
            }
        }
        Ok(n)
    }

    /// Re-arms the TX response event; true when responses arrived meanwhile.
    pub fn final_check_tx(&mut self) -> Result<bool, RingError> {
        self.tx.final_check_for_responses()
    }

    /// Posts every free RX page as a buffer and publishes; true when the
    /// backend must be notified.
    pub fn refill(&mut self) -> Result<bool, RingError> {
        while self.rx.free_requests() > 0 {
            let Some(page) = self.rx_free.pop() else {
                break;
            };
            // The id is the ring slot the request occupies.
            let slot = self.rx_prod & self.rx_mask;
            if let Err(e) = self.rx.push_request(&NetifRxRequest {
                id: slot as u16,
                pad: 0,
                gref: self.rx_pages[page].gref,
            }) {
                self.rx_free.push(page);
                return Err(e);
            }
            self.rx_prod = self.rx_prod.wrapping_add(1);
            self.rx_posted[slot as usize] = Some(page);
        }
        self.rx.push_requests_and_check_notify()
    }

    /// Takes RX responses and returns the complete frames among them (a
    /// frame whose responses are not all published yet stays pending).
    pub fn receive(&mut self) -> Result<Vec<RxFrame>, RingError> {
        let mut out = Vec::new();
        while let Some(rsp) = self.rx.take_response()? {
            let slot = (self.rx_cons & self.rx_mask) as usize;
            self.rx_cons = self.rx_cons.wrapping_add(1);
            let page = self.rx_posted[slot].take();
            if let Some(p) = page {
                self.rx_free.push(p);
            }
            let mut part = self.partial.take().unwrap_or_else(|| Partial {
                data: Vec::new(),
                info: PacketInfo::default(),
                failed: false,
                slots: 0,
                extras_pending: false,
                more: true,
            });
            part.slots += 1;
            if part.slots > LEGACY_SLOTS_MAX + MAX_EXTRAS + 1 {
                part.failed = true;
            }
            if part.extras_pending {
                let e = NetifExtraInfo::read_from_bytes(rsp.as_bytes()).unwrap_or_default();
                if e.type_ == XEN_NETIF_EXTRA_TYPE_GSO {
                    part.info.gso = Some(e.gso());
                } else if e.type_ == XEN_NETIF_EXTRA_TYPE_NONE
                    || e.type_ >= XEN_NETIF_EXTRA_TYPE_MAX
                {
                    part.failed = true;
                }
                part.extras_pending = e.flags & XEN_NETIF_EXTRA_FLAG_MORE != 0;
            } else {
                let flags = NetRxFlags::from_bits_retain(rsp.flags);
                if part.slots == 1 {
                    part.info.csum_blank = flags.contains(NetRxFlags::CSUM_BLANK);
                    part.info.data_validated = flags.contains(NetRxFlags::DATA_VALIDATED);
                    part.extras_pending = flags.contains(NetRxFlags::EXTRA_INFO);
                }
                let off = usize::from(rsp.offset);
                match (usize::try_from(rsp.status), page) {
                    (Ok(len), Some(p))
                        if off + len <= PAGE_SIZE
                            && part.data.len() + len <= XEN_NETIF_MAX_TX_SIZE as usize =>
                    {
                        if !part.failed {
                            let at = part.data.len();
                            part.data.resize(at + len, 0);
                            self.mem
                                .read(self.rx_pages[p].mfn, off, &mut part.data[at..])?;
                        }
                    }
                    _ => part.failed = true,
                }
                part.more = flags.contains(NetRxFlags::MORE_DATA);
            }
            if part.more || part.extras_pending {
                self.partial = Some(part);
                continue;
            }
            if part.failed || part.data.is_empty() {
                self.stats.rx_dropped += 1;
            } else {
                self.stats.rx_frames += 1;
                out.push(RxFrame {
                    data: part.data,
                    info: part.info,
                });
            }
        }
        Ok(out)
    }

    /// Re-arms the RX response event; true when responses arrived meanwhile.
    pub fn final_check_rx(&mut self) -> Result<bool, RingError> {
        self.rx.final_check_for_responses()
    }
}
