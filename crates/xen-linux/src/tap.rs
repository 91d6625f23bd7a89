//! Host TAP devices (`/dev/net/tun` in `IFF_TAP | IFF_NO_PI` mode): the
//! interfaces dom0 daemons put guests' traffic on (a netif backend's
//! `vif<domid>.<n>`, a vnet's `vnif<id>`).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;

use crate::sys::{tun_set_iff, IfReq, IFNAMSIZ};

/// `IFF_TAP`: Ethernet frames.
const IFF_TAP: i16 = 0x0002;
/// `IFF_NO_PI`: no packet-information prefix on each frame.
const IFF_NO_PI: i16 = 0x1000;

/// Creates (or attaches to) TAP interface `name` in the calling thread's
/// network namespace and returns its non-blocking file: each read gives one
/// frame, each write sends one. Closing it removes a non-persistent
/// interface.
pub fn open(name: &str) -> io::Result<File> {
    if name.is_empty() || name.len() >= IFNAMSIZ || name.contains(['/', '\0']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "bad interface name {name:?} (1 to {} bytes, no '/')",
                IFNAMSIZ - 1
            ),
        ));
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open("/dev/net/tun")?;
    let mut req = IfReq::new(name.as_bytes(), IFF_TAP | IFF_NO_PI);
    tun_set_iff(file.as_fd(), &mut req)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_checked_before_any_device_is_touched() {
        for bad in ["", "a/b", "0123456789abcdef"] {
            let e = super::open(bad).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{bad:?}");
        }
    }
}
