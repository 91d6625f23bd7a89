//! Vnet configuration: the manual's SXP form plus ESP keys.
//!
//! ```text
//! (vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none))
//! (vnet (id 0:0:0:0:0:0:1:2) (bridge vnetsec) (security auth)
//!       (esp (spi 0x1001) (auth-key 0x<20 bytes hex>)))
//! (vnet (id 98) (bridge vnet98) (security conf)
//!       (esp (spi 0x1002) (enc-key 0x<16 bytes hex>) (auth-key 0x<20 bytes hex>)))
//! (vnet (id 99) (bridge vnet99) (security gcm)
//!       (esp (spi 0x1003) (aead-key 0x<20 bytes hex: AES key then 4-byte salt>)))
//! ```
//!
//! * `id` (required): a vnet id, see [`crate::id`]; 0 and 1 are refused.
//! * `bridge` (required), `vnetif` (optional, default `vnif<NNNN>`):
//!   interface names of 1–14 characters from `[A-Za-z0-9._-]` (the manual's
//!   kernel limit).
//! * `security`: `none` (default), `auth`, `conf`, or our extra `gcm`.
//! * `esp` (required unless `none`, refused with `none`): the SPI
//!   (256 … 2^32−1, decimal or `0x` hex) and the keys, hex with optional
//!   `0x`, the lengths `ip xfrm state` takes for `hmac(sha1)` (16–64 bytes,
//!   20 recommended), `cbc(aes)` (16) and `rfc4106(gcm(aes))` (20). The
//!   original hard-coded its keys; every host of a secure vnet is given the
//!   same SPI and keys (a group key), and each sender's sequence numbers are
//!   checked separately.
#![forbid(unsafe_code)]

use std::fmt;

use crate::esp::SaKeys;
use crate::id::{IdError, VnetId};
use crate::sxp::{self, Sxp};

/// Security levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Clear.
    None,
    /// ESP, HMAC-SHA1-96.
    Auth,
    /// ESP, AES-128-CBC + HMAC-SHA1-96.
    Conf,
    /// ESP, AES-128-GCM.
    Gcm,
}

impl Level {
    /// The configuration keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Auth => "auth",
            Level::Conf => "conf",
            Level::Gcm => "gcm",
        }
    }
}

/// Security of a vnet: clear, or ESP with an SPI and keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// No ESP.
    None,
    /// ESP with this SPI and keys (the level follows from the keys).
    Esp {
        /// The SPI.
        spi: u32,
        /// The keys.
        keys: SaKeys,
    },
}

impl Security {
    /// The level.
    pub fn level(&self) -> Level {
        match self {
            Security::None => Level::None,
            Security::Esp {
                keys: SaKeys::Auth { .. },
                ..
            } => Level::Auth,
            Security::Esp {
                keys: SaKeys::Conf { .. },
                ..
            } => Level::Conf,
            Security::Esp {
                keys: SaKeys::Gcm { .. },
                ..
            } => Level::Gcm,
        }
    }
}

/// One vnet's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VnetConfig {
    /// The id.
    pub id: VnetId,
    /// The bridge domains' vifs join.
    pub bridge: String,
    /// The TAP interface carrying the vnet's traffic, enslaved to the bridge.
    pub vnetif: String,
    /// Security.
    pub security: Security,
}

