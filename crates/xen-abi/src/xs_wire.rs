//! The XenStore wire protocol (`io/xs_wire.h`): the message header, message
//! types, error names and the shared ring page a domain uses to reach the
//! daemon.
//!
//! Every message is a 16-byte little-endian [`XsdSockmsg`] header followed by
//! `len` payload bytes (at most [`XENSTORE_PAYLOAD_MAX`]), on a Unix socket or
//! through the two 1 KiB byte rings of [`XenstoreDomainInterface`].
//!
//! Message types 23–26 (`GET/SET_FEATURE`, `GET/SET_QUOTA`) come from newer
//! Xen than 4.17 and are not in its header; they are marked as such.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `XS_CONTROL` (`xs_wire.h`): daemon control commands (alias `XS_DEBUG`).
pub const XS_CONTROL: u32 = 0;
/// `XS_DEBUG` (`xs_wire.h`): the old name of [`XS_CONTROL`].
pub const XS_DEBUG: u32 = XS_CONTROL;
/// `XS_DIRECTORY` (`xs_wire.h`): list a node's children.
pub const XS_DIRECTORY: u32 = 1;
/// `XS_READ` (`xs_wire.h`): read a node's value.
pub const XS_READ: u32 = 2;
/// `XS_GET_PERMS` (`xs_wire.h`): read a node's permissions.
pub const XS_GET_PERMS: u32 = 3;
/// `XS_WATCH` (`xs_wire.h`): register a watch.
pub const XS_WATCH: u32 = 4;
/// `XS_UNWATCH` (`xs_wire.h`): remove a watch.
pub const XS_UNWATCH: u32 = 5;
/// `XS_TRANSACTION_START` (`xs_wire.h`): open a transaction.
pub const XS_TRANSACTION_START: u32 = 6;
/// `XS_TRANSACTION_END` (`xs_wire.h`): commit (`T`) or abort (`F`) a transaction.
pub const XS_TRANSACTION_END: u32 = 7;
/// `XS_INTRODUCE` (`xs_wire.h`): tell the daemon about a new domain's ring.
pub const XS_INTRODUCE: u32 = 8;
/// `XS_RELEASE` (`xs_wire.h`): forget a domain.
pub const XS_RELEASE: u32 = 9;
/// `XS_GET_DOMAIN_PATH` (`xs_wire.h`): `/local/domain/<domid>`.
pub const XS_GET_DOMAIN_PATH: u32 = 10;
/// `XS_WRITE` (`xs_wire.h`): write a node's value.
pub const XS_WRITE: u32 = 11;
/// `XS_MKDIR` (`xs_wire.h`): create a node (and missing parents).
pub const XS_MKDIR: u32 = 12;
/// `XS_RM` (`xs_wire.h`): remove a subtree.
pub const XS_RM: u32 = 13;
/// `XS_SET_PERMS` (`xs_wire.h`): set a node's permissions.
pub const XS_SET_PERMS: u32 = 14;
/// `XS_WATCH_EVENT` (`xs_wire.h`): asynchronous watch notification.
pub const XS_WATCH_EVENT: u32 = 15;
/// `XS_ERROR` (`xs_wire.h`): error reply carrying an error name.
pub const XS_ERROR: u32 = 16;
/// `XS_IS_DOMAIN_INTRODUCED` (`xs_wire.h`): `T` or `F`.
pub const XS_IS_DOMAIN_INTRODUCED: u32 = 17;
/// `XS_RESUME` (`xs_wire.h`): clear a domain's shutdown flag.
pub const XS_RESUME: u32 = 18;
/// `XS_SET_TARGET` (`xs_wire.h`): give a domain privileges over another.
pub const XS_SET_TARGET: u32 = 19;
/// Number 20 was `XS_RESTRICT`, removed from Xen; it is now invalid.
pub const XS_RESTRICT_REMOVED: u32 = 20;
/// `XS_RESET_WATCHES` (`xs_wire.h`): drop all of the caller's watches.
pub const XS_RESET_WATCHES: u32 = 21;
/// `XS_DIRECTORY_PART` (`xs_wire.h`): list children in chunks.
pub const XS_DIRECTORY_PART: u32 = 22;
/// `XS_TYPE_COUNT` (`xs_wire.h`, Xen 4.17): number of valid types.
pub const XS_TYPE_COUNT: u32 = 23;
/// `XS_GET_FEATURE` (newer Xen, not in 4.17's header): read a domain's feature bits.
pub const XS_GET_FEATURE: u32 = 23;
/// `XS_SET_FEATURE` (newer Xen): set a domain's feature bits.
pub const XS_SET_FEATURE: u32 = 24;
/// `XS_GET_QUOTA` (newer Xen): read a quota.
pub const XS_GET_QUOTA: u32 = 25;
/// `XS_SET_QUOTA` (newer Xen): set a quota.
pub const XS_SET_QUOTA: u32 = 26;
/// `XS_INVALID` (`xs_wire.h`): guaranteed never to be a valid type.
pub const XS_INVALID: u32 = 0xffff;

