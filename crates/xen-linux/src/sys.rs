//! The system calls behind the device wrappers: `ioctl` with a typed
//! argument and shared `mmap`/`munmap`. This is the crate's only `unsafe`
//! code; each request number is tied to its argument type by [`Request`],
//! so a wrong-size argument cannot be passed.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;

use xen_abi::sys::*;

/// An `ioctl` argument structure and the request that takes it.
pub(crate) trait Request: Sized {
    /// The `ioctl` request number (`_IOC(_IOC_NONE, …, sizeof(Self))`).
    const NR: u32;
}

macro_rules! request {
    ($($ty:ty => $nr:expr),* $(,)?) => {$(
        impl Request for $ty {
            const NR: u32 = $nr;
        }
    )*};
}

request! {
    IoctlEvtchnBindVirq => IOCTL_EVTCHN_BIND_VIRQ,
    IoctlEvtchnBindInterdomain => IOCTL_EVTCHN_BIND_INTERDOMAIN,
    IoctlEvtchnBindUnboundPort => IOCTL_EVTCHN_BIND_UNBOUND_PORT,
    IoctlEvtchnUnbind => IOCTL_EVTCHN_UNBIND,
    IoctlEvtchnNotify => IOCTL_EVTCHN_NOTIFY,
    IoctlGntdevMapGrantRef => IOCTL_GNTDEV_MAP_GRANT_REF,
    IoctlGntdevUnmapGrantRef => IOCTL_GNTDEV_UNMAP_GRANT_REF,
    PrivcmdHypercall => IOCTL_PRIVCMD_HYPERCALL,
}

/// `ioctl(fd, R::NR, arg)`; returns the non-negative result.
pub(crate) fn ioctl<R: Request>(fd: BorrowedFd<'_>, arg: &mut R) -> io::Result<i32> {
    // SAFETY: `arg` is an exclusively borrowed, initialised `R`, and `R::NR`
    // is the request whose argument has exactly `R`'s layout (the number
    // encodes `size_of::<R>()`, checked against the C headers in xen-abi).
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), R::NR as _, arg as *mut R) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// `IFNAMSIZ`: interface names are shorter than this.
pub(crate) const IFNAMSIZ: usize = libc::IFNAMSIZ;

/// `struct ifreq` as `TUNSETIFF` takes it: name, flags, padding to 40 bytes.
#[repr(C)]
pub(crate) struct IfReq {
    name: [u8; IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

impl IfReq {
    /// A request for interface `name` (shorter than [`IFNAMSIZ`]).
    pub(crate) fn new(name: &[u8], flags: i16) -> Self {
        let mut r = IfReq {
            name: [0; IFNAMSIZ],
            flags,
            _pad: [0; 22],
        };
        r.name[..name.len()].copy_from_slice(name);
        r
    }
}

/// `TUNSETIFF` (`_IOW('T', 202, int)`).
const TUNSETIFF: u32 = 0x4004_54ca;

/// `ioctl(fd, TUNSETIFF, req)` on an open `/dev/net/tun`.
pub(crate) fn tun_set_iff(fd: BorrowedFd<'_>, req: &mut IfReq) -> io::Result<()> {
    // SAFETY: TUNSETIFF reads and writes a `struct ifreq`; `req` is an
    // exclusively borrowed 40-byte `#[repr(C)]` ifreq that outlives the call.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, req as *mut IfReq) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, offset)`.
pub(crate) fn map_shared(fd: BorrowedFd<'_>, len: usize, offset: u64) -> io::Result<NonNull<u8>> {
    let off = libc::off_t::try_from(offset)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "mmap offset out of range"))?;
    // SAFETY: a fresh shared mapping chosen by the kernel (no fixed address),
    // so no existing memory is affected.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            off,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(p.cast()).ok_or_else(|| io::Error::other("mmap returned NULL"))
}

/// A private, locked, populated anonymous page range (hypercall buffers).
pub(crate) fn map_locked(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: a fresh anonymous mapping chosen by the kernel.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_LOCKED | libc::MAP_POPULATE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(p.cast()).ok_or_else(|| io::Error::other("mmap returned NULL"))
}

/// Removes a mapping made by [`map_shared`] or [`map_locked`].
///
/// # Safety
/// `base .. base + len` must be exactly a mapping returned by one of them,
/// no longer used by anyone.
pub(crate) unsafe fn unmap(base: NonNull<u8>, len: usize) {
    // SAFETY: the caller hands over a whole mapping nobody uses any more.
    unsafe { libc::munmap(base.as_ptr().cast(), len) };
}

/// Views a fresh mapping as frames, unmapping it (then running `after`)
/// when the view is dropped.
pub(crate) fn frames(
    base: NonNull<u8>,
    pages: usize,
    after: impl FnOnce() + Send + Sync + 'static,
) -> xen_mem::RawFrames {
    let release: xen_mem::ReleaseHook = Box::new(move |base, len| {
        // SAFETY: the view owning this mapping is being dropped; nothing
        // else refers to it.
        unsafe { unmap(base, len) };
        after();
    });
    // SAFETY: `base` is a page-aligned mapping of `pages` pages (mmap
    // returns page-aligned addresses), valid until the release hook above
    // unmaps it; the peer domain accesses it only as shared memory.
    unsafe { xen_mem::RawFrames::new(base, pages, Some(release)) }
}
