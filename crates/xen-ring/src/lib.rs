//! Xen's split-driver shared rings (`io/ring.h`), as typed front and back
//! halves over guest-shared frames.
//!
//! A ring is one or more contiguous frames: a 64-byte header holding four
//! free-running 32-bit indexes (`req_prod`, `req_event`, `rsp_prod`,
//! `rsp_event`), then a power-of-two number of slots, each large enough for a
//! request or a response (the C union). The frontend produces requests and
//! consumes responses; the backend does the opposite, writing each response
//! into the slot its request came from.
//!
//! Notification suppression works as in Xen: a producer publishes its index
//! and notifies only when the consumer's event index falls inside the batch
//! just published; a consumer that runs dry re-arms its event index and
//! checks once more before sleeping ([`FrontRing::final_check_for_responses`],
//! [`BackRing::final_check_for_requests`]).
//!
//! The backend treats the frontend as hostile: it reads `req_prod` once per
//! batch, refuses a producer index more than one ring ahead of what it has
//! answered ([`RingError::Overflow`]), and copies each request out of shared
//! memory before returning it, so a request cannot change after validation.
//!
//! Memory is reached through [`xen_mem::FrameMemory`]; entries may straddle
//! frame boundaries in multi-page rings and are split transparently.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod back;
mod front;
pub mod grant;
mod shared;

pub use back::BackRing;
pub use front::FrontRing;
pub use shared::{ring_entries, RingGeometry, SharedRing, RING_HEADER_SIZE};

/// A free-running ring index (`RING_IDX`): wraps at 2^32, compared by
/// wrapping subtraction.
pub type RingIdx = u32;

/// Why a ring operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RingError {
    /// Shared memory could not be accessed.
    #[error("ring memory: {0}")]
    Memory(#[from] xen_mem::MemError),
    /// No free slot: the peer has not consumed enough.
    #[error("ring full")]
    Full,
    /// The peer published a producer index that claims more unconsumed
    /// entries than the ring holds: it is broken or hostile.
    #[error("peer producer index {prod} is {ahead} entries ahead, ring holds {size}")]
    Overflow {
        /// The producer index read from shared memory.
        prod: RingIdx,
        /// How far it claims to be ahead of what we have consumed.
        ahead: u32,
        /// Number of slots in the ring.
        size: u32,
    },
    /// The ring's frames cannot hold the header and one slot of this size,
    /// or the frame list is empty.
    #[error("{frames} frame(s) cannot hold a ring of {entry_size}-byte slots")]
    BadGeometry {
        /// Number of frames given.
        frames: usize,
        /// Size of one slot.
        entry_size: usize,
    },
}
