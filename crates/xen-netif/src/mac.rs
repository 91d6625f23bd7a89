//! Ethernet MAC addresses as the toolstack writes them (`mac` key,
//! `00:16:3e:xx:xx:xx`).

use core::fmt;
use core::str::FromStr;

/// The OUI Xen's toolstack gives guest NICs by default.
pub const XEN_OUI: [u8; 3] = [0x00, 0x16, 0x3E];

/// A MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// `00:16:3E` followed by `suffix` (the toolstack picks it at random;
    /// the multicast and local bits of the first byte stay clear).
    pub fn xen(suffix: [u8; 3]) -> Mac {
        Mac([
            XEN_OUI[0], XEN_OUI[1], XEN_OUI[2], suffix[0], suffix[1], suffix[2],
        ])
    }

    /// A deterministic `00:16:3E` address for device `devid` of domain
    /// `domid` (the suffix mixes both; a toolstack may prefer random ones).
    pub fn xen_default(domid: u16, devid: u32) -> Mac {
        let mut h: u32 = 0x811c_9dc5;
        for b in domid.to_le_bytes().iter().chain(devid.to_le_bytes().iter()) {
            h = (h ^ u32::from(*b)).wrapping_mul(0x0100_0193);
        }
        let b = h.to_le_bytes();
        // Keep the suffix's top bit clear, as xl does (`& 0x7f`).
        Mac::xen([b[0] & 0x7f, b[1], b[2]])
    }

    /// Whether this is a group (multicast or broadcast) address.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 != 0
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

/// A malformed MAC string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed MAC address")]
pub struct BadMac;

impl FromStr for Mac {
    type Err = BadMac;
    fn from_str(s: &str) -> Result<Mac, BadMac> {
        let mut m = [0u8; 6];
        let mut parts = s.split(':');
        for b in &mut m {
            let p = parts.next().ok_or(BadMac)?;
            if p.is_empty() || p.len() > 2 {
                return Err(BadMac);
            }
            *b = u8::from_str_radix(p, 16).map_err(|_| BadMac)?;
        }
        if parts.next().is_some() {
            return Err(BadMac);
        }
        Ok(Mac(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn format_parse_and_prefix() {
        let m = Mac::xen_default(7, 0);
        assert_eq!(&m.0[..3], &XEN_OUI);
        assert!(m.0[3] < 0x80 && !m.is_multicast());
        assert_eq!(m.to_string().parse::<Mac>(), Ok(m));
        assert_eq!(
            "00:16:3E:0a:0B:0c".parse::<Mac>(),
            Ok(Mac([0, 0x16, 0x3e, 10, 11, 12]))
        );
        for bad in [
            "",
            "00:16:3e:0a:0b",
            "00:16:3e:0a:0b:0c:0d",
            "0g:00:00:00:00:00",
            "000:1:2:3:4:5",
        ] {
            assert_eq!(bad.parse::<Mac>(), Err(BadMac), "{bad}");
        }
        assert_ne!(Mac::xen_default(7, 0), Mac::xen_default(7, 1));
    }
}
