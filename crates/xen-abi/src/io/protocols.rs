//! ABI names for the `protocol` xenstore key (`io/protocols.h`): which
//! layout a frontend's ring requests use when it differs from the backend's.

/// `XEN_IO_PROTO_ABI_X86_32` (`io/protocols.h`).
pub const XEN_IO_PROTO_ABI_X86_32: &str = "x86_32-abi";
/// `XEN_IO_PROTO_ABI_X86_64` (`io/protocols.h`).
pub const XEN_IO_PROTO_ABI_X86_64: &str = "x86_64-abi";
/// `XEN_IO_PROTO_ABI_ARM` (`io/protocols.h`).
pub const XEN_IO_PROTO_ABI_ARM: &str = "arm-abi";
/// `XEN_IO_PROTO_ABI_NATIVE` (`io/protocols.h`) on x86_64.
pub const XEN_IO_PROTO_ABI_NATIVE: &str = XEN_IO_PROTO_ABI_X86_64;

/// A ring protocol ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoProtocol {
    /// 32-bit x86 layouts (4-byte aligned 64-bit fields).
    X86_32,
    /// 64-bit x86 layouts (the native ones of this crate).
    X86_64,
    /// Arm layouts.
    Arm,
}

impl IoProtocol {
    /// The string stored in xenstore.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::X86_32 => XEN_IO_PROTO_ABI_X86_32,
            Self::X86_64 => XEN_IO_PROTO_ABI_X86_64,
            Self::Arm => XEN_IO_PROTO_ABI_ARM,
        }
    }
}

impl core::str::FromStr for IoProtocol {
    type Err = ();

    /// Parses a `protocol` value exactly (no trimming, as backends compare it).
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            XEN_IO_PROTO_ABI_X86_32 => Ok(Self::X86_32),
            XEN_IO_PROTO_ABI_X86_64 => Ok(Self::X86_64),
            XEN_IO_PROTO_ABI_ARM => Ok(Self::Arm),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in [IoProtocol::X86_32, IoProtocol::X86_64, IoProtocol::Arm] {
            assert_eq!(p.as_str().parse::<IoProtocol>(), Ok(p));
        }
        assert_eq!("x86_64-abi ".parse::<IoProtocol>(), Err(()));
        assert_eq!(XEN_IO_PROTO_ABI_NATIVE, "x86_64-abi");
    }
}
