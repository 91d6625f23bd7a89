//! Reservations (`memory.h`): growing, shrinking, populating and
//! exchanging a domain's memory, and the `XENMEMF_*` flag word.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::arch_x86::XenUlong;
use crate::{DomId, GuestHandle, XenPfn};

/// `XENMEMF_address_bits()` (`memory.h`): limit allocations to addresses
/// below 2^`bits` (0 = no limit); occupies bits 7:0.
pub const fn xenmemf_address_bits(bits: u32) -> u32 {
    bits
}

/// `XENMEMF_get_address_bits()` (`memory.h`).
pub const fn xenmemf_get_address_bits(flags: u32) -> u32 {
    flags & 0xff
}

/// `XENMEMF_node()` (`memory.h`): allocate from NUMA node `node` (stored
/// plus one in bits 15:8, so 0 means "any node").
pub const fn xenmemf_node(node: u32) -> u32 {
    (node + 1) << 8
}

/// `XENMEMF_get_node()` (`memory.h`): the node of a flag word; 0xff
/// (`(0 - 1) & 0xff`) when none was given.
pub const fn xenmemf_get_node(flags: u32) -> u32 {
    ((flags >> 8).wrapping_sub(1)) & 0xff
}

/// `XENMEMF_populate_on_demand` (`memory.h`): populate with PoD entries.
pub const XENMEMF_POPULATE_ON_DEMAND: u32 = 1 << 16;
/// `XENMEMF_exact_node_request` (`memory.h`): only the given node will do.
pub const XENMEMF_EXACT_NODE_REQUEST: u32 = 1 << 17;
/// `XENMEMF_vnode` (`memory.h`): the node is a virtual node of the guest.
pub const XENMEMF_VNODE: u32 = 1 << 18;

/// `XENMEMF_exact_node()` (`memory.h`): node `node` and nothing else.
pub const fn xenmemf_exact_node(node: u32) -> u32 {
    xenmemf_node(node) | XENMEMF_EXACT_NODE_REQUEST
}

bitflags! {
    /// The single-bit `XENMEMF_*` flags (`memory.h`); the address-bits and
    /// node fields are read with the `xenmemf_*` functions.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct XenmemFlags: u32 {
        /// `XENMEMF_populate_on_demand`.
        const POPULATE_ON_DEMAND = XENMEMF_POPULATE_ON_DEMAND;
        /// `XENMEMF_exact_node_request`.
        const EXACT_NODE_REQUEST = XENMEMF_EXACT_NODE_REQUEST;
        /// `XENMEMF_vnode`.
        const VNODE = XENMEMF_VNODE;
        /// The address-bits field (bits 7:0).
        const ADDRESS_BITS = 0xff;
        /// The node field (bits 15:8).
        const NODE = 0xff00;
    }
}

/// `struct xen_memory_reservation` (`memory.h`): argument of
/// `XENMEM_{increase,decrease}_reservation`, `XENMEM_populate_physmap`
/// and `XENMEM_claim_pages`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemoryReservation {
    /// Frame list: bases of the extents (in or out, depending on the op).
    pub extent_start: GuestHandle<XenPfn>,
    /// Number of extents.
    pub nr_extents: XenUlong,
    /// Each extent is 2^`extent_order` pages.
    pub extent_order: u32,
    /// `XENMEMF_*` flags.
    pub mem_flags: u32,
    /// Target domain (unprivileged callers: `DOMID_SELF`).
    pub domid: DomId,
    /// Padding; zero.
    pub _pad0: [u16; 3],
}

/// `struct xen_memory_exchange` (`memory.h`): argument of
/// `XENMEM_exchange`, trading extents for others of another size or
/// address range.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemoryExchange {
    /// Extents given up.
    pub in_: MemoryReservation,
    /// Extents wanted (same domain and total size).
    pub out: MemoryReservation,
    /// Input extents exchanged so far; must be 0 on the first call.
    pub nr_exchanged: XenUlong,
}

/// `struct xen_memory_domain` (`memory.h`): a domain id argument.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MemoryDomain {
    /// Domain queried.
    pub domid: DomId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(MemoryReservation, 32, {
            extent_start: 0, nr_extents: 8, extent_order: 16, mem_flags: 20, domid: 24, _pad0: 26,
        });
        assert_layout!(MemoryExchange, 72, {
            in_: 0, out: 32, out.domid: 56, nr_exchanged: 64,
        });
        assert_layout!(MemoryDomain, 2, { domid: 0 });
    }

    #[test]
    fn flag_encodings() {
        assert_eq!(xenmemf_address_bits(32), 32);
        assert_eq!(
            xenmemf_get_address_bits(xenmemf_address_bits(32) | xenmemf_node(3)),
            32
        );
        assert_eq!(xenmemf_node(0), 0x100);
        assert_eq!(xenmemf_get_node(xenmemf_node(5) | 31), 5);
        assert_eq!(xenmemf_get_node(0), 0xff);
        assert_eq!(xenmemf_exact_node(1), 0x2_0200);
        let f = XenmemFlags::from_bits_truncate(xenmemf_exact_node(1) | XENMEMF_VNODE);
        assert!(f.contains(XenmemFlags::EXACT_NODE_REQUEST | XenmemFlags::VNODE));
    }
}
