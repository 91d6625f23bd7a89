//! Diagnostics of the XML policy parser, validator and update checks.

use std::fmt;
use std::string::String;
use std::vec::Vec;

/// A 1-based line and column in the policy text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

impl Pos {
    /// Builds a position.
    pub const fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// What is wrong with a policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The text is not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// An element appears where the schema has something else.
    #[error("unexpected element <{found}> in <{parent}> (expected {expected})")]
    UnexpectedElement {
        /// The element found.
        found: String,
        /// Its parent.
        parent: String,
        /// What the schema allows there.
        expected: String,
    },
    /// A required element is missing.
    #[error("<{parent}> lacks <{expected}>")]
    MissingElement {
        /// The parent element.
        parent: String,
        /// The missing child.
        expected: String,
    },
    /// Text appears where only elements are allowed.
    #[error("unexpected text {text:?} in <{parent}>")]
    UnexpectedText {
        /// The parent element.
        parent: String,
        /// The text.
        text: String,
    },
    /// An element in a foreign XML namespace.
    #[error("element <{element}> is in namespace {namespace:?}, expected none or \"http://www.ibm.com\"")]
    WrongNamespace {
        /// The element.
        element: String,
        /// Its namespace.
        namespace: String,
    },
    /// A required attribute is missing.
    #[error("<{element}> lacks the {attribute:?} attribute")]
    MissingAttribute {
        /// The element.
        element: String,
        /// The attribute.
        attribute: String,
    },
    /// An attribute has a value the schema does not allow.
    #[error("<{element}> attribute {attribute:?} has invalid value {value:?}")]
    BadAttribute {
        /// The element.
        element: String,
        /// The attribute.
        attribute: String,
        /// The value.
        value: String,
    },
    /// An element that must hold a name or type is empty.
    #[error("<{0}> is empty")]
    Empty(String),
    /// A version is not `major.minor` with 1-8 digits each.
    #[error("malformed version {text:?} in <{element}> (expected major.minor, 1-8 digits each)")]
    MalformedVersion {
        /// The element.
        element: String,
        /// The text found.
        text: String,
    },
    /// Policy and label names must not contain ':'.
    #[error("{what} {name:?} contains ':'")]
    ColonInName {
        /// What kind of name.
        what: String,
        /// The name.
        name: String,
    },
    /// A name is declared twice.
    #[error("duplicate {what} {name:?} (first declared at {first})")]
    Duplicate {
        /// What kind of name.
        what: String,
        /// The name.
        name: String,
        /// The first declaration.
        first: super::Pos,
    },
    /// A label or conflict set names a type that is not declared.
    #[error("{owner} uses undefined {kind} type {name:?}")]
    UndefinedType {
        /// The label or conflict set, described.
        owner: String,
        /// `STE` or `Chinese Wall`.
        kind: String,
        /// The type.
        name: String,
    },
    /// A VM label carries two Chinese Wall types of one conflict set.
    #[error("VM label {label:?} has conflicting Chinese Wall types {first:?} and {second:?} (conflict set {set:?})")]
    ConflictingTypes {
        /// The label.
        label: String,
        /// The conflict set.
        set: String,
        /// One type.
        first: String,
        /// The other type.
        second: String,
    },
    /// The bootstrap label is not among the VM labels.
    #[error("bootstrap label {0:?} is not a VM label of the policy")]
    UnknownBootstrap(String),
    /// A policy without VM labels cannot name Domain-0's label.
    #[error("the policy defines no VM labels (SubjectLabels with a bootstrap label is required)")]
    NoSubjectLabels,
    /// A resource label must carry exactly one STE type.
    #[error("resource label {label:?} has {count} STE types (exactly one is required)")]
    ResourceTypeCount {
        /// The label.
        label: String,
        /// How many it has.
        count: usize,
    },
    /// The policy exceeds what 16-bit ssidrefs can number.
    #[error("{0}")]
    TooLarge(String),
    /// An update policy lacks `FromPolicy`.
    #[error("update of policy {current:?} requires <FromPolicy> naming it")]
    FromPolicyMissing {
        /// The active policy.
        current: String,
    },
    /// `FromPolicy` names another policy or version.
    #[error("FromPolicy {found:?} does not match the active policy {expected:?}")]
    FromPolicyMismatch {
        /// `name version` of the active policy.
        expected: String,
        /// `name version` from the update.
        found: String,
    },
    /// The new version does not grow.
    #[error("version {new} is not greater than the active version {current}")]
    VersionNotIncreasing {
        /// Active version.
        current: String,
        /// New version.
        new: String,
    },
    /// A `from` attribute names a label the active policy lacks.
    #[error("{what} label rename from {name:?}: no such label in the active policy")]
    BadRename {
        /// `VM` or `resource`.
        what: String,
        /// The `from` name.
        name: String,
    },
}

/// One diagnostic: a position and a problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {kind}")]
pub struct PolicyError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub kind: ErrorKind,
}

impl PolicyError {
    /// Builds a diagnostic.
    pub fn new(pos: Pos, kind: ErrorKind) -> Self {
        PolicyError { pos, kind }
    }
}

/// All diagnostics of one policy, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl From<PolicyError> for PolicyErrors {
    fn from(e: PolicyError) -> Self {
        PolicyErrors(std::vec![e])
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}
