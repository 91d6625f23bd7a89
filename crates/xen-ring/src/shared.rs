//! The shared ring page(s): geometry, header indexes and slot access.

use alloc::vec::Vec;
use xen_mem::{FrameMemory, Mfn, PAGE_SIZE};
use zerocopy::{FromBytes, Immutable, IntoBytes};

use crate::{RingError, RingIdx};

/// Bytes before the first slot: the four indexes plus reserved space.
pub const RING_HEADER_SIZE: usize = 64;

const REQ_PROD: usize = 0;
const REQ_EVENT: usize = 4;
const RSP_PROD: usize = 8;
const RSP_EVENT: usize = 12;

/// Number of slots of `entry_size` bytes a ring of `ring_bytes` holds: the
/// largest power of two that fits after the header (`__RING_SIZE`).
pub fn ring_entries(ring_bytes: usize, entry_size: usize) -> u32 {
    if entry_size == 0 || ring_bytes <= RING_HEADER_SIZE {
        return 0;
    }
    let fit = (ring_bytes - RING_HEADER_SIZE) / entry_size;
    if fit == 0 {
        0
    } else {
        // Largest power of two <= fit; rings never exceed 2^31 slots.
        1u32 << (usize::BITS - 1 - fit.leading_zeros()).min(31)
    }
}

/// Slot count and size of a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingGeometry {
    /// Number of slots (a power of two).
    pub entries: u32,
    /// Bytes per slot: the larger of the request and response sizes.
    pub entry_size: usize,
}

impl RingGeometry {
    /// Geometry of a ring of `frames` pages for these request/response types.
    pub fn new<Req, Rsp>(frames: usize) -> Result<Self, RingError> {
        let entry_size = core::mem::size_of::<Req>().max(core::mem::size_of::<Rsp>());
        let entries = ring_entries(frames.saturating_mul(PAGE_SIZE), entry_size);
        if entries == 0 {
            return Err(RingError::BadGeometry { frames, entry_size });
        }
        Ok(Self {
            entries,
            entry_size,
        })
    }
}

/// A ring living in shared frames, addressed through `M`.
pub struct SharedRing<'m, M> {
    mem: &'m M,
    frames: Vec<Mfn>,
    geometry: RingGeometry,
}

impl<'m, M: FrameMemory> SharedRing<'m, M> {
    /// A ring over `frames` (in ring order) with slots for `Req` and `Rsp`.
    pub fn new<Req, Rsp>(mem: &'m M, frames: &[Mfn]) -> Result<Self, RingError> {
        let geometry = RingGeometry::new::<Req, Rsp>(frames.len())?;
        Ok(Self {
            mem,
            frames: frames.to_vec(),
            geometry,
        })
    }

    /// The ring's geometry.
    pub fn geometry(&self) -> RingGeometry {
        self.geometry
    }

    /// Resets the header as a frontend does before advertising the ring:
    /// all indexes at `start`, both event indexes one past it, reserved
    /// bytes zeroed.
    pub fn init(&self, start: RingIdx) -> Result<(), RingError> {
        let f = self.frames[0];
        self.mem.fill(f, 0, RING_HEADER_SIZE, 0)?;
        self.mem.store::<u32>(f, REQ_PROD, start)?;
        self.mem.store::<u32>(f, RSP_PROD, start)?;
        self.mem.store::<u32>(f, REQ_EVENT, start.wrapping_add(1))?;
        self.mem.store::<u32>(f, RSP_EVENT, start.wrapping_add(1))?;
        Ok(())
    }

    fn index(&self, offset: usize) -> Result<RingIdx, RingError> {
        Ok(self.mem.load::<u32>(self.frames[0], offset)?)
    }

    fn set_index(&self, offset: usize, v: RingIdx) -> Result<(), RingError> {
        Ok(self.mem.store::<u32>(self.frames[0], offset, v)?)
    }

    pub(crate) fn req_prod(&self) -> Result<RingIdx, RingError> {
        self.index(REQ_PROD)
    }
    pub(crate) fn set_req_prod(&self, v: RingIdx) -> Result<(), RingError> {
        self.set_index(REQ_PROD, v)
    }
    pub(crate) fn req_event(&self) -> Result<RingIdx, RingError> {
        self.index(REQ_EVENT)
    }
    pub(crate) fn set_req_event(&self, v: RingIdx) -> Result<(), RingError> {
        self.set_index(REQ_EVENT, v)
    }
    pub(crate) fn rsp_prod(&self) -> Result<RingIdx, RingError> {
        self.index(RSP_PROD)
    }
    pub(crate) fn set_rsp_prod(&self, v: RingIdx) -> Result<(), RingError> {
        self.set_index(RSP_PROD, v)
    }
    pub(crate) fn rsp_event(&self) -> Result<RingIdx, RingError> {
        self.index(RSP_EVENT)
    }
    pub(crate) fn set_rsp_event(&self, v: RingIdx) -> Result<(), RingError> {
        self.set_index(RSP_EVENT, v)
    }

    /// Byte position of slot `idx` (masked to the ring size).
    fn slot_pos(&self, idx: RingIdx) -> usize {
        let slot = (idx & (self.geometry.entries - 1)) as usize;
        RING_HEADER_SIZE + slot * self.geometry.entry_size
    }

    /// Calls `f(frame, offset_in_frame, range_in_value)` for each piece of
    /// the `len` bytes starting at ring byte `pos` (pieces split at frames).
    fn for_pieces(
        &self,
        pos: usize,
        len: usize,
        mut f: impl FnMut(Mfn, usize, core::ops::Range<usize>) -> Result<(), RingError>,
    ) -> Result<(), RingError> {
        let mut done = 0;
        while done < len {
            let at = pos + done;
            let off = at % PAGE_SIZE;
            let n = (len - done).min(PAGE_SIZE - off);
            f(self.frames[at / PAGE_SIZE], off, done..done + n)?;
            done += n;
        }
        Ok(())
    }

    /// Copies slot `idx` out of shared memory as a `T`.
    pub(crate) fn read_slot<T: FromBytes + IntoBytes>(&self, idx: RingIdx) -> Result<T, RingError> {
        let mut value = T::new_zeroed();
        let bytes = value.as_mut_bytes();
        let len = bytes.len();
        self.for_pieces(self.slot_pos(idx), len, |mfn, off, r| {
            Ok(self.mem.read(mfn, off, &mut bytes[r])?)
        })?;
        Ok(value)
    }

    /// Copies `value` into slot `idx`.
    pub(crate) fn write_slot<T: IntoBytes + Immutable>(
        &self,
        idx: RingIdx,
        value: &T,
    ) -> Result<(), RingError> {
        let bytes = value.as_bytes();
        self.for_pieces(self.slot_pos(idx), bytes.len(), |mfn, off, r| {
            Ok(self.mem.write(mfn, off, &bytes[r])?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_match_io_ring_h_rounding() {
        // One 4 KiB page: blkif slots are 112 bytes -> 36 fit -> 32.
        assert_eq!(ring_entries(4096, 112), 32);
        // netif tx/rx slots are 12/8 bytes -> 256.
        assert_eq!(ring_entries(4096, 12), 256);
        assert_eq!(ring_entries(4096, 8), 256);
        // Two pages of blkif -> 72 fit -> 64.
        assert_eq!(ring_entries(8192, 112), 64);
        assert_eq!(ring_entries(64, 8), 0);
        assert_eq!(ring_entries(4096, 0), 0);
        assert_eq!(ring_entries(4096, 5000), 0);
    }
}
