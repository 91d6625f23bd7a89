//! The PV network device protocol (`io/netif.h`): transmit and receive
//! ring entries, extra-info slots (GSO, multicast, hash), flags and status
//! codes, and the control ring.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::GrantRef;

/// `XEN_NETIF_NR_SLOTS_MIN` (`io/netif.h`): slots a backend must accept per packet.
pub const XEN_NETIF_NR_SLOTS_MIN: u32 = 18;
/// `XEN_NETIF_MAX_TX_SIZE` (`io/netif.h`): largest packet on the TX ring.
pub const XEN_NETIF_MAX_TX_SIZE: u32 = 0xFFFF;

bitflags! {
    /// `NETTXF_*` (`io/netif.h`): flags of a [`NetifTxRequest`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct NetTxFlags: u16 {
        /// `NETTXF_csum_blank`: checksum still to be computed.
        const CSUM_BLANK = 1 << 0;
        /// `NETTXF_data_validated`: checksum already validated.
        const DATA_VALIDATED = 1 << 1;
        /// `NETTXF_more_data`: the packet continues in the next request.
        const MORE_DATA = 1 << 2;
        /// `NETTXF_extra_info`: an extra-info slot follows.
        const EXTRA_INFO = 1 << 3;
    }
}

bitflags! {
    /// `NETRXF_*` (`io/netif.h`): flags of a [`NetifRxResponse`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct NetRxFlags: u16 {
        /// `NETRXF_data_validated`: checksum validated.
        const DATA_VALIDATED = 1 << 0;
        /// `NETRXF_csum_blank`: checksum not yet computed.
        const CSUM_BLANK = 1 << 1;
        /// `NETRXF_more_data`: the packet continues in the next response.
        const MORE_DATA = 1 << 2;
        /// `NETRXF_extra_info`: an extra-info slot follows.
        const EXTRA_INFO = 1 << 3;
        /// `NETRXF_gso_prefix`: a GSO prefix descriptor precedes the data.
        const GSO_PREFIX = 1 << 4;
    }
}

/// `XEN_NETIF_EXTRA_TYPE_NONE` (`io/netif.h`): never valid.
pub const XEN_NETIF_EXTRA_TYPE_NONE: u8 = 0;
/// `XEN_NETIF_EXTRA_TYPE_GSO` (`io/netif.h`).
pub const XEN_NETIF_EXTRA_TYPE_GSO: u8 = 1;
/// `XEN_NETIF_EXTRA_TYPE_MCAST_ADD` (`io/netif.h`).
pub const XEN_NETIF_EXTRA_TYPE_MCAST_ADD: u8 = 2;
/// `XEN_NETIF_EXTRA_TYPE_MCAST_DEL` (`io/netif.h`).
pub const XEN_NETIF_EXTRA_TYPE_MCAST_DEL: u8 = 3;
/// `XEN_NETIF_EXTRA_TYPE_HASH` (`io/netif.h`).
pub const XEN_NETIF_EXTRA_TYPE_HASH: u8 = 4;
/// `XEN_NETIF_EXTRA_TYPE_MAX` (`io/netif.h`).
pub const XEN_NETIF_EXTRA_TYPE_MAX: u8 = 5;
/// `XEN_NETIF_EXTRA_FLAG_MORE` (`io/netif.h`): another extra-info slot follows.
pub const XEN_NETIF_EXTRA_FLAG_MORE: u8 = 1;

/// `XEN_NETIF_GSO_TYPE_NONE` (`io/netif.h`).
pub const XEN_NETIF_GSO_TYPE_NONE: u8 = 0;
/// `XEN_NETIF_GSO_TYPE_TCPV4` (`io/netif.h`).
pub const XEN_NETIF_GSO_TYPE_TCPV4: u8 = 1;
/// `XEN_NETIF_GSO_TYPE_TCPV6` (`io/netif.h`).
pub const XEN_NETIF_GSO_TYPE_TCPV6: u8 = 2;

/// `NETIF_RSP_DROPPED` (`io/netif.h`).
pub const NETIF_RSP_DROPPED: i16 = -2;
/// `NETIF_RSP_ERROR` (`io/netif.h`).
pub const NETIF_RSP_ERROR: i16 = -1;
/// `NETIF_RSP_OKAY` (`io/netif.h`).
pub const NETIF_RSP_OKAY: i16 = 0;
/// `NETIF_RSP_NULL` (`io/netif.h`): a response to an extra-info slot.
pub const NETIF_RSP_NULL: i16 = 1;

/// `struct netif_tx_request` (`io/netif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct NetifTxRequest {
    /// Grant of the page holding the data.
    pub gref: GrantRef,
    /// Offset of the data in the page.
    pub offset: u16,
    /// `NETTXF_*`.
    pub flags: u16,
    /// Echoed in the response.
    pub id: u16,
    /// Packet size (first slot) or this fragment's size.
    pub size: u16,
}

/// `struct netif_tx_response` (`io/netif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct NetifTxResponse {
    /// The request's id.
    pub id: u16,
    /// `NETIF_RSP_*`.
    pub status: i16,
}

/// `struct netif_rx_request` (`io/netif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct NetifRxRequest {
    /// Echoed in the response.
    pub id: u16,
    /// Padding; zero.
    pub pad: u16,
    /// Grant of the page to receive into.
    pub gref: GrantRef,
}

