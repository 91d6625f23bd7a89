//! Xen 4.17 grant tables (`grant_table.h`): the shared grant entries a
//! granting domain writes (v1 and v2 layouts, status words), their `GTF_*`
//! flags, the `GNTTABOP_*` hypercall sub-operations and their argument
//! structures, the `GNTMAP_*`/`GNTCOPY_*`/`GNTTAB_CACHE_*` flag words, the
//! per-element `GNTST_*` result codes, and arithmetic on grant-table frames.
//!
//! C unions are modelled as a plain storage field plus typed accessors, so
//! every type stays a byte-exact `#[repr(C)]` structure with no `unsafe`.

use zerocopy::{FromBytes, Immutable, IntoBytes};

mod entry;
mod ops;
mod status;

pub use entry::*;
pub use ops::*;
pub use status::*;

/// `grant_handle_t` (`grant_table.h`): the handle Xen returns for a mapping,
/// later passed back to unmap it.
pub type GrantHandle = u32;

/// `grant_status_t` (`grant_table.h`): one entry of a v2 status frame,
/// holding the `GTF_reading`/`GTF_writing` bits Xen maintains for the
/// matching shared entry.
pub type GrantStatus = u16;

/// Size of a grant-table frame (x86 page) in bytes.
pub const GRANT_FRAME_SIZE: usize = 4096;

/// Reads a `T` from the start of `bytes`, which the callers guarantee is long enough.
fn read_prefix<T: FromBytes>(bytes: &[u8]) -> T {
    match T::read_from_prefix(bytes) {
        Ok((v, _)) => v,
        Err(_) => unreachable!("union arm larger than its storage"),
    }
}

/// Writes `v` to the start of `dst`, which the callers guarantee is long enough.
fn write_prefix<T: IntoBytes + Immutable>(v: &T, dst: &mut [u8]) {
    if v.write_to_prefix(dst).is_err() {
        unreachable!("union arm larger than its storage");
    }
}