/// A configuration error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not valid SXP.
    #[error(transparent)]
    Parse(#[from] sxp::ParseError),
    /// The form is not `(vnet …)`.
    #[error("expected a (vnet ...) form, found {0}")]
    NotVnet(String),
    /// A required field is missing.
    #[error("(vnet ...) is missing ({0} ...)")]
    Missing(&'static str),
    /// A field given twice.
    #[error("({0} ...) given more than once")]
    Duplicate(String),
    /// A field we do not know.
    #[error("unknown field ({0} ...)")]
    Unknown(String),
    /// A field whose value is not a single atom.
    #[error("({0} ...) must have exactly one atom value")]
    NotAtom(String),
    /// A bad vnet id.
    #[error("bad vnet id: {0}")]
    Id(#[from] IdError),
    /// A bad interface name.
    #[error("bad {field} name {name:?}: {why}")]
    Name {
        /// `bridge` or `vnetif`.
        field: &'static str,
        /// The name.
        name: String,
        /// Why.
        why: &'static str,
    },
    /// An unknown security level.
    #[error("unknown security level {0:?}; expected none, auth, conf or gcm")]
    Level(String),
    /// `(esp …)` given with `(security none)`.
    #[error("(esp ...) keys given but security is none")]
    KeysWithoutSecurity,
    /// A key the level needs is missing.
    #[error("security {level} needs (esp ({key} ...))")]
    MissingKey {
        /// The level.
        level: &'static str,
        /// The key field.
        key: &'static str,
    },
    /// A key for another level.
    #[error("(esp ({key} ...)) does not belong to security {level}")]
    ExtraKey {
        /// The level.
        level: &'static str,
        /// The key field.
        key: String,
    },
    /// A key that is not hex of the right length.
    #[error("(esp ({key} ...)): {why}")]
    BadKey {
        /// The key field.
        key: &'static str,
        /// Why.
        why: String,
    },
    /// A bad SPI.
    #[error("bad SPI {0:?}: need a number 256..=4294967295 (decimal or 0x hex)")]
    Spi(String),
}

fn atom(item: &Sxp) -> Result<&str, ConfigError> {
    match item {
        Sxp::List(v) if v.len() == 2 => v[1]
            .as_atom()
            .ok_or_else(|| ConfigError::NotAtom(item.name().unwrap_or("").into())),
        _ => Err(ConfigError::NotAtom(item.name().unwrap_or("").into())),
    }
}

fn check_name(field: &'static str, name: &str) -> Result<String, ConfigError> {
    let bad = |why| ConfigError::Name {
        field,
        name: name.into(),
        why,
    };
    if name.is_empty() {
        return Err(bad("empty"));
    }
    if name.len() > 14 {
        return Err(bad("longer than 14 characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(bad("only letters, digits, '.', '_' and '-' are allowed"));
    }
    Ok(name.into())
}

/// Parses hex (optional `0x`) of an allowed length.
fn hex_key(
    key: &'static str,
    text: &str,
    lens: std::ops::RangeInclusive<usize>,
) -> Result<Vec<u8>, ConfigError> {
    let h = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let bad = |why: String| ConfigError::BadKey { key, why };
    if h.len() % 2 != 0 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("not an even number of hex digits".into()));
    }
    let bytes: Vec<u8> = (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    if !lens.contains(&bytes.len()) {
        let want = if lens.start() == lens.end() {
            format!("{}", lens.start())
        } else {
            format!("{} to {}", lens.start(), lens.end())
        };
        return Err(bad(format!("{} bytes, need {want}", bytes.len())));
    }
    Ok(bytes)
}

fn parse_spi(text: &str) -> Result<u32, ConfigError> {
    let v = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => text.parse::<u32>().ok(),
    };
    v.filter(|&s| s >= 256)
        .ok_or_else(|| ConfigError::Spi(text.into()))
}

fn need<'a>(
    v: Option<&'a str>,
    level: &'static str,
    key: &'static str,
) -> Result<&'a str, ConfigError> {
    v.ok_or(ConfigError::MissingKey { level, key })
}

fn parse_esp(level: Level, esp: &Sxp) -> Result<Security, ConfigError> {
    let (mut spi, mut auth, mut enc, mut aead) = (None, None, None, None);
    for c in esp.children(None) {
        let name = c.name().unwrap_or("");
        let slot = match name {
            "spi" => &mut spi,
            "auth-key" => &mut auth,
            "enc-key" => &mut enc,
            "aead-key" => &mut aead,
            other => return Err(ConfigError::Unknown(format!("esp {other}"))),
        };
        if slot.replace(atom(c)?).is_some() {
            return Err(ConfigError::Duplicate(format!("esp {name}")));
        }
    }
    let lvl = level.as_str();
    let spi = parse_spi(spi.ok_or(ConfigError::MissingKey {
        level: lvl,
        key: "spi",
    })?)?;
    let extra = |v: Option<&str>, key: &str| match v {
        Some(_) => Err(ConfigError::ExtraKey {
            level: lvl,
            key: key.into(),
        }),
        None => Ok(()),
    };
    let keys = match level {
        Level::None => return Err(ConfigError::KeysWithoutSecurity),
        Level::Auth => {
            extra(enc, "enc-key")?;
            extra(aead, "aead-key")?;
            SaKeys::Auth {
                auth_key: hex_key("auth-key", need(auth, lvl, "auth-key")?, 16..=64)?,
            }
        }
        Level::Conf => {
            extra(aead, "aead-key")?;
            let e = hex_key("enc-key", need(enc, lvl, "enc-key")?, 16..=16)?;
            SaKeys::Conf {
                enc_key: e.try_into().unwrap_or([0; 16]),
                auth_key: hex_key("auth-key", need(auth, lvl, "auth-key")?, 16..=64)?,
            }
        }
        Level::Gcm => {
            extra(auth, "auth-key")?;
            extra(enc, "enc-key")?;
            let k = hex_key("aead-key", need(aead, lvl, "aead-key")?, 20..=20)?;
            let mut key = [0u8; 16];
            let mut salt = [0u8; 4];
            key.copy_from_slice(&k[..16]);
            salt.copy_from_slice(&k[16..]);
            SaKeys::Gcm { key, salt }
        }
    };
    Ok(Security::Esp { spi, keys })
}

