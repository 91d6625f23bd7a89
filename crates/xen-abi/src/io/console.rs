//! The PV console ring page (`io/console.h`, Xen 4.17 layout).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `XENCONS_RING_IDX` (`io/console.h`): a free-running ring index.
pub type XenconsRingIdx = u32;

/// Size of the input ring (backend → guest).
pub const XENCONS_IN_SIZE: usize = 1024;
/// Size of the output ring (guest → backend).
pub const XENCONS_OUT_SIZE: usize = 2048;

/// `struct xencons_interface` (`io/console.h`): the page a guest shares with
/// the console backend.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct XenconsInterface {
    /// Input bytes for the guest.
    pub in_: [u8; XENCONS_IN_SIZE],
    /// Output bytes from the guest.
    pub out: [u8; XENCONS_OUT_SIZE],
    /// Guest's consumer index into `in_`.
    pub in_cons: XenconsRingIdx,
    /// Backend's producer index into `in_`.
    pub in_prod: XenconsRingIdx,
    /// Backend's consumer index into `out`.
    pub out_cons: XenconsRingIdx,
    /// Guest's producer index into `out`.
    pub out_prod: XenconsRingIdx,
}

impl Default for XenconsInterface {
    fn default() -> Self {
        zerocopy::FromZeros::new_zeroed()
    }
}

/// Byte offset of `in_cons` in the page.
pub const XENCONS_IN_CONS_OFFSET: usize = 3072;
/// Byte offset of `in_prod` in the page.
pub const XENCONS_IN_PROD_OFFSET: usize = 3076;
/// Byte offset of `out_cons` in the page.
pub const XENCONS_OUT_CONS_OFFSET: usize = 3080;
/// Byte offset of `out_prod` in the page.
pub const XENCONS_OUT_PROD_OFFSET: usize = 3084;

/// `MASK_XENCONS_IDX` (`io/console.h`): offset of `idx` in a ring of `ring_size` bytes.
pub const fn mask_xencons_idx(idx: XenconsRingIdx, ring_size: usize) -> usize {
    idx as usize & (ring_size - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        assert_layout!(XenconsInterface, 3088, {
            in_: 0, out: 1024, in_cons: 3072, in_prod: 3076, out_cons: 3080, out_prod: 3084,
        });
        assert_eq!(
            core::mem::offset_of!(XenconsInterface, out_prod),
            XENCONS_OUT_PROD_OFFSET
        );
    }

    #[test]
    fn masks() {
        assert_eq!(mask_xencons_idx(2049, XENCONS_OUT_SIZE), 1);
        assert_eq!(mask_xencons_idx(1023, XENCONS_IN_SIZE), 1023);
    }
}
