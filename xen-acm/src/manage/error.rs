//! Errors of the management model. Messages follow what `xm` printed after
//! `Error: ` where the manual shows it.

use std::string::String;

use super::resources::ResourceError;
use crate::engine::AcmError;
use crate::xml::PolicyErrors;

/// Why a management operation failed. Nothing changes on failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManageError {
    /// The XML policy is invalid, or does not fit the active one.
    #[error("the policy was rejected:\n{0}")]
    Policy(PolicyErrors),
    /// The domain configuration has no label.
    #[error("'Domain not labeled'")]
    NotLabeled,
    /// The label does not exist in the (active) policy.
    #[error("Label '{label}' not found in policy '{policy}'.")]
    UnknownLabel {
        /// The label.
        label: String,
        /// The policy searched.
        policy: String,
    },
    /// A label names another policy than the active one.
    #[error("Active policy '{active}' different than what in label ('{label_policy}').")]
    WrongPolicy {
        /// The active policy.
        active: String,
        /// The label's policy.
        label_policy: String,
    },
    /// Domain-0's label does not cover the domain's STE types.
    #[error("VM is not authorized to run.")]
    NotAuthorized,
    /// The domain may not use one of its block devices.
    #[error("VM's access to block device '{0}' denied")]
    ResourceDenied(String),
    /// The Chinese Wall refuses to run the domain now.
    #[error("'Domain in conflict set with running domains'")]
    Conflict,
    /// The domain shares no STE type with Domain-0, so its console and
    /// xenstore event channels cannot be bound.
    #[error("VM's event channel to Domain-0 denied")]
    SharingDenied,
    /// A resource name is malformed or the resource-label file is broken.
    #[error("{0}")]
    Resource(#[from] ResourceError),
    /// The resource is used by a running domain.
    #[error("Resource '{0}' is in use by a running domain")]
    ResourceInUse(String),
    /// The resource has no label.
    #[error("Resource '{0}' is not labeled")]
    ResourceNotLabeled(String),
    /// No domain of that name.
    #[error("Domain '{0}' does not exist.")]
    UnknownDomain(String),
    /// A domain of that name already exists.
    #[error("Domain '{0}' already exists.")]
    DomainExists(String),
    /// Running user domains cannot be relabelled individually.
    #[error("Domain '{0}' is running; only Domain-0 and dormant domains can be relabeled")]
    DomainRunning(String),
    /// The configuration has no `name`.
    #[error("the domain configuration has no name")]
    NoName,
    /// The hypervisor refused (relabelling, policy change).
    #[error("{0}")]
    Refused(String),
    /// An engine error not covered above.
    #[error("{0}")]
    Engine(AcmError),
}
