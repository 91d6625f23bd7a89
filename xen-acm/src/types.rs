//! The scalar vocabulary of ACM: ssidrefs, policy codes, decisions and the
//! numeric constants of Xen's `public/acm.h`.

use core::fmt;

/// `ACM_MAGIC`: first word of every binary policy.
pub const ACM_MAGIC: u32 = 0x0001_debc;
/// `ACM_POLICY_VERSION` of Xen 3.2: the binary format this crate writes.
pub const ACM_POLICY_VERSION: u32 = 3;
/// Binary format version 4 (Xen 3.3+), which appends a 20-byte SHA-1 of the
/// XML policy to the header. Accepted by the decoder.
pub const ACM_POLICY_VERSION_V4: u32 = 4;
/// `ACM_CHWALL_VERSION`: version word of the Chinese Wall block.
pub const ACM_CHWALL_VERSION: u32 = 1;
/// `ACM_STE_VERSION`: version word of the STE block.
pub const ACM_STE_VERSION: u32 = 1;

/// `ACM_ACCESS_PERMITTED`: the hook result that lets an operation go on.
pub const ACM_ACCESS_PERMITTED: i32 = 0;
/// `ACM_ACCESS_DENIED`: the hook result that refuses an operation.
pub const ACM_ACCESS_DENIED: i32 = -111;

/// Policy-change error code: an event channel joins domains without a common
/// STE type under the new policy.
pub const ACM_EVTCHN_SHARING_VIOLATION: u32 = 0x100;
/// Policy-change error code: a grant mapping joins domains without a common
/// STE type under the new policy.
pub const ACM_GNTTAB_SHARING_VIOLATION: u32 = 0x101;
/// Policy-change error code: a domain named by sharing state does not exist.
pub const ACM_DOMAIN_LOOKUP: u32 = 0x102;
/// Policy-change error code: running domains violate a conflict set.
pub const ACM_CHWALL_CONFLICT: u32 = 0x103;
/// Policy-change error code: a deleted ssidref is still used by a domain.
pub const ACM_SSIDREF_IN_USE: u32 = 0x104;

/// `ACMHOOK_sharing`: "do these two share an STE type?"
pub const ACMHOOK_SHARING: u32 = 1;
/// `ACMHOOK_authorization`: "are the second's STE types a subset of the first's?"
pub const ACMHOOK_AUTHORIZATION: u32 = 2;

/// The label name every unlabeled domain and resource falls back to.
pub const UNLABELED: &str = "__UNLABELED__";

/// Identifier of a policy component (`ACM_*_POLICY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyCode {
    /// `ACM_NULL_POLICY` (0): no component.
    Null,
    /// `ACM_CHINESE_WALL_POLICY` (1).
    ChineseWall,
    /// `ACM_SIMPLE_TYPE_ENFORCEMENT_POLICY` (2).
    SimpleTypeEnforcement,
    /// `ACM_POLICY_UNDEFINED` (15).
    Undefined,
}

impl PolicyCode {
    /// The code as Xen numbers it.
    pub const fn code(self) -> u32 {
        match self {
            PolicyCode::Null => 0,
            PolicyCode::ChineseWall => 1,
            PolicyCode::SimpleTypeEnforcement => 2,
            PolicyCode::Undefined => 15,
        }
    }

    /// Decodes a numeric policy code.
    pub const fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(PolicyCode::Null),
            1 => Some(PolicyCode::ChineseWall),
            2 => Some(PolicyCode::SimpleTypeEnforcement),
            15 => Some(PolicyCode::Undefined),
            _ => None,
        }
    }

    /// The short name Xen's tools print (`CHWALL`, `STE`, `NULL`).
    pub const fn short_name(self) -> &'static str {
        match self {
            PolicyCode::Null => "NULL",
            PolicyCode::ChineseWall => "CHWALL",
            PolicyCode::SimpleTypeEnforcement => "STE",
            PolicyCode::Undefined => "UNDEFINED",
        }
    }
}