/// `enum xsd_sockmsg_type` (`xs_wire.h`) as a Rust enum, including the
/// newer-Xen feature and quota types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[allow(missing_docs)] // Each variant is the message type of the same name above.
pub enum XsdSockmsgType {
    Control = XS_CONTROL,
    Directory = XS_DIRECTORY,
    Read = XS_READ,
    GetPerms = XS_GET_PERMS,
    Watch = XS_WATCH,
    Unwatch = XS_UNWATCH,
    TransactionStart = XS_TRANSACTION_START,
    TransactionEnd = XS_TRANSACTION_END,
    Introduce = XS_INTRODUCE,
    Release = XS_RELEASE,
    GetDomainPath = XS_GET_DOMAIN_PATH,
    Write = XS_WRITE,
    Mkdir = XS_MKDIR,
    Rm = XS_RM,
    SetPerms = XS_SET_PERMS,
    WatchEvent = XS_WATCH_EVENT,
    Error = XS_ERROR,
    IsDomainIntroduced = XS_IS_DOMAIN_INTRODUCED,
    Resume = XS_RESUME,
    SetTarget = XS_SET_TARGET,
    ResetWatches = XS_RESET_WATCHES,
    DirectoryPart = XS_DIRECTORY_PART,
    GetFeature = XS_GET_FEATURE,
    SetFeature = XS_SET_FEATURE,
    GetQuota = XS_GET_QUOTA,
    SetQuota = XS_SET_QUOTA,
}

impl XsdSockmsgType {
    /// Every type, in numeric order.
    pub const ALL: [Self; 26] = [
        Self::Control,
        Self::Directory,
        Self::Read,
        Self::GetPerms,
        Self::Watch,
        Self::Unwatch,
        Self::TransactionStart,
        Self::TransactionEnd,
        Self::Introduce,
        Self::Release,
        Self::GetDomainPath,
        Self::Write,
        Self::Mkdir,
        Self::Rm,
        Self::SetPerms,
        Self::WatchEvent,
        Self::Error,
        Self::IsDomainIntroduced,
        Self::Resume,
        Self::SetTarget,
        Self::ResetWatches,
        Self::DirectoryPart,
        Self::GetFeature,
        Self::SetFeature,
        Self::GetQuota,
        Self::SetQuota,
    ];

    /// The name used in logs and by `xenstore-control` (`"READ"`, `"WATCH_EVENT"`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Control => "CONTROL",
            Self::Directory => "DIRECTORY",
            Self::Read => "READ",
            Self::GetPerms => "GET_PERMS",
            Self::Watch => "WATCH",
            Self::Unwatch => "UNWATCH",
            Self::TransactionStart => "TRANSACTION_START",
            Self::TransactionEnd => "TRANSACTION_END",
            Self::Introduce => "INTRODUCE",
            Self::Release => "RELEASE",
            Self::GetDomainPath => "GET_DOMAIN_PATH",
            Self::Write => "WRITE",
            Self::Mkdir => "MKDIR",
            Self::Rm => "RM",
            Self::SetPerms => "SET_PERMS",
            Self::WatchEvent => "WATCH_EVENT",
            Self::Error => "ERROR",
            Self::IsDomainIntroduced => "IS_DOMAIN_INTRODUCED",
            Self::Resume => "RESUME",
            Self::SetTarget => "SET_TARGET",
            Self::ResetWatches => "RESET_WATCHES",
            Self::DirectoryPart => "DIRECTORY_PART",
            Self::GetFeature => "GET_FEATURE",
            Self::SetFeature => "SET_FEATURE",
            Self::GetQuota => "GET_QUOTA",
            Self::SetQuota => "SET_QUOTA",
        }
    }

    /// Whether Xen 4.17's header defines this type (the feature and quota
    /// types came later).
    pub const fn in_xen_4_17(self) -> bool {
        (self as u32) < XS_TYPE_COUNT
    }
}

