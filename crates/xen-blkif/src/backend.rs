//! The backend: takes requests off the ring, validates them, runs them on
//! a [`Storage`] with the guest's pages reached through [`GrantAccess`],
//! and answers each with `BLKIF_RSP_OKAY`, `_ERROR` or `_EOPNOTSUPP`.
//!
//! Checks, all on the private copy of the request (as blkback's
//! `dispatch_rw_block_io`/`dispatch_discard_io` make them):
//! * read/write need 1–11 segments (an indirect request 1 to
//!   [`BackendConfig::max_indirect_segments`]); a flush or barrier may
//!   carry none; each segment has `first_sect ≤ last_sect ≤ 7`;
//! * the whole sector range lies within the disk;
//! * nothing is written to a read-only disk (writes, flushes with data,
//!   barriers with data and discards are refused with `_ERROR`);
//! * an indirect request's inner operation is read or write, its
//!   descriptor pages and every data page must be granted;
//! * discard needs the storage's support (`_EOPNOTSUPP` otherwise, also
//!   for a secure discard, which is never advertised).
//!
//! A write gathers every segment from the guest before touching the disk,
//! so a bad grant fails the request without a partial write. Flush and
//! barrier flush the storage before their data (`REQ_PREFLUSH`) and again
//! after it, so an acknowledged flush-with-data is durable. A producer
//! index the ring refuses ([`xen_ring::RingError::Overflow`]) marks the
//! ring broken: nothing more is read from it (Linux's blkback does the
//! same and waits for the frontend to reconnect).

use alloc::vec;
use alloc::vec::Vec;

use xen_abi::io::blkif::*;
use xen_abi::GrantRef;
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};
use xen_ring::{BackRing, RingError, SharedRing};
use zerocopy::FromBytes;

use crate::grant::GrantAccess;
use crate::request::{
    decode_native, decode_x86_32, in_bounds, validate_segments, Kind, Protocol, Request,
};
use crate::storage::Storage;

/// Linux blkback's default `feature-max-indirect-segments`.
pub const DEFAULT_MAX_INDIRECT_SEGMENTS: u16 = 256;

/// Backend settings (what it advertises).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendConfig {
    /// `feature-max-indirect-segments` (0: no indirect requests).
    pub max_indirect_segments: u16,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            max_indirect_segments: DEFAULT_MAX_INDIRECT_SEGMENTS,
        }
    }
}

/// The ring in the frontend's ABI.
enum Ring<'m, M> {
    Native(BackRing<'m, M, BlkifRequest, BlkifResponse>),
    X86_32(BackRing<'m, M, BlkifX86_32Request, BlkifX86_32Response>),
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests answered `OKAY`.
    pub ok: u64,
    /// Requests answered `ERROR`.
    pub error: u64,
    /// Requests answered `EOPNOTSUPP`.
    pub unsupported: u64,
}

/// What one [`Backend::process`] call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Processed {
    /// Requests answered.
    pub requests: u32,
    /// The frontend asked to be notified of these responses.
    pub notify: bool,
    /// Requests remain (the budget ran out or more arrived).
    pub more: bool,
}

/// A backend error: the ring is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The ring failed or the frontend's index is out of range.
    #[error("ring: {0}")]
    Ring(#[from] RingError),
    /// An earlier error broke the ring.
    #[error("ring broken by an earlier error")]
    Broken,
}

/// One block backend: a ring, a disk, the guest's grants.
pub struct Backend<'m, M, S, G> {
    ring: Ring<'m, M>,
    storage: S,
    grants: G,
    cfg: BackendConfig,
    buf: Vec<u8>,
    desc: Vec<u8>,
    broken: bool,
    stats: Stats,
}

