//! The x86 platform layer of the hypervisor: what runs on the bare machine.
//!
//! - [`boot`]: the multiboot2 and PVH entry points (long-mode switch on an
//!   identity map of the first 4 GiB) and [`boot::BootInfo`], what the
//!   loader handed over;
//! - [`cmdline`]: Xen's command-line options;
//! - [`memmap`]: the memory map and the boot frame allocator;
//! - [`serial`], [`console`]: the 16550 UART and the `(XEN)` log;
//! - [`trap`]: GDT, TSS, IDT and exception reports;
//! - [`acpi`]: CPUs, HPET and the S5 sleep type from the firmware tables;
//! - [`power`]: power-off and reset.
//!
//! The pure parts (option parsing, memory bookkeeping, AML scanning) are
//! unit-tested on the host; the hardware parts only run on the bare-metal
//! target (`x86_64-unknown-none`), under QEMU in the system tests.
#![no_std]
#![cfg_attr(not(test), warn(missing_docs))]

#[cfg(test)]
extern crate std;

pub mod acpi;
pub mod boot;
pub mod cmdline;
pub mod console;
pub mod lapic;
pub mod memmap;
pub mod port;
pub mod power;
pub mod serial;
pub mod smp;
pub mod svm;
pub mod trap;
