//! System tests: xen-hv booted for real under QEMU (TCG, emulated AMD SVM),
//! from a GRUB multiboot2 ISO and through QEMU's PVH `-kernel` loader.
//!
//! Each test builds the bare-metal images (`x86_64-unknown-none`), boots
//! with a time limit and reads the serial log. They skip when QEMU or
//! `grub-mkrescue` are missing, unless `XEN_HV_REQUIRE_QEMU=1` (set by the
//! README's test command, which installs them).

mod common;

use std::time::Duration;

use common::*;

#[test]
fn boots_from_grub_multiboot2_runs_dom0_and_powers_off() {
    if !tools_present(true) {
        return;
    }
    let dir = scratch("grub");
    let kernel = std::fs::read(guest("test-version")).expect("test guest image");
    let iso = grub_iso(
        &dir,
        "multiboot2 /boot/xen-hv console=com1 com1=115200,8n1 loglvl=all dom0_mem=32M frobnicate com1=warp\n\
         module2 /boot/test-version console=hvc0 xtf-test",
        &[("test-version", &kernel)],
    );
    let run = qemu(
        &dir,
        &["-cdrom", iso.to_str().unwrap()],
        Duration::from_secs(60),
    );
    assert!(run.exited, "QEMU did not power off:\n{}", run.log);
    assert_lines(
        &run.log,
        &[
            "(XEN) Xen version 4.17",
            "(XEN) Bootloader: GRUB",
            "(XEN) Command line: console=com1 com1=115200,8n1 loglvl=all dom0_mem=32M",
            "(XEN) parameter \"frobnicate\" unknown!",
            "(XEN) parameter \"com1\" has invalid value \"warp\"",
            "(XEN) Xen-e820 RAM map:",
            "(usable)",
            "(XEN) System RAM: 511MB",
            "(XEN) ACPI: 2 CPU(s) enabled",
            "(XEN) Detected ",
            "(XEN) Brought up 2 CPUs",
            "(XEN) HVM: SVM enabled",
            "(XEN) HVM: Hardware Assisted Paging (HAP) detected",
            "console=hvc0 xtf-test",
            "(XEN) *** LOADING DOMAIN 0 ***",
            "(XEN) Dom0 has maximum 1 VCPUs, 32 MB of RAM",
            "Xen version 4.17",
            "hypercall page: xen_version 4.17",
            "start info v1: 3 memory map entries, RSDP at 0xe0000",
            "Test result: SUCCESS",
            "(XEN) Hardware Dom0 halted: halting machine",
        ],
    );
    // Until dom0 runs, every line is the hypervisor's own, with its prefix.
    let before_dom0 = run.log.split("*** Serial input to DOM0").next().unwrap();
    for l in before_dom0.lines().filter(|l| !l.trim().is_empty()) {
        assert!(l.starts_with("(XEN) "), "unprefixed line {l:?}");
    }
    eprintln!("GRUB boot to dom0 power-off: {:?}", run.elapsed);
}

#[test]
fn a_dom0_image_that_is_not_pvh_is_refused() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("notelf");
    let module = dir.join("dom0.img");
    std::fs::write(&module, b"MZ this is not an ELF kernel").unwrap();
    let run = pvh_boot(
        &dir,
        "console=com1",
        Some(&module),
        Duration::from_secs(120),
        None,
    );
    assert!(run.exited, "QEMU did not reset:\n{}", run.log);
    assert_lines(
        &run.log,
        &["(XEN) Could not set up DOM0 guest OS: not an ELF image"],
    );
}

#[test]
fn boots_through_the_pvh_entry() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("pvh");
    let module = guest("test-version");
    let run = pvh_boot(
        &dir,
        "console=com1 loglvl=all maxcpus=1",
        Some(&module),
        Duration::from_secs(60),
        None,
    );
    assert!(run.exited, "QEMU did not power off:\n{}", run.log);
    assert_lines(
        &run.log,
        &[
            "(XEN) Bootloader: PVH",
            "(XEN) Command line: console=com1 loglvl=all maxcpus=1",
            "(XEN) Brought up 1 CPUs",
            "(XEN) Module 0:",
            "Test result: SUCCESS",
            "(XEN) Hardware Dom0 halted: halting machine",
        ],
    );
}

#[test]
fn no_dom0_kernel_panics_like_xen_and_resets() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("nodom0");
    let run = pvh_boot(&dir, "console=com1", None, Duration::from_secs(120), None);
    assert!(run.exited, "QEMU did not reset:\n{}", run.log);
    assert_lines(
        &run.log,
        &[
            "(XEN) Panic on CPU 0:",
            "(XEN) dom0 kernel not specified. Check bootloader configuration.",
            "(XEN) Reboot in five seconds...",
        ],
    );
}

#[test]
fn noreboot_keeps_the_machine_halted_after_a_panic() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("noreboot");
    let run = pvh_boot(
        &dir,
        "console=com1 noreboot",
        None,
        Duration::from_secs(60),
        Some("Manual reset required"),
    );
    assert!(!run.exited, "QEMU exited although noreboot was given");
    assert_lines(
        &run.log,
        &["(XEN) Manual reset required ('noreboot' specified)"],
    );
}
