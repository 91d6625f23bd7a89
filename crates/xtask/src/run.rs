//! `cargo xtask run`: the project's main job.
//!
//! Until the hypervisor boots a Xen host in QEMU, the main job demonstrates
//! the most complete pieces that exist: the ABI crate verified against the
//! installed Xen 4.17 headers, and every subsystem demo that has landed.

use crate::shell::{cargo, status};

/// Runs the main job; true on success.
pub fn run() -> bool {
    let mut abi = cargo(&[
        "test",
        "--package",
        "xen-abi",
        "--test",
        "c_headers",
        "--",
        "--nocapture",
    ]);
    abi.env("XEN_ABI_REQUIRE_C_HEADERS", "1");
    status(&mut abi)
}
