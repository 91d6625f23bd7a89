//! The shared-ring layout that `DEFINE_RING_TYPES` produces (`io/ring.h`).
//!
//! A ring page starts with [`SringHeader`] (64 bytes: four free-running
//! indexes, a 4-byte private area and 44 reserved bytes); slots follow, each
//! the size of the larger of the request and response types, their number the
//! largest power of two that fits ([`ring_entries`]). The typed front/back
//! logic lives in the `xen-ring` crate.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `RING_IDX` (`io/ring.h`): a free-running ring index.
pub type RingIdx = u32;

/// The header of every `<name>_sring` (`io/ring.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SringHeader {
    /// Frontend's request producer index.
    pub req_prod: RingIdx,
    /// Request index at which the backend wants a notification.
    pub req_event: RingIdx,
    /// Backend's response producer index.
    pub rsp_prod: RingIdx,
    /// Response index at which the frontend wants a notification.
    pub rsp_event: RingIdx,
    /// The `pvt` union (netif's `smartpoll_active`, …); zeroed at init.
    pub pvt: [u8; 4],
    /// `__pad`: reserved.
    pub pad: [u8; 44],
}

impl Default for SringHeader {
    /// The header as a frontend initialises it (`SHARED_RING_INIT`): indexes
    /// at 0, event indexes at 1, private and reserved bytes zero.
    fn default() -> Self {
        Self {
            req_prod: 0,
            req_event: 1,
            rsp_prod: 0,
            rsp_event: 1,
            pvt: [0; 4],
            pad: [0; 44],
        }
    }
}

/// Bytes before the first slot of a shared ring.
pub const SRING_HEADER_SIZE: usize = core::mem::size_of::<SringHeader>();

/// Number of slots of `entry_size` bytes in a ring of `ring_bytes` bytes
/// (`__CONST_RING_SIZE` / `__RING_SIZE`): the largest power of two that fits
/// after the header, or 0 when not even one fits.
pub const fn ring_entries(ring_bytes: usize, entry_size: usize) -> u32 {
    if entry_size == 0 || ring_bytes <= SRING_HEADER_SIZE {
        return 0;
    }
    let fit = (ring_bytes - SRING_HEADER_SIZE) / entry_size;
    if fit == 0 {
        return 0;
    }
    let log2 = usize::BITS - 1 - fit.leading_zeros();
    if log2 > 31 {
        1 << 31
    } else {
        1 << log2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        assert_layout!(SringHeader, 64, {
            req_prod: 0, req_event: 4, rsp_prod: 8, rsp_event: 12, pvt: 16, pad: 20,
        });
    }

    #[test]
    fn slot_counts() {
        assert_eq!(ring_entries(4096, 112), 32); // blkif
        assert_eq!(ring_entries(4096, 108), 32); // blkif, x86_32 ABI
        assert_eq!(ring_entries(4096, 12), 256); // netif tx
        assert_eq!(ring_entries(4096, 8), 256); // netif rx
        assert_eq!(ring_entries(8192, 112), 64);
        assert_eq!(ring_entries(4096 << 4, 112), 512);
        assert_eq!(ring_entries(64, 8), 0);
        assert_eq!(ring_entries(4096, 0), 0);
        assert_eq!(ring_entries(100, 4096), 0);
    }
}
