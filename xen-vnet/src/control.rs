//! The control protocol of `vnetd`: one SXP command per connection on a
//! unix socket (`/tmp/vnetd` by default, as the original), one SXP reply.
//!
//! | command | arguments |
//! |---|---|
//! | `vnet.add` | the children of a `(vnet …)` configuration, see [`crate::config`] |
//! | `vnet.del` | `(id <id>)` |
//! | `vnet.list`, `peer.list`, `varp.list`, `stats` | none |
//! | `peer.add` | `(addr <ipv4>)`, optional `(port <port>)` (default 1798) |
//! | `peer.del` | `(addr <ipv4>)` |
//!
//! Replies are `(ok item…)` or `(err "message")`. Listings never contain
//! keys. This module only parses and prints; the daemon executes.
#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::config::{ConfigError, VnetConfig};
use crate::id::VnetId;
use crate::sxp::Sxp;
use crate::wire::VNET_PORT;

/// A control command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Create a vnet (persisted).
    VnetAdd(VnetConfig),
    /// Delete a vnet.
    VnetDel(VnetId),
    /// List vnets.
    VnetList,
    /// Add a forwarding peer.
    PeerAdd(SocketAddrV4),
    /// Remove a peer.
    PeerDel(Ipv4Addr),
    /// List peers.
    PeerList,
    /// List the VARP cache.
    VarpList,
    /// Counters.
    Stats,
}

/// A command that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Unknown head.
    #[error("unknown command {0:?}")]
    Unknown(String),
    /// Bad vnet configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A missing or bad argument.
    #[error("{cmd}: {why}")]
    Arg {
        /// The command.
        cmd: &'static str,
        /// What is wrong.
        why: String,
    },
}

fn arg<'a>(v: &'a Sxp, cmd: &'static str, name: &str) -> Result<&'a str, CommandError> {
    v.child_value(name)
        .and_then(Sxp::as_atom)
        .ok_or_else(|| CommandError::Arg {
            cmd,
            why: format!("missing ({name} ...)"),
        })
}

fn ip(v: &Sxp, cmd: &'static str) -> Result<Ipv4Addr, CommandError> {
    let a = arg(v, cmd, "addr")?;
    a.parse().map_err(|_| CommandError::Arg {
        cmd,
        why: format!("{a:?} is not an IPv4 address"),
    })
}

impl Command {
    /// Reads a command form.
    pub fn from_sxp(v: &Sxp) -> Result<Self, CommandError> {
        let name = v.name().unwrap_or("");
        Ok(match name {
            "vnet.add" => Command::VnetAdd(VnetConfig::from_sxp(v)?),
            "vnet.del" => {
                let id = arg(v, "vnet.del", "id")?;
                Command::VnetDel(VnetId::parse(id).map_err(ConfigError::from)?)
            }
            "vnet.list" => Command::VnetList,
            "peer.add" => {
                let addr = ip(v, "peer.add")?;
                let port = match v.child_value("port").and_then(Sxp::as_atom) {
                    None => VNET_PORT,
                    Some(p) => p.parse().map_err(|_| CommandError::Arg {
                        cmd: "peer.add",
                        why: format!("bad port {p:?}"),
                    })?,
                };
                Command::PeerAdd(SocketAddrV4::new(addr, port))
            }
            "peer.del" => Command::PeerDel(ip(v, "peer.del")?),
            "peer.list" => Command::PeerList,
            "varp.list" => Command::VarpList,
            "stats" => Command::Stats,
            other => return Err(CommandError::Unknown(other.into())),
        })
    }

    /// Parses command text.
    pub fn parse(text: &str) -> Result<Self, CommandError> {
        let v = crate::sxp::parse(text).map_err(ConfigError::from)?;
        Self::from_sxp(&v)
    }

    /// The command form (a `vnet.add` carries the keys: the socket is
    /// root-only).
    pub fn to_sxp(&self) -> Sxp {
        let head = |s: &str| Sxp::atom(s);
        match self {
            Command::VnetAdd(c) => {
                let Sxp::List(mut items) = c.to_sxp(true) else {
                    unreachable!("to_sxp gives a list")
                };
                items[0] = head("vnet.add");
                Sxp::List(items)
            }
            Command::VnetDel(id) => {
                Sxp::List(vec![head("vnet.del"), Sxp::pair("id", id.to_string())])
            }
            Command::VnetList => Sxp::List(vec![head("vnet.list")]),
            Command::PeerAdd(a) => Sxp::List(vec![
                head("peer.add"),
                Sxp::pair("addr", a.ip().to_string()),
                Sxp::pair("port", a.port().to_string()),
            ]),
            Command::PeerDel(a) => {
                Sxp::List(vec![head("peer.del"), Sxp::pair("addr", a.to_string())])
            }
            Command::PeerList => Sxp::List(vec![head("peer.list")]),
            Command::VarpList => Sxp::List(vec![head("varp.list")]),
            Command::Stats => Sxp::List(vec![head("stats")]),
        }
    }
}

/// `(ok item…)`.
pub fn ok(items: Vec<Sxp>) -> Sxp {
    let mut v = vec![Sxp::atom("ok")];
    v.extend(items);
    Sxp::List(v)
}

/// `(err "message")`.
pub fn err(msg: impl Into<String>) -> Sxp {
    Sxp::List(vec![Sxp::atom("err"), Sxp::atom(msg)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_roundtrip() {
        let cmds = [
            Command::parse("(vnet.add (id 97) (bridge vnet97) (vnetif vnif97) (security none))")
                .unwrap(),
            Command::parse("(vnet.del (id 97))").unwrap(),
            Command::parse("(vnet.list)").unwrap(),
            Command::parse("(peer.add (addr 192.0.2.211))").unwrap(),
            Command::parse("(peer.add (addr 192.0.2.211) (port 1799))").unwrap(),
            Command::parse("(peer.del (addr 192.0.2.211))").unwrap(),
            Command::parse("(peer.list)").unwrap(),
            Command::parse("(varp.list)").unwrap(),
            Command::parse("(stats)").unwrap(),
        ];
        assert_eq!(
            cmds[3],
            Command::PeerAdd("192.0.2.211:1798".parse().unwrap())
        );
        for c in cmds {
            assert_eq!(Command::from_sxp(&c.to_sxp()).unwrap(), c);
        }
    }

    #[test]
    fn bad_commands() {
        assert_eq!(
            Command::parse("(vnet.frob)"),
            Err(CommandError::Unknown("vnet.frob".into()))
        );
        assert_eq!(
            Command::parse("(peer.add (addr hostB))")
                .unwrap_err()
                .to_string(),
            "peer.add: \"hostB\" is not an IPv4 address"
        );
        assert_eq!(
            Command::parse("(vnet.del)").unwrap_err().to_string(),
            "vnet.del: missing (id ...)"
        );
        assert!(matches!(
            Command::parse("(vnet.del (id 1))"),
            Err(CommandError::Config(_))
        ));
        assert!(matches!(
            Command::parse("(vnet.add (id 5))"),
            Err(CommandError::Config(ConfigError::Missing("bridge")))
        ));
        assert_eq!(err("x y").to_string(), "(err \"x y\")");
    }
}