impl TryFrom<u32> for XsdSockmsgType {
    type Error = u32;

    /// Decodes a wire type; unknown numbers (20, ≥ 27, `XS_INVALID`) come back as `Err`.
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.iter().copied().find(|t| *t as u32 == v).ok_or(v)
    }
}

/// `XS_WRITE_NONE` (`xs_wire.h`): legacy write flag string.
pub const XS_WRITE_NONE: &str = "NONE";
/// `XS_WRITE_CREATE` (`xs_wire.h`): legacy write flag string.
pub const XS_WRITE_CREATE: &str = "CREATE";
/// `XS_WRITE_CREATE_EXCL` (`xs_wire.h`): legacy write flag string.
pub const XS_WRITE_CREATE_EXCL: &str = "CREATE|EXCL";

/// One entry of `xsd_errors` (`xs_wire.h`): an error's wire name and its
/// (Linux) errno value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XsdError {
    /// The errno value the C table holds (Linux numbering).
    pub errnum: i32,
    /// The name sent in an `XS_ERROR` reply (without the trailing NUL).
    pub name: &'static str,
}

/// The `xsd_errors` table (`xs_wire.h`), in header order. Replies carry the
/// name; clients map it back to the number. The first entry, `EINVAL`, is
/// what clients assume for names they do not know.
pub const XSD_ERRORS: [XsdError; 16] = [
    XsdError {
        errnum: 22,
        name: "EINVAL",
    },
    XsdError {
        errnum: 13,
        name: "EACCES",
    },
    XsdError {
        errnum: 17,
        name: "EEXIST",
    },
    XsdError {
        errnum: 21,
        name: "EISDIR",
    },
    XsdError {
        errnum: 2,
        name: "ENOENT",
    },
    XsdError {
        errnum: 12,
        name: "ENOMEM",
    },
    XsdError {
        errnum: 28,
        name: "ENOSPC",
    },
    XsdError {
        errnum: 5,
        name: "EIO",
    },
    XsdError {
        errnum: 39,
        name: "ENOTEMPTY",
    },
    XsdError {
        errnum: 38,
        name: "ENOSYS",
    },
    XsdError {
        errnum: 30,
        name: "EROFS",
    },
    XsdError {
        errnum: 16,
        name: "EBUSY",
    },
    XsdError {
        errnum: 11,
        name: "EAGAIN",
    },
    XsdError {
        errnum: 106,
        name: "EISCONN",
    },
    XsdError {
        errnum: 7,
        name: "E2BIG",
    },
    XsdError {
        errnum: 1,
        name: "EPERM",
    },
];

/// Looks up an error by its wire name.
pub fn xsd_error_by_name(name: &str) -> Option<XsdError> {
    XSD_ERRORS.iter().copied().find(|e| e.name == name)
}

/// Looks up an error by errno value.
pub fn xsd_error_by_errno(errnum: i32) -> Option<XsdError> {
    XSD_ERRORS.iter().copied().find(|e| e.errnum == errnum)
}

/// `struct xsd_sockmsg` (`xs_wire.h`): the header of every message.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct XsdSockmsg {
    /// Message type (`XS_*`).
    pub type_: u32,
    /// Request id, echoed in the reply.
    pub req_id: u32,
    /// Transaction id, 0 outside transactions.
    pub tx_id: u32,
    /// Length of the payload that follows.
    pub len: u32,
}

impl XsdSockmsg {
    /// Size of the encoded header.
    pub const SIZE: usize = 16;

