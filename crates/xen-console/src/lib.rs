//! The Xen PV console (`io/console.h`).
//!
//! * [`ring`] (no_std): the `in`/`out` byte rings of the console page,
//!   front ([`Front`], the guest) and back ([`Back`], the console daemon),
//!   over xen-mem's [`FrameMemory`](xen_mem::FrameMemory); hostile
//!   indexes are clamped.
//! * [`keys`]: the `console/ring-ref` and `console/port` keys in xenstore.
//! * [`backend`] (feature `std`): a backend that serves the guest's
//!   console on a PTY and appends its output to a log file, as
//!   xenconsoled does, and publishes the PTY in xenstore
//!   (`console/tty`).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "std")]
pub mod backend;
pub mod keys;
pub mod ring;

pub use ring::{Back, Front, RingEnd};
