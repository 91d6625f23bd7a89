//! Hypercall entry for boot domains.
//!
//! STOPGAP: this answers the handful of calls the first test guests make
//! (`xen_version`, `console_io` write, `sched_op` shutdown) until
//! `crates/xen-core`'s dispatcher (domains, guest page walks, every
//! hypercall with xen-grant, xen-evtchn and xen-sched-credit behind it)
//! is wired in; unknown calls answer -ENOSYS as Xen does. Guest pointers
//! are treated as guest-physical (the test guests run identity-mapped);
//! the xen-core walker replaces that.

use xen_abi::errno::{XEN_EFAULT, XEN_ENOSYS};
use xen_abi::xen::hypercall::{
    __HYPERVISOR_CONSOLE_IO, __HYPERVISOR_SCHED_OP, __HYPERVISOR_XEN_VERSION,
};
use xen_x86::console::print_prefixed;

use crate::vm::{Frames, GuestRam};

/// What the exit loop does after a hypercall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Resume the guest.
    Continue,
    /// The domain asked to power off.
    PowerOff,
    /// The domain asked to reboot.
    Reboot,
    /// The domain crashed (or asked to be treated as crashed).
    Crash,
}

/// Longest console write accepted per call (Xen copies in chunks too).
const CONSOLE_CHUNK: usize = 1024;

/// Handles hypercall `nr` of domain `dom`; returns rax and what to do next.
pub fn dispatch(
    dom: u16,
    ram: &GuestRam,
    frames: &mut Frames<'_>,
    nr: u64,
    a: [u64; 5],
) -> (i64, Action) {
    let Ok(nr) = u32::try_from(nr) else {
        return (-i64::from(XEN_ENOSYS), Action::Continue);
    };
    match nr {
        __HYPERVISOR_XEN_VERSION if a[0] == u64::from(xen_abi::version::XENVER_VERSION) => {
            (i64::from(crate::cpuid::XEN_VERSION), Action::Continue)
        }
        __HYPERVISOR_CONSOLE_IO if a[0] == u64::from(xen_abi::xen::CONSOLEIO_WRITE) => {
            let len = (a[1] as usize).min(CONSOLE_CHUNK);
            let mut buf = [0u8; CONSOLE_CHUNK];
            if !ram.read(frames, a[2], &mut buf[..len]) {
                return (-i64::from(XEN_EFAULT), Action::Continue);
            }
            let text = core::str::from_utf8(&buf[..len]).unwrap_or("<invalid UTF-8>");
            if dom == 0 {
                print_prefixed("", format_args!("{text}"));
            } else {
                print_prefixed("", format_args!("(d{dom}) {text}"));
            }
            (len as i64, Action::Continue)
        }
        __HYPERVISOR_SCHED_OP if a[0] == u64::from(xen_abi::sched::SCHEDOP_SHUTDOWN) => {
            let mut reason = [0u8; 4];
            if !ram.read(frames, a[1], &mut reason) {
                return (-i64::from(XEN_EFAULT), Action::Continue);
            }
            match u32::from_le_bytes(reason) {
                xen_abi::sched::SHUTDOWN_POWEROFF => (0, Action::PowerOff),
                xen_abi::sched::SHUTDOWN_REBOOT => (0, Action::Reboot),
                _ => (0, Action::Crash),
            }
        }
        _ => (-i64::from(XEN_ENOSYS), Action::Continue),
    }
}

/// The hypercall page: entry `i` at `32 * i` is `mov eax, i; vmmcall; ret`.
pub fn page() -> [u8; 4096] {
    let mut p = [0xccu8; 4096];
    for i in 0..128u32 {
        let at = (i * 32) as usize;
        p[at] = 0xb8;
        p[at + 1..at + 5].copy_from_slice(&i.to_le_bytes());
        p[at + 5..at + 8].copy_from_slice(&[0x0f, 0x01, 0xd9]);
        p[at + 8] = 0xc3;
    }
    p
}
