//! Vnet ids and MAC addresses.
//!
//! A vnet id is 128 bits, carried on the wire in network order (the
//! original's `VnetId`, 8 × u16). Its text form is eight colon-separated
//! fields of 1–4 **hex** digits; a string without a colon is the eighth
//! field alone, the first seven being zero, so `97` is
//! `0:0:0:0:0:0:0:97` = 0x97 (the manual's "single 4-digit hex number",
//! the original `VnetId_aton`). With colons exactly eight fields are
//! required. Id 0 is invalid and id 1 is reserved (`VNET_PHYS`, the
//! physical network): [`VnetId::parse`] refuses both.
#![forbid(unsafe_code)]

use std::fmt;
use std::str::FromStr;

/// Why a vnet id or MAC address did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty text.
    #[error("empty vnet id")]
    Empty,
    /// With colons, the id must have exactly 8 fields.
    #[error("vnet id {text:?} has {fields} colon-separated fields; the long form needs exactly 8")]
    FieldCount {
        /// The input.
        text: String,
        /// How many fields it had.
        fields: usize,
    },
    /// A field is not 1–4 hex digits.
    #[error("vnet id {text:?}: field {index} ({field:?}) is not 1-4 hex digits")]
    BadField {
        /// The input.
        text: String,
        /// 1-based field number.
        index: usize,
        /// The field's text.
        field: String,
    },
    /// Id 0.
    #[error("vnet id must be non-zero")]
    Zero,
    /// Id 1 (the physical network).
    #[error("vnet id 1 is reserved (the physical network)")]
    Reserved,
    /// A MAC address that is not six `:`-separated hex bytes.
    #[error("{0:?} is not a MAC address (six hex bytes separated by ':')")]
    BadMac(String),
}

/// A 128-bit vnet id; bytes in network order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VnetId(pub [u8; 16]);

impl VnetId {
    /// The reserved id of the physical network.
    pub const PHYS: VnetId = VnetId::from_u128(1);

    /// The id with this numeric value (`from_u128(0x97)` is `97`).
    pub const fn from_u128(v: u128) -> Self {
        VnetId(v.to_be_bytes())
    }

    /// The numeric value.
    pub const fn to_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }

    /// A usable id: non-zero and not the reserved id 1.
    pub fn try_new(v: u128) -> Result<Self, IdError> {
        match v {
            0 => Err(IdError::Zero),
            1 => Err(IdError::Reserved),
            _ => Ok(Self::from_u128(v)),
        }
    }

    /// Parses the text form without the 0/1 check (for wire-level tools).
    pub fn parse_any(text: &str) -> Result<Self, IdError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(IdError::Empty);
        }
        let fields: Vec<&str> = t.split(':').collect();
        if fields.len() != 1 && fields.len() != 8 {
            return Err(IdError::FieldCount {
                text: text.into(),
                fields: fields.len(),
            });
        }
        let mut v: u128 = 0;
        for (i, f) in fields.iter().enumerate() {
            let ok = (1..=4).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_hexdigit());
            let n = u16::from_str_radix(f, 16)
                .ok()
                .filter(|_| ok)
                .ok_or_else(|| IdError::BadField {
                    text: text.into(),
                    index: if fields.len() == 1 { 8 } else { i + 1 },
                    field: (*f).into(),
                })?;
            v = (v << 16) | u128::from(n);
        }
        Ok(Self::from_u128(v))
    }

    /// Parses the text form of a usable id (non-zero, not 1).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        Self::try_new(Self::parse_any(text)?.to_u128())
    }

    /// The 8 16-bit fields.
    pub fn fields(self) -> [u16; 8] {
        let mut f = [0u16; 8];
        for (i, x) in f.iter_mut().enumerate() {
            *x = u16::from_be_bytes([self.0[2 * i], self.0[2 * i + 1]]);
        }
        f
    }

    /// The short form (hex of the last field) when the first seven fields
    /// are zero, otherwise the long form.
    pub fn short(self) -> String {
        if self.to_u128() <= 0xffff {
            format!("{:x}", self.to_u128())
        } else {
            self.to_string()
        }
    }

    /// The default interface name `vnif<NNNN>` (hex of the 8th field, as
    /// the original's `vnif%04x`).
    pub fn default_vnetif(self) -> String {
        format!("vnif{:04x}", self.fields()[7])
    }

    /// The xenstore path component (`:` replaced by `-`, as XendVnet did).
    pub fn path_component(self) -> String {
        self.to_string().replace(':', "-")
    }
}

