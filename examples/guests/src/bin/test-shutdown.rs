//! Shutdown paths, chosen by the kernel command line (`mode=`):
//! `crash` (SCHEDOP_shutdown with SHUTDOWN_crash), `reboot`, `poweroff`,
//! and `triple-fault` (an exception with no IDT: the hypervisor must crash
//! only this domain, and say so).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
use xen_test_guests as _;

#[cfg(target_os = "none")]
#[no_mangle]
extern "C" fn xen_guest_main(start_info: u64) -> ! {
    use xen_guest::println;
    let cmdline = xen_test_guests::cmdline(start_info);
    let mode = cmdline
        .split_ascii_whitespace()
        .find_map(|w| w.strip_prefix("mode="))
        .unwrap_or("poweroff");
    println!("test-shutdown: mode {mode}");
    match mode {
        "crash" => xen_guest::hypercall::shutdown(xen_abi::sched::SHUTDOWN_CRASH),
        "reboot" => xen_guest::hypercall::shutdown(xen_abi::sched::SHUTDOWN_REBOOT),
        "triple-fault" => {
            // No IDT: the #UD cannot be delivered, which ends in a triple fault.
            let empty = x86_idtr();
            // SAFETY: deliberately breaks this guest; nothing else is affected.
            unsafe {
                core::arch::asm!("lidt [{0}]", "ud2", in(reg) &empty, options(noreturn));
            }
        }
        _ => xen_guest::hypercall::shutdown(xen_abi::sched::SHUTDOWN_POWEROFF),
    };
    xen_test_guests::fail(format_args!("shutdown hypercall returned"))
}

/// A zero-limit IDT descriptor.
#[cfg(target_os = "none")]
fn x86_idtr() -> [u8; 10] {
    [0; 10]
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("a guest kernel: build with --target x86_64-unknown-none and boot it on Xen");
}
