//! Building PVH domains' boot images, as Xen's domain builder does:
//! parse the kernel's ELF (segments at their physical addresses, the
//! `XEN_ELFNOTE_PHYS32_ENTRY` note) and lay out the `hvm_start_info` block
//! (memory map, modules, command lines) the kernel reads at entry.
//!
//! Also the minimal ACPI tables (RSDP, XSDT, FADT, MADT, DSDT) a PVH
//! guest finds through `rsdp_paddr`.
//!
//! `no_std` and allocation-free, so the hypervisor uses it for boot
//! domains and a toolstack for `xm create`; every input is bounds-checked.
#![no_std]
#![cfg_attr(not(test), forbid(unsafe_code))]

#[cfg(test)]
extern crate std;

pub mod acpi;
pub mod elf;
pub mod start_info;

pub use elf::{ElfError, PvhImage, Segment};
pub use start_info::{ModuleDesc, StartInfo, StartInfoError};
