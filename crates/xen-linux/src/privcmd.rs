//! `/dev/xen/privcmd`: hypercalls made by the kernel on this process's
//! behalf, as `libxencall` offers them to the C toolstack.
//!
//! Arguments the hypervisor reads through pointers must sit in memory that
//! is present and stays put: like `libxencall`, this uses a page of
//! `/dev/xen/hypercall` when the kernel has it, else a locked anonymous
//! page.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::ptr::NonNull;
use std::sync::Mutex;

use xen_abi::domctl::{Domctl, XEN_DOMCTL_GETDOMAININFO};
use xen_abi::sys::PrivcmdHypercall;
use xen_abi::xen::__HYPERVISOR_DOMCTL;
use xen_abi::DomId;
use xen_mem::{FrameMemory, Mfn, RawFrames, PAGE_SIZE};
use zerocopy::IntoBytes;

use crate::sys::{frames, ioctl, map_locked, map_shared};

/// What `XEN_DOMCTL_getdomaininfo` reports about a domain.
pub use xen_abi::domctl::DomctlGetDomainInfo as DomainInfo;

/// An open `/dev/xen/privcmd` with a hypercall buffer page.
#[derive(Debug)]
pub struct Privcmd {
    file: File,
    buf: Mutex<Buffer>,
}

#[derive(Debug)]
struct Buffer {
    addr: u64,
    page: RawFrames,
}

impl Privcmd {
    /// Opens the device and sets up the hypercall buffer.
    pub fn open() -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open("/dev/xen/privcmd")?;
        let base: NonNull<u8> = match OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open("/dev/xen/hypercall")
        {
            Ok(h) => map_shared(h.as_fd(), PAGE_SIZE, 0)?,
            Err(_) => map_locked(PAGE_SIZE)?,
        };
        let addr = base.as_ptr() as u64;
        let page = frames(base, 1, || {});
        Ok(Self {
            file,
            buf: Mutex::new(Buffer { addr, page }),
        })
    }

    /// Makes hypercall `op` with raw arguments; returns its result. Xen's
    /// negative error codes come back as the matching `io::Error`.
    pub fn hypercall(&self, op: u32, args: [u64; 5]) -> io::Result<i64> {
        let mut h = PrivcmdHypercall {
            op: op.into(),
            arg: args,
        };
        ioctl(self.file.as_fd(), &mut h).map(i64::from)
    }

    /// Runs a domctl: `d` is copied to the buffer, the hypercall made and
    /// the result copied back into `d`.
    pub fn domctl(&self, d: &mut Domctl) -> io::Result<()> {
        let buf = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        buf.page
            .write(Mfn(0), 0, d.as_bytes())
            .map_err(io::Error::other)?;
        let r = self.hypercall(__HYPERVISOR_DOMCTL, [buf.addr, 0, 0, 0, 0]);
        buf.page
            .read(Mfn(0), 0, d.as_mut_bytes())
            .map_err(io::Error::other)?;
        r.map(drop)
    }

    /// `XEN_DOMCTL_getdomaininfo` for `domid`; `None` when no such domain
    /// exists (Xen 4.17 answers with the next domain, which is not taken
    /// for this one).
    pub fn domain_info(&self, domid: DomId) -> io::Result<Option<DomainInfo>> {
        let mut d = Domctl::new(XEN_DOMCTL_GETDOMAININFO, domid);
        match self.domctl(&mut d) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Ok(None),
            Err(e) => return Err(e),
        }
        let info: DomainInfo = d.payload();
        Ok((info.domain == domid).then_some(info))
    }
}
