//! `cargo xtask run`: the project's main job.
//!
//! Until the hypervisor boots a Xen host in QEMU, the main job demonstrates
//! the most complete pieces that exist:
//! 1. the ABI crate verified against the installed Xen 4.17 C headers
//!    (every size, offset and constant compiled and compared);
//! 2. the credit scheduler simulating a mixed host with the toolstack
//!    changing weights, caps, vCPUs and pCPUs at run time, with the report
//!    printed and a plot written to `target/credit-sim-mix.svg`.

use crate::shell::{cargo, root, status};

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
    let mut ok = status(&mut abi);

    let workload = root().join("xen-sched-credit/workloads/mix.wl");
    let plot = root().join("target/credit-sim-mix.svg");
    let (workload, plot) = (workload.to_string_lossy(), plot.to_string_lossy());
    ok &= status(&mut cargo(&[
        "run",
        "--release",
        "--quiet",
        "--package",
        "xen-sched-credit",
        "--bin",
        "credit-sim",
        "--",
        &workload,
        "--plot",
        &plot,
    ]));
    if ok {
        eprintln!("\nplot of domain CPU shares over time: {plot}");
    }
    ok
}
