//! Host TAP devices (`/dev/net/tun`, `IFF_TAP | IFF_NO_PI`) named as Xen
//! names a guest's backend interfaces: `vif<domid>.<n>`.
//!
//! The crate's only `unsafe` is here: the `TUNSETIFF` ioctl.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::string::String;
use std::vec::Vec;

use crate::backend::{PacketSink, SinkError};
use crate::csum::fill_checksum;
use crate::packet::PacketInfo;

const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
const IFF_TAP: libc::c_short = 0x0002;
const IFF_NO_PI: libc::c_short = 0x1000;

/// `struct ifreq` as `TUNSETIFF` reads it: name, flags, padding to 40 bytes.
#[repr(C)]
struct IfReq {
    name: [u8; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

/// The backend interface name of device `n` of domain `domid`.
pub fn vif_name(domid: u16, n: u32) -> String {
    std::format!("vif{domid}.{n}")
}

/// An open TAP device; closing it removes the (non-persistent) interface.
#[derive(Debug)]
pub struct Tap {
    file: File,
    name: String,
    buf: Vec<u8>,
}

impl Tap {
    /// Creates (or attaches to) TAP interface `name` in the calling
    /// thread's network namespace; reads do not block.
    pub fn open(name: &str) -> io::Result<Tap> {
        if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains('/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "bad interface name",
            ));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open("/dev/net/tun")?;
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            flags: IFF_TAP | IFF_NO_PI,
            _pad: [0; 22],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        // SAFETY: `file` is an open descriptor of /dev/net/tun for the whole
        // call; TUNSETIFF reads and writes a `struct ifreq`, and `req` is a
        // 40-byte `#[repr(C)]` ifreq (name, flags, padding) on our stack
        // that outlives the call.
        let r = unsafe { libc::ioctl(file.as_raw_fd(), TUNSETIFF, &mut req as *mut IfReq) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Tap {
            file,
            name: name.into(),
            buf: Vec::new(),
        })
    }

    /// The interface name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads one frame if one is queued (`None`: nothing now).
    pub fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match (&self.file).read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes one frame.
    pub fn send(&mut self, frame: &[u8]) -> io::Result<()> {
        (&self.file).write(frame).map(drop)
    }
}

impl PacketSink for Tap {
    fn frame_buffer(&mut self, len: usize) -> &mut [u8] {
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        &mut self.buf[..len]
    }

    /// Writes the frame. The device has no `IFF_VNET_HDR`, so a blank
    /// checksum (`csum_blank`) is completed here ([`fill_checksum`]); GSO
    /// state is not passed on (a TAP-backed vif should not offer GSO; see
    /// the README).
    fn commit(&mut self, len: usize, info: &PacketInfo) -> Result<(), SinkError> {
        if info.csum_blank {
            fill_checksum(&mut self.buf[..len]);
        }
        (&self.file)
            .write(&self.buf[..len])
            .map(drop)
            .map_err(|_| SinkError)
    }
}