/// A security identifier reference (`ssidref_t`).
///
/// The low 16 bits index the primary component's table, the high 16 bits
/// the secondary's. With the Chinese Wall as primary (the only combination
/// Xen 3.2's tools generate) the low half is the Chinese Wall ssidref and
/// the high half the STE ssidref; a VM label at index `i` is `(i << 16) | i`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ssidref(pub u32);

impl Ssidref {
    /// The ssidref of unlabeled domains and resources (`NULL_SSIDREF`).
    pub const NULL: Ssidref = Ssidref(0);

    /// Builds an ssidref from its primary (low) and secondary (high) halves.
    pub const fn from_parts(primary: u16, secondary: u16) -> Self {
        Ssidref(((secondary as u32) << 16) | primary as u32)
    }

    /// The ssidref Xen's tools give the VM label at `index`.
    pub const fn vm_label(index: u16) -> Self {
        Ssidref::from_parts(index, index)
    }

    /// The low half: the primary component's local ssidref.
    pub const fn primary(self) -> u16 {
        self.0 as u16
    }

    /// The high half: the secondary component's local ssidref.
    pub const fn secondary(self) -> u16 {
        (self.0 >> 16) as u16
    }
}

impl fmt::Display for Ssidref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08x}", self.0)
    }
}

/// The outcome of an access-control check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// `ACM_ACCESS_PERMITTED`.
    Permitted,
    /// `ACM_ACCESS_DENIED`.
    Denied,
}

impl Decision {
    /// `Permitted` when `ok`, else `Denied`.
    pub const fn from_bool(ok: bool) -> Self {
        if ok {
            Decision::Permitted
        } else {
            Decision::Denied
        }
    }

    /// True for `Permitted`.
    pub const fn is_permitted(self) -> bool {
        matches!(self, Decision::Permitted)
    }

    /// The hook return value Xen uses (0 or -111).
    pub const fn code(self) -> i32 {
        match self {
            Decision::Permitted => ACM_ACCESS_PERMITTED,
            Decision::Denied => ACM_ACCESS_DENIED,
        }
    }

    /// The word `xm` prints (`PERMITTED` / `DENIED`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Permitted => "PERMITTED",
            Decision::Denied => "DENIED",
        }
    }
}

/// The version of an XML policy, `major.minor`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyVersion {
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
}

impl PolicyVersion {
    /// Builds a version.
    pub const fn new(major: u32, minor: u32) -> Self {
        PolicyVersion { major, minor }
    }

    /// Parses `"<digits>.<digits>"` with 1 to 8 digits on each side, the
    /// pattern of the policy schema.
    pub fn parse(text: &str) -> Option<Self> {
        let (maj, min) = text.split_once('.')?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 8 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(maj) || !digits(min) {
            return None;
        }
        Some(PolicyVersion::new(maj.parse().ok()?, min.parse().ok()?))
    }
}

impl fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssidref_halves() {
        let s = Ssidref::from_parts(0x1234, 0xabcd);
        assert_eq!(s.0, 0xabcd_1234);
        assert_eq!(s.primary(), 0x1234);
        assert_eq!(s.secondary(), 0xabcd);
        assert_eq!(Ssidref::vm_label(3).0, 0x0003_0003);
    }

    #[test]
    fn version_parse() {
        assert_eq!(PolicyVersion::parse("1.0"), Some(PolicyVersion::new(1, 0)));
        assert_eq!(
            PolicyVersion::parse("12.345"),
            Some(PolicyVersion::new(12, 345))
        );
        assert!(PolicyVersion::parse("1").is_none());
        assert!(PolicyVersion::parse("1.").is_none());
        assert!(PolicyVersion::parse("a.1").is_none());
        assert!(PolicyVersion::parse("1.2.3").is_none());
        assert!(PolicyVersion::parse("123456789.0").is_none());
        assert!(PolicyVersion::new(1, 1) > PolicyVersion::new(1, 0));
        assert!(PolicyVersion::new(2, 0) > PolicyVersion::new(1, 9));
    }

    #[test]
    fn codes_round_trip() {
        for c in [0, 1, 2, 15] {
            assert_eq!(PolicyCode::from_code(c).map(PolicyCode::code), Some(c));
        }
        assert!(PolicyCode::from_code(3).is_none());
        assert_eq!(Decision::Denied.code(), -111);
    }
}
