//! Shutdown codes and guest crashes, on xen-hv and on Debian's Xen 4.17
//! side by side: the same guest, the same expected `(XEN)` lines.

mod common;

use std::time::Duration;

use common::*;

/// Boots `test-shutdown mode=<mode>` as dom0 on xen-hv from GRUB with
/// `noreboot`, stopping once dom0's end has been logged.
fn on_xen_hv(mode: &str) -> Option<Run> {
    if !tools_present(true) {
        return None;
    }
    let dir = scratch(&format!("shutdown-{mode}"));
    let kernel = std::fs::read(guest("test-shutdown")).expect("test guest image");
    let iso = grub_iso(
        &dir,
        &format!(
            "multiboot2 /boot/xen-hv console=com1 noreboot\nmodule2 /boot/test-shutdown mode={mode}"
        ),
        &[("test-shutdown", &kernel)],
    );
    Some(qemu_until(
        &dir,
        &["-cdrom", iso.to_str().unwrap()],
        Duration::from_secs(120),
        Some("Hardware Dom0"),
    ))
}

fn on_xen_4_17(mode: &str) -> Option<Run> {
    if !tools_present(true) {
        return None;
    }
    run_on_reference_xen_with(
        &format!("ref-shutdown-{mode}"),
        &guest("test-shutdown"),
        &format!("mode={mode}"),
        Duration::from_secs(240),
    )
}

fn both(mode: &str, expected: &[&str]) {
    for run in [on_xen_hv(mode), on_xen_4_17(mode)].into_iter().flatten() {
        assert_lines(&run.log, &[&format!("test-shutdown: mode {mode}")]);
        assert_lines(&run.log, expected);
    }
}

#[test]
fn crash_code_crashes_dom0_like_xen() {
    both(
        "crash",
        &["(XEN) Hardware Dom0 crashed: 'noreboot' set - not rebooting."],
    );
}

#[test]
fn reboot_code_reboots_like_xen() {
    both(
        "reboot",
        &["(XEN) Hardware Dom0 shutdown: rebooting machine"],
    );
}

#[test]
fn a_triple_fault_crashes_only_the_domain_like_xen() {
    both(
        "triple-fault",
        &[
            "(XEN) d0v0 Triple fault - invoking HVM shutdown action 1",
            "(XEN) *** Dumping Dom0 vcpu#0 state: ***",
            "CONTEXT: hvm guest (d0v0)",
        ],
    );
}
