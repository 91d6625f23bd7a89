//! Host TAP devices (opened by `xen_linux::tap`) named as Xen names a
//! guest's backend interfaces: `vif<domid>.<n>`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::string::String;
use std::vec::Vec;

use crate::backend::{PacketSink, SinkError};
use crate::csum::fill_checksum;
use crate::packet::PacketInfo;

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
        let file = xen_linux::tap::open(name)?;
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
