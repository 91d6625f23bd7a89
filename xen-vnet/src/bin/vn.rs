//! `vn`: talks to `vnetd` over its control socket.
use std::net::{SocketAddrV4, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xen_vnet::config::VnetConfig;
use xen_vnet::control::Command;
use xen_vnet::daemon::request;
use xen_vnet::id::VnetId;
use xen_vnet::sxp::Sxp;
use xen_vnet::wire::VNET_PORT;

/// Manage vnets on this host.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// vnetd's control socket.
    #[arg(long, default_value = "/tmp/vnetd")]
    socket: PathBuf,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create a vnet from a configuration file `(vnet (id …) (bridge …) …)`.
    VnetCreate {
        /// The file.
        file: PathBuf,
    },
    /// Delete a vnet.
    VnetDelete {
        /// Its id.
        id: String,
    },
    /// List vnets.
    VnetList,
    /// Add a forwarding peer (address or host name).
    PeerAdd {
        /// The peer.
        addr: String,
        /// Its port.
        #[arg(long, default_value_t = VNET_PORT)]
        port: u16,
    },
    /// Remove a forwarding peer.
    PeerDel {
        /// The peer.
        addr: String,
    },
    /// List peers.
    Peers,
    /// Show the VARP cache.
    VarpList,
    /// Show counters.
    Stats,
}

fn resolve(host: &str, port: u16) -> Result<SocketAddrV4, String> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .find_map(|a| match a {
            std::net::SocketAddr::V4(v) => Some(v),
            _ => None,
        })
        .ok_or_else(|| format!("{host}: no IPv4 address"))
}

fn command(cmd: Cmd) -> Result<Command, String> {
    Ok(match cmd {
        Cmd::VnetCreate { file } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            Command::VnetAdd(
                VnetConfig::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?,
            )
        }
        Cmd::VnetDelete { id } => Command::VnetDel(VnetId::parse(&id).map_err(|e| e.to_string())?),
        Cmd::VnetList => Command::VnetList,
        Cmd::PeerAdd { addr, port } => Command::PeerAdd(resolve(&addr, port)?),
        Cmd::PeerDel { addr } => Command::PeerDel(*resolve(&addr, 0)?.ip()),
        Cmd::Peers => Command::PeerList,
        Cmd::VarpList => Command::VarpList,
        Cmd::Stats => Command::Stats,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let a = Args::parse();
    let cmd = match command(a.cmd) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vn: {e}");
            return ExitCode::from(2);
        }
    };
    match request(&a.socket, &cmd).await {
        Err(e) => {
            eprintln!("vn: {}: {e}", a.socket.display());
            ExitCode::FAILURE
        }
        Ok(Sxp::List(items)) if items.first().and_then(Sxp::as_atom) == Some("ok") => {
            for i in &items[1..] {
                println!("{i}");
            }
            ExitCode::SUCCESS
        }
        Ok(reply) => {
            // (err "message"): print the message alone.
            let text = match &reply {
                Sxp::List(v) if v.len() == 2 && v[0].as_atom() == Some("err") => {
                    v[1].as_atom().map(str::to_owned)
                }
                _ => None,
            };
            eprintln!("vn: {}", text.unwrap_or_else(|| reply.to_string()));
            ExitCode::FAILURE
        }
    }
}
