//! TAP devices (`/dev/net/tun`, `IFF_TAP | IFF_NO_PI`) and the `ip`
//! commands that attach them to bridges.
//!
//! The crate's only `unsafe` is here: [`register`], which hands owned
//! descriptors to tokio's reactor (the device itself is opened by
//! `xen_linux::tap`).
#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::process::Command;

use tokio::io::unix::AsyncFd;

/// An open TAP device; closing it removes the (non-persistent) interface.
pub struct Tap {
    fd: AsyncFd<File>,
    name: String,
}

impl Tap {
    /// Creates (or attaches to) TAP interface `name`.
    pub fn open(name: &str) -> io::Result<Self> {
        let file = xen_linux::tap::open(name)?;
        Ok(Tap {
            fd: register(file)?,
            name: name.into(),
        })
    }

    /// The interface name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads one frame.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut g = self.fd.readable().await?;
            match g.try_io(|f| f.get_ref().read(buf)) {
                Ok(r) => return r,
                Err(_would_block) => continue,
            }
        }
    }

    /// Writes one frame; a full queue drops it (as a NIC would).
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        match self.fd.get_ref().write(frame) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Registers an owned descriptor (a `File` or a `socket2::Socket`) with
/// tokio's reactor.
pub fn register<T: AsRawFd + OwnedDescriptor>(t: T) -> io::Result<AsyncFd<T>> {
    // SAFETY: `T` owns its descriptor (sealed to File and Socket, whose fds
    // are valid from construction and closed only on drop); the `AsyncFd`
    // takes ownership of `t`, so the descriptor is neither closed nor
    // replaced while it is registered, which is what `register` requires.
    let r = unsafe { AsyncFd::register(t) };
    r.map_err(|e| io::Error::other(e.to_string()))
}

/// Types that own the descriptor they expose (File, socket2::Socket).
pub trait OwnedDescriptor: private::Sealed {}
impl OwnedDescriptor for File {}
impl OwnedDescriptor for socket2::Socket {}
mod private {
    pub trait Sealed {}
    impl Sealed for std::fs::File {}
    impl Sealed for socket2::Socket {}
}

/// Runs `ip args…`, failing with its stderr.
pub fn ip(args: &[&str]) -> io::Result<()> {
    let out = Command::new("ip").args(args).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Makes sure bridge `bridge` exists and is up, and enslaves `tap` to it.
///
/// The TAP gets the fixed MAC `tap_mac`, and a bridge we create gets
/// `bridge_mac`: a Linux bridge otherwise takes its ports' lowest MAC, and
/// a TAP recreated with a random MAC after a daemon restart would change
/// the bridge's address under every neighbour's ARP cache.
pub fn attach(
    tap: &str,
    bridge: &str,
    mtu: u32,
    tap_mac: &str,
    bridge_mac: &str,
) -> io::Result<()> {
    if ip(&["link", "show", "dev", bridge]).is_err() {
        ip(&["link", "add", "name", bridge, "type", "bridge"])?;
        ip(&["link", "set", "dev", bridge, "address", bridge_mac])?;
    }
    let mtu = mtu.to_string();
    ip(&["link", "set", "dev", tap, "address", tap_mac])?;
    ip(&["link", "set", "dev", tap, "mtu", &mtu])?;
    ip(&["link", "set", "dev", tap, "master", bridge])?;
    ip(&["link", "set", "dev", tap, "up"])?;
    ip(&["link", "set", "dev", bridge, "up"])
}
