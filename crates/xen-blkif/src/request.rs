//! Requests as the backend sees them: decoded from a ring slot of either
//! ABI into one private, ABI-free form, and responses encoded back.
//!
//! The slot is copied out of shared memory by xen-ring before decoding,
//! so nothing here can change under the backend's feet. Decoding never
//! fails: whatever the operation byte says, the request becomes one
//! [`Kind`] (unknown operations are [`Kind::Unsupported`]); validation is
//! [`validate_segments`] and the backend's bounds checks.

use xen_abi::io::blkif::*;
use xen_abi::GrantRef;
use zerocopy::{FromBytes, IntoBytes};

/// The ABI the frontend speaks (the `protocol` key: `x86_64-abi`,
/// `x86_32-abi`; absent means native).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// The backend's own layout (x86_64).
    Native,
    /// A 32-bit x86 guest's layout (`id` 4-byte aligned, 12-byte responses).
    X86_32,
}

impl Protocol {
    /// From the frontend's `protocol` key (`None` when absent).
    pub fn from_key(v: Option<&str>) -> Option<Protocol> {
        match v {
            None | Some("") | Some("x86_64-abi") => Some(Protocol::Native),
            Some("x86_32-abi") => Some(Protocol::X86_32),
            Some(_) => None,
        }
    }
}

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Read or write `nr_segments` segments at `sector`. A flush or a
    /// barrier is a write preceded by a cache flush (as Linux's blkback
    /// treats both); it may carry no data.
    Rw {
        /// `BLKIF_OP_READ`, `_WRITE`, `_WRITE_BARRIER` or `_FLUSH_DISKCACHE`.
        op: u8,
        /// Number of segments claimed (not yet validated).
        nr_segments: u8,
        /// The segment array as the guest wrote it.
        seg: [BlkifRequestSegment; BLKIF_MAX_SEGMENTS_PER_REQUEST],
    },
    /// Discard `nr_sectors` at `sector`.
    Discard {
        /// Sectors to discard.
        nr_sectors: u64,
        /// `BLKIF_DISCARD_SECURE` asked for.
        secure: bool,
    },
    /// Read or write with segment descriptors in granted pages.
    Indirect {
        /// The operation on the data (`READ` or `WRITE` when valid).
        op: u8,
        /// Number of segments claimed.
        nr_segments: u16,
        /// Grants of the descriptor pages.
        grefs: [GrantRef; BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
    },
    /// Any other operation.
    Unsupported,
}

/// A decoded request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The guest's id, echoed in the response.
    pub id: u64,
    /// The operation byte as sent.
    pub operation: u8,
    /// First sector.
    pub sector: u64,
    /// What to do.
    pub kind: Kind,
}

fn rw(id: u64, operation: u8, sector: u64, nr: u8, seg: [BlkifRequestSegment; 11]) -> Request {
    Request {
        id,
        operation,
        sector,
        kind: Kind::Rw {
            op: operation,
            nr_segments: nr,
            seg,
        },
    }
}

/// Decodes a native-ABI slot.
pub fn decode_native(r: &BlkifRequest) -> Request {
    let bytes = r.as_bytes();
    match r.operation {
        BLKIF_OP_READ | BLKIF_OP_WRITE | BLKIF_OP_WRITE_BARRIER | BLKIF_OP_FLUSH_DISKCACHE => {
            rw(r.id, r.operation, r.sector_number, r.nr_segments, r.seg)
        }
        BLKIF_OP_DISCARD => {
            let d = BlkifRequestDiscard::read_from_prefix(bytes)
                .map(|(d, _)| d)
                .unwrap_or_default();
            Request {
                id: d.id,
                operation: d.operation,
                sector: d.sector_number,
                kind: Kind::Discard {
                    nr_sectors: d.nr_sectors,
                    secure: d.flag & BLKIF_DISCARD_SECURE != 0,
                },
            }
        }
        BLKIF_OP_INDIRECT => {
            let d = BlkifRequestIndirect::read_from_prefix(bytes)
                .map(|(d, _)| d)
                .unwrap_or_default();
            Request {
                id: d.id,
                operation: d.operation,
                sector: d.sector_number,
                kind: Kind::Indirect {
                    op: d.indirect_op,
                    nr_segments: d.nr_segments,
                    grefs: d.indirect_grefs,
                },
            }
        }
        op => Request {
            id: r.id,
            operation: op,
            sector: r.sector_number,
            kind: Kind::Unsupported,
        },
    }
}