impl VnetConfig {
    /// Parses a configuration file's text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        Self::from_sxp(&sxp::parse(text)?)
    }

    /// Reads a `(vnet …)` form; a `(vnet.add …)` command has the same children.
    pub fn from_sxp(v: &Sxp) -> Result<Self, ConfigError> {
        match (v, v.name()) {
            (Sxp::List(_), Some("vnet" | "vnet.add")) => {}
            _ => {
                return Err(ConfigError::NotVnet(
                    v.to_string().chars().take(40).collect(),
                ))
            }
        }
        let (mut id, mut bridge, mut vnetif, mut security, mut esp) =
            (None, None, None, None, None);
        for c in v.children(None) {
            let name = c.name().unwrap_or("");
            if name == "esp" {
                if esp.replace(c).is_some() {
                    return Err(ConfigError::Duplicate("esp".into()));
                }
                continue;
            }
            let slot = match name {
                "id" => &mut id,
                "bridge" => &mut bridge,
                "vnetif" => &mut vnetif,
                "security" => &mut security,
                other => return Err(ConfigError::Unknown(other.into())),
            };
            if slot.replace(atom(c)?).is_some() {
                return Err(ConfigError::Duplicate(name.into()));
            }
        }
        let id = VnetId::parse(id.ok_or(ConfigError::Missing("id"))?)?;
        let bridge = check_name("bridge", bridge.ok_or(ConfigError::Missing("bridge"))?)?;
        let vnetif = match vnetif {
            Some(n) => check_name("vnetif", n)?,
            None => id.default_vnetif(),
        };
        let level = match security.unwrap_or("none") {
            "none" => Level::None,
            "auth" => Level::Auth,
            "conf" => Level::Conf,
            "gcm" => Level::Gcm,
            other => return Err(ConfigError::Level(other.into())),
        };
        let security = match (level, esp) {
            (Level::None, None) => Security::None,
            (Level::None, Some(_)) => return Err(ConfigError::KeysWithoutSecurity),
            (l, None) => {
                return Err(ConfigError::MissingKey {
                    level: l.as_str(),
                    key: "spi",
                })
            }
            (l, Some(e)) => parse_esp(l, e)?,
        };
        Ok(VnetConfig {
            id,
            bridge,
            vnetif,
            security,
        })
    }

    /// The SXP form; keys only with `with_keys` (listings leave them out).
    pub fn to_sxp(&self, with_keys: bool) -> Sxp {
        let mut v = vec![
            Sxp::atom("vnet"),
            Sxp::pair("id", self.id.to_string()),
            Sxp::pair("bridge", self.bridge.clone()),
            Sxp::pair("vnetif", self.vnetif.clone()),
            Sxp::pair("security", self.security.level().as_str()),
        ];
        if let (Security::Esp { spi, keys }, true) = (&self.security, with_keys) {
            let hex = |b: &[u8]| {
                format!(
                    "0x{}",
                    b.iter().map(|x| format!("{x:02x}")).collect::<String>()
                )
            };
            let mut e = vec![Sxp::atom("esp"), Sxp::pair("spi", format!("{spi:#x}"))];
            match keys {
                SaKeys::Auth { auth_key } => e.push(Sxp::pair("auth-key", hex(auth_key))),
                SaKeys::Conf { enc_key, auth_key } => {
                    e.push(Sxp::pair("enc-key", hex(enc_key)));
                    e.push(Sxp::pair("auth-key", hex(auth_key)));
                }
                SaKeys::Gcm { key, salt } => {
                    let mut k = key.to_vec();
                    k.extend_from_slice(salt);
                    e.push(Sxp::pair("aead-key", hex(&k)));
                }
            }
            v.push(Sxp::List(e));
        }
        Sxp::List(v)
    }
}

impl fmt::Display for VnetConfig {
    /// The listing form (no keys).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_sxp(false).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K20: &str = "0x000102030405060708090a0b0c0d0e0f10111213";
    const K16: &str = "000102030405060708090a0b0c0d0e0f";

    #[test]
    fn manual_example() {
        let c = VnetConfig::parse("(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none))")
            .unwrap();
        assert_eq!(c.id, VnetId::from_u128(0x97));
        assert_eq!((c.bridge.as_str(), c.vnetif.as_str()), ("vnet97", "vnif97"));
        assert_eq!(c.security, Security::None);
        assert_eq!(
            c.to_string(),
            "(vnet (id 0:0:0:0:0:0:0:97) (bridge vnet97) (vnetif vnif97) (security none))"
        );
        let d = VnetConfig::parse("# defaults\n(vnet (id 2) (bridge br2))").unwrap();
        assert_eq!(
            (d.vnetif.as_str(), d.security.level()),
            ("vnif0002", Level::None)
        );
    }

