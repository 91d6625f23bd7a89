//! The Xen block split driver (`io/blkif.h`).
//!
//! * [`request`]: requests of either ABI (native, x86_32) decoded into
//!   one private form, segment and bounds checks.
//! * [`backend`]: validation and dispatch over xen-ring's back half onto a
//!   [`storage::Storage`], reaching the guest's pages through
//!   [`grant::GrantAccess`]; hostile requests get error responses.
//! * [`frontend`]: the no_std front half (native ABI).
//! * [`xenbus`]: the feature and ring keys both ends exchange in xenstore.
//! * [`file`](mod@file) (feature `std`): raw image files as storage (pread/pwrite,
//!   fdatasync, hole punching).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod backend;
#[cfg(feature = "std")]
pub mod file;
pub mod frontend;
pub mod grant;
pub mod request;
pub mod storage;
pub mod xenbus;

pub use backend::{Backend, BackendConfig, BackendError, Processed, Stats};
pub use frontend::{Frontend, Segment};
pub use grant::{FrameTable, GrantAccess, GrantFault};
pub use request::Protocol;
pub use storage::{MemDisk, Storage, StorageError};
