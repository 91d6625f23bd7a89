//! `/dev/xen/evtchn`: event channels of this domain, as `libxenevtchn`
//! offers them to C daemons.
//!
//! Ports bound through one open file belong to it and are closed with it.
//! When a port fires, the kernel masks it and queues its number; a read
//! returns queued numbers (native-endian `u32`s) and writing a number back
//! unmasks the port.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;

use xen_abi::sys::{
    IoctlEvtchnBindInterdomain, IoctlEvtchnBindUnboundPort, IoctlEvtchnBindVirq, IoctlEvtchnNotify,
    IoctlEvtchnUnbind,
};

use crate::sys::ioctl;

/// An open `/dev/xen/evtchn`.
#[derive(Debug)]
pub struct EventChannels {
    file: File,
}

impl EventChannels {
    /// Opens the device; reads block until a port fires.
    pub fn open() -> io::Result<Self> {
        Self::open_with(0)
    }

    /// Opens the device in non-blocking mode (for `poll`/`epoll` loops):
    /// [`pending`](Self::pending) returns no port instead of blocking.
    pub fn open_nonblocking() -> io::Result<Self> {
        Self::open_with(libc::O_NONBLOCK)
    }

    fn open_with(flags: i32) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC | flags)
            .open("/dev/xen/evtchn")?;
        Ok(Self { file })
    }

    fn port(r: i32) -> u32 {
        r as u32
    }

    /// Binds a local port to `remote_port` of `remote_domain`, which that
    /// domain allocated unbound for us; returns the local port.
    pub fn bind_interdomain(&self, remote_domain: u32, remote_port: u32) -> io::Result<u32> {
        let mut a = IoctlEvtchnBindInterdomain {
            remote_domain,
            remote_port,
        };
        ioctl(self.file.as_fd(), &mut a).map(Self::port)
    }

    /// Binds a `VIRQ_*` of this domain; returns the local port.
    pub fn bind_virq(&self, virq: u32) -> io::Result<u32> {
        let mut a = IoctlEvtchnBindVirq { virq };
        ioctl(self.file.as_fd(), &mut a).map(Self::port)
    }

    /// Allocates a port `remote_domain` may bind; returns it.
    pub fn bind_unbound(&self, remote_domain: u32) -> io::Result<u32> {
        let mut a = IoctlEvtchnBindUnboundPort { remote_domain };
        ioctl(self.file.as_fd(), &mut a).map(Self::port)
    }

    /// Closes a port bound through this file.
    pub fn unbind(&self, port: u32) -> io::Result<()> {
        let mut a = IoctlEvtchnUnbind { port };
        ioctl(self.file.as_fd(), &mut a).map(drop)
    }

    /// Sends an event on a bound port.
    pub fn notify(&self, port: u32) -> io::Result<()> {
        let mut a = IoctlEvtchnNotify { port };
        ioctl(self.file.as_fd(), &mut a).map(drop)
    }

    /// Appends the ports that fired to `out` (at most 64 per call); each
    /// stays masked until [`unmask`](Self::unmask)ed. Blocks in blocking
    /// mode; returns 0 in non-blocking mode when none fired.
    pub fn pending(&self, out: &mut Vec<u32>) -> io::Result<usize> {
        let mut buf = [0u8; 64 * 4];
        let n = match (&self.file).read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(e) => return Err(e),
        };
        let before = out.len();
        out.extend(
            buf[..n - n % 4]
                .chunks_exact(4)
                .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])),
        );
        Ok(out.len() - before)
    }

    /// Unmasks a port after its event was handled.
    pub fn unmask(&self, port: u32) -> io::Result<()> {
        (&self.file).write_all(&port.to_ne_bytes())
    }
}

impl AsFd for EventChannels {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}
