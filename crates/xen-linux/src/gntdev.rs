//! `/dev/xen/gntdev`: mapping pages other domains granted to us, as
//! `libxengnttab` offers it to C daemons.
//!
//! A map request reserves an offset in the device; `mmap` at that offset
//! maps the grant. Undoing it is the reverse: `munmap`, then the unmap
//! request. [`GrantDevice::map`] returns the page as a [`RawFrames`] view
//! whose drop does both.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;

use xen_abi::sys::{IoctlGntdevGrantRef, IoctlGntdevMapGrantRef, IoctlGntdevUnmapGrantRef};
use xen_mem::{RawFrames, PAGE_SIZE};

use crate::sys::{frames, ioctl, map_shared};

/// An open `/dev/xen/gntdev`.
#[derive(Debug, Clone)]
pub struct GrantDevice {
    fd: Arc<OwnedFd>,
}

impl GrantDevice {
    /// Opens the device.
    pub fn open() -> io::Result<Self> {
        let file: File = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open("/dev/xen/gntdev")?;
        Ok(Self {
            fd: Arc::new(file.into()),
        })
    }

    /// Maps grant `gref` of domain `domid` (read-write) as one frame,
    /// `Mfn(0)` of the returned view. The grant stays mapped until the
    /// view is dropped.
    pub fn map(&self, domid: u32, gref: u32) -> io::Result<RawFrames> {
        let mut req = IoctlGntdevMapGrantRef {
            count: 1,
            pad: 0,
            index: 0,
            refs: [IoctlGntdevGrantRef { domid, gref }],
        };
        ioctl(self.fd.as_fd(), &mut req)?;
        let index = req.index;
        let base = match map_shared(self.fd.as_fd(), PAGE_SIZE, index) {
            Ok(b) => b,
            Err(e) => {
                let _ = Self::unmap_index(&self.fd, index);
                return Err(e);
            }
        };
        let fd = self.fd.clone();
        Ok(frames(base, 1, move || {
            let _ = Self::unmap_index(&fd, index);
        }))
    }

    fn unmap_index(fd: &OwnedFd, index: u64) -> io::Result<()> {
        let mut req = IoctlGntdevUnmapGrantRef {
            index,
            count: 1,
            pad: 0,
        };
        ioctl(fd.as_fd(), &mut req).map(drop)
    }
}
