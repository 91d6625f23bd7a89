//! The runtime for Rust guest kernels on Xen (and xen-hv): the PVH entry,
//! hypercalls, the hypervisor console and shutdown.
//!
//! A guest kernel is a `#![no_std] #![no_main]` binary for
//! `x86_64-unknown-none`, linked with [`LINKER_SCRIPT`], that defines
//! `#[no_mangle] extern "C" fn xen_guest_main(start_info: u64) -> !`.
#![no_std]

#[cfg(target_os = "none")]
mod entry;
pub mod hypercall;

use core::fmt;

/// The linker script guests link with (entered at 1 MiB).
pub const LINKER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest.ld");

/// A `fmt::Write` sink to the hypervisor console (`console_io`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if hypercall::console_write(s.as_bytes()) < 0 {
            return Err(fmt::Error);
        }
        Ok(())
    }
}

/// Prints to the hypervisor console.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::Console, format_args!("{}\n", format_args!($($arg)*)));
    }};
}

/// Test verdicts in XTF's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed.
    Success,
    /// A check failed.
    Failure,
    /// The test could not run here.
    Skip,
}

/// Prints `Test result: <verdict>` and powers the domain off (crash on
/// failure, as XTF does).
pub fn finish(v: Verdict) -> ! {
    let (word, reason) = match v {
        Verdict::Success => ("SUCCESS", xen_abi::sched::SHUTDOWN_POWEROFF),
        Verdict::Failure => ("FAILURE", xen_abi::sched::SHUTDOWN_CRASH),
        Verdict::Skip => ("SKIP", xen_abi::sched::SHUTDOWN_POWEROFF),
    };
    println!("Test result: {word}");
    hypercall::shutdown(reason);
    loop {
        core::hint::spin_loop();
    }
}