    /// Encodes the header as it travels (little-endian on x86).
    pub fn to_wire(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[0..4].copy_from_slice(&self.type_.to_le_bytes());
        b[4..8].copy_from_slice(&self.req_id.to_le_bytes());
        b[8..12].copy_from_slice(&self.tx_id.to_le_bytes());
        b[12..16].copy_from_slice(&self.len.to_le_bytes());
        b
    }

    /// Decodes a header; `None` when fewer than 16 bytes are given. The
    /// fields are not validated here (see [`XENSTORE_PAYLOAD_MAX`] and
    /// [`XsdSockmsgType`]).
    pub fn from_wire(b: &[u8]) -> Option<Self> {
        let word = |i: usize| Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?));
        Some(Self {
            type_: word(0)?,
            req_id: word(4)?,
            tx_id: word(8)?,
            len: word(12)?,
        })
    }
}

/// `XS_WATCH_PATH` (`xs_wire.h`): index of the path in a watch event's payload.
pub const XS_WATCH_PATH: u32 = 0;
/// `XS_WATCH_TOKEN` (`xs_wire.h`): index of the token in a watch event's payload.
pub const XS_WATCH_TOKEN: u32 = 1;

/// `XENSTORE_RING_SIZE` (`xs_wire.h`): bytes in each direction's ring.
pub const XENSTORE_RING_SIZE: usize = 1024;

/// `XENSTORE_RING_IDX` (`xs_wire.h`): a free-running ring index.
pub type XenstoreRingIdx = u32;

/// `MASK_XENSTORE_IDX` (`xs_wire.h`): the ring offset of a free-running index.
pub const fn mask_xenstore_idx(idx: XenstoreRingIdx) -> usize {
    idx as usize & (XENSTORE_RING_SIZE - 1)
}

/// `struct xenstore_domain_interface` (`xs_wire.h`, Xen 4.17): the page a
/// domain shares with the XenStore daemon.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct XenstoreDomainInterface {
    /// Requests from the domain to the daemon.
    pub req: [u8; XENSTORE_RING_SIZE],
    /// Replies and watch events from the daemon.
    pub rsp: [u8; XENSTORE_RING_SIZE],
    /// Daemon's consumer index into `req`.
    pub req_cons: XenstoreRingIdx,
    /// Domain's producer index into `req`.
    pub req_prod: XenstoreRingIdx,
    /// Domain's consumer index into `rsp`.
    pub rsp_cons: XenstoreRingIdx,
    /// Daemon's producer index into `rsp`.
    pub rsp_prod: XenstoreRingIdx,
    /// Features the daemon supports (`XENSTORE_SERVER_FEATURE_*`).
    pub server_features: u32,
    /// Connection state (`XENSTORE_CONNECTED` / `XENSTORE_RECONNECT`).
    pub connection: u32,
    /// Error the daemon reports (`XENSTORE_ERROR_*`).
    pub error: u32,
}

impl Default for XenstoreDomainInterface {
    fn default() -> Self {
        zerocopy::FromZeros::new_zeroed()
    }
}

/// Byte offset of `req_cons` in the interface page.
pub const XENSTORE_REQ_CONS_OFFSET: usize = 2048;
/// Byte offset of `req_prod` in the interface page.
pub const XENSTORE_REQ_PROD_OFFSET: usize = 2052;
/// Byte offset of `rsp_cons` in the interface page.
pub const XENSTORE_RSP_CONS_OFFSET: usize = 2056;
/// Byte offset of `rsp_prod` in the interface page.
pub const XENSTORE_RSP_PROD_OFFSET: usize = 2060;
/// Byte offset of `server_features` in the interface page.
pub const XENSTORE_SERVER_FEATURES_OFFSET: usize = 2064;
/// Byte offset of `connection` in the interface page.
pub const XENSTORE_CONNECTION_OFFSET: usize = 2068;
/// Byte offset of `error` in the interface page.
pub const XENSTORE_ERROR_OFFSET: usize = 2072;

