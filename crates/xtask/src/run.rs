//! `cargo xtask run`: the project's main job.
//!
//! 1. The ABI crate verified against the installed Xen 4.17 C headers
//!    (every size, offset and constant compiled and compared).
//! 2. The credit scheduler simulating a mixed host with the toolstack
//!    changing weights, caps, vCPUs and pCPUs at run time, with the report
//!    printed and a plot written to `target/credit-sim-mix.svg`.
//! 3. The hypervisor booted for real: a GRUB multiboot2 ISO with xen-hv
//!    and a Rust test guest as dom0 (`target/xen-hv.iso`), run under QEMU
//!    (TCG, emulated AMD SVM) with its serial console on the terminal,
//!    until dom0 powers the machine off. (Grows into a Debian dom0 shell.)

use std::process::Command;

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
    ok &= boot_xen_hv();
    ok
}

/// Builds xen-hv and the test guest, wraps them in a GRUB ISO and boots it.
fn boot_xen_hv() -> bool {
    if !status(&mut cargo(&[
        "build",
        "--release",
        "--quiet",
        "--package",
        "xen-hv",
        "--package",
        "xen-test-guests",
        "--target",
        "x86_64-unknown-none",
    ])) {
        return false;
    }
    let bin = root().join("target/x86_64-unknown-none/release");
    let tree = root().join("target/xen-hv-iso");
    let _ = std::fs::remove_dir_all(&tree);
    let grub = tree.join("boot/grub");
    if std::fs::create_dir_all(&grub).is_err()
        || std::fs::copy(bin.join("xen-hv"), tree.join("boot/xen-hv")).is_err()
        || std::fs::copy(bin.join("test-version"), tree.join("boot/test-version")).is_err()
    {
        eprintln!("xtask: cannot lay out {}", tree.display());
        return false;
    }
    let cfg = "set timeout=0\nset default=0\n\
               menuentry 'Xen 4.17 (xen-rs) with a Rust test guest as dom0' {\n\
               \tmultiboot2 /boot/xen-hv console=com1 com1=115200,8n1 loglvl=all dom0_mem=64M\n\
               \tmodule2 /boot/test-version console=hvc0\n}\n";
    if std::fs::write(grub.join("grub.cfg"), cfg).is_err() {
        return false;
    }
    let iso = root().join("target/xen-hv.iso");
    let made = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(&iso)
        .arg(&tree)
        .output()
        .is_ok_and(|o| o.status.success());
    if !made {
        eprintln!("xtask: grub-mkrescue failed (packages grub-pc-bin xorriso mtools)");
        return false;
    }
    eprintln!(
        "\nbooting {} under QEMU (TCG, AMD SVM emulated):\n",
        iso.display()
    );
    status(
        Command::new("qemu-system-x86_64")
            .args(["-machine", "q35", "-accel", "tcg", "-cpu", "EPYC,-monitor"])
            .args(["-m", "512", "-smp", "2", "-display", "none", "-no-reboot"])
            .args(["-serial", "stdio", "-monitor", "none", "-cdrom"])
            .arg(&iso),
    )
}