    #[test]
    fn every_level_roundtrips_with_keys() {
        for text in [
            format!("(vnet (id 10) (bridge b) (security auth) (esp (spi 4097) (auth-key {K20})))"),
            format!("(vnet (id 10) (bridge b) (security conf) (esp (spi 0x1001) (enc-key {K16}) (auth-key {K20})))"),
            format!("(vnet (id 10) (bridge b) (security gcm) (esp (spi 0x1001) (aead-key {K20})))"),
        ] {
            let c = VnetConfig::parse(&text).unwrap();
            let Security::Esp { spi, .. } = c.security else { panic!() };
            assert_eq!(spi, 0x1001);
            let again = VnetConfig::from_sxp(&c.to_sxp(true)).unwrap();
            assert_eq!(again, c);
            assert!(!c.to_string().contains("key"), "listing leaks keys");
        }
        let c = VnetConfig::parse(&format!(
            "(vnet (id 10) (bridge b) (security gcm) (esp (spi 0x1001) (aead-key {K20})))"
        ))
        .unwrap();
        let Security::Esp {
            keys: SaKeys::Gcm { key, salt },
            ..
        } = c.security
        else {
            panic!()
        };
        assert_eq!((key[15], salt), (15, [16, 17, 18, 19]));
    }

    #[test]
    fn malformed_configs_get_precise_errors() {
        use ConfigError as E;
        let p = VnetConfig::parse;
        assert!(matches!(p("(vnet (id 97)"), Err(E::Parse(_))));
        assert_eq!(p("(vif (id 97))"), Err(E::NotVnet("(vif (id 97))".into())));
        assert_eq!(p("(vnet (bridge b))"), Err(E::Missing("id")));
        assert_eq!(p("(vnet (id 97))"), Err(E::Missing("bridge")));
        assert_eq!(p("(vnet (id 1) (bridge b))"), Err(E::Id(IdError::Reserved)));
        assert_eq!(p("(vnet (id 0) (bridge b))"), Err(E::Id(IdError::Zero)));
        assert_eq!(
            p("(vnet (id 2) (id 3) (bridge b))"),
            Err(E::Duplicate("id".into()))
        );
        assert_eq!(
            p("(vnet (id 2) (bridge b) (colour red))"),
            Err(E::Unknown("colour".into()))
        );
        assert_eq!(
            p("(vnet (id 2) (bridge b c))"),
            Err(E::NotAtom("bridge".into()))
        );
        assert!(matches!(
            p("(vnet (id 2) (bridge abcdefghijklmno))"),
            Err(E::Name {
                field: "bridge",
                ..
            })
        ));
        assert!(matches!(
            p("(vnet (id 2) (bridge b) (vnetif \"a b\"))"),
            Err(E::Name {
                field: "vnetif",
                ..
            })
        ));
        assert_eq!(
            p("(vnet (id 2) (bridge b) (security high))"),
            Err(E::Level("high".into()))
        );
        assert_eq!(
            p("(vnet (id 2) (bridge b) (security auth))"),
            Err(E::MissingKey {
                level: "auth",
                key: "spi"
            })
        );
        assert_eq!(
            p("(vnet (id 2) (bridge b) (esp (spi 300)))"),
            Err(E::KeysWithoutSecurity)
        );
        assert_eq!(
            p("(vnet (id 2) (bridge b) (security conf) (esp (spi 300) (auth-key 0x0011223344556677889900112233445566778899)))"),
            Err(E::MissingKey { level: "conf", key: "enc-key" })
        );
        assert_eq!(
            p(&format!("(vnet (id 2) (bridge b) (security auth) (esp (spi 300) (auth-key {K20}) (aead-key {K20})))")),
            Err(E::ExtraKey { level: "auth", key: "aead-key".into() })
        );
        assert_eq!(
            p(&format!(
                "(vnet (id 2) (bridge b) (security auth) (esp (spi 255) (auth-key {K20})))"
            )),
            Err(E::Spi("255".into()))
        );
        let e = p("(vnet (id 2) (bridge b) (security gcm) (esp (spi 300) (aead-key 0x0011)))")
            .unwrap_err();
        assert_eq!(e.to_string(), "(esp (aead-key ...)): 2 bytes, need 20");
        let e = p("(vnet (id 2) (bridge b) (security gcm) (esp (spi 300) (aead-key 0x0g11)))")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "(esp (aead-key ...)): not an even number of hex digits"
        );
        let e = p("(vnet (id 2)\n (bridge b) (security \"gcm)").unwrap_err();
        assert_eq!(
            e.to_string(),
            "sxp 2:28: unexpected end of input: string opened at 2:23 is not closed"
        );
    }
}
