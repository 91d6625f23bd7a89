//! A no_std frontend: builds requests on the ring (native ABI) and
//! collects responses.
//!
//! The caller owns the data pages and their grants (it grants a page
//! writable for a read, read-only is enough for a write); this half only
//! formats requests, publishes them with notification suppression and
//! hands back responses. [`write_indirect_segments`] fills a descriptor
//! page for an indirect request.

use xen_abi::io::blkif::*;
use xen_abi::GrantRef;
use xen_mem::{FrameMemory, MemError, Mfn};
use xen_ring::{FrontRing, RingError, SharedRing};
use zerocopy::IntoBytes;

/// The frontend's half of one ring.
pub struct Frontend<'m, M> {
    ring: FrontRing<'m, M, BlkifRequest, BlkifResponse>,
}

/// One data segment: a granted page and the inclusive sector range in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Grant of the page.
    pub gref: GrantRef,
    /// First sector in the page (0–7).
    pub first_sect: u8,
    /// Last sector in the page (0–7, ≥ `first_sect`).
    pub last_sect: u8,
}

impl Segment {
    /// A whole page.
    pub fn page(gref: GrantRef) -> Segment {
        Segment {
            gref,
            first_sect: 0,
            last_sect: 7,
        }
    }

    fn raw(&self) -> BlkifRequestSegment {
        BlkifRequestSegment {
            gref: self.gref,
            first_sect: self.first_sect,
            last_sect: self.last_sect,
            _pad: 0,
        }
    }
}

impl<'m, M: FrameMemory> Frontend<'m, M> {
    /// Initialises the ring in `frames` (indexes at `start`) and takes its
    /// front half; grant `frames` to the backend and write `ring-ref`.
    pub fn new(mem: &'m M, frames: &[Mfn], start: u32) -> Result<Self, RingError> {
        let shared = SharedRing::new::<BlkifRequest, BlkifResponse>(mem, frames)?;
        shared.init(start)?;
        Ok(Frontend {
            ring: FrontRing::new_at(shared, start)?,
        })
    }

    /// Free request slots.
    pub fn free(&self) -> u32 {
        self.ring.free_requests()
    }

    fn push(&mut self, r: &BlkifRequest) -> Result<(), RingError> {
        self.ring.push_request(r).map(drop)
    }

    /// Queues a read (`write = false`) or write of `segs` at `sector`.
    pub fn rw(
        &mut self,
        id: u64,
        write: bool,
        sector: u64,
        segs: &[Segment],
    ) -> Result<(), RingError> {
        self.op(
            id,
            if write { BLKIF_OP_WRITE } else { BLKIF_OP_READ },
            sector,
            segs,
        )
    }

    /// Queues a request of operation `op` with up to 11 segments (more
    /// are refused with [`RingError::Full`]); also used for flush
    /// (`BLKIF_OP_FLUSH_DISKCACHE`, possibly with data) and barriers.
    pub fn op(&mut self, id: u64, op: u8, sector: u64, segs: &[Segment]) -> Result<(), RingError> {
        if segs.len() > BLKIF_MAX_SEGMENTS_PER_REQUEST {
            return Err(RingError::Full);
        }
        let mut r = BlkifRequest {
            operation: op,
            nr_segments: segs.len() as u8,
            id,
            sector_number: sector,
            ..Default::default()
        };
        for (d, s) in r.seg.iter_mut().zip(segs) {
            *d = s.raw();
        }
        self.push(&r)
    }

    /// Queues a discard of `nr_sectors` at `sector`.
    pub fn discard(&mut self, id: u64, sector: u64, nr_sectors: u64) -> Result<(), RingError> {
        let d = BlkifRequestDiscard {
            operation: BLKIF_OP_DISCARD,
            id,
            sector_number: sector,
            nr_sectors,
            ..Default::default()
        };
        let mut r = BlkifRequest::default();
        r.as_mut_bytes()[..core::mem::size_of::<BlkifRequestDiscard>()]
            .copy_from_slice(d.as_bytes());
        self.push(&r)
    }

    /// Queues an indirect read or write of `nr_segments` segments whose
    /// descriptors are in the pages granted as `pages`.
    pub fn indirect(
        &mut self,
        id: u64,
        write: bool,
        sector: u64,
        nr_segments: u16,
        pages: &[GrantRef],
    ) -> Result<(), RingError> {
        let mut d = BlkifRequestIndirect {
            operation: BLKIF_OP_INDIRECT,
            indirect_op: if write { BLKIF_OP_WRITE } else { BLKIF_OP_READ },
            nr_segments,
            id,
            sector_number: sector,
            ..Default::default()
        };
        for (g, p) in d.indirect_grefs.iter_mut().zip(pages) {
            *g = *p;
        }
        let mut r = BlkifRequest::default();
        r.as_mut_bytes()[..core::mem::size_of::<BlkifRequestIndirect>()]
            .copy_from_slice(d.as_bytes());
        self.push(&r)
    }

    /// Publishes queued requests; true when the backend must be notified.
    pub fn publish(&mut self) -> Result<bool, RingError> {
        self.ring.push_requests_and_check_notify()
    }

    /// The next response, if any.
    pub fn response(&mut self) -> Result<Option<BlkifResponse>, RingError> {
        self.ring.take_response()
    }

    /// Re-arms the response event; true when responses arrived meanwhile.
    pub fn final_check(&mut self) -> Result<bool, RingError> {
        self.ring.final_check_for_responses()
    }
}

/// Writes segment descriptors into an indirect descriptor page (up to
/// 512 per page).
pub fn write_indirect_segments<M: FrameMemory>(
    mem: &M,
    page: Mfn,
    segs: &[Segment],
) -> Result<(), MemError> {
    for (i, s) in segs.iter().take(BLKIF_SEGS_PER_INDIRECT_FRAME).enumerate() {
        mem.write(page, i * 8, s.raw().as_bytes())?;
    }
    Ok(())
}
