//! `xen-hv`: the hypervisor binary.
//!
//! Thin by design: it parses what the loader handed over, brings up the
//! platform through `xen-x86`, and (as they land) builds the boot domains
//! with `xen-core`. Built for `x86_64-unknown-none`; on any other target
//! this file only explains how to build it.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod cpuid;
#[cfg(target_os = "none")]
mod hv;
#[cfg(target_os = "none")]
mod hypercall;
#[cfg(target_os = "none")]
mod vm;

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "xen-hv runs on bare metal: build it with \
         `cargo build -p xen-hv --release --target x86_64-unknown-none` \
         and boot it from GRUB (multiboot2) or QEMU's -kernel (PVH)."
    );
    std::process::exit(2);
}