/// Decodes an x86_32-ABI slot.
pub fn decode_x86_32(r: &BlkifX86_32Request) -> Request {
    let bytes = r.as_bytes();
    let (id, op, sector) = (r.id, r.operation, r.sector_number);
    match op {
        BLKIF_OP_READ | BLKIF_OP_WRITE | BLKIF_OP_WRITE_BARRIER | BLKIF_OP_FLUSH_DISKCACHE => {
            rw(id, op, sector, r.nr_segments, r.seg)
        }
        BLKIF_OP_DISCARD => {
            let d = BlkifX86_32RequestDiscard::read_from_prefix(bytes)
                .map(|(d, _)| d)
                .unwrap_or_default();
            Request {
                id: d.id,
                operation: op,
                sector: d.sector_number,
                kind: Kind::Discard {
                    nr_sectors: d.nr_sectors,
                    secure: d.flag & BLKIF_DISCARD_SECURE != 0,
                },
            }
        }
        BLKIF_OP_INDIRECT => {
            let d = BlkifX86_32RequestIndirect::read_from_prefix(bytes)
                .map(|(d, _)| d)
                .unwrap_or_default();
            Request {
                id: d.id,
                operation: op,
                sector: d.sector_number,
                kind: Kind::Indirect {
                    op: d.indirect_op,
                    nr_segments: d.nr_segments,
                    grefs: d.indirect_grefs,
                },
            }
        }
        _ => Request {
            id,
            operation: op,
            sector,
            kind: Kind::Unsupported,
        },
    }
}

/// Checks each segment's sector range (`first_sect ≤ last_sect ≤ 7`) and
/// returns the total number of sectors, or `None` for a bad segment.
pub fn validate_segments(segs: &[BlkifRequestSegment]) -> Option<u64> {
    let max = (xen_mem::PAGE_SIZE as u64 / BLKIF_SECTOR_SIZE - 1) as u8;
    let mut total = 0u64;
    for s in segs {
        if s.first_sect > s.last_sect || s.last_sect > max {
            return None;
        }
        total += u64::from(s.last_sect - s.first_sect) + 1;
    }
    Some(total)
}

/// Whether `[sector, sector + count)` lies within a disk of `sectors`.
pub fn in_bounds(sector: u64, count: u64, sectors: u64) -> bool {
    sector.checked_add(count).is_some_and(|end| end <= sectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(f: u8, l: u8) -> BlkifRequestSegment {
        BlkifRequestSegment {
            gref: GrantRef(1),
            first_sect: f,
            last_sect: l,
            _pad: 0,
        }
    }

    #[test]
    fn segment_and_bounds_checks() {
        assert_eq!(validate_segments(&[seg(0, 7), seg(3, 3)]), Some(9));
        assert_eq!(validate_segments(&[]), Some(0));
        assert_eq!(validate_segments(&[seg(0, 8)]), None);
        assert_eq!(validate_segments(&[seg(4, 3)]), None);
        assert!(in_bounds(0, 8, 8));
        assert!(!in_bounds(1, 8, 8));
        assert!(!in_bounds(u64::MAX, 2, u64::MAX));
    }

    #[test]
    fn protocol_keys() {
        assert_eq!(Protocol::from_key(None), Some(Protocol::Native));
        assert_eq!(
            Protocol::from_key(Some("x86_64-abi")),
            Some(Protocol::Native)
        );
        assert_eq!(
            Protocol::from_key(Some("x86_32-abi")),
            Some(Protocol::X86_32)
        );
        assert_eq!(Protocol::from_key(Some("arm-abi")), None);
    }

    #[test]
    fn decode_views_of_one_slot() {
        let mut r = BlkifRequest {
            operation: BLKIF_OP_DISCARD,
            id: 7,
            sector_number: 9,
            ..Default::default()
        };
        r.as_mut_bytes()[24..32].copy_from_slice(&5u64.to_le_bytes());
        r.as_mut_bytes()[1] = BLKIF_DISCARD_SECURE;
        let d = decode_native(&r);
        assert_eq!(
            d.kind,
            Kind::Discard {
                nr_sectors: 5,
                secure: true
            }
        );
        assert_eq!((d.id, d.sector), (7, 9));
        r.operation = 200;
        assert_eq!(decode_native(&r).kind, Kind::Unsupported);
    }
}
