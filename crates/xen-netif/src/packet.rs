//! The rules a backend applies to a TX slot chain, on private copies of
//! the requests (nothing here reads shared memory).
//!
//! A packet on the TX ring is: a first request (its `size` is the whole
//! packet's length, `NETTXF_*` flags), then — if it carries
//! `NETTXF_extra_info` — extra-info slots, each saying with
//! `XEN_NETIF_EXTRA_FLAG_MORE` whether another follows, then one request
//! per further fragment while the previous data slot carries
//! `NETTXF_more_data`. Every slot gets exactly one response: data slots
//! their id and a status, extra-info slots `NETIF_RSP_NULL`.
//!
//! Checks (Linux netback's `xenvif_count_requests`, `xenvif_get_extras`,
//! `xenvif_set_skb_gso` and the `ETH_HLEN` check make the same ones):
//! * at most [`QueueLimits::max_slots`] data slots
//!   (`XEN_NETBK_LEGACY_SLOTS_MAX` = 18 by default);
//! * no fragment larger than what is left of the first slot's total; the
//!   first slot keeps the remainder, which must hold an Ethernet header;
//! * every slot's `offset + size` within its page;
//! * extra-info types 1 to 4, each at most once, at most four of them; a
//!   GSO extra names TCPv4 or TCPv6 with a non-zero segment size.
//!
//! Linux treats a chain longer than `fatal_skb_slots` (20), a slot that
//! crosses its page, a bad extra-info type and a bad GSO description as
//! *fatal*: the queue is shut until the frontend reconnects. Here every
//! one of these is a per-packet error (all its slots answered
//! `NETIF_RSP_ERROR`) and the queue keeps serving: a chain still running
//! at [`QueueLimits::fatal_slots`] data slots (or at a fifth extra-info
//! slot) is cut there and the next slot starts a new packet. Only an
//! impossible producer index (the ring's own check) breaks a queue. The
//! frontend gains nothing by this leniency: it can only lose its own
//! packets.

use xen_abi::io::netif::*;
use xen_mem::PAGE_SIZE;
use zerocopy::{FromBytes, IntoBytes};

/// `XEN_NETBK_LEGACY_SLOTS_MAX`: data slots a packet may use.
pub const LEGACY_SLOTS_MAX: usize = XEN_NETIF_NR_SLOTS_MIN as usize;
/// Linux netback's default `fatal_skb_slots`.
pub const FATAL_SLOTS_DEFAULT: usize = 20;
/// Distinct extra-info types (`XEN_NETIF_EXTRA_TYPE_MAX - 1`).
pub const MAX_EXTRAS: usize = (XEN_NETIF_EXTRA_TYPE_MAX - 1) as usize;
/// An Ethernet header: the least the first slot must hold.
pub const ETH_HLEN: usize = 14;

/// Slot-count limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueLimits {
    /// Data slots a packet may use (more: the packet is refused).
    pub max_slots: usize,
    /// Data slots after which a still-running chain is cut.
    pub fatal_slots: usize,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            max_slots: LEGACY_SLOTS_MAX,
            fatal_slots: FATAL_SLOTS_DEFAULT,
        }
    }
}

/// Checksum and segmentation state of a packet, both directions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketInfo {
    /// The transport checksum is still to be filled in (`csum_blank`).
    pub csum_blank: bool,
    /// The checksum is known good (`data_validated`).
    pub data_validated: bool,
    /// Large packet to be segmented (GSO extra info).
    pub gso: Option<NetifGso>,
}

/// Why a TX packet was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// More data slots than allowed.
    #[error("packet uses {0} data slots")]
    TooManySlots(usize),
    /// A fragment claims more than the total left.
    #[error("fragment bigger than the packet")]
    FragmentTooBig,
    /// `offset + size` runs past the page.
    #[error("slot crosses its page")]
    CrossesPage,
    /// The first slot cannot hold an Ethernet header.
    #[error("first slot holds {0} bytes, less than an Ethernet header")]
    TooSmall(usize),
    /// Extra-info type 0 or beyond the known ones.
    #[error("bad extra-info type {0}")]
    BadExtraType(u8),
    /// The same extra-info type twice.
    #[error("extra-info type {0} repeated")]
    DuplicateExtra(u8),
    /// An extra-info chain still running after four slots.
    #[error("too many extra-info slots")]
    TooManyExtras,
    /// A GSO extra with an unknown type or a zero segment size.
    #[error("bad GSO description")]
    BadGso,
    /// A grant copy failed.
    #[error("grant copy failed")]
    Grant,
}

