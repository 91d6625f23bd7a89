//! Shared pieces of the test guests: the panic handler (a panic is a test
//! failure) and small check helpers.
#![no_std]

/// Reports a failed check and ends the test as a failure.
pub fn fail(what: core::fmt::Arguments<'_>) -> ! {
    xen_guest::println!("FAIL: {}", what);
    xen_guest::finish(xen_guest::Verdict::Failure)
}

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    fail(format_args!("panic: {}", info.message()))
}
