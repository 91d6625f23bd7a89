//! Shared pieces of the test guests: the panic handler (a panic is a test
//! failure) and small check helpers.
#![no_std]

/// Reports a failed check and ends the test as a failure.
pub fn fail(what: core::fmt::Arguments<'_>) -> ! {
    xen_guest::println!("FAIL: {}", what);
    xen_guest::finish(xen_guest::Verdict::Failure)
}

/// The kernel command line from `hvm_start_info` (empty when absent or
/// not UTF-8). The block and the string are identity-mapped.
pub fn cmdline(start_info: u64) -> &'static str {
    if start_info == 0 {
        return "";
    }
    // SAFETY: the hypervisor passed an identity-mapped start info block.
    let si = unsafe {
        core::ptr::read_unaligned(start_info as *const xen_abi::hvm::start_info::HvmStartInfo)
    };
    if si.cmdline_paddr == 0 {
        return "";
    }
    let p = si.cmdline_paddr as *const u8;
    let mut len = 0;
    // SAFETY: a NUL-terminated string in identity-mapped guest memory;
    // bounded to one page.
    while len < 4096 && unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: `len` bytes were just read from that string.
    let bytes = unsafe { core::slice::from_raw_parts(p, len) };
    core::str::from_utf8(bytes).unwrap_or("")
}

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    fail(format_args!("panic: {}", info.message()))
}