impl fmt::Display for VnetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fs = self.fields();
        for (i, x) in fs.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{x:x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for VnetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VnetId({self})")
    }
}

impl FromStr for VnetId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}

/// An Ethernet MAC address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// The broadcast address.
    pub const BROADCAST: Mac = Mac([0xff; 6]);

    /// Group (multicast or broadcast) address: the I/G bit is set.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mac({self})")
    }
}

impl FromStr for Mac {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let bad = || IdError::BadMac(s.into());
        let mut m = [0u8; 6];
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        for (b, p) in m.iter_mut().zip(parts) {
            if !(1..=2).contains(&p.len()) {
                return Err(bad());
            }
            *b = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        Ok(Mac(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_forms_are_hex() {
        let a = VnetId::parse("97").unwrap();
        assert_eq!(a.to_u128(), 0x97);
        assert_eq!(a, VnetId::parse("0:0:0:0:0:0:0:97").unwrap());
        assert_eq!(a.to_string(), "0:0:0:0:0:0:0:97");
        assert_eq!(a.short(), "97");
        assert_eq!(a.default_vnetif(), "vnif0097");
        assert_eq!(a.path_component(), "0-0-0-0-0-0-0-97");
        assert_eq!(a.0[14..], [0x00, 0x97]);
        let b = VnetId::parse("1:2:3:4:5:6:7:ffFF").unwrap();
        assert_eq!(b.to_string(), "1:2:3:4:5:6:7:ffff");
        assert_eq!(b.0[0..2], [0, 1]);
        assert_eq!(VnetId::parse(&b.to_string()).unwrap(), b);
    }

    #[test]
    fn precise_errors() {
        assert_eq!(VnetId::parse(""), Err(IdError::Empty));
        assert_eq!(VnetId::parse("0"), Err(IdError::Zero));
        assert_eq!(VnetId::parse("0:0:0:0:0:0:0:1"), Err(IdError::Reserved));
        assert!(matches!(
            VnetId::parse("1:2:3"),
            Err(IdError::FieldCount { fields: 3, .. })
        ));
        assert!(matches!(
            VnetId::parse("0:0:0:0:0:0:0:12345"),
            Err(IdError::BadField { index: 8, .. })
        ));
        assert!(matches!(
            VnetId::parse("0:x:0:0:0:0:0:2"),
            Err(IdError::BadField { index: 2, .. })
        ));
        assert!(matches!(
            VnetId::parse("0:+1:0:0:0:0:0:2"),
            Err(IdError::BadField { index: 2, .. })
        ));
        assert!(matches!(
            VnetId::parse("0:0:0:0:0:0::2"),
            Err(IdError::BadField { index: 7, .. })
        ));
        assert_eq!(VnetId::parse_any("1").unwrap(), VnetId::PHYS);
        assert_eq!(
            VnetId::parse("1:2:3").unwrap_err().to_string(),
            "vnet id \"1:2:3\" has 3 colon-separated fields; the long form needs exactly 8"
        );
    }

    #[test]
    fn macs() {
        let m: Mac = "aa:00:00:01:02:03".parse().unwrap();
        assert_eq!(m.to_string(), "aa:00:00:01:02:03");
        assert!(!m.is_multicast());
        assert!(Mac::BROADCAST.is_multicast());
        assert!("aa:00:00:01:02".parse::<Mac>().is_err());
        assert!("aa:00:00:01:02:zz".parse::<Mac>().is_err());
    }
}
