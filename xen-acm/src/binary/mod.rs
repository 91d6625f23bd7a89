//! The Xen 3.x binary ACM policy: the format the tools hand to the
//! hypervisor (`ACMOP_setpolicy`, or a multiboot module at boot).
//!
//! Every integer is big-endian. The layout is
//!
//! ```text
//! acm_policy_buffer  10 × u32 (v3), or 10 × u32 + 20-byte XML hash (v4)
//!   magic, policy_version, len, policy_reference_offset,
//!   primary_policy_code, primary_buffer_offset,
//!   secondary_policy_code, secondary_buffer_offset,
//!   xml_pol_version.major, xml_pol_version.minor
//! policy reference   u32 name length (including NUL), name, NUL, zero pad to 8
//! primary block      [primary_buffer_offset, secondary_buffer_offset)
//! secondary block    [secondary_buffer_offset, len)
//! ```
//!
//! A Chinese Wall block is a 9 × u32 header followed by the `u16`
//! ssidref × type matrix and the `u16` conflict-set × type matrix; an STE
//! block is a 5 × u32 header followed by its `u16` ssidref × type matrix.
//! Offsets inside a block are relative to the block; each block is padded to
//! a multiple of 8 bytes.

mod decode;
mod encode;

use alloc::string::String;

use crate::matrix::TypeMatrix;
use crate::types::{PolicyCode, PolicyVersion};

pub use decode::decode;
pub use encode::encode;

/// Size of the v3 header (`struct acm_policy_buffer` in Xen 3.2).
pub const HEADER_LEN_V3: usize = 40;
/// Size of the v4 header, which adds the XML policy's SHA-1.
pub const HEADER_LEN_V4: usize = 60;
/// Size of the Chinese Wall block header.
pub const CHWALL_HEADER_LEN: usize = 36;
/// Size of the STE block header.
pub const STE_HEADER_LEN: usize = 20;
/// Largest number of local ssidrefs a component can have (16-bit halves).
pub const MAX_SSIDREFS: usize = 1 << 16;

/// The Chinese Wall component: which types each ssidref carries and the
/// conflict sets (run-time exclusion rules).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ChwallBlock {
    /// `ssidrefs[max_ssidrefs][max_types]`.
    pub ssids: TypeMatrix,
    /// `conflict_sets[max_conflictsets][max_types]`.
    pub conflict_sets: TypeMatrix,
}

/// The Simple Type Enforcement component: which types each ssidref carries.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SteBlock {
    /// `ssidrefs[max_ssidrefs][max_types]`.
    pub ssids: TypeMatrix,
}

/// A whole binary policy in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryPolicy {
    /// The policy reference name (the XML `PolicyName`).
    pub name: String,
    /// The XML policy version carried in the header.
    pub version: PolicyVersion,
    /// SHA-1 of the XML policy (binary format v4 only).
    pub xml_hash: Option<[u8; 20]>,
    /// Primary component code.
    pub primary: PolicyCode,
    /// Secondary component code.
    pub secondary: PolicyCode,
    /// The Chinese Wall block, present when either code names it.
    pub chwall: Option<ChwallBlock>,
    /// The STE block, present when either code names it.
    pub ste: Option<SteBlock>,
}

impl BinaryPolicy {
    /// Serialises the policy (see [`encode`]).
    pub fn to_bytes(&self) -> alloc::vec::Vec<u8> {
        encode(self)
    }

    /// Parses and checks a binary policy (see [`decode`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BinaryError> {
        decode(bytes)
    }
}

/// Why a byte string is not a valid binary policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    /// The buffer ends before a structure that must be there.
    #[error(
        "binary policy truncated: {what} needs {need} bytes at offset {at}, buffer has {have}"
    )]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Its offset.
        at: usize,
        /// Bytes it needs.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// The first word is not `ACM_MAGIC`.
    #[error("bad magic 0x{0:08x} (expected 0x0001debc)")]
    BadMagic(u32),
    /// `policy_version` is neither 3 nor 4.
    #[error("unsupported binary policy version {0} (supported: 3, 4)")]
    UnsupportedVersion(u32),
    /// The header's `len` disagrees with the buffer size.
    #[error("header length {header} does not match buffer length {actual}")]
    LengthMismatch {
        /// `len` from the header.
        header: u32,
        /// Size of the buffer.
        actual: usize,
    },
    /// An offset points outside the buffer or the sections overlap.
    #[error("{field} = {value} is out of bounds or out of order")]
    BadOffset {
        /// The header field.
        field: &'static str,
        /// Its value.
        value: u32,
    },
    /// A policy code is unknown, repeated, or does not match its block.
    #[error("{field}: bad policy code {code}")]
    BadPolicyCode {
        /// Which code.
        field: &'static str,
        /// Its value.
        code: u32,
    },
    /// A block's version word is not 1.
    #[error("{block} block: unsupported version {version}")]
    BlockVersion {
        /// `CHWALL` or `STE`.
        block: &'static str,
        /// The version read.
        version: u32,
    },
    /// A block's dimensions are too large or its matrices do not fit.
    #[error("{block} block: {reason}")]
    BadBlock {
        /// `CHWALL` or `STE`.
        block: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The policy reference name is malformed.
    #[error("policy reference: {0}")]
    BadReference(&'static str),
}

#[cfg(test)]
mod tests;
