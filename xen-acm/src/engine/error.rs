//! Errors of the decision engine and the violations that refuse a policy
//! change, with their Xen error codes.

use alloc::vec::Vec;
use core::fmt;

use xen_abi::types::DomId;

use crate::types::{
    Ssidref, ACM_CHWALL_CONFLICT, ACM_DOMAIN_LOOKUP, ACM_EVTCHN_SHARING_VIOLATION,
    ACM_GNTTAB_SHARING_VIOLATION, ACM_SSIDREF_IN_USE,
};

/// Extension code (not in Xen): a domain's ssidref is outside the new tables.
pub const ACM_SSIDREF_OUT_OF_RANGE: u32 = 0x105;
/// Extension code (not in Xen): a domain's STE types are no longer a subset
/// of Domain-0's.
pub const ACM_NOT_AUTHORIZED: u32 = 0x106;

/// One reason a policy change or relabelling is refused. Xen reports these
/// as `(code, parameter)` pairs; [`Violation::code`] and
/// [`Violation::param`] give that form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
    /// A running domain uses a VM label index the new policy deletes.
    SsidrefInUse {
        /// The deleted local ssidref.
        ssidref: u16,
        /// A domain using it.
        domid: DomId,
    },
    /// Running domains together hold two types of one conflict set.
    ChwallConflict {
        /// Index of the Chinese Wall type found in conflict.
        type_index: u16,
    },
    /// An established event channel would join domains with no common type.
    EvtchnSharing {
        /// One end.
        a: DomId,
        /// The other end.
        b: DomId,
    },
    /// An established grant mapping would join domains with no common type.
    GnttabSharing {
        /// The mapping domain.
        a: DomId,
        /// The granting domain.
        b: DomId,
    },
    /// Sharing state names a domain that is not running.
    DomainLookup {
        /// The missing domain.
        domid: DomId,
    },
    /// A domain's ssidref has no row in the new tables.
    SsidrefOutOfRange {
        /// The domain.
        domid: DomId,
        /// Its (new) ssidref.
        ssidref: Ssidref,
    },
    /// A domain's STE types would not be a subset of Domain-0's.
    NotAuthorized {
        /// The domain.
        domid: DomId,
    },
}

impl Violation {
    /// The Xen error code (`ACM_*_VIOLATION`, `ACM_CHWALL_CONFLICT`, ...).
    pub fn code(&self) -> u32 {
        match self {
            Violation::SsidrefInUse { .. } => ACM_SSIDREF_IN_USE,
            Violation::ChwallConflict { .. } => ACM_CHWALL_CONFLICT,
            Violation::EvtchnSharing { .. } => ACM_EVTCHN_SHARING_VIOLATION,
            Violation::GnttabSharing { .. } => ACM_GNTTAB_SHARING_VIOLATION,
            Violation::DomainLookup { .. } => ACM_DOMAIN_LOOKUP,
            Violation::SsidrefOutOfRange { .. } => ACM_SSIDREF_OUT_OF_RANGE,
            Violation::NotAuthorized { .. } => ACM_NOT_AUTHORIZED,
        }
    }

    /// The parameter Xen pairs with the code.
    pub fn param(&self) -> u32 {
        match *self {
            Violation::SsidrefInUse { ssidref, .. } => ssidref as u32,
            Violation::ChwallConflict { type_index } => type_index as u32,
            Violation::EvtchnSharing { a, b } | Violation::GnttabSharing { a, b } => {
                ((a.0 as u32) << 16) | b.0 as u32
            }
            Violation::DomainLookup { domid }
            | Violation::SsidrefOutOfRange { domid, .. }
            | Violation::NotAuthorized { domid } => domid.0 as u32,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::SsidrefInUse { ssidref, domid } => write!(
                f,
                "ssidref {ssidref} is deleted but domain {} still uses it",
                domid.0
            ),
            Violation::ChwallConflict { type_index } => write!(
                f,
                "running domains conflict in Chinese Wall type #{type_index}"
            ),
            Violation::EvtchnSharing { a, b } => write!(
                f,
                "event channel between domains {} and {} would have no common STE type",
                a.0, b.0
            ),
            Violation::GnttabSharing { a, b } => write!(
                f,
                "grant mapping between domains {} and {} would have no common STE type",
                a.0, b.0
            ),
            Violation::DomainLookup { domid } => write!(f, "domain {} not found", domid.0),
            Violation::SsidrefOutOfRange { domid, ssidref } => write!(
                f,
                "domain {} would have ssidref {ssidref}, outside the policy",
                domid.0
            ),
            Violation::NotAuthorized { domid } => write!(
                f,
                "domain {} would no longer be authorized by Domain-0's label",
                domid.0
            ),
        }
    }
}

/// Errors of engine operations.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcmError {
    /// The ssidref has no row in one of the active components.
    #[error("ssidref {0} is outside the active policy")]
    SsidrefOutOfRange(Ssidref),
    /// Starting the domain would run two types of one conflict set.
    #[error(
        "Chinese Wall conflict in type #{type_index}: domain in conflict set with running domains"
    )]
    ChineseWallConflict {
        /// The first conflicting type index.
        type_index: usize,
    },
    /// The domain's STE types are not a subset of Domain-0's.
    #[error("ssidref {0} is not authorized to run by Domain-0's label")]
    NotAuthorized(Ssidref),
    /// Two domains share no STE type.
    #[error("domains {} and {} share no STE type", .0.0, .1.0)]
    SharingDenied(DomId, DomId),
    /// No running domain has this id.
    #[error("domain {} is not running", .0.0)]
    UnknownDomain(DomId),
    /// A running domain already has this id.
    #[error("domain {} is already running", .0.0)]
    DomainExists(DomId),
    /// The new policy's component combination differs from the active one.
    #[error("policy combination 0x{new:02x} differs from the active 0x{active:02x}")]
    PolicyCombination {
        /// Active `(secondary << 4) | primary`.
        active: u32,
        /// New `(secondary << 4) | primary`.
        new: u32,
    },
    /// The policy names no component.
    #[error("the policy has no Chinese Wall or STE component")]
    EmptyPolicy,
    /// A policy change or relabelling was refused; nothing changed.
    #[error("refused: {}", ViolationList(.0))]
    Refused(Vec<Violation>),
}

/// Helper that prints violations separated by "; ".
struct ViolationList<'a>(&'a [Violation]);

impl fmt::Display for ViolationList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}
