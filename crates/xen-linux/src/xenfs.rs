//! The xenstore ring of this domain as Linux keeps it for a xenstored
//! running locally (dom0 before any daemon runs): `xenfs` at `/proc/xen`
//! exposes the page (`xsd_kva`, mappable) and its event-channel port
//! (`xsd_port`, decimal text).

use std::fs::OpenOptions;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use xen_mem::{RawFrames, PAGE_SIZE};

use crate::sys::{frames, map_shared};

/// Where xenfs is mounted.
pub const XENFS: &str = "/proc/xen";

/// Whether this domain's kernel offers a local xenstore ring.
pub fn has_local_store() -> bool {
    Path::new(XENFS).join("xsd_kva").exists()
}

/// Maps the local xenstore ring page (`/proc/xen/xsd_kva`) as `Mfn(0)`.
pub fn map_store_page() -> io::Result<RawFrames> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(Path::new(XENFS).join("xsd_kva"))?;
    let base = map_shared(f.as_fd(), PAGE_SIZE, 0)?;
    // The mapping stays valid after the file is closed.
    Ok(frames(base, 1, || {}))
}

/// The local xenstore ring's unbound port (`/proc/xen/xsd_port`).
pub fn store_port() -> io::Result<u32> {
    let s = std::fs::read_to_string(Path::new(XENFS).join("xsd_port"))?;
    parse_port(&s)
}

fn parse_port(s: &str) -> io::Result<u32> {
    s.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{XENFS}/xsd_port: not a port number: {:?}", s.trim()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_text() {
        assert_eq!(parse_port("7\n").unwrap(), 7);
        let e = parse_port("x").unwrap_err();
        assert!(e.to_string().contains("not a port number"), "{e}");
    }
}
