//! The active policy in decision-ready form: the binary policy plus where
//! each component's local ssidref sits inside an [`Ssidref`].

use crate::binary::{BinaryPolicy, ChwallBlock, SteBlock};
use crate::engine::AcmError;
use crate::types::{PolicyCode, Ssidref};

/// A binary policy ready for decisions.
#[derive(Clone, Debug)]
pub struct Tables {
    bin: BinaryPolicy,
    chwall_shift: Option<u32>,
    ste_shift: Option<u32>,
}

fn shift_of(p: &BinaryPolicy, code: PolicyCode) -> Option<u32> {
    if p.primary == code {
        Some(0)
    } else if p.secondary == code {
        Some(16)
    } else {
        None
    }
}

impl Tables {
    /// Wraps a decoded or compiled policy.
    pub fn new(bin: BinaryPolicy) -> Result<Self, AcmError> {
        let chwall_shift = shift_of(&bin, PolicyCode::ChineseWall).filter(|_| bin.chwall.is_some());
        let ste_shift =
            shift_of(&bin, PolicyCode::SimpleTypeEnforcement).filter(|_| bin.ste.is_some());
        if chwall_shift.is_none() && ste_shift.is_none() {
            return Err(AcmError::EmptyPolicy);
        }
        Ok(Tables {
            bin,
            chwall_shift,
            ste_shift,
        })
    }

    /// The underlying binary policy.
    pub fn binary(&self) -> &BinaryPolicy {
        &self.bin
    }

    /// `(secondary << 4) | primary`, Xen's policy combination code.
    pub fn combination(&self) -> u32 {
        (self.bin.secondary.code() << 4) | self.bin.primary.code()
    }

    /// The Chinese Wall block and the row of `s` in it, if the component exists.
    #[inline]
    pub fn chwall(&self, s: Ssidref) -> Option<(&ChwallBlock, usize)> {
        let shift = self.chwall_shift?;
        Some((
            self.bin.chwall.as_ref()?,
            ((s.0 >> shift) & 0xffff) as usize,
        ))
    }

    /// The STE block and the row of `s` in it, if the component exists.
    #[inline]
    pub fn ste(&self, s: Ssidref) -> Option<(&SteBlock, u16)> {
        let shift = self.ste_shift?;
        Some((self.bin.ste.as_ref()?, (s.0 >> shift) as u16))
    }

    /// True when `s` has a row in every active component.
    pub fn in_range(&self, s: Ssidref) -> bool {
        let chwall_ok = self.chwall(s).is_none_or(|(b, row)| row < b.ssids.rows());
        let ste_ok = self
            .ste(s)
            .is_none_or(|(b, row)| (row as usize) < b.ssids.rows());
        chwall_ok && ste_ok
    }

    /// STE sharing: do `a` and `b` have a common type? (Permitted when the
    /// policy has no STE component.)
    #[inline]
    pub fn shares(&self, a: Ssidref, b: Ssidref) -> bool {
        match (self.ste(a), self.ste(b)) {
            (Some((blk, x)), Some((_, y))) => blk.ssids.intersects(x as usize, y as usize),
            _ => true,
        }
    }

    /// STE authorization: are all of `object`'s types also `subject`'s?
    pub fn authorizes(&self, subject: Ssidref, object: Ssidref) -> bool {
        match (self.ste(subject), self.ste(object)) {
            (Some((blk, x)), Some((_, y))) => blk.ssids.is_superset(x as usize, y as usize),
            _ => true,
        }
    }
}