/// One data fragment of a validated packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Index of its slot in the chain.
    pub slot: usize,
    /// Grant of the page.
    pub gref: xen_abi::GrantRef,
    /// Offset in the page.
    pub offset: usize,
    /// Bytes.
    pub len: usize,
}

/// A packet the chain describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxPacket {
    /// Total length.
    pub len: usize,
    /// Bytes in the first slot (the rest of the total).
    pub first_len: usize,
    /// Checksum state and GSO.
    pub info: PacketInfo,
    /// `XEN_NETIF_EXTRA_TYPE_MCAST_ADD`/`_DEL` addresses (a multicast
    /// control request rather than a frame).
    pub mcast_add: Option<[u8; 6]>,
    /// See [`mcast_add`](Self::mcast_add).
    pub mcast_del: Option<[u8; 6]>,
}

impl TxPacket {
    /// The data fragments of this packet, whose chain is `reqs[..slots]`
    /// with extra-info slots `extra` (as [`Scan::Chain`] gave them).
    pub fn fragments<'a>(
        &self,
        reqs: &'a [NetifTxRequest],
        slots: usize,
        extra: u32,
    ) -> impl Iterator<Item = Fragment> + 'a {
        let first_len = self.first_len;
        reqs[..slots]
            .iter()
            .enumerate()
            .filter(move |(i, _)| extra & (1 << i) == 0)
            .map(move |(i, r)| Fragment {
                slot: i,
                gref: r.gref,
                offset: usize::from(r.offset),
                len: if i == 0 {
                    first_len
                } else {
                    usize::from(r.size)
                },
            })
    }
}

/// Outcome of scanning the requests at the head of the ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scan {
    /// The chain is not complete yet (the frontend has not published the
    /// rest); nothing is consumed.
    Incomplete,
    /// A chain of `slots` requests; bit `i` of `extra` says slot `i` is
    /// an extra-info slot; the packet or why it was refused.
    Chain {
        /// Slots the chain occupies.
        slots: usize,
        /// Which of them are extra-info slots (a bit mask).
        extra: u32,
        /// The packet, or the reason every slot gets an error.
        packet: Result<TxPacket, TxError>,
    },
}

/// The extra-info slot a TX request's bytes carry.
pub fn extra_of(req: &NetifTxRequest) -> NetifExtraInfo {
    NetifExtraInfo::read_from_prefix(req.as_bytes())
        .map(|(e, _)| e)
        .unwrap_or_default()
}

/// A TX request slot holding extra info `e` (the remaining bytes zero).
pub fn tx_slot_of_extra(e: &NetifExtraInfo) -> NetifTxRequest {
    let mut r = NetifTxRequest::default();
    r.as_mut_bytes()[..8].copy_from_slice(e.as_bytes());
    r
}

fn page_ok(offset: u16, size: usize) -> bool {
    usize::from(offset) + size <= PAGE_SIZE
}

