//! xen-hv's benchmarks under QEMU TCG, in emulated TSC cycles (TCG is not
//! hardware timing: ratios and side-by-side runs in the same QEMU are what
//! count):
//! - null hypercall round trip (`xen_version`) from a guest, next to the
//!   cheapest exit there is (`CPUID` of a Xen leaf) in the same guest run;
//! - dom0 build time (ELF load, RAM, nested tables, VMCB), from the
//!   hypervisor's own log;
//! - the same null hypercall on Debian's Xen 4.17 (the guest booted as its
//!   PVH dom0) in the same QEMU, for the side-by-side ratio.
//!
//! Not criterion: each figure comes from one boot. Run with
//! `cargo bench -p xen-hv` (also part of `cargo xtask bench`).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::*;

fn number_after(log: &str, key: &str) -> Option<u64> {
    let at = log.find(key)? + key.len();
    log[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn main() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("bench-tcg");
    let run = qemu(
        &dir,
        &[
            "-kernel",
            image().to_str().unwrap(),
            "-append",
            "console=com1 maxcpus=1",
            "-initrd",
            guest("bench-hypercall").to_str().unwrap(),
        ],
        Duration::from_secs(300),
    );
    let hc = number_after(&run.log, "null hypercall");
    let cpuid = number_after(&run.log, "cpuid exit");
    let build = number_after(&run.log, "Dom0 built in");
    match (hc, cpuid) {
        (Some(h), Some(c)) => println!(
            "xen-hv: null hypercall round trip (TCG cycles): ours {h}, reference (CPUID exit) {c}, ratio {:.2}",
            h as f64 / c as f64
        ),
        _ => println!("xen-hv: hypercall benchmark produced no figures:\n{}", run.log),
    }
    if let Some(b) = build {
        println!("xen-hv: dom0 build (TCG cycles, 64 MiB, test guest): {b}");
    }
    // Side by side: the same guest as PVH dom0 on Debian's Xen 4.17 in the
    // same QEMU.
    if let Some(xen) = run_on_reference_xen(
        "bench-tcg-xen417",
        &guest("bench-hypercall"),
        Duration::from_secs(300),
    ) {
        let peer = number_after(&xen.log, "null hypercall");
        let peer_cpuid = number_after(&xen.log, "cpuid exit");
        match (hc, peer, peer_cpuid) {
            (Some(h), Some(p), Some(pc)) => println!(
                "xen-hv: null hypercall round trip (TCG cycles): ours {h}, Debian Xen 4.17 {p} \
                 (its CPUID exit {pc}), ours/Xen {:.2}",
                h as f64 / p as f64
            ),
            _ => println!("xen-hv: no figures from Xen 4.17:\n{}", xen.log),
        }
    }
}
