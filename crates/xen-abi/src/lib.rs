//! Byte-exact Rust definitions of the Xen 4.17 public interface on x86_64.
//!
//! Every type here mirrors one structure of Xen's public headers
//! (`xen/include/public/…`, installed by Debian's `libxen-dev` under
//! `/usr/include/xen`) with the same size, field offsets and alignment, so a
//! value can be copied to or from guest memory, a shared page or a socket as
//! raw bytes. Types derive [`zerocopy`]'s traits for that; flag words are
//! [`bitflags`] types; numbers (hypercalls, sub-ops, error codes) are
//! constants named after their C counterparts.
//!
//! Layouts are checked twice: each module has unit tests asserting every
//! size and field offset with the numbers of Xen's C headers, and the
//! integration test `tests/c_headers/` compiles a C program against the
//! installed headers and compares its `sizeof`/`offsetof` output with this
//! crate when those headers are present.
//!
//! This crate is `no_std` and contains no `unsafe` code: it is shared by the
//! hypervisor, guest kernels, backends and the toolstack alike.
#![no_std]
#![forbid(unsafe_code)]

#[macro_use]
mod layout;

pub mod types;
pub use types::{DomId, EvtchnPort, GrantRef, GuestHandle, XenPfn};

pub mod arch_x86;
pub mod cpuid;
pub mod domctl;
pub mod elfnote;
pub mod errno;
pub mod event_channel;
pub mod grant_table;
pub mod hvm;
pub mod io;
pub mod memory;
pub mod sched;
pub mod sys;
pub mod sysctl;
pub mod vcpu;
pub mod version;
pub mod xen;
pub mod xs_wire;
