//! The guest side checked against the real thing: our Rust test guests
//! boot as PVH dom0 on Debian's Xen 4.17 (unpacked by `x.sh`) in the same
//! QEMU as our hypervisor, and pass there too.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn test_version_passes_on_debians_xen_4_17() {
    if !tools_present(true) {
        return;
    }
    let Some(run) = run_on_reference_xen(
        "ref-version",
        &guest("test-version"),
        Duration::from_secs(240),
    ) else {
        return;
    };
    assert_lines(
        &run.log,
        &[
            "(XEN) Xen version 4.17",
            "(XEN) *** Building a PVH Dom0 ***",
            "Xen version 4.17",
            "hypercall page: xen_version 4.17",
            "Test result: SUCCESS",
            "(XEN) Hardware Dom0 halted: halting machine",
        ],
    );
    eprintln!("Xen 4.17 boot to dom0 halt: {:?}", run.elapsed);
}
