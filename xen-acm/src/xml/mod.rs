//! The XML policy language (std only): the document model, the parser and
//! the validator.
//!
//! [`parse_policy`] reads a `SecurityPolicyDefinition` (the schema of Xen
//! 3.2's `security_policy.xsd`: `PolicyHeader`, optional
//! `SimpleTypeEnforcement` and `ChineseWall`, then `SecurityLabelTemplate`)
//! into a [`PolicyDoc`] and validates it. Every diagnostic carries the line
//! and column of the offending element or attribute and names the problem:
//! undefined types in labels, conflicting Chinese Wall types in one label,
//! duplicate names, malformed versions, a bootstrap label that does not
//! exist, and so on.

mod error;
mod parse;
mod validate;

pub use error::{ErrorKind, PolicyError, PolicyErrors, Pos};
pub use parse::parse_document;
pub use validate::validate;

use std::string::String;
use std::vec::Vec;

use crate::types::PolicyVersion;

/// The XML namespace of ACM policies.
pub const ACM_NAMESPACE: &str = "http://www.ibm.com";

/// A value with the position it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it starts in the source.
    pub pos: Pos,
}

impl<T> Spanned<T> {
    /// Pairs a value with its position.
    pub fn new(value: T, pos: Pos) -> Self {
        Spanned { value, pos }
    }
}

/// `FromPolicy`: the policy an update applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromPolicy {
    /// `FromPolicy/PolicyName`.
    pub name: Spanned<String>,
    /// `FromPolicy/Version`.
    pub version: Spanned<PolicyVersion>,
    /// Position of the `FromPolicy` element.
    pub pos: Pos,
}

/// `PolicyHeader`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyHeader {
    /// `PolicyName`.
    pub name: Spanned<String>,
    /// `PolicyUrl`, if present.
    pub url: Option<String>,
    /// `Reference`, if present.
    pub reference: Option<String>,
    /// `Date`, if present.
    pub date: Option<String>,
    /// `NameSpaceUrl`, if present.
    pub namespace_url: Option<String>,
    /// `Version`.
    pub version: Spanned<PolicyVersion>,
    /// `FromPolicy`, present in update policies.
    pub from_policy: Option<FromPolicy>,
}

/// A named run-time exclusion rule (`Conflict`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConflictSet {
    /// The `name` attribute (used for ordering only).
    pub name: Spanned<String>,
    /// The Chinese Wall types of the rule.
    pub types: Vec<Spanned<String>>,
}

/// A `VirtualMachineLabel` or `ResourceLabel`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// `Name` text (trimmed).
    pub name: Spanned<String>,
    /// The `from` attribute of `Name`: the label's name in the policy this
    /// one updates.
    pub from: Option<Spanned<String>>,
    /// STE types.
    pub ste: Vec<Spanned<String>>,
    /// Chinese Wall types (always empty for resource labels).
    pub chwall: Vec<Spanned<String>>,
}

/// A parsed XML policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDoc {
    /// `PolicyHeader`.
    pub header: PolicyHeader,
    /// Declared STE types, in document order.
    pub ste_types: Vec<Spanned<String>>,
    /// Declared Chinese Wall types, in document order.
    pub chwall_types: Vec<Spanned<String>>,
    /// Conflict sets, in document order.
    pub conflict_sets: Vec<ConflictSet>,
    /// The `bootstrap` attribute of `SubjectLabels` (Domain-0's boot label).
    pub bootstrap: Option<Spanned<String>>,
    /// VM labels (`SubjectLabels`), in document order.
    pub vm_labels: Vec<Label>,
    /// Resource labels (`ObjectLabels`), in document order.
    pub res_labels: Vec<Label>,
}

impl PolicyDoc {
    /// The policy name.
    pub fn name(&self) -> &str {
        &self.header.name.value
    }

    /// The policy version.
    pub fn version(&self) -> PolicyVersion {
        self.header.version.value
    }

    /// The VM label called `name`.
    pub fn vm_label(&self, name: &str) -> Option<&Label> {
        self.vm_labels.iter().find(|l| l.name.value == name)
    }

    /// The resource label called `name`.
    pub fn res_label(&self, name: &str) -> Option<&Label> {
        self.res_labels.iter().find(|l| l.name.value == name)
    }
}

/// Parses and validates an XML policy.
pub fn parse_policy(text: &str) -> Result<PolicyDoc, PolicyErrors> {
    let doc = parse_document(text).map_err(PolicyErrors::from)?;
    validate(&doc)?;
    Ok(doc)
}

#[cfg(test)]
mod tests;
