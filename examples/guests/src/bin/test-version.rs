//! Version and features: the hypervisor identifies itself as Xen through
//! CPUID and `xen_version`, and its console and shutdown hypercalls work.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
use xen_test_guests as _;

#[cfg(target_os = "none")]
#[no_mangle]
extern "C" fn xen_guest_main(start_info: u64) -> ! {
    use xen_guest::{finish, println, Verdict};
    println!("--- Xen Test Framework (xen-rs) ---");
    println!("Environment: PVH 64bit, start info at {start_info:#x}");
    // SAFETY: the start info block is identity-mapped guest memory the
    // hypervisor filled before entry.
    let si = unsafe {
        core::ptr::read_unaligned(start_info as *const xen_abi::hvm::start_info::HvmStartInfo)
    };
    // Version 0 (what Xen gives a PVH dom0) has no memory map; 1 adds it.
    if si.magic != xen_abi::hvm::start_info::XEN_HVM_START_MAGIC_VALUE || si.version > 1 {
        xen_test_guests::fail(format_args!(
            "bad start info magic {:#x} / version {}",
            si.magic, si.version
        ));
    }
    if si.rsdp_paddr == 0 {
        xen_test_guests::fail(format_args!("no ACPI RSDP in start info"));
    }
    // SAFETY: as above, the RSDP lies in identity-mapped guest memory.
    let sig = unsafe { core::ptr::read_unaligned(si.rsdp_paddr as *const [u8; 8]) };
    if &sig != b"RSD PTR " {
        xen_test_guests::fail(format_args!("RSDP signature {sig:?}"));
    }
    let entries = if si.version >= 1 {
        si.memmap_entries
    } else {
        0
    };
    println!(
        "start info v{}: {} memory map entries, RSDP at {:#x}",
        si.version, entries, si.rsdp_paddr
    );
    let leaf = core::arch::x86_64::__cpuid(0x4000_0000);
    let mut sig = [0u8; 12];
    sig[..4].copy_from_slice(&leaf.ebx.to_le_bytes());
    sig[4..8].copy_from_slice(&leaf.ecx.to_le_bytes());
    sig[8..].copy_from_slice(&leaf.edx.to_le_bytes());
    if &sig != b"XenVMMXenVMM" {
        xen_test_guests::fail(format_args!("CPUID 0x40000000 signature {sig:?}"));
    }
    let v = xen_guest::hypercall::xen_version();
    println!("Xen version {}.{}", v >> 16, v & 0xffff);
    if v != (4 << 16 | 17) {
        xen_test_guests::fail(format_args!("xen_version returned {v:#x}, expected 4.17"));
    }
    // The same call through the hypercall page (older kernels' way).
    static mut PAGE: xen_guest::hypercall::HypercallPage =
        xen_guest::hypercall::HypercallPage([0; 4096]);
    // SAFETY: the page is used only here, identity-mapped and executable.
    let page = unsafe { &mut *core::ptr::addr_of_mut!(PAGE) };
    // SAFETY: as above.
    unsafe { xen_guest::hypercall::install_page(page) };
    let v2 = unsafe {
        // SAFETY: the page was just installed; XENVER_version takes no buffer.
        xen_guest::hypercall::hypercall_via_page(
            page,
            xen_abi::xen::hypercall::__HYPERVISOR_XEN_VERSION,
            [0; 5],
        )
    };
    if v2 != v {
        xen_test_guests::fail(format_args!(
            "hypercall page returned {v2:#x}, direct {v:#x}"
        ));
    }
    println!("hypercall page: xen_version {}.{}", v2 >> 16, v2 & 0xffff);
    // An unknown hypercall answers -ENOSYS.
    // SAFETY: number 60 does not exist; no buffers.
    let r =
        unsafe { xen_guest::hypercall::hypercall(xen_guest::hypercall::mechanism(), 60, [0; 5]) };
    if r != -38 {
        xen_test_guests::fail(format_args!("hypercall 60 returned {r}, expected -ENOSYS"));
    }
    finish(Verdict::Success)
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("a guest kernel: build with --target x86_64-unknown-none and boot it on Xen");
}