/// `struct netif_rx_response` (`io/netif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct NetifRxResponse {
    /// The request's id.
    pub id: u16,
    /// Offset of the data in the page.
    pub offset: u16,
    /// `NETRXF_*`.
    pub flags: u16,
    /// Bytes received (≥ 0) or `NETIF_RSP_*` (< 0).
    pub status: i16,
}

/// `struct netif_extra_info` (`io/netif.h`): an extra-info slot. The C union
/// `u` is kept as its 6 bytes; [`gso`](Self::gso), [`mcast_addr`](Self::mcast_addr)
/// and [`hash`](Self::hash) read its arms.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct NetifExtraInfo {
    /// `XEN_NETIF_EXTRA_TYPE_*`.
    pub type_: u8,
    /// `XEN_NETIF_EXTRA_FLAG_*`.
    pub flags: u8,
    /// The union, as bytes (2-byte aligned in C: `pad[3]` is `uint16_t`).
    pub u: [u16; 3],
}

/// The `gso` arm of [`NetifExtraInfo`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetifGso {
    /// Maximum segment size.
    pub size: u16,
    /// `XEN_NETIF_GSO_TYPE_*`.
    pub type_: u8,
    /// Reserved.
    pub pad: u8,
    /// Reserved feature bits.
    pub features: u16,
}

impl NetifExtraInfo {
    fn bytes(&self) -> [u8; 6] {
        let mut b = [0u8; 6];
        b.copy_from_slice(self.u.as_bytes());
        b
    }

    fn with_bytes(type_: u8, flags: u8, b: [u8; 6]) -> Self {
        let mut u = [0u16; 3];
        u.as_mut_bytes().copy_from_slice(&b);
        Self { type_, flags, u }
    }

    /// The `gso` arm.
    pub fn gso(&self) -> NetifGso {
        let b = self.bytes();
        NetifGso {
            size: u16::from_le_bytes([b[0], b[1]]),
            type_: b[2],
            pad: b[3],
            features: u16::from_le_bytes([b[4], b[5]]),
        }
    }

    /// A GSO extra-info slot.
    pub fn new_gso(flags: u8, gso: NetifGso) -> Self {
        let s = gso.size.to_le_bytes();
        let f = gso.features.to_le_bytes();
        Self::with_bytes(
            XEN_NETIF_EXTRA_TYPE_GSO,
            flags,
            [s[0], s[1], gso.type_, gso.pad, f[0], f[1]],
        )
    }

    /// The `mcast` arm: a MAC address.
    pub fn mcast_addr(&self) -> [u8; 6] {
        self.bytes()
    }

    /// The `hash` arm: `(type, algorithm, value)`.
    pub fn hash(&self) -> (u8, u8, [u8; 4]) {
        let b = self.bytes();
        (b[0], b[1], [b[2], b[3], b[4], b[5]])
    }
}

/// `struct xen_netif_ctrl_request` (`io/netif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct NetifCtrlRequest {
    /// Echoed in the response.
    pub id: u16,
    /// `XEN_NETIF_CTRL_TYPE_*`.
    pub type_: u16,
    /// Type-specific arguments.
    pub data: [u32; 3],
}

/// `struct xen_netif_ctrl_response` (`io/netif.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct NetifCtrlResponse {
    /// The request's id.
    pub id: u16,
    /// The request's type.
    pub type_: u16,
    /// `XEN_NETIF_CTRL_STATUS_*`.
    pub status: u32,
    /// Type-specific result.
    pub data: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(NetifTxRequest, 12, { gref: 0, offset: 4, flags: 6, id: 8, size: 10 });
        assert_layout!(NetifTxResponse, 4, { id: 0, status: 2 });
        assert_layout!(NetifRxRequest, 8, { id: 0, pad: 2, gref: 4 });
        assert_layout!(NetifRxResponse, 8, { id: 0, offset: 2, flags: 4, status: 6 });
        assert_layout!(NetifExtraInfo, 8, { type_: 0, flags: 1, u: 2 });
        assert_layout!(NetifCtrlRequest, 16, { id: 0, type_: 2, data: 4 });
        assert_layout!(NetifCtrlResponse, 12, { id: 0, type_: 2, status: 4, data: 8 });
    }

    #[test]
    fn extra_info_arms() {
        let gso = NetifGso {
            size: 1448,
            type_: XEN_NETIF_GSO_TYPE_TCPV4,
            pad: 0,
            features: 0,
        };
        let e = NetifExtraInfo::new_gso(XEN_NETIF_EXTRA_FLAG_MORE, gso);
        assert_eq!(e.gso(), gso);
        assert_eq!(&e.as_bytes()[..4], &[1, 1, 0xa8, 0x05]);
        assert_eq!(e.hash().0, 0xa8);
        assert_eq!(e.mcast_addr()[2], XEN_NETIF_GSO_TYPE_TCPV4);
    }

    #[test]
    fn flag_bits() {
        assert_eq!(NetTxFlags::EXTRA_INFO.bits(), 8);
        assert_eq!(NetRxFlags::GSO_PREFIX.bits(), 16);
    }
}
