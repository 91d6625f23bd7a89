//! Security label strings: `ACM:<policy>:<label>` (Xen-API form) and
//! `INV_ACM:<policy>:<label>` for labels a policy change invalidated.

use std::fmt;
use std::string::{String, ToString};

/// The policy type of valid ACM labels.
pub const ACM: &str = "ACM";
/// The policy type of labels invalidated by a policy reset or update.
pub const INV_ACM: &str = "INV_ACM";

/// A security label of a domain or resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecLabel {
    /// `ACM` or `INV_ACM`.
    pub policy_type: String,
    /// The policy the label belongs to.
    pub policy: String,
    /// The label name.
    pub label: String,
}

impl SecLabel {
    /// A valid ACM label.
    pub fn acm(policy: &str, label: &str) -> Self {
        SecLabel {
            policy_type: ACM.to_string(),
            policy: policy.to_string(),
            label: label.to_string(),
        }
    }

    /// The same label marked invalid.
    pub fn invalidated(&self) -> Self {
        SecLabel {
            policy_type: INV_ACM.to_string(),
            ..self.clone()
        }
    }

    /// True for a valid label of `policy`.
    pub fn is_valid_for(&self, policy: &str) -> bool {
        self.policy_type == ACM && self.policy == policy
    }

    /// Parses `type:policy:label`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.split(':');
        let (t, p, l) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || t.is_empty() || p.is_empty() || l.is_empty() {
            return None;
        }
        Some(SecLabel {
            policy_type: t.to_string(),
            policy: p.to_string(),
            label: l.to_string(),
        })
    }
}

impl fmt::Display for SecLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.policy_type, self.policy, self.label)
    }
}