impl<'m, M: FrameMemory, S: Storage, G: GrantAccess> Backend<'m, M, S, G> {
    /// Attaches to the ring the frontend set up in `frames` (already
    /// mapped, in ring order), speaking `protocol`.
    pub fn attach(
        mem: &'m M,
        frames: &[Mfn],
        protocol: Protocol,
        storage: S,
        grants: G,
        cfg: BackendConfig,
    ) -> Result<Self, BackendError> {
        let ring = match protocol {
            Protocol::Native => Ring::Native(BackRing::attach(SharedRing::new::<
                BlkifRequest,
                BlkifResponse,
            >(mem, frames)?)?),
            Protocol::X86_32 => Ring::X86_32(BackRing::attach(SharedRing::new::<
                BlkifX86_32Request,
                BlkifX86_32Response,
            >(mem, frames)?)?),
        };
        Ok(Backend {
            ring,
            storage,
            grants,
            cfg,
            buf: Vec::new(),
            desc: Vec::new(),
            broken: false,
            stats: Stats::default(),
        })
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The grant access.
    pub fn grants_mut(&mut self) -> &mut G {
        &mut self.grants
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Whether the ring was found broken.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    fn take(&mut self) -> Result<Option<Request>, RingError> {
        Ok(match &mut self.ring {
            Ring::Native(r) => r.take_request()?.map(|q| decode_native(&q)),
            Ring::X86_32(r) => r.take_request()?.map(|q| decode_x86_32(&q)),
        })
    }

    fn respond(&mut self, id: u64, operation: u8, status: i16) -> Result<(), RingError> {
        match status {
            BLKIF_RSP_OKAY => self.stats.ok += 1,
            BLKIF_RSP_EOPNOTSUPP => self.stats.unsupported += 1,
            _ => self.stats.error += 1,
        }
        match &mut self.ring {
            Ring::Native(r) => r.push_response(&BlkifResponse {
                id,
                operation,
                status,
                ..Default::default()
            }),
            Ring::X86_32(r) => r.push_response(&BlkifX86_32Response {
                id,
                operation,
                status,
                _pad0: 0,
            }),
        }
        .map(drop)
    }

    fn push_and_check(&mut self) -> Result<(bool, bool), RingError> {
        match &mut self.ring {
            Ring::Native(r) => Ok((
                r.push_responses_and_check_notify()?,
                r.final_check_for_requests()?,
            )),
            Ring::X86_32(r) => Ok((
                r.push_responses_and_check_notify()?,
                r.final_check_for_requests()?,
            )),
        }
    }

    /// Answers up to `budget` requests, publishes the responses, and says
    /// whether to notify the frontend and whether requests remain (the
    /// final check re-arms `req_event` when the ring ran dry).
    pub fn process(&mut self, budget: u32) -> Result<Processed, BackendError> {
        if self.broken {
            return Err(BackendError::Broken);
        }
        let mut p = Processed::default();
        let r = (|| {
            while p.requests < budget {
                let Some(req) = self.take()? else { break };
                let (op, status) = self.execute(&req);
                self.respond(req.id, op, status)?;
                p.requests += 1;
            }
            let (notify, more) = self.push_and_check()?;
            p.notify = notify;
            p.more = more;
            Ok::<_, RingError>(())
        })();
        if let Err(e) = r {
            self.broken = true;
            // Whatever was answered before the fault is still published.
            let _ = self.push_and_check();
            return Err(e.into());
        }
        Ok(p)
    }

    /// Runs one request; returns the response's operation and status.
    fn execute(&mut self, req: &Request) -> (u8, i16) {
        match req.kind {
            Kind::Rw {
                op,
                nr_segments,
                seg,
            } => {
                let n = usize::from(nr_segments);
                let flush = matches!(op, BLKIF_OP_FLUSH_DISKCACHE | BLKIF_OP_WRITE_BARRIER);
                if n > BLKIF_MAX_SEGMENTS_PER_REQUEST || (n == 0 && !flush) {
                    return (op, BLKIF_RSP_ERROR);
                }
                (op, self.rw(op, req.sector, &seg[..n]))
            }
            Kind::Indirect {
                op,
                nr_segments,
                grefs,
            } => {
                if !matches!(op, BLKIF_OP_READ | BLKIF_OP_WRITE) {
                    return (req.operation, BLKIF_RSP_ERROR);
                }
                let n = usize::from(nr_segments);
                if n == 0 || n > usize::from(self.cfg.max_indirect_segments) {
                    return (op, BLKIF_RSP_ERROR);
                }
                let Some(segs) = self.indirect_segments(&grefs, n) else {
                    return (op, BLKIF_RSP_ERROR);
                };
                (op, self.rw(op, req.sector, &segs))
            }
            Kind::Discard { nr_sectors, secure } => {
                let st = if !self.storage.supports_discard() || secure {
                    BLKIF_RSP_EOPNOTSUPP
                } else if self.storage.read_only()
                    || !in_bounds(req.sector, nr_sectors, self.storage.sectors())
                {
                    BLKIF_RSP_ERROR
                } else {
                    match self.storage.discard(req.sector * 512, nr_sectors * 512) {
                        Ok(()) => BLKIF_RSP_OKAY,
                        Err(_) => BLKIF_RSP_ERROR,
                    }
                };
                (req.operation, st)
            }
            Kind::Unsupported => (req.operation, BLKIF_RSP_EOPNOTSUPP),
        }
    }

    /// Reads the segment descriptors of an indirect request from its
    /// granted pages.
    fn indirect_segments(
        &mut self,
        grefs: &[GrantRef; BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
        n: usize,
    ) -> Option<Vec<BlkifRequestSegment>> {
        let per_page = PAGE_SIZE / core::mem::size_of::<BlkifRequestSegment>();
        let pages = n.div_ceil(per_page);
        if pages > grefs.len() {
            return None;
        }
        self.desc
            .resize(n * core::mem::size_of::<BlkifRequestSegment>(), 0);
        for (i, chunk) in self.desc.chunks_mut(PAGE_SIZE).enumerate() {
            self.grants.copy_from(grefs[i], 0, chunk).ok()?;
        }
        <[BlkifRequestSegment]>::ref_from_bytes(&self.desc)
            .ok()
            .map(|s| s.to_vec())
    }

    fn rw(&mut self, op: u8, sector: u64, segs: &[BlkifRequestSegment]) -> i16 {
        let Some(total) = validate_segments(segs) else {
            return BLKIF_RSP_ERROR;
        };
        let write = op != BLKIF_OP_READ;
        let flush = matches!(op, BLKIF_OP_FLUSH_DISKCACHE | BLKIF_OP_WRITE_BARRIER);
        if write && self.storage.read_only() && (total > 0 || op == BLKIF_OP_WRITE) {
            return BLKIF_RSP_ERROR;
        }
        if !in_bounds(sector, total, self.storage.sectors()) {
            return BLKIF_RSP_ERROR;
        }
        if flush && self.storage.flush().is_err() {
            return BLKIF_RSP_ERROR;
        }
        if total == 0 {
            return BLKIF_RSP_OKAY;
        }
        let len = (total * BLKIF_SECTOR_SIZE) as usize;
        let mut buf = core::mem::take(&mut self.buf);
        if buf.len() < len + PAGE_SIZE {
            buf = vec![0; len + PAGE_SIZE];
        }
        // A page-aligned bounce buffer: the kernel's copy from the page
        // cache (rep movsb) is several times slower into a destination
        // misaligned against the source page on some CPUs.
        let at = buf.as_ptr().align_offset(PAGE_SIZE).min(PAGE_SIZE);
        let st = self.rw_data(write, sector, segs, &mut buf[at..at + len]);
        self.buf = buf;
        if st == BLKIF_RSP_OKAY && flush && self.storage.flush().is_err() {
            return BLKIF_RSP_ERROR;
        }
        st
    }

    fn rw_data(
        &mut self,
        write: bool,
        sector: u64,
        segs: &[BlkifRequestSegment],
        buf: &mut [u8],
    ) -> i16 {
        let ss = BLKIF_SECTOR_SIZE as usize;
        let offset = sector * BLKIF_SECTOR_SIZE;
        if write {
            let mut pos = 0;
            for s in segs {
                let len = (usize::from(s.last_sect - s.first_sect) + 1) * ss;
                if self
                    .grants
                    .copy_from(
                        s.gref,
                        usize::from(s.first_sect) * ss,
                        &mut buf[pos..pos + len],
                    )
                    .is_err()
                {
                    return BLKIF_RSP_ERROR;
                }
                pos += len;
            }
            match self.storage.write_at(offset, buf) {
                Ok(()) => BLKIF_RSP_OKAY,
                Err(_) => BLKIF_RSP_ERROR,
            }
        } else {
            if self.storage.read_at(offset, buf).is_err() {
                return BLKIF_RSP_ERROR;
            }
            let mut pos = 0;
            for s in segs {
                let len = (usize::from(s.last_sect - s.first_sect) + 1) * ss;
                if self
                    .grants
                    .copy_to(s.gref, usize::from(s.first_sect) * ss, &buf[pos..pos + len])
                    .is_err()
                {
                    return BLKIF_RSP_ERROR;
                }
                pos += len;
            }
            BLKIF_RSP_OKAY
        }
    }
}
