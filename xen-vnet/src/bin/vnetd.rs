//! `vnetd`: the vnet daemon. See the crate README.
use std::net::Ipv4Addr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use xen_vnet::daemon::{run, Options};
use xen_vnet::node::Encaps;

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// etherip in UDP port 1798 (the original's default).
    Udp,
    /// raw IP protocol 97.
    Etherip,
}

/// Virtual networks tunnelled over IP, compatible with Xen 3.x vnets.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// This host's address on the physical network.
    #[arg(long)]
    local: Ipv4Addr,
    /// Directory for persisted vnets and peers.
    #[arg(long, default_value = "/var/lib/vnetd")]
    state_dir: PathBuf,
    /// Control socket.
    #[arg(long, default_value = "/tmp/vnetd")]
    control: PathBuf,
    /// Encapsulation.
    #[arg(long, value_enum, default_value = "udp")]
    encaps: Mode,
    /// Do not use multicast (reach other hosts through peers only).
    #[arg(long)]
    no_multicast: bool,
    /// MTU of the vnet TAP interfaces.
    #[arg(long, default_value_t = 1500)]
    mtu: u32,
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let opts = Options {
        local: a.local,
        state_dir: a.state_dir,
        control: a.control,
        encaps: match a.encaps {
            Mode::Udp => Encaps::Udp,
            Mode::Etherip => Encaps::Raw,
        },
        multicast: !a.no_multicast,
        mtu: a.mtu,
    };
    if let Err(e) = run(opts).await {
        eprintln!("vnetd: {e}");
        std::process::exit(1);
    }
}