/// Scans the chain starting at `reqs[0]` (`reqs` non-empty: the private
/// copies of the requests taken so far). `limits.fatal_slots` is capped at
/// 27 (so a chain's slots fit the 32-bit `extra` mask).
pub fn scan(reqs: &[NetifTxRequest], limits: QueueLimits) -> Scan {
    let first = reqs[0];
    let flags = NetTxFlags::from_bits_retain(first.flags);
    let fatal = limits.fatal_slots.clamp(1, 32 - 1 - MAX_EXTRAS);
    let mut extra = 0u32;
    let mut err: Option<TxError> = None;
    let mut seen = [None::<NetifExtraInfo>; MAX_EXTRAS];
    let mut i = 1;
    if flags.contains(NetTxFlags::EXTRA_INFO) {
        let mut n = 0;
        loop {
            let Some(r) = reqs.get(i) else {
                return Scan::Incomplete;
            };
            extra |= 1 << i;
            i += 1;
            n += 1;
            let e = extra_of(r);
            if e.type_ == XEN_NETIF_EXTRA_TYPE_NONE || e.type_ >= XEN_NETIF_EXTRA_TYPE_MAX {
                err.get_or_insert(TxError::BadExtraType(e.type_));
            } else {
                let s = &mut seen[usize::from(e.type_ - 1)];
                if s.is_some() {
                    err.get_or_insert(TxError::DuplicateExtra(e.type_));
                }
                *s = Some(e);
            }
            if e.flags & XEN_NETIF_EXTRA_FLAG_MORE == 0 {
                break;
            }
            if n == MAX_EXTRAS {
                // Cut here: the next slot starts a new packet.
                let e = TxError::TooManyExtras;
                return Scan::Chain {
                    slots: i,
                    extra,
                    packet: Err(e),
                };
            }
        }
    }
    let mut nr = 1;
    let mut left = usize::from(first.size);
    let mut more = flags.contains(NetTxFlags::MORE_DATA);
    while more {
        if nr >= fatal {
            err = Some(TxError::TooManySlots(nr + 1));
            break;
        }
        let Some(r) = reqs.get(i) else {
            return Scan::Incomplete;
        };
        let size = usize::from(r.size);
        if size > left {
            err.get_or_insert(TxError::FragmentTooBig);
        }
        left = left.saturating_sub(size);
        if !page_ok(r.offset, size) {
            err.get_or_insert(TxError::CrossesPage);
        }
        nr += 1;
        more = NetTxFlags::from_bits_retain(r.flags).contains(NetTxFlags::MORE_DATA);
        i += 1;
    }
    if err.is_none() && nr > limits.max_slots {
        err = Some(TxError::TooManySlots(nr));
    }
    if err.is_none() && !page_ok(first.offset, left) {
        err = Some(TxError::CrossesPage);
    }
    let [gso, add, del, _hash] = seen;
    let is_mcast = add.is_some() || del.is_some();
    if err.is_none() && !is_mcast && left < ETH_HLEN {
        err = Some(TxError::TooSmall(left));
    }
    let gso = gso.map(|e| e.gso());
    if let Some(g) = gso {
        let known = matches!(g.type_, XEN_NETIF_GSO_TYPE_TCPV4 | XEN_NETIF_GSO_TYPE_TCPV6);
        if err.is_none() && (!known || g.size == 0) {
            err = Some(TxError::BadGso);
        }
    }
    let packet = match err {
        Some(e) => Err(e),
        None => Ok(TxPacket {
            len: usize::from(first.size),
            first_len: left,
            info: PacketInfo {
                csum_blank: flags.contains(NetTxFlags::CSUM_BLANK),
                data_validated: flags.contains(NetTxFlags::DATA_VALIDATED),
                gso,
            },
            mcast_add: add.map(|e| e.mcast_addr()),
            mcast_del: del.map(|e| e.mcast_addr()),
        }),
    };
    Scan::Chain {
        slots: i,
        extra,
        packet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use xen_abi::GrantRef;

    fn req(gref: u32, offset: u16, flags: NetTxFlags, id: u16, size: u16) -> NetifTxRequest {
        NetifTxRequest {
            gref: GrantRef(gref),
            offset,
            flags: flags.bits(),
            id,
            size,
        }
    }

    fn gso(flags: u8, type_: u8, size: u16) -> NetifTxRequest {
        tx_slot_of_extra(&NetifExtraInfo::new_gso(
            flags,
            NetifGso {
                size,
                type_,
                pad: 0,
                features: 0,
            },
        ))
    }

    fn verdict(reqs: &[NetifTxRequest]) -> (usize, Result<TxPacket, TxError>) {
        match scan(reqs, QueueLimits::default()) {
            Scan::Chain { slots, packet, .. } => (slots, packet),
            Scan::Incomplete => panic!("incomplete"),
        }
    }

    #[test]
    fn single_and_multi_slot() {
        let one = [req(1, 100, NetTxFlags::CSUM_BLANK, 7, 60)];
        let (n, p) = verdict(&one);
        let p = p.unwrap();
        let f: Vec<_> = p.fragments(&one, n, 0).collect();
        assert_eq!(
            (n, p.len, f.len(), f[0].len, f[0].offset),
            (1, 60, 1, 60, 100)
        );
        assert!(p.info.csum_blank && !p.info.data_validated);
        let m = NetTxFlags::MORE_DATA;
        let chain = [
            req(1, 0, m | NetTxFlags::EXTRA_INFO, 1, 9000),
            gso(0, XEN_NETIF_GSO_TYPE_TCPV4, 1448),
            req(2, 0, m, 2, 4096),
            req(3, 0, NetTxFlags::empty(), 3, 904),
        ];
        let Scan::Chain {
            slots,
            extra,
            packet,
        } = scan(&chain, QueueLimits::default())
        else {
            panic!()
        };
        let p = packet.unwrap();
        assert_eq!(slots, 4);
        assert_eq!(extra, 0b0010);
        let lens: Vec<_> = p
            .fragments(&chain, slots, extra)
            .map(|f| (f.slot, f.len))
            .collect();
        assert_eq!(lens, [(0, 4000), (2, 4096), (3, 904)]);
        assert_eq!(p.info.gso.unwrap().size, 1448);
        assert_eq!(scan(&chain[..3], QueueLimits::default()), Scan::Incomplete);
        assert_eq!(scan(&chain[..1], QueueLimits::default()), Scan::Incomplete);
    }

    #[test]
    fn refusals() {
        let m = NetTxFlags::MORE_DATA;
        let e = NetTxFlags::empty();
        // Fragment larger than the total.
        assert_eq!(
            verdict(&[req(1, 0, m, 1, 100), req(2, 0, e, 2, 200)]).1,
            Err(TxError::FragmentTooBig)
        );
        // First slot's remainder crosses the page.
        assert_eq!(
            verdict(&[req(1, 4000, e, 1, 200)]).1,
            Err(TxError::CrossesPage)
        );
        assert_eq!(
            verdict(&[req(1, 0, m, 1, 300), req(2, 4000, e, 2, 200)]).1,
            Err(TxError::CrossesPage)
        );
        assert_eq!(
            verdict(&[req(1, 0, e, 1, 13)]).1,
            Err(TxError::TooSmall(13))
        );
        // 19 data slots: refused but delimited.
        let mut c: Vec<_> = (0..18).map(|i| req(i, 0, m, i as u16, 100)).collect();
        c[0].size = 1900;
        c.push(req(18, 0, e, 18, 100));
        assert_eq!(verdict(&c), (19, Err(TxError::TooManySlots(19))));
        // A chain that never ends is cut at 20 data slots.
        let c: Vec<_> = (0..40).map(|i| req(i, 0, m, i as u16, 100)).collect();
        assert_eq!(verdict(&c), (20, Err(TxError::TooManySlots(21))));
        // Extra-info errors.
        let x = NetTxFlags::EXTRA_INFO;
        let bad = tx_slot_of_extra(&NetifExtraInfo {
            type_: 9,
            ..Default::default()
        });
        assert_eq!(
            verdict(&[req(1, 0, x, 1, 60), bad]),
            (2, Err(TxError::BadExtraType(9)))
        );
        assert_eq!(
            verdict(&[
                req(1, 0, x, 1, 60),
                gso(XEN_NETIF_EXTRA_FLAG_MORE, 1, 1000),
                gso(0, 1, 1000)
            ]),
            (3, Err(TxError::DuplicateExtra(1)))
        );
        assert_eq!(
            verdict(&[req(1, 0, x, 1, 60), gso(0, 7, 1000)]).1,
            Err(TxError::BadGso)
        );
        assert_eq!(
            verdict(&[req(1, 0, x, 1, 60), gso(0, 1, 0)]).1,
            Err(TxError::BadGso)
        );
        let endless: Vec<_> = core::iter::once(req(1, 0, x, 1, 60))
            .chain((0..10).map(|_| {
                tx_slot_of_extra(&NetifExtraInfo {
                    type_: 4,
                    flags: XEN_NETIF_EXTRA_FLAG_MORE,
                    u: [0; 3],
                })
            }))
            .collect();
        assert_eq!(verdict(&endless), (5, Err(TxError::TooManyExtras)));
    }
}