/// `XENSTORE_PAYLOAD_MAX` (`xs_wire.h`): largest payload of one message.
pub const XENSTORE_PAYLOAD_MAX: usize = 4096;
/// `XENSTORE_ABS_PATH_MAX` (`xs_wire.h`): longest absolute path.
pub const XENSTORE_ABS_PATH_MAX: usize = 3072;
/// `XENSTORE_REL_PATH_MAX` (`xs_wire.h`): longest relative path.
pub const XENSTORE_REL_PATH_MAX: usize = 2048;

/// `XENSTORE_SERVER_FEATURE_RECONNECTION` (`xs_wire.h`): the daemon supports
/// the reconnection protocol on the ring page.
pub const XENSTORE_SERVER_FEATURE_RECONNECTION: u32 = 1;
/// `XENSTORE_SERVER_FEATURE_ERROR` (`xs_wire.h`): the daemon reports ring errors in `error`.
pub const XENSTORE_SERVER_FEATURE_ERROR: u32 = 2;
/// `XENSTORE_CONNECTED` (`xs_wire.h`): steady state.
pub const XENSTORE_CONNECTED: u32 = 0;
/// `XENSTORE_RECONNECT` (`xs_wire.h`): a reconnection is in progress.
pub const XENSTORE_RECONNECT: u32 = 1;
/// `XENSTORE_ERROR_NONE` (`xs_wire.h`): no error.
pub const XENSTORE_ERROR_NONE: u32 = 0;
/// `XENSTORE_ERROR_COMM` (`xs_wire.h`): communication problem.
pub const XENSTORE_ERROR_COMM: u32 = 1;
/// `XENSTORE_ERROR_RINGIDX` (`xs_wire.h`): invalid ring index.
pub const XENSTORE_ERROR_RINGIDX: u32 = 2;
/// `XENSTORE_ERROR_PROTO` (`xs_wire.h`): protocol violation (payload too long).
pub const XENSTORE_ERROR_PROTO: u32 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(XsdSockmsg, 16, { type_: 0, req_id: 4, tx_id: 8, len: 12 });
        assert_layout!(XenstoreDomainInterface, 2076, {
            req: 0, rsp: 1024, req_cons: 2048, req_prod: 2052, rsp_cons: 2056,
            rsp_prod: 2060, server_features: 2064, connection: 2068, error: 2072,
        });
        assert_eq!(
            core::mem::offset_of!(XenstoreDomainInterface, error),
            XENSTORE_ERROR_OFFSET
        );
    }

    #[test]
    fn header_round_trip() {
        let h = XsdSockmsg {
            type_: XS_WRITE,
            req_id: 0xdead_beef,
            tx_id: 7,
            len: 4096,
        };
        let wire = h.to_wire();
        assert_eq!(&wire[0..4], &[11, 0, 0, 0]);
        assert_eq!(XsdSockmsg::from_wire(&wire), Some(h));
        assert_eq!(XsdSockmsg::from_wire(&wire[..15]), None);
    }

    #[test]
    fn types_decode_and_refuse_holes() {
        for t in XsdSockmsgType::ALL {
            assert_eq!(XsdSockmsgType::try_from(t as u32), Ok(t));
        }
        assert_eq!(XsdSockmsgType::try_from(XS_RESTRICT_REMOVED), Err(20));
        assert_eq!(XsdSockmsgType::try_from(27), Err(27));
        assert_eq!(XsdSockmsgType::try_from(XS_INVALID), Err(0xffff));
        assert!(XsdSockmsgType::DirectoryPart.in_xen_4_17());
        assert!(!XsdSockmsgType::GetFeature.in_xen_4_17());
        assert_eq!(XsdSockmsgType::WatchEvent.name(), "WATCH_EVENT");
    }

    #[test]
    fn error_table_lookups() {
        assert_eq!(xsd_error_by_name("ENOENT").map(|e| e.errnum), Some(2));
        assert_eq!(xsd_error_by_errno(11).map(|e| e.name), Some("EAGAIN"));
        assert_eq!(xsd_error_by_name("EWHAT"), None);
        assert_eq!(XSD_ERRORS[0].name, "EINVAL");
    }

    #[test]
    fn ring_index_mask() {
        assert_eq!(mask_xenstore_idx(1023), 1023);
        assert_eq!(mask_xenstore_idx(1024), 0);
        assert_eq!(mask_xenstore_idx(u32::MAX), 1023);
    }
}
