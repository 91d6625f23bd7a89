//! Linux dom0 interfaces to Xen, for daemons and tools running in a
//! control domain: what `libxenevtchn`, `libxengnttab`, `libxencall` and
//! `libxenstore`'s xenfs helpers are to Xen's C tools.
//!
//! - [`EventChannels`]: `/dev/xen/evtchn`, bind, notify, wait for and
//!   unmask event-channel ports.
//! - [`GrantDevice`]: `/dev/xen/gntdev`, map another domain's grant into
//!   this process as a [`RawFrames`] view (so the engines of this workspace,
//!   generic over [`xen_mem::FrameMemory`], run on it unchanged).
//! - [`Privcmd`]: `/dev/xen/privcmd`, hypercalls on this domain's behalf,
//!   with `XEN_DOMCTL_getdomaininfo` as a typed call.
//! - [`xenfs`]: the xenstore ring page and port Linux keeps for a local
//!   xenstored (`/proc/xen/xsd_kva`, `/proc/xen/xsd_port`).
//! - [`tap`]: host TAP interfaces, where backends and vnets put guests'
//!   frames.
//!
//! Every device argument is an `xen_abi::sys` type; the `unsafe` system
//! calls are confined to the private `sys` module, each behind a typed,
//! checked wrapper.
#![cfg(target_os = "linux")]

mod evtchn;
mod gntdev;
mod privcmd;
mod sys;
pub mod tap;
pub mod xenfs;

pub use evtchn::EventChannels;
pub use gntdev::GrantDevice;
pub use privcmd::{DomainInfo, Privcmd};
pub use xen_mem::RawFrames;

/// Where Linux puts the Xen device nodes.
pub const DEV_XEN: &str = "/dev/xen";

/// Whether this kernel runs on Xen with the dom0 devices present
/// (`/dev/xen/evtchn` and `/dev/xen/privcmd`).
pub fn on_xen() -> bool {
    std::path::Path::new("/dev/xen/evtchn").exists()
        && std::path::Path::new("/dev/xen/privcmd").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Off Xen every device says it is missing, as an error (no panic).
    #[test]
    fn devices_missing_off_xen_are_clean_errors() {
        if on_xen() {
            return;
        }
        let kinds = [
            EventChannels::open().map(drop).unwrap_err().kind(),
            GrantDevice::open().map(drop).unwrap_err().kind(),
            Privcmd::open().map(drop).unwrap_err().kind(),
        ];
        assert!(
            kinds.iter().all(|k| *k == std::io::ErrorKind::NotFound),
            "{kinds:?}"
        );
        assert!(!xenfs::has_local_store());
        assert!(xenfs::store_port().is_err());
    }
}
